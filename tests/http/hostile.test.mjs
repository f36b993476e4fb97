// Hostile input (issue 8): every bad request gets a Kubernetes Status (or, for
// protocol junk, a clean HTTP error), the store is byte-for-byte unchanged
// (GET /sim/v1/snapshot before and after, ignoring nothing) and the server
// keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { start, request } from '../lib/server.mjs';

let srv;
const POD = (name, extra = {}) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, labels: { app: 'web' }, ...extra.metadata },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx:1.27' }], ...extra.spec },
});
const FIXTURE = `
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: default, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, image: nginx}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: default, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c, image: nginx}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb, namespace: default}
spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep, namespace: default}
spec:
  replicas: 0
  selector: {matchLabels: {app: dep}}
  template:
    metadata: {labels: {app: dep}}
    spec: {containers: [{name: c, image: nginx}]}
`;

before(async () => {
  srv = await start();
  const r = await request(srv.url, 'POST', '/sim/v1/load', { body: FIXTURE, type: 'application/yaml' });
  assert.equal(r.status, 200, r.text);
});
after(async () => {
  const e = await srv.stop();
  assert.equal(e.code, 0, `evictsim exited ${e.code} ${e.signal}: ${srv.stderr()}`);
});

const snapshot = async () => {
  const r = await request(srv.url, 'GET', '/sim/v1/snapshot');
  assert.equal(r.status, 200);
  return r.text;
};

// Run `fn` (which sends the hostile request and checks its answer); then the
// store must be unchanged and the server must answer a plain GET.
async function unchanged(fn) {
  const before = await snapshot();
  await fn();
  assert.equal(await snapshot(), before, 'the store changed');
  const v = await request(srv.url, 'GET', '/version');
  assert.equal(v.status, 200);
}

// A Kubernetes Status with this code and reason; message: a string (exact) or
// a RegExp.
function isStatus(r, code, reason, message) {
  assert.equal(r.status, code, r.text.slice(0, 300));
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.ok(r.json, `not JSON: ${r.text.slice(0, 200)}`);
  assert.equal(r.json.kind, 'Status');
  assert.equal(r.json.apiVersion, 'v1');
  assert.equal(r.json.status, 'Failure');
  assert.equal(r.json.code, code);
  if (reason === undefined) assert.equal(r.json.reason, undefined);
  else assert.equal(r.json.reason, reason);
  if (typeof message === 'string') {
    assert.ok(r.json.message === message,
      `message ${JSON.stringify(r.json.message.slice(0, 300))} (${r.json.message.length} chars), want ${JSON.stringify(message.slice(0, 300))} (${message.length} chars)`);
  } else if (message) assert.match(r.json.message, message);
}

const send = (method, path, body, type, headers) =>
  request(srv.url, method, path, { body, type, headers });
const PODS = '/api/v1/namespaces/default/pods';

// ---------------------------------------------------------------- bodies

test('malformed and truncated JSON bodies: 400', async () => {
  for (const body of ['{"apiVersion":"v1","kind":"Pod","metadata":{"name":', '{', '}', '{"a":1,}', 'nul',
    '{"apiVersion":"v1","kind":"Pod"}}', '"just a string"', '\u0000', '{"a":"\u0000', '{"a":1}{"b":2}']) {
    await unchanged(async () => {
      const r = await send('POST', PODS, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.text}`);
      isStatus(r, 400, 'BadRequest');
    });
  }
});

test('a truncated JSON body names the parse error', async () => {
  await unchanged(async () => {
    isStatus(await send('POST', PODS, '{"apiVersion":"v1","kind":"Pod","metadata":{"name":'), 400, 'BadRequest',
      /^couldn't get version\/kind; json parse error: /);
  });
});

test('trailing data after the JSON document: 400 with the decoder text', async () => {
  // the first byte, quoted as Go's quoteChar does (ÿ is sent as UTF-8: its first byte 0xc3 reads as Ã)
  for (const [tail, ch] of [['}', "'}'"], ['{"b":2}', "'{'"], ['\u0000', "'\\x00'"], ["'", "'\\''"],
    ['\u0007', "'\\a'"], ['ÿ', "'Ã'"], ['\\', "'\\\\'"]]) {
    await unchanged(async () => {
      isStatus(await send('POST', PODS, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"t"}} \n${tail}`), 400,
        'BadRequest', `couldn't get version/kind; json parse error: invalid character ${ch} after top-level value`);
    });
  }
});

