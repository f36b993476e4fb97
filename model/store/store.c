/* store: hash tables of objects per kind, each kind's objects also kept per
 * namespace in name order (so a list costs what it returns), the
 * resourceVersion counter, the change listeners and the extensions (derived
 * indexes). Must not validate or default: callers (rest, controllers) decide
 * what goes in. */
#include "store.h"
#include "xalloc.h"
#include "compact.h"
#include "json.h"
#include "text.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTENERS 16
#define MAX_EXT 8
#define CACHE_DEFAULT 8192 /* parsed trees kept between trims: ~48 MiB of pods */
#define KEY_CACHE 64

/* The objects of one namespace and kind with the same controller uid (or,
 * key "", with no controller reference): in name order while `sorted`
 * (a list sorts them once; a change then keeps the order when it moves at
 * most OG_SHIFT_MAX entries, else drops it until the next list). */
typedef struct ogroup {
    UT_hash_handle hh;
    char *uid;
    bool orphans, sorted;
    store_obj **items;
    size_t n, cap;
} ogroup;

#define OG_SHIFT_MAX 512

/* One namespace of one kind: items[0..nsorted) in name order, then names
 * added since the last list; removed objects leave NULL holes until then. */
typedef struct bucket {
    UT_hash_handle hh;
    struct store *st;
    char *ns;
    store_obj **items;
    size_t n, cap, nsorted, ndead;
    ogroup *owners;  /* by controller uid */
    ogroup *orphans; /* no controller reference */
} bucket;

struct store {
    store_obj *tables[KIND_MAX];
    bucket *buckets[KIND_MAX];
    uint64_t rv;
    struct { store_listener fn; void *ctx; } listeners[MAX_LISTENERS];
    int nlisteners;
    struct { const char *name; void *p; void (*free_fn)(void *); } ext[MAX_EXT];
    int next;
    struct ckey *ckeys;       /* controller references, shared (store_controller_key) */
    pthread_mutex_t ckey_mu;  /* over ckeys: objects are staged on several threads */
    store_obj *chead, *ctail; /* objects with a tree, oldest first */
    size_t ncached, cache_max;
    cJSON *scratch; /* parts of documents built alone (store_get_path), until the next trim */
    struct { const store_obj *o; char path[48]; const cJSON *v; } memo[8]; /* the last ones built */
    unsigned nmemo;
    struct { char s[40]; size_t n; long id; } keys[KEY_CACHE]; /* key_id_at */
    /* the last object path found in a compact form (packed_find_memo): the
     * object at that resourceVersion and compact form, the path's pointer */
    struct { const store_obj *o; uint64_t rv; const unsigned char *packed, *at; char path[48]; } found;
    bool check;
    int notifying; /* listeners running (notify) */
};

static void cache_unlink(struct store *s, store_obj *o);

store *store_new(void)
{
    store *s = xcalloc(1, sizeof(store));
    pthread_mutex_init(&s->ckey_mu, NULL);
    const char *e = getenv("EVICTSIM_DOC_CACHE");
    s->cache_max = e && *e ? strtoul(e, NULL, 10) : CACHE_DEFAULT;
    e = getenv("EVICTSIM_DOC_CHECK");
    s->check = e && *e == '1';
    return s;
}

static void ckey_release(store *s, const char *k);

static void obj_free(store *s, store_obj *o)
{
    ckey_release(s, o->ckey);
    free(o->aux);
    if (o->tree)
        cache_unlink(s, o);
    cJSON_Delete(o->tree);
    free(o->packed);
    /* the key is in o's block; ns is the bucket's; name points into the key */
    free(o);
}

