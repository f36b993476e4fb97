/* crd: apiextensions.k8s.io/v1 CustomResourceDefinitions as apiextensions-apiserver 1.33 treats
 * them (defaults, validation of names, versions and structural schemas, the NamesAccepted and
 * Established conditions), serving their kinds through the registry (model/store/kinds.c) the
 * moment they are stored, and their custom resources' pruning, defaulting and type checks. One
 * served version per CRD: its storage version. Must not parse HTTP; writes to the store only from
 * its controller's timer, never from a listener. */
#define _GNU_SOURCE
#include "crd.h"
#include "json.h"
#include "meta.h"
#include "status.h"
#include "xalloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VPATH 512

static bool streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static char *quoted(const char *s)
{
    cJSON *q = cJSON_CreateString(s ? s : "");
    char *out = jprint(q);
    cJSON_Delete(q);
    return out;
}

/* The version a CRD stores (storage: true), else its first; NULL when it has none. */
static const cJSON *storage_version(const cJSON *crd)
{
    const cJSON *v, *first = NULL;
    cJSON_ArrayForEach(v, jget(crd, "spec.versions")) {
        if (!first)
            first = v;
        if (cJSON_IsTrue(jfield(v, "storage")))
            return v;
    }
    return first;
}

/* ---- the CRD ------------------------------------------------------------------------------- */

