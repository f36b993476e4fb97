/* Unit tests for server/table: Accept detection, HumanDuration ages, and the Table columns and
 * cells kube-apiserver 1.33 prints for pods, nodes, PDBs and the other served kinds. Owns nothing else. */
#include <check.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"

#define KUBECTL_TABLE_ACCEPT                                                                           \
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io," \
    "application/json"

/* 2023-11-14T22:13:20Z */
static const double NOW = 1700000000.0;
#define T_5M "2023-11-14T22:08:20Z"
#define T_3D "2023-11-11T22:13:20Z"

static cJSON *obj, *table;

static void teardown(void)
{
    cJSON_Delete(obj);
    cJSON_Delete(table);
    obj = table = NULL;
}

/* Parse JSON written with single quotes. */
static cJSON *J(const char *text)
{
    char *s = strdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    cJSON *j = cJSON_Parse(s);
    free(s);
    ck_assert_msg(j != NULL, "bad test JSON: %s", text);
    return j;
}

/* Render one object of `kind`; returns row 0's cells as compact JSON (static buffer). */
static const char *cells_of(kind_id kind, const char *json)
{
    static char out[2048];
    teardown();
    obj = J(json);
    table = table_render(kind, &obj, 1, NOW, "42");
    ck_assert_ptr_nonnull(table);
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(table, "rows"), 0);
    char *s = cJSON_PrintUnformatted(cJSON_GetObjectItem(row, "cells"));
    snprintf(out, sizeof out, "%s", s);
    cJSON_free(s);
    return out;
}

/* Column names with priorities, "Name:0,Ready:0,...". */
static const char *columns_of(kind_id kind)
{
    static char out[1024];
    cJSON *t = table_render(kind, NULL, 0, NOW, NULL);
    const cJSON *c;
    out[0] = '\0';
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(t, "columnDefinitions")) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s:%d", n ? "," : "", cJSON_GetObjectItem(c, "name")->valuestring,
                 cJSON_GetObjectItem(c, "priority")->valueint);
    }
    cJSON_Delete(t);
    return out;
}

START_TEST(accept_detection)
{
    ck_assert(table_requested(KUBECTL_TABLE_ACCEPT));
    ck_assert(table_requested("application/json;g=meta.k8s.io;v=v1;as=Table"));
    ck_assert(table_requested("application/json; as=Table; v=v1beta1; g=meta.k8s.io, application/json"));
    ck_assert(!table_requested("application/json"));
    ck_assert(!table_requested("application/json, */*"));
    ck_assert(!table_requested("application/vnd.kubernetes.protobuf,application/json"));
    ck_assert(!table_requested(NULL));
    ck_assert(!table_requested("application/json,application/json;as=Table;v=v1;g=meta.k8s.io"));
    ck_assert(!table_requested("application/json;as=Table;v=v2;g=meta.k8s.io"));
    ck_assert(!table_requested("application/json;as=Table;v=v1"));
}
END_TEST

