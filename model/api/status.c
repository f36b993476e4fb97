/* status: metav1.Status construction, verbatim apimachinery texts.
 * Must not decide semantics: callers pick which error applies. */
#define _GNU_SOURCE
#include "status.h"
#include "xalloc.h"
#include "json.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_result_clear(api_result *r)
{
    cJSON_Delete(r->body);
    cJSON_Delete(r->warnings);
    free(r->text.s);
    memset(r, 0, sizeof *r);
}

void api_result_warn(api_result *r, const char *text)
{
    if (!r->warnings)
        r->warnings = cJSON_CreateArray();
    cJSON_AddItemToArray(r->warnings, cJSON_CreateString(text));
}

static void drop_text(api_result *r)
{
    free(r->text.s);
    r->text = (strbuf){0};
}

void api_result_status(api_result *r, cJSON *st)
{
    cJSON_Delete(r->body);
    drop_text(r);
    r->body = st;
    r->code = cJSON_GetObjectItem(st, "code") ? cJSON_GetObjectItem(st, "code")->valueint : 500;
    cJSON *d = cJSON_GetObjectItem(st, "details");
    cJSON *ra = d ? cJSON_GetObjectItem(d, "retryAfterSeconds") : NULL;
    r->retry_after = ra ? ra->valueint : 0;
}

void api_result_object(api_result *r, int code, cJSON *obj)
{
    cJSON_Delete(r->body);
    drop_text(r);
    r->body = obj;
    r->code = code;
    r->retry_after = 0;
}

/* Every Status is built on each refused request, so its fixed keys are
 * constant (cJSON_AddItemToObjectCS: no copy) and so are the fixed values
 * (string references; cJSON_Delete frees neither, cJSON_Duplicate copies). */
static void put_cs(cJSON *o, const char *key, cJSON *v)
{
    cJSON_AddItemToObjectCS(o, key, v);
}

/* status: a string literal ("Failure", "Success"). */
static cJSON *status_base(const char *status)
{
    cJSON *st = cJSON_CreateObject();
    put_cs(st, "kind", cJSON_CreateStringReference("Status"));
    put_cs(st, "apiVersion", cJSON_CreateStringReference("v1"));
    put_cs(st, "metadata", cJSON_CreateObject());
    put_cs(st, "status", cJSON_CreateStringReference(status));
    return st;
}

cJSON *status_failure(int code, const char *reason, const char *message)
{
    cJSON *st = status_base("Failure");
    put_cs(st, "message", cJSON_CreateString(message ? message : ""));
    if (reason && *reason)
        put_cs(st, "reason", cJSON_CreateString(reason));
    put_cs(st, "code", cJSON_CreateNumber(code));
    return st;
}

cJSON *status_failuref(int code, const char *reason, const char *fmt, ...)
{
    char *buf = NULL; /* unbounded: a message naming a 5000-byte name is not cut */
    va_list ap;
    va_start(ap, fmt);
    buf = xvasprintf(fmt, ap);
    va_end(ap);
    cJSON *st = status_failure(code, reason, buf ? buf : "");
    free(buf);
    return st;
}

static cJSON *details_of(cJSON *st)
{
    cJSON *d = cJSON_GetObjectItem(st, "details");
    if (d)
        return d;
    d = cJSON_CreateObject();
    /* details goes before code, as in metav1.Status field order */
    cJSON *code = cJSON_DetachItemFromObject(st, "code");
    cJSON_AddItemToObject(st, "details", d);
    if (code)
        cJSON_AddItemToObject(st, "code", code);
    return d;
}

cJSON *status_details(cJSON *st, const char *name, const char *group, const char *kind)
{
    cJSON *d = details_of(st);
    if (name && *name)
        cJSON_AddStringToObject(d, "name", name);
    if (group && *group)
        cJSON_AddStringToObject(d, "group", group);
    if (kind && *kind)
        cJSON_AddStringToObject(d, "kind", kind);
    return d;
}

void status_add_cause(cJSON *st, const char *reason, const char *message, const char *field)
{
    cJSON *d = details_of(st);
    cJSON *causes = cJSON_GetObjectItem(d, "causes");
    if (!causes) {
        causes = cJSON_CreateArray();
        cJSON *ra = cJSON_DetachItemFromObject(d, "retryAfterSeconds");
        cJSON_AddItemToObject(d, "causes", causes);
        if (ra)
            cJSON_AddItemToObject(d, "retryAfterSeconds", ra);
    }
    cJSON *c = cJSON_CreateObject();
    if (reason && *reason)
        put_cs(c, "reason", cJSON_CreateString(reason));
    if (message && *message)
        put_cs(c, "message", cJSON_CreateString(message));
    if (field && *field)
        put_cs(c, "field", cJSON_CreateString(field));
    cJSON_AddItemToArray(causes, c);
}

