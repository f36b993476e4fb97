/* Unit tests for model/api/validate.c and model/api/defaults.c: exact cause texts as a
 * client sees them ("field: message"), and the defaulted JSON. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "defaults.h"
#include "json.h"
#include "decode.h"
#include "validate.h"

/* Run validation and join the causes as status_invalid does ("f: m, f: m"). */
static char *run(kind_id k, const char *json, const char *old_json)
{
    cJSON *obj = cJSON_Parse(json);
    cJSON *old = old_json ? cJSON_Parse(old_json) : NULL;
    ck_assert_ptr_nonnull(obj);
    cJSON *causes = cJSON_CreateArray();
    int n = validate_object(k, obj, old, causes);
    ck_assert_int_eq(n, cJSON_GetArraySize(causes));
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    cJSON *c;
    cJSON_ArrayForEach(c, causes)
        len += snprintf(out + len, cap - len, "%s%s: %s", len ? ", " : "",
                        cJSON_GetStringValue(cJSON_GetObjectItem(c, "field")),
                        cJSON_GetStringValue(cJSON_GetObjectItem(c, "message")));
    cJSON_Delete(causes);
    cJSON_Delete(obj);
    cJSON_Delete(old);
    return out;
}

#define EXPECT(k, json, old, want)                                                                 \
    do {                                                                                           \
        char *got_ = run(k, json, old);                                                            \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

/* A pod as the server holds it after defaulting. */
#define POD_SPEC(extra)                                                                            \
    "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx\",\"imagePullPolicy\":\"Always\","  \
    "\"terminationMessagePolicy\":\"File\"}],\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\"," \
    "\"terminationGracePeriodSeconds\":30" extra "}"
#define POD(meta, extra) "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"" meta "}," POD_SPEC(extra) "}"

START_TEST(pod_valid)
{
    EXPECT(K_POD, POD("", ""), NULL, "");
}
END_TEST

START_TEST(pod_containers_required)
{
    EXPECT(K_POD,
           "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":{\"containers\":[],"
           "\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":30}}",
           NULL, "spec.containers: Required value");
}
END_TEST

START_TEST(pod_container_fields)
{
    EXPECT(K_POD,
           "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":{\"containers\":["
           "{\"name\":\"a\",\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":\"File\"},"
           "{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Sometimes\",\"terminationMessagePolicy\":\"File\"},"
           "{\"name\":\"Bad_Name\",\"image\":\"x\",\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":\"File\"}],"
           "\"restartPolicy\":\"Sometimes\",\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":30}}",
           NULL,
           "spec.containers[0].image: Required value, "
           "spec.containers[1].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: "
           "\"Always\", \"IfNotPresent\", \"Never\", "
           "spec.containers[1].name: Duplicate value: \"a\", "
           "spec.containers[2].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist "
           "of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
           "character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), "
           "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"");
}
END_TEST

