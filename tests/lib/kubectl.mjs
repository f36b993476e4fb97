// Finds the kubectl binaries to test with: the installed one and every
// versioned kubectl.1.NN beside its real path. Nothing is hard-coded.
import { execFileSync } from 'node:child_process';
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
  return versioned.length ? versioned : [{ version: 'installed', path: installed }];
}

// Runs kubectl against a server with a fresh discovery cache.
export function runKubectl(kubectl, kubeconfig, args, { input } = {}) {
  const cache = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  try {
    const stdout = execFileSync(kubectl.path, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args],
      { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60000 });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    return { code: e.status ?? 1, stdout: e.stdout?.toString() ?? '', stderr: e.stderr?.toString() ?? '' };
  }
}
