/* kubelet: pod start, readiness, exit and graceful termination on the
 * virtual clock. Reacts to store changes by scheduling timers; never writes
 * from inside a store listener. Must not decide API semantics (deletion
 * itself goes through rest_delete_object). */
#define _GNU_SOURCE
#include "kubelet.h"
#include "kubelet_node.h"
#include "xalloc.h"
#include "pod.h"
#include "json.h"
#include "meta.h"
#include "rest.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANN "sim.evictsim.io/"

static void *attach(cluster *c);
static void detach(void *state);

const controller_ops kubelet_controller = {
    .name = "kubelet",
    .flag = CTRL_KUBELET,
    .attach = attach,
    .free = detach,
};

typedef enum { JOB_SYNC, JOB_READY, JOB_EXIT, JOB_NODE_FILL, JOB_NODE_HEARTBEAT, JOB_LEASE } job_kind;

/* A pod whose kubelet would act when its node appears (bound, and Pending
 * or terminating), filed under that node's name. */
typedef struct waiting {
    UT_hash_handle hh;      /* in kubelet.waiting, by pod */
    const store_obj *pod;
    struct node_pods *node;
    size_t slot;
} waiting;

typedef struct node_pods {
    UT_hash_handle hh; /* in kubelet.nodes, by name */
    waiting **items;
    size_t n, cap;
    char name[];
} node_pods;

typedef struct {
    cluster *c;
    unsigned ip_counter;
    unsigned node_counter; /* nodes given an InternalIP */
    waiting *waiting;  /* kept from store events, so that a new node */
    node_pods *nodes;  /* does not scan every pod */
} kubelet;

typedef struct {
    kubelet *k;
    job_kind kind;
    char uid[40];
    char key[]; /* "ns/name"; a node's name */
} job;

static void run_job(void *ctx, uint64_t id);

static void schedule(kubelet *k, const store_obj *o, job_kind kind, double when)
{
    const char *uid = jstr(store_doc(o), "metadata.uid");
    job *j = xcalloc(1, sizeof *j + strlen(o->key) + 1);
    j->k = k;
    j->kind = kind;
    size_t n = uid ? strnlen(uid, sizeof j->uid - 1) : 0; /* as snprintf "%s" would cut it */
    memcpy(j->uid, uid ? uid : "", n);
    j->uid[n] = 0;
    strcpy(j->key, o->key);
    clock_at(k->c->clk, when, run_job, j);
}

/* An annotation as a duration in seconds; -1 when absent or bad. */
static double ann_duration(const cJSON *pod, const char *name)
{
    cJSON *a = jget(pod, "metadata.annotations");
    const char *v = cJSON_GetStringValue(jfield(a, name));
    double d;
    return v && clock_parse_duration(v, &d) == 0 ? d : -1;
}

static bool ann_true(const cJSON *pod, const char *name)
{
    cJSON *a = jget(pod, "metadata.annotations");
    const char *v = cJSON_GetStringValue(jfield(a, name));
    return v && !strcmp(v, "true");
}

/* From Running to Ready: the ready-after annotation, else the slowest
 * container's readinessProbe (initialDelaySeconds + periodSeconds ×
 * successThreshold: its first success, then enough more), else the
 * cluster's default (--ready-after, 0). */
static double ready_delay(const cluster *c, const cJSON *pod)
{
    double d = ann_duration(pod, ANN "ready-after");
    if (d >= 0)
        return d;
    double max = -1;
    cJSON *ctr;
    cJSON_ArrayForEach(ctr, jget(pod, "spec.containers")) {
        const cJSON *p = jfield(ctr, "readinessProbe");
        if (!cJSON_IsObject(p))
            continue;
        double v = jnum(p, "initialDelaySeconds", 0) + jnum(p, "periodSeconds", 10) * jnum(p, "successThreshold", 1);
        if (v > max)
            max = v;
    }
    return max >= 0 ? max : c->opts.ready_after;
}

