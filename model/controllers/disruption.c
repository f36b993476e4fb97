/* disruption: the PodDisruptionBudget controller of kube-controller-manager on
 * the virtual clock: status computation (pdb_compute), the sync triggers it
 * would see (PDB and pod events, the disruptedPods recheck), its Events with
 * the client-go recorder's counting and spam filter, and the stale
 * DisruptionTarget pod-condition cleanup. Never writes from inside a store
 * listener; never decides eviction answers (eviction.c reads the status). */
#define _GNU_SOURCE
#include "disruption.h"
#include "xalloc.h"
#include "json.h"
#include "meta.h"
#include "pdbindex.h"
#include "rest.h"
#include "selector.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define EV_COMPONENT "controllermanager"
#define EV_SPAM_BURST 25.0
#define EV_SPAM_QPS (1.0 / 300.0)
#define RECHECK_DELAY 0.005 /* the workqueue's base rate-limit delay */
#define EXPLAIN_MAX_PODS 5
#define YEAR_ONE -62135596800.0 /* metav1.Time zero value */

static void *attach(cluster *c);
static void reset(void *state);
static void dfree(void *state);

const controller_ops disruption_controller = {
    .name = "disruption",
    .flag = CTRL_DISRUPTION,
    .attach = attach,
    .reset = reset,
    .free = dfree,
};

/* ---- state ------------------------------------------------------------ */

typedef struct dctl dctl;

typedef struct {
    UT_hash_handle hh;
    char *key; /* "ns/name" */
    dctl *d;
    uint64_t sync_id, recheck_id;
    double sync_due, recheck_due;
    char *ns, *name;
} pdb_entry;

typedef struct {
    UT_hash_handle hh;
    char *key;
    dctl *d;
    uint64_t id;
    double due;
    char *ns, *name;
} pod_entry;

typedef struct {
    UT_hash_handle hh;
    char *key;
    int count;
    char *name;
    double first;
} ev_log;

typedef struct {
    UT_hash_handle hh;
    char *key;
    double tokens, last;
} ev_spam;

struct dctl {
    cluster *c;
    pdb_entry *pdbs;
    pod_entry *pods;
    ev_log *logs;
    ev_spam *spam;
    cJSON *pending; /* events queued by listeners: [{due, ref, type, reason, message}] */
    uint64_t flush_id;
};

/* ---- small helpers ---------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *piece = NULL;
    int len = vasprintf(&piece, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    if (b->n + (size_t)len + 1 > b->cap) {
        b->cap = (b->n + (size_t)len + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, piece, (size_t)len + 1);
    b->n += (size_t)len;
    free(piece);
}

static char *sb_take(sbuf *b)
{
    if (!b->s)
        return xstrdup("");
    return b->s;
}

/* An int32 JSON number as Go would hold it (clamped instead of failing to decode). */
static long int32_of(const cJSON *v)
{
    double d = v->valuedouble;
    return d > 2147483647.0 ? 2147483647L : d < -2147483648.0 ? -2147483648L : (long)d;
}

static bool present(const cJSON *v)
{
    return v && !cJSON_IsNull(v);
}

/* A metav1.Time field: parsed seconds, the zero time when absent or bad. */
static double time_of(const cJSON *v)
{
    double t;
    const char *s = cJSON_GetStringValue(v);
    if (s && clock_parse(s, &t) == 0)
        return t;
    return YEAR_ONE;
}

static cJSON *time_json(double t)
{
    char buf[32];
    clock_format(t, buf);
    return cJSON_CreateString(buf);
}

static const char *str_or(const char *s, const char *def)
{
    return s ? s : def;
}

/* ---- pods --------------------------------------------------------------- */

/* metav1.GetControllerOf: the first owner reference with controller: true. */
static const cJSON *controller_of(const cJSON *doc)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, jget(doc, "metadata.ownerReferences"))
        if (cJSON_IsTrue(jfield(r, "controller")))
            return r;
    return NULL;
}

/* Pods of the PDB's namespace its selector matches, sorted by name (from
 * the index: never a scan of the namespace). sel: the parsed selector;
 * NULL selects nothing. */
static store_obj **pdb_pods(cluster *c, const store_obj *pdb, const labelsel *sel, size_t *n)
{
    if (!sel) {
        *n = 0;
        return xmalloc(sizeof(store_obj *));
    }
    return pdbindex_pods_of(pdbindex_get(c->st), pdb, n);
}

/* ---- IntOrString -------------------------------------------------------- */

/* strconv.Atoi's answer for s: 0, or -1 with *why ("invalid syntax" / "value out of range"). */
static int go_atoi(const char *s, long long *out, const char **why)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p) {
        *why = "invalid syntax";
        return -1;
    }
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9') {
            *why = "invalid syntax";
            return -1;
        }
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE) {
        *why = "value out of range";
        return -1;
    }
    *out = v;
    return 0;
}

/* intstr.GetScaledValueFromIntOrPercent(v, total, roundUp=true). */
static int scaled_value(const cJSON *v, long total, long *out, char **err)
{
    if (cJSON_IsNumber(v)) {
        *out = int32_of(v);
        return 0;
    }
    const char *s = cJSON_GetStringValue(v);
    if (!s) {
        *err = strdup("invalid value for IntOrString: invalid type: neither int nor percentage");
        return -1;
    }
    size_t len = strlen(s);
    if (!len || s[len - 1] != '%') {
        *err = strdup("invalid value for IntOrString: invalid type: string is not a percentage");
        return -1;
    }
    char *digits = xstrndup(s, len - 1);
    long long pct = 0;
    const char *why = NULL;
    int rc = go_atoi(digits, &pct, &why);
    if (rc < 0)
        *err = xasprintf("invalid value for IntOrString: invalid value \"%s\": strconv.Atoi: parsing \"%s\": %s",
                         s, digits, why);
    else
        *out = (long)ceil((double)pct * (double)total / 100.0);
    free(digits);
    return rc;
}

/* ---- controller finders (getExpectedScale) ------------------------------ */

/* schema.ParseGroupVersion. */
/* n bytes of s into dst as snprintf(dst, cap, "%.*s") would: cut to fit. */
static void copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

