// Discovery negotiation and Table output over HTTP, as kubectl asks for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, fixture } from '../lib/server.mjs';

let srv, api;
before(async () => { srv = await start({ manifests: [fixture('default.yaml')] }); api = client(srv.url); });
after(async () => { await srv.stop(); });

const V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

test('kubectl 1.27-1.29 Accept gets v2beta1 aggregated discovery up to 1.32, legacy from 1.33', async () => {
  const old = await start({ args: ['--kube-version', '1.32'] });
  try {
    const r = await client(old.url).get('/api', undefined, { accept: V2BETA1 });
    assert.equal(r.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
    assert.equal(r.json.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  } finally { await old.stop(); }
  const r = await api.get('/api', undefined, { accept: V2BETA1 });
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.json.kind, 'APIVersions');
});

test('kubectl 1.30+ Accept gets v2 aggregated discovery', async () => {
  const r = await api.get('/apis', undefined, { accept: V2 });
  assert.equal(r.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.deepEqual(r.json.items.map((i) => i.metadata.name).sort(), ['apiextensions.k8s.io', 'apps',
    'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io',
    'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io']);
});

test('autoscaling serves v2 (preferred) and v1, in legacy and aggregated discovery', async () => {
  const gv = (v) => ({ groupVersion: `autoscaling/${v}`, version: v });
  const g = (await api.get('/apis/autoscaling')).json;
  assert.deepEqual(g, { kind: 'APIGroup', apiVersion: 'v1', name: 'autoscaling', versions: [gv('v2'), gv('v1')], preferredVersion: gv('v2') });
  const inList = (await api.get('/apis')).json.groups.find((x) => x.name === 'autoscaling');
  assert.deepEqual(inList, { name: 'autoscaling', versions: [gv('v2'), gv('v1')], preferredVersion: gv('v2') });
  for (const v of ['v2', 'v1']) {
    const l = (await api.get(`/apis/autoscaling/${v}`)).json;
    assert.equal(l.groupVersion, `autoscaling/${v}`);
    assert.deepEqual(l.resources.map((x) => [x.name, x.kind, x.verbs.length]), [
      ['horizontalpodautoscalers', 'HorizontalPodAutoscaler', 8], ['horizontalpodautoscalers/status', 'HorizontalPodAutoscaler', 3]]);
    assert.deepEqual(l.resources[0].shortNames, ['hpa']);
  }
  assert.equal((await api.get('/apis/autoscaling/v2beta2')).status, 404);
  for (const accept of [V2, V2BETA1]) {
    const old = accept === V2BETA1 ? await start({ args: ['--kube-version', '1.32'] }) : null;
    try {
      const agg = (await client(old ? old.url : srv.url).get('/apis', undefined, { accept })).json;
      const item = agg.items.find((i) => i.metadata.name === 'autoscaling');
      assert.deepEqual(item.versions.map((v) => v.version), ['v2', 'v1']);
      for (const v of item.versions) {
        assert.equal(v.freshness, 'Current');
        assert.deepEqual(v.resources.map((r) => [r.resource, r.responseKind.version, r.subresources[0].responseKind.version]),
          [['horizontalpodautoscalers', v.version, v.version]]);
      }
    } finally { if (old) await old.stop(); }
  }
});

test('plain JSON gets legacy discovery with pods/eviction', async () => {
  const r = await api.get('/api/v1', undefined, { accept: 'application/json, */*' });
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.json.kind, 'APIResourceList');
  const ev = r.json.resources.find((x) => x.name === 'pods/eviction');
  assert.deepEqual({ group: ev.group, version: ev.version, kind: ev.kind, verbs: ev.verbs }, { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  const pods = r.json.resources.find((x) => x.name === 'pods');
  assert.deepEqual(pods.shortNames, ['po']);
  assert.equal(pods.singularName, 'pod');
  const pdb = (await api.get('/apis/policy/v1')).json.resources.find((x) => x.name === 'poddisruptionbudgets');
  assert.deepEqual(pdb.shortNames, ['pdb']);
});

test('/version, health and openapi', async () => {
  const v = await api.get('/version');
  assert.equal(v.json.major, '1');
  assert.equal(v.json.minor, '36');
  assert.equal(v.json.gitVersion, 'v1.36.3');
  for (const p of ['/healthz', '/livez', '/readyz']) assert.equal((await api.get(p)).status, 200);
  const o = await api.get('/openapi/v2');
  assert.equal(o.status, 200);
  assert.equal(o.headers.get('content-type'), 'application/octet-stream');
  assert.equal(o.text, '');
});

test('pods as a Table with the real columns', async () => {
  const r = await api.get('/api/v1/namespaces/default/pods', undefined, { accept: TABLE });
  assert.equal(r.json.kind, 'Table');
  assert.deepEqual(r.json.columnDefinitions.map((c) => [c.name, c.priority]),
    [['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1]]);
  const row = r.json.rows.find((x) => x.cells[0] === 'db-0');
  assert.deepEqual(row.cells.slice(0, 3), ['db-0', '1/1', 'Running']);
  assert.equal(row.object.kind, 'PartialObjectMetadata');
  assert.equal(row.object.metadata.namespace, 'default');
});

test('a single-object GET as a Table has one row', async () => {
  const r = await api.get('/api/v1/nodes/node-1', undefined, { accept: TABLE });
  assert.equal(r.json.kind, 'Table');
  assert.equal(r.json.rows.length, 1);
  assert.equal(r.json.rows[0].cells[0], 'node-1');
});

test('cordoned node shows Ready,SchedulingDisabled; PDB columns', async () => {
  await api.patch('/api/v1/nodes/node-2', { spec: { unschedulable: true } }, { type: 'application/strategic-merge-patch+json' });
  const n = await api.get('/api/v1/nodes/node-2', undefined, { accept: TABLE });
  assert.equal(n.json.rows[0].cells[1], 'Ready,SchedulingDisabled');
  await api.patch('/api/v1/nodes/node-2', { spec: { unschedulable: null } }, { type: 'application/strategic-merge-patch+json' });
  const p = await api.get('/apis/policy/v1/namespaces/default/poddisruptionbudgets', undefined, { accept: TABLE });
  assert.deepEqual(p.json.columnDefinitions.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  const web = p.json.rows.find((x) => x.cells[0] === 'web');
  assert.deepEqual(web.cells.slice(1, 3), ['2', 'N/A']);
});
