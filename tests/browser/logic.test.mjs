// Unit tests of the page script's logic (server/ui/logic.js), in node: no
// browser, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/server.mjs';
import {
  podView, selectorMatches, selectorText, pdbView, coveredPods, watchLines, applyWatchEvent, mergeTail,
  parseDuration, goDuration, shellWords, lessonSteps, scenarioStep, drainFilter, drain, drainCommand, labelSelectorValid, shortWhy,
} from '../../server/ui/logic.js';

const pod = (name, { phase = 'Running', ready = true, node = 'node-1', labels = { app: 'web' }, deleting, owner, volumes, ns = 'default', uid } = {}) => ({
  metadata: { name, namespace: ns, labels, uid: uid || `uid-${name}`, ...(deleting ? { deletionTimestamp: deleting } : {}),
    ...(owner ? { ownerReferences: [{ kind: owner, name: 'x', controller: true }] } : {}) },
  spec: { ...(node ? { nodeName: node } : {}), ...(volumes ? { volumes } : {}) },
  status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

test('podView: a word and a symbol for each state; a terminating pod counts down in virtual time', () => {
  const now = Date.parse('2025-01-01T00:00:10Z') / 1000;
  assert.deepEqual(podView(pod('a'), now), { key: 'ready', word: 'Ready', symbol: '●' });
  assert.equal(podView(pod('a', { ready: false }), now).word, 'Running, not ready');
  assert.equal(podView(pod('a', { phase: 'Pending', node: null }), now).word, 'Pending (unscheduled)');
  assert.equal(podView(pod('a', { phase: 'Pending' }), now).key, 'pending');
  assert.equal(podView(pod('a', { phase: 'Succeeded' }), now).key, 'succeeded');
  assert.equal(podView(pod('a', { phase: 'Failed' }), now).symbol, '✖');
  const t = podView(pod('a', { deleting: '2025-01-01T00:00:40Z' }), now);
  assert.deepEqual(t, { key: 'terminating', word: 'Terminating', symbol: '⊖', left: 30 });
  assert.equal(podView(pod('a', { deleting: '2025-01-01T00:00:05Z' }), now).left, 0, 'past its grace: 0, not negative');
  const symbols = ['Running', 'Pending', 'Succeeded', 'Failed'].map((phase) => podView(pod('a', { phase, ready: false }), now).symbol);
  assert.equal(new Set([...symbols, '●', '⊖']).size, 6, 'every state has its own symbol');
});

test('selectors: matchLabels and matchExpressions; {} selects all, null nothing', () => {
  const l = { app: 'web', tier: 'front' };
  assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, l), true);
  assert.equal(selectorMatches({ matchLabels: { app: 'db' } }, l), false);
  assert.equal(selectorMatches({}, l), true);
  assert.equal(selectorMatches(null, l), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, l), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, l), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, l), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Exists' }] }, l), false);
  assert.equal(selectorText({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'Exists' }] }), 'app=web,x');
  assert.equal(selectorText({}), '{} (every pod in the namespace)');
});

test('pdbView: the numbers and the eviction log\'s wording of them', () => {
  const pdb = { metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    status: { observedGeneration: 1, expectedPods: 4, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 } };
  const pods = [pod('web-b', { deleting: '2025-01-01T00:00:40Z' }), pod('web-a'), pod('web-c', { ready: false }), pod('web-d'),
    pod('db-0', { labels: { app: 'db' } }), pod('web-x', { ns: 'other' })];
  const covered = coveredPods(pdb, pods);
  assert.deepEqual(covered.map((p) => p.metadata.name), ['web-b', 'web-a', 'web-c', 'web-d']);
  const v = pdbView(pdb, covered);
  // the same text as the 429's explanation up to "→ refused" (README, "Every eviction answer")
  assert.equal(v.text, 'PDB web: minAvailable 2 of 4 expected; 2 healthy (web-b terminating, web-c not ready); desired 2 → 0 disruptions allowed');
  assert.deepEqual([v.expected, v.healthy, v.desired, v.allowed, v.stale], [4, 2, 2, 0, false]);
  const one = pdbView({ ...pdb, spec: { maxUnavailable: '10%', selector: {} }, status: { ...pdb.status, disruptionsAllowed: 1 } }, []);
  assert.equal(one.text, 'PDB web: maxUnavailable 10% of 4 expected; 2 healthy; desired 2 → 1 disruption allowed');
  assert.equal(pdbView({ ...pdb, metadata: { ...pdb.metadata, generation: 2 } }).stale, true);
  const many = Array.from({ length: 7 }, (_, i) => pod(`w${i}`, { ready: false }));
  assert.match(pdbView(pdb, many).text, /\(w0 not ready, w1 not ready, w2 not ready, w3 not ready, w4 not ready, 2 more\)/);
});

