/* lcvalidate: EvictionRequest and Eviction validation and the pod's evictionResponders (see
 * lcvalidate.h). The texts of the reserved-domain rules are upstream's; the generic ones are the
 * declarative validators' kinds (Required, Unsupported, Invalid, Duplicate, TooMany, immutable).
 * Must not read the store. */
#define _GNU_SOURCE
#include "lcvalidate.h"
#include "json.h"
#include "status.h"
#include "xalloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char reserved_msg[] = "domain names *.k8s.io, *.kubernetes.io are reserved";
static const char key_msg[] = "must be a label key with a DNS subdomain prefix and a name of at most 63 "
                              "alphanumeric characters, '-', '_' or '.', e.g. 'acme.io/foo'";

static char *quoted(const char *s)
{
    cJSON *q = cJSON_CreateString(s ? s : "");
    char *out = cJSON_PrintUnformatted(q);
    cJSON_Delete(q);
    return out;
}

static void invalid_str(cJSON *causes, const char *field, const char *v, const char *why)
{
    char *q = quoted(v);
    cause_invalid(causes, field, q, why);
    cJSON_free(q);
}

static bool subdomain_ok(const char *s, size_t n)
{
    if (!n || n > 253 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
            return false;
    return true;
}

/* A prefixed label key: "<DNS subdomain>/<name>". */
static bool prefixed_key_ok(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || !subdomain_ok(s, (size_t)(slash - s)))
        return false;
    const char *n = slash + 1;
    size_t len = strlen(n);
    if (!len || len > 63 || !isalnum((unsigned char)n[0]) || !isalnum((unsigned char)n[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(isalnum((unsigned char)n[i]) || n[i] == '-' || n[i] == '_' || n[i] == '.'))
            return false;
    return true;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && !strncmp(s + n - m, suffix, m);
}

/* The domain is k8s.io, kubernetes.io or below them. */
static bool reserved_domain(const char *key)
{
    const char *slash = strchr(key, '/');
    size_t n = slash ? (size_t)(slash - key) : 0;
    return (n == 6 && !strncmp(key, "k8s.io", 6)) || ends_with(key, n, ".k8s.io") ||
           (n == 13 && !strncmp(key, "kubernetes.io", 13)) || ends_with(key, n, ".kubernetes.io");
}

static void participant_name(cJSON *causes, const char *field, const cJSON *v)
{
    if (!cJSON_IsString(v) || !*v->valuestring) {
        cause_required(causes, field, NULL);
        return;
    }
    if (!prefixed_key_ok(v->valuestring))
        invalid_str(causes, field, v->valuestring, key_msg);
    else if (reserved_domain(v->valuestring))
        invalid_str(causes, field, v->valuestring, reserved_msg);
}

static bool uuid_ok(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    if (strlen(s) != 36)
        return false;
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return false;
            d++;
        } else if (!(isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static void target(cJSON *causes, const cJSON *obj)
{
    const cJSON *pod = jget(obj, "spec.target.pod");
    if (!cJSON_IsObject(pod)) {
        cause_required(causes, "spec.target", "must specify one of: `pod`");
        return;
    }
    const char *name = jstr(pod, "name"), *uid = jstr(pod, "uid");
    if (!name || !*name)
        cause_required(causes, "spec.target.pod.name", NULL);
    else if (!subdomain_ok(name, strlen(name)))
        invalid_str(causes, "spec.target.pod.name", name,
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                    "and must start and end with an alphanumeric character");
    if (!uid || !*uid)
        cause_required(causes, "spec.target.pod.uid", NULL);
    else if (!uuid_ok(uid))
        invalid_str(causes, "spec.target.pod.uid", uid, "must be a lowercase UUID in 8-4-4-4-12 format");
}

static void immutable(cJSON *causes, const cJSON *obj, const cJSON *old, const char *path)
{
    const cJSON *a = jget(obj, path), *b = jget(old, path);
    if ((a || b) && !(a && b && cJSON_Compare(a, b, true))) {
        char *v = a ? cJSON_PrintUnformatted(a) : NULL;
        cause_invalid(causes, path, v ? v : "null", "field is immutable");
        cJSON_free(v);
    }
}

void lc_validate(kind_id k, const cJSON *obj, const cJSON *old, cJSON *causes)
{
    target(causes, obj);
    if (old)
        immutable(causes, obj, old, "spec.target");
    if (k != K_EVICTIONREQUEST)
        return;
    participant_name(causes, "spec.requester", jget(obj, "spec.requester"));
    if (old)
        immutable(causes, obj, old, "spec.requester");
    const cJSON *in = jget(obj, "spec.intent");
    static const char *const intents[] = {"Eviction", "Withdrawn", NULL};
    if (!cJSON_IsString(in) || !*in->valuestring) {
        cause_required(causes, "spec.intent", NULL);
    } else if (strcmp(in->valuestring, "Eviction") && strcmp(in->valuestring, "Withdrawn")) {
        char *q = quoted(in->valuestring);
        cause_not_supported(causes, "spec.intent", q, intents);
        cJSON_free(q);
    }
}

void lc_validate_pod_responders(const cJSON *pod, cJSON *causes)
{
    const cJSON *list = jget(pod, "spec.evictionResponders"), *r;
    if (!list || cJSON_IsNull(list))
        return;
    if (cJSON_GetArraySize(list) > 10) {
        char why[64];
        snprintf(why, sizeof why, "must have at most 10 items");
        cause_forbidden(causes, "spec.evictionResponders", why);
    }
    int i = 0;
    cJSON_ArrayForEach(r, list) {
        char field[96];
        snprintf(field, sizeof field, "spec.evictionResponders[%d].name", i);
        participant_name(causes, field, jget(r, "name"));
        for (const cJSON *p = list->child; p != r; p = p->next)
            if (jstr(p, "name") && jstr(r, "name") && !strcmp(jstr(p, "name"), jstr(r, "name"))) {
                char *q = quoted(jstr(r, "name"));
                cJSON *c = cJSON_CreateObject();
                cJSON_AddStringToObject(c, "reason", "FieldValueDuplicate");
                char *m = xasprintf("Duplicate value: %s", q);
                cJSON_AddStringToObject(c, "message", m);
                cJSON_AddStringToObject(c, "field", field);
                cJSON_AddItemToArray(causes, c);
                free(m);
                cJSON_free(q);
            }
        snprintf(field, sizeof field, "spec.evictionResponders[%d].priority", i);
        const cJSON *p = jget(r, "priority");
        if (!cJSON_IsNumber(p)) {
            cause_required(causes, field, NULL);
        } else if (p->valuedouble < 0 || p->valuedouble > 100000) {
            char v[32];
            snprintf(v, sizeof v, "%.0f", p->valuedouble);
            cause_invalid(causes, field, v, p->valuedouble < 0 ? "must be greater than or equal to 0"
                                                            : "must be less than or equal to 100000");
        } else if (p->valuedouble < 1000) {
            char v[32];
            snprintf(v, sizeof v, "%.0f", p->valuedouble);
            cause_invalid(causes, field, v, "priorities 0-999 are reserved for responders with *.k8s.io suffix");
        }
        i++;
    }
}
