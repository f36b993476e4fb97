/* pdbindex: PDB ↔ pod selection, kept from store changes (a store
 * extension with its own listener). Each PDB with a usable selector sits on
 * one candidate list per namespace: the list of one of its matchLabels pairs
 * ("anchor"), or the namespace's always-test list; a pod's candidates are the
 * lists of its own label pairs plus that one, each confirmed with
 * labelsel_matches. A PDB's members (and which are unhealthy) are found in
 * one pass over its namespace the first time they are asked for, then
 * followed pod event by pod event. Must not write to the store. */
#define _GNU_SOURCE
#include "pdbindex.h"
#include "xalloc.h"
#include "json.h"
#include "selector.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXT_NAME "pdbindex"

typedef struct member {
    UT_hash_handle hh; /* in pent.members, keyed by the pod pointer */
    UT_hash_handle uh; /* in pent.unhealthy while it is */
    store_obj *pod;
    bool bad;
} member;

typedef struct pent {
    UT_hash_handle hh; /* in pdbindex.pdbs, keyed by the PDB pointer */
    store_obj *pdb;
    labelsel *sel;     /* NULL: selects nothing */
    cJSON *selj;       /* spec.selector as indexed (NULL when absent) */
    char *list;        /* key of the candidate list it is on, or NULL */
    struct pent *next; /* on that list */
    bool built;        /* members known */
    member *members, *unhealthy;
    store_obj **sorted; /* members by name, unless dirty */
    size_t nsorted;
    bool dirty;
} pent;

typedef struct clist {
    UT_hash_handle hh;
    char *key; /* "ns\x1fkey\x1fvalue", or "ns\x1e" for the always-test list */
    pent *head;
} clist;

struct pdbindex {
    store *st;
    pent *pdbs;
    clist *lists;
    size_t nbuilt; /* PDBs whose members are known */
    uint64_t gen;  /* bumped whenever a PDB's selection may change (pod_pdbs) */
};

/* A pod's PDBs, as pdbindex_pdbs_for last answered them, kept as the pod's
 * aux (pods have no other): the store drops it when the pod's document
 * changes (its labels with it), and gen says whether any PDB came, went or
 * changed its selector since. */
typedef struct pod_pdbs {
    const pdbindex *ix;
    uint64_t gen;
    size_t n;
    store_obj *pdbs[];
} pod_pdbs;

static void set_built(pdbindex *ix, pent *e, bool built)
{
    if (e->built != built)
        ix->nbuilt += built ? 1 : (size_t)-1;
    e->built = built;
}

/* ---- candidate lists -------------------------------------------------------- */

/* Key "ns\x1fk\x1fv" (or "ns\x1e" without k) into buf when it fits, else malloc'd. */
static char *list_key(const char *ns, const char *k, const char *v, char *buf, size_t cap)
{
    size_t ln = strlen(ns), lk = k ? strlen(k) : 0, lv = k ? strlen(v) : 0, n = ln + lk + lv + 3;
    char *key = n <= cap ? buf : xmalloc(n), *p = key;
    memcpy(p, ns, ln);
    p += ln;
    if (k) {
        *p++ = '\x1f';
        memcpy(p, k, lk);
        p += lk;
        *p++ = '\x1f';
        memcpy(p, v, lv);
        p += lv;
    } else {
        *p++ = '\x1e';
    }
    *p = 0;
    return key;
}

static clist *list_find(pdbindex *ix, const char *ns, const char *k, const char *v)
{
    char buf[512];
    char *key = list_key(ns, k, v, buf, sizeof buf);
    clist *l = NULL;
    HASH_FIND_STR(ix->lists, key, l);
    if (key != buf)
        free(key);
    return l;
}

/* The first string pair of matchLabels: every selected pod carries it. */
static const cJSON *anchor_of(const cJSON *selj)
{
    const cJSON *kv;
    cJSON_ArrayForEach(kv, jget(selj, "matchLabels"))
        if (cJSON_IsString(kv) && kv->string)
            return kv;
    return NULL;
}