test('a \\u0000 escape in a string: 400 (the C store cannot hold it)', async () => {
  await unchanged(async () => {
    isStatus(await send('POST', PODS, '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a\\u0000b"}}'), 400,
      'BadRequest', "couldn't get version/kind; json parse error: \\u0000 in a string is not supported");
  });
});

test('an empty create body: 400 BadRequest', async () => {
  await unchanged(async () => {
    isStatus(await send('POST', PODS, ''), 400, 'BadRequest', 'the body of the request was empty');
  });
});

test('malformed and truncated YAML bodies: 400 with the YAML error', async () => {
  await unchanged(async () => {
    isStatus(await send('POST', PODS, 'apiVersion: v1\nkind: Pod\nmetadata: {name: x', 'application/yaml'),
      400, 'BadRequest', "error decoding YAML: yaml: line 4: did not find expected ',' or '}'");
  });
  for (const body of ['apiVersion: v1\n kind: Pod\n\tmetadata: x\n', 'a: [1, 2\n', '- : :\n  - ]\n', 'key: "unterminated\n',
    '&a [*a]\n', '!!binary %%%\n']) {
    await unchanged(async () => {
      const r = await send('POST', PODS, body, 'application/yaml');
      isStatus(r, 400, 'BadRequest');
    });
  }
});

// Wrong JSON types in the fields the server reads: the decoder's 400, before
// any defaulting or validation.
const cannot = (kind, what) => `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${what}`;
const WRONG_TYPES = [
  ['metadata.name a number', (p) => { p.metadata.name = 5; },
    cannot('Pod', 'number into Go struct field ObjectMeta.metadata.name of type string')],
  ['metadata a list', (p) => { p.metadata = []; },
    cannot('Pod', 'array into Go struct field Pod.metadata of type v1.ObjectMeta')],
  ['labels a list', (p) => { p.metadata.labels = ['app=web']; },
    cannot('Pod', 'array into Go struct field ObjectMeta.metadata.labels of type map[string]string')],
  ['a label value a number', (p) => { p.metadata.labels = { app: 1 }; },
    cannot('Pod', 'number into Go struct field ObjectMeta.metadata.labels of type string')],
  ['annotations a string', (p) => { p.metadata.annotations = 'a=b'; },
    cannot('Pod', 'string into Go struct field ObjectMeta.metadata.annotations of type map[string]string')],
  ['finalizers a string', (p) => { p.metadata.finalizers = 'x/y'; },
    cannot('Pod', 'string into Go struct field ObjectMeta.metadata.finalizers of type []string')],
  ['finalizers holding a number', (p) => { p.metadata.finalizers = [1]; },
    cannot('Pod', 'number into Go struct field ObjectMeta.metadata.finalizers of type string')],
  ['ownerReferences an object', (p) => { p.metadata.ownerReferences = {}; },
    cannot('Pod', 'object into Go struct field ObjectMeta.metadata.ownerReferences of type []v1.OwnerReference')],
  ['spec a string', (p) => { p.spec = 'x'; },
    cannot('Pod', 'string into Go struct field Pod.spec of type v1.PodSpec')],
  ['spec.containers an object', (p) => { p.spec.containers = { name: 'c', image: 'i' }; },
    cannot('Pod', 'object into Go struct field PodSpec.spec.containers of type []v1.Container')],
  ['a container a string', (p) => { p.spec.containers = ['nginx']; },
    cannot('Pod', 'string into Go struct field PodSpec.spec.containers of type v1.Container')],
  ['a container name a number', (p) => { p.spec.containers[0].name = 7; },
    cannot('Pod', 'number into Go struct field Container.spec.containers.name of type string')],
  ['a container port a string', (p) => { p.spec.containers[0].ports = [{ containerPort: '80' }]; },
    cannot('Pod', 'string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32')],
  ['terminationGracePeriodSeconds a string', (p) => { p.spec.terminationGracePeriodSeconds = '30'; },
    cannot('Pod', 'string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64')],
  ['terminationGracePeriodSeconds a fraction', (p) => { p.spec.terminationGracePeriodSeconds = 1.5; },
    cannot('Pod', 'number 1.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64')],
  ['priority beyond int32', (p) => { p.spec.priority = 3000000000; },
    cannot('Pod', 'number 3000000000 into Go struct field PodSpec.spec.priority of type int32')],
  ['nodeName a bool', (p) => { p.spec.nodeName = true; },
    cannot('Pod', 'bool into Go struct field PodSpec.spec.nodeName of type string')],
  ['nodeSelector a list', (p) => { p.spec.nodeSelector = ['a']; },
    cannot('Pod', 'array into Go struct field PodSpec.spec.nodeSelector of type map[string]string')],
  ['tolerations an object', (p) => { p.spec.tolerations = { key: 'k' }; },
    cannot('Pod', 'object into Go struct field PodSpec.spec.tolerations of type []v1.Toleration')],
  ['tolerationSeconds a string', (p) => { p.spec.tolerations = [{ key: 'k', tolerationSeconds: '5' }]; },
    cannot('Pod', 'string into Go struct field Toleration.spec.tolerations.tolerationSeconds of type int64')],
  ['status.phase a number', (p) => { p.status = { phase: 1 }; },
    cannot('Pod', 'number into Go struct field PodStatus.status.phase of type v1.PodPhase')],
  ['status.conditions an object', (p) => { p.status = { conditions: { type: 'Ready' } }; },
    cannot('Pod', 'object into Go struct field PodStatus.status.conditions of type []v1.PodCondition')],
  ['kind a number', (p) => { p.kind = 5; },
    "couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string"],
  ['apiVersion a list', (p) => { p.apiVersion = ['v1']; },
    "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go struct field .apiVersion of type string"],
];

