/* store: hash tables of objects per kind, each kind's objects also kept per
 * namespace in name order (so a list costs what it returns), the
 * resourceVersion counter, the change listeners and the extensions (derived
 * indexes). Must not validate or default: callers (rest, controllers) decide
 * what goes in. */
#include "store.h"
#include "json.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTENERS 16
#define MAX_EXT 8

/* The objects of one namespace and kind with the same controller uid (or,
 * key "", with no controller reference), in no order. */
typedef struct ogroup {
    UT_hash_handle hh;
    char *uid;
    bool orphans;
    store_obj **items;
    size_t n, cap;
} ogroup;

/* One namespace of one kind: items[0..nsorted) in name order, then names
 * added since the last list; removed objects leave NULL holes until then. */
typedef struct bucket {
    UT_hash_handle hh;
    char *ns;
    store_obj **items;
    size_t n, cap, nsorted, ndead;
    ogroup *owners;  /* by controller uid */
    ogroup *orphans; /* no controller reference */
} bucket;

struct store {
    store_obj *tables[K_COUNT];
    bucket *buckets[K_COUNT];
    uint64_t rv;
    struct { store_listener fn; void *ctx; } listeners[MAX_LISTENERS];
    int nlisteners;
    struct { const char *name; void *p; void (*free_fn)(void *); } ext[MAX_EXT];
    int next;
};

store *store_new(void)
{
    return calloc(1, sizeof(store));
}

static void obj_free(store_obj *o)
{
    cJSON_Delete(o->doc);
    free(o->key); /* ns is the bucket's, name points into key */
    free(o);
}

void store_free(store *s)
{
    if (!s)
        return;
    for (int i = s->next - 1; i >= 0; i--)
        if (s->ext[i].free_fn)
            s->ext[i].free_fn(s->ext[i].p);
    for (int k = 0; k < K_COUNT; k++) {
        store_obj *o, *tmp;
        HASH_ITER(hh, s->tables[k], o, tmp) {
            HASH_DEL(s->tables[k], o);
            obj_free(o);
        }
        bucket *b, *bt;
        HASH_ITER(hh, s->buckets[k], b, bt) {
            HASH_DEL(s->buckets[k], b);
            ogroup *g, *gt;
            HASH_ITER(hh, b->owners, g, gt) {
                HASH_DEL(b->owners, g);
                free(g->uid), free(g->items), free(g);
            }
            if (b->orphans)
                free(b->orphans->items), free(b->orphans);
            free(b->items);
            free(b->ns);
            free(b);
        }
    }
    free(s);
}

uint64_t store_rv(const store *s)
{
    return s->rv;
}

/* "ns/name" (or "name") into buf when it fits, else malloc'd. */
static char *make_key(const char *ns, const char *name, char *buf, size_t cap)
{
    size_t ln = strlen(ns), lm = strlen(name), n = ln + lm + 2;
    char *k = n <= cap ? buf : malloc(n);
    memcpy(k, ns, ln);
    if (ln)
        k[ln++] = '/';
    memcpy(k + ln, name, lm + 1);
    return k;
}

store_obj *store_get(store *s, kind_id k, const char *ns, const char *name)
{
    const char *n = kind_get(k)->namespaced ? (ns ? ns : "") : "";
    char buf[512];
    char *key = make_key(n, name ? name : "", buf, sizeof buf);
    store_obj *o = NULL;
    HASH_FIND_STR(s->tables[k], key, o);
    if (key != buf)
        free(key);
    return o;
}

/* ---- buckets -------------------------------------------------------------- */

static bucket *bucket_get(store *s, kind_id k, const char *ns, bool create)
{
    bucket *b = NULL;
    HASH_FIND_STR(s->buckets[k], ns, b);
    if (b || !create)
        return b;
    b = calloc(1, sizeof *b);
    b->ns = strdup(ns);
    HASH_ADD_KEYPTR(hh, s->buckets[k], b->ns, strlen(b->ns), b);
    return b;
}

