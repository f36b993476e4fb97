/* lcvalidate: the validation of lifecycle.k8s.io/v1alpha1 EvictionRequest and Eviction specs
 * (KEP-4563 as merged, docs/reference/eviction-request.md) and of the pod's
 * spec.evictionResponders. Adds field causes; decides nothing else. */
#ifndef EVICTSIM_LCVALIDATE_H
#define EVICTSIM_LCVALIDATE_H
#include <cJSON.h>
#include "kinds.h"
/* obj on create (old NULL) or update of kind k (K_EVICTIONREQUEST, K_EVICTION). */
void lc_validate(kind_id k, const cJSON *obj, const cJSON *old, cJSON *causes);
/* spec.evictionResponders of a pod on create (each a prefixed label key outside the reserved
 * domains, priority 0-100000 and not 0-999, names unique, at most 10). */
void lc_validate_pod_responders(const cJSON *pod, cJSON *causes);
#endif
