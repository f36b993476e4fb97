/* statefulset: the StatefulSet controller (stateful_set_control.go). Pods
 * `<name>-<ordinal>` with a stable identity (hostname, subdomain, pod-name
 * and pod-index labels, claims per volumeClaimTemplate); OrderedReady
 * creates and removes one pod at a time and waits for each to be Running
 * and Ready, Parallel does not wait; a pod that is terminating is recreated
 * under the same name only once it is gone; RollingUpdate replaces pods of
 * an old revision from the highest ordinal down. Revisions are named
 * `<name>-<hash>` (there are no ControllerRevision objects: the revision of a
 * loaded set is taken from its status). Work happens in the queue's timer. */
#define _GNU_SOURCE
#include "workloads.h"
#include "xalloc.h"
#include "pod.h"
#include "cJSON_Utils.h"
#include "json.h"
#include "selector.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REV_LABEL "controller-revision-hash"
#define NAME_LABEL "statefulset.kubernetes.io/pod-name"
#define INDEX_LABEL "apps.kubernetes.io/pod-index"

static void *attach(cluster *c);
static void reset(void *state);
static void detach(void *state);

const controller_ops statefulset_controller = {
    .name = "statefulset",
    .flag = CTRL_STATEFULSET,
    .attach = attach,
    .reset = reset,
    .free = detach,
};

typedef struct revision {
    UT_hash_handle hh;
    char uid[40];
    char hash[16];
    char name[300];
} revision;

typedef struct {
    cluster *c;
    wl_queue *q;
    revision *revs;
} ss_ctrl;

typedef struct {
    ss_ctrl *sc;
    store_obj *set;
    const char *update_rev;
    bool monotonic;
    double min_ready;
} ss_sync;

/* ---- pods --------------------------------------------------------------- */

static int ordinal_of(const char *set, const char *pod)
{
    size_t n = strlen(set);
    if (strncmp(pod, set, n) || pod[n] != '-' || !pod[n + 1])
        return -1;
    char *end;
    long v = strtol(pod + n + 1, &end, 10);
    return *end || v < 0 || v > 1000000 ? -1 : (int)v;
}

static bool phase_is(const cJSON *pod, const char *phase)
{
    const char *p = jstr(pod, "status.phase");
    return p && !strcmp(p, phase);
}

static bool running_and_ready(const cJSON *pod)
{
    return phase_is(pod, "Running") && pod_ready_live(pod);
}

static bool healthy(const cJSON *pod)
{
    return running_and_ready(pod) && !pod_terminating(pod);
}

/* A pod's revision label. A pod without one (a hand-written fixture) is taken
 * to be at the update revision, so loading a cluster does not restart it. */
static const char *revision_of(const cJSON *pod, const char *update_rev)
{
    const char *r = cJSON_GetStringValue(jfield(jget(pod, "metadata.labels"), REV_LABEL));
    return r ? r : update_rev;
}

static void set_volume_claims(ss_sync *s, cJSON *spec, const char *pod)
{
    cJSON *vcts = jget(store_doc(s->set), "spec.volumeClaimTemplates"), *vct;
    if (!cJSON_GetArraySize(vcts))
        return;
    cJSON *vols = jget(spec, "volumes");
    if (!cJSON_IsArray(vols)) {
        vols = cJSON_CreateArray();
        jset(spec, "volumes", vols);
    }
    cJSON_ArrayForEach(vct, vcts) {
        const char *name = jstr(vct, "metadata.name");
        if (!name)
            continue;
        char claim[600];
        snprintf(claim, sizeof claim, "%s-%s", name, pod);
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "name", name);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "persistentVolumeClaim"), "claimName", claim);
        int i = 0, at = -1;
        cJSON *old;
        cJSON_ArrayForEach(old, vols) {
            if (jstr(old, "name") && !strcmp(jstr(old, "name"), name))
                at = i;
            i++;
        }
        if (at >= 0)
            cJSON_ReplaceItemInArray(vols, at, v);
        else
            cJSON_AddItemToArray(vols, v);
    }
}

