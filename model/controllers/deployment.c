/* deployment: the Deployment controller. Owns one ReplicaSet per pod
 * template (`<name>-<pod-template-hash>`), passes scaling through
 * (proportionally during a rollout), rolls a template change out with
 * maxSurge/maxUnavailable or Recreate, keeps revisionHistoryLimit, and writes
 * status with the Available/Progressing conditions upstream reports.
 * Mirrors pkg/controller/deployment (rolling.go, recreate.go, sync.go,
 * progress.go). Works in the queue's timer, never inside a store listener. */
#define _GNU_SOURCE
#include "workloads.h"
#include "xalloc.h"
#include "pod.h"
#include "cJSON_Utils.h"
#include "json.h"
#include "meta.h"
#include "selector.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANN_REVISION "deployment.kubernetes.io/revision"
#define ANN_DESIRED "deployment.kubernetes.io/desired-replicas"
#define ANN_MAX "deployment.kubernetes.io/max-replicas"
#define HASH_LABEL "pod-template-hash"

static void *attach(cluster *c);

const controller_ops deployment_controller = {
    .name = "deployment",
    .flag = CTRL_DEPLOYMENT,
    .attach = attach,
    .reset = wl_ctrl_reset,
    .free = wl_ctrl_free,
};

typedef wl_ctrl dep_ctrl;

typedef struct {
    store_obj *o;
    int replicas;   /* spec.replicas, as this sync has set it */
    double created;
} rsinfo;

/* One sync's view of a Deployment. */
typedef struct {
    dep_ctrl *dc;
    store_obj *d;
    int replicas, surge, unavailable;
    rsinfo *rs;  /* old ones (oldest first), then the new one last when present */
    int n;
    rsinfo *new_rs;
    char created_rs[300]; /* name of an RS created by this sync, "" if none */
} dsync;

/* ---- small helpers ------------------------------------------------------------ */

static int rs_status(const rsinfo *r, const char *field)
{
    return (int)jnum(store_doc(r->o), field, 0);
}

static int rs_revision(const store_obj *o)
{
    const cJSON *a = jget(store_doc(o), "metadata.annotations");
    const char *v = cJSON_GetStringValue(jfield(a, ANN_REVISION));
    return v ? atoi(v) : 0;
}

static bool is_rolling(const store_obj *d)
{
    const char *t = jstr(store_doc(d), "spec.strategy.type");
    return !t || strcmp(t, "Recreate");
}

/* ResolveFenceposts: surge rounds up, unavailable down; never both 0. */
static void fenceposts(dsync *s)
{
    s->surge = s->unavailable = 0;
    if (!is_rolling(s->d))
        return;
    const cJSON *ru = jget(store_doc(s->d), "spec.strategy.rollingUpdate");
    s->surge = wl_int_or_percent(jget(ru, "maxSurge"), s->replicas, true, 0);
    s->unavailable = wl_int_or_percent(jget(ru, "maxUnavailable"), s->replicas, false, 0);
    if (s->surge == 0 && s->unavailable == 0)
        s->unavailable = 1;
}

/* deploymentutil.MaxUnavailable */
static int max_unavailable(const dsync *s)
{
    if (!is_rolling(s->d) || s->replicas == 0)
        return 0;
    return s->unavailable > s->replicas ? s->replicas : s->unavailable;
}

static cJSON *template_without_hash(const cJSON *tmpl)
{
    cJSON *t = cJSON_Duplicate(tmpl, true);
    cJSON *labels = jget(t, "metadata.labels");
    if (labels) {
        cJSON_DeleteItemFromObjectCaseSensitive(labels, HASH_LABEL);
        if (!cJSON_GetArraySize(labels))
            jdel(jobj(t, "metadata"), "labels");
    }
    if (jfield(t, "metadata") && !cJSON_GetArraySize(jget(t, "metadata")))
        jdel(t, "metadata");
    return t;
}

/* EqualIgnoreHash */
static bool same_template(const cJSON *a, const cJSON *b)
{
    cJSON *x = template_without_hash(a), *y = template_without_hash(b);
    bool eq = jequal(x, y);
    cJSON_Delete(x);
    cJSON_Delete(y);
    return eq;
}

static void sort_object(cJSON *o)
{
    if (cJSON_IsObject(o))
        cJSONUtils_SortObjectCaseSensitive(o);
}

