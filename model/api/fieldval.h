/* fieldval: the fieldValidation of a create or update (Ignore, Warn,
 * Strict) over what the request body repeats: a field written twice is
 * kept once, the last, as Go's decoder keeps it, and reported as
 * kube-apiserver reports it (sigs.k8s.io/json's paths). Fields unknown to
 * the type are kept: evictsim has no full schema to tell them. */
#ifndef EVICTSIM_FIELDVAL_H
#define EVICTSIM_FIELDVAL_H
#include <cJSON.h>
#include "status.h"

/* NULL when value is a fieldValidation kube-apiserver accepts ("",
 * Ignore, Warn, Strict; NULL is ""), else the 422 Status naming it;
 * opts_kind: CreateOptions, UpdateOptions or PatchOptions. */
cJSON *fieldval_check_param(const char *value, const char *opts_kind);
/* Drop the earlier copies of every repeated field of doc; with Strict,
 * a 400 Status (<Kind> in version "<v>" cannot be handled as a <Kind>:
 * strict decoding error: duplicate field "..."), with Warn (or no value)
 * one warning per field added to out. NULL when the request goes on. */
cJSON *fieldval_duplicates(cJSON *doc, const char *mode, const char *kind, const char *version, api_result *out);
#endif