static void create_pod(ss_sync *s, int ord)
{
    store_obj *set = s->set;
    cJSON *pod = wl_pod_from_template(jget(store_doc(set), "spec.template"), set->ns, store_doc(set));
    char name[300], idx[16];
    snprintf(name, sizeof name, "%s-%d", set->name, ord);
    snprintf(idx, sizeof idx, "%d", ord);
    cJSON *md = jobj(pod, "metadata");
    cJSON_AddStringToObject(md, "name", name);
    cJSON *labels = jobj(md, "labels");
    jset_str(labels, REV_LABEL, s->update_rev);
    jset_str(labels, NAME_LABEL, name);
    jset_str(labels, INDEX_LABEL, idx);
    cJSONUtils_SortObjectCaseSensitive(labels);
    cJSON *spec = jobj(pod, "spec");
    jset_str(spec, "hostname", name);
    const char *svc = jstr(store_doc(set), "spec.serviceName");
    if (svc && *svc)
        jset_str(spec, "subdomain", svc);
    set_volume_claims(s, spec, name);
    wl_create(s->sc->c, K_POD, pod);
}

/* updateIdentity for labels a loaded pod may lack */
static void fix_identity(ss_sync *s, store_obj *pod, int ord)
{
    const cJSON *labels = jget(store_doc(pod), "metadata.labels");
    char idx[16];
    snprintf(idx, sizeof idx, "%d", ord);
    const char *n = cJSON_GetStringValue(jfield(labels, NAME_LABEL));
    const char *i = cJSON_GetStringValue(jfield(labels, INDEX_LABEL));
    if (n && !strcmp(n, pod->name) && i && !strcmp(i, idx))
        return;
    cJSON *doc = cJSON_Duplicate(store_doc(pod), true);
    cJSON *l = jobj(jobj(doc, "metadata"), "labels");
    jset_str(l, NAME_LABEL, pod->name);
    jset_str(l, INDEX_LABEL, idx);
    cJSONUtils_SortObjectCaseSensitive(l);
    wl_write(s->sc->c, pod, doc);
}

/* ---- revisions ----------------------------------------------------------- */

static const char *update_revision(ss_ctrl *sc, const store_obj *set)
{
    const char *uid = jstr(store_doc(set), "metadata.uid");
    char hash[16];
    int cc = (int)jnum(store_doc(set), "status.collisionCount", 0); /* upstream hashes a non-nil count */
    wl_template_hash(jget(store_doc(set), "spec.template"), cc, hash);
    revision *r;
    HASH_FIND_STR(sc->revs, uid ? uid : "", r);
    if (r && !strcmp(r->hash, hash))
        return r->name;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        snprintf(r->uid, sizeof r->uid, "%s", uid ? uid : "");
        HASH_ADD_STR(sc->revs, uid, r);
        const char *loaded = jstr(store_doc(set), "status.updateRevision");
        if (loaded && *loaded && jnum(store_doc(set), "status.observedGeneration", -1) == jnum(store_doc(set), "metadata.generation", 0)) {
            snprintf(r->hash, sizeof r->hash, "%s", hash);
            snprintf(r->name, sizeof r->name, "%s", loaded);
            return r->name;
        }
    }
    snprintf(r->hash, sizeof r->hash, "%s", hash);
    snprintf(r->name, sizeof r->name, "%s-%s", set->name, hash);
    return r->name;
}

/* ---- the sync -------------------------------------------------------------- */

/* processReplica: true when the sync must stop here (monotonic waits). */
static bool process_replica(ss_sync *s, store_obj **slot, int ord)
{
    store_obj *pod = *slot;
    if (!pod) {
        create_pod(s, ord);
        return s->monotonic;
    }
    if (pod_terminal(store_doc(pod))) {
        if (!pod_terminating(store_doc(pod)))
            wl_delete(s->sc->c, pod);
        *slot = NULL; /* it may be gone already */
        return true;
    }
    if (pod_terminating(store_doc(pod)) && s->monotonic)
        return true;
    if (!running_and_ready(store_doc(pod)) && s->monotonic)
        return true;
    if (!wl_pod_available(store_doc(pod), s->min_ready, cluster_now(s->sc->c), NULL) && s->monotonic)
        return true;
    fix_identity(s, pod, ord);
    return false;
}

