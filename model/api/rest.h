/* rest: the generic Kubernetes verbs over the store (get, list, create,
 * update, patch, delete, deletecollection, and the status subresource) with
 * kube-apiserver's metadata, concurrency, dry-run and error rules. The server
 * parses HTTP into a rest_req and serialises the api_result. */
#ifndef EVICTSIM_REST_H
#define EVICTSIM_REST_H
#include <stdbool.h>
#include <stddef.h>
#include "cluster.h"

/* The finalizers a delete puts on an object for the garbage collector
 * (propagationPolicy Orphan / orphanDependents, and Foreground). */
#define REST_FIN_ORPHAN "orphan"
#define REST_FIN_FOREGROUND "foregroundDeletion"

typedef enum { V_GET, V_LIST, V_CREATE, V_UPDATE, V_PATCH, V_DELETE, V_DELETECOLLECTION } rest_verb;

typedef enum { BODY_NONE, BODY_JSON, BODY_YAML, BODY_MERGE_PATCH, BODY_JSON_PATCH,
               BODY_STRATEGIC_PATCH, BODY_APPLY_PATCH, BODY_PROTOBUF, BODY_OTHER } body_type;

/* The subresource addressed (besides eviction, which has its own route). */
typedef enum { RS_NONE, RS_STATUS, RS_SCALE, RS_BINDING, RS_TOKEN } rest_sub;

typedef struct {
    rest_verb verb;
    kind_id kind;
    const char *ns;    /* NULL: cluster-scoped, or all namespaces for list */
    const char *name;
    bool status;       /* the status subresource */
    rest_sub sub;      /* RS_STATUS when status is set; RS_NONE: the object itself */
    body_type body_type;
    const char *body;
    size_t body_len;
    cJSON *delete_options; /* DELETE: options already decoded (the scenario runner; borrowed) */
    /* query parameters, raw (URL-decoded) or NULL */
    const char *label_selector;
    const char *field_selector;
    const char *dry_run;
    const char *grace_period;
    const char *propagation_policy;
    const char *field_manager;
    const char *force;
    long long limit;   /* list: at most this many items (0: all) */
    const char *cont;  /* list: the continue token of the previous page */
    const char *field_validation; /* create, update, patch: Ignore, Warn (""), Strict */
} rest_req;

void rest_handle(cluster *c, const rest_req *rq, api_result *out);
/* The finalizer a delete with these DeleteOptions puts on the object for the
 * garbage collector (REST_FIN_ORPHAN for propagationPolicy Orphan or the
 * legacy orphanDependents: true, REST_FIN_FOREGROUND for Foreground), or
 * NULL when none is needed or the object's metadata.finalizers (given)
 * already has it. */
const char *rest_delete_finalizer(const cJSON *opts, const cJSON *finalizers);

/* Pieces shared with the eviction handler and the controllers. */
/* Decode a request body into JSON; on error returns NULL and sets *st. */
cJSON *rest_decode_body(body_type t, const char *body, size_t len, cJSON **st);
/* Check the dryRun query values: NULL when fine (sets *dry), else a 422 Status. */
cJSON *rest_check_dry_run(const char *raw, const char *kind, bool *dry);
/* Delete an object as the API does (graceful for pods, finalizers hold).
 * opts may be NULL. On success fills out with the answer the DELETE gives. */
void rest_delete_object(cluster *c, store_obj *o, const cJSON *opts, bool dry, api_result *out);
/* The same for callers that answer with their own Status (the eviction): a
 * success sets only out->code, sparing a copy of the object. */
void rest_delete_object_code(cluster *c, store_obj *o, const cJSON *opts, bool dry, api_result *out);
/* Write `doc` (taken) over o as an update would, with no validation; for
 * controllers. Removes the object when it is deleting and its finalizers are
 * gone. */
void rest_write(cluster *c, store_obj *o, cJSON *doc);
/* rest_write of o's document with each change made to a copy of it (jset
 * at the path, see store_replace_paths), without copying the document
 * when it can: for the controllers' writes of a status or a field. Paths
 * do not go into metadata. */
void rest_write_paths(cluster *c, store_obj *o, store_change *ch, size_t n);
/* The same for one path. */
void rest_write_path(cluster *c, store_obj *o, const char *path, cJSON *v);
/* For a controller that rewrites one object member (key: "status"): a
 * document that reads as o's, whose member key is a copy to change; the
 * rest of it stands for the stored document and must not be changed: its
 * members are views of the stored tree, so a change there is either lost
 * or made to the stored tree behind the store's back. Other changes go in
 * more[]. rest_edit_write writes it (the member, and the nmore changes
 * given, as rest_write_paths) and frees it. */
cJSON *rest_edit_begin(store_obj *o, const char *key);
void rest_edit_write(cluster *c, store_obj *o, cJSON *edit, const char *key, store_change *more, size_t nmore);
/* The namespace check every create runs: NULL, or a 404/403 Status. */
cJSON *rest_namespace_admission(cluster *c, kind_id k, const char *ns, const char *name);
/* The patch function of a patch body type (merge, JSON, strategic), NULL for others (apply). */
typedef int (*rest_patch_fn)(const cJSON *cur, const cJSON *patch, cJSON **out, char **err);
rest_patch_fn rest_patch_function(body_type t);
/* The Status of a failed patch (code and message from the patch function). */
cJSON *rest_patch_error(int code, const char *err);
/* The answer of a list: {kind: <Kind>List, apiVersion, metadata:{resourceVersion}, items}. */
cJSON *rest_list_doc(cluster *c, kind_id k, store_obj **objs, size_t n);
#endif
