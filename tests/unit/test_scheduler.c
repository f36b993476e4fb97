/* Unit tests for model/controllers/scheduler.c: where pods are bound, the PodScheduled
 * condition and kube-scheduler 1.33's FitError message when a pod fits
 * nowhere, and retries when nodes or pods change. Owns nothing else. */
#define _GNU_SOURCE
#include <check.h>
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "json.h"
#include "rest.h"
#include "scheduler.h"

#define T0 1735689600.0

static cluster *C;

static void setup(void)
{
    cluster_opts o = {.manual_clock = true, .start_time = T0, .time_scale = 1, .controllers = CTRL_SCHEDULER};
    C = cluster_new(&o);
}

static void teardown(void)
{
    cluster_free(C);
    C = NULL;
}

static char *quote(const char *fmt, va_list ap)
{
    char *s = NULL;
    ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static void load(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = quote(fmt, ap);
    va_end(ap);
    cJSON *j = cJSON_Parse(s);
    ck_assert_msg(j != NULL, "bad test JSON: %s", s);
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, j);
    api_result r = {0};
    ck_assert_int_ge(cluster_load(C, a, &r), 0);
    api_result_clear(&r);
    cJSON_Delete(a);
    free(s);
}

static void patch(kind_id k, const char *ns, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = quote(fmt, ap);
    va_end(ap);
    rest_req rq = {.verb = V_PATCH, .kind = k, .ns = ns, .name = name, .body_type = BODY_MERGE_PATCH,
                   .body = s, .body_len = strlen(s)};
    api_result r = {0};
    rest_handle(C, &rq, &r);
    ck_assert_int_eq(r.code, 200);
    api_result_clear(&r);
    free(s);
    cluster_settle(C);
}

/* node(name, "extra spec/metadata/status members") */
static void node(const char *name, const char *labels, const char *spec, const char *status)
{
    load("{'apiVersion':'v1','kind':'Node','metadata':{'name':'%s','labels':{%s}},'spec':{%s},'status':{%s}}", name,
         labels ? labels : "", spec ? spec : "", status ? status : "");
}

static void pod(const char *name, const char *spec)
{
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s','namespace':'default'},"
         "'spec':{%s%s'containers':[{'name':'c','image':'i'}]}}",
         name, spec ? spec : "", spec ? "," : "");
}

static const char *node_of(const char *pod)
{
    store_obj *o = store_get(C->st, K_POD, "default", pod);
    ck_assert_ptr_nonnull(o);
    return jstr(store_doc(o), "spec.nodeName");
}

static const cJSON *scheduled(const char *pod)
{
    store_obj *o = store_get(C->st, K_POD, "default", pod);
    ck_assert_ptr_nonnull(o);
    cJSON *c;
    cJSON_ArrayForEach(c, jget(store_doc(o), "status.conditions"))
        if (!strcmp(jstr(c, "type"), "PodScheduled"))
            return c;
    return NULL;
}

static void ck_unschedulable(const char *pod, const char *message)
{
    const cJSON *c = scheduled(pod);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(node_of(pod));
    ck_assert_str_eq(jstr(c, "status"), "False");
    ck_assert_str_eq(jstr(c, "reason"), "Unschedulable");
    ck_assert_str_eq(jstr(c, "message"), message);
}

START_TEST(binds_least_loaded_then_by_name)
{
    node("b", NULL, NULL, NULL);
    node("a", NULL, NULL, NULL);
    pod("p1", NULL);
    ck_assert_str_eq(node_of("p1"), "a");
    const cJSON *c = scheduled("p1");
    ck_assert_str_eq(jstr(c, "status"), "True");
    ck_assert_str_eq(jstr(c, "lastTransitionTime"), "2025-01-01T00:00:00Z");
    pod("p2", NULL);
    ck_assert_str_eq(node_of("p2"), "b");
    pod("p3", NULL);
    ck_assert_str_eq(node_of("p3"), "a");
}
END_TEST

START_TEST(message_cordon_and_selector)
{
    node("node-1", "'disk':'hdd'", "'unschedulable':true", NULL);
    node("node-2", "'disk':'hdd'", NULL, NULL);
    node("node-3", NULL, NULL, NULL);
    pod("p", "'nodeSelector':{'disk':'ssd'}");
    ck_unschedulable("p", "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node "
                          "affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for "
                          "scheduling.");
}
END_TEST

START_TEST(message_taints_and_not_ready)
{
    node("node-1", NULL, "'taints':[{'key':'dedicated','value':'gpu','effect':'NoSchedule'}]", NULL);
    node("node-2", NULL, "'taints':[{'key':'node-role.kubernetes.io/control-plane','effect':'NoSchedule'}]", NULL);
    node("node-3", NULL, NULL, "'conditions':[{'type':'Ready','status':'False'}]");
    node("node-4", NULL, "'taints':[{'key':'soft','effect':'PreferNoSchedule'}]", "'conditions':[{'type':'Ready','status':'True'}]");
    pod("p", "'nodeSelector':{'x':'y'}");
    ck_unschedulable("p", "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                          "1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint "
                          "{node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint "
                          "{node.kubernetes.io/not-ready: }. preemption: 0/4 nodes are available: 4 Preemption is "
                          "not helpful for scheduling.");
    pod("tolerant", "'tolerations':[{'key':'dedicated','operator':'Equal','value':'gpu','effect':'NoSchedule'}]");
    ck_assert_str_eq(node_of("tolerant"), "node-1");
}
END_TEST

