/* replicaset: the ReplicaSet and ReplicationController controller. Keeps
 * spec.replicas active pods (terminating and finished pods do not count),
 * creating `<owner>-<5 chars>` pods from the template and, when scaling
 * down, deleting the pods upstream's ActivePodsWithRanks puts first; adopts
 * and releases pods by selector; writes status. Work happens in the queue's
 * timer, never inside a store listener. */
#define _GNU_SOURCE
#include "workloads.h"
#include "xalloc.h"
#include "pod.h"
#include "json.h"
#include "selector.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BURST_REPLICAS 500

static void *attach(cluster *c);
static void reset(void *state);
static void detach(void *state);

const controller_ops replicaset_controller = {
    .name = "replicaset",
    .flag = CTRL_REPLICASET,
    .attach = attach,
    .reset = reset,
    .free = detach,
};

typedef struct rs_ctrl rs_ctrl;
typedef struct {
    rs_ctrl *r;
    kind_id kind;
    wl_queue *q;
    wl_memo *memo; /* the selector answers of its pods */
} rs_kind;

struct rs_ctrl {
    cluster *c;
    rs_kind kinds[2]; /* ReplicaSet, ReplicationController */
};

/* ---- ranking for scale-down (controller.ActivePodsWithRanks) -------------- */

typedef struct {
    store_obj *o;
    bool assigned, ready;
    int phase, rank, restarts;
    double cost, ready_time, created;
} ranked;

static int phase_rank(const cJSON *pod)
{
    const char *p = jstr(pod, "status.phase");
    if (!p || !strcmp(p, "Pending"))
        return 0;
    if (!strcmp(p, "Unknown"))
        return 1;
    return 2;
}

static int max_restarts(const cJSON *pod)
{
    int max = 0;
    cJSON *cs;
    cJSON_ArrayForEach(cs, jget(pod, "status.containerStatuses"))
        if (jnum(cs, "restartCount", 0) > max)
            max = (int)jnum(cs, "restartCount", 0);
    return max;
}

static double parse_time(const char *s)
{
    double t = 0;
    return s && !clock_parse(s, &t) ? t : 0;
}

static long log_rank(double t, double now)
{
    double d = (now - t) * 1e9;
    return d > 0 ? (long)log2(d) : -1;
}

static double g_now;

/* <0: a goes first. Times: newer first, compared in log2 buckets of age. */
static int time_cmp(double a, double b, const ranked *x, const ranked *y, bool *decided)
{
    *decided = false;
    if (a == b)
        return 0;
    *decided = true;
    if (a == 0 || b == 0)
        return a == 0 ? -1 : 1;
    long diff = log_rank(a, g_now) - log_rank(b, g_now);
    if (diff == 0)
        return strcmp(x->o->name, y->o->name);
    return diff < 0 ? -1 : 1;
}

static int rank_cmp(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    bool decided;
    if (a->assigned != b->assigned)
        return a->assigned ? 1 : -1;
    if (a->phase != b->phase)
        return a->phase - b->phase;
    if (a->ready != b->ready)
        return a->ready ? 1 : -1;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank > b->rank ? -1 : 1;
    if (a->ready && b->ready) {
        int r = time_cmp(a->ready_time, b->ready_time, a, b, &decided);
        if (decided)
            return r;
    }
    if (a->restarts != b->restarts)
        return a->restarts > b->restarts ? -1 : 1;
    int r = time_cmp(a->created, b->created, a, b, &decided);
    if (decided)
        return r;
    return strcmp(a->o->name, b->o->name);
}

/* Active pods of every ReplicaSet sharing this one's controller (or its own). */
static store_obj **related_pods(rs_kind *k, const store_obj *rs, store_obj **own, size_t nown, size_t *n)
{
    const cJSON *ref = wl_controller_ref(store_doc(rs));
    if (!ref || k->kind != K_REPLICASET) {
        store_obj **out = xmalloc((nown ? nown : 1) * sizeof *out);
        memcpy(out, own, nown * sizeof *out);
        *n = nown;
        return out;
    }
    size_t nrs, np, cnt = 0;
    store_obj **sets = store_list(k->r->c->st, K_REPLICASET, rs->ns, &nrs);
    store_obj **pods = store_list(k->r->c->st, K_POD, rs->ns, &np);
    store_obj **out = xmalloc((np ? np : 1) * sizeof *out);
    for (size_t i = 0; i < np; i++) {
        if (!pod_active(store_doc(pods[i])))
            continue;
        for (size_t j = 0; j < nrs; j++)
            if (wl_controlled_by(store_doc(sets[j]), jstr(ref, "uid")) &&
                wl_controlled_by(store_doc(pods[i]), jstr(store_doc(sets[j]), "metadata.uid"))) {
                out[cnt++] = pods[i];
                break;
            }
    }
    free(sets);
    free(pods);
    *n = cnt;
    return out;
}

