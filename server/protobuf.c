/* protobuf: the k8s envelope and kinds over pbjson (server/proto/). Request
 * bodies become JSON text for the JSON path (so defaults, validation and
 * their errors are the JSON path's); answers are encoded from the JSON the
 * model wrote. Must not decide semantics nor walk wire bytes itself. */
#define _GNU_SOURCE
#include "protobuf.h"
#include "pbjson.h"
#include "status.h"
#include "k8s.io/apimachinery/pkg/runtime/generated.pb-c.h"
#include "k8s.io/apimachinery/pkg/apis/meta/v1/generated.pb-c.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char prefix[4] = {'k', '8', 's', 0};

/* Built-in groups and the package of their messages. */
static const char *package_of(const char *group)
{
    static const char *const groups[][2] = {
        {"", "core"}, {"apps", "apps"}, {"policy", "policy"}, {"batch", "batch"},
        {"scheduling.k8s.io", "scheduling"}, {"coordination.k8s.io", "coordination"},
        {"autoscaling", "autoscaling"}, {"rbac.authorization.k8s.io", "rbac"},
        {"networking.k8s.io", "networking"}, {"meta.k8s.io", NULL},
    };
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
        if (!strcmp(group, groups[i][0]))
            return groups[i][1] ? groups[i][1] : "";
    return NULL;
}

static const pb_msg *message_of(const char *group, const char *version, const char *kind)
{
    const char *pkg = package_of(group);
    char name[256];
    if (!pkg || strlen(kind) > 100 || strlen(version) > 20)
        return NULL;
    const pb_msg *m = NULL;
    if (*pkg) {
        snprintf(name, sizeof name, "k8s.io.api.%s.%s.%s", pkg, version, kind);
        m = pbreg_find(name);
    }
    if (!m) { /* kinds every group version has: DeleteOptions, Status, ... */
        snprintf(name, sizeof name, "k8s.io.apimachinery.pkg.apis.meta.v1.%s", kind);
        m = pbreg_find(name);
    }
    return m;
}

bool protobuf_kind_known(const char *group, const char *version, const char *kind)
{
    return message_of(group, version, kind) != NULL;
}

/* summarizeData (apiserver handlers/rest.go): the first 30 bytes in hex. */
static void summarize(const unsigned char *b, size_t n, char *out, size_t outlen)
{
    if (!n) {
        snprintf(out, outlen, "<empty>");
        return;
    }
    size_t k = n > 30 ? 30 : n, o = 0;
    if (b[0] == '{') {
        snprintf(out, outlen, "%.*s%s", (int)k, (const char *)b, n > 30 ? " ..." : "");
        return;
    }
    for (size_t i = 0; i < k && o + 3 < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, "%02x", b[i]);
    if (n > 30)
        snprintf(out + o, outlen - o, " ...");
}

static cJSON *unrecognized(const char *kind, const char *err, const unsigned char *b, size_t n)
{
    char sum[80];
    summarize(b, n, sum, sizeof sum);
    return status_failuref(400, "BadRequest", "the object provided is unrecognized (must be of type %s): %s (%s)",
                           kind, err, sum);
}

static char *split_api_version(const char *av, const char **group, const char **version)
{
    char *copy = strdup(av);
    char *slash = strchr(copy, '/');
    if (slash) {
        *slash = 0;
        *group = copy;
        *version = slash + 1;
    } else {
        *group = "";
        *version = copy;
    }
    return copy;
}

