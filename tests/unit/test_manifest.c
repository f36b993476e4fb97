/* Unit tests for model/manifest: YAML/JSON manifests to cJSON, Lists,
 * scalar resolution as sigs.k8s.io/yaml does it, aliases and their limits,
 * error messages, and loading files, directories and stdin. */
#define _GNU_SOURCE
#include "../jsame.h"
#include <check.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manifest.h"
#include "json.h"

/* ---------- helpers ---------- */

static cJSON *parse_ok(const char *text)
{
    char *err = NULL;
    cJSON *v = manifest_parse(text, strlen(text), "t.yaml", &err);
    ck_assert_msg(v != NULL, "unexpected error: %s", err ? err : "(none)");
    ck_assert_ptr_null(err);
    return v;
}

/* Asserts manifest_parse fails with exactly `want`. */
static void parse_err(const char *text, const char *want)
{
    char *err = NULL;
    cJSON *v = manifest_parse(text, strlen(text), "t.yaml", &err);
    ck_assert_ptr_null(v);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, want);
    free(err);
}

static void one_err(const char *text, const char *want)
{
    char *err = NULL;
    cJSON *v = manifest_parse_one(text, strlen(text), &err);
    ck_assert_ptr_null(v);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, want);
    free(err);
}

/* Compact JSON of manifest_parse_one(text); caller frees. */
static char *one_json(const char *text)
{
    char *err = NULL;
    cJSON *v = manifest_parse_one(text, strlen(text), &err);
    ck_assert_msg(v != NULL, "unexpected error for %s: %s", text, err ? err : "(none)");
    char *s = cJSON_PrintUnformatted(v);
    cJSON_Delete(v);
    return s;
}

static void one_eq(const char *text, const char *want)
{
    char *s = one_json(text);
    ck_assert_str_eq(s, want);
    free(s);
}

/* `v: <scalar>` resolves to the JSON value `want` (compared as values). */
static void scalar_is(const char *scalar, const char *want)
{
    char *doc = NULL, *err = NULL;
    ck_assert_int_ge(asprintf(&doc, "v: %s\n", scalar), 0);
    cJSON *got = manifest_parse_one(doc, strlen(doc), &err);
    ck_assert_msg(got != NULL, "%s: unexpected error %s", scalar, err ? err : "");
    cJSON *exp = cJSON_Parse(want);
    ck_assert_ptr_nonnull(exp);
    cJSON *v = cJSON_GetObjectItemCaseSensitive(got, "v");
    char *gs = cJSON_PrintUnformatted(v);
    ck_assert_msg(cJSON_Compare(v, exp, 1), "`%s` resolved to %s, want %s", scalar, gs, want);
    free(gs);
    cJSON_Delete(exp);
    cJSON_Delete(got);
    free(doc);
}

static const char *name_of(const cJSON *obj)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "name")->valuestring;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static void remove_tree(const char *dir)
{
    char *cmd = NULL;
    ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

#define POD(n) "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " n "\n"

/* ---------- documents and Lists ---------- */

START_TEST(test_multi_document)
{
    cJSON *v = parse_ok("# leading comment\n" POD("a") "---\n---\n# only a comment\n---\n" POD("b") "...\n---\n"
                        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {generateName: web-}\n");
    ck_assert_int_eq(cJSON_GetArraySize(v), 3);
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(v, 0)), "a");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(v, 1)), "b");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(v, 2), "kind")->valuestring, "Deployment");
    cJSON_Delete(v);
}
END_TEST

START_TEST(test_empty_inputs)
{
    const char *texts[] = { "", "\n\n", "# nothing here\n", "---\n", "---\n...\n---\n", "~\n", "null" };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        cJSON *v = parse_ok(texts[i]);
        ck_assert_msg(cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0, "input %zu", i);
        cJSON_Delete(v);
    }
    char *err = NULL;
    cJSON *v = manifest_parse(NULL, 0, "empty", &err);
    ck_assert_int_eq(cJSON_GetArraySize(v), 0);
    cJSON_Delete(v);
}
END_TEST

/* As `kubectl get pods -o yaml` writes it. */
static const char kubectl_list[] =
    "apiVersion: v1\n"
    "items:\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata:\n"
    "    creationTimestamp: \"2024-05-01T10:00:00Z\"\n"
    "    generateName: web-7d4b9c8f6d-\n"
    "    labels:\n"
    "      app: web\n"
    "      pod-template-hash: 7d4b9c8f6d\n"
    "    name: web-7d4b9c8f6d-abcde\n"
    "    namespace: default\n"
    "    ownerReferences:\n"
    "    - apiVersion: apps/v1\n"
    "      blockOwnerDeletion: true\n"
    "      controller: true\n"
    "      kind: ReplicaSet\n"
    "      name: web-7d4b9c8f6d\n"
    "      uid: 0b6f1a52-3c1e-4a8e-9d7a-2f0c1e5b6a7d\n"
    "    resourceVersion: \"1234\"\n"
    "    uid: 9a8b7c6d-1111-2222-3333-444455556666\n"
    "  spec:\n"
    "    containers:\n"
    "    - image: nginx:1.25\n"
    "      imagePullPolicy: IfNotPresent\n"
    "      name: nginx\n"
    "      ports:\n"
    "      - containerPort: 80\n"
    "        protocol: TCP\n"
    "      resources: {}\n"
    "    nodeName: node-1\n"
    "    restartPolicy: Always\n"
    "    terminationGracePeriodSeconds: 30\n"
    "  status:\n"
    "    conditions:\n"
    "    - lastProbeTime: null\n"
    "      lastTransitionTime: \"2024-05-01T10:00:05Z\"\n"
    "      status: \"True\"\n"
    "      type: Ready\n"
    "    phase: Running\n"
    "    podIP: 10.244.0.5\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata:\n"
    "    name: web-7d4b9c8f6d-fghij\n"
    "    namespace: default\n"
    "  spec:\n"
    "    containers:\n"
    "    - image: nginx:1.25\n"
    "      name: nginx\n"
    "  status:\n"
    "    phase: Pending\n"
    "kind: List\n"
    "metadata:\n"
    "  resourceVersion: \"\"\n";

START_TEST(test_kubectl_list_flattened)
{
    cJSON *v = parse_ok(kubectl_list);
    ck_assert_int_eq(cJSON_GetArraySize(v), 2);
    cJSON *p0 = cJSON_GetArrayItem(v, 0);
    ck_assert_str_eq(name_of(p0), "web-7d4b9c8f6d-abcde");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(v, 1)), "web-7d4b9c8f6d-fghij");
    cJSON *spec = cJSON_GetObjectItem(p0, "spec");
    ck_assert_int_eq(cJSON_GetObjectItem(spec, "terminationGracePeriodSeconds")->valueint, 30);
    cJSON *cond = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p0, "status"), "conditions"), 0);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(cond, "lastProbeTime")));
    ck_assert_str_eq(cJSON_GetObjectItem(cond, "status")->valuestring, "True");
    cJSON *owner = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p0, "metadata"), "ownerReferences"), 0);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(owner, "controller")));
    cJSON_Delete(v);
}
END_TEST

