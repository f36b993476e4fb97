/* registry: what the generic kinds do besides being stored, where it needs the cluster: the
 * autoscaling/v1 Scale subresource of the scalable kinds, pods/binding, pods/log, the access and
 * subject reviews (everything is allowed), PriorityClass admission of pods, and the objects a
 * cluster has from the start (the system PriorityClasses, the kubernetes Service, and in every
 * namespace the ServiceAccount default and the ConfigMap kube-root-ca.crt, kept there as
 * kube-controller-manager keeps them). Must not parse HTTP. */
#define _GNU_SOURCE
#include "registry.h"
#include "crd.h"
#include "json.h"
#include "xalloc.h"
#include "meta.h"
#include "patch.h"
#include "workloads.h"
#include "text.h"
#include "decode.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANN_LOG "sim.evictsim.io/log"

/* A CA certificate (its key was discarded): what kube-root-ca.crt publishes. */
static const char root_ca[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDDTCCAfWgAwIBAgIUciArXWBbGu9Q70uvaXthWKNo4z4wDQYJKoZIhvcNAQEL\n"
    "BQAwFTETMBEGA1UEAwwKa3ViZXJuZXRlczAgFw0yNjEyMDcxNzQwNDFaGA8yMTI2\n"
    "MTExMzE3NDA0MVowFTETMBEGA1UEAwwKa3ViZXJuZXRlczCCASIwDQYJKoZIhvcN\n"
    "AQEBBQADggEPADCCAQoCggEBAMFe96igaiPnTcnLEdiCMdA0MTA/l4RiiQZ/qrv2\n"
    "/XvktRGjYvL8lhAA5sGC+p+87I+czOsJirlrrUBu8wdJgy9yXqcTH7/i/3uh+WY+\n"
    "fvrATF66tf5vZGnX6/wCsfNastKigvjQP9GyXOzNfg/50pBS74nkrer6Src71xen\n"
    "SuwATS3r1XNZd+zfNC2QuXRIoB+u34yfznvpv6XfBq28S1qGsDujgQ6Wl1ytBOLo\n"
    "A+BmEuF9jnRHGeJ+v6cSGw7gGKnHxY6kLaa9daHid3KfCYsHo82ZAKfDx3CHO6ac\n"
    "fWXFySn3Q9jFsdJnt+4VXgnlM1Fkyu25hmRof1NandJ+fLkCAwEAAaNTMFEwHQYD\n"
    "VR0OBBYEFAN8S3CThA6BrKJftrhi7pFsf//4MB8GA1UdIwQYMBaAFAN8S3CThA6B\n"
    "rKJftrhi7pFsf//4MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB\n"
    "ABMcaGXBdRVccABGm6rpA4IiTVSn5rIi35pTCPbsWx9j6gvc6QEj8pLP28KNVefN\n"
    "ms57FpX/Gl+9ACa1W7bPCLYaMuW5BjIyb1WO/qbQI0vN2TTkMj6JUB4F5AY31mPv\n"
    "4eppzzCUp7LUwKg12Vn/EG63tWrgUL8yvu9B30Bugzd0D3uwO8+3z52WKtHRpHiX\n"
    "BnuMsENefQgHdcRGsLkF+V2OsDUTX4Y9U/DRr4qgd6OCTEoI2btyFyO4jiVt6hPm\n"
    "vwZUz9E5GbeT8KohfKfJlwQLsxS0ay4SFeB4lkVdCgPhPpDokeJ0Bz/keXytOAV0\n"
    "Is7VCtHsP22m2M+CaabSP5Q=\n"
    "-----END CERTIFICATE-----\n"
;

static const char root_ca_description[] =
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the "
    "internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes "
    "clusters.";

static cJSON *copy(const store_obj *o)
{
    return cJSON_Duplicate(store_doc(o), true);
}

/* ---- Scale ----------------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* labels.Selector.String() of a metav1.LabelSelector (or, rc, of a map): requirements sorted by
 * key, values of set requirements sorted. */
static char *selector_string(const cJSON *sel, bool is_map)
{
    const cJSON *ml = is_map ? sel : jfield(sel, "matchLabels"), *e, *v;
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(ml) + (is_map ? 0 : (size_t)cJSON_GetArraySize(jfield(sel, "matchExpressions"))) + 1;
    char **reqs = xcalloc(cap, sizeof *reqs);
    cJSON_ArrayForEach(e, ml)
        if (cJSON_IsString(e))
            reqs[n++] = xasprintf("%s=%s", e->string, e->valuestring);
    const cJSON *exprs = is_map ? NULL : jfield(sel, "matchExpressions");
    cJSON_ArrayForEach(e, exprs) {
        const char *key = jstr(e, "key"), *op = jstr(e, "operator");
        if (!key || !op)
            continue;
        size_t nv = 0;
        const char *vals[64];
        cJSON_ArrayForEach(v, jfield(e, "values"))
            if (cJSON_IsString(v) && nv < 64)
                vals[nv++] = v->valuestring;
        qsort(vals, nv, sizeof *vals, cmp_str);
        strbuf b = {0};
        if (!strcmp(op, "Exists"))
            strbuf_puts(&b, key);
        else if (!strcmp(op, "DoesNotExist"))
            strbuf_printf(&b, "!%s", key);
        else {
            strbuf_printf(&b, "%s %s (", key, !strcmp(op, "In") ? "in" : "notin");
            for (size_t i = 0; i < nv; i++)
                strbuf_printf(&b, "%s%s", i ? "," : "", vals[i]);
            strbuf_putc(&b, ')');
        }
        reqs[n++] = b.s ? b.s : xstrdup("");
    }
    qsort(reqs, n, sizeof *reqs, cmp_str); /* a requirement starts with its key ("!" sorts first) */
    strbuf out = {0};
    strbuf_puts(&out, "");
    for (size_t i = 0; i < n; i++) {
        strbuf_printf(&out, "%s%s", i ? "," : "", reqs[i]);
        free(reqs[i]);
    }
    free(reqs);
    return out.s ? out.s : xstrdup("");
}

/* Where a kind keeps its replicas and selector: spec.replicas, status.replicas and spec.selector
 * for the built-in kinds, the CRD's scale paths for a custom one (its selector a string). */
typedef struct {
    char spec[128], status[128], selector[128];
    bool custom;
} scale_paths;

static bool paths_of(kind_id k, scale_paths *p)
{
    memset(p, 0, sizeof *p);
    if (kind_get(k)->custom) {
        p->custom = true;
        return crd_scale_paths(k, p->spec, p->status, p->selector, sizeof p->spec);
    }
    snprintf(p->spec, sizeof p->spec, "spec.replicas");
    snprintf(p->status, sizeof p->status, "status.replicas");
    snprintf(p->selector, sizeof p->selector, "spec.selector");
    return true;
}

static cJSON *scale_doc(const store_obj *o, const cJSON *doc)
{
    scale_paths sp;
    paths_of(o->kind, &sp);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "kind", "Scale");
    cJSON_AddStringToObject(s, "apiVersion", "autoscaling/v1");
    cJSON *md = cJSON_AddObjectToObject(s, "metadata");
    static const char *const keys[] = {"name", "namespace", "uid", "resourceVersion", "creationTimestamp", NULL};
    for (int i = 0; keys[i]; i++) {
        const cJSON *v = jget(jfield(doc, "metadata"), keys[i]);
        if (v)
            cJSON_AddItemToObject(md, keys[i], cJSON_Duplicate(v, true));
    }
    cJSON *spec = cJSON_AddObjectToObject(s, "spec");
    double want = jnum(doc, sp.spec, 0);
    if (want)
        cJSON_AddNumberToObject(spec, "replicas", want);
    cJSON *st = cJSON_AddObjectToObject(s, "status");
    cJSON_AddNumberToObject(st, "replicas", jnum(doc, sp.status, 0));
    const cJSON *sel = *sp.selector ? jget(doc, sp.selector) : NULL;
    if (sp.custom && cJSON_IsString(sel) && *sel->valuestring) {
        cJSON_AddStringToObject(st, "selector", sel->valuestring);
    } else if (!sp.custom && cJSON_IsObject(sel)) {
        char *str = selector_string(sel, o->kind == K_RC);
        if (*str)
            cJSON_AddStringToObject(st, "selector", str);
        free(str);
    }
    return s;
}

