/* scenario: the scenario runner behind `evictsim run` (docs/design.md
 * "Scenarios"). Reads a scenario, checks every step before running any,
 * builds a cluster on a manual clock, runs the steps through the model as the
 * API would (fault rules included) and checks the expectations. Owns the
 * scenario format and the report lines; decides no Kubernetes semantics
 * (rest.c, eviction.c, drain.c and the controllers do). No HTTP. */
#define _GNU_SOURCE
#include "scenario.h"
#include "xalloc.h"
#include "pod.h"
#include "meta.h"
#include "drain.h"
#include "dump.h"
#include "eviction.h"
#include "explain.h"
#include "json.h"
#include "manifest.h"
#include "rest.h"
#include "text.h"
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SC_START_TIME 1735689600.0 /* 2025-01-01T00:00:00Z */

enum { T_STR = 1, T_NUM = 2, T_BOOL = 4, T_OBJ = 8, T_ARR = 16, T_DUR = 32 };

typedef struct {
    const char *key;
    int types;
    bool required;
} sc_field;

/* What a step produced, for its line and its expectations. */
typedef struct {
    char *head;          /* "evict default/web-1 → 429 TooManyRequests: ..." */
    bool has_res;
    api_result res;
    bool has_drain;
    drain_result drain;
    char *why;           /* explanation (printed under --explain) */
    char *text;          /* printed under the line always (explain step) */
    char *error;         /* the step could not be carried out */
} sc_out;

typedef struct {
    const scenario_opts *o;
    const char *source, *dir;
    cluster *c;
    cJSON *fails;        /* failed expectations of the current step */
} sc_run;

typedef struct sc_action {
    const char *name;
    const sc_field *fields; /* for an object value; NULL: no object form */
    int scalar;             /* types accepted instead of an object */
    bool answers;           /* expectations on code/reason/message apply */
    void (*run)(sc_run *r, const cJSON *v, sc_out *out);
} sc_action;

/* ---- little helpers ------------------------------------------------------- */

static void sc_fail(sc_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sc_fail(sc_run *r, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(r->fails, cJSON_CreateString(buf));
}

static const char *sc_ns(const cJSON *v)
{
    const char *ns = jstr(v, "namespace");
    return ns && *ns ? ns : "default";
}

static const char *res_str(const api_result *r, const char *key)
{
    const char *s = jstr(r->body, key);
    return s ? s : "";
}

static bool sc_duration(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return *out >= 0 && isfinite(*out);
    }
    return cJSON_IsString(v) && clock_parse_duration(v->valuestring, out) == 0 && *out >= 0;
}

static bool sc_type_ok(const cJSON *v, int types)
{
    double d;
    return ((types & T_STR) && cJSON_IsString(v)) || ((types & T_NUM) && cJSON_IsNumber(v)) ||
           ((types & T_BOOL) && cJSON_IsBool(v)) || ((types & T_OBJ) && cJSON_IsObject(v)) ||
           ((types & T_ARR) && cJSON_IsArray(v)) || ((types & T_DUR) && sc_duration(v, &d));
}

static const char *sc_type_name(int types)
{
    if (types & T_DUR)
        return "a duration (30s, 2m) or a number of seconds";
    if (types == T_STR)
        return "a string";
    if (types == T_NUM)
        return "a number";
    if (types == T_BOOL)
        return "true or false";
    if (types == T_ARR)
        return "a list";
    if (types == T_OBJ)
        return "a mapping";
    return "a string or a mapping";
}

static kind_id sc_kind(const char *name, bool *ok)
{
    *ok = true;
    for (int k = 0; k < kind_count(); k++) {
        const kind_info *ki = kind_get(k);
        if (!strcasecmp(name, ki->kind) || !strcasecmp(name, ki->plural) || !strcasecmp(name, ki->singular))
            return (kind_id)k;
    }
    *ok = false;
    return K_POD;
}

static char *sc_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t cap = 0, n;
    char buf[65536];
    *len = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (*len + n + 1 > cap)
            text = xrealloc(text, cap = (*len + n + 1) * 2);
        memcpy(text + *len, buf, n);
        *len += n;
    }
    fclose(f);
    if (!text)
        text = xcalloc(1, 1);
    text[*len] = 0;
    return text;
}

/* ---- checking a step before anything runs --------------------------------- */

static char *sc_check_fields(const char *what, const cJSON *v, const sc_field *fields)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, v) {
        const sc_field *f = fields;
        while (f->key && strcmp(f->key, x->string))
            f++;
        if (!f->key) {
            char known[512] = "";
            size_t len = 0;
            for (f = fields; f->key; f++)
                len += snprintf(known + len, len < sizeof known ? sizeof known - len : 0, "%s%s", len ? ", " : "", f->key);
            return xasprintf("%s: unknown field \"%s\" (known: %s)", what, x->string, known);
        }
        if (!sc_type_ok(x, f->types))
            return xasprintf("%s: %s must be %s", what, f->key, sc_type_name(f->types));
    }
    for (const sc_field *f = fields; f->key; f++)
        if (f->required && !jfield(v, f->key))
            return xasprintf("%s: %s is required", what, f->key);
    return NULL;
}

static const sc_field f_evict[] = {
    {"namespace", T_STR, false}, {"pod", T_STR, true}, {"gracePeriodSeconds", T_NUM, false},
    {"dryRun", T_BOOL, false}, {"uid", T_STR, false}, {"resourceVersion", T_STR, false},
    {"body", T_STR | T_OBJ, false}, {NULL, 0, false}};
static const sc_field f_delete[] = {
    {"kind", T_STR, false}, {"namespace", T_STR, false}, {"name", T_STR, true},
    {"gracePeriodSeconds", T_NUM, false}, {"dryRun", T_BOOL, false}, {"uid", T_STR, false},
    {"resourceVersion", T_STR, false}, {"propagationPolicy", T_STR, false}, {NULL, 0, false}};
static const sc_field f_patch[] = {
    {"kind", T_STR, false}, {"namespace", T_STR, false}, {"name", T_STR, true}, {"type", T_STR, false},
    {"patch", T_OBJ | T_ARR, true}, {"subresource", T_STR, false}, {"dryRun", T_BOOL, false}, {NULL, 0, false}};
static const sc_field f_node[] = {{"node", T_STR, true}, {NULL, 0, false}};
static const sc_field f_drain[] = {
    {"node", T_STR, true}, {"ignoreDaemonSets", T_BOOL, false}, {"deleteEmptyDirData", T_BOOL, false},
    {"force", T_BOOL, false}, {"disableEviction", T_BOOL, false}, {"dryRun", T_BOOL | T_STR, false},
    {"timeout", T_DUR, false}, {"gracePeriodSeconds", T_NUM, false}, {"podSelector", T_STR, false},
    {NULL, 0, false}};
