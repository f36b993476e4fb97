/* Unit tests of the protobuf <-> JSON transcoder (server/proto/pbjson.c):
 * the types with their own JSON form, Go's presence rules, maps, bytes,
 * invalid UTF-8, and JSON -> protobuf -> JSON round trips. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "pbjson.h"
#include "protobuf.h"
#include "status.h"
#include "k8s.io/apimachinery/pkg/runtime/generated.pb-c.h"

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

/* The name-only Eviction, as client-go sends it (protobuf_encode writes
 * Go's zero values as Go does), comes as a tree equal to what the text
 * path parses to; any other body is left to that path. */
START_TEST(name_only_bodies_as_a_tree)
{
    static const char *const docs[] = {
        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\"}}",
        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\"},\"deleteOptions\":{\"gracePeriodSeconds\":0}}",
        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\",\"labels\":{\"a\":\"b\"}}}",
        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\",\"uid\":\"u\"}}",
        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"we\\\"b\",\"namespace\":\"default\"}}",
        "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"namespace\":\"default\"}}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        cJSON *doc = cJSON_Parse(docs[i]);
        size_t blen, len;
        unsigned char *b = protobuf_encode(doc, &blen);
        ck_assert_ptr_nonnull(b);
        cJSON *st = NULL;
        char *json = protobuf_body_json(b, blen, "policy", "v1", "Eviction", &len, &st);
        ck_assert_ptr_nonnull(json);
        cJSON *tree = protobuf_body_name_only(b, blen, "policy", "v1", "Eviction");
        if (i == 0) {
            ck_assert_ptr_nonnull(tree);
            char *printed = cJSON_PrintUnformatted(tree);
            ck_assert_str_eq(printed, json);
            free(printed);
        } else {
            ck_assert_msg(tree == NULL, "%s", docs[i]);
        }
        cJSON_Delete(tree);
        free(json);
        b[0] = 'K'; /* not the envelope */
        ck_assert_ptr_null(protobuf_body_name_only(b, blen, "policy", "v1", "Eviction"));
        free(b);
        cJSON_Delete(doc);
    }
}
END_TEST

/* A length-delimited field (number, bytes) appended to buf at *n. */
static void put_field(unsigned char *buf, size_t *n, unsigned num, const void *data, size_t len)
{
    buf[(*n)++] = (unsigned char)(num << 3 | 2);
    ck_assert_uint_lt(len, 128);
    buf[(*n)++] = (unsigned char)len;
    memcpy(buf + *n, data, len);
    *n += len;
}

/* k8s\0, then runtime.Unknown{typeMeta{policy/v1, Eviction}, raw (nraw times), "", ""}. */
static size_t envelope(unsigned char *out, const unsigned char *raw, size_t rawlen, int nraw)
{
    unsigned char tm[64];
    size_t t = 0, n = 4;
    put_field(tm, &t, 1, "policy/v1", 9);
    put_field(tm, &t, 2, "Eviction", 8);
    memcpy(out, "k8s", 4);
    put_field(out, &n, 1, tm, t);
    for (int i = 0; i < nraw; i++)
        put_field(out, &n, 2, raw, rawlen);
    put_field(out, &n, 3, "", 0);
    put_field(out, &n, 4, "", 0);
    return n;
}

/* Eviction{metadata{name, namespace, then extra bytes}}. */
static size_t eviction_raw(unsigned char *out, const char *name, const char *ns, const void *extra, size_t elen)
{
    unsigned char meta[96];
    size_t m = 0, n = 0;
    put_field(meta, &m, 1, name, strlen(name));
    put_field(meta, &m, 3, ns, strlen(ns));
    memcpy(meta + m, extra, elen);
    m += elen;
    put_field(out, &n, 1, meta, m);
    return n;
}

/* The envelope and the object in its raw unpacked at once: a raw sent once
 * is the object, none is no object, and a raw sent twice (a bytes field
 * keeps the last) or bytes that are no such object are refused. */