static void bucket_add(bucket *b, store_obj *o)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->items = realloc(b->items, b->cap * sizeof *b->items);
    }
    bool in_order = b->nsorted == b->n && !b->ndead && (!b->n || strcmp(b->items[b->n - 1]->name, o->name) < 0);
    o->bucket = b;
    o->slot = b->n;
    b->items[b->n++] = o;
    if (in_order)
        b->nsorted = b->n;
}

static void bucket_del(store_obj *o)
{
    bucket *b = o->bucket;
    b->items[o->slot] = NULL;
    b->ndead++;
    if (b->ndead == b->n) /* empty: start over */
        b->n = b->nsorted = b->ndead = 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp((*(store_obj *const *)a)->name, (*(store_obj *const *)b)->name);
}

/* Close the holes and merge the names added since the last list. */
static void bucket_prepare(bucket *b)
{
    if (b->nsorted == b->n && !b->ndead)
        return;
    size_t j = 0, sorted = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!b->items[i])
            continue;
        if (i < b->nsorted)
            sorted++;
        b->items[j++] = b->items[i];
    }
    b->n = j;
    b->ndead = 0;
    if (sorted < b->n) {
        store_obj **tail = b->items + sorted;
        size_t nt = b->n - sorted;
        qsort(tail, nt, sizeof *tail, cmp_name);
        store_obj **m = malloc(b->n * sizeof *m);
        size_t x = 0, y = 0, k = 0;
        while (x < sorted && y < nt)
            m[k++] = strcmp(b->items[x]->name, tail[y]->name) <= 0 ? b->items[x++] : tail[y++];
        while (x < sorted)
            m[k++] = b->items[x++];
        while (y < nt)
            m[k++] = tail[y++];
        memcpy(b->items, m, b->n * sizeof *m);
        free(m);
    }
    b->nsorted = b->n;
    for (size_t i = 0; i < b->n; i++)
        b->items[i]->slot = i;
}

/* ---- controller index ---------------------------------------------------- */

/* The group an object belongs in: its controller's uid, orphans, or none
 * (a controller reference without a uid). */
static ogroup *owner_group(bucket *b, const cJSON *doc, bool create)
{
    const cJSON *r, *md = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    const cJSON *refs = cJSON_IsObject(md) ? cJSON_GetObjectItemCaseSensitive(md, "ownerReferences") : NULL;
    if (!cJSON_IsArray(refs))
        refs = NULL;
    cJSON_ArrayForEach(r, refs) {
        if (!cJSON_IsObject(r) || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
            continue;
        const char *uid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "uid"));
        if (!uid)
            return NULL;
        ogroup *g = NULL;
        HASH_FIND_STR(b->owners, uid, g);
        if (!g && create) {
            g = calloc(1, sizeof *g);
            g->uid = strdup(uid);
            HASH_ADD_KEYPTR(hh, b->owners, g->uid, strlen(g->uid), g);
        }
        return g;
    }
    if (!b->orphans && create) {
        b->orphans = calloc(1, sizeof *b->orphans);
        b->orphans->orphans = true;
    }
    return b->orphans;
}

static void owner_del(store_obj *o)
{
    ogroup *g = o->owner;
    if (!g)
        return;
    store_obj *last = g->items[--g->n];
    g->items[o->oslot] = last;
    last->oslot = o->oslot;
    o->owner = NULL;
    if (!g->n && !g->orphans) {
        bucket *b = o->bucket;
        HASH_DEL(b->owners, g);
        free(g->uid), free(g->items), free(g);
    }
}

/* Put o in the group its document names (after a change). */
static void owner_update(store_obj *o)
{
    ogroup *g = owner_group(o->bucket, o->doc, true);
    if (g == o->owner)
        return;
    owner_del(o);
    if (!g)
        return;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4;
        g->items = realloc(g->items, g->cap * sizeof *g->items);
    }
    o->owner = g;
    o->oslot = g->n;
    g->items[g->n++] = o;
}

