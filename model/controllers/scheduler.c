/* scheduler: binds Pending pods that have no node, one scheduling cycle per
 * pod in queue order (priority, then age, then name), running the default
 * profile's filters in their order (NodeUnschedulable, TaintToleration,
 * NodeAffinity, NodeResourcesFit on pod count) and scoring by least pods,
 * then node name. Unschedulable pods get kube-scheduler 1.33's FitError
 * message and are retried when nodes or pods change. Reacts to store events
 * through a clock timer at now; never writes from a store listener. Must not
 * decide API semantics; writes go through rest_write. */
#define _GNU_SOURCE
#include "scheduler.h"
#include "xalloc.h"
#include "pod.h"
#include "json.h"
#include "rest.h"
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void *attach(cluster *c);
static void detach(void *state);

const controller_ops scheduler_controller = {
    .name = "scheduler",
    .flag = CTRL_SCHEDULER,
    .attach = attach,
    .free = detach,
};

/* A pod that wants scheduling (the pending set). */
typedef struct pending {
    UT_hash_handle hh;
    const store_obj *pod; /* the key */
} pending;

/* How many non-terminal pods name this node (a node that may not exist). */
typedef struct node_count {
    UT_hash_handle hh;
    int pods;
    int slot; /* its place in the cached node slots, -1 none */
    char name[];
} node_count;

/* The nodes in name order, kept between cycles: rebuilt when a node comes
 * or goes, one slot refreshed when a node changes. */
typedef struct {
    store_obj *node;
    node_count *nc; /* its pod count (kept, at zero too, while cached) */
    int cap;
} node_slot;

/* What the static filters (NodeUnschedulable, TaintToleration, NodeAffinity)
 * answer for every node, for pods whose tolerations, nodeSelector and node
 * affinity are these: pods of one template share it. */
/* One entry of a signature's tournament tree: the least pod count among
 * the slots below that pass the static filters and have room, and the
 * first such slot in name order (INT_MAX: none). */
typedef struct {
    int pods, slot;
} fit_min;

typedef struct {
    cJSON *tols, *selector, *affinity; /* copies, NULL when absent */
    char **why;                        /* per slot: the rejection, NULL fits */
    int nwhy;                          /* slots in why */
    uint64_t used;
    fit_min *tree; /* 2 * width entries, leaf of slot i at width + i */
    int width;     /* a power of two >= nwhy */
} pod_sig;

#define MAX_SIGS 16

typedef struct {
    cluster *c;
    uint64_t timer;
    pending *pending;   /* kept from store events: no scan of every pod */
    node_count *counts; /* likewise */
    node_slot *slots;   /* NULL: rebuild on the next cycle */
    int nn;
    pod_sig sigs[MAX_SIGS];
    int nsigs;
    uint64_t tick;
} scheduler;

typedef struct {
    scheduler *s;
} sched_token;

/* ---- predicates ---------------------------------------------------------- */

bool sched_node_ready(const cJSON *node)
{
    cJSON *c;
    cJSON_ArrayForEach(c, jget(node, "status.conditions")) {
        const char *t = jstr(c, "type"), *s = jstr(c, "status");
        if (t && !strcmp(t, "Ready"))
            return s && !strcmp(s, "True");
    }
    return true;
}

