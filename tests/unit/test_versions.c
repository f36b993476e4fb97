/* Unit tests for model/version (--kube-version, --feature-gates, --runtime-config: parsing,
 * defaults per release, kube-apiserver's messages) and for every eviction answer that differs
 * between releases (docs/reference/versions.md), each run under the releases on both sides of
 * the change. */
#include "eviction.h"
#include "json.h"
#include "kversion.h"
#include "rest.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1735689600.0 /* 2025-01-01T00:00:00Z */

/* ---- kversion -------------------------------------------------------------- */

START_TEST(parse_versions)
{
    int m = 0;
    char *err = NULL;
    ck_assert_int_eq(kv_parse_version("1.27", &m, &err), 0);
    ck_assert_int_eq(m, 27);
    ck_assert_int_eq(kv_parse_version("v1.37", &m, &err), 0);
    ck_assert_int_eq(m, 37);
    const char *bad[] = {"1.26", "1.38", "2.30", "1.3x", "1", "", "1.", "latest"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(kv_parse_version(bad[i], &m, &err), -1);
        ck_assert_msg(strstr(err, "want one of 1.27, 1.28, 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37; "
                                  "default 1.36"), "%s", err);
        free(err);
        err = NULL;
    }
    ck_assert_int_eq(kv_minor(NULL), KV_DEFAULT);
    ck_assert_str_eq(kv_git_version(&(kube_version){.minor = 33}), "v1.33.13");
}
END_TEST

START_TEST(gate_defaults_by_release)
{
    /* PodDisruptionConditions: beta on 1.27-1.30, GA locked 1.31-1.33, gone from 1.34 */
    for (int m = KV_MIN; m <= KV_MAX; m++) {
        kube_version v = {.minor = m};
        ck_assert_int_eq(kv_gate_known(m, G_POD_DISRUPTION_CONDITIONS), m < 34);
        ck_assert_int_eq(kv_gate_on(&v, G_POD_DISRUPTION_CONDITIONS), m < 34);
        ck_assert_int_eq(kv_gate_known(m, G_PDB_UNHEALTHY_POD_EVICTION_POLICY), m < 33);
        ck_assert_int_eq(kv_gate_on(&v, G_WATCH_LIST), m == 32 || m >= 34);
        ck_assert_int_eq(kv_gate_known(m, G_EVICTION_REQUEST_API), m >= 37);
        ck_assert_int_eq(kv_gate_on(&v, G_EVICTION_REQUEST_API), false);
        ck_assert_int_eq(kv_gate_on(&v, G_AGGREGATED_DISCOVERY_REMOVE_BETA_TYPE), m >= 33);
    }
}
END_TEST

static void gates_fail(int minor, const char *list, const char *want)
{
    kube_version v = {.minor = minor};
    char *err = NULL;
    ck_assert_int_eq(kv_parse_gates(&v, list, &err), -1);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(v.set, 0);
    free(err);
}

START_TEST(parse_gates)
{
    kube_version v = {.minor = 30};
    char *err = NULL;
    ck_assert_int_eq(kv_parse_gates(&v, " PodDisruptionConditions = false ,WatchList=T,,", &err), 0);
    ck_assert(!kv_gate_on(&v, G_POD_DISRUPTION_CONDITIONS));
    ck_assert(kv_gate_on(&v, G_WATCH_LIST));
    ck_assert(kv_gate_on(&v, G_PDB_UNHEALTHY_POD_EVICTION_POLICY));
    /* a later flag overrides an earlier one */
    ck_assert_int_eq(kv_parse_gates(&v, "WatchList=0", &err), 0);
    ck_assert(!kv_gate_on(&v, G_WATCH_LIST));
    gates_fail(30, "Foo=true", "unrecognized feature gate: Foo (gates of 1.30: PDBUnhealthyPodEvictionPolicy, "
                               "PodDisruptionConditions, WatchList)");
    gates_fail(34, "PodDisruptionConditions=true", "unrecognized feature gate: PodDisruptionConditions (gates of "
                                                   "1.34: AggregatedDiscoveryRemoveBetaType, WatchList)");
    gates_fail(31, "PodDisruptionConditions=false", "cannot set feature gate PodDisruptionConditions to false, "
                                                    "feature is locked to true (gates of 1.31: "
                                                    "PDBUnhealthyPodEvictionPolicy, PodDisruptionConditions, WatchList)");
    gates_fail(36, "WatchList", "missing bool value for WatchList (gates of 1.36: AggregatedDiscoveryRemoveBetaType, "
                                "WatchList)");
    gates_fail(36, "WatchList=yes,Foo=true", "invalid value of WatchList=yes, err: strconv.ParseBool: parsing "
                                             "\"yes\": invalid syntax (gates of 1.36: "
                                             "AggregatedDiscoveryRemoveBetaType, WatchList)");
    /* an item of blanks is not skipped (only an empty one is), as upstream splits */
    gates_fail(36, "WatchList=true, ", "missing bool value for  (gates of 1.36: AggregatedDiscoveryRemoveBetaType, "
                                       "WatchList)");
    /* setting a locked gate to its value is allowed */
    v = (kube_version){.minor = 31};
    ck_assert_int_eq(kv_parse_gates(&v, "PodDisruptionConditions=true", &err), 0);
}
END_TEST