START_TEST(pod_ports_and_tolerations)
{
    EXPECT(K_POD,
           "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":{\"containers\":["
           "{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":\"File\","
           "\"ports\":[{\"containerPort\":70000,\"protocol\":\"TCP\"},{\"protocol\":\"HTTP\"}]}],"
           "\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":30,"
           "\"tolerations\":[{\"operator\":\"Equal\",\"effect\":\"NoSchedule\",\"tolerationSeconds\":5},"
           "{\"key\":\"k\",\"operator\":\"Exists\",\"value\":\"v\",\"effect\":\"Never\"}]}}",
           NULL,
           "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive, "
           "spec.containers[0].ports[1].containerPort: Required value, "
           "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\", "
           "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, "
           "which means \"match all values and all keys\", "
           "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when "
           "`tolerationSeconds` is set, "
           "spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists', "
           "spec.tolerations[1].effect: Unsupported value: \"Never\": supported values: \"NoSchedule\", "
           "\"PreferNoSchedule\", \"NoExecute\"");
}
END_TEST

START_TEST(metadata_labels_and_names)
{
    EXPECT(K_POD,
           "{\"metadata\":{\"name\":\"P\",\"namespace\":\"Bad\",\"generateName\":\"web-\","
           "\"labels\":{\"a/b/c\":\"x\",\"ok\":\"-bad\"},\"annotations\":{\"Example.com/Ok\":\"1\"}},"
           POD_SPEC("") "}",
           NULL,
           "metadata.name: Invalid value: \"P\": a lowercase RFC 1123 subdomain must consist of lower case "
           "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
           "(e.g. 'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), "
           "metadata.namespace: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case "
           "alphanumeric characters or '-', and must start and end with an alphanumeric character "
           "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), "
           "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric "
           "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
           "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
           "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
           "(e.g. 'example.com/MyName'), "
           "metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string or consist of "
           "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
           "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
           "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}
END_TEST

START_TEST(metadata_label_too_long_and_empty_name)
{
    char big[300];
    memset(big, 'a', 64);
    big[64] = 0;
    char json[2048], want[2048];
    snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"\",\"namespace\":\"default\",\"labels\":{\"k\":\"%s\"}},"
             POD_SPEC("") "}", big);
    snprintf(want, sizeof want, "metadata.name: Required value: name or generateName is required, "
             "metadata.labels: Invalid value: \"%s\": must be no more than 63 characters", big);
    EXPECT(K_POD, json, NULL, want);
}
END_TEST

START_TEST(metadata_annotations_too_long)
{
    size_t n = 256 * 1024 + 1;
    char *v = malloc(n + 1);
    memset(v, 'x', n);
    v[n] = 0;
    char *json = malloc(n + 1024);
    sprintf(json, POD(",\"annotations\":{\"a\":\"%s\"}", ""), v);
    EXPECT(K_POD, json, NULL, "metadata.annotations: Too long: may not be more than 262144 bytes");
    free(v);
    free(json);
}
END_TEST

START_TEST(pod_update_forbidden)
{
    const char *old = POD("", ",\"nodeName\":\"node-1\"");
    const char *neu = POD("", ",\"nodeName\":\"node-2\"");
    char *got = run(K_POD, neu, old);
    const char *want_prefix =
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
        "to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
        "previously negative)\n";
    ck_assert_msg(strncmp(got, want_prefix, strlen(want_prefix)) == 0, "got %s", got);
    ck_assert_ptr_nonnull(strstr(got, "NodeName: \"node-1\""));
    free(got);
    /* the image may change */
    const char *img = "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":{\"containers\":[{\"name\":"
                      "\"app\",\"image\":\"nginx:2\",\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":"
                      "\"File\"}],\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\","
                      "\"terminationGracePeriodSeconds\":30,\"nodeName\":\"node-1\"}}";
    EXPECT(K_POD, img, old, "");
}
END_TEST

START_TEST(pod_update_containers_and_tolerations)
{
    const char *old = POD("", ",\"tolerations\":[{\"key\":\"a\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":5}]");
    EXPECT(K_POD, POD("", ",\"tolerations\":[]"), old,
           "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds");
    EXPECT(K_POD, POD("", ",\"tolerations\":[{\"key\":\"a\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":1},"
                      "{\"key\":\"b\",\"operator\":\"Exists\"}]"), old, "");
    EXPECT(K_POD,
           "{\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"},\"spec\":{\"containers\":["
           "{\"name\":\"app\",\"image\":\"nginx\",\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":\"File\"},"
           "{\"name\":\"b\",\"image\":\"nginx\",\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":\"File\"}],"
           "\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":30}}",
           POD("", ""), "spec.containers: Forbidden: pod updates may not add or remove containers");
}
END_TEST

