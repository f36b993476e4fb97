/* fuzz_request: the HTTP request path in process, without sockets. An input
 * is up to 4 requests separated by a line "%%\n"; each is
 *   METHOD URL\n  (Header: value\n)*  \n  body
 * It builds an http_req as server/http.c's on_request does (decoded path
 * segments, decoded query, Content-Type, Accept, body) and answers it with
 * http.c's own http_split_path, http_prepare (before the lock) and
 * http_dispatch (discovery, route tables),
 * under the model lock, then settles. Oracles: every answer is well formed,
 * every error is a Status, and a failed request leaves the store unchanged.
 * Watches are not opened (they need a live connection). Test code only. */
#define _GNU_SOURCE
#include "fuzz_common.h"
#include "discovery.h"
#include "eviction.h"
#include "http.h"
#include "protobuf.h"
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
    /* a running clock would fire timers between and inside requests, and a
     * failed request could then seem to change the cluster */
    if (strstr(url, "sim/v1/clock/mode"))
        return;
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
    http_split_path(&rq, url);
    fz_query(&rq, q);

    http_prepare(&rq); /* as on_request: an eviction's body is decoded before the lock */
    cluster_lock(c);
    bool evict = rq.nseg == 7 && !strcmp(rq.seg[6], "eviction");
    char *before = fuzz_snapshot(c);
    char *before_l = evict ? fuzz_snapshot_lenient(c) : NULL;
    http_dispatch(&rq, &out);
    cluster_settle(c);
    if (!out.raw && !out.raw_type && !out.stream) {
        fuzz_check_result(&out.r);
        if (evict && fuzz_eviction_late_error(&out.r))
            fuzz_check_unchanged2(c, before_l, &out.r, text, 1);
        else
            fuzz_check_unchanged(c, before, &out.r, text);
        cJSON *t = http_table(&rq, &out);
        if (t) {
            char *ts = cJSON_PrintUnformatted(t);
            if (!ts)
                fuzz_fail("table does not print", NULL);
            free(ts);
            cJSON_Delete(t);
        }
    }
    cluster_unlock(c);
    http_release(&rq);
    free(before);
    free(before_l);
    free(out.raw);
    api_result_clear(&out.r);
    http_req_free(&rq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    fieldval_set_schema(protobuf_schema()); /* as main does */
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
