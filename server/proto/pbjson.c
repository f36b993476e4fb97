/* pbjson: protobuf message <-> JSON document, driven by the descriptors
 * protoc-c generated and the Go shapes of pbreg. The wire format itself is
 * protobuf-c's (unpack, pack); the only walk of raw bytes here names the
 * error of a body protobuf-c refused, in the words of Go's generated
 * decoder. Must not know kinds, envelopes or HTTP. */
#define _GNU_SOURCE
#include "pbjson.h"
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- arena: what protobuf-c allocates for one message, freed at once ---- */

struct pbjson_chunk {
    struct pbjson_chunk *next;
    size_t used, cap;
    max_align_t data[];
};
typedef struct pbjson_chunk chunk;
typedef pbjson_arena arena;

static void *arena_alloc(void *data, size_t size)
{
    arena *ar = data;
    size = (size + 15) & ~(size_t)15;
    if (sizeof ar->first - ar->first_used >= size) {
        void *p = ar->first + ar->first_used;
        ar->first_used += size;
        return p;
    }
    chunk *c = ar->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > 16384 ? size : 16384;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = ar->head;
        c->used = 0;
        c->cap = cap;
        ar->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

static void arena_free_one(void *data, void *p)
{
    (void)data;
    (void)p;
}

void pbjson_arena_init(pbjson_arena *ar)
{
    ar->a.alloc = arena_alloc;
    ar->a.free = arena_free_one;
    ar->a.allocator_data = ar;
    ar->head = NULL;
    ar->first_used = 0;
}

void pbjson_arena_done(pbjson_arena *ar)
{
    for (chunk *c = ar->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    ar->head = NULL;
}

/* ---- field storage ---- */

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        return 4;
    }
}

#define AT(m, off) ((char *)(m) + (off))

static bool has_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)AT(m, fd->quantifier_offset) > 0;
    if (fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(void *const *)AT(m, fd->offset) != NULL;
    if (fd->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    return *(const protobuf_c_boolean *)AT(m, fd->quantifier_offset);
}

static bool is_zero(const ProtobufCFieldDescriptor *fd, const void *p)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING:
        return !*(char *const *)p || !**(char *const *)p;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(void *const *)p == NULL;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)p;
    default:
        return elem_size(fd->type) == 8 ? *(const uint64_t *)p == 0 : *(const uint32_t *)p == 0;
    }
}

/* The field `number` of m: its storage, and whether it is set. */
static const void *fget(const pb_msg *pm, const ProtobufCMessage *m, unsigned number, bool *set)
{
    const pb_field *f = pbreg_field(pm, number);
    *set = f && has_field(m, f->fd);
    return f ? AT(m, f->fd->offset) : NULL;
}

static int64_t fget_i64(const pb_msg *pm, const ProtobufCMessage *m, unsigned number, bool *set)
{
    const pb_field *f = pbreg_field(pm, number);
    *set = f && has_field(m, f->fd);
    if (!*set)
        return 0;
    return elem_size(f->fd->type) == 8 ? *(const int64_t *)AT(m, f->fd->offset) : *(const int32_t *)AT(m, f->fd->offset);
}

/* ---- protobuf -> JSON text ---- */

typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
    char *err;
    arena *ar;
} dctx;

static void set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(char **err, const char *fmt, ...)
{
    if (*err)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0)
        *err = NULL;
    va_end(ap);
}

/* The longest JSON text a body may decode to: zero values Go writes for
 * absent structs make the text longer than the body, but not without end. */
#define MAX_TEXT (64u << 20)

static char *room(dctx *x, size_t n)
{
    if (x->oom)
        return NULL;
    if (x->len + n + 1 > MAX_TEXT) {
        set_err(&x->err, "the decoded object is larger than %u bytes", MAX_TEXT);
        x->oom = true;
        return NULL;
    }
    if (x->len + n + 1 > x->cap) {
        size_t cap = (x->len + n + 1) * 2 < 512 ? 512 : (x->len + n + 1) * 2;
        char *s = realloc(x->s, cap);
        if (!s) {
            x->oom = true;
            return NULL;
        }
        x->s = s;
        x->cap = cap;
    }
    return x->s + x->len;
}

static void put(dctx *x, const char *s, size_t n)
{
    char *o = room(x, n);
    if (o) {
        memcpy(o, s, n);
        x->len += n;
    }
}

static void puts_(dctx *x, const char *s)
{
    put(x, s, strlen(s));
}

static void putc_(dctx *x, char c)
{
    put(x, &c, 1);
}

/* The length of the valid UTF-8 sequence at p (0: invalid). */
static int utf8_len(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (!len || (size_t)len > left)
        return 0;
    if (len == 1)
        return 1;
    uint32_t cp = c & (0xff >> (len + 1));
    for (int k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3f);
    }
    if (cp < (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A JSON string; invalid UTF-8 is written as U+FFFD, as Go's encoder does. */
static void put_str(dctx *x, const char *str, size_t n)
{
    const unsigned char *p = (const unsigned char *)str;
    putc_(x, '"');
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            run++;
            i++;
            continue;
        }
        put(x, (const char *)p + i - run, run);
        run = 0;
        if (c < 0x80) {
            char esc[8];
            if (c == '"' || c == '\\')
                snprintf(esc, sizeof esc, "\\%c", c);
            else
                snprintf(esc, sizeof esc, "\\u%04x", c);
            puts_(x, esc);
            i++;
            continue;
        }
        int len = utf8_len(p + i, n - i);
        if (len) {
            put(x, (const char *)p + i, (size_t)len);
            i += (size_t)len;
        } else {
            put(x, "\xef\xbf\xbd", 3);
            i++;
        }
    }
    put(x, (const char *)p + n - run, run);
    putc_(x, '"');
}