/* Set the number at a dotted path, making the objects on the way. */
static void set_path(cJSON *doc, const char *path, double v)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *o = doc;
    char *save = NULL, *tok = strtok_r(buf, ".", &save);
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            jset_num(o, tok, v);
            return;
        }
        cJSON *c = jfield(o, tok);
        if (!cJSON_IsObject(c)) {
            c = cJSON_CreateObject();
            jset(o, tok, c);
        }
        o = c;
        tok = next;
    }
}

static cJSON *scale_invalid(const char *name, const cJSON *replicas)
{
    cJSON *causes = cJSON_CreateArray();
    if (cJSON_IsNumber(replicas)) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)replicas->valuedouble);
        cause_invalid(causes, "spec.replicas", v, "must be greater than or equal to 0");
    }
    return status_invalid("Scale", "autoscaling", name, causes);
}

/* The new Scale (taken) applied to o: only spec.replicas changes. */
static void scale_write(cluster *c, store_obj *o, cJSON *scale, bool dry, api_result *out)
{
    const cJSON *r = jget(scale, "spec.replicas");
    double want = cJSON_IsNumber(r) ? r->valuedouble : 0;
    const char *rv = jstr(scale, "metadata.resourceVersion");
    cJSON *st = NULL;
    if (r && !cJSON_IsNumber(r) && !cJSON_IsNull(r))
        st = status_bad_request("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal "
                                "spec.replicas into Go struct field ScaleSpec.spec.replicas of type int32");
    else if (want < 0 || want > 2147483647)
        st = scale_invalid(o->name, r);
    else if (rv && *rv && strcmp(rv, jstr(store_doc(o), "metadata.resourceVersion")))
        st = status_conflict_modified(o->kind, o->name);
    cJSON_Delete(scale);
    if (st) {
        api_result_status(out, st);
        return;
    }
    cJSON *doc = copy(o);
    scale_paths sp;
    paths_of(o->kind, &sp);
    set_path(doc, sp.spec, want);
    if (dry) {
        if (meta_spec_changed(store_doc(o), doc))
            jset_num(jobj(doc, "metadata"), "generation", jnum(doc, "metadata.generation", 0) + 1);
        api_result_object(out, 200, scale_doc(o, doc));
        cJSON_Delete(doc);
        return;
    }
    wl_write(c, o, doc);
    api_result_object(out, 200, scale_doc(o, store_doc(o)));
}

