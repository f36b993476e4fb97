/* jsame: are two cJSON trees the same to the last field a reader can see
 * (type, key, string, valuedouble bit for bit, valueint, and the child
 * links: next, prev, the first child's prev at the last)? Whether a key is
 * const (a shared copy, which the items' parser gives) is not compared.
 * Shared by the unit tests and the fuzz targets; test code only. */
#ifndef EVICTSIM_TESTS_JSAME_H
#define EVICTSIM_TESTS_JSAME_H
#include <cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

static inline bool jsame_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static inline bool jsame(const cJSON *a, const cJSON *b)
{
    if ((a->type & ~cJSON_StringIsConst) != (b->type & ~cJSON_StringIsConst) || !jsame_str(a->string, b->string) || !jsame_str(a->valuestring, b->valuestring) ||
        memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) || a->valueint != b->valueint)
        return false;
    const cJSON *x = a->child, *y = b->child;
    if (!x != !y || (x && (x->prev == NULL) != (y->prev == NULL)))
        return false;
    for (; x && y; x = x->next, y = y->next) {
        if (!jsame(x, y))
            return false;
        if (x != a->child && x->prev->next != x)
            return false;
        if (!x->next && a->child->prev != x)
            return false;
        if (!y->next && b->child->prev != y)
            return false;
    }
    return !x && !y;
}

/* What m_json_fix leaves as it is: no object repeats a key or has more than
 * 16 members, and every number is finite. */
static inline bool jsame_plain(const cJSON *v)
{
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
        return false;
    int n = 0;
    for (const cJSON *c = v->child; c; c = c->next) {
        if (cJSON_IsObject(v)) {
            if (++n > 16)
                return false;
            for (const cJSON *d = v->child; d != c; d = d->next)
                if (!strcmp(d->string, c->string))
                    return false;
        }
        if (!jsame_plain(c))
            return false;
    }
    return true;
}
#endif