static const sc_field f_explain[] = {{"namespace", T_STR, false}, {"pod", T_STR, true}, {NULL, 0, false}};
static const sc_field f_expect[] = {
    {"code", T_NUM, false}, {"reason", T_STR, false}, {"message", T_STR, false},
    {"messageContains", T_STR, false}, {"causes", T_ARR, false}, {"retryAfter", T_NUM, false},
    {"result", T_STR, false}, {"pods", T_ARR | T_NUM, false}, {"output", T_ARR, false}, {"elapsed", T_DUR, false},
    {"pdb", T_OBJ | T_ARR, false}, {"pod", T_OBJ | T_ARR, false}, {"node", T_OBJ | T_ARR, false},
    {"eviction", T_OBJ | T_ARR, false}, {"evictionRequest", T_OBJ | T_ARR, false},
    {NULL, 0, false}};

/* ---- running: answers through the model and the fault rules ---------------- */

static void sc_head_result(sc_out *out, const char *what)
{
    const api_result *r = &out->res;
    const char *reason = res_str(r, "reason"), *msg = res_str(r, "message");
    if (!*reason && !strcmp(res_str(r, "status"), "Success"))
        reason = "Success";
    out->head = xasprintf("%s → %d%s%s%s%s", what, r->code, *reason ? " " : "", reason, *msg ? ": " : "", msg);
}

static bool sc_faulted(sc_run *r, const char *verb, kind_id k, const char *sub, const char *ns, const char *name,
                       sc_out *out)
{
    if (!drain_fault(r->c, verb, kind_get(k)->plural, sub, kind_get(k)->namespaced ? ns : NULL, name, &out->res))
        return false;
    out->has_res = true;
    out->why = xstrdup("answered by a fault-injection rule");
    return true;
}

static void run_evict(sc_run *r, const cJSON *v, sc_out *out)
{
    const char *ns = sc_ns(v), *pod = jstr(v, "pod");
    char what[600];
    snprintf(what, sizeof what, "evict %s/%s", ns, pod);
    if (sc_faulted(r, "create", K_POD, "eviction", ns, pod, out)) {
        sc_head_result(out, what);
        return;
    }
    char *body;
    const cJSON *raw = jget(v, "body");
    if (cJSON_IsString(raw)) {
        body = xstrdup(raw->valuestring);
    } else if (raw) {
        body = jprint(raw);
    } else {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "apiVersion", "policy/v1");
        cJSON_AddStringToObject(b, "kind", "Eviction");
        cJSON *md = cJSON_AddObjectToObject(b, "metadata");
        cJSON_AddStringToObject(md, "name", pod);
        cJSON_AddStringToObject(md, "namespace", ns);
        cJSON *d = cJSON_AddObjectToObject(b, "deleteOptions");
        const cJSON *g = jget(v, "gracePeriodSeconds");
        if (g)
            cJSON_AddNumberToObject(d, "gracePeriodSeconds", g->valuedouble);
        if (jstr(v, "uid") || jstr(v, "resourceVersion")) {
            cJSON *pre = cJSON_AddObjectToObject(d, "preconditions");
            if (jstr(v, "uid"))
                cJSON_AddStringToObject(pre, "uid", jstr(v, "uid"));
            if (jstr(v, "resourceVersion"))
                cJSON_AddStringToObject(pre, "resourceVersion", jstr(v, "resourceVersion"));
        }
        if (cJSON_IsTrue(jget(v, "dryRun")))
            cJSON_AddItemToArray(cJSON_AddArrayToObject(d, "dryRun"), cJSON_CreateString("All"));
        body = jprint(b);
        cJSON_Delete(b);
    }
    evict_req e = {.ns = ns, .name = pod, .body = body, .body_len = strlen(body), .body_type = BODY_JSON};
    int before = cJSON_GetArraySize(r->c->evictions);
    evict_pod(r->c, &e, &out->res);
    out->has_res = true;
    int n = cJSON_GetArraySize(r->c->evictions);
    if (n > before || n == EVICT_LOG_MAX)
        out->why = xstrdup(jstr(cJSON_GetArrayItem(r->c->evictions, n - 1), "explanation") ?: "");
    free(body);
    cluster_settle(r->c);
    sc_head_result(out, what);
}

static void sc_rest(sc_run *r, rest_req *rq, const char *verb, const char *sub, sc_out *out, const char *what)
{
    if (!sc_faulted(r, verb, rq->kind, sub, rq->ns, rq->name, out)) {
        rest_handle(r->c, rq, &out->res);
        out->has_res = true;
        cluster_settle(r->c);
    }
    sc_head_result(out, what);
}

static void run_delete(sc_run *r, const cJSON *v, sc_out *out)
{
    bool ok;
    kind_id k = sc_kind(jstr(v, "kind") ? jstr(v, "kind") : "Pod", &ok);
    const char *ns = kind_get(k)->namespaced ? sc_ns(v) : NULL;
    cJSON *opts = cJSON_CreateObject();
    const cJSON *g = jget(v, "gracePeriodSeconds");
    if (g)
        cJSON_AddNumberToObject(opts, "gracePeriodSeconds", g->valuedouble);
    if (jstr(v, "propagationPolicy"))
        cJSON_AddStringToObject(opts, "propagationPolicy", jstr(v, "propagationPolicy"));
    if (jstr(v, "uid") || jstr(v, "resourceVersion")) {
        cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
        if (jstr(v, "uid"))
            cJSON_AddStringToObject(pre, "uid", jstr(v, "uid"));
        if (jstr(v, "resourceVersion"))
            cJSON_AddStringToObject(pre, "resourceVersion", jstr(v, "resourceVersion"));
    }
    rest_req rq = {.verb = V_DELETE, .kind = k, .ns = ns, .name = jstr(v, "name"), .delete_options = opts,
                   .dry_run = cJSON_IsTrue(jget(v, "dryRun")) ? "All" : NULL};
    char what[600];
    snprintf(what, sizeof what, "delete %s %s%s%s", kind_get(k)->kind, ns ? ns : "", ns ? "/" : "", rq.name);
    sc_rest(r, &rq, "delete", NULL, out, what);
    cJSON_Delete(opts);
}

static void run_create(sc_run *r, const cJSON *v, sc_out *out)
{
    const kind_info *ki = kind_by_kind(jstr(v, "apiVersion"), jstr(v, "kind"));
    if (!ki) {
        out->error = xasprintf("create: no kind \"%s\" in \"%s\"", jstr(v, "kind") ?: "", jstr(v, "apiVersion") ?: "");
        return;
    }
    const char *ns = ki->namespaced ? sc_ns(jget(v, "metadata")) : NULL;
    const char *name = jstr(v, "metadata.name") ?: jstr(v, "metadata.generateName") ?: "";
    char *body = jprint(v);
    rest_req rq = {.verb = V_CREATE, .kind = ki->id, .ns = ns, .body_type = BODY_JSON, .body = body,
                   .body_len = strlen(body)};
    char what[600];
    snprintf(what, sizeof what, "create %s %s%s%s", ki->kind, ns ? ns : "", ns ? "/" : "", name);
    sc_rest(r, &rq, "create", NULL, out, what);
    free(body);
}

