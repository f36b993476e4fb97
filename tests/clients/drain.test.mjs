// kubectl drain, every version found (1.27 … 1.33), against evictsim answering as the default
// release and as the release of the same version: a
// drain blocked by a PDB that frees up, a server dry run, refusals without
// the flags, a blocked drain that times out, and delete / get -w / wait.
// Real clock at 100× so grace periods pass quickly; kubectl's own 5 s
// retry is wall time.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { start, client } from '../lib/server.mjs';
import { findKubectls, runKubectl, spawnKubectl } from '../lib/kubectl.mjs';

const kubectls = findKubectls();
if (!kubectls.length) test('kubectl drain', { skip: 'no kubectl on the PATH: install kubectl to run the drain tests' }, () => {});

const NO_WORKLOADS = ['--controllers', 'disruption,kubelet,scheduler'];
const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };

function node(name) { return { apiVersion: 'v1', kind: 'Node', metadata: { name } }; }
function rsPod(name, nodeName, extra = {}) {
  return { apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-web-uid', controller: true }] },
    spec: { nodeName, terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'nginx' }], ...extra.spec }, status: ready };
}
const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', uid: 'rs-web-uid' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
const pdb = (min) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' },
  spec: { minAvailable: min, selector: { matchLabels: { app: 'web' } } } });
const list = (...items) => JSON.stringify({ kind: 'List', apiVersion: 'v1', items });

// Each kubectl runs against the default release and against the release of its own version.
async function server(items, kubeVersion) {
  const release = kubeVersion ? ['--kube-version', kubeVersion] : [];
  const srv = await start({ clock: 'real', args: ['--time-scale', '100', ...NO_WORKLOADS, ...release] });
  const api = client(srv.url);
  const l = await api.post('/sim/v1/load', items);
  assert.equal(l.status, 200, l.text);
  return { srv, api };
}

