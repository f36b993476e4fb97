/* Unit tests for model/eviction (and the server route table): every response
 * of docs/reference/eviction.md §3 and the cases of §4.1–4.7 a single-lock
 * simulator can produce, called directly on a cluster with no controllers.
 * Not covered (they need injected store conflicts): §4.2 cases 10–14, 20, 21
 * and R-409-pdb; cases 23–24 and PR #138003's causes are for newer versions. */
#include "eviction.h"
#include "manifest.h"
#include "meta.h"
#include "http.h"
#include "json.h"
#include "rest.h"
#include "text.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1735689600.0 /* 2025-01-01T00:00:00Z */
#define T0S "2025-01-01T00:00:00Z"
#define MSG_BUDGET "Cannot evict pod as it would violate the pod's disruption budget."
#define MSG_GEN "The disruption budget foo is still being processed by the server."
#define MSG_MULTI "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
#define SUCCESS_BODY "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}"
#define BODY(opts) "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"},\"deleteOptions\":" opts "}"
#define DEFAULT_BODY BODY("{\"gracePeriodSeconds\":0}")
#define SEL_A "{\"matchLabels\":{\"a\":\"true\"}}"

/* ---- fixtures ----------------------------------------------------------- */

static cluster *ev_cluster(void)
{
    cluster_opts o = {.manual_clock = true, .start_time = T0, .time_scale = 1, .controllers = 0};
    return cluster_new(&o);
}

static void ev_load(cluster *c, cJSON *objs)
{
    api_result r = {0};
    int n = cluster_load(c, objs, &r);
    if (n < 0) {
        char *s = cJSON_PrintUnformatted(r.body);
        ck_abort_msg("load failed: %s", s);
        free(s);
    }
    api_result_clear(&r);
    cJSON_Delete(objs);
}

typedef struct {
    const char *phase;   /* NULL: no phase */
    const char *ready;   /* Ready condition status, NULL: none */
    bool terminating;    /* deletionTimestamp set (grace 30) */
    bool finalizer;      /* a finalizer holds the pod after its delete */
    const char *labels;  /* JSON, default {"a":"true"} */
} pod_spec;

static cJSON *mk_pod(const char *name, const pod_spec *ps)
{
    cJSON *p = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"default\"},"
                           "\"spec\":{\"nodeName\":\"foo\",\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]},"
                           "\"status\":{}}");
    cJSON *md = jobj(p, "metadata");
    char uid[64];
    snprintf(uid, sizeof uid, "uid-%s", name);
    jset_str(md, "name", name);
    jset_str(md, "uid", uid);
    jset(md, "labels", cJSON_Parse(ps->labels ? ps->labels : "{\"a\":\"true\"}"));
    if (ps->terminating) {
        jset_str(md, "deletionTimestamp", "2025-01-01T00:00:30Z");
        jset_num(md, "deletionGracePeriodSeconds", 30);
    }
    if (ps->finalizer)
        jset(md, "finalizers", cJSON_Parse("[\"test.k8s.io/finalizer\"]"));
    cJSON *st = jobj(p, "status");
    if (ps->phase)
        jset_str(st, "phase", ps->phase);
    if (ps->ready) {
        cJSON *conds = cJSON_CreateArray(), *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", "Ready");
        cJSON_AddStringToObject(c, "status", ps->ready);
        cJSON_AddItemToArray(conds, c);
        jset(st, "conditions", conds);
    }
    return p;
}

typedef struct {
    const char *selector; /* JSON; NULL: matchLabels a=true; "null": none */
    long allowed, cur, desired, expected;
    bool stale;           /* observedGeneration 0 < generation 1 (else 1) */
    const char *policy;   /* unhealthyPodEvictionPolicy */
    int ndisrupted;       /* disruptedPods entries other than the pod */
} pdb_spec;

static cJSON *mk_pdb(const char *name, const pdb_spec *s)
{
    cJSON *p = cJSON_Parse("{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\","
                           "\"metadata\":{\"namespace\":\"default\",\"generation\":1},\"spec\":{\"minAvailable\":0},"
                           "\"status\":{}}");
    jset_str(jobj(p, "metadata"), "name", name);
    cJSON *spec = jobj(p, "spec");
    jset(spec, "selector", cJSON_Parse(s->selector ? s->selector : SEL_A));
    if (s->policy)
        jset_str(spec, "unhealthyPodEvictionPolicy", s->policy);
    cJSON *st = jobj(p, "status");
    jset_num(st, "observedGeneration", s->stale ? 0 : 1);
    jset_num(st, "disruptionsAllowed", s->allowed);
    jset_num(st, "currentHealthy", s->cur);
    jset_num(st, "desiredHealthy", s->desired);
    jset_num(st, "expectedPods", s->expected);
    if (s->ndisrupted) {
        cJSON *d = jobj(st, "disruptedPods");
        for (int i = 0; i < s->ndisrupted; i++) {
            char k[32];
            snprintf(k, sizeof k, "other-%d", i);
            cJSON_AddStringToObject(d, k, T0S);
        }
    }
    return p;
}

static store_obj *get_pod(cluster *c, const char *name)
{
    return store_get(c->st, K_POD, "default", name);
}

static store_obj *get_pdb(cluster *c, const char *name)
{
    return store_get(c->st, K_PDB, "default", name);
}

static bool has_target(const store_obj *pod)
{
    const cJSON *cond;
    cJSON_ArrayForEach(cond, jget(store_doc(pod), "status.conditions")) {
        const char *t = jstr(cond, "type");
        if (t && !strcmp(t, "DisruptionTarget"))
            return true;
    }
    return false;
}

/* Replace every $RV in s with rv (into buf). */
static const char *subst_rv(const char *s, const char *rv, char *buf, size_t n)
{
    if (!s)
        return NULL;
    size_t len = 0;
    for (const char *p = s; *p && len + 1 < n; p++) {
        if (!strncmp(p, "$RV", 3)) {
            len += snprintf(buf + len, n - len, "%s", rv);
            p += 2;
        } else {
            buf[len++] = *p;
        }
    }
    buf[len < n ? len : n - 1] = 0;
    return buf;
}

static void evict(cluster *c, const char *ns, const char *name, const char *body, const char *query,
                  api_result *out)
{
    evict_req rq = {.ns = ns, .name = name, .body = body, .body_len = body ? strlen(body) : 0, .body_type = BODY_JSON, .dry_run_query = query};
    evict_pod(c, &rq, out);
}

static void check_status(const api_result *r, int code, const char *reason, const char *message,
                         const char *cause, int retry, const char *id)
{
    char *s = cJSON_PrintUnformatted(r->body);
    ck_assert_msg(r->code == code, "%s: code %d, want %d: %s", id, r->code, code, s);
    ck_assert_int_eq(jnum(r->body, "code", 0), code);
    const char *rs = jstr(r->body, "reason");
    if (reason)
        ck_assert_msg(rs && !strcmp(rs, reason), "%s: reason %s: %s", id, rs ? rs : "(none)", s);
    else
        ck_assert_msg(!rs, "%s: unexpected reason: %s", id, s);
    if (code == 201) {
        ck_assert_msg(!strcmp(s, SUCCESS_BODY), "%s: body %s", id, s);
    } else if (message) {
        const char *m = jstr(r->body, "message");
        ck_assert_msg(m && !strcmp(m, message), "%s: message\n  got  %s\n  want %s", id, m ? m : "(none)", message);
    }
    cJSON *causes = jget(r->body, "details.causes");
    if (cause) {
        ck_assert_msg(cJSON_GetArraySize(causes) == 1, "%s: causes: %s", id, s);
        const cJSON *c0 = cJSON_GetArrayItem(causes, 0);
        ck_assert_str_eq(jstr(c0, "reason"), "DisruptionBudget");
        ck_assert_str_eq(jstr(c0, "message"), cause);
        ck_assert_ptr_null(jget(c0, "field"));
    } else if (code != 422) {
        ck_assert_msg(!causes, "%s: unexpected causes: %s", id, s);
    }
    ck_assert_msg(r->retry_after == retry, "%s: retry_after %d, want %d", id, r->retry_after, retry);
    ck_assert_int_eq(jnum(r->body, "details.retryAfterSeconds", 0), retry);
    free(s);
}

/* ---- the table ------------------------------------------------------------ */

enum { P_GONE = 1, P_KEPT, P_DELETING };
enum { E_SAME = 1, E_DEC };

typedef struct {
    const char *id;
    pod_spec pod;          /* the pod "p" */
    bool no_pod;
    int npdb;              /* 0, 1 ("foo") or 2 ("foo", "bar") */
    pdb_spec pdb;
    bool all_policies;     /* run with policy unset, IfHealthyBudget, AlwaysAllow */
    const char *url_ns;    /* default "default" */
    const char *url_name;  /* default "p" */
    const char *body;      /* default DEFAULT_BODY; $RV = the pod's resourceVersion */
    const char *query;     /* ?dryRun= */
    int code;
    const char *reason, *message, *cause;
    int retry;
    int pod_after;         /* P_*; 0: not checked */
    int pdb_after;         /* E_*; 0: not checked */
    int target;            /* 1 present, -1 absent, 0 not checked */
} ev_case;

