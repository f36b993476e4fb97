/* Unit tests of model/store and model/meta: lookup by kind/namespace/name,
 * sorted lists, the global resourceVersion, change events; uid, names,
 * generateName, spec-change detection; the compact form and the tree cache
 * (documents print byte for byte the same after a trim), the deletion/Ready
 * bits and the shared controller-reference key. */
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

/* A listener that writes: the store names the write instead of going on. */
static const char *wrote;
static void record_write(const char *what)
{
    wrote = what;
}

static store *writing_store;
static void writing_listener(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    (void)ctx, (void)o, (void)old;
    if (ev == STORE_ADDED && !wrote) /* once: the write itself goes on, and notifies */
        store_insert(writing_store, K_NAMESPACE, obj(NULL, "from-a-listener"));
}

START_TEST(a_listener_that_writes_is_caught)
{
    store *s = store_new();
    writing_store = s;
    wrote = NULL;
    store_on_listener_write(record_write);
    store_insert(s, K_NAMESPACE, obj(NULL, "quiet")); /* no listener yet */
    ck_assert_ptr_null(wrote);
    store_listen(s, writing_listener, NULL);
    store_insert(s, K_NAMESPACE, obj(NULL, "noisy"));
    ck_assert_str_eq(wrote, "store_insert");
    store_on_listener_write(NULL);
    store_free(s);
}
END_TEST

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


/* Every JSON shape the store may hold, and the strings it treats apart. */
static const char *const compact_docs[] = {
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p0\",\"namespace\":\"ns\",\"uid\":\"u-1\","
    "\"labels\":{\"app\":\"web\",\"\":\"empty key\",\"k\":\"\"},\"creationTimestamp\":\"2025-01-01T00:00:00Z\"},"
    "\"spec\":{\"n\":[0,1,-1,127,128,-129,2147483647,2147483648,-2147483649,9007199254740991,-9007199254740991,"
    "9007199254740992,1e300,-1e-300,0.5,-0.0,3.14159,1.7976931348623157e308],"
    "\"b\":[true,false,null],\"e\":{},\"a\":[],\"deep\":[[[{\"x\":[{}]}]]],"
    "\"s\":\"\\u00e9\\u4e2d\\ud83d\\ude00 \\\"quoted\\\" \\\\ \\n\\t\\u0001\","
    "\"a-key-longer-than-sixty-four-bytes-is-kept-by-the-document-itself-not-shared\":\"a value longer than "
    "thirty-two bytes stays the object's own\"},"
    "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.1\"}}",
    "{\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\"},"
    "\"status\":{\"disruptedPods\":{\"p0\":\"2025-01-01T00:00:00Z\",\"phase\":\"not a phase\"}}}",
};

static char *print(const cJSON *v)
{
    return cJSON_PrintUnformatted(v);
}

START_TEST(compact_form_prints_the_same)
{
    store *s = store_new();
    store_set_cache(s, 0);
    for (size_t i = 0; i < sizeof compact_docs / sizeof *compact_docs; i++) {
        cJSON *d = cJSON_Parse(compact_docs[i]);
        ck_assert_ptr_nonnull(d);
        store_obj *o = store_insert(s, K_POD, d);
        char *want = print(store_doc(o));
        ck_assert_uint_eq(store_trim(s), 1);
        ck_assert_ptr_null(o->tree);
        ck_assert_uint_eq(store_cached(s), 0);
        cJSON *back = store_doc(o);
        char *got = print(back);
        ck_assert_str_eq(got, want);
        cJSON *orig = cJSON_Parse(compact_docs[i]);
        cJSON_DeleteItemFromObject(jobj(orig, "metadata"), "resourceVersion");
        cJSON_AddStringToObject(jobj(orig, "metadata"), "resourceVersion", jstr(back, "metadata.resourceVersion"));
        ck_assert(cJSON_Compare(back, orig, true));
        cJSON_Delete(orig);
        /* a copy taken out of the store outlives the store's tree */
        cJSON *copy = cJSON_Duplicate(back, true);
        store_trim(s);
        char *again = print(copy);
        ck_assert_str_eq(again, want);
        cJSON_Delete(copy);
        free(want), free(got), free(again);
    }
    store_free(s);
}
END_TEST