static bool streq0(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

bool sched_tolerates(const cJSON *tolerations, const cJSON *taint)
{
    const char *key = jstr(taint, "key"), *value = jstr(taint, "value"), *effect = jstr(taint, "effect");
    cJSON *t;
    cJSON_ArrayForEach(t, tolerations) {
        const char *te = jstr(t, "effect"), *tk = jstr(t, "key"), *op = jstr(t, "operator");
        if (te && *te && !streq0(te, effect))
            continue;
        if (tk && *tk && !streq0(tk, key))
            continue;
        if (op && !strcmp(op, "Exists"))
            return true;
        if ((!op || !*op || !strcmp(op, "Equal")) && tk && *tk && streq0(jstr(t, "value"), value))
            return true;
    }
    return false;
}

static bool has_taint(const cJSON *node, const char *key, const char *effect)
{
    cJSON *t;
    cJSON_ArrayForEach(t, jget(node, "spec.taints"))
        if (streq0(jstr(t, "key"), key) && streq0(jstr(t, "effect"), effect))
            return true;
    return false;
}

/* The taints the node lifecycle controller would add: not-ready/unreachable
 * from the Ready condition, unschedulable from spec.unschedulable. */
static cJSON *implicit_taints(const cJSON *node)
{
    cJSON *arr = cJSON_CreateArray();
    const char *keys[3] = {NULL, NULL, NULL};
    int n = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, jget(node, "status.conditions"))
        if (streq0(jstr(c, "type"), "Ready") && !streq0(jstr(c, "status"), "True"))
            keys[n++] = streq0(jstr(c, "status"), "False") ? "node.kubernetes.io/not-ready"
                                                           : "node.kubernetes.io/unreachable";
    if (jbool(node, "spec.unschedulable"))
        keys[n++] = "node.kubernetes.io/unschedulable";
    for (int i = 0; i < n; i++) {
        if (has_taint(node, keys[i], "NoSchedule"))
            continue;
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "key", keys[i]);
        cJSON_AddStringToObject(t, "effect", "NoSchedule");
        cJSON_AddItemToArray(arr, t);
    }
    return arr;
}

static const cJSON *first_untolerated(const cJSON *tolerations, const cJSON *taints)
{
    cJSON *t;
    cJSON_ArrayForEach(t, taints) {
        const char *e = jstr(t, "effect");
        if (e && (!strcmp(e, "NoSchedule") || !strcmp(e, "NoExecute")) && !sched_tolerates(tolerations, t))
            return t;
    }
    return NULL;
}

cJSON *sched_untolerated_taint(const cJSON *tolerations, const cJSON *node)
{
    const cJSON *t = first_untolerated(tolerations, jget(node, "spec.taints"));
    if (t)
        return cJSON_Duplicate(t, true);
    cJSON *implicit = implicit_taints(node);
    t = first_untolerated(tolerations, implicit);
    cJSON *out = t ? cJSON_Duplicate(t, true) : NULL;
    cJSON_Delete(implicit);
    return out;
}

static bool label_value(const cJSON *labels, const char *key, const char **value)
{
    cJSON *v = jfield(labels, key);
    *value = cJSON_GetStringValue(v);
    return *value != NULL;
}

static bool requirement_matches(const cJSON *req, const cJSON *labels)
{
    const char *key = jstr(req, "key"), *op = jstr(req, "operator"), *v;
    const cJSON *values = jget(req, "values");
    if (!key || !op)
        return false;
    bool has = label_value(labels, key, &v);
    if (!strcmp(op, "Exists"))
        return has;
    if (!strcmp(op, "DoesNotExist"))
        return !has;
    if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
        bool in = false;
        cJSON *x;
        cJSON_ArrayForEach(x, values)
            in |= has && cJSON_IsString(x) && !strcmp(x->valuestring, v);
        return !strcmp(op, "In") ? in : !in;
    }
    if (!strcmp(op, "Gt") || !strcmp(op, "Lt")) {
        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(values, 0));
        if (!has || !s || cJSON_GetArraySize(values) != 1)
            return false;
        char *e1, *e2;
        long a = strtol(v, &e1, 10), b = strtol(s, &e2, 10);
        if (*e1 || *e2 || !*v || !*s)
            return false;
        return !strcmp(op, "Gt") ? a > b : a < b;
    }
    return false;
}

