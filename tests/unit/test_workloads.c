/* Unit tests for the workload controllers (model/controllers/replicaset.c, deployment.c,
 * statefulset.c, daemonset.c) and the garbage collector (gc.c): names,
 * ownership, ordering, replacements, rollouts and status as a user sees them
 * through the store, on a manual virtual clock. Owns nothing else. */
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
#include "workloads.h"

#define T0 1735689600.0 /* 2025-01-01T00:00:00Z */

static cluster *C;

static void mk(unsigned controllers)
{
    cluster_opts o = {.manual_clock = true, .start_time = T0, .time_scale = 1, .controllers = controllers};
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

/* Load objects written as JSON with single quotes (one object or an array). */
static void load(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = quote(fmt, ap);
    va_end(ap);
    cJSON *j = cJSON_Parse(s);
    ck_assert_msg(j != NULL, "bad test JSON: %s", s);
    if (!cJSON_IsArray(j)) {
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, j);
        j = a;
    }
    api_result r = {0};
    ck_assert_int_ge(cluster_load(C, j, &r), 0);
    api_result_clear(&r);
    cJSON_Delete(j);
    free(s);
}

/* A merge patch through the API (bumps generation as the server does). */
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
    ck_assert_msg(r.code == 200, "patch %s: %d", name, r.code);
    api_result_clear(&r);
    free(s);
    cluster_settle(C);
}

static void del(kind_id k, const char *ns, const char *name, const char *opts)
{
    store_obj *o = store_get(C->st, k, ns, name);
    ck_assert_msg(o != NULL, "%s not found", name);
    cJSON *j = opts ? cJSON_Parse(opts) : NULL;
    api_result r = {0};
    rest_delete_object(C, o, j, false, &r);
    ck_assert_int_eq(r.code, 200);
    api_result_clear(&r);
    cJSON_Delete(j);
    cluster_settle(C);
}

static store_obj *get(kind_id k, const char *ns, const char *name)
{
    store_obj *o = store_get(C->st, k, ns, name);
    ck_assert_msg(o != NULL, "%s not found", name);
    return o;
}

static double num(kind_id k, const char *ns, const char *name, const char *path)
{
    return jnum(store_doc(get(k, ns, name)), path, -1);
}

/* Pods in ns: total, and how many are not terminating. */
static int pods(const char *ns, int *active)
{
    size_t n;
    store_obj **all = store_list(C->st, K_POD, ns, &n);
    int a = 0;
    for (size_t i = 0; i < n; i++)
        a += !jstr(store_doc(all[i]), "metadata.deletionTimestamp");
    free(all);
    if (active)
        *active = a;
    return (int)n;
}

/* The n-th pod (sorted by name) in ns. */
static store_obj *pod_at(const char *ns, size_t i)
{
    size_t n;
    store_obj **all = store_list(C->st, K_POD, ns, &n);
    ck_assert_uint_gt(n, i);
    store_obj *o = all[i];
    free(all);
    return o;
}

static void nodes(int n)
{
    for (int i = 1; i <= n; i++)
        load("{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-%d','labels':{'kubernetes.io/hostname':'node-%d'}}}",
             i, i);
}

#define TEMPLATE(app, extra) \
    "'template':{'metadata':{'labels':{'app':'" app "'}" extra "},'spec':{'containers':[{'name':'c','image':'i:1'}]}}"

static void replicaset(const char *name, int replicas)
{
    load("{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'%s','namespace':'default'},"
         "'spec':{'replicas':%d,'selector':{'matchLabels':{'app':'web'}}," TEMPLATE("web", ",'annotations':{'a':'b'}") "}}",
         name, replicas);
}

/* ---- ReplicaSet / ReplicationController ----------------------------------------- */