START_TEST(cache_keeps_its_bound_and_gives_read_trees_a_second_chance)
{
    store *s = store_new();
    store_set_cache(s, 4);
    store_obj *o[10];
    char name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "p%d", i);
        o[i] = store_insert(s, K_POD, obj("ns", name));
    }
    ck_assert_uint_eq(store_cached(s), 10);
    store_trim(s); /* every tree was just built (read): all get a second chance, then the oldest go */
    ck_assert_uint_eq(store_cached(s), 4);
    for (int i = 0; i < 6; i++)
        ck_assert_ptr_null(o[i]->tree);
    store_trim(s);
    (void)store_doc(o[7]); /* read: survives the next trim over p0 */
    (void)store_doc(o[0]); /* built again: the newest */
    ck_assert_uint_eq(store_cached(s), 5);
    store_trim(s);
    ck_assert_uint_eq(store_cached(s), 4);
    ck_assert_ptr_nonnull(o[0]->tree);
    ck_assert_ptr_nonnull(o[7]->tree);
    ck_assert_ptr_null(o[6]->tree);
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "p%d", i);
        ck_assert_str_eq(jstr(store_doc(o[i]), "metadata.name"), name);
    }
    /* replacing and removing objects whose tree was dropped */
    store_trim(s);
    store_replace(s, o[1], obj("ns", "p1"));
    ck_assert_str_eq(jstr(store_doc(o[1]), "metadata.resourceVersion"), "11");
    store_remove(s, o[2]);
    store_trim(s);
    ck_assert_str_eq(jstr(store_doc(o[1]), "metadata.resourceVersion"), "11");
    store_free(s);
}
END_TEST

static cJSON *pod_doc(const char *name, const char *ready, bool deleting, const char *ctrl_uid)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\"%s%s%s%s},"
             "\"status\":{\"conditions\":[{\"type\":\"Initialized\",\"status\":\"True\"}%s%s%s]}}",
             name, deleting ? ",\"deletionTimestamp\":\"2025-01-01T00:00:00Z\"" : "",
             ctrl_uid ? ",\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"x\",\"uid\":\"other\"},"
                        "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"controller\":true,\"uid\":\""
                      : "",
             ctrl_uid ? ctrl_uid : "", ctrl_uid ? "\"}]" : "", ready ? ",{\"type\":\"Ready\",\"status\":\"" : "",
             ready ? ready : "", ready ? "\"}" : "");
    cJSON *d = cJSON_Parse(buf);
    ck_assert_ptr_nonnull(d);
    return d;
}

