/* evictionrequest: the lifecycle.k8s.io/v1alpha1 controllers (evictionrequest.c, evictor.c) as the
 * cluster registers them. Owns nothing else. */
#ifndef EVICTSIM_EVICTIONREQUEST_H
#define EVICTSIM_EVICTIONREQUEST_H
#include "cluster.h"
extern const controller_ops evictionrequest_controller; /* CTRL_EVICTIONREQUEST */
extern const controller_ops evictor_controller;         /* CTRL_EVICTOR */
#endif
