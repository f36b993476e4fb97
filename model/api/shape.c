/* shape: the members Go's encoder always writes, per kind, as rules read
 * from k8s.io/api v0.33.0's types.go (a struct field is never omitted, a
 * field without omitempty always written, metav1.Time's zero is null), and
 * the code that applies them to a document. Only adds what is missing: never
 * changes a value that is there, never reads the store or HTTP. */
#include "shape.h"
#include "json.h"
#include "kversion.h"
#include "xalloc.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---------- the rules, per type (names as in types.go) ---------- */

#define R_OWNER_REF "ownerReferences[{apiVersion=\"\" kind=\"\" name=\"\" uid=\"\"}]"
/* a zero creationTimestamp is null until 1.34 made it omitzero (PR 130989) */
#define R_META "metadata{creationTimestamp=null<34 " R_OWNER_REF "}"
#define R_LABEL_SELECTOR "{matchExpressions[{key=\"\" operator=\"\"}]}"
#define R_NODE_SELECTOR_TERMS "[{matchExpressions[{key=\"\" operator=\"\"}] matchFields[{key=\"\" operator=\"\"}]}]"
#define R_POD_AFFINITY_TERM "{labelSelector?" R_LABEL_SELECTOR " namespaceSelector?" R_LABEL_SELECTOR " topologyKey=\"\"}"
#define R_POD_AFFINITY                                                                              \
    "{requiredDuringSchedulingIgnoredDuringExecution[" R_POD_AFFINITY_TERM "]"                   \
    " preferredDuringSchedulingIgnoredDuringExecution[{weight=0 podAffinityTerm" R_POD_AFFINITY_TERM "}]}"
#define R_AFFINITY                                                                                 \
    "affinity?{nodeAffinity?{requiredDuringSchedulingIgnoredDuringExecution?{nodeSelectorTerms=null" \
    R_NODE_SELECTOR_TERMS "} preferredDuringSchedulingIgnoredDuringExecution[{weight=0 preference{"  \
    "matchExpressions[{key=\"\" operator=\"\"}] matchFields[{key=\"\" operator=\"\"}]}}]}"             \
    " podAffinity?" R_POD_AFFINITY " podAntiAffinity?" R_POD_AFFINITY "}"
#define R_CONTAINER                                                                                \
    "{name=\"\" ports[{containerPort=0}] env[{name=\"\"}] resources{claims[{name=\"\"}]}"            \
    " resizePolicy[{resourceName=\"\" restartPolicy=\"\"}] volumeMounts[{name=\"\" mountPath=\"\"}]" \
    " volumeDevices[{name=\"\" devicePath=\"\"}]}"
#define R_POD_SPEC                                                                                 \
    "{volumes[{name=\"\"}] initContainers[" R_CONTAINER "] containers=null[" R_CONTAINER "]"        \
    " ephemeralContainers[" R_CONTAINER "] " R_AFFINITY " hostAliases[{ip=\"\"}]"                   \
    " topologySpreadConstraints[{maxSkew=0 topologyKey=\"\" whenUnsatisfiable=\"\""                 \
    " labelSelector?" R_LABEL_SELECTOR "}] readinessGates[{conditionType=\"\"}]"                     \
    " schedulingGates[{name=\"\"}] resourceClaims[{name=\"\"}] os?{name=\"\"}}"
#define R_TEMPLATE "template{" R_META " spec" R_POD_SPEC "}"
#define R_CONTAINER_STATE                                                                          \
    "{running?{startedAt=null} terminated?{exitCode=0 startedAt=null finishedAt=null}}"
#define R_CONTAINER_STATUS                                                                         \
    "{name=\"\" state" R_CONTAINER_STATE " lastState" R_CONTAINER_STATE " ready=false"               \
    " restartCount=0 image=\"\" imageID=\"\" volumeMounts[{name=\"\" mountPath=\"\"}]"             \
    " allocatedResourcesStatus[{name=\"\"}]}"
#define R_POD_STATUS                                                                               \
    "status{conditions[{type=\"\" status=\"\" lastProbeTime=null lastTransitionTime=null}]"        \
    " hostIPs[{ip=\"\"}] podIPs[{ip=\"\"}] initContainerStatuses[" R_CONTAINER_STATUS "]"           \
    " containerStatuses[" R_CONTAINER_STATUS "] ephemeralContainerStatuses[" R_CONTAINER_STATUS "]" \
    " resourceClaimStatuses[{name=\"\"}]}"
#define R_CONDITIONS(times) "conditions[{type=\"\" status=\"\" " times "}]"
#define R_TRANSITION "lastTransitionTime=null"
/* metav1.Condition: every field but observedGeneration is written */
#define R_META_CONDITIONS "conditions[{type=\"\" status=\"\" lastTransitionTime=null reason=\"\" message=\"\"}]"
#define R_PVC_BODY                                                                                 \
    R_META " spec{selector?" R_LABEL_SELECTOR " resources{claims[{name=\"\"}]}}"                      \
    " status{" R_CONDITIONS("lastProbeTime=null " R_TRANSITION) "}"
