/* gated: the fields a feature gate that is off drops from what a client writes, as each kind's
 * strategy does in dropDisabledFields (kept when the stored object already uses them). Knows
 * the gates through model/version; decides nothing else. */
#ifndef EVICTSIM_GATED_H
#define EVICTSIM_GATED_H
#include <cJSON.h>
#include "kinds.h"
#include "kversion.h"
/* doc is about to be stored over old (NULL on create). */
void gated_drop_disabled(const kube_version *kv, kind_id k, cJSON *doc, const cJSON *old);
#endif
