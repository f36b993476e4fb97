/* protobuf: the k8s envelope and kinds over pbjson (server/proto/). Request
 * bodies become JSON text for the JSON path (so defaults, validation and
 * their errors are the JSON path's); answers are encoded from the JSON the
 * model wrote. Must not decide semantics nor walk wire bytes itself. */
#define _GNU_SOURCE
#include "protobuf.h"
#include "pbjson.h"
#include "status.h"
#include "fieldval.h"
#include "kinds.h"
#include "k8s.io/apimachinery/pkg/runtime/generated.pb-c.h"
#include "k8s.io/apimachinery/pkg/apis/meta/v1/generated.pb-c.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char prefix[4] = {'k', '8', 's', 0};

/* Built-in groups and the package of their messages. */
static const char *package_of(const char *group)
{
    static const char *const groups[][2] = {
        {"", "core"}, {"apps", "apps"}, {"policy", "policy"}, {"batch", "batch"},
        {"scheduling.k8s.io", "scheduling"}, {"coordination.k8s.io", "coordination"},
        {"autoscaling", "autoscaling"}, {"rbac.authorization.k8s.io", "rbac"},
        {"networking.k8s.io", "networking"}, {"authorization.k8s.io", "authorization"},
        {"authentication.k8s.io", "authentication"}, {"discovery.k8s.io", "discovery"},
        {"events.k8s.io", "events"}, {"storage.k8s.io", "storage"},
        {"meta.k8s.io", NULL},
    };
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
        if (!strcmp(group, groups[i][0]))
            return groups[i][1] ? groups[i][1] : "";
    return NULL;
}

/* The message named by the concatenation of parts (NULL-terminated). */
static const pb_msg *lookup(const char *const *parts)
{
    char name[256];
    size_t n = 0;
    for (; *parts; parts++) {
        size_t l = strlen(*parts);
        if (n + l + 1 > sizeof name)
            return NULL;
        memcpy(name + n, *parts, l);
        n += l;
    }
    name[n] = 0;
    return pbreg_find(name);
}

static const pb_msg *message_uncached(const char *group, const char *version, const char *kind)
{
    const char *pkg = package_of(group);
    /* DeleteOptions is read in every group version, custom ones too */
    if ((!pkg && strcmp(kind, "DeleteOptions")) || strchr(version, '.') || strchr(kind, '.'))
        return NULL;
    const pb_msg *m = NULL;
    if (pkg && *pkg)
        m = lookup((const char *const[]){"k8s.io.api.", pkg, ".", version, ".", kind, NULL});
    if (!m) /* kinds every group version has: DeleteOptions, Status, ... */
        m = lookup((const char *const[]){"k8s.io.apimachinery.pkg.apis.meta.v1.", kind, NULL});
    return m;
}

/* The message of a group/version/kind; the last few answers are kept per
 * thread (a client sends the same kinds over and over). */
static const pb_msg *message_of(const char *group, const char *version, const char *kind)
{
    static __thread struct { char key[96]; const pb_msg *m; } recent[8];
    static __thread unsigned next;
    char key[96];
    size_t lg = strlen(group), lv = strlen(version), lk = strlen(kind);
    if (lg + lv + lk + 3 > sizeof key)
        return message_uncached(group, version, kind);
    memcpy(key, group, lg);
    key[lg] = '/';
    memcpy(key + lg + 1, version, lv);
    key[lg + 1 + lv] = '/';
    memcpy(key + lg + lv + 2, kind, lk + 1);
    for (unsigned i = 0; i < 8; i++)
        if (recent[i].m && !strcmp(recent[i].key, key))
            return recent[i].m;
    const pb_msg *m = message_uncached(group, version, kind);
    if (m) {
        unsigned i = next++ % 8;
        memcpy(recent[i].key, key, lg + lv + lk + 3);
        recent[i].m = m;
    }
    return m;
}

bool protobuf_kind_known(const char *group, const char *version, const char *kind)
{
    return message_of(group, version, kind) != NULL;
}

/* ---- the schema of built-in kinds, for fieldValidation (fieldval.h) ---- */

static const void *schema_root(const char *group, const char *version, const char *kind)
{
    return message_of(group, version, kind);
}