static int parse_gv(const char *av, char *group, char *version, size_t cap, char **err)
{
    group[0] = version[0] = 0;
    if (!av || !*av || !strcmp(av, "/"))
        return 0;
    const char *slash = strchr(av, '/');
    if (slash && strchr(slash + 1, '/')) {
        *err = xasprintf("unexpected GroupVersion string: %s", av);
        return -1;
    }
    if (!slash) {
        copy_cut(version, cap, av, strlen(av));
        return 0;
    }
    copy_cut(group, cap, av, (size_t)(slash - av));
    copy_cut(version, cap, slash + 1, strlen(slash + 1));
    return 0;
}

/* verifyGroupKind: -1 error, 0 no, 1 yes. */
static int verify_group_kind(const cJSON *ref, const char *kind, const char *const *groups, char **err)
{
    char g[256], v[256];
    if (parse_gv(jstr(ref, "apiVersion"), g, v, sizeof g, err) < 0)
        return -1;
    if (strcmp(str_or(jstr(ref, "kind"), ""), kind))
        return 0;
    for (int i = 0; groups[i]; i++)
        if (!strcmp(groups[i], g))
            return 1;
    return 0;
}

typedef struct {
    const char *uid;
    long scale;
} ctrl_scale;

/* The object of kind k named by ref in ns, if its uid matches. */
static const cJSON *ref_target(cluster *c, kind_id k, const char *ns, const cJSON *ref)
{
    store_obj *o = store_get(c->st, k, ns, str_or(jstr(ref, "name"), ""));
    if (!o || strcmp(str_or(jstr(store_doc(o), "metadata.uid"), ""), str_or(jstr(ref, "uid"), "")))
        return NULL;
    return store_doc(o);
}

static int found(const cJSON *doc, ctrl_scale *out)
{
    out->uid = str_or(jstr(doc, "metadata.uid"), "");
    const cJSON *r = jget(doc, "spec.replicas");
    out->scale = cJSON_IsNumber(r) ? int32_of(r) : 1;
    return 1;
}

static const char *const g_core[] = {"", NULL};
static const char *const g_apps[] = {"apps", NULL};
static const char *const g_apps_ext[] = {"apps", "extensions", NULL};

static int find_rc(cluster *c, const cJSON *ref, const char *ns, ctrl_scale *out, char **err)
{
    int ok = verify_group_kind(ref, "ReplicationController", g_core, err);
    if (ok <= 0)
        return ok;
    const cJSON *rc = ref_target(c, K_RC, ns, ref);
    return rc ? found(rc, out) : 0;
}

static int find_deployment(cluster *c, const cJSON *ref, const char *ns, ctrl_scale *out, char **err)
{
    int ok = verify_group_kind(ref, "ReplicaSet", g_apps_ext, err);
    if (ok <= 0)
        return ok;
    const cJSON *rs = ref_target(c, K_REPLICASET, ns, ref);
    const cJSON *rsref = rs ? controller_of(rs) : NULL;
    if (!rsref)
        return 0;
    ok = verify_group_kind(rsref, "Deployment", g_apps_ext, err);
    if (ok <= 0)
        return ok;
    const cJSON *dep = ref_target(c, K_DEPLOYMENT, ns, rsref);
    return dep ? found(dep, out) : 0;
}

static int find_rs(cluster *c, const cJSON *ref, const char *ns, ctrl_scale *out, char **err)
{
    int ok = verify_group_kind(ref, "ReplicaSet", g_apps_ext, err);
    if (ok <= 0)
        return ok;
    const cJSON *rs = ref_target(c, K_REPLICASET, ns, ref);
    if (!rs)
        return 0;
    const cJSON *rsref = controller_of(rs);
    if (rsref && !strcmp(str_or(jstr(rsref, "kind"), ""), "Deployment"))
        return 0;
    return found(rs, out);
}

static int find_ss(cluster *c, const cJSON *ref, const char *ns, ctrl_scale *out, char **err)
{
    int ok = verify_group_kind(ref, "StatefulSet", g_apps, err);
    if (ok <= 0)
        return ok;
    const cJSON *ss = ref_target(c, K_STATEFULSET, ns, ref);
    return ss ? found(ss, out) : 0;
}

/* What the RESTMapper of a 1.33 cluster knows beyond evictsim's own kinds. */
static const struct { const char *group, *version, *kind, *resource; } extra_kinds[] = {
    {"", "v1", "ConfigMap", "configmaps"},
    {"", "v1", "Secret", "secrets"},
    {"", "v1", "Service", "services"},
    {"", "v1", "ServiceAccount", "serviceaccounts"},
    {"", "v1", "Endpoints", "endpoints"},
    {"", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"},
    {"", "v1", "PersistentVolume", "persistentvolumes"},
    {"", "v1", "PodTemplate", "podtemplates"},
    {"", "v1", "LimitRange", "limitranges"},
    {"", "v1", "ResourceQuota", "resourcequotas"},
    {"apps", "v1", "ControllerRevision", "controllerrevisions"},
    {"batch", "v1", "Job", "jobs"},
    {"batch", "v1", "CronJob", "cronjobs"},
    {"autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers"},
    {"autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"},
    {"events.k8s.io", "v1", "Event", "events"},
    {"networking.k8s.io", "v1", "Ingress", "ingresses"},
    {"networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies"},
};

typedef struct {
    const char *group, *resource;
    int kind; /* kind_id, or -1 for kinds evictsim does not store */
} rest_mapping;

static bool mapping_matches(const char *g, const char *v, const char *k, const char *group,
                            const char *version, const char *kind)
{
    return !strcmp(g, group) && !strcmp(k, kind) && (!*version || !strcmp(v, version));
}

static int rest_map(const char *group, const char *version, const char *kind, rest_mapping *m, char **err)
{
    for (int k = 0; k < kind_count(); k++) {
        const kind_info *ki = kind_get(k);
        if (mapping_matches(ki->group, ki->version, ki->kind, group, version, kind)) {
            *m = (rest_mapping){ki->group, ki->plural, k};
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof extra_kinds / sizeof *extra_kinds; i++)
        if (mapping_matches(extra_kinds[i].group, extra_kinds[i].version, extra_kinds[i].kind, group, version,
                            kind)) {
            *m = (rest_mapping){extra_kinds[i].group, extra_kinds[i].resource, -1};
            return 0;
        }
    if (!*version)
        *err = xasprintf("no matches for kind \"%s\" in group \"%s\"", kind, group);
    else if (*group)
        *err = xasprintf("no matches for kind \"%s\" in version \"%s/%s\"", kind, group, version);
    else
        *err = xasprintf("no matches for kind \"%s\" in version \"%s\"", kind, version);
    return -1;
}

static bool has_scale(int k)
{
    return k == K_RC || k == K_REPLICASET || k == K_DEPLOYMENT || k == K_STATEFULSET;
}

/* getScaleController: GET <resource>/scale, then discovery on NotFound. */
static int find_scale(cluster *c, const cJSON *ref, const char *ns, ctrl_scale *out, char **err)
{
    char g[256], v[256];
    rest_mapping m;
    if (parse_gv(jstr(ref, "apiVersion"), g, v, sizeof g, err) < 0 ||
        rest_map(g, v, str_or(jstr(ref, "kind"), ""), &m, err) < 0)
        return -1;
    if (m.kind < 0 || !has_scale(m.kind)) {
        *err = *m.group ? xasprintf("%s.%s does not implement the scale subresource", m.resource, m.group)
                        : xasprintf("%s does not implement the scale subresource", m.resource);
        return -1;
    }
    const cJSON *target = ref_target(c, (kind_id)m.kind, ns, ref);
    return target ? found(target, out) : 0;
}

typedef int (*finder_fn)(cluster *, const cJSON *, const char *, ctrl_scale *, char **);
static const finder_fn finders[] = {find_rc, find_deployment, find_rs, find_ss, find_scale};

static bool scale_known(const ctrl_scale *s, int n, const char *uid)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].uid, uid))
            return true;
    return false;
}

