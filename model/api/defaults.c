/* defaults: fills in what kube-apiserver 1.33 defaults (v1 defaults.go, the
 * DefaultTolerationSeconds and Priority admission plugins) and the create-time
 * status of each kind. Only edits the document it is given; no store, no HTTP. */
#include "defaults.h"
#include "xalloc.h"
#include "generic.h"
#include "json.h"
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* set o[key] only when absent (or null) */
static void def_str(cJSON *o, const char *key, const char *v)
{
    cJSON *c = jfield(o, key);
    if (!c || cJSON_IsNull(c) || (cJSON_IsString(c) && !*c->valuestring))
        jset_str(o, key, v);
}

static void def_num(cJSON *o, const char *key, double v)
{
    cJSON *c = jfield(o, key);
    if (!c || cJSON_IsNull(c))
        jset_num(o, key, v);
}

static void def_bool(cJSON *o, const char *key, bool v)
{
    cJSON *c = jfield(o, key);
    if (!c || cJSON_IsNull(c))
        jset(o, key, cJSON_CreateBool(v));
}

static bool streq(const char *a, const char *b)
{
    return a && !strcmp(a, b);
}

static cJSON *def_obj(cJSON *o, const char *key)
{
    return jobj(o, key);
}

/* ---------- containers ---------- */

/* parsers.ParseImageName's tag: "latest" when neither tag nor digest, "" with
 * a digest only or an unparsable reference. */
static const char *image_pull_policy(const char *image)
{
    if (!image || !*image)
        return "IfNotPresent";
    const char *at = strchr(image, '@');
    size_t n = at ? (size_t)(at - image) : strlen(image);
    const char *slash = NULL, *colon = NULL;
    for (size_t i = 0; i < n; i++) {
        if (image[i] == '/')
            slash = image + i;
        else if (image[i] == ':')
            colon = image + i;
    }
    const char *repo_end = (colon && (!slash || colon > slash)) ? colon : image + n;
    for (const char *p = slash ? slash : image; p < repo_end; p++)
        if (isupper((unsigned char)*p))
            return "IfNotPresent"; /* invalid reference: no tag parsed */
    if (colon && (!slash || colon > slash)) {
        size_t tl = (size_t)(image + n - colon - 1);
        return (tl == 6 && !strncmp(colon + 1, "latest", 6)) ? "Always" : "IfNotPresent";
    }
    return at ? "IfNotPresent" : "Always";
}

static void defaults_probe(cJSON *c, const char *key)
{
    cJSON *p = jfield(c, key);
    if (!cJSON_IsObject(p))
        return;
    def_num(p, "timeoutSeconds", 1);
    def_num(p, "periodSeconds", 10);
    def_num(p, "successThreshold", 1);
    def_num(p, "failureThreshold", 3);
    cJSON *hg = jfield(p, "httpGet");
    if (cJSON_IsObject(hg)) {
        def_str(hg, "path", "/");
        def_str(hg, "scheme", "HTTP");
    }
}

static void defaults_container(cJSON *c, bool host_network)
{
    def_str(c, "imagePullPolicy", image_pull_policy(jstr(c, "image")));
    def_str(c, "terminationMessagePath", "/dev/termination-log");
    def_str(c, "terminationMessagePolicy", "File");
    def_obj(c, "resources");
    cJSON *p;
    cJSON_ArrayForEach(p, jfield(c, "ports")) {
        if (!cJSON_IsObject(p))
            continue;
        def_str(p, "protocol", "TCP");
        if (host_network && jfield(p, "containerPort"))
            def_num(p, "hostPort", jnum(p, "containerPort", 0));
    }
    defaults_probe(c, "livenessProbe");
    defaults_probe(c, "readinessProbe");
    defaults_probe(c, "startupProbe");
}

/* SetDefaults_Pod: requests default to limits */
static void defaults_requests_from_limits(cJSON *c)
{
    cJSON *res = jfield(c, "resources");
    cJSON *lim = jfield(res, "limits");
    if (!cJSON_IsObject(lim) || cJSON_GetArraySize(lim) == 0)
        return;
    cJSON *req = def_obj(res, "requests");
    cJSON *l;
    cJSON_ArrayForEach(l, lim)
        if (!jfield(req, l->string))
            cJSON_AddItemToObject(req, l->string, cJSON_Duplicate(l, true));
}

