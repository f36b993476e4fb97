/* defaults: kube-apiserver 1.33 defaulting (pkg/apis/{core,apps}/v1/defaults.go,
 * the DefaultTolerationSeconds and Priority admission plugins, the registry
 * strategies' PrepareForCreate) applied to JSON documents in place. */
#ifndef EVICTSIM_DEFAULTS_H
#define EVICTSIM_DEFAULTS_H
#include <cJSON.h>
#include "kinds.h"

/* Fill in the defaults of a new or updated object of kind k, in place. */
void defaults_apply(kind_id k, cJSON *obj);
/* The status a new object gets on create, as the server prints it; NULL means
 * "keep what was sent" (Node) or "no status" (Event). Caller owns the result. */
cJSON *defaults_create_status(kind_id k, const cJSON *obj);
/* The defaults of a pod template's spec (spec.template.spec of a workload), in place. */
void defaults_pod_template_spec(cJSON *spec);
/* Pod QoS class ("BestEffort", "Burstable", "Guaranteed") of a pod document. */
const char *defaults_pod_qos(const cJSON *pod);
#endif