START_TEST(node_taints)
{
    EXPECT(K_NODE,
           "{\"metadata\":{\"name\":\"n1\"},\"spec\":{\"taints\":[{\"key\":\"a\",\"effect\":\"Bogus\"},"
           "{\"key\":\"b\",\"effect\":\"NoSchedule\"},{\"key\":\"b\",\"value\":\"v\",\"effect\":\"NoSchedule\"}]}}",
           NULL,
           "metadata.taints[0].effect: Unsupported value: \"Bogus\": supported values: \"NoSchedule\", "
           "\"PreferNoSchedule\", \"NoExecute\", "
           "metadata.taints[2]: Duplicate value: core.Taint{Key:\"b\", Value:\"v\", Effect:\"NoSchedule\", "
           "TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair");
    EXPECT(K_NODE, "{\"metadata\":{\"name\":\"node_1\"}}", NULL,
           "metadata.name: Invalid value: \"node_1\": a lowercase RFC 1123 subdomain must consist of lower "
           "case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
           "(e.g. 'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}
END_TEST

START_TEST(namespace_name)
{
    EXPECT(K_NAMESPACE, "{\"metadata\":{\"name\":\"a.b\"}}", NULL,
           "metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case "
           "alphanumeric characters or '-', and must start and end with an alphanumeric character "
           "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    EXPECT(K_NAMESPACE, "{\"metadata\":{\"name\":\"ok\"}}", NULL, "");
}
END_TEST

#define PDB(spec) "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":" spec "}"

START_TEST(pdb_both_set)
{
    EXPECT(K_PDB, PDB("{\"minAvailable\":1,\"maxUnavailable\":1,\"selector\":{\"matchLabels\":{\"a\":\"b\"}}}"), NULL,
           "spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000a1b2c0), "
           "Selector:(*v1.LabelSelector)(0xc000a1b2e0), MaxUnavailable:(*intstr.IntOrString)(0xc000a1b300), "
           "UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and "
           "maxUnavailable cannot be both set");
    EXPECT(K_PDB, PDB("{\"minAvailable\":1,\"maxUnavailable\":\"10%\",\"unhealthyPodEvictionPolicy\":\"AlwaysAllow\"}"), NULL,
           "spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000a1b2c0), "
           "Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)(0xc000a1b300), "
           "UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(0xc000a1b320)}: minAvailable and "
           "maxUnavailable cannot be both set");
}
END_TEST

START_TEST(pdb_values)
{
    EXPECT(K_PDB, PDB("{\"minAvailable\":-1}"), NULL,
           "spec.minAvailable: Invalid value: -1: must be greater than or equal to 0");
    EXPECT(K_PDB, PDB("{\"maxUnavailable\":\"x\"}"), NULL,
           "spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"x\"}: a valid "
           "percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used "
           "for validation is '[0-9]+%')");
    EXPECT(K_PDB, PDB("{\"minAvailable\":\"150%\"}"), NULL,
           "spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be "
           "greater than 100%");
    EXPECT(K_PDB, PDB("{\"minAvailable\":\"100%\",\"unhealthyPodEvictionPolicy\":\"Sometimes\"}"), NULL,
           "spec.unhealthyPodEvictionPolicy: Unsupported value: \"Sometimes\": supported values: \"AlwaysAllow\", "
           "\"IfHealthyBudget\"");
    EXPECT(K_PDB, PDB("{\"minAvailable\":2}"), NULL, "");
    /* generic metadata check only runs when the spec is valid */
    EXPECT(K_PDB, "{\"metadata\":{\"name\":\"Web_1\",\"namespace\":\"default\",\"labels\":{\"k\":\"-\"}},\"spec\":{}}", NULL,
           "metadata.labels: Invalid value: \"-\": a valid label must be an empty string or consist of "
           "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
           "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
           "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}
END_TEST

START_TEST(pdb_selector_from_selector_module)
{
    char *got = run(K_PDB, PDB("{\"minAvailable\":1,\"selector\":{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}}"), NULL);
    ck_assert_msg(strncmp(got, "spec.selector.matchExpressions[0].values: ", 42) == 0, "got %s", got);
    free(got);
}
END_TEST

START_TEST(pdb_status)
{
    cJSON *o = cJSON_Parse("{\"status\":{\"disruptionsAllowed\":-1,\"currentHealthy\":0,\"desiredHealthy\":-2,\"expectedPods\":1}}");
    cJSON *causes = cJSON_CreateArray();
    ck_assert_int_eq(validate_status(K_PDB, o, causes), 2);
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(causes, 0), "field")), "status.disruptionsAllowed");
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(causes, 0), "message")),
                     "Invalid value: -1: must be greater than or equal to 0");
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(causes, 1), "field")), "status.desiredHealthy");
    cJSON_Delete(causes);
    cJSON_Delete(o);
}
END_TEST

/* A defaulted Deployment, optionally broken. */
static char *deployment(const char *selector, const char *labels, int replicas)
{
    char *s = malloc(4096);
    snprintf(s, 4096,
             "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":%d,%s"
             "\"template\":{\"metadata\":{\"labels\":%s},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx\","
             "\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":\"File\"}],\"restartPolicy\":\"Always\","
             "\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":30}},"
             "\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%%\",\"maxSurge\":\"25%%\"}},"
             "\"revisionHistoryLimit\":10,\"progressDeadlineSeconds\":600}}",
             replicas, selector, labels);
    return s;
}

