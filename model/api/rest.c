/* rest: generic verbs with kube-apiserver 1.33 rules (metadata, optimistic
 * concurrency, dry-run, graceful deletion, finalizers, status subresource).
 * Must not parse HTTP and must not know eviction or controller semantics. */
#define _GNU_SOURCE
#include "rest.h"
#include "gated.h"
#include "xalloc.h"
#include "pod.h"
#include "defaults.h"
#include "shape.h"
#include "listopts.h"
#include "fieldval.h"
#include "json.h"
#include "manifest.h"
#include "meta.h"
#include "patch.h"
#include "generic.h"
#include "registry.h"
#include "selector.h"
#include "decode.h"
#include "validate.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dry_run_values[] = {"All", NULL};

/* ---- decoding ---------------------------------------------------------- */

/* Go's quoteChar, for decode errors: strconv.Quote of the byte as a rune,
 * in single quotes ('x', '\'', '"', '\x00', '\a', 'ÿ', '\u0085'). */
static const char *json_quote_char(unsigned char ch, char buf[16])
{
    static const char esc[] = {['\a'] = 'a', ['\b'] = 'b', ['\f'] = 'f', ['\v'] = 'v', ['\t'] = 't',
                               ['\n'] = 'n', ['\r'] = 'r'};
    if (ch == '\'')
        snprintf(buf, 16, "'\\''");
    else if (ch == '\\')
        snprintf(buf, 16, "'\\\\'");
    else if (ch >= 0x20 && ch < 0x7f)
        snprintf(buf, 16, "'%c'", ch);
    else if (ch < sizeof esc && esc[ch])
        snprintf(buf, 16, "'\\%c'", esc[ch]);
    else if (ch >= 0xa0 && ch != 0xad) /* printable Latin-1: the rune itself, in UTF-8 */
        snprintf(buf, 16, "'%c%c'", 0xc0 | ch >> 6, 0x80 | (ch & 0x3f));
    else if (ch >= 0x80)
        snprintf(buf, 16, "'\\u%04x'", ch);
    else
        snprintf(buf, 16, "'\\x%02x'", ch);
    return buf;
}

/* A NUL inside a JSON string: 1 raw (invalid JSON), 2 as \u0000 (valid, but
 * cJSON would cut the string there: not what was sent), else 0. */
static int json_string_nul(const char *s, size_t len)
{
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        if (!in) {
            in = s[i] == '"';
            continue;
        }
        if (s[i] == 0)
            return 1;
        if (s[i] == '"')
            in = false;
        else if (s[i] == '\\' && i + 1 < len) {
            if (s[i + 1] == 'u' && i + 5 < len && !memcmp(s + i + 2, "0000", 4))
                return 2;
            i++;
        }
    }
    return 0;
}

cJSON *rest_decode_body(body_type t, const char *body, size_t len, cJSON **st)
{
    char *err = NULL;
    cJSON *doc = NULL;
    if (!body || !len) {
        *st = status_bad_request("the body of the request was empty");
        return NULL;
    }
    if (t == BODY_YAML || t == BODY_APPLY_PATCH) {
        doc = manifest_parse_one(body, len, &err);
        if (!doc) {
            *st = status_failuref(400, "BadRequest", "error decoding YAML: %s", err ? err : "invalid");
            free(err);
            return NULL;
        }
        return doc;
    }
    const char *end = NULL;
    char bad[16];
    int nul = json_string_nul(body, len);
    if (nul) {
        *st = status_bad_request(nul == 1 ? "couldn't get version/kind; json parse error: invalid character '\\x00' in string literal"
                                          : "couldn't get version/kind; json parse error: \\u0000 in a string is not supported");
        return NULL;
    }
    doc = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (!doc) {
        size_t off = end ? (size_t)(end - body) : 0;
        *st = status_failuref(400, "BadRequest",
                              "couldn't get version/kind; json parse error: invalid JSON at offset %zu", off);
        return NULL;
    }
    while (end < body + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end < body + len) {
        cJSON_Delete(doc);
        *st = status_failuref(400, "BadRequest",
                              "couldn't get version/kind; json parse error: invalid character %s after top-level value",
                              json_quote_char((unsigned char)*end, bad));
        return NULL;
    }
    return doc;
}

cJSON *rest_check_dry_run(const char *raw, const char *kind, bool *dry)
{
    *dry = false;
    if (!raw)
        return NULL;
    if (!strcmp(raw, "All")) {
        *dry = true;
        return NULL;
    }
    char val[512];
    snprintf(val, sizeof val, "[]string{\"%s\"}", raw);
    cJSON *causes = cJSON_CreateArray();
    cause_not_supported(causes, "dryRun", val, dry_run_values);
    return status_invalid(kind, "meta.k8s.io", "", causes);
}

/* ---- namespace admission ---------------------------------------------- */

static bool ns_terminating(const store_obj *ns)
{
    const char *phase = jstr(store_doc(ns), "status.phase");
    return phase && !strcmp(phase, "Terminating");
}

cJSON *rest_namespace_admission(cluster *c, kind_id k, const char *ns, const char *name)
{
    if (!kind_get(k)->namespaced)
        return NULL;
    store_obj *n = store_get(c->st, K_NAMESPACE, NULL, ns);
    if (!n)
        return status_not_found(K_NAMESPACE, ns);
    if (!ns_terminating(n))
        return NULL;
    const kind_info *ki = kind_get(k);
    cJSON *st = status_failuref(403, "Forbidden",
        "%s \"%s\" is forbidden: unable to create new content in namespace %s because it is being terminated",
        kind_qualified(k), name, ns);
    status_details(st, name, ki->group, ki->plural);
    char msg[320];
    snprintf(msg, sizeof msg, "namespace %s is being terminated", ns);
    status_add_cause(st, "NamespaceTerminating", msg, "metadata.namespace");
    return st;
}

/* ---- shared checks ---------------------------------------------------- */

