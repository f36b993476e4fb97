// The web view in a real browser (Debian's chromium, playwright-core): what a
// learner sees while draining node-1 of the default cluster, a lesson
// followed step by step, a change made with kubectl, --token, a big
// cluster, and the keyboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, client, fixture, root } from '../lib/server.mjs';
import { withPage, skip, findOnPath } from './browser.mjs';

// Polls fn() until it returns a truthy value; fails saying what it waited for.
async function until(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// What the page shows, read as a learner reads it.
const tiles = (page, node) => page.$$eval(`[data-node="${node}"] [data-pod]`, (els) => els
  .filter((e) => !e.classList.contains('gone'))
  .map((e) => ({ pod: e.dataset.pod, state: e.dataset.state, text: e.textContent })));
const gauge = (page, pdb) => page.$eval(`[data-pdb="${pdb}"]`, (e) => {
  const n = {};
  for (const dd of e.querySelectorAll('dd')) n[dd.dataset.field] = Number(dd.textContent);
  return { ...n, arith: e.querySelector('[data-arith]').textContent };
});
const logEntries = (page) => page.$$eval('#log [data-entry]', (els) => els.map((e) => ({
  code: Number(e.dataset.code), text: e.textContent, why: e.querySelector('.why').textContent })));
const drainOut = (page) => page.$eval('#drain-out', (e) => e.textContent);
const clockText = (page) => page.$eval('#clock-now', (e) => e.textContent);

async function advance(page, label) {
  const before = await clockText(page);
  await page.click(`button.advance:text-is("${label}")`);
  await until(async () => (await clockText(page)) !== before, `the clock to move by ${label}`);
}

test('drain node-1 of the default cluster from the page', { skip }, async (t) => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  try {
    await withPage(t, s.url + '/', async ({ page, shot }) => {
      await until(async () => (await tiles(page, 'node-1')).length === 4, 'node-1 to show its 4 pods');
      assert.equal(await clockText(page), '2025-01-01 00:00:00Z');
      assert.match(await page.textContent('#clock-mode'), /paused/);
      // the web pods are Ready 3 s after they start
      await advance(page, '+10 s');
      await until(async () => (await tiles(page, 'node-1')).every((x) => x.state === 'ready'), 'node-1 all Ready');
      const web = await until(async () => { const g = await gauge(page, 'default/web'); return g.healthy === 3 && g; }, 'PDB web healthy 3');
      assert.deepEqual(web, { expected: 3, healthy: 3, desired: 2, allowed: 1, covers: 3,
        arith: 'PDB web: minAvailable 2 of 3 expected; 3 healthy; desired 2 → 1 disruption allowed' });
      const before = await tiles(page, 'node-1');
      assert.deepEqual(before.map((x) => x.pod.replace(/^(default\/web|kube-system\/log-agent)-.*$/, '$1-*')).sort(),
        ['default/debug', 'default/web-*', 'default/web-*', 'kube-system/log-agent-*'].sort());

      // Drain… on node-1, with kubectl's flags, and start it
      await page.click('button[aria-label="Drain node-1"]');
      assert.equal(await page.isChecked('#drain-ds'), true);
      assert.equal(await page.isChecked('#drain-ed'), true);
      assert.equal(await page.isChecked('#drain-force'), true);
      await page.click('#drain-start');
      await until(async () => (await drainOut(page)).includes('(will retry after 5s)'), 'the 429 in the drain output');
      const out = await drainOut(page);
      assert.match(out, /^node\/node-1 cordoned$/m);
      assert.match(out, /^Warning: .*deleting Pods that declare no controller: default\/debug/m);
      assert.match(out, /ignoring DaemonSet-managed Pods: kube-system\/log-agent-/);
      assert.match(out, /^error when evicting pods\/"web-[a-z0-9]+-[a-z0-9]{5}" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$/m);
      // node-1 is marked cordoned, in words as well as colour
      await until(async () => page.$eval('[data-node="node-1"]', (e) => e.classList.contains('cordoned')
        && e.textContent.includes('cordoned')), 'node-1 marked cordoned');
      // one web pod and debug are terminating with 30 s of grace left; the other web pod is still Ready
      const during = await until(async () => {
        const l = await tiles(page, 'node-1');
        return l.filter((x) => x.state === 'terminating').length === 2 && l;
      }, 'two pods of node-1 terminating');
      assert.match(during.find((x) => x.pod === 'default/debug').text, /Terminating 30s/);
      assert.equal(during.filter((x) => x.pod.startsWith('default/web') && x.state === 'ready').length, 1);
      // the budget is spent: 2 healthy, 0 allowed
      await until(async () => (await gauge(page, 'default/web')).allowed === 0, 'PDB web allowed 0');
      assert.equal((await gauge(page, 'default/web')).healthy, 2);
      // the log: 201 debug, 201 web, 429 web with the server's explanation
      const log = await until(async () => { const l = await logEntries(page); return l.length >= 3 && l; }, 'three log entries');
      const server = (await client(s.url).get('/sim/v1/evictions')).json.items;
      const refused = log.find((e) => e.code === 429);
      assert.equal(refused.why, server.find((e) => e.code === 429).explanation);
      assert.match(refused.why, /^PDB web: minAvailable 2 of \d expected; 2 healthy \(.*web-\S+ terminating.*\); desired 2 → 0 disruptions allowed → refused$/);
      assert.deepEqual(log.map((e) => e.code).sort(), [201, 201, 429]);
      await page.waitForTimeout(800); // let the tiles' appear animation end before the picture
      const picture = await shot('drain-429');
      if (process.env.UPDATE_SCREENSHOT) copyFileSync(picture, join(root, 'docs/web-view.png'));

      // clicking the 429 highlights the pod and its budget
      await page.click('#log [data-code="429"]');
      const refusedPod = await page.$eval('#log [data-code="429"]', (e) => e.textContent.match(/default\/(web-\S+) ·/)[1]);
      await until(async () => page.$eval(`[data-pod="default/${refusedPod}"]`, (e) => e.classList.contains('selected')), 'the refused pod selected');
      assert.equal(await page.$eval('[data-pdb="default/web"]', (e) => e.classList.contains('hl')), true);

      // +10 s: the replacement is Ready on node-2, kubectl's retry goes through
      await advance(page, '+10 s');
      await until(async () => (await logEntries(page)).filter((e) => e.code === 201).length === 3, 'the retried eviction allowed');
      await until(async () => (await tiles(page, 'node-2')).filter((x) => x.pod.startsWith('default/web') && x.state === 'ready').length === 2,
        'two web pods Ready on node-2');
      // +1 min: the grace periods end, the drain ends on its own
      await advance(page, '+1 min');
      await until(async () => /^node\/node-1 drained$/m.test(await drainOut(page)), 'node/node-1 drained');
      assert.equal((await drainOut(page)).match(/^pod\/\S+ evicted$/gm).length, 3);
      await until(async () => (await tiles(page, 'node-1')).length === 1, 'only the DaemonSet pod left on node-1');
      assert.match((await tiles(page, 'node-1'))[0].pod, /^kube-system\/log-agent-/);
      await until(async () => { const g = await gauge(page, 'default/web'); return g.healthy === 3 && g.allowed === 1; }, 'PDB web back to 1 allowed');
      const tl = await page.$eval('#drain-tl', (e) => e.textContent);
      assert.match(tl, /^t=\+0s evict default\/web-\S+ → 429 \(PDB web: 2 healthy, needs 2\)$/m);
      assert.match(tl, /^t=\+10s evict default\/web-\S+ → 201 \(allowed by PDB web\)$/m);
    });
  } finally { await s.stop(); }
});