store_obj **store_list_controlled(store *s, kind_id k, const char *ns, const char *uid, size_t *n)
{
    bucket *b = bucket_get(s, k, kind_get(k)->namespaced && ns ? ns : "", false);
    ogroup *g = NULL;
    if (b && uid)
        HASH_FIND_STR(b->owners, uid, g);
    else if (b)
        g = b->orphans;
    *n = g ? g->n : 0;
    store_obj **arr = malloc((*n ? *n : 1) * sizeof *arr);
    if (*n)
        memcpy(arr, g->items, *n * sizeof *arr);
    qsort(arr, *n, sizeof *arr, cmp_name);
    return arr;
}

static int cmp_bucket(const void *a, const void *b)
{
    return strcmp((*(bucket *const *)a)->ns, (*(bucket *const *)b)->ns);
}

store_obj **store_list(store *s, kind_id k, const char *ns, size_t *n)
{
    size_t cap = HASH_COUNT(s->tables[k]), len = 0;
    store_obj **arr = malloc((cap ? cap : 1) * sizeof *arr);
    size_t nb = ns ? 1 : HASH_COUNT(s->buckets[k]);
    bucket *one = ns ? bucket_get(s, k, kind_get(k)->namespaced ? ns : "", false) : NULL;
    bucket **bs = ns ? &one : malloc((nb ? nb : 1) * sizeof *bs);
    if (!ns) {
        size_t i = 0;
        for (bucket *b = s->buckets[k]; b; b = b->hh.next)
            bs[i++] = b;
        qsort(bs, nb, sizeof *bs, cmp_bucket);
    }
    for (size_t i = 0; i < nb; i++) {
        if (!bs[i])
            continue;
        bucket_prepare(bs[i]);
        memcpy(arr + len, bs[i]->items, bs[i]->n * sizeof *arr);
        len += bs[i]->n;
    }
    if (!ns)
        free(bs);
    *n = len;
    return arr;
}

size_t store_count(store *s, kind_id k)
{
    return HASH_COUNT(s->tables[k]);
}

/* ---- shared strings ------------------------------------------------------- */

/* Every stored document's keys, and its short values that many objects
 * repeat, point into one process-wide table (cJSON_StringIsConst keys and
 * cJSON_IsReference strings, which cJSON_Delete does not free and
 * cJSON_Duplicate copies as const keys / fresh values). The table is
 * bounded (hostile input cannot grow it without limit: past the bound
 * strings stay the document's own) and lives as long as the process, so a
 * document copied out of the store never outlives its strings. */
#define INTERN_MAX_KEYS 65536  /* entries in all */
#define INTERN_MAX_VALUES 49152 /* values stop here, so that keys keep room */
#define INTERN_KEY_LEN 64
#define INTERN_VALUE_LEN 32
#define INTERN_DEPTH 128

typedef struct istr {
    UT_hash_handle hh;
    char s[];
} istr;

static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static istr *intern_tab;
static size_t intern_n;

/* The shared copy of s, or NULL when the table is full. */
static const char *intern_get(const char *s, size_t max_entries)
{
    size_t len = strlen(s);
    istr *e;
    HASH_FIND(hh, intern_tab, s, len, e);
    if (e)
        return e->s;
    if (intern_n >= max_entries || !(e = malloc(sizeof *e + len + 1)))
        return NULL;
    memcpy(e->s, s, len + 1);
    HASH_ADD_KEYPTR(hh, intern_tab, e->s, len, e);
    intern_n++;
    return e->s;
}

/* Values that are one object's own (names, uids, addresses): sharing them
 * would only fill the table. */
static bool value_shared(const cJSON *parent, const cJSON *it)
{
    static const char *const own[] = {"uid", "resourceVersion", "podIP", "ip", "containerID", "generateName",
                                      "hostname", "statefulset.kubernetes.io/pod-name", NULL};
    const char *k = it->string;
    if (!k || strlen(it->valuestring) > INTERN_VALUE_LEN)
        return false;
    if (!strcmp(k, "name") && parent->string &&
        (!strcmp(parent->string, "metadata") || !strcmp(parent->string, "involvedObject")))
        return false;
    if (parent->string && !strcmp(parent->string, "disruptedPods"))
        return false; /* pod name → time */
    const char *v = it->valuestring;
    if (strlen(v) >= 20 && v[4] == '-' && v[7] == '-' && v[10] == 'T')
        return false; /* a timestamp: every second would be a new entry */
    for (int i = 0; own[i]; i++)
        if (!strcmp(k, own[i]))
            return false;
    return true;
}