static void scale_put(ctrl_scale *s, int *n, ctrl_scale v)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(s[i].uid, v.uid)) {
            s[i] = v;
            return;
        }
    s[(*n)++] = v;
}

/* arr (n entries of `size` bytes used of *cap) with room for one more:
 * it starts as the caller's stack array `local`, so that a sync's few
 * controllers allocate nothing (an array per pod was a 1.6 KB calloc a
 * sync, a large-bin request that made glibc consolidate its fast bins). */
static void *room(void *arr, size_t n, size_t *cap, size_t size, const void *local)
{
    if (n < *cap)
        return arr;
    void *grown = xmalloc(*cap * 2 * size);
    memcpy(grown, arr, n * size);
    if (arr != local)
        free(arr);
    *cap *= 2;
    return grown;
}

/* getExpectedScale: the sum of the scales of the pods' controllers. */
static int expected_scale(cluster *c, store_obj **pods, size_t n, long *expected, cJSON *unmanaged, char **err)
{
    ctrl_scale scales_local[16], *scales = scales_local;
    size_t scap = 16;
    int ns = 0, rc = 0;
    /* Pods whose controller reference is one already resolved get the same
     * answer from the finders (the store does not change during a sync),
     * so each distinct reference is looked up, and its pod read, once. */
    const char *done_local[16], **done = done_local;
    size_t ndone = 0, dcap = 16;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *key = store_controller_key(pods[i]);
        if (!key) {
            cJSON_AddItemToArray(unmanaged, cJSON_CreateString(pods[i]->name));
            continue;
        }
        bool seen = ndone && done[ndone - 1] == key;
        for (size_t d = 0; d < ndone && d < 64 && !seen; d++)
            seen = done[d] == key;
        if (seen)
            continue;
        const cJSON *ref = controller_of(store_doc(pods[i]));
        done = room(done, ndone, &dcap, sizeof *done, done_local);
        if (scale_known(scales, ns, str_or(jstr(ref, "uid"), ""))) {
            done[ndone++] = key;
            continue;
        }
        int hit = 0;
        for (size_t f = 0; f < sizeof finders / sizeof *finders && !hit; f++) {
            ctrl_scale s;
            hit = finders[f](c, ref, pods[i]->ns, &s, err);
            if (hit < 0)
                break;
            scales = room(scales, (size_t)ns, &scap, sizeof *scales, scales_local);
            if (hit)
                scale_put(scales, &ns, s);
        }
        if (hit < 0)
            rc = -1;
        else if (!hit) {
            *err = xasprintf("found no controllers for pod \"%s\"", pods[i]->name);
            rc = -1;
        } else {
            done[ndone++] = key;
        }
    }
    if (done != done_local)
        free(done);
    *expected = 0;
    for (int i = 0; i < ns; i++)
        *expected += scales[i].scale;
    if (scales != scales_local)
        free(scales);
    return rc;
}

/* getExpectedPodCount. */
static int expected_count(cluster *c, const cJSON *pdb, store_obj **pods, size_t n, long *expected,
                          long *desired, cJSON *unmanaged, char **err)
{
    const cJSON *maxu = jget(pdb, "spec.maxUnavailable"), *mina = jget(pdb, "spec.minAvailable");
    long v = 0;
    *expected = *desired = 0;
    if (present(maxu)) {
        if (expected_scale(c, pods, n, expected, unmanaged, err) < 0 || scaled_value(maxu, *expected, &v, err) < 0)
            return -1;
        *desired = *expected - v < 0 ? 0 : *expected - v;
    } else if (cJSON_IsNumber(mina)) {
        *desired = int32_of(mina);
        *expected = (long)n;
    } else if (cJSON_IsString(mina)) {
        if (expected_scale(c, pods, n, expected, unmanaged, err) < 0 || scaled_value(mina, *expected, &v, err) < 0)
            return -1;
        *desired = v;
    }
    return 0;
}

/* ---- Events ----------------------------------------------------------- */

/* ref.GetReference for a stored object. */
static cJSON *object_ref(const store_obj *o)
{
    const kind_info *ki = kind_get(o->kind);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "kind", ki->kind);
    if (*o->ns)
        cJSON_AddStringToObject(r, "namespace", o->ns);
    cJSON_AddStringToObject(r, "name", o->name);
    cJSON_AddStringToObject(r, "uid", str_or(jstr(store_doc(o), "metadata.uid"), ""));
    cJSON_AddStringToObject(r, "apiVersion", ki->api_version);
    char rv[32];
    snprintf(rv, sizeof rv, "%llu", (unsigned long long)o->rv);
    cJSON_AddStringToObject(r, "resourceVersion", str_or(jstr(store_doc(o), "metadata.resourceVersion"), rv));
    return r;
}

