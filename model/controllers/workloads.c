/* workloads: what the workload controllers share: the per-controller work
 * queue on the virtual clock, controller references and adoption (ClaimPods),
 * pod predicates, pod creation from a template, writes that skip no-ops and
 * bump generation, the pod-template hash and intOrString scaling. Owns no
 * controller logic and never writes from a store listener. */
#define _GNU_SOURCE
#include "workloads.h"
#include "xalloc.h"
#include "pod.h"
#include "cJSON_Utils.h"
#include "defaults.h"
#include "shape.h"
#include "generic.h"
#include "registry.h"
#include "json.h"
#include "kubelet.h"
#include "meta.h"
#include "rest.h"
#include "selector.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the work queue ----------------------------------------------------- */

typedef struct qkey {
    UT_hash_handle hh;
    char key[];
} qkey;

struct wl_queue {
    cluster *c;
    wl_sync_fn fn;
    void *ctrl;
    qkey *keys;
    uint64_t timer;
};

typedef struct {
    wl_queue *q;
    char key[]; /* "" for the at-now timer */
} qtoken;

static void queue_timer(void *ctx, uint64_t id);

wl_queue *wl_queue_new(cluster *c, wl_sync_fn fn, void *ctrl)
{
    wl_queue *q = xcalloc(1, sizeof *q);
    q->c = c;
    q->fn = fn;
    q->ctrl = ctrl;
    return q;
}

static void queue_key(wl_queue *q, const char *key)
{
    qkey *k;
    HASH_FIND_STR(q->keys, key, k);
    if (!k) {
        k = xmalloc(sizeof *k + strlen(key) + 1);
        strcpy(k->key, key);
        HASH_ADD_STR(q->keys, key, k);
    }
    if (!q->timer) {
        qtoken *t = xcalloc(1, sizeof *t + 1);
        t->q = q;
        q->timer = clock_at(q->c->clk, cluster_now(q->c), queue_timer, t);
    }
}

void wl_queue_add_n(wl_queue *q, const char *ns, const char *name, size_t n)
{
    char buf[512];
    size_t ln = strlen(ns ? ns : ""), len = ln + 1 + n;
    char *key = len < sizeof buf ? buf : xmalloc(len + 1);
    memcpy(key, ns ? ns : "", ln);
    key[ln] = '/';
    memcpy(key + ln + 1, name, n);
    key[len] = 0;
    queue_key(q, key);
    if (key != buf)
        free(key);
}

void wl_queue_add(wl_queue *q, const char *ns, const char *name)
{
    wl_queue_add_n(q, ns, name, strlen(name));
}

bool wl_stored_controller(const store_obj *pod, const char *kind, const char **name, size_t *n)
{
    if (!store_controller_key(pod))
        return false;
    size_t kl;
    const char *k = store_controller_field(pod, 1, &kl);
    *name = k && kl == strlen(kind) && !memcmp(k, kind, kl) ? store_controller_field(pod, 2, n) : NULL;
    return true;
}

wl_ctrl *wl_ctrl_attach(cluster *c, wl_sync_fn sync, store_listener on_change)
{
    wl_ctrl *w = xcalloc(1, sizeof *w);
    w->c = c;
    w->q = wl_queue_new(c, sync, w);
    store_listen(c->st, on_change, w);
    return w;
}

void wl_ctrl_reset(void *state)
{
    wl_queue_clear(((wl_ctrl *)state)->q);
}

void wl_ctrl_free(void *state)
{
    wl_ctrl *w = state;
    wl_queue_free(w->q);
    free(w);
}

