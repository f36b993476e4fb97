/* evictor: the imperative responder imperative-eviction.k8s.io/evictor (priority 100) of
 * KEP-4563 (kubernetes/kubernetes#137396, in review; its newest revision's behaviour) on the
 * virtual clock. While it is the Active responder of an Eviction it POSTs the pod's eviction
 * subresource with a UID precondition, backing off 5 s * 2^(attempts-1) up to 10 minutes, or
 * longer when the answer says Retry-After; it reports each answer in status.responders (message,
 * heartbeatTime at least every 3 minutes, expectedCompletionTime while the pod terminates) and
 * sets completionTime once the pod is gone or ended. Attached only while
 * lifecycle.k8s.io/v1alpha1 is served. Decides nothing about the eviction itself (eviction.c
 * answers it, as for any client) nor about progression (evictionrequest.c). */
#define _GNU_SOURCE
#include "evictionrequest.h"
#include "eviction.h"
#include "json.h"
#include "kversion.h"
#include "lifecycle.h"
#include "meta.h"
#include "rest.h"
#include "workloads.h"
#include "xalloc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EV_BACKOFF_BASE 5.0     /* heartbeatMinDurationBetweenUpdates */
#define EV_BACKOFF_MAX 600.0    /* maxImperativeEvictionBackoff */
#define EV_HEARTBEAT_MAX 180.0  /* heartbeatMaxDurationBetweenUpdates */

typedef lc_ctrl evictor; /* its marks: the last failed eviction per pod uid */

static void *attach(cluster *c);

const controller_ops evictor_controller = {
    .name = "evictor",
    .flag = CTRL_EVICTOR,
    .attach = attach,
    .reset = lc_ctrl_reset,
    .free = lc_ctrl_free,
};

/* exponentialBackoff(base, max, attempts): base * 2^attempts, at most max. */
static double backoff(int attempts)
{
    double d = EV_BACKOFF_BASE * pow(2, attempts > 30 ? 30 : attempts);
    return d > EV_BACKOFF_MAX ? EV_BACKOFF_MAX : d;
}

/* getRecordedAttempts: N of "(attempts=N)" in the last message, else 0. */
static int recorded_attempts(const char *msg)
{
    const char *p = msg ? strstr(msg, "(attempts=") : NULL;
    return p ? atoi(p + 10) : 0;
}

/* The eviction itself, as a client: POST pods/<name>/eviction with preconditions.uid. Returns
 * the message to report (malloc'd); *after the time to come back (0: no need). */
static char *evict(evictor *v, const cJSON *ev, const cJSON *pod, const char *last_msg, double now, double *after)
{
    /* copies: the eviction below replaces the pod's document */
    char name[256], uid[64], ns[64];
    snprintf(name, sizeof name, "%s", jstr(pod, "metadata.name"));
    snprintf(uid, sizeof uid, "%s", jstr(pod, "metadata.uid"));
    snprintf(ns, sizeof ns, "%s", jstr(pod, "metadata.namespace"));
    double *last = lc_mark(&v->marks, uid);
    if (last) {
        int n = recorded_attempts(last_msg);
        double wait = *last + backoff(n > 0 ? n - 1 : 0);
        if (wait > now) {
            *after = wait;
            return xstrdup(last_msg ? last_msg : "");
        }
    }
    char *body = xasprintf("{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\","
                           "\"namespace\":\"%s\"},\"deleteOptions\":{\"preconditions\":{\"uid\":\"%s\"}}}",
                           name, ns, uid);
    char *via = xasprintf("%s, the Active responder of Eviction %s (requesters: ", LC_EVICTOR,
                          jstr(ev, "metadata.name"));
    const cJSON *r;
    int i = 0;
    cJSON_ArrayForEach(r, jget(ev, "status.requesters")) {
        char *more = xasprintf("%s%s%s %s", via, i++ ? ", " : "", jstr(r, "name"), jstr(r, "intent"));
        free(via);
        via = more;
    }
    char *full = xasprintf("%s) asks → ", via);
    free(via);
    evict_req rq = {.ns = ns, .name = name, .body = body, .body_len = strlen(body),
                    .body_type = BODY_JSON, .via = full};
    api_result res = {0};
    evict_pod(v->w.c, &rq, &res);
    free(body);
    free(full);
    char *msg;
    if (res.code >= 200 && res.code < 300) {
        lc_mark_drop(&v->marks, uid);
        msg = xasprintf("\"%s\" pod has been been marked for deletion via the /eviction subresource and will be "
                        "terminated gracefully", name);
        *after = 0;
    } else {
        int old = recorded_attempts(last_msg);
        lc_mark_set(&v->marks, uid, now);
        double wait = backoff(old);
        if (res.retry_after > 0 && wait < res.retry_after) /* errors.SuggestsClientDelay */
            wait = res.retry_after;
        const char *m = jstr(res.body, "message");
        msg = xasprintf("\"%s\" pod deletion via the /eviction subresource failed (attempts=%d): %s", name, old + 1,
                        m ? m : "");
        *after = now + wait;
    }
    api_result_clear(&res);
    return msg;
}

