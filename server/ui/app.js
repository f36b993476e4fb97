// app: the web view's page script. Lists nodes, pods and budgets once and
// then follows them with the watch API; follows the eviction log from where
// it left off (/sim/v1/evictions/tail) and the clock; draws them; runs the
// controls (evict, delete, cordon, drain, clock, lessons). Holds no rule of
// its own: the numbers are the server's, the pure logic is in logic.js.
import {
  podView, nodeView, coveredPods, pdbView, watchLines, applyWatchEvent, mergeTail, lessonSteps, scenarioStep,
  drain, drainCommand, parseDuration,
} from './logic.js';

const $ = (id) => document.getElementById(id);
const MAX_TILES = 150; // per node; the rest is summarised

const state = {
  pods: new Map(), nodes: new Map(), pdbs: new Map(),
  log: [],
  clock: { now: 0, mode: 'manual', scale: 1, at: performance.now() },
  scale: 1, // the speed the clock runs at when not paused
  selected: null, // "ns/name" of the selected pod
  highlight: new Set(), // pod keys highlighted (a budget hovered, a log entry picked)
  hlPdb: null,
  leaving: new Map(), // key → {pod, node, until}: tiles fading out
  seen: new Set(), // keys drawn once (a new one animates in)
  dirtyNodes: new Set(), allDirty: true, pdbDirty: true, logDirty: true,
  drain: null,
};

// ---- the API ----------------------------------------------------------------

let token = sessionStorage.getItem('evictsim-token') || '';
let askingToken = null;

function headers(extra = {}) {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

function askToken() {
  if (!askingToken) {
    askingToken = new Promise((resolve) => {
      const d = $('token-dialog');
      $('token-form').onsubmit = () => {
        token = $('token-input').value;
        sessionStorage.setItem('evictsim-token', token);
        askingToken = null;
        resolve();
      };
      d.showModal();
    });
  }
  return askingToken;
}

async function api(method, path, body, type = 'application/json') {
  for (;;) {
    const h = headers(body !== undefined ? { 'Content-Type': type } : {});
    const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    if (res.status === 401) { await askToken(); continue; }
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json };
  }
}

function setConn(text, bad = false) {
  const c = $('conn');
  c.textContent = text;
  c.classList.toggle('bad', bad);
}

// ---- watches ------------------------------------------------------------------

const kinds = {
  nodes: { path: '/api/v1/nodes', map: () => state.nodes },
  pods: { path: '/api/v1/pods', map: () => state.pods },
  pdbs: { path: '/apis/policy/v1/poddisruptionbudgets', map: () => state.pdbs },
};

function changed(kind, obj) {
  if (kind === 'pods') {
    state.pdbDirty = true;
    if (obj) state.dirtyNodes.add(obj.spec?.nodeName || '');
    scheduleLog();
  } else if (kind === 'nodes') state.allDirty = true;
  else state.pdbDirty = true;
  scheduleRender();
}

async function follow(kind) {
  const k = kinds[kind];
  const map = k.map();
  for (;;) {
    const list = await api('GET', k.path).catch(() => null);
    if (!list || list.status !== 200) { setConn('cannot reach evictsim: retrying', true); await sleep(1000); continue; }
    map.clear();
    for (const o of list.json.items) map.set(`${o.metadata.namespace || ''}/${o.metadata.name}`, o);
    state.allDirty = true;
    changed(kind, null);
    let rv = list.json.metadata.resourceVersion;
    while (rv) {
      let res;
      try {
        res = await fetch(`${k.path}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`, { headers: headers() });
      } catch { break; }
      if (res.status === 401) { await askToken(); continue; }
      if (!res.ok) break;
      setConn('live');
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          const { events, rest } = watchLines(buf);
          buf = rest;
          for (const ev of events) {
            const old = ev.object?.metadata ? map.get(`${ev.object.metadata.namespace || ''}/${ev.object.metadata.name}`) : null;
            const next = applyWatchEvent(map, ev);
            if (next === null) { rv = null; break; }
            if (ev.type === 'BOOKMARK') { rv = next; continue; }
            rv = next;
            if (kind === 'pods') podChanged(ev, old);
            changed(kind, ev.object);
            if (old) changed(kind, old);
          }
          if (!rv) break;
        }
      } catch { setConn('watch interrupted: resuming', true); await sleep(500); }
    }
  }
}