test('a server dry run of the drain, only the web pods: what would go, nothing changed', { skip }, async (t) => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await until(async () => (await tiles(page, 'node-1')).length === 4, 'node-1 to show its 4 pods');
      await advance(page, '+10 s');
      await until(async () => (await tiles(page, 'node-1')).every((x) => x.state === 'ready'), 'node-1 all Ready');
      const before = await tiles(page, 'node-1');
      await page.click('button[aria-label="Drain node-1"]');
      await page.fill('#drain-selector', 'app=web');
      await page.selectOption('#drain-dry', 'server');
      await page.click('#drain-start');
      await until(async () => /^node\/node-1 drained \(server dry run\)$/m.test(await drainOut(page)), 'the dry run to end');
      const out = (await drainOut(page)).trim().split('\n');
      assert.equal(out[0], '$ kubectl drain node-1 --ignore-daemonsets --delete-emptydir-data --force --pod-selector=app=web --dry-run=server');
      assert.equal(out[1], 'node/node-1 cordoned (server dry run)');
      // a dry run takes nothing from the budget: both web pods would go
      assert.deepEqual(out.slice(2, 4).map((l) => l.replace(/web-\S+ /, 'web-* ')),
        ['evicting pod default/web-* (server dry run)', 'evicting pod default/web-* (server dry run)']);
      assert.equal(out.length, 5, out.join('\n'));
      // nothing was written: the node schedulable, the pods where they were
      assert.equal((await client(s.url).get('/api/v1/nodes/node-1')).json.spec.unschedulable, undefined);
      assert.deepEqual(await tiles(page, 'node-1'), before);
      const log = await logEntries(page);
      assert.equal(log.filter((e) => e.code === 201).length, 2, JSON.stringify(log));
    });
  } finally { await s.stop(); }
});

