/* drain: kubectl drain (pkg/drain of kubectl 1.33) simulated on the virtual
 * clock against the model, request for request: cordon, list, the filters
 * in kubectl's order with its messages, evictions in parallel (each pod's
 * loop independent in virtual time), 429 → retry after 5 s, waiting for
 * deletion (1 s polls: gone or a new UID), the global timeout. Every request
 * passes through the fault rules as it would through the API. Must not sleep
 * or speak HTTP; decides no eviction itself (model/api/eviction.c does). */
#define _GNU_SOURCE
#include "drain.h"
#include "xalloc.h"
#include "pod.h"
#include "eviction.h"
#include "json.h"
#include "rest.h"
#include "selector.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { P_EVICT, P_WAIT, P_DONE, P_FAILED } pod_state;

typedef struct {
    char *ns, *name, *uid;
    bool was_deleting;  /* the listed pod had a deletionTimestamp */
    pod_state st;
    double next;
    int refused;        /* 429s so far */
    bool blocked;       /* ended inside the 429 loop */
    bool timed_out;     /* ended by the timeout (or the horizon) */
    cJSON *group;       /* the open timeline entry of repeated answers */
    cJSON *attempt;     /* the open entry of r->attempts for repeated answers */
    char group_text[512];
    double group_first, group_last;
    int group_count;
} drain_pod;

typedef struct {
    cluster *c;
    const drain_opts *o;
    drain_result *r;
    double t0, deadline;     /* deadline 0: none */
    char timeout_s[32];
    drain_pod *pods;
    size_t n;
    cJSON *fatal;            /* [{"msg": ..., "pods": "ns/a, ns/b"}] in first-seen order */
    cJSON *warn;             /* same shape */
    cJSON *candidates;       /* "ns/name" of every pod the drain meant to remove or could not */
} drain_ctx;

/* ---- small helpers ------------------------------------------------------ */

void drain_go_duration(double secs, char *buf, size_t n)
{
    if (secs <= 0) {
        snprintf(buf, n, "0s");
        return;
    }
    if (secs < 1) {
        snprintf(buf, n, "%gms", round(secs * 1e6) / 1e3);
        return;
    }
    if (secs > 9223372036) /* the longest Go duration, in whole seconds (2562047h47m16s) */
        secs = 9223372036;
    long h = (long)(secs / 3600), m = (long)(fmod(secs, 3600) / 60);
    double s = round(fmod(secs, 60) * 1e6) / 1e6;
    if (h)
        snprintf(buf, n, "%ldh%ldm%gs", h, m, s);
    else if (m)
        snprintf(buf, n, "%ldm%gs", m, s);
    else
        snprintf(buf, n, "%gs", s);
}

const char *drain_outcome_name(drain_outcome o)
{
    return o == DRAIN_DRAINED ? "drained" : o == DRAIN_BLOCKED ? "blocked" : "failed";
}

bool drain_fault(cluster *c, const char *verb, const char *resource, const char *subresource,
                 const char *ns, const char *name, api_result *out)
{
    if (!c->faults)
        return false;
    fault_attrs a = {verb, resource, subresource, ns, name};
    cJSON *st = NULL;
    double delay = 0;
    if (!faults_match(c->faults, &a, &st, &delay) || !st)
        return false; /* a delay-only rule: no waiting in virtual time */
    api_result_status(out, st);
    return true;
}

static void out_line(drain_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_line(drain_ctx *x, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    if (s)
        cJSON_AddItemToArray(x->r->output, cJSON_CreateString(s));
    free(s);
}

static void err_add(drain_ctx *x, const char *msg)
{
    cJSON_AddItemToArray(x->r->errors, cJSON_CreateString(msg));
}

static cJSON *tl_add(drain_ctx *x, const char *text, const char *why)
{
    char t[32], *line = NULL;
    drain_go_duration(cluster_now(x->c) - x->t0, t, sizeof t);
    if (asprintf(&line, "t=+%s %s", t, text) < 0)
        return NULL;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "line", line);
    if (why && *why)
        cJSON_AddStringToObject(e, "why", why);
    cJSON_AddItemToArray(x->r->timeline, e);
    free(line);
    return e;
}

/* Repeated answers for one pod collapse into one timeline entry:
 * "t=+5s…+55s evict default/web-1 → 429 ×11 (...)". */
