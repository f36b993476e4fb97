/* Unit tests for model/api/shape.c: per kind, a minimal object comes out
 * with what Go's encoder always writes for it (k8s.io/api v0.33.0 types),
 * in declaration order where the rules place it; what is there is kept. */
#include <check.h>
#include <stdlib.h>
#include "../jsame.h"
#include "json.h"
#include "shape.h"

/* shape_apply(in), printed */
static char *shaped(const char *in)
{
    cJSON *o = cJSON_Parse(in);
    ck_assert_ptr_nonnull(o);
    shape_apply(o, 33);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void check_shape(const char *in, const char *want)
{
    char *s = shaped(in);
    ck_assert_str_eq(s, want);
    /* and the tree is well linked: the same as the one its text gives */
    cJSON *a = cJSON_Parse(in), *b = cJSON_Parse(want);
    shape_apply(a, 33);
    ck_assert(jsame(a, b));
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(s);
}

START_TEST(node_without_spec_or_status)
{
    check_shape("{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"}}",
                "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\",\"creationTimestamp\":null},"
                "\"spec\":{},\"status\":{\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":0}},"
                "\"nodeInfo\":{\"machineID\":\"\",\"systemUUID\":\"\",\"bootID\":\"\",\"kernelVersion\":\"\","
                "\"osImage\":\"\",\"containerRuntimeVersion\":\"\",\"kubeletVersion\":\"\",\"kubeProxyVersion\":\"\","
                "\"operatingSystem\":\"\",\"architecture\":\"\"}}}");
}
END_TEST

START_TEST(node_keeps_what_is_there)
{
    /* spec goes before status; a stated value stays; a condition gets its null times */
    check_shape("{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\",\"creationTimestamp\":"
                "\"2025-01-01T00:00:00Z\"},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],"
                "\"nodeInfo\":{\"kubeletVersion\":\"v1.33.0\"}},\"extra\":1}",
                "{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\",\"creationTimestamp\":"
                "\"2025-01-01T00:00:00Z\"},\"spec\":{},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
                "\"True\",\"lastHeartbeatTime\":null,\"lastTransitionTime\":null}],\"daemonEndpoints\":"
                "{\"kubeletEndpoint\":{\"Port\":0}},\"nodeInfo\":{\"machineID\":\"\",\"systemUUID\":\"\","
                "\"bootID\":\"\",\"kernelVersion\":\"\",\"osImage\":\"\",\"containerRuntimeVersion\":\"\","
                "\"kubeletVersion\":\"v1.33.0\",\"kubeProxyVersion\":\"\",\"operatingSystem\":\"\","
                "\"architecture\":\"\"}},\"extra\":1}");
}
END_TEST

START_TEST(pdb_status_counters)
{
    check_shape("{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{},\"status\":"
                "{\"currentHealthy\":2,\"conditions\":[{\"type\":\"DisruptionAllowed\",\"status\":\"True\"}]}}",
                "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"creationTimestamp\":"
                "null},\"spec\":{},\"status\":{\"disruptionsAllowed\":0,\"currentHealthy\":2,\"desiredHealthy\":0,"
                "\"expectedPods\":0,\"conditions\":[{\"type\":\"DisruptionAllowed\",\"status\":\"True\","
                "\"lastTransitionTime\":null,\"reason\":\"\",\"message\":\"\"}]}}");
}
END_TEST

START_TEST(pod_containers_and_statuses)
{
    check_shape("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"creationTimestamp\":null},"
                "\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"name\":\"http\"}]}]},"
                "\"status\":{\"containerStatuses\":[{\"name\":\"c\",\"state\":{\"terminated\":{}}}],"
                "\"podIPs\":[{}]}}",
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"creationTimestamp\":null},"
                "\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"name\":\"http\",\"containerPort\":0}],"
                "\"resources\":{}}]},\"status\":{\"containerStatuses\":[{\"name\":\"c\","
                "\"state\":{\"terminated\":{\"exitCode\":0,\"startedAt\":null,\"finishedAt\":null}},\"lastState\":{},"
                "\"ready\":false,\"restartCount\":0,\"image\":\"\",\"imageID\":\"\"}],\"podIPs\":[{\"ip\":\"\"}]}}");
}
END_TEST

