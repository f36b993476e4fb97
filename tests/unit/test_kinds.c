/* Unit tests of model/store/kinds: every static row is complete and consistent (names derived as
 * upstream derives them, lookups find it, no two rows share a resource), the rows the issue names
 * are there with their scope, short names and subresources, and custom rows come and go. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "kinds.h"

START_TEST(static_rows_consistent)
{
    ck_assert_int_ge(kind_count(), K_STATIC_COUNT);
    for (int i = 0; i < K_STATIC_COUNT; i++) {
        const kind_info *k = kind_get(i);
        ck_assert_ptr_nonnull(k);
        ck_assert_int_eq(k->id, i);
        ck_assert_msg(k->kind && k->plural && k->singular && k->group && k->version && k->api_version, "row %d", i);
        ck_assert(!k->custom);
        if (i == K_EVICTIONREQUEST || i == K_EVICTION) /* alpha: served only when enabled */
            continue;
        ck_assert(k->served);
        char lower[128];
        size_t n = strlen(k->kind);
        for (size_t j = 0; j <= n; j++)
            lower[j] = (char)(k->kind[j] >= 'A' && k->kind[j] <= 'Z' ? k->kind[j] + 32 : k->kind[j]);
        ck_assert_str_eq(k->singular, lower);
        char want[256];
        snprintf(want, sizeof want, "%s%s%s", k->group, *k->group ? "/" : "", k->version);
        ck_assert_str_eq(k->api_version, want);
        snprintf(want, sizeof want, "%sList", k->kind);
        ck_assert_str_eq(k->list_kind, want);
        snprintf(want, sizeof want, "%s%s%s", k->plural, *k->group ? "." : "", k->group);
        ck_assert_str_eq(kind_qualified(i), want);
        ck_assert_ptr_eq(kind_by_resource(k->group, k->version, k->plural), k);
        if (k->store_kind == k->id)
            ck_assert_ptr_eq(kind_by_plural(k->group, k->plural), k);
        ck_assert_ptr_eq(kind_by_kind(k->api_version, k->kind), k);
        ck_assert_msg(k->verbs, "%s has verbs", k->plural);
        ck_assert_msg(k->stored || k->verbs == KV_CREATE, "%s: a row not stored is create only", k->plural);
    }
}
END_TEST

START_TEST(rows_of_the_issue)
{
    static const struct { const char *group, *plural; bool ns; const char *shorts; } want[] = {
        {"", "configmaps", true, "cm"}, {"", "secrets", true, ""}, {"", "services", true, "svc"},
        {"", "endpoints", true, "ep"}, {"", "serviceaccounts", true, "sa"}, {"", "persistentvolumeclaims", true, "pvc"},
        {"", "persistentvolumes", false, "pv"}, {"", "podtemplates", true, ""}, {"", "limitranges", true, "limits"},
        {"", "resourcequotas", true, "quota"}, {"", "bindings", true, ""},
        {"coordination.k8s.io", "leases", true, ""}, {"scheduling.k8s.io", "priorityclasses", false, "pc"},
        {"apps", "controllerrevisions", true, ""}, {"batch", "jobs", true, ""}, {"batch", "cronjobs", true, "cj"},
        {"networking.k8s.io", "ingresses", true, "ing"}, {"networking.k8s.io", "networkpolicies", true, "netpol"},
        {"storage.k8s.io", "storageclasses", false, "sc"}, {"rbac.authorization.k8s.io", "roles", true, ""},
        {"rbac.authorization.k8s.io", "clusterrolebindings", false, ""},
        {"authorization.k8s.io", "selfsubjectaccessreviews", false, ""},
        {"apiextensions.k8s.io", "customresourcedefinitions", false, "crd"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const kind_info *k = kind_by_plural(want[i].group, want[i].plural);
        ck_assert_msg(k, "%s/%s served", want[i].group, want[i].plural);
        ck_assert_int_eq(k->namespaced, want[i].ns);
        ck_assert_str_eq(k->short_names[0] ? k->short_names[0] : "", want[i].shorts);
    }
    ck_assert(kind_get(K_DEPLOYMENT)->subs & KS_SCALE);
    ck_assert(kind_get(K_RC)->subs & KS_SCALE);
    ck_assert(!(kind_get(K_DAEMONSET)->subs & KS_SCALE));
    ck_assert(kind_get(K_POD)->subs & KS_LOG);
    ck_assert_int_eq(kind_get(K_SSAR)->verbs, KV_CREATE);
    ck_assert(!(kind_get(K_NAMESPACE)->verbs & KV_DELETECOLLECTION));
    ck_assert_str_eq(kind_get(K_CRD)->short_names[1], "crds");
    ck_assert_str_eq(kind_get(K_CRD)->categories[0], "api-extensions");
    ck_assert_str_eq(kind_get(K_JOB)->categories[0], "all");
}
END_TEST

START_TEST(custom_rows_come_and_go)
{
    kind_info t = {.kind = "Widget", .plural = "widgets", .group = "example.com", .version = "v1",
                   .namespaced = true, .short_names = {"wd"}};
    unsigned gen = kind_generation();
    int id = kind_register(&t);
    ck_assert_int_ge(id, K_STATIC_COUNT);
    ck_assert_uint_gt(kind_generation(), gen);
    const kind_info *k = kind_get(id);
    ck_assert(k->custom && k->served && k->stored);
    ck_assert_str_eq(k->singular, "widget");
    ck_assert_str_eq(k->api_version, "example.com/v1");
    ck_assert_str_eq(k->list_kind, "WidgetList");
    ck_assert_str_eq(kind_qualified(id), "widgets.example.com");
    ck_assert_int_eq(k->verbs, KV_ALL);
    ck_assert_ptr_eq(kind_by_kind("example.com/v1", "Widget"), k);
    /* another resource of the same type, or a built-in's resource, is refused */
    kind_info clash = t;
    clash.plural = "widgetz";
    ck_assert_int_eq(kind_register(&clash), -1);
    kind_info pods = {.kind = "Pod", .plural = "pods", .group = "", .version = "v1"};
    ck_assert_int_eq(kind_register(&pods), -1);
    /* registered again: updated in place */
    t.namespaced = false;
    ck_assert_int_eq(kind_register(&t), id);
    ck_assert(!kind_get(id)->namespaced);
    kind_withdraw(id);
    ck_assert(!kind_get(id)->served);
    ck_assert_ptr_null(kind_by_plural("example.com", "widgets"));
    ck_assert_ptr_null(kind_by_kind("example.com/v1", "Widget"));
    /* served again: the same id */
    ck_assert_int_eq(kind_register(&t), id);
    kind_withdraw(id);
    kind_withdraw(K_POD); /* built-in rows cannot be withdrawn */
    ck_assert(kind_get(K_POD)->served);
}
END_TEST

Suite *kinds_suite(void)
{
    Suite *s = suite_create("kinds");
    TCase *tc = tcase_create("rows");
    tcase_add_test(tc, static_rows_consistent);
    tcase_add_test(tc, rows_of_the_issue);
    tcase_add_test(tc, custom_rows_come_and_go);
    suite_add_tcase(s, tc);
    return s;
}