#define R_WORKLOAD_SPEC "selector=null?" R_LABEL_SELECTOR " " R_TEMPLATE

static const struct {
    const char *api_version, *kind, *rules;
} kind_rules[] = {
    {"v1", "Pod", R_META " spec" R_POD_SPEC " " R_POD_STATUS},
    {"v1", "Node",
     R_META " spec{taints[{key=\"\" effect=\"\"}]} status{" R_CONDITIONS("lastHeartbeatTime=null " R_TRANSITION)
     " addresses[{type=\"\" address=\"\"}] daemonEndpoints{kubeletEndpoint{Port=0}}"
     " nodeInfo{machineID=\"\" systemUUID=\"\" bootID=\"\" kernelVersion=\"\" osImage=\"\""
     " containerRuntimeVersion=\"\" kubeletVersion=\"\" kubeProxyVersion=\"\" operatingSystem=\"\""
     " architecture=\"\"} images[{names=null}] volumesAttached[{name=\"\" devicePath=\"\"}]"
     " runtimeHandlers[{name=\"\"}]}"},
    {"v1", "Namespace", R_META " spec{} status{" R_CONDITIONS(R_TRANSITION) "}"},
    {"v1", "Event",
     R_META " involvedObject{} source{} firstTimestamp=null lastTimestamp=null eventTime=null"
     " series?{lastObservedTime=null} reportingComponent=\"\" reportingInstance=\"\""},
    {"v1", "ReplicationController",
     R_META " spec{template?{" R_META " spec" R_POD_SPEC "}} status{replicas=0 " R_CONDITIONS(R_TRANSITION) "}"},
    {"policy/v1", "PodDisruptionBudget",
     R_META " spec{selector?" R_LABEL_SELECTOR "} status{disruptionsAllowed=0 currentHealthy=0 desiredHealthy=0"
     " expectedPods=0 " R_META_CONDITIONS "}"},
    {"apps/v1", "Deployment",
     R_META " spec{" R_WORKLOAD_SPEC " strategy{}} status{" R_CONDITIONS("lastUpdateTime=null " R_TRANSITION) "}"},
    {"apps/v1", "ReplicaSet", R_META " spec{" R_WORKLOAD_SPEC "} status{replicas=0 " R_CONDITIONS(R_TRANSITION) "}"},
    {"apps/v1", "StatefulSet",
     R_META " spec{" R_WORKLOAD_SPEC " volumeClaimTemplates[{" R_PVC_BODY "}] serviceName=\"\" updateStrategy{}}"
     " status{replicas=0 " R_CONDITIONS(R_TRANSITION) " availableReplicas=0}"},
    {"apps/v1", "DaemonSet",
     R_META " spec{" R_WORKLOAD_SPEC " updateStrategy{}} status{currentNumberScheduled=0 numberMisscheduled=0"
     " desiredNumberScheduled=0 numberReady=0 " R_CONDITIONS(R_TRANSITION) "}"},
    {"apps/v1", "ControllerRevision", R_META " revision=0"},
    {"batch/v1", "Job",
     R_META " spec{selector?" R_LABEL_SELECTOR " " R_TEMPLATE "} status{"
     R_CONDITIONS("lastProbeTime=null " R_TRANSITION) "}"},
    {"batch/v1", "CronJob",
     R_META " spec{schedule=\"\" jobTemplate{" R_META " spec{selector?" R_LABEL_SELECTOR " " R_TEMPLATE "}}}"
     " status{}"},
    {"coordination.k8s.io/v1", "Lease", R_META " spec{}"},
    {"scheduling.k8s.io/v1", "PriorityClass", R_META " value=0"},
    {"v1", "ConfigMap", R_META},
    {"v1", "Secret", R_META},
    {"v1", "ServiceAccount", R_META},
    {"v1", "Service",
     R_META " spec{ports[{port=0 targetPort=0}]} status{loadBalancer{} " R_META_CONDITIONS "}"},
    {"v1", "Endpoints", R_META " subsets[{addresses[{ip=\"\"}] notReadyAddresses[{ip=\"\"}] ports[{port=0}]}]"},
    {"v1", "PersistentVolumeClaim", R_PVC_BODY},
    {"events.k8s.io/v1", "Event",
     R_META " eventTime=null series?{count=0 lastObservedTime=null} regarding{} deprecatedSource{}"
     " deprecatedFirstTimestamp=null deprecatedLastTimestamp=null"},
};
#define NKINDS (sizeof kind_rules / sizeof *kind_rules)

