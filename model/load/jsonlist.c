/* jsonlist: a big JSON List (`kubectl get -o json` of a large cluster) read
 * item by item: the items are found by their brackets, parsed by a parser
 * for the common case (cJSON when it gives up), checked, and shared out in
 * batches to up to four threads. Must not know kinds beyond the checks of
 * manifest.c, nor files or the store. */
#define _GNU_SOURCE
#include "load_parts.h"
#include "json.h"
#include "compact.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <sys/mman.h>
#include <unistd.h>

/* ---------- big JSON lists, one item at a time ---------- */

/* A file that is one JSON List (`{"kind": "List", ..., "items": [...]}`, or a
 * typed list) is read item by item: each item is parsed, checked and handed
 * on before the next is parsed, so that a list of 100,000 pods never exists
 * as one tree. The reading stops at the first thing that is not plain (a
 * repeated or escaped top-level key, a value cJSON cannot take whole, an
 * item m_json_fix would change or refuse, an item that fails its checks)
 * and then the whole text is read again the ordinary way, which gives the
 * answer (including every error) exactly as before. */

static const char *js_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Just past the closing quote of the string at p, or NULL. */
static const char *js_str_end(const char *p, const char *e)
{
    for (p++; p < e;) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q)
            return NULL;
        size_t bs = 0;
        while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            return q + 1;
        p = q + 1;
    }
    return NULL;
}

/* The end of the object or array at p ('{' or '['): the scan of js_skip,
 * 32 bytes at a time. Each block's quotes, backslashes, openings and
 * closings are found at once as bit masks. A block without a backslash
 * (nor a byte escaped from the block before) is taken whole: the quotes'
 * running parity says which bytes are in strings, and only the brackets
 * outside them are visited, in order. Otherwise its bytes that matter are
 * visited in order: in a string a backslash takes the byte after it along
 * (maybe the next block's first) and a quote ends it; outside one a quote
 * starts a string and the brackets count. What is left after the last
 * whole block is scanned a byte at a time. */
#if defined(__SSE2__)
static inline uint32_t js_mask32(__m128i lo, __m128i hi, char c)
{
    __m128i k = _mm_set1_epi8(c);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, k)) |
           (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(hi, k)) << 16;
}