static void tl_pod(drain_ctx *x, drain_pod *p, const char *text, const char *why)
{
    double now = cluster_now(x->c) - x->t0;
    if (p->group && !strcmp(p->group_text, text)) {
        char a[32], b[32], *line = NULL;
        p->group_last = now;
        p->group_count++;
        drain_go_duration(p->group_first, a, sizeof a);
        drain_go_duration(p->group_last, b, sizeof b);
        const char *arrow = strstr(text, " → ");
        int head = arrow ? (int)(arrow - text) : (int)strlen(text);
        if (asprintf(&line, "t=+%s…+%s %.*s ×%d%s", a, b, head, text, p->group_count, arrow ? arrow : "") >= 0)
            jset_str(p->group, "line", line);
        free(line);
        return;
    }
    p->group = tl_add(x, text, why);
    snprintf(p->group_text, sizeof p->group_text, "%s", text);
    p->group_first = p->group_last = now;
    p->group_count = 1;
}

static void tl_podf(drain_ctx *x, drain_pod *p, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void tl_podf(drain_ctx *x, drain_pod *p, const char *why, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tl_pod(x, p, buf, why);
}

static const char *result_str(const api_result *r, const char *key)
{
    const char *s = jstr(r->body, key);
    return s ? s : "";
}

static bool is_not_found(const api_result *r)
{
    const char *reason = result_str(r, "reason");
    return !strcmp(reason, "NotFound") || (r->code == 404 && !*reason);
}

static bool has_cause(const api_result *r, const char *type)
{
    const cJSON *cause;
    cJSON_ArrayForEach(cause, jget(r->body, "details.causes")) {
        const char *t = jstr(cause, "reason");
        if (t && !strcmp(t, type))
            return true;
    }
    return false;
}

/* ---- cordon --------------------------------------------------------------- */

static bool drain_cordon(drain_ctx *x)
{
    api_result r = {0};
    const char *node = x->o->node;
    store_obj *n = NULL;
    if (!drain_fault(x->c, "get", "nodes", NULL, NULL, node, &r) &&
        !(n = store_get(x->c->st, K_NODE, NULL, node)))
        api_result_status(&r, status_not_found(K_NODE, node));
    if (!n) {
        char msg[512];
        snprintf(msg, sizeof msg, "Error from server (%s): %s", result_str(&r, "reason"), result_str(&r, "message"));
        out_line(x, "%s", msg);
        err_add(x, msg);
        tl_add(x, msg, NULL);
        api_result_clear(&r);
        return false;
    }
    const char *suffix = x->o->dry_run == DRAIN_DRY_SERVER ? " (server dry run)"
                       : x->o->dry_run == DRAIN_DRY_CLIENT ? " (dry run)" : "";
    if (cJSON_IsTrue(jget(store_doc(n), "spec.unschedulable"))) {
        out_line(x, "node/%s already cordoned", node);
        tl_add(x, "node already cordoned", NULL);
        return true;
    }
    if (x->o->dry_run != DRAIN_DRY_CLIENT &&
        !drain_fault(x->c, "patch", "nodes", NULL, NULL, node, &r)) {
        static const char body[] = "{\"spec\":{\"unschedulable\":true}}";
        rest_req rq = {.verb = V_PATCH, .kind = K_NODE, .name = node, .body_type = BODY_STRATEGIC_PATCH,
                       .body = body, .body_len = sizeof body - 1,
                       .dry_run = x->o->dry_run == DRAIN_DRY_SERVER ? "All" : NULL};
        rest_handle(x->c, &rq, &r);
        cluster_settle(x->c);
    } else if (x->o->dry_run == DRAIN_DRY_CLIENT) {
        r.code = 200;
    }
    if (r.code >= 200 && r.code < 300) {
        out_line(x, "node/%s cordoned%s", node, suffix);
        tl_add(x, x->o->dry_run ? "cordon (dry run: not written)" : "cordon: spec.unschedulable=true", NULL);
    } else { /* kubectl goes on */
        out_line(x, "error: unable to cordon node \"%s\": %s", node, result_str(&r, "message"));
        tl_podf(x, &(drain_pod){0}, NULL, "cordon failed (%d): %s; the drain goes on", r.code, result_str(&r, "message"));
    }
    api_result_clear(&r);
    return true;
}

/* ---- filters (pkg/drain/filters.go) --------------------------------------- */

typedef enum { F_OK, F_WARN, F_SKIP, F_ERROR } filter_kind;
typedef struct {
    filter_kind k;
    bool del;
    char msg[512];
} filter_status;

static const cJSON *controller_of(const cJSON *pod)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, jget(pod, "metadata.ownerReferences"))
        if (cJSON_IsTrue(cJSON_GetObjectItem(ref, "controller")))
            return ref;
    return NULL;
}

static filter_status fs(filter_kind k, bool del, const char *msg)
{
    filter_status s = {k, del, ""};
    snprintf(s.msg, sizeof s.msg, "%s", msg ? msg : "");
    return s;
}

