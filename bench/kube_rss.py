#!/usr/bin/env python3
# kube_rss.py - one-off measurement (not part of make test): load N nodes and
# M pods into the fake API server, start `muster serve --api-server` against
# it, and report how long the initial LIST takes and muster's memory
# (VmRSS/VmHWM) once /readyz is true. Needs `make test-build` first.
#
#   python3 bench/kube_rss.py [--nodes 5000] [--pods 150000]
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time
import urllib.request

def post(port, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 data=body.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()

def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                    timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except OSError:
        return 0, b""

def wait_port(path, proc):
    for _ in range(500):
        if os.path.exists(path) and open(path).read().strip():
            return int(open(path).read())
        if proc.poll() is not None:
            sys.exit("process exited early")
        time.sleep(0.02)
    sys.exit("no port in " + path)

def node(i):
    return {"metadata": {"name": "node-%05d" % i, "uid": "n-%d" % i,
            "labels": {"kubernetes.io/hostname": "node-%05d" % i,
                       "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                       "topology.kubernetes.io/zone": "zone-%d" % (i % 3),
                       "topology.kubernetes.io/region": "r1",
                       "node.kubernetes.io/instance-type": "m5.4xlarge",
                       "nvidia.com/gpu.product": "A100",
                       "topology.muster.dev/rack": "rack-%d" % (i // 40)},
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
            "spec": {"podCIDR": "10.%d.%d.0/24" % (i // 256, i % 256)},
            "status": {"capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
                       "allocatable": {"cpu": "15500m", "memory": "62Gi",
                                       "pods": "110", "ephemeral-storage": "100Gi",
                                       "nvidia.com/gpu": "8", "hugepages-2Mi": "0"},
                       "conditions": [{"type": t, "status": s,
                                       "lastHeartbeatTime": "2026-11-20T08:12:55Z",
                                       "reason": "KubeletReady", "message": "ok"}
                                      for t, s in (("MemoryPressure", "False"),
                                                   ("DiskPressure", "False"),
                                                   ("Ready", "True"))],
                       "nodeInfo": {"kubeletVersion": "v1.30.0",
                                    "osImage": "Debian GNU/Linux 12"},
                       "images": [{"names": ["registry/img-%d:v1" % k],
                                   "sizeBytes": 100000000} for k in range(10)]}}

def pod(i, nnodes):
    return {"metadata": {"name": "job-%06d" % i, "namespace": "ns-%d" % (i % 50),
            "uid": "0000%04x-3a8e-4c39-9d5e-%012x" % (i % 65536, i),
            "labels": {"app": "app-%d" % (i % 300), "team": "t%d" % (i % 20),
                       "pod-template-hash": "5f%06x" % i},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "x" * 400},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                 "name": "rs-%d" % (i % 300), "uid": "o-%d" % i,
                                 "controller": True}],
            "creationTimestamp": "2026-11-20T08:12:55Z"},
            "spec": {"nodeName": "node-%05d" % (i % nnodes),
                     "schedulerName": "default-scheduler", "priority": 0,
                     "containers": [{"name": "main", "image": "registry/app:v1",
                                     "resources": {"requests": {"cpu": "100m",
                                                                "memory": "128Mi"},
                                                   "limits": {"cpu": "1", "memory": "1Gi"}},
                                     "env": [{"name": "E%d" % k, "value": "v"} for k in range(5)]}],
                     "tolerations": [{"key": "node.kubernetes.io/not-ready",
                                      "operator": "Exists", "effect": "NoExecute",
                                      "tolerationSeconds": 300},
                                     {"key": "node.kubernetes.io/unreachable",
                                      "operator": "Exists", "effect": "NoExecute",
                                      "tolerationSeconds": 300}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "qosClass": "Burstable"}}

def load(port, path, objs, batch=2000):
    for k in range(0, len(objs), batch):
        post(port, path, json.dumps([{"op": "put", "object": o}
                                     for o in objs[k:k + batch]]))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150000)
    ap.add_argument("--build", default="build")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="muster-rss-")
    procs = []
    try:
        fake = subprocess.Popen([a.build + "/fake-apiserver", "--port-file",
                                 d + "/fake.port"], stderr=subprocess.DEVNULL)
        procs.append(fake)
        fport = wait_port(d + "/fake.port", fake)
        t = time.time()
        load(fport, "/_control/nodes", [node(i) for i in range(a.nodes)])
        load(fport, "/_control/pods", [pod(i, a.nodes) for i in range(a.pods)])
        post(fport, "/_control/compact", "{}")
        print("loaded %d nodes, %d pods into the fake in %.1f s"
              % (a.nodes, a.pods, time.time() - t))
        t = time.time()
        muster = subprocess.Popen([a.build + "/muster", "serve", "--policy",
                                   "policies/default.json", "--api-server",
                                   "http://127.0.0.1:%d" % fport, "--listen",
                                   "127.0.0.1:0", "--port-file", d + "/m.port"],
                                  stderr=open(d + "/muster.log", "w"))
        procs.append(muster)
        mport = wait_port(d + "/m.port", muster)
        while get(mport, "/readyz")[0] != 200:
            if time.time() - t > 600:
                sys.exit("muster not ready after 600 s")
            time.sleep(0.1)
        ready = time.time() - t
        time.sleep(1)
        st = dict(l.split(":", 1) for l in open("/proc/%d/status" % muster.pid))
        print("muster ready (both LISTs in) after %.1f s" % ready)
        print("muster VmRSS %s, VmHWM %s" % (st["VmRSS"].strip(), st["VmHWM"].strip()))
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(d, ignore_errors=True)

main()
