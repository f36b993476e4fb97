/* json: path reads and replace-or-add writes over cJSON, printing as the
 * store prints, and tree equality. Must not know Kubernetes. */
#include "json.h"
#include "text.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Follow the path a segment at a time, each compared in place against the
 * members' keys (no scan for the segment's end first): a key matches when
 * it ends where the segment does (at '.' or the end), so a key with a dot
 * never matches. As cJSON_GetObjectItemCaseSensitive, a member without a
 * key ends the search; a segment of 256 bytes or more finds nothing. */
cJSON *jget(const cJSON *o, const char *path)
{
    const cJSON *cur = o;
    while (cur && *path) {
        if ((cur->type & 0xFF) != cJSON_Object)
            return NULL;
        const cJSON *it = cur->child;
        const char c0 = *path == '.' ? 0 : *path; /* an empty segment matches the key "" */
        size_t i = 0;
        for (; it; it = it->next) {
            const char *k = it->string;
            if (!k)
                return NULL;
            if (k[0] != c0) /* most keys differ at once */
                continue;
            i = c0 ? 1 : 0;
            while (k[i] && k[i] == path[i] && path[i] != '.')
                i++;
            if (!k[i] && (!path[i] || path[i] == '.'))
                break;
        }
        if (!it || i >= 256)
            return NULL;
        cur = it;
        path += i + (path[i] == '.');
    }
    return (cJSON *)cur;
}

const char *jstr(const cJSON *o, const char *path)
{
    const cJSON *v = jget(o, path);
    return v && (v->type & 0xFF) == cJSON_String ? v->valuestring : NULL;
}

double jnum(const cJSON *o, const char *path, double def)
{
    cJSON *v = jget(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

bool jbool(const cJSON *o, const char *path)
{
    return cJSON_IsTrue(jget(o, path));
}

cJSON *jobj(cJSON *o, const char *key)
{
    cJSON *c = jfield(o, key);
    if (cJSON_IsObject(c))
        return c;
    c = cJSON_CreateObject();
    jset(o, key, c);
    return c;
}

void jset(cJSON *o, const char *key, cJSON *v)
{
    if (jfield(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else
        cJSON_AddItemToObject(o, key, v);
}

void jset_str(cJSON *o, const char *key, const char *s)
{
    jset(o, key, cJSON_CreateString(s));
}

void jset_num(cJSON *o, const char *key, double n)
{
    jset(o, key, cJSON_CreateNumber(n));
}

void jdel(cJSON *o, const char *key)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
}

cJSON *jview(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_Object: return cJSON_CreateObjectReference(v->child);
    case cJSON_Array: return cJSON_CreateArrayReference(v->child);
    case cJSON_String: return cJSON_CreateStringReference(v->valuestring);
    default: return cJSON_Duplicate(v, false);
    }
}

/* ---- printing ------------------------------------------------------------- */

/* jprint writes exactly what cJSON_PrintUnformatted (cJSON 1.7.15) writes,
 * without its per-number sprintf + sscanf for integers and with one
 * growing buffer. */
typedef struct {
    strbuf b;
    bool fail; /* an item cJSON would not print */
} pbuf;

void jprint_string(strbuf *b, const char *s)
{
    if (!s) {
        strbuf_putn(b, "\"\"", 2);
        return;
    }
    /* bytes an escape adds: 1 for \" \\ \b \f \n \r \t, 5 for other control bytes */
    static const unsigned char esc[256] = {
        5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 5, 1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
        0, 0, 1, ['\\'] = 1};
    const unsigned char *c = (const unsigned char *)s;
    size_t extra = 0;
    for (; *c; c++)
        extra += esc[*c];
    size_t len = (size_t)(c - (const unsigned char *)s);
    char *o = strbuf_room(b, len + extra + 2);
    *o++ = '"';
    if (!extra) {
        memcpy(o, s, len);
        o += len;
    } else {
        static const char hex[] = "0123456789abcdef";
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
            if (*c > 31 && *c != '"' && *c != '\\') {
                *o++ = (char)*c;
                continue;
            }
            *o++ = '\\';
            switch (*c) {
            case '\\': *o++ = '\\'; break;
            case '"': *o++ = '"'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                *o++ = 'u', *o++ = '0', *o++ = '0', *o++ = hex[*c >> 4], *o++ = hex[*c & 15];
            }
        }
    }
    *o++ = '"';
    *o = 0;
    b->len = (size_t)(o - b->s);
}

void jprint_long(strbuf *b, long v)
{
    char *o = strbuf_room(b, 21), buf[24], *p = buf + sizeof buf;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    size_t n = (size_t)(buf + sizeof buf - p);
    memcpy(o, p, n);
    o[n] = 0;
    b->len += n;
}

static void print_str(pbuf *p, const char *s)
{
    jprint_string(&p->b, s);
}

static void print_num(pbuf *p, double d)
{
    char buf[32];
    int len;
    if (isnan(d) || isinf(d)) {
        len = snprintf(buf, sizeof buf, "null");
    } else if (d > -1e15 && d < 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
        /* what %1.15g prints for an integer of at most 15 digits */
        len = snprintf(buf, sizeof buf, "%lld", (long long)d);
    } else {
        double test = 0; /* cJSON: 15 digits unless they do not read back (compare_double) */
        len = snprintf(buf, sizeof buf, "%1.15g", d);
        if (sscanf(buf, "%lg", &test) != 1 ||
            !(fabs(test - d) <= (fabs(test) > fabs(d) ? fabs(test) : fabs(d)) * DBL_EPSILON))
            len = snprintf(buf, sizeof buf, "%1.17g", d);
    }
    if (len < 0 || len > 25) {
        p->fail = true;
        return;
    }
    strbuf_putn(&p->b, buf, (size_t)len);
}

static void print_val(pbuf *p, const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_NULL: strbuf_putn(&p->b, "null", 4); return;
    case cJSON_False: strbuf_putn(&p->b, "false", 5); return;
    case cJSON_True: strbuf_putn(&p->b, "true", 4); return;
    case cJSON_Number: print_num(p, v->valuedouble); return;
    case cJSON_String: print_str(p, v->valuestring); return;
    case cJSON_Raw:
        if (!v->valuestring)
            p->fail = true;
        else
            strbuf_puts(&p->b, v->valuestring);
        return;
    case cJSON_Array:
    case cJSON_Object: {
        bool obj = (v->type & 0xFF) == cJSON_Object;
        strbuf_putc(&p->b, obj ? '{' : '[');
        for (const cJSON *c = v->child; c && !p->fail; c = c->next) {
            if (obj) {
                print_str(p, c->string);
                strbuf_putc(&p->b, ':');
            }
            print_val(p, c);
            if (c->next)
                strbuf_putc(&p->b, ',');
        }
        strbuf_putc(&p->b, obj ? '}' : ']');
        return;
    }
    default:
        p->fail = true;
    }
}