static bool term_matches(const cJSON *term, const cJSON *node)
{
    const cJSON *exprs = jget(term, "matchExpressions"), *fields = jget(term, "matchFields");
    if (!cJSON_GetArraySize(exprs) && !cJSON_GetArraySize(fields))
        return false;
    cJSON *r;
    cJSON_ArrayForEach(r, exprs)
        if (!requirement_matches(r, jget(node, "metadata.labels")))
            return false;
    cJSON *f = cJSON_CreateObject();
    const char *name = jstr(node, "metadata.name");
    cJSON_AddStringToObject(f, "metadata.name", name ? name : "");
    bool ok = true;
    cJSON_ArrayForEach(r, fields)
        ok = ok && streq0(jstr(r, "key"), "metadata.name") && requirement_matches(r, f);
    cJSON_Delete(f);
    return ok;
}

bool sched_node_affinity_matches(const cJSON *spec, const cJSON *node)
{
    const cJSON *labels = jget(node, "metadata.labels");
    cJSON *sel;
    cJSON_ArrayForEach(sel, jget(spec, "nodeSelector")) {
        const char *v;
        if (!label_value(labels, sel->string, &v) || !cJSON_IsString(sel) || strcmp(v, sel->valuestring))
            return false;
    }
    const cJSON *req = jget(spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
    if (!req)
        return true;
    cJSON *term;
    cJSON_ArrayForEach(term, jget(req, "nodeSelectorTerms"))
        if (term_matches(term, node))
            return true;
    return false;
}

int sched_node_pod_capacity(const cJSON *node)
{
    const cJSON *p = jget(node, "status.allocatable.pods");
    if (cJSON_IsNumber(p))
        return (int)p->valuedouble;
    if (cJSON_IsString(p))
        return atoi(p->valuestring);
    return 110;
}

/* ---- one scheduling cycle ------------------------------------------------- */

typedef struct {
    char *reason;
    int count;
    bool resolvable; /* preemption might help (Unschedulable, not ...AndUnresolvable) */
} reason_count;

/* The first static filter that rejects the pod on this node; NULL when it
 * passes them (NodeResourcesFit is checked against the live count). */
static char *filter_node(const cJSON *spec, const cJSON *node)
{
    const cJSON *tols = jget(spec, "tolerations");
    if (jbool(node, "spec.unschedulable")) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "key", "node.kubernetes.io/unschedulable");
        cJSON_AddStringToObject(t, "effect", "NoSchedule");
        bool ok = sched_tolerates(tols, t);
        cJSON_Delete(t);
        if (!ok)
            return xstrdup("node(s) were unschedulable");
    }
    cJSON *taint = sched_untolerated_taint(tols, node);
    if (taint) {
        char *s;
        const char *v = jstr(taint, "value"), *k = jstr(taint, "key");
        if (asprintf(&s, "node(s) had untolerated taint {%s: %s}", k ? k : "", v ? v : "") < 0)
            s = NULL;
        cJSON_Delete(taint);
        return s;
    }
    if (!sched_node_affinity_matches(spec, node))
        return xstrdup("node(s) didn't match Pod's node affinity/selector");
    return NULL;
}

static void count_reason(reason_count **rs, int *n, const char *reason, bool resolvable)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp((*rs)[i].reason, reason)) {
            (*rs)[i].count++;
            return;
        }
    *rs = xrealloc(*rs, (*n + 1) * sizeof **rs);
    (*rs)[*n] = (reason_count){xstrdup(reason), 1, resolvable};
    (*n)++;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "N reason" strings sorted, joined with ", ". */
static char *histogram(char **items, int n)
{
    qsort(items, n, sizeof *items, str_cmp);
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(items[i]) + 2;
    char *out = xcalloc(1, len);
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(out, ", ");
        strcat(out, items[i]);
    }
    return out;
}