void wl_queue_pod_owner(cluster *c, wl_queue *q, kind_id kind, const store_obj *pod, const cJSON *doc)
{
    const char *kname = kind_get(kind)->kind, *name;
    size_t nl;
    if (!doc && wl_stored_controller(pod, kname, &name, &nl)) { /* as stored: no tree */
        if (name)
            wl_queue_add_n(q, pod->ns, name, nl);
        return;
    }
    const cJSON *ref = doc ? wl_controller_ref(doc) : NULL;
    if (ref) {
        if (jstr(ref, "kind") && !strcmp(jstr(ref, "kind"), kname) && jstr(ref, "name"))
            wl_queue_add(q, pod->ns, jstr(ref, "name"));
        return;
    }
    if (!doc)
        doc = store_doc(pod);
    if (!pod_active(doc))
        return;
    size_t n;
    store_obj **sets = store_list(c->st, kind, pod->ns, &n);
    for (size_t i = 0; i < n; i++) {
        labelsel *sel = wl_selector(kind, store_doc(sets[i]));
        if (sel && labelsel_matches(sel, jget(doc, "metadata.labels")))
            wl_queue_add(q, sets[i]->ns, sets[i]->name);
        labelsel_free(sel);
    }
    free(sets);
}

void wl_queue_after(wl_queue *q, const char *ns, const char *name, double when)
{
    size_t n = strlen(ns ? ns : "") + strlen(name) + 2;
    qtoken *t = xcalloc(1, sizeof *t + n);
    t->q = q;
    snprintf(t->key, n, "%s/%s", ns ? ns : "", name);
    clock_at(q->c->clk, when, queue_timer, t);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp((*(qkey *const *)a)->key, (*(qkey *const *)b)->key);
}

static void queue_run(wl_queue *q)
{
    size_t n = HASH_COUNT(q->keys), i = 0;
    qkey **keys = xmalloc((n ? n : 1) * sizeof *keys), *k, *tmp;
    HASH_ITER(hh, q->keys, k, tmp) {
        HASH_DEL(q->keys, k);
        keys[i++] = k;
    }
    qsort(keys, n, sizeof *keys, key_cmp);
    for (i = 0; i < n; i++) {
        char *slash = strchr(keys[i]->key, '/');
        *slash = 0;
        q->fn(q->ctrl, keys[i]->key, slash + 1);
        free(keys[i]);
    }
    free(keys);
}

static void queue_timer(void *ctx, uint64_t id)
{
    qtoken *t = ctx;
    wl_queue *q = t->q;
    if (!id) {
        free(t);
        return;
    }
    if (*t->key) {
        queue_key(q, t->key);
    } else {
        q->timer = 0;
        queue_run(q);
    }
    free(t);
}

void wl_queue_clear(wl_queue *q)
{
    qkey *k, *tmp;
    HASH_ITER(hh, q->keys, k, tmp) {
        HASH_DEL(q->keys, k);
        free(k);
    }
}

void wl_queue_free(wl_queue *q)
{
    if (!q)
        return;
    wl_queue_clear(q);
    if (q->timer)
        clock_cancel(q->c->clk, q->timer);
    free(q);
}

/* ---- owner references --------------------------------------------------- */

const cJSON *wl_controller_ref(const cJSON *doc)
{
    cJSON *r;
    cJSON_ArrayForEach(r, jget(doc, "metadata.ownerReferences"))
        if (jbool(r, "controller"))
            return r;
    return NULL;
}

bool wl_controlled_by(const cJSON *doc, const char *uid)
{
    const cJSON *r = wl_controller_ref(doc);
    const char *u = r ? jstr(r, "uid") : NULL;
    return u && uid && !strcmp(u, uid);
}

cJSON *wl_owner_ref(const cJSON *owner)
{
    cJSON *r = cJSON_CreateObject();
    const char *av = jstr(owner, "apiVersion"), *k = jstr(owner, "kind");
    const char *name = jstr(owner, "metadata.name"), *uid = jstr(owner, "metadata.uid");
    cJSON_AddStringToObject(r, "apiVersion", av ? av : "");
    cJSON_AddStringToObject(r, "kind", k ? k : "");
    cJSON_AddStringToObject(r, "name", name ? name : "");
    cJSON_AddStringToObject(r, "uid", uid ? uid : "");
    cJSON_AddBoolToObject(r, "controller", true);
    cJSON_AddBoolToObject(r, "blockOwnerDeletion", true);
    return r;
}

