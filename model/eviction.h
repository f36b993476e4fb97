/* eviction: the pod Eviction subresource (POST .../pods/{name}/eviction) as
 * kube-apiserver 1.33 answers it, and the eviction log. A function of
 * (request, store, now); the server only serialises the result. */
#ifndef EVICTSIM_EVICTION_H
#define EVICTSIM_EVICTION_H
#include <stdbool.h>
#include <stddef.h>
#include "cluster.h"
#include "status.h"

/* The handler's limits, as upstream names them. */
#define EVICT_MAX_DISRUPTED_PODS 2000 /* MaxDisruptedPodSize */
#define EVICT_LOG_MAX 10000           /* entries kept in c->evictions */

typedef struct {
    const char *ns, *name;             /* from the URL */
    const char *body;                  /* raw request body (JSON or YAML) */
    size_t body_len;
    int body_type;                     /* BODY_JSON or BODY_YAML (model/rest.h) */
    const char *dry_run_query;         /* ?dryRun= value or NULL */
} evict_req;

/* Decide and carry out one eviction under the model lock; fills out with the
 * answer (201 Status Success or a Status error, retry_after set from
 * details.retryAfterSeconds) and appends an entry to c->evictions. */
void evict_pod(cluster *c, const evict_req *rq, api_result *out);

/* Append an entry to the eviction log for a request answered outside
 * evict_pod (e.g. 415 from the server). pdb may be NULL. */
void evict_log(cluster *c, const char *ns, const char *pod, bool dry, const api_result *r,
               const char *pdb, const char *explanation);
#endif
