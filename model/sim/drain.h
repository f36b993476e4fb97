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
} drain_result;

/* Run a drain; moves the cluster's (manual) clock. Fills r (free it with
 * drain_result_free). */
void drain_run(cluster *c, const drain_opts *o, drain_result *r);
void drain_result_free(drain_result *r);
const char *drain_outcome_name(drain_outcome o);

/* Go's time.Duration String() for whole or fractional seconds: 7s, 10m0s, 1h0m0s, 1.5s. */
void drain_go_duration(double secs, char *buf, size_t n);

/* Fault rules as the API would apply them to a request that kubectl (or a
 * scenario step) sends: true when a rule answers it (out filled). */
bool drain_fault(cluster *c, const char *verb, const char *resource, const char *subresource,
                 const char *ns, const char *name, api_result *out);
#endif
