// lifecycle.k8s.io/v1alpha1 (KEP-4563) end to end, as clients written against the alpha API use
// it: a requester (creates an EvictionRequest, withdraws it, asks again) and a responder (finds
// its Evictions by label, heartbeats and reports progress with server-side apply, completes),
// the imperative evictor that acts after it, a PDB that blocks the evictor (backoff 5 s, 10 s,
// ...), a responder that stops heartbeating, and the API absent without its gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, client } from '../lib/server.mjs';

const ALPHA = ['--kube-version', '1.37', '--feature-gates', 'EvictionRequestAPI=true', '--runtime-config', 'lifecycle.k8s.io/v1alpha1=true'];
const LC = '/apis/lifecycle.k8s.io/v1alpha1/namespaces/default';
const UID = '0b9a1c2d-3e4f-4a5b-8c6d-7e8f90a1b2c3';
const EVICTOR = 'imperative-eviction.k8s.io/evictor';

const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
const pod = (responders) => ({ apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'default', uid: UID, labels: { app: 'web' } },
  spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'i' }], ...(responders ? { evictionResponders: responders } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' },
  spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };

async function cluster(items) {
  const srv = await start({ args: [...ALPHA, '--controllers', 'disruption,kubelet,evictionrequest,evictor'] });
  const api = client(srv.url);
  const l = await api.post('/sim/v1/load', { kind: 'List', apiVersion: 'v1', items });
  assert.equal(l.status, 200, l.text);
  const advance = async (seconds) => assert.equal((await api.post('/sim/v1/clock/advance', { seconds })).status, 200);
  await advance(0);
  return { srv, api, advance };
}

const cond = (obj, type) => obj.status?.conditions?.find((c) => c.type === type);
const brief = (obj, type) => { const c = cond(obj, type); return c && [c.status, c.reason, c.message]; };
const request = (intent, extra = {}) => ({ apiVersion: 'lifecycle.k8s.io/v1alpha1', kind: 'EvictionRequest',
  metadata: { generateName: 'foo-' }, spec: { target: { pod: { name: 'web-0', uid: UID } }, requester: 'foo.example.com/1', intent }, ...extra });
const apply = (api, name, responder) => api.patch(`${LC}/evictions/${name}/status?fieldManager=acme&force=true`,
  { apiVersion: 'lifecycle.k8s.io/v1alpha1', kind: 'Eviction', metadata: { name }, status: { responders: [responder] } },
  { type: 'application/apply-patch+yaml' });

