/* Unit tests for model/drain: kubectl drain's filters and messages, the 429
 * loop on the virtual clock, waiting for deletion, the timeout, dry runs,
 * the DELETE path, and the timeline. */
#include "cluster.h"
#include "drain.h"
#include "json.h"
#include "manifest.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RS_OWNER "ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u-rs, controller: true}]"
#define WEB_POD(name, node, extra)                                                                    \
    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: " name ", labels: {app: web}, " RS_OWNER extra \
    "}\nspec: {nodeName: " node ", containers: [{name: c, image: c}]}\n"

static const char base_yaml[] =
    "apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n"
    "---\napiVersion: v1\nkind: Node\nmetadata: {name: node-2}\n"
    "---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web, uid: u-rs}\n"
    "spec: {replicas: 3, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, "
    "spec: {containers: [{name: c, image: c}]}}}\n"
    WEB_POD("web-1", "node-1", "")
    WEB_POD("web-2", "node-2", "")
    WEB_POD("web-3", "node-2", "");

static cluster *dr_cluster(const char *extra_yaml, const char *pdb_min)
{
    cluster_opts o = {.manual_clock = true, .start_time = 1735689600, .time_scale = 1,
                      .controllers = CTRL_DISRUPTION | CTRL_KUBELET};
    cluster *c = cluster_new(&o);
    char yaml[8192];
    snprintf(yaml, sizeof yaml,
             "%s%s---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
             "spec: {minAvailable: %s, selector: {matchLabels: {app: web}}}\n",
             base_yaml, extra_yaml ? extra_yaml : "", pdb_min);
    char *err = NULL;
    cJSON *objs = manifest_parse(yaml, strlen(yaml), "test", &err);
    ck_assert_msg(objs != NULL, "%s", err ? err : "");
    api_result r = {0};
    ck_assert_int_ge(cluster_load(c, objs, &r), 0);
    cJSON_Delete(objs);
    return c;
}

static bool has_line(const cJSON *arr, const char *line)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) {
        const char *s = cJSON_IsString(x) ? x->valuestring : jstr(x, "line");
        if (s && !strcmp(s, line))
            return true;
    }
    return false;
}

static void assert_line(const cJSON *arr, const char *line)
{
    if (!has_line(arr, line)) {
        char *all = cJSON_Print(arr);
        ck_abort_msg("missing line: %s\nin: %s", line, all);
        free(all);
    }
}

static drain_opts dr_opts(const char *node)
{
    drain_opts o = {.node = node, .grace_period = -1};
    return o;
}

START_TEST(go_durations)
{
    char b[32];
    drain_go_duration(0, b, sizeof b);
    ck_assert_str_eq(b, "0s");
    drain_go_duration(7, b, sizeof b);
    ck_assert_str_eq(b, "7s");
    drain_go_duration(90, b, sizeof b);
    ck_assert_str_eq(b, "1m30s");
    drain_go_duration(600, b, sizeof b);
    ck_assert_str_eq(b, "10m0s");
    drain_go_duration(3600, b, sizeof b);
    ck_assert_str_eq(b, "1h0m0s");
    drain_go_duration(1.5, b, sizeof b);
    ck_assert_str_eq(b, "1.5s");
    drain_go_duration(1e30, b, sizeof b); /* a scenario's "1e30s": Go's longest duration */
    ck_assert_str_eq(b, "2562047h47m16s");
}
END_TEST

START_TEST(drained_after_grace_period)
{
    cluster *c = dr_cluster(NULL, "2");
    drain_opts o = dr_opts("node-1");
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_DRAINED);
    ck_assert_double_eq(r.elapsed, 30);
    ck_assert_int_eq(cJSON_GetArraySize(r.left), 0);
    assert_line(r.output, "node/node-1 cordoned");
    assert_line(r.output, "evicting pod default/web-1");
    assert_line(r.output, "pod/web-1 evicted");
    assert_line(r.output, "node/node-1 drained");
    assert_line(r.timeline, "t=+0s evict default/web-1 → 201 (allowed by PDB web)");
    assert_line(r.timeline, "t=+30s default/web-1 gone");
    ck_assert(cJSON_IsTrue(jget(store_doc(store_get(c->st, K_NODE, NULL, "node-1")), "spec.unschedulable")));
    ck_assert_ptr_null(store_get(c->st, K_POD, "default", "web-1"));
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

