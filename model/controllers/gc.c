/* gc: the garbage collector. When an owner is gone, its dependents (objects
 * whose ownerReferences name its uid) are deleted in the background; an
 * owner deleting with the `orphan` finalizer has its dependents' references
 * to it removed first, one with `foregroundDeletion` waits until its
 * dependents are gone. Dependents that keep another live owner only lose
 * the dangling reference. Only an owner's disappearance (or its deletion
 * with a finalizer above) triggers it: objects loaded with references to
 * owners that were never there are left alone, so fixtures may name
 * controllers they do not include. Reacts to store events through its queue's
 * timer; never writes from a store listener. Must not decide how a delete
 * is answered (rest.c does, and puts the finalizers it acts on). */
#define _GNU_SOURCE
#include "workloads.h"
#include "xalloc.h"
#include "json.h"
#include "rest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *attach(cluster *c);

const controller_ops gc_controller = {
    .name = "garbagecollector",
    .flag = 0,
    .attach = attach,
    .reset = wl_ctrl_reset,
    .free = wl_ctrl_free,
};

typedef wl_ctrl gc;

/* Queue keys carry the kind: "<kind>:<ns>" / name. */
static void queue_obj(gc *g, kind_id k, const char *ns, const char *name)
{
    char key[300];
    snprintf(key, sizeof key, "%d:%s", (int)k, ns ? ns : "");
    wl_queue_add(g->q, key, name);
}

static bool has_finalizer(const cJSON *doc, const char *fin)
{
    cJSON *f;
    cJSON_ArrayForEach(f, jget(doc, "metadata.finalizers"))
        if (cJSON_IsString(f) && !strcmp(f->valuestring, fin))
            return true;
    return false;
}

static bool refers_to(const cJSON *doc, const char *uid)
{
    cJSON *r;
    cJSON_ArrayForEach(r, jget(doc, "metadata.ownerReferences"))
        if (jstr(r, "uid") && !strcmp(jstr(r, "uid"), uid))
            return true;
    return false;
}

/* Objects whose ownerReferences name uid: in ns, or everywhere for a
 * cluster-scoped owner. Malloc'd array of borrowed objects. */
static store_obj **dependents(gc *g, const char *ns, const char *uid, size_t *n)
{
    size_t cap = 16, cnt = 0;
    store_obj **out = xmalloc(cap * sizeof *out);
    for (int k = 0; k < kind_count(); k++) {
        if (k == K_EVENT)
            continue;
        size_t m;
        store_obj **all = store_list(g->c->st, k, ns && *ns ? ns : NULL, &m);
        for (size_t i = 0; i < m; i++) {
            if (!refers_to(store_doc(all[i]), uid))
                continue;
            if (cnt == cap)
                out = xrealloc(out, (cap *= 2) * sizeof *out);
            out[cnt++] = all[i];
        }
        free(all);
    }
    *n = cnt;
    return out;
}

static void remove_finalizer(gc *g, store_obj *o, const char *fin)
{
    cJSON *doc = cJSON_Duplicate(store_doc(o), true);
    cJSON *fins = jget(doc, "metadata.finalizers");
    for (int i = cJSON_GetArraySize(fins) - 1; i >= 0; i--) {
        cJSON *f = cJSON_GetArrayItem(fins, i);
        if (cJSON_IsString(f) && !strcmp(f->valuestring, fin))
            cJSON_DeleteItemFromArray(fins, i);
    }
    if (!cJSON_GetArraySize(fins))
        jdel(jobj(doc, "metadata"), "finalizers");
    rest_write(g->c, o, doc); /* removes the object when nothing holds it */
}

/* An owner being deleted with orphan or foreground propagation. */
static void process_owner(gc *g, store_obj *o)
{
    const char *uid = jstr(store_doc(o), "metadata.uid");
    size_t n;
    store_obj **deps = dependents(g, o->ns, uid ? uid : "", &n);
    if (has_finalizer(store_doc(o), REST_FIN_ORPHAN)) {
        for (size_t i = 0; i < n; i++)
            wl_remove_owner_ref(g->c, deps[i], uid);
        remove_finalizer(g, o, REST_FIN_ORPHAN);
    } else if (n == 0) {
        remove_finalizer(g, o, REST_FIN_FOREGROUND);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!jstr(store_doc(deps[i]), "metadata.deletionTimestamp"))
                wl_delete(g->c, deps[i]);
    }
    free(deps);
}