/* ---- pods ---------------------------------------------------------------- */

double wl_pod_ready_since(const cJSON *pod)
{
    if (!pod_ready_live(pod))
        return 0;
    cJSON *c;
    cJSON_ArrayForEach(c, jget(pod, "status.conditions")) {
        const char *t = jstr(c, "type");
        double when;
        if (t && !strcmp(t, "Ready"))
            return clock_parse(jstr(c, "lastTransitionTime") ? jstr(c, "lastTransitionTime") : "", &when) ? 0 : when;
    }
    return 0;
}

bool wl_pod_available(const cJSON *pod, double min_ready, double now, double *later)
{
    if (!pod_ready_live(pod))
        return false;
    if (min_ready <= 0)
        return true;
    double since = wl_pod_ready_since(pod);
    if (since + min_ready <= now)
        return true;
    if (later && (*later == 0 || since + min_ready < *later))
        *later = since + min_ready;
    return false;
}

/* Move metadata keys into the order ObjectMeta marshals them. */
static void order_metadata(cJSON *md)
{
    static const char *const order[] = {"name", "generateName", "namespace", "uid", "resourceVersion",
                                        "generation", "creationTimestamp", "deletionTimestamp",
                                        "deletionGracePeriodSeconds", "labels", "annotations",
                                        "ownerReferences", "finalizers", NULL};
    cJSON *tmp = cJSON_CreateObject();
    for (int i = 0; order[i]; i++) {
        cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(md, order[i]);
        if (v)
            cJSON_AddItemToObject(tmp, order[i], v);
    }
    while (md->child) {
        cJSON *v = cJSON_DetachItemViaPointer(md, md->child);
        cJSON_AddItemToObject(tmp, v->string, v);
    }
    while (tmp->child) {
        cJSON *v = cJSON_DetachItemViaPointer(tmp, tmp->child);
        cJSON_AddItemToObject(md, v->string, v);
    }
    cJSON_Delete(tmp);
}

static void copy_nonempty(cJSON *dst, const char *key, const cJSON *src)
{
    if (cJSON_GetArraySize(src) > 0)
        cJSON_AddItemToObject(dst, key, cJSON_Duplicate(src, true));
}

cJSON *wl_pod_from_template(const cJSON *tmpl, const char *ns, const cJSON *owner)
{
    cJSON *pod = cJSON_CreateObject();
    cJSON_AddStringToObject(pod, "apiVersion", "v1");
    cJSON_AddStringToObject(pod, "kind", "Pod");
    cJSON *md = cJSON_AddObjectToObject(pod, "metadata");
    cJSON_AddStringToObject(md, "namespace", ns);
    copy_nonempty(md, "labels", jget(tmpl, "metadata.labels"));
    copy_nonempty(md, "annotations", jget(tmpl, "metadata.annotations"));
    cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
    cJSON_AddItemToArray(refs, wl_owner_ref(owner));
    copy_nonempty(md, "finalizers", jget(tmpl, "metadata.finalizers"));
    cJSON *spec = jget(tmpl, "spec");
    cJSON_AddItemToObject(pod, "spec", spec ? cJSON_Duplicate(spec, true) : cJSON_CreateObject());
    return pod;
}

