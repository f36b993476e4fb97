#!/usr/bin/env node
// gen-cluster: writes one JSON List of a synthetic cluster for the benchmark.
//   node bench/gen-cluster.mjs --pods N [--per-deploy 100] [--nodes M] [--pdbs K]
//        [--pdb 'minAvailable=100%' | 'maxUnavailable=1' | none] [--ns bench]
//        [--spare-nodes S] [--grace 30] [--out FILE] [--targets FILE] [--real]
//   node bench/gen-cluster.mjs --configmaps N [--ns bench] [--out FILE]
// --real writes objects as a real cluster's `kubectl get -o json` does:
// managedFields, kubectl's last-applied annotation, a pod's full status
// (hostIP(s), podIP(s), qosClass, containerStatuses), and a Service,
// Endpoints and ConfigMap beside each Deployment. --configmaps N writes
// only N ConfigMaps (generic objects, for the load figure of the registry).
// Pods are loaded directly (Running and Ready, bound round-robin to the
// first M nodes; S more nodes stay empty) with ownerReferences to a ReplicaSet owned by a Deployment, as the
// Deployment controller would have made them. With --pdbs K the first K
// Deployments get a PDB selecting app=<deployment>. --targets writes one
// "namespace name" line per pod, in an order that visits every Deployment in
// turn (the load generator's list of pods to evict).
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf('--' + name);
  return i >= 0 ? args[i + 1] : def;
};
const pods = Number(opt('pods', 1000));
const perDeploy = Number(opt('per-deploy', 100));
const deploys = Math.ceil(pods / perDeploy);
const nodes = Number(opt('nodes', Math.max(1, Math.ceil(pods / 100))));
const pdbs = Number(opt('pdbs', deploys));
const spare = Number(opt('spare-nodes', 0));
const pdbRule = opt('pdb', 'minAvailable=100%');
const ns = opt('ns', 'bench');
const grace = Number(opt('grace', 30));
const out = opt('out', '/dev/stdout');
const targets = opt('targets', null);
const real = args.includes('--real');
const configmaps = Number(opt('configmaps', 0));

const T0 = '2025-01-01T00:00:00Z';
const hex = (n, w) => n.toString(16).padStart(w, '0');
const uid = (tag, n) => `0b5e1c00-${hex(tag, 4)}-4000-8000-${hex(n, 12)}`;
const items = [];

items.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
if (configmaps) {
  for (let i = 0; i < configmaps; i++)
    items.push({ apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: ns, uid: uid(9, i), resourceVersion: String(1000 + i), creationTimestamp: T0,
        labels: { app: `app-${i % 100}` } },
      data: { 'app.properties': `replicas=3\nlog.level=info\nid=${i}\n`, 'feature.flags': 'a=true,b=false' } });
  writeFileSync(out, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  process.exit(0);
}
// What a real cluster's objects carry besides what the model reads.
const managed = (manager, op, fields) => [{ manager, operation: op, apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: fields }];
const podFields = { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} },
  'f:ownerReferences': { '.': {}, 'k:{"uid":"x"}': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {},
  'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': { '.': {}, 'f:requests': { '.': {}, 'f:cpu': {}, 'f:memory': {} } },
  'f:terminationMessagePath': {}, 'f:terminationMessagePolicy': {} } }, 'f:dnsPolicy': {}, 'f:enableServiceLinks': {},
  'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {}, 'f:terminationGracePeriodSeconds': {} } };
const statusFields = { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:lastProbeTime': {},
  'f:lastTransitionTime': {}, 'f:status': {}, 'f:type': {} } }, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {},
  'f:podIP': {}, 'f:podIPs': { '.': {}, 'k:{"ip":"x"}': { '.': {}, 'f:ip': {} } }, 'f:startTime': {} } };
for (let i = 0; i < nodes + spare; i++) {
  const name = `node-${i}`;
  items.push({
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
    status: {
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      addresses: [{ type: 'InternalIP', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }],
    },
  });
}