char *protobuf_body_json(const unsigned char *b, size_t n, const char *group, const char *version,
                         const char *kind, size_t *len, cJSON **st)
{
    *st = NULL;
    if (n == 0) {
        *st = unrecognized(kind, "empty data", b, n);
        return NULL;
    }
    if (n < 4 || memcmp(b, prefix, 4)) {
        *st = unrecognized(kind,
                           "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]",
                           b, n);
        return NULL;
    }
    if (n == 4) {
        *st = unrecognized(kind, "empty body", b, n);
        return NULL;
    }
    const pb_msg *um = pbreg_of(&k8s__io__apimachinery__pkg__runtime__unknown__descriptor);
    K8s__Io__Apimachinery__Pkg__Runtime__Unknown *unk = (K8s__Io__Apimachinery__Pkg__Runtime__Unknown *)
        protobuf_c_message_unpack(um->d, NULL, n - 4, b + 4);
    if (!unk) {
        char *e = pbjson_error(um, b + 4, n - 4);
        *st = unrecognized(kind, e ? e : "unexpected EOF", b, n);
        free(e);
        return NULL;
    }
    /* the envelope's group/version/kind, defaulted from the endpoint's */
    const char *av = unk->typemeta && unk->typemeta->apiversion ? unk->typemeta->apiversion : "";
    const char *k = unk->typemeta && unk->typemeta->kind && *unk->typemeta->kind ? unk->typemeta->kind : kind;
    const char *g = group, *v = version;
    char *avcopy = NULL;
    if (*av)
        avcopy = split_api_version(av, &g, &v);
    char *api_version = NULL, *json = NULL;
    if (asprintf(&api_version, "%s%s%s", g, *g ? "/" : "", v) < 0)
        api_version = NULL;
    /* An envelope naming a kind this group version does not have is read as
     * the endpoint's: the JSON path then judges its kind and apiVersion. */
    const pb_msg *m = message_of(g, v, k);
    if (!m)
        m = message_of(group, version, kind);
    char *err = NULL;
    cJSON *doc = m ? pbjson_decode(m, unk->has_raw ? unk->raw.data : (const uint8_t *)"", unk->has_raw ? unk->raw.len : 0, &err)
                   : NULL;
    if (!doc) {
        *st = status_failuref(400, "BadRequest", "%s in version \"%s\" cannot be handled as a %s: %s", k, v, kind,
                              err ? err : "unexpected EOF");
    } else {
        /* kind and apiVersion first, as Go's encoder writes TypeMeta */
        cJSON *top = cJSON_CreateObject();
        cJSON_AddStringToObject(top, "kind", k);
        cJSON_AddStringToObject(top, "apiVersion", api_version ? api_version : "");
        if (doc->child) {
            cJSON *first = top->child, *last = first->prev, *dlast = doc->child->prev;
            last->next = doc->child;
            doc->child->prev = last;
            first->prev = dlast;
            doc->child = NULL;
        }
        cJSON_Delete(doc);
        doc = top;
        json = cJSON_PrintUnformatted(doc);
        *len = json ? strlen(json) : 0;
        cJSON_Delete(doc);
    }
    free(err);
    free(api_version);
    free(avcopy);
    protobuf_c_message_free_unpacked(&unk->base, NULL);
    return json;
}

unsigned char *protobuf_encode(const cJSON *doc, size_t *len)
{
    const char *av = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "apiVersion"));
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kind"));
    if (!av || !kind)
        return NULL;
    const char *g, *v;
    char *copy = split_api_version(av, &g, &v);
    const pb_msg *m = message_of(g, v, kind);
    free(copy);
    if (!m)
        return NULL;
    size_t rawlen;
    char *err = NULL;
    uint8_t *raw = pbjson_encode(m, doc, &rawlen, &err);
    free(err);
    if (!raw)
        return NULL;
    K8s__Io__Apimachinery__Pkg__Runtime__TypeMeta tm = K8S__IO__APIMACHINERY__PKG__RUNTIME__TYPE_META__INIT;
    K8s__Io__Apimachinery__Pkg__Runtime__Unknown unk = K8S__IO__APIMACHINERY__PKG__RUNTIME__UNKNOWN__INIT;
    tm.apiversion = (char *)av;
    tm.kind = (char *)kind;
    unk.typemeta = &tm;
    unk.has_raw = 1;
    unk.raw.data = raw;
    unk.raw.len = rawlen;
    unk.contentencoding = (char *)"";
    unk.contenttype = (char *)"";
    size_t n = protobuf_c_message_get_packed_size(&unk.base);
    unsigned char *out = malloc(n + 4);
    if (out) {
        memcpy(out, prefix, 4);
        *len = 4 + protobuf_c_message_pack(&unk.base, out + 4);
    }
    free(raw);
    return out;
}

unsigned char *protobuf_watch_frame(const char *type, const cJSON *obj, size_t *len)
{
    size_t olen;
    unsigned char *o = protobuf_encode(obj, &olen);
    if (!o)
        return NULL;
    K8s__Io__Apimachinery__Pkg__Runtime__RawExtension raw = K8S__IO__APIMACHINERY__PKG__RUNTIME__RAW_EXTENSION__INIT;
    K8s__Io__Apimachinery__Pkg__Apis__Meta__V1__WatchEvent ev = K8S__IO__APIMACHINERY__PKG__APIS__META__V1__WATCH_EVENT__INIT;
    raw.has_raw = 1;
    raw.raw.data = o;
    raw.raw.len = olen;
    ev.type = (char *)type;
    ev.object = &raw;
    size_t n = protobuf_c_message_get_packed_size(&ev.base);
    unsigned char *out = malloc(n + 4);
    if (out) {
        size_t w = protobuf_c_message_pack(&ev.base, out + 4);
        out[0] = (unsigned char)(w >> 24);
        out[1] = (unsigned char)(w >> 16);
        out[2] = (unsigned char)(w >> 8);
        out[3] = (unsigned char)w;
        *len = w + 4;
    }
    free(o);
    return out;
}
