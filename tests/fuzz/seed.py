#!/usr/bin/env python3
"""tests/fuzz/seed.py - (re)build the seed corpora tests/fuzz/corpus/<target>/
from the tests' sample inputs (tests/data, the captured kube-scheduler
bodies, policies/, examples/) plus hand-written edge cases. Each file starts
with the selector bytes its target reads (see each fuzz_<target>.c).
Run from anywhere: python3 tests/fuzz/seed.py"""
import glob
import json
import os
import shutil

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CORPUS = os.path.join(ROOT, 'tests', 'fuzz', 'corpus')
VERB = {'filter': 0, 'prioritize': 1, 'preempt': 2, 'bind': 3}


def rd(rel):
    with open(os.path.join(ROOT, rel), 'rb') as f:
        return f.read()


def mini(obj):
    return json.dumps(obj, separators=(',', ':')).encode()


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def extender():
    reqs = sorted(glob.glob(os.path.join(ROOT, 'tests/data/extender/captured/*/*.request.json')))
    reqs += sorted(glob.glob(os.path.join(ROOT, 'tests/data/extender/*-gpu.json')))
    bodies = {}
    for path in reqs:
        base = os.path.basename(path)
        verb = next(v for v in VERB if v in base)
        body = mini(json.load(open(path)))   # minified: shorter inputs mutate faster
        tag = os.path.basename(os.path.dirname(path)) + '-' + base.replace('.request.json', '').replace('.json', '')
        put('extender', tag, bytes([VERB[verb]]) + body)
        bodies.setdefault(verb, []).append(body)
    # filter, prioritize, then bind of the same pod: the memo path
    cap = 'tests/data/extender/captured/v1.20.2-preemptfix/'
    seq = [rd(cap + '001-nocache-filter.request.json'), rd(cap + '002-nocache-prioritize.request.json'),
           rd(cap + '003-nocache-bind.request.json')]
    put('extender', 'seq-filter-prioritize-bind',
        b'\x00'.join(bytes([VERB[v]]) + mini(json.loads(b)) for v, b in zip(('filter', 'prioritize', 'bind'), seq)))
    # two members of gang "big" (a PodGroup in fuzz_cluster.h), gang mode on
    pod = json.loads(rd('tests/data/extender/filter-gpu.json'))['Pod']
    calls = []
    for i in range(2):
        p = json.loads(json.dumps(pod))
        p['metadata']['name'] = 'big-%d' % i
        p['metadata']['namespace'] = 'ml'
        p['metadata']['uid'] = 'uid-big-%d' % i
        p['metadata']['labels'] = {'scheduling.x-k8s.io/pod-group': 'big'}
        p['metadata']['annotations'] = {'muster.dev/min-member': '2'}
        names = ['gpu-a', 'gpu-b', 'gpu-c', 'gpu-d', 'node-a']
        calls.append(bytes([4 | VERB['filter']]) + mini({'Pod': p, 'Nodes': None, 'NodeNames': names}))
        calls.append(bytes([VERB['prioritize']]) + mini({'Pod': p, 'Nodes': None, 'NodeNames': names}))
        calls.append(bytes([VERB['bind']]) + mini({'PodName': p['metadata']['name'], 'PodNamespace': 'ml',
                                                    'PodUID': p['metadata']['uid'], 'Node': 'gpu-a'}))
    put('extender', 'gang-two-members', b'\x00'.join(calls[:6]))
    for i, e in enumerate([b'{}', b'null', b'[]', b'{"Pod":null}', b'{"Pod":{},"NodeNames":[]}',
                           b'{"pod":{"metadata":{"name":"x"}},"nodenames":["node-a","node-a"]}',
                           b'{"Pod":{"metadata":{"name":"x","uid":"u"},"spec":{"containers":[{"resources":'
                           b'{"requests":{"cpu":"1e400"}}}]}},"NodeNames":["node-a"]}',
                           b'{"Pod":{"metadata":{"name":"%s"}},"NodeNames":["%d"]}']):
        for v in range(4):
            put('extender', 'edge-%d-%d' % (i, v), bytes([v]) + e)


