/* ui: the web view's routes. Serves the page (GET /, /ui/, /ui/FILE) and
 * the fixtures embedded at build time (GET /sim/v1/fixtures[/PATH]), and
 * two small /sim/v1 endpoints the page needs: the eviction log from an
 * index on (GET /sim/v1/evictions/tail) and pausing or scaling the clock
 * (POST /sim/v1/clock/mode). Reads no file at run time; decides nothing:
 * the model keeps the log and the clock. */
#include "ui.h"
#include "eviction.h"
#include "http.h"
#include "json.h"
#include "manifest.h"
#include "xalloc.h"
#include <stdlib.h>
#include <string.h>

bool ui_enabled = true;

static const ui_asset *find_asset(const char *path)
{
    if (!evictsim_ui_assets)
        return NULL;
    for (const ui_asset *a = evictsim_ui_assets; a->path; a++)
        if (!strcmp(a->path, path))
            return a;
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static const char *content_type(const char *path)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".yaml", "text/yaml; charset=utf-8"}, {".json", "application/json"},
        {".png", "image/png"}, {".svg", "image/svg+xml"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (ends_with(path, types[i][0]))
            return types[i][1];
    return "application/octet-stream";
}

static void not_found(http_resp *out)
{
    api_result_status(&out->r, status_failure(404, "NotFound", "the server could not find the requested resource"));
    status_details(out->r.body, NULL, NULL, NULL);
}

static void not_allowed(http_req *rq, http_resp *out)
{
    (void)rq;
    api_result_status(&out->r, status_method_not_allowed());
}

static void send_asset(const char *path, http_resp *out)
{
    const ui_asset *a = find_asset(path);
    if (!a) {
        not_found(out);
        return;
    }
    out->raw = xmalloc(a->len ? a->len : 1);
    memcpy(out->raw, a->data, a->len);
    out->raw_len = a->len;
    out->raw_type = content_type(a->path);
    out->r.code = 200;
}

/* The segments from `from` on, joined by '/', into buf; false when they
 * do not fit or one of them is "..". */
static bool join_segs(const http_req *rq, int from, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = from; i < rq->nseg; i++) {
        size_t len = strlen(rq->seg[i]);
        if (!strcmp(rq->seg[i], "..") || at + len + 2 > n)
            return false;
        if (at)
            buf[at++] = '/';
        memcpy(buf + at, rq->seg[i], len + 1);
        at += len;
    }
    return true;
}

static bool wants_html(const char *accept)
{
    return accept && strstr(accept, "text/html");
}

static void page(http_req *rq, http_resp *out)
{
    char path[512] = "ui/";
    if (!ui_enabled || (rq->nseg == 0 && !wants_html(rq->accept))) {
        /* "/" is the page for a browser only (it asks for text/html); an API
         * client gets the 404 it always got (and "/%00" is "/" in C). */
        not_found(out);
    } else if (rq->nseg <= 1) { /* "/", "/ui", "/ui/" */
        send_asset("ui/index.html", out);
    } else if (join_segs(rq, 1, path + 3, sizeof path - 3)) {
        send_asset(path, out);
    } else {
        not_found(out);
    }
}

bool ui_public_path(const char *method, const char *url, const char *accept)
{
    if (strcmp(method, "GET") || !ui_enabled)
        return false;
    return (!strcmp(url, "/") && wants_html(accept)) || !strcmp(url, "/ui") || !strncmp(url, "/ui/", 4);
}

/* ---- /sim/v1/fixtures ---------------------------------------------------- */

/* The comment lines a fixture opens with, without their "# ". */
static char *header_of(const ui_asset *a)
{
    strbuf b = {0};
    const char *p = (const char *)a->data, *end = p + a->len;
    while (p < end && *p == '#') {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *s = p + 1;
        if (s < eol && *s == ' ')
            s++;
        strbuf_putn(&b, s, (size_t)(eol - s));
        strbuf_putc(&b, '\n');
        p = nl ? nl + 1 : end;
    }
    if (!b.s)
        strbuf_puts(&b, "");
    return b.s;
}

static const char *fixture_kind(const char *path) /* path without "fixtures/" */
{
    if (!strncmp(path, "lessons/", 8))
        return "lesson";
    if (!strncmp(path, "scenarios/", 10) && !strchr(path + 10, '/'))
        return "scenario";
    return "cluster";
}

/* {"path","kind","title"}, and with `full` the header and the content:
 * a scenario as one document ("scenario"), anything else as its objects
 * ("objects"). The title is a scenario's description, else the first
 * header line. NULL (and *err) when the fixture does not parse. */
static cJSON *fixture_item(const ui_asset *a, bool full, char **err)
{
    const char *path = a->path + strlen("fixtures/");
    const char *kind = fixture_kind(path);
    bool is_scenario = !strcmp(kind, "scenario");
    cJSON *content = NULL;
    if (is_scenario)
        content = manifest_parse_one((const char *)a->data, a->len, err);
    else if (full)
        content = manifest_parse((const char *)a->data, a->len, a->path, err);
    if ((is_scenario || full) && !content)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "kind", kind);
    char *header = header_of(a);
    const char *desc = is_scenario ? cJSON_GetStringValue(cJSON_GetObjectItem(content, "description")) : NULL;
    char *first = xstrndup(header, strcspn(header, "\n"));
    cJSON_AddStringToObject(o, "title", desc ? desc : *first ? first : path);
    free(first);
    if (full) {
        cJSON_AddStringToObject(o, "header", header);
        cJSON_AddItemToObject(o, is_scenario ? "scenario" : "objects", content);
    } else {
        cJSON_Delete(content);
    }
    free(header);
    return o;
}

