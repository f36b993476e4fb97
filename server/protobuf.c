/* protobuf: the k8s "k8s\0" envelope (runtime.Unknown) and the DeleteOptions
 * message: gracePeriodSeconds(1), preconditions(2){uid(1), resourceVersion(2)},
 * orphanDependents(3), propagationPolicy(4), dryRun(5),
 * ignoreStoreReadErrorWithClusterBreakingPotential(6). Must stay a decoder. */
#include "protobuf.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const unsigned char *p, *end;
} reader;

static bool varint(reader *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned char b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* Next field: number, wire type, and for length-delimited the bytes. */
static bool field(reader *r, uint32_t *num, int *wt, uint64_t *v, reader *sub)
{
    uint64_t key;
    if (r->p >= r->end || !varint(r, &key))
        return false;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    if (*wt == 0)
        return varint(r, v);
    if (*wt == 2) {
        if (!varint(r, v) || *v > (uint64_t)(r->end - r->p))
            return false;
        sub->p = r->p;
        sub->end = r->p + *v;
        r->p += *v;
        return true;
    }
    return false; /* fixed32/64 never appear in these messages */
}

static cJSON *str(reader *s)
{
    char buf[512];
    size_t n = (size_t)(s->end - s->p);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s->p, n);
    buf[n] = 0;
    return cJSON_CreateString(buf);
}

static bool preconditions(reader *r, cJSON *out)
{
    uint32_t num;
    int wt;
    uint64_t v;
    reader s;
    cJSON *pre = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "preconditions", pre);
    while (r->p < r->end) {
        if (!field(r, &num, &wt, &v, &s) || wt != 2)
            return false;
        if (num == 1)
            cJSON_AddItemToObject(pre, "uid", str(&s));
        else if (num == 2)
            cJSON_AddItemToObject(pre, "resourceVersion", str(&s));
    }
    return true;
}

static cJSON *delete_options(reader *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *dry = NULL;
    uint32_t num;
    int wt;
    uint64_t v;
    reader s;
    while (r->p < r->end) {
        if (!field(r, &num, &wt, &v, &s))
            goto bad;
        if (num == 1 && wt == 0)
            cJSON_AddNumberToObject(o, "gracePeriodSeconds", (double)(int64_t)v);
        else if (num == 2 && wt == 2 && !preconditions(&s, o))
            goto bad;
        else if (num == 3 && wt == 0)
            cJSON_AddBoolToObject(o, "orphanDependents", v != 0);
        else if (num == 4 && wt == 2)
            cJSON_AddItemToObject(o, "propagationPolicy", str(&s));
        else if (num == 5 && wt == 2) {
            if (!dry)
                dry = cJSON_AddArrayToObject(o, "dryRun");
            cJSON_AddItemToArray(dry, str(&s));
        } else if (num == 6 && wt == 0)
            cJSON_AddBoolToObject(o, "ignoreStoreReadErrorWithClusterBreakingPotential", v != 0);
    }
    return o;
bad:
    cJSON_Delete(o);
    return NULL;
}

cJSON *protobuf_delete_options(const unsigned char *b, size_t n)
{
    if (n < 4 || memcmp(b, "k8s\0", 4))
        return NULL;
    reader r = {b + 4, b + n}, s, raw = {NULL, NULL};
    uint32_t num;
    int wt;
    uint64_t v;
    bool is_delete_options = false;
    while (r.p < r.end) {
        if (!field(&r, &num, &wt, &v, &s))
            return NULL;
        if (num == 1 && wt == 2) { /* typeMeta {apiVersion(1), kind(2)} */
            uint32_t tn;
            int twt;
            uint64_t tv;
            reader ts;
            while (s.p < s.end && field(&s, &tn, &twt, &tv, &ts))
                if (tn == 2 && twt == 2 && ts.end - ts.p == 13 && !memcmp(ts.p, "DeleteOptions", 13))
                    is_delete_options = true;
        } else if (num == 2 && wt == 2) {
            raw = s;
        }
    }
    if (!is_delete_options)
        return NULL;
    if (!raw.p)
        return cJSON_CreateObject();
    return delete_options(&raw);
}