START_TEST(workload_selector)
{
    char *d = deployment("", "{\"app\":\"x\"}", 1);
    EXPECT(K_DEPLOYMENT, d, NULL,
           "spec.selector: Required value, spec.template.metadata.labels: Invalid value: "
           "map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`");
    free(d);
    d = deployment("\"selector\":{\"matchLabels\":{\"app\":\"y\"}},", "{\"b\":\"2\",\"app\":\"x\"}", -1);
    EXPECT(K_DEPLOYMENT, d, NULL,
           "spec.replicas: Invalid value: -1: must be greater than or equal to 0, "
           "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\", \"b\":\"2\"}: "
           "`selector` does not match template `labels`");
    free(d);
    d = deployment("\"selector\":{\"matchLabels\":{\"app\":\"x\"}},", "{\"app\":\"x\"}", 3);
    EXPECT(K_DEPLOYMENT, d, NULL, "");
    EXPECT(K_REPLICASET, d, NULL, "");
    free(d);
    d = deployment("\"selector\":{},", "{\"app\":\"x\"}", 1);
    EXPECT(K_REPLICASET, d, NULL,
           "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
           "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment");
    free(d);
}
END_TEST

START_TEST(workload_template_spec)
{
    EXPECT(K_REPLICASET,
           "{\"metadata\":{\"name\":\"rs\",\"namespace\":\"default\"},\"spec\":{\"replicas\":1,\"selector\":"
           "{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{"
           "\"containers\":[],\"restartPolicy\":\"Never\",\"dnsPolicy\":\"ClusterFirst\","
           "\"terminationGracePeriodSeconds\":30}}}}",
           NULL,
           "spec.template.spec.containers: Required value, spec.template.spec.restartPolicy: Unsupported value: "
           "\"Never\": supported values: \"Always\"");
    EXPECT(K_RC,
           "{\"metadata\":{\"name\":\"rc\",\"namespace\":\"default\"},\"spec\":{\"replicas\":1,"
           "\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\",\"imagePullPolicy\":\"Always\","
           "\"terminationMessagePolicy\":\"File\"}],\"restartPolicy\":\"Always\",\"dnsPolicy\":\"ClusterFirst\","
           "\"terminationGracePeriodSeconds\":30}}}}",
           NULL, "spec.selector: Required value");
    EXPECT(K_DAEMONSET,
           "{\"metadata\":{\"name\":\"ds\",\"namespace\":\"default\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
           "\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":0,\"maxSurge\":0}},"
           "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\","
           "\"imagePullPolicy\":\"Always\",\"terminationMessagePolicy\":\"File\"}],\"restartPolicy\":\"Always\","
           "\"dnsPolicy\":\"ClusterFirst\",\"terminationGracePeriodSeconds\":30}}}}",
           NULL, "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0");
    EXPECT(K_STATEFULSET,
           "{\"metadata\":{\"name\":\"ss\",\"namespace\":\"default\"},\"spec\":{\"replicas\":1,"
           "\"podManagementPolicy\":\"Sometimes\",\"updateStrategy\":{\"type\":\"RollingUpdate\"},"
           "\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},"
           "\"spec\":{\"containers\":[],\"restartPolicy\":\"Always\"}}}}",
           NULL, "spec.podManagementPolicy: Invalid value: \"Sometimes\": must be 'OrderedReady' or 'Parallel'");
}
END_TEST

START_TEST(event_namespace)
{
    EXPECT(K_EVENT, "{\"metadata\":{\"name\":\"e.1\",\"namespace\":\"default\"},\"involvedObject\":{\"namespace\":\"other\"}}",
           NULL, "involvedObject.namespace: Invalid value: \"other\": does not match event.namespace");
    EXPECT(K_EVENT, "{\"metadata\":{\"name\":\"e.1\",\"namespace\":\"default\"},\"involvedObject\":{\"namespace\":\"default\"}}",
           NULL, "");
}
END_TEST

static char *delete_opts(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    cJSON *causes = cJSON_CreateArray();
    validate_delete_options(o, causes);
    char *s = cJSON_PrintUnformatted(causes);
    cJSON_Delete(causes);
    cJSON_Delete(o);
    return s;
}