START_TEST(rs_creates_named_owned_pods)
{
    mk(CTRL_REPLICASET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(2);
    replicaset("web", 3);
    int active;
    ck_assert_int_eq(pods("default", &active), 3);
    const char *uid = jstr(store_doc(get(K_REPLICASET, "default", "web")), "metadata.uid");
    for (size_t i = 0; i < 3; i++) {
        const cJSON *p = store_doc(pod_at("default", i));
        const char *name = jstr(p, "metadata.name");
        ck_assert_int_eq(strlen(name), 9);
        ck_assert(!strncmp(name, "web-", 4));
        ck_assert_uint_eq(strspn(name + 4, "bcdfghjklmnpqrstvwxz2456789"), 5);
        ck_assert_str_eq(jstr(p, "metadata.generateName"), "web-");
        ck_assert_str_eq(jstr(p, "metadata.labels.app"), "web");
        ck_assert_str_eq(jstr(p, "metadata.annotations.a"), "b");
        const cJSON *ref = cJSON_GetArrayItem(jget(p, "metadata.ownerReferences"), 0);
        ck_assert_str_eq(jstr(ref, "kind"), "ReplicaSet");
        ck_assert_str_eq(jstr(ref, "uid"), uid);
        ck_assert(jbool(ref, "controller") && jbool(ref, "blockOwnerDeletion"));
        ck_assert_str_eq(jstr(p, "status.phase"), "Running");
    }
    ck_assert_int_eq((int)num(K_REPLICASET, "default", "web", "status.replicas"), 3);
    ck_assert_int_eq((int)num(K_REPLICASET, "default", "web", "status.readyReplicas"), 3);
    ck_assert_int_eq((int)num(K_REPLICASET, "default", "web", "status.availableReplicas"), 3);
    ck_assert_int_eq((int)num(K_REPLICASET, "default", "web", "status.fullyLabeledReplicas"), 3);
    ck_assert_int_eq((int)num(K_REPLICASET, "default", "web", "status.observedGeneration"), 1);
}
END_TEST

START_TEST(rs_replaces_a_terminating_pod_at_once)
{
    mk(CTRL_REPLICASET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(2);
    replicaset("web", 2);
    del(K_POD, "default", pod_at("default", 0)->name, NULL);
    int active;
    ck_assert_int_eq(pods("default", &active), 3); /* the old one terminates for 30s */
    ck_assert_int_eq(active, 2);
    clock_advance(C->clk, 30);
    ck_assert_int_eq(pods("default", &active), 2);
    ck_assert_int_eq(active, 2);
}
END_TEST

static void owned_pod(const char *name, const char *node, const char *phase, const char *ready)
{
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'%s','namespace':'default','labels':{'app':'web'},"
         "'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'web','uid':'rs-uid','controller':true}]},"
         "'spec':{%s%s%s'containers':[{'name':'c','image':'i:1'}]},"
         "'status':{'phase':'%s','conditions':[{'type':'Ready','status':'%s','lastTransitionTime':'2025-01-01T00:00:00Z'}]}}",
         name, node ? "'nodeName':'" : "", node ? node : "", node ? "'," : "", phase, ready);
}

START_TEST(rs_scale_down_removes_unscheduled_then_not_ready)
{
    mk(CTRL_REPLICASET);
    nodes(1);
    owned_pod("a-ready", "node-1", "Running", "True");
    owned_pod("b-notready", "node-1", "Running", "False");
    owned_pod("c-ready", "node-1", "Running", "True");
    owned_pod("d-unscheduled", NULL, "Pending", "False");
    load("{'apiVersion':'apps/v1','kind':'ReplicaSet','metadata':{'name':'web','namespace':'default','uid':'rs-uid'},"
         "'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}}," TEMPLATE("web", "") "}}");
    ck_assert_ptr_null(store_get(C->st, K_POD, "default", "d-unscheduled")); /* no node: gone at once */
    ck_assert_ptr_nonnull(jstr(store_doc(get(K_POD, "default", "b-notready")), "metadata.deletionTimestamp"));
    ck_assert_ptr_null(jstr(store_doc(get(K_POD, "default", "a-ready")), "metadata.deletionTimestamp"));
    ck_assert_ptr_null(jstr(store_doc(get(K_POD, "default", "c-ready")), "metadata.deletionTimestamp"));
    ck_assert_int_eq((int)num(K_REPLICASET, "default", "web", "status.replicas"), 2);
}
END_TEST

START_TEST(rs_adopts_orphans_and_releases_mismatches)
{
    mk(CTRL_REPLICASET);
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'stray','namespace':'default','labels':{'app':'web'}},"
         "'spec':{'containers':[{'name':'c','image':'i'}]}}");
    replicaset("web", 1);
    ck_assert_int_eq(pods("default", NULL), 1);
    const cJSON *ref = cJSON_GetArrayItem(jget(store_doc(get(K_POD, "default", "stray")), "metadata.ownerReferences"), 0);
    ck_assert_str_eq(jstr(ref, "name"), "web");
    patch(K_POD, "default", "stray", "{'metadata':{'labels':{'app':'other'}}}");
    ck_assert_ptr_null(jget(store_doc(get(K_POD, "default", "stray")), "metadata.ownerReferences"));
    ck_assert_int_eq(pods("default", NULL), 2); /* released, and replaced */
}
END_TEST

