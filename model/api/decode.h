/* decode: the JSON decoder's type errors, as kube-apiserver answers them
 * before defaulting and validation. */
#ifndef EVICTSIM_DECODE_H
#define EVICTSIM_DECODE_H
#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include "kinds.h"

/* The error the apiserver's JSON decoder gives for a document of kind k
 * whose fields have the wrong JSON types (metadata.name a number, labels a
 * list, spec.containers an object, terminationGracePeriodSeconds a string or
 * beyond int64, ...), e.g. "Pod in version \"v1\" cannot be handled as a Pod:
 * json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name
 * of type string", or for a non-string kind/apiVersion "couldn't get
 * version/kind; json parse error: json: cannot unmarshal number into Go struct
 * field .kind of type string". NULL when the types are fine. malloc'd. The
 * caller answers 400 BadRequest with it, before any defaulting or validation. */
char *decode_check(kind_id k, const cJSON *obj);
/* Whether number v decodes into a Go int64; if not, buf gets the decoder's
 * "number <literal>" for its message. */
bool decode_int64(const cJSON *v, char *buf, size_t n);
#endif