static void put_base64(dctx *x, const uint8_t *b, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = room(x, (n + 2) / 3 * 4 + 2);
    if (!o)
        return;
    char *start = o;
    *o++ = '"';
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o++ = '"';
    x->len += (size_t)(o - start);
}

static void put_fmt(dctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(dctx *x, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(x, buf, n > 0 ? (size_t)n : 0);
}

/* A double as cJSON prints one (what the JSON path would have read). */
static void put_double(dctx *x, double d)
{
    char buf[32];
    if (d != d || d - d != 0) { /* NaN, infinities: JSON has none */
        puts_(x, "null");
        return;
    }
    if (d == (double)(int64_t)d && d > -1e15 && d < 1e15) {
        put_fmt(x, "%" PRId64, (int64_t)d);
        return;
    }
    snprintf(buf, sizeof buf, "%1.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, sizeof buf, "%1.17g", d);
    puts_(x, buf);
}

/* Go's fmtFrac: the last prec digits of *u as a fraction (none when all
 * are zero), written backwards at buf[*w]; *u loses them. */
static void frac_digits(char *buf, int *w, uint64_t *u, int prec)
{
    bool print = false;
    for (int i = 0; i < prec; i++) {
        int digit = (int)(*u % 10);
        print = print || digit != 0;
        if (print)
            buf[--*w] = (char)('0' + digit);
        *u /= 10;
    }
    if (print)
        buf[--*w] = '.';
}

/* Go's fmtInt: v in decimal, written backwards at buf[*w]. */
static void int_digits(char *buf, int *w, uint64_t v)
{
    do {
        buf[--*w] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
}

/* Go's time.Duration.String(). */
static void go_duration(int64_t d, char *out, size_t outlen)
{
    char buf[40];
    int w = (int)sizeof buf;
    uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;
    buf[--w] = 0;
    if (u == 0) {
        snprintf(out, outlen, "0s");
        return;
    }
    if (u < 1000000000) { /* a fraction of a second: ns, µs or ms */
        const char *unit = u < 1000 ? "ns" : u < 1000000 ? "\xc2\xb5s" : "ms";
        w -= (int)strlen(unit);
        memcpy(buf + w, unit, strlen(unit));
        frac_digits(buf, &w, &u, u < 1000 ? 0 : u < 1000000 ? 3 : 6);
        int_digits(buf, &w, u);
    } else {
        buf[--w] = 's';
        frac_digits(buf, &w, &u, 9);
        int_digits(buf, &w, u % 60);
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            int_digits(buf, &w, u % 60);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                int_digits(buf, &w, u);
            }
        }
    }
    if (d < 0)
        buf[--w] = '-';
    snprintf(out, outlen, "%s", buf + w);
}

/* metav1.Time (RFC 3339, seconds) and MicroTime (microseconds), in UTC. */
static bool put_time(dctx *x, int64_t secs, int64_t nanos, bool micro)
{
    if (micro) { /* time.Unix normalises nanos into seconds */
        secs += nanos / 1000000000;
        nanos %= 1000000000;
        if (nanos < 0) {
            nanos += 1000000000;
            secs--;
        }
    }
    /* Go's zero time (year 1) is null */
    if (secs == INT64_C(-62135596800) && (!micro || nanos == 0)) {
        puts_(x, "null");
        return true;
    }
    struct tm tm;
    time_t t = (time_t)secs;
    if (secs < INT64_C(-62167219200) || secs > INT64_C(253402300799) || !gmtime_r(&t, &tm)) {
        set_err(&x->err, "Time.MarshalJSON: year outside of range [0,9999]");
        return false;
    }
    if (micro)
        put_fmt(x, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\"", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(nanos / 1000));
    else
        put_fmt(x, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
    return true;
}

static bool put_msg(const pb_msg *pm, const ProtobufCMessage *m, dctx *x, int depth);
static bool put_fields(const pb_msg *pm, const ProtobufCMessage *m, dctx *x, bool *first, int depth);

/* A message Go holds by value but the body left out: its zero value. */
static const ProtobufCMessage *zero_msg(const pb_msg *pm, dctx *x)
{
    ProtobufCMessage *z = arena_alloc(x->ar, pm->d->sizeof_message);
    if (z)
        protobuf_c_message_init(pm->d, z);
    else
        x->oom = true;
    return z;
}

static bool put_value(const pb_field *f, const void *p, dctx *x, int depth)
{
    const ProtobufCFieldDescriptor *fd = f->fd;
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_ENUM:
        put_fmt(x, "%" PRId32, *(const int32_t *)p);
        return true;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        put_fmt(x, "%" PRIu32, *(const uint32_t *)p);
        return true;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        put_fmt(x, "%" PRId64, *(const int64_t *)p);
        return true;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        put_fmt(x, "%" PRIu64, *(const uint64_t *)p);
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
        put_double(x, *(const float *)p);
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        put_double(x, *(const double *)p);
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        puts_(x, *(const protobuf_c_boolean *)p ? "true" : "false");
        return true;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p ? *(char *const *)p : "";
        put_str(x, s, strlen(s));
        return true;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = p;
        put_base64(x, bd->data, bd->len);
        return true;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
        if (!sub && !(sub = zero_msg(f->sub, x)))
            return false;
        return put_msg(f->sub, sub, x, depth + 1);
    }
    }
    puts_(x, "null");
    return true;
}

/* The zero value Go writes for a field the body left out. */
static bool put_zero(const pb_field *f, dctx *x, int depth)
{
    static const uint64_t zero[2];
    if (f->fd->type == PROTOBUF_C_TYPE_BYTES) {
        puts_(x, "null"); /* a nil []byte */
        return true;
    }
    return put_value(f, zero, x, depth);
}