static const ev_case cases[] = {
    /* §4.1 real storage */
    {"4.1-1 running unready, allowed 0", {.phase = "Running"}, .npdb = 1, .code = 429, .reason = "TooManyRequests",
     .message = MSG_BUDGET, .cause = "The disruption budget foo needs 0 healthy pods and has 0 currently",
     .pod_after = P_KEPT, .pdb_after = E_SAME, .target = -1},
    {"4.1-1 AlwaysAllow deletes the unready pod", {.phase = "Running"}, .npdb = 1, .pdb = {.policy = "AlwaysAllow"},
     .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.1-2 pending", {.phase = "Pending"}, .npdb = 1, .all_policies = true, .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.1-3 succeeded", {.phase = "Succeeded"}, .npdb = 1, .all_policies = true, .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.1-4 failed", {.phase = "Failed"}, .npdb = 1, .all_policies = true, .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.1-5 pending, allowed 1", {.phase = "Pending"}, .npdb = 1, .pdb = {.allowed = 1}, .code = 201, .pod_after = P_GONE,
     .pdb_after = E_SAME},
    {"4.1-6 non-matching selector", {.phase = "Pending"}, .npdb = 1, .pdb = {.selector = "{\"matchLabels\":{\"b\":\"true\"}}"},
     .code = 201, .pod_after = P_GONE},
    {"4.1-7 name mismatch", {.phase = "Running"}, .npdb = 1, .pdb = {.allowed = 1}, .url_name = "t7bad-name", .code = 400,
     .reason = "BadRequest", .message = "name in URL does not match name in Eviction object", .pod_after = P_KEPT,
     .pdb_after = E_SAME},
    {"4.1-8 selector {}", {.phase = "Running"}, .npdb = 1, .pdb = {.selector = "{}"}, .code = 429, .reason = "TooManyRequests",
     .message = MSG_BUDGET, .cause = "The disruption budget foo needs 0 healthy pods and has 0 currently",
     .pod_after = P_KEPT, .pdb_after = E_SAME},
    {"4.1-8 selector {} IfHealthyBudget", {.phase = "Running"}, .npdb = 1, .pdb = {.selector = "{}", .policy = "IfHealthyBudget"},
     .code = 429, .reason = "TooManyRequests", .message = MSG_BUDGET,
     .cause = "The disruption budget foo needs 0 healthy pods and has 0 currently", .pod_after = P_KEPT},
    /* §4.2 (the cases without injected conflicts) */
    {"4.2-9 pending, allowed 0", {.phase = "Pending"}, .npdb = 1, .all_policies = true, .code = 201, .pod_after = P_GONE},
    {"4.2-15 terminating, grace 300", {.phase = "Running", .terminating = true}, .npdb = 1,
     .body = BODY("{\"gracePeriodSeconds\":300}"), .code = 201, .pod_after = P_DELETING, .pdb_after = E_SAME, .target = 1},
    {"4.2-16 ready, needs 2 has 2", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.cur = 2, .desired = 2, .expected = 2},
     .all_policies = true, .code = 429, .reason = "TooManyRequests", .message = MSG_BUDGET,
     .cause = "The disruption budget foo needs 2 healthy pods and has 2 currently", .pod_after = P_KEPT,
     .pdb_after = E_SAME, .target = -1},
    {"4.2-17 ready, allowed 1", {.phase = "Running", .ready = "True", .finalizer = true}, .npdb = 1,
     .pdb = {.allowed = 1, .cur = 3, .desired = 3, .expected = 3}, .code = 201, .pod_after = P_DELETING,
     .pdb_after = E_DEC, .target = 1},
    {"4.2-18 unready, budget met", {.phase = "Running", .ready = "False"}, .npdb = 1, .pdb = {.cur = 2, .desired = 2, .expected = 3},
     .all_policies = true, .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.2-19 unready, AlwaysAllow, desired 0", {.phase = "Running", .ready = "False", .finalizer = true}, .npdb = 1,
     .pdb = {.policy = "AlwaysAllow"}, .code = 201, .pod_after = P_DELETING, .pdb_after = E_SAME, .target = 1},
    {"4.2-22 selector {}, ready", {.phase = "Running", .ready = "True"}, .npdb = 1,
     .pdb = {.selector = "{}", .cur = 3, .desired = 3, .expected = 3}, .code = 429, .reason = "TooManyRequests",
     .message = MSG_BUDGET, .cause = "The disruption budget foo needs 3 healthy pods and has 3 currently",
     .pod_after = P_KEPT},
    {"4.2-25 negative budget (1.33: no causes)", {.phase = "Running"}, .npdb = 1, .pdb = {.allowed = -1}, .code = 403,
     .reason = "Forbidden", .message = "poddisruptionbudget.policy \"foo\" is forbidden: pdb disruptions allowed is negative",
     .pod_after = P_KEPT, .pdb_after = E_SAME},
    {"4.2-25 negative budget, IfHealthyBudget", {.phase = "Running"}, .npdb = 1, .pdb = {.allowed = -1, .policy = "IfHealthyBudget"},
     .code = 403, .reason = "Forbidden",
     .message = "poddisruptionbudget.policy \"foo\" is forbidden: pdb disruptions allowed is negative", .pod_after = P_KEPT},
    {"4.2-26 2001 disrupted pods", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.allowed = 1, .ndisrupted = 2001}, .code = 403,
     .reason = "Forbidden",
     .message = "poddisruptionbudget.policy \"foo\" is forbidden: DisruptedPods map too big - too many evictions not "
                "confirmed by PDB controller",
     .pod_after = P_KEPT, .pdb_after = E_SAME},
    {"2000 disrupted pods are still fine", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.allowed = 1, .ndisrupted = 2000},
     .code = 201, .pod_after = P_GONE, .pdb_after = E_DEC},
    /* §4.3 dry run and delete options (pod foo is Pending; here p) */
    {"4.3-27 query dryRun, deleteOptions {}", {.phase = "Pending"}, .body = BODY("{}"), .query = "All", .code = 201,
     .pod_after = P_KEPT, .target = -1},
    {"4.3-28 body dryRun", {.phase = "Pending"}, .body = BODY("{\"dryRun\":[\"All\"]}"), .code = 201, .pod_after = P_KEPT,
     .target = -1},
    {"4.3-29 both dryRun", {.phase = "Pending"}, .body = BODY("{\"dryRun\":[\"All\"]}"), .query = "All", .code = 201,
     .pod_after = P_KEPT, .target = -1},
    {"4.3-30 both dryRun with a PDB", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.allowed = 1, .cur = 1, .expected = 1},
     .body = BODY("{\"dryRun\":[\"All\"]}"), .query = "All", .code = 201, .pod_after = P_KEPT, .pdb_after = E_SAME,
     .target = -1},
    {"4.3-31 ignoreStoreReadErrorWithClusterBreakingPotential", {.phase = "Pending"},
     .body = BODY("{\"ignoreStoreReadErrorWithClusterBreakingPotential\":true}"), .code = 422, .reason = "Invalid",
     .message = "Eviction.policy \"p\" is invalid: deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential: "
                "Invalid value: true: can not be set for pod eviction, try after removing the option",
     .pod_after = P_KEPT, .target = -1},
    {"ignoreStoreRead... false is accepted", {.phase = "Pending"},
     .body = BODY("{\"ignoreStoreReadErrorWithClusterBreakingPotential\":false}"), .code = 201,
     .pod_after = P_DELETING},
    /* §4.5 preconditions (TestAddConditionAndDelete, through the handler) */
    {"4.5-34 options {}", {.phase = "Running", .ready = "True"}, .body = BODY("{}"), .code = 201, .pod_after = P_DELETING, .target = 1},
    {"4.5-35 pod missing", .no_pod = true, .code = 404, .reason = "NotFound", .message = "pods \"p\" not found"},
    {"4.5-36 right uid", {.phase = "Running", .ready = "True", .finalizer = true},
     .body = BODY("{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"uid-p\"}}"), .code = 201,
     .pod_after = P_DELETING, .target = 1},
    {"4.5-37 wrong uid", {.phase = "Running", .ready = "True"}, .body = BODY("{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"bad\"}}"),
     .code = 409, .reason = "Conflict",
     .message = "Operation cannot be fulfilled on Pod \"p\": the UID in the precondition (bad) does not match the UID in "
                "record (uid-p). The object might have been deleted and then recreated",
     .pod_after = P_KEPT, .target = -1},
    {"4.5-38 right resourceVersion", {.phase = "Running", .ready = "True", .finalizer = true},
     .body = BODY("{\"gracePeriodSeconds\":0,\"preconditions\":{\"resourceVersion\":\"$RV\"}}"), .code = 201,
     .pod_after = P_DELETING, .target = 1},
    {"4.5-39 wrong resourceVersion", {.phase = "Running", .ready = "True"},
     .body = BODY("{\"gracePeriodSeconds\":0,\"preconditions\":{\"resourceVersion\":\"1\"}}"), .code = 409,
     .reason = "Conflict",
     .message = "Operation cannot be fulfilled on Pod \"p\": the ResourceVersion in the precondition (1) does not match "
                "the ResourceVersion in record ($RV). The object might have been modified",
     .pod_after = P_KEPT, .target = -1},
    {"pending pod, wrong uid: 409 after the retries", {.phase = "Pending"},
     .body = BODY("{\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"bad\"}}"), .code = 409, .reason = "Conflict",
     .message = "Operation cannot be fulfilled on Pod \"p\": the UID in the precondition (bad) does not match the UID in "
                "record (uid-p). The object might have been deleted and then recreated",
     .pod_after = P_KEPT},
    {"C4: unready bypass + conflict, no user RV → gen-429", {.phase = "Running", .ready = "False"}, .npdb = 1,
     .pdb = {.cur = 2, .desired = 2}, .body = BODY("{\"preconditions\":{\"uid\":\"bad\"}}"), .code = 429,
     .reason = "TooManyRequests", .message = MSG_BUDGET, .cause = MSG_GEN, .retry = 10, .pod_after = P_KEPT,
     .target = -1},
    {"C4: with a user RV the 409 stays", {.phase = "Running", .ready = "False"}, .npdb = 1, .pdb = {.cur = 2, .desired = 2},
     .body = BODY("{\"preconditions\":{\"uid\":\"bad\",\"resourceVersion\":\"$RV\"}}"), .code = 409, .reason = "Conflict",
     .message = "Operation cannot be fulfilled on Pod \"p\": the UID in the precondition (bad) does not match the UID in "
                "record (uid-p). The object might have been deleted and then recreated",
     .pod_after = P_KEPT},
    /* §4.6 integration cases */
    {"4.6-41 terminal ready pod with a PDB", {.phase = "Succeeded", .ready = "True"}, .npdb = 1, .code = 201, .pod_after = P_GONE,
     .pdb_after = E_SAME},
    {"4.6-43 succeeded with finalizer gets DisruptionTarget", {.phase = "Succeeded", .ready = "True", .finalizer = true},
     .body = BODY("{}"), .code = 201, .pod_after = P_DELETING, .target = 1},
    {"4.6-43 running with finalizer gets DisruptionTarget", {.phase = "Running", .ready = "True", .finalizer = true}, .body = BODY("{}"),
     .code = 201, .pod_after = P_DELETING, .target = 1},
    {"4.6-43 running with finalizer, dry run: no condition", {.phase = "Running", .ready = "True", .finalizer = true},
     .body = BODY("{\"dryRun\":[\"All\"]}"), .code = 201, .pod_after = P_KEPT, .target = -1},
    {"4.6-44 unset, ready", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.allowed = 1, .cur = 1, .expected = 1},
     .code = 201, .pod_after = P_GONE, .pdb_after = E_DEC},
    {"4.6-44 IfHealthyBudget, ready", {.phase = "Running", .ready = "True"}, .npdb = 1,
     .pdb = {.allowed = 1, .cur = 1, .expected = 1, .policy = "IfHealthyBudget"}, .code = 201, .pod_after = P_GONE,
     .pdb_after = E_DEC},
    {"4.6-44 AlwaysAllow, ready", {.phase = "Running", .ready = "True"}, .npdb = 1,
     .pdb = {.allowed = 1, .cur = 1, .expected = 1, .policy = "AlwaysAllow"}, .code = 201, .pod_after = P_GONE,
     .pdb_after = E_DEC},
    {"4.6-44 AlwaysAllow, unready", {.phase = "Running", .ready = "False"}, .npdb = 1, .pdb = {.expected = 1, .policy = "AlwaysAllow"},
     .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.6-45 stale RV", {.phase = "Running", .ready = "True"}, .body = BODY("{\"preconditions\":{\"resourceVersion\":\"2\"}}"), .code = 409,
     .reason = "Conflict",
     .message = "Operation cannot be fulfilled on Pod \"p\": the ResourceVersion in the precondition (2) does not match "
                "the ResourceVersion in record ($RV). The object might have been modified",
     .pod_after = P_KEPT},
    {"4.6-45 right uid and RV", {.phase = "Running", .ready = "True"},
     .body = BODY("{\"preconditions\":{\"uid\":\"uid-p\",\"resourceVersion\":\"$RV\"}}"), .code = 201,
     .pod_after = P_DELETING, .target = 1},
    /* §4.7 derived */
    {"4.7-46 two PDBs, ready", {.phase = "Running", .ready = "True"}, .npdb = 2, .pdb = {.allowed = 1}, .code = 500,
     .message = MSG_MULTI, .pod_after = P_KEPT, .pdb_after = E_SAME, .target = -1},
    {"4.7-46 two PDBs, unready AlwaysAllow", {.phase = "Running", .ready = "False"}, .npdb = 2, .pdb = {.policy = "AlwaysAllow"},
     .code = 500, .message = MSG_MULTI, .pod_after = P_KEPT},
    {"4.7-46 two PDBs, dry run", {.phase = "Running", .ready = "True"}, .npdb = 2, .pdb = {.allowed = 1}, .query = "All", .code = 500,
     .message = MSG_MULTI, .pod_after = P_KEPT},
    {"4.7-46 two PDBs, pending", {.phase = "Pending"}, .npdb = 2, .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.7-47 fresh PDB → gen-429", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.allowed = 5, .stale = true}, .code = 429,
     .reason = "TooManyRequests", .message = MSG_BUDGET, .cause = MSG_GEN, .retry = 10, .pod_after = P_KEPT,
     .pdb_after = E_SAME, .target = -1},
    {"4.7-47 fresh PDB, unready AlwaysAllow", {.phase = "Running", .ready = "False"}, .npdb = 1,
     .pdb = {.allowed = 5, .stale = true, .policy = "AlwaysAllow"}, .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.7-48 missing pod", .no_pod = true, .url_name = "x", .body = "{\"metadata\":{\"name\":\"x\"}}", .code = 404,
     .reason = "NotFound", .message = "pods \"x\" not found"},
    {"4.7-49 namespace mismatch", {.phase = "Running"},
     .body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\",\"namespace\":\"other\"}}",
     .code = 400, .reason = "BadRequest",
     .message = "the namespace of the provided object does not match the namespace sent on the request",
     .pod_after = P_KEPT},
    {"4.7-50 dry-run mismatch", {.phase = "Running", .ready = "True"}, .body = BODY("{\"dryRun\":[\"Other\"]}"), .query = "All",
     .code = 500, .message = "Non-matching dry-run options in request and content: [All] and [Other]",
     .pod_after = P_KEPT},
    {"4.7-50 dry-run mismatch, two values", {.phase = "Pending"}, .body = BODY("{\"dryRun\":[\"All\",\"All\"]}"),
     .query = "All", .code = 500, .message = "Non-matching dry-run options in request and content: [All] and [All All]",
     .pod_after = P_KEPT},
    {"4.7-51 ready pod, allowed 2", {.phase = "Running", .ready = "True", .finalizer = true}, .npdb = 1,
     .pdb = {.allowed = 2, .cur = 3, .desired = 1, .expected = 3}, .code = 201, .pod_after = P_DELETING,
     .pdb_after = E_DEC, .target = 1},
    {"4.7-52 the same in dry run", {.phase = "Running", .ready = "True", .finalizer = true}, .npdb = 1,
     .pdb = {.allowed = 2, .cur = 3, .desired = 1, .expected = 3}, .query = "All", .code = 201, .pod_after = P_KEPT,
     .pdb_after = E_SAME, .target = -1},
    {"4.7-53 unready, current >= desired > 0", {.phase = "Running"}, .npdb = 1, .pdb = {.cur = 3, .desired = 2, .expected = 4},
     .code = 201, .pod_after = P_GONE, .pdb_after = E_SAME},
    {"4.7-54 bad propagationPolicy after DisruptionTarget", {.phase = "Running", .ready = "True"},
     .body = BODY("{\"propagationPolicy\":\"Bogus\"}"), .code = 422, .reason = "Invalid",
     .message = "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Bogus\": supported "
                "values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
     .pod_after = P_KEPT, .target = 1},
    {"bad propagationPolicy after the PDB decrement", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.allowed = 1},
     .body = BODY("{\"propagationPolicy\":\"Bogus\"}"), .code = 422, .reason = "Invalid", .pod_after = P_KEPT,
     .pdb_after = E_DEC, .target = 1},
    /* §3 rows not covered above */
    {"R-400-gv policy/v2", {.phase = "Pending"},
     .body = "{\"apiVersion\":\"policy/v2\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"}}", .code = 400,
     .reason = "BadRequest",
     .message = "Eviction in version \"v2\" cannot be handled as a Eviction: no kind \"Eviction\" is registered for "
                "version \"policy/v2\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"",
     .pod_after = P_KEPT},
    {"R-400-gv another group", {.phase = "Pending"}, .body = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}",
     .code = 400, .reason = "BadRequest",
     .message = "the API version in the data (v1) does not match the expected API version (policy/v1)", .pod_after = P_KEPT},
    {"R-400-gv another policy kind", {.phase = "Pending"},
     .body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"p\"}}", .code = 400,
     .reason = "BadRequest", .message = "not a Eviction object: *policy.PodDisruptionBudget", .pod_after = P_KEPT},
    {"decode error", {.phase = "Pending"}, .body = BODY("\"x\""), .code = 400, .reason = "BadRequest",
     .message = "Eviction in version \"v1\" cannot be handled as a Eviction: json: cannot unmarshal string into Go "
                "struct field Eviction.deleteOptions of type v1.DeleteOptions",
     .pod_after = P_KEPT},
    {"null dryRun element decodes to \"\"", {.phase = "Pending"}, .body = BODY("{\"dryRun\":[null]}"), .query = "All",
     .code = 500, .message = "Non-matching dry-run options in request and content: [All] and []", .pod_after = P_KEPT},
    {"body that is not an object", {.phase = "Pending"}, .body = "[1]", .code = 400, .reason = "BadRequest",
     .message = "couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type "
                "struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string "
                "\"json:\\\"kind,omitempty\\\"\" }",
     .pod_after = P_KEPT},
    {"missing name is a mismatch", {.phase = "Pending"}, .body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\"}", .code = 400,
     .reason = "BadRequest", .message = "name in URL does not match name in Eviction object", .pod_after = P_KEPT},
    {"R-404-ns", .no_pod = true, .url_ns = "gone", .code = 404, .reason = "NotFound",
     .message = "namespaces \"gone\" not found"},
    {"CreateOptions dryRun", {.phase = "Pending"}, .query = "Bogus", .code = 422, .reason = "Invalid",
     .message = "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Bogus\"}: supported "
                "values: \"All\"",
     .pod_after = P_KEPT},
    {"v1beta1 body, dry run", {.phase = "Pending"},
     .body = "{\"apiVersion\":\"policy/v1beta1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"},"
             "\"deleteOptions\":{\"dryRun\":[\"All\"]}}",
     .code = 201, .pod_after = P_KEPT},
    {"body without apiVersion/kind, dry run", {.phase = "Pending"},
     .body = "{\"metadata\":{\"name\":\"p\"},\"deleteOptions\":{\"dryRun\":[\"All\"]}}", .code = 201, .pod_after = P_KEPT},
    {"null selector matches nothing", {.phase = "Running", .ready = "True"}, .npdb = 1, .pdb = {.selector = "null"}, .code = 201,
     .pod_after = P_GONE, .pdb_after = E_SAME},
    {"no PDB: running pod with a grace period terminates", {.phase = "Running", .ready = "True"}, .body = BODY("{\"gracePeriodSeconds\":30}"),
     .code = 201, .pod_after = P_DELETING, .target = 1},
};

