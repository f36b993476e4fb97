/* http: the libmicrohttpd daemon, request parsing (path, query, headers,
 * body) and response writing. Route tables live in the resource files; this
 * file only dispatches to them and serialises what they answer. */
#ifndef EVICTSIM_HTTP_H
#define EVICTSIM_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include "cluster.h"
#include "faults.h"
#include "status.h"

#define HTTP_MAX_BODY (3u * 1024 * 1024)
#define HTTP_MAX_SEGS 12
#define HTTP_MAX_QUERY 32

typedef struct http_server http_server;
struct http_route;

/* Room for what a route's prepare hook keeps of a request (http_route). */
#define HTTP_PRE_SIZE 64

typedef struct http_req {
    const char *method;
    const char *url;                 /* path only, not decoded */
    char *seg[HTTP_MAX_SEGS];        /* decoded path segments */
    int nseg;
    char *segmem;                    /* what http_split_path allocated for them, if anything */
    char segbuf[256];                /* where it puts them when they fit */
    const char *qk[HTTP_MAX_QUERY], *qv[HTTP_MAX_QUERY];
    int nq;
    const char *content_type;
    const char *accept;
    const char *body;
    size_t body_len;
    char *body_alloc;                /* a body a route rewrote (protobuf as JSON); http_req_free frees it */
    const char *host;                /* "HOST:PORT" as served */
    cluster *c;
    http_server *srv;
    void *conn;                      /* struct MHD_Connection */
    const struct http_route *prepared; /* the route whose prepare hook took the request */
    _Alignas(16) unsigned char pre[HTTP_PRE_SIZE]; /* what that hook kept */
} http_req;

/* What a handler answers: a JSON result, or raw bytes. */
typedef struct {
    api_result r;
    char *raw;                /* when set, sent as is with raw_type */
    size_t raw_len;
    const char *raw_type;
    bool table;               /* render r.body as a Table (GET/LIST of kind) */
    kind_id table_kind;
    void *stream;             /* a watch stream (watch.c) */
    bool protobuf;            /* the client negotiated protobuf: the answer is sent encoded (protobuf.h) */
} http_resp;

/* A route: method ("*" any), pattern of segments ("api", "v1", "{}" = any
 * one segment, "**" = any rest), handler, which runs under the model lock.
 * Optional hooks for work that needs no model (decoding a body): prepare
 * runs before the lock on a request the route matches, keeping what it
 * made in rq->pre; when it returns true, fn answers the request (no other
 * route is tried, so such a route must be the first to match its requests)
 * and release runs after the lock. */
typedef void (*http_handler)(http_req *rq, http_resp *out);
typedef struct http_route {
    const char *method;
    const char *pattern;
    http_handler fn;
    bool (*prepare)(http_req *rq);
    void (*release)(http_req *rq);
} http_route;

const char *http_query(const http_req *rq, const char *key);
/* A boolean query parameter as kube-apiserver reads it: false only when
 * absent, "0" or "false" (any case); true otherwise, "" included. */
bool http_query_bool(const http_req *rq, const char *key);
/* The request path as routed: decoded segments into rq->seg (copies, in
 * rq->segbuf or one allocation), and a marker segment that matches nothing
 * when there are more than are routed. http_req_free frees them. */
void http_split_path(http_req *rq, const char *url);
void http_req_free(http_req *rq);
/* Before the model lock: the first route with a prepare hook that matches
 * rq and takes it (rq->prepared). After the lock: its release hook. */
void http_prepare(http_req *rq);
void http_release(http_req *rq);
/* Answer rq (under the model lock): the prepared route, else discovery,
 * then the route tables in order, else a 404 Status. */
void http_dispatch(http_req *rq, http_resp *out);
/* out's body as the Table a Table request asked for (NULL when it did not,
 * or the answer is not a 200 with a body). */
cJSON *http_table(http_req *rq, const http_resp *out);
/* The answer's format as kube-apiserver negotiates it from rq's Accept
 * (goautoneg's order by q, then the server's order json, yaml, protobuf;
 * `as=Table` is JSON; YAML is answered as JSON): protobuf only when the
 * kind has a protobuf message. HTTP_FMT_NONE: answer http_not_acceptable. */
typedef enum { HTTP_FMT_JSON, HTTP_FMT_PROTOBUF, HTTP_FMT_NONE } http_format;
http_format http_negotiate(const http_req *rq, bool protobuf_ok);
/* The 406 Status naming the types served (for a watch, its stream types). */
void http_not_acceptable(http_resp *out, bool watch);
/* The fault_attrs of a resource request (server/faults_route.c); false otherwise. */
bool faults_attrs(const http_req *rq, fault_attrs *a);

typedef struct {
    const char *host;
    int port;
    bool verbose;
    bool quiet;
    const char *token;    /* require "Authorization: Bearer <token>" (NULL: none) */
    const char *tls_cert; /* PEM text: serve HTTPS when both are set */
    const char *tls_key;
} http_opts;

/* Start serving; NULL with *err on failure (e.g. the port is busy). */
http_server *http_start(cluster *c, const http_opts *o, char **err);
int http_port(const http_server *s);
void http_stop(http_server *s);

/* Route tables of the resource files. */
extern const http_route sim_routes[];
extern const http_route eviction_routes[];
extern const http_route resource_routes[];
extern const http_route faults_routes[];
extern const http_route explain_routes[];
extern const http_route ui_routes[];  /* server/ui.c: the web view */
#endif