START_TEST(hot_bits_and_controller_keys_follow_changes)
{
    store *s = store_new();
    store_set_cache(s, 0);
    store_obj *a = store_insert(s, K_POD, pod_doc("a", "True", false, "u1"));
    store_obj *b = store_insert(s, K_POD, pod_doc("b", "False", true, "u1"));
    store_obj *c = store_insert(s, K_POD, pod_doc("c", NULL, false, NULL));
    store_trim(s);
    /* none of them has a status.phase */
    ck_assert_uint_eq(a->hot, STORE_READY | STORE_NOPHASE);
    ck_assert_uint_eq(b->hot, STORE_DELETING | STORE_NOPHASE);
    ck_assert_uint_eq(c->hot, STORE_NOPHASE);
    ck_assert_ptr_nonnull(store_controller_key(a));
    ck_assert_ptr_eq(store_controller_key(a), store_controller_key(b));
    ck_assert_ptr_null(store_controller_key(c));
    ck_assert_str_eq(store_controller_uid(a), "u1");
    ck_assert_str_eq(store_controller_uid(c), "");
    /* the controller reference's fields, read back from the key */
    static const char *const want[] = {"apps/v1", "ReplicaSet", "rs", "u1"};
    for (int i = 0; i < 4; i++) {
        size_t n = 99;
        const char *f = store_controller_field(a, i, &n);
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(n, strlen(want[i]));
        ck_assert_int_eq(memcmp(f, want[i], n), 0);
        ck_assert_ptr_null(store_controller_field(c, i, &n));
    }
    cJSON *odd = cJSON_Parse("{\"metadata\":{\"name\":\"d\",\"namespace\":\"ns\",\"ownerReferences\":[{\"kind\":"
                             "\"Job\",\"controller\":false},{\"apiVersion\":1,\"kind\":\"StatefulSet\",\"name\":"
                             "\"a-long-name-of-12345678901234567890\",\"controller\":true}]}}");
    store_obj *d = store_insert(s, K_POD, odd);
    size_t n;
    ck_assert_ptr_null(store_controller_field(d, 0, &n)); /* a number */
    ck_assert_int_eq(memcmp(store_controller_field(d, 1, &n), "StatefulSet", 11), 0);
    ck_assert_uint_eq(n, 11);
    ck_assert_int_eq(memcmp(store_controller_field(d, 2, &n), "a-long-name-of-12345678901234567890", 35), 0);
    ck_assert_uint_eq(n, 35);
    ck_assert_ptr_null(store_controller_field(d, 3, &n)); /* absent */
    store_remove(s, d);
    /* the first condition of a type decides; phase and node name as read */
    static const struct {
        const char *doc;
        unsigned hot;
    } bits[] = {
        {"{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"},"
         "{\"type\":\"Ready\",\"status\":\"True\"}]}}", 0},
        {"{\"spec\":{\"nodeName\":\"n\"},\"status\":{\"phase\":\"Pending\",\"conditions\":[{\"type\":"
         "\"DisruptionTarget\",\"status\":\"True\",\"reason\":\"TerminationByKubelet\"},{\"type\":"
         "\"DisruptionTarget\",\"status\":\"True\"},{\"status\":\"True\"},{\"type\":\"Ready\",\"status\":"
         "\"True\"}]}}", STORE_PENDING | STORE_BOUND | STORE_READY},
        {"{\"spec\":{\"nodeName\":\"\"},\"status\":{\"phase\":\"Failed\",\"conditions\":[{\"type\":"
         "\"DisruptionTarget\",\"status\":\"True\",\"reason\":\"EvictionByEvictionAPI\"}]}}",
         STORE_ENDED | STORE_DTARGET},
        {"{\"metadata\":{\"deletionTimestamp\":null},\"spec\":[],\"status\":{\"phase\":7}}", STORE_NOPHASE},
        {"{\"metadata\":{\"deletionTimestamp\":\"t\"},\"status\":{\"phase\":\"Succeeded\",\"conditions\":"
         "{\"x\":{\"type\":\"Ready\",\"status\":\"True\"}}}}", STORE_DELETING | STORE_ENDED | STORE_READY},
    };
    for (size_t i = 0; i < sizeof bits / sizeof *bits; i++) {
        cJSON *doc = cJSON_Parse(bits[i].doc);
        ck_assert_ptr_nonnull(doc);
        cJSON *md = jobj(doc, "metadata");
        jset_str(md, "name", "e");
        jset_str(md, "namespace", "ns");
        store_obj *e = store_insert(s, K_POD, doc);
        ck_assert_msg(e->hot == bits[i].hot, "%s: %u", bits[i].doc, e->hot);
        store_remove(s, e);
    }
    store_replace(s, b, pod_doc("b", "True", false, "u2"));
    ck_assert_uint_eq(b->hot, STORE_READY | STORE_NOPHASE);
    ck_assert_ptr_ne(store_controller_key(a), store_controller_key(b));
    ck_assert_str_eq(store_controller_uid(b), "u2");
    store_remove(s, a);
    store_replace(s, c, pod_doc("c", "True", false, "u2"));
    ck_assert_ptr_eq(store_controller_key(b), store_controller_key(c));
    static const struct { const char *phase; unsigned bits; } phases[] = {
        {"Pending", STORE_PENDING}, {"Running", 0}, {"Succeeded", STORE_ENDED}, {"Failed", STORE_ENDED}, {"Unknown", 0}};
    for (size_t i = 0; i < sizeof phases / sizeof *phases; i++) {
        cJSON *d = pod_doc("c", NULL, false, NULL);
        cJSON_AddStringToObject(jobj(d, "status"), "phase", phases[i].phase);
        store_replace(s, c, d);
        ck_assert_uint_eq(c->hot, phases[i].bits);
    }
    /* STORE_BOUND: spec.nodeName is a string other than "" */
    static const struct { const char *spec; unsigned bits; } nodes[] = {
        {"{\"nodeName\":\"node-1\"}", STORE_BOUND}, {"{\"nodeName\":\"\"}", 0}, {"{\"nodeName\":null}", 0}, {"{}", 0}};
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        cJSON *d = pod_doc("c", NULL, false, NULL);
        cJSON_AddItemToObject(d, "spec", cJSON_Parse(nodes[i].spec));
        store_replace(s, c, d);
        ck_assert_uint_eq(c->hot, nodes[i].bits | STORE_NOPHASE);
    }
    store_free(s);
}
END_TEST

/* Staged documents go in as store_insert/store_replace would put them:
 * same text (resourceVersion where stamp_rv writes it), bits, controller
 * key and group, and events. */
