// Invariants under load (issue 8): many concurrent clients mix creates,
// updates, deletes, evictions (real and dry-run), reads and watches for a
// bounded time; then
//  - no PDB ever allowed more evictions than its budget,
//  - resourceVersions strictly increase on every watch stream,
//  - every watcher saw every change to its resources, in order (its events
//    replayed over its starting list give the final list, object by object,
//    resourceVersion by resourceVersion),
//  - no request got a malformed response,
//  - memory (VmRSS of the server) comes back near its level once the churn is
//    deleted, and a second identical round does not grow it further.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, request, binary, watchLines } from '../lib/server.mjs';

const NS = 'stress';
const GROUPS = ['g0', 'g1', 'g2', 'g3'];
const PODS_PER_GROUP = 6;
const MIN_AVAILABLE = 3; // budget: 3 evictions per group
const WORKERS = 16;
const SECONDS = Number(process.env.STRESS_SECONDS || 3);

let srv;
const malformed = [];
let requests = 0;

// Every answer must be JSON; an error must be a Status carrying its code.
async function call(method, path, body, type) {
  const r = await request(srv.url, method, path, { body, type });
  requests++;
  const ok = r.json !== undefined && r.headers.get('content-type') === 'application/json' &&
    (r.status < 400 || (r.json.kind === 'Status' && r.json.status === 'Failure' && r.json.code === r.status));
  if (!ok) malformed.push(`${method} ${path} -> ${r.status} ${r.text.slice(0, 200)}`);
  return r;
}

const pod = (name, labels, extra = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels },
  spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'nginx' }] }, ...extra,
});

function fixture() {
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } },
  ];
  for (const g of GROUPS) {
    for (let i = 0; i < PODS_PER_GROUP; i++) {
      docs.push(pod(`${g}-p${i}`, { group: g, role: 'protected' },
        { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }));
    }
    docs.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: `${g}-pdb`, namespace: NS },
      spec: { minAvailable: MIN_AVAILABLE, selector: { matchLabels: { group: g, role: 'protected' } } } });
  }
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}

// A watch stream read line by line; events kept in arrival order.
function watch(path) {
  const w = { events: [], errors: [], ctrl: new AbortController(), waiters: [] };
  w.done = (async () => {
    try {
      for await (const line of watchLines(srv.url + path, w.ctrl.signal)) {
        let ev;
        try { ev = JSON.parse(line); } catch { w.errors.push(`malformed watch line: ${line.slice(0, 200)}`); continue; }
        w.events.push(ev);
        w.waiters = w.waiters.filter((f) => !f(ev));
      }
    } catch (e) {
      if (e.name !== 'AbortError') w.errors.push(e.message.startsWith('watch ') ? e.message : `watch ${path}: ${e.message}`);
    }
  })();
  w.until = (pred, ms = 10000) => new Promise((resolve, reject) => {
    if (w.events.some(pred)) return resolve();
    const t = setTimeout(() => reject(new Error(`watch ${path}: timed out`)), ms);
    w.waiters.push((ev) => { if (pred(ev)) { clearTimeout(t); resolve(); return true; } return false; });
  });
  return w;
}

const rss = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
};
const sanitized = readFileSync(binary).includes('AddressSanitizer');

before(async () => {
  srv = await start();
  const r = await call('POST', '/sim/v1/load', fixture(), 'application/yaml');
  assert.equal(r.status, 200, r.text);
});
after(async () => {
  const e = await srv.stop();
  assert.equal(e.code, 0, `evictsim exited ${e.code} ${e.signal}: ${srv.stderr().slice(-2000)}`);
});

const pick = (a) => a[Math.floor(Math.random() * a.length)];

