/* lifecycle: what the two lifecycle.k8s.io/v1alpha1 controllers (evictionrequest.c, the
 * evictionrequest-controller; evictor.c, the imperative responder) share: the API's constants,
 * metav1.Condition and time helpers on Eviction/EvictionRequest documents, and finding a target's
 * objects. Owns no state; decides nothing about progression (evictionrequest.c does). */
#ifndef EVICTSIM_LIFECYCLE_H
#define EVICTSIM_LIFECYCLE_H
#include <stdbool.h>
#include <cJSON.h>
#include "cluster.h"

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
#endif