void registry_scale(cluster *c, const rest_req *rq, bool dry, api_result *out)
{
    scale_paths sp;
    if (!paths_of(rq->kind, &sp)) {
        api_result_status(out, status_failure(404, "NotFound", "the server could not find the requested resource"));
        return;
    }
    store_obj *o = store_get(c->st, rq->kind, rq->ns, rq->name);
    if (!o) {
        api_result_status(out, status_not_found(rq->kind, rq->name));
        return;
    }
    if (rq->verb == V_GET) {
        api_result_object(out, 200, scale_doc(o, store_doc(o)));
        return;
    }
    cJSON *st = NULL;
    cJSON *body = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st);
    if (!body) {
        api_result_status(out, st);
        return;
    }
    if (rq->verb == V_UPDATE) {
        scale_write(c, o, body, dry, out);
        return;
    }
    rest_patch_fn fn = rest_patch_function(rq->body_type);
    cJSON *cur = scale_doc(o, store_doc(o)), *patched = NULL;
    char *err = NULL;
    int code = fn ? fn(cur, body, &patched, &err) : patch_merge(cur, body, &patched, &err);
    cJSON_Delete(cur);
    cJSON_Delete(body);
    if (code) {
        api_result_status(out, rest_patch_error(code, err));
        free(err);
        return;
    }
    jdel(jobj(patched, "metadata"), "resourceVersion"); /* a patch applies to the object as it is */
    scale_write(c, o, patched, dry, out);
}

/* ---- pods/binding ---------------------------------------------------------------------------- */

static cJSON *scheduled_condition(cluster *c)
{
    cJSON *cond = cJSON_CreateObject();
    cJSON_AddStringToObject(cond, "type", "PodScheduled");
    cJSON_AddStringToObject(cond, "status", "True");
    cJSON_AddNullToObject(cond, "lastProbeTime");
    meta_set_time(cond, "lastTransitionTime", cluster_now(c));
    return cond;
}

void registry_bind(cluster *c, const rest_req *rq, bool dry, api_result *out)
{
    cJSON *st = NULL;
    cJSON *b = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st);
    const char *name = b ? jstr(b, "metadata.name") : NULL;
    const char *node = b ? jstr(b, "target.name") : NULL;
    if (b && !st && rq->name && (!name || strcmp(name, rq->name)))
        st = status_bad_request("name in URL does not match name in Binding object");
    if (b && !st && (!node || !*node)) {
        cJSON *causes = cJSON_CreateArray();
        cause_required(causes, "target.name", NULL);
        st = status_invalid("Binding", "", name ? name : "", causes);
    }
    store_obj *pod = st ? NULL : store_get(c->st, K_POD, rq->ns, name);
    if (!st && !pod)
        st = status_not_found(K_POD, name);
    const char *cur = pod ? jstr(store_doc(pod), "spec.nodeName") : NULL;
    if (!st && cur && *cur) {
        st = status_failuref(409, "Conflict",
                             "Operation cannot be fulfilled on pods/binding \"%s\": pod %s is already assigned to node \"%s\"",
                             name, name, cur);
        status_details(st, name, "", "pods/binding");
    }
    if (st) {
        cJSON_Delete(b);
        api_result_status(out, st);
        return;
    }
    if (!dry) {
        cJSON *doc = copy(pod);
        jset_str(jobj(doc, "spec"), "nodeName", node);
        cJSON *conds = jget(doc, "status.conditions");
        if (!cJSON_IsArray(conds)) {
            conds = cJSON_CreateArray();
            jset(jobj(doc, "status"), "conditions", conds);
        }
        for (int i = cJSON_GetArraySize(conds) - 1; i >= 0; i--)
            if (!strcmp(jstr(cJSON_GetArrayItem(conds, i), "type") ? jstr(cJSON_GetArrayItem(conds, i), "type") : "",
                        "PodScheduled"))
                cJSON_DeleteItemFromArray(conds, i);
        cJSON_AddItemToArray(conds, scheduled_condition(c));
        rest_write(c, pod, doc);
    }
    cJSON_Delete(b);
    api_result_object(out, 201, status_success(201));
}

