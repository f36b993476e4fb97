// The Node test helper (helpers/node/evictsim.mjs): its handle, parallel
// servers, its errors, and what a failing or killed test process leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { start, EvictsimError } from '../../helpers/node/evictsim.mjs';
import { root, binary } from '../lib/server.mjs';

const helper = resolve(root, 'helpers/node/evictsim.mjs');
const cluster = readFileSync(join(root, 'helpers/testdata/web-pdb.yaml'), 'utf8');
const evict = (url, pod) => fetch(`${url}/api/v1/namespaces/default/pods/${pod}/eviction`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' } }),
}).then((r) => r.status);

test('the handle: load, advance, explain, addFault, evictions, reset', async (t) => {
  const sim = await start({ binary, t });
  assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(readFileSync(sim.kubeconfigPath, 'utf8').includes(`server: ${sim.url}\n`));
  assert.equal(await sim.load(cluster), 3);
  assert.deepEqual(await sim.advance(90), new Date('2025-01-01T00:01:30Z'));
  const why = await sim.explain('default', 'web');
  assert.equal(why.eviction.code, 429);
  assert.equal(why.pdbs[0].name, 'web');
  const rule = await sim.addFault({ match: { verb: 'create', subresource: 'eviction' },
    response: { code: 503, message: 'try later' }, times: 1 });
  assert.equal(rule.remaining, 1);
  assert.equal(await evict(sim.url, 'web'), 503);
  assert.equal(await evict(sim.url, 'web'), 429);
  const log = await sim.evictions();
  assert.deepEqual(log.map(({ time, pod, code, pdb, dryRun }) => ({ time, pod, code, pdb, dryRun })),
    [{ time: '2025-01-01T00:01:30Z', pod: 'web', code: 429, pdb: 'web', dryRun: false }]);
  await sim.reset();
  assert.deepEqual(await sim.evictions(), []);
  await assert.rejects(sim.load('kind: ['), (e) => e instanceof EvictsimError && e.status === 400 && e.body.kind === 'Status');
});

test('options: manifests, real clock and time scale, controllers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'evictsim-helper-'));
  writeFileSync(join(dir, 'c.yaml'), cluster);
  const sim = await start({ binary, t, manifests: [join(dir, 'c.yaml')], timeScale: 60, controllers: ['none'] });
  assert.deepEqual({ ...(await sim.clock()), now: undefined }, { now: undefined, mode: 'real', scale: 60 });
  const pdb = await (await fetch(`${sim.url}/apis/policy/v1/namespaces/default/poddisruptionbudgets/web`)).json();
  assert.equal(pdb.status?.currentHealthy ?? 0, 0); // no disruption controller: nobody counts the Ready pod web
});

test('kubeVersion is passed through as --kube-version', async (t) => {
  const knows = spawnSync(binary, ['--help'], { encoding: 'utf8' }).stdout.includes('--kube-version');
  if (knows) {
    const sim = await start({ binary, t, kubeVersion: '1.31' });
    assert.equal((await (await fetch(`${sim.url}/version`)).json()).minor, '31');
  } else {
    await assert.rejects(start({ binary, kubeVersion: '1.31' }), /--kube-version 1\.31.*exited with status 2/s);
  }
});

test('parallel servers have their own ports, directories and clusters', async (t) => {
  const sims = await Promise.all([0, 1, 2].map(() => start({ binary, t })));
  assert.equal(new Set(sims.map((s) => s.port)).size, 3);
  assert.equal(new Set(sims.map((s) => s.dir)).size, 3);
  await sims[0].load('{apiVersion: v1, kind: Namespace, metadata: {name: only-0}}');
  const names = async (s) => (await (await fetch(`${s.url}/api/v1/namespaces`)).json()).items.map((n) => n.metadata.name);
  assert.ok((await names(sims[0])).includes('only-0'));
  assert.ok(!(await names(sims[1])).includes('only-0'));
});

test('a start that fails names the cause with evictsim\'s stderr', async () => {
  await assert.rejects(start({ binary, manifests: ['/nonexistent/c.yaml'] }),
    /exited with status 2[^]*evictsim stderr[^]*\/nonexistent\/c\.yaml/);
  await assert.rejects(start({ binary: '/nonexistent/evictsim' }), /set EVICTSIM or put evictsim on the PATH/);
});

test('stop() ends the process and removes its directory; a second stop() does nothing', async () => {
  const sim = await start({ binary });
  assert.deepEqual(await sim.stop(), { code: 0, signal: null });
  assert.equal(existsSync(sim.dir), false);
  assert.deepEqual(await sim.stop(), { code: 0, signal: null });
});

// A test file that fails, or a test process that is killed: evictsim goes, and a failure shows its stderr.
const inner = (mode) => `
import { test } from 'node:test';
import { start } from ${JSON.stringify(helper)};
test('inner', async (t) => {
  const sim = await start({ binary: ${JSON.stringify(binary)}, t, verbose: true });
  await sim.load('{apiVersion: v1, kind: Namespace, metadata: {name: inner}}');
  console.log('pid', sim.proc.pid);
  ${mode}
});
`;

function gone(pid) {
  for (let i = 0; i < 200; i++) {
    let stat;
    try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return true; }
    if (stat.includes(') Z ')) return true;
    spawnSync('sleep', ['0.05']);
  }
  return false;
}

for (const [mode, what] of [["throw new Error('failing on purpose');", 'fails'],
  ["process.kill(process.pid, 'SIGKILL');", 'is killed'],
  ['await new Promise(() => {}); // never ends: the runner cancels it', 'never ends']]) {
  test(`a test that ${what} leaves no evictsim behind`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'evictsim-inner-'));
    writeFileSync(join(dir, 'inner.test.mjs'), inner(mode));
    const env = { ...process.env, NODE_TEST_CONTEXT: undefined }; // a test run of its own, not a child of this one
    const r = spawnSync(process.execPath, ['--test', '--test-timeout=3000', join(dir, 'inner.test.mjs')], { encoding: 'utf8', env });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, out);
    const pid = Number(/\bpid (\d+)/.exec(out)?.[1]);
    assert.ok(pid, out);
    assert.ok(gone(pid), `evictsim ${pid} still runs after a test that ${what}`);
    if (what === 'fails') assert.match(out, /--- evictsim stderr \(inner\) ---[^]*POST \/sim\/v1\/load/);
  });
}