START_TEST(test_lists_other_shapes)
{
    /* Empty List, typed list whose items lack kind/apiVersion, List among documents. */
    cJSON *v = parse_ok("apiVersion: v1\nkind: List\nitems: []\nmetadata: {}\n---\n"
                        "apiVersion: v1\nkind: PodList\nmetadata: {resourceVersion: \"9\"}\n"
                        "items:\n- metadata: {name: p1}\n- metadata: {name: p2}\n---\n" POD("last"));
    ck_assert_int_eq(cJSON_GetArraySize(v), 3);
    cJSON *p1 = cJSON_GetArrayItem(v, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(p1, "kind")->valuestring, "Pod");
    ck_assert_str_eq(cJSON_GetObjectItem(p1, "apiVersion")->valuestring, "v1");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(v, 1)), "p2");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(v, 2)), "last");
    cJSON_Delete(v);
    parse_err("apiVersion: v1\nkind: List\nitems:\n- metadata: {name: x}\n",
              "t.yaml: document 1: items[0]: object has no kind");
    parse_err(POD("a") "---\napiVersion: v1\nkind: List\nitems:\n- " "apiVersion: v1\n  kind: Pod\n  metadata: {}\n",
              "t.yaml: document 2: items[0]: object has no metadata.name or metadata.generateName");
    parse_err("apiVersion: v1\nkind: List\nitems: 3\n", "t.yaml: document 1: items must be an array, not a number");
    /* a typed list with items null (Go's nil slice, as kubectl cluster-info dump prints it) is empty */
    v = parse_ok("{\"kind\":\"DaemonSetList\",\"apiVersion\":\"apps/v1\",\"metadata\":{},\"items\":null}\n---\n" POD("after"));
    ck_assert_int_eq(cJSON_GetArraySize(v), 1);
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(v, 0)), "after");
    cJSON_Delete(v);
}
END_TEST

/* ---------- JSON ---------- */

START_TEST(test_json_input)
{
    const char *j = "  {\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\",\n"
                    "   \"metadata\": {\"name\": \"cm\", \"namespace\": \"default\"},\n"
                    "   \"data\": {\"z\": \"1\", \"a\": \"yes\", \"m\": \"2\"}, \"n\": 12345678901}\n\n";
    cJSON *v = parse_ok(j);
    ck_assert_int_eq(cJSON_GetArraySize(v), 1);
    cJSON *o = cJSON_GetArrayItem(v, 0);
    char *data = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "data"));
    ck_assert_str_eq(data, "{\"z\":\"1\",\"a\":\"yes\",\"m\":\"2\"}"); /* order kept, strings stay strings */
    free(data);
    ck_assert(cJSON_GetObjectItem(o, "n")->valuedouble == 12345678901.0);
    cJSON_Delete(v);
    /* Duplicate keys: the last value wins, at the first position (as in YAML). */
    one_eq("{\"a\": 1, \"b\": 2, \"a\": 3}", "{\"a\":3,\"b\":2}");
    one_eq("a: 1\nb: 2\na: 3\n", "{\"a\":3,\"b\":2}");
    /* Not a single JSON value: read as YAML (flow style) and its errors are YAML ones. */
    one_eq("{\"a\": 1}\n---\n{\"b\": 2}\n", "{\"a\":1}");
    one_err("{\"a\": 1,\n \"b\": [1, 2}\n", "yaml: line 2: did not find expected ',' or ']'");
}
END_TEST

START_TEST(test_json_list)
{
    const char *j = "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":["
                    "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-1\"}},"
                    "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\","
                    "\"metadata\":{\"name\":\"pdb\",\"namespace\":\"default\"},\"spec\":{\"minAvailable\":1}}]}";
    cJSON *v = parse_ok(j);
    ck_assert_int_eq(cJSON_GetArraySize(v), 2);
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(v, 0)), "node-1");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(v, 1), "kind")->valuestring, "PodDisruptionBudget");
    cJSON_Delete(v);
    parse_err("[{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n\"}}]",
              "t.yaml: document 1: expected an object, found an array");
}
END_TEST

/* ---------- scalars ---------- */

START_TEST(test_scalar_null_bool)
{
    const char *nulls[] = { "~", "null", "Null", "NULL", "" };
    for (size_t i = 0; i < 5; i++)
        scalar_is(nulls[i], "null");
    const char *trues[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON" };
    for (size_t i = 0; i < sizeof trues / sizeof *trues; i++)
        scalar_is(trues[i], "true");
    const char *falses[] = { "false", "False", "FALSE", "no", "No", "NO", "n", "N", "off", "Off", "OFF" };
    for (size_t i = 0; i < sizeof falses / sizeof *falses; i++)
        scalar_is(falses[i], "false");
    const char *strs[] = { "tRUE", "nO", "yEs", "nil", "none", "nULL", "oN" };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        char want[32];
        snprintf(want, sizeof want, "\"%s\"", strs[i]);
        scalar_is(strs[i], want);
    }
}
END_TEST