/* The field of pm (or of one of its inline structs) named json. */
static const pb_field *schema_field(const pb_msg *pm, const char *json, int depth)
{
    for (unsigned i = 0; i < pm->nfields; i++)
        if (!(pm->fields[i].flags & PBF_INLINE) && !strcmp(pm->fields[i].json, json))
            return &pm->fields[i];
    for (unsigned i = 0; depth < 8 && i < pm->nfields; i++) {
        const pb_field *in = pm->fields[i].flags & PBF_INLINE && pm->fields[i].sub
                                 ? schema_field(pm->fields[i].sub, json, depth + 1)
                                 : NULL;
        if (in)
            return in;
    }
    return NULL;
}

/* Whether the Go type of a message embeds TypeMeta: a kind the registry
 * serves (PersistentVolumeClaim, not PodTemplateSpec) or one of the
 * options kinds (DeleteOptions, not SELinuxOptions). */
static bool has_type_meta(const pb_msg *pm)
{
    const char *short_name = strrchr(pm->d->name, '.') ? strrchr(pm->d->name, '.') + 1 : pm->d->name;
    static const char *const options[] = {"DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions",
                                          "GetOptions", "ListOptions", NULL};
    for (int i = 0; options[i]; i++)
        if (!strcmp(short_name, options[i]))
            return true;
    for (int k = 0; k < kind_count(); k++)
        if (!strcmp(kind_get((kind_id)k)->kind, short_name))
            return true;
    return false;
}

/* A message's own struct type, NULL for one with its own JSON form. */
static const void *struct_of(const pb_msg *m)
{
    return m && m->special == PBS_PLAIN ? m : NULL;
}

static fv_shape schema_member(const void *type, const char *name, const void **elem)
{
    const pb_msg *pm = type;
    *elem = NULL;
    const pb_field *f = schema_field(pm, name, 0);
    if (!f) /* a nested kind's TypeMeta (a StatefulSet's PVC templates, DeleteOptions) */
        return (!strcmp(name, "kind") || !strcmp(name, "apiVersion")) && has_type_meta(pm) ? FV_SCALAR : FV_UNKNOWN;
    const pb_msg *sub = f->sub;
    if (sub && sub->special == PBS_MAPENTRY) {
        const pb_field *vf = pbreg_field(sub, 2);
        *elem = vf ? struct_of(vf->sub) : NULL;
        return FV_MAP;
    }
    if (sub && (sub->special == PBS_RAWEXT || sub->special == PBS_FIELDSV1))
        return f->fd->label == PROTOBUF_C_LABEL_REPEATED ? FV_LIST : FV_ANY;
    *elem = struct_of(sub);
    if (f->fd->label == PROTOBUF_C_LABEL_REPEATED)
        return FV_LIST;
    return *elem ? FV_STRUCT : FV_SCALAR;
}

const fieldval_schema *protobuf_schema(void)
{
    static const fieldval_schema s = {.root = schema_root, .member = schema_member};
    return &s;
}

/* summarizeData (apiserver handlers/rest.go): the first 30 bytes in hex. */
static void summarize(const unsigned char *b, size_t n, char *out, size_t outlen)
{
    if (!n) {
        snprintf(out, outlen, "<empty>");
        return;
    }
    size_t k = n > 30 ? 30 : n, o = 0;
    if (b[0] == '{') {
        snprintf(out, outlen, "%.*s%s", (int)k, (const char *)b, n > 30 ? " ..." : "");
        return;
    }
    for (size_t i = 0; i < k && o + 3 < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, "%02x", b[i]);
    if (n > 30)
        snprintf(out + o, outlen - o, " ...");
}

static cJSON *unrecognized(const char *kind, const char *err, const unsigned char *b, size_t n)
{
    char sum[80];
    summarize(b, n, sum, sizeof sum);
    return status_failuref(400, "BadRequest", "the object provided is unrecognized (must be of type %s): %s (%s)",
                           kind, err, sum);
}

static char *split_api_version(const char *av, const char **group, const char **version)
{
    char *copy = strdup(av);
    char *slash = strchr(copy, '/');
    if (slash) {
        *slash = 0;
        *group = copy;
        *version = slash + 1;
    } else {
        *group = "";
        *version = copy;
    }
    return copy;
}

