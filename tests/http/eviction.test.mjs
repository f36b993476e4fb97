// The eviction subresource end to end over HTTP: every answer a client can
// get, with its code, reason, message, causes and Retry-After, and what it
// changes; the eviction log; grace periods on the virtual clock; and many
// parallel evictions against one budget.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { start, client } from '../lib/server.mjs';

let srv, api;
before(async () => { srv = await start(); api = client(srv.url); });
after(async () => { await srv.stop(); });
beforeEach(async () => { await api.post('/sim/v1/reset'); });

const MSG = "Cannot evict pod as it would violate the pod's disruption budget.";
const evict = (name, body = {}, q = '') => api.post(`/api/v1/namespaces/default/pods/${name}/eviction${q}`,
  { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...body });

function cluster({ pods = 3, pdb = 'minAvailable: 2', readyAfter = null, grace = 30, extraPdb = '' } = {}) {
  let y = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n';
  for (let i = 1; i <= pods; i++) {
    y += `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web-${i}\n  labels: {app: web}\n`;
    if (readyAfter && i === 1) y += `  annotations: {sim.evictsim.io/ready-after: "${readyAfter}"}\n`;
    y += `spec:\n  nodeName: n1\n  terminationGracePeriodSeconds: ${grace}\n  containers: [{name: c, image: nginx}]\n`;
  }
  if (pdb) y += `---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  ${pdb}\n  selector: {matchLabels: {app: web}}\n`;
  y += extraPdb;
  return api.load(y);
}

const pdbStatus = async (name = 'web') => (await api.get(`/apis/policy/v1/namespaces/default/poddisruptionbudgets/${name}`)).json.status;

test('allowed: 201 Success, PDB decremented, DisruptionTarget, gone after its grace period', async () => {
  await cluster();
  assert.equal((await pdbStatus()).disruptionsAllowed, 1);
  const r = await evict('web-1');
  assert.equal(r.status, 201);
  assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  assert.equal(r.headers.get('retry-after'), null);
  const pod = (await api.get('/api/v1/namespaces/default/pods/web-1')).json;
  assert.equal(pod.metadata.deletionTimestamp, '2025-01-01T00:00:30Z');
  const dt = pod.status.conditions.find((c) => c.type === 'DisruptionTarget');
  assert.deepEqual({ status: dt.status, reason: dt.reason, message: dt.message }, { status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
  const st = await pdbStatus();
  assert.equal(st.disruptionsAllowed, 0);
  assert.equal(st.currentHealthy, 2, 'a terminating pod is not healthy');
  await api.advance(29);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/web-1')).status, 200, 'not before its grace period');
  await api.advance(1);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/web-1')).status, 404, 'gone after 30 s');
});

test('budget exhausted: 429 TooManyRequests, cause, no Retry-After, nothing changes', async () => {
  await cluster({ pdb: 'minAvailable: 3' });
  const before = (await api.get('/api/v1/namespaces/default/pods/web-2')).json.metadata.resourceVersion;
  const r = await evict('web-2');
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), null);
  assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MSG, reason: 'TooManyRequests',
    details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 3 healthy pods and has 3 currently' }] }, code: 429 });
  assert.equal((await api.get('/api/v1/namespaces/default/pods/web-2')).json.metadata.resourceVersion, before);
});

test('two PDBs: 500 with no reason', async () => {
  await cluster({ extraPdb: '---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web-2nd}\nspec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: web}}\n' });
  const r = await evict('web-1');
  assert.equal(r.status, 500);
  assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 });
});

test('PDB still being processed: 429 with Retry-After: 10 (--pdb-sync-delay)', async () => {
  const s2 = await start({ args: ['--pdb-sync-delay', '10'] });
  const a2 = client(s2.url);
  try {
    await a2.load('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: x}}\nspec: {nodeName: n1, containers: [{name: c, image: x}]}\n');
    await a2.post('/apis/policy/v1/namespaces/default/poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'fresh' }, spec: { minAvailable: 0, selector: { matchLabels: { app: 'x' } } } });
    const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' } };
    const r = await a2.post('/api/v1/namespaces/default/pods/p/eviction', body);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '10');
    assert.deepEqual(r.json.details, { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget fresh is still being processed by the server.' }], retryAfterSeconds: 10 });
    await a2.advance(10);
    const ok = await a2.post('/api/v1/namespaces/default/pods/p/eviction', body);
    assert.equal(ok.status, 201);
  } finally { await s2.stop(); }
});

test('negative budget and too many disruptedPods: 403 (PDB status as loaded)', async () => {
  const s2 = await start({ args: ['--controllers=-disruption'] });
  const a2 = client(s2.url);
  try {
    const many = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`gone-${i}`, '2025-01-01T00:00:00Z']));
    const running = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    const podOf = (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] }, status: running });
    const pdbOf = (name, app, status) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, generation: 1 },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app } } }, status: { observedGeneration: 1, ...status } });
    const l = await a2.load(JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }, podOf('a'), podOf('b'),
      pdbOf('neg', 'a', { disruptionsAllowed: -1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 }),
      pdbOf('big', 'b', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1, disruptedPods: many }),
    ] }));
    assert.equal(l.status, 200, l.text);
    const neg = await a2.post('/api/v1/namespaces/default/pods/a/eviction', { metadata: { name: 'a' } });
    assert.equal(neg.status, 403);
    assert.deepEqual(neg.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'poddisruptionbudget.policy "neg" is forbidden: pdb disruptions allowed is negative', reason: 'Forbidden',
      details: { name: 'neg', group: 'policy', kind: 'poddisruptionbudget' }, code: 403 });
    const big = await a2.post('/api/v1/namespaces/default/pods/b/eviction', { metadata: { name: 'b' } });
    assert.equal(big.status, 403);
    assert.equal(big.json.message, 'poddisruptionbudget.policy "big" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  } finally { await s2.stop(); }
});

