/* Unit tests for model/disruption: PDB status as kube-controller-manager's
 * disruption controller writes it (the cases of docs/reference/disruption-controller.md
 * §5; "derived" ones are marked D*), its Events, and its timing on the virtual
 * clock. Owns nothing else. */
#define _GNU_SOURCE
#include <check.h>
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "disruption.h"
#include "json.h"
#include "rest.h"

#define T0 1735689600.0 /* 2025-01-01T00:00:00Z */
#define RS_REF(name, uid) "{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'" name "','uid':'" uid "','controller':true}"

static cluster *C;

static cluster *mk(unsigned controllers, double delay)
{
    cluster_opts o = {.manual_clock = true, .start_time = T0, .time_scale = 1,
                      .controllers = controllers, .pdb_sync_delay = delay};
    return cluster_new(&o);
}

static void setup(void) { C = mk(CTRL_DISRUPTION, 0); }
static void teardown(void)
{
    cluster_free(C);
    C = NULL;
}

/* Load objects written as JSON with single quotes (one object or an array). */
static void load(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
    va_end(ap);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    cJSON *j = cJSON_Parse(s);
    ck_assert_msg(j != NULL, "bad test JSON: %s", s);
    if (!cJSON_IsArray(j)) {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, j);
        j = a;
    }
    api_result r = {0};
    int n = cluster_load(C, j, &r);
    char *why = r.body ? cJSON_PrintUnformatted(r.body) : NULL;
    ck_assert_msg(n >= 0, "load failed: %s", why);
    free(why);
    api_result_clear(&r);
    cJSON_Delete(j);
    free(s);
}

/* A pod labelled app=web; ready "True"/"False"/NULL (no conditions); owner JSON or NULL; extra metadata. */
static void pod(const char *name, const char *ready, const char *owner, const char *extra)
{
    char cond[128] = "";
    if (ready)
        snprintf(cond, sizeof cond, "{'type':'Ready','status':'%s'}", ready);
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s','namespace':'default','labels':{'app':'web'}"
         "%s%s%s%s},'spec':{'nodeName':'n1','containers':[{'name':'c','image':'i'}]},"
         "'status':{'phase':'Running','conditions':[%s]}}",
         name, owner ? ",'ownerReferences':[" : "", owner ? owner : "", owner ? "]" : "", extra ? extra : "", cond);
}

/* A PDB named web selecting app=web unless spec says otherwise; spec is the inside of spec {...}. */
static void pdb(const char *spec, const char *status)
{
    load("{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'web','namespace':'default'},"
         "'spec':{%s},'status':%s}",
         spec, status ? status : "{'disruptionsAllowed':0,'currentHealthy':0,'desiredHealthy':0,'expectedPods':0}");
}

static void workload(const char *kind, const char *av, const char *name, const char *uid, int replicas,
                     const char *owner)
{
    load("{'apiVersion':'%s','kind':'%s','metadata':{'name':'%s','namespace':'default','uid':'%s'%s%s%s},"
         "'spec':{'replicas':%d,'selector':%s,'template':{'metadata':{'labels':{'app':'web'}},"
         "'spec':{'containers':[{'name':'c','image':'i'}]}}}}",
         av, kind, name, uid, owner ? ",'ownerReferences':[" : "", owner ? owner : "", owner ? "]" : "", replicas,
         strcmp(kind, "ReplicationController") ? "{'matchLabels':{'app':'web'}}" : "{'app':'web'}");
}

static store_obj *get_pdb(void)
{
    store_obj *o = store_get(C->st, K_PDB, "default", "web");
    ck_assert_ptr_nonnull(o);
    return o;
}

static double st(const char *field)
{
    return jnum(jget(store_doc(get_pdb()), "status"), field, -1);
}

/* (disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods), as the upstream tests write it. */
#define ck_pdb(a, cur, des, exp)                                                                            \
    do {                                                                                                    \
        ck_assert_int_eq((int)st("disruptionsAllowed"), a);                                                 \
        ck_assert_int_eq((int)st("currentHealthy"), cur);                                                   \
        ck_assert_int_eq((int)st("desiredHealthy"), des);                                                   \
        ck_assert_int_eq((int)st("expectedPods"), exp);                                                     \
    } while (0)

