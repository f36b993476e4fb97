/* eviction: the Eviction subresource, step for step as kube-apiserver 1.33's
 * pkg/registry/core/pod/storage/eviction.go plus the generic create handler
 * around it (see shared/reference/eviction-semantics.md), and the eviction
 * log with its explanations. Runs under the model lock from start to end, so
 * a budget can never be overspent and our own PDB write never conflicts.
 * Must not parse HTTP; writes only through rest_write/rest_delete_object. */
#define _GNU_SOURCE
#include "eviction.h"
#include "json.h"
#include "meta.h"
#include "pdbindex.h"
#include "rest.h"
#include "selector.h"
#include "validate.h"
#include "text.h"
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVICT_SCHEME "pkg/api/legacyscheme/scheme.go:30"
#define EVICT_RETRY_AFTER 10

static const char msg_budget[] = "Cannot evict pod as it would violate the pod's disruption budget.";

typedef struct {
    cluster *c;
    const evict_req *rq;
    double now;
    cJSON *body;       /* the decoded Eviction (owned) */
    const char *other; /* Go type of a policy object that is not an Eviction */
    cJSON *opts;       /* `orig`: the merged DeleteOptions (owned) */
    bool dry;
    bool user_rv;      /* orig.preconditions.resourceVersion was given */
    const char *pdb;   /* the PDB that decided (borrowed from the request's life) */
    struct pdb_numbers {        /* its numbers, read once (pdb_facts) */
        long gen, observed, allowed, cur, des, exp; /* metadata.generation, status.* */
        int ndisrupted;  /* cJSON_GetArraySize(status.disruptedPods) */
        char rule;       /* 'm' spec.minAvailable, 'M' spec.maxUnavailable, 0 neither */
        char rule_type;  /* 'n' number, 's' string, 0 other */
        int rule_int;    /* the number's valueint */
    } pv;
    char pdb_buf[256];
    char expl[2048];
    size_t explen;     /* strlen(expl) */
} evict_ctx;

/* ---- explanation ------------------------------------------------------- */

static void ex_add(evict_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ex_add(evict_ctx *x, const char *fmt, ...)
{
    size_t room = sizeof x->expl - x->explen;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(x->expl + x->explen, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        x->explen += (size_t)n < room ? (size_t)n : room - 1;
}

/* ex_add without a format, for the steps every request takes: the same
 * text (cut where ex_add would cut it), without vsnprintf. */
static void ex_puts(evict_ctx *x, const char *s)
{
    size_t n = strlen(s), room = sizeof x->expl - x->explen - 1;
    if (n > room)
        n = room;
    memcpy(x->expl + x->explen, s, n);
    x->explen += n;
    x->expl[x->explen] = 0;
}

/* v in decimal, in buf (24 bytes); returns where it starts. */
static const char *fmt_long(char *buf, long v)
{
    char *p = buf + 24;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    *--p = 0;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    return p;
}

static void ex_long(evict_ctx *x, long v)
{
    char buf[24];
    ex_puts(x, fmt_long(buf, v));
}

static const char *body_str(const api_result *r, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->body, key));
    return s ? s : "";
}

/* clock_format for the log, remembered for the last second asked (the log
 * runs under the model lock). */
static const char *log_time(double now)
{
    static double last = -1;
    static char buf[32];
    double sec = floor(now);
    if (sec != last) {
        clock_format(now, buf);
        last = sec;
    }
    return buf;
}

/* An entry field under a constant key (cJSON then keeps the key as is). */
static void log_put(cJSON *e, const char *key, cJSON *v)
{
    cJSON_AddItemToObjectCS(e, key, v);
}

/* A log entry's strings live in one block that the entry object owns as
 * its valuestring (unused by objects; cJSON_Delete frees it, cJSON_Duplicate
 * copies it, printing ignores it); its fields are references into it.
 * Returns the copy of s in the block at *at. */
static const char *log_str(char **at, const char *s)
{
    const char *start = *at;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    *at += n;
    return start;
}

void evict_log(cluster *c, const char *ns, const char *pod, bool dry, const api_result *r,
               const char *pdb, const char *explanation)
{
    const char *t = log_time(cluster_now(c)), *reason = body_str(r, "reason"), *msg = body_str(r, "message");
    ns = ns ? ns : "", pod = pod ? pod : "", explanation = explanation ? explanation : "";
    char *block = malloc(strlen(t) + strlen(ns) + strlen(pod) + strlen(reason) + strlen(msg) +
                         (pdb ? strlen(pdb) : 0) + strlen(explanation) + 7);
    char *at = block;
    cJSON *e = cJSON_CreateObject();
    e->valuestring = block;
    log_put(e, "time", cJSON_CreateStringReference(log_str(&at, t)));
    log_put(e, "namespace", cJSON_CreateStringReference(log_str(&at, ns)));
    log_put(e, "pod", cJSON_CreateStringReference(log_str(&at, pod)));
    log_put(e, "dryRun", cJSON_CreateBool(dry));
    log_put(e, "code", cJSON_CreateNumber(r->code));
    log_put(e, "reason", cJSON_CreateStringReference(log_str(&at, reason)));
    log_put(e, "message", cJSON_CreateStringReference(log_str(&at, msg)));
    log_put(e, "pdb", pdb ? cJSON_CreateStringReference(log_str(&at, pdb)) : cJSON_CreateNull());
    log_put(e, "explanation", cJSON_CreateStringReference(log_str(&at, explanation)));
    /* The log's length is kept in the array's (otherwise unused) valueint,
     * and recounted when it may be stale: counting a 10,000-entry list on
     * every eviction would cost more than the eviction. */
    cJSON *log = c->evictions;
    if (log->valueint <= 0 || log->valueint > EVICT_LOG_MAX)
        log->valueint = cJSON_GetArraySize(log);
    cJSON_AddItemToArray(log, e);
    log->valueint++;
    while (log->valueint > EVICT_LOG_MAX && log->child) {
        cJSON_DeleteItemFromArray(log, 0);
        log->valueint--;
    }
}

