/* Unit tests for model/patch: merge patch, JSON patch and strategic merge
 * patch, with kubectl's real bodies and upstream's error codes and texts. */
#include "patch.h"
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef int (*patch_fn)(const cJSON *, const cJSON *, cJSON **, char **);

/* Apply and return the compact result; asserts success and that cur is untouched. */
static char *apply_ok(patch_fn fn, const char *cur_s, const char *patch_s)
{
    cJSON *cur = cJSON_Parse(cur_s), *patch = cJSON_Parse(patch_s), *out = NULL;
    ck_assert_msg(cur && patch, "bad test json");
    char *before = cJSON_PrintUnformatted(cur), *err = NULL;
    int rc = fn(cur, patch, &out, &err);
    ck_assert_msg(rc == 0, "rc=%d err=%s", rc, err ? err : "");
    ck_assert_ptr_null(err);
    char *after = cJSON_PrintUnformatted(cur);
    ck_assert_str_eq(before, after);
    char *res = cJSON_PrintUnformatted(out);
    cJSON_Delete(cur);
    cJSON_Delete(patch);
    cJSON_Delete(out);
    free(before);
    free(after);
    return res;
}

static void expect_ok(patch_fn fn, const char *cur, const char *patch, const char *want)
{
    char *got = apply_ok(fn, cur, patch);
    ck_assert_str_eq(got, want);
    free(got);
}

static void expect_err(patch_fn fn, const char *cur_s, const char *patch_s, int code, const char *msg)
{
    cJSON *cur = cJSON_Parse(cur_s), *patch = cJSON_Parse(patch_s), *out = (cJSON *)1;
    char *err = NULL;
    int rc = fn(cur, patch, &out, &err);
    ck_assert_int_eq(rc, code);
    ck_assert_ptr_null(out);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, msg);
    free(err);
    cJSON_Delete(cur);
    cJSON_Delete(patch);
}

static bool has_directive(const cJSON *v)
{
    for (const cJSON *c = v ? v->child : NULL; c; c = c->next) {
        if (c->string && c->string[0] == '$')
            return true;
        if (has_directive(c))
            return true;
    }
    return false;
}

static const char *NODE = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\","
                          "\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"podCIDR\":\"10.0.0.0/24\"},"
                          "\"status\":{\"phase\":\"Running\"}}";

/* ---------- merge patch ---------- */

START_TEST(merge_sets_and_deletes)
{
    expect_ok(patch_merge, NODE, "{\"spec\":{\"unschedulable\":true}}",
              "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"labels\":"
              "{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"podCIDR\":\"10.0.0.0/24\",\"unschedulable\":true},"
              "\"status\":{\"phase\":\"Running\"}}");
    expect_ok(patch_merge, NODE, "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}}}",
              "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"labels\":"
              "{\"b\":\"2\",\"c\":\"3\"}},\"spec\":{\"podCIDR\":\"10.0.0.0/24\"},"
              "\"status\":{\"phase\":\"Running\"}}");
    expect_ok(patch_merge, "{\"spec\":{\"list\":[1,2,3]}}", "{\"spec\":{\"list\":[4]}}",
              "{\"spec\":{\"list\":[4]}}");
    expect_ok(patch_merge, "{\"a\":1}", "{\"b\":{\"c\":null,\"d\":1}}", "{\"a\":1,\"b\":{\"d\":1}}");
}
END_TEST

START_TEST(merge_errors)
{
    expect_err(patch_merge, NODE, "null", 400, "Invalid JSON Patch");
    expect_err(patch_merge, NODE, "5", 400, "Invalid JSON Patch");
    expect_err(patch_merge, NODE, "\"x\"", 400, "Invalid JSON Patch");
    cJSON *cur = cJSON_Parse(NODE), *patch = cJSON_Parse("[1]"), *out = NULL;
    char *err = NULL;
    ck_assert_int_eq(patch_merge(cur, patch, &out, &err), 422);
    ck_assert_ptr_nonnull(strstr(err, " \"\" is invalid: patch: Invalid value: \"[1]\""));
    free(err);
    cJSON_Delete(cur);
    cJSON_Delete(patch);
}
END_TEST

