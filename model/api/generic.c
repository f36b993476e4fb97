/* generic: what kube-apiserver 1.33 defaults, sets on create and validates for the kinds served
 * from the registry without a controller of their own (pkg/apis/{core,batch,scheduling,storage,
 * networking}/v1/defaults.go and the registry strategies). Edits only the document it is given:
 * no store (admission that reads other objects is registry.c's), no HTTP. */
#define _GNU_SOURCE
#include "generic.h"
#include "crd.h"
#include "defaults.h"
#include "json.h"
#include "xalloc.h"
#include "status.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers --------------------------------------------------------------------------- */

static bool absent(const cJSON *o, const char *key)
{
    const cJSON *c = jfield(o, key);
    return !c || cJSON_IsNull(c);
}

static void def_str(cJSON *o, const char *key, const char *v)
{
    const cJSON *c = jfield(o, key);
    if (absent(o, key) || (cJSON_IsString(c) && !*c->valuestring))
        jset_str(o, key, v);
}

static void def_num(cJSON *o, const char *key, double v)
{
    if (absent(o, key))
        jset_num(o, key, v);
}

static void def_bool(cJSON *o, const char *key, bool v)
{
    if (absent(o, key))
        jset(o, key, cJSON_CreateBool(v));
}

static void def_strings(cJSON *o, const char *key, const char *a, const char *b)
{
    if (!absent(o, key))
        return;
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateString(a));
    if (b)
        cJSON_AddItemToArray(arr, cJSON_CreateString(b));
    jset(o, key, arr);
}

static bool streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* An object member, made when missing; NULL when it is there but not an object. */
static cJSON *obj_at(cJSON *o, const char *key)
{
    if (!cJSON_IsObject(o))
        return NULL;
    cJSON *c = jfield(o, key);
    if (!c || cJSON_IsNull(c))
        return jobj(o, key);
    return cJSON_IsObject(c) ? c : NULL;
}

/* FNV-1a of a string: a stable stand-in for an allocator's random choice. */
static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* ---- defaults ------------------------------------------------------------------------------- */

static void defaults_service(cJSON *svc)
{
    cJSON *spec = obj_at(svc, "spec");
    if (!spec)
        return;
    def_str(spec, "type", "ClusterIP");
    def_str(spec, "sessionAffinity", "None");
    const char *type = jstr(spec, "type");
    cJSON *p;
    cJSON_ArrayForEach(p, jfield(spec, "ports")) {
        if (!cJSON_IsObject(p))
            continue;
        def_str(p, "protocol", "TCP");
        const cJSON *tp = jfield(p, "targetPort");
        if ((!tp || cJSON_IsNull(tp) || (cJSON_IsNumber(tp) && tp->valuedouble == 0)) &&
            cJSON_IsNumber(jfield(p, "port")))
            jset_num(p, "targetPort", jfield(p, "port")->valuedouble);
    }
    if (!streq(type, "ExternalName"))
        def_str(spec, "internalTrafficPolicy", "Cluster");
    if (streq(type, "NodePort") || streq(type, "LoadBalancer"))
        def_str(spec, "externalTrafficPolicy", "Cluster");
    if (streq(type, "LoadBalancer"))
        def_bool(spec, "allocateLoadBalancerNodePorts", true);
}

static void defaults_job_spec(cJSON *job)
{
    cJSON *spec = obj_at(job, "spec");
    if (!spec)
        return;
    if (absent(spec, "completions") && absent(spec, "parallelism")) {
        jset_num(spec, "completions", 1);
        jset_num(spec, "parallelism", 1);
    }
    def_num(spec, "parallelism", 1);
    def_num(spec, "backoffLimit", absent(spec, "backoffLimitPerIndex") ? 6 : 2147483647);
    def_str(spec, "completionMode", "NonIndexed");
    def_bool(spec, "suspend", false);
    def_str(spec, "podReplacementPolicy", absent(spec, "podFailurePolicy") ? "TerminatingOrFailed" : "Failed");
    def_bool(spec, "manualSelector", false);
    const cJSON *tl = jget(spec, "template.metadata.labels");
    cJSON *md = obj_at(job, "metadata");
    if (md && cJSON_IsObject(tl) && cJSON_GetArraySize(tl) && !cJSON_GetArraySize(jfield(md, "labels")))
        jset(md, "labels", cJSON_Duplicate(tl, true));
    defaults_pod_template_spec(jget(spec, "template.spec"));
}

static void defaults_cronjob(cJSON *cj)
{
    cJSON *spec = obj_at(cj, "spec");
    if (!spec)
        return;
    def_str(spec, "concurrencyPolicy", "Allow");
    def_bool(spec, "suspend", false);
    def_num(spec, "successfulJobsHistoryLimit", 3);
    def_num(spec, "failedJobsHistoryLimit", 1);
    defaults_pod_template_spec(jget(spec, "jobTemplate.spec.template.spec"));
}

