/* status: builds metav1.Status bodies (errors and successes) with the exact
 * key order and texts kube-apiserver uses. Owns no state; decides nothing. */
#ifndef EVICTSIM_STATUS_H
#define EVICTSIM_STATUS_H
#include <cJSON.h>
#include <stdbool.h>
#include "kinds.h"
#include "text.h"

/* The answer of any model operation: an HTTP-level code, a body (object or
 * Status, owned), and a Retry-After in seconds (0 = no header). A producer
 * asked for text (evict_req.text) may instead leave body NULL and give the
 * body as JSON text in `text` (owned; text.s NULL when unused). */
typedef struct {
    int code;
    cJSON *body;
    int retry_after;
    strbuf text;
    cJSON *warnings; /* texts of Warning headers (an array, owned), or NULL */
} api_result;

void api_result_clear(api_result *r);
/* Add a Warning header's text (299 - "<text>") to r. */
void api_result_warn(api_result *r, const char *text);
/* Set r to a Status error (takes ownership of st, reads its code). */
void api_result_status(api_result *r, cJSON *st);
void api_result_object(api_result *r, int code, cJSON *obj);

/* {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":M,"reason":R,"code":C};
 * reason NULL or "" is omitted. */
cJSON *status_failure(int code, const char *reason, const char *message);
cJSON *status_failuref(int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* details {name, group, kind}; empty strings omitted. Returns details. */
cJSON *status_details(cJSON *st, const char *name, const char *group, const char *kind);
void status_add_cause(cJSON *st, const char *reason, const char *message, const char *field);
void status_set_retry_after(cJSON *st, int seconds);
cJSON *status_success(int code);

/* A Status as plain fields, for the answers given on every request: the
 * same document status_failure (or status_success), status_details,
 * status_add_cause and status_set_retry_after build, either as that tree
 * or written straight as its JSON text (what jprint prints of the tree,
 * byte for byte), with no tree at all. Strings are borrowed. */
typedef struct {
    int code;
    bool success;                 /* status "Success", code only */
    const char *message;          /* NULL: "" */
    const char *reason;           /* NULL or "" omitted */
    bool details;                 /* a details object, even empty (a cause makes one too) */
    const char *name, *group, *kind; /* in details (with `details`); NULL or "" omitted */
    bool cause;                   /* details.causes with one cause: */
    const char *cause_reason, *cause_message, *cause_field; /* NULL or "" omitted */
    int retry_after;              /* details.retryAfterSeconds when > 0 and there are details */
} status_fields;

cJSON *status_fields_tree(const status_fields *f);
/* Append the tree's JSON text to b. */
void status_fields_text(const status_fields *f, strbuf *b);
/* Set r to the Status f: a tree, or (as_text) its text. */
void api_result_fields(api_result *r, const status_fields *f, bool as_text);

/* The common API errors, named and worded as apimachinery's errors.go. */
cJSON *status_not_found(kind_id k, const char *name);
cJSON *status_already_exists(kind_id k, const char *name);
cJSON *status_conflict(kind_id k, const char *name, const char *why);
cJSON *status_conflict_modified(kind_id k, const char *name);
cJSON *status_bad_request(const char *message);
cJSON *status_method_not_allowed(void);
cJSON *status_unsupported_media(const char *accepted);
cJSON *status_internal(const char *message);
/* 422 Invalid: `Kind.group "name" is invalid: <causes joined>`; causes is an
 * array of {reason,message,field} (taken). */
cJSON *status_invalid(const char *kind, const char *group, const char *name, cJSON *causes);
/* Append a field error cause: reason FieldValueInvalid/FieldValueRequired/...;
 * message is built like field.Error.ErrorBody(). value_json may be NULL. */
void cause_invalid(cJSON *causes, const char *field, const char *value_json, const char *detail);
void cause_required(cJSON *causes, const char *field, const char *detail);
void cause_not_supported(cJSON *causes, const char *field, const char *value_json,
                         const char *const *supported);
void cause_forbidden(cJSON *causes, const char *field, const char *detail);
#endif
