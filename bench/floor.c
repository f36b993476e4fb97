/* floor: the benchmark's reference server (bench/ only, never part of
 * evictsim). libmicrohttpd, the same request-body collection, a cJSON parse
 * of the Eviction body and a fixed Status answer: 201 Success for
 * ?dryRun=All, else the 429 of a refused eviction. What any server on these
 * libraries can do at most. The daemon options are chosen on the command
 * line, so that the benchmark can find the fastest plain configuration:
 *   floor --listen 127.0.0.1:PORT [--port-file PATH] [--options LIST]
 * LIST: comma-separated from suspend (MHD_USE_SUSPEND_RESUME), turbo
 * (MHD_USE_TURBO), pool64 / pool16 / pool8 (a connection memory pool of 64,
 * 16 or 8 KiB instead of the default 32 KiB; libmicrohttpd clears it for
 * every request), poll (MHD_USE_POLL instead of epoll), threads1 (a pool of
 * one thread instead of one per CPU), noparse (answer without parsing the
 * body); "evictsim" is suspend,turbo (server/http.c's options);
 * default: none. Stops on SIGINT/SIGTERM. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BODY (3u << 20)

static bool has_opt(const char *list, const char *o)
{
    size_t n = strlen(o);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && !strncmp(p, o, n))
            return true;
        p = e ? e + 1 : p + l;
    }
    return false;
}

static bool noparse;

static const char refused[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Cannot evict pod "
    "as it would violate the pod's disruption budget.\",\"reason\":\"TooManyRequests\",\"details\":{\"causes\":[{"
    "\"reason\":\"DisruptionBudget\",\"message\":\"The disruption budget app-0 needs 100 healthy pods and has 100 "
    "currently\"}]},\"code\":429}\n";
static const char created[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}\n";
static const char bad[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"name in URL "
    "does not match name in Eviction object\",\"reason\":\"BadRequest\",\"code\":400}\n";

typedef struct {
    char *body;
    size_t len, cap;
} upload;

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned code, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-cache, private");
    enum MHD_Result ret = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *data_size, void **con_cls)
{
    (void)cls, (void)version;
    upload *up = *con_cls;
    if (!up) {
        *con_cls = calloc(1, sizeof(upload));
        return MHD_YES;
    }
    if (*data_size) {
        if (up->len + *data_size <= MAX_BODY) {
            if (up->len + *data_size + 1 > up->cap) {
                up->cap = (up->len + *data_size + 1) * 2;
                up->body = realloc(up->body, up->cap);
            }
            memcpy(up->body + up->len, data, *data_size);
            up->len += *data_size;
            up->body[up->len] = 0;
        }
        *data_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/healthz"))
        return answer(conn, 200, "ok");
    if (strcmp(method, "POST"))
        return answer(conn, 405, bad);
    if (noparse)
        return answer(conn, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "dryRun") ? 201 : 429,
                      MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "dryRun") ? created : refused);
    /* the same parse evictsim starts with: the body, then metadata.name against the URL */
    cJSON *body = cJSON_ParseWithLength(up->body ? up->body : "", up->len);
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(body, "metadata");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
    const char *slash = strrchr(url, '/');
    const char *pods = strstr(url, "/pods/");
    bool ok = name && pods && slash && (size_t)(slash - (pods + 6)) == strlen(name) &&
              !strncmp(pods + 6, name, strlen(name));
    cJSON_Delete(body);
    if (!ok)
        return answer(conn, 400, bad);
    const char *dry = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "dryRun");
    return dry ? answer(conn, 201, created) : answer(conn, 429, refused);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    upload *up = *con_cls;
    if (up) {
        free(up->body);
        free(up);
        *con_cls = NULL;
    }
}

int main(int argc, char **argv)
{
    int port = 0;
    const char *port_file = NULL, *opts = "";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--listen"))
            port = atoi(strrchr(argv[i + 1], ':') ? strrchr(argv[i + 1], ':') + 1 : argv[i + 1]);
        else if (!strcmp(argv[i], "--port-file"))
            port_file = argv[i + 1];
        else if (!strcmp(argv[i], "--options"))
            opts = !strcmp(argv[i + 1], "evictsim") ? "suspend,turbo" : argv[i + 1];
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1024) < 0) {
        perror("floor: bind");
        return 1;
    }
    socklen_t alen = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &alen);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    noparse = has_opt(opts, "noparse");
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | (has_opt(opts, "poll") ? MHD_USE_POLL : MHD_USE_EPOLL) |
                     (has_opt(opts, "suspend") ? MHD_USE_SUSPEND_RESUME : 0) | (has_opt(opts, "turbo") ? MHD_USE_TURBO : 0);
    unsigned threads = has_opt(opts, "threads1") ? 1 : (unsigned)(ncpu > 0 ? ncpu : 1);
    size_t pool = has_opt(opts, "pool64") ? 64 * 1024 : has_opt(opts, "pool16") ? 16 * 1024
                : has_opt(opts, "pool8")                ? 8 * 1024
                                                        : 32 * 1024;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)0,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "floor: cannot start the daemon\n");
        return 1;
    }
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f) {
            fprintf(f, "%d\n", ntohs(a.sin_port));
            fclose(f);
        }
    }
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    close(fd);
    return 0;
}
