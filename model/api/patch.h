/* patch: JSON merge patch, JSON patch and strategic merge patch over cJSON
 * documents, with kube-apiserver 1.33's status codes and messages. */
#ifndef EVICTSIM_PATCH_H
#define EVICTSIM_PATCH_H
#include <cJSON.h>

/* Each takes the current object (not modified) and the parsed patch; on success
 * returns 0 and *out = new object (caller owns; key order of `cur` is kept, new
 * keys come last). On failure returns the HTTP status kube-apiserver answers
 * (400 BadRequest, 413, 422 Invalid, 500) and *err = malloc'd message.
 * A 500 from upstream here is a plain Go error: reason "" (Unknown), not
 * InternalError. */

/* application/merge-patch+json (RFC 7386). A null/scalar patch → 400
 * "Invalid JSON Patch"; an array patch → 422. */
int patch_merge(const cJSON *cur, const cJSON *patch, cJSON **out, char **err);

/* application/json-patch+json (RFC 6902). Not an array → 400; more than 10000
 * operations → 413; any failing operation (including `test`) → 422 with
 * upstream's text "the server rejected our request due to an error in our
 * request" (the apiserver drops the json-patch detail). */
int patch_json(const cJSON *cur, const cJSON *patch, cJSON **out, char **err);

/* application/strategic-merge-patch+json: recursive map merge, null deletes,
 * merge-key lists for the built-in types (containers by name, conditions by
 * type, ...), $patch, $retainKeys, $setElementOrder/, $deleteFromPrimitiveList/.
 * No `$` directive is ever left in *out. */
int patch_strategic(const cJSON *cur, const cJSON *patch, cJSON **out, char **err);

/* The patchMergeKey of list field `field` whose enclosing object sits under
 * key `parent` ("" at the root): "" for a merge list of primitives, NULL when
 * the list is replaced as a whole. */
const char *patch_merge_key(const char *field, const char *parent);

#endif