static filter_status filter_daemonset(drain_ctx *x, const store_obj *pod)
{
    const cJSON *ref = controller_of(store_doc(pod));
    const char *kind = jstr(ref, "kind"), *name = jstr(ref, "name");
    if (!ref || !kind || strcmp(kind, "DaemonSet") || pod_terminal(store_doc(pod)))
        return fs(F_OK, true, NULL);
    api_result r = {0};
    if (!drain_fault(x->c, "get", "daemonsets", NULL, pod->ns, name, &r) &&
        !store_get(x->c->st, K_DAEMONSET, pod->ns, name ? name : ""))
        api_result_status(&r, status_not_found(K_DAEMONSET, name ? name : ""));
    filter_status s;
    if (r.code && is_not_found(&r) && x->o->force)
        s = fs(F_WARN, true, result_str(&r, "message"));
    else if (r.code)
        s = fs(F_ERROR, false, result_str(&r, "message"));
    else if (!x->o->ignore_daemonsets)
        s = fs(F_ERROR, false, "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)");
    else
        s = fs(F_WARN, false, "ignoring DaemonSet-managed Pods");
    api_result_clear(&r);
    return s;
}

static filter_status filter_mirror(const store_obj *pod)
{
    const cJSON *ann = jget(store_doc(pod), "metadata.annotations");
    if (jfield(ann, "kubernetes.io/config.mirror"))
        return fs(F_SKIP, false, NULL);
    return fs(F_OK, true, NULL);
}

static filter_status filter_local_storage(drain_ctx *x, const store_obj *pod)
{
    bool local = false;
    const cJSON *v;
    cJSON_ArrayForEach(v, jget(store_doc(pod), "spec.volumes"))
        local |= cJSON_GetObjectItem(v, "emptyDir") != NULL;
    if (!local || pod_terminal(store_doc(pod)))
        return fs(F_OK, true, NULL);
    if (!x->o->delete_emptydir_data)
        return fs(F_ERROR, false, "Pods with local storage (use --delete-emptydir-data to override)");
    return fs(F_WARN, true, "deleting Pods with local storage");
}

static filter_status filter_unreplicated(drain_ctx *x, const store_obj *pod)
{
    if (pod_terminal(store_doc(pod)) || controller_of(store_doc(pod)))
        return fs(F_OK, true, NULL);
    if (x->o->force)
        return fs(F_WARN, true, "deleting Pods that declare no controller");
    /* kubectl 1.30+: the filter text starts with "cannot delete" and the
     * fatal list prefixes it again, so it is printed twice (as upstream) */
    return fs(F_ERROR, false, "cannot delete Pods that declare no controller (use --force to override)");
}

/* The filters in order; the first that says "don't delete" stops the chain,
 * and a later status overwrites an earlier warning. */
static filter_status drain_filter(drain_ctx *x, const store_obj *pod)
{
    filter_status s = filter_daemonset(x, pod);
    if (s.del)
        s = filter_mirror(pod);
    if (s.del)
        s = filter_local_storage(x, pod);
    if (s.del)
        s = filter_unreplicated(x, pod);
    return s;
}

/* Group "msg" → "ns/a, ns/b" in first-seen order. */
static void group_add(cJSON *groups, const char *msg, const char *who)
{
    cJSON *g;
    cJSON_ArrayForEach(g, groups) {
        if (!strcmp(jstr(g, "msg"), msg)) {
            char *joined = NULL;
            if (asprintf(&joined, "%s, %s", jstr(g, "pods"), who) >= 0)
                jset_str(g, "pods", joined);
            free(joined);
            return;
        }
    }
    g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "msg", msg);
    cJSON_AddStringToObject(g, "pods", who);
    cJSON_AddItemToArray(groups, g);
}

static bool pod_on_node(const store_obj *pod, const char *node, const labelsel *sel)
{
    if (!(pod->hot & STORE_BOUND))
        return false;
    const char *nn = store_get_str(pod, "spec.nodeName");
    return nn && !strcmp(nn, node) && (!sel || labelsel_matches_get(sel, store_label, pod));
}

static void add_pod(drain_ctx *x, const store_obj *pod)
{
    x->pods = xrealloc(x->pods, (x->n + 1) * sizeof *x->pods);
    drain_pod *p = &x->pods[x->n++];
    memset(p, 0, sizeof *p);
    p->ns = xstrdup(pod->ns);
    p->name = xstrdup(pod->name);
    const char *uid = jstr(store_doc(pod), "metadata.uid");
    p->uid = xstrdup(uid ? uid : "");
    p->was_deleting = jstr(store_doc(pod), "metadata.deletionTimestamp") != NULL;
    p->st = P_EVICT;
    p->next = x->t0;
}

