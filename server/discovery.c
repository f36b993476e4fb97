/* discovery: builds the discovery documents (/api, /apis, APIResourceLists, aggregated
 * apidiscovery.k8s.io v2/v2beta1), /version, health checks and the OpenAPI stubs, from the kinds
 * registry. Owns Accept-header parsing for discovery. Must not touch storage or libmicrohttpd. */
#include "discovery.h"
#include "xalloc.h"
#include "json.h"
#include "kinds.h"
#include "kversion.h"
#include <cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISC_JSON "application/json"
#define DISC_AGG_V2_CT "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
#define DISC_AGG_V2BETA1_CT "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
#define DISC_MAX_RANGES 32

static const kube_version *disc_kv; /* the release answered as (NULL: the default) */

void discovery_use(const kube_version *kv)
{
    disc_kv = kv;
}

/* snprintf that truncates quietly (cells are bounded; overlong values are cut). */
static void disc_printf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void disc_printf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}
static void disc_add_strings(cJSON *obj, const char *key, const char *const *list);
static const char *const disc_verbs_status[] = {"get", "patch", "update", NULL};
static const char *const disc_verbs_create[] = {"create", NULL};
static const char *const disc_verbs_get[] = {"get", NULL};

/* A row's verbs, sorted by name as discovery lists them. */
static void disc_add_verbs(cJSON *obj, unsigned verbs)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {KV_CREATE, "create"}, {KV_DELETE, "delete"}, {KV_DELETECOLLECTION, "deletecollection"},
        {KV_GET, "get"}, {KV_LIST, "list"}, {KV_PATCH, "patch"}, {KV_UPDATE, "update"}, {KV_WATCH, "watch"},
    };
    cJSON *arr = cJSON_AddArrayToObject(obj, "verbs");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (verbs & names[i].bit)
            cJSON_AddItemToArray(arr, cJSON_CreateString(names[i].name));
}

/* The subresources of a row, in name order: name, response group/version/kind, verbs. */
typedef struct {
    const char *name, *group, *version, *kind;
    const char *const *verbs;
} disc_sub;

static size_t disc_subs(const kind_info *k, disc_sub *out)
{
    size_t n = 0;
    if (k->subs & KS_BINDING)
        out[n++] = (disc_sub){"binding", "", "v1", "Binding", disc_verbs_create};
    if (k->subs & KS_EVICTION)
        out[n++] = (disc_sub){"eviction", "policy", "v1", "Eviction", disc_verbs_create};
    if (k->subs & KS_LOG)
        out[n++] = (disc_sub){"log", "", "v1", "Pod", disc_verbs_get};
    if (k->subs & KS_SCALE)
        out[n++] = (disc_sub){"scale", "autoscaling", "v1", "Scale", disc_verbs_status};
    if (k->has_status)
        out[n++] = (disc_sub){"status", k->group, k->version, k->kind, disc_verbs_status};
    if (k->subs & KS_TOKEN)
        out[n++] = (disc_sub){"token", "authentication.k8s.io", "v1", "TokenRequest", disc_verbs_create};
    return n;
}

static void disc_add_names(cJSON *r, const kind_info *k)
{
    if (k->short_names[0])
        disc_add_strings(r, "shortNames",
                         (const char *const[]){k->short_names[0], k->short_names[1], k->short_names[2], NULL});
    if (k->categories[0])
        disc_add_strings(r, "categories", (const char *const[]){k->categories[0], k->categories[1], NULL});
}

/* ---- Accept parsing ---- */

static void disc_trim(const char **b, const char **e)
{
    while (*b < *e && isspace((unsigned char)**b))
        (*b)++;
    while (*e > *b && isspace((unsigned char)(*e)[-1]))
        (*e)--;
}

/* Copy [b,e) into dst (size n), optionally lowercased; false when it does not fit. */
static bool disc_copy(char *dst, size_t n, const char *b, const char *e, bool lower)
{
    size_t len = (size_t)(e - b);
    if (len >= n)
        return false;
    for (size_t i = 0; i < len; i++)
        dst[i] = lower ? (char)tolower((unsigned char)b[i]) : b[i];
    dst[len] = '\0';
    return true;
}