START_TEST(test_scalar_numbers)
{
    static const char *cases[][2] = {
        { "0", "0" }, { "123", "123" }, { "-17", "-17" }, { "+12", "12" }, { "1_000", "1000" },
        { "1__0", "10" }, { "0x1F", "31" }, { "0X1f", "31" }, { "-0x1F", "-31" }, { "0o17", "15" },
        { "017", "15" }, { "0755", "493" }, { "08", "8" }, { "0b101", "5" }, { "-0b101", "-5" },
        { "1.5", "1.5" }, { "-1.5e3", "-1500" }, { "1e3", "1000" }, { "1.", "1" }, { ".5", "0.5" },
        { "-.5", "-0.5" }, { "+.5", "0.5" }, { ".5_0", "0.5" }, { "6.02E23", "6.02e23" },
        { "9223372036854775807", "9223372036854775807" }, { "-9223372036854775808", "-9223372036854775808" },
        /* beyond int64: uint64, big hex (big.Int) and decimal (float) are all JSON numbers */
        { "18446744073709551615", "18446744073709551615" }, { "0x1FFFFFFFFFFFFFFFF", "36893488147419103231" },
        { "99999999999999999999", "1e20" },
        /* not numbers */
        { "1e400", "\"1e400\"" }, { "0x", "\"0x\"" }, { "0xZZ", "\"0xZZ\"" }, { "12:30", "\"12:30\"" },
        { "1.2.3", "\"1.2.3\"" }, { "._5", "\"._5\"" }, { "+", "\"+\"" }, { "-x", "\"-x\"" },
        { "2001-12-14", "\"2001-12-14\"" }, { "2001-12-14T21:59:43.10Z", "\"2001-12-14T21:59:43.10Z\"" },
        { "-0x1FFFFFFFFFFFFFFFF", "\"-0x1FFFFFFFFFFFFFFFF\"" }, { "1Gi", "\"1Gi\"" }, { "500m", "\"500m\"" },
        { "_1", "\"_1\"" }, { "10.244.0.5", "\"10.244.0.5\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        scalar_is(cases[i][0], cases[i][1]);
}
END_TEST

START_TEST(test_scalar_quoted_and_tags)
{
    static const char *cases[][2] = {
        { "\"123\"", "\"123\"" }, { "'true'", "\"true\"" }, { "\"\"", "\"\"" }, { "'~'", "\"~\"" },
        { "\"a\\tb\\u00e9\"", "\"a\\tb\\u00e9\"" }, { "'it''s'", "\"it's\"" },
        { "!!str 123", "\"123\"" }, { "!!str yes", "\"yes\"" }, { "!!int \"42\"", "42" },
        { "!!float 1", "1" }, { "!!bool yes", "true" }, { "!!null ~", "null" }, { "! 12", "\"12\"" },
        { "!custom bar", "\"bar\"" }, { "!!binary aGVsbG8=", "\"hello\"" },
        { "!!timestamp 2001-12-14", "\"2001-12-14\"" }, { "<<", "\"<<\"" }, { "héllo wörld", "\"héllo wörld\"" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        scalar_is(cases[i][0], cases[i][1]);
    one_err("v: !!int abc\n", "yaml: line 1: cannot decode !!str `abc` as a !!int");
    one_err("a: 1\nv: !!bool 1\n", "yaml: line 2: cannot decode !!int `1` as a !!bool");
    one_err("v: !!timestamp soon\n", "yaml: line 1: cannot decode !!str `soon` as a !!timestamp");
    one_err("v: !!float 18446744073709551615\n",
            "yaml: line 1: cannot decode !!int `18446744073709551615` as a !!float");
    one_err("v: !!binary not*base64\n", "yaml: line 1: !!binary value is not base64 of UTF-8 text");
}
END_TEST

START_TEST(test_scalar_inf_nan_rejected)
{
    one_err("v: .inf\n", "yaml: line 1: the number .inf cannot be represented in JSON");
    one_err("a: 1\nv: -.Inf\n", "yaml: line 2: the number -.Inf cannot be represented in JSON");
    one_err("v: [.NaN]\n", "yaml: line 1: the number .NaN cannot be represented in JSON");
    one_err("v: !!float .nan\n", "yaml: line 1: the number .nan cannot be represented in JSON");
    parse_err(POD("a") "spec:\n  x: +.INF\n",
              "t.yaml: document 1: yaml: line 6: the number +.INF cannot be represented in JSON");
    scalar_is("\".inf\"", "\".inf\"");
    scalar_is(".infinity", "\".infinity\"");
}
END_TEST

START_TEST(test_keys)
{
    one_eq("{1: a, -2: b, 0x10: c, true: d, yes: e, off: f, 1.5: g, 1e6: h, 1234567.0: i, .inf: j,"
           " 0.00001: k, 3.14159265358979: l, \"1\": m, ~x: z}",
           "{\"1\":\"m\",\"-2\":\"b\",\"16\":\"c\",\"true\":\"e\",\"false\":\"f\",\"1.5\":\"g\",\"1e+06\":\"h\","
           "\"1.234567e+06\":\"i\",\".inf\":\"j\",\"1e-05\":\"k\",\"3.1415927\":\"l\",\"~x\":\"z\"}");
    /* key order is preserved */
    one_eq("zeta: 1\nalpha: 2\nmid: 3\n", "{\"zeta\":1,\"alpha\":2,\"mid\":3}");
    one_err("a: 1\n~: x\n", "yaml: line 2: unsupported map key: null");
    one_err("? [a, b]\n: c\n", "yaml: line 1: invalid map key: a sequence");
}
END_TEST

START_TEST(test_block_scalars)
{
    one_eq("lit: |\n  line1\n    indented\n  line3\n"
           "fold: >\n  folded\n  text\n\n  para\n"
           "strip: |-\n  123\n"
           "keep: |+\n  true\n\n"
           "foldstrip: >-\n  a\n  b\n"
           "last: x\n",
           "{\"lit\":\"line1\\n  indented\\nline3\\n\",\"fold\":\"folded text\\npara\\n\",\"strip\":\"123\","
           "\"keep\":\"true\\n\\n\",\"foldstrip\":\"a b\",\"last\":\"x\"}");
}
END_TEST

/* ---------- anchors, aliases, merge keys ---------- */

START_TEST(test_anchors_and_merge)
{
    one_eq("base: &b {a: 1, b: 2}\n"
           "other: &o {c: 3, a: 9}\n"
           "copy: *b\n"
           "over: {<<: *b, b: 3}\n"
           "multi: {<<: [*b, *o], d: 4}\n"
           "inline: {<<: {x: 1}, w: 2}\n"
           "before: {a: 0, <<: *b}\n"
           "quoted: {\"<<\": 1}\n"
           "tagged: {!!merge <<: *o}\n"
           "s: &s hello\n"
           "list: [*s, *s]\n",
           "{\"base\":{\"a\":1,\"b\":2},\"other\":{\"c\":3,\"a\":9},\"copy\":{\"a\":1,\"b\":2},"
           "\"over\":{\"a\":1,\"b\":3},\"multi\":{\"c\":3,\"a\":1,\"b\":2,\"d\":4},"
           "\"inline\":{\"x\":1,\"w\":2},\"before\":{\"a\":1,\"b\":2},\"quoted\":{\"<<\":1},"
           "\"tagged\":{\"c\":3,\"a\":9},\"s\":\"hello\",\"list\":[\"hello\",\"hello\"]}");
    /* A redefined anchor: later aliases see the newest definition. */
    one_eq("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", "{\"a\":1,\"b\":1,\"c\":2,\"d\":2}");
    /* An alias used as a key. */
    one_eq("k: &k name\n*k : v\n", "{\"k\":\"name\",\"name\":\"v\"}");
    one_err("x: {<<: 1}\n", "yaml: line 1: map merge requires map or sequence of maps as the value");
    one_err("l: &l [1]\nx: {<<: *l}\n", "yaml: line 2: map merge requires map or sequence of maps as the value");
    one_err("x: {<<: [{a: 1}, 2]}\n", "yaml: line 1: map merge requires map or sequence of maps as the value");
    one_err("a: 1\nx: *nope\n", "yaml: line 2: unknown anchor 'nope' referenced");
    one_err("x: &a [1, *a]\n", "yaml: line 1: anchor 'a' value contains itself");
    parse_err(POD("a") "---\n" POD("b") "x: *a\n", "t.yaml: document 2: yaml: line 10: unknown anchor 'a' referenced");
}
END_TEST

static const char billion_laughs[] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n"
                                     "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
                                     "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                                     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                                     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                                     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
                                     "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                                     "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
                                     "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                                     "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";

START_TEST(test_alias_bomb)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    parse_err(billion_laughs, "t.yaml: document 1: yaml: document contains excessive aliasing");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(secs < 1.0, "alias bomb took %.3fs", secs);
}
END_TEST

START_TEST(test_many_honest_aliases_allowed)
{
    /* 2000 references to an 11-node mapping: heavy aliasing, but not a bomb. */
    size_t cap = 200000, n = 0;
    char *doc = malloc(cap);
    n += (size_t)snprintf(doc + n, cap - n, "base: &b {a: 1, b: 2, c: 3, d: 4, e: 5}\nitems:\n");
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(doc + n, cap - n, "- *b\n");
    char *err = NULL;
    cJSON *v = manifest_parse_one(doc, n, &err);
    ck_assert_msg(v != NULL, "%s", err ? err : "");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(v, "items")), 2000);
    cJSON_Delete(v);
    free(doc);
}
END_TEST

/* ---------- depth ---------- */

static char *nested(int levels, int flow)
{
    size_t cap = (size_t)levels * (size_t)(levels + 8) + 64, n = 0;
    char *s = malloc(cap);
    for (int i = 0; i < levels; i++) {
        if (flow)
            n += (size_t)snprintf(s + n, cap - n, "[");
        else
            n += (size_t)snprintf(s + n, cap - n, "%*sk:\n", 2 * i, "");
    }
    for (int i = 0; flow && i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n, "]");
    if (!flow)
        n += (size_t)snprintf(s + n, cap - n, "%*sleaf\n", 2 * levels, "");
    return s;
}

START_TEST(test_deep_nesting)
{
    char *s = nested(100, 1);
    char *j = one_json(s); /* 100 levels are fine (JSON path) */
    ck_assert_int_eq(strncmp(j, "[[[", 3), 0);
    free(j);
    free(s);
    s = nested(101, 1);
    one_err(s, "json: exceeded max depth of 100");
    free(s);
    s = nested(2000, 1); /* past cJSON's own limit: read as YAML */
    one_err(s, "yaml: line 1: exceeded max depth of 100");
    free(s);
    s = malloc(1000001); /* an unclosed million-deep flow sequence is cut off early */
    memset(s, '[', 1000000);
    s[1000000] = 0;
    one_err(s, "yaml: line 1: exceeded max depth of 100");
    free(s);
    s = nested(100, 0);
    j = one_json(s);
    ck_assert_ptr_nonnull(strstr(j, "\"k\":\"leaf\""));
    free(j);
    free(s);
    s = nested(101, 0);
    one_err(s, "yaml: line 101: exceeded max depth of 100");
    free(s);
    one_err("a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "yaml: line 1: exceeded max depth of 100");
    /* Aliases cannot be used to build something deeper than the bound. */
    size_t cap = 4000, n = 0;
    char *d = malloc(cap);
    n += (size_t)snprintf(d + n, cap - n, "a: &a ");
    for (int i = 0; i < 60; i++) n += (size_t)snprintf(d + n, cap - n, "[");
    for (int i = 0; i < 60; i++) n += (size_t)snprintf(d + n, cap - n, "]");
    n += (size_t)snprintf(d + n, cap - n, "\nb: ");
    for (int i = 0; i < 60; i++) n += (size_t)snprintf(d + n, cap - n, "[");
    n += (size_t)snprintf(d + n, cap - n, "*a");
    for (int i = 0; i < 60; i++) n += (size_t)snprintf(d + n, cap - n, "]");
    one_err(d, "yaml: line 1: exceeded max depth of 100");
    free(d);
}
END_TEST

/* ---------- errors ---------- */

START_TEST(test_syntax_errors)
{
    parse_err(POD("a") "---\n" POD("b") "  labels:\n    app: web: x\n",
              "t.yaml: document 2: yaml: line 11: mapping values are not allowed in this context");
    parse_err("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [a, b\n",
              "t.yaml: document 1: yaml: line 5: did not find expected ',' or ']'");
    parse_err(POD("a") "---\n" POD("b") "spec:\n  - a\n  b: c\n",
              "t.yaml: document 2: yaml: line 12: did not find expected '-' indicator");
    parse_err("key: \"unterminated\n", "t.yaml: document 1: yaml: line 2: found unexpected end of stream");
    parse_err("a:\n\tb: 1\n", "t.yaml: document 1: yaml: line 2: found character that cannot start any token");
    parse_err(POD("a") "x: \x01\n", "t.yaml: document 1: yaml: line 5: control characters are not allowed");
    one_err("a: [1, 2\n", "yaml: line 2: did not find expected ',' or ']'");
}
END_TEST

START_TEST(test_invalid_utf8)
{
    parse_err(POD("a") "---\n\n---\n" POD("b") "x: \"caf\xe9\"\n",
              "t.yaml: document 3: yaml: line 12: invalid UTF-8");
    parse_err("{\"a\": \"\xc0\xaf\"}", "t.yaml: document 1: yaml: line 1: invalid UTF-8"); /* overlong */
    parse_err("a: \xed\xa0\x80\n", "t.yaml: document 1: yaml: line 1: invalid UTF-8");      /* surrogate */
    parse_err("a: \xe2\x82", "t.yaml: document 1: yaml: line 1: invalid UTF-8");            /* truncated */
}
END_TEST

START_TEST(test_object_checks)
{
    parse_err("apiVersion: v1\nmetadata: {name: a}\n", "t.yaml: document 1: object has no kind");
    parse_err(POD("ok") "---\napiVersion: v1\nmetadata:\n  name: b\n", "t.yaml: document 2: object has no kind");
    parse_err("apiVersion: v1\nkind: \"\"\nmetadata: {name: a}\n", "t.yaml: document 1: object has no kind");
    parse_err("apiVersion: v1\nkind: 5\nmetadata: {name: a}\n", "t.yaml: document 1: kind must be a string, not a number");
    parse_err("kind: Pod\nmetadata: {name: a}\n", "t.yaml: document 1: object has no apiVersion");
    parse_err("apiVersion: v1\nkind: Pod\n", "t.yaml: document 1: object has no metadata.name or metadata.generateName");
    /* `name: y` is the boolean true in YAML 1.1, so this object has no name. */
    parse_err("apiVersion: v1\nkind: Pod\nmetadata: {name: y}\n",
              "t.yaml: document 1: object has no metadata.name or metadata.generateName");
    parse_err("- a\n- b\n", "t.yaml: document 1: expected an object, found an array");
    parse_err(POD("a") "---\njust text\n", "t.yaml: document 2: expected an object, found a string");
    char *err = NULL;
    const char *body = "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}";
    ck_assert_ptr_null(manifest_parse(body, strlen(body), "request body", &err));
    ck_assert_str_eq(err, "request body: document 1: object has no kind");
    free(err);
}
END_TEST

START_TEST(test_parse_one)
{
    /* apply-patch bodies: no object checks, first document only */
    one_eq("metadata:\n  labels:\n    app: web\n", "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}");
    one_eq("", "null");
    one_eq("# nothing\n", "null");
    one_eq("- 1\n- two\n", "[1,\"two\"]");
    one_eq("42", "42");
    one_eq("a: 1\n---\nb: 2\n", "{\"a\":1}");
    one_eq("{\"spec\": {\"replicas\": 3}}", "{\"spec\":{\"replicas\":3}}");
    one_err("a: b: c\n", "yaml: line 1: mapping values are not allowed in this context");
}
END_TEST

/* ---------- loading paths ---------- */

START_TEST(test_load_directory)
{
    char dir[] = "/tmp/evictsim-manifest-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, "b.yaml", POD("from-b-1") "---\n" POD("from-b-2"));
    write_file(dir, "a.json", "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"from-a\"}}");
    write_file(dir, "c.yml", POD("from-c"));
    write_file(dir, "README.md", "# not a manifest: kind:\n");
    write_file(dir, "notes.txt", "garbage: [\n");
    write_file(dir, "empty.yaml", "");
    write_file(dir, ".hidden.yaml", "garbage: [\n");
    char *sub = NULL;
    ck_assert_int_ge(asprintf(&sub, "%s/sub.yaml", dir), 0);
    ck_assert_int_eq(mkdir(sub, 0755), 0); /* a directory named like a manifest is not read */
    write_file(sub, "d.yaml", POD("nested"));

    cJSON *out = cJSON_CreateArray();
    cJSON_AddItemToArray(out, cJSON_CreateString("existing"));
    char *err = NULL;
    ck_assert_int_eq(manifest_load_path(dir, out, &err), 0);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(cJSON_GetArraySize(out), 5);
    ck_assert_str_eq(cJSON_GetArrayItem(out, 0)->valuestring, "existing");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(out, 1)), "from-a");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(out, 2)), "from-b-1");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(out, 3)), "from-b-2");
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(out, 4)), "from-c");

    /* A bad file anywhere: an error naming it, and nothing appended. */
    write_file(dir, "d.yaml", POD("x") "---\nkind: Pod\n");
    ck_assert_int_eq(manifest_load_path(dir, out, &err), -1);
    char *want = NULL;
    ck_assert_int_ge(asprintf(&want, "%s/d.yaml: document 2: object has no apiVersion", dir), 0);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(cJSON_GetArraySize(out), 5);
    free(err);
    free(want);

    /* A single file. */
    char *file = NULL;
    ck_assert_int_ge(asprintf(&file, "%s/c.yml", dir), 0);
    err = NULL;
    ck_assert_int_eq(manifest_load_path(file, out, &err), 0);
    ck_assert_int_eq(cJSON_GetArraySize(out), 6);
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(out, 5)), "from-c");
    free(file);

    cJSON_Delete(out);
    free(sub);
    remove_tree(dir);
}
END_TEST

