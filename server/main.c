/* main: the command line (docs/design.md "Command line"), start-up, the
 * real-clock timer thread and clean shutdown. Decides nothing about
 * Kubernetes semantics. */
#define _GNU_SOURCE
#include "http.h"
#include "args.h"
#include "xalloc.h"
#include "discovery.h"
#include "datadir.h"
#include "explain.h"
#include "dump.h"
#include "manifest.h"
#include "plan.h"
#include "scenario.h"
#include "ui.h"
#include "protobuf.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EVICTSIM_VERSION "0.1.0"

typedef struct {
    char host[256];
    int port;
    const char *port_file;
    const char *kubeconfig;
    const char *faults_file;
    const char *token;
    const char *tls_cert, *tls_key;
    cluster_opts co;
    bool start_set;
    bool start_dump;  /* --start-time dump */
    bool skip_unknown;
    bool verbose, quiet;
    bool open_ui;
    bool exit_on_stdin_close;
    const char *manifests[256];
    int nmanifests;
    const char *gates[16], *runtime_config[16]; /* --feature-gates, --runtime-config: applied in order */
    int ngates, nruntime;
} options;

#include "help.h" /* evictsim_help: generated from docs/man/help.txt */

/* What start-up builds lives until the process ends; kept here so that an
 * exit during start-up (die) leaves it reachable, not leaked (LeakSanitizer
 * under make asan reads an unreachable block at exit as a leak). */
static struct {
    dump *d;
    cluster *c;
} started;

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "evictsim: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static int parse_listen(const char *v, options *o)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof o->host)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    size_t n = (size_t)(colon - v);
    if (v[0] == '[' && v[n - 1] == ']') { /* [::1]:8080 */
        v++;
        n -= 2;
    }
    memcpy(o->host, v, n);
    o->host[n] = 0;
    o->port = (int)port;
    return 0;
}