/* ---------- JSON patch ---------- */

static const char *DEPLOY = "{\"metadata\":{\"name\":\"d\",\"labels\":{\"old\":\"x\"}},"
                            "\"spec\":{\"replicas\":3,\"list\":[\"a\",\"b\"]}}";

START_TEST(json_replace_add_remove)
{
    expect_ok(patch_json, DEPLOY,
              "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1},"
              "{\"op\":\"add\",\"path\":\"/metadata/labels/new\",\"value\":\"y\"},"
              "{\"op\":\"remove\",\"path\":\"/metadata/labels/old\"},"
              "{\"op\":\"add\",\"path\":\"/spec/list/-\",\"value\":\"c\"},"
              "{\"op\":\"add\",\"path\":\"/spec/list/0\",\"value\":\"z\"}]",
              "{\"metadata\":{\"name\":\"d\",\"labels\":{\"new\":\"y\"}},"
              "\"spec\":{\"replicas\":1,\"list\":[\"z\",\"a\",\"b\",\"c\"]}}");
    expect_ok(patch_json, DEPLOY,
              "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":3},"
              "{\"op\":\"test\",\"path\":\"/metadata/labels\",\"value\":{\"old\":\"x\"}},"
              "{\"op\":\"copy\",\"from\":\"/metadata/name\",\"path\":\"/metadata/generateName\"},"
              "{\"op\":\"move\",\"from\":\"/spec/list\",\"path\":\"/spec/items\"}]",
              "{\"metadata\":{\"name\":\"d\",\"labels\":{\"old\":\"x\"},\"generateName\":\"d\"},"
              "\"spec\":{\"replicas\":3,\"items\":[\"a\",\"b\"]}}");
    expect_ok(patch_json, DEPLOY, "[]", DEPLOY);
}
END_TEST

START_TEST(json_failures_are_422)
{
    const char *rejected = "the server rejected our request due to an error in our request";
    expect_err(patch_json, DEPLOY,
               "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1},"
               "{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":3}]",
               422, rejected);
    expect_err(patch_json, DEPLOY, "[{\"op\":\"test\",\"path\":\"/spec/nothing\",\"value\":3}]", 422,
               rejected);
    expect_err(patch_json, DEPLOY, "[{\"op\":\"remove\",\"path\":\"/metadata/labels/missing\"}]", 422,
               rejected);
    expect_err(patch_json, DEPLOY, "[{\"op\":\"replace\",\"path\":\"/spec/missing\",\"value\":1}]", 422,
               rejected);
    expect_err(patch_json, DEPLOY, "[{\"op\":\"add\",\"path\":\"/no/such/parent\",\"value\":1}]", 422,
               rejected);
    expect_err(patch_json, DEPLOY, "[{\"op\":\"frob\",\"path\":\"/spec\"}]", 422, rejected);
}
END_TEST