/* "kind":K,"apiVersion":AV as JSON members (malloc'd into *out). */
static bool plain_text(const char *s)
{
    /* printable ASCII but '"' and '\\' (one load and test a byte) */
    static const unsigned char plain[256] = {
        [0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1, /* '"' is 0x22, '\\' 0x5c */
    };
    while (plain[(unsigned char)*s])
        s++;
    return !*s;
}

static void dctx_head(char **out, const char *kind, const char *api_version)
{
    if (plain_text(kind) && plain_text(api_version)) {
        size_t lk = strlen(kind), la = strlen(api_version);
        char *o = *out = malloc(lk + la + 26);
        if (o) {
            memcpy(o, "\"kind\":\"", 8);
            memcpy(o + 8, kind, lk);
            memcpy(o + 8 + lk, "\",\"apiVersion\":\"", 16);
            memcpy(o + 24 + lk, api_version, la);
            memcpy(o + 24 + lk + la, "\"", 2);
        }
        return;
    }
    cJSON *k = cJSON_CreateString(kind), *av = cJSON_CreateString(api_version);
    char *ks = cJSON_PrintUnformatted(k), *avs = cJSON_PrintUnformatted(av);
    if (!ks || !avs || asprintf(out, "\"kind\":%s,\"apiVersion\":%s", ks, avs) < 0)
        *out = NULL;
    free(ks);
    free(avs);
    cJSON_Delete(k);
    cJSON_Delete(av);
}

char *protobuf_body_json(const unsigned char *b, size_t n, const char *group, const char *version,
                         const char *kind, size_t *len, cJSON **st)
{
    *st = NULL;
    if (!message_of(group, version, kind)) {
        /* custom resources: no protobuf (apiextensions' customresource_handler.go);
         * the body fails as it does decoding into Unstructured */
        *st = status_failuref(400, "BadRequest",
                              "%s in version \"%s\" cannot be handled as a %s: Object 'Kind' is missing in 'object has no kind field '",
                              kind, version, kind);
        return NULL;
    }
    if (n == 0) {
        *st = unrecognized(kind, "empty data", b, n);
        return NULL;
    }
    if (n < 4 || memcmp(b, prefix, 4)) {
        *st = unrecognized(kind,
                           "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
                           b, n);
        return NULL;
    }
    if (n == 4) {
        *st = unrecognized(kind, "empty body", b, n);
        return NULL;
    }
    const pb_msg *um = pbreg_of(&k8s__io__apimachinery__pkg__runtime__unknown__descriptor);
    pbjson_arena ar;
    pbjson_arena_init(&ar);
    K8s__Io__Apimachinery__Pkg__Runtime__Unknown *unk =
        (K8s__Io__Apimachinery__Pkg__Runtime__Unknown *)pbjson_unpack(um, b + 4, n - 4, &ar);
    if (!unk) {
        pbjson_arena_done(&ar);
        char *e = pbjson_error(um, b + 4, n - 4);
        *st = unrecognized(kind, e ? e : "unexpected EOF", b, n);
        free(e);
        return NULL;
    }
    /* the envelope's group/version/kind, defaulted from the endpoint's */
    const char *av = unk->typemeta && unk->typemeta->apiversion ? unk->typemeta->apiversion : "";
    const char *k = unk->typemeta && unk->typemeta->kind && *unk->typemeta->kind ? unk->typemeta->kind : kind;
    const char *g = group, *v = version;
    char avbuf[128], *avcopy = NULL;
    if (*av && strlen(av) < sizeof avbuf) { /* split in place: "group/version" or "version" */
        strcpy(avbuf, av);
        char *slash = strchr(avbuf, '/');
        g = slash ? avbuf : "";
        v = slash ? slash + 1 : avbuf;
        if (slash)
            *slash = 0;
    } else if (*av) {
        avcopy = split_api_version(av, &g, &v);
    }
    char *json = NULL;
    size_t lg = strlen(g), lv = strlen(v);
    char *api_version = malloc(lg + lv + 2);
    if (api_version) {
        memcpy(api_version, g, lg);
        api_version[lg] = '/';
        memcpy(api_version + (lg ? lg + 1 : 0), v, lv + 1);
    }
    /* An envelope naming a kind this group version does not have is read as
     * the endpoint's: the JSON path then judges its kind and apiVersion. */
    const pb_msg *m = message_of(g, v, k);
    if (!m)
        m = message_of(group, version, kind);
    /* kind and apiVersion first, as Go's encoder writes TypeMeta */
    char *head = NULL, *err = NULL;
    dctx_head(&head, k, api_version ? api_version : "");
    json = m && head ? pbjson_decode(m, unk->has_raw ? unk->raw.data : (const uint8_t *)"", unk->has_raw ? unk->raw.len : 0,
                                     head, len, &err)
                     : NULL;
    if (!json)
        *st = status_failuref(400, "BadRequest", "%s in version \"%s\" cannot be handled as a %s: %s", k, v, kind,
                              err ? err : "unexpected EOF");
    free(head);
    free(err);
    free(api_version);
    free(avcopy);
    pbjson_arena_done(&ar);
    return json;
}

/* The walk of name_only_members over a message as protobuf-c initialises
 * it, kept for each message (a few at most): the members it writes in
 * order, and where the name, namespace and metadata pointers are. A message
 * equal to that one in every other byte is written by the plan, without
 * the walk; any other by the walk. */
typedef struct {
    enum { STEP_NULL, STEP_NAME, STEP_META } op;
    const char *json;
    size_t offset;     /* STEP_NAME: of the char *; STEP_META: of the message pointer */
    const pb_msg *sub; /* STEP_META */
} name_step;

#define NAME_PLAN_MASKS 4
typedef struct {
    const pb_msg *pm;
    bool meta, usable;
    unsigned char *init; /* the message as protobuf-c initialises it */
    name_step *steps;
    unsigned nsteps;
    size_t mask[NAME_PLAN_MASKS]; /* the offsets of the pointers not compared, ascending */
    unsigned nmask;
} name_plan;

#define NAME_PLANS 8
static name_plan name_plans[NAME_PLANS];
static unsigned name_plan_count; /* published with release after the plan is built */
static pthread_mutex_t name_plan_mu = PTHREAD_MUTEX_INITIALIZER;

static bool is_meta_field(const pb_field *f, bool meta)
{
    return !meta && f->sub && f->sub->d == &k8s__io__apimachinery__pkg__apis__meta__v1__object_meta__descriptor &&
           !(f->flags & PBF_INLINE) && f->fd->label != PROTOBUF_C_LABEL_REPEATED;
}

static void name_plan_build(name_plan *p, const pb_msg *pm, bool meta)
{
    *p = (name_plan){.pm = pm, .meta = meta};
    p->init = calloc(1, pm->d->sizeof_message);
    p->steps = malloc((pm->nfields ? pm->nfields : 1) * sizeof *p->steps);
    if (!p->init || !p->steps)
        return;
    protobuf_c_message_init(pm->d, p->init);
    int names = 0;
    for (unsigned i = 0; i < pm->nfields; i++) {
        const pb_field *f = &pm->fields[i];
        name_step *st = &p->steps[p->nsteps];
        if (is_meta_field(f, meta) || (meta && (f->fd->id == 1 || f->fd->id == 3))) {
            if (p->nmask == NAME_PLAN_MASKS)
                return;
            unsigned k = p->nmask++;
            for (; k > 0 && p->mask[k - 1] > f->fd->offset; k--)
                p->mask[k] = p->mask[k - 1];
            p->mask[k] = f->fd->offset;
        }
        if (is_meta_field(f, meta)) {
            *st = (name_step){STEP_META, f->json, f->fd->offset, f->sub};
            p->nsteps++;
            names = 2;
        } else if (meta && (f->fd->id == 1 || f->fd->id == 3)) {
            if (f->fd->type != PROTOBUF_C_TYPE_STRING || f->fd->label == PROTOBUF_C_LABEL_REPEATED)
                return;
            *st = (name_step){STEP_NAME, f->json, f->fd->offset, NULL};
            p->nsteps++;
            names++;
        } else {
            int w = pbjson_field_plain(f, (const ProtobufCMessage *)p->init);
            if (w == PBJ_OTHER)
                return;
            if (w == PBJ_NULL)
                p->steps[p->nsteps++] = (name_step){STEP_NULL, f->json, 0, NULL};
        }
    }
    p->usable = names == 2;
}

static const name_plan *name_plan_of(const pb_msg *pm, bool meta)
{
    unsigned n = __atomic_load_n(&name_plan_count, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (name_plans[i].pm == pm && name_plans[i].meta == meta)
            return name_plans[i].usable ? &name_plans[i] : NULL;
    const name_plan *found = NULL;
    pthread_mutex_lock(&name_plan_mu);
    n = name_plan_count;
    for (unsigned i = 0; i < n && !found; i++)
        if (name_plans[i].pm == pm && name_plans[i].meta == meta)
            found = &name_plans[i];
    if (!found && n < NAME_PLANS) {
        name_plan_build(&name_plans[n], pm, meta);
        __atomic_store_n(&name_plan_count, n + 1, __ATOMIC_RELEASE);
        found = &name_plans[n];
    }
    pthread_mutex_unlock(&name_plan_mu);
    return found && found->usable ? found : NULL;
}

/* Whether m equals the plan's initialised message past the
 * ProtobufCMessage header (unknown fields are dropped by the decoder too),
 * the name, namespace and metadata pointers aside. */
static bool name_plan_fits(const name_plan *p, const ProtobufCMessage *m)
{
    size_t at = sizeof(ProtobufCMessage), end = p->pm->d->sizeof_message;
    const unsigned char *a = (const unsigned char *)m;
    for (unsigned i = 0; i <= p->nmask; i++) {
        size_t skip = i < p->nmask ? p->mask[i] : end;
        if (skip < at || memcmp(a + at, p->init + at, skip - at))
            return false;
        at = skip + sizeof(void *);
    }
    return true;
}

/* v as doc's member key, the key not copied: a JSON name of pbreg's tables
 * or a literal, which live as long as the program (cJSON leaves a const
 * key alone when it deletes the tree). */
static void add_const_key(cJSON *doc, const char *key, cJSON *v)
{
    if (v && !cJSON_AddItemToObjectCS(doc, key, v))
        cJSON_Delete(v);
}

/* The object's members as pbjson_decode writes them, added to doc, when
 * they are nothing but nulls and (in metadata) a plain name and namespace;
 * false for anything else. */
static bool name_only_members(const pb_msg *pm, const ProtobufCMessage *m, cJSON *doc, bool meta)
{
    const name_plan *p = name_plan_of(pm, meta);
    if (p && name_plan_fits(p, m)) {
        for (unsigned i = 0; i < p->nsteps; i++) {
            const name_step *st = &p->steps[i];
            const void *at = (const char *)m + st->offset;
            if (st->op == STEP_NULL) {
                add_const_key(doc, st->json, cJSON_CreateNull());
            } else if (st->op == STEP_NAME) {
                const char *v = *(char *const *)at;
                if (!v || !*v || !plain_text(v))
                    return false;
                add_const_key(doc, st->json, cJSON_CreateString(v));
            } else {
                const ProtobufCMessage *md = *(const ProtobufCMessage *const *)at;
                cJSON *o = cJSON_CreateObject();
                add_const_key(doc, st->json, o);
                if (!md || !o || !name_only_members(st->sub, md, o, true))
                    return false;
            }
        }
        return true;
    }
    int names = 0;
    for (unsigned i = 0; i < pm->nfields; i++) {
        const pb_field *f = &pm->fields[i];
        const void *p = (const char *)m + f->fd->offset;
        if (is_meta_field(f, meta)) {
            const ProtobufCMessage *md = *(const ProtobufCMessage *const *)p;
            if (!md || !name_only_members(f->sub, md, cJSON_AddObjectToObject(doc, f->json), true))
                return false;
            names = 2;
            continue;
        }
        if (meta && (f->fd->id == 1 || f->fd->id == 3)) { /* ObjectMeta's name and namespace */
            const char *v = *(char *const *)p;
            if (!v || !*v || !plain_text(v))
                return false;
            cJSON_AddStringToObject(doc, f->json, v);
            names++;
            continue;
        }
        int w = pbjson_field_plain(f, m);
        if (w == PBJ_OTHER)
            return false;
        if (w == PBJ_NULL)
            cJSON_AddNullToObject(doc, f->json);
    }
    return names == 2;
}

cJSON *protobuf_body_name_only(const unsigned char *b, size_t n, const char *group, const char *version,
                               const char *kind)
{
    /* the endpoint's message and apiVersion, kept for the last endpoint of
     * this thread (a server asks for the same one over and over) */
    static __thread struct {
        char group[64], version[32], kind[64], api_version[128];
        const pb_msg *m;
    } last;
    if (n <= 4 || memcmp(b, prefix, 4))
        return NULL;
    if (!last.m || strcmp(kind, last.kind) || strcmp(version, last.version) || strcmp(group, last.group)) {
        const pb_msg *m = message_of(group, version, kind);
        size_t lg = strlen(group), lv = strlen(version), lk = strlen(kind);
        last.m = NULL;
        if (!m || m->special != PBS_PLAIN || lg >= sizeof last.group || lv >= sizeof last.version ||
            lk >= sizeof last.kind || !plain_text(kind) || !plain_text(group) || !plain_text(version))
            return NULL;
        memcpy(last.group, group, lg + 1);
        memcpy(last.version, version, lv + 1);
        memcpy(last.kind, kind, lk + 1);
        memcpy(last.api_version, group, lg);
        last.api_version[lg] = '/';
        memcpy(last.api_version + (lg ? lg + 1 : 0), version, lv + 1);
        last.m = m;
    }
    const pb_msg *m = last.m;
    const char *api_version = last.api_version;
    pbjson_arena ar;
    pbjson_arena_init(&ar);
    static const pb_msg *um; /* pbreg's tables are built once and never change */
    if (!__atomic_load_n(&um, __ATOMIC_ACQUIRE))
        __atomic_store_n(&um, pbreg_of(&k8s__io__apimachinery__pkg__runtime__unknown__descriptor), __ATOMIC_RELEASE);
    /* the envelope and the object in its raw in one unpack, raw not copied */
    const ProtobufCMessage *obj = NULL;
    const K8s__Io__Apimachinery__Pkg__Runtime__Unknown *unk = (const void *)pbjson_unpack_nested(um, 2, m, b + 4, n - 4,
                                                                                                &ar, &obj);
    if (!unk || !unk->typemeta || !unk->typemeta->kind || !unk->typemeta->apiversion ||
        strcmp(unk->typemeta->kind, kind) || strcmp(unk->typemeta->apiversion, api_version))
        obj = NULL;
    cJSON *doc = NULL;
    if (obj) { /* kind and apiVersion first, as protobuf_body_json's head */
        doc = cJSON_CreateObject();
        add_const_key(doc, "kind", cJSON_CreateString(kind));
        add_const_key(doc, "apiVersion", cJSON_CreateString(api_version));
        if (!doc || !name_only_members(m, obj, doc, false)) {
            cJSON_Delete(doc);
            doc = NULL;
        }
    }
    pbjson_arena_done(&ar);
    return doc;
}

/* A string member of o (absent: ""), or NULL when it is not a string. */
static char *member_str(const cJSON *o, const char *key, bool *ok)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return (char *)"";
    if (!cJSON_IsString(v))
        *ok = false;
    return v->valuestring ? v->valuestring : (char *)"";
}

/* A member that is an int32 (absent: 0), else *ok false. */
static int32_t member_int32(const cJSON *o, const char *key, bool *ok)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int32_t)v->valuedouble)
        *ok = false;
    return cJSON_IsNumber(v) ? (int32_t)v->valuedouble : 0;
}

