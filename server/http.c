/* http: libmicrohttpd daemon, parsing and dispatch, JSON/Status writing.
 * Must not decide semantics: it parses, locks the model, calls a route's
 * handler and writes what the handler answers. */
#define _GNU_SOURCE
#include "http.h"
#include "xalloc.h"
#include "discovery.h"
#include "eviction.h"
#include "table.h"
#include "json.h"
#include "protobuf.h"
#include "ui.h"
#include "watch.h"
#include <pthread.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *d;
    cluster *c;
    int fd;
    int port;
    char host[300];
    http_opts opts;
    pthread_t ticker;
    bool stopping; /* atomic: set by http_stop, read by the tick thread */
    struct resp_cache *caches; /* its pool threads' kept responses (under caches_mu) */
    pthread_mutex_t caches_mu;
};

typedef struct {
    char *body;
    size_t len, cap;
    bool too_big;
    bool delayed;      /* a delay fault already applied: run it now */
    api_result *pending; /* a fault's answer, sent after its delay */
} upload;

/* Connections suspended by a delay fault, resumed by the ticker. */
typedef struct delayed_conn {
    struct delayed_conn *next;
    struct MHD_Connection *conn;
    double at;
} delayed_conn;
static pthread_mutex_t delayed_mu = PTHREAD_MUTEX_INITIALIZER;
static delayed_conn *delayed_list;

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void delay_connection(struct MHD_Connection *conn, double secs)
{
    delayed_conn *d = xcalloc(1, sizeof *d);
    d->conn = conn;
    d->at = mono_now() + secs;
    pthread_mutex_lock(&delayed_mu);
    MHD_suspend_connection(conn);
    d->next = delayed_list;
    delayed_list = d;
    pthread_mutex_unlock(&delayed_mu);
}

/* Resume delayed connections that are due (all of them when `all`). */
static void resume_delayed(bool all)
{
    double now = mono_now();
    pthread_mutex_lock(&delayed_mu);
    for (delayed_conn **p = &delayed_list; *p;) {
        delayed_conn *d = *p;
        if (all || now >= d->at) {
            *p = d->next;
            MHD_resume_connection(d->conn);
            free(d);
        } else {
            p = &d->next;
        }
    }
    pthread_mutex_unlock(&delayed_mu);
}

/* Fault injection: true when a rule applies. A Status to answer with is
 * put in out; *delay is how long to hold the request first. */
static bool apply_faults(http_req *rq, http_resp *out, double *delay)
{
    fault_attrs a;
    cJSON *st = NULL;
    *delay = 0;
    if (!faults_attrs(rq, &a) || !faults_match(rq->c->faults, &a, &st, delay))
        return false;
    if (st)
        api_result_status(&out->r, st);
    return true;
}

static const http_route *const tables[] = {sim_routes, faults_routes, explain_routes, eviction_routes, ui_routes, resource_routes, NULL};

const char *http_query(const http_req *rq, const char *key)
{
    for (int i = 0; i < rq->nq; i++)
        if (!strcmp(rq->qk[i], key))
            return rq->qv[i];
    return NULL;
}

/* apimachinery's query conversion (runtime.Convert_Slice_string_To_bool):
 * false only when absent, "0" or "false" in any case; anything else, even
 * "", is true. Not strconv.ParseBool. */
bool http_query_bool(const http_req *rq, const char *key)
{
    const char *v = http_query(rq, key);
    return v && strcmp(v, "0") && strcasecmp(v, "false");
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    http_req *rq = cls;
    if (rq->nq < HTTP_MAX_QUERY) {
        rq->qk[rq->nq] = key;
        rq->qv[rq->nq] = value ? value : "";
        rq->nq++;
    }
    return MHD_YES;
}

void http_split_path(http_req *rq, const char *url)
{
    size_t need = strlen(url) + 3; /* the segments with their NULs, or a marker */
    char *out = need <= sizeof rq->segbuf ? rq->segbuf : (rq->segmem = xmalloc(need));
    const char *p = url;
    while (*p && rq->nseg < HTTP_MAX_SEGS - 1) { /* one slot kept for the marker */
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        memcpy(out, p, n);
        out[n] = 0;
        rq->seg[rq->nseg++] = out;
        out += n + 1;
        p += n;
    }
    if (*p) { /* more segments than we route: make sure nothing matches */
        memcpy(out, "\x01", 2);
        rq->seg[rq->nseg++] = out;
    }
}