static bool is_terminal(const cJSON *pod)
{
    const char *p = jstr(pod, "status.phase");
    return p && (!strcmp(p, "Succeeded") || !strcmp(p, "Failed"));
}

static void sync(void *ctrl, const char *ns, const char *name)
{
    evictor *v = ctrl;
    cluster *c = v->w.c;
    store_obj *ev = store_get(c->st, K_EVICTION, ns, name);
    if (!ev)
        return;
    const cJSON *cur = store_doc(ev);
    const cJSON *tr = lc_named(jget(cur, "status.targetResponders"), LC_EVICTOR);
    const char *state = jstr(tr, "state");
    if (!jget(cur, "status.observedGeneration") || lc_done(cur) || !state || strcmp(state, "Active"))
        return;
    const cJSON *rs = lc_named(jget(cur, "status.responders"), LC_EVICTOR);
    if (!rs || jstr(rs, "completionTime"))
        return;
    double now = cluster_now(c);
    char pname[256], puid[64];
    snprintf(pname, sizeof pname, "%s", lc_target_name(cur));
    snprintf(puid, sizeof puid, "%s", lc_target_uid(cur));
    store_obj *po = store_get(c->st, K_POD, ns, pname);
    const cJSON *pod = po ? store_doc(po) : NULL;
    char *last = jstr(rs, "message") ? xstrdup(jstr(rs, "message")) : NULL;
    bool complete = false;
    double expected = 0, after = 0;
    char *msg;
    if (!pod || strcmp(jstr(pod, "metadata.uid") ? jstr(pod, "metadata.uid") : "", puid)) {
        complete = true;
        msg = xasprintf("\"%s\" pod has been deleted and fully terminated", pname);
        lc_mark_drop(&v->marks, puid);
    } else if (jstr(pod, "metadata.deletionTimestamp") && is_terminal(pod)) {
        complete = true;
        msg = xasprintf("\"%s\" pod has been deleted and fully terminated (pod phase=\"%s\")", pname,
                        jstr(pod, "status.phase"));
    } else if (jstr(pod, "metadata.deletionTimestamp")) {
        bool ours = last && strstr(last, "pod has been been marked for deletion via the /eviction subresource");
        msg = xasprintf("\"%s\" pod has been been marked for deletion%s and is being terminated gracefully", pname,
                        ours ? " via the /eviction subresource" : "");
        expected = lc_time(pod, "metadata.deletionTimestamp");
        after = now + EV_HEARTBEAT_MAX;
    } else if (is_terminal(pod)) {
        complete = true;
        msg = xasprintf("\"%s\" pod has been fully terminated (pod phase=\"%s\")", pname, jstr(pod, "status.phase"));
    } else {
        msg = evict(v, cur, pod, last, now, &after);
    }
    if (after > now + EV_HEARTBEAT_MAX || (after == 0 && !complete))
        after = now + EV_HEARTBEAT_MAX; /* a heartbeat at least every three minutes */
    if (expected && expected < now)
        expected = now;
    if (strlen(msg) > 4000)
        msg[4000] = 0;
    /* re-read: the eviction above may have changed the Eviction through the controller */
    ev = store_get(c->st, K_EVICTION, ns, name);
    cur = store_doc(ev);
    rs = lc_named(jget(cur, "status.responders"), LC_EVICTOR);
    double beat = lc_time(rs, "heartbeatTime");
    bool beat_due = !jstr(rs, "heartbeatTime") || beat < now - EV_HEARTBEAT_MAX + 1;
    bool exp_changed = expected && lc_time(rs, "expectedCompletionTime") != expected;
    bool done_now = complete && !jstr(rs, "completionTime");
    if (rs && (beat_due || exp_changed || done_now || strcmp(last ? last : "", msg))) {
        cJSON *doc = cJSON_Duplicate(cur, true);
        cJSON *mine = lc_named(jget(doc, "status.responders"), LC_EVICTOR);
        jset_str(mine, "message", msg);
        meta_set_time(mine, "heartbeatTime", now);
        if (exp_changed)
            meta_set_time(mine, "expectedCompletionTime", expected);
        if (done_now) {
            meta_set_time(mine, "expectedCompletionTime", now);
            meta_set_time(mine, "completionTime", now);
        }
        wl_write(c, ev, doc);
    }
    free(msg);
    free(last);
    if (!complete && after > now)
        wl_queue_after(v->w.q, ns, name, after);
}

static void on_change(void *ctx, store_event ev, const store_obj *obj, const cJSON *old)
{
    (void)old;
    evictor *v = ctx;
    if (obj->kind == K_EVICTION) {
        if (ev != STORE_DELETED)
            wl_queue_add(v->w.q, obj->ns, obj->name);
        return;
    }
    if (obj->kind != K_POD || !store_count(v->w.c->st, K_EVICTION))
        return;
    const char *uid = jstr(store_doc(obj), "metadata.uid");
    size_t n;
    store_obj **evs = uid ? lc_for_target(v->w.c, K_EVICTION, obj->ns, uid, &n) : NULL;
    for (size_t i = 0; evs && i < n; i++)
        wl_queue_add(v->w.q, evs[i]->ns, evs[i]->name);
    free(evs);
}

static void *attach(cluster *c)
{
    return lc_ctrl_attach(c, sync, on_change);
}
