/* evictionrequest: the evictionrequest-controller of KEP-4563 (kubernetes/kubernetes#137133, in
 * review; its newest revision's behaviour, docs/reference/eviction-request.md) on the virtual
 * clock. For each target pod (namespace and uid) it validates the EvictionRequests, creates one
 * Eviction (pod-<n>-<pod>) while a requester asks for eviction, keeps the Eviction's requesters,
 * labels and owner references, activates the responders in priority order (the pod's
 * spec.evictionResponders, then imperative-eviction.k8s.io/evictor), interrupts one whose
 * heartbeat is 20 minutes old, cancels when every requester withdraws, sees the pod go or end,
 * and copies Failed/TargetEvicted back to the EvictionRequests. Attached only while
 * lifecycle.k8s.io/v1alpha1 is served. Never writes from its store listener; never evicts (the
 * responders do). */
#define _GNU_SOURCE
#include "evictionrequest.h"
#include "json.h"
#include "kversion.h"
#include "lifecycle.h"
#include "meta.h"
#include "workloads.h"
#include "xalloc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef lc_ctrl er_ctrl; /* its marks: when a target was first seen gone or ended */

static void *attach(cluster *c);

const controller_ops evictionrequest_controller = {
    .name = "evictionrequest",
    .flag = CTRL_EVICTIONREQUEST,
    .attach = attach,
    .reset = lc_ctrl_reset,
    .free = lc_ctrl_free,
};

/* ---- the target of a sync ---------------------------------------------------------------- */

typedef struct {
    const char *ns, *uid, *name;
    const cJSON *pod; /* the pod of that name, NULL when absent */
    bool gone;        /* absent, or another pod (uid) holds the name */
    bool terminal;    /* Succeeded or Failed */
    bool group;       /* spec.schedulingGroup set */
    double now;
} target;

static double gone_since(er_ctrl *e, const char *uid, double now)
{
    double *t = lc_mark(&e->marks, uid);
    if (t)
        return *t;
    lc_mark_set(&e->marks, uid, now);
    return now;
}

/* ---- Evictions of a target ----------------------------------------------------------------- */

/* findRelevantEviction: the newest evicted, else the oldest active, else the newest failed;
 * *create when none is active or evicted. evs are oldest first. */
static store_obj *relevant_eviction(store_obj **evs, size_t n, bool *create)
{
    for (size_t i = n; i-- > 0;)
        if (lc_condition_true(store_doc(evs[i]), "TargetEvicted")) {
            *create = false;
            return evs[i];
        }
    for (size_t i = 0; i < n; i++)
        if (!lc_done(store_doc(evs[i]))) {
            *create = false;
            return evs[i];
        }
    *create = true;
    return n ? evs[n - 1] : NULL;
}

/* hasEvictionIntent: an EvictionRequest not being deleted asks for eviction. */
static bool eviction_intent(store_obj **ers, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *d = store_doc(ers[i]);
        const char *in = jstr(d, "spec.intent");
        if (!jstr(d, "metadata.deletionTimestamp") && in && !strcmp(in, "Eviction"))
            return true;
    }
    return false;
}

/* status.requesters: every EvictionRequest's requester with its intent, old entries kept (an
 * entry whose request is gone becomes Withdrawn), at most 100. */
static void sync_requesters(cJSON *st, store_obj **ers, size_t n)
{
    cJSON *old = cJSON_GetObjectItem(st, "requesters");
    cJSON *out = cJSON_CreateArray();
    for (size_t i = 0; i < n && cJSON_GetArraySize(out) < 100; i++) {
        const cJSON *d = store_doc(ers[i]);
        const char *who = jstr(d, "spec.requester"), *in = jstr(d, "spec.intent");
        if (!who || lc_named(out, who))
            continue;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "name", who);
        cJSON_AddStringToObject(r, "intent", !jstr(d, "metadata.deletionTimestamp") && in ? in : "Withdrawn");
        cJSON_AddItemToArray(out, r);
    }
    cJSON *e;
    cJSON_ArrayForEach(e, old) {
        const char *who = jstr(e, "name");
        if (!who || lc_named(out, who) || cJSON_GetArraySize(out) >= 100)
            continue;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "name", who);
        cJSON_AddStringToObject(r, "intent", "Withdrawn");
        cJSON_AddItemToArray(out, r);
    }
    if (cJSON_GetArraySize(out) || old)
        jset(st, "requesters", out);
    else
        cJSON_Delete(out);
}

