/* explain: for one pod, the PDBs that cover it, the budget's numbers as the
 * disruption controller computes them (pdb_compute), which pods count as
 * healthy and why not the others, and what an eviction would answer now (a
 * dry-run evict_pod, whose log entry is taken back out). Must not write to
 * the store or leave anything in the eviction log; no HTTP here. */
#define _GNU_SOURCE
#include "explain.h"
#include "lifecycle.h"
#include "xalloc.h"
#include "pod.h"
#include "disruption.h"
#include "eviction.h"
#include "json.h"
#include "rest.h"
#include "selector.h"
#include "text.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *ex_str(const char *s)
{
    return s ? s : "";
}

/* Why pod counts (or not) toward the PDB's currentHealthy, as countHealthyPods sees it. */
static const char *ex_health(const cJSON *pdb, const cJSON *pod, double now, bool *healthy)
{
    const char *name = jstr(pod, "metadata.name");
    const cJSON *dp = jfield(jget(pdb, "status.disruptedPods"), ex_str(name));
    double t = 0;
    *healthy = false;
    if (jstr(pod, "metadata.deletionTimestamp"))
        return "terminating";
    if (cJSON_IsString(dp) && clock_parse(dp->valuestring, &t) == 0 && t + PDB_DELETION_TIMEOUT > now)
        return "evicted, deletion pending (in status.disruptedPods)";
    if (pod_ready(pod)) {
        *healthy = true;
        return "ready";
    }
    const char *phase = jstr(pod, "status.phase");
    if (phase && strcmp(phase, "Running"))
        return !strcmp(phase, "Pending") ? "not ready (Pending)" : !strcmp(phase, "Succeeded") ? "not ready (Succeeded)"
               : !strcmp(phase, "Failed") ? "not ready (Failed)" : "not ready";
    return "not ready";
}

static cJSON *ex_pods(cluster *c, const store_obj *pdb, const labelsel *sel)
{
    cJSON *arr = cJSON_CreateArray();
    size_t n;
    store_obj **pods = store_list(c->st, K_POD, pdb->ns, &n);
    for (size_t i = 0; sel && i < n; i++) {
        if (!labelsel_matches(sel, jget(store_doc(pods[i]), "metadata.labels")))
            continue;
        bool healthy;
        const char *why = ex_health(store_doc(pdb), store_doc(pods[i]), cluster_now(c), &healthy);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", pods[i]->name);
        cJSON_AddBoolToObject(p, "healthy", healthy);
        cJSON_AddStringToObject(p, "why", why);
        cJSON_AddItemToArray(arr, p);
    }
    free(pods);
    return arr;
}

static const char *const status_keys[] = {"expectedPods", "currentHealthy", "desiredHealthy",
                                          "disruptionsAllowed", "observedGeneration", NULL};

static cJSON *ex_numbers(const cJSON *status)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; status_keys[i]; i++)
        cJSON_AddNumberToObject(o, status_keys[i], jnum(status, status_keys[i], 0));
    return o;
}

static char *ex_rule(const cJSON *pdb)
{
    const cJSON *min = jget(pdb, "spec.minAvailable"), *max = jget(pdb, "spec.maxUnavailable");
    const cJSON *v = max && !cJSON_IsNull(max) ? max : min;
    const char *field = v == max ? "maxUnavailable" : "minAvailable";
    char *s = NULL;
    if (cJSON_IsNumber(v) && asprintf(&s, "%s %ld", field, (long)v->valuedouble) >= 0)
        return s;
    if (cJSON_IsString(v) && asprintf(&s, "%s %s", field, v->valuestring) >= 0)
        return s;
    return xstrdup("neither minAvailable nor maxUnavailable");
}