static void set_ann(cJSON *doc, const char *key, int v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d", v);
    cJSON *ann = jobj(jobj(doc, "metadata"), "annotations");
    jset_str(ann, key, buf);
    sort_object(ann);
}

/* Scale an RS (and stamp the desired/max annotations); true when the size changed. */
static bool scale_rs(dsync *s, rsinfo *r, int replicas)
{
    if (replicas < 0)
        replicas = 0;
    cJSON *doc = cJSON_Duplicate(store_doc(r->o), true);
    jset_num(jobj(doc, "spec"), "replicas", replicas);
    set_ann(doc, ANN_DESIRED, s->replicas);
    set_ann(doc, ANN_MAX, s->replicas + s->surge);
    bool changed = r->replicas != replicas;
    wl_write(s->dc->c, r->o, doc);
    r->replicas = replicas;
    return changed;
}

static int sum_replicas(const dsync *s)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->rs[i].replicas;
    return n;
}

static int sum_status(const dsync *s, const char *field)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += rs_status(&s->rs[i], field);
    return n;
}

/* ---- finding and creating the new ReplicaSet ------------------------------------- */

static int rs_created_cmp(const void *a, const void *b)
{
    const rsinfo *x = a, *y = b;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->o->name, y->o->name);
}

static double created_of(const store_obj *o)
{
    double t = 0;
    const char *s = jstr(store_doc(o), "metadata.creationTimestamp");
    return s && !clock_parse(s, &t) ? t : 0;
}

static void load_sets(dsync *s, store_obj **sets, size_t n)
{
    s->rs = xcalloc(n + 1, sizeof *s->rs);
    for (size_t i = 0; i < n; i++)
        s->rs[i] = (rsinfo){sets[i], (int)jnum(store_doc(sets[i]), "spec.replicas", 1), created_of(sets[i])};
    s->n = (int)n;
    qsort(s->rs, n, sizeof *s->rs, rs_created_cmp);
    const cJSON *tmpl = jget(store_doc(s->d), "spec.template");
    int found = -1;
    for (int i = 0; i < s->n && found < 0; i++)
        if (same_template(jget(store_doc(s->rs[i].o), "spec.template"), tmpl))
            found = i;
    if (found >= 0) { /* move the new RS to the end */
        rsinfo r = s->rs[found];
        memmove(&s->rs[found], &s->rs[found + 1], (s->n - found - 1) * sizeof *s->rs);
        s->rs[s->n - 1] = r;
        s->new_rs = &s->rs[s->n - 1];
    }
}

static int old_count(const dsync *s)
{
    return s->new_rs ? s->n - 1 : s->n;
}

static int max_old_revision(const dsync *s)
{
    int max = 0;
    for (int i = 0; i < old_count(s); i++)
        if (rs_revision(s->rs[i].o) > max)
            max = rs_revision(s->rs[i].o);
    return max;
}

/* NewRSNewReplicas */
static int new_rs_replicas(dsync *s)
{
    if (!is_rolling(s->d))
        return s->replicas;
    int current = sum_replicas(s), max_total = s->replicas + s->surge;
    int have = s->new_rs ? s->new_rs->replicas : 0;
    if (current >= max_total)
        return have;
    int up = max_total - current;
    if (up > s->replicas - have)
        up = s->replicas - have;
    return have + up;
}

static bool skipped_annotation(const char *k)
{
    static const char *const skip[] = {"kubectl.kubernetes.io/last-applied-configuration", ANN_REVISION,
                                       "deployment.kubernetes.io/revision-history", ANN_DESIRED, ANN_MAX,
                                       "deprecated.deployment.rollback.to", NULL};
    for (int i = 0; skip[i]; i++)
        if (!strcmp(k, skip[i]))
            return true;
    return false;
}