static void defaults_ports_tcp(cJSON *ports)
{
    cJSON *p;
    cJSON_ArrayForEach(p, ports)
        if (cJSON_IsObject(p))
            def_str(p, "protocol", "TCP");
}

static void defaults_networkpolicy(cJSON *np)
{
    cJSON *spec = obj_at(np, "spec");
    if (!spec)
        return;
    cJSON *r;
    cJSON_ArrayForEach(r, jfield(spec, "ingress"))
        defaults_ports_tcp(jfield(r, "ports"));
    cJSON_ArrayForEach(r, jfield(spec, "egress"))
        defaults_ports_tcp(jfield(r, "ports"));
    if (absent(spec, "policyTypes"))
        def_strings(spec, "policyTypes", "Ingress", cJSON_GetArraySize(jfield(spec, "egress")) ? "Egress" : NULL);
}

static void defaults_csidriver(cJSON *d)
{
    cJSON *spec = obj_at(d, "spec");
    if (!spec)
        return;
    def_bool(spec, "attachRequired", true);
    def_bool(spec, "podInfoOnMount", false);
    def_bool(spec, "storageCapacity", false);
    def_str(spec, "fsGroupPolicy", "ReadWriteOnceWithFSType");
    def_bool(spec, "requiresRepublish", false);
    def_bool(spec, "seLinuxMount", false);
    def_strings(spec, "volumeLifecycleModes", "Persistent", NULL);
}

/* autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, a
 * CPU utilization of 80% when no metric is given, and a behavior's unset
 * scaling rules filled from the controller's historical ones. */
static void defaults_hpa_rules(cJSON *behavior, const char *key, bool up)
{
    cJSON *r = obj_at(behavior, key);
    if (!r)
        return;
    if (up)
        def_num(r, "stabilizationWindowSeconds", 0);
    def_str(r, "selectPolicy", "Max");
    if (!absent(r, "policies"))
        return;
    cJSON *ps = cJSON_Parse(up ? "[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":15},"
                                 "{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]"
                               : "[{\"type\":\"Percent\",\"value\":100,\"periodSeconds\":15}]");
    jset(r, "policies", ps);
}

static void defaults_hpa(cJSON *hpa)
{
    cJSON *spec = obj_at(hpa, "spec");
    if (!spec)
        return;
    def_num(spec, "minReplicas", 1);
    if (!cJSON_GetArraySize(jfield(spec, "metrics")))
        jset(spec, "metrics",
             cJSON_Parse("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
                         "\"target\":{\"type\":\"Utilization\",\"averageUtilization\":80}}}]"));
    cJSON *b = jfield(spec, "behavior");
    if (cJSON_IsObject(b)) {
        defaults_hpa_rules(b, "scaleUp", true);
        defaults_hpa_rules(b, "scaleDown", false);
    }
}

void generic_defaults(kind_id k, cJSON *obj)
{
    cJSON *spec;
    cJSON *s;
    switch (k) {
    case K_SECRET: def_str(obj, "type", "Opaque"); break;
    case K_SERVICE: defaults_service(obj); break;
    case K_ENDPOINTS:
        cJSON_ArrayForEach(s, jfield(obj, "subsets"))
            defaults_ports_tcp(jfield(s, "ports"));
        break;
    case K_PRIORITYCLASS: def_str(obj, "preemptionPolicy", "PreemptLowerPriority"); break;
    case K_JOB: defaults_job_spec(obj); break;
    case K_CRONJOB: defaults_cronjob(obj); break;
    case K_PODTEMPLATE: defaults_pod_template_spec(jget(obj, "template.spec")); break;
    case K_PV:
        if ((spec = obj_at(obj, "spec"))) {
            def_str(spec, "persistentVolumeReclaimPolicy", "Retain");
            def_str(spec, "volumeMode", "Filesystem");
        }
        break;
    case K_PVC:
        if ((spec = obj_at(obj, "spec")))
            def_str(spec, "volumeMode", "Filesystem");
        break;
    case K_STORAGECLASS:
        def_str(obj, "reclaimPolicy", "Delete");
        def_str(obj, "volumeBindingMode", "Immediate");
        break;
    case K_NETWORKPOLICY: defaults_networkpolicy(obj); break;
    case K_CSIDRIVER: defaults_csidriver(obj); break;
    case K_HPA: defaults_hpa(obj); break;
    case K_CRD: crd_defaults(obj); break;
    default:
        if (kind_get(k) && kind_get(k)->custom)
            crd_cr_defaults(k, obj);
        break;
    }
}

cJSON *generic_create_status(kind_id k, const cJSON *obj)
{
    (void)obj;
    cJSON *st;
    switch (k) {
    case K_SERVICE:
    case K_INGRESS:
        st = cJSON_CreateObject();
        cJSON_AddObjectToObject(st, "loadBalancer");
        return st;
    case K_PV:
    case K_PVC:
        st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", "Pending");
        return st;
    case K_HPA:
        st = cJSON_CreateObject();
        cJSON_AddNumberToObject(st, "desiredReplicas", 0);
        return st;
    case K_JOB:
    case K_CRONJOB:
    case K_RESOURCEQUOTA: return cJSON_CreateObject();
    case K_CRD: return crd_create_status(obj);
    default: return NULL;
    }
}

