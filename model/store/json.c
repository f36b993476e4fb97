/* json: path reads and replace-or-add writes over cJSON. Must not know Kubernetes. */
#include "json.h"
#include "text.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* o's member whose key is exactly the n bytes at seg, compared in place
 * (no copy of the segment); as cJSON_GetObjectItemCaseSensitive, a member
 * without a key ends the search. */
static cJSON *jget_seg(const cJSON *o, const char *seg, size_t n)
{
    for (cJSON *it = o->child; it; it = it->next) {
        const char *k = it->string;
        if (!k)
            return NULL;
        size_t i = 0;
        while (i < n && k[i] == seg[i])
            i++;
        if (i == n && !k[n])
            return it;
    }
    return NULL;
}

cJSON *jget(const cJSON *o, const char *path)
{
    const cJSON *cur = o;
    while (cur && *path) {
        size_t n = 0;
        while (path[n] && path[n] != '.')
            n++;
        if (n >= 256 || (cur->type & 0xFF) != cJSON_Object)
            return NULL;
        cur = jget_seg(cur, path, n);
        path += n + (path[n] == '.');
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

/* ---- cJSON's allocations ------------------------------------------------- */

/* A load parses, extends and frees some 200 small blocks per object (nodes,
 * keys, strings), and glibc keeps only seven freed blocks of a size for the
 * next malloc of the thread: the rest go through its bins. These hooks keep
 * up to JA_KEEP freed blocks of each small size per thread and hand them out
 * again. Outside a scratch (below), every block is an ordinary malloc block
 * at all times, so code that frees a cJSON string with free() or gives
 * cJSON a strdup'd one is still right; inside one, neither is (see
 * json.h). Under AddressSanitizer, which must see every free, no block is
 * kept, and a scratch's chunks are freed when it ends, so that any use of
 * its memory after that is reported. */
#if defined(__SANITIZE_ADDRESS__)
#define JA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JA_ASAN 1
#endif
#endif
#ifndef JA_ASAN
#define JA_ASAN 0
#endif

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>

#define JA_CLASSES 7 /* usable sizes 24, 40, ..., 120 (glibc's chunks up to 128 bytes) */
#define JA_KEEP 1024

/* A scratch chunk: blocks handed out one after another, all given back at
 * once (json_scratch_begin). */
typedef struct ja_chunk {
    struct ja_chunk *next;
    char *at, *end;
    char mem[];
} ja_chunk;

#define JA_CHUNK (256 * 1024)

/* Where a chunk's blocks start: its memory, rounded up to 16 bytes. */
static char *ja_chunk_start(ja_chunk *k)
{
    return (char *)(((uintptr_t)k->mem + 15) & ~(uintptr_t)15);
}

typedef struct {
    void *head[JA_CLASSES];
    unsigned n[JA_CLASSES];
    bool keyed;
    bool scratch;      /* between json_scratch_begin and _end, not paused */
    bool open;         /* between json_scratch_begin and _end */
    ja_chunk *chunks;  /* the first is in use, the rest were and will be again */
} ja_cache;

static __thread ja_cache ja;
static pthread_key_t ja_key;

static void ja_chunks_free(ja_cache *c)
{
    while (c->chunks) {
        ja_chunk *k = c->chunks;
        c->chunks = k->next;
        free(k);
    }
}

/* A thread that ends gives its kept blocks and its scratch back. */
static void ja_flush(void *arg)
{
    ja_cache *c = arg;
    for (int i = 0; i < JA_CLASSES; i++)
        while (c->head[i]) {
            void *p = c->head[i];
            c->head[i] = *(void **)p;
            free(p);
        }
    memset(c->n, 0, sizeof c->n);
    ja_chunks_free(c);
    c->scratch = c->open = false;
}

static void ja_keyed(void)
{
    if (!ja.keyed) {
        ja.keyed = true;
        pthread_setspecific(ja_key, &ja);
    }
}

/* n bytes of scratch (16-byte aligned), from the chunk in use or a new one
 * in front of it (chunks once filled stay filled until the scratch ends). */
static void *ja_scratch(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    ja_chunk *k = ja.chunks;
    if (!k || (size_t)(k->end - k->at) < n) {
        size_t size = n > JA_CHUNK / 2 ? n : JA_CHUNK;
        ja_chunk *fresh = malloc(sizeof *fresh + size + 15);
        if (!fresh)
            return NULL;
        fresh->at = ja_chunk_start(fresh);
        fresh->end = fresh->at + size;
        fresh->next = k;
        ja.chunks = k = fresh;
        ja_keyed();
    }
    void *p = k->at;
    k->at += n;
    return p;
}

static bool ja_in_scratch(const void *p)
{
    for (const ja_chunk *k = ja.chunks; k; k = k->next)
        if ((const char *)p >= k->mem && (const char *)p < k->end)
            return true;
    return false;
}

static void *ja_malloc(size_t n)
{
    if (ja.scratch)
        return ja_scratch(n);
    size_t usable = n + 8 <= 32 ? 24 : ((n + 8 + 15) & ~(size_t)15) - 8;
    size_t i = (usable - 24) / 16;
    if (!JA_ASAN && i < JA_CLASSES && ja.head[i]) {
        void *p = ja.head[i];
        ja.head[i] = *(void **)p;
        ja.n[i]--;
        return p;
    }
    return malloc(n);
}

static void ja_free(void *p)
{
    if (!p || (ja.chunks && ja_in_scratch(p)))
        return; /* scratch goes all at once */
    if (JA_ASAN) {
        free(p);
        return;
    }
    size_t usable = malloc_usable_size(p), i = (usable - 24) / 16;
    if (usable < 24 || (usable - 24) % 16 || i >= JA_CLASSES || ja.n[i] >= JA_KEEP) {
        free(p);
        return;
    }
    ja_keyed();
    *(void **)p = ja.head[i];
    ja.head[i] = p;
    ja.n[i]++;
}

static void ja_init(void)
{
    pthread_key_create(&ja_key, ja_flush);
    cJSON_Hooks h = {.malloc_fn = ja_malloc, .free_fn = ja_free};
    cJSON_InitHooks(&h);
}

void json_alloc_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ja_init);
}

