/* cluster: construction, the lock, loading snapshots, reset and the
 * controller registry. Must not speak HTTP; semantics of single verbs live
 * in rest.c, eviction.c and the controllers. */
#define _GNU_SOURCE
#include "cluster.h"
#include "xalloc.h"
#include "crd.h"
#include "defaults.h"
#include "shape.h"
#include "generic.h"
#include "json.h"
#include "text.h"
#include "manifest.h"
#include "meta.h"
#include "decode.h"
#include "validate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

static const char *const system_namespaces[] = {"default", "kube-system", "kube-public",
                                                "kube-node-lease", NULL};

/* Controllers, in the order they attach. Each module defines its ops. */
extern const controller_ops kubelet_controller;
extern const controller_ops scheduler_controller;
extern const controller_ops replicaset_controller;
extern const controller_ops deployment_controller;
extern const controller_ops statefulset_controller;
extern const controller_ops daemonset_controller;
extern const controller_ops gc_controller;
extern const controller_ops disruption_controller;
extern const controller_ops evictionrequest_controller;
extern const controller_ops evictor_controller;
extern const controller_ops registry_controller;
extern const controller_ops crd_controller;
extern const controller_ops job_controller;
static const controller_ops *const registry[] = {
    &registry_controller,
    &crd_controller,
    &kubelet_controller,
    &scheduler_controller,
    &replicaset_controller,
    &deployment_controller,
    &statefulset_controller,
    &daemonset_controller,
    &job_controller,
    &gc_controller,
    &disruption_controller,
    &evictionrequest_controller,
    &evictor_controller,
    NULL,
};

/* The flag of the controller --controllers names (those with a flag can
 * be turned off; the garbage collector cannot). */
static int ctrl_flag(const char *name, size_t n, unsigned *flag)
{
    for (int i = 0; registry[i]; i++)
        if (registry[i]->flag && strlen(registry[i]->name) == n && !strncmp(registry[i]->name, name, n)) {
            *flag = registry[i]->flag;
            return 0;
        }
    return -1;
}

/* "kubelet, scheduler, ...": the names ctrl_flag knows. */
static char *ctrl_known(void)
{
    strbuf b = {0};
    for (int i = 0; registry[i]; i++)
        if (registry[i]->flag)
            strbuf_printf(&b, "%s%s", b.len ? ", " : "", registry[i]->name);
    return b.s ? b.s : xstrdup("");
}

int cluster_parse_controllers(const char *list, unsigned *mask, char **err)
{
    unsigned m = 0;
    bool only_removals = true;
    const char *p = list;
    if (!strcmp(list, "all")) { *mask = CTRL_ALL; return 0; }
    if (!strcmp(list, "none") || !*list) { *mask = 0; return 0; }
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        bool remove = *p == '-';
        unsigned f;
        if (n == 3 + (size_t)remove && !strncmp(p + remove, "all", 3)) {
            f = CTRL_ALL;
        } else if (ctrl_flag(p + remove, n - remove, &f) < 0) {
            char *known = ctrl_known();
            *err = xasprintf("unknown controller \"%.*s\" (known: %s)", (int)(n - remove), p + remove, known);
            free(known);
            return -1;
        }
        if (remove) {
            m = (only_removals && !m ? CTRL_ALL : m) & ~f;
        } else {
            only_removals = false;
            m |= f;
        }
        p += n + (comma ? 1 : 0);
    }
    *mask = m;
    return 0;
}