/* apiVersion/kind of a body against the endpoint; fills them when absent. */
static cJSON *check_type(kind_id k, cJSON *doc)
{
    const kind_info *ki = kind_get(k);
    if (!cJSON_IsObject(doc))
        return status_bad_request("the object provided is unrecognized: expected a JSON object");
    const char *av = jstr(doc, "apiVersion"), *kind = jstr(doc, "kind");
    if (av && *av && strcmp(av, ki->api_version))
        return status_failuref(400, "BadRequest",
                               "the API version in the data (%s) does not match the expected API version (%s)",
                               av, ki->api_version);
    if (kind && *kind && strcmp(kind, ki->kind))
        return status_failuref(400, "BadRequest",
                               "%s in version \"%s\" cannot be handled as a %s: no kind \"%s\" is registered for version \"%s\" in scheme \"evictsim\"",
                               ki->kind, ki->version, ki->kind, kind, ki->api_version);
    char *derr = decode_check(k, doc);
    if (derr) {
        cJSON *st = status_bad_request(derr);
        free(derr);
        return st;
    }
    /* keep kind and apiVersion first, as the real server serialises them */
    jdel(doc, "kind");
    jdel(doc, "apiVersion");
    cJSON_AddItemToArray(doc, cJSON_CreateString(ki->api_version));
    cJSON *a = cJSON_DetachItemFromArray(doc, cJSON_GetArraySize(doc) - 1);
    a->string = xstrdup("apiVersion");
    cJSON_InsertItemInArray(doc, 0, a);
    cJSON *kk = cJSON_CreateString(ki->kind);
    kk->string = xstrdup("kind");
    cJSON_InsertItemInArray(doc, 0, kk);
    if (!cJSON_IsObject(cJSON_GetObjectItem(doc, "metadata")))
        jset(doc, "metadata", cJSON_CreateObject());
    return NULL;
}

static cJSON *check_namespace(kind_id k, cJSON *doc, const char *url_ns)
{
    cJSON *md = jobj(doc, "metadata");
    if (!kind_get(k)->namespaced) {
        jdel(md, "namespace");
        return NULL;
    }
    const char *ns = jstr(md, "namespace");
    if (ns && *ns && url_ns && strcmp(ns, url_ns))
        return status_bad_request("the namespace of the provided object does not match the namespace sent on the request");
    jset_str(md, "namespace", url_ns ? url_ns : "default");
    return NULL;
}

static cJSON *invalid(kind_id k, const char *name, cJSON *causes)
{
    const kind_info *ki = kind_get(k);
    return status_invalid(ki->kind, ki->group, name ? name : "", causes);
}

static cJSON *copy(const store_obj *o)
{
    return cJSON_Duplicate(store_doc(o), true);
}

/* ---- get and list ------------------------------------------------------ */

static void do_get(cluster *c, const rest_req *rq, api_result *out)
{
    store_obj *o = store_get(c->st, rq->kind, rq->ns, rq->name);
    if (!o)
        api_result_status(out, status_not_found(rq->kind, rq->name));
    else
        api_result_object(out, 200, copy(o));
}

cJSON *rest_list_doc(cluster *c, kind_id k, store_obj **objs, size_t n)
{
    const kind_info *ki = kind_get(k);
    cJSON *list = cJSON_CreateObject();
    char buf[64];
    snprintf(buf, sizeof buf, "%sList", ki->kind);
    cJSON_AddStringToObject(list, "kind", buf);
    cJSON_AddStringToObject(list, "apiVersion", ki->api_version);
    cJSON *md = cJSON_AddObjectToObject(list, "metadata");
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)store_rv(c->st));
    cJSON_AddStringToObject(md, "resourceVersion", buf);
    cJSON *items = cJSON_AddArrayToObject(list, "items");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, meta_list_item(store_doc(objs[i])));
    return list;
}

/* Objects of rq->kind matching rq's selectors; NULL + *st on a bad selector. */
static const cJSON *obj_field(const void *o, const char *path)
{
    return store_get_path(o, path);
}

static store_obj **select_objects(cluster *c, const rest_req *rq, size_t *n, cJSON **st)
{
    char *err = NULL;
    labelsel *ls = NULL;
    fieldsel *fs = NULL;
    *st = NULL;
    if (rq->label_selector && !(ls = labelsel_parse(rq->label_selector, &err))) {
        *st = status_bad_request(err ? err : "invalid label selector");
        free(err);
        return NULL;
    }
    if (rq->field_selector && !(fs = fieldsel_parse(rq->field_selector, kind_get(rq->kind)->plural, &err))) {
        *st = status_bad_request(err ? err : "invalid field selector");
        free(err);
        labelsel_free(ls);
        return NULL;
    }
    size_t total, kept = 0;
    store_obj **all = store_list(c->st, rq->kind, rq->ns, &total);
    for (size_t i = 0; i < total; i++) { /* selectors read fields: no tree is built for that */
        if (ls && !labelsel_matches_get(ls, store_label, all[i]))
            continue;
        if (fs && !fieldsel_matches_get(fs, obj_field, all[i]))
            continue;
        all[kept++] = all[i];
    }
    labelsel_free(ls);
    fieldsel_free(fs);
    *n = kept;
    return all;
}

/* Is o after the key a continue token starts from (its name within a
 * namespace's list, namespace/name across namespaces), in list order? */
static bool after_key(const store_obj *o, const char *start, bool in_ns)
{
    const char *slash = in_ns || !*o->ns ? NULL : strchr(start, '/');
    if (slash) {
        size_t nl = (size_t)(slash - start);
        int c = strncmp(o->ns, start, nl);
        if (c || o->ns[nl])
            return c > 0 || (!c && o->ns[nl]);
        return strcmp(o->name, slash + 1) > 0;
    }
    return strcmp(in_ns || !*o->ns ? o->name : o->key, start) > 0;
}

/* A page of a list (limit, continue) as the etcd3 store pages it: the
 * items after the token's key, the token's resourceVersion, and a new
 * token (with remainingItemCount when no selector filtered) when more
 * are left. */
static void do_list(cluster *c, const rest_req *rq, api_result *out)
{
    uint64_t rv = 0;
    char *start = NULL;
    cJSON *st = rq->cont && *rq->cont ? listopts_continue_decode(rq->cont, &rv, &start) : NULL;
    size_t n;
    store_obj **objs = st ? NULL : select_objects(c, rq, &n, &st);
    if (!objs) {
        free(start);
        api_result_status(out, st);
        return;
    }
    size_t from = 0;
    while (start && from < n && !after_key(objs[from], start, rq->ns != NULL))
        from++;
    size_t count = n - from;
    bool more = rq->limit > 0 && (unsigned long long)rq->limit < count;
    if (more)
        count = (size_t)rq->limit;
    cJSON *list = rest_list_doc(c, rq->kind, objs + from, count);
    cJSON *md = jobj(list, "metadata");
    if (start) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)rv);
        jset_str(md, "resourceVersion", buf);
    } else {
        rv = store_rv(c->st);
    }
    if (more) {
        const store_obj *last = objs[from + count - 1];
        char *tok = listopts_continue_encode(rv, rq->ns || !*last->ns ? last->name : last->key);
        jset_str(md, "continue", tok);
        free(tok);
        if (!rq->label_selector && !rq->field_selector)
            jset_num(md, "remainingItemCount", (double)(n - from - count));
    }
    api_result_object(out, 200, list);
    free(start);
    free(objs);
}

