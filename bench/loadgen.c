/* loadgen: the benchmark's HTTP load generator (bench/ only, never part of
 * evictsim). One thread, epoll, keep-alive connections to 127.0.0.1.
 *
 *   loadgen evict -p PORT -t TARGETS [-c 32] [-d SECONDS] [-n MAX] [--dry] [--once]
 *                 [-W N -w WATCHPATHS]
 *       POSTs Eviction bodies for the pods listed in TARGETS ("namespace name"
 *       per line), cycling through the list (--once: each pod once, then stop).
 *       -W opens N watch requests (paths from WATCHPATHS, cycled) first and
 *       reads and discards their streams while the load runs.
 *   loadgen startup -p PORT -- COMMAND ARGS...
 *       runs COMMAND and measures the time until GET /healthz on PORT answers.
 *
 * Prints one JSON object on stdout. Requests are bounded by -d and -n and
 * go to the loopback address only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 2048
#define RBUF (256 * 1024)

typedef struct {
    int fd;
    bool watch;
    char *rbuf;
    size_t rlen;
    char *req;
    size_t reqlen, sent;
    double started;
    bool busy;
} conn;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int port;
static char **tns, **tname;
static size_t ntargets, next_target;
static bool dry, once;
static long codes[600];
static double *lat;
static size_t nlat, caplat;
static long done_reqs, max_reqs = -1, errors;

static void die(const char *msg)
{
    fprintf(stderr, "loadgen: %s: %s\n", msg, strerror(errno));
    exit(1);
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        die("socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void read_targets(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path);
    char ns[256], name[256];
    size_t cap = 0;
    while (fscanf(f, "%255s %255s", ns, name) == 2) {
        if (ntargets == cap) {
            cap = cap ? cap * 2 : 1024;
            tns = realloc(tns, cap * sizeof *tns);
            tname = realloc(tname, cap * sizeof *tname);
        }
        tns[ntargets] = strdup(ns);
        tname[ntargets++] = strdup(name);
    }
    fclose(f);
    if (!ntargets) {
        fprintf(stderr, "loadgen: no targets in %s\n", path);
        exit(1);
    }
}

/* Build the next eviction request into c; false when --once is exhausted. */
static bool next_request(conn *c)
{
    if (once && next_target >= ntargets)
        return false;
    if (max_reqs >= 0 && done_reqs + 1 > max_reqs)
        return false;
    size_t i = next_target++ % ntargets;
    char body[1024];
    int blen = snprintf(body, sizeof body,
                        "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\","
                        "\"namespace\":\"%s\"}}", tname[i], tns[i]);
    free(c->req);
    c->reqlen = (size_t)asprintf(&c->req,
                                 "POST /api/v1/namespaces/%s/pods/%s/eviction%s HTTP/1.1\r\n"
                                 "Host: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                                 "Accept: application/json\r\nContent-Length: %d\r\n\r\n%s",
                                 tns[i], tname[i], dry ? "?dryRun=All" : "", port, blen, body);
    c->sent = 0;
    c->started = now();
    c->busy = true;
    return true;
}

static void note_latency(double secs)
{
    if (nlat == caplat) {
        caplat = caplat ? caplat * 2 : 65536;
        lat = realloc(lat, caplat * sizeof *lat);
    }
    lat[nlat++] = secs;
}

/* A complete response at the start of rbuf: its length, or 0. */
static size_t response_len(conn *c, int *code)
{
    c->rbuf[c->rlen] = 0;
    char *end = strstr(c->rbuf, "\r\n\r\n");
    if (!end)
        return 0;
    size_t hlen = (size_t)(end - c->rbuf) + 4;
    long clen = 0;
    for (char *p = c->rbuf; p < end; p = strstr(p, "\r\n") + 2)
        if (!strncasecmp(p, "Content-Length:", 15))
            clen = strtol(p + 15, NULL, 10);
    if (c->rlen < hlen + (size_t)clen)
        return 0;
    *code = atoi(c->rbuf + 9);
    return hlen + (size_t)clen;
}

static bool flush(conn *c)
{
    while (c->sent < c->reqlen) {
        ssize_t n = write(c->fd, c->req + c->sent, c->reqlen - c->sent);
        if (n < 0)
            return errno == EAGAIN;
        c->sent += (size_t)n;
    }
    return true;
}