/* ---- Status bodies ----------------------------------------------------- */

/* The 429 of a budget: cause is the DisruptionBudget cause's message. */
static cJSON *too_many_requests(int retry_after, const char *cause)
{
    cJSON *st = status_failure(429, "TooManyRequests", msg_budget);
    status_details(st, NULL, NULL, NULL);
    status_add_cause(st, "DisruptionBudget", cause, NULL);
    status_set_retry_after(st, retry_after);
    return st;
}

/* "The disruption budget %s needs %ld healthy pods and has %ld currently",
 * written without a format (every refusal writes it). */
static cJSON *budget_429(const char *pdb, long need, long have)
{
    strbuf b = {0};
    char num[24];
    strbuf_puts(&b, "The disruption budget ");
    strbuf_puts(&b, pdb);
    strbuf_puts(&b, " needs ");
    strbuf_puts(&b, fmt_long(num, need));
    strbuf_puts(&b, " healthy pods and has ");
    strbuf_puts(&b, fmt_long(num, have));
    strbuf_puts(&b, " currently");
    cJSON *st = too_many_requests(0, b.s);
    free(b.s);
    return st;
}

/* createTooManyRequestsError: "still being processed", Retry-After 10. */
static cJSON *gen_429(const char *pdb)
{
    char cause[512];
    snprintf(cause, sizeof cause, "The disruption budget %s is still being processed by the server.", pdb);
    return too_many_requests(EVICT_RETRY_AFTER, cause);
}

static cJSON *pdb_forbidden(const char *pdb, const char *why)
{
    cJSON *st = status_failuref(403, "Forbidden", "poddisruptionbudget.policy \"%s\" is forbidden: %s", pdb, why);
    status_details(st, pdb, "policy", "poddisruptionbudget");
    return st;
}

static cJSON *pod_conflict(const char *name, const char *fmt, const char *want, const char *have)
{
    char why[1024];
    snprintf(why, sizeof why, fmt, want, have);
    cJSON *st = status_failuref(409, "Conflict", "Operation cannot be fulfilled on Pod \"%s\": %s", name, why);
    status_details(st, name, NULL, "Pod");
    return st;
}

static bool is_conflict(const api_result *r)
{
    return r->code == 409 && !strcmp(body_str(r, "reason"), "Conflict");
}

/* ---- decoding the Eviction body ---------------------------------------- */


typedef struct {
    const char *path;   /* dotted path in the Eviction */
    const char *k[3];   /* the same, split */
    int type;           /* cJSON type bit */
    const char *go;     /* Go type in the decoder's message */
    const char *st;     /* the innermost Go struct holding it */
} field_type;

static const field_type eviction_fields[] = {
    {"metadata", {"metadata"}, cJSON_Object, "v1.ObjectMeta", "Eviction"},
    {"metadata.name", {"metadata", "name"}, cJSON_String, "string", "ObjectMeta"},
    {"metadata.namespace", {"metadata", "namespace"}, cJSON_String, "string", "ObjectMeta"},
    {"deleteOptions", {"deleteOptions"}, cJSON_Object, "v1.DeleteOptions", "Eviction"},
    {"deleteOptions.gracePeriodSeconds", {"deleteOptions", "gracePeriodSeconds"}, cJSON_Number, "int64", "DeleteOptions"},
    {"deleteOptions.preconditions", {"deleteOptions", "preconditions"}, cJSON_Object, "v1.Preconditions", "DeleteOptions"},
    {"deleteOptions.preconditions.uid", {"deleteOptions", "preconditions", "uid"}, cJSON_String, "types.UID", "Preconditions"},
    {"deleteOptions.preconditions.resourceVersion", {"deleteOptions", "preconditions", "resourceVersion"},
     cJSON_String, "string", "Preconditions"},
    {"deleteOptions.orphanDependents", {"deleteOptions", "orphanDependents"}, cJSON_True | cJSON_False, "bool", "DeleteOptions"},
    {"deleteOptions.propagationPolicy", {"deleteOptions", "propagationPolicy"}, cJSON_String,
     "v1.DeletionPropagation", "DeleteOptions"},
    {"deleteOptions.dryRun", {"deleteOptions", "dryRun"}, cJSON_Array, "[]string", "DeleteOptions"},
    {"deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential",
     {"deleteOptions", "ignoreStoreReadErrorWithClusterBreakingPotential"}, cJSON_True | cJSON_False, "bool",
     "DeleteOptions"},
    {NULL, {NULL}, 0, NULL, NULL},
};

