#!/usr/bin/env python3
"""check-config.py - the extender entries of deploy/scheduler-config.yaml
(kubescheduler.config.k8s.io/v1, current clusters) and of
tests/e2e/scheduler-config.v1beta1.yaml (v1.20, the end-to-end run) must
agree on every field but urlPrefix, and on percentageOfNodesToScore, so the
end-to-end run tests the configuration users deploy. Prints each difference
and exits 1 on any."""
import sys

import yaml

SKIP = {"urlPrefix"}


def load(path, want_api):
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
    except (OSError, yaml.YAMLError) as e:
        sys.exit(f"check-config: {path}: {e}")
    cfgs = [d for d in docs if d.get("kind") == "KubeSchedulerConfiguration"]
    if len(cfgs) != 1:
        sys.exit(f"check-config: {path}: want one KubeSchedulerConfiguration, "
                 f"found {len(cfgs)}")
    cfg = cfgs[0]
    if cfg.get("apiVersion") != want_api:
        sys.exit(f"check-config: {path}: apiVersion {cfg.get('apiVersion')!r}, "
                 f"want {want_api!r}")
    return cfg


def diff(a, b, names):
    out = []
    if a.get("percentageOfNodesToScore") != b.get("percentageOfNodesToScore"):
        out.append("percentageOfNodesToScore: %r vs %r" % (
            a.get("percentageOfNodesToScore"), b.get("percentageOfNodesToScore")))
    ea, eb = a.get("extenders") or [], b.get("extenders") or []
    if len(ea) != len(eb) or not ea:
        out.append(f"extenders: {len(ea)} vs {len(eb)} entries")
        return out
    for i, (x, y) in enumerate(zip(ea, eb)):
        for k in sorted((set(x) | set(y)) - SKIP):
            if x.get(k) != y.get(k):
                out.append(f"extenders[{i}].{k}: {x.get(k)!r} ({names[0]}) "
                           f"vs {y.get(k)!r} ({names[1]})")
    return out


def main(deploy, e2e):
    a = load(deploy, "kubescheduler.config.k8s.io/v1")
    b = load(e2e, "kubescheduler.config.k8s.io/v1beta1")
    problems = diff(a, b, (deploy, e2e))
    for p in problems:
        print(f"check-config: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check-config: {deploy} and {e2e} agree on the extender")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: check-config.py deploy/scheduler-config.yaml "
                 "tests/e2e/scheduler-config.v1beta1.yaml")
    main(sys.argv[1], sys.argv[2])