static cJSON *new_rs_doc(dsync *s, const char *hash, int replicas, int revision)
{
    const cJSON *d = store_doc(s->d);
    cJSON *tmpl = cJSON_Duplicate(jget(d, "spec.template"), true);
    cJSON *labels = jobj(jobj(tmpl, "metadata"), "labels");
    jset_str(labels, HASH_LABEL, hash);
    sort_object(labels);
    cJSON *rs = cJSON_CreateObject();
    cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
    cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
    cJSON *md = cJSON_AddObjectToObject(rs, "metadata");
    char name[300];
    snprintf(name, sizeof name, "%s-%s", s->d->name, hash);
    cJSON_AddStringToObject(md, "name", name);
    cJSON_AddStringToObject(md, "namespace", s->d->ns);
    cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(labels, true));
    cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
    cJSON *a;
    cJSON_ArrayForEach(a, jget(d, "metadata.annotations"))
        if (!skipped_annotation(a->string))
            cJSON_AddItemToObject(ann, a->string, cJSON_Duplicate(a, true));
    cJSON_AddArrayToObject(md, "ownerReferences");
    cJSON_AddItemToArray(jget(md, "ownerReferences"), wl_owner_ref(d));
    set_ann(rs, ANN_DESIRED, s->replicas);
    set_ann(rs, ANN_MAX, s->replicas + s->surge);
    set_ann(rs, ANN_REVISION, revision);
    cJSON *spec = cJSON_AddObjectToObject(rs, "spec");
    cJSON_AddNumberToObject(spec, "replicas", replicas);
    if (jnum(d, "spec.minReadySeconds", 0) > 0)
        cJSON_AddNumberToObject(spec, "minReadySeconds", jnum(d, "spec.minReadySeconds", 0));
    cJSON *sel = cJSON_Duplicate(jget(d, "spec.selector"), true);
    cJSON *ml = jobj(sel, "matchLabels");
    jset_str(ml, HASH_LABEL, hash);
    sort_object(ml);
    cJSON_AddItemToObject(spec, "selector", sel);
    cJSON_AddItemToObject(spec, "template", tmpl);
    return rs;
}

/* getNewReplicaSet(createIfNotExisted): sync revision annotations of an
 * existing new RS, or create one. */
static void ensure_new_rs(dsync *s, bool create)
{
    int revision = max_old_revision(s) + 1;
    if (s->new_rs) {
        double mrs = jnum(store_doc(s->d), "spec.minReadySeconds", 0);
        if (rs_revision(s->new_rs->o) >= revision && jnum(store_doc(s->new_rs->o), "spec.minReadySeconds", 0) == mrs)
            return; /* nothing to write: no copy */
        cJSON *doc = cJSON_Duplicate(store_doc(s->new_rs->o), true);
        if (rs_revision(s->new_rs->o) < revision)
            set_ann(doc, ANN_REVISION, revision);
        if (jnum(doc, "spec.minReadySeconds", 0) != mrs)
            jset_num(jobj(doc, "spec"), "minReadySeconds", mrs);
        wl_write(s->dc->c, s->new_rs->o, doc);
        return;
    }
    if (!create)
        return;
    int collision = cJSON_IsNumber(jget(store_doc(s->d), "status.collisionCount"))
                        ? (int)jnum(store_doc(s->d), "status.collisionCount", 0) : -1;
    for (int tries = 0; tries < 10; tries++) {
        char hash[16], name[300];
        wl_template_hash(jget(store_doc(s->d), "spec.template"), collision, hash);
        snprintf(name, sizeof name, "%s-%s", s->d->name, hash);
        if (store_get(s->dc->c->st, K_REPLICASET, s->d->ns, name)) {
            collision = collision < 0 ? 1 : collision + 1;
            continue;
        }
        int replicas = new_rs_replicas(s);
        store_obj *o = wl_create(s->dc->c, K_REPLICASET, new_rs_doc(s, hash, replicas, revision));
        if (!o)
            return;
        s->rs[s->n] = (rsinfo){o, replicas, created_of(o)};
        s->new_rs = &s->rs[s->n++];
        snprintf(s->created_rs, sizeof s->created_rs, "%s", o->name);
        if (collision >= 0) {
            cJSON *doc = cJSON_Duplicate(store_doc(s->d), true);
            jset_num(jobj(doc, "status"), "collisionCount", collision);
            wl_write(s->dc->c, s->d, doc);
        }
        return;
    }
}

/* ---- rolling update (rolling.go) ------------------------------------------------- */

static bool reconcile_new(dsync *s)
{
    rsinfo *n = s->new_rs;
    if (!n || n->replicas == s->replicas)
        return false;
    if (n->replicas > s->replicas)
        return scale_rs(s, n, s->replicas);
    return scale_rs(s, n, new_rs_replicas(s));
}

