/* Unit tests for server/discovery: Accept negotiation per kubectl version, legacy and aggregated
 * documents, /version, health checks and the OpenAPI stubs. Owns nothing else. */
#include <check.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "discovery.h"
#include "kversion.h"

#define ACCEPT_127 "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
#define ACCEPT_130                                                                                       \
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery." \
    "k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
#define CT_V2 "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#define CT_V2BETA1 "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
#define NOT_FOUND                                                                                          \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"the " \
    "server could not find the requested resource\",\"reason\":\"NotFound\",\"details\":{},\"code\":404}"

static disc_reply rep;
static cJSON *doc;

/* The core cases answer as 1.32, the last release serving both v2 and v2beta1. */
static const kube_version kv132 = {.minor = 32};
static void setup_132(void)
{
    discovery_use(&kv132);
}

static void teardown(void);
static void teardown_release(void)
{
    teardown();
    discovery_use(NULL);
}

static void teardown(void)
{
    free(rep.body);
    rep.body = NULL;
    cJSON_Delete(doc);
    doc = NULL;
}

/* GET path; asserts it is a discovery path and parses a JSON body into `doc`. */
static void get(const char *path, const char *accept)
{
    teardown();
    ck_assert(discovery_answer(path, accept, "127.0.0.1:8080", &rep));
    ck_assert_uint_eq(rep.len, strlen(rep.body));
    if (rep.len && rep.content_type && !strncmp(rep.content_type, "application/json", 16)) {
        doc = cJSON_Parse(rep.body);
        ck_assert_ptr_nonnull(doc);
    }
}

static const char *sget(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *find_by(const cJSON *arr, const char *key, const char *val)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        if (sget(it, key) && !strcmp(sget(it, key), val))
            return it;
    }
    return NULL;
}

/* Compact JSON of an item, for exact comparisons. */
static void assert_json(const cJSON *item, const char *want)
{
    ck_assert_ptr_nonnull(item);
    char *s = cJSON_PrintUnformatted(item);
    ck_assert_str_eq(s, want);
    cJSON_free(s);
}

START_TEST(negotiate_kubectl_versions)
{
    ck_assert_int_eq(disc_negotiate(ACCEPT_127), DISC_AGG_V2BETA1);
    ck_assert_int_eq(disc_negotiate(ACCEPT_130), DISC_AGG_V2);
    ck_assert_int_eq(disc_negotiate("application/json"), DISC_LEGACY);
    ck_assert_int_eq(disc_negotiate("application/json, */*"), DISC_LEGACY);
    ck_assert_int_eq(disc_negotiate("application/json, */*;q=0.8"), DISC_LEGACY);
    ck_assert_int_eq(disc_negotiate(NULL), DISC_LEGACY);
    ck_assert_int_eq(disc_negotiate(""), DISC_LEGACY);
}
END_TEST

