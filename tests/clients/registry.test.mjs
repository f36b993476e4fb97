// Real kubectl (every version found, 1.27 … 1.33) over the registry's kinds: get of each kind
// with its columns, apply of a CRD then of its custom resources, auth can-i, rollout history,
// create job, scale, and a drain of a node running Job pods. Skipped when no kubectl is found.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { start, client, fixture } from '../lib/server.mjs';
import { findKubectls, runKubectl } from '../lib/kubectl.mjs';

const kubectls = findKubectls();
let srv, api;
const dir = mkdtempSync(join(tmpdir(), 'evictsim-registry-'));

before(async () => {
  srv = await start({ clock: 'real', args: ['--time-scale', '100'], manifests: [fixture('default.yaml')] });
  api = client(srv.url);
});
after(async () => { await srv?.stop(); });

if (!kubectls.length) {
  test('kubectl', { skip: 'no kubectl on the PATH: install kubectl to run the real-client tests' }, () => {});
}

const crd = (plural, kind) => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.example.com` },
  spec: { group: 'example.com', scope: 'Namespaced', names: { plural, kind },
    versions: [{ name: 'v1', served: true, storage: true,
      additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }] },
});

// kind → a line of `kubectl get` headers, for the kinds the default cluster (or this test) has
const headers = [
  ['configmaps', /^NAME\s+DATA\s+AGE$/m],
  ['serviceaccounts', /^NAME\s+SECRETS\s+AGE$/m],
  ['services', /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m],
  ['endpoints', /^NAME\s+ENDPOINTS\s+AGE$/m],
  ['priorityclasses', /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/m],
  ['controllerrevisions', /^NAME\s+CONTROLLER\s+REVISION\s+AGE$/m],
  ['leases', /^NAME\s+HOLDER\s+AGE$/m],
  ['jobs', /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m],
  ['secrets', /^NAME\s+TYPE\s+DATA\s+AGE$/m],
];

for (const k of kubectls) {
  const v = k.version.replace('.', '-');
  const kc = (...args) => runKubectl(k, srv.kubeconfig, args);

  test(`kubectl ${k.version}: get of the registry's kinds prints their columns`, () => {
    const lease = join(dir, `lease-${v}.yaml`);
    writeFileSync(lease, JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `l-${v}`, namespace: 'default' }, spec: { holderIdentity: 'me' } }));
    const sec = join(dir, `sec-${v}.yaml`);
    writeFileSync(sec, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${v}`, namespace: 'default' }, stringData: { a: 'b' } }));
    const job = join(dir, `cols-job-${v}.yaml`);
    writeFileSync(job, JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `cols-${v}`, namespace: 'default' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } }));
    for (const f of [lease, sec, job]) {
      const r = kc('apply', '-f', f);
      assert.equal(r.code, 0, r.stderr);
    }
    for (const [kind, header] of headers) {
      const r = kc('get', kind, '-A');
      assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
      assert.match(r.stdout.replace(/^NAMESPACE\s+/gm, ''), header, kind);
    }
    const pc = kc('get', 'pc', 'system-node-critical', '--no-headers');
    assert.match(pc.stdout, /^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    const cm = kc('get', 'cm', 'kube-root-ca.crt', '-n', 'kube-system', '--no-headers');
    assert.match(cm.stdout, /^kube-root-ca\.crt\s+1\s+/m);
    const sa = kc('get', 'sa', '-n', 'kube-public', '-o', 'name');
    assert.equal(sa.stdout, 'serviceaccount/default\n');
  });

  test(`kubectl ${k.version}: apply a CRD, then its custom resources`, () => {
    const plural = `gizmos${v.replace('-', '')}`;
    const kind = `Gizmo${v.replace('-', '')}`;
    const f = join(dir, `crd-${v}.yaml`);
    writeFileSync(f, JSON.stringify(crd(plural, kind)));
    let r = kc('apply', '-f', f);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`customresourcedefinition.apiextensions.k8s.io/${plural}.example.com created`));
    const cr = join(dir, `cr-${v}.yaml`);
    writeFileSync(cr, JSON.stringify({ apiVersion: 'example.com/v1', kind, metadata: { name: 'g1', namespace: 'default' }, spec: { size: 3 } }));
    r = kc('apply', '-f', cr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${kind.toLowerCase()}.example.com/g1 created`));
    r = kc('get', plural);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+SIZE$/m);
    assert.match(r.stdout, /^g1\s+3$/m);
    r = kc('delete', 'crd', `${plural}.example.com`);
    assert.equal(r.code, 0, r.stderr);
    r = kc('get', plural);
    assert.notEqual(r.code, 0, 'the resource is gone with its CRD');
  });

  test(`kubectl ${k.version}: rollout history, scale, auth can-i, create job`, () => {
    let r = kc('rollout', 'history', 'statefulset/db');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^REVISION\s+CHANGE-CAUSE\n1\s+<none>/m);
    r = kc('rollout', 'history', 'daemonset/log-agent', '-n', 'kube-system');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1\s+<none>/m);
    r = kc('scale', 'statefulset', 'db', '--replicas=3');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /statefulset.apps\/db scaled/);
    // kubectl sends these two as protobuf bodies
    r = kc('auth', 'can-i', 'delete', 'pods');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'yes\n');
    r = kc('create', 'job', `once-${v}`, '--image=busybox:1.36');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`job.batch/once-${v} created`));
  });

  test(`kubectl ${k.version}: drain a node running Job pods`, async () => {
    const node = `jobnode-${v}`;
    let r = await api.load(JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { pool: node } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { pods: '110' } } }));
    assert.equal(r.status, 200, r.text);
    const job = join(dir, `job-${v}.yaml`);
    writeFileSync(job, JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `work-${v}`, namespace: 'default' },
      spec: { parallelism: 2, completions: 2, template: { metadata: { annotations: { 'sim.evictsim.io/exit-after': '1h' } },
        spec: { restartPolicy: 'Never', nodeSelector: { pool: node }, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox:1.36' }] } } } }));
    r = kc('apply', '-f', job);
    assert.equal(r.code, 0, r.stderr);
    let running = [];
    for (let i = 0; i < 100 && running.length < 2; i++) {
      running = (await api.get(`/api/v1/namespaces/default/pods?labelSelector=job-name%3Dwork-${v}`)).json.items
        .filter((p) => p.spec.nodeName === node && p.status.phase === 'Running');
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(running.length, 2, 'the Job runs two pods on the node');
    r = kc('drain', node, '--ignore-daemonsets', '--timeout=60s');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /declare no controller/, 'Job pods are controlled');
    for (const p of running) assert.match(r.stdout + r.stderr, new RegExp(`evicting pod default/${p.metadata.name}`));
    assert.match(r.stdout, new RegExp(`node/${node} drained`));
    const j = (await api.get(`/apis/batch/v1/namespaces/default/jobs/work-${v}`)).json;
    assert.equal(j.status.failed, 2, 'the evictions count against backoffLimit');
  });

  test(`kubectl ${k.version}: apply of a field the kind does not have, as a cluster answers it`, async () => {
    const name = `typo-${v}`;
    const f = join(dir, `typo-${v}.yaml`);
    writeFileSync(f, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: default}\ndataa: {a: b}\n`);
    // --validate=strict, kubectl's default: the server's strict decoding error, nothing created
    let r = kc('apply', '-f', f);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`^Error from server \\(BadRequest\\): error when creating "${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": ` +
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dataa"$', 'm'));
    assert.equal((await api.get(`/api/v1/namespaces/default/configmaps/${name}`)).status, 404);
    // --validate=warn: created without the field, the server's warning printed
    r = kc('apply', '--validate=warn', '-f', f);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Warning: unknown field "dataa"$/m);
    const cm = (await api.get(`/api/v1/namespaces/default/configmaps/${name}`)).json;
    assert.equal(cm.dataa, undefined);
    // an apply over the object is a strategic merge patch: its result is judged, patch.go's 422
    writeFileSync(f, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: default}\ndata: {a: b}\nbinaryDataa: {}\n`);
    r = kc('apply', '-f', f);
    assert.equal(r.code, 1, r.stdout);
    // (the patch map as Go's %+v prints it: keys sorted, the removed dataa as <nil>)
    assert.match(r.stderr, /^The request is invalid: patch: Invalid value: "map\[binaryDataa:map\[\] data:map\[a:b\] dataa:<nil> metadata:map\[annotations:map\[kubectl\.kubernetes\.io\/last-applied-configuration:.*\]\]\]": strict decoding error: unknown field "binaryDataa"$/m);
    assert.deepEqual((await api.get(`/api/v1/namespaces/default/configmaps/${name}`)).json.data, undefined);
  });

  // kubectl before 1.33 creates an autoscaling/v1 HorizontalPodAutoscaler (protobuf), 1.33 an autoscaling/v2 one
  test(`kubectl ${k.version}: autoscale a Deployment`, async () => {
    const r = kc('autoscale', 'deployment', 'web', '--max=3', '--cpu-percent=60', `--name=as-${v}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `horizontalpodautoscaler.autoscaling/as-${v} autoscaled`);
    const g = kc('get', 'hpa', `as-${v}`);
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, new RegExp(`^as-${v}\\s+Deployment/web\\s+cpu: <unknown>/60%\\s+1\\s+3\\s+0\\s+\\d+s$`, 'm'));
  });

  test(`kubectl ${k.version}: create token`, () => {
    let r = kc('create', 'token', 'default');
    assert.equal(r.code, 0, r.stderr);
    const claims = JSON.parse(Buffer.from(r.stdout.trim().split('.')[1], 'base64url'));
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    r = kc('create', 'token', 'default', '--duration=5m');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: ' +
      'spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
  });
}