START_TEST(message_too_many_pods)
{
    node("small", NULL, NULL, "'allocatable':{'pods':'1'}");
    pod("p1", NULL);
    ck_assert_str_eq(node_of("p1"), "small");
    pod("p2", NULL);
    ck_unschedulable("p2", "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: "
                           "1 No preemption victims found for incoming pod.");
    /* room again when p1 goes */
    rest_req rq = {.verb = V_DELETE, .kind = K_POD, .ns = "default", .name = "p1", .grace_period = "0"};
    api_result r = {0};
    rest_handle(C, &rq, &r);
    api_result_clear(&r);
    cluster_settle(C);
    ck_assert_str_eq(node_of("p2"), "small");
    ck_assert_str_eq(jstr(scheduled("p2"), "status"), "True");
}
END_TEST

START_TEST(no_nodes)
{
    pod("p", NULL);
    ck_unschedulable("p", "no nodes available to schedule pods");
}
END_TEST

START_TEST(retries_on_uncordon_and_new_nodes)
{
    node("node-1", NULL, "'unschedulable':true", NULL);
    pod("p", NULL);
    ck_unschedulable("p", "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are "
                          "available: 1 Preemption is not helpful for scheduling.");
    patch(K_NODE, NULL, "node-1", "{'spec':{'unschedulable':null}}");
    ck_assert_str_eq(node_of("p"), "node-1");
    pod("q", "'nodeSelector':{'zone':'b'}");
    ck_assert_ptr_null(node_of("q"));
    node("node-2", "'zone':'b'", NULL, NULL);
    ck_assert_str_eq(node_of("q"), "node-2");
}
END_TEST

START_TEST(required_node_affinity)
{
    node("node-1", "'zone':'a','gen':'3'", NULL, NULL);
    node("node-2", "'zone':'b','gen':'5'", NULL, NULL);
    pod("in", "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':"
              "[{'matchExpressions':[{'key':'zone','operator':'In','values':['b','c']}]}]}}}");
    ck_assert_str_eq(node_of("in"), "node-2");
    pod("gt", "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':"
              "[{'matchExpressions':[{'key':'gen','operator':'Lt','values':['4']}]}]}}}");
    ck_assert_str_eq(node_of("gt"), "node-1");
    pod("field", "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':"
                 "[{'matchFields':[{'key':'metadata.name','operator':'NotIn','values':['node-2']}]}]}}}");
    ck_assert_str_eq(node_of("field"), "node-1");
    pod("none", "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':"
                "[{'matchExpressions':[{'key':'zone','operator':'DoesNotExist'}]}]}}}");
    ck_assert_ptr_null(node_of("none"));
}
END_TEST

START_TEST(other_schedulers_and_bound_pods_are_left_alone)
{
    node("node-1", NULL, NULL, NULL);
    pod("mine", "'schedulerName':'custom'");
    ck_assert_ptr_null(node_of("mine"));
    ck_assert_ptr_null(scheduled("mine"));
}
END_TEST

START_TEST(predicates)
{
    cJSON *taint = cJSON_Parse("{\"key\":\"k\",\"value\":\"v\",\"effect\":\"NoSchedule\"}");
    cJSON *eq = cJSON_Parse("[{\"key\":\"k\",\"operator\":\"Equal\",\"value\":\"v\"}]");
    cJSON *wrong = cJSON_Parse("[{\"key\":\"k\",\"value\":\"w\"}]");
    cJSON *all = cJSON_Parse("[{\"operator\":\"Exists\"}]");
    cJSON *exec = cJSON_Parse("[{\"key\":\"k\",\"operator\":\"Exists\",\"effect\":\"NoExecute\"}]");
    ck_assert(sched_tolerates(eq, taint));
    ck_assert(!sched_tolerates(wrong, taint));
    ck_assert(sched_tolerates(all, taint));
    ck_assert(!sched_tolerates(exec, taint));
    cJSON *n = cJSON_Parse("{\"status\":{\"allocatable\":{\"pods\":\"7\"}}}");
    ck_assert_int_eq(sched_node_pod_capacity(n), 7);
    ck_assert(sched_node_ready(n));
    cJSON_Delete(n);
    cJSON_Delete(taint);
    cJSON_Delete(eq);
    cJSON_Delete(wrong);
    cJSON_Delete(all);
    cJSON_Delete(exec);
}
END_TEST

Suite *scheduler_suite(void)
{
    Suite *s = suite_create("scheduler");
    TCase *t = tcase_create("scheduler");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, binds_least_loaded_then_by_name);
    tcase_add_test(t, message_cordon_and_selector);
    tcase_add_test(t, message_taints_and_not_ready);
    tcase_add_test(t, message_too_many_pods);
    tcase_add_test(t, no_nodes);
    tcase_add_test(t, retries_on_uncordon_and_new_nodes);
    tcase_add_test(t, required_node_affinity);
    tcase_add_test(t, other_schedulers_and_bound_pods_are_left_alone);
    tcase_add_test(t, predicates);
    suite_add_tcase(s, t);
    return s;
}
