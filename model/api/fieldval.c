/* fieldval: fieldValidation's parameter check (apimachinery's
 * ValidateFieldValidation) and duplicate fields (sigs.k8s.io/json's strict
 * decoding, the apiserver's texts and Warning headers). Only reads the
 * request's body and options; never touches the store. */
#include "fieldval.h"
#include "json.h"
#include "text.h"
#include "xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *fieldval_check_param(const char *value, const char *opts_kind)
{
    static const char *const allowed[] = {"", "Ignore", "Strict", "Warn", NULL};
    if (!value)
        return NULL;
    for (int i = 0; allowed[i]; i++)
        if (!strcmp(value, allowed[i]))
            return NULL;
    strbuf q = {0};
    strbuf_quote(&q, value);
    cJSON *causes = cJSON_CreateArray();
    cause_not_supported(causes, "fieldValidation", q.s, allowed);
    free(q.s);
    return status_invalid(opts_kind, "meta.k8s.io", "", causes);
}

static const fieldval_schema *schema; /* set once at start-up, read only after */

void fieldval_set_schema(const fieldval_schema *s)
{
    schema = s;
}

/* What a walk collects: the strict errors, in the order Go's decoder meets
 * them, each text once, at most 100 (sigs.k8s.io/json's saveStrictError). */
typedef struct {
    cJSON *errs;
    int n;
} fv_walk;

static void fv_error(fv_walk *w, const char *what, const char *path)
{
    if (w->n >= 100)
        return;
    strbuf q = {0};
    strbuf_quote(&q, path);
    char *t = xasprintf("%s field %s", what, q.s);
    free(q.s);
    bool seen = false;
    for (cJSON *e = w->errs->child; e && !seen; e = e->next)
        seen = !strcmp(e->valuestring, t);
    if (!seen) {
        cJSON_AddItemToArray(w->errs, cJSON_CreateString(t));
        w->n++;
    }
    free(t);
}

typedef struct {
    cJSON *m;
    size_t at; /* its place among the members */
} member;

