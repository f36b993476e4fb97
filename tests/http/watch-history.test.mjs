// The watch history is bounded by its size as well as its length: after
// enough large changes, a watch from an early resourceVersion is told 410
// Expired (as kube-apiserver's bounded watch cache tells it), while one from
// a recent resourceVersion still gets every change after it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, request, watchLines } from '../lib/server.mjs';

let srv;
before(async () => { srv = await start(); });
after(async () => { await srv.stop(); });

// The first `count` lines of a watch, then it is closed.
async function firstLines(path, count) {
  const ctl = new AbortController();
  const lines = [];
  for await (const line of watchLines(srv.url + path, ctl.signal)) {
    lines.push(JSON.parse(line));
    if (lines.length >= count) break;
  }
  ctl.abort();
  return lines;
}

test('a watch from a resourceVersion the history no longer holds gets 410 Expired', async () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'big' } };
  const created = await request(srv.url, 'POST', '/api/v1/nodes', { body: node });
  assert.equal(created.status, 201);
  const first = created.json.metadata.resourceVersion;
  const big = 'x'.repeat(64 * 1024);
  let last;
  for (let i = 0; i < 200; i++) { // 200 changes of 2 x 64 KB of history each: past any bound
    const r = await request(srv.url, 'PATCH', '/api/v1/nodes/big', {
      body: { metadata: { annotations: { n: String(i), big } } }, type: 'application/merge-patch+json',
    });
    assert.equal(r.status, 200);
    last = r.json.metadata.resourceVersion;
  }
  const [old] = await firstLines(`/api/v1/nodes?watch=1&resourceVersion=${first}`, 1);
  assert.equal(old.type, 'ERROR');
  assert.equal(old.object.code, 410);
  assert.equal(old.object.reason, 'Expired');
  assert.match(old.object.message, new RegExp(`^too old resource version: ${first} \\(\\d+\\)$`));

  const recent = String(Number(last) - 3);
  const events = await firstLines(`/api/v1/nodes?watch=1&resourceVersion=${recent}`, 3);
  assert.deepEqual(events.map((e) => e.type), ['MODIFIED', 'MODIFIED', 'MODIFIED']);
  assert.deepEqual(events.map((e) => e.object.metadata.annotations.n), ['197', '198', '199']);
});