static int by_key(const void *a, const void *b)
{
    const ProtobufCMessage *const *ea = a, *const *eb = b;
    const char *ka = *(char *const *)((const char *)*ea + ((const ProtobufCMessage *)*ea)->descriptor->fields[0].offset);
    const char *kb = *(char *const *)((const char *)*eb + ((const ProtobufCMessage *)*eb)->descriptor->fields[0].offset);
    int c = strcmp(ka ? ka : "", kb ? kb : "");
    return c ? c : (ea < eb ? -1 : ea > eb);
}

/* map<string, V>: keys sorted as Go writes them, the last of equal keys
 * kept as Go's map keeps it. */
static bool put_map(const pb_field *f, const ProtobufCMessage *const *entries, size_t n, dctx *x, int depth)
{
    const pb_msg *em = f->sub;
    const pb_field *kf = pbreg_field(em, 1), *vf = pbreg_field(em, 2);
    const ProtobufCMessage **sorted = arena_alloc(x->ar, n * sizeof *sorted);
    if (!kf || !vf || kf->fd->type != PROTOBUF_C_TYPE_STRING || !sorted)
        return false;
    memcpy(sorted, entries, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_key); /* ties keep their order (by address, = body order) */
    putc_(x, '{');
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const char *key = *(char *const *)AT(sorted[i], kf->fd->offset);
        if (i + 1 < n) {
            const char *next = *(char *const *)AT(sorted[i + 1], kf->fd->offset);
            if (!strcmp(key ? key : "", next ? next : ""))
                continue; /* a later entry has the same key */
        }
        if (!first)
            putc_(x, ',');
        first = false;
        put_str(x, key ? key : "", key ? strlen(key) : 0);
        putc_(x, ':');
        const ProtobufCMessage *e = sorted[i];
        if (!(has_field(e, vf->fd) ? put_value(vf, AT(e, vf->fd->offset), x, depth) : put_zero(vf, x, depth)))
            return false;
    }
    putc_(x, '}');
    return true;
}

static bool put_raw(const ProtobufCBinaryData *raw, bool set, dctx *x)
{
    if (!set || !raw->data) {
        puts_(x, "null");
        return true;
    }
    cJSON *j = cJSON_ParseWithLength((const char *)raw->data, raw->len);
    char *t = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!t) {
        set_err(&x->err, "json: error calling MarshalJSON for type *runtime.RawExtension: invalid character in raw JSON");
        return false;
    }
    puts_(x, t);
    free(t);
    return true;
}

static bool put_msg(const pb_msg *pm, const ProtobufCMessage *m, dctx *x, int depth)
{
    bool s1, s2, s3;
    if (depth > 100) {
        set_err(&x->err, "exceeded max depth");
        return false;
    }
    switch (pm->special) {
    case PBS_TIME: case PBS_MICROTIME: {
        int64_t secs = fget_i64(pm, m, 1, &s1), nanos = fget_i64(pm, m, 2, &s2);
        if (!s1 && !s2) {
            puts_(x, "null");
            return true;
        }
        return put_time(x, secs, pm->special == PBS_MICROTIME ? nanos : 0, pm->special == PBS_MICROTIME);
    }
    case PBS_DURATION: {
        char buf[48];
        go_duration(fget_i64(pm, m, 1, &s1), buf, sizeof buf);
        put_str(x, buf, strlen(buf));
        return true;
    }
    case PBS_QUANTITY: {
        char *const *s = fget(pm, m, 1, &s1);
        if (s1)
            put_str(x, *s, strlen(*s));
        else
            puts_(x, "\"0\"");
        return true;
    }
    case PBS_INTORSTRING: {
        int64_t type = fget_i64(pm, m, 1, &s1);
        int64_t iv = fget_i64(pm, m, 2, &s2);
        char *const *sv = fget(pm, m, 3, &s3);
        if (type == 1)
            put_str(x, s3 ? *sv : "", s3 ? strlen(*sv) : 0);
        else
            put_fmt(x, "%" PRId32, (int32_t)iv);
        return true;
    }
    case PBS_RAWEXT: case PBS_FIELDSV1: {
        const ProtobufCBinaryData *raw = fget(pm, m, 1, &s1);
        return put_raw(raw, s1, x);
    }
    default: {
        bool first = true;
        putc_(x, '{');
        if (!put_fields(pm, m, x, &first, depth))
            return false;
        putc_(x, '}');
        return true;
    }
    }
}

static void put_key(dctx *x, const char *key, bool *first)
{
    if (!*first)
        putc_(x, ',');
    *first = false;
    putc_(x, '"');
    puts_(x, key); /* JSON names are plain identifiers */
    puts_(x, "\":");
}

/* m's fields, as Go's encoder writes the Go struct:
 * - a pointer field when it is set (at zero too);
 * - a value field with omitempty when it is not zero (structs always);
 * - a value field without omitempty always (its zero value when absent);
 * - an inline (embedded) struct's fields as the object's own. */