static int by_key(const void *a, const void *b)
{
    const member *x = a, *y = b;
    int c = strcmp(x->m->string ? x->m->string : "", y->m->string ? y->m->string : "");
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* For each member i of o (n of them): rep[i] when an earlier member has its
 * key, drop[i] when a later one has (n log n: a body may hold many keys). */
static void copies(const cJSON *o, size_t *count, bool **rep, bool **drop)
{
    size_t n = 0;
    for (cJSON *m = o->child; m; m = m->next)
        n++;
    *count = n;
    *rep = xcalloc(n ? n : 1, sizeof **rep);
    *drop = xcalloc(n ? n : 1, sizeof **drop);
    member *ms = xmalloc((n ? n : 1) * sizeof *ms);
    n = 0;
    for (cJSON *m = o->child; m; m = m->next, n++)
        ms[n] = (member){m, n};
    qsort(ms, n, sizeof *ms, by_key);
    for (size_t i = 1; i < n; i++)
        if (ms[i].m->string && ms[i - 1].m->string && !strcmp(ms[i].m->string, ms[i - 1].m->string))
            (*rep)[ms[i].at] = (*drop)[ms[i - 1].at] = true;
    free(ms);
}

static void walk_value(fv_walk *w, cJSON *v, fv_shape shape, const void *type, const char *path, int depth);

/* An object decoded into a struct of type (from the schema), or, type
 * NULL, into a map whose values are of shape elem (etype). Then the
 * earlier copies of a repeated key are dropped (Go keeps the last), and
 * the fields the type does not have. */
static void walk_object(fv_walk *w, cJSON *o, const void *type, fv_shape elem, const void *etype, const char *path,
                        int depth)
{
    size_t n;
    bool *rep, *drop;
    copies(o, &n, &rep, &drop);
    size_t i = 0;
    for (cJSON *m = o->child; m; m = m->next, i++) {
        const char *key = m->string ? m->string : "";
        char *p = *path ? xasprintf("%s.%s", path, key) : xstrdup(key);
        fv_shape shape = elem;
        const void *sub = etype;
        if (type) /* every kind's TypeMeta: kind and apiVersion at the top */
            shape = !depth && (!strcmp(key, "kind") || !strcmp(key, "apiVersion")) ? FV_SCALAR
                                                                                   : schema->member(type, key, &sub);
        if (shape == FV_UNKNOWN) {
            fv_error(w, "unknown", p); /* Go checks repeats of known fields only */
            drop[i] = true;            /* and has nowhere to keep it */
        } else {
            if (rep[i])
                fv_error(w, "duplicate", p);
            walk_value(w, m, shape, sub, p, depth + 1);
        }
        free(p);
    }
    cJSON *next;
    i = 0;
    for (cJSON *m = o->child; m; m = next, i++) {
        next = m->next;
        if (drop[i])
            cJSON_Delete(cJSON_DetachItemViaPointer(o, m));
    }
    free(rep);
    free(drop);
}

/* A value of that shape: structs by their type, lists element by element,
 * maps key by key. Scalars and FV_ANY values (RawExtension and the like:
 * their own JSON decoder) are not looked into. FV_UNTYPED (no schema):
 * every object a map, every value untyped; only repeated keys are found. */
static void walk_value(fv_walk *w, cJSON *v, fv_shape shape, const void *type, const char *path, int depth)
{
    if (depth > 64)
        return;
    bool obj = cJSON_IsObject(v);
    if (obj && shape == FV_STRUCT)
        walk_object(w, v, type, FV_UNKNOWN, NULL, path, depth);
    else if (obj && shape == FV_MAP)
        walk_object(w, v, NULL, type ? FV_STRUCT : FV_SCALAR, type, path, depth);
    else if (obj && shape == FV_UNTYPED)
        walk_object(w, v, NULL, FV_UNTYPED, NULL, path, depth);
    else if (cJSON_IsArray(v) && (shape == FV_LIST || shape == FV_UNTYPED)) {
        fv_shape es = shape == FV_UNTYPED ? FV_UNTYPED : type ? FV_STRUCT : FV_SCALAR;
        int i = 0;
        for (cJSON *e = v->child; e; e = e->next, i++) {
            char *p = xasprintf("%s[%d]", path, i);
            walk_value(w, e, es, type, p, depth + 1);
            free(p);
        }
    }
}

/* Go's %v of a float64: the shortest digits, %e form when the exponent is
 * below -4 or not below the number of digits. */
static void go_float(strbuf *b, double d)
{
    char buf[40];
    int prec = 1;
    for (; prec < 17; prec++) { /* the shortest that reads back */
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
    int exp = atoi(strchr(buf, 'e') + 1);
    if (exp < -4 || exp >= prec) {
        char *e = strchr(buf, 'e');
        *e = 0;
        strbuf_printf(b, "%se%c%02d", buf, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else {
        snprintf(buf, sizeof buf, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
        strbuf_printf(b, "%s", buf);
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Go's %+v of a JSON value decoded into map[string]interface{} with its
 * integers kept: map[k:v ...] (keys sorted), [a b], strings bare. */
static void go_value(strbuf *b, const cJSON *v, int depth)
{
    if (depth > 64)
        return;
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
        const cJSON **m = xmalloc((n ? n : 1) * sizeof *m);
        for (const cJSON *c = v->child; c; c = c->next)
            m[i++] = c;
        bool obj = cJSON_IsObject(v);
        if (obj)
            qsort(m, n, sizeof *m, by_name);
        strbuf_printf(b, obj ? "map[" : "[");
        for (i = 0; i < n; i++) {
            if (i)
                strbuf_putn(b, " ", 1);
            if (obj)
                strbuf_printf(b, "%s:", m[i]->string);
            go_value(b, m[i], depth + 1);
        }
        strbuf_putn(b, "]", 1);
        free(m);
    } else if (cJSON_IsString(v)) {
        strbuf_printf(b, "%s", v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(long long)d && d > -9.2e18 && d < 9.2e18)
            strbuf_printf(b, "%lld", (long long)d);
        else
            go_float(b, d);
    } else if (cJSON_IsBool(v)) {
        strbuf_printf(b, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        strbuf_printf(b, "<nil>");
    }
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The 422 patch.go answers for a patch's strict errors: a "patch" cause
 * whose value is the patch map (%+v, strategic) or the patched object. */
static cJSON *patch_invalid(cJSON *found, fv_source src, const cJSON *patch, const cJSON *patched)
{
    size_t n = (size_t)cJSON_GetArraySize(found), i = 0;
    const char **t = xmalloc((n ? n : 1) * sizeof *t);
    for (cJSON *f = found->child; f; f = f->next)
        t[i++] = f->valuestring;
    if (src == FV_STRATEGIC) /* FromUnstructuredWithValidation sorts them */
        qsort(t, n, sizeof *t, by_text);
    strbuf msg = {0}, val = {0}, q = {0};
    strbuf_printf(&msg, "strict decoding error: ");
    for (i = 0; i < n; i++)
        strbuf_printf(&msg, "%s%s", i ? ", " : "", t[i]);
    if (src == FV_STRATEGIC) {
        go_value(&val, patch, 0);
    } else {
        char *j = cJSON_PrintUnformatted(patched);
        strbuf_printf(&val, "%s", j ? j : "");
        cJSON_free(j);
    }
    strbuf_quote(&q, val.s ? val.s : "");
    cJSON *causes = cJSON_CreateArray();
    cause_invalid(causes, "patch", q.s, msg.s);
    free(t);
    free(msg.s);
    free(val.s);
    free(q.s);
    return status_invalid("", "", "", causes);
}

cJSON *fieldval_check(cJSON *doc, const char *mode, const char *group, const char *version, const char *kind,
                      fv_source src, const cJSON *patch, api_result *out)
{
    bool strict = mode && !strcmp(mode, "Strict");
    /* the patched object as it was decoded, before anything is dropped */
    cJSON *before = strict && src == FV_PATCHED ? cJSON_Duplicate(doc, true) : NULL;
    fv_walk w = {cJSON_CreateArray(), 0};
    const void *root = schema && group && cJSON_IsObject(doc) ? schema->root(group, version, kind) : NULL;
    if (root)
        walk_object(&w, doc, root, FV_UNKNOWN, NULL, "", 0);
    else
        walk_value(&w, doc, FV_UNTYPED, NULL, "", 0);
    cJSON *found = w.errs, *st = NULL;
    if (!cJSON_GetArraySize(found) || (mode && !strcmp(mode, "Ignore"))) {
        cJSON_Delete(found);
        cJSON_Delete(before);
        return NULL;
    }
    if (strict && src != FV_BODY) {
        st = patch_invalid(found, src, patch, before);
    } else if (strict) {
        strbuf b = {0};
        strbuf_printf(&b, "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ", kind, version,
                      kind);
        cJSON *f;
        int i = 0;
        cJSON_ArrayForEach(f, found) strbuf_printf(&b, "%s%s", i++ ? ", " : "", f->valuestring);
        st = status_bad_request(b.s);
        free(b.s);
    } else {
        cJSON *f;
        cJSON_ArrayForEach(f, found) api_result_warn(out, f->valuestring);
    }
    cJSON_Delete(found);
    cJSON_Delete(before);
    return st;
}
