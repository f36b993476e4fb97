/* patch: the three PATCH content types kube-apiserver accepts besides apply
 * (merge patch via cJSON_Utils, JSON patch via cJSON_Utils, strategic merge
 * patch with the built-in types' merge keys), with upstream's codes and texts
 * (apiserver endpoints/handlers/patch.go, apimachinery strategicpatch).
 * Pure: never touches the store, never validates the resulting object. */
#include "patch.h"
#include "xalloc.h"
#include "cJSON_Utils.h"
#include "json.h"
#include "text.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATCH_MAX_DEPTH 100
#define PATCH_MAX_JSON_OPS 10000
#define PATCH_SET_ORDER "$setElementOrder/"
#define PATCH_DEL_PRIM "$deleteFromPrimitiveList/"

/* ---------- messages ---------- */

static int patch_fail(char **err, int code, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *err = malloc((size_t)n + 1);
    vsnprintf(*err, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return code;
}


static int patch_keycmp(const void *a, const void *b)
{
    return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Go's %v of a decoded JSON value (map[k:v ...] with sorted keys). */
static void patch_gofmt(strbuf *b, const cJSON *v, int depth)
{
    char num[64];
    if (depth > PATCH_MAX_DEPTH) {
        strbuf_puts(b, "...");
    } else if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v), i = 0;
        cJSON **kids = xmalloc(sizeof(cJSON *) * (size_t)(n ? n : 1));
        for (cJSON *c = v->child; c; c = c->next)
            kids[i++] = c;
        if (cJSON_IsObject(v))
            qsort(kids, (size_t)n, sizeof *kids, patch_keycmp);
        strbuf_puts(b, cJSON_IsObject(v) ? "map[" : "[");
        for (i = 0; i < n; i++) {
            if (i)
                strbuf_puts(b, " ");
            if (cJSON_IsObject(v)) {
                strbuf_puts(b, kids[i]->string);
                strbuf_puts(b, ":");
            }
            patch_gofmt(b, kids[i], depth + 1);
        }
        strbuf_puts(b, "]");
        free(kids);
    } else if (cJSON_IsString(v)) {
        strbuf_puts(b, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        if (v->valuedouble == (double)(long long)v->valuedouble)
            snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
        else
            snprintf(num, sizeof num, "%g", v->valuedouble);
        strbuf_puts(b, num);
    } else if (cJSON_IsBool(v)) {
        strbuf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        strbuf_puts(b, "<nil>");
    }
}

static char *patch_gostr(const cJSON *v)
{
    strbuf b = {0};
    patch_gofmt(&b, v, 0);
    return b.s ? b.s : xstrdup("");
}

/* mergepatch.ErrNoMergeKey: 500 */
static int patch_no_merge_key(char **err, const cJSON *m, const char *key)
{
    char *s = patch_gostr(m);
    int rc = patch_fail(err, 500, "map: %s does not contain declared merge key: %s", s, key);
    free(s);
    return rc;
}

/* mergepatch.ErrBadPatchType: 500 */
static int patch_bad_type(char **err, const cJSON *t, const cJSON *m)
{
    char *ts = patch_gostr(t), *ms = patch_gostr(m);
    int rc = patch_fail(err, 500, "unknown patch type: %s in map: %s", ts, ms);
    free(ts);
    free(ms);
    return rc;
}

/* ---------- JSON helpers ---------- */

static bool patch_equal(const cJSON *a, const cJSON *b, int depth)
{
    if (!a || !b)
        return a == b;
    if (depth > PATCH_MAX_DEPTH)
        return false;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return false;
    if (cJSON_IsArray(a)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!patch_equal(x, y, depth + 1))
                return false;
        return !x && !y;
    }
    if (cJSON_IsObject(a)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return false;
        for (const cJSON *x = a->child; x; x = x->next)
            if (!patch_equal(x, jfield(b, x->string), depth + 1))
                return false;
        return true;
    }
    return true; /* same type: null, true, false */
}