static void pent_index(pdbindex *ix, pent *e)
{
    ix->gen++;
    char *err = NULL;
    const cJSON *selj = jget(store_doc(e->pdb), "spec.selector");
    e->sel = labelsel_from_json(selj, &err);
    free(err);
    e->selj = selj ? cJSON_Duplicate(selj, true) : NULL;
    set_built(ix, e, false);
    e->dirty = true;
    if (!e->sel)
        return;
    const cJSON *a = anchor_of(selj);
    e->list = list_key(e->pdb->ns, a ? a->string : NULL, a ? a->valuestring : NULL, NULL, 0);
    clist *l = NULL;
    HASH_FIND_STR(ix->lists, e->list, l);
    if (!l) {
        l = xcalloc(1, sizeof *l);
        l->key = xstrdup(e->list);
        HASH_ADD_KEYPTR(hh, ix->lists, l->key, strlen(l->key), l);
    }
    e->next = l->head;
    l->head = e;
}

static void members_clear(pent *e)
{
    member *m, *t;
    HASH_CLEAR(uh, e->unhealthy);
    HASH_ITER(hh, e->members, m, t) {
        HASH_DEL(e->members, m);
        free(m);
    }
    free(e->sorted);
    e->sorted = NULL;
    e->nsorted = 0;
    e->dirty = true;
}

static void pent_unindex(pdbindex *ix, pent *e)
{
    ix->gen++;
    clist *l = NULL;
    if (e->list)
        HASH_FIND_STR(ix->lists, e->list, l);
    for (pent **p = l ? &l->head : NULL; p && *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    if (l && !l->head) {
        HASH_DEL(ix->lists, l);
        free(l->key);
        free(l);
    }
    free(e->list);
    e->list = NULL;
    e->next = NULL;
    labelsel_free(e->sel);
    e->sel = NULL;
    cJSON_Delete(e->selj);
    e->selj = NULL;
    members_clear(e);
    set_built(ix, e, false);
}

/* A pod's labels as pairs, in order (v NULL: not a string), read once per
 * question: from a document, or from a stored pod's compact form. */
typedef struct {
    const char *k, *v;
} lpair;

typedef struct {
    lpair *p, buf[16];
    size_t n, cap;
} lset;

static bool lset_add(const char *k, const char *v, void *arg)
{
    lset *s = arg;
    if (s->n == s->cap) {
        lpair *grown = malloc(2 * s->cap * sizeof *grown);
        if (!grown)
            abort(); /* a pod's labels could not be read: no answer would be right */
        memcpy(grown, s->p, s->n * sizeof *grown);
        if (s->p != s->buf)
            free(s->p);
        s->p = grown;
        s->cap *= 2;
    }
    s->p[s->n++] = (lpair){k, v};
    return true;
}

static void lset_init(lset *s)
{
    s->p = s->buf;
    s->n = 0;
    s->cap = sizeof s->buf / sizeof *s->buf;
}

static void lset_of_pod(lset *s, const store_obj *pod)
{
    lset_init(s);
    store_each_member(pod, "metadata.labels", lset_add, s);
}

static void lset_of_json(lset *s, const cJSON *labels)
{
    lset_init(s);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, (cJSON_IsObject(labels) ? labels : NULL))
        if (kv->string)
            lset_add(kv->string, cJSON_IsString(kv) ? kv->valuestring : NULL, s);
}

static void lset_free(lset *s)
{
    if (s->p != s->buf)
        free(s->p);
}

/* The first member named key, as a selector looks a label up. */
static const char *lset_get(const void *arg, const char *key)
{
    const lset *s = arg;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->p[i].k, key))
            return s->p[i].v;
    return NULL;
}

/* Appends to *out (*n of them, room for *cap) the PDBs of list l that
 * select a pod with labels ls, once each (a repeated label key would visit
 * a list twice). */
static void cands_from(const clist *l, const lset *ls, pent ***out, size_t *n, size_t *cap)
{
    for (pent *e = l ? l->head : NULL; e; e = e->next) {
        if (!labelsel_matches_get(e->sel, lset_get, ls))
            continue;
        bool seen = false;
        for (size_t i = 0; i < *n && !seen; i++)
            seen = (*out)[i] == e;
        if (seen)
            continue;
        if (*n == *cap)
            *out = realloc(*out, (*cap *= 2) * sizeof **out);
        (*out)[(*n)++] = e;
    }
}

