// Query parameters as kube-apiserver parses them (docs/reference: query
// parameters): booleans, integers, list options, the streaming list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, client, request } from '../lib/server.mjs';

const MANIFEST = `apiVersion: v1
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
`;

let srv, api;
before(async () => {
  srv = await start();
  api = client(srv.url);
  const r = await api.load(MANIFEST);
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


// A server of another release (and gates), loaded with MANIFEST.
async function serverOf(args) {
  const s = await start({ args });
  const r = await client(s.url).load(MANIFEST);
  assert.equal(r.status, 200, r.text);
  return s;
}

async function watchOf(s, query) {
  const r = await request(s.url, 'GET', `/api/v1/namespaces/default/pods?${query}`);
  return { status: r.status, json: r.json, events: r.status === 200 ? r.text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [] };
}

const invalid = (st, message, causes) => {
  assert.equal(st.code, 422);
  assert.equal(st.reason, 'Invalid');
  assert.equal(st.message, message);
  assert.deepEqual(st.details, { group: 'meta.k8s.io', kind: 'ListOptions', causes });
};

test('1.33: sendInitialEvents is refused (WatchList off), as are bad list options', async () => {
  const s = await serverOf(['--kube-version', '1.33']);
  try {
    const gate = { reason: 'FieldValueForbidden', field: 'sendInitialEvents',
      message: 'Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' };
    let r = await watchOf(s, 'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    invalid(r.json, `ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: ${gate.message}`, [gate]);
    r = await watchOf(s, 'watch=true&sendInitialEvents=false');
    const needMatch = { reason: 'FieldValueForbidden', field: 'resourceVersionMatch',
      message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan' };
    invalid(r.json, `ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: ${needMatch.message}, sendInitialEvents: ${gate.message}]`,
      [needMatch, gate]);
    r = await watchOf(s, 'watch=1&resourceVersionMatch=Exact');
    invalid(r.json, 'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
      [{ reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' },
        { reason: 'FieldValueNotSupported', field: 'resourceVersionMatch', message: 'Unsupported value: "Exact": supported values: "NotOlderThan"' }]);
    // a list
    r = await watchOf(s, 'sendInitialEvents=true');
    invalid(r.json, 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
      [{ reason: 'FieldValueForbidden', field: 'sendInitialEvents', message: 'Forbidden: sendInitialEvents is forbidden for list' }]);
    r = await watchOf(s, 'resourceVersionMatch=Exact&resourceVersion=0');
    invalid(r.json, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      [{ reason: 'FieldValueForbidden', field: 'resourceVersionMatch', message: 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"' }]);
    r = await watchOf(s, 'resourceVersionMatch=Newest');
    assert.equal(r.json.message, 'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""]');
    // a plain watch with bookmarks allowed: no initial-events-end bookmark in 1.33
    r = await watchOf(s, 'watch=1&allowWatchBookmarks=true&timeoutSeconds=1');
    assert.deepEqual(r.events.map((e) => e.type), ['ADDED', 'ADDED']);
  } finally { await s.stop(); }
});

test('integers as strconv.ParseInt reads them: 400 with its error', async () => {
  for (const [q, msg] of [['timeoutSeconds=abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['timeoutSeconds=', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['limit=1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['limit=99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range']]) {
    for (const w of ['', '&watch=1']) {
      const r = await api.get(`/api/v1/namespaces/default/pods?${q}${w}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.reason, 'BadRequest');
      assert.equal(r.json.message, msg);
    }
  }
});

test('the streaming list: initial ADDED events, then the bookmark that ends them', async () => {
  // 1.33 with the gate on: the bookmark carries the empty list's blueprint too
  const s33 = await serverOf(['--kube-version', '1.33', '--feature-gates', 'WatchList=true']);
  try {
    const r = await watchOf(s33, 'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1');
    assert.equal(r.status, 200);
    assert.deepEqual(r.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'p1'], ['ADDED', 'p2'], ['BOOKMARK', undefined]]);
    const bm = r.events[2].object;
    assert.equal(bm.kind, 'Pod');
    assert.equal(bm.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.deepEqual(JSON.parse(Buffer.from(bm.metadata.annotations['kubernetes.io/initial-events-list-blueprint'], 'base64').toString()),
      { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: null });
    const list = await client(s33.url).get('/api/v1/namespaces/default/pods');
    assert.equal(bm.metadata.resourceVersion, list.json.metadata.resourceVersion);
    // the bookmark is an empty Pod as Go writes it (1.33: creationTimestamp null)
    assert.deepEqual(bm.spec, { containers: null });
    assert.deepEqual(bm.status, {});
    assert.equal(bm.metadata.creationTimestamp, null);
    // without allowWatchBookmarks: the events, no bookmark
    const nb = await watchOf(s33, 'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1');
    assert.deepEqual(nb.events.map((e) => e.type), ['ADDED', 'ADDED']);
    // sendInitialEvents=false: from now, nothing initial
    const none = await watchOf(s33, 'watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&timeoutSeconds=1');
    assert.deepEqual(none.events, []);
  } finally { await s33.stop(); }
  // the default release (WatchList on from 1.34): a watch from "" is a streaming list by default
  const r = await lines('/api/v1/namespaces/default/pods?watch=1&allowWatchBookmarks=1&timeoutSeconds=1');
  assert.deepEqual(r.events.map((e) => e.type), ['ADDED', 'ADDED', 'BOOKMARK']);
  const bm = r.events[2].object;
  assert.deepEqual(bm.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
  assert.equal('creationTimestamp' in bm.metadata, false);
});

test('limit and continue: pages as the etcd3 store gives them', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await api.post('/api/v1/namespaces/kube-public/pods', { metadata: { name: `page-${i}` }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    assert.equal(r.status, 201, r.text);
  }
  const all = (await api.get('/api/v1/pods')).json;
  const names = all.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  // across namespaces, two at a time
  let got = [], cont = '', rv, pages = 0;
  do {
    const r = await api.get(`/api/v1/pods?limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= 2);
    got.push(...r.json.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    if (rv) assert.equal(r.json.metadata.resourceVersion, rv); // the first page's
    rv = r.json.metadata.resourceVersion;
    cont = r.json.metadata.continue;
    if (cont) {
      assert.equal(r.json.metadata.remainingItemCount, names.length - got.length);
      const token = JSON.parse(Buffer.from(cont, 'base64url').toString());
      assert.deepEqual(token, { v: 'meta.k8s.io/v1', rv: Number(rv), start: `${got.at(-1)}\u0000` });
    } else {
      assert.equal('remainingItemCount' in r.json.metadata, false);
    }
    pages++;
  } while (cont);
  assert.deepEqual(got, names);
  assert.equal(pages, Math.ceil(names.length / 2));
  // within a namespace the key is the name; a selector leaves remainingItemCount out
  const p1 = (await api.get('/api/v1/namespaces/kube-public/pods?limit=3')).json;
  assert.deepEqual(p1.items.map((p) => p.metadata.name), ['page-0', 'page-1', 'page-2']);
  assert.equal(JSON.parse(Buffer.from(p1.metadata.continue, 'base64url').toString()).start, 'page-2\u0000');
  assert.equal(p1.metadata.remainingItemCount, 2);
  const p2 = (await api.get(`/api/v1/namespaces/kube-public/pods?limit=3&continue=${p1.metadata.continue}`)).json;
  assert.deepEqual(p2.items.map((p) => p.metadata.name), ['page-3', 'page-4']);
  assert.equal(p2.metadata.continue, undefined);
  const sel = (await api.get('/api/v1/namespaces/kube-public/pods?limit=1&fieldSelector=metadata.namespace%3Dkube-public')).json;
  assert.ok(sel.metadata.continue);
  assert.equal('remainingItemCount' in sel.metadata, false);
  // a token that is not one
  for (const [tok, msg] of [['!!', 'invalid continue token: continue key is not valid: illegal base64 data at input byte 0'],
    [Buffer.from('{"v":"x","rv":1,"start":"a"}').toString('base64url'),
      'invalid continue token: continue key is not valid: server does not recognize this encoded version "x"'],
    [Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString('base64url'),
      'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)']]) {
    const r = await api.get(`/api/v1/pods?continue=${tok}`);
    assert.equal(r.status, 400, tok);
    assert.equal(r.json.reason, 'BadRequest');
    assert.equal(r.json.message, msg);
  }
});

test('fieldValidation: its values, and a field written twice (Strict 400, Warn header, Ignore)', async () => {
  const pod = (name) => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","labels":{"a":"1","a":"2"}},` +
    `"spec":{"containers":[{"name":"c","image":"x","image":"nginx:1.27"}]}}`;
  const post = (q, body) => request(srv.url, 'POST', `/api/v1/namespaces/default/pods${q}`, { body, type: 'application/json' });
  let r = await post('?fieldValidation=Strict', pod('fv-strict'));
  assert.equal(r.status, 400);
  assert.equal(r.json.reason, 'BadRequest');
  assert.equal(r.json.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: ' +
    'duplicate field "metadata.labels.a", duplicate field "spec.containers[0].image"');
  assert.equal((await api.get('/api/v1/namespaces/default/pods/fv-strict')).status, 404);
  for (const q of ['', '?fieldValidation=Warn']) {
    r = await post(q, pod(`fv-warn${q ? '-q' : ''}`));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('warning'),
      '299 - "duplicate field \\"metadata.labels.a\\"", 299 - "duplicate field \\"spec.containers[0].image\\""');
    // the last copy is the one kept, as Go's decoder keeps it
    assert.equal(r.json.metadata.labels.a, '2');
    assert.equal(r.json.spec.containers[0].image, 'nginx:1.27');
  }
  r = await post('?fieldValidation=Ignore', pod('fv-ignore'));
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('warning'), null);
  assert.equal(r.json.metadata.labels.a, '2');
  // an update says it the same way
  const cur = (await api.get('/api/v1/namespaces/default/pods/fv-ignore')).json;
  const text = JSON.stringify(cur).replace('"labels":{', '"labels":{"b":"x","b":"y",');
  r = await request(srv.url, 'PUT', '/api/v1/namespaces/default/pods/fv-ignore?fieldValidation=Strict', { body: text, type: 'application/json' });
  assert.equal(r.status, 400);
  assert.match(r.json.message, /strict decoding error: duplicate field "metadata\.labels\.b"$/);
  // a value that is not one of the four
  for (const [m, path, kind] of [['POST', '/api/v1/namespaces/default/pods', 'CreateOptions'],
    ['PUT', '/api/v1/namespaces/default/pods/fv-ignore', 'UpdateOptions'],
    ['PATCH', '/api/v1/namespaces/default/pods/fv-ignore', 'PatchOptions']]) {
    r = await request(srv.url, m, `${path}?fieldValidation=strict`, { body: '{}', type: m === 'PATCH' ? 'application/merge-patch+json' : 'application/json' });
    assert.equal(r.status, 422, m);
    assert.equal(r.json.message, `${kind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"`);
  }
});
