/* workloads: the workload controllers of kube-controller-manager as the
 * simulation runs them (ReplicaSet/ReplicationController, Deployment,
 * StatefulSet, DaemonSet, garbage collector), and the helpers they share:
 * a per-controller work queue on the virtual clock, controller references,
 * pod predicates and pod creation from a template. The controllers react to
 * store events by queueing keys and do their work in a clock timer at now;
 * they never write from inside a store listener and never take the lock. */
#ifndef EVICTSIM_WORKLOADS_H
#define EVICTSIM_WORKLOADS_H
#include <stdbool.h>
#include "cluster.h"

extern const controller_ops replicaset_controller;  /* CTRL_REPLICASET (and RCs) */
extern const controller_ops deployment_controller;  /* CTRL_DEPLOYMENT */
extern const controller_ops statefulset_controller; /* CTRL_STATEFULSET */
extern const controller_ops daemonset_controller;   /* CTRL_DAEMONSET */
extern const controller_ops gc_controller;          /* always on (flag 0) */

/* ---- the work queue: keys ("ns/name") synced in sorted order ------------ */
typedef struct wl_queue wl_queue;
typedef void (*wl_sync_fn)(void *ctrl, const char *ns, const char *name);

wl_queue *wl_queue_new(cluster *c, wl_sync_fn fn, void *ctrl);
/* Queue a key for a sync at now (runs once, however often queued). */
void wl_queue_add(wl_queue *q, const char *ns, const char *name);
/* The same with a name of n bytes (not terminated). */
void wl_queue_add_n(wl_queue *q, const char *ns, const char *name, size_t n);
/* A stored pod's controller reference, from its controller key: false when
 * it has none; else *name (n bytes) when its kind is `kind` and its name a
 * string, NULL when not. */
bool wl_stored_controller(const store_obj *pod, const char *kind, const char **name, size_t *n);
/* Queue a sync of the key at virtual time `when` (e.g. minReadySeconds). */
void wl_queue_after(wl_queue *q, const char *ns, const char *name, double when);
void wl_queue_clear(wl_queue *q);
void wl_queue_free(wl_queue *q);

/* The state of a controller that is one work queue fed by a store listener
 * (deployment, daemonset, gc): wl_ctrl_attach makes it (sync gets the
 * wl_ctrl as its ctrl), and the ops table names wl_ctrl_reset and
 * wl_ctrl_free. */
typedef struct wl_ctrl {
    cluster *c;
    wl_queue *q;
} wl_ctrl;
wl_ctrl *wl_ctrl_attach(cluster *c, wl_sync_fn sync, store_listener on_change);
void wl_ctrl_reset(void *state);
void wl_ctrl_free(void *state);
/* Queue the sync of the object of `kind` in q that controls pod, as its
 * references were in doc (NULL: as stored now, read without a tree); for
 * an active pod that no controller claims, every object of that kind whose
 * selector matches its labels (it may adopt the pod). */
void wl_queue_pod_owner(cluster *c, wl_queue *q, kind_id kind, const store_obj *pod, const cJSON *doc);

/* ---- objects ------------------------------------------------------------ */
/* The ControllerRevision `name` ("<owner>-<hash>") of a StatefulSet or DaemonSet's current
 * template: made with the next revision number when missing, renumbered as the newest when an
 * older one is current again (what `kubectl rollout history` lists). */
void wl_record_revision(cluster *c, const store_obj *owner, const char *name);
/* The ownerReference with controller: true, or NULL. */
const cJSON *wl_controller_ref(const cJSON *doc);
/* Is `doc` controlled by the object with this uid? */
bool wl_controlled_by(const cJSON *doc, const char *uid);
/* o without its ownerReferences that name uid (the field goes when none
 * is left), written through wl_write. */
void wl_remove_owner_ref(cluster *c, store_obj *o, const char *uid);
/* {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true}. */
cJSON *wl_owner_ref(const cJSON *owner);

/* When the Ready condition last became True (0 when not ready). */
double wl_pod_ready_since(const cJSON *pod);
/* Ready for at least minReady seconds at now; when ready but not yet
 * available, *later gets the time it will be (if smaller than *later). */
bool wl_pod_available(const cJSON *pod, double min_ready, double now, double *later);

/* A pod document from a template (labels, annotations, finalizers, spec),
 * owned by `owner` (controller reference), in namespace ns. */
cJSON *wl_pod_from_template(const cJSON *tmpl, const char *ns, const cJSON *owner);
/* Create an object as the API would for a controller: generateName, uid,
 * creationTimestamp, defaults, initial status. Returns NULL (doc freed)
 * when the namespace refuses it or the name is taken. */
store_obj *wl_create(cluster *c, kind_id k, cJSON *doc);
/* Delete as a controller does (default grace). */
void wl_delete(cluster *c, store_obj *o);
/* Write doc (taken) over o unless it is equal; returns whether it wrote. */
bool wl_write(cluster *c, store_obj *o, cJSON *doc);
/* wl_write of o with its status replaced by st (taken); an unchanged
 * status is found without copying the document. */
bool wl_write_status(cluster *c, store_obj *o, cJSON *st);

/* Pods in namespace ns that `owner` controls, adopting orphans that match
 * `sel` and releasing controlled pods that no longer match (ClaimPods).
 * Returns a malloc'd array (sorted by name) of borrowed objects. */
struct labelsel;
store_obj **wl_claim(cluster *c, kind_id k, const char *ns, const cJSON *owner,
                     const struct labelsel *sel, size_t *n);

/* What wl_claim learnt of each object's labels against an owner's
 * selector, by object, resourceVersion and selector: a sync then reads
 * only the objects that changed since the last one. A controller keeps
 * one, forgets objects as they go, and clears it on reset. */
typedef struct wl_memo wl_memo;
wl_memo *wl_memo_new(void);
void wl_memo_forget(wl_memo *m, const store_obj *o);
void wl_memo_clear(wl_memo *m);
void wl_memo_free(wl_memo *m);
/* wl_claim with such a memo (NULL: none); selkey names the selector
 * (wl_selector_key of the owner). */
store_obj **wl_claim_memo(cluster *c, kind_id k, const char *ns, const cJSON *owner, const struct labelsel *sel,
                          wl_memo *m, uint64_t selkey, size_t *n);
/* A fingerprint of the owner's uid and selector, for wl_claim_memo. */
uint64_t wl_selector_key(const cJSON *owner);

/* The selector of a workload (RC: a plain map). NULL when invalid. */
struct labelsel *wl_selector(kind_id k, const cJSON *obj);

/* fnv32a of the canonical (key-sorted) JSON of v, written as upstream's
 * rand.SafeEncodeString(fmt.Sprint(hash)) into buf (>= 16 bytes). A
 * collision count > 0 is mixed in as upstream does. */
void wl_template_hash(const cJSON *v, int collision, char *buf);

/* Resolve an intOrString (`25%` or 2) against total, rounding up or down. */
int wl_int_or_percent(const cJSON *v, int total, bool round_up, int def);

/* Upstream condition helpers (SetDeploymentCondition semantics: a changed
 * condition moves to the end, lastTransitionTime kept when status is). */
cJSON *wl_condition(const cJSON *status, const char *type);

#endif