static bool patch_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Relink obj's children in the order of ref's keys, new keys last. */
static void patch_restore_order(cJSON *obj, const cJSON *ref, int depth)
{
    if (!cJSON_IsObject(obj) || !cJSON_IsObject(ref) || depth > PATCH_MAX_DEPTH)
        return;
    int n = cJSON_GetArraySize(obj), k = 0;
    if (n == 0)
        return;
    cJSON **kids = xmalloc(sizeof(cJSON *) * (size_t)n);
    for (const cJSON *r = ref->child; r; r = r->next)
        for (cJSON *c = obj->child; c; c = c->next)
            if (c->string && r->string && strcmp(c->string, r->string) == 0 && !(c->type & 0x4000)) {
                c->type |= 0x4000; /* placed marker, cleared below */
                kids[k++] = c;
                break;
            }
    for (cJSON *c = obj->child; c; c = c->next)
        if (!(c->type & 0x4000))
            kids[k++] = c;
    for (int i = 0; i < n; i++) {
        kids[i]->type &= ~0x4000;
        kids[i]->prev = i ? kids[i - 1] : kids[n - 1];
        kids[i]->next = i + 1 < n ? kids[i + 1] : NULL;
        patch_restore_order(kids[i], jfield(ref, kids[i]->string),
                            depth + 1);
    }
    obj->child = kids[0];
    free(kids);
}

static int patch_depth(const cJSON *v, int depth)
{
    if (depth > PATCH_MAX_DEPTH)
        return depth;
    int max = depth;
    for (const cJSON *c = (cJSON_IsArray(v) || cJSON_IsObject(v)) ? v->child : NULL; c; c = c->next) {
        int d = patch_depth(c, depth + 1);
        if (d > max)
            max = d;
        if (max > PATCH_MAX_DEPTH)
            break;
    }
    return max;
}

static int patch_check_depth(const cJSON *patch, char **err)
{
    if (patch_depth(patch, 0) > PATCH_MAX_DEPTH)
        return patch_fail(err, 400, "json: exceeded max depth");
    return 0;
}

/* ---------- merge patch ---------- */

int patch_merge(const cJSON *cur, const cJSON *patch, cJSON **out, char **err)
{
    *out = NULL;
    *err = NULL;
    if (!patch || !(cJSON_IsObject(patch) || cJSON_IsArray(patch)))
        return patch_fail(err, 400, "Invalid JSON Patch");
    if (patch_check_depth(patch, err))
        return 400;
    if (cJSON_IsArray(patch)) {
        char *js = jprint(patch);
        int rc = patch_fail(err, 422,
                            " \"\" is invalid: patch: Invalid value: \"%s\": couldn't get "
                            "version/kind; json parse error: json: cannot unmarshal array into Go "
                            "value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; "
                            "Kind string \"json:\\\"kind,omitempty\\\"\" }",
                            js);
        free(js);
        return rc;
    }
    cJSON *doc = cJSON_Duplicate(cur, 1);
    doc = cJSONUtils_MergePatchCaseSensitive(doc, patch);
    if (!doc)
        return patch_fail(err, 500, "merge patch failed");
    patch_restore_order(doc, cur, 0);
    *out = doc;
    return 0;
}

/* ---------- JSON patch ---------- */

static const char *patch_rejected = "the server rejected our request due to an error in our request";

/* RFC 6902 test, as evanphx/json-patch v4: a missing target passes only
 * against a missing or null value. */
static bool patch_test_op(cJSON *doc, const cJSON *op)
{
    const cJSON *path = jfield(op, "path");
    if (!cJSON_IsString(path))
        return false;
    const cJSON *want = jfield(op, "value");
    const cJSON *got = cJSONUtils_GetPointerCaseSensitive(doc, path->valuestring);
    if (!got)
        return !want || cJSON_IsNull(want);
    return want && patch_equal(got, want, 0);
}

static bool patch_apply_op(cJSON *doc, cJSON *op)
{
    const cJSON *kind = jfield(op, "op");
    if (cJSON_IsString(kind) && strcmp(kind->valuestring, "test") == 0)
        return patch_test_op(doc, op);
    cJSON *one = cJSON_CreateArray();
    cJSON_AddItemReferenceToArray(one, op);
    int rc = cJSONUtils_ApplyPatchesCaseSensitive(doc, one);
    cJSON_Delete(one);
    return rc == 0 && cJSON_IsObject(doc);
}