static bool process_condemned(ss_sync *s, store_obj *pod, const store_obj *first_unhealthy)
{
    if (pod_terminating(store_doc(pod)))
        return s->monotonic;
    if (s->monotonic && pod != first_unhealthy &&
        (!running_and_ready(store_doc(pod)) || !wl_pod_available(store_doc(pod), s->min_ready, cluster_now(s->sc->c), NULL)))
        return true;
    wl_delete(s->sc->c, pod);
    return s->monotonic;
}

static void rolling_update(ss_sync *s, store_obj **slots, int n)
{
    const char *type = jstr(store_doc(s->set), "spec.updateStrategy.type");
    if (type && !strcmp(type, "OnDelete"))
        return;
    int partition = (int)jnum(store_doc(s->set), "spec.updateStrategy.rollingUpdate.partition", 0);
    for (int t = n - 1; t >= partition && t >= 0; t--) {
        store_obj *p = slots[t];
        if (!p)
            return;
        const char *rev = revision_of(store_doc(p), s->update_rev);
        if (strcmp(rev, s->update_rev) && !pod_terminating(store_doc(p))) {
            wl_delete(s->sc->c, p);
            return;
        }
        if (!healthy(store_doc(p)))
            return;
    }
}

static int cmp_desc_ordinal(const void *a, const void *b)
{
    return (*(const int *)b) - (*(const int *)a);
}

static void manage(ss_sync *s, store_obj **pods, size_t n)
{
    store_obj *set = s->set;
    int replicas = (int)jnum(store_doc(set), "spec.replicas", 1);
    int start = (int)jnum(store_doc(set), "spec.ordinals.start", 0);
    store_obj **slots = xcalloc(replicas + 1, sizeof *slots);
    int (*condemned)[2] = xcalloc(n + 1, sizeof *condemned); /* {ordinal, index} */
    int nc = 0;
    for (size_t i = 0; i < n; i++) {
        int ord = ordinal_of(set->name, pods[i]->name);
        if (ord >= start && ord < start + replicas)
            slots[ord - start] = pods[i];
        else if (ord >= 0) {
            condemned[nc][0] = ord;
            condemned[nc++][1] = (int)i;
        }
    }
    qsort(condemned, nc, sizeof *condemned, cmp_desc_ordinal);
    const store_obj *first_unhealthy = NULL;
    for (int i = 0; i < replicas && !first_unhealthy; i++)
        if (slots[i] && !healthy(store_doc(slots[i])))
            first_unhealthy = slots[i];
    for (int i = 0; i < nc && !first_unhealthy; i++)
        if (!healthy(store_doc(pods[condemned[i][1]])))
            first_unhealthy = pods[condemned[i][1]];
    bool stop = false;
    for (int i = 0; i < replicas && !stop; i++)
        stop = process_replica(s, &slots[i], start + i) && s->monotonic;
    for (int i = 0; i < nc && !stop; i++)
        stop = process_condemned(s, pods[condemned[i][1]], first_unhealthy) && s->monotonic;
    if (!stop)
        rolling_update(s, slots, replicas);
    free(slots);
    free(condemned);
}

static void add_nonzero(cJSON *st, const char *key, int v)
{
    if (v)
        cJSON_AddNumberToObject(st, key, v);
}

