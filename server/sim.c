/* sim: the /sim/v1 API (clock, load, reset, snapshot, eviction log).
 * Parses and answers; the model decides. */
#include "eviction.h"
#include "http.h"
#include "json.h"
#include "manifest.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static cJSON *clock_doc(cluster *c)
{
    char now[32];
    clock_format(cluster_now(c), now);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "now", now);
    cJSON_AddStringToObject(o, "mode", clock_manual(c->clk) ? "manual" : "real");
    cJSON_AddNumberToObject(o, "scale", clock_scale(c->clk));
    return o;
}

static void get_clock(http_req *rq, http_resp *out)
{
    api_result_object(&out->r, 200, clock_doc(rq->c));
}

static void advance(http_req *rq, http_resp *out)
{
    cJSON *body = rq->body_len ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
    cJSON *secs = cJSON_GetObjectItem(body, "seconds");
    if (!cJSON_IsNumber(secs) || secs->valuedouble < 0 || !isfinite(secs->valuedouble)) {
        api_result_status(&out->r, status_bad_request(
            "advance needs a body {\"seconds\":N} with N a number >= 0"));
    } else if (!clock_manual(rq->c->clk)) {
        api_result_status(&out->r, status_bad_request(
            "the clock is real: start evictsim with --clock manual to advance it"));
    } else if (secs->valuedouble >= CLOCK_MAX + 1 - cluster_now(rq->c)) {
        api_result_status(&out->r, status_bad_request(
            "advance would move the clock past 9999-12-31T23:59:59Z, the last time a timestamp can hold"));
    } else {
        clock_advance(rq->c->clk, secs->valuedouble);
        api_result_object(&out->r, 200, clock_doc(rq->c));
    }
    cJSON_Delete(body);
}

static void load(http_req *rq, http_resp *out)
{
    char *err = NULL;
    cluster_loader *l = cluster_loader_new(rq->c); /* each object prepared as soon as it is parsed */
    manifest_sink sink = cluster_loader_sink(l);
    if (manifest_parse_each(rq->body ? rq->body : "", rq->body_len, "request body", &sink, &err) < 0) {
        cluster_loader_discard(l);
        api_result_status(&out->r, status_bad_request(err ? err : "invalid manifest"));
        free(err);
        return;
    }
    int n = cluster_loader_finish(l, &out->r);
    if (n < 0)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "loaded", n);
    api_result_object(&out->r, 200, o);
}

static void reset(http_req *rq, http_resp *out)
{
    cluster_reset(rq->c);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "reset");
    api_result_object(&out->r, 200, o);
}

static void snapshot(http_req *rq, http_resp *out)
{
    api_result_object(&out->r, 200, cluster_snapshot(rq->c));
}

/* {"items":[...]}, written from the log as it is kept (model/api/eviction.h). */
static void evictions(http_req *rq, http_resp *out)
{
    api_result_clear(&out->r);
    strbuf_puts(&out->r.text, "{\"items\":");
    evict_log_print(rq->c, &out->r.text);
    strbuf_putc(&out->r.text, '}');
    out->r.code = 200;
}

/* The release answered as and the gates in force (model/version/kversion.h). */
static void info(http_req *rq, http_resp *out)
{
    api_result_object(&out->r, 200, kv_info(&rq->c->opts.kv));
}

static void not_allowed(http_req *rq, http_resp *out)
{
    (void)rq;
    api_result_status(&out->r, status_method_not_allowed());
}

const http_route sim_routes[] = {
    {.method = "GET", .pattern = "sim/v1/clock", .fn = get_clock},
    {.method = "POST", .pattern = "sim/v1/clock/advance", .fn = advance},
    {.method = "POST", .pattern = "sim/v1/load", .fn = load},
    {.method = "POST", .pattern = "sim/v1/reset", .fn = reset},
    {.method = "GET", .pattern = "sim/v1/snapshot", .fn = snapshot},
    {.method = "GET", .pattern = "sim/v1/evictions", .fn = evictions},
    {.method = "GET", .pattern = "sim/v1/info", .fn = info},
    {.method = "*", .pattern = "sim/v1/clock", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/clock/advance", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/load", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/reset", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/snapshot", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/evictions", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/info", .fn = not_allowed},
    {0},
};