static void run_patch(sc_run *r, const cJSON *v, sc_out *out)
{
    bool ok;
    kind_id k = sc_kind(jstr(v, "kind") ? jstr(v, "kind") : "Pod", &ok);
    const char *type = jstr(v, "type") ? jstr(v, "type") : "merge";
    const char *ns = kind_get(k)->namespaced ? sc_ns(v) : NULL;
    const char *sub = jstr(v, "subresource");
    char *body = jprint(jget(v, "patch"));
    rest_req rq = {.verb = V_PATCH, .kind = k, .ns = ns, .name = jstr(v, "name"), .body = body,
                   .body_len = strlen(body), .status = sub && !strcmp(sub, "status"),
                   .body_type = !strcmp(type, "json") ? BODY_JSON_PATCH
                              : !strcmp(type, "strategic") ? BODY_STRATEGIC_PATCH : BODY_MERGE_PATCH,
                   .dry_run = cJSON_IsTrue(jget(v, "dryRun")) ? "All" : NULL};
    char what[600];
    snprintf(what, sizeof what, "patch %s %s%s%s%s", kind_get(k)->kind, ns ? ns : "", ns ? "/" : "", rq.name,
             rq.status ? " (status)" : "");
    sc_rest(r, &rq, "patch", rq.status ? "status" : NULL, out, what);
    free(body);
}

static const char *sc_node_name(const cJSON *v)
{
    return cJSON_IsString(v) ? v->valuestring : jstr(v, "node");
}

static void sc_cordon(sc_run *r, const cJSON *v, sc_out *out, bool on)
{
    const char *node = sc_node_name(v);
    const char *body = on ? "{\"spec\":{\"unschedulable\":true}}" : "{\"spec\":{\"unschedulable\":null}}";
    rest_req rq = {.verb = V_PATCH, .kind = K_NODE, .name = node, .body = body, .body_len = strlen(body),
                   .body_type = BODY_STRATEGIC_PATCH};
    char what[300];
    snprintf(what, sizeof what, "%s %s", on ? "cordon" : "uncordon", node);
    sc_rest(r, &rq, "patch", NULL, out, what);
}

static void run_cordon(sc_run *r, const cJSON *v, sc_out *out) { sc_cordon(r, v, out, true); }
static void run_uncordon(sc_run *r, const cJSON *v, sc_out *out) { sc_cordon(r, v, out, false); }

static void run_advance(sc_run *r, const cJSON *v, sc_out *out)
{
    double secs = 0;
    sc_duration(v, &secs);
    clock_advance(r->c->clk, secs);
    cluster_settle(r->c);
    char now[32], d[32];
    clock_format(cluster_now(r->c), now);
    drain_go_duration(secs, d, sizeof d);
    out->head = xasprintf("advance %s → %s", d, now);
}

static drain_dry sc_dry(const cJSON *v)
{
    if (cJSON_IsTrue(v) || (cJSON_IsString(v) && !strcmp(v->valuestring, "server")))
        return DRAIN_DRY_SERVER;
    if (cJSON_IsString(v) && !strcmp(v->valuestring, "client"))
        return DRAIN_DRY_CLIENT;
    return DRAIN_DRY_NONE;
}

static char *sc_join(const cJSON *arr, const char *sep)
{
    size_t cap = 1;
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
        cap += strlen(cJSON_GetStringValue(x) ?: "") + strlen(sep);
    char *s = xcalloc(1, cap);
    cJSON_ArrayForEach(x, arr) {
        if (x != arr->child)
            strcat(s, sep);
        strcat(s, cJSON_GetStringValue(x) ?: "");
    }
    return s;
}

static void run_drain(sc_run *r, const cJSON *v, sc_out *out)
{
    drain_opts o = {.node = jstr(v, "node"), .grace_period = -1};
    o.ignore_daemonsets = cJSON_IsTrue(jget(v, "ignoreDaemonSets"));
    o.delete_emptydir_data = cJSON_IsTrue(jget(v, "deleteEmptyDirData"));
    o.force = cJSON_IsTrue(jget(v, "force"));
    o.disable_eviction = cJSON_IsTrue(jget(v, "disableEviction"));
    o.dry_run = sc_dry(jget(v, "dryRun"));
    if (jget(v, "timeout"))
        sc_duration(jget(v, "timeout"), &o.timeout);
    if (jget(v, "gracePeriodSeconds"))
        o.grace_period = (int)jnum(v, "gracePeriodSeconds", -1);
    o.pod_selector = jstr(v, "podSelector");
    drain_run(r->c, &o, &out->drain);
    out->has_drain = true;
    char el[32];
    drain_go_duration(out->drain.elapsed, el, sizeof el);
    char *left = sc_join(out->drain.left, ", ");
    char *errs = sc_join(out->drain.errors, "; ");
    const char *res = drain_outcome_name(out->drain.outcome);
    if (out->drain.outcome == DRAIN_DRAINED)
        out->head = xasprintf("drain %s → drained in %s", o.node, el);
    else
        out->head = xasprintf("drain %s → %s after %s: %s%s%s", o.node, res, el, errs, *left ? "; left: " : "", left);
    free(left);
    free(errs);
}

static void run_fault(sc_run *r, const cJSON *v, sc_out *out)
{
    if (cJSON_IsString(v)) { /* "clear" */
        faults_clear(r->c->faults);
        out->head = xstrdup("fault: all rules removed");
        return;
    }
    cJSON *err = NULL;
    cJSON *rule = faults_add(r->c->faults, v, &err);
    if (!rule) {
        out->error = xasprintf("fault: %s", jstr(err, "message") ?: "invalid rule");
        cJSON_Delete(err);
        return;
    }
    char *m = jprint(jget(rule, "match"));
    const cJSON *resp = jget(rule, "response");
    const cJSON *times = jget(rule, "times");
    char count[32] = " (every time)";
    if (cJSON_IsNumber(times))
        snprintf(count, sizeof count, " (%ld time%s)", (long)times->valuedouble, times->valuedouble == 1 ? "" : "s");
    if (resp)
        out->head = xasprintf("fault rule %ld added: %s → %ld%s", (long)jnum(rule, "id", 0), m ? m : "{}",
                           (long)jnum(resp, "code", 0), count);
    else
        out->head = xasprintf("fault rule %ld added: %s → delay only (no waiting in a scenario)%s",
                           (long)jnum(rule, "id", 0), m ? m : "{}", count);
    free(m);
    cJSON_Delete(rule);
}

