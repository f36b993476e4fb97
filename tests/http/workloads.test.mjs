// The living cluster over HTTP: controllers replace deleted or evicted pods,
// StatefulSet pods keep their names, the scheduler honours cordons, node
// selectors and capacity, DaemonSets follow nodes, every fixture loads, the
// lessons' headers hold, and a real kubectl drains the default cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { start, client, fixture } from '../lib/server.mjs';
import { findKubectls, runKubectl } from '../lib/kubectl.mjs';

const node = (name, extra = {}) => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
  spec: { ...extra.spec }, status: { ...extra.status },
});
const template = (app, spec = {}) => ({
  metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec },
});
const deployment = (name, replicas, spec = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, spec) },
});
const statefulset = (name, replicas) => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: 'default' },
  spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: template(name) },
});
const daemonset = (name) => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'kube-system' },
  spec: { selector: { matchLabels: { app: name } }, template: template(name) },
});

async function withServer(objects, fn, opts = {}) {
  const srv = await start(opts);
  const api = client(srv.url);
  try {
    if (objects.length) {
      const r = await api.post('/sim/v1/load', { kind: 'List', apiVersion: 'v1', items: objects });
      assert.equal(r.status, 200, r.text);
    }
    await fn(api, srv);
  } finally { await srv.stop(); }
}

const pods = async (api, ns = 'default', selector = '') =>
  (await api.get(`/api/v1/namespaces/${ns}/pods${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`)).json.items;
const live = (items) => items.filter((p) => !p.metadata.deletionTimestamp);
const scheduledCondition = (p) => (p.status.conditions || []).find((c) => c.type === 'PodScheduled');

test('a deleted Deployment pod is replaced at once, on a node that is not cordoned', async () => {
  await withServer([node('node-1'), node('node-2'), deployment('web', 2)], async (api) => {
    let all = await pods(api);
    assert.equal(all.length, 2);
    for (const p of all) assert.match(p.metadata.name, /^web-[4-9bcdf]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const rs = (await api.get('/apis/apps/v1/namespaces/default/replicasets')).json.items;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].metadata.ownerReferences[0].kind, 'Deployment');
    assert.equal(all[0].metadata.labels['pod-template-hash'], rs[0].metadata.labels['pod-template-hash']);
    const victim = all.find((p) => p.spec.nodeName === 'node-1');
    assert.equal((await api.patch('/api/v1/nodes/node-1', { spec: { unschedulable: true } },
      { type: 'application/merge-patch+json' })).status, 200);
    assert.equal((await api.del(`/api/v1/namespaces/default/pods/${victim.metadata.name}`)).status, 200);
    const originals = all.map((p) => p.metadata.name);
    all = await pods(api);
    assert.equal(all.length, 3, 'the old pod terminates while its replacement runs');
    assert.equal(live(all).length, 2);
    const fresh = all.find((p) => !originals.includes(p.metadata.name));
    assert.equal(fresh.spec.nodeName, 'node-2');
    assert.equal(fresh.status.phase, 'Running');
    await api.advance(30);
    assert.equal((await pods(api)).length, 2);
    const d = (await api.get('/apis/apps/v1/namespaces/default/deployments/web')).json;
    assert.equal(d.status.availableReplicas, 2);
    // a changed condition moves to the end (SetDeploymentCondition): Available dipped and came back
    assert.deepEqual(d.status.conditions.map((c) => [c.type, c.status, c.reason]),
      [['Progressing', 'True', 'NewReplicaSetAvailable'], ['Available', 'True', 'MinimumReplicasAvailable']]);
  });
});

test('a StatefulSet pod comes back under its name only after the old one is gone', async () => {
  await withServer([node('node-1'), node('node-2'), statefulset('db', 3)], async (api) => {
    assert.deepEqual((await pods(api)).map((p) => p.metadata.name), ['db-0', 'db-1', 'db-2']);
    const old = (await api.get('/api/v1/namespaces/default/pods/db-1')).json;
    assert.equal(old.spec.hostname, 'db-1');
    assert.equal(old.spec.subdomain, 'db');
    assert.equal(old.metadata.labels['statefulset.kubernetes.io/pod-name'], 'db-1');
    assert.equal(old.metadata.labels['apps.kubernetes.io/pod-index'], '1');
    await api.del('/api/v1/namespaces/default/pods/db-1');
    await api.advance(10);
    const terminating = (await api.get('/api/v1/namespaces/default/pods/db-1')).json;
    assert.equal(terminating.metadata.uid, old.metadata.uid);
    assert.ok(terminating.metadata.deletionTimestamp);
    await api.advance(20);
    const again = (await api.get('/api/v1/namespaces/default/pods/db-1')).json;
    assert.notEqual(again.metadata.uid, old.metadata.uid);
    assert.equal(again.metadata.deletionTimestamp, undefined);
    assert.equal(again.status.phase, 'Running');
  });
});