static void disc_param(disc_media_range *r, const char *b, const char *e)
{
    const char *eq = memchr(b, '=', (size_t)(e - b));
    if (!eq)
        return;
    const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
    disc_trim(&kb, &ke);
    disc_trim(&vb, &ve);
    if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
        vb++;
        ve--;
    }
    char key[8];
    if (!disc_copy(key, sizeof key, kb, ke, true))
        return;
    bool ok = true;
    if (!strcmp(key, "g"))
        ok = disc_copy(r->g, sizeof r->g, vb, ve, false);
    else if (!strcmp(key, "v"))
        ok = disc_copy(r->v, sizeof r->v, vb, ve, false);
    else if (!strcmp(key, "as"))
        ok = disc_copy(r->as, sizeof r->as, vb, ve, false);
    else if (!strcmp(key, "q"))
        ok = strtod(vb, NULL) > 0.0;
    if (!ok)
        r->rejected = true;
}

static void disc_range(disc_media_range *r, const char *b, const char *e)
{
    memset(r, 0, sizeof *r);
    const char *semi = memchr(b, ';', (size_t)(e - b));
    const char *me = semi ? semi : e, *mb = b;
    disc_trim(&mb, &me);
    if (!disc_copy(r->mime, sizeof r->mime, mb, me, true))
        r->rejected = true;
    while (semi) {
        const char *pb = semi + 1;
        semi = memchr(pb, ';', (size_t)(e - pb));
        disc_param(r, pb, semi ? semi : e);
    }
}

size_t disc_accept_parse(const char *accept, disc_media_range *out, size_t max)
{
    size_t n = 0;
    const char *p = accept;
    while (p && *p && n < max) {
        const char *comma = strchr(p, ',');
        const char *e = comma ? comma : p + strlen(p);
        const char *b = p, *te = e;
        disc_trim(&b, &te);
        if (te > b)
            disc_range(&out[n++], b, te);
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

static bool disc_is_wildcard(const char *mime)
{
    return !strcmp(mime, "*/*") || !strcmp(mime, "application/*");
}

disc_format disc_negotiate(const char *accept)
{
    disc_media_range r[DISC_MAX_RANGES];
    size_t n = disc_accept_parse(accept, r, DISC_MAX_RANGES);
    for (size_t i = 0; i < n; i++) {
        if (r[i].rejected)
            continue;
        if (disc_is_wildcard(r[i].mime))
            return DISC_LEGACY;
        if (strcmp(r[i].mime, "application/json"))
            continue;
        if (!r[i].as[0])
            return DISC_LEGACY;
        if (strcmp(r[i].as, "APIGroupDiscoveryList") || strcmp(r[i].g, "apidiscovery.k8s.io"))
            continue;
        /* v2 is served from 1.30; v2beta1 until AggregatedDiscoveryRemoveBetaType (1.33) */
        if (!strcmp(r[i].v, "v2") && kv_minor(disc_kv) >= 30)
            return DISC_AGG_V2;
        if (!strcmp(r[i].v, "v2beta1") && !kv_gate_on(disc_kv, G_AGGREGATED_DISCOVERY_REMOVE_BETA_TYPE))
            return DISC_AGG_V2BETA1;
    }
    return DISC_LEGACY;
}

/* ---- replies ---- */

static bool disc_set(disc_reply *out, int code, const char *ct, const char *text)
{
    size_t len = strlen(text);
    char *body = xmalloc(len + 1);
    memcpy(body, text, len + 1);
    out->code = code;
    out->content_type = ct;
    out->body = body;
    out->len = len;
    return true;
}

/* Serialise `doc` (consumed) into out. */
static bool disc_json(disc_reply *out, int code, const char *ct, cJSON *doc)
{
    char *text = doc ? jprint(doc) : NULL;
    cJSON_Delete(doc);
    if (!text)
        return disc_set(out, 500, DISC_JSON, "");
    bool ok = disc_set(out, code, ct, text);
    cJSON_free(text);
    return ok;
}

static bool disc_not_found(disc_reply *out)
{
    return disc_set(out, 404, DISC_JSON,
                    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                    "\"message\":\"the server could not find the requested resource\",\"reason\":\"NotFound\","
                    "\"details\":{},\"code\":404}");
}

static void disc_add_strings(cJSON *obj, const char *key, const char *const *list)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    for (size_t i = 0; list[i]; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(list[i]));
}

/* ---- which kinds live in a group version, sorted by plural ---- */

static int disc_cmp_plural(const void *a, const void *b)
{
    return strcmp(kind_get(*(const kind_id *)a)->plural, kind_get(*(const kind_id *)b)->plural);
}

static size_t disc_kinds_of(const char *group, const char *version, kind_id *ids)
{
    size_t n = 0;
    for (int i = 0; i < kind_count(); i++) {
        const kind_info *k = kind_get((kind_id)i);
        if (k->served && !strcmp(k->group, group) && !strcmp(k->version, version))
            ids[n++] = k->id;
    }
    qsort(ids, n, sizeof *ids, disc_cmp_plural);
    return n;
}

/* Distinct non-core groups, sorted. Returns count. */
static size_t disc_groups(const char **groups)
{
    size_t n = 0;
    for (int i = 0; i < kind_count(); i++) {
        const char *g = kind_get((kind_id)i)->group;
        bool seen = !*g || !kind_get((kind_id)i)->served;
        for (size_t j = 0; j < n && !seen; j++)
            seen = !strcmp(groups[j], g);
        if (!seen)
            groups[n++] = g;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of groups */
        for (size_t j = i; j > 0 && strcmp(groups[j - 1], groups[j]) > 0; j--) {
            const char *t = groups[j];
            groups[j] = groups[j - 1];
            groups[j - 1] = t;
        }
    return n;
}

/* The versions a group serves, in the order of its rows: the preferred one (kube-apiserver's
 * highest priority) first. Returns count (0: no such group). */
static size_t disc_group_versions(const char *group, const char **versions, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < kind_count() && n < max; i++) {
        const kind_info *k = kind_get((kind_id)i);
        if (!k->served || strcmp(k->group, group))
            continue;
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = !strcmp(versions[j], k->version);
        if (!seen)
            versions[n++] = k->version;
    }
    return n;
}

#define DISC_MAX_VERSIONS 8

/* ---- legacy documents ---- */

static cJSON *disc_legacy_resource(const kind_info *k)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "name", k->plural);
    cJSON_AddStringToObject(r, "singularName", k->singular);
    cJSON_AddBoolToObject(r, "namespaced", k->namespaced);
    cJSON_AddStringToObject(r, "kind", k->kind);
    disc_add_verbs(r, k->verbs);
    disc_add_names(r, k);
    return r;
}