/* ---- create ------------------------------------------------------------ */

/* Metadata the server owns on create. */
static void prepare_create(cluster *c, kind_id k, cJSON *doc)
{
    cJSON *md = jobj(doc, "metadata");
    char uid[40];
    meta_uuid(uid);
    jset_str(md, "uid", uid);
    meta_set_time(md, "creationTimestamp", cluster_now(c));
    jdel(md, "resourceVersion");
    jdel(md, "deletionTimestamp");
    jdel(md, "deletionGracePeriodSeconds");
    jdel(md, "selfLink");
    if (meta_has_generation(k))
        jset_num(md, "generation", 1);
    else
        jdel(md, "generation");
    gated_drop_disabled(&c->opts.kv, k, doc, NULL);
    defaults_apply(k, doc);
    generic_prepare_create(k, doc);
    cJSON *status = defaults_create_status(k, doc);
    if (status)
        jset(doc, "status", status);
}

/* Name from metadata.name or generateName; a Status on failure. */
static cJSON *settle_name(kind_id k, cJSON *doc)
{
    cJSON *md = jobj(doc, "metadata");
    const char *name = jstr(md, "name");
    const char *gen = jstr(md, "generateName");
    if ((!name || !*name) && gen && *gen) {
        char *n = meta_generate_name(gen);
        jset_str(md, "name", n);
        free(n);
        return NULL;
    }
    if (!name || !*name) {
        cJSON *causes = cJSON_CreateArray();
        cause_required(causes, "metadata.name", "name or generateName is required");
        return invalid(k, "", causes);
    }
    return NULL;
}

/* Validate, check existence and store (unless dry); answers 201. */
static void create_doc(cluster *c, kind_id k, cJSON *doc, bool dry, api_result *out)
{
    cJSON *st = settle_name(k, doc);
    const char *ns = jstr(doc, "metadata.namespace");
    if (!st)
        st = rest_namespace_admission(c, k, ns, jstr(doc, "metadata.name"));
    if (!st && k == K_POD)
        st = registry_admit_pod(c, doc);
    if (!st) {
        prepare_create(c, k, doc);
        cJSON *causes = cJSON_CreateArray();
        if (validate_object(k, doc, NULL, causes))
            st = invalid(k, jstr(doc, "metadata.name"), causes);
        else
            cJSON_Delete(causes);
    }
    if (!st && store_get(c->st, k, ns, jstr(doc, "metadata.name")))
        st = status_already_exists(k, jstr(doc, "metadata.name"));
    if (st) {
        cJSON_Delete(doc);
        api_result_status(out, st);
        return;
    }
    shape_apply(doc, kv_minor(&c->opts.kv));
    if (dry) {
        api_result_object(out, 201, doc);
        return;
    }
    store_obj *o = store_insert(c->st, k, doc);
    api_result_object(out, 201, copy(o));
}

/* A JSON body's unknown and repeated fields, as fieldValidation says
 * (fieldval.h). Called after check_type: a type error or a body of another
 * kind wins over the strict errors, as the decoder returns its own first. */
static cJSON *strict_errors(const rest_req *rq, cJSON *doc, api_result *out)
{
    const kind_info *ki = kind_get(rq->kind);
    if (!doc || rq->body_type != BODY_JSON)
        return NULL;
    return fieldval_check(doc, rq->field_validation, ki->group, ki->version, ki->kind, FV_BODY, NULL, out);
}

static void do_create(cluster *c, const rest_req *rq, bool dry, api_result *out)
{
    cJSON *st = NULL;
    cJSON *doc = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st);
    if (doc && !(st = check_type(rq->kind, doc)) && !(st = strict_errors(rq, doc, out)))
        st = check_namespace(rq->kind, doc, rq->ns);
    if (st) {
        cJSON_Delete(doc);
        api_result_status(out, st);
        return;
    }
    create_doc(c, rq->kind, doc, dry, out);
}

/* ---- update ------------------------------------------------------------ */

static bool has_finalizers(const cJSON *doc)
{
    return cJSON_GetArraySize(jget(doc, "metadata.finalizers")) > 0;
}

static bool is_deleting(const cJSON *doc)
{
    return jstr(doc, "metadata.deletionTimestamp") != NULL;
}

static void ns_finalize_later(cluster *c, const char *ns);

void rest_write(cluster *c, store_obj *o, cJSON *doc)
{
    bool finished = is_deleting(doc) && !has_finalizers(doc) &&
                    (o->kind != K_POD || jnum(doc, "metadata.deletionGracePeriodSeconds", 0) == 0);
    shape_apply(doc, kv_minor(&c->opts.kv));
    if (!finished && jequal(doc, store_doc(o))) { /* no change: no write, as GuaranteedUpdate */
        cJSON_Delete(doc);
        return;
    }
    store_replace(c->st, o, doc);
    if (finished) {
        char *ns = *o->ns ? xstrdup(o->ns) : NULL;
        store_remove(c->st, o);
        if (ns)
            ns_finalize_later(c, ns);
        free(ns);
    }
}

/* The member at path of doc (the first of each key), or NULL. */
static cJSON *path_member(cJSON *doc, const char *path)
{
    cJSON *cur = doc;
    while (cur && (cur->type & 0xFF) == cJSON_Object) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        cJSON *m = cur->child;
        while (m && (!m->string || strncmp(m->string, path, n) || m->string[n]))
            m = m->next;
        if (!dot)
            return m;
        cur = m;
        path = dot + 1;
    }
    return NULL;
}

/* jset at a dotted path of d, making the objects on the way (jobj). */
static void set_path(cJSON *d, const char *path, cJSON *v)
{
    const char *dot;
    for (; (dot = strchr(path, '.')); path = dot + 1) {
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
        d = jobj(d, key);
    }
    jset(d, path, v);
}