START_TEST(staged_documents_go_in_like_trees)
{
    store *s1 = store_new(), *s2 = store_new();
    events e1 = {""}, e2 = {""};
    store_listen(s1, listen_fn, &e1);
    store_listen(s2, listen_fn, &e2);
    cJSON *docs[] = {
        pod_doc("a", "True", false, "u1"),
        pod_doc("b", "False", true, "u1"),
        pod_doc("c", NULL, false, NULL),
        pod_doc("a", "False", false, "u2"), /* replaces a */
    };
    /* one with a resourceVersion already, not last in its metadata */
    cJSON *md = jobj(docs[2], "metadata");
    cJSON_AddStringToObject(md, "resourceVersion", "999999999");
    cJSON_AddStringToObject(md, "generateName", "c-"); /* after it */
    for (size_t i = 0; i < 4; i++) {
        cJSON *d = cJSON_Duplicate(docs[i], true);
        store_staged *st = store_stage(s2, K_POD, docs[i]);
        ck_assert_str_eq(store_staged_ns(st), "ns");
        store_obj *o2 = store_get(s2, K_POD, "ns", store_staged_name(st));
        if (o2)
            store_replace_staged(s2, o2, st);
        else
            o2 = store_insert_staged(s2, st);
        store_obj *o1 = store_get(s1, K_POD, "ns", o2->name);
        if (o1)
            store_replace(s1, o1, d);
        else
            o1 = store_insert(s1, K_POD, d);
        char *a = jprint(store_doc(o1)), *b = jprint(store_doc(o2));
        ck_assert_str_eq(b, a);
        free(a), free(b);
        ck_assert_uint_eq(o1->rv, o2->rv);
        ck_assert_uint_eq(o1->hot, o2->hot);
        ck_assert_int_eq(!store_controller_key(o1), !store_controller_key(o2));
        if (store_controller_key(o1))
            ck_assert_str_eq(store_controller_key(o1), store_controller_key(o2));
        ck_assert_str_eq(store_controller_uid(o1), store_controller_uid(o2));
        cJSON_Delete(docs[i]);
    }
    ck_assert_str_eq(e1.log, e2.log);
    size_t n1, n2;
    free(store_list_controlled(s1, K_POD, "ns", "u1", &n1));
    free(store_list_controlled(s2, K_POD, "ns", "u1", &n2));
    ck_assert_uint_eq(n1, 1);
    ck_assert_uint_eq(n2, 1);
    /* one that never goes in gives its controller key back */
    cJSON *d = pod_doc("z", NULL, false, "u9");
    store_staged_free(s2, store_stage(s2, K_POD, d));
    cJSON_Delete(d);
    store_free(s1);
    store_free(s2);
}
END_TEST

/* What store_each_member gave, as "key=value " (or "key " for a member
 * that is no string), stopping after `stop` members when it is set. */
typedef struct {
    char seen[512];
    int n, stop;
} members;

static bool member_rec(const char *k, const char *v, void *arg)
{
    members *m = arg;
    size_t at = strlen(m->seen);
    snprintf(m->seen + at, sizeof m->seen - at, v ? "%s=%s " : "%s ", k, v);
    return ++m->n != m->stop;
}