START_TEST(rc_keeps_replicas)
{
    mk(CTRL_REPLICASET);
    load("{'apiVersion':'v1','kind':'ReplicationController','metadata':{'name':'old','namespace':'default'},"
         "'spec':{'replicas':2,'selector':{'app':'web'}," TEMPLATE("web", "") "}}");
    ck_assert_int_eq(pods("default", NULL), 2);
    const cJSON *ref = cJSON_GetArrayItem(jget(store_doc(pod_at("default", 0)), "metadata.ownerReferences"), 0);
    ck_assert_str_eq(jstr(ref, "kind"), "ReplicationController");
    ck_assert_str_eq(jstr(ref, "apiVersion"), "v1");
    patch(K_RC, "default", "old", "{'spec':{'replicas':0}}");
    int active;
    pods("default", &active);
    ck_assert_int_eq(active, 0);
    ck_assert_int_eq((int)num(K_RC, "default", "old", "status.replicas"), 0);
    ck_assert_int_eq((int)num(K_RC, "default", "old", "status.observedGeneration"), 2);
}
END_TEST

/* ---- Deployment --------------------------------------------------------------------- */

static void deployment(int replicas, const char *ready_after)
{
    load("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default'},"
         "'spec':{'replicas':%d,'selector':{'matchLabels':{'app':'web'}},"
         "'template':{'metadata':{'labels':{'app':'web'},'annotations':{'sim.evictsim.io/ready-after':'%s'}},"
         "'spec':{'containers':[{'name':'c','image':'i:1'}]}}}}",
         replicas, ready_after);
}

/* The ReplicaSets of ns, sorted by name. */
static store_obj **sets(size_t *n)
{
    return store_list(C->st, K_REPLICASET, "default", n);
}

static const cJSON *dcond(const char *type)
{
    return wl_condition(jget(store_doc(get(K_DEPLOYMENT, "default", "web")), "status"), type);
}

START_TEST(deploy_creates_hashed_replicaset)
{
    mk(CTRL_DEPLOYMENT | CTRL_REPLICASET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(3);
    deployment(3, "0");
    size_t n;
    store_obj **rs = sets(&n);
    ck_assert_uint_eq(n, 1);
    char hash[16], name[64];
    wl_template_hash(jget(store_doc(get(K_DEPLOYMENT, "default", "web")), "spec.template"), -1, hash);
    ck_assert_uint_eq(strlen(hash), strspn(hash, "456789bcdf"));
    snprintf(name, sizeof name, "web-%s", hash);
    ck_assert_str_eq(rs[0]->name, name);
    const cJSON *d = store_doc(rs[0]);
    ck_assert_str_eq(jstr(d, "metadata.labels.pod-template-hash"), hash);
    ck_assert_str_eq(jstr(d, "spec.selector.matchLabels.pod-template-hash"), hash);
    ck_assert_str_eq(jstr(d, "spec.template.metadata.labels.pod-template-hash"), hash);
    const cJSON *ann = jget(d, "metadata.annotations");
    ck_assert_str_eq(cJSON_GetObjectItem(ann, "deployment.kubernetes.io/revision")->valuestring, "1");
    ck_assert_str_eq(cJSON_GetObjectItem(ann, "deployment.kubernetes.io/desired-replicas")->valuestring, "3");
    ck_assert_str_eq(cJSON_GetObjectItem(ann, "deployment.kubernetes.io/max-replicas")->valuestring, "4");
    free(rs);
    ck_assert_int_eq(pods("default", NULL), 3);
    ck_assert_str_eq(jstr(store_doc(pod_at("default", 0)), "metadata.labels.pod-template-hash"), hash);
    ck_assert(!strncmp(pod_at("default", 0)->name, name, strlen(name)));
    const cJSON *st = jget(store_doc(get(K_DEPLOYMENT, "default", "web")), "status");
    ck_assert_int_eq((int)jnum(st, "replicas", 0), 3);
    ck_assert_int_eq((int)jnum(st, "updatedReplicas", 0), 3);
    ck_assert_int_eq((int)jnum(st, "readyReplicas", 0), 3);
    ck_assert_int_eq((int)jnum(st, "availableReplicas", 0), 3);
    ck_assert_ptr_null(jget(st, "unavailableReplicas"));
    ck_assert_int_eq((int)jnum(st, "observedGeneration", 0), 1);
    const cJSON *conds = jget(st, "conditions");
    ck_assert_int_eq(cJSON_GetArraySize(conds), 2);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(conds, 0), "type"), "Available");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(conds, 0), "reason"), "MinimumReplicasAvailable");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(conds, 0), "message"), "Deployment has minimum availability.");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(conds, 1), "type"), "Progressing");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(conds, 1), "reason"), "NewReplicaSetAvailable");
    char msg[128];
    snprintf(msg, sizeof msg, "ReplicaSet \"%s\" has successfully progressed.", name);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(conds, 1), "message"), msg);
}
END_TEST