void rest_write_paths(cluster *c, store_obj *o, store_change *ch, size_t n)
{
    cJSON *doc = store_doc(o);
    int minor = kv_minor(&c->opts.kv);
    /* a write that finishes a deletion goes the whole way (rest_write); the
     * paths leave metadata as it is, so it does when the document does */
    bool quick = !(is_deleting(doc) && !has_finalizers(doc) &&
                   (o->kind != K_POD || jnum(doc, "metadata.deletionGracePeriodSeconds", 0) == 0));
    for (size_t i = 0; i < n && quick; i++)
        quick = strncmp(ch[i].path, "metadata", 8) && strcmp(ch[i].path, "kind") && strcmp(ch[i].path, "apiVersion") &&
                shape_apply_at(doc, ch[i].path, ch[i].v, minor);
    if (quick) {
        bool same = true; /* no change: no write, as GuaranteedUpdate */
        for (size_t i = 0; i < n && same; i++)
            same = jequal(path_member(doc, ch[i].path), ch[i].v);
        if (same) {
            for (size_t i = 0; i < n; i++)
                cJSON_Delete(ch[i].v);
            return;
        }
        if (store_replace_paths(c->st, o, ch, n)) {
            if (store_checking(c->st)) { /* the whole document was shaped already */
                cJSON *d = cJSON_Duplicate(store_doc(o), true);
                shape_apply(d, minor);
                if (!jequal(d, store_doc(o))) {
                    fprintf(stderr, "evictsim: rest_write_paths: %s/%s was not shaped\n", kind_get(o->kind)->plural,
                            o->key);
                    abort();
                }
                cJSON_Delete(d);
            }
            return;
        }
    }
    cJSON *d = cJSON_Duplicate(doc, true);
    for (size_t i = 0; i < n; i++)
        set_path(d, ch[i].path, ch[i].v);
    rest_write(c, o, d);
}

void rest_write_path(cluster *c, store_obj *o, const char *path, cJSON *v)
{
    rest_write_paths(c, o, &(store_change){path, v}, 1);
}

cJSON *rest_edit_begin(store_obj *o, const char *key)
{
    const cJSON *doc = store_doc(o), *m = jfield(doc, key);
    if (!cJSON_IsObject(m)) /* none to copy: the whole document is */
        return cJSON_Duplicate(doc, true);
    cJSON *e = cJSON_CreateObject();
    e->valueint = 1; /* a view (rest_edit_write) */
    for (const cJSON *x = doc->child; x; x = x->next)
        cJSON_AddItemToObjectCS(e, x->string, x == m ? cJSON_Duplicate(x, true) : jview(x));
    return e;
}

void rest_edit_write(cluster *c, store_obj *o, cJSON *edit, const char *key, store_change *more, size_t nmore)
{
    if (edit->valueint != 1) {
        for (size_t i = 0; i < nmore; i++)
            set_path(edit, more[i].path, more[i].v);
        rest_write(c, o, edit);
        return;
    }
    store_change buf[8], *ch = nmore < 8 ? buf : xmalloc((nmore + 1) * sizeof *ch);
    ch[0] = (store_change){key, cJSON_DetachItemViaPointer(edit, jfield(edit, key))};
    cJSON_Delete(edit);
    for (size_t i = 0; i < nmore; i++)
        ch[i + 1] = more[i];
    rest_write_paths(c, o, ch, nmore + 1);
    if (ch != buf)
        free(ch);
}

/* Carry over what a client may not change on update. */
static void keep_server_fields(kind_id k, const cJSON *old, cJSON *doc, bool status_write)
{
    cJSON *md = jobj(doc, "metadata");
    static const char *const kept[] = {"uid", "creationTimestamp", "deletionTimestamp",
                                       "deletionGracePeriodSeconds", "generation", NULL};
    for (int i = 0; kept[i]; i++) {
        cJSON *v = jget(old, "metadata");
        v = jfield(v, kept[i]);
        if (v)
            jset(md, kept[i], cJSON_Duplicate(v, true));
        else
            jdel(md, kept[i]);
    }
    cJSON *old_status = jfield(old, "status");
    if (!status_write || !kind_get(k)->has_status) {
        if (kind_get(k)->has_status) {
            if (old_status)
                jset(doc, "status", cJSON_Duplicate(old_status, true));
            else
                jdel(doc, "status");
        }
    }
    if (meta_has_generation(k) && !status_write && meta_spec_changed(old, doc))
        jset_num(md, "generation", jnum(old, "metadata.generation", 0) + 1);
}

/* doc (taken) replaces o after the update rules; answers 200. */
static void update_doc(cluster *c, store_obj *o, cJSON *doc, bool status_write, bool dry, api_result *out)
{
    kind_id k = o->kind;
    const char *rv = jstr(doc, "metadata.resourceVersion");
    if (rv && *rv && strcmp(rv, jstr(store_doc(o), "metadata.resourceVersion"))) {
        cJSON_Delete(doc);
        api_result_status(out, status_conflict_modified(k, o->name));
        return;
    }
    if (status_write) {
        cJSON *status = cJSON_DetachItemFromObjectCaseSensitive(doc, "status");
        cJSON_Delete(doc);
        doc = copy(o);
        if (status)
            jset(doc, "status", status);
    } else {
        keep_server_fields(k, store_doc(o), doc, false);
        gated_drop_disabled(&c->opts.kv, k, doc, store_doc(o));
        defaults_apply(k, doc);
    }
    cJSON *causes = cJSON_CreateArray();
    int bad = status_write ? validate_status(k, doc, causes) : validate_object(k, doc, store_doc(o), causes);
    if (bad) {
        cJSON_Delete(doc);
        api_result_status(out, invalid(k, o->name, causes));
        return;
    }
    cJSON_Delete(causes);
    shape_apply(doc, kv_minor(&c->opts.kv));
    jset_str(jobj(doc, "metadata"), "resourceVersion", jstr(store_doc(o), "metadata.resourceVersion"));
    if (dry || jequal(doc, store_doc(o))) {
        api_result_object(out, 200, dry ? doc : (cJSON_Delete(doc), copy(o)));
        return;
    }
    cJSON *answer = cJSON_Duplicate(doc, true);
    char *ns = xstrdup(o->ns);
    rest_write(c, o, doc); /* o may be gone now (a deletion its finalizers held ended) */
    /* the stored RV is the one written; refresh the answer's */
    store_obj *now = store_get(c->st, k, ns[0] ? ns : NULL, jstr(answer, "metadata.name"));
    free(ns);
    if (now) {
        cJSON_Delete(answer);
        answer = copy(now);
    }
    api_result_object(out, 200, answer);
}

static void do_update(cluster *c, const rest_req *rq, bool dry, api_result *out)
{
    cJSON *st = NULL;
    cJSON *doc = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st);
    if (doc && !(st = check_type(rq->kind, doc)) && !(st = strict_errors(rq, doc, out)))
        st = check_namespace(rq->kind, doc, rq->ns);
    const char *name = doc ? jstr(doc, "metadata.name") : NULL;
    if (!st && (!name || strcmp(name, rq->name)))
        st = status_failuref(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)",
                             name ? name : "", rq->name);
    store_obj *o = st ? NULL : store_get(c->st, rq->kind, rq->ns, rq->name);
    if (!st && !o)
        st = status_not_found(rq->kind, rq->name);
    if (st) {
        cJSON_Delete(doc);
        api_result_status(out, st);
        return;
    }
    update_doc(c, o, doc, rq->status, dry, out);
}