int patch_json(const cJSON *cur, const cJSON *patch, cJSON **out, char **err)
{
    *out = NULL;
    *err = NULL;
    if (patch && cJSON_IsNull(patch)) {
        *out = cJSON_Duplicate(cur, 1);
        return 0;
    }
    if (!patch || !cJSON_IsArray(patch))
        return patch_fail(err, 400, "json: cannot unmarshal %s into Go value of type jsonpatch.Patch",
                          go_json_type(patch));
    if (patch_check_depth(patch, err))
        return 400;
    int n = cJSON_GetArraySize(patch);
    for (const cJSON *op = patch->child; op; op = op->next)
        if (!cJSON_IsObject(op))
            return patch_fail(err, 400,
                              "json: cannot unmarshal %s into Go value of type jsonpatch.Operation",
                              go_json_type(op));
    if (n > PATCH_MAX_JSON_OPS)
        return patch_fail(err, 413,
                          "Request entity too large: The allowed maximum operations in a JSON "
                          "patch is %d, got %d",
                          PATCH_MAX_JSON_OPS, n);
    cJSON *doc = cJSON_Duplicate(cur, 1);
    for (cJSON *op = patch->child; op; op = op->next)
        if (!patch_apply_op(doc, op)) {
            cJSON_Delete(doc);
            return patch_fail(err, 422, "%s", patch_rejected);
        }
    patch_restore_order(doc, cur, 0);
    *out = doc;
    return 0;
}

/* ---------- strategic merge patch ---------- */

typedef struct {
    const char *field;
    const char *parent; /* NULL: any enclosing key */
    const char *key;    /* "": merge list of primitives */
} patch_rule;

/* patchStrategy:"merge" fields of the kinds evictsim serves (k8s.io/api
 * core/v1, apps/v1, policy/v1 types.go). Everything else is replaced. */
static const patch_rule patch_rules[] = {
    {"containers", NULL, "name"},
    {"initContainers", NULL, "name"},
    {"ephemeralContainers", NULL, "name"},
    {"volumes", NULL, "name"},
    {"imagePullSecrets", NULL, "name"},
    {"hostAliases", NULL, "ip"},
    {"topologySpreadConstraints", NULL, "topologyKey"},
    {"schedulingGates", NULL, "name"},
    {"resourceClaims", "spec", "name"},
    {"env", NULL, "name"},
    {"ports", NULL, "containerPort"},
    {"volumeMounts", NULL, "mountPath"},
    {"volumeDevices", NULL, "devicePath"},
    {"conditions", NULL, "type"},
    {"podIPs", NULL, "ip"},
    {"hostIPs", NULL, "ip"},
    {"resourceClaimStatuses", NULL, "name"},
    {"addresses", "status", "type"},
    {"ownerReferences", "metadata", "uid"},
    {"finalizers", "metadata", ""},
    {"podCIDRs", "spec", ""},
    /* lifecycle.k8s.io/v1alpha1 Eviction status, and the pod's responders (KEP-4563) */
    {"requesters", "status", "name"},
    {"targetResponders", "status", "name"},
    {"responders", "status", "name"},
    {"evictionResponders", "spec", "name"},
};

const char *patch_merge_key(const char *field, const char *parent)
{
    for (size_t i = 0; i < sizeof patch_rules / sizeof patch_rules[0]; i++)
        if (strcmp(patch_rules[i].field, field) == 0 &&
            (!patch_rules[i].parent || strcmp(patch_rules[i].parent, parent ? parent : "") == 0))
            return patch_rules[i].key;
    return NULL;
}

typedef struct {
    const cJSON *order; /* $setElementOrder/<key> or NULL */
    const cJSON *del;   /* $deleteFromPrimitiveList/<key> or NULL */
} smp_dirs;

static int smp_map(cJSON *orig, const cJSON *patch, const char *self, int depth, char **err);
static int smp_list(cJSON *host, const char *key, const char *self, const cJSON *plist,
                    smp_dirs dirs, int depth, char **err);