static cJSON *ex_pdb(cluster *c, const store_obj *pdb, const labelsel *sel)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", pdb->name);
    char *rule = ex_rule(store_doc(pdb));
    cJSON_AddStringToObject(o, "rule", rule);
    free(rule);
    const char *policy = jstr(store_doc(pdb), "spec.unhealthyPodEvictionPolicy");
    cJSON_AddStringToObject(o, "unhealthyPodEvictionPolicy", policy ? policy : "IfHealthyBudget");
    cJSON *st = ex_numbers(jget(store_doc(pdb), "status"));
    cJSON_AddNumberToObject(st, "generation", jnum(store_doc(pdb), "metadata.generation", 0));
    cJSON_AddItemToObject(o, "status", st);
    cJSON *computed = NULL;
    char *budget = NULL;
    int rc = pdb_compute(c, pdb, &computed, &budget);
    cJSON *nums = ex_numbers(computed);
    bool stale = false;
    for (int i = 0; status_keys[i]; i++)
        stale |= jnum(st, status_keys[i], 0) != jnum(nums, status_keys[i], 0);
    cJSON_AddItemToObject(o, "computed", nums);
    cJSON_AddBoolToObject(o, "stale", stale || rc < 0);
    cJSON_AddStringToObject(o, "budget", budget ? budget : "the controller cannot compute this budget (fail safe)");
    cJSON_AddItemToObject(o, "pods", ex_pods(c, pdb, sel));
    cJSON_Delete(computed);
    free(budget);
    return o;
}

/* PDBs of the pod's namespace whose selector matches it. */
static cJSON *ex_pdbs(cluster *c, const store_obj *pod)
{
    cJSON *arr = cJSON_CreateArray();
    size_t n;
    store_obj **pdbs = store_list(c->st, K_PDB, pod->ns, &n);
    for (size_t i = 0; i < n; i++) {
        char *err = NULL;
        labelsel *sel = labelsel_from_json(jget(store_doc(pdbs[i]), "spec.selector"), &err);
        if (sel && labelsel_matches(sel, jget(store_doc(pod), "metadata.labels")))
            cJSON_AddItemToArray(arr, ex_pdb(c, pdbs[i], sel));
        labelsel_free(sel);
        free(err);
    }
    free(pdbs);
    return arr;
}

/* A dry-run eviction, with the eviction log set aside so nothing stays in it. */
static cJSON *ex_eviction(cluster *c, const store_obj *pod)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "apiVersion", "policy/v1");
    cJSON_AddStringToObject(b, "kind", "Eviction");
    cJSON *md = cJSON_AddObjectToObject(b, "metadata");
    cJSON_AddStringToObject(md, "name", pod->name);
    cJSON_AddStringToObject(md, "namespace", pod->ns);
    cJSON *dry = cJSON_AddArrayToObject(cJSON_AddObjectToObject(b, "deleteOptions"), "dryRun");
    cJSON_AddItemToArray(dry, cJSON_CreateString("All"));
    char *body = jprint(b);
    cJSON_Delete(b);
    char *ns = xstrdup(pod->ns), *name = xstrdup(pod->name);
    evict_req rq = {.ns = ns, .name = name, .body = body, .body_len = strlen(body), .body_type = BODY_JSON};
    cJSON *saved = c->evictions;
    c->evictions = cJSON_CreateArray();
    api_result r = {0};
    evict_pod(c, &rq, &r);
    const cJSON *entry = cJSON_GetArrayItem(c->evictions, 0);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "code", r.code);
    cJSON_AddStringToObject(o, "reason", ex_str(jstr(r.body, "reason")));
    cJSON_AddStringToObject(o, "message", ex_str(jstr(r.body, "message")));
    const cJSON *causes = jget(r.body, "details.causes");
    cJSON_AddItemToObject(o, "causes", causes ? cJSON_Duplicate(causes, true) : cJSON_CreateArray());
    cJSON_AddNumberToObject(o, "retryAfterSeconds", r.retry_after);
    cJSON_AddStringToObject(o, "explanation", ex_str(jstr(entry, "explanation")));
    cJSON_Delete(c->evictions);
    c->evictions = saved;
    api_result_clear(&r);
    free(body);
    free(ns);
    free(name);
    return o;
}

