/* Unit tests for model/load/dump (what is read before the manifest parser:
 * cluster-info dump streams, container logs, the newest time), the cluster
 * loader's skipping of kinds not served, and model/sim/drain's step API
 * (a drain run step by step is the drain drain_run runs). */
#include "cluster.h"
#include "drain.h"
#include "dump.h"
#include "json.h"
#include "manifest.h"
#include "meta.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char cid[] =
    "{\n  \"kind\": \"NodeList\", \"apiVersion\": \"v1\",\n"
    "  \"items\": [{\"metadata\": {\"name\": \"n1\", \"creationTimestamp\": \"2025-03-01T10:00:00Z\"}}]\n}\n"
    "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"items\": [\n"
    "  {\"metadata\": {\"name\": \"p\", \"namespace\": \"a\"}, \"spec\": {\"nodeName\": \"n1\"}}]}\n"
    "==== START logs for container c of pod a/p ====\n"
    "2099-01-01T00:00:00Z {\"not\": [json\n"
    "==== END logs for container c of pod a/p ====\n";

START_TEST(cluster_info_stream_and_logs)
{
    cJSON *got = cJSON_CreateArray();
    manifest_sink sink = manifest_array_sink(got);
    char *err = NULL;
    ck_assert_int_eq(dump_parse_text(cid, strlen(cid), "cid", &sink, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(cJSON_GetArraySize(got), 2);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(got, 0), "kind"), "Node");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(got, 1), "kind"), "Pod");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(got, 1), "metadata.name"), "p");
    cJSON_Delete(got);
    /* the logs do not count for the newest time; offsets do */
    ck_assert(dump_newest_text(cid, strlen(cid)) == 1740823200.0);
    const char *off = "t: \"2025-03-01T12:00:00+02:00\"\nu: 2025-03-01T09:00:00.5Z\nv: 2025-13-01T00:00:00Z\n";
    ck_assert(dump_newest_text(off, strlen(off)) == 1740823200.0);
    ck_assert(dump_newest_text("x: 1\n", 5) == 0);
}
END_TEST