test('unready pod bypass when the budget is healthy; AlwaysAllow', async () => {
  await cluster({ pods: 3, pdb: 'minAvailable: 1', readyAfter: '1h' });
  const st = await pdbStatus();
  assert.equal(st.currentHealthy, 2);
  const r = await evict('web-1');
  assert.equal(r.status, 201);
  assert.equal((await pdbStatus()).disruptionsAllowed, 1, 'the unready bypass does not spend the budget');
});

test('Pending pod: deleted without a PDB check', async () => {
  await api.load('apiVersion: v1\nkind: Pod\nmetadata: {name: pending, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\nspec:\n  minAvailable: 100%\n  selector: {matchLabels: {app: web}}\n');
  const r = await evict('pending');
  assert.equal(r.status, 201);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/pending')).status, 404);
});

test('body checks: name mismatch, namespace mismatch, policy/v2, ignoreStoreReadError; v1beta1 and bare bodies accepted', async () => {
  await cluster({ pdb: '' });
  const name = await api.post('/api/v1/namespaces/default/pods/web-1/eviction', { metadata: { name: 'other' } });
  assert.equal(name.status, 400);
  assert.equal(name.json.message, 'name in URL does not match name in Eviction object');
  const ns = await api.post('/api/v1/namespaces/default/pods/web-1/eviction', { metadata: { name: 'web-1', namespace: 'kube-system' } });
  assert.equal(ns.status, 400);
  assert.equal(ns.json.message, 'the namespace of the provided object does not match the namespace sent on the request');
  const v2 = await api.post('/api/v1/namespaces/default/pods/web-1/eviction', { apiVersion: 'policy/v2', kind: 'Eviction', metadata: { name: 'web-1' } });
  assert.equal(v2.status, 400);
  assert.match(v2.json.message, /policy\/v2/);
  const ig = await api.post('/api/v1/namespaces/default/pods/web-1/eviction', { metadata: { name: 'web-1' }, deleteOptions: { ignoreStoreReadErrorWithClusterBreakingPotential: true } });
  assert.equal(ig.status, 422);
  assert.equal(ig.json.message, 'Eviction.policy "web-1" is invalid: deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential: Invalid value: true: can not be set for pod eviction, try after removing the option');
  for (const body of [{ apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'web-1' } }, { metadata: { name: 'web-1' } }]) {
    const r = await api.post('/api/v1/namespaces/default/pods/web-1/eviction', { ...body, deleteOptions: { dryRun: ['All'] } });
    assert.equal(r.status, 201);
    assert.equal(r.json.apiVersion, 'v1');
  }
});

test('dry run decides everything and writes nothing; mismatched dry-run is 500', async () => {
  await cluster();
  const snap = JSON.stringify((await api.get('/sim/v1/snapshot')).json);
  const ok = await evict('web-1', { deleteOptions: { dryRun: ['All'] } });
  assert.equal(ok.status, 201);
  const q = await evict('web-1', {}, '?dryRun=All');
  assert.equal(q.status, 201);
  assert.equal(JSON.stringify((await api.get('/sim/v1/snapshot')).json), snap);
  const mis = await evict('web-1', { deleteOptions: { dryRun: ['Other'] } }, '?dryRun=All');
  assert.equal(mis.status, 500);
  assert.equal(mis.json.reason, undefined);
  assert.equal(mis.json.message, 'Non-matching dry-run options in request and content: [All] and [Other]');
});