static int by_priority(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    double px = jnum(x, "priority", 0), py = jnum(y, "priority", 0);
    if (px != py)
        return px > py ? -1 : 1;
    return strcmp(jstr(x, "name") ? jstr(x, "name") : "", jstr(y, "name") ? jstr(y, "name") : "");
}

/* targetResponders, once: the pod's spec.evictionResponders and the imperative evictor, all
 * Inactive, highest priority first. */
static void init_responders(cJSON *st, const target *t)
{
    if (cJSON_GetArraySize(cJSON_GetObjectItem(st, "targetResponders")))
        return;
    const cJSON *list[12];
    size_t n = 0;
    cJSON *evictor = cJSON_CreateObject();
    cJSON_AddStringToObject(evictor, "name", LC_EVICTOR);
    cJSON_AddNumberToObject(evictor, "priority", LC_EVICTOR_PRIORITY);
    const cJSON *r, *own = t->gone ? NULL : jget(t->pod, "spec.evictionResponders");
    cJSON_ArrayForEach(r, own)
        if (n < 10 && jstr(r, "name") && strcmp(jstr(r, "name"), LC_EVICTOR))
            list[n++] = r;
    list[n++] = evictor;
    qsort(list, n, sizeof *list, by_priority);
    cJSON *out = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", jstr(list[i], "name"));
        cJSON_AddNumberToObject(e, "priority", jnum(list[i], "priority", 0));
        cJSON_AddStringToObject(e, "state", "Inactive");
        cJSON_AddItemToArray(out, e);
    }
    cJSON_Delete(evictor);
    jset(st, "targetResponders", out);
}

static void set_state(cJSON *tr, const char *state)
{
    jset_str(tr, "state", state);
}

/* status.responders: one entry per target responder, in their order, each keeping what its
 * responder wrote; an Active responder gets its startTime. */
static void sync_responder_entries(cJSON *st, double now)
{
    cJSON *old = cJSON_GetObjectItem(st, "responders");
    cJSON *out = cJSON_CreateArray(), *tr;
    cJSON_ArrayForEach(tr, cJSON_GetObjectItem(st, "targetResponders")) {
        cJSON *prev = lc_named(old, jstr(tr, "name"));
        cJSON *e = prev ? cJSON_Duplicate(prev, true) : cJSON_CreateObject();
        if (!prev)
            cJSON_AddStringToObject(e, "name", jstr(tr, "name"));
        const char *s = jstr(tr, "state");
        if (s && !strcmp(s, "Active") && !jstr(e, "startTime"))
            meta_set_time(e, "startTime", now);
        cJSON_AddItemToArray(out, e);
    }
    jset(st, "responders", out);
}

/* computeResponderProgression on st (targetResponders and responders). Returns whether every
 * responder is done; *resync gets the next time anything can change by itself (0: none). */
static bool progress(er_ctrl *e, cJSON *st, const target *t, bool canceled, bool *waiting, double *resync)
{
    cJSON *trs = cJSON_GetObjectItem(st, "targetResponders"), *tr, *active = NULL;
    cJSON_ArrayForEach(tr, trs) {
        const char *s = jstr(tr, "state");
        if (s && !strcmp(s, "Active"))
            active = tr;
    }
    cJSON *rs = active ? lc_named(cJSON_GetObjectItem(st, "responders"), jstr(active, "name")) : NULL;
    if (t->gone || t->terminal) {
        if (active && jstr(rs, "completionTime")) {
            set_state(active, "Completed");
        } else if (active) {
            double since = gone_since(e, t->uid, t->now);
            if (t->now < since + LC_GRACEFUL_COMPLETION) { /* let the responder report first */
                *waiting = true;
                *resync = since + LC_GRACEFUL_COMPLETION;
            } else {
                set_state(active, "Interrupted");
            }
        }
        return false;
    }
    if (canceled) {
        if (active)
            set_state(active, "Canceled");
        return false;
    }
    sync_responder_entries(st, t->now);
    for (;;) {
        if (active) {
            rs = lc_named(cJSON_GetObjectItem(st, "responders"), jstr(active, "name"));
            double beat = fmax(lc_time(rs, "heartbeatTime"), lc_time(rs, "startTime"));
            if (jstr(rs, "completionTime")) {
                set_state(active, "Completed");
            } else if (t->now >= beat + LC_HEARTBEAT_TIMEOUT) {
                set_state(active, "Interrupted");
            } else {
                *resync = beat + LC_HEARTBEAT_TIMEOUT;
                return false;
            }
            active = NULL;
        }
        cJSON_ArrayForEach(tr, trs) {
            const char *s = jstr(tr, "state");
            if (s && !strcmp(s, "Inactive"))
                break;
        }
        if (!tr)
            return true;
        set_state(tr, "Active");
        active = tr;
        sync_responder_entries(st, t->now);
    }
}

