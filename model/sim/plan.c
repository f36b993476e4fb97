/* plan: `evictsim plan drain|check` (see plan.h). A dump is loaded into a
 * manual-clock cluster with every controller; `drain` runs kubectl's drain
 * (model/sim/drain.c, step by step) of the chosen nodes, N at a time, on
 * one virtual clock, and reports per node the time to drain, every
 * eviction answer with its PDB arithmetic, the pods that never leave and
 * why (with the lesson that explains it), replacements the scheduler
 * cannot place, and the total; `check` reports what blocks without
 * simulating. Must not decide evictions or scheduling itself, nor speak
 * HTTP. A node's pods are found from an index kept from store events, so
 * a step costs the pods of the nodes draining, not the cluster's. */
#define _GNU_SOURCE
#include "plan.h"
#include "args.h"
#include "cluster.h"
#include "drain.h"
#include "dump.h"
#include "json.h"
#include "kversion.h"
#include "pdbindex.h"
#include "selector.h"
#include "text.h"
#include "xalloc.h"
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <uthash.h>

#define PLAN_DEFAULT_START 1735689600.0 /* 2025-01-01T00:00:00Z: a dump without timestamps */

typedef enum { OUT_TEXT, OUT_JSON, OUT_HTML } out_form;

typedef struct {
    bool check;              /* plan check (else drain) */
    const char **dumps;
    int ndumps;
    const char **nodes;
    int nnodes;
    const char *selector;    /* --selector: nodes by label */
    int parallel;
    drain_opts d;            /* kubectl drain's flags; node set per drain */
    bool skip_unknown, quiet;
    bool start_set;
    double start, ready_after;
    kube_version kv;         /* --kube-version, --feature-gates: the release the cluster answers as */
    const char *gates;
    out_form out;
} plan_opts;

static const char usage[] =
    "usage: evictsim plan drain [NODE...] [--selector LABELS] [--parallel N] [--timeout D]\n"
    "                           [--ignore-daemonsets] [--delete-emptydir-data] [--force]\n"
    "                           [--disable-eviction] [--grace-period N] [--pod-selector LABELS]\n"
    "                           [--skip-unknown] [--start-time RFC3339|dump] [--ready-after D]\n"
    "                           [--kube-version X.Y] [--feature-gates Name=bool,...]\n"
    "                           [--output text|json|html] [-q] DUMP...\n"
    "       evictsim plan check [--skip-unknown] [--output text|json] [-q] DUMP...\n"
    "\n"
    "drain: kubectl drain of the nodes (by name, or every node matching --selector), N at a time,\n"
    "simulated on the dump in virtual time with every controller and the scheduler running.\n"
    "check: what blocks a drain now, without simulating.\n"
    "A DUMP is what kubectl get -A -o yaml|json or kubectl cluster-info dump wrote (files,\n"
    "directories, .gz, - for stdin); an argument that is not a path is a NODE.\n"
    "Exit status: 0 the plan completes (check: nothing blocks), 3 it blocks, 2 bad input.\n";

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("evictsim plan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return PLAN_EXIT_BAD;
}

static char *dur(double secs)
{
    char b[64];
    drain_go_duration(secs < 0 ? 0 : secs, b, sizeof b);
    return xstrdup(b);
}

/* ---- the command line ----------------------------------------------------- */


static bool bool_flag(const char *a, const char *name, bool *out)
{
    size_t n = strlen(name);
    if (strncmp(a, name, n))
        return false;
    if (!a[n]) {
        *out = true;
        return true;
    }
    if (!strcmp(a + n, "=true")) {
        *out = true;
        return true;
    }
    if (!strcmp(a + n, "=false")) {
        *out = false;
        return true;
    }
    return false;
}

static int parse(int argc, char **argv, plan_opts *o)
{
    o->parallel = 1;
    o->d.grace_period = -1;
    o->dumps = xcalloc((size_t)argc, sizeof *o->dumps);
    o->nodes = xcalloc((size_t)argc, sizeof *o->nodes);
    bool start_dump = true;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false, b;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            exit(0);
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (!strcmp(a, "--skip-unknown")) {
            o->skip_unknown = true;
        } else if (bool_flag(a, "--ignore-daemonsets", &b)) {
            o->d.ignore_daemonsets = b;
        } else if (bool_flag(a, "--delete-emptydir-data", &b) || bool_flag(a, "--delete-local-data", &b)) {
            o->d.delete_emptydir_data = b;
        } else if (bool_flag(a, "--force", &b)) {
            o->d.force = b;
        } else if (bool_flag(a, "--disable-eviction", &b)) {
            o->d.disable_eviction = b;
        } else if ((v = args_flag(argc, argv, &i, "--output", &missing)) || (v = args_flag(argc, argv, &i, "-o", &missing))) {
            if (!strcmp(v, "text"))
                o->out = OUT_TEXT;
            else if (!strcmp(v, "json"))
                o->out = OUT_JSON;
            else if (!strcmp(v, "html") && !o->check)
                o->out = OUT_HTML;
            else
                return bad("bad --output \"%s\": want text, json%s", v, o->check ? "" : " or html");
        } else if ((v = args_flag(argc, argv, &i, "--selector", &missing)) || (v = args_flag(argc, argv, &i, "-l", &missing))) {
            o->selector = v;
        } else if ((v = args_flag(argc, argv, &i, "--pod-selector", &missing))) {
            o->d.pod_selector = v;
        } else if ((v = args_flag(argc, argv, &i, "--parallel", &missing))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < 1 || n > 100000)
                return bad("bad --parallel \"%s\": want a whole number from 1", v);
            o->parallel = (int)n;
        } else if ((v = args_flag(argc, argv, &i, "--timeout", &missing))) {
            if (clock_parse_duration(v, &o->d.timeout) < 0)
                return bad("bad --timeout \"%s\": want a duration (90s, 10m, 1h)", v);
        } else if ((v = args_flag(argc, argv, &i, "--grace-period", &missing))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < -1 || n > 1000000000)
                return bad("bad --grace-period \"%s\": want seconds (-1: the pod's own)", v);
            o->d.grace_period = (int)n;
        } else if ((v = args_flag(argc, argv, &i, "--start-time", &missing))) {
            start_dump = !strcmp(v, "dump");
            if (!start_dump && clock_parse(v, &o->start) < 0)
                return bad("bad --start-time \"%s\": want RFC 3339 or dump", v);
            o->start_set = !start_dump;
        } else if ((v = args_flag(argc, argv, &i, "--kube-version", &missing))) {
            char *err = NULL;
            if (kv_parse_version(v, &o->kv.minor, &err) < 0) {
                int rc = bad("bad --kube-version: %s", err ? err : v);
                free(err);
                return rc;
            }
        } else if ((v = args_flag(argc, argv, &i, "--feature-gates", &missing))) {
            o->gates = v;
        } else if ((v = args_flag(argc, argv, &i, "--ready-after", &missing))) {
            if (clock_parse_duration(v, &o->ready_after) < 0)
                return bad("bad --ready-after \"%s\": want a duration (90s, 2m)", v);
        } else if (missing) {
            return bad("flag %s needs a value", a);
        } else if (a[0] == '-' && a[1]) {
            return bad("unknown flag %s (see evictsim plan --help)", a);
        } else {
            struct stat st;
            if (!strcmp(a, "-") || stat(a, &st) == 0)
                o->dumps[o->ndumps++] = a;
            else if (o->check)
                return bad("%s: no such file or directory", a);
            else
                o->nodes[o->nnodes++] = a;
        }
    }
    char *err = NULL; /* the gates a release knows depend on --kube-version, wherever it stands */
    if ((o->gates && kv_parse_gates(&o->kv, o->gates, &err) < 0) || kv_check(&o->kv, &err) < 0) {
        int rc = bad("bad --feature-gates: %s", err ? err : o->gates);
        free(err);
        return rc;
    }
    if (!o->ndumps)
        return bad("no DUMP given (see evictsim plan --help)");
    if (!o->check && !o->nnodes && !o->selector)
        return bad("no node to drain: name them, or choose them with --selector LABELS");
    if (!o->check && o->nnodes && o->selector)
        return bad("name nodes or give --selector, not both");
    return -1;
}

