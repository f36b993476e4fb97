/* decode: what the apiserver's JSON decoder refuses before validation runs:
 * a value of the wrong JSON type for the Go field it lands in, with the
 * decoder's texts ("cannot unmarshal number into Go struct field ..."). Only
 * reads documents; no store, no HTTP, no field validation (validate.c). */
#define _GNU_SOURCE
#include "decode.h"
#include "text.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VPATH 512 /* a field path, cut on purpose when longer */

/* ---------- decoding: JSON types against the Go structs ---------- */

/* What the apiserver's JSON decoder (sigs.k8s.io/json, Go 1.18 encoding/json)
 * rejects before any validation runs: a value of the wrong JSON type in a
 * field the typed object has. Only the fields evictsim reads are described;
 * others are accepted as is (they are dropped or kept opaque). */
typedef enum { VD_STR, VD_I64, VD_I32, VD_BOOL, VD_MAP_STR, VD_LIST_STR, VD_STRUCT, VD_LIST, VD_INTSTR,
               VD_TIME, VD_MAP_TIME } vd_type;

typedef struct vd_field {
    const char *name;
    vd_type type;
    const char *gotype;          /* as reflect prints it: "string", "v1.PodSpec" */
    const char *children_struct; /* VD_STRUCT/VD_LIST: Go name of the element struct */
    const struct vd_field *children;
} vd_field;

#define VD_END {NULL, 0, NULL, NULL, NULL}

static const vd_field vd_owner_ref[] = {
    {"apiVersion", VD_STR, "string", NULL, NULL}, {"kind", VD_STR, "string", NULL, NULL},
    {"name", VD_STR, "string", NULL, NULL}, {"uid", VD_STR, "types.UID", NULL, NULL},
    {"controller", VD_BOOL, "bool", NULL, NULL}, {"blockOwnerDeletion", VD_BOOL, "bool", NULL, NULL}, VD_END};
static const vd_field vd_meta[] = {
    {"name", VD_STR, "string", NULL, NULL}, {"generateName", VD_STR, "string", NULL, NULL},
    {"namespace", VD_STR, "string", NULL, NULL}, {"uid", VD_STR, "types.UID", NULL, NULL},
    {"resourceVersion", VD_STR, "string", NULL, NULL}, {"generation", VD_I64, "int64", NULL, NULL},
    {"creationTimestamp", VD_TIME, "string", NULL, NULL}, {"deletionTimestamp", VD_TIME, "string", NULL, NULL},
    {"deletionGracePeriodSeconds", VD_I64, "int64", NULL, NULL},
    {"labels", VD_MAP_STR, "map[string]string", NULL, NULL},
    {"annotations", VD_MAP_STR, "map[string]string", NULL, NULL},
    {"finalizers", VD_LIST_STR, "[]string", NULL, NULL},
    {"ownerReferences", VD_LIST, "[]v1.OwnerReference", "OwnerReference", vd_owner_ref}, VD_END};
static const vd_field vd_port[] = {
    {"name", VD_STR, "string", NULL, NULL}, {"containerPort", VD_I32, "int32", NULL, NULL},
    {"hostPort", VD_I32, "int32", NULL, NULL}, {"protocol", VD_STR, "v1.Protocol", NULL, NULL}, VD_END};
static const vd_field vd_env[] = {
    {"name", VD_STR, "string", NULL, NULL}, {"value", VD_STR, "string", NULL, NULL}, VD_END};
static const vd_field vd_container[] = {
    {"name", VD_STR, "string", NULL, NULL}, {"image", VD_STR, "string", NULL, NULL},
    {"command", VD_LIST_STR, "[]string", NULL, NULL}, {"args", VD_LIST_STR, "[]string", NULL, NULL},
    {"ports", VD_LIST, "[]v1.ContainerPort", "ContainerPort", vd_port},
    {"env", VD_LIST, "[]v1.EnvVar", "EnvVar", vd_env},
    {"imagePullPolicy", VD_STR, "v1.PullPolicy", NULL, NULL},
    {"terminationMessagePath", VD_STR, "string", NULL, NULL},
    {"terminationMessagePolicy", VD_STR, "v1.TerminationMessagePolicy", NULL, NULL}, VD_END};
