/* registry: the generic kinds' behaviour that needs the cluster (Scale, pods/binding, pods/log,
 * access reviews, PriorityClass admission) and the objects every cluster has from the start. */
#ifndef EVICTSIM_REGISTRY_H
#define EVICTSIM_REGISTRY_H
#include "rest.h"

/* GET, PUT or PATCH of <kind>/<name>/scale (an autoscaling/v1 Scale). */
void registry_scale(cluster *c, const rest_req *rq, bool dry, api_result *out);
/* POST of pods/<name>/binding or of bindings: binds the pod to target.name; 201 Success. */
void registry_bind(cluster *c, const rest_req *rq, bool dry, api_result *out);
/* POST serviceaccounts/NAME/token: a TokenRequest answered with a token
 * shaped as the apiserver's (a JWT of its claims; its signature is random
 * bytes: nothing here verifies it). */
void registry_token(cluster *c, const rest_req *rq, api_result *out);
/* The log of a pod's container (its sim.evictsim.io/log annotation, else empty), malloc'd; NULL
 * with *st (a 404 or 400 Status) when there is no such pod or container. */
char *registry_pod_log(cluster *c, const char *ns, const char *name, const char *container, cJSON **st);
/* POST of a SelfSubjectAccessReview, SelfSubjectRulesReview or SelfSubjectReview: 201, allowed. */
void registry_review(cluster *c, const rest_req *rq, api_result *out);
/* Priority admission of a new pod (spec.priority and preemptionPolicy from its PriorityClass or
 * the global default), in place; NULL, or the 403 Status that refuses it. */
cJSON *registry_admit_pod(cluster *c, cJSON *pod);
/* Always on: keeps the objects present from the start (see registry.c). */
extern const controller_ops registry_controller;
#endif