static void intern_tree(cJSON *v, int depth)
{
    for (cJSON *it = v->child; it; it = it->next) {
        bool own_keys = v->string && !strcmp(v->string, "disruptedPods"); /* pod names */
        if (it->string && !own_keys && !(it->type & cJSON_StringIsConst) && strlen(it->string) <= INTERN_KEY_LEN) {
            const char *k = intern_get(it->string, INTERN_MAX_KEYS);
            if (k) {
                cJSON_free(it->string);
                it->string = (char *)k;
                it->type |= cJSON_StringIsConst;
            }
        }
        if (cJSON_IsString(it) && it->valuestring && !(it->type & cJSON_IsReference) && value_shared(v, it)) {
            const char *val = intern_get(it->valuestring, INTERN_MAX_VALUES);
            if (val) {
                cJSON_free(it->valuestring);
                it->valuestring = (char *)val;
                it->type |= cJSON_IsReference;
            }
        }
        if (it->child && depth < INTERN_DEPTH)
            intern_tree(it, depth + 1);
    }
}

/* Share doc's keys and common values (not the root's own key). */
static void intern_doc(cJSON *doc)
{
    pthread_mutex_lock(&intern_mu);
    intern_tree(doc, 0);
    pthread_mutex_unlock(&intern_mu);
}

/* ---- changes -------------------------------------------------------------- */

static void stamp_rv(store *s, store_obj *o)
{
    char buf[32];
    o->rv = ++s->rv;
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->rv);
    jset_str(jobj(o->doc, "metadata"), "resourceVersion", buf);
}

static void notify(store *s, store_event ev, const store_obj *o, const cJSON *old)
{
    for (int i = 0; i < s->nlisteners; i++)
        s->listeners[i].fn(s->listeners[i].ctx, ev, o, old);
}

store_obj *store_insert(store *s, kind_id k, cJSON *doc)
{
    store_obj *o = calloc(1, sizeof *o);
    const char *ns = kind_get(k)->namespaced ? jstr(doc, "metadata.namespace") : NULL;
    const char *name = jstr(doc, "metadata.name");
    bucket *b = bucket_get(s, k, ns ? ns : "", true);
    o->kind = k;
    o->ns = b->ns;
    o->key = make_key(b->ns, name ? name : "", NULL, 0);
    o->name = o->key + (*b->ns ? strlen(b->ns) + 1 : 0);
    o->doc = doc;
    stamp_rv(s, o);
    intern_doc(doc);
    HASH_ADD_KEYPTR(hh, s->tables[k], o->key, strlen(o->key), o);
    bucket_add(b, o);
    owner_update(o);
    notify(s, STORE_ADDED, o, NULL);
    return o;
}

void store_replace(store *s, store_obj *o, cJSON *doc)
{
    cJSON *old = o->doc;
    o->doc = doc;
    owner_update(o);
    stamp_rv(s, o);
    intern_doc(doc);
    notify(s, STORE_MODIFIED, o, old);
    cJSON_Delete(old);
}

void store_remove(store *s, store_obj *o)
{
    HASH_DEL(s->tables[o->kind], o);
    owner_del(o);
    bucket_del(o);
    stamp_rv(s, o);
    notify(s, STORE_DELETED, o, NULL);
    obj_free(o);
}

void store_listen(store *s, store_listener fn, void *ctx)
{
    if (s->nlisteners < MAX_LISTENERS) {
        s->listeners[s->nlisteners].fn = fn;
        s->listeners[s->nlisteners].ctx = ctx;
        s->nlisteners++;
    }
}

void *store_ext(store *s, const char *name)
{
    for (int i = 0; i < s->next; i++)
        if (!strcmp(s->ext[i].name, name))
            return s->ext[i].p;
    return NULL;
}

void store_set_ext(store *s, const char *name, void *ext, void (*free_fn)(void *))
{
    if (s->next < MAX_EXT)
        s->ext[s->next++] = (typeof(s->ext[0])){name, ext, free_fn};
}
