// Loading cluster dumps as they come (README "Bring your cluster"): every
// layout (Lists of any type, multi-document YAML, cluster-info dump output
// and trees, gzip), kinds not served (--skip-unknown), --start-time dump,
// readiness from probes, the summary line, and bad dumps (exit 2 naming
// the file and the object, nothing served).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, mkdirSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { start, client, binary } from '../lib/server.mjs';

const tmp = () => mkdtempSync(join(tmpdir(), 'evictsim-dump-'));
const T0 = '2025-03-01T10:00:00Z';

// Objects shaped as a real cluster writes them: managedFields, uids,
// resourceVersions, last-applied annotations, full status.
const node = (name, labels = {}) => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: {
    name, uid: `uid-node-${name}`, resourceVersion: '101', creationTimestamp: '2025-02-01T00:00:00Z',
    labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...labels },
    annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    managedFields: [{ manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: '2025-03-01T09:59:00Z',
      fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/hostname': {} } } } }],
  },
  spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], providerID: `kind://docker/kind/${name}` },
  status: {
    capacity: { cpu: '8', memory: '16Gi', pods: '110' }, allocatable: { cpu: '8', memory: '16Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status',
      lastHeartbeatTime: '2025-03-01T09:59:30Z', lastTransitionTime: '2025-02-01T00:01:00Z' }],
    addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: name }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: { kubeletVersion: 'v1.33.1', containerRuntimeVersion: 'containerd://1.7.18', architecture: 'amd64',
      operatingSystem: 'linux', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', machineID: 'm',
      systemUUID: 's', bootID: 'b', kubeProxyVersion: 'v1.33.1' },
    images: [{ names: ['registry.k8s.io/pause:3.10'], sizeBytes: 320368 }],
  },
});
const pod = (name, nodeName, extra = {}) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name, namespace: 'shop', uid: `uid-pod-${name}`, resourceVersion: '2001', creationTimestamp: '2025-02-20T00:00:00Z',
    labels: { app: 'cart', 'pod-template-hash': '5d4f8c7b9' }, generateName: 'cart-5d4f8c7b9-',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'cart-5d4f8c7b9', uid: 'uid-rs-cart',
      controller: true, blockOwnerDeletion: true }],
    managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1',
      time: '2025-02-20T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
  },
  spec: {
    nodeName, containers: [{ name: 'cart', image: 'shop/cart:1.4', ports: [{ containerPort: 8080, protocol: 'TCP' }],
      resources: { requests: { cpu: '100m' } }, terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }],
    restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler',
    serviceAccountName: 'default', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists',
      effect: 'NoExecute', tolerationSeconds: 300 }],
  },
  status: {
    phase: 'Running', hostIP: '172.18.0.2', podIP: '10.244.1.7', qosClass: 'Burstable', startTime: '2025-02-20T00:00:01Z',
    conditions: [
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-02-20T00:00:01Z' },
      { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-02-20T00:00:05Z' },
      { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-02-20T00:00:05Z' },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-02-20T00:00:00Z' }],
    containerStatuses: [{ name: 'cart', ready: true, restartCount: 0, image: 'shop/cart:1.4', imageID: 'sha256:abc',
      containerID: 'containerd://1', started: true, state: { running: { startedAt: '2025-02-20T00:00:02Z' } },
      lastState: {} }], // as a real dump writes it (Go always writes lastState)
  },
  ...extra,
});
const pdb = {
  apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
  metadata: {
    name: 'cart', namespace: 'shop', uid: 'uid-pdb-cart', resourceVersion: '3001', generation: 1,
    creationTimestamp: '2025-02-10T00:00:00Z',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration':
      '{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"annotations":{},"name":"cart","namespace":"shop"},"spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"cart"}}}}\n' },
  },
  spec: { minAvailable: 2, selector: { matchLabels: { app: 'cart' } } },
  status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3,
    conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '',
      observedGeneration: 1, lastTransitionTime: T0 }] },
};
// Kinds evictsim does not serve (a custom resource whose CRD the dump lacks, a retired version).
const configMap = { apiVersion: 'monitoring.example.com/v1', kind: 'Gauge', metadata: { name: 'kube-root-ca.crt', namespace: 'shop' },
  data: { 'ca.crt': 'x' } };
