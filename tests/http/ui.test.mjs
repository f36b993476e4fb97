// The web view's routes (server/ui.c): the page and its assets, the embedded
// fixtures, the eviction log's tail, the clock's mode; --no-ui and --token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, client, request, fixture, root } from '../lib/server.mjs';
import { join } from 'node:path';

test('the page is served at /, /ui and /ui/, its assets under /ui/, from the binary', async () => {
  const s = await start();
  try {
    const want = readFileSync(join(root, 'server/ui/index.html'), 'utf8');
    for (const p of ['/', '/ui', '/ui/']) {
      const r = await request(s.url, 'GET', p, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(r.text, want, p);
    }
    const js = await request(s.url, 'GET', '/ui/app.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.text, readFileSync(join(root, 'server/ui/app.js'), 'utf8'));
    const nope = await request(s.url, 'GET', '/ui/nope.js');
    assert.equal(nope.status, 404);
    assert.equal(nope.json.kind, 'Status');
    // the API is unchanged around it: "/" is the page only for a browser
    assert.equal((await request(s.url, 'POST', '/')).status, 404);
    assert.equal((await request(s.url, 'GET', '/', { accept: 'application/json' })).status, 404);
    assert.equal((await request(s.url, 'GET', '/ui/')).status, 200, '/ui/ answers any client');
  } finally { await s.stop(); }
});

test('--no-ui: no page; the API still answers', async () => {
  const s = await start({ args: ['--no-ui'] });
  try {
    assert.equal((await request(s.url, 'GET', '/', { accept: 'text/html' })).status, 404);
    assert.equal((await request(s.url, 'GET', '/ui/')).status, 404);
    assert.equal((await request(s.url, 'GET', '/ui/app.js')).status, 404);
    assert.equal((await request(s.url, 'GET', '/sim/v1/clock')).status, 200);
  } finally { await s.stop(); }
});

test('--token: the page loads without it (it asks for it), the API does not', async () => {
  const s = await start({ args: ['--token', 's3cret'] });
  try {
    assert.equal((await request(s.url, 'GET', '/', { accept: 'text/html' })).status, 200);
    assert.equal((await request(s.url, 'GET', '/ui/app.js')).status, 200);
    for (const p of ['/sim/v1/fixtures', '/sim/v1/evictions/tail', '/api/v1/pods', '/'])
      assert.equal((await request(s.url, 'GET', p)).status, 401, p);
    assert.equal((await request(s.url, 'POST', '/ui/app.js')).status, 401);
    const ok = await request(s.url, 'GET', '/sim/v1/fixtures', { headers: { Authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
  } finally { await s.stop(); }
});

test('/sim/v1/fixtures lists the lessons and scenarios; one of them comes parsed', async () => {
  const s = await start();
  try {
    const api = client(s.url);
    const list = (await api.get('/sim/v1/fixtures')).json.items;
    const lesson = list.find((i) => i.path === 'lessons/03-budget-of-zero.yaml');
    assert.deepEqual(lesson, { path: 'lessons/03-budget-of-zero.yaml', kind: 'lesson',
      title: 'Lesson 3: a budget of zero blocks every voluntary disruption.' });
    const sc = list.find((i) => i.path === 'scenarios/endless-429.yaml');
    assert.equal(sc.kind, 'scenario');
    assert.match(sc.title, /^minAvailable equal to replicas/);
    assert.equal(list.find((i) => i.path === 'scenarios/clusters/default-static.yaml').kind, 'cluster');

    const one = (await api.get('/sim/v1/fixtures/lessons/03-budget-of-zero.yaml')).json;
    const text = readFileSync(fixture('lessons/03-budget-of-zero.yaml'), 'utf8');
    assert.equal(one.header.split('\n')[0], 'Lesson 3: a budget of zero blocks every voluntary disruption.');
    assert.equal(one.header.split('\n').length, text.split('\n').filter((l) => l.startsWith('#')).length + 1);
    assert.deepEqual(one.objects.map((o) => `${o.kind}/${o.metadata.name}`),
      ['Node/node-1', 'Node/node-2', 'Deployment/frozen', 'PodDisruptionBudget/frozen']);
    const loaded = await api.load(JSON.stringify({ kind: 'List', apiVersion: 'v1', items: one.objects }));
    assert.equal(loaded.json.loaded, 4);

    const scen = (await api.get('/sim/v1/fixtures/scenarios/endless-429.yaml')).json;
    assert.equal(scen.scenario.name, 'endless-429');
    assert.equal(scen.scenario.steps[1].evict.pod, 'web-1');
    assert.equal((await api.get('/sim/v1/fixtures/lessons/nope.yaml')).status, 404);
    assert.equal((await api.post('/sim/v1/fixtures', {})).status, 405);
  } finally { await s.stop(); }
});

const evict = (api, pod) => api.post(`/api/v1/namespaces/default/pods/${pod}/eviction`,
  { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' } });

test('/sim/v1/evictions/tail: the entries from an index on, and the one before it', async () => {
  const s = await start({ args: ['--controllers=-replicaset,-deployment'],
    manifests: [fixture('scenarios/clusters/default-static.yaml')] });
  try {
    const api = client(s.url);
    assert.deepEqual((await api.get('/sim/v1/evictions/tail')).json, { length: 0, from: 0, prev: null, items: [] });
    await evict(api, 'web-5d8c7b9f4d-x2k9p');
    await evict(api, 'web-5d8c7b9f4d-m7q4t');
    await evict(api, 'nope');
    const all = (await api.get('/sim/v1/evictions')).json.items;
    const t0 = (await api.get('/sim/v1/evictions/tail?from=0')).json;
    assert.deepEqual(t0, { length: 3, from: 0, prev: null, items: all });
    const t2 = (await api.get('/sim/v1/evictions/tail?from=2')).json;
    assert.deepEqual(t2, { length: 3, from: 2, prev: all[1], items: [all[2]] });
    assert.equal(t2.prev.code, 429);
    assert.deepEqual((await api.get('/sim/v1/evictions/tail?from=3')).json.items, []);
    assert.deepEqual((await api.get('/sim/v1/evictions/tail?from=9')).json,
      { length: 3, from: 9, prev: null, items: [] });
    assert.equal((await api.get('/sim/v1/evictions/tail?from=-1')).status, 400);
    assert.equal((await api.get('/sim/v1/evictions/tail?from=x')).status, 400);
  } finally { await s.stop(); }
});

test('/sim/v1/clock/mode pauses the clock and lets it run again at a scale', async () => {
  const s = await start({ clock: 'manual' });
  try {
    const api = client(s.url);
    const run = await api.post('/sim/v1/clock/mode', { mode: 'real', scale: 1000 });
    assert.equal(run.status, 200);
    assert.deepEqual([run.json.mode, run.json.scale], ['real', 1000]);
    await new Promise((r) => setTimeout(r, 100));
    const moved = (await api.get('/sim/v1/clock')).json;
    assert.equal(moved.mode, 'real');
    assert.ok(Date.parse(moved.now) >= Date.parse('2025-01-01T00:01:00Z'), moved.now);
    assert.equal((await api.advance(1)).status, 400, 'a real clock is not advanced');
    const paused = (await api.post('/sim/v1/clock/mode', { mode: 'manual' })).json;
    assert.equal(paused.mode, 'manual');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await api.get('/sim/v1/clock')).json.now, paused.now, 'paused: time stands still');
    const adv = await api.advance(10);
    assert.equal(Date.parse(adv.json.now) - Date.parse(paused.now), 10000);
    for (const bad of [{}, { mode: 'sideways' }, { mode: 'real', scale: 0 }, { mode: 'real', scale: 'x' }])
      assert.equal((await api.post('/sim/v1/clock/mode', bad)).status, 400, JSON.stringify(bad));
    assert.equal((await api.get('/sim/v1/clock')).json.now, adv.json.now, 'a refused change changes nothing');
  } finally { await s.stop(); }
});

test('timers fire once a manual clock is switched to real', async () => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  try {
    const api = client(s.url);
    const healthy = async () => (await api.get('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web')).json.status.currentHealthy;
    assert.notEqual(await healthy(), 3); // on the manual clock the web pods never get Ready
    await api.post('/sim/v1/clock/mode', { mode: 'real', scale: 100 });
    // at 100x the web pods are Ready 3 virtual seconds on: 30 ms, or longer on a busy machine
    let n;
    for (let i = 0; i < 200 && (n = await healthy()) !== 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(n, 3);
  } finally { await s.stop(); }
});

test('--open: the URL on stderr and xdg-open called with it; the serving line unchanged', async () => {
  const { mkdtempSync, writeFileSync: write, chmodSync, readFileSync: read, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const bin = mkdtempSync(join(tmpdir(), 'evictsim-open-'));
  const opened = join(bin, 'opened');
  write(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > ${opened}\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const { spawn } = await import('node:child_process');
  const { binary } = await import('../lib/server.mjs');
  const run = (args) => new Promise((resolve) => {
    const p = spawn(binary, ['--listen', '127.0.0.1:0', ...args], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const t = setInterval(() => {
      if (out.includes('serving on') && (!args.includes('--open') || existsSync(opened) || err.includes('off'))) {
        clearInterval(t);
        setTimeout(() => p.kill('SIGTERM'), 50);
      }
    }, 10);
    p.on('exit', (code) => resolve({ code, out, err }));
  });
  const r = await run(['--open']);
  assert.equal(r.code, 0);
  const url = r.out.match(/^evictsim: serving on (http:\/\/127\.0\.0\.1:\d+)\n$/)[1];
  assert.equal(r.err, `evictsim: web view at ${url}/\n`);
  assert.equal(read(opened, 'utf8'), `${url}/\n`);
  const off = await run(['--open', '--no-ui']);
  assert.equal(off.err, 'evictsim: --open: the web view is off (--no-ui)\n');
  const quiet = await run([]);
  assert.equal(quiet.err, '', 'without --open: nothing on stderr');
});
