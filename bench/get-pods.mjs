#!/usr/bin/env node
// get-pods: GET each pod named in a targets file ("namespace name" per line),
// the first COUNT of them, over 8 keep-alive connections, so that the
// server builds (and caches) their trees. Used by bench/run.sh to measure
// memory with the tree cache full. Exits non-zero if a GET is not 200.
//   node bench/get-pods.mjs PORT TARGETS COUNT
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [port, file, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const targets = readFileSync(file, 'utf8').trim().split('\n').slice(0, count).map((l) => l.split(' '));
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
let next = 0, failed = 0;
const one = () => new Promise((done) => {
  const [ns, name] = targets[next++];
  http.get({ host: '127.0.0.1', port, agent, path: `/api/v1/namespaces/${ns}/pods/${name}` }, (res) => {
    if (res.statusCode !== 200) failed++;
    res.resume().on('end', done);
  }).on('error', () => { failed++; done(); });
});
const worker = async () => { while (next < targets.length) await one(); };
await Promise.all(Array.from({ length: 8 }, worker));
agent.destroy();
if (failed) { console.error(`get-pods: ${failed} GETs failed`); process.exit(1); }