test('requester: an EvictionRequest gets an Eviction; withdrawing cancels it, asking again makes pod-2', async () => {
  const { srv, api, advance } = await cluster([node, pod([{ name: 'acme.example.com/backup', priority: 10000 }])]);
  try {
    const c = await api.post(`${LC}/evictionrequests`, request('Eviction', { status: { observedGeneration: 9 } }));
    assert.equal(c.status, 201, c.text);
    assert.deepEqual(c.json.status, {}, 'create clears status');
    assert.equal(c.json.metadata.generation, 1);
    const name = c.json.metadata.name;
    await advance(0);
    let er = (await api.get(`${LC}/evictionrequests/${name}`)).json;
    assert.equal(er.status.observedGeneration, 1);
    assert.deepEqual(brief(er, 'Failed'), ['False', 'AwaitingEviction', '']);
    assert.deepEqual(brief(er, 'TargetEvicted'), ['False', 'AwaitingEviction', '']);
    const ev = (await api.get(`${LC}/evictions/pod-1-web-0`)).json;
    assert.deepEqual(ev.metadata.labels, { 'foo.example.com/1': 'requester', 'acme.example.com/backup': 'responder', [EVICTOR]: 'responder' });
    assert.deepEqual(ev.metadata.ownerReferences, [{ apiVersion: 'lifecycle.k8s.io/v1alpha1', kind: 'EvictionRequest', name, uid: c.json.metadata.uid }]);
    assert.deepEqual(ev.spec, { target: { pod: { name: 'web-0', uid: UID } } });
    assert.deepEqual(ev.status.requesters, [{ name: 'foo.example.com/1', intent: 'Eviction' }]);
    assert.deepEqual(ev.status.targetResponders, [
      { name: 'acme.example.com/backup', priority: 10000, state: 'Active' },
      { name: EVICTOR, priority: 100, state: 'Inactive' }]);
    // withdraw: the Active responder is canceled, and so is the Eviction
    er.spec.intent = 'Withdrawn';
    const w = await api.put(`${LC}/evictionrequests/${name}`, er);
    assert.equal(w.status, 200, w.text);
    assert.equal(w.json.metadata.generation, 2);
    await advance(0);
    const canceled = (await api.get(`${LC}/evictions/pod-1-web-0`)).json;
    assert.deepEqual(brief(canceled, 'Failed'), ['True', 'CanceledDueToNoRequesters', 'No active requesters with eviction intent.']);
    assert.deepEqual(brief(canceled, 'TargetEvicted'), ['False', 'EvictionFailed', '']);
    assert.equal(canceled.status.targetResponders[0].state, 'Canceled');
    assert.deepEqual(canceled.status.requesters, [{ name: 'foo.example.com/1', intent: 'Withdrawn' }]);
    er = (await api.get(`${LC}/evictionrequests/${name}`)).json;
    assert.equal(er.status.observedGeneration, 2);
    assert.deepEqual(brief(er, 'Failed'), ['True', 'CanceledDueToNoRequesters', 'No active requesters with eviction intent.']);
    // ask again: a new Eviction
    er.spec.intent = 'Eviction';
    assert.equal((await api.put(`${LC}/evictionrequests/${name}`, er)).status, 200);
    await advance(0);
    er = (await api.get(`${LC}/evictionrequests/${name}`)).json;
    assert.equal(er.status.observedGeneration, 3);
    assert.deepEqual(brief(er, 'Failed'), ['False', 'AwaitingEviction', '']);
    const again = await api.get(`${LC}/evictions/pod-2-web-0`);
    assert.equal(again.status, 200);
    assert.equal(again.json.status.targetResponders[0].state, 'Active');
    // the target and the requester cannot change
    er.spec.requester = 'other.example.com/2';
    const imm = await api.put(`${LC}/evictionrequests/${name}`, er);
    assert.equal(imm.status, 422);
    assert.match(imm.json.message, /spec\.requester: Invalid value: "other\.example\.com\/2": field is immutable/);
  } finally { await srv.stop(); }
});