static void sc_indent(char **text, const char *prefix)
{
    size_t cap = strlen(*text) * 2 + 64, len = 0;
    char *s = xmalloc(cap);
    bool bol = true;
    for (const char *p = *text; *p; p++) {
        if (bol && *p != '\n') {
            size_t pl = strlen(prefix);
            if (len + pl + 2 >= cap)
                s = xrealloc(s, cap = cap * 2 + pl);
            memcpy(s + len, prefix, pl);
            len += pl;
        }
        if (len + 2 >= cap)
            s = xrealloc(s, cap *= 2);
        s[len++] = *p;
        bol = *p == '\n';
    }
    s[len] = 0;
    free(*text);
    *text = s;
}

static void run_explain(sc_run *r, const cJSON *v, sc_out *out)
{
    const char *ns = sc_ns(v), *pod = jstr(v, "pod");
    cJSON *err = NULL;
    cJSON *ex = explain_pod(r->c, ns, pod, &err);
    out->has_res = true;
    if (!ex) {
        api_result_status(&out->res, err);
        char what[600];
        snprintf(what, sizeof what, "explain %s/%s", ns, pod);
        sc_head_result(out, what);
        return;
    }
    const cJSON *ev = jget(ex, "eviction");
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "reason", jstr(ev, "reason") ?: "");
    cJSON_AddStringToObject(body, "message", jstr(ev, "message") ?: "");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(body, "details"), "causes", cJSON_Duplicate(jget(ev, "causes"), true));
    out->res.code = (int)jnum(ev, "code", 0);
    out->res.retry_after = (int)jnum(ev, "retryAfterSeconds", 0);
    out->res.body = body;
    char what[600];
    snprintf(what, sizeof what, "explain %s/%s: an eviction now", ns, pod);
    sc_head_result(out, what);
    out->text = explain_render(ex);
    sc_indent(&out->text, "      ");
    cJSON_Delete(ex);
}

static void run_expect_only(sc_run *r, const cJSON *v, sc_out *out)
{
    (void)r;
    char buf[1024];
    size_t len = snprintf(buf, sizeof buf, "expect");
    static const char *const keys[] = {"pdb", "pod", "node", "eviction", "evictionRequest", NULL};
    for (int i = 0; keys[i]; i++) {
        const cJSON *e = jget(v, keys[i]), *x;
        if (cJSON_IsObject(e))
            len += snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, " %s %s%s%s", keys[i],
                            strcmp(keys[i], "node") ? sc_ns(e) : "", strcmp(keys[i], "node") ? "/" : "",
                            jstr(e, "name") ?: "?");
        else
            cJSON_ArrayForEach(x, e)
                len += snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, " %s %s%s%s", keys[i],
                                strcmp(keys[i], "node") ? sc_ns(x) : "", strcmp(keys[i], "node") ? "/" : "",
                                jstr(x, "name") ?: "?");
    }
    out->head = xstrdup(buf);
}

static const sc_action sc_actions[] = {
    {"evict", f_evict, 0, true, run_evict},
    {"delete", f_delete, 0, true, run_delete},
    {"create", NULL, T_OBJ, true, run_create},
    {"patch", f_patch, 0, true, run_patch},
    {"cordon", f_node, T_STR, true, run_cordon},
    {"uncordon", f_node, T_STR, true, run_uncordon},
    {"advance", NULL, T_DUR, false, run_advance},
    {"drain", f_drain, 0, false, run_drain},
    {"fault", NULL, T_OBJ | T_STR, false, run_fault},
    {"explain", f_explain, 0, true, run_explain},
    {NULL, NULL, 0, false, NULL},
};
static const sc_action sc_expect_action = {"expect", NULL, 0, false, run_expect_only};

/* ---- expectations --------------------------------------------------------- */

static bool sc_same(const cJSON *want, const cJSON *got)
{
    if (!got)
        return false;
    if (cJSON_IsNumber(want) && cJSON_IsNumber(got))
        return want->valuedouble == got->valuedouble;
    return jequal(want, got);
}

static void sc_compare(sc_run *r, const char *what, const char *key, const cJSON *want, const cJSON *got)
{
    if (sc_same(want, got))
        return;
    char *w = jprint(want), *g = got ? jprint(got) : xstrdup("absent");
    sc_fail(r, "%s: %s is %s, expected %s", what, key, g, w);
    free(w);
    free(g);
}


/* Eviction and EvictionRequest expectations: responders {name: state}, messages {name: message},
 * and a condition by its type as "<status> <reason>" ("True PodDeleted"). */
static cJSON *sc_lifecycle_field(const cJSON *doc, const char *key, bool *own)
{
    const cJSON *x;
    if (!strcmp(key, "responders") || !strcmp(key, "messages")) {
        bool states = key[0] == 'r';
        cJSON *o = cJSON_CreateObject();
        cJSON_ArrayForEach(x, jget(doc, states ? "status.targetResponders" : "status.responders"))
            if (jstr(x, "name") && jstr(x, states ? "state" : "message"))
                cJSON_AddStringToObject(o, jstr(x, "name"), jstr(x, states ? "state" : "message"));
        *own = true;
        return o;
    }
    cJSON_ArrayForEach(x, jget(doc, "status.conditions"))
        if (jstr(x, "type") && !strcmp(jstr(x, "type"), key)) {
            char *v = xasprintf("%s %s", jstr(x, "status") ?: "", jstr(x, "reason") ?: "");
            cJSON *s = cJSON_CreateString(v);
            free(v);
            *own = true;
            return s;
        }
    return jget(doc, key);
}

/* The value an object expectation's key names, or NULL (*own set when made). */
static cJSON *sc_field_of(kind_id k, const cJSON *doc, const char *key, bool *own)
{
    *own = false;
    if (strchr(key, '.'))
        return jget(doc, key);
    if (k == K_POD) {
        *own = true;
        if (!strcmp(key, "phase"))
            return cJSON_CreateString(jstr(doc, "status.phase") ?: "");
        if (!strcmp(key, "ready"))
            return cJSON_CreateBool(pod_ready(doc));
        if (!strcmp(key, "terminating"))
            return cJSON_CreateBool(jstr(doc, "metadata.deletionTimestamp") != NULL);
        if (!strcmp(key, "nodeName"))
            return cJSON_CreateString(jstr(doc, "spec.nodeName") ?: "");
        *own = false;
    }
    if (k == K_NODE && !strcmp(key, "unschedulable")) {
        *own = true;
        return cJSON_CreateBool(cJSON_IsTrue(jget(doc, "spec.unschedulable")));
    }
    if (k == K_PDB) {
        char path[300];
        snprintf(path, sizeof path, "status.%s", key);
        return jget(doc, path);
    }
    if (k == K_EVICTION || k == K_EVICTIONREQUEST)
        return sc_lifecycle_field(doc, key, own);
    return jget(doc, key);
}