static const char *js_skip_container(const char *p, const char *e)
{
    int depth = 0;
    bool in_str = false;
    unsigned pos = 0; /* the block's first byte still to look at */
    const __m128i x20 = _mm_set1_epi8(0x20); /* '[' | 0x20 == '{', ']' | 0x20 == '}' */
    for (; e - p >= 32; p += 32) {
        __m128i lo = _mm_loadu_si128((const __m128i *)p), hi = _mm_loadu_si128((const __m128i *)(p + 16));
        uint32_t q = js_mask32(lo, hi, '"'), b = js_mask32(lo, hi, '\\');
        lo = _mm_or_si128(lo, x20);
        hi = _mm_or_si128(hi, x20);
        uint32_t o = js_mask32(lo, hi, '{'), c = js_mask32(lo, hi, '}');
        if (!b && !pos) {
            uint32_t inside = q; /* bit i: byte i is in a string (its opening quote included) */
            inside ^= inside << 1;
            inside ^= inside << 2;
            inside ^= inside << 4;
            inside ^= inside << 8;
            inside ^= inside << 16;
            if (in_str)
                inside = ~inside;
            in_str = inside >> 31;
            o &= ~inside;
            c &= ~inside;
            for (uint32_t m = o | c; m; m &= m - 1) {
                unsigned i = (unsigned)__builtin_ctz(m);
                if (o >> i & 1)
                    depth++;
                else if (--depth == 0)
                    return p + i + 1;
            }
            continue;
        }
        while (pos < 32) {
            uint32_t m = ((in_str ? q | b : q | o | c) >> pos) << pos;
            if (!m) {
                pos = 32;
                break;
            }
            unsigned i = (unsigned)__builtin_ctz(m);
            uint32_t bit = 1u << i;
            pos = i + 1;
            if (in_str) {
                if (bit & b)
                    pos++; /* the escaped byte, maybe the next block's first */
                else
                    in_str = false;
            } else if (bit & q) {
                in_str = true;
            } else if (bit & o) {
                depth++;
            } else if (--depth == 0) {
                return p + i + 1;
            }
        }
        pos -= 32;
    }
    for (p += pos; p < e; p++) {
        char ch = *p;
        if (in_str) {
            if (ch == '\\')
                p++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if ((ch == '}' || ch == ']') && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}
#endif

/* The end of the value at p as far as brackets and strings go (cJSON checks
 * the rest), or NULL. */
static const char *js_skip(const char *p, const char *e)
{
    if (p >= e)
        return NULL;
    if (*p == '"')
        return js_str_end(p, e);
    if (*p != '{' && *p != '[') {
        while (p < e && *p && !strchr(",]} \t\r\n", *p))
            p++;
        return p;
    }
#if defined(__SSE2__)
    return js_skip_container(p, e);
#else
    int depth = 0;
    while (p < e) {
        char c = *p;
        if (c == '"') {
            if (!(p = js_str_end(p, e)))
                return NULL;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
#endif
}

/* Does a UTF-8 byte order mark start at p? cJSON skips one at the start of
 * what it is given, which inside the whole text it would refuse. */
static int js_bom(const char *p, const char *e)
{
    return e - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3);
}

/* ---- the items' parser ----
 * manifest_json_item parses one item as cJSON_ParseWithLengthOpts(p, e - p, &end, 0)
 * does, into the same tree (types, strings, valuedouble, valueint, the
 * children's next/prev links), for the common case only: it gives up (NULL)
 * on anything else (a \u or unknown escape or a control character in a
 * string, nesting deeper than JF_MAX_DEPTH, any syntax cJSON would
 * refuse), and the caller then asks cJSON. *plain says what m_json_fix would find: no object with a
 * repeated key (objects of more than 16 members are not checked: not plain),
 * no number that is not finite. Tests compare it with cJSON
 * (tests/unit/test_manifest.c, fuzz_manifest). */
#define JF_MAX_DEPTH 64

typedef struct {
    const char *p, *e;
    bool plain;
} jf_in;

static bool jf_value(jf_in *in, cJSON *item, int depth, bool own);

/* cJSON's whitespace: every byte up to 32. */
static void jf_ws(jf_in *in)
{
    while (in->p < in->e && (unsigned char)*in->p <= 32)
        in->p++;
}

static cJSON *jf_node(void)
{
    cJSON *n = cJSON_malloc(sizeof *n);
    if (n)
        memset(n, 0, sizeof *n);
    return n;
}

/* A string without control characters, at '"': its escapes \" \\ \/ \b \f
 * \n \r \t read as cJSON's parse_string reads them (\u and any other
 * escape are left to cJSON). jf_string_end finds its closing quote (NULL
 * when it is not such a string), its length once read and how many
 * escapes it has; jf_string_copy reads it, and moves past it. */
static const char *jf_string_end(const jf_in *in, size_t *len, size_t *escapes_out)
{
    const char *q = in->p + 1, *e = in->e;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t escapes = 0;
    for (;;) {
#if defined(__SSE2__)
        /* sixteen bytes at a time while none is '"', '\\' or below 0x20 */
        while (e - q >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)q);
            __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                                        _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v));
            unsigned m = (unsigned)_mm_movemask_epi8(stop);
            if (m) {
                q += __builtin_ctz(m);
                goto stopped;
            }
            q += 16;
        }
#endif
        /* eight bytes at a time while none is '"', '\\' or below 0x20 */
        for (uint64_t w; e - q >= 8; q += 8) {
            memcpy(&w, q, 8);
            uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
            uint64_t hit = ((quote - ones) & ~quote & highs) | ((bslash - ones) & ~bslash & highs) |
                           ((w - ones * 0x20) & ~w & highs);
            if (hit) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                /* the lowest flag is exact (a borrow only flags bytes
                 * above a true one): the first byte that stops the string */
                q += __builtin_ctzll(hit) / 8;
#endif
                break;
            }
        }
        while (q < e && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
            q++;
#if defined(__SSE2__)
    stopped:
#endif
        if (q >= e || *q == '"')
            break;
        if (*q != '\\' || e - q < 2 || !q[1] || !strchr("\"\\/bfnrt", q[1]))
            return NULL; /* a control character, \u, another escape, the end */
        escapes++;
        q += 2;
    }
    if (q >= e)
        return NULL;
    *len = (size_t)(q - in->p - 1) - escapes;
    *escapes_out = escapes;
    return q;
}