function podChanged(ev, old) {
  const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
  if (ev.type === 'DELETED') {
    state.leaving.set(key, { pod: old || ev.object, node: (old || ev.object).spec?.nodeName || '', until: performance.now() + 600 });
    setTimeout(() => { state.leaving.delete(key); state.dirtyNodes.add((old || ev.object).spec?.nodeName || ''); scheduleRender(); }, 650);
  } else state.leaving.delete(key);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the eviction log -----------------------------------------------------------

let logTimer = null, logBusy = null;
function scheduleLog(delay = 150) {
  if (!logTimer) logTimer = setTimeout(() => { logTimer = null; refreshLog().catch(() => {}); }, delay);
}

async function refreshLog() {
  if (logBusy) { await logBusy; }
  logBusy = (async () => {
    const r = await api('GET', `/sim/v1/evictions/tail?from=${state.log.length}`);
    if (r.status !== 200) return;
    let next = mergeTail(state.log, r.json);
    if (!next) next = (await api('GET', '/sim/v1/evictions/tail?from=0')).json.items;
    if (next.length !== state.log.length || r.json.from === 0) { state.log = next; state.logDirty = true; scheduleRender(); }
  })();
  try { await logBusy; } finally { logBusy = null; }
}

// ---- the clock --------------------------------------------------------------------

function vnow() {
  const c = state.clock;
  return c.mode === 'real' ? c.now + ((performance.now() - c.at) / 1000) * c.scale : c.now;
}

function setClock(j) {
  state.clock = { now: Date.parse(j.now) / 1000, mode: j.mode, scale: j.scale, at: performance.now() };
  if (j.mode === 'real') state.scale = j.scale;
  drawClock();
  wakeWaiters();
}

async function refreshClock() {
  const r = await api('GET', '/sim/v1/clock').catch(() => null);
  if (r?.status === 200) setClock(r.json);
}

const waiters = [];
// Resolves once virtual time reaches t: at once, when the clock passes it
// (an advance), or, on a running clock, when the wall clock says it has.
function until(t) {
  return new Promise((resolve) => {
    waiters.push({ t, resolve });
    wakeWaiters();
    if (state.clock.mode === 'real') setTimeout(wakeWaiters, Math.max(0, ((t - vnow()) * 1000) / state.clock.scale) + 5);
  });
}
function wakeWaiters() {
  const now = vnow();
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (now >= waiters[i].t - 1e-6) { waiters[i].resolve(); waiters.splice(i, 1); }
  }
}

function fmtTime(t) {
  return new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function drawClock() {
  $('clock-now').textContent = fmtTime(vnow());
  const paused = state.clock.mode === 'manual';
  $('clock-mode').textContent = paused ? 'paused (manual clock)' : `running at ${state.clock.scale}×`;
  $('clock-toggle').textContent = paused ? 'Run' : 'Pause';
  $('clock-toggle').setAttribute('aria-label', paused ? 'Run the clock' : 'Pause the clock');
  $('clock-scale').value = String(state.scale);
  for (const b of document.querySelectorAll('.advance')) {
    b.disabled = !paused;
    b.title = paused ? `advance the clock ${b.dataset.seconds} s` : 'pause the clock to advance it';
  }
}

// ---- drawing ------------------------------------------------------------------------

let renderQueued = false;
function scheduleRender() {
  if (!renderQueued) { renderQueued = true; requestAnimationFrame(render); }
}

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
}