static void defaults_volumes(cJSON *spec)
{
    static const char *const sources[] = {"secret", "configMap", "projected", "downwardAPI", NULL};
    cJSON *v;
    cJSON_ArrayForEach(v, jfield(spec, "volumes")) {
        if (!cJSON_IsObject(v))
            continue;
        bool has_source = false;
        cJSON *f;
        cJSON_ArrayForEach(f, v) has_source = has_source || strcmp(f->string, "name");
        if (!has_source)
            jset(v, "emptyDir", cJSON_CreateObject());
        for (int i = 0; sources[i]; i++) {
            cJSON *s = jfield(v, sources[i]);
            if (cJSON_IsObject(s))
                def_num(s, "defaultMode", 420);
        }
    }
}

/* SetDefaults_PodSpec and the container defaults; pod-only extras elsewhere */
static void defaults_pod_spec(cJSON *spec, bool is_pod)
{
    if (!cJSON_IsObject(spec))
        return;
    def_str(spec, "dnsPolicy", "ClusterFirst");
    def_str(spec, "restartPolicy", "Always");
    def_num(spec, "terminationGracePeriodSeconds", 30);
    def_obj(spec, "securityContext");
    def_str(spec, "schedulerName", "default-scheduler");
    defaults_volumes(spec);
    bool hostnet = jbool(spec, "hostNetwork");
    static const char *const lists[] = {"initContainers", "containers", NULL};
    for (int i = 0; lists[i]; i++) {
        cJSON *c;
        cJSON_ArrayForEach(c, jfield(spec, lists[i])) {
            if (!cJSON_IsObject(c))
                continue;
            defaults_container(c, hostnet);
            if (is_pod)
                defaults_requests_from_limits(c);
        }
    }
}

/* DefaultTolerationSeconds admission */
static void default_toleration(cJSON *spec, const char *key)
{
    cJSON *tols = jfield(spec, "tolerations");
    cJSON *t;
    cJSON_ArrayForEach(t, tols) {
        const char *k = jstr(t, "key"), *e = jstr(t, "effect");
        if ((!k || !*k || !strcmp(k, key)) && (!e || !*e || !strcmp(e, "NoExecute")))
            return;
    }
    if (!cJSON_IsArray(tols)) {
        tols = cJSON_CreateArray();
        jset(spec, "tolerations", tols);
    }
    t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "key", key);
    cJSON_AddStringToObject(t, "operator", "Exists");
    cJSON_AddStringToObject(t, "effect", "NoExecute");
    cJSON_AddNumberToObject(t, "tolerationSeconds", 300);
    cJSON_AddItemToArray(tols, t);
}

static void defaults_pod(cJSON *pod)
{
    /* Go decodes a missing or null spec as a zero PodSpec, which defaulting
     * then fills: validation must see that, not a missing object. */
    cJSON *spec = jfield(pod, "spec");
    if (!spec || cJSON_IsNull(spec))
        spec = jobj(pod, "spec");
    if (!cJSON_IsObject(spec))
        return;
    defaults_pod_spec(spec, true);
    def_bool(spec, "enableServiceLinks", true);
    /* Priority admission: no PriorityClass objects here, only the system ones */
    const char *pcn = jstr(spec, "priorityClassName");
    double prio = 0;
    if (streq(pcn, "system-node-critical"))
        prio = 2000001000;
    else if (streq(pcn, "system-cluster-critical"))
        prio = 2000000000;
    def_num(spec, "priority", prio);
    def_str(spec, "preemptionPolicy", "PreemptLowerPriority");
    default_toleration(spec, "node.kubernetes.io/not-ready");
    default_toleration(spec, "node.kubernetes.io/unreachable");
}

void defaults_pod_template_spec(cJSON *spec)
{
    if (cJSON_IsObject(spec))
        defaults_pod_spec(spec, false);
}

static void defaults_template(cJSON *obj)
{
    defaults_pod_spec(jget(obj, "spec.template.spec"), false);
}

/* ---------- workloads ---------- */

