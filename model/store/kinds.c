/* kinds: the table of served kinds (static rows as kube-apiserver 1.33 lists them in discovery,
 * then custom resources registered at run time) and lookups over it. Holds only the rows; must
 * not know objects, storage or HTTP. */
#include "kinds.h"
#include "xalloc.h"
#include <cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALL_BUT_DELCOL (KV_ALL & ~KV_DELETECOLLECTION)
#define S(...) {__VA_ARGS__}

/* id, Kind, plural, singular, group, version, apiVersion, namespaced, status, short names,
 * categories, verbs, subresources, stored */
#define ROW(id, kind, plural, group, version, av, ns, st, shorts, cats, verbs, subs, stored)         \
    [id] = {id, kind, plural, NULL, group, version, av, ns, st, shorts, cats, verbs, subs, stored,      \
            false, true, NULL, NULL, NULL, NULL, id}

static kind_info rows[KIND_MAX] = {
    ROW(K_NAMESPACE, "Namespace", "namespaces", "", "v1", "v1", false, true, S("ns"), S(0), ALL_BUT_DELCOL, 0, true),
    ROW(K_NODE, "Node", "nodes", "", "v1", "v1", false, true, S("no"), S(0), KV_ALL, 0, true),
    ROW(K_POD, "Pod", "pods", "", "v1", "v1", true, true, S("po"), S("all"), KV_ALL,
        KS_EVICTION | KS_LOG | KS_BINDING, true),
    ROW(K_EVENT, "Event", "events", "", "v1", "v1", true, false, S("ev"), S(0), KV_ALL, 0, true),
    ROW(K_RC, "ReplicationController", "replicationcontrollers", "", "v1", "v1", true, true, S("rc"), S("all"),
        KV_ALL, KS_SCALE, true),
    ROW(K_PDB, "PodDisruptionBudget", "poddisruptionbudgets", "policy", "v1", "policy/v1", true, true, S("pdb"),
        S(0), KV_ALL, 0, true),
    ROW(K_DEPLOYMENT, "Deployment", "deployments", "apps", "v1", "apps/v1", true, true, S("deploy"), S("all"),
        KV_ALL, KS_SCALE, true),
    ROW(K_REPLICASET, "ReplicaSet", "replicasets", "apps", "v1", "apps/v1", true, true, S("rs"), S("all"), KV_ALL,
        KS_SCALE, true),
    ROW(K_STATEFULSET, "StatefulSet", "statefulsets", "apps", "v1", "apps/v1", true, true, S("sts"), S("all"),
        KV_ALL, KS_SCALE, true),
    ROW(K_DAEMONSET, "DaemonSet", "daemonsets", "apps", "v1", "apps/v1", true, true, S("ds"), S("all"), KV_ALL, 0,
        true),
    ROW(K_EVICTIONREQUEST, "EvictionRequest", "evictionrequests", "lifecycle.k8s.io", "v1alpha1",
        "lifecycle.k8s.io/v1alpha1", true, true, S(0), S(0), KV_ALL, 0, true),
    ROW(K_EVICTION, "Eviction", "evictions", "lifecycle.k8s.io", "v1alpha1", "lifecycle.k8s.io/v1alpha1", true, true,
        S(0), S(0), KV_ALL, 0, true),
    ROW(K_CONFIGMAP, "ConfigMap", "configmaps", "", "v1", "v1", true, false, S("cm"), S(0), KV_ALL, 0, true),
    ROW(K_SECRET, "Secret", "secrets", "", "v1", "v1", true, false, S(0), S(0), KV_ALL, 0, true),
    ROW(K_SERVICE, "Service", "services", "", "v1", "v1", true, true, S("svc"), S("all"), KV_ALL, 0, true),
    ROW(K_ENDPOINTS, "Endpoints", "endpoints", "", "v1", "v1", true, false, S("ep"), S(0), KV_ALL, 0, true),
    ROW(K_SERVICEACCOUNT, "ServiceAccount", "serviceaccounts", "", "v1", "v1", true, false, S("sa"), S(0), KV_ALL,
        KS_TOKEN, true),
    ROW(K_PVC, "PersistentVolumeClaim", "persistentvolumeclaims", "", "v1", "v1", true, true, S("pvc"), S(0),
        KV_ALL, 0, true),
    ROW(K_PV, "PersistentVolume", "persistentvolumes", "", "v1", "v1", false, true, S("pv"), S(0), KV_ALL, 0,
        true),
    ROW(K_PODTEMPLATE, "PodTemplate", "podtemplates", "", "v1", "v1", true, false, S(0), S(0), KV_ALL, 0, true),
    ROW(K_LIMITRANGE, "LimitRange", "limitranges", "", "v1", "v1", true, false, S("limits"), S(0), KV_ALL, 0,
        true),
    ROW(K_RESOURCEQUOTA, "ResourceQuota", "resourcequotas", "", "v1", "v1", true, true, S("quota"), S(0), KV_ALL,
        0, true),
    ROW(K_CONTROLLERREVISION, "ControllerRevision", "controllerrevisions", "apps", "v1", "apps/v1", true, false,
        S(0), S(0), KV_ALL, 0, true),
    ROW(K_JOB, "Job", "jobs", "batch", "v1", "batch/v1", true, true, S(0), S("all"), KV_ALL, 0, true),
    ROW(K_CRONJOB, "CronJob", "cronjobs", "batch", "v1", "batch/v1", true, true, S("cj"), S("all"), KV_ALL, 0,
        true),
    ROW(K_LEASE, "Lease", "leases", "coordination.k8s.io", "v1", "coordination.k8s.io/v1", true, false, S(0),
        S(0), KV_ALL, 0, true),
    ROW(K_PRIORITYCLASS, "PriorityClass", "priorityclasses", "scheduling.k8s.io", "v1", "scheduling.k8s.io/v1",
        false, false, S("pc"), S(0), KV_ALL, 0, true),
    ROW(K_INGRESS, "Ingress", "ingresses", "networking.k8s.io", "v1", "networking.k8s.io/v1", true, true,
        S("ing"), S(0), KV_ALL, 0, true),
    ROW(K_NETWORKPOLICY, "NetworkPolicy", "networkpolicies", "networking.k8s.io", "v1", "networking.k8s.io/v1",
        true, false, S("netpol"), S(0), KV_ALL, 0, true),
    ROW(K_INGRESSCLASS, "IngressClass", "ingressclasses", "networking.k8s.io", "v1", "networking.k8s.io/v1",
        false, false, S(0), S(0), KV_ALL, 0, true),
    ROW(K_STORAGECLASS, "StorageClass", "storageclasses", "storage.k8s.io", "v1", "storage.k8s.io/v1", false,
        false, S("sc"), S(0), KV_ALL, 0, true),
    ROW(K_CSINODE, "CSINode", "csinodes", "storage.k8s.io", "v1", "storage.k8s.io/v1", false, false, S(0), S(0),
        KV_ALL, 0, true),
    ROW(K_CSIDRIVER, "CSIDriver", "csidrivers", "storage.k8s.io", "v1", "storage.k8s.io/v1", false, false, S(0),
        S(0), KV_ALL, 0, true),
    ROW(K_ROLE, "Role", "roles", "rbac.authorization.k8s.io", "v1", "rbac.authorization.k8s.io/v1", true, false,
        S(0), S(0), KV_ALL, 0, true),
    ROW(K_CLUSTERROLE, "ClusterRole", "clusterroles", "rbac.authorization.k8s.io", "v1",
        "rbac.authorization.k8s.io/v1", false, false, S(0), S(0), KV_ALL, 0, true),
    ROW(K_ROLEBINDING, "RoleBinding", "rolebindings", "rbac.authorization.k8s.io", "v1",
        "rbac.authorization.k8s.io/v1", true, false, S(0), S(0), KV_ALL, 0, true),
    ROW(K_CLUSTERROLEBINDING, "ClusterRoleBinding", "clusterrolebindings", "rbac.authorization.k8s.io", "v1",
        "rbac.authorization.k8s.io/v1", false, false, S(0), S(0), KV_ALL, 0, true),
    ROW(K_CRD, "CustomResourceDefinition", "customresourcedefinitions", "apiextensions.k8s.io", "v1",
        "apiextensions.k8s.io/v1", false, true, S("crd", "crds"), S("api-extensions"), KV_ALL, 0, true),
    ROW(K_HPA, "HorizontalPodAutoscaler", "horizontalpodautoscalers", "autoscaling", "v2", "autoscaling/v2", true,
        true, S("hpa"), S("all"), KV_ALL, 0, true),
    ROW(K_ENDPOINTSLICE, "EndpointSlice", "endpointslices", "discovery.k8s.io", "v1", "discovery.k8s.io/v1", true,
        false, S(0), S(0), KV_ALL, 0, true),
    ROW(K_EVENT_V1, "Event", "events", "events.k8s.io", "v1", "events.k8s.io/v1", true, false, S("ev"), S(0), KV_ALL,
        0, true),
    ROW(K_HPA_V1, "HorizontalPodAutoscaler", "horizontalpodautoscalers", "autoscaling", "v1", "autoscaling/v1",
        true, true, S("hpa"), S("all"), KV_ALL, 0, true),
    ROW(K_BINDING, "Binding", "bindings", "", "v1", "v1", true, false, S(0), S(0), KV_CREATE, 0, false),
    ROW(K_SSAR, "SelfSubjectAccessReview", "selfsubjectaccessreviews", "authorization.k8s.io", "v1",
        "authorization.k8s.io/v1", false, false, S(0), S(0), KV_CREATE, 0, false),
    ROW(K_SSRR, "SelfSubjectRulesReview", "selfsubjectrulesreviews", "authorization.k8s.io", "v1",
        "authorization.k8s.io/v1", false, false, S(0), S(0), KV_CREATE, 0, false),
    ROW(K_SSR, "SelfSubjectReview", "selfsubjectreviews", "authentication.k8s.io", "v1", "authentication.k8s.io/v1",
        false, false, S(0), S(0), KV_CREATE, 0, false),
};