/* ---- pods by node, kept from store events --------------------------------- */

typedef struct {
    UT_hash_handle hh;
    const store_obj *pod;
    struct node_set *set;
    size_t slot;
} pod_at;

typedef struct node_set {
    UT_hash_handle hh;
    const store_obj **pods;
    size_t n, cap;
    char name[];
} node_set;

typedef struct {
    pod_at *pods;
    node_set *nodes;
} pod_index;

static void at_remove(pod_index *ix, pod_at *a)
{
    node_set *s = a->set;
    s->pods[a->slot] = s->pods[--s->n];
    if (a->slot < s->n) {
        pod_at *moved;
        HASH_FIND_PTR(ix->pods, &s->pods[a->slot], moved);
        if (moved)
            moved->slot = a->slot;
    }
    HASH_DEL(ix->pods, a);
    free(a);
}

static void at_add(pod_index *ix, const store_obj *pod, const char *node)
{
    node_set *s;
    HASH_FIND_STR(ix->nodes, node, s);
    if (!s) {
        size_t n = strlen(node);
        s = xcalloc(1, sizeof *s + n + 1);
        memcpy(s->name, node, n + 1);
        HASH_ADD_STR(ix->nodes, name, s);
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->pods = xrealloc(s->pods, s->cap * sizeof *s->pods);
    }
    pod_at *a = xcalloc(1, sizeof *a);
    a->pod = pod;
    a->set = s;
    a->slot = s->n;
    s->pods[s->n++] = pod;
    HASH_ADD_PTR(ix->pods, pod, a);
}

static void on_store(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    (void)old;
    if (o->kind != K_POD)
        return;
    pod_index *ix = ctx;
    pod_at *a;
    HASH_FIND_PTR(ix->pods, &o, a);
    const char *node = ev != STORE_DELETED && (o->hot & STORE_BOUND) ? store_get_str(o, "spec.nodeName") : NULL;
    if (a && (!node || strcmp(a->set->name, node)))
        at_remove(ix, a), a = NULL;
    if (!a && node)
        at_add(ix, o, node);
}

static int by_ns_name(const void *pa, const void *pb)
{
    const store_obj *a = *(const store_obj *const *)pa, *b = *(const store_obj *const *)pb;
    int c = strcmp(a->ns, b->ns);
    return c ? c : strcmp(a->name, b->name);
}

static store_obj **pods_on_node(void *arg, const char *node, size_t *n)
{
    pod_index *ix = arg;
    node_set *s;
    HASH_FIND_STR(ix->nodes, node, s);
    *n = s ? s->n : 0;
    store_obj **out = xmalloc((*n ? *n : 1) * sizeof *out);
    if (*n)
        memcpy(out, s->pods, *n * sizeof *out);
    qsort(out, *n, sizeof *out, by_ns_name);
    return out;
}

static void index_free(pod_index *ix)
{
    pod_at *a, *ta;
    HASH_ITER(hh, ix->pods, a, ta) {
        HASH_DEL(ix->pods, a);
        free(a);
    }
    node_set *s, *ts;
    HASH_ITER(hh, ix->nodes, s, ts) {
        HASH_DEL(ix->nodes, s);
        free(s->pods);
        free(s);
    }
}

/* ---- the lessons ---------------------------------------------------------- */

typedef struct {
    const char *cause, *lesson;
} lesson_map;

static const lesson_map lessons[] = {
    {"budget-of-zero", "fixtures/lessons/03-budget-of-zero.yaml"},
    {"min-available-equals-replicas", "fixtures/lessons/01-min-available-vs-max-unavailable.yaml"},
    {"two-pdbs", "fixtures/lessons/05-two-pdbs-one-pod.yaml"},
    {"unhealthy-if-healthy-budget", "fixtures/lessons/04-unready-pods.yaml"},
    {"finalizer", "fixtures/lessons/08-finalizer.yaml"},
    {"empty-selector", "fixtures/lessons/06-empty-selector.yaml"},
    {"statefulset", "fixtures/lessons/07-statefulset-drain.yaml"},
    {"percentage", "fixtures/lessons/02-percentages-and-rounding.yaml"},
};

static const char *lesson_for(const char *cause)
{
    for (size_t i = 0; i < sizeof lessons / sizeof *lessons; i++)
        if (!strcmp(lessons[i].cause, cause))
            return lessons[i].lesson;
    return NULL;
}

/* ---- PDB arithmetic for the findings -------------------------------------- */

static bool int_or_percent_zero(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return v->valuedouble == 0;
    const char *s = cJSON_GetStringValue(v);
    return s && (!strcmp(s, "0%") || !strcmp(s, "0"));
}

/* Does the PDB, as written, forbid every disruption (maxUnavailable 0, or
 * minAvailable 100% or at least its expected pods)? The reason, or NULL. */