static const char *const policies[] = {NULL, "IfHealthyBudget", "AlwaysAllow"};

/* The cluster of a case: its pod and PDBs loaded; *rv the pod's resourceVersion ("" without one). */
static cluster *case_cluster(const ev_case *tc, const char *policy, bool override, char *rv, size_t rvlen)
{
    cluster *c = ev_cluster();
    cJSON *objs = cJSON_CreateArray();
    if (!tc->no_pod)
        cJSON_AddItemToArray(objs, mk_pod("p", &tc->pod));
    pdb_spec ps = tc->pdb;
    if (override)
        ps.policy = policy;
    if (tc->npdb >= 1)
        cJSON_AddItemToArray(objs, mk_pdb("foo", &ps));
    if (tc->npdb >= 2)
        cJSON_AddItemToArray(objs, mk_pdb("bar", &ps));
    ev_load(c, objs);
    store_obj *pod = get_pod(c, "p");
    snprintf(rv, rvlen, "%s", pod ? jstr(store_doc(pod), "metadata.resourceVersion") : "");
    return c;
}

static void run_case(const ev_case *tc, const char *policy_override, bool override)
{
    char id[256];
    snprintf(id, sizeof id, "%s [%s]", tc->id, override ? (policy_override ? policy_override : "unset") : "-");
    char rv[32];
    cluster *c = case_cluster(tc, policy_override, override, rv, sizeof rv);
    store_obj *pod = get_pod(c, "p");
    cJSON *pdb_before = tc->npdb ? cJSON_Duplicate(store_doc(get_pdb(c, "foo")), true) : NULL;
    cJSON *pod_before = pod ? cJSON_Duplicate(store_doc(pod), true) : NULL;
    char body[8192], msg[2048];
    api_result r = {0};
    evict(c, tc->url_ns ? tc->url_ns : "default", tc->url_name ? tc->url_name : "p",
          subst_rv(tc->body ? tc->body : DEFAULT_BODY, rv, body, sizeof body), tc->query, &r);
    check_status(&r, tc->code, tc->reason, subst_rv(tc->message, rv, msg, sizeof msg), tc->cause, tc->retry, id);

    pod = get_pod(c, "p");
    if (tc->pod_after == P_GONE)
        ck_assert_msg(!pod, "%s: pod still exists", id);
    if (tc->pod_after == P_KEPT) {
        ck_assert_msg(pod != NULL, "%s: pod gone", id);
        if (tc->target != 1)
            ck_assert_msg(cJSON_Compare(store_doc(pod), pod_before, true), "%s: pod changed", id);
    }
    if (tc->pod_after == P_DELETING) {
        ck_assert_msg(pod != NULL, "%s: pod gone", id);
        ck_assert_msg(jstr(store_doc(pod), "metadata.deletionTimestamp") != NULL, "%s: no deletionTimestamp", id);
    }
    if (tc->target && pod)
        ck_assert_msg(has_target(pod) == (tc->target == 1), "%s: DisruptionTarget %s", id,
                      has_target(pod) ? "present" : "absent");
    if (tc->pdb_after == E_SAME)
        ck_assert_msg(cJSON_Compare(store_doc(get_pdb(c, "foo")), pdb_before, true), "%s: PDB changed", id);
    if (tc->pdb_after == E_DEC) {
        const cJSON *d = store_doc(get_pdb(c, "foo"));
        ck_assert_int_eq(jnum(d, "status.disruptionsAllowed", -99), tc->pdb.allowed - 1); /* overrides change the policy only */
        ck_assert_str_eq(jstr(jget(d, "status.disruptedPods"), "p"), T0S);
        ck_assert_int_eq(jnum(d, "metadata.generation", 0), 1);
        ck_assert_str_ne(jstr(d, "metadata.resourceVersion"), jstr(pdb_before, "metadata.resourceVersion"));
    }
    /* every request is logged */
    const cJSON *e = cJSON_GetArrayItem(c->evictions, cJSON_GetArraySize(c->evictions) - 1);
    ck_assert_int_eq(cJSON_GetArraySize(c->evictions), 1);
    ck_assert_int_eq(jnum(e, "code", 0), tc->code);
    ck_assert_str_eq(jstr(e, "time"), T0S);
    ck_assert_msg(jstr(e, "explanation") && *jstr(e, "explanation"), "%s: no explanation", id);
    api_result_clear(&r);
    cJSON_Delete(pdb_before);
    cJSON_Delete(pod_before);
    cluster_free(c);
}