/* ---- pods/log -------------------------------------------------------------------------------- */

static void names_of(const cJSON *containers, strbuf *b)
{
    const cJSON *ct;
    bool first = true;
    strbuf_putc(b, '[');
    cJSON_ArrayForEach(ct, containers) {
        strbuf_printf(b, "%s%s", first ? "" : " ", jstr(ct, "name") ? jstr(ct, "name") : "");
        first = false;
    }
    strbuf_putc(b, ']');
}

static bool has_container(const cJSON *containers, const char *name)
{
    const cJSON *ct;
    cJSON_ArrayForEach(ct, containers)
        if (jstr(ct, "name") && !strcmp(jstr(ct, "name"), name))
            return true;
    return false;
}

char *registry_pod_log(cluster *c, const char *ns, const char *name, const char *container, cJSON **st)
{
    *st = NULL;
    store_obj *o = store_get(c->st, K_POD, ns, name);
    if (!o) {
        *st = status_not_found(K_POD, name);
        return NULL;
    }
    const cJSON *doc = store_doc(o);
    const cJSON *cs = jget(doc, "spec.containers"), *init = jget(doc, "spec.initContainers");
    if (!container || !*container) {
        if (cJSON_GetArraySize(cs) != 1) {
            strbuf b = {0};
            strbuf_printf(&b, "a container name must be specified for pod %s, choose one of: ", name);
            names_of(cs, &b);
            if (cJSON_GetArraySize(init)) {
                strbuf_puts(&b, " or one of the init containers: ");
                names_of(init, &b);
            }
            *st = status_bad_request(b.s);
            free(b.s);
            return NULL;
        }
    } else if (!has_container(cs, container) && !has_container(init, container)) {
        *st = status_failuref(400, "BadRequest", "container %s is not valid for pod %s", container, name);
        return NULL;
    }
    const cJSON *text = jfield(jget(doc, "metadata.annotations"), ANN_LOG);
    return xstrdup(cJSON_IsString(text) ? text->valuestring : "");
}

/* ---- reviews --------------------------------------------------------------------------------- */

static cJSON *rule(const char *k1, const char *k2)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *verbs = cJSON_AddArrayToObject(r, "verbs");
    cJSON_AddItemToArray(verbs, cJSON_CreateString("*"));
    const char *keys[] = {k1, k2};
    for (int i = 0; i < 2 && keys[i]; i++)
        cJSON_AddItemToArray(cJSON_AddArrayToObject(r, keys[i]), cJSON_CreateString("*"));
    return r;
}