START_TEST(a_broken_value_gives_nothing)
{
    static const char text[] = "{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": "
                               "[{\"apiVersion\": \"v1\", \"kind\": \"Node\", \"metadata\": {\"name\": \"a\"}}]}\n"
                               "{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": []}\n"
                               "{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [{\"kind\": 7}]}\n";
    cJSON *got = cJSON_CreateArray();
    manifest_sink sink = manifest_array_sink(got);
    char *err = NULL;
    ck_assert_int_eq(dump_parse_text(text, strlen(text), "cid", &sink, &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(!strncmp(err, "cid: document 3: ", 17), "%s", err);
    ck_assert_int_eq(cJSON_GetArraySize(got), 0);
    free(err);
    cJSON_Delete(got);
}
END_TEST

static cluster *new_cluster(unsigned controllers)
{
    cluster_opts o = {.manual_clock = true, .start_time = 1735689600, .time_scale = 1, .controllers = controllers};
    return cluster_new(&o);
}

static void put_yaml(cluster_loader *l, const char *yaml)
{
    char *err = NULL;
    cJSON *objs = manifest_parse(yaml, strlen(yaml), "t", &err);
    ck_assert_msg(objs != NULL, "%s", err ? err : "");
    while (objs->child)
        cluster_loader_put(l, cJSON_DetachItemViaPointer(objs, objs->child));
    cJSON_Delete(objs);
}

START_TEST(loader_skips_kinds_not_served)
{
    cluster *c = new_cluster(0);
    cluster_loader *l = cluster_loader_new(c);
    cluster_loader_skip_unknown(l, true);
    put_yaml(l, "apiVersion: coordination.k8s.io/v1beta1\nkind: Lease\nmetadata: {name: a}\n"
                "---\napiVersion: v1\nkind: Node\nmetadata: {name: nd}\n"
                "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
                "---\napiVersion: coordination.k8s.io/v1beta1\nkind: Lease\nmetadata: {name: b}\n");
    cluster_loader_undo(l, 1); /* the last Lease is taken back */
    api_result r = {0};
    cluster_load_report rep;
    ck_assert_int_eq(cluster_loader_finish_report(l, &r, &rep), 1);
    ck_assert(rep.failed_at == (size_t)-1);
    char *s = jprint(rep.skipped);
    ck_assert_str_eq(s, "{\"coordination.k8s.io/v1beta1 Lease\":1,\"example.com/v1 Widget\":1}");
    free(s);
    cJSON_Delete(rep.skipped);
    ck_assert_ptr_nonnull(store_get(c->st, K_NODE, NULL, "nd"));
    /* a failure is numbered among all that was put, skipped ones too */
    l = cluster_loader_new(c);
    cluster_loader_skip_unknown(l, true);
    put_yaml(l, "apiVersion: coordination.k8s.io/v1beta1\nkind: Lease\nmetadata: {name: a}\n"
                "---\napiVersion: v1\nkind: Node\nmetadata: {name: m}\n"
                "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {terminationGracePeriodSeconds: x}\n");
    ck_assert_int_eq(cluster_loader_finish_report(l, &r, &rep), -1);
    ck_assert_uint_eq(rep.failed_at, 2);
    ck_assert_int_eq(r.code, 400);
    ck_assert_ptr_null(store_get(c->st, K_NODE, NULL, "m"));
    cJSON_Delete(rep.skipped);
    api_result_clear(&r);
    /* without skipping, the kind is the error */
    l = cluster_loader_new(c);
    put_yaml(l, "apiVersion: coordination.k8s.io/v1beta1\nkind: Lease\nmetadata: {name: a}\n");
    ck_assert_int_eq(cluster_loader_finish(l, &r), -1);
    ck_assert_str_eq(jstr(r.body, "message"), "object 1: no kind \"Lease\" is registered for version \"coordination.k8s.io/v1beta1\"");
    api_result_clear(&r);
    cluster_free(c);
}
END_TEST

static const char drain_yaml[] =
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"
    "---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\n"
    "---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: web}\n"
    "spec: {replicas: 3, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, "
    "spec: {terminationGracePeriodSeconds: 7, containers: [{name: c, image: c, readinessProbe: "
    "{exec: {command: [x]}, initialDelaySeconds: 12, periodSeconds: 1}}]}}}\n"
    "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web}\n"
    "spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}\n";

static cluster *drain_cluster(void)
{
    meta_seed(7);
    cluster *c = new_cluster(CTRL_ALL);
    char *err = NULL;
    cJSON *objs = manifest_parse(drain_yaml, strlen(drain_yaml), "t", &err);
    api_result r = {0};
    ck_assert_int_ge(cluster_load_take(c, objs, &r), 0);
    clock_advance(c->clk, 60);
    return c;
}

START_TEST(drain_steps_are_drain_run)
{
    drain_opts o = {.node = "n1", .grace_period = -1, .timeout = 600};
    cluster *a = drain_cluster();
    drain_result ra;
    drain_run(a, &o, &ra);
    cluster *b = drain_cluster();
    drain_result rb;
    drain_job *j = drain_start(b, &o, &rb);
    double t;
    int steps = 0;
    while (drain_due(j, &t)) {
        if (t > cluster_now(b))
            clock_advance(b->clk, t - cluster_now(b));
        drain_act(j);
        steps++;
    }
    drain_end(j);
    ck_assert_int_gt(steps, 1);
    char *ta = jprint(ra.timeline), *tb = jprint(rb.timeline), *aa = jprint(ra.attempts), *ab = jprint(rb.attempts);
    ck_assert_str_eq(ta, tb);
    ck_assert_str_eq(aa, ab);
    ck_assert_int_eq(ra.outcome, DRAIN_DRAINED);
    ck_assert_int_eq(rb.outcome, DRAIN_DRAINED);
    /* repeated 429s of one pod are one attempt entry with a count */
    const cJSON *x;
    int refused = 0;
    cJSON_ArrayForEach(x, ra.attempts)
        if (jnum(x, "code", 0) == 429)
            refused += jnum(x, "count", 0) > 1;
    ck_assert_int_ge(refused, 1);
    free(ta);
    free(tb);
    free(aa);
    free(ab);
    drain_result_free(&ra);
    drain_result_free(&rb);
    cluster_free(a);
    cluster_free(b);
    meta_seed(0);
}
END_TEST

Suite *dump_suite(void)
{
    Suite *s = suite_create("dump");
    TCase *t = tcase_create("dump");
    tcase_add_test(t, cluster_info_stream_and_logs);
    tcase_add_test(t, a_broken_value_gives_nothing);
    tcase_add_test(t, loader_skips_kinds_not_served);
    tcase_add_test(t, drain_steps_are_drain_run);
    suite_add_tcase(s, t);
    return s;
}