const lease = { apiVersion: 'coordination.k8s.io/v1beta1', kind: 'Lease',
  metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1' } };
const objects = () => [node('n1', { pool: 'old' }), node('n2', { pool: 'new' }),
  pod('cart-5d4f8c7b9-aaaaa', 'n1'), pod('cart-5d4f8c7b9-bbbbb', 'n1'), pod('cart-5d4f8c7b9-ccccc', 'n2'), pdb];
const list = (items, kind = 'List') => ({ apiVersion: 'v1', kind, metadata: { resourceVersion: '' }, items });
const yamlDocs = (items) => items.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';

function run(args) {
  return spawnSync(binary, ['--listen', '127.0.0.1:0', '--port-file', '/dev/null', ...args], { encoding: 'utf8', timeout: 60000 });
}

// What the server says on stderr until it serves (tests/lib's start() passes -q).
function summary(args) {
  return new Promise((res) => {
    const p = spawn(binary, ['--listen', '127.0.0.1:0', '--clock', 'manual', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; if (out.includes('serving on')) p.kill('SIGTERM'); });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', () => res(err));
  });
}

// Serves the dump with nothing moving (controllers off) and returns the snapshot's items.
async function loaded(paths, args = []) {
  const srv = await start({ args: ['--controllers', 'none', ...args], manifests: paths });
  try {
    const snap = (await client(srv.url).get('/sim/v1/snapshot')).json;
    return { items: snap.items, stderr: await summary(['--controllers', 'none', ...args, ...paths]) };
  } finally { await srv.stop(); }
}
const find = (items, kind, name) => items.find((o) => o.kind === kind && o.metadata.name === name);

test('every layout loads: List, typed lists, multi-document YAML, cluster-info dump (stdout and tree), gzip', async () => {
  const d = tmp();
  const objs = objects();
  const files = {
    'list.json': JSON.stringify(list(objs)),
    'docs.yaml': yamlDocs(objs),
    'typed.json': [JSON.stringify(list(objs.slice(0, 2).map(({ kind, apiVersion, ...o }) => o), 'NodeList')),
      JSON.stringify(list(objs.slice(2, 5).map(({ kind, apiVersion, ...o }) => o), 'PodList')),
      JSON.stringify({ ...list([pdb], 'PodDisruptionBudgetList'), apiVersion: 'policy/v1' })].join('\n'),
  };
  // cluster-info dump on stdout: JSON lists one after another, logs between them
  files['cluster-info.dump'] = [JSON.stringify(list(objs.slice(0, 2), 'NodeList'), null, 4),
    JSON.stringify(list([], 'EventList'), null, 4), JSON.stringify(list(objs.slice(2, 5), 'PodList'), null, 4),
    '==== START logs for container cart of pod shop/cart-5d4f8c7b9-aaaaa ====',
    '{"level":"info","msg":"listening", "ts":"2099-01-01T00:00:00Z"}', '[not json',
    '==== END logs for container cart of pod shop/cart-5d4f8c7b9-aaaaa ====',
    JSON.stringify({ ...list([pdb], 'PodDisruptionBudgetList'), apiVersion: 'policy/v1' }, null, 4)].join('\n') + '\n';
  // cluster-info dump -o yaml: the lists as YAML documents, the logs between them
  files['cluster-info-yaml.dump'] = [JSON.stringify(list(objs.slice(0, 2), 'NodeList')), '---',
    JSON.stringify(list(objs.slice(2, 5), 'PodList')),
    '==== START logs for container cart of pod shop/cart-5d4f8c7b9-aaaaa ====', 'key: [unclosed', '---',
    '==== END logs for container cart of pod shop/cart-5d4f8c7b9-aaaaa ====', '---',
    JSON.stringify({ ...list([pdb], 'PodDisruptionBudgetList'), apiVersion: 'policy/v1' })].join('\n') + '\n';
  for (const [n, text] of Object.entries(files)) writeFileSync(join(d, n), text);
  writeFileSync(join(d, 'docs.yaml.gz'), gzipSync(files['docs.yaml']));
  // cluster-info dump --output-directory: nodes.json, NS/pods.json, NS/POD/logs.txt
  const tree = join(d, 'tree');
  mkdirSync(join(tree, 'shop', 'cart-5d4f8c7b9-aaaaa'), { recursive: true });
  writeFileSync(join(tree, 'nodes.json'), JSON.stringify(list(objs.slice(0, 2), 'NodeList'), null, 4));
  writeFileSync(join(tree, 'shop', 'pods.json'), JSON.stringify(list(objs.slice(2, 5), 'PodList'), null, 4));
  writeFileSync(join(tree, 'shop', 'poddisruptionbudgets.json.gz'), gzipSync(JSON.stringify(list([pdb]))));
  writeFileSync(join(tree, 'shop', 'cart-5d4f8c7b9-aaaaa', 'logs.txt'), '==== START logs ====\nhello\n');
  writeFileSync(join(tree, 'shop', 'notes.md'), '# not a manifest\n');

  for (const p of ['list.json', 'docs.yaml', 'typed.json', 'cluster-info.dump', 'cluster-info-yaml.dump', 'docs.yaml.gz', 'tree']) {
    const { items, stderr } = await loaded([join(d, p)]);
    const got = items.filter((o) => o.metadata.uid?.startsWith('uid-')).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(got, objs.map((o) => `${o.kind}/${o.metadata.name}`).sort(), p);
    const p1 = find(items, 'Pod', 'cart-5d4f8c7b9-aaaaa');
    assert.equal(p1.metadata.uid, 'uid-pod-cart-5d4f8c7b9-aaaaa', p);
    assert.deepEqual(p1.metadata.ownerReferences, objs[2].metadata.ownerReferences, p);
    assert.deepEqual(p1.metadata.managedFields, objs[2].metadata.managedFields, p);
    assert.deepEqual(p1.status.containerStatuses, objs[2].status.containerStatuses, p);
    assert.equal(find(items, 'PodDisruptionBudget', 'cart').metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'],
      pdb.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], p);
    assert.deepEqual(find(items, 'Node', 'n1').status.nodeInfo, objs[0].status.nodeInfo, p);
    if (p === 'tree') assert.match(stderr, /skipped: 2 files that are not manifests/);
  }
});