START_TEST(test_load_missing_and_empty)
{
    cJSON *out = cJSON_CreateArray();
    char *err = NULL;
    ck_assert_int_eq(manifest_load_path("/nonexistent/evictsim.yaml", out, &err), -1);
    ck_assert_str_eq(err, "/nonexistent/evictsim.yaml: No such file or directory");
    free(err);
    char dir[] = "/tmp/evictsim-manifest-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    err = NULL;
    ck_assert_int_eq(manifest_load_path(dir, out, &err), 0); /* empty directory */
    write_file(dir, "empty.yaml", "");
    char *file = NULL;
    ck_assert_int_ge(asprintf(&file, "%s/empty.yaml", dir), 0);
    ck_assert_int_eq(manifest_load_path(file, out, &err), 0); /* empty file */
    ck_assert_ptr_null(err);
    ck_assert_int_eq(cJSON_GetArraySize(out), 0);
    free(file);
    cJSON_Delete(out);
    remove_tree(dir);
}
END_TEST

static int load_stdin(const char *text, cJSON *out, char **err)
{
    char path[] = "/tmp/evictsim-stdin-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    lseek(fd, 0, SEEK_SET);
    int saved = dup(STDIN_FILENO);
    dup2(fd, STDIN_FILENO);
    clearerr(stdin);
    int rc = manifest_load_path("-", out, err);
    dup2(saved, STDIN_FILENO);
    clearerr(stdin);
    close(saved);
    close(fd);
    unlink(path);
    return rc;
}

