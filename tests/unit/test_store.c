/* Unit tests of model/store and model/meta: lookup by kind/namespace/name,
 * sorted lists, the global resourceVersion, change events; uid, names,
 * generateName, spec-change detection. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "meta.h"
#include "status.h"
#include "store.h"

static cJSON *obj(const char *ns, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *md = jobj(o, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    if (ns)
        cJSON_AddStringToObject(md, "namespace", ns);
    return o;
}

typedef struct {
    char log[512];
} events;

static void listen_fn(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    events *e = ctx;
    char buf[96];
    snprintf(buf, sizeof buf, "%s %s rv=%llu old=%s; ", ev == STORE_ADDED ? "ADDED" : ev == STORE_MODIFIED ? "MODIFIED" : "DELETED",
             o->key, (unsigned long long)o->rv, old ? "yes" : "no");
    strcat(e->log, buf);
}

START_TEST(insert_get_list_sorted)
{
    store *s = store_new();
    store_insert(s, K_POD, obj("b", "x"));
    store_insert(s, K_POD, obj("a", "z"));
    store_insert(s, K_POD, obj("a", "y"));
    store_insert(s, K_NODE, obj(NULL, "n1"));
    ck_assert_ptr_nonnull(store_get(s, K_POD, "a", "y"));
    ck_assert_ptr_null(store_get(s, K_POD, "b", "y"));
    ck_assert_ptr_nonnull(store_get(s, K_NODE, NULL, "n1"));
    ck_assert_ptr_nonnull(store_get(s, K_NODE, "ignored-for-cluster-scope", "n1"));
    size_t n;
    store_obj **all = store_list(s, K_POD, NULL, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(all[0]->key, "a/y");
    ck_assert_str_eq(all[1]->key, "a/z");
    ck_assert_str_eq(all[2]->key, "b/x");
    free(all);
    all = store_list(s, K_POD, "a", &n);
    ck_assert_uint_eq(n, 2);
    free(all);
    ck_assert_uint_eq(store_count(s, K_POD), 3);
    store_free(s);
}
END_TEST

START_TEST(resource_versions_increase_and_events_fire)
{
    store *s = store_new();
    events e = {{0}};
    store_listen(s, listen_fn, &e);
    store_obj *o = store_insert(s, K_POD, obj("ns", "p"));
    ck_assert_str_eq(jstr(store_doc(o), "metadata.resourceVersion"), "1");
    store_replace(s, o, obj("ns", "p"));
    ck_assert_str_eq(jstr(store_doc(o), "metadata.resourceVersion"), "2");
    store_insert(s, K_NODE, obj(NULL, "n"));
    store_remove(s, o);
    ck_assert_uint_eq(store_rv(s), 4);
    ck_assert_str_eq(e.log, "ADDED ns/p rv=1 old=no; MODIFIED ns/p rv=2 old=yes; ADDED n rv=3 old=no; DELETED ns/p rv=4 old=no; ");
    ck_assert_ptr_null(store_get(s, K_POD, "ns", "p"));
    store_free(s);
}
END_TEST

START_TEST(uuid_v4_and_generate_name)
{
    char a[40], b[40];
    meta_uuid(a);
    meta_uuid(b);
    ck_assert_uint_eq(strlen(a), 36);
    ck_assert_int_ne(strcmp(a, b), 0);
    ck_assert_int_eq(a[14], '4');
    ck_assert(strchr("89ab", a[19]));
    char *n = meta_generate_name("web-");
    ck_assert_uint_eq(strlen(n), 9);
    ck_assert_int_eq(strncmp(n, "web-", 4), 0);
    for (int i = 4; i < 9; i++)
        ck_assert(strchr("bcdfghjklmnpqrstvwxz2456789", n[i]));
    free(n);
    char longbase[80];
    memset(longbase, 'a', 70);
    longbase[70] = 0;
    n = meta_generate_name(longbase);
    ck_assert_uint_eq(strlen(n), 63);
    free(n);
}
END_TEST

START_TEST(names_validated_as_upstream)
{
    cJSON *causes = cJSON_CreateArray();
    ck_assert_int_eq(meta_validate_name(K_POD, "web-1.example", "metadata.name", causes), 0);
    ck_assert_int_eq(meta_validate_name(K_POD, "Web", "metadata.name", causes), 1);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 0), "message"),
                     "Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                     "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                     "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    ck_assert_int_eq(meta_validate_name(K_NAMESPACE, "a.b", "metadata.name", causes), 1);
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(causes, 1), "message"),
                     "Invalid value: \"a.b\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                     "characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                     "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    char too_long[80];
    memset(too_long, 'a', 64);
    too_long[64] = 0;
    ck_assert_int_eq(meta_validate_name(K_NAMESPACE, too_long, "metadata.name", causes), 1);
    ck_assert(strstr(jstr(cJSON_GetArrayItem(causes, 2), "message"), "must be no more than 63 characters"));
    cJSON_Delete(causes);
}
END_TEST

START_TEST(spec_change_ignores_metadata_and_status)
{
    cJSON *a = cJSON_Parse("{\"metadata\":{\"labels\":{\"a\":\"1\"}},\"spec\":{\"replicas\":1},\"status\":{\"x\":1}}");
    cJSON *b = cJSON_Parse("{\"metadata\":{\"labels\":{\"a\":\"2\"}},\"spec\":{\"replicas\":1},\"status\":{\"x\":2}}");
    cJSON *c = cJSON_Parse("{\"metadata\":{},\"spec\":{\"replicas\":2}}");
    ck_assert(!meta_spec_changed(a, b));
    ck_assert(meta_spec_changed(a, c));
    ck_assert(meta_has_generation(K_DEPLOYMENT));
    ck_assert(!meta_has_generation(K_NODE));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
}
END_TEST

Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_test(tc, insert_get_list_sorted);
    tcase_add_test(tc, resource_versions_increase_and_events_fire);
    tcase_add_test(tc, uuid_v4_and_generate_name);
    tcase_add_test(tc, names_validated_as_upstream);
    tcase_add_test(tc, spec_change_ignores_metadata_and_status);
    suite_add_tcase(s, tc);
    return s;
}