store_obj *wl_create(cluster *c, kind_id k, cJSON *doc)
{
    cJSON *md = jobj(doc, "metadata");
    const char *ns = kind_get(k)->namespaced ? jstr(md, "namespace") : NULL;
    if (!jstr(md, "name") && jstr(md, "generateName")) {
        for (int tries = 0; tries < 8; tries++) {
            char *n = meta_generate_name(jstr(md, "generateName"));
            bool taken = store_get(c->st, k, ns, n) != NULL;
            jset_str(md, "name", n);
            free(n);
            if (!taken)
                break;
        }
    }
    const char *name = jstr(md, "name");
    cJSON *st = name ? rest_namespace_admission(c, k, ns, name) : NULL;
    if (!st && name && k == K_POD)
        st = registry_admit_pod(c, doc);
    if (!name || st || store_get(c->st, k, ns, name)) {
        cJSON_Delete(st);
        cJSON_Delete(doc);
        return NULL;
    }
    char uid[40];
    if (!jstr(md, "uid")) { /* a caller may give one (wl_record_revision does) */
        meta_uuid(uid);
        jset_str(md, "uid", uid);
    }
    meta_set_time(md, "creationTimestamp", cluster_now(c));
    if (meta_has_generation(k))
        jset_num(md, "generation", 1);
    order_metadata(md);
    defaults_apply(k, doc);
    generic_prepare_create(k, doc);
    cJSON *status = defaults_create_status(k, doc);
    if (status)
        jset(doc, "status", status);
    shape_apply(doc, kv_minor(&c->opts.kv));
    return store_insert(c->st, k, doc);
}

void wl_delete(cluster *c, store_obj *o)
{
    api_result r = {0};
    rest_delete_object_code(c, o, NULL, false, &r); /* a controller reads no answer body */
    api_result_clear(&r);
}

bool wl_write(cluster *c, store_obj *o, cJSON *doc)
{
    if (jequal(doc, store_doc(o))) {
        cJSON_Delete(doc);
        return false;
    }
    if (meta_has_generation(o->kind) && meta_spec_changed(store_doc(o), doc))
        jset_num(jobj(doc, "metadata"), "generation", jnum(store_doc(o), "metadata.generation", 0) + 1);
    rest_write(c, o, doc);
    return true;
}

bool wl_write_status(cluster *c, store_obj *o, cJSON *st)
{
    if (jequal(st, jget(store_doc(o), "status"))) { /* jset replaces in place */
        cJSON_Delete(st);
        return false;
    }
    /* only the status differs: neither wl_write's whole-document compare
     * nor its spec compare (generation) can find anything else */
    rest_write_path(c, o, "status", st);
    return true;
}

/* ---- ClaimPods ------------------------------------------------------------ */

static void adopt(cluster *c, store_obj *o, const cJSON *owner)
{
    cJSON *doc = cJSON_Duplicate(store_doc(o), true);
    cJSON *md = jobj(doc, "metadata");
    cJSON *refs = jfield(md, "ownerReferences");
    if (!cJSON_IsArray(refs)) {
        refs = cJSON_CreateArray();
        jset(md, "ownerReferences", refs);
    }
    cJSON_AddItemToArray(refs, wl_owner_ref(owner));
    wl_write(c, o, doc);
}

void wl_remove_owner_ref(cluster *c, store_obj *o, const char *uid)
{
    cJSON *doc = cJSON_Duplicate(store_doc(o), true);
    cJSON *refs = jget(doc, "metadata.ownerReferences");
    for (int i = cJSON_GetArraySize(refs) - 1; i >= 0; i--) {
        const char *u = jstr(cJSON_GetArrayItem(refs, i), "uid");
        if (u && !strcmp(u, uid))
            cJSON_DeleteItemFromArray(refs, i);
    }
    if (!cJSON_GetArraySize(refs))
        jdel(jobj(doc, "metadata"), "ownerReferences");
    wl_write(c, o, doc);
}

/* The memo: an open-addressing table by object (linear probing; removal
 * shifts the entries after it back, so no tombstones), at most half full. */
typedef struct {
    const store_obj *o; /* NULL: a free slot */
    uint64_t rv, selkey;
    bool matches;
} memo_ent;

struct wl_memo {
    memo_ent *ents;
    size_t cap, n; /* cap: 0 or a power of two */
};

static size_t memo_slot(const wl_memo *m, const store_obj *o)
{
    return (size_t)(((uintptr_t)o >> 4) * 0x9E3779B97F4A7C15ull >> 20) & (m->cap - 1);
}