static void add_namespace(cluster *c, const char *name)
{
    cJSON *ns = cJSON_CreateObject();
    cJSON_AddStringToObject(ns, "apiVersion", "v1");
    cJSON_AddStringToObject(ns, "kind", "Namespace");
    cJSON *md = jobj(ns, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    char uid[40];
    meta_uuid(uid);
    cJSON_AddStringToObject(md, "uid", uid);
    meta_set_time(md, "creationTimestamp", cluster_now(c));
    defaults_apply(K_NAMESPACE, ns);
    jset(ns, "status", defaults_create_status(K_NAMESPACE, ns));
    store_insert(c->st, K_NAMESPACE, ns);
}

static void add_system_namespaces(cluster *c)
{
    for (int i = 0; system_namespaces[i]; i++)
        if (!store_get(c->st, K_NAMESPACE, NULL, system_namespaces[i]))
            add_namespace(c, system_namespaces[i]);
}

cluster *cluster_new(const cluster_opts *o)
{
    json_alloc_init();
    cluster *c = xcalloc(1, sizeof *c);
    /* adaptive: a pool thread that finds the model lock taken spins a
     * little before it sleeps; a sleep puts it behind every runnable
     * thread, wrk's included, which was the tail of the latency */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&c->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    c->opts = *o;
    c->st = store_new();
    c->clk = clock_new(o->manual_clock, o->start_time, o->time_scale);
    c->evictions = cJSON_CreateArray();
    c->faults = faults_new();
    kind_serve_lifecycle(kv_eviction_request_api(&o->kv));
    add_system_namespaces(c);
    for (int i = 0; registry[i] && c->nctrl < MAX_CONTROLLERS; i++) {
        if (registry[i]->flag && !(o->controllers & registry[i]->flag))
            continue;
        c->ctrl[c->nctrl].ops = registry[i];
        c->ctrl[c->nctrl].state = registry[i]->attach(c);
        c->nctrl++;
    }
    return c;
}

void cluster_free(cluster *c)
{
    if (!c)
        return;
    for (int i = c->nctrl - 1; i >= 0; i--)
        c->ctrl[i].ops->free(c->ctrl[i].state);
    store_free(c->st);
    clock_free(c->clk);
    cJSON_Delete(c->evictions);
    faults_free(c->faults);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void cluster_lock(cluster *c) { pthread_mutex_lock(&c->mu); }
/* Releasing the model is the store's safe point: nothing borrowed from a
 * document outlives the lock, so the trees beyond the cache go back to
 * their compact form here. */
void cluster_unlock(cluster *c)
{
    if (store_trim(c->st) >= 1000) { /* after a big change (a load): start the cache afresh */
        store_trim_to(c->st, 0);
        malloc_trim(0); /* give the dropped trees' pages back */
    }
    pthread_mutex_unlock(&c->mu);
}
double cluster_now(cluster *c) { return clock_now(c->clk); }

void cluster_settle(cluster *c)
{
    if (clock_manual(c->clk))
        clock_advance(c->clk, 0);
    else
        clock_run_due(c->clk);
}

void *cluster_controller(cluster *c, const char *name)
{
    for (int i = 0; i < c->nctrl; i++)
        if (!strcmp(c->ctrl[i].ops->name, name))
            return c->ctrl[i].state;
    return NULL;
}

/* Prepare one document of a load in place (defaults, namespace, server
 * metadata) and validate it. Returns a Status or NULL. */
static cJSON *load_prepare(cluster *c, cJSON *doc, int index, kind_id *kind, pthread_mutex_t *prev_mu)
{
    const char *av = jstr(doc, "apiVersion"), *k = jstr(doc, "kind");
    const kind_info *ki = kind_by_kind(av, k);
    if (!ki)
        return status_failuref(400, "BadRequest", "object %d: no kind \"%s\" is registered for version \"%s\"",
                               index + 1, k ? k : "", av ? av : "");
    if (ki->store_kind != ki->id) { /* events.k8s.io/v1 Events are stored as core/v1 ones */
        cJSON *stored = generic_to_stored(ki->id, doc);
        while (doc->child)
            cJSON_Delete(cJSON_DetachItemViaPointer(doc, doc->child));
        while (stored->child) {
            cJSON *it = cJSON_DetachItemViaPointer(stored, stored->child);
            cJSON_AddItemToObject(doc, it->string, it);
        }
        cJSON_Delete(stored);
        ki = kind_get(ki->store_kind);
    }
    *kind = ki->id;
    char *derr = decode_check(ki->id, doc);
    if (derr) {
        cJSON *st = status_failuref(400, "BadRequest", "object %d: %s", index + 1, derr);
        free(derr);
        return st;
    }
    cJSON *md = jobj(doc, "metadata");
    if (ki->namespaced && !jstr(md, "namespace"))
        jset_str(md, "namespace", "default");
    if (!ki->namespaced)
        jdel(md, "namespace");
    /* an object loaded over one of the same name with no identity of its
     * own is that object, rewritten: it keeps its uid (so its dependents stay
     * its own), creationTimestamp and generation (+1 if its spec changed) */
    const char *nm = jstr(md, "name");
    store_obj *prev = nm ? store_get(c->st, ki->id, ki->namespaced ? jstr(md, "namespace") : NULL, nm) : NULL;
    bool same_object = prev && !jstr(md, "uid");
    /* the previous object's tree is built and cached by store_doc: one
     * thread at a time when objects are prepared on several */
    if (prev && prev_mu)
        pthread_mutex_lock(prev_mu);
    /* the previous object's tree is the store's: never scratch */
    bool scratch = json_scratch_pause();
    const cJSON *prevdoc = same_object ? store_doc(prev) : NULL;
    json_scratch_resume(scratch);
    if (same_object) {
        const cJSON *pmd = jget(prevdoc, "metadata");
        jset_str(md, "uid", jstr(pmd, "uid"));
        if (!jstr(md, "creationTimestamp") && jstr(pmd, "creationTimestamp"))
            jset_str(md, "creationTimestamp", jstr(pmd, "creationTimestamp"));
    }
    bool keep_generation = same_object && meta_has_generation(ki->id) && !cJSON_IsNumber(jget(md, "generation"));
    if (!jstr(md, "uid")) {
        char uid[40];
        meta_uuid(uid);
        jset_str(md, "uid", uid);
    }
    if (!jstr(md, "creationTimestamp"))
        meta_set_time(md, "creationTimestamp", cluster_now(c));
    defaults_apply(ki->id, doc);
    generic_prepare_create(ki->id, doc);
    shape_apply(doc, kv_minor(&c->opts.kv));
    if (keep_generation) /* compared once both specs are defaulted and shaped */
        jset_num(md, "generation", jnum(prevdoc, "metadata.generation", 1) +
                                       !jequal(jget(prevdoc, "spec"), jget(doc, "spec")));
    else if (meta_has_generation(ki->id) && !cJSON_IsNumber(jget(md, "generation")))
        jset_num(md, "generation", 1);
    if (prev && prev_mu)
        pthread_mutex_unlock(prev_mu);
    if (ki->id == K_POD && !jstr(doc, "status.phase"))
        jset_str(jobj(doc, "status"), "phase", "Pending"); /* the API never shows a pod without one */
    const char *name = jstr(md, "name");
    cJSON *causes = cJSON_CreateArray();
    if (!name || !*name)
        cause_required(causes, "metadata.name", "name or generateName is required");
    else
        validate_object(ki->id, doc, NULL, causes);
    if (cJSON_GetArraySize(causes))
        return status_invalid(ki->kind, ki->group, name ? name : "", causes);
    cJSON_Delete(causes);
    if (ki->id == K_CRD) { /* served at once: the load's custom resources may follow */
        if (!cJSON_IsObject(jget(doc, "status")))
            jset(doc, "status", crd_create_status(doc));
        crd_serve(doc);
    }
    return NULL;
}

/* A load in progress: each document is prepared and written compactly as
 * it comes (so a big list never exists as trees all at once), and nothing
 * goes in before the last one has been prepared without error. */
struct cluster_loader {
    cluster *c;
    pthread_mutex_t prev_mu; /* see load_prepare */
    store_staged **items; /* NULL: a document of a kind not served, skipped */
    char **skipped;       /* for a skipped one, its "apiVersion kind" */
    size_t *index; /* the place of each staged document among those put */
    size_t n, cap, put;
    cJSON *status; /* the first failure, at put number err_at */
    size_t err_at;
    bool skip_unknown;
};

void cluster_loader_skip_unknown(cluster_loader *l, bool on)
{
    l->skip_unknown = on;
}

cluster_loader *cluster_loader_new(cluster *c)
{
    cluster_loader *l = xcalloc(1, sizeof *l);
    l->c = c;
    pthread_mutex_init(&l->prev_mu, NULL);
    return l;
}

static void loader_free(cluster_loader *l)
{
    pthread_mutex_destroy(&l->prev_mu);
    for (size_t i = 0; i < l->n; i++)
        free(l->skipped[i]);
    free(l->skipped);
    free(l->items);
    free(l->index);
    free(l);
}

/* One document prepared: its Status, or the staged object, or (skipped:
 * a kind not served, with skip_unknown) its "apiVersion kind". */
typedef struct {
    cJSON *status;
    store_staged *staged;
    char *skipped;
} loader_prepared;

/* Prepare and stage doc (taken), the k-th put from now. Touches nothing of
 * the loader's but reads, so that several threads can prepare at once while
 * no other thread changes the store. */
static loader_prepared loader_prepare(cluster_loader *l, cJSON *doc, size_t k, pthread_mutex_t *prev_mu)
{
    loader_prepared r = {0};
    kind_id kind = K_STATIC_COUNT; /* set by load_prepare when it succeeds */
    const char *av = jstr(doc, "apiVersion"), *k_ = jstr(doc, "kind");
    if (l->skip_unknown && av && k_ && !kind_by_kind(av, k_)) {
        r.skipped = xasprintf("%s %s", av, k_);
        json_scratch_delete(doc);
        return r;
    }
    r.status = json_scratch_keep(load_prepare(l->c, doc, (int)(l->put + k), &kind, prev_mu));
    if (!r.status)
        r.staged = store_stage(l->c->st, kind, doc);
    json_scratch_delete(doc);
    return r;
}

/* The next put's outcome, in order: the first Status is the load's answer,
 * and nothing after it is kept. */
static void loader_take(cluster_loader *l, loader_prepared r)
{
    size_t i = l->put++;
    if (l->status) {
        cJSON_Delete(r.status);
        store_staged_free(l->c->st, r.staged);
        free(r.skipped);
    } else if (r.status) {
        l->status = r.status;
        l->err_at = i;
    } else {
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 64;
            l->items = xrealloc(l->items, l->cap * sizeof *l->items);
            l->skipped = xrealloc(l->skipped, l->cap * sizeof *l->skipped);
            l->index = xrealloc(l->index, l->cap * sizeof *l->index);
        }
        l->index[l->n] = i;
        l->skipped[l->n] = r.skipped;
        l->items[l->n++] = r.staged;
    }
}

void cluster_loader_put(cluster_loader *l, cJSON *doc)
{
    if (l->status) { /* the answer is known: the rest is only counted */
        l->put++;
        cJSON_Delete(doc);
        return;
    }
    loader_take(l, loader_prepare(l, doc, 0, NULL));
}

void cluster_loader_undo(cluster_loader *l, size_t n)
{
    l->put -= n < l->put ? n : l->put;
    while (l->n && l->index[l->n - 1] >= l->put) {
        l->n--;
        store_staged_free(l->c->st, l->items[l->n]);
        free(l->skipped[l->n]);
    }
    if (l->status && l->err_at >= l->put) {
        cJSON_Delete(l->status);
        l->status = NULL;
    }
}

static void load_one(cluster *c, store_staged *st)
{
    const char *ns = store_staged_ns(st);
    if (ns && !store_get(c->st, K_NAMESPACE, NULL, ns))
        add_namespace(c, ns);
    store_obj *old = store_get(c->st, store_staged_kind(st), ns, store_staged_name(st));
    if (old)
        store_replace_staged(c->st, old, st);
    else
        store_insert_staged(c->st, st);
}

int cluster_loader_finish(cluster_loader *l, api_result *err)
{
    return cluster_loader_finish_report(l, err, NULL);
}

int cluster_loader_finish_report(cluster_loader *l, api_result *err, cluster_load_report *rep)
{
    cluster *c = l->c;
    size_t nskip = 0;
    if (rep) {
        memset(rep, 0, sizeof *rep);
        rep->failed_at = l->status ? l->err_at : (size_t)-1;
        rep->skipped = cJSON_CreateObject();
    }
    for (size_t i = 0; i < l->n; i++) {
        if (!l->skipped[i])
            continue;
        nskip++;
        if (rep && !l->status) {
            cJSON *cnt = cJSON_GetObjectItemCaseSensitive(rep->skipped, l->skipped[i]);
            if (cnt)
                cJSON_SetNumberValue(cnt, cnt->valuedouble + 1);
            else
                cJSON_AddNumberToObject(rep->skipped, l->skipped[i], 1);
        }
    }
    int n = (int)(l->n - nskip);
    if (l->status) {
        for (size_t i = 0; i < l->n; i++)
            store_staged_free(c->st, l->items[i]);
        api_result_status(err, l->status);
        n = -1;
    } else {
        /* namespaces first so that everything else finds its namespace */
        size_t done = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < l->n; i++)
                if (l->items[i] && (store_staged_kind(l->items[i]) == K_NAMESPACE) == (pass == 0)) {
                    load_one(c, l->items[i]);
                    l->items[i] = NULL;
                    if (++done % 1024 == 0)
                        store_trim(c->st); /* the listeners' trees, while they are the newest memory */
                }
        cluster_settle(c);
        if (n >= 1000) { /* after a big load the cache starts empty */
            store_trim_to(c->st, 0);
            malloc_trim(0);
        }
    }
    crd_reconcile(c); /* kinds served for the load's CRDs, if it failed */
    loader_free(l);
    return n;
}