static char *zero_budget(const cJSON *pdb)
{
    const cJSON *maxu = jget(pdb, "spec.maxUnavailable"), *mina = jget(pdb, "spec.minAvailable");
    double expected = jnum(pdb, "status.expectedPods", -1);
    if (maxu && int_or_percent_zero(maxu))
        return xasprintf("maxUnavailable %s: no pod of it may ever be disrupted",
                         cJSON_IsNumber(maxu) ? "0" : maxu->valuestring);
    const char *ms = cJSON_GetStringValue(mina);
    if (ms && !strcmp(ms, "100%"))
        return xstrdup("minAvailable 100%: every pod must stay available");
    if (cJSON_IsNumber(mina) && expected > 0 && mina->valuedouble >= expected)
        return xasprintf("minAvailable %g with %g expected pods: %g - %g = 0 may be disrupted", mina->valuedouble,
                         expected, expected, mina->valuedouble);
    return NULL;
}

static const store_obj *pdb_named(cluster *c, const char *ns, const char *name)
{
    return name ? store_get(c->st, K_PDB, ns, name) : NULL;
}

static bool pod_ready(const store_obj *pod)
{
    return pod && (pod->hot & STORE_READY);
}

/* ---- drain ---------------------------------------------------------------- */

typedef struct {
    const char *node;
    drain_opts o;
    drain_result r;
    drain_job *job;
    double start, end;
    bool started, done;
} node_run;

typedef struct {
    cluster *c;
    plan_opts *o;
    pod_index ix;
    node_run *runs;
    size_t n;
    double t0, t_end;
    char t0s[32];
} plan;

static void run_start(plan *p, node_run *nr)
{
    nr->o = p->o->d;
    nr->o.node = nr->node;
    nr->o.pods_on_node = pods_on_node;
    nr->o.pods_arg = &p->ix;
    nr->start = cluster_now(p->c);
    nr->started = true;
    nr->job = drain_start(p->c, &nr->o, &nr->r);
}

static void run_end(plan *p, node_run *nr)
{
    drain_end(nr->job);
    /* the plan reports neither kubectl's output nor the timeline: a
     * thousand nodes' worth would hold hundreds of MiB to the end */
    cJSON_Delete(nr->r.timeline);
    cJSON_Delete(nr->r.output);
    nr->r.timeline = nr->r.output = NULL;
    nr->job = NULL;
    nr->done = true;
    nr->end = cluster_now(p->c);
}

/* The nodes, N at a time: each drain that ends makes room for the next.
 * Kept out of line: profiles of the simulation alone, without the load,
 * toggle on it (valgrind --tool=callgrind --toggle-collect=plan_drain_all). */
static __attribute__((noinline)) void plan_drain_all(plan *p)
{
    size_t next = 0, active = 0;
    for (;;) {
        while (active < (size_t)p->o->parallel && next < p->n) {
            node_run *nr = &p->runs[next++];
            run_start(p, nr);
            double t;
            if (drain_due(nr->job, &t))
                active++;
            else
                run_end(p, nr);
        }
        if (!active)
            break;
        double tmin = 0;
        bool any = false;
        for (size_t i = 0; i < next; i++) {
            double t;
            node_run *nr = &p->runs[i];
            if (nr->job && drain_due(nr->job, &t) && (!any || t < tmin)) {
                tmin = t;
                any = true;
            }
        }
        if (tmin > cluster_now(p->c))
            clock_advance(p->c->clk, tmin - cluster_now(p->c));
        for (size_t i = 0; i < next; i++) {
            node_run *nr = &p->runs[i];
            double t;
            if (!nr->job)
                continue;
            if (drain_due(nr->job, &t) && t <= cluster_now(p->c))
                drain_act(nr->job);
            if (!drain_due(nr->job, &t)) {
                run_end(p, nr);
                active--;
            }
        }
        /* the store's safe point (a drain keeps no document between
         * steps): the trees written in this round go back to their
         * compact form beyond the cache, so memory follows the cluster,
         * not the number of evictions. Not cluster_unlock's trim: after
         * a round that drops 1,000 trees (ten nodes' evictions do) it
         * drops the whole cache and runs malloc_trim over the heap, and
         * the next round decodes it all again */
        store_trim(p->c->st);
    }
    p->t_end = cluster_now(p->c);
}

static const char *scheduled_false_message(const store_obj *pod)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, store_get_path(pod, "status.conditions")) {
        const char *t = jstr(c, "type"), *st = jstr(c, "status");
        if (t && st && !strcmp(t, "PodScheduled") && !strcmp(st, "False"))
            return jstr(c, "message") ? jstr(c, "message") : "";
    }
    return NULL;
}

/* Why a pod the drain meant to remove is still there (attempts: the
 * node's eviction answers). */