test('the summary line: objects per kind, pods per phase, nodes, PDBs and their allowance, what was skipped', async () => {
  const d = tmp();
  writeFileSync(join(d, 'c.yaml'), yamlDocs([...objects(), configMap, lease,
    pod('cart-5d4f8c7b9-ddddd', 'n2', { status: { phase: 'Pending' } })]));
  const err = await summary(['--skip-unknown', '--controllers', 'none', join(d, 'c.yaml')]);
  assert.match(err, /^evictsim: loaded 7 objects from 1 file: 2 Node, 4 Pod, 1 PodDisruptionBudget; pods: 3 Running, 1 Pending; nodes: 2; PDBs: 1 \(shop\/cart allows 1\); skipped: 1 monitoring\.example\.com\/v1 Gauge, 1 coordination\.k8s\.io\/v1beta1 Lease$/m);
});

test('kinds not served: an error naming each (exit 2) unless --skip-unknown', async () => {
  const d = tmp();
  writeFileSync(join(d, 'c.yaml'), yamlDocs([...objects(), configMap, lease, { ...configMap, metadata: { name: 'b', namespace: 'x' } }]));
  const r = run([join(d, 'c.yaml')]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `evictsim: kinds evictsim does not serve: monitoring.example.com/v1 Gauge ×2 (first: ${join(d, 'c.yaml')}: object 7 (Gauge shop/kube-root-ca.crt)), coordination.k8s.io/v1beta1 Lease ×1 (first: ${join(d, 'c.yaml')}: object 8 (Lease kube-node-lease/n1)); --skip-unknown skips them\n`);
  const { items, stderr } = await loaded([join(d, 'c.yaml')], ['--skip-unknown']);
  assert.ok(find(items, 'Pod', 'cart-5d4f8c7b9-aaaaa'));
  assert.equal(find(items, 'Gauge', 'kube-root-ca.crt'), undefined);
  assert.match(stderr, /skipped: 2 monitoring\.example\.com\/v1 Gauge, 1 coordination\.k8s\.io\/v1beta1 Lease/);
});