/* A Status the common way (what every refused or dry-run eviction answers):
 * its message packed from the tree by protobuf-c as pbjson_encode packs it,
 * with every field Go writes (empty strings and zeros included), without
 * pbjson's walk by name. NULL when the tree has anything unusual (then
 * pbjson_encode does it). */
#define STATUS_MAX_CAUSES 8
static uint8_t *status_message(const cJSON *doc, size_t *len)
{
    bool ok = true;
    K8s__Io__Apimachinery__Pkg__Apis__Meta__V1__ListMeta lm = K8S__IO__APIMACHINERY__PKG__APIS__META__V1__LIST_META__INIT;
    K8s__Io__Apimachinery__Pkg__Apis__Meta__V1__Status st = K8S__IO__APIMACHINERY__PKG__APIS__META__V1__STATUS__INIT;
    K8s__Io__Apimachinery__Pkg__Apis__Meta__V1__StatusDetails dt = K8S__IO__APIMACHINERY__PKG__APIS__META__V1__STATUS_DETAILS__INIT;
    K8s__Io__Apimachinery__Pkg__Apis__Meta__V1__StatusCause cause[STATUS_MAX_CAUSES], *causes[STATUS_MAX_CAUSES];
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    if (md && (!cJSON_IsObject(md) || md->child))
        return NULL;
    lm.selflink = lm.resourceversion = lm.continue_ = (char *)"";
    st.metadata = &lm;
    st.status = member_str(doc, "status", &ok);
    st.message = member_str(doc, "message", &ok);
    st.reason = member_str(doc, "reason", &ok);
    st.has_code = 1;
    st.code = member_int32(doc, "code", &ok);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "details");
    if (d) {
        if (!cJSON_IsObject(d))
            return NULL;
        st.details = &dt;
        dt.name = member_str(d, "name", &ok);
        dt.group = member_str(d, "group", &ok);
        dt.kind = member_str(d, "kind", &ok);
        dt.uid = member_str(d, "uid", &ok);
        dt.has_retryafterseconds = 1;
        dt.retryafterseconds = member_int32(d, "retryAfterSeconds", &ok);
        const cJSON *cs = cJSON_GetObjectItemCaseSensitive(d, "causes"), *c;
        if (cs && !cJSON_IsArray(cs))
            return NULL;
        cJSON_ArrayForEach(c, cs) {
            if (!cJSON_IsObject(c) || dt.n_causes == STATUS_MAX_CAUSES)
                return NULL;
            K8s__Io__Apimachinery__Pkg__Apis__Meta__V1__StatusCause *k = &cause[dt.n_causes];
            k8s__io__apimachinery__pkg__apis__meta__v1__status_cause__init(k);
            k->reason = member_str(c, "reason", &ok);
            k->message = member_str(c, "message", &ok);
            k->field = member_str(c, "field", &ok);
            causes[dt.n_causes++] = k;
        }
        dt.causes = causes;
    }
    if (!ok)
        return NULL;
    size_t n = protobuf_c_message_get_packed_size(&st.base);
    uint8_t *out = malloc(n ? n : 1);
    if (out)
        *len = protobuf_c_message_pack(&st.base, out);
    return out;
}