static void filter_one(drain_ctx *x, const store_obj *pod)
{
    char who[512];
    snprintf(who, sizeof who, "%s/%s", pod->ns, pod->name);
    filter_status s = drain_filter(x, pod);
    if (s.k == F_ERROR) {
        group_add(x->fatal, s.msg, who);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "pod", who);
        cJSON_AddStringToObject(f, "reason", s.msg);
        cJSON_AddItemToArray(x->r->filtered, f);
        cJSON_AddItemToArray(x->candidates, cJSON_CreateString(who));
        tl_podf(x, &(drain_pod){0}, NULL, "cannot delete %s: %s", who, s.msg);
        return;
    }
    if (s.k == F_WARN)
        group_add(x->warn, s.msg, who);
    if (s.k == F_SKIP)
        tl_podf(x, &(drain_pod){0}, NULL, "skip %s: mirror pod", who);
    else if (!s.del)
        tl_podf(x, &(drain_pod){0}, NULL, "skip %s: %s", who, s.msg);
    if (s.del) {
        cJSON_AddItemToArray(x->candidates, cJSON_CreateString(who));
        add_pod(x, pod);
    }
}

/* List the node's pods and run the filters. false when the list failed. */
static bool drain_select(drain_ctx *x)
{
    api_result r = {0};
    if (drain_fault(x->c, "list", "pods", NULL, NULL, NULL, &r)) {
        err_add(x, result_str(&r, "message"));
        tl_podf(x, &(drain_pod){0}, NULL, "list pods → %d: %s", r.code, result_str(&r, "message"));
        api_result_clear(&r);
        return false;
    }
    char *err = NULL;
    labelsel *sel = NULL;
    if (x->o->pod_selector && !(sel = labelsel_parse(x->o->pod_selector, &err))) {
        err_add(x, err ? err : "invalid pod selector");
        free(err);
        return false;
    }
    size_t n;
    store_obj **all = x->o->pods_on_node ? x->o->pods_on_node(x->o->pods_arg, x->o->node, &n)
                                         : store_list(x->c->st, K_POD, NULL, &n);
    for (size_t i = 0; i < n; i++)
        if (pod_on_node(all[i], x->o->node, sel))
            filter_one(x, all[i]);
    free(all);
    labelsel_free(sel);
    return true;
}

static void print_groups(drain_ctx *x)
{
    const cJSON *g;
    char buf[4096];
    size_t len = 0;
    buf[0] = 0;
    cJSON_ArrayForEach(g, x->warn)
        len += snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, "%s%s: %s", len ? "; " : "",
                        jstr(g, "msg"), jstr(g, "pods"));
    if (cJSON_GetArraySize(x->warn))
        out_line(x, "Warning: %s", buf);
    cJSON_ArrayForEach(g, x->fatal) {
        char msg[2048];
        snprintf(msg, sizeof msg, "cannot delete %s: %s", jstr(g, "msg"), jstr(g, "pods"));
        err_add(x, msg);
    }
}

/* ---- evictions ------------------------------------------------------------ */

static char *evict_body(drain_ctx *x, const drain_pod *p)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "kind", "Eviction");
    cJSON_AddStringToObject(b, "apiVersion", "policy/v1");
    cJSON *md = cJSON_AddObjectToObject(b, "metadata");
    cJSON_AddStringToObject(md, "name", p->name);
    cJSON_AddStringToObject(md, "namespace", p->ns);
    cJSON_AddNullToObject(md, "creationTimestamp");
    cJSON *d = cJSON_AddObjectToObject(b, "deleteOptions");
    if (x->o->grace_period >= 0)
        cJSON_AddNumberToObject(d, "gracePeriodSeconds", x->o->grace_period);
    if (x->o->dry_run == DRAIN_DRY_SERVER) {
        cJSON *a = cJSON_AddArrayToObject(d, "dryRun");
        cJSON_AddItemToArray(a, cJSON_CreateString("All"));
    }
    char *s = jprint(b);
    cJSON_Delete(b);
    return s;
}

/* The log's last entry (cJSON keeps it as the first's prev: no walk of a
 * list of up to EVICT_LOG_MAX entries). */
static const cJSON *log_tail(cluster *c)
{
    return c->evictions && c->evictions->child ? c->evictions->child->prev : NULL;
}

/* The last eviction log entry, if evict_pod added one since the tail was `before`. */
static const cJSON *last_log(cluster *c, const cJSON *before)
{
    const cJSON *tail = log_tail(c);
    return tail != before ? tail : NULL;
}

