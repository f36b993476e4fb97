/* crd: CustomResourceDefinitions (apiextensions.k8s.io/v1) and the custom resources they serve:
 * the CRD's defaults, validation and create-time status; serving its kind in the registry as soon
 * as it is stored (and no longer once it is gone, its objects with it); structural pruning,
 * defaulting and type checks of custom resources from the schema; their scale paths. */
#ifndef EVICTSIM_CRD_H
#define EVICTSIM_CRD_H
#include <cJSON.h>
#include <stdbool.h>
#include "cluster.h"

void crd_defaults(cJSON *crd);
/* The 422 causes of a CRD (create: old NULL); returns how many were added. */
int crd_validate(const cJSON *crd, const cJSON *old, cJSON *causes);
/* The status of a new CRD: names accepted and Established, or a names conflict. */
cJSON *crd_create_status(const cJSON *crd);
/* Serve the kind a stored CRD defines (its storage version); its id, or -1 when its names
 * conflict with a served resource. */
int crd_serve(const cJSON *crd);
/* Stop serving custom kinds whose CRD is not stored (after a load that failed). */
void crd_reconcile(cluster *c);

/* Custom resources of kind k: prune what the schema does not allow and apply its defaults, in
 * place; validate types and required fields (causes as validate_object). */
void crd_cr_defaults(kind_id k, cJSON *obj);
int crd_cr_validate(kind_id k, const cJSON *obj, cJSON *causes);
/* The scale subresource's paths of a custom kind (dotted: "spec.replicas"), false when it
 * declares none. selector may come back NULL. */
bool crd_scale_paths(kind_id k, char *spec, char *status, char *selector, size_t n);

/* Always on: serves each stored CRD and removes a deleted CRD's objects. */
extern const controller_ops crd_controller;
#endif