static void ev_add(cJSON *events, const store_obj *about, const char *type, const char *reason, char *msg)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, "ref", object_ref(about));
    cJSON_AddStringToObject(e, "type", type);
    cJSON_AddStringToObject(e, "reason", reason);
    cJSON_AddStringToObject(e, "message", msg ? msg : "");
    cJSON_AddItemToArray(events, e);
    free(msg);
}

/* The keys of client-go's EventCorrelator (getEventKey, getSpamKey). */
static char *ev_spam_key(const cJSON *ref)
{
    return xasprintf(EV_COMPONENT "\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", str_or(jstr(ref, "kind"), ""),
                     str_or(jstr(ref, "namespace"), ""), str_or(jstr(ref, "name"), ""),
                     str_or(jstr(ref, "uid"), ""), str_or(jstr(ref, "apiVersion"), ""));
}

/* Token bucket per source+object: burst 25, one more every 5 minutes. */
static bool ev_spam_accept(dctl *d, const cJSON *ref, double now)
{
    char *key = ev_spam_key(ref);
    ev_spam *s;
    HASH_FIND_STR(d->spam, key, s);
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->key = key;
        s->tokens = EV_SPAM_BURST;
        s->last = now;
        HASH_ADD_KEYPTR(hh, d->spam, s->key, strlen(s->key), s);
    } else {
        free(key);
    }
    s->tokens = fmin(EV_SPAM_BURST, s->tokens + (now - s->last) * EV_SPAM_QPS);
    s->last = now;
    if (s->tokens < 1)
        return false;
    s->tokens -= 1;
    return true;
}

static char *ev_new_name(cluster *c, const char *ns, const char *obj_name, double now)
{
    unsigned long long nanos = (unsigned long long)(now * 1e9);
    for (;;) {
        char *name = xasprintf("%s.%llx", obj_name, nanos++);
        if (!store_get(c->st, K_EVENT, ns, name))
            return name;
        free(name);
    }
}

static void ev_create(cluster *c, const char *ns, const char *name, const cJSON *ref, const cJSON *e,
                      int count, double first, double now)
{
    cJSON *st = rest_namespace_admission(c, K_EVENT, ns, name);
    if (st || store_get(c->st, K_EVENT, ns, name)) {
        cJSON_Delete(st);
        return;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "Event");
    cJSON_AddStringToObject(doc, "apiVersion", "v1");
    cJSON *md = jobj(doc, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    cJSON_AddStringToObject(md, "namespace", ns);
    char uid[40];
    meta_uuid(uid);
    cJSON_AddStringToObject(md, "uid", uid);
    meta_set_time(md, "creationTimestamp", now);
    cJSON_AddItemToObject(doc, "involvedObject", cJSON_Duplicate(ref, true));
    cJSON_AddStringToObject(doc, "reason", jstr(e, "reason"));
    cJSON_AddStringToObject(doc, "message", jstr(e, "message"));
    cJSON_AddStringToObject(jobj(doc, "source"), "component", EV_COMPONENT);
    cJSON_AddItemToObject(doc, "firstTimestamp", time_json(first));
    cJSON_AddItemToObject(doc, "lastTimestamp", time_json(now));
    cJSON_AddNumberToObject(doc, "count", count);
    cJSON_AddStringToObject(doc, "type", jstr(e, "type"));
    cJSON_AddNullToObject(doc, "eventTime");
    cJSON_AddStringToObject(doc, "reportingComponent", EV_COMPONENT);
    cJSON_AddStringToObject(doc, "reportingInstance", "");
    store_insert(c->st, K_EVENT, doc);
}

/* Record one event as client-go's recorder does: count repeats of the same
 * event (patching count, lastTimestamp, message), drop what the spam filter
 * refuses. e: {ref, type, reason, message}. */
static void ev_record(dctl *d, const cJSON *e)
{
    cluster *c = d->c;
    double now = cluster_now(c);
    const cJSON *ref = jget(e, "ref");
    const char *ns = str_or(jstr(ref, "namespace"), "default");
    char *spam = ev_spam_key(ref);
    char *key = xasprintf("%s\x1f%s\x1f%s\x1f%s", spam, jstr(e, "type"), jstr(e, "reason"), jstr(e, "message"));
    free(spam);
    ev_log *l;
    HASH_FIND_STR(d->logs, key, l);
    if (!l) {
        l = xcalloc(1, sizeof *l);
        l->key = key;
        l->name = ev_new_name(c, ns, str_or(jstr(ref, "name"), ""), now);
        l->first = now;
        HASH_ADD_KEYPTR(hh, d->logs, l->key, strlen(l->key), l);
    } else {
        free(key);
    }
    l->count++;
    if (!ev_spam_accept(d, ref, now))
        return;
    store_obj *old = l->count > 1 ? store_get(c->st, K_EVENT, ns, l->name) : NULL;
    if (!old) {
        ev_create(c, ns, l->name, ref, e, l->count, l->first, now);
        return;
    }
    cJSON *doc = cJSON_Duplicate(store_doc(old), true);
    jset_num(doc, "count", l->count);
    jset(doc, "lastTimestamp", time_json(now));
    jset_str(doc, "message", jstr(e, "message"));
    rest_write(c, old, doc);
}

/* ---- status computation ------------------------------------------------- */

typedef struct {
    int rc;         /* 1 write, 0 nothing to write, -1 failSafe */
    cJSON *status;  /* the status after the sync */
    double recheck; /* earliest disruptedPods expiry kept, or -1 */
    cJSON *events;  /* [{ref, type, reason, message}] */
    char *explain;
} pdb_result;

/* metav1.Condition, as the typed object serialises it. */
static cJSON *make_cond(const char *type, const char *status, double obsgen, cJSON *ltt, const char *reason,
                        const char *message)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", status);
    if (obsgen != 0)
        cJSON_AddNumberToObject(c, "observedGeneration", obsgen);
    cJSON_AddItemToObject(c, "lastTransitionTime", ltt ? ltt : cJSON_CreateNull());
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", message);
    return c;
}

static cJSON *cond_norm(const cJSON *src)
{
    const cJSON *ltt = jget(src, "lastTransitionTime");
    return make_cond(str_or(jstr(src, "type"), ""), str_or(jstr(src, "status"), ""),
                     jnum(src, "observedGeneration", 0), present(ltt) ? time_json(time_of(ltt)) : NULL,
                     str_or(jstr(src, "reason"), ""), str_or(jstr(src, "message"), ""));
}