static cJSON *stuck_reason(plan *p, node_run *nr, const cJSON *attempts, const char *who)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "pod", who);
    char ns[256], name[256];
    if (sscanf(who, "%255[^/]/%255s", ns, name) != 2)
        ns[0] = name[0] = 0;
    const char *cause = "other", *reason = NULL;
    char *owned = NULL;
    const cJSON *f, *last = NULL;
    cJSON_ArrayForEach(f, nr->r.filtered)
        if (!strcmp(jstr(f, "pod"), who)) {
            const char *r = jstr(f, "reason");
            cause = strstr(r, "no controller") ? "no-controller"
                  : strstr(r, "local storage") ? "local-storage"
                  : strstr(r, "DaemonSet") ? "daemonset" : "filtered";
            reason = owned = xasprintf("kubectl drain refuses it: %s", r);
        }
    cJSON_ArrayForEach(f, attempts)
        if (!strcmp(jstr(f, "pod"), who))
            last = f;
    const store_obj *pod = store_get(p->c->st, K_POD, ns, name);
    int code = (int)jnum(last, "code", 0);
    if (reason) {
    } else if (last && code == 429) {
        const store_obj *pdb = pdb_named(p->c, ns, jstr(last, "pdb"));
        const cJSON *doc = pdb ? store_doc(pdb) : NULL;
        char *zero = doc ? zero_budget(doc) : NULL;
        const char *policy = jstr(doc, "spec.unhealthyPodEvictionPolicy");
        if (zero) {
            cause = "budget-of-zero";
            reason = owned = xasprintf("PDB %s/%s allows no disruption: %s", ns, jstr(last, "pdb"), zero);
        } else if (!pod_ready(pod) && (!policy || strcmp(policy, "AlwaysAllow"))) {
            cause = "unhealthy-if-healthy-budget";
            reason = owned = xasprintf("the pod is not Ready and PDB %s/%s (unhealthyPodEvictionPolicy %s) has too few "
                                       "healthy pods: %s; AlwaysAllow would let it go", ns, jstr(last, "pdb"),
                                       policy ? policy : "IfHealthyBudget (the default)", jstr(last, "why"));
        } else {
            /* a pod of the budget the scheduler cannot place says why it never recovers */
            size_t np = 0;
            store_obj **pods = pdb ? pdbindex_pods_of(pdbindex_get(p->c->st), pdb, &np) : NULL;
            const store_obj *stuck = NULL;
            for (size_t i = 0; i < np && !stuck; i++)
                if ((pods[i]->hot & STORE_PENDING) && !(pods[i]->hot & STORE_BOUND) && scheduled_false_message(pods[i]))
                    stuck = pods[i];
            cause = "budget-exhausted";
            if (stuck)
                reason = owned = xasprintf("PDB %s/%s still refuses: %s; its pod %s cannot be scheduled: %s", ns,
                                           jstr(last, "pdb"), jstr(last, "why"), stuck->name,
                                           scheduled_false_message(stuck));
            else
                reason = owned = xasprintf("PDB %s/%s still refuses: %s (its replacements never became healthy in "
                                           "time)", ns, jstr(last, "pdb"), jstr(last, "why"));
            free(pods);
        }
        free(zero);
    } else if (last && code == 500 && strstr(jstr(last, "why"), "more than one PodDisruptionBudget")) {
        cause = "two-pdbs";
        reason = owned = xasprintf("%s (the eviction API answers 500 for it, every time)", jstr(last, "why"));
    } else if (pod && (pod->hot & STORE_DELETING)) {
        const cJSON *fins = jget(store_doc(pod), "metadata.finalizers");
        if (cJSON_GetArraySize(fins)) {
            char *list = NULL;
            const cJSON *fi;
            cJSON_ArrayForEach(fi, fins) {
                char *s = xasprintf("%s%s%s", list ? list : "", list ? ", " : "", cJSON_GetStringValue(fi));
                free(list);
                list = s;
            }
            cause = "finalizer";
            reason = owned = xasprintf("evicted, but held by finalizer%s %s: it stays Terminating until they are removed",
                                       cJSON_GetArraySize(fins) > 1 ? "s" : "", list);
            free(list);
        } else {
            cause = "terminating";
            reason = "evicted and still terminating when time ran out (its grace period is longer)";
        }
    } else if (last) {
        reason = owned = xasprintf("eviction answered %d: %s", code, jstr(last, "why"));
    } else {
        reason = "never evicted before time ran out";
    }
    cJSON_AddStringToObject(s, "cause", cause);
    cJSON_AddStringToObject(s, "reason", reason);
    const char *lesson = lesson_for(cause);
    if (lesson)
        cJSON_AddStringToObject(s, "lesson", lesson);
    free(owned);
    return s;
}

/* Pods created during the plan that the scheduler could not place. */
static cJSON *unschedulable(plan *p)
{
    cJSON *out = cJSON_CreateArray();
    size_t n;
    store_obj **pods = store_list(p->c->st, K_POD, NULL, &n);
    for (size_t i = 0; i < n; i++) {
        if (!(pods[i]->hot & STORE_PENDING) || (pods[i]->hot & STORE_BOUND))
            continue;
        const char *msg = scheduled_false_message(pods[i]);
        const char *ct = store_get_str(pods[i], "metadata.creationTimestamp");
        double created = 0;
        if (!msg || !ct || clock_parse(ct, &created) < 0 || created < p->t0)
            continue;
        cJSON *u = cJSON_CreateObject();
        char who[600];
        snprintf(who, sizeof who, "%s/%s", pods[i]->ns, pods[i]->name);
        cJSON_AddStringToObject(u, "pod", who);
        cJSON_AddNumberToObject(u, "since", created - p->t0);
        cJSON_AddStringToObject(u, "message", msg);
        cJSON_AddItemToArray(out, u);
    }
    free(pods);
    return out;
}

static cJSON *report(plan *p)
{
    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "start", p->t0s);
    cJSON_AddNumberToObject(rep, "parallel", p->o->parallel);
    cJSON *nodes = cJSON_AddArrayToObject(rep, "nodes");
    int drained = 0, blocked = 0, failed = 0, evictions = 0, refused = 0;
    for (size_t i = 0; i < p->n; i++) {
        node_run *nr = &p->runs[i];
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "name", nr->node);
        cJSON_AddStringToObject(n, "outcome", drain_outcome_name(nr->r.outcome));
        cJSON_AddNumberToObject(n, "start", nr->start - p->t0);
        cJSON_AddNumberToObject(n, "end", nr->end - p->t0);
        cJSON_AddNumberToObject(n, "seconds", nr->end - nr->start);
        drained += nr->r.outcome == DRAIN_DRAINED;
        blocked += nr->r.outcome == DRAIN_BLOCKED;
        failed += nr->r.outcome == DRAIN_FAILED;
        /* the answers move into the report (not copied: at 100,000
         * evictions a copy is a hundred MiB), their times made relative */
        cJSON *att = nr->r.attempts;
        nr->r.attempts = NULL;
        cJSON_AddItemToObject(n, "evictions", att);
        int ok = 0, no = 0;
        cJSON *a;
        cJSON_ArrayForEach(a, att) {
            jset_num(a, "first", jnum(a, "first", 0) - p->t0);
            jset_num(a, "last", jnum(a, "last", 0) - p->t0);
            int code = (int)jnum(a, "code", 0);
            if (code >= 200 && code < 300)
                ok++;
            else
                no += (int)jnum(a, "count", 1);
        }
        cJSON_AddNumberToObject(n, "evicted", ok);
        cJSON_AddNumberToObject(n, "refused", no);
        evictions += ok;
        refused += no;
        cJSON *stuck = cJSON_AddArrayToObject(n, "stuck");
        const cJSON *who;
        if (nr->r.outcome != DRAIN_DRAINED)
            cJSON_ArrayForEach(who, nr->r.left)
                cJSON_AddItemToArray(stuck, stuck_reason(p, nr, att, who->valuestring));
        cJSON_AddItemReferenceToObject(n, "errors", nr->r.errors);
        cJSON_AddItemToArray(nodes, n);
    }
    cJSON_AddItemToObject(rep, "unschedulable", unschedulable(p));
    cJSON *t = cJSON_AddObjectToObject(rep, "total");
    cJSON_AddNumberToObject(t, "nodes", (double)p->n);
    cJSON_AddNumberToObject(t, "drained", drained);
    cJSON_AddNumberToObject(t, "blocked", blocked);
    cJSON_AddNumberToObject(t, "failed", failed);
    cJSON_AddNumberToObject(t, "seconds", p->t_end - p->t0);
    cJSON_AddNumberToObject(t, "evictions", evictions);
    cJSON_AddNumberToObject(t, "refused", refused);
    cJSON_AddStringToObject(rep, "outcome", drained == (int)p->n ? "completes" : "blocks");
    return rep;
}