const template = (app, hash) => ({
  metadata: { labels: hash ? { app, 'pod-template-hash': hash } : { app } },
  spec: {
    terminationGracePeriodSeconds: grace,
    containers: [{ name: 'app', image: 'registry.example/app:1.0', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
  },
});

let podIndex = 0;
const byDeploy = [];
for (let d = 0; d < deploys; d++) {
  const app = `app-${d}`, hash = hex(0x5d8c7b9f + d, 10).slice(-10);
  const rsName = `${app}-${hash}`;
  const replicas = Math.min(perDeploy, pods - d * perDeploy);
  if (real) {
    items.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: ns, uid: uid(4, d), labels: { app } },
      spec: { selector: { app }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], type: 'ClusterIP',
        clusterIP: `10.96.${d >> 8}.${d & 255}`, clusterIPs: [`10.96.${d >> 8}.${d & 255}`], sessionAffinity: 'None' }, status: { loadBalancer: {} } });
    items.push({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: app, namespace: ns, uid: uid(5, d), labels: { app } },
      subsets: [{ ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], addresses: Array.from({ length: Math.min(perDeploy, 20) },
        (_, i) => ({ ip: `10.244.${d & 255}.${i}`, nodeName: `node-${i % nodes}` })) }] });
    items.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-config`, namespace: ns, uid: uid(6, d) },
      data: { 'app.properties': 'replicas=100\nlog.level=info\n' } });
  }
  items.push({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: app, namespace: ns, uid: uid(1, d), labels: { app },
      ...(real ? { annotations: { 'kubectl.kubernetes.io/last-applied-configuration':
        JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { replicas: Math.min(perDeploy, pods - d * perDeploy), selector: { matchLabels: { app } }, template: template(app) } }) + '\n',
        'deployment.kubernetes.io/revision': '1' } } : {}) },
    spec: { replicas, selector: { matchLabels: { app } }, template: template(app) },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, updatedReplicas: replicas, observedGeneration: 1 },
  });
  items.push({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: rsName, namespace: ns, uid: uid(2, d), labels: { app, 'pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: app, uid: uid(1, d), controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas, selector: { matchLabels: { app, 'pod-template-hash': hash } }, template: template(app, hash) },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1 },
  });
  const names = [];
  for (let r = 0; r < replicas; r++, podIndex++) {
    const name = `${rsName}-${hex(podIndex, 5)}`;
    names.push(name);
    const t = template(app, hash);
    items.push({
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name, namespace: ns, uid: uid(3, podIndex), labels: t.metadata.labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: uid(2, d), controller: true, blockOwnerDeletion: true }],
        ...(real ? { generateName: `${rsName}-`, resourceVersion: String(100000 + podIndex), creationTimestamp: T0,
          managedFields: [...managed('kube-controller-manager', 'Update', podFields), { ...managed('kubelet', 'Update', statusFields)[0], subresource: 'status' }] } : {}),
      },
      spec: { ...t.spec, nodeName: `node-${podIndex % nodes}` },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: T0 },
          { type: 'Ready', status: 'True', lastTransitionTime: T0 },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: T0 },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: T0 },
        ],
        podIP: `10.244.${(podIndex >> 8) & 255}.${podIndex & 255}`,
        startTime: T0,
        ...(real ? {
          hostIP: `10.0.${(podIndex % nodes) >> 8}.${(podIndex % nodes) & 255}`,
          hostIPs: [{ ip: `10.0.${(podIndex % nodes) >> 8}.${(podIndex % nodes) & 255}` }],
          podIPs: [{ ip: `10.244.${(podIndex >> 8) & 255}.${podIndex & 255}` }], qosClass: 'Burstable',
          containerStatuses: [{ name: 'app', ready: true, started: true, restartCount: 0, image: 'registry.example/app:1.0',
            imageID: 'registry.example/app@sha256:' + '0'.repeat(64), containerID: `containerd://${hex(podIndex, 64)}`,
            state: { running: { startedAt: T0 } }, lastState: {} }],
        } : {}),
      },
    });
  }
  byDeploy.push(names);
  if (d < pdbs && pdbRule !== 'none') {
    const [field, value] = pdbRule.split('=');
    const v = /^\d+$/.test(value) ? Number(value) : value;
    items.push({
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
      metadata: { name: app, namespace: ns },
      spec: { [field]: v, selector: { matchLabels: { app } } },
    });
  }
}

writeFileSync(out, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
if (targets) {
  const lines = [];
  for (let r = 0; r < perDeploy; r++)
    for (const names of byDeploy)
      if (r < names.length) lines.push(`${ns} ${names[r]}`);
  writeFileSync(targets, lines.join('\n') + '\n');
}
