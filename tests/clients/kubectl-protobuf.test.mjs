// kubectl 1.27 … 1.33 and protobuf (issue 18): from 1.32 kubectl's typed
// commands send protobuf bodies. Every imperative `create` subcommand whose
// kind evictsim serves (found in discovery, so kinds added later are covered
// as they land) must succeed with every kubectl, and its answer must equal,
// field for field, what the JSON path (a kubectl before 1.32) created.
// Also --dry-run=server, and label/annotate/taint/cordon (JSON patches).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, fixture } from '../lib/server.mjs';
import { findKubectls, runKubectl } from '../lib/kubectl.mjs';

const kubectls = findKubectls();
// The JSON reference: the newest kubectl that still sends JSON.
const jsonRef = [...kubectls].reverse().find((k) => /^1\.(\d+)$/.test(k.version) && Number(k.version.split('.')[1]) < 32);
let srv, api, served;

// [key, resource, group, args(name)]: one row per create subcommand.
const creates = [
  ['namespace', 'namespaces', '', (n) => ['namespace', n]],
  ['deployment', 'deployments', 'apps', (n) => ['deployment', n, '--image=nginx:1.27', '--replicas=2', '--port=80']],
  ['job', 'jobs', 'batch', (n) => ['job', n, '--image=busybox', '--', 'echo', 'hi']],
  ['cronjob', 'cronjobs', 'batch', (n) => ['cronjob', n, '--image=busybox', '--schedule=*/5 * * * *']],
  ['configmap', 'configmaps', '', (n) => ['configmap', n, '--from-literal=a=b', '--from-literal=c=d']],
  ['secret-generic', 'secrets', '', (n) => ['secret', 'generic', n, '--from-literal=user=admin', '--from-literal=pw=s3cr\u00e9t']],
  ['secret-docker', 'secrets', '', (n) => ['secret', 'docker-registry', n, '--docker-server=r.example', '--docker-username=u', '--docker-password=p']],
  ['service-clusterip', 'services', '', (n) => ['service', 'clusterip', n, '--tcp=80:8080']],
  ['service-nodeport', 'services', '', (n) => ['service', 'nodeport', n, '--tcp=80:8080']],
  ['service-lb', 'services', '', (n) => ['service', 'loadbalancer', n, '--tcp=443:8443']],
  ['service-external', 'services', '', (n) => ['service', 'externalname', n, '--external-name=db.example.com']],
  ['serviceaccount', 'serviceaccounts', '', (n) => ['serviceaccount', n]],
  ['pdb-min', 'poddisruptionbudgets', 'policy', (n) => ['poddisruptionbudget', n, `--selector=app=${n}`, '--min-available=1']],
  ['pdb-max', 'poddisruptionbudgets', 'policy', (n) => ['pdb', n, `--selector=app=${n}`, '--max-unavailable=50%']],
  ['priorityclass', 'priorityclasses', 'scheduling.k8s.io', (n) => ['priorityclass', n, '--value=1000', '--description=high']],
  ['quota', 'resourcequotas', '', (n) => ['quota', n, '--hard=cpu=1,memory=1Gi,pods=10']],
  ['role', 'roles', 'rbac.authorization.k8s.io', (n) => ['role', n, '--verb=get,list', '--resource=pods']],
  ['rolebinding', 'rolebindings', 'rbac.authorization.k8s.io', (n) => ['rolebinding', n, '--role=r', '--user=u']],
  ['clusterrole', 'clusterroles', 'rbac.authorization.k8s.io', (n) => ['clusterrole', n, '--verb=get', '--resource=nodes']],
  ['clusterrolebinding', 'clusterrolebindings', 'rbac.authorization.k8s.io', (n) => ['clusterrolebinding', n, '--clusterrole=c', '--user=u']],
  ['ingress', 'ingresses', 'networking.k8s.io', (n) => ['ingress', n, '--rule=foo.example/bar=svc1:8080']],
];

// What differs between two creations of the same object: its name, identity and times.
// What the server derives from the uid (a Job's selector, a Service's ClusterIP) differs too.
function normalize(obj, name) {
  const o = structuredClone(obj);
  const uid = o.metadata?.uid;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp']) delete o.metadata?.[k];
  // a field newer than the older kubectls' types: they decode it away
  if (o.kind === 'Job') delete o.spec?.podReplacementPolicy;
  if (o.kind === 'Service') {
    for (const k of ['clusterIP', 'clusterIPs']) delete o.spec?.[k];
    for (const p of o.spec?.ports ?? []) delete p.nodePort;
  }
  let text = JSON.stringify(o).replaceAll(name, 'NAME');
  if (uid) text = text.replaceAll(uid, 'UID');
  return JSON.parse(text);
}

before(async () => {
  srv = await start({ clock: 'real', manifests: [fixture('default.yaml')] });
  api = client(srv.url);
  served = new Set();
  const core = await api.get('/api/v1');
  for (const r of core.json.resources) served.add(`/${r.name}`);
  const groups = await api.get('/apis');
  for (const g of groups.json.groups) {
    const gv = g.preferredVersion.groupVersion;
    const list = await api.get(`/apis/${gv}`);
    for (const r of list.json.resources) served.add(`${g.name}/${r.name}`);
  }
});
after(async () => { await srv?.stop(); });