/* ---- create ---------------------------------------------------------------------------------- */

/* A ClusterIP in 10.96.0.0/12 (10.96.0.1 is the kubernetes Service's) and node ports, chosen
 * from the uid: the allocators' random picks, made repeatable. */
static void allocate_service(cJSON *svc)
{
    cJSON *spec = obj_at(svc, "spec");
    if (!spec)
        return;
    const char *type = jstr(spec, "type");
    uint32_t h = fnv(jstr(svc, "metadata.uid"));
    if (!streq(type, "ExternalName")) {
        const char *ip = jstr(spec, "clusterIP");
        char buf[32];
        if (!ip || !*ip) {
            uint32_t host = 2 + h % ((1u << 20) - 3);
            snprintf(buf, sizeof buf, "10.%u.%u.%u", 96 + (host >> 16), (host >> 8) & 255, host & 255);
            jset_str(spec, "clusterIP", buf);
            ip = jstr(spec, "clusterIP");
        }
        if (absent(spec, "clusterIPs"))
            def_strings(spec, "clusterIPs", ip, NULL);
        def_strings(spec, "ipFamilies", "IPv4", NULL);
        def_str(spec, "ipFamilyPolicy", "SingleStack");
    }
    if (streq(type, "NodePort") || streq(type, "LoadBalancer")) {
        int i = 0;
        cJSON *p;
        cJSON_ArrayForEach(p, jfield(spec, "ports"))
            if (cJSON_IsObject(p))
                def_num(p, "nodePort", 30000 + (h + 7919u * (unsigned)i++) % 2768);
    }
}

/* The Job strategy's generateSelector (unless spec.manualSelector). */
static void job_selector(cJSON *job)
{
    const char *uid = jstr(job, "metadata.uid"), *name = jstr(job, "metadata.name");
    cJSON *spec = obj_at(job, "spec");
    if (!spec || !uid || !name || cJSON_IsTrue(jfield(spec, "manualSelector")))
        return;
    cJSON *tmd = obj_at(obj_at(spec, "template"), "metadata");
    cJSON *labels = obj_at(tmd, "labels");
    if (labels) {
        static const char *const uid_keys[] = {"batch.kubernetes.io/controller-uid", "controller-uid"};
        static const char *const name_keys[] = {"batch.kubernetes.io/job-name", "job-name"};
        for (int i = 0; i < 2; i++) {
            char *u = xstrdup(uid), *n = xstrdup(name);
            jset_str(labels, uid_keys[i], u);
            jset_str(labels, name_keys[i], n);
            free(u), free(n);
        }
    }
    if (absent(spec, "selector")) {
        cJSON *sel = jobj(spec, "selector");
        char *u = xstrdup(uid);
        jset_str(jobj(sel, "matchLabels"), "batch.kubernetes.io/controller-uid", u);
        free(u);
    }
}

void generic_prepare_create(kind_id k, cJSON *obj)
{
    const kind_info *ki = kind_get(k);
    if (k == K_SERVICE)
        allocate_service(obj);
    else if (k == K_JOB)
        job_selector(obj);
    else if (ki && ki->custom && ki->has_status)
        jdel(obj, "status"); /* the status subresource's: not written by a create */
}

/* ---- validation ------------------------------------------------------------------------------ */

static void v_priorityclass(const cJSON *pc, const cJSON *old, cJSON *causes)
{
    const char *name = jstr(pc, "metadata.name");
    const cJSON *v = jfield(pc, "value");
    bool system = streq(name, "system-node-critical") || streq(name, "system-cluster-critical");
    if (name && !strncmp(name, "system-", 7) && !system) {
        {
            char *q = xasprintf("\"%s\"", name);
            cause_invalid(causes, "metadata.name", q, "priority class names with 'system-' prefix are reserved");
            free(q);
        }
    }
    if (!system && cJSON_IsNumber(v) && v->valuedouble > 1000000000)
        cause_forbidden(causes, "value", "maximum allowed value of a user defined priority is 1000000000");
    if (old && !jequal(jfield(old, "value"), v))
        cause_forbidden(causes, "value", "may not be changed in an update.");
    const char *pp = jstr(pc, "preemptionPolicy");
    static const char *const policies[] = {"Never", "PreemptLowerPriority", NULL};
    if (pp && !streq(pp, "Never") && !streq(pp, "PreemptLowerPriority")) {
        {
            char *q = xasprintf("\"%s\"", pp);
            cause_not_supported(causes, "preemptionPolicy", q, policies);
            free(q);
        }
    }
}

