/* resources: the REST routes of every kind (/api/v1/..., /apis/G/V/...):
 * URL → (verb, kind, namespace, name, subresource), Content-Type → body
 * type, then model/rest. Must not decide semantics. */
#include "http.h"
#include "protobuf.h"
#include "registry.h"
#include "rest.h"
#include "table.h"
#include "watch.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    const kind_info *ki;
    const char *ns;
    const char *name;
    const char *sub;
} res_path;

/* The subresource a row serves under this name (RS_NONE: none). */
static rest_sub sub_of(const kind_info *ki, const char *sub)
{
    if (!strcmp(sub, "status") && ki->has_status)
        return RS_STATUS;
    if (!strcmp(sub, "scale") && (ki->subs & KS_SCALE))
        return RS_SCALE;
    if (!strcmp(sub, "binding") && (ki->subs & KS_BINDING))
        return RS_BINDING;
    if (!strcmp(sub, "token") && (ki->subs & KS_TOKEN))
        return RS_TOKEN;
    if (!strcmp(sub, "log") && (ki->subs & KS_LOG))
        return (rest_sub)-1; /* answered here, as text */
    return RS_NONE;
}

/* Parse the segments after the group version. 0 ok, -1 not a resource URL. */
static int parse_path(const http_req *rq, res_path *p)
{
    int i;
    const char *group, *version = "v1";
    memset(p, 0, sizeof *p);
    if (rq->nseg >= 3 && !strcmp(rq->seg[0], "api") && !strcmp(rq->seg[1], "v1")) {
        group = "";
        i = 2;
    } else if (rq->nseg >= 4 && !strcmp(rq->seg[0], "apis")) {
        group = rq->seg[1];
        version = rq->seg[2];
        i = 3;
    } else {
        return -1;
    }
    int rest = rq->nseg - i;
    const char *const *s = (const char *const *)rq->seg + i;
    if (rest >= 3 && !strcmp(s[0], "namespaces")) {
        p->ns = s[1];
        p->ki = kind_by_resource(group, version, s[2]);
        p->name = rest >= 4 ? s[3] : NULL;
        p->sub = rest >= 5 ? s[4] : NULL;
        if (rest > 5 || (p->ki && !p->ki->namespaced))
            return -1;
    } else {
        p->ki = kind_by_resource(group, version, s[0]);
        p->name = rest >= 2 ? s[1] : NULL;
        p->sub = rest >= 3 ? s[2] : NULL;
        if (rest > 3)
            return -1;
    }
    if (!p->ki)
        return -1;
    if (p->sub && !sub_of(p->ki, p->sub))
        return -1;
    return 0;
}

