/* Unit tests for model/scenario (the `evictsim run` runner: step lines,
 * expectations, parse errors, --explain) and model/explain (the answer for a
 * pod, with no trace left in the eviction log). */
#define _GNU_SOURCE
#include "cluster.h"
#include "explain.h"
#include "json.h"
#include "manifest.h"
#include "scenario.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_BASE                                                                                              \
    "name: t\n"                                                                                              \
    "description: unit\n"                                                                                    \
    "options: {controllers: [disruption, kubelet]}\n"                                                        \
    "manifests:\n"                                                                                           \
    "  - {apiVersion: v1, kind: Node, metadata: {name: node-1}}\n"                                           \
    "  - {apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: web, uid: u-rs}, spec: {replicas: 2, "     \
    "selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: "    \
    "[{name: c, image: c}]}}}}\n"                                                                            \
    "  - {apiVersion: v1, kind: Pod, metadata: {name: web-1, labels: {app: web}, ownerReferences: "          \
    "[{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u-rs, controller: true}]}, spec: {nodeName: "  \
    "node-1, containers: [{name: c, image: c}]}}\n"                                                          \
    "  - {apiVersion: v1, kind: Pod, metadata: {name: web-2, labels: {app: web}, ownerReferences: "          \
    "[{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u-rs, controller: true}]}, spec: {nodeName: "  \
    "node-1, containers: [{name: c, image: c}]}}\n"                                                          \
    "  - {apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: web}, spec: {minAvailable: 1, " \
    "selector: {matchLabels: {app: web}}}}\n"

typedef struct {
    char *text;
    int rc;
    scenario_tally t;
} sc_result;

static sc_result sc(const char *steps, bool explain)
{
    sc_result r = {0};
    size_t len = 0;
    FILE *f = open_memstream(&r.text, &len);
    scenario_opts o = {.explain = explain, .out = f};
    char *doc = NULL;
    ck_assert_int_ge(asprintf(&doc, "%ssteps:\n%s", SC_BASE, steps), 0);
    r.rc = scenario_run_text(doc, strlen(doc), "t.yaml", ".", &o, &r.t);
    fclose(f);
    free(doc);
    return r;
}

static void assert_has(const sc_result *r, const char *line)
{
    ck_assert_msg(strstr(r->text, line) != NULL, "missing: %s\nin:\n%s", line, r->text);
}

START_TEST(steps_and_expectations_pass)
{
    sc_result r = sc("  - evict: {pod: web-1}\n"
                     "    expect: {code: 201, pdb: {name: web, disruptionsAllowed: 0, currentHealthy: 1}}\n"
                     "  - evict: {pod: web-2}\n"
                     "    expect:\n"
                     "      code: 429\n"
                     "      reason: TooManyRequests\n"
                     "      message: \"Cannot evict pod as it would violate the pod's disruption budget.\"\n"
                     "      causes: [{reason: DisruptionBudget, message: The disruption budget web needs 1 healthy pods and has 1 currently}]\n"
                     "  - advance: 30s\n"
                     "  - expect: {pod: [{name: web-1, exists: false}, {name: web-2, phase: Running, ready: true}]}\n",
                     false);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(r.t.passed, 4);
    ck_assert_int_eq(r.t.failed, 0);
    assert_has(&r, "== t: unit (t.yaml)\n");
    assert_has(&r, "ok   step 1: evict default/web-1 → 201 Success\n");
    assert_has(&r, "ok   step 2: evict default/web-2 → 429 TooManyRequests: Cannot evict pod as it would violate "
                   "the pod's disruption budget.\n");
    assert_has(&r, "ok   step 3: advance 30s → 2025-01-01T00:00:30Z\n");
    assert_has(&r, "ok   step 4: expect pod default/web-1 pod default/web-2\n");
    free(r.text);
}
END_TEST

START_TEST(failing_expectation_is_one_clear_line)
{
    sc_result r = sc("  - evict: {pod: web-1}\n"
                     "    expect: {code: 429, pod: {name: web-1, exists: false}}\n"
                     "  - expect: {pdb: {name: web, disruptionsAllowed: 1}}\n",
                     false);
    ck_assert_int_eq(r.rc, -1);
    ck_assert_int_eq(r.t.passed, 0);
    ck_assert_int_eq(r.t.failed, 2);
    assert_has(&r, "FAIL step 1: evict default/web-1 → 201 Success — code is 201, expected 429; "
                   "pod default/web-1 exists, expected it not to exist\n");
    assert_has(&r, "FAIL step 2: expect pdb default/web — poddisruptionbudget default/web: disruptionsAllowed is 0, "
                   "expected 1\n");
    free(r.text);
}
END_TEST