void http_req_free(http_req *rq)
{
    free(rq->segmem);
    rq->segmem = NULL;
    free(rq->body_alloc);
    rq->body_alloc = NULL;
    rq->nseg = 0;
}

static bool match(const http_route *rt, const http_req *rq)
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

void http_dispatch(http_req *rq, http_resp *out)
{
    if (rq->prepared) {
        rq->prepared->fn(rq, out);
        return;
    }
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
            if (match(rt, rq)) {
                rt->fn(rq, out);
                return;
            }
    api_result_status(&out->r, status_failure(404, "NotFound", "the server could not find the requested resource"));
    status_details(out->r.body, NULL, NULL, NULL);
}

void http_prepare(http_req *rq)
{
    for (int t = 0; tables[t]; t++)
        for (const http_route *rt = tables[t]; rt->pattern; rt++)
            if (rt->prepare && match(rt, rq) && rt->prepare(rq)) {
                rq->prepared = rt;
                return;
            }
}

void http_release(http_req *rq)
{
    if (rq->prepared && rq->prepared->release)
        rq->prepared->release(rq);
    rq->prepared = NULL;
}

cJSON *http_table(http_req *rq, const http_resp *out)
{
    cJSON *body = out->r.body;
    if (!out->table || out->r.code != 200 || !body)
        return NULL;
    cJSON *items = cJSON_GetObjectItem(body, "items");
    if (!items)
        return table_render(out->table_kind, &body, 1, cluster_now(rq->c), jstr(body, "metadata.resourceVersion"));
    char rv[32] = "";
    const char *lrv = jstr(body, "metadata.resourceVersion");
    if (lrv)
        snprintf(rv, sizeof rv, "%s", lrv);
    int n = cJSON_GetArraySize(items);
    cJSON **objs = xcalloc(n ? n : 1, sizeof *objs);
    int i = 0;
    for (cJSON *it = items->child; it && i < n; it = it->next)
        objs[i++] = it;
    cJSON *table = table_render(out->table_kind, objs, n, cluster_now(rq->c), rv);
    free(objs);
    /* a page's continue token and count stay with the Table (kubectl --chunk-size) */
    static const char *const paging[] = {"continue", "remainingItemCount"};
    for (int k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "metadata"), paging[k]);
        cJSON *md = cJSON_GetObjectItem(table, "metadata");
        if (v && md)
            cJSON_AddItemToObject(md, paging[k], cJSON_Duplicate(v, true));
    }
    return table;
}

static struct MHD_Response *json_response(http_req *rq, http_resp *out)
{
    if (out->r.text.s) { /* written as text by the handler (an eviction's Status) */
        strbuf_putc(&out->r.text, '\n');
        struct MHD_Response *resp = MHD_create_response_from_buffer(out->r.text.len, out->r.text.s,
                                                                    MHD_RESPMEM_MUST_FREE);
        out->r.text = (strbuf){0};
        MHD_add_response_header(resp, "Content-Type", "application/json");
        return resp;
    }
    cJSON *table = http_table(rq, out);
    cJSON *body = table ? table : out->r.body;
    size_t len = 2;
    char *text = body ? jprint_len(body, &len) : xstrdup("{}");
    cJSON_Delete(table);
    char *withnl = xrealloc(text, len + 2);
    withnl[len] = '\n';
    withnl[len + 1] = 0;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len + 1, withnl, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    return resp;
}

/* An Accept clause: type/subtype, q and the parameters that matter. */
typedef struct {
    const char *type, *sub;
    size_t tlen, slen;
    double q;
    bool table, other_as;
} accept_clause;

static size_t trim(const char **p, size_t n)
{
    while (n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        n--;
    }
    while (n && ((*p)[n - 1] == ' ' || (*p)[n - 1] == '\t'))
        n--;
    return n;
}

static bool token_is(const char *a, size_t n, const char *b)
{
    return strlen(b) == n && !strncasecmp(a, b, n);
}

