#!/usr/bin/env node
// table: prints bench/results/latest.json (written by bench/run.sh) as the table of
// docs/performance.md, with the ratio to the floor and each target's state.
import { readFileSync } from 'node:fs';

const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const rows = [];
const f1 = (x) => (x === undefined || x === null ? '—' : typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: 1 }) : x);
const codes = (o) => (o && o.codes ? Object.entries(o.codes).map(([k, v]) => `${v}×${k}`).join(' ') : '');
const row = (what, value, unit, ratio, target, holds) => rows.push([what, f1(value) + (unit ? ' ' + unit : ''), ratio ?? '', target ?? '', holds === undefined ? '' : holds ? 'holds' : 'MISSED']);

const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + '×' : '');
const fd = r.floor_denied?.rps, fy = r.floor_dry?.rps;
row('floor: eviction body → fixed 429', fd, 'req/s', '1.00×', '', undefined);
row('floor: eviction body → fixed 201', fy, 'req/s', '1.00×', '', undefined);
row(`denied evictions, 10k pods / 100 PDBs (${codes(r.evictsim_denied)})`, r.evictsim_denied?.rps, 'req/s', ratio(r.evictsim_denied?.rps, fd), '≥ 0.6× floor', r.evictsim_denied?.rps / fd >= 0.6);
row(`dry-run evictions, 10k pods (${codes(r.evictsim_dry)})`, r.evictsim_dry?.rps, 'req/s', ratio(r.evictsim_dry?.rps, fy), '≥ 0.6× floor', r.evictsim_dry?.rps / fy >= 0.6);
row(`real evictions + replacement (${codes(r.evictsim_real)})`, r.evictsim_real?.rps, 'req/s', ratio(r.evictsim_real?.rps, fy), '', undefined);
const wr = r.evictsim_real_watched?.rps, nr = r.evictsim_real?.rps;
row(`  the same with 100 watchers (${codes(r.evictsim_real_watched)})`, wr, 'req/s', ratio(wr, nr) + ' of unwatched', '> 0.5× unwatched', wr / nr > 0.5);
row('start-up to first answer, empty', r.startup_empty_ms, 'ms', '', '≤ 20 ms', r.startup_empty_ms <= 20);
if (r.startup_100k_ms !== undefined) row('start-up to first answer, 100k pods (one JSON list)', r.startup_100k_ms, 'ms', '', '≤ 2000 ms', r.startup_100k_ms <= 2000);
if (r.rss_100k_kib !== undefined) row('resident memory, 100k pods / 1k nodes / 1k PDBs (VmRSS)', r.rss_100k_kib / 1024, 'MiB', `peak ${f1(r.hwm_100k_kib / 1024)} MiB`, '≤ 250 MiB', r.rss_100k_kib / 1024 <= 250);
if (r.rss_100k_cache_full_kib !== undefined) row('  the same after GETs of 20k different pods (tree cache full)', r.rss_100k_cache_full_kib / 1024, 'MiB', '', '≤ 250 MiB', r.rss_100k_cache_full_kib / 1024 <= 250);
row('resident memory, 10k pods', r.rss_10k_kib / 1024, 'MiB', '', '', undefined);
row('resident memory, empty', r.rss_empty_kib / 1024, 'MiB', '', '', undefined);
// evictcost interleaves the sizes; ratio_to_first is against 1k in the same rounds
for (const [suffix, what] of [['', 'the same 1,000 pods and 10 budgets at every size'], ['_spread', 'one pod of each of 10 / 100 / 1,000 budgets'], ['_distinct', 'a new pod each call']]) {
  for (const kind of ['denied', 'dry']) {
    for (const s of ['1k', '10k', '100k']) {
      const c = r[`cost_${kind}${suffix}_${s}`];
      if (!c) continue;
      const q = c.ratio_to_first;
      const flat = s === '100k' && suffix === '' ? q <= 1.2 : undefined;
      row(`one ${kind === 'dry' ? 'dry-run' : 'denied'} eviction in the model, ${s} pods, ${what} (${codes(c)})`, c.median_us, 'µs', s === '1k' ? '' : q ? q.toFixed(2) + '× of 1k' : '', s === '100k' && suffix === '' ? '≤ 1.2× of 1k' : '', flat);
    }
  }
}
for (const [k, what] of [['plan_10k', '10,000'], ['plan_100k', '100,000']]) {
  const x = r[k];
  if (x) row(`evictsim plan drain of ${x.nodes} nodes, ${x.parallel} at a time, ${what}-pod dump (${Math.round(x.rss_kb / 1024)} MiB)`, x.wall_ms, 'ms wall', '', x.ok ? 'completes' : 'DOES NOT complete', undefined);
}
if (r.drain_110) row(`drain of a 110-pod node, manual clock (virtual ${r.drain_110.virtual})`, r.drain_110.wall_ms, 'ms wall', '', r.drain_110.ok ? 'drained' : 'NOT drained', undefined);

const head = ['measurement', 'value', 'ratio', 'target', ''];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => String(x[i]).length)));
const line = (x) => '| ' + x.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
console.log(`machine: ${r.machine.cpus} CPUs, ${r.machine.date}, ${r.machine.seconds} s of load per throughput figure`);
console.log(line(head));
console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
for (const x of rows) console.log(line(x));