def watch_events(items, kind):
    out = []
    objs = [i for i in items if i.get('kind') == kind]
    for o in objs:
        out.append(mini({'type': 'ADDED', 'object': o}))
    for o in objs:
        m = json.loads(json.dumps(o))
        m['metadata']['resourceVersion'] = '99'
        if kind == 'Pod':
            m.setdefault('spec', {})['nodeName'] = 'node-a'
            m.setdefault('status', {})['phase'] = 'Running'
        else:
            m.setdefault('spec', {})['unschedulable'] = True
        out.append(mini({'type': 'MODIFIED', 'object': m}))
    if objs:
        out.append(mini({'type': 'DELETED', 'object': objs[0]}))
    out.append(mini({'type': 'BOOKMARK', 'object': {'kind': kind, 'metadata': {'resourceVersion': '123'}}}))
    return out


def watch():
    cl = json.loads(rd('tests/data/extender/captured-cluster.json'))['items']
    cl += json.loads(rd('tests/data/gang/cluster.json'))['items']
    pods = [json.loads(rd('tests/data/extender/filter-gpu.json'))['Pod']]
    for i in cl:
        if i.get('kind') == 'Pod':
            pods.append(i)
    for i, p in enumerate(pods):
        p.setdefault('kind', 'Pod')
    err = mini({'type': 'ERROR', 'object': {'kind': 'Status', 'apiVersion': 'v1', 'status': 'Failure',
                                           'message': 'too old resource version: 1 (2)', 'reason': 'Expired',
                                           'code': 410}})
    for res, kind, items in ((0, 'Node', cl), (1, 'Pod', cl + pods)):
        evs = watch_events(items, kind)
        body = b'\n'.join(evs) + b'\n'
        put('watch', '%s-stream-whole' % kind.lower(), bytes([res, 0]) + body)
        put('watch', '%s-stream-chunks' % kind.lower(), bytes([res, 3, 0, 16, 255]) + body)
        put('watch', '%s-stream-small-cap' % kind.lower(), bytes([res | (8 << 2), 1, 7]) + body)
        put('watch', '%s-stream-error' % kind.lower(), bytes([res, 2, 1, 100]) + evs[0] + b'\n' + err + b'\n')
        put('watch', '%s-stream-tail' % kind.lower(), bytes([res, 1, 30]) + b'\r\n  \n' + evs[0] + b'\n' + evs[-1])
        lst = {'kind': kind + 'List', 'apiVersion': 'v1',
               'metadata': {'resourceVersion': '77', 'continue': 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ'},
               'items': [i for i in items if i.get('kind') == kind]}
        put('watch', '%s-list-page' % kind.lower(), bytes([res | 2, 0]) + mini(lst))


def snapshot():
    for rel in ('tests/data/extender/captured-cluster.json', 'tests/data/gang/cluster.json',
                'tests/data/sim/online_cluster.json'):
        put('snapshot', os.path.basename(os.path.dirname(rel)) + '-' + os.path.basename(rel), mini(json.loads(rd(rel))))
    ex = json.loads(rd('examples/cluster.json'))
    ex['items'] = ex['items'][:6]          # the first nodes only: keep seeds small
    put('snapshot', 'examples-cluster-head.json', mini(ex))
    nodes = [i for i in json.loads(rd('tests/data/gang/cluster.json'))['items'] if i['kind'] == 'Node']
    put('snapshot', 'nodelist.json', mini({'kind': 'NodeList', 'apiVersion': 'v1', 'items': nodes}))
    put('snapshot', 'podlist-empty.json', b'{"kind":"PodList","apiVersion":"v1","items":[]}')
    for i, e in enumerate([b'{}', b'{"kind":"List","items":[{"kind":"Secret"}]}',
                           b'{"kind":"List","items":[{"kind":"Node","metadata":{"name":"a"},"status":'
                           b'{"allocatable":{"cpu":"-1","memory":"1Ei","pods":"1e18"}}}]}']):
        put('snapshot', 'edge-%d' % i, e)


def policy():
    for path in sorted(glob.glob(os.path.join(ROOT, 'policies/*.json'))):
        put('policy', os.path.basename(path), mini(json.load(open(path))))
    for i, e in enumerate([b'{}', b'{"filters":[],"scores":[]}',
                           b'{"filters":["resources-fit"],"scores":[{"name":"least-allocated","weight":101}]}',
                           b'{"filters":["nope"]}', b'{"gang":{"topologyKeys":[]}}']):
        put('policy', 'edge-%d' % i, e)


KUBECONFIG = b'''apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: other
  cluster: {server: 'https://wrong:1'}
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmFiYwo=
    insecure-skip-tls-verify: false
contexts:
- name: dev
  context: {cluster: other, user: nobody}
- name: prod
  context:
    cluster: c1
    user: admin
users:
- name: admin
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmFiYwo=
    client-key-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmFiYwo=
    token: abc.def
'''


def kubeconfig():
    put('kubeconfig', 'full', KUBECONFIG)
    put('kubeconfig', 'files', b'''current-context: k
clusters:
- name: c
  cluster:
    server: http://127.0.0.1:8080
    certificate-authority: ca.crt
contexts:
- name: k
  context: {cluster: c, user: u}
users:
- name: u
  user:
    client-certificate: /abs/cert.pem
    client-key: rel/key.pem
    tokenFile: token
''')
    put('kubeconfig', 'exec', b'current-context: k\nclusters: [{name: c, cluster: {server: "https://x"}}]\n'
                              b'contexts: [{name: k, context: {cluster: c, user: u}}]\n'
                              b'users: [{name: u, user: {exec: {command: aws}}}]\n')
    put('kubeconfig', 'anchors', b'current-context: &a k\nclusters: [{name: c, cluster: {server: "https://x"}}]\n'
                                 b'contexts: [{name: *a, context: {cluster: c}}]\n')
    for i, e in enumerate([b'', b'- a\n- b\n', b'current-context: ""\n', b'{a: [1, {b: c}]}\n', b'%YAML 1.1\n---\n']):
        put('kubeconfig', 'edge-%d' % i, e)


def trace():
    put('trace', 'examples-trace', b'\x00' + rd('examples/trace.csv'))
    put('trace', 'online-trace', b'\x00' + rd('tests/data/sim/online_trace.csv'))
    put('trace', 'itp-small', b'\x01' + rd('tests/data/sim/itp_small.csv'))
    put('trace', 'openb-small', b'\x02' + rd('tests/data/sim/openb_small.csv'))
    put('trace', 'openb-nodes-small', b'\x03' + rd('tests/data/sim/openb_nodes_small.csv'))
    put('trace', 'quoted', b'\x00job_id,submit_time,num_pods,gpus_per_pod,duration,queue,user\n'
                           b'"a",0.001,2,1,1.5,"q","u ""x"", y"\n# c\n\nb,1,1,0,2,default,\n')
    put('trace', 'unsorted', b'\x00job_id,submit_time,num_pods,gpus_per_pod,duration\na,5,1,1,1\nb,4,1,1,1\na,6,1,1,1\n')


def quantity():
    for i, q in enumerate(['500m', '1.5', '0.5Gi', '1e3', '12E2', '527972500Ki', '+1', '1E', '-1', '.5', '5.',
                           '9223372036854775807', '8Ei', '1n', '1u', '123456789012345678901234567890m',
                           '1e-3', '1e18', '0.0001', '1.0000000000000000001k', 'Ki', '', ' 1']):
        put('quantity', 'q-%02d' % i, q.encode())


def podgroup():
    pg = [i for i in json.loads(rd('tests/data/gang/cluster.json'))['items'] if i['kind'] == 'PodGroup'][0]
    put('podgroup', 'object', b'\x00' + mini(pg))
    put('podgroup', 'list', b'\x01' + mini({'kind': 'PodGroupList', 'apiVersion': 'scheduling.x-k8s.io/v1alpha1',
                                             'metadata': {'continue': 'abc', 'resourceVersion': '5'},
                                             'items': [pg, {'metadata': {'name': 'x', 'namespace': 'y'},
                                                            'spec': {'minMember': 100000,
                                                                     'scheduleTimeoutSeconds': 0}}]}))
    put('podgroup', 'edge-0', b'\x00{"metadata":{"name":"a"},"spec":{"minMember":0}}')
    put('podgroup', 'edge-1', b'\x00{"kind":"Pod","metadata":{"name":"a"}}')
    put('podgroup', 'edge-2', b'\x00{"metadata":{"name":"a","namespace":"b"},"spec":{"minMember":-1}}')


def jscan():
    docs = [rd('tests/data/extender/filter-gpu.json'), rd('tests/data/gang/cluster.json'),
            b'{"a":[1,-2.5e+10,true,false,null,"\\u00e9\\ud83d\\ude00\\n"],"b":{}}',
            b'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
            b'9223372036854775808', b'"\\ud800"', b'{"a":1,}', b'  "x"  ']
    for i, d in enumerate(docs):
        for mode in (0, 1, 2, 4, 7):
            put('jscan', 'doc-%d-mode-%d' % (i, mode), bytes([mode]) + d)


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    for fn in (extender, watch, snapshot, policy, kubeconfig, trace, quantity, podgroup, jscan):
        fn()
    for t in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, t))
        size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
        print('%-11s %3d files %8d bytes' % (t, len(files), size))


main()