static void sc_expect_object(sc_run *r, kind_id k, const cJSON *e)
{
    const char *ns = kind_get(k)->namespaced ? sc_ns(e) : NULL, *name = jstr(e, "name") ?: "";
    store_obj *o = store_get(r->c->st, k, ns, name);
    char what[600];
    snprintf(what, sizeof what, "%s %s%s%s", kind_get(k)->singular, ns ? ns : "", ns ? "/" : "", name);
    const cJSON *x;
    cJSON_ArrayForEach(x, e) {
        if (!strcmp(x->string, "namespace") || !strcmp(x->string, "name"))
            continue;
        if (!strcmp(x->string, "exists")) {
            if (cJSON_IsTrue(x) != (o != NULL))
                sc_fail(r, "%s %s, expected it %s", what, o ? "exists" : "does not exist",
                        cJSON_IsTrue(x) ? "to exist" : "not to exist");
            continue;
        }
        if (!o) {
            sc_fail(r, "%s does not exist (expected %s)", what, x->string);
            return;
        }
        bool own;
        cJSON *got = sc_field_of(k, store_doc(o), x->string, &own);
        sc_compare(r, what, x->string, x, got);
        if (own)
            cJSON_Delete(got);
    }
}

static void sc_expect_objects(sc_run *r, kind_id k, const cJSON *e)
{
    if (cJSON_IsObject(e)) {
        sc_expect_object(r, k, e);
        return;
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, e)
        sc_expect_object(r, k, x);
}

static void sc_expect_causes(sc_run *r, const cJSON *want, const api_result *res)
{
    const cJSON *got = jget(res->body, "details.causes");
    if (cJSON_GetArraySize(want) != cJSON_GetArraySize(got)) {
        char *g = got ? jprint(got) : xstrdup("[]");
        sc_fail(r, "causes are %s, expected %d cause%s", g, cJSON_GetArraySize(want),
                cJSON_GetArraySize(want) == 1 ? "" : "s");
        free(g);
        return;
    }
    for (int i = 0; i < cJSON_GetArraySize(want); i++) {
        const cJSON *w = cJSON_GetArrayItem(want, i), *g = cJSON_GetArrayItem(got, i), *x;
        cJSON_ArrayForEach(x, w) {
            char what[64];
            snprintf(what, sizeof what, "cause %d", i + 1);
            sc_compare(r, what, x->string, x, jfield(g, x->string));
        }
    }
}

static void sc_expect_answer(sc_run *r, const cJSON *e, const sc_out *out)
{
    const api_result *res = &out->res;
    const cJSON *x;
    if ((x = jget(e, "code")) && res->code != (int)x->valuedouble)
        sc_fail(r, "code is %d, expected %d", res->code, (int)x->valuedouble);
    if ((x = jget(e, "reason")) && strcmp(res_str(res, "reason"), x->valuestring))
        sc_fail(r, "reason is \"%s\", expected \"%s\"", res_str(res, "reason"), x->valuestring);
    if ((x = jget(e, "message")) && strcmp(res_str(res, "message"), x->valuestring))
        sc_fail(r, "message is \"%s\", expected \"%s\"", res_str(res, "message"), x->valuestring);
    if ((x = jget(e, "messageContains")) && !strstr(res_str(res, "message"), x->valuestring))
        sc_fail(r, "message \"%s\" does not contain \"%s\"", res_str(res, "message"), x->valuestring);
    if ((x = jget(e, "retryAfter")) && res->retry_after != (int)x->valuedouble)
        sc_fail(r, "Retry-After is %d, expected %d", res->retry_after, (int)x->valuedouble);
    if ((x = jget(e, "causes")))
        sc_expect_causes(r, x, res);
}

static bool sc_pod_named(const char *got, const char *want)
{
    if (strchr(want, '/'))
        return !strcmp(got, want);
    const char *slash = strchr(got, '/');
    return slash && !strcmp(slash + 1, want);
}

static void sc_expect_drain(sc_run *r, const cJSON *e, const drain_result *d)
{
    const cJSON *x, *y, *z;
    if ((x = jget(e, "result")) && strcmp(drain_outcome_name(d->outcome), x->valuestring))
        sc_fail(r, "result is %s, expected %s", drain_outcome_name(d->outcome), x->valuestring);
    if ((x = jget(e, "pods")) && cJSON_IsNumber(x) && cJSON_GetArraySize(d->left) != (int)x->valuedouble) {
        char *g = sc_join(d->left, ", ");
        sc_fail(r, "pods left are [%s], expected %d", g, (int)x->valuedouble);
        free(g);
    } else if (cJSON_IsArray(x)) {
        bool same = cJSON_GetArraySize(x) == cJSON_GetArraySize(d->left);
        cJSON_ArrayForEach(y, x) {
            bool found = false;
            cJSON_ArrayForEach(z, d->left)
                found |= cJSON_IsString(y) && sc_pod_named(z->valuestring, y->valuestring);
            same &= found;
        }
        if (!same) {
            char *g = sc_join(d->left, ", "), *w = jprint(x);
            sc_fail(r, "pods left are [%s], expected %s", g, w);
            free(g);
            free(w);
        }
    }
    cJSON_ArrayForEach(y, jget(e, "output")) {
        bool found = false;
        cJSON_ArrayForEach(z, d->output)
            found |= cJSON_IsString(y) && !strcmp(z->valuestring, y->valuestring);
        if (!found)
            sc_fail(r, "kubectl would not print \"%s\"", cJSON_GetStringValue(y) ?: "");
    }
    double want;
    if ((x = jget(e, "elapsed")) && sc_duration(x, &want) && fabs(want - d->elapsed) > 1e-6) {
        char a[32], b[32];
        drain_go_duration(d->elapsed, a, sizeof a);
        drain_go_duration(want, b, sizeof b);
        sc_fail(r, "the drain took %s, expected %s", a, b);
    }
}

static void sc_expect(sc_run *r, const cJSON *e, const sc_out *out)
{
    if (!e)
        return;
    if (out->has_res)
        sc_expect_answer(r, e, out);
    if (out->has_drain)
        sc_expect_drain(r, e, &out->drain);
    sc_expect_objects(r, K_PDB, jget(e, "pdb"));
    sc_expect_objects(r, K_POD, jget(e, "pod"));
    sc_expect_objects(r, K_NODE, jget(e, "node"));
    sc_expect_objects(r, K_EVICTION, jget(e, "eviction"));
    sc_expect_objects(r, K_EVICTIONREQUEST, jget(e, "evictionRequest"));
}

/* ---- checking steps --------------------------------------------------------- */

static const sc_action *sc_find(const char *name)
{
    for (const sc_action *a = sc_actions; a->name; a++)
        if (!strcmp(a->name, name))
            return a;
    return NULL;
}