/* goautoneg.ParseAccept: the clauses, most preferred first. */
static int parse_accept(const char *h, accept_clause *c, int max)
{
    int n = 0;
    while (*h && n < max) {
        const char *end = strchr(h, ',');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        const char *semi = memchr(h, ';', len);
        const char *mt = h;
        size_t mlen = trim(&mt, semi ? (size_t)(semi - h) : len);
        const char *slash = memchr(mt, '/', mlen);
        accept_clause k = {mt, NULL, 0, 0, 1.0, false, false};
        if (slash) {
            k.tlen = (size_t)(slash - mt);
            k.sub = slash + 1;
            k.slen = mlen - k.tlen - 1;
        } else if (token_is(mt, mlen, "*")) {
            k.tlen = 1;
            k.sub = "*";
            k.slen = 1;
        }
        for (const char *p = semi; p && p < h + len;) {
            const char *next = memchr(p + 1, ';', (size_t)(h + len - p - 1));
            const char *kv = p + 1;
            size_t kvlen = trim(&kv, (size_t)((next ? next : h + len) - p - 1));
            const char *eq = memchr(kv, '=', kvlen);
            if (eq) {
                const char *val = eq + 1;
                size_t vlen = kvlen - (size_t)(val - kv);
                if (token_is(kv, (size_t)(eq - kv), "q"))
                    k.q = strtod(val, NULL);
                else if (token_is(kv, (size_t)(eq - kv), "as"))
                    *(token_is(val, vlen, "Table") ? &k.table : &k.other_as) = true;
            }
            p = next;
        }
        if (k.sub && k.q > 0) {
            /* insertion keeps equal clauses in order: q, then specific before '*' */
            int i = n++;
            while (i > 0 && (c[i - 1].q < k.q ||
                             (c[i - 1].q == k.q && token_is(c[i - 1].type, c[i - 1].tlen, "*") && !token_is(k.type, k.tlen, "*")) ||
                             (c[i - 1].q == k.q && token_is(c[i - 1].sub, c[i - 1].slen, "*") && !token_is(k.sub, k.slen, "*")))) {
                c[i] = c[i - 1];
                i--;
            }
            c[i] = k;
        }
        h += len + (end ? 1 : 0);
    }
    return n;
}

http_format http_negotiate(const http_req *rq, bool protobuf_ok)
{
    static const struct { const char *type, *sub; http_format f; } served[] = {
        {"application", "json", HTTP_FMT_JSON},
        {"application", "yaml", HTTP_FMT_JSON},
        {"application", "vnd.kubernetes.protobuf", HTTP_FMT_PROTOBUF},
    };
    if (!rq->accept || !*rq->accept)
        return HTTP_FMT_JSON;
    /* the Accept headers client-go sends (JSON, or protobuf first) and
     * curl-like clients': the clauses below answer them so every time */
    if (!strcmp(rq->accept, "application/json") || !strcmp(rq->accept, "application/json, */*"))
        return HTTP_FMT_JSON;
    if (protobuf_ok && !strcmp(rq->accept, PROTOBUF_MEDIA ", */*"))
        return HTTP_FMT_PROTOBUF;
    accept_clause c[32];
    int n = parse_accept(rq->accept, c, 32);
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof served / sizeof *served; k++) {
            bool any_type = token_is(c[i].type, c[i].tlen, "*");
            bool type = any_type || token_is(c[i].type, c[i].tlen, served[k].type);
            bool sub = token_is(c[i].sub, c[i].slen, "*") || (!any_type && token_is(c[i].sub, c[i].slen, served[k].sub));
            if (!type || !sub || c[i].other_as || (served[k].f == HTTP_FMT_PROTOBUF && (!protobuf_ok || c[i].table)))
                continue;
            return served[k].f;
        }
    return HTTP_FMT_NONE;
}

void http_not_acceptable(http_resp *out, bool watch)
{
    api_result_status(&out->r, status_failuref(406, "NotAcceptable", "only the following media types are accepted: %s",
                                                watch ? "application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
                                                      : "application/json, application/yaml, application/vnd.kubernetes.protobuf"));
}

