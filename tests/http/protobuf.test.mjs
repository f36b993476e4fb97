// Protobuf request bodies (issue 18), sent by the tests' own encoder
// (tests/lib/k8spb.mjs, protobufjs over the same upstream .proto files):
// every served kind round-trips to the object posting the JSON creates;
// decode errors read as kube-apiserver's; hostile bodies get a 400 Status,
// create nothing and leave the server serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client } from '../lib/server.mjs';
import { encode, decode, asDecoded, watchFrames, pbRequest, typeOf, Unknown, PROTOBUF } from '../lib/k8spb.mjs';

let srv, api;
before(async () => {
  srv = await start({ clock: 'manual' });
  api = client(srv.url);
  await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb' } });
});
after(async () => { await srv?.stop(); });

const podSpec = {
  nodeName: 'n1',
  terminationGracePeriodSeconds: 0,
  volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }, { name: 'cfg', configMap: { name: 'c', optional: true } }],
  containers: [{
    name: 'app', image: 'nginx:1.27', args: ['-g', 'daemon off;'],
    ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    env: [{ name: 'A', value: '1' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
    readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
    livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 3 },
    volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
  }],
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
  nodeSelector: { zone: 'a', disk: 'ssd' },
};
const template = (app) => ({ metadata: { labels: { app } }, spec: { ...podSpec, nodeName: undefined } });
const sel = (app) => ({ matchLabels: { app } });

// One object of each kind evictsim serves or is about to serve; a kind not
// served yet is skipped (it is tested as soon as it lands).
const fixtures = {
  namespaces: () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { labels: { team: 'a' }, annotations: { note: 'x' } } }),
  nodes: () => ({
    apiVersion: 'v1', kind: 'Node', metadata: { labels: { zone: 'a' } },
    spec: { unschedulable: false, taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }], podCIDR: '10.0.0.0/24' },
    status: { capacity: { cpu: '4', memory: '16Gi', pods: '110' }, allocatable: { cpu: '3800m', memory: '15Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2025-01-01T00:00:00Z', lastTransitionTime: '2025-01-01T00:00:00Z' }] },
  }),
  pods: () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { labels: { app: 'x' }, annotations: { a: 'b' } }, spec: podSpec }),
  events: () => ({
    apiVersion: 'v1', kind: 'Event', involvedObject: { kind: 'Pod', namespace: 'pb', name: 'p' }, reason: 'Tested',
    message: 'm', type: 'Normal', count: 2, firstTimestamp: '2025-01-01T00:00:00Z', lastTimestamp: '2025-01-01T00:00:05Z',
    source: { component: 'test' },
  }),
  replicationcontrollers: () => ({ apiVersion: 'v1', kind: 'ReplicationController', spec: { replicas: 0, selector: { app: 'rc' }, template: template('rc') } }),
  poddisruptionbudgets: () => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', spec: { maxUnavailable: '50%', selector: sel('x'), unhealthyPodEvictionPolicy: 'AlwaysAllow' } }),
  deployments: () => ({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 0, selector: sel('d'), template: template('d'), strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '10%' } } } }),
  replicasets: () => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', spec: { replicas: 0, selector: sel('r'), template: template('r') } }),
  statefulsets: () => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', spec: { replicas: 0, serviceName: 's', selector: sel('s'), template: template('s') } }),
  daemonsets: () => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', spec: { selector: sel('ds'), template: { ...template('ds'), spec: { ...template('ds').spec, nodeSelector: { none: 'x' } } } } }),
  configmaps: () => ({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b', 'c.txt': 'line\n' }, binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') } }),
  secrets: () => ({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', data: { pw: Buffer.from('s3cr\u00e9t').toString('base64') }, stringData: { user: 'admin' } }),
  serviceaccounts: () => ({ apiVersion: 'v1', kind: 'ServiceAccount', automountServiceAccountToken: false }),
  services: () => ({ apiVersion: 'v1', kind: 'Service', spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'm', port: 9090, targetPort: 9091 }] } }),
  jobs: () => ({ apiVersion: 'batch/v1', kind: 'Job', spec: { backoffLimit: 2, suspend: true, template: { spec: { ...podSpec, nodeName: undefined, restartPolicy: 'Never' } } } }),
  cronjobs: () => ({ apiVersion: 'batch/v1', kind: 'CronJob', spec: { schedule: '*/5 * * * *', suspend: true, jobTemplate: { spec: { template: { spec: { ...podSpec, nodeName: undefined, restartPolicy: 'OnFailure' } } } } } }),
  priorityclasses: () => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', value: 1000, globalDefault: false, description: 'd' }),
  leases: () => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: { holderIdentity: 'h', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.123456Z' } }),
  resourcequotas: () => ({ apiVersion: 'v1', kind: 'ResourceQuota', spec: { hard: { cpu: '2', pods: '10' } } }),
  horizontalpodautoscalers: () => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1500m' } } }],
    behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } } }),
  endpointslices: () => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.5'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1',
      targetRef: { kind: 'Pod', namespace: 'pb', name: 'p' } }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
  storageclasses: () => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', provisioner: 'example.com/p',
    parameters: { type: 'ssd' }, reclaimPolicy: 'Retain', allowVolumeExpansion: true, volumeBindingMode: 'WaitForFirstConsumer' }),
  csidrivers: () => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', spec: { attachRequired: false, podInfoOnMount: true } }),
  csinodes: () => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', spec: { drivers: [{ name: 'example.com/p', nodeID: 'n1', topologyKeys: ['zone'],
    allocatable: { count: 10 } }] } }),
};

