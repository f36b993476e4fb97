/* job: the Job controller of kube-controller-manager 1.33 as the simulation runs it (NonIndexed
 * completion mode): keeps min(parallelism, completions left) pods active from the template
 * (generateName `<job>-`, a controller ownerReference, the batch.kubernetes.io/job-tracking
 * finalizer), counts each finished or deleted pod once into status.succeeded / status.failed
 * (dropping its finalizer), replaces a terminating pod at once (podReplacementPolicy
 * TerminatingOrFailed), and ends the Job with SuccessCriteriaMet then Complete, or FailureTarget
 * then Failed (BackoffLimitExceeded) past spec.backoffLimit failures. Pods finish through the
 * kubelet (sim.evictsim.io/exit-after). Work happens in the queue's timer, never inside a store
 * listener. */
#define _GNU_SOURCE
#include "workloads.h"
#include "xalloc.h"
#include "json.h"
#include "pod.h"
#include "meta.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIN_TRACKING "batch.kubernetes.io/job-tracking"

static void *attach(cluster *c);
static void reset(void *state);
static void detach(void *state);

const controller_ops job_controller = {
    .name = "job",
    .flag = CTRL_JOB,
    .attach = attach,
    .reset = reset,
    .free = detach,
};

typedef struct {
    cluster *c;
    wl_queue *q;
} job_ctrl;

static bool has_tracking(const cJSON *pod)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, jget(pod, "metadata.finalizers"))
        if (cJSON_IsString(f) && !strcmp(f->valuestring, FIN_TRACKING))
            return true;
    return false;
}

/* The pod without the tracking finalizer: counted. */
static void untrack(cluster *c, store_obj *pod)
{
    cJSON *doc = cJSON_Duplicate(store_doc(pod), true);
    cJSON *fins = jget(doc, "metadata.finalizers");
    for (int i = cJSON_GetArraySize(fins) - 1; i >= 0; i--) {
        const cJSON *f = cJSON_GetArrayItem(fins, i);
        if (cJSON_IsString(f) && !strcmp(f->valuestring, FIN_TRACKING))
            cJSON_DeleteItemFromArray(fins, i);
    }
    if (!cJSON_GetArraySize(fins))
        jdel(jobj(doc, "metadata"), "finalizers");
    wl_write(c, pod, doc);
}

static bool condition_true(const cJSON *status, const char *type)
{
    const cJSON *cnd = wl_condition(status, type);
    return cnd && jstr(cnd, "status") && !strcmp(jstr(cnd, "status"), "True");
}

static void add_condition(cJSON *status, const char *type, const char *reason, const char *message, const char *now)
{
    cJSON *conds = jfield(status, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(status, "conditions", conds);
    }
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "lastProbeTime", now);
    cJSON_AddStringToObject(c, "lastTransitionTime", now);
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", message);
    cJSON_AddItemToArray(conds, c);
}

static void set_or_drop(cJSON *status, const char *key, double v)
{
    if (v)
        jset_num(status, key, v);
    else
        jdel(status, key);
}

static void create_pod(job_ctrl *jc, const store_obj *job)
{
    const cJSON *doc = store_doc(job);
    cJSON *pod = wl_pod_from_template(jget(doc, "spec.template"), job->ns, doc);
    cJSON *md = jobj(pod, "metadata");
    char *gen = xasprintf("%s-", job->name);
    jset_str(md, "generateName", gen);
    free(gen);
    cJSON *fins = jfield(md, "finalizers");
    if (!cJSON_IsArray(fins)) {
        fins = cJSON_CreateArray();
        jset(md, "finalizers", fins);
    }
    cJSON_AddItemToArray(fins, cJSON_CreateString(FIN_TRACKING));
    wl_create(jc->c, K_POD, pod);
}

