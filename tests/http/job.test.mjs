// The Job controller (pods from the template, completion through sim.evictsim.io/exit-after,
// backoffLimit counting evictions) and the ControllerRevisions the StatefulSet and DaemonSet
// controllers keep, on the virtual clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client } from '../lib/server.mjs';

let srv, api;
before(async () => {
  srv = await start();
  api = client(srv.url);
  const r = await api.load(`apiVersion: v1
kind: Node
metadata: {name: n1}
status: {conditions: [{type: Ready, status: "True"}], allocatable: {pods: "110"}}
`);
  assert.equal(r.status, 200, r.text);
});
after(async () => { await srv.stop(); });

const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const job = (name, spec, exitAfter = '10s') => ({
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
  spec: { ...spec, template: { metadata: { annotations: { 'sim.evictsim.io/exit-after': exitAfter } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
});
const podsOf = async (name) => (await api.get(`/api/v1/namespaces/default/pods?labelSelector=job-name%3D${name}`)).json.items;

test('a Job runs parallelism pods to completions and completes', async () => {
  const c = await api.post(JOBS, job('twice', { completions: 3, parallelism: 2 }));
  assert.equal(c.status, 201, c.text);
  await api.advance(1);
  let pods = await podsOf('twice');
  assert.equal(pods.length, 2);
  const p = pods[0];
  assert.match(p.metadata.name, /^twice-[a-z0-9]{5}$/);
  assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'twice', uid: c.json.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(p.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
  assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], c.json.metadata.uid);
  let j = (await api.get(`${JOBS}/twice`)).json;
  assert.equal(j.status.active, 2);
  assert.equal(j.status.startTime, '2025-01-01T00:00:00Z');
  await api.advance(10);
  pods = await podsOf('twice');
  assert.equal(pods.filter((x) => x.status.phase === 'Succeeded').length, 2);
  assert.ok(pods.filter((x) => x.status.phase === 'Succeeded').every((x) => !x.metadata.finalizers), 'counted pods lose the finalizer');
  j = (await api.get(`${JOBS}/twice`)).json;
  assert.equal(j.status.succeeded, 2);
  assert.equal(j.status.active, 1, 'one more for the third completion');
  await api.advance(11);
  j = (await api.get(`${JOBS}/twice`)).json;
  assert.equal(j.status.succeeded, 3);
  assert.equal(j.status.active, undefined);
  assert.deepEqual(j.status.conditions.map((x) => [x.type, x.status, x.reason]),
    [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
  assert.equal(j.status.completionTime, '2025-01-01T00:00:20Z', 'the third pod ran from 10 s to 20 s');
  assert.equal((await podsOf('twice')).length, 3, 'no pod after completion');
});

test('an evicted Job pod counts against backoffLimit and is replaced at once', async () => {
  await api.post(JOBS, job('fragile', { backoffLimit: 1 }, '1h'));
  await api.advance(1);
  const evict = async () => {
    const [p] = (await podsOf('fragile')).filter((x) => !x.metadata.deletionTimestamp);
    const r = await api.post(`/api/v1/namespaces/default/pods/${p.metadata.name}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name } });
    assert.equal(r.status, 201, r.text);
  };
  await evict();
  await api.advance(1);
  let j = (await api.get(`${JOBS}/fragile`)).json;
  assert.equal(j.status.failed, 1);
  assert.equal(j.status.active, 1, 'replaced while the evicted pod terminates');
  await evict();
  await api.advance(31);
  j = (await api.get(`${JOBS}/fragile`)).json;
  assert.equal(j.status.failed, 2);
  assert.deepEqual(j.status.conditions.map((x) => [x.type, x.reason]),
    [['FailureTarget', 'BackoffLimitExceeded'], ['Failed', 'BackoffLimitExceeded']]);
  assert.equal(j.status.conditions[1].message, 'Job has reached the specified backoff limit');
  assert.deepEqual(await podsOf('fragile'), [], 'the evicted pods went once counted');
});

test('StatefulSets and DaemonSets keep ControllerRevisions, numbered as templates change', async () => {
  const tpl = (v) => ({ metadata: { labels: { app: 'rev' }, annotations: { v } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  await api.post('/apis/apps/v1/namespaces/default/statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'rev' },
    spec: { replicas: 1, serviceName: 'rev', selector: { matchLabels: { app: 'rev' } }, template: tpl('1') } });
  await api.advance(1);
  const revs = async () => (await api.get('/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Drev')).json.items
    .map((r) => [r.metadata.name, r.revision, r.metadata.ownerReferences[0].kind]).sort((a, b) => a[1] - b[1]);
  let r = await revs();
  assert.equal(r.length, 1);
  const sts = (await api.get('/apis/apps/v1/namespaces/default/statefulsets/rev')).json;
  assert.deepEqual(r[0], [sts.status.updateRevision, 1, 'StatefulSet']);
  await api.patch('/apis/apps/v1/namespaces/default/statefulsets/rev', { spec: { template: tpl('2') } }, { type: 'application/merge-patch+json' });
  await api.advance(1);
  r = await revs();
  assert.deepEqual(r.map((x) => x[1]), [1, 2]);
  await api.patch('/apis/apps/v1/namespaces/default/statefulsets/rev', { spec: { template: tpl('1') } }, { type: 'application/merge-patch+json' });
  await api.advance(1);
  r = await revs();
  assert.deepEqual(r.map((x) => x[1]), [2, 3], 'the first template again: its revision is now the newest');
  const one = (await api.get(`/apis/apps/v1/namespaces/default/controllerrevisions/${r[1][0]}`)).json;
  assert.equal(one.data.spec.template.$patch, 'replace');
  assert.equal(one.data.spec.template.metadata.annotations.v, '1');
  await api.post('/apis/apps/v1/namespaces/default/daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ds' },
    spec: { selector: { matchLabels: { app: 'dsr' } }, template: { metadata: { labels: { app: 'dsr' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } });
  await api.advance(1);
  const dsr = (await api.get('/apis/apps/v1/namespaces/default/controllerrevisions?labelSelector=app%3Ddsr')).json.items;
  assert.equal(dsr.length, 1);
  assert.match(dsr[0].metadata.name, /^ds-[a-z0-9]+$/);
  assert.equal(dsr[0].metadata.labels['controller.kubernetes.io/hash'], dsr[0].metadata.name.slice(3));
});
