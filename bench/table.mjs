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
const fd = r.floor_denied?.best, fy = r.floor_dry?.best;
const fmt2 = (o) => (o ? `best ${f1(o.best)}, median ${f1(o.median)}` : undefined);
row(`floor (${r.floor_config}, the fastest plain configuration): eviction body → fixed 429`, fmt2(r.floor_denied), 'req/s', '1.00×', '', undefined);
row(`floor (${r.floor_config}): eviction body → fixed 201`, fmt2(r.floor_dry), 'req/s', '1.00×', '', undefined);
const gc = r.generator_ceiling?.best, ed = r.evictsim_denied?.best, ey = r.evictsim_dry?.best;
row('generator ceiling: wrk against a server that parses nothing', fmt2(r.generator_ceiling), 'req/s', ratio(gc, ed) + ' of evictsim denied', '≥ 1.5× evictsim', gc / ed >= 1.5);
row('denied evictions, 10k pods / 100 PDBs', fmt2(r.evictsim_denied), 'req/s', ratio(ed, fd), '≥ 0.70× floor', ed / fd >= 0.7);
row('dry-run evictions, 10k pods', fmt2(r.evictsim_dry), 'req/s', ratio(ey, fy), '≥ 0.70× floor', ey / fy >= 0.7);
// CPU per request (bench/run.sh wrk1): the server's user + system time over the
// run divided by its answers, which the generator's speed cannot change
const cpu = (o) => o?.server_cpu_us?.median;
for (const [k, what] of [['denied', 'denied'], ['dry', 'dry-run']]) {
  const e = cpu(r[`evictsim_${k}`]), f = cpu(r[`floor_${k}`]);
  if (e && f) row(`  server CPU per ${what} eviction (user + system, median of the runs), against the floor's ${f.toFixed(2)} µs`,
    e, 'µs', `${(f / e).toFixed(2)}× the floor's speed`, '≥ 0.70× floor', f / e >= 0.7);
}
const wc = r.floor_denied?.wrk_cpu_us?.median;
if (wc) row('  wrk\'s own CPU per request (against the floor, denied)', wc, 'µs', `${(wc / cpu(r.floor_denied)).toFixed(2)}× the floor server's`, '', undefined);
for (const [k, what] of [['denied', 'denied'], ['dry', 'dry-run']]) {
  // paired runs on one server (bench/run.sh pb_pairs): the median of the pairs' ratios
  const c = r[`protobuf_vs_json_${k}`], x = (v) => v.toFixed(2) + '×';
  if (c) {
    row(`  the same ${what}, protobuf bodies and answers against JSON, ${c.pairs} pairs of ${c.seconds} s runs on one server`,
      `protobuf ${fmt2(c.protobuf)}; JSON ${fmt2(c.json)}`, 'req/s',
      `paired ratio: median ${x(c.ratio_median)} (best ${x(c.ratio_best)}, worst ${x(c.ratio_worst)})`, '≥ 1.0× JSON (median)', c.ratio_median >= 1);
    if (c.cpu_ratio_median)
      row(`    by server CPU per request: protobuf ${f1(c.protobuf.server_cpu_us.median)} µs, JSON ${f1(c.json.server_cpu_us.median)} µs (medians)`, '', '',
        `paired JSON/protobuf: median ${x(c.cpu_ratio_median)} (best ${x(c.cpu_ratio_best)}, worst ${x(c.cpu_ratio_worst)})`, '≥ 1.0× JSON (median)', c.cpu_ratio_median >= 1);
    continue;
  }
  const pb = r[`evictsim_${k}_protobuf`], js = r[`evictsim_${k}`]; // results written before the pairs
  if (pb) row(`  the same ${what}, protobuf bodies and answers`, fmt2(pb), 'req/s', ratio(pb.best, js?.best) + ' of JSON', '≥ 1.0× JSON', pb.best >= js?.best);
}
const p99 = (o) => o?.p99_us;
row('  p99 latency of denied evictions (32 connections)', p99(r.evictsim_denied), 'µs', ratio(p99(r.evictsim_denied), p99(r.floor_denied)) + ' of floor', '≤ 1.5× floor', p99(r.evictsim_denied) <= 1.5 * p99(r.floor_denied));
row('  p99 latency of dry-run evictions (32 connections)', p99(r.evictsim_dry), 'µs', ratio(p99(r.evictsim_dry), p99(r.floor_dry)) + ' of floor', '≤ 1.5× floor', p99(r.evictsim_dry) <= 1.5 * p99(r.floor_dry));
for (const [k, v] of Object.entries(r).filter(([k]) => k.startsWith('floor_config_'))) {
  row(`  floor candidate ${k.slice(13)}`, `denied ${fmt2(v.denied)}; dry ${fmt2(v.dry)}`, 'req/s', '', '', undefined);
}
row(`real evictions + replacement (${codes(r.evictsim_real)})`, r.evictsim_real?.rps, 'req/s', '', '', undefined);
const wr = r.evictsim_real_watched?.rps, nr = r.evictsim_real?.rps;
row(`  the same with 1,000 watchers (${codes(r.evictsim_real_watched)})`, wr, 'req/s', ratio(wr, nr) + ' of unwatched', '≥ 0.5× unwatched', wr / nr >= 0.5);
row('start-up to first answer, empty', r.startup_empty_ms, 'ms', '', '≤ 20 ms', r.startup_empty_ms <= 20);
if (r.startup_100k_ms !== undefined) row('start-up to first answer, 100k pods (one JSON list)', r.startup_100k_ms, 'ms', '', '≤ 2000 ms', r.startup_100k_ms <= 2000);
if (r.rss_100k_kib !== undefined) row('resident memory, 100k pods / 1k nodes / 1k PDBs (VmRSS)', r.rss_100k_kib / 1024, 'MiB', `peak ${f1(r.hwm_100k_kib / 1024)} MiB`, '≤ 250 MiB', r.rss_100k_kib / 1024 <= 250);
if (r.rss_100k_cache_full_kib !== undefined) row('  the same after GETs of 20k different pods (tree cache full)', r.rss_100k_cache_full_kib / 1024, 'MiB', '', '≤ 250 MiB', r.rss_100k_cache_full_kib / 1024 <= 250);
if (r.startup_real_100k_ms !== undefined) row('start-up, a real-shaped 100k-pod dump (managedFields, full status, Services, Endpoints, ConfigMaps)', r.startup_real_100k_ms, 'ms', '', '≤ 3000 ms', r.startup_real_100k_ms <= 3000);
if (r.hwm_real_100k_kib !== undefined) row('  its resident memory (peak)', r.hwm_real_100k_kib / 1024, 'MiB', `now ${f1(r.rss_real_100k_kib / 1024)} MiB`, '≤ 400 MiB', r.hwm_real_100k_kib / 1024 <= 400);
if (r.startup_configmaps_100k_ms !== undefined) row('start-up, 100,000 ConfigMaps (generic kind)', r.startup_configmaps_100k_ms, 'ms', '', '≤ 1500 ms', r.startup_configmaps_100k_ms <= 1500);
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
  if (!x) continue;
  const big = k === 'plan_100k';
  row(`evictsim plan drain of ${x.nodes} nodes, ${x.parallel} at a time, ${what}-pod dump (${x.ok ? 'completes' : 'DOES NOT complete'})`, x.wall_ms, 'ms wall', '', big ? '≤ 30000 ms' : '', big ? x.ok && x.wall_ms <= 30000 : undefined);
  row('  its peak resident memory', x.rss_kb / 1024, 'MiB', '', big ? '≤ 600 MiB' : '', big ? x.rss_kb / 1024 <= 600 : undefined);
  if (x.events && x.wall_ms)
    row('  simulated store events (writes, deletions) per second of wall time', Math.round(x.events / (x.wall_ms / 1000)), 'events/s',
      x.sim_ms ? `${x.events} events; ${Math.round(x.events / (x.sim_ms / 1000))}/s in the simulation alone (no load)` : `${x.events} events`, '', undefined);
}
if (r.log_entry) row('heap kept by one eviction log entry (10,000 kept)', r.log_entry.log_bytes_per_entry, 'bytes', '', '≤ 1 KB', r.log_entry.log_bytes_per_entry <= 1024);
if (r.soak) {
  const s = r.soak;
  row(`soak ${s.seconds} s, default cluster at 30×: ${s.evict} evictions, ${s.drains} kubectl drains, a watch, ${s.junk} junk requests`,
    s.failures.length ? s.failures.join('; ') : 'budgets held, watch in order', '', '', 'no failure', s.failures.length === 0);
  row('  resident memory peak in the soak', s.rssPeakKiB / 1024, 'MiB', `log ${s.logEntries} entries`, '≤ 40 MiB', s.rssPeakKiB / 1024 <= 40);
  row('  second half of the soak: highest over lowest RSS', s.rssSecondHalfMaxKiB / s.rssSecondHalfMinKiB, '×', '', '≤ 1.10× (flat)', s.rssSecondHalfMaxKiB / s.rssSecondHalfMinKiB <= 1.1);
}
if (r.drain_110) row(`drain of a 110-pod node, manual clock (virtual ${r.drain_110.virtual})`, r.drain_110.wall_ms, 'ms wall', '', r.drain_110.ok ? 'drained' : 'NOT drained', undefined);

const head = ['measurement', 'value', 'ratio', 'target', ''];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => String(x[i]).length)));
const line = (x) => '| ' + x.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
console.log(`machine: ${r.machine.cpus} CPUs, ${r.machine.date}, ${r.machine.seconds} s of load per throughput figure`);
console.log(line(head));
console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
for (const x of rows) console.log(line(x));
