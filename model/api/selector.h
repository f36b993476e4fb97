/* selector: label selectors (query string and metav1.LabelSelector JSON) and
 * field selectors, with kube-apiserver 1.33's parsing, matching and messages. */
#ifndef EVICTSIM_SELECTOR_H
#define EVICTSIM_SELECTOR_H
#include <cJSON.h>
#include <stdbool.h>

typedef struct labelsel labelsel;

/* Parse a query-string label selector (already URL-decoded): `a=b`, `a==b`,
 * `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, comma-separated.
 * Empty string = matches everything. On error returns NULL and sets *err to a
 * malloc'd message with labels.Parse's text (e.g. "unable to parse requirement: ..."). */
labelsel *labelsel_parse(const char *s, char **err);

/* From a metav1.LabelSelector JSON object ({matchLabels, matchExpressions}).
 * NULL or JSON null → returns NULL with *err = NULL ("nothing": the caller
 * decides; labelsel_matches(NULL, ...) is false). `{}` → everything.
 * Invalid → NULL and *err like LabelSelectorAsSelector's error. */
labelsel *labelsel_from_json(const cJSON *sel, char **err);

/* labels: a JSON object of string values, or NULL (no labels). */
bool labelsel_matches(const labelsel *s, const cJSON *labels);
/* The same with each label's value (NULL: none) from label(obj, key). */
bool labelsel_matches_get(const labelsel *s, const char *(*label)(const void *obj, const char *key), const void *obj);
bool labelsel_is_everything(const labelsel *s);
/* A label every object s matches has, with that one value (the first
 * `k=v`, `k==v` or `k in (v)` requirement): false when there is none. For
 * indexes that look only at objects with that label. */
bool labelsel_anchor(const labelsel *s, const char **key, const char **value);
void labelsel_free(labelsel *s);

/* Validate a metav1.LabelSelector JSON as ValidateLabelSelector does.
 * Appends causes {"reason","message","field"} to the `causes` array, e.g.
 * {"reason":"FieldValueInvalid","message":"Invalid value: \"Foo\": not a valid selector operator",
 *  "field":"spec.selector.matchExpressions[0].operator"}. Returns the count added. */
int labelsel_validate_json(const cJSON *sel, const char *field_path, cJSON *causes);

typedef struct fieldsel fieldsel;

/* Parse a fieldSelector (URL-decoded) for resource `plural` ("pods", "nodes", ...):
 * `=`, `==`, `!=`, comma-separated, `\` escapes in values. Unsupported field →
 * NULL and *err as the apiserver says ("field label not supported: x", or for
 * kinds without their own list "\"x\" is not a known field selector: only
 * \"metadata.name\", \"metadata.namespace\""). Empty string = everything. */
fieldsel *fieldsel_parse(const char *s, const char *plural, char **err);
/* Values come from the object's JSON as the registry's ToSelectableFields would
 * compute them (missing = "", booleans "true"/"false"). */
bool fieldsel_matches(const fieldsel *s, const cJSON *obj);
/* The same over an object reached through get(obj, "dotted.path"), which
 * answers as walking the object's keys would (for a store object without
 * its tree built: store_get_path). */
typedef const cJSON *(*fieldsel_getter)(const void *obj, const char *path);
bool fieldsel_matches_get(const fieldsel *s, fieldsel_getter get, const void *obj);
/* If the selector is exactly one `field=value` (or ==) requirement on `field`,
 * return its value (borrowed), else NULL. */
const char *fieldsel_exact(const fieldsel *s, const char *field);
bool fieldsel_is_everything(const fieldsel *s);
void fieldsel_free(fieldsel *s);

#endif