/* Strings read in place from the compact form are the tree's. */
START_TEST(strings_read_in_place_match_the_tree)
{
    store *s = store_new();
    store_set_cache(s, 0);
    cJSON *d = cJSON_Parse("{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"labels\":{\"app\":\"web\","
                           "\"own-key-that-is-rather-long-and-not-shared-by-anything-else-at-all-x\":\"v\","
                           "\"n\":1}},\"spec\":{\"nodeName\":\"node-1\"},\"status\":{\"phase\":\"Running\"}}");
    store_obj *o = store_insert(s, K_POD, d);
    store_trim(s);
    ck_assert_ptr_null(o->tree);
    const char *paths[] = {"spec.nodeName", "status.phase", "metadata.name", "metadata.resourceVersion",
                           "metadata.labels", "spec.missing", "nope.x"};
    const char *keys[] = {"app", "own-key-that-is-rather-long-and-not-shared-by-anything-else-at-all-x", "n", "none"};
    const char *got[7], *kgot[4];
    for (int i = 0; i < 7; i++)
        got[i] = store_get_str(o, paths[i]);
    for (int i = 0; i < 4; i++)
        kgot[i] = store_get_member_str(o, "metadata.labels", keys[i]);
    members m = {0}, m_stop = {.stop = 2};
    store_each_member(o, "metadata.labels", member_rec, &m);
    store_each_member(o, "metadata.labels", member_rec, &m_stop);
    ck_assert_str_eq(m.seen, "app=web own-key-that-is-rather-long-and-not-shared-by-anything-else-at-all-x=v n ");
    ck_assert_str_eq(m_stop.seen, "app=web own-key-that-is-rather-long-and-not-shared-by-anything-else-at-all-x=v ");
    ck_assert_str_eq(store_label(o, "app"), "web");
    ck_assert_ptr_null(store_label(o, "n"));
    cJSON *t = store_doc(o); /* now from the tree */
    members mt = {0};
    store_each_member(o, "metadata.labels", member_rec, &mt);
    ck_assert_str_eq(mt.seen, m.seen);
    ck_assert_ptr_eq(store_label(o, "app"), jstr(t, "metadata.labels.app"));
    members none = {0};
    store_each_member(o, "spec", member_rec, &none); /* its one member */
    store_each_member(o, "metadata.name", member_rec, &none); /* not an object */
    store_each_member(o, "nope", member_rec, &none);
    ck_assert_str_eq(none.seen, "nodeName=node-1 ");
    for (int i = 0; i < 7; i++) {
        const char *want = jstr(t, paths[i]);
        ck_assert_msg(want ? got[i] && !strcmp(got[i], want) : !got[i], "%s", paths[i]);
        ck_assert_ptr_eq(store_get_str(o, paths[i]), want);
    }
    for (int i = 0; i < 4; i++) {
        const char *want = jstr(jget(t, "metadata.labels"), keys[i]);
        ck_assert_msg(want ? kgot[i] && !strcmp(kgot[i], want) : !kgot[i], "%s", keys[i]);
    }
    store_free(s);
}
END_TEST

static cJSON *owned(const char *name, const char *ref_fields)
{
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"ns\",\"ownerReferences\":[{\"controller\":true,%s}]}}",
             name, ref_fields);
    cJSON *d = cJSON_Parse(buf);
    ck_assert_ptr_nonnull(d);
    return d;
}

START_TEST(controller_keys_tell_references_apart)
{
    store *s = store_new();
    /* a value that contains what would separate fields is still one field */
    store_obj *a = store_insert(s, K_POD, owned("a", "\"kind\":\"K\",\"name\":\"n\",\"uid\":\"u\""));
    store_obj *b = store_insert(s, K_POD, owned("b", "\"kind\":\"K\",\"name\":\"n\\u001fsu\""));
    store_obj *b2 = store_insert(s, K_POD, owned("b2", "\"kind\":\"K\",\"name\":\"n\",\"uid\":\"u\\u001f-\""));
    store_obj *c = store_insert(s, K_POD, owned("c", "\"kind\":\"K\",\"name\":\"n\",\"uid\":\"u\""));
    store_obj *d = store_insert(s, K_POD, owned("d", "\"kind\":\"K\",\"name\":\"n\",\"uid\":7"));
    ck_assert_ptr_nonnull(store_controller_key(a));
    ck_assert_ptr_ne(store_controller_key(a), store_controller_key(b));
    ck_assert_ptr_ne(store_controller_key(b), store_controller_key(b2));
    ck_assert_ptr_ne(store_controller_key(b), store_controller_key(b2));
    ck_assert_ptr_eq(store_controller_key(a), store_controller_key(c));
    ck_assert_ptr_ne(store_controller_key(a), store_controller_key(d));
    ck_assert_ptr_null(store_controller_uid(d)); /* a reference without a string uid */
    /* ownerReferences that is not a list names no controller, as the index reads it */
    cJSON *e = cJSON_Parse("{\"metadata\":{\"name\":\"e\",\"namespace\":\"ns\",\"ownerReferences\":"
                           "{\"x\":{\"controller\":true,\"uid\":\"u\"}}}}");
    store_obj *eo = store_insert(s, K_POD, e);
    ck_assert_ptr_null(store_controller_key(eo));
    ck_assert_str_eq(store_controller_uid(eo), "");
    store_free(s);
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
    tcase_add_test(tc, compact_form_prints_the_same);
    tcase_add_test(tc, cache_keeps_its_bound_and_gives_read_trees_a_second_chance);
    tcase_add_test(tc, hot_bits_and_controller_keys_follow_changes);
    tcase_add_test(tc, controller_keys_tell_references_apart);
    tcase_add_test(tc, staged_documents_go_in_like_trees);
    tcase_add_test(tc, strings_read_in_place_match_the_tree);
    tcase_add_test(tc, a_listener_that_writes_is_caught);
    suite_add_tcase(s, tc);
    return s;
}