test('a lesson opens with its header and its steps as buttons, followed end to end', { skip }, async (t) => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  try {
    await withPage(t, s.url + '/ui/', async ({ page }) => {
      await page.waitForSelector('#fixture option[value="lessons/03-budget-of-zero.yaml"]', { state: 'attached' });
      await page.selectOption('#fixture', 'lessons/03-budget-of-zero.yaml');
      await page.click('#fixture-load');
      await until(async () => page.isVisible('#lesson'), 'the lesson panel');
      assert.equal(await page.textContent('#lesson-title'), 'Lesson 3: a budget of zero blocks every voluntary disruption.');
      assert.match(await page.textContent('#lesson-text'), /Deployment frozen \(2 pods, one per node\)/);
      const steps = await page.$$eval('#lesson-steps button', (b) => b.map((x) => x.textContent));
      assert.deepEqual(steps, ['kubectl get pdb frozen', 'kubectl drain node-1 --ignore-daemonsets --timeout=20s',
        'kubectl patch pdb frozen --type=merge -p \'{"spec":{"maxUnavailable":1}}\'', 'kubectl drain node-1 --ignore-daemonsets']);
      // the default cluster is gone, the lesson's is there
      await until(async () => (await page.$$('[data-pdb]')).length === 1, 'only PDB frozen');
      await until(async () => (await gauge(page, 'default/frozen')).healthy === 2, 'frozen: 2 healthy');
      const result = (i) => page.$eval(`#lesson-steps li:nth-child(${i + 1}) .res`, (e) => e.textContent);
      await page.click('[data-step="0"]');
      await until(async () => (await result(0)) === 'frozen: allowed 0', 'step 1 answered');
      assert.equal((await gauge(page, 'default/frozen')).arith,
        'PDB frozen: maxUnavailable 0 of 2 expected; 2 healthy; desired 2 → 0 disruptions allowed');
      // the drain with --timeout=20s: refused every 5 s, then gives up
      await page.click('[data-step="1"]');
      await until(async () => (await drainOut(page)).includes('(will retry after 5s)'), 'the first 429');
      for (let i = 0; i < 3; i++) await advance(page, '+10 s');
      await until(async () => (await result(1)) === 'failed', 'the drain to fail at its timeout');
      assert.match(await drainOut(page), /error when evicting pods\/"frozen-\S+" -n "default": global timeout reached: 20s/);
      await until(async () => (await logEntries(page)).filter((e) => e.code === 429).length === 2, 'refused at +0s and +10s');
      // raise the budget: one disruption allowed, and the drain goes through
      await page.click('[data-step="2"]');
      await until(async () => (await result(2)) === 'frozen: patched', 'the patch');
      await until(async () => (await gauge(page, 'default/frozen')).allowed === 1, 'frozen allows 1');
      await page.click('[data-step="3"]');
      await until(async () => (await logEntries(page)).some((e) => e.code === 201), 'the eviction allowed');
      await advance(page, '+1 min');
      await until(async () => (await result(3)) === 'drained', 'node-1 drained');
      await until(async () => (await tiles(page, 'node-1')).length === 0, 'node-1 empty');
    });
  } finally { await s.stop(); }
});