START_TEST(test_load_stdin)
{
    cJSON *out = cJSON_CreateArray();
    char *err = NULL;
    ck_assert_int_eq(load_stdin(POD("s1") "---\n" POD("s2"), out, &err), 0);
    ck_assert_int_eq(cJSON_GetArraySize(out), 2);
    ck_assert_str_eq(name_of(cJSON_GetArrayItem(out, 1)), "s2");
    ck_assert_int_eq(load_stdin("kind: Pod\n", out, &err), -1);
    ck_assert_str_eq(err, "stdin: document 1: object has no apiVersion");
    free(err);
    ck_assert_int_eq(cJSON_GetArraySize(out), 2);
    cJSON_Delete(out);
}
END_TEST

/* A file of a MiB or more is read mapped: what it gives, and the error it
 * gives, are those of the same text read from a stream. */
START_TEST(test_load_big_file_mapped)
{
    for (int broken = 0; broken <= 1; broken++) {
        strbuf t = {0};
        strbuf_puts(&t, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[");
        for (int k = 0; k < 14000; k++)
            strbuf_printf(&t, "%s{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-%05d\","
                              "\"labels\":{\"app\":\"a%d\"}}}",
                          k ? "," : "", k, k % 7);
        strbuf_puts(&t, broken ? "]" : "]}"); /* broken: the list never ends */
        ck_assert_uint_ge(t.len, 1 << 20);
        char path[] = "/tmp/evictsim-big-XXXXXX";
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, t.s, t.len), (ssize_t)t.len);
        close(fd);
        cJSON *mapped = cJSON_CreateArray(), *streamed = cJSON_CreateArray();
        char *merr = NULL, *serr = NULL;
        int mrc = manifest_load_path(path, mapped, &merr), src = load_stdin(t.s, streamed, &serr);
        ck_assert_int_eq(mrc, broken ? -1 : 0);
        ck_assert_int_eq(src, mrc);
        if (broken) {
            ck_assert_ptr_nonnull(merr);
            ck_assert_ptr_nonnull(serr);
            ck_assert_str_eq(merr + strlen(path), serr + strlen("stdin"));
        } else {
            ck_assert_int_eq(cJSON_GetArraySize(mapped), 14000);
            ck_assert_str_eq(jstr(cJSON_GetArrayItem(mapped, 13999), "metadata.labels.app"), "a6");
            ck_assert(cJSON_Compare(mapped, streamed, true));
        }
        free(merr);
        free(serr);
        cJSON_Delete(mapped);
        cJSON_Delete(streamed);
        unlink(path);
        free(t.s);
    }
}
END_TEST