// Served resources: {name, namespaced, group/version}.
async function servedResources() {
  const out = [];
  const core = await api.get('/api/v1');
  for (const r of core.json.resources) if (!r.name.includes('/')) out.push({ ...r, gv: 'v1' });
  const groups = await api.get('/apis');
  for (const g of groups.json.groups) {
    const gv = g.preferredVersion.groupVersion;
    for (const r of (await api.get(`/apis/${gv}`)).json.resources) if (!r.name.includes('/')) out.push({ ...r, gv });
  }
  return out;
}

const pathOf = (r, name) => `${r.gv === 'v1' ? '/api/v1' : `/apis/${r.gv}`}${r.namespaced ? '/namespaces/pb' : ''}/${r.name}${name ? `/${name}` : ''}`;

// What differs between two creations of the same object: name, identity,
// times, and the zero values Go's encoder writes for value-typed fields
// (the protobuf path decodes into exactly what a Go client's JSON holds,
// e.g. "creationTimestamp": null; these hand-written fixtures leave them out).
function dropZero(v) {
  if (Array.isArray(v)) return v.map(dropZero);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) {
      const y = dropZero(x);
      if (y === null || y === '' || y === false || y === 0) continue;
      if (typeof y === 'object' && !Array.isArray(y) && !Object.keys(y).length) continue;
      o[k] = y;
    }
    return o;
  }
  return v;
}
function normalize(obj, name) {
  const o = structuredClone(obj);
  const uid = o.metadata?.uid;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp']) delete o.metadata?.[k];
  // what the server derives from the uid (a Job's selector, a Service's ClusterIP) differs too
  if (o.kind === 'Service') for (const k of ['clusterIP', 'clusterIPs']) delete o.spec?.[k];
  let text = JSON.stringify(o).replaceAll(name, 'NAME');
  if (uid) text = text.replaceAll(uid, 'UID');
  return dropZero(JSON.parse(text));
}