/* A patch value with no original counterpart: directives applied, nulls dropped. */
static int smp_fresh(const cJSON *v, const char *key, const char *self, int depth, cJSON **out,
                     char **err)
{
    *out = NULL;
    if (depth > PATCH_MAX_DEPTH)
        return patch_fail(err, 400, "json: exceeded max depth");
    if (cJSON_IsObject(v)) {
        cJSON *o = cJSON_CreateObject();
        int rc = smp_map(o, v, key, depth + 1, err);
        if (rc)
            cJSON_Delete(o);
        else
            *out = o;
        return rc;
    }
    if (cJSON_IsArray(v)) {
        cJSON *host = cJSON_CreateObject();
        cJSON_AddItemToObject(host, key, cJSON_CreateArray());
        int rc = smp_list(host, key, self, v, (smp_dirs){0}, depth + 1, err);
        if (!rc)
            *out = cJSON_DetachItemFromObjectCaseSensitive(host, key);
        cJSON_Delete(host);
        return rc;
    }
    *out = cJSON_Duplicate(v, 1);
    return 0;
}

static void smp_set(cJSON *host, const char *key, cJSON *v)
{
    if (jfield(host, key))
        cJSON_ReplaceItemInObjectCaseSensitive(host, key, v);
    else
        cJSON_AddItemToObject(host, key, v);
}

/* A list without merge strategy: replaced by the patch list. */
static int smp_replace_list(cJSON *host, const char *key, const cJSON *plist, int depth, char **err)
{
    cJSON *res = cJSON_CreateArray();
    for (const cJSON *e = plist->child; e; e = e->next) {
        cJSON *f;
        int rc = smp_fresh(e, key, key, depth + 1, &f, err);
        if (rc) {
            cJSON_Delete(res);
            return rc;
        }
        cJSON_AddItemToArray(res, f);
    }
    smp_set(host, key, res);
    return 0;
}

/* Position of item in list (by merge key for maps, by value for primitives), -1 if absent. */
static int smp_index(const cJSON *list, const cJSON *item, const char *mk)
{
    int i = 0;
    const cJSON *want = *mk ? jfield(item, mk) : item;
    for (const cJSON *e = list ? list->child : NULL; e; e = e->next, i++) {
        const cJSON *have = *mk ? jfield(e, mk) : e;
        if (want && have && patch_equal(want, have, 0))
            return i;
    }
    return -1;
}

typedef struct {
    cJSON **v;
    size_t n;
} smp_vec;

static void smp_vec_add(smp_vec *s, cJSON *c)
{
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = c;
}

/* Stable insertion sort of patch items by their place in the order list. */
static void smp_sort_by(smp_vec *s, const cJSON *order, const char *mk)
{
    for (size_t i = 1; i < s->n; i++) {
        cJSON *x = s->v[i];
        int xi = smp_index(order, x, mk);
        size_t j = i;
        while (j > 0 && smp_index(order, s->v[j - 1], mk) > xi) {
            s->v[j] = s->v[j - 1];
            j--;
        }
        s->v[j] = x;
    }
}

/* normalizeElementOrder: patch items by `order`, server-only items interleaved
 * by their place in the live list (mergeSortedSlice). Consumes `merged`. */
static cJSON *smp_normalize(cJSON *merged, const cJSON *order, const cJSON *server, const char *mk)
{
    smp_vec pitems = {0}, sonly = {0};
    while (merged->child) {
        cJSON *c = cJSON_DetachItemViaPointer(merged, merged->child);
        smp_vec_add(smp_index(order, c, mk) >= 0 ? &pitems : &sonly, c);
    }
    smp_sort_by(&pitems, order, mk);
    size_t i = 0, j = 0;
    while (i < sonly.n || j < pitems.n) {
        bool left = j >= pitems.n;
        if (i < sonly.n && j < pitems.n) {
            int li = smp_index(server, sonly.v[i], mk), ri = smp_index(server, pitems.v[j], mk);
            left = li >= 0 && ri >= 0 && li < ri;
        }
        cJSON_AddItemToArray(merged, left ? sonly.v[i++] : pitems.v[j++]);
    }
    free(pitems.v);
    free(sonly.v);
    return merged;
}