START_TEST(envelope_and_object_in_one_unpack)
{
    const pb_msg *um = msg("k8s.io.apimachinery.pkg.runtime.Unknown"), *em = msg("k8s.io.api.policy.v1.Eviction");
    unsigned char raw[128], b[512];
    size_t rl = eviction_raw(raw, "web-0", "default", "", 0);
    const ProtobufCMessage *inner;
    for (int nraw = 0; nraw <= 2; nraw++) {
        size_t n = envelope(b, raw, rl, nraw);
        pbjson_arena ar;
        pbjson_arena_init(&ar);
        const K8s__Io__Apimachinery__Pkg__Runtime__Unknown *unk =
            (const void *)pbjson_unpack_nested(um, 2, em, b + 4, n - 4, &ar, &inner);
        if (nraw == 2) {
            ck_assert_ptr_null(unk);
        } else {
            ck_assert_ptr_nonnull(unk);
            ck_assert_str_eq(unk->typemeta->kind, "Eviction");
            ck_assert_int_eq(unk->has_raw, 0);
            ck_assert_uint_eq(unk->raw.len, 0);
            ck_assert_int_eq(inner != NULL, nraw == 1);
        }
        pbjson_arena_done(&ar);
    }
    static const unsigned char not_eviction[] = {0x0a, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t n = envelope(b, not_eviction, sizeof not_eviction, 1);
    pbjson_arena ar;
    pbjson_arena_init(&ar);
    ck_assert_ptr_null(pbjson_unpack_nested(um, 2, em, b + 4, n - 4, &ar, &inner));
    pbjson_arena_done(&ar);
}
END_TEST

/* What the name-only tree does with bodies off the common shape: a Go zero
 * value sent explicitly is still a name-only body (the walk, not the
 * plan), and an envelope with its raw twice is left to the text path,
 * which reads the last raw as Go does. */
START_TEST(name_only_bodies_off_the_common_shape)
{
    unsigned char raw[128], raw2[128], b[512];
    size_t len;
    cJSON *st = NULL;
    static const unsigned char generation0[] = {0x38, 0x00}; /* ObjectMeta.generation = 0 */
    size_t rl = eviction_raw(raw, "web-0", "default", generation0, sizeof generation0);
    size_t n = envelope(b, raw, rl, 1);
    cJSON *tree = protobuf_body_name_only(b, n, "policy", "v1", "Eviction");
    char *json = protobuf_body_json(b, n, "policy", "v1", "Eviction", &len, &st);
    ck_assert_ptr_nonnull(tree);
    ck_assert_ptr_nonnull(json);
    char *printed = cJSON_PrintUnformatted(tree);
    ck_assert_str_eq(printed, json);
    free(printed);
    free(json);
    cJSON_Delete(tree);

    rl = eviction_raw(raw, "web-0", "default", "", 0);
    size_t rl2 = eviction_raw(raw2, "web-1", "other", "", 0);
    n = envelope(b, raw, rl, 1);
    n -= 4; /* the two empty strings go after the second raw */
    put_field(b, &n, 2, raw2, rl2);
    put_field(b, &n, 3, "", 0);
    put_field(b, &n, 4, "", 0);
    ck_assert_ptr_null(protobuf_body_name_only(b, n, "policy", "v1", "Eviction"));
    json = protobuf_body_json(b, n, "policy", "v1", "Eviction", &len, &st);
    ck_assert_ptr_nonnull(json);
    ck_assert_str_eq(json, "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"web-1\","
                           "\"namespace\":\"other\",\"creationTimestamp\":null}}");
    free(json);
}
END_TEST

/* A Status is packed without pbjson's walk (protobuf.c status_message),
 * to the very bytes pbjson_encode gives. */
START_TEST(status_bytes_as_pbjson_packs_them)
{
    cJSON *trees[8];
    int n = 0;
    trees[n++] = status_fields_tree(&(status_fields){.code = 201, .success = true});
    trees[n++] = status_fields_tree(&(status_fields){.code = 429, .reason = "TooManyRequests", .message = "Cannot evict",
                                                      .details = true, .cause = true, .cause_reason = "DisruptionBudget",
                                                      .cause_message = "needs 3", .retry_after = 10});
    trees[n++] = status_fields_tree(&(status_fields){.code = 404, .reason = "NotFound", .message = "pods \"x\" not found",
                                                      .details = true, .name = "x", .group = "apps", .kind = "pods"});
    trees[n++] = status_failure(500, NULL, "boom");
    cJSON *st = status_failure(422, "Invalid", "bad");
    status_details(st, "p", "policy", "Eviction");
    status_add_cause(st, "FieldValueInvalid", "m1", "spec.a");
    status_add_cause(st, "FieldValueRequired", "m2", "");
    cJSON_AddStringToObject(cJSON_GetObjectItem(st, "details"), "uid", "u-1");
    trees[n++] = st;
    trees[n++] = cJSON_Parse("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"5\"},\"code\":200}");
    trees[n++] = cJSON_Parse("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"code\":409.5}");
    for (int i = 0; i < n; i++) {
        size_t want_len, len;
        char *err = NULL;
        uint8_t *want = pbjson_encode(msg(META "Status"), trees[i], &want_len, &err);
        unsigned char *got = protobuf_encode(trees[i], &len);
        if (!want) { /* a code that is no int32: neither packs it */
            ck_assert_ptr_null(got);
            free(err);
            cJSON_Delete(trees[i]);
            continue;
        }
        ck_assert_ptr_nonnull(got);
        K8s__Io__Apimachinery__Pkg__Runtime__Unknown *unk =
            k8s__io__apimachinery__pkg__runtime__unknown__unpack(NULL, len - 4, got + 4);
        ck_assert_ptr_nonnull(unk);
        ck_assert_uint_eq(unk->raw.len, want_len);
        ck_assert_msg(!memcmp(unk->raw.data, want, want_len), "tree %d", i);
        k8s__io__apimachinery__pkg__runtime__unknown__free_unpacked(unk, NULL);
        free(got);
        free(want);
        cJSON_Delete(trees[i]);
    }
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
    tcase_add_test(tc, name_only_bodies_as_a_tree);
    tcase_add_test(tc, envelope_and_object_in_one_unpack);
    tcase_add_test(tc, name_only_bodies_off_the_common_shape);
    tcase_add_test(tc, status_bytes_as_pbjson_packs_them);
    suite_add_tcase(s, tc);
    return s;
}