test('every served kind: a protobuf create makes the object posting the JSON makes', async (t) => {
  const served = await servedResources();
  assert.ok(served.length >= 10);
  for (const r of served) {
    await t.test(r.name, async (tt) => {
      if (!fixtures[r.name]) return tt.skip(`no fixture for ${r.name} yet`);
      const doc = fixtures[r.name]();
      // a fixture is its resource name's in one group (events: core/v1, not events.k8s.io/v1)
      if (doc.apiVersion !== r.gv) return tt.skip(`no fixture for ${r.gv} ${r.name} yet`);
      const viaJson = await api.post(pathOf(r), { ...doc, metadata: { ...doc.metadata, name: `${r.name}-rt-json` } });
      assert.equal(viaJson.status, 201, viaJson.text);
      const body = encode({ ...doc, metadata: { ...doc.metadata, name: `${r.name}-rt-pb` } });
      const viaPb = await pbRequest(srv.url, 'POST', pathOf(r), { body });
      assert.equal(viaPb.status, 201, viaPb.bytes.toString());
      assert.equal(viaPb.type, 'application/json');
      assert.deepEqual(normalize(viaPb.json, `${r.name}-rt-pb`), normalize(viaJson.json, `${r.name}-rt-json`));
      // an update (PUT) of the protobuf-created object, as protobuf
      const cur = (await api.get(pathOf(r, `${r.name}-rt-pb`))).json; // controllers may have written status
      const changed = { ...cur, metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, updated: 'yes' } } };
      const put = await pbRequest(srv.url, 'PUT', pathOf(r, `${r.name}-rt-pb`), { body: encode(changed) });
      assert.equal(put.status, 200, put.bytes.toString());
      assert.equal(put.json.metadata.labels.updated, 'yes');
      assert.notEqual(put.json.metadata.resourceVersion, cur.metadata.resourceVersion);
    });
  }
});

test('status updates take a protobuf body', async () => {
  const doc = { ...fixtures.poddisruptionbudgets(), metadata: { name: 'st', namespace: 'pb' } };
  assert.equal((await api.post('/apis/policy/v1/namespaces/pb/poddisruptionbudgets', doc)).status, 201);
  const c = await api.get('/apis/policy/v1/namespaces/pb/poddisruptionbudgets/st'); // the controller writes status
  const withStatus = { ...c.json, status: { ...c.json.status, observedGeneration: 1, disruptionsAllowed: 3, currentHealthy: 4, desiredHealthy: 1, expectedPods: 4 } };
  const r = await pbRequest(srv.url, 'PUT', '/apis/policy/v1/namespaces/pb/poddisruptionbudgets/st/status', { body: encode(withStatus) });
  assert.equal(r.status, 200, r.bytes.toString());
  assert.equal(r.json.status.disruptionsAllowed, 3);
  assert.equal(r.json.status.currentHealthy, 4);
});

test('defaults and validation errors are the JSON path\'s', async () => {
  const cases = [
    // invalid name
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: podSpec },
    // no containers
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'empty' }, spec: { nodeName: 'n1' } },
    // a quantity that does not parse
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'badq' }, spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: 'lots' } } }] } },
    // a PDB with both minAvailable and maxUnavailable
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'both' }, spec: { minAvailable: 1, maxUnavailable: 1, selector: sel('x') } },
  ];
  for (const doc of cases) {
    const path = doc.kind === 'Pod' ? '/api/v1/namespaces/pb/pods' : '/apis/policy/v1/namespaces/pb/poddisruptionbudgets';
    const j = await api.post(path, doc);
    const name = doc.metadata.name, pbName = j.status < 300 ? `${name}-pb` : name;
    const p = await pbRequest(srv.url, 'POST', path, { body: encode({ ...doc, metadata: { name: pbName } }) });
    assert.equal(p.status, j.status, `${name}: ${p.bytes}`);
    if (j.status >= 400) assert.deepEqual(p.json, j.json);
    else assert.deepEqual(normalize(p.json, pbName), normalize(j.json, name));
  }
});