static void sync(void *ctx, const char *ns, const char *name)
{
    job_ctrl *jc = ctx;
    cluster *c = jc->c;
    store_obj *job = store_get(c->st, K_JOB, ns, name);
    if (!job || store_get_str(job, "metadata.deletionTimestamp"))
        return;
    const cJSON *doc = store_doc(job);
    const char *uid = jstr(doc, "metadata.uid");
    if (!uid)
        return;
    char now[32];
    clock_format(cluster_now(c), now);
    size_t n;
    store_obj **pods = store_list_controlled(c->st, K_POD, ns, uid, &n);
    int succeeded = (int)jnum(doc, "status.succeeded", 0), failed = (int)jnum(doc, "status.failed", 0);
    int active = 0, ready = 0, terminating = 0;
    store_obj **live = xmalloc((n ? n : 1) * sizeof *live);
    size_t nlive = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *p = store_doc(pods[i]);
        const char *phase = jstr(p, "status.phase");
        bool deleting = jstr(p, "metadata.deletionTimestamp") != NULL;
        bool done = phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
        if (has_tracking(p) && (done || deleting)) {
            if (phase && !strcmp(phase, "Succeeded"))
                succeeded++;
            else
                failed++;
            untrack(c, pods[i]);
        }
        if (deleting && !done)
            terminating++;
        else if (!done) {
            active++;
            ready += pod_ready(p);
            live[nlive++] = pods[i];
        }
    }
    free(pods);
    doc = store_doc(job); /* untrack wrote pods only; the Job is as it was */
    const cJSON *spec = jget(doc, "spec");
    int completions = (int)jnum(spec, "completions", 1), parallelism = (int)jnum(spec, "parallelism", 1);
    int backoff = (int)jnum(spec, "backoffLimit", 6);
    bool suspended = cJSON_IsTrue(jfield(spec, "suspend"));
    cJSON *status = cJSON_Duplicate(jget(doc, "status"), true);
    if (!cJSON_IsObject(status)) {
        cJSON_Delete(status);
        status = cJSON_CreateObject();
    }
    bool finished = condition_true(status, "Complete") || condition_true(status, "Failed");
    if (!finished && !suspended && !jstr(status, "startTime"))
        jset_str(status, "startTime", now);
    bool success = succeeded >= completions, failure = failed > backoff;
    if (!finished && (success || failure)) {
        for (size_t i = 0; i < nlive; i++) /* what is left of a finished Job goes */
            wl_delete(c, live[i]);
        terminating += active;
        active = ready = 0;
        if (success && !condition_true(status, "SuccessCriteriaMet"))
            add_condition(status, "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now);
        if (failure && !success && !condition_true(status, "FailureTarget"))
            add_condition(status, "FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
        if (!terminating) {
            if (success) {
                add_condition(status, "Complete", "CompletionsReached", "Reached expected number of succeeded pods", now);
                jset_str(status, "completionTime", now);
            } else {
                add_condition(status, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
            }
        }
    } else if (!finished && !suspended) {
        int want = parallelism < completions - succeeded ? parallelism : completions - succeeded;
        for (int i = active; i < want; i++) {
            create_pod(jc, job);
            active++;
        }
    }
    free(live);
    set_or_drop(status, "active", active);
    set_or_drop(status, "succeeded", succeeded);
    set_or_drop(status, "failed", failed);
    jset_num(status, "ready", ready);
    jset_num(status, "terminating", terminating);
    job = store_get(c->st, K_JOB, ns, name);
    if (!job) {
        cJSON_Delete(status);
        return;
    }
    cJSON *next = cJSON_Duplicate(store_doc(job), true);
    jset(next, "status", status);
    wl_write(c, job, next);
}

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    job_ctrl *jc = ctx;
    if (o->kind == K_JOB && ev != STORE_DELETED)
        wl_queue_add(jc->q, o->ns, o->name);
    if (o->kind != K_POD)
        return;
    wl_queue_pod_owner(jc->c, jc->q, K_JOB, o, NULL);
    if (old && !jequal(jget(old, "metadata.ownerReferences"), store_get_path(o, "metadata.ownerReferences")))
        wl_queue_pod_owner(jc->c, jc->q, K_JOB, o, old);
}

static void *attach(cluster *c)
{
    job_ctrl *jc = xcalloc(1, sizeof *jc);
    jc->c = c;
    jc->q = wl_queue_new(c, sync, jc);
    store_listen(c->st, on_change, jc);
    return jc;
}

static void reset(void *state)
{
    wl_queue_clear(((job_ctrl *)state)->q);
}

static void detach(void *state)
{
    job_ctrl *jc = state;
    wl_queue_free(jc->q);
    free(jc);
}
