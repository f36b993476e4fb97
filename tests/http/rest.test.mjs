// REST conventions against a started evictsim: each verb, each error, as a
// client sees them (codes, reasons, messages, objects).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client } from '../lib/server.mjs';

let srv, api;
before(async () => { srv = await start({ args: ['--controllers', 'none'] }); api = client(srv.url); });
after(async () => { await srv.stop(); });

const pod = (name, extra = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' }, ...extra.metadata },
  spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...extra.spec },
});

test('system namespaces exist at start', async () => {
  const r = await api.get('/api/v1/namespaces');
  assert.equal(r.status, 200);
  assert.equal(r.json.kind, 'NamespaceList');
  const names = r.json.items.map((n) => n.metadata.name);
  for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(n), n);
});

test('create a pod: 201, server-set metadata, Pending, grace 30', async () => {
  const r = await api.post('/api/v1/namespaces/default/pods', pod('create-1', { spec: { nodeName: 'n1' } }));
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('content-type'), 'application/json');
  const m = r.json.metadata;
  assert.match(m.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(m.resourceVersion, /^\d+$/);
  assert.equal(m.namespace, 'default');
  assert.equal(m.generation, 1);
  assert.equal(m.creationTimestamp, '2025-01-01T00:00:00Z');
  assert.equal(r.json.status.phase, 'Pending');
  assert.equal(r.json.spec.terminationGracePeriodSeconds, 30);
  assert.equal(r.json.kind, 'Pod');
  assert.equal(r.json.apiVersion, 'v1');
});

test('create resets a pod status to Pending', async () => {
  const p = pod('create-status');
  p.status = { phase: 'Running' };
  const r = await api.post('/api/v1/namespaces/default/pods', p);
  assert.equal(r.status, 201);
  assert.equal(r.json.status.phase, 'Pending');
});

test('resourceVersion is one global increasing counter', async () => {
  const a = await api.post('/api/v1/namespaces/default/pods', pod('rv-a'));
  const b = await api.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'rv-node' } });
  assert.ok(Number(b.json.metadata.resourceVersion) > Number(a.json.metadata.resourceVersion));
});

test('duplicate create: 409 AlreadyExists', async () => {
  await api.post('/api/v1/namespaces/default/pods', pod('dup'));
  const r = await api.post('/api/v1/namespaces/default/pods', pod('dup'));
  assert.equal(r.status, 409);
  assert.equal(r.json.reason, 'AlreadyExists');
  assert.equal(r.json.message, 'pods "dup" already exists');
  assert.deepEqual(r.json.details, { name: 'dup', kind: 'pods' });
});

test('get a missing pod: 404 Status', async () => {
  const r = await api.get('/api/v1/namespaces/default/pods/nope');
  assert.equal(r.status, 404);
  assert.deepEqual(r.json, {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'pods' }, code: 404,
  });
});

test('PDB not found names the group', async () => {
  const r = await api.get('/apis/policy/v1/namespaces/default/poddisruptionbudgets/nope');
  assert.equal(r.status, 404);
  assert.equal(r.json.message, 'poddisruptionbudgets.policy "nope" not found');
  assert.deepEqual(r.json.details, { name: 'nope', group: 'policy', kind: 'poddisruptionbudgets' });
});

test('create into a missing namespace: 404 namespaces "x" not found', async () => {
  const r = await api.post('/api/v1/namespaces/ghost/pods', pod('p'));
  assert.equal(r.status, 404);
  assert.equal(r.json.message, 'namespaces "ghost" not found');
});

test('namespace in body differing from URL: 400', async () => {
  const p = pod('nsmis');
  p.metadata.namespace = 'kube-system';
  const r = await api.post('/api/v1/namespaces/default/pods', p);
  assert.equal(r.status, 400);
  assert.equal(r.json.message, 'the namespace of the provided object does not match the namespace sent on the request');
});