static int cleanup_unhealthy(dsync *s, int max_cleanup)
{
    int total = 0;
    for (int i = 0; i < old_count(s) && total < max_cleanup; i++) {
        rsinfo *r = &s->rs[i];
        int avail = rs_status(r, "status.availableReplicas");
        if (r->replicas == 0 || r->replicas == avail)
            continue;
        int down = max_cleanup - total;
        if (r->replicas - avail < down)
            down = r->replicas - avail;
        if (down <= 0)
            continue;
        scale_rs(s, r, r->replicas - down);
        total += down;
    }
    return total;
}

static int scale_down_old(dsync *s)
{
    int min_available = s->replicas - max_unavailable(s);
    int available = sum_status(s, "status.availableReplicas");
    if (available <= min_available)
        return 0;
    int want = available - min_available, total = 0;
    for (int i = 0; i < old_count(s) && total < want; i++) {
        rsinfo *r = &s->rs[i];
        if (r->replicas == 0)
            continue;
        int down = r->replicas < want - total ? r->replicas : want - total;
        scale_rs(s, r, r->replicas - down);
        total += down;
    }
    return total;
}

static bool reconcile_old(dsync *s)
{
    int old = 0;
    for (int i = 0; i < old_count(s); i++)
        old += s->rs[i].replicas;
    if (old == 0)
        return false;
    int min_available = s->replicas - max_unavailable(s);
    int new_unavailable = s->new_rs ? s->new_rs->replicas - rs_status(s->new_rs, "status.availableReplicas") : 0;
    int max_down = sum_replicas(s) - min_available - new_unavailable;
    if (max_down <= 0)
        return false;
    int cleaned = cleanup_unhealthy(s, max_down);
    return cleaned + scale_down_old(s) > 0;
}

/* ---- Recreate (recreate.go) ---------------------------------------------------------- */

static bool old_pods_running(dsync *s)
{
    int old = 0;
    for (int i = 0; i < old_count(s); i++)
        old += rs_status(&s->rs[i], "status.replicas");
    if (old > 0)
        return true;
    size_t np;
    store_obj **pods = store_list(s->dc->c->st, K_POD, s->d->ns, &np);
    bool running = false;
    for (size_t i = 0; i < np && !running; i++) {
        if (pod_terminal(store_doc(pods[i])))
            continue;
        for (int j = 0; j < old_count(s) && !running; j++)
            running = wl_controlled_by(store_doc(pods[i]), jstr(store_doc(s->rs[j].o), "metadata.uid"));
    }
    free(pods);
    return running;
}

/* true when it scaled something down (the caller then only syncs status) */
static bool rollout_recreate(dsync *s)
{
    bool down = false;
    for (int i = 0; i < old_count(s); i++)
        if (s->rs[i].replicas > 0)
            down |= scale_rs(s, &s->rs[i], 0);
    if (down || old_pods_running(s))
        return true;
    ensure_new_rs(s, true);
    if (s->new_rs && s->new_rs->replicas != s->replicas)
        scale_rs(s, s->new_rs, s->replicas);
    return false;
}

/* ---- scaling (sync.go scale) ------------------------------------------------------------ */

static int desired_annotation(const rsinfo *r)
{
    const cJSON *a = jget(store_doc(r->o), "metadata.annotations");
    const char *v = cJSON_GetStringValue(jfield(a, ANN_DESIRED));
    return v ? atoi(v) : -1;
}

static bool is_scaling_event(dsync *s)
{
    if (!s->new_rs)
        return false;
    for (int i = 0; i < s->n; i++) {
        int want = desired_annotation(&s->rs[i]);
        if (s->rs[i].replicas > 0 && want >= 0 && want != s->replicas)
            return true;
    }
    return false;
}

static int proportion(dsync *s, rsinfo *r, int to_add, int added)
{
    if (r->replicas == 0 || to_add == 0 || to_add == added)
        return 0;
    int fraction;
    if (s->replicas == 0) {
        fraction = -r->replicas;
    } else {
        const cJSON *a = jget(store_doc(r->o), "metadata.annotations");
        const char *v = cJSON_GetStringValue(jfield(a, ANN_MAX));
        int before = v ? atoi(v) : 0;
        if (before == 0)
            before = (int)jnum(store_doc(s->d), "status.replicas", 0);
        fraction = before ? (int)lround((double)r->replicas * (s->replicas + s->surge) / before) - r->replicas : 0;
    }
    int allowed = to_add - added;
    if (to_add > 0)
        return fraction < allowed ? fraction : allowed;
    return fraction > allowed ? fraction : allowed;
}

