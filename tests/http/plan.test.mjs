// evictsim plan drain|check on dumps: each cause that blocks a drain,
// replacements the scheduler cannot place, N nodes at a time, the three
// output forms, exit statuses 0 / 3 / 2, and a 10,000-pod dump end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { binary, fixture } from '../lib/server.mjs';

const dir = mkdtempSync(join(tmpdir(), 'evictsim-plan-'));
let seq = 0;
const T = '2025-03-01T10:00:00Z';

const node = (name, labels = {}, pods = '110') => ({ apiVersion: 'v1', kind: 'Node',
  metadata: { name, uid: `n-${name}`, creationTimestamp: T, labels: { 'kubernetes.io/hostname': name, ...labels } },
  status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: T, lastTransitionTime: T }],
    allocatable: { pods } } });
const rs = (name, replicas, extra = {}) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name, namespace: 'shop', uid: `rs-${name}`, creationTimestamp: T },
  spec: { replicas, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 5,
      containers: [{ name: 'c', image: 'i' }], ...extra.template } } },
  status: { replicas, readyReplicas: replicas, availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1 } });
const ready = [{ type: 'Ready', status: 'True', lastTransitionTime: T }];
const pod = (name, nodeName, { app, owner = app, labels = {}, spec = {}, md = {}, conditions = ready } = {}) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'shop', uid: `p-${name}`, creationTimestamp: T, labels: { app, ...labels },
    ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `rs-${owner}`,
      controller: true, blockOwnerDeletion: true }] } : {}), ...md },
  spec: { nodeName, terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'i' }], ...spec },
  status: { phase: 'Running', conditions, startTime: T } });
const pdb = (name, spec) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'shop', uid: `pdb-${name}`, creationTimestamp: T, generation: 1 }, spec });