function podsByNode() {
  const by = new Map();
  for (const n of state.nodes.values()) by.set(n.metadata.name, []);
  for (const [key, p] of state.pods) {
    const n = p.spec?.nodeName || '';
    if (!by.has(n)) by.set(n, []);
    by.get(n).push([key, p, false]);
  }
  for (const [key, l] of state.leaving) {
    if (state.pods.has(key)) continue;
    if (!by.has(l.node)) by.set(l.node, []);
    by.get(l.node).push([key, l.pod, true]);
  }
  for (const l of by.values()) l.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return by;
}

function tileText(v) {
  return v.key === 'terminating' ? `${v.word} ${v.left}s` : v.word;
}

function drawTile(key, p, gone, now) {
  const v = podView(p, now);
  const cls = ['tile', v.key];
  if (gone) cls.push('gone');
  else if (!state.seen.has(key)) { cls.push('new'); state.seen.add(key); }
  if (state.highlight.has(key)) cls.push('covered');
  if (state.selected === key) cls.push('selected');
  const ns = p.metadata.namespace === 'default' ? '' : `${p.metadata.namespace}/`;
  return el('li', {},
    el('button', {
      type: 'button', class: cls.join(' '), 'data-pod': key, 'data-state': v.key,
      'aria-pressed': state.selected === key ? 'true' : 'false',
      onclick: () => selectPod(key),
    },
    el('span', { class: 'sym', 'aria-hidden': 'true', text: v.symbol }),
    el('span', { class: 'name', text: ns + p.metadata.name }),
    el('span', { class: 'word', 'data-deletion': p.metadata.deletionTimestamp || undefined, text: tileText(v) })));
}

function drawNode(name, entries, now) {
  const node = state.nodes.get(`/${name}`);
  const nv = node ? nodeView(node) : { cordoned: false, ready: true };
  const col = el('section', { class: `node${nv.cordoned ? ' cordoned' : ''}`, 'data-node': name || '(unscheduled)',
    'aria-label': name ? `node ${name}${nv.cordoned ? ', cordoned' : ''}` : 'pods not scheduled to a node' });
  const head = el('header', {}, el('h3', { text: name || 'not scheduled' }));
  if (nv.cordoned) head.append(el('span', { class: 'badge cordon', text: '⊘ cordoned' }));
  if (!nv.ready) head.append(el('span', { class: 'badge', text: 'NotReady' }));
  head.append(el('span', { class: 'badge', text: `${entries.filter((e) => !e[2]).length} pods` }));
  if (node) {
    head.append(el('button', { type: 'button', 'aria-label': `${nv.cordoned ? 'Uncordon' : 'Cordon'} ${name}`,
      text: nv.cordoned ? 'Uncordon' : 'Cordon', onclick: () => cordon(name, !nv.cordoned) }));
    head.append(el('button', { type: 'button', 'aria-label': `Drain ${name}`, text: 'Drain…', onclick: () => openDrain(name) }));
  }
  col.append(head);
  const ul = el('ul', { 'aria-label': `pods on ${name || 'no node'}` });
  entries.slice(0, MAX_TILES).forEach(([key, p, gone]) => ul.append(drawTile(key, p, gone, now)));
  col.append(ul);
  if (entries.length > MAX_TILES) {
    const counts = {};
    for (const [, p] of entries.slice(MAX_TILES)) { const k = podView(p, now).word; counts[k] = (counts[k] || 0) + 1; }
    col.append(el('p', { class: 'more', text: `and ${entries.length - MAX_TILES} more: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}` }));
  }
  return col;
}