static int by_size_cmp(const rsinfo *x, const rsinfo *y, bool newer)
{
    if (x->replicas != y->replicas)
        return x->replicas > y->replicas ? -1 : 1;
    if (x->created != y->created)
        return (x->created > y->created) == newer ? -1 : 1;
    return strcmp(x->o->name, y->o->name);
}

static int by_size_newer(const void *a, const void *b) { return by_size_cmp(*(rsinfo *const *)a, *(rsinfo *const *)b, true); }
static int by_size_older(const void *a, const void *b) { return by_size_cmp(*(rsinfo *const *)a, *(rsinfo *const *)b, false); }

static void scale_proportionally(dsync *s)
{
    rsinfo **act = xcalloc(s->n + 1, sizeof *act);
    int na = 0;
    for (int i = 0; i < s->n; i++)
        if (s->rs[i].replicas > 0)
            act[na++] = &s->rs[i];
    int total = 0;
    for (int i = 0; i < na; i++)
        total += act[i]->replicas;
    int allowed = s->replicas > 0 ? s->replicas + s->surge : 0;
    int to_add = allowed - total, added = 0;
    if (to_add > 0)
        qsort(act, na, sizeof *act, by_size_newer);
    else if (to_add < 0)
        qsort(act, na, sizeof *act, by_size_older);
    int *size = xcalloc(na + 1, sizeof *size);
    for (int i = 0; i < na; i++) {
        int p = to_add ? proportion(s, act[i], to_add, added) : 0;
        size[i] = act[i]->replicas + p;
        added += p;
    }
    for (int i = 0; i < na; i++) {
        if (i == 0 && to_add) {
            size[0] += to_add - added;
            if (size[0] < 0)
                size[0] = 0;
        }
        scale_rs(s, act[i], size[i]);
    }
    free(size);
    free(act);
}

static void scale(dsync *s)
{
    rsinfo *active = NULL;
    int nactive = 0;
    for (int i = 0; i < s->n; i++)
        if (s->rs[i].replicas > 0) {
            active = &s->rs[i];
            nactive++;
        }
    if (nactive <= 1 && s->n > 0) {
        rsinfo *target = nactive ? active : s->new_rs ? s->new_rs : &s->rs[old_count(s) - 1];
        if (target->replicas != s->replicas)
            scale_rs(s, target, s->replicas);
        return;
    }
    rsinfo *n = s->new_rs;
    if (n && desired_annotation(n) == s->replicas && n->replicas == s->replicas &&
        rs_status(n, "status.availableReplicas") == s->replicas) {
        for (int i = 0; i < old_count(s); i++)
            if (s->rs[i].replicas > 0)
                scale_rs(s, &s->rs[i], 0);
        return;
    }
    if (is_rolling(s->d))
        scale_proportionally(s);
}

/* ---- cleanup (revisionHistoryLimit) ---------------------------------------------------------- */

static void cleanup(dsync *s)
{
    int limit = (int)jnum(store_doc(s->d), "spec.revisionHistoryLimit", 10);
    int cand = 0;
    for (int i = 0; i < old_count(s); i++)
        if (s->rs[i].replicas == 0 && rs_status(&s->rs[i], "status.replicas") == 0 &&
            !jstr(store_doc(s->rs[i].o), "metadata.deletionTimestamp"))
            cand++;
    int diff = cand - limit;
    for (int i = 0; i < old_count(s) && diff > 0; i++) {
        rsinfo *r = &s->rs[i];
        if (r->replicas || rs_status(r, "status.replicas") || jstr(store_doc(r->o), "metadata.deletionTimestamp"))
            continue;
        if (jnum(store_doc(r->o), "status.observedGeneration", 0) < jnum(store_doc(r->o), "metadata.generation", 0))
            continue;
        wl_delete(s->dc->c, r->o);
        r->o = NULL;
        diff--;
    }
    /* forget deleted sets */
    int w = 0;
    rsinfo *newp = s->new_rs;
    for (int i = 0; i < s->n; i++)
        if (s->rs[i].o) {
            if (&s->rs[i] == newp)
                s->new_rs = &s->rs[w];
            s->rs[w++] = s->rs[i];
        }
    s->n = w;
}

/* ---- status (sync.go calculateStatus, progress.go) --------------------------------------------- */

