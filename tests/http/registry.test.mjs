// The registry's kinds as a client sees them: every resource of docs/reference's table served
// with the REST conventions (CRUD, selectors, patches, dryRun, conflicts, deletecollection,
// Table), the objects present at start, Scale, pods/binding, pods/log, access reviews and
// PriorityClass admission.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, request, watchLines } from '../lib/server.mjs';

let srv, api;
before(async () => { srv = await start({ args: ['--controllers', 'none'] }); api = client(srv.url); });
after(async () => { await srv.stop(); });

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const NS = '/api/v1/namespaces/default';

// One object of each served stored kind: [path of its collection, body].
const samples = [
  [`${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1', b: '2' } }],
  [`${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { k: 'dg==' } }],
  [`${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } }],
  [`${NS}/endpoints`, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'svc' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] }],
  [`${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } }],
  [`${NS}/persistentvolumeclaims`, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  ['/api/v1/persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp' } } }],
  [`${NS}/podtemplates`, { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'tpl' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } }],
  [`${NS}/limitranges`, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] } }],
  [`${NS}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'rq' }, spec: { hard: { pods: '10' } } }],
  ['/apis/apps/v1/namespaces/default/controllerrevisions', { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'rev' }, revision: 3 }],
  ['/apis/batch/v1/namespaces/default/jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } }],
  ['/apis/batch/v1/namespaces/default/cronjobs', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cj' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } } } }],
  ['/apis/coordination.k8s.io/v1/namespaces/default/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } }],
  ['/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 }],
  ['/apis/networking.k8s.io/v1/namespaces/default/ingresses', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ing' }, spec: { rules: [{ host: 'a.example.com' }] } }],
  ['/apis/networking.k8s.io/v1/namespaces/default/networkpolicies', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, spec: { podSelector: { matchLabels: { app: 'web' } } } }],
  ['/apis/networking.k8s.io/v1/ingressclasses', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }],
  ['/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/p' }],
  ['/apis/storage.k8s.io/v1/csinodes', { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'n1' }, spec: { drivers: [] } }],
  ['/apis/storage.k8s.io/v1/csidrivers', { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'd.example.com' }, spec: {} }],
  ['/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [] }],
  ['/apis/rbac.authorization.k8s.io/v1/clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr' }, rules: [] }],
  ['/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'ann' }] }],
  ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'crb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr' } }],
  ['/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'hpa' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 } }],
  ['/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'svc-1' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] }],
];

// The columns kubectl would print (server-side Table, upper-cased by kubectl).
const columns = {
  ConfigMap: ['Name', 'Data', 'Age'],
  Secret: ['Name', 'Type', 'Data', 'Age'],
  Service: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
  Endpoints: ['Name', 'Endpoints', 'Age'],
  ServiceAccount: ['Name', 'Secrets', 'Age'],
  PersistentVolumeClaim: ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode'],
  PersistentVolume: ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode'],
  PodTemplate: ['Name', 'Containers', 'Images', 'Pod Labels'],
  LimitRange: ['Name', 'Created At'],
  ResourceQuota: ['Name', 'Request', 'Limit', 'Age'],
  ControllerRevision: ['Name', 'Controller', 'Revision', 'Age'],
  Job: ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
  CronJob: ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector'],
  Lease: ['Name', 'Holder', 'Age'],
  PriorityClass: ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy'],
  Ingress: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
  NetworkPolicy: ['Name', 'Pod-Selector', 'Age'],
  IngressClass: ['Name', 'Controller', 'Parameters', 'Age'],
  StorageClass: ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
  CSINode: ['Name', 'Drivers', 'Age'],
  CSIDriver: ['Name', 'AttachRequired', 'PodInfoOnMount', 'StorageCapacity', 'TokenRequests', 'RequiresRepublish', 'Modes', 'Age'],
  Role: ['Name', 'Created At'],
  ClusterRole: ['Name', 'Created At'],
  RoleBinding: ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts'],
  ClusterRoleBinding: ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts'],
  HorizontalPodAutoscaler: ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'],
  EndpointSlice: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
};

test('every stored kind: create, get, list, Table, update, patch, delete', async () => {
  for (const [path, body] of samples) {
    const kind = body.kind;
    const c = await api.post(path, body);
    assert.equal(c.status, 201, `${kind}: ${c.text}`);
    assert.equal(c.json.kind, kind);
    assert.equal(c.json.apiVersion, body.apiVersion);
    assert.match(c.json.metadata.uid, /^[0-9a-f-]{36}$/);
    const one = `${path}/${body.metadata.name}`;
    const g = await api.get(one);
    assert.equal(g.status, 200, kind);
    assert.deepEqual(g.json, c.json, `${kind}: get answers what create stored`);
    const l = await api.get(path);
    assert.equal(l.json.kind, `${kind}List`);
    assert.ok(l.json.items.some((i) => i.metadata.name === body.metadata.name), kind);
    const t = await api.get(path, undefined, { accept: TABLE });
    assert.equal(t.json.kind, 'Table', kind);
    assert.deepEqual(t.json.columnDefinitions.map((d) => d.name), columns[kind], kind);
    const row = t.json.rows.find((r) => r.object.metadata.name === body.metadata.name);
    assert.equal(row.cells.length, columns[kind].length, kind);
    const p = await api.patch(one, { metadata: { labels: { patched: 'yes' } } }, { type: 'application/merge-patch+json' });
    assert.equal(p.status, 200, `${kind}: ${p.text}`);
    assert.equal(p.json.metadata.labels.patched, 'yes');
    const stale = await api.put(one, { ...c.json, metadata: { ...c.json.metadata, labels: { x: 'y' } } });
    assert.equal(stale.status, 409, `${kind}: an update from the old resourceVersion conflicts`);
    assert.equal(stale.json.reason, 'Conflict');
    const d = await api.del(one);
    assert.equal(d.status, 200, kind);
    assert.equal((await api.get(one)).status, 404, kind);
  }
});

test('table cells read the objects', async () => {
  for (const [path, body] of samples) await api.post(path, body);
  const cells = async (path, name) => (await api.get(path, undefined, { accept: TABLE })).json.rows
    .find((r) => r.object.metadata.name === name).cells;
  assert.deepEqual((await cells(`${NS}/configmaps`, 'cfg')).slice(0, 2), ['cfg', 2]);
  assert.deepEqual((await cells(`${NS}/secrets`, 'sec')).slice(0, 3), ['sec', 'Opaque', 1]);
  const svc = await cells(`${NS}/services`, 'svc');
  assert.deepEqual([svc[0], svc[1], svc[3], svc[4], svc[6]], ['svc', 'ClusterIP', '<none>', '80/TCP', 'app=web']);
  assert.match(svc[2], /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  assert.deepEqual((await cells(`${NS}/endpoints`, 'svc')).slice(0, 2), ['svc', '10.0.0.1:80']);
  assert.deepEqual((await cells('/apis/scheduling.k8s.io/v1/priorityclasses', 'high')).slice(0, 3), ['high', 1000, false]);
  assert.deepEqual((await cells('/apis/storage.k8s.io/v1/storageclasses', 'fast')).slice(0, 5),
    ['fast (default)', 'example.com/p', 'Delete', 'Immediate', false]);
  assert.deepEqual((await cells('/apis/coordination.k8s.io/v1/namespaces/default/leases', 'leader')).slice(0, 2), ['leader', 'me']);
  const job = await cells('/apis/batch/v1/namespaces/default/jobs', 'job');
  assert.deepEqual(job.slice(0, 3), ['job', 'Running', '0/1']);
  assert.match(job[7], /^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/);
  assert.deepEqual((await cells('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', 'rb')).slice(0, 2), ['rb', 'Role/r']);
  for (const [path, body] of samples) await api.del(`${path}/${body.metadata.name}`);
});

test('HorizontalPodAutoscaler: v2 defaults, and its Targets cell as the printer formats the metrics', async () => {
  const path = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
  // no metric: CPU at 80%; minReplicas 1; a behavior's rules filled in
  let h = (await api.post(path, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'hd' },
    spec: { scaleTargetRef: ref, maxReplicas: 4, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } })).json;
  assert.equal(h.spec.minReplicas, 1);
  assert.deepEqual(h.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(h.spec.behavior, {
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] } });
  const metrics = [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
  ];
  h = (await api.post(path, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'hm' },
    spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 6, metrics } })).json;
  const cells = async () => (await api.get(path, undefined, { accept: TABLE })).json.rows
    .find((r) => r.object.metadata.name === 'hm').cells.slice(0, 6);
  assert.deepEqual(await cells(), ['hm', 'Deployment/web', 'cpu: <unknown>/50%, <unknown>/1k + 1 more...', '2', 6, 0]);
  // with the controller's status: the current values, in the order of the metrics
  h.status = { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [
    { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35, averageValue: '120m' } } },
    { type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '800' } } }] };
  const put = await api.put(`${path}/hm/status`, h);
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(await cells(), ['hm', 'Deployment/web', 'cpu: 35%/50%, 800/1k + 1 more...', '2', 6, 3]);
  for (const n of ['hd', 'hm']) await api.del(`${path}/${n}`);
});

test('serviceaccounts/token: a TokenRequest answered with a token, refused as the apiserver refuses it', async () => {
  const path = '/api/v1/namespaces/default/serviceaccounts/default/token';
  const sa = (await api.get('/api/v1/namespaces/default/serviceaccounts/default')).json;
  let r = await api.post(path, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'] } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.kind, 'TokenRequest');
  assert.equal(r.json.apiVersion, 'authentication.k8s.io/v1');
  assert.deepEqual(r.json.spec, { audiences: ['vault'], expirationSeconds: 3600, boundObjectRef: null });
  const made = Date.parse(r.json.metadata.creationTimestamp);
  assert.equal(Date.parse(r.json.status.expirationTimestamp) - made, 3600 * 1000);
  const [h, c, sig] = r.json.status.token.split('.');
  assert.deepEqual(Object.keys(JSON.parse(Buffer.from(h, 'base64url'))), ['alg', 'kid']);
  const claims = JSON.parse(Buffer.from(c, 'base64url'));
  assert.equal(claims.sub, 'system:serviceaccount:default:default');
  assert.deepEqual(claims.aud, ['vault']);
  assert.equal(claims.exp - claims.iat, 3600);
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'default', uid: sa.metadata.uid } });
  assert.ok(sig.length > 300);
  // no body: the defaults (the issuer as audience)
  r = await request(srv.url, 'POST', path, {});
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
  // refusals
  r = await api.post(path, { spec: { expirationSeconds: 60 } });
  assert.equal(r.status, 422);
  assert.equal(r.json.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  r = await api.post(path, { spec: { expirationSeconds: 2 ** 33 } });
  assert.match(r.json.message, /spec\.expirationSeconds: Invalid value: 8589934592: may not specify a duration larger than 2\^32 seconds$/);
  r = await api.post(path, { metadata: { name: 'other' } });
  assert.equal(r.status, 422);
  assert.equal(r.json.message, 'TokenRequest.authentication.k8s.io "default" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified');
  for (const [spec, what] of [[{ expirationSeconds: 700.5 }, 'number 700.5 into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64'],
    [{ expirationSeconds: '7200' }, 'string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64'],
    [{ audiences: { a: 1 } }, 'object into Go struct field TokenRequestSpec.spec.audiences of type []string']]) {
    r = await api.post(path, { spec });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.message, `TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot unmarshal ${what}`);
  }
  r = await api.post('/api/v1/namespaces/default/serviceaccounts/nope/token', {});
  assert.equal(r.status, 404);
  assert.equal(r.json.message, 'serviceaccounts "nope" not found');
  assert.equal((await api.get(path)).status, 405);
});

test('server defaults: Secret type, Service allocation, Job selector and template labels', async () => {
  const svc = (await api.post(`${NS}/services`, samples[2][1])).json;
  assert.deepEqual(svc.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.equal(svc.spec.sessionAffinity, 'None');
  assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP]);
  assert.deepEqual(svc.status, { loadBalancer: {} });
  const job = (await api.post('/apis/batch/v1/namespaces/default/jobs', samples[11][1])).json;
  const uid = job.metadata.uid;
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.equal(job.spec.template.metadata.labels['job-name'], 'job');
  assert.equal(job.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'job');
  assert.equal(job.spec.template.metadata.labels['controller-uid'], uid);
  assert.equal(job.spec.backoffLimit, 6);
  assert.equal(job.spec.completions, 1);
  assert.equal(job.spec.parallelism, 1);
  assert.equal(job.spec.completionMode, 'NonIndexed');
  assert.equal(job.metadata.generation, 1);
  const cm = (await api.post(`${NS}/configmaps`, samples[0][1])).json;
  assert.equal(cm.metadata.generation, undefined, 'a ConfigMap keeps no generation');
  for (const p of [`${NS}/services/svc`, '/apis/batch/v1/namespaces/default/jobs/job', `${NS}/configmaps/cfg`]) await api.del(p);
});

test('label and field selectors, dryRun, deletecollection, watch on a generic kind', async () => {
  for (const [name, tier] of [['a', 'x'], ['b', 'y'], ['c', 'x']]) {
    const r = await api.post(`${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `sel-${name}`, labels: { tier } } });
    assert.equal(r.status, 201);
  }
  const names = async (q) => (await api.get(`${NS}/configmaps?${q}`)).json.items.map((i) => i.metadata.name);
  assert.deepEqual(await names('labelSelector=tier%3Dx'), ['sel-a', 'sel-c']);
  assert.deepEqual(await names('fieldSelector=metadata.name%3Dsel-b'), ['sel-b']);
  const bad = await api.get(`${NS}/configmaps?fieldSelector=data.x%3D1`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"');
  const dry = await api.post(`${NS}/configmaps?dryRun=All`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sel-dry' } });
  assert.equal(dry.status, 201);
  assert.equal((await api.get(`${NS}/configmaps/sel-dry`)).status, 404);
  const dup = await api.post(`${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sel-a' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.message, 'configmaps "sel-a" already exists');
  const w = await fetch(`${srv.url}${NS}/configmaps?watch=1&labelSelector=tier%3Dx`);
  const reader = w.body.getReader();
  let text = '';
  while ((text.match(/\n/g) || []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
  reader.cancel();
  assert.deepEqual(text.trim().split('\n').map((l) => JSON.parse(l)).map((e) => [e.type, e.object.kind, e.object.metadata.name]),
    [['ADDED', 'ConfigMap', 'sel-a'], ['ADDED', 'ConfigMap', 'sel-c']]);
  const dc = await api.del(`${NS}/configmaps?labelSelector=tier`);
  assert.equal(dc.status, 200);
  assert.equal(dc.json.kind, 'ConfigMapList');
  assert.deepEqual(dc.json.items.map((i) => i.metadata.name), ['sel-a', 'sel-b', 'sel-c']);
  assert.deepEqual(await names('labelSelector=tier'), []);
});

test('objects present at start: system PriorityClasses, kubernetes Service, per-namespace SA and root CA', async () => {
  const pcs = (await api.get('/apis/scheduling.k8s.io/v1/priorityclasses')).json.items;
  const byName = Object.fromEntries(pcs.map((p) => [p.metadata.name, p]));
  assert.equal(byName['system-node-critical'].value, 2000001000);
  assert.equal(byName['system-cluster-critical'].value, 2000000000);
  assert.equal(byName['system-cluster-critical'].preemptionPolicy, 'PreemptLowerPriority');
  const svc = (await api.get(`${NS}/services/kubernetes`)).json;
  assert.equal(svc.spec.clusterIP, '10.96.0.1');
  assert.deepEqual(svc.spec.ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }]);
  assert.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
  const ns = await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
  assert.equal(ns.status, 201);
  for (const n of ['default', 'kube-system', 'fresh']) {
    const sa = await api.get(`/api/v1/namespaces/${n}/serviceaccounts/default`);
    assert.equal(sa.status, 200, n);
    const cm = await api.get(`/api/v1/namespaces/${n}/configmaps/kube-root-ca.crt`);
    assert.equal(cm.status, 200, n);
    assert.match(cm.json.data['ca.crt'], /^-----BEGIN CERTIFICATE-----\n/);
  }
  // deleted, the ServiceAccount default comes back (as kube-controller-manager makes it again)
  assert.equal((await api.del('/api/v1/namespaces/fresh/serviceaccounts/default')).status, 200);
  assert.equal((await api.get('/api/v1/namespaces/fresh/serviceaccounts/default')).status, 200);
  // the system classes' rules
  const sys = await api.post('/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-mine' }, value: 5 });
  assert.equal(sys.status, 422);
  const big = await api.post('/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'huge' }, value: 1000000001 });
  assert.equal(big.status, 422);
  assert.match(big.json.message, /maximum allowed value of a user defined priority is 1000000000/);
});

test('PriorityClass admission fills spec.priority, refuses unknown classes and contradictions', async () => {
  await api.post('/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'batch-low' }, value: 10, preemptionPolicy: 'Never' });
  const pod = (name, spec) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });
  const ok = await api.post(`${NS}/pods`, pod('prio-a', { priorityClassName: 'batch-low' }));
  assert.equal(ok.status, 201);
  assert.equal(ok.json.spec.priority, 10);
  assert.equal(ok.json.spec.preemptionPolicy, 'Never');
  const crit = await api.post(`${NS}/pods`, pod('prio-b', { priorityClassName: 'system-cluster-critical' }));
  assert.equal(crit.json.spec.priority, 2000000000);
  const missing = await api.post(`${NS}/pods`, pod('prio-c', { priorityClassName: 'nope' }));
  assert.equal(missing.status, 403);
  assert.equal(missing.json.message, 'pods "prio-c" is forbidden: no PriorityClass with name nope was found');
  const wrong = await api.post(`${NS}/pods`, pod('prio-d', { priorityClassName: 'batch-low', priority: 7 }));
  assert.equal(wrong.status, 403);
  assert.equal(wrong.json.message, 'pods "prio-d" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name');
  await api.post('/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'everyone' }, value: 3, globalDefault: true });
  const dflt = await api.post(`${NS}/pods`, pod('prio-e', {}));
  assert.equal(dflt.json.spec.priority, 3);
  assert.equal(dflt.json.spec.priorityClassName, 'everyone');
  await api.del('/apis/scheduling.k8s.io/v1/priorityclasses/everyone');
  for (const n of ['prio-a', 'prio-b', 'prio-e']) await api.del(`${NS}/pods/${n}?gracePeriodSeconds=0`);
});

test('the Scale subresource of deployments, replicasets, statefulsets and replicationcontrollers', async () => {
  const tpl = { metadata: { labels: { app: 'sc' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  const kinds = [
    ['/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'sc' }, spec: { replicas: 2, selector: { matchLabels: { app: 'sc' } }, template: tpl } }, 'deployments.apps'],
    ['/apis/apps/v1/namespaces/default/replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'sc' }, spec: { replicas: 2, selector: { matchLabels: { app: 'sc' } }, template: tpl } }, 'replicasets.apps'],
    ['/apis/apps/v1/namespaces/default/statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'sc' }, spec: { replicas: 2, serviceName: 'sc', selector: { matchLabels: { app: 'sc' } }, template: tpl } }, 'statefulsets.apps'],
    [`${NS}/replicationcontrollers`, { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'sc' }, spec: { replicas: 2, selector: { app: 'sc' }, template: tpl } }, 'replicationcontrollers'],
  ];
  for (const [path, body, resource] of kinds) {
    const parent = (await api.post(path, body)).json;
    const s = await api.get(`${path}/sc/scale`);
    assert.equal(s.status, 200, resource);
    assert.deepEqual(s.json, {
      kind: 'Scale', apiVersion: 'autoscaling/v1',
      metadata: { name: 'sc', namespace: 'default', uid: parent.metadata.uid, resourceVersion: parent.metadata.resourceVersion, creationTimestamp: parent.metadata.creationTimestamp },
      spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=sc' },
    }, resource);
    const p = await api.patch(`${path}/sc/scale`, { spec: { replicas: 4 } }, { type: 'application/merge-patch+json' });
    assert.equal(p.status, 200, `${resource}: ${p.text}`);
    assert.equal(p.json.spec.replicas, 4);
    const after = (await api.get(`${path}/sc`)).json;
    assert.equal(after.spec.replicas, 4, resource);
    assert.equal(after.metadata.generation, 2, resource);
    const neg = await api.put(`${path}/sc/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc' }, spec: { replicas: -1 } });
    assert.equal(neg.status, 422);
    assert.equal(neg.json.message, 'Scale.autoscaling "sc" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    const stale = await api.put(`${path}/sc/scale`, { ...s.json, spec: { replicas: 1 } });
    assert.equal(stale.status, 409, resource);
    assert.equal(stale.json.message, `Operation cannot be fulfilled on ${resource} "sc": the object has been modified; please apply your changes to the latest version and try again`);
    const missing = await api.get(`${path}/nope/scale`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, `${resource} "nope" not found`);
    await api.del(`${path}/sc`);
  }
});

test('pods/binding binds once; pods/log answers the log annotation; bindings', async () => {
  const p = await api.post(`${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bind-me', annotations: { 'sim.evictsim.io/log': 'hello\nworld\n' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  assert.equal(p.status, 201);
  const b = await api.post(`${NS}/pods/bind-me/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'node-9' } });
  assert.equal(b.status, 201);
  assert.deepEqual(b.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  const pod = (await api.get(`${NS}/pods/bind-me`)).json;
  assert.equal(pod.spec.nodeName, 'node-9');
  assert.equal(pod.status.conditions.find((c) => c.type === 'PodScheduled').status, 'True');
  const again = await api.post(`${NS}/bindings`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'node-8' } });
  assert.equal(again.status, 409);
  assert.equal(again.json.message, 'Operation cannot be fulfilled on pods/binding "bind-me": pod bind-me is already assigned to node "node-9"');
  const log = await api.get(`${NS}/pods/bind-me/log`);
  assert.equal(log.status, 200);
  assert.equal(log.headers.get('content-type'), 'text/plain');
  assert.equal(log.text, 'hello\nworld\n');
  const bad = await api.get(`${NS}/pods/bind-me/log?container=nope`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, 'container nope is not valid for pod bind-me');
  assert.equal((await api.get(`${NS}/pods/gone/log`)).status, 404);
  await api.del(`${NS}/pods/bind-me?gracePeriodSeconds=0`);
});