void registry_review(cluster *c, const rest_req *rq, api_result *out)
{
    (void)c;
    const kind_info *ki = kind_get(rq->kind);
    cJSON *st = NULL;
    cJSON *body = rest_decode_body(rq->body_type, rq->body, rq->body_len, &st);
    if (body && !cJSON_IsObject(body)) {
        cJSON_Delete(body);
        body = NULL;
        st = status_bad_request("the object provided is unrecognized: expected a JSON object");
    }
    if (!body) {
        api_result_status(out, st);
        return;
    }
    cJSON *spec = jfield(body, "spec");
    if (rq->kind == K_SSAR &&
        !cJSON_IsObject(jfield(spec, "resourceAttributes")) == !cJSON_IsObject(jfield(spec, "nonResourceAttributes"))) {
        cJSON *causes = cJSON_CreateArray();
        cause_invalid(causes, "spec.resourceAttributes", "\"null\"",
                      "exactly one of nonResourceAttributes or resourceAttributes must be specified");
        cJSON_Delete(body);
        api_result_status(out, status_invalid(ki->kind, ki->group, "", causes));
        return;
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "kind", ki->kind);
    cJSON_AddStringToObject(r, "apiVersion", ki->api_version);
    cJSON *md = jfield(body, "metadata");
    md = cJSON_IsObject(md) ? cJSON_Duplicate(md, true) : cJSON_CreateObject();
    if (!jfield(md, "creationTimestamp"))
        cJSON_AddNullToObject(md, "creationTimestamp");
    cJSON_AddItemToObject(r, "metadata", md);
    if (rq->kind != K_SSR)
        cJSON_AddItemToObject(r, "spec", cJSON_IsObject(spec) ? cJSON_Duplicate(spec, true) : cJSON_CreateObject());
    cJSON *status = cJSON_AddObjectToObject(r, "status");
    if (rq->kind == K_SSAR) {
        cJSON_AddBoolToObject(status, "allowed", true);
    } else if (rq->kind == K_SSRR) {
        cJSON_AddItemToArray(cJSON_AddArrayToObject(status, "resourceRules"), rule("apiGroups", "resources"));
        cJSON_AddItemToArray(cJSON_AddArrayToObject(status, "nonResourceRules"), rule("nonResourceURLs", NULL));
        cJSON_AddBoolToObject(status, "incomplete", false);
    } else {
        cJSON *ui = cJSON_AddObjectToObject(status, "userInfo");
        cJSON_AddStringToObject(ui, "username", "kubernetes-admin");
        cJSON *groups = cJSON_AddArrayToObject(ui, "groups");
        cJSON_AddItemToArray(groups, cJSON_CreateString("kubeadm:cluster-admins"));
        cJSON_AddItemToArray(groups, cJSON_CreateString("system:authenticated"));
    }
    cJSON_Delete(body);
    api_result_object(out, 201, r);
}

/* ---- Priority admission ---------------------------------------------------------------------- */

static cJSON *forbidden_pod(const cJSON *pod, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static cJSON *forbidden_pod(const cJSON *pod, const char *fmt, ...)
{
    const char *name = jstr(pod, "metadata.name");
    if (!name || !*name)
        name = jstr(pod, "metadata.generateName");
    if (!name)
        name = "";
    va_list ap;
    va_start(ap, fmt);
    char *why = xvasprintf(fmt, ap);
    va_end(ap);
    cJSON *st = status_failuref(403, "Forbidden", "pods \"%s\" is forbidden: %s", name, why ? why : "");
    status_details(st, name, "", "pods");
    free(why);
    return st;
}

/* The globalDefault class with the lowest value, NULL when none. */
static const cJSON *default_class(cluster *c)
{
    size_t n;
    store_obj **all = store_list(c->st, K_PRIORITYCLASS, NULL, &n);
    const cJSON *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const cJSON *d = store_doc(all[i]);
        if (cJSON_IsTrue(jfield(d, "globalDefault")) && (!best || jnum(d, "value", 0) < jnum(best, "value", 0)))
            best = d;
    }
    free(all);
    return best;
}

cJSON *registry_admit_pod(cluster *c, cJSON *pod)
{
    cJSON *spec = jfield(pod, "spec");
    if (!cJSON_IsObject(spec))
        return NULL;
    const char *pcn = jstr(spec, "priorityClassName");
    const cJSON *pc = NULL;
    if (pcn && *pcn) {
        store_obj *o = store_get(c->st, K_PRIORITYCLASS, NULL, pcn);
        if (!o)
            return forbidden_pod(pod, "no PriorityClass with name %s was found", pcn);
        pc = store_doc(o);
    } else if ((pc = default_class(c))) {
        jset_str(spec, "priorityClassName", jstr(pc, "metadata.name"));
    }
    double prio = pc ? jnum(pc, "value", 0) : 0;
    const char *policy = pc && jstr(pc, "preemptionPolicy") ? jstr(pc, "preemptionPolicy") : "PreemptLowerPriority";
    const cJSON *given = jfield(spec, "priority");
    if (cJSON_IsNumber(given) && given->valuedouble != prio)
        return forbidden_pod(pod, "the integer value of priority (%lld) must not be provided in pod spec; priority "
                                  "admission controller computed %lld from the given PriorityClass name",
                             (long long)given->valuedouble, (long long)prio);
    const char *gp = jstr(spec, "preemptionPolicy");
    if (gp && strcmp(gp, policy))
        return forbidden_pod(pod, "the string value of PreemptionPolicy (%s) must not be provided in pod spec; "
                                  "priority admission controller computed %s from the given PriorityClass name",
                             gp, policy);
    char *p = xstrdup(policy);
    jset_num(spec, "priority", prio);
    jset_str(spec, "preemptionPolicy", p);
    free(p);
    return NULL;
}

