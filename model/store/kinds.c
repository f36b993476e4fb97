/* kinds: the table of served kinds and lookups over it. Must not hold state. */
#include "kinds.h"
#include <string.h>

static const kind_info kinds[K_COUNT] = {
    {K_NAMESPACE, "Namespace", "namespaces", "namespace", "", "v1", "v1", false, true, {"ns", 0}},
    {K_NODE, "Node", "nodes", "node", "", "v1", "v1", false, true, {"no", 0}},
    {K_POD, "Pod", "pods", "pod", "", "v1", "v1", true, true, {"po", 0}},
    {K_EVENT, "Event", "events", "event", "", "v1", "v1", true, false, {"ev", 0}},
    {K_RC, "ReplicationController", "replicationcontrollers", "replicationcontroller", "", "v1", "v1", true, true, {"rc", 0}},
    {K_PDB, "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", "policy", "v1", "policy/v1", true, true, {"pdb", 0}},
    {K_DEPLOYMENT, "Deployment", "deployments", "deployment", "apps", "v1", "apps/v1", true, true, {"deploy", 0}},
    {K_REPLICASET, "ReplicaSet", "replicasets", "replicaset", "apps", "v1", "apps/v1", true, true, {"rs", 0}},
    {K_STATEFULSET, "StatefulSet", "statefulsets", "statefulset", "apps", "v1", "apps/v1", true, true, {"sts", 0}},
    {K_DAEMONSET, "DaemonSet", "daemonsets", "daemonset", "apps", "v1", "apps/v1", true, true, {"ds", 0}},
    {K_EVICTIONREQUEST, "EvictionRequest", "evictionrequests", "evictionrequest", "lifecycle.k8s.io", "v1alpha1",
     "lifecycle.k8s.io/v1alpha1", true, true, {0, 0}},
    {K_EVICTION, "Eviction", "evictions", "eviction", "lifecycle.k8s.io", "v1alpha1", "lifecycle.k8s.io/v1alpha1",
     true, true, {0, 0}},
};

static bool lifecycle_served; /* set once per cluster, before it serves (kind_serve_lifecycle) */

bool kind_served(kind_id id)
{
    return (id != K_EVICTIONREQUEST && id != K_EVICTION) || lifecycle_served;
}

void kind_serve_lifecycle(bool on)
{
    lifecycle_served = on;
}

static const char *qualified[K_COUNT] = {
    "namespaces", "nodes", "pods", "events", "replicationcontrollers",
    "poddisruptionbudgets.policy", "deployments.apps", "replicasets.apps",
    "statefulsets.apps", "daemonsets.apps", "evictionrequests.lifecycle.k8s.io", "evictions.lifecycle.k8s.io",
};

const kind_info *kind_get(kind_id id)
{
    return (unsigned)id < K_COUNT ? &kinds[id] : NULL;
}

const kind_info *kind_by_plural(const char *group, const char *plural)
{
    for (int i = 0; i < K_COUNT; i++)
        if (!strcmp(kinds[i].group, group) && !strcmp(kinds[i].plural, plural) && kind_served(kinds[i].id))
            return &kinds[i];
    return NULL;
}

const kind_info *kind_by_kind(const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return NULL;
    for (int i = 0; i < K_COUNT; i++)
        if (!strcmp(kinds[i].api_version, api_version) && !strcmp(kinds[i].kind, kind) && kind_served(kinds[i].id))
            return &kinds[i];
    return NULL;
}

const char *kind_qualified(kind_id id)
{
    return (unsigned)id < K_COUNT ? qualified[id] : "";
}
