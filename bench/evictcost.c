/* evictcost: the cost of one eviction inside the model, without HTTP
 * (bench/ only). Loads each cluster (one JSON List) into its own
 * manual-clock cluster with every controller, settles it, then calls
 * evict_pod for the pods in its TARGETS ("namespace name" per line,
 * cycled), as the server does a request (lock, evict, settle, unlock), and
 * prints the median and mean wall time per call with the answers' codes as
 * JSON. It makes ROUNDS (-r, default 3) rounds of CALLS (-n) calls per
 * cluster, each going on through the targets where the last stopped, and
 * reports the lowest round median (median_us; every round's in rounds_us).
 * With several clusters the calls are interleaved, BLOCK (-b, default 100)
 * calls on each in turn, so that all of them see the same machine: it is
 * shared, and one round alone moves by ±25 % (ratio_to_first compares the
 * medians of the same rounds). With -w N only the first N targets are used
 * (the same working set at every cluster size: what then grows is the
 * cluster, not the number of different pods evicted).
 *   evictcost CLUSTER.json TARGETS [CLUSTER.json TARGETS...] [--dry] [-n CALLS] [-r ROUNDS] [-b BLOCK] [-w N]
 * With --log-bytes N it instead makes N calls on the first cluster and
 * prints the heap each eviction log entry keeps ({"log_bytes_per_entry"}):
 * a call's only lasting allocation is its entry (N ≤ the log's 10,000).
 * Linked against the model objects in build/. */
#define _GNU_SOURCE
#include "cluster.h"
#include "eviction.h"
#include "rest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    const char *file;
    cluster *c;
    int nobjs;
    double load_s, live_mib;
    char **tns, **tname;
    size_t nt, next;
    double *lat, *medians, sum, best, best_mean;
    long codes[600];
} bench_cluster;

static void load_cluster(bench_cluster *b, const char *file, const char *targets, long working)
{
    b->file = file;
    FILE *tf = fopen(targets, "r");
    if (!tf) {
        perror(targets);
        exit(1);
    }
    char ns[256], name[256];
    while ((working <= 0 || (long)b->nt < working) && fscanf(tf, "%255s %255s", ns, name) == 2) {
        b->tns = realloc(b->tns, (b->nt + 1) * sizeof *b->tns);
        b->tname = realloc(b->tname, (b->nt + 1) * sizeof *b->tname);
        b->tns[b->nt] = strdup(ns);
        b->tname[b->nt++] = strdup(name);
    }
    fclose(tf);
    if (!b->nt) {
        fprintf(stderr, "evictcost: %s: no targets\n", targets);
        exit(1);
    }
    cluster_opts o = {.manual_clock = true, .start_time = 1735689600.0, .time_scale = 1, .controllers = CTRL_ALL};
    b->c = cluster_new(&o);
    api_result err = {0};
    struct mallinfo2 before = mallinfo2();
    double t0 = now();
    cluster_lock(b->c); /* loaded as the server loads its MANIFEST arguments */
    char *merr = NULL;
    if ((b->nobjs = cluster_load_paths(b->c, &file, 1, &err, &merr)) < 0) {
        fprintf(stderr, "evictcost: %s does not load: %s\n", file, merr ? merr : "");
        exit(1);
    }
    cluster_settle(b->c);
    cluster_unlock(b->c); /* as the server: the store trims its trees here */
    b->load_s = now() - t0;
    b->live_mib = ((double)mallinfo2().uordblks - (double)before.uordblks) / 1048576.0;
    b->best = -1;
}

/* One request of the server on the next target: lock, evict, settle, unlock. */
static void one_call(bench_cluster *b, bool dry, double *lat)
{
    size_t k = b->next++ % b->nt;
    char body[1024];
    int blen = snprintf(body, sizeof body,
                        "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\","
                        "\"namespace\":\"%s\"}}", b->tname[k], b->tns[k]);
    evict_req rq = {.ns = b->tns[k], .name = b->tname[k], .body = body, .body_len = (size_t)blen,
                    .body_type = BODY_JSON, .dry_run_query = dry ? "All" : NULL,
                    .text = true /* as the server asks: the log keeps a record */};
    api_result r = {0};
    double s = now();
    cluster_lock(b->c);
    evict_pod(b->c, &rq, &r);
    cluster_settle(b->c);
    cluster_unlock(b->c);
    *lat = now() - s;
    b->sum += *lat;
    b->codes[r.code > 0 && r.code < 600 ? r.code : 0]++;
    api_result_clear(&r);
}