void crd_defaults(cJSON *crd)
{
    cJSON *spec = jfield(crd, "spec"), *names = jfield(spec, "names");
    if (!cJSON_IsObject(spec))
        return;
    if (cJSON_IsObject(names) && jstr(names, "kind")) {
        const char *kind = jstr(names, "kind");
        if (!jstr(names, "singular") || !*jstr(names, "singular")) {
            char *low = xstrdup(kind);
            for (char *p = low; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            jset_str(names, "singular", low);
            free(low);
        }
        if ((!jstr(names, "listKind") || !*jstr(names, "listKind")) && *kind) {
            char *lk = xasprintf("%sList", kind);
            jset_str(names, "listKind", lk);
            free(lk);
        }
    }
    if (!cJSON_IsObject(jfield(spec, "conversion")))
        jset_str(jobj(spec, "conversion"), "strategy", "None");
}

static bool dns_label(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

static const char label_msg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

static void v_name_field(cJSON *causes, const cJSON *names, const char *key, bool required)
{
    char field[64];
    snprintf(field, sizeof field, "spec.names.%s", key);
    const char *v = jstr(names, key);
    if (!v || !*v) {
        if (required)
            cause_required(causes, field, NULL);
        return;
    }
    if (!strcmp(key, "kind") || !strcmp(key, "listKind")) {
        bool ok = isalpha((unsigned char)v[0]);
        for (const char *p = v; *p && ok; p++)
            ok = isalnum((unsigned char)*p) || *p == '-';
        if (!ok) {
            char *q = quoted(v);
            cause_invalid(causes, field, q, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?");
            free(q);
        }
        return;
    }
    if (!dns_label(v)) {
        char *q = quoted(v);
        cause_invalid(causes, field, q, label_msg);
        free(q);
    }
}

/* A structural schema: every specified field has a type (or preserves unknown fields, or is an
 * int-or-string). path is the field path of s. */
static void v_structural(cJSON *causes, const cJSON *s, const char *path, int depth)
{
    if (!cJSON_IsObject(s) || depth > 64)
        return;
    const cJSON *p;
    cJSON_ArrayForEach(p, jfield(s, "properties")) {
        char sub[VPATH];
        snprintf(sub, sizeof sub, "%s.properties[%s]", path, p->string);
        if (!jstr(p, "type") && !cJSON_IsTrue(jfield(p, "x-kubernetes-preserve-unknown-fields")) &&
            !cJSON_IsTrue(jfield(p, "x-kubernetes-int-or-string"))) {
            char f[VPATH + 8];
            snprintf(f, sizeof f, "%s.type", sub);
            cause_required(causes, f, "must not be empty for specified object fields");
        }
        v_structural(causes, p, sub, depth + 1);
    }
    const cJSON *items = jfield(s, "items");
    if (cJSON_IsObject(items)) {
        char sub[VPATH];
        snprintf(sub, sizeof sub, "%s.items", path);
        if (!jstr(items, "type") && !cJSON_IsTrue(jfield(items, "x-kubernetes-preserve-unknown-fields")) &&
            !cJSON_IsTrue(jfield(items, "x-kubernetes-int-or-string"))) {
            char f[VPATH + 8];
            snprintf(f, sizeof f, "%s.type", sub);
            cause_required(causes, f, "must not be empty for specified array items");
        }
        v_structural(causes, items, sub, depth + 1);
    }
    const cJSON *ap = jfield(s, "additionalProperties");
    if (cJSON_IsObject(ap)) {
        char sub[VPATH];
        snprintf(sub, sizeof sub, "%s.additionalProperties", path);
        v_structural(causes, ap, sub, depth + 1);
    }
}

static void v_versions(cJSON *causes, const cJSON *spec)
{
    const cJSON *versions = jfield(spec, "versions"), *v;
    if (cJSON_GetArraySize(versions) == 0) {
        cause_invalid(causes, "spec.versions", "null", "must have exactly one version marked as storage version");
        return;
    }
    int i = 0, storage = 0;
    cJSON_ArrayForEach(v, versions) {
        char f[VPATH];
        storage += cJSON_IsTrue(jfield(v, "storage"));
        const char *name = jstr(v, "name");
        if (!name || !*name) {
            snprintf(f, sizeof f, "spec.versions[%d].name", i);
            cause_required(causes, f, NULL);
        } else if (!dns_label(name)) {
            snprintf(f, sizeof f, "spec.versions[%d].name", i);
            char *q = quoted(name);
            cause_invalid(causes, f, q, label_msg);
            free(q);
        }
        const cJSON *schema = jget(v, "schema.openAPIV3Schema");
        snprintf(f, sizeof f, "spec.versions[%d].schema.openAPIV3Schema", i);
        if (!cJSON_IsObject(schema)) {
            cause_required(causes, f, "schemas are required");
        } else {
            const char *type = jstr(schema, "type");
            char ft[VPATH + 8];
            snprintf(ft, sizeof ft, "%s.type", f);
            if (!type || !*type)
                cause_required(causes, ft, "must not be empty at the root");
            else if (strcmp(type, "object")) {
                char *q = quoted(type);
                cause_invalid(causes, ft, q, "must be object at the root");
                free(q);
            }
            v_structural(causes, schema, f, 0);
        }
        i++;
    }
    if (storage != 1) {
        char val[32];
        snprintf(val, sizeof val, "%d", storage);
        cause_invalid(causes, "spec.versions", "[]apiextensions.CustomResourceDefinitionVersion{...}",
                      "must have exactly one version marked as storage version");
    }
}

int crd_validate(const cJSON *crd, const cJSON *old, cJSON *causes)
{
    int before = cJSON_GetArraySize(causes);
    const cJSON *spec = jfield(crd, "spec"), *names = jfield(spec, "names");
    const char *group = jstr(spec, "group"), *plural = jstr(names, "plural"), *name = jstr(crd, "metadata.name");
    if (name && plural && group) {
        char *want = xasprintf("%s.%s", plural, group);
        if (strcmp(name, want)) {
            char *q = quoted(name);
            cause_invalid(causes, "metadata.name", q, "must be spec.names.plural+\".\"+spec.group");
            free(q);
        }
        free(want);
    }
    if (!group || !*group)
        cause_required(causes, "spec.group", NULL);
    else if (!strchr(group, '.')) {
        char *q = quoted(group);
        cause_invalid(causes, "spec.group", q, "should be a domain with at least one dot");
        free(q);
    }
    static const char *const scopes[] = {"Cluster", "Namespaced", NULL};
    const char *scope = jstr(spec, "scope");
    if (!scope || !*scope)
        cause_required(causes, "spec.scope", NULL);
    else if (!streq(scope, "Cluster") && !streq(scope, "Namespaced")) {
        char *q = quoted(scope);
        cause_not_supported(causes, "spec.scope", q, scopes);
        free(q);
    }
    v_name_field(causes, names, "plural", true);
    v_name_field(causes, names, "singular", true);
    v_name_field(causes, names, "kind", true);
    v_name_field(causes, names, "listKind", true);
    v_versions(causes, spec);
    if (old && !streq(jstr(old, "spec.scope"), scope))
        cause_invalid(causes, "spec.scope", "", "field is immutable");
    return cJSON_GetArraySize(causes) - before;
}

static cJSON *condition(const char *type, bool ok, const char *reason, const char *message, const char *when)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", ok ? "True" : "False");
    cJSON_AddStringToObject(c, "lastTransitionTime", when ? when : "");
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", message);
    return c;
}

cJSON *crd_create_status(const cJSON *crd)
{
    const cJSON *names = jget(crd, "spec.names");
    const char *group = jstr(crd, "spec.group"), *plural = jstr(names, "plural");
    const char *when = jstr(crd, "metadata.creationTimestamp");
    const kind_info *taken = group && plural ? kind_by_plural(group, plural) : NULL;
    bool ok = !taken || (taken->custom && streq(taken->crd_name, jstr(crd, "metadata.name")));
    cJSON *st = cJSON_CreateObject();
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    if (ok) {
        cJSON_AddItemToArray(conds, condition("NamesAccepted", true, "NoConflicts", "no conflicts found", when));
        cJSON_AddItemToArray(conds, condition("Established", true, "InitialNamesAccepted",
                                              "the initial names have been accepted", when));
    } else {
        char *msg = xasprintf("\"%s\" is already in use", plural);
        cJSON_AddItemToArray(conds, condition("NamesAccepted", false, "PluralConflict", msg, when));
        cJSON_AddItemToArray(conds, condition("Established", false, "NotAccepted", "not all names are accepted", when));
        free(msg);
    }
    cJSON *accepted = cJSON_AddObjectToObject(st, "acceptedNames");
    if (ok && cJSON_IsObject(names)) {
        static const char *const keys[] = {"plural", "singular", "shortNames", "kind", "listKind", "categories", NULL};
        for (int i = 0; keys[i]; i++)
            if (jfield(names, keys[i]))
                cJSON_AddItemToObject(accepted, keys[i], cJSON_Duplicate(jfield(names, keys[i]), true));
    } else {
        cJSON_AddStringToObject(accepted, "plural", "");
        cJSON_AddStringToObject(accepted, "kind", "");
    }
    cJSON *stored = cJSON_AddArrayToObject(st, "storedVersions");
    const cJSON *sv = storage_version(crd);
    if (sv && jstr(sv, "name"))
        cJSON_AddItemToArray(stored, cJSON_CreateString(jstr(sv, "name")));
    return st;
}

static bool not_established(const cJSON *crd)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(crd, "status.conditions"))
        if (streq(jstr(c, "type"), "Established") && streq(jstr(c, "status"), "False"))
            return true;
    return false;
}

