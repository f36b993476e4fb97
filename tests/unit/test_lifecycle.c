/* Unit tests for the lifecycle.k8s.io/v1alpha1 pieces: lcvalidate (EvictionRequest and pod
 * responder rules), and the evictionrequest controller with the imperative evictor on a manual
 * clock (responder order, heartbeat timeout, withdrawal, the API absent without its gate). */
#include "cluster.h"
#include "json.h"
#include "lcvalidate.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define T0 1735689600.0
#define UID "0b9a1c2d-3e4f-4a5b-8c6d-7e8f90a1b2c3"

static const char *cause_msg(const cJSON *causes, int i)
{
    return jstr(cJSON_GetArrayItem(causes, i), "message");
}

START_TEST(validate_request)
{
    cJSON *er = cJSON_Parse("{\"spec\":{\"target\":{\"pod\":{\"name\":\"Web_0\",\"uid\":\"" UID "\"}},"
                            "\"requester\":\"drain.kubernetes.io/x\",\"intent\":\"Later\"}}");
    cJSON *causes = cJSON_CreateArray();
    lc_validate(K_EVICTIONREQUEST, er, NULL, causes);
    ck_assert_int_eq(cJSON_GetArraySize(causes), 3);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 0), "field"), "spec.target.pod.name");
    ck_assert_str_eq(cause_msg(causes, 1), "Invalid value: \"drain.kubernetes.io/x\": domain names *.k8s.io, "
                                           "*.kubernetes.io are reserved");
    ck_assert_str_eq(cause_msg(causes, 2), "Unsupported value: \"Later\": supported values: \"Eviction\", \"Withdrawn\"");
    cJSON_Delete(causes);
    /* a missing target and requester */
    cJSON *empty = cJSON_Parse("{\"spec\":{\"intent\":\"Eviction\"}}");
    causes = cJSON_CreateArray();
    lc_validate(K_EVICTIONREQUEST, empty, NULL, causes);
    ck_assert_int_eq(cJSON_GetArraySize(causes), 2);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 0), "reason"), "FieldValueRequired");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 1), "field"), "spec.requester");
    cJSON_Delete(causes);
    cJSON_Delete(empty);
    /* the target is immutable on update */
    cJSON *ok = cJSON_Parse("{\"spec\":{\"target\":{\"pod\":{\"name\":\"web-0\",\"uid\":\"" UID "\"}},"
                            "\"requester\":\"a.example.com/x\",\"intent\":\"Eviction\"}}");
    cJSON *moved = cJSON_Duplicate(ok, true);
    jset_str(jget(moved, "spec.target.pod"), "name", "web-1");
    causes = cJSON_CreateArray();
    lc_validate(K_EVICTIONREQUEST, ok, NULL, causes);
    ck_assert_int_eq(cJSON_GetArraySize(causes), 0);
    lc_validate(K_EVICTIONREQUEST, moved, ok, causes);
    ck_assert_int_eq(cJSON_GetArraySize(causes), 1);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 0), "field"), "spec.target");
    cJSON_Delete(causes);
    cJSON_Delete(ok);
    cJSON_Delete(moved);
    cJSON_Delete(er);
}
END_TEST

START_TEST(validate_pod_responders)
{
    cJSON *pod = cJSON_Parse("{\"spec\":{\"evictionResponders\":[{\"name\":\"a.example.com/x\",\"priority\":10000},"
                             "{\"name\":\"a.example.com/x\",\"priority\":999},{\"name\":\"nodomain\",\"priority\":200000}]}}");
    cJSON *causes = cJSON_CreateArray();
    lc_validate_pod_responders(pod, causes);
    ck_assert_int_eq(cJSON_GetArraySize(causes), 4);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 0), "reason"), "FieldValueDuplicate");
    ck_assert_str_eq(cause_msg(causes, 1), "Invalid value: 999: priorities 0-999 are reserved for responders with "
                                           "*.k8s.io suffix");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 2), "field"), "spec.evictionResponders[2].name");
    ck_assert_str_eq(cause_msg(causes, 3), "Invalid value: 200000: must be less than or equal to 100000");
    cJSON_Delete(causes);
    cJSON_Delete(pod);
}
END_TEST

/* ---- the controllers ------------------------------------------------------------------------- */

static cluster *lc_cluster(bool api)
{
    cluster_opts o = {.manual_clock = true, .start_time = T0, .time_scale = 1,
                      .controllers = CTRL_EVICTIONREQUEST | CTRL_EVICTOR | CTRL_DISRUPTION};
    o.kv.minor = 37;
    char *err = NULL;
    if (api) {
        ck_assert_int_eq(kv_parse_gates(&o.kv, "EvictionRequestAPI=true", &err), 0);
        o.kv.runtime_alpha = true;
    }
    return cluster_new(&o);
}

static int load(cluster *c, const char *json)
{
    cJSON *objs = cJSON_Parse(json);
    api_result r = {0};
    cluster_lock(c);
    int n = cluster_load(c, objs, &r);
    cluster_settle(c);
    cluster_unlock(c);
    api_result_clear(&r);
    cJSON_Delete(objs);
    return n;
}