static const vd_field vd_toleration[] = {
    {"key", VD_STR, "string", NULL, NULL}, {"operator", VD_STR, "v1.TolerationOperator", NULL, NULL},
    {"value", VD_STR, "string", NULL, NULL}, {"effect", VD_STR, "v1.TaintEffect", NULL, NULL},
    {"tolerationSeconds", VD_I64, "int64", NULL, NULL}, VD_END};
static const vd_field vd_volume[] = {{"name", VD_STR, "string", NULL, NULL}, VD_END};
static const vd_field vd_pod_spec[] = {
    {"volumes", VD_LIST, "[]v1.Volume", "Volume", vd_volume},
    {"initContainers", VD_LIST, "[]v1.Container", "Container", vd_container},
    {"containers", VD_LIST, "[]v1.Container", "Container", vd_container},
    {"restartPolicy", VD_STR, "v1.RestartPolicy", NULL, NULL},
    {"terminationGracePeriodSeconds", VD_I64, "int64", NULL, NULL},
    {"activeDeadlineSeconds", VD_I64, "int64", NULL, NULL},
    {"dnsPolicy", VD_STR, "v1.DNSPolicy", NULL, NULL},
    {"nodeSelector", VD_MAP_STR, "map[string]string", NULL, NULL},
    {"serviceAccountName", VD_STR, "string", NULL, NULL}, {"nodeName", VD_STR, "string", NULL, NULL},
    {"hostNetwork", VD_BOOL, "bool", NULL, NULL}, {"schedulerName", VD_STR, "string", NULL, NULL},
    {"tolerations", VD_LIST, "[]v1.Toleration", "Toleration", vd_toleration},
    {"priorityClassName", VD_STR, "string", NULL, NULL}, {"priority", VD_I32, "int32", NULL, NULL}, VD_END};
static const vd_field vd_pod_cond[] = {
    {"type", VD_STR, "v1.PodConditionType", NULL, NULL}, {"status", VD_STR, "v1.ConditionStatus", NULL, NULL},
    {"lastTransitionTime", VD_TIME, "string", NULL, NULL}, {"reason", VD_STR, "string", NULL, NULL},
    {"message", VD_STR, "string", NULL, NULL}, VD_END};
static const vd_field vd_pod_status[] = {
    {"phase", VD_STR, "v1.PodPhase", NULL, NULL},
    {"conditions", VD_LIST, "[]v1.PodCondition", "PodCondition", vd_pod_cond},
    {"message", VD_STR, "string", NULL, NULL}, {"reason", VD_STR, "string", NULL, NULL},
    {"nominatedNodeName", VD_STR, "string", NULL, NULL}, {"hostIP", VD_STR, "string", NULL, NULL},
    {"podIP", VD_STR, "string", NULL, NULL}, {"startTime", VD_TIME, "string", NULL, NULL}, VD_END};
static const vd_field vd_pod[] = {
    {"metadata", VD_STRUCT, "v1.ObjectMeta", "ObjectMeta", vd_meta},
    {"spec", VD_STRUCT, "v1.PodSpec", "PodSpec", vd_pod_spec},
    {"status", VD_STRUCT, "v1.PodStatus", "PodStatus", vd_pod_status}, VD_END};
static const vd_field vd_sel_req[] = {
    {"key", VD_STR, "string", NULL, NULL}, {"operator", VD_STR, "v1.LabelSelectorOperator", NULL, NULL},
    {"values", VD_LIST_STR, "[]string", NULL, NULL}, VD_END};
static const vd_field vd_selector[] = {
    {"matchLabels", VD_MAP_STR, "map[string]string", NULL, NULL},
    {"matchExpressions", VD_LIST, "[]v1.LabelSelectorRequirement", "LabelSelectorRequirement", vd_sel_req},
    VD_END};