START_TEST(eviction_request_api_needs_runtime_config)
{
    kube_version v = {.minor = 37};
    char *err = NULL;
    ck_assert_int_eq(kv_check(&v, &err), 0);
    ck_assert_int_eq(kv_parse_gates(&v, "EvictionRequestAPI=true", &err), 0);
    ck_assert_int_eq(kv_check(&v, &err), -1);
    ck_assert_msg(strstr(err, "EvictionRequestAPI is enabled") && strstr(err, "evictions.lifecycle.k8s.io"), "%s", err);
    free(err);
    ck_assert(!kv_eviction_request_api(&v));
    ck_assert_int_eq(kv_parse_runtime_config(&v, "lifecycle.k8s.io/v1alpha1=true", &err), 0);
    ck_assert_int_eq(kv_check(&v, &err), 0);
    ck_assert(kv_eviction_request_api(&v));
    ck_assert_int_eq(kv_parse_runtime_config(&v, "batch/v2=true", &err), -1);
    free(err);
    v = (kube_version){.minor = 36};
    gates_fail(36, "EvictionRequestAPI=true", "unrecognized feature gate: EvictionRequestAPI (gates of 1.36: "
                                              "AggregatedDiscoveryRemoveBetaType, WatchList)");
}
END_TEST

START_TEST(info_document)
{
    kube_version v = {.minor = 30};
    char *err = NULL;
    ck_assert_int_eq(kv_parse_gates(&v, "PodDisruptionConditions=false", &err), 0);
    cJSON *o = kv_info(&v);
    ck_assert_str_eq(jstr(o, "kubeVersion"), "1.30");
    ck_assert_str_eq(jstr(o, "gitVersion"), "v1.30.14");
    char *fg = jprint(jget(o, "featureGates"));
    ck_assert_str_eq(fg, "{\"PDBUnhealthyPodEvictionPolicy\":true,\"PodDisruptionConditions\":false,\"WatchList\":false}");
    free(fg);
    ck_assert_int_eq(cJSON_GetArraySize(jget(o, "kubeVersions")), KV_MAX - KV_MIN + 1);
    cJSON_Delete(o);
}
END_TEST

/* ---- evictions that differ by release --------------------------------------- */

static cluster *vcluster(int minor, const char *gates)
{
    cluster_opts o = {.manual_clock = true, .start_time = T0, .time_scale = 1, .controllers = 0};
    o.kv.minor = minor;
    char *err = NULL;
    if (gates)
        ck_assert_msg(kv_parse_gates(&o.kv, gates, &err) == 0, "%s", err);
    return cluster_new(&o);
}

static void vload(cluster *c, const char *json)
{
    cJSON *objs = cJSON_Parse(json);
    ck_assert_ptr_nonnull(objs);
    api_result r = {0};
    ck_assert_msg(cluster_load(c, objs, &r) >= 0, "load failed: %s", jstr(r.body, "message"));
    api_result_clear(&r);
    cJSON_Delete(objs);
}

/* A Running pod p (ready or not) and PDB foo with the given status JSON. */
static cluster *budget_cluster(int minor, const char *gates, bool ready, const char *policy, const char *status)
{
    cluster *c = vcluster(minor, gates);
    char buf[4096];
    snprintf(buf, sizeof buf,
             "[{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\","
             "\"uid\":\"uid-p\",\"labels\":{\"a\":\"true\"}},\"spec\":{\"nodeName\":\"n\",\"containers\":"
             "[{\"name\":\"c\",\"image\":\"i\"}]},\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":"
             "\"Ready\",\"status\":\"%s\"}]}},"
             "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"foo\","
             "\"namespace\":\"default\",\"generation\":1},\"spec\":{\"selector\":{}%s%s%s},\"status\":%s}]",
             ready ? "True" : "False", policy ? ",\"unhealthyPodEvictionPolicy\":\"" : "", policy ? policy : "",
             policy ? "\"" : "", status);
    vload(c, buf);
    return c;
}