/* FitError.Error() with the DefaultPreemption PostFilter message. */
static char *fit_error(const cJSON *pod, reason_count *rs, int n, int nodes)
{
    char **items = xcalloc(n + 1, sizeof *items);
    int unresolvable = 0, resolvable = 0;
    for (int i = 0; i < n; i++) {
        if (asprintf(&items[i], "%d %s", rs[i].count, rs[i].reason) < 0)
            items[i] = NULL;
        if (rs[i].resolvable)
            resolvable += rs[i].count;
        else
            unresolvable += rs[i].count;
    }
    char *filters = histogram(items, n);
    for (int i = 0; i < n; i++)
        free(items[i]);
    char *post = NULL, *out = NULL;
    const char *policy = jstr(pod, "spec.preemptionPolicy");
    if (policy && !strcmp(policy, "Never")) {
        post = xstrdup("preemption: not eligible due to preemptionPolicy=Never.");
    } else {
        char *p[2] = {NULL, NULL};
        int np = 0;
        if (unresolvable && asprintf(&p[np], "%d Preemption is not helpful for scheduling", unresolvable) >= 0)
            np++;
        if (resolvable && asprintf(&p[np], "%d No preemption victims found for incoming pod", resolvable) >= 0)
            np++;
        char *h = histogram(p, np);
        if (asprintf(&post, "preemption: 0/%d nodes are available: %s.", nodes, h) < 0)
            post = NULL;
        free(h);
        free(p[0]);
        free(p[1]);
    }
    if (nodes == 0) {
        out = xstrdup("no nodes available to schedule pods"); /* ErrNoNodesAvailable */
    } else if (asprintf(&out, "0/%d nodes are available: %s. %s", nodes, filters, post ? post : "") < 0) {
        out = NULL;
    }
    free(post);
    free(filters);
    free(items);
    return out;
}

static cJSON *scheduled_condition(bool ok, const char *message, const cJSON *old, const char *now)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "PodScheduled");
    cJSON_AddStringToObject(c, "status", ok ? "True" : "False");
    cJSON_AddNullToObject(c, "lastProbeTime");
    const char *ltt = old && streq0(jstr(old, "status"), ok ? "True" : "False") ? jstr(old, "lastTransitionTime") : NULL;
    cJSON_AddStringToObject(c, "lastTransitionTime", ltt ? ltt : now);
    if (!ok) {
        cJSON_AddStringToObject(c, "reason", "Unschedulable");
        cJSON_AddStringToObject(c, "message", message ? message : "");
    }
    return c;
}

static void set_scheduled(cJSON *doc, bool ok, const char *message, const char *now)
{
    cJSON *status = jobj(doc, "status");
    cJSON *conds = jfield(status, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(status, "conditions", conds);
    }
    int i = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, conds) {
        if (streq0(jstr(c, "type"), "PodScheduled")) {
            cJSON_ReplaceItemInArray(conds, i, scheduled_condition(ok, message, c, now));
            return;
        }
        i++;
    }
    cJSON_AddItemToArray(conds, scheduled_condition(ok, message, NULL, now));
}

/* The leaf of slot i: its pod count when the pod fits there, else none. */
static fit_min fit_leaf(const scheduler *s, const pod_sig *g, int i)
{
    const node_slot *n = &s->slots[i];
    if (g->why[i] || n->nc->pods + 1 > n->cap)
        return (fit_min){INT_MAX, INT_MAX};
    return (fit_min){n->nc->pods, i};
}

static fit_min fit_pick(fit_min a, fit_min b)
{
    return b.pods < a.pods || (b.pods == a.pods && b.slot < a.slot) ? b : a;
}

/* Slot i's leaf again, and the minima above it. */
static void fit_update(const scheduler *s, pod_sig *g, int i)
{
    int k = g->width + i;
    g->tree[k] = fit_leaf(s, g, i);
    for (k /= 2; k >= 1; k /= 2)
        g->tree[k] = fit_pick(g->tree[2 * k], g->tree[2 * k + 1]);
}

static void fit_build(const scheduler *s, pod_sig *g)
{
    g->width = 1;
    while (g->width < g->nwhy)
        g->width *= 2;
    g->tree = xmalloc(2 * (size_t)g->width * sizeof *g->tree);
    for (int i = 0; i < g->width; i++)
        g->tree[g->width + i] = i < g->nwhy ? fit_leaf(s, g, i) : (fit_min){INT_MAX, INT_MAX};
    for (int k = g->width - 1; k >= 1; k--)
        g->tree[k] = fit_pick(g->tree[2 * k], g->tree[2 * k + 1]);
}