/* ---- patch ------------------------------------------------------------- */

static const char patch_types[] =
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
    "application/strategic-merge-patch+json";

/* Server-side apply, simplified: the applied configuration is merged into
 * the live object (maps merged, lists keyed as their patchMergeKey says merged
 * by key, other lists replaced: a strategic merge); missing objects are created. */
static void do_apply(cluster *c, const rest_req *rq, cJSON *patch, bool dry, api_result *out)
{
    cJSON *st = check_type(rq->kind, patch);
    if (!st)
        st = check_namespace(rq->kind, patch, rq->ns);
    const char *name = st ? NULL : jstr(patch, "metadata.name");
    if (!st && (!name || strcmp(name, rq->name)))
        st = status_failuref(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)",
                             name ? name : "", rq->name);
    if (!st && !rq->field_manager)
        st = status_failure(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                                            "is required for apply patch");
    if (st) {
        cJSON_Delete(patch);
        api_result_status(out, st);
        return;
    }
    store_obj *o = store_get(c->st, rq->kind, rq->ns, rq->name);
    if (!o) {
        create_doc(c, rq->kind, patch, dry, out);
        return;
    }
    cJSON *merged = NULL;
    char *err = NULL;
    int code = patch_strategic(store_doc(o), patch, &merged, &err);
    cJSON_Delete(patch);
    if (code) {
        api_result_status(out, status_failure(code, code == 422 ? "Invalid" : "BadRequest", err));
        free(err);
        return;
    }
    jdel(jobj(merged, "metadata"), "resourceVersion");
    update_doc(c, o, merged, rq->status, dry, out);
}

rest_patch_fn rest_patch_function(body_type t)
{
    switch (t) {
    case BODY_MERGE_PATCH: return patch_merge;
    case BODY_JSON_PATCH: return patch_json;
    case BODY_STRATEGIC_PATCH: return patch_strategic;
    default: return NULL;
    }
}

cJSON *rest_patch_error(int code, const char *err)
{
    const char *reason = code == 422   ? "Invalid"
                         : code == 409 ? "Conflict"
                         : code == 413 ? "RequestEntityTooLarge"
                         : code == 500 ? ""
                                       : "BadRequest";
    return status_failure(code, reason, err ? err : "invalid patch");
}

static void do_patch(cluster *c, const rest_req *rq, bool dry, api_result *out)
{
    rest_patch_fn fn = rest_patch_function(rq->body_type);
    if (!fn && rq->body_type != BODY_APPLY_PATCH) {
        api_result_status(out, status_unsupported_media(patch_types));
        return;
    }
    cJSON *st = NULL;
    cJSON *patch = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st);
    if (!patch) {
        api_result_status(out, st);
        return;
    }
    if (!fn) {
        do_apply(c, rq, patch, dry, out);
        return;
    }
    store_obj *o = store_get(c->st, rq->kind, rq->ns, rq->name);
    if (!o) {
        cJSON_Delete(patch);
        api_result_status(out, status_not_found(rq->kind, rq->name));
        return;
    }
    cJSON *patched = NULL;
    char *err = NULL;
    int code = fn(store_doc(o), patch, &patched, &err);
    if (code) {
        cJSON_Delete(patch);
        api_result_status(out, rest_patch_error(code, err));
        free(err);
        return;
    }
    const kind_info *ki = kind_get(rq->kind);
    if ((st = check_type(rq->kind, patched)) ||
        (st = fieldval_check(patched, rq->field_validation, ki->group, ki->version, ki->kind,
                             rq->body_type == BODY_STRATEGIC_PATCH ? FV_STRATEGIC : FV_PATCHED, patch, out)) ||
        (st = check_namespace(rq->kind, patched, rq->ns))) {
        cJSON_Delete(patch);
        cJSON_Delete(patched);
        api_result_status(out, st);
        return;
    }
    cJSON_Delete(patch);
    const char *name = jstr(patched, "metadata.name");
    if (!name || strcmp(name, rq->name)) {
        st = status_failuref(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)",
                             name ? name : "", rq->name);
        cJSON_Delete(patched);
        api_result_status(out, st);
        return;
    }
    update_doc(c, o, patched, rq->status, dry, out);
}

/* ---- delete ------------------------------------------------------------ */

static cJSON *precondition_check(const store_obj *o, const cJSON *opts)
{
    const char *uid = jstr(opts, "preconditions.uid");
    const char *rv = jstr(opts, "preconditions.resourceVersion");
    if (!(uid && *uid) && !(rv && *rv))
        return NULL;
    const kind_info *ki = kind_get(o->kind);
    char res[96];
    snprintf(res, sizeof res, "%s%s%s", ki->kind, *ki->group ? "." : "", ki->group);
    /* read from the compact form when the tree is not built (a dry-run
     * eviction of a pod nobody read lately builds no tree) */
    const char *cur_uid = cJSON_GetStringValue(store_get_path(o, "metadata.uid"));
    const char *cur_rv = cJSON_GetStringValue(store_get_path(o, "metadata.resourceVersion"));
    cJSON *st = NULL;
    if (uid && *uid && strcmp(uid, cur_uid ? cur_uid : ""))
        st = status_failuref(409, "Conflict",
            "Operation cannot be fulfilled on %s \"%s\": the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated",
            res, o->name, uid, cur_uid ? cur_uid : "");
    else if (rv && *rv && strcmp(rv, cur_rv ? cur_rv : ""))
        st = status_failuref(409, "Conflict",
            "Operation cannot be fulfilled on %s \"%s\": the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified",
            res, o->name, rv, cur_rv ? cur_rv : "");
    if (st)
        status_details(st, o->name, ki->group, ki->kind);
    return st;
}

/* The grace period a delete of this pod gets (strategy CheckGracefulDelete). */
static long pod_grace(const store_obj *pod, const cJSON *opts)
{
    cJSON *g = jget(opts, "gracePeriodSeconds");
    const cJSON *tg = cJSON_IsNumber(g) ? NULL : store_get_path(pod, "spec.terminationGracePeriodSeconds");
    double gd = cJSON_IsNumber(g) ? g->valuedouble : cJSON_IsNumber(tg) ? tg->valuedouble : 30;
    /* validation bounds both to int64; clamp so the conversion is defined */
    long grace = gd >= 9.2e18 ? (long)9.2e18 : gd <= -9.2e18 ? -1 : (long)gd;
    if (grace < 0)
        grace = 1;
    const char *node = cJSON_GetStringValue(store_get_path(pod, "spec.nodeName"));
    if (!node || !*node || (pod->hot & STORE_ENDED))
        grace = 0;
    return grace;
}