static void defaults_deployment(cJSON *d)
{
    cJSON *spec = def_obj(d, "spec");
    def_num(spec, "replicas", 1);
    cJSON *st = def_obj(spec, "strategy");
    def_str(st, "type", "RollingUpdate");
    if (streq(jstr(st, "type"), "RollingUpdate")) {
        cJSON *ru = def_obj(st, "rollingUpdate");
        def_str(ru, "maxUnavailable", "25%");
        def_str(ru, "maxSurge", "25%");
    }
    def_num(spec, "revisionHistoryLimit", 10);
    def_num(spec, "progressDeadlineSeconds", 600);
    defaults_template(d);
}

static void defaults_statefulset(cJSON *ss)
{
    cJSON *spec = def_obj(ss, "spec");
    def_str(spec, "podManagementPolicy", "OrderedReady");
    cJSON *us = def_obj(spec, "updateStrategy");
    def_str(us, "type", "RollingUpdate");
    if (streq(jstr(us, "type"), "RollingUpdate"))
        def_num(def_obj(us, "rollingUpdate"), "partition", 0);
    cJSON *pvc = def_obj(spec, "persistentVolumeClaimRetentionPolicy");
    def_str(pvc, "whenDeleted", "Retain");
    def_str(pvc, "whenScaled", "Retain");
    def_num(spec, "replicas", 1);
    def_num(spec, "revisionHistoryLimit", 10);
    defaults_template(ss);
}

static void defaults_daemonset(cJSON *ds)
{
    cJSON *spec = def_obj(ds, "spec");
    cJSON *us = def_obj(spec, "updateStrategy");
    def_str(us, "type", "RollingUpdate");
    if (streq(jstr(us, "type"), "RollingUpdate")) {
        cJSON *ru = def_obj(us, "rollingUpdate");
        def_num(ru, "maxUnavailable", 1);
        def_num(ru, "maxSurge", 0);
    }
    def_num(spec, "revisionHistoryLimit", 10);
    defaults_template(ds);
}

/* core v1 SetDefaults_ReplicationController */
static void defaults_rc(cJSON *rc)
{
    cJSON *spec = def_obj(rc, "spec");
    const cJSON *tl = jget(spec, "template.metadata.labels");
    if (cJSON_IsObject(tl) && cJSON_GetArraySize(tl) > 0) {
        if (cJSON_GetArraySize(jfield(spec, "selector")) == 0)
            jset(spec, "selector", cJSON_Duplicate(tl, true));
        cJSON *md = def_obj(rc, "metadata");
        if (cJSON_GetArraySize(jfield(md, "labels")) == 0)
            jset(md, "labels", cJSON_Duplicate(tl, true));
    }
    def_num(spec, "replicas", 1);
    defaults_template(rc);
}

static void defaults_namespace(cJSON *ns)
{
    const char *name = jstr(ns, "metadata.name");
    if (name && *name) {
        char *copy = xstrdup(name);
        jset_str(def_obj(def_obj(ns, "metadata"), "labels"), "kubernetes.io/metadata.name", copy);
        free(copy);
    }
    cJSON *spec = def_obj(ns, "spec");
    if (!cJSON_IsArray(jfield(spec, "finalizers"))) {
        cJSON *f = cJSON_CreateArray();
        cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
        jset(spec, "finalizers", f);
    }
}

/* SetDefaults_NodeStatus: allocatable defaults to capacity */
static void defaults_node(cJSON *node)
{
    cJSON *st = jfield(node, "status");
    cJSON *cap = jfield(st, "capacity");
    if (cJSON_IsObject(cap) && !jfield(st, "allocatable"))
        jset(st, "allocatable", cJSON_Duplicate(cap, true));
}

void defaults_apply(kind_id k, cJSON *obj)
{
    if (!cJSON_IsObject(obj))
        return;
    switch (k) {
    case K_POD: defaults_pod(obj); break;
    case K_DEPLOYMENT: defaults_deployment(obj); break;
    case K_REPLICASET:
        def_num(def_obj(obj, "spec"), "replicas", 1);
        defaults_template(obj);
        break;
    case K_RC: defaults_rc(obj); break;
    case K_STATEFULSET: defaults_statefulset(obj); break;
    case K_DAEMONSET: defaults_daemonset(obj); break;
    case K_NAMESPACE: defaults_namespace(obj); break;
    case K_NODE: defaults_node(obj); break;
    default: generic_defaults(k, obj); break;
    }
}