START_TEST(unparseable_step_fails_the_run_before_anything_runs)
{
    sc_result r = sc("  - evict: {pod: web-1}\n"
                     "  - evicts: {pod: web-2}\n"
                     "  - advance: soon\n"
                     "  - drain: {node: node-1}\n"
                     "    expect: {code: 200}\n",
                     false);
    ck_assert_int_eq(r.rc, -1);
    ck_assert_int_eq(r.t.passed, 0);
    ck_assert_int_eq(r.t.failed, 3);
    assert_has(&r, "FAIL t.yaml: step 2: unknown step \"evicts\" (steps: evict, delete, create, patch, cordon, "
                   "uncordon, advance, drain, fault, explain, expect)\n");
    assert_has(&r, "FAIL t.yaml: step 3: advance: must be a duration (30s, 2m) or a number of seconds\n");
    assert_has(&r, "FAIL t.yaml: step 4: expect: code needs a step that sends a request (evict, delete, create, "
                   "patch, cordon, uncordon, explain), not drain\n");
    ck_assert_ptr_null(strstr(r.text, "step 1:"));
    free(r.text);
}
END_TEST

START_TEST(bad_file_and_bad_manifest)
{
    scenario_tally t = {0};
    char *out = NULL;
    size_t len;
    FILE *f = open_memstream(&out, &len);
    scenario_opts o = {.out = f};
    static const char bad_yaml[] = "steps: [\n";
    ck_assert_int_eq(scenario_run_text(bad_yaml, strlen(bad_yaml), "x.yaml", ".", &o, &t), -1);
    static const char bad_inc[] = "manifests: [{include: nowhere.yaml}]\nsteps: [{advance: 1s}]\n";
    ck_assert_int_eq(scenario_run_text(bad_inc, strlen(bad_inc), "y.yaml", "/nonexistent", &o, &t), -1);
    static const char bad_key[] = "stepz: []\n";
    ck_assert_int_eq(scenario_run_text(bad_key, strlen(bad_key), "z.yaml", ".", &o, &t), -1);
    fclose(f);
    ck_assert_int_eq(t.failed, 3);
    ck_assert_msg(strstr(out, "FAIL x.yaml: yaml: line ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "FAIL y.yaml: manifests: include nowhere.yaml: ") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "FAIL z.yaml: unknown field \"stepz\" (known: name, description, kubeVersion, options, cluster, manifests, "
                              "steps)\n") != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(drain_step_and_explain_flag)
{
    sc_result r = sc("  - drain: {node: node-1, timeout: 40s}\n"
                     "    expect: {result: blocked, pods: [web-2], elapsed: 40s}\n",
                     true);
    ck_assert_int_eq(r.rc, 0);
    assert_has(&r, "ok   step 1: drain node-1 → blocked after 40s: error when evicting pods/\"web-2\" -n \"default\": "
                   "global timeout reached: 40s; left: default/web-2\n");
    assert_has(&r, "      t=+0s evict default/web-1 → 201 (allowed by PDB web)\n");
    assert_has(&r, "      t=+0s…+35s evict default/web-2 ×8 → 429 (PDB web: 1 healthy, needs 1)\n");
    assert_has(&r, "      t=+30s default/web-1 gone\n");
    assert_has(&r, "          why: PDB web: minAvailable 1 of 2 expected; 1 healthy (web-1 terminating); desired 1 "
                   "→ 0 disruptions allowed → refused\n");
    assert_has(&r, "      kubectl: pod/web-1 evicted\n");
    free(r.text);
}
END_TEST

START_TEST(fault_and_create_patch_delete_steps)
{
    sc_result r = sc("  - fault: {match: {verb: create, resource: pods, subresource: eviction}, response: {code: 429, "
                     "reason: TooManyRequests, message: wait, retryAfterSeconds: 7}, times: 1}\n"
                     "  - evict: {pod: web-1}\n"
                     "    expect: {code: 429, message: wait, retryAfter: 7, pod: {name: web-1, terminating: false}}\n"
                     "  - create: {apiVersion: v1, kind: Pod, metadata: {name: extra, labels: {app: other}}, "
                     "spec: {containers: [{name: c, image: c}]}}\n"
                     "    expect: {code: 201}\n"
                     "  - patch: {name: extra, patch: {metadata: {labels: {app: web}}}}\n"
                     "    expect: {code: 200}\n"
                     "  - delete: {name: extra}\n"
                     "    expect: {code: 200, pod: {name: extra, exists: false}}\n"
                     "  - cordon: node-1\n"
                     "    expect: {code: 200, node: {name: node-1, unschedulable: true}}\n",
                     false);
    ck_assert_msg(r.rc == 0, "%s", r.text);
    assert_has(&r, "ok   step 1: fault rule 1 added: {\"verb\":\"create\",\"resource\":\"pods\",\"subresource\":"
                   "\"eviction\"} → 429 (1 time)\n");
    assert_has(&r, "ok   step 2: evict default/web-1 → 429 TooManyRequests: wait\n");
    assert_has(&r, "ok   step 3: create Pod default/extra → 201\n");
    assert_has(&r, "ok   step 6: cordon node-1 → 200\n");
    free(r.text);
}
END_TEST

/* ---- explain ---------------------------------------------------------------- */

static cluster *ex_cluster(void)
{
    cluster_opts o = {.manual_clock = true, .start_time = 1735689600, .time_scale = 1,
                      .controllers = CTRL_DISRUPTION | CTRL_KUBELET};
    cluster *c = cluster_new(&o);
    const char *yaml = strstr(SC_BASE, "  - {apiVersion: v1, kind: Node");
    char *err = NULL;
    /* the manifests list of SC_BASE, as a YAML list */
    cJSON *objs = manifest_parse_one(yaml, strlen(yaml), &err);
    ck_assert_ptr_nonnull(objs);
    api_result r = {0};
    ck_assert_int_ge(cluster_load(c, objs, &r), 0);
    cJSON_Delete(objs);
    return c;
}

START_TEST(explain_reports_budget_without_logging)
{
    cluster *c = ex_cluster();
    store_obj *p = store_get(c->st, K_POD, "default", "web-2");
    cJSON *doc = cJSON_Duplicate(store_doc(p), true);
    cJSON_AddItemToObject(jget(doc, "metadata"), "deletionTimestamp", cJSON_CreateString("2025-01-01T00:00:00Z"));
    store_replace(c->st, p, doc);
    int before = cJSON_GetArraySize(c->evictions);
    cJSON *err = NULL;
    cJSON *ex = explain_pod(c, "default", "web-1", &err);
    ck_assert_ptr_nonnull(ex);
    ck_assert_int_eq(cJSON_GetArraySize(c->evictions), before);
    ck_assert_str_eq(jstr(ex, "decision"), "PDB web covers this pod");
    const cJSON *pdb = cJSON_GetArrayItem(jget(ex, "pdbs"), 0);
    ck_assert_str_eq(jstr(pdb, "rule"), "minAvailable 1");
    ck_assert(cJSON_IsTrue(jget(pdb, "stale"))); /* web-2 changed; the controller has not run yet */
    ck_assert_int_eq((int)jnum(pdb, "computed.currentHealthy", -1), 1);
    ck_assert_int_eq((int)jnum(pdb, "status.currentHealthy", -1), 2);
    const cJSON *pods = jget(pdb, "pods");
    ck_assert_str_eq(jstr(cJSON_GetArrayItem(pods, 1), "why"), "terminating");
    ck_assert_int_eq((int)jnum(ex, "eviction.code", 0), 201); /* the status still allows one */
    char *text = explain_render(ex);
    ck_assert_msg(strstr(text, "pod default/web-1: Running, ready on node node-1\n"), "%s", text);
    ck_assert_msg(strstr(text, "  stale:   the status lags: the disruption controller would now write expectedPods 2, "
                               "currentHealthy 1, desiredHealthy 1, disruptionsAllowed 0\n"), "%s", text);
    ck_assert_msg(strstr(text, "    web-2                          not healthy (terminating)\n"), "%s", text);
    ck_assert_msg(strstr(text, "an eviction now would answer: 201 Success (dry run: nothing was evicted)\n"), "%s", text);
    free(text);
    cJSON_Delete(ex);
    ck_assert_ptr_nonnull(store_get(c->st, K_POD, "default", "web-1"));
    ck_assert_ptr_null(jstr(store_doc(store_get(c->st, K_POD, "default", "web-1")), "metadata.deletionTimestamp"));
    ck_assert_ptr_null(explain_pod(c, "default", "nope", &err));
    ck_assert_int_eq((int)jnum(err, "code", 0), 404);
    cJSON_Delete(err);
    cluster_free(c);
}
END_TEST

Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *t = tcase_create("scenario");
    tcase_add_test(t, steps_and_expectations_pass);
    tcase_add_test(t, failing_expectation_is_one_clear_line);
    tcase_add_test(t, unparseable_step_fails_the_run_before_anything_runs);
    tcase_add_test(t, bad_file_and_bad_manifest);
    tcase_add_test(t, drain_step_and_explain_flag);
    tcase_add_test(t, fault_and_create_patch_delete_steps);
    tcase_add_test(t, explain_reports_budget_without_logging);
    suite_add_tcase(s, t);
    return s;
}
