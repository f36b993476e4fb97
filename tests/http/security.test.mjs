// Security defaults: loopback by default, --token (401 otherwise, written
// into the kubeconfig), and HTTPS with --tls-cert/--tls-key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { start, client, binary } from '../lib/server.mjs';
import { findKubectls, runKubectl } from '../lib/kubectl.mjs';

test('--help says it listens on loopback by default', () => {
  const h = spawnSync(binary, ['--help'], { encoding: 'utf8' });
  assert.match(h.stdout, /--listen HOST:PORT .*\(127\.0\.0\.1:8080\)/);
});

test('--token: 401 Status without it, served with it, public health and version', async () => {
  const srv = await start({ args: ['--token', 's3cret'] });
  try {
    const api = client(srv.url);
    const r = await api.get('/api/v1/namespaces');
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const wrong = await api.get('/api/v1/namespaces', undefined, { headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const ok = await api.get('/api/v1/namespaces', undefined, { headers: { Authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
    assert.equal((await api.get('/healthz')).status, 200);
    assert.equal((await api.get('/version')).status, 200);
    assert.match(readFileSync(srv.kubeconfig, 'utf8'), /token: s3cret/);
  } finally { await srv.stop(); }
});

const TOKEN_WARNING = "evictsim: warning: --token without --tls-cert: kubectl (and client-go's kubeconfig loading) "
  + 'sends no token over plain http, so its requests get 401 Unauthorized; serve HTTPS with --tls-cert and --tls-key\n';

// Starts evictsim without the helper's -q; resolves {stdout, stderr} once it serves, then stops it.
async function startupOutput(args) {
  const p = spawn(binary, ['--listen', '127.0.0.1:0', '--clock', 'manual', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stderr.on('data', (d) => { err += d; });
  await new Promise((res, rej) => {
    p.stdout.on('data', (d) => { out += d; if (out.includes('\n')) res(); });
    p.on('exit', (code) => rej(new Error(`evictsim exited ${code}: ${err}`)));
  });
  const exited = new Promise((res) => p.on('exit', res));
  p.kill('SIGTERM');
  await exited;
  return { stdout: out, stderr: err };
}

test('--token without TLS: a warning on stderr at start, the serving line unchanged', async () => {
  const warned = await startupOutput(['--token', 's3cret']);
  assert.equal(warned.stderr, TOKEN_WARNING);
  assert.match(warned.stdout, /^evictsim: serving on http:\/\/127\.0\.0\.1:\d+\n$/);
  assert.equal((await startupOutput(['--token', 's3cret', '-q'])).stderr, '', '-q: nothing but errors');
  assert.equal((await startupOutput([])).stderr, '');
});

function haveOpenssl() {
  try { execFileSync('openssl', ['version']); return true; } catch { return false; }
}

// kubectl (client-go) sends a bearer token only over HTTPS, so kubectl is
// tried with --token together with TLS.
test('--tls-cert/--tls-key: HTTPS, and the kubeconfig carries the CA and the token', { skip: !haveOpenssl() && 'openssl is not installed' }, async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const d = mkdtempSync(join(tmpdir(), 'evictsim-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem'),
    '-days', '1', '-subj', '/CN=evictsim', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const srv = await start({ args: ['--tls-cert', join(d, 'cert.pem'), '--tls-key', join(d, 'key.pem'), '--token', 'tls-token'] });
  try {
    assert.match(srv.stdout(), /^evictsim: serving on https:\/\/127\.0\.0\.1:\d+\n$/);
    const ca = readFileSync(join(d, 'cert.pem'));
    const body = await new Promise((res, rej) => {
      https.get(`https://127.0.0.1:${srv.port}/api/v1/namespaces/default`, { ca, headers: { Authorization: 'Bearer tls-token' } }, (r) => {
        let t = '';
        r.on('data', (c) => { t += c; });
        r.on('end', () => res({ status: r.statusCode, json: JSON.parse(t) }));
      }).on('error', rej);
    });
    assert.equal(body.status, 200);
    assert.equal(body.json.metadata.name, 'default');
    const kc = readFileSync(srv.kubeconfig, 'utf8');
    assert.match(kc, /server: https:\/\/127\.0\.0\.1:\d+/);
    assert.match(kc, /certificate-authority-data: [A-Za-z0-9+/=]+/);
    const k = findKubectls().at(-1);
    if (k) {
      const g = runKubectl(k, srv.kubeconfig, ['get', 'ns', 'default', '-o', 'name']);
      assert.equal(g.stdout.trim(), 'namespace/default', g.stderr);
    }
  } finally { await srv.stop(); }
});

test('--tls-cert without --tls-key: exit 2', () => {
  const r = spawnSync(binary, ['--tls-cert', '/nonexistent'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
});
