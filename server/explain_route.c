/* explain (server): the route GET /sim/v1/explain/{namespace}/{pod}, which
 * answers model/explain's JSON, and `evictsim explain`, a plain HTTP/1.0
 * client of a running evictsim that prints the same answer as text. Decides
 * nothing: model/sim/explain.c does. */
#define _GNU_SOURCE
#include "explain.h"
#include "xalloc.h"
#include "http.h"
#include "json.h"
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void explain_get(http_req *rq, http_resp *out)
{
    cJSON *err = NULL;
    cJSON *ex = explain_pod(rq->c, rq->seg[3], rq->seg[4], &err);
    if (ex)
        api_result_object(&out->r, 200, ex);
    else
        api_result_status(&out->r, err);
}

static void explain_not_allowed(http_req *rq, http_resp *out)
{
    (void)rq;
    api_result_status(&out->r, status_method_not_allowed());
}

const http_route explain_routes[] = {
    {.method = "GET", .pattern = "sim/v1/explain/{}/{}", .fn = explain_get},
    {.method = "*", .pattern = "sim/v1/explain/{}/{}", .fn = explain_not_allowed},
    {0},
};

/* ---- the command-line client ---------------------------------------------- */

static const char explain_usage[] =
    "usage: evictsim explain [--server URL | --kubeconfig PATH] NAMESPACE/POD\n"
    "\n"
    "Asks a running evictsim why an eviction of the pod would be answered as it would:\n"
    "the PDB that covers it, the budget's numbers, which pods count as healthy, and\n"
    "the answer of a dry-run eviction. Nothing is evicted. Default server http://127.0.0.1:8080.\n";

/* The `server:` of a kubeconfig written by evictsim (first cluster). */
static char *kubeconfig_server(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[1024], *found = NULL;
    while (!found && fgets(line, sizeof line, f)) {
        char *p = strstr(line, "server:");
        if (!p)
            continue;
        p += 7;
        p += strspn(p, " \t\"'");
        size_t n = strcspn(p, " \t\r\n\"'");
        found = xstrndup(p, n);
    }
    fclose(f);
    return found;
}

/* http://HOST[:PORT][/...] → host, port. */
static int parse_url(const char *url, char *host, size_t hn, char *port, size_t pn)
{
    if (strncmp(url, "http://", 7))
        return -1;
    const char *h = url + 7, *end = h + strcspn(h, "/");
    const char *colon = NULL;
    if (*h == '[') {
        const char *rb = memchr(h, ']', end - h);
        if (!rb)
            return -1;
        snprintf(host, hn, "%.*s", (int)(rb - h - 1), h + 1);
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', end - h);
        snprintf(host, hn, "%.*s", (int)((colon ? colon : end) - h), h);
    }
    if (colon)
        snprintf(port, pn, "%.*s", (int)(end - colon - 1), colon + 1);
    else
        snprintf(port, pn, "80");
    return *host ? 0 : -1;
}

static int dial(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    if (getaddrinfo(host, port, &hints, &res))
        return -1;
    int fd = -1;
    for (ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* Percent-encode a path segment. */
static void seg_escape(const char *s, char *out, size_t n)
{
    size_t len = 0;
    for (; *s && len + 4 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch))
            out[len++] = ch;
        else
            len += snprintf(out + len, n - len, "%%%02X", ch);
    }
    out[len] = 0;
}

/* GET path; returns the HTTP status and the body (malloc'd), or -1. */
static int http_get(const char *host, const char *port, const char *path, char **body)
{
    int fd = dial(host, port);
    if (fd < 0)
        return -1;
    char req[2048];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s:%s\r\nAccept: application/json\r\n"
                     "User-Agent: evictsim-explain\r\nConnection: close\r\n\r\n", path, host, port);
    if (write(fd, req, n) != n) {
        close(fd);
        return -1;
    }
    size_t len = 0, cap = 65536;
    char *buf = xmalloc(cap);
    ssize_t got;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0 || (got < 0 && errno == EINTR)) {
        if (got > 0 && (len += got) + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
    }
    close(fd);
    buf[len] = 0;
    int code = 0;
    char *sep = strstr(buf, "\r\n\r\n");
    if (sscanf(buf, "HTTP/%*d.%*d %d", &code) != 1 || !sep) {
        free(buf);
        return -1;
    }
    *body = strdup(sep + 4);
    free(buf);
    return code;
}

static int explain_fetch(const char *server, const char *ns, const char *pod)
{
    char host[256], port[16];
    if (parse_url(server, host, sizeof host, port, sizeof port) < 0) {
        fprintf(stderr, "evictsim explain: bad server URL \"%s\": want http://HOST:PORT\n", server);
        return 2;
    }
    char ens[512], epod[512], path[1200];
    seg_escape(ns, ens, sizeof ens);
    seg_escape(pod, epod, sizeof epod);
    snprintf(path, sizeof path, "/sim/v1/explain/%s/%s", ens, epod);
    char *body = NULL;
    int code = http_get(host, port, path, &body);
    if (code < 0) {
        fprintf(stderr, "evictsim explain: cannot reach %s: %s\n", server, errno ? strerror(errno) : "bad answer");
        return 1;
    }
    cJSON *doc = cJSON_Parse(body);
    free(body);
    if (code != 200) {
        const char *msg = jstr(doc, "message");
        fprintf(stderr, "Error from server (%s): %s\n", jstr(doc, "reason") ? jstr(doc, "reason") : "Unknown",
                msg ? msg : "unexpected answer");
        cJSON_Delete(doc);
        return 1;
    }
    char *text = doc ? explain_render(doc) : NULL;
    if (text)
        fputs(text, stdout);
    else
        fprintf(stderr, "evictsim explain: the server's answer is not JSON\n");
    free(text);
    cJSON_Delete(doc);
    return text ? 0 : 1;
}

int explain_main(int argc, char **argv)
{
    const char *server = NULL, *target = NULL;
    char *from_kc = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(explain_usage, stdout);
            return 0;
        } else if ((!strcmp(a, "--server") || !strcmp(a, "--kubeconfig")) && i + 1 < argc) {
            if (a[2] == 's') {
                server = argv[++i];
            } else {
                free(from_kc);
                if (!(from_kc = kubeconfig_server(argv[++i]))) {
                    fprintf(stderr, "evictsim explain: no server in kubeconfig %s\n", argv[i]);
                    return 2;
                }
                server = from_kc;
            }
        } else if (!strncmp(a, "--server=", 9)) {
            server = a + 9;
        } else if (!strncmp(a, "--kubeconfig=", 13)) {
            free(from_kc);
            if (!(from_kc = kubeconfig_server(a + 13))) {
                fprintf(stderr, "evictsim explain: no server in kubeconfig %s\n", a + 13);
                return 2;
            }
            server = from_kc;
        } else if (a[0] == '-' || target) {
            fprintf(stderr, "evictsim explain: unexpected argument %s\n%s", a, explain_usage);
            free(from_kc);
            return 2;
        } else {
            target = a;
        }
    }
    if (!target) {
        fprintf(stderr, "evictsim explain: NAMESPACE/POD is required\n%s", explain_usage);
        free(from_kc);
        return 2;
    }
    const char *slash = strchr(target, '/');
    char ns[256];
    snprintf(ns, sizeof ns, "%.*s", slash ? (int)(slash - target) : 7, slash ? target : "default");
    int rc = explain_fetch(server ? server : "http://127.0.0.1:8080", ns, slash ? slash + 1 : target);
    free(from_kc);
    return rc;
}