/* o's entry, or the free slot where it would go (cap > 0). */
static memo_ent *memo_find(const wl_memo *m, const store_obj *o)
{
    size_t i = memo_slot(m, o);
    while (m->ents[i].o && m->ents[i].o != o)
        i = (i + 1) & (m->cap - 1);
    return &m->ents[i];
}

static void memo_grow(wl_memo *m)
{
    memo_ent *old = m->ents;
    size_t cap = m->cap;
    m->cap = cap ? cap * 2 : 1024;
    m->ents = xcalloc(m->cap, sizeof *m->ents);
    for (size_t i = 0; i < cap; i++)
        if (old[i].o)
            *memo_find(m, old[i].o) = old[i];
    free(old);
}

wl_memo *wl_memo_new(void)
{
    return xcalloc(1, sizeof(wl_memo));
}

void wl_memo_forget(wl_memo *m, const store_obj *o)
{
    if (!m->cap)
        return;
    memo_ent *e = memo_find(m, o);
    if (!e->o)
        return;
    size_t i = (size_t)(e - m->ents), j = i;
    m->ents[i].o = NULL;
    m->n--;
    for (;;) { /* move back each later entry of the run that may sit at i */
        j = (j + 1) & (m->cap - 1);
        if (!m->ents[j].o)
            return;
        size_t home = memo_slot(m, m->ents[j].o);
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            m->ents[i] = m->ents[j];
            m->ents[j].o = NULL;
            i = j;
        }
    }
}

void wl_memo_clear(wl_memo *m)
{
    free(m->ents);
    m->ents = NULL;
    m->cap = m->n = 0;
}

void wl_memo_free(wl_memo *m)
{
    if (!m)
        return;
    wl_memo_clear(m);
    free(m);
}

static uint64_t fnv64(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211u;
    }
    return (h ^ 0xff) * 1099511628211u; /* a separator */
}

/* fnv64 over a value's structure: its type, keys, strings and numbers
 * (what printing it would tell apart, without the printing). */
static uint64_t fnv64_json(uint64_t h, const cJSON *v)
{
    if (!v)
        return fnv64(h, "\x01");
    char t[2] = {(char)('0' + (v->type & 0xFF) % 64), 0};
    h = fnv64(h, t);
    if (cJSON_IsString(v) || (v->type & 0xFF) == cJSON_Raw)
        return fnv64(h, v->valuestring ? v->valuestring : "");
    if (cJSON_IsNumber(v)) {
        char b[32];
        snprintf(b, sizeof b, "%.17g", v->valuedouble);
        return fnv64(h, b);
    }
    for (const cJSON *c = v->child; c; c = c->next) {
        if (c->string)
            h = fnv64(h, c->string);
        h = fnv64_json(h, c);
    }
    return fnv64(h, "\x02");
}

uint64_t wl_selector_key(const cJSON *owner)
{
    const char *uid = jstr(owner, "metadata.uid");
    return fnv64_json(fnv64(14695981039346656037u, uid ? uid : ""), jget(owner, "spec.selector"));
}

/* Whether o's labels match sel, from the memo while o is unchanged. */
static bool claim_matches(const labelsel *sel, const store_obj *o, wl_memo *m, uint64_t selkey)
{
    if (!sel)
        return false;
    if (!m)
        return labelsel_matches_get(sel, store_label, o);
    if (2 * (m->n + 1) > m->cap)
        memo_grow(m);
    memo_ent *e = memo_find(m, o);
    if (e->o && e->rv == o->rv && e->selkey == selkey)
        return e->matches;
    if (!e->o) {
        e->o = o;
        m->n++;
    }
    e->rv = o->rv;
    e->selkey = selkey;
    e->matches = labelsel_matches_get(sel, store_label, o);
    return e->matches;
}

store_obj **wl_claim(cluster *c, kind_id k, const char *ns, const cJSON *owner,
                     const labelsel *sel, size_t *n)
{
    return wl_claim_memo(c, k, ns, owner, sel, NULL, 0, n);
}