static char *sc_check_list(const char *what, const cJSON *v)
{
    const cJSON *x, *list = cJSON_IsArray(v) ? v : NULL;
    if (cJSON_IsObject(v) && !jstr(v, "name"))
        return xasprintf("expect: %s needs a name", what);
    cJSON_ArrayForEach(x, list)
        if (!cJSON_IsObject(x) || !jstr(x, "name"))
            return xasprintf("expect: each %s needs a name", what);
    return NULL;
}

static char *sc_check_expect(const cJSON *e, const sc_action *a)
{
    char *err = sc_check_fields("expect", e, f_expect);
    if (err)
        return err;
    static const char *const answer_keys[] = {"code", "reason", "message", "messageContains", "causes", "retryAfter", NULL};
    static const char *const drain_keys[] = {"result", "pods", "output", "elapsed", NULL};
    for (int i = 0; answer_keys[i]; i++)
        if (jget(e, answer_keys[i]) && !a->answers)
            return xasprintf("expect: %s needs a step that sends a request (evict, delete, create, patch, cordon, "
                          "uncordon, explain), not %s", answer_keys[i], a->name);
    for (int i = 0; drain_keys[i]; i++)
        if (jget(e, drain_keys[i]) && strcmp(a->name, "drain"))
            return xasprintf("expect: %s needs a drain step, not %s", drain_keys[i], a->name);
    const char *res = jstr(e, "result");
    if (res && strcmp(res, "drained") && strcmp(res, "blocked") && strcmp(res, "failed"))
        return xasprintf("expect: result must be drained, blocked or failed, not \"%s\"", res);
    if ((err = sc_check_list("pdb", jget(e, "pdb"))) || (err = sc_check_list("pod", jget(e, "pod"))) ||
        (err = sc_check_list("node", jget(e, "node"))) || (err = sc_check_list("eviction", jget(e, "eviction"))) ||
        (err = sc_check_list("evictionRequest", jget(e, "evictionRequest"))))
        return err;
    return NULL;
}

static char *sc_check_action(const sc_action *a, const cJSON *v)
{
    if (a->scalar && sc_type_ok(v, a->scalar) && !(cJSON_IsObject(v) && a->fields))
        return !strcmp(a->name, "fault") && cJSON_IsString(v) && strcmp(v->valuestring, "clear")
                   ? xasprintf("fault: a rule mapping, or \"clear\"")
                   : NULL;
    if (!cJSON_IsObject(v) || !a->fields)
        return xasprintf("%s: must be %s", a->name, sc_type_name(a->scalar ? a->scalar : T_OBJ));
    char *err = sc_check_fields(a->name, v, a->fields);
    if (err)
        return err;
    bool ok = true;
    if (jstr(v, "kind"))
        sc_kind(jstr(v, "kind"), &ok);
    if (!ok)
        return xasprintf("%s: unknown kind \"%s\"", a->name, jstr(v, "kind"));
    const char *t = jstr(v, "type");
    if (!strcmp(a->name, "patch") && t && strcmp(t, "merge") && strcmp(t, "json") && strcmp(t, "strategic"))
        return xasprintf("patch: type must be merge, json or strategic, not \"%s\"", t);
    const cJSON *dry = jget(v, "dryRun");
    if (!strcmp(a->name, "drain") && cJSON_IsString(dry) && strcmp(dry->valuestring, "server") &&
        strcmp(dry->valuestring, "client") && strcmp(dry->valuestring, "none"))
        return xasprintf("drain: dryRun must be true, false, server, client or none");
    return NULL;
}

/* The action of a step (NULL with *err when the step is malformed). */
static const sc_action *sc_step_action(const cJSON *step, const cJSON **value, char **err)
{
    const sc_action *found = NULL;
    const cJSON *x;
    *err = NULL;
    if (!cJSON_IsObject(step)) {
        *err = strdup("a step must be a mapping such as {evict: {...}, expect: {...}}");
        return NULL;
    }
    cJSON_ArrayForEach(x, step) {
        if (!strcmp(x->string, "expect") || !strcmp(x->string, "note"))
            continue;
        const sc_action *a = sc_find(x->string);
        if (!a) {
            *err = xasprintf("unknown step \"%s\" (steps: evict, delete, create, patch, cordon, uncordon, advance, "
                          "drain, fault, explain, expect)", x->string);
            return NULL;
        }
        if (found) {
            *err = xasprintf("one action per step: both %s and %s", found->name, a->name);
            return NULL;
        }
        found = a;
        *value = x;
    }
    if (!found && !jget(step, "expect")) {
        *err = strdup("empty step: give an action or an expect");
        return NULL;
    }
    if (!found) {
        *value = NULL;
        found = &sc_expect_action;
    }
    if (found->run != run_expect_only && (*err = sc_check_action(found, *value)))
        return NULL;
    const cJSON *e = jget(step, "expect");
    if (e && !cJSON_IsObject(e))
        *err = strdup("expect must be a mapping");
    else if (e)
        *err = sc_check_expect(e, found);
    return *err ? NULL : found;
}

/* ---- the scenario --------------------------------------------------------- */

static const char *const top_keys[] = {"name", "description", "kubeVersion", "options", "cluster", "manifests",
                                       "steps", NULL};

static char *sc_check_top(const cJSON *doc)
{
    if (!cJSON_IsObject(doc))
        return xstrdup("a scenario must be a mapping with name, description, options, manifests and steps");
    const cJSON *x;
    cJSON_ArrayForEach(x, doc) {
        int i = 0;
        while (top_keys[i] && strcmp(top_keys[i], x->string))
            i++;
        if (!top_keys[i])
            return xasprintf("unknown field \"%s\" (known: name, description, kubeVersion, options, cluster, manifests, steps)",
                          x->string);
    }
    if (!cJSON_IsArray(jget(doc, "steps")))
        return xstrdup("steps: a list of steps is required");
    const cJSON *m = jget(doc, "manifests");
    if (m && !cJSON_IsArray(m))
        return xstrdup("manifests must be a list of objects or {include: path}");
    const cJSON *cl = jget(doc, "cluster"), *p;
    bool paths = cJSON_IsString(cl) || (cJSON_IsArray(cl) && cJSON_GetArraySize(cl));
    cJSON_ArrayForEach(p, (cJSON_IsArray(cl) ? cl : NULL))
        paths &= cJSON_IsString(p);
    if (cl && !paths)
        return xstrdup("cluster must be a path to a dump, or a list of them");
    return NULL;
}

/* kubeVersion: "1.35" (a number such as 1.35 too, read to two decimals:
 * YAML reads 1.30 as 1.3). */