static void fixtures_list(http_req *rq, http_resp *out)
{
    (void)rq;
    cJSON *items = cJSON_CreateArray();
    for (const ui_asset *a = evictsim_ui_assets; a && a->path; a++) {
        char *err = NULL;
        cJSON *it = strncmp(a->path, "fixtures/", 9) ? NULL : fixture_item(a, false, &err);
        free(err);
        if (it)
            cJSON_AddItemToArray(items, it);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "items", items);
    api_result_object(&out->r, 200, o);
}

static void fixture_get(http_req *rq, http_resp *out)
{
    char path[512] = "fixtures/";
    const ui_asset *a = join_segs(rq, 3, path + 9, sizeof path - 9) ? find_asset(path) : NULL;
    if (!a) {
        not_found(out);
        return;
    }
    char *err = NULL;
    cJSON *o = fixture_item(a, true, &err);
    if (!o)
        api_result_status(&out->r, status_internal(err ? err : "cannot parse the fixture"));
    else
        api_result_object(&out->r, 200, o);
    free(err);
}

/* ---- /sim/v1/evictions/tail ---------------------------------------------- */

/* {"length":L,"from":N,"prev":entry N-1 or null,"items":[entries N..L-1]}:
 * the page asks for what it has not seen; when the log dropped its oldest
 * entries, prev differs from the last entry the page holds and it asks
 * again from 0. */
static void evictions_tail(http_req *rq, http_resp *out)
{
    const char *f = http_query(rq, "from");
    char *end = NULL;
    long from = f ? strtol(f, &end, 10) : 0;
    if (f && (!*f || *end || from < 0)) {
        api_result_status(&out->r, status_bad_request("from must be a whole number >= 0"));
        return;
    }
    strbuf b = {0};
    evict_log_print(rq->c, &b);
    cJSON *log = cJSON_ParseWithLength(b.s, b.len);
    free(b.s);
    int len = cJSON_GetArraySize(log);
    cJSON *o = cJSON_CreateObject(), *items = cJSON_CreateArray();
    cJSON_AddNumberToObject(o, "length", len);
    cJSON_AddNumberToObject(o, "from", (double)from);
    cJSON *prev = from > 0 && from <= len ? cJSON_DetachItemFromArray(log, (int)from - 1) : NULL;
    cJSON_AddItemToObject(o, "prev", prev ? prev : cJSON_CreateNull());
    if (prev)
        from--; /* the array is one shorter now */
    while (from < cJSON_GetArraySize(log))
        cJSON_AddItemToArray(items, cJSON_DetachItemFromArray(log, (int)from));
    cJSON_AddItemToObject(o, "items", items);
    cJSON_Delete(log);
    api_result_object(&out->r, 200, o);
}

/* ---- /sim/v1/clock/mode --------------------------------------------------- */

/* {"mode":"manual"} pauses the clock where it is; {"mode":"real","scale":X}
 * lets it run again from there at X times the wall clock. */
static void clock_mode(http_req *rq, http_resp *out)
{
    cJSON *body = rq->body_len ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
    const char *mode = cJSON_GetStringValue(cJSON_GetObjectItem(body, "mode"));
    cJSON *scale = cJSON_GetObjectItem(body, "scale");
    double x = cJSON_IsNumber(scale) ? scale->valuedouble : clock_scale(rq->c->clk);
    if (!mode || (strcmp(mode, "manual") && strcmp(mode, "real"))) {
        api_result_status(&out->r, status_bad_request(
            "mode needs a body {\"mode\":\"manual\"} or {\"mode\":\"real\",\"scale\":X}"));
    } else if (scale && (!cJSON_IsNumber(scale) || !(x > 0) || x > 1e6)) {
        api_result_status(&out->r, status_bad_request("scale must be a number > 0 and at most 1000000"));
    } else {
        clock_set_mode(rq->c->clk, !strcmp(mode, "manual"), x);
        char now[32];
        clock_format(cluster_now(rq->c), now);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "now", now);
        cJSON_AddStringToObject(o, "mode", mode);
        cJSON_AddNumberToObject(o, "scale", clock_scale(rq->c->clk));
        api_result_object(&out->r, 200, o);
    }
    cJSON_Delete(body);
}

const http_route ui_routes[] = {
    {.method = "GET", .pattern = "sim/v1/fixtures", .fn = fixtures_list},
    {.method = "GET", .pattern = "sim/v1/fixtures/**", .fn = fixture_get},
    {.method = "GET", .pattern = "sim/v1/evictions/tail", .fn = evictions_tail},
    {.method = "POST", .pattern = "sim/v1/clock/mode", .fn = clock_mode},
    {.method = "*", .pattern = "sim/v1/fixtures", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/fixtures/**", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/evictions/tail", .fn = not_allowed},
    {.method = "*", .pattern = "sim/v1/clock/mode", .fn = not_allowed},
    {.method = "GET", .pattern = "", .fn = page},
    {.method = "GET", .pattern = "ui/**", .fn = page},
    {0},
};