static bool put_fields(const pb_msg *pm, const ProtobufCMessage *m, dctx *x, bool *first, int depth)
{
    for (unsigned i = 0; i < pm->nfields; i++) {
        const pb_field *f = &pm->fields[i];
        const ProtobufCFieldDescriptor *fd = f->fd;
        const void *p = AT(m, fd->offset);
        bool ok = true;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)AT(m, fd->quantifier_offset);
            if (n == 0) {
                if ((f->flags & PBF_KNOWN) && !(f->flags & PBF_OMITEMPTY)) {
                    put_key(x, f->json, first);
                    puts_(x, "null");
                }
                continue;
            }
            const char *arr = *(const char *const *)p;
            put_key(x, f->json, first);
            if (f->sub && f->sub->special == PBS_MAPENTRY) {
                ok = put_map(f, (const ProtobufCMessage *const *)arr, n, x, depth);
            } else {
                size_t es = elem_size(fd->type);
                putc_(x, '[');
                for (size_t k = 0; k < n && ok; k++) {
                    if (k)
                        putc_(x, ',');
                    ok = put_value(f, arr + k * es, x, depth);
                }
                putc_(x, ']');
            }
        } else {
            bool set = has_field(m, fd);
            if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                if (!set && (f->flags & PBF_POINTER || !(f->flags & PBF_KNOWN)))
                    continue;
                if (f->flags & PBF_INLINE) {
                    const ProtobufCMessage *sub = set ? *(const ProtobufCMessage *const *)p : zero_msg(f->sub, x);
                    ok = sub && put_fields(f->sub, sub, x, first, depth + 1);
                } else {
                    put_key(x, f->json, first);
                    ok = put_value(f, p, x, depth);
                }
            } else if (!(f->flags & PBF_KNOWN) || f->flags & PBF_POINTER) {
                if (!set)
                    continue;
                put_key(x, f->json, first);
                ok = put_value(f, p, x, depth);
            } else if (f->flags & PBF_OMITEMPTY) {
                if (!set || is_zero(fd, p))
                    continue;
                put_key(x, f->json, first);
                ok = put_value(f, p, x, depth);
            } else {
                put_key(x, f->json, first);
                ok = set ? put_value(f, p, x, depth) : put_zero(f, x, depth);
            }
        }
        if (!ok || x->oom)
            return false;
    }
    return true;
}

int pbjson_field_plain(const pb_field *f, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *fd = f->fd;
    bool set = has_field(m, fd);
    if (fd->label == PROTOBUF_C_LABEL_REPEATED) /* as put_fields: an empty list */
        return set ? PBJ_OTHER : (f->flags & PBF_KNOWN) && !(f->flags & PBF_OMITEMPTY) ? PBJ_NULL : PBJ_NOTHING;
    if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (!set && (f->flags & PBF_POINTER || !(f->flags & PBF_KNOWN)))
            return PBJ_NOTHING;
        if (f->flags & PBF_INLINE || (f->sub->special != PBS_TIME && f->sub->special != PBS_MICROTIME))
            return PBJ_OTHER;
        const ProtobufCMessage *t = set ? *(const ProtobufCMessage *const *)AT(m, fd->offset) : NULL;
        bool s1 = false, s2 = false;
        if (t) {
            fget(f->sub, t, 1, &s1);
            fget(f->sub, t, 2, &s2);
        }
        return s1 || s2 ? PBJ_OTHER : PBJ_NULL; /* put_msg: a time with neither part */
    }
    if (!(f->flags & PBF_KNOWN) || f->flags & PBF_POINTER)
        return set ? PBJ_OTHER : PBJ_NOTHING;
    if (f->flags & PBF_OMITEMPTY)
        return !set || is_zero(fd, AT(m, fd->offset)) ? PBJ_NOTHING : PBJ_OTHER;
    return PBJ_OTHER;
}

/* ---- why protobuf-c refused the bytes, as Go's generated Unmarshal says ---- */

typedef struct {
    const uint8_t *b;
    size_t i, n;
} rd;

/* 0 ok, else the error text */
static const char *rd_varint(rd *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0;; shift += 7) {
        if (shift >= 64)
            return "proto: integer overflow";
        if (r->i >= r->n)
            return "unexpected EOF";
        uint8_t c = r->b[r->i++];
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80)
            return NULL;
    }
}

static const char *rd_len(rd *r, uint64_t *len)
{
    const char *e = rd_varint(r, len);
    if (e)
        return e;
    if ((int64_t)*len < 0)
        return "proto: negative length found during unmarshaling";
    if (*len > r->n - r->i)
        return "unexpected EOF";
    return NULL;
}

/* skipGenerated: an unknown field's value (groups included). */
static const char *skip(rd *r, int wt)
{
    int depth = 0;
    uint64_t v;
    const char *e;
    for (;;) {
        switch (wt) {
        case 0:
            if ((e = rd_varint(r, &v)))
                return e;
            break;
        case 1:
            if (r->n - r->i < 8)
                return "unexpected EOF";
            r->i += 8;
            break;
        case 2:
            if ((e = rd_len(r, &v)))
                return e;
            r->i += v;
            break;
        case 3:
            depth++;
            break;
        case 4:
            if (depth == 0)
                return "proto: unexpected end of group";
            depth--;
            break;
        case 5:
            if (r->n - r->i < 4)
                return "unexpected EOF";
            r->i += 4;
            break;
        default:
            return "proto: illegal wireType";
        }
        if (depth == 0)
            return NULL;
        if ((e = rd_varint(r, &v)))
            return e;
        wt = (int)(v & 7);
    }
}

static int wire_type_of(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_BYTES: case PROTOBUF_C_TYPE_MESSAGE:
        return 2;
    case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_DOUBLE:
        return 1;
    case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_FLOAT:
        return 5;
    default:
        return 0;
    }
}