const nodeEls = new Map();
function drawNodes(now) {
  const by = podsByNode();
  const names = [...by.keys()].filter((n) => n || by.get(n).length).sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a < b ? -1 : 1));
  const box = $('nodes');
  const focused = document.activeElement?.dataset?.pod;
  if (state.allDirty || names.length !== nodeEls.size || names.some((n) => !nodeEls.has(n))) {
    nodeEls.clear();
    box.replaceChildren(...names.map((n) => { const e = drawNode(n, by.get(n), now); nodeEls.set(n, e); return e; }));
  } else {
    for (const n of state.dirtyNodes) {
      if (!nodeEls.has(n)) continue;
      const e = drawNode(n, by.get(n) || [], now);
      nodeEls.get(n).replaceWith(e);
      nodeEls.set(n, e);
    }
  }
  if (focused && document.activeElement?.dataset?.pod !== focused) document.querySelector(`[data-pod="${CSS.escape(focused)}"]`)?.focus();
}

function drawPdbs() {
  const pods = [...state.pods.values()];
  const list = [...state.pdbs.values()].sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
  const box = $('pdbs');
  if (!list.length) { box.replaceChildren(el('p', { class: 'empty', text: 'no PodDisruptionBudget' })); return; }
  box.replaceChildren(...list.map((pdb) => {
    const covered = coveredPods(pdb, pods);
    const v = pdbView(pdb, covered);
    const id = `${pdb.metadata.namespace}/${pdb.metadata.name}`;
    const keys = covered.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    const on = () => { state.highlight = new Set(keys); state.hlPdb = id; state.allDirty = true; scheduleRender(); };
    const off = () => { state.highlight = new Set(); state.hlPdb = null; state.allDirty = true; scheduleRender(); };
    const total = Math.max(v.expected, v.healthy, 1);
    const pct = (x) => `${(100 * Math.max(0, x)) / total}%`;
    const num = (label, val, cls = '') => [el('dt', { text: label }), el('dd', { class: cls, 'data-field': label, text: String(val) })];
    return el('section', {
      class: `pdb${state.hlPdb === id ? ' hl' : ''}`, 'data-pdb': id, tabindex: '0',
      'aria-label': `budget ${id}: ${v.text}`, onmouseenter: on, onmouseleave: off, onfocus: on, onblur: off,
    },
    el('h3', {}, el('span', { text: pdb.metadata.name }),
      el('span', { class: 'sel', text: `${pdb.metadata.namespace !== 'default' ? `${pdb.metadata.namespace} · ` : ''}${v.rule || 'no rule'} · selector ${v.selector}` })),
    el('dl', {},
      ...num('expected', v.expected), ...num('healthy', v.healthy), ...num('desired', v.desired),
      ...num('allowed', v.allowed, `allowed ${v.allowed > 0 ? 'some' : 'zero'}`), ...num('covers', covered.length)),
    el('div', { class: 'gauge', role: 'img', 'aria-label': `${v.healthy} healthy of ${v.expected} expected; ${v.desired} needed; ${v.allowed} may go` },
      el('span', { class: 'floor', style: `width:${pct(Math.min(v.desired, v.healthy))}`, title: `desired ${v.desired}` }),
      el('span', { class: 'spare', style: `width:${pct(v.healthy - v.desired)}`, title: `allowed ${v.allowed}` }),
      el('span', { class: 'gap', style: `width:${pct(v.expected - v.healthy)}`, title: 'expected but not healthy' })),
    el('p', { class: 'arith', 'data-arith': '', text: v.text }),
    v.stale ? el('p', { class: 'stale', text: '⚠ status not yet processed by the disruption controller (observedGeneration behind)' }) : null);
  }));
}