START_TEST(delete_options)
{
    char *s = delete_opts("{\"propagationPolicy\":\"Bogus\",\"orphanDependents\":true,\"dryRun\":[\"Foo\"]}");
    ck_assert_str_eq(s,
        "[{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: \\\"Bogus\\\": orphanDependents and "
        "deletionPropagation cannot be both set\",\"field\":\"propagationPolicy\"},"
        "{\"reason\":\"FieldValueNotSupported\",\"message\":\"Unsupported value: \\\"Bogus\\\": supported values: "
        "\\\"Foreground\\\", \\\"Background\\\", \\\"Orphan\\\", \\\"nil\\\"\",\"field\":\"propagationPolicy\"},"
        "{\"reason\":\"FieldValueNotSupported\",\"message\":\"Unsupported value: []string{\\\"Foo\\\"}: supported "
        "values: \\\"All\\\"\",\"field\":\"dryRun\"}]");
    free(s);
    s = delete_opts("{\"propagationPolicy\":\"Background\",\"dryRun\":[\"All\"],\"gracePeriodSeconds\":0}");
    ck_assert_str_eq(s, "[]");
    free(s);
    cJSON *causes = cJSON_CreateArray();
    ck_assert_int_eq(validate_delete_options(NULL, causes), 0);
    cJSON_Delete(causes);
}
END_TEST

/* ---------- defaults ---------- */

static cJSON *defaulted(kind_id k, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    defaults_apply(k, o);
    return o;
}

START_TEST(defaults_pod_spec)
{
    cJSON *p = defaulted(K_POD, "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":["
                                "{\"name\":\"a\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}]},"
                                "{\"name\":\"b\",\"image\":\"nginx:1.27\"},{\"name\":\"c\",\"image\":\"r/x:latest\"},"
                                "{\"name\":\"d\",\"image\":\"x@sha256:abc\",\"resources\":{\"limits\":{\"cpu\":\"1\"}}}]}}");
    cJSON *s = cJSON_GetObjectItem(p, "spec");
    ck_assert_int_eq((int)jnum(s, "terminationGracePeriodSeconds", -1), 30);
    ck_assert_str_eq(jstr(s, "restartPolicy"), "Always");
    ck_assert_str_eq(jstr(s, "dnsPolicy"), "ClusterFirst");
    ck_assert_str_eq(jstr(s, "schedulerName"), "default-scheduler");
    ck_assert(cJSON_IsObject(jget(s, "securityContext")) && cJSON_GetArraySize(jget(s, "securityContext")) == 0);
    ck_assert(cJSON_IsTrue(jget(s, "enableServiceLinks")));
    ck_assert_str_eq(jstr(s, "preemptionPolicy"), "PreemptLowerPriority");
    ck_assert_int_eq((int)jnum(s, "priority", -1), 0);
    char *tols = cJSON_PrintUnformatted(jget(s, "tolerations"));
    ck_assert_str_eq(tols,
        "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300},"
        "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}]");
    free(tols);
    cJSON *cs = jget(s, "containers");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(cs, 0), "imagePullPolicy"), "Always");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(cs, 1), "imagePullPolicy"), "IfNotPresent");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(cs, 2), "imagePullPolicy"), "Always");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(cs, 3), "imagePullPolicy"), "IfNotPresent");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(cs, 0), "terminationMessagePath"), "/dev/termination-log");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(cs, 0), "terminationMessagePolicy"), "File");
    ck_assert(cJSON_IsObject(jget(cJSON_GetArrayItem(cs, 0), "resources")));
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(jget(cJSON_GetArrayItem(cs, 0), "ports"), 0), "protocol"), "TCP");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(cs, 3), "resources.requests.cpu"), "1");
    /* a pod that already tolerates not-ready keeps its own toleration only */
    cJSON_Delete(p);
    p = defaulted(K_POD, "{\"spec\":{\"containers\":[],\"tolerations\":[{\"operator\":\"Exists\"}]}}");
    ck_assert_int_eq(cJSON_GetArraySize(jget(p, "spec.tolerations")), 1);
    cJSON_Delete(p);
}
END_TEST

