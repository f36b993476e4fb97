/* validate: kube-apiserver 1.33 field validation of the documents evictsim stores
 * (pkg/apis/{core,apps,policy}/validation and apimachinery's object-meta and
 * DeleteOptions rules), as field causes with upstream's exact texts. */
#ifndef EVICTSIM_VALIDATE_H
#define EVICTSIM_VALIDATE_H
#include <cJSON.h>
#include "kinds.h"

/* Validate obj (a full document of kind k, defaults applied, metadata.name final)
 * for create (old == NULL) or update (old = the stored object). Appends
 * {reason,message,field} causes to `causes`; returns the number added. The caller
 * answers 422 with status_invalid(kind, group, name, causes). */
int validate_object(kind_id k, const cJSON *obj, const cJSON *old, cJSON *causes);
/* What a status write may violate (PDB counts >= 0 for policy/v1). */
int validate_status(kind_id k, const cJSON *obj, cJSON *causes);
/* metav1 ValidateDeleteOptions on a DeleteOptions JSON object (NULL = none).
 * Field paths are relative to the options ("propagationPolicy", "dryRun"). */
int validate_delete_options(const cJSON *opts, cJSON *causes);
#endif