if (!kubectls.length) {
  test('kubectl protobuf', { skip: 'no kubectl on the PATH: install kubectl to run the real-client tests' }, () => {});
}

const refs = new Map(); // key -> the JSON path's answer, normalized

for (const [key, resource, group, args] of creates) {
  const isServed = () => served.has(`${group}/${resource}`);
  for (const k of kubectls) {
    const v = k.version.replace('.', '-');
    test(`kubectl ${k.version}: create ${key} succeeds and equals the JSON path's object`, async (t) => {
      if (!isServed()) return t.skip(`${group || 'core'}/${resource} is not served yet`);
      if (jsonRef && !refs.has(key)) {
        const name = `${key}-ref`;
        const r = runKubectl(jsonRef, srv.kubeconfig, ['create', '-o', 'json', ...args(name)]);
        assert.equal(r.code, 0, r.stderr);
        refs.set(key, normalize(JSON.parse(r.stdout), name));
      }
      const name = `${key}-${v}`;
      const r = runKubectl(k, srv.kubeconfig, ['create', '-o', 'json', ...args(name)]);
      assert.doesNotMatch(r.stderr, /UnsupportedMediaType|unknown format/);
      assert.equal(r.code, 0, r.stderr);
      const created = JSON.parse(r.stdout);
      assert.equal(created.metadata.name, name);
      if (refs.has(key)) assert.deepEqual(normalize(created, name), refs.get(key));
      // and it is stored (controllers may have moved it on since)
      const ns = created.metadata.namespace;
      const path = `${group ? `/apis/${created.apiVersion}` : '/api/v1'}${ns ? `/namespaces/${ns}` : ''}/${resource}/${name}`;
      const g = await api.get(path);
      assert.equal(g.status, 200);
      assert.equal(g.json.metadata.uid, created.metadata.uid);
    });
  }
}

for (const k of kubectls) {
  const v = k.version.replace('.', '-');
  const kc = (...args) => runKubectl(k, srv.kubeconfig, args);

  test(`kubectl ${k.version}: create --dry-run=server answers the object and stores nothing`, async () => {
    const r = kc('create', 'deployment', `dry-${v}`, '--image=nginx', '--dry-run=server', '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.metadata.name, `dry-${v}`);
    assert.equal(d.spec.strategy.type, 'RollingUpdate'); // defaulted by the server
    assert.equal((await api.get(`/apis/apps/v1/namespaces/default/deployments/dry-${v}`)).status, 404);
    const p = kc('create', 'pdb', `dry-${v}`, '--selector=app=x', '--min-available=1', '--dry-run=server');
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /created \(server dry run\)/);
    assert.equal((await api.get(`/apis/policy/v1/namespaces/default/poddisruptionbudgets/dry-${v}`)).status, 404);
  });

  test(`kubectl ${k.version}: create -o yaml prints the stored object`, async () => {
    const r = kc('create', 'namespace', `yaml-${v}`, '-o', 'yaml');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^  name: yaml-${v}$`, 'm'));
    assert.match(r.stdout, /^kind: Namespace$/m);
    assert.match(r.stdout, /^  phase: Active$/m);
  });

  test(`kubectl ${k.version}: label, annotate, taint, cordon and uncordon (JSON patches)`, async () => {
    const ns = `patch-${v}`;
    assert.equal(kc('create', 'namespace', ns).code, 0);
    for (const args of [
      ['label', 'namespace', ns, 'team=a'],
      ['annotate', 'namespace', ns, 'note=hello'],
      ['taint', 'nodes', 'node-2', `k${v}=v:NoSchedule`],
      ['taint', 'nodes', 'node-2', `k${v}:NoSchedule-`],
      ['cordon', 'node-2'],
      ['uncordon', 'node-2'],
    ]) {
      const r = kc(...args);
      assert.doesNotMatch(r.stderr, /UnsupportedMediaType|unknown format/);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const n = await api.get(`/api/v1/namespaces/${ns}`);
    assert.equal(n.json.metadata.labels.team, 'a');
    assert.equal(n.json.metadata.annotations.note, 'hello');
    const node = await api.get('/api/v1/nodes/node-2');
    assert.ok(!node.json.spec.unschedulable);
    assert.ok(!(node.json.spec.taints || []).some((t) => t.key === `k${v}`));
  });

  test(`kubectl ${k.version}: drain --disable-eviction deletes with protobuf DeleteOptions`, async () => {
    const node = `pbnode-${v}`, pod = `solo-${v}`;
    assert.equal((await api.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: node } })).status, 201);
    const mk = await api.post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: pod },
      spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal(mk.status, 201, mk.text);
    const r = kc('drain', node, '--disable-eviction', '--force', '--ignore-daemonsets', '--grace-period=0', '--timeout=60s');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`pod/${pod} deleted`));
    assert.equal((await api.get(`/api/v1/namespaces/default/pods/${pod}`)).status, 404);
  });
}