START_TEST(defaults_workloads)
{
    cJSON *d = defaulted(K_DEPLOYMENT, "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}");
    ck_assert_int_eq((int)jnum(d, "spec.replicas", -1), 1);
    ck_assert_str_eq(jstr(d, "spec.strategy.type"), "RollingUpdate");
    ck_assert_str_eq(jstr(d, "spec.strategy.rollingUpdate.maxUnavailable"), "25%");
    ck_assert_str_eq(jstr(d, "spec.strategy.rollingUpdate.maxSurge"), "25%");
    ck_assert_int_eq((int)jnum(d, "spec.revisionHistoryLimit", -1), 10);
    ck_assert_int_eq((int)jnum(d, "spec.progressDeadlineSeconds", -1), 600);
    ck_assert_int_eq((int)jnum(d, "spec.template.spec.terminationGracePeriodSeconds", -1), 30);
    ck_assert_ptr_null(jget(d, "spec.template.spec.tolerations"));
    ck_assert_ptr_null(jget(d, "spec.template.spec.enableServiceLinks"));
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(jget(d, "spec.template.spec.containers"), 0), "imagePullPolicy"), "Always");
    cJSON_Delete(d);

    d = defaulted(K_DEPLOYMENT, "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}");
    ck_assert_ptr_null(jget(d, "spec.strategy.rollingUpdate"));
    cJSON_Delete(d);

    d = defaulted(K_STATEFULSET, "{\"spec\":{}}");
    char *s = cJSON_PrintUnformatted(d);
    ck_assert_str_eq(s, "{\"spec\":{\"podManagementPolicy\":\"OrderedReady\",\"updateStrategy\":{\"type\":\"RollingUpdate\","
                        "\"rollingUpdate\":{\"partition\":0}},\"persistentVolumeClaimRetentionPolicy\":{\"whenDeleted\":"
                        "\"Retain\",\"whenScaled\":\"Retain\"},\"replicas\":1,\"revisionHistoryLimit\":10}}");
    free(s);
    cJSON_Delete(d);

    d = defaulted(K_DAEMONSET, "{\"spec\":{}}");
    s = cJSON_PrintUnformatted(d);
    ck_assert_str_eq(s, "{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,"
                        "\"maxSurge\":0}},\"revisionHistoryLimit\":10}}");
    free(s);
    cJSON_Delete(d);

    d = defaulted(K_REPLICASET, "{\"spec\":{}}");
    ck_assert_int_eq((int)jnum(d, "spec.replicas", -1), 1);
    cJSON_Delete(d);

    d = defaulted(K_RC, "{\"metadata\":{},\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}}}}}");
    ck_assert_int_eq((int)jnum(d, "spec.replicas", -1), 1);
    ck_assert_str_eq(jstr(d, "spec.selector.a"), "b");
    ck_assert_str_eq(jstr(d, "metadata.labels.a"), "b");
    cJSON_Delete(d);
}
END_TEST

START_TEST(defaults_namespace_and_node)
{
    cJSON *n = defaulted(K_NAMESPACE, "{\"metadata\":{\"name\":\"team\"}}");
    char *s = cJSON_PrintUnformatted(n);
    ck_assert_str_eq(s, "{\"metadata\":{\"name\":\"team\",\"labels\":{\"kubernetes.io/metadata.name\":\"team\"}},"
                        "\"spec\":{\"finalizers\":[\"kubernetes\"]}}");
    free(s);
    cJSON_Delete(n);
    n = defaulted(K_NODE, "{\"metadata\":{\"name\":\"n\"},\"status\":{\"capacity\":{\"cpu\":\"4\"}}}");
    ck_assert_str_eq(jstr(n, "status.allocatable.cpu"), "4");
    cJSON_Delete(n);
    n = defaulted(K_PDB, "{\"spec\":{}}");
    s = cJSON_PrintUnformatted(n);
    ck_assert_str_eq(s, "{\"spec\":{}}");
    free(s);
    cJSON_Delete(n);
}
END_TEST

static void expect_status(kind_id k, const char *obj, const char *want)
{
    cJSON *o = cJSON_Parse(obj);
    cJSON *st = defaults_create_status(k, o);
    char *s = st ? cJSON_PrintUnformatted(st) : NULL;
    if (want)
        ck_assert_str_eq(s, want);
    else
        ck_assert_ptr_null(st);
    free(s);
    cJSON_Delete(st);
    cJSON_Delete(o);
}