static cJSON *deleted_status(const store_obj *o)
{
    const kind_info *ki = kind_get(o->kind);
    cJSON *st = status_success(200);
    cJSON_DeleteItemFromObject(st, "code");
    cJSON *d = status_details(st, o->name, ki->group, ki->plural);
    const char *uid = jstr(store_doc(o), "metadata.uid");
    if (uid)
        cJSON_AddStringToObject(d, "uid", uid);
    return st;
}

static void delete_namespace_contents(cluster *c, const char *ns);

/* Mark o as deleting at now+grace (or keep an earlier deadline). */
static cJSON *mark_deleting(cluster *c, const store_obj *o, long grace)
{
    cJSON *doc = copy(o);
    cJSON *md = jobj(doc, "metadata");
    double deadline = cluster_now(c) + grace;
    const char *cur = jstr(md, "deletionTimestamp");
    double cur_t;
    if (cur && !clock_parse(cur, &cur_t) && cur_t <= deadline)
        return doc; /* already terminating sooner: nothing changes */
    meta_set_time(md, "deletionTimestamp", deadline);
    jset_num(md, "deletionGracePeriodSeconds", grace);
    if (o->kind == K_NAMESPACE)
        jset_str(jobj(doc, "status"), "phase", "Terminating");
    return doc;
}

/* mark_deleting written over o (when it changes anything): the two
 * members set in place, without a copy of the document, where the store
 * can (store_replace_paths). */
static void mark_deleting_stored(cluster *c, store_obj *o, long grace)
{
    cJSON *doc = store_doc(o);
    double deadline = cluster_now(c) + grace, cur_t;
    const char *cur = jstr(doc, "metadata.deletionTimestamp");
    if (o->kind != K_NAMESPACE && cJSON_IsObject(jfield(doc, "metadata"))) {
        if (cur && !clock_parse(cur, &cur_t) && cur_t <= deadline)
            return; /* already terminating sooner: nothing changes */
        char ts[32];
        clock_format(deadline, ts);
        store_change ch[2] = {{"metadata.deletionTimestamp", cJSON_CreateString(ts)},
                              {"metadata.deletionGracePeriodSeconds", cJSON_CreateNumber((double)grace)}};
        if (jequal(path_member(doc, ch[0].path), ch[0].v) && jequal(path_member(doc, ch[1].path), ch[1].v)) {
            cJSON_Delete(ch[0].v);
            cJSON_Delete(ch[1].v);
            return;
        }
        if (store_replace_paths(c->st, o, ch, 2))
            return;
        cJSON_Delete(ch[0].v);
        cJSON_Delete(ch[1].v);
    }
    cJSON *next = mark_deleting(c, o, grace);
    if (!jequal(next, store_doc(o)))
        store_replace(c->st, o, next);
    else
        cJSON_Delete(next);
}

const char *rest_delete_finalizer(const cJSON *opts, const cJSON *finalizers)
{
    const char *policy = jstr(opts, "propagationPolicy");
    const char *fin = NULL;
    if (policy && !strcmp(policy, "Orphan"))
        fin = REST_FIN_ORPHAN;
    else if (policy && !strcmp(policy, "Foreground"))
        fin = REST_FIN_FOREGROUND;
    else if (!policy && cJSON_IsTrue(jget(opts, "orphanDependents")))
        fin = REST_FIN_ORPHAN;
    if (!fin)
        return NULL;
    cJSON *f;
    cJSON_ArrayForEach(f, finalizers)
        if (cJSON_IsString(f) && !strcmp(f->valuestring, fin))
            return NULL;
    return fin;
}

/* want_body false: a success sets only out->code (no copy of the object). */
static void delete_object(cluster *c, store_obj *o, const cJSON *opts, bool dry, bool want_body, api_result *out)
{
    cJSON *st = precondition_check(o, opts);
    if (st) {
        api_result_status(out, st);
        return;
    }
    /* propagationPolicy Orphan / Foreground: the garbage collector's
     * finalizer holds the owner until it has dealt with the dependents */
    const char *fin = rest_delete_finalizer(opts, store_get_path(o, "metadata.finalizers"));
    if (fin && !dry) {
        cJSON *doc = cJSON_Duplicate(store_doc(o), true);
        cJSON *md = jobj(doc, "metadata");
        cJSON *fins = jfield(md, "finalizers");
        if (!cJSON_IsArray(fins)) {
            fins = cJSON_CreateArray();
            jset(md, "finalizers", fins);
        }
        cJSON_AddItemToArray(fins, cJSON_CreateString(fin));
        store_replace(c->st, o, doc);
    }
    long grace = o->kind == K_POD ? pod_grace(o, opts) : 0;
    /* read again: the object may have just been written with a finalizer */
    bool held = cJSON_GetArraySize(store_get_path(o, "metadata.finalizers")) > 0 || o->kind == K_NAMESPACE ||
                (fin && dry);
    bool returns_object = o->kind == K_POD || o->kind == K_NAMESPACE;
    if (grace > 0 || held) {
        if (dry && !want_body) {
            out->code = 200;
            return;
        }
        if (dry) {
            api_result_object(out, 200, mark_deleting(c, o, grace));
            return;
        }
        mark_deleting_stored(c, o, grace);
        if (want_body)
            api_result_object(out, 200, copy(o));
        else
            out->code = 200;
        if (o->kind == K_NAMESPACE) {
            char *ns = xstrdup(o->name);
            delete_namespace_contents(c, ns);
            ns_finalize_later(c, ns);
            free(ns);
        }
        return;
    }
    if (!want_body) {
        out->code = 200;
        if (!dry) {
            char *ns = *o->ns ? xstrdup(o->ns) : NULL;
            store_remove(c->st, o);
            if (ns)
                ns_finalize_later(c, ns);
            free(ns);
        }
        return;
    }
    cJSON *answer = returns_object ? copy(o) : deleted_status(o);
    if (dry) {
        api_result_object(out, 200, answer);
        return;
    }
    char *ns = *o->ns ? xstrdup(o->ns) : NULL;
    store_remove(c->st, o);
    if (returns_object) {
        char rv[32];
        snprintf(rv, sizeof rv, "%llu", (unsigned long long)store_rv(c->st));
        jset_str(jobj(answer, "metadata"), "resourceVersion", rv);
    }
    if (ns)
        ns_finalize_later(c, ns);
    free(ns);
    api_result_object(out, 200, answer);
}

