/* listopts: the ListOptions of a list or watch (apimachinery's
 * meta/internalversion: its query conversion, SetListOptionsDefaults and
 * ValidateListOptions), with kube-apiserver's texts. The server reads the
 * query into raw strings; this decides what they mean. No HTTP here. */
#ifndef EVICTSIM_LISTOPTS_H
#define EVICTSIM_LISTOPTS_H
#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    bool watch;
    bool allow_bookmarks;
    int send_initial;             /* -1 unset, 0 false, 1 true (a *bool) */
    const char *resource_version; /* NULL: unset */
    const char *rv_match;         /* resourceVersionMatch, NULL: unset */
    const char *cont;             /* continue, NULL: unset */
    long long limit;              /* 0: none */
    long long timeout;            /* timeoutSeconds; -1: unset */
} list_opts;

/* A query integer as apimachinery converts it (strconv.ParseInt base 10):
 * NULL and *out set, or the 400 Status naming the parse error. */
cJSON *listopts_int(const char *s, long long *out);
/* SetListOptionsDefaults, then ValidateListOptions: NULL, or the 422
 * Status (ListOptions.meta.k8s.io "" is invalid: ...). watch_list: the
 * WatchList feature gate. */
cJSON *listopts_check(list_opts *o, bool watch_list);

/* A list's continue token as the etcd3 store writes it: base64url (no
 * padding) of {"v":"meta.k8s.io/v1","rv":RV,"start":"<key after the last
 * one returned>"}, the key relative to the list's prefix. Caller frees. */
char *listopts_continue_encode(uint64_t rv, const char *last_key);
/* Its reading: NULL with *rv and *start (malloc'd; the keys to return are
 * those after it), or the 400 Status (invalid continue token: ...). */
cJSON *listopts_continue_decode(const char *token, uint64_t *rv, char **start);
#endif