/* A case as written, or once per unhealthyPodEvictionPolicy when it says so. */
static void each_policy(const ev_case *tc, void (*fn)(const ev_case *, const char *, bool))
{
    if (!tc->all_policies) {
        fn(tc, NULL, false);
        return;
    }
    for (int p = 0; p < 3; p++)
        fn(tc, policies[p], true);
}

START_TEST(eviction_table)
{
    each_policy(&cases[_i], run_case);
}
END_TEST

/* The server asks for its answers as text (evict_req.text): every case of
 * the table, run on two identical clusters, answers the same bytes, the
 * same code and Retry-After, logs the same entry and leaves the same
 * cluster either way. */
/* The namespaces' uids are random: the snapshots are compared without. */
static void strip_uids(cJSON *o)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, "uid");
    for (cJSON *c = o->child; c; c = c->next)
        if (cJSON_IsObject(c) || cJSON_IsArray(c))
            strip_uids(c);
}

static void text_case(const ev_case *tc, const char *policy, bool override)
{
    char rv[32], body[8192];
    cluster *c[2];
    api_result r[2] = {{0}};
    char *answer[2], *log[2], *snap[2];
    for (int t = 0; t < 2; t++) {
        c[t] = case_cluster(tc, policy, override, rv, sizeof rv);
        const char *b = subst_rv(tc->body ? tc->body : DEFAULT_BODY, rv, body, sizeof body);
        evict_req rq = {.ns = tc->url_ns ? tc->url_ns : "default", .name = tc->url_name ? tc->url_name : "p",
                        .body = b, .body_len = strlen(b), .body_type = BODY_JSON, .dry_run_query = tc->query,
                        .text = t == 1};
        evict_pod(c[t], &rq, &r[t]);
        if (t == 0)
            ck_assert_msg(!r[t].text.s && r[t].body, "%s: a tree was asked for", tc->id);
        answer[t] = r[t].text.s ? strdup(r[t].text.s) : jprint(r[t].body);
        strbuf lb = {0};
        evict_log_print(c[t], &lb);
        log[t] = lb.s;
        if (t == 0) {
            char *objs = jprint(c[t]->evictions);
            ck_assert_str_eq(objs, log[t]);
            free(objs);
        }
        cJSON *sn = cluster_snapshot(c[t]);
        strip_uids(sn);
        snap[t] = jprint(sn);
        cJSON_Delete(sn);
    }
    if (tc->code == 201 || (tc->code == 429 && tc->cause))
        ck_assert_msg(r[1].text.s && !r[1].body, "%s: the common answer was not written as text", tc->id);
    ck_assert_msg(!strcmp(answer[0], answer[1]), "%s:\n tree %s\n text %s", tc->id, answer[0], answer[1]);
    ck_assert_int_eq(r[0].code, r[1].code);
    ck_assert_int_eq(r[0].retry_after, r[1].retry_after);
    ck_assert_msg(r[1].text.s == NULL || r[1].text.len == strlen(r[1].text.s), "%s: text length", tc->id);
    ck_assert_msg(!strcmp(log[0], log[1]), "%s: the logs differ", tc->id);
    ck_assert_msg(!strcmp(snap[0], snap[1]), "%s: the clusters differ", tc->id);
    for (int t = 0; t < 2; t++) {
        free(answer[t]);
        free(log[t]);
        free(snap[t]);
        api_result_clear(&r[t]);
        cluster_free(c[t]);
    }
}