static cJSON *conds_norm(const cJSON *conds)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *c;
    cJSON_ArrayForEach(c, conds)
        cJSON_AddItemToArray(out, cond_norm(c));
    return out;
}

/* meta.SetStatusCondition for DisruptionAllowed (time from the virtual clock). */
static void set_condition(cJSON *conds, const char *status, const char *reason, const char *msg, double obsgen,
                          double now)
{
    int i = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, conds) {
        if (!strcmp(jstr(c, "type"), "DisruptionAllowed"))
            break;
        i++;
    }
    if (!c) {
        cJSON_AddItemToArray(conds, make_cond("DisruptionAllowed", status, obsgen, time_json(now), reason, msg));
        return;
    }
    bool same = !strcmp(jstr(c, "status"), status);
    cJSON *ltt = same ? cJSON_Duplicate(jget(c, "lastTransitionTime"), true) : time_json(now);
    cJSON_ReplaceItemInArray(conds, i, make_cond("DisruptionAllowed", status, obsgen, ltt, reason, msg));
}

static const cJSON *find_cond(const cJSON *conds, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, conds)
        if (!strcmp(str_or(jstr(c, "type"), ""), type))
            return c;
    return NULL;
}

/* pdbhelper.ConditionsAreUpToDate. */
static bool conditions_up_to_date(const cJSON *pdb)
{
    const cJSON *st = jget(pdb, "status");
    const cJSON *c = find_cond(jget(st, "conditions"), "DisruptionAllowed");
    if (!c || jnum(st, "observedGeneration", 0) != jnum(pdb, "metadata.generation", 0))
        return false;
    const char *s = str_or(jstr(c, "status"), ""), *r = str_or(jstr(c, "reason"), "");
    if (jnum(st, "disruptionsAllowed", 0) > 0)
        return !strcmp(s, "True") && !strcmp(r, "SufficientPods");
    return !strcmp(s, "False") && !strcmp(r, "InsufficientPods");
}

/* PodDisruptionBudgetStatus in the order the API serialises it; takes dpods and conds. */
static cJSON *make_status(double obsgen, cJSON *dpods, double allowed, double cur, double des, double exp,
                          cJSON *conds)
{
    cJSON *st = cJSON_CreateObject();
    if (obsgen != 0)
        cJSON_AddNumberToObject(st, "observedGeneration", obsgen);
    if (cJSON_GetArraySize(dpods))
        cJSON_AddItemToObject(st, "disruptedPods", dpods);
    else
        cJSON_Delete(dpods);
    cJSON_AddNumberToObject(st, "disruptionsAllowed", allowed);
    cJSON_AddNumberToObject(st, "currentHealthy", cur);
    cJSON_AddNumberToObject(st, "desiredHealthy", des);
    cJSON_AddNumberToObject(st, "expectedPods", exp);
    if (cJSON_GetArraySize(conds))
        cJSON_AddItemToObject(st, "conditions", conds);
    else
        cJSON_Delete(conds);
    return st;
}

/* failSafe: disruptionsAllowed 0 and SyncFailed; everything else kept. */
static void fail_safe(const store_obj *pdb, const char *msg, double now, pdb_result *r)
{
    const cJSON *st = jget(store_doc(pdb), "status");
    double obsgen = jnum(st, "observedGeneration", 0);
    cJSON *dp = cJSON_CreateObject();
    const cJSON *e;
    if (cJSON_IsObject(jget(st, "disruptedPods")))
        cJSON_ArrayForEach(e, jget(st, "disruptedPods"))
            cJSON_AddItemToObject(dp, e->string, time_json(time_of(e)));
    cJSON *conds = conds_norm(jget(st, "conditions"));
    set_condition(conds, "False", "SyncFailed", msg, obsgen, now);
    r->status = make_status(obsgen, dp, 0, jnum(st, "currentHealthy", 0), jnum(st, "desiredHealthy", 0),
                            jnum(st, "expectedPods", 0), conds);
    r->rc = -1;
    r->explain = xasprintf("sync failed (%s) → 0 disruptions allowed", msg);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* metav1.LabelSelector's generated String(), as %v prints it. */
static char *selector_string(const cJSON *sel)
{
    if (!present(sel))
        return xstrdup("nil");
    sbuf b = {0};
    const cJSON *ml = jget(sel, "matchLabels");
    int n = cJSON_GetArraySize(ml), k = 0;
    const char **keys = xcalloc(n ? n : 1, sizeof *keys);
    const cJSON *e;
    cJSON_ArrayForEach(e, ml)
        keys[k++] = e->string;
    qsort(keys, k, sizeof *keys, cmp_str);
    sb_printf(&b, "&LabelSelector{MatchLabels:map[string]string{");
    for (int i = 0; i < k; i++)
        sb_printf(&b, "%s: %s,", keys[i], str_or(jstr(ml, keys[i]), ""));
    free(keys);
    sb_printf(&b, "},MatchExpressions:[]LabelSelectorRequirement{");
    cJSON_ArrayForEach(e, jget(sel, "matchExpressions")) {
        sb_printf(&b, "LabelSelectorRequirement{Key:%s,Operator:%s,Values:[", str_or(jstr(e, "key"), ""),
                  str_or(jstr(e, "operator"), ""));
        const cJSON *v;
        bool first = true;
        cJSON_ArrayForEach(v, jget(e, "values")) {
            sb_printf(&b, "%s%s", first ? "" : " ", str_or(cJSON_GetStringValue(v), ""));
            first = false;
        }
        sb_printf(&b, "],}");
        sb_printf(&b, ",");
    }
    sb_printf(&b, "},}");
    return sb_take(&b);
}

/* buildDisruptedPodMap: keep the entries of selected, non-terminating pods
 * that have not expired; NotDeleted for the expired ones. */
static cJSON *disrupted_map(const store_obj *pdb, store_obj **pods, size_t n, double now, pdb_result *r)
{
    cJSON *out = cJSON_CreateObject();
    const cJSON *old = jget(store_doc(pdb), "status.disruptedPods");
    if (!cJSON_IsObject(old))
        return out;
    for (size_t i = 0; i < n; i++) {
        const cJSON *entry = jfield(old, pods[i]->name);
        if ((pods[i]->hot & STORE_DELETING) || !entry)
            continue;
        double t = time_of(entry), expiry = t + PDB_DELETION_TIMEOUT;
        if (expiry < now) {
            ev_add(r->events, pods[i], "Warning", "NotDeleted",
                   xasprintf("Pod was expected by PDB %s/%s to be deleted but it wasn't", pdb->ns, pdb->ns));
            continue;
        }
        if (r->recheck < 0 || expiry < r->recheck)
            r->recheck = expiry;
        cJSON_AddItemToObject(out, pods[i]->name, time_json(t));
    }
    return out;
}

/* countHealthyPods over the rebuilt map dmap (its times read, unrounded,
 * from the old map old); notes why the others are not healthy into *why. */
static long count_healthy(store_obj **pods, size_t n, const cJSON *dmap, const cJSON *old, double now, sbuf *why)
{
    long healthy = 0, shown = 0, hidden = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *entry = jfield(dmap, pods[i]->name)
                                 ? jfield(old, pods[i]->name)
                                 : NULL;
        const char *reason = NULL;
        if (pods[i]->hot & STORE_DELETING)
            reason = "terminating";
        else if (entry && time_of(entry) + PDB_DELETION_TIMEOUT > now)
            reason = "evicted, deletion pending";
        else if (pods[i]->hot & STORE_READY)
            healthy++;
        else
            reason = "not ready";
        if (!reason || !why)
            continue;
        if (shown++ < EXPLAIN_MAX_PODS)
            sb_printf(why, "%s%s %s", shown > 1 ? ", " : "", pods[i]->name, reason);
        else
            hidden++;
    }
    if (hidden)
        sb_printf(why, ", and %ld more", hidden);
    return healthy;
}

