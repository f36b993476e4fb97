// Writes the seeds of fuzz_protobuf (tests/fuzz/corpus/fuzz_protobuf/): the
// bodies of the protobuf round-trip tests (tests/http/protobuf.test.mjs),
// encoded by the tests' own encoder, each after the byte that picks its
// endpoint in fuzz_protobuf.c. Run by hand when the fixtures change:
//   node tests/fuzz/protobuf_seeds.mjs
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/server.mjs';
import { encode } from '../lib/k8spb.mjs';

const dir = join(root, 'tests', 'fuzz', 'corpus', 'fuzz_protobuf');
mkdirSync(dir, { recursive: true });
const spec = {
  nodeName: 'n1', volumes: [{ name: 's', emptyDir: { sizeLimit: '1Gi' } }],
  containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m' } },
    readinessProbe: { httpGet: { path: '/', port: 'http' } }, env: [{ name: 'A', value: '1' }] }],
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
};
const seeds = {
  // [endpoint byte (fuzz_protobuf.c's table), document]
  pod: [0, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' }, creationTimestamp: '2025-01-01T00:00:00Z' }, spec: spec }],
  deployment: [1, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 0, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec }, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } } }],
  eviction: [2, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' }, deleteOptions: { dryRun: ['All'], gracePeriodSeconds: 0 } }],
  deleteoptions: [3, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 5, preconditions: { uid: 'u', resourceVersion: '7' }, propagationPolicy: 'Foreground' }],
  namespace: [4, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', annotations: { x: 'y' } } }],
  pdb: [5, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b' }, spec: { minAvailable: '50%', selector: { matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] } }, status: { disruptedPods: { p: '2025-01-01T00:00:00Z' } } }],
  node: [6, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: '4' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2025-01-01T00:00:00Z' }] } }],
  statefulset: [7, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec } } }],
};
for (const [name, [ep, doc]] of Object.entries(seeds)) {
  writeFileSync(join(dir, `rt-${name}`), Buffer.concat([Buffer.from([ep]), encode(doc)]));
}