int crd_serve(const cJSON *crd)
{
    const cJSON *names = jget(crd, "spec.names"), *v = storage_version(crd);
    if (!v || !jstr(v, "name") || not_established(crd))
        return -1;
    kind_info t = {0};
    t.kind = jstr(names, "kind");
    t.plural = jstr(names, "plural");
    t.singular = jstr(names, "singular");
    t.list_kind = jstr(names, "listKind");
    t.group = jstr(crd, "spec.group");
    t.version = jstr(v, "name");
    t.namespaced = streq(jstr(crd, "spec.scope"), "Namespaced");
    t.has_status = cJSON_IsObject(jget(v, "subresources.status"));
    t.subs = cJSON_IsObject(jget(v, "subresources.scale")) ? KS_SCALE : 0;
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, jfield(names, "shortNames"))
        if (cJSON_IsString(s) && i < 3)
            t.short_names[i++] = s->valuestring;
    i = 0;
    cJSON_ArrayForEach(s, jfield(names, "categories"))
        if (cJSON_IsString(s) && i < 2)
            t.categories[i++] = s->valuestring;
    t.verbs = KV_ALL;
    t.crd_version = v;
    t.crd_name = jstr(crd, "metadata.name");
    if (!t.kind || !t.plural || !t.group || !*t.kind || !*t.plural)
        return -1;
    return kind_register(&t);
}

/* The custom row a CRD (by name) serves, -1 when none. */
static int row_of(const char *crd_name)
{
    for (int k = K_STATIC_COUNT; k < kind_count(); k++)
        if (kind_get(k)->served && streq(kind_get(k)->crd_name, crd_name))
            return k;
    return -1;
}

void crd_reconcile(cluster *c)
{
    for (int k = K_STATIC_COUNT; k < kind_count(); k++) {
        const kind_info *ki = kind_get(k);
        if (ki->served && !store_get(c->st, K_CRD, NULL, ki->crd_name))
            kind_withdraw(k);
    }
}