test('wrong types in every pod field the server reads: 400, nothing created', async () => {
  for (const [what, mutate, message] of WRONG_TYPES) {
    const p = POD('typed');
    mutate(p);
    await unchanged(async () => {
      const r = await send('POST', PODS, p);
      assert.equal(r.json?.message, message, `${what}: ${r.text.slice(0, 300)}`);
      isStatus(r, 400, 'BadRequest', message);
    });
  }
});

test('wrong types on update (PUT) and in YAML: 400, nothing changed', async () => {
  const cur = (await send('GET', `${PODS}/web-1`)).json;
  for (const [what, mutate, message] of WRONG_TYPES.slice(0, 12)) {
    const p = structuredClone(cur);
    mutate(p);
    if (what.startsWith('metadata.name') || what === 'metadata a list') continue; // the URL name check comes first
    await unchanged(async () => isStatus(await send('PUT', `${PODS}/web-1`, p), 400, 'BadRequest', message));
  }
  await unchanged(async () => isStatus(
    await send('POST', PODS, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: yy\n  labels: [a]\nspec: {containers: [{name: c, image: i}]}\n',
      'application/yaml'),
    400, 'BadRequest', cannot('Pod', 'array into Go struct field ObjectMeta.metadata.labels of type map[string]string')));
});

