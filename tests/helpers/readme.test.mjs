// The README's helper examples are tests: each block marked
// `<!-- tested: FILE -->` must be FILE's text, line for line, so the README
// shows what make check runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/server.mjs';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/<!-- tested: (\S+) -->\n```\w*\n([^]*?)```/g)];

test('the README has a tested example for Go, pytest, unittest and Node', () => {
  assert.deepEqual(blocks.map((b) => b[1]), ['helpers/go/readme_test.go', 'helpers/python/tests/test_readme.py',
    'helpers/python/tests/test_readme.py', 'tests/clients/helper-example.test.mjs']);
});

for (const [, file, block] of blocks) {
  test(`the README's example from ${file} is that file's text`, () => {
    const text = readFileSync(join(root, file), 'utf8');
    assert.ok(text.includes(block), `README block not found in ${file}:\n${block}`);
    assert.ok(block.split('\n').length >= 8);
  });
}
