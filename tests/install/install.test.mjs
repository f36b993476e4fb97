// `make install` into a temporary DESTDIR, then the installed binary: its
// version, the fixtures it finds from its own location, and its man page,
// which must say what --help says and name every flag the sources parse,
// every /sim/v1 route they serve and every EVICTSIM_* variable they read.
// `make uninstall` leaves nothing behind. EVICTSIM_BUILD is the build folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { root, start, client } from '../lib/server.mjs';

const build = process.env.EVICTSIM_BUILD || 'build';
const destdir = mkdtempSync(join(tmpdir(), 'evictsim-destdir-'));
const prefix = join(destdir, 'usr/local');
const installed = join(prefix, 'bin/evictsim');
const away = mkdtempSync(join(tmpdir(), 'evictsim-away-')); // a working directory with no checkout

const make = (target) => spawnSync('make', ['--no-print-directory', '-C', root, target,
  `BUILD=${build}`, 'PREFIX=/usr/local', `DESTDIR=${destdir}`], { encoding: 'utf8' });
const files = (dir) => readdirSync(dir, { recursive: true })
  .filter((f) => statSync(join(dir, f)).isFile()).sort();
const squash = (s) => s.replace(/\s+/g, ' ').trim();
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
// The first python3 on the PATH with pytest (Debian's, as the Makefile picks it).
const python = () => process.env.PYTHON || spawnSync('sh', ['-c',
  'for p in $(which -a python3); do $p -c "import pytest" 2>/dev/null && { echo $p; break; }; done'],
{ encoding: 'utf8' }).stdout.trim();

