/* faults: the rule list, validation, matching and countdown. Must not know
 * HTTP: the server turns a request into fault_attrs and applies the answer. */
#define _GNU_SOURCE
#include "faults.h"
#include "xalloc.h"
#include "json.h"
#include "manifest.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rule {
    struct rule *next;
    long id;
    cJSON *doc;      /* as given, plus id */
    long remaining;  /* -1: unlimited */
} rule;

struct faults {
    rule *head;
    long next_id;
};

static const char *const verbs[] = {"get", "list", "watch", "create", "update", "patch", "delete",
                                    "deletecollection", NULL};
static const char *const match_keys[] = {"verb", "resource", "subresource", "namespace", "name", NULL};

faults *faults_new(void)
{
    faults *f = xcalloc(1, sizeof *f);
    f->next_id = 1;
    return f;
}

void faults_clear(faults *f)
{
    while (f->head) {
        rule *r = f->head;
        f->head = r->next;
        cJSON_Delete(r->doc);
        free(r);
    }
}

void faults_free(faults *f)
{
    if (f) {
        faults_clear(f);
        free(f);
    }
}

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* A message for what is wrong with a rule, or NULL. */
static const char *check_rule(const cJSON *r)
{
    if (!cJSON_IsObject(r))
        return "a fault rule must be an object with match, response, delaySeconds and times";
    const cJSON *m = jfield(r, "match");
    if (m && !cJSON_IsNull(m)) {
        if (!cJSON_IsObject(m))
            return "match must be an object";
        const cJSON *x;
        cJSON_ArrayForEach(x, m) {
            if (!in_list(x->string, match_keys))
                return "match accepts only verb, resource, subresource, namespace and name";
            if (!cJSON_IsString(x))
                return "match values must be strings";
        }
        const char *verb = jstr(m, "verb");
        if (verb && !in_list(verb, verbs))
            return "match.verb must be one of get, list, watch, create, update, patch, delete, deletecollection";
    }
    const cJSON *resp = jfield(r, "response");
    if (resp && !cJSON_IsNull(resp)) {
        if (!cJSON_IsObject(resp))
            return "response must be an object";
        const cJSON *code = jfield(resp, "code");
        if (!cJSON_IsNumber(code) || code->valuedouble != floor(code->valuedouble) ||
            code->valuedouble < 100 || code->valuedouble > 599)
            return "response.code must be an HTTP status code (100-599)";
        const cJSON *ra = jfield(resp, "retryAfterSeconds");
        if (ra && (!cJSON_IsNumber(ra) || ra->valuedouble < 0 || ra->valuedouble > 86400))
            return "response.retryAfterSeconds must be a number of seconds >= 0";
        const char *keys[] = {"reason", "message", NULL};
        for (int i = 0; keys[i]; i++) {
            const cJSON *v = jfield(resp, keys[i]);
            if (v && !cJSON_IsString(v))
                return "response.reason and response.message must be strings";
        }
        const cJSON *causes = jfield(resp, "causes");
        if (causes && !cJSON_IsArray(causes))
            return "response.causes must be a list of {reason, message, field}";
    }
    const cJSON *d = jfield(r, "delaySeconds");
    if (d && (!cJSON_IsNumber(d) || !(d->valuedouble >= 0) || d->valuedouble > 3600))
        return "delaySeconds must be a number of seconds between 0 and 3600";
    const cJSON *t = jfield(r, "times");
    if (t && !cJSON_IsNull(t) &&
        (!cJSON_IsNumber(t) || t->valuedouble < 1 || t->valuedouble > 9007199254740992.0 ||
         t->valuedouble != floor(t->valuedouble)))
        return "times must be a whole number from 1 to 9007199254740992 (leave it out for every match)";
    if ((!resp || cJSON_IsNull(resp)) && !d)
        return "a fault rule needs a response, a delaySeconds, or both";
    return NULL;
}