static void schedule_pod(scheduler *s, store_obj *pod, const pod_sig *sig)
{
    node_slot *nodes = s->slots;
    int nn = s->nn;
    /* The fitting node with the fewest pods, the first in name order on ties:
     * the root of the signature's tree. */
    int best = sig->tree[1].pods == INT_MAX ? -1 : sig->tree[1].slot;
    char now[32];
    clock_format(cluster_now(s->c), now);
    cJSON *doc = rest_edit_begin(pod, "status"); /* set_scheduled changes only the status */
    if (best >= 0) {
        set_scheduled(doc, true, NULL, now);
        store_change bind = {"spec.nodeName", cJSON_CreateString(nodes[best].node->name)};
        rest_edit_write(s->c, pod, doc, "status", &bind, 1); /* track_pod counts it on the node */
        return;
    }
    reason_count *rs = NULL;
    int nr = 0;
    for (int i = 0; i < nn; i++)
        count_reason(&rs, &nr, sig->why[i] ? sig->why[i] : "Too many pods", !sig->why[i]); /* fit: resolvable */
    char *msg = fit_error(store_doc(pod), rs, nr, nn);
    set_scheduled(doc, false, msg, now);
    free(msg);
    rest_edit_write(s->c, pod, doc, "status", NULL, 0); /* no write when nothing changed */
    for (int i = 0; i < nr; i++)
        free(rs[i].reason);
    free(rs);
}

static int queue_cmp(const void *a, const void *b)
{
    const store_obj *x = *(store_obj *const *)a, *y = *(store_obj *const *)b;
    double px = jnum(store_doc(x), "spec.priority", 0), py = jnum(store_doc(y), "spec.priority", 0);
    if (px != py)
        return px > py ? -1 : 1;
    double tx = 0, ty = 0;
    clock_parse(jstr(store_doc(x), "metadata.creationTimestamp") ? jstr(store_doc(x), "metadata.creationTimestamp") : "", &tx);
    clock_parse(jstr(store_doc(y), "metadata.creationTimestamp") ? jstr(store_doc(y), "metadata.creationTimestamp") : "", &ty);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return strcmp(x->key, y->key);
}

static node_count *node_counter(scheduler *s, const char *node)
{
    node_count *nc;
    HASH_FIND_STR(s->counts, node, nc);
    if (!nc) {
        nc = xcalloc(1, sizeof *nc + strlen(node) + 1);
        nc->slot = -1;
        strcpy(nc->name, node);
        HASH_ADD_STR(s->counts, name, nc);
    }
    return nc;
}

static void sig_free(pod_sig *g)
{
    cJSON_Delete(g->tols);
    cJSON_Delete(g->selector);
    cJSON_Delete(g->affinity);
    for (int i = 0; i < g->nwhy; i++)
        free(g->why[i]);
    free(g->why);
    free(g->tree);
    memset(g, 0, sizeof *g);
}

static cJSON *dup_or_null(const cJSON *v)
{
    return v ? cJSON_Duplicate(v, true) : NULL;
}

static bool same(const cJSON *a, const cJSON *b)
{
    return a == b || (a && b && jequal(a, b));
}

/* One node's static filter answer for a signature's pods. */
static void sig_fill(pod_sig *g, int i, const cJSON *node)
{
    cJSON *spec = cJSON_CreateObject();
    if (g->tols)
        cJSON_AddItemReferenceToObject(spec, "tolerations", g->tols);
    if (g->selector)
        cJSON_AddItemReferenceToObject(spec, "nodeSelector", g->selector);
    if (g->affinity) {
        cJSON *na = cJSON_AddObjectToObject(cJSON_AddObjectToObject(spec, "affinity"), "nodeAffinity");
        cJSON_AddItemReferenceToObject(na, "requiredDuringSchedulingIgnoredDuringExecution", g->affinity);
    }
    free(g->why[i]);
    g->why[i] = filter_node(spec, node);
    cJSON_Delete(spec);
}