static void scale_down(rs_kind *k, const store_obj *rs, store_obj **active, size_t n, size_t diff)
{
    size_t nrel;
    store_obj **rel = related_pods(k, rs, active, n, &nrel);
    ranked *rk = xcalloc(n ? n : 1, sizeof *rk);
    for (size_t i = 0; i < n; i++) {
        const cJSON *d = store_doc(active[i]);
        const char *node = jstr(d, "spec.nodeName");
        const cJSON *ann = jget(d, "metadata.annotations");
        const char *cost = cJSON_GetStringValue(jfield(ann, "controller.kubernetes.io/pod-deletion-cost"));
        rk[i] = (ranked){.o = active[i], .assigned = node && *node, .ready = pod_ready_live(d),
                         .phase = phase_rank(d), .restarts = max_restarts(d),
                         .cost = cost ? atof(cost) : 0, .ready_time = wl_pod_ready_since(d),
                         .created = parse_time(jstr(d, "metadata.creationTimestamp"))};
        for (size_t j = 0; j < nrel; j++) {
            const char *other = jstr(store_doc(rel[j]), "spec.nodeName");
            if (!strcmp(node ? node : "", other ? other : ""))
                rk[i].rank++;
        }
    }
    g_now = cluster_now(k->r->c);
    qsort(rk, n, sizeof *rk, rank_cmp);
    for (size_t i = 0; i < diff && i < n; i++)
        wl_delete(k->r->c, rk[i].o);
    free(rk);
    free(rel);
}

/* ---- sync ------------------------------------------------------------------ */

static void create_pods(rs_kind *k, const store_obj *rs, int count)
{
    if (count > BURST_REPLICAS)
        count = BURST_REPLICAS;
    char *prefix;
    if (asprintf(&prefix, "%s-", rs->name) < 0)
        return;
    for (int i = 0; i < count; i++) {
        cJSON *pod = wl_pod_from_template(jget(store_doc(rs), "spec.template"), rs->ns, store_doc(rs));
        cJSON_AddStringToObject(jobj(pod, "metadata"), "generateName", prefix);
        wl_create(k->r->c, K_POD, pod);
    }
    free(prefix);
}

static bool labels_superset(const store_obj *pod, const cJSON *want)
{
    cJSON *w;
    cJSON_ArrayForEach(w, want) {
        const char *v = w->string ? store_label(pod, w->string) : NULL;
        if (!v || !cJSON_IsString(w) || strcmp(v, w->valuestring))
            return false;
    }
    return true;
}

/* Whether each pod the selector matches has the template's labels: every
 * template label is one of the selector's matchLabels (as templates are
 * written), so labels_superset need not read the pods again. */
static bool template_labels_implied(kind_id k, const cJSON *rs)
{
    const cJSON *ml = jget(rs, k == K_RC ? "spec.selector" : "spec.selector.matchLabels");
    cJSON *w;
    cJSON_ArrayForEach(w, jget(rs, "spec.template.metadata.labels")) {
        const cJSON *v = w->string ? jfield(ml, w->string) : NULL;
        if (!cJSON_IsString(w) || !cJSON_IsString(v) || strcmp(v->valuestring, w->valuestring))
            return false;
    }
    return true;
}

static void add_nonzero(cJSON *st, const char *key, int v)
{
    if (v)
        cJSON_AddNumberToObject(st, key, v);
}

/* The status the pods give now (computed before this sync changes them,
 * as upstream does); *later: when a pod becomes available. matched: every
 * pod in active matches the selector. */