test('responder: heartbeats and progress, completes, then the imperative evictor evicts the pod', async () => {
  const { srv, api, advance } = await cluster([node, pod([{ name: 'acme.example.com/backup', priority: 10000 }])]);
  try {
    const name = (await api.post(`${LC}/evictionrequests`, request('Eviction'))).json.metadata.name;
    await advance(0);
    // the responder finds the Evictions it takes part in by its label
    const mine = await api.get(`${LC}/evictions?labelSelector=${encodeURIComponent('acme.example.com/backup in (responder,requester-responder)')}`);
    assert.deepEqual(mine.json.items.map((e) => e.metadata.name), ['pod-1-web-0']);
    const ev = mine.json.items[0];
    assert.equal(ev.status.targetResponders.find((t) => t.name === 'acme.example.com/backup').state, 'Active');
    const started = ev.status.responders.find((r) => r.name === 'acme.example.com/backup').startTime;
    assert.equal(started, '2025-01-01T00:00:00Z');
    for (const [t, pct] of [['2025-01-01T00:00:00Z', 10], ['2025-01-01T00:05:00Z', 60]]) {
      const a = await apply(api, 'pod-1-web-0', { name: 'acme.example.com/backup', heartbeatTime: t, message: `backing up: ${pct}%` });
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json.status.responders.length, 2, 'apply merges the responders list by name');
      await advance(300);
    }
    let cur = (await api.get(`${LC}/evictions/pod-1-web-0`)).json;
    assert.equal(cur.status.targetResponders[0].state, 'Active', 'heartbeats keep it Active');
    assert.equal((await api.get('/api/v1/namespaces/default/pods/web-0')).json.metadata.deletionTimestamp, undefined);
    await apply(api, 'pod-1-web-0', { name: 'acme.example.com/backup', heartbeatTime: '2025-01-01T00:10:00Z', completionTime: '2025-01-01T00:10:00Z', message: 'backup done' });
    await advance(0);
    cur = (await api.get(`${LC}/evictions/pod-1-web-0`)).json;
    assert.deepEqual(cur.status.targetResponders.map((t) => t.state), ['Completed', 'Active']);
    const evictor = cur.status.responders.find((r) => r.name === EVICTOR);
    assert.equal(evictor.startTime, '2025-01-01T00:10:00Z');
    assert.equal(evictor.message, '"web-0" pod has been been marked for deletion via the /eviction subresource and is being terminated gracefully');
    assert.equal(evictor.expectedCompletionTime, '2025-01-01T00:10:30Z');
    const p = (await api.get('/api/v1/namespaces/default/pods/web-0')).json;
    assert.equal(p.metadata.deletionTimestamp, '2025-01-01T00:10:30Z');
    assert.ok(p.status.conditions.find((c) => c.type === 'DisruptionTarget'));
    // the eviction log names who asked
    const log = (await api.get('/sim/v1/evictions')).json.items;
    assert.equal(log.length, 1);
    assert.equal(log[0].code, 201);
    assert.match(log[0].explanation, /^imperative-eviction\.k8s\.io\/evictor, the Active responder of Eviction pod-1-web-0 \(requesters: foo\.example\.com\/1 Eviction\) asks → /);
    await advance(30);
    assert.equal((await api.get('/api/v1/namespaces/default/pods/web-0')).status, 404);
    cur = (await api.get(`${LC}/evictions/pod-1-web-0`)).json;
    assert.deepEqual(brief(cur, 'TargetEvicted'), ['True', 'PodDeleted', 'Target pod has been deleted.']);
    assert.deepEqual(brief(cur, 'Failed'), ['False', 'Succeeded', '']);
    assert.deepEqual(cur.status.targetResponders.map((t) => t.state), ['Completed', 'Completed']);
    assert.equal(cur.status.responders[1].completionTime, '2025-01-01T00:10:30Z');
    const er = (await api.get(`${LC}/evictionrequests/${name}`)).json;
    assert.deepEqual(brief(er, 'TargetEvicted'), ['True', 'PodDeleted', 'Target pod has been deleted.']);
  } finally { await srv.stop(); }
});

test('a PDB blocks the evictor: it backs off 5 s, 10 s, 20 s and reports each 429', async () => {
  const { srv, api, advance } = await cluster([node, pod(), pdb]);
  try {
    await api.post(`${LC}/evictionrequests`, request('Eviction'));
    await advance(0);
    const msg = async () => (await api.get(`${LC}/evictions/pod-1-web-0`)).json.status.responders[0].message;
    const refused = (n) => `"web-0" pod deletion via the /eviction subresource failed (attempts=${n}): Cannot evict pod as it would violate the pod's disruption budget.`;
    assert.equal(await msg(), refused(1));
    await advance(4);
    assert.equal(await msg(), refused(1));
    await advance(1);
    assert.equal(await msg(), refused(2));
    await advance(9);
    assert.equal(await msg(), refused(2));
    await advance(1);
    assert.equal(await msg(), refused(3));
    const log = (await api.get('/sim/v1/evictions')).json.items;
    assert.deepEqual(log.map((e) => [e.time, e.code]), [['2025-01-01T00:00:00Z', 429], ['2025-01-01T00:00:05Z', 429], ['2025-01-01T00:00:15Z', 429]]);
    assert.match(log[0].explanation, /requesters: foo\.example\.com\/1 Eviction\) asks → PDB web: .*refused/);
    // freeing the budget lets the next attempt through
    assert.equal((await api.del('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web')).status, 200);
    await advance(20);
    assert.match(await msg(), /will be terminated gracefully|is being terminated gracefully/);
  } finally { await srv.stop(); }
});