test('invalid name: 422 with a field cause', async () => {
  const r = await api.post('/api/v1/namespaces/default/pods', pod('Bad_Name'));
  assert.equal(r.status, 422);
  assert.equal(r.json.reason, 'Invalid');
  assert.match(r.json.message, /^Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  assert.equal(r.json.details.causes[0].field, 'metadata.name');
  assert.equal(r.json.details.causes[0].reason, 'FieldValueInvalid');
  assert.equal(r.json.details.kind, 'Pod');
});

test('a pod with no spec: 422 with the one cause upstream gives', async () => {
  const r = await api.post('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json, {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'Pod "x" is invalid: spec.containers: Required value', reason: 'Invalid',
    details: { name: 'x', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }] },
    code: 422,
  });
});

test('generateName gives name plus 5 characters', async () => {
  const r = await api.post('/api/v1/namespaces/default/pods', { ...pod(''), metadata: { generateName: 'gen-' } });
  assert.equal(r.status, 201);
  assert.match(r.json.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('undecodable body: 400', async () => {
  const r = await api.post('/api/v1/namespaces/default/pods', '{"kind":', { type: 'application/json' });
  assert.equal(r.status, 400);
  assert.equal(r.json.kind, 'Status');
  assert.equal(r.json.reason, 'BadRequest');
});

test('create with YAML body', async () => {
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: busybox\n';
  const r = await api.post('/api/v1/namespaces/default/pods', yaml, { type: 'application/yaml' });
  assert.equal(r.status, 201);
  assert.equal(r.json.metadata.name, 'from-yaml');
});

test('wrong Content-Type: 415 with the real text', async () => {
  const r = await api.post('/api/v1/namespaces/default/pods', 'x', { type: 'text/plain' });
  assert.equal(r.status, 415);
  assert.equal(r.json.reason, 'UnsupportedMediaType');
  assert.equal(r.json.message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
});

test('body over 3 MiB: 413', async () => {
  const big = JSON.stringify({ ...pod('big'), metadata: { name: 'big', annotations: { a: 'x'.repeat(3 * 1024 * 1024) } } });
  const r = await api.post('/api/v1/namespaces/default/pods', big);
  assert.equal(r.status, 413);
  assert.equal(r.json.reason, 'RequestEntityTooLarge');
  const after = await api.get('/api/v1/namespaces/default/pods/big');
  assert.equal(after.status, 404);
});

test('PUT with a stale resourceVersion: 409 Conflict with the real message', async () => {
  const c = await api.post('/api/v1/namespaces/default/pods', pod('conflict'));
  const stale = c.json;
  const u1 = await api.put('/api/v1/namespaces/default/pods/conflict', { ...stale, metadata: { ...stale.metadata, labels: { v: '1' } } });
  assert.equal(u1.status, 200);
  assert.ok(Number(u1.json.metadata.resourceVersion) > Number(stale.metadata.resourceVersion));
  const u2 = await api.put('/api/v1/namespaces/default/pods/conflict', { ...stale, metadata: { ...stale.metadata, labels: { v: '2' } } });
  assert.equal(u2.status, 409);
  assert.equal(u2.json.reason, 'Conflict');
  assert.equal(u2.json.message, 'Operation cannot be fulfilled on pods "conflict": the object has been modified; please apply your changes to the latest version and try again');
});

test('generation: +1 on spec change, not on metadata or status', async () => {
  const mk = await api.post('/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  assert.equal(mk.status, 201);
  assert.equal(mk.json.metadata.generation, 1);
  const lab = await api.patch('/apis/apps/v1/namespaces/default/deployments/gen', { metadata: { labels: { a: 'b' } } }, { type: 'application/merge-patch+json' });
  assert.equal(lab.json.metadata.generation, 1);
  const sc = await api.patch('/apis/apps/v1/namespaces/default/deployments/gen', { spec: { replicas: 4 } }, { type: 'application/merge-patch+json' });
  assert.equal(sc.json.metadata.generation, 2);
  const st = await api.patch('/apis/apps/v1/namespaces/default/deployments/gen/status', { status: { replicas: 4 } }, { type: 'application/merge-patch+json' });
  assert.equal(st.status, 200);
  assert.equal(st.json.metadata.generation, 2);
  assert.equal(st.json.status.replicas, 4);
});

test('status subresource changes only status; main resource never changes status', async () => {
  await api.post('/api/v1/namespaces/default/pods', pod('sub'));
  const s = await api.patch('/api/v1/namespaces/default/pods/sub/status',
    { metadata: { labels: { changed: 'yes' } }, spec: { nodeName: 'x' }, status: { phase: 'Running' } },
    { type: 'application/merge-patch+json' });
  assert.equal(s.status, 200);
  assert.equal(s.json.status.phase, 'Running');
  assert.equal(s.json.spec.nodeName, undefined);
  const m = await api.patch('/api/v1/namespaces/default/pods/sub', { status: { phase: 'Failed' } }, { type: 'application/merge-patch+json' });
  assert.equal(m.status, 200);
  assert.equal(m.json.status.phase, 'Running');
});

test('patch types: merge, JSON patch, strategic merge; application/json is 415', async () => {
  await api.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'patch-node' } });
  const smp = await api.patch('/api/v1/nodes/patch-node', { spec: { unschedulable: true } }, { type: 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 200);
  assert.equal(smp.json.spec.unschedulable, true);
  const un = await api.patch('/api/v1/nodes/patch-node', { spec: { unschedulable: null } }, { type: 'application/strategic-merge-patch+json' });
  assert.equal(un.json.spec.unschedulable, undefined);
  const jp = await api.patch('/api/v1/nodes/patch-node', [{ op: 'add', path: '/spec/unschedulable', value: true }], { type: 'application/json-patch+json' });
  assert.equal(jp.status, 200);
  assert.equal(jp.json.spec.unschedulable, true);
  const mp = await api.patch('/api/v1/nodes/patch-node', { metadata: { labels: { zone: 'a' } } }, { type: 'application/merge-patch+json' });
  assert.equal(mp.json.metadata.labels.zone, 'a');
  const bad = await api.patch('/api/v1/nodes/patch-node', { spec: {} }, { type: 'application/json' });
  assert.equal(bad.status, 415);
  assert.equal(bad.json.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json');
});

test('server-side apply creates (201) then updates (200)', async () => {
  const body = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'ssa' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
  const path = '/apis/policy/v1/namespaces/default/poddisruptionbudgets/ssa?fieldManager=kubectl&force=false';
  const c = await api.patch(path, body, { type: 'application/apply-patch+yaml' });
  assert.equal(c.status, 201);
  body.spec.minAvailable = 2;
  const u = await api.patch(path, body, { type: 'application/apply-patch+yaml' });
  assert.equal(u.status, 200);
  assert.equal(u.json.spec.minAvailable, 2);
});

test('dryRun=All validates and stores nothing, on every mutating verb', async () => {
  const c = await api.post('/api/v1/namespaces/default/pods?dryRun=All', pod('dry'));
  assert.equal(c.status, 201);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/dry')).status, 404);
  const bad = await api.post('/api/v1/namespaces/default/pods?dryRun=All', pod('Dry_Bad'));
  assert.equal(bad.status, 422);
  await api.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'dry-node' } });
  const p = await api.patch('/api/v1/nodes/dry-node?dryRun=All', { spec: { unschedulable: true } }, { type: 'application/strategic-merge-patch+json' });
  assert.equal(p.status, 200);
  assert.equal(p.json.spec.unschedulable, true);
  assert.equal((await api.get('/api/v1/nodes/dry-node')).json.spec?.unschedulable, undefined);
  const d = await api.del('/api/v1/nodes/dry-node?dryRun=All');
  assert.equal(d.status, 200);
  assert.equal((await api.get('/api/v1/nodes/dry-node')).status, 200);
  const v = await api.post('/api/v1/namespaces/default/pods?dryRun=Yes', pod('dryv'));
  assert.equal(v.status, 422);
});

test('graceful pod delete sets deletionTimestamp; no nodeName goes at once', async () => {
  await api.post('/api/v1/namespaces/default/pods', pod('graceful', { spec: { nodeName: 'n1' } }));
  const d = await api.del('/api/v1/namespaces/default/pods/graceful', { gracePeriodSeconds: 20, propagationPolicy: 'Background' });
  assert.equal(d.status, 200);
  assert.equal(d.json.metadata.deletionTimestamp, '2025-01-01T00:00:20Z');
  assert.equal(d.json.metadata.deletionGracePeriodSeconds, 20);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/graceful')).status, 200);
  await api.post('/api/v1/namespaces/default/pods', pod('unbound'));
  const u = await api.del('/api/v1/namespaces/default/pods/unbound?gracePeriodSeconds=30');
  assert.equal(u.status, 200);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/unbound')).status, 404);
});

test('delete preconditions: 409 with the real texts', async () => {
  await api.post('/api/v1/namespaces/default/pods', pod('pre'));
  const r = await api.del('/api/v1/namespaces/default/pods/pre', { preconditions: { uid: 'other' } });
  assert.equal(r.status, 409);
  assert.match(r.json.message, /^Operation cannot be fulfilled on Pod "pre": the UID in the precondition \(other\) does not match the UID in record \([0-9a-f-]+\)\. The object might have been deleted and then recreated$/);
  const v = await api.del('/api/v1/namespaces/default/pods/pre', { preconditions: { resourceVersion: '1' } });
  assert.equal(v.status, 409);
  assert.match(v.json.message, /the ResourceVersion in the precondition \(1\) does not match the ResourceVersion in record \(\d+\)\. The object might have been modified$/);
});

test('delete with bad propagationPolicy: 422', async () => {
  await api.post('/api/v1/namespaces/default/pods', pod('badprop'));
  const r = await api.del('/api/v1/namespaces/default/pods/badprop', { propagationPolicy: 'Bogus' });
  assert.equal(r.status, 422);
  assert.equal(r.json.reason, 'Invalid');
  assert.equal((await api.get('/api/v1/namespaces/default/pods/badprop')).status, 200);
});

test('finalizers hold a deleted object until removed', async () => {
  await api.post('/api/v1/namespaces/default/pods', pod('fin', { metadata: { finalizers: ['example.com/hold'] } }));
  const d = await api.del('/api/v1/namespaces/default/pods/fin');
  assert.equal(d.status, 200);
  const g = await api.get('/api/v1/namespaces/default/pods/fin');
  assert.equal(g.status, 200);
  assert.ok(g.json.metadata.deletionTimestamp);
  const p = await api.patch('/api/v1/namespaces/default/pods/fin', [{ op: 'remove', path: '/metadata/finalizers' }], { type: 'application/json-patch+json' });
  assert.equal(p.status, 200);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/fin')).status, 404);
});

test('DELETE with a protobuf DeleteOptions body (kubectl 1.32+) is decoded', async () => {
  await api.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'pb' } });
  await api.post('/api/v1/namespaces/default/pods', pod('pbpod', { spec: { nodeName: 'pb' } }));
  // k8s\0, typeMeta{v1, DeleteOptions}, raw{gracePeriodSeconds: 5}
  const bytes = Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x13, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x0d,
    ...Buffer.from('DeleteOptions'), 0x12, 0x02, 0x08, 0x05, 0x1a, 0x00, 0x22, 0x00]);
  const r = await api.del('/api/v1/namespaces/default/pods/pbpod', new Uint8Array(bytes), { type: 'application/vnd.kubernetes.protobuf' });
  assert.equal(r.status, 200);
  assert.equal(r.json.metadata.deletionGracePeriodSeconds, 5);
});

