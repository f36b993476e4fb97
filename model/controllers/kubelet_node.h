/* kubelet_node: what the simulated kubelet reports about its own node (status:
 * nodeInfo, addresses, daemonEndpoints, capacity, the pressure conditions and
 * Ready with their heartbeats) and what it reports about a running pod
 * (hostIPs, container and init container statuses). Fills what is missing,
 * keeps what is there; the kubelet (kubelet.c) decides when. */
#ifndef EVICTSIM_KUBELET_NODE_H
#define EVICTSIM_KUBELET_NODE_H
#include <stdbool.h>
#include "cluster.h"

/* kubelet defaults: status posted every nodeStatusReportFrequency when
 * nothing changes; the node Lease renewed every leaseDuration/4. */
#define KUBELET_STATUS_REPORT_SECONDS 300.0
#define KUBELET_LEASE_SECONDS 40
#define KUBELET_LEASE_RENEW_SECONDS 10.0

/* The node's status with what its kubelet fills: every field the kubelet
 * sets, when missing (kubeletVersion: the release answered as, --kube-version); with heartbeat, every condition's lastHeartbeatTime
 * moved to now. A node without addresses gets InternalIP 10.0.x.y from
 * ++*counter. Writes only when something changes. A node whose Ready
 * condition is Unknown has no kubelet posting: nothing is written. */
void knode_status(cluster *c, store_obj *node, unsigned *counter, bool heartbeat);
/* The node's Lease in kube-node-lease, as the kubelet's lease controller
 * keeps it: created when missing (holderIdentity the node, 40 s, an owner
 * reference to the node), its renewTime moved to now. Nothing when leases
 * are not served or the node has no live kubelet. */
bool knode_lease(cluster *c, store_obj *node); /* false: leases are not served */
/* Does the kubelet still have something to fill on this node? */
bool knode_needs_fill(const store_obj *node);
/* Has the node a live kubelet (its Ready condition is not Unknown)? */
bool knode_alive(const cJSON *node);
/* The node's first InternalIP address, or NULL. */
const char *knode_internal_ip(const cJSON *node);

/* Fill a running pod's status (doc is the pod being written): hostIP(s)
 * from its node, qosClass, and an entry in containerStatuses and
 * initContainerStatuses for each container that has none (init containers
 * completed, sidecars and containers running since `when`, ready as told). */
void knode_pod_running(cJSON *doc, const cJSON *node, bool ready, const char *when);
/* A container status entry in state running (or terminated with exit code
 * 0, reason Completed, when exited), as containerd reports it. */
cJSON *knode_container_status(const cJSON *pod, const cJSON *ctr, int index, bool init, bool ready, bool exited,
                              const char *started, const char *when);
#endif