static const char *diagnose(const pb_msg *pm, const uint8_t *b, size_t n, char *buf, size_t bl, int depth)
{
    rd r = {b, 0, n};
    const char *e;
    if (depth > 100)
        return "exceeded max depth";
    while (r.i < n) {
        uint64_t key, v;
        if ((e = rd_varint(&r, &key)))
            return e;
        int64_t num = (int64_t)(key >> 3);
        int wt = (int)(key & 7);
        if (wt == 4) {
            snprintf(buf, bl, "proto: %s: wiretype end group for non-group", pm->d->short_name);
            return buf;
        }
        if (num <= 0) {
            snprintf(buf, bl, "proto: %s: illegal tag %" PRId64 " (wire type %d)", pm->d->short_name, num, wt);
            return buf;
        }
        const pb_field *f = num <= UINT32_MAX ? pbreg_field(pm, (unsigned)num) : NULL;
        if (!f) {
            if ((e = skip(&r, wt))) {
                if (!strcmp(e, "proto: illegal wireType")) {
                    snprintf(buf, bl, "proto: illegal wireType %d", wt);
                    return buf;
                }
                return e;
            }
            continue;
        }
        int want = wire_type_of(f->fd->type);
        bool packed = f->fd->label == PROTOBUF_C_LABEL_REPEATED && want != 2 && wt == 2;
        if (wt != want && !packed) {
            snprintf(buf, bl, "proto: wrong wireType = %d for field %s", wt, f->goname);
            return buf;
        }
        if (wt == 0) {
            if ((e = rd_varint(&r, &v)))
                return e;
        } else if (wt == 1 || wt == 5) {
            size_t w = wt == 1 ? 8 : 4;
            if (r.n - r.i < w)
                return "unexpected EOF";
            r.i += w;
        } else {
            if ((e = rd_len(&r, &v)))
                return e;
            rd sub = {b + r.i, 0, (size_t)v};
            r.i += v;
            if (packed) {
                while (sub.i < sub.n) {
                    if (want == 0) {
                        if ((e = rd_varint(&sub, &v)))
                            return e;
                    } else {
                        size_t w = want == 1 ? 8 : 4;
                        if (sub.n - sub.i < w)
                            return "unexpected EOF";
                        sub.i += w;
                    }
                }
            } else if (f->fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                if ((e = diagnose(f->sub, sub.b, sub.n, buf, bl, depth + 1)))
                    return e;
            }
        }
    }
    return NULL;
}

char *pbjson_error(const pb_msg *pm, const uint8_t *b, size_t n)
{
    char buf[256];
    const char *e = diagnose(pm, b, n, buf, sizeof buf, 0);
    return e ? strdup(e) : NULL;
}

ProtobufCMessage *pbjson_unpack(const pb_msg *m, const uint8_t *b, size_t n, pbjson_arena *ar)
{
    return protobuf_c_message_unpack(m->d, &ar->a, n, b);
}

/* m's descriptor with its bytes field `number` read as repeated messages of
 * sub, in m's own struct: the ProtobufCBinaryData's len holds their count
 * and its data the array of them (both a size_t and a pointer, as
 * protobuf-c keeps a repeated field). Repeated, so that a field sent twice
 * is two messages, not one merged (a bytes field keeps the last). Built
 * once for each (m, number, sub); a few of them at most. */
#define NESTED_MAX 8
static struct nested {
    const pb_msg *m, *sub;
    unsigned number;
    size_t offset; /* of the bytes field in m's struct */
    ProtobufCMessageDescriptor d;
    ProtobufCFieldDescriptor *fields;
} nested[NESTED_MAX];
static unsigned nested_count; /* published with release after the entry is built */
static pthread_mutex_t nested_mu = PTHREAD_MUTEX_INITIALIZER;