static cJSON *compute_status(rs_kind *k, store_obj *rs, store_obj **active, size_t n, bool matched, double *later)
{
    cluster *c = k->r->c;
    double min_ready = jnum(store_doc(rs), "spec.minReadySeconds", 0);
    int labeled = 0, ready = 0, available = 0;
    const cJSON *tl = jget(store_doc(rs), "spec.template.metadata.labels");
    bool implied = matched && template_labels_implied(k->kind, store_doc(rs));
    for (size_t i = 0; i < n; i++) {
        labeled += implied || labels_superset(active[i], tl);
        ready += pod_obj_ready(active[i]);
        /* availability needs the Ready condition's time only with minReadySeconds */
        available += min_ready > 0 ? wl_pod_available(store_doc(active[i]), min_ready, cluster_now(c), later)
                                   : pod_obj_ready(active[i]);
    }
    cJSON *st = cJSON_CreateObject();
    cJSON_AddNumberToObject(st, "replicas", (double)n);
    add_nonzero(st, "fullyLabeledReplicas", labeled);
    add_nonzero(st, "readyReplicas", ready);
    add_nonzero(st, "availableReplicas", available);
    add_nonzero(st, "observedGeneration", (int)jnum(store_doc(rs), "metadata.generation", 0));
    cJSON *conds = jget(store_doc(rs), "status.conditions");
    if (cJSON_GetArraySize(conds))
        cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(conds, true));
    return st;
}

static void write_status(rs_kind *k, store_obj *rs, cJSON *st, double later)
{
    if (later > 0)
        wl_queue_after(k->q, rs->ns, rs->name, later);
    wl_write_status(k->r->c, rs, st);
}

static void sync(void *ctx, const char *ns, const char *name)
{
    rs_kind *k = ctx;
    cluster *c = k->r->c;
    store_obj *rs = store_get(c->st, k->kind, ns, name);
    if (!rs)
        return;
    labelsel *sel = wl_selector(k->kind, store_doc(rs));
    if (!sel)
        return;
    size_t n, nact = 0;
    store_obj **pods = wl_claim_memo(c, K_POD, ns, store_doc(rs), sel, k->memo, wl_selector_key(store_doc(rs)), &n);
    labelsel_free(sel);
    for (size_t i = 0; i < n; i++)
        if (pod_obj_active(pods[i]))
            pods[nact++] = pods[i];
    int want = (int)jnum(store_doc(rs), "spec.replicas", 1);
    double later = 0;
    bool deleting = jstr(store_doc(rs), "metadata.deletionTimestamp") != NULL;
    /* wl_claim keeps pods that do not match only for an owner being deleted */
    cJSON *st = compute_status(k, rs, pods, nact, !deleting, &later);
    if (!deleting) {
        if ((int)nact < want)
            create_pods(k, rs, want - (int)nact);
        else if ((int)nact > want)
            scale_down(k, rs, pods, nact, nact - (size_t)want);
    }
    free(pods);
    write_status(k, rs, st, later);
}

/* ---- events ------------------------------------------------------------------ */

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    rs_ctrl *r = ctx;
    for (int i = 0; i < 2; i++)
        if (o->kind == r->kinds[i].kind && ev != STORE_DELETED)
            wl_queue_add(r->kinds[i].q, o->ns, o->name);
    if (o->kind != K_POD)
        return;
    if (ev == STORE_DELETED)
        for (int i = 0; i < 2; i++)
            wl_memo_forget(r->kinds[i].memo, o);
    bool refs_changed = old && !jequal(jget(old, "metadata.ownerReferences"), store_get_path(o, "metadata.ownerReferences"));
    for (int i = 0; i < 2; i++) {
        wl_queue_pod_owner(r->c, r->kinds[i].q, r->kinds[i].kind, o, NULL);
        if (refs_changed)
            wl_queue_pod_owner(r->c, r->kinds[i].q, r->kinds[i].kind, o, old);
    }
}

static void *attach(cluster *c)
{
    rs_ctrl *r = xcalloc(1, sizeof *r);
    r->c = c;
    r->kinds[0] = (rs_kind){r, K_REPLICASET, NULL, NULL};
    r->kinds[1] = (rs_kind){r, K_RC, NULL, NULL};
    for (int i = 0; i < 2; i++) {
        r->kinds[i].q = wl_queue_new(c, sync, &r->kinds[i]);
        r->kinds[i].memo = wl_memo_new();
    }
    store_listen(c->st, on_change, r);
    return r;
}

static void reset(void *state)
{
    rs_ctrl *r = state;
    for (int i = 0; i < 2; i++) {
        wl_queue_clear(r->kinds[i].q);
        wl_memo_clear(r->kinds[i].memo);
    }
}

static void detach(void *state)
{
    rs_ctrl *r = state;
    for (int i = 0; i < 2; i++) {
        wl_queue_free(r->kinds[i].q);
        wl_memo_free(r->kinds[i].memo);
    }
    free(r);
}