test('watch lines: split at newlines, the rest kept; events applied; ERROR asks for a new list', () => {
  const a = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', namespace: 'd', resourceVersion: '5' } } });
  const b = JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'a', namespace: 'd', resourceVersion: '6' } } });
  const { events, rest } = watchLines(`${a}\n${b}\n{"type":"MOD`);
  assert.equal(events.length, 2);
  assert.equal(rest, '{"type":"MOD');
  const m = new Map();
  assert.equal(applyWatchEvent(m, events[0]), '5');
  assert.deepEqual([...m.keys()], ['d/a']);
  assert.equal(applyWatchEvent(m, events[1]), '6');
  assert.equal(m.size, 0);
  assert.equal(applyWatchEvent(m, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }), '9');
  assert.equal(applyWatchEvent(m, { type: 'ERROR', object: { kind: 'Status', code: 410 } }), null);
});

test('mergeTail: appends what follows; starts over when the log dropped its oldest', () => {
  const e = (i) => ({ pod: `p${i}`, code: 201 });
  assert.deepEqual(mergeTail([], { from: 0, prev: null, items: [e(0), e(1)] }), [e(0), e(1)]);
  assert.deepEqual(mergeTail([e(0), e(1)], { from: 2, prev: e(1), items: [e(2)] }), [e(0), e(1), e(2)]);
  assert.equal(mergeTail([e(0), e(1)], { from: 2, prev: e(5), items: [] }), null);
  assert.equal(mergeTail([e(0)], { from: 2, prev: e(1), items: [] }), null);
});

test('durations: Go\'s forms both ways', () => {
  assert.equal(parseDuration('20s'), 20);
  assert.equal(parseDuration('1m30s'), 90);
  assert.equal(parseDuration('2h'), 7200);
  assert.equal(parseDuration('45'), 45);
  assert.ok(Number.isNaN(parseDuration('soon')));
  assert.ok(Number.isNaN(parseDuration('5s and more')));
  assert.deepEqual([5, 60, 90, 3600].map(goDuration), ['5s', '1m0s', '1m30s', '1h0m0s']);
});

test('shellWords: quotes kept together, quotes removed', () => {
  assert.deepEqual(shellWords(`patch pdb frozen --type=merge -p '{"spec":{"maxUnavailable":1}}'`),
    ['patch', 'pdb', 'frozen', '--type=merge', '-p', '{"spec":{"maxUnavailable":1}}']);
  assert.deepEqual(shellWords(`a "b c" ''`), ['a', 'b c', '']);
});

