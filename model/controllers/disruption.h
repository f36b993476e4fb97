/* disruption: PodDisruptionBudget status as kube-controller-manager's
 * disruption controller computes it (expectedPods, currentHealthy,
 * desiredHealthy, disruptionsAllowed, disruptedPods, observedGeneration, the
 * DisruptionAllowed condition), its Events, and the stale DisruptionTarget
 * pod-condition cleanup. Runs on the virtual clock. */
#ifndef EVICTSIM_DISRUPTION_H
#define EVICTSIM_DISRUPTION_H
#include <cJSON.h>
#include "cluster.h"

/* Upstream DeletionTimeout / stalePodDisruptionTimeout (seconds). */
#define PDB_DELETION_TIMEOUT 120.0
#define PDB_STALE_POD_TIMEOUT 120.0

extern const controller_ops disruption_controller;

/* The status the controller would leave on `pdb` if it synced now (nothing is
 * written, no Event is emitted). *status_out (caller frees) is the whole
 * status after the sync: the current one when nothing would change, the
 * failSafe one when the computation fails. If explain is not NULL, *explain
 * (caller frees) gets a one-line account such as
 * "minAvailable 2 of 3 expected; 2 healthy (web-1 not ready); desired 2 → 0 disruptions allowed".
 * Returns 1 when the controller would write the status, 0 when it would not,
 * -1 when it would fail safe (SyncFailed; it writes then). */
int pdb_compute(cluster *c, const store_obj *pdb, cJSON **status_out, char **explain);

/* Sync every PDB now, in namespace/name order (tests, loading). A no-op when
 * the controller is not running. */
void disruption_sync_now(cluster *c);
#endif