static cJSON *disc_legacy_sub(const kind_info *k, const char *sub, const char *group, const char *version,
                              const char *kind, const char *const *verbs)
{
    char name[128];
    disc_printf(name, sizeof name, "%s/%s", k->plural, sub);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "name", name);
    cJSON_AddStringToObject(r, "singularName", "");
    cJSON_AddBoolToObject(r, "namespaced", k->namespaced);
    if (group) {
        cJSON_AddStringToObject(r, "group", group);
        cJSON_AddStringToObject(r, "version", version);
    }
    cJSON_AddStringToObject(r, "kind", kind);
    disc_add_strings(r, "verbs", verbs);
    return r;
}

static cJSON *disc_resource_list(const char *group, const char *version)
{
    kind_id ids[KIND_MAX];
    size_t n = disc_kinds_of(group, version, ids);
    if (!n)
        return NULL;
    char gv[96];
    disc_printf(gv, sizeof gv, "%s%s%s", group, *group ? "/" : "", version);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "APIResourceList");
    cJSON_AddStringToObject(doc, "apiVersion", "v1");
    cJSON_AddStringToObject(doc, "groupVersion", gv);
    cJSON *res = cJSON_AddArrayToObject(doc, "resources");
    for (size_t i = 0; i < n; i++) {
        const kind_info *k = kind_get(ids[i]);
        cJSON_AddItemToArray(res, disc_legacy_resource(k));
        disc_sub subs[8];
        size_t ns = disc_subs(k, subs);
        for (size_t j = 0; j < ns; j++) {
            bool other = strcmp(subs[j].group, k->group) || strcmp(subs[j].version, k->version);
            cJSON_AddItemToArray(res, disc_legacy_sub(k, subs[j].name, other ? subs[j].group : NULL,
                                                      subs[j].version, subs[j].kind, subs[j].verbs));
        }
    }
    return doc;
}

static cJSON *disc_gv_entry(const char *group, const char *version)
{
    char gv[96];
    disc_printf(gv, sizeof gv, "%s/%s", group, version);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "groupVersion", gv);
    cJSON_AddStringToObject(e, "version", version);
    return e;
}

