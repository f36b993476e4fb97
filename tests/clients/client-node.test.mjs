// @kubernetes/client-node 1.x against evictsim, unchanged: the kubeconfig
// evictsim writes, evictions (201, the budget 429, the multi-PDB 500, dry
// run, a body without apiVersion/kind), pod lists with selectors, patchNode
// (JSON Patch and strategic merge), a graceful deleteNamespacedPod, a Watch
// and an informer. One server on a manual clock; each test uses its own
// namespace or objects. Skipped with a message when `npm ci` has not been run
// in tests/clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, request } from '../lib/server.mjs';

let k8s;
try {
  k8s = await import('@kubernetes/client-node');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
}

const BUDGET_MSG = "Cannot evict pod as it would violate the pod's disruption budget.";
const MULTI_MSG = 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

let srv, api, kc, core, policy;

// ---- fixtures ---------------------------------------------------------------

const node = (name, spec = {}) => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec,
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
    capacity: { cpu: '4', memory: '16Gi', pods: '110' },
  },
});

const namespace = (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

// A Running, Ready pod as a snapshot would hold it (POST would reset it to Pending).
const pod = (ns, name, labels = {}, nodeName = 'node-a') => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { nodeName, containers: [{ name: 'app', image: 'busybox:1.36' }] },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ],
  },
});

async function load(...items) {
  const r = await request(srv.url, 'POST', '/sim/v1/load', { body: { apiVersion: 'v1', kind: 'List', items } });
  assert.equal(r.status, 200, `load: ${r.text}`);
}

async function advance(seconds) {
  const r = await api.advance(seconds);
  assert.equal(r.status, 200, `advance: ${r.text}`);
  return r.json;
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// Poll `fn` until it returns a truthy value (5 s of wall time at most).
async function eventually(fn, what) {
  for (let i = 0; i < 500; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(10);
  }
  assert.fail(`timed out waiting for ${what}`);
}

// The ApiException a client-node call rejects with.
async function apiError(promise, what) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return assert.fail(`expected ${what} to fail`);
}

// ApiException.body is the raw response text (a Status in JSON).
const statusOf = (e) => (typeof e.body === 'string' ? JSON.parse(e.body) : e.body);

// Create a PDB through the client and wait for the disruption controller to
// have synced it; returns its status.
async function createPdb(ns, name, spec) {
  await policy.createNamespacedPodDisruptionBudget({
    namespace: ns,
    body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec },
  });
  return eventually(async () => {
    await advance(0);
    const p = await policy.readNamespacedPodDisruptionBudget({ name, namespace: ns });
    const g = p.metadata.generation;
    return p.status?.observedGeneration !== undefined && p.status.observedGeneration === g && p.status;
  }, `PDB ${ns}/${name} to be synced by the disruption controller`);
}

const readPod = (ns, name) => core.readNamespacedPod({ name, namespace: ns });

async function clockNow() {
  const r = await api.get('/sim/v1/clock');
  assert.equal(r.status, 200, r.text);
  return new Date(r.json.now).getTime();
}

// ---- setup --------------------------------------------------------------------

