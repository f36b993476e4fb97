/* eviction (server): the route of POST /api/v1/namespaces/{ns}/pods/{name}/eviction.
 * Maps Content-Type to a body type and calls model/eviction; any other method
 * is 405. Must not decide semantics: model/eviction.c does. */
#include "eviction.h"
#include "http.h"
#include "rest.h"
#include <string.h>
#include <strings.h>

static const char evict_media[] = "application/json, application/yaml, application/vnd.kubernetes.protobuf";

static bool evict_media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return !strncasecmp(ct, type, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

/* BODY_JSON for application/json or no Content-Type, BODY_YAML, else BODY_OTHER. */
static int evict_body_type(const char *ct)
{
    if (!ct || !*ct || evict_media_is(ct, "application/json"))
        return BODY_JSON;
    if (evict_media_is(ct, "application/yaml"))
        return BODY_YAML;
    return BODY_OTHER;
}

static void evict_post(http_req *rq, http_resp *out)
{
    evict_req e = {
        .ns = rq->seg[3],
        .name = rq->seg[5],
        .body = rq->body,
        .body_len = rq->body_len,
        .body_type = evict_body_type(rq->content_type),
        .dry_run_query = http_query(rq, "dryRun"),
    };
    if (e.body_type == BODY_OTHER) {
        api_result_status(&out->r, status_unsupported_media(evict_media));
        evict_log(rq->c, e.ns, e.name, e.dry_run_query != NULL, &out->r, NULL,
                  "the request body's Content-Type is not JSON or YAML → rejected");
        return;
    }
    evict_pod(rq->c, &e, &out->r);
}

static void evict_not_allowed(http_req *rq, http_resp *out)
{
    (void)rq;
    api_result_status(&out->r, status_method_not_allowed());
}

const http_route eviction_routes[] = {
    {"POST", "api/v1/namespaces/{}/pods/{}/eviction", evict_post},
    {"*", "api/v1/namespaces/{}/pods/{}/eviction", evict_not_allowed},
    {NULL, NULL, NULL},
};
