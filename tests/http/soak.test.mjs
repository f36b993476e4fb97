// A short soak (bench/soak.mjs; make bench runs it for ten minutes): the
// default cluster on a real clock at 30x under evictions, kubectl drains, a
// watch and junk requests. Budgets must hold on every sample, the watch's
// resourceVersions must only grow, every answer must be an expected one,
// and the server must stay small (not checked under AddressSanitizer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../../bench/soak.mjs';

test('soak: budgets hold, the watch stays in order, memory stays small', { timeout: 120000 }, async (t) => {
  const r = await soak({ seconds: 20, rate: 40, drains: 2 });
  t.diagnostic(JSON.stringify(r));
  assert.deepEqual(r.failures, []);
  assert.ok(r.created > 0 && r.refused > 0, `both answers seen: ${r.created} created, ${r.refused} refused`);
  assert.ok(r.watchEvents > 0, 'the watch saw changes');
  if (!r.asan) assert.ok(r.rssPeakKiB <= 40 * 1024, `peak RSS ${r.rssPeakKiB} KiB`);
});