/* ---------- compiled rules ---------- */

typedef enum { LIT_NONE, LIT_STR, LIT_NUM, LIT_FALSE, LIT_NULL } lit_kind;
typedef enum { BLK_NONE, BLK_STRUCT, BLK_POINTER, BLK_SLICE } blk_kind;

typedef struct rule {
    char *name;
    lit_kind lit;
    char *str;  /* LIT_STR */
    double num; /* LIT_NUM */
    blk_kind blk;
    int until;  /* the rule holds before release 1.until (0: always) */
    struct rule *kids;
    size_t nkids;
} rule;

typedef struct {
    rule *r;
    size_t n;
} ruleset;

static void rules_free(rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].name);
        free(r[i].str);
        rules_free(r[i].kids, r[i].nkids);
    }
    free(r);
}

static void skip_ws(const char **p)
{
    while (**p == ' ')
        (*p)++;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool parse_rules(const char **p, char end, ruleset *out);

static bool parse_literal(const char **p, rule *r)
{
    const char *s = *p;
    if (*s == '"') {
        const char *q = strchr(s + 1, '"');
        if (!q)
            return false;
        r->lit = LIT_STR;
        r->str = xstrndup(s + 1, (size_t)(q - s - 1));
        *p = q + 1;
    } else if (!strncmp(s, "null", 4)) {
        r->lit = LIT_NULL;
        *p = s + 4;
    } else if (!strncmp(s, "false", 5)) {
        r->lit = LIT_FALSE;
        *p = s + 5;
    } else {
        char *e;
        r->num = strtod(s, &e);
        if (e == s)
            return false;
        r->lit = LIT_NUM;
        *p = e;
    }
    return true;
}

static bool parse_rule(const char **p, rule *r)
{
    const char *s = *p;
    while (name_char(**p))
        (*p)++;
    if (*p == s)
        return false;
    r->name = xstrndup(s, (size_t)(*p - s));
    if (**p == '=') {
        (*p)++;
        if (!parse_literal(p, r))
            return false;
    }
    ruleset kids = {0};
    if (**p == '?' && (*p)[1] == '{') {
        *p += 2;
        r->blk = BLK_POINTER;
    } else if (**p == '{') {
        *p += 1;
        r->blk = BLK_STRUCT;
    } else if (**p == '[' && (*p)[1] == '{') {
        *p += 2;
        r->blk = BLK_SLICE;
    }
    if (r->blk != BLK_NONE) {
        if (!parse_rules(p, '}', &kids))
            return false;
        r->kids = kids.r;
        r->nkids = kids.n;
        (*p)++; /* '}' */
        if (r->blk == BLK_SLICE && *(*p)++ != ']')
            return false;
    }
    if (**p == '<') {
        char *e;
        long until = strtol(*p + 1, &e, 10);
        if (e == *p + 1 || until <= 0 || until > 99)
            return false;
        r->until = (int)until;
        *p = e;
    }
    return r->lit != LIT_NONE || r->blk != BLK_NONE;
}

/* Rules up to `end` ('}' or NUL), left at it. */
static bool parse_rules(const char **p, char end, ruleset *out)
{
    size_t cap = 0;
    out->r = NULL;
    out->n = 0;
    for (;;) {
        skip_ws(p);
        if (**p == end)
            return true;
        if (!**p)
            break;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            out->r = xrealloc(out->r, cap * sizeof *out->r);
        }
        rule *r = &out->r[out->n++];
        memset(r, 0, sizeof *r);
        if (!parse_rule(p, r))
            break;
    }
    rules_free(out->r, out->n);
    out->r = NULL;
    out->n = 0;
    return false;
}

static bool compile(const char *text, ruleset *out)
{
    const char *p = text;
    return parse_rules(&p, 0, out);
}

/* ---------- applying ---------- */

static cJSON *literal(const rule *r)
{
    switch (r->lit) {
    case LIT_STR: return cJSON_CreateString(r->str);
    case LIT_NUM: return cJSON_CreateNumber(r->num);
    case LIT_FALSE: return cJSON_CreateFalse();
    default: return cJSON_CreateNull();
    }
}

/* obj[name] = v (taken; replacing a null one in place), a new member going
 * before the first of the later rules' members that is there: Go writes a
 * struct's fields in declaration order, and the rules are in that order. */
static cJSON *put(cJSON *obj, const rule *rs, size_t n, size_t i, cJSON *v)
{
    cJSON *old = jfield(obj, rs[i].name);
    if (old) {
        cJSON_ReplaceItemInObjectCaseSensitive(obj, rs[i].name, v);
        return v;
    }
    cJSON *next = NULL;
    for (size_t j = i + 1; j < n && !next; j++)
        next = jfield(obj, rs[j].name);
    cJSON_AddItemToObject(obj, rs[i].name, v);
    if (next) { /* move v (now last) before next */
        cJSON_DetachItemViaPointer(obj, v);
        v->next = next;
        v->prev = next->prev;
        if (next == obj->child)
            obj->child = v; /* v->prev: the last member, as cJSON keeps it */
        else
            next->prev->next = v;
        next->prev = v;
    }
    return v;
}