static void v_job(const cJSON *job, cJSON *causes)
{
    const char *rp = jstr(job, "spec.template.spec.restartPolicy");
    static const char *const policies[] = {"OnFailure", "Never", NULL};
    if (!rp || !*rp) {
        cause_required(causes, "spec.template.spec.restartPolicy", NULL);
    } else if (!streq(rp, "OnFailure") && !streq(rp, "Never")) {
        {
            char *q = xasprintf("\"%s\"", rp);
            cause_not_supported(causes, "spec.template.spec.restartPolicy", q, policies);
            free(q);
        }
    }
    if (cJSON_GetArraySize(jget(job, "spec.template.spec.containers")) == 0)
        cause_required(causes, "spec.template.spec.containers", NULL);
    static const char *const ints[] = {"parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", NULL};
    for (int i = 0; ints[i]; i++) {
        const cJSON *v = jget(jget(job, "spec"), ints[i]);
        if (cJSON_IsNumber(v) && v->valuedouble < 0) {
            char f[64], val[32];
            snprintf(f, sizeof f, "spec.%s", ints[i]);
            snprintf(val, sizeof val, "%lld", (long long)v->valuedouble);
            cause_invalid(causes, f, val, "must be greater than or equal to 0");
        }
    }
}

int generic_validate(kind_id k, const cJSON *obj, const cJSON *old, cJSON *causes)
{
    int before = cJSON_GetArraySize(causes);
    switch (k) {
    case K_PRIORITYCLASS: v_priorityclass(obj, old, causes); break;
    case K_JOB: v_job(obj, causes); break;
    case K_CRD: crd_validate(obj, old, causes); break;
    default:
        if (kind_get(k) && kind_get(k)->custom)
            crd_cr_validate(k, obj, causes);
        break;
    }
    return cJSON_GetArraySize(causes) - before;
}

bool generic_has_generation(kind_id k)
{
    const kind_info *ki = kind_get(k);
    switch (k) {
    case K_JOB:
    case K_CRONJOB:
    case K_INGRESS:
    case K_NETWORKPOLICY:
    case K_CRD: return true;
    default: return ki && ki->custom;
    }
}

/* ---- events.k8s.io/v1 Events: core/v1 Events seen through another version ------------------ */

/* {dst key, src key} in the destination type's field order (k8s.io/api core/v1 and events/v1
 * types.go; the conversion is pkg/apis/events/v1's). */
static const char *const core_to_v1[][2] = {
    {"metadata", "metadata"}, {"eventTime", "eventTime"}, {"series", "series"},
    {"reportingController", "reportingComponent"}, {"reportingInstance", "reportingInstance"}, {"action", "action"},
    {"reason", "reason"}, {"regarding", "involvedObject"}, {"related", "related"}, {"note", "message"},
    {"type", "type"}, {"deprecatedSource", "source"}, {"deprecatedFirstTimestamp", "firstTimestamp"},
    {"deprecatedLastTimestamp", "lastTimestamp"}, {"deprecatedCount", "count"}, {NULL, NULL},
};
static const char *const v1_to_core[][2] = {
    {"metadata", "metadata"}, {"involvedObject", "regarding"}, {"reason", "reason"}, {"message", "note"},
    {"source", "deprecatedSource"}, {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"}, {"count", "deprecatedCount"}, {"type", "type"},
    {"eventTime", "eventTime"}, {"series", "series"}, {"action", "action"}, {"related", "related"},
    {"reportingComponent", "reportingController"}, {"reportingInstance", "reportingInstance"}, {NULL, NULL},
};

static bool mapped_src(const char *const map[][2], const char *key)
{
    for (int i = 0; map[i][0]; i++)
        if (!strcmp(map[i][1], key))
            return true;
    return !strcmp(key, "kind") || !strcmp(key, "apiVersion");
}

/* doc's members renamed by map into a new object of apiVersion av; unknown members kept, last. */
static cJSON *remap(const cJSON *doc, const char *const map[][2], const char *av)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "kind", "Event");
    cJSON_AddStringToObject(out, "apiVersion", av);
    for (int i = 0; map[i][0]; i++) {
        const cJSON *v = jfield(doc, map[i][1]);
        if (v)
            cJSON_AddItemToObject(out, map[i][0], cJSON_Duplicate(v, true));
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, doc)
        if (m->string && !mapped_src(map, m->string))
            cJSON_AddItemToObject(out, m->string, cJSON_Duplicate(m, true));
    return out;
}

/* ---- autoscaling/v1 HorizontalPodAutoscalers: autoscaling/v2 ones seen through another version --
 * (pkg/apis/autoscaling/v1/conversion.go). The first cpu Resource metric's target utilization is
 * targetCPUUtilizationPercentage and back; what v1 has no field for rides in annotations as
 * upstream keeps it: the other metrics and the current metrics in v1's MetricSpec and
 * MetricStatus forms, the conditions, and the behavior as the internal Go type marshals it (field
 * names, no tags). The annotations are dropped from the object again on the way back. */