/* ---- the text report ------------------------------------------------------ */

static void text_attempt(strbuf *b, const cJSON *a)
{
    char *f = dur(jnum(a, "first", 0)), *l = dur(jnum(a, "last", 0));
    int count = (int)jnum(a, "count", 1), code = (int)jnum(a, "code", 0);
    char when[80];
    if (count > 1)
        snprintf(when, sizeof when, "+%s…+%s", f, l);
    else
        snprintf(when, sizeof when, "+%s", f);
    int width = 0; /* display columns: "…" is one */
    for (const char *q = when; *q; q++)
        width += ((unsigned char)*q & 0xC0) != 0x80;
    strbuf_printf(b, "  %s%*s evict %s → %d", when, width < 14 ? 14 - width : 0, "", jstr(a, "pod"), code);
    if (count > 1)
        strbuf_printf(b, " ×%d", count);
    strbuf_printf(b, " (%s)\n", jstr(a, "why"));
    if (!(code >= 200 && code < 300) && jstr(a, "explanation"))
        strbuf_printf(b, "                 why: %s\n", jstr(a, "explanation"));
    free(f);
    free(l);
}

static char *text_report(plan *p, const cJSON *rep)
{
    strbuf b = {0};
    const cJSON *n, *a;
    strbuf_printf(&b, "plan: drain %zu node%s%s%s%s, %d at a time, from %s\n", p->n, p->n == 1 ? "" : "s",
                  p->o->selector ? " (--selector " : "", p->o->selector ? p->o->selector : "",
                  p->o->selector ? ")" : "", p->o->parallel, p->t0s);
    cJSON_ArrayForEach(n, jget(rep, "nodes")) {
        char *s = dur(jnum(n, "seconds", 0)), *st = dur(jnum(n, "start", 0)), *en = dur(jnum(n, "end", 0));
        const char *oc = jstr(n, "outcome");
        strbuf_printf(&b, "\nnode %s: %s %s (+%s → +%s): %d evicted, %d evictions refused\n", jstr(n, "name"),
                      !strcmp(oc, "drained") ? "drained in" : !strcmp(oc, "blocked") ? "BLOCKED after" : "FAILED after",
                      s, st, en, (int)jnum(n, "evicted", 0), (int)jnum(n, "refused", 0));
        free(s);
        free(st);
        free(en);
        cJSON_ArrayForEach(a, jget(n, "evictions"))
            text_attempt(&b, a);
        cJSON_ArrayForEach(a, jget(n, "stuck")) {
            strbuf_printf(&b, "  never leaves: %s: %s", jstr(a, "pod"), jstr(a, "reason"));
            if (jstr(a, "lesson"))
                strbuf_printf(&b, " (see %s)", jstr(a, "lesson"));
            strbuf_putc(&b, '\n');
        }
        if (strcmp(oc, "drained") && !cJSON_GetArraySize(jget(n, "stuck")))
            cJSON_ArrayForEach(a, jget(n, "errors"))
                strbuf_printf(&b, "  error: %s\n", a->valuestring);
    }
    const cJSON *u = jget(rep, "unschedulable");
    if (cJSON_GetArraySize(u)) {
        strbuf_printf(&b, "\nreplacements the scheduler cannot place (%d):\n", cJSON_GetArraySize(u));
        cJSON_ArrayForEach(a, u) {
            char *s = dur(jnum(a, "since", 0));
            strbuf_printf(&b, "  %s (created +%s): %s\n", jstr(a, "pod"), s, jstr(a, "message"));
            free(s);
        }
    }
    const cJSON *t = jget(rep, "total");
    char *s = dur(jnum(t, "seconds", 0));
    strbuf_printf(&b, "\ntotal: %d node%s in %s: %d drained, %d blocked, %d failed; %d evictions, %d refused\n",
                  (int)jnum(t, "nodes", 0), jnum(t, "nodes", 0) == 1 ? "" : "s", s, (int)jnum(t, "drained", 0),
                  (int)jnum(t, "blocked", 0), (int)jnum(t, "failed", 0), (int)jnum(t, "evictions", 0),
                  (int)jnum(t, "refused", 0));
    strbuf_printf(&b, "plan %s\n", jstr(rep, "outcome"));
    free(s);
    return b.s;
}

/* ---- the html report ------------------------------------------------------ */

static void html_esc(strbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': strbuf_puts(b, "&lt;"); break;
        case '>': strbuf_puts(b, "&gt;"); break;
        case '&': strbuf_puts(b, "&amp;"); break;
        case '"': strbuf_puts(b, "&quot;"); break;
        default: strbuf_putc(b, *s);
        }
    }
}