static const struct nested *nested_of(const pb_msg *m, unsigned number, const pb_msg *sub)
{
    unsigned n = __atomic_load_n(&nested_count, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (nested[i].m == m && nested[i].number == number && nested[i].sub == sub)
            return &nested[i];
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(m->d, number);
    if (!fd || fd->type != PROTOBUF_C_TYPE_BYTES || fd->label == PROTOBUF_C_LABEL_REPEATED ||
        fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF || fd->default_value)
        return NULL;
    const struct nested *found = NULL;
    pthread_mutex_lock(&nested_mu);
    n = nested_count;
    for (unsigned i = 0; i < n && !found; i++)
        if (nested[i].m == m && nested[i].number == number && nested[i].sub == sub)
            found = &nested[i];
    ProtobufCFieldDescriptor *fields = NULL;
    if (!found && n < NESTED_MAX && (fields = malloc(m->d->n_fields * sizeof *fields))) {
        struct nested *e = &nested[n];
        memcpy(fields, m->d->fields, m->d->n_fields * sizeof *fields);
        ProtobufCFieldDescriptor *f = &fields[fd - m->d->fields];
        f->label = PROTOBUF_C_LABEL_REPEATED;
        f->type = PROTOBUF_C_TYPE_MESSAGE;
        f->quantifier_offset = fd->offset + offsetof(ProtobufCBinaryData, len);
        f->offset = fd->offset + offsetof(ProtobufCBinaryData, data);
        f->descriptor = sub->d;
        f->flags = 0;
        *e = (struct nested){.m = m, .sub = sub, .number = number, .offset = fd->offset, .d = *m->d,
                            .fields = fields};
        e->d.fields = fields;
        e->d.message_init = NULL; /* protobuf-c's generic one: it sets our descriptor */
        __atomic_store_n(&nested_count, n + 1, __ATOMIC_RELEASE);
        found = e;
    }
    pthread_mutex_unlock(&nested_mu);
    return found;
}

ProtobufCMessage *pbjson_unpack_nested(const pb_msg *m, unsigned number, const pb_msg *sub, const uint8_t *b, size_t n,
                                       pbjson_arena *ar, const ProtobufCMessage **inner)
{
    *inner = NULL;
    const struct nested *e = nested_of(m, number, sub);
    ProtobufCMessage *out = e ? protobuf_c_message_unpack(&e->d, &ar->a, n, b) : NULL;
    if (!out)
        return NULL;
    ProtobufCBinaryData *bd = (ProtobufCBinaryData *)AT(out, e->offset);
    size_t count = bd->len;
    if (count == 1)
        *inner = ((ProtobufCMessage *const *)bd->data)[0];
    *bd = (ProtobufCBinaryData){0, NULL}; /* read as the field not sent */
    out->descriptor = m->d;
    return count <= 1 ? out : NULL;
}

char *pbjson_decode(const pb_msg *pm, const uint8_t *b, size_t n, const char *head, size_t *len, char **err)
{
    arena ar;
    pbjson_arena_init(&ar);
    *err = NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(pm->d, &ar.a, n, b);
    if (!m) {
        char buf[256];
        const char *e = diagnose(pm, b, n, buf, sizeof buf, 0);
        set_err(err, "%s", e ? e : "unexpected EOF");
        pbjson_arena_done(&ar);
        return NULL;
    }
    dctx x = {.ar = &ar};
    bool ok;
    if (pm->special == PBS_PLAIN) { /* an object: head's members first */
        bool first = !head || !*head;
        putc_(&x, '{');
        if (!first)
            puts_(&x, head);
        ok = put_fields(pm, m, &x, &first, 0);
        putc_(&x, '}');
    } else {
        ok = put_msg(pm, m, &x, 0);
    }
    pbjson_arena_done(&ar);
    if (!ok || x.oom) {
        *err = x.err ? x.err : strdup("out of memory");
        free(x.s);
        return NULL;
    }
    free(x.err);
    x.s[x.len] = 0;
    *len = x.len;
    return x.s;
}

/* ---- JSON -> protobuf ---- */

typedef struct {
    arena *ar;
    char *err;
} ectx;

static char *astr(ectx *x, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(x->ar, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static ProtobufCMessage *new_msg(const pb_msg *pm, ectx *x)
{
    ProtobufCMessage *m = arena_alloc(x->ar, pm->d->sizeof_message);
    if (m)
        protobuf_c_message_init(pm->d, m);
    return m;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static bool unbase64(const char *s, ProtobufCBinaryData *out, ectx *x)
{
    size_t n = strlen(s);
    uint8_t *o = arena_alloc(x->ar, n / 4 * 3 + 3);
    size_t k = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (uint8_t)(acc >> bits);
        }
    }
    out->data = o;
    out->len = k;
    return true;
}

/* RFC 3339 (as metav1.Time and MicroTime write it) into seconds and nanos. */
static bool parse_time(const char *s, int64_t *secs, int32_t *nanos)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6)
        return false;
    const char *p = s + used;
    int32_t ns = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (digits++ < 9)
                ns = ns * 10 + (*p - '0');
        for (; digits < 9; digits++)
            ns *= 10;
    }
    int off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
            return false;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z' && *p != 'z') {
        return false;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *secs = (int64_t)timegm(&tm) - off;
    *nanos = ns;
    return true;
}

/* Go's time.ParseDuration, for the units Duration.String writes. */
static bool parse_duration(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    if (!strcmp(s, "0")) {
        *out = 0;
        return true;
    }
    double total = 0;
    if (!*s)
        return false;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s)
            return false;
        s = end;
        double unit;
        if (!strncmp(s, "ns", 2)) unit = 1, s += 2;
        else if (!strncmp(s, "us", 2)) unit = 1e3, s += 2;
        else if (!strncmp(s, "\xc2\xb5s", 3)) unit = 1e3, s += 3;
        else if (!strncmp(s, "\xce\xbcs", 3)) unit = 1e3, s += 3;
        else if (!strncmp(s, "ms", 2)) unit = 1e6, s += 2;
        else if (*s == 's') unit = 1e9, s++;
        else if (*s == 'm') unit = 60e9, s++;
        else if (*s == 'h') unit = 3600e9, s++;
        else return false;
        total += v * unit;
    }
    *out = (int64_t)(neg ? -total : total);
    return true;
}

static bool json_into(const pb_msg *pm, ProtobufCMessage *m, const cJSON *obj, ectx *x, int depth);
static void complete(const pb_msg *pm, ProtobufCMessage *m, ectx *x, int depth);

static bool bad_value(ectx *x, const pb_field *f, const cJSON *v)
{
    (void)v;
    set_err(&x->err, "cannot encode field %s of %s", f->json, f->sub ? f->sub->d->short_name : "a scalar");
    return false;
}

