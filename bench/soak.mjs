// soak: a long run of the default cluster under a mixed load, checking what
// must hold all along and reporting memory. Used by `make bench` (10 minutes)
// and, shortened, by tests/http/soak.test.mjs.
//
//   node bench/soak.mjs [--seconds 600] [--rate 42] [--drains 50] [--json]
//   EVICTSIM=path/to/binary (default: build/evictsim)
//
// Load, all at once for --seconds of wall time, the server on a real clock
// at --time-scale 30:
//  - evictions of random pods of the default namespace at --rate per second
//    (a third dry-run), each answered 201, 429 or 404 (a pod that just went);
//  - --drains kubectl drains spread over the run (node-1..3 in turn, then
//    uncordon), when kubectl is on the PATH;
//  - one watch of every pod, whose events must come in resourceVersion order;
//  - junk: bad paths, bodies and methods, each answered with a Status.
// Checked all along (a failure is printed and the exit status is 1):
//  - budgets: the pods of each PDB that are Ready and not terminating are
//    never fewer than it allows (web: minAvailable 2; db: 3 - maxUnavailable 1);
//  - the watch's resourceVersions only grow;
//  - every answer has an expected code.
// Reported: RSS every second (peak, the second half's lowest and highest),
// the eviction log's length, and the requests of each kind.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { start, request, watchLines } from '../tests/lib/server.mjs';

const arg = (k, d) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1] : d;
};