static const cJSON *cond(void)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(store_doc(get_pdb()), "status.conditions"))
        if (!strcmp(jstr(c, "type"), "DisruptionAllowed"))
            return c;
    return NULL;
}

static void ck_cond(const char *status, const char *reason, const char *message)
{
    const cJSON *c = cond();
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(jstr(c, "status"), status);
    ck_assert_str_eq(jstr(c, "reason"), reason);
    ck_assert_str_eq(jstr(c, "message"), message);
}

/* The Event with this reason (NULL when none); there must be at most one. */
static const cJSON *event(const char *reason)
{
    size_t n;
    store_obj **all = store_list(C->st, K_EVENT, "default", &n);
    const cJSON *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(jstr(store_doc(all[i]), "reason"), reason)) {
            ck_assert_msg(!found, "two %s events", reason);
            found = store_doc(all[i]);
        }
    free(all);
    return found;
}

/* ---- minAvailable / maxUnavailable, integer and percentage -------------- */

START_TEST(t2_unavailable)
{
    pdb("'minAvailable':3,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 0, 3, 0);
    pod("p0", "True", NULL, NULL);
    pod("p1", "True", NULL, NULL);
    pod("p2", "True", NULL, NULL);
    ck_pdb(0, 3, 3, 3);
    ck_cond("False", "InsufficientPods", "");
    pod("p3", "True", NULL, NULL);
    ck_pdb(1, 4, 3, 4);
    ck_cond("True", "SufficientPods", "");
    pod("p0", NULL, NULL, NULL);
    ck_pdb(0, 3, 3, 4);
    ck_cond("False", "InsufficientPods", "");
}
END_TEST

START_TEST(t1_empty_selector_matches_all)
{
    pdb("'minAvailable':3,'selector':{}", NULL);
    ck_pdb(0, 0, 3, 0);
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'bare','namespace':'default'},"
         "'spec':{'containers':[{'name':'c','image':'i'}]},'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True'}]}}");
    ck_pdb(0, 1, 3, 1);
    /* another namespace never counts */
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'other','namespace':'ns2','labels':{'app':'web'}},"
         "'spec':{'containers':[{'name':'c','image':'i'}]},'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True'}]}}");
    disruption_sync_now(C);
    ck_pdb(0, 1, 3, 1);
}
END_TEST

START_TEST(d1_null_selector_matches_nothing)
{
    pod("p0", "True", NULL, NULL);
    pdb("'minAvailable':2", NULL);
    ck_pdb(0, 0, 2, 0);
    ck_cond("False", "InsufficientPods", "");
    const cJSON *e = event("NoPods");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(jstr(e, "type"), "Normal");
    ck_assert_str_eq(jstr(e, "message"), "No matching pods found");
}
END_TEST