START_TEST(eviction_text_same_as_tree)
{
    each_policy(&cases[_i], text_case);
}
END_TEST

/* ---- cases with their own setup ------------------------------------------ */

START_TEST(namespace_terminating)
{
    cluster *c = ev_cluster();
    ev_load(c, cJSON_Parse("[{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"term\"},"
                           "\"status\":{\"phase\":\"Terminating\"}}]"));
    api_result r = {0};
    evict(c, "term", "p", "{\"metadata\":{\"name\":\"p\"}}", NULL, &r);
    ck_assert_int_eq(r.code, 403);
    ck_assert_str_eq(jstr(r.body, "reason"), "Forbidden");
    ck_assert_str_eq(jstr(r.body, "message"), "pods \"p\" is forbidden: unable to create new content in namespace "
                                              "term because it is being terminated");
    const cJSON *c0 = jget(r.body, "details.causes")->child;
    ck_assert_str_eq(jstr(c0, "reason"), "NamespaceTerminating");
    ck_assert_str_eq(jstr(c0, "message"), "namespace term is being terminated");
    ck_assert_str_eq(jstr(c0, "field"), "metadata.namespace");
    ck_assert_str_eq(jstr(r.body, "details.kind"), "pods");
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* §4.4 case 32: allowed 1 → 0 flips DisruptionAllowed to InsufficientPods. */
START_TEST(pdb_status_condition_flips)
{
    cluster *c = ev_cluster();
    pod_spec ps = {.phase = "Running"};
    pdb_spec bs = {.allowed = 1, .expected = 2};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("foo-1", &ps));
    cJSON_AddItemToArray(objs, mk_pod("foo-2", &ps));
    cJSON *pdb = mk_pdb("foo", &bs);
    cJSON_AddItemToObject(jobj(pdb, "status"), "conditions",
                          cJSON_Parse("[{\"type\":\"DisruptionAllowed\",\"status\":\"True\",\"observedGeneration\":1,"
                                      "\"lastTransitionTime\":\"2024-01-01T00:00:00Z\",\"reason\":\"SufficientPods\","
                                      "\"message\":\"\"}]"));
    cJSON_AddItemToArray(objs, pdb);
    ev_load(c, objs);
    api_result r = {0};
    evict(c, "default", "foo-1", "{\"metadata\":{\"name\":\"foo-1\"},\"deleteOptions\":{\"gracePeriodSeconds\":0}}",
          NULL, &r);
    ck_assert_int_eq(r.code, 201);
    const cJSON *st = jget(store_doc(get_pdb(c, "foo")), "status");
    ck_assert_int_eq(jnum(st, "disruptionsAllowed", -1), 0);
    char *cond = cJSON_PrintUnformatted(cJSON_GetArrayItem(jget(st, "conditions"), 0));
    ck_assert_str_eq(cond, "{\"type\":\"DisruptionAllowed\",\"status\":\"False\",\"observedGeneration\":1,"
                           "\"lastTransitionTime\":\"" T0S "\",\"reason\":\"InsufficientPods\",\"message\":\"\"}");
    free(cond);
    ck_assert_str_eq(jstr(jget(st, "disruptedPods"), "foo-1"), T0S);
    ck_assert_ptr_null(get_pod(c, "foo-1"));
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* §4.4 case 33: allowed 3 → 2 leaves the condition alone. */
START_TEST(pdb_status_condition_kept)
{
    cluster *c = ev_cluster();
    pod_spec ps = {.phase = "Running"};
    pdb_spec bs = {.allowed = 3, .expected = 2};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("foo-1", &ps));
    cJSON *pdb = mk_pdb("foo", &bs);
    const char *conds = "[{\"type\":\"DisruptionAllowed\",\"status\":\"True\",\"observedGeneration\":1,"
                        "\"lastTransitionTime\":\"2024-01-01T00:00:00Z\",\"reason\":\"SufficientPods\",\"message\":\"\"}]";
    cJSON_AddItemToObject(jobj(pdb, "status"), "conditions", cJSON_Parse(conds));
    cJSON_AddItemToArray(objs, pdb);
    ev_load(c, objs);
    api_result r = {0};
    evict(c, "default", "foo-1", "{\"metadata\":{\"name\":\"foo-1\"}}", NULL, &r);
    ck_assert_int_eq(r.code, 201);
    const cJSON *st = jget(store_doc(get_pdb(c, "foo")), "status");
    ck_assert_int_eq(jnum(st, "disruptionsAllowed", -1), 2);
    cJSON *want = cJSON_Parse(conds);
    ck_assert(cJSON_Compare(jget(st, "conditions"), want, true));
    cJSON_Delete(want);
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* DisruptionTarget: appended with lastProbeTime null; kept when identical. */
START_TEST(disruption_target_condition)
{
    cluster *c = ev_cluster();
    pod_spec ps = {.phase = "Running", .ready = "True", .finalizer = true};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("p", &ps));
    ev_load(c, objs);
    api_result r = {0};
    evict(c, "default", "p", DEFAULT_BODY, NULL, &r);
    ck_assert_int_eq(r.code, 201);
    api_result_clear(&r);
    store_obj *pod = get_pod(c, "p");
    char *cond = cJSON_PrintUnformatted(cJSON_GetArrayItem(jget(store_doc(pod), "status.conditions"), 1));
    ck_assert_str_eq(cond, "{\"type\":\"DisruptionTarget\",\"status\":\"True\",\"lastProbeTime\":null,"
                           "\"lastTransitionTime\":\"" T0S "\",\"reason\":\"EvictionByEvictionAPI\","
                           "\"message\":\"Eviction API: evicting\"}");
    free(cond);
    /* a second eviction later: the condition is identical, no status write */
    clock_advance(c->clk, 5);
    uint64_t rv = pod->rv;
    evict(c, "default", "p", BODY("{\"gracePeriodSeconds\":0,\"preconditions\":{\"resourceVersion\":\"x\"}}"), NULL, &r);
    ck_assert_int_eq(r.code, 409); /* the RV precondition is checked; nothing was written */
    ck_assert_uint_eq(get_pod(c, "p")->rv, rv);
    api_result_clear(&r);
    evict(c, "default", "p", DEFAULT_BODY, NULL, &r);
    ck_assert_int_eq(r.code, 201);
    pod = get_pod(c, "p");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(jget(store_doc(pod), "status.conditions"), 1), "lastTransitionTime"), T0S);
    ck_assert_uint_eq(pod->rv, rv);
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* A replaced condition keeps lastTransitionTime when it was already True. */
START_TEST(disruption_target_replaced)
{
    cluster *c = ev_cluster();
    pod_spec ps = {.phase = "Running", .ready = "True", .finalizer = true};
    cJSON *pod = mk_pod("p", &ps);
    cJSON_AddItemToArray(jget(pod, "status.conditions"),
                         cJSON_Parse("{\"type\":\"DisruptionTarget\",\"status\":\"True\",\"lastProbeTime\":null,"
                                     "\"lastTransitionTime\":\"2024-06-01T00:00:00Z\",\"reason\":\"Other\","
                                     "\"message\":\"m\"}"));
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, pod);
    ev_load(c, objs);
    api_result r = {0};
    char body[512];
    snprintf(body, sizeof body, BODY("{\"gracePeriodSeconds\":0,\"preconditions\":{\"resourceVersion\":\"%llu\"}}"),
             (unsigned long long)get_pod(c, "p")->rv);
    evict(c, "default", "p", body, NULL, &r);
    ck_assert_int_eq(r.code, 201); /* the RV precondition follows our own status write */
    const cJSON *conds = jget(store_doc(get_pod(c, "p")), "status.conditions");
    ck_assert_int_eq(cJSON_GetArraySize(conds), 2);
    const cJSON *t = cJSON_GetArrayItem(conds, 1);
    ck_assert_str_eq(jstr(t, "reason"), "EvictionByEvictionAPI");
    ck_assert_str_eq(jstr(t, "lastTransitionTime"), "2024-06-01T00:00:00Z");
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* §4.6 case 40: ten evictions against one budget of ten, then one more. */
START_TEST(budget_never_overspent)
{
    cluster *c = ev_cluster();
    cJSON *objs = cJSON_CreateArray();
    pod_spec ps = {.phase = "Running", .ready = "True"};
    for (int i = 0; i < 10; i++) {
        char n[16];
        snprintf(n, sizeof n, "p%d", i);
        cJSON_AddItemToArray(objs, mk_pod(n, &ps));
    }
    cJSON_AddItemToArray(objs, mk_pod("p10", &ps));
    pdb_spec bs = {.allowed = 10, .cur = 11, .expected = 11, .desired = 1};
    cJSON_AddItemToArray(objs, mk_pdb("foo", &bs));
    ev_load(c, objs);
    for (int i = 0; i <= 10; i++) {
        char n[16], body[128];
        snprintf(n, sizeof n, "p%d", i);
        snprintf(body, sizeof body, "{\"metadata\":{\"name\":\"%s\"},\"deleteOptions\":{\"gracePeriodSeconds\":30}}", n);
        api_result r = {0};
        evict(c, "default", n, body, NULL, &r);
        ck_assert_int_eq(r.code, i < 10 ? 201 : 429);
        api_result_clear(&r);
    }
    const cJSON *st = jget(store_doc(get_pdb(c, "foo")), "status");
    ck_assert_int_eq(jnum(st, "disruptionsAllowed", -1), 0);
    ck_assert_int_eq(cJSON_GetArraySize(jget(st, "disruptedPods")), 10);
    ck_assert_ptr_nonnull(jstr(store_doc(get_pod(c, "p0")), "metadata.deletionTimestamp"));
    ck_assert_int_eq(jnum(store_doc(get_pod(c, "p0")), "metadata.deletionGracePeriodSeconds", 0), 30);
    ck_assert_ptr_null(jstr(store_doc(get_pod(c, "p10")), "metadata.deletionTimestamp"));
    cluster_free(c);
}
END_TEST