export async function soak({ seconds = 600, rate = 42, drains = 50, log = () => {} } = {}) {
  const srv = await start({ clock: 'real', args: ['--time-scale', '30'], manifests: [new URL('../fixtures/default.yaml', import.meta.url).pathname] });
  const base = srv.url;
  const failures = [];
  const fail = (what) => { if (failures.length < 20) failures.push(what); };
  const counts = { evict: 0, created: 0, refused: 0, gone: 0, junk: 0, drains: 0, drainFailures: 0, watchEvents: 0, samples: 0 };
  const rss = [];
  let end = Date.now() + seconds * 1000;
  const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

  // memory, every second
  const rssOf = () => Number((readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/) || [])[1] || 0);
  const mem = setInterval(() => { try { rss.push(rssOf()); } catch { /* gone */ } }, 1000);
  // under AddressSanitizer (make asan) memory means something else
  const asan = /asan/.test(readFileSync(`/proc/${srv.proc.pid}/maps`, 'utf8'));

  // the watch
  const ctl = new AbortController();
  let lastRv = 0;
  // from a list's resourceVersion, so that every event is a change (a watch
  // without one starts with the objects as ADDED events, in name order)
  const listRv = (await request(base, 'GET', '/api/v1/pods')).json.metadata.resourceVersion;
  lastRv = Number(listRv);
  const watching = (async () => {
    for await (const line of watchLines(`${base}/api/v1/pods?watch=1&resourceVersion=${listRv}`, ctl.signal)) {
      const ev = JSON.parse(line);
      counts.watchEvents++;
      const rv = Number(ev.object?.metadata?.resourceVersion);
      if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') {
        if (!(rv > lastRv)) fail(`watch: resourceVersion ${rv} after ${lastRv} (${ev.type})`);
        lastRv = rv;
      }
    }
  })().catch((e) => { if (e.name !== 'AbortError') fail(`watch: ${e.message}`); });

  const pods = async () => (await request(base, 'GET', '/api/v1/namespaces/default/pods')).json?.items ?? [];
  const ready = (p) => !p.metadata.deletionTimestamp &&
    (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

  // budgets, checked on every sample of the pods
  const budgets = [{ app: 'web', min: 2 }, { app: 'db', min: 2 }];
  const checkBudgets = (items) => {
    counts.samples++;
    for (const b of budgets) {
      const n = items.filter((p) => p.metadata.labels?.app === b.app && ready(p)).length;
      if (n < b.min) fail(`budget ${b.app}: ${n} ready pods, at least ${b.min} allowed`);
    }
  };

  // evictions
  const evictLoop = async () => {
    let names = [];
    while (Date.now() < end) {
      const t0 = Date.now();
      const items = await pods();
      checkBudgets(items);
      names = items.map((p) => p.metadata.name);
      for (let i = 0; i < rate && names.length; i++) {
        const name = names[Math.floor(Math.random() * names.length)];
        const dry = Math.random() < 1 / 3;
        const r = await request(base, 'POST', `/api/v1/namespaces/default/pods/${name}/eviction${dry ? '?dryRun=All' : ''}`,
          { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } } });
        counts.evict++;
        if (r.status === 201) counts.created++;
        else if (r.status === 429) counts.refused++;
        else if (r.status === 404) counts.gone++;
        else fail(`eviction of ${name}: ${r.status} ${r.text.slice(0, 200)}`);
      }
      const wait = 1000 - (Date.now() - t0);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
  };

  // junk
  const junk = [
    ['GET', '/api/v1/namespaces/default/nopes'], ['POST', '/api/v1/namespaces/default/pods', '{"kind":'],
    ['PUT', '/api/v1/nodes/node-9', '[]'], ['DELETE', '/sim/v1/faults/nope'], ['PATCH', '/api/v1/nodes/node-1', 'x'],
    ['POST', '/api/v1/namespaces/default/pods/x/eviction', '{"metadata":{"name":"y"}}'],
  ];
  const junkLoop = async () => {
    while (Date.now() < end) {
      const [m, p, b] = junk[counts.junk % junk.length];
      const r = await request(base, m, p, b === undefined ? {} : { body: b });
      counts.junk++;
      if (r.status < 400 || r.json?.kind !== 'Status') fail(`junk ${m} ${p}: ${r.status}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  };

  // kubectl drains, spread over the run
  const drainLoop = async () => {
    if (!hasKubectl || drains <= 0) return;
    const every = (seconds * 1000) / drains;
    for (let i = 0; i < drains && Date.now() < end; i++) {
      const t0 = Date.now();
      const node = `node-${(i % 3) + 1}`;
      const run = (args) => new Promise((res) => {
        const k = spawn('kubectl', ['--kubeconfig', srv.kubeconfig, ...args], { stdio: 'ignore' });
        k.on('exit', (code) => res(code));
      });
      const code = await run(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=20s']);
      counts.drains++;
      if (code !== 0) counts.drainFailures++;
      await run(['uncordon', node]);
      const wait = every - (Date.now() - t0);
      if (wait > 0) await new Promise((res) => setTimeout(res, Math.min(wait, end - Date.now())));
    }
  };

  // the load starts once every budget is met (the pods start on the clock)
  for (let i = 0; i < 300; i++) {
    const items = await pods();
    if (budgets.every((b) => items.filter((p) => p.metadata.labels?.app === b.app && ready(p)).length >= b.min)) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  end = Date.now() + seconds * 1000;
  await Promise.all([evictLoop(), junkLoop(), drainLoop()]);
  ctl.abort();
  await watching;
  clearInterval(mem);
  const logRes = await request(base, 'GET', '/sim/v1/evictions');
  const logLen = logRes.json?.items?.length ?? 0;
  const kinds = {};
  for (const o of (await request(base, 'GET', '/sim/v1/snapshot')).json?.items ?? []) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  try { rss.push(rssOf()); } catch { /* gone */ }
  await srv.stop();
  const half = rss.slice(Math.floor(rss.length / 2));
  const result = {
    seconds, asan, ...counts, logEntries: logLen, logBytes: logRes.text.length, objects: kinds,
    rssPeakKiB: Math.max(...rss), rssStartKiB: rss[0],
    rssSecondHalfMinKiB: Math.min(...half), rssSecondHalfMaxKiB: Math.max(...half),
    rssSeriesKiB: rss.filter((_, i) => i % Math.max(1, Math.floor(rss.length / 20)) === 0),
    failures,
  };
  log(result);
  return result;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const r = await soak({ seconds: Number(arg('seconds', 600)), rate: Number(arg('rate', 42)), drains: Number(arg('drains', 50)) });
  console.log(JSON.stringify(r));
  process.exit(r.failures.length ? 1 : 0);
}