test('OrderedReady waits for each pod to be Ready', async () => {
  const ss = statefulset('db', 2);
  ss.spec.template.metadata.annotations = { 'sim.evictsim.io/ready-after': '20s' };
  await withServer([node('node-1'), ss], async (api) => {
    assert.deepEqual((await pods(api)).map((p) => p.metadata.name), ['db-0']);
    await api.advance(20);
    assert.deepEqual((await pods(api)).map((p) => p.metadata.name), ['db-0', 'db-1']);
    const st = (await api.get('/apis/apps/v1/namespaces/default/statefulsets/db')).json.status;
    assert.equal(st.replicas, 2);
    assert.equal(st.readyReplicas, 1);
  });
});

test('cordoned nodes get no new pods; an unschedulable pod says why, and is placed on uncordon', async () => {
  await withServer([node('node-1', { spec: { unschedulable: true } }), node('node-2', { labels: { disk: 'hdd' } }),
    node('node-3', { labels: { disk: 'ssd' } }), deployment('fast', 1, { nodeSelector: { disk: 'nvme' } })], async (api) => {
    const [p] = await pods(api);
    assert.equal(p.spec.nodeName, undefined);
    assert.equal(p.status.phase, 'Pending');
    const c = scheduledCondition(p);
    assert.equal(c.status, 'False');
    assert.equal(c.reason, 'Unschedulable');
    assert.equal(c.message, "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    await api.patch('/api/v1/nodes/node-3', { metadata: { labels: { disk: 'nvme' } } }, { type: 'application/merge-patch+json' });
    const [bound] = await pods(api);
    assert.equal(bound.spec.nodeName, 'node-3');
    assert.equal(scheduledCondition(bound).status, 'True');
  });
});

test('capacity: allocatable pods limits a node', async () => {
  await withServer([node('tiny', { status: { allocatable: { pods: '2' } } }), deployment('web', 3)], async (api) => {
    const all = await pods(api);
    assert.equal(all.filter((p) => p.spec.nodeName === 'tiny').length, 2);
    const pending = all.filter((p) => !p.spec.nodeName);
    assert.equal(pending.length, 1);
    assert.equal(scheduledCondition(pending[0]).message,
      '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    assert.equal((await api.post('/api/v1/nodes', node('roomy'))).status, 201);
    const now = await pods(api);
    assert.equal(now.find((p) => p.metadata.name === pending[0].metadata.name).spec.nodeName, 'roomy');
  });
});

test('a DaemonSet runs on every allowed node, cordoned ones included, and follows new nodes', async () => {
  await withServer([node('node-1'), node('node-2', { spec: { unschedulable: true } }),
    node('gpu', { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } }), daemonset('agent')], async (api) => {
    let all = await pods(api, 'kube-system');
    assert.deepEqual(all.map((p) => p.spec.nodeName).sort(), ['node-1', 'node-2']);
    for (const p of all) {
      assert.match(p.metadata.name, /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
        [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }]);
      assert.ok(p.spec.tolerations.some((t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'));
    }
    assert.equal((await api.post('/api/v1/nodes', node('node-4'))).status, 201);
    all = await pods(api, 'kube-system');
    assert.ok(all.some((p) => p.spec.nodeName === 'node-4' && p.status.phase === 'Running'));
    const ds = (await api.get('/apis/apps/v1/namespaces/kube-system/daemonsets/agent')).json;
    assert.equal(ds.status.desiredNumberScheduled, 3);
    assert.equal(ds.status.numberReady, 3);
  });
});

test('selectors: a ReplicaSet counts only the pods its selector matches', async () => {
  const rs = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'front', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'front', tier: 'web' } },
      template: { metadata: { labels: { app: 'front', tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  };
  const stray = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'front' } },
    spec: { containers: [{ name: 'c', image: 'i' }] } };
  await withServer([node('node-1'), stray, rs], async (api) => {
    const all = await pods(api, 'default', 'app=front');
    assert.equal(all.length, 3);
    const s = all.find((p) => p.metadata.name === 'stray');
    assert.equal(s.metadata.ownerReferences, undefined);
    assert.equal((await api.get('/apis/apps/v1/namespaces/default/replicasets/front')).json.status.replicas, 2);
  });
});

