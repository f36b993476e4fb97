/* lifecycle: what the two lifecycle.k8s.io/v1alpha1 controllers (evictionrequest.c, the
 * evictionrequest-controller; evictor.c, the imperative responder) share: the API's constants,
 * metav1.Condition and time helpers on Eviction/EvictionRequest documents, and finding a target's
 * objects. Owns no state; decides nothing about progression (evictionrequest.c does). */
#ifndef EVICTSIM_LIFECYCLE_H
#define EVICTSIM_LIFECYCLE_H
#include <stdbool.h>
#include <cJSON.h>
#include "cluster.h"
#include "workloads.h"

#define LC_EVICTOR "imperative-eviction.k8s.io/evictor" /* EvictionResponderImperativeEviction */
#define LC_EVICTOR_PRIORITY 100
#define LC_HEARTBEAT_TIMEOUT (20 * 60.0)  /* ResponderHeartbeatTimeout */
#define LC_GRACEFUL_COMPLETION 5.0        /* GracefulCompletionDelay */
#define LC_API_VERSION "lifecycle.k8s.io/v1alpha1"

/* The element of an array of objects whose "name" is name (NULL: none). */
cJSON *lc_named(const cJSON *arr, const char *name);
/* status.conditions[type] of doc, NULL when absent. */
const cJSON *lc_condition(const cJSON *doc, const char *type);
/* Whether condition type of doc has status "True". */
bool lc_condition_true(const cJSON *doc, const char *type);
/* An Eviction (or EvictionRequest) with Failed or TargetEvicted True: nothing moves any more. */
bool lc_done(const cJSON *doc);
/* meta.SetStatusCondition on status.conditions of doc (created when missing): lastTransitionTime
 * becomes now when the status changes; returns whether anything changed. */
bool lc_set_condition(cJSON *doc, const char *type, const char *status, const char *reason,
                      const char *message, double now);
/* A metav1.Time member of o as seconds (0 when absent or unreadable). */
double lc_time(const cJSON *o, const char *key);
/* spec.target.pod.uid / .name of an Eviction or EvictionRequest ("" when absent). */
const char *lc_target_uid(const cJSON *doc);
const char *lc_target_name(const cJSON *doc);
/* The objects of kind k in ns whose target pod uid is uid, oldest first (creationTimestamp, then
 * name). Malloc'd array of borrowed objects. */
store_obj **lc_for_target(cluster *c, kind_id k, const char *ns, const char *uid, size_t *n);

/* A time remembered per pod uid (when a target went; a failed eviction's attempt). */
typedef struct lc_marks {
    struct lc_mark { char uid[64]; double at; } *v;
    size_t n, cap;
} lc_marks;
/* The time marked for uid, or NULL. */
double *lc_mark(lc_marks *m, const char *uid);
void lc_mark_set(lc_marks *m, const char *uid, double at);
void lc_mark_drop(lc_marks *m, const char *uid);

/* A lifecycle controller: a work queue fed by a store listener, attached only while
 * lifecycle.k8s.io/v1alpha1 is served (w->q stays NULL otherwise), and its marks. */
typedef struct lc_ctrl {
    wl_ctrl w;
    lc_marks marks;
} lc_ctrl;
lc_ctrl *lc_ctrl_attach(cluster *c, wl_sync_fn sync, store_listener on_change);
void lc_ctrl_reset(void *state);
void lc_ctrl_free(void *state);
#endif