START_TEST(human_durations)
{
    static const struct {
        double secs;
        const char *want;
    } cases[] = {
        {0, "0s"}, {5, "5s"}, {5.9, "5s"}, {119, "119s"}, {120, "2m"}, {123, "2m3s"}, {599, "9m59s"},
        {600, "10m"}, {630, "10m"}, {179 * 60 + 59, "179m"}, {3 * 3600, "3h"}, {3 * 3600 + 300, "3h5m"}, {8 * 3600, "8h"},
        {47 * 3600 + 3599, "47h"}, {2 * 86400 + 5 * 3600, "2d5h"}, {7 * 86400, "7d"}, {8 * 86400, "8d"},
        {729 * 86400, "729d"}, {730 * 86400, "2y"}, {740 * 86400, "2y10d"}, {9 * 365 * 86400.0, "9y"},
        {-1, "0s"}, {-1.5, "0s"}, {-2, "<invalid>"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        table_human_duration(cases[i].secs, buf, sizeof buf);
        ck_assert_msg(!strcmp(buf, cases[i].want), "%g s: got %s want %s", cases[i].secs, buf, cases[i].want);
    }
}
END_TEST

START_TEST(ages_from_timestamps)
{
    char buf[32];
    table_age(T_5M, NOW, buf, sizeof buf);
    ck_assert_str_eq(buf, "5m");
    table_age("2023-11-14T22:11:17.250000Z", NOW, buf, sizeof buf);
    ck_assert_str_eq(buf, "2m2s");
    table_age("2023-11-15T00:10:20+02:00", NOW, buf, sizeof buf);
    ck_assert_str_eq(buf, "3m");
    table_age(T_3D, NOW, buf, sizeof buf);
    ck_assert_str_eq(buf, "3d");
    table_age(NULL, NOW, buf, sizeof buf);
    ck_assert_str_eq(buf, "<unknown>");
    table_age("yesterday", NOW, buf, sizeof buf);
    ck_assert_str_eq(buf, "<unknown>");
    table_age("2023-11-14T22:08:20", NOW, buf, sizeof buf);
    ck_assert_str_eq(buf, "<unknown>");
}
END_TEST

START_TEST(table_shape)
{
    obj = J("{'metadata':{'name':'web-1','namespace':'default','uid':'u1','labels':{'app':'web'},"
            "'creationTimestamp':'" T_5M "'},'spec':{'containers':[{'name':'c'}]},'status':{'phase':'Running'}}");
    char *before = cJSON_PrintUnformatted(obj);
    table = table_render(K_POD, &obj, 1, NOW, "123");
    char *after = cJSON_PrintUnformatted(obj);
    ck_assert_str_eq(before, after); /* input untouched */
    cJSON_free(before);
    cJSON_free(after);
    ck_assert_str_eq(cJSON_GetObjectItem(table, "kind")->valuestring, "Table");
    ck_assert_str_eq(cJSON_GetObjectItem(table, "apiVersion")->valuestring, "meta.k8s.io/v1");
    char *meta = cJSON_PrintUnformatted(cJSON_GetObjectItem(table, "metadata"));
    ck_assert_str_eq(meta, "{\"resourceVersion\":\"123\"}");
    cJSON_free(meta);
    const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(table, "columnDefinitions"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(c0, "name")->valuestring, "Name");
    ck_assert_str_eq(cJSON_GetObjectItem(c0, "type")->valuestring, "string");
    ck_assert_str_eq(cJSON_GetObjectItem(c0, "format")->valuestring, "name");
    ck_assert(strlen(cJSON_GetObjectItem(c0, "description")->valuestring) > 0);
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(table, "rows"), 0);
    char *o = cJSON_PrintUnformatted(cJSON_GetObjectItem(row, "object"));
    ck_assert_str_eq(o, "{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":"
                        "{\"name\":\"web-1\",\"namespace\":\"default\",\"uid\":\"u1\",\"labels\":{\"app\":\"web\"},"
                        "\"creationTimestamp\":\"" T_5M "\"}}");
    cJSON_free(o);
    ck_assert_ptr_null(cJSON_GetObjectItem(row, "conditions"));
    teardown();
    table = table_render(K_NODE, NULL, 0, NOW, NULL);
    char *empty = cJSON_PrintUnformatted(cJSON_GetObjectItem(table, "rows"));
    ck_assert_str_eq(empty, "[]");
    cJSON_free(empty);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(table, "metadata")), 0);
}
END_TEST

START_TEST(column_sets)
{
    ck_assert_str_eq(columns_of(K_POD), "Name:0,Ready:0,Status:0,Restarts:0,Age:0,IP:1,Node:1,Nominated Node:1,"
                                        "Readiness Gates:1");
    ck_assert_str_eq(columns_of(K_NODE), "Name:0,Status:0,Roles:0,Age:0,Version:0,Internal-IP:1,External-IP:1,"
                                         "OS-Image:1,Kernel-Version:1,Container-Runtime:1");
    ck_assert_str_eq(columns_of(K_PDB), "Name:0,Min Available:0,Max Unavailable:0,Allowed Disruptions:0,Age:0");
    ck_assert_str_eq(columns_of(K_NAMESPACE), "Name:0,Status:0,Age:0");
    ck_assert_str_eq(columns_of(K_EVENT), "Last Seen:0,Type:0,Reason:0,Object:0,Subobject:1,Source:1,Message:0,"
                                          "First Seen:1,Count:1,Name:1");
    ck_assert_str_eq(columns_of(K_DEPLOYMENT), "Name:0,Ready:0,Up-to-date:0,Available:0,Age:0,Containers:1,"
                                               "Images:1,Selector:1");
    ck_assert_str_eq(columns_of(K_REPLICASET), "Name:0,Desired:0,Current:0,Ready:0,Age:0,Containers:1,Images:1,"
                                               "Selector:1");
    ck_assert_str_eq(columns_of(K_RC), "Name:0,Desired:0,Current:0,Ready:0,Age:0,Containers:1,Images:1,Selector:1");
    ck_assert_str_eq(columns_of(K_STATEFULSET), "Name:0,Ready:0,Age:0,Containers:1,Images:1");
    ck_assert_str_eq(columns_of(K_DAEMONSET), "Name:0,Desired:0,Current:0,Ready:0,Up-to-date:0,Available:0,"
                                              "Node Selector:0,Age:0,Containers:1,Images:1,Selector:1");
}
END_TEST