const kubectl = findOnPath('kubectl');
test('a change made with kubectl appears without a reload', { skip: skip || (!kubectl && 'kubectl is not on PATH') }, async (t) => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  const k = (...args) => {
    const r = spawnSync('kubectl', ['--kubeconfig', s.kubeconfig, '--cache-dir', join(s.dir, 'cache'), ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await until(async () => (await tiles(page, 'node-2')).length === 3, 'node-2 drawn');
      k('cordon', 'node-2');
      await until(async () => page.$eval('[data-node="node-2"]', (e) => e.textContent.includes('cordoned')), 'node-2 cordoned');
      k('delete', 'pod', 'debug', '--wait=false');
      await until(async () => (await tiles(page, 'node-1')).find((x) => x.pod === 'default/debug')?.state === 'terminating', 'debug terminating');
      const pdb = join(s.dir, 'pdb.yaml');
      writeFileSync(pdb, 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: spare, namespace: default}\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: db}}}\n');
      k('apply', '-f', pdb);
      await until(async () => (await page.$$('[data-pdb="default/spare"]')).length === 1, 'PDB spare drawn');
      await until(async () => (await gauge(page, 'default/spare')).covers === 3, 'spare covers the db pods');
      k('uncordon', 'node-2');
      await until(async () => page.$eval('[data-node="node-2"]', (e) => !e.classList.contains('cordoned')), 'node-2 uncordoned');
    });
  } finally { await s.stop(); }
});

test('--token: the page asks for it and then shows the cluster', { skip }, async (t) => {
  const s = await start({ clock: 'manual', args: ['--token', 's3cret'], manifests: [fixture('default.yaml')] });
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await page.waitForSelector('#token-dialog[open]');
      assert.equal(await page.$$eval('[data-pod]', (e) => e.length), 0);
      await page.fill('#token-input', 's3cret');
      await page.press('#token-input', 'Enter');
      await until(async () => (await tiles(page, 'node-1')).length === 4, 'the cluster after the token');
    });
  } finally { await s.stop(); }
});

