// `evictsim run` over the scenario library, a failing and a malformed
// scenario, and `evictsim explain` / GET /sim/v1/explain against a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { start, client, binary, fixture } from '../lib/server.mjs';

const library = fixture('scenarios');
const scenarios = readdirSync(library).filter((f) => f.endsWith('.yaml')).sort();
const run = (...args) => spawnSync(binary, ['run', ...args], { encoding: 'utf8' });
const lastLine = (out) => out.trimEnd().split('\n').pop();
const tmp = () => mkdtempSync(join(tmpdir(), 'evictsim-scenario-'));

const base = `
manifests:
  - {apiVersion: v1, kind: Node, metadata: {name: node-1}}
  - {apiVersion: v1, kind: Pod, metadata: {name: web-1}, spec: {nodeName: node-1, containers: [{name: c, image: c}]}}
`;

test('the library has a scenario for each edge case', () => {
  for (const name of ['endless-429', 'multiple-pdbs', 'unhealthy-always-allow', 'statefulset-same-name',
    'finalizer-stuck', 'stale-pdb-status', 'drain-blocked-then-freed', 'percentage-rounding',
    'fault-retry-after', 'default-drain']) {
    assert.ok(scenarios.includes(`${name}.yaml`), name);
  }
});

for (const file of scenarios) {
  test(`scenario ${file} passes`, () => {
    const r = run(join(library, file));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const ok = r.stdout.split('\n').filter((l) => l.startsWith('ok   step ')).length;
    assert.ok(ok > 0);
    assert.equal(lastLine(r.stdout), `${ok} passed, 0 failed`);
    assert.doesNotMatch(r.stdout, /^FAIL/m);
  });
}

test('all scenarios in one run: one summary line, last', () => {
  const r = run(...scenarios.map((f) => join(library, f)));
  assert.equal(r.status, 0, r.stdout);
  assert.match(lastLine(r.stdout), /^\d+ passed, 0 failed$/);
  assert.equal(r.stdout.match(/ passed, /g).length, 1);
});

test('a drain of the default cluster runs in well under a second', () => {
  const t0 = process.hrtime.bigint();
  const r = run(join(library, 'default-drain.yaml'));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /^ok {3}step 2: drain node-1 → drained in /m);
  assert.ok(ms < 1000, `${ms} ms`);
});

test('--explain prints why under each step', () => {
  const r = run('--explain', join(library, 'endless-429.yaml'));
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^ {6}why: PDB web: minAvailable 3 of 3 expected; 3 healthy; desired 3 → 0 disruptions allowed → refused$/m);
  assert.match(r.stdout, /^ {6}t=\+0s…\+55s evict default\/web-1 ×12 → 429 \(PDB web: 3 healthy, needs 3\)$/m);
});

test('a failing expectation: a clear FAIL line, exit 1', () => {
  const d = tmp();
  const f = join(d, 'fails.yaml');
  writeFileSync(f, `name: fails\n${base}steps:\n  - evict: {pod: web-1}\n    expect: {code: 429}\n  - advance: 30s\n`);
  const r = run(f);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^FAIL step 1: evict default\/web-1 → 201 Success — code is 201, expected 429$/m);
  assert.match(r.stdout, /^ok {3}step 2: advance 30s → 2025-01-01T00:00:30Z$/m);
  assert.equal(lastLine(r.stdout), '1 passed, 1 failed');
});

test('a step that cannot be parsed fails the run with file, step and problem', () => {
  const d = tmp();
  const f = join(d, 'bad.yaml');
  writeFileSync(f, `name: bad\n${base}steps:\n  - advance: 1s\n  - drain: {node: node-1, timeout: forever}\n`);
  const r = run(f);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, `FAIL ${f}: step 2: drain: timeout must be a duration (30s, 2m) or a number of seconds\n` +
    '0 passed, 1 failed\n');
});

test('usage errors exit 2', () => {
  assert.equal(run().status, 2);
  assert.equal(run('--bogus', 'x.yaml').status, 2);
  const missing = run('/nonexistent/x.yaml');
  assert.equal(missing.status, 1);
  assert.match(missing.stdout, /^FAIL \/nonexistent\/x\.yaml: cannot read the file$/m);
});

test('GET /sim/v1/explain and `evictsim explain` answer without evicting', async () => {
  const srv = await start({ manifests: [fixture('default.yaml')] });
  try {
    const api = client(srv.url);
    await api.advance(3); // web pods are Ready 3 s after they start
    const web = (await api.get('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).json.items[0].metadata.name;
    const r = await api.get(`/sim/v1/explain/default/${web}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.decision, 'PDB web covers this pod');
    assert.equal(r.json.pdbs.length, 1);
    assert.equal(r.json.pdbs[0].rule, 'minAvailable 2');
    assert.equal(r.json.pdbs[0].status.disruptionsAllowed, 1);
    assert.equal(r.json.eviction.code, 201);
    const log = await api.get('/sim/v1/evictions');
    assert.deepEqual(log.json.items, []);
    const pod = await api.get(`/api/v1/namespaces/default/pods/${web}`);
    assert.equal(pod.json.metadata.deletionTimestamp, undefined);

    const missing = await api.get('/sim/v1/explain/default/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, 'pods "nope" not found');

    const cli = spawnSync(binary, ['explain', '--server', srv.url, `default/${web}`], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^PDB web covers this pod$/m);
    assert.match(cli.stdout, /^an eviction now would answer: 201 Success \(dry run: nothing was evicted\)$/m);
    const kc = spawnSync(binary, ['explain', '--kubeconfig', srv.kubeconfig, 'default/nope'], { encoding: 'utf8' });
    assert.equal(kc.status, 1);
    assert.equal(kc.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  } finally { await srv.stop(); }
});

test('cluster: a scenario starts from a dump; a dump that does not load fails the file', () => {
  const d = tmp();
  writeFileSync(join(d, 'dump.json'), JSON.stringify({ apiVersion: 'v1', kind: 'NodeList', items: [
    { metadata: { name: 'n1', uid: 'u1', creationTimestamp: '2025-05-05T05:05:05Z' } }] }));
  writeFileSync(join(d, 's.yaml'), `name: from-dump
cluster: dump.json
options: {startTime: dump}
steps:
  - expect: {node: {name: n1, unschedulable: false}}
  - cordon: {node: n1}
    expect: {node: {name: n1, unschedulable: true}}
`);
  const ok = run(join(d, 's.yaml'));
  assert.equal(ok.status, 0, ok.stdout);
  assert.equal(lastLine(ok.stdout), '2 passed, 0 failed');
  writeFileSync(join(d, 'bad.yaml'), 'name: bad\ncluster: missing.json\nsteps: []\n');
  const bad = run(join(d, 'bad.yaml'));
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /cluster: .*missing\.json: No such file or directory/);
});
