/* Unit tests of model/status's status_fields: the Status written as text is,
 * byte for byte, what jprint prints of the tree status_fields_tree builds
 * (and of the tree status_failure, status_details, status_add_cause and
 * status_set_retry_after build), over every combination of the fields and
 * strings that need escaping. */
#include "json.h"
#include "status.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

static void same_bytes(const status_fields *f)
{
    cJSON *tree = status_fields_tree(f);
    char *want = jprint(tree);
    strbuf b = {0};
    strbuf_puts(&b, "x"); /* appended after what the buffer holds */
    status_fields_text(f, &b);
    ck_assert_msg(!strcmp(b.s + 1, want), "text %s\ntree %s", b.s + 1, want);
    ck_assert_uint_eq(b.len, strlen(want) + 1);
    api_result r = {0}, t = {0};
    api_result_fields(&r, f, false);
    api_result_fields(&t, f, true);
    ck_assert_ptr_null(t.body);
    ck_assert_str_eq(t.text.s, want);
    ck_assert_int_eq(t.code, r.code);
    ck_assert_int_eq(t.retry_after, r.retry_after);
    char *rt = jprint(r.body);
    ck_assert_str_eq(rt, want);
    free(rt);
    api_result_clear(&r);
    api_result_clear(&t);
    ck_assert_ptr_null(t.text.s);
    free(b.s);
    free(want);
    cJSON_Delete(tree);
}

START_TEST(fields_text_is_tree)
{
    static const char *const strs[] = {NULL, "", "plain", "quote \" back\\slash", "ctl \b\f\n\r\t\x01\x1f end",
                                       "utf-8 → ≥ é", "/slash and 'apostrophe'"};
    const int ns = (int)(sizeof strs / sizeof *strs);
    int n = 0;
    for (int combo = 0; combo < 1 << 9; combo++) {
        status_fields f = {.code = 400 + combo % 200};
        f.success = combo & 1;
        f.details = combo & 2;
        f.cause = combo & 4;
        f.retry_after = combo & 8 ? 10 : combo & 16 ? -1 : 0;
        for (int s = 0; s < ns; s++) {
            const char *v = strs[(s + combo) % ns], *w = strs[(s * 3 + combo / 2) % ns];
            f.message = v;
            f.reason = w;
            f.name = combo & 32 ? v : NULL;
            f.group = combo & 64 ? w : "";
            f.kind = combo & 128 ? "pods" : NULL;
            f.cause_reason = combo & 256 ? "DisruptionBudget" : w;
            f.cause_message = v;
            f.cause_field = combo & 64 ? NULL : v;
            same_bytes(&f);
            n++;
        }
    }
    ck_assert_int_gt(n, 3000);
}
END_TEST

/* The eviction answers, spelled out: the 429 of a budget, the one with
 * Retry-After, and 201. */
START_TEST(eviction_answers)
{
    static const char budget[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Cannot evict "
        "pod as it would violate the pod's disruption budget.\",\"reason\":\"TooManyRequests\",\"details\":{\"causes\":"
        "[{\"reason\":\"DisruptionBudget\",\"message\":\"The disruption budget web needs 2 healthy pods and has 2 "
        "currently\"}]},\"code\":429}";
    status_fields f = {.code = 429, .reason = "TooManyRequests",
                       .message = "Cannot evict pod as it would violate the pod's disruption budget.", .details = true,
                       .cause = true, .cause_reason = "DisruptionBudget",
                       .cause_message = "The disruption budget web needs 2 healthy pods and has 2 currently"};
    strbuf b = {0};
    status_fields_text(&f, &b);
    ck_assert_str_eq(b.s, budget);
    /* the same as the tree the old code built step by step */
    cJSON *st = status_failure(429, "TooManyRequests", f.message);
    status_details(st, NULL, NULL, NULL);
    status_add_cause(st, "DisruptionBudget", f.cause_message, NULL);
    status_set_retry_after(st, 0);
    char *old = jprint(st);
    ck_assert_str_eq(old, budget);
    free(old);
    cJSON_Delete(st);

    f.retry_after = 10;
    b.len = 0;
    status_fields_text(&f, &b);
    st = status_failure(429, "TooManyRequests", f.message);
    status_details(st, NULL, NULL, NULL);
    status_add_cause(st, "DisruptionBudget", f.cause_message, NULL);
    status_set_retry_after(st, 10);
    old = jprint(st);
    ck_assert_str_eq(b.s, old);
    ck_assert_ptr_nonnull(strstr(b.s, "}],\"retryAfterSeconds\":10},\"code\":429}"));
    free(old);
    cJSON_Delete(st);

    b.len = 0;
    status_fields_text(&(status_fields){.code = 201, .success = true}, &b);
    ck_assert_str_eq(b.s, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}");
    free(b.s);
}
END_TEST

Suite *status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("fields");
    tcase_add_test(tc, fields_text_is_tree);
    tcase_add_test(tc, eviction_answers);
    suite_add_tcase(s, tc);
    return s;
}
