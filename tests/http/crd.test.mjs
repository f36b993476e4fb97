// CustomResourceDefinitions: a CRD serves its resources at once (discovery, REST, Table, status
// and scale subresources, pruning and defaults from the schema), its objects go with it, and a
// bad CRD is a 422 naming the field with nothing created.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, request } from '../lib/server.mjs';

let srv, api;
before(async () => { srv = await start({ args: ['--controllers', 'none'] }); api = client(srv.url); });
after(async () => { await srv.stop(); });

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

const crd = (plural = 'widgets', kind = 'Widget', scope = 'Namespaced', extra = {}) => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.example.com` },
  spec: {
    group: 'example.com', scope, names: { plural, kind, shortNames: ['wd'] },
    versions: [{
      name: 'v1', served: true, storage: true,
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
      additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Color', type: 'string', jsonPath: '.spec.color', priority: 1 }],
      schema: { openAPIV3Schema: { type: 'object', properties: {
        spec: { type: 'object', required: ['color'], properties: {
          replicas: { type: 'integer', default: 1 }, color: { type: 'string', enum: ['red', 'blue'] } } },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      ...extra,
    }],
  },
});

test('a CRD serves its resources at once: discovery, CRUD, defaults, pruning, Table', async () => {
  const c = await api.post(CRDS, crd());
  assert.equal(c.status, 201, c.text);
  assert.deepEqual(c.json.status.conditions.map((x) => [x.type, x.status, x.reason]),
    [['NamesAccepted', 'True', 'NoConflicts'], ['Established', 'True', 'InitialNamesAccepted']]);
  assert.deepEqual(c.json.status.storedVersions, ['v1']);
  assert.equal(c.json.spec.names.singular, 'widget');
  assert.equal(c.json.spec.names.listKind, 'WidgetList');
  const disc = await api.get('/apis/example.com/v1');
  assert.equal(disc.status, 200);
  assert.deepEqual(disc.json.resources.map((r) => [r.name, r.kind, r.namespaced]),
    [['widgets', 'Widget', true], ['widgets/scale', 'Scale', true], ['widgets/status', 'Widget', true]]);
  assert.deepEqual(disc.json.resources[0].shortNames, ['wd']);
  const groups = (await api.get('/apis')).json.groups.map((g) => g.name);
  assert.ok(groups.includes('example.com'));
  const W = '/apis/example.com/v1/namespaces/default/widgets';
  const w = await api.post(W, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { color: 'red', junk: 1 }, status: { replicas: 9 } });
  assert.equal(w.status, 201, w.text);
  assert.deepEqual(w.json.spec, { color: 'red', replicas: 1 }, 'pruned and defaulted');
  assert.equal(w.json.status, undefined, 'status is the subresource\'s');
  assert.equal(w.json.metadata.generation, 1);
  const bad = await api.post(W, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: { color: 'green', replicas: 'x' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.message, 'Widget.example.com "w2" is invalid: [spec.color: Unsupported value: "green": supported values: "red", "blue", spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"]');
  const missing = await api.post(W, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w3' }, spec: {} });
  assert.equal(missing.status, 422);
  assert.equal(missing.json.message, 'Widget.example.com "w3" is invalid: spec.color: Required value');
  const st = await api.put(`${W}/w1/status`, { ...(await api.get(`${W}/w1`)).json, status: { replicas: 1 } });
  assert.equal(st.status, 200, st.text);
  assert.deepEqual(st.json.status, { replicas: 1 });
  const t = await api.get(W, undefined, { accept: TABLE });
  assert.deepEqual(t.json.columnDefinitions.map((d) => [d.name, d.type, d.priority]),
    [['Name', 'string', 0], ['Replicas', 'integer', 0], ['Color', 'string', 1]]);
  assert.deepEqual(t.json.rows[0].cells, ['w1', 1, 'red']);
  const sc = await api.patch(`${W}/w1/scale`, { spec: { replicas: 5 } }, { type: 'application/merge-patch+json' });
  assert.equal(sc.status, 200, sc.text);
  assert.deepEqual([sc.json.spec.replicas, sc.json.status.replicas], [5, 1]);
  assert.equal((await api.get(`${W}/w1`)).json.spec.replicas, 5);
  const all = await api.get('/apis/example.com/v1/widgets');
  assert.deepEqual(all.json.items.map((i) => i.metadata.name), ['w1']);
  assert.equal(all.json.kind, 'WidgetList');
});

test('deleting a CRD withdraws its resources and deletes its objects', async () => {
  await api.post(CRDS, crd('gadgets', 'Gadget', 'Cluster'));
  const G = '/apis/example.com/v1/gadgets';
  assert.equal((await api.post(G, { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { color: 'blue' } })).status, 201);
  assert.equal((await api.get(`${G}/g1`)).json.metadata.namespace, undefined, 'cluster-scoped');
  const d = await api.del(`${CRDS}/gadgets.example.com`);
  assert.equal(d.status, 200);
  assert.equal((await api.get(G)).status, 404);
  assert.ok(!(await api.get('/apis/example.com/v1')).json.resources.some((r) => r.name === 'gadgets'));
  const snap = (await api.get('/sim/v1/snapshot')).json.items;
  assert.ok(!snap.some((o) => o.kind === 'Gadget'), 'its objects are gone');
  // served again: empty
  await api.post(CRDS, crd('gadgets', 'Gadget', 'Cluster'));
  assert.deepEqual((await api.get(G)).json.items, []);
  await api.del(`${CRDS}/gadgets.example.com`);
});

test('a manifest with a CRD and its custom resources loads in one go; a failed load serves nothing', async () => {
  const yaml = [crd('sprockets', 'Sprocket'),
    { apiVersion: 'example.com/v1', kind: 'Sprocket', metadata: { name: 's1', namespace: 'default' }, spec: { color: 'red' } }]
    .map((o) => JSON.stringify(o)).join('\n---\n');
  const r = await api.load(yaml);
  assert.equal(r.status, 200, r.text);
  const s = await api.get('/apis/example.com/v1/namespaces/default/sprockets/s1');
  assert.equal(s.json.spec.replicas, 1);
  const failing = [crd('cogs', 'Cog'), { apiVersion: 'example.com/v1', kind: 'Cog', metadata: { name: 'Bad_Name' }, spec: { color: 'red' } }]
    .map((o) => JSON.stringify(o)).join('\n---\n');
  const f = await api.load(failing);
  assert.equal(f.status, 422);
  assert.equal((await api.get('/apis/example.com/v1/cogs')).status, 404, 'the failed load\'s CRD is not served');
  assert.equal((await api.get(`${CRDS}/cogs.example.com`)).status, 404);
});

test('hostile CRDs: a 422 naming the field, nothing created', async () => {
  const base = crd('things', 'Thing');
  const cases = [
    [{ ...base, metadata: { name: 'wrong.example.com' } }, 'metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural+"."+spec.group'],
    [{ ...base, metadata: { name: 'things.example' }, spec: { ...base.spec, group: 'example' } }, 'spec.group: Invalid value: "example": should be a domain with at least one dot'],
    [{ ...base, spec: { ...base.spec, names: { kind: 'Thing' } } }, 'spec.names.plural: Required value'],
    [{ ...base, spec: { ...base.spec, names: { plural: 'things', kind: '' } } }, 'spec.names.kind: Required value'],
    [{ ...base, spec: { ...base.spec, scope: 'Galaxy' } }, 'spec.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"'],
    [{ ...base, spec: { ...base.spec, versions: [{ name: 'v1', served: true, storage: true }] } }, 'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'],
    [{ ...base, spec: { ...base.spec, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { properties: {} } } }] } }, 'spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root'],
    [{ ...base, spec: { ...base.spec, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: {} } } } }] } }, 'spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'],
    [{ ...base, spec: { ...base.spec, names: { plural: 'Things!', kind: 'Thing' } }, metadata: { name: 'Things!.example.com' } }, 'spec.names.plural: Invalid value: "Things!"'],
  ];
  for (const [body, msg] of cases) {
    const before = (await api.get('/sim/v1/snapshot')).text;
    const r = await api.post(CRDS, body);
    assert.equal(r.status, 422, `${msg}: ${r.text}`);
    assert.equal(r.json.reason, 'Invalid');
    assert.ok(r.json.message.startsWith('CustomResourceDefinition.apiextensions.k8s.io "'), r.json.message);
    assert.ok(r.json.message.includes(msg), `${r.json.message}\n wanted ${msg}`);
    assert.equal((await api.get('/sim/v1/snapshot')).text, before, 'nothing created');
    assert.equal((await api.get('/apis/example.com/v1/things')).status, 404);
  }
  // a huge document: refused whole, nothing created
  const huge = crd('bigs', 'Big');
  huge.spec.versions[0].schema.openAPIV3Schema.description = 'x'.repeat(4 * 1024 * 1024);
  const r = await request(srv.url, 'POST', CRDS, { body: huge });
  assert.equal(r.status, 413);
  assert.equal((await api.get('/apis/example.com/v1/bigs')).status, 404);
  // names taken by a built-in resource: not served, the conflict in its status
  const clash = { ...crd('pods', 'Pod'), metadata: { name: 'pods.example.com' } };
  clash.spec.group = 'example.com';
  const ok = await api.post(CRDS, clash);
  assert.equal(ok.status, 201);
  assert.equal((await api.get('/apis/example.com/v1/pods')).status, 200, 'another group: no conflict');
  // the server is still serving
  assert.equal((await api.get('/healthz')).status, 200);
});