START_TEST(blocked_by_budget_until_timeout)
{
    cluster *c = dr_cluster(NULL, "3");
    drain_opts o = dr_opts("node-1");
    o.timeout = 7;
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_BLOCKED);
    ck_assert_double_eq(r.elapsed, 10); /* the check runs after the 5 s sleep */
    ck_assert_int_eq(cJSON_GetArraySize(r.left), 1);
    ck_assert_str_eq(cJSON_GetArrayItem(r.left, 0)->valuestring, "default/web-1");
    assert_line(r.output, "error when evicting pods/\"web-1\" -n \"default\" (will retry after 5s): "
                          "Cannot evict pod as it would violate the pod's disruption budget.");
    assert_line(r.output, "error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 7s");
    assert_line(r.output, "pod/web-1");
    assert_line(r.output, "error: unable to drain node \"node-1\" due to error: error when evicting pods/\"web-1\" "
                          "-n \"default\": global timeout reached: 7s, continuing command...");
    assert_line(r.timeline, "t=+0s…+5s evict default/web-1 ×2 → 429 (PDB web: 3 healthy, needs 3)");
    assert_line(r.timeline, "t=+10s evict default/web-1 → gave up: global timeout reached: 7s");
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "web-1"));
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

START_TEST(no_timeout_stops_at_horizon)
{
    cluster *c = dr_cluster(NULL, "3");
    drain_opts o = dr_opts("node-1");
    o.horizon = 60;
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_BLOCKED);
    ck_assert_double_eq(r.elapsed, 60);
    assert_line(r.errors, "default/web-1: still refused after 1m0s of virtual time (without a timeout kubectl "
                          "drain would go on forever)");
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

START_TEST(filters_in_order_with_kubectl_messages)
{
    static const char extra[] =
        "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds, namespace: kube-system, uid: u-ds}\n"
        "spec: {selector: {matchLabels: {app: ds}}, template: {metadata: {labels: {app: ds}}, spec: {containers: [{name: c, image: c}]}}}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: ds-pod, namespace: kube-system, "
        "ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: ds, uid: u-ds, controller: true}]}\n"
        "spec: {nodeName: node-1, containers: [{name: c, image: c}]}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: mirror, annotations: {kubernetes.io/config.mirror: x}}\n"
        "spec: {nodeName: node-1, containers: [{name: c, image: c}]}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec: {nodeName: node-1, containers: [{name: c, image: c}]}\n"
        WEB_POD("scratch", "node-1", "") ;
    cluster *c = dr_cluster(extra, "1");
    /* give scratch an emptyDir */
    store_obj *p = store_get(c->st, K_POD, "default", "scratch");
    cJSON *doc = cJSON_Duplicate(store_doc(p), true);
    cJSON_AddItemToObject(jget(doc, "spec"), "volumes", cJSON_Parse("[{\"name\":\"tmp\",\"emptyDir\":{}}]"));
    store_replace(c->st, p, doc);
    drain_opts o = dr_opts("node-1");
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_FAILED);
    ck_assert_double_eq(r.elapsed, 0);
    assert_line(r.errors, "cannot delete cannot delete Pods that declare no controller (use --force to override): default/bare");
    assert_line(r.errors, "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch");
    assert_line(r.errors, "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/ds-pod");
    ck_assert_int_eq(cJSON_GetArraySize(r.errors), 3);
    assert_line(r.output, "There are pending nodes to be drained:");
    ck_assert(!has_line(r.output, "evicting pod default/web-1"));
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "web-1"));
    drain_result_free(&r);

    o.ignore_daemonsets = o.force = o.delete_emptydir_data = true;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_DRAINED);
    assert_line(r.output, "node/node-1 already cordoned");
    assert_line(r.output, "Warning: deleting Pods that declare no controller: default/bare; "
                          "ignoring DaemonSet-managed Pods: kube-system/ds-pod");
    ck_assert(!has_line(r.output, "evicting pod default/mirror"));
    assert_line(r.output, "evicting pod default/scratch");
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "mirror"));
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "kube-system", "ds-pod"));
    ck_assert_ptr_null(store_get(c->st, K_POD, "default", "bare"));
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