static char *jf_string_copy(jf_in *in, const char *q, size_t n, size_t escapes)
{
    char *s = cJSON_malloc(n + 1);
    if (!s)
        return NULL;
    if (!escapes) {
        memcpy(s, in->p + 1, n);
    } else {
        char *o = s;
        for (const char *r = in->p + 1; r < q; r++) {
            if (*r != '\\') {
                *o++ = *r;
                continue;
            }
            switch (*++r) {
            case 'b': *o++ = '\b'; break;
            case 'f': *o++ = '\f'; break;
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            default: *o++ = *r; break; /* " \\ / */
            }
        }
    }
    s[n] = 0;
    in->p = q + 1;
    return s;
}

static char *jf_string(jf_in *in)
{
    size_t n, escapes;
    const char *q = jf_string_end(in, &n, &escapes);
    return q ? jf_string_copy(in, q, n, escapes) : NULL;
}

/* cJSON's parse_number: the run of "0-9+-eE.", read by strtod, which says
 * how far the number goes. cJSON 1.7.15 cut the run at 63 bytes, Debian's
 * (CVE-2023-26819) does not: a run that long is left to cJSON. Plain
 * integers of up to 15 digits are exact in a double: computed without
 * strtod. */
static bool jf_number(jf_in *in, cJSON *item)
{
    const char *p = in->p, *e = in->e;
    size_t n = 0;
    while (p + n < e && n < 63 && strchr("0123456789+-eE.", p[n]) && p[n])
        n++;
    if (n == 63)
        return false;
    double v;
    size_t used;
    size_t d = *p == '-';
    size_t digits = 0;
    while (d + digits < n && p[d + digits] >= '0' && p[d + digits] <= '9')
        digits++;
    if (digits && digits <= 15 && d + digits == n) {
        uint64_t u = 0;
        for (size_t i = 0; i < digits; i++)
            u = u * 10 + (uint64_t)(p[d + i] - '0');
        v = (double)u;
        if (d)
            v = -v;
        used = n;
    } else {
        char buf[64], *after = NULL;
        memcpy(buf, p, n);
        buf[n] = 0;
        v = strtod(buf, &after);
        if (after == buf)
            return false;
        used = (size_t)(after - buf);
        if (!isfinite(v))
            in->plain = false;
    }
    item->valuedouble = v;
    item->valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
    item->type |= cJSON_Number;
    in->p += used;
    return true;
}

/* The members of an array (keys NULL) or an object, at '[' or '{'. An
 * object's keys are the process's shared copies (const keys, as the
 * compact form stores them: model/store/json.h), own: their own copies
 * (the pod names of a budget's disruptedPods, as the compact form keeps
 * them) and copies when escaped or not shared. */