static cJSON *condition(const char *type, bool status, const char *when)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", status ? "True" : "False");
    cJSON_AddNullToObject(c, "lastProbeTime");
    cJSON_AddStringToObject(c, "lastTransitionTime", when);
    if (!status && (!strcmp(type, "Ready") || !strcmp(type, "ContainersReady"))) {
        cJSON_AddStringToObject(c, "reason", !strcmp(type, "Ready") ? "ContainersNotReady" : "ContainersNotReady");
    }
    return c;
}

/* Set condition `type` (keeping lastTransitionTime when unchanged). */
static void set_condition(cJSON *status, const char *type, bool value, const char *when)
{
    cJSON *conds = cJSON_GetObjectItem(status, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(status, "conditions", conds);
    }
    int i = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, conds) {
        const char *t = jstr(c, "type");
        if (t && !strcmp(t, type)) {
            const char *s = jstr(c, "status");
            if (s && !strcmp(s, value ? "True" : "False"))
                return;
            cJSON_ReplaceItemInArray(conds, i, condition(type, value, when));
            return;
        }
        i++;
    }
    cJSON_AddItemToArray(conds, condition(type, value, when));
}

/* Every container terminated (exited), or running; started times kept. */
static void container_statuses(cJSON *pod, cJSON *status, bool ready, bool exited, const char *when)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *old = jfield(status, "containerStatuses");
    cJSON *ctr;
    int i = 0;
    cJSON_ArrayForEach(ctr, jget(pod, "spec.containers")) {
        const char *started = NULL, *name = jstr(ctr, "name");
        const cJSON *cs;
        cJSON_ArrayForEach(cs, old)
            if (name && jstr(cs, "name") && !strcmp(name, jstr(cs, "name")))
                started = jstr(cs, "state.running.startedAt");
        cJSON_AddItemToArray(arr, knode_container_status(pod, ctr, i++, false, ready, exited, started ? started : jstr(status, "startTime"), when));
    }
    jset(status, "containerStatuses", arr);
}

static void set_ready(cJSON *status, bool ready, const char *when)
{
    set_condition(status, "Ready", ready, when);
    set_condition(status, "ContainersReady", ready, when);
    cJSON *cs;
    cJSON_ArrayForEach(cs, cJSON_GetObjectItem(status, "containerStatuses"))
        jset(cs, "ready", cJSON_CreateBool(ready));
}

/* Take out the entries of a pending pod's statuses whose container has not
 * started (waiting, or no state): starting the pod replaces them. */
static void drop_waiting(cJSON *status, const char *key)
{
    cJSON *list = jfield(status, key);
    for (cJSON *e = list ? list->child : NULL, *next; e; e = next) {
        next = e->next;
        if (!jget(e, "state.running") && !jget(e, "state.terminated"))
            cJSON_Delete(cJSON_DetachItemViaPointer(list, e));
    }
}

static void start_pod(kubelet *k, store_obj *o)
{
    cluster *c = k->c;
    char when[32];
    clock_format(cluster_now(c), when);
    cJSON *doc = rest_edit_begin(o, "status"); /* only the status changes */
    cJSON *status = jobj(doc, "status");
    double delay = ready_delay(c, doc);
    bool never = ann_true(doc, ANN "never-ready");
    bool ready_now = !never && delay <= 0;
    jset_str(status, "phase", "Running");
    set_condition(status, "PodReadyToStartContainers", true, when);
    set_condition(status, "Initialized", true, when);
    set_condition(status, "Ready", ready_now, when);
    set_condition(status, "ContainersReady", ready_now, when);
    set_condition(status, "PodScheduled", true, when);
    if (!jstr(status, "podIP") || !*jstr(status, "podIP")) {
        unsigned n = ++k->ip_counter;
        char ip[32];
        snprintf(ip, sizeof ip, "10.244.%u.%u", (n / 250) % 256, n % 250 + 1);
        jset_str(status, "podIP", ip);
    }
    if (!cJSON_GetArraySize(jfield(status, "podIPs"))) {
        cJSON *ips = cJSON_CreateArray();
        cJSON *ipo = cJSON_CreateObject();
        cJSON_AddStringToObject(ipo, "ip", jstr(status, "podIP"));
        cJSON_AddItemToArray(ips, ipo);
        jset(status, "podIPs", ips);
    }
    if (!jstr(status, "startTime"))
        jset_str(status, "startTime", when);
    const char *node = jstr(doc, "spec.nodeName");
    store_obj *no = node ? store_get(c->st, K_NODE, NULL, node) : NULL;
    drop_waiting(status, "initContainerStatuses");
    drop_waiting(status, "containerStatuses");
    knode_pod_running(doc, no ? store_doc(no) : NULL, ready_now, when);
    rest_edit_write(c, o, doc, "status", NULL, 0);
    if (!never && delay > 0)
        schedule(k, o, JOB_READY, cluster_now(c) + delay);
    double exit_after = ann_duration(store_doc(o), ANN "exit-after");
    if (exit_after >= 0)
        schedule(k, o, JOB_EXIT, cluster_now(c) + exit_after);
}