static char *spec_text(const cJSON *pdb)
{
    const cJSON *maxu = jget(pdb, "spec.maxUnavailable"), *mina = jget(pdb, "spec.minAvailable");
    const cJSON *v = present(maxu) ? maxu : present(mina) ? mina : NULL;
    const char *field = present(maxu) ? "maxUnavailable" : "minAvailable";
    if (!v)
        return xstrdup("neither minAvailable nor maxUnavailable set,");
    if (cJSON_IsNumber(v))
        return xasprintf("%s %ld", field, int32_of(v));
    return xasprintf("%s %s", field, str_or(cJSON_GetStringValue(v), "?"));
}

static char *explain_text(const cJSON *pdb, long exp, long cur, const char *why, const cJSON *unmanaged,
                          long des, long allowed)
{
    sbuf b = {0};
    char *spec = spec_text(pdb);
    sb_printf(&b, "%s of %ld expected; %ld healthy", spec, exp, cur);
    free(spec);
    if (*why)
        sb_printf(&b, " (%s)", why);
    if (cJSON_GetArraySize(unmanaged)) {
        sb_printf(&b, "; %d unmanaged, counted healthy but not expected (", cJSON_GetArraySize(unmanaged));
        const cJSON *u;
        bool first = true;
        cJSON_ArrayForEach(u, unmanaged) {
            sb_printf(&b, "%s%s", first ? "" : ", ", u->valuestring);
            first = false;
        }
        sb_printf(&b, ")");
    }
    sb_printf(&b, "; desired %ld → %ld disruption%s allowed", des, allowed, allowed == 1 ? "" : "s");
    if (exp <= 0 && cur - des > 0)
        sb_printf(&b, " (no expected pods)");
    return sb_take(&b);
}

/* updatePdbStatus: the new status, and whether it must be written. */
static void new_status(const store_obj *pdb, long cur, long des, long exp, cJSON *dmap, double now,
                       pdb_result *r)
{
    const cJSON *st = jget(store_doc(pdb), "status");
    double gen = jnum(store_doc(pdb), "metadata.generation", 0);
    long allowed = cur - des;
    if (exp <= 0 || allowed <= 0)
        allowed = 0;
    const cJSON *old_dp = jget(st, "disruptedPods");
    int old_n = cJSON_IsObject(old_dp) ? cJSON_GetArraySize(old_dp) : 0;
    bool same = jnum(st, "currentHealthy", 0) == cur && jnum(st, "desiredHealthy", 0) == des &&
                jnum(st, "expectedPods", 0) == exp && jnum(st, "disruptionsAllowed", 0) == allowed &&
                old_n == cJSON_GetArraySize(dmap) && jnum(st, "observedGeneration", 0) == gen &&
                conditions_up_to_date(store_doc(pdb));
    if (same) {
        cJSON_Delete(dmap);
        r->status = present(st) ? cJSON_Duplicate(st, true) : cJSON_CreateObject();
        r->rc = 0;
        return;
    }
    cJSON *conds = conds_norm(jget(st, "conditions"));
    set_condition(conds, allowed > 0 ? "True" : "False", allowed > 0 ? "SufficientPods" : "InsufficientPods", "",
                  gen, now);
    r->status = make_status(gen, dmap, allowed, cur, des, exp, conds);
    r->rc = 1;
}

/* trySync, without writing: fills r (r->explain only when explain: the
 * controller's own syncs do not read it). */
static void pdb_evaluate(cluster *c, const store_obj *pdb, double now, bool explain, pdb_result *r)
{
    memset(r, 0, sizeof *r);
    r->recheck = -1;
    r->events = cJSON_CreateArray();
    char *err = NULL;
    labelsel *sel = labelsel_from_json(jget(store_doc(pdb), "spec.selector"), &err);
    if (err) {
        ev_add(r->events, pdb, "Warning", "NoPods", xasprintf("Failed to get pods: %s", err));
        fail_safe(pdb, err, now, r);
        free(err);
        return;
    }
    size_t n;
    store_obj **pods = pdb_pods(c, pdb, sel, &n);
    labelsel_free(sel);
    if (!n)
        ev_add(r->events, pdb, "Normal", "NoPods", xstrdup("No matching pods found"));
    long exp, des;
    cJSON *unmanaged = cJSON_CreateArray();
    if (expected_count(c, store_doc(pdb), pods, n, &exp, &des, unmanaged, &err) < 0) {
        ev_add(r->events, pdb, "Warning", "CalculateExpectedPodCountFailed",
               xasprintf("Failed to calculate the number of expected pods: %s", err));
        fail_safe(pdb, err, now, r);
    } else {
        if (cJSON_GetArraySize(unmanaged)) {
            char *s = selector_string(jget(store_doc(pdb), "spec.selector"));
            ev_add(r->events, pdb, "Warning", "UnmanagedPods",
                   xasprintf("Pods selected by this PodDisruptionBudget (selector: %s) were found to be unmanaged. "
                             "As a result, the status of the PDB cannot be calculated correctly, which may result "
                             "in undefined behavior. To account for these pods please set \".spec.minAvailable\" "
                             "field of the PDB to an integer value.", s));
            free(s);
        }
        cJSON *dmap = disrupted_map(pdb, pods, n, now, r);
        sbuf why = {0};
        long cur = count_healthy(pods, n, dmap, jget(store_doc(pdb), "status.disruptedPods"), now,
                                 explain ? &why : NULL);
        new_status(pdb, cur, des, exp, dmap, now, r);
        if (explain) {
            char *w = sb_take(&why);
            r->explain = explain_text(store_doc(pdb), exp, cur, w, unmanaged, des,
                                      (long)jnum(r->status, "disruptionsAllowed", 0));
            free(w);
        }
    }
    free(err);
    cJSON_Delete(unmanaged);
    free(pods);
}