/* The cached filter answers for this pod's spec, computed on first use. */
static pod_sig *sig_for(scheduler *s, const cJSON *spec)
{
    const cJSON *tols = jget(spec, "tolerations"), *sel = jget(spec, "nodeSelector"),
                *aff = jget(spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
    pod_sig *g = NULL;
    for (int i = 0; i < s->nsigs && !g; i++)
        if (same(s->sigs[i].tols, tols) && same(s->sigs[i].selector, sel) && same(s->sigs[i].affinity, aff))
            g = &s->sigs[i];
    if (!g) {
        if (s->nsigs < MAX_SIGS) {
            g = &s->sigs[s->nsigs++];
        } else { /* the least recently used goes */
            g = &s->sigs[0];
            for (int i = 1; i < s->nsigs; i++)
                if (s->sigs[i].used < g->used)
                    g = &s->sigs[i];
            sig_free(g);
        }
        *g = (pod_sig){dup_or_null(tols), dup_or_null(sel), dup_or_null(aff),
                       xcalloc(s->nn ? s->nn : 1, sizeof *g->why), s->nn, 0, NULL, 0};
        for (int i = 0; i < s->nn; i++)
            sig_fill(g, i, store_doc(s->slots[i].node));
        fit_build(s, g);
    }
    g->used = ++s->tick;
    return g;
}

static void slots_drop(scheduler *s)
{
    for (int i = 0; i < s->nsigs; i++)
        sig_free(&s->sigs[i]);
    s->nsigs = 0;
    for (int i = 0; i < s->nn; i++)
        s->slots[i].nc->slot = -1;
    free(s->slots);
    s->slots = NULL;
    s->nn = 0;
}

/* The nodes in name order, each with its live pod count. */
static void slots_build(scheduler *s)
{
    size_t n;
    store_obj **nodes = store_list(s->c->st, K_NODE, NULL, &n);
    s->slots = xcalloc(n ? n : 1, sizeof *s->slots);
    for (size_t i = 0; i < n; i++) {
        node_count *nc = node_counter(s, nodes[i]->name);
        nc->slot = (int)i;
        s->slots[i] = (node_slot){nodes[i], nc, sched_node_pod_capacity(store_doc(nodes[i]))};
    }
    free(nodes);
    s->nn = (int)n;
}

/* A node changed: its capacity and filter answers again. */
static void slot_refresh(scheduler *s, const store_obj *node)
{
    node_count *nc;
    HASH_FIND_STR(s->counts, node->name, nc);
    if (!nc || nc->slot < 0 || s->slots[nc->slot].node != node) {
        slots_drop(s);
        return;
    }
    int i = nc->slot;
    const cJSON *doc = store_doc(node);
    s->slots[i].cap = sched_node_pod_capacity(doc);
    for (int g = 0; g < s->nsigs; g++) {
        sig_fill(&s->sigs[g], i, doc);
        fit_update(s, &s->sigs[g], i);
    }
}

static void run(scheduler *s)
{
    size_t nq = HASH_COUNT(s->pending), i = 0;
    if (!nq)
        return;
    store_obj **queue = xmalloc(nq * sizeof *queue);
    for (pending *p = s->pending; p; p = p->hh.next)
        queue[i++] = (store_obj *)p->pod;
    if (!s->slots)
        slots_build(s);
    qsort(queue, nq, sizeof *queue, queue_cmp);
    for (i = 0; i < nq; i++)
        schedule_pod(s, queue[i], sig_for(s, jget(store_doc(queue[i]), "spec")));
    free(queue);
}

static void on_timer(void *ctx, uint64_t id)
{
    sched_token *t = ctx;
    if (id) {
        t->s->timer = 0;
        run(t->s);
    }
    free(t);
}

static void wake(scheduler *s)
{
    if (s->timer)
        return;
    sched_token *t = xmalloc(sizeof *t);
    t->s = s;
    s->timer = clock_at(s->c->clk, cluster_now(s->c), on_timer, t);
}

/* The node a pod counts against (bound and not terminal), or NULL. */
static const char *counted_node(const cJSON *pod)
{
    const char *node = pod ? jstr(pod, "spec.nodeName") : NULL;
    return node && *node && !pod_terminal(pod) ? node : NULL;
}

static void count_pod(scheduler *s, const char *node, int delta)
{
    node_count *nc = node_counter(s, node);
    nc->pods += delta;
    if (nc->slot >= 0) /* cached: its leaf in every signature's tree */
        for (int g = 0; g < s->nsigs; g++)
            fit_update(s, &s->sigs[g], nc->slot);
    if (!nc->pods && nc->slot < 0) {
        HASH_DEL(s->counts, nc);
        free(nc);
    }
}

/* Keep the pending set and the per-node counts in step with one pod event. */
/* counted_node and wants_scheduling of a stored pod, from its compact form. */
static const char *stored_counted_node(const store_obj *o)
{
    const char *node = store_get_str(o, "spec.nodeName");
    return node && *node && !(o->hot & STORE_ENDED) ? node : NULL;
}

static bool stored_wants_scheduling(const store_obj *o)
{
    if ((o->hot & (STORE_BOUND | STORE_DELETING | STORE_ENDED)) || !(o->hot & (STORE_NOPHASE | STORE_PENDING)))
        return false;
    const char *sn = store_get_str(o, "spec.schedulerName");
    return !sn || !strcmp(sn, "default-scheduler");
}

static void track_pod(scheduler *s, store_event ev, const store_obj *o, const cJSON *old)
{
    const char *was = counted_node(old), *is = ev == STORE_DELETED ? NULL : stored_counted_node(o);
    if (ev == STORE_DELETED)
        was = stored_counted_node(o);
    if (!was != !is || (was && strcmp(was, is))) {
        if (was)
            count_pod(s, was, -1);
        if (is)
            count_pod(s, is, 1);
    }
    pending *p;
    HASH_FIND_PTR(s->pending, &o, p);
    bool wants = ev != STORE_DELETED && stored_wants_scheduling(o);
    if (wants && !p) {
        p = xcalloc(1, sizeof *p);
        p->pod = o;
        HASH_ADD_PTR(s->pending, pod, p);
    } else if (!wants && p) {
        HASH_DEL(s->pending, p);
        free(p);
    }
}

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    scheduler *s = ctx;
    if (o->kind == K_NODE) {
        if (s->slots && ev == STORE_MODIFIED)
            slot_refresh(s, o);
        else if (s->slots)
            slots_drop(s);
        wake(s);
    } else if (o->kind == K_POD) {
        track_pod(s, ev, o, old);
        bool freed = ev == STORE_DELETED || (old && !jstr(old, "metadata.deletionTimestamp") &&
                                             store_get_str(o, "metadata.deletionTimestamp")) ||
                     (old && !pod_terminal(old) && (o->hot & STORE_ENDED));
        if (freed || (ev != STORE_DELETED && stored_wants_scheduling(o)))
            wake(s);
    }
}

static void *attach(cluster *c)
{
    scheduler *s = xcalloc(1, sizeof *s);
    s->c = c;
    size_t n;
    store_obj **pods = store_list(c->st, K_POD, NULL, &n); /* none yet, unless attached late */
    for (size_t i = 0; i < n; i++)
        track_pod(s, STORE_ADDED, pods[i], NULL);
    free(pods);
    store_listen(c->st, on_change, s);
    return s;
}

static void detach(void *state)
{
    scheduler *s = state;
    if (s->timer)
        clock_cancel(s->c->clk, s->timer);
    if (s->slots)
        slots_drop(s);
    pending *p, *pt;
    HASH_ITER(hh, s->pending, p, pt) {
        HASH_DEL(s->pending, p);
        free(p);
    }
    node_count *nc, *nt;
    HASH_ITER(hh, s->counts, nc, nt) {
        HASH_DEL(s->counts, nc);
        free(nc);
    }
    free(s);
}
