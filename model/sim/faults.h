/* faults: fault-injection rules (docs/design.md "Fault injection"): match a
 * request by verb/resource/subresource/namespace/name and answer it with a
 * chosen Status, or delay it, a set number of times or always, first match
 * wins. Used by the server (/sim/v1/faults, --faults) and by scenarios. */
#ifndef EVICTSIM_FAULTS_H
#define EVICTSIM_FAULTS_H
#include <stdbool.h>
#include "status.h"

typedef struct faults faults;

/* What a request is, in RBAC terms. Fields may be NULL or "". */
typedef struct {
    const char *verb;        /* get list watch create update patch delete deletecollection */
    const char *resource;    /* plural: pods, poddisruptionbudgets, nodes, ... */
    const char *subresource; /* eviction, status */
    const char *ns;
    const char *name;
} fault_attrs;

faults *faults_new(void);
void faults_free(faults *f);
/* Add a rule; returns the stored rule (with id and remaining) or NULL and a
 * 400 Status in *err for a bad rule. */
cJSON *faults_add(faults *f, const cJSON *rule, cJSON **err);
/* {"items":[rule...]} */
cJSON *faults_list(const faults *f);
/* Remove rule id; false when there is none. */
bool faults_remove(faults *f, long id);
void faults_clear(faults *f);
/* The first rule that matches and has remaining uses: counts it down.
 * Returns true when it applies; *status (owned, or NULL when the rule only
 * delays) and *delay (wall seconds) say what to do. */
bool faults_match(faults *f, const fault_attrs *a, cJSON **status, double *delay);
/* Load rules from YAML/JSON text: a list of rules, or {"items":[...]}, or
 * several documents. Returns 0 or -1 with *err (malloc'd). */
int faults_load(faults *f, const char *text, size_t len, const char *source, char **err);
#endif