static void vevict(cluster *c, const char *body, api_result *out)
{
    evict_req rq = {.ns = "default", .name = "p", .body = body, .body_len = strlen(body), .body_type = BODY_JSON};
    evict_pod(c, &rq, out);
}

#define EV_BODY "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"}}"

static const char *cause_of(const api_result *r)
{
    ck_assert_int_eq(r->code, 429);
    ck_assert_str_eq(jstr(r->body, "message"), "Cannot evict pod as it would violate the pod's disruption budget.");
    ck_assert_int_eq(cJSON_GetArraySize(jget(r->body, "details.causes")), 1);
    const cJSON *c0 = cJSON_GetArrayItem(jget(r->body, "details.causes"), 0);
    ck_assert_str_eq(jstr(c0, "reason"), "DisruptionBudget");
    return jstr(c0, "message");
}

/* The 429's cause of eviction-semantics §4.2 cases 16, 23, 24 and the fourth rule, per release. */
static const struct {
    const char *status;
    const char *before135, *from135;
} cause_cases[] = {
    {"{\"observedGeneration\":1,\"disruptionsAllowed\":0,\"currentHealthy\":0,\"desiredHealthy\":0,\"conditions\":"
     "[{\"type\":\"DisruptionAllowed\",\"status\":\"False\",\"reason\":\"SyncFailed\",\"message\":\"hoge\"}]}",
     "The disruption budget foo needs 0 healthy pods and has 0 currently",
     "The disruption budget foo does not allow evicting pods currently because it failed sync: hoge"},
    {"{\"observedGeneration\":1,\"disruptionsAllowed\":0,\"currentHealthy\":4,\"desiredHealthy\":3,\"conditions\":"
     "[{\"type\":\"DisruptionAllowed\",\"status\":\"False\",\"reason\":\"bar-reason\",\"message\":\"hoge\"}]}",
     "The disruption budget foo needs 3 healthy pods and has 4 currently",
     "The disruption budget foo does not allow evicting pods currently (bar-reason): hoge"},
    {"{\"observedGeneration\":1,\"disruptionsAllowed\":0,\"currentHealthy\":2,\"desiredHealthy\":2,\"conditions\":"
     "[{\"type\":\"DisruptionAllowed\",\"status\":\"False\",\"reason\":\"InsufficientPods\",\"message\":\"x\"}]}",
     "The disruption budget foo needs 2 healthy pods and has 2 currently",
     "The disruption budget foo needs 2 healthy pods and has 2 currently"},
    {"{\"observedGeneration\":1,\"disruptionsAllowed\":0,\"currentHealthy\":5,\"desiredHealthy\":3}",
     "The disruption budget foo needs 3 healthy pods and has 5 currently",
     "The disruption budget foo does not allow evicting pods currently"},
    {"{\"observedGeneration\":1,\"disruptionsAllowed\":0,\"currentHealthy\":5,\"desiredHealthy\":3,\"conditions\":"
     "[{\"type\":\"DisruptionAllowed\",\"status\":\"False\",\"reason\":\"SyncFailed\",\"message\":\"\"}]}",
     "The disruption budget foo needs 3 healthy pods and has 5 currently",
     "The disruption budget foo does not allow evicting pods currently"},
};

START_TEST(cause_text_by_release)
{
    for (int m = KV_MIN; m <= KV_MAX; m++) {
        for (size_t i = 0; i < sizeof cause_cases / sizeof *cause_cases; i++) {
            cluster *c = budget_cluster(m, NULL, true, NULL, cause_cases[i].status);
            api_result r = {0};
            vevict(c, EV_BODY, &r);
            const char *want = m >= 35 ? cause_cases[i].from135 : cause_cases[i].before135;
            ck_assert_msg(!strcmp(cause_of(&r), want), "1.%d case %zu: %s", m, i, cause_of(&r));
            api_result_clear(&r);
            /* the server's text answer says the same */
            evict_req rq = {.ns = "default", .name = "p", .body = EV_BODY, .body_len = strlen(EV_BODY),
                            .body_type = BODY_JSON, .text = true};
            evict_pod(c, &rq, &r);
            ck_assert_msg(r.text.s ? strstr(r.text.s, want) != NULL : !strcmp(cause_of(&r), want), "1.%d text", m);
            api_result_clear(&r);
            cluster_free(c);
        }
    }
}
END_TEST