/* syncEviction: the status of one Eviction of the target. */
static void sync_eviction(er_ctrl *e, store_obj *ev, store_obj **evs, size_t nev, store_obj **ers, size_t ner,
                          const target *t, double *resync)
{
    const cJSON *cur = store_doc(ev);
    if (lc_done(cur))
        return;
    cJSON *doc = cJSON_Duplicate(cur, true);
    cJSON *st = jobj(doc, "status");
    jset_num(st, "observedGeneration", jnum(cur, "metadata.generation", 1));
    bool create;
    store_obj *rel = relevant_eviction(evs, nev, &create);
    const char *invalid = NULL;
    if (rel && rel != ev && !lc_done(store_doc(rel)))
        invalid = "Active Eviction already exists for the same target.";
    else if (t->group)
        invalid = "Target pod references a SchedulingGroup. Eviction is currently not supported.";
    if (invalid) {
        lc_set_condition(doc, "Failed", "True", "EvictionInvalid", invalid, t->now);
        lc_set_condition(doc, "TargetEvicted", "False", "EvictionFailed", "", t->now);
        wl_write(e->w.c, ev, doc);
        return;
    }
    sync_requesters(st, ers, ner);
    bool canceled = !t->gone && !t->terminal && !eviction_intent(ers, ner);
    init_responders(st, t);
    sync_responder_entries(st, t->now);
    bool waiting = false;
    double at = 0;
    bool done = progress(e, st, t, canceled, &waiting, &at);
    if (at > 0 && (*resync == 0 || at < *resync))
        *resync = at;
    if (t->gone && !waiting) {
        lc_set_condition(doc, "TargetEvicted", "True", "PodDeleted", "Target pod has been deleted.", t->now);
        lc_set_condition(doc, "Failed", "False", "Succeeded", "", t->now);
    } else if (t->terminal && !waiting) {
        lc_set_condition(doc, "TargetEvicted", "True", "PodTerminal", "Pod has reached terminal state.", t->now);
        lc_set_condition(doc, "Failed", "False", "Succeeded", "", t->now);
    } else if (canceled) {
        lc_set_condition(doc, "Failed", "True", "CanceledDueToNoRequesters", "No active requesters with eviction intent.",
                         t->now);
        lc_set_condition(doc, "TargetEvicted", "False", "EvictionFailed", "", t->now);
    } else if (done) {
        lc_set_condition(doc, "Failed", "True", "NoFurtherResponder",
                         "All responders have completed without evicting the target.", t->now);
        lc_set_condition(doc, "TargetEvicted", "False", "EvictionFailed", "", t->now);
    } else {
        lc_set_condition(doc, "Failed", "False", "AwaitingEviction", "", t->now);
        lc_set_condition(doc, "TargetEvicted", "False", "AwaitingEviction", "", t->now);
    }
    wl_write(e->w.c, ev, doc);
}

/* syncEvictionMetaRefresh: a label per participant (its name: requester, responder or
 * requester-responder) and an owner reference per EvictionRequest; none is ever removed. */
static void refresh_eviction(er_ctrl *e, store_obj *ev, store_obj **ers, size_t ner)
{
    const cJSON *cur = store_doc(ev);
    cJSON *doc = cJSON_Duplicate(cur, true);
    cJSON *md = jobj(doc, "metadata"), *labels = jobj(md, "labels");
    const cJSON *tr;
    for (size_t i = 0; i < ner; i++) {
        const cJSON *d = store_doc(ers[i]);
        const char *who = jstr(d, "spec.requester");
        if (who && !jstr(d, "metadata.deletionTimestamp"))
            jset_str(labels, who, "requester");
    }
    cJSON_ArrayForEach(tr, jget(cur, "status.targetResponders")) {
        const char *who = jstr(tr, "name"), *was = who ? jstr(labels, who) : NULL;
        if (who)
            jset_str(labels, who, was && strcmp(was, "responder") ? "requester-responder" : "responder");
    }
    cJSON *refs = cJSON_GetObjectItem(md, "ownerReferences");
    for (size_t i = 0; i < ner; i++) {
        const cJSON *d = store_doc(ers[i]);
        const char *uid = jstr(d, "metadata.uid");
        if (!uid || jstr(d, "metadata.deletionTimestamp"))
            continue;
        bool have = false;
        cJSON *r;
        cJSON_ArrayForEach(r, refs)
            have |= jstr(r, "uid") && !strcmp(jstr(r, "uid"), uid);
        if (have)
            continue;
        if (!cJSON_IsArray(refs)) {
            refs = cJSON_CreateArray();
            jset(md, "ownerReferences", refs);
        }
        r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "apiVersion", LC_API_VERSION);
        cJSON_AddStringToObject(r, "kind", "EvictionRequest");
        cJSON_AddStringToObject(r, "name", ers[i]->name);
        cJSON_AddStringToObject(r, "uid", uid);
        cJSON_AddItemToArray(refs, r);
    }
    wl_write(e->w.c, ev, doc);
}