static void become_ready(kubelet *k, store_obj *o)
{
    if (pod_terminal(store_doc(o)) || strcmp(pod_phase(store_doc(o)), "Running") || pod_ready_live(store_doc(o)))
        return;
    char when[32];
    clock_format(cluster_now(k->c), when);
    cJSON *doc = rest_edit_begin(o, "status");
    set_ready(jobj(doc, "status"), true, when);
    rest_edit_write(k->c, o, doc, "status", NULL, 0);
}

static void exit_pod(kubelet *k, store_obj *o)
{
    if (pod_terminal(store_doc(o)) || strcmp(pod_phase(store_doc(o)), "Running"))
        return;
    char when[32];
    clock_format(cluster_now(k->c), when);
    cJSON *doc = rest_edit_begin(o, "status");
    cJSON *status = jobj(doc, "status");
    jset_str(status, "phase", "Succeeded");
    container_statuses(doc, status, false, true, when);
    set_ready(status, false, when);
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(status, "conditions"))
        if (jstr(c, "type") && (!strcmp(jstr(c, "type"), "Ready") || !strcmp(jstr(c, "type"), "ContainersReady")))
            jset_str(c, "reason", "PodCompleted");
    rest_edit_write(k->c, o, doc, "status", NULL, 0);
}

/* When a terminating pod's shutdown ends: the earlier of its deletion
 * deadline and shutdown-after from when deletion started. */
static double removal_time(const cJSON *pod)
{
    double deadline;
    if (clock_parse(jstr(pod, "metadata.deletionTimestamp"), &deadline) < 0)
        return 0;
    double shutdown = ann_duration(pod, ANN "shutdown-after");
    double started = deadline - jnum(pod, "metadata.deletionGracePeriodSeconds", 0);
    return shutdown >= 0 && started + shutdown < deadline ? started + shutdown : deadline;
}

static void finish_pod(kubelet *k, store_obj *o)
{
    cluster *c = k->c;
    if (cJSON_GetArraySize(jget(store_doc(o), "metadata.finalizers")) > 0) {
        if (jnum(store_doc(o), "metadata.deletionGracePeriodSeconds", 0) == 0 && pod_terminal(store_doc(o)))
            return;
        char when[32];
        clock_format(cluster_now(c), when);
        cJSON *doc = cJSON_Duplicate(store_doc(o), true);
        cJSON *status = jobj(doc, "status");
        if (!pod_terminal(doc)) {
            jset_str(status, "phase", "Failed");
            container_statuses(doc, status, false, true, when);
            set_ready(status, false, when);
        }
        jset_num(jobj(doc, "metadata"), "deletionGracePeriodSeconds", 0);
        rest_write(c, o, doc);
        return;
    }
    cJSON *opts = cJSON_CreateObject();
    cJSON_AddNumberToObject(opts, "gracePeriodSeconds", 0);
    api_result r = {0};
    rest_delete_object_code(c, o, opts, false, &r); /* the answer's body is not read */
    api_result_clear(&r);
    cJSON_Delete(opts);
}

static bool on_node(kubelet *k, const store_obj *o)
{
    const char *node = jstr(store_doc(o), "spec.nodeName");
    return node && *node && store_get(k->c->st, K_NODE, NULL, node);
}

