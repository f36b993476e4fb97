/* Unit tests for model/api/defaults.c as validation sees its result: a pod with
 * no spec (or a null one) is defaulted as Go defaults a zero PodSpec, so the
 * 422 is exactly kube-apiserver 1.33's. */
#include <check.h>
#include <stdlib.h>
#include "defaults.h"
#include "json.h"
#include "status.h"
#include "validate.h"

/* defaults, then validation for create, then the Status a client gets (the
 * namespace is the one the REST layer puts in from the URL) */
static char *create_status(const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    ck_assert_ptr_nonnull(obj);
    defaults_apply(K_POD, obj);
    cJSON *causes = cJSON_CreateArray();
    validate_object(K_POD, obj, NULL, causes);
    cJSON *st = status_invalid("Pod", "", jstr(obj, "metadata.name"), causes);
    char *s = cJSON_PrintUnformatted(st);
    cJSON_Delete(st);
    cJSON_Delete(obj);
    return s;
}

static const char want_no_containers[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
    "\"message\":\"Pod \\\"x\\\" is invalid: spec.containers: Required value\",\"reason\":\"Invalid\","
    "\"details\":{\"name\":\"x\",\"kind\":\"Pod\",\"causes\":[{\"reason\":\"FieldValueRequired\","
    "\"message\":\"Required value\",\"field\":\"spec.containers\"}]},\"code\":422}";

START_TEST(pod_without_spec)
{
    char *s = create_status("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"}}");
    ck_assert_str_eq(s, want_no_containers);
    free(s);
}
END_TEST

START_TEST(pod_with_null_spec)
{
    char *s = create_status("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"},\"spec\":null}");
    ck_assert_str_eq(s, want_no_containers);
    free(s);
}
END_TEST

START_TEST(pod_without_spec_is_defaulted)
{
    cJSON *p = cJSON_Parse("{\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"}}");
    defaults_apply(K_POD, p);
    ck_assert_int_eq((int)jnum(p, "spec.terminationGracePeriodSeconds", -1), 30);
    ck_assert_str_eq(jstr(p, "spec.restartPolicy"), "Always");
    ck_assert_str_eq(jstr(p, "spec.dnsPolicy"), "ClusterFirst");
    ck_assert_str_eq(jstr(p, "spec.schedulerName"), "default-scheduler");
    cJSON_Delete(p);
}
END_TEST

Suite *defaults_suite(void)
{
    Suite *s = suite_create("defaults");
    TCase *tc = tcase_create("pod");
    tcase_add_test(tc, pod_without_spec);
    tcase_add_test(tc, pod_with_null_spec);
    tcase_add_test(tc, pod_without_spec_is_defaulted);
    suite_add_tcase(s, tc);
    return s;
}