static void sink_put(void *l, cJSON *obj)
{
    cluster_loader_put(l, obj);
}

static void sink_undo(void *l, size_t n)
{
    cluster_loader_undo(l, n);
}

static void *sink_prepare(void *arg, cJSON *obj, size_t k)
{
    cluster_loader *l = arg;
    loader_prepared *r = xmalloc(sizeof *r);
    *r = loader_prepare(l, obj, k, &l->prev_mu);
    return r;
}

static void sink_take(void *l, void *prepared)
{
    loader_take(l, *(loader_prepared *)prepared);
    free(prepared);
}

static void sink_drop(void *arg, void *prepared)
{
    cluster_loader *l = arg;
    loader_prepared *r = prepared;
    cJSON_Delete(r->status);
    store_staged_free(l->c->st, r->staged);
    free(r->skipped);
    free(r);
}

manifest_sink cluster_loader_sink(cluster_loader *l)
{
    manifest_sink s = {sink_put, sink_undo, l, NULL, NULL, NULL};
    if (!meta_seeded()) { /* seeded uids must be drawn in order */
        s.prepare = sink_prepare;
        s.take = sink_take;
        s.drop = sink_drop;
    }
    return s;
}

void cluster_loader_discard(cluster_loader *l)
{
    for (size_t i = 0; i < l->n; i++)
        store_staged_free(l->c->st, l->items[i]);
    cJSON_Delete(l->status);
    crd_reconcile(l->c);
    loader_free(l);
}