static void write_status(ss_sync *s, store_obj **pods, size_t n)
{
    const cJSON *set = store_doc(s->set);
    const char *cur = jstr(set, "status.currentRevision");
    char *current = xstrdup(cur && *cur ? cur : s->update_rev);
    int replicas = 0, ready = 0, available = 0, current_n = 0, updated = 0;
    double later = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *p = store_doc(pods[i]);
        replicas++;
        if (running_and_ready(p)) {
            ready++;
            available += wl_pod_available(p, s->min_ready, cluster_now(s->sc->c), &later);
        }
        const char *rev = revision_of(p, s->update_rev);
        if (!pod_terminating(p)) {
            current_n += !strcmp(rev, current);
            updated += !strcmp(rev, s->update_rev);
        }
    }
    const char *type = jstr(set, "spec.updateStrategy.type");
    bool rolling = !type || !strcmp(type, "RollingUpdate");
    if ((rolling && updated == replicas && ready == replicas) || !strcmp(current, s->update_rev)) {
        free(current);
        current = xstrdup(s->update_rev);
        current_n = updated;
    }
    cJSON *st = cJSON_CreateObject();
    add_nonzero(st, "observedGeneration", (int)jnum(set, "metadata.generation", 0));
    cJSON_AddNumberToObject(st, "replicas", replicas);
    add_nonzero(st, "readyReplicas", ready);
    add_nonzero(st, "currentReplicas", current_n);
    add_nonzero(st, "updatedReplicas", updated);
    cJSON_AddStringToObject(st, "currentRevision", current);
    cJSON_AddStringToObject(st, "updateRevision", s->update_rev);
    cJSON_AddNumberToObject(st, "collisionCount", jnum(set, "status.collisionCount", 0));
    cJSON *conds = jget(set, "status.conditions");
    if (cJSON_GetArraySize(conds))
        cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(conds, true));
    cJSON_AddNumberToObject(st, "availableReplicas", available);
    free(current);
    if (later > 0)
        wl_queue_after(s->sc->q, s->set->ns, s->set->name, later);
    cJSON *doc = cJSON_Duplicate(set, true);
    jset(doc, "status", st);
    wl_write(s->sc->c, s->set, doc);
}

static void sync(void *ctx, const char *ns, const char *name)
{
    ss_ctrl *sc = ctx;
    store_obj *set = store_get(sc->c->st, K_STATEFULSET, ns, name);
    if (!set)
        return;
    labelsel *sel = wl_selector(K_STATEFULSET, store_doc(set));
    if (!sel)
        return;
    size_t n;
    store_obj **pods = wl_claim(sc->c, K_POD, ns, store_doc(set), sel, &n);
    labelsel_free(sel);
    const char *policy = jstr(store_doc(set), "spec.podManagementPolicy");
    ss_sync s = {sc, set, update_revision(sc, set), !(policy && !strcmp(policy, "Parallel")),
                 jnum(store_doc(set), "spec.minReadySeconds", 0)};
    if (!jstr(store_doc(set), "metadata.deletionTimestamp")) {
        wl_record_revision(sc->c, set, s.update_rev);
        manage(&s, pods, n);
    }
    free(pods);
    /* status from the pods as they are now (created ones included) */
    sel = wl_selector(K_STATEFULSET, store_doc(set));
    pods = wl_claim(sc->c, K_POD, ns, store_doc(set), sel, &n);
    labelsel_free(sel);
    write_status(&s, pods, n);
    free(pods);
}

/* ---- events ------------------------------------------------------------------ */

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    ss_ctrl *sc = ctx;
    if (o->kind == K_STATEFULSET) {
        if (ev != STORE_DELETED) {
            wl_queue_add(sc->q, o->ns, o->name);
        } else {
            revision *r;
            const char *uid = jstr(store_doc(o), "metadata.uid");
            HASH_FIND_STR(sc->revs, uid ? uid : "", r);
            if (r) {
                HASH_DEL(sc->revs, r);
                free(r);
            }
        }
    } else if (o->kind == K_POD) {
        wl_queue_pod_owner(sc->c, sc->q, K_STATEFULSET, o, NULL);
        if (old && !jequal(jget(old, "metadata.ownerReferences"), store_get_path(o, "metadata.ownerReferences")))
            wl_queue_pod_owner(sc->c, sc->q, K_STATEFULSET, o, old);
    }
}

static void *attach(cluster *c)
{
    ss_ctrl *sc = xcalloc(1, sizeof *sc);
    sc->c = c;
    sc->q = wl_queue_new(c, sync, sc);
    store_listen(c->st, on_change, sc);
    return sc;
}

static void forget_revisions(ss_ctrl *sc)
{
    revision *r, *tmp;
    HASH_ITER(hh, sc->revs, r, tmp) {
        HASH_DEL(sc->revs, r);
        free(r);
    }
}

static void reset(void *state)
{
    ss_ctrl *sc = state;
    wl_queue_clear(sc->q);
    forget_revisions(sc);
}

static void detach(void *state)
{
    ss_ctrl *sc = state;
    wl_queue_free(sc->q);
    forget_revisions(sc);
    free(sc);
}