/* ---- objects present from the start ---------------------------------------------------------- */

static cJSON *new_doc(const char *api_version, const char *kind, const char *ns, const char *name)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "kind", kind);
    cJSON_AddStringToObject(d, "apiVersion", api_version);
    cJSON *md = cJSON_AddObjectToObject(d, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    if (ns)
        cJSON_AddStringToObject(md, "namespace", ns);
    return d;
}

/* Create doc (taken) unless its name is taken. Its uid is keyed (meta_uuid_keyed): seeded runs
 * name their pods as they did before the cluster made these objects. */
static void ensure(cluster *c, kind_id k, cJSON *doc)
{
    cJSON *md = jobj(doc, "metadata");
    const char *ns = jstr(md, "namespace"), *name = jstr(md, "name");
    if (store_get(c->st, k, ns, name)) {
        cJSON_Delete(doc);
        return;
    }
    char key[512], uid[40];
    snprintf(key, sizeof key, "%d/%s/%s", (int)k, ns ? ns : "", name);
    meta_uuid_keyed(uid, key);
    jset_str(md, "uid", uid);
    wl_create(c, k, doc);
}

static void system_priority_class(cluster *c, const char *name, double value, const char *desc)
{
    cJSON *pc = new_doc("scheduling.k8s.io/v1", "PriorityClass", NULL, name);
    cJSON_AddNumberToObject(pc, "value", value);
    cJSON_AddBoolToObject(pc, "globalDefault", false);
    cJSON_AddStringToObject(pc, "description", desc);
    cJSON_AddStringToObject(pc, "preemptionPolicy", "PreemptLowerPriority");
    ensure(c, K_PRIORITYCLASS, pc);
}

static void kubernetes_service(cluster *c)
{
    cJSON *svc = new_doc("v1", "Service", "default", "kubernetes");
    cJSON *labels = cJSON_AddObjectToObject(jobj(svc, "metadata"), "labels");
    cJSON_AddStringToObject(labels, "component", "apiserver");
    cJSON_AddStringToObject(labels, "provider", "kubernetes");
    cJSON *spec = cJSON_AddObjectToObject(svc, "spec");
    cJSON *port = cJSON_CreateObject();
    cJSON_AddStringToObject(port, "name", "https");
    cJSON_AddStringToObject(port, "protocol", "TCP");
    cJSON_AddNumberToObject(port, "port", 443);
    cJSON_AddNumberToObject(port, "targetPort", 6443);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(spec, "ports"), port);
    cJSON_AddStringToObject(spec, "clusterIP", "10.96.0.1");
    cJSON_AddStringToObject(spec, "type", "ClusterIP");
    ensure(c, K_SERVICE, svc);
    cJSON *ep = new_doc("v1", "Endpoints", "default", "kubernetes");
    labels = cJSON_AddObjectToObject(jobj(ep, "metadata"), "labels");
    cJSON_AddStringToObject(labels, "endpointslice.kubernetes.io/skip-mirror", "true");
    cJSON *subset = cJSON_CreateObject();
    cJSON *addr = cJSON_CreateObject();
    cJSON_AddStringToObject(addr, "ip", "127.0.0.1");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(subset, "addresses"), addr);
    port = cJSON_CreateObject();
    cJSON_AddStringToObject(port, "name", "https");
    cJSON_AddNumberToObject(port, "port", 6443);
    cJSON_AddStringToObject(port, "protocol", "TCP");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(subset, "ports"), port);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(ep, "subsets"), subset);
    ensure(c, K_ENDPOINTS, ep);
}

typedef struct {
    cluster *c;
    wl_queue *q;
} nsctl;

/* One namespace: its ServiceAccount default and ConfigMap kube-root-ca.crt. */
static void ns_sync(void *ctx, const char *unused, const char *ns)
{
    (void)unused;
    nsctl *n = ctx;
    store_obj *o = store_get(n->c->st, K_NAMESPACE, NULL, ns);
    if (!o || store_get_str(o, "metadata.deletionTimestamp"))
        return;
    ensure(n->c, K_SERVICEACCOUNT, new_doc("v1", "ServiceAccount", ns, "default"));
    cJSON *cm = new_doc("v1", "ConfigMap", ns, "kube-root-ca.crt");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(jobj(cm, "metadata"), "annotations"), "kubernetes.io/description",
                            root_ca_description);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(cm, "data"), "ca.crt", root_ca);
    ensure(n->c, K_CONFIGMAP, cm);
}