static char *ex_decision(const cJSON *pod, const cJSON *pdbs)
{
    int n = cJSON_GetArraySize(pdbs);
    const char *phase = ex_str(jstr(pod, "status.phase"));
    char *s = NULL;
    int rc;
    if (jstr(pod, "metadata.deletionTimestamp"))
        rc = asprintf(&s, "the pod is already terminating: an eviction deletes it without checking PDBs");
    else if (!strcmp(phase, "Pending") || !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
        rc = asprintf(&s, "the pod is %s: an eviction deletes it without checking PDBs", phase);
    else if (n == 0)
        rc = asprintf(&s, "no PodDisruptionBudget covers this pod: an eviction deletes it");
    else if (n > 1)
        rc = asprintf(&s, "%d PodDisruptionBudgets cover this pod: the eviction API answers 500 (it supports only one)", n);
    else
        rc = asprintf(&s, "PDB %s covers this pod", jstr(cJSON_GetArrayItem(pdbs, 0), "name"));
    return rc < 0 ? NULL : s;
}

/* The EvictionRequests and Evictions (lifecycle.k8s.io/v1alpha1) that target the pod: who asked,
 * which responder acts, what each answered. NULL when the API is not served or none exist. */
static cJSON *ex_conditions(const cJSON *doc)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(doc, "status.conditions")) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "type", ex_str(jstr(c, "type")));
        cJSON_AddStringToObject(e, "status", ex_str(jstr(c, "status")));
        cJSON_AddStringToObject(e, "reason", ex_str(jstr(c, "reason")));
        cJSON_AddStringToObject(e, "message", ex_str(jstr(c, "message")));
        cJSON_AddItemToArray(out, e);
    }
    return out;
}