test('wrong types in PDB, node and deployment fields: 400', async () => {
  const pdb = (spec) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec });
  const cases = [
    ['/apis/policy/v1/namespaces/default/poddisruptionbudgets', pdb({ minAvailable: true, selector: {} }),
      'PodDisruptionBudget in version "v1" cannot be handled as a PodDisruptionBudget: json: cannot unmarshal bool into Go struct field PodDisruptionBudgetSpec.spec.minAvailable of type int32'],
    ['/apis/policy/v1/namespaces/default/poddisruptionbudgets', pdb({ minAvailable: 1, selector: 'app=web' }),
      'PodDisruptionBudget in version "v1" cannot be handled as a PodDisruptionBudget: json: cannot unmarshal string into Go struct field PodDisruptionBudgetSpec.spec.selector of type v1.LabelSelector'],
    ['/apis/policy/v1/namespaces/default/poddisruptionbudgets', pdb({ minAvailable: 1, selector: { matchLabels: ['app'] } }),
      'PodDisruptionBudget in version "v1" cannot be handled as a PodDisruptionBudget: json: cannot unmarshal array into Go struct field LabelSelector.spec.selector.matchLabels of type map[string]string'],
    ['/apis/policy/v1/namespaces/default/poddisruptionbudgets', pdb({ maxUnavailable: 1, selector: { matchExpressions: [{ key: 'a', operator: 'In', values: 'x' }] } }),
      'PodDisruptionBudget in version "v1" cannot be handled as a PodDisruptionBudget: json: cannot unmarshal string into Go struct field LabelSelectorRequirement.spec.selector.matchExpressions.values of type []string'],
    ['/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n9' }, spec: { unschedulable: 'true' } },
      'Node in version "v1" cannot be handled as a Node: json: cannot unmarshal string into Go struct field NodeSpec.spec.unschedulable of type bool'],
    ['/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n9' }, spec: { taints: [{ key: 'k', effect: 3 }] } },
      'Node in version "v1" cannot be handled as a Node: json: cannot unmarshal number into Go struct field Taint.spec.taints.effect of type v1.TaintEffect'],
    ['/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd9' }, spec: { replicas: '3' } },
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
    ['/apis/apps/v1/namespaces/default/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd9' }, spec: { replicas: 1, template: { spec: { containers: 'c' } } } },
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container'],
  ];
  for (const [path, body, message] of cases) {
    await unchanged(async () => isStatus(await send('POST', path, body), 400, 'BadRequest', message));
  }
});

test('deep nesting (10k levels) in JSON, YAML, patches and the load body: 400, no crash', async () => {
  const deepJson = '{"a":'.repeat(10000) + '1' + '}'.repeat(10000);
  const deepList = '['.repeat(10000) + ']'.repeat(10000);
  const deepYaml = '['.repeat(10000) + ']'.repeat(10000);
  const deepPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":${deepJson}}`;
  for (const [method, path, body, type] of [
    ['POST', PODS, deepJson], ['POST', PODS, deepList], ['POST', PODS, deepPod],
    ['POST', PODS, deepYaml, 'application/yaml'],
    ['PATCH', `${PODS}/web-1`, deepJson, 'application/merge-patch+json'],
    ['PATCH', `${PODS}/web-1`, deepJson, 'application/strategic-merge-patch+json'],
    ['PATCH', `${PODS}/web-1`, deepList, 'application/json-patch+json'],
    ['PATCH', `${PODS}/web-1`, deepYaml, 'application/apply-patch+yaml'],
    ['POST', '/sim/v1/load', deepYaml, 'application/yaml'],
    ['POST', `${PODS}/web-1/eviction`, deepJson],
  ]) {
    await unchanged(async () => {
      const r = await send(method, path, body, type);
      assert.ok(r.status === 400 || r.status === 422, `${method} ${path} ${type}: ${r.status} ${r.text.slice(0, 200)}`);
      isStatus(r, r.status, r.status === 400 ? 'BadRequest' : 'Invalid');
    });
  }
});

test('huge numbers: 400 from the decoder, never a wrapped or saturated value', async () => {
  for (const n of ['1e400', '-1e400', '99999999999999999999', '9223372036854775808']) {
    const body = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big"},"spec":{"containers":[{"name":"c","image":"i"}],"terminationGracePeriodSeconds":${n}}}`;
    await unchanged(async () => isStatus(await send('POST', PODS, body), 400, 'BadRequest',
      /^Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number \S+ into Go struct field PodSpec\.spec\.terminationGracePeriodSeconds of type int64$/));
  }
  // cJSON keeps no literal: a non-integer prints as Go would; huge values only approximately (1e+20 for 1e20)
  for (const [n, lit] of [['1.5', '1.5'], ['-0.25', '-0.25']]) {
    await unchanged(async () => isStatus(await send('POST', `${PODS}/web-1/eviction`,
      `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1"},"deleteOptions":{"gracePeriodSeconds":${n}}}`),
    400, 'BadRequest', `Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal number ${lit} into Go struct field DeleteOptions.deleteOptions.gracePeriodSeconds of type int64`));
  }
  await unchanged(async () => isStatus(await send('POST', `${PODS}/web-1/eviction`,
    '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1"},"deleteOptions":{"gracePeriodSeconds":99999999999999999999}}'), 400, 'BadRequest',
  /^Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal number \S+ into Go struct field DeleteOptions\.deleteOptions\.gracePeriodSeconds of type int64$/));
});