static int nrows = K_STATIC_COUNT;
static unsigned generation;
static char derived[K_STATIC_COUNT][2][96]; /* singular, qualified and list kind of the static rows */
static char derived_list[K_STATIC_COUNT][96];

static void lower(char *dst, size_t n, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++)
        dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    dst[i] = 0;
}

/* The names derived from a static row (singular = lower-case Kind), once. */
static void init_static(void)
{
    static bool done;
    if (done)
        return;
    for (int i = 0; i < K_STATIC_COUNT; i++) {
        kind_info *r = &rows[i];
        lower(derived[i][0], sizeof derived[i][0], r->kind);
        snprintf(derived[i][1], sizeof derived[i][1], "%s%s%s", r->plural, *r->group ? "." : "", r->group);
        snprintf(derived_list[i], sizeof derived_list[i], "%sList", r->kind);
        r->singular = derived[i][0];
        r->qualified = derived[i][1];
        r->list_kind = derived_list[i];
    }
    rows[K_EVENT_V1].store_kind = K_EVENT;
    rows[K_HPA_V1].store_kind = K_HPA;
    rows[K_EVICTIONREQUEST].served = rows[K_EVICTION].served = false; /* until kind_serve_lifecycle */
    done = true;
}

/* Built at load: the process has one registry, read under the model lock or before threads start. */
__attribute__((constructor)) static void kinds_init(void)
{
    init_static();
}