START_TEST(json_bad_documents_are_400)
{
    expect_err(patch_json, DEPLOY, "{\"op\":\"add\"}", 400,
               "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    expect_err(patch_json, DEPLOY, "[\"add\"]", 400,
               "json: cannot unmarshal string into Go value of type jsonpatch.Operation");
    cJSON *cur = cJSON_Parse(DEPLOY), *patch = cJSON_CreateArray(), *out = NULL;
    for (int i = 0; i < 10001; i++) {
        cJSON *op = cJSON_CreateObject();
        cJSON_AddStringToObject(op, "op", "test");
        cJSON_AddStringToObject(op, "path", "/spec/replicas");
        cJSON_AddNumberToObject(op, "value", 3);
        cJSON_AddItemToArray(patch, op);
    }
    char *err = NULL;
    ck_assert_int_eq(patch_json(cur, patch, &out, &err), 413);
    ck_assert_str_eq(err, "Request entity too large: The allowed maximum operations in a JSON patch "
                          "is 10000, got 10001");
    free(err);
    cJSON_Delete(cur);
    cJSON_Delete(patch);
}
END_TEST

/* ---------- strategic merge patch ---------- */

START_TEST(smp_cordon_uncordon)
{
    expect_ok(patch_strategic, NODE, "{\"spec\":{\"unschedulable\":true}}",
              "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"labels\":"
              "{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"podCIDR\":\"10.0.0.0/24\",\"unschedulable\":true},"
              "\"status\":{\"phase\":\"Running\"}}");
    expect_ok(patch_strategic,
              "{\"kind\":\"Node\",\"spec\":{\"unschedulable\":true,\"podCIDR\":\"x\"}}",
              "{\"spec\":{\"unschedulable\":null}}", "{\"kind\":\"Node\",\"spec\":{\"podCIDR\":\"x\"}}");
    expect_ok(patch_strategic, "{\"kind\":\"Node\",\"spec\":{}}", "{\"spec\":{\"unschedulable\":null}}",
              "{\"kind\":\"Node\",\"spec\":{}}");
}
END_TEST

static const char *POD = "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\","
                         "\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
                         "{\"name\":\"B\",\"value\":\"2\"}]}],\"tolerations\":[{\"key\":\"t1\"}]}}";

START_TEST(smp_client_apply_containers)
{
    const char *patch = "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"c\"},{\"name\":\"side\"}],"
                        "\"containers\":[{\"image\":\"nginx:1.27\",\"name\":\"c\"},"
                        "{\"image\":\"busybox\",\"name\":\"side\"}]}}";
    char *got = apply_ok(patch_strategic, POD, patch);
    ck_assert_str_eq(got, "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.27\","
                          "\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
                          "{\"name\":\"B\",\"value\":\"2\"}]},{\"image\":\"busybox\",\"name\":\"side\"}],"
                          "\"tolerations\":[{\"key\":\"t1\"}]}}");
    cJSON *j = cJSON_Parse(got);
    ck_assert(!has_directive(j));
    cJSON_Delete(j);
    free(got);
}
END_TEST

START_TEST(smp_client_apply_pdb)
{
    const char *cur = "{\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"db\",\"labels\":{\"x\":\"y\"}},"
                      "\"spec\":{\"minAvailable\":2,\"selector\":{\"matchLabels\":{\"app\":\"db\"}}},"
                      "\"status\":{\"conditions\":[{\"type\":\"DisruptionAllowed\",\"status\":\"True\"}]}}";
    const char *patch = "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
                        "\"{}\\n\"},\"labels\":{\"tier\":\"db\"}},\"spec\":{\"maxUnavailable\":1,"
                        "\"minAvailable\":null,\"selector\":{\"matchLabels\":{\"app\":\"db2\"}}}}";
    expect_ok(patch_strategic, cur, patch,
              "{\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"db\",\"labels\":{\"x\":\"y\","
              "\"tier\":\"db\"},\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
              "\"{}\\n\"}},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"db2\"}},\"maxUnavailable\":1},"
              "\"status\":{\"conditions\":[{\"type\":\"DisruptionAllowed\",\"status\":\"True\"}]}}");
}
END_TEST

START_TEST(smp_list_merge_by_key)
{
    /* env merged by name inside the container merged by name; a new item goes first */
    expect_ok(patch_strategic, POD,
              "{\"spec\":{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"B\",\"value\":\"3\"},"
              "{\"name\":\"C\",\"value\":\"4\"}]}]}}",
              "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\","
              "\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
              "{\"name\":\"B\",\"value\":\"3\"},{\"name\":\"C\",\"value\":\"4\"}]}],"
              "\"tolerations\":[{\"key\":\"t1\"}]}}");
    expect_ok(patch_strategic, POD, "{\"spec\":{\"containers\":[{\"name\":\"new\",\"image\":\"x\"}]}}",
              "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"new\",\"image\":\"x\"},"
              "{\"name\":\"c\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}],\"env\":"
              "[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]}],"
              "\"tolerations\":[{\"key\":\"t1\"}]}}");
    /* lists without a merge key are replaced */
    expect_ok(patch_strategic, POD, "{\"spec\":{\"tolerations\":[{\"key\":\"t2\"}]}}",
              "{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\","
              "\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
              "{\"name\":\"B\",\"value\":\"2\"}]}],\"tolerations\":[{\"key\":\"t2\"}]}}");
    /* conditions merged by type (status patches) */
    expect_ok(patch_strategic,
              "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"},"
              "{\"type\":\"PodScheduled\",\"status\":\"True\"}]}}",
              "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
              "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
              "{\"type\":\"PodScheduled\",\"status\":\"True\"}]}}");
}
END_TEST

