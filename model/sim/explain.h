/* explain: why an eviction of a pod would be answered the way it would,
 * now: which PDB covers it, the budget's numbers, which pods count as
 * healthy and why not the others, and the answer of a dry-run eviction.
 * Writes nothing and leaves the eviction log as it was. */
#ifndef EVICTSIM_EXPLAIN_H
#define EVICTSIM_EXPLAIN_H
#include <cJSON.h>
#include "cluster.h"

/* The explanation of pod ns/name as JSON:
 *   {"namespace","pod","uid","phase","ready","terminating","nodeName",
 *    "pdbs":[{"name","rule","unhealthyPodEvictionPolicy","status":{...},
 *             "computed":{...},"stale","budget","pods":[{"name","healthy","why"}]}],
 *    "decision": one line,
 *    "eviction":{"code","reason","message","causes","retryAfterSeconds","explanation"}}
 * NULL and *err (a 404 Status, owned) when the pod does not exist. */
cJSON *explain_pod(cluster *c, const char *ns, const char *name, cJSON **err);

/* The same answer as text for people (caller frees), lines ending in \n. */
char *explain_render(const cJSON *ex);

/* `evictsim explain [--server URL | --kubeconfig PATH] NAMESPACE/POD`: asks a
 * running evictsim (GET /sim/v1/explain/NS/POD) and prints the answer.
 * Returns the exit status (0 ok, 1 error, 2 usage). Implemented in
 * server/explain_route.c: it is an HTTP client, which the model must not be. */
int explain_main(int argc, char **argv);
#endif