const header = (file) => readFileSync(join(root, 'fixtures', file), 'utf8').split('\n')
  .filter((l) => l.startsWith('#')).map((l) => l.replace(/^# ?/, '')).join('\n');

test('lessonSteps: every lesson gives steps; lesson 3\'s in detail', () => {
  for (const f of readdirSync(join(root, 'fixtures/lessons'))) {
    const l = lessonSteps(header(`lessons/${f}`));
    assert.match(l.title, /^Lesson \d+: /, f);
    assert.ok(l.steps.length >= 1, `${f}: no step`);
  }
  const l3 = lessonSteps(header('lessons/03-budget-of-zero.yaml'));
  assert.deepEqual(l3.run, []);
  assert.deepEqual(l3.steps.map((s) => s.type), ['look', 'drain', 'patch', 'drain']);
  assert.deepEqual(l3.steps[1].opts, { ignoreDaemonSets: true, deleteEmptyDirData: false, force: false, timeout: 20 });
  assert.deepEqual(l3.steps[2], { label: 'kubectl patch pdb frozen --type=merge -p \'{"spec":{"maxUnavailable":1}}\'',
    namespace: 'default', type: 'patch', resource: 'poddisruptionbudgets', names: ['frozen'], patchType: 'merge',
    patch: { spec: { maxUnavailable: 1 } } });
  assert.equal(l3.steps[3].opts.timeout, 0);
  const l1 = lessonSteps(header('lessons/01-min-available-vs-max-unavailable.yaml'));
  assert.deepEqual(l1.steps[1].names, ['a', 'b']);
  assert.equal(l1.steps[1].resource, 'deployments');
  const l6 = lessonSteps(header('lessons/06-empty-selector.yaml'));
  assert.equal(l6.steps[0].namespace, 'shop');
  assert.deepEqual(lessonSteps(header('lessons/09-stale-pdb-status.yaml')).run, ['--pdb-sync-delay', '30']);
  const l5 = lessonSteps(header('lessons/05-two-pdbs-one-pod.yaml'));
  assert.deepEqual(l5.steps[1].names, ['everything-in-tier'], 'a command in parentheses ends at the parenthesis');
});

test('scenarioStep: each step of the scenarios as a runnable step', () => {
  assert.deepEqual(scenarioStep({ evict: { pod: 'web-1' }, expect: { code: 429 } }),
    { label: 'evict {"pod":"web-1"}', note: '', expect: { code: 429 }, type: 'evict', namespace: 'default', pod: 'web-1', dryRun: false });
  assert.equal(scenarioStep({ advance: '1m30s' }).seconds, 90);
  assert.deepEqual(scenarioStep({ drain: { node: 'node-1', force: true, timeout: '90s' } }).opts,
    { ignoreDaemonSets: false, deleteEmptyDirData: false, force: true, timeout: 90 });
  assert.equal(scenarioStep({ delete: { kind: 'PodDisruptionBudget', name: 'backend' } }).resource, 'poddisruptionbudgets');
  assert.deepEqual(scenarioStep({ patch: { name: 'w', patch: { metadata: { finalizers: null } } } }).patch, { metadata: { finalizers: null } });
  assert.equal(scenarioStep({ uncordon: 'node-1' }).type, 'uncordon');
  assert.equal(scenarioStep({ fault: 'clear' }).rule, 'clear');
  assert.equal(scenarioStep({ note: 'n', expect: { pdb: {} } }).type, 'note');
});

test('drainFilter: kubectl\'s filters and messages, the last status winning', () => {
  const all = { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true };
  const ds = pod('log', { owner: 'DaemonSet' });
  assert.deepEqual(drainFilter(ds, all, () => true), { kind: 'warn', del: false, msg: 'ignoring DaemonSet-managed Pods' });
  assert.equal(drainFilter(ds, {}, () => true).msg, 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)');
  assert.deepEqual(drainFilter(ds, all, () => false), { kind: 'warn', del: true, msg: 'daemonsets.apps "x" not found' });
  const bare = pod('debug');
  assert.deepEqual(drainFilter(bare, all, () => true), { kind: 'warn', del: true, msg: 'deleting Pods that declare no controller' });
  assert.equal(drainFilter(bare, {}, () => true).msg, 'cannot delete Pods that declare no controller (use --force to override)');
  const web = pod('web', { owner: 'ReplicaSet', volumes: [{ name: 'tmp', emptyDir: {} }] });
  assert.deepEqual(drainFilter(web, all, () => true), { kind: 'ok', del: true, msg: '' }, 'the local-storage warning is replaced');
  assert.equal(drainFilter(web, { force: true }, () => true).msg, 'Pods with local storage (use --delete-emptydir-data to override)');
  assert.equal(drainFilter(pod('done', { phase: 'Succeeded' }), {}, () => true).kind, 'ok');
  assert.equal(shortWhy(429, { details: { causes: [{ message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] } }, 'web'),
    'PDB web: 2 healthy, needs 2');
  assert.equal(shortWhy(201, {}, null), 'no PDB');
});

// A fake cluster on a virtual clock: one budget allowing one disruption, a
// replacement Ready 3 s after an eviction, each evicted pod gone after 30 s.
function fakeCluster() {
  let now = 100;
  const waiters = [];
  const pods = new Map([['web-1', pod('web-1', { owner: 'ReplicaSet' })], ['web-2', pod('web-2', { owner: 'ReplicaSet' })],
    ['log', pod('log', { owner: 'DaemonSet' })], ['debug', pod('debug')]]);
  const node = { metadata: { name: 'node-1' }, spec: {} };
  let allowed = 1;
  const gone = new Map(), ready = [];
  const clock = {
    now: () => now,
    until: (t) => new Promise((r) => waiters.push({ t, r })),
    // moves to the next wake-up, as a learner pressing +1 s would
    async step() {
      waiters.sort((a, b) => a.t - b.t);
      const w = waiters.shift();
      if (!w) return false;
      now = Math.max(now, w.t);
      for (const [name, at] of gone) if (now >= at) { pods.delete(name); gone.delete(name); }
      for (const at of ready.splice(0)) if (now >= at) allowed++; else ready.push(at);
      w.r();
      await new Promise((r) => setImmediate(r));
      return true;
    },
  };
  const api = {
    node: async () => node,
    cordon: async () => { node.spec.unschedulable = true; return { status: 200 }; },
    podsOn: async () => [...pods.values()],
    daemonSetExists: async () => true,
    evict: async (ns, name) => {
      const p = pods.get(name);
      const budgeted = name.startsWith('web');
      if (budgeted && allowed <= 0) {
        return { status: 429, json: { message: "Cannot evict pod as it would violate the pod's disruption budget.",
          details: { causes: [{ message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] } } };
      }
      if (budgeted) { allowed--; ready.push(now + 3); }
      p.metadata.deletionTimestamp = 'x';
      gone.set(name, now + 30);
      return { status: 201, json: { status: 'Success' } };
    },
    lastEviction: async (ns, name) => ({ pdb: name.startsWith('web') ? 'web' : null }),
    pod: async (ns, name) => pods.get(name) || null,
  };
  return { clock, api, node };
}

test('drain: kubectl\'s output and a timeline in virtual time, the 429 retried 5 s later', async () => {
  const { clock, api, node } = fakeCluster();
  const lines = [];
  const done = drain({ api, clock, node: 'node-1', opts: { ignoreDaemonSets: true, force: true },
    out: (l, kind) => lines.push([kind, l]) });
  let result;
  done.then((r) => { result = r; });
  for (let i = 0; i < 200 && !result; i++) { await new Promise((r) => setImmediate(r)); if (!result) await clock.step(); }
  assert.equal(result.outcome, 'drained');
  assert.equal(node.spec.unschedulable, true);
  const out = lines.filter(([k]) => k !== 'info').map(([, l]) => l);
  assert.deepEqual(out, [
    'node/node-1 cordoned',
    'Warning: ignoring DaemonSet-managed Pods: default/log; deleting Pods that declare no controller: default/debug',
    'evicting pod default/web-1',
    'evicting pod default/web-2',
    'evicting pod default/debug',
    'error when evicting pods/"web-2" -n "default" (will retry after 5s): Cannot evict pod as it would violate the pod\'s disruption budget.',
    'evicting pod default/web-2',
    'pod/web-1 evicted',
    'pod/debug evicted',
    'pod/web-2 evicted',
    'node/node-1 drained',
  ]);
  const tl = lines.filter(([k]) => k === 'info').map(([, l]) => l);
  assert.ok(tl.includes('t=+0s evict default/web-2 → 429 (PDB web: 2 healthy, needs 2)'), tl.join('\n'));
  assert.ok(tl.includes('t=+5s evict default/web-2 → 201 (allowed by PDB web)'), tl.join('\n'));
  assert.ok(tl.includes('t=+35s node/node-1 drained'), tl.join('\n'));
});

test('drain: a timeout gives up on a pod that stays refused, with kubectl\'s lines', async () => {
  const { clock, api } = fakeCluster();
  api.evict = async () => ({ status: 429, json: { message: "Cannot evict pod as it would violate the pod's disruption budget." } });
  api.podsOn = async () => [pod('web-1', { owner: 'ReplicaSet' })];
  const lines = [];
  let result;
  drain({ api, clock, node: 'node-1', opts: { timeout: 12 }, out: (l, k) => k !== 'info' && lines.push(l) }).then((r) => { result = r; });
  for (let i = 0; i < 100 && !result; i++) { await new Promise((r) => setImmediate(r)); if (!result) await clock.step(); }
  assert.equal(result.outcome, 'failed');
  assert.equal(lines.filter((l) => l.includes('will retry after 5s')).length, 3, '+0s, +5s, +10s');
  assert.deepEqual(lines.slice(-7), [
    'error when evicting pods/"web-1" -n "default": global timeout reached: 12s',
    'There are pending pods in node "node-1" when an error occurred: error when evicting pods/"web-1" -n "default": global timeout reached: 12s',
    'pod/web-1',
    'error: unable to drain node "node-1" due to error: error when evicting pods/"web-1" -n "default": global timeout reached: 12s, continuing command...',
    'There are pending nodes to be drained:',
    ' node-1',
    'error when evicting pods/"web-1" -n "default": global timeout reached: 12s',
  ]);
});

test('drain: a pod the filters refuse stops the drain before any eviction', async () => {
  const { clock, api } = fakeCluster();
  let evicted = 0;
  api.evict = async () => { evicted++; return { status: 201 }; };
  const lines = [];
  const r = await drain({ api, clock, node: 'node-1', opts: {}, out: (l, k) => k !== 'info' && lines.push(l) });
  assert.equal(r.outcome, 'failed');
  assert.equal(evicted, 0);
  assert.ok(lines.includes('error: unable to drain node "node-1" due to error: [cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/log, cannot delete cannot delete Pods that declare no controller (use --force to override): default/debug], continuing command...'), lines.join('\n'));
});

test('drain --dry-run=server: cordon and evictions sent as dry runs, nothing waited for, kubectl\'s suffixes', async () => {
  const { clock, api, node } = fakeCluster();
  const sent = [];
  api.cordon = async (n, dryRun) => { sent.push(`cordon ${dryRun}`); return { status: 200 }; };
  api.evict = async (ns, name, dryRun) => { sent.push(`evict ${name} ${dryRun}`); return { status: 201, json: { status: 'Success' } }; };
  const lines = [];
  const r = await drain({ api, clock, node: 'node-1', opts: { ignoreDaemonSets: true, force: true, dryRun: 'server' },
    out: (l, k) => k !== 'info' && lines.push(l) });
  assert.equal(r.outcome, 'drained');
  assert.equal(node.spec.unschedulable, undefined, 'the node is not cordoned');
  assert.deepEqual(sent, ['cordon true', 'evict web-1 true', 'evict web-2 true', 'evict debug true']);
  assert.deepEqual(lines, [
    'node/node-1 cordoned (server dry run)',
    'Warning: ignoring DaemonSet-managed Pods: default/log; deleting Pods that declare no controller: default/debug',
    'evicting pod default/web-1 (server dry run)',
    'evicting pod default/web-2 (server dry run)',
    'evicting pod default/debug (server dry run)',
    'node/node-1 drained (server dry run)',
  ]);
});

test('drain --dry-run=client: nothing is sent', async () => {
  const { clock, api } = fakeCluster();
  let sent = 0;
  api.cordon = async () => { sent++; return { status: 200 }; };
  api.evict = async () => { sent++; return { status: 201 }; };
  const lines = [];
  const r = await drain({ api, clock, node: 'node-1', opts: { ignoreDaemonSets: true, force: true, dryRun: 'client' },
    out: (l, k) => k !== 'info' && lines.push(l) });
  assert.equal(r.outcome, 'drained');
  assert.equal(sent, 0);
  assert.deepEqual([lines[0], ...lines.slice(-2)], ['node/node-1 cordoned (dry run)', 'evicting pod default/debug (dry run)',
    'node/node-1 drained (dry run)']);
});

test('drain --pod-selector: only the matching pods are listed; a bad selector stops it before the cordon', async () => {
  const { clock, api } = fakeCluster();
  const asked = [];
  const all = await api.podsOn();
  api.podsOn = async (n, sel) => {
    asked.push(sel);
    if (sel === 'app in (') throw new Error('unable to parse requirement: found \'\', expected: identifier');
    return all.filter((p) => p.metadata.name.startsWith('web'));
  };
  const lines = [];
  let result;
  drain({ api, clock, node: 'node-1', opts: { podSelector: 'app=web' }, out: (l, k) => k !== 'info' && lines.push(l) })
    .then((x) => { result = x; });
  for (let i = 0; i < 200 && !result; i++) { await new Promise((r) => setImmediate(r)); if (!result) await clock.step(); }
  assert.equal(result.outcome, 'drained');
  assert.deepEqual(asked, ['app=web']);
  assert.ok(!lines.some((l) => l.includes('debug') || l.includes('log')), lines.join('\n'));
  lines.length = 0;
  let cordoned = false;
  api.cordon = async () => { cordoned = true; return { status: 200 }; };
  const bad = await drain({ api, clock, node: 'node-1', opts: { podSelector: 'app in (' }, out: (l, k) => k !== 'info' && lines.push(l) });
  assert.equal(bad.outcome, 'failed');
  assert.deepEqual(lines, ['error: --pod-selector=<pod_selector> must be a valid label selector']);
  assert.equal(cordoned, false);
  assert.deepEqual(asked, ['app=web']);
  // a list the server refuses fails the drain with its message
  lines.length = 0;
  api.podsOn = async () => { throw new Error('pods is forbidden'); };
  const refused = await drain({ api, clock, node: 'node-1', opts: {}, out: (l, k) => k !== 'info' && lines.push(l) });
  assert.equal(refused.outcome, 'failed');
  assert.ok(lines.includes('error: unable to drain node "node-1" due to error: pods is forbidden, continuing command...'), lines.join('\n'));
});

test('labelSelectorValid: labels.Parse\'s grammar', () => {
  for (const s of ['', 'app=web', 'app==web', 'a!=b,c', '!x', 'example.com/app=web', 'x notin ( a , b )'])
    assert.equal(labelSelectorValid(s), true, s);
  for (const s of ['app in (', '=x', 'a b', 'a=b=c', '-a=b', 'a=(b)'])
    assert.equal(labelSelectorValid(s), false, s);
});

test('drainCommand: the kubectl line of the options', () => {
  assert.equal(drainCommand('n1', { ignoreDaemonSets: true, force: true, timeout: 90, podSelector: 'app=web', dryRun: 'server' }),
    'kubectl drain n1 --ignore-daemonsets --force --timeout=1m30s --pod-selector=app=web --dry-run=server');
  assert.equal(drainCommand('n1', { podSelector: 'app in (a,b)' }), "kubectl drain n1 --pod-selector='app in (a,b)'");
});