test('a responder that stops heartbeating is Interrupted after 20 minutes; the evictor takes over', async () => {
  const { srv, api, advance } = await cluster([node, pod([{ name: 'acme.example.com/slow', priority: 5000 }])]);
  try {
    await api.post(`${LC}/evictionrequests`, request('Eviction'));
    await advance(0);
    await apply(api, 'pod-1-web-0', { name: 'acme.example.com/slow', heartbeatTime: '2025-01-01T00:00:00Z', message: 'starting' });
    await advance(20 * 60 - 1);
    assert.equal((await api.get(`${LC}/evictions/pod-1-web-0`)).json.status.targetResponders[0].state, 'Active');
    await advance(1);
    const ev = (await api.get(`${LC}/evictions/pod-1-web-0`)).json;
    assert.deepEqual(ev.status.targetResponders.map((t) => t.state), ['Interrupted', 'Active']);
    assert.equal((await api.get('/api/v1/namespaces/default/pods/web-0')).json.metadata.deletionTimestamp, '2025-01-01T00:20:30Z');
  } finally { await srv.stop(); }
});

test('an invalid request: pod not found, uid mismatch, and validation', async () => {
  const { srv, api, advance } = await cluster([node, pod()]);
  try {
    const missing = request('Eviction');
    missing.spec.target.pod.name = 'nope';
    const a = (await api.post(`${LC}/evictionrequests`, missing)).json.metadata.name;
    const other = request('Eviction');
    other.spec.target.pod.uid = '0b9a1c2d-3e4f-4a5b-8c6d-000000000000';
    const b = (await api.post(`${LC}/evictionrequests`, other)).json.metadata.name;
    await advance(0);
    assert.deepEqual(brief((await api.get(`${LC}/evictionrequests/${a}`)).json, 'Failed'), ['True', 'EvictionInvalid', 'Target pod not found.']);
    assert.deepEqual(brief((await api.get(`${LC}/evictionrequests/${b}`)).json, 'Failed'),
      ['True', 'EvictionInvalid', `Target pod UID mismatch: expected 0b9a1c2d-3e4f-4a5b-8c6d-000000000000, got ${UID}.`]);
    assert.deepEqual((await api.get(`${LC}/evictions`)).json.items, []);
    const bad = request('Maybe');
    bad.spec.requester = 'me.k8s.io/x';
    const r = await api.post(`${LC}/evictionrequests`, bad);
    assert.equal(r.status, 422);
    assert.deepEqual(r.json.details.causes.map((c) => c.field), ['spec.requester', 'spec.intent']);
    assert.match(r.json.message, /domain names \*\.k8s\.io, \*\.kubernetes\.io are reserved/);
  } finally { await srv.stop(); }
});

test('without the gate (or before 1.37) the API is not served', async () => {
  const srv = await start({ args: ['--kube-version', '1.37'] });
  try {
    const api = client(srv.url);
    assert.equal((await api.get(`${LC}/evictionrequests`)).status, 404);
    assert.ok(!(await api.get('/apis')).json.groups.some((g) => g.name === 'lifecycle.k8s.io'));
  } finally { await srv.stop(); }
  const on = await start({ args: ALPHA });
  try {
    const api = client(on.url);
    assert.deepEqual((await api.get('/apis/lifecycle.k8s.io/v1alpha1')).json.resources.map((r) => r.name),
      ['evictionrequests', 'evictionrequests/status', 'evictions', 'evictions/status']);
    assert.deepEqual((await api.get('/sim/v1/info')).json.alphaAPIs, ['lifecycle.k8s.io/v1alpha1']);
  } finally { await on.stop(); }
});