/* The answer encoded as protobuf, or NULL (a Table, or a kind with no message). */
static struct MHD_Response *protobuf_response(http_resp *out)
{
    if (out->table)
        return NULL;
    size_t len = 0;
    unsigned char *b = out->r.body ? protobuf_encode(out->r.body, &len)
                       : out->r.text.s ? protobuf_encode_text(out->r.text.s, out->r.text.len, &len) : NULL;
    if (!b)
        return NULL;
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, b, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", PROTOBUF_MEDIA);
    return resp;
}

/* Finished responses to answers given as text over and over (an
 * eviction's Status: a refusal names its budget and numbers, so 100 budgets
 * give 100 answers), kept per pool thread. libmicrohttpd lets a response be
 * queued any number of times on any connection (it counts references), so
 * a repeated answer costs no response, header copies or frees. An entry is
 * the code, the format and the exact text; its response has the headers
 * finish() would add (answers with a Warning or Retry-After are not kept). */
#define RESP_SETS 256
#define RESP_MAX_TEXT 1024 /* an eviction's Status is a few hundred bytes: at most 1 MB a thread */
typedef struct {
    uint64_t hash;
    char *text; /* the answer's text (malloc'd), NULL for an empty slot */
    size_t len;
    int code;
    bool protobuf;
    unsigned used;
    struct MHD_Response *resp; /* the cache's reference */
} resp_slot;

typedef struct resp_cache {
    struct resp_cache *next; /* the server's other threads', for http_stop */
    unsigned clock;
    resp_slot set[RESP_SETS][2];
} resp_cache;

static __thread resp_cache *resp_mine; /* a pool thread serves one server */

static uint64_t text_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

/* The answer as a new response with its headers; NULL when the protobuf
 * encoding has no message for it. */
static struct MHD_Response *text_response_new(const http_resp *out)
{
    struct MHD_Response *resp;
    const strbuf *t = &out->r.text;
    if (out->protobuf) {
        size_t len = 0;
        unsigned char *b = protobuf_encode_text(t->s, t->len, &len);
        if (!b)
            return NULL;
        resp = MHD_create_response_from_buffer(len, b, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "Content-Type", PROTOBUF_MEDIA);
    } else {
        char *b = xmalloc(t->len + 1);
        memcpy(b, t->s, t->len);
        b[t->len] = '\n';
        resp = MHD_create_response_from_buffer(t->len + 1, b, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "Content-Type", "application/json");
    }
    MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
    return resp;
}

/* The kept response to an answer given as text, made and kept on first
 * use; NULL for an answer that is not kept. Borrowed: queue it, never
 * destroy it. */
static struct MHD_Response *text_response_kept(http_server *s, const http_resp *out)
{
    const strbuf *t = &out->r.text;
    if (!t->s || out->table || out->r.body || out->r.warnings || out->r.retry_after > 0 || t->len > RESP_MAX_TEXT)
        return NULL;
    resp_cache *c = resp_mine;
    if (!c) {
        c = resp_mine = xcalloc(1, sizeof *c);
        pthread_mutex_lock(&s->caches_mu);
        c->next = s->caches;
        s->caches = c;
        pthread_mutex_unlock(&s->caches_mu);
    }
    uint64_t h = text_hash(t->s, t->len) ^ (uint64_t)out->r.code ^ ((uint64_t)out->protobuf << 63);
    resp_slot *set = c->set[h % RESP_SETS];
    c->clock++;
    for (int w = 0; w < 2; w++) {
        resp_slot *e = &set[w];
        if (e->text && e->hash == h && e->code == out->r.code && e->protobuf == out->protobuf && e->len == t->len &&
            !memcmp(e->text, t->s, t->len)) {
            e->used = c->clock;
            return e->resp;
        }
    }
    struct MHD_Response *resp = text_response_new(out);
    if (!resp)
        return NULL;
    resp_slot *e = !set[0].text ? &set[0] : !set[1].text ? &set[1] : set[0].used <= set[1].used ? &set[0] : &set[1];
    if (e->text) { /* a connection still sending it keeps its own reference */
        MHD_destroy_response(e->resp);
        free(e->text);
    }
    *e = (resp_slot){.hash = h, .text = xmalloc(t->len ? t->len : 1), .len = t->len, .code = out->r.code,
                     .protobuf = out->protobuf, .used = c->clock, .resp = resp};
    memcpy(e->text, t->s, t->len);
    return resp;
}

