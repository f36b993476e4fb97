/* cluster: the simulated cluster as one unit: the store, the virtual clock,
 * the model lock, which controllers run, and the logs. Everything the server
 * calls goes through a cluster under its lock. */
#ifndef EVICTSIM_CLUSTER_H
#define EVICTSIM_CLUSTER_H
#include <pthread.h>
#include <stdbool.h>
#include "clock.h"
#include "faults.h"
#include "kversion.h"
#include "status.h"
#include "store.h"

enum {
    CTRL_DISRUPTION = 1 << 0,
    CTRL_KUBELET = 1 << 1,
    CTRL_SCHEDULER = 1 << 2,
    CTRL_REPLICASET = 1 << 3,
    CTRL_DEPLOYMENT = 1 << 4,
    CTRL_STATEFULSET = 1 << 5,
    CTRL_DAEMONSET = 1 << 6,
    CTRL_EVICTIONREQUEST = 1 << 7, /* lifecycle.k8s.io: the evictionrequest-controller */
    CTRL_EVICTOR = 1 << 8,         /* lifecycle.k8s.io: the imperative responder */
    CTRL_JOB = 1 << 9,
    CTRL_ALL = (1 << 10) - 1,
};

typedef struct {
    bool manual_clock;
    double start_time;     /* virtual seconds since the epoch */
    double time_scale;
    unsigned controllers;  /* CTRL_* mask */
    double pdb_sync_delay; /* virtual seconds */
    double ready_after;    /* Running to Ready of a pod with no readinessProbe nor annotation */
    kube_version kv;       /* the release answered as, and its gates (zero: the default) */
} cluster_opts;

/* A controller hooks into the cluster: attach at start, reset on
 * /sim/v1/reset, free at the end. */
typedef struct cluster cluster;
typedef struct {
    const char *name;
    unsigned flag;
    void *(*attach)(cluster *c);
    void (*reset)(void *state);
    void (*free)(void *state);
} controller_ops;

#define MAX_CONTROLLERS 16

struct cluster {
    pthread_mutex_t mu;
    store *st;
    sim_clock *clk;
    cluster_opts opts;
    cJSON *evictions; /* the eviction log: array of entries, oldest first */
    faults *faults;   /* fault-injection rules */
    struct { const controller_ops *ops; void *state; } ctrl[MAX_CONTROLLERS];
    int nctrl;
};

/* Parse a --controllers value into a mask; -1 on an unknown name. */
int cluster_parse_controllers(const char *list, unsigned *mask, char **err);

cluster *cluster_new(const cluster_opts *o);
void cluster_free(cluster *c);
void cluster_lock(cluster *c);
void cluster_unlock(cluster *c);
double cluster_now(cluster *c);
/* Run every timer that is due (controllers' work queued at "now"). */
void cluster_settle(cluster *c);
/* Create or replace each object as written, status included; all or nothing.
 * objs is a cJSON array (not taken). On error fills *err (a Status). */
int cluster_load(cluster *c, const cJSON *objs, api_result *err);
/* The same, but objs is taken (freed here, on error too) and its documents
 * are loaded as they are instead of copied. */
int cluster_load_take(cluster *c, cJSON *objs, api_result *err);
/* The same, one document at a time, for loads read as they are parsed:
 * put takes each document (prepared, checked and written compactly at
 * once; the first failure is kept and reported by finish, numbered by its
 * place among those put); undo forgets the last n put; finish loads them
 * all (or none), frees the loader and returns their number or -1. */
typedef struct cluster_loader cluster_loader;
cluster_loader *cluster_loader_new(cluster *c);
void cluster_loader_put(cluster_loader *l, cJSON *doc);
void cluster_loader_undo(cluster_loader *l, size_t n);
int cluster_loader_finish(cluster_loader *l, api_result *err);
void cluster_loader_discard(cluster_loader *l); /* loads nothing, frees l */
/* Documents of a kind not served are skipped (counted by the report)
 * instead of failing the load. */
void cluster_loader_skip_unknown(cluster_loader *l, bool on);
/* What cluster_loader_finish_report tells beside the count. */
typedef struct {
    size_t failed_at; /* the put number (from 0) of the document that failed; (size_t)-1: none */
    cJSON *skipped;   /* {"apiVersion kind": count} of the skipped documents (free it) */
} cluster_load_report;
/* cluster_loader_finish, filling *rep (when not NULL). */
int cluster_loader_finish_report(cluster_loader *l, api_result *err, cluster_load_report *rep);
/* A manifest_sink (model/load/manifest.h) that puts into l. */
struct manifest_sink;
struct manifest_sink cluster_loader_sink(cluster_loader *l);
/* The manifests at paths[0..n) (files, directories, "-": see
 * manifest_load_path_each), each object prepared as soon as it is parsed,
 * then loaded as cluster_loader_finish does. Returns the number loaded; -1
 * with *err (the load's Status) or with *merr (malloc'd: a manifest that
 * cannot be read; nothing loaded). */
int cluster_load_paths(cluster *c, const char *const *paths, int n, api_result *err, char **merr);
void cluster_reset(cluster *c);
cJSON *cluster_snapshot(cluster *c);
/* Find the controller state registered under `name` (NULL if not running). */
void *cluster_controller(cluster *c, const char *name);
#endif