test('label and field selectors, namespaced and across namespaces', async () => {
  await api.post('/api/v1/namespaces/kube-system/pods', pod('sel-a', { metadata: { labels: { tier: 'db', env: 'prod' } }, spec: { nodeName: 'node-x' } }));
  await api.post('/api/v1/namespaces/default/pods', pod('sel-b', { metadata: { labels: { tier: 'web', env: 'prod' } }, spec: { nodeName: 'node-x' } }));
  const names = (r) => r.json.items.map((p) => p.metadata.name).sort();
  assert.deepEqual(names(await api.get('/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-x')), ['sel-a', 'sel-b']);
  assert.deepEqual(names(await api.get('/api/v1/pods?labelSelector=tier%20in%20(db)')), ['sel-a']);
  assert.deepEqual(names(await api.get('/api/v1/pods?labelSelector=env%3Dprod,tier!%3Ddb')), ['sel-b']);
  assert.deepEqual(names(await api.get('/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dsel-b')), ['sel-b']);
  const bad = await api.get('/api/v1/pods?fieldSelector=spec.bogus%3Dx');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, 'field label not supported: spec.bogus');
  const badl = await api.get('/api/v1/pods?labelSelector=a%20in%20(');
  assert.equal(badl.status, 400);
  assert.equal(badl.json.reason, 'BadRequest');
});