static cJSON *rule_view(const rule *r)
{
    cJSON *v = cJSON_Duplicate(r->doc, true);
    jset_num(v, "id", (double)r->id);
    jset(v, "remaining", r->remaining < 0 ? cJSON_CreateNull() : cJSON_CreateNumber((double)r->remaining));
    return v;
}

cJSON *faults_add(faults *f, const cJSON *doc, cJSON **err)
{
    const char *why = check_rule(doc);
    if (why) {
        *err = status_bad_request(why);
        return NULL;
    }
    rule *r = xcalloc(1, sizeof *r);
    r->id = f->next_id++;
    r->doc = cJSON_Duplicate(doc, true);
    jdel(r->doc, "id");
    jdel(r->doc, "remaining");
    const cJSON *t = jfield(doc, "times");
    r->remaining = cJSON_IsNumber(t) ? (long)t->valuedouble : -1;
    rule **tail = &f->head;
    while (*tail)
        tail = &(*tail)->next;
    *tail = r;
    return rule_view(r);
}

cJSON *faults_list(const faults *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (const rule *r = f->head; r; r = r->next)
        cJSON_AddItemToArray(items, rule_view(r));
    return o;
}

bool faults_remove(faults *f, long id)
{
    for (rule **p = &f->head; *p; p = &(*p)->next)
        if ((*p)->id == id) {
            rule *r = *p;
            *p = r->next;
            cJSON_Delete(r->doc);
            free(r);
            return true;
        }
    return false;
}

static bool field_ok(const cJSON *match, const char *key, const char *value)
{
    const char *want = jstr(match, key);
    return !want || !strcmp(want, value ? value : "");
}

static cJSON *response_status(const cJSON *resp)
{
    int code = (int)jnum(resp, "code", 500);
    const char *msg = jstr(resp, "message");
    cJSON *st = status_failure(code, jstr(resp, "reason"), msg ? msg : "injected fault");
    if (code < 400)
        jset_str(st, "status", "Success");
    const cJSON *c;
    cJSON_ArrayForEach(c, jfield(resp, "causes"))
        status_add_cause(st, jstr(c, "reason"), jstr(c, "message"), jstr(c, "field"));
    int ra = (int)jnum(resp, "retryAfterSeconds", 0);
    if (ra > 0)
        status_set_retry_after(st, ra);
    return st;
}

bool faults_match(faults *f, const fault_attrs *a, cJSON **status, double *delay)
{
    *status = NULL;
    *delay = 0;
    for (rule *r = f->head; r; r = r->next) {
        const cJSON *m = jfield(r->doc, "match");
        if (r->remaining == 0 || !field_ok(m, "verb", a->verb) || !field_ok(m, "resource", a->resource) ||
            !field_ok(m, "subresource", a->subresource) || !field_ok(m, "namespace", a->ns) ||
            !field_ok(m, "name", a->name))
            continue;
        if (r->remaining > 0)
            r->remaining--;
        const cJSON *resp = jfield(r->doc, "response");
        if (cJSON_IsObject(resp))
            *status = response_status(resp);
        *delay = jnum(r->doc, "delaySeconds", 0);
        return true;
    }
    return false;
}

int faults_load(faults *f, const char *text, size_t len, const char *source, char **err)
{
    cJSON *doc = manifest_parse_one(text, len, err);
    if (!doc)
        return -1;
    cJSON *items = cJSON_IsArray(doc) ? doc : jfield(doc, "items");
    if (!cJSON_IsArray(items)) {
        cJSON_Delete(doc);
        if (asprintf(err, "%s: want a list of fault rules (or {items: [...]})", source) < 0)
            *err = NULL;
        return -1;
    }
    int i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, items) {
        i++;
        const char *why = check_rule(r);
        if (why) {
            if (asprintf(err, "%s: rule %d: %s", source, i, why) < 0)
                *err = NULL;
            cJSON_Delete(doc);
            return -1;
        }
    }
    cJSON_ArrayForEach(r, items) {
        cJSON *e = NULL;
        cJSON_Delete(faults_add(f, r, &e));
        cJSON_Delete(e);
    }
    cJSON_Delete(doc);
    return 0;
}