START_TEST(negotiate_params_and_order)
{
    /* parameters in any order, spaces allowed */
    ck_assert_int_eq(disc_negotiate("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"),
                     DISC_AGG_V2);
    /* v=v2beta1 alone must never be taken for v=v2 (substring trap) */
    ck_assert_int_eq(disc_negotiate("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
                     DISC_AGG_V2BETA1);
    /* the client's order wins: plain JSON first means legacy */
    ck_assert_int_eq(disc_negotiate("application/json," CT_V2), DISC_LEGACY);
    /* unknown versions, protobuf and q=0 ranges are skipped */
    ck_assert_int_eq(disc_negotiate("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList," CT_V2BETA1),
                     DISC_AGG_V2BETA1);
    ck_assert_int_eq(disc_negotiate("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;"
                                    "as=APIGroupDiscoveryList," CT_V2BETA1),
                     DISC_AGG_V2BETA1);
    ck_assert_int_eq(disc_negotiate(CT_V2 ";q=0,application/json"), DISC_LEGACY);
    /* as= present but the wrong group is not aggregated discovery */
    ck_assert_int_eq(disc_negotiate("application/json;g=example.com;v=v2;as=APIGroupDiscoveryList"), DISC_LEGACY);
}
END_TEST

START_TEST(api_aggregated_per_version)
{
    get("/api?timeout=32s", ACCEPT_130);
    ck_assert_int_eq(rep.code, 200);
    ck_assert_str_eq(rep.content_type, CT_V2);
    ck_assert_str_eq(sget(doc, "kind"), "APIGroupDiscoveryList");
    ck_assert_str_eq(sget(doc, "apiVersion"), "apidiscovery.k8s.io/v2");
    const cJSON *items = cJSON_GetObjectItem(doc, "items");
    ck_assert_int_eq(cJSON_GetArraySize(items), 1);
    const cJSON *core = cJSON_GetArrayItem(items, 0);
    assert_json(cJSON_GetObjectItem(core, "metadata"), "{\"name\":\"\"}");
    const cJSON *v1 = cJSON_GetArrayItem(cJSON_GetObjectItem(core, "versions"), 0);
    ck_assert_str_eq(sget(v1, "version"), "v1");
    ck_assert_str_eq(sget(v1, "freshness"), "Current");
    const cJSON *pods = find_by(cJSON_GetObjectItem(v1, "resources"), "resource", "pods");
    assert_json(pods,
                "{\"resource\":\"pods\",\"responseKind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                "\"scope\":\"Namespaced\",\"singularResource\":\"pod\",\"verbs\":[\"create\",\"delete\","
                "\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"],\"shortNames\":[\"po\"],"
                "\"categories\":[\"all\"],\"subresources\":[{\"subresource\":\"binding\",\"responseKind\":"
                "{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Binding\"},\"verbs\":[\"create\"]},"
                "{\"subresource\":\"eviction\",\"responseKind\":"
                "{\"group\":\"policy\",\"version\":\"v1\",\"kind\":\"Eviction\"},\"verbs\":[\"create\"]},"
                "{\"subresource\":\"log\",\"responseKind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                "\"verbs\":[\"get\"]},"
                "{\"subresource\":\"status\",\"responseKind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
                "\"verbs\":[\"get\",\"patch\",\"update\"]}]}");
    const cJSON *nodes = find_by(cJSON_GetObjectItem(v1, "resources"), "resource", "nodes");
    ck_assert_str_eq(sget(nodes, "scope"), "Cluster");

    get("/api", ACCEPT_127);
    ck_assert_str_eq(rep.content_type, CT_V2BETA1);
    ck_assert_str_eq(sget(doc, "apiVersion"), "apidiscovery.k8s.io/v2beta1");
}
END_TEST

START_TEST(apis_aggregated_groups)
{
    get("/apis", ACCEPT_127);
    ck_assert_str_eq(rep.content_type, CT_V2BETA1);
    const cJSON *items = cJSON_GetObjectItem(doc, "items");
    ck_assert_int_eq(cJSON_GetArraySize(items), 14); /* every group of the registry, sorted */
    ck_assert_str_eq(sget(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 1), "metadata"), "name"), "apps");
    const cJSON *policy = cJSON_GetArrayItem(items, 10);
    ck_assert_str_eq(sget(cJSON_GetObjectItem(policy, "metadata"), "name"), "policy");
    const cJSON *v1 = cJSON_GetArrayItem(cJSON_GetObjectItem(policy, "versions"), 0);
    const cJSON *pdb = find_by(cJSON_GetObjectItem(v1, "resources"), "resource", "poddisruptionbudgets");
    assert_json(cJSON_GetObjectItem(pdb, "responseKind"),
                "{\"group\":\"policy\",\"version\":\"v1\",\"kind\":\"PodDisruptionBudget\"}");
    assert_json(cJSON_GetObjectItem(pdb, "shortNames"), "[\"pdb\"]");
    ck_assert_ptr_null(cJSON_GetObjectItem(pdb, "categories"));
}
END_TEST

