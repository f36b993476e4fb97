// @kubernetes/client-node's generic KubernetesObjectApi (it finds each resource through
// discovery) over the registry's kinds: create, read, list, patch, replace and delete of a Lease,
// a ConfigMap, a PriorityClass, a Job, an events.k8s.io Event and a custom resource whose CRD it
// created first; typed CoordinationV1Api leader-election calls. Skipped when `npm ci` has not
// been run in tests/clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, request } from '../lib/server.mjs';

let k8s;
try {
  k8s = await import('@kubernetes/client-node');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
}

let srv, kc, objects;

if (!k8s) {
  test('client-node', { skip: 'run npm ci in tests/clients to test with @kubernetes/client-node' }, () => {});
} else {
  before(async () => {
    srv = await start({ args: ['--controllers', 'none'] });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(srv.kubeconfig);
    objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  });
  after(async () => { await srv?.stop(); });

  const samples = [
    { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', namespace: 'default' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast' } },
    { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'batch' }, value: 100 },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } },
    { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'drained', namespace: 'default' }, eventTime: '2025-01-01T00:00:00.000000Z', reportingController: 'drainer', reportingInstance: 'drainer-1', action: 'Drain', reason: 'Drained', regarding: { kind: 'Node', name: 'n1' }, note: 'node drained', type: 'Normal' },
  ];

  test('KubernetesObjectApi: create, read, list, patch, replace, delete of generic kinds', async () => {
    for (const s of samples) {
      const made = await objects.create(s);
      assert.equal(made.kind, s.kind);
      assert.equal(made.metadata.name, s.metadata.name);
      assert.ok(made.metadata.uid);
      const read = await objects.read({ apiVersion: s.apiVersion, kind: s.kind, metadata: { name: s.metadata.name, namespace: s.metadata.namespace } });
      assert.equal(read.metadata.uid, made.metadata.uid, s.kind);
      const list = await objects.list(s.apiVersion, s.kind, s.metadata.namespace);
      assert.ok(list.items.some((i) => i.metadata.name === s.metadata.name), s.kind);
      const patched = await objects.patch({ apiVersion: s.apiVersion, kind: s.kind, metadata: { name: s.metadata.name, namespace: s.metadata.namespace, labels: { touched: 'yes' } } },
        undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);
      assert.equal(patched.metadata.labels.touched, 'yes', s.kind);
      const replaced = await objects.replace({ ...patched, metadata: { ...patched.metadata, annotations: { replaced: 'yes' } } });
      assert.equal(replaced.metadata.annotations.replaced, 'yes', s.kind);
      await objects.delete({ apiVersion: s.apiVersion, kind: s.kind, metadata: { name: s.metadata.name, namespace: s.metadata.namespace } });
      await assert.rejects(objects.read({ apiVersion: s.apiVersion, kind: s.kind, metadata: { name: s.metadata.name, namespace: s.metadata.namespace } }), (e) => e.code === 404, s.kind);
    }
  });

  test('KubernetesObjectApi: a CRD, then its custom resources, found through fresh discovery', async () => {
    // client-node's CRD model writes a schema's `default` only from `_default`: the CRD goes as JSON
    const crd = await request(srv.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'budgets.ops.example.com' },
      spec: { group: 'ops.example.com', scope: 'Namespaced', names: { plural: 'budgets', kind: 'Budget' },
        versions: [{ name: 'v1alpha1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { owner: { type: 'string' }, limit: { type: 'integer', default: 1 } } } } } } }] },
    } });
    assert.equal(crd.status, 201, crd.text);
    const b = await objects.create({ apiVersion: 'ops.example.com/v1alpha1', kind: 'Budget', metadata: { name: 'nightly', namespace: 'default' }, spec: { owner: 'ops' } });
    assert.deepEqual(b.spec, { owner: 'ops', limit: 1 }, 'the schema default');
    const list = await objects.list('ops.example.com/v1alpha1', 'Budget', 'default');
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['nightly']);
    await objects.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'budgets.ops.example.com' } });
  });

  test('CoordinationV1Api: the leader-election calls on a Lease', async () => {
    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'controller-leader' },
      spec: { holderIdentity: 'pod-a', leaseDurationSeconds: 15, acquireTime: '2025-01-01T00:00:00.000000Z', renewTime: '2025-01-01T00:00:00.000000Z' } };
    const l = await coord.createNamespacedLease({ namespace: 'kube-system', body });
    assert.equal(l.spec.holderIdentity, 'pod-a');
    const renewed = await coord.replaceNamespacedLease({ name: 'controller-leader', namespace: 'kube-system',
      body: { ...l, spec: { ...l.spec, holderIdentity: 'pod-b' } } });
    assert.equal(renewed.spec.holderIdentity, 'pod-b');
    // a second candidate writing from the old resourceVersion loses
    await assert.rejects(coord.replaceNamespacedLease({ name: 'controller-leader', namespace: 'kube-system', body: l }), (e) => e.code === 409);
    const all = await coord.listNamespacedLease({ namespace: 'kube-system' });
    assert.deepEqual(all.items.map((i) => i.metadata.name), ['controller-leader']);
  });
}
