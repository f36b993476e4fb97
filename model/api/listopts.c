/* listopts: ListOptions defaults and validation as apimachinery v0.33.0
 * writes them (pkg/apis/meta/internalversion/{defaults,validation}), and its
 * query integers (pkg/runtime/conversion.go). Decides what a list or watch
 * request may ask; never lists anything itself. */
#include "listopts.h"
#include "status.h"
#include "text.h"
#include "json.h"
#include "xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cJSON *listopts_int(const char *s, long long *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    bool digits = *p != 0;
    for (const char *q = p; *q; q++)
        digits = digits && *q >= '0' && *q <= '9';
    errno = 0;
    long long v = digits ? strtoll(s, NULL, 10) : 0;
    if (digits && errno != ERANGE) {
        *out = v;
        return NULL;
    }
    char *msg = xasprintf("strconv.ParseInt: parsing \"%s\": %s", s, digits ? "value out of range" : "invalid syntax");
    cJSON *st = status_bad_request(msg);
    free(msg);
    return st;
}

static bool is(const char *s, const char *v)
{
    return s && !strcmp(s, v);
}

static bool set(const char *s)
{
    return s && *s;
}

static void not_supported(cJSON *causes, const char *value, const char *const *supported)
{
    strbuf q = {0};
    strbuf_quote(&q, value);
    cause_not_supported(causes, "resourceVersionMatch", q.s, supported);
    free(q.s);
}

/* validateWatchOptions */
static void check_watch(const list_opts *o, bool watch_list, cJSON *causes)
{
    const char *match = o->rv_match;
    if (o->send_initial >= 0) {
        if (!is(match, "NotOlderThan"))
            cause_forbidden(causes, "resourceVersionMatch",
                            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        if (!watch_list)
            cause_forbidden(causes, "sendInitialEvents",
                            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled");
    }
    if (set(match)) {
        if (o->send_initial < 0)
            cause_forbidden(causes, "resourceVersionMatch",
                            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
        if (!is(match, "NotOlderThan")) {
            static const char *const supported[] = {"NotOlderThan", NULL};
            not_supported(causes, match, supported);
        }
        if (set(o->cont))
            cause_forbidden(causes, "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided");
    }
}

/* ValidateListOptions for a list */
static void check_list(const list_opts *o, cJSON *causes)
{
    const char *match = o->rv_match;
    if (set(match)) {
        if (!set(o->resource_version))
            cause_forbidden(causes, "resourceVersionMatch",
                            "resourceVersionMatch is forbidden unless resourceVersion is provided");
        if (set(o->cont))
            cause_forbidden(causes, "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided");
        if (!is(match, "Exact") && !is(match, "NotOlderThan")) {
            static const char *const supported[] = {"Exact", "NotOlderThan", "", NULL};
            not_supported(causes, match, supported);
        }
        if (is(match, "Exact") && is(o->resource_version, "0"))
            cause_forbidden(causes, "resourceVersionMatch",
                            "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
    }
    if (o->send_initial >= 0)
        cause_forbidden(causes, "sendInitialEvents", "sendInitialEvents is forbidden for list");
}

cJSON *listopts_check(list_opts *o, bool watch_list)
{
    /* SetListOptionsDefaults: with the gate, a watch from "" or "0" that
     * names neither is a streaming list */
    if (watch_list && o->watch && o->send_initial < 0 && !set(o->rv_match) &&
        (!set(o->resource_version) || is(o->resource_version, "0"))) {
        o->send_initial = 1;
        o->rv_match = "NotOlderThan";
    }
    cJSON *causes = cJSON_CreateArray();
    if (o->watch)
        check_watch(o, watch_list, causes);
    else
        check_list(o, causes);
    if (!cJSON_GetArraySize(causes)) {
        cJSON_Delete(causes);
        return NULL;
    }
    return status_invalid("ListOptions", "meta.k8s.io", "", causes);
}

/* ---------- continue tokens ---------- */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *listopts_continue_encode(uint64_t rv, const char *last_key)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "v", "meta.k8s.io/v1");
    cJSON_AddNumberToObject(o, "rv", (double)rv);
    char *start = xasprintf("%s", last_key); /* and the NUL after it, written below */
    cJSON_AddStringToObject(o, "start", start);
    free(start);
    char *json = jprint(o);
    cJSON_Delete(o);
    /* Go writes the start key's trailing NUL as \u0000 */
    size_t n = strlen(json);
    char *full = xmalloc(n + 8);
    char *end = strrchr(json, '"'); /* the closing quote of start: the last member */
    size_t at = (size_t)(end - json);
    memcpy(full, json, at);
    memcpy(full + at, "\\u0000", 6);
    strcpy(full + at + 6, json + at);
    free(json);
    strbuf out = {0};
    strbuf_base64(&out, full, strlen(full), true);
    free(full);
    return out.s;
}

static cJSON *bad_token(const char *why)
{
    char *msg = xasprintf("invalid continue token: continue key is not valid: %s", why);
    cJSON *st = status_bad_request(msg);
    free(msg);
    return st;
}

cJSON *listopts_continue_decode(const char *token, uint64_t *rv, char **start)
{
    size_t n = strlen(token);
    char *raw = xmalloc(n + 1);
    size_t len = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = token[i] ? strchr(b64url, token[i]) : NULL;
        if (!c || n % 4 == 1) {
            free(raw);
            char why[64];
            snprintf(why, sizeof why, "illegal base64 data at input byte %zu", c ? n - 1 : i);
            return bad_token(why);
        }
        acc = acc << 6 | (unsigned)(c - b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw[len++] = (char)(acc >> bits & 0xff);
        }
    }
    raw[len] = 0;
    cJSON *o = cJSON_ParseWithLength(raw, len);
    free(raw);
    const char *v = cJSON_GetStringValue(jfield(o, "v"));
    const cJSON *r = jfield(o, "rv");
    const char *s = cJSON_GetStringValue(jfield(o, "start"));
    cJSON *st = NULL;
    if (!o)
        st = bad_token("invalid character in the encoded continue key");
    else if (!v || strcmp(v, "meta.k8s.io/v1")) {
        char *why = xasprintf("server does not recognize this encoded version \"%s\"", v ? v : "");
        st = bad_token(why);
        free(why);
    } else if (!cJSON_IsNumber(r) || r->valuedouble <= 0)
        st = bad_token("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    else if (!s || !*s)
        st = bad_token("encoded start key is empty");
    else if (*s == '/')
        st = bad_token("encoded start key begins with a '/' and is not valid");
    if (!st) {
        *rv = (uint64_t)r->valuedouble;
        *start = xstrdup(s);
    }
    cJSON_Delete(o);
    return st;
}