/* An invalid selector is skipped (stored directly: validation would refuse it). */
START_TEST(invalid_selector_skipped)
{
    cluster *c = ev_cluster();
    pod_spec ps = {.phase = "Running", .ready = "True"};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("p", &ps));
    ev_load(c, objs);
    pdb_spec bs = {.selector = "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Bogus\",\"values\":[\"x\"]}]}"};
    store_insert(c->st, K_PDB, mk_pdb("foo", &bs));
    api_result r = {0};
    evict(c, "default", "p", DEFAULT_BODY, NULL, &r);
    ck_assert_int_eq(r.code, 201);
    ck_assert_ptr_null(get_pod(c, "p"));
    ck_assert(cJSON_IsNull(jget(cJSON_GetArrayItem(c->evictions, 0), "pdb")));
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* YAML bodies are decoded like JSON. */
START_TEST(yaml_body)
{
    cluster *c = ev_cluster();
    pod_spec ps = {.phase = "Pending"};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("p", &ps));
    ev_load(c, objs);
    const char *y = "apiVersion: policy/v1\nkind: Eviction\nmetadata:\n  name: p\ndeleteOptions:\n  dryRun: [All]\n";
    evict_req rq = {.ns = "default", .name = "p", .body = y, .body_len = strlen(y), .body_type = BODY_YAML};
    api_result r = {0};
    evict_pod(c, &rq, &r);
    ck_assert_int_eq(r.code, 201);
    ck_assert_ptr_nonnull(get_pod(c, "p"));
    ck_assert(cJSON_IsTrue(jget(cJSON_GetArrayItem(c->evictions, 0), "dryRun")));
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* The eviction log: entries, fields and explanations. */
/* Three web pods (one not Ready) under PDB "web" (with minAvailable when
 * min > 0) and a Pending pod outside it. */
static cluster *log_cluster(int min)
{
    cluster *c = ev_cluster();
    pod_spec ready = {.phase = "Running", .ready = "True", .labels = "{\"app\":\"web\"}"};
    pod_spec unready = {.phase = "Running", .ready = "False", .labels = "{\"app\":\"web\"}"};
    pod_spec pending = {.phase = "Pending"};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("web-0", &ready));
    cJSON_AddItemToArray(objs, mk_pod("web-1", &unready));
    cJSON_AddItemToArray(objs, mk_pod("web-2", &ready));
    cJSON_AddItemToArray(objs, mk_pod("other", &pending));
    pdb_spec bs = {.selector = "{\"matchLabels\":{\"app\":\"web\"}}", .cur = 2, .desired = 2, .expected = 3};
    cJSON *pdb = mk_pdb("web", &bs);
    if (min > 0)
        jset_num(jobj(pdb, "spec"), "minAvailable", min);
    cJSON_AddItemToArray(objs, pdb);
    ev_load(c, objs);
    return c;
}

START_TEST(eviction_log_explains)
{
    cluster *c = log_cluster(2);
    api_result r = {0};
    evict(c, "default", "web-0", "{\"metadata\":{\"name\":\"web-0\"}}", NULL, &r);
    ck_assert_int_eq(r.code, 429);
    api_result_clear(&r);
    evict(c, "default", "other", "{\"metadata\":{\"name\":\"other\"},\"deleteOptions\":{\"gracePeriodSeconds\":0}}",
          NULL, &r);
    ck_assert_int_eq(r.code, 201);
    api_result_clear(&r);
    evict(c, "default", "web-1", "{\"metadata\":{\"name\":\"web-1\"},\"deleteOptions\":{\"gracePeriodSeconds\":0}}",
          "All", &r);
    ck_assert_int_eq(r.code, 201);
    api_result_clear(&r);
    ck_assert_int_eq(cJSON_GetArraySize(c->evictions), 3);
    char *e0 = cJSON_PrintUnformatted(cJSON_GetArrayItem(c->evictions, 0));
    ck_assert_str_eq(e0, "{\"time\":\"" T0S "\",\"namespace\":\"default\",\"pod\":\"web-0\",\"dryRun\":false,"
                         "\"code\":429,\"reason\":\"TooManyRequests\",\"message\":\"" MSG_BUDGET "\",\"pdb\":\"web\","
                         "\"explanation\":\"PDB web: minAvailable 2 of 3 expected; 2 healthy (web-1 not ready); "
                         "desired 2 → 0 disruptions allowed → refused\"}");
    free(e0);
    const cJSON *e1 = cJSON_GetArrayItem(c->evictions, 1);
    ck_assert_str_eq(jstr(e1, "explanation"), "pod is Pending: PDBs are not checked → deleted");
    ck_assert(cJSON_IsNull(jget(e1, "pdb")));
    ck_assert_str_eq(jstr(e1, "reason"), "");
    ck_assert_str_eq(jstr(e1, "message"), "");
    const cJSON *e2 = cJSON_GetArrayItem(c->evictions, 2);
    ck_assert(cJSON_IsTrue(jget(e2, "dryRun")));
    ck_assert_str_eq(jstr(e2, "explanation"), "PDB web: pod not ready and the budget is met without it (2 healthy ≥ "
                                              "desired 2 > 0) → allowed without using the budget → would be deleted "
                                              "(dry run: nothing written)");
    cluster_free(c);
}
END_TEST

