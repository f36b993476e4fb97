/* fieldval: the fieldValidation of a create or update (Ignore, Warn,
 * Strict) over what the request body repeats: a field written twice is
 * kept once, the last, as Go's decoder keeps it, and reported as
 * kube-apiserver reports it (sigs.k8s.io/json's paths); a field the
 * kind's type does not have (when the server gave a schema) is reported
 * and dropped. Objects loaded from files keep every field. */
#ifndef EVICTSIM_FIELDVAL_H
#define EVICTSIM_FIELDVAL_H
#include <cJSON.h>
#include <stdbool.h>
#include "status.h"

/* NULL when value is a fieldValidation kube-apiserver accepts ("",
 * Ignore, Warn, Strict; NULL is ""), else the 422 Status naming it;
 * opts_kind: CreateOptions, UpdateOptions or PatchOptions. */
cJSON *fieldval_check_param(const char *value, const char *opts_kind);
/* How a built-in kind's JSON is read (the server's schema: protobuf
 * messages and Go's JSON names). member gives the shape of a struct's
 * member by JSON name, FV_UNKNOWN when the type has no such field; for a
 * struct, or a list or map of structs, *elem is the struct's type (NULL
 * for lists and maps of scalars). */
typedef enum { FV_UNKNOWN, FV_SCALAR, FV_ANY, FV_STRUCT, FV_LIST, FV_MAP, FV_UNTYPED } fv_shape;
typedef struct {
    const void *(*root)(const char *group, const char *version, const char *kind); /* NULL: no schema */
    fv_shape (*member)(const void *type, const char *name, const void **elem);
} fieldval_schema;
/* Set once before serving (NULL: none; only repeated fields are found). */
void fieldval_set_schema(const fieldval_schema *s);

/* Where doc comes from: a create or update body, or the result of a patch
 * (strategic, or merge / JSON patch). */
typedef enum { FV_BODY, FV_STRATEGIC, FV_PATCHED } fv_source;

/* The fields of doc its kind does not have and the fields written twice,
 * found as sigs.k8s.io/json's strict decoding finds them (in the order of
 * the body, each text once, at most 100). The earlier copies of a
 * repeated field are dropped (evictsim keeps the last; Go merges two
 * copies of an object), and so are the unknown fields (a typed decoder
 * has nowhere to put them). With Strict, a body's 400 (<Kind> in version
 * "<v>" cannot be handled as a <Kind>: strict decoding error: unknown
 * field "spec.foo", duplicate field "x"), or a patch's 422 as patch.go
 * words it (" \"\" is invalid: patch: Invalid value: \"<patch>\": strict
 * decoding error: ...", the value the patch map printed by Go's %+v for a
 * strategic patch, whose errors are sorted, else the patched object);
 * with Warn (or no value) one warning per error added to out. NULL when
 * the request goes on. group NULL: no schema (only repeats are found). */
cJSON *fieldval_check(cJSON *doc, const char *mode, const char *group, const char *version, const char *kind,
                      fv_source src, const cJSON *patch, api_result *out);
#endif