/* PDBs of ns that select a pod with labels ls (unsorted, malloc'd): those
 * on the always-test list and on the list of each of its label pairs. */
static pent **candidates(pdbindex *ix, const char *ns, const lset *ls, size_t *n)
{
    size_t cap = 4;
    pent **out = xmalloc(cap * sizeof *out);
    *n = 0;
    cands_from(list_find(ix, ns, NULL, NULL), ls, &out, n, &cap);
    for (size_t i = 0; i < ls->n; i++)
        if (ls->p[i].v)
            cands_from(list_find(ix, ns, ls->p[i].k, ls->p[i].v), ls, &out, n, &cap);
    return out;
}

/* ---- members ---------------------------------------------------------------- */

/* Terminating or not Ready (the first Ready condition decides). */
static bool pod_unhealthy(const cJSON *doc)
{
    const cJSON *dt = jget(doc, "metadata.deletionTimestamp");
    if (dt && !cJSON_IsNull(dt))
        return true;
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(doc, "status.conditions")) {
        const char *t = jstr(c, "type"), *s = jstr(c, "status");
        if (t && !strcmp(t, "Ready"))
            return !(s && !strcmp(s, "True"));
    }
    return true;
}

/* pod_unhealthy of a stored pod, from its bits. */
static bool stored_unhealthy(const store_obj *pod)
{
    return (pod->hot & STORE_DELETING) || !(pod->hot & STORE_READY);
}

static void member_set_bad(pent *e, member *m, bool bad)
{
    if (m->bad == bad)
        return;
    if (bad)
        HASH_ADD(uh, e->unhealthy, pod, sizeof(void *), m);
    else
        HASH_DELETE(uh, e->unhealthy, m);
    m->bad = bad;
}

/* Where a pod named name goes in e->sorted: the first member not before
 * it. *same: that member has the name too. */