#define HPA_METRICS_ANNOTATION "autoscaling.alpha.kubernetes.io/metrics"
#define HPA_CURRENT_METRICS_ANNOTATION "autoscaling.alpha.kubernetes.io/current-metrics"
#define HPA_BEHAVIOR_ANNOTATION "autoscaling.alpha.kubernetes.io/behavior"
#define HPA_CONDITIONS_ANNOTATION "autoscaling.alpha.kubernetes.io/conditions"
static const char *const hpa_round_trip[] = {
    HPA_METRICS_ANNOTATION, HPA_CURRENT_METRICS_ANNOTATION, HPA_BEHAVIOR_ANNOTATION, HPA_CONDITIONS_ANNOTATION, NULL,
};

/* How one metric source or status member maps between versions: {destination path, source path},
 * in the destination type's field order. A source "!path" is a Quantity that is not a pointer
 * in the v1 type ("0" when absent); a source "=X" is the constant X; "?path:A:B" is A when path
 * is set, else B (a MetricTarget's type). */
typedef struct {
    const char *member;
    const char *map[8][2];
} hpa_map;

static const hpa_map spec_to_v1[] = {
    {"object", {{"target", "describedObject"}, {"metricName", "metric.name"}, {"targetValue", "!target.value"},
                {"selector", "metric.selector"}, {"averageValue", "target.averageValue"}}},
    {"pods", {{"metricName", "metric.name"}, {"targetAverageValue", "!target.averageValue"},
              {"selector", "metric.selector"}}},
    {"resource", {{"name", "name"}, {"targetAverageUtilization", "target.averageUtilization"},
                  {"targetAverageValue", "target.averageValue"}}},
    {"containerResource", {{"name", "name"}, {"targetAverageUtilization", "target.averageUtilization"},
                           {"targetAverageValue", "target.averageValue"}, {"container", "container"}}},
    {"external", {{"metricName", "metric.name"}, {"metricSelector", "metric.selector"},
                  {"targetValue", "target.value"}, {"targetAverageValue", "target.averageValue"}}},
    {NULL, {{NULL, NULL}}},
};
static const hpa_map spec_from_v1[] = {
    {"object", {{"describedObject", "target"}, {"target.type", "?averageValue:AverageValue:Value"},
                {"target.value", "!targetValue"}, {"target.averageValue", "averageValue"},
                {"metric.name", "metricName"}, {"metric.selector", "selector"}}},
    {"pods", {{"metric.name", "metricName"}, {"metric.selector", "selector"}, {"target.type", "=AverageValue"},
              {"target.averageValue", "!targetAverageValue"}}},
    {"resource", {{"name", "name"}, {"target.type", "?targetAverageUtilization:Utilization:AverageValue"},
                  {"target.averageValue", "targetAverageValue"},
                  {"target.averageUtilization", "targetAverageUtilization"}}},
    {"containerResource", {{"name", "name"}, {"target.type", "?targetAverageUtilization:Utilization:AverageValue"},
                           {"target.averageValue", "targetAverageValue"},
                           {"target.averageUtilization", "targetAverageUtilization"}, {"container", "container"}}},
    {"external", {{"metric.name", "metricName"}, {"metric.selector", "metricSelector"},
                  {"target.type", "?targetValue:Value:AverageValue"}, {"target.value", "targetValue"},
                  {"target.averageValue", "targetAverageValue"}}},
    {NULL, {{NULL, NULL}}},
};
static const hpa_map status_to_v1[] = {
    {"object", {{"target", "describedObject"}, {"metricName", "metric.name"}, {"currentValue", "!current.value"},
                {"selector", "metric.selector"}, {"averageValue", "current.averageValue"}}},
    {"pods", {{"metricName", "metric.name"}, {"currentAverageValue", "!current.averageValue"},
              {"selector", "metric.selector"}}},
    {"resource", {{"name", "name"}, {"currentAverageUtilization", "current.averageUtilization"},
                  {"currentAverageValue", "!current.averageValue"}}},
    {"containerResource", {{"name", "name"}, {"currentAverageUtilization", "current.averageUtilization"},
                           {"currentAverageValue", "!current.averageValue"}, {"container", "container"}}},
    {"external", {{"metricName", "metric.name"}, {"metricSelector", "metric.selector"},
                  {"currentValue", "!current.value"}, {"currentAverageValue", "current.averageValue"}}},
    {NULL, {{NULL, NULL}}},
};
static const hpa_map status_from_v1[] = {
    {"object", {{"metric.name", "metricName"}, {"metric.selector", "selector"}, {"current.value", "!currentValue"},
                {"current.averageValue", "averageValue"}, {"describedObject", "target"}}},
    {"pods", {{"metric.name", "metricName"}, {"metric.selector", "selector"},
              {"current.averageValue", "!currentAverageValue"}}},
    {"resource", {{"name", "name"}, {"current.averageValue", "!currentAverageValue"},
                  {"current.averageUtilization", "currentAverageUtilization"}}},
    {"containerResource", {{"name", "name"}, {"current.averageValue", "!currentAverageValue"},
                           {"current.averageUtilization", "currentAverageUtilization"}, {"container", "container"}}},
    {"external", {{"metric.name", "metricName"}, {"metric.selector", "metricSelector"},
                  {"current.value", "!currentValue"}, {"current.averageValue", "currentAverageValue"}}},
    {NULL, {{NULL, NULL}}},
};

