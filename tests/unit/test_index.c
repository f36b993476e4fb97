/* Unit tests of the store's derived indexes (issue 7): name order kept per
 * namespace through inserts and removals, the controller index
 * (store_list_controlled) and model/pdbindex (which PDBs select which pods,
 * and which of their pods are unhealthy), each checked against what a scan
 * would answer. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "pdbindex.h"
#include "store.h"

static cJSON *pod(const char *ns, const char *name, const char *app, const char *owner, bool ready)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":{\"app\":\"%s\",\"tier\":\"web\"}%s%s%s},"
             "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
             name, ns, app, owner ? ",\"ownerReferences\":[{\"uid\":\"" : "", owner ? owner : "",
             owner ? "\",\"controller\":true}]" : "", ready ? "True" : "False");
    return cJSON_Parse(text);
}

static cJSON *pdb(const char *ns, const char *name, const char *selector)
{
    char text[512];
    snprintf(text, sizeof text, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":{\"selector\":%s}}",
             name, ns, selector);
    return cJSON_Parse(text);
}

/* The names of objs, comma-separated, and free(objs). n is read after the
 * call that fills it. */
static const char *names(store_obj **objs, const size_t *np)
{
    size_t n = *np;
    static char buf[1024];
    buf[0] = 0;
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "", objs[i]->name);
    free(objs);
    return buf;
}

START_TEST(list_keeps_name_order_through_changes)
{
    store *s = store_new();
    const char *order[] = {"m", "c", "x", "a", "q", "b"};
    for (int i = 0; i < 6; i++)
        store_insert(s, K_POD, pod("ns", order[i], "a", NULL, true));
    size_t n;
    ck_assert_str_eq(names(store_list(s, K_POD, "ns", &n), &n), "a,b,c,m,q,x");
    store_remove(s, store_get(s, K_POD, "ns", "c"));
    store_remove(s, store_get(s, K_POD, "ns", "x"));
    store_insert(s, K_POD, pod("ns", "d", "a", NULL, true));
    store_insert(s, K_POD, pod("other", "b", "a", NULL, true));
    ck_assert_str_eq(names(store_list(s, K_POD, "ns", &n), &n), "a,b,d,m,q");
    ck_assert_str_eq(names(store_list(s, K_POD, NULL, &n), &n), "a,b,d,m,q,b");
    store_obj **everything = store_list(s, K_POD, NULL, &n);
    ck_assert_str_eq(everything[5]->ns, "other");
    free(everything);
    ck_assert_uint_eq(store_count(s, K_POD), 6);
    ck_assert_str_eq(names(store_list(s, K_POD, "none", &n), &n), "");
    store_free(s);
}
END_TEST

START_TEST(controlled_lists_follow_owner_references)
{
    store *s = store_new();
    store_insert(s, K_POD, pod("ns", "b", "a", "rs-1", true));
    store_insert(s, K_POD, pod("ns", "a", "a", "rs-1", true));
    store_insert(s, K_POD, pod("ns", "c", "a", "rs-2", true));
    store_insert(s, K_POD, pod("ns", "o", "a", NULL, true));
    store_insert(s, K_POD, pod("ns2", "z", "a", "rs-1", true));
    size_t n;
    ck_assert_str_eq(names(store_list_controlled(s, K_POD, "ns", "rs-1", &n), &n), "a,b");
    ck_assert_str_eq(names(store_list_controlled(s, K_POD, "ns", NULL, &n), &n), "o");
    /* released by rs-1, adopted by rs-2 */
    store_replace(s, store_get(s, K_POD, "ns", "b"), pod("ns", "b", "a", NULL, true));
    store_replace(s, store_get(s, K_POD, "ns", "o"), pod("ns", "o", "a", "rs-2", true));
    ck_assert_str_eq(names(store_list_controlled(s, K_POD, "ns", "rs-1", &n), &n), "a");
    ck_assert_str_eq(names(store_list_controlled(s, K_POD, "ns", "rs-2", &n), &n), "c,o");
    ck_assert_str_eq(names(store_list_controlled(s, K_POD, "ns", NULL, &n), &n), "b");
    store_remove(s, store_get(s, K_POD, "ns", "a"));
    ck_assert_str_eq(names(store_list_controlled(s, K_POD, "ns", "rs-1", &n), &n), "");
    ck_assert_str_eq(names(store_list_controlled(s, K_POD, "ns2", "rs-1", &n), &n), "z");
    store_free(s);
}
END_TEST

/* Run 0 reads pods from their trees, run 1 from their compact forms. */
#define COMPACT(s) (_i ? store_trim(s) : 0)

