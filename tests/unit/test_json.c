/* Unit tests of model/json's printer: jprint writes exactly what
 * cJSON_PrintUnformatted writes — for every kind of number, every byte that
 * needs escaping, nesting, the fixtures, and random trees. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "manifest.h"

static void same(const cJSON *v)
{
    char *want = cJSON_PrintUnformatted(v), *got = jprint(v);
    if (!want) {
        ck_assert_ptr_null(got);
        return;
    }
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    size_t len;
    char *again = jprint_len(v, &len);
    ck_assert_uint_eq(len, strlen(want));
    free(again);
    free(want);
    free(got);
}

START_TEST(numbers_print_as_cjson_prints_them)
{
    static const double nums[] = {0, 1, -1, 429, 2147483647.0, 2147483648.0, -2147483649.0, 999999999999999.0,
                                  -999999999999999.0, 1e15, -1e15, 1e15 + 1, 123456789012345678.0, 9007199254740993.0,
                                  0.1, 0.5, 1.0 / 3, 2.5e-7, 1e-300, 5e-324, DBL_MAX, -DBL_MAX, 1e21, 3.14159,
                                  100.25, -0.0, 1e300, 12345.678901234567};
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        cJSON *n = cJSON_CreateNumber(nums[i]);
        same(n);
        cJSON_AddItemToArray(arr, n);
    }
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(NAN));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(INFINITY));
    same(arr);
    cJSON_Delete(arr);
}
END_TEST

START_TEST(strings_escape_as_cjson_escapes_them)
{
    char all[128];
    for (int i = 1; i < 128; i++)
        all[i - 1] = (char)i;
    all[127] = 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, all, all);
    cJSON_AddStringToObject(o, "utf8 é中😀", "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80 \"q\" \\ /");
    cJSON_AddStringToObject(o, "", "");
    cJSON *nulls = cJSON_CreateString("x");
    free(nulls->valuestring);
    nulls->valuestring = NULL; /* cJSON prints a NULL string as "" */
    cJSON_AddItemToObject(o, "null string", nulls);
    cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("{\"pre\":[1,2]}"));
    cJSON_AddItemToObject(o, "e", cJSON_CreateObject());
    cJSON_AddItemToObject(o, "a", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "lit", cJSON_Parse("[true,false,null,[[{}]],{\"k\":{\"k\":[1,{\"z\":null}]}}]"));
    same(o);
    cJSON_Delete(o);
    cJSON *bad = cJSON_CreateRaw("x");
    free(bad->valuestring);
    bad->valuestring = NULL; /* cJSON refuses a raw without text */
    ck_assert_ptr_null(jprint(bad));
    cJSON_Delete(bad);
}
END_TEST

START_TEST(fixtures_print_the_same)
{
    static const char *const files[] = {"fixtures/default.yaml", "fixtures/scenarios/clusters/default-static.yaml",
                                        "fixtures/lessons"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        cJSON *objs = cJSON_CreateArray();
        char *err = NULL;
        ck_assert_msg(manifest_load_path(files[i], objs, &err) >= 0, "%s: %s", files[i], err ? err : "");
        ck_assert_int_gt(cJSON_GetArraySize(objs), 0);
        same(objs);
        cJSON_Delete(objs);
    }
}
END_TEST

static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static cJSON *random_value(int depth)
{
    switch (rnd(depth > 4 ? 5 : 7)) {
    case 0: return cJSON_CreateNull();
    case 1: return cJSON_CreateBool(rnd(2));
    case 2: {
        static const double scale[] = {1, 1e3, 1e9, 1e15, 1e17, 1e-5, 1e300};
        double d = ((double)rnd(2000001) - 1000000) * scale[rnd(7)] / (rnd(2) ? 1 : 7);
        return cJSON_CreateNumber(d);
    }
    case 3:
    case 4: {
        char s[24];
        size_t n = rnd(sizeof s);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(1 + rnd(255));
        s[n] = 0;
        return cJSON_CreateString(s);
    }
    default: {
        bool obj = rnd(2);
        cJSON *c = obj ? cJSON_CreateObject() : cJSON_CreateArray();
        for (unsigned i = rnd(6); i > 0; i--) {
            char k[8];
            snprintf(k, sizeof k, "k%u", rnd(100));
            if (obj)
                cJSON_AddItemToObject(c, k, random_value(depth + 1));
            else
                cJSON_AddItemToArray(c, random_value(depth + 1));
        }
        return c;
    }
    }
}

START_TEST(random_trees_print_the_same)
{
    for (int i = 0; i < 3000; i++) {
        cJSON *v = random_value(0);
        same(v);
        cJSON_Delete(v);
    }
}
END_TEST

/* jequal answers as cJSON_Compare(a, b, true) does: random small trees
 * (keys repeated or reordered, numbers a rounding apart, strings, nesting),
 * each compared with a copy changed at random and with itself. */