test('deleting an owner deletes its dependents', async () => {
  await withServer([node('node-1'), deployment('web', 2)], async (api) => {
    assert.equal((await api.del('/apis/apps/v1/namespaces/default/deployments/web')).status, 200);
    assert.equal((await api.get('/apis/apps/v1/namespaces/default/replicasets')).json.items.length, 0);
    assert.equal(live(await pods(api)).length, 0);
  });
});

// ---- fixtures -----------------------------------------------------------------------------

const lessons = readdirSync(fixture('lessons')).filter((f) => f.endsWith('.yaml')).sort();

test('every fixture loads and settles', async () => {
  assert.ok(lessons.length >= 9);
  for (const f of ['default.yaml', ...lessons.map((l) => `lessons/${l}`)]) {
    await withServer([], async (api) => {
      const all = (await api.get('/api/v1/pods')).json.items;
      assert.ok(all.length > 0, f);
      const pending = all.filter((p) => p.status.phase === 'Pending');
      assert.deepEqual(pending.map((p) => p.metadata.name), [], `${f}: pods left Pending`);
    }, { manifests: [fixture(f)] });
  }
});

const pdbStatus = async (api, ns = 'default') => Object.fromEntries(
  (await api.get(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`)).json.items
    .map((p) => [p.metadata.name, [p.status?.disruptionsAllowed ?? 0, p.status?.expectedPods ?? 0]]));

const evict = (api, ns, name) => api.post(`/api/v1/namespaces/${ns}/pods/${name}/eviction`,
  { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } });

test('the default fixture: three of everything, two web pods on node-1, one web pod and one db pod may go', async () => {
  await withServer([], async (api) => {
    assert.deepEqual(await pdbStatus(api), { db: [1, 3], web: [0, 3] }, 'web pods are Ready 3 s after they start');
    await api.advance(3);
    assert.deepEqual(await pdbStatus(api), { db: [1, 3], web: [1, 3] });
    const all = await pods(api);
    assert.deepEqual(all.filter((p) => p.metadata.name.startsWith('db-')).map((p) => p.metadata.name), ['db-0', 'db-1', 'db-2']);
    const web = all.filter((p) => /^web-[4-9bcdf]+-[a-z0-9]{5}$/.test(p.metadata.name));
    assert.deepEqual(web.map((p) => p.spec.nodeName).sort(), ['node-1', 'node-1', 'node-2']);
    assert.equal(all.find((p) => p.metadata.name === 'debug').spec.nodeName, 'node-1');
    assert.deepEqual((await pods(api, 'kube-system')).map((p) => p.spec.nodeName).sort(), ['node-1', 'node-2', 'node-3']);
  }, { manifests: [fixture('default.yaml')] });
});

test('lessons: the budgets their headers describe', async () => {
  const lesson = (n) => ({ manifests: [fixture(`lessons/${lessons.find((l) => l.startsWith(n))}`)] });
  await withServer([], async (api) => {
    assert.deepEqual(await pdbStatus(api), { a: [1, 4], b: [1, 4] });
    for (const d of ['a', 'b']) {
      await api.patch(`/apis/apps/v1/namespaces/default/deployments/${d}`, { spec: { replicas: 6 } }, { type: 'application/merge-patch+json' });
    }
    assert.deepEqual(await pdbStatus(api), { a: [3, 6], b: [1, 6] });
  }, lesson('01'));
  await withServer([], async (api) => {
    assert.deepEqual(await pdbStatus(api), { 'solo-max': [1, 1], 'solo-min': [0, 1] });
  }, lesson('02'));
  await withServer([], async (api) => {
    assert.deepEqual(await pdbStatus(api), { frozen: [0, 2] });
    const [p] = await pods(api);
    const r = await evict(api, 'default', p.metadata.name);
    assert.equal(r.status, 429);
    assert.equal(r.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  }, lesson('03'));
  await withServer([], async (api) => {
    const all = await pods(api);
    assert.ok(all.every((p) => p.status.phase === 'Running' && !p.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')));
    const strict = all.find((p) => p.metadata.name.startsWith('strict-'));
    const lenient = all.find((p) => p.metadata.name.startsWith('lenient-'));
    assert.equal((await evict(api, 'default', strict.metadata.name)).status, 429);
    assert.equal((await evict(api, 'default', lenient.metadata.name)).status, 201, 'lesson 4');
  }, lesson('04'));
  await withServer([], async (api) => {
    const [p] = await pods(api);
    const r = await evict(api, 'default', p.metadata.name);
    assert.equal(r.status, 500);
    assert.equal(r.json.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }, lesson('05'));
  await withServer([], async (api) => {
    assert.deepEqual(await pdbStatus(api, 'shop'), { 'all-of-shop': [1, 3], none: [0, 0] });
  }, lesson('06'));
  await withServer([], async (api) => {
    await api.advance(30);
    const all = await pods(api);
    assert.deepEqual(all.map((p) => [p.metadata.name, p.spec.nodeName]), [['db-0', 'node-1'], ['db-1', 'node-2'], ['db-2', 'node-1']]);
    assert.equal((await evict(api, 'default', 'db-0')).status, 201, 'lesson 7');
    assert.equal((await evict(api, 'default', 'db-2')).status, 429);
  }, lesson('07'));
  await withServer([], async (api) => {
    assert.equal((await evict(api, 'default', 'held')).status, 201, 'lesson 8');
    await api.advance(60);
    const held = await api.get('/api/v1/namespaces/default/pods/held');
    assert.equal(held.status, 200);
    assert.ok(held.json.metadata.deletionTimestamp);
  }, lesson('08'));
  await withServer([], async (api) => {
    assert.deepEqual(await pdbStatus(api), { web: [0, 0] }, 'no status before the first sync');
    await api.advance(30);
    const onNode1 = (await pods(api)).filter((p) => p.spec.nodeName === 'node-1');
    assert.equal(onNode1.length, 2);
    assert.equal((await evict(api, 'default', onNode1[0].metadata.name)).status, 201, 'lesson 9 first');
    await api.advance(5);
    assert.equal((await evict(api, 'default', onNode1[1].metadata.name)).status, 429);
    await api.advance(30);
    assert.equal((await evict(api, 'default', onNode1[1].metadata.name)).status, 201, 'lesson 9 later');
  }, { ...lesson('09'), args: ['--pdb-sync-delay', '30'] });
});

const [kubectl] = findKubectls();
test('kubectl drain node-1 of the default cluster, in real time', { skip: !kubectl && 'no kubectl on the PATH' }, async () => {
  const srv = await start({ clock: 'real', args: ['--time-scale', '20'], manifests: [fixture('default.yaml')] });
  const api = client(srv.url);
  try {
    const r = runKubectl(kubectl, srv.kubeconfig, ['drain', 'node-1', '--ignore-daemonsets', '--delete-emptydir-data', '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^node\/node-1 drained$/m);
    assert.match(r.stderr, /^error when evicting pods\/"web-[4-9bcdf]+-[a-z0-9]{5}" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$/m,
      'two web pods on node-1: the PDB holds the second until a replacement is Ready');
    await new Promise((res) => setTimeout(res, 500));
    const all = live(await pods(api));
    assert.equal(all.filter((p) => p.metadata.name.startsWith('web-') && p.status.phase === 'Running').length, 3);
    assert.deepEqual(all.filter((p) => p.metadata.name.startsWith('db-')).map((p) => p.metadata.name), ['db-0', 'db-1', 'db-2']);
    for (const p of all) assert.notEqual(p.spec.nodeName, 'node-1', p.metadata.name);
    assert.equal(all.find((p) => p.metadata.name === 'debug'), undefined);
    const web = (await api.get('/apis/apps/v1/namespaces/default/deployments/web')).json.status;
    assert.equal(web.availableReplicas, 3);
    const db = (await api.get('/apis/apps/v1/namespaces/default/statefulsets/db')).json.status;
    assert.equal(db.readyReplicas, 3);
    assert.equal((await pods(api, 'kube-system')).length, 3, 'DaemonSet pods stay');
  } finally { await srv.stop(); }
});
