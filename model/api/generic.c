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

cJSON *generic_to_stored(kind_id k, const cJSON *doc)
{
    if (k == K_EVENT_V1 && cJSON_IsObject(doc))
        return remap(doc, v1_to_core, "v1");
    return cJSON_Duplicate(doc, true);
}

cJSON *generic_from_stored(kind_id k, const cJSON *doc)
{
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