START_TEST(api_legacy)
{
    get("/api?timeout=32s", "application/json, */*");
    ck_assert_int_eq(rep.code, 200);
    ck_assert_str_eq(rep.content_type, "application/json");
    ck_assert_str_eq(rep.body, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                               "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1:8080\"}]}");
    get("/apis", "application/json");
    ck_assert_ptr_nonnull(strstr(rep.body,
                     "{\"name\":\"apps\",\"versions\":[{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}],"
                     "\"preferredVersion\":{\"groupVersion\":\"apps/v1\",\"version\":\"v1\"}}"));
    ck_assert_ptr_nonnull(strstr(rep.body,
                     "{\"name\":\"policy\",\"versions\":[{\"groupVersion\":\"policy/v1\",\"version\":\"v1\"}],"
                     "\"preferredVersion\":{\"groupVersion\":\"policy/v1\",\"version\":\"v1\"}}"));
    ck_assert_ptr_nonnull(strstr(rep.body, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[{\"name\":"
                                           "\"apiextensions.k8s.io\""));
}
END_TEST

START_TEST(core_resource_list)
{
    get("/api/v1?timeout=32s", "application/json, */*");
    ck_assert_str_eq(rep.content_type, "application/json");
    ck_assert_str_eq(sget(doc, "kind"), "APIResourceList");
    ck_assert_str_eq(sget(doc, "groupVersion"), "v1");
    const cJSON *res = cJSON_GetObjectItem(doc, "resources");
    assert_json(find_by(res, "name", "pods/eviction"),
                "{\"name\":\"pods/eviction\",\"singularName\":\"\",\"namespaced\":true,\"group\":\"policy\","
                "\"version\":\"v1\",\"kind\":\"Eviction\",\"verbs\":[\"create\"]}");
    assert_json(find_by(res, "name", "pods"),
                "{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":"
                "[\"create\",\"delete\",\"deletecollection\",\"get\",\"list\",\"patch\",\"update\",\"watch\"],"
                "\"shortNames\":[\"po\"],\"categories\":[\"all\"]}");
    assert_json(find_by(res, "name", "pods/status"),
                "{\"name\":\"pods/status\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"Pod\","
                "\"verbs\":[\"get\",\"patch\",\"update\"]}");
    assert_json(find_by(res, "name", "namespaces"),
                "{\"name\":\"namespaces\",\"singularName\":\"namespace\",\"namespaced\":false,\"kind\":\"Namespace\","
                "\"verbs\":[\"create\",\"delete\",\"get\",\"list\",\"patch\",\"update\",\"watch\"],"
                "\"shortNames\":[\"ns\"]}");
    assert_json(cJSON_GetObjectItem(find_by(res, "name", "nodes"), "shortNames"), "[\"no\"]");
    ck_assert_ptr_nonnull(find_by(res, "name", "nodes/status"));
    assert_json(cJSON_GetObjectItem(find_by(res, "name", "events"), "shortNames"), "[\"ev\"]");
    ck_assert_ptr_null(find_by(res, "name", "events/status"));
    assert_json(cJSON_GetObjectItem(find_by(res, "name", "replicationcontrollers"), "shortNames"), "[\"rc\"]");
    ck_assert_ptr_nonnull(find_by(res, "name", "replicationcontrollers/status"));
    /* sorted by name, as upstream */
    const cJSON *prev = NULL, *it;
    cJSON_ArrayForEach(it, res) {
        if (prev)
            ck_assert_int_lt(strcmp(sget(prev, "name"), sget(it, "name")), 0);
        prev = it;
    }
    /* the aggregated Accept does not change a group-version document */
    get("/api/v1", ACCEPT_130);
    ck_assert_str_eq(rep.content_type, "application/json");
    ck_assert_str_eq(sget(doc, "kind"), "APIResourceList");
}
END_TEST

START_TEST(group_resource_lists)
{
    get("/apis/policy/v1", "application/json, */*");
    ck_assert_str_eq(sget(doc, "groupVersion"), "policy/v1");
    const cJSON *res = cJSON_GetObjectItem(doc, "resources");
    ck_assert_int_eq(cJSON_GetArraySize(res), 2);
    assert_json(cJSON_GetObjectItem(find_by(res, "name", "poddisruptionbudgets"), "shortNames"), "[\"pdb\"]");
    ck_assert_ptr_nonnull(find_by(res, "name", "poddisruptionbudgets/status"));

    get("/apis/apps/v1/", "application/json");
    ck_assert_str_eq(sget(doc, "groupVersion"), "apps/v1");
    res = cJSON_GetObjectItem(doc, "resources");
    const char *names[][2] = {{"deployments", "deploy"}, {"replicasets", "rs"}, {"statefulsets", "sts"},
                              {"daemonsets", "ds"}};
    for (int i = 0; i < 4; i++) {
        const cJSON *r = find_by(res, "name", names[i][0]);
        ck_assert_ptr_nonnull(r);
        char want[64];
        snprintf(want, sizeof want, "[\"%s\"]", names[i][1]);
        assert_json(cJSON_GetObjectItem(r, "shortNames"), want);
        assert_json(cJSON_GetObjectItem(r, "categories"), "[\"all\"]");
        snprintf(want, sizeof want, "%s/status", names[i][0]);
        ck_assert_ptr_nonnull(find_by(res, "name", want));
    }
}
END_TEST

START_TEST(group_documents)
{
    get("/apis/policy", NULL);
    ck_assert_str_eq(rep.body, "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\"policy\",\"versions\":"
                               "[{\"groupVersion\":\"policy/v1\",\"version\":\"v1\"}],\"preferredVersion\":"
                               "{\"groupVersion\":\"policy/v1\",\"version\":\"v1\"}}");
    get("/apis/apps", NULL);
    ck_assert_str_eq(sget(doc, "name"), "apps");
}
END_TEST

START_TEST(version_and_health)
{
    get("/version?timeout=32s", NULL);
    ck_assert_int_eq(rep.code, 200);
    ck_assert_str_eq(rep.content_type, "application/json");
    ck_assert_str_eq(rep.body,
                     "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.13\","
                     "\"gitCommit\":\"evictsim\",\"gitTreeState\":\"clean\",\"buildDate\":\"2026-02-27T03:44:33Z\","
                     "\"goVersion\":\"go1.23.0\",\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}");
    const char *health[] = {"/healthz", "/livez", "/readyz"};
    for (int i = 0; i < 3; i++) {
        get(health[i], NULL);
        ck_assert_int_eq(rep.code, 200);
        ck_assert_str_eq(rep.content_type, "text/plain");
        ck_assert_str_eq(rep.body, "ok");
    }
}
END_TEST

START_TEST(openapi_stubs)
{
    get("/openapi/v2?timeout=32s", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
    ck_assert_int_eq(rep.code, 200);
    ck_assert_str_eq(rep.content_type, "application/octet-stream");
    ck_assert_uint_eq(rep.len, 0);
    get("/openapi/v3?timeout=32s", "application/json, */*");
    ck_assert_int_eq(rep.code, 404);
    ck_assert_str_eq(rep.content_type, "application/json");
    ck_assert_str_eq(rep.body, NOT_FOUND);
    get("/openapi/v3/api/v1?hash=ABC", NULL);
    ck_assert_int_eq(rep.code, 404);
    ck_assert_str_eq(rep.body, NOT_FOUND);
}
END_TEST

START_TEST(unknown_and_foreign_paths)
{
    get("/apis/batch.example.com", NULL);
    ck_assert_int_eq(rep.code, 404);
    ck_assert_str_eq(rep.body, NOT_FOUND);
    get("/apis/apps/v2", NULL);
    ck_assert_int_eq(rep.code, 404);
    get("/api/v2", NULL);
    ck_assert_int_eq(rep.code, 404);
    teardown();
    ck_assert(!discovery_answer("/api/v1/pods", NULL, NULL, &rep));
    ck_assert(!discovery_answer("/api/v1/namespaces/default/pods/x", NULL, NULL, &rep));
    ck_assert(!discovery_answer("/apis/apps/v1/deployments", NULL, NULL, &rep));
    ck_assert(!discovery_answer("/apis/policy/v1/namespaces/default/poddisruptionbudgets", NULL, NULL, &rep));
    ck_assert(!discovery_answer("/sim/v1/clock", NULL, NULL, &rep));
    ck_assert(!discovery_answer("/", NULL, NULL, &rep));
    ck_assert_ptr_null(rep.body);
}
END_TEST

START_TEST(api_without_host)
{
    teardown();
    ck_assert(discovery_answer("/api", NULL, NULL, &rep));
    ck_assert_str_eq(rep.body, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[]}");
}
END_TEST

START_TEST(accept_parse_ranges)
{
    disc_media_range r[4];
    size_t n = disc_accept_parse(" Application/JSON ; AS=Table ; v=\"v1\" ; g=meta.k8s.io , */*;q=0 ,", r, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(r[0].mime, "application/json");
    ck_assert_str_eq(r[0].as, "Table");
    ck_assert_str_eq(r[0].v, "v1");
    ck_assert_str_eq(r[0].g, "meta.k8s.io");
    ck_assert(!r[0].rejected);
    ck_assert_str_eq(r[1].mime, "*/*");
    ck_assert(r[1].rejected);
    ck_assert_uint_eq(disc_accept_parse("a/b,c/d,e/f,g/h,i/j,k/l", r, 4), 4);
}
END_TEST

/* Aggregated discovery by release: v2beta1 only until 1.29, both in 1.30-1.32, v2 only from 1.33
 * (AggregatedDiscoveryRemoveBetaType on); a range not served falls to the next one. */
START_TEST(aggregated_by_release)
{
    kube_version v = {.minor = 29};
    discovery_use(&v);
    ck_assert_int_eq(disc_negotiate(ACCEPT_130), DISC_AGG_V2BETA1);
    ck_assert_int_eq(disc_negotiate(CT_V2 ",application/json"), DISC_LEGACY);
    v.minor = 30;
    ck_assert_int_eq(disc_negotiate(ACCEPT_130), DISC_AGG_V2);
    ck_assert_int_eq(disc_negotiate(ACCEPT_127), DISC_AGG_V2BETA1);
    v.minor = 33;
    ck_assert_int_eq(disc_negotiate(ACCEPT_127), DISC_LEGACY);
    get("/api", ACCEPT_127);
    ck_assert_str_eq(rep.content_type, "application/json");
    ck_assert_str_eq(sget(doc, "kind"), "APIVersions");
    ck_assert_int_eq(disc_negotiate(ACCEPT_130), DISC_AGG_V2);
    /* the gate is deprecated but settable in 1.33 and 1.34 */
    char *err = NULL;
    ck_assert_int_eq(kv_parse_gates(&v, "AggregatedDiscoveryRemoveBetaType=false", &err), 0);
    ck_assert_int_eq(disc_negotiate(ACCEPT_127), DISC_AGG_V2BETA1);
    v = (kube_version){.minor = 35};
    ck_assert_int_eq(kv_parse_gates(&v, "AggregatedDiscoveryRemoveBetaType=false", &err), -1);
    ck_assert_str_eq(err, "cannot set feature gate AggregatedDiscoveryRemoveBetaType to false, feature is locked to "
                          "true (gates of 1.35: AggregatedDiscoveryRemoveBetaType, WatchList)");
    free(err);
}
END_TEST

/* /version names the release; the compatibility fields exist from 1.33. */
START_TEST(version_by_release)
{
    kube_version v = {.minor = 27};
    discovery_use(&v);
    get("/version", NULL);
    ck_assert_str_eq(sget(doc, "minor"), "27");
    ck_assert_str_eq(sget(doc, "gitVersion"), "v1.27.16");
    ck_assert_ptr_null(cJSON_GetObjectItem(doc, "emulationMinor"));
    v.minor = 35;
    get("/version", NULL);
    ck_assert_str_eq(sget(doc, "gitVersion"), "v1.35.7");
    ck_assert_str_eq(sget(doc, "emulationMinor"), "35");
    ck_assert_str_eq(sget(doc, "minCompatibilityMinor"), "34");
    discovery_use(NULL);
    get("/version", NULL);
    ck_assert_str_eq(sget(doc, "minor"), "36");
    ck_assert_str_eq(sget(doc, "gitVersion"), "v1.36.3");
}
END_TEST

Suite *discovery_suite(void)
{
    Suite *s = suite_create("discovery");
    TCase *tr = tcase_create("releases");
    tcase_add_checked_fixture(tr, NULL, teardown_release);
    tcase_add_test(tr, aggregated_by_release);
    tcase_add_test(tr, version_by_release);
    suite_add_tcase(s, tr);
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup_132, teardown_release);
    tcase_add_test(tc, negotiate_kubectl_versions);
    tcase_add_test(tc, negotiate_params_and_order);
    tcase_add_test(tc, api_aggregated_per_version);
    tcase_add_test(tc, apis_aggregated_groups);
    tcase_add_test(tc, api_legacy);
    tcase_add_test(tc, core_resource_list);
    tcase_add_test(tc, group_resource_lists);
    tcase_add_test(tc, group_documents);
    tcase_add_test(tc, version_and_health);
    tcase_add_test(tc, openapi_stubs);
    tcase_add_test(tc, unknown_and_foreign_paths);
    tcase_add_test(tc, api_without_host);
    tcase_add_test(tc, accept_parse_ranges);
    suite_add_tcase(s, tc);
    return s;
}