unsigned char *protobuf_encode(const cJSON *doc, size_t *len)
{
    const char *av = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "apiVersion"));
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kind"));
    if (!av || !kind)
        return NULL;
    const char *g, *v;
    char *copy = split_api_version(av, &g, &v);
    const pb_msg *m = message_of(g, v, kind);
    free(copy);
    if (!m)
        return NULL;
    size_t rawlen;
    char *err = NULL;
    uint8_t *raw = !strcmp(kind, "Status") && !strcmp(av, "v1") ? status_message(doc, &rawlen) : NULL;
    if (!raw)
        raw = pbjson_encode(m, doc, &rawlen, &err);
    free(err);
    if (!raw)
        return NULL;
    K8s__Io__Apimachinery__Pkg__Runtime__TypeMeta tm = K8S__IO__APIMACHINERY__PKG__RUNTIME__TYPE_META__INIT;
    K8s__Io__Apimachinery__Pkg__Runtime__Unknown unk = K8S__IO__APIMACHINERY__PKG__RUNTIME__UNKNOWN__INIT;
    tm.apiversion = (char *)av;
    tm.kind = (char *)kind;
    unk.typemeta = &tm;
    unk.has_raw = 1;
    unk.raw.data = raw;
    unk.raw.len = rawlen;
    unk.contentencoding = (char *)"";
    unk.contenttype = (char *)"";
    size_t n = protobuf_c_message_get_packed_size(&unk.base);
    unsigned char *out = malloc(n + 4);
    if (out) {
        memcpy(out, prefix, 4);
        *len = 4 + protobuf_c_message_pack(&unk.base, out + 4);
    }
    free(raw);
    return out;
}