START_TEST(smp_set_element_order)
{
    const char *cur = "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}";
    expect_ok(patch_strategic, cur,
              "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}",
              "{\"spec\":{\"containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}");
    expect_ok(patch_strategic, cur,
              "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"x\"},{\"name\":\"a\"}],"
              "\"containers\":[{\"name\":\"x\",\"image\":\"i\"}]}}",
              "{\"spec\":{\"containers\":[{\"name\":\"b\"},{\"name\":\"x\",\"image\":\"i\"},{\"name\":\"a\"}]}}");
    expect_err(patch_strategic, cur, "{\"spec\":{\"$setElementOrder/containers\":{\"name\":\"b\"}}}", 400,
               "invalid patch format of setElementOrder list");
}
END_TEST

START_TEST(smp_patch_directives)
{
    const char *cur = "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"side\"}]},"
                      "\"metadata\":{\"labels\":{\"x\":\"1\",\"y\":\"2\"}}}";
    expect_ok(patch_strategic, cur, "{\"spec\":{\"containers\":[{\"name\":\"side\",\"$patch\":\"delete\"}]}}",
              "{\"spec\":{\"containers\":[{\"name\":\"a\"}]},\"metadata\":{\"labels\":{\"x\":\"1\",\"y\":\"2\"}}}");
    expect_ok(patch_strategic, cur,
              "{\"spec\":{\"containers\":[{\"$patch\":\"replace\"},{\"name\":\"z\",\"image\":\"i\"}]}}",
              "{\"spec\":{\"containers\":[{\"name\":\"z\",\"image\":\"i\"}]},\"metadata\":{\"labels\":"
              "{\"x\":\"1\",\"y\":\"2\"}}}");
    expect_ok(patch_strategic, cur, "{\"metadata\":{\"labels\":{\"$patch\":\"replace\",\"only\":\"this\"}}}",
              "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"side\"}]},\"metadata\":{\"labels\":"
              "{\"only\":\"this\"}}}");
    expect_ok(patch_strategic, cur, "{\"metadata\":{\"labels\":{\"$patch\":\"delete\"}}}",
              "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"side\"}]},\"metadata\":{\"labels\":{}}}");
    /* directives inside brand-new values are applied, never stored */
    expect_ok(patch_strategic, "{}",
              "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"}],\"containers\":"
              "[{\"name\":\"a\",\"env\":[{\"name\":\"E\",\"$patch\":\"delete\"}],\"x\":null}]}}",
              "{\"spec\":{\"containers\":[{\"name\":\"a\",\"env\":[]}]}}");
}
END_TEST

START_TEST(smp_retain_keys)
{
    const char *cur = "{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}}}";
    expect_ok(patch_strategic, cur, "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\"}}}",
              "{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}");
    expect_err(patch_strategic, cur,
               "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"rollingUpdate\":{\"maxSurge\":2}}}}", 400,
               "invalid patch format of retainKeys");
    expect_err(patch_strategic, cur, "{\"spec\":{\"strategy\":{\"$retainKeys\":\"type\"}}}", 400,
               "invalid patch format of retainKeys");
}
END_TEST