/* A short reason for the timeline: "PDB web: 2 healthy, needs 2". */
static void short_why(const api_result *r, const cJSON *entry, char *buf, size_t n)
{
    const char *pdb = jstr(entry, "pdb");
    long need, have;
    const cJSON *cause = cJSON_GetArrayItem(jget(r->body, "details.causes"), 0);
    const char *cm = jstr(cause, "message");
    if (r->code == 429 && cm && sscanf(cm, "The disruption budget %*s needs %ld healthy pods and has %ld currently",
                                       &need, &have) == 2)
        snprintf(buf, n, "PDB %s: %ld healthy, needs %ld", pdb ? pdb : "?", have, need);
    else if (r->code == 429 && cm && strstr(cm, "still being processed"))
        snprintf(buf, n, "PDB %s: status not yet processed by the disruption controller", pdb ? pdb : "?");
    else if (r->code >= 200 && r->code < 300)
        snprintf(buf, n, pdb ? "allowed by PDB %s" : "no PDB", pdb);
    else
        snprintf(buf, n, "%s", result_str(r, "message"));
}

/* r->attempts: one entry per eviction answer, repeated answers for a pod
 * (the same code and reason) counted in one. */
static void attempt_add(drain_ctx *x, drain_pod *p, int code, const char *pdb, const char *why, const char *expl)
{
    double now = cluster_now(x->c);
    cJSON *a = p->attempt;
    if (a && jnum(a, "code", 0) == code && !strcmp(jstr(a, "why"), why)) {
        jset_num(a, "last", now);
        jset_num(a, "count", jnum(a, "count", 1) + 1);
        if (expl)
            jset_str(a, "explanation", expl); /* the latest arithmetic */
        return;
    }
    char who[600];
    snprintf(who, sizeof who, "%s/%s", p->ns, p->name);
    a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "pod", who);
    cJSON_AddNumberToObject(a, "first", now);
    cJSON_AddNumberToObject(a, "last", now);
    cJSON_AddNumberToObject(a, "count", 1);
    cJSON_AddNumberToObject(a, "code", code);
    if (pdb)
        cJSON_AddStringToObject(a, "pdb", pdb);
    else
        cJSON_AddNullToObject(a, "pdb");
    cJSON_AddStringToObject(a, "why", why);
    if (expl)
        cJSON_AddStringToObject(a, "explanation", expl);
    cJSON_AddItemToArray(x->r->attempts, a);
    p->attempt = code >= 200 && code < 300 ? NULL : a;
}

static void pod_fail(drain_ctx *x, drain_pod *p, const char *msg)
{
    p->st = P_FAILED;
    err_add(x, msg);
}

static void pod_poll(drain_ctx *x, drain_pod *p);

static void timeout_msg(drain_ctx *x, drain_pod *p, bool waiting)
{
    char msg[1024];
    if (waiting)
        snprintf(msg, sizeof msg, "error when waiting for pod \"%s\" in namespace \"%s\" to terminate: "
                 "global timeout reached: %s", p->name, p->ns, x->timeout_s);
    else
        snprintf(msg, sizeof msg, "error when evicting pods/\"%s\" -n \"%s\": global timeout reached: %s",
                 p->name, p->ns, x->timeout_s);
    out_line(x, "%s", msg);
    p->blocked = !waiting && p->refused > 0;
    p->timed_out = true;
    tl_podf(x, p, NULL, "%s %s/%s → gave up: global timeout reached: %s", waiting ? "wait for" : "evict",
            p->ns, p->name, x->timeout_s);
    pod_fail(x, p, msg);
}

