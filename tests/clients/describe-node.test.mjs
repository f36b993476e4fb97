// kubectl describe node, every kubectl 1.27 … 1.33: what the simulated
// kubelet reports shows as a real node's does (the Lease, heartbeats on the
// virtual clock, System Info), not year-1 times or "Failed to get lease".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, fixture } from '../lib/server.mjs';
import { findKubectls, runKubectl } from '../lib/kubectl.mjs';

const kubectls = findKubectls();
let srv, api;

before(async () => {
  srv = await start({ manifests: [fixture('default.yaml')] }); // manual clock, 2025-01-01T00:00:00Z
  api = client(srv.url);
  await api.advance(125);
});
after(async () => { await srv?.stop(); });

if (!kubectls.length) {
  test('kubectl describe node', { skip: 'no kubectl on the PATH' }, () => {});
}

for (const k of kubectls) {
  test(`kubectl ${k.version}: describe node shows the kubelet's lease, heartbeats and system info`, async () => {
    const r = runKubectl(k, srv.kubeconfig, ['describe', 'node', 'node-1']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    for (const [type, status, reason] of [['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'], ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady']]) {
      // heartbeat at the node's start (status reported every 5 minutes)
      assert.match(out, new RegExp(`\\n  ${type}\\s+${status}\\s+Wed, 01 Jan 2025 00:00:00 \\+0000\\s+Wed, 01 Jan 2025 00:00:00 \\+0000\\s+${reason}`), type);
    }
    assert.doesNotMatch(out, /0001/);
    const version = (await api.get('/version')).json.gitVersion;
    assert.match(out, new RegExp(`Kubelet Version:\\s+${version.replace(/\./g, '\\.')}\\n`));
    assert.match(out, /Boot ID:\s+[0-9a-f-]{36}\n/);
    assert.match(out, /Container Runtime Version:\s+containerd:\/\/\S+\n/);
    assert.match(out, /InternalIP:\s+10\.0\.0\.1\n/);
    const leases = await api.get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1');
    if (leases.status === 404 && leases.json?.details?.kind !== 'leases') {
      assert.match(out, /Lease:\s+Failed to get lease/); // leases not served
    } else {
      // renewed every 10 s: the last renewal at 120 s
      assert.equal(leases.json.spec.renewTime, '2025-01-01T00:02:00.000000Z');
      assert.match(out, /Lease:\n  HolderIdentity:  node-1\n  AcquireTime:     <unset>\n  RenewTime:       Wed, 01 Jan 2025 00:02:00 \+0000\n/);
    }
  });
}