test('pods of controllers absent from the dump keep their ownerReferences and count as the disruption controller counts them', async () => {
  const d = tmp();
  const maxu = { ...pdb, metadata: { ...pdb.metadata, name: 'cart-maxu', uid: 'uid-pdb-2' }, spec: { maxUnavailable: 1, selector: pdb.spec.selector } };
  writeFileSync(join(d, 'c.json'), JSON.stringify(list([...objects(), maxu])));
  const srv = await start({ manifests: [join(d, 'c.json')] });
  try {
    const api = client(srv.url);
    await api.advance(1);
    const p = (await api.get('/api/v1/namespaces/shop/pods/cart-5d4f8c7b9-aaaaa')).json;
    assert.equal(p.metadata.ownerReferences[0].name, 'cart-5d4f8c7b9', 'not orphaned, not collected');
    const min = (await api.get('/apis/policy/v1/namespaces/shop/poddisruptionbudgets/cart')).json.status;
    assert.equal(min.expectedPods, 3);
    assert.equal(min.disruptionsAllowed, 1);
    // maxUnavailable needs the controller's scale: the ReplicaSet is not in the dump
    const max = (await api.get('/apis/policy/v1/namespaces/shop/poddisruptionbudgets/cart-maxu')).json.status;
    assert.equal(max.disruptionsAllowed, 0);
    assert.match(JSON.stringify(max.conditions), /found no controllers for pod/);
  } finally { await srv.stop(); }
});

test('--start-time dump starts the clock at the newest timestamp in the dump (logs aside)', async () => {
  const d = tmp();
  const objs = objects();
  objs[1].status.conditions[0].lastHeartbeatTime = '2025-03-01T11:22:33Z';
  writeFileSync(join(d, 'c.json'), JSON.stringify(list(objs.slice(0, 2), 'NodeList')) + '\n' +
    '==== START logs for container x of pod a/b ====\n2099-01-01T00:00:00Z late\n==== END logs for container x of pod a/b ====\n' +
    JSON.stringify(list(objs.slice(2))));
  const srv = await start({ args: ['--start-time', 'dump'], manifests: [join(d, 'c.json')] });
  try {
    assert.equal((await client(srv.url).get('/sim/v1/clock')).json.now, '2025-03-01T11:22:33Z');
  } finally { await srv.stop(); }
  const none = join(d, 'none.yaml');
  writeFileSync(none, 'apiVersion: v1\nkind: Node\nmetadata: {name: x}\n');
  const r = run(['--start-time', 'dump', none]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'evictsim: --start-time dump: the manifests hold no timestamp\n');
});

test('time to Ready: readinessProbe initialDelaySeconds + periodSeconds × successThreshold, else --ready-after', async () => {
  const d = tmp();
  const mk = (name, probe) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { nodeName: 'n', containers: [{ name: 'a', image: 'a', ...(probe ? { readinessProbe: { exec: { command: ['true'] }, ...probe } } : {}) },
      { name: 'b', image: 'b', ...(probe ? { readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 1 } } : {}) }] } });
  writeFileSync(join(d, 'p.yaml'), yamlDocs([{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } },
    mk('probed', { initialDelaySeconds: 5, periodSeconds: 2, successThreshold: 3 }), mk('plain')]));
  const srv = await start({ args: ['--ready-after', '20s'], manifests: [join(d, 'p.yaml')] });
  try {
    const api = client(srv.url);
    const ready = async (n) => (await api.get(`/api/v1/namespaces/default/pods/${n}`)).json.status.conditions
      .find((c) => c.type === 'Ready').status;
    await api.advance(10.5);
    assert.equal(await ready('probed'), 'False', '5 + 2 × 3 = 11 s (container b: 1 + 10 × 1 = 11 s too)');
    await api.advance(0.5);
    assert.equal(await ready('probed'), 'True');
    assert.equal(await ready('plain'), 'False');
    await api.advance(9);
    assert.equal(await ready('plain'), 'True', '--ready-after 20s');
  } finally { await srv.stop(); }
});

