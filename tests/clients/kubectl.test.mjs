// Real kubectl, every version found beside the installed one (1.27 … 1.33), each against
// evictsim answering as the default release and as the release of the same version:
// get (Table columns), create -f, apply -f, apply --server-side, delete,
// cordon/uncordon. Skipped with a message when no kubectl is installed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, client, fixture } from '../lib/server.mjs';
import { findKubectls, runKubectl } from '../lib/kubectl.mjs';

const kubectls = findKubectls();
// One server per release asked for (undefined: the default), started when first needed.
const servers = new Map();
async function serverFor(kubeVersion) {
  if (!servers.has(kubeVersion)) {
    const release = kubeVersion ? ['--kube-version', kubeVersion] : [];
    servers.set(kubeVersion, start({ clock: 'real', args: ['--time-scale', '100', ...release], manifests: [fixture('default.yaml')] }));
  }
  const srv = await servers.get(kubeVersion);
  return { srv, api: client(srv.url) };
}
after(async () => { for (const s of servers.values()) await (await s).stop(); });

if (!kubectls.length) {
  test('kubectl', { skip: 'no kubectl on the PATH: install kubectl to run the real-client tests' }, () => {});
}

const releases = (k) => [undefined, ...(/^1\.\d+$/.test(k.version) ? [k.version] : [])];
for (const k of kubectls) for (const kv of releases(k)) describe(`kubectl ${k.version}`, () => {
  const v = k.version.replace('.', '-') + (kv ? '-same' : '');
  const on = kv ? ` on --kube-version ${kv}` : ' on the default release';
  let srv, api;
  const kc = (...args) => runKubectl(k, srv.kubeconfig, args);
  before(async () => { ({ srv, api } = await serverFor(kv)); });
  after(async () => { if (kv) { await srv.stop(); servers.delete(kv); } });

  test(`kubectl ${k.version}${on}: get pods,pdb,nodes prints the real columns`, async () => {
    const r = kc('get', 'pods,pdb,nodes');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    assert.match(r.stdout, /pod\/db-0\s+1\/1\s+Running\s+0\s+/);
    assert.match(r.stdout, /NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE/);
    assert.match(r.stdout, /poddisruptionbudget\.policy\/web\s+2\s+N\/A\s+\d+\s+/);
    assert.match(r.stdout, /NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    // VERSION: what the node's kubelet reports, the release the server answers as
    const version = (await api.get('/version')).json.gitVersion;
    assert.match(r.stdout, new RegExp(`node/node-1\\s+Ready\\s+<none>\\s+\\S+\\s+${version.replace(/\./g, '\\.')}\\n`));
  });

  test(`kubectl ${k.version}${on}: get -A -o wide and a single pod`, () => {
    const all = kc('get', 'pods', '-A', '-o', 'wide');
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    assert.match(all.stdout, /kube-system\s+log-agent-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node-1\s+<none>\s+<none>/);
    const one = kc('get', 'pod', 'debug');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\ndebug\s+1\/1\s+Running\s+0\s+/);
    const missing = kc('get', 'pod', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  });

  test(`kubectl ${k.version}${on}: create -f, duplicate, delete`, () => {
    const f = join(srv.dir, `pdb-${v}.yaml`);
    writeFileSync(f, `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: made-${v}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: web}\n`);
    const c = kc('create', '-f', f);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim(), `poddisruptionbudget.policy/made-${v} created`);
    const again = kc('create', '-f', f);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`Error from server \\(AlreadyExists\\).*poddisruptionbudgets.policy "made-${v}" already exists`));
    const d = kc('delete', '-f', f);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout.trim(), `poddisruptionbudget.policy "made-${v}" deleted`);
  });

  test(`kubectl ${k.version}${on}: apply -f creates then configures`, () => {
    const f = join(srv.dir, `apply-${v}.yaml`);
    const pod = (img) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: applied-${v}\n  labels: {app: applied}\nspec:\n  containers:\n  - name: c\n    image: ${img}\n`;
    writeFileSync(f, pod('busybox:1.36'));
    const c = kc('apply', '-f', f);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim(), `pod/applied-${v} created`);
    writeFileSync(f, pod('busybox:1.37'));
    const u = kc('apply', '-f', f);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(u.stdout.trim(), `pod/applied-${v} configured`);
    const g = kc('get', 'pod', `applied-${v}`, '-o', 'jsonpath={.spec.containers[0].image}');
    assert.equal(g.stdout, 'busybox:1.37');
    const same = kc('apply', '-f', f);
    assert.equal(same.stdout.trim(), `pod/applied-${v} unchanged`);
  });

  test(`kubectl ${k.version}${on}: apply --server-side`, () => {
    const f = join(srv.dir, `ssa-${v}.yaml`);
    writeFileSync(f, `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: ssa-${v}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: db}\n`);
    const c = kc('apply', '--server-side', '-f', f);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim(), `poddisruptionbudget.policy/ssa-${v} serverside-applied`);
    writeFileSync(f, `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: ssa-${v}\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels: {app: db}\n`);
    const u = kc('apply', '--server-side', '-f', f);
    assert.equal(u.code, 0, u.stderr);
    const g = kc('get', 'pdb', `ssa-${v}`, '-o', 'jsonpath={.spec.minAvailable}');
    assert.equal(g.stdout, '2');
  });

  test(`kubectl ${k.version}${on}: delete a running pod waits for it to go`, () => {
    const f = join(srv.dir, `del-${v}.yaml`);
    writeFileSync(f, `apiVersion: v1\nkind: Pod\nmetadata:\n  name: del-${v}\nspec:\n  nodeName: node-3\n  terminationGracePeriodSeconds: 30\n  containers:\n  - name: c\n    image: busybox\n`);
    assert.equal(kc('create', '-f', f).code, 0);
    const d = kc('delete', 'pod', `del-${v}`);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout.trim(), `pod "del-${v}" deleted`);
    const g = kc('get', 'pod', `del-${v}`);
    assert.equal(g.code, 1);
    assert.match(g.stderr, /NotFound/);
  });

  test(`kubectl ${k.version}${on}: cordon, cordon again, uncordon, server dry run`, async () => {
    const node = 'node-3';
    const c = kc('cordon', node);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim(), `node/${node} cordoned`);
    assert.equal((await api.get(`/api/v1/nodes/${node}`)).json.spec.unschedulable, true);
    assert.equal(kc('cordon', node).stdout.trim(), `node/${node} already cordoned`);
    const st = kc('get', 'node', node);
    assert.match(st.stdout, /node-3\s+Ready,SchedulingDisabled/);
    const u = kc('uncordon', node);
    assert.equal(u.stdout.trim(), `node/${node} uncordoned`);
    assert.equal((await api.get(`/api/v1/nodes/${node}`)).json.spec.unschedulable, undefined);
    const dry = kc('cordon', node, '--dry-run=server');
    assert.equal(dry.stdout.trim(), `node/${node} cordoned (server dry run)`);
    assert.equal((await api.get(`/api/v1/nodes/${node}`)).json.spec.unschedulable, undefined);
  });
});