function drawLog() {
  const box = $('log');
  $('log-empty').hidden = state.log.length > 0;
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  const start = Math.max(0, state.log.length - 300);
  box.replaceChildren(...state.log.slice(start).map((e, i) => {
    const idx = start + i;
    const c = String(e.code);
    return el('li', {}, el('button', {
      type: 'button', 'data-entry': String(idx), 'data-code': c, class: state.pickedEntry === idx ? 'selected' : '',
      onclick: () => pickEntry(idx),
    },
    el('span', { class: 't', text: e.time.replace(/^.*T/, '').replace('Z', '') }),
    el('span', { class: `code c${c[0]} c${c}`, text: `${c}${e.dryRun ? ' dry run' : ''}` }),
    el('span', { class: 'who', text: `${e.namespace}/${e.pod}${e.pdb ? ` · PDB ${e.pdb}` : ''}` }),
    el('span', { class: 'why', text: e.explanation })));
  }));
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function render() {
  renderQueued = false;
  const now = vnow();
  drawNodes(now);
  if (state.pdbDirty) drawPdbs();
  if (state.logDirty) drawLog();
  state.allDirty = false;
  state.dirtyNodes.clear();
  state.pdbDirty = false;
  state.logDirty = false;
  const sel = state.selected && state.pods.get(state.selected);
  $('podbar').hidden = !state.selected;
  if (state.selected) $('podbar-name').textContent = `${state.selected}${sel ? `: ${tileText(podView(sel, now))}` : ' (gone)'}`;
}

// Countdowns and the clock move between events.
function tick() {
  const now = vnow();
  drawClock();
  wakeWaiters();
  for (const w of document.querySelectorAll('[data-deletion]')) {
    const left = Math.max(0, Math.ceil(Date.parse(w.dataset.deletion) / 1000 - now));
    w.textContent = `Terminating ${left}s`;
  }
}

// ---- actions ----------------------------------------------------------------------

function selectPod(key) {
  state.selected = state.selected === key ? null : key;
  $('podbar-result').textContent = '';
  state.allDirty = true;
  scheduleRender();
}

function pickEntry(idx) {
  const e = state.log[idx];
  state.pickedEntry = idx;
  state.selected = `${e.namespace}/${e.pod}`;
  state.hlPdb = e.pdb ? `${e.namespace}/${e.pdb}` : null;
  state.highlight = new Set([state.selected]);
  state.allDirty = state.pdbDirty = state.logDirty = true;
  scheduleRender();
  document.querySelector(`[data-pdb="${CSS.escape(state.hlPdb || '')}"]`)?.scrollIntoView({ block: 'nearest' });
}

const podPath = (ns, name) => `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;

async function evict(ns, name, dryRun = false) {
  const body = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } };
  if (dryRun) body.deleteOptions = { dryRun: ['All'] };
  const r = await api('POST', `${podPath(ns, name)}/eviction`, body);
  await refreshLog();
  return r;
}

function say(r) {
  const cause = r.json?.details?.causes?.[0]?.message;
  return `${r.status} ${r.json?.status === 'Success' ? 'Success' : r.json?.reason || ''}${r.json?.message ? `: ${r.json.message}` : ''}${cause ? ` (${cause})` : ''}`;
}

async function podAction(what) {
  const key = state.selected;
  if (!key) return;
  const [ns, name] = key.split('/');
  let r;
  if (what === 'delete') r = await api('DELETE', podPath(ns, name));
  else r = await evict(ns, name, what === 'dry');
  $('podbar-result').textContent = say(r);
}

async function cordon(node, on) {
  await api('PATCH', `/api/v1/nodes/${encodeURIComponent(node)}`, { spec: { unschedulable: on ? true : null } }, 'application/merge-patch+json');
}

function openDrain(node) {
  $('drain').hidden = false;
  $('drain-node').textContent = node;
  $('drain-form').dataset.node = node;
  $('drain-start').focus();
}

function drainApi() {
  return {
    node: async (n) => { const r = await api('GET', `/api/v1/nodes/${encodeURIComponent(n)}`); return r.status === 200 ? r.json : null; },
    cordon: (n, dryRun) => api('PATCH', `/api/v1/nodes/${encodeURIComponent(n)}${dryRun ? '?dryRun=All' : ''}`,
      { spec: { unschedulable: true } }, 'application/merge-patch+json'),
    podsOn: async (n, sel) => {
      const r = await api('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${n}`)}` +
        `${sel ? `&labelSelector=${encodeURIComponent(sel)}` : ''}`);
      if (r.status !== 200) throw new Error(r.json?.message || `list pods: ${r.status}`);
      return r.json.items;
    },
    daemonSetExists: async (ns, n) => (await api('GET', `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/daemonsets/${encodeURIComponent(n)}`)).status === 200,
    evict: (ns, n, dryRun) => evict(ns, n, dryRun),
    lastEviction: async (ns, n) => [...state.log].reverse().find((e) => e.namespace === ns && e.pod === n) || null,
    pod: async (ns, n) => { const r = await api('GET', podPath(ns, n)); return r.status === 200 ? r.json : null; },
  };
}

// Runs kubectl drain's algorithm from the page; resolves to its result.
async function startDrain(node, opts) {
  if (state.drain) return null;
  openDrain(node);
  const out = $('drain-out'), tl = $('drain-tl');
  out.replaceChildren(); tl.replaceChildren();
  const d = { stop: false };
  state.drain = d;
  $('drain-stop').disabled = false;
  $('drain-start').disabled = true;
  const line = (text, kind) => {
    const box = kind === 'info' ? tl : out;
    box.append(el('span', { class: kind, text: `${text}\n` }));
    box.scrollTop = box.scrollHeight;
  };
  out.append(el('span', { text: `$ ${drainCommand(node, opts)}\n` }));
  try {
    return await drain({ api: drainApi(), clock: { now: vnow, until }, node, opts, out: line, stopped: () => d.stop });
  } finally {
    state.drain = null;
    $('drain-stop').disabled = true;
    $('drain-start').disabled = false;
  }
}

async function setMode(mode, scale) {
  const r = await api('POST', '/sim/v1/clock/mode', mode === 'real' ? { mode, scale } : { mode });
  if (r.status === 200) setClock(r.json);
}

async function advance(seconds) {
  const r = await api('POST', '/sim/v1/clock/advance', { seconds });
  if (r.status === 200) setClock(r.json);
  return r;
}

// ---- lessons and scenarios ---------------------------------------------------------

async function loadFixtureList() {
  const r = await api('GET', '/sim/v1/fixtures');
  if (r.status !== 200) return;
  const sel = $('fixture');
  const groups = { lesson: 'Lessons', scenario: 'Scenarios', cluster: 'Clusters' };
  for (const [kind, label] of Object.entries(groups)) {
    const g = el('optgroup', { label });
    for (const it of r.json.items.filter((i) => i.kind === kind)) g.append(el('option', { value: it.path, text: it.title }));
    if (g.children.length) sel.append(g);
  }
}

async function objectsOf(path, scenario) {
  if (!scenario) return (await api('GET', `/sim/v1/fixtures/${path}`)).json.objects;
  const dir = path.replace(/[^/]*$/, '');
  const objs = [];
  for (const m of scenario.manifests || []) {
    if (m.include) {
      const parts = [];
      for (const seg of (dir + m.include).split('/')) {
        if (seg === '..') parts.pop(); else if (seg && seg !== '.') parts.push(seg);
      }
      objs.push(...await objectsOf(parts.join('/')));
    } else objs.push(m);
  }
  return objs;
}

async function loadFixture(path) {
  const r = await api('GET', `/sim/v1/fixtures/${path}`);
  if (r.status !== 200) return;
  const f = r.json;
  await api('POST', '/sim/v1/reset');
  const objects = await objectsOf(path, f.scenario);
  const loaded = await api('POST', '/sim/v1/load', { apiVersion: 'v1', kind: 'List', items: objects });
  setConn(loaded.status === 200 ? `loaded ${path}` : `load failed: ${loaded.json?.message}`, loaded.status !== 200);
  if (f.kind === 'lesson') openLesson(f.title, f.header, lessonSteps(f.header));
  else if (f.kind === 'scenario') {
    openLesson(`${f.scenario.name}: ${f.scenario.description || ''}`, f.header,
      { run: [], steps: (f.scenario.steps || []).map(scenarioStep), options: f.scenario.options });
  } else $('lesson').hidden = true;
}

function openLesson(title, text, lesson) {
  $('lesson').hidden = false;
  $('lesson-title').textContent = title;
  $('lesson-text').textContent = text;
  const notes = [];
  if (lesson.run?.length) notes.push(`This lesson expects evictsim started with ${lesson.run.join(' ')}; the page cannot change that, so some numbers differ.`);
  if (lesson.options) notes.push(`The scenario sets options (${JSON.stringify(lesson.options)}) the page cannot set.`);
  $('lesson-run').hidden = !notes.length;
  $('lesson-run').textContent = notes.join(' ');
  $('lesson-steps').replaceChildren(...lesson.steps.map((s, i) => {
    const res = el('span', { class: 'res', role: 'status' });
    const b = el('button', { type: 'button', 'data-step': String(i), text: s.label, onclick: async () => {
      b.disabled = true;
      res.textContent = '…';
      try { res.textContent = await runStep(s); } catch (e) { res.textContent = `error: ${e.message}`; }
      b.disabled = false;
    } });
    return el('li', {}, s.note ? el('span', { class: 'hint', text: s.note }) : null, b, res,
      s.expect ? el('span', { class: 'hint', text: `expect: ${JSON.stringify(s.expect)}` }) : null);
  }));
}

const RESOURCE_PATH = {
  pods: (ns) => `/api/v1/namespaces/${ns}/pods`, nodes: () => '/api/v1/nodes',
  poddisruptionbudgets: (ns) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
  deployments: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`, statefulsets: (ns) => `/apis/apps/v1/namespaces/${ns}/statefulsets`,
  replicasets: (ns) => `/apis/apps/v1/namespaces/${ns}/replicasets`,
};
const PATCH_TYPES = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' };

