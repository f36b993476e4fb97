/* kversion: the Kubernetes release evictsim answers as (--kube-version) and
 * its feature gates (--feature-gates), with every server-visible difference
 * between releases as data (docs/reference/versions.md is the table with
 * the upstream commit of each row). Owns parsing of both flags and the
 * per-release facts; decides nothing else. Pure C; no HTTP, no store. */
#ifndef EVICTSIM_KVERSION_H
#define EVICTSIM_KVERSION_H
#include <stdbool.h>
#include <cJSON.h>

#define KV_MIN 27     /* 1.27: the oldest release served */
#define KV_MAX 37     /* 1.37: the newest whose source could be read (a beta) */
#define KV_DEFAULT 36 /* 1.36: the newest stable release */

/* The gates evictsim honours, alphabetical as upstream lists them. */
typedef enum {
    G_AGGREGATED_DISCOVERY_REMOVE_BETA_TYPE,
    G_EVICTION_REQUEST_API,
    G_PDB_UNHEALTHY_POD_EVICTION_POLICY,
    G_POD_DISRUPTION_CONDITIONS,
    G_WATCH_LIST,
    G_COUNT
} kv_gate;

/* A release and the gates set on its command line. All zero is the
 * default release with default gates (so a zeroed cluster_opts works). */
typedef struct kube_version {
    int minor;         /* 27..37; 0 = KV_DEFAULT */
    unsigned set, on;  /* bit g: gate g was set, and to what */
    bool runtime_alpha; /* --runtime-config lifecycle.k8s.io/v1alpha1=true */
} kube_version;

/* The minor a kube_version stands for (0 → KV_DEFAULT). */
int kv_minor(const kube_version *v);
/* Whether gate g is on: its value on the command line, else its default in
 * this release; false when the release does not know the gate. v may be NULL
 * (the default release). */
bool kv_gate_on(const kube_version *v, kv_gate g);
/* Whether the release knows gate g. */
bool kv_gate_known(int minor, kv_gate g);
const char *kv_gate_name(kv_gate g);

/* "1.35" (or "v1.35") into *minor; -1 with *err (malloc'd, one line naming
 * the valid releases) when it is not one evictsim serves. */
int kv_parse_version(const char *s, int *minor, char **err);
/* A --feature-gates value ("Name=bool,...") applied to v for release
 * kv_minor(v), as kube-apiserver's flag takes it; -1 with *err on an unknown
 * gate (naming the valid ones), a bad value or a locked gate. */
int kv_parse_gates(kube_version *v, const char *list, char **err);
/* A --runtime-config value: only lifecycle.k8s.io/v1alpha1=true|false and
 * api/alpha=true|false are understood; -1 with *err otherwise. */
int kv_parse_runtime_config(kube_version *v, const char *list, char **err);
/* The checks kube-apiserver makes at start-up once flags are read (a gate
 * on whose API is not served); -1 with *err. */
int kv_check(const kube_version *v, char **err);

/* Whether pods get the DisruptionTarget condition (eviction, disruption controller): gate
 * PodDisruptionConditions until 1.33, always once 1.34 removed the gate. */
bool kv_pod_disruption_conditions(const kube_version *v);
/* Whether lifecycle.k8s.io/v1alpha1 (EvictionRequest, Eviction) is served. */
bool kv_eviction_request_api(const kube_version *v);

/* "v1.36.3": what /version calls gitVersion. */
const char *kv_git_version(const kube_version *v);
/* The /version document of the release. */
cJSON *kv_version_doc(const kube_version *v);
/* {"kubeVersion","gitVersion","versions":[...],"featureGates":{name: bool}} for /sim/v1/info. */
cJSON *kv_info(const kube_version *v);
/* "1.27, 1.28, ..., 1.37": the releases served. */
const char *kv_valid_list(void);
#endif
