// Query parameters as kube-apiserver parses them (docs/reference: query
// parameters): booleans, integers, list options, the streaming list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, request } from '../lib/server.mjs';

let srv, api;
before(async () => {
  srv = await start();
  api = client(srv.url);
  const r = await api.load(`apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: default}
spec: {nodeName: n1, containers: [{name: c, image: nginx:1.27}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p2, namespace: default}
spec: {nodeName: n1, containers: [{name: c, image: nginx:1.27}]}
`);
  assert.equal(r.status, 200, r.text);
});
after(() => srv.stop());

// The events of a watch that ends after timeoutSeconds (or a list's JSON).
async function lines(path) {
  const r = await request(srv.url, 'GET', path);
  return { status: r.status, text: r.text, events: r.text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

test('watch: true unless absent, 0 or false in any case (True, t, 1, empty)', async () => {
  for (const v of ['True', 'true', 't', '1', '', 'no', 'f', 'yes']) {
    const r = await lines(`/api/v1/namespaces/default/pods?watch=${v}&timeoutSeconds=1`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'p1'], ['ADDED', 'p2']], `watch=${v}`);
  }
  for (const v of ['0', 'false', 'False', 'FALSE']) {
    const r = await api.get(`/api/v1/namespaces/default/pods?watch=${v}`);
    assert.equal(r.json.kind, 'PodList', `watch=${v}`);
  }
  // only the first value counts
  assert.equal((await api.get('/api/v1/namespaces/default/pods?watch=false&watch=true')).json.kind, 'PodList');
});
