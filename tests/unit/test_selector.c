/* Unit tests for model/selector: label selectors (query string and
 * LabelSelector JSON), selector validation causes, field selectors. */
#include "selector.h"
#include "store.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define QNAME_RX                                                                              \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with " \
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "    \
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_RX                                                                             \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' " \
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "   \
    "'my_value',  or '12345', regex used for validation is "                                \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static bool lmatch(const char *sel, const char *labels_json)
{
    char *err = NULL;
    labelsel *s = labelsel_parse(sel, &err);
    ck_assert_msg(s != NULL, "parse %s: %s", sel, err ? err : "");
    cJSON *l = labels_json ? cJSON_Parse(labels_json) : NULL;
    bool m = labelsel_matches(s, l);
    cJSON_Delete(l);
    labelsel_free(s);
    return m;
}

static void lerr(const char *sel, const char *want)
{
    char *err = NULL;
    labelsel *s = labelsel_parse(sel, &err);
    ck_assert_msg(s == NULL, "%s parsed", sel);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, want);
    free(err);
}

START_TEST(label_empty_matches_everything)
{
    char *err = NULL;
    labelsel *s = labelsel_parse("", &err);
    ck_assert_ptr_nonnull(s);
    ck_assert(labelsel_is_everything(s));
    ck_assert(labelsel_matches(s, NULL));
    labelsel_free(s);
    s = labelsel_parse("app=web", &err);
    ck_assert(!labelsel_is_everything(s));
    labelsel_free(s);
}
END_TEST

START_TEST(label_equality_operators)
{
    ck_assert(lmatch("app=web", "{\"app\":\"web\"}"));
    ck_assert(!lmatch("app=web", "{\"app\":\"db\"}"));
    ck_assert(!lmatch("app=web", "{}"));
    ck_assert(!lmatch("app=web", NULL));
    ck_assert(lmatch("app==web", "{\"app\":\"web\"}"));
    ck_assert(!lmatch("app==web", "{\"app\":\"webx\"}"));
    ck_assert(lmatch("app!=web", "{\"app\":\"db\"}"));
    ck_assert(lmatch("app!=web", "{}"));
    ck_assert(!lmatch("app!=web", "{\"app\":\"web\"}"));
    ck_assert(lmatch("app=", "{\"app\":\"\"}"));
    ck_assert(lmatch(" app = web , tier != db ", "{\"app\":\"web\",\"tier\":\"fe\"}"));
    ck_assert(!lmatch("app=web,tier!=db", "{\"app\":\"web\",\"tier\":\"db\"}"));
    ck_assert(lmatch("example.com/role=x", "{\"example.com/role\":\"x\"}"));
}
END_TEST

START_TEST(label_set_operators)
{
    ck_assert(lmatch("env in (prod,staging)", "{\"env\":\"staging\"}"));
    ck_assert(!lmatch("env in (prod,staging)", "{\"env\":\"dev\"}"));
    ck_assert(!lmatch("env in (prod)", "{}"));
    ck_assert(lmatch("env notin (dev)", "{\"env\":\"prod\"}"));
    ck_assert(lmatch("env notin (dev)", "{}"));
    ck_assert(!lmatch("env notin (dev, test)", "{\"env\":\"test\"}"));
    ck_assert(lmatch("env in ()", "{\"env\":\"\"}"));
    ck_assert(lmatch("x in (in,notin)", "{\"x\":\"notin\"}"));
}
END_TEST

START_TEST(label_exists_and_numbers)
{
    ck_assert(lmatch("tier", "{\"tier\":\"\"}"));
    ck_assert(!lmatch("tier", "{\"app\":\"x\"}"));
    ck_assert(lmatch("!tier", "{\"app\":\"x\"}"));
    ck_assert(!lmatch("!tier", "{\"tier\":\"x\"}"));
    ck_assert(lmatch("app,!canary", "{\"app\":\"x\"}"));
    ck_assert(lmatch("gen>5", "{\"gen\":\"6\"}"));
    ck_assert(!lmatch("gen>5", "{\"gen\":\"5\"}"));
    ck_assert(!lmatch("gen>5", "{\"gen\":\"abc\"}"));
    ck_assert(lmatch("gen<5", "{\"gen\":\"-1\"}"));
    ck_assert(!lmatch("gen<5", "{}"));
}
END_TEST

