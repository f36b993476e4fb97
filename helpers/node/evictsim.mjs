// evictsim for Node tests: start(options) runs an evictsim on a free port
// with its own temporary directory and answers a handle (url, kubeconfigPath,
// load, advance, evictions, explain, addFault, reset, stop). It owns the
// process's life (a pipe on its stdin: evictsim exits when this process
// does, however it ends) and nothing about Kubernetes: it only calls
// /sim/v1. Node's standard library only.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set(); // handles not yet stopped
const ended = []; // {name, stderr} of stopped servers, printed if the process fails

// A failed test run exits non-zero: then print what each server wrote on stderr.
process.on('exit', (code) => {
  for (const h of live) h.proc.kill('SIGKILL');
  if (!code && !process.exitCode) return;
  for (const h of [...ended, ...live]) {
    const err = h.stderr();
    if (err.trim()) process.stderr.write(`--- evictsim stderr (${h.name}) ---\n${err}\n`);
  }
});

/** An answer of evictsim other than the one expected: status and body (a Status), and its stderr. */
export class EvictsimError extends Error {
  constructor(message, { status, body, stderr } = {}) {
    super(stderr && stderr.trim() ? `${message}\n--- evictsim stderr ---\n${stderr}` : message);
    this.name = 'EvictsimError';
    this.status = status;
    this.body = body;
  }
}

/**
 * Starts evictsim. Options (all optional):
 *   manifests: paths to load at start; clock: 'manual' (default) or 'real';
 *   timeScale: speed of the real clock (implies clock 'real');
 *   controllers: '-disruption' or ['kubelet', ...];
 *   kubeVersion: '1.31' (--kube-version); args: more flags; verbose: log requests
 *   (printed on failure); binary: the executable ($EVICTSIM, else evictsim on PATH);
 *   cwd; t: a node:test context, to stop the server when the test ends;
 *   timeoutMs: how long to wait for it to serve (10000).
 */
export async function start(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'evictsim-'));
  const portFile = join(dir, 'port');
  const kubeconfigPath = join(dir, 'kubeconfig');
  const binary = opts.binary || process.env.EVICTSIM || 'evictsim';
  const argv = ['--listen', '127.0.0.1:0', '--port-file', portFile, '--kubeconfig', kubeconfigPath,
    '--exit-on-stdin-close', '--clock', opts.clock || (opts.timeScale === undefined ? 'manual' : 'real'),
    opts.verbose ? '-v' : '-q'];
  if (opts.timeScale !== undefined) argv.push('--time-scale', String(opts.timeScale));
  if (opts.controllers !== undefined) {
    argv.push(`--controllers=${[].concat(opts.controllers).join(',')}`);
  }
  if (opts.kubeVersion) argv.push('--kube-version', opts.kubeVersion);
  argv.push(...(opts.args || []), ...(opts.manifests || []));

  const proc = spawn(binary, argv, { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd });
  let out = '', err = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  proc.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  proc.stdin.on('error', () => {}); // evictsim gone first: nothing to tell it
  const exited = new Promise((resolve) => {
    proc.on('error', (e) => { err += `${e.message}\n`; resolve({ code: -1, signal: null }); });
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const h = { name: opts.t?.name || binary, proc, stderr: () => err };
  live.add(h);

  const timeoutMs = opts.timeoutMs ?? 10000;
  let timer;
  const ready = await Promise.race([
    new Promise((resolve) => proc.stdout.on('data', () => { if (out.includes('serving on')) resolve('ready'); })),
    exited.then(() => 'exited'),
    new Promise((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if (ready !== 'ready') {
    proc.kill('SIGKILL');
    const e = await exited;
    live.delete(h);
    rmSync(dir, { recursive: true, force: true });
    const how = ready === 'late' ? `did not serve within ${timeoutMs} ms`
      : e.code === -1 ? 'could not be started (set EVICTSIM or put evictsim on the PATH)'
        : `exited with status ${e.code}`;
    throw new EvictsimError(`evictsim (${binary} ${argv.join(' ')}) ${how}`, { stderr: err });
  }
  // Do not keep the test process alive for evictsim's sake: its stdin pipe ends it.
  for (const s of [proc, proc.stdin, proc.stdout, proc.stderr]) s.unref?.();

  const port = Number(readFileSync(portFile, 'utf8').trim());
  const url = `${out.includes('https://') ? 'https' : 'http'}://127.0.0.1:${port}`;

  async function call(method, path, body, type = 'application/json', want = [200, 201]) {
    let res, text;
    try {
      res = await fetch(url + path, { method, body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body),
        headers: body === undefined ? {} : { 'Content-Type': type } });
      text = await res.text();
    } catch (e) {
      throw new EvictsimError(`${method} ${path}: ${e.cause?.message || e.message}`, { stderr: err });
    }
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    if (!want.includes(res.status)) {
      throw new EvictsimError(`${method} ${path}: ${res.status} ${json?.message ?? text}`,
        { status: res.status, body: json, stderr: err });
    }
    return json;
  }

  let stopping;
  const handle = {
    url, port, dir, kubeconfigPath, kubeconfig: kubeconfigPath, proc,
    /** Settles with {code, signal} when evictsim exits (keeps the test process waiting for it). */
    get exited() { proc.ref(); return exited; },
    stdout: () => out,
    stderr: () => err,
    /** Loads YAML or JSON (one object, a List, several documents); answers the number loaded. */
    load: async (yaml) => (await call('POST', '/sim/v1/load', yaml, 'application/yaml')).loaded,
    /** Moves the manual clock forward (seconds, fractions allowed); answers the new time. */
    advance: async (seconds) => new Date((await call('POST', '/sim/v1/clock/advance', { seconds })).now),
    clock: () => call('GET', '/sim/v1/clock'),
    /** Every eviction request so far, oldest first: {time, namespace, pod, dryRun, code, reason, message, pdb, explanation}. */
    evictions: async () => (await call('GET', '/sim/v1/evictions')).items,
    /** Why an eviction of the pod would be answered as it would (nothing is evicted). */
    explain: (namespace, pod) => call('GET', `/sim/v1/explain/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}`),
    /** Adds a fault rule ({match, response, delaySeconds, times}); answers it with its id. */
    addFault: (rule) => call('POST', '/sim/v1/faults', rule),
    /** Removes every object but the system namespaces, and the logs; keeps the clock. */
    reset: async () => { await call('POST', '/sim/v1/reset'); },
    snapshot: () => call('GET', '/sim/v1/snapshot'),
    /** Stops evictsim (SIGTERM) and removes its directory; answers {code, signal}. */
    stop() {
      stopping ??= (async () => {
        proc.ref();
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        const e = await exited;
        live.delete(h);
        ended.push(h);
        rmSync(dir, { recursive: true, force: true });
        return e;
      })();
      return stopping;
    },
  };
  opts.t?.after(() => handle.stop());
  return handle;
}