/* One iteration of evictPods' per-pod loop. */
static void pod_evict(drain_ctx *x, drain_pod *p)
{
    bool dry = x->o->dry_run == DRAIN_DRY_SERVER;
    out_line(x, "evicting pod %s/%s%s", p->ns, p->name, dry ? " (server dry run)" : "");
    if (x->deadline && cluster_now(x->c) >= x->deadline) {
        timeout_msg(x, p, false);
        return;
    }
    api_result r = {0};
    const cJSON *before = log_tail(x->c);
    const cJSON *entry = NULL;
    bool faulted = drain_fault(x->c, "create", "pods", "eviction", p->ns, p->name, &r);
    if (!faulted) {
        char *body = evict_body(x, p);
        evict_req e = {.ns = p->ns, .name = p->name, .body = body, .body_len = strlen(body), .body_type = BODY_JSON};
        evict_pod(x->c, &e, &r);
        free(body);
        entry = last_log(x->c, before);
    }
    char why[512];
    short_why(&r, entry, why, sizeof why);
    const char *expl = faulted ? "answered by a fault-injection rule" : jstr(entry, "explanation");
    const char *msg = result_str(&r, "message");
    bool ns_term = (r.code == 403 || !strcmp(result_str(&r, "reason"), "Forbidden")) && has_cause(&r, "NamespaceTerminating");
    tl_podf(x, p, expl, "evict %s/%s → %d (%s)%s", p->ns, p->name, r.code, why, faulted ? " [fault]" : "");
    attempt_add(x, p, r.code, jstr(entry, "pdb"), why, expl);
    if (r.code >= 200 && r.code < 300) {
        p->group = NULL;
        if (dry) {
            p->st = P_DONE;
        } else {
            p->st = P_WAIT;
            pod_poll(x, p); /* waitForDelete polls immediately */
        }
    } else if (is_not_found(&r)) {
        p->st = P_DONE; /* counted done, no "evicted" line */
        p->group = NULL;
    } else if (r.code == 429 || !strcmp(result_str(&r, "reason"), "TooManyRequests") || (ns_term && !p->was_deleting)) {
        out_line(x, "error when evicting pods/\"%s\" -n \"%s\" (will retry after 5s): %s", p->name, p->ns, msg);
        p->refused++;
        p->next = cluster_now(x->c) + DRAIN_RETRY_SECONDS;
    } else if (ns_term) {
        p->group = NULL;
        p->st = P_WAIT;
        pod_poll(x, p);
    } else {
        char m[1024];
        snprintf(m, sizeof m, "error when evicting pods/\"%s\" -n \"%s\": %s", p->name, p->ns, msg);
        out_line(x, "%s", m);
        pod_fail(x, p, m);
    }
    api_result_clear(&r);
    cluster_settle(x->c);
}

/* One poll of waitForDelete: NotFound or a new UID ends the wait. */
static void pod_poll(drain_ctx *x, drain_pod *p)
{
    api_result r = {0};
    store_obj *o = NULL;
    bool faulted = drain_fault(x->c, "get", "pods", NULL, p->ns, p->name, &r);
    if (faulted && !is_not_found(&r)) {
        char m[1024];
        snprintf(m, sizeof m, "error when waiting for pod \"%s\" in namespace \"%s\" to terminate: %s", p->name,
                 p->ns, result_str(&r, "message"));
        out_line(x, "pod/%s %s failed", p->name, x->o->disable_eviction ? "deletion" : "eviction");
        tl_podf(x, p, "answered by a fault-injection rule", "get %s/%s → %d: %s [fault]", p->ns, p->name, r.code,
                result_str(&r, "message"));
        pod_fail(x, p, m);
        api_result_clear(&r);
        return;
    }
    api_result_clear(&r);
    if (!faulted)
        o = store_get(x->c->st, K_POD, p->ns, p->name);
    const char *uid = o ? jstr(store_doc(o), "metadata.uid") : NULL;
    if (!o || strcmp(uid ? uid : "", p->uid)) {
        p->st = P_DONE;
        out_line(x, "pod/%s %s", p->name, x->o->disable_eviction ? "deleted" : "evicted");
        tl_podf(x, p, NULL, o ? "%s/%s replaced by a new pod with the same name (new UID): counted as gone"
                              : "%s/%s gone", p->ns, p->name);
    } else if (x->deadline && cluster_now(x->c) >= x->deadline) {
        timeout_msg(x, p, true);
    } else {
        if (!p->group) {
            const char *dt = jstr(store_doc(o), "metadata.deletionTimestamp");
            int nf = cJSON_GetArraySize(jget(store_doc(o), "metadata.finalizers"));
            tl_podf(x, p, NULL, "waiting for %s/%s to go (%s%s)", p->ns, p->name,
                    dt ? "terminating" : "not deleted", nf ? ", held by finalizers" : "");
        }
        p->next = cluster_now(x->c) + DRAIN_POLL_SECONDS;
    }
}

/* deletePods: DELETE each pod in turn; the first error stops the drain. */
static bool drain_delete_all(drain_ctx *x)
{
    for (size_t i = 0; i < x->n; i++) {
        drain_pod *p = &x->pods[i];
        api_result r = {0};
        store_obj *o = NULL;
        if (!drain_fault(x->c, "delete", "pods", NULL, p->ns, p->name, &r)) {
            o = store_get(x->c->st, K_POD, p->ns, p->name);
            if (!o) {
                api_result_status(&r, status_not_found(K_POD, p->name));
            } else {
                cJSON *opts = cJSON_CreateObject();
                if (x->o->grace_period >= 0)
                    cJSON_AddNumberToObject(opts, "gracePeriodSeconds", x->o->grace_period);
                rest_delete_object(x->c, o, opts, x->o->dry_run == DRAIN_DRY_SERVER, &r);
                cJSON_Delete(opts);
                cluster_settle(x->c);
            }
        }
        tl_podf(x, p, NULL, "delete %s/%s → %d%s%s", p->ns, p->name, r.code, r.code >= 300 ? ": " : "",
                r.code >= 300 ? result_str(&r, "message") : "");
        p->group = NULL;
        if (r.code >= 300 && !is_not_found(&r)) {
            pod_fail(x, p, result_str(&r, "message"));
            api_result_clear(&r);
            for (size_t j = i + 1; j < x->n; j++)
                x->pods[j].st = P_DONE;
            return false;
        }
        api_result_clear(&r);
        p->st = x->o->dry_run ? P_DONE : P_WAIT;
        p->next = cluster_now(x->c);
    }
    return true;
}

