/* store: hash tables of objects per kind, the resourceVersion counter and the
 * change listeners. Must not validate or default: callers (rest, controllers)
 * decide what goes in. */
#include "store.h"
#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTENERS 16

struct store {
    store_obj *tables[K_COUNT];
    uint64_t rv;
    struct { store_listener fn; void *ctx; } listeners[MAX_LISTENERS];
    int nlisteners;
};

store *store_new(void)
{
    return calloc(1, sizeof(store));
}

static void obj_free(store_obj *o)
{
    cJSON_Delete(o->doc);
    free(o->key);
    free(o->ns);
    free(o->name);
    free(o);
}

void store_free(store *s)
{
    if (!s)
        return;
    for (int k = 0; k < K_COUNT; k++) {
        store_obj *o, *tmp;
        HASH_ITER(hh, s->tables[k], o, tmp) {
            HASH_DEL(s->tables[k], o);
            obj_free(o);
        }
    }
    free(s);
}

uint64_t store_rv(const store *s)
{
    return s->rv;
}

static char *make_key(const char *ns, const char *name)
{
    size_t n = strlen(ns) + strlen(name) + 2;
    char *k = malloc(n);
    snprintf(k, n, "%s%s%s", ns, *ns ? "/" : "", name);
    return k;
}

store_obj *store_get(store *s, kind_id k, const char *ns, const char *name)
{
    const char *n = kind_get(k)->namespaced ? (ns ? ns : "") : "";
    char *key = make_key(n, name ? name : "");
    store_obj *o = NULL;
    HASH_FIND_STR(s->tables[k], key, o);
    free(key);
    return o;
}

static int cmp_obj(const void *a, const void *b)
{
    const store_obj *x = *(store_obj *const *)a, *y = *(store_obj *const *)b;
    int c = strcmp(x->ns, y->ns);
    return c ? c : strcmp(x->name, y->name);
}

store_obj **store_list(store *s, kind_id k, const char *ns, size_t *n)
{
    size_t cap = HASH_COUNT(s->tables[k]), len = 0;
    store_obj **arr = malloc((cap ? cap : 1) * sizeof *arr);
    for (store_obj *o = s->tables[k]; o; o = o->hh.next)
        if (!ns || !strcmp(o->ns, ns))
            arr[len++] = o;
    qsort(arr, len, sizeof *arr, cmp_obj);
    *n = len;
    return arr;
}

size_t store_count(store *s, kind_id k)
{
    return HASH_COUNT(s->tables[k]);
}

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
    o->kind = k;
    o->ns = strdup(ns ? ns : "");
    o->name = strdup(name ? name : "");
    o->key = make_key(o->ns, o->name);
    o->doc = doc;
    stamp_rv(s, o);
    HASH_ADD_KEYPTR(hh, s->tables[k], o->key, strlen(o->key), o);
    notify(s, STORE_ADDED, o, NULL);
    return o;
}

void store_replace(store *s, store_obj *o, cJSON *doc)
{
    cJSON *old = o->doc;
    o->doc = doc;
    stamp_rv(s, o);
    notify(s, STORE_MODIFIED, o, old);
    cJSON_Delete(old);
}

void store_remove(store *s, store_obj *o)
{
    HASH_DEL(s->tables[o->kind], o);
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