/* ---- custom resources ------------------------------------------------------------------------ */

static const cJSON *schema_of(kind_id k)
{
    const kind_info *ki = kind_get(k);
    return ki && ki->custom ? jget(ki->crd_version, "schema.openAPIV3Schema") : NULL;
}

/* Prune fields the schema does not specify and apply its defaults, below obj. */
static void prune_default(cJSON *obj, const cJSON *s, bool root, int depth)
{
    if (!cJSON_IsObject(s) || depth > 64)
        return;
    if (cJSON_IsArray(obj)) {
        cJSON *it;
        cJSON_ArrayForEach(it, obj)
            prune_default(it, jfield(s, "items"), false, depth + 1);
        return;
    }
    if (!cJSON_IsObject(obj))
        return;
    const cJSON *props = jfield(s, "properties"), *ap = jfield(s, "additionalProperties");
    bool keep = cJSON_IsTrue(jfield(s, "x-kubernetes-preserve-unknown-fields")) || cJSON_IsTrue(ap);
    bool typed_map = cJSON_IsObject(ap);
    cJSON *m = obj->child;
    while (m) {
        cJSON *next = m->next;
        bool meta = root && (!strcmp(m->string, "apiVersion") || !strcmp(m->string, "kind") ||
                             !strcmp(m->string, "metadata"));
        const cJSON *ps = jfield(props, m->string);
        if (meta)
            ;
        else if (ps)
            prune_default(m, ps, false, depth + 1);
        else if (typed_map)
            prune_default(m, ap, false, depth + 1);
        else if (!keep && (props || jstr(s, "type")))
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, m));
        m = next;
    }
    const cJSON *p;
    cJSON_ArrayForEach(p, props) {
        const cJSON *d = jfield(p, "default");
        if (d && !jfield(obj, p->string)) {
            cJSON *copy = cJSON_Duplicate(d, true);
            cJSON_AddItemToObject(obj, p->string, copy);
            prune_default(copy, p, false, depth + 1);
        }
    }
}

void crd_cr_defaults(kind_id k, cJSON *obj)
{
    const cJSON *s = schema_of(k);
    if (s)
        prune_default(obj, s, true, 0);
}

static const char *json_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNumber(v))
        return v->valuedouble == (double)(long long)v->valuedouble ? "integer" : "number";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "null";
}

static bool type_ok(const char *want, const cJSON *v, const cJSON *s)
{
    const char *got = json_type(v);
    if (cJSON_IsTrue(jfield(s, "x-kubernetes-int-or-string")))
        return !strcmp(got, "string") || !strcmp(got, "integer");
    if (cJSON_IsNull(v))
        return cJSON_IsTrue(jfield(s, "nullable"));
    return !strcmp(want, got) || (!strcmp(want, "number") && !strcmp(got, "integer"));
}

static void cr_check(cJSON *causes, const cJSON *v, const cJSON *s, const char *path, int depth)
{
    if (!cJSON_IsObject(s) || depth > 64)
        return;
    const char *type = jstr(s, "type");
    if (type && *type && !type_ok(type, v, s)) {
        char *q = quoted(json_type(v));
        char *msg = xasprintf("%s in body must be of type %s: %s", path, type, q);
        cJSON *c = cJSON_CreateObject();
        char *text = xasprintf("Invalid value: %s: %s", q, msg);
        cJSON_AddStringToObject(c, "reason", "FieldValueInvalid");
        cJSON_AddStringToObject(c, "message", text);
        cJSON_AddStringToObject(c, "field", path);
        cJSON_AddItemToArray(causes, c);
        free(q), free(msg), free(text);
        return;
    }
    const cJSON *e = jfield(s, "enum");
    if (cJSON_IsArray(e) && cJSON_GetArraySize(e) && !cJSON_IsNull(v)) {
        bool found = false;
        const cJSON *x;
        cJSON_ArrayForEach(x, e)
            found |= jequal(x, v);
        if (!found) {
            const char *sup[64];
            int n = 0;
            char *strs[64];
            cJSON_ArrayForEach(x, e)
                if (n < 63) {
                    strs[n] = cJSON_IsString(x) ? xstrdup(x->valuestring) : jprint(x);
                    sup[n] = strs[n];
                    n++;
                }
            sup[n] = NULL;
            char *q = jprint(v);
            cause_not_supported(causes, path, q, sup);
            free(q);
            for (int i = 0; i < n; i++)
                free(strs[i]);
        }
    }
    if (cJSON_IsObject(v)) {
        const cJSON *r;
        cJSON_ArrayForEach(r, jfield(s, "required"))
            if (cJSON_IsString(r) && !jfield(v, r->valuestring)) {
                char *f = xasprintf("%s%s%s", path, *path ? "." : "", r->valuestring);
                cause_required(causes, f, NULL);
                free(f);
            }
        const cJSON *m;
        cJSON_ArrayForEach(m, v) {
            const cJSON *ps = jfield(jfield(s, "properties"), m->string);
            if (!ps && cJSON_IsObject(jfield(s, "additionalProperties")))
                ps = jfield(s, "additionalProperties");
            if (!ps || (depth == 0 && (!strcmp(m->string, "metadata") || !strcmp(m->string, "apiVersion") ||
                                       !strcmp(m->string, "kind"))))
                continue;
            char *f = xasprintf("%s%s%s", path, *path ? "." : "", m->string);
            cr_check(causes, m, ps, f, depth + 1);
            free(f);
        }
    } else if (cJSON_IsArray(v) && cJSON_IsObject(jfield(s, "items"))) {
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, v) {
            char *f = xasprintf("%s[%d]", path, i++);
            cr_check(causes, it, jfield(s, "items"), f, depth + 1);
            free(f);
        }
    }
}

