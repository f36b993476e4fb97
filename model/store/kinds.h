/* kinds: the static registry of the resource kinds evictsim serves (names, group, scope,
 * short names, verbs). Owns no state; knows nothing of storage or HTTP. */
#ifndef EVICTSIM_KINDS_H
#define EVICTSIM_KINDS_H
#include <stdbool.h>

typedef enum {
    K_NAMESPACE, K_NODE, K_POD, K_EVENT, K_RC, K_PDB,
    K_DEPLOYMENT, K_REPLICASET, K_STATEFULSET, K_DAEMONSET,
    K_EVICTIONREQUEST, K_EVICTION, /* lifecycle.k8s.io/v1alpha1: served only when enabled */
    K_COUNT
} kind_id;

typedef struct {
    kind_id id;
    const char *kind;        /* "Pod" */
    const char *plural;      /* "pods" */
    const char *singular;    /* "pod" */
    const char *group;       /* "" for core */
    const char *version;     /* "v1" */
    const char *api_version; /* "v1", "policy/v1", "apps/v1" */
    bool namespaced;
    bool has_status;         /* serves the status subresource */
    const char *short_names[2];
} kind_info;

const kind_info *kind_get(kind_id id);
const kind_info *kind_by_plural(const char *group, const char *plural);
const kind_info *kind_by_kind(const char *api_version, const char *kind); /* NULL if unknown */
/* "pods" or "poddisruptionbudgets.policy": the resource name used in error messages. */
const char *kind_qualified(kind_id id);
/* Whether a kind is served: the alpha lifecycle.k8s.io/v1alpha1 kinds only after
 * kind_serve_lifecycle(true) (cluster_new, from --feature-gates/--runtime-config); lookups by
 * plural or kind skip a kind not served. */
bool kind_served(kind_id id);
void kind_serve_lifecycle(bool on);
#endif