// Runs one lesson or scenario step; resolves to a line saying what came back.
async function runStep(s) {
  const base = RESOURCE_PATH[s.resource]?.(encodeURIComponent(s.namespace));
  switch (s.type) {
    case 'look': {
      const ids = new Set();
      if (s.resource === 'poddisruptionbudgets') {
        for (const p of state.pdbs.values()) if (!s.names.length || s.names.includes(p.metadata.name)) ids.add(`${p.metadata.namespace}/${p.metadata.name}`);
        const first = [...ids][0];
        state.hlPdb = first || null;
        document.querySelector(`[data-pdb="${CSS.escape(first || '')}"]`)?.scrollIntoView({ block: 'nearest' });
        state.pdbDirty = true;
        scheduleRender();
        return [...state.pdbs.values()].filter((p) => ids.has(`${p.metadata.namespace}/${p.metadata.name}`))
          .map((p) => `${p.metadata.name}: allowed ${p.status?.disruptionsAllowed ?? 0}`).join('; ') || 'no such PDB';
      }
      const pods = [...state.pods.values()].filter((p) => !s.names.length || s.names.includes(p.metadata.name));
      state.highlight = new Set(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
      state.allDirty = true;
      scheduleRender();
      return s.resource === 'pods' ? pods.map((p) => `${p.metadata.name} ${tileText(podView(p, vnow()))}`).join('; ') || 'not found' : 'see the view';
    }
    case 'patch': {
      const out = [];
      for (const n of s.names) {
        const r = await api('PATCH', `${base}/${encodeURIComponent(n)}`, s.patch, PATCH_TYPES[s.patchType] || PATCH_TYPES.merge);
        out.push(`${n}: ${r.status === 200 ? 'patched' : say(r)}`);
      }
      return out.join('; ');
    }
    case 'delete': {
      const out = [];
      for (const n of s.names) {
        const q = s.gracePeriodSeconds !== undefined ? `?gracePeriodSeconds=${s.gracePeriodSeconds}` : '';
        const r = await api('DELETE', `${base}/${encodeURIComponent(n)}${q}`);
        out.push(`${n}: ${r.status === 200 || r.status === 202 ? 'deleted' : say(r)}`);
      }
      return out.join('; ');
    }
    case 'cordon': case 'uncordon':
      await cordon(s.node, s.type === 'cordon');
      return `node/${s.node} ${s.type}ed`;
    case 'drain': {
      const r = await startDrain(s.node, s.opts);
      return r ? r.outcome : 'a drain is already running';
    }
    case 'evict': return say(await evict(s.namespace, s.pod, s.dryRun));
    case 'advance': {
      if (state.clock.mode !== 'manual') await setMode('manual');
      const r = await advance(s.seconds);
      return r.status === 200 ? `now ${r.json.now}` : say(r);
    }
    case 'explain': {
      const r = await api('GET', `/sim/v1/explain/${encodeURIComponent(s.namespace)}/${encodeURIComponent(s.pod)}`);
      return r.status === 200 ? `${r.json.decision}; an eviction now: ${r.json.eviction.code} (${r.json.eviction.explanation})` : say(r);
    }
    case 'fault': {
      const r = s.rule === 'clear' ? await api('DELETE', '/sim/v1/faults') : await api('POST', '/sim/v1/faults', s.rule);
      return r.status < 300 ? (s.rule === 'clear' ? 'faults cleared' : `fault rule ${r.json.id} added`) : say(r);
    }
    case 'create': {
      const o = s.object;
      const kind = { Pod: 'pods', PodDisruptionBudget: 'poddisruptionbudgets', Deployment: 'deployments', Node: 'nodes', StatefulSet: 'statefulsets', ReplicaSet: 'replicasets' }[o.kind];
      const r = await api('POST', RESOURCE_PATH[kind](encodeURIComponent(o.metadata?.namespace || 'default')), o);
      return r.status === 201 ? `${o.kind}/${o.metadata?.name} created` : say(r);
    }
    default: return s.expect ? 'compare with the view' : 'read';
  }
}

// ---- wiring ---------------------------------------------------------------------------

function wire() {
  $('clock-toggle').onclick = () => (state.clock.mode === 'manual' ? setMode('real', state.scale) : setMode('manual'));
  $('clock-scale').onchange = (e) => {
    state.scale = Number(e.target.value);
    if (state.clock.mode === 'real') setMode('real', state.scale);
  };
  for (const b of document.querySelectorAll('.advance')) b.onclick = () => advance(Number(b.dataset.seconds));
  $('fixture-load').onclick = () => { if ($('fixture').value) loadFixture($('fixture').value); };
  $('reset').onclick = async () => { await api('POST', '/sim/v1/reset'); $('lesson').hidden = true; };
  $('pod-evict').onclick = () => podAction('evict');
  $('pod-dry').onclick = () => podAction('dry');
  $('pod-delete').onclick = () => podAction('delete');
  $('pod-close').onclick = () => selectPod(state.selected);
  $('lesson-close').onclick = () => { $('lesson').hidden = true; };
  $('drain-close').onclick = () => { $('drain').hidden = true; };
  $('drain-stop').onclick = () => { if (state.drain) state.drain.stop = true; };
  $('drain-form').onsubmit = (e) => {
    e.preventDefault();
    const t = $('drain-timeout').value.trim();
    const sel = $('drain-selector').value.trim();
    startDrain($('drain-form').dataset.node, {
      ignoreDaemonSets: $('drain-ds').checked, deleteEmptyDirData: $('drain-ed').checked, force: $('drain-force').checked,
      timeout: t ? parseDuration(t) || 0 : 0, dryRun: $('drain-dry').value || undefined, podSelector: sel || undefined,
    });
  };
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.selected) selectPod(state.selected);
  });
}

async function main() {
  wire();
  await refreshClock();
  await loadFixtureList();
  for (const k of Object.keys(kinds)) follow(k);
  refreshLog().catch(() => {});
  setInterval(tick, 250);
  setInterval(refreshClock, 1000);
  setInterval(() => refreshLog().catch(() => {}), 1000); // the server may be gone for a while
}

window.evictsimUi = { state, runStep, startDrain, loadFixture };
main();
