// The command line and the /sim/v1 API as docs/design.md states them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { start, client, binary, fixture } from '../lib/server.mjs';

const tmp = () => mkdtempSync(join(tmpdir(), 'evictsim-sim-'));

test('--help and --version exit 0', () => {
  const h = spawnSync(binary, ['--help'], { encoding: 'utf8' });
  assert.equal(h.status, 0);
  assert.match(h.stdout, /Usage: evictsim \[OPTIONS\] \[MANIFEST\.\.\.\]/);
  const v = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^evictsim /);
});

test('bad flags: one-line error, exit 2, nothing served', () => {
  for (const args of [['--bogus'], ['--clock', 'sideways'], ['--listen', 'nope'], ['--time-scale', '-1'],
    ['--start-time', 'yesterday'], ['--controllers', 'kubelet,wizard'], ['--pdb-sync-delay', 'x']]) {
    const r = spawnSync(binary, args, { encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^evictsim: /);
  }
});

test('a bad manifest: exit 2 naming the problem', () => {
  const d = tmp();
  writeFileSync(join(d, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: [\n');
  const r = spawnSync(binary, ['--listen', '127.0.0.1:0', join(d, 'bad.yaml')], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.yaml: document 2/);
});

test('a busy port: exit 2', async () => {
  const srv = await start();
  try {
    const r = spawnSync(binary, ['--listen', `127.0.0.1:${srv.port}`], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
  } finally { await srv.stop(); }
});

test('serving line, port file, kubeconfig, clean exit on SIGTERM', async () => {
  const srv = await start();
  assert.equal(srv.stdout(), `evictsim: serving on http://127.0.0.1:${srv.port}\n`);
  const kc = readFileSync(srv.kubeconfig, 'utf8');
  assert.match(kc, new RegExp(`server: http://127\\.0\\.0\\.1:${srv.port}`));
  assert.match(kc, /insecure-skip-tls-verify: true/);
  assert.match(kc, /current-context: evictsim/);
  const e = await srv.stop();
  assert.equal(e.code, 0);
});

test('SIGINT also exits 0', async () => {
  const srv = await start();
  srv.proc.kill('SIGINT');
  assert.equal((await srv.exited).code, 0);
});

test('manual clock: starts at 2025-01-01 and advances; bad advances are 400', async () => {
  const srv = await start();
  const api = client(srv.url);
  try {
    const c = await api.get('/sim/v1/clock');
    assert.deepEqual(c.json, { now: '2025-01-01T00:00:00Z', mode: 'manual', scale: 1 });
    const a = await api.advance(90.5);
    assert.equal(a.status, 200);
    assert.equal(a.json.now, '2025-01-01T00:01:30Z');
    for (const body of [{ seconds: -1 }, { seconds: 'ten' }, {}]) {
      const r = await api.post('/sim/v1/clock/advance', body);
      assert.equal(r.status, 400);
      assert.equal(r.json.kind, 'Status');
    }
    // past the last time a timestamp can hold (four-digit years): refused, the clock unchanged
    const far = await api.post('/sim/v1/clock/advance', '{"seconds":7777777777777777777777777777777777777777777777777777777777777777730}',
      { type: 'application/json' });
    assert.equal(far.status, 400);
    assert.equal(far.json.message, 'advance would move the clock past 9999-12-31T23:59:59Z, the last time a timestamp can hold');
    const last = 253402300799 - Date.parse('2025-01-01T00:01:30Z') / 1000;
    assert.equal((await api.advance(last + 1)).status, 400);
    const nojson = await api.post('/sim/v1/clock/advance', 'not json', { type: 'application/json' });
    assert.equal(nojson.status, 400);
    assert.equal((await api.get('/sim/v1/clock')).json.now, '2025-01-01T00:01:30Z');
    const end = await api.advance(last); // up to the last second itself: fine
    assert.equal(end.status, 200);
    assert.equal(end.json.now, '9999-12-31T23:59:59Z');
  } finally { await srv.stop(); }
});

test('--start-time and real clock with --time-scale', async () => {
  const srv = await start({ clock: 'real', args: ['--start-time', '2030-06-01T12:00:00Z', '--time-scale', '100'] });
  const api = client(srv.url);
  try {
    const c = await api.get('/sim/v1/clock');
    assert.equal(c.json.mode, 'real');
    assert.equal(c.json.scale, 100);
    await new Promise((r) => setTimeout(r, 300));
    const later = await api.get('/sim/v1/clock');
    const secs = (Date.parse(later.json.now) - Date.parse('2030-06-01T12:00:00Z')) / 1000;
    assert.ok(secs >= 20, `virtual time advanced ${secs}s`);
  } finally { await srv.stop(); }
});

test('load, snapshot, reset', async () => {
  const srv = await start({ args: ['--controllers', 'none'] });
  const api = client(srv.url);
  try {
    const yaml = `apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: team}
spec: {nodeName: n1, containers: [{name: c, image: x}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: team}
spec: {minAvailable: 1, selector: {matchLabels: {a: b}}}
status: {disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, observedGeneration: 1}
`;
    const l = await api.load(yaml);
    assert.equal(l.status, 200);
    assert.deepEqual(l.json, { loaded: 3 });
    const p = await api.get('/api/v1/namespaces/team/pods/p1');
    assert.equal(p.json.status.phase, 'Running', 'status kept as written');
    const pdb = await api.get('/apis/policy/v1/namespaces/team/poddisruptionbudgets/pdb');
    assert.equal(pdb.json.status.currentHealthy, 1);
    const snap = await api.get('/sim/v1/snapshot');
    assert.equal(snap.json.kind, 'List');
    const names = snap.json.items.map((o) => `${o.kind}/${o.metadata.name}`);
    assert.ok(names.includes('Pod/p1') && names.includes('Node/n1') && names.includes('PodDisruptionBudget/pdb'));
    const r = await api.post('/sim/v1/reset');
    assert.equal(r.status, 200);
    assert.equal((await api.get('/api/v1/namespaces/team/pods/p1')).status, 404);
    const ns = (await api.get('/api/v1/namespaces')).json.items.map((n) => n.metadata.name).sort();
    assert.deepEqual(ns, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const again = await api.post('/sim/v1/load', JSON.stringify(snap.json));
    assert.equal(again.status, 200);
    assert.equal((await api.get('/api/v1/namespaces/team/pods/p1')).json.status.phase, 'Running');
  } finally { await srv.stop(); }
});

test('a bad document fails the whole load and changes nothing', async () => {
  const srv = await start();
  const api = client(srv.url);
  try {
    const before = (await api.get('/sim/v1/snapshot')).json.items.length;
    const bad = await api.load('apiVersion: v1\nkind: Node\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: [{name: c, image: x}]}\n');
    assert.equal(bad.status, 422);
    const syntax = await api.load('apiVersion: v1\nkind: Node\nmetadata: {name: ok}\n---\n: : :\n');
    assert.equal(syntax.status, 400);
    assert.match(syntax.json.message, /document 2/);
    const unknown = await api.load('apiVersion: v9\nkind: Gadget\nmetadata: {name: g}\n');
    assert.equal(unknown.status, 400);
    assert.equal((await api.get('/sim/v1/snapshot')).json.items.length, before);
  } finally { await srv.stop(); }
});

test('the default fixture loads', async () => {
  const srv = await start({ manifests: [fixture('default.yaml')] });
  const api = client(srv.url);
  try {
    const nodes = await api.get('/api/v1/nodes');
    assert.deepEqual(nodes.json.items.map((n) => n.metadata.name), ['node-1', 'node-2', 'node-3']);
    const pdbs = await api.get('/apis/policy/v1/poddisruptionbudgets');
    assert.deepEqual(pdbs.json.items.map((p) => p.metadata.name), ['db', 'web']);
  } finally { await srv.stop(); }
});

test('loading the default fixture over itself keeps every object and its dependents', async () => {
  const srv = await start({ manifests: [fixture('default.yaml')] });
  const api = client(srv.url);
  const ids = async (path) => (await api.get(path)).json.items
    .map((o) => `${o.metadata.name} ${o.metadata.uid} generation=${o.metadata.generation}`).sort();
  try {
    await api.advance(10);
    const before = { pods: await ids('/api/v1/pods'), rs: await ids('/apis/apps/v1/replicasets'),
      deploy: await ids('/apis/apps/v1/deployments'), ds: await ids('/apis/apps/v1/daemonsets') };
    const r = await api.load(readFileSync(fixture('default.yaml'), 'utf8'));
    assert.equal(r.status, 200, r.text);
    await api.advance(60);
    const after = { pods: await ids('/api/v1/pods'), rs: await ids('/apis/apps/v1/replicasets'),
      deploy: await ids('/apis/apps/v1/deployments'), ds: await ids('/apis/apps/v1/daemonsets') };
    assert.deepEqual(after, before);
  } finally { await srv.stop(); }
});

test('manifests from stdin and a directory', async () => {
  const d = tmp();
  writeFileSync(join(d, 'b.yaml'), 'apiVersion: v1\nkind: Node\nmetadata: {name: from-b}\n');
  writeFileSync(join(d, 'a.json'), '{"apiVersion":"v1","kind":"Node","metadata":{"name":"from-a"}}');
  writeFileSync(join(d, 'notes.txt'), 'ignored');
  const srv = await start({ manifests: [d] });
  try {
    const n = await client(srv.url).get('/api/v1/nodes');
    assert.deepEqual(n.json.items.map((x) => x.metadata.name), ['from-a', 'from-b']);
  } finally { await srv.stop(); }
  const p = spawn(binary, ['--listen', '127.0.0.1:0', '--clock', 'manual', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  p.stdin.end('apiVersion: v1\nkind: Node\nmetadata: {name: from-stdin}\n');
  const line = await new Promise((res) => p.stdout.once('data', (b) => res(String(b))));
  const url = line.trim().split(' ').pop();
  const n = await client(url).get('/api/v1/nodes/from-stdin');
  assert.equal(n.status, 200);
  p.kill('SIGTERM');
});
