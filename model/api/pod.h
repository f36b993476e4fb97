/* pod: the one home of what a pod's document (or a stored pod's bits) says
 * of its state: ready, terminal, terminating, active. Every room asks here;
 * none spells these rules itself. Pure reads: no store writes, no HTTP. */
#ifndef EVICTSIM_POD_H
#define EVICTSIM_POD_H
#include <cJSON.h>
#include <stdbool.h>
#include "store.h"

/* status.phase, "Pending" when absent. */
const char *pod_phase(const cJSON *pod);
/* podutil.IsPodReady: a Ready condition whose status is "True". */
bool pod_ready(const cJSON *pod);
/* Succeeded or Failed. */
bool pod_terminal(const cJSON *pod);
/* metadata.deletionTimestamp is set. */
bool pod_terminating(const cJSON *pod);
/* Neither terminating nor terminal (controller.IsPodActive). */
bool pod_active(const cJSON *pod);
/* Ready and not terminal: what the workload controllers count as ready. */
bool pod_ready_live(const cJSON *pod);
/* pod_active and pod_ready_live of a stored pod, from the bits the store
 * keeps (no tree built). */
bool pod_obj_active(const store_obj *pod);
bool pod_obj_ready(const store_obj *pod);
#endif