void rest_delete_object(cluster *c, store_obj *o, const cJSON *opts, bool dry, api_result *out)
{
    delete_object(c, o, opts, dry, true, out);
}

void rest_delete_object_code(cluster *c, store_obj *o, const cJSON *opts, bool dry, api_result *out)
{
    delete_object(c, o, opts, dry, false, out);
}

static void delete_namespace_contents(cluster *c, const char *ns)
{
    for (int k = 0; k < kind_count(); k++) {
        if (!kind_get(k)->namespaced)
            continue;
        size_t n;
        store_obj **objs = store_list(c->st, k, ns, &n);
        for (size_t i = 0; i < n; i++) {
            api_result r = {0};
            if (!is_deleting(store_doc(objs[i])))
                rest_delete_object(c, objs[i], NULL, false, &r);
            api_result_clear(&r);
        }
        free(objs);
    }
}

/* The namespace controller's last step: remove a terminating namespace
 * once nothing is left in it. */
typedef struct {
    cluster *c;
    char ns[];
} ns_job;

static void ns_finalize_timer(void *ctx, uint64_t id)
{
    ns_job *job = ctx;
    cluster *c = job->c;
    if (!id) {
        free(job);
        return;
    }
    store_obj *n = store_get(c->st, K_NAMESPACE, NULL, job->ns);
    if (n && ns_terminating(n)) {
        bool empty = true;
        for (int k = 0; k < kind_count() && empty; k++) {
            size_t cnt;
            if (!kind_get(k)->namespaced)
                continue;
            store_obj **objs = store_list(c->st, k, job->ns, &cnt);
            empty = cnt == 0;
            free(objs);
        }
        if (empty)
            store_remove(c->st, n);
    }
    free(job);
}

static void ns_finalize_later(cluster *c, const char *ns)
{
    store_obj *n = store_get(c->st, K_NAMESPACE, NULL, ns);
    if (!n || !ns_terminating(n))
        return;
    ns_job *job = xmalloc(sizeof *job + strlen(ns) + 1);
    job->c = c;
    strcpy(job->ns, ns);
    clock_at(c->clk, cluster_now(c), ns_finalize_timer, job);
}

/* DeleteOptions from the body (JSON or decoded protobuf) and the query. */
static cJSON *delete_options(const rest_req *rq, cJSON **st)
{
    cJSON *opts = NULL;
    *st = NULL;
    if (rq->delete_options)
        opts = cJSON_Duplicate(rq->delete_options, true);
    else if (rq->body && rq->body_len && (rq->body_type == BODY_JSON || rq->body_type == BODY_YAML)) {
        opts = rest_decode_body(rq->body_type, rq->body, rq->body_len, st);
        if (!opts)
            return NULL;
        if (!cJSON_IsObject(opts)) {
            cJSON_Delete(opts);
            *st = status_bad_request("the body of the request was not a DeleteOptions object");
            return NULL;
        }
    }
    if (!opts)
        opts = cJSON_CreateObject();
    if (rq->grace_period) {
        char *end;
        errno = 0;
        long g = strtol(rq->grace_period, &end, 10);
        if (errno == ERANGE) {
            cJSON_Delete(opts);
            *st = status_failuref(400, "BadRequest", "strconv.ParseInt: parsing \"%s\": value out of range",
                                  rq->grace_period);
            return NULL;
        }
        if (*end || end == rq->grace_period) {
            cJSON_Delete(opts);
            *st = status_failuref(400, "BadRequest", "strconv.ParseInt: parsing \"%s\": invalid syntax",
                                  rq->grace_period);
            return NULL;
        }
        jset_num(opts, "gracePeriodSeconds", g);
    }
    if (rq->propagation_policy)
        jset_str(opts, "propagationPolicy", rq->propagation_policy);
    if (rq->dry_run) {
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, cJSON_CreateString(rq->dry_run));
        jset(opts, "dryRun", arr);
    }
    cJSON *causes = cJSON_CreateArray();
    if (validate_delete_options(opts, causes)) {
        cJSON_Delete(opts);
        *st = status_invalid("DeleteOptions", "meta.k8s.io", "", causes);
        return NULL;
    }
    cJSON_Delete(causes);
    return opts;
}

static bool options_dry(const cJSON *opts)
{
    return cJSON_GetArraySize(jget(opts, "dryRun")) > 0;
}

static cJSON *immortal_namespace(const rest_req *rq)
{
    static const char *const immortal[] = {"default", "kube-system", "kube-public", NULL};
    if (rq->kind != K_NAMESPACE)
        return NULL;
    for (int i = 0; immortal[i]; i++)
        if (!strcmp(rq->name, immortal[i])) {
            cJSON *st = status_failuref(403, "Forbidden",
                                        "namespaces \"%s\" is forbidden: this namespace may not be deleted", rq->name);
            status_details(st, rq->name, "", "namespaces");
            return st;
        }
    return NULL;
}

static void do_delete(cluster *c, const rest_req *rq, api_result *out)
{
    cJSON *st = NULL;
    cJSON *opts = delete_options(rq, &st);
    store_obj *o = NULL;
    if (opts && !(st = immortal_namespace(rq)) && !(o = store_get(c->st, rq->kind, rq->ns, rq->name)))
        st = status_not_found(rq->kind, rq->name);
    if (st)
        api_result_status(out, st);
    else
        rest_delete_object(c, o, opts, options_dry(opts), out);
    cJSON_Delete(opts);
}

static void do_deletecollection(cluster *c, const rest_req *rq, api_result *out)
{
    cJSON *st = NULL;
    cJSON *opts = delete_options(rq, &st);
    size_t n = 0;
    store_obj **objs = opts ? select_objects(c, rq, &n, &st) : NULL;
    if (!objs) {
        cJSON_Delete(opts);
        api_result_status(out, st);
        return;
    }
    cJSON *list = rest_list_doc(c, rq->kind, NULL, 0);
    cJSON *items = cJSON_GetObjectItem(list, "items");
    bool dry = options_dry(opts);
    for (size_t i = 0; i < n; i++) {
        api_result r = {0};
        cJSON *before = meta_list_item(store_doc(objs[i])); /* a kind whose delete answers a Status */
        rest_delete_object(c, objs[i], opts, dry, &r);
        if (r.code == 200 && r.body && jstr(r.body, "metadata.name"))
            cJSON_AddItemToArray(items, meta_list_item(r.body));
        else if (r.code == 200)
            cJSON_AddItemToArray(items, before), before = NULL;
        cJSON_Delete(before);
        api_result_clear(&r);
    }
    free(objs);
    cJSON_Delete(opts);
    api_result_object(out, 200, list);
}

