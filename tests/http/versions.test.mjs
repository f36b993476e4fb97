// --kube-version, --feature-gates and --runtime-config as a user meets them: the flags' errors
// (exit 2, one line naming the valid values), GET /sim/v1/info, /version, and the eviction
// answers that differ between releases (docs/reference/versions.md), over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, client, binary } from '../lib/server.mjs';

function refused(args) {
  const r = spawnSync(binary, ['--listen', '127.0.0.1:0', ...args], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  return r.stderr.trim();
}

test('a release out of range, an unknown or locked gate: exit 2 naming the valid ones', () => {
  assert.equal(refused(['--kube-version', '1.26']),
    'evictsim: bad --kube-version: "1.26" is not a release evictsim serves (want one of 1.27, 1.28, 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37; default 1.36)');
  assert.equal(refused(['--feature-gates', 'NoSuchGate=true']),
    'evictsim: bad --feature-gates: unrecognized feature gate: NoSuchGate (gates of 1.36: AggregatedDiscoveryRemoveBetaType, WatchList)');
  // the release decides which gates exist, wherever --kube-version stands
  assert.match(refused(['--feature-gates', 'PodDisruptionConditions=false', '--kube-version', '1.31']),
    /cannot set feature gate PodDisruptionConditions to false, feature is locked to true/);
  assert.match(refused(['--kube-version', '1.37', '--feature-gates', 'EvictionRequestAPI=true']),
    /EvictionRequestAPI is enabled.*evictions\.lifecycle\.k8s\.io/);
  assert.match(refused(['--kube-version', '1.36', '--feature-gates', 'EvictionRequestAPI=true']),
    /unrecognized feature gate: EvictionRequestAPI/);
});

test('/sim/v1/info and /version say which release and gates are in force', async () => {
  const srv = await start({ args: ['--kube-version', '1.30', '--feature-gates', 'PodDisruptionConditions=false,WatchList=true'] });
  try {
    const api = client(srv.url);
    const info = (await api.get('/sim/v1/info')).json;
    assert.equal(info.kubeVersion, '1.30');
    assert.equal(info.gitVersion, 'v1.30.14');
    assert.deepEqual(info.featureGates, { PDBUnhealthyPodEvictionPolicy: true, PodDisruptionConditions: false, WatchList: true });
    const wl = info.featureGateDetails.find((g) => g.name === 'WatchList');
    assert.deepEqual(wl, { name: 'WatchList', enabled: true, default: false, stage: 'Alpha', lockedToDefault: false, set: true });
    const v = (await api.get('/version')).json;
    assert.equal(v.minor, '30');
    assert.equal(v.gitVersion, 'v1.30.14');
    assert.equal(v.emulationMinor, undefined);
    assert.equal((await api.post('/sim/v1/info', {})).status, 405);
  } finally { await srv.stop(); }
  const def = await start();
  try {
    const info = (await client(def.url).get('/sim/v1/info')).json;
    assert.equal(info.kubeVersion, '1.36');
    assert.deepEqual(info.featureGates, { AggregatedDiscoveryRemoveBetaType: true, WatchList: true });
    assert.deepEqual(info.alphaAPIs, []);
  } finally { await def.stop(); }
});

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { a: 'x' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'foo', namespace: 'default', generation: 1 },
  spec: { selector: { matchLabels: { a: 'x' } }, minAvailable: 1 },
  status: { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 1,
    conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'hoge',
      lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: 1 }] } };

async function causeUnder(version) {
  const srv = await start({ args: ['--kube-version', version, '--controllers=-disruption'] });
  try {
    const api = client(srv.url);
    const l = await api.post('/sim/v1/load', { kind: 'List', apiVersion: 'v1', items: [pod, pdb] });
    assert.equal(l.status, 200, l.text);
    const r = await api.post('/api/v1/namespaces/default/pods/p/eviction',
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'default' } });
    assert.equal(r.status, 429, r.text);
    assert.equal(r.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(r.json.details.causes.length, 1);
    assert.equal(r.json.details.causes[0].reason, 'DisruptionBudget');
    return r.json.details.causes[0].message;
  } finally { await srv.stop(); }
}

test("1.35's DisruptionBudget cause under --kube-version 1.35, 1.33's under 1.33", async () => {
  assert.equal(await causeUnder('1.35'), 'The disruption budget foo does not allow evicting pods currently because it failed sync: hoge');
  assert.equal(await causeUnder('1.33'), 'The disruption budget foo needs 0 healthy pods and has 0 currently');
});

test('ignoreStoreReadErrorWithClusterBreakingPotential: ignored by 1.31, refused by 1.32', async () => {
  for (const [version, code] of [['1.31', 201], ['1.32', 422]]) {
    const srv = await start({ args: ['--kube-version', version] });
    try {
      const api = client(srv.url);
      assert.equal((await api.post('/sim/v1/load', { kind: 'List', apiVersion: 'v1', items: [pod] })).status, 200);
      const r = await api.post('/api/v1/namespaces/default/pods/p/eviction?dryRun=All',
        { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' }, deleteOptions: { ignoreStoreReadErrorWithClusterBreakingPotential: true } });
      assert.equal(r.status, code, `${version}: ${r.text}`);
    } finally { await srv.stop(); }
  }
});

test('a scenario pins its release with kubeVersion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evictsim-versions-'));
  const file = join(dir, 's.yaml');
  const body = (v) => `name: pinned
kubeVersion: ${v}
options: {controllers: none, featureGates: {WatchList: true}}
manifests:
  - ${JSON.stringify(pod)}
  - ${JSON.stringify(pdb)}
steps:
  - evict: {namespace: default, pod: p}
    expect:
      code: 429
      causes: [{reason: DisruptionBudget, message: "The disruption budget foo does not allow evicting pods currently because it failed sync: hoge"}]
`;
  writeFileSync(file, body('"1.35"'));
  let r = spawnSync(binary, ['run', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^1 passed, 0 failed$/m);
  writeFileSync(file, body('1.33'));
  r = spawnSync(binary, ['run', file], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /needs 0 healthy pods and has 0 currently/);
  writeFileSync(file, body('"1.99"'));
  r = spawnSync(binary, ['run', file], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /kubeVersion: "1.99" is not a release evictsim serves/);
});