int cluster_load_paths(cluster *c, const char *const *paths, int npaths, api_result *err, char **merr)
{
    cluster_loader *l = cluster_loader_new(c);
    manifest_sink sink = cluster_loader_sink(l);
    for (int i = 0; i < npaths; i++)
        if (manifest_load_path_each(paths[i], &sink, merr) < 0) {
            cluster_loader_discard(l);
            return -1;
        }
    return cluster_loader_finish(l, err);
}

int cluster_load(cluster *c, const cJSON *objs, api_result *err)
{
    cluster_loader *l = cluster_loader_new(c);
    for (const cJSON *it = objs ? objs->child : NULL; it; it = it->next)
        cluster_loader_put(l, cJSON_Duplicate(it, true));
    return cluster_loader_finish(l, err);
}

/* As cluster_load, but takes objs (a cJSON array, freed here) and loads its
 * documents themselves instead of copies: for start-up, where the parsed
 * manifests are not needed afterwards. */
int cluster_load_take(cluster *c, cJSON *objs, api_result *err)
{
    cluster_loader *l = cluster_loader_new(c);
    while (objs && objs->child)
        cluster_loader_put(l, cJSON_DetachItemViaPointer(objs, objs->child));
    cJSON_Delete(objs);
    return cluster_loader_finish(l, err);
}