void status_set_retry_after(cJSON *st, int seconds)
{
    cJSON *d = details_of(st);
    cJSON_DeleteItemFromObject(d, "retryAfterSeconds");
    if (seconds > 0)
        cJSON_AddNumberToObject(d, "retryAfterSeconds", seconds);
}

cJSON *status_success(int code)
{
    cJSON *st = status_base("Success");
    put_cs(st, "code", cJSON_CreateNumber(code));
    return st;
}

/* A cause makes a details object too. */
static bool has_details(const status_fields *f)
{
    return !f->success && (f->details || f->cause);
}

static int fields_retry(const status_fields *f)
{
    return has_details(f) && f->retry_after > 0 ? f->retry_after : 0;
}

cJSON *status_fields_tree(const status_fields *f)
{
    if (f->success)
        return status_success(f->code);
    cJSON *st = status_failure(f->code, f->reason, f->message);
    if (f->details)
        status_details(st, f->name, f->group, f->kind);
    if (f->cause)
        status_add_cause(st, f->cause_reason, f->cause_message, f->cause_field);
    if (fields_retry(f))
        status_set_retry_after(st, f->retry_after);
    return st;
}

/* A string literal, without strlen. */
#define PUT_LIT(b, lit) strbuf_putn((b), (lit), sizeof(lit) - 1)

/* "key":"s" (after a comma unless first) when s is not empty; key is a
 * literal with its quotes and colon. */
#define PUT_OPT(b, key, s, first)                                                                                   \
    do {                                                                                                            \
        if ((s) && *(s)) {                                                                                          \
            if (!*(first))                                                                                          \
                strbuf_putc((b), ',');                                                                              \
            *(first) = false;                                                                                       \
            PUT_LIT((b), key);                                                                                      \
            jprint_string((b), (s));                                                                                \
        }                                                                                                           \
    } while (0)

void status_fields_text(const status_fields *f, strbuf *b)
{
    strbuf_room(b, 256); /* the usual Status in one allocation */
    if (f->success) {
        PUT_LIT(b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":");
        jprint_long(b, f->code);
        strbuf_putc(b, '}');
        return;
    }
    PUT_LIT(b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":");
    jprint_string(b, f->message ? f->message : "");
    if (f->reason && *f->reason) {
        PUT_LIT(b, ",\"reason\":");
        jprint_string(b, f->reason);
    }
    if (has_details(f)) {
        bool first = true;
        PUT_LIT(b, ",\"details\":{");
        if (f->details) {
            PUT_OPT(b, "\"name\":", f->name, &first);
            PUT_OPT(b, "\"group\":", f->group, &first);
            PUT_OPT(b, "\"kind\":", f->kind, &first);
        }
        if (f->cause) {
            bool cfirst = true;
            if (!first)
                strbuf_putc(b, ',');
            PUT_LIT(b, "\"causes\":[{");
            PUT_OPT(b, "\"reason\":", f->cause_reason, &cfirst);
            PUT_OPT(b, "\"message\":", f->cause_message, &cfirst);
            PUT_OPT(b, "\"field\":", f->cause_field, &cfirst);
            PUT_LIT(b, "}]");
            first = false;
        }
        if (f->retry_after > 0) {
            if (!first)
                strbuf_putc(b, ',');
            PUT_LIT(b, "\"retryAfterSeconds\":");
            jprint_long(b, f->retry_after);
        }
        strbuf_putc(b, '}');
    }
    PUT_LIT(b, ",\"code\":");
    jprint_long(b, f->code);
    strbuf_putc(b, '}');
}

void api_result_fields(api_result *r, const status_fields *f, bool as_text)
{
    if (!as_text) {
        api_result_status(r, status_fields_tree(f));
        return;
    }
    cJSON_Delete(r->body);
    r->body = NULL;
    r->text.len = 0;
    status_fields_text(f, &r->text);
    r->code = f->code;
    r->retry_after = fields_retry(f);
}