/* Merge list of primitives (finalizers): deletions, then union without duplicates. */
static cJSON *smp_merge_primitives(const cJSON *cur, const cJSON *plist, const cJSON *del)
{
    cJSON *res = cJSON_CreateArray();
    for (const cJSON *e = cur->child; e; e = e->next)
        if (smp_index(del, e, "") < 0 && smp_index(res, e, "") < 0)
            cJSON_AddItemToArray(res, cJSON_Duplicate(e, 1));
    for (const cJSON *e = plist ? plist->child : NULL; e; e = e->next)
        if (smp_index(res, e, "") < 0 && !cJSON_IsNull(e))
            cJSON_AddItemToArray(res, cJSON_Duplicate(e, 1));
    return res;
}

/* mergeSliceWithSpecialElements: `$patch: delete|replace` elements. */
static int smp_special_elements(cJSON *work, const cJSON *plist, const char *mk, bool *replace,
                                char **err)
{
    for (const cJSON *e = plist ? plist->child : NULL; e; e = e->next) {
        const cJSON *d = jfield(e, "$patch");
        if (!d)
            continue;
        if (cJSON_IsString(d) && strcmp(d->valuestring, "delete") == 0) {
            if (!jfield(e, mk))
                return patch_no_merge_key(err, e, mk);
            int at;
            while ((at = smp_index(work, e, mk)) >= 0)
                cJSON_DeleteItemFromArray(work, at);
        } else if (cJSON_IsString(d) && strcmp(d->valuestring, "replace") == 0) {
            *replace = true;
        } else if (cJSON_IsString(d) && strcmp(d->valuestring, "merge") == 0) {
            return patch_fail(err, 500, "merging lists cannot yet be specified in the patch");
        } else {
            return patch_bad_type(err, d, e);
        }
    }
    return 0;
}