START_TEST(eviction_log_allowed_and_bounded)
{
    cluster *c = ev_cluster();
    pod_spec ready = {.phase = "Running", .ready = "True"};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("p", &ready));
    pdb_spec bs = {.allowed = 1, .cur = 1, .expected = 1};
    cJSON_AddItemToArray(objs, mk_pdb("foo", &bs));
    ev_load(c, objs);
    api_result r = {0};
    evict(c, "default", "p", DEFAULT_BODY, NULL, &r);
    api_result_clear(&r);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(c->evictions, 0), "explanation"),
                     "PDB foo: minAvailable 0 of 1 expected; 1 healthy; desired 0 → 1 disruption allowed → "
                     "allowed (1 → 0) → deleted");
    for (int i = 0; i < EVICT_LOG_MAX + 5; i++) {
        evict(c, "default", "gone", "{\"metadata\":{\"name\":\"gone\"}}", NULL, &r);
        api_result_clear(&r);
    }
    ck_assert_int_eq(cJSON_GetArraySize(c->evictions), EVICT_LOG_MAX);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(c->evictions, 0), "pod"), "gone");
    cluster_free(c);
}
END_TEST

/* The log of the server's requests (kept as records) prints as the log of
 * the same requests made without text (entry objects), entry for entry,
 * stays bounded, and becomes the same objects when a request without text
 * is logged after them. */
static char *log_json(cluster *c)
{
    strbuf b = {0};
    evict_log_print(c, &b);
    return b.s;
}

static void log_requests(cluster *c, int from, int to, bool text)
{
    static const char *const bodies[] = {
        "{\"metadata\":{\"name\":\"web-0\"}}",
        "{\"metadata\":{\"name\":\"web-1\"},\"deleteOptions\":{\"dryRun\":[\"All\"]}}",
        "{\"metadata\":{\"name\":\"gone\"}}",
        "{\"metadata\":{\"name\":\"web-2\"}}",
        "{\"metadata\":{\"name\":\"other\"},\"deleteOptions\":{\"dryRun\":[\"All\"]}}",
        "{\"metadata\":{\"name\":\"web-0\"}, \"kind\":\"Pod\"}",
        "not json \" \\ \x01",
    };
    static const char *const pods[] = {"web-0", "web-1", "gone", "web-2", "other", "web-0", "q\"uote\\d\ttab"};
    for (int i = from; i < to; i++) {
        int k = i % 7;
        evict_req rq = {.ns = "default", .name = pods[k], .body = bodies[k], .body_len = strlen(bodies[k]),
                        .body_type = BODY_JSON, .dry_run_query = i % 5 == 1 ? "All" : NULL, .text = text};
        api_result r = {0};
        evict_pod(c, &rq, &r);
        api_result_clear(&r);
    }
}


START_TEST(eviction_log_records)
{
    /* the same requests, with and without text, in runs of these lengths */
    static const int runs[] = {1, 6, 40, EVICT_LOG_MAX - 3, 7, EVICT_LOG_MAX + 9, 2, 3};
    cluster *tree = log_cluster(0), *mixed = log_cluster(0);
    int done = 0;
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        bool text = i % 2 == 0 || i == 5;
        log_requests(tree, done, done + runs[i], false);
        log_requests(mixed, done, done + runs[i], text);
        done += runs[i];
        char *want = jprint(tree->evictions), *got = log_json(mixed);
        ck_assert_msg(!strcmp(want, got), "run %zu: the logs differ (%zu and %zu bytes)", i, strlen(want),
                      strlen(got));
        ck_assert_int_eq(cJSON_GetArraySize(tree->evictions), done < EVICT_LOG_MAX ? done : EVICT_LOG_MAX);
        if (!text) /* logged without text: everything is an object again */
            ck_assert_int_eq(cJSON_GetArraySize(mixed->evictions), cJSON_GetArraySize(tree->evictions));
        free(want);
        free(got);
    }
    evict_log_objects(mixed);
    char *want = jprint(tree->evictions), *got = jprint(mixed->evictions);
    ck_assert_msg(!strcmp(want, got), "the logs' objects differ");
    free(want);
    free(got);
    /* what was logged, spelled out */
    cluster *c = log_cluster(0);
    log_requests(c, 0, 2, true);
    char *t = log_json(c);
    ck_assert_str_eq(t, "[{\"time\":\"" T0S "\",\"namespace\":\"default\",\"pod\":\"web-0\",\"dryRun\":false,"
                        "\"code\":429,\"reason\":\"TooManyRequests\",\"message\":\"" MSG_BUDGET "\",\"pdb\":\"web\","
                        "\"explanation\":\"PDB web: minAvailable 0 of 3 expected; 2 healthy (web-1 not ready); desired 2 → 0 "
                        "disruptions allowed → refused\"},{\"time\":\"" T0S "\",\"namespace\":\"default\",\"pod\":"
                        "\"web-1\",\"dryRun\":true,\"code\":201,\"reason\":\"\",\"message\":\"\",\"pdb\":\"web\","
                        "\"explanation\":\"PDB web: pod not ready and the budget is met without it (2 healthy ≥ "
                        "desired 2 > 0) → allowed without using the budget → would be deleted (dry run: nothing "
                        "written)\"}]");
    free(t);
    cluster_free(c);
    cluster_free(tree);
    cluster_free(mixed);
}
END_TEST

/* ---- server routes: 405 and 415 ------------------------------------------- */

static void route_call(cluster *c, const char *method, const char *ct, http_resp *out)
{
    static char *segs[] = {"api", "v1", "namespaces", "default", "pods", "p", "eviction"};
    http_req rq = {0};
    rq.method = method;
    for (int i = 0; i < 7; i++)
        rq.seg[i] = segs[i];
    rq.nseg = 7;
    rq.content_type = ct;
    rq.body = "{\"metadata\":{\"name\":\"p\"},\"deleteOptions\":{\"dryRun\":[\"All\"]}}";
    rq.body_len = strlen(rq.body);
    rq.c = c;
    for (const http_route *rt = eviction_routes; rt->pattern; rt++)
        if (!strcmp(rt->method, "*") || !strcmp(rt->method, method)) {
            rt->fn(&rq, out);
            return;
        }
    ck_abort_msg("no route for %s", method);
}

START_TEST(server_routes)
{
    cluster *c = ev_cluster();
    pod_spec ps = {.phase = "Pending"};
    cJSON *objs = cJSON_CreateArray();
    cJSON_AddItemToArray(objs, mk_pod("p", &ps));
    ev_load(c, objs);
    http_resp out = {0};
    route_call(c, "GET", NULL, &out);
    ck_assert_int_eq(out.r.code, 405);
    ck_assert_str_eq(jstr(out.r.body, "reason"), "MethodNotAllowed");
    api_result_clear(&out.r);
    route_call(c, "PATCH", "application/merge-patch+json", &out);
    ck_assert_int_eq(out.r.code, 405);
    api_result_clear(&out.r);
    route_call(c, "POST", "text/plain", &out);
    ck_assert_int_eq(out.r.code, 415);
    ck_assert_str_eq(jstr(out.r.body, "reason"), "UnsupportedMediaType");
    ck_assert_str_eq(jstr(out.r.body, "message"), "the body of the request was in an unknown format - accepted media "
                                                  "types include: application/json, application/yaml, "
                                                  "application/vnd.kubernetes.protobuf");
    api_result_clear(&out.r);
    route_call(c, "POST", "application/json; charset=utf-8", &out);
    ck_assert_int_eq(out.r.code, 201);
    api_result_clear(&out.r);
    route_call(c, "POST", NULL, &out);
    ck_assert_int_eq(out.r.code, 201);
    api_result_clear(&out.r);
    ck_assert_ptr_nonnull(get_pod(c, "p"));
    cluster_free(c);
}
END_TEST

/* A load read as it is parsed: the first failure counts by its place among
 * the objects put, undo takes back the last ones (and a failure among them),
 * and nothing goes in unless everything was fine. */
/* Manifests loaded as they are read: every object of every path, in order;
 * a manifest that cannot be read loads nothing; a bad object gives the
 * load's Status. */
