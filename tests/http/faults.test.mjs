// Fault injection (/sim/v1/faults and --faults): a faulted request is
// answered with the chosen Status, changes nothing, and counts down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, client } from '../lib/server.mjs';

let srv, api;
before(async () => { srv = await start({ args: ['--controllers', 'none'] }); api = client(srv.url); });
after(async () => { await srv.stop(); });

const pod = (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }] } });

test('a rule answers matching requests with its Status, times then stops', async () => {
  const add = await api.post('/sim/v1/faults', {
    match: { verb: 'create', resource: 'pods', namespace: 'default' },
    response: { code: 429, reason: 'TooManyRequests', message: 'slow down', retryAfterSeconds: 3,
      causes: [{ reason: 'Injected', message: 'by a test' }] },
    times: 2,
  });
  assert.equal(add.status, 201);
  assert.equal(add.json.id, 1);
  assert.equal(add.json.remaining, 2);
  for (let i = 0; i < 2; i++) {
    const r = await api.post('/api/v1/namespaces/default/pods', pod('faulted'));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '3');
    assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'slow down',
      reason: 'TooManyRequests', details: { causes: [{ reason: 'Injected', message: 'by a test' }], retryAfterSeconds: 3 }, code: 429 });
    assert.equal((await api.get('/api/v1/namespaces/default/pods/faulted')).status, 404, 'a faulted request changes nothing');
  }
  const listed = await api.get('/sim/v1/faults');
  assert.equal(listed.json.items[0].remaining, 0);
  const ok = await api.post('/api/v1/namespaces/default/pods', pod('faulted'));
  assert.equal(ok.status, 201);
  await api.del('/sim/v1/faults');
});

test('match on name and subresource; other requests are untouched', async () => {
  await api.post('/sim/v1/faults', { match: { resource: 'pods', name: 'target', subresource: 'status' }, response: { code: 500, message: 'boom' } });
  await api.post('/api/v1/namespaces/default/pods', pod('target'));
  assert.equal((await api.get('/api/v1/namespaces/default/pods/target')).status, 200);
  const st = await api.patch('/api/v1/namespaces/default/pods/target/status', { status: { phase: 'Running' } }, { type: 'application/merge-patch+json' });
  assert.equal(st.status, 500);
  assert.equal(st.json.message, 'boom');
  assert.equal(st.json.reason, undefined);
  assert.equal((await api.get('/api/v1/namespaces/default/pods/target')).json.status.phase, 'Pending');
  await api.del('/sim/v1/faults');
});

test('rules are tried in order; unlimited rules show remaining null; delete one by id', async () => {
  const a = await api.post('/sim/v1/faults', { match: { verb: 'get', resource: 'nodes' }, response: { code: 503, message: 'first' }, times: 1 });
  const b = await api.post('/sim/v1/faults', { match: { verb: 'get', resource: 'nodes' }, response: { code: 500, message: 'second' } });
  assert.equal(b.json.remaining, null);
  assert.equal((await api.get('/api/v1/nodes/x')).json.message, 'first');
  assert.equal((await api.get('/api/v1/nodes/x')).json.message, 'second');
  const del = await api.del(`/sim/v1/faults/${b.json.id}`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.json.items.map((r) => r.id), [a.json.id]);
  assert.equal((await api.get('/api/v1/nodes/x')).status, 404);
  assert.equal((await api.del('/sim/v1/faults/999')).status, 404);
  await api.del('/sim/v1/faults');
  assert.deepEqual((await api.get('/sim/v1/faults')).json, { items: [] });
});

test('a delay without a response runs the request after the delay', async () => {
  await api.post('/sim/v1/faults', { match: { verb: 'list', resource: 'namespaces' }, delaySeconds: 0.3, times: 1 });
  const t0 = Date.now();
  const r = await api.get('/api/v1/namespaces');
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 250, 'delayed');
  const other = await api.get('/api/v1/nodes');
  assert.equal(other.status, 200);
  await api.del('/sim/v1/faults');
});

test('bad rules are 400 and add nothing', async () => {
  for (const rule of [{ match: { verb: 'fly' }, response: { code: 500 } }, { response: { code: 42 } }, { match: { resource: 'pods' } },
    { response: { code: 500 }, times: 0 }, 'nope']) {
    const r = await api.post('/sim/v1/faults', rule);
    assert.equal(r.status, 400, JSON.stringify(rule));
    assert.equal(r.json.kind, 'Status');
  }
  for (const times of [1e300, 9007199254740994, 1.5]) { // beyond what a count can hold, or not whole
    const r = await api.post('/sim/v1/faults', { response: { code: 500 }, times });
    assert.equal(r.status, 400, String(times));
    assert.match(r.json.message, /times must be a whole number from 1 to 9007199254740992 \(leave it out for every match\)/);
  }
  assert.deepEqual((await api.get('/sim/v1/faults')).json, { items: [] });
});

test('--faults FILE loads rules at start', async () => {
  const f = join(srv.dir, 'faults.yaml');
  writeFileSync(f, '- match: {verb: list, resource: pods}\n  response: {code: 503, reason: ServiceUnavailable, message: maintenance}\n');
  const s2 = await start({ args: ['--faults', f] });
  try {
    const r = await client(s2.url).get('/api/v1/pods');
    assert.equal(r.status, 503);
    assert.equal(r.json.message, 'maintenance');
  } finally { await s2.stop(); }
});