test('invalid UTF-8 and NUL bytes in names: 422 (or 400), nothing created', async () => {
  const bad = Buffer.concat([Buffer.from('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a'), Buffer.from([0xff, 0xfe]),
    Buffer.from('"},"spec":{"containers":[{"name":"c","image":"i"}]}}')]);
  await unchanged(async () => isStatus(await send('POST', PODS, bad), 422, 'Invalid', /^Pod ".*" is invalid: metadata\.name: Invalid value: /));
  // a NUL inside a JSON string: never silently cut ("a\u0000b" stored as "a")
  await unchanged(async () => {
    const r = await send('POST', PODS, POD('a\u0000b'));
    assert.ok(r.status === 400 || r.status === 422, `a NUL in metadata.name: ${r.status} ${r.text.slice(0, 200)}`);
    isStatus(r, r.status, r.status === 400 ? 'BadRequest' : 'Invalid');
  });
  await unchanged(async () => {
    const r = await send('POST', PODS, POD('nul-annotation', { metadata: { annotations: { a: 'x\u0000y' } } }));
    assert.ok(r.status === 400 || r.status === 422, `a NUL in an annotation: ${r.status} ${r.text.slice(0, 200)}`);
  });
  const nulBody = Buffer.concat([Buffer.from('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a'), Buffer.from([0]),
    Buffer.from('b"},"spec":{"containers":[{"name":"c","image":"i"}]}}')]);
  await unchanged(async () => isStatus(await send('POST', PODS, nulBody), 400, 'BadRequest',
    "couldn't get version/kind; json parse error: invalid character '\\x00' in string literal"));
  const nulLabel = POD('nul-label', { metadata: { labels: { 'a\u0000': 'b' } } });
  await unchanged(async () => {
    const r = await send('POST', PODS, nulLabel);
    assert.ok(r.status === 400 || r.status === 422, `a NUL in a label key: ${r.status} ${r.text.slice(0, 200)}`);
  });
});

test('names too long or invalid: 422 with the upstream text', async () => {
  const long = 'a'.repeat(254);
  await unchanged(async () => isStatus(await send('POST', PODS, POD(long)), 422, 'Invalid',
    `Pod "${long}" is invalid: metadata.name: Invalid value: "${long}": must be no more than 253 characters`));
  await unchanged(async () => isStatus(await send('POST', PODS, POD('Bad_Name')), 422, 'Invalid',
    `Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`));
  await unchanged(async () => isStatus(await send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }), 422, 'Invalid',
    /^Namespace "a\.b" is invalid: metadata\.name: Invalid value: "a\.b": a lowercase RFC 1123 label must consist of/));
  // a name in the URL that no object can have
  await unchanged(async () => isStatus(await send('GET', `${PODS}/${'x'.repeat(5000)}`), 404, 'NotFound', `pods "${'x'.repeat(5000)}" not found`));
});

test('a body over 3 MiB: 413 on every write path', async () => {
  const big = 'x'.repeat(3 * 1024 * 1024 + 1);
  for (const [method, path, type] of [['POST', PODS], ['PUT', `${PODS}/web-1`], ['PATCH', `${PODS}/web-1`, 'application/merge-patch+json'],
    ['POST', '/sim/v1/load', 'application/yaml'], ['POST', `${PODS}/web-1/eviction`], ['DELETE', `${PODS}/web-1`]]) {
    await unchanged(async () => isStatus(await send(method, path, big, type), 413, 'RequestEntityTooLarge',
      'Request entity too large: limit is 3145728'));
  }
});