/* ---- the virtual-time loop ------------------------------------------------ */

static bool next_time(drain_ctx *x, double *t)
{
    bool any = false;
    for (size_t i = 0; i < x->n; i++) {
        drain_pod *p = &x->pods[i];
        if ((p->st == P_EVICT || p->st == P_WAIT) && (!any || p->next < *t)) {
            *t = p->next;
            any = true;
        }
    }
    return any;
}

/* No timeout: kubectl would go on forever; we stop at the horizon. */
static void stop_at_horizon(drain_ctx *x, double horizon)
{
    char h[32];
    drain_go_duration(horizon, h, sizeof h);
    for (size_t i = 0; i < x->n; i++) {
        drain_pod *p = &x->pods[i];
        if (p->st != P_EVICT && p->st != P_WAIT)
            continue;
        char m[1024];
        snprintf(m, sizeof m, "%s/%s: still %s after %s of virtual time (without a timeout kubectl drain would "
                 "go on forever)", p->ns, p->name, p->st == P_EVICT ? "refused" : "not gone", h);
        p->blocked = p->st == P_EVICT;
        p->timed_out = true;
        tl_podf(x, p, NULL, "%s/%s → stopped: %s", p->ns, p->name, m);
        pod_fail(x, p, m);
    }
}

static void client_dry_run(drain_ctx *x)
{
    for (size_t i = 0; i < x->n; i++) {
        out_line(x, "evicting pod %s/%s (dry run)", x->pods[i].ns, x->pods[i].name);
        tl_podf(x, &x->pods[i], NULL, "evict %s/%s (client dry run: not sent)", x->pods[i].ns, x->pods[i].name);
        x->pods[i].st = P_DONE;
    }
}

/* ---- the end -------------------------------------------------------------- */

static cJSON *pods_left(drain_ctx *x)
{
    cJSON *left = cJSON_CreateArray();
    const cJSON *who;
    cJSON_ArrayForEach(who, x->candidates) {
        char ns[256], name[256];
        if (sscanf(who->valuestring, "%255[^/]/%255s", ns, name) != 2)
            continue;
        store_obj *o = store_get(x->c->st, K_POD, ns, name);
        const char *nn = o ? jstr(store_doc(o), "spec.nodeName") : NULL;
        if (nn && !strcmp(nn, x->o->node))
            cJSON_AddItemToArray(left, cJSON_CreateString(who->valuestring));
    }
    return left;
}

static char *joined_errors(const cJSON *errs)
{
    int n = cJSON_GetArraySize(errs);
    size_t cap = 16;
    const cJSON *e;
    cJSON_ArrayForEach(e, errs)
        cap += strlen(e->valuestring) + 2;
    char *s = xmalloc(cap);
    size_t len = snprintf(s, cap, "%s", n > 1 ? "[" : "");
    cJSON_ArrayForEach(e, errs)
        len += snprintf(s + len, cap - len, "%s%s", e == errs->child ? "" : ", ", e->valuestring);
    snprintf(s + len, cap - len, "%s", n > 1 ? "]" : "");
    return s;
}

static void drain_finish(drain_ctx *x, bool filtered)
{
    drain_result *r = x->r;
    r->left = pods_left(x);
    r->elapsed = cluster_now(x->c) - x->t0;
    bool blocked = false, failed = !filtered;
    for (size_t i = 0; i < x->n; i++) {
        blocked |= x->pods[i].st == P_FAILED && x->pods[i].blocked;
        failed |= x->pods[i].st == P_FAILED && !x->pods[i].timed_out;
    }
    if (!cJSON_GetArraySize(r->errors)) {
        const char *sfx = x->o->dry_run == DRAIN_DRY_SERVER ? " (server dry run)"
                        : x->o->dry_run == DRAIN_DRY_CLIENT ? " (dry run)" : "";
        out_line(x, "node/%s drained%s", x->o->node, sfx);
        r->outcome = DRAIN_DRAINED;
        tl_podf(x, &(drain_pod){0}, NULL, "node/%s drained%s", x->o->node, sfx);
        return;
    }
    /* blocked: no hard error, and a pod was still refused when time ran out */
    r->outcome = failed || !blocked ? DRAIN_FAILED : DRAIN_BLOCKED;
    char *err = joined_errors(r->errors);
    if (filtered && cJSON_GetArraySize(r->left)) {
        out_line(x, "There are pending pods in node \"%s\" when an error occurred: %s", x->o->node, err);
        const cJSON *who;
        cJSON_ArrayForEach(who, r->left)
            out_line(x, "pod/%s", strchr(who->valuestring, '/') + 1);
    }
    out_line(x, "error: unable to drain node \"%s\" due to error: %s, continuing command...", x->o->node, err);
    out_line(x, "There are pending nodes to be drained:");
    out_line(x, " %s", x->o->node);
    const cJSON *e;
    cJSON_ArrayForEach(e, r->errors)
        out_line(x, "%s", e->valuestring);
    tl_podf(x, &(drain_pod){0}, NULL, "drain %s: %s", drain_outcome_name(r->outcome), err);
    free(err);
}