/* Texts encoded lately, by their hash: a memo of 1,024 texts, four ways a
 * set, so that a few texts falling in one set do not push each other out
 * (with two ways, three of a 100-budget cluster's refusals in one set,
 * which happens, missed over and over: 13k instructions each). A full set
 * gives up its oldest text. */
#define MEMO_SET_BITS 8
#define MEMO_SETS (1u << MEMO_SET_BITS)
#define MEMO_WAYS 4
#define MEMO_MAX_TEXT 2048
static struct {
    pthread_mutex_t mu;
    struct memo_slot {
        uint64_t hash;
        char *text;
        size_t tlen, blen;
        unsigned char *bytes;
    } slot[MEMO_SETS][MEMO_WAYS];
    unsigned char oldest[MEMO_SETS]; /* the way filled longest ago */
} memo = {.mu = PTHREAD_MUTEX_INITIALIZER};

static struct memo_slot *memo_find(size_t set, uint64_t h, const char *text, size_t n)
{
    for (int w = 0; w < MEMO_WAYS; w++) {
        struct memo_slot *m = &memo.slot[set][w];
        if (m->text && m->hash == h && m->tlen == n && !memcmp(m->text, text, n))
            return m;
    }
    return NULL;
}

static uint64_t text_hash(const char *text, size_t n)
{
    /* a multiply a word, four words at a time in four lanes: only the top
     * bits of h depend on every bit before, so the set is taken from them
     * (the text is compared in full anyway) */
    const uint64_t mul = 0x9e3779b97f4a7c15ull;
    uint64_t h = 14695981039346656037ull ^ n, h1 = 1, h2 = 2, h3 = 3, w0, w1, w2, w3;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        memcpy(&w0, text + i, 8);
        memcpy(&w1, text + i + 8, 8);
        memcpy(&w2, text + i + 16, 8);
        memcpy(&w3, text + i + 24, 8);
        h = (h ^ w0) * mul;
        h1 = (h1 ^ w1) * mul;
        h2 = (h2 ^ w2) * mul;
        h3 = (h3 ^ w3) * mul;
    }
    h = (((h ^ h1) * mul ^ h2) * mul ^ h3) * mul;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w0, text + i, 8);
        h = (h ^ w0) * mul;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)text[i]) * mul;
    return h;
}