void json_scratch_begin(void)
{
    if (ja.open) { /* a scratch inside a scratch would take back the outer one's trees */
        fputs("evictsim: json_scratch_begin inside a scratch\n", stderr);
        abort();
    }
    json_alloc_init();
    /* one chunk of the usual size is kept for the next scratch; the rest
     * (one filled, or one made for a big allocation) go back */
    while (ja.chunks && (ja.chunks->next || ja.chunks->end - ja.chunks->mem > JA_CHUNK + 15)) {
        ja_chunk *k = ja.chunks;
        ja.chunks = k->next;
        free(k);
    }
    if (ja.chunks)
        ja.chunks->at = ja_chunk_start(ja.chunks);
    ja.scratch = ja.open = true;
}

void json_scratch_end(void)
{
    ja.scratch = ja.open = false;
    if (JA_ASAN)
        ja_chunks_free(&ja);
}

bool json_scratch_pause(void)
{
    bool was = ja.scratch;
    ja.scratch = false;
    return was;
}

void json_scratch_resume(bool was)
{
    ja.scratch = was;
}

bool json_scratch_on(void)
{
    return ja.scratch;
}

cJSON *json_scratch_keep(cJSON *t)
{
    if (!t || !json_scratch_on())
        return t;
    bool was = json_scratch_pause();
    cJSON *copy = cJSON_Duplicate(t, true);
    json_scratch_resume(was);
    if (!copy) { /* nothing else could say what was kept */
        fputs("evictsim: out of memory\n", stderr);
        abort();
    }
    return copy;
}

void json_scratch_delete(cJSON *t)
{
    if (!json_scratch_on())
        cJSON_Delete(t);
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