test('bad dumps: one line naming the file and the object, exit 2, nothing served', () => {
  const d = tmp();
  const objs = objects();
  const cases = [];
  const add = (name, content, re) => { writeFileSync(join(d, name), content); cases.push([name, re]); };
  const whole = JSON.stringify(list(objs), null, 2);
  add('truncated.json', whole.slice(0, Math.floor(whole.length / 2)),
    /truncated\.json: the JSON value opened on line 1 never ends: the file is cut short or broken$/);
  add('truncated.yaml', yamlDocs(objs).slice(0, 3000) + '\n  - {"a": [', /truncated\.yaml: document \d+: yaml: line \d+: /);
  const bad = JSON.parse(JSON.stringify(objs));
  bad[3].spec.terminationGracePeriodSeconds = 'thirty';
  add('types.json', JSON.stringify(list(bad)),
    /types\.json: object 4 \(Pod shop\/cart-5d4f8c7b9-bbbbb\): .*cannot unmarshal string into Go struct field PodSpec\.spec\.terminationGracePeriodSeconds of type int64$/);
  const dup = JSON.parse(JSON.stringify(objs[3]));
  dup.metadata.uid = 'another';
  add('dup.json', JSON.stringify(list([...objs, dup])),
    /dup\.json: object 7 \(Pod shop\/cart-5d4f8c7b9-bbbbb\): Pod shop\/cart-5d4f8c7b9-bbbbb is named twice \(.*dup\.json: object 4 .*first; their uids differ\): a dump holds each object once$/);
  add('junk.yaml', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    /junk\.yaml: binary data, not a YAML or JSON manifest \(a NUL byte at offset \d+\)$/);
  add('junk.json.gz', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]), /junk\.json\.gz: gzip: /);
  const big = join(d, 'big.yaml'); // 2 GiB, sparse: zeros
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 2 * 1024 ** 3);
  closeSync(fd);
  cases.push(['big.yaml', /big\.yaml: binary data, not a YAML or JSON manifest \(a NUL byte at offset 0\)$/]);
  for (const [name, re] of cases) {
    const r = run([join(d, name)]);
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '', name);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), re, name);
  }
  // a good file before a bad one: still nothing served
  writeFileSync(join(d, 'ok.yaml'), yamlDocs(objs));
  const r = run([join(d, 'ok.yaml'), join(d, 'dup.json')]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
});

test('the same object twice (same uid, e.g. two dumps of one cluster): the later copy is kept, counted', async () => {
  const d = tmp();
  const objs = objects();
  const later = JSON.parse(JSON.stringify(objs[2]));
  later.metadata.labels.extra = 'later';
  writeFileSync(join(d, 'a.json'), JSON.stringify(list(objs)));
  writeFileSync(join(d, 'b.json'), JSON.stringify(list([later])));
  const { items, stderr } = await loaded([join(d, 'a.json'), join(d, 'b.json')]);
  assert.equal(find(items, 'Pod', 'cart-5d4f8c7b9-aaaaa').metadata.labels.extra, 'later');
  assert.match(stderr, /; 1 object given twice with the same uid \(the later copy kept\)/);
  assert.match(stderr, /^evictsim: loaded 6 objects from 2 files: 2 Node, 3 Pod, 1 PodDisruptionBudget;/);
});

test('load → snapshot → load gives the same objects', async () => {
  const d = tmp();
  writeFileSync(join(d, 'c.yaml'), yamlDocs(objects()));
  const first = await loaded([join(d, 'c.yaml')]);
  writeFileSync(join(d, 'snap.json'), JSON.stringify(list(first.items)));
  const second = await loaded([join(d, 'snap.json')]);
  const strip = (items) => items.map(({ metadata: { resourceVersion, ...md }, ...o }) => ({ ...o, metadata: md }))
    .sort((a, b) => `${a.kind}/${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.namespace}/${b.metadata.name}`));
  assert.deepEqual(strip(second.items), strip(first.items));
});
