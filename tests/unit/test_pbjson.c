/* Unit tests of the protobuf <-> JSON transcoder (server/proto/pbjson.c):
 * the types with their own JSON form, Go's presence rules, maps, bytes,
 * invalid UTF-8, and JSON -> protobuf -> JSON round trips. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "pbjson.h"
#include "protobuf.h"

static const pb_msg *msg(const char *name)
{
    const pb_msg *m = pbreg_find(name);
    ck_assert_msg(m != NULL, "%s", name);
    return m;
}

/* b[0..n) decoded as message name, compared with want. */
static void decodes(const char *name, const unsigned char *b, size_t n, const char *want)
{
    size_t len;
    char *err = NULL;
    char *got = pbjson_decode(msg(name), b, n, NULL, &len, &err);
    ck_assert_msg(got != NULL, "%s: %s", name, err ? err : "");
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(len, strlen(want));
    free(got);
}

/* doc encoded as message name and decoded again gives want. */
static void round_trip(const char *name, const char *doc, const char *want)
{
    cJSON *j = cJSON_Parse(doc);
    size_t blen, len;
    char *err = NULL;
    uint8_t *b = pbjson_encode(msg(name), j, &blen, &err);
    ck_assert_msg(b != NULL, "%s", err ? err : "");
    char *got = pbjson_decode(msg(name), b, blen, NULL, &len, &err);
    ck_assert_msg(got != NULL, "%s", err ? err : "");
    ck_assert_str_eq(got, want);
    free(got);
    free(b);
    cJSON_Delete(j);
}

#define META "k8s.io.apimachinery.pkg.apis.meta.v1."