test('an envelope naming another version or kind is judged as the same JSON would be', async () => {
  const doc = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wrongver' } };
  for (const [apiVersion, kind] of [['v2', 'Namespace'], ['apps/v1', 'Namespace'], ['v1', 'Widget'], ['policy/v1', 'PodDisruptionBudget']]) {
    const j = await api.post('/api/v1/namespaces', { ...doc, apiVersion, kind });
    const p = await pbRequest(srv.url, 'POST', '/api/v1/namespaces', { body: encode(doc, { apiVersion, kind }) });
    assert.equal(p.status, j.status, p.bytes.toString());
    assert.deepEqual(p.json, j.json);
  }
  // an empty typeMeta takes the endpoint's
  const p = await pbRequest(srv.url, 'POST', '/api/v1/namespaces', { body: encode(doc, { apiVersion: '', kind: '' }) });
  assert.equal(p.status, 201, p.bytes.toString());
  assert.equal(p.json.metadata.name, 'wrongver');
});

test('decode errors read as kube-apiserver\'s', async () => {
  const ns = typeOf('v1', 'Namespace');
  const path = '/api/v1/namespaces';
  const post = (body) => pbRequest(srv.url, 'POST', path, { body });
  const expect = async (body, message) => {
    const r = await post(body);
    assert.equal(r.status, 400, r.bytes.toString());
    assert.equal(r.json.kind, 'Status');
    assert.equal(r.json.reason, 'BadRequest');
    assert.equal(r.json.message, message);
  };
  const raw = (bytes) => encode({ apiVersion: 'v1', kind: 'Namespace' }, { raw: Buffer.from(bytes) });
  // metadata(1) as a varint
  await expect(raw([0x08, 0x01]), 'Namespace in version "v1" cannot be handled as a Namespace: proto: wrong wireType = 0 for field ObjectMeta');
  // metadata.name(1) as a varint
  await expect(raw([0x0a, 0x02, 0x08, 0x01]), 'Namespace in version "v1" cannot be handled as a Namespace: proto: wrong wireType = 0 for field Name');
  // metadata longer than the body
  await expect(raw([0x0a, 0x10, 0x0a, 0x01, 0x61]), 'Namespace in version "v1" cannot be handled as a Namespace: unexpected EOF');
  // field number 0
  await expect(raw([0x00, 0x01]), 'Namespace in version "v1" cannot be handled as a Namespace: proto: Namespace: illegal tag 0 (wire type 0)');
  // a ten-byte varint that does not end
  await expect(raw([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'Namespace in version "v1" cannot be handled as a Namespace: proto: integer overflow');
  // the envelope's own errors
  await expect(Buffer.alloc(0), 'the object provided is unrecognized (must be of type Namespace): empty data (<empty>)');
  await expect(Buffer.from('{"kind":"Namespace"}'), 'the object provided is unrecognized (must be of type Namespace): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"Namespace"})');
  await expect(Buffer.from('k8s\0', 'latin1'), 'the object provided is unrecognized (must be of type Namespace): empty body (6b387300)');
  await expect(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x0a]), 'the object provided is unrecognized (must be of type Namespace): unexpected EOF (6b3873000a050a)');
  assert.ok(ns);
});