/* --name=value or --name value; returns the value or NULL when it is not this flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
    bool missing = false;
    const char *v = args_flag(argc, argv, i, name, &missing);
    if (missing)
        die("flag %s needs a value", name);
    return v;
}

static void parse_args(int argc, char **argv, options *o)
{
    const char *v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(evictsim_help, stdout);
            exit(0);
        } else if (!strcmp(a, "--version")) {
            printf("evictsim %s (Kubernetes API %s)\n", EVICTSIM_VERSION, kv_git_version(NULL));
            exit(0);
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o->verbose = true;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (!strcmp(a, "--open")) {
            o->open_ui = true;
        } else if (!strcmp(a, "--no-ui")) {
            ui_enabled = false;
        } else if (!strcmp(a, "--exit-on-stdin-close")) {
            o->exit_on_stdin_close = true;
        } else if ((v = flag_value(argc, argv, &i, "--listen"))) {
            if (parse_listen(v, o) < 0)
                die("bad --listen \"%s\": want HOST:PORT", v);
        } else if ((v = flag_value(argc, argv, &i, "--port-file"))) {
            o->port_file = v;
        } else if ((v = flag_value(argc, argv, &i, "--kubeconfig"))) {
            o->kubeconfig = v;
        } else if ((v = flag_value(argc, argv, &i, "--clock"))) {
            if (strcmp(v, "real") && strcmp(v, "manual"))
                die("bad --clock \"%s\": want real or manual", v);
            o->co.manual_clock = !strcmp(v, "manual");
        } else if ((v = flag_value(argc, argv, &i, "--time-scale"))) {
            char *end;
            o->co.time_scale = strtod(v, &end);
            if (*end || end == v || !(o->co.time_scale > 0) || o->co.time_scale > 1e6)
                die("bad --time-scale \"%s\": want a number > 0", v);
        } else if ((v = flag_value(argc, argv, &i, "--start-time"))) {
            if (!strcmp(v, "dump"))
                o->start_dump = true;
            else if (clock_parse(v, &o->co.start_time) < 0)
                die("bad --start-time \"%s\": want RFC 3339, e.g. 2025-01-01T00:00:00Z", v);
            o->start_set = true;
        } else if (!strcmp(a, "--skip-unknown")) {
            o->skip_unknown = true;
        } else if ((v = flag_value(argc, argv, &i, "--ready-after"))) {
            if (clock_parse_duration(v, &o->co.ready_after) < 0)
                die("bad --ready-after \"%s\": want a duration (90, 90s, 2m, 1h)", v);
        } else if ((v = flag_value(argc, argv, &i, "--controllers"))) {
            char *err = NULL;
            if (cluster_parse_controllers(v, &o->co.controllers, &err) < 0)
                die("bad --controllers: %s", err ? err : v);
        } else if ((v = flag_value(argc, argv, &i, "--pdb-sync-delay"))) {
            if (clock_parse_duration(v, &o->co.pdb_sync_delay) < 0)
                die("bad --pdb-sync-delay \"%s\": want seconds", v);
        } else if ((v = flag_value(argc, argv, &i, "--token"))) {
            if (!*v)
                die("bad --token: %s", "it must not be empty");
            o->token = v;
        } else if ((v = flag_value(argc, argv, &i, "--tls-cert"))) {
            o->tls_cert = v;
        } else if ((v = flag_value(argc, argv, &i, "--tls-key"))) {
            o->tls_key = v;
        } else if ((v = flag_value(argc, argv, &i, "--faults"))) {
            o->faults_file = v;
        } else if ((v = flag_value(argc, argv, &i, "--kube-version"))) {
            char *err = NULL;
            if (kv_parse_version(v, &o->co.kv.minor, &err) < 0)
                die("bad --kube-version: %s", err ? err : v);
        } else if ((v = flag_value(argc, argv, &i, "--feature-gates"))) {
            if (o->ngates < 16)
                o->gates[o->ngates++] = v;
        } else if ((v = flag_value(argc, argv, &i, "--runtime-config"))) {
            if (o->nruntime < 16)
                o->runtime_config[o->nruntime++] = v;
        } else if (a[0] == '-' && a[1]) {
            die("unknown flag %s (see --help)", a);
        } else if (o->nmanifests < 256) {
            o->manifests[o->nmanifests++] = datadir_resolve(a);
        }
    }
    /* the gates a release knows depend on --kube-version, wherever it stands */
    char *err = NULL;
    for (int i = 0; i < o->ngates; i++)
        if (kv_parse_gates(&o->co.kv, o->gates[i], &err) < 0)
            die("bad --feature-gates: %s", err ? err : o->gates[i]);
    for (int i = 0; i < o->nruntime; i++)
        if (kv_parse_runtime_config(&o->co.kv, o->runtime_config[i], &err) < 0)
            die("bad --runtime-config: %s", err ? err : o->runtime_config[i]);
    if (kv_check(&o->co.kv, &err) < 0)
        die("%s", err ? err : "bad feature gates");
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static char *base64(const char *in)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned char)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? (unsigned char)in[i + 2] : 0);
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
    return out;
}

static int write_kubeconfig(const char *path, const char *host, const char *token, const char *ca_pem)
{
    char *ca = ca_pem ? base64(ca_pem) : NULL;
    size_t cap = 2048 + (ca ? strlen(ca) : 0) + (token ? strlen(token) : 0);
    char *buf = xmalloc(cap), user[1024];
    /* kubectl sends a token only over HTTPS, and over HTTPS with no
     * credentials at all it prompts for a password: give it one to send. */
    if (!token && ca)
        token = "evictsim";
    if (token)
        snprintf(user, sizeof user, "  user:\n    token: %s\n", token);
    else
        snprintf(user, sizeof user, "  user: {}\n");
    snprintf(buf, cap,
             "apiVersion: v1\n"
             "kind: Config\n"
             "clusters:\n"
             "- name: evictsim\n"
             "  cluster:\n"
             "    server: %s://%s\n"
             "%s%s%s"
             "users:\n"
             "- name: evictsim\n"
             "%s"
             "contexts:\n"
             "- name: evictsim\n"
             "  context:\n"
             "    cluster: evictsim\n"
             "    user: evictsim\n"
             "    namespace: default\n"
             "current-context: evictsim\n",
             ca ? "https" : "http", host,
             ca ? "    certificate-authority-data: " : "    insecure-skip-tls-verify: true\n",
             ca ? ca : "", ca ? "\n" : "", user);
    int rc = write_file(path, buf);
    free(buf);
    free(ca);
    return rc;
}