static char *html_report(plan *p, const cJSON *rep, const char *text)
{
    strbuf b = {0};
    double total = jnum(jget(rep, "total"), "seconds", 0);
    if (total <= 0)
        total = 1;
    const int left = 160, width = 900, row = 26;
    int rows = cJSON_GetArraySize(jget(rep, "nodes"));
    strbuf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>evictsim plan: drain ");
    strbuf_printf(&b, "%zu nodes</title>\n", p->n);
    strbuf_puts(&b, "<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
                    "pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}"
                    ".drained{fill:#cde8cd}.blocked{fill:#f3c4c4}.failed{fill:#f5dcb3}"
                    ".ok{fill:#2e7d32}.refused{fill:#c62828}.error{fill:#ef6c00}"
                    "text{font:12px system-ui,sans-serif}</style></head><body>\n");
    strbuf_printf(&b, "<h1>Drain plan: %s</h1>\n<p>", !strcmp(jstr(rep, "outcome"), "completes") ? "completes" : "blocks");
    char *ts = dur(total);
    strbuf_printf(&b, "%zu node%s, %d at a time, from %s; %s in all. One row per node (its drain from start to end), "
                      "one mark per eviction answer (green: allowed, red: refused, orange: error).</p>\n",
                  p->n, p->n == 1 ? "" : "s", p->o->parallel, p->t0s, ts);
    free(ts);
    strbuf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">\n",
                  left + width + 20, rows * row + 30);
    int i = 0;
    const cJSON *n, *a;
    cJSON_ArrayForEach(n, jget(rep, "nodes")) {
        int y = i++ * row + 4;
        double x0 = left + width * jnum(n, "start", 0) / total, x1 = left + width * jnum(n, "end", 0) / total;
        strbuf_puts(&b, "<g class=\"node\"><text x=\"0\" y=\"");
        strbuf_printf(&b, "%d\">", y + 16);
        html_esc(&b, jstr(n, "name"));
        strbuf_printf(&b, "</text><rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>",
                      jstr(n, "outcome"), x0, y, x1 - x0 < 2 ? 2 : x1 - x0, row - 6);
        html_esc(&b, jstr(n, "name"));
        char *s = dur(jnum(n, "seconds", 0));
        strbuf_printf(&b, ": %s in %s</title></rect>\n", jstr(n, "outcome"), s);
        free(s);
        cJSON_ArrayForEach(a, jget(n, "evictions")) {
            int code = (int)jnum(a, "code", 0);
            const char *cls = code >= 200 && code < 300 ? "ok" : code == 429 ? "refused" : "error";
            double xa = left + width * jnum(a, "first", 0) / total, xb = left + width * jnum(a, "last", 0) / total;
            strbuf_printf(&b, "<rect class=\"mark %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"><title>", cls,
                          xa - 1.5, y + 3, xb - xa + 3, row - 12);
            html_esc(&b, jstr(a, "pod"));
            strbuf_printf(&b, " → %d ×%d: ", code, (int)jnum(a, "count", 1));
            html_esc(&b, jstr(a, "why"));
            strbuf_puts(&b, "</title></rect>\n");
        }
        strbuf_puts(&b, "</g>\n");
    }
    strbuf_printf(&b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", left, rows * row + 6,
                  left + width, rows * row + 6);
    char *te = dur(total);
    strbuf_printf(&b, "<text x=\"%d\" y=\"%d\">+0s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">+%s</text>\n",
                  left, rows * row + 22, left + width, rows * row + 22, te);
    free(te);
    strbuf_puts(&b, "</svg>\n<h2>Report</h2>\n<pre>");
    html_esc(&b, text);
    strbuf_puts(&b, "</pre>\n</body></html>\n");
    return b.s;
}

/* ---- loading -------------------------------------------------------------- */

/* The dump into a new cluster on a manual clock; NULL after saying why. */
static cluster *plan_load(plan_opts *o, pod_index *ix, double *t0, char **summary)
{
    char *err = NULL;
    dump *d = dump_open(o->dumps, o->ndumps, &(dump_opts){o->skip_unknown}, &err);
    if (!d) {
        bad("%s", err);
        free(err);
        return NULL;
    }
    cluster_opts co = {.manual_clock = true, .time_scale = 1, .controllers = CTRL_ALL,
                       .start_time = o->start, .ready_after = o->ready_after, .kv = o->kv};
    if (!o->start_set) {
        double t = dump_newest(d, &err);
        if (t < 0) {
            bad("%s", err);
            free(err);
            dump_close(d);
            return NULL;
        }
        co.start_time = t > 0 ? t : PLAN_DEFAULT_START;
    }
    cluster *c = cluster_new(&co);
    if (ix)
        store_listen(c->st, on_store, ix);
    cluster_lock(c);
    int n = dump_load(d, c, &err);
    *summary = n >= 0 && !o->quiet ? dump_summary(d, c) : NULL;
    cluster_unlock(c);
    dump_close(d);
    if (n < 0) {
        bad("%s", err);
        free(err);
        cluster_free(c);
        return NULL;
    }
    *t0 = cluster_now(c);
    return c;
}

static int node_cmp(const void *a, const void *b)
{
    return strcmp(((const node_run *)a)->node, ((const node_run *)b)->node);
}

/* The nodes to drain: those named (each must exist), or those matching --selector. */
static int choose_nodes(plan *p)
{
    plan_opts *o = p->o;
    if (o->nnodes) {
        p->runs = xcalloc((size_t)o->nnodes, sizeof *p->runs);
        for (int i = 0; i < o->nnodes; i++) {
            if (!store_get(p->c->st, K_NODE, NULL, o->nodes[i]))
                return bad("node \"%s\" is not in the dump (nor a file)", o->nodes[i]);
            for (size_t j = 0; j < p->n; j++)
                if (!strcmp(p->runs[j].node, o->nodes[i]))
                    return bad("node \"%s\" is named twice", o->nodes[i]);
            p->runs[p->n++].node = o->nodes[i];
        }
        return -1;
    }
    char *err = NULL;
    labelsel *sel = labelsel_parse(o->selector, &err);
    if (!sel) {
        int rc = bad("bad --selector \"%s\": %s", o->selector, err ? err : "unparseable");
        free(err);
        return rc;
    }
    size_t n;
    store_obj **nodes = store_list(p->c->st, K_NODE, NULL, &n);
    p->runs = xcalloc(n ? n : 1, sizeof *p->runs);
    for (size_t i = 0; i < n; i++)
        if (labelsel_matches_get(sel, store_label, nodes[i]))
            p->runs[p->n++].node = nodes[i]->name; /* stays: nodes are not deleted by a drain */
    free(nodes);
    labelsel_free(sel);
    if (!p->n)
        return bad("no node in the dump matches --selector %s", o->selector);
    qsort(p->runs, p->n, sizeof *p->runs, node_cmp);
    return -1;
}

/* v as cJSON_Print writes it `depth` levels down: printed alone, with
 * depth more tabs after each line break (strings hold none: cJSON escapes
 * them). */
static void print_nested(const cJSON *v, int depth, FILE *out)
{
    char *s = cJSON_Print(v);
    for (const char *q = s; *q; q++) {
        fputc(*q, out);
        if (*q == '\n')
            for (int i = 0; i < depth; i++)
                fputc('\t', out);
    }
    free(s);
}

/* cJSON_Print(rep), byte for byte, written a node at a time: the whole
 * text of a thousand nodes' evictions at once would be tens of MiB more. */
