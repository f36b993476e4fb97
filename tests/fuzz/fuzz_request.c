/* fuzz_request: the HTTP request path in process, without sockets. An input
 * is up to 4 requests separated by a line "%%\n"; each is
 *   METHOD URL\n  (Header: value\n)*  \n  body
 * It builds an http_req as server/http.c's on_request does (decoded path
 * segments, decoded query, Content-Type, Accept, body) and routes it through
 * discovery and the exported route tables exactly as http.c's route() does,
 * under the model lock, then settles. Oracles: every answer is well formed,
 * every error is a Status, and a failed request leaves the store unchanged.
 * Watches are not opened (they need a live connection). Test code only. */
#define _GNU_SOURCE
#include "fuzz_common.h"
#include "discovery.h"
#include "http.h"
#include "table.h"
#include <stdint.h>

#define FUZZ_MAX_REQS 4

/* Percent-decode in place as libmicrohttpd does for the path and query. */
static void fz_unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '%' && r[1] && r[2] && strchr("0123456789abcdefABCDEF", r[1]) &&
            strchr("0123456789abcdefABCDEF", r[2])) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
}

static void fz_split_path(http_req *rq, const char *url)
{
    const char *p = url;
    /* http.c loops to HTTP_MAX_SEGS and then writes the marker at seg[12],
     * past the array (reported to the lead); this mirrors the proposed fix. */
    while (*p && rq->nseg < HTTP_MAX_SEGS - 1) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        rq->seg[rq->nseg++] = strndup(p, n);
        p += n;
    }
    if (*p)
        rq->seg[rq->nseg++] = strdup("\x01");
}

static bool fz_match(const http_route *rt, const http_req *rq)
{
    if (strcmp(rt->method, "*") && strcmp(rt->method, rq->method))
        return false;
    const char *p = rt->pattern;
    int i = 0;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && !strncmp(p, "**", 2))
            return true;
        if (i >= rq->nseg)
            return false;
        if (!(n == 2 && !strncmp(p, "{}", 2)) && (strlen(rq->seg[i]) != n || strncmp(p, rq->seg[i], n)))
            return false;
        i++;
        p += n;
    }
    return i == rq->nseg;
}

static void fz_route(http_req *rq, http_resp *out)
{
    static const http_route *const tables[] = {sim_routes, eviction_routes, resource_routes, NULL};
    disc_reply d = {0};
    if (!strcmp(rq->method, "GET") && discovery_answer(rq->url, rq->accept, rq->host, &d)) {
        out->raw = d.body;
        out->raw_len = d.len;
        out->raw_type = d.content_type;
        out->r.code = d.code;
        return;
    }
    for (int t = 0; tables[t]; t++)
        for (const http_route *rt = tables[t]; rt->pattern; rt++)
            if (fz_match(rt, rq)) {
                rt->fn(rq, out);
                return;
            }
    api_result_status(&out->r, status_failure(404, "NotFound", "the server could not find the requested resource"));
}

/* What json_response in http.c does with a Table request. */
static void fz_render(http_req *rq, http_resp *out)
{
    if (!out->table || out->r.code != 200 || !out->r.body)
        return;
    cJSON *items = cJSON_GetObjectItem(out->r.body, "items");
    cJSON *t;
    if (items) {
        int n = cJSON_GetArraySize(items);
        cJSON **objs = calloc(n ? n : 1, sizeof *objs);
        for (int i = 0; i < n; i++)
            objs[i] = cJSON_GetArrayItem(items, i);
        t = table_render(out->table_kind, objs, n, cluster_now(rq->c), "1");
        free(objs);
    } else {
        t = table_render(out->table_kind, &out->r.body, 1, cluster_now(rq->c), "1");
    }
    char *s = cJSON_PrintUnformatted(t);
    if (!s)
        fuzz_fail("table does not print", NULL);
    free(s);
    cJSON_Delete(t);
}

/* Parse the query string into rq (keys/values point into `q`, modified). */
static void fz_query(http_req *rq, char *q)
{
    while (q && *q && rq->nq < HTTP_MAX_QUERY) {
        char *amp = strchr(q, '&');
        if (amp)
            *amp = 0;
        char *eq = strchr(q, '=');
        if (eq)
            *eq = 0;
        fz_unescape(q);
        if (eq)
            fz_unescape(eq + 1);
        if (strcmp(q, "watch")) { /* no live connection for a watch */
            rq->qk[rq->nq] = q;
            rq->qv[rq->nq] = eq ? eq + 1 : "";
            rq->nq++;
        }
        q = amp ? amp + 1 : NULL;
    }
}

static void fz_one(cluster *c, char *text, size_t len)
{
    http_req rq = {0};
    http_resp out = {0};
    char *nl = memchr(text, '\n', len);
    if (!nl)
        return;
    *nl = 0;
    char *sp = strchr(text, ' ');
    if (!sp || sp == text)
        return;
    *sp = 0;
    char *url = sp + 1;
    char *q = strchr(url, '?');
    if (q)
        *q++ = 0;
    fz_unescape(url);
    char *h = nl + 1, *end = text + len;
    while (h < end && *h != '\n') {
        char *e = memchr(h, '\n', end - h);
        if (!e)
            e = end;
        *e = 0;
        if (!strncasecmp(h, "Content-Type: ", 14))
            rq.content_type = h + 14;
        else if (!strncasecmp(h, "Accept: ", 8))
            rq.accept = h + 8;
        h = e + 1;
    }
    if (h < end)
        h++;
    rq.method = text;
    rq.url = url;
    rq.c = c;
    rq.host = "127.0.0.1:6443";
    rq.body = h < end ? h : NULL;
    rq.body_len = h < end ? (size_t)(end - h) : 0;
    fz_split_path(&rq, url);
    fz_query(&rq, q);

    cluster_lock(c);
    bool evict = rq.nseg == 7 && !strcmp(rq.seg[6], "eviction");
    char *before = fuzz_snapshot(c);
    char *before_l = evict ? fuzz_snapshot_lenient(c) : NULL;
    fz_route(&rq, &out);
    cluster_settle(c);
    if (!out.raw && !out.raw_type && !out.stream) {
        fuzz_check_result(&out.r);
        if (evict && fuzz_eviction_late_error(&out.r))
            fuzz_check_unchanged2(c, before_l, &out.r, text, 1);
        else
            fuzz_check_unchanged(c, before, &out.r, text);
        fz_render(&rq, &out);
    }
    cluster_unlock(c);
    free(before);
    free(before_l);
    free(out.raw);
    api_result_clear(&out.r);
    for (int i = 0; i < rq.nseg; i++)
        free(rq.seg[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    cluster *c = fuzz_cluster();
    char *p = buf, *end = buf + size;
    for (int n = 0; n < FUZZ_MAX_REQS && p < end; n++) {
        char *sep = memmem(p, end - p, "\n%%\n", 4);
        size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
        char *one = malloc(len + 1);
        memcpy(one, p, len);
        one[len] = 0;
        fz_one(c, one, len);
        free(one);
        p = sep ? sep + 4 : end;
    }
    cluster_free(c);
    free(buf);
    return 0;
}