const releases = (k) => [undefined, ...(/^1\.\d+$/.test(k.version) ? [k.version] : [])];
// Each test has its own server, and most of a drain is kubectl's 5 s wait: four at a time.
describe('kubectl drain', { concurrency: 4 }, () => {
for (const k of kubectls) for (const kv of releases(k)) {
  const on = kv ? ` on --kube-version ${kv}` : ' on the default release';
  const minor = Number(k.version.split('.')[1]) || 99;

  test(`kubectl ${k.version}${on}: drain blocked by a PDB, freed by a new replica`, async () => {
    const { srv, api } = await server(list(node('n1'), node('n2'), rs, rsPod('web-1', 'n1'), rsPod('web-2', 'n2'), pdb(2)), kv);
    try {
      const d = spawnKubectl(k, srv.kubeconfig, ['drain', 'n1', '--ignore-daemonsets']);
      await d.waitFor(/error when evicting pods\/"web-1" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
      assert.equal((await api.get('/api/v1/nodes/n1')).json.spec.unschedulable, true);
      assert.equal((await api.get('/api/v1/namespaces/default/pods/web-1')).status, 200);
      await api.post('/sim/v1/load', list(rsPod('web-3', 'n2')));
      const r = await d.done;
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines[0], 'node/n1 cordoned');
      assert.ok(lines.includes('evicting pod default/web-1'));
      assert.ok(lines.includes('pod/web-1 evicted'));
      assert.equal(lines[lines.length - 1], 'node/n1 drained');
      assert.equal((await api.get('/api/v1/namespaces/default/pods/web-1')).status, 404);
      assert.equal((await api.get('/api/v1/namespaces/default/pods/web-2')).status, 200);
    } finally { await srv.stop(); }
  });

  test(`kubectl ${k.version}${on}: drain --dry-run=server changes nothing`, async () => {
    const { srv, api } = await server(list(node('n1'), node('n2'), rs, rsPod('web-1', 'n1'), rsPod('web-2', 'n2'), pdb(1)), kv);
    try {
      const before = JSON.stringify((await api.get('/api/v1/namespaces/default/pods')).json.items);
      const r = runKubectl(k, srv.kubeconfig, ['drain', 'n1', '--dry-run=server']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^node\/n1 cordoned \(server dry run\)$/m);
      assert.match(r.stdout, /^evicting pod default\/web-1 \(server dry run\)$/m);
      assert.match(r.stdout, /^node\/n1 drained \(server dry run\)$/m);
      assert.equal((await api.get('/api/v1/nodes/n1')).json.spec?.unschedulable, undefined);
      assert.equal(JSON.stringify((await api.get('/api/v1/namespaces/default/pods')).json.items), before);
      assert.equal((await api.get('/apis/policy/v1/namespaces/default/poddisruptionbudgets/web')).json.status.disruptionsAllowed, 1);
    } finally { await srv.stop(); }
  });

  test(`kubectl ${k.version}${on}: drain refused without --ignore-daemonsets, --delete-emptydir-data, --force`, async () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-uid' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } } };
    const dsPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent-n1', namespace: 'kube-system', labels: { app: 'agent' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-uid', controller: true }] },
      spec: { nodeName: 'n1', containers: [{ name: 'a', image: 'x' }] }, status: ready };
    const naked = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'naked' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] }, status: ready };
    const empty = rsPod('scratch', 'n1', { spec: { volumes: [{ name: 'tmp', emptyDir: {} }] } });
    const { srv, api } = await server(list(node('n1'), rs, ds, dsPod, naked, empty), kv);
    try {
      const r = runKubectl(k, srv.kubeconfig, ['drain', 'n1']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^node\/n1 cordoned$/m);
      const sep = minor <= 30 ? 'due to error:' : 'due to error: ';
      assert.ok(r.stderr.includes(`error: unable to drain node "n1" ${sep}[`), r.stderr);
      assert.match(r.stderr, /cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): kube-system\/agent-n1/);
      assert.match(r.stderr, /cannot delete Pods with local storage \(use --delete-emptydir-data to override\): default\/scratch/);
      const noCtl = minor >= 30 ? 'cannot delete Pods that declare no controller' : 'cannot delete Pods declare no controller';
      assert.ok(r.stderr.includes(`${noCtl} (use --force to override): default/naked`), r.stderr);
      assert.match(r.stderr, /There are pending nodes to be drained:\n n1/);
      assert.equal((await api.get('/api/v1/nodes/n1')).json.spec.unschedulable, true, 'the node stays cordoned');
      for (const p of ['naked', 'scratch']) assert.equal((await api.get(`/api/v1/namespaces/default/pods/${p}`)).status, 200);
      const ok = runKubectl(k, srv.kubeconfig, ['drain', 'n1', '--ignore-daemonsets', '--delete-emptydir-data', '--force']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stderr, /Warning: .*ignoring DaemonSet-managed Pods: kube-system\/agent-n1/);
      assert.match(ok.stdout, /^pod\/naked evicted$/m);
      assert.match(ok.stdout, /^node\/n1 drained$/m);
      assert.equal((await api.get('/api/v1/namespaces/kube-system/pods/agent-n1')).status, 200);
    } finally { await srv.stop(); }
  });

  test(`kubectl ${k.version}${on}: a blocked drain times out`, async () => {
    const { srv, api } = await server(list(node('n1'), node('n2'), rs, rsPod('web-1', 'n1'), rsPod('web-2', 'n2'), pdb('100%')), kv);
    try {
      const r = runKubectl(k, srv.kubeconfig, ['drain', 'n1', '--timeout=2s']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /error when evicting pods\/"web-1" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
      assert.match(r.stderr, /error when evicting pods\/"web-1" -n "default": global timeout reached: 2s/);
      assert.match(r.stderr, /There are pending pods in node "n1" when an error occurred/);
      assert.equal((await api.get('/api/v1/namespaces/default/pods/web-1')).status, 200);
      const log = (await api.get('/sim/v1/evictions')).json.items;
      assert.ok(log.length >= 1 && log.every((e) => e.code === 429 && e.pdb === 'web'));
    } finally { await srv.stop(); }
  });

  test(`kubectl ${k.version}${on}: delete, get -w and wait --for=delete`, async () => {
    const { srv, api } = await server(list(node('n1'), rs, rsPod('web-1', 'n1'), rsPod('web-2', 'n1')), kv);
    try {
      const watch = spawnKubectl(k, srv.kubeconfig, ['get', 'pods', '-w', '--no-headers']);
      await watch.waitFor(/web-2\s+\S+\s+Running/);
      const wait = spawnKubectl(k, srv.kubeconfig, ['wait', '--for=delete', 'pod/web-1', '--timeout=30s']);
      await new Promise((r) => setTimeout(r, 300));
      const d = runKubectl(k, srv.kubeconfig, ['delete', 'pod', 'web-1']);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout.trim(), 'pod "web-1" deleted');
      const w = await wait.done;
      assert.equal(w.code, 0, w.stderr);
      assert.match(w.stdout, /pod\/web-1 condition met/);
      await watch.waitFor(/web-1\s+\S+\s+Terminating/);
      watch.proc.kill();
      assert.equal((await api.get('/api/v1/namespaces/default/pods/web-1')).status, 404);
    } finally { await srv.stop(); }
  });
}
});