static bool jf_container(jf_in *in, cJSON *item, bool object, int depth, bool own)
{
    if (depth >= JF_MAX_DEPTH)
        return false;
    char close = object ? '}' : ']';
    in->p++;
    jf_ws(in);
    item->type |= object ? cJSON_Object : cJSON_Array;
    if (in->p < in->e && *in->p == close) {
        in->p++;
        return true;
    }
    cJSON *head = NULL, *last = NULL;
    int count = 0;
    /* the keys so far (up to 16): length, first two and last bytes, so
     * that two keys are compared whole only when those are the same */
    struct {
        const char *s;
        uint32_t len, ends;
    } keys[16];
    for (;;) {
        cJSON *n = jf_node();
        if (!n)
            return false;
        if (!head) {
            head = item->child = n;
        } else {
            last->next = n;
            n->prev = last;
        }
        last = n;
        head->prev = last;
        jf_ws(in);
        if (object) {
            size_t klen, escapes;
            const char *q = in->p < in->e && *in->p == '"' ? jf_string_end(in, &klen, &escapes) : NULL;
            if (!q)
                return false;
            const char *shared = !escapes && !own ? compact_shared_key(in->p + 1, klen) : NULL;
            if (shared) {
                n->string = (char *)shared;
                n->type = cJSON_StringIsConst;
                in->p = q + 1;
            } else if (!(n->string = jf_string_copy(in, q, klen, escapes))) {
                return false;
            }
            if (++count > 16) {
                in->plain = false;
            } else {
                const unsigned char *ks = (const unsigned char *)n->string;
                uint32_t ends = klen ? ks[0] | (uint32_t)ks[1] << 8 | (uint32_t)ks[klen - 1] << 16 : 0;
                int k = count - 1;
                for (int j = 0; j < k; j++)
                    if (keys[j].len == klen && keys[j].ends == ends && !memcmp(keys[j].s, n->string, klen))
                        in->plain = false;
                keys[k].s = n->string;
                keys[k].len = (uint32_t)klen;
                keys[k].ends = ends;
            }
            jf_ws(in);
            if (in->p >= in->e || *in->p != ':')
                return false;
            in->p++;
            jf_ws(in);
        }
        if (!jf_value(in, n, depth + 1, object && !own && n->string[0] == 'd' && !strcmp(n->string, "disruptedPods")))
            return false;
        jf_ws(in);
        if (in->p < in->e && *in->p == ',') {
            in->p++;
            continue;
        }
        if (in->p < in->e && *in->p == close) {
            in->p++;
            return true;
        }
        return false;
    }
}

/* own: an object's keys stay its own (jf_container). */
static bool jf_value(jf_in *in, cJSON *item, int depth, bool own)
{
    const char *p = in->p;
    size_t left = (size_t)(in->e - p);
    if (!left)
        return false;
    switch (*p) {
    case 'n':
        if (left < 4 || memcmp(p, "null", 4))
            return false;
        item->type |= cJSON_NULL;
        in->p += 4;
        return true;
    case 'f':
        if (left < 5 || memcmp(p, "false", 5))
            return false;
        item->type |= cJSON_False;
        in->p += 5;
        return true;
    case 't':
        if (left < 4 || memcmp(p, "true", 4))
            return false;
        item->type |= cJSON_True;
        item->valueint = 1;
        in->p += 4;
        return true;
    case '"':
        if (!(item->valuestring = jf_string(in)))
            return false;
        item->type |= cJSON_String;
        return true;
    case '[':
        return jf_container(in, item, false, depth, false);
    case '{':
        return jf_container(in, item, true, depth, own);
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9'))
            return jf_number(in, item);
        return false;
    }
}

cJSON *manifest_json_item(const char *p, size_t len, const char **end, bool *plain)
{
    const char *e = p + len;
    jf_in in = {p, e, true};
    cJSON *v = jf_node();
    if (!v)
        return NULL;
    jf_ws(&in);
    if (!jf_value(&in, v, 0, false)) {
        cJSON_Delete(v);
        return NULL;
    }
    *end = in.p;
    *plain = in.plain;
    return v;
}

/* cJSON's value of exactly [p, e), or NULL. */
static cJSON *js_parse(const char *p, const char *e)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(p, (size_t)(e - p), &end, 0);
    if (v && end != e) {
        cJSON_Delete(v);
        v = NULL;
    }
    return v;
}

/* The item at p (up to items_end) of a list of kind, read and checked; its
 * end in *end. NULL when it is not plain (the list must be read again the
 * ordinary way), which includes text that is not UTF-8: the items are
 * checked here, on the threads that read them, and the list around them
 * by m_stream_list. */