unsigned char *protobuf_encode_text(const char *text, size_t n, size_t *len)
{
    uint64_t h = text_hash(text, n);
    size_t set = (size_t)(h >> (64 - MEMO_SET_BITS));
    unsigned char *out = NULL;
    if (n <= MEMO_MAX_TEXT) {
        pthread_mutex_lock(&memo.mu);
        const struct memo_slot *m = memo_find(set, h, text, n);
        if (m && (out = malloc(m->blen ? m->blen : 1))) {
            memcpy(out, m->bytes, m->blen);
            *len = m->blen;
        }
        pthread_mutex_unlock(&memo.mu);
        if (out)
            return out;
    }
    cJSON *doc = cJSON_ParseWithLength(text, n);
    out = doc ? protobuf_encode(doc, len) : NULL;
    cJSON_Delete(doc);
    if (out && n <= MEMO_MAX_TEXT) {
        char *t = malloc(n);
        unsigned char *b = malloc(*len ? *len : 1);
        if (t && b) {
            memcpy(t, text, n);
            memcpy(b, out, *len);
            pthread_mutex_lock(&memo.mu);
            if (!memo_find(set, h, text, n)) { /* another thread may have put it in meanwhile */
                int w = memo.oldest[set];
                memo.oldest[set] = (unsigned char)((w + 1) % MEMO_WAYS);
                struct memo_slot *m = &memo.slot[set][w];
                free(m->text);
                free(m->bytes);
                *m = (struct memo_slot){h, t, n, *len, b};
                t = NULL;
                b = NULL;
            }
            pthread_mutex_unlock(&memo.mu);
        }
        free(t);
        free(b);
    }
    return out;
}

unsigned char *protobuf_watch_frame(const char *type, const cJSON *obj, size_t *len)
{
    size_t olen;
    unsigned char *o = protobuf_encode(obj, &olen);
    if (!o)
        return NULL;
    K8s__Io__Apimachinery__Pkg__Runtime__RawExtension raw = K8S__IO__APIMACHINERY__PKG__RUNTIME__RAW_EXTENSION__INIT;
    K8s__Io__Apimachinery__Pkg__Apis__Meta__V1__WatchEvent ev = K8S__IO__APIMACHINERY__PKG__APIS__META__V1__WATCH_EVENT__INIT;
    raw.has_raw = 1;
    raw.raw.data = o;
    raw.raw.len = olen;
    ev.type = (char *)type;
    ev.object = &raw;
    size_t n = protobuf_c_message_get_packed_size(&ev.base);
    unsigned char *out = malloc(n + 4);
    if (out) {
        size_t w = protobuf_c_message_pack(&ev.base, out + 4);
        out[0] = (unsigned char)(w >> 24);
        out[1] = (unsigned char)(w >> 16);
        out[2] = (unsigned char)(w >> 8);
        out[3] = (unsigned char)w;
        *len = w + 4;
    }
    free(o);
    return out;
}