/* The acceptance: 1.35's text under 1.35, 1.33's under 1.33, for the same PDB. */
START_TEST(cause_text_133_and_135)
{
    const char *st = cause_cases[0].status;
    cluster *c = budget_cluster(35, NULL, true, NULL, st);
    api_result r = {0};
    vevict(c, EV_BODY, &r);
    ck_assert_str_eq(cause_of(&r), "The disruption budget foo does not allow evicting pods currently because it "
                                   "failed sync: hoge");
    api_result_clear(&r);
    cluster_free(c);
    c = budget_cluster(33, NULL, true, NULL, st);
    vevict(c, EV_BODY, &r);
    ck_assert_str_eq(cause_of(&r), "The disruption budget foo needs 0 healthy pods and has 0 currently");
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

#define OK_STATUS "{\"observedGeneration\":1,\"disruptionsAllowed\":1,\"currentHealthy\":1,\"desiredHealthy\":0}"

/* deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential: unknown (dropped) before 1.32, a 422 from it. */
START_TEST(ignore_store_read_by_release)
{
    const char *body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"},"
                       "\"deleteOptions\":{\"ignoreStoreReadErrorWithClusterBreakingPotential\":true,"
                       "\"dryRun\":[\"All\"]}}";
    const char *typed = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"},"
                        "\"deleteOptions\":{\"ignoreStoreReadErrorWithClusterBreakingPotential\":\"yes\","
                        "\"dryRun\":[\"All\"]}}";
    for (int m = KV_MIN; m <= KV_MAX; m++) {
        cluster *c = budget_cluster(m, NULL, true, NULL, OK_STATUS);
        api_result r = {0};
        vevict(c, body, &r);
        ck_assert_msg(r.code == (m >= 32 ? 422 : 201), "1.%d: %d", m, r.code);
        if (m >= 32)
            ck_assert_str_eq(jstr(r.body, "message"),
                             "Eviction.policy \"p\" is invalid: deleteOptions.ignoreStoreReadErrorWithClusterBreaking"
                             "Potential: Invalid value: true: can not be set for pod eviction, try after removing the "
                             "option");
        api_result_clear(&r);
        vevict(c, typed, &r);
        ck_assert_msg(r.code == (m >= 32 ? 400 : 201), "1.%d typed: %d", m, r.code);
        api_result_clear(&r);
        cluster_free(c);
    }
}
END_TEST

static bool has_target(cluster *c)
{
    const cJSON *cond;
    cJSON_ArrayForEach(cond, jget(store_doc(store_get(c->st, K_POD, "default", "p")), "status.conditions")) {
        const char *t = jstr(cond, "type");
        if (t && !strcmp(t, "DisruptionTarget"))
            return true;
    }
    return false;
}

/* DisruptionTarget is written while PodDisruptionConditions is on: off by choice only in 1.27-1.30. */
START_TEST(disruption_target_gate)
{
    const char *body = "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"},"
                       "\"deleteOptions\":{\"gracePeriodSeconds\":30}}";
    const struct { int minor; const char *gates; bool target; } cases[] = {
        {27, NULL, true}, {30, "PodDisruptionConditions=false", false}, {30, NULL, true}, {33, NULL, true},
        {36, NULL, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cluster *c = budget_cluster(cases[i].minor, cases[i].gates, true, NULL, OK_STATUS);
        api_result r = {0};
        vevict(c, body, &r);
        ck_assert_int_eq(r.code, 201);
        ck_assert_msg(has_target(c) == cases[i].target, "case %zu", i);
        api_result_clear(&r);
        cluster_free(c);
    }
    /* without the status write, the delete still checks the uid precondition */
    cluster *c = budget_cluster(30, "PodDisruptionConditions=false", true, NULL, OK_STATUS);
    api_result r = {0};
    vevict(c, "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"p\"},"
              "\"deleteOptions\":{\"preconditions\":{\"uid\":\"other\"}}}", &r);
    ck_assert_int_eq(r.code, 409);
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

/* unhealthyPodEvictionPolicy: AlwaysAllow is read only while PDBUnhealthyPodEvictionPolicy is on. */
START_TEST(unhealthy_policy_gate)
{
    const char *st = "{\"observedGeneration\":1,\"disruptionsAllowed\":0,\"currentHealthy\":0,\"desiredHealthy\":1}";
    const struct { int minor; const char *gates; int code; } cases[] = {
        {27, NULL, 201}, {30, "PDBUnhealthyPodEvictionPolicy=false", 429}, {32, NULL, 201}, {36, NULL, 201},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cluster *c = budget_cluster(cases[i].minor, cases[i].gates, false, "AlwaysAllow", st);
        api_result r = {0};
        vevict(c, EV_BODY, &r);
        ck_assert_msg(r.code == cases[i].code, "case %zu: %d", i, r.code);
        api_result_clear(&r);
        cluster_free(c);
    }
}
END_TEST

static api_result vcreate(cluster *c, kind_id k, const char *body)
{
    rest_req rq = {.verb = V_CREATE, .kind = k, .ns = "default", .body = body, .body_len = strlen(body),
                   .body_type = BODY_JSON};
    api_result r = {0};
    rest_handle(c, &rq, &r);
    return r;
}

/* A gate that is off drops its field from what is written (dropDisabledFields). */
START_TEST(disabled_fields_dropped)
{
    const char *pdb = "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"b\"},"
                      "\"spec\":{\"minAvailable\":1,\"selector\":{},\"unhealthyPodEvictionPolicy\":\"AlwaysAllow\"}}";
    const char *pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":"
                      "[{\"name\":\"c\",\"image\":\"i\"}],\"evictionResponders\":[{\"name\":\"a.example.com/x\","
                      "\"priority\":10000}]}}";
    const struct { int minor; const char *gates; bool policy; } cases[] = {
        {30, "PDBUnhealthyPodEvictionPolicy=false", false}, {30, NULL, true}, {36, NULL, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cluster *c = vcluster(cases[i].minor, cases[i].gates);
        cluster_lock(c);
        api_result r = vcreate(c, K_PDB, pdb);
        ck_assert_int_eq(r.code, 201);
        ck_assert_int_eq(jstr(r.body, "spec.unhealthyPodEvictionPolicy") != NULL, cases[i].policy);
        api_result_clear(&r);
        r = vcreate(c, K_POD, pod);
        ck_assert_int_eq(r.code, 201);
        ck_assert_ptr_null(jget(r.body, "spec.evictionResponders")); /* EvictionRequestAPI is off */
        api_result_clear(&r);
        cluster_unlock(c);
        cluster_free(c);
    }
}
END_TEST

/* The disruption controller resets a stale DisruptionTarget condition (2 minutes) only while
 * PodDisruptionConditions is on: with it off (1.27-1.30) the condition stays. */
START_TEST(stale_disruption_target_gate)
{
    const struct { int minor; const char *gates; const char *after; } cases[] = {
        {30, "PodDisruptionConditions=false", "True"}, {30, NULL, "False"}, {36, NULL, "False"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cluster_opts o = {.manual_clock = true, .start_time = T0, .time_scale = 1, .controllers = CTRL_DISRUPTION};
        o.kv.minor = cases[i].minor;
        char *err = NULL;
        if (cases[i].gates)
            ck_assert_int_eq(kv_parse_gates(&o.kv, cases[i].gates, &err), 0);
        cluster *c = cluster_new(&o);
        vload(c, "[{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},"
                 "\"spec\":{\"nodeName\":\"n\",\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]},\"status\":{\"phase\":"
                 "\"Running\",\"conditions\":[{\"type\":\"DisruptionTarget\",\"status\":\"True\",\"lastTransitionTime\":"
                 "\"2025-01-01T00:00:00Z\",\"reason\":\"EvictionByEvictionAPI\",\"message\":\"Eviction API: evicting\"}]}}]");
        cluster_lock(c);
        cluster_settle(c);
        clock_advance(c->clk, 121);
        cluster_unlock(c);
        const cJSON *dt = cJSON_GetArrayItem(jget(store_doc(store_get(c->st, K_POD, "default", "p")), "status.conditions"), 0);
        ck_assert_msg(!strcmp(jstr(dt, "status"), cases[i].after), "case %zu: %s", i, jstr(dt, "status"));
        cluster_free(c);
    }
}
END_TEST

Suite *versions_suite(void)
{
    Suite *s = suite_create("versions");
    TCase *tc = tcase_create("kversion");
    tcase_add_test(tc, parse_versions);
    tcase_add_test(tc, gate_defaults_by_release);
    tcase_add_test(tc, parse_gates);
    tcase_add_test(tc, eviction_request_api_needs_runtime_config);
    tcase_add_test(tc, info_document);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("eviction");
    tcase_add_test(te, cause_text_by_release);
    tcase_add_test(te, cause_text_133_and_135);
    tcase_add_test(te, ignore_store_read_by_release);
    tcase_add_test(te, disruption_target_gate);
    tcase_add_test(te, unhealthy_policy_gate);
    tcase_add_test(te, disabled_fields_dropped);
    tcase_add_test(te, stale_disruption_target_gate);
    suite_add_tcase(s, te);
    return s;
}