static char *tmp_manifest(const char *text)
{
    char *path = strdup("/tmp/evictsim-paths-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

START_TEST(load_paths_all_or_nothing)
{
    cluster *c = ev_cluster();
    strbuf big = {0};
    strbuf_puts(&big, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
    for (int i = 0; i < 700; i++)
        strbuf_printf(&big, "%s{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%d\"},"
                            "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
                      i ? "," : "", i);
    strbuf_puts(&big, "]}");
    char *a = tmp_manifest(big.s);
    char *b = tmp_manifest("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p0\n  labels: {second: \"yes\"}\n"
                           "spec:\n  containers: [{name: c, image: i}]\n");
    char *bad = tmp_manifest("kind: [\n");
    char *invalid = tmp_manifest("{\"apiVersion\":\"v1\",\"kind\":\"Nope\",\"metadata\":{\"name\":\"x\"}}");
    api_result r = {0};
    char *merr = NULL;
    const char *both[] = {a, b};
    ck_assert_int_eq(cluster_load_paths(c, both, 2, &r, &merr), 701);
    ck_assert_ptr_null(merr);
    ck_assert_uint_eq(store_count(c->st, K_POD), 700);
    ck_assert_str_eq(jstr(store_doc(store_get(c->st, K_POD, "default", "p0")), "metadata.labels.second"), "yes");
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "p699"));
    uint64_t rv = store_rv(c->st);

    const char *with_bad[] = {a, bad};
    ck_assert_int_eq(cluster_load_paths(c, with_bad, 2, &r, &merr), -1);
    ck_assert_ptr_nonnull(merr);
    ck_assert_ptr_nonnull(strstr(merr, "document 1: yaml: line"));
    free(merr);
    merr = NULL;
    ck_assert_uint_eq(store_rv(c->st), rv);

    const char *with_invalid[] = {b, invalid};
    ck_assert_int_eq(cluster_load_paths(c, with_invalid, 2, &r, &merr), -1);
    ck_assert_ptr_null(merr);
    ck_assert_str_eq(jstr(r.body, "message"), "object 2: no kind \"Nope\" is registered for version \"v1\"");
    ck_assert_uint_eq(store_rv(c->st), rv);
    api_result_clear(&r);
    unlink(a), unlink(b), unlink(bad), unlink(invalid);
    free(a), free(b), free(bad), free(invalid), free(big.s);
    cluster_free(c);
}
END_TEST

/* A big list loads the same on one thread and on several: the same
 * objects (a reload keeps each object's uid, which reads the stored one),
 * and the same answer when objects in the middle are invalid. */
static char *threads_list(bool uids, int invalid_at, int invalid_too)
{
    strbuf t = {0};
    strbuf_puts(&t, "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[");
    for (int i = 0; i < 900; i++) {
        strbuf_printf(&t, "%s{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%d\",\"namespace\":\"ns%d\","
                          "\"labels\":{\"app\":\"a%d\"}",
                      i ? "," : "", i, i % 3, i % 10);
        if (uids)
            strbuf_printf(&t, ",\"uid\":\"00000000-0000-4000-8000-%012d\"", i);
        strbuf_printf(&t, "},\"spec\":{\"containers\":[{\"name\":\"c\"%s}]}}",
                      i == invalid_at || i == invalid_too ? "" : ",\"image\":\"i\"");
    }
    strbuf_puts(&t, "]}");
    char *path = tmp_manifest(t.s);
    free(t.s);
    return path;
}

/* a and b are the same text (when not, where they part) */
static void same_text(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    ck_assert_msg(a[i] == b[i], "they part at %zu: %.120s | %.120s", i, a + (i > 60 ? i - 60 : 0),
                  b + (i > 60 ? i - 60 : 0));
}

static char *threads_load(int threads, const char *first, const char *second, char **msg)
{
    char n[8];
    snprintf(n, sizeof n, "%d", threads);
    setenv("EVICTSIM_LOAD_THREADS", n, 1);
    cluster *c = ev_cluster();
    api_result r = {0};
    char *merr = NULL;
    ck_assert_int_eq(cluster_load_paths(c, &first, 1, &r, &merr), 900);
    int rc = cluster_load_paths(c, &second, 1, &r, &merr);
    *msg = rc < 0 ? strdup(jstr(r.body, "message")) : NULL;
    ck_assert_int_eq(rc, *msg ? -1 : 900);
    cJSON *snap = cluster_snapshot(c), *o;
    cJSON_ArrayForEach(o, jget(snap, "items")) /* made by the cluster, with uids of chance */
        if (strcmp(jstr(o, "kind"), "Pod"))
            jdel(jobj(o, "metadata"), "uid");
    char *text = jprint(snap);
    cJSON_Delete(snap);
    api_result_clear(&r);
    cluster_free(c);
    unsetenv("EVICTSIM_LOAD_THREADS");
    return text;
}

START_TEST(load_threads_same_answers)
{
    meta_seed(0); /* a scenario run before may have seeded the uids, which keeps loads on one thread */
    cluster *c = ev_cluster();
    cluster_loader *l = cluster_loader_new(c);
    bool threads = cluster_loader_sink(l).prepare != NULL;
    ck_assert_msg(threads, "a big list is not read on several threads");
    cluster_loader_discard(l);
    cluster_free(c);
    char *with_uids = threads_list(true, -1, -1), *reload = threads_list(false, -1, -1),
         *invalid = threads_list(false, 400, 700);
    char *m1, *m2;
    char *one = threads_load(1, with_uids, reload, &m1), *two = threads_load(2, with_uids, reload, &m2);
    ck_assert_ptr_null(m1);
    ck_assert_ptr_null(m2);
    same_text(one, two);
    ck_assert_ptr_nonnull(strstr(one, "\"uid\":\"00000000-0000-4000-8000-000000000899\""));
    free(one), free(two);
    one = threads_load(1, with_uids, invalid, &m1);
    two = threads_load(2, with_uids, invalid, &m2);
    same_text(one, two); /* nothing of the failed load went in */
    ck_assert_str_eq(m1, "Pod \"p400\" is invalid: spec.containers[0].image: Required value");
    ck_assert_str_eq(m2, m1);
    free(one), free(two), free(m1), free(m2);
    unlink(with_uids), unlink(reload), unlink(invalid);
    free(with_uids), free(reload), free(invalid);
}
END_TEST

START_TEST(loader_undo_and_all_or_nothing)
{
    cluster *c = ev_cluster();
    const char *pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
                      "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}";
    const char *bad = "{\"apiVersion\":\"v1\",\"kind\":\"Nope\",\"metadata\":{\"name\":\"x\"}}";
    char buf[256];
#define PUT_POD(l, n) (snprintf(buf, sizeof buf, pod, n), cluster_loader_put(l, cJSON_Parse(buf)))
    api_result r = {0};
    cluster_loader *l = cluster_loader_new(c);
    PUT_POD(l, "a");
    cluster_loader_put(l, cJSON_Parse(bad));
    PUT_POD(l, "c");
    cluster_loader_undo(l, 2);
    PUT_POD(l, "d");
    ck_assert_int_eq(cluster_loader_finish(l, &r), 2);
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "a"));
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "d"));
    ck_assert_ptr_null(store_get(c->st, K_POD, "default", "c"));
    ck_assert_str_eq(jstr(store_doc(store_get(c->st, K_POD, "default", "d")), "status.phase"), "Pending");
    uint64_t rv = store_rv(c->st);

    l = cluster_loader_new(c);
    PUT_POD(l, "e");
    PUT_POD(l, "f");
    cluster_loader_put(l, cJSON_Parse(bad));
    PUT_POD(l, "g");
    ck_assert_int_eq(cluster_loader_finish(l, &r), -1);
    ck_assert_int_eq(r.code, 400);
    ck_assert_str_eq(jstr(r.body, "message"), "object 3: no kind \"Nope\" is registered for version \"v1\"");
    ck_assert_ptr_null(store_get(c->st, K_POD, "default", "e"));
    ck_assert_uint_eq(store_rv(c->st), rv);
    api_result_clear(&r);
#undef PUT_POD
    cluster_free(c);
}
END_TEST

Suite *eviction_suite(void)
{
    Suite *s = suite_create("eviction");
    TCase *tc = tcase_create("eviction");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, eviction_table, 0, (int)(sizeof cases / sizeof *cases));
    tcase_add_loop_test(tc, eviction_text_same_as_tree, 0, (int)(sizeof cases / sizeof *cases));
    tcase_add_test(tc, namespace_terminating);
    tcase_add_test(tc, pdb_status_condition_flips);
    tcase_add_test(tc, pdb_status_condition_kept);
    tcase_add_test(tc, disruption_target_condition);
    tcase_add_test(tc, disruption_target_replaced);
    tcase_add_test(tc, budget_never_overspent);
    tcase_add_test(tc, invalid_selector_skipped);
    tcase_add_test(tc, yaml_body);
    tcase_add_test(tc, eviction_log_explains);
    tcase_add_test(tc, eviction_log_allowed_and_bounded);
    tcase_add_test(tc, eviction_log_records);
    tcase_add_test(tc, server_routes);
    tcase_add_test(tc, loader_undo_and_all_or_nothing);
    tcase_add_test(tc, load_paths_all_or_nothing);
    tcase_add_test(tc, load_threads_same_answers);
    suite_add_tcase(s, tc);
    return s;
}
