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
/* The error the apiserver's JSON decoder gives for a document of kind k
 * whose fields have the wrong JSON types (metadata.name a number, labels a
 * list, spec.containers an object, terminationGracePeriodSeconds a string or
 * beyond int64, ...), e.g. "Pod in version \"v1\" cannot be handled as a Pod:
 * json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name
 * of type string", or for a non-string kind/apiVersion "couldn't get
 * version/kind; json parse error: json: cannot unmarshal number into Go struct
 * field .kind of type string". NULL when the types are fine. malloc'd. The
 * caller answers 400 BadRequest with it, before any defaulting or validation. */
char *validate_decode_error(kind_id k, const cJSON *obj);
/* Whether number v decodes into a Go int64; if not, buf gets the decoder's
 * "number <literal>" for its message. */
bool validate_int64(const cJSON *v, char *buf, size_t n);
#endif
