// Finds the kubectl binaries to test with: the installed one and every
// versioned kubectl.1.NN beside its real path. Nothing is hard-coded.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, realpathSync, mkdtempSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';

export function findKubectls() {
  let installed;
  try {
    installed = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  } catch {
    return [];
  }
  if (!installed) return [];
  const dir = dirname(realpathSync(installed));
  const versioned = readdirSync(dir)
    .filter((f) => /^kubectl\.1\.\d+$/.test(f))
    .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
    .map((f) => ({ version: f.slice('kubectl.'.length), path: join(dir, f) }));
  const all = versioned.length ? versioned : [{ version: 'installed', path: installed }];
  // KUBECTL_VERSIONS=1.27,1.33 narrows the run (for quick local iterations).
  const only = process.env.KUBECTL_VERSIONS?.split(',').filter(Boolean);
  return only?.length ? all.filter((k) => only.includes(k.version)) : all;
}

// Runs kubectl against a server with a fresh discovery cache.
export function runKubectl(kubectl, kubeconfig, args, { input } = {}) {
  const cache = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const r = spawnSync(kubectl.path, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args],
    { encoding: 'utf8', input, timeout: 120000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// Starts kubectl without waiting: {proc, done (→ {code, stdout, stderr}),
// waitFor(regex, ms) on the combined output}.
import { spawn } from 'node:child_process';
export function spawnKubectl(kubectl, kubeconfig, args) {
  const cache = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const proc = spawn(kubectl.path, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) if (w.re.test(stdout + stderr)) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.t); w.res(); }
  };
  proc.stdout.on('data', (d) => { stdout += d; check(); });
  proc.stderr.on('data', (d) => { stderr += d; check(); });
  const done = new Promise((res) => proc.on('close', (code) => res({ code, stdout, stderr })));
  return {
    proc, done,
    output: () => stdout + stderr,
    waitFor(re, ms = 30000) {
      return new Promise((res, rej) => {
        const w = { re, res, t: setTimeout(() => rej(new Error(`timed out waiting for ${re}: ${stdout}${stderr}`)), ms) };
        waiters.push(w);
        check();
      });
    },
  };
}