/* --exit-on-stdin-close: read standard input to its end, then stop as SIGTERM does. */
static void *stdin_thread(void *arg)
{
    (void)arg;
    char buf[4096];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    kill(getpid(), SIGTERM);
    return NULL;
}

static bool stopping; /* set by the main thread on a signal, read by the timer thread */

/* Real clock: fire timers as wall time reaches them. Also runs, waking
 * less often, while the clock is manual: POST /sim/v1/clock/mode may
 * switch it to real. */
static void *timer_thread(void *arg)
{
    cluster *c = arg;
    while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
        cluster_lock(c);
        cluster_settle(c);
        double wait = clock_wall_until_next(c->clk);
        bool manual = clock_manual(c->clk);
        cluster_unlock(c);
        if (manual)
            wait = 0.1;
        else if (wait < 0 || wait > 0.02)
            wait = 0.02;
        struct timespec ts = {0, (long)(wait * 1e9)};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* The MANIFEST arguments into c (under its lock), each object prepared as
 * soon as it is parsed; exits 2 on a manifest that cannot be loaded. Says
 * what was loaded on stderr unless quiet. */
static void load_manifests(const options *o, cluster *c, dump *d)
{
    char *e = NULL;
    int n = dump_load(d, c, &e);
    if (n < 0)
        die("%s", e ? e : "the manifests cannot be loaded");
    if (!o->quiet) {
        char *sum = dump_summary(d, c);
        fprintf(stderr, "evictsim: %s\n", sum);
        free(sum);
    }
}

/* The whole of a file, NUL-terminated; exits 2 naming `flag` when unreadable. */
static char *read_all(const char *path, const char *flag, size_t *lenp)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "evictsim: cannot read %s %s: %s\n", flag, path, strerror(errno));
        exit(2);
    }
    char *text = xmalloc(1);
    size_t len = 0, cap = 1, n;
    char buf[65536];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n + 1 > cap)
            text = xrealloc(text, cap = (len + n + 1) * 2);
        memcpy(text + len, buf, n);
        len += n;
    }
    fclose(f);
    text[len] = 0;
    if (lenp)
        *lenp = len;
    return text;
}

/* --open: the web view's URL on stderr, and xdg-open (when there is one)
 * opens it; a missing or failing xdg-open is not an error. */