/* Does the owner a reference names exist (same uid)? Unknown kinds do. */
static bool owner_exists(gc *g, const store_obj *dep, const cJSON *ref)
{
    const kind_info *ki = kind_by_kind(jstr(ref, "apiVersion"), jstr(ref, "kind"));
    const char *name = jstr(ref, "name"), *uid = jstr(ref, "uid");
    if (!ki || !name)
        return true;
    if (ki->namespaced && !*dep->ns)
        return true; /* a namespaced owner of a cluster-scoped object: invalid, leave it */
    store_obj *o = store_get(g->c->st, ki->id, ki->namespaced ? dep->ns : NULL, name);
    const char *ouid = o ? jstr(store_doc(o), "metadata.uid") : NULL;
    return o && (!uid || (ouid && !strcmp(ouid, uid)));
}

static void process_dependent(gc *g, store_obj *o)
{
    const cJSON *refs = jget(store_doc(o), "metadata.ownerReferences");
    int n = cJSON_GetArraySize(refs), absent = 0;
    if (!n)
        return;
    char **gone = xcalloc(n, sizeof *gone);
    cJSON *r;
    cJSON_ArrayForEach(r, refs)
        if (!owner_exists(g, o, r) && jstr(r, "uid"))
            gone[absent++] = xstrdup(jstr(r, "uid"));
    if (absent == n) {
        if (!jstr(store_doc(o), "metadata.deletionTimestamp"))
            wl_delete(g->c, o);
    } else {
        for (int i = 0; i < absent; i++)
            if ((o = store_get(g->c->st, o->kind, *o->ns ? o->ns : NULL, o->name)))
                wl_remove_owner_ref(g->c, o, gone[i]);
    }
    for (int i = 0; i < absent; i++)
        free(gone[i]);
    free(gone);
}

static void sync(void *ctx, const char *key, const char *name)
{
    gc *g = ctx;
    char *colon = strchr(key, ':');
    if (!colon)
        return;
    kind_id k = (kind_id)atoi(key);
    const char *ns = colon + 1;
    store_obj *o = store_get(g->c->st, k, *ns ? ns : NULL, name);
    if (!o)
        return;
    if (jstr(store_doc(o), "metadata.deletionTimestamp") &&
        (has_finalizer(store_doc(o), REST_FIN_ORPHAN) || has_finalizer(store_doc(o), REST_FIN_FOREGROUND))) {
        process_owner(g, o);
        return;
    }
    process_dependent(g, o);
}

/* A dependent came or went: an owner deleting in the foreground may be done. */
static void queue_owners(gc *g, const store_obj *o)
{
    cJSON *r;
    cJSON_ArrayForEach(r, jget(store_doc(o), "metadata.ownerReferences")) {
        const kind_info *ki = kind_by_kind(jstr(r, "apiVersion"), jstr(r, "kind"));
        if (ki && jstr(r, "name"))
            queue_obj(g, ki->id, ki->namespaced ? o->ns : "", jstr(r, "name"));
    }
}

/* Kinds whose objects own others often enough to look for dependents when one goes. Looking
 * scans the namespace's objects of every kind: for the many small objects (ConfigMaps, Secrets,
 * Leases, ...) whose deletion would otherwise cost the namespace each, dependents owned by them
 * are not collected (a known difference from kube-controller-manager). */
static bool may_own(kind_id k)
{
    switch (k) {
    case K_POD: case K_EVENT: case K_CONFIGMAP: case K_SECRET: case K_LEASE: case K_ENDPOINTS:
    case K_ENDPOINTSLICE: case K_SERVICEACCOUNT: case K_CONTROLLERREVISION: case K_PRIORITYCLASS:
        return false;
    default:
        return true;
    }
}

static void on_change(void *ctx, store_event ev, const store_obj *o, const cJSON *old)
{
    gc *g = ctx;
    if (o->kind == K_EVENT)
        return;
    if (ev == STORE_DELETED) {
        const char *uid = jstr(store_doc(o), "metadata.uid");
        if (uid && may_own(o->kind)) {
            size_t n;
            store_obj **deps = dependents(g, o->ns, uid, &n);
            for (size_t i = 0; i < n; i++)
                queue_obj(g, deps[i]->kind, deps[i]->ns, deps[i]->name);
            free(deps);
        }
        queue_owners(g, o);
        return;
    }
    bool deleting = store_get_str(o, "metadata.deletionTimestamp") != NULL;
    if (deleting && (has_finalizer(store_doc(o), REST_FIN_ORPHAN) || has_finalizer(store_doc(o), REST_FIN_FOREGROUND)))
        queue_obj(g, o->kind, o->ns, o->name);
    if (deleting && (!old || !jstr(old, "metadata.deletionTimestamp")))
        queue_owners(g, o);
}

static void *attach(cluster *c)
{
    return wl_ctrl_attach(c, sync, on_change);
}