test('a wrong Content-Type: 415', async () => {
  const accepted = 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf';
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data; boundary=x']) {
    await unchanged(async () => isStatus(await send('POST', PODS, JSON.stringify(POD('ct')), type), 415, 'UnsupportedMediaType', accepted));
    await unchanged(async () => isStatus(await send('POST', `${PODS}/web-1/eviction`, '{}', type), 415, 'UnsupportedMediaType', accepted));
  }
  await unchanged(async () => isStatus(await send('PATCH', `${PODS}/web-1`, '{}', 'application/json'), 415, 'UnsupportedMediaType',
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json'));
});

test('unknown resources, subresources and paths: 404 Status', async () => {
  const nf = 'the server could not find the requested resource';
  for (const path of ['/api/v1/namespaces/default/widgets', '/api/v1/namespaces/default/pods/web-1/portforward',
    '/api/v1/namespaces/default/pods/web-1/exec', '/api/v1/namespaces/default/pods/web-1/eviction/extra',
    '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web-pdb/scale', '/apis/apps/v2/deployments',
    '/api/v1/nodes/n1/status/extra', '/api/v2/pods', '/%00',
    '/api/v1/namespaces/default/pods/web-1/a/b/c/d/e/f/g/h/i/j', // 17 segments: more than the router holds
    '/api/v1/namespaces/default/pods/web-1/a/b/c/d/e/f/g/',
    '/sim/v1/nothing', '/../../etc/passwd']) {
    await unchanged(async () => {
      const r = await send('GET', path);
      isStatus(r, 404, 'NotFound', nf);
    });
  }
  for (const method of ['PUT', 'DELETE', 'PATCH', 'POST']) {
    await unchanged(async () => isStatus(await send(method, '/api/v1/namespaces/default/pods/web-1/a/b/c/d/e/f/g/h/i/j', '{}'), 404, 'NotFound', nf));
  }
});

test('bad label and field selectors: 400 with the parser text', async () => {
  const cases = [
    ['labelSelector=a%20in%20(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['fieldSelector=spec.foo%3Dx', 'field label not supported: spec.foo'],
    ['fieldSelector=metadata.name%3Da%5C%F7', 'invalid field selector: invalid escape sequence: \\\ufffd'],
    ['fieldSelector=metadata.name%3Da%5Cq', 'invalid field selector: invalid escape sequence: \\q'],
  ];
  for (const [q, message] of cases) {
    await unchanged(async () => isStatus(await send('GET', `/api/v1/pods?${q}`), 400, 'BadRequest', message));
    await unchanged(async () => isStatus(await send('DELETE', `${PODS}?${q}`), 400, 'BadRequest', message));
  }
  for (const q of ['labelSelector=%3D%3D%3D', 'labelSelector=a%20notin', 'labelSelector=!', `labelSelector=${'a'.repeat(70)}%3Db`,
    'labelSelector=a%3D' + '('.repeat(1000), 'fieldSelector=%3D', 'fieldSelector=metadata.name%3D%3D%3Dx',
    `labelSelector=${'a%3Db,'.repeat(5000)}c%20in`]) {
    await unchanged(async () => isStatus(await send('GET', `/api/v1/namespaces/default/pods?${q}`), 400, 'BadRequest'));
  }
});

test('bad patches: a Status, nothing changed', async () => {
  const P = `${PODS}/web-1`;
  const cases = [
    ['application/json-patch+json', '{"op":"add"}', 400],
    ['application/json-patch+json', '[{"op":"test","path":"/metadata/name","value":"other"}]', 422],
    ['application/json-patch+json', '[{"op":"remove","path":"/no/such"}]', 422],
    ['application/json-patch+json', '[{"op":"frobnicate","path":"/a"}]', 422],
    ['application/json-patch+json', '[{"op":"add","path":"/metadata/name","value":"renamed"}]', 400],
    ['application/json-patch+json', '[{"op":"add","path":"/spec/containers","value":{}}]', 400],
    ['application/merge-patch+json', '{"metadata":{"labels":["x"]}}', 400],
    ['application/merge-patch+json', '{"spec":{"terminationGracePeriodSeconds":"30"}}', 400],
    ['application/merge-patch+json', '{"metadata":{"name":"x"}}', 400],
    ['application/merge-patch+json', '{"kind":"Node"}', 400],
    ['application/merge-patch+json', '{"a":', 400],
    ['application/strategic-merge-patch+json', '{"spec":{"containers":[{"$patch":"bogus","name":"c"}]}}', 500],
    ['application/strategic-merge-patch+json', '{"spec":{"containers":{"name":"c"}}}', 400],
    ['application/strategic-merge-patch+json', '[]', 400],
    ['application/apply-patch+yaml', 'metadata: [', 400],
  ];
  for (const [type, body, code] of cases) {
    await unchanged(async () => {
      const r = await send('PATCH', P, body, type);
      assert.equal(r.status, code, `${type} ${body}: ${r.text.slice(0, 300)}`);
      isStatus(r, code, r.json?.reason);
    });
  }
  // upstream's plain Go error: 500 without a reason
  await unchanged(async () => isStatus(await send('PATCH', P, '{"spec":{"containers":[{"$patch":"bogus","name":"c"}]}}',
    'application/strategic-merge-patch+json'), 500, undefined, 'unknown patch type: bogus in map: map[$patch:bogus name:c]'));
  // renaming through a patch (a use-after-free in rest.c's do_patch once)
  await unchanged(async () => isStatus(await send('PATCH', P, '{"metadata":{"name":"renamed"}}', 'application/merge-patch+json'),
    400, 'BadRequest', 'the name of the object (renamed) does not match the name on the URL (web-1)'));
  // 10001 operations: 413
  const ops = JSON.stringify(Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Pod' })));
  await unchanged(async () => isStatus(await send('PATCH', P, ops, 'application/json-patch+json'), 413, 'RequestEntityTooLarge',
    'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001'));
});

test('a YAML alias bomb via /sim/v1/load: 400, no blow-up', async () => {
  const levels = 'abcdefghi'.split('');
  let y = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 1; i < levels.length; i++) {
    const p = levels[i - 1];
    y += `${levels[i]}: &${levels[i]} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]\n`;
  }
  await unchanged(async () => isStatus(await send('POST', '/sim/v1/load', y, 'application/yaml'), 400, 'BadRequest',
    'request body: document 1: yaml: document contains excessive aliasing'));
  const bombPod = `apiVersion: v1\nkind: Pod\nmetadata: {name: bomb}\nspec:\n  bomb:\n${y.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
  await unchanged(async () => {
    const r = await send('POST', PODS, bombPod, 'application/yaml');
    isStatus(r, 400, 'BadRequest', /excessive aliasing/);
  });
});

test('absurd grace periods: 400 from the parser', async () => {
  const P = `${PODS}/web-1`;
  await unchanged(async () => isStatus(await send('DELETE', `${P}?gracePeriodSeconds=abc`), 400, 'BadRequest',
    'strconv.ParseInt: parsing "abc": invalid syntax'));
  await unchanged(async () => isStatus(await send('DELETE', `${P}?gracePeriodSeconds=99999999999999999999`), 400, 'BadRequest',
    'strconv.ParseInt: parsing "99999999999999999999": value out of range'));
  await unchanged(async () => {
    const r = await send('DELETE', P, '{"gracePeriodSeconds":"5"}');
    assert.ok(r.status === 400 || r.status === 422 || r.status === 500, r.text);
    isStatus(r, r.status, r.json.reason);
  });
  await unchanged(async () => isStatus(await send('POST', `${P}/eviction`,
    '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1"},"deleteOptions":{"gracePeriodSeconds":"x"}}'),
    400, 'BadRequest', 'Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal string into Go struct field DeleteOptions.deleteOptions.gracePeriodSeconds of type int64'));
});

test('a negative grace period becomes 1 (the one hostile value that is accepted)', async () => {
  let r = await send('POST', PODS, POD('neg-grace'));
  assert.equal(r.status, 201, r.text);
  r = await send('DELETE', `${PODS}/neg-grace?gracePeriodSeconds=-5`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.metadata.deletionGracePeriodSeconds, 1);
  await send('DELETE', `${PODS}/neg-grace?gracePeriodSeconds=0`);
  // the largest int64 grace: accepted, and the server keeps running
  assert.equal((await send('POST', PODS, POD('max-grace'))).status, 201);
  r = await send('DELETE', `${PODS}/max-grace?gracePeriodSeconds=9223372036854775807`);
  assert.ok([200, 400, 422].includes(r.status), r.text.slice(0, 300));
  await send('DELETE', `${PODS}/max-grace?gracePeriodSeconds=0`);
  assert.equal((await send('GET', '/version')).status, 200);
});

// ------------------------------------------------------------- raw TCP

// Send bytes on a fresh connection; resolve with all bytes received until the
// server closes (or `ms` passes).
function raw(data, ms = 3000) {
  return new Promise((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1');
    let out = '';
    const done = () => { clearTimeout(t); s.destroy(); resolve(out); };
    const t = setTimeout(done, ms);
    s.on('data', (d) => { out += d.toString('latin1'); });
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => s.write(data));
  });
}
const statusLine = (out) => out.split('\r\n', 1)[0];

test('protocol junk over raw TCP: a clean HTTP error or a closed connection', async () => {
  const cases = [
    ['a request line without a version', 'GARBAGE\r\n\r\n', [null, 400]],
    ['binary junk', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', [null, 400]],
    ['an unknown HTTP version', 'GET /version HTTP/9.9\r\nHost: x\r\n\r\n', [505]],
    ['a negative Content-Length', 'POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}', [400]],
    ['a Content-Length beyond any integer', 'POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999999\r\n\r\n{}', [400, 413]],
    ['broken chunked encoding', 'POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', [400]],
    ['a chunk longer than announced', 'POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"apiVersion"}\r\n0\r\n\r\n', [400]],
    ['a huge URL', `GET /api/v1/pods?x=${'a'.repeat(300000)} HTTP/1.1\r\nHost: x\r\n\r\n`, [414]],
    ['a huge header', `GET /version HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(300000)}\r\n\r\n`, [431]],
    ['ten thousand headers', `GET /version HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(40000)}\r\n`, [431]],
    ['a header line without a colon', 'GET /version HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n', [400]],
  ];
  for (const [what, data, codes] of cases) {
    await unchanged(async () => {
      const out = await raw(data);
      const line = statusLine(out);
      if (codes.includes(null) && out === '') return;
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(line);
      assert.ok(m, `${what}: not an HTTP answer: ${JSON.stringify(out.slice(0, 200))}`);
      assert.ok(codes.includes(Number(m[1])), `${what}: ${line}`);
    });
  }
});

test('a request with more path segments than the router holds: 404, server alive', async () => {
  // 14 and 13 segments, with and without a trailing slash (server/http.c split_path)
  for (const path of ['/api/v1/namespaces/default/pods/a/b/c/d/e/f/g/h/i', '/a/b/c/d/e/f/g/h/i/j/k/l/m',
    '/a/b/c/d/e/f/g/h/i/j/k/l/', '/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z']) {
    await unchanged(async () => {
      const out = await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.equal(statusLine(out), 'HTTP/1.1 404 Not Found', `${path}: ${JSON.stringify(out.slice(0, 200))}`);
    });
  }
});

test('200 idle connections: a normal request is still answered promptly', async () => {
  const idle = [];
  await Promise.all(Array.from({ length: 200 }, () => new Promise((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1', resolve);
    s.on('error', () => {});
    idle.push(s);
  })));
  // half of them also send an unfinished request line
  idle.slice(0, 100).forEach((s) => s.write('GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n'));
  try {
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      const r = await send('GET', `${PODS}/web-1`);
      assert.equal(r.status, 200);
    }
    const ms = Date.now() - t0;
    assert.ok(ms < 2000, `5 requests took ${ms} ms with 200 idle connections`);
  } finally {
    idle.forEach((s) => s.destroy());
  }
});

test('after all of it: the fixture is intact and the server exits cleanly', async () => {
  const r = await send('GET', PODS);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.map((p) => p.metadata.name).filter((n) => n.startsWith('web')).sort(), ['web-1', 'web-2']);
});