static cJSON *m_item_read(const char *p, const char *items_end, const char *kind, const cJSON *shell,
                          const char **end)
{
    char msg[MSGSZ];
    bool plain = false;
    if (js_bom(p, items_end))
        return NULL;
    cJSON *it = manifest_json_item(p, (size_t)(items_end - p), end, &plain);
    if (!it)
        it = cJSON_ParseWithLengthOpts(p, (size_t)(items_end - p), end, 0);
    if (it && m_utf8_bad((const unsigned char *)p, (size_t)(*end - p)) != (size_t)(*end - p)) {
        cJSON_Delete(it);
        return NULL;
    }
    if (!it || (!plain && m_json_fix(it, 3, msg))) {
        cJSON_Delete(it);
        return NULL;
    }
    m_fill_item(it, kind, shell);
    if (m_check_object(it, msg, 0) < 0) {
        cJSON_Delete(it);
        return NULL;
    }
    return it;
}

/* After an item ending at end: the next one, or the closing ']'; NULL when
 * what follows is not a plain separator (or is `,]`). */
static const char *m_item_next(const char *end, const char *items_end)
{
    const char *q = js_ws(end, items_end);
    if (q < items_end && *q == ',') {
        q = js_ws(q + 1, items_end);
        return q < items_end && *q == ']' ? NULL : q; /* [a,] */
    }
    return q < items_end && *q == ']' ? q : NULL;
}

/* Where each item of the array at p ('[') starts and ends as its brackets
 * and strings say, appended to *spans (*n of them): the end of the array,
 * or NULL when an item or what separates two is not plain (a byte order
 * mark, `,]`, no comma). What the one-thread reading would find item by
 * item, found once for the threads to share out. */
typedef struct {
    const char *p, *end;
} jl_span;

static const char *js_items(const char *p, const char *e, jl_span **spans, size_t *n)
{
    size_t cap = 0;
    p = js_ws(p + 1, e);
    while (p < e && *p != ']') {
        const char *end = js_bom(p, e) ? NULL : js_skip(p, e);
        const char *next = end ? m_item_next(end, e) : NULL;
        if (!next)
            return NULL;
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            jl_span *grown = realloc(*spans, cap * sizeof **spans);
            if (!grown)
                return NULL;
            *spans = grown;
        }
        (*spans)[(*n)++] = (jl_span){p, end};
        p = next;
    }
    return p < e ? p + 1 : NULL;
}

/* ---- a mapped text's pages ----
 * A text mapped from a file (and never written) need not stay resident
 * once read: its pages before a point are given back to the kernel, which
 * keeps them in the page cache, and a later read (the ordinary reading
 * after a list that is not plain) maps them again as they were. Without
 * this the whole file stays resident until the load ends, on top of the
 * objects made of it. */
typedef struct {
    const char *text; /* NULL: not mapped (nothing is given back) */
    const char *done; /* pages before this have been given back */
} js_pages;

static void js_release(js_pages *pg, const char *upto)
{
    if (!pg->text)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)pg->done + page - 1) & ~(page - 1), to = (uintptr_t)upto & ~(page - 1);
    if (to >= from + (4u << 20)) { /* in steps of 4 MiB or more */
        madvise((void *)from, to - from, MADV_DONTNEED);
        pg->done = (const char *)to;
    }
}

/* ---- the items of a big list on several threads ----
 * The reading thread finds the next JL_BATCH items by their brackets and
 * strings; it and the helpers then read and prepare them (sink->prepare),
 * each taking the next not yet taken; once all are done the reading thread
 * gives them on in order (sink->take). The first item that is not plain
 * stops the reading as it would have alone: the ones prepared after it are
 * dropped. Helpers start with the first full batch, so small lists use no
 * thread; the threads end with the list. */
#define JL_BATCH 256
#define JL_MAX_THREADS 4

typedef struct {
    const char *p, *end; /* the item as its brackets say */
    void *prepared;      /* NULL: not plain */
} jl_item;

typedef struct {
    const manifest_sink *sink;
    const char *kind, *items_end;
    const cJSON *shell;
    jl_item it[JL_BATCH];
    size_t n, next;       /* the batch, and how much of it is claimed (atomic) */
    unsigned gen;         /* batches handed out (under mu) */
    int parked;           /* helpers done with this batch (under mu) */
    bool quit;
    pthread_mutex_t mu;
    pthread_cond_t go, fin;
    pthread_t th[JL_MAX_THREADS];
    int nth;
} jl_pool;