START_TEST(smp_primitive_lists)
{
    const char *cur = "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]},\"spec\":{\"finalizers\":[\"kubernetes\"]}}";
    expect_ok(patch_strategic, cur, "{\"metadata\":{\"finalizers\":[\"c\",\"a\"]}}",
              "{\"metadata\":{\"finalizers\":[\"c\",\"a\",\"b\"]},\"spec\":{\"finalizers\":[\"kubernetes\"]}}");
    expect_ok(patch_strategic, cur, "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"a\"]}}",
              "{\"metadata\":{\"finalizers\":[\"b\"]},\"spec\":{\"finalizers\":[\"kubernetes\"]}}");
    expect_ok(patch_strategic, cur,
              "{\"metadata\":{\"$setElementOrder/finalizers\":[\"b\",\"c\"],\"$deleteFromPrimitiveList/"
              "finalizers\":[\"a\"],\"finalizers\":[\"c\"]}}",
              "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]},\"spec\":{\"finalizers\":[\"kubernetes\"]}}");
    /* Namespace spec.finalizers has no merge strategy: replaced */
    expect_ok(patch_strategic, cur, "{\"spec\":{\"finalizers\":[]}}",
              "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]},\"spec\":{\"finalizers\":[]}}");
    expect_err(patch_strategic, cur, "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":\"a\"}}", 400,
               "invalid patch format of primitive list");
}
END_TEST

START_TEST(smp_errors)
{
    expect_err(patch_strategic, POD, "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}", 500,
               "map: map[image:x] does not contain declared merge key: name");
    expect_err(patch_strategic, POD, "{\"spec\":{\"containers\":[{\"$patch\":\"delete\",\"image\":\"x\"}]}}", 500,
               "map: map[$patch:delete image:x] does not contain declared merge key: name");
    expect_err(patch_strategic, POD, "{\"metadata\":{\"$patch\":\"frob\"}}", 500,
               "unknown patch type: frob in map: map[$patch:frob]");
    expect_err(patch_strategic, POD, "{\"spec\":{\"containers\":[{\"$patch\":\"merge\"}]}}", 500,
               "merging lists cannot yet be specified in the patch");
    expect_err(patch_strategic, POD, "[1]", 400,
               "json: cannot unmarshal array into Go value of type map[string]interface {}");
    /* hostile nesting is refused, not recursed into without bound */
    char deep[2000] = "";
    for (int i = 0; i < 150; i++)
        strcat(deep, "{\"a\":");
    strcat(deep, "1");
    for (int i = 0; i < 150; i++)
        strcat(deep, "}");
    expect_err(patch_strategic, "{}", deep, 400, "json: exceeded max depth");
    expect_err(patch_merge, "{}", deep, 400, "json: exceeded max depth");
}
END_TEST

START_TEST(smp_merge_key_table)
{
    ck_assert_str_eq(patch_merge_key("containers", "spec"), "name");
    ck_assert_str_eq(patch_merge_key("volumeMounts", "containers"), "mountPath");
    ck_assert_str_eq(patch_merge_key("ports", "containers"), "containerPort");
    ck_assert_str_eq(patch_merge_key("ownerReferences", "metadata"), "uid");
    ck_assert_str_eq(patch_merge_key("finalizers", "metadata"), "");
    ck_assert_ptr_null(patch_merge_key("finalizers", "spec"));
    ck_assert_ptr_null(patch_merge_key("tolerations", "spec"));
}
END_TEST

Suite *patch_suite(void)
{
    Suite *s = suite_create("patch");
    TCase *m = tcase_create("merge");
    tcase_add_test(m, merge_sets_and_deletes);
    tcase_add_test(m, merge_errors);
    suite_add_tcase(s, m);
    TCase *j = tcase_create("json");
    tcase_add_test(j, json_replace_add_remove);
    tcase_add_test(j, json_failures_are_422);
    tcase_add_test(j, json_bad_documents_are_400);
    suite_add_tcase(s, j);
    TCase *t = tcase_create("strategic");
    tcase_add_test(t, smp_cordon_uncordon);
    tcase_add_test(t, smp_client_apply_containers);
    tcase_add_test(t, smp_client_apply_pdb);
    tcase_add_test(t, smp_list_merge_by_key);
    tcase_add_test(t, smp_set_element_order);
    tcase_add_test(t, smp_patch_directives);
    tcase_add_test(t, smp_retain_keys);
    tcase_add_test(t, smp_primitive_lists);
    tcase_add_test(t, smp_errors);
    tcase_add_test(t, smp_merge_key_table);
    suite_add_tcase(s, t);
    return s;
}