/* pod-<n>-<pod>, n one more than the highest taken in the namespace; at most 253 characters. */
static char *eviction_name(er_ctrl *e, const target *t)
{
    size_t m;
    store_obj **all = store_list(e->w.c->st, K_EVICTION, t->ns, &m);
    long top = 0;
    for (size_t i = 0; i < m; i++) {
        char *end;
        if (strncmp(all[i]->name, "pod-", 4))
            continue;
        long k = strtol(all[i]->name + 4, &end, 10);
        if (end != all[i]->name + 4 && *end == '-' && !strcmp(end + 1, t->name) && k > top)
            top = k;
    }
    free(all);
    char *name = xasprintf("pod-%ld-%s", top + 1, t->name);
    if (strlen(name) > 253)
        name[253] = 0;
    return name;
}

static void create_eviction(er_ctrl *e, const cJSON *er, const target *t)
{
    char *name = eviction_name(e, t);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "apiVersion", LC_API_VERSION);
    cJSON_AddStringToObject(doc, "kind", "Eviction");
    cJSON *md = jobj(doc, "metadata");
    jset_str(md, "name", name);
    jset_str(md, "namespace", t->ns);
    free(name);
    if (jstr(er, "spec.requester"))
        jset_str(jobj(md, "labels"), jstr(er, "spec.requester"), "requester");
    cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences"), *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "apiVersion", LC_API_VERSION);
    cJSON_AddStringToObject(r, "kind", "EvictionRequest");
    cJSON_AddStringToObject(r, "name", jstr(er, "metadata.name"));
    cJSON_AddStringToObject(r, "uid", jstr(er, "metadata.uid"));
    cJSON_AddItemToArray(refs, r);
    cJSON *pod = jobj(jobj(jobj(doc, "spec"), "target"), "pod");
    jset_str(pod, "name", t->name);
    jset_str(pod, "uid", t->uid);
    wl_create(e->w.c, K_EVICTION, doc);
}

/* Failed or TargetEvicted of an EvictionRequest, copied from its relevant Eviction. */
static void copy_condition(cJSON *doc, const cJSON *ev, const char *type, double now)
{
    const cJSON *c = ev ? lc_condition(ev, type) : NULL;
    if (!c) {
        lc_set_condition(doc, type, "False", "AwaitingEviction", "waiting for an Eviction to report on progress", now);
        return;
    }
    const char *s = jstr(c, "status"), *r = jstr(c, "reason"), *m = jstr(c, "message");
    lc_set_condition(doc, type, s ? s : "Unknown", r ? r : "", m ? m : "", now);
}

/* syncEvictionRequest: validation, conditions, the Eviction to create. */
static void sync_request(er_ctrl *e, store_obj *er, store_obj **evs, size_t nev, store_obj **ers, size_t ner,
                         const target *t, bool *created)
{
    const cJSON *cur = store_doc(er);
    double gen = jnum(cur, "metadata.generation", 1);
    /* hasEvictionRequestCompleted: evicted, or found invalid */
    const char *why = jstr(lc_condition(cur, "Failed"), "reason");
    bool completed = lc_condition_true(cur, "TargetEvicted") ||
                     (lc_condition_true(cur, "Failed") && why && !strcmp(why, "EvictionInvalid"));
    if (completed && jnum(cur, "status.observedGeneration", 0) == gen)
        return;
    cJSON *doc = cJSON_Duplicate(cur, true);
    jset_num(jobj(doc, "status"), "observedGeneration", gen);
    char *invalid = NULL;
    const char *puid = jstr(t->pod, "metadata.uid");
    if (!nev && !t->pod)
        invalid = xstrdup("Target pod not found.");
    else if (!nev && strcmp(t->uid, puid ? puid : ""))
        invalid = xasprintf("Target pod UID mismatch: expected %s, got %s.", t->uid, puid ? puid : "");
    else if (t->group)
        invalid = xstrdup("Target pod references a SchedulingGroup. Eviction is currently not supported.");
    if (invalid) {
        lc_set_condition(doc, "Failed", "True", "EvictionInvalid", invalid, t->now);
        lc_set_condition(doc, "TargetEvicted", "False", "EvictionFailed", "", t->now);
        free(invalid);
        wl_write(e->w.c, er, doc);
        return;
    }
    bool create;
    store_obj *rel = relevant_eviction(evs, nev, &create);
    copy_condition(doc, rel ? store_doc(rel) : NULL, "Failed", t->now);
    copy_condition(doc, rel ? store_doc(rel) : NULL, "TargetEvicted", t->now);
    if (create && !*created && eviction_intent(ers, ner)) {
        create_eviction(e, cur, t);
        *created = true;
    }
    wl_write(e->w.c, er, doc);
}

