// logic: the web view's pure logic (no DOM, no fetch): how a pod is shown,
// a budget's arithmetic line, label selectors, watch stream lines, the
// eviction log's tail, a lesson's steps from its header, durations, and
// kubectl drain's algorithm (k8s.io/kubectl/pkg/drain, as model/drain.c
// runs it) against an injected API and virtual clock. Imported by app.js
// and by the unit tests (tests/browser/logic.test.mjs); decides no
// Kubernetes semantics the server decides.

// ---- pods and nodes ---------------------------------------------------------

export function isReady(pod) {
  return (pod.status?.conditions || []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function hasController(pod) {
  return (pod.metadata?.ownerReferences || []).find((r) => r.controller) || null;
}

// How a pod is shown: a state key (CSS class), a word, a symbol (so that
// colour is never the only sign) and, when terminating, the seconds left
// of its grace period in virtual time.
export function podView(pod, now) {
  const phase = pod.status?.phase || 'Pending';
  if (pod.metadata?.deletionTimestamp) {
    const left = Math.max(0, Math.ceil(Date.parse(pod.metadata.deletionTimestamp) / 1000 - now));
    return { key: 'terminating', word: 'Terminating', symbol: '⊖', left };
  }
  if (phase === 'Succeeded') return { key: 'succeeded', word: 'Succeeded', symbol: '✔' };
  if (phase === 'Failed') return { key: 'failed', word: 'Failed', symbol: '✖' };
  if (phase === 'Running') {
    return isReady(pod) ? { key: 'ready', word: 'Ready', symbol: '●' }
      : { key: 'running', word: 'Running, not ready', symbol: '◐' };
  }
  return { key: 'pending', word: pod.spec?.nodeName ? 'Pending' : 'Pending (unscheduled)', symbol: '○' };
}

export function nodeView(node) {
  const ready = (node.status?.conditions || []).find((c) => c.type === 'Ready');
  return { cordoned: !!node.spec?.unschedulable, ready: !ready || ready.status === 'True' };
}

// ---- label selectors (metav1.LabelSelector) ---------------------------------

// null/undefined selects nothing; {} selects everything (policy/v1).
export function selectorMatches(sel, labels = {}) {
  if (!sel) return false;
  labels = labels || {};
  for (const [k, v] of Object.entries(sel.matchLabels || {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const vals = e.values || [];
    if (e.operator === 'In' && !(has && vals.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && vals.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export function selectorText(sel) {
  if (!sel) return '(null: selects nothing)';
  const parts = Object.entries(sel.matchLabels || {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions || []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values || []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '{} (every pod in the namespace)';
}

// ---- budgets ------------------------------------------------------------------

// The pods of pdb's namespace its selector matches.
export function coveredPods(pdb, pods) {
  const ns = pdb.metadata.namespace;
  return pods.filter((p) => p.metadata.namespace === ns && selectorMatches(pdb.spec?.selector, p.metadata.labels));
}

// A budget's numbers and its arithmetic, worded as the eviction log's
// explanation words it (model/eviction.c): "PDB web: minAvailable 2 of 3
// expected; 2 healthy (web-1 terminating); desired 2 → 0 disruptions allowed".
export function pdbView(pdb, covered = []) {
  const st = pdb.status || {};
  const spec = pdb.spec || {};
  const rule = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null
    ? `maxUnavailable ${spec.maxUnavailable}`
    : spec.minAvailable !== undefined && spec.minAvailable !== null ? `minAvailable ${spec.minAvailable}` : '';
  const n = {
    expected: st.expectedPods ?? 0, healthy: st.currentHealthy ?? 0,
    desired: st.desiredHealthy ?? 0, allowed: st.disruptionsAllowed ?? 0,
  };
  const unhealthy = [...covered].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
    .map((p) => [p.metadata.name, p.metadata.deletionTimestamp ? 'terminating' : !isReady(p) ? 'not ready' : null])
    .filter(([, why]) => why);
  let why = unhealthy.slice(0, 5).map(([name, w]) => `${name} ${w}`).join(', ');
  if (unhealthy.length > 5) why += `, ${unhealthy.length - 5} more`;
  const text = `PDB ${pdb.metadata.name}: ${rule ? `${rule} of ` : ''}${n.expected} expected; ${n.healthy} healthy`
    + `${why ? ` (${why})` : ''}; desired ${n.desired} → ${n.allowed} disruption${n.allowed === 1 ? '' : 's'} allowed`;
  const stale = (st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1);
  return { ...n, rule, text, stale, selector: selectorText(spec.selector) };
}

// ---- the watch stream and the eviction log ------------------------------------

// Splits what a watch stream sent so far into events; returns the events
// and the unfinished rest.
export function watchLines(buffer) {
  const events = [];
  let at;
  while ((at = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, at).trim();
    buffer = buffer.slice(at + 1);
    if (line) events.push(JSON.parse(line));
  }
  return { events, rest: buffer };
}

// Applies one watch event to a Map keyed "ns/name"; returns the
// resourceVersion to resume from, or null when the watch must start over
// (410 Gone or another ERROR).
export function applyWatchEvent(map, ev) {
  const o = ev.object || {};
  if (ev.type === 'ERROR') return null;
  const rv = o.metadata?.resourceVersion;
  if (ev.type === 'BOOKMARK') return rv;
  const key = `${o.metadata.namespace || ''}/${o.metadata.name}`;
  if (ev.type === 'DELETED') map.delete(key);
  else map.set(key, o);
  return rv;
}

// Folds an answer of GET /sim/v1/evictions/tail?from=N into the log the
// page holds; returns the new log. When the server's entry N-1 is not the
// last one held (the log dropped its oldest), returns null: ask from 0.
export function mergeTail(log, tail) {
  if (tail.from === 0) return tail.items.slice();
  if (tail.from !== log.length || JSON.stringify(tail.prev) !== JSON.stringify(log[log.length - 1])) return null;
  return log.concat(tail.items);
}

// ---- durations ------------------------------------------------------------------

// "90", "90s", "2m", "1h", "1m30s", "1.5s" → seconds; NaN when not one.
export function parseDuration(s) {
  if (typeof s === 'number') return s;
  const t = String(s).trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/gy;
  let total = 0, m, at = 0;
  while ((m = re.exec(t))) {
    total += Number(m[1]) * { h: 3600, m: 60, s: 1, ms: 0.001 }[m[2]];
    at = re.lastIndex;
  }
  return at && at === t.length ? total : NaN;
}

// Go's time.Duration String() for whole seconds: 7s, 1m0s, 1h0m0s.
export function goDuration(secs) {
  const s = Math.round(secs);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h) return `${h}h${m}m${r}s`;
  if (m) return `${m}m${r}s`;
  return `${r}s`;
}

// ---- lessons ------------------------------------------------------------------

// Words of a shell command line, with '...' and "..." quoting.
export function shellWords(line) {
  const words = [];
  let cur = null, q = null;
  for (const ch of line) {
    if (q) {
      if (ch === q) q = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      q = ch;
      cur = cur ?? '';
    } else if (/\s/.test(ch)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else {
      cur = (cur ?? '') + ch;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}

const KINDS = {
  pod: 'pods', pods: 'pods', po: 'pods', pdb: 'poddisruptionbudgets', poddisruptionbudget: 'poddisruptionbudgets',
  poddisruptionbudgets: 'poddisruptionbudgets', deployment: 'deployments', deployments: 'deployments', deploy: 'deployments',
  node: 'nodes', nodes: 'nodes', no: 'nodes', statefulset: 'statefulsets', statefulsets: 'statefulsets', sts: 'statefulsets',
  replicaset: 'replicasets', replicasets: 'replicasets', rs: 'replicasets',
};

// One kubectl command (its words after "kubectl") as a step the page can
// run, or null when it is not one it knows.
export function kubectlStep(words, label) {
  let ns = null;
  const args = [], flags = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '--kubeconfig' || w === '-o' || w === '--output') { i++; continue; }
    if (w === '-n' || w === '--namespace') { ns = words[++i]; continue; }
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      if (eq > 0) flags[w.slice(2, eq)] = w.slice(eq + 1);
      else if (['-p', '--patch', '--type', '--timeout', '--grace-period'].includes(w)) flags[w.slice(2)] = words[++i];
      else flags[w.slice(2)] = true;
      continue;
    }
    if (w === '-p') { flags.patch = words[++i]; continue; }
    if (w.startsWith('-o')) continue;
    args.push(w);
  }
  const [verb, kind, ...names] = args;
  const resource = KINDS[kind];
  const base = { label, namespace: ns || 'default' };
  if (verb === 'get' && resource) return { ...base, type: 'look', resource, names };
  if (verb === 'patch' && resource && flags.patch) {
    return { ...base, type: 'patch', resource, names, patchType: flags.type || 'strategic', patch: JSON.parse(flags.patch) };
  }
  if (verb === 'delete' && resource) return { ...base, type: 'delete', resource, names };
  if ((verb === 'cordon' || verb === 'uncordon') && kind) return { ...base, type: verb, node: kind };
  if (verb === 'drain' && kind) {
    return {
      ...base, type: 'drain', node: kind,
      opts: {
        ignoreDaemonSets: !!flags['ignore-daemonsets'], deleteEmptyDirData: !!flags['delete-emptydir-data'],
        force: !!flags.force, timeout: flags.timeout ? parseDuration(flags.timeout) : 0,
        ...drainExtras(flags['dry-run'], flags['pod-selector']),
      },
    };
  }
  return null;
}

// A drain's --dry-run (server|client) and --pod-selector, present only when given.
function drainExtras(dryRun, podSelector) {
  const x = {};
  if (dryRun === 'server' || dryRun === 'client') x.dryRun = dryRun;
  if (typeof podSelector === 'string' && podSelector) x.podSelector = podSelector;
  return x;
}

// A lesson's header (its comment lines) → {title, text, run, steps}: the
// kubectl commands in it become steps; what evictsim must be started
// with besides the lesson (e.g. --pdb-sync-delay 30) is in run.
export function lessonSteps(header) {
  const lines = header.split('\n');
  const steps = [];
  let run = [];
  for (const raw of lines) {
    let line = raw;
    const at = line.indexOf('kubectl ');
    const ev = line.indexOf('./evictsim ');
    if (ev >= 0 && (at < 0 || ev < at)) {
      const w = shellWords(line.slice(ev + 11).replace(/\s{3,}.*$/, ''));
      run = [];
      for (let i = 0; i < w.length; i++) {
        if (w[i] === '--kubeconfig') i++;
        else if (!w[i].endsWith('.yaml')) run.push(w[i]);
      }
      continue;
    }
    if (at < 0) continue;
    line = line.slice(at + 8);
    if (raw.slice(0, at).includes('(')) line = line.replace(/\).*$/, '');
    line = line.replace(/\s{3,}.*$/, '').trim();
    const words = shellWords(line);
    const label = `kubectl ${words.filter((w, i) => w !== '--kubeconfig' && words[i - 1] !== '--kubeconfig')
      .map((w) => (/[\s{}"[\]]/.test(w) ? `'${w}'` : w)).join(' ')}`;
    let step = null;
    try { step = kubectlStep(words, label); } catch { step = null; }
    if (step) steps.push(step);
  }
  return { title: lines[0] || '', text: header, run, steps };
}

// A scenario's step (fixtures/scenarios, README "Scenarios in virtual
// time") → a step the page can run, or a note to read.
export function scenarioStep(s) {
  const ns = (v) => v?.namespace || 'default';
  const label = Object.entries(s).filter(([k]) => k !== 'note' && k !== 'expect')
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('; ') || 'check';
  const base = { label, note: s.note || '', expect: s.expect || null };
  if (s.evict) return { ...base, type: 'evict', namespace: ns(s.evict), pod: s.evict.pod, dryRun: !!s.evict.dryRun };
  if (s.delete) {
    const kind = s.delete.kind || 'Pod';
    return { ...base, type: 'delete', namespace: ns(s.delete), resource: KINDS[kind.toLowerCase()] || 'pods',
      names: [s.delete.name || s.delete.pod], gracePeriodSeconds: s.delete.gracePeriodSeconds };
  }
  if (s.patch) {
    const kind = s.patch.kind || 'Pod';
    return { ...base, type: 'patch', namespace: ns(s.patch), resource: KINDS[kind.toLowerCase()] || 'pods',
      names: [s.patch.name], patchType: 'merge', patch: s.patch.patch };
  }
  if (s.cordon || s.uncordon) return { ...base, type: s.cordon ? 'cordon' : 'uncordon', node: s.cordon || s.uncordon };
  if (s.advance) return { ...base, type: 'advance', seconds: parseDuration(s.advance) };
  if (s.drain) {
    const d = s.drain;
    return { ...base, type: 'drain', node: d.node, opts: {
      ignoreDaemonSets: !!d.ignoreDaemonSets, deleteEmptyDirData: !!d.deleteEmptyDirData, force: !!d.force,
      timeout: d.timeout ? parseDuration(d.timeout) : 0, ...drainExtras(d.dryRun === true ? 'server' : d.dryRun, d.podSelector) } };
  }
  if (s.explain) return { ...base, type: 'explain', namespace: ns(s.explain), pod: s.explain.pod };
  if (s.fault) return { ...base, type: 'fault', rule: s.fault };
  if (s.create) return { ...base, type: 'create', object: s.create };
  return { ...base, type: 'note' };
}

// ---- kubectl drain --------------------------------------------------------------

// The filters of kubectl drain, in order (model/drain.c drain_filter):
// {kind: 'ok'|'warn'|'skip'|'error', del, msg}. dsExists(ns, name) says
// whether the pod's DaemonSet still exists.
export function drainFilter(pod, opts, dsExists) {
  const finished = ['Succeeded', 'Failed'].includes(pod.status?.phase);
  const ref = hasController(pod);
  if (ref && ref.kind === 'DaemonSet' && !finished) {
    if (!dsExists(pod.metadata.namespace, ref.name)) {
      const msg = `daemonsets.apps "${ref.name}" not found`;
      return opts.force ? { kind: 'warn', del: true, msg } : { kind: 'error', del: false, msg };
    }
    if (!opts.ignoreDaemonSets) return { kind: 'error', del: false, msg: 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)' };
    return { kind: 'warn', del: false, msg: 'ignoring DaemonSet-managed Pods' };
  }
  if (pod.metadata.annotations?.['kubernetes.io/config.mirror']) return { kind: 'skip', del: false, msg: 'mirror pod' };
  if (!finished && (pod.spec?.volumes || []).some((v) => v.emptyDir)) {
    if (!opts.deleteEmptyDirData) return { kind: 'error', del: false, msg: 'Pods with local storage (use --delete-emptydir-data to override)' };
    // a later filter's status replaces this warning, as in kubectl
  }
  return drainFilterUnreplicated(pod, opts, finished);
}

function drainFilterUnreplicated(pod, opts, finished) {
  if (finished || hasController(pod)) return { kind: 'ok', del: true, msg: '' };
  if (opts.force) return { kind: 'warn', del: true, msg: 'deleting Pods that declare no controller' };
  // as kubectl 1.30+: printed after another "cannot delete "
  return { kind: 'error', del: false, msg: 'cannot delete Pods that declare no controller (use --force to override)' };
}

// "web: 2 healthy, needs 2" from a 429's cause, as model/drain.c words it.
export function shortWhy(code, body, pdb) {
  const cm = body?.details?.causes?.[0]?.message || '';
  const m = /^The disruption budget \S+ needs (\d+) healthy pods and has (\d+) currently$/.exec(cm);
  if (code === 429 && m) return `PDB ${pdb || '?'}: ${m[2]} healthy, needs ${m[1]}`;
  if (code === 429 && cm.includes('still being processed')) return `PDB ${pdb || '?'}: status not yet processed by the disruption controller`;
  if (code >= 200 && code < 300) return pdb ? `allowed by PDB ${pdb}` : 'no PDB';
  return body?.message || '';
}

// Whether s parses as a label selector (labels.Parse): requirements split by
// commas outside parentheses, each key[ op value] or [!]key, keys and
// values as label names and values are written.
export function labelSelectorValid(s) {
  const name = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
  const key = `((([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)/)?${name}`;
  const value = `(${name})?`;
  const req = new RegExp(`^\\s*(!\\s*${key}|${key}(\\s*(=|==|!=)\\s*${value}|\\s+(in|notin)\\s*\\(\\s*${value}(\\s*,\\s*${value})*\\s*\\))?)\\s*$`);
  const parts = [];
  let depth = 0, cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
  }
  parts.push(cur);
  if (!s.trim()) return true;
  return depth === 0 && parts.every((p) => req.test(p));
}

// The kubectl command line a drain's options stand for.
export function drainCommand(node, opts = {}) {
  const f = [`kubectl drain ${node}`];
  if (opts.ignoreDaemonSets) f.push('--ignore-daemonsets');
  if (opts.deleteEmptyDirData) f.push('--delete-emptydir-data');
  if (opts.force) f.push('--force');
  if (opts.timeout) f.push(`--timeout=${goDuration(opts.timeout)}`);
  if (opts.podSelector) f.push(`--pod-selector=${/^[\w.\/=,!-]*$/.test(opts.podSelector) ? opts.podSelector : `'${opts.podSelector}'`}`);
  if (opts.dryRun) f.push(`--dry-run=${opts.dryRun}`);
  return f.join(' ');
}

// kubectl drain NODE against api, on a virtual clock:
//   api: node(name) → Node|null; cordon(name, dryRun) → {status, json};
//        podsOn(name, podSelector) → [Pod] (throws with the server's message);
//        daemonSetExists(ns, name) → bool; evict(ns, name, dryRun) → {status, json};
//        pod(ns, name) → Pod|null; lastEviction() → log entry or null
//   clock: now() → virtual seconds; until(t) → a promise resolved once now() >= t
//   out(line, kind): kubectl's lines ('out' | 'err') and the timeline ('info')
//   opts: {ignoreDaemonSets, deleteEmptyDirData, force, timeout (seconds, 0: none),
//          dryRun ('server': cordon and evictions sent with dryRun=All, no wait;
//          'client': nothing sent), podSelector (a label selector)}
//   stopped(): true when the user stopped it
// Resolves to {outcome: 'drained'|'failed'|'stopped', errors, left}.
export async function drain({ api, clock, node, opts = {}, out, stopped = () => false }) {
  const t0 = clock.now();
  const at = () => `t=+${goDuration(clock.now() - t0)}`;
  const info = (s, when = at()) => out(`${when} ${s}`, 'info');
  const errors = [];
  if (opts.podSelector && !labelSelectorValid(opts.podSelector)) { // kubectl's Complete(), before anything is sent
    out('error: --pod-selector=<pod_selector> must be a valid label selector', 'err');
    return { outcome: 'failed', errors: ['--pod-selector=<pod_selector> must be a valid label selector'], left: [] };
  }
  const dry = opts.dryRun === 'server' || opts.dryRun === 'client' ? opts.dryRun : null;
  const sfx = dry === 'server' ? ' (server dry run)' : dry === 'client' ? ' (dry run)' : '';
  const n = await api.node(node);
  if (!n) {
    out(`Error from server (NotFound): nodes "${node}" not found`, 'err');
    return { outcome: 'failed', errors: [`nodes "${node}" not found`], left: [] };
  }
  if (n.spec?.unschedulable) out(`node/${node} already cordoned${sfx}`, 'out');
  else {
    const r = dry === 'client' ? { status: 200 } : await api.cordon(node, dry === 'server');
    if (r.status >= 300) out(`error: unable to cordon node "${node}": ${r.json?.message}`, 'err');
    else out(`node/${node} cordoned${sfx}`, 'out');
  }
  const warn = new Map(), fatal = new Map(), todo = [];
  let listed;
  try {
    listed = await api.podsOn(node, opts.podSelector || '');
  } catch (e) {
    return finish([e.message], false);
  }
  for (const p of listed) {
    const who = `${p.metadata.namespace}/${p.metadata.name}`;
    const ref = hasController(p);
    const dsOk = ref?.kind === 'DaemonSet' ? await api.daemonSetExists(p.metadata.namespace, ref.name) : true;
    const f = drainFilter(p, opts, () => dsOk);
    const group = f.kind === 'error' ? fatal : f.kind === 'warn' ? warn : null;
    if (group) group.set(f.msg, [...(group.get(f.msg) || []), who]);
    if (f.kind === 'error') info(`cannot delete ${who}: ${f.msg}`);
    else if (!f.del) info(`skip ${who}: ${f.msg}`);
    if (f.del) todo.push({ ns: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid });
  }
  if (warn.size) out(`Warning: ${[...warn].map(([m, w]) => `${m}: ${w.join(', ')}`).join('; ')}`, 'err');
  for (const [m, w] of fatal) errors.push(`cannot delete ${m}: ${w.join(', ')}`);
  const deadline = opts.timeout > 0 ? t0 + opts.timeout : 0;
  const tout = goDuration(opts.timeout || 0);
  const one = async (p) => {
    if (dry === 'client') {
      out(`evicting pod ${p.ns}/${p.name} (dry run)`, 'out');
      info(`evict ${p.ns}/${p.name} (client dry run: not sent)`);
      return;
    }
    for (;;) {
      if (stopped()) return;
      out(`evicting pod ${p.ns}/${p.name}${sfx}`, 'out');
      if (deadline && clock.now() >= deadline) {
        const m = `error when evicting pods/"${p.name}" -n "${p.ns}": global timeout reached: ${tout}`;
        out(m, 'err'); errors.push(m); info(`evict ${p.ns}/${p.name} → gave up: global timeout reached: ${tout}`);
        return;
      }
      const sent = at();
      const r = await api.evict(p.ns, p.name, dry === 'server');
      const entry = api.lastEviction ? await api.lastEviction(p.ns, p.name) : null;
      info(`evict ${p.ns}/${p.name} → ${r.status} (${shortWhy(r.status, r.json, entry?.pdb)})`, sent);
      if (r.status >= 200 && r.status < 300 && dry) return; /* nothing to wait for */
      if (r.status >= 200 && r.status < 300) break;
      if (r.status === 404) return;
      if (r.status === 429) {
        out(`error when evicting pods/"${p.name}" -n "${p.ns}" (will retry after 5s): ${r.json?.message}`, 'err');
        await clock.until(clock.now() + 5);
        continue;
      }
      const m = `error when evicting pods/"${p.name}" -n "${p.ns}": ${r.json?.message}`;
      out(m, 'err'); errors.push(m);
      return;
    }
    let said = false;
    for (;;) {
      if (stopped()) return;
      const cur = await api.pod(p.ns, p.name);
      if (!cur || cur.metadata.uid !== p.uid) {
        out(`pod/${p.name} evicted`, 'out');
        info(`${p.ns}/${p.name} gone`);
        return;
      }
      if (deadline && clock.now() >= deadline) {
        const m = `error when waiting for pod "${p.name}" in namespace "${p.ns}" to terminate: global timeout reached: ${tout}`;
        out(m, 'err'); errors.push(m);
        return;
      }
      if (!said) info(`waiting for ${p.ns}/${p.name} to go (${cur.metadata.deletionTimestamp ? 'terminating' : 'not deleted'}${cur.metadata.finalizers?.length ? ', held by finalizers' : ''})`);
      said = true;
      await clock.until(clock.now() + 1);
    }
  };
  if (!fatal.size) await Promise.all(todo.map(one));
  return finish(errors, fatal.size === 0);

  // the end of RunDrain: drained, or kubectl's error lines
  async function finish(errs, filtered) {
    if (stopped()) {
      out(`drain of ${node} stopped`, 'info');
      return { outcome: 'stopped', errors: errs, left: [] };
    }
    if (!errs.length) {
      out(`node/${node} drained${sfx}`, 'out');
      info(`node/${node} drained${sfx}`);
      return { outcome: 'drained', errors: errs, left: [] };
    }
    const err = errs.length > 1 ? `[${errs.join(', ')}]` : errs[0];
    const left = [];
    for (const p of todo) {
      const cur = await api.pod(p.ns, p.name);
      if (cur && cur.spec?.nodeName === node) left.push(p.name);
    }
    if (filtered && left.length) {
      out(`There are pending pods in node "${node}" when an error occurred: ${err}`, 'err');
      for (const l of left) out(`pod/${l}`, 'err');
    }
    out(`error: unable to drain node "${node}" due to error: ${err}, continuing command...`, 'err');
    out('There are pending nodes to be drained:', 'err');
    out(` ${node}`, 'err');
    for (const e of errs) out(e, 'err');
    info(`drain failed: ${err}`);
    return { outcome: 'failed', errors: errs, left };
  }
}