// One round of churn: WORKERS loops for SECONDS; returns the real evictions
// that succeeded, by group.
async function churn(round, { evict = true } = {}) {
  const evicted = Object.fromEntries(GROUPS.map((g) => [g, new Set()]));
  const deadline = Date.now() + SECONDS * 1000;
  let n = 0;
  const worker = async (id) => {
    const mine = [];
    while (Date.now() < deadline) {
      const op = Math.random();
      if (op < 0.3 || mine.length === 0) {
        const name = `r${round}-w${id}-${n++}`;
        const g = pick(GROUPS);
        const r = await call('POST', `/api/v1/namespaces/${NS}/pods`, pod(name, { group: g, role: 'churn' }));
        if (r.status === 201) mine.push(name);
      } else if (op < 0.5) {
        await call('PATCH', `/api/v1/namespaces/${NS}/pods/${pick(mine)}`,
          { metadata: { annotations: { touched: String(Date.now()) } } }, 'application/merge-patch+json');
      } else if (op < 0.6) {
        const cur = await call('GET', `/api/v1/namespaces/${NS}/pods/${pick(mine)}`);
        if (cur.status === 200) {
          cur.json.metadata.annotations = { ...cur.json.metadata.annotations, put: String(n) };
          await call('PUT', `/api/v1/namespaces/${NS}/pods/${cur.json.metadata.name}`, cur.json);
        }
      } else if (op < 0.75) {
        const name = mine.splice(Math.floor(Math.random() * mine.length), 1)[0];
        await call('DELETE', `/api/v1/namespaces/${NS}/pods/${name}?gracePeriodSeconds=0`);
      } else if (op < 0.9 && evict) {
        const g = pick(GROUPS);
        const name = `${g}-p${Math.floor(Math.random() * PODS_PER_GROUP)}`;
        const dry = Math.random() < 0.3;
        const r = await call('POST', `/api/v1/namespaces/${NS}/pods/${name}/eviction${dry ? '?dryRun=All' : ''}`,
          { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS } });
        if (r.status === 201 && !dry) evicted[g].add(name);
        else if (![201, 429].includes(r.status)) malformed.push(`eviction ${name}: unexpected ${r.status} ${r.text.slice(0, 200)}`);
      } else {
        await call('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=role%3Dchurn`);
      }
    }
    return mine;
  };
  const left = (await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)))).flat();
  // delete what is left of the churn
  for (const name of left) await call('DELETE', `/api/v1/namespaces/${NS}/pods/${name}?gracePeriodSeconds=0`);
  return evicted;
}

