/* evictcost: the cost of one eviction inside the model, without HTTP
 * (bench/ only). Loads a cluster (one JSON List) into a manual-clock
 * cluster with every controller, settles it, then calls evict_pod for the
 * pods in TARGETS ("namespace name" per line, cycled) and prints the median
 * and mean wall time per call, with the answers' codes, as JSON. With
 * -r ROUNDS (default 3) it makes ROUNDS runs of CALLS calls, each going on
 * through the targets where the last stopped, and reports the lowest median
 * (median_us; every round's in rounds_us): the machine is shared, and one
 * round alone moves by ±25 %. With -w N only the first N targets are used
 * (the same working set at every cluster size: what then grows is the
 * cluster, not the number of different pods evicted).
 *   evictcost CLUSTER.json TARGETS [--dry] [-n CALLS] [-r ROUNDS] [-w N]
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

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc(*len + 1);
    if (fread(s, 1, *len, f) != *len) {
        perror(path);
        exit(1);
    }
    s[*len] = 0;
    fclose(f);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: evictcost CLUSTER.json TARGETS [--dry] [-n CALLS] [-r ROUNDS] [-w N]\n");
        return 2;
    }
    bool dry = false;
    long calls = 2000, rounds = 3, working = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--dry"))
            dry = true;
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            calls = atol(argv[++i]);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            rounds = atol(argv[++i]);
        else if (!strcmp(argv[i], "-w") && i + 1 < argc)
            working = atol(argv[++i]);
    }
    size_t len;
    char *text = slurp(argv[1], &len);
    cJSON *list = cJSON_ParseWithLength(text, len);
    free(text);
    cJSON *items = cJSON_DetachItemFromObject(list, "items");
    cJSON_Delete(list);
    int nobjs = cJSON_GetArraySize(items);

    FILE *tf = fopen(argv[2], "r");
    if (!tf) {
        perror(argv[2]);
        return 1;
    }
    char ns[256], name[256];
    char **tns = NULL, **tname = NULL;
    size_t nt = 0;
    while ((working <= 0 || (long)nt < working) && fscanf(tf, "%255s %255s", ns, name) == 2) {
        tns = realloc(tns, (nt + 1) * sizeof *tns);
        tname = realloc(tname, (nt + 1) * sizeof *tname);
        tns[nt] = strdup(ns);
        tname[nt++] = strdup(name);
    }
    fclose(tf);

    cluster_opts o = {.manual_clock = true, .start_time = 1735689600.0, .time_scale = 1, .controllers = CTRL_ALL};
    cluster *c = cluster_new(&o);
    api_result err = {0};
    double t0 = now();
    cluster_lock(c);
    if (cluster_load_take(c, items, &err) < 0) {
        fprintf(stderr, "evictcost: the cluster does not load\n");
        return 1;
    }
    cluster_settle(c);
    cluster_unlock(c); /* as the server: the store trims its trees here */
    double load_s = now() - t0;
    struct mallinfo2 mi = mallinfo2();
    double live_mib = mi.uordblks / 1048576.0;

    double *lat = malloc((size_t)calls * sizeof *lat), sum = 0, best = -1, best_mean = 0;
    double *medians = malloc((size_t)(rounds > 0 ? rounds : 1) * sizeof *medians);
    long codes[600] = {0}, next = 0;
    for (long round = 0; round < rounds; round++) {
        sum = 0;
        for (long i = 0; i < calls; i++, next++) {
            size_t k = (size_t)next % nt;
            char body[1024];
            int blen = snprintf(body, sizeof body,
                                "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\","
                                "\"namespace\":\"%s\"}}", tname[k], tns[k]);
            evict_req rq = {.ns = tns[k], .name = tname[k], .body = body, .body_len = (size_t)blen,
                            .body_type = BODY_JSON, .dry_run_query = dry ? "All" : NULL};
            api_result r = {0};
            double s = now();
            cluster_lock(c); /* one request of the server: lock, evict, settle, unlock */
            evict_pod(c, &rq, &r);
            cluster_settle(c);
            cluster_unlock(c);
            lat[i] = now() - s;
            sum += lat[i];
            codes[r.code > 0 && r.code < 600 ? r.code : 0]++;
            api_result_clear(&r);
        }
        qsort(lat, (size_t)calls, sizeof *lat, cmp_double);
        medians[round] = lat[calls / 2];
        if (best < 0 || medians[round] < best)
            best = medians[round], best_mean = sum / calls;
    }
    printf("{\"objects\":%d,\"load_s\":%.3f,\"heap_mib\":%.1f,\"calls\":%ld,\"targets\":%zu,\"rounds_us\":[",
           nobjs, load_s, live_mib, calls, nt);
    for (long i = 0; i < rounds; i++)
        printf("%s%.2f", i ? "," : "", medians[i] * 1e6);
    printf("],\"median_us\":%.2f,\"mean_us\":%.2f,\"codes\":{", best * 1e6, best_mean * 1e6);
    bool first = true;
    for (int i = 0; i < 600; i++)
        if (codes[i]) {
            printf("%s\"%d\":%ld", first ? "" : ",", i, codes[i]);
            first = false;
        }
    printf("}}\n");
    cluster_free(c);
    for (size_t i = 0; i < nt; i++)
        free(tns[i]), free(tname[i]);
    free(tns);
    free(tname);
    free(lat);
    free(medians);
    return 0;
}
