// The README's Node example (the Node test helper with @kubernetes/client-node),
// run as it is written there: tests/helpers/readme.test.mjs checks that the
// README's block is this file's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { start } from '../../helpers/node/evictsim.mjs';

process.env.EVICTSIM ||= new URL('../../evictsim', import.meta.url).pathname;

// A Node, a Ready Pod web on it, and PDB web with minAvailable: 1.
const cluster = readFileSync(new URL('../../helpers/testdata/web-pdb.yaml', import.meta.url), 'utf8');

test('an eviction refused by the budget', async (t) => {
  const sim = await start({ t }); // stopped when the test ends
  await sim.load(cluster);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const body = { metadata: { name: 'web', namespace: 'default' } };
  await assert.rejects(core.createNamespacedPodEviction({ name: 'web', namespace: 'default', body }), { code: 429 });
  const [entry] = await sim.evictions();
  assert.equal(entry.pdb, 'web');
  t.diagnostic(entry.explanation); // PDB web: minAvailable 1 of 1 expected; 1 healthy ... → refused
});