static const vd_field vd_condition[] = {
    {"type", VD_STR, "string", NULL, NULL}, {"status", VD_STR, "v1.ConditionStatus", NULL, NULL},
    {"observedGeneration", VD_I64, "int64", NULL, NULL}, {"lastTransitionTime", VD_TIME, "string", NULL, NULL},
    {"reason", VD_STR, "string", NULL, NULL}, {"message", VD_STR, "string", NULL, NULL}, VD_END};
static const vd_field vd_pdb_spec[] = {
    {"minAvailable", VD_INTSTR, "int32", NULL, NULL},
    {"selector", VD_STRUCT, "v1.LabelSelector", "LabelSelector", vd_selector},
    {"maxUnavailable", VD_INTSTR, "int32", NULL, NULL},
    {"unhealthyPodEvictionPolicy", VD_STR, "v1.UnhealthyPodEvictionPolicyType", NULL, NULL}, VD_END};
static const vd_field vd_pdb_status[] = {
    {"observedGeneration", VD_I64, "int64", NULL, NULL}, {"disruptedPods", VD_MAP_TIME, "string", NULL, NULL},
    {"disruptionsAllowed", VD_I32, "int32", NULL, NULL}, {"currentHealthy", VD_I32, "int32", NULL, NULL},
    {"desiredHealthy", VD_I32, "int32", NULL, NULL}, {"expectedPods", VD_I32, "int32", NULL, NULL},
    {"conditions", VD_LIST, "[]v1.Condition", "Condition", vd_condition}, VD_END};
static const vd_field vd_pdb[] = {
    {"metadata", VD_STRUCT, "v1.ObjectMeta", "ObjectMeta", vd_meta},
    {"spec", VD_STRUCT, "v1.PodDisruptionBudgetSpec", "PodDisruptionBudgetSpec", vd_pdb_spec},
    {"status", VD_STRUCT, "v1.PodDisruptionBudgetStatus", "PodDisruptionBudgetStatus", vd_pdb_status}, VD_END};
static const vd_field vd_taint[] = {
    {"key", VD_STR, "string", NULL, NULL}, {"value", VD_STR, "string", NULL, NULL},
    {"effect", VD_STR, "v1.TaintEffect", NULL, NULL}, VD_END};
static const vd_field vd_node_spec[] = {
    {"podCIDR", VD_STR, "string", NULL, NULL}, {"providerID", VD_STR, "string", NULL, NULL},
    {"unschedulable", VD_BOOL, "bool", NULL, NULL}, {"taints", VD_LIST, "[]v1.Taint", "Taint", vd_taint}, VD_END};
static const vd_field vd_node_cond[] = {
    {"type", VD_STR, "v1.NodeConditionType", NULL, NULL}, {"status", VD_STR, "v1.ConditionStatus", NULL, NULL},
    {"reason", VD_STR, "string", NULL, NULL}, {"message", VD_STR, "string", NULL, NULL}, VD_END};
static const vd_field vd_node_addr[] = {
    {"type", VD_STR, "v1.NodeAddressType", NULL, NULL}, {"address", VD_STR, "string", NULL, NULL}, VD_END};
static const vd_field vd_node_status[] = {
    {"conditions", VD_LIST, "[]v1.NodeCondition", "NodeCondition", vd_node_cond},
    {"addresses", VD_LIST, "[]v1.NodeAddress", "NodeAddress", vd_node_addr}, VD_END};
static const vd_field vd_node[] = {
    {"metadata", VD_STRUCT, "v1.ObjectMeta", "ObjectMeta", vd_meta},
    {"spec", VD_STRUCT, "v1.NodeSpec", "NodeSpec", vd_node_spec},
    {"status", VD_STRUCT, "v1.NodeStatus", "NodeStatus", vd_node_status}, VD_END};
static const vd_field vd_ns_spec[] = {{"finalizers", VD_LIST_STR, "[]v1.FinalizerName", NULL, NULL}, VD_END};
static const vd_field vd_ns_status[] = {{"phase", VD_STR, "v1.NamespacePhase", NULL, NULL}, VD_END};
static const vd_field vd_ns[] = {
    {"metadata", VD_STRUCT, "v1.ObjectMeta", "ObjectMeta", vd_meta},
    {"spec", VD_STRUCT, "v1.NamespaceSpec", "NamespaceSpec", vd_ns_spec},
    {"status", VD_STRUCT, "v1.NamespaceStatus", "NamespaceStatus", vd_ns_status}, VD_END};