START_TEST(pod_without_spec)
{
    check_shape("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"creationTimestamp\":null}}",
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{\"containers\":null},\"status\":{}}");
}
END_TEST

START_TEST(workloads)
{
    /* a non-omitempty pointer (selector) is null; the template's metadata
     * writes a null creationTimestamp (1.33) */
    check_shape("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}",
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{\"selector\":null,\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":"
                "{\"containers\":[{\"name\":\"c\",\"resources\":{}}]}},\"strategy\":{}},\"status\":{}}");
    check_shape("{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{\"selector\":{\"matchExpressions\":[{}]}},\"status\":{\"numberReady\":1}}",
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{\"selector\":{\"matchExpressions\":[{\"key\":\"\",\"operator\":\"\"}]},\"template\":"
                "{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":null}},\"updateStrategy\":{}},"
                "\"status\":{\"currentNumberScheduled\":0,\"numberMisscheduled\":0,\"desiredNumberScheduled\":0,"
                "\"numberReady\":1}}");
    check_shape("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{\"selector\":null,\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":"
                "{\"containers\":null}}},\"status\":{}}",
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{\"selector\":null,\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":"
                "{\"containers\":null}},\"serviceName\":\"\",\"updateStrategy\":{}},\"status\":{\"replicas\":0,"
                "\"availableReplicas\":0}}");
}
END_TEST

START_TEST(events_and_namespaces)
{
    check_shape("{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"creationTimestamp\":null}}",
                "{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"creationTimestamp\":null},"
                "\"involvedObject\":{},\"source\":{},\"firstTimestamp\":null,\"lastTimestamp\":null,"
                "\"eventTime\":null,\"reportingComponent\":\"\",\"reportingInstance\":\"\"}");
    check_shape("{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"creationTimestamp\":null}}",
                "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"creationTimestamp\":null},"
                "\"spec\":{},\"status\":{}}");
}
END_TEST

START_TEST(unknown_kinds_untouched)
{
    const char *in = "{\"kind\":\"Widget\",\"apiVersion\":\"example.com/v1\",\"metadata\":{}}";
    char *s = shaped(in);
    ck_assert_str_eq(s, in);
    free(s);
    ck_assert_ptr_null(shape_rules("example.com/v1", "Widget"));
    ck_assert_ptr_null(shape_rules("v1", "Deployment")); /* kind and version together */
}
END_TEST

START_TEST(rules_notation)
{
    cJSON *o = cJSON_Parse("{\"b\":1,\"d\":null,\"p\":null,\"l\":[{},2]}");
    ck_assert(shape_apply_rules("a=0 b=\"\" c=false d{x=\"y\"} p?{x=0} q=null?{x=0} l[{k=\"\"}] z=0<30", o, 33));
    char *s = cJSON_PrintUnformatted(o);
    /* a goes first (before b), c before d; d null becomes {} with its rules;
     * a null pointer stays null; q is written null; elements that are
     * objects get their rules */
    ck_assert_str_eq(s, "{\"a\":0,\"b\":1,\"c\":false,\"d\":{\"x\":\"y\"},\"p\":null,\"q\":null,"
                        "\"l\":[{\"k\":\"\"},2]}");
    free(s);
    ck_assert(!shape_apply_rules("a{", o, 0));
    ck_assert(!shape_apply_rules("a[{x=0}", o, 0));
    ck_assert(!shape_apply_rules("a", o, 0));
    ck_assert(!shape_apply_rules("a=", o, 0));
    ck_assert(!shape_apply_rules("a=0<", o, 0));
    ck_assert(!shape_apply_rules("a=0<x", o, 0));
    cJSON_Delete(o);
}
END_TEST

START_TEST(every_kind_parses)
{
    static const char *const kinds[][2] = {
        {"v1", "Pod"}, {"v1", "Node"}, {"v1", "Namespace"}, {"v1", "Event"}, {"v1", "ReplicationController"},
        {"policy/v1", "PodDisruptionBudget"}, {"apps/v1", "Deployment"}, {"apps/v1", "ReplicaSet"},
        {"apps/v1", "StatefulSet"}, {"apps/v1", "DaemonSet"}, {"apps/v1", "ControllerRevision"},
        {"batch/v1", "Job"}, {"batch/v1", "CronJob"}, {"coordination.k8s.io/v1", "Lease"},
        {"scheduling.k8s.io/v1", "PriorityClass"}, {"v1", "ConfigMap"}, {"v1", "Secret"},
        {"v1", "ServiceAccount"}, {"v1", "Service"}, {"v1", "Endpoints"}, {"v1", "PersistentVolumeClaim"},
        {"events.k8s.io/v1", "Event"}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const char *r = shape_rules(kinds[i][0], kinds[i][1]);
        ck_assert_msg(r != NULL, "%s %s", kinds[i][0], kinds[i][1]);
        cJSON *o = cJSON_CreateObject();
        ck_assert_msg(shape_apply_rules(r, o, 33), "%s", kinds[i][1]);
        ck_assert_ptr_nonnull(jget(o, "metadata"));
        cJSON_Delete(o);
    }
}
END_TEST

START_TEST(creation_timestamp_by_release)
{
    /* 1.34 made a zero creationTimestamp omitzero: no null in templates */
    const char *in = "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"r\"},"
                     "\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}}}}}";
    for (int minor = 27; minor <= 37; minor++) {
        cJSON *o = cJSON_Parse(in);
        shape_apply(o, minor);
        const cJSON *ts = jget(o, "spec.template.metadata.creationTimestamp");
        ck_assert_msg(minor < 34 ? cJSON_IsNull(ts) : ts == NULL, "1.%d", minor);
        ck_assert_msg(minor < 34 ? cJSON_IsNull(jget(o, "metadata.creationTimestamp")) : !jget(o, "metadata.creationTimestamp"), "1.%d", minor);
        cJSON_Delete(o);
    }
}
END_TEST

START_TEST(lease_and_priorityclass)
{
    check_shape("{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"n\"}}",
                "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"n\","
                "\"creationTimestamp\":null},\"spec\":{}}");
    check_shape("{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":"
                "{\"creationTimestamp\":null}}",
                "{\"apiVersion\":\"scheduling.k8s.io/v1\",\"kind\":\"PriorityClass\",\"metadata\":"
                "{\"creationTimestamp\":null},\"value\":0}");
}
END_TEST

Suite *shape_suite(void)
{
    Suite *s = suite_create("shape");
    TCase *tc = tcase_create("kinds");
    tcase_add_test(tc, node_without_spec_or_status);
    tcase_add_test(tc, node_keeps_what_is_there);
    tcase_add_test(tc, pdb_status_counters);
    tcase_add_test(tc, pod_containers_and_statuses);
    tcase_add_test(tc, pod_without_spec);
    tcase_add_test(tc, workloads);
    tcase_add_test(tc, events_and_namespaces);
    tcase_add_test(tc, unknown_kinds_untouched);
    tcase_add_test(tc, rules_notation);
    tcase_add_test(tc, every_kind_parses);
    tcase_add_test(tc, lease_and_priorityclass);
    tcase_add_test(tc, creation_timestamp_by_release);
    suite_add_tcase(s, tc);
    return s;
}