/* A JSON value into the storage p of field f (one element). */
static bool value_into(const pb_field *f, void *p, const cJSON *v, ectx *x, int depth)
{
    const ProtobufCFieldDescriptor *fd = f->fd;
    double d = cJSON_IsNumber(v) ? v->valuedouble : 0;
    if (cJSON_IsRaw(v))
        d = strtod(v->valuestring, NULL);
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_ENUM:
        if (!cJSON_IsNumber(v))
            return bad_value(x, f, v);
        *(int32_t *)p = (int32_t)d;
        return true;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        if (!cJSON_IsNumber(v))
            return bad_value(x, f, v);
        *(uint32_t *)p = (uint32_t)d;
        return true;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        if (cJSON_IsRaw(v))
            *(int64_t *)p = strtoll(v->valuestring, NULL, 10);
        else if (cJSON_IsNumber(v))
            *(int64_t *)p = d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
        else
            return bad_value(x, f, v);
        return true;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        if (cJSON_IsRaw(v))
            *(uint64_t *)p = strtoull(v->valuestring, NULL, 10);
        else if (cJSON_IsNumber(v) && d >= 0)
            *(uint64_t *)p = d >= 1.8e19 ? UINT64_MAX : (uint64_t)d;
        else
            return bad_value(x, f, v);
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
        if (!cJSON_IsNumber(v))
            return bad_value(x, f, v);
        *(float *)p = (float)d;
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!cJSON_IsNumber(v))
            return bad_value(x, f, v);
        *(double *)p = d;
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        if (!cJSON_IsBool(v))
            return bad_value(x, f, v);
        *(protobuf_c_boolean *)p = cJSON_IsTrue(v);
        return true;
    case PROTOBUF_C_TYPE_STRING:
        if (cJSON_IsNull(v))
            return true;
        if (!cJSON_IsString(v))
            return bad_value(x, f, v);
        return (*(char **)p = astr(x, v->valuestring)) != NULL;
    case PROTOBUF_C_TYPE_BYTES:
        if (cJSON_IsNull(v))
            return true;
        if (!cJSON_IsString(v) || !unbase64(v->valuestring, p, x))
            return bad_value(x, f, v);
        return true;
    case PROTOBUF_C_TYPE_MESSAGE: {
        const pb_msg *sm = f->sub;
        ProtobufCMessage *sub = new_msg(sm, x);
        if (!sub)
            return false;
        *(ProtobufCMessage **)p = sub;
        const pb_field *f1 = pbreg_field(sm, 1), *f2 = pbreg_field(sm, 2), *f3 = pbreg_field(sm, 3);
        switch (sm->special) {
        case PBS_TIME: case PBS_MICROTIME: {
            int64_t secs;
            int32_t ns;
            if (cJSON_IsNull(v))
                return true; /* the zero time: an empty message */
            if (!cJSON_IsString(v) || !parse_time(v->valuestring, &secs, &ns))
                return bad_value(x, f, v);
            *(int64_t *)AT(sub, f1->fd->offset) = secs;
            *(protobuf_c_boolean *)AT(sub, f1->fd->quantifier_offset) = 1;
            *(int32_t *)AT(sub, f2->fd->offset) = sm->special == PBS_MICROTIME ? ns / 1000 * 1000 : 0;
            *(protobuf_c_boolean *)AT(sub, f2->fd->quantifier_offset) = 1;
            return true;
        }
        case PBS_DURATION: {
            int64_t ns;
            if (!cJSON_IsString(v) || !parse_duration(v->valuestring, &ns))
                return bad_value(x, f, v);
            *(int64_t *)AT(sub, f1->fd->offset) = ns;
            *(protobuf_c_boolean *)AT(sub, f1->fd->quantifier_offset) = 1;
            return true;
        }
        case PBS_QUANTITY: {
            char num[40];
            const char *s = num;
            if (cJSON_IsString(v))
                s = v->valuestring;
            else if (cJSON_IsNumber(v))
                snprintf(num, sizeof num, "%.17g", v->valuedouble);
            else
                return bad_value(x, f, v);
            return (*(char **)AT(sub, f1->fd->offset) = astr(x, s)) != NULL;
        }
        case PBS_INTORSTRING: {
            bool str = cJSON_IsString(v);
            if (!str && !cJSON_IsNumber(v))
                return bad_value(x, f, v);
            *(int64_t *)AT(sub, f1->fd->offset) = str;
            *(protobuf_c_boolean *)AT(sub, f1->fd->quantifier_offset) = 1;
            *(int32_t *)AT(sub, f2->fd->offset) = str ? 0 : (int32_t)v->valuedouble;
            *(protobuf_c_boolean *)AT(sub, f2->fd->quantifier_offset) = 1;
            return (*(char **)AT(sub, f3->fd->offset) = astr(x, str ? v->valuestring : "")) != NULL;
        }
        case PBS_RAWEXT: case PBS_FIELDSV1: {
            if (cJSON_IsNull(v))
                return true;
            char *t = cJSON_PrintUnformatted(v);
            if (!t)
                return false;
            ProtobufCBinaryData *bd = (ProtobufCBinaryData *)AT(sub, f1->fd->offset);
            bd->len = strlen(t);
            bd->data = arena_alloc(x->ar, bd->len + 1);
            memcpy(bd->data, t, bd->len);
            free(t);
            *(protobuf_c_boolean *)AT(sub, f1->fd->quantifier_offset) = 1;
            return true;
        }
        default:
            if (cJSON_IsNull(v))
                return true;
            if (!cJSON_IsObject(v))
                return bad_value(x, f, v);
            return json_into(sm, sub, v, x, depth + 1);
        }
    }
    }
    return false;
}

/* Where a JSON member goes: a field of pm, or of one of its inline structs
 * (*owner is then that struct's message, created in m). */
static const pb_field *find_json(const pb_msg *pm, ProtobufCMessage *m, const char *name, ProtobufCMessage **owner,
                                 const pb_msg **owner_msg, ectx *x)
{
    for (unsigned i = 0; i < pm->nfields; i++)
        if (!(pm->fields[i].flags & PBF_INLINE) && !strcmp(pm->fields[i].json, name)) {
            *owner = m;
            *owner_msg = pm;
            return &pm->fields[i];
        }
    for (unsigned i = 0; i < pm->nfields; i++) {
        const pb_field *f = &pm->fields[i];
        if (!(f->flags & PBF_INLINE) || !f->sub)
            continue;
        ProtobufCMessage **slot = (ProtobufCMessage **)AT(m, f->fd->offset);
        bool had = *slot != NULL;
        if (!had && !(*slot = new_msg(f->sub, x)))
            return NULL;
        const pb_field *in = find_json(f->sub, *slot, name, owner, owner_msg, x);
        if (in)
            return in;
        if (!had)
            *slot = NULL;
    }
    return NULL;
}