static void resp_caches_free(http_server *s)
{
    pthread_mutex_lock(&s->caches_mu);
    while (s->caches) {
        resp_cache *c = s->caches;
        s->caches = c->next;
        for (int i = 0; i < RESP_SETS; i++)
            for (int w = 0; w < 2; w++)
                if (c->set[i][w].text) {
                    MHD_destroy_response(c->set[i][w].resp);
                    free(c->set[i][w].text);
                }
        free(c);
    }
    pthread_mutex_unlock(&s->caches_mu);
}

static enum MHD_Result finish(struct MHD_Connection *conn, http_server *s, http_req *rq, http_resp *out)
{
    struct MHD_Response *resp;
    if (!out->stream && !out->raw && !out->raw_type && (resp = text_response_kept(s, out))) {
        if (s->opts.verbose)
            fprintf(stderr, "%s %s -> %d\n", rq->method, rq->url, out->r.code);
        return MHD_queue_response(conn, out->r.code ? out->r.code : 500, resp);
    }
    if (out->stream) {
        resp = watch_response(out->stream);
        MHD_add_response_header(resp, "Content-Type", out->protobuf ? PROTOBUF_MEDIA ";stream=watch" : "application/json");
    } else if (out->raw || out->raw_type) {
        resp = MHD_create_response_from_buffer(out->raw_len, out->raw ? out->raw : (char *)"",
                                               out->raw ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Type", out->raw_type ? out->raw_type : "application/json");
    } else if (!out->protobuf || !(resp = protobuf_response(out))) {
        resp = json_response(rq, out);
    }
    MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
    const cJSON *w;
    cJSON_ArrayForEach(w, out->r.warnings) { /* as Go's strconv.Quote writes the text */
        strbuf h = {0};
        strbuf_puts(&h, "299 - ");
        strbuf_quote(&h, w->valuestring);
        MHD_add_response_header(resp, "Warning", h.s);
        free(h.s);
    }
    if (out->r.retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", out->r.retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (s->opts.verbose)
        fprintf(stderr, "%s %s -> %d\n", rq->method, rq->url, out->r.code);
    enum MHD_Result ret = MHD_queue_response(conn, out->r.code ? out->r.code : 500, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* --token: every request but the public health and version endpoints must
 * carry it, as kube-apiserver lets anonymous clients read only those. */
static bool authorized(http_server *s, struct MHD_Connection *conn, const http_req *rq)
{
    if (!s->opts.token)
        return true;
    static const char *const public_paths[] = {"/healthz", "/livez", "/readyz", "/version", NULL};
    for (int i = 0; public_paths[i]; i++)
        if (!strcmp(rq->url, public_paths[i]))
            return true;
    if (ui_public_path(rq->method, rq->url, rq->accept)) /* the page holds no data; it asks for the token */
        return true;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    return h && !strncmp(h, "Bearer ", 7) && !strcmp(h + 7, s->opts.token);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *data_size, void **con_cls)
{
    (void)version;
    http_server *s = cls;
    upload *up = *con_cls;
    if (!up) {
        *con_cls = calloc(1, sizeof(upload));
        return MHD_YES;
    }
    if (*data_size) {
        if (up->len + *data_size > HTTP_MAX_BODY) {
            up->too_big = true;
        } else {
            if (up->len + *data_size + 1 > up->cap) {
                up->cap = (up->len + *data_size + 1) * 2;
                up->body = xrealloc(up->body, up->cap);
            }
            memcpy(up->body + up->len, data, *data_size);
            up->len += *data_size;
            up->body[up->len] = 0;
        }
        *data_size = 0;
        return MHD_YES;
    }
    http_req rq = {0};
    http_resp out = {0};
    rq.method = method;
    rq.url = url;
    rq.c = s->c;
    rq.srv = s;
    rq.conn = conn;
    rq.host = s->host;
    rq.body = up->body;
    rq.body_len = up->len;
    rq.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    rq.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
    http_split_path(&rq, url);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, &rq);
    if (!authorized(s, conn, &rq)) {
        api_result_status(&out.r, status_failure(401, "Unauthorized", "Unauthorized"));
    } else if (up->too_big) {
        api_result_status(&out.r, status_failuref(413, "RequestEntityTooLarge",
                                                  "Request entity too large: limit is %u", HTTP_MAX_BODY));
    } else if (up->pending) {
        out.r = *up->pending;
        free(up->pending);
        up->pending = NULL;
    } else {
        double delay = 0;
        http_prepare(&rq); /* e.g. parse the body before taking the model */
        cluster_lock(s->c);
        bool faulted = !up->delayed && apply_faults(&rq, &out, &delay);
        if (!faulted || (!out.r.body && delay <= 0))
            http_dispatch(&rq, &out);
        cluster_settle(s->c);
        cluster_unlock(s->c);
        http_release(&rq);
        if (faulted && delay > 0) {
            /* hold the request: answer the fault (or run it) when resumed */
            up->delayed = true;
            if (out.r.body) {
                up->pending = xmalloc(sizeof *up->pending);
                *up->pending = out.r;
            }
            http_req_free(&rq);
            delay_connection(conn, delay);
            return MHD_YES;
        }
    }
    enum MHD_Result ret = finish(conn, s, &rq, &out);
    api_result_clear(&out.r);
    http_req_free(&rq);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    upload *up = *con_cls;
    if (up) {
        if (up->pending)
            api_result_clear(up->pending);
        free(up->pending);
        free(up->body);
        free(up);
        *con_cls = NULL;
    }
}

static int bind_socket(const char *host, int port, char **err)
{
    struct addrinfo hints = {0}, *res = NULL;
    char ports[16];
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(ports, sizeof ports, "%d", port);
    int rc = getaddrinfo(host, ports, &hints, &res);
    if (rc) {
        if (asprintf(err, "cannot listen on %s:%d: %s", host, port, gai_strerror(rc)) < 0)
            *err = NULL;
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
        if (asprintf(err, "cannot listen on %s:%d: %s", host, port, strerror(errno)) < 0)
            *err = NULL;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void *tick_thread(void *arg)
{
    http_server *s = arg;
    while (!__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE)) {
        watch_tick();
        resume_delayed(false);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

http_server *http_start(cluster *c, const http_opts *o, char **err)
{
    int fd = bind_socket(o->host, o->port, err);
    if (fd < 0)
        return NULL;
    http_server *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->fd = fd;
    s->opts = *o;
    pthread_mutex_init(&s->caches_mu, NULL);
    s->port = bound_port(fd);
    snprintf(s->host, sizeof s->host, strchr(o->host, ':') ? "[%s]:%d" : "%s:%d", o->host, s->port);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    bool tls = o->tls_cert && o->tls_key;
    struct MHD_OptionItem tls_options[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem no_options[] = {{MHD_OPTION_END, 0, NULL}};
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_SUSPEND_RESUME |
                                MHD_USE_TURBO | (tls ? MHD_USE_TLS : 0),
                            0, NULL, NULL, on_request, s,
                            MHD_OPTION_ARRAY, tls ? tls_options : no_options,
                            MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(ncpu > 0 ? ncpu : 1),
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)0,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                            /* libmicrohttpd (0.9.75) zeroes the whole pool for each request of a
                             * keep-alive connection, and half of it again as the read buffer
                             * shrinks: the pool's size is paid per request. 32 KiB (the library's
                             * default) still reads a 30 KB label selector in a URL, which gets its
                             * Status (tests/http hostile.test.mjs); a longer URL gets a 414. */
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_END);
    if (!s->d) {
        if (asprintf(err, "cannot start the HTTP server on %s", s->host) < 0)
            *err = NULL;
        close(fd);
        pthread_mutex_destroy(&s->caches_mu);
        free(s);
        return NULL;
    }
    watch_init(c);
    pthread_create(&s->ticker, NULL, tick_thread, s);
    return s;
}

int http_port(const http_server *s)
{
    return s->port;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    __atomic_store_n(&s->stopping, true, __ATOMIC_RELEASE);
    pthread_join(s->ticker, NULL);
    watch_shutdown();
    resume_delayed(true);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    MHD_stop_daemon(s->d);
    resp_caches_free(s); /* the pool's threads are gone */
    pthread_mutex_destroy(&s->caches_mu);
    watch_free_history();
    close(s->fd);
    free(s);
}
