/* generic: defaulting, create-time status and validation of the kinds served from the registry
 * without a controller of their own (ConfigMap, Service, Job, PriorityClass, ... and custom
 * resources), as kube-apiserver 1.33's defaults.go and registry strategies do. Edits only the
 * document it is given; no store, no HTTP. */
#ifndef EVICTSIM_GENERIC_H
#define EVICTSIM_GENERIC_H
#include <cJSON.h>
#include <stdbool.h>
#include "kinds.h"

/* The defaults of kind k (a kind defaults.c does not know), in place. */
void generic_defaults(kind_id k, cJSON *obj);
/* The status a new object of kind k gets on create (NULL: keep what was sent). */
cJSON *generic_create_status(kind_id k, const cJSON *obj);
/* What the strategy's PrepareForCreate adds once the uid is known (a Job's selector and template
 * labels), in place. */
void generic_prepare_create(kind_id k, cJSON *obj);
/* ValidateObjectMeta and the kind's own rules; appends causes, returns how many. old is NULL on
 * create. */
int generic_validate(kind_id k, const cJSON *obj, const cJSON *old, cJSON *causes);
/* Does kind k keep metadata.generation (set to 1 on create, bumped when the spec changes)? */
bool generic_has_generation(kind_id k);
/* A kind served from another's objects (K_EVENT_V1 from core/v1 Events): a new document of
 * the stored kind made from one of kind k, and back. For other kinds, a copy. */
cJSON *generic_to_stored(kind_id k, const cJSON *doc);
cJSON *generic_from_stored(kind_id k, const cJSON *doc);
#endif