static const vd_field vd_obj_ref[] = {
    {"kind", VD_STR, "string", NULL, NULL}, {"namespace", VD_STR, "string", NULL, NULL},
    {"name", VD_STR, "string", NULL, NULL}, {"uid", VD_STR, "types.UID", NULL, NULL}, VD_END};
static const vd_field vd_event[] = {
    {"metadata", VD_STRUCT, "v1.ObjectMeta", "ObjectMeta", vd_meta},
    {"involvedObject", VD_STRUCT, "v1.ObjectReference", "ObjectReference", vd_obj_ref},
    {"reason", VD_STR, "string", NULL, NULL}, {"message", VD_STR, "string", NULL, NULL},
    {"count", VD_I32, "int32", NULL, NULL}, {"type", VD_STR, "string", NULL, NULL}, VD_END};
static const vd_field vd_template[] = {
    {"metadata", VD_STRUCT, "v1.ObjectMeta", "ObjectMeta", vd_meta},
    {"spec", VD_STRUCT, "v1.PodSpec", "PodSpec", vd_pod_spec}, VD_END};
/* apps/v1 specs: the fields the workload controllers read. */
#define VD_WORKLOAD_SPEC(sel_type)                                                              \
    {"replicas", VD_I32, "int32", NULL, NULL}, {"minReadySeconds", VD_I32, "int32", NULL, NULL}, \
    {"revisionHistoryLimit", VD_I32, "int32", NULL, NULL}, sel_type,                           \
    {"template", VD_STRUCT, "v1.PodTemplateSpec", "PodTemplateSpec", vd_template}
#define VD_LABEL_SELECTOR {"selector", VD_STRUCT, "v1.LabelSelector", "LabelSelector", vd_selector}
#define VD_MAP_SELECTOR {"selector", VD_MAP_STR, "map[string]string", NULL, NULL}
static const vd_field vd_deploy_spec[] = {VD_WORKLOAD_SPEC(VD_LABEL_SELECTOR), {"paused", VD_BOOL, "bool", NULL, NULL},
                                          VD_END};
static const vd_field vd_rs_spec[] = {VD_WORKLOAD_SPEC(VD_LABEL_SELECTOR), VD_END};
static const vd_field vd_ss_spec[] = {VD_WORKLOAD_SPEC(VD_LABEL_SELECTOR), {"serviceName", VD_STR, "string", NULL, NULL},
                                      VD_END};
static const vd_field vd_rc_spec[] = {
    VD_WORKLOAD_SPEC(VD_MAP_SELECTOR), VD_END};
static const vd_field vd_workload_status[] = {
    {"observedGeneration", VD_I64, "int64", NULL, NULL}, {"replicas", VD_I32, "int32", NULL, NULL},
    {"readyReplicas", VD_I32, "int32", NULL, NULL}, {"availableReplicas", VD_I32, "int32", NULL, NULL}, VD_END};
#define VD_WORKLOAD(spec_go, spec_struct, spec_fields, status_go, status_struct)                  \
    {{"metadata", VD_STRUCT, "v1.ObjectMeta", "ObjectMeta", vd_meta},                            \
     {"spec", VD_STRUCT, spec_go, spec_struct, spec_fields},                                     \
     {"status", VD_STRUCT, status_go, status_struct, vd_workload_status}, VD_END}
static const vd_field vd_deploy[] = VD_WORKLOAD("v1.DeploymentSpec", "DeploymentSpec", vd_deploy_spec,
                                                "v1.DeploymentStatus", "DeploymentStatus");
static const vd_field vd_rs[] = VD_WORKLOAD("v1.ReplicaSetSpec", "ReplicaSetSpec", vd_rs_spec,
                                            "v1.ReplicaSetStatus", "ReplicaSetStatus");