static void copy_member(cJSON *dst, const cJSON *src, const char *key)
{
    const cJSON *v = jfield(src, key);
    if (v)
        cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, true));
}

/* v at path (a.b) under o, making the objects on the way. */
static void put_path(cJSON *o, const char *path, cJSON *v)
{
    const char *dot = strchr(path, '.');
    if (!dot) {
        jset(o, path, v);
        return;
    }
    char head[64];
    snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
    put_path(obj_at(o, head), dot + 1, v);
}

static bool present(const cJSON *v)
{
    return v && !cJSON_IsNull(v);
}

/* One metric (a MetricSpec or MetricStatus) converted by maps: type kept, its member mapped. */
static cJSON *hpa_metric(const cJSON *m, const hpa_map *maps)
{
    cJSON *out = cJSON_CreateObject();
    copy_member(out, m, "type");
    for (const hpa_map *mp = maps; mp->member; mp++) {
        const cJSON *src = jfield(m, mp->member);
        if (!cJSON_IsObject(src))
            continue;
        cJSON *dst = cJSON_AddObjectToObject(out, mp->member);
        for (int i = 0; i < 8 && mp->map[i][0]; i++) {
            const char *from = mp->map[i][1];
            cJSON *v = NULL;
            if (*from == '=') {
                v = cJSON_CreateString(from + 1);
            } else if (*from == '?') {
                char key[64], a[32], b[32];
                if (sscanf(from + 1, "%63[^:]:%31[^:]:%31s", key, a, b) == 3)
                    v = cJSON_CreateString(present(jget(src, key)) ? a : b);
            } else {
                bool quantity = *from == '!';
                const cJSON *sv = jget(src, from + quantity);
                v = present(sv) ? cJSON_Duplicate(sv, true) : quantity ? cJSON_CreateString("0") : NULL;
            }
            if (v)
                put_path(dst, mp->map[i][0], v);
        }
    }
    return out;
}

/* The behavior's members as the internal Go type names them; reading back matches
 * case-insensitively, as encoding/json does. */