test('preconditions: wrong uid and stale resourceVersion are 409', async () => {
  await cluster({ pdb: '' });
  const uid = await evict('web-1', { deleteOptions: { preconditions: { uid: 'nope' } } });
  assert.equal(uid.status, 409);
  assert.match(uid.json.message, /^Operation cannot be fulfilled on Pod "web-1": the UID in the precondition \(nope\) does not match the UID in record \(.+\)\. The object might have been deleted and then recreated$/);
  const rv = await evict('web-1', { deleteOptions: { preconditions: { resourceVersion: '1' } } });
  assert.equal(rv.status, 409);
  assert.match(rv.json.message, /The object might have been modified$/);
});

test('missing pod, missing namespace, terminating namespace', async () => {
  const p = await evict('ghost');
  assert.equal(p.status, 404);
  assert.equal(p.json.message, 'pods "ghost" not found');
  const n = await api.post('/api/v1/namespaces/nowhere/pods/x/eviction', { metadata: { name: 'x' } });
  assert.equal(n.status, 404);
  assert.equal(n.json.message, 'namespaces "nowhere" not found');
});

test('GET and PATCH on the subresource: 405', async () => {
  await cluster({ pdb: '' });
  assert.equal((await api.get('/api/v1/namespaces/default/pods/web-1/eviction')).status, 405);
  const p = await api.patch('/api/v1/namespaces/default/pods/web-1/eviction', {}, { type: 'application/merge-patch+json' });
  assert.equal(p.status, 405);
  assert.equal(p.json.reason, 'MethodNotAllowed');
});

test('the eviction log explains each decision', async () => {
  await cluster({ pdb: 'minAvailable: 3' });
  const now = (await api.get('/sim/v1/clock')).json.now;
  await evict('web-1');
  const log = (await api.get('/sim/v1/evictions')).json.items;
  assert.equal(log.length, 1);
  const e = log[0];
  assert.deepEqual({ ns: e.namespace, pod: e.pod, dry: e.dryRun, code: e.code, reason: e.reason, pdb: e.pdb },
    { ns: 'default', pod: 'web-1', dry: false, code: 429, reason: 'TooManyRequests', pdb: 'web' });
  assert.equal(e.time, now);
  assert.match(e.explanation, /PDB web: minAvailable 3 of 3 expected; 3 healthy; desired 3 → 0 disruptions allowed → refused/);
});

// The server keeps the finished response of an answer it gives as text
// (http.c): each answer must still be the one its request gets, whole,
// in the format asked, however the requests interleave.
test('repeated refusals of two budgets, in JSON and protobuf, are each sent whole', async () => {
  let y = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n';
  for (const [app, n] of [['a', 2], ['b', 3]]) {
    for (let i = 1; i <= n; i++)
      y += `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${app}-${i}, labels: {app: ${app}}}\nspec: {nodeName: n1, containers: [{name: c, image: nginx}]}\n`;
    y += `---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: ${app}}\nspec: {minAvailable: ${n}, selector: {matchLabels: {app: ${app}}}}\n`;
  }
  await api.load(y);
  const post = (name, accept) => fetch(`${srv.url}/api/v1/namespaces/default/pods/${name}/eviction`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: accept },
    body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } }) });
  const seen = {};
  for (let round = 0; round < 3; round++)
    for (const [name, need] of [['a-1', 2], ['b-2', 3], ['a-2', 2]])
      for (const accept of ['application/json', 'application/vnd.kubernetes.protobuf']) {
        const r = await post(name, accept);
        assert.equal(r.status, 429);
        assert.equal(r.headers.get('content-type'), accept);
        assert.equal(r.headers.get('cache-control'), 'no-cache, private');
        assert.equal(r.headers.get('retry-after'), null);
        const bytes = Buffer.from(await r.arrayBuffer());
        const cause = `The disruption budget ${name[0]} needs ${need} healthy pods and has ${need} currently`;
        if (accept === 'application/json')
          assert.equal(bytes.toString(), JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: MSG,
            reason: 'TooManyRequests', details: { causes: [{ reason: 'DisruptionBudget', message: cause }] }, code: 429 }) + '\n');
        else
          assert.ok(bytes.subarray(0, 4).equals(Buffer.from('k8s\0', 'latin1')) && bytes.includes(Buffer.from(cause)));
        const key = `${name[0]} ${accept}`;
        if (seen[key]) assert.ok(bytes.equals(seen[key]), `${key}: the same bytes each time`);
        seen[key] = bytes;
      }
  assert.equal((await api.get('/sim/v1/evictions')).json.items.length, 18);
});

test('parallel evictions never spend more than the budget and never see a 409', async () => {
  await cluster({ pods: 20, pdb: 'minAvailable: 15' });
  assert.equal((await pdbStatus()).disruptionsAllowed, 5);
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => evict(`web-${i + 1}`)));
  const codes = results.map((r) => r.status);
  assert.equal(codes.filter((c) => c === 201).length, 5);
  assert.equal(codes.filter((c) => c === 429).length, 15);
  assert.ok(!codes.includes(409));
  assert.equal((await pdbStatus()).disruptionsAllowed, 0);
});
