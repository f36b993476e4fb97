/* meta: uid, names, generation and timestamps as kube-apiserver sets them.
 * Must not touch the store. */
#include "meta.h"
#include "xalloc.h"
#include "generic.h"
#include "clock.h"
#include "json.h"
#include "status.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint64_t seed_state;

void meta_seed(uint64_t seed)
{
    seed_state = seed;
}

bool meta_seeded(void)
{
    return seed_state != 0;
}

/* splitmix64: a repeatable stream when seeded */
static uint64_t next_seeded(void)
{
    uint64_t z = (seed_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void meta_random(unsigned char *b, size_t n)
{
    if (seed_state) {
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)(next_seeded() >> 56);
        return;
    }
    if (getrandom(b, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)rand();
}

void meta_uuid(char *buf)
{
    unsigned char b[16];
    meta_random(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    /* 8-4-4-4-12 lower-case hex digits, as "%02x" each (no sprintf: one
     * per object created) */
    static const char hex[] = "0123456789abcdef";
    char *o = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = 0;
}

void meta_uuid_keyed(char *buf, const char *key)
{
    if (!seed_state) {
        meta_uuid(buf);
        return;
    }
    uint64_t saved = seed_state, h = 1469598103934665603ULL;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    seed_state = h | 1;
    meta_uuid(buf);
    seed_state = saved;
}

char *meta_generate_name(const char *base)
{
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    size_t n = strlen(base);
    if (n > 58) /* maxGeneratedNameLength = 63 - 5 */
        n = 58;
    char *out = xmalloc(n + 6);
    memcpy(out, base, n);
    unsigned char r[5];
    meta_random(r, sizeof r);
    for (int i = 0; i < 5; i++)
        out[n + i] = alphabet[r[i] % (sizeof alphabet - 1)];
    out[n + 5] = 0;
    return out;
}

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool dns_label_ok(const char *s, size_t n)
{
    if (n == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum_lower(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool dns_subdomain_ok(const char *s)
{
    const char *p = s;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!dns_label_ok(p, n))
            return false;
        if (!dot)
            return true;
        p = dot + 1;
    }
}

static const char subdomain_msg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
static const char label_msg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

int meta_validate_name(kind_id k, const char *name, const char *field, cJSON *causes)
{
    bool label = k == K_NAMESPACE;
    size_t max = label ? 63 : 253;
    bool too_long = strlen(name) > max, bad = !(label ? dns_label_ok(name, strlen(name)) : dns_subdomain_ok(name));
    if (!too_long && !bad)
        return 0;
    cJSON *q = cJSON_CreateString(name);
    char *quoted = jprint(q);
    cJSON_Delete(q);
    if (too_long) {
        char msg[64];
        snprintf(msg, sizeof msg, "must be no more than %zu characters", max);
        cause_invalid(causes, field, quoted, msg);
    }
    if (bad)
        cause_invalid(causes, field, quoted, label ? label_msg : subdomain_msg);
    free(quoted);
    return too_long + bad;
}

static bool equal_outside(const cJSON *a, const cJSON *b)
{
    const cJSON *x;
    int na = 0, nb = 0;
    cJSON_ArrayForEach(x, a) {
        if (!strcmp(x->string, "metadata") || !strcmp(x->string, "status") ||
            !strcmp(x->string, "kind") || !strcmp(x->string, "apiVersion"))
            continue;
        na++;
        if (!jequal(x, jfield(b, x->string)))
            return false;
    }
    cJSON_ArrayForEach(x, b) {
        if (strcmp(x->string, "metadata") && strcmp(x->string, "status") &&
            strcmp(x->string, "kind") && strcmp(x->string, "apiVersion"))
            nb++;
    }
    return na == nb;
}

bool meta_spec_changed(const cJSON *a, const cJSON *b)
{
    return !equal_outside(a, b);
}

bool meta_has_generation(kind_id k)
{
    if (k < K_CONFIGMAP)
        return k != K_NAMESPACE && k != K_NODE && k != K_EVENT;
    return generic_has_generation(k);
}

void meta_set_time(cJSON *o, const char *key, double now)
{
    char buf[32];
    clock_format(now, buf);
    jset_str(o, key, buf);
}

cJSON *meta_list_item(const cJSON *doc)
{
    cJSON *c = cJSON_Duplicate(doc, true);
    jdel(c, "kind");
    jdel(c, "apiVersion");
    return c;
}