static char *sc_kube_version(const cJSON *v, cluster_opts *co)
{
    char buf[32], *err = NULL;
    if (!v)
        return NULL;
    if (cJSON_IsNumber(v))
        snprintf(buf, sizeof buf, "%.2f", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(buf, sizeof buf, "%s", v->valuestring);
    else
        return xstrdup("kubeVersion must be a release such as \"1.35\"");
    if (kv_parse_version(buf, &co->kv.minor, &err) < 0) {
        char *m = xasprintf("kubeVersion: %s", err ? err : buf);
        free(err);
        return m;
    }
    return NULL;
}

/* options.featureGates: "Name=true,..." as --feature-gates takes it, or a mapping of names to booleans. */
static char *sc_feature_gates(const cJSON *x, cluster_opts *co)
{
    char *list = NULL, *err = NULL;
    if (cJSON_IsString(x)) {
        list = xstrdup(x->valuestring);
    } else if (cJSON_IsObject(x)) {
        strbuf b = {0};
        const cJSON *g;
        cJSON_ArrayForEach(g, x) {
            if (!cJSON_IsBool(g)) {
                free(b.s);
                return xasprintf("options: featureGates.%s must be true or false", g->string);
            }
            strbuf_printf(&b, "%s%s=%s", b.len ? "," : "", g->string, cJSON_IsTrue(g) ? "true" : "false");
        }
        list = b.s ? b.s : xstrdup("");
    } else {
        return xstrdup("options: featureGates must be \"Name=true,...\" or a mapping of names to true/false");
    }
    int rc = kv_parse_gates(&co->kv, list, &err);
    free(list);
    if (rc == 0 && co->kv.set & 1u << G_EVICTION_REQUEST_API)
        co->kv.runtime_alpha = kv_gate_on(&co->kv, G_EVICTION_REQUEST_API); /* a scenario serves what it enables */
    if (rc == 0)
        return NULL;
    char *m = xasprintf("options: featureGates: %s", err ? err : "bad value");
    free(err);
    return m;
}

static char *sc_options(const cJSON *opts, const cJSON *kube_version, cluster_opts *co)
{
    *co = (cluster_opts){.manual_clock = true, .start_time = SC_START_TIME, .time_scale = 1,
                         .controllers = CTRL_ALL};
    char *verr = sc_kube_version(kube_version, co);
    if (verr)
        return verr;
    if (!opts)
        return NULL;
    if (!cJSON_IsObject(opts))
        return xstrdup("options must be a mapping");
    const cJSON *x;
    cJSON_ArrayForEach(x, opts) {
        char *err = NULL;
        if (!strcmp(x->string, "pdbSyncDelay")) {
            if (!sc_duration(x, &co->pdb_sync_delay))
                return xstrdup("options: pdbSyncDelay must be a duration (10s) or seconds");
        } else if (!strcmp(x->string, "startTime")) {
            if (!cJSON_IsString(x) || (strcmp(x->valuestring, "dump") && clock_parse(x->valuestring, &co->start_time) < 0))
                return xstrdup("options: startTime must be RFC 3339 (e.g. 2025-01-01T00:00:00Z) or dump");
        } else if (!strcmp(x->string, "skipUnknown")) {
            if (!cJSON_IsBool(x))
                return xstrdup("options: skipUnknown must be true or false");
        } else if (!strcmp(x->string, "controllers")) {
            char *list;
            if (cJSON_IsArray(x)) {
                list = sc_join(x, ",");
            } else if (cJSON_IsString(x)) {
                list = xstrdup(x->valuestring);
            } else {
                return xstrdup("options: controllers must be all, none, a comma list or a list of names");
            }
            int rc = cluster_parse_controllers(list, &co->controllers, &err);
            free(list);
            if (rc < 0) {
                char *m = xasprintf("options: %s", err ? err : "bad controllers");
                free(err);
                return m;
            }
        } else if (!strcmp(x->string, "featureGates")) {
            if ((err = sc_feature_gates(x, co)))
                return err;
        } else {
            return xasprintf("options: unknown field \"%s\" (known: pdbSyncDelay, controllers, startTime, skipUnknown, "
                             "featureGates)",
                          x->string);
        }
    }
    return NULL;
}

static char *sc_manifests(sc_run *r, const cJSON *list, cJSON *objs)
{
    const cJSON *m;
    int i = 0;
    cJSON_ArrayForEach(m, list) {
        i++;
        const char *inc = jstr(m, "include");
        if (inc) {
            char *path = inc[0] == '/' ? xstrdup(inc) : xasprintf("%s/%s", r->dir, inc), *err = NULL;
            int rc = manifest_load_path(path, objs, &err);
            free(path);
            if (rc < 0) {
                char *msg = xasprintf("manifests: include %s: %s", inc, err ? err : "cannot load");
                free(err);
                return msg;
            }
        } else if (cJSON_IsObject(m) && jstr(m, "kind") && jstr(m, "apiVersion")) {
            cJSON_AddItemToArray(objs, cJSON_Duplicate(m, true));
        } else {
            return xasprintf("manifests: item %d must be an object with apiVersion and kind, or {include: path}", i);
        }
    }
    return NULL;
}

static void sc_out_free(sc_out *o)
{
    free(o->head);
    free(o->why);
    free(o->text);
    free(o->error);
    api_result_clear(&o->res);
    if (o->has_drain)
        drain_result_free(&o->drain);
}

static void sc_print_drain(sc_run *r, const drain_result *d)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, d->timeline) {
        fprintf(r->o->out, "      %s\n", jstr(e, "line"));
        if (r->o->explain && jstr(e, "why"))
            fprintf(r->o->out, "          why: %s\n", jstr(e, "why"));
    }
    if (r->o->explain)
        cJSON_ArrayForEach(e, d->output)
            fprintf(r->o->out, "      kubectl: %s\n", e->valuestring);
}

/* Run one step; returns true when it held. */
static bool sc_step(sc_run *r, int n, const cJSON *step)
{
    const cJSON *v = NULL;
    char *err = NULL;
    const sc_action *a = sc_step_action(step, &v, &err);
    free(err); /* checked before the run */
    sc_out out = {0};
    if (a == &sc_expect_action)
        v = jget(step, "expect");
    r->fails = cJSON_CreateArray();
    a->run(r, v, &out);
    if (out.error)
        sc_fail(r, "%s", out.error);
    else
        sc_expect(r, jget(step, "expect"), &out);
    bool ok = cJSON_GetArraySize(r->fails) == 0;
    char *fails = sc_join(r->fails, "; ");
    const char *note = jstr(step, "note");
    fprintf(r->o->out, "%s step %d: %s%s%s%s%s\n", ok ? "ok  " : "FAIL", n, out.head ? out.head : a->name,
            ok ? "" : " — ", fails, note ? "  # " : "", note ? note : "");
    if (r->o->explain && out.why && *out.why)
        fprintf(r->o->out, "      why: %s\n", out.why);
    if (out.text)
        fputs(out.text, r->o->out);
    if (out.has_drain)
        sc_print_drain(r, &out.drain);
    free(fails);
    cJSON_Delete(r->fails);
    r->fails = NULL;
    sc_out_free(&out);
    return ok;
}