START_TEST(deploy_status_while_pods_start)
{
    mk(CTRL_DEPLOYMENT | CTRL_REPLICASET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(1);
    deployment(2, "10");
    ck_assert_str_eq(jstr(dcond("Available"), "status"), "False");
    ck_assert_str_eq(jstr(dcond("Available"), "reason"), "MinimumReplicasUnavailable");
    ck_assert_str_eq(jstr(dcond("Available"), "message"), "Deployment does not have minimum availability.");
    ck_assert_int_eq((int)num(K_DEPLOYMENT, "default", "web", "status.unavailableReplicas"), 2);
    const char *reason = jstr(dcond("Progressing"), "reason");
    ck_assert_msg(!strcmp(reason, "NewReplicaSetCreated") || !strcmp(reason, "ReplicaSetUpdated"), "%s", reason);
    clock_advance(C->clk, 10);
    ck_assert_str_eq(jstr(dcond("Available"), "status"), "True");
    ck_assert_str_eq(jstr(dcond("Progressing"), "reason"), "NewReplicaSetAvailable");
}
END_TEST

START_TEST(deploy_scales_through)
{
    mk(CTRL_DEPLOYMENT | CTRL_REPLICASET);
    deployment(3, "0");
    patch(K_DEPLOYMENT, "default", "web", "{'spec':{'replicas':5}}");
    size_t n;
    store_obj **rs = sets(&n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq((int)jnum(store_doc(rs[0]), "spec.replicas", 0), 5);
    free(rs);
    ck_assert_int_eq(pods("default", NULL), 5);
}
END_TEST

/* spec.replicas of the ReplicaSet running this image (-1: none) */
static int rs_replicas(const char *image)
{
    size_t n;
    store_obj **rs = sets(&n);
    int r = -1;
    for (size_t i = 0; i < n; i++) {
        const cJSON *c = cJSON_GetArrayItem(jget(store_doc(rs[i]), "spec.template.spec.containers"), 0);
        if (!strcmp(jstr(c, "image"), image))
            r = (int)jnum(store_doc(rs[i]), "spec.replicas", 0);
    }
    free(rs);
    return r;
}

START_TEST(deploy_rolls_out_with_surge)
{
    mk(CTRL_DEPLOYMENT | CTRL_REPLICASET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(2);
    deployment(4, "10"); /* maxSurge 25% of 4 = 1, maxUnavailable 25% of 4 = 1 */
    clock_advance(C->clk, 10);
    patch(K_DEPLOYMENT, "default", "web", "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:2'}]}}}}");
    size_t n;
    free(sets(&n));
    ck_assert_uint_eq(n, 2);
    /* one surge pod, and one old pod may go: 4+1 total, 3 available */
    ck_assert_int_eq(rs_replicas("i:2"), 2);
    ck_assert_int_eq(rs_replicas("i:1"), 3);
    ck_assert_str_eq(jstr(dcond("Progressing"), "reason"), "ReplicaSetUpdated");
    for (int i = 0; i < 10; i++)
        clock_advance(C->clk, 10);
    ck_assert_int_eq(rs_replicas("i:2"), 4);
    ck_assert_int_eq(rs_replicas("i:1"), 0);
    int active;
    pods("default", &active);
    ck_assert_int_eq(active, 4);
    ck_assert_str_eq(jstr(dcond("Progressing"), "reason"), "NewReplicaSetAvailable");
    ck_assert_int_eq((int)num(K_DEPLOYMENT, "default", "web", "status.updatedReplicas"), 4);
    ck_assert_int_eq((int)num(K_DEPLOYMENT, "default", "web", "status.observedGeneration"), 2);
    const cJSON *ann = jget(store_doc(get(K_DEPLOYMENT, "default", "web")), "metadata.annotations");
    ck_assert_str_eq(cJSON_GetObjectItem(ann, "deployment.kubernetes.io/revision")->valuestring, "2");
}
END_TEST

START_TEST(deploy_recreate_waits_for_old_pods)
{
    mk(CTRL_DEPLOYMENT | CTRL_REPLICASET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(1);
    load("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default'},"
         "'spec':{'replicas':2,'strategy':{'type':'Recreate'},'selector':{'matchLabels':{'app':'web'}}," TEMPLATE("web", "") "}}");
    patch(K_DEPLOYMENT, "default", "web", "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:2'}]}}}}");
    ck_assert_int_eq(rs_replicas("i:1"), 0);
    size_t n;
    free(sets(&n));
    ck_assert_uint_eq(n, 1); /* the new one waits until the old pods are gone */
    clock_advance(C->clk, 30);
    ck_assert_int_eq(rs_replicas("i:2"), 2);
}
END_TEST

/* ---- StatefulSet ------------------------------------------------------------------------- */

static void statefulset(int replicas, const char *policy, const char *ready_after)
{
    load("{'apiVersion':'apps/v1','kind':'StatefulSet','metadata':{'name':'db','namespace':'default'},"
         "'spec':{'replicas':%d,'serviceName':'db','podManagementPolicy':'%s','selector':{'matchLabels':{'app':'db'}},"
         "'template':{'metadata':{'labels':{'app':'db'},'annotations':{'sim.evictsim.io/ready-after':'%s'}},"
         "'spec':{'containers':[{'name':'c','image':'i:1'}]}},"
         "'volumeClaimTemplates':[{'metadata':{'name':'data'},'spec':{'accessModes':['ReadWriteOnce']}}]}}",
         replicas, policy, ready_after);
}

START_TEST(sts_ordered_ready)
{
    mk(CTRL_STATEFULSET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(2);
    statefulset(3, "OrderedReady", "5");
    ck_assert_int_eq(pods("default", NULL), 1);
    const cJSON *p = store_doc(get(K_POD, "default", "db-0"));
    const cJSON *labels = jget(p, "metadata.labels");
    ck_assert_str_eq(cJSON_GetObjectItem(labels, "statefulset.kubernetes.io/pod-name")->valuestring, "db-0");
    ck_assert_str_eq(cJSON_GetObjectItem(labels, "apps.kubernetes.io/pod-index")->valuestring, "0");
    char rev[64];
    snprintf(rev, sizeof rev, "%s", cJSON_GetObjectItem(labels, "controller-revision-hash")->valuestring);
    ck_assert(!strncmp(rev, "db-", 3));
    ck_assert_str_eq(jstr(p, "spec.hostname"), "db-0");
    ck_assert_str_eq(jstr(p, "spec.subdomain"), "db");
    const cJSON *vol = cJSON_GetArrayItem(jget(p, "spec.volumes"), 0);
    ck_assert_str_eq(jstr(vol, "persistentVolumeClaim.claimName"), "data-db-0");
    clock_advance(C->clk, 5);
    ck_assert_int_eq(pods("default", NULL), 2);
    ck_assert_ptr_nonnull(store_get(C->st, K_POD, "default", "db-1"));
    clock_advance(C->clk, 5);
    clock_advance(C->clk, 5);
    ck_assert_int_eq(pods("default", NULL), 3);
    const cJSON *st = jget(store_doc(get(K_STATEFULSET, "default", "db")), "status");
    ck_assert_int_eq((int)jnum(st, "replicas", 0), 3);
    ck_assert_int_eq((int)jnum(st, "readyReplicas", 0), 3);
    ck_assert_int_eq((int)jnum(st, "availableReplicas", 0), 3);
    ck_assert_int_eq((int)jnum(st, "currentReplicas", 0), 3);
    ck_assert_int_eq((int)jnum(st, "updatedReplicas", 0), 3);
    ck_assert_str_eq(jstr(st, "currentRevision"), rev);
    ck_assert_str_eq(jstr(st, "updateRevision"), rev);
    ck_assert_int_eq((int)jnum(st, "collisionCount", -1), 0);
}
END_TEST

START_TEST(sts_parallel)
{
    mk(CTRL_STATEFULSET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(1);
    statefulset(3, "Parallel", "5");
    ck_assert_int_eq(pods("default", NULL), 3);
}
END_TEST

START_TEST(sts_same_name_after_the_old_pod_is_gone)
{
    mk(CTRL_STATEFULSET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(2);
    statefulset(3, "OrderedReady", "0");
    ck_assert_int_eq(pods("default", NULL), 3);
    char uid[64];
    snprintf(uid, sizeof uid, "%s", jstr(store_doc(get(K_POD, "default", "db-1")), "metadata.uid"));
    del(K_POD, "default", "db-1", NULL);
    clock_advance(C->clk, 29);
    ck_assert_str_eq(jstr(store_doc(get(K_POD, "default", "db-1")), "metadata.uid"), uid); /* still terminating */
    ck_assert_int_eq((int)num(K_STATEFULSET, "default", "db", "status.readyReplicas"), 3);
    clock_advance(C->clk, 1);
    const cJSON *p = store_doc(get(K_POD, "default", "db-1"));
    ck_assert_str_ne(jstr(p, "metadata.uid"), uid);
    ck_assert_ptr_null(jstr(p, "metadata.deletionTimestamp"));
}
END_TEST

START_TEST(sts_scale_down_from_highest)
{
    mk(CTRL_STATEFULSET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(1);
    statefulset(3, "OrderedReady", "0");
    patch(K_STATEFULSET, "default", "db", "{'spec':{'replicas':1}}");
    ck_assert_ptr_nonnull(jstr(store_doc(get(K_POD, "default", "db-2")), "metadata.deletionTimestamp"));
    ck_assert_ptr_null(jstr(store_doc(get(K_POD, "default", "db-1")), "metadata.deletionTimestamp"));
    clock_advance(C->clk, 30);
    ck_assert_ptr_null(store_get(C->st, K_POD, "default", "db-2"));
    ck_assert_ptr_nonnull(jstr(store_doc(get(K_POD, "default", "db-1")), "metadata.deletionTimestamp"));
    clock_advance(C->clk, 30);
    ck_assert_int_eq(pods("default", NULL), 1);
    ck_assert_ptr_nonnull(store_get(C->st, K_POD, "default", "db-0"));
}
END_TEST

START_TEST(sts_rolling_update_from_highest)
{
    mk(CTRL_STATEFULSET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(1);
    statefulset(2, "OrderedReady", "0");
    const char *old = jstr(store_doc(get(K_STATEFULSET, "default", "db")), "status.updateRevision");
    char oldrev[64];
    snprintf(oldrev, sizeof oldrev, "%s", old);
    patch(K_STATEFULSET, "default", "db", "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'i:2'}]}}}}");
    ck_assert_ptr_nonnull(jstr(store_doc(get(K_POD, "default", "db-1")), "metadata.deletionTimestamp"));
    ck_assert_ptr_null(jstr(store_doc(get(K_POD, "default", "db-0")), "metadata.deletionTimestamp"));
    ck_assert_str_eq(jstr(store_doc(get(K_STATEFULSET, "default", "db")), "status.currentRevision"), oldrev);
    clock_advance(C->clk, 30);
    clock_advance(C->clk, 30);
    const cJSON *st = jget(store_doc(get(K_STATEFULSET, "default", "db")), "status");
    ck_assert_str_ne(jstr(st, "updateRevision"), oldrev);
    ck_assert_str_eq(jstr(st, "currentRevision"), jstr(st, "updateRevision"));
    ck_assert_int_eq((int)jnum(st, "updatedReplicas", 0), 2);
    const cJSON *c = cJSON_GetArrayItem(jget(store_doc(get(K_POD, "default", "db-0")), "spec.containers"), 0);
    ck_assert_str_eq(jstr(c, "image"), "i:2");
}
END_TEST

/* ---- DaemonSet ------------------------------------------------------------------------------- */

static void daemonset(void)
{
    load("{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'agent','namespace':'kube-system'},"
         "'spec':{'selector':{'matchLabels':{'app':'agent'}}," TEMPLATE("agent", "") "}}");
}

static store_obj *ds_pod_on(const char *node)
{
    size_t n;
    store_obj **all = store_list(C->st, K_POD, "kube-system", &n), *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (jstr(store_doc(all[i]), "spec.nodeName") && !strcmp(jstr(store_doc(all[i]), "spec.nodeName"), node))
            found = all[i];
    free(all);
    return found;
}

START_TEST(ds_one_pod_per_allowed_node)
{
    mk(CTRL_DAEMONSET | CTRL_KUBELET);
    nodes(1);
    load("{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-2'},'spec':{'unschedulable':true}}");
    load("{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-3'},'spec':{'taints':[{'key':'dedicated','value':'gpu','effect':'NoSchedule'}]}}");
    daemonset();
    ck_assert_ptr_nonnull(ds_pod_on("node-1"));
    ck_assert_ptr_nonnull(ds_pod_on("node-2")); /* cordoned nodes get their pod */
    ck_assert_ptr_null(ds_pod_on("node-3"));
    const cJSON *p = store_doc(ds_pod_on("node-1"));
    ck_assert(!strncmp(jstr(p, "metadata.name"), "agent-", 6));
    ck_assert_int_eq(strlen(jstr(p, "metadata.name")), 11);
    const cJSON *term = cJSON_GetArrayItem(jget(p, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"), 0);
    const cJSON *f = cJSON_GetArrayItem(jget(term, "matchFields"), 0);
    ck_assert_str_eq(jstr(f, "key"), "metadata.name");
    ck_assert_str_eq(jstr(f, "operator"), "In");
    ck_assert_str_eq(cJSON_GetArrayItem(jget(f, "values"), 0)->valuestring, "node-1");
    static const char *const want[][2] = {
        {"node.kubernetes.io/not-ready", "NoExecute"},       {"node.kubernetes.io/unreachable", "NoExecute"},
        {"node.kubernetes.io/disk-pressure", "NoSchedule"},  {"node.kubernetes.io/memory-pressure", "NoSchedule"},
        {"node.kubernetes.io/pid-pressure", "NoSchedule"},   {"node.kubernetes.io/unschedulable", "NoSchedule"}};
    const cJSON *tols = jget(p, "spec.tolerations");
    ck_assert_int_eq(cJSON_GetArraySize(tols), 6);
    for (int i = 0; i < 6; i++) {
        const cJSON *t = cJSON_GetArrayItem(tols, i);
        ck_assert_str_eq(jstr(t, "key"), want[i][0]);
        ck_assert_str_eq(jstr(t, "operator"), "Exists");
        ck_assert_str_eq(jstr(t, "effect"), want[i][1]);
        ck_assert_ptr_null(jget(t, "tolerationSeconds"));
    }
    ck_assert_str_eq(jstr(p, "metadata.labels.pod-template-generation"), "1");
    const cJSON *st = jget(store_doc(get(K_DAEMONSET, "kube-system", "agent")), "status");
    ck_assert_int_eq((int)jnum(st, "desiredNumberScheduled", -1), 2);
    ck_assert_int_eq((int)jnum(st, "currentNumberScheduled", -1), 2);
    ck_assert_int_eq((int)jnum(st, "numberReady", -1), 2);
    ck_assert_int_eq((int)jnum(st, "numberAvailable", -1), 2);
    ck_assert_int_eq((int)jnum(st, "updatedNumberScheduled", -1), 2);
    ck_assert_int_eq((int)jnum(st, "numberMisscheduled", -1), 0);
    ck_assert_int_eq((int)jnum(st, "observedGeneration", -1), 1);
}
END_TEST

START_TEST(ds_new_node_gets_a_pod_and_removed_node_loses_it)
{
    mk(CTRL_DAEMONSET | CTRL_KUBELET);
    nodes(1);
    daemonset();
    load("{'apiVersion':'v1','kind':'Node','metadata':{'name':'node-9'}}");
    ck_assert_ptr_nonnull(ds_pod_on("node-9"));
    ck_assert_int_eq((int)num(K_DAEMONSET, "kube-system", "agent", "status.desiredNumberScheduled"), 2);
    del(K_NODE, NULL, "node-9", NULL);
    ck_assert_ptr_nonnull(jstr(store_doc(ds_pod_on("node-9")), "metadata.deletionTimestamp"));
}
END_TEST

START_TEST(ds_recreates_an_evicted_pod_after_it_is_gone)
{
    mk(CTRL_DAEMONSET | CTRL_KUBELET);
    nodes(1);
    daemonset();
    store_obj *p = ds_pod_on("node-1");
    char name[64];
    snprintf(name, sizeof name, "%s", p->name);
    del(K_POD, "kube-system", name, NULL);
    ck_assert_int_eq(pods("kube-system", NULL), 1);
    clock_advance(C->clk, 30);
    ck_assert_int_eq(pods("kube-system", NULL), 1);
    ck_assert_str_ne(ds_pod_on("node-1")->name, name);
}
END_TEST

/* ---- garbage collection ------------------------------------------------------------------------ */

START_TEST(gc_deletes_dependents_in_background)
{
    mk(CTRL_DEPLOYMENT | CTRL_REPLICASET);
    nodes(1);
    deployment(2, "0");
    del(K_DEPLOYMENT, "default", "web", NULL);
    size_t n;
    free(sets(&n));
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(pods("default", NULL), 0); /* unscheduled pods go at once */
}
END_TEST

START_TEST(gc_orphan_finalizer_keeps_dependents)
{
    mk(CTRL_REPLICASET);
    replicaset("web", 2);
    cJSON *opts = cJSON_Parse("{\"propagationPolicy\":\"Orphan\"}");
    ck_assert_str_eq(rest_delete_finalizer(opts, store_doc(get(K_REPLICASET, "default", "web"))), "orphan");
    cJSON_Delete(opts);
    opts = cJSON_Parse("{\"propagationPolicy\":\"Foreground\"}");
    ck_assert_str_eq(rest_delete_finalizer(opts, store_doc(get(K_REPLICASET, "default", "web"))), "foregroundDeletion");
    cJSON_Delete(opts);
    ck_assert_ptr_null(rest_delete_finalizer(NULL, store_doc(get(K_REPLICASET, "default", "web"))));
    /* what the API does for propagationPolicy: Orphan: the finalizer, then the delete */
    patch(K_REPLICASET, "default", "web", "{'metadata':{'finalizers':['orphan']}}");
    del(K_REPLICASET, "default", "web", NULL);
    ck_assert_ptr_null(store_get(C->st, K_REPLICASET, "default", "web"));
    ck_assert_int_eq(pods("default", NULL), 2);
    ck_assert_ptr_null(jget(store_doc(pod_at("default", 0)), "metadata.ownerReferences"));
    ck_assert_ptr_null(jget(store_doc(pod_at("default", 1)), "metadata.ownerReferences"));
}
END_TEST

START_TEST(gc_foreground_waits_for_dependents)
{
    mk(CTRL_REPLICASET | CTRL_SCHEDULER | CTRL_KUBELET);
    nodes(1);
    replicaset("web", 1);
    patch(K_REPLICASET, "default", "web", "{'metadata':{'finalizers':['foregroundDeletion']}}");
    del(K_REPLICASET, "default", "web", NULL);
    ck_assert_ptr_nonnull(store_get(C->st, K_REPLICASET, "default", "web"));
    ck_assert_ptr_nonnull(jstr(store_doc(pod_at("default", 0)), "metadata.deletionTimestamp"));
    clock_advance(C->clk, 30);
    ck_assert_int_eq(pods("default", NULL), 0);
    ck_assert_ptr_null(store_get(C->st, K_REPLICASET, "default", "web"));
}
END_TEST

START_TEST(gc_leaves_loaded_dangling_references)
{
    mk(0);
    load("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default',"
         "'ownerReferences':[{'apiVersion':'apps/v1','kind':'ReplicaSet','name':'nowhere','uid':'u1','controller':true}]},"
         "'spec':{'containers':[{'name':'c','image':'i'}]}}");
    ck_assert_int_eq(pods("default", NULL), 1);
}
END_TEST

START_TEST(hash_is_stable_and_upstream_shaped)
{
    cJSON *a = cJSON_Parse("{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[]}}");
    cJSON *b = cJSON_Parse("{\"spec\":{\"containers\":[]},\"metadata\":{\"labels\":{\"app\":\"web\"}}}");
    char ha[16], hb[16], hc[16];
    wl_template_hash(a, -1, ha);
    wl_template_hash(b, -1, hb);
    wl_template_hash(a, 1, hc);
    ck_assert_str_eq(ha, hb);
    ck_assert_str_ne(ha, hc);
    ck_assert_uint_ge(strlen(ha), 1);
    ck_assert_uint_le(strlen(ha), 10);
    ck_assert_uint_eq(strspn(ha, "456789bcdf"), strlen(ha));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON *pct = cJSON_CreateString("25%");
    ck_assert_int_eq(wl_int_or_percent(pct, 3, true, 0), 1);
    ck_assert_int_eq(wl_int_or_percent(pct, 3, false, 0), 0);
    ck_assert_int_eq(wl_int_or_percent(pct, 4, false, 0), 1);
    cJSON_Delete(pct);
}
END_TEST

Suite *workloads_suite(void)
{
    Suite *s = suite_create("workloads");
    TCase *t = tcase_create("controllers");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_add_test(t, rs_creates_named_owned_pods);
    tcase_add_test(t, rs_replaces_a_terminating_pod_at_once);
    tcase_add_test(t, rs_scale_down_removes_unscheduled_then_not_ready);
    tcase_add_test(t, rs_adopts_orphans_and_releases_mismatches);
    tcase_add_test(t, rc_keeps_replicas);
    tcase_add_test(t, deploy_creates_hashed_replicaset);
    tcase_add_test(t, deploy_status_while_pods_start);
    tcase_add_test(t, deploy_scales_through);
    tcase_add_test(t, deploy_rolls_out_with_surge);
    tcase_add_test(t, deploy_recreate_waits_for_old_pods);
    tcase_add_test(t, sts_ordered_ready);
    tcase_add_test(t, sts_parallel);
    tcase_add_test(t, sts_same_name_after_the_old_pod_is_gone);
    tcase_add_test(t, sts_scale_down_from_highest);
    tcase_add_test(t, sts_rolling_update_from_highest);
    tcase_add_test(t, ds_one_pod_per_allowed_node);
    tcase_add_test(t, ds_new_node_gets_a_pod_and_removed_node_loses_it);
    tcase_add_test(t, ds_recreates_an_evicted_pod_after_it_is_gone);
    tcase_add_test(t, gc_deletes_dependents_in_background);
    tcase_add_test(t, gc_orphan_finalizer_keeps_dependents);
    tcase_add_test(t, gc_foreground_waits_for_dependents);
    tcase_add_test(t, gc_leaves_loaded_dangling_references);
    tcase_add_test(t, hash_is_stable_and_upstream_shaped);
    suite_add_tcase(s, t);
    return s;
}