static void print_report(const cJSON *rep, FILE *out)
{
    const cJSON *m;
    fputs("{\n", out);
    cJSON_ArrayForEach(m, rep) {
        fprintf(out, "\t\"%s\":\t", m->string);
        if (!strcmp(m->string, "nodes") && cJSON_GetArraySize(m)) {
            const cJSON *n;
            fputc('[', out);
            cJSON_ArrayForEach(n, m) {
                print_nested(n, 2, out);
                if (n->next)
                    fputs(", ", out);
            }
            fputc(']', out);
        } else {
            print_nested(m, 1, out);
        }
        fputs(m->next ? ",\n" : "\n", out);
    }
    fputs("}\n", out);
}

static int emit(plan *p, cJSON *rep)
{
    if (p->o->out == OUT_JSON) {
        print_report(rep, stdout);
        fflush(stdout);
        return !strcmp(jstr(rep, "outcome"), "completes") ? PLAN_EXIT_OK : PLAN_EXIT_BLOCKS;
    }
    char *text = text_report(p, rep);
    if (p->o->out == OUT_HTML) {
        char *h = html_report(p, rep, text);
        fputs(h, stdout);
        free(h);
    } else {
        fputs(text, stdout);
    }
    free(text);
    fflush(stdout);
    return !strcmp(jstr(rep, "outcome"), "completes") ? PLAN_EXIT_OK : PLAN_EXIT_BLOCKS;
}

static int plan_drain(plan_opts *o)
{
    /* No fast bins in this one-shot process: a simulation frees cJSON
     * trees by the thousand between larger requests, and glibc
     * consolidated the fast bins on each such request (plan-100k, user
     * CPU: -8 % to -12 %). The output does not depend on it. */
    mallopt(M_MXFAST, 0);
    /* a round's trim frees hundreds of thousands of small blocks that the
     * next round's trees need again: keep them all for cJSON (the memory
     * is the process's either way; it is one thread) */
    json_alloc_keep(SIZE_MAX);
    plan p = {.o = o};
    char *summary = NULL;
    p.c = plan_load(o, &p.ix, &p.t0, &summary);
    if (!p.c) {
        index_free(&p.ix);
        return PLAN_EXIT_BAD;
    }
    clock_format(p.t0, p.t0s);
    int rc = choose_nodes(&p);
    if (rc < 0 && summary) /* the input is good: say what it holds */
        fprintf(stderr, "evictsim: %s\n", summary);
    free(summary);
    if (rc < 0) {
        cluster_lock(p.c);
        /* $EVICTSIM_PLAN_STATS: how much was simulated, for make bench */
        uint64_t rv0 = store_rv(p.c->st);
        struct timespec w0, w1;
        clock_gettime(CLOCK_MONOTONIC, &w0);
        plan_drain_all(&p);
        clock_gettime(CLOCK_MONOTONIC, &w1);
        if (getenv("EVICTSIM_PLAN_STATS")) {
            double secs = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
            uint64_t events = store_rv(p.c->st) - rv0;
            fprintf(stderr, "evictsim: plan stats: %llu store events (writes and deletions) in %.3f s of simulation "
                            "(%.0f events/s), %.0f s of virtual time\n",
                    (unsigned long long)events, secs, secs > 0 ? (double)events / secs : 0, p.t_end - p.t0);
        }
        cJSON *rep = report(&p);
        rc = emit(&p, rep);
        cJSON_Delete(rep);
        cluster_unlock(p.c);
    }
    for (size_t i = 0; i < p.n; i++)
        if (p.runs[i].started)
            drain_result_free(&p.runs[i].r);
    free(p.runs);
    cluster_free(p.c);
    index_free(&p.ix);
    return rc;
}

/* ---- check --------------------------------------------------------------- */

static void finding(cJSON *out, const char *type, bool blocks, const char *ns, const char *pdb, const char *msg,
                    const char *arith, const char *lesson_cause)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "type", type);
    cJSON_AddBoolToObject(f, "blocks", blocks);
    char who[600];
    snprintf(who, sizeof who, "%s/%s", ns, pdb);
    cJSON_AddStringToObject(f, "pdb", who);
    cJSON_AddStringToObject(f, "message", msg);
    if (arith)
        cJSON_AddStringToObject(f, "arithmetic", arith);
    const char *l = lesson_for(lesson_cause);
    if (l)
        cJSON_AddStringToObject(f, "lesson", l);
    cJSON_AddItemToArray(out, f);
}

/* The pods a PDB selects and that have not ended (the PDB index's answer:
 * a null selector selects none). */
static store_obj **pdb_pods(cluster *c, const store_obj *pdb, size_t *n)
{
    size_t all;
    store_obj **pods = pdbindex_pods_of(pdbindex_get(c->st), pdb, &all);
    *n = 0;
    for (size_t i = 0; i < all; i++)
        if (!(pods[i]->hot & STORE_ENDED))
            pods[(*n)++] = pods[i];
    return pods;
}

typedef struct {
    UT_hash_handle hh;
    const store_obj *pod;
    char first[512];
    int count;
} pod_pdbs;