int crd_cr_validate(kind_id k, const cJSON *obj, cJSON *causes)
{
    int before = cJSON_GetArraySize(causes);
    const cJSON *s = schema_of(k);
    if (s)
        cr_check(causes, obj, s, "", 0);
    return cJSON_GetArraySize(causes) - before;
}

/* ".spec.replicas" → "spec.replicas" */
static bool dotted(const char *jsonpath, char *out, size_t n)
{
    if (!jsonpath || jsonpath[0] != '.' || strlen(jsonpath) >= n)
        return false;
    snprintf(out, n, "%s", jsonpath + 1);
    return true;
}

bool crd_scale_paths(kind_id k, char *spec, char *status, char *selector, size_t n)
{
    const kind_info *ki = kind_get(k);
    const cJSON *sc = ki && ki->custom ? jget(ki->crd_version, "subresources.scale") : NULL;
    if (!sc)
        return false;
    if (!dotted(jstr(sc, "specReplicasPath"), spec, n) || !dotted(jstr(sc, "statusReplicasPath"), status, n))
        return false;
    if (!dotted(jstr(sc, "labelSelectorPath"), selector, n))
        selector[0] = 0;
    return true;
}

/* ---- the controller -------------------------------------------------------------------------- */

typedef struct {
    cluster *c;
    int pending[64]; /* withdrawn kinds whose objects are still to go */
    int npending;
    bool queued;
} crdctl;

static void cleanup(void *ctx, uint64_t id)
{
    crdctl *cc = ctx;
    if (!id)
        return; /* the clock is going: cc may be already */
    cc->queued = false;
    for (int i = 0; i < cc->npending; i++) {
        int k = cc->pending[i];
        if (kind_get(k)->served)
            continue; /* served again meanwhile: its objects are its own again */
        size_t n;
        store_obj **all = store_list(cc->c->st, k, NULL, &n);
        for (size_t j = 0; j < n; j++)
            store_remove(cc->c->st, all[j]);
        free(all);
    }
    cc->npending = 0;
}

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    (void)old;
    crdctl *cc = ctx;
    if (o->kind != K_CRD)
        return;
    if (ev != STORE_DELETED) {
        crd_serve(store_doc(o));
        return;
    }
    int k = row_of(o->name);
    if (k < 0)
        return;
    kind_withdraw(k);
    if (cc->npending < 64)
        cc->pending[cc->npending++] = k;
    if (!cc->queued) {
        cc->queued = true;
        clock_at(cc->c->clk, cluster_now(cc->c), cleanup, cc);
    }
}

static void *attach(cluster *c)
{
    crdctl *cc = xcalloc(1, sizeof *cc);
    cc->c = c;
    store_listen(c->st, on_change, cc);
    return cc;
}

static void reset(void *state)
{
    crdctl *cc = state;
    crd_reconcile(cc->c);
}

static void detach(void *state)
{
    free(state);
}

const controller_ops crd_controller = {.name = "customresourcedefinitions", .attach = attach, .reset = reset,
                                       .free = detach};