/* ---------- big JSON lists read item by item ---------- */

/* A sink that keeps what it is given, as manifest_load_path would, and
 * counts the calls. */
typedef struct {
    cJSON *got;
    int puts, undos, takes; /* takes: of puts, those prepared first */
} rec_sink;

static void rec_put(void *arg, cJSON *obj)
{
    rec_sink *r = arg;
    r->puts++;
    cJSON_AddItemToArray(r->got, obj);
}

static void rec_undo(void *arg, size_t n)
{
    rec_sink *r = arg;
    r->undos += (int)n;
    while (n--)
        cJSON_Delete(cJSON_DetachItemViaPointer(r->got, r->got->child->prev));
}

/* The same sink, with the objects prepared (on the list's threads) before
 * being taken in order; counts the objects prepared on another thread than
 * the test's. */
typedef struct {
    rec_sink *r;
    pthread_t self;
    int elsewhere; /* atomic */
} prep_sink;

static void *prep_prepare(void *arg, cJSON *obj, size_t k)
{
    prep_sink *ps = arg;
    (void)k;
    if (!pthread_equal(pthread_self(), ps->self))
        __atomic_add_fetch(&ps->elsewhere, 1, __ATOMIC_RELAXED);
    return json_scratch_keep(obj); /* obj itself is scratch */
}

static void prep_take(void *arg, void *prepared)
{
    ((prep_sink *)arg)->r->takes++;
    rec_put(((prep_sink *)arg)->r, prepared);
}

static void prep_drop(void *arg, void *prepared)
{
    (void)arg;
    cJSON_Delete(prepared);
}

static void prep_put(void *arg, cJSON *obj)
{
    rec_put(((prep_sink *)arg)->r, obj);
}

static void prep_undo(void *arg, size_t n)
{
    rec_undo(((prep_sink *)arg)->r, n);
}

/* Loads path through manifest_load_path_each into r, with objects prepared
 * on `threads` threads when threads > 0. */
static int stream_load(const char *path, rec_sink *r, int threads, char **err, int *elsewhere)
{
    prep_sink ps = {r, pthread_self(), 0};
    manifest_sink plain = {.put = rec_put, .undo = rec_undo, .arg = r};
    manifest_sink prep = {prep_put, prep_undo, &ps, prep_prepare, prep_take, prep_drop};
    char n[16];
    snprintf(n, sizeof n, "%d", threads);
    setenv("EVICTSIM_LOAD_THREADS", n, 1);
    int rc = manifest_load_path_each(path, threads ? &prep : &plain, err);
    unsetenv("EVICTSIM_LOAD_THREADS");
    if (elsewhere)
        *elsewhere = ps.elsewhere;
    return rc;
}

/* Loads text from a file through manifest_load_path_each and asserts the
 * objects (or the error) are exactly manifest_parse's of the whole text,
 * read alone and read with a preparing sink on one and on three threads;
 * returns how many objects were given and then taken back when alone. */
static int stream_same(const char *text)
{
    char path[] = "/tmp/evictsim-stream-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *werr = NULL;
    cJSON *want = manifest_parse(text, strlen(text), path, &werr);
    char *a = want ? cJSON_PrintUnformatted(want) : NULL;
    int undos = 0;
    for (int threads = 0; threads <= 3; threads += (threads ? 2 : 1)) {
        char *serr = NULL;
        rec_sink r = {cJSON_CreateArray(), 0, 0, 0};
        int rc = stream_load(path, &r, threads, &serr, NULL);
        if (!want) {
            ck_assert_int_eq(rc, -1);
            ck_assert_msg(serr && !strcmp(serr, werr), "%s: got %s, want %s", text, serr, werr);
            ck_assert_int_eq(cJSON_GetArraySize(r.got), 0);
        } else {
            ck_assert_int_eq(rc, 0);
            char *b = cJSON_PrintUnformatted(r.got);
            ck_assert_msg(!strcmp(a, b), "%.200s (%d threads): got %.200s, want %.200s", text, threads, b, a);
            free(b);
        }
        ck_assert_int_eq(r.puts - r.undos, cJSON_GetArraySize(r.got));
        if (!threads)
            undos = r.undos;
        cJSON_Delete(r.got);
        free(serr);
    }
    unlink(path);
    free(a);
    cJSON_Delete(want);
    free(werr);
    return undos;
}

#define JP(n) "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" n "\"}}"