if (!k8s) {
  test('@kubernetes/client-node', {
    skip: '@kubernetes/client-node is not installed: run `npm ci` in tests/clients to run the client-node tests',
  }, () => {});
} else {
  before(async () => {
    srv = await start({ clock: 'manual' });
    api = client(srv.url);
    await load(node('node-a'), node('node-b'), node('node-c'));
    kc = new k8s.KubeConfig();
    kc.loadFromFile(srv.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    policy = kc.makeApiClient(k8s.PolicyV1Api);
  });
  after(async () => { await srv?.stop(); });

  test('KubeConfig.loadFromFile reads the kubeconfig evictsim writes', async () => {
    const fresh = new k8s.KubeConfig();
    fresh.loadFromFile(srv.kubeconfig);
    assert.equal(fresh.getCurrentContext(), 'evictsim');
    const cluster = fresh.getCurrentCluster();
    assert.equal(cluster.server, srv.url);
    assert.equal(cluster.skipTLSVerify, true);
    const nodes = await fresh.makeApiClient(k8s.CoreV1Api).listNode();
    assert.equal(nodes.kind, 'NodeList');
    assert.deepEqual(nodes.items.map((n) => n.metadata.name).sort(), ['node-a', 'node-b', 'node-c']);
  });

  test('createNamespacedPodEviction: allowed by the budget → 201, the pod terminates and goes', async () => {
    await load(namespace('ev-ok'), pod('ev-ok', 'web-1', { app: 'web' }), pod('ev-ok', 'web-2', { app: 'web' }));
    const st = await createPdb('ev-ok', 'web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } });
    assert.equal(st.disruptionsAllowed, 1);

    const res = await core.createNamespacedPodEvictionWithHttpInfo({
      name: 'web-1', namespace: 'ev-ok',
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'ev-ok' } },
    });
    assert.equal(res.httpStatusCode, 201);
    assert.equal(res.data.kind, 'Status');
    assert.equal(res.data.apiVersion, 'v1');

    const p = await readPod('ev-ok', 'web-1');
    assert.ok(p.metadata.deletionTimestamp instanceof Date, 'the evicted pod has a deletionTimestamp');
    assert.equal(p.metadata.deletionGracePeriodSeconds, 30);
    await advance(30);
    const gone = await apiError(readPod('ev-ok', 'web-1'), 'reading the evicted pod after its grace period');
    assert.equal(gone.code, 404);
    assert.equal(statusOf(gone).message, 'pods "web-1" not found');
    assert.equal((await readPod('ev-ok', 'web-2')).metadata.deletionTimestamp, undefined);
  });

  test('createNamespacedPodEviction: a budget with no disruptions left → 429 DisruptionBudget, no Retry-After', async () => {
    await load(namespace('ev-block'), pod('ev-block', 'db-1', { app: 'db' }), pod('ev-block', 'db-2', { app: 'db' }));
    const st = await createPdb('ev-block', 'db', { minAvailable: 2, selector: { matchLabels: { app: 'db' } } });
    assert.equal(st.disruptionsAllowed, 0);

    for (const dryRun of [undefined, 'All']) {
      const e = await apiError(core.createNamespacedPodEviction({
        name: 'db-1', namespace: 'ev-block', dryRun,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'db-1', namespace: 'ev-block' } },
      }), `the eviction (dryRun=${dryRun}) under a blocking budget`);
      assert.ok(e instanceof k8s.ApiException, `an ApiException, got ${e}`);
      assert.equal(e.code, 429);
      assert.equal(e.headers['retry-after'], undefined);
      const s = statusOf(e);
      assert.equal(s.kind, 'Status');
      assert.equal(s.status, 'Failure');
      assert.equal(s.reason, 'TooManyRequests');
      assert.equal(s.code, 429);
      assert.equal(s.message, BUDGET_MSG);
      assert.deepEqual(s.details.causes, [{
        reason: 'DisruptionBudget',
        message: 'The disruption budget db needs 2 healthy pods and has 2 currently',
      }]);
    }
    const p = await readPod('ev-block', 'db-1');
    assert.equal(p.metadata.deletionTimestamp, undefined);
    assert.equal(p.status.phase, 'Running');
  });

  test('createNamespacedPodEviction: a pod under two budgets → 500', async () => {
    await load(namespace('ev-multi'), pod('ev-multi', 'm-1', { app: 'm', tier: 'x' }), pod('ev-multi', 'm-2', { app: 'm', tier: 'x' }));
    await createPdb('ev-multi', 'by-app', { maxUnavailable: 1, selector: { matchLabels: { app: 'm' } } });
    await createPdb('ev-multi', 'by-tier', { maxUnavailable: 1, selector: { matchLabels: { tier: 'x' } } });

    const e = await apiError(core.createNamespacedPodEviction({
      name: 'm-1', namespace: 'ev-multi',
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'm-1', namespace: 'ev-multi' } },
    }), 'the eviction of a pod under two budgets');
    assert.equal(e.code, 500);
    const s = statusOf(e);
    assert.equal(s.kind, 'Status');
    assert.equal(s.status, 'Failure');
    assert.equal(s.message, MULTI_MSG);
    assert.equal(s.reason, undefined);
    assert.equal(s.code, 500);
    assert.equal((await readPod('ev-multi', 'm-1')).metadata.deletionTimestamp, undefined);
  });

  test('createNamespacedPodEviction: dry run in the query or in deleteOptions → 201, nothing changes', async () => {
    await load(namespace('ev-dry'), pod('ev-dry', 'd-1', { app: 'd' }), pod('ev-dry', 'd-2', { app: 'd' }));
    await createPdb('ev-dry', 'd', { minAvailable: 1, selector: { matchLabels: { app: 'd' } } });
    const before = await readPod('ev-dry', 'd-1');

    const viaQuery = await core.createNamespacedPodEvictionWithHttpInfo({
      name: 'd-1', namespace: 'ev-dry', dryRun: 'All',
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'd-1', namespace: 'ev-dry' } },
    });
    assert.equal(viaQuery.httpStatusCode, 201);
    const viaBody = await core.createNamespacedPodEvictionWithHttpInfo({
      name: 'd-1', namespace: 'ev-dry',
      body: {
        apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'd-1', namespace: 'ev-dry' },
        deleteOptions: { dryRun: ['All'] },
      },
    });
    assert.equal(viaBody.httpStatusCode, 201);

    await advance(60);
    const after = await readPod('ev-dry', 'd-1');
    assert.equal(after.metadata.deletionTimestamp, undefined);
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'd', namespace: 'ev-dry' });
    assert.equal(pdb.status.disruptionsAllowed, 1);
    assert.equal(pdb.status.currentHealthy, 2);
  });

  test('createNamespacedPodEviction: a body without apiVersion and kind is accepted as sent', async () => {
    await load(namespace('ev-bare'), pod('ev-bare', 'b-1'));
    const res = await core.createNamespacedPodEvictionWithHttpInfo({
      name: 'b-1', namespace: 'ev-bare', body: { metadata: { name: 'b-1', namespace: 'ev-bare' } },
    });
    assert.equal(res.httpStatusCode, 201);
    const p = await readPod('ev-bare', 'b-1');
    assert.ok(p.metadata.deletionTimestamp instanceof Date, 'the evicted pod has a deletionTimestamp');
  });

  test('listPodForAllNamespaces and listNamespacedPod with fieldSelector and labelSelector', async () => {
    await load(namespace('list-a'), namespace('list-b'),
      pod('list-a', 'front-b', { tier: 'front' }, 'node-b'),
      pod('list-a', 'back-b', { tier: 'back' }, 'node-b'),
      pod('list-a', 'front-c', { tier: 'front' }, 'node-c'),
      pod('list-b', 'front-b2', { tier: 'front' }, 'node-b'),
      pod('list-b', 'back-c2', { tier: 'back' }, 'node-c'));
    const names = (list) => list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();

    const onB = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-b' });
    assert.equal(onB.kind, 'PodList');
    assert.deepEqual(names(onB), ['list-a/back-b', 'list-a/front-b', 'list-b/front-b2']);

    const frontOnB = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-b', labelSelector: 'tier=front' });
    assert.deepEqual(names(frontOnB), ['list-a/front-b', 'list-b/front-b2']);

    const inA = await core.listNamespacedPod({ namespace: 'list-a', fieldSelector: 'spec.nodeName=node-c' });
    assert.deepEqual(names(inA), ['list-a/front-c']);

    const frontInA = await core.listNamespacedPod({ namespace: 'list-a', labelSelector: 'tier in (front)' });
    assert.deepEqual(names(frontInA), ['list-a/front-b', 'list-a/front-c']);

    const none = await core.listNamespacedPod({ namespace: 'list-b', fieldSelector: 'spec.nodeName=node-b', labelSelector: 'tier!=front' });
    assert.deepEqual(none.items, []);
  });

  test('patchNode: default JSON Patch cordons, strategic merge uncordons', async () => {
    await load(node('node-p', { unschedulable: false }));

    const cordoned = await core.patchNode({
      name: 'node-p',
      body: [
        { op: 'replace', path: '/spec/unschedulable', value: true },
        { op: 'add', path: '/metadata/labels/patched-by', value: 'json-patch' },
      ],
    });
    assert.equal(cordoned.spec.unschedulable, true);
    assert.equal(cordoned.metadata.labels['patched-by'], 'json-patch');
    assert.equal((await core.readNode({ name: 'node-p' })).spec.unschedulable, true);

    const uncordoned = await core.patchNode(
      { name: 'node-p', body: { spec: { unschedulable: false }, metadata: { labels: { 'patched-by': 'strategic-merge' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    assert.ok(!uncordoned.spec.unschedulable, 'spec.unschedulable is false or absent');
    assert.equal(uncordoned.metadata.labels['patched-by'], 'strategic-merge');
    assert.equal(uncordoned.metadata.labels['kubernetes.io/hostname'], 'node-p');
    assert.ok(!(await core.readNode({ name: 'node-p' })).spec.unschedulable);
  });

  test('deleteNamespacedPod with gracePeriodSeconds: terminating, then gone after the grace period', async () => {
    await load(namespace('del'), pod('del', 'g-1'));
    const now = await clockNow();
    const deleted = await core.deleteNamespacedPod({ name: 'g-1', namespace: 'del', gracePeriodSeconds: 5 });
    assert.equal(deleted.metadata.name, 'g-1');
    assert.equal(deleted.metadata.deletionGracePeriodSeconds, 5);
    assert.equal(deleted.metadata.deletionTimestamp.getTime(), now + 5000);

    await advance(4);
    const still = await readPod('del', 'g-1');
    assert.equal(still.metadata.deletionGracePeriodSeconds, 5);
    await advance(1);
    const e = await apiError(readPod('del', 'g-1'), 'reading the deleted pod after its grace period');
    assert.equal(e.code, 404);
    assert.equal(statusOf(e).reason, 'NotFound');
  });

  test('Watch sees MODIFIED then DELETED for a graceful delete', async () => {
    await load(pod('default', 'watched'), pod('default', 'bystander'));
    const events = [];
    let doneErr;
    const ctl = await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/default/pods', { fieldSelector: 'metadata.name=watched' },
      (type, obj) => events.push({ type, name: obj?.metadata?.name, deleting: !!obj?.metadata?.deletionTimestamp }),
      (err) => { doneErr = err ?? null; },
    );
    try {
      await eventually(() => events.length >= 1 || doneErr !== undefined, 'the initial ADDED event');
      assert.equal(doneErr, undefined, `the watch ended early: ${doneErr}`);
      assert.deepEqual(events, [{ type: 'ADDED', name: 'watched', deleting: false }]);

      await core.deleteNamespacedPod({ name: 'watched', namespace: 'default', gracePeriodSeconds: 5 });
      await core.deleteNamespacedPod({ name: 'bystander', namespace: 'default', gracePeriodSeconds: 5 });
      await eventually(() => events.some((e) => e.type === 'MODIFIED'), 'MODIFIED');
      await advance(5);
      await eventually(() => events.some((e) => e.type === 'DELETED'), 'DELETED');

      const after = events.slice(1);
      assert.ok(after.every((e) => e.name === 'watched'), `only the selected pod: ${JSON.stringify(events)}`);
      assert.equal(after[0].type, 'MODIFIED');
      assert.equal(after[0].deleting, true);
      assert.equal(after.at(-1).type, 'DELETED');
      assert.deepEqual(after.slice(0, -1).map((e) => e.type).filter((t) => t !== 'MODIFIED'), []);
    } finally {
      ctl.abort();
    }
  });

  test('an informer lists, then watches: existing pod, new pod, update, delete', async () => {
    await load(namespace('inf'), pod('inf', 'old', { app: 'inf' }));
    const seen = [];
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/inf/pods',
      () => core.listNamespacedPod({ namespace: 'inf' }));
    informer.on(k8s.ADD, (p) => seen.push(['add', p.metadata.name]));
    informer.on(k8s.UPDATE, (p) => seen.push(['update', p.metadata.name, p.metadata.labels?.touched ?? '', !!p.metadata.deletionTimestamp]));
    informer.on(k8s.DELETE, (p) => seen.push(['delete', p.metadata.name]));
    const errors = [];
    informer.on(k8s.ERROR, (e) => errors.push(e));
    const has = (pred) => seen.some(pred);
    try {
      await informer.start();
      await eventually(() => has(([v, n]) => v === 'add' && n === 'old'), 'add of the listed pod');
      assert.equal(informer.get('old', 'inf').metadata.name, 'old');

      await core.createNamespacedPod({
        namespace: 'inf',
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'new', labels: { app: 'inf' } },
          spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } },
      });
      await eventually(() => has(([v, n]) => v === 'add' && n === 'new'), 'add of the created pod');

      await core.patchNamespacedPod({
        name: 'old', namespace: 'inf', body: [{ op: 'add', path: '/metadata/labels/touched', value: 'yes' }],
      });
      await eventually(() => has(([v, n, t]) => v === 'update' && n === 'old' && t === 'yes'), 'update of the patched pod');
      assert.equal(informer.get('old', 'inf').metadata.labels.touched, 'yes');

      await core.deleteNamespacedPod({ name: 'old', namespace: 'inf', gracePeriodSeconds: 5 });
      await eventually(() => has(([v, n, , d]) => v === 'update' && n === 'old' && d), 'update with a deletionTimestamp');
      await advance(5);
      await eventually(() => has(([v, n]) => v === 'delete' && n === 'old'), 'delete');

      assert.equal(informer.get('old', 'inf'), undefined);
      assert.deepEqual(informer.list('inf').map((p) => p.metadata.name), ['new']);
      assert.deepEqual(seen.filter(([v]) => v !== 'update'), [['add', 'old'], ['add', 'new'], ['delete', 'old']]);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
}