static const vd_field vd_ss[] = VD_WORKLOAD("v1.StatefulSetSpec", "StatefulSetSpec", vd_ss_spec,
                                            "v1.StatefulSetStatus", "StatefulSetStatus");
static const vd_field vd_ds[] = VD_WORKLOAD("v1.DaemonSetSpec", "DaemonSetSpec", vd_rs_spec,
                                            "v1.DaemonSetStatus", "DaemonSetStatus");
static const vd_field vd_rc[] = VD_WORKLOAD("v1.ReplicationControllerSpec", "ReplicationControllerSpec",
                                            vd_rc_spec, "v1.ReplicationControllerStatus",
                                            "ReplicationControllerStatus");

static const vd_field *vd_root(kind_id k)
{
    switch (k) {
    case K_POD: return vd_pod;
    case K_PDB: return vd_pdb;
    case K_NODE: return vd_node;
    case K_NAMESPACE: return vd_ns;
    case K_EVENT: return vd_event;
    case K_DEPLOYMENT: return vd_deploy;
    case K_REPLICASET: return vd_rs;
    case K_STATEFULSET: return vd_ss;
    case K_DAEMONSET: return vd_ds;
    case K_RC: return vd_rc;
    default: return NULL;
    }
}

/* The JSON type name Go's decoder reports ("number 1.5" for a number an
 * integer field cannot hold). */
static void vd_value_name(const cJSON *v, char *buf, size_t n)
{
    const char *s = cJSON_IsString(v) ? "string" : cJSON_IsNumber(v) ? "number"
                    : cJSON_IsBool(v) ? "bool" : cJSON_IsArray(v) ? "array" : "object";
    size_t l = strlen(s);
    if (l >= n)
        l = n - 1;
    memcpy(buf, s, l);
    buf[l] = 0;
}

/* Does number v fit the integer kind? Else "number <literal>". */
static bool vd_int_ok(const cJSON *v, vd_type t, char *buf, size_t n)
{
    double d = v->valuedouble;
    double lo = t == VD_I32 ? -2147483648.0 : -9223372036854775808.0;
    double hi = t == VD_I32 ? 2147483647.0 : 9223372036854775807.0;
    if (d >= lo && (t == VD_I32 ? d <= hi : d < hi) && d == (double)(long long)d)
        return true;
    snprintf(buf, n, "number %.17g", d);
    if (d == (double)(long long)(d > -1e17 && d < 1e17 ? d : 0) && d > -1e17 && d < 1e17) {
        snprintf(buf, n, "number %.0f", d); /* an integer literal, as written */
        return false;
    }
    /* print the shortest form that reads back, as the literal most likely was */
    for (int prec = 1; prec <= 17; prec++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) {
            snprintf(buf, n, "number %s", tmp);
            break;
        }
    }
    return false;
}

typedef struct {
    char path[VPATH];
    const char *structname;
    char msg[VPATH + 256];
} vd_ctx;

static bool vd_fail(vd_ctx *c, const char *value, const char *gotype)
{
    snprintf(c->msg, sizeof c->msg, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", value,
             c->structname, c->path, gotype);
    return false;
}

static bool vd_struct(vd_ctx *c, const cJSON *obj, const char *structname, const vd_field *fields, int depth);