void cluster_reset(cluster *c)
{
    for (int k = 0; k < kind_count(); k++) {
        size_t n;
        store_obj **all = store_list(c->st, k, NULL, &n);
        for (size_t i = 0; i < n; i++) {
            bool keep = false;
            for (int j = 0; k == K_NAMESPACE && system_namespaces[j]; j++)
                keep |= !strcmp(all[i]->name, system_namespaces[j]);
            if (!keep)
                store_remove(c->st, all[i]);
        }
        free(all);
    }
    for (int i = 0; i < c->nctrl; i++)
        if (c->ctrl[i].ops->reset)
            c->ctrl[i].ops->reset(c->ctrl[i].state);
    cJSON_Delete(c->evictions);
    c->evictions = cJSON_CreateArray();
}

cJSON *cluster_snapshot(cluster *c)
{
    cJSON *list = cJSON_CreateObject();
    cJSON_AddStringToObject(list, "kind", "List");
    cJSON_AddStringToObject(list, "apiVersion", "v1");
    cJSON *items = cJSON_AddArrayToObject(list, "items");
    for (int k = 0; k < kind_count(); k++) {
        size_t n;
        store_obj **all = store_list(c->st, k, NULL, &n);
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(items, cJSON_Duplicate(store_doc(all[i]), true));
        free(all);
    }
    return list;
}