static void apply(const rule *rs, size_t n, cJSON *obj, int minor)
{
    for (size_t i = 0; i < n; i++) {
        const rule *r = &rs[i];
        if (r->until && minor >= r->until)
            continue;
        cJSON *v = jfield(obj, r->name);
        bool missing = !v || (cJSON_IsNull(v) && r->lit != LIT_NULL);
        if (missing && r->lit != LIT_NONE)
            v = put(obj, rs, n, i, literal(r));
        else if (missing && r->blk == BLK_STRUCT)
            v = put(obj, rs, n, i, cJSON_CreateObject());
        if (r->blk == BLK_SLICE && cJSON_IsArray(v)) {
            cJSON *e;
            cJSON_ArrayForEach(e, v) if (cJSON_IsObject(e)) apply(r->kids, r->nkids, e, minor);
        } else if (r->blk != BLK_NONE && cJSON_IsObject(v)) {
            apply(r->kids, r->nkids, v, minor);
        }
    }
}

static ruleset compiled[NKINDS];
static pthread_once_t compiled_once = PTHREAD_ONCE_INIT;

static void compile_all(void)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (!compile(kind_rules[i].rules, &compiled[i]))
            abort(); /* a rule table that does not parse is a build error */
}

static long kind_index(const char *api_version, const char *kind)
{
    if (!api_version || !kind)
        return -1;
    for (size_t i = 0; i < NKINDS; i++)
        if (kind_rules[i].kind[0] == kind[0] && !strcmp(kind_rules[i].kind, kind) &&
            !strcmp(kind_rules[i].api_version, api_version))
            return (long)i;
    return -1;
}

const char *shape_rules(const char *api_version, const char *kind)
{
    long i = kind_index(api_version, kind);
    return i < 0 ? NULL : kind_rules[i].rules;
}

void shape_apply(cJSON *doc, int minor)
{
    if (!cJSON_IsObject(doc))
        return;
    long i = kind_index(cJSON_GetStringValue(jfield(doc, "apiVersion")), cJSON_GetStringValue(jfield(doc, "kind")));
    if (i < 0)
        return;
    pthread_once(&compiled_once, compile_all);
    apply(compiled[i].r, compiled[i].n, doc, minor ? minor : KV_DEFAULT);
}

bool shape_apply_at(const cJSON *doc, const char *path, cJSON *v, int minor)
{
    if (!cJSON_IsObject(doc) || !v)
        return false;
    long i = kind_index(cJSON_GetStringValue(jfield(doc, "apiVersion")), cJSON_GetStringValue(jfield(doc, "kind")));
    if (i < 0)
        return true; /* a kind without rules: nothing is shaped */
    pthread_once(&compiled_once, compile_all);
    minor = minor ? minor : KV_DEFAULT;
    const rule *rs = compiled[i].r;
    size_t n = compiled[i].n;
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        const rule *r = NULL;
        for (size_t j = 0; j < n; j++) {
            if ((rs[j].until && minor >= rs[j].until) || strncmp(rs[j].name, path, len) || rs[j].name[len])
                continue;
            if (r)
                return false; /* two rules of one name: let the whole document say */
            r = &rs[j];
        }
        if (!r)
            return true; /* no rule there: nothing below is shaped */
        if (dot) { /* an object on the way (the caller's paths go through objects) */
            if (r->blk == BLK_SLICE)
                return false;
            rs = r->kids;
            n = r->nkids;
            path = dot + 1;
            continue;
        }
        bool missing = cJSON_IsNull(v) && r->lit != LIT_NULL;
        if (missing && (r->lit != LIT_NONE || r->blk == BLK_STRUCT))
            return false;
        if (r->blk == BLK_SLICE && cJSON_IsArray(v)) {
            cJSON *e;
            cJSON_ArrayForEach(e, v) if (cJSON_IsObject(e)) apply(r->kids, r->nkids, e, minor);
        } else if (r->blk != BLK_NONE && cJSON_IsObject(v)) {
            apply(r->kids, r->nkids, v, minor);
        }
        return true;
    }
}

bool shape_apply_rules(const char *rules, cJSON *doc, int minor)
{
    ruleset rs;
    if (!compile(rules, &rs))
        return false;
    if (cJSON_IsObject(doc))
        apply(rs.r, rs.n, doc, minor ? minor : KV_DEFAULT);
    rules_free(rs.r, rs.n);
    return true;
}