static void reopen(int ep, conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    errors++;
    c->fd = dial();
    c->rlen = 0;
    if (c->fd < 0) {
        c->busy = false;
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    c->sent = 0;
    c->started = now();
    flush(c);
}

/* Read what arrived; answer the next request for every complete response. */
static void on_readable(int ep, conn *c)
{
    for (;;) {
        ssize_t n = read(c->fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            if (c->watch) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
            } else if (c->busy) {
                reopen(ep, c);
            }
            return;
        }
        if (n < 0)
            return;
        if (c->watch) { /* discard */
            c->rlen = 0;
            continue;
        }
        c->rlen += (size_t)n;
        int code;
        size_t len = response_len(c, &code);
        if (!len)
            continue;
        memmove(c->rbuf, c->rbuf + len, c->rlen - len);
        c->rlen -= len;
        note_latency(now() - c->started);
        codes[code > 0 && code < 600 ? code : 0]++;
        done_reqs++;
        c->busy = false;
        if (next_request(c) && !flush(c))
            reopen(ep, c);
        return;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static conn *open_conn(int ep, const char *watch_path)
{
    conn *c = calloc(1, sizeof *c);
    c->rbuf = malloc(RBUF);
    c->fd = dial();
    if (c->fd < 0)
        die("connect");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    if (watch_path) {
        c->watch = true;
        c->reqlen = (size_t)asprintf(&c->req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: application/json\r\n\r\n",
                                     watch_path, port);
        flush(c);
    }
    return c;
}

static char **read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(path);
    char **out = NULL, line[1024];
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!*line)
            continue;
        out = realloc(out, (*n + 1) * sizeof *out);
        out[(*n)++] = strdup(line);
    }
    fclose(f);
    return out;
}

static int run_evict(int nconns, double secs, int nwatch, const char *watch_file)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    size_t nwp = 0;
    char **wpaths = nwatch ? read_lines(watch_file, &nwp) : NULL;
    for (int i = 0; i < nwatch && nwp; i++)
        open_conn(ep, wpaths[i % nwp]);
    if (nwatch)
        usleep(300 * 1000); /* let the watches be registered */
    conn **cs = calloc((size_t)nconns, sizeof *cs);
    double t0 = now(), deadline = t0 + secs;
    for (int i = 0; i < nconns; i++) {
        cs[i] = open_conn(ep, NULL);
        if (next_request(cs[i]))
            flush(cs[i]);
    }
    struct epoll_event evs[256];
    for (;;) {
        bool busy = false;
        for (int i = 0; i < nconns; i++)
            busy |= cs[i]->busy;
        if (!busy || now() >= deadline)
            break;
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++)
            on_readable(ep, evs[i].data.ptr);
    }
    double elapsed = now() - t0;
    qsort(lat, nlat, sizeof *lat, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < nlat; i++)
        sum += lat[i];
    printf("{\"requests\":%ld,\"seconds\":%.3f,\"rps\":%.1f,\"connections\":%d,\"watchers\":%d,\"errors\":%ld,"
           "\"mean_us\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"codes\":{",
           done_reqs, elapsed, done_reqs / elapsed, nconns, nwatch, errors, nlat ? sum / nlat * 1e6 : 0,
           nlat ? lat[nlat / 2] * 1e6 : 0, nlat ? lat[nlat * 99 / 100] * 1e6 : 0);
    bool first = true;
    for (int i = 0; i < 600; i++)
        if (codes[i]) {
            printf("%s\"%d\":%ld", first ? "" : ",", i, codes[i]);
            first = false;
        }
    printf("}}\n");
    return 0;
}

/* Start the command; poll GET /healthz until it answers 200. */
static int run_startup(char **argv)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    double answered = -1;
    while (now() - t0 < 900 && answered < 0) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "loadgen: the server exited\n");
            return 1;
        }
        int fd = dial();
        if (fd < 0) {
            usleep(200);
            continue;
        }
        fcntl(fd, F_SETFL, 0);
        char req[128], buf[512];
        int len = snprintf(req, sizeof req, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", port);
        if (write(fd, req, (size_t)len) == len && read(fd, buf, sizeof buf - 1) > 12 && !strncmp(buf + 9, "200", 3))
            answered = now() - t0;
        close(fd);
    }
    printf("{\"startup_ms\":%.1f,\"pid\":%d}\n", answered * 1000, (int)pid);
    fflush(stdout);
    return answered < 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fprintf(stderr, "usage: loadgen evict|startup ...\n");
        return 2;
    }
    const char *mode = argv[1], *targets = NULL, *watch_file = NULL;
    int nconns = 32, nwatch = 0;
    double secs = 5;
    int i;
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--"))
            break;
        if (!strcmp(a, "--dry"))
            dry = true;
        else if (!strcmp(a, "--once"))
            once = true;
        else if (i + 1 < argc && !strcmp(a, "-p"))
            port = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "-t"))
            targets = argv[++i];
        else if (i + 1 < argc && !strcmp(a, "-c"))
            nconns = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "-d"))
            secs = atof(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "-n"))
            max_reqs = atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "-W"))
            nwatch = atoi(argv[++i]);
        else if (i + 1 < argc && !strcmp(a, "-w"))
            watch_file = argv[++i];
        else {
            fprintf(stderr, "loadgen: bad argument %s\n", a);
            return 2;
        }
    }
    if (!port) {
        fprintf(stderr, "loadgen: -p PORT is required\n");
        return 2;
    }
    if (!strcmp(mode, "startup"))
        return i + 1 < argc ? run_startup(argv + i + 1) : 2;
    if (strcmp(mode, "evict") || !targets || nconns < 1 || nconns + nwatch > MAX_CONNS || (nwatch && !watch_file)) {
        fprintf(stderr, "loadgen: evict needs -t TARGETS (and -w with -W)\n");
        return 2;
    }
    read_targets(targets);
    return run_evict(nconns, secs, nwatch, watch_file);
}