START_TEST(durations_as_go_writes_them)
{
    static const struct { unsigned char b[12]; size_t n; const char *want; } cases[] = {
        {{0x08, 0x00}, 2, "\"0s\""},
        {{0x08, 0xdc, 0x0b}, 3, "\"1.5\xc2\xb5s\""},                      /* 1500 ns */
        {{0x08, 0xe0, 0xc6, 0x5b}, 4, "\"1.5ms\""},                      /* 1,500,000 ns */
        {{0x08, 0x80, 0xc0, 0xe2, 0x85, 0xe3, 0x68}, 7, "\"1h0m0s\""},  /* 3.6e12 ns */
        {{0x08, 0x80, 0xd2, 0xe1, 0x91, 0xd1, 0x02}, 7, "\"1m30.5s\""}, /* 90.5e9 ns */
        {{0x08, 0x80, 0xec, 0x94, 0xa3, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x01}, 11, "\"-1s\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        decodes(META "Duration", cases[i].b, cases[i].n, cases[i].want);
}
END_TEST

START_TEST(times)
{
    decodes(META "Time", (const unsigned char *)"", 0, "null"); /* Go's zero time */
    /* 1735689600 s, nanos dropped for Time, kept to the microsecond for MicroTime */
    static const unsigned char t[] = {0x08, 0x80, 0x8b, 0xd2, 0xbb, 0x06, 0x10, 0x80, 0xe7, 0x3a}; /* nanos 963456 */
    decodes(META "Time", t, sizeof t, "\"2025-01-01T00:00:00Z\"");
    decodes(META "MicroTime", t, sizeof t, "\"2025-01-01T00:00:00.000963Z\"");
    round_trip("k8s.io.api.coordination.v1.LeaseSpec", "{\"renewTime\":\"2025-01-01T00:00:00.123456Z\",\"holderIdentity\":\"h\"}",
               "{\"holderIdentity\":\"h\",\"renewTime\":\"2025-01-01T00:00:00.123456Z\"}");
}
END_TEST

START_TEST(go_presence_rules)
{
    /* DeploymentSpec: replicas is a pointer (kept at 0), paused is omitempty,
     * template a struct (written even when absent: {"metadata":{"creationTimestamp":null},
     * "spec":{"containers":null}}), selector a pointer (left out) */
    static const unsigned char b[] = {0x08, 0x00, 0x38, 0x00};
    decodes("k8s.io.api.apps.v1.DeploymentSpec", b, sizeof b,
            "{\"replicas\":0,\"template\":{\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"containers\":null}},"
            "\"strategy\":{}}");
    /* an IntOrString each way, a Quantity, an inline VolumeSource */
    round_trip("k8s.io.api.apps.v1.RollingUpdateDeployment", "{\"maxSurge\":\"25%\",\"maxUnavailable\":0}",
               "{\"maxUnavailable\":0,\"maxSurge\":\"25%\"}");
    round_trip("k8s.io.api.core.v1.Volume", "{\"name\":\"v\",\"emptyDir\":{\"sizeLimit\":\"1Gi\"}}",
               "{\"name\":\"v\",\"emptyDir\":{\"sizeLimit\":\"1Gi\"}}");
}
END_TEST

START_TEST(maps_bytes_and_strings)
{
    /* ConfigMap.data {b: 1, a: 2, b: 3}: keys sorted, the last b kept;
     * binaryData {k: 00 ff} as base64 */
    static const unsigned char b[] = {
        0x12, 0x06, 0x0a, 0x01, 'b', 0x12, 0x01, '1',
        0x12, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, '2',
        0x12, 0x06, 0x0a, 0x01, 'b', 0x12, 0x01, '3',
        0x1a, 0x07, 0x0a, 0x01, 'k', 0x12, 0x02, 0x00, 0xff,
    };
    decodes("k8s.io.api.core.v1.ConfigMap", b, sizeof b,
            "{\"metadata\":{\"creationTimestamp\":null},\"data\":{\"a\":\"2\",\"b\":\"3\"},\"binaryData\":{\"k\":\"AP8=\"}}");
    /* invalid UTF-8 becomes U+FFFD, control characters are escaped (kind = 1) */
    static const unsigned char s[] = {0x0a, 0x04, 'a', 0xff, 0x01, '"'};
    decodes(META "OwnerReference", s, sizeof s,
            "{\"apiVersion\":\"\",\"kind\":\"a\xef\xbf\xbd\\u0001\\\"\",\"name\":\"\",\"uid\":\"\"}");
}
END_TEST

START_TEST(errors_name_the_go_field)
{
    size_t len;
    char *err = NULL;
    static const unsigned char b[] = {0x0a, 0x02, 0x08, 0x01}; /* metadata.name as a varint */
    ck_assert_ptr_null(pbjson_decode(msg("k8s.io.api.core.v1.Pod"), b, sizeof b, NULL, &len, &err));
    ck_assert_str_eq(err, "proto: wrong wireType = 0 for field Name");
    free(err);
    err = NULL;
    static const unsigned char t[] = {0x0a, 0x05, 0x0a};
    ck_assert_ptr_null(pbjson_decode(msg("k8s.io.api.core.v1.Pod"), t, sizeof t, NULL, &len, &err));
    ck_assert_str_eq(err, "unexpected EOF");
    free(err);
}
END_TEST

START_TEST(custom_resources_take_no_protobuf)
{
    /* k8s\0, typeMeta{stable.example.com/v1, Widget}, raw{} */
    static const unsigned char w[] = {0x6b, 0x38, 0x73, 0x00, 0x0a, 0x1e, 0x0a, 0x15, 's', 't', 'a', 'b', 'l', 'e', '.',
                                      'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', '/', 'v', '1', 0x12, 0x05,
                                      'W', 'i', 'd', 'g', 'e', 't', 0x12, 0x00};
    size_t len;
    cJSON *st = NULL;
    ck_assert_ptr_null(protobuf_body_json(w, sizeof w, "stable.example.com", "v1", "Widget", &len, &st));
    ck_assert_int_eq((int)cJSON_GetNumberValue(cJSON_GetObjectItem(st, "code")), 400);
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(st, "message")),
                     "Widget in version \"v1\" cannot be handled as a Widget: Object 'Kind' is missing in 'object has no kind field '");
    cJSON_Delete(st);
    /* but a protobuf DeleteOptions is read for them too */
    static const unsigned char d[] = {0x6b, 0x38, 0x73, 0x00, 0x0a, 0x13, 0x0a, 0x02, 'v', '1', 0x12, 0x0d, 'D', 'e', 'l', 'e',
                                      't', 'e', 'O', 'p', 't', 'i', 'o', 'n', 's', 0x12, 0x02, 0x08, 0x05};
    char *json = protobuf_body_json(d, sizeof d, "stable.example.com", "v1", "DeleteOptions", &len, &st);
    ck_assert_ptr_nonnull(json);
    ck_assert_str_eq(json, "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":5}");
    free(json);
    ck_assert_int_eq(protobuf_kind_known("stable.example.com", "v1", "Widget"), 0);
    ck_assert_int_eq(protobuf_kind_known("apps", "v1", "Deployment"), 1);
}
END_TEST

Suite *pbjson_suite(void)
{
    Suite *s = suite_create("pbjson");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, durations_as_go_writes_them);
    tcase_add_test(tc, times);
    tcase_add_test(tc, go_presence_rules);
    tcase_add_test(tc, maps_bytes_and_strings);
    tcase_add_test(tc, errors_name_the_go_field);
    tcase_add_test(tc, custom_resources_take_no_protobuf);
    suite_add_tcase(s, tc);
    return s;
}