static const char *const behavior_keys[] = {"scaleUp", "scaleDown", NULL};
static const char *const rules_keys[] = {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance", NULL};
static const char *const policy_keys[] = {"type", "value", "periodSeconds", NULL};

/* o's members named by keys, renamed (upper: Go's field names, else the json tags), in keys' order;
 * with null for absent pointers when writing Go's form. */
static cJSON *rename_members(const cJSON *o, const char *const *keys, bool upper, int depth)
{
    cJSON *out = cJSON_CreateObject();
    for (int i = 0; keys[i]; i++) {
        const cJSON *v = NULL, *m;
        cJSON_ArrayForEach(m, o)
            if (m->string && !strcasecmp(m->string, keys[i]))
                v = m;
        char name[64];
        snprintf(name, sizeof name, "%s", keys[i]);
        if (upper)
            name[0] = (char)(name[0] - 'a' + 'A');
        cJSON *c = NULL;
        if (depth == 0 && cJSON_IsObject(v))
            c = rename_members(v, rules_keys, upper, 1);
        else if (depth == 1 && cJSON_IsArray(v)) {
            c = cJSON_CreateArray();
            const cJSON *p;
            cJSON_ArrayForEach(p, v)
                cJSON_AddItemToArray(c, rename_members(p, policy_keys, upper, 2));
        } else if (present(v))
            c = cJSON_Duplicate(v, true);
        else if (upper && depth < 2)
            c = cJSON_CreateNull();
        if (c)
            cJSON_AddItemToObject(out, name, c);
    }
    return out;
}

static bool is_cpu_resource(const cJSON *metric)
{
    return streq(jstr(metric, "type"), "Resource") && streq(jstr(metric, "resource.name"), "cpu");
}

/* out's metadata: a copy of doc's without the round-trip annotations. */
static cJSON *hpa_metadata(cJSON *out, const cJSON *doc)
{
    const cJSON *meta = jfield(doc, "metadata");
    cJSON *m = cJSON_IsObject(meta) ? cJSON_Duplicate(meta, true) : cJSON_CreateObject();
    cJSON_AddItemToObject(out, "metadata", m);
    cJSON *anns = jfield(m, "annotations");
    if (cJSON_IsObject(anns)) {
        for (int i = 0; hpa_round_trip[i]; i++)
            cJSON_DeleteItemFromObjectCaseSensitive(anns, hpa_round_trip[i]);
        if (!anns->child)
            cJSON_DeleteItemFromObjectCaseSensitive(m, "annotations");
    }
    return m;
}

/* arr (consumed), printed into annotation key of metadata m when it is not empty. */
static void annotate(cJSON *m, const char *key, cJSON *arr)
{
    if (cJSON_IsObject(arr) || cJSON_GetArraySize(arr)) {
        char *enc = cJSON_PrintUnformatted(arr);
        jset_str(obj_at(m, "annotations"), key, enc);
        cJSON_free(enc);
    }
    cJSON_Delete(arr);
}

static cJSON *hpa_to_v1(const cJSON *doc)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "kind", "HorizontalPodAutoscaler");
    cJSON_AddStringToObject(out, "apiVersion", "autoscaling/v1");
    cJSON *m = hpa_metadata(out, doc);
    const cJSON *spec = jfield(doc, "spec"), *status = jfield(doc, "status"), *it;
    cJSON *s = cJSON_AddObjectToObject(out, "spec");
    copy_member(s, spec, "scaleTargetRef");
    copy_member(s, spec, "minReplicas");
    copy_member(s, spec, "maxReplicas");
    cJSON_ArrayForEach(it, jfield(spec, "metrics")) { /* the first cpu metric with a utilization */
        const cJSON *u = jget(it, "resource.target.averageUtilization");
        if (is_cpu_resource(it) && cJSON_IsNumber(u)) {
            cJSON_AddNumberToObject(s, "targetCPUUtilizationPercentage", u->valuedouble);
            break;
        }
    }
    cJSON *st = cJSON_AddObjectToObject(out, "status");
    copy_member(st, status, "observedGeneration");
    copy_member(st, status, "lastScaleTime");
    cJSON_AddNumberToObject(st, "currentReplicas", jnum(status, "currentReplicas", 0));
    cJSON_AddNumberToObject(st, "desiredReplicas", jnum(status, "desiredReplicas", 0));
    const cJSON *cpu = NULL;
    cJSON_ArrayForEach(it, jfield(status, "currentMetrics")) {
        const cJSON *u = jget(it, "resource.current.averageUtilization");
        if (is_cpu_resource(it) && cJSON_IsNumber(u))
            cpu = u;
    }
    if (cpu)
        cJSON_AddNumberToObject(st, "currentCPUUtilizationPercentage", cpu->valuedouble);
    /* the annotations, as upstream writes them: metrics, current metrics, behavior, conditions */
    cJSON *other = cJSON_CreateArray(), *current = cJSON_CreateArray(), *conds = cJSON_CreateArray();
    cJSON_ArrayForEach(it, jfield(spec, "metrics"))
        if (!is_cpu_resource(it) || !present(jget(it, "resource.target.averageUtilization")))
            cJSON_AddItemToArray(other, hpa_metric(it, spec_to_v1));
    cJSON_ArrayForEach(it, jfield(status, "currentMetrics"))
        cJSON_AddItemToArray(current, hpa_metric(it, status_to_v1));
    static const char *const cond_keys[] = {"type", "status", "lastTransitionTime", "reason", "message", NULL};
    cJSON_ArrayForEach(it, jfield(status, "conditions")) {
        cJSON *c = cJSON_CreateObject();
        for (int i = 0; cond_keys[i]; i++)
            copy_member(c, it, cond_keys[i]);
        cJSON_AddItemToArray(conds, c);
    }
    annotate(m, HPA_METRICS_ANNOTATION, other);
    annotate(m, HPA_CURRENT_METRICS_ANNOTATION, current);
    const cJSON *b = jfield(spec, "behavior");
    if (cJSON_IsObject(b))
        annotate(m, HPA_BEHAVIOR_ANNOTATION, rename_members(b, behavior_keys, true, 0));
    annotate(m, HPA_CONDITIONS_ANNOTATION, conds);
    return out;
}

/* The annotation key of doc, parsed, when it is a JSON value of type want (cJSON_Array, ...). */
static cJSON *annotation_json(const cJSON *doc, const char *key, int want)
{
    const cJSON *a = jfield(jget(doc, "metadata.annotations"), key);
    cJSON *v = cJSON_IsString(a) ? cJSON_Parse(a->valuestring) : NULL;
    if (v && (v->type & 0xFF) != want)
        cJSON_Delete(v), v = NULL;
    return v;
}

static cJSON *converted_metrics(const cJSON *arr, const hpa_map *maps)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
        cJSON_AddItemToArray(out, hpa_metric(it, maps));
    return out;
}

/* src's members that are not in known, copied into dst (an unknown field stays one: field
 * validation names it at the same path). */
static void copy_unknown(cJSON *dst, const cJSON *src, const char *const *known)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, src) {
        bool k = !m->string;
        for (int i = 0; !k && known[i]; i++)
            k = !strcmp(m->string, known[i]);
        if (!k && !jfield(dst, m->string))
            cJSON_AddItemToObject(dst, m->string, cJSON_Duplicate(m, true));
    }
}

