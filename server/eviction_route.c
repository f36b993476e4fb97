/* eviction (server): the route of POST /api/v1/namespaces/{ns}/pods/{name}/eviction.
 * Maps Content-Type to a body type and calls model/eviction; any other method
 * is 405. Must not decide semantics: model/api/eviction.c does. */
#include "eviction.h"
#include "http.h"
#include "protobuf.h"
#include "rest.h"
#include <string.h>
#include <strings.h>

static const char evict_media[] = "application/json, application/yaml, application/vnd.kubernetes.protobuf";

static bool evict_media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    /* the type as clients write it first: a case-blind compare costs more */
    return (!strncmp(ct, type, n) || !strncasecmp(ct, type, n)) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

/* BODY_JSON for application/json, no Content-Type or a protobuf body already
 * rewritten as JSON; BODY_YAML; BODY_PROTOBUF; else BODY_OTHER. */
static int evict_body_type(const http_req *rq)
{
    const char *ct = rq->content_type;
    if (rq->body_alloc || !ct || !*ct)
        return BODY_JSON;
    if (strncasecmp(ct, "application/", 12)) /* every type served is application/ */
        return BODY_OTHER;
    switch (ct[12] | 0x20) { /* the subtype's first letter picks the one to compare */
    case 'j':
        return evict_media_is(ct + 12, "json") ? BODY_JSON : BODY_OTHER;
    case 'y':
        return evict_media_is(ct + 12, "yaml") ? BODY_YAML : BODY_OTHER;
    case 'v':
        return evict_media_is(ct + 12, &PROTOBUF_MEDIA[12]) ? BODY_PROTOBUF : BODY_OTHER; /* past "application/" */
    }
    return BODY_OTHER;
}

/* A protobuf Eviction rewritten as the JSON the model reads (rq->body);
 * NULL, or the 400 Status of a body that does not decode. */
static cJSON *evict_from_protobuf(http_req *rq)
{
    cJSON *st = NULL;
    size_t len = 0;
    char *json = protobuf_body_json((const unsigned char *)rq->body, rq->body_len, "policy", "v1", "Eviction", &len, &st);
    if (json) {
        rq->body_alloc = json;
        rq->body = json;
        rq->body_len = len;
    }
    return st;
}

static evict_req evict_request(http_req *rq)
{
    return (evict_req){
        .ns = rq->seg[3],
        .name = rq->seg[5],
        .body = rq->body,
        .body_len = rq->body_len,
        .body_type = evict_body_type(rq),
        .dry_run_query = http_query(rq, "dryRun"),
        .pre = rq->prepared ? (evict_pre *)rq->pre : NULL,
        .text = true, /* http.c sends api_result.text as it is */
        .kv = &rq->c->opts.kv,
    };
}

_Static_assert(sizeof(evict_pre) <= HTTP_PRE_SIZE, "evict_pre fits in http_req.pre");

/* Before the model lock: the body decoded and the checks that need no
 * model (evict_predecode). A body that is not JSON or YAML is left to
 * eviction_answer's 415. */
static bool eviction_prepare(http_req *rq)
{
    evict_req e = evict_request(rq);
    if (e.body_type == BODY_OTHER)
        return false;
    if (e.body_type == BODY_PROTOBUF && (e.tree = protobuf_body_name_only((const unsigned char *)rq->body, rq->body_len,
                                                                           "policy", "v1", "Eviction"))) {
        evict_predecode(&e, (evict_pre *)rq->pre); /* the tree, with no text between */
        return true;
    }
    if (e.body_type == BODY_PROTOBUF) {
        cJSON *st = evict_from_protobuf(rq);
        if (st) { /* answered as a body that does not decode, after the dryRun check */
            evict_pre *pre = (evict_pre *)rq->pre;
            memset(pre, 0, sizeof *pre);
            pre->done = true;
            if ((pre->st = rest_check_dry_run(e.dry_run_query, "CreateOptions", &pre->qdry)))
                cJSON_Delete(st);
            else
                pre->st = st;
            return true;
        }
        e = evict_request(rq);
    }
    evict_predecode(&e, (evict_pre *)rq->pre);
    return true;
}

static void eviction_release(http_req *rq)
{
    evict_pre_clear((evict_pre *)rq->pre);
}

static void eviction_answer(http_req *rq, http_resp *out)
{
    evict_req e = evict_request(rq);
    http_format f = http_negotiate(rq, true);
    if (f == HTTP_FMT_NONE) {
        http_not_acceptable(out, false);
        evict_log(rq->c, e.ns, e.name, e.dry_run_query != NULL, &out->r, NULL,
                  "the Accept header names no type the server answers in → rejected");
        return;
    }
    out->protobuf = f == HTTP_FMT_PROTOBUF;
    if (e.body_type == BODY_OTHER) {
        api_result_status(&out->r, status_unsupported_media(evict_media));
        evict_log(rq->c, e.ns, e.name, e.dry_run_query != NULL, &out->r, NULL,
                  "the request body's Content-Type is not JSON, YAML or protobuf → rejected");
        return;
    }
    /* not prepared (no prepare hook ran), or prepared without a document: read
     * again, so that a body that does not decode is answered and logged as such */
    if (e.body_type == BODY_PROTOBUF && (!e.pre || !e.pre->body)) {
        cJSON *st = evict_from_protobuf(rq);
        if (st) {
            api_result_status(&out->r, st);
            evict_log(rq->c, e.ns, e.name, e.dry_run_query != NULL, &out->r, NULL,
                      "the protobuf request body does not decode → rejected");
            return;
        }
        e = evict_request(rq);
    }
    evict_pod(rq->c, &e, &out->r);
}

static void evict_not_allowed(http_req *rq, http_resp *out)
{
    (void)rq;
    api_result_status(&out->r, status_method_not_allowed());
}

const http_route eviction_routes[] = {
    {.method = "POST", .pattern = "api/v1/namespaces/{}/pods/{}/eviction", .fn = eviction_answer,
     .prepare = eviction_prepare, .release = eviction_release},
    {.method = "*", .pattern = "api/v1/namespaces/{}/pods/{}/eviction", .fn = evict_not_allowed},
    {0},
};
