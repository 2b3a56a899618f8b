#!/usr/bin/env python3
"""cache-sync.py - compare muster's cache (GET /debug/cache) with the API
server's objects (`kubectl get nodes,pods -A -o json`, on stdin): node
names, labels, taints, unschedulable, readiness, allocatable and used
cpu/memory/GPUs, and every pod's node. Prints the differences and exits 1
when there are any, 0 when muster's view is the API server's."""
import json
import re
import sys
import urllib.request

RES = ("cpu", "memory", "nvidia.com/gpu")
SUFFIX = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
          "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def qty(name, s):
    """A quantity in muster's units: cpu in millicores, the rest whole."""
    m = re.fullmatch(r"(\d+)(m|k|M|G|T|Ki|Mi|Gi|Ti|)", str(s))
    if not m:
        sys.exit(f"cache-sync: cannot read quantity {s!r}")
    v, suf = int(m.group(1)), m.group(2)
    milli = v if suf == "m" else v * SUFFIX[suf] * 1000
    return milli if name == "cpu" else milli // 1000


def api_view(objs):
    nodes, pods = {}, {}
    for o in objs["items"]:
        if o["kind"] == "Pod":
            phase = o.get("status", {}).get("phase", "Pending")
            pods[o["metadata"]["uid"]] = (o["metadata"]["name"],
                                          o["spec"].get("nodeName"), phase, o)
    for o in objs["items"]:
        if o["kind"] != "Node":
            continue
        st, name = o.get("status", {}), o["metadata"]["name"]
        conds = {c["type"]: c["status"] for c in st.get("conditions", [])}
        used = dict.fromkeys(RES, 0)
        for _, node, phase, p in pods.values():
            if node != name or phase in ("Succeeded", "Failed"):
                continue
            for c in p["spec"]["containers"]:
                for r, v in c.get("resources", {}).get("requests", {}).items():
                    if r in used:
                        used[r] += qty(r, v)
        nodes[name] = {
            "labels": o["metadata"].get("labels", {}),
            "taints": sorted((t["key"], t.get("value", ""), t["effect"])
                             for t in o["spec"].get("taints", [])),
            "unschedulable": bool(o["spec"].get("unschedulable", False)),
            "ready": conds.get("Ready") == "True",
            "allocatable": {r: qty(r, st.get("allocatable", {}).get(r, "0"))
                            for r in RES},
            "used": used,
        }
    return nodes, {u: v[1] for u, v in pods.items()}


def muster_view(cache):
    nodes = {}
    for n in cache["nodes"]:
        nodes[n["name"]] = {
            "labels": n.get("labels", {}),
            "taints": sorted((t["key"], t["value"], t["effect"])
                             for t in n.get("taints", [])),
            "unschedulable": n["unschedulable"],
            "ready": n["ready"],
            "allocatable": {r: n["allocatable"].get(r, 0) for r in RES},
            "used": {r: n["used"].get(r, 0) for r in RES},
        }
    return nodes, {p["uid"]: p["nodeName"] for p in cache["pods"]}


def main(url):
    api_nodes, api_pods = api_view(json.load(sys.stdin))
    with urllib.request.urlopen(url, timeout=5) as r:
        mu_nodes, mu_pods = muster_view(json.load(r))
    diffs = []
    for name in sorted(set(api_nodes) | set(mu_nodes)):
        a, m = api_nodes.get(name), mu_nodes.get(name)
        if a is None or m is None:
            diffs.append(f"node {name}: only in {'muster' if a is None else 'the API'}")
            continue
        for k in a:
            if a[k] != m[k]:
                diffs.append(f"node {name} {k}: API {a[k]} muster {m[k]}")
    for uid in sorted(set(api_pods) | set(mu_pods)):
        if api_pods.get(uid, "-") != mu_pods.get(uid, "-"):
            diffs.append(f"pod {uid}: node API {api_pods.get(uid, '-')} "
                         f"muster {mu_pods.get(uid, '-')}")
    for d in diffs:
        print(f"cache-sync: {d}")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: kubectl get nodes,pods -A -o json | cache-sync.py URL")
    main(sys.argv[1])