static cJSON *dep_condition(const char *type, bool ok, const char *reason, const char *msg, const char *now)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", ok ? "True" : "False");
    cJSON_AddStringToObject(c, "lastUpdateTime", now);
    cJSON_AddStringToObject(c, "lastTransitionTime", now);
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", msg);
    return c;
}

static void remove_condition(cJSON *status, const char *type)
{
    cJSON *conds = jfield(status, "conditions");
    for (int i = cJSON_GetArraySize(conds) - 1; i >= 0; i--)
        if (!strcmp(jstr(cJSON_GetArrayItem(conds, i), "type") ? jstr(cJSON_GetArrayItem(conds, i), "type") : "", type))
            cJSON_DeleteItemFromArray(conds, i);
}

/* SetDeploymentCondition (takes c) */
static void set_condition(cJSON *status, cJSON *c)
{
    const char *type = jstr(c, "type");
    cJSON *cur = wl_condition(status, type);
    if (cur && !strcmp(jstr(cur, "status"), jstr(c, "status")) && jstr(cur, "reason") &&
        !strcmp(jstr(cur, "reason"), jstr(c, "reason"))) {
        cJSON_Delete(c);
        return;
    }
    if (cur && !strcmp(jstr(cur, "status"), jstr(c, "status")) && jstr(cur, "lastTransitionTime"))
        jset_str(c, "lastTransitionTime", jstr(cur, "lastTransitionTime"));
    remove_condition(status, type);
    cJSON *conds = jfield(status, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(status, "conditions", conds);
    }
    cJSON_AddItemToArray(conds, c);
}

static void add_nonzero(cJSON *st, const char *key, int v)
{
    if (v)
        cJSON_AddNumberToObject(st, key, v);
}

static cJSON *calculate_status(dsync *s)
{
    const cJSON *old = jget(store_doc(s->d), "status");
    int available = sum_status(s, "status.availableReplicas");
    int unavailable = sum_replicas(s) - available;
    cJSON *st = cJSON_CreateObject();
    add_nonzero(st, "observedGeneration", (int)jnum(store_doc(s->d), "metadata.generation", 0));
    add_nonzero(st, "replicas", sum_status(s, "status.replicas"));
    add_nonzero(st, "updatedReplicas", s->new_rs ? rs_status(s->new_rs, "status.replicas") : 0);
    add_nonzero(st, "readyReplicas", sum_status(s, "status.readyReplicas"));
    add_nonzero(st, "availableReplicas", available);
    add_nonzero(st, "unavailableReplicas", unavailable > 0 ? unavailable : 0);
    cJSON *conds = jget(old, "conditions");
    cJSON_AddItemToObject(st, "conditions", conds ? cJSON_Duplicate(conds, true) : cJSON_CreateArray());
    if (cJSON_IsNumber(jget(old, "collisionCount")))
        cJSON_AddNumberToObject(st, "collisionCount", jnum(old, "collisionCount", 0));
    char now[32];
    clock_format(cluster_now(s->dc->c), now);
    if (*s->created_rs) {
        char msg[400];
        snprintf(msg, sizeof msg, "Created new replica set \"%s\"", s->created_rs);
        set_condition(st, dep_condition("Progressing", true, "NewReplicaSetCreated", msg, now));
    } else if (s->new_rs && !wl_condition(st, "Progressing")) {
        char msg[400];
        snprintf(msg, sizeof msg, "Found new replica set \"%s\"", s->new_rs->o->name);
        set_condition(st, dep_condition("Progressing", true, "FoundNewReplicaSet", msg, now));
    }
    if (available >= s->replicas - max_unavailable(s))
        set_condition(st, dep_condition("Available", true, "MinimumReplicasAvailable",
                                        "Deployment has minimum availability.", now));
    else
        set_condition(st, dep_condition("Available", false, "MinimumReplicasUnavailable",
                                        "Deployment does not have minimum availability.", now));
    return st;
}

static bool has_deadline(const dsync *s)
{
    const cJSON *p = jget(store_doc(s->d), "spec.progressDeadlineSeconds");
    return cJSON_IsNumber(p) && p->valuedouble < 2147483647;
}

static bool complete(const dsync *s, const cJSON *st)
{
    int r = s->replicas;
    return jnum(st, "updatedReplicas", 0) == r && jnum(st, "replicas", 0) == r &&
           jnum(st, "availableReplicas", 0) == r &&
           jnum(st, "observedGeneration", 0) >= jnum(store_doc(s->d), "metadata.generation", 0);
}