static cJSON *disc_group(const char *group, bool with_kind)
{
    const char *vs[DISC_MAX_VERSIONS];
    size_t nv = disc_group_versions(group, vs, DISC_MAX_VERSIONS);
    cJSON *g = cJSON_CreateObject();
    if (with_kind) {
        cJSON_AddStringToObject(g, "kind", "APIGroup");
        cJSON_AddStringToObject(g, "apiVersion", "v1");
    }
    cJSON_AddStringToObject(g, "name", group);
    cJSON *versions = cJSON_AddArrayToObject(g, "versions");
    for (size_t i = 0; i < nv; i++)
        cJSON_AddItemToArray(versions, disc_gv_entry(group, vs[i]));
    cJSON_AddItemToObject(g, "preferredVersion", disc_gv_entry(group, vs[0]));
    return g;
}

static cJSON *disc_group_list(void)
{
    const char *groups[KIND_MAX];
    size_t n = disc_groups(groups);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "APIGroupList");
    cJSON_AddStringToObject(doc, "apiVersion", "v1");
    cJSON *arr = cJSON_AddArrayToObject(doc, "groups");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, disc_group(groups[i], false));
    return doc;
}

static cJSON *disc_api_versions(const char *host)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "APIVersions");
    disc_add_strings(doc, "versions", (const char *const[]){"v1", NULL});
    cJSON *addrs = cJSON_AddArrayToObject(doc, "serverAddressByClientCIDRs");
    if (host) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "clientCIDR", "0.0.0.0/0");
        cJSON_AddStringToObject(a, "serverAddress", host);
        cJSON_AddItemToArray(addrs, a);
    }
    return doc;
}

/* ---- aggregated documents ---- */

static cJSON *disc_response_kind(const char *group, const char *version, const char *kind)
{
    cJSON *rk = cJSON_CreateObject();
    cJSON_AddStringToObject(rk, "group", group);
    cJSON_AddStringToObject(rk, "version", version);
    cJSON_AddStringToObject(rk, "kind", kind);
    return rk;
}

static cJSON *disc_agg_sub(const char *sub, cJSON *rk, const char *const *verbs)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "subresource", sub);
    cJSON_AddItemToObject(s, "responseKind", rk);
    disc_add_strings(s, "verbs", verbs);
    return s;
}

static cJSON *disc_agg_resource(const kind_info *k)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "resource", k->plural);
    cJSON_AddItemToObject(r, "responseKind", disc_response_kind(k->group, k->version, k->kind));
    cJSON_AddStringToObject(r, "scope", k->namespaced ? "Namespaced" : "Cluster");
    cJSON_AddStringToObject(r, "singularResource", k->singular);
    disc_add_verbs(r, k->verbs);
    disc_add_names(r, k);
    disc_sub sub[8];
    size_t ns = disc_subs(k, sub);
    if (ns) {
        cJSON *subs = cJSON_AddArrayToObject(r, "subresources");
        for (size_t j = 0; j < ns; j++)
            cJSON_AddItemToArray(subs, disc_agg_sub(sub[j].name,
                                                    disc_response_kind(sub[j].group, sub[j].version, sub[j].kind),
                                                    sub[j].verbs));
    }
    return r;
}

static cJSON *disc_agg_group(const char *group)
{
    const char *vs[DISC_MAX_VERSIONS] = {"v1"};
    size_t nv = *group ? disc_group_versions(group, vs, DISC_MAX_VERSIONS) : 1;
    cJSON *item = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(item, "metadata");
    cJSON_AddStringToObject(meta, "name", group);
    cJSON *versions = cJSON_AddArrayToObject(item, "versions");
    for (size_t j = 0; j < nv; j++) {
        kind_id ids[KIND_MAX];
        size_t n = disc_kinds_of(group, vs[j], ids);
        cJSON *v = cJSON_CreateObject();
        cJSON_AddItemToArray(versions, v);
        cJSON_AddStringToObject(v, "version", vs[j]);
        cJSON *res = cJSON_AddArrayToObject(v, "resources");
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(res, disc_agg_resource(kind_get(ids[i])));
        cJSON_AddStringToObject(v, "freshness", "Current");
    }
    return item;
}

