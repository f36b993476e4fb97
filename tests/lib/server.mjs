// Starts an evictsim for a test and talks to it, through the Node test helper
// (helpers/node/evictsim.mjs), so that every HTTP and client test exercises it.
// EVICTSIM names the binary (the Makefile sets it); the default is ./evictsim
// at the repository root. Adds -q and the sanitizer check of make asan.
import { existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start as startEvictsim } from '../../helpers/node/evictsim.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = resolve(root, process.env.EVICTSIM || 'evictsim');

// start({args, manifests, clock, binary, cwd}) → the helper's handle, whose
// stop() also fails on a sanitizer report (make asan).
export async function start({ args = [], manifests = [], clock = 'manual', binary: bin = binary, cwd } = {}) {
  // a sanitizer build on a loaded machine can take more than the helper's 10 s to serve
  const timeoutMs = Number(process.env.EVICTSIM_START_TIMEOUT_MS) || 60000;
  const srv = await startEvictsim({ binary: bin, cwd, clock: clock || undefined, args: ['-q', ...args], manifests, timeoutMs });
  const stop = srv.stop;
  srv.stop = async () => {
    const e = await stop();
    const report = srv.stderr().match(/(ERROR: (Address|Leak)Sanitizer|runtime error:)[^]*/);
    if (report) throw new Error(`evictsim sanitizer report:\n${report[0].slice(0, 4000)}`);
    return e;
  };
  return srv;
}

// request(base, method, path, {body, type, accept, headers}) → {status, headers, text, json}
export async function request(base, method, path, { body, type, accept, headers = {} } = {}) {
  const h = { ...headers };
  let payload = body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    payload = JSON.stringify(body);
  }
  if (payload !== undefined) h['Content-Type'] = type || 'application/json';
  if (accept) h.Accept = accept;
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

// A client bound to one server: api.get('/api/v1/pods'), api.post(path, body)...
export function client(base) {
  const c = (method) => (path, body, opts = {}) => request(base, method, path, { body, ...opts });
  return { get: c('GET'), post: c('POST'), put: c('PUT'), patch: c('PATCH'), del: c('DELETE'),
    advance: (seconds) => request(base, 'POST', '/sim/v1/clock/advance', { body: { seconds } }),
    load: (yaml) => request(base, 'POST', '/sim/v1/load', { body: yaml, type: 'application/yaml' }) };
}

// The lines of a watch stream (or any streamed answer), each as it comes,
// empty ones skipped; throws with the status when the answer is not 200.
// Stops when signal aborts (the AbortError is the caller's to ignore).
export async function* watchLines(url, signal) {
  const res = await fetch(url, { signal });
  if (res.status !== 200) throw new Error(`watch ${url}: ${res.status}`);
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body) {
    buf += dec.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) yield line;
    }
  }
}

export function fixture(name) {
  return join(root, 'fixtures', name);
}

export { existsSync };
