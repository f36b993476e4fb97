/* table: renders objects of one kind as a meta.k8s.io/v1 Table, column for column as kube-apiserver
 * 1.33's printers do on the server side (all columns, wide ones at priority 1). Pure functions. */
#ifndef EVICTSIM_TABLE_H
#define EVICTSIM_TABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <cJSON.h>
#include "kinds.h"

/* true when the Accept header's preferred servable range asks for `as=Table` (g=meta.k8s.io; v=v1 or v1beta1;
 * parameters in any order). A plain application/json (or * / *) range listed earlier wins over it. */
bool table_requested(const char *accept);

/* Render objects of one kind as a Table. `now` = virtual now in seconds since the epoch (Age columns),
 * `rv` = list resourceVersion (may be NULL). Each row:
 * {"cells":[...],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{...}}}
 * (plus "conditions" for Succeeded/Failed pods, as upstream). Returns a new cJSON (caller frees);
 * `objs` are not modified. NULL only for an unknown kind or out of memory. */
cJSON *table_render(kind_id kind, cJSON *const *objs, size_t n, double now, const char *rv);

/* apimachinery duration.HumanDuration of `seconds` into buf ("5s", "2m3s", "10m", "3h", "2d5h", ...). */
void table_human_duration(double seconds, char *buf, size_t len);
/* Parse an RFC3339 timestamp (fractional seconds and offsets allowed). false if malformed. */
bool table_parse_time(const char *s, double *out);
/* Age of an RFC3339 timestamp at `now`, "<unknown>" when missing or malformed. */
void table_age(const char *timestamp, double now, char *buf, size_t len);
#endif