char *jprint_len(const cJSON *o, size_t *len)
{
    pbuf p = {0};
    *len = 0;
    if (!o)
        return NULL;
    strbuf_room(&p.b, 1024); /* a pod prints to ~2 KB: one or two allocations */
    print_val(&p, o);
    if (p.fail) {
        free(p.b.s);
        return NULL;
    }
    *len = p.b.len;
    if (p.b.cap - p.b.len > 1024) { /* printed documents are kept (watch history): give back the slack */
        char *b = realloc(p.b.s, p.b.len + 1);
        if (b)
            p.b.s = b;
    }
    return p.b.s;
}

char *jprint(const cJSON *o)
{
    size_t len;
    return jprint_len(o, &len);
}

/* ---- equality ------------------------------------------------------------ */

/* cJSON's compare_double. */
static bool jequal_double(double a, double b)
{
    double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= max * DBL_EPSILON;
}

/* Do the n members of o have n different keys? */
static bool jkeys_unique(const cJSON *o, int n)
{
    if (n > 64)
        return false;
    for (const cJSON *a = o->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string[0] == b->string[0] && !strcmp(a->string, b->string))
                return false;
    return true;
}

bool jequal(const cJSON *a, const cJSON *b)
{
    if (!a || !b || (a->type & 0xFF) != (b->type & 0xFF))
        return false;
    if (a == b) /* as cJSON_Compare: the same item of a valid type */
        return (a->type & 0xFF) && (a->type & 0xFF) <= cJSON_Raw && !((a->type & 0xFF) & ((a->type & 0xFF) - 1));
    switch (a->type & 0xFF) {
    case cJSON_False:
    case cJSON_True:
    case cJSON_NULL:
        return true;
    case cJSON_Number:
        return jequal_double(a->valuedouble, b->valuedouble);
    case cJSON_String:
    case cJSON_Raw:
        return a->valuestring && b->valuestring && !strcmp(a->valuestring, b->valuestring);
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!jequal(x, y))
                return false;
        return x == y;
    }
    case cJSON_Object: {
        /* the same keys in the same order, each once: member by member
         * (what cJSON_Compare's lookups by key come to); otherwise ask it */
        const cJSON *x = a->child, *y = b->child;
        int n = 0;
        for (; x && y; x = x->next, y = y->next, n++)
            if (!x->string || !y->string || strcmp(x->string, y->string))
                return cJSON_Compare(a, b, true);
        if (x || y || !jkeys_unique(a, n))
            return cJSON_Compare(a, b, true);
        for (x = a->child, y = b->child; x; x = x->next, y = y->next)
            if (!jequal(x, y))
                return false;
        return true;
    }
    default:
        return false;
    }
}