START_TEST(t4_t5_max_unavailable_with_scaling)
{
    workload("ReplicaSet", "apps/v1", "rs", "rs-uid", 7, NULL);
    pod("p0", "True", RS_REF("rs", "rs-uid"), NULL);
    pdb("'maxUnavailable':2,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 1, 5, 7);
    /* a scale change alone triggers no sync (the controller has no workload handlers) */
    workload("ReplicaSet", "apps/v1", "rs", "rs-uid", 5, NULL);
    ck_pdb(0, 1, 5, 7);
    disruption_sync_now(C);
    ck_pdb(0, 1, 3, 5);
    /* 30%: ceil(0.3*5) = 2 unavailable */
    pdb("'maxUnavailable':'30%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 1, 3, 5);
    workload("ReplicaSet", "apps/v1", "rs", "rs-uid", 7, NULL);
    pod("p0", "True", RS_REF("rs", "rs-uid"), NULL);
    ck_pdb(0, 1, 4, 7); /* ceil(2.1) = 3 unavailable */
    workload("ReplicaSet", "apps/v1", "rs", "rs-uid", 3, NULL);
    pod("p0", "True", RS_REF("rs", "rs-uid"), NULL);
    ck_pdb(0, 1, 2, 3); /* ceil(0.9) = 1 */
}
END_TEST

START_TEST(t10_replicaset_percentage_rounds_up)
{
    workload("ReplicaSet", "apps/v1", "rs", "rs-uid", 10, NULL);
    pod("p0", "True", RS_REF("rs", "rs-uid"), NULL);
    pdb("'minAvailable':'20%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 1, 2, 10);
    pdb("'minAvailable':'21%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 1, 3, 10); /* ceil(2.1) */
}
END_TEST

START_TEST(t14_replication_controller_and_rogue_pod)
{
    const char *ref = "{'apiVersion':'v1','kind':'ReplicationController','name':'rc','uid':'rc-uid','controller':true}";
    workload("ReplicationController", "v1", "rc", "rc-uid", 3, NULL);
    pdb("'minAvailable':'34%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 0, 0, 0);
    pod("p0", "True", ref, NULL);
    ck_pdb(0, 1, 2, 3);
    pod("p1", "True", ref, NULL);
    ck_pdb(0, 2, 2, 3);
    pod("p2", "True", ref, NULL);
    ck_pdb(1, 3, 2, 3);
    ck_assert_ptr_null(event("UnmanagedPods"));
    pod("rogue", "True", NULL, NULL);
    ck_pdb(2, 4, 2, 3);
    ck_cond("True", "SufficientPods", "");
    const cJSON *e = event("UnmanagedPods");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(jstr(e, "type"), "Warning");
    ck_assert_str_eq(jstr(e, "message"),
                     "Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: web,},"
                     "MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the "
                     "PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please "
                     "set \".spec.minAvailable\" field of the PDB to an integer value.");
}
END_TEST

START_TEST(t15_statefulset)
{
    const char *ref = "{'apiVersion':'apps/v1','kind':'StatefulSet','name':'ss','uid':'ss-uid','controller':true}";
    workload("StatefulSet", "apps/v1", "ss", "ss-uid", 3, NULL);
    pdb("'minAvailable':'34%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 0, 0, 0);
    pod("ss-0", "True", ref, NULL);
    ck_pdb(0, 1, 2, 3);
    pod("ss-1", "True", ref, NULL);
    pod("ss-2", "True", ref, NULL);
    ck_pdb(1, 3, 2, 3);
}
END_TEST

START_TEST(d7_deployment_counted_once_across_replicasets)
{
    const char *dref = "{'apiVersion':'apps/v1','kind':'Deployment','name':'web','uid':'dep-uid','controller':true}";
    workload("Deployment", "apps/v1", "web", "dep-uid", 4, NULL);
    workload("ReplicaSet", "apps/v1", "web-a", "rsa-uid", 2, dref);
    workload("ReplicaSet", "apps/v1", "web-b", "rsb-uid", 2, dref);
    pod("a0", "True", RS_REF("web-a", "rsa-uid"), NULL);
    pod("a1", "True", RS_REF("web-a", "rsa-uid"), NULL);
    pod("b0", "True", RS_REF("web-b", "rsb-uid"), NULL);
    pod("b1", "True", RS_REF("web-b", "rsb-uid"), NULL);
    pdb("'maxUnavailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(1, 4, 3, 4);
}
END_TEST

START_TEST(d5_max_unavailable_10_percent_single_replica)
{
    const char *dref = "{'apiVersion':'apps/v1','kind':'Deployment','name':'web','uid':'dep-uid','controller':true}";
    workload("Deployment", "apps/v1", "web", "dep-uid", 1, NULL);
    workload("ReplicaSet", "apps/v1", "web-a", "rsa-uid", 1, dref);
    pod("a0", "True", RS_REF("web-a", "rsa-uid"), NULL);
    pdb("'maxUnavailable':'10%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(1, 1, 0, 1);
}
END_TEST

START_TEST(d6_hundred_percent_and_max_unavailable_zero)
{
    workload("ReplicaSet", "apps/v1", "rs", "rs-uid", 3, NULL);
    pod("p0", "True", RS_REF("rs", "rs-uid"), NULL);
    pod("p1", "True", RS_REF("rs", "rs-uid"), NULL);
    pod("p2", "True", RS_REF("rs", "rs-uid"), NULL);
    pdb("'minAvailable':'100%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 3, 3, 3);
    pdb("'maxUnavailable':0,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 3, 3, 3);
}
END_TEST

START_TEST(d2_neither_field)
{
    pod("p0", "True", NULL, NULL);
    pod("p1", "True", NULL, NULL);
    pod("p2", "True", NULL, NULL);
    pdb("'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 3, 0, 0);
}
END_TEST

START_TEST(t3_t6_naked_pods_unmanaged)
{
    pdb("'maxUnavailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    pod("naked", "True", NULL, NULL);
    ck_pdb(0, 1, 0, 0);
    ck_cond("False", "InsufficientPods", "");
    const cJSON *e = event("UnmanagedPods");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(jstr(e, "involvedObject.kind"), "PodDisruptionBudget");
    ck_assert_str_eq(jstr(e, "involvedObject.apiVersion"), "policy/v1");
    ck_assert_str_eq(jstr(e, "involvedObject.name"), "web");
    ck_assert_str_eq(jstr(e, "involvedObject.uid"), jstr(store_doc(get_pdb()), "metadata.uid"));
    ck_assert_str_eq(jstr(e, "source.component"), "controllermanager");
    ck_assert_str_eq(jstr(e, "reportingComponent"), "controllermanager");
    ck_assert_int_eq(strncmp(jstr(e, "metadata.name"), "web.", 4), 0);
    ck_assert_uint_eq(strlen(jstr(e, "metadata.name")), 4 + 16);
    pdb("'minAvailable':'28%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 1, 0, 0);
    ck_cond("False", "InsufficientPods", "");
}
END_TEST

/* ---- failSafe ----------------------------------------------------------- */

START_TEST(t7_unsupported_controller_fail_safe)
{
    pdb("'minAvailable':'28%','selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 0, 0, 0);
    ck_assert_int_eq((int)st("observedGeneration"), 1);
    pod("p0", "True", "{'apiVersion':'apps.test.io/v1','kind':'TestWorkload','name':'fake-controller','uid':'u1','controller':true}", NULL);
    ck_pdb(0, 0, 0, 0);
    ck_cond("False", "SyncFailed", "no matches for kind \"TestWorkload\" in version \"apps.test.io/v1\"");
    const cJSON *e = event("CalculateExpectedPodCountFailed");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(jstr(e, "type"), "Warning");
    ck_assert_str_eq(jstr(e, "message"), "Failed to calculate the number of expected pods: no matches for kind "
                                         "\"TestWorkload\" in version \"apps.test.io/v1\"");
}
END_TEST

START_TEST(fail_safe_keeps_numbers_and_generation)
{
    workload("ReplicaSet", "apps/v1", "rs", "rs-uid", 2, NULL);
    pod("p0", "True", RS_REF("rs", "rs-uid"), NULL);
    pod("p1", "True", RS_REF("rs", "rs-uid"), NULL);
    pdb("'maxUnavailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(1, 2, 1, 2);
    const char *ltt = strdup(jstr(cond(), "lastTransitionTime"));
    /* a Job-owned pod: the scale lookup fails */
    clock_advance(C->clk, 10);
    pod("job-1", "True", "{'apiVersion':'batch/v1','kind':'Job','name':'j','uid':'j-uid','controller':true}", NULL);
    ck_pdb(0, 2, 1, 2);
    ck_cond("False", "SyncFailed", "jobs.batch does not implement the scale subresource");
    ck_assert_str_ne(jstr(cond(), "lastTransitionTime"), ltt); /* True -> False */
    ck_assert_int_eq((int)st("observedGeneration"), 1);
    /* D9: the cause goes away: full recompute, message cleared */
    store_remove(C->st, store_get(C->st, K_POD, "default", "job-1"));
    cluster_settle(C);
    ck_pdb(1, 2, 1, 2);
    ck_cond("True", "SufficientPods", "");
    free((void *)ltt);
}
END_TEST

START_TEST(t22_invalid_selector_fail_safe)
{
    pod("p0", "True", NULL, NULL);
    /* validation rejects this selector, so it goes into the store directly (data that slipped through) */
    cJSON *doc = cJSON_Parse("{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"web\","
                             "\"namespace\":\"default\",\"uid\":\"u\",\"generation\":1},\"spec\":{\"minAvailable\":3,"
                             "\"selector\":{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"illegal\"}]}},"
                             "\"status\":{\"disruptionsAllowed\":0,\"currentHealthy\":0,\"desiredHealthy\":0,\"expectedPods\":0}}");
    store_insert(C->st, K_PDB, doc);
    cluster_settle(C);
    ck_pdb(0, 0, 0, 0);
    ck_assert_str_eq(jstr(cond(), "status"), "False");
    ck_assert_str_eq(jstr(cond(), "reason"), "SyncFailed");
    const cJSON *e = event("NoPods");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(jstr(e, "type"), "Warning");
    ck_assert_int_eq(strncmp(jstr(e, "message"), "Failed to get pods: ", 20), 0);
    ck_assert_str_eq(jstr(e, "message") + 20, jstr(cond(), "message"));
}
END_TEST

/* ---- health --------------------------------------------------------------- */

START_TEST(d3_terminating_pod_not_healthy_but_expected)
{
    pod("p0", "True", NULL, NULL);
    pod("p1", "True", NULL, NULL);
    pod("p2", "True", NULL, ",'deletionTimestamp':'2025-01-01T00:00:00Z','deletionGracePeriodSeconds':30");
    pdb("'minAvailable':2,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 2, 2, 3);
}
END_TEST

START_TEST(d4_phase_is_not_checked)
{
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'done','namespace':'default','labels':{'app':'web'}},"
         "'spec':{'containers':[{'name':'c','image':'i'}]},'status':{'phase':'Succeeded','conditions':[{'type':'Ready','status':'True'}]}}");
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 1, 1, 1);
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'done','namespace':'default','labels':{'app':'web'}},"
         "'spec':{'containers':[{'name':'c','image':'i'}]},'status':{'phase':'Succeeded','conditions':[{'type':'Ready','status':'False'}]}}");
    ck_pdb(0, 0, 1, 1);
}
END_TEST

START_TEST(t18_update_disrupted_pods)
{
    /* now = T0 + 600 */
    clock_advance(C->clk, 600);
    pod("p1", "True", NULL, ",'deletionTimestamp':'2025-01-01T00:10:00Z','deletionGracePeriodSeconds':30");
    pod("p2", "True", NULL, NULL);
    pod("p3", "True", NULL, NULL);
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}",
        "{'disruptionsAllowed':0,'currentHealthy':0,'desiredHealthy':0,'expectedPods':0,"
        "'disruptedPods':{'p1':'2025-01-01T00:10:00Z','p2':'2025-01-01T00:07:00Z','p3':'2025-01-01T00:09:00Z',"
        "'notthere':'2025-01-01T00:10:00Z'}}");
    ck_pdb(0, 1, 1, 3);
    const cJSON *dp = jget(store_doc(get_pdb()), "status.disruptedPods");
    ck_assert_int_eq(cJSON_GetArraySize(dp), 1);
    ck_assert_str_eq(jstr(dp, "p3"), "2025-01-01T00:09:00Z");
    const cJSON *e = event("NotDeleted");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(jstr(e, "involvedObject.kind"), "Pod");
    ck_assert_str_eq(jstr(e, "involvedObject.name"), "p2");
    ck_assert_str_eq(jstr(e, "message"), "Pod was expected by PDB default/default to be deleted but it wasn't");
}
END_TEST

START_TEST(disrupted_pod_expires_after_two_minutes)
{
    pod("p0", "True", NULL, NULL);
    pod("p1", "True", NULL, NULL);
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}",
        "{'disruptionsAllowed':0,'currentHealthy':1,'desiredHealthy':1,'expectedPods':2,"
        "'disruptedPods':{'p1':'2025-01-01T00:00:00Z'}}");
    ck_pdb(0, 1, 1, 2);
    clock_advance(C->clk, 119);
    ck_pdb(0, 1, 1, 2);
    ck_assert_str_eq(jstr(store_doc(get_pdb()), "status.disruptedPods.p1"), "2025-01-01T00:00:00Z");
    ck_assert_ptr_null(event("NotDeleted"));
    clock_advance(C->clk, 2);
    ck_pdb(1, 2, 1, 2);
    ck_assert_ptr_null(jget(store_doc(get_pdb()), "status.disruptedPods"));
    ck_assert_ptr_nonnull(event("NotDeleted"));
}
END_TEST

START_TEST(d8_entry_at_exact_expiry_kept_and_pod_healthy)
{
    clock_advance(C->clk, 120);
    pod("p0", "True", NULL, NULL);
    pdb("'minAvailable':0,'selector':{'matchLabels':{'app':'web'}}",
        "{'disruptionsAllowed':0,'currentHealthy':0,'desiredHealthy':0,'expectedPods':1,"
        "'disruptedPods':{'p0':'2025-01-01T00:00:00Z'}}");
    ck_pdb(1, 1, 0, 1);
    ck_assert_str_eq(jstr(store_doc(get_pdb()), "status.disruptedPods.p0"), "2025-01-01T00:00:00Z");
    clock_advance(C->clk, 1);
    ck_assert_ptr_null(jget(store_doc(get_pdb()), "status.disruptedPods"));
}
END_TEST

/* ---- conditions, generation, writes, timing ------------------------------ */

START_TEST(observed_generation_and_condition_transitions)
{
    pod("p0", "True", NULL, NULL);
    pod("p1", "True", NULL, NULL);
    load("{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'web','namespace':'default','generation':3},"
         "'spec':{'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}},"
         "'status':{'disruptionsAllowed':0,'currentHealthy':0,'desiredHealthy':0,'expectedPods':0,"
         "'conditions':[{'type':'ExistingTestCondition','status':'True','lastTransitionTime':'2024-01-01T00:00:00Z','reason':'R','message':'m'}]}}");
    ck_pdb(1, 2, 1, 2);
    ck_assert_int_eq((int)st("observedGeneration"), 3);
    ck_assert_int_eq(cJSON_GetArraySize(jget(store_doc(get_pdb()), "status.conditions")), 2);
    ck_assert_int_eq((int)jnum(cond(), "observedGeneration", 0), 3);
    ck_assert_str_eq(jstr(cond(), "lastTransitionTime"), "2025-01-01T00:00:00Z");
    /* same status later: lastTransitionTime kept */
    clock_advance(C->clk, 60);
    pod("p2", "True", NULL, NULL);
    ck_pdb(2, 3, 1, 3);
    ck_assert_str_eq(jstr(cond(), "lastTransitionTime"), "2025-01-01T00:00:00Z");
    /* True -> False: lastTransitionTime moves */
    clock_advance(C->clk, 60);
    pdb("'minAvailable':3,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 3, 3, 3);
    ck_cond("False", "InsufficientPods", "");
    ck_assert_str_eq(jstr(cond(), "lastTransitionTime"), "2025-01-01T00:02:00Z");
}
END_TEST

START_TEST(skip_write_when_nothing_changed)
{
    pod("p0", "True", NULL, NULL);
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    uint64_t rv = get_pdb()->rv;
    disruption_sync_now(C);
    cluster_settle(C);
    clock_advance(C->clk, 3600);
    ck_assert_uint_eq(get_pdb()->rv, rv);
    /* a pod change that moves nothing: no write either */
    pod("p0", "True", NULL, ",'annotations':{'x':'y'}");
    ck_assert_uint_eq(get_pdb()->rv, rv);
}
END_TEST

START_TEST(pdb_sync_delay_keeps_status_stale)
{
    cluster_free(C);
    C = mk(CTRL_DISRUPTION, 5);
    pod("p0", "True", NULL, NULL);
    pod("p1", "True", NULL, NULL);
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_pdb(0, 0, 0, 0);
    clock_advance(C->clk, 4.9);
    ck_pdb(0, 0, 0, 0);
    ck_assert_ptr_null(jget(store_doc(get_pdb()), "status.observedGeneration"));
    clock_advance(C->clk, 0.2);
    ck_pdb(1, 2, 1, 2);
    pod("p1", "False", NULL, NULL);
    clock_advance(C->clk, 4);
    ck_pdb(1, 2, 1, 2);
    clock_advance(C->clk, 1);
    ck_pdb(0, 1, 1, 2);
}
END_TEST

START_TEST(controller_off_keeps_status_as_loaded)
{
    cluster_free(C);
    C = mk(0, 0);
    pod("p0", "True", NULL, NULL);
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}",
        "{'disruptionsAllowed':7,'currentHealthy':9,'desiredHealthy':2,'expectedPods':9}");
    clock_advance(C->clk, 600);
    disruption_sync_now(C);
    ck_pdb(7, 9, 2, 9);
    ck_assert_ptr_null(cond());
}
END_TEST

/* ---- events ------------------------------------------------------------------ */

START_TEST(repeated_events_are_counted)
{
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'none'}}", NULL);
    const cJSON *e = event("NoPods");
    ck_assert_ptr_nonnull(e);
    /* the load's sync wrote the status, and that write caused one more sync */
    ck_assert_int_eq((int)jnum(e, "count", 0), 2);
    ck_assert_str_eq(jstr(e, "firstTimestamp"), "2025-01-01T00:00:00Z");
    clock_advance(C->clk, 30);
    disruption_sync_now(C);
    e = event("NoPods");
    ck_assert_int_eq((int)jnum(e, "count", 0), 3);
    ck_assert_str_eq(jstr(e, "firstTimestamp"), "2025-01-01T00:00:00Z");
    ck_assert_str_eq(jstr(e, "lastTimestamp"), "2025-01-01T00:00:30Z");
    ck_assert_int_eq((int)store_count(C->st, K_EVENT), 1);
}
END_TEST

START_TEST(spam_filter_limits_event_writes)
{
    pdb("'minAvailable':1,'selector':{'matchLabels':{'app':'none'}}", NULL); /* 2 events */
    for (int i = 0; i < 30; i++)
        disruption_sync_now(C);
    /* 25 accepted, the rest counted but not written */
    ck_assert_int_eq((int)jnum(event("NoPods"), "count", 0), 25);
    clock_advance(C->clk, 300);
    disruption_sync_now(C);
    ck_assert_int_eq((int)jnum(event("NoPods"), "count", 0), 33);
}
END_TEST

START_TEST(multiple_pdbs_for_one_pod)
{
    load("[{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'a','namespace':'default'},"
         "'spec':{'minAvailable':1,'selector':{'matchLabels':{'app':'web'}}}},"
         "{'apiVersion':'policy/v1','kind':'PodDisruptionBudget','metadata':{'name':'b','namespace':'default'},"
         "'spec':{'minAvailable':1,'selector':{}}}]");
    pod("p0", "True", NULL, NULL);
    const cJSON *e = event("MultiplePodDisruptionBudgets");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(jstr(e, "involvedObject.kind"), "Pod");
    ck_assert_str_eq(jstr(e, "message"),
                     "Pod \"default\"/\"p0\" matches multiple PodDisruptionBudgets.  Chose \"a\" arbitrarily.");
    /* only the first PDB is synced for the pod's event */
    ck_assert_int_eq((int)jnum(store_doc(store_get(C->st, K_PDB, "default", "a")), "status.currentHealthy", -1), 1);
    ck_assert_int_eq((int)jnum(store_doc(store_get(C->st, K_PDB, "default", "b")), "status.currentHealthy", -1), 0);
}
END_TEST

START_TEST(stale_disruption_target_condition_reset)
{
    pod("p0", "True", NULL, NULL);
    store_obj *p = store_get(C->st, K_POD, "default", "p0");
    cJSON *doc = cJSON_Duplicate(store_doc(p), true);
    cJSON *c = cJSON_Parse("{\"type\":\"DisruptionTarget\",\"status\":\"True\",\"lastTransitionTime\":\"2025-01-01T00:00:00Z\","
                           "\"reason\":\"EvictionByEvictionAPI\",\"message\":\"Eviction API: evicting\"}");
    cJSON_AddItemToArray(jget(doc, "status.conditions"), c);
    rest_write(C, p, doc);
    cluster_settle(C);
    clock_advance(C->clk, 119);
    const cJSON *dt = cJSON_GetArrayItem(jget(store_doc(store_get(C->st, K_POD, "default", "p0")), "status.conditions"), 1);
    ck_assert_str_eq(jstr(dt, "status"), "True");
    clock_advance(C->clk, 2);
    dt = cJSON_GetArrayItem(jget(store_doc(store_get(C->st, K_POD, "default", "p0")), "status.conditions"), 1);
    ck_assert_str_eq(jstr(dt, "type"), "DisruptionTarget");
    ck_assert_str_eq(jstr(dt, "status"), "False");
    ck_assert_str_eq(jstr(dt, "lastTransitionTime"), "2025-01-01T00:02:00Z");
    ck_assert_ptr_null(jget(dt, "reason"));
}
END_TEST

/* ---- pdb_compute ------------------------------------------------------------- */

START_TEST(compute_explains)
{
    cluster_free(C);
    C = mk(0, 0); /* controller off: pdb_compute still answers */
    pod("web-0", "True", NULL, NULL);
    pod("web-1", "False", NULL, NULL);
    pod("web-2", "True", NULL, NULL);
    pdb("'minAvailable':2,'selector':{'matchLabels':{'app':'web'}}", NULL);
    cJSON *status;
    char *why;
    ck_assert_int_eq(pdb_compute(C, get_pdb(), &status, &why), 1);
    ck_assert_str_eq(why, "minAvailable 2 of 3 expected; 2 healthy (web-1 not ready); desired 2 → 0 disruptions allowed");
    ck_assert_int_eq((int)jnum(status, "expectedPods", -1), 3);
    ck_assert_int_eq((int)jnum(status, "disruptionsAllowed", -1), 0);
    ck_pdb(0, 0, 0, 0); /* nothing written */
    cJSON_Delete(status);
    free(why);
    pod("job", "True", "{'apiVersion':'batch/v1','kind':'Job','name':'j','uid':'j','controller':true}", NULL);
    pdb("'maxUnavailable':1,'selector':{'matchLabels':{'app':'web'}}", NULL);
    ck_assert_int_eq(pdb_compute(C, get_pdb(), &status, &why), -1);
    ck_assert_str_eq(why, "sync failed (jobs.batch does not implement the scale subresource) → 0 disruptions allowed");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(jget(status, "conditions"), 0), "reason"), "SyncFailed");
    cJSON_Delete(status);
    free(why);
}
END_TEST

Suite *disruption_suite(void)
{
    Suite *s = suite_create("disruption");
    TCase *t = tcase_create("status");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, t2_unavailable);
    tcase_add_test(t, t1_empty_selector_matches_all);
    tcase_add_test(t, d1_null_selector_matches_nothing);
    tcase_add_test(t, t4_t5_max_unavailable_with_scaling);
    tcase_add_test(t, t10_replicaset_percentage_rounds_up);
    tcase_add_test(t, t14_replication_controller_and_rogue_pod);
    tcase_add_test(t, t15_statefulset);
    tcase_add_test(t, d7_deployment_counted_once_across_replicasets);
    tcase_add_test(t, d5_max_unavailable_10_percent_single_replica);
    tcase_add_test(t, d6_hundred_percent_and_max_unavailable_zero);
    tcase_add_test(t, d2_neither_field);
    tcase_add_test(t, t3_t6_naked_pods_unmanaged);
    tcase_add_test(t, t7_unsupported_controller_fail_safe);
    tcase_add_test(t, fail_safe_keeps_numbers_and_generation);
    tcase_add_test(t, t22_invalid_selector_fail_safe);
    tcase_add_test(t, d3_terminating_pod_not_healthy_but_expected);
    tcase_add_test(t, d4_phase_is_not_checked);
    tcase_add_test(t, t18_update_disrupted_pods);
    tcase_add_test(t, disrupted_pod_expires_after_two_minutes);
    tcase_add_test(t, d8_entry_at_exact_expiry_kept_and_pod_healthy);
    tcase_add_test(t, observed_generation_and_condition_transitions);
    tcase_add_test(t, skip_write_when_nothing_changed);
    tcase_add_test(t, pdb_sync_delay_keeps_status_stale);
    tcase_add_test(t, controller_off_keeps_status_as_loaded);
    tcase_add_test(t, repeated_events_are_counted);
    tcase_add_test(t, spam_filter_limits_event_writes);
    tcase_add_test(t, multiple_pdbs_for_one_pod);
    tcase_add_test(t, stale_disruption_target_condition_reset);
    tcase_add_test(t, compute_explains);
    suite_add_tcase(s, t);
    return s;
}