test('access reviews answer allowed; create-only resources refuse other verbs', async () => {
  const r = await api.post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'default' } } });
  assert.equal(r.status, 201);
  assert.equal(r.json.kind, 'SelfSubjectAccessReview');
  assert.deepEqual(r.json.status, { allowed: true });
  assert.deepEqual(r.json.spec.resourceAttributes, { verb: 'delete', resource: 'pods', namespace: 'default' });
  const empty = await api.post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: {} });
  assert.equal(empty.status, 422);
  const rules = await api.post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'default' } });
  assert.equal(rules.status, 201);
  assert.deepEqual(rules.json.status.resourceRules, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  const who = await api.post('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  assert.equal(who.json.status.userInfo.username, 'kubernetes-admin');
  const list = await api.get('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
  assert.equal(list.status, 405);
  assert.equal(list.json.reason, 'MethodNotAllowed');
  assert.equal((await api.del('/api/v1/namespaces')).status, 405, 'namespaces have no deletecollection');
});

test('manifests and /sim/v1/load take every served kind; an unknown kind is named', async () => {
  const yaml = samples.map(([, b]) => JSON.stringify({ ...b, metadata: { ...b.metadata, name: `${b.metadata.name}-l` } })).join('\n---\n');
  const r = await api.load(yaml);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { loaded: samples.length });
  for (const [path, b] of samples) assert.equal((await api.get(`${path}/${b.metadata.name}-l`)).status, 200, b.kind);
  const unknown = await api.load('apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.message, 'object 1: no kind "Gadget" is registered for version "example.com/v1"');
  for (const [path, b] of samples) await api.del(`${path}/${b.metadata.name}-l`);
});

test('autoscaling/v1 HorizontalPodAutoscalers are the autoscaling/v2 ones, converted', async () => {
  const V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
  const V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
  const ac = new AbortController();
  const events = [];
  const rv = (await api.get(V1)).json.metadata.resourceVersion;
  const watching = (async () => {
    for await (const line of watchLines(`${srv.url}${V1}?watch=1&resourceVersion=${rv}`, ac.signal)) events.push(JSON.parse(line));
  })().catch(() => {});
  // v1 -> v2: targetCPUUtilizationPercentage is a Resource cpu Utilization metric
  const c = await api.post(V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h1' },
    spec: { scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 60 } });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.apiVersion, 'autoscaling/v1');
  assert.deepEqual(c.json.spec, { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 });
  assert.deepEqual(c.json.status, { currentReplicas: 0, desiredReplicas: 0 });
  const v2 = (await api.get(`${V2}/h1`)).json;
  assert.equal(v2.metadata.uid, c.json.metadata.uid);
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  // no target: the v2 default (cpu at 80%), seen through v1
  const d = await api.post(V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h0' },
    spec: { scaleTargetRef: ref, maxReplicas: 2 } });
  assert.equal(d.json.spec.targetCPUUtilizationPercentage, 80);
  // v2 -> v1: the first cpu Utilization target and the current cpu utilization; what v1 has no field
  // for in the annotations upstream keeps it in (v1's MetricSpec/MetricStatus forms, the internal
  // type's field names for the behavior)
  v2.spec.metrics = [
    { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
  ];
  v2.spec.behavior = { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } };
  assert.equal((await api.put(`${V2}/h1`, v2)).status, 200);
  const cur = (await api.get(`${V2}/h1`)).json;
  const conditions = [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z', reason: 'ReadyForNewScale', message: 'ok' }];
  cur.status = { currentReplicas: 2, desiredReplicas: 2, conditions, currentMetrics: [
    { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35, averageValue: '120m' } } }] };
  assert.equal((await api.put(`${V2}/h1/status`, cur)).status, 200);
  let g = (await api.get(`${V1}/h1`)).json;
  assert.equal(g.kind, 'HorizontalPodAutoscaler');
  assert.equal(g.spec.targetCPUUtilizationPercentage, 60);
  assert.deepEqual(g.status, { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 35 });
  const ann = g.metadata.annotations;
  assert.deepEqual(Object.keys(ann), ['autoscaling.alpha.kubernetes.io/metrics', 'autoscaling.alpha.kubernetes.io/current-metrics',
    'autoscaling.alpha.kubernetes.io/behavior', 'autoscaling.alpha.kubernetes.io/conditions']);
  assert.equal(ann['autoscaling.alpha.kubernetes.io/metrics'], '[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"1k"}}]');
  assert.equal(ann['autoscaling.alpha.kubernetes.io/current-metrics'],
    '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":35,"currentAverageValue":"120m"}}]');
  assert.equal(ann['autoscaling.alpha.kubernetes.io/behavior'], '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max",' +
    '"Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null},' +
    '"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}');
  assert.deepEqual(JSON.parse(ann['autoscaling.alpha.kubernetes.io/conditions']), conditions);
  // an update through v1 keeps all of it (read back from the annotations, which are not stored);
  // the other metrics come first, then the cpu target's, as upstream orders them
  g.spec.targetCPUUtilizationPercentage = 70;
  g.spec.maxReplicas = 5;
  const u = await api.put(`${V1}/h1`, g);
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.spec.targetCPUUtilizationPercentage, 70);
  const after = (await api.get(`${V2}/h1`)).json;
  assert.equal(after.spec.maxReplicas, 5);
  assert.deepEqual(after.spec.metrics, [
    { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
  assert.deepEqual(after.spec.behavior, cur.spec.behavior);
  assert.deepEqual(after.status.conditions, conditions);
  assert.deepEqual(after.status.currentMetrics, cur.status.currentMetrics);
  assert.equal(after.metadata.annotations, undefined);
  // status through v1
  const s = await api.patch(`${V1}/h0/status`, { status: { currentCPUUtilizationPercentage: 90 } }, { type: 'application/merge-patch+json' });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.status.currentCPUUtilizationPercentage, 90);
  assert.deepEqual((await api.get(`${V2}/h0`)).json.status.currentMetrics,
    [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90 } } }]);
  // list, Table
  const l = (await api.get(V1)).json;
  assert.equal(l.kind, 'HorizontalPodAutoscalerList');
  assert.equal(l.apiVersion, 'autoscaling/v1');
  assert.deepEqual(l.items.map((i) => i.spec.targetCPUUtilizationPercentage), [80, 70]);
  const t = (await api.get(V1, undefined, { accept: TABLE })).json;
  assert.deepEqual(t.rows.find((r) => r.object.metadata.name === 'h0').cells.slice(0, 3), ['h0', 'Deployment/web', 'cpu: 90%/80%']);
  const wrong = await api.post(V1, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h2' }, spec: { scaleTargetRef: ref, maxReplicas: 1 } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.message, 'the API version in the data (autoscaling/v2) does not match the expected API version (autoscaling/v1)');
  const unknown = await api.post(`${V1}?fieldValidation=Strict`, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h3' }, spec: { scaleTargetRef: ref, maxReplicas: 1, foo: 1 } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.message, 'HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field "spec.foo"');
  for (const n of ['h0', 'h1']) assert.equal((await api.del(`${V1}/${n}`)).status, 200);
  assert.equal((await api.get(`${V2}/h1`)).status, 404);
  // the watch saw every change as v1 objects
  const until = Date.now() + 5000;
  while (events.filter((e) => e.type === 'DELETED').length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  await watching;
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'ADDED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'DELETED', 'DELETED']);
  assert.ok(events.every((e) => e.object.apiVersion === 'autoscaling/v1'));
  assert.equal(events[4].object.spec.targetCPUUtilizationPercentage, 70);
  // v2's fields are unknown to v1: under Warn they are dropped, not carried into the v2 object
  const v2only = await api.post(V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h4' }, spec: { scaleTargetRef: ref, maxReplicas: 1, metrics: [{ type: 'Pods' }] } });
  assert.equal(v2only.status, 201, v2only.text);
  assert.equal(v2only.headers.get('warning'), '299 - "unknown field \\"spec.metrics\\""');
  assert.deepEqual((await api.get(`${V2}/h4`)).json.spec.metrics,
    [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.equal((await api.del(`${V1}/h4`)).status, 200);
});

test('events.k8s.io/v1 Events are the core/v1 Events, converted', async () => {
  const core = await api.post(`${NS}/events`, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev1' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Started', message: 'Started container',
    type: 'Normal', source: { component: 'kubelet' }, firstTimestamp: '2025-01-01T00:00:00Z', lastTimestamp: '2025-01-01T00:00:00Z', count: 1 });
  assert.equal(core.status, 201, core.text);
  const EV = '/apis/events.k8s.io/v1/namespaces/default/events';
  const g = await api.get(`${EV}/ev1`);
  assert.equal(g.status, 200);
  assert.equal(g.json.kind, 'Event');
  assert.equal(g.json.apiVersion, 'events.k8s.io/v1');
  assert.deepEqual(g.json.regarding, { kind: 'Pod', name: 'p', namespace: 'default' });
  assert.equal(g.json.note, 'Started container');
  assert.deepEqual(g.json.deprecatedSource, { component: 'kubelet' });
  assert.equal(g.json.deprecatedCount, 1);
  assert.equal(g.json.eventTime, '2025-01-01T00:00:00.000000Z', 'from firstTimestamp: clients require it');
  assert.equal(g.json.metadata.uid, core.json.metadata.uid);
  const l = await api.get(EV);
  assert.equal(l.json.kind, 'EventList');
  assert.equal(l.json.apiVersion, 'events.k8s.io/v1');
  assert.ok(l.json.items.some((i) => i.metadata.name === 'ev1' && i.note === 'Started container'));
  const c = await api.post(EV, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'ev2' },
    eventTime: '2025-01-01T00:00:01.000000Z', reportingController: 'me', reportingInstance: 'me-1', action: 'Drain',
    reason: 'Evicted', regarding: { kind: 'Node', name: 'n1' }, note: 'drained', type: 'Normal' });
  assert.equal(c.status, 201, c.text);
  assert.equal(c.json.apiVersion, 'events.k8s.io/v1');
  assert.equal(c.json.note, 'drained');
  const asCore = (await api.get(`${NS}/events/ev2`)).json;
  assert.equal(asCore.message, 'drained');
  assert.deepEqual(asCore.involvedObject, { kind: 'Node', name: 'n1' });
  assert.equal(asCore.reportingComponent, 'me');
  const p = await api.patch(`${EV}/ev2`, { note: 'drained again' }, { type: 'application/merge-patch+json' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.note, 'drained again');
  assert.equal((await api.get(`${NS}/events/ev2`)).json.message, 'drained again');
  const t = await api.get(EV, undefined, { accept: TABLE });
  assert.deepEqual(t.json.columnDefinitions.map((d) => d.name).slice(0, 4), ['Last Seen', 'Type', 'Reason', 'Object']);
  const wrong = await api.post(EV, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'ev3' } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.message, 'the API version in the data (v1) does not match the expected API version (events.k8s.io/v1)');
  assert.equal((await api.del(`${EV}/ev1`)).status, 200);
  assert.equal((await api.get(`${NS}/events/ev1`)).status, 404);
  await api.del(`${NS}/events/ev2`);
});