store_obj **wl_claim_memo(cluster *c, kind_id k, const char *ns, const cJSON *owner, const labelsel *sel,
                          wl_memo *m, uint64_t selkey, size_t *n)
{
    /* only our own objects and orphans can be claimed: take them from the
     * controller index, merged back into name order */
    const char *uid = jstr(owner, "metadata.uid");
    size_t na = 0, nb = 0, all = 0, a = 0, b = 0;
    store_obj **mine = uid ? store_list_controlled(c->st, k, ns, uid, &na) : NULL;
    store_obj **orphans = store_list_controlled(c->st, k, ns, NULL, &nb);
    store_obj **objs = xmalloc((na + nb ? na + nb : 1) * sizeof *objs);
    while (a < na || b < nb)
        objs[all++] = b >= nb || (a < na && strcmp(mine[a]->name, orphans[b]->name) < 0) ? mine[a++] : orphans[b++];
    free(mine);
    free(orphans);
    bool owner_deleting = jstr(owner, "metadata.deletionTimestamp") != NULL;
    size_t out = 0;
    const char *same = NULL; /* the index's string of our uid, once one compared equal */
    for (size_t i = 0; i < all; i++) { /* from the store's index and bits: no pod tree is built */
        store_obj *o = objs[i];
        const char *ref_uid = store_controller_uid(o); /* "" none, NULL one without a uid */
        bool ref = store_controller_key(o) != NULL;
        bool matches = claim_matches(sel, o, m, selkey);
        if (ref && ref_uid && uid && (ref_uid == same || (!strcmp(ref_uid, uid) && (same = ref_uid)))) {
            if (matches || owner_deleting) {
                objs[out++] = o;
            } else {
                wl_remove_owner_ref(c, o, uid);
            }
        } else if (!ref && matches && !owner_deleting && !(o->hot & STORE_DELETING)) {
            adopt(c, o, owner);
            objs[out++] = o;
        }
    }
    *n = out;
    return objs;
}

labelsel *wl_selector(kind_id k, const cJSON *obj)
{
    char *err = NULL;
    labelsel *s;
    if (k == K_RC) {
        cJSON *wrap = cJSON_CreateObject();
        cJSON *m = jget(obj, "spec.selector");
        cJSON_AddItemToObject(wrap, "matchLabels", m ? cJSON_Duplicate(m, true) : cJSON_CreateObject());
        s = cJSON_GetArraySize(m) ? labelsel_from_json(wrap, &err) : NULL;
        cJSON_Delete(wrap);
    } else {
        s = labelsel_from_json(jget(obj, "spec.selector"), &err);
    }
    free(err);
    return s;
}

/* ---- hashing and scaling -------------------------------------------------- */

/* Keys sorted, null members dropped: a template hashes the same whether
 * or not it spells out the nulls Go writes (shape.h), as Go's hash of the
 * struct does not see them either. */
static void sort_keys(cJSON *v, int depth)
{
    if (depth > 100)
        return;
    if (cJSON_IsObject(v)) {
        for (cJSON *c = v->child, *next; c; c = next) {
            next = c->next;
            if (cJSON_IsNull(c))
                cJSON_Delete(cJSON_DetachItemViaPointer(v, c));
        }
        cJSONUtils_SortObjectCaseSensitive(v);
    }
    cJSON *child;
    cJSON_ArrayForEach(child, v)
        sort_keys(child, depth + 1);
}

void wl_template_hash(const cJSON *v, int collision, char *buf)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    cJSON *copy = cJSON_Duplicate(v, true);
    sort_keys(copy, 0);
    char *text = jprint(copy);
    cJSON_Delete(copy);
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    free(text);
    if (collision >= 0) {
        unsigned char b[4] = {collision & 0xff, (collision >> 8) & 0xff, (collision >> 16) & 0xff,
                              (collision >> 24) & 0xff};
        for (int i = 0; i < 4; i++) {
            h ^= b[i];
            h *= 16777619u;
        }
    }
    char digits[16];
    snprintf(digits, sizeof digits, "%u", h);
    size_t i;
    for (i = 0; digits[i]; i++)
        buf[i] = alphabet[(unsigned char)digits[i] % (sizeof alphabet - 1)];
    buf[i] = 0;
}