static void sync_pod(kubelet *k, store_obj *o)
{
    if (jstr(store_doc(o), "metadata.deletionTimestamp")) {
        double at = removal_time(store_doc(o));
        if (cluster_now(k->c) >= at)
            finish_pod(k, o);
        else
            schedule(k, o, JOB_SYNC, at);
        return;
    }
    if (!strcmp(pod_phase(store_doc(o)), "Pending") && on_node(k, o))
        start_pod(k, o);
}

/* The node's kubelet posts its status: at once when it first sees the
 * node (or something it fills is missing), then every status report
 * period, as long as the node is the same object. */
/* The next run of periodic work: one period on, or, while the clock is
 * advanced far in one step, the last period before it stops (only the
 * last renewal or heartbeat of a long advance could be seen; running
 * every one would cost the time advanced). */
static double next_period(kubelet *k, double period)
{
    double now = cluster_now(k->c), target = clock_target(k->c->clk);
    double skip = target - now >= 2 * period ? period * (double)(long long)((target - now) / period) : period;
    return now + skip;
}

static void node_job(kubelet *k, job *j)
{
    store_obj *o = store_get(k->c->st, K_NODE, NULL, j->key);
    const char *uid = o ? jstr(store_doc(o), "metadata.uid") : NULL;
    if (!o || !uid || strcmp(uid, j->uid))
        return;
    if (j->kind == JOB_LEASE) {
        if (knode_lease(k->c, o)) /* renewed every leaseDuration/4 */
            schedule(k, o, JOB_LEASE, next_period(k, KUBELET_LEASE_RENEW_SECONDS));
        return;
    }
    bool heartbeat = j->kind == JOB_NODE_HEARTBEAT;
    knode_status(k->c, o, &k->node_counter, heartbeat);
    if (heartbeat && (o = store_get(k->c->st, K_NODE, NULL, j->key)))
        schedule(k, o, JOB_NODE_HEARTBEAT, next_period(k, KUBELET_STATUS_REPORT_SECONDS));
}

static void run_job(void *ctx, uint64_t id)
{
    job *j = ctx;
    kubelet *k = j->k;
    if (!id) {
        free(j);
        return;
    }
    if (j->kind == JOB_NODE_FILL || j->kind == JOB_NODE_HEARTBEAT || j->kind == JOB_LEASE) {
        node_job(k, j);
        free(j);
        return;
    }
    char *slash = strchr(j->key, '/');
    store_obj *o = NULL;
    if (slash) {
        *slash = 0;
        o = store_get(k->c->st, K_POD, j->key, slash + 1);
    }
    const char *uid = o ? jstr(store_doc(o), "metadata.uid") : NULL;
    if (o && uid && !strcmp(uid, j->uid)) {
        if (j->kind == JOB_SYNC)
            sync_pod(k, o);
        else if (j->kind == JOB_READY && !jstr(store_doc(o), "metadata.deletionTimestamp"))
            become_ready(k, o);
        else if (j->kind == JOB_EXIT && !jstr(store_doc(o), "metadata.deletionTimestamp"))
            exit_pod(k, o);
    }
    free(j);
}

static bool needs_sync(const store_obj *o, const cJSON *old)
{
    if (o->hot & STORE_DELETING) { /* stored documents hold a string there or nothing */
        const cJSON *d = store_doc(o);
        return !old || !jstr(old, "metadata.deletionTimestamp") ||
               strcmp(jstr(old, "metadata.deletionTimestamp"), jstr(d, "metadata.deletionTimestamp")) ||
               jnum(old, "metadata.deletionGracePeriodSeconds", 0) != jnum(d, "metadata.deletionGracePeriodSeconds", 0);
    }
    return (o->hot & (STORE_NOPHASE | STORE_PENDING)) && (o->hot & STORE_BOUND); /* pod_phase */
}

static void unfile(kubelet *k, waiting *w)
{
    node_pods *np = w->node;
    waiting *last = np->items[--np->n];
    np->items[w->slot] = last;
    last->slot = w->slot;
    if (!np->n) {
        HASH_DEL(k->nodes, np);
        free(np->items);
        free(np);
    }
    HASH_DEL(k->waiting, w);
    free(w);
}

