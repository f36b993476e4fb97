/* listopts: ListOptions defaults and validation as apimachinery v0.33.0
 * writes them (pkg/apis/meta/internalversion/{defaults,validation}), and its
 * query integers (pkg/runtime/conversion.go). Decides what a list or watch
 * request may ask; never lists anything itself. */
#include "listopts.h"
#include "status.h"
#include "text.h"
#include "xalloc.h"
#include <errno.h>
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
