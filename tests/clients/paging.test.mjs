// kubectl get --chunk-size follows the server's continue tokens (Table
// pages carry them): every kubectl 1.27 … 1.33 prints every pod once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, fixture } from '../lib/server.mjs';
import { findKubectls, runKubectl } from '../lib/kubectl.mjs';

const kubectls = findKubectls();
let srv, api;
before(async () => {
  srv = await start({ manifests: [fixture('default.yaml')] });
  api = client(srv.url);
});
after(async () => { await srv?.stop(); });

if (!kubectls.length) test('kubectl paging', { skip: 'no kubectl on the PATH' }, () => {});

for (const k of kubectls) {
  test(`kubectl ${k.version}: get pods -A --chunk-size=3 pages through every pod`, async () => {
    const want = (await api.get('/api/v1/pods')).json.items.map((p) => `${p.metadata.namespace} ${p.metadata.name}`);
    assert.ok(want.length > 6);
    const r = runKubectl(k, srv.kubeconfig, ['get', 'pods', '-A', '--chunk-size=3', '--no-headers', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split(/\s+/).join(' ')), want);
    const t = runKubectl(k, srv.kubeconfig, ['get', 'pods', '-A', '--chunk-size=3', '--no-headers']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout.trim().split('\n').length, want.length);
  });
}