static unsigned jq_seed = 12345;
static unsigned jq_rand(unsigned n)
{
    jq_seed = jq_seed * 1103515245u + 12345u;
    return (jq_seed >> 8) % n;
}

static cJSON *jq_tree(int depth)
{
    static const char *const keys[] = {"a", "b", "ab", "c", "a"};
    switch (depth ? jq_rand(8) : jq_rand(5)) {
    case 0: return cJSON_CreateNull();
    case 1: return cJSON_CreateBool(jq_rand(2));
    case 2: return cJSON_CreateNumber(jq_rand(3) + (jq_rand(2) ? DBL_EPSILON : 0));
    case 3: return cJSON_CreateString(keys[jq_rand(4)]);
    case 4: return cJSON_CreateNumber(1e300 * (jq_rand(3) - 1.0));
    case 5: case 6: {
        cJSON *o = cJSON_CreateObject();
        for (unsigned i = jq_rand(5); i > 0; i--)
            cJSON_AddItemToObject(o, keys[jq_rand(5)], jq_tree(depth - 1));
        return o;
    }
    default: {
        cJSON *a = cJSON_CreateArray();
        for (unsigned i = jq_rand(4); i > 0; i--)
            cJSON_AddItemToArray(a, jq_tree(depth - 1));
        return a;
    }
    }
}

/* A copy of t, perhaps with its members reordered or one value changed. */
static cJSON *jq_variant(const cJSON *t)
{
    cJSON *c = cJSON_Duplicate(t, true);
    if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && c->child) {
        unsigned r = jq_rand(4);
        if (r == 0 && c->child->next) { /* move the first member last */
            cJSON *first = cJSON_DetachItemViaPointer(c, c->child);
            cJSON_AddItemToArray(c, first);
        } else if (r == 1) {
            cJSON *v = jq_variant(c->child);
            const char *k = c->child->string ? strdup(c->child->string) : NULL;
            cJSON_ReplaceItemViaPointer(c, c->child, v);
            if (k) {
                free(v->string);
                v->string = (char *)k;
            }
        }
    } else if (jq_rand(2)) {
        cJSON_Delete(c);
        c = jq_tree(1);
    }
    return c;
}

START_TEST(jequal_is_cjson_compare)
{
    int same = 0;
    for (int i = 0; i < 20000; i++) {
        cJSON *a = jq_tree(3), *b = jq_variant(a);
        bool want = cJSON_Compare(a, b, true);
        ck_assert_msg(jequal(a, b) == want, "case %d", i);
        ck_assert_msg(jequal(b, a) == (bool)cJSON_Compare(b, a, true), "case %d reversed", i);
        ck_assert(jequal(a, a));
        same += want;
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
    ck_assert_int_gt(same, 2000); /* both answers were asked for often */
    ck_assert_int_lt(same, 18000);
    ck_assert(!jequal(NULL, NULL));
}
END_TEST

/* Scratch: what is kept or built while paused outlives the scratch; the
 * rest is given back whole at the next begin, and what a thread's scratch
 * gave out is not given out again before then. */
START_TEST(scratch_keeps_what_it_must)
{
    json_scratch_begin();
    cJSON *tmp = cJSON_Parse("{\"a\":[1,\"two\",{\"b\":null}],\"c\":\"d\"}");
    cJSON *other = cJSON_CreateString("other");
    ck_assert_ptr_ne(tmp, other);
    cJSON *kept = json_scratch_keep(tmp);
    bool was = json_scratch_pause();
    ck_assert(!json_scratch_on());
    cJSON *built = cJSON_CreateObject();
    cJSON_AddStringToObject(built, "k", "v");
    json_scratch_resume(was);
    json_scratch_delete(other); /* in scratch: nothing to do; else freed */
    json_scratch_end();
    ck_assert(!json_scratch_on());
    json_scratch_begin(); /* the first scratch's memory is given out again */
    for (int i = 0; i < 2000; i++)
        cJSON_Delete(cJSON_Parse("{\"a\":[\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]}"));
    json_scratch_end();
    char *k = jprint(kept), *b = jprint(built);
    ck_assert_str_eq(k, "{\"a\":[1,\"two\",{\"b\":null}],\"c\":\"d\"}");
    ck_assert_str_eq(b, "{\"k\":\"v\"}");
    free(k);
    free(b);
    cJSON_Delete(kept);
    cJSON_Delete(built);
}
END_TEST

Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, numbers_print_as_cjson_prints_them);
    tcase_add_test(tc, jequal_is_cjson_compare);
    tcase_add_test(tc, strings_escape_as_cjson_escapes_them);
    tcase_add_test(tc, fixtures_print_the_same);
    tcase_add_test(tc, random_trees_print_the_same);
    tcase_add_test(tc, scratch_keeps_what_it_must);
    suite_add_tcase(s, tc);
    return s;
}