/* One target: its Evictions' status and metadata, then its EvictionRequests. */
static void sync(void *ctrl, const char *ns, const char *uid)
{
    er_ctrl *e = ctrl;
    cluster *c = e->w.c;
    size_t nev, ner;
    store_obj **ers = lc_for_target(c, K_EVICTIONREQUEST, ns, uid, &ner);
    store_obj **evs = lc_for_target(c, K_EVICTION, ns, uid, &nev);
    target t = {.ns = ns, .uid = uid, .now = cluster_now(c)};
    char name[256]; /* a copy: the requests' documents are rewritten below */
    snprintf(name, sizeof name, "%s", ner ? lc_target_name(store_doc(ers[0])) : nev ? lc_target_name(store_doc(evs[0])) : "");
    t.name = name;
    store_obj *pod = *t.name ? store_get(c->st, K_POD, ns, t.name) : NULL;
    t.pod = pod ? store_doc(pod) : NULL;
    const char *puid = jstr(t.pod, "metadata.uid"), *phase = jstr(t.pod, "status.phase");
    t.gone = !t.pod || !puid || strcmp(puid, uid);
    t.terminal = !t.gone && phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
    t.group = !t.gone && jget(t.pod, "spec.schedulingGroup") && !cJSON_IsNull(jget(t.pod, "spec.schedulingGroup"));
    double resync = 0;
    for (size_t i = 0; i < nev; i++) {
        sync_eviction(e, evs[i], evs, nev, ers, ner, &t, &resync);
        refresh_eviction(e, evs[i], ers, ner);
    }
    free(evs);
    evs = lc_for_target(c, K_EVICTION, ns, uid, &nev);
    bool created = false;
    for (size_t i = 0; i < ner; i++)
        sync_request(e, ers[i], evs, nev, ers, ner, &t, &created);
    if (resync > t.now)
        wl_queue_after(e->w.q, ns, uid, resync);
    free(ers);
    free(evs);
}

/* ---- events ------------------------------------------------------------------------------------ */

static void on_change(void *ctx, store_event ev, const store_obj *obj, const cJSON *old)
{
    er_ctrl *e = ctx;
    if (obj->kind == K_EVICTIONREQUEST || obj->kind == K_EVICTION) {
        const char *uid = lc_target_uid(store_doc(obj));
        if (*uid)
            wl_queue_add(e->w.q, obj->ns, uid);
        return;
    }
    if (obj->kind != K_POD)
        return;
    const cJSON *doc = store_doc(obj);
    const char *uid = jstr(doc, "metadata.uid"), *phase = jstr(doc, "status.phase"), *was = jstr(old, "status.phase");
    if (!uid || (!store_count(e->w.c->st, K_EVICTION) && !store_count(e->w.c->st, K_EVICTIONREQUEST)))
        return;
    bool deleting = jstr(doc, "metadata.deletionTimestamp") && !jstr(old, "metadata.deletionTimestamp");
    bool ended = phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")) && (!was || strcmp(was, phase));
    if (ev == STORE_DELETED) {
        gone_since(e, uid, cluster_now(e->w.c));
        wl_queue_add(e->w.q, obj->ns, uid);
        wl_queue_after(e->w.q, obj->ns, uid, cluster_now(e->w.c) + LC_GRACEFUL_COMPLETION);
    } else if (deleting || ended || ev == STORE_ADDED) {
        wl_queue_add(e->w.q, obj->ns, uid);
    }
}

static void *attach(cluster *c)
{
    return lc_ctrl_attach(c, sync, on_change);
}
