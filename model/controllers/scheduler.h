/* scheduler: the default scheduler as the simulation runs it. Binds Pending
 * pods without a node to a Ready, schedulable node whose labels, taints and
 * pod capacity (status.allocatable.pods) allow them; the least-loaded node
 * wins, then the first by name. A pod that fits nowhere gets PodScheduled
 * False, reason Unschedulable, with kube-scheduler 1.33's message. */
#ifndef EVICTSIM_SCHEDULER_H
#define EVICTSIM_SCHEDULER_H
#include <stdbool.h>
#include "cluster.h"

extern const controller_ops scheduler_controller;

/* A node's Ready condition is not False/Unknown (no conditions: Ready). */
bool sched_node_ready(const cJSON *node);
/* Does the toleration list tolerate this taint (v1helper.TolerationsTolerateTaint)? */
bool sched_tolerates(const cJSON *tolerations, const cJSON *taint);
/* A copy of the first taint with effect NoSchedule or NoExecute that the
 * tolerations do not tolerate (spec.taints, then the taints the node
 * lifecycle controller would add for a not-Ready or cordoned node), or NULL. */
cJSON *sched_untolerated_taint(const cJSON *tolerations, const cJSON *node);
/* nodeSelector and requiredDuringScheduling node affinity of a pod spec
 * against a node (labels and metadata.name fields). */
bool sched_node_affinity_matches(const cJSON *spec, const cJSON *node);
/* status.allocatable.pods of a node (default 110). */
int sched_node_pod_capacity(const cJSON *node);
#endif