START_TEST(pdbindex_matches_selectors)
{
    store *s = store_new();
    if (_i)
        store_set_cache(s, 0);
    store_insert(s, K_POD, pod("ns", "web-2", "web", NULL, true));
    store_insert(s, K_POD, pod("ns", "web-1", "web", NULL, false));
    store_insert(s, K_POD, pod("ns", "db-1", "db", NULL, true));
    store_insert(s, K_POD, pod("other", "web-9", "web", NULL, true));
    store_obj *web = store_insert(s, K_PDB, pdb("ns", "web", "{\"matchLabels\":{\"app\":\"web\"}}"));
    store_obj *all = store_insert(s, K_PDB, pdb("ns", "all", "{}"));
    store_insert(s, K_PDB, pdb("ns", "none", "null"));
    store_insert(s, K_PDB, pdb("ns", "expr", "{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\","
                                         "\"values\":[\"db\"]}]}"));
    store_insert(s, K_PDB, pdb("ns", "bad", "{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Foo\"}]}"));
    pdbindex *ix = pdbindex_get(s);
    size_t n;
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pods_of(ix, web, &n), &n), "web-1,web-2");
    ck_assert_str_eq(names(pdbindex_pods_of(ix, all, &n), &n), "db-1,web-1,web-2");
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, store_get(s, K_POD, "ns", "db-1"), &n), &n), "all,expr");
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, store_get(s, K_POD, "ns", "web-2"), &n), &n), "all,web");
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, store_get(s, K_POD, "other", "web-9"), &n), &n), "");
    ck_assert_str_eq(names(pdbindex_unhealthy_of(ix, web, &n), &n), "web-1");
    ck_assert(pdbindex_selects(ix, web, store_get(s, K_POD, "ns", "web-1")));
    ck_assert(!pdbindex_selects(ix, web, store_get(s, K_POD, "other", "web-9")));
    store_free(s);
}
END_TEST

START_TEST(pdbindex_follows_changes)
{
    store *s = store_new();
    if (_i)
        store_set_cache(s, 0);
    store_obj *web = store_insert(s, K_PDB, pdb("ns", "web", "{\"matchLabels\":{\"app\":\"web\"}}"));
    COMPACT(s);
    pdbindex *ix = pdbindex_get(s);
    size_t n;
    ck_assert_str_eq(names(pdbindex_pods_of(ix, web, &n), &n), "");
    store_insert(s, K_POD, pod("ns", "web-1", "web", NULL, true));
    COMPACT(s);
    store_obj *p2 = store_insert(s, K_POD, pod("ns", "web-2", "web", NULL, true));
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pods_of(ix, web, &n), &n), "web-1,web-2");
    ck_assert_str_eq(names(pdbindex_unhealthy_of(ix, web, &n), &n), "");
    ck_assert_uint_eq(pdbindex_unhealthy_count(ix, web), 0);
    /* not ready, then terminating, then relabelled away */
    store_replace(s, p2, pod("ns", "web-2", "web", NULL, false));
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_unhealthy_of(ix, web, &n), &n), "web-2");
    cJSON *term = pod("ns", "web-1", "web", NULL, true);
    jset_str(jobj(term, "metadata"), "deletionTimestamp", "2025-01-01T00:00:00Z");
    store_replace(s, store_get(s, K_POD, "ns", "web-1"), term);
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_unhealthy_of(ix, web, &n), &n), "web-1,web-2");
    ck_assert_uint_eq(pdbindex_unhealthy_count(ix, web), 2);
    store_replace(s, p2, pod("ns", "web-2", "db", NULL, false));
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pods_of(ix, web, &n), &n), "web-1");
    ck_assert_str_eq(names(pdbindex_unhealthy_of(ix, web, &n), &n), "web-1");
    /* the selector changes: members are found again */
    store_replace(s, web, pdb("ns", "web", "{\"matchLabels\":{\"app\":\"db\"}}"));
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pods_of(ix, web, &n), &n), "web-2");
    store_remove(s, p2);
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pods_of(ix, web, &n), &n), "");
    store_remove(s, web);
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, store_get(s, K_POD, "ns", "web-1"), &n), &n), "");
    store_free(s);
}
END_TEST

/* pdbindex_pdbs_for remembers a pod's answer: a PDB that comes, goes or
 * changes its selector, and a pod relabelled, are seen at the next ask. */
START_TEST(pdbindex_pdbs_for_follows_changes)
{
    store *s = store_new();
    if (_i)
        store_set_cache(s, 0);
    store_obj *p1 = store_insert(s, K_POD, pod("ns", "web-1", "web", NULL, true));
    store_obj *web = store_insert(s, K_PDB, pdb("ns", "web", "{\"matchLabels\":{\"app\":\"web\"}}"));
    pdbindex *ix = pdbindex_get(s);
    size_t n;
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "web");
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "web"); /* remembered */
    store_obj *all = store_insert(s, K_PDB, pdb("ns", "all", "{}"));
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "all,web");
    store_replace(s, web, pdb("ns", "web", "{\"matchLabels\":{\"app\":\"db\"}}"));
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "all");
    store_replace(s, p1, pod("ns", "web-1", "db", NULL, true));
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "all,web");
    store_remove(s, all);
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "web");
    /* a status write keeps the selection (and the remembered answer) */
    cJSON *st = pdb("ns", "web", "{\"matchLabels\":{\"app\":\"db\"}}");
    jset_num(jobj(st, "status"), "disruptionsAllowed", 1);
    store_replace(s, web, st);
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "web");
    store_remove(s, web);
    COMPACT(s);
    ck_assert_str_eq(names(pdbindex_pdbs_for(ix, p1, &n), &n), "");
    store_free(s);
}
END_TEST

Suite *index_suite(void)
{
    Suite *s = suite_create("index");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, list_keeps_name_order_through_changes);
    tcase_add_test(tc, controlled_lists_follow_owner_references);
    tcase_add_loop_test(tc, pdbindex_matches_selectors, 0, 2);
    tcase_add_loop_test(tc, pdbindex_pdbs_for_follows_changes, 0, 2);
    tcase_add_loop_test(tc, pdbindex_follows_changes, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