test('list items omit kind/apiVersion; list carries its resourceVersion', async () => {
  const r = await api.get('/api/v1/namespaces/default/pods');
  assert.equal(r.json.kind, 'PodList');
  assert.match(r.json.metadata.resourceVersion, /^\d+$/);
  for (const it of r.json.items) assert.equal(it.kind, undefined);
});

test('deletecollection with a label selector', async () => {
  await api.post('/api/v1/namespaces/default/pods', pod('dc-1', { metadata: { labels: { dc: 'yes' } } }));
  await api.post('/api/v1/namespaces/default/pods', pod('dc-2', { metadata: { labels: { dc: 'yes' } } }));
  const r = await api.del('/api/v1/namespaces/default/pods?labelSelector=dc%3Dyes');
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 2);
  assert.equal((await api.get('/api/v1/namespaces/default/pods?labelSelector=dc%3Dyes')).json.items.length, 0);
});

test('PDB validation as upstream', async () => {
  const mk = (spec) => api.post('/apis/policy/v1/namespaces/default/poddisruptionbudgets',
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'v' }, spec });
  const both = await mk({ minAvailable: 1, maxUnavailable: 1, selector: {} });
  assert.equal(both.status, 422);
  assert.match(both.json.message, /^PodDisruptionBudget.policy "v" is invalid: spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set$/);
  const neg = await mk({ minAvailable: -1 });
  assert.equal(neg.status, 422);
  assert.match(neg.json.message, /spec.minAvailable: Invalid value: -1: must be greater than or equal to 0/);
  const pct = await mk({ maxUnavailable: '150%' });
  assert.match(pct.json.message, /must not be greater than 100%/);
  const pol = await mk({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' });
  assert.match(pol.json.message, /spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"/);
  const ok = await mk({ minAvailable: '50%', selector: { matchLabels: { app: 'web' } } });
  assert.equal(ok.status, 201);
  assert.deepEqual(ok.json.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
});

test('unknown resources and methods: 404 and 405', async () => {
  assert.equal((await api.get('/api/v1/widgets')).status, 404);
  assert.equal((await api.get('/apis/policy/v2/poddisruptionbudgets')).status, 404);
  const m = await api.post('/api/v1/namespaces/default/pods/x', pod('x'));
  assert.equal(m.status, 405);
  assert.equal(m.json.reason, 'MethodNotAllowed');
});

test('namespace delete: immortal ones refused; others terminate and take their objects', async () => {
  const d = await api.del('/api/v1/namespaces/default');
  assert.equal(d.status, 403);
  assert.equal(d.json.message, 'namespaces "default" is forbidden: this namespace may not be deleted');
  await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'temp' } });
  await api.post('/api/v1/namespaces/temp/pods', pod('inside', { spec: { nodeName: 'n1' } }));
  const t = await api.del('/api/v1/namespaces/temp');
  assert.equal(t.status, 200);
  assert.equal(t.json.status.phase, 'Terminating');
  const blocked = await api.post('/api/v1/namespaces/temp/pods', pod('late'));
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json.message, 'pods "late" is forbidden: unable to create new content in namespace temp because it is being terminated');
  assert.equal(blocked.json.details.causes[0].reason, 'NamespaceTerminating');
});

test('responses are JSON when the client prefers JSON (protobuf: tests/http/protobuf.test.mjs)', async () => {
  const r = await api.get('/api/v1/namespaces/default/pods', undefined, { accept: 'application/json,application/vnd.kubernetes.protobuf' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.json.kind, 'PodList');
});