START_TEST(create_status)
{
    expect_status(K_POD, "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}", "{\"phase\":\"Pending\",\"qosClass\":\"BestEffort\"}");
    expect_status(K_POD, "{\"spec\":{\"containers\":[{\"resources\":{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},"
                         "\"requests\":{\"cpu\":\"1000m\",\"memory\":\"1024Mi\"}}}]}}",
                  "{\"phase\":\"Pending\",\"qosClass\":\"Guaranteed\"}");
    expect_status(K_POD, "{\"spec\":{\"containers\":[{\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}]}}",
                  "{\"phase\":\"Pending\",\"qosClass\":\"Burstable\"}");
    expect_status(K_PDB, "{}", "{\"disruptionsAllowed\":0,\"currentHealthy\":0,\"desiredHealthy\":0,\"expectedPods\":0}");
    expect_status(K_REPLICASET, "{}", "{\"replicas\":0}");
    expect_status(K_RC, "{}", "{\"replicas\":0}");
    expect_status(K_STATEFULSET, "{}", "{\"replicas\":0,\"availableReplicas\":0}");
    expect_status(K_DAEMONSET, "{}", "{\"currentNumberScheduled\":0,\"numberMisscheduled\":0,\"desiredNumberScheduled\":0,\"numberReady\":0}");
    expect_status(K_DEPLOYMENT, "{}", "{}");
    expect_status(K_NAMESPACE, "{}", "{\"phase\":\"Active\"}");
    expect_status(K_NODE, "{}", NULL);
    expect_status(K_EVENT, "{}", NULL);
}
END_TEST

/* The decode check names what Go's decoder would: the value's JSON type (a
 * number an integer field cannot hold as its literal), the struct and the
 * field, and the Go type. */
START_TEST(decode_errors_name_the_value)
{
    const char *pre = "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal ";
    struct {
        const char *json, *want;
    } cases[] = {
        {"{\"spec\":{\"terminationGracePeriodSeconds\":\"x\"}}",
         "string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64"},
        {"{\"spec\":{\"terminationGracePeriodSeconds\":1.5}}",
         "number 1.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64"},
        {"{\"spec\":{\"terminationGracePeriodSeconds\":1e30}}",
         "number 1e+30 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64"},
        {"{\"metadata\":{\"labels\":{\"a\":1}}}", "number into Go struct field ObjectMeta.metadata.labels of type string"},
        {"{\"spec\":{\"containers\":[true]}}", "bool into Go struct field PodSpec.spec.containers of type v1.Container"},
        {"{\"spec\":{\"containers\":{}}}", "object into Go struct field PodSpec.spec.containers of type []v1.Container"},
        {"{\"metadata\":{\"finalizers\":[[]]}}", "array into Go struct field ObjectMeta.metadata.finalizers of type string"},
        {"{\"spec\":{\"containers\":[{\"name\":7}]}}", "number into Go struct field Container.spec.containers.name of type string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cJSON *pod = cJSON_Parse(cases[i].json);
        char *got = decode_check(K_POD, pod);
        ck_assert_msg(got && !strncmp(got, pre, strlen(pre)) && !strcmp(got + strlen(pre), cases[i].want), "%s: %s",
                      cases[i].json, got ? got : "(none)");
        free(got);
        cJSON_Delete(pod);
    }
    cJSON *fine = cJSON_Parse("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":null}},\"spec\":{\"containers\":[null]}}");
    ck_assert_ptr_null(decode_check(K_POD, fine));
    cJSON_Delete(fine);
}
END_TEST

Suite *validate_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, pod_valid);
    tcase_add_test(tc, pod_containers_required);
    tcase_add_test(tc, pod_container_fields);
    tcase_add_test(tc, pod_ports_and_tolerations);
    tcase_add_test(tc, metadata_labels_and_names);
    tcase_add_test(tc, metadata_label_too_long_and_empty_name);
    tcase_add_test(tc, metadata_annotations_too_long);
    tcase_add_test(tc, pod_update_forbidden);
    tcase_add_test(tc, pod_update_containers_and_tolerations);
    tcase_add_test(tc, node_taints);
    tcase_add_test(tc, namespace_name);
    tcase_add_test(tc, pdb_both_set);
    tcase_add_test(tc, pdb_values);
    tcase_add_test(tc, pdb_selector_from_selector_module);
    tcase_add_test(tc, pdb_status);
    tcase_add_test(tc, workload_selector);
    tcase_add_test(tc, workload_template_spec);
    tcase_add_test(tc, event_namespace);
    tcase_add_test(tc, delete_options);
    tcase_add_test(tc, defaults_pod_spec);
    tcase_add_test(tc, defaults_workloads);
    tcase_add_test(tc, defaults_namespace_and_node);
    tcase_add_test(tc, create_status);
    tcase_add_test(tc, decode_errors_name_the_value);
    suite_add_tcase(s, tc);
    return s;
}
