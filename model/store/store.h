/* store: every object by kind/namespace/name (uthash), the global
 * resourceVersion counter, and change notification (for watch and the
 * controllers). Stores documents as given: no validation, no defaulting. */
#ifndef EVICTSIM_STORE_H
#define EVICTSIM_STORE_H
#include <cJSON.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <uthash.h>
#include "kinds.h"

typedef struct store_obj {
    UT_hash_handle hh;
    char *key;      /* "ns/name", or "name" for cluster-scoped kinds */
    char *ns;       /* "" for cluster-scoped */
    char *name;
    kind_id kind;
    uint64_t rv;
    /* store-private: the document (see store_doc) as a parsed tree while it
     * is cached, and in compact form once it has been trimmed from the
     * cache (NULL while only the tree is current). */
    cJSON *tree;
    unsigned char *packed;
    struct store_obj *cprev, *cnext; /* store-private: cache order */
    bool cref;                       /* store-private: read since the last trim */
    unsigned char hot; /* the STORE_* bits below, kept on every change */
    const char *ckey;  /* store-private: see store_controller_key */
    /* What a module derived from the current document (one malloc'd block,
     * no pointers out of it), so that a hot path need not read the tree
     * again: set it with store_set_aux; the store frees it, and resets it
     * to NULL, when the document changes or the object goes. */
    void *aux;
    void *bucket;   /* store-private: the object's namespace bucket */
    size_t slot;    /* store-private: its place in the bucket */
    void *owner;    /* store-private: its controller group (see store_list_controlled) */
    size_t oslot;   /* store-private: its place there */
} store_obj;

/* The object's full document, kind/apiVersion included. The store keeps
 * documents compactly (shared keys and common values, no tree) and builds
 * the tree on first use; it stays valid until the next store_trim, which
 * the cluster runs when it releases the model lock. So: never keep a
 * document, or anything inside it, past cluster_unlock. */
cJSON *store_doc_load(const store_obj *o);
static inline cJSON *store_doc(const store_obj *o)
{
    if (o->tree) {
        ((store_obj *)o)->cref = true;
        return o->tree;
    }
    return store_doc_load(o);
}

/* What the controllers ask of many objects at once, kept without the tree. */
#define STORE_DELETING 1u /* metadata.deletionTimestamp is set (not null; stored
                           * documents hold a string there or nothing) */
#define STORE_READY 2u    /* the Ready condition is True (IsPodReady) */
#define STORE_PENDING 4u  /* status.phase is "Pending" */
#define STORE_ENDED 8u    /* status.phase is "Succeeded" or "Failed" */
#define STORE_DTARGET 16u /* a DisruptionTarget condition is True, for a
                           * reason other than TerminationByKubelet */
#define STORE_NOPHASE 32u /* status.phase is not a string */
#define STORE_BOUND 64u   /* spec.nodeName is a string other than "" */
/* The uid of the object's controller (its first ownerReference with
 * controller: true); "" when it has none; NULL when that reference has no
 * string uid. Without building the tree. */
const char *store_controller_uid(const store_obj *o);
/* That controller reference (its apiVersion, kind, name and uid) as one
 * string shared by every object with the same reference, so equal
 * references have equal pointers; NULL when there is none. */
const char *store_controller_key(const store_obj *o);
/* Field i (0 apiVersion, 1 kind, 2 name, 3 uid) of the object's controller
 * reference, read from its controller key: the string (not terminated) and
 * its length, or NULL when that field is not a string or the object has no
 * controller reference. */
const char *store_controller_field(const store_obj *o, int i, size_t *len);

/* jget(store_doc(o), path) for an object path ("status.phase"), but
 * without building the whole tree when it is not cached: only the value
 * found is built, and kept until the next store_trim like a tree. */
const cJSON *store_get_path(const store_obj *o, const char *path);
/* jstr(store_doc(o), path), but read straight from the compact form (no
 * tree, no copy) when the tree is not cached; valid as long as a tree. */
const char *store_get_str(const store_obj *o, const char *path);
/* The string member key of the object at path (e.g. a label), the same way. */
const char *store_get_member_str(const store_obj *o, const char *path, const char *key);
/* fn(key, value, arg) for each member of the object at path, in order,
 * until fn returns false: value is the member's string, or NULL when it is
 * not one. From the compact form (no tree) when the tree is not cached. */
typedef bool (*store_member_fn)(const char *key, const char *value, void *arg);
void store_each_member(const store_obj *o, const char *path, store_member_fn fn, void *arg);
/* The label key of a stored object (a store_obj *), as
 * labelsel_matches_get asks for it: selectors match without a tree. */
const char *store_label(const void *o, const char *key);
/* Attach p (malloc'd, taken) as o's aux, freeing any earlier one. */
void store_set_aux(const store_obj *o, void *p);