/* group-qualified resource as errors.go prints it: pods, poddisruptionbudgets.policy */
static cJSON *named_error(int code, const char *reason, kind_id k, const char *name, const char *what)
{
    const kind_info *ki = kind_get(k);
    cJSON *st = status_failuref(code, reason, "%s \"%s\" %s", kind_qualified(k), name, what);
    status_details(st, name, ki->group, ki->plural);
    return st;
}

cJSON *status_not_found(kind_id k, const char *name)
{
    return named_error(404, "NotFound", k, name, "not found");
}

cJSON *status_already_exists(kind_id k, const char *name)
{
    return named_error(409, "AlreadyExists", k, name, "already exists");
}

cJSON *status_conflict(kind_id k, const char *name, const char *why)
{
    const kind_info *ki = kind_get(k);
    cJSON *st = status_failuref(409, "Conflict", "Operation cannot be fulfilled on %s \"%s\": %s",
                                kind_qualified(k), name, why);
    status_details(st, name, ki->group, ki->plural);
    return st;
}

cJSON *status_conflict_modified(kind_id k, const char *name)
{
    return status_conflict(k, name, "the object has been modified; please apply your changes "
                                    "to the latest version and try again");
}

cJSON *status_bad_request(const char *message)
{
    return status_failure(400, "BadRequest", message);
}

cJSON *status_method_not_allowed(void)
{
    cJSON *st = status_failure(405, "MethodNotAllowed",
                               "the server does not allow this method on the requested resource");
    status_details(st, NULL, NULL, NULL);
    return st;
}

cJSON *status_unsupported_media(const char *accepted)
{
    return status_failuref(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media types include: %s",
                           accepted);
}

cJSON *status_internal(const char *message)
{
    return status_failure(500, "InternalError", message);
}

cJSON *status_invalid(const char *kind, const char *group, const char *name, cJSON *causes)
{
    size_t cap = 256, len = 0;
    int n = cJSON_GetArraySize(causes);
    char *msg = xmalloc(cap);
    msg[0] = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, causes) {
        const char *f = cJSON_GetStringValue(cJSON_GetObjectItem(c, "field"));
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(c, "message"));
        size_t need = strlen(f ? f : "") + strlen(m ? m : "") + 8;
        while (len + need >= cap)
            msg = xrealloc(msg, cap *= 2);
        len += sprintf(msg + len, "%s%s%s%s", len ? ", " : "", f ? f : "", f && *f ? ": " : "", m ? m : "");
    }
    char *full = xmalloc(len + strlen(kind) + strlen(group) + strlen(name) + 64);
    sprintf(full, "%s%s%s \"%s\" is invalid: %s%s%s", kind, *group ? "." : "", group, name,
            n > 1 ? "[" : "", msg, n > 1 ? "]" : "");
    cJSON *st = status_failure(422, "Invalid", full);
    free(msg);
    free(full);
    cJSON *d = status_details(st, name, group, kind);
    cJSON_AddItemToObject(d, "causes", causes);
    return st;
}

static void add_cause(cJSON *causes, const char *reason, const char *field, const char *msg)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", msg);
    cJSON_AddStringToObject(c, "field", field);
    cJSON_AddItemToArray(causes, c);
}

void cause_invalid(cJSON *causes, const char *field, const char *value_json, const char *detail)
{
    char *buf = NULL;
    if (asprintf(&buf, "Invalid value: %s%s%s", value_json ? value_json : "null", detail && *detail ? ": " : "",
                 detail ? detail : "") < 0)
        buf = NULL;
    add_cause(causes, "FieldValueInvalid", field, buf ? buf : "Invalid value");
    free(buf);
}

void cause_required(cJSON *causes, const char *field, const char *detail)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "Required value%s%s", detail && *detail ? ": " : "", detail ? detail : "");
    add_cause(causes, "FieldValueRequired", field, buf);
}

void cause_not_supported(cJSON *causes, const char *field, const char *value_json,
                         const char *const *supported)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "Unsupported value: %s: supported values: ", value_json);
    for (int i = 0; supported[i] && n < (int)sizeof buf - 64; i++)
        n += snprintf(buf + n, sizeof buf - n, "%s\"%s\"", i ? ", " : "", supported[i]);
    add_cause(causes, "FieldValueNotSupported", field, buf);
}

void cause_forbidden(cJSON *causes, const char *field, const char *detail)
{
    char *buf = NULL;
    if (asprintf(&buf, "Forbidden: %s", detail) < 0)
        buf = NULL;
    add_cause(causes, "FieldValueForbidden", field, buf ? buf : "Forbidden");
    free(buf);
}