#define POD_META(name) "'metadata':{'name':'" name "','namespace':'default','creationTimestamp':'" T_5M "'}"

START_TEST(pod_running_ready)
{
    ck_assert_str_eq(
        cells_of(K_POD, "{" POD_META("web-1") ",'spec':{'nodeName':'node1','containers':[{'name':'c','image':'nginx'}]},"
                        "'status':{'phase':'Running','podIP':'10.0.0.5','podIPs':[{'ip':'10.0.0.5'}],"
                        "'conditions':[{'type':'Ready','status':'True'}],'containerStatuses':[{'name':'c',"
                        "'ready':true,'restartCount':0,'state':{'running':{'startedAt':'" T_5M "'}}}]}}"),
        "[\"web-1\",\"1/1\",\"Running\",\"0\",\"5m\",\"10.0.0.5\",\"node1\",\"<none>\",\"<none>\"]");
}
END_TEST

START_TEST(pod_pending)
{
    ck_assert_str_eq(cells_of(K_POD, "{" POD_META("p") ",'spec':{'containers':[{'name':'a'},{'name':'b'}]},"
                                     "'status':{'phase':'Pending'}}"),
                     "[\"p\",\"0/2\",\"Pending\",\"0\",\"5m\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
    ck_assert_str_eq(cells_of(K_POD, "{" POD_META("p") ",'spec':{'nodeName':'n2','containers':[{'name':'a'}]},"
                                     "'status':{'phase':'Pending','containerStatuses':[{'name':'a','ready':false,"
                                     "'restartCount':0,'state':{'waiting':{'reason':'ContainerCreating'}}}]}}"),
                     "[\"p\",\"0/1\",\"ContainerCreating\",\"0\",\"5m\",\"<none>\",\"n2\",\"<none>\",\"<none>\"]");
    ck_assert_str_eq(cells_of(K_POD, "{'metadata':{'name':'g'},'spec':{'containers':[{'name':'a'}]},'status':{"
                                     "'phase':'Pending','conditions':[{'type':'PodScheduled','status':'False',"
                                     "'reason':'SchedulingGated'}]}}"),
                     "[\"g\",\"0/1\",\"SchedulingGated\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\","
                     "\"<none>\"]");
}
END_TEST

START_TEST(pod_terminating)
{
    ck_assert_str_eq(
        cells_of(K_POD, "{'metadata':{'name':'t','creationTimestamp':'" T_3D "','deletionTimestamp':'" T_5M "'},"
                        "'spec':{'nodeName':'node1','containers':[{'name':'c'}]},'status':{'phase':'Running',"
                        "'containerStatuses':[{'name':'c','ready':true,'restartCount':0,'state':{'running':{}}}]}}"),
        "[\"t\",\"1/1\",\"Terminating\",\"0\",\"3d\",\"<none>\",\"node1\",\"<none>\",\"<none>\"]");
    /* a terminal pod being deleted keeps its phase; NodeLost reads Unknown */
    ck_assert_str_eq(cells_of(K_POD, "{'metadata':{'name':'s','deletionTimestamp':'" T_5M "'},'spec':{"
                                     "'containers':[{'name':'c'}]},'status':{'phase':'Succeeded'}}"),
                     "[\"s\",\"0/1\",\"Succeeded\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
    ck_assert_str_eq(cells_of(K_POD, "{'metadata':{'name':'u','deletionTimestamp':'" T_5M "'},'spec':{"
                                     "'containers':[{'name':'c'}]},'status':{'phase':'Running','reason':'NodeLost'}}"),
                     "[\"u\",\"0/1\",\"Unknown\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
}
END_TEST

START_TEST(pod_completed)
{
    ck_assert_str_eq(cells_of(K_POD, "{" POD_META("job-x") ",'spec':{'nodeName':'node1','containers':[{'name':'c'}]},"
                                     "'status':{'phase':'Succeeded','containerStatuses':[{'name':'c','ready':false,"
                                     "'restartCount':0,'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}"),
                     "[\"job-x\",\"0/1\",\"Completed\",\"0\",\"5m\",\"<none>\",\"node1\",\"<none>\",\"<none>\"]");
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(table, "rows"), 0);
    char *conds = cJSON_PrintUnformatted(cJSON_GetObjectItem(row, "conditions"));
    ck_assert_str_eq(conds, "[{\"type\":\"Completed\",\"status\":\"True\",\"reason\":\"Succeeded\",\"message\":"
                            "\"The pod has completed successfully.\"}]");
    cJSON_free(conds);
    /* exit without reason, and a signal */
    ck_assert_str_eq(cells_of(K_POD, "{'metadata':{'name':'f'},'spec':{'containers':[{'name':'c'}]},'status':{"
                                     "'phase':'Failed','containerStatuses':[{'name':'c','restartCount':0,"
                                     "'state':{'terminated':{'exitCode':2}}}]}}"),
                     "[\"f\",\"0/1\",\"ExitCode:2\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
    ck_assert_str_eq(cells_of(K_POD, "{'metadata':{'name':'f'},'spec':{'containers':[{'name':'c'}]},'status':{"
                                     "'phase':'Failed','containerStatuses':[{'name':'c','restartCount':0,"
                                     "'state':{'terminated':{'exitCode':137,'signal':9}}}]}}"),
                     "[\"f\",\"0/1\",\"Signal:9\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
}
END_TEST

/* A pod with two init containers whose statuses are given. */
#define INIT_POD(statuses)                                                                                  \
    "{'metadata':{'name':'i'},'spec':{'initContainers':[{'name':'i1'},{'name':'i2'}],'containers':[{'name':" \
    "'c'}]},'status':{'phase':'Pending','initContainerStatuses':[" statuses "],'containerStatuses':[{'name':" \
    "'c','ready':false,'restartCount':0,'state':{'waiting':{'reason':'PodInitializing'}}}]}}"
#define INIT_ROW(status) "[\"i\",\"0/1\",\"" status "\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]"

START_TEST(pod_init_containers)
{
    ck_assert_str_eq(cells_of(K_POD, INIT_POD("{'name':'i1','restartCount':0,'state':{'running':{}}},"
                                              "{'name':'i2','restartCount':0,'state':{'waiting':"
                                              "{'reason':'PodInitializing'}}}")),
                     INIT_ROW("Init:0/2"));
    ck_assert_str_eq(cells_of(K_POD, INIT_POD("{'name':'i1','restartCount':0,'state':{'terminated':{'exitCode':0,"
                                              "'reason':'Completed'}}},{'name':'i2','restartCount':0,'state':"
                                              "{'running':{}}}")),
                     INIT_ROW("Init:1/2"));
    ck_assert_str_eq(cells_of(K_POD, INIT_POD("{'name':'i1','restartCount':0,'state':{'waiting':"
                                              "{'reason':'ImagePullBackOff'}}},{'name':'i2','restartCount':0}")),
                     INIT_ROW("Init:ImagePullBackOff"));
    ck_assert_str_eq(cells_of(K_POD, INIT_POD("{'name':'i1','restartCount':0,'state':{'terminated':"
                                              "{'exitCode':1}}},{'name':'i2','restartCount':0}")),
                     INIT_ROW("Init:ExitCode:1"));
    ck_assert_str_eq(cells_of(K_POD, INIT_POD("{'name':'i1','restartCount':0,'state':{'terminated':"
                                              "{'exitCode':1,'reason':'Error'}}},{'name':'i2','restartCount':0}")),
                     INIT_ROW("Init:Error"));
}
END_TEST

START_TEST(pod_sidecar_counts)
{
    /* a restartable init container (sidecar) adds to the total and, once started and ready, to ready */
    ck_assert_str_eq(
        cells_of(K_POD, "{'metadata':{'name':'sc'},'spec':{'initContainers':[{'name':'log','restartPolicy':'Always'}],"
                        "'containers':[{'name':'c'}]},'status':{'phase':'Running','conditions':[{'type':'Initialized',"
                        "'status':'True'},{'type':'Ready','status':'True'}],'initContainerStatuses':[{'name':'log',"
                        "'ready':true,'started':true,'restartCount':1,'state':{'running':{}}}],'containerStatuses':"
                        "[{'name':'c','ready':true,'restartCount':0,'state':{'running':{}}}]}}"),
        "[\"sc\",\"2/2\",\"Running\",\"1\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
}
END_TEST

START_TEST(pod_restarts_and_crashloop)
{
    ck_assert_str_eq(
        cells_of(K_POD, "{'metadata':{'name':'cl','creationTimestamp':'" T_3D "'},'spec':{'containers':[{'name':'a'},"
                        "{'name':'b'}],'readinessGates':[{'conditionType':'x/ok'},{'conditionType':'x/up'}]},"
                        "'status':{'phase':'Running','nominatedNodeName':'n9','conditions':[{'type':'x/ok','status':"
                        "'True'},{'type':'x/up','status':'False'}],'containerStatuses':[{'name':'a','ready':false,"
                        "'restartCount':3,'lastState':{'terminated':{'exitCode':1,'finishedAt':'" T_5M "'}},"
                        "'state':{'waiting':{'reason':'CrashLoopBackOff'}}},{'name':'b','ready':true,'restartCount':2,"
                        "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2023-11-14T20:13:20Z'}},"
                        "'state':{'running':{}}}]}}"),
        "[\"cl\",\"1/2\",\"CrashLoopBackOff\",\"5 (5m ago)\",\"3d\",\"<none>\",\"<none>\",\"n9\",\"1/2\"]");
    /* completed container next to a running one: Running when the pod is Ready, else NotReady */
    const char *pod = "{'metadata':{'name':'m'},'spec':{'containers':[{'name':'a'},{'name':'b'}]},'status':{"
                      "'phase':'Running','conditions':[{'type':'Ready','status':'%s'}],'containerStatuses':["
                      "{'name':'a','ready':true,'restartCount':0,'state':{'running':{}}},{'name':'b','ready':false,"
                      "'restartCount':0,'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}";
    char buf[1024];
    snprintf(buf, sizeof buf, pod, "True");
    ck_assert_str_eq(cells_of(K_POD, buf),
                     "[\"m\",\"1/2\",\"Running\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
    snprintf(buf, sizeof buf, pod, "False");
    ck_assert_str_eq(cells_of(K_POD, buf),
                     "[\"m\",\"1/2\",\"NotReady\",\"0\",\"<unknown>\",\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
}
END_TEST

START_TEST(node_cells)
{
    ck_assert_str_eq(
        cells_of(K_NODE, "{'metadata':{'name':'node1','creationTimestamp':'" T_3D "','labels':{"
                         "'node-role.kubernetes.io/worker':'','node-role.kubernetes.io/control-plane':'',"
                         "'kubernetes.io/hostname':'node1'}},'spec':{'unschedulable':true},'status':{'conditions':["
                         "{'type':'MemoryPressure','status':'False'},{'type':'Ready','status':'True'}],"
                         "'addresses':[{'type':'Hostname','address':'node1'},{'type':'InternalIP','address':"
                         "'10.0.0.1'}],'nodeInfo':{'kubeletVersion':'v1.33.0','osImage':'Debian GNU/Linux 12',"
                         "'kernelVersion':'6.1.0','containerRuntimeVersion':'containerd://1.7.0'}}}"),
        "[\"node1\",\"Ready,SchedulingDisabled\",\"control-plane,worker\",\"3d\",\"v1.33.0\",\"10.0.0.1\","
        "\"<none>\",\"Debian GNU/Linux 12\",\"6.1.0\",\"containerd://1.7.0\"]");
    ck_assert_str_eq(cells_of(K_NODE, "{'metadata':{'name':'n2','labels':{'kubernetes.io/role':'infra'}},"
                                      "'status':{'conditions':[{'type':'Ready','status':'Unknown'}]}}"),
                     "[\"n2\",\"NotReady\",\"infra\",\"<unknown>\",\"\",\"<none>\",\"<none>\",\"<unknown>\","
                     "\"<unknown>\",\"<unknown>\"]");
    ck_assert_str_eq(cells_of(K_NODE, "{'metadata':{'name':'n3'},'spec':{'unschedulable':false}}"),
                     "[\"n3\",\"Unknown\",\"<none>\",\"<unknown>\",\"\",\"<none>\",\"<none>\",\"<unknown>\","
                     "\"<unknown>\",\"<unknown>\"]");
    ck_assert_str_eq(cells_of(K_NODE, "{'metadata':{'name':'n4'},'spec':{'unschedulable':true}}"),
                     "[\"n4\",\"Unknown,SchedulingDisabled\",\"<none>\",\"<unknown>\",\"\",\"<none>\",\"<none>\","
                     "\"<unknown>\",\"<unknown>\",\"<unknown>\"]");
}
END_TEST

START_TEST(pdb_cells)
{
    ck_assert_str_eq(cells_of(K_PDB, "{'metadata':{'name':'web-pdb','creationTimestamp':'" T_5M "'},'spec':{"
                                     "'minAvailable':2,'selector':{'matchLabels':{'app':'web'}}},'status':{"
                                     "'disruptionsAllowed':1}}"),
                     "[\"web-pdb\",\"2\",\"N/A\",1,\"5m\"]");
    ck_assert_str_eq(cells_of(K_PDB, "{'metadata':{'name':'p2'},'spec':{'maxUnavailable':'25%'}}"),
                     "[\"p2\",\"N/A\",\"25%\",0,\"<unknown>\"]");
    ck_assert_str_eq(cells_of(K_PDB, "{'metadata':{'name':'p3'},'spec':{'minAvailable':'50%'},'status':{"
                                     "'disruptionsAllowed':0}}"),
                     "[\"p3\",\"50%\",\"N/A\",0,\"<unknown>\"]");
}
END_TEST

START_TEST(namespace_and_event_cells)
{
    ck_assert_str_eq(cells_of(K_NAMESPACE, "{'metadata':{'name':'default','creationTimestamp':'" T_3D "'},"
                                           "'status':{'phase':'Active'}}"),
                     "[\"default\",\"Active\",\"3d\"]");
    ck_assert_str_eq(
        cells_of(K_EVENT, "{'metadata':{'name':'web-1.17a','namespace':'default'},'involvedObject':{'kind':'Pod',"
                          "'name':'web-1','fieldPath':'spec.containers{c}'},'reason':'Killing','message':"
                          "'  Stopping container c\\n','type':'Normal','firstTimestamp':'" T_3D "',"
                          "'lastTimestamp':'" T_5M "','count':4,'source':{'component':'kubelet','host':'node1'}}"),
        "[\"5m\",\"Normal\",\"Killing\",\"pod/web-1\",\"spec.containers{c}\",\"kubelet, node1\","
        "\"Stopping container c\",\"3d\",4,\"web-1.17a\"]");
    /* new-style event: eventTime, reportingController, no count */
    ck_assert_str_eq(
        cells_of(K_EVENT, "{'metadata':{'name':'e2'},'involvedObject':{'kind':'Node'},'reason':'NodeNotSchedulable',"
                          "'message':'m','type':'Normal','eventTime':'2023-11-14T22:11:20.000000Z',"
                          "'reportingController':'evictsim','lastTimestamp':null}"),
        "[\"2m\",\"Normal\",\"NodeNotSchedulable\",\"node\",\"\",\"evictsim\",\"m\",\"2m\",1,\"e2\"]");
}
END_TEST

START_TEST(workload_cells)
{
    ck_assert_str_eq(
        cells_of(K_DEPLOYMENT, "{'metadata':{'name':'web','creationTimestamp':'" T_5M "'},'spec':{'replicas':3,"
                               "'selector':{'matchLabels':{'tier':'fe','app':'web'}},'template':{'spec':{'containers':"
                               "[{'name':'nginx','image':'nginx:1.25'},{'name':'side','image':'busybox'}]}}},"
                               "'status':{'readyReplicas':2,'updatedReplicas':3,'availableReplicas':2}}"),
        "[\"web\",\"2/3\",3,2,\"5m\",\"nginx,side\",\"nginx:1.25,busybox\",\"app=web,tier=fe\"]");
    ck_assert_str_eq(
        cells_of(K_REPLICASET, "{'metadata':{'name':'web-5d'},'spec':{'replicas':2,'selector':{'matchLabels':"
                               "{'app':'web'},'matchExpressions':[{'key':'env','operator':'In','values':['prod','dev']},"
                               "{'key':'canary','operator':'DoesNotExist'}]},'template':{'spec':{'containers':"
                               "[{'name':'nginx','image':'nginx'}]}}},'status':{'replicas':2,'readyReplicas':1}}"),
        "[\"web-5d\",2,2,1,\"<unknown>\",\"nginx\",\"nginx\",\"app=web,!canary,env in (dev,prod)\"]");
    ck_assert_str_eq(cells_of(K_RC, "{'metadata':{'name':'old'},'spec':{'replicas':1,'selector':{'app':'old'},"
                                    "'template':{'spec':{'containers':[{'name':'c','image':'i'}]}}},'status':{"
                                    "'replicas':1,'readyReplicas':1}}"),
                     "[\"old\",1,1,1,\"<unknown>\",\"c\",\"i\",\"app=old\"]");
    ck_assert_str_eq(cells_of(K_STATEFULSET, "{'metadata':{'name':'db'},'spec':{'replicas':3,'template':{'spec':"
                                             "{'containers':[{'name':'pg','image':'postgres'}]}}},'status':{"
                                             "'readyReplicas':1}}"),
                     "[\"db\",\"1/3\",\"<unknown>\",\"pg\",\"postgres\"]");
    ck_assert_str_eq(
        cells_of(K_DAEMONSET, "{'metadata':{'name':'fluentd'},'spec':{'selector':{'matchLabels':{'app':'fl'}},"
                              "'template':{'spec':{'nodeSelector':{'kubernetes.io/os':'linux'},'containers':[{'name':"
                              "'f','image':'fluentd'}]}}},'status':{'desiredNumberScheduled':3,"
                              "'currentNumberScheduled':3,'numberReady':2,'updatedNumberScheduled':3,"
                              "'numberAvailable':2}}"),
        "[\"fluentd\",3,3,2,3,2,\"kubernetes.io/os=linux\",\"<unknown>\",\"f\",\"fluentd\",\"app=fl\"]");
    /* defaults: replicas unset means 1; empty selectors print <none> */
    ck_assert_str_eq(cells_of(K_REPLICASET, "{'metadata':{'name':'r'},'spec':{}}"),
                     "[\"r\",1,0,0,\"<unknown>\",\"\",\"\",\"<none>\"]");
    ck_assert_str_eq(cells_of(K_DAEMONSET, "{'metadata':{'name':'d'}}"),
                     "[\"d\",0,0,0,0,0,\"<none>\",\"<unknown>\",\"\",\"\",\"<none>\"]");
}
END_TEST

START_TEST(many_rows_keep_order)
{
    cJSON *objs[3] = {J("{'metadata':{'name':'a'},'status':{'phase':'Active'}}"),
                      J("{'metadata':{'name':'b'},'status':{'phase':'Terminating'}}"),
                      J("{'metadata':{'name':'c'}}")};
    table = table_render(K_NAMESPACE, objs, 3, NOW, "7");
    const cJSON *rows = cJSON_GetObjectItem(table, "rows");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 3);
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 1), "cells"), 1)->valuestring,
                     "Terminating");
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 2), "cells"), 0)->valuestring,
                     "c");
    for (int i = 0; i < 3; i++)
        cJSON_Delete(objs[i]);
}
END_TEST

Suite *table_suite(void)
{
    Suite *s = suite_create("table");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, accept_detection);
    tcase_add_test(tc, human_durations);
    tcase_add_test(tc, ages_from_timestamps);
    tcase_add_test(tc, table_shape);
    tcase_add_test(tc, column_sets);
    tcase_add_test(tc, pod_running_ready);
    tcase_add_test(tc, pod_pending);
    tcase_add_test(tc, pod_terminating);
    tcase_add_test(tc, pod_completed);
    tcase_add_test(tc, pod_init_containers);
    tcase_add_test(tc, pod_sidecar_counts);
    tcase_add_test(tc, pod_restarts_and_crashloop);
    tcase_add_test(tc, node_cells);
    tcase_add_test(tc, pdb_cells);
    tcase_add_test(tc, namespace_and_event_cells);
    tcase_add_test(tc, workload_cells);
    tcase_add_test(tc, many_rows_keep_order);
    suite_add_tcase(s, tc);
    return s;
}