static cJSON *disc_agg_list(disc_format f, bool core)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "APIGroupDiscoveryList");
    cJSON_AddStringToObject(doc, "apiVersion",
                            f == DISC_AGG_V2 ? "apidiscovery.k8s.io/v2" : "apidiscovery.k8s.io/v2beta1");
    cJSON_AddObjectToObject(doc, "metadata");
    cJSON *items = cJSON_AddArrayToObject(doc, "items");
    if (core) {
        cJSON_AddItemToArray(items, disc_agg_group(""));
        return doc;
    }
    const char *groups[KIND_MAX];
    size_t n = disc_groups(groups);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, disc_agg_group(groups[i]));
    return doc;
}

static bool disc_root(disc_reply *out, const char *accept, const char *host, bool core)
{
    disc_format f = disc_negotiate(accept);
    if (f != DISC_LEGACY)
        return disc_json(out, 200, f == DISC_AGG_V2 ? DISC_AGG_V2_CT : DISC_AGG_V2BETA1_CT, disc_agg_list(f, core));
    return disc_json(out, 200, DISC_JSON, core ? disc_api_versions(host) : disc_group_list());
}

/* ---- informational endpoints ---- */

static cJSON *disc_version(void)
{
    return kv_version_doc(disc_kv);
}

/* /apis/<group>[/<version>] (rest is what follows "/apis/"). */
static bool disc_apis_path(disc_reply *out, const char *rest)
{
    const char *slash = strchr(rest, '/');
    char group[64];
    size_t glen = slash ? (size_t)(slash - rest) : strlen(rest);
    if (glen >= sizeof group)
        return disc_not_found(out);
    memcpy(group, rest, glen);
    group[glen] = '\0';
    const char *vs[DISC_MAX_VERSIONS];
    size_t nv = *group ? disc_group_versions(group, vs, DISC_MAX_VERSIONS) : 0;
    if (!nv)
        return disc_not_found(out);
    if (!slash)
        return disc_json(out, 200, DISC_JSON, disc_group(group, true));
    cJSON *doc = NULL;
    for (size_t i = 0; i < nv && !doc; i++)
        if (!strcmp(slash + 1, vs[i]))
            doc = disc_resource_list(group, vs[i]);
    return doc ? disc_json(out, 200, DISC_JSON, doc) : disc_not_found(out);
}

/* Strip the query and one trailing slash; false if the path is too long to be ours. */
static bool disc_clean_path(const char *path, char *buf, size_t n)
{
    size_t len = strcspn(path, "?");
    if (len >= n)
        return false;
    memcpy(buf, path, len);
    buf[len] = '\0';
    if (len > 1 && buf[len - 1] == '/')
        buf[len - 1] = '\0';
    return true;
}

static bool disc_is_under(const char *p, const char *prefix)
{
    size_t n = strlen(prefix);
    return !strncmp(p, prefix, n) && (p[n] == '\0' || p[n] == '/');
}

bool discovery_answer(const char *path, const char *accept, const char *host, disc_reply *out)
{
    char p[256];
    if (!path || !out)
        return false;
    if (!disc_clean_path(path, p, sizeof p))
        return !strncmp(path, "/openapi/", 9) && disc_not_found(out);
    if (!strcmp(p, "/healthz") || !strcmp(p, "/livez") || !strcmp(p, "/readyz"))
        return disc_set(out, 200, "text/plain", "ok");
    if (!strcmp(p, "/version"))
        return disc_json(out, 200, DISC_JSON, disc_version());
    if (!strcmp(p, "/openapi/v2"))
        return disc_set(out, 200, "application/octet-stream", "");
    if (disc_is_under(p, "/openapi"))
        return disc_not_found(out); /* v3 absent: kubectl 1.29+ falls back to the empty v2 document */
    if (!strcmp(p, "/api") || !strcmp(p, "/apis"))
        return disc_root(out, accept, host, p[4] == '\0');
    if (!strcmp(p, "/api/v1"))
        return disc_json(out, 200, DISC_JSON, disc_resource_list("", "v1"));
    if (!strncmp(p, "/api/", 5) && p[5] && !strchr(p + 5, '/'))
        return disc_not_found(out);
    if (!strncmp(p, "/apis/", 6)) {
        const char *rest = p + 6, *s1 = strchr(rest, '/');
        if (*rest && (!s1 || (s1[1] && !strchr(s1 + 1, '/'))))
            return disc_apis_path(out, rest);
    }
    return false;
}