static void result_free(pdb_result *r)
{
    cJSON_Delete(r->status);
    cJSON_Delete(r->events);
    free(r->explain);
}

int pdb_compute(cluster *c, const store_obj *pdb, cJSON **status_out, char **explain)
{
    pdb_result r;
    pdb_evaluate(c, pdb, cluster_now(c), explain != NULL, &r);
    *status_out = r.status;
    r.status = NULL;
    if (explain) {
        *explain = r.explain;
        r.explain = NULL;
    }
    int rc = r.rc;
    result_free(&r);
    return rc;
}

/* ---- the controller ----------------------------------------------------- */

static void pdb_timer_fired(void *ctx, uint64_t id);

static pdb_entry *pdb_entry_get(dctl *d, const char *ns, const char *name)
{
    char *key = xasprintf("%s/%s", ns, name);
    pdb_entry *e;
    HASH_FIND_STR(d->pdbs, key, e);
    if (e) {
        free(key);
        return e;
    }
    e = xcalloc(1, sizeof *e);
    e->key = key;
    e->d = d;
    e->ns = xstrdup(ns);
    e->name = xstrdup(name);
    HASH_ADD_KEYPTR(hh, d->pdbs, e->key, strlen(e->key), e);
    return e;
}

/* Keep at most one pending timer per slot, at the earliest time asked. */
static void timer_slot(dctl *d, uint64_t *id, double *due_slot, double due, timer_fn fn, void *ctx)
{
    if (*id && *due_slot <= due)
        return;
    if (*id)
        clock_cancel(d->c->clk, *id);
    *due_slot = due;
    *id = clock_at(d->c->clk, due, fn, ctx);
}

static void schedule_sync(dctl *d, const char *ns, const char *name, double due)
{
    pdb_entry *e = pdb_entry_get(d, ns, name);
    timer_slot(d, &e->sync_id, &e->sync_due, due, pdb_timer_fired, e);
}

static void schedule_recheck(dctl *d, const char *ns, const char *name, double due)
{
    pdb_entry *e = pdb_entry_get(d, ns, name);
    timer_slot(d, &e->recheck_id, &e->recheck_due, due, pdb_timer_fired, e);
}

/* Write a status as UpdateStatus would; an update that changes nothing is
 * not written (the apiserver skips no-op updates). */
static void write_status(cluster *c, store_obj *o, const cJSON *status)
{
    rest_write_path(c, o, "status", cJSON_Duplicate(status, true)); /* no write when it is the same */
}

static void pdb_sync(dctl *d, const char *ns, const char *name)
{
    store_obj *o = store_get(d->c->st, K_PDB, ns, name);
    if (!o)
        return;
    pdb_result r;
    pdb_evaluate(d->c, o, cluster_now(d->c), false, &r);
    const cJSON *e;
    cJSON_ArrayForEach(e, r.events)
        ev_record(d, e);
    if (r.rc != 0)
        write_status(d->c, o, r.status);
    if (r.rc >= 0 && r.recheck >= 0)
        schedule_recheck(d, ns, name, r.recheck + RECHECK_DELAY);
    result_free(&r);
}

static void pdb_timer_fired(void *ctx, uint64_t id)
{
    pdb_entry *e = ctx;
    if (id == e->sync_id)
        e->sync_id = 0;
    if (id == e->recheck_id)
        e->recheck_id = 0;
    pdb_sync(e->d, e->ns, e->name);
}

/* Events queued by listeners, recorded when their time comes. */
static void flush_fired(void *ctx, uint64_t id)
{
    dctl *d = ctx;
    (void)id;
    d->flush_id = 0;
    double now = cluster_now(d->c);
    while (cJSON_GetArraySize(d->pending)) {
        cJSON *e = cJSON_GetArrayItem(d->pending, 0);
        double due = jnum(e, "due", 0);
        if (due > now) {
            d->flush_id = clock_at(d->c->clk, due, flush_fired, d);
            return;
        }
        cJSON *taken = cJSON_DetachItemFromArray(d->pending, 0);
        ev_record(d, taken);
        cJSON_Delete(taken);
    }
}

static void queue_event(dctl *d, double due, const store_obj *about, const char *type, const char *reason,
                        char *msg)
{
    cJSON *one = cJSON_CreateArray();
    ev_add(one, about, type, reason, msg);
    cJSON *e = cJSON_DetachItemFromArray(one, 0);
    cJSON_Delete(one);
    cJSON_AddNumberToObject(e, "due", due);
    cJSON_AddItemToArray(d->pending, e);
    if (!d->flush_id)
        d->flush_id = clock_at(d->c->clk, due, flush_fired, d);
}

/* getPdbForPod: the first PDB (by name) whose selector matches the pod. */
static void pod_changed(dctl *d, const store_obj *pod, double due)
{
    size_t n;
    store_obj **pdbs = pdbindex_pdbs_for(pdbindex_get(d->c->st), pod, &n);
    const store_obj *first = n ? pdbs[0] : NULL;
    if (n > 1)
        queue_event(d, due, pod, "Warning", "MultiplePodDisruptionBudgets",
                    xasprintf("Pod \"%s\"/\"%s\" matches multiple PodDisruptionBudgets.  Chose \"%s\" arbitrarily.",
                              pod->ns, pod->name, first->name));
    if (first)
        schedule_sync(d, first->ns, first->name, due);
    free(pdbs);
}

/* ---- stale DisruptionTarget condition ----------------------------------- */