void store_free(store *s)
{
    if (!s)
        return;
    cJSON_Delete(s->scratch);
    for (int i = s->next - 1; i >= 0; i--)
        if (s->ext[i].free_fn)
            s->ext[i].free_fn(s->ext[i].p);
    for (int k = 0; k < KIND_MAX; k++) {
        store_obj *o, *tmp;
        HASH_ITER(hh, s->tables[k], o, tmp) {
            HASH_DEL(s->tables[k], o);
            obj_free(s, o);
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
    pthread_mutex_destroy(&s->ckey_mu);
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
    char *k = n <= cap ? buf : xmalloc(n);
    memcpy(k, ns, ln);
    if (ln)
        k[ln++] = '/';
    memcpy(k + ln, name, lm + 1);
    return k;
}

/* A new object with its key in the same block (one line from its hash
 * handle: a lookup touches less memory). */
static store_obj *obj_new(const char *key)
{
    size_t n = strlen(key) + 1;
    store_obj *o = xcalloc(1, sizeof *o + n);
    o->key = (char *)(o + 1);
    memcpy(o->key, key, n);
    return o;
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
    b = xcalloc(1, sizeof *b);
    b->st = s;
    b->ns = xstrdup(ns);
    HASH_ADD_KEYPTR(hh, s->buckets[k], b->ns, strlen(b->ns), b);
    return b;
}

static void bucket_add(bucket *b, store_obj *o)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->items = xrealloc(b->items, b->cap * sizeof *b->items);
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
        store_obj **m = xmalloc(b->n * sizeof *m);
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

/* Whom doc names as its controller (its first ownerReference with
 * controller: true): OWN_UID with *uid, OWN_NONE (no such reference: an
 * orphan) or OWN_NOUID (the reference has no string uid). */
enum { OWN_NOUID, OWN_NONE, OWN_UID };
static int controller_of(const cJSON *doc, const char **uid)
{
    const cJSON *r, *md = jfield(doc, "metadata");
    const cJSON *refs = cJSON_IsObject(md) ? jfield(md, "ownerReferences") : NULL;
    if (!cJSON_IsArray(refs))
        refs = NULL;
    cJSON_ArrayForEach(r, refs) {
        if (!cJSON_IsObject(r) || !cJSON_IsTrue(jfield(r, "controller")))
            continue;
        *uid = cJSON_GetStringValue(jfield(r, "uid"));
        return *uid ? OWN_UID : OWN_NOUID;
    }
    return OWN_NONE;
}

/* The group for that answer: its controller's uid, orphans, or none. */
static ogroup *owner_group(bucket *b, int own, const char *uid, bool create)
{
    if (own == OWN_NOUID)
        return NULL;
    if (own == OWN_UID) {
        ogroup *g = NULL;
        HASH_FIND_STR(b->owners, uid, g);
        if (!g && create) {
            g = xcalloc(1, sizeof *g);
            g->sorted = true;
            g->uid = xstrdup(uid);
            HASH_ADD_KEYPTR(hh, b->owners, g->uid, strlen(g->uid), g);
        }
        return g;
    }
    if (!b->orphans && create) {
        b->orphans = xcalloc(1, sizeof *b->orphans);
        b->orphans->orphans = b->orphans->sorted = true;
    }
    return b->orphans;
}

static void owner_del(store_obj *o)
{
    ogroup *g = o->owner;
    if (!g)
        return;
    size_t slot = o->oslot;
    if (g->sorted && g->n - 1 - slot <= OG_SHIFT_MAX) {
        for (size_t i = slot + 1; i < g->n; i++) {
            g->items[i - 1] = g->items[i];
            g->items[i - 1]->oslot = i - 1;
        }
        g->n--;
    } else {
        store_obj *last = g->items[--g->n];
        g->items[slot] = last;
        last->oslot = slot;
        g->sorted = g->sorted && slot == g->n;
    }
    o->owner = NULL;
    if (!g->n && !g->orphans) {
        bucket *b = o->bucket;
        HASH_DEL(b->owners, g);
        free(g->uid), free(g->items), free(g);
    }
}

/* Put o in the group of that controller answer. */
static void owner_set(store_obj *o, int own, const char *uid)
{
    ogroup *g = owner_group(o->bucket, own, uid, true);
    if (g == o->owner)
        return;
    owner_del(o);
    if (!g)
        return;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 4;
        g->items = xrealloc(g->items, g->cap * sizeof *g->items);
    }
    o->owner = g;
    size_t at = g->n;
    if (g->sorted && g->n && strcmp(g->items[g->n - 1]->name, o->name) > 0) {
        size_t lo = 0, hi = g->n; /* the first name after o's */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(g->items[mid]->name, o->name) > 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (g->n - lo <= OG_SHIFT_MAX)
            at = lo;
        else
            g->sorted = false;
    }
    for (size_t i = g->n; i > at; i--) {
        g->items[i] = g->items[i - 1];
        g->items[i]->oslot = i;
    }
    g->n++;
    o->oslot = at;
    g->items[at] = o;
}

/* Put o in the group its document names (after a change). */
static void owner_update(store_obj *o)
{
    const char *uid = NULL;
    int own = controller_of(store_doc(o), &uid);
    owner_set(o, own, uid);
}

const char *store_controller_uid(const store_obj *o)
{
    const ogroup *g = o->owner;
    return !g ? NULL : g->orphans ? "" : g->uid;
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
    if (g && !g->sorted) {
        qsort(g->items, g->n, sizeof *g->items, cmp_name);
        for (size_t i = 0; i < g->n; i++)
            g->items[i]->oslot = i;
        g->sorted = true;
    }
    store_obj **arr = xmalloc((*n ? *n : 1) * sizeof *arr);
    if (*n)
        memcpy(arr, g->items, *n * sizeof *arr);
    return arr;
}

static int cmp_bucket(const void *a, const void *b)
{
    return strcmp((*(bucket *const *)a)->ns, (*(bucket *const *)b)->ns);
}

store_obj **store_list(store *s, kind_id k, const char *ns, size_t *n)
{
    size_t cap = HASH_COUNT(s->tables[k]), len = 0;
    store_obj **arr = xmalloc((cap ? cap : 1) * sizeof *arr);
    size_t nb = ns ? 1 : HASH_COUNT(s->buckets[k]);
    bucket *one = ns ? bucket_get(s, k, kind_get(k)->namespaced ? ns : "", false) : NULL;
    bucket **bs = ns ? &one : xmalloc((nb ? nb : 1) * sizeof *bs);
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

/* ---- the tree cache -------------------------------------------------------- */



static store *store_of(const store_obj *o)
{
    return ((bucket *)o->bucket)->st;
}

static void cache_link(store *s, store_obj *o)
{
    o->cprev = s->ctail;
    o->cnext = NULL;
    if (s->ctail)
        s->ctail->cnext = o;
    else
        s->chead = o;
    s->ctail = o;
    s->ncached++;
}

static void cache_unlink(store *s, store_obj *o)
{
    if (o->cprev)
        o->cprev->cnext = o->cnext;
    else
        s->chead = o->cnext;
    if (o->cnext)
        o->cnext->cprev = o->cprev;
    else
        s->ctail = o->cprev;
    o->cprev = o->cnext = NULL;
    s->ncached--;
}

/* Give o a (new) tree: the store owns it until replaced or trimmed. */
static void set_tree(store *s, store_obj *o, cJSON *doc)
{
    if (!o->tree)
        cache_link(s, o);
    o->tree = doc;
    o->cref = true;
}

cJSON *store_doc_load(const store_obj *c)
{
    store_obj *o = (store_obj *)c;
    if (!o->packed)
        return NULL;
    set_tree(store_of(o), o, compact_unpack(o->packed));
    return o->tree;
}

/* Write o's compact form (if its tree is newer) and drop the tree. */
static void drop_tree(store *s, store_obj *o)
{
    size_t len;
    if (!o->packed) {
        o->packed = compact_pack(o->tree, &len);
    } else if (s->check) { /* the tree must print as its compact form does */
        cJSON *was = compact_unpack(o->packed);
        char *a = jprint(was), *t = jprint(o->tree);
        if (strcmp(a, t)) {
            fprintf(stderr, "evictsim: stored document %s/%s changed in place: %s\n", kind_get(o->kind)->plural,
                    o->key, t);
            abort();
        }
        cJSON_Delete(was);
        free(a);
        free(t);
    }
    cache_unlink(s, o);
    cJSON_Delete(o->tree);
    o->tree = NULL;
}

/* key_id of seg[0..n), remembered in a slot chosen by where seg is (paths
 * are mostly literals) and checked by its bytes; once a key has a number
 * it keeps it. */
static long key_id_at(store *s, const char *seg, size_t n)
{
    typeof(s->keys[0]) *e = &s->keys[((uintptr_t)seg >> 3) % KEY_CACHE];
    if (n && e->n == n && !memcmp(e->s, seg, n))
        return e->id;
    long id = compact_key_id(seg, n);
    if (id >= 0 && n <= sizeof e->s) {
        memcpy(e->s, seg, n);
        e->n = n;
        e->id = id;
    }
    return id;
}

/* The value at an object path in o's compact form, or NULL. */
static const unsigned char *packed_find(const store_obj *o, const char *path)
{
    const unsigned char *p = o->packed + 4;
    store *s = store_of(o);
    while (*path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= 256 || !compact_find_id(&p, path, n, key_id_at(s, path, n)))
            return NULL;
        path += n + (dot ? 1 : 0);
    }
    return p;
}

const cJSON *store_get_path(const store_obj *c, const char *path)
{
    store_obj *o = (store_obj *)c;
    if (o->tree)
        return jget(store_doc(o), path);
    store *s = store_of(o);
    for (unsigned i = 0; i < 8; i++) /* several listeners ask for the same value in turn */
        if (s->memo[i].o == o && !strcmp(s->memo[i].path, path))
            return s->memo[i].v;
    const unsigned char *p = packed_find(o, path);
    if (!p)
        return NULL;
    cJSON *v = compact_dec_value(&p);
    if (!s->scratch)
        s->scratch = cJSON_CreateArray();
    cJSON_AddItemToArray(s->scratch, v);
    if (strlen(path) < sizeof s->memo[0].path) { /* the path is copied: it may be a selector's, freed soon */
        typeof(s->memo[0]) *m = &s->memo[s->nmemo++ % 8];
        m->o = o;
        m->v = v;
        strcpy(m->path, path);
    }
    return v;
}

/* The string a compact value at p is, or NULL. */
static const char *packed_str(const unsigned char *p)
{
    if (p && *p == P_RV)
        return (const char *)p + 2;
    if (!p || (*p != P_SSTR && *p != P_STR))
        return NULL;
    bool shared = *p++ == P_SSTR;
    uint64_t v = compact_varint(&p);
    return shared ? compact_strs[v] : (const char *)p;
}

const char *store_get_str(const store_obj *o, const char *path)
{
    if (o->tree)
        return jstr(o->tree, path);
    return packed_str(packed_find(o, path));
}

/* packed_find, remembered for the next call with the same object and path,
 * as when a selector asks for label after label. */
static const unsigned char *packed_find_memo(const store_obj *o, const char *path)
{
    store *s = store_of(o);
    typeof(s->found) *f = &s->found;
    if (f->o == o && f->rv == o->rv && f->packed == o->packed && !strcmp(f->path, path))
        return f->at;
    const unsigned char *at = packed_find(o, path);
    size_t n = strlen(path);
    if (n < sizeof f->path) {
        *f = (typeof(*f)){o, o->rv, o->packed, at, ""};
        memcpy(f->path, path, n + 1);
    }
    return at;
}

const char *store_get_member_str(const store_obj *o, const char *path, const char *key)
{
    if (o->tree) {
        const cJSON *v = jfield(jget(o->tree, path), key);
        return cJSON_IsString(v) ? v->valuestring : NULL;
    }
    const unsigned char *p = packed_find_memo(o, path);
    size_t n = strlen(key);
    return p && compact_find_id(&p, key, n, key_id_at(store_of(o), key, n)) ? packed_str(p) : NULL;
}

void store_each_member(const store_obj *o, const char *path, store_member_fn fn, void *arg)
{
    if (o->tree) {
        const cJSON *obj = jget(o->tree, path);
        for (const cJSON *it = cJSON_IsObject(obj) ? obj->child : NULL; it; it = it->next)
            if (it->string && !fn(it->string, cJSON_IsString(it) ? it->valuestring : NULL, arg))
                return;
        return;
    }
    const unsigned char *p = packed_find(o, path);
    if (!p || *p++ != P_OBJ)
        return;
    size_t cnt = compact_varint(&p);
    compact_varint(&p); /* byte length */
    for (size_t i = 0; i < cnt; i++) {
        uint64_t k = compact_varint(&p);
        const char *key = (const char *)p;
        if (k & 1)
            p += (k >> 1) + 1;
        else
            key = compact_strs[k >> 1];
        if (!fn(key, packed_str(p), arg))
            return;
        p = compact_skip(p);
    }
}

const char *store_label(const void *o, const char *key)
{
    return store_get_member_str(o, "metadata.labels", key);
}

void store_set_aux(const store_obj *c, void *p)
{
    store_obj *o = (store_obj *)c;
    free(o->aux);
    o->aux = p;
}

size_t store_trim(store *s)
{
    return store_trim_to(s, s->cache_max);
}

size_t store_trim_to(store *s, size_t max_trees)
{
    cJSON_Delete(s->scratch);
    s->scratch = NULL;
    memset(s->memo, 0, sizeof s->memo);
    size_t pass = s->ncached, dropped = 0;
    while (s->ncached > max_trees && s->chead) {
        store_obj *o = s->chead;
        if (o->cref && pass) { /* second chance */
            pass--;
            o->cref = false;
            cache_unlink(s, o);
            cache_link(s, o);
            continue;
        }
        drop_tree(s, o);
        dropped++;
    }
    return dropped;
}

void store_set_cache(store *s, size_t max_trees)
{
    s->cache_max = max_trees;
}

size_t store_cached(const store *s)
{
    return s->ncached;
}

/* ---- changes -------------------------------------------------------------- */

/* o changes or goes: forget the values built from its compact form. */
static void memo_forget(store *s, const store_obj *o)
{
    if (s->found.o == o)
        s->found.o = NULL;
    for (unsigned i = 0; i < 8; i++)
        if (s->memo[i].o == o)
            s->memo[i].o = NULL;
}

static void stamp_rv(store *s, store_obj *o)
{
    char buf[32], *p = buf + sizeof buf - 1;
    o->rv = ++s->rv;
    *p = 0;
    uint64_t v = o->rv;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    cJSON *md = jobj(store_doc(o), "metadata"), *cur = jfield(md, "resourceVersion");
    /* in place when it is a string already (cJSON_SetValuestring copies
     * into the old one when the new is no longer) */
    if (!cJSON_IsString(cur) || (cur->type & cJSON_IsReference) || !cJSON_SetValuestring(cur, p))
        jset_str(md, "resourceVersion", p);
}

/* Controller references by their text, counted. */
typedef struct ckey {
    UT_hash_handle hh;
    size_t refs;
    char s[];
} ckey;

static void ckey_release(store *s, const char *k)
{
    if (!k)
        return;
    ckey *e = (ckey *)(k - offsetof(ckey, s));
    pthread_mutex_lock(&s->ckey_mu);
    if (!--e->refs) {
        HASH_DEL(s->ckeys, e);
        free(e);
    }
    pthread_mutex_unlock(&s->ckey_mu);
}

/* One field of the key: its JSON type, and a string value with its length
 * first (missing and non-string fields stay distinct from any string, and
 * no value can pass for two fields). */
static void ckey_field(strbuf *b, const cJSON *ref, const char *name)
{
    const cJSON *v = jfield(ref, name);
    if (cJSON_IsString(v)) {
        char num[24], *e = num + sizeof num, *d = e;
        size_t len = strlen(v->valuestring);
        do
            *--d = (char)('0' + len % 10);
        while (len /= 10);
        strbuf_putc(b, 's');
        strbuf_putn(b, d, (size_t)(e - d));
        strbuf_putc(b, ':');
        strbuf_puts(b, v->valuestring);
    } else {
        strbuf_puts(b, v ? "x" : "-");
    }
}

static const char *ckey_get(store *s, const cJSON *doc)
{
    const cJSON *r, *ref = NULL, *refs = jget(doc, "metadata.ownerReferences");
    if (!cJSON_IsArray(refs)) /* as the controller index (owner_group) reads it */
        refs = NULL;
    cJSON_ArrayForEach(r, refs)
        if (cJSON_IsTrue(jfield(r, "controller"))) {
            ref = r;
            break;
        }
    if (!ref)
        return NULL;
    strbuf b = {0};
    ckey_field(&b, ref, "apiVersion");
    ckey_field(&b, ref, "kind");
    ckey_field(&b, ref, "name");
    ckey_field(&b, ref, "uid");
    ckey *e;
    pthread_mutex_lock(&s->ckey_mu);
    HASH_FIND(hh, s->ckeys, b.s, b.len, e);
    if (!e) {
        e = xmalloc(sizeof *e + b.len + 1);
        e->refs = 0;
        memcpy(e->s, b.s, b.len + 1);
        HASH_ADD_KEYPTR(hh, s->ckeys, e->s, b.len, e);
    }
    e->refs++;
    pthread_mutex_unlock(&s->ckey_mu);
    free(b.s);
    return e->s;
}

const char *store_controller_key(const store_obj *o)
{
    return o->ckey;
}

const char *store_controller_field(const store_obj *o, int i, size_t *len)
{
    const char *p = o->ckey;
    for (int f = 0; p && f <= i; f++) { /* each field: "s<len>:<bytes>", "x" or "-" (ckey_field) */
        if (*p != 's') {
            if (f == i)
                return NULL;
            p++;
            continue;
        }
        size_t n = 0;
        for (p++; *p != ':'; p++)
            n = n * 10 + (size_t)(*p - '0');
        if (f == i) {
            *len = n;
            return p + 1;
        }
        p += 1 + n;
    }
    return NULL;
}

/* The STORE_* bits of a document. */
static unsigned char hot_of(const cJSON *doc)
{
    /* each part once (jget's path walks, by hand): the first member of a
     * name, and an object to look into */
    const cJSON *md = jfield(doc, "metadata"), *status = jfield(doc, "status"), *spec = jfield(doc, "spec");
    md = cJSON_IsObject(md) ? md : NULL;
    status = cJSON_IsObject(status) ? status : NULL;
    spec = cJSON_IsObject(spec) ? spec : NULL;
    const cJSON *dt = jfield(md, "deletionTimestamp"), *ph = jfield(status, "phase"), *nd = jfield(spec, "nodeName");
    const char *phase = cJSON_IsString(ph) ? ph->valuestring : NULL, *node = cJSON_IsString(nd) ? nd->valuestring : NULL;
    /* the first condition of each type decides, as the controllers read
     * them (pod_ready; the disruption controller's DisruptionTarget) */
    unsigned char dtarget = 0, ready = 0;
    bool ready_seen = false, dtarget_seen = false;
    const cJSON *c;
    cJSON_ArrayForEach(c, jfield(status, "conditions")) {
        const char *t = jstr(c, "type");
        if (!t || (ready_seen && dtarget_seen))
            continue;
        if (!ready_seen && !strcmp(t, "Ready")) {
            const char *st = jstr(c, "status");
            ready = st && !strcmp(st, "True") ? STORE_READY : 0;
            ready_seen = true;
        } else if (!dtarget_seen && !strcmp(t, "DisruptionTarget")) {
            const char *st = jstr(c, "status"), *r = jstr(c, "reason");
            dtarget = st && !strcmp(st, "True") && !(r && !strcmp(r, "TerminationByKubelet")) ? STORE_DTARGET : 0;
            dtarget_seen = true;
        }
    }
    return (dt && !cJSON_IsNull(dt) ? STORE_DELETING : 0) | ready |
           (!phase ? STORE_NOPHASE : !strcmp(phase, "Pending") ? STORE_PENDING : 0) |
           (node && *node ? STORE_BOUND : 0) |
           (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")) ? STORE_ENDED : 0) | dtarget;
}

/* The fields kept without the tree, after a change. */
static void set_hot(store *s, store_obj *o)
{
    o->hot = hot_of(o->tree);
    const char *k = ckey_get(s, o->tree);
    ckey_release(s, o->ckey);
    o->ckey = k;
}

/* Do old and doc have the same ownerReferences (both none, or equal)?
 * Then the controller group and key, read from nothing else, stay. */
static bool same_refs(const cJSON *old, const cJSON *doc)
{
    const cJSON *a = jget(old, "metadata.ownerReferences"), *b = jget(doc, "metadata.ownerReferences");
    return (!a && !b) || jequal(a, b);
}

static void listener_wrote(const char *what)
{
    fprintf(stderr, "evictsim: %s called from inside a store listener "
                    "(listeners queue work; they never write)\n", what);
    abort();
}

static void (*on_listener_write)(const char *what) = listener_wrote;

void store_on_listener_write(void (*fn)(const char *what))
{
    on_listener_write = fn ? fn : listener_wrote;
}

/* Every write checks that no listener is running: a listener that writes
 * would hand the next listeners a change they see before the one that
 * caused it. */
#define NOT_IN_LISTENER(s, what)                                                                   \
    do {                                                                                           \
        if ((s)->notifying)                                                                        \
            on_listener_write(what);                                                               \
    } while (0)

static void notify(store *s, store_event ev, const store_obj *o, const cJSON *old)
{
    s->notifying++;
    for (int i = 0; i < s->nlisteners; i++)
        s->listeners[i].fn(s->listeners[i].ctx, ev, o, old);
    s->notifying--;
}

/* A new object of kind k named name in namespace ns ("" when
 * cluster-scoped), in the tables and its bucket; no document yet. */
static store_obj *obj_add(store *s, kind_id k, const char *ns, const char *name)
{
    bucket *b = bucket_get(s, k, ns, true);
    char buf[512], *key = make_key(b->ns, name, buf, sizeof buf);
    store_obj *o = obj_new(key);
    if (key != buf)
        free(key);
    o->kind = k;
    o->ns = b->ns;
    o->name = o->key + (*b->ns ? strlen(b->ns) + 1 : 0);
    HASH_ADD_KEYPTR(hh, s->tables[k], o->key, strlen(o->key), o);
    bucket_add(b, o);
    return o;
}

store_obj *store_insert(store *s, kind_id k, cJSON *doc)
{
    NOT_IN_LISTENER(s, "store_insert");
    const char *ns = kind_get(k)->namespaced ? jstr(doc, "metadata.namespace") : NULL;
    const char *name = jstr(doc, "metadata.name");
    store_obj *o = obj_add(s, k, ns ? ns : "", name ? name : "");
    set_tree(s, o, doc);
    stamp_rv(s, o);
    set_hot(s, o);
    owner_update(o);
    notify(s, STORE_ADDED, o, NULL);
    return o;
}

/* o's document is about to be replaced: returns the old one (to give the
 * listeners, then free) and forgets what was derived from it. */
static cJSON *replace_begin(store *s, store_obj *o)
{
    memo_forget(s, o);
    cJSON *old = store_doc(o);
    cache_unlink(s, o);
    o->tree = NULL;
    free(o->packed);
    o->packed = NULL;
    free(o->aux);
    o->aux = NULL;
    return old;
}

void store_replace(store *s, store_obj *o, cJSON *doc)
{
    NOT_IN_LISTENER(s, "store_replace");
    cJSON *old = replace_begin(s, o);
    set_tree(s, o, doc);
    if (same_refs(old, doc)) {
        stamp_rv(s, o);
        o->hot = hot_of(o->tree);
    } else {
        owner_update(o);
        stamp_rv(s, o);
        set_hot(s, o);
    }
    notify(s, STORE_MODIFIED, o, old);
    cJSON_Delete(old);
}

/* ---- a change of some members, without a copy of the document ------------ */

#define PATHS_MAX 8

bool store_checking(const store *s)
{
    return s->check;
}

/* Put repl where item is among parent's members and take item out, not
 * freeing it (cJSON_ReplaceItemViaPointer's links, without its delete). */
static void swap_member(cJSON *parent, cJSON *item, cJSON *repl)
{
    repl->next = item->next;
    repl->prev = item->prev;
    if (repl->next)
        repl->next->prev = repl;
    if (parent->child == item) {
        if (parent->child->prev == parent->child)
            repl->prev = repl;
        parent->child = repl;
    } else {
        if (repl->prev)
            repl->prev->next = repl;
        if (!repl->next)
            parent->child->prev = repl;
    }
    item->next = item->prev = NULL;
}

static size_t seg_len(const char *p)
{
    const char *d = strchr(p, '.');
    return d ? (size_t)(d - p) : strlen(p);
}

static bool seg_is(const char *key, const char *p, size_t n)
{
    return key && !strncmp(key, p, n) && !key[n];
}

static const cJSON *first_member(const cJSON *o, const char *p, size_t n)
{
    for (const cJSON *m = o->child; m; m = m->next)
        if (seg_is(m->string, p, n))
            return m;
    return NULL;
}

/* Can each change be made in t: every object on its path there (the first
 * member of its key), each of their members keyed, no path in another? */
static bool paths_ok(const cJSON *t, const store_change *ch, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = ch[i].path;
        if (!p || !*p)
            return false;
        size_t lp = strlen(p);
        for (size_t j = 0; j < i; j++) {
            size_t lq = strlen(ch[j].path), m = lp < lq ? lp : lq;
            if (!strncmp(ch[j].path, p, m) && (!p[m] || p[m] == '.') && (!ch[j].path[m] || ch[j].path[m] == '.'))
                return false;
        }
        for (const cJSON *cur = t;;) {
            if (!cJSON_IsObject(cur))
                return false;
            for (const cJSON *m = cur->child; m; m = m->next)
                if (!m->string)
                    return false;
            size_t k = seg_len(p);
            if (!k)
                return false;
            if (!p[k])
                break;
            cur = first_member(cur, p, k);
            p += k + 1;
        }
    }
    return true;
}

typedef struct {
    const char *rest; /* the path below the object walked */
    size_t k;         /* the length of its first segment */
    cJSON *v;
    bool found;
} pchange;

static pchange pchange_at(const char *rest, cJSON *v)
{
    return (pchange){rest, seg_len(rest), v, false};
}

/* Make the changes under t (an object of the stored tree), filling sh, its
 * node in the old document: a member that stays gets a shell there, one
 * replaced moves there, one on the way to a change gets a node of its own. */
static void walk_changes(cJSON *t, cJSON *sh, pchange *pc, size_t n)
{
    pchange sub[PATHS_MAX];
    for (cJSON *m = t->child, *next; m; m = next) {
        next = m->next;
        size_t ns = 0;
        cJSON *leaf = NULL;
        for (size_t i = 0; i < n; i++) {
            size_t k = pc[i].k;
            if (pc[i].found || m->string[0] != pc[i].rest[0] || !seg_is(m->string, pc[i].rest, k))
                continue;
            pc[i].found = true;
            if (!pc[i].rest[k])
                leaf = pc[i].v;
            else
                sub[ns++] = pchange_at(pc[i].rest + k + 1, pc[i].v);
        }
        if (leaf) {
            swap_member(t, m, leaf);
            if (leaf->string && !(leaf->type & cJSON_StringIsConst))
                cJSON_free(leaf->string);
            leaf->string = m->string; /* the key is the new member's now; the old borrows it */
            leaf->type = (leaf->type & ~cJSON_StringIsConst) | (m->type & cJSON_StringIsConst);
            m->type |= cJSON_StringIsConst; /* else adding it would free the key it is given */
            cJSON_AddItemToObjectCS(sh, m->string, m);
        } else if (ns) {
            cJSON *s2 = cJSON_CreateObject();
            cJSON_AddItemToObjectCS(sh, m->string, s2);
            walk_changes(m, s2, sub, ns);
        } else {
            cJSON_AddItemToObjectCS(sh, m->string, jview(m));
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!pc[i].found) /* a last segment (paths_ok): added last, as jset adds */
            cJSON_AddItemToObject(t, pc[i].rest, pc[i].v);
}

/* What the copy would have been (EVICTSIM_DOC_CHECK): t with jset at each path. */
static cJSON *changes_copied(const cJSON *t, const store_change *ch, size_t n)
{
    cJSON *d = cJSON_Duplicate(t, true);
    for (size_t i = 0; i < n; i++) {
        cJSON *cur = d;
        const char *p = ch[i].path;
        for (size_t k = seg_len(p); p[k]; p += k + 1, k = seg_len(p))
            cur = (cJSON *)first_member(cur, p, k);
        jset(cur, p, cJSON_Duplicate(ch[i].v, true));
    }
    return d;
}

static void paths_check(const store_obj *o, const char *want, const char *got, const char *what)
{
    if (strcmp(want, got)) {
        fprintf(stderr, "evictsim: store_replace_paths of %s/%s made %s %s, not %s\n", kind_get(o->kind)->plural, o->key,
                what, got, want);
        abort();
    }
}

bool store_replace_paths(store *s, store_obj *o, store_change *ch, size_t n)
{
    NOT_IN_LISTENER(s, "store_replace_paths");
    cJSON *t = store_doc(o);
    const cJSON *md = jfield(t, "metadata"), *rv = jfield(md, "resourceVersion");
    if (!t || !n || n >= PATHS_MAX || !cJSON_IsObject(md) || !cJSON_IsString(rv) || (rv->type & cJSON_IsReference))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!ch[i].v || !ch[i].path || !strcmp(ch[i].path, "metadata"))
            return false;
    store_change all[PATHS_MAX];
    memcpy(all, ch, n * sizeof *ch);
    all[n] = (store_change){"metadata.resourceVersion", NULL}; /* stamp_rv writes the new one in place */
    if (!paths_ok(t, all, n + 1))
        return false;
    char *was = s->check ? jprint(t) : NULL;
    cJSON *want = s->check ? changes_copied(t, ch, n) : NULL;
    memo_forget(s, o);
    free(o->packed);
    o->packed = NULL;
    free(o->aux);
    o->aux = NULL;
    cache_unlink(s, o); /* to the cache's newest end, as a replace */
    o->tree = NULL;
    set_tree(s, o, t);
    pchange pc[PATHS_MAX];
    bool refs = false; /* may the ownerReferences change (else the same node stays) */
    for (size_t i = 0; i < n; i++) {
        pc[i] = pchange_at(all[i].path, all[i].v);
        refs = refs || !strncmp(all[i].path, "metadata.ownerReferences", 24);
    }
    pc[n] = pchange_at(all[n].path, cJSON_CreateString(rv->valuestring));
    cJSON *old = cJSON_CreateObject();
    walk_changes(t, old, pc, n + 1);
    if (!refs || same_refs(old, t)) {
        stamp_rv(s, o);
        o->hot = hot_of(t);
    } else {
        owner_update(o);
        stamp_rv(s, o);
        set_hot(s, o);
    }
    if (want) {
        char *got = jprint(old);
        paths_check(o, was, got, "the old document");
        free(got);
        jset_str(jobj(want, "metadata"), "resourceVersion", jstr(t, "metadata.resourceVersion"));
        char *a = jprint(want), *b = jprint(t);
        paths_check(o, a, b, "the new document");
        free(a), free(b), free(was);
        cJSON_Delete(want);
    }
    notify(s, STORE_MODIFIED, o, old);
    cJSON_Delete(old);
    return true;
}

void store_remove(store *s, store_obj *o)
{
    NOT_IN_LISTENER(s, "store_remove");
    HASH_DEL(s->tables[o->kind], o);
    owner_del(o);
    bucket_del(o);
    stamp_rv(s, o);
    notify(s, STORE_DELETED, o, NULL);
    memo_forget(s, o); /* after the listeners, who may have asked */
    obj_free(s, o);
}

/* ---- loading: documents written compactly before they go in --------------- */

struct store_staged {
    kind_id kind;
    char *ns, *name;         /* ns "" when cluster-scoped */
    unsigned char *packed;   /* with metadata.resourceVersion "" ... */
    size_t rvpos;            /* ... whose value starts here */
    unsigned char hot;
    const char *ckey;        /* counted */
    int own;                 /* controller_of */
    char *uid;
};

store_staged *store_stage(store *s, kind_id k, cJSON *doc)
{
    cJSON *md = jobj(doc, "metadata");
    const char *ns = kind_get(k)->namespaced ? jstr(md, "namespace") : NULL, *name = jstr(md, "name"), *uid = NULL;
    int own = controller_of(doc, &uid);
    ns = ns ? ns : "", name = name ? name : "";
    size_t lns = strlen(ns) + 1, lname = strlen(name) + 1, luid = uid ? strlen(uid) + 1 : 0;
    store_staged *st = xcalloc(1, sizeof *st + lns + lname + luid); /* one block: no holes left behind */
    st->kind = k;
    st->ns = memcpy((char *)(st + 1), ns, lns);
    st->name = memcpy(st->ns + lns, name, lname);
    st->uid = uid ? memcpy(st->name + lname, uid, luid) : NULL;
    st->own = own;
    /* where stamp_rv would write the resourceVersion (in place, or last), a
     * slot that the number fills once known */
    jset(md, "resourceVersion", cJSON_CreateStringReference(compact_rv_slot));
    size_t len;
    st->packed = compact_pack(doc, &len);
    const unsigned char *p = st->packed + 4;
    if (!compact_find(&p, "metadata", 8) || !compact_find(&p, "resourceVersion", 15) || *p != P_RV)
        abort(); /* cannot be: metadata is an object, and the slot was just written */
    st->rvpos = (size_t)(p - st->packed);
    st->hot = hot_of(doc);
    st->ckey = ckey_get(s, doc);
    return st;
}

const char *store_staged_ns(const store_staged *st)
{
    return kind_get(st->kind)->namespaced ? st->ns : NULL;
}

kind_id store_staged_kind(const store_staged *st)
{
    return st->kind;
}

const char *store_staged_name(const store_staged *st)
{
    return st->name;
}

void store_staged_free(store *s, store_staged *st)
{
    if (!st)
        return;
    ckey_release(s, st->ckey);
    free(st->packed);
    free(st); /* ns, name and uid are in its block */
}

/* The staged document (taken from st) with its resourceVersion in its slot. */
static unsigned char *staged_doc(store_staged *st, uint64_t rv)
{
    unsigned char *b = st->packed, *o = b + st->rvpos + 1;
    char digits[20], *d = digits + sizeof digits;
    do
        *--d = (char)('0' + rv % 10);
    while ((rv /= 10));
    size_t n = (size_t)(digits + sizeof digits - d);
    memcpy(o + 1, d, n);
    o[1 + n] = 0;
    o[0] = (unsigned char)n;
    st->packed = NULL;
    return b;
}

/* The staged fields into o (a new or changed object); st is freed. */
static void take_staged(store *s, store_obj *o, store_staged *st)
{
    o->rv = ++s->rv;
    o->packed = staged_doc(st, o->rv);
    o->hot = st->hot;
    ckey_release(s, o->ckey);
    o->ckey = st->ckey;
    st->ckey = NULL;
    owner_set(o, st->own, st->uid);
    store_staged_free(s, st);
}

store_obj *store_insert_staged(store *s, store_staged *st)
{
    NOT_IN_LISTENER(s, "store_insert_staged");
    store_obj *o = obj_add(s, st->kind, st->ns, st->name);
    take_staged(s, o, st);
    notify(s, STORE_ADDED, o, NULL);
    return o;
}

void store_replace_staged(store *s, store_obj *o, store_staged *st)
{
    NOT_IN_LISTENER(s, "store_replace_staged");
    cJSON *old = replace_begin(s, o);
    take_staged(s, o, st);
    notify(s, STORE_MODIFIED, o, old);
    cJSON_Delete(old);
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