static cJSON *ex_lifecycle(cluster *c, const store_obj *pod)
{
    const char *uid = jstr(store_doc(pod), "metadata.uid");
    if (!kind_served(K_EVICTION) || !uid)
        return NULL;
    cJSON *out = cJSON_CreateObject(), *ers = cJSON_AddArrayToObject(out, "evictionRequests");
    cJSON *evs = cJSON_AddArrayToObject(out, "evictions");
    size_t n;
    store_obj **all = lc_for_target(c, K_EVICTIONREQUEST, pod->ns, uid, &n);
    for (size_t i = 0; i < n; i++) {
        const cJSON *d = store_doc(all[i]);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", all[i]->name);
        cJSON_AddStringToObject(e, "requester", ex_str(jstr(d, "spec.requester")));
        cJSON_AddStringToObject(e, "intent", ex_str(jstr(d, "spec.intent")));
        cJSON_AddItemToObject(e, "conditions", ex_conditions(d));
        cJSON_AddItemToArray(ers, e);
    }
    free(all);
    all = lc_for_target(c, K_EVICTION, pod->ns, uid, &n);
    for (size_t i = 0; i < n; i++) {
        const cJSON *d = store_doc(all[i]);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", all[i]->name);
        cJSON_AddItemToObject(e, "requesters", cJSON_Duplicate(jget(d, "status.requesters"), true));
        cJSON *rs = cJSON_AddArrayToObject(e, "responders");
        const cJSON *tr;
        cJSON_ArrayForEach(tr, jget(d, "status.targetResponders")) {
            cJSON *r = cJSON_CreateObject();
            const cJSON *st = lc_named(jget(d, "status.responders"), jstr(tr, "name"));
            cJSON_AddStringToObject(r, "name", ex_str(jstr(tr, "name")));
            cJSON_AddNumberToObject(r, "priority", jnum(tr, "priority", 0));
            cJSON_AddStringToObject(r, "state", ex_str(jstr(tr, "state")));
            static const char *const keys[] = {"startTime", "heartbeatTime", "expectedCompletionTime",
                                               "completionTime", "message", NULL};
            for (int k = 0; keys[k]; k++)
                if (jstr(st, keys[k]))
                    cJSON_AddStringToObject(r, keys[k], jstr(st, keys[k]));
            cJSON_AddItemToArray(rs, r);
        }
        cJSON_AddItemToObject(e, "conditions", ex_conditions(d));
        cJSON_AddItemToArray(evs, e);
    }
    free(all);
    if (!cJSON_GetArraySize(ers) && !cJSON_GetArraySize(evs)) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

cJSON *explain_pod(cluster *c, const char *ns, const char *name, cJSON **err)
{
    *err = NULL;
    store_obj *pod = store_get(c->st, K_POD, ns, name);
    if (!pod) {
        *err = status_not_found(K_POD, name);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "namespace", pod->ns);
    cJSON_AddStringToObject(o, "pod", pod->name);
    cJSON_AddStringToObject(o, "uid", ex_str(jstr(store_doc(pod), "metadata.uid")));
    cJSON_AddStringToObject(o, "phase", ex_str(jstr(store_doc(pod), "status.phase")));
    cJSON_AddBoolToObject(o, "ready", pod_ready(store_doc(pod)));
    cJSON_AddBoolToObject(o, "terminating", jstr(store_doc(pod), "metadata.deletionTimestamp") != NULL);
    cJSON_AddStringToObject(o, "nodeName", ex_str(jstr(store_doc(pod), "spec.nodeName")));
    cJSON *pdbs = ex_pdbs(c, pod);
    cJSON_AddItemToObject(o, "pdbs", pdbs);
    char *d = ex_decision(store_doc(pod), pdbs);
    cJSON_AddStringToObject(o, "decision", ex_str(d));
    free(d);
    cJSON_AddItemToObject(o, "eviction", ex_eviction(c, pod));
    cJSON *lc = ex_lifecycle(c, pod);
    if (lc)
        cJSON_AddItemToObject(o, "evictionRequests", lc);
    return o;
}

/* ---- text ----------------------------------------------------------------- */

static void render_numbers(strbuf *b, const cJSON *st)
{
    strbuf_printf(b, "expectedPods %ld, currentHealthy %ld, desiredHealthy %ld, disruptionsAllowed %ld",
       (long)jnum(st, "expectedPods", 0), (long)jnum(st, "currentHealthy", 0), (long)jnum(st, "desiredHealthy", 0),
       (long)jnum(st, "disruptionsAllowed", 0));
}

static void render_pdb(strbuf *b, const cJSON *p)
{
    const cJSON *st = jget(p, "status");
    strbuf_printf(b, "PDB %s: %s, unhealthyPodEvictionPolicy %s\n", jstr(p, "name"), jstr(p, "rule"),
       jstr(p, "unhealthyPodEvictionPolicy"));
    strbuf_printf(b, "  status:  ");
    render_numbers(b, st);
    strbuf_printf(b, " (observedGeneration %ld, generation %ld)\n", (long)jnum(st, "observedGeneration", 0),
       (long)jnum(st, "generation", 0));
    strbuf_printf(b, "  budget:  %s\n", jstr(p, "budget"));
    if (cJSON_IsTrue(jget(p, "stale"))) {
        strbuf_printf(b, "  stale:   the status lags: the disruption controller would now write ");
        render_numbers(b, jget(p, "computed"));
        strbuf_printf(b, "\n");
    }
    const cJSON *pod;
    strbuf_printf(b, "  pods:\n");
    cJSON_ArrayForEach(pod, jget(p, "pods"))
        strbuf_printf(b, "    %-30s %s (%s)\n", jstr(pod, "name"), cJSON_IsTrue(jget(pod, "healthy")) ? "healthy" : "not healthy",
           jstr(pod, "why"));
}

static void render_conditions(strbuf *b, const cJSON *conds)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, conds)
        strbuf_printf(b, "%s%s %s (%s)%s%s", c == conds->child ? "" : "; ", ex_str(jstr(c, "type")),
           ex_str(jstr(c, "status")), ex_str(jstr(c, "reason")), *ex_str(jstr(c, "message")) ? ": " : "",
           ex_str(jstr(c, "message")));
}