typedef enum { STORE_ADDED, STORE_MODIFIED, STORE_DELETED } store_event;

/* Called after every change, under the model lock. `obj` is the object as
 * it is now (for DELETED: its last state, with the deletion's RV); `old` is
 * the previous document (NULL for ADDED). Neither may be kept. A listener
 * never writes to the store (it queues work for later): a write from
 * inside one aborts with a message naming the write. */
typedef void (*store_listener)(void *ctx, store_event ev, const store_obj *obj, const cJSON *old);

typedef struct store store;

store *store_new(void);
void store_free(store *s);
uint64_t store_rv(const store *s);

store_obj *store_get(store *s, kind_id k, const char *ns, const char *name);
/* Objects of kind k in namespace ns (NULL: all), sorted by namespace then
 * name. Returns a malloc'd array (free it; the objects are borrowed).
 * Costs the objects returned, not the kind's size: each namespace keeps its
 * objects in name order (new names are merged in on the next list). */
store_obj **store_list(store *s, kind_id k, const char *ns, size_t *n);
size_t store_count(store *s, kind_id k);
/* Objects of kind k in namespace ns whose controller (the first
 * ownerReference with controller: true) has this uid, sorted by name;
 * uid NULL: the objects with no controller reference. Costs what it
 * returns (an index kept on every change), for controllers that claim
 * their objects (ClaimPods) without scanning the namespace. */
store_obj **store_list_controlled(store *s, kind_id k, const char *ns, const char *uid, size_t *n);

/* Insert doc (taken) as a new object; sets metadata.resourceVersion. The
 * caller has checked that it does not exist. */
store_obj *store_insert(store *s, kind_id k, cJSON *doc);
/* Replace obj's document with doc (taken); sets a new resourceVersion. */
void store_replace(store *s, store_obj *obj, cJSON *doc);
/* One change for store_replace_paths: the member at path (object keys
 * joined by dots: "status", "spec.nodeName") becomes v (taken). */
typedef struct {
    const char *path;
    cJSON *v;
} store_change;
/* store_replace of o's document as jset at each path of a copy would make
 * it (the first member of that key replaced where there is one, else v
 * added last to the object that holds it), without the copy: the stored
 * tree is changed, and the old document the listeners get shares what did
 * not change with the new one (it is the same to read). Returns false,
 * changing and taking nothing, when it cannot: an object on a path is
 * missing or is not one, a path lies inside another, or a path is
 * metadata or metadata.resourceVersion. */
bool store_replace_paths(store *s, store_obj *o, store_change *ch, size_t n);
/* Is EVICTSIM_DOC_CHECK on (the store checks its trees as it goes)? */
bool store_checking(const store *s);
/* Remove obj and free it. */
void store_remove(store *s, store_obj *obj);

/* Loading many objects: each document is written in compact form as soon
 * as it is ready (store_stage: the caller keeps doc, whose
 * metadata.resourceVersion it empties; nothing changes in the store), and
 * the staged documents go in later without any tree (store_insert_staged
 * for a new name, store_replace_staged over an object of the same kind and
 * name; both take st and set the resourceVersion as store_insert does).
 * Listeners see the same events as for store_insert/store_replace. */
typedef struct store_staged store_staged;
store_staged *store_stage(store *s, kind_id k, cJSON *doc);
const char *store_staged_ns(const store_staged *st); /* NULL when cluster-scoped */
const char *store_staged_name(const store_staged *st);
kind_id store_staged_kind(const store_staged *st);
store_obj *store_insert_staged(store *s, store_staged *st);
void store_replace_staged(store *s, store_obj *obj, store_staged *st);
void store_staged_free(store *s, store_staged *st); /* one that does not go in */

/* Release the parsed trees beyond the store's cache budget (least recently
 * built first; a tree read since the last trim gets a second chance), after
 * writing their compact form. Only where no document pointer is held. */
size_t store_trim(store *s); /* returns how many trees it dropped */
size_t store_trim_to(store *s, size_t max_trees); /* the same with another bound */
/* Trees kept between trims (default 8192, or $EVICTSIM_DOC_CACHE).
 * Environment EVICTSIM_DOC_CHECK=1 makes every trim re-encode the trees it
 * drops and abort if one was changed in place (tests run with cache 0). */
void store_set_cache(store *s, size_t max_trees);
size_t store_cached(const store *s);

void store_listen(store *s, store_listener fn, void *ctx);
/* For tests: what a write from inside a listener calls instead of aborting
 * (NULL: abort again). */
void store_on_listener_write(void (*fn)(const char *what));

/* Extensions: derived state (indexes) kept with the store under a name,
 * freed with it by free_fn. store_ext returns NULL when none is set. */
void *store_ext(store *s, const char *name);
void store_set_ext(store *s, const char *name, void *ext, void (*free_fn)(void *));
#endif