/* The file's name without its directory (the results name no machine's paths). */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void print_cluster(const bench_cluster *b, long calls, long rounds, const bench_cluster *first)
{
    printf("{\"cluster\":\"%s\",\"objects\":%d,\"load_s\":%.3f,\"heap_mib\":%.1f,\"calls\":%ld,\"targets\":%zu,"
           "\"rounds_us\":[", base_name(b->file), b->nobjs, b->load_s, b->live_mib, calls, b->nt);
    for (long i = 0; i < rounds; i++)
        printf("%s%.2f", i ? "," : "", b->medians[i] * 1e6);
    printf("],\"median_us\":%.2f,\"mean_us\":%.2f", b->best * 1e6, b->best_mean * 1e6);
    if (first && first != b) { /* round by round, then the best */
        printf(",\"rounds_ratio\":[");
        for (long i = 0; i < rounds; i++)
            printf("%s%.3f", i ? "," : "", b->medians[i] / first->medians[i]);
        printf("],\"ratio_to_first\":%.3f", b->best / first->best);
    }
    printf(",\"codes\":{");
    bool one = true;
    for (int i = 0; i < 600; i++)
        if (b->codes[i]) {
            printf("%s\"%d\":%ld", one ? "" : ",", i, b->codes[i]);
            one = false;
        }
    printf("}}");
}

int main(int argc, char **argv)
{
    bool dry = false;
    long log_calls = 0;
    long calls = 2000, rounds = 3, working = 0, block = 100;
    const char *files[16];
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry"))
            dry = true;
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            calls = atol(argv[++i]);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            rounds = atol(argv[++i]);
        else if (!strcmp(argv[i], "-w") && i + 1 < argc)
            working = atol(argv[++i]);
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            block = atol(argv[++i]);
        else if (!strcmp(argv[i], "--log-bytes") && i + 1 < argc)
            log_calls = atol(argv[++i]);
        else if (argv[i][0] != '-' && nfiles < 16)
            files[nfiles++] = argv[i];
    }
    if (nfiles < 2 || nfiles % 2 || calls < 1 || rounds < 1 || block < 1) {
        fprintf(stderr, "usage: evictcost CLUSTER.json TARGETS [CLUSTER.json TARGETS...] [--dry] [-n CALLS] "
                        "[-r ROUNDS] [-b BLOCK] [-w N]\n");
        return 2;
    }
    int nc = nfiles / 2;
    bench_cluster *bc = calloc((size_t)nc, sizeof *bc);
    for (int i = 0; i < nc; i++) {
        load_cluster(&bc[i], files[2 * i], files[2 * i + 1], working);
        bc[i].lat = malloc((size_t)calls * sizeof *bc[i].lat);
        bc[i].medians = malloc((size_t)rounds * sizeof *bc[i].medians);
    }
    if (log_calls > 0) {
        double lat;
        one_call(&bc[0], dry, &lat); /* the first call's one-time allocations */
        struct mallinfo2 m0 = mallinfo2(); /* blocks in use, mapped ones (the log's block) too */
        size_t before = m0.uordblks + m0.hblkhd;
        for (long j = 0; j < log_calls; j++)
            one_call(&bc[0], dry, &lat);
        printf("{\"log_bytes_per_entry\":%.0f,\"entries\":%ld}\n",
               ((double)(mallinfo2().uordblks + mallinfo2().hblkhd) - (double)before) / (double)log_calls, log_calls);
        return 0;
    }
    for (long round = 0; round < rounds; round++) {
        for (int i = 0; i < nc; i++)
            bc[i].sum = 0;
        for (long done = 0; done < calls; done += block)
            for (int i = 0; i < nc; i++)
                for (long j = done; j < calls && j < done + block; j++)
                    one_call(&bc[i], dry, &bc[i].lat[j]);
        for (int i = 0; i < nc; i++) {
            bench_cluster *b = &bc[i];
            qsort(b->lat, (size_t)calls, sizeof *b->lat, cmp_double);
            b->medians[round] = b->lat[calls / 2];
            if (b->best < 0 || b->medians[round] < b->best)
                b->best = b->medians[round], b->best_mean = b->sum / calls;
        }
    }
    if (nc == 1) {
        print_cluster(&bc[0], calls, rounds, NULL);
    } else {
        printf("{\"block\":%ld,\"clusters\":[", block);
        for (int i = 0; i < nc; i++) {
            printf("%s", i ? "," : "");
            print_cluster(&bc[i], calls, rounds, &bc[0]);
        }
        printf("]}");
    }
    printf("\n");
    for (int i = 0; i < nc; i++) {
        cluster_free(bc[i].c);
        for (size_t k = 0; k < bc[i].nt; k++)
            free(bc[i].tns[k]), free(bc[i].tname[k]);
        free(bc[i].tns), free(bc[i].tname), free(bc[i].lat), free(bc[i].medians);
    }
    free(bc);
    return 0;
}
