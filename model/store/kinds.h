/* kinds: the registry of the resource kinds evictsim serves, one row per resource (group,
 * version, kind, plural, singular, scope, short names, categories, verbs, subresources, Table
 * printer). Static rows for the built-in kinds; rows added and withdrawn at run time for the
 * custom resources of CustomResourceDefinitions. Knows nothing of storage or HTTP. */
#ifndef EVICTSIM_KINDS_H
#define EVICTSIM_KINDS_H
#include <stdbool.h>

/* The built-in kinds, by id. Custom resources get ids from K_STATIC_COUNT up. */
typedef enum {
    K_NAMESPACE, K_NODE, K_POD, K_EVENT, K_RC, K_PDB,
    K_DEPLOYMENT, K_REPLICASET, K_STATEFULSET, K_DAEMONSET,
    K_EVICTIONREQUEST, K_EVICTION, /* lifecycle.k8s.io/v1alpha1: served only when enabled */
    /* served generically (stored as given, with their defaults and admission) */
    K_CONFIGMAP, K_SECRET, K_SERVICE, K_ENDPOINTS, K_SERVICEACCOUNT, K_PVC, K_PV, K_PODTEMPLATE,
    K_LIMITRANGE, K_RESOURCEQUOTA, K_CONTROLLERREVISION, K_JOB, K_CRONJOB, K_LEASE,
    K_PRIORITYCLASS, K_INGRESS, K_NETWORKPOLICY, K_INGRESSCLASS, K_STORAGECLASS, K_CSINODE,
    K_CSIDRIVER, K_ROLE, K_CLUSTERROLE, K_ROLEBINDING, K_CLUSTERROLEBINDING, K_CRD, K_HPA,
    K_ENDPOINTSLICE,
    K_EVENT_V1, /* events.k8s.io/v1 events: the objects of core/v1 events, converted */
    K_HPA_V1,   /* autoscaling/v1 horizontalpodautoscalers: the autoscaling/v2 objects, converted */
    /* answered, never stored (create only) */
    K_BINDING, K_SSAR, K_SSRR, K_SSR,
    K_STATIC_COUNT
} kind_id;

/* Capacity of kind ids (static rows, then custom resources). The store sizes its tables by it;
 * loops over the kinds go to kind_count(). */
#define KIND_MAX 1024

/* Verbs (discovery lists them sorted by name). */
enum {
    KV_GET = 1 << 0, KV_LIST = 1 << 1, KV_WATCH = 1 << 2, KV_CREATE = 1 << 3, KV_UPDATE = 1 << 4,
    KV_PATCH = 1 << 5, KV_DELETE = 1 << 6, KV_DELETECOLLECTION = 1 << 7,
    KV_ALL = (1 << 8) - 1,
};

/* Subresources besides status (has_status). */
enum { KS_SCALE = 1 << 0, KS_EVICTION = 1 << 1, KS_LOG = 1 << 2, KS_BINDING = 1 << 3, KS_TOKEN = 1 << 4 };

typedef struct kind_info {
    kind_id id;
    const char *kind;        /* "Pod" */
    const char *plural;      /* "pods" */
    const char *singular;    /* "pod" */
    const char *group;       /* "" for core */
    const char *version;     /* "v1" */
    const char *api_version; /* "v1", "policy/v1", "apps/v1" */
    bool namespaced;
    bool has_status;         /* serves the status subresource */
    const char *short_names[3];
    const char *categories[2];
    unsigned verbs;          /* KV_* */
    unsigned subs;           /* KS_* */
    bool stored;             /* false: create only, answered and not kept (reviews, bindings) */
    bool custom;             /* a custom resource (its CRD's kind) */
    bool served;             /* false once a custom kind's CRD is gone (the id stays taken) */
    const char *list_kind;   /* "PodList" */
    const char *qualified;   /* "pods", "deployments.apps": the resource in error messages */
    /* custom resources: the CRD's served version entry (spec.versions[i], a cJSON tree owned by
     * the registry: schema, subresources, additionalPrinterColumns), NULL for built-in kinds */
    const struct cJSON *crd_version;
    const char *crd_name;    /* custom resources: "<plural>.<group>" */
    kind_id store_kind;      /* the kind whose objects it serves: its own id, or (K_EVENT_V1,
                              * K_HPA_V1) another's */
} kind_info;

/* Number of ids in use (every built-in row, and every custom id ever given). */
int kind_count(void);
/* The row of id (custom rows stay readable once withdrawn: check served); NULL past kind_count(). */
const kind_info *kind_get(kind_id id);
/* The served row of group/plural (version not checked: the caller compares; a group serving the
 * resource in several versions answers its preferred one, listed first), NULL if none. */
const kind_info *kind_by_plural(const char *group, const char *plural);
/* The served row of group/version/plural, NULL if none: what a request's path names. */
const kind_info *kind_by_resource(const char *group, const char *version, const char *plural);
/* The served row of apiVersion/kind (a manifest's), NULL if none: what a loader asks to learn
 * whether a document's kind is served at all. */
const kind_info *kind_by_kind(const char *api_version, const char *kind);
/* "pods" or "poddisruptionbudgets.policy": the resource name used in error messages. */
const char *kind_qualified(kind_id id);

/* Whether a kind is served (its row's served): the alpha lifecycle.k8s.io/v1alpha1 kinds only
 * after kind_serve_lifecycle(true) (cluster_new, from --feature-gates/--runtime-config); lookups
 * by plural or kind skip a kind not served. */
bool kind_served(kind_id id);
void kind_serve_lifecycle(bool on);

/* Custom resources. kind_register serves the row described by tmpl (strings and crd_version are
 * copied; id, qualified, list_kind, served, custom are set here) and returns its id: the id it
 * had when group/plural was served before, else a new one; -1 when the registry is full or
 * another served row has this group/plural or apiVersion/kind. Calling it again for a served
 * custom row updates it in place. kind_withdraw stops serving it. Call both under the model lock
 * (every reader of the registry runs under it). */
int kind_register(const kind_info *tmpl);
void kind_withdraw(kind_id id);
/* Bumped on every register/withdraw (discovery caches may compare it). */
unsigned kind_generation(void);
#endif
