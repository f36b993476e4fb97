// fieldValidation over fields a built-in kind does not have (docs/reference:
// API surface, fieldValidation): kube-apiserver's strict decoder finds them
// against the Go types; evictsim reads the same types from the protobuf
// schema (proto/, with Go's JSON names).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, request, fixture } from '../lib/server.mjs';

const MORE = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: default}
data: {a: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: default}
data: {a: YQ==}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj, namespace: default}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: default}
spec: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80}]}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: default}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
`;

let srv, api;
before(async () => {
  srv = await start({ manifests: [fixture('default.yaml')] });
  api = client(srv.url);
  const r = await api.load(MORE);
  assert.equal(r.status, 200, r.text);
  // let the controllers, the scheduler and the kubelets write their status
  assert.equal((await api.post('/sim/v1/clock/advance', { seconds: 60 })).status, 200);
});
after(() => srv.stop());

const post = (path, q, body) => request(srv.url, 'POST', `${path}${q}`, { body, type: 'application/json' });

const DEPLOY = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME","labels":{"a":"1"}},' +
  '"spec":{"replicas":1,"replicaz":2,"selector":{"matchLabels":{"a":"1"}},"template":{"metadata":{"labels":{"a":"1"}},' +
  '"spec":{"containers":[{"name":"c","image":"x","ports":[{"containerPort":80,"hostPortt":1}]}]}},"replicas":1}}';

test('Strict: the unknown and repeated fields in the order of the body, nothing created', async () => {
  const path = '/apis/apps/v1/namespaces/default/deployments';
  const r = await post(path, '?fieldValidation=Strict', DEPLOY.replace('NAME', 'u-strict'));
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.reason, 'BadRequest');
  assert.equal(r.json.message, 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' +
    'unknown field "spec.replicaz", unknown field "spec.template.spec.containers[0].ports[0].hostPortt", ' +
    'duplicate field "spec.replicas"');
  assert.equal((await api.get(`${path}/u-strict`)).status, 404);
  // an update is judged the same way
  const ok = await post(path, '', DEPLOY.replace('NAME', 'u-upd').replace(',"replicaz":2', '').replace(',"hostPortt":1', ''));
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.headers.get('warning'), '299 - "duplicate field \\"spec.replicas\\""');
  const cur = ok.json;
  cur.metadata.labelz = { x: 'y' };
  const u = await request(srv.url, 'PUT', `${path}/u-upd?fieldValidation=Strict`, { body: cur });
  assert.equal(u.status, 400, u.text);
  assert.match(u.json.message, /strict decoding error: unknown field "metadata\.labelz"$/);
});

test('Warn (the default) and Ignore: created without the unknown fields, a Warning header per field under Warn', async () => {
  const path = '/apis/apps/v1/namespaces/default/deployments';
  for (const q of ['', '?fieldValidation=Warn']) {
    const r = await post(path, q, DEPLOY.replace('NAME', `u-warn${q ? '-q' : ''}`));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('warning'), '299 - "unknown field \\"spec.replicaz\\"", ' +
      '299 - "unknown field \\"spec.template.spec.containers[0].ports[0].hostPortt\\"", ' +
      '299 - "duplicate field \\"spec.replicas\\""');
    // dropped, as a typed decoder drops them: not in the answer, nor in the pods made from it
    assert.equal(r.json.spec.replicaz, undefined);
    assert.deepEqual(r.json.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  }
  const r = await post(path, '?fieldValidation=Ignore', DEPLOY.replace('NAME', 'u-ignore'));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('warning'), null);
  assert.equal(r.json.spec.replicaz, undefined);
});

test('a patch: its result is judged; under Strict patch.go\'s 422 with the patch as the value', async () => {
  const path = '/apis/apps/v1/namespaces/default/deployments';
  const made = await post(path, '', DEPLOY.replace('NAME', 'u-patch').replace(',"replicaz":2', '').replace(',"hostPortt":1', ''));
  assert.equal(made.status, 201, made.text);
  const patch = (q, type, body) => request(srv.url, 'PATCH', `${path}/u-patch${q}`, { body, type });
  for (const [type, body] of [
    ['application/merge-patch+json', { spec: { replicaz: 3, paused: true } }],
    ['application/strategic-merge-patch+json', { spec: { replicaz: 3, paused: true } }],
    ['application/json-patch+json', [{ op: 'add', path: '/spec/replicaz', value: 3 }, { op: 'add', path: '/spec/paused', value: true }]],
  ]) {
    let r = await patch('?fieldValidation=Strict', type, body);
    assert.equal(r.status, 422, `${type}: ${r.text}`);
    assert.equal(r.json.reason, 'Invalid');
    assert.equal(r.json.details.causes.length, 1);
    assert.equal(r.json.details.causes[0].field, 'patch');
    if (type === 'application/strategic-merge-patch+json') { // the patch map, as Go's %+v prints it
      assert.equal(r.json.message, ' "" is invalid: patch: Invalid value: "map[spec:map[paused:true replicaz:3]]": ' +
        'strict decoding error: unknown field "spec.replicaz"');
    } else { // the patched object
      assert.match(r.json.message, /^ "" is invalid: patch: Invalid value: "\{.*\\"replicaz\\":3.*\}": strict decoding error: unknown field "spec\.replicaz"$/);
    }
    r = await patch('', type, body);
    assert.equal(r.status, 200, `${type}: ${r.text}`);
    assert.equal(r.headers.get('warning'), '299 - "unknown field \\"spec.replicaz\\""', type);
    assert.equal(r.json.spec.replicaz, undefined);
    assert.equal(r.json.spec.paused, true);
    assert.equal((await patch('', 'application/merge-patch+json', { spec: { paused: null } })).status, 200);
  }
});

test('what the types allow is not flagged: TypeMeta of nested kinds, maps, quantities, raw extensions', async () => {
  const sts = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'fv-sts', annotations: { 'x/y': 'z' } },
    spec: {
      serviceName: 'x', selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x',
        resources: { limits: { cpu: '500m', memory: '1Gi' } }, livenessProbe: { httpGet: { port: 'http', path: '/' } } }] } },
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'd' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  let r = await post('/apis/apps/v1/namespaces/default/statefulsets', '?fieldValidation=Strict', JSON.stringify(sts));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('warning'), null);
  // a ControllerRevision's data is a RawExtension: any fields at all
  const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'fv-cr' }, revision: 1,
    data: { spec: { anything: { goes: [1, 2] } }, whatever: true } };
  r = await post('/apis/apps/v1/namespaces/default/controllerrevisions', '?fieldValidation=Strict', JSON.stringify(cr));
  assert.equal(r.status, 201, r.text);
  // but a pod template has no TypeMeta, nor has SELinuxOptions
  const bad = structuredClone(sts);
  bad.metadata.name = 'fv-sts2';
  bad.spec.template.kind = 'PodTemplateSpec';
  bad.spec.template.spec.securityContext = { seLinuxOptions: { kind: 'x', level: 's0' } };
  r = await post('/apis/apps/v1/namespaces/default/statefulsets', '?fieldValidation=Strict', JSON.stringify(bad));
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.message, /strict decoding error: unknown field "spec\.template\.spec\.securityContext\.seLinuxOptions\.kind", unknown field "spec\.template\.kind"$/);
  // a type error wins over the strict ones; a body that is not an object is refused as such
  r = await post('/apis/apps/v1/namespaces/default/statefulsets', '?fieldValidation=Strict',
    JSON.stringify({ ...bad, spec: { ...bad.spec, replicas: '3' } }));
  assert.equal(r.status, 400);
  assert.match(r.json.message, /json: cannot unmarshal string into Go struct field StatefulSetSpec\.spec\.replicas of type int32$/);
  r = await post('/apis/apps/v1/namespaces/default/statefulsets', '?fieldValidation=Strict', '[]');
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('warning'), null);
  // a body of another kind is refused as such, not for fields of the endpoint's kind
  r = await post('/api/v1/namespaces', '?fieldValidation=Strict',
    JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'x' }, spec: { minAvailable: 1 } }));
  assert.equal(r.status, 400);
  assert.match(r.json.message, /^the API version in the data \(policy\/v1\) does not match the expected API version \(v1\)$/);
});

test('every object evictsim serves reads back under Strict with no unknown field', async () => {
  // what a client gets is what it may send back: a dry-run update of each
  // object of every updatable resource in discovery
  const groups = [['', 'v1', '/api/v1']];
  for (const g of (await api.get('/apis')).json.groups)
    groups.push([g.name, g.preferredVersion.version, `/apis/${g.preferredVersion.groupVersion}`]);
  let checked = 0;
  const kinds = new Set();
  for (const [, , base] of groups) {
    const list = (await api.get(base)).json;
    for (const res of list.resources) {
      if (res.name.includes('/') || !res.verbs.includes('update') || !res.verbs.includes('list')) continue;
      const items = (await api.get(`${base}/${res.name}`)).json.items || [];
      for (const it of items) {
        it.apiVersion = list.groupVersion;
        it.kind = res.kind;
        const ns = it.metadata.namespace;
        const path = `${base}/${ns ? `namespaces/${ns}/` : ''}${res.name}/${it.metadata.name}`;
        const r = await request(srv.url, 'PUT', `${path}?dryRun=All&fieldValidation=Strict`, { body: it });
        assert.ok(r.status === 200 || r.status === 201, `${path}: ${r.status} ${r.text}`);
        assert.equal(r.headers.get('warning'), null, path);
        checked++;
        kinds.add(res.kind);
      }
    }
  }
  for (const k of ['Pod', 'Node', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'PodDisruptionBudget',
    'Service', 'Endpoints', 'ConfigMap', 'Secret', 'CronJob', 'NetworkPolicy', 'Role',
    'Lease', 'Namespace', 'ServiceAccount', 'PriorityClass', 'ControllerRevision'])
    assert.ok(kinds.has(k), `no ${k} was checked (${[...kinds].join(', ')})`);
  assert.ok(checked > 40, `${checked} objects`);
});