struct drain_job {
    drain_ctx x;
    bool filtered;   /* the filters passed: evictions (or deletions) ran */
    bool looping;    /* pods still to evict or wait for */
    bool at_horizon; /* the next due time is the horizon's */
    double horizon;
};

drain_job *drain_start(cluster *c, const drain_opts *o, drain_result *r)
{
    memset(r, 0, sizeof *r);
    r->timeline = cJSON_CreateArray();
    r->output = cJSON_CreateArray();
    r->errors = cJSON_CreateArray();
    r->attempts = cJSON_CreateArray();
    r->filtered = cJSON_CreateArray();
    drain_job *j = xcalloc(1, sizeof *j);
    drain_ctx *x = &j->x;
    *x = (drain_ctx){.c = c, .o = o, .r = r, .t0 = cluster_now(c)};
    x->fatal = cJSON_CreateArray();
    x->warn = cJSON_CreateArray();
    x->candidates = cJSON_CreateArray();
    drain_go_duration(o->timeout, x->timeout_s, sizeof x->timeout_s);
    x->deadline = o->timeout > 0 ? x->t0 + o->timeout : 0;
    j->horizon = o->horizon > 0 ? o->horizon : DRAIN_HORIZON;
    cluster_settle(c);
    bool listed = drain_cordon(x) && drain_select(x);
    if (listed)
        print_groups(x);
    j->filtered = listed && !cJSON_GetArraySize(x->fatal);
    if (j->filtered && o->dry_run == DRAIN_DRY_CLIENT)
        client_dry_run(x);
    else if (j->filtered && (!o->disable_eviction || drain_delete_all(x)))
        j->looping = true;
    return j;
}

bool drain_due(drain_job *j, double *t)
{
    double nt = 0;
    if (!j->looping || !next_time(&j->x, &nt)) {
        j->looping = false;
        return false;
    }
    /* no timeout: kubectl would go on forever; we stop at the horizon */
    j->at_horizon = !j->x.deadline && nt > j->x.t0 + j->horizon;
    *t = j->at_horizon ? j->x.t0 + j->horizon : nt;
    return true;
}

void drain_act(drain_job *j)
{
    drain_ctx *x = &j->x;
    if (j->at_horizon) {
        stop_at_horizon(x, j->horizon);
        j->looping = false;
        return;
    }
    double t = cluster_now(x->c);
    for (size_t i = 0; i < x->n; i++) {
        drain_pod *p = &x->pods[i];
        if (p->next > t)
            continue;
        if (p->st == P_EVICT)
            pod_evict(x, p);
        else if (p->st == P_WAIT)
            pod_poll(x, p);
    }
}

void drain_end(drain_job *j)
{
    drain_ctx *x = &j->x;
    drain_finish(x, j->filtered);
    for (size_t i = 0; i < x->n; i++) {
        free(x->pods[i].ns);
        free(x->pods[i].name);
        free(x->pods[i].uid);
    }
    free(x->pods);
    cJSON_Delete(x->fatal);
    cJSON_Delete(x->warn);
    cJSON_Delete(x->candidates);
    free(j);
}

void drain_run(cluster *c, const drain_opts *o, drain_result *r)
{
    drain_job *j = drain_start(c, o, r);
    double t;
    while (drain_due(j, &t)) {
        if (t > cluster_now(c))
            clock_advance(c->clk, t - cluster_now(c));
        drain_act(j);
    }
    drain_end(j);
}

void drain_result_free(drain_result *r)
{
    cJSON_Delete(r->timeline);
    cJSON_Delete(r->output);
    cJSON_Delete(r->errors);
    cJSON_Delete(r->left);
    cJSON_Delete(r->attempts);
    cJSON_Delete(r->filtered);
    memset(r, 0, sizeof *r);
}