START_TEST(test_streamed_json_list)
{
    /* plain lists, in the orders tools write them */
    ck_assert_int_eq(stream_same("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" JP("a") "," JP("b") "]}"), 0);
    ck_assert_int_eq(stream_same("{\"apiVersion\":\"v1\",\"items\":[" JP("a") "," JP("b") "],\"kind\":\"List\","
                                 "\"metadata\":{\"resourceVersion\":\"\"}}\n"),
                     0);
    ck_assert_int_eq(stream_same("\n { \"kind\" : \"List\" ,\n \"apiVersion\":\"v1\" , \"items\" : [ " JP("a") " ,\n"
                                 "\t" JP("b") " ] } \r\n"),
                     0);
    ck_assert_int_eq(stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[]}"), 0);
    /* a typed list fills in its items' kind and apiVersion */
    ck_assert_int_eq(stream_same("{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[{\"metadata\":{\"name\":\"a\"}}]}"),
                     0);
    /* strings holding brackets, quotes and backslashes */
    ck_assert_int_eq(stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":"
                                 "\"Pod\",\"metadata\":{\"name\":\"a\",\"annotations\":{\"x\":\"]}\\\"{[\\\\\",\"y\":"
                                 "\"\\\\\"}}}," JP("b") "]}"),
                     0);
    /* what is not plain is read the ordinary way, with the same answer */
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "],\"items\":[" JP("b") "]}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                "\"metadata\":{\"name\":\"a\"},\"metadata\":{\"name\":\"b\"}}]}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") ",]}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "," JP("b"));
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "]} x");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "],}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                "\"metadata\":{\"name\":\"a\"},\"spec\":{\"t\":\"a\\u0000b\"}}],}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[\xEF\xBB\xBF" JP("a") "]}");
    stream_same("{\"kind\":\xEF\xBB\xBF\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "]}");
    stream_same("{\"ki\\u006ed\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "]}");
    stream_same("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"items\":[1]}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":{}}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"metadata\":{\"x\":1e999},\"items\":[" JP("a") "]}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "],\"metadata\":{\"x\":\"\xc0\xaf\"}}");
    stream_same("{\"kind\":\"List\",\"apiVersion\":\"v\xe2\x82\",\"items\":[" JP("a") "]}");
    /* ... also after some items were given: they are taken back */
    ck_assert_int_eq(stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "," JP("b") ","
                                 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"c\"},\"x\":1e999}]}"),
                     2);
    ck_assert_int_eq(stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") ",{\"kind\":\"Pod\"}]}"), 1);
    ck_assert_int_eq(stream_same("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[" JP("a") "," JP("b") ",{\"a\":tru}]}"),
                     2);
    /* big lists, read in batches on several threads: the same objects,
     * and the same answer when an item in the first, a middle or the last
     * batch, or the text after it, is not plain */
    static const char *const breaks[] = {NULL, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"x\":1e999}", "{\"kind\":\"Pod\"}",
                                         "{\"a\":tru}", "[]", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\""
                                         ":\"q\\u0041\"}}", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
                                         "{\"name\":\"caf\xe9\"}}", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\""
                                         ":{\"name\":\"q\\\"\\\\\\/\\n\"}}"};
    static const int at[] = {3, 255, 256, 300, 699};
    for (size_t b = 0; b < sizeof breaks / sizeof *breaks; b++)
        for (size_t i = 0; i < (breaks[b] ? sizeof at / sizeof *at : 1); i++) {
            strbuf t = {0};
            strbuf_puts(&t, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[");
            for (int k = 0; k < 700; k++) {
                if (k)
                    strbuf_puts(&t, k % 7 ? "," : " ,\n ");
                if (breaks[b] && k == at[i])
                    strbuf_puts(&t, breaks[b]);
                else
                    strbuf_printf(&t, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%d\","
                                      "\"labels\":{\"n\":\"%d\"}},\"spec\":{\"x\":[%d,1.5,true,null]}}", k, k % 10, k);
            }
            strbuf_puts(&t, "]}");
            stream_same(t.s);
            free(t.s);
        }
    /* a trailing comma or text after the last of many */
    for (int tail = 0; tail < 2; tail++) {
        strbuf t = {0};
        strbuf_puts(&t, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[");
        for (int k = 0; k < 600; k++)
            strbuf_printf(&t, "%s" JP("p%d"), k ? "," : "", k);
        strbuf_puts(&t, tail ? ",]}" : "]} x");
        ck_assert_int_eq(stream_same(t.s), 0); /* found before any item is read */
        free(t.s);
    }
}
END_TEST

/* A big list is prepared on the threads asked for, and on one when asked. */
START_TEST(test_streamed_list_threads)
{
    char path[] = "/tmp/evictsim-stream-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[", f);
    for (int k = 0; k < 5000; k++)
        fprintf(f, "%s" JP("p%d"), k ? "," : "", k);
    fputs("]}", f);
    fclose(f);
    /* with two threads the helper takes a share of the 20 batches; on a
     * busy machine the reading thread may get through them all before the
     * helper runs once, so two threads get up to five loads to show it */
    for (int threads = 1; threads <= 2; threads++) {
        int elsewhere = -1;
        for (int attempt = 0; attempt < (threads == 1 ? 1 : 5) && elsewhere <= 0; attempt++) {
            rec_sink r = {cJSON_CreateArray(), 0, 0, 0};
            char *err = NULL;
            ck_assert_int_eq(stream_load(path, &r, threads, &err, &elsewhere), 0);
            ck_assert_int_eq(cJSON_GetArraySize(r.got), 5000);
            ck_assert_str_eq(jstr(cJSON_GetArrayItem(r.got, 4321), "metadata.name"), "p4321");
            cJSON_Delete(r.got);
        }
        if (threads == 1)
            ck_assert_int_eq(elsewhere, 0);
        else
            ck_assert_int_gt(elsewhere, 0);
    }
    unlink(path);
}
END_TEST

/* The items of a big list are found by their brackets and strings before
 * they are read (32 bytes at a time): strings holding brackets, quotes and
 * runs of backslashes, at every offset from a block's start, are stepped
 * over exactly, so that every item is read on the threads, none the
 * ordinary way. */
START_TEST(test_streamed_list_item_bounds)
{
    char path[] = "/tmp/evictsim-stream-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    strbuf t = {0};
    strbuf_puts(&t, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[");
    static const char *const odd[] = {"]}[{", "\\\"", "\\\\", "\\\\\\\"}", "\\/\\n", "{\\\"a\\\":[1]}", "\\\\\\\\\\\""};
    int n = 0;
    for (int off = 0; off < 70; off++)
        for (size_t k = 0; k < sizeof odd / sizeof *odd; k++, n++)
            strbuf_printf(&t, "%s{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%d\",\"annotations\":"
                              "{\"a\":\"%.*s%s\",\"b\":[{},[[]],{\"c\":\"%s\"}]}}}", n ? "," : "", n, off,
                          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", odd[k], odd[k]);
    strbuf_puts(&t, "]}");
    ck_assert_int_eq(write(fd, t.s, t.len), (ssize_t)t.len);
    close(fd);
    rec_sink r = {cJSON_CreateArray(), 0, 0, 0};
    char *err = NULL;
    ck_assert_int_eq(stream_load(path, &r, 2, &err, NULL), 0);
    ck_assert_int_eq(r.takes, n);
    ck_assert_int_eq(r.undos, 0);
    ck_assert_int_eq(cJSON_GetArraySize(r.got), n);
    cJSON_Delete(r.got);
    free(t.s);
    unlink(path);
}
END_TEST

/* A list file big enough to be mapped and to have its pages given back as
 * it is read (5 MiB: given back in steps of 4 MiB): the same objects, and
 * the same answer when its last item is not plain (read again the ordinary
 * way, from pages given back). */
START_TEST(test_streamed_mapped_list)
{
    for (int broken = 0; broken < 2; broken++) {
        strbuf t = {0};
        strbuf_puts(&t, "{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[");
        for (int k = 0; k < 9000; k++)
            strbuf_printf(&t, "%s{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p%d\",\"annotations\":"
                              "{\"a\":\"%0500d\"}},\"spec\":{\"x\":[%s]}}", k ? "," : "", k, k,
                          broken && k == 8999 ? "1e999" : "1");
        strbuf_puts(&t, "]}");
        ck_assert_int_gt((int)t.len, 5 << 20);
        ck_assert_int_eq(stream_same(t.s), broken ? 8999 : 0);
        free(t.s);
    }
}
END_TEST

/* manifest_json_item reads what cJSON reads, or gives up: for every input
 * where it gives a tree, cJSON_ParseWithLengthOpts gives the same tree and
 * the same end, and *plain says exactly whether m_json_fix would leave it. */
static int json_item_check(const char *text, size_t len)
{
    const char *e1 = NULL, *e2 = NULL;
    bool plain = false;
    cJSON *mine = manifest_json_item(text, len, &e1, &plain);
    if (!mine)
        return 0;
    cJSON *theirs = cJSON_ParseWithLengthOpts(text, len, &e2, 0);
    ck_assert_msg(theirs != NULL, "cJSON refuses what manifest_json_item read: %.*s", (int)len, text);
    ck_assert_msg(jsame(mine, theirs), "other tree than cJSON's: %.*s", (int)len, text);
    ck_assert_msg(e1 == e2, "other end than cJSON's: %.*s", (int)len, text);
    ck_assert_msg(plain == jsame_plain(theirs), "plain is wrong: %.*s", (int)len, text);
    cJSON_Delete(mine);
    cJSON_Delete(theirs);
    return 1;
}

START_TEST(test_json_item_matches_cjson)
{
    static const char *const cases[] = {
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"x\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"ports\":[{\"containerPort\":80}]}]}}",
        "0", "-0", "7", "-12", "01", "1.", "1.5", "-1.25e-3", "1E+2", "0.1e-2", "123456789012345", "1234567890123456",
        "-999999999999999", "2147483647", "2147483648", "-2147483648", "-2147483649", "1e400", "-1e400", "1e-400",
        "1-2", "--1", "-", "+1", ".5", "1e", "1x", "12345678901234567890123456789012345678901234567890123456789012345678",
        "null", "true", "false", "nul", "tru", "fals", "nullx", "true ", " \t\r\n\f\x01 [1, 2 ,3 ] , 4", "[]", "{}",
        "[ ]", "{ }", "[,]", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{a:1}", "{\"a\":1,\"a\":2}",
        "{\"ab\":1,\"ac\":2,\"b\":{\"x\":[],\"x\":{}}}", "\"\"", "\"caf\xc3\xa9\"", "\"a\\\"b\"", "\"a\\u0041\"",
        "\"tab\there\"", "\"a\\\\\"", "\"\\/\\b\\f\\n\\r\\t\\\\\\\"\"", "{\"k:{\\\"name\\\":\\\"app\\\"}\":{}}",
        "\"\\x\"", "\"\\\"", "\"\\u00e9\\ud83d\\ude00\"",
        "\"unterminated", "[[[[[[[[[[]]]]]]]]]]", "{\"a\":[{\"b\":[{\"c\":null}]}]} trailing",
        "{\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,\"9\":9,\"10\":10,\"11\":11,\"12\":12,"
        "\"13\":13,\"14\":14,\"15\":15,\"16\":16}",
        "{\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,\"9\":9,\"10\":10,\"11\":11,\"12\":12,"
        "\"13\":13,\"14\":14,\"15\":15,\"16\":16,\"17\":17}",
        "[1e999, 2]", "{\"n\":-1e999}", "\xEF\xBB\xBF{}", "[\"\x01\"]",
    };
    int read = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = strlen(cases[i]);
        for (size_t k = 0; k <= n; k++) /* every prefix: what a cut-off item gives */
            read += json_item_check(cases[i], k);
    }
    /* nesting: read up to its limit, then left to cJSON */
    char deep[300];
    for (int d = 60; d <= 70; d++) {
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        const char *end = NULL;
        bool plain;
        cJSON *v = manifest_json_item(deep, 2 * (size_t)d, &end, &plain);
        ck_assert_msg((v != NULL) == (d <= 64), "depth %d", d);
        cJSON_Delete(v);
        json_item_check(deep, 2 * (size_t)d);
    }
    /* random changes of a pod, with the bytes that matter to JSON */
    static const char alphabet[] = "{}[]\",:0123456789-+.eE tnfrual\\\x01\xc3\xa9x";
    const char *pod = cases[0];
    size_t n = strlen(pod);
    char buf[512];
    unsigned seed = 7;
    for (int r = 0; r < 20000; r++) {
        memcpy(buf, pod, n);
        for (int m = 0; m < 1 + r % 4; m++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            buf[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        read += json_item_check(buf, n);
    }
    ck_assert_int_gt(read, 5000); /* most inputs were read here, not only handed to cJSON */
}
END_TEST

Suite *manifest_suite(void)
{
    Suite *s = suite_create("manifest");
    TCase *tc = tcase_create("manifest");
    tcase_add_test(tc, test_multi_document);
    tcase_add_test(tc, test_empty_inputs);
    tcase_add_test(tc, test_kubectl_list_flattened);
    tcase_add_test(tc, test_lists_other_shapes);
    tcase_add_test(tc, test_json_input);
    tcase_add_test(tc, test_json_list);
    tcase_add_test(tc, test_scalar_null_bool);
    tcase_add_test(tc, test_scalar_numbers);
    tcase_add_test(tc, test_scalar_quoted_and_tags);
    tcase_add_test(tc, test_scalar_inf_nan_rejected);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_block_scalars);
    tcase_add_test(tc, test_anchors_and_merge);
    tcase_add_test(tc, test_alias_bomb);
    tcase_add_test(tc, test_many_honest_aliases_allowed);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_syntax_errors);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_object_checks);
    tcase_add_test(tc, test_parse_one);
    tcase_add_test(tc, test_load_directory);
    tcase_add_test(tc, test_load_missing_and_empty);
    tcase_add_test(tc, test_load_stdin);
    tcase_add_test(tc, test_load_big_file_mapped);
    tcase_add_test(tc, test_streamed_json_list);
    tcase_add_test(tc, test_json_item_matches_cjson);
    tcase_add_test(tc, test_streamed_list_threads);
    tcase_add_test(tc, test_streamed_mapped_list);
    tcase_add_test(tc, test_streamed_list_item_bounds);
    suite_add_tcase(s, tc);
    return s;
}