/* ---- a kind served from another's objects (events.k8s.io/v1 Events) ------------------------- */

/* A decoding error of the stored kind's version names the version the client sent. */
static void convert_status(kind_id view, cJSON *st)
{
    const kind_info *ki = kind_get(view), *sk = kind_get(ki->store_kind);
    const char *msg = jstr(st, "message");
    char from[160];
    snprintf(from, sizeof from, "%s in version \"%s\" cannot be handled as a ", sk->kind, sk->version);
    if (!msg || strncmp(msg, from, strlen(from)) || !strcmp(ki->version, sk->version))
        return;
    char *m = NULL;
    if (asprintf(&m, "%s in version \"%s\" cannot be handled as a %s", ki->kind, ki->version, msg + strlen(from)) > 0)
        jset_str(st, "message", m);
    free(m);
}

/* The answer (an object or a list of the stored kind) as the kind view shows it. */
static void convert_answer(kind_id view, api_result *out)
{
    cJSON *b = out->body;
    const char *k = b ? jstr(b, "kind") : NULL;
    if (b && k && !strcmp(k, "Status"))
        convert_status(view, b);
    if (!b || out->code >= 300 || !k || !strcmp(k, "Status"))
        return;
    const kind_info *ki = kind_get(view);
    cJSON *items = jfield(b, "items");
    if (!cJSON_IsArray(items)) {
        out->body = generic_from_stored(view, b);
        cJSON_Delete(b);
        return;
    }
    jset_str(b, "kind", ki->list_kind);
    jset_str(b, "apiVersion", ki->api_version);
    cJSON *conv = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        cJSON *one = generic_from_stored(view, it);
        cJSON_AddItemToArray(conv, meta_list_item(one));
        cJSON_Delete(one);
    }
    jset(b, "items", conv);
}

/* A request's body (create, update) or a patch's result, checked as a document of the view's
 * version (type errors, then fieldValidation against the view's own fields: src and patch as
 * fieldval_check takes them), converted to the stored kind and printed: NULL with *st when
 * refused. */
static char *stored_body(const rest_req *rq, cJSON *doc, fv_source src, const cJSON *patch, cJSON **st,
                         api_result *out)
{
    kind_id view = rq->kind;
    const kind_info *ki = kind_get(view);
    if ((*st = check_type(view, doc)) ||
        (rq->body_type != BODY_YAML && rq->body_type != BODY_APPLY_PATCH &&
         (*st = fieldval_check(doc, rq->field_validation, ki->group, ki->version, ki->kind, src, patch, out)))) {
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON *core = generic_to_stored(view, doc);
    cJSON_Delete(doc);
    char *json = jprint(core);
    cJSON_Delete(core);
    return json;
}

static void alias_handle(cluster *c, const rest_req *rq, api_result *out)
{
    kind_id view = rq->kind;
    rest_req r = *rq;
    r.kind = kind_get(view)->store_kind;
    cJSON *st = NULL;
    char *json = NULL;
    if (rq->verb == V_CREATE || rq->verb == V_UPDATE) {
        cJSON *doc = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st);
        json = doc ? stored_body(rq, doc, FV_BODY, NULL, &st, out) : NULL;
    } else if (rq->verb == V_PATCH) {
        store_obj *o = store_get(c->st, r.kind, rq->ns, rq->name);
        rest_patch_fn fn = rest_patch_function(rq->body_type);
        cJSON *patch = NULL, *patched = NULL;
        char *err = NULL;
        if (!o)
            st = status_not_found(view, rq->name);
        else if (!fn && rq->body_type != BODY_APPLY_PATCH)
            st = status_unsupported_media(patch_types);
        else if ((patch = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st))) {
            cJSON *cur = generic_from_stored(view, store_doc(o));
            int code = (fn ? fn : patch_merge)(cur, patch, &patched, &err);
            cJSON_Delete(cur);
            if (code)
                st = rest_patch_error(code, err);
            free(err);
        }
        json = patched ? stored_body(rq, patched, rq->body_type == BODY_STRATEGIC_PATCH ? FV_STRATEGIC : FV_PATCHED,
                                     patch, &st, out)
                       : NULL;
        cJSON_Delete(patch);
        r.verb = V_UPDATE;
    }
    if (st) {
        api_result_status(out, st);
        return;
    }
    if (json) {
        r.body = json;
        r.body_len = strlen(json);
        r.body_type = BODY_JSON;
    }
    rest_handle(c, &r, out);
    free(json);
    convert_answer(view, out);
}

void rest_handle(cluster *c, const rest_req *rq, api_result *out)
{
    if (kind_get(rq->kind)->store_kind != rq->kind) {
        alias_handle(c, rq, out);
        return;
    }
    bool dry = false;
    cJSON *st = NULL;
    if (rq->verb == V_CREATE || rq->verb == V_UPDATE || rq->verb == V_PATCH) {
        const char *opts_kind = rq->verb == V_CREATE ? "CreateOptions"
                              : rq->verb == V_UPDATE ? "UpdateOptions" : "PatchOptions";
        st = rest_check_dry_run(rq->dry_run, opts_kind, &dry);
        if (!st)
            st = fieldval_check_param(rq->field_validation, opts_kind);
    }
    if (st) {
        api_result_status(out, st);
        return;
    }
    if (rq->sub == RS_SCALE) {
        registry_scale(c, rq, dry, out);
        return;
    }
    if (rq->sub == RS_BINDING || rq->kind == K_BINDING) {
        registry_bind(c, rq, dry, out);
        return;
    }
    if (rq->sub == RS_TOKEN) {
        registry_token(c, rq, out);
        return;
    }
    if (!kind_get(rq->kind)->stored) {
        registry_review(c, rq, out);
        return;
    }
    switch (rq->verb) {
    case V_GET: do_get(c, rq, out); break;
    case V_LIST: do_list(c, rq, out); break;
    case V_CREATE: do_create(c, rq, dry, out); break;
    case V_UPDATE: do_update(c, rq, dry, out); break;
    case V_PATCH: do_patch(c, rq, dry, out); break;
    case V_DELETE: do_delete(c, rq, out); break;
    case V_DELETECOLLECTION: do_deletecollection(c, rq, out); break;
    }
}