static cJSON *check_findings(cluster *c, size_t *npdbs)
{
    cJSON *out = cJSON_CreateArray(), *pairs = cJSON_CreateObject();
    pod_pdbs *seen = NULL;
    size_t n;
    store_obj **pdbs = store_list(c->st, K_PDB, NULL, &n);
    *npdbs = n;
    for (size_t i = 0; i < n; i++) {
        const cJSON *doc = store_doc(pdbs[i]);
        const char *ns = pdbs[i]->ns, *name = pdbs[i]->name;
        size_t np;
        store_obj **pods = pdb_pods(c, pdbs[i], &np);
        double expected = jnum(doc, "status.expectedPods", 0), healthy = jnum(doc, "status.currentHealthy", 0),
               desired = jnum(doc, "status.desiredHealthy", 0), allowed = jnum(doc, "status.disruptionsAllowed", 0);
        char *arith = xasprintf("%g expected, %g healthy, %g desired healthy → %g disruption%s allowed", expected,
                                healthy, desired, allowed, allowed == 1 ? "" : "s");
        size_t unready = 0;
        char first_unready[300] = "";
        for (size_t j = 0; j < np; j++) {
            if (!pod_ready(pods[j]) && !unready++)
                snprintf(first_unready, sizeof first_unready, "%s", pods[j]->name);
            pod_pdbs *pp;
            HASH_FIND_PTR(seen, &pods[j], pp);
            if (!pp) {
                pp = xcalloc(1, sizeof *pp);
                pp->pod = pods[j];
                snprintf(pp->first, sizeof pp->first, "%s", name);
                HASH_ADD_PTR(seen, pod, pp);
            } else {
                char key[1100];
                snprintf(key, sizeof key, "%s\n%s\n%s", ns, pp->first, name);
                cJSON *pair = cJSON_GetObjectItemCaseSensitive(pairs, key);
                if (!pair) {
                    pair = cJSON_AddObjectToObject(pairs, key);
                    cJSON_AddStringToObject(pair, "example", pods[j]->name);
                    cJSON_AddStringToObject(pair, "ns", ns);
                    cJSON_AddStringToObject(pair, "a", pp->first);
                    cJSON_AddStringToObject(pair, "b", name);
                }
                jset_num(pair, "n", jnum(pair, "n", 0) + 1);
            }
        }
        free(pods);
        char *zero = zero_budget(doc);
        const cJSON *mina = jget(doc, "spec.minAvailable");
        const char *policy = jstr(doc, "spec.unhealthyPodEvictionPolicy");
        if (!cJSON_IsObject(jget(doc, "spec.selector")) || !np) {
            char *m = xasprintf("selects no pod (%s): it protects nothing",
                                cJSON_IsObject(jget(doc, "spec.selector")) ? "no pod matches its selector"
                                                                           : "its selector is null");
            finding(out, "selects-nothing", false, ns, name, m, arith, "empty-selector");
            free(m);
        } else if (allowed < 1 && np == 1 && expected <= 1 && !(jget(doc, "spec.maxUnavailable") &&
                                                                 int_or_percent_zero(jget(doc, "spec.maxUnavailable")))) {
            char *m = xstrdup("guards a single replica: evicting it always breaks the budget (scale to 2, or "
                              "use maxUnavailable 1 and accept the downtime)");
            finding(out, "single-replica", true, ns, name, m, arith, "min-available-equals-replicas");
            free(m);
        } else if (zero) {
            char *m = xasprintf("allows no disruption, ever: %s", zero);
            bool min = cJSON_IsNumber(mina);
            finding(out, min ? "min-available-equals-replicas" : "budget-of-zero", true, ns, name, m, arith,
                    min ? "min-available-equals-replicas" : "budget-of-zero");
            free(m);
        } else if (allowed < 1 && unready && healthy < desired) {
            char *m = xasprintf("stuck behind %zu unready pod%s (e.g. %s): %g healthy < %g desired%s", unready,
                                unready == 1 ? "" : "s", first_unready, healthy, desired,
                                policy && !strcmp(policy, "AlwaysAllow")
                                    ? "; AlwaysAllow still lets unready pods go"
                                    : "; with IfHealthyBudget (the default) not even the unready pods may be evicted");
            finding(out, "stuck-unready", true, ns, name, m, arith, "unhealthy-if-healthy-budget");
            free(m);
        } else if (allowed < 1) {
            finding(out, "no-disruption-now", true, ns, name, "allows no disruption now", arith, "budget-of-zero");
        }
        free(zero);
        free(arith);
    }
    free(pdbs);
    const cJSON *pair;
    cJSON_ArrayForEach(pair, pairs) {
        int k = (int)jnum(pair, "n", 0);
        char *m = xasprintf("%d pod%s (e.g. %s/%s) selected by PDB %s and PDB %s: the eviction API refuses them (500) "
                            "whatever the budgets say", k, k == 1 ? "" : "s", jstr(pair, "ns"), jstr(pair, "example"),
                            jstr(pair, "a"), jstr(pair, "b"));
        finding(out, "two-pdbs", true, jstr(pair, "ns"), jstr(pair, "b"), m, NULL, "two-pdbs");
        free(m);
    }
    cJSON_Delete(pairs);
    pod_pdbs *pp, *tp;
    HASH_ITER(hh, seen, pp, tp) {
        HASH_DEL(seen, pp);
        free(pp);
    }
    return out;
}

static int plan_check(plan_opts *o)
{
    double t0;
    char *summary = NULL;
    cluster *c = plan_load(o, NULL, &t0, &summary);
    if (!c)
        return PLAN_EXIT_BAD;
    if (summary)
        fprintf(stderr, "evictsim: %s\n", summary);
    free(summary);
    cluster_lock(c);
    size_t npdbs;
    cJSON *f = check_findings(c, &npdbs);
    cluster_unlock(c);
    int blocks = 0, warns = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, f) {
        if (cJSON_IsTrue(jget(x, "blocks")))
            blocks++;
        else
            warns++;
    }
    char t0s[32];
    clock_format(t0, t0s);
    if (o->out == OUT_JSON) {
        cJSON *rep = cJSON_CreateObject();
        cJSON_AddStringToObject(rep, "time", t0s);
        cJSON_AddNumberToObject(rep, "pdbs", (double)npdbs);
        cJSON_AddItemToObject(rep, "findings", f);
        cJSON_AddStringToObject(rep, "outcome", blocks ? "blocks" : "completes");
        char *s = cJSON_Print(rep);
        printf("%s\n", s);
        free(s);
        cJSON_Delete(rep);
    } else {
        printf("check: %zu PDB%s at %s\n", npdbs, npdbs == 1 ? "" : "s", t0s);
        cJSON_ArrayForEach(x, f) {
            printf("%-6s PDB %s: %s", cJSON_IsTrue(jget(x, "blocks")) ? "BLOCKS" : "warn", jstr(x, "pdb"),
                   jstr(x, "message"));
            if (jstr(x, "arithmetic"))
                printf(" [%s]", jstr(x, "arithmetic"));
            if (jstr(x, "lesson"))
                printf(" (see %s)", jstr(x, "lesson"));
            putchar('\n');
        }
        printf("%d finding%s block a drain, %d more to know\n", blocks, blocks == 1 ? "" : "s", warns);
        cJSON_Delete(f);
    }
    fflush(stdout);
    cluster_free(c);
    return blocks ? PLAN_EXIT_BLOCKS : PLAN_EXIT_OK;
}

int plan_main(int argc, char **argv)
{
    plan_opts o = {0};
    if (argc < 2 || (strcmp(argv[1], "drain") && strcmp(argv[1], "check"))) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(usage, stdout);
            return 0;
        }
        fputs("evictsim plan: want drain or check (see evictsim plan --help)\n", stderr);
        return PLAN_EXIT_BAD;
    }
    o.check = !strcmp(argv[1], "check");
    int rc = parse(argc, argv, &o);
    if (rc < 0)
        rc = o.check ? plan_check(&o) : plan_drain(&o);
    free(o.dumps);
    free(o.nodes);
    return rc;
}