static cJSON *hpa_from_v1(const cJSON *doc)
{
    static const char *const top[] = {"kind", "apiVersion", "metadata", "spec", "status", NULL};
    static const char *const spec_keys[] = {"scaleTargetRef", "minReplicas", "maxReplicas",
                                            "targetCPUUtilizationPercentage", NULL};
    static const char *const status_keys[] = {"observedGeneration", "lastScaleTime", "currentReplicas",
                                              "desiredReplicas", "currentCPUUtilizationPercentage", NULL};
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "kind", "HorizontalPodAutoscaler");
    cJSON_AddStringToObject(out, "apiVersion", "autoscaling/v2");
    hpa_metadata(out, doc);
    const cJSON *spec = jfield(doc, "spec"), *status = jfield(doc, "status");
    cJSON *other = annotation_json(doc, HPA_METRICS_ANNOTATION, cJSON_Array);
    cJSON *current = annotation_json(doc, HPA_CURRENT_METRICS_ANNOTATION, cJSON_Array);
    cJSON *behavior = annotation_json(doc, HPA_BEHAVIOR_ANNOTATION, cJSON_Object);
    cJSON *conds = annotation_json(doc, HPA_CONDITIONS_ANNOTATION, cJSON_Array);
    if (spec && !cJSON_IsObject(spec)) { /* the decoder's type error is the v2 object's too */
        copy_member(out, doc, "spec");
    } else if (spec) {
        cJSON *s = cJSON_AddObjectToObject(out, "spec");
        copy_member(s, spec, "scaleTargetRef");
        copy_member(s, spec, "minReplicas");
        copy_member(s, spec, "maxReplicas");
        /* the annotation's metrics, then the cpu target's */
        cJSON *metrics = other ? converted_metrics(other, spec_from_v1) : NULL;
        const cJSON *cpu = jfield(spec, "targetCPUUtilizationPercentage");
        if (cJSON_IsNumber(cpu)) {
            cJSON *mt = cJSON_Parse("{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\","
                                    "\"target\":{\"type\":\"Utilization\"}}}");
            jset_num(jget(mt, "resource.target"), "averageUtilization", cpu->valuedouble);
            if (!metrics)
                metrics = cJSON_CreateArray();
            cJSON_AddItemToArray(metrics, mt);
        }
        if (metrics)
            cJSON_AddItemToObject(s, "metrics", metrics);
        if (behavior) {
            cJSON *b = rename_members(behavior, behavior_keys, false, 0);
            if (b->child)
                cJSON_AddItemToObject(s, "behavior", b);
            else
                cJSON_Delete(b);
        }
        copy_unknown(s, spec, spec_keys);
    }
    if (status && !cJSON_IsObject(status)) {
        copy_member(out, doc, "status");
    } else if (status || current || conds) {
        cJSON *st = cJSON_AddObjectToObject(out, "status");
        copy_member(st, status, "observedGeneration");
        copy_member(st, status, "lastScaleTime");
        copy_member(st, status, "currentReplicas");
        copy_member(st, status, "desiredReplicas");
        const cJSON *cpu = jfield(status, "currentCPUUtilizationPercentage");
        if (current) { /* more than the cpu utilization: it wins */
            cJSON_AddItemToObject(st, "currentMetrics", converted_metrics(current, status_from_v1));
        } else if (cJSON_IsNumber(cpu)) {
            cJSON *mt = cJSON_Parse("[{\"type\":\"Resource\",\"resource\":{\"name\":\"cpu\",\"current\":{}}}]");
            jset_num(jget(mt->child, "resource.current"), "averageUtilization", cpu->valuedouble);
            cJSON_AddItemToObject(st, "currentMetrics", mt);
        }
        if (conds)
            cJSON_AddItemToObject(st, "conditions", conds), conds = NULL;
        copy_unknown(st, status, status_keys);
    }
    copy_unknown(out, doc, top);
    cJSON_Delete(other);
    cJSON_Delete(current);
    cJSON_Delete(behavior);
    cJSON_Delete(conds);
    return out;
}

cJSON *generic_to_stored(kind_id k, const cJSON *doc)
{
    if (k == K_HPA_V1 && cJSON_IsObject(doc))
        return hpa_from_v1(doc);
    if (k == K_EVENT_V1 && cJSON_IsObject(doc))
        return remap(doc, v1_to_core, "v1");
    return cJSON_Duplicate(doc, true);
}

cJSON *generic_from_stored(kind_id k, const cJSON *doc)
{
    if (k == K_HPA_V1 && cJSON_IsObject(doc))
        return hpa_to_v1(doc);
    if (k == K_EVENT_V1 && cJSON_IsObject(doc)) {
        cJSON *out = remap(doc, core_to_v1, "events.k8s.io/v1");
        /* eventTime is required by clients' models (the Python client's among them), where Go
         * would write null for a core Event without one: its first timestamp (else its
         * creation), as a MicroTime */
        const cJSON *et = jfield(out, "eventTime");
        if (!cJSON_IsString(et)) {
            const char *t = jstr(out, "deprecatedFirstTimestamp");
            if (!t)
                t = jstr(out, "metadata.creationTimestamp");
            size_t n = t ? strlen(t) : 0;
            if (n == 20 && t[19] == 'Z') {
                char micro[32];
                snprintf(micro, sizeof micro, "%.19s.000000Z", t);
                jset_str(out, "eventTime", micro);
            } else if (!et) {
                cJSON_AddNullToObject(out, "eventTime");
            }
        }
        return out;
    }
    return cJSON_Duplicate(doc, true);
}