static void ns_changed(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    (void)old;
    nsctl *n = ctx;
    if (o->kind == K_NAMESPACE && ev == STORE_ADDED)
        wl_queue_add(n->q, "", o->name);
    else if (ev == STORE_DELETED && ((o->kind == K_SERVICEACCOUNT && !strcmp(o->name, "default")) ||
                                     (o->kind == K_CONFIGMAP && !strcmp(o->name, "kube-root-ca.crt"))))
        wl_queue_add(n->q, "", o->ns);
}

static void bootstrap(nsctl *n)
{
    system_priority_class(n->c, "system-node-critical", 2000001000,
                          "Used for system critical pods that must not be moved from their current node.");
    system_priority_class(n->c, "system-cluster-critical", 2000000000,
                          "Used for system critical pods that must run in the cluster, but can be moved to another "
                          "node if necessary.");
    kubernetes_service(n->c);
    size_t cnt; /* at once, not queued: they are there before the first request */
    store_obj **all = store_list(n->c->st, K_NAMESPACE, NULL, &cnt);
    for (size_t i = 0; i < cnt; i++)
        ns_sync(n, "", all[i]->name);
    free(all);
}

static void *ns_attach(cluster *c)
{
    nsctl *n = xcalloc(1, sizeof *n);
    n->c = c;
    n->q = wl_queue_new(c, ns_sync, n);
    store_listen(c->st, ns_changed, n);
    bootstrap(n);
    return n;
}

static void ns_reset(void *state)
{
    nsctl *n = state;
    wl_queue_clear(n->q);
    bootstrap(n);
}

static void ns_free(void *state)
{
    nsctl *n = state;
    wl_queue_free(n->q);
    free(n);
}

const controller_ops registry_controller = {"registry", 0, ns_attach, ns_reset, ns_free};

/* ---- serviceaccounts/token ---------------------------------------------- */

#define TOKEN_ISSUER "https://kubernetes.default.svc.cluster.local" /* kubeadm's, the default audience too */

static void token_part(strbuf *b, const cJSON *o)
{
    char *t = jprint(o);
    strbuf_base64(b, t, strlen(t), true);
    cJSON_free(t);
}

/* The JWT of a service account token: header, claims, a signature. */
static char *token_jwt(const cJSON *sa, const cJSON *auds, double now, long long exp)
{
    char kid[40], jti[40];
    meta_uuid(kid);
    meta_uuid(jti);
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "alg", "RS256");
    cJSON_AddStringToObject(h, "kid", kid);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToObject(c, "aud", cJSON_Duplicate(auds, true));
    cJSON_AddNumberToObject(c, "exp", (double)((long long)now + exp));
    cJSON_AddNumberToObject(c, "iat", (double)(long long)now);
    cJSON_AddStringToObject(c, "iss", TOKEN_ISSUER);
    cJSON_AddStringToObject(c, "jti", jti);
    const char *ns = jstr(sa, "metadata.namespace"), *name = jstr(sa, "metadata.name");
    cJSON *k = cJSON_AddObjectToObject(c, "kubernetes.io");
    cJSON_AddStringToObject(k, "namespace", ns);
    cJSON *s = cJSON_AddObjectToObject(k, "serviceaccount");
    cJSON_AddStringToObject(s, "name", name);
    cJSON_AddStringToObject(s, "uid", jstr(sa, "metadata.uid") ? jstr(sa, "metadata.uid") : "");
    cJSON_AddNumberToObject(c, "nbf", (double)(long long)now);
    char *sub = xasprintf("system:serviceaccount:%s:%s", ns, name);
    cJSON_AddStringToObject(c, "sub", sub);
    free(sub);
    strbuf b = {0};
    token_part(&b, h);
    strbuf_putn(&b, ".", 1);
    token_part(&b, c);
    strbuf_putn(&b, ".", 1);
    unsigned char sig[256];
    meta_random(sig, sizeof sig);
    strbuf_base64(&b, (const char *)sig, sizeof sig, true);
    cJSON_Delete(h);
    cJSON_Delete(c);
    return b.s;
}

/* The decoder's type errors of a TokenRequest body (spec, its
 * expirationSeconds and audiences), as a 400 Status; NULL when fine. */
