// The tests' own Kubernetes protobuf client, independent of evictsim's C
// transcoder: protobufjs (npm) reads the same upstream .proto files (proto/)
// and this file turns a JSON document into the message a client-go program
// would send (the "k8s\0" envelope around runtime.Unknown), and an answer's
// bytes back into a plain object. Test code only.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './server.mjs';

const require = createRequire(join(root, 'tests', 'clients', 'package.json'));
const protobuf = require('protobufjs');

const protoDir = join(root, 'proto');
function protoFiles(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? protoFiles(p) : f.endsWith('.proto') ? [p] : [];
  });
}
const pbRoot = new protobuf.Root();
pbRoot.resolvePath = (origin, target) => (target.startsWith('/') ? target : join(protoDir, target));
pbRoot.loadSync(protoFiles(protoDir), { keepCase: true });
pbRoot.resolveAll();

// Which fields Go embeds inline in JSON (upstream's json:",inline").
const inline = new Set();
for (const line of readFileSync(join(protoDir, 'goshape.tsv'), 'utf8').split('\n')) {
  const [msg, num, , flags] = line.split('\t');
  if (flags?.includes('i')) inline.add(`${msg}#${num}`);
}

const PKG = {
  '': 'core', apps: 'apps', policy: 'policy', batch: 'batch', 'scheduling.k8s.io': 'scheduling',
  'coordination.k8s.io': 'coordination', autoscaling: 'autoscaling', 'rbac.authorization.k8s.io': 'rbac',
  'networking.k8s.io': 'networking', 'authorization.k8s.io': 'authorization', 'authentication.k8s.io': 'authentication',
  'discovery.k8s.io': 'discovery', 'events.k8s.io': 'events', 'storage.k8s.io': 'storage',
};
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

export function typeOf(apiVersion, kind) {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PKG[g];
  const t = (pkg && pbRoot.lookup(`k8s.io.api.${pkg}.${v}.${kind}`)) || pbRoot.lookup(`${META}.${kind}`);
  return t instanceof protobuf.Type ? t : null;
}
export const Unknown = pbRoot.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
export const WatchEvent = pbRoot.lookupType(`${META}.WatchEvent`);
const name = (t) => t.fullName.replace(/^\./, '');

function parseTime(s) {
  const ms = Date.parse(s);
  const frac = /\.(\d+)/.exec(s);
  return { seconds: Math.floor(ms / 1000), nanos: frac ? Number(frac[1].padEnd(9, '0').slice(0, 9)) : 0 };
}

// A JSON value as the protobufjs plain object of field `f`'s type.
function value(f, v) {
  const t = f.resolvedType;
  if (!t) return f.type === 'bytes' ? Buffer.from(v, 'base64') : v;
  if (t instanceof protobuf.Enum) return v;
  switch (name(t)) {
    case `${META}.Time`: case `${META}.MicroTime`: return v === null ? {} : parseTime(v);
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity': return { string: String(v) };
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return typeof v === 'string' ? { type: 1, intVal: 0, strVal: v } : { type: 0, intVal: v, strVal: '' };
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension': return { raw: Buffer.from(JSON.stringify(v)) };
    case `${META}.FieldsV1`: return { Raw: Buffer.from(JSON.stringify(v)) };
    default: return toMessage(t, v);
  }
}

// JSON object → plain object of message type t (inline fields nested back).
export function toMessage(t, json, top = false) {
  const out = {};
  for (const [k, v] of Object.entries(json)) {
    if (top && (k === 'kind' || k === 'apiVersion')) continue;
    let target = out, f = t.fields[k];
    if (!f) {
      for (const inl of t.fieldsArray.filter((x) => inline.has(`${name(t)}#${x.id}`))) {
        if (inl.resolvedType.fields[k]) {
          target = out[inl.name] ??= {};
          f = inl.resolvedType.fields[k];
          break;
        }
      }
    }
    if (!f) continue;
    // null: left out, but a null metav1.Time is Go's zero time, an empty message
    if (v === null && !/\.(Micro)?Time$/.test(f.resolvedType?.fullName ?? '')) continue;
    if (f.map) target[k] = Object.fromEntries(Object.entries(v).map(([mk, mv]) => [mk, value(f, mv)]));
    else if (f.repeated) target[k] = v.map((e) => value(f, e));
    else target[k] = value(f, v);
  }
  return out;
}

// Bytes of a JSON document in the envelope, as a client-go program sends them.
export function encode(doc, { apiVersion = doc.apiVersion, kind = doc.kind, raw } = {}) {
  const t = typeOf(doc.apiVersion, doc.kind);
  if (!t) throw new Error(`no message for ${doc.apiVersion} ${doc.kind}`);
  const body = raw ?? t.encode(t.fromObject(toMessage(t, doc, true))).finish();
  const unk = Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion, kind }, raw: body, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unk]);
}

const plain = { defaults: true, longs: Number, bytes: String, arrays: true, objects: true };

// Enveloped bytes → {apiVersion, kind, object (plain, zero values filled)}.
export function decode(bytes) {
  const b = Buffer.from(bytes);
  if (b.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error(`no k8s envelope: ${b.subarray(0, 8).toString('hex')}`);
  const unk = Unknown.decode(b.subarray(4));
  const { apiVersion, kind } = unk.typeMeta;
  const t = typeOf(apiVersion, kind);
  return { apiVersion, kind, object: t.toObject(t.decode(unk.raw), plain) };
}

// A JSON document as decode() would show it after a protobuf round trip.
export function asDecoded(doc) {
  const t = typeOf(doc.apiVersion, doc.kind);
  return { apiVersion: doc.apiVersion, kind: doc.kind, object: t.toObject(t.fromObject(toMessage(t, doc, true)), plain) };
}

// Length-prefixed watch frames → [{type, apiVersion, kind, object}].
export function watchFrames(bytes) {
  const b = Buffer.from(bytes);
  const out = [];
  for (let i = 0; i + 4 <= b.length;) {
    const n = b.readUInt32BE(i);
    const ev = WatchEvent.decode(b.subarray(i + 4, i + 4 + n));
    out.push({ type: ev.type, ...decode(ev.object.raw) });
    i += 4 + n;
  }
  return out;
}

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

// A request whose body is bytes and whose answer is read as bytes.
export async function pbRequest(base, method, path, { body, type = PROTOBUF, accept } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = type;
  if (accept) headers.Accept = accept;
  const res = await fetch(base + path, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json;
  try { json = JSON.parse(bytes.toString('utf8')); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, bytes, json, type: res.headers.get('content-type') };
}