static void open_ui(const char *scheme, const char *hostport)
{
    char url[400];
    snprintf(url, sizeof url, "%s://%s/", scheme, hostport);
    if (!ui_enabled) {
        fputs("evictsim: --open: the web view is off (--no-ui)\n", stderr);
        return;
    }
    fprintf(stderr, "evictsim: web view at %s\n", url);
    extern char **environ;
    char *args[] = {"xdg-open", url, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t at; /* the child gets the signals main blocks */
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_init(&at);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    if (posix_spawnp(&pid, "xdg-open", &fa, &at, args, environ) == 0)
        signal(SIGCHLD, SIG_IGN); /* no zombie: nobody waits for it */
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
}

static void load_faults(cluster *c, const char *path)
{
    size_t len;
    char *text = read_all(path, "--faults", &len);
    char *err = NULL;
    int rc = faults_load(c->faults, text ? text : "", len, path, &err);
    free(text);
    if (rc < 0)
        die("bad --faults: %s", err ? err : path);
}

int main(int argc, char **argv)
{
    fieldval_set_schema(protobuf_schema()); /* unknown fields, as the typed decoder finds them */
    if (argc > 1 && !strcmp(argv[1], "run")) {
        for (int i = 2; i < argc; i++)
            if (argv[i][0] != '-')
                argv[i] = (char *)datadir_resolve(argv[i]);
        return scenario_main(argc - 1, argv + 1);
    }
    if (argc > 1 && !strcmp(argv[1], "explain"))
        return explain_main(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "plan"))
        return plan_main(argc - 1, argv + 1);

    options o = {.host = "127.0.0.1", .port = 8080};
    o.co.time_scale = 1;
    o.co.controllers = CTRL_ALL;
    parse_args(argc, argv, &o);
    dump *d = NULL;
    char *derr = NULL;
    if (o.nmanifests && !(d = dump_open(o.manifests, o.nmanifests, &(dump_opts){o.skip_unknown}, &derr)))
        die("%s", derr);
    started.d = d;
    if (o.start_dump) {
        double t = d ? dump_newest(d, &derr) : 0;
        if (t < 0)
            die("%s", derr);
        if (t == 0)
            die("%s", "--start-time dump: the manifests hold no timestamp");
        o.co.start_time = t;
        o.start_set = true;
    }
    if (!o.start_set) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        o.co.start_time = o.co.manual_clock ? 1735689600.0 /* 2025-01-01T00:00:00Z */ : (double)ts.tv_sec;
    }
    cluster *c = cluster_new(&o.co);
    started.c = c;
    discovery_use(&c->opts.kv);
    cluster_lock(c);
    if (d)
        load_manifests(&o, c, d);
    cluster_unlock(c);
    dump_close(d);
    started.d = NULL;

    if (o.faults_file)
        load_faults(c, o.faults_file);

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!o.tls_cert != !o.tls_key)
        die("%s", "--tls-cert and --tls-key go together");
    if (o.token && !o.tls_cert && !o.quiet)
        fputs("evictsim: warning: --token without --tls-cert: kubectl (and client-go's kubeconfig loading) "
              "sends no token over plain http, so its requests get 401 Unauthorized; "
              "serve HTTPS with --tls-cert and --tls-key\n", stderr);
    char *cert = o.tls_cert ? read_all(o.tls_cert, "--tls-cert", NULL) : NULL;
    char *key = o.tls_key ? read_all(o.tls_key, "--tls-key", NULL) : NULL;
    http_opts ho = {o.host, o.port, o.verbose, o.quiet, o.token, cert, key};
    char *herr = NULL;
    http_server *srv = http_start(c, &ho, &herr);
    if (!srv) {
        cluster_free(c);
        die("%s", herr ? herr : "cannot start the server");
    }
    char hostport[300];
    snprintf(hostport, sizeof hostport, strchr(o.host, ':') ? "[%s]:%d" : "%s:%d", o.host, http_port(srv));
    char portline[16];
    snprintf(portline, sizeof portline, "%d\n", http_port(srv));
    if (o.port_file && write_file(o.port_file, portline) < 0)
        die("cannot write --port-file %s", o.port_file);
    if (o.kubeconfig && write_kubeconfig(o.kubeconfig, hostport, o.token, cert) < 0)
        die("cannot write --kubeconfig %s", o.kubeconfig);
    pthread_t timer;
    bool have_timer = pthread_create(&timer, NULL, timer_thread, c) == 0;
    pthread_t eof_watch;
    if (o.exit_on_stdin_close && pthread_create(&eof_watch, NULL, stdin_thread, NULL) == 0)
        pthread_detach(eof_watch);
    printf("evictsim: serving on %s://%s\n", cert ? "https" : "http", hostport);
    fflush(stdout);
    if (o.open_ui)
        open_ui(cert ? "https" : "http", hostport);
    if (!o.quiet && o.kubeconfig)
        fprintf(stderr, "evictsim: kubeconfig written to %s (kubectl --kubeconfig %s get pods,pdb,nodes)\n",
                o.kubeconfig, o.kubeconfig);

    int sig;
    while (sigwait(&sigs, &sig) != 0)
        ;
    __atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
    if (have_timer)
        pthread_join(timer, NULL);
    http_stop(srv);
    cluster_free(c);
    free(cert);
    free(key);
    return 0;
}
