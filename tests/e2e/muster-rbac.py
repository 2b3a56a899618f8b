#!/usr/bin/env python3
"""muster-rbac.py - print (as a JSON List) the ClusterRoles of deploy/muster.yaml
and a ClusterRoleBinding of each to the user "muster", the identity the
end-to-end run gives muster. Exits 1 naming the problem when the file has
no ClusterRole."""
import json
import sys

import yaml


def main(path):
    try:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
    except (OSError, yaml.YAMLError) as e:
        sys.exit(f"muster-rbac: {path}: {e}")
    roles = [d for d in docs if d.get("kind") == "ClusterRole"]
    if not roles:
        sys.exit(f"muster-rbac: {path}: no ClusterRole")
    items = []
    for role in roles:
        name = role["metadata"]["name"]
        items.append(role)
        items.append({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": f"muster-e2e-{name}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole", "name": name},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io",
                          "kind": "User", "name": "muster"}],
        })
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: muster-rbac.py deploy/muster.yaml")
    main(sys.argv[1])