/* ---------- create-time status ---------- */

/* resource.Quantity as a double ("100m", "1Gi", "2e3"); 0 when unparsable */
static double quantity(const cJSON *q)
{
    if (cJSON_IsNumber(q))
        return q->valuedouble;
    const char *s = cJSON_GetStringValue(q);
    if (!s)
        return 0;
    char *end;
    double v = strtod(s, &end);
    static const struct { const char *suf; double mul; } sufs[] = {
        {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
        {"Pi", 1125899906842624.0}, {"Ei", 1152921504606846976.0}, {"n", 1e-9}, {"u", 1e-6},
        {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18},
        {"", 1}};
    for (size_t i = 0; i < sizeof sufs / sizeof *sufs; i++)
        if (!strcmp(end, sufs[i].suf))
            return v * sufs[i].mul;
    return 0;
}

/* qos.ComputePodQOS over containers and init containers (cpu and memory) */
const char *defaults_pod_qos(const cJSON *pod)
{
    static const char *const res[] = {"cpu", "memory"};
    double req[2] = {0, 0}, lim[2] = {0, 0};
    bool has_req[2] = {false, false}, has_lim[2] = {false, false}, guaranteed = true;
    static const char *const lists[] = {"spec.containers", "spec.initContainers"};
    for (int l = 0; l < 2; l++) {
        const cJSON *c;
        cJSON_ArrayForEach(c, jget(pod, lists[l])) {
            bool found[2] = {false, false};
            for (int r = 0; r < 2; r++) {
                const cJSON *rq = jget(jfield(c, "resources"), "requests");
                const cJSON *lm = jget(jfield(c, "resources"), "limits");
                double q = quantity(jfield(rq, res[r]));
                if (q > 0) {
                    req[r] += q;
                    has_req[r] = true;
                }
                q = quantity(jfield(lm, res[r]));
                if (q > 0) {
                    lim[r] += q;
                    has_lim[r] = true;
                    found[r] = true;
                }
            }
            if (!found[0] || !found[1])
                guaranteed = false;
        }
    }
    if (!has_req[0] && !has_req[1] && !has_lim[0] && !has_lim[1])
        return "BestEffort";
    if (guaranteed) {
        for (int r = 0; r < 2; r++)
            if (has_req[r] && (!has_lim[r] || fabs(lim[r] - req[r]) > 1e-9 * fmax(1, lim[r])))
                guaranteed = false;
        if (guaranteed && has_req[0] == has_lim[0] && has_req[1] == has_lim[1])
            return "Guaranteed";
    }
    return "Burstable";
}

static cJSON *zeros(const char *const *keys)
{
    cJSON *st = cJSON_CreateObject();
    for (int i = 0; keys[i]; i++)
        cJSON_AddNumberToObject(st, keys[i], 0);
    return st;
}

cJSON *defaults_create_status(kind_id k, const cJSON *obj)
{
    static const char *const pdb[] = {"disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods", NULL};
    static const char *const rs[] = {"replicas", NULL};
    static const char *const ss[] = {"replicas", "availableReplicas", NULL};
    static const char *const ds[] = {"currentNumberScheduled", "numberMisscheduled",
                                     "desiredNumberScheduled", "numberReady", NULL};
    cJSON *st;
    switch (k) {
    case K_POD:
        st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", "Pending");
        cJSON_AddStringToObject(st, "qosClass", defaults_pod_qos(obj));
        return st;
    case K_PDB: return zeros(pdb);
    case K_REPLICASET:
    case K_RC: return zeros(rs);
    case K_STATEFULSET: return zeros(ss);
    case K_DAEMONSET: return zeros(ds);
    case K_DEPLOYMENT:
    case K_EVICTIONREQUEST: /* create clears status (evictionrequest/eviction strategy) */
    case K_EVICTION: return cJSON_CreateObject();
    case K_NAMESPACE:
        st = cJSON_CreateObject();
        cJSON_AddStringToObject(st, "phase", "Active");
        return st;
    default: return generic_create_status(k, obj);
    }
}