/* Rows are written under reg_mu (a load may serve CRDs from several threads) and published by
 * nrows, stored last: a reader sees only complete rows. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;

int kind_count(void)
{
    return __atomic_load_n(&nrows, __ATOMIC_ACQUIRE);
}

const kind_info *kind_get(kind_id id)
{
    return (unsigned)id < (unsigned)kind_count() ? &rows[id] : NULL;
}

const kind_info *kind_by_plural(const char *group, const char *plural)
{
    if (!group || !plural)
        return NULL;
    for (int i = 0, n = kind_count(); i < n; i++)
        if (rows[i].served && !strcmp(rows[i].plural, plural) && !strcmp(rows[i].group, group))
            return &rows[i];
    return NULL;
}

const kind_info *kind_by_resource(const char *group, const char *version, const char *plural)
{
    if (!group || !version || !plural)
        return NULL;
    for (int i = 0, n = kind_count(); i < n; i++)
        if (rows[i].served && !strcmp(rows[i].plural, plural) && !strcmp(rows[i].group, group) &&
            !strcmp(rows[i].version, version))
            return &rows[i];
    return NULL;
}

const kind_info *kind_by_kind(const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return NULL;
    for (int i = 0, n = kind_count(); i < n; i++)
        if (rows[i].served && !strcmp(rows[i].kind, kind) && !strcmp(rows[i].api_version, api_version))
            return &rows[i];
    return NULL;
}

const char *kind_qualified(kind_id id)
{
    const kind_info *k = kind_get(id);
    return k ? k->qualified : "";
}

bool kind_served(kind_id id)
{
    const kind_info *k = kind_get(id);
    return k && k->served;
}

void kind_serve_lifecycle(bool on)
{
    rows[K_EVICTIONREQUEST].served = rows[K_EVICTION].served = on;
    generation++;
}

unsigned kind_generation(void)
{
    return generation;
}

/* ---- custom rows ---------------------------------------------------------------------------- */