/* Threads that read a big list: EVICTSIM_LOAD_THREADS, or one per CPU up
 * to JL_MAX_THREADS. */
static int m_load_threads(void)
{
    const char *e = getenv("EVICTSIM_LOAD_THREADS");
    long n = e && *e ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > JL_MAX_THREADS ? JL_MAX_THREADS : (int)n;
}

/* Each item is read and prepared in scratch (model/store/json.h): its tree, and
 * everything cJSON allocates while it is checked, defaulted and written
 * compactly, go at once when the next item starts. */
static void jl_work(jl_pool *w)
{
    size_t k;
    while ((k = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->n) {
        jl_item *x = &w->it[k];
        const char *end = NULL;
        json_scratch_begin();
        cJSON *it = m_item_read(x->p, w->items_end, w->kind, w->shell, &end);
        if (it && end != x->end) { /* cJSON and the brackets disagree: not plain */
            cJSON_Delete(it);
            it = NULL;
        }
        x->prepared = it ? w->sink->prepare(w->sink->arg, it, k) : NULL;
        json_scratch_end();
    }
}

static void *jl_thread(void *arg)
{
    jl_pool *w = arg;
    unsigned seen = 0;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->gen == seen && !w->quit)
            pthread_cond_wait(&w->go, &w->mu);
        bool quit = w->quit;
        seen = w->gen;
        pthread_mutex_unlock(&w->mu);
        if (quit)
            return NULL;
        jl_work(w);
        pthread_mutex_lock(&w->mu);
        w->parked++;
        pthread_cond_signal(&w->fin);
        pthread_mutex_unlock(&w->mu);
    }
}

/* Read and prepare w's batch on every thread; back when every helper has
 * left it (so that none still claims while the next batch is written). */
static void jl_run(jl_pool *w)
{
    w->next = 0;
    if (w->nth) {
        pthread_mutex_lock(&w->mu);
        w->parked = 0;
        w->gen++;
        pthread_cond_broadcast(&w->go);
        pthread_mutex_unlock(&w->mu);
    }
    jl_work(w);
    if (w->nth) {
        pthread_mutex_lock(&w->mu);
        while (w->parked < w->nth)
            pthread_cond_wait(&w->fin, &w->mu);
        pthread_mutex_unlock(&w->mu);
    }
}

/* The n items at spans, as the one-thread loop reads them: false when the
 * list must be read the ordinary way. */
static bool m_items_mt(const jl_span *spans, size_t n, const char *items_end, const char *kind, const cJSON *shell,
                       const manifest_sink *sink, size_t *given, js_pages *pg)
{
    jl_pool *w = calloc(1, sizeof *w);
    if (!w)
        return false;
    *w = (jl_pool){.sink = sink, .kind = kind, .items_end = items_end, .shell = shell};
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->go, NULL);
    pthread_cond_init(&w->fin, NULL);
    bool bad = false;
    /* helpers for a list of more than one batch, all started before the
     * first batch (each starts at batch 0); fewer if some cannot start */
    for (int want = n > JL_BATCH ? m_load_threads() - 1 : 0; w->nth < want; w->nth++)
        if (pthread_create(&w->th[w->nth], NULL, jl_thread, w))
            break;
    for (size_t at = 0; !bad && at < n; at += w->n) {
        js_release(pg, spans[at].p); /* the batches before are read */
        w->n = n - at < JL_BATCH ? n - at : JL_BATCH;
        for (size_t k = 0; k < w->n; k++)
            w->it[k] = (jl_item){spans[at + k].p, spans[at + k].end, NULL};
        jl_run(w);
        for (size_t k = 0; k < w->n; k++) {
            if (bad) {
                if (w->it[k].prepared)
                    sink->drop(sink->arg, w->it[k].prepared);
            } else if (!w->it[k].prepared) {
                bad = true;
            } else {
                sink->take(sink->arg, w->it[k].prepared);
                (*given)++;
            }
        }
    }
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_broadcast(&w->go);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->nth; i++)
        pthread_join(w->th[i], NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->go);
    pthread_cond_destroy(&w->fin);
    free(w);
    return !bad;
}

