/* fieldval: fieldValidation's parameter check (apimachinery's
 * ValidateFieldValidation) and duplicate fields (sigs.k8s.io/json's strict
 * decoding, the apiserver's texts and Warning headers). Only reads the
 * request's body and options; never touches the store. */
#include "fieldval.h"
#include "json.h"
#include "text.h"
#include "xalloc.h"
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

/* Walk o (at path), removing earlier copies of repeated keys; each
 * repeated field's path goes to found (once). */
static void dedup(cJSON *o, const char *path, cJSON *found, int depth)
{
    if (depth > 64)
        return;
    if (cJSON_IsArray(o)) {
        int i = 0;
        for (cJSON *e = o->child; e; e = e->next, i++) {
            char *p = xasprintf("%s[%d]", path, i);
            dedup(e, p, found, depth + 1);
            free(p);
        }
        return;
    }
    if (!cJSON_IsObject(o))
        return;
    /* members by key, then by place: the copies of a key are adjacent, the
     * last of them kept (n log n: a body may hold many keys) */
    size_t n = 0;
    for (cJSON *m = o->child; m; m = m->next)
        n++;
    member *ms = xmalloc((n ? n : 1) * sizeof *ms);
    n = 0;
    for (cJSON *m = o->child; m; m = m->next, n++)
        ms[n] = (member){m, n};
    qsort(ms, n, sizeof *ms, by_key);
    bool prev = false; /* ms[i - 1] is an earlier copy of ms[i]'s key */
    for (size_t i = 0; i + 1 < n; i++) {
        bool dup = ms[i].m->string && ms[i + 1].m->string && !strcmp(ms[i].m->string, ms[i + 1].m->string);
        if (dup && !prev) { /* the first copy of its run: the path, once */
            char *p = *path ? xasprintf("%s.%s", path, ms[i].m->string) : xstrdup(ms[i].m->string);
            cJSON_AddItemToArray(found, cJSON_CreateString(p));
            free(p);
        }
        prev = dup;
        if (!dup)
            ms[i].m = NULL; /* kept */
    }
    if (n)
        ms[n - 1].m = NULL; /* the last of its run: kept */
    for (size_t i = 0; i < n; i++)
        if (ms[i].m)
            cJSON_Delete(cJSON_DetachItemViaPointer(o, ms[i].m));
    free(ms);
    for (cJSON *m = o->child; m; m = m->next) {
        char *p = *path ? xasprintf("%s.%s", path, m->string) : xstrdup(m->string);
        dedup(m, p, found, depth + 1);
        free(p);
    }
}

cJSON *fieldval_duplicates(cJSON *doc, const char *mode, const char *kind, const char *version, api_result *out)
{
    cJSON *found = cJSON_CreateArray();
    dedup(doc, "", found, 0);
    cJSON *st = NULL;
    if (!cJSON_GetArraySize(found) || (mode && !strcmp(mode, "Ignore"))) {
        cJSON_Delete(found);
        return NULL;
    }
    if (mode && !strcmp(mode, "Strict")) {
        strbuf b = {0};
        strbuf_printf(&b, "%s in version \"%s\" cannot be handled as a %s: strict decoding error: ", kind, version, kind);
        cJSON *f;
        int i = 0;
        cJSON_ArrayForEach(f, found) strbuf_printf(&b, "%sduplicate field \"%s\"", i++ ? ", " : "", f->valuestring);
        st = status_bad_request(b.s);
        free(b.s);
        cJSON_Delete(found);
        return st;
    }
    cJSON *f;
    cJSON_ArrayForEach(f, found) {
        char *w = xasprintf("duplicate field \"%s\"", f->valuestring);
        api_result_warn(out, w);
        free(w);
    }
    cJSON_Delete(found);
    return NULL;
}