static char *dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void free_strings(kind_info *r)
{
    free((char *)r->kind), free((char *)r->plural), free((char *)r->singular), free((char *)r->group);
    free((char *)r->version), free((char *)r->api_version), free((char *)r->list_kind);
    free((char *)r->qualified), free((char *)r->crd_name);
    for (int i = 0; i < 3; i++)
        free((char *)r->short_names[i]);
    for (int i = 0; i < 2; i++)
        free((char *)r->categories[i]);
    cJSON_Delete((cJSON *)r->crd_version);
}

/* A row's old strings are freed only 64 updates later: a Table is rendered after the model lock
 * is released, from a row it read under the lock. */
static void retire(kind_info *old)
{
    static kind_info ring[64];
    static unsigned next;
    kind_info *slot = &ring[next++ % 64];
    free_strings(slot);
    *slot = *old;
}

static char *joined(const char *a, const char *sep, const char *b)
{
    size_t n = strlen(a) + strlen(sep) + strlen(b) + 1;
    char *s = xmalloc(n);
    snprintf(s, n, "%s%s%s", a, sep, b);
    return s;
}

/* Another served row with the same resource or the same type. */
static bool clashes(const kind_info *t, int self)
{
    for (int i = 0; i < nrows; i++) {
        if (i == self || !rows[i].served)
            continue;
        if (!strcmp(rows[i].group, t->group) && !strcmp(rows[i].plural, t->plural))
            return true;
        if (!strcmp(rows[i].group, t->group) && !strcmp(rows[i].version, t->version) &&
            !strcmp(rows[i].kind, t->kind))
            return true;
    }
    return false;
}

static int do_register(const kind_info *t);

int kind_register(const kind_info *t)
{
    if (!t || !t->kind || !t->plural || !t->group || !t->version)
        return -1;
    pthread_mutex_lock(&reg_mu);
    int id = do_register(t);
    pthread_mutex_unlock(&reg_mu);
    return id;
}

static int do_register(const kind_info *t)
{
    int id = -1;
    for (int i = K_STATIC_COUNT; i < nrows && id < 0; i++)
        if (rows[i].custom && !strcmp(rows[i].group, t->group) && !strcmp(rows[i].plural, t->plural))
            id = i;
    if (clashes(t, id))
        return -1;
    if (id < 0) {
        if (nrows >= KIND_MAX)
            return -1;
        id = nrows;
    }
    kind_info *r = &rows[id];
    kind_info old = *r;
    *r = (kind_info){0};
    r->id = (kind_id)id;
    r->kind = dup(t->kind);
    r->plural = dup(t->plural);
    r->singular = dup(t->singular && *t->singular ? t->singular : "");
    if (!*r->singular) {
        free((char *)r->singular);
        char buf[256];
        lower(buf, sizeof buf, t->kind);
        r->singular = dup(buf);
    }
    r->group = dup(t->group);
    r->version = dup(t->version);
    r->api_version = *t->group ? joined(t->group, "/", t->version) : dup(t->version);
    r->namespaced = t->namespaced;
    r->has_status = t->has_status;
    for (int i = 0; i < 3; i++)
        r->short_names[i] = dup(t->short_names[i]);
    for (int i = 0; i < 2; i++)
        r->categories[i] = dup(t->categories[i]);
    r->verbs = t->verbs ? t->verbs : KV_ALL;
    r->subs = t->subs;
    r->stored = true;
    r->custom = true;
    r->served = true;
    r->list_kind = t->list_kind && *t->list_kind ? dup(t->list_kind) : joined(t->kind, "", "List");
    r->qualified = *t->group ? joined(t->plural, ".", t->group) : dup(t->plural);
    r->crd_version = t->crd_version ? cJSON_Duplicate(t->crd_version, true) : NULL;
    r->crd_name = dup(t->crd_name);
    r->store_kind = (kind_id)id;
    if (id == nrows)
        __atomic_store_n(&nrows, nrows + 1, __ATOMIC_RELEASE);
    else
        retire(&old);
    generation++;
    return id;
}

void kind_withdraw(kind_id id)
{
    pthread_mutex_lock(&reg_mu);
    if ((int)id >= K_STATIC_COUNT && (int)id < nrows && rows[id].custom && rows[id].served) {
        rows[id].served = false;
        generation++;
    }
    pthread_mutex_unlock(&reg_mu);
}
