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

/* The checks of an eviction that read only the request (the dryRun query,
 * decoding the body, the namespace it names), done ahead of the model lock
 * by evict_predecode so that the lock is not held while a body is parsed. */
typedef struct evict_pre {
    bool done;
    cJSON *st;         /* the answer when they fail */
    cJSON *body;       /* the decoded Eviction */
    const char *other; /* Go type of a policy object that is not an Eviction */
    bool qdry;         /* ?dryRun=All */
} evict_pre;

typedef struct evict_req {
    const char *ns, *name;             /* from the URL */
    const char *body;                  /* raw request body (JSON or YAML) */
    cJSON *tree;                       /* or the body already decoded from a typed encoding
                                          (protobuf), which has no JSON type errors; taken
                                          by evict_predecode */
    size_t body_len;
    int body_type;                     /* BODY_JSON or BODY_YAML (model/api/rest.h) */
    const char *dry_run_query;         /* ?dryRun= value or NULL */
    evict_pre *pre;                    /* evict_predecode's result, or NULL: evict_pod decodes */
    bool text;                         /* the answer may come as api_result.text (the server) */
    const char *via;                   /* who asks, for the log's explanation (a controller), or NULL */
    const kube_version *kv;            /* the release answered as, for evict_predecode (which has no
                                          cluster); NULL: the default. evict_pod uses the cluster's. */
} evict_req;

/* The request-only checks, in their order; needs no lock. evict_pod takes
 * what it uses from *pre; evict_pre_clear frees what is left. */
void evict_predecode(const evict_req *rq, evict_pre *pre);
void evict_pre_clear(evict_pre *pre);

/* Decide and carry out one eviction under the model lock; fills out with the
 * answer (201 Status Success or a Status error, retry_after set from
 * details.retryAfterSeconds) and appends an entry to c->evictions. With
 * rq->text, the common answers (201, a refusal by the budget) come as
 * out->text, the Status' JSON text, with no body tree. */
void evict_pod(cluster *c, const evict_req *rq, api_result *out);

/* Append an entry to the eviction log for a request the server answered
 * outside evict_pod (e.g. 415), as for a request with rq->text. pdb may be
 * NULL. */
void evict_log(cluster *c, const char *ns, const char *pod, bool dry, const api_result *r,
               const char *pdb, const char *explanation);

/* The eviction log is c->evictions, oldest first, at most EVICT_LOG_MAX
 * entries. The entries of requests made with rq->text (the server's) are
 * kept compactly, out of the array, until an entry is logged without text
 * (which makes them the array's objects first, in order). */
/* Append the whole log to b as a JSON array: what jprint prints of
 * c->evictions once evict_log_objects has run. */
void evict_log_print(cluster *c, strbuf *b);
/* Make every entry an object of c->evictions. */
void evict_log_objects(cluster *c);
#endif