test('a cluster of 3,000 pods: nodes summarised, changes still drawn', { skip }, async (t) => {
  const dir = join(root, 'build', 'browser');
  mkdirSync(dir, { recursive: true });
  const items = [];
  for (let n = 1; n <= 10; n++) {
    items.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: `n-${String(n).padStart(2, '0')}` } });
    for (let i = 0; i < 300; i++) {
      items.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${n}-${i}`, namespace: 'default', labels: { app: `a${i % 3}` } },
        spec: { nodeName: `n-${String(n).padStart(2, '0')}`, containers: [{ name: 'c', image: 'x' }] } });
    }
  }
  items.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'a0', namespace: 'default' },
    spec: { minAvailable: 900, selector: { matchLabels: { app: 'a0' } } } });
  const file = join(dir, 'big.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const s = await start({ clock: 'manual', manifests: [file] });
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await until(async () => (await page.$$('[data-node]')).length === 10, 'ten nodes', 30000);
      const col = await until(async () => { const c = await page.$eval('[data-node="n-01"]', (e) => e.textContent); return /300 pods/.test(c) && c; },
        'n-01 with its 300 pods', 30000);
      assert.match(col, /and 150 more: 150 Ready/);
      await until(async () => (await gauge(page, 'default/a0')).expected === 1000, 'PDB a0 over 1000 pods', 30000);
      assert.equal((await gauge(page, 'default/a0')).covers, 1000);
      await client(s.url).del('/api/v1/namespaces/default/pods/p-1-0');
      await until(async () => (await tiles(page, 'n-01')).find((x) => x.pod === 'default/p-1-0')?.state === 'terminating', 'p-1-0 terminating');
    });
  } finally { await s.stop(); }
});

test('keyboard: a pod is selected, evicted and deselected without a mouse', { skip }, async (t) => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await until(async () => (await tiles(page, 'node-1')).length === 4, 'node-1 drawn');
      // every control has a name a screen reader can say
      const unnamed = await page.$$eval('button, select, input', (els) => els.filter((e) => {
        const name = e.getAttribute('aria-label') || e.textContent.trim() || e.labels?.[0]?.textContent.trim();
        return !name;
      }).map((e) => e.outerHTML));
      assert.deepEqual(unnamed, []);
      await page.focus('[data-pod="default/debug"]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#podbar:not([hidden])');
      assert.match(await page.textContent('#podbar-name'), /^default\/debug: /);
      await page.focus('#pod-evict');
      await page.keyboard.press('Enter');
      await until(async () => (await page.textContent('#podbar-result')) === '201 Success', 'the eviction answered');
      await until(async () => (await tiles(page, 'node-1')).find((x) => x.pod === 'default/debug')?.state === 'terminating', 'debug terminating');
      await page.keyboard.press('Escape');
      await page.waitForSelector('#podbar[hidden]', { state: 'attached' });
    });
  } finally { await s.stop(); }
});

test('the clock: run at a speed, pause where it is, advance only while paused', { skip }, async (t) => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await until(async () => (await page.textContent('#clock-mode')) === 'paused (manual clock)', 'a paused clock');
      assert.equal(await page.isEnabled('button.advance:text-is("+1 min")'), true);
      await page.selectOption('#clock-scale', '60');
      await page.click('#clock-toggle');
      await until(async () => (await page.textContent('#clock-mode')) === 'running at 60×', 'the clock running at 60×');
      assert.equal(await page.isEnabled('button.advance:text-is("+1 min")'), false, 'no advancing a running clock');
      // timers fire on a clock that runs: the web pods turn Ready 3 virtual seconds after they start
      await until(async () => (await tiles(page, 'node-1')).filter((x) => x.state === 'ready').length === 4, 'node-1 Ready while running');
      await until(async () => (await clockText(page)) >= '2025-01-01 00:00:10Z', 'ten virtual seconds');
      await page.click('#clock-toggle');
      await until(async () => (await page.textContent('#clock-mode')) === 'paused (manual clock)', 'paused again');
      const paused = (await client(s.url).get('/sim/v1/clock')).json;
      assert.equal(paused.mode, 'manual');
      await until(async () => (await clockText(page)) === paused.now.replace('T', ' '), 'the page showing the paused time');
      await page.waitForTimeout(300);
      assert.equal((await client(s.url).get('/sim/v1/clock')).json.now, paused.now, 'paused: time stands still');
      await advance(page, '+1 min');
      assert.equal(Date.parse((await client(s.url).get('/sim/v1/clock')).json.now) - Date.parse(paused.now), 60000);
    });
  } finally { await s.stop(); }
});

test('a scenario opens with its steps as buttons and its expectations beside them', { skip }, async (t) => {
  const s = await start({ clock: 'manual' });
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await page.waitForSelector('#fixture option[value="scenarios/endless-429.yaml"]', { state: 'attached' });
      await page.selectOption('#fixture', 'scenarios/endless-429.yaml');
      await page.click('#fixture-load');
      await until(async () => page.isVisible('#lesson'), 'the scenario panel');
      assert.match(await page.textContent('#lesson-title'), /^endless-429: minAvailable equal to replicas/);
      const steps = await page.$$eval('#lesson-steps li', (l) => l.map((x) => x.textContent));
      assert.equal(steps.length, 4);
      assert.match(steps[1], /evict \{"pod":"web-1"\}.*expect: \{"code":429/);
      await until(async () => (await gauge(page, 'default/web')).healthy === 3, 'PDB web: 3 healthy');
      await page.click('[data-step="1"]');
      await until(async () => (await page.$eval('#lesson-steps li:nth-child(2) .res', (e) => e.textContent)).startsWith('429'), 'the eviction answered');
      assert.equal(await page.$eval('#lesson-steps li:nth-child(2) .res', (e) => e.textContent),
        '429 TooManyRequests: Cannot evict pod as it would violate the pod\'s disruption budget. (The disruption budget web needs 3 healthy pods and has 3 currently)');
      await until(async () => (await logEntries(page)).some((e) => e.code === 429 && e.text.includes('default/web-1')), 'the 429 in the log');
    });
  } finally { await s.stop(); }
});

test('a budget lights up the pods it covers on hover and on focus; Reset empties the view', { skip }, async (t) => {
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await until(async () => (await page.$$('[data-pdb="default/db"]')).length === 1, 'PDB db drawn');
      await until(async () => (await gauge(page, 'default/db')).covers === 3, 'db covers 3');
      const lit = () => page.$$eval('[data-pod].covered', (e) => e.map((x) => x.dataset.pod).sort());
      await page.hover('[data-pdb="default/db"]');
      await until(async () => (await lit()).join() === 'default/db-0,default/db-1,default/db-2', 'the db pods lit');
      await page.mouse.move(0, 0);
      await until(async () => (await lit()).length === 0, 'nothing lit once the mouse leaves');
      await page.focus('[data-pdb="default/web"]');
      await until(async () => (await lit()).length === 3 && (await lit()).every((k) => k.startsWith('default/web-')), 'the web pods lit on focus');
      await page.click('#reset');
      await until(async () => (await page.$$('[data-node]')).length === 0 && (await page.$$('[data-pdb]')).length === 0, 'an empty view');
      assert.equal(await page.textContent('#pdbs'), 'no PodDisruptionBudget');
    });
  } finally { await s.stop(); }
});

test('accessibility: axe-core finds no serious or critical problem, mid-drain and with a lesson open', { skip }, async (t) => {
  const { readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const s = await start({ clock: 'manual', manifests: [fixture('default.yaml')] });
  const audit = async (page, when) => {
    await page.emulateMedia({ reducedMotion: 'reduce' }); // no tile caught fading in
    await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
    assert.deepEqual(bad, [], when);
  };
  try {
    await withPage(t, s.url + '/', async ({ page }) => {
      await until(async () => (await tiles(page, 'node-1')).length === 4, 'node-1 drawn');
      await advance(page, '+10 s');
      await page.click('button[aria-label="Drain node-1"]');
      await page.click('#drain-start');
      await until(async () => (await logEntries(page)).some((e) => e.code === 429), 'the 429');
      await page.click('[data-pod="default/debug"]');
      await audit(page, 'mid-drain, a pod selected');
      await page.selectOption('#fixture', 'lessons/04-unready-pods.yaml');
      await page.click('#fixture-load');
      await until(async () => page.isVisible('#lesson'), 'the lesson panel');
      await until(async () => (await page.$$('[data-state="running"]')).length > 0, 'pods running, not ready');
      await audit(page, 'lesson 4 open');
    });
  } finally { await s.stop(); }
});
