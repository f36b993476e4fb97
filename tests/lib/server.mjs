// Starts an evictsim for a test and talks to it. EVICTSIM names the binary
// (the Makefile sets it); the default is ./evictsim at the repository root.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binary = resolve(root, process.env.EVICTSIM || 'evictsim');

// start({args, manifests}) → {url, port, kubeconfig, dir, stop(), proc, stderr()}
export async function start({ args = [], manifests = [], clock = 'manual', binary: bin = binary, cwd } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'evictsim-test-'));
  const portFile = join(dir, 'port');
  const kubeconfig = join(dir, 'kubeconfig');
  const argv = ['--listen', '127.0.0.1:0', '--port-file', portFile, '--kubeconfig', kubeconfig, '-q'];
  if (clock) argv.push('--clock', clock);
  const proc = spawn(bin, [...argv, ...args, ...manifests], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let out = '', err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((res) => {
    proc.on('exit', (code, signal) => res({ code, signal }));
    proc.on('error', (e) => { err += String(e); res({ code: -1, signal: null }); });
  });
  await new Promise((res, rej) => {
    const t = setInterval(() => {
      if (out.includes('serving on')) { clearInterval(t); res(); }
    }, 5);
    exited.then((e) => { clearInterval(t); rej(new Error(`evictsim exited ${e.code}: ${err}`)); });
  });
  const port = Number(readFileSync(portFile, 'utf8').trim());
  const url = `${out.includes('https://') ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    url, port, kubeconfig, dir, proc, exited,
    stdout: () => out, stderr: () => err,
    // Stops the server; a sanitizer report (make asan) fails the caller.
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const e = await exited;
      const report = err.match(/(ERROR: (Address|Leak)Sanitizer|runtime error:)[^]*/);
      if (report) throw new Error(`evictsim sanitizer report:\n${report[0].slice(0, 4000)}`);
      return e;
    },
  };
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

export function fixture(name) {
  return join(root, 'fixtures', name);
}

export { existsSync };