START_TEST(missing_node)
{
    cluster *c = dr_cluster(NULL, "1");
    drain_opts o = dr_opts("nope");
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_FAILED);
    assert_line(r.output, "Error from server (NotFound): nodes \"nope\" not found");
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

START_TEST(server_dry_run_changes_nothing)
{
    cluster *c = dr_cluster(NULL, "2");
    drain_opts o = dr_opts("node-1");
    o.dry_run = DRAIN_DRY_SERVER;
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_DRAINED);
    ck_assert_double_eq(r.elapsed, 0);
    assert_line(r.output, "node/node-1 cordoned (server dry run)");
    assert_line(r.output, "evicting pod default/web-1 (server dry run)");
    assert_line(r.output, "node/node-1 drained (server dry run)");
    ck_assert(!has_line(r.output, "pod/web-1 evicted"));
    ck_assert(!cJSON_IsTrue(jget(store_doc(store_get(c->st, K_NODE, NULL, "node-1")), "spec.unschedulable")));
    const cJSON *pod = store_doc(store_get(c->st, K_POD, "default", "web-1"));
    ck_assert_ptr_null(jstr(pod, "metadata.deletionTimestamp"));
    ck_assert_int_eq((int)jnum(store_doc(store_get(c->st, K_PDB, "default", "web")), "status.disruptionsAllowed", -1), 1);
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

START_TEST(disable_eviction_deletes)
{
    cluster *c = dr_cluster(NULL, "3");
    drain_opts o = dr_opts("node-1");
    o.disable_eviction = true;
    o.grace_period = 5;
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_DRAINED); /* DELETE ignores PDBs */
    ck_assert_double_eq(r.elapsed, 5);
    assert_line(r.output, "pod/web-1 deleted");
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

START_TEST(eviction_error_fails_the_pod)
{
    cluster *c = dr_cluster(NULL, "1");
    cJSON *err = NULL;
    cJSON *rule = cJSON_Parse("{\"match\":{\"subresource\":\"eviction\"},\"response\":{\"code\":500,"
                              "\"reason\":\"InternalError\",\"message\":\"boom\"},\"times\":1}");
    cJSON *added = faults_add(c->faults, rule, &err);
    ck_assert_ptr_nonnull(added);
    cJSON_Delete(added);
    cJSON_Delete(rule);
    drain_opts o = dr_opts("node-1");
    drain_result r;
    drain_run(c, &o, &r);
    ck_assert_int_eq(r.outcome, DRAIN_FAILED);
    assert_line(r.output, "error when evicting pods/\"web-1\" -n \"default\": boom");
    assert_line(r.output, "There are pending pods in node \"node-1\" when an error occurred: "
                          "error when evicting pods/\"web-1\" -n \"default\": boom");
    assert_line(r.timeline, "t=+0s evict default/web-1 → 500 (boom) [fault]");
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "web-1"));
    drain_result_free(&r);
    cluster_free(c);
}
END_TEST

Suite *drain_suite(void)
{
    Suite *s = suite_create("drain");
    TCase *t = tcase_create("drain");
    tcase_add_test(t, go_durations);
    tcase_add_test(t, drained_after_grace_period);
    tcase_add_test(t, blocked_by_budget_until_timeout);
    tcase_add_test(t, no_timeout_stops_at_horizon);
    tcase_add_test(t, filters_in_order_with_kubectl_messages);
    tcase_add_test(t, missing_node);
    tcase_add_test(t, server_dry_run_changes_nothing);
    tcase_add_test(t, disable_eviction_deletes);
    tcase_add_test(t, eviction_error_fails_the_pod);
    suite_add_tcase(s, t);
    return s;
}