/* Check every step; prints one FAIL line per bad step. Returns how many. */
static int sc_check_steps(sc_run *r, const cJSON *steps)
{
    int bad = 0, n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, steps) {
        const cJSON *v;
        char *err = NULL;
        n++;
        if (!sc_step_action(s, &v, &err)) {
            fprintf(r->o->out, "FAIL %s: step %d: %s\n", r->source, n, err);
            bad++;
        }
        free(err);
    }
    return bad;
}

static int sc_fail_file(sc_run *r, scenario_tally *t, const char *what, char *err)
{
    fprintf(r->o->out, "FAIL %s: %s%s%s\n", r->source, what, *what ? ": " : "", err ? err : "invalid");
    free(err);
    t->failed++;
    return -1;
}

/* cluster: a dump (or several), paths relative to the scenario, opened
 * now; with options.startTime dump the clock starts at its newest time. */
static char *sc_cluster(sc_run *r, const cJSON *doc, cluster_opts *co, dump **out)
{
    const cJSON *cl = jget(doc, "cluster"), *p;
    int n = cJSON_IsArray(cl) ? cJSON_GetArraySize(cl) : 1, i = 0;
    char **paths = xcalloc((size_t)n, sizeof *paths);
    if (cJSON_IsString(cl))
        paths[i++] = cl->valuestring[0] == '/' ? xstrdup(cl->valuestring) : xasprintf("%s/%s", r->dir, cl->valuestring);
    cJSON_ArrayForEach(p, (cJSON_IsArray(cl) ? cl : NULL))
        paths[i++] = p->valuestring[0] == '/' ? xstrdup(p->valuestring) : xasprintf("%s/%s", r->dir, p->valuestring);
    char *err = NULL;
    dump_opts o = {cJSON_IsTrue(jget(doc, "options.skipUnknown"))};
    dump *d = dump_open((const char *const *)paths, n, &o, &err);
    for (i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    const char *st = jstr(doc, "options.startTime");
    if (d && st && !strcmp(st, "dump")) {
        double t = dump_newest(d, &err);
        if (t > 0)
            co->start_time = t;
        else if (t == 0)
            err = xstrdup("options: startTime dump: the dump holds no timestamp");
        if (t <= 0) {
            dump_close(d);
            d = NULL;
        }
    }
    if (!d) {
        char *m = xasprintf("cluster: %s", err ? err : "cannot be read");
        free(err);
        return m;
    }
    *out = d;
    return NULL;
}

static int sc_run_doc(sc_run *r, const cJSON *doc, scenario_tally *t)
{
    char *err = sc_check_top(doc);
    if (err)
        return sc_fail_file(r, t, "", err);
    cluster_opts co;
    if ((err = sc_options(jget(doc, "options"), jget(doc, "kubeVersion"), &co)))
        return sc_fail_file(r, t, "", err);
    int bad = sc_check_steps(r, jget(doc, "steps"));
    if (bad) {
        t->failed += bad;
        return -1;
    }
    cJSON *objs = cJSON_CreateArray();
    if ((err = sc_manifests(r, jget(doc, "manifests"), objs))) {
        cJSON_Delete(objs);
        return sc_fail_file(r, t, "", err);
    }
    meta_seed(1); /* the same names and uids on every run */
    dump *d = NULL;
    if (jget(doc, "cluster") && (err = sc_cluster(r, doc, &co, &d))) {
        cJSON_Delete(objs);
        return sc_fail_file(r, t, "", err);
    }
    r->c = cluster_new(&co);
    if (d) {
        int n = dump_load(d, r->c, &err);
        dump_close(d);
        if (n < 0) {
            char *m = xasprintf("cluster: %s", err);
            free(err);
            cJSON_Delete(objs);
            cluster_free(r->c);
            return sc_fail_file(r, t, "", m);
        }
    }
    api_result lerr = {0};
    int loaded = cluster_load_take(r->c, objs, &lerr);
    if (loaded < 0) {
        char *m = xasprintf("manifests: %s", res_str(&lerr, "message"));
        api_result_clear(&lerr);
        cluster_free(r->c);
        return sc_fail_file(r, t, "", m);
    }
    const char *name = jstr(doc, "name"), *desc = jstr(doc, "description");
    fprintf(r->o->out, "== %s%s%s (%s)\n", name ? name : "scenario", desc ? ": " : "", desc ? desc : "", r->source);
    int n = 0, failed = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(doc, "steps")) {
        if (sc_step(r, ++n, s))
            t->passed++;
        else
            t->failed++, failed++;
    }
    cluster_free(r->c);
    r->c = NULL;
    return failed ? -1 : 0;
}

int scenario_run_text(const char *text, size_t len, const char *source, const char *dir,
                      const scenario_opts *o, scenario_tally *t)
{
    sc_run r = {.o = o, .source = source, .dir = dir ? dir : "."};
    char *err = NULL;
    cJSON *doc = manifest_parse_one(text, len, &err);
    if (!doc)
        return sc_fail_file(&r, t, "", err ? err : xstrdup("cannot parse"));
    int rc = sc_run_doc(&r, doc, t);
    cJSON_Delete(doc);
    return rc;
}

int scenario_run_file(const char *path, const scenario_opts *o, scenario_tally *t)
{
    size_t len;
    char *text = sc_read(path, &len);
    if (!text) {
        sc_run r = {.o = o, .source = path};
        return sc_fail_file(&r, t, "", xasprintf("cannot read the file"));
    }
    char *copy = xstrdup(path);
    int rc = scenario_run_text(text, len, path, dirname(copy), o, t);
    free(copy);
    free(text);
    return rc;
}

static const char run_usage[] =
    "usage: evictsim run [--explain] FILE...\n"
    "\n"
    "Runs scenario files in virtual time (no server, no waiting): one line per step,\n"
    "then `N passed, N failed`. Exit status 0 only when every expectation held.\n"
    "  --explain   print why each answer was given under its step\n";

int scenario_main(int argc, char **argv)
{
    scenario_opts o = {.out = stdout};
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--explain")) {
            o.explain = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(run_usage, stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "evictsim run: unknown flag %s\n%s", argv[i], run_usage);
            return 2;
        } else {
            nfiles++;
        }
    }
    if (!nfiles) {
        fprintf(stderr, "evictsim run: no scenario file given\n%s", run_usage);
        return 2;
    }
    scenario_tally t = {0};
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-' || !argv[i][1])
            scenario_run_file(argv[i], &o, &t);
    fprintf(o.out, "%d passed, %d failed\n", t.passed, t.failed);
    fflush(o.out);
    return t.failed ? 1 : 0;
}