/* mergeSliceWithoutSpecialElements: merge each patch map into its match by key. */
static int smp_merge_maps(cJSON *work, const cJSON *plist, const char *key, const char *mk,
                          int depth, char **err)
{
    for (const cJSON *e = plist ? plist->child : NULL; e; e = e->next) {
        if (jfield(e, "$patch"))
            continue;
        if (!jfield(e, mk))
            return patch_no_merge_key(err, e, mk);
        int at = smp_index(work, e, mk);
        int rc;
        if (at >= 0) {
            rc = smp_map(cJSON_GetArrayItem(work, at), e, key, depth + 1, err);
        } else {
            cJSON *f;
            rc = smp_fresh(e, key, key, depth + 1, &f, err);
            if (!rc)
                cJSON_AddItemToArray(work, f);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static bool smp_all_objects(const cJSON *list)
{
    for (const cJSON *e = list ? list->child : NULL; e; e = e->next)
        if (!cJSON_IsObject(e))
            return false;
    return true;
}

/* The patch list without its `$patch` elements (the order to keep). */
static cJSON *smp_plain_items(const cJSON *plist)
{
    cJSON *res = cJSON_CreateArray();
    for (const cJSON *e = plist ? plist->child : NULL; e; e = e->next)
        if (!cJSON_IsObject(e) || !jfield(e, "$patch"))
            cJSON_AddItemReferenceToArray(res, (cJSON *)e);
    return res;
}

static int smp_list_maps(cJSON *host, const char *key, const cJSON *cur, const cJSON *plist,
                         smp_dirs dirs, const char *mk, int depth, char **err)
{
    cJSON *work = cJSON_Duplicate(cur, 1);
    bool replace = false;
    int rc = smp_special_elements(work, plist, mk, &replace, err);
    if (!rc && replace) {
        cJSON_Delete(work);
        work = cJSON_CreateArray();
    }
    if (!rc)
        rc = smp_merge_maps(work, plist, key, mk, depth, err);
    if (rc) {
        cJSON_Delete(work);
        return rc;
    }
    cJSON *server = replace ? NULL : cJSON_Duplicate(cur, 1);
    cJSON *plain = smp_plain_items(plist);
    if (dirs.order)
        work = smp_normalize(work, dirs.order, server, mk);
    else if (!replace)
        work = smp_normalize(work, plain, server, mk);
    cJSON_Delete(plain);
    cJSON_Delete(server);
    smp_set(host, key, work);
    return 0;
}

/* Merge host[key] (an array, possibly empty) with the patch list and directives. */
static int smp_list(cJSON *host, const char *key, const char *self, const cJSON *plist,
                    smp_dirs dirs, int depth, char **err)
{
    if (depth > PATCH_MAX_DEPTH)
        return patch_fail(err, 400, "json: exceeded max depth");
    if (dirs.order && !cJSON_IsArray(dirs.order))
        return patch_fail(err, 400, "invalid patch format of setElementOrder list");
    if (dirs.del && !cJSON_IsArray(dirs.del))
        return patch_fail(err, 400, "invalid patch format of primitive list");
    const cJSON *cur = jfield(host, key);
    const char *mk = patch_merge_key(key, self);
    if (!mk || (*mk && (!smp_all_objects(plist) || !smp_all_objects(cur))))
        return plist ? smp_replace_list(host, key, plist, depth, err) : 0;
    if (*mk)
        return smp_list_maps(host, key, cur, plist, dirs, mk, depth, err);
    cJSON *res = smp_merge_primitives(cur, plist, dirs.del);
    res = smp_normalize(res, dirs.order ? dirs.order : plist, cur, "");
    smp_set(host, key, res);
    return 0;
}

/* applyRetainKeysDirective */
static int smp_retain_keys(cJSON *orig, const cJSON *patch, char **err)
{
    const cJSON *rk = jfield(patch, "$retainKeys");
    if (!rk)
        return 0;
    if (!cJSON_IsArray(rk))
        return patch_fail(err, 400, "invalid patch format of retainKeys");
    for (const cJSON *c = patch->child; c; c = c->next) {
        if (cJSON_IsNull(c) || strcmp(c->string, "$retainKeys") == 0 ||
            patch_starts(c->string, PATCH_DEL_PRIM) || patch_starts(c->string, PATCH_SET_ORDER))
            continue;
        cJSON *k = cJSON_CreateString(c->string);
        bool found = smp_index(rk, k, "") >= 0;
        cJSON_Delete(k);
        if (!found)
            return patch_fail(err, 400, "invalid patch format of retainKeys");
    }
    for (cJSON *c = orig->child, *next; c; c = next) {
        next = c->next;
        cJSON *k = cJSON_CreateString(c->string);
        if (smp_index(rk, k, "") < 0)
            cJSON_DeleteItemFromObjectCaseSensitive(orig, c->string);
        cJSON_Delete(k);
    }
    return 0;
}

/* handleDirectiveInMergeMap: `$patch: replace|delete` on a map. 1 = handled. */
static int smp_map_directive(cJSON *orig, const cJSON *patch, const char *self, int depth,
                             char **err, int *rc)
{
    const cJSON *d = jfield(patch, "$patch");
    if (!d)
        return 0;
    bool repl = cJSON_IsString(d) && strcmp(d->valuestring, "replace") == 0;
    bool del = cJSON_IsString(d) && strcmp(d->valuestring, "delete") == 0;
    if (!repl && !del) {
        *rc = patch_bad_type(err, d, patch);
        return 1;
    }
    while (orig->child)
        cJSON_Delete(cJSON_DetachItemViaPointer(orig, orig->child));
    *rc = 0;
    if (repl)
        for (const cJSON *c = patch->child; c && !*rc; c = c->next) {
            if (c->string[0] == '$' || cJSON_IsNull(c))
                continue;
            cJSON *f;
            *rc = smp_fresh(c, c->string, self, depth + 1, &f, err);
            if (!*rc)
                cJSON_AddItemToObject(orig, c->string, f);
        }
    return 1;
}

/* The directives that accompany list `key` in this patch map. */
static smp_dirs smp_dirs_for(const cJSON *patch, const char *key)
{
    char buf[512];
    smp_dirs d;
    snprintf(buf, sizeof buf, PATCH_SET_ORDER "%s", key);
    d.order = jfield(patch, buf);
    snprintf(buf, sizeof buf, PATCH_DEL_PRIM "%s", key);
    d.del = jfield(patch, buf);
    return d;
}

/* A directive key with no list of its own in the patch: apply to the live list. */
static int smp_directive_only(cJSON *orig, const cJSON *patch, const cJSON *c, const char *self,
                              int depth, char **err)
{
    bool order = patch_starts(c->string, PATCH_SET_ORDER);
    if (order && !cJSON_IsArray(c))
        return patch_fail(err, 400, "invalid patch format of setElementOrder list");
    if (!order && !cJSON_IsArray(c))
        return patch_fail(err, 400, "invalid patch format of primitive list");
    const char *base = c->string + strlen(order ? PATCH_SET_ORDER : PATCH_DEL_PRIM);
    if (jfield(patch, base))
        return 0; /* handled with the list itself */
    cJSON *live = jfield(orig, base);
    if (!cJSON_IsArray(live))
        return 0;
    smp_dirs d = smp_dirs_for(patch, base);
    /* handle both directives once: on the $setElementOrder key when present */
    if (!order && d.order)
        return 0;
    return smp_list(orig, base, self, NULL, d, depth, err);
}

static int smp_key(cJSON *orig, const cJSON *patch, const cJSON *c, const char *self, int depth,
                   char **err)
{
    const char *k = c->string;
    if (patch_starts(k, PATCH_SET_ORDER) || patch_starts(k, PATCH_DEL_PRIM))
        return smp_directive_only(orig, patch, c, self, depth, err);
    if (k[0] == '$')
        return 0; /* $retainKeys (done) and unknown directives are not kept */
    if (cJSON_IsNull(c)) {
        cJSON_DeleteItemFromObjectCaseSensitive(orig, k);
        return 0;
    }
    cJSON *o = jfield(orig, k);
    if (o && cJSON_IsObject(o) && cJSON_IsObject(c))
        return smp_map(o, c, k, depth + 1, err);
    if (o && cJSON_IsArray(o) && cJSON_IsArray(c))
        return smp_list(orig, k, self, c, smp_dirs_for(patch, k), depth + 1, err);
    if (!o && cJSON_IsArray(c)) {
        cJSON_AddItemToObject(orig, k, cJSON_CreateArray());
        return smp_list(orig, k, self, c, smp_dirs_for(patch, k), depth + 1, err);
    }
    cJSON *f;
    int rc = smp_fresh(c, k, self, depth + 1, &f, err);
    if (!rc)
        smp_set(orig, k, f);
    return rc;
}

/* mergeMap: orig is the object found under key `self` in its parent. */
static int smp_map(cJSON *orig, const cJSON *patch, const char *self, int depth, char **err)
{
    if (depth > PATCH_MAX_DEPTH)
        return patch_fail(err, 400, "json: exceeded max depth");
    int rc = 0;
    if (smp_map_directive(orig, patch, self, depth, err, &rc))
        return rc;
    rc = smp_retain_keys(orig, patch, err);
    for (const cJSON *c = patch->child; c && !rc; c = c->next)
        rc = smp_key(orig, patch, c, self, depth, err);
    return rc;
}

int patch_strategic(const cJSON *cur, const cJSON *patch, cJSON **out, char **err)
{
    *out = NULL;
    *err = NULL;
    if (!patch || cJSON_IsNull(patch)) {
        *out = cJSON_Duplicate(cur, 1);
        return 0;
    }
    if (!cJSON_IsObject(patch))
        return patch_fail(err, 400,
                          "json: cannot unmarshal %s into Go value of type map[string]interface {}",
                          go_json_type(patch));
    if (!cJSON_IsObject(cur))
        return patch_fail(err, 500, "the current object is not a JSON object");
    cJSON *doc = cJSON_Duplicate(cur, 1);
    int rc = smp_map(doc, patch, "", 0, err);
    if (rc) {
        cJSON_Delete(doc);
        return rc;
    }
    *out = doc;
    return 0;
}