static void advance(cluster *c, double s)
{
    cluster_lock(c);
    clock_advance(c->clk, s);
    cluster_unlock(c);
}

#define POD(responders)                                                                                       \
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\","      \
    "\"uid\":\"" UID "\"},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]" \
    responders "},\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
#define ER(intent)                                                                                            \
    "{\"apiVersion\":\"lifecycle.k8s.io/v1alpha1\",\"kind\":\"EvictionRequest\",\"metadata\":{\"name\":\"er\"," \
    "\"namespace\":\"default\"},\"spec\":{\"target\":{\"pod\":{\"name\":\"web-0\",\"uid\":\"" UID "\"}},"       \
    "\"requester\":\"r.example.com/x\",\"intent\":\"" intent "\"}}"

static char *states(cluster *c, const char *name)
{
    store_obj *ev = store_get(c->st, K_EVICTION, "default", name);
    ck_assert_ptr_nonnull(ev);
    strbuf b = {0};
    const cJSON *t;
    cJSON_ArrayForEach(t, jget(store_doc(ev), "status.targetResponders"))
        strbuf_printf(&b, "%s%s=%s", b.len ? " " : "", jstr(t, "name"), jstr(t, "state"));
    return b.s;
}

START_TEST(responders_in_priority_order_and_timeout)
{
    cluster *c = lc_cluster(true);
    ck_assert_int_eq(load(c, "[" POD(",\"evictionResponders\":[{\"name\":\"low.example.com/b\",\"priority\":2000},"
                                    "{\"name\":\"high.example.com/a\",\"priority\":9000}]") "," ER("Eviction") "]"), 2);
    char *s = states(c, "pod-1-web-0");
    ck_assert_str_eq(s, "high.example.com/a=Active low.example.com/b=Inactive imperative-eviction.k8s.io/evictor=Inactive");
    free(s);
    advance(c, 20 * 60 - 1);
    s = states(c, "pod-1-web-0");
    ck_assert_str_eq(s, "high.example.com/a=Active low.example.com/b=Inactive imperative-eviction.k8s.io/evictor=Inactive");
    free(s);
    advance(c, 1); /* no heartbeat for 20 minutes since startTime */
    s = states(c, "pod-1-web-0");
    ck_assert_str_eq(s, "high.example.com/a=Interrupted low.example.com/b=Active imperative-eviction.k8s.io/evictor=Inactive");
    free(s);
    advance(c, 20 * 60);
    s = states(c, "pod-1-web-0");
    ck_assert_str_eq(s, "high.example.com/a=Interrupted low.example.com/b=Interrupted imperative-eviction.k8s.io/evictor=Active");
    free(s);
    /* the evictor evicted the pod (no PDB): it terminates */
    const cJSON *pod = store_doc(store_get(c->st, K_POD, "default", "web-0"));
    ck_assert_ptr_nonnull(jstr(pod, "metadata.deletionTimestamp"));
    cluster_free(c);
}
END_TEST

START_TEST(withdrawn_cancels)
{
    cluster *c = lc_cluster(true);
    ck_assert_int_eq(load(c, "[" POD("") "," "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\","
                                  "\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":{\"minAvailable\":1,"
                                  "\"selector\":{}}}," ER("Eviction") "]"), 3);
    char *s = states(c, "pod-1-web-0");
    ck_assert_str_eq(s, "imperative-eviction.k8s.io/evictor=Active");
    free(s);
    /* the PDB refuses: the pod stays */
    ck_assert_ptr_null(jstr(store_doc(store_get(c->st, K_POD, "default", "web-0")), "metadata.deletionTimestamp"));
    ck_assert_int_eq(load(c, "[" ER("Withdrawn") "]"), 1);
    s = states(c, "pod-1-web-0");
    ck_assert_str_eq(s, "imperative-eviction.k8s.io/evictor=Canceled");
    free(s);
    const cJSON *er = store_doc(store_get(c->st, K_EVICTIONREQUEST, "default", "er"));
    const cJSON *cond;
    cJSON_ArrayForEach(cond, jget(er, "status.conditions"))
        if (!strcmp(jstr(cond, "type"), "Failed"))
            ck_assert_str_eq(jstr(cond, "reason"), "CanceledDueToNoRequesters");
    cluster_free(c);
}
END_TEST

START_TEST(not_served_without_gate)
{
    cluster *c = lc_cluster(false);
    ck_assert_int_eq(load(c, "[" POD("") "," ER("Eviction") "]"), -1);
    ck_assert(!kind_served(K_EVICTIONREQUEST));
    ck_assert_ptr_null(kind_by_kind("lifecycle.k8s.io/v1alpha1", "Eviction"));
    cluster_free(c);
}
END_TEST

Suite *lifecycle_suite(void)
{
    Suite *s = suite_create("lifecycle");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, validate_request);
    tcase_add_test(tc, validate_pod_responders);
    tcase_add_test(tc, responders_in_priority_order_and_timeout);
    tcase_add_test(tc, withdrawn_cancels);
    tcase_add_test(tc, not_served_without_gate);
    suite_add_tcase(s, tc);
    return s;
}