static void stale_fired(void *ctx, uint64_t id);

/* nonTerminatingPodHasStaleDisruptionCondition: the time to clean it, or -1.
 * From the stored pod's bits and conditions (no tree). */
static double stale_due(const store_obj *pod)
{
    if ((pod->hot & (STORE_DELETING | STORE_ENDED)) || !(pod->hot & STORE_DTARGET)) /* terminating, ended, */
        return -1;                                                                  /* or no condition */
    const cJSON *c, *cond = NULL;
    cJSON_ArrayForEach(c, store_get_path(pod, "status.conditions"))
        if (!strcmp(str_or(jstr(c, "type"), ""), "DisruptionTarget")) {
            cond = c;
            break;
        }
    if (!cond || strcmp(str_or(jstr(cond, "status"), ""), "True") ||
        !strcmp(str_or(jstr(cond, "reason"), ""), "TerminationByKubelet"))
        return -1;
    return time_of(jget(cond, "lastTransitionTime")) + PDB_STALE_POD_TIMEOUT;
}

static void stale_schedule(dctl *d, const store_obj *pod)
{
    if (!kv_pod_disruption_conditions(&d->c->opts.kv)) /* the cleanup is behind the gate too */
        return;
    double due = stale_due(pod);
    if (due < 0)
        return;
    double now = cluster_now(d->c);
    char *key = xasprintf("%s/%s", pod->ns, pod->name);
    pod_entry *e;
    HASH_FIND_STR(d->pods, key, e);
    if (!e) {
        e = xcalloc(1, sizeof *e);
        e->key = key;
        e->d = d;
        e->ns = xstrdup(pod->ns);
        e->name = xstrdup(pod->name);
        HASH_ADD_KEYPTR(hh, d->pods, e->key, strlen(e->key), e);
    } else {
        free(key);
    }
    timer_slot(d, &e->id, &e->due, due < now ? now : due, stale_fired, e);
}

static void stale_fired(void *ctx, uint64_t id)
{
    pod_entry *e = ctx;
    (void)id;
    e->id = 0;
    cluster *c = e->d->c;
    store_obj *pod = store_get(c->st, K_POD, e->ns, e->name);
    double due = pod ? stale_due(pod) : -1;
    if (due < 0)
        return;
    double now = cluster_now(c);
    if (due > now) {
        stale_schedule(e->d, pod);
        return;
    }
    cJSON *doc = cJSON_Duplicate(store_doc(pod), true);
    cJSON *conds = jget(doc, "status.conditions");
    int i = 0;
    cJSON *cond;
    cJSON_ArrayForEach(cond, conds) {
        if (!strcmp(str_or(jstr(cond, "type"), ""), "DisruptionTarget"))
            break;
        i++;
    }
    cJSON *nc = cJSON_CreateObject();
    cJSON_AddStringToObject(nc, "type", "DisruptionTarget");
    cJSON_AddStringToObject(nc, "status", "False");
    cJSON_AddNullToObject(nc, "lastProbeTime");
    cJSON_AddItemToObject(nc, "lastTransitionTime", time_json(now));
    cJSON_ReplaceItemInArray(conds, i, nc);
    rest_write(c, pod, doc);
}

/* ---- wiring --------------------------------------------------------------- */

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    dctl *d = ctx;
    (void)old;
    double due = cluster_now(d->c) + d->c->opts.pdb_sync_delay;
    if (o->kind == K_PDB) {
        schedule_sync(d, o->ns, o->name, due);
    } else if (o->kind == K_POD) {
        pod_changed(d, o, due);
        if (ev != STORE_DELETED)
            stale_schedule(d, o);
    }
    /* Workload (RC/RS/Deployment/StatefulSet) changes trigger nothing: the
     * real controller only lists them (docs/reference/disruption-controller.md
     * §4.2, §4.6). */
}

static void *attach(cluster *c)
{
    dctl *d = xcalloc(1, sizeof *d);
    d->c = c;
    d->pending = cJSON_CreateArray();
    pdbindex_get(c->st); /* its listener runs before ours */
    store_listen(c->st, on_change, d);
    return d;
}

static void clear(dctl *d)
{
    pdb_entry *p, *pt;
    HASH_ITER(hh, d->pdbs, p, pt) {
        if (p->sync_id)
            clock_cancel(d->c->clk, p->sync_id);
        if (p->recheck_id)
            clock_cancel(d->c->clk, p->recheck_id);
        HASH_DEL(d->pdbs, p);
        free(p->key), free(p->ns), free(p->name), free(p);
    }
    pod_entry *q, *qt;
    HASH_ITER(hh, d->pods, q, qt) {
        if (q->id)
            clock_cancel(d->c->clk, q->id);
        HASH_DEL(d->pods, q);
        free(q->key), free(q->ns), free(q->name), free(q);
    }
    ev_log *l, *lt;
    HASH_ITER(hh, d->logs, l, lt) {
        HASH_DEL(d->logs, l);
        free(l->key), free(l->name), free(l);
    }
    ev_spam *s, *st;
    HASH_ITER(hh, d->spam, s, st) {
        HASH_DEL(d->spam, s);
        free(s->key), free(s);
    }
    if (d->flush_id)
        clock_cancel(d->c->clk, d->flush_id);
    d->flush_id = 0;
    cJSON_Delete(d->pending);
    d->pending = cJSON_CreateArray();
}

static void reset(void *state)
{
    clear(state);
}

static void dfree(void *state)
{
    dctl *d = state;
    if (!d)
        return;
    clear(d);
    cJSON_Delete(d->pending);
    free(d);
}


void disruption_sync_now(cluster *c)
{
    dctl *d = cluster_controller(c, "disruption");
    if (!d)
        return;
    size_t n;
    store_obj **pdbs = store_list(c->st, K_PDB, NULL, &n);
    char **keys = xcalloc(n ? n : 1, sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = xasprintf("%s/%s", pdbs[i]->ns, pdbs[i]->name);
    free(pdbs);
    for (size_t i = 0; i < n; i++) {
        char *slash = strchr(keys[i], '/');
        *slash = 0;
        pdb_entry *e = pdb_entry_get(d, keys[i], slash + 1);
        if (e->sync_id)
            clock_cancel(c->clk, e->sync_id);
        e->sync_id = 0;
        pdb_sync(d, keys[i], slash + 1);
        free(keys[i]);
    }
    free(keys);
}
