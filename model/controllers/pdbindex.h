/* pdbindex: which PodDisruptionBudgets select which pods, kept up to date
 * from store changes, so that an eviction or a PDB sync never scans every
 * pod of a namespace. Derived state only: answers exactly what matching each
 * PDB's spec.selector against each pod's labels would (a null selector
 * selects nothing, {} everything, an invalid one nothing). */
#ifndef EVICTSIM_PDBINDEX_H
#define EVICTSIM_PDBINDEX_H
#include "store.h"

typedef struct pdbindex pdbindex;

/* The store's index, made (and registered as a listener) on first use. */
pdbindex *pdbindex_get(store *st);

/* PDBs in the pod's namespace that select it, sorted by name (malloc'd;
 * the objects are borrowed). The answer is remembered as the pod's aux
 * (store_set_aux; no other module sets a pod's) until the pod's document
 * changes or a PDB comes, goes or changes its selector. */
store_obj **pdbindex_pdbs_for(pdbindex *ix, const store_obj *pod, size_t *n);

/* Pods the PDB selects, sorted by name (malloc'd; borrowed objects). */
store_obj **pdbindex_pods_of(pdbindex *ix, const store_obj *pdb, size_t *n);

/* The PDB's pods that are terminating (deletionTimestamp set) or not Ready,
 * sorted by name (malloc'd; borrowed objects). */
store_obj **pdbindex_unhealthy_of(pdbindex *ix, const store_obj *pdb, size_t *n);

/* How many pods pdbindex_unhealthy_of would give, without listing them. */
size_t pdbindex_unhealthy_count(pdbindex *ix, const store_obj *pdb);

/* Whether the PDB selects the pod. */
bool pdbindex_selects(pdbindex *ix, const store_obj *pdb, const store_obj *pod);
#endif