/* jget(body, f->path) without parsing the path. */
static const cJSON *field_get(const cJSON *body, const field_type *f)
{
    const cJSON *cur = body;
    for (int i = 0; i < 3 && f->k[i] && cur; i++)
        cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, f->k[i]) : NULL;
    return cur;
}

static cJSON *decode_error(const char *version, const char *detail)
{
    return status_failuref(400, "BadRequest", "Eviction in version \"%s\" cannot be handled as a Eviction: %s",
                           version, detail);
}

static cJSON *type_error(const char *version, const char *value, const char *st, const char *path,
                         const char *go)
{
    char msg[512];
    snprintf(msg, sizeof msg, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", value, st, path,
             go);
    return decode_error(version, msg);
}

/* The Go decoder's type errors for the fields the handler reads. */
static cJSON *check_field_types(const cJSON *body, const char *version)
{
    for (const field_type *f = eviction_fields; f->path; f++) {
        const cJSON *v = field_get(body, f);
        if (v && !cJSON_IsNull(v) && !(v->type & f->type))
            return type_error(version, go_json_type(v), f->st, f->path, f->go);
        char lit[80];
        if (v && f->type == cJSON_Number && !validate_int64(v, lit, sizeof lit))
            return type_error(version, lit, f->st, f->path, f->go);
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, jget(body, "deleteOptions.dryRun"))
        if (!cJSON_IsString(d) && !cJSON_IsNull(d)) /* null decodes to "" */
            return type_error(version, go_json_type(d), "DeleteOptions", "deleteOptions.dryRun", "string");
    return NULL;
}

/* apiVersion/kind as the decoder sees them (missing parts default to
 * policy/v1 Eviction). Sets x->other for a policy object of another kind. */
static cJSON *check_gvk(evict_ctx *x, char *version, size_t vlen)
{
    const char *av = jstr(x->body, "apiVersion"), *kind = jstr(x->body, "kind");
    if (!av || !*av)
        av = "policy/v1";
    if (!kind || !*kind)
        kind = "Eviction";
    const char *slash = strchr(av, '/');
    snprintf(version, vlen, "%s", slash ? slash + 1 : av);
    bool policy = !strcmp(av, "policy/v1") || !strcmp(av, "policy/v1beta1");
    if (policy && !strcmp(kind, "Eviction"))
        return NULL;
    if (policy && !strcmp(kind, "PodDisruptionBudget")) {
        x->other = "*policy.PodDisruptionBudget";
        return NULL;
    }
    if (!policy && kind_by_kind(av, kind))
        return status_failuref(400, "BadRequest",
                               "the API version in the data (%s) does not match the expected API version (policy/v1)", av);
    return status_failuref(400, "BadRequest",
                           "%s in version \"%s\" cannot be handled as a Eviction: no kind \"%s\" is registered for version \"%s\" in scheme \"%s\"",
                           kind, version, kind, av, EVICT_SCHEME);
}

/* Decode (400s); fills x->body. */
static cJSON *evict_decode(evict_ctx *x)
{
    cJSON *st = NULL;
    x->body = rest_decode_body(x->rq->body_type, x->rq->body, x->rq->body_len, &st);
    if (!x->body)
        return st;
    if (!cJSON_IsObject(x->body))
        return status_failuref(400, "BadRequest", "couldn't get version/kind; json parse error: json: cannot "
                               "unmarshal %s into Go value of type struct { APIVersion string "
                               "\"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }",
                               go_json_type(x->body));
    const cJSON *av = jget(x->body, "apiVersion"), *k = jget(x->body, "kind");
    if ((av && !cJSON_IsNull(av) && !cJSON_IsString(av)) || (k && !cJSON_IsNull(k) && !cJSON_IsString(k)))
        return status_bad_request("couldn't get version/kind; json parse error: apiVersion and kind must be strings");
    char version[64];
    if ((st = check_gvk(x, version, sizeof version)))
        return st;
    return x->other ? NULL : check_field_types(x->body, version);
}

/* create.go EnsureObjectNamespaceMatchesRequestNamespace. */
static cJSON *check_namespace(evict_ctx *x)
{
    const char *ns = jstr(x->body, "metadata.namespace");
    if (ns && *ns && strcmp(ns, x->rq->ns))
        return status_bad_request("the namespace of the provided object does not match the namespace sent on the request");
    return NULL;
}

/* ---- Create: basic checks and the dry-run merge ------------------------- */