static size_t sorted_at(const pent *e, const char *name, bool *same)
{
    size_t lo = 0, hi = e->nsorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(e->sorted[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *same = lo < e->nsorted && !strcmp(e->sorted[lo]->name, name);
    return lo;
}

/* A member came or went: the sorted members kept in step, one insertion
 * or removal instead of a sort on the next pdbindex_pods_of. Equal names
 * (which qsort would order as it likes) fall back to the sort. */
static void sorted_change(pent *e, store_obj *pod, bool add)
{
    if (e->dirty)
        return;
    bool same;
    size_t at = sorted_at(e, pod->name, &same);
    if (add && !same) {
        e->sorted = xrealloc(e->sorted, (e->nsorted + 1) * sizeof *e->sorted);
        memmove(e->sorted + at + 1, e->sorted + at, (e->nsorted - at) * sizeof *e->sorted);
        e->sorted[at] = pod;
        e->nsorted++;
    } else if (!add && same && e->sorted[at] == pod && (at + 1 == e->nsorted || strcmp(e->sorted[at + 1]->name, pod->name))) {
        memmove(e->sorted + at, e->sorted + at + 1, (e->nsorted - at - 1) * sizeof *e->sorted);
        e->nsorted--;
    } else {
        e->dirty = true;
    }
}

static void member_add(pent *e, store_obj *pod, bool bad)
{
    member *m = NULL;
    HASH_FIND_PTR(e->members, &pod, m);
    if (!m) {
        m = xcalloc(1, sizeof *m);
        m->pod = pod;
        HASH_ADD_PTR(e->members, pod, m);
        sorted_change(e, pod, true);
    }
    member_set_bad(e, m, bad);
}

static void member_del(pent *e, const store_obj *pod)
{
    member *m = NULL;
    HASH_FIND_PTR(e->members, &pod, m);
    if (!m)
        return;
    member_set_bad(e, m, false);
    HASH_DEL(e->members, m);
    free(m);
    sorted_change(e, (store_obj *)pod, false);
}

/* One pass over the namespace's pods fills every PDB there not yet built. */
static void build_ns(pdbindex *ix, const char *ns)
{
    size_t np;
    store_obj **pods = store_list(ix->st, K_POD, ns, &np);
    for (size_t i = 0; i < np; i++) {
        size_t nc;
        lset ls;
        lset_of_pod(&ls, pods[i]);
        pent **c = candidates(ix, ns, &ls, &nc);
        lset_free(&ls);
        bool bad = nc ? stored_unhealthy(pods[i]) : false;
        for (size_t j = 0; j < nc; j++)
            if (!c[j]->built)
                member_add(c[j], pods[i], bad);
        free(c);
    }
    free(pods);
    for (pent *e = ix->pdbs; e; e = e->hh.next)
        if (!strcmp(e->pdb->ns, ns))
            set_built(ix, e, true);
}

/* ---- store events ------------------------------------------------------------- */

static pent *pent_find(pdbindex *ix, const store_obj *pdb)
{
    pent *e = NULL;
    HASH_FIND_PTR(ix->pdbs, &pdb, e);
    return e;
}

static pent *pent_add(pdbindex *ix, store_obj *pdb)
{
    pent *e = xcalloc(1, sizeof *e);
    e->pdb = pdb;
    HASH_ADD_PTR(ix->pdbs, pdb, e);
    pent_index(ix, e);
    return e;
}

static void pent_free(pdbindex *ix, pent *e)
{
    pent_unindex(ix, e); /* bumps gen: no pod keeps e->pdb */
    HASH_DEL(ix->pdbs, e);
    free(e);
}

static bool same_json(const cJSON *a, const cJSON *b)
{
    return (!a && !b) || (a && b && jequal(a, b));
}

static void on_pdb(pdbindex *ix, store_event ev, store_obj *pdb)
{
    pent *e = pent_find(ix, pdb);
    if (ev == STORE_DELETED) {
        if (e)
            pent_free(ix, e);
        return;
    }
    if (!e) {
        pent_add(ix, pdb);
    } else if (!same_json(e->selj, jget(store_doc(pdb), "spec.selector"))) {
        pent_unindex(ix, e);
        pent_index(ix, e);
    }
}

/* Add the pod to (op > 0) or take it from (op < 0) every built PDB that
 * selects it by these labels. */
static void each_built(pdbindex *ix, store_obj *pod, const lset *labels, int op, bool bad)
{
    size_t nc;
    pent **c = candidates(ix, pod->ns, labels, &nc);
    for (size_t i = 0; i < nc; i++) {
        if (!c[i]->built)
            continue;
        if (op < 0) {
            member_del(c[i], pod);
        } else {
            member_add(c[i], pod, bad);
        }
    }
    free(c);
}

static void on_pod(pdbindex *ix, store_event ev, store_obj *pod, const cJSON *old)
{
    if (!ix->nbuilt) /* as while a cluster loads: no PDB to keep */
        return;
    lset now, was;
    lset_of_pod(&now, pod);
    if (ev == STORE_DELETED) {
        each_built(ix, pod, &now, -1, false);
    } else {
        bool bad = stored_unhealthy(pod);
        bool same = false;
        if (ev == STORE_MODIFIED && old) {
            const cJSON *labels = jget(old, "metadata.labels");
            if (!same_json(labels, store_get_path(pod, "metadata.labels"))) {
                lset_of_json(&was, labels);
                each_built(ix, pod, &was, -1, false);
                lset_free(&was);
            } else {
                same = pod_unhealthy(old) == bad; /* same labels, same health: nothing changes here */
            }
        }
        if (!same)
            each_built(ix, pod, &now, 1, bad);
    }
    lset_free(&now);
}

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    pdbindex *ix = ctx;
    if (o->kind == K_PDB)
        on_pdb(ix, ev, (store_obj *)o);
    else if (o->kind == K_POD && ix->pdbs)
        on_pod(ix, ev, (store_obj *)o, old);
}

static void ix_free(void *p)
{
    pdbindex *ix = p;
    pent *e, *t;
    HASH_ITER(hh, ix->pdbs, e, t)
        pent_free(ix, e);
    free(ix);
}

pdbindex *pdbindex_get(store *st)
{
    pdbindex *ix = store_ext(st, EXT_NAME);
    if (ix)
        return ix;
    ix = xcalloc(1, sizeof *ix);
    ix->st = st;
    size_t n;
    store_obj **pdbs = store_list(st, K_PDB, NULL, &n);
    for (size_t i = 0; i < n; i++)
        pent_add(ix, pdbs[i]);
    free(pdbs);
    store_set_ext(st, EXT_NAME, ix, ix_free);
    store_listen(st, on_change, ix);
    return ix;
}

/* ---- queries ------------------------------------------------------------------ */

static int cmp_name(const void *a, const void *b)
{
    return strcmp((*(store_obj *const *)a)->name, (*(store_obj *const *)b)->name);
}

store_obj **pdbindex_pdbs_for(pdbindex *ix, const store_obj *pod, size_t *n)
{
    const pod_pdbs *k = pod->aux;
    if (!k || k->ix != ix || k->gen != ix->gen) {
        lset ls;
        lset_of_pod(&ls, pod);
        size_t nc;
        pent **c = candidates(ix, pod->ns, &ls, &nc);
        lset_free(&ls);
        pod_pdbs *nk = xmalloc(sizeof *nk + nc * sizeof *nk->pdbs);
        *nk = (pod_pdbs){.ix = ix, .gen = ix->gen, .n = nc};
        for (size_t i = 0; i < nc; i++)
            nk->pdbs[i] = c[i]->pdb;
        free(c);
        qsort(nk->pdbs, nc, sizeof *nk->pdbs, cmp_name);
        store_set_aux(pod, nk);
        k = nk;
    }
    *n = k->n;
    store_obj **out = xmalloc((*n ? *n : 1) * sizeof *out);
    memcpy(out, k->pdbs, *n * sizeof *out);
    return out;
}

static pent *pent_ready(pdbindex *ix, const store_obj *pdb)
{
    pent *e = pent_find(ix, pdb);
    if (!e)
        e = pent_add(ix, (store_obj *)pdb);
    if (!e->built)
        build_ns(ix, pdb->ns);
    return e;
}

store_obj **pdbindex_pods_of(pdbindex *ix, const store_obj *pdb, size_t *n)
{
    pent *e = pent_ready(ix, pdb);
    if (e->dirty) {
        size_t cnt = HASH_COUNT(e->members), i = 0;
        e->sorted = xrealloc(e->sorted, (cnt ? cnt : 1) * sizeof *e->sorted);
        for (member *m = e->members; m; m = m->hh.next)
            e->sorted[i++] = m->pod;
        qsort(e->sorted, cnt, sizeof *e->sorted, cmp_name);
        e->nsorted = cnt;
        e->dirty = false;
    }
    store_obj **out = xmalloc((e->nsorted ? e->nsorted : 1) * sizeof *out);
    memcpy(out, e->sorted, e->nsorted * sizeof *out);
    *n = e->nsorted;
    return out;
}

store_obj **pdbindex_unhealthy_of(pdbindex *ix, const store_obj *pdb, size_t *n)
{
    pent *e = pent_ready(ix, pdb);
    size_t cnt = HASH_CNT(uh, e->unhealthy), i = 0;
    store_obj **out = xmalloc((cnt ? cnt : 1) * sizeof *out);
    for (member *m = e->unhealthy; m; m = m->uh.next)
        out[i++] = m->pod;
    qsort(out, cnt, sizeof *out, cmp_name);
    *n = cnt;
    return out;
}

size_t pdbindex_unhealthy_count(pdbindex *ix, const store_obj *pdb)
{
    return HASH_CNT(uh, pent_ready(ix, pdb)->unhealthy);
}

bool pdbindex_selects(pdbindex *ix, const store_obj *pdb, const store_obj *pod)
{
    pent *e = pent_find(ix, pdb);
    if (!e)
        e = pent_add(ix, (store_obj *)pdb);
    return e->sel && !strcmp(pdb->ns, pod->ns) && labelsel_matches_get(e->sel, store_label, pod);
}
