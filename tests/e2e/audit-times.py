#!/usr/bin/env python3
"""audit-times.py - when pods were created, bound or deleted, by the API
server's clock, from its audit log (see the audit policy in cluster.sh).

    audit-times.py AUDIT_LOG create|binding|delete POD...

Prints "NAME SECONDS" (Unix time, microseconds) for each named pod whose
last successful create, pods/binding create or delete is in the log; pods
without one are left out. A create or binding counts when its response was
complete (the object exists), a delete from when the request arrived (the
earliest its effect can be seen): a time measured from a delete is never
too short. Exits 1 naming the problem on a bad argument or an
unreadable log."""
import datetime
import json
import sys


def stamp(ev, field):
    ts = datetime.datetime.strptime(ev[field], "%Y-%m-%dT%H:%M:%S.%fZ")
    return ts.replace(tzinfo=datetime.timezone.utc).timestamp()


def main(path, what, names):
    if what not in ("create", "binding", "delete"):
        sys.exit(f"audit-times: unknown event kind {what!r}")
    sub = "binding" if what == "binding" else None
    verb, code = ("delete", 200) if what == "delete" else ("create", 201)
    field = ("requestReceivedTimestamp" if what == "delete"
             else "stageTimestamp")
    last = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                ev = json.loads(line)
                ref = ev.get("objectRef", {})
                if (ref.get("resource") != "pods"
                        or ref.get("subresource") != sub
                        or ref.get("name") not in names
                        or ev.get("verb") != verb
                        or ev.get("responseStatus", {}).get("code") != code):
                    continue
                last[ref["name"]] = stamp(ev, field)
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"audit-times: {path}: {e}")
    for name in sorted(last):
        print(f"{name} {last[name]:.6f}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: audit-times.py AUDIT_LOG create|binding|delete POD...")
    main(sys.argv[1], sys.argv[2], set(sys.argv[3:]))