test('hostile bodies: a 400 Status, nothing created, the server serving', async () => {
  const before = (await api.get('/api/v1/namespaces/pb/pods')).json.items.length;
  const good = encode({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hostile' }, spec: podSpec });
  const bodies = [];
  for (let n = 0; n < good.length; n += Math.max(1, Math.floor(good.length / 40))) bodies.push(good.subarray(0, n)); // truncated
  bodies.push(Buffer.concat([Buffer.from('k9s\0', 'latin1'), good.subarray(4)])); // wrong envelope
  bodies.push(Buffer.concat([Buffer.from('k8s\x01', 'latin1'), good.subarray(4)]));
  // a huge length in the envelope and in the object
  bodies.push(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
  bodies.push(encode({ apiVersion: 'v1', kind: 'Pod' }, { raw: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]) }));
  // deep nesting: 100,000 levels of an unknown field inside metadata, and of known messages
  let deep = Buffer.alloc(0);
  for (let i = 0; i < 2000; i++) {
    const len = [];
    let n = deep.length;
    do { len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7; } while (n);
    deep = Buffer.concat([Buffer.from([0xfa, 0x01, ...len]), deep, Buffer.from([0x0a])]); // field 31, then a truncated tag
  }
  bodies.push(encode({ apiVersion: 'v1', kind: 'Pod' }, { raw: deep }));
  // random bytes after a good envelope start (a fixed seed: a failure replays)
  let seed = 0x2545f491;
  const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let i = 0; i < 30; i++) {
    const b = Buffer.from(good);
    for (let k = 0; k < 4; k++) b[4 + rand(b.length - 4)] = rand(256);
    bodies.push(b);
  }
  let refused = 0;
  for (const body of bodies) {
    const r = await pbRequest(srv.url, 'POST', '/api/v1/namespaces/pb/pods', { body });
    assert.ok(r.status < 500, `${r.status}: ${r.bytes}`);
    assert.equal(r.json?.kind ?? 'Pod', r.status >= 400 ? 'Status' : 'Pod');
    if (r.status === 400) refused++;
    // a mutation that still decodes to a pod is created; gone at once, whatever its grace period
    if (r.status === 201)
      await api.del(`/api/v1/namespaces/pb/pods/${r.json.metadata.name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
  }
  assert.ok(refused >= 40);
  assert.equal((await api.get('/api/v1/namespaces/pb/pods')).json.items.length, before);
  assert.equal((await api.get('/api/v1/namespaces/pb')).status, 200);
});

test('DELETE takes protobuf DeleteOptions (gracePeriodSeconds, preconditions, dryRun)', async () => {
  const mk = (name) => api.post('/api/v1/namespaces/pb/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...podSpec, terminationGracePeriodSeconds: 30 } });
  assert.equal((await mk('del-a')).status, 201);
  const opts = (o) => encode({ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', ...o });
  const dry = await pbRequest(srv.url, 'DELETE', '/api/v1/namespaces/pb/pods/del-a', { body: opts({ dryRun: ['All'] }) });
  assert.equal(dry.status, 200, dry.bytes.toString());
  assert.ok(!(await api.get('/api/v1/namespaces/pb/pods/del-a')).json.metadata.deletionTimestamp);
  const pre = await pbRequest(srv.url, 'DELETE', '/api/v1/namespaces/pb/pods/del-a', { body: opts({ preconditions: { uid: 'not-it' } }) });
  const preJson = await api.del('/api/v1/namespaces/pb/pods/del-a', { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: 'not-it' } });
  assert.equal(pre.status, 409);
  assert.deepEqual(pre.json, preJson.json);
  const g = await pbRequest(srv.url, 'DELETE', '/api/v1/namespaces/pb/pods/del-a', { body: opts({ gracePeriodSeconds: 7 }) });
  assert.equal(g.status, 200, g.bytes.toString());
  assert.equal(g.json.metadata.deletionGracePeriodSeconds, 7);
  // deletecollection with a v1 DeleteOptions envelope
  assert.equal((await mk('del-b')).status, 201);
  const dc = await pbRequest(srv.url, 'DELETE', '/api/v1/namespaces/pb/pods?labelSelector=none%3Dnone',
    { body: encode({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }) });
  assert.equal(dc.status, 200, dc.bytes.toString());
  assert.equal(dc.json.kind, 'PodList');
});

test('the 415 for a body in an unknown format lists what the resource takes', async () => {
  const r = await pbRequest(srv.url, 'POST', '/api/v1/namespaces/pb/pods', { body: Buffer.from('x'), type: 'text/plain' });
  assert.equal(r.status, 415);
  assert.equal(r.json.message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  assert.equal(PROTOBUF, 'application/vnd.kubernetes.protobuf');
  assert.ok(Unknown);
});

test('evictions take a protobuf Eviction, answered as the JSON one is', async () => {
  const mkPod = (name, app = 'ev') => api.post('/api/v1/namespaces/pb/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } }, spec: podSpec });
  await api.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  for (const n of ['ev-1', 'ev-2']) assert.equal((await mkPod(n)).status, 201);
  assert.equal((await mkPod('ev-free', 'free')).status, 201);
  await api.advance(5); // the pods run and are Ready
  await api.post('/apis/policy/v1/namespaces/pb/poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'ev' }, spec: { maxUnavailable: 0, selector: sel('ev') } });
  await api.advance(1);
  const evict = (name, o = {}) => encode({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'pb' }, ...o });
  const pbEv = await pbRequest(srv.url, 'POST', '/api/v1/namespaces/pb/pods/ev-1/eviction', { body: evict('ev-1') });
  const jsonEv = await api.post('/api/v1/namespaces/pb/pods/ev-2/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'ev-2', namespace: 'pb' } });
  assert.equal(pbEv.status, 429, pbEv.bytes.toString());
  assert.equal(jsonEv.status, 429);
  assert.deepEqual(JSON.parse(pbEv.bytes.toString().replaceAll('ev-1', 'X')), JSON.parse(jsonEv.text.replaceAll('ev-2', 'X')));
  // a dry run through deleteOptions, of a pod no budget covers
  const dry = await pbRequest(srv.url, 'POST', '/api/v1/namespaces/pb/pods/ev-free/eviction', { body: evict('ev-free', { deleteOptions: { dryRun: ['All'] } }) });
  assert.equal(dry.status, 201, dry.bytes.toString());
  assert.ok(!(await api.get('/api/v1/namespaces/pb/pods/ev-free')).json.metadata.deletionTimestamp);
  // a body that does not decode
  const bad = await pbRequest(srv.url, 'POST', '/api/v1/namespaces/pb/pods/ev-1/eviction', { body: Buffer.from('k8s\0\x0a\x05', 'latin1') });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, 'the object provided is unrecognized (must be of type Eviction): unexpected EOF (6b3873000a05)');
  const logged = (await api.get('/sim/v1/evictions')).json.items.at(-1);
  assert.equal(logged.explanation, 'the protobuf request body does not decode → rejected');
  // the checks of a body read straight as a tree (name and namespace only) are the JSON path's
  for (const [path, name, ns] of [['/api/v1/namespaces/pb/pods/ev-1/eviction', 'ev-2', 'pb'],
    ['/api/v1/namespaces/pb/pods/ev-1/eviction', 'ev-1', 'other'],
    ['/api/v1/namespaces/pb/pods/ev-1/eviction?dryRun=Bogus', 'ev-1', 'pb'],
    ['/api/v1/namespaces/pb/pods/nope/eviction', 'nope', 'pb']]) {
    const pb = await pbRequest(srv.url, 'POST', path, { body: encode({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } }) });
    const js = await api.post(path, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } });
    assert.equal(pb.status, js.status, path);
    assert.deepEqual(pb.json, js.json, path);
  }
  const real = await pbRequest(srv.url, 'POST', '/api/v1/namespaces/pb/pods/ev-free/eviction', { body: evict('ev-free') });
  assert.equal(real.status, 201, real.bytes.toString());
  assert.equal((await api.get('/api/v1/namespaces/pb/pods/ev-free')).status, 404); // grace period 0
});

test('answers in protobuf when asked, alone or preferred; JSON when JSON comes first; 406 otherwise', async () => {
  await api.post('/api/v1/namespaces/pb/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'neg', labels: { app: 'neg' } }, spec: podSpec });
  const path = '/api/v1/namespaces/pb/pods/neg';
  const json = (await api.get(path)).json;
  const cases = [
    ['application/vnd.kubernetes.protobuf', PROTOBUF],
    ['application/vnd.kubernetes.protobuf,application/json', PROTOBUF],
    ['application/vnd.kubernetes.protobuf, */*', PROTOBUF],
    ['application/json, */*', 'application/json'],
    ['application/json,application/vnd.kubernetes.protobuf', 'application/json'],
    ['application/vnd.kubernetes.protobuf;q=0.5, application/json', 'application/json'],
    ['*/*', 'application/json'],
    ['application/*', 'application/json'],
    ['text/html, */*;q=0.1', 'application/json'],
  ];
  for (const [accept, type] of cases) {
    const r = await pbRequest(srv.url, 'GET', path, { accept });
    assert.equal(r.status, 200, accept);
    assert.equal(r.type, type, accept);
    if (type === PROTOBUF) {
      const d = decode(r.bytes);
      assert.deepEqual(d, asDecoded(json), accept);
      assert.equal(d.object.metadata.name, 'neg');
    } else {
      assert.equal(r.json.metadata.uid, json.metadata.uid);
    }
  }
  for (const accept of ['text/plain', 'application/xml', 'application/vnd.kubernetes.protobuf;q=0']) {
    const r = await pbRequest(srv.url, 'GET', path, { accept });
    assert.equal(r.status, 406, accept);
    assert.equal(r.json.reason, 'NotAcceptable');
    assert.equal(r.json.message, 'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  }
  const w = await pbRequest(srv.url, 'GET', '/api/v1/namespaces/pb/pods?watch=true', { accept: 'text/plain' });
  assert.equal(w.status, 406);
  assert.equal(w.json.message, 'only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch');
  // a Table request stays JSON
  const t = await pbRequest(srv.url, 'GET', path, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  assert.equal(t.type, 'application/json');
  assert.equal(t.json.kind, 'Table');
});

test('lists, errors and created objects come back in protobuf', async () => {
  const list = await pbRequest(srv.url, 'GET', '/api/v1/namespaces/pb/pods', { accept: PROTOBUF });
  assert.equal(list.status, 200);
  const jl = (await api.get('/api/v1/namespaces/pb/pods')).json;
  const d = decode(list.bytes);
  assert.equal(d.kind, 'PodList');
  assert.equal(d.object.metadata.resourceVersion, jl.metadata.resourceVersion);
  assert.deepEqual(d.object.items.map((p) => p.metadata.name), jl.items.map((p) => p.metadata.name));
  assert.deepEqual(d, asDecoded(jl));
  const missing = await pbRequest(srv.url, 'GET', '/api/v1/namespaces/pb/pods/nope', { accept: PROTOBUF });
  assert.equal(missing.status, 404);
  assert.equal(missing.type, PROTOBUF);
  const st = decode(missing.bytes);
  assert.equal(st.kind, 'Status');
  assert.equal(st.object.code, 404);
  assert.equal(st.object.reason, 'NotFound');
  assert.equal(st.object.message, 'pods "nope" not found');
  const doc = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'pbresp' }, spec: { replicas: 0, selector: sel('pr'), template: template('pr') } };
  const c = await pbRequest(srv.url, 'POST', '/apis/apps/v1/namespaces/pb/deployments', { body: encode(doc), accept: `${PROTOBUF}, */*` });
  assert.equal(c.status, 201);
  const created = decode(c.bytes);
  assert.equal(created.kind, 'Deployment');
  assert.equal(created.object.spec.replicas, 0);
  assert.equal(created.object.spec.strategy.rollingUpdate.maxSurge.strVal, '25%');
  const viaJson = (await api.get('/apis/apps/v1/namespaces/pb/deployments/pbresp')).json;
  assert.equal(created.object.metadata.uid, viaJson.metadata.uid);
  assert.equal(created.object.metadata.creationTimestamp.seconds, Date.parse(viaJson.metadata.creationTimestamp) / 1000);
});

// Reads length-prefixed frames from a streaming answer until `enough` says stop.
async function readFrames(path, accept, enough, act) {
  const ctl = new AbortController();
  const res = await fetch(srv.url + path, { headers: { Accept: accept }, signal: ctl.signal });
  const reader = res.body.getReader();
  let buf = Buffer.alloc(0);
  await act?.();
  const deadline = Date.now() + 5000;
  let frames = [];
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buf = Buffer.concat([buf, Buffer.from(value)]);
    frames = watchFrames(buf);
    if (enough(frames)) break;
  }
  ctl.abort();
  return { type: res.headers.get('content-type'), frames };
}

test('watch streams length-prefixed protobuf WatchEvents', async () => {
  await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pbw' } });
  await api.post('/api/v1/namespaces/pbw/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w1' }, spec: podSpec });
  const { type, frames } = await readFrames('/api/v1/namespaces/pbw/pods?watch=true', `${PROTOBUF},application/json`,
    (f) => f.some((e) => e.type === 'MODIFIED'),
    () => api.patch('/api/v1/namespaces/pbw/pods/w1', { metadata: { labels: { seen: 'yes' } } }, { type: 'application/merge-patch+json' }));
  assert.equal(type, 'application/vnd.kubernetes.protobuf;stream=watch');
  assert.equal(frames[0].type, 'ADDED');
  assert.equal(frames[0].kind, 'Pod');
  assert.equal(frames[0].object.metadata.name, 'w1');
  const mod = frames.find((e) => e.type === 'MODIFIED');
  assert.equal(mod.object.metadata.labels.seen, 'yes');
});

test('a client-go-style protobuf client runs the eviction flow end to end', async () => {
  // everything in protobuf: bodies, answers, the watch
  const P = { accept: `${PROTOBUF}, */*` };
  const call = (method, path, doc) => pbRequest(srv.url, method, path, { ...P, body: doc && encode(doc) });
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flow' } });
  await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'flow-node' } });
  for (const n of ['f1', 'f2', 'f3']) {
    const r = await call('POST', '/api/v1/namespaces/flow/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: n, labels: { app: 'flow' } }, spec: { ...podSpec, nodeName: 'flow-node' } });
    assert.equal(r.status, 201);
    assert.equal(decode(r.bytes).object.metadata.name, n);
  }
  const pdb = await call('POST', '/apis/policy/v1/namespaces/flow/poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'flow' }, spec: { minAvailable: 2, selector: sel('flow') } });
  assert.equal(pdb.status, 201);
  await api.advance(5);
  const budget = decode((await call('GET', '/apis/policy/v1/namespaces/flow/poddisruptionbudgets/flow')).bytes).object;
  assert.equal(budget.status.disruptionsAllowed, 1);
  assert.equal(budget.status.currentHealthy, 3);
  const pods = decode((await call('GET', '/api/v1/namespaces/flow/pods?labelSelector=app%3Dflow')).bytes).object.items;
  const answers = [];
  for (const p of pods) {
    const r = await call('POST', `/api/v1/namespaces/flow/pods/${p.metadata.name}/eviction`,
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name, namespace: 'flow' } });
    assert.equal(r.type, PROTOBUF);
    const st = decode(r.bytes);
    assert.equal(st.kind, 'Status');
    answers.push([r.status, st.object.code, st.object.details?.causes?.[0]?.reason]);
  }
  assert.deepEqual(answers, [[201, 201, undefined], [429, 429, 'DisruptionBudget'], [429, 429, 'DisruptionBudget']]);
  // the evicted pod goes (grace period 0): seen on a protobuf watch
  const { frames } = await readFrames('/api/v1/namespaces/flow/pods?watch=true', PROTOBUF, (f) => f.length >= 2);
  assert.deepEqual(frames.map((f) => f.object.metadata.name).sort(), ['f2', 'f3']);
  // and a protobuf DeleteOptions delete of another one
  const del = await pbRequest(srv.url, 'DELETE', '/api/v1/namespaces/flow/pods/f2', { ...P, body: encode({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }) });
  assert.equal(del.status, 200);
  assert.equal(decode(del.bytes).kind, 'Pod');
  assert.equal((await api.get('/api/v1/namespaces/flow/pods/f2')).status, 404);
});