static bool progressing(const dsync *s, const cJSON *st)
{
    const cJSON *old = jget(store_doc(s->d), "status");
    double old_old = jnum(old, "replicas", 0) - jnum(old, "updatedReplicas", 0);
    double new_old = jnum(st, "replicas", 0) - jnum(st, "updatedReplicas", 0);
    return jnum(st, "updatedReplicas", 0) > jnum(old, "updatedReplicas", 0) || new_old < old_old ||
           jnum(st, "readyReplicas", 0) > jnum(old, "readyReplicas", 0) ||
           jnum(st, "availableReplicas", 0) > jnum(old, "availableReplicas", 0);
}

static double cond_time(const cJSON *c, const char *field)
{
    double t = 0;
    const char *v = jstr(c, field);
    return v && !clock_parse(v, &t) ? t : 0;
}

static bool timed_out(const dsync *s, const cJSON *st)
{
    const cJSON *c = wl_condition(st, "Progressing");
    if (!c)
        return false;
    if (jstr(c, "reason") && !strcmp(jstr(c, "reason"), "ProgressDeadlineExceeded"))
        return true;
    double deadline = jnum(store_doc(s->d), "spec.progressDeadlineSeconds", 600);
    return cond_time(c, "lastUpdateTime") + deadline < cluster_now(s->dc->c);
}

static void progress_condition(dsync *s, cJSON *st, bool ok, const char *reason, const char *fmt, bool keep_ltt)
{
    char msg[400], now[32];
    clock_format(cluster_now(s->dc->c), now);
    if (s->new_rs)
        snprintf(msg, sizeof msg, fmt, "ReplicaSet", s->new_rs->o->name);
    else
        snprintf(msg, sizeof msg, fmt, "Deployment", s->d->name);
    cJSON *c = dep_condition("Progressing", ok, reason, msg, now);
    if (keep_ltt) {
        cJSON *cur = wl_condition(st, "Progressing");
        if (cur && jstr(cur, "status") && !strcmp(jstr(cur, "status"), "True") && jstr(cur, "lastTransitionTime"))
            jset_str(c, "lastTransitionTime", jstr(cur, "lastTransitionTime"));
        remove_condition(st, "Progressing");
    }
    set_condition(st, c);
}

static void requeue_stuck(dsync *s, const cJSON *st)
{
    const cJSON *c = wl_condition(st, "Progressing");
    if (!has_deadline(s) || !c || (jstr(c, "reason") && (!strcmp(jstr(c, "reason"), "NewReplicaSetAvailable") ||
                                                          !strcmp(jstr(c, "reason"), "ProgressDeadlineExceeded"))))
        return;
    double at = cond_time(c, "lastUpdateTime") + jnum(store_doc(s->d), "spec.progressDeadlineSeconds", 600) + 1;
    if (at > cluster_now(s->dc->c))
        wl_queue_after(s->dc->q, s->d->ns, s->d->name, at);
}

static void write_status(dsync *s, bool rollout)
{
    cJSON *st = calculate_status(s);
    if (!has_deadline(s))
        remove_condition(st, "Progressing");
    const cJSON *cur = wl_condition(jget(store_doc(s->d), "status"), "Progressing");
    bool done = jnum(st, "replicas", 0) == jnum(st, "updatedReplicas", 0) && cur && jstr(cur, "reason") &&
                !strcmp(jstr(cur, "reason"), "NewReplicaSetAvailable");
    if (rollout && has_deadline(s) && !done) {
        if (complete(s, st))
            progress_condition(s, st, true, "NewReplicaSetAvailable", "%s \"%s\" has successfully progressed.", false);
        else if (progressing(s, st))
            progress_condition(s, st, true, "ReplicaSetUpdated", "%s \"%s\" is progressing.", true);
        else if (timed_out(s, st))
            progress_condition(s, st, false, "ProgressDeadlineExceeded", "%s \"%s\" has timed out progressing.", false);
    }
    if (!cJSON_GetArraySize(jget(st, "conditions")))
        jdel(st, "conditions");
    char rev[16] = "";
    if (s->new_rs) {
        snprintf(rev, sizeof rev, "%d", rs_revision(s->new_rs->o));
        const char *have = cJSON_GetStringValue(jfield(jget(store_doc(s->d), "metadata.annotations"), ANN_REVISION));
        if (have && !strcmp(have, rev))
            *rev = 0; /* already written */
    }
    bool wrote;
    if (*rev) {
        cJSON *doc = cJSON_Duplicate(store_doc(s->d), true);
        cJSON *ann = jobj(jobj(doc, "metadata"), "annotations");
        jset_str(ann, ANN_REVISION, rev);
        sort_object(ann);
        jset(doc, "status", st);
        wrote = wl_write(s->dc->c, s->d, doc);
    } else {
        wrote = wl_write_status(s->dc->c, s->d, st);
    }
    if (!wrote && rollout)
        requeue_stuck(s, jget(store_doc(s->d), "status"));
}