/* One value against its field; c->path names the field. */
static bool vd_value(vd_ctx *c, const cJSON *v, const vd_field *f, const char *structname, int depth)
{
    char vn[64];
    if (!v || cJSON_IsNull(v))
        return true;
    c->structname = structname;
/* the value's Go type name, only once it is a failure's */
#define VN(x) (vd_value_name((x), vn, sizeof vn), vn)
    switch (f->type) {
    case VD_STR:
    case VD_TIME:
        return cJSON_IsString(v) || vd_fail(c, VN(v), f->gotype);
    case VD_BOOL:
        return cJSON_IsBool(v) || vd_fail(c, VN(v), f->gotype);
    case VD_I32:
    case VD_I64:
        if (!cJSON_IsNumber(v))
            return vd_fail(c, VN(v), f->gotype);
        return vd_int_ok(v, f->type, vn, sizeof vn) || vd_fail(c, vn, f->gotype); /* vn: "number N" */
    case VD_INTSTR:
        if (cJSON_IsString(v))
            return true;
        if (!cJSON_IsNumber(v))
            return vd_fail(c, VN(v), f->gotype);
        return vd_int_ok(v, VD_I32, vn, sizeof vn) || vd_fail(c, vn, f->gotype); /* vn: "number N" */
    case VD_MAP_STR:
    case VD_MAP_TIME: {
        if (!cJSON_IsObject(v))
            return vd_fail(c, VN(v), f->gotype);
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsString(e) && !cJSON_IsNull(e)) {
                return vd_fail(c, VN(e), "string");
            }
        }
        return true;
    }
    case VD_LIST_STR: {
        if (!cJSON_IsArray(v))
            return vd_fail(c, VN(v), f->gotype);
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (!cJSON_IsString(e) && !cJSON_IsNull(e)) {
                return vd_fail(c, VN(e), f->gotype + 2); /* the element type */
            }
        }
        return true;
    }
    case VD_STRUCT:
        if (!cJSON_IsObject(v))
            return vd_fail(c, VN(v), f->gotype);
        return vd_struct(c, v, f->children_struct, f->children, depth + 1);
    case VD_LIST: {
        if (!cJSON_IsArray(v))
            return vd_fail(c, VN(v), f->gotype);
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            if (cJSON_IsNull(e))
                continue;
            if (!cJSON_IsObject(e)) {
                return vd_fail(c, VN(e), f->gotype + 2);
            }
            if (!vd_struct(c, e, f->children_struct, f->children, depth + 1))
                return false;
        }
        return true;
    }
    }
    return true;
#undef VN
}

static bool vd_struct(vd_ctx *c, const cJSON *obj, const char *structname, const vd_field *fields, int depth)
{
    if (depth > 32)
        return true;
    size_t base = strlen(c->path);
    const cJSON *v;
    cJSON_ArrayForEach(v, obj) {
        for (const vd_field *f = fields; f->name && v->string; f++) {
            if (v->string[0] != f->name[0] || strcmp(v->string, f->name)) /* Go matches names case-sensitively here */
                continue;
            size_t room = sizeof c->path - base, fl = strlen(f->name), at = base ? 1 : 0;
            if (at + fl < room) {
                if (at)
                    c->path[base] = '.';
                memcpy(c->path + base + at, f->name, fl + 1);
            } else {
                snprintf(c->path + base, room, "%s%s", base ? "." : "", f->name);
            }
            if (!vd_value(c, v, f, structname, depth))
                return false;
            c->path[base] = 0;
            break; /* names are unique in a struct */
        }
    }
    return true;
}

char *decode_check(kind_id k, const cJSON *obj)
{
    char vn[64], *out = NULL;
    const cJSON *tm;
    /* the version/kind sniff reads {apiVersion, kind} into an unnamed struct */
    const cJSON *top = cJSON_IsObject(obj) ? obj : NULL;
    cJSON_ArrayForEach(tm, top) {
        if (tm->string && (!strcmp(tm->string, "apiVersion") || !strcmp(tm->string, "kind")) &&
            !cJSON_IsString(tm) && !cJSON_IsNull(tm)) {
            vd_value_name(tm, vn, sizeof vn);
            if (asprintf(&out, "couldn't get version/kind; json parse error: json: cannot unmarshal %s into Go "
                         "struct field .%s of type string", vn, tm->string) < 0)
                out = NULL;
            return out;
        }
    }
    const vd_field *root = vd_root(k);
    if (!root || !cJSON_IsObject(obj))
        return NULL;
    vd_ctx c = {0};
    const kind_info *ki = kind_get(k);
    if (vd_struct(&c, obj, ki->kind, root, 0))
        return NULL;
    if (asprintf(&out, "%s in version \"%s\" cannot be handled as a %s: %s", ki->kind, ki->version, ki->kind,
                 c.msg) < 0)
        out = NULL;
    return out;
}

bool decode_int64(const cJSON *v, char *buf, size_t n)
{
    return vd_int_ok(v, VD_I64, buf, n);
}
