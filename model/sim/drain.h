/* drain: kubectl drain's algorithm (k8s.io/kubectl/pkg/drain, 1.33; see
 * docs/reference/drain.md) run against the model on the
 * virtual clock: cordon, the pod filters with kubectl's messages, all
 * evictions in parallel, a 429 retried every 5 s, waiting for deletion
 * (poll every 1 s), the global timeout, and a timeline of what happened. */
#ifndef EVICTSIM_DRAIN_H
#define EVICTSIM_DRAIN_H
#include <stdbool.h>
#include "cluster.h"

#define DRAIN_RETRY_SECONDS 5.0  /* kubectl's fixed wait after a 429 */
#define DRAIN_POLL_SECONDS 1.0   /* waitForDelete's interval */
#define DRAIN_HORIZON 3600.0     /* virtual limit when there is no timeout */

typedef enum { DRAIN_DRY_NONE, DRAIN_DRY_SERVER, DRAIN_DRY_CLIENT } drain_dry;

typedef struct {
    const char *node;
    bool ignore_daemonsets;
    bool delete_emptydir_data;
    bool force;
    bool disable_eviction;   /* DELETE instead of evictions */
    drain_dry dry_run;
    double timeout;          /* seconds; 0 = none */
    int grace_period;        /* -1: the pod's own */
    const char *pod_selector;/* label selector or NULL */
    double horizon;          /* without a timeout, stop after this much virtual time (0: DRAIN_HORIZON) */
    /* Optional: the pods that may be on a node (a malloc'd array, sorted by
     * namespace and name; each is checked again), instead of every pod. */
    store_obj **(*pods_on_node)(void *arg, const char *node, size_t *n);
    void *pods_arg;
} drain_opts;

/* drained: every pod went (node/NODE drained). blocked: no hard error, but
 * time ran out (timeout or horizon) while a pod was still refused with 429.
 * failed: anything else (filters, node missing, other eviction errors, a pod
 * that never went away). */
typedef enum { DRAIN_DRAINED, DRAIN_BLOCKED, DRAIN_FAILED } drain_outcome;

typedef struct {
    drain_outcome outcome;
    double elapsed;     /* virtual seconds from start to end */
    cJSON *timeline;    /* [{"line": "t=+5s evict default/web-1 → 429 (...)", "why": explanation or absent}] */
    cJSON *output;      /* kubectl's stdout and stderr lines, in order */
    cJSON *errors;      /* the error messages kubectl reports at the end */
    cJSON *left;        /* "ns/name" of the pods the drain meant to remove that are still on the node */
    cJSON *attempts;    /* [{"pod","first","last","count","code","pdb","why","explanation"}]: each eviction
                         * answer (times: virtual seconds since the epoch), repeats of one counted in one */
    cJSON *filtered;    /* [{"pod","reason"}]: pods the filters refused (the drain then evicts nothing) */
} drain_result;

/* Run a drain; moves the cluster's (manual) clock. Fills r (free it with
 * drain_result_free). */
void drain_run(cluster *c, const drain_opts *o, drain_result *r);
/* The same, a step at a time, for drains that run side by side on one
 * clock: drain_start cordons, lists and filters (at the clock's now);
 * drain_due says when the drain next acts (false: it has nothing left to
 * do); once the clock is there, drain_act acts; drain_end writes the
 * outcome into r and frees the job. o must outlive the job. */
typedef struct drain_job drain_job;
drain_job *drain_start(cluster *c, const drain_opts *o, drain_result *r);
bool drain_due(drain_job *j, double *t);
void drain_act(drain_job *j);
void drain_end(drain_job *j);
void drain_result_free(drain_result *r);
const char *drain_outcome_name(drain_outcome o);

/* Go's time.Duration String() for whole or fractional seconds: 7s, 10m0s, 1h0m0s, 1.5s. */
void drain_go_duration(double secs, char *buf, size_t n);

/* Fault rules as the API would apply them to a request that kubectl (or a
 * scenario step) sends: true when a rule answers it (out filled). */
bool drain_fault(cluster *c, const char *verb, const char *resource, const char *subresource,
                 const char *ns, const char *name, api_result *out);
#endif
