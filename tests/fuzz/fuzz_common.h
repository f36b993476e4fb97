/* fuzz_common: shared helpers of the libFuzzer targets (tests/fuzz/fuzz_*.c):
 * a small preloaded cluster, the "a failed request changes nothing" oracle and
 * the "every error is a well-formed Status" oracle. Test code only: it never
 * ships in the binary and must not change model or server state on its own. */
#ifndef EVICTSIM_FUZZ_COMMON_H
#define EVICTSIM_FUZZ_COMMON_H
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cluster.h"
#include "status.h"

/* A namespace, a node, two pods and a PDB over them: enough for every verb
 * and the eviction path to reach its interesting branches. */
static const char fuzz_fixture[] =
    "[{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"fz\"}},"
    "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"labels\":{\"zone\":\"a\"}}},"
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
    "\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]},"
    "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}},"
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-2\",\"namespace\":\"default\","
    "\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]},"
    "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}},"
    "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"web-pdb\","
    "\"namespace\":\"default\"},\"spec\":{\"minAvailable\":1,\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}}]";

static inline cluster *fuzz_cluster(void)
{
    cluster_opts o = {0};
    o.manual_clock = true;
    o.start_time = 1735689600.0;
    o.time_scale = 1;
    o.controllers = CTRL_ALL;
    cluster *c = cluster_new(&o);
    cJSON *objs = cJSON_Parse(fuzz_fixture);
    api_result err = {0};
    cluster_lock(c);
    if (cluster_load(c, objs, &err) < 0) {
        char *t = cJSON_PrintUnformatted(err.body);
        fprintf(stderr, "fuzz fixture does not load: %s\n", t ? t : "?");
        abort();
    }
    cluster_settle(c);
    cluster_unlock(c);
    api_result_clear(&err);
    cJSON_Delete(objs);
    return c;
}

/* The whole store as text (the same document GET /sim/v1/snapshot answers). */
static inline char *fuzz_snapshot(cluster *c)
{
    cJSON *s = cluster_snapshot(c);
    char *t = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    return t;
}

static inline void fuzz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "FUZZ INVARIANT BROKEN: %s\n%s\n", what, detail ? detail : "");
    abort();
}

/* An answer must have a code in 100..599 and a body that prints; an error
 * (>= 400) must be a Status {kind:Status, status:Failure, code == r->code}. */
static inline void fuzz_check_result(const api_result *r)
{
    if (r->code < 100 || r->code > 599) {
        char buf[32];
        snprintf(buf, sizeof buf, "%d", r->code);
        fuzz_fail("answer code out of range", buf);
    }
    if (!r->body && !r->text.s)
        return;
    /* an answer written as text (an eviction's Status) is checked as its tree */
    char *t = r->body ? cJSON_PrintUnformatted(r->body) : strdup(r->text.s);
    if (!t)
        fuzz_fail("answer body does not print", NULL);
    cJSON *back = cJSON_Parse(t);
    if (!back)
        fuzz_fail("answer body does not parse back as JSON", t);
    const cJSON *body = r->body ? r->body : back;
    if (r->code >= 400) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(body, "kind");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(body, "status");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(body, "code");
        if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Status") || !cJSON_IsString(st) ||
            strcmp(st->valuestring, "Failure") || !cJSON_IsNumber(code) || code->valueint != r->code)
            fuzz_fail("error answer is not a Failure Status with the answer's code", t);
    }
    cJSON_Delete(back);
    free(t);
}

/* The snapshot without what an eviction that fails after its PDB step may
 * leave behind (docs/reference/eviction.md §2.2: the PDB decrement and disruptedPods
 * entry, the pod's DisruptionTarget condition, and their resourceVersions). */
static inline char *fuzz_snapshot_lenient(cluster *c)
{
    cJSON *s = cluster_snapshot(c);
    cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(s, "items")) {
        const cJSON *kind = cJSON_GetObjectItem(o, "kind");
        if (!cJSON_IsString(kind))
            continue;
        cJSON *md = cJSON_GetObjectItem(o, "metadata");
        if (!strcmp(kind->valuestring, "PodDisruptionBudget")) {
            cJSON_DeleteItemFromObject(o, "status");
            cJSON_DeleteItemFromObject(md, "resourceVersion");
        } else if (!strcmp(kind->valuestring, "Pod")) {
            cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "status"), "conditions");
            cJSON_DeleteItemFromObject(md, "resourceVersion");
        }
    }
    char *t = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    return t;
}

/* Did this error come from an eviction's delete step, after the PDB step? */
static inline int fuzz_eviction_late_error(const api_result *r)
{
    return r->code == 404 || r->code == 409 || r->code == 422 || r->code == 500;
}

/* A failed request must leave the store exactly as it was. `before` and the
 * comparison use fuzz_snapshot, or fuzz_snapshot_lenient when `lenient`. */
static inline void fuzz_check_unchanged2(cluster *c, const char *before, const api_result *r, const char *req,
                                         int lenient)
{
    if (r->code < 400)
        return;
    char *after = lenient ? fuzz_snapshot_lenient(c) : fuzz_snapshot(c);
    if (strcmp(before, after)) {
        char *t = r->body ? cJSON_PrintUnformatted(r->body) : NULL;
        fprintf(stderr, "request:\n%s\nanswer: %s\n", req ? req : "", t ? t : "");
        fprintf(stderr, "before: %s\n", before);
        fuzz_fail("a failed request changed the store", after);
    }
    free(after);
}

static inline void fuzz_check_unchanged(cluster *c, const char *before, const api_result *r, const char *req)
{
    fuzz_check_unchanged2(c, before, r, req, 0);
}
#endif