/* Reads text as one JSON List, giving its items to sink: 1 when done, 0 when
 * the text must be read the ordinary way (what was given has been undone):
 * among others when it is not all UTF-8. */
int m_stream_list(const char *text, size_t len, const manifest_sink *sink, size_t *given_out, bool mapped)
{
    js_pages pg = {mapped ? text : NULL, text};
    const char *p = js_ws(text, text + len), *e = text + len, *items = NULL, *items_end = NULL;
    if (p == e || *p != '{')
        return 0;
    jl_span *spans = NULL; /* the items, found with the list's end */
    size_t nspans = 0;
    cJSON *shell = cJSON_CreateObject();
    char msg[MSGSZ];
    size_t given = 0;
    int ok = 0;
    p = js_ws(p + 1, e);
    while (p < e && *p != '}') { /* the members: all but items parsed now */
        const char *kend = *p == '"' ? js_str_end(p, e) : NULL;
        if (!kend || memchr(p, '\\', (size_t)(kend - p)))
            goto out;
        cJSON *key = js_parse(p, kend);
        int fresh = key && cJSON_IsString(key) &&
                     !cJSON_GetObjectItemCaseSensitive(shell, key->valuestring) &&
                     !(items && !strcmp(key->valuestring, "items"));
        char *k = fresh ? strdup(key->valuestring) : NULL;
        cJSON_Delete(key);
        if (!k)
            goto out;
        p = js_ws(kend, e);
        const char *vs = p < e && *p == ':' ? js_ws(p + 1, e) : NULL, *ve = NULL;
        if (vs && !strcmp(k, "items") && vs < e && *vs == '[')
            ve = js_items(vs, e, &spans, &nspans);
        else if (vs && !js_bom(vs, e))
            ve = js_skip(vs, e);
        if (!ve) {
            free(k);
            goto out;
        }
        if (!strcmp(k, "items")) {
            items = vs;
            items_end = ve;
            free(k);
        } else {
            cJSON *v = js_parse(vs, ve);
            if (!v || m_json_fix(v, 2, msg)) {
                cJSON_Delete(v);
                free(k);
                goto out;
            }
            cJSON_AddItemToObject(shell, k, v);
            free(k);
        }
        p = js_ws(ve, e);
        if (p < e && *p == ',') {
            p = js_ws(p + 1, e);
            if (p < e && *p == '}')
                goto out; /* {a,} */
        } else if (p >= e || *p != '}') {
            goto out;
        }
    }
    if (p >= e || js_ws(p + 1, e) != e || !items || *items != '[')
        goto out;
    /* UTF-8 around the items (the items are checked as they are read, and
     * what separates them is spaces and commas) */
    if (m_utf8_bad((const unsigned char *)text, (size_t)(items - text)) != (size_t)(items - text) ||
        m_utf8_bad((const unsigned char *)items_end, (size_t)(e - items_end)) != (size_t)(e - items_end))
        goto out;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(shell, "kind");
    cJSON *arr = cJSON_CreateArray();
    int list = cJSON_IsString(kind) && m_is_list(kind->valuestring, arr);
    cJSON_Delete(arr);
    if (!list)
        goto out;
    p = js_ws(items + 1, items_end);
    if (sink->prepare) { /* on this thread alone when there is one */
        if (!m_items_mt(spans, nspans, items_end, kind->valuestring, shell, sink, &given, &pg))
            goto out;
        p = items_end - 1;
    } else {
        while (p < items_end && *p != ']') {
            const char *end = NULL;
            cJSON *it = m_item_read(p, items_end, kind->valuestring, shell, &end);
            if (!it)
                goto out;
            sink->put(sink->arg, it);
            given++;
            if (!(p = m_item_next(end, items_end)))
                goto out;
            js_release(&pg, p);
        }
    }
    ok = p + 1 == items_end;
    *given_out += given;
out:
    free(spans);
    cJSON_Delete(shell);
    if (!ok && given)
        sink->undo(sink->arg, given);
    return ok;
}