START_TEST(label_syntax_errors)
{
    lerr("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    lerr("=a", "found '=', expected: !, identifier, or 'end of string'");
    lerr("a=b,", "found '', expected: identifier after ','");
    lerr("a=b)", "found ')', expected: ',' or 'end of string'");
    lerr("a=b c", "found 'c', expected: ',' or 'end of string'");
    lerr("a in b", "unable to parse requirement: found 'b' expected: '('");
    lerr("a in (b", "unable to parse requirement: found '', expected: ',' or ')'");
    lerr("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'");
    lerr("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier");
    lerr("a=(", "unable to parse requirement: found '(', expected: identifier");
    lerr("!=a", "found '!=', expected: !, identifier, or 'end of string'");
    lerr("!", "unable to parse requirement: found '', expected: identifier");
    lerr("!a=b", "found '=', expected: ',' or 'end of string'");
}
END_TEST

START_TEST(label_validation_errors)
{
    lerr("a=-x", "unable to parse requirement: values[0][a]: Invalid value: \"-x\": " VALUE_RX);
    lerr("-a=x", "unable to parse requirement: <nil>: Invalid value: \"-a\": name part " QNAME_RX);
    lerr("a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name " QNAME_RX
                  " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    lerr("/a", "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty");
    lerr("gen>abc", "unable to parse requirement: values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' "
                    "operators, the value must be an integer");
    lerr("a="
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
         "unable to parse requirement: values[0][a]: Invalid value: "
         "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\": must be no more "
         "than 63 characters");
}
END_TEST

static labelsel *ljson(const char *json, char **err)
{
    cJSON *j = cJSON_Parse(json);
    ck_assert_ptr_nonnull(j);
    labelsel *s = labelsel_from_json(j, err);
    cJSON_Delete(j);
    return s;
}

static bool ljmatch(labelsel *s, const char *labels)
{
    cJSON *l = cJSON_Parse(labels);
    bool m = labelsel_matches(s, l);
    cJSON_Delete(l);
    return m;
}

static const char *json_label(const void *labels, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* labelsel_matches_get (labels looked up one by one, as from a stored
 * object's compact form) answers what labelsel_matches answers. */
START_TEST(label_matches_get_agrees)
{
    const char *sels[] = {"", "app=web", "app!=web", "app in (web,db)", "app notin (web)", "tier", "!tier",
                          "app=web,tier=front", "n>3", "n<3", "app==web,!gone"};
    const char *sets[] = {"{}", "{\"app\":\"web\"}", "{\"app\":\"db\",\"tier\":\"front\"}",
                          "{\"app\":\"web\",\"tier\":\"front\",\"n\":\"5\"}", "{\"n\":\"2\",\"gone\":\"x\"}",
                          "{\"app\":1}"};
    for (size_t i = 0; i < sizeof sels / sizeof *sels; i++) {
        char *err = NULL;
        labelsel *ls = labelsel_parse(sels[i], &err);
        ck_assert_msg(ls != NULL, "%s: %s", sels[i], err);
        for (size_t j = 0; j < sizeof sets / sizeof *sets; j++) {
            cJSON *labels = cJSON_Parse(sets[j]);
            ck_assert_msg(labelsel_matches(ls, labels) == labelsel_matches_get(ls, json_label, labels), "%s on %s",
                          sels[i], sets[j]);
            cJSON_Delete(labels);
        }
        labelsel_free(ls);
    }
    ck_assert(!labelsel_matches_get(NULL, json_label, NULL));
}
END_TEST

START_TEST(label_from_json_matches)
{
    char *err = NULL;
    labelsel *s = ljson("{}", &err);
    ck_assert_ptr_nonnull(s);
    ck_assert(labelsel_is_everything(s));
    labelsel_free(s);

    s = ljson("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
              "{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"fe\",\"be\"]},"
              "{\"key\":\"track\",\"operator\":\"NotIn\",\"values\":[\"canary\"]},"
              "{\"key\":\"owner\",\"operator\":\"Exists\"},"
              "{\"key\":\"legacy\",\"operator\":\"DoesNotExist\"}]}",
              &err);
    ck_assert_ptr_nonnull(s);
    ck_assert(ljmatch(s, "{\"app\":\"web\",\"tier\":\"be\",\"owner\":\"me\"}"));
    ck_assert(!ljmatch(s, "{\"app\":\"web\",\"tier\":\"db\",\"owner\":\"me\"}"));
    ck_assert(!ljmatch(s, "{\"app\":\"web\",\"tier\":\"be\",\"owner\":\"me\",\"track\":\"canary\"}"));
    ck_assert(!ljmatch(s, "{\"app\":\"web\",\"tier\":\"be\"}"));
    ck_assert(!ljmatch(s, "{\"app\":\"web\",\"tier\":\"be\",\"owner\":\"me\",\"legacy\":\"1\"}"));
    labelsel_free(s);
}
END_TEST

START_TEST(label_from_json_null_is_nothing)
{
    char *err = (char *)"unset";
    ck_assert_ptr_null(labelsel_from_json(NULL, &err));
    ck_assert_ptr_null(err);
    cJSON *n = cJSON_CreateNull();
    err = (char *)"unset";
    ck_assert_ptr_null(labelsel_from_json(n, &err));
    ck_assert_ptr_null(err);
    cJSON_Delete(n);
    ck_assert(!labelsel_matches(NULL, NULL));
    ck_assert(!labelsel_is_everything(NULL));
}
END_TEST

static void ljerr(const char *json, const char *want)
{
    char *err = NULL;
    labelsel *s = ljson(json, &err);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, want);
    free(err);
}

START_TEST(label_from_json_errors)
{
    ljerr("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Foo\"}]}",
          "\"Foo\" is not a valid label selector operator");
    ljerr("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}",
          "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty");
    ljerr("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
          "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist");
    ljerr("{\"matchLabels\":{\"app\":\"a b\"}}",
          "values[0][app]: Invalid value: \"a b\": " VALUE_RX);
    ljerr("{\"matchLabels\":{\"-bad\":\"x\"}}", "key: Invalid value: \"-bad\": name part " QNAME_RX);
}
END_TEST

static cJSON *validate(const char *json, int *n)
{
    cJSON *j = cJSON_Parse(json);
    cJSON *causes = cJSON_CreateArray();
    *n = labelsel_validate_json(j, "spec.selector", causes);
    cJSON_Delete(j);
    ck_assert_int_eq(*n, cJSON_GetArraySize(causes));
    return causes;
}

static void assert_cause(cJSON *causes, int i, const char *reason, const char *msg, const char *field)
{
    cJSON *c = cJSON_GetArrayItem(causes, i);
    ck_assert_str_eq(cJSON_GetObjectItem(c, "reason")->valuestring, reason);
    ck_assert_str_eq(cJSON_GetObjectItem(c, "message")->valuestring, msg);
    ck_assert_str_eq(cJSON_GetObjectItem(c, "field")->valuestring, field);
}

START_TEST(label_validate_json_causes)
{
    int n;
    cJSON *c = validate("{\"matchLabels\":{\"app\":\"web\"}}", &n);
    ck_assert_int_eq(n, 0);
    cJSON_Delete(c);

    c = validate("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[\"x\"]},"
                 "{\"key\":\"b\",\"operator\":\"Foo\"}]}",
                 &n);
    ck_assert_int_eq(n, 1);
    assert_cause(c, 0, "FieldValueInvalid", "Invalid value: \"Foo\": not a valid selector operator",
                 "spec.selector.matchExpressions[1].operator");
    cJSON_Delete(c);

    c = validate("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"NotIn\",\"values\":[]},"
                 "{\"key\":\"b\",\"operator\":\"DoesNotExist\",\"values\":[\"v\"]}]}",
                 &n);
    ck_assert_int_eq(n, 2);
    assert_cause(c, 0, "FieldValueRequired",
                 "Required value: must be specified when `operator` is 'In' or 'NotIn'",
                 "spec.selector.matchExpressions[0].values");
    assert_cause(c, 1, "FieldValueForbidden",
                 "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                 "spec.selector.matchExpressions[1].values");
    cJSON_Delete(c);

    c = validate("{\"matchLabels\":{\"app\":\"a b\"},\"matchExpressions\":[{\"key\":\"-k\","
                 "\"operator\":\"In\",\"values\":[\"ok\",\"-no\"]}]}",
                 &n);
    ck_assert_int_eq(n, 3);
    assert_cause(c, 0, "FieldValueInvalid", "Invalid value: \"a b\": " VALUE_RX,
                 "spec.selector.matchLabels");
    assert_cause(c, 1, "FieldValueInvalid", "Invalid value: \"-k\": name part " QNAME_RX,
                 "spec.selector.matchExpressions[0].key");
    assert_cause(c, 2, "FieldValueInvalid", "Invalid value: \"-no\": " VALUE_RX,
                 "spec.selector.matchExpressions[0].values[1]");
    cJSON_Delete(c);
}
END_TEST

/* ---------- field selectors ---------- */

static bool fmatch(const char *sel, const char *plural, const char *obj)
{
    char *err = NULL;
    fieldsel *s = fieldsel_parse(sel, plural, &err);
    ck_assert_msg(s != NULL, "parse %s: %s", sel, err ? err : "");
    cJSON *o = cJSON_Parse(obj);
    ck_assert_ptr_nonnull(o);
    bool m = fieldsel_matches(s, o);
    cJSON_Delete(o);
    fieldsel_free(s);
    return m;
}

static void ferr(const char *sel, const char *plural, const char *want)
{
    char *err = NULL;
    fieldsel *s = fieldsel_parse(sel, plural, &err);
    ck_assert_msg(s == NULL, "%s parsed", sel);
    ck_assert_str_eq(err, want);
    free(err);
}

static const char *POD =
    "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\"},\"spec\":{\"nodeName\":\"node-1\","
    "\"restartPolicy\":\"Always\",\"schedulerName\":\"default-scheduler\",\"serviceAccountName\":\"sa\"},"
    "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.9\",\"podIPs\":[{\"ip\":\"10.0.0.9\"}]}}";

START_TEST(field_pod_fields)
{
    ck_assert(fmatch("spec.nodeName=node-1", "pods", POD));
    ck_assert(!fmatch("spec.nodeName=node-2", "pods", POD));
    ck_assert(fmatch("spec.nodeName==node-1", "pods", POD));
    ck_assert(fmatch("spec.nodeName!=node-2", "pods", POD));
    ck_assert(!fmatch("spec.nodeName!=node-1", "pods", POD));
    ck_assert(fmatch("status.phase=Running,spec.restartPolicy=Always", "pods", POD));
    ck_assert(!fmatch("status.phase=Running,spec.restartPolicy=Never", "pods", POD));
    ck_assert(fmatch("spec.hostNetwork=false", "pods", POD));
    ck_assert(fmatch("status.podIP=10.0.0.9", "pods", POD));
    ck_assert(fmatch("status.nominatedNodeName=", "pods", POD));
    ck_assert(fmatch("metadata.namespace!=kube-system,metadata.name=web-1", "pods", POD));
    ck_assert(fmatch("spec.schedulerName=default-scheduler", "pods", POD));
    ck_assert(fmatch("spec.serviceAccountName=sa", "pods", POD));
    ck_assert(fmatch("spec.host=node-1", "pods", POD));
    ck_assert(fmatch("", "pods", POD));
    ck_assert(fmatch("spec.nodeName=", "pods", "{\"spec\":{}}"));
}
END_TEST

START_TEST(field_exact_lookup)
{
    char *err = NULL;
    fieldsel *s = fieldsel_parse("spec.nodeName=node-1", "pods", &err);
    ck_assert_str_eq(fieldsel_exact(s, "spec.nodeName"), "node-1");
    ck_assert_ptr_null(fieldsel_exact(s, "metadata.name"));
    fieldsel_free(s);
    s = fieldsel_parse("spec.host==node-2", "pods", &err);
    ck_assert_str_eq(fieldsel_exact(s, "spec.nodeName"), "node-2");
    fieldsel_free(s);
    s = fieldsel_parse("spec.nodeName!=node-1", "pods", &err);
    ck_assert_ptr_null(fieldsel_exact(s, "spec.nodeName"));
    fieldsel_free(s);
    s = fieldsel_parse("spec.nodeName=node-1,status.phase=Running", "pods", &err);
    ck_assert_ptr_null(fieldsel_exact(s, "spec.nodeName"));
    fieldsel_free(s);
    s = fieldsel_parse("", "pods", &err);
    ck_assert(fieldsel_is_everything(s));
    ck_assert_ptr_null(fieldsel_exact(s, "spec.nodeName"));
    fieldsel_free(s);
}
END_TEST

START_TEST(field_other_kinds)
{
    ck_assert(fmatch("spec.unschedulable=true", "nodes", "{\"spec\":{\"unschedulable\":true}}"));
    ck_assert(fmatch("spec.unschedulable=false", "nodes", "{\"spec\":{}}"));
    ck_assert(!fmatch("spec.unschedulable=true", "nodes", "{\"spec\":{}}"));
    ck_assert(fmatch("metadata.name=n1", "nodes", "{\"metadata\":{\"name\":\"n1\"}}"));
    ck_assert(fmatch("status.phase=Active", "namespaces", "{\"status\":{\"phase\":\"Active\"}}"));
    const char *ev = "{\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web-1\"},\"reason\":\"Evicted\","
                     "\"type\":\"Normal\",\"source\":{\"component\":\"kubelet\"}}";
    ck_assert(fmatch("involvedObject.kind=Pod,involvedObject.name=web-1,reason=Evicted", "events", ev));
    ck_assert(fmatch("source=kubelet,type=Normal", "events", ev));
    ck_assert(fmatch("source=ctrl", "events", "{\"reportingComponent\":\"ctrl\"}"));
    ck_assert(fmatch("metadata.name=web", "poddisruptionbudgets",
                     "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"}}"));
    ck_assert(fmatch("status.replicas=0", "replicationcontrollers", "{\"status\":{}}"));
}
END_TEST

START_TEST(field_unsupported_labels)
{
    ferr("foo=bar", "pods", "field label not supported: foo");
    ferr("spec.nodeName=a,spec.containers=x", "pods", "field label not supported: spec.containers");
    ferr("metadata.namespace=x", "nodes", "field label not supported: metadata.namespace");
    ferr("spec.nodeName=x", "nodes", "field label not supported: spec.nodeName");
    ferr("metadata.namespace=x", "namespaces", "field label not supported: metadata.namespace");
    ferr("status.phase=x", "events", "field label not supported: status.phase");
    ferr("spec.replicas=1", "deployments",
         "\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    ferr("status.currentHealthy=1", "poddisruptionbudgets",
         "\"status.currentHealthy\" is not a known field selector: only \"metadata.name\", "
         "\"metadata.namespace\"");
}
END_TEST

START_TEST(field_malformed_and_escapes)
{
    ferr("foo", "pods", "invalid selector: 'foo'; can't understand 'foo'");
    ferr("spec.nodeName=a,zzz", "pods", "invalid selector: 'spec.nodeName=a,zzz'; can't understand 'zzz'");
    ferr("metadata.name=a=b", "pods", "invalid field selector: unescaped character in value: 61");
    ferr("metadata.name=a\\x", "pods", "invalid field selector: invalid escape sequence: \\x");
    ferr("metadata.name=a\\", "pods", "invalid field selector: invalid escape sequence: \\");
    /* syntax errors win over unsupported labels */
    ferr("aaa=1,zzz", "pods", "invalid selector: 'aaa=1,zzz'; can't understand 'zzz'");
    ck_assert(fmatch("metadata.name=a\\,b\\=c\\\\", "pods", "{\"metadata\":{\"name\":\"a,b=c\\\\\"}}"));
    ck_assert(fmatch(",,spec.nodeName=node-1,", "pods", POD));
}
END_TEST


static const cJSON *stored_field(const void *o, const char *path)
{
    return store_get_path(o, path);
}

/* A LIST's selectors read stored objects from their compact form (no tree
 * is built): the answers are the ones the whole document gives. */
START_TEST(field_selectors_over_compact_documents)
{
    static const char *const pods[] = {
        "{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"node-1\","
        "\"restartPolicy\":\"Always\"},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.1\",\"podIPs\":[{\"ip\":\"10.0.0.9\"}]}}",
        "{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns\"},\"spec\":{\"nodeName\":\"node-2\",\"hostNetwork\":true},"
        "\"status\":{\"phase\":\"Pending\",\"podIP\":\"10.0.0.2\"}}",
        "{\"metadata\":{\"name\":\"c\",\"namespace\":\"other\"},\"spec\":{},\"status\":{}}",
    };
    static const char *const sels[] = {"spec.nodeName=node-1", "spec.nodeName!=node-1", "spec.nodeName=",
                                       "metadata.name=b", "metadata.namespace=ns,status.phase=Pending",
                                       "status.podIP=10.0.0.9", "status.podIP=10.0.0.2", "spec.hostNetwork=false",
                                       "spec.restartPolicy=Always", "status.phase!=Running"};
    store *st = store_new();
    store_set_cache(st, 0);
    store_obj *objs[3];
    for (int i = 0; i < 3; i++)
        objs[i] = store_insert(st, K_POD, cJSON_Parse(pods[i]));
    for (size_t j = 0; j < sizeof sels / sizeof *sels; j++) {
        char *err = NULL;
        fieldsel *fs = fieldsel_parse(sels[j], "pods", &err);
        ck_assert_msg(fs != NULL, "%s: %s", sels[j], err ? err : "");
        for (int i = 0; i < 3; i++) {
            store_trim(st);
            bool compact = fieldsel_matches_get(fs, stored_field, objs[i]);
            ck_assert_ptr_null(objs[i]->tree); /* nothing was built */
            bool whole = fieldsel_matches(fs, store_doc(objs[i]));
            ck_assert_msg(compact == whole, "%s on pod %d: %d vs %d", sels[j], i, compact, whole);
        }
        fieldsel_free(fs);
    }
    store_free(st);
}
END_TEST

Suite *selector_suite(void)
{
    Suite *s = suite_create("selector");
    TCase *tc = tcase_create("labels");
    tcase_add_test(tc, label_empty_matches_everything);
    tcase_add_test(tc, label_equality_operators);
    tcase_add_test(tc, label_set_operators);
    tcase_add_test(tc, label_exists_and_numbers);
    tcase_add_test(tc, label_syntax_errors);
    tcase_add_test(tc, label_validation_errors);
    tcase_add_test(tc, label_from_json_matches);
    tcase_add_test(tc, label_matches_get_agrees);
    tcase_add_test(tc, label_from_json_null_is_nothing);
    tcase_add_test(tc, label_from_json_errors);
    tcase_add_test(tc, label_validate_json_causes);
    suite_add_tcase(s, tc);
    TCase *tf = tcase_create("fields");
    tcase_add_test(tf, field_pod_fields);
    tcase_add_test(tf, field_exact_lookup);
    tcase_add_test(tf, field_other_kinds);
    tcase_add_test(tf, field_unsupported_labels);
    tcase_add_test(tf, field_malformed_and_escapes);
    tcase_add_test(tf, field_selectors_over_compact_documents);
    suite_add_tcase(s, tf);
    return s;
}
