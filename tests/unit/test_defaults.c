/* Unit tests for model/api/defaults.c as validation sees its result: a pod with
 * no spec (or a null one) is defaulted as Go defaults a zero PodSpec, so the
 * 422 is exactly kube-apiserver 1.33's. */
#include <check.h>
#include <stdlib.h>
#include "defaults.h"
#include "generic.h"
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

/* autoscaling/v1 HorizontalPodAutoscalers: every metric type of a v2 object survives the v1 view
 * (in the annotations, in v1's MetricSpec and MetricStatus forms) and comes back as it was. */
START_TEST(hpa_v1_round_trip)
{
    static const char v2[] =
        "{\"kind\":\"HorizontalPodAutoscaler\",\"apiVersion\":\"autoscaling/v2\",\"metadata\":{\"name\":\"h\","
        "\"annotations\":{\"keep\":\"me\"}},\"spec\":{\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\","
        "\"apiVersion\":\"apps/v1\"},\"minReplicas\":1,\"maxReplicas\":9,\"metrics\":["
        "{\"type\":\"Object\",\"object\":{\"describedObject\":{\"kind\":\"Service\",\"name\":\"s\",\"apiVersion\":\"v1\"},"
        "\"target\":{\"type\":\"Value\",\"value\":\"10\"},\"metric\":{\"name\":\"rps\",\"selector\":{\"matchLabels\":{\"a\":\"b\"}}}}},"
        "{\"type\":\"Pods\",\"pods\":{\"metric\":{\"name\":\"qps\"},\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"1k\"}}},"
        "{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"1Gi\"}}},"
        "{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\","
        "\"averageUtilization\":40},\"container\":\"app\"}},"
        "{\"type\":\"External\",\"external\":{\"metric\":{\"name\":\"queue\"},\"target\":{\"type\":\"Value\",\"value\":\"30\"}}},"
        "{\"type\":\"External\",\"external\":{\"metric\":{\"name\":\"lag\"},\"target\":{\"type\":\"AverageValue\",\"averageValue\":\"5\"}}},"
        "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":\"Utilization\",\"averageUtilization\":50}}}]},"
        "\"status\":{\"currentReplicas\":2,\"desiredReplicas\":3,\"currentMetrics\":["
        "{\"type\":\"Object\",\"object\":{\"metric\":{\"name\":\"rps\"},\"current\":{\"value\":\"12\"},"
        "\"describedObject\":{\"kind\":\"Service\",\"name\":\"s\",\"apiVersion\":\"v1\"}}},"
        "{\"type\":\"Pods\",\"pods\":{\"metric\":{\"name\":\"qps\"},\"current\":{\"averageValue\":\"900\"}}},"
        "{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"cpu\",\"current\":{\"averageValue\":\"100m\","
        "\"averageUtilization\":20},\"container\":\"app\"}},"
        "{\"type\":\"External\",\"external\":{\"metric\":{\"name\":\"queue\"},\"current\":{\"value\":\"31\"}}},"
        "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{\"averageValue\":\"200m\",\"averageUtilization\":45}}}]}}";
    cJSON *in = cJSON_Parse(v2);
    cJSON *v1 = generic_from_stored(K_HPA_V1, in);
    ck_assert_str_eq(jstr(v1, "apiVersion"), "autoscaling/v1");
    ck_assert_int_eq(jnum(v1, "spec.targetCPUUtilizationPercentage", 0), 50);
    ck_assert_int_eq(jnum(v1, "status.currentCPUUtilizationPercentage", 0), 45);
    const cJSON *ann = jget(v1, "metadata.annotations");
    ck_assert_str_eq(jstr(ann, "keep"), "me");
    ck_assert_str_eq(cJSON_GetObjectItem(ann, "autoscaling.alpha.kubernetes.io/metrics")->valuestring,
                     "[{\"type\":\"Object\",\"object\":{\"target\":{\"kind\":\"Service\",\"name\":\"s\",\"apiVersion\":\"v1\"},"
                     "\"metricName\":\"rps\",\"targetValue\":\"10\",\"selector\":{\"matchLabels\":{\"a\":\"b\"}}}},"
                     "{\"type\":\"Pods\",\"pods\":{\"metricName\":\"qps\",\"targetAverageValue\":\"1k\"}},"
                     "{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"targetAverageValue\":\"1Gi\"}},"
                     "{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"cpu\",\"targetAverageUtilization\":40,"
                     "\"container\":\"app\"}},"
                     "{\"type\":\"External\",\"external\":{\"metricName\":\"queue\",\"targetValue\":\"30\"}},"
                     "{\"type\":\"External\",\"external\":{\"metricName\":\"lag\",\"targetAverageValue\":\"5\"}}]");
    ck_assert_str_eq(cJSON_GetObjectItem(ann, "autoscaling.alpha.kubernetes.io/current-metrics")->valuestring,
                     "[{\"type\":\"Object\",\"object\":{\"target\":{\"kind\":\"Service\",\"name\":\"s\",\"apiVersion\":\"v1\"},"
                     "\"metricName\":\"rps\",\"currentValue\":\"12\"}},"
                     "{\"type\":\"Pods\",\"pods\":{\"metricName\":\"qps\",\"currentAverageValue\":\"900\"}},"
                     "{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"cpu\",\"currentAverageUtilization\":20,"
                     "\"currentAverageValue\":\"100m\",\"container\":\"app\"}},"
                     "{\"type\":\"External\",\"external\":{\"metricName\":\"queue\",\"currentValue\":\"31\"}},"
                     "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"currentAverageUtilization\":45,"
                     "\"currentAverageValue\":\"200m\"}}]");
    cJSON *back = generic_to_stored(K_HPA_V1, v1);
    ck_assert(cJSON_Compare(jget(back, "spec"), jget(in, "spec"), true));
    ck_assert(cJSON_Compare(jget(back, "status"), jget(in, "status"), true));
    ck_assert(cJSON_Compare(jget(back, "metadata"), jget(in, "metadata"), true));
    ck_assert_str_eq(jstr(back, "apiVersion"), "autoscaling/v2");
    cJSON_Delete(in);
    cJSON_Delete(v1);
    cJSON_Delete(back);
}
END_TEST

/* The v1 target is the first cpu metric with a utilization, not the first cpu metric. */
START_TEST(hpa_v1_cpu_target_skips_an_average_value)
{
    cJSON *in = cJSON_Parse("{\"kind\":\"HorizontalPodAutoscaler\",\"apiVersion\":\"autoscaling/v2\","
                            "\"metadata\":{\"name\":\"h\"},\"spec\":{\"maxReplicas\":3,\"metrics\":["
                            "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
                            "\"AverageValue\",\"averageValue\":\"500m\"}}},"
                            "{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"target\":{\"type\":"
                            "\"Utilization\",\"averageUtilization\":70}}}]}}");
    cJSON *v1 = generic_from_stored(K_HPA_V1, in);
    ck_assert_int_eq(jnum(v1, "spec.targetCPUUtilizationPercentage", 0), 70);
    cJSON *back = generic_to_stored(K_HPA_V1, v1);
    ck_assert(cJSON_Compare(jget(back, "spec.metrics"), jget(in, "spec.metrics"), true));
    cJSON_Delete(in);
    cJSON_Delete(v1);
    cJSON_Delete(back);
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
    tc = tcase_create("hpa");
    tcase_add_test(tc, hpa_v1_round_trip);
    tcase_add_test(tc, hpa_v1_cpu_target_skips_an_average_value);
    suite_add_tcase(s, tc);
    return s;
}
