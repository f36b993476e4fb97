/* kubelet: the simulated node agents. Starts pods bound to a node (Running,
 * then Ready after their ready delay), ends them (exit-after), and removes a
 * terminating pod when its shutdown or grace period ends. docs/design.md
 * "Pods in the simulation" and its sim.evictsim.io annotations are the
 * contract. */
#ifndef EVICTSIM_KUBELET_H
#define EVICTSIM_KUBELET_H
#include "cluster.h"

extern const controller_ops kubelet_controller;

/* A pod's Ready condition is True (terminal pods are never ready). */
#endif