/* ---- sync ----------------------------------------------------------------------------------------- */

static void sync(void *ctx, const char *ns, const char *name)
{
    dep_ctrl *dc = ctx;
    store_obj *d = store_get(dc->c->st, K_DEPLOYMENT, ns, name);
    if (!d)
        return;
    labelsel *sel = wl_selector(K_DEPLOYMENT, store_doc(d));
    if (!sel || labelsel_is_everything(sel)) {
        labelsel_free(sel);
        return;
    }
    size_t n;
    store_obj **sets = wl_claim(dc->c, K_REPLICASET, ns, store_doc(d), sel, &n);
    labelsel_free(sel);
    dsync s = {.dc = dc, .d = d, .replicas = (int)jnum(store_doc(d), "spec.replicas", 1)};
    fenceposts(&s);
    load_sets(&s, sets, n);
    free(sets);
    bool rollout = false;
    if (jstr(store_doc(d), "metadata.deletionTimestamp")) {
        /* status only */
    } else if (jbool(store_doc(d), "spec.paused") || is_scaling_event(&s)) {
        ensure_new_rs(&s, false);
        scale(&s);
        if (jbool(store_doc(d), "spec.paused"))
            cleanup(&s);
    } else if (!is_rolling(d)) {
        rollout = true;
        if (!rollout_recreate(&s) && complete(&s, jget(store_doc(d), "status")))
            cleanup(&s);
    } else {
        rollout = true;
        ensure_new_rs(&s, true);
        if (!reconcile_new(&s) && !reconcile_old(&s) && complete(&s, jget(store_doc(d), "status")))
            cleanup(&s);
    }
    write_status(&s, rollout);
    free(s.rs);
}

/* ---- events ----------------------------------------------------------------------------------------- */

static void queue_rs_owner(dep_ctrl *dc, const store_obj *rs, const cJSON *doc)
{
    const cJSON *ref = wl_controller_ref(doc);
    if (ref) {
        if (jstr(ref, "kind") && !strcmp(jstr(ref, "kind"), "Deployment") && jstr(ref, "name"))
            wl_queue_add(dc->q, rs->ns, jstr(ref, "name"));
        return;
    }
    size_t n;
    store_obj **ds = store_list(dc->c->st, K_DEPLOYMENT, rs->ns, &n);
    for (size_t i = 0; i < n; i++) {
        labelsel *sel = wl_selector(K_DEPLOYMENT, store_doc(ds[i]));
        if (sel && labelsel_matches(sel, jget(doc, "metadata.labels")))
            wl_queue_add(dc->q, ds[i]->ns, ds[i]->name);
        labelsel_free(sel);
    }
    free(ds);
}

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    dep_ctrl *dc = ctx;
    if (o->kind == K_DEPLOYMENT && ev != STORE_DELETED) {
        wl_queue_add(dc->q, o->ns, o->name);
    } else if (o->kind == K_REPLICASET) {
        queue_rs_owner(dc, o, store_doc(o));
        if (old && !jequal(jget(old, "metadata.ownerReferences"), jget(store_doc(o), "metadata.ownerReferences")))
            queue_rs_owner(dc, o, old);
    } else if (o->kind == K_POD && ev == STORE_DELETED) {
        /* Recreate waits for old pods to go */
        const cJSON *ref = wl_controller_ref(store_doc(o));
        if (ref && jstr(ref, "kind") && !strcmp(jstr(ref, "kind"), "ReplicaSet") && jstr(ref, "name")) {
            store_obj *rs = store_get(dc->c->st, K_REPLICASET, o->ns, jstr(ref, "name"));
            if (rs)
                queue_rs_owner(dc, rs, store_doc(rs));
        }
    }
}

static void *attach(cluster *c)
{
    return wl_ctrl_attach(c, sync, on_change);
}