static void render_lifecycle(strbuf *b, const cJSON *lc)
{
    const cJSON *e, *r;
    cJSON_ArrayForEach(e, jget(lc, "evictionRequests")) {
        strbuf_printf(b, "EvictionRequest %s: requester %s asks for %s\n  ", ex_str(jstr(e, "name")),
           ex_str(jstr(e, "requester")), ex_str(jstr(e, "intent")));
        render_conditions(b, jget(e, "conditions"));
        strbuf_printf(b, "\n");
    }
    cJSON_ArrayForEach(e, jget(lc, "evictions")) {
        strbuf_printf(b, "Eviction %s: requesters", ex_str(jstr(e, "name")));
        cJSON_ArrayForEach(r, jget(e, "requesters"))
            strbuf_printf(b, " %s (%s)", ex_str(jstr(r, "name")), ex_str(jstr(r, "intent")));
        strbuf_printf(b, "\n");
        cJSON_ArrayForEach(r, jget(e, "responders")) {
            strbuf_printf(b, "  responder %s (priority %ld): %s", ex_str(jstr(r, "name")), (long)jnum(r, "priority", 0),
               ex_str(jstr(r, "state")));
            if (jstr(r, "heartbeatTime"))
                strbuf_printf(b, " heartbeat %s", jstr(r, "heartbeatTime"));
            if (jstr(r, "completionTime"))
                strbuf_printf(b, " completed %s", jstr(r, "completionTime"));
            if (jstr(r, "message"))
                strbuf_printf(b, " — %s", jstr(r, "message"));
            strbuf_printf(b, "\n");
        }
        strbuf_printf(b, "  ");
        render_conditions(b, jget(e, "conditions"));
        strbuf_printf(b, "\n");
    }
}

char *explain_render(const cJSON *ex)
{
    strbuf b = {0};
    const char *node = jstr(ex, "nodeName");
    strbuf_printf(&b, "pod %s/%s: %s, %s%s%s%s\n", ex_str(jstr(ex, "namespace")), ex_str(jstr(ex, "pod")),
       *ex_str(jstr(ex, "phase")) ? jstr(ex, "phase") : "no phase", cJSON_IsTrue(jget(ex, "ready")) ? "ready" : "not ready",
       cJSON_IsTrue(jget(ex, "terminating")) ? ", terminating" : "", node && *node ? " on node " : "",
       node && *node ? node : "");
    strbuf_printf(&b, "%s\n", ex_str(jstr(ex, "decision")));
    const cJSON *p;
    cJSON_ArrayForEach(p, jget(ex, "pdbs"))
        render_pdb(&b, p);
    const cJSON *ev = jget(ex, "eviction");
    const char *reason = jstr(ev, "reason");
    if ((!reason || !*reason) && jnum(ev, "code", 0) >= 200 && jnum(ev, "code", 0) < 300)
        reason = "Success (dry run: nothing was evicted)";
    strbuf_printf(&b, "an eviction now would answer: %ld%s%s%s%s\n", (long)jnum(ev, "code", 0), reason && *reason ? " " : "",
       reason ? reason : "", *ex_str(jstr(ev, "message")) ? ": " : "", ex_str(jstr(ev, "message")));
    const cJSON *cause;
    cJSON_ArrayForEach(cause, jget(ev, "causes"))
        strbuf_printf(&b, "  cause %s: %s\n", ex_str(jstr(cause, "reason")), ex_str(jstr(cause, "message")));
    if (jnum(ev, "retryAfterSeconds", 0) > 0)
        strbuf_printf(&b, "  Retry-After: %ld\n", (long)jnum(ev, "retryAfterSeconds", 0));
    strbuf_printf(&b, "  why: %s\n", ex_str(jstr(ev, "explanation")));
    render_lifecycle(&b, jget(ex, "evictionRequests"));
    return b.s ? b.s : xstrdup("");
}