before(() => {
  const r = make('install');
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
after(() => rmSync(destdir, { recursive: true, force: true }));

test('make install puts the binary, the man page and the fixtures under PREFIX', () => {
  assert.ok(statSync(installed).mode & 0o111, 'bin/evictsim is executable');
  assert.ok(existsSync(join(prefix, 'share/man/man1/evictsim.1')));
  const share = files(join(prefix, 'share/evictsim'));
  assert.deepEqual(share.filter((f) => /\.ya?ml$/.test(f)),
    files(join(root, 'fixtures')).filter((f) => /\.ya?ml$/.test(f)));
  for (const f of ['default.yaml', 'lessons/03-budget-of-zero.yaml', 'scenarios/default-live-drain.yaml']) {
    assert.ok(share.includes(f), f);
  }
});

test('the installed evictsim --version names the version the man page carries', () => {
  const v = spawnSync(installed, ['--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^evictsim \d+\.\d+\.\d+/);
  const th = readFileSync(join(prefix, 'share/man/man1/evictsim.1'), 'utf8').match(/^\.TH .*$/m)[0];
  assert.ok(th.includes(v.stdout.trim()), `${th} vs ${v.stdout}`);
});

test('away from the checkout, the installed binary serves the default cluster it finds', async () => {
  const srv = await start({ binary: installed, cwd: away, manifests: ['default.yaml'] });
  try {
    const api = client(srv.url);
    const pdbs = await api.get('/apis/policy/v1/namespaces/default/poddisruptionbudgets');
    assert.deepEqual(pdbs.json.items.map((p) => p.metadata.name).sort(), ['db', 'web']);
    const nodes = await api.get('/api/v1/nodes');
    assert.deepEqual(nodes.json.items.map((n) => n.metadata.name), ['node-1', 'node-2', 'node-3']);
  } finally {
    await srv.stop();
  }
  // The checkout's spelling works too, and a name found nowhere is still an error.
  const lesson = await start({ binary: installed, cwd: away, manifests: ['fixtures/lessons/03-budget-of-zero.yaml'] });
  await lesson.stop();
  const missing = spawnSync(installed, ['--listen', '127.0.0.1:0', 'nope.yaml'], { cwd: away, encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.yaml/);
});

test('away from the checkout, the installed binary runs an installed scenario', () => {
  const r = spawnSync(installed, ['run', 'scenarios/default-live-drain.yaml'], { cwd: away, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^3 passed, 0 failed$/m);
});

// A user's own test suite, away from the checkout, with the installed helper
// (one import, one call) and the installed evictsim found on the PATH.
const userEnv = () => ({ ...process.env, EVICTSIM: '', NODE_TEST_CONTEXT: undefined,
  PATH: `${join(prefix, 'bin')}:${process.env.PATH}` });
const mkUser = (name, files) => {
  const dir = mkdtempSync(join(tmpdir(), `evictsim-user-${name}-`));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
};

test('a Go test suite uses the installed evictsimtest package', { skip: !has('go') && 'go is not installed' }, () => {
  const dir = mkUser('go', {
    'go.mod': `module example.com/user\n\ngo 1.19\n\nrequire evictsimtest v0.0.0\n\nreplace evictsimtest => ${join(prefix, 'share/evictsim/helpers/go')}\n`,
    'user_test.go': `package user\n\nimport (\n\t"testing"\n\n\t"evictsimtest"\n)\n\n` +
      'func TestUser(t *testing.T) {\n\tsim := evictsimtest.Start(t, evictsimtest.Manifests("default.yaml"))\n' +
      '\tif n := len(sim.Evictions()); n != 0 {\n\t\tt.Fatal(n)\n\t}\n\tt.Log("served", sim.URL)\n}\n',
  });
  const r = spawnSync('go', ['test', '-v', './...'], { cwd: dir, encoding: 'utf8', env: { ...userEnv(), GOPROXY: 'off',
    GOFLAGS: '-count=1', GOCACHE: resolve(root, build, 'go/cache'), GOPATH: resolve(root, build, 'go/path') } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /served http:\/\/127\.0\.0\.1:\d+/);
});

test('a pytest suite uses the installed evictsimtest plugin', { skip: !python() && 'no python3 with pytest' }, () => {
  const dir = mkUser('py', {
    'conftest.py': 'pytest_plugins = ["evictsimtest.pytest_plugin"]\n',
    'test_user.py': '@__import__("pytest").mark.evictsim(manifests=["default.yaml"])\n' +
      'def test_user(evictsim):\n    assert evictsim.evictions() == []\n    print("served", evictsim.url)\n',
  });
  const r = spawnSync(python(), ['-m', 'pytest', '-s', '-p', 'no:cacheprovider'], { cwd: dir, encoding: 'utf8',
    env: { ...userEnv(), PYTHONPATH: join(prefix, 'share/evictsim/helpers/python'), PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /served http:\/\/127\.0\.0\.1:\d+/);
});

test('a node:test suite uses the installed Node helper', () => {
  const helper = join(prefix, 'share/evictsim/helpers/node/evictsim.mjs');
  const dir = mkUser('node', {
    'user.test.mjs': `import { test } from 'node:test';\nimport { start } from ${JSON.stringify(helper)};\n` +
      "test('user', async (t) => {\n  const sim = await start({ t, manifests: ['default.yaml'] });\n" +
      "  if ((await sim.evictions()).length) throw new Error('evictions');\n  console.log('served', sim.url);\n});\n",
  });
  const r = spawnSync(process.execPath, ['--test', join(dir, 'user.test.mjs')], { cwd: dir, encoding: 'utf8', env: userEnv() });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /served http:\/\/127\.0\.0\.1:\d+/);
});

// The man page as a reader sees it, one long line per paragraph, no hyphenation.
function manText() {
  const page = join(prefix, 'share/man/man1/evictsim.1');
  return execFileSync('groff', ['-t', '-man', '-Tascii', '-P-cbou', '-rLL=2000n', '-rHY=0', page],
    { encoding: 'utf8' });
}

// --help as entries: usage lines, option entries (flag → description), paragraphs.
function helpEntries(text) {
  const entries = [];
  let cur = null;
  for (const line of text.split('\n')) {
    const usage = line.match(/^\s*(?:Usage|or):\s+(.*)$/);
    const opt = line.match(/^ {2}(\S.*?)(?: {2,}(\S.*))?$/);
    const more = line.match(/^ {20,}(\S.*)$/);
    if (usage) { entries.push({ kind: 'usage', text: usage[1] }); cur = null; }
    else if (!line.trim()) cur = null;
    else if (more && cur) cur.text += ` ${more[1]}`;
    else if (opt) { cur = { kind: 'option', flag: opt[1], text: opt[2] || '' }; entries.push(cur); }
    else if (/^\S.*:$/.test(line)) { entries.push({ kind: 'heading', text: line }); cur = null; }
    else if (cur && cur.kind === 'paragraph') cur.text += ` ${line}`;
    else { cur = { kind: 'paragraph', text: line }; entries.push(cur); }
  }
  return entries;
}

test('evictsim --help matches the man page, entry for entry', () => {
  const help = execFileSync(installed, ['--help'], { encoding: 'utf8' });
  const man = squash(manText());
  const entries = helpEntries(help);
  assert.ok(entries.filter((e) => e.kind === 'option').length >= 10);
  const manLines = manText().split('\n').map(squash);
  for (const e of entries) {
    const want = e.kind === 'option' ? squash(`${e.flag} ${e.text}`) : e.kind === 'heading' ? null : squash(e.text);
    if (want) assert.ok(man.includes(want), `the man page lacks --help's ${e.kind}: ${want}`);
    // An option is a tag of its own (help2man needs two spaces, or a new line, before its
    // text); a tag narrower than the indent (7) shares its line with the text.
    if (e.kind === 'option') {
      const tag = squash(e.flag);
      if (tag.startsWith('-')) {
        assert.match(tag, /^(-[a-zA-Z], )?--?[a-z][a-z0-9-]*( \S+)?$/,
          `docs/man/help.txt: two spaces (or a new line) between "${tag}" and its description`);
      }
      assert.ok(manLines.some((l) => l === tag || (tag.length < 7 && l.startsWith(`${tag} `))),
        `the man page does not list ${e.flag} as an option`);
    }
  }
  // And the other way: every flag the man page's OPTIONS section lists is in --help.
  const options = manText().split(/\n(?=[A-Z][A-Z ]+\n)/).find((s) => s.startsWith('OPTIONS'));
  const manFlags = [...new Set(options.match(/(?<![\w-])--?[a-z][a-z0-9-]*/g))];
  const helpFlags = new Set(help.match(/(?<![\w-])--?[a-z][a-z0-9-]*/g));
  assert.deepEqual(manFlags.filter((f) => !helpFlags.has(f)), []);
});

// Every C source of the binary (a route table's entry names its method and pattern on one line) (model/ and server/, any depth, third_party aside).
function sources() {
  return ['model', 'server'].flatMap((d) => readdirSync(join(root, d), { recursive: true })
    .filter((f) => f.endsWith('.c') && !f.includes('third_party')).map((f) => join(root, d, f)));
}

test('every flag the sources compare an argument with is in --help and the man page', () => {
  const help = execFileSync(installed, ['--help'], { encoding: 'utf8' });
  const man = manText();
  const missing = [];
  for (const f of sources()) {
    for (const [, flag] of readFileSync(f, 'utf8').matchAll(/"(--[a-z][a-z0-9-]*)=?"/g)) {
      const word = new RegExp(`(?<![\\w-])${flag}(?![\\w-])`);
      if (!word.test(help) || !word.test(man)) missing.push(`${flag} (${relative(root, f)})`);
    }
  }
  assert.deepEqual(missing, [], 'add them to docs/man/help.txt');
});

test('every /sim/v1 route the server serves is in the man page', () => {
  const man = squash(manText());
  const routes = [];
  for (const f of sources()) {
    for (const [, method, path] of readFileSync(f, 'utf8').matchAll(/\{[^{}\n]*"(GET|POST|PUT|PATCH|DELETE)"[^{}\n]*"(sim\/v1[^"]*)"/g)) {
      routes.push(`${method} /${path}`);
    }
  }
  assert.ok(routes.length >= 10, routes.join(', '));
  const missing = routes.filter((r) => {
    const re = new RegExp(r.split(/\{\}|\*\*/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[A-Z][A-Z_]*'));
    return !re.test(man);
  });
  assert.deepEqual(missing, [], 'add them to docs/man/evictsim.h2m, [SIMULATION API]');
});

test('every EVICTSIM_* variable the sources read is in the man page', () => {
  const man = manText();
  const vars = sources().flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/getenv\("(EVICTSIM_\w+)"\)/g)].map((m) => m[1]));
  assert.ok(vars.length >= 1);
  assert.deepEqual(vars.filter((v) => !man.includes(v)), [], 'add them to docs/man/evictsim.h2m, [ENVIRONMENT]');
  for (const section of ['SYNOPSIS', 'OPTIONS', 'SIMULATION API', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES']) {
    assert.match(man, new RegExp(`^${section}$`, 'm'));
  }
});

test('make uninstall removes every file make install wrote', () => {
  const r = make('uninstall');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(files(destdir), []);
  const again = make('install'); // and installing again works (the other tests' files come back)
  assert.equal(again.status, 0, again.stderr);
});