static cJSON *check_ignore_store_read(evict_ctx *x)
{
    if (!cJSON_IsTrue(jget(x->body, "deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential")))
        return NULL;
    cJSON *causes = cJSON_CreateArray();
    cause_invalid(causes, "deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential", "true",
                  "can not be set for pod eviction, try after removing the option");
    return status_invalid("Eviction", "policy", x->rq->name, causes);
}

/* Go's %v of a []string: [a b]. */
static void go_slice(const cJSON *arr, char *buf, size_t n)
{
    size_t len = snprintf(buf, n, "[");
    const cJSON *d;
    cJSON_ArrayForEach(d, arr) {
        if (len < n)
            len += snprintf(buf + len, n - len, "%s%s", d != arr->child ? " " : "", d->valuestring);
    }
    if (len < n)
        snprintf(buf + len, n - len, "]");
}

/* propagateDryRun: the query's dryRun (only ever [All]) merged into the body's. */
static cJSON *merge_dry_run(evict_ctx *x, bool qdry)
{
    const cJSON *bo = jget(x->body, "deleteOptions");
    x->opts = cJSON_IsObject(bo) ? cJSON_Duplicate(bo, true) : cJSON_CreateObject();
    cJSON *bdry = jget(x->opts, "dryRun");
    for (int i = 0; i < cJSON_GetArraySize(bdry); i++)
        if (cJSON_IsNull(cJSON_GetArrayItem(bdry, i)))
            cJSON_ReplaceItemInArray(bdry, i, cJSON_CreateString(""));
    if (qdry && cJSON_GetArraySize(bdry) > 0) {
        const cJSON *first = cJSON_GetArrayItem(bdry, 0);
        if (cJSON_GetArraySize(bdry) != 1 || strcmp(first->valuestring, "All")) {
            char body[512];
            go_slice(bdry, body, sizeof body);
            return status_failuref(500, NULL, "Non-matching dry-run options in request and content: [All] and %s", body);
        }
    } else if (qdry) {
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, cJSON_CreateString("All"));
        jset(x->opts, "dryRun", arr);
    }
    x->dry = cJSON_GetArraySize(jget(x->opts, "dryRun")) > 0;
    x->user_rv = cJSON_IsString(jget(x->opts, "preconditions.resourceVersion"));
    return NULL;
}

/* Everything before the pod is read, in upstream's order: CreateOptions,
 * decoding, namespace match, namespace admission, then Create's own checks. */
void evict_predecode(const evict_req *rq, evict_pre *pre)
{
    evict_ctx x = {.rq = rq};
    memset(pre, 0, sizeof *pre);
    pre->done = true;
    if (!(pre->st = rest_check_dry_run(rq->dry_run_query, "CreateOptions", &pre->qdry)) &&
        !(pre->st = evict_decode(&x)))
        pre->st = check_namespace(&x);
    pre->body = x.body;
    pre->other = x.other;
}

void evict_pre_clear(evict_pre *pre)
{
    cJSON_Delete(pre->st);
    cJSON_Delete(pre->body);
    memset(pre, 0, sizeof *pre);
}

static cJSON *evict_preflight(evict_ctx *x)
{
    evict_pre own, *pre = x->rq->pre;
    if (!pre || !pre->done)
        evict_predecode(x->rq, pre = &own);
    bool qdry = pre->qdry;
    cJSON *st = pre->st;
    x->body = pre->body; /* taken */
    x->other = pre->other;
    pre->st = pre->body = NULL;
    if (st)
        return st;
    if ((st = rest_namespace_admission(x->c, K_POD, x->rq->ns, x->rq->name)))
        return st;
    if (x->other)
        return status_failuref(400, "BadRequest", "not a Eviction object: %s", x->other);
    const char *name = jstr(x->body, "metadata.name");
    if (!name || strcmp(name, x->rq->name))
        return status_bad_request("name in URL does not match name in Eviction object");
    if ((st = check_ignore_store_read(x)))
        return st;
    return merge_dry_run(x, qdry);
}

/* ---- pod predicates ----------------------------------------------------- */

static bool phase_is(const cJSON *pod, const char *phase)
{
    const char *p = jstr(pod, "status.phase");
    return p && !strcmp(p, phase);
}

static bool pod_terminating(const cJSON *pod)
{
    return jstr(pod, "metadata.deletionTimestamp") != NULL;
}


static bool pod_terminal(const cJSON *pod)
{
    return phase_is(pod, "Succeeded") || phase_is(pod, "Failed");
}

/* From the bits the store keeps: a refusal never builds the pod's tree. */
static bool can_ignore_pdb(const store_obj *pod)
{
    return pod->hot & (STORE_ENDED | STORE_PENDING | STORE_DELETING);
}

/* ---- DisruptionTarget and delete (addConditionAndDeletePod) ------------- */

static cJSON *disruption_target(double now, const cJSON *keep_time)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "DisruptionTarget");
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddNullToObject(c, "lastProbeTime");
    if (keep_time)
        cJSON_AddItemToObject(c, "lastTransitionTime", cJSON_Duplicate(keep_time, true));
    else
        meta_set_time(c, "lastTransitionTime", now);
    cJSON_AddStringToObject(c, "reason", "EvictionByEvictionAPI");
    cJSON_AddStringToObject(c, "message", "Eviction API: evicting");
    return c;
}