static void file(kubelet *k, const store_obj *o, const char *node)
{
    node_pods *np;
    HASH_FIND_STR(k->nodes, node, np);
    if (!np) {
        np = xcalloc(1, sizeof *np + strlen(node) + 1);
        strcpy(np->name, node);
        HASH_ADD_STR(k->nodes, name, np);
    }
    if (np->n == np->cap) {
        np->cap = np->cap ? np->cap * 2 : 4;
        np->items = xrealloc(np->items, np->cap * sizeof *np->items);
    }
    waiting *w = xcalloc(1, sizeof *w);
    w->pod = o;
    w->node = np;
    w->slot = np->n;
    np->items[np->n++] = w;
    HASH_ADD_PTR(k->waiting, pod, w);
}

/* File the pod under its node when a new node would sync it (as
 * needs_sync(pod, NULL) says), else take it out. */
static void track_pod(kubelet *k, store_event ev, const store_obj *o)
{
    waiting *w;
    HASH_FIND_PTR(k->waiting, &o, w);
    const char *node = ev != STORE_DELETED && needs_sync(o, NULL) ? store_get_str(o, "spec.nodeName") : NULL;
    if (node && !*node)
        node = NULL;
    if (w && (!node || strcmp(w->node->name, node)))
        unfile(k, w), w = NULL;
    if (node && !w)
        file(k, o, node);
}

static int pod_order(const void *a, const void *b)
{
    const store_obj *x = *(store_obj *const *)a, *y = *(store_obj *const *)b;
    int c = strcmp(x->ns, y->ns);
    return c ? c : strcmp(x->name, y->name);
}

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    kubelet *k = ctx;
    if (o->kind == K_POD)
        track_pod(k, ev, o);
    if (ev == STORE_DELETED)
        return;
    if (o->kind == K_POD && needs_sync(o, old)) {
        schedule(k, o, JOB_SYNC, cluster_now(k->c));
    } else if (o->kind == K_NODE && ev != STORE_ADDED && knode_needs_fill(o)) {
        schedule(k, o, JOB_NODE_FILL, cluster_now(k->c));
    } else if (o->kind == K_NODE && ev == STORE_ADDED) {
        /* the node's kubelet posts its status first; then the pods waiting
         * for it start, in list order */
        schedule(k, o, JOB_NODE_HEARTBEAT, cluster_now(k->c));
        schedule(k, o, JOB_LEASE, cluster_now(k->c));
        node_pods *np;
        HASH_FIND_STR(k->nodes, o->name, np);
        size_t n = np ? np->n : 0;
        const store_obj **pods = xmalloc((n ? n : 1) * sizeof *pods);
        for (size_t i = 0; i < n; i++)
            pods[i] = np->items[i]->pod;
        qsort(pods, n, sizeof *pods, pod_order);
        for (size_t i = 0; i < n; i++)
            schedule(k, pods[i], JOB_SYNC, cluster_now(k->c));
        free(pods);
    }
}

static void *attach(cluster *c)
{
    kubelet *k = xcalloc(1, sizeof *k);
    k->c = c;
    size_t n;
    store_obj **pods = store_list(c->st, K_POD, NULL, &n); /* none yet, unless attached late */
    for (size_t i = 0; i < n; i++)
        track_pod(k, STORE_ADDED, pods[i]);
    free(pods);
    store_obj **nodes = store_list(c->st, K_NODE, NULL, &n);
    for (size_t i = 0; i < n; i++) {
        schedule(k, nodes[i], JOB_NODE_HEARTBEAT, cluster_now(c));
        schedule(k, nodes[i], JOB_LEASE, cluster_now(c));
    }
    free(nodes);
    store_listen(c->st, on_change, k);
    return k;
}

static void detach(void *state)
{
    kubelet *k = state;
    waiting *w, *wt;
    HASH_ITER(hh, k->waiting, w, wt)
        unfile(k, w);
    free(k);
}