int wl_int_or_percent(const cJSON *v, int total, bool round_up, int def)
{
    if (cJSON_IsNumber(v))
        return (int)v->valuedouble;
    if (!cJSON_IsString(v))
        return def;
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n && s[n - 1] == '%') {
        double pct = atof(s);
        double x = pct * total / 100.0;
        return (int)(round_up ? ceil(x - 1e-9) : floor(x + 1e-9));
    }
    return atoi(s);
}

cJSON *wl_condition(const cJSON *status, const char *type)
{
    cJSON *c;
    cJSON_ArrayForEach(c, jfield(status, "conditions")) {
        const char *t = jstr(c, "type");
        if (t && !strcmp(t, type))
            return c;
    }
    return NULL;
}

/* ---- ControllerRevisions -------------------------------------------------- */

void wl_record_revision(cluster *c, const store_obj *owner, const char *name)
{
    const cJSON *doc = store_doc(owner);
    const char *uid = jstr(doc, "metadata.uid");
    size_t on = strlen(owner->name);
    if (!uid || strncmp(name, owner->name, on) || name[on] != '-')
        return;
    const char *hash = name + on + 1;
    size_t n;
    store_obj **revs = store_list_controlled(c->st, K_CONTROLLERREVISION, owner->ns, uid, &n);
    double max = 0;
    store_obj *mine = NULL;
    for (size_t i = 0; i < n; i++) {
        double r = jnum(store_doc(revs[i]), "revision", 0);
        max = r > max ? r : max;
        if (!strcmp(revs[i]->name, name))
            mine = revs[i];
    }
    free(revs);
    if (mine) { /* back to an old template: that revision becomes the newest */
        if (jnum(store_doc(mine), "revision", 0) < max) {
            cJSON *d = cJSON_Duplicate(store_doc(mine), true);
            jset_num(d, "revision", max + 1);
            wl_write(c, mine, d);
        }
        return;
    }
    cJSON *rev = cJSON_CreateObject();
    cJSON_AddStringToObject(rev, "kind", "ControllerRevision");
    cJSON_AddStringToObject(rev, "apiVersion", "apps/v1");
    cJSON *md = cJSON_AddObjectToObject(rev, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    cJSON_AddStringToObject(md, "namespace", owner->ns);
    char key[600], ruid[40];
    snprintf(key, sizeof key, "revision/%s/%s", owner->ns, name);
    meta_uuid_keyed(ruid, key); /* seeded runs keep their pods' names */
    cJSON_AddStringToObject(md, "uid", ruid);
    const cJSON *tl = jget(doc, "spec.template.metadata.labels");
    cJSON *labels = cJSON_IsObject(tl) ? cJSON_Duplicate(tl, true) : cJSON_CreateObject();
    jset_str(labels, "controller.kubernetes.io/hash", hash);
    cJSON_AddItemToObject(md, "labels", labels);
    const cJSON *cause = jfield(jget(doc, "metadata.annotations"), "kubernetes.io/change-cause");
    if (cJSON_IsString(cause))
        jset_str(cJSON_AddObjectToObject(md, "annotations"), "kubernetes.io/change-cause", cause->valuestring);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "ownerReferences"), wl_owner_ref(doc));
    cJSON *tmpl = cJSON_Duplicate(jget(doc, "spec.template"), true);
    if (!cJSON_IsObject(tmpl)) {
        cJSON_Delete(tmpl);
        tmpl = cJSON_CreateObject();
    }
    cJSON_AddStringToObject(tmpl, "$patch", "replace");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(rev, "data"), "spec"), "template", tmpl);
    cJSON_AddNumberToObject(rev, "revision", max + 1);
    wl_create(c, K_CONTROLLERREVISION, rev);
}