function dump(objects) {
  const f = join(dir, `d${++seq}.json`);
  writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  return f;
}
function plan(args) {
  const r = spawnSync(binary, ['plan', ...args], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function planJson(args) {
  const r = plan(['drain', '-q', '--output', 'json', ...args]);
  assert.equal(r.stderr, '', r.stderr);
  return { code: r.code, rep: JSON.parse(r.stdout) };
}
// Two nodes; web (2 replicas) on n1, its ReplicaSet and whatever else.
const base = (extra = [], webOpts = {}) => [node('n1', { pool: 'old' }), node('n2', { pool: 'new' }), rs('web', 2),
  pod('web-a', 'n1', { app: 'web', ...webOpts }), pod('web-b', 'n1', { app: 'web', ...webOpts }), ...extra];

test('a drain that completes: exit 0, the node drained, each eviction with its PDB', () => {
  // replacements are Ready 6 s after they start (readinessProbe 5 + 1 × 1)
  const objs = base([pdb('web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } })]);
  objs[2] = rs('web', 2, { template: { containers: [{ name: 'c', image: 'i',
    readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 5, periodSeconds: 1 } }] } });
  const { code, rep } = planJson(['n1', dump(objs)]);
  assert.equal(code, 0);
  assert.equal(rep.outcome, 'completes');
  assert.equal(rep.start, T);
  const [n1] = rep.nodes;
  assert.equal(n1.name, 'n1');
  assert.equal(n1.outcome, 'drained');
  assert.deepEqual(n1.stuck, []);
  // one allowed at once; the other refused until the first one's replacement is Ready on n2
  const byPod = {};
  for (const e of n1.evictions) (byPod[e.pod] ??= []).push(e);
  assert.deepEqual(byPod['shop/web-a'].map((e) => [e.code, e.pdb]), [[201, 'web']]);
  assert.deepEqual(byPod['shop/web-b'].map((e) => [e.code, e.count, e.first]), [[429, 2, 0], [201, 1, 10]]);
  assert.match(byPod['shop/web-b'][0].explanation, /PDB web: minAvailable 1 of \d expected; .*→ 0 disruptions allowed → refused/);
  assert.equal(n1.seconds, 15, 'the last pod, evicted at +10s, takes its 5 s grace period to go');
  assert.equal(rep.total.drained, 1);
});

test('a budget of zero: the pod never leaves, exit 3, the arithmetic and lesson 03', () => {
  const r = plan(['drain', '-q', 'n1', '--timeout', '2m', dump(base([pdb('web', { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } })]))]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^node n1: BLOCKED after 2m0s \(\+0s → \+2m0s\): 0 evicted, \d+ evictions refused$/m);
  assert.match(r.stdout, /evict shop\/web-a → 429 ×\d+ \(PDB web: 2 healthy, needs 2\)/);
  assert.match(r.stdout, /never leaves: shop\/web-a: PDB shop\/web allows no disruption: maxUnavailable 0: no pod of it may ever be disrupted \(see fixtures\/lessons\/03-budget-of-zero\.yaml\)/);
  assert.match(r.stdout, /^plan blocks$/m);
  const { rep } = planJson(['n1', '--timeout', '2m', dump(base([pdb('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } })]))]);
  assert.equal(rep.nodes[0].stuck[0].cause, 'budget-of-zero');
  assert.match(rep.nodes[0].stuck[0].reason, /minAvailable 2 with 2 expected pods: 2 - 2 = 0 may be disrupted/);
});

test('two PDBs on one pod: 500, the drain fails for it, lesson 05', () => {
  const sel = { selector: { matchLabels: { app: 'web' } } };
  const { code, rep } = planJson(['n1', dump(base([pdb('a', { maxUnavailable: 1, ...sel }), pdb('b', { maxUnavailable: 1, ...sel })]))]);
  assert.equal(code, 3);
  assert.equal(rep.nodes[0].outcome, 'failed');
  const s = rep.nodes[0].stuck.find((x) => x.pod === 'shop/web-a');
  assert.equal(s.cause, 'two-pdbs');
  assert.equal(s.lesson, 'fixtures/lessons/05-two-pdbs-one-pod.yaml');
  assert.match(s.reason, /more than one PodDisruptionBudget/);
});

test('unready pods under IfHealthyBudget never leave; AlwaysAllow lets them go', () => {
  const unready = { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: T }],
    md: { annotations: { 'sim.evictsim.io/never-ready': 'true' } } };
  const spec = (policy) => ({ minAvailable: 1, selector: { matchLabels: { app: 'web' } }, ...(policy ? { unhealthyPodEvictionPolicy: policy } : {}) });
  const blocked = planJson(['n1', '--timeout', '1m', dump(base([pdb('web', spec())], unready))]);
  assert.equal(blocked.code, 3);
  const s = blocked.rep.nodes[0].stuck[0];
  assert.equal(s.cause, 'unhealthy-if-healthy-budget');
  assert.match(s.reason, /not Ready and PDB shop\/web \(unhealthyPodEvictionPolicy IfHealthyBudget \(the default\)\) has too few healthy pods/);
  assert.equal(s.lesson, 'fixtures/lessons/04-unready-pods.yaml');
  const free = planJson(['n1', '--timeout', '1m', dump(base([pdb('web', spec('AlwaysAllow'))], unready))]);
  assert.equal(free.code, 0);
  assert.equal(free.rep.nodes[0].outcome, 'drained');
});

test('a finalizer: evicted, but still there when time runs out (lesson 08)', () => {
  const { code, rep } = planJson(['n1', '--timeout', '90s', dump(base([],
    { md: { finalizers: ['example.com/hold'] } }))]);
  assert.equal(code, 3);
  assert.deepEqual(rep.nodes[0].evictions.map((e) => e.code), [201, 201]);
  const s = rep.nodes[0].stuck.find((x) => x.pod === 'shop/web-a');
  assert.equal(s.cause, 'finalizer');
  assert.match(s.reason, /held by finalizer example\.com\/hold/);
  assert.equal(rep.nodes[0].seconds, 90);
});

test("kubectl's filters: no controller without --force, local storage without --delete-emptydir-data", () => {
  const bare = pod('bare', 'n1', { app: 'bare', owner: null });
  const scratch = pod('scratch', 'n1', { app: 'web', spec: { volumes: [{ name: 'tmp', emptyDir: {} }] } });
  const d = dump(base([bare, scratch]));
  const { code, rep } = planJson(['n1', d]);
  assert.equal(code, 3);
  assert.equal(rep.nodes[0].outcome, 'failed');
  assert.deepEqual(rep.nodes[0].evictions, [], 'kubectl evicts nothing when a filter refuses');
  const causes = Object.fromEntries(rep.nodes[0].stuck.map((s) => [s.pod, s.cause]));
  assert.equal(causes['shop/bare'], 'no-controller');
  assert.equal(causes['shop/scratch'], 'local-storage');
  assert.match(rep.nodes[0].stuck.find((s) => s.pod === 'shop/bare').reason, /use --force to override/);
  const ok = planJson(['n1', '--force', '--delete-emptydir-data', d]);
  assert.equal(ok.code, 0);
});

test('replacements the scheduler cannot place, with its message', () => {
  const pinned = { spec: { nodeSelector: { pool: 'old' } } };
  const objs = [node('n1', { pool: 'old' }), node('n2', { pool: 'old' }), node('n3', { pool: 'new' }),
    rs('web', 2, { template: { nodeSelector: { pool: 'old' } } }),
    pod('web-a', 'n1', { app: 'web', ...pinned }), pod('web-b', 'n2', { app: 'web', ...pinned }),
    pdb('web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } })];
  const { code, rep } = planJson(['--selector', 'pool=old', '--timeout', '5m', dump(objs)]);
  assert.equal(code, 3);
  assert.deepEqual(rep.nodes.map((n) => [n.name, n.outcome]), [['n1', 'drained'], ['n2', 'blocked']]);
  assert.ok(rep.unschedulable.length >= 1);
  assert.match(rep.unschedulable[0].message,
    /^0\/3 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector, 2 node\(s\) were unschedulable\./);
  assert.equal(rep.nodes[1].stuck[0].cause, 'budget-exhausted');
  assert.match(rep.nodes[1].stuck[0].reason,
    /^PDB shop\/web still refuses: PDB web: 1 healthy, needs 1; its pod web-\w{5} cannot be scheduled: 0\/3 nodes are available: /);
});

test('--parallel N: N drains side by side, the next node starting when one ends', () => {
  const objs = [node('n1', { pool: 'old' }), node('n2', { pool: 'old' }), node('n3', { pool: 'old' }), node('n4'),
    rs('web', 3), pod('web-1', 'n1', { app: 'web' }), pod('web-2', 'n2', { app: 'web' }), pod('web-3', 'n3', { app: 'web' })];
  const d = dump(objs);
  const one = planJson(['--selector', 'pool=old', d]).rep;
  assert.deepEqual(one.nodes.map((n) => [n.name, n.start, n.end]), [['n1', 0, 5], ['n2', 5, 10], ['n3', 10, 15]]);
  const two = planJson(['--selector', 'pool=old', '--parallel', '2', d]).rep;
  assert.deepEqual(two.nodes.map((n) => [n.start, n.end]), [[0, 5], [0, 5], [5, 10]]);
  assert.equal(two.total.seconds, 10);
  assert.equal(two.parallel, 2);
});

test('--output html: a self-contained page, one row per node, one mark per eviction answer', () => {
  const r = plan(['drain', '-q', '--output', 'html', 'n1', 'n2', '--timeout', '1m',
    dump(base([pdb('web', { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } })]))]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^<!DOCTYPE html>/);
  assert.doesNotMatch(r.stdout, /<script|<link|src=|href=/, 'nothing fetched from elsewhere');
  assert.equal(r.stdout.match(/<g class="node">/g).length, 2);
  assert.equal(r.stdout.match(/class="mark refused"/g).length, 2, 'web-a and web-b: each one mark for its repeated 429s');
  assert.match(r.stdout, /<pre>plan: drain 2 nodes/);
});

test('bad input: one line, exit 2', () => {
  const d = dump(base());
  const cases = [
    [['drain', 'n1'], /no DUMP given/],
    [['drain', d], /no node to drain/],
    [['drain', 'nope', d], /node "nope" is not in the dump/],
    [['drain', '--selector', 'pool=none', d], /no node in the dump matches --selector pool=none/],
    [['drain', '--parallel', '0', 'n1', d], /bad --parallel "0"/],
    [['drain', '--bogus', 'n1', d], /unknown flag --bogus/],
    [['drain', '--output', 'xml', 'n1', d], /bad --output "xml"/],
    [['sideways', d], /want drain or check/],
    [['drain', '--kube-version', '9.9', 'n1', d], /bad --kube-version: "9\.9" is not a release evictsim serves/],
    [['drain', '--feature-gates', 'Bogus=true', 'n1', d], /bad --feature-gates: unrecognized feature gate: Bogus/],
    [['check', '--output', 'html', d], /bad --output "html": want text, json\n$/],
  ];
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"kind": "List", "items": [');
  cases.push([['drain', 'n1', broken], /broken\.json: the JSON value opened on line 1 never ends/]);
  for (const [args, re] of cases) {
    const r = plan(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  }
});

test('plan check: each static finding with its arithmetic and lesson; exit 3 when one blocks, 0 otherwise', () => {
  const sel = (app) => ({ selector: { matchLabels: { app } } });
  const objs = [node('n1'), rs('web', 2), rs('solo', 1), rs('free', 2),
    pod('web-a', 'n1', { app: 'web' }), pod('web-b', 'n1', { app: 'web' }), pod('solo-a', 'n1', { app: 'solo' }),
    pod('free-a', 'n1', { app: 'free' }), pod('free-b', 'n1', { app: 'free' }),
    pdb('zero', { maxUnavailable: 0, ...sel('web') }), pdb('solo', { minAvailable: 1, ...sel('solo') }),
    pdb('nothing', { maxUnavailable: 1, ...sel('ghost') }), pdb('free', { maxUnavailable: 1, ...sel('free') }),
    pdb('free2', { maxUnavailable: 1, ...sel('free') })];
  const r = plan(['check', '-q', '--output', 'json', dump(objs)]);
  assert.equal(r.code, 3);
  const rep = JSON.parse(r.stdout);
  const by = Object.fromEntries(rep.findings.map((f) => [`${f.type} ${f.pdb}`, f]));
  assert.match(by['budget-of-zero shop/zero'].message, /maxUnavailable 0/);
  assert.equal(by['budget-of-zero shop/zero'].arithmetic, '2 expected, 2 healthy, 2 desired healthy → 0 disruptions allowed');
  assert.equal(by['budget-of-zero shop/zero'].lesson, 'fixtures/lessons/03-budget-of-zero.yaml');
  assert.equal(by['single-replica shop/solo'].blocks, true);
  assert.equal(by['selects-nothing shop/nothing'].blocks, false);
  assert.equal(by['selects-nothing shop/nothing'].lesson, 'fixtures/lessons/06-empty-selector.yaml');
  assert.match(by['two-pdbs shop/free2'].message, /^2 pods \(e\.g\. shop\/free-a\) selected by PDB free and PDB free2/);
  const clean = plan(['check', '-q', dump(base([pdb('web', { maxUnavailable: 1, ...sel('web') })]))]);
  assert.equal(clean.code, 0, clean.stdout);
  assert.match(clean.stdout, /^0 findings block a drain, 0 more to know$/m);
  const lesson = plan(['check', '-q', fixture('lessons/03-budget-of-zero.yaml')]);
  assert.equal(lesson.code, 3);
  assert.match(lesson.stdout, /BLOCKS PDB default\/frozen: allows no disruption, ever: maxUnavailable 0/);
});

test('a 10,000-pod dump planned end to end', () => {
  const objs = [];
  for (let n = 0; n < 100; n++) objs.push(node(`node-${String(n).padStart(3, '0')}`, { pool: n < 10 ? 'old' : 'new' }, '150'));
  for (let a = 0; a < 100; a++) {
    const app = `app-${a}`;
    objs.push(rs(app, 100), pdb(app, { maxUnavailable: '10%', selector: { matchLabels: { app } } }));
    for (let i = 0; i < 100; i++) objs.push(pod(`${app}-${i}`, `node-${String((a + i) % 100).padStart(3, '0')}`, { app }));
  }
  const { code, rep } = planJson(['--selector', 'pool=old', '--parallel', '5', dump(objs)]);
  assert.equal(code, 0);
  assert.equal(rep.nodes.length, 10);
  assert.ok(rep.nodes.every((n) => n.outcome === 'drained'));
  // each old node held 100 pods; replacements may land on old nodes not yet drained, and go again
  assert.ok(rep.total.evictions >= 1000, String(rep.total.evictions));
  assert.equal(rep.nodes.reduce((s, n) => s + n.evicted, 0), rep.total.evictions);
  assert.deepEqual(rep.unschedulable, []);
});

test("the README's example: the pool upgrade blocked by payments' budget of zero", () => {
  const r = plan(['drain', '--selector', 'pool=old', '--parallel', '2', fixture('dumps/pool-upgrade.yaml')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^evictsim: loaded 21 objects from 1 file: 6 Node, 7 Pod, 3 PodDisruptionBudget, 2 Deployment, 2 ReplicaSet, 1 StatefulSet; pods: 7 Running; nodes: 6; PDBs: 3 \(shop\/cart allows 1, shop\/db allows 1, shop\/payments allows 0\)\n$/);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'plan: drain 3 nodes (--selector pool=old), 2 at a time, from 2025-06-02T10:10:00Z');
  assert.ok(lines.includes('node old-1: drained in 2m20s (+0s → +2m20s): 3 evicted, 16 evictions refused'));
  assert.ok(lines.includes('node old-2: BLOCKED after 1h0m0s (+0s → +1h0m0s): 1 evicted, 724 evictions refused'));
  assert.ok(lines.includes('node old-3: drained in 1m20s (+2m20s → +3m40s): 2 evicted, 4 evictions refused'));
  assert.match(r.stdout, /never leaves: shop\/payments-767c56f64c-\w{5}: PDB shop\/payments allows no disruption: maxUnavailable 0/);
  assert.match(r.stdout, /\ntotal: 3 nodes in 1h0m0s: 2 drained, 1 blocked, 0 failed; 6 evictions, 744 refused\nplan blocks\n$/);
  const check = plan(['check', '-q', fixture('dumps/pool-upgrade.yaml')]);
  assert.equal(check.code, 3);
  assert.match(check.stdout, /BLOCKS PDB shop\/payments: allows no disruption, ever: maxUnavailable 0/);
});