static bool json_into(const pb_msg *pm, ProtobufCMessage *m, const cJSON *obj, ectx *x, int depth)
{
    if (depth > 64) {
        set_err(&x->err, "object nested too deeply");
        return false;
    }
    for (const cJSON *v = obj->child; v; v = v->next) {
        if (!v->string)
            continue;
        ProtobufCMessage *om;
        const pb_msg *opm;
        const pb_field *f = find_json(pm, m, v->string, &om, &opm, x);
        if (!f)
            continue; /* kind, apiVersion, and what the schema does not have */
        const ProtobufCFieldDescriptor *fd = f->fd;
        void *p = AT(om, fd->offset);
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t es = elem_size(fd->type), n = 0;
            if (cJSON_IsNull(v))
                continue;
            if (f->sub && f->sub->special == PBS_MAPENTRY) {
                if (!cJSON_IsObject(v))
                    return bad_value(x, f, v);
                size_t cnt = (size_t)cJSON_GetArraySize(v);
                ProtobufCMessage **es_ = arena_alloc(x->ar, cnt * sizeof *es_ + 1);
                const pb_field *kf = pbreg_field(f->sub, 1), *vf = pbreg_field(f->sub, 2);
                for (const cJSON *e = v->child; e; e = e->next) {
                    ProtobufCMessage *ent = new_msg(f->sub, x);
                    if (!ent || !(*(char **)AT(ent, kf->fd->offset) = astr(x, e->string)))
                        return false;
                    if (!value_into(vf, AT(ent, vf->fd->offset), e, x, depth + 1))
                        return false;
                    if (vf->fd->type != PROTOBUF_C_TYPE_STRING && vf->fd->type != PROTOBUF_C_TYPE_MESSAGE)
                        *(protobuf_c_boolean *)AT(ent, vf->fd->quantifier_offset) = 1;
                    else if (vf->fd->type == PROTOBUF_C_TYPE_STRING && !*(char **)AT(ent, vf->fd->offset))
                        *(char **)AT(ent, vf->fd->offset) = (char *)"";
                    es_[n++] = ent;
                }
                *(void **)p = es_;
            } else {
                if (!cJSON_IsArray(v))
                    return bad_value(x, f, v);
                size_t cnt = (size_t)cJSON_GetArraySize(v);
                char *arr = arena_alloc(x->ar, cnt * es + 1);
                if (!arr)
                    return false;
                memset(arr, 0, cnt * es + 1);
                for (const cJSON *e = v->child; e; e = e->next) {
                    if (!value_into(f, arr + n * es, e, x, depth + 1))
                        return false;
                    if (fd->type == PROTOBUF_C_TYPE_STRING && !*(char **)(arr + n * es))
                        *(char **)(arr + n * es) = (char *)"";
                    n++;
                }
                *(void **)p = arr;
            }
            *(size_t *)AT(om, fd->quantifier_offset) = n;
            continue;
        }
        if (cJSON_IsNull(v) && fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (!value_into(f, p, v, x, depth))
            return false;
        if (fd->type != PROTOBUF_C_TYPE_STRING && fd->type != PROTOBUF_C_TYPE_MESSAGE &&
            fd->label != PROTOBUF_C_LABEL_REQUIRED)
            *(protobuf_c_boolean *)AT(om, fd->quantifier_offset) = 1;
    }
    complete(pm, m, x, depth);
    return true;
}

/* Go writes every field of a value (non-pointer) type, even at its zero
 * value, and a struct's own value fields within. */
static void complete(const pb_msg *pm, ProtobufCMessage *m, ectx *x, int depth)
{
    if (pm->special != PBS_PLAIN || depth > 64)
        return;
    for (unsigned i = 0; i < pm->nfields; i++) {
        const pb_field *f = &pm->fields[i];
        const ProtobufCFieldDescriptor *fd = f->fd;
        if (!(f->flags & PBF_KNOWN) || f->flags & PBF_POINTER || fd->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        void *p = AT(m, fd->offset);
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (!*(ProtobufCMessage **)p && f->sub) {
                ProtobufCMessage *sub = new_msg(f->sub, x);
                if (!sub)
                    return;
                *(ProtobufCMessage **)p = sub;
                complete(f->sub, sub, x, depth + 1);
                if (f->sub->special == PBS_INTORSTRING || f->sub->special == PBS_QUANTITY) {
                    /* zero IntOrString {0, 0, ""}; zero Quantity "0" */
                    const pb_field *f1 = pbreg_field(f->sub, 1);
                    if (f->sub->special == PBS_QUANTITY)
                        *(char **)AT(sub, f1->fd->offset) = (char *)"0";
                    else
                        for (unsigned k = 1; k <= 3; k++) {
                            const pb_field *fk = pbreg_field(f->sub, k);
                            if (fk->fd->type == PROTOBUF_C_TYPE_STRING)
                                *(char **)AT(sub, fk->fd->offset) = (char *)"";
                            else
                                *(protobuf_c_boolean *)AT(sub, fk->fd->quantifier_offset) = 1;
                        }
                }
            }
        } else if (fd->type == PROTOBUF_C_TYPE_STRING) {
            if (!*(char **)p)
                *(char **)p = (char *)"";
        } else if (fd->label != PROTOBUF_C_LABEL_REQUIRED) {
            *(protobuf_c_boolean *)AT(m, fd->quantifier_offset) = 1;
        }
    }
}

uint8_t *pbjson_encode(const pb_msg *pm, const cJSON *doc, size_t *len, char **err)
{
    arena ar;
    pbjson_arena_init(&ar);
    ectx x = {&ar, NULL};
    *err = NULL;
    *len = 0;
    ProtobufCMessage *m = new_msg(pm, &x);
    uint8_t *out = NULL;
    if (m && cJSON_IsObject(doc) && json_into(pm, m, doc, &x, 0)) {
        size_t n = protobuf_c_message_get_packed_size(m);
        out = malloc(n ? n : 1);
        if (out)
            *len = protobuf_c_message_pack(m, out);
    } else if (!x.err) {
        set_err(&x.err, "not an object");
    }
    pbjson_arena_done(&ar);
    *err = x.err;
    return out;
}