static cJSON *token_types(const cJSON *req)
{
    const cJSON *spec = jfield(req, "spec"), *exp = jfield(spec, "expirationSeconds"), *a = jfield(spec, "audiences");
    char num[64], msg[256] = "";
    const char *head = "TokenRequest in version \"v1\" cannot be handled as a TokenRequest: json: cannot unmarshal";
    if (spec && !cJSON_IsNull(spec) && !cJSON_IsObject(spec))
        snprintf(msg, sizeof msg, "%s %s into Go struct field TokenRequest.spec of type v1.TokenRequestSpec", head,
                 go_json_type(spec));
    else if (exp && !cJSON_IsNull(exp) && (!cJSON_IsNumber(exp) || !decode_int64(exp, num, sizeof num)))
        snprintf(msg, sizeof msg, "%s %s into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64",
                 head, cJSON_IsNumber(exp) ? num : go_json_type(exp));
    else if (a && !cJSON_IsNull(a) && !cJSON_IsArray(a))
        snprintf(msg, sizeof msg, "%s %s into Go struct field TokenRequestSpec.spec.audiences of type []string", head,
                 go_json_type(a));
    for (const cJSON *e = cJSON_IsArray(a) ? a->child : NULL; e && !*msg; e = e->next)
        if (!cJSON_IsString(e) && !cJSON_IsNull(e))
            snprintf(msg, sizeof msg, "%s %s into Go struct field TokenRequestSpec.spec.audiences of type string",
                     head, go_json_type(e));
    return *msg ? status_bad_request(msg) : NULL;
}

void registry_token(cluster *c, const rest_req *rq, api_result *out)
{
    cJSON *st = NULL;
    cJSON *req = rq->body_len ? rest_decode_body(rq->body_type, rq->body, rq->body_len, &st) : cJSON_CreateObject();
    if (req && !cJSON_IsObject(req))
        st = status_bad_request("the object provided is unrecognized: expected a JSON object");
    if (req && !st)
        st = token_types(req);
    const char *name = req && !st ? jstr(req, "metadata.name") : NULL;
    const char *ns = req && !st ? jstr(req, "metadata.namespace") : NULL;
    if (!st && ((name && *name && strcmp(name, rq->name)) || (ns && *ns && strcmp(ns, rq->ns)))) {
        bool n = name && *name && strcmp(name, rq->name);
        char *v = xasprintf("\"%s\"", n ? name : ns);
        cJSON *causes = cJSON_CreateArray();
        cause_invalid(causes, n ? "metadata.name" : "metadata.namespace", v,
                      n ? "must match the service account name if specified"
                        : "must match the service account namespace if specified");
        free(v);
        st = status_invalid("TokenRequest", "authentication.k8s.io", rq->name, causes);
    }
    store_obj *sa = st ? NULL : store_get(c->st, K_SERVICEACCOUNT, rq->ns, rq->name);
    if (!st && !sa)
        st = status_not_found(K_SERVICEACCOUNT, rq->name);
    const cJSON *exp = req ? jget(req, "spec.expirationSeconds") : NULL;
    long long secs = cJSON_IsNumber(exp) ? (long long)exp->valuedouble : 3600;
    if (!st && (secs < 600 || secs > (1LL << 32))) {
        char v[32];
        snprintf(v, sizeof v, "%lld", secs);
        cJSON *causes = cJSON_CreateArray();
        cause_invalid(causes, "spec.expirationSeconds", v,
                      secs < 600 ? "may not specify a duration less than 10 minutes"
                                 : "may not specify a duration larger than 2^32 seconds");
        st = status_invalid("TokenRequest", "authentication.k8s.io", "", causes);
    }
    if (st) {
        cJSON_Delete(req);
        api_result_status(out, st);
        return;
    }
    double now = cluster_now(c);
    const cJSON *a = jget(req, "spec.audiences");
    cJSON *auds = cJSON_GetArraySize(a) ? cJSON_Duplicate(a, true) : cJSON_CreateArray();
    if (!cJSON_GetArraySize(auds))
        cJSON_AddItemToArray(auds, cJSON_CreateString(TOKEN_ISSUER));
    const cJSON *bound = jget(req, "spec.boundObjectRef");
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "TokenRequest");
    cJSON_AddStringToObject(doc, "apiVersion", "authentication.k8s.io/v1");
    cJSON *md = cJSON_AddObjectToObject(doc, "metadata");
    cJSON_AddStringToObject(md, "name", rq->name);
    cJSON_AddStringToObject(md, "namespace", rq->ns);
    meta_set_time(md, "creationTimestamp", now);
    cJSON *spec = cJSON_AddObjectToObject(doc, "spec");
    cJSON_AddItemToObject(spec, "audiences", auds);
    cJSON_AddNumberToObject(spec, "expirationSeconds", (double)secs);
    cJSON_AddItemToObject(spec, "boundObjectRef", bound ? cJSON_Duplicate(bound, true) : cJSON_CreateNull());
    cJSON *status = cJSON_AddObjectToObject(doc, "status");
    char *jwt = token_jwt(store_doc(sa), auds, now, secs);
    cJSON_AddStringToObject(status, "token", jwt);
    free(jwt);
    meta_set_time(status, "expirationTimestamp", now + (double)secs);
    cJSON_Delete(req);
    api_result_object(out, 201, doc);
}