/* podutil.UpdatePodCondition on a copy of the pod; NULL when nothing changes
 * (the storage layer then skips the write). */
static cJSON *pod_with_target(const cJSON *pod, double now)
{
    cJSON *doc = cJSON_Duplicate(pod, true);
    cJSON *status = jobj(doc, "status");
    cJSON *conds = cJSON_GetObjectItem(status, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(status, "conditions", conds);
    }
    int i = 0;
    cJSON *old;
    cJSON_ArrayForEach(old, conds) {
        const char *t = jstr(old, "type");
        if (t && !strcmp(t, "DisruptionTarget"))
            break;
        i++;
    }
    if (!old) {
        cJSON_AddItemToArray(conds, disruption_target(now, NULL));
        return doc;
    }
    if (!cJSON_GetObjectItem(old, "lastProbeTime")) /* a zero time reads back as null */
        cJSON_AddNullToObject(old, "lastProbeTime");
    const char *s = jstr(old, "status");
    const cJSON *ltt = cJSON_GetObjectItem(old, "lastTransitionTime");
    cJSON *null_time = cJSON_CreateNull();
    cJSON *c = disruption_target(now, s && !strcmp(s, "True") ? (ltt ? ltt : null_time) : NULL);
    cJSON_Delete(null_time);
    if (cJSON_Compare(old, c, true)) {
        cJSON_Delete(c);
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON_ReplaceItemInArray(conds, i, c);
    return doc;
}

/* The status write's own precondition checks (getLatestPod). */
static cJSON *check_preconditions(const store_obj *pod, const cJSON *opts)
{
    const char *uid = jstr(opts, "preconditions.uid"), *rv = jstr(opts, "preconditions.resourceVersion");
    const char *cur_uid = jstr(store_doc(pod), "metadata.uid"), *cur_rv = jstr(store_doc(pod), "metadata.resourceVersion");
    if (uid && *uid && strcmp(uid, cur_uid ? cur_uid : ""))
        return pod_conflict(pod->name, "the UID in the precondition (%s) does not match the UID in record (%s). "
                            "The object might have been deleted and then recreated", uid, cur_uid ? cur_uid : "");
    if (rv && *rv && strcmp(rv, cur_rv ? cur_rv : ""))
        return pod_conflict(pod->name, "the ResourceVersion in the precondition (%s) does not match the "
                            "ResourceVersion in record (%s). The object might have been modified", rv, cur_rv ? cur_rv : "");
    return NULL;
}

/* Write DisruptionTarget (not in dry run); an RV precondition then follows
 * the RV of our own write. Returns a Status on failure. */
static cJSON *add_disruption_target(evict_ctx *x, cJSON *opts)
{
    store_obj *pod = store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    if (!pod)
        return status_not_found(K_POD, x->rq->name);
    cJSON *st = check_preconditions(pod, opts);
    if (st)
        return st;
    cJSON *doc = pod_with_target(store_doc(pod), x->now);
    if (doc)
        rest_write(x->c, pod, doc);
    pod = store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    if (pod && cJSON_IsString(jget(opts, "preconditions.resourceVersion")))
        jset_str(jobj(opts, "preconditions"), "resourceVersion", jstr(store_doc(pod), "metadata.resourceVersion"));
    return NULL;
}

static void note_outcome(evict_ctx *x)
{
    store_obj *pod = store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    if (x->dry)
        ex_puts(x, " → would be deleted (dry run: nothing written)");
    else if (!pod)
        ex_puts(x, " → deleted");
    else if (cJSON_GetArraySize(jget(store_doc(pod), "metadata.finalizers")) > 0 &&
             jnum(store_doc(pod), "metadata.deletionGracePeriodSeconds", 0) == 0)
        ex_puts(x, " → marked for deletion (finalizers hold it)");
    else
        ex_add(x, " → terminating (grace %lds)", (long)jnum(store_doc(pod), "metadata.deletionGracePeriodSeconds", 0));
}

/* addConditionAndDeletePod: fills out; opts is taken. */
static void condition_and_delete(evict_ctx *x, cJSON *opts, api_result *out)
{
    cJSON *st = x->dry ? NULL : add_disruption_target(x, opts);
    store_obj *pod = st ? NULL : store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    cJSON *causes = cJSON_CreateArray();
    if (!st && !pod)
        st = status_not_found(K_POD, x->rq->name);
    else if (!st && validate_delete_options(opts, causes))
        st = status_invalid("DeleteOptions", "meta.k8s.io", "", causes), causes = NULL;
    cJSON_Delete(causes);
    if (st) {
        api_result_status(out, st);
    } else {
        api_result r = {0};
        rest_delete_object_code(x->c, pod, opts, x->dry, &r);
        if (r.code >= 200 && r.code < 300) {
            api_result_clear(&r);
            api_result_status(out, status_success(201));
            note_outcome(x);
        } else {
            *out = r;
        }
    }
    if (out->code != 201)
        ex_add(x, " → the delete failed: %s", body_str(out, "message"));
    cJSON_Delete(opts);
}

/* Copy of orig with preconditions.resourceVersion = rv. */
static cJSON *opts_with_rv(const cJSON *orig, const char *rv)
{
    cJSON *o = cJSON_Duplicate(orig, true);
    jset_str(jobj(o, "preconditions"), "resourceVersion", rv ? rv : "");
    return o;
}

/* ---- Loop A: pods that bypass PDBs -------------------------------------- */

static void evict_bypass(evict_ctx *x, store_obj *pod, api_result *out)
{
    const char *phase = jstr(store_doc(pod), "status.phase");
    if (pod_terminating(store_doc(pod)))
        ex_add(x, "pod is terminating (deletionTimestamp set): PDBs are not checked");
    else
        ex_add(x, "pod is %s: PDBs are not checked", phase);
    bool enforce_rv = !pod_terminal(store_doc(pod)) && !pod_terminating(store_doc(pod));
    cJSON *opts = enforce_rv && !x->user_rv ? opts_with_rv(x->opts, jstr(store_doc(pod), "metadata.resourceVersion"))
                                            : cJSON_Duplicate(x->opts, true);
    /* Upstream retries conflicts here (20 × 500ms) unless the user gave an
     * RV. Under the one model lock nothing changes between attempts, so a
     * retry would read the same pod and get the same answer: the last 409. */
    condition_and_delete(x, opts, out);
}

/* ---- Section B: the PDB ------------------------------------------------- */

/* PDBs in the pod's namespace whose selector matches the pod's labels
 * (null matches nothing, {} everything, invalid is skipped), by name. */
static store_obj **matching_pdbs(evict_ctx *x, const store_obj *pod, size_t *nmatch)
{
    return pdbindex_pdbs_for(pdbindex_get(x->c->st), pod, nmatch);
}

static long num_in(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

/* What an eviction reads of a PDB, kept with the PDB (store_set_aux) until
 * its document changes: a refusal then reads one small block instead of
 * walking the PDB's tree. */
typedef struct pdb_facts {
    struct pdb_numbers n;
    char rule_str[]; /* the rule when it is a string */
} pdb_facts;

static const pdb_facts *pdb_facts_of(const store_obj *pdb)
{
    if (pdb->aux)
        return pdb->aux;
    const cJSON *doc = store_doc(pdb), *st = cJSON_GetObjectItemCaseSensitive(doc, "status");
    if (!cJSON_IsObject(st))
        st = NULL;
    const cJSON *min = jget(doc, "spec.minAvailable"), *max = jget(doc, "spec.maxUnavailable");
    const cJSON *rule = min ? min : max;
    const char *rs = cJSON_IsString(rule) ? rule->valuestring : "";
    pdb_facts *f = malloc(sizeof *f + strlen(rs) + 1);
    f->n.gen = num_in(cJSON_GetObjectItemCaseSensitive(doc, "metadata"), "generation");
    f->n.observed = num_in(st, "observedGeneration");
    f->n.allowed = num_in(st, "disruptionsAllowed");
    f->n.cur = num_in(st, "currentHealthy");
    f->n.des = num_in(st, "desiredHealthy");
    f->n.exp = num_in(st, "expectedPods");
    f->n.ndisrupted = cJSON_GetArraySize(jget(doc, "status.disruptedPods"));
    f->n.rule = min ? 'm' : max ? 'M' : 0;
    f->n.rule_type = cJSON_IsNumber(rule) ? 'n' : cJSON_IsString(rule) ? 's' : 0;
    f->n.rule_int = cJSON_IsNumber(rule) ? rule->valueint : 0;
    strcpy(f->rule_str, rs);
    store_set_aux(pdb, f);
    return f;
}


static int cmp_obj_name(const void *a, const void *b)
{
    return strcmp((*(store_obj *const *)a)->name, (*(store_obj *const *)b)->name);
}

/* The PDB's pods that may not be healthy, by name: its unhealthy pods (from
 * the index) and its pods named in status.disruptedPods. */
static store_obj **unhealthy_candidates(evict_ctx *x, const store_obj *pdb, size_t *n)
{
    pdbindex *ix = pdbindex_get(x->c->st);
    store_obj **bad = pdbindex_unhealthy_of(ix, pdb, n);
    const cJSON *disrupted = x->pv.ndisrupted ? jget(store_doc(pdb), "status.disruptedPods") : NULL, *d;
    if (!cJSON_IsObject(disrupted))
        disrupted = NULL;
    size_t cap = *n + (size_t)cJSON_GetArraySize(disrupted);
    store_obj **out = realloc(bad, (cap ? cap : 1) * sizeof *out);
    cJSON_ArrayForEach(d, disrupted) {
        store_obj *pod = d->string ? store_get(x->c->st, K_POD, pdb->ns, d->string) : NULL;
        bool seen = false;
        for (size_t i = 0; pod && i < *n && !seen; i++)
            seen = out[i] == pod;
        if (pod && !seen && pdbindex_selects(ix, pdb, pod))
            out[(*n)++] = pod;
    }
    qsort(out, *n, sizeof *out, cmp_obj_name);
    return out;
}

/* Names the PDB's pods that are not healthy (for the explanation only). */
static void ex_unhealthy(evict_ctx *x, const store_obj *pdb)
{
    size_t n, shown = 0, more = 0;
    store_obj **pods = unhealthy_candidates(x, pdb, &n);
    const cJSON *disrupted = n ? jget(store_doc(pdb), "status.disruptedPods") : NULL;
    for (size_t i = 0; i < n; i++) {
        const cJSON *d = store_doc(pods[i]);
        const char *why = pod_terminating(d) ? "terminating"
                        : !pod_ready(d) ? "not ready"
                        : cJSON_GetObjectItem(disrupted, pods[i]->name) ? "being evicted" : NULL;
        if (why && shown < 5)
            ex_add(x, "%s%s %s", shown++ ? ", " : " (", pods[i]->name, why);
        else if (why)
            more++;
    }
    if (more)
        ex_add(x, ", %zu more", more);
    if (shown)
        ex_add(x, ")");
    free(pods);
}

/* "PDB web: minAvailable 2 of 3 expected; 2 healthy (web-1 not ready); desired 2" */
static void ex_pdb_numbers(evict_ctx *x, const store_obj *pdb, bool name_unhealthy)
{
    const struct pdb_numbers *f = &x->pv;
    ex_puts(x, "PDB ");
    ex_puts(x, pdb->name);
    ex_puts(x, ": ");
    if (f->rule_type) {
        ex_puts(x, f->rule == 'm' ? "minAvailable " : "maxUnavailable ");
        if (f->rule_type == 'n')
            ex_long(x, f->rule_int);
        else
            ex_puts(x, pdb_facts_of(pdb)->rule_str);
        ex_puts(x, " of ");
    }
    ex_long(x, f->exp);
    ex_puts(x, " expected; ");
    ex_long(x, f->cur);
    ex_puts(x, " healthy");
    if (name_unhealthy)
        ex_unhealthy(x, pdb);
    ex_puts(x, "; desired ");
    ex_long(x, f->des);
}

/* meta.SetStatusCondition(DisruptionAllowed=False/InsufficientPods), in
 * metav1.Condition's field order. */
static void set_insufficient_pods(cJSON *status, long observed, double now)
{
    cJSON *conds = cJSON_GetObjectItem(status, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(status, "conditions", conds);
    }
    int i = 0;
    cJSON *old;
    cJSON_ArrayForEach(old, conds) {
        const char *t = jstr(old, "type");
        if (t && !strcmp(t, "DisruptionAllowed"))
            break;
        i++;
    }
    const char *s = jstr(old, "status");
    const cJSON *ltt = cJSON_GetObjectItem(old, "lastTransitionTime");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "DisruptionAllowed");
    cJSON_AddStringToObject(c, "status", "False");
    if (observed)
        cJSON_AddNumberToObject(c, "observedGeneration", observed);
    if (old && s && !strcmp(s, "False")) /* unchanged status keeps its time (zero → null) */
        cJSON_AddItemToObject(c, "lastTransitionTime", ltt ? cJSON_Duplicate(ltt, true) : cJSON_CreateNull());
    else
        meta_set_time(c, "lastTransitionTime", now);
    cJSON_AddStringToObject(c, "reason", "InsufficientPods");
    cJSON_AddStringToObject(c, "message", "");
    if (old)
        cJSON_ReplaceItemInArray(conds, i, c);
    else
        cJSON_AddItemToArray(conds, c);
}

/* checkAndDecrement; NULL when the budget allows (and is spent unless dry). */
static cJSON *check_and_decrement(evict_ctx *x, store_obj *pdb)
{
    long gen = x->pv.gen, observed = x->pv.observed, allowed = x->pv.allowed;
    int ndisrupted = x->pv.ndisrupted;
    if (observed < gen) {
        ex_add(x, "PDB %s: its status is for generation %ld but the PDB is at generation %ld (not yet processed "
                  "by the disruption controller) → refused, retry after %ds", pdb->name, observed, gen, EVICT_RETRY_AFTER);
        return gen_429(pdb->name);
    }
    if (allowed < 0) {
        ex_add(x, "PDB %s: disruptionsAllowed is %ld (negative) → forbidden", pdb->name, allowed);
        return pdb_forbidden(pdb->name, "pdb disruptions allowed is negative");
    }
    if (ndisrupted > EVICT_MAX_DISRUPTED_PODS) {
        ex_add(x, "PDB %s: %d evictions not yet confirmed by the disruption controller (more than %d) → forbidden",
               pdb->name, ndisrupted, EVICT_MAX_DISRUPTED_PODS);
        return pdb_forbidden(pdb->name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
    }
    if (allowed == 0) {
        ex_pdb_numbers(x, pdb, true);
        ex_puts(x, " → 0 disruptions allowed → refused");
        return budget_429(pdb->name, x->pv.des, x->pv.cur);
    }
    ex_pdb_numbers(x, pdb, false);
    ex_puts(x, " → ");
    ex_long(x, allowed);
    ex_puts(x, allowed == 1 ? " disruption allowed → allowed (" : " disruptions allowed → allowed (");
    ex_long(x, allowed);
    ex_puts(x, " → ");
    ex_long(x, allowed - 1);
    ex_puts(x, ")");
    if (x->dry) /* the decrement stays in memory: nothing is written */
        return NULL;
    cJSON *doc = cJSON_Duplicate(store_doc(pdb), true);
    cJSON *status = jobj(doc, "status");
    jset_num(status, "disruptionsAllowed", allowed - 1);
    if (allowed - 1 == 0)
        set_insufficient_pods(status, observed, x->now);
    meta_set_time(jobj(status, "disruptedPods"), x->rq->name, x->now);
    rest_write(x->c, pdb, doc);
    return NULL;
}

/* The unready-pod rules: true when the pod may go without using the budget. */
static bool unready_bypass(evict_ctx *x, const store_obj *pdb, const store_obj *pod)
{
    if (pod->hot & STORE_READY) /* pod_ready, kept by the store */
        return false;
    const char *policy = jstr(store_doc(pdb), "spec.unhealthyPodEvictionPolicy");
    long cur = x->pv.cur, desired = x->pv.des;
    if (policy && !strcmp(policy, "AlwaysAllow")) {
        ex_add(x, "PDB %s: pod not ready and unhealthyPodEvictionPolicy is AlwaysAllow → budget not checked", pdb->name);
        return true;
    }
    if (cur >= desired && desired > 0) {
        ex_add(x, "PDB %s: pod not ready and the budget is met without it (%ld healthy ≥ desired %ld > 0) → "
                  "allowed without using the budget", pdb->name, cur, desired);
        return true;
    }
    return false;
}

static void evict_with_pdbs(evict_ctx *x, store_obj *pod, api_result *out)
{
    size_t n;
    store_obj **pdbs = matching_pdbs(x, pod, &n);
    store_obj *pdb = n == 1 ? pdbs[0] : NULL;
    bool update_opts = false;
    cJSON *st = NULL;
    if (n > 1) {
        ex_add(x, "%zu PDBs select this pod (", n);
        for (size_t i = 0; i < n; i++)
            ex_add(x, "%s%s", i ? ", " : "", pdbs[i]->name);
        ex_add(x, "); the eviction API supports only one → error");
        st = status_failure(500, NULL, "This pod has more than one PodDisruptionBudget, which the eviction "
                                       "subresource does not support.");
    } else if (!pdb) {
        ex_puts(x, "no PodDisruptionBudget covers this pod");
    } else {
        snprintf(x->pdb_buf, sizeof x->pdb_buf, "%s", pdb->name);
        x->pdb = x->pdb_buf;
        x->pv = pdb_facts_of(pdb)->n; /* a copy: the PDB may be written below */
        update_opts = unready_bypass(x, pdb, pod);
        if (!update_opts)
            st = check_and_decrement(x, pdb);
    }
    free(pdbs);
    if (st) {
        api_result_status(out, st);
        return;
    }
    cJSON *opts = update_opts ? opts_with_rv(x->opts, jstr(store_doc(pod), "metadata.resourceVersion"))
                              : cJSON_Duplicate(x->opts, true);
    condition_and_delete(x, opts, out);
    if (is_conflict(out) && update_opts && !x->user_rv) {
        ex_add(x, " → answered as \"still being processed\"");
        api_result_status(out, gen_429(x->pdb));
    }
}

/* ---- the handler -------------------------------------------------------- */

static bool requested_dry(const evict_ctx *x)
{
    const char *q = x->rq->dry_run_query;
    return x->dry || (q && *q) || cJSON_GetArraySize(jget(x->body, "deleteOptions.dryRun")) > 0;
}

void evict_pod(cluster *c, const evict_req *rq, api_result *out)
{
    evict_ctx x = {.c = c, .rq = rq, .now = cluster_now(c)};
    cJSON *st = evict_preflight(&x);
    store_obj *pod = st ? NULL : store_get(c->st, K_POD, rq->ns, rq->name);
    if (!st && !pod) {
        st = status_not_found(K_POD, rq->name);
        ex_add(&x, "pod %s does not exist → not found", rq->name);
    } else if (st) {
        ex_add(&x, "the request itself was rejected (checked before the pod and its PDBs)");
    }
    if (st)
        api_result_status(out, st);
    else if (can_ignore_pdb(pod))
        evict_bypass(&x, pod, out);
    else
        evict_with_pdbs(&x, pod, out);
    evict_log(c, rq->ns, rq->name, requested_dry(&x), out, x.pdb, x.expl);
    cJSON_Delete(x.body);
    cJSON_Delete(x.opts);
}