static bool media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return ct && !strncasecmp(ct, type, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

static body_type classify(const char *ct)
{
    static const struct { const char *type; body_type t; } types[] = {
        {"application/json", BODY_JSON},
        {"application/yaml", BODY_YAML},
        {"application/merge-patch+json", BODY_MERGE_PATCH},
        {"application/json-patch+json", BODY_JSON_PATCH},
        {"application/strategic-merge-patch+json", BODY_STRATEGIC_PATCH},
        {"application/apply-patch+yaml", BODY_APPLY_PATCH},
        {"application/vnd.kubernetes.protobuf", BODY_PROTOBUF},
    };
    if (!ct || !*ct)
        return BODY_NONE;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (media_is(ct, types[i].type))
            return types[i].t;
    return BODY_OTHER;
}

static const char body_types[] = "application/json, application/yaml, application/vnd.kubernetes.protobuf";

/* The ListOptions of a list or watch as the query gives them, converted
 * and checked as kube-apiserver does; a Status when they are bad. */
static cJSON *list_options(http_req *rq, list_opts *o)
{
    memset(o, 0, sizeof *o);
    o->watch = http_query_bool(rq, "watch");
    o->allow_bookmarks = http_query_bool(rq, "allowWatchBookmarks");
    o->resource_version = http_query(rq, "resourceVersion");
    o->rv_match = http_query(rq, "resourceVersionMatch");
    o->timeout = -1;
    const char *v;
    cJSON *st;
    if ((v = http_query(rq, "timeoutSeconds")) && (st = listopts_int(v, &o->timeout)))
        return st;
    if ((v = http_query(rq, "limit")) && (st = listopts_int(v, &o->limit)))
        return st;
    o->cont = http_query(rq, "continue");
    o->send_initial = http_query(rq, "sendInitialEvents") ? http_query_bool(rq, "sendInitialEvents") : -1;
    return listopts_check(o, kv_gate_on(&rq->c->opts.kv, G_WATCH_LIST));
}

/* Does the row serve the request's verb (a subresource has its own: scale get/update/patch,
 * binding create)? */
static bool verb_served(const http_req *rq, const res_path *p)
{
    const char *m = rq->method;
    unsigned v = p->ki->verbs;
    if (p->sub && (!strcmp(p->sub, "binding") || !strcmp(p->sub, "token")))
        return !strcmp(m, "POST");
    if (p->sub)
        return !strcmp(m, "GET") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
    if (!strcmp(m, "GET"))
        return (v & (p->name ? KV_GET : KV_LIST | KV_WATCH)) != 0;
    if (!strcmp(m, "POST"))
        return (v & KV_CREATE) && !p->name;
    if (!strcmp(m, "PUT"))
        return (v & KV_UPDATE) != 0;
    if (!strcmp(m, "PATCH"))
        return (v & KV_PATCH) != 0;
    if (!strcmp(m, "DELETE"))
        return (v & (p->name ? KV_DELETE : KV_DELETECOLLECTION)) != 0;
    return false;
}

/* GET pods/<name>/log: the container's log as text/plain. */
static void pod_log(http_req *rq, const res_path *p, http_resp *out)
{
    if (strcmp(rq->method, "GET")) {
        api_result_status(&out->r, status_method_not_allowed());
        return;
    }
    cJSON *st = NULL;
    char *text = registry_pod_log(rq->c, p->ns, p->name, http_query(rq, "container"), &st);
    if (!text) {
        api_result_status(&out->r, st);
        return;
    }
    out->raw = text;
    out->raw_len = strlen(text);
    out->raw_type = "text/plain";
    out->r.code = 200;
}

static void handle(http_req *rq, http_resp *out)
{
    res_path p;
    if (parse_path(rq, &p) < 0) {
        api_result_status(&out->r, status_failure(404, "NotFound", "the server could not find the requested resource"));
        status_details(out->r.body, NULL, NULL, NULL);
        return;
    }
    if (p.sub && !strcmp(p.sub, "log")) {
        pod_log(rq, &p, out);
        return;
    }
    rest_req r = {0};
    r.kind = p.ki->id;
    r.ns = p.ki->namespaced ? p.ns : NULL;
    r.name = p.name;
    r.sub = p.sub ? sub_of(p.ki, p.sub) : RS_NONE;
    r.status = r.sub == RS_STATUS;
    r.body = rq->body;
    r.body_len = rq->body_len;
    r.body_type = classify(rq->content_type);
    r.label_selector = http_query(rq, "labelSelector");
    r.field_selector = http_query(rq, "fieldSelector");
    r.dry_run = http_query(rq, "dryRun");
    r.grace_period = http_query(rq, "gracePeriodSeconds");
    r.propagation_policy = http_query(rq, "propagationPolicy");
    r.field_manager = http_query(rq, "fieldManager");
    r.force = http_query(rq, "force");
    r.field_validation = http_query(rq, "fieldValidation");
    const char *m = rq->method;
    bool named = p.name != NULL;
    /* the answer's format first, as kube-apiserver decides it before the verb */
    http_format f = http_negotiate(rq, protobuf_kind_known(p.ki->group, p.ki->version, p.ki->kind));
    if (f == HTTP_FMT_NONE) {
        http_not_acceptable(out, !strcmp(m, "GET") && http_query_bool(rq, "watch"));
        return;
    }
    out->protobuf = f == HTTP_FMT_PROTOBUF;
    if (!verb_served(rq, &p)) {
        api_result_status(&out->r, status_method_not_allowed());
        return;
    }
    list_opts lo;
    if (!strcmp(m, "GET") && (!named || http_query_bool(rq, "watch"))) {
        cJSON *st = list_options(rq, &lo);
        if (st) {
            api_result_status(&out->r, st);
            return;
        }
        if (lo.watch) {
            watch_start(rq, out, r.kind, r.ns, r.name, r.label_selector, r.field_selector, &lo);
            return;
        }
        r.limit = lo.limit;
        r.cont = lo.cont;
    }
    if (!strcmp(m, "GET"))
        r.verb = named ? V_GET : V_LIST;
    else if (!strcmp(m, "POST") && !named && (p.ki->namespaced ? p.ns != NULL : true))
        r.verb = V_CREATE;
    else if (!strcmp(m, "POST") && (r.sub == RS_BINDING || r.sub == RS_TOKEN))
        r.verb = V_CREATE;
    else if (!strcmp(m, "PUT") && named)
        r.verb = V_UPDATE;
    else if (!strcmp(m, "PATCH") && named)
        r.verb = V_PATCH;
    else if (!strcmp(m, "DELETE") && !p.sub)
        r.verb = named ? V_DELETE : V_DELETECOLLECTION;
    else {
        api_result_status(&out->r, status_method_not_allowed());
        return;
    }
    bool del = r.verb == V_DELETE || r.verb == V_DELETECOLLECTION;
    if (r.body_type == BODY_PROTOBUF && (rq->body_len || !del) && (r.verb == V_CREATE || r.verb == V_UPDATE || del)) {
        /* decoded into the JSON document the JSON path takes */
        cJSON *st = NULL;
        size_t len = 0;
        bool token = r.sub == RS_TOKEN; /* the body is a TokenRequest */
        char *json = protobuf_body_json((const unsigned char *)rq->body, rq->body_len,
                                        token ? "authentication.k8s.io" : p.ki->group, token ? "v1" : p.ki->version,
                                        del ? "DeleteOptions" : token ? "TokenRequest" : p.ki->kind, &len, &st);
        if (!json) {
            api_result_status(&out->r, st);
            return;
        }
        rq->body_alloc = json;
        r.body = json;
        r.body_len = len;
        r.body_type = BODY_JSON;
    }
    if ((r.verb == V_CREATE || r.verb == V_UPDATE) && r.body_type != BODY_JSON && r.body_type != BODY_YAML &&
        !(r.body_type == BODY_NONE && rq->body_len == 0)) {
        api_result_status(&out->r, status_unsupported_media(body_types));
        return;
    }
    rest_handle(rq->c, &r, &out->r);
    if ((r.verb == V_GET || r.verb == V_LIST) && table_requested(rq->accept)) {
        out->table = true;
        out->table_kind = r.kind;
    }
}

const http_route resource_routes[] = {
    {.method = "*", .pattern = "api/v1/**", .fn = handle},
    {.method = "*", .pattern = "apis/**", .fn = handle},
    {0},
};