async function list(selector) {
  const r = await call('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(selector)}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('concurrent clients: budgets hold, watchers see every change in order, responses well formed', async (t) => {
  // every protected pod healthy, every budget at PODS_PER_GROUP - MIN_AVAILABLE
  for (const g of GROUPS) {
    const r = await call('GET', `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${g}-pdb`);
    assert.equal(r.json.status?.disruptionsAllowed, PODS_PER_GROUP - MIN_AVAILABLE, JSON.stringify(r.json.status));
  }
  const evictionsExist = (await call('POST', `/api/v1/namespaces/${NS}/pods/none/eviction`,
    { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'none' } })).status === 404;
  if (!evictionsExist) t.diagnostic('the eviction endpoint does not exist yet: the eviction part is skipped');

  // watchers: one per group, one on the whole namespace; each from its list's RV
  const watchers = [];
  for (const sel of [...GROUPS.map((g) => `group=${g}`), '']) {
    const start = await list(sel);
    const q = sel ? `&labelSelector=${encodeURIComponent(sel)}` : '';
    const w = watch(`/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${start.metadata.resourceVersion}${q}`);
    w.sel = sel;
    w.start = start;
    watchers.push(w);
  }

  const evicted = await churn(1, { evict: evictionsExist });

  // a sentinel per group: once a watcher sees it, it has seen everything before it
  for (const g of GROUPS) {
    const r = await call('POST', `/api/v1/namespaces/${NS}/pods`, pod(`sentinel-${g}`, { group: g, role: 'sentinel' }));
    assert.equal(r.status, 201, r.text);
  }
  for (const w of watchers) {
    const last = w.sel ? `sentinel-${w.sel.slice(6)}` : `sentinel-${GROUPS[GROUPS.length - 1]}`;
    await w.until((ev) => ev.type === 'ADDED' && ev.object?.metadata?.name === last);
  }

  // budgets: never more distinct pods evicted than the budget allowed
  for (const g of GROUPS) {
    assert.ok(evicted[g].size <= PODS_PER_GROUP - MIN_AVAILABLE, `${g}: ${evicted[g].size} evictions succeeded`);
    const pods = (await list(`group=${g},role=protected`)).items;
    const gone = PODS_PER_GROUP - pods.filter((p) => !p.metadata.deletionTimestamp).length;
    assert.ok(gone <= PODS_PER_GROUP - MIN_AVAILABLE, `${g}: ${gone} protected pods are being deleted or gone`);
    assert.ok(gone >= evicted[g].size, `${g}: ${evicted[g].size} evicted but only ${gone} terminating`);
  }
  t.diagnostic(`evicted: ${GROUPS.map((g) => `${g}=${evicted[g].size}`).join(' ')}; watch events: ${watchers.map((w) => w.events.length).join(' ')}; requests: ${requests}`);
  if (evictionsExist) {
    const total = GROUPS.reduce((s, g) => s + evicted[g].size, 0);
    assert.ok(total > 0, 'no eviction succeeded at all: the workload did not exercise the budgets');
  }

  // watchers: RVs strictly increase; replayed events give the final list
  for (const w of watchers) {
    assert.deepEqual(w.errors, []);
    let prev = BigInt(w.start.metadata.resourceVersion);
    const state = new Map(w.start.items.map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    for (const ev of w.events) {
      assert.ok(['ADDED', 'MODIFIED', 'DELETED'].includes(ev.type), `watch ${w.sel}: event ${ev.type} ${JSON.stringify(ev.object).slice(0, 200)}`);
      const rv = BigInt(ev.object.metadata.resourceVersion);
      assert.ok(rv > prev, `watch ${w.sel}: resourceVersion ${rv} after ${prev}`);
      prev = rv;
      const name = ev.object.metadata.name;
      if (w.sel) assert.equal(ev.object.metadata.labels.group, w.sel.slice(6), `watch ${w.sel} got ${name}`);
      if (ev.type === 'ADDED') assert.ok(!state.has(name), `watch ${w.sel}: ADDED ${name} twice`);
      else assert.ok(state.has(name), `watch ${w.sel}: ${ev.type} ${name} before ADDED`);
      if (ev.type === 'DELETED') state.delete(name);
      else state.set(name, ev.object.metadata.resourceVersion);
    }
    const final = await list(w.sel);
    const want = new Map(final.items.map((p) => [p.metadata.name, p.metadata.resourceVersion]));
    assert.deepEqual([...state].sort(), [...want].sort(), `watch ${w.sel}: replayed events differ from the final list`);
    w.ctrl.abort();
  }
  await Promise.all(watchers.map((w) => w.done));
  assert.deepEqual(malformed, []);
});

test('memory returns near its level once the churn is deleted', async (t) => {
  const churnLeft = async () => (await list('role=churn')).items.length;
  const base = rss();
  await churn(2, { evict: false });
  assert.equal(await churnLeft(), 0);
  const r1 = rss();
  await churn(3, { evict: false });
  assert.equal(await churnLeft(), 0);
  const r2 = rss();
  const mb = (x) => `${(x / 1048576).toFixed(1)} MiB`;
  // generous: allocator caches (and ASan's quarantine) keep freed memory
  t.diagnostic(`VmRSS: start ${mb(base)}, after round 2 ${mb(r1)}, after round 3 ${mb(r2)}${sanitized ? ' (ASan build)' : ''}`);
  const slack = sanitized ? 512 * 1048576 : 64 * 1048576;
  assert.ok(r1 <= base + slack, `after round 1: ${mb(r1)} from ${mb(base)}`);
  assert.ok(r2 <= r1 + (sanitized ? 256 : 32) * 1048576, `round 2 grew the server from ${mb(r1)} to ${mb(r2)}`);
  assert.deepEqual(malformed, []);
});
