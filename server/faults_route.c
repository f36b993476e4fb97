/* faults (server side): the /sim/v1/faults routes, and turning a request
 * into fault_attrs for model/faults to match. Decides nothing itself. */
#include "http.h"
#include "json.h"
#include <stdlib.h>
#include <string.h>

/* verb, resource, subresource, namespace and name of a resource request;
 * false for non-resource paths (discovery, /sim/v1). */
bool faults_attrs(const http_req *rq, fault_attrs *a)
{
    int i;
    memset(a, 0, sizeof *a);
    if (rq->nseg >= 3 && !strcmp(rq->seg[0], "api") && !strcmp(rq->seg[1], "v1"))
        i = 2;
    else if (rq->nseg >= 4 && !strcmp(rq->seg[0], "apis"))
        i = 3;
    else
        return false;
    int rest = rq->nseg - i;
    char *const *s = rq->seg + i;
    if (rest >= 3 && !strcmp(s[0], "namespaces")) {
        a->ns = s[1];
        a->resource = s[2];
        a->name = rest >= 4 ? s[3] : NULL;
        a->subresource = rest >= 5 ? s[4] : NULL;
    } else {
        a->resource = s[0];
        a->name = rest >= 2 ? s[1] : NULL;
        a->subresource = rest >= 3 ? s[2] : NULL;
        if (!strcmp(a->resource, "namespaces"))
            a->ns = a->name;
    }
    const char *m = rq->method;
    bool watch = http_query_bool(rq, "watch");
    if (!strcmp(m, "GET"))
        a->verb = watch ? "watch" : a->name ? "get" : "list";
    else if (!strcmp(m, "POST"))
        a->verb = "create";
    else if (!strcmp(m, "PUT"))
        a->verb = "update";
    else if (!strcmp(m, "PATCH"))
        a->verb = "patch";
    else if (!strcmp(m, "DELETE"))
        a->verb = a->name ? "delete" : "deletecollection";
    else
        a->verb = "";
    return true;
}

static void add(http_req *rq, http_resp *out)
{
    cJSON *doc = rq->body_len ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
    cJSON *err = NULL;
    cJSON *rule = doc ? faults_add(rq->c->faults, doc, &err)
                      : (err = status_bad_request("the body must be a JSON fault rule"), NULL);
    cJSON_Delete(doc);
    if (rule)
        api_result_object(&out->r, 201, rule);
    else
        api_result_status(&out->r, err);
}

static void list(http_req *rq, http_resp *out)
{
    api_result_object(&out->r, 200, faults_list(rq->c->faults));
}

static void clear(http_req *rq, http_resp *out)
{
    faults_clear(rq->c->faults);
    api_result_object(&out->r, 200, faults_list(rq->c->faults));
}

static void remove_one(http_req *rq, http_resp *out)
{
    char *end;
    long id = strtol(rq->seg[3], &end, 10);
    if (*end || !faults_remove(rq->c->faults, id)) {
        api_result_status(&out->r, status_failuref(404, "NotFound", "fault rule \"%s\" not found", rq->seg[3]));
        return;
    }
    api_result_object(&out->r, 200, faults_list(rq->c->faults));
}

static void not_allowed(http_req *rq, http_resp *out)
{
    (void)rq;
    api_result_status(&out->r, status_method_not_allowed());
}

const http_route faults_routes[] = {
    {.method = "POST", .pattern = "sim/v1/faults", .fn = add},
    {.method = "GET", .pattern = "sim/v1/faults", .fn = list},
    {.method = "DELETE", .pattern = "sim/v1/faults", .fn = clear},
    {.method = "DELETE", .pattern = "sim/v1/faults/{}", .fn = remove_one},
    {.method = "*", .pattern = "sim/v1/faults", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/faults/{}", .fn = not_allowed},
    {0},
};
