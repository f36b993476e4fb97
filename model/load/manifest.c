/* model/load/manifest.c — owns turning YAML/JSON manifest text into cJSON values
 * (libyaml events -> node tree -> cJSON, scalars resolved as go-yaml v2 and
 * sigs.k8s.io/yaml do) and loading manifest files, directories and stdin.
 * It must not know the store, the server or any kind beyond the
 * apiVersion/kind/metadata checks; it keeps no global state. */
#define _GNU_SOURCE
#include "manifest.h"
#include "json.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>
#include <uthash.h>
#include <yaml.h>

#define TAGP "tag:yaml.org,2002:"
#define MSGSZ 512

/* ---------- errors ---------- */

static void m_seterr(char **err, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (err)
        *err = s;
    else
        free(s);
}

/* ---------- text helpers ---------- */

static int m_isdigit(int c) { return c >= '0' && c <= '9'; }

/* Offset of the first byte that is not valid UTF-8, or n. */
static size_t m_utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t w; /* ASCII eight bytes at a time */
        while (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ull)))
            i += 8;
        if (i >= n)
            break;
        unsigned c = s[i], cp, k;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; }
        else return i;
        if (n - i <= k)
            return i;
        for (unsigned j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (cp >= 0xD800 && cp <= 0xDFFF) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += k + 1;
    }
    return n;
}

static size_t m_line_at(const char *text, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n')
            line++;
    return line;
}

/* How many YAML documents have started before offset `off` (at least 1). */
static int m_docs_before(const char *text, size_t off)
{
    yaml_parser_t p;
    yaml_event_t e;
    int n = 0;
    if (!yaml_parser_initialize(&p))
        return 1;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, off);
    while (yaml_parser_parse(&p, &e)) {
        yaml_event_type_t t = e.type;
        yaml_event_delete(&e);
        if (t == YAML_DOCUMENT_START_EVENT)
            n++;
        if (t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&p);
    return n ? n : 1;
}

/* ---------- go-style number parsing (strconv.ParseUint/ParseInt base 0) ---------- */

enum { GO_OK = 0, GO_SYNTAX = 1, GO_RANGE = 2 };

static int m_base_prefix(const char **sp)
{
    const char *s = *sp;
    if (s[0] != '0')
        return 10;
    if (strlen(s) >= 3) {
        int c1 = tolower((unsigned char)s[1]);
        if (c1 == 'b') { *sp = s + 2; return 2; }
        if (c1 == 'o') { *sp = s + 2; return 8; }
        if (c1 == 'x') { *sp = s + 2; return 16; }
    }
    *sp = s + 1;
    return 8;
}

static int m_digit_val(int c)
{
    if (m_isdigit(c)) return c - '0';
    if (isalpha(c)) return tolower(c) - 'a' + 10;
    return 99;
}

static int m_go_parse_uint(const char *s, unsigned long long *out)
{
    if (!*s)
        return GO_SYNTAX;
    int base = m_base_prefix(&s);
    unsigned long long n = 0, cutoff = ULLONG_MAX / (unsigned)base + 1;
    for (; *s; s++) {
        int d = m_digit_val((unsigned char)*s);
        if (d >= base)
            return GO_SYNTAX;
        if (n >= cutoff)
            return GO_RANGE;
        n *= (unsigned)base;
        if (n + (unsigned)d < n)
            return GO_RANGE;
        n += (unsigned)d;
    }
    *out = n;
    return GO_OK;
}

static int m_go_parse_int(const char *s, long long *out)
{
    int neg = 0;
    unsigned long long u;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    int rc = m_go_parse_uint(s, &u);
    if (rc != GO_OK)
        return rc;
    if (!neg && u > (unsigned long long)LLONG_MAX)
        return GO_RANGE;
    if (neg && u > (unsigned long long)LLONG_MAX + 1)
        return GO_RANGE;
    if (neg)
        *out = u == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)u;
    else
        *out = (long long)u;
    return GO_OK;
}

/* big.Int.SetString(s, 0) for an unsigned s, as a double. */
static int m_go_big(const char *s, double *out)
{
    if (!*s)
        return -1;
    int base = m_base_prefix(&s);
    long double v = 0;
    for (; *s; s++) {
        int d = m_digit_val((unsigned char)*s);
        if (d >= base)
            return -1;
        v = v * base + d;
    }
    *out = (double)v;
    return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int m_float_re(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (*s == '.') {
        if (!m_isdigit(*++s))
            return 0;
        while (m_isdigit(*s)) s++;
    } else {
        if (!m_isdigit(*s))
            return 0;
        while (m_isdigit(*s)) s++;
        if (*s == '.')
            for (s++; m_isdigit(*s); s++) {}
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!m_isdigit(*s))
            return 0;
        while (m_isdigit(*s)) s++;
    }
    return *s == 0;
}

static char *m_strip_underscores(const char *in)
{
    char *out = malloc(strlen(in) + 1), *o = out;
    if (!out)
        return NULL;
    for (; *in; in++)
        if (*in != '_')
            *o++ = *in;
    *o = 0;
    return out;
}

/* strconv.ParseFloat for text starting with '.' (underscores only between digits). */
static int m_dot_float(const char *in, double *out)
{
    for (const char *p = in; *p; p++)
        if (*p == '_' && (p == in || !m_isdigit(p[-1]) || !m_isdigit(p[1])))
            return 0;
    char *plain = m_strip_underscores(in);
    int ok = plain && m_float_re(plain);
    if (ok) {
        *out = strtod(plain, NULL);
        ok = isfinite(*out);
    }
    free(plain);
    return ok;
}

static int m_digits(const char **sp, int min, int max, int *val)
{
    int n = 0, v = 0;
    while (n < max && m_isdigit(**sp)) {
        v = v * 10 + (**sp - '0');
        (*sp)++;
        n++;
    }
    *val = v;
    return n >= min;
}

/* go-yaml's parseTimestamp formats: 2006-1-2, 2006-1-2[Tt ]15:4:5[.frac][zone]. */
static int m_timestamp(const char *s)
{
    int y, mo, d, h, mi, se, z;
    if (!m_digits(&s, 4, 4, &y) || *s++ != '-' || !m_digits(&s, 1, 2, &mo) ||
        *s++ != '-' || !m_digits(&s, 1, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    if (!*s)
        return 1;
    char sep = *s++;
    if (sep != 'T' && sep != 't' && sep != ' ')
        return 0;
    if (!m_digits(&s, 1, 2, &h) || *s++ != ':' || !m_digits(&s, 1, 2, &mi) ||
        *s++ != ':' || !m_digits(&s, 1, 2, &se) || h > 23 || mi > 59 || se > 59)
        return 0;
    if (*s == '.') {
        s++;
        if (!m_digits(&s, 1, 9, &z))
            return 0;
    }
    if (sep == ' ')
        return *s == 0;
    if (*s == 'Z')
        return s[1] == 0;
    if (*s != '+' && *s != '-')
        return 0;
    s++;
    return m_digits(&s, 2, 2, &z) && *s++ == ':' && m_digits(&s, 2, 2, &z) && *s == 0;
}

/* strconv.FormatFloat(d, 'g', -1, 32) with go-yaml's .inf/.nan spellings. */
static void m_fmt_float32(double d, char *buf, size_t sz)
{
    float f = (float)d;
    if (isnan(f)) { snprintf(buf, sz, ".nan"); return; }
    if (isinf(f)) { snprintf(buf, sz, f > 0 ? ".inf" : "-.inf"); return; }
    char e[64], dig[32];
    int p, nd = 0;
    for (p = 1; p < 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, (double)f);
        if ((float)strtod(e, NULL) == f)
            break;
    }
    const char *s = e;
    int neg = *s == '-';
    if (neg)
        s++;
    for (; *s && *s != 'e' && nd < 30; s++)
        if (*s != '.')
            dig[nd++] = *s;
    int exp = atoi(s + 1);
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    char out[96];
    size_t o = 0;
    if (neg) out[o++] = '-';
    if (exp < -4 || exp >= 6) {
        out[o++] = dig[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int i = 1; i < nd; i++) out[o++] = dig[i];
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    } else if (exp < 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -exp - 1; i++) out[o++] = '0';
        for (int i = 0; i < nd; i++) out[o++] = dig[i];
    } else {
        for (int i = 0; i <= exp; i++) out[o++] = i < nd ? dig[i] : '0';
        if (nd > exp + 1) {
            out[o++] = '.';
            for (int i = exp + 1; i < nd; i++) out[o++] = dig[i];
        }
    }
    out[o] = 0;
    snprintf(buf, sz, "%s", out);
}

/* base64.StdEncoding.DecodeString; \r and \n ignored. NUL-terminated result. */
static char *m_b64(const char *in, size_t len, size_t *outlen)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char *out = malloc(len / 4 * 3 + 4);
    size_t o = 0, q = 0, pad = 0;
    unsigned acc = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '\r' || c == '\n')
            continue;
        const char *pos = c ? strchr(al, c) : NULL;
        if (c == '=') {
            pad++;
            acc <<= 6;
        } else if (!pos || pad) {
            free(out);
            return NULL;
        } else {
            acc = (acc << 6) | (unsigned)(pos - al);
        }
        if (++q % 4 == 0) {
            unsigned char b[3] = { (unsigned char)(acc >> 16), (unsigned char)(acc >> 8), (unsigned char)acc };
            for (size_t j = 0; j < 3 - pad && pad <= 2; j++)
                out[o++] = b[j];
            acc = 0;
        }
    }
    if (q % 4 || pad > 2) {
        free(out);
        return NULL;
    }
    out[o] = 0;
    *outlen = o;
    return (char *)out;
}

/* ---------- scalar resolution (go-yaml v2 resolve.go) ---------- */

enum { R_NULL, R_BOOL, R_INT, R_UINT, R_BIG, R_FLOAT, R_STR };
enum { RT_STR, RT_BOOL, RT_INT, RT_FLOAT, RT_NULL, RT_TIMESTAMP, RT_OTHER };

typedef struct {
    int type, b;
    long long i;
    unsigned long long u;
    double d;
    const char *s;
    size_t slen;
    char *owned;
} mres;

static int m_tag_rt(const char *tag)
{
    if (!tag) return RT_STR;
    if (!strcmp(tag, TAGP "str")) return RT_STR;
    if (!strcmp(tag, TAGP "bool")) return RT_BOOL;
    if (!strcmp(tag, TAGP "int")) return RT_INT;
    if (!strcmp(tag, TAGP "float")) return RT_FLOAT;
    if (!strcmp(tag, TAGP "null")) return RT_NULL;
    if (!strcmp(tag, TAGP "timestamp")) return RT_TIMESTAMP;
    return RT_OTHER;
}

static const char *m_rt_name(int rt)
{
    static const char *names[] = { "!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp", "?" };
    return names[rt];
}

static int m_hint(const char *in)
{
    int c = (unsigned char)in[0];
    if (!c) return 'N';
    if (c == '+' || c == '-') return 'S';
    if (m_isdigit(c)) return 'D';
    if (strchr("yYnNtTfFoO~", c)) return 'M';
    if (c == '.') return '.';
    return 0;
}

static int m_in_list(const char *in, const char *const *l)
{
    for (; *l; l++)
        if (!strcmp(in, *l))
            return 1;
    return 0;
}

/* resolveMap lookup; returns the rtag or -1. */
static int m_resolve_map(const char *in, mres *r)
{
    static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL };
    static const char *const no[] = { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL };
    static const char *const nul[] = { "", "~", "null", "Null", "NULL", NULL };
    static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };
    static const char *const pinf[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL };
    static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };
    if (m_in_list(in, yes) || m_in_list(in, no)) {
        r->type = R_BOOL;
        r->b = m_in_list(in, yes);
        return RT_BOOL;
    }
    if (m_in_list(in, nul)) { r->type = R_NULL; return RT_NULL; }
    r->type = R_FLOAT;
    if (m_in_list(in, nan)) { r->d = NAN; return RT_FLOAT; }
    if (m_in_list(in, pinf)) { r->d = INFINITY; return RT_FLOAT; }
    if (m_in_list(in, ninf)) { r->d = -INFINITY; return RT_FLOAT; }
    r->type = R_STR;
    return -1;
}

/* The 'D'/'S' branch: timestamp, int, uint, float, big int. */
static int m_resolve_number(int tagrt, const char *in, mres *r)
{
    if ((tagrt == RT_STR || tagrt == RT_TIMESTAMP) && m_timestamp(in))
        return RT_TIMESTAMP;
    char *plain = m_strip_underscores(in);
    int rt = RT_STR, urc = GO_SYNTAX;
    if (!plain)
        return RT_STR;
    if (m_go_parse_int(plain, &r->i) == GO_OK) {
        r->type = R_INT;
        rt = RT_INT;
    } else if ((urc = m_go_parse_uint(plain, &r->u)) == GO_OK) {
        r->type = R_UINT;
        rt = RT_INT;
    } else if (m_float_re(plain) && isfinite(r->d = strtod(plain, NULL))) {
        r->type = R_FLOAT;
        rt = RT_FLOAT;
    } else if (urc == GO_RANGE && m_go_big(plain, &r->d) == 0) {
        r->type = R_BIG;
        rt = RT_INT;
    }
    free(plain);
    return rt;
}

/* resolve(tag, in) for a resolvable tag; tagrt RT_STR with tag NULL means "". */
static int m_resolve_core(const char *tag, int tagrt, const char *in, mres *r)
{
    int hint = m_hint(in);
    r->type = R_STR;
    if (!hint || (tag && tagrt == RT_STR))
        return RT_STR;
    int rt = m_resolve_map(in, r);
    if (rt >= 0)
        return rt;
    if (hint == '.' && m_dot_float(in, &r->d)) {
        r->type = R_FLOAT;
        return RT_FLOAT;
    }
    if (hint == 'D' || hint == 'S') {
        rt = m_resolve_number(tag ? tagrt : RT_STR, in, r);
        if (rt == RT_TIMESTAMP || rt == RT_STR)
            r->type = R_STR;
        return rt;
    }
    return RT_STR;
}

/* Resolve a scalar's text with its tag (NULL: plain and untagged). */
static int m_resolve(const char *tag, const char *in, mres *r, char *msg, size_t line)
{
    int tagrt = m_tag_rt(tag);
    r->s = in;
    r->slen = strlen(in);
    if (tagrt == RT_OTHER) {
        r->type = R_STR;
        return 0;
    }
    int rt = m_resolve_core(tag, tagrt, in, r);
    if (!tag || tagrt == RT_STR || tagrt == rt)
        return 0;
    if (tagrt == RT_FLOAT && r->type == R_INT) {
        r->type = R_FLOAT;
        r->d = (double)r->i;
        return 0;
    }
    snprintf(msg, MSGSZ, "yaml: line %zu: cannot decode %s `%.200s` as a %s", line, m_rt_name(rt), in,
             m_rt_name(tagrt));
    return -1;
}

/* ---------- node tree built from libyaml events ---------- */

enum { MN_SCALAR, MN_SEQ, MN_MAP, MN_ALIAS };

typedef struct mnode {
    int kind, plain, busy;
    size_t line, len, n, cap;
    char *tag, *value;
    struct mnode **kids;
    struct mnode *target;
} mnode;

typedef struct manchor {
    char *name;
    mnode *node;
    UT_hash_handle hh;
} manchor;

typedef struct {
    mnode **all;
    size_t nall, capall;
    manchor *anchors;
    mnode *stack[MANIFEST_MAX_DEPTH];
    int depth;
    mnode *root;
    long decode_count, alias_count;
    int alias_depth;
    char msg[MSGSZ];
} mctx;

static void mc_reset(mctx *c)
{
    for (size_t i = 0; i < c->nall; i++) {
        free(c->all[i]->tag);
        free(c->all[i]->value);
        free(c->all[i]->kids);
        free(c->all[i]);
    }
    free(c->all);
    manchor *a, *tmp;
    HASH_ITER(hh, c->anchors, a, tmp) {
        HASH_DEL(c->anchors, a);
        free(a->name);
        free(a);
    }
    memset(c, 0, offsetof(mctx, msg));
}

static int mc_oom(mctx *c)
{
    snprintf(c->msg, MSGSZ, "out of memory");
    return -1;
}

static mnode *mn_new(mctx *c, int kind, const yaml_event_t *e)
{
    if (c->nall == c->capall) {
        size_t cap = c->capall ? c->capall * 2 : 64;
        mnode **all = realloc(c->all, cap * sizeof *all);
        if (!all)
            return NULL;
        c->all = all;
        c->capall = cap;
    }
    mnode *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    c->all[c->nall++] = n;
    n->kind = kind;
    n->line = e->start_mark.line + 1;
    return n;
}

static int mc_anchor(mctx *c, const yaml_char_t *name, mnode *n)
{
    manchor *a;
    if (!name)
        return 0;
    HASH_FIND_STR(c->anchors, (const char *)name, a);
    if (!a) {
        a = calloc(1, sizeof *a);
        if (!a || !(a->name = strdup((const char *)name))) {
            free(a);
            return mc_oom(c);
        }
        HASH_ADD_KEYPTR(hh, c->anchors, a->name, strlen(a->name), a);
    }
    a->node = n;
    return 0;
}

static int mc_attach(mctx *c, mnode *n)
{
    if (c->depth == 0) {
        c->root = n;
        return 0;
    }
    mnode *p = c->stack[c->depth - 1];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        mnode **k = realloc(p->kids, cap * sizeof *k);
        if (!k)
            return mc_oom(c);
        p->kids = k;
        p->cap = cap;
    }
    p->kids[p->n++] = n;
    return 0;
}

static int mc_open(mctx *c, mnode *n)
{
    if (c->depth >= MANIFEST_MAX_DEPTH) {
        snprintf(c->msg, MSGSZ, "yaml: line %zu: exceeded max depth of %d", n->line, MANIFEST_MAX_DEPTH);
        return -1;
    }
    c->stack[c->depth++] = n;
    return 0;
}

static int mc_alias_event(mctx *c, const yaml_event_t *e)
{
    mnode *n = mn_new(c, MN_ALIAS, e);
    manchor *a;
    if (!n || !(n->value = strdup((const char *)e->data.alias.anchor)))
        return mc_oom(c);
    HASH_FIND_STR(c->anchors, n->value, a);
    if (!a) {
        snprintf(c->msg, MSGSZ, "yaml: line %zu: unknown anchor '%.100s' referenced", n->line, n->value);
        return -1;
    }
    n->target = a->node;
    return mc_attach(c, n);
}

static int mc_scalar_event(mctx *c, const yaml_event_t *e)
{
    mnode *n = mn_new(c, MN_SCALAR, e);
    if (!n || !(n->value = malloc(e->data.scalar.length + 1)))
        return mc_oom(c);
    memcpy(n->value, e->data.scalar.value, e->data.scalar.length);
    n->value[e->data.scalar.length] = 0;
    n->len = e->data.scalar.length;
    n->plain = e->data.scalar.plain_implicit;
    if (e->data.scalar.tag && !(n->tag = strdup((const char *)e->data.scalar.tag)))
        return mc_oom(c);
    if (mc_anchor(c, e->data.scalar.anchor, n) < 0)
        return -1;
    return mc_attach(c, n);
}

static int mc_event(mctx *c, const yaml_event_t *e)
{
    mnode *n;
    switch (e->type) {
    case YAML_ALIAS_EVENT:
        return mc_alias_event(c, e);
    case YAML_SCALAR_EVENT:
        return mc_scalar_event(c, e);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int seq = e->type == YAML_SEQUENCE_START_EVENT;
        if (!(n = mn_new(c, seq ? MN_SEQ : MN_MAP, e)))
            return mc_oom(c);
        const yaml_char_t *anchor = seq ? e->data.sequence_start.anchor : e->data.mapping_start.anchor;
        if (mc_anchor(c, anchor, n) < 0 || mc_attach(c, n) < 0)
            return -1;
        return mc_open(c, n);
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        c->depth--;
        return 0;
    default:
        return 0;
    }
}

/* ---------- node tree -> cJSON ---------- */

/* go-yaml v2 allowedAliasRatio */
static double mc_allowed_ratio(long decodes)
{
    const double low = 400000, high = 4000000;
    if (decodes <= low)
        return 0.99;
    if (decodes >= high)
        return 0.10;
    return 0.99 - 0.89 * ((decodes - low) / (high - low));
}

static int mc_count(mctx *c)
{
    c->decode_count++;
    if (c->alias_depth > 0)
        c->alias_count++;
    if (c->alias_count > 100 && c->decode_count > 1000 &&
        (double)c->alias_count / (double)c->decode_count > mc_allowed_ratio(c->decode_count)) {
        snprintf(c->msg, MSGSZ, "yaml: document contains excessive aliasing");
        return -1;
    }
    return 0;
}

static int mc_scalar_res(mctx *c, mnode *n, mres *r)
{
    memset(r, 0, sizeof *r);
    if (strlen(n->value) != n->len) {
        snprintf(c->msg, MSGSZ, "yaml: line %zu: NUL characters in strings are not supported", n->line);
        return -1;
    }
    if (!n->tag && !n->plain) {
        r->type = R_STR;
        r->s = n->value;
        r->slen = n->len;
        return 0;
    }
    if (n->tag && !strcmp(n->tag, TAGP "binary")) {
        r->type = R_STR;
        r->owned = m_b64(n->value, n->len, &r->slen);
        r->s = r->owned;
        if (!r->s || strlen(r->s) != r->slen || m_utf8_bad((const unsigned char *)r->s, r->slen) != r->slen) {
            snprintf(c->msg, MSGSZ, "yaml: line %zu: !!binary value is not base64 of UTF-8 text", n->line);
            free(r->owned);
            return -1;
        }
        return 0;
    }
    return m_resolve(n->tag, n->value, r, c->msg, n->line);
}

static cJSON *mc_scalar(mctx *c, mnode *n)
{
    mres r;
    cJSON *v = NULL;
    if (mc_scalar_res(c, n, &r) < 0)
        return NULL;
    switch (r.type) {
    case R_NULL: v = cJSON_CreateNull(); break;
    case R_BOOL: v = cJSON_CreateBool(r.b); break;
    case R_INT: v = cJSON_CreateNumber((double)r.i); break;
    case R_UINT: v = cJSON_CreateNumber((double)r.u); break;
    case R_BIG:
    case R_FLOAT:
        if (!isfinite(r.d)) {
            snprintf(c->msg, MSGSZ, "yaml: line %zu: the number %.100s cannot be represented in JSON", n->line,
                     n->value);
            return NULL;
        }
        v = cJSON_CreateNumber(r.d);
        break;
    default: v = cJSON_CreateString(r.s); break;
    }
    free(r.owned);
    if (!v)
        mc_oom(c);
    return v;
}

/* Object builder: keeps first position, last value, with a hash index. */
typedef struct mkey {
    cJSON *item;
    UT_hash_handle hh;
} mkey;

static void mo_free(mkey **idx)
{
    mkey *k, *tmp;
    HASH_ITER(hh, *idx, k, tmp) {
        HASH_DEL(*idx, k);
        free(k);
    }
}

/* item has ->string set and is not linked anywhere; obj takes it. */
static int mo_put(cJSON *obj, mkey **idx, cJSON *item)
{
    mkey *k;
    HASH_FIND_STR(*idx, item->string, k);
    if (k) {
        HASH_DEL(*idx, k);
        cJSON_ReplaceItemViaPointer(obj, k->item, item);
    } else {
        if (!(k = calloc(1, sizeof *k))) {
            cJSON_Delete(item);
            return -1;
        }
        cJSON_AddItemToArray(obj, item);
    }
    k->item = item;
    HASH_ADD_KEYPTR(hh, *idx, item->string, strlen(item->string), k);
    return 0;
}

/* Give val the key `key` using cJSON's own allocator. */
static cJSON *mo_keyed(cJSON *val, const char *key)
{
    cJSON *tmp = cJSON_CreateObject();
    if (!tmp || !cJSON_AddItemToObject(tmp, key, val)) {
        cJSON_Delete(tmp);
        cJSON_Delete(val);
        return NULL;
    }
    cJSON_DetachItemViaPointer(tmp, val);
    cJSON_Delete(tmp);
    return val;
}

static cJSON *mc_value(mctx *c, mnode *n, int depth);

static mnode *mc_target(mnode *n) { return n->kind == MN_ALIAS ? n->target : n; }

static char *mc_key(mctx *c, mnode *k)
{
    mres r;
    char buf[128];
    if (mc_count(c) < 0)
        return NULL;
    if (k->kind == MN_ALIAS) {
        c->alias_depth++;
        int rc = mc_count(c);
        c->alias_depth--;
        if (rc < 0)
            return NULL;
        k = k->target;
    }
    if (k->kind != MN_SCALAR) {
        snprintf(c->msg, MSGSZ, "yaml: line %zu: invalid map key: a %s", k->line,
                 k->kind == MN_MAP ? "mapping" : "sequence");
        return NULL;
    }
    if (mc_scalar_res(c, k, &r) < 0)
        return NULL;
    switch (r.type) {
    case R_STR: {
        char *s = strdup(r.s);
        free(r.owned);
        return s;
    }
    case R_BOOL: return strdup(r.b ? "true" : "false");
    case R_INT: snprintf(buf, sizeof buf, "%lld", r.i); return strdup(buf);
    case R_UINT: snprintf(buf, sizeof buf, "%llu", r.u); return strdup(buf);
    case R_FLOAT: m_fmt_float32(r.d, buf, sizeof buf); return strdup(buf);
    default:
        snprintf(c->msg, MSGSZ, "yaml: line %zu: unsupported map key: %.100s", k->line,
                 r.type == R_NULL ? "null" : k->value);
        return NULL;
    }
}

static int mc_merge_one(mctx *c, cJSON *obj, mkey **idx, mnode *src, int depth)
{
    cJSON *m = mc_value(c, src, depth);
    if (!m)
        return -1;
    while (m->child) {
        cJSON *item = cJSON_DetachItemViaPointer(m, m->child);
        if (mo_put(obj, idx, item) < 0) {
            cJSON_Delete(m);
            return mc_oom(c);
        }
    }
    cJSON_Delete(m);
    return 0;
}

static int mc_want_map(mctx *c, mnode *v)
{
    snprintf(c->msg, MSGSZ, "yaml: line %zu: map merge requires map or sequence of maps as the value", v->line);
    return -1;
}

/* go-yaml v2 merge: a map, an alias of one, or a sequence of them (earlier wins). */
static int mc_merge(mctx *c, cJSON *obj, mkey **idx, mnode *v, int depth)
{
    if (mc_target(v)->kind == MN_MAP)
        return mc_merge_one(c, obj, idx, v, depth);
    if (v->kind != MN_SEQ)
        return mc_want_map(c, v);
    for (size_t i = v->n; i-- > 0;) {
        if (mc_target(v->kids[i])->kind != MN_MAP)
            return mc_want_map(c, v->kids[i]);
        if (mc_merge_one(c, obj, idx, v->kids[i], depth) < 0)
            return -1;
    }
    return 0;
}

static int mc_is_merge(mnode *k)
{
    return k->kind == MN_SCALAR && !strcmp(k->value, "<<") &&
           ((k->plain && !k->tag) || (k->tag && !strcmp(k->tag, TAGP "merge")));
}

static int mc_pair(mctx *c, cJSON *obj, mkey **idx, mnode *k, mnode *v, int depth)
{
    if (mc_is_merge(k))
        return mc_merge(c, obj, idx, v, depth);
    char *key = mc_key(c, k);
    if (!key)
        return -1;
    cJSON *val = mc_value(c, v, depth + 1);
    if (val)
        val = mo_keyed(val, key);
    free(key);
    if (!val || mo_put(obj, idx, val) < 0)
        return val ? mc_oom(c) : -1;
    return 0;
}

static cJSON *mc_map(mctx *c, mnode *n, int depth)
{
    cJSON *obj = cJSON_CreateObject();
    mkey *idx = NULL;
    if (!obj) {
        mc_oom(c);
        return NULL;
    }
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        if (mc_pair(c, obj, &idx, n->kids[i], n->kids[i + 1], depth) < 0) {
            mo_free(&idx);
            cJSON_Delete(obj);
            return NULL;
        }
    }
    mo_free(&idx);
    return obj;
}

static cJSON *mc_seq(mctx *c, mnode *n, int depth)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr) {
        mc_oom(c);
        return NULL;
    }
    for (size_t i = 0; i < n->n; i++) {
        cJSON *v = mc_value(c, n->kids[i], depth + 1);
        if (!v) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, v);
    }
    return arr;
}

static cJSON *mc_alias(mctx *c, mnode *n, int depth)
{
    mnode *t = n->target;
    if (t->busy) {
        snprintf(c->msg, MSGSZ, "yaml: line %zu: anchor '%.100s' value contains itself", n->line, n->value);
        return NULL;
    }
    t->busy = 1;
    c->alias_depth++;
    cJSON *v = mc_value(c, t, depth);
    c->alias_depth--;
    t->busy = 0;
    return v;
}

/* depth: nesting level of n if it is a collection (root = 1). */
static cJSON *mc_value(mctx *c, mnode *n, int depth)
{
    if (mc_count(c) < 0)
        return NULL;
    if (n->kind == MN_ALIAS)
        return mc_alias(c, n, depth);
    if (n->kind == MN_SCALAR)
        return mc_scalar(c, n);
    if (depth > MANIFEST_MAX_DEPTH) {
        snprintf(c->msg, MSGSZ, "yaml: line %zu: exceeded max depth of %d", n->line, MANIFEST_MAX_DEPTH);
        return NULL;
    }
    return n->kind == MN_MAP ? mc_map(c, n, depth) : mc_seq(c, n, depth);
}

/* ---------- stream driver ---------- */

/* Receives each document's value (ownership passes). Returns 0 to go on,
 * 1 to stop, -1 with msg set on error. */
typedef int (*mdoc_cb)(void *arg, cJSON *v, char *msg);

static void m_yaml_error(const yaml_parser_t *p, const char *text, char *msg, int *docno)
{
    const char *problem = p->problem ? p->problem : "unknown problem parsing YAML content";
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        snprintf(msg, MSGSZ, "out of memory");
        break;
    case YAML_READER_ERROR:
        *docno = m_docs_before(text, p->problem_offset);
        snprintf(msg, MSGSZ, "yaml: line %zu: %s", m_line_at(text, p->problem_offset), problem);
        break;
    default:
        snprintf(msg, MSGSZ, "yaml: line %zu: %s", p->problem_mark.line + 1, problem);
        break;
    }
}

/* One event; returns 0 go on, 1 stop, -1 error (c->msg set). ndoc counts the
 * documents started; in_doc tells whether one is open. */
static int m_yaml_step(mctx *c, yaml_event_t *e, int *ndoc, int *in_doc, mdoc_cb cb, void *arg)
{
    switch (e->type) {
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_DOCUMENT_START_EVENT:
        ++*ndoc;
        *in_doc = 1;
        return 0;
    case YAML_DOCUMENT_END_EVENT: {
        cJSON *v = c->root ? mc_value(c, c->root, 1) : cJSON_CreateNull();
        mc_reset(c);
        if (!v)
            return -1;
        int rc = cb(arg, v, c->msg);
        *in_doc = rc < 0; /* a failing document keeps its number */
        return rc;
    }
    default:
        return mc_event(c, e);
    }
}

static int m_parse_yaml(const char *text, size_t len, mdoc_cb cb, void *arg, int *docno, char *msg)
{
    yaml_parser_t p;
    mctx *c = calloc(1, sizeof *c);
    int ndoc = 0, in_doc = 0, rc = 0;
    if (!c || !yaml_parser_initialize(&p)) {
        free(c);
        snprintf(msg, MSGSZ, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (rc == 0) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            *docno = in_doc ? ndoc : ndoc + 1;
            m_yaml_error(&p, text, c->msg, docno);
            rc = -1;
            break;
        }
        rc = m_yaml_step(c, &e, &ndoc, &in_doc, cb, arg);
        yaml_event_delete(&e);
        if (rc < 0)
            *docno = in_doc ? ndoc : ndoc + 1;
    }
    if (rc < 0)
        snprintf(msg, MSGSZ, "%s", c->msg);
    mc_reset(c);
    free(c);
    yaml_parser_delete(&p);
    return rc < 0 ? -1 : 0;
}

/* Might object v repeat a key? Small objects (most) are compared pairwise,
 * which costs less than the hash table m_json_fix builds otherwise. */
static int m_has_dup_keys(const cJSON *v)
{
    int n = 0;
    for (const cJSON *a = v->child; a; a = a->next)
        if (++n > 16)
            return 1;
    for (const cJSON *a = v->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string[0] == b->string[0] && !strcmp(a->string, b->string))
                return 1;
    return 0;
}

/* JSON: last duplicate key wins (at the first one's place); depth bound.
 * Returns 0, -1 on error (msg), 1 when the value should be read as YAML. */
static int m_json_fix(cJSON *v, int depth, char *msg)
{
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
        return 1;
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return 0;
    if (depth > MANIFEST_MAX_DEPTH) {
        snprintf(msg, MSGSZ, "json: exceeded max depth of %d", MANIFEST_MAX_DEPTH);
        return -1;
    }
    if (cJSON_IsObject(v) && m_has_dup_keys(v)) {
        mkey *idx = NULL;
        cJSON *it = v->child, *next;
        v->child = NULL;
        for (; it; it = next) {
            next = it->next;
            it->next = it->prev = NULL;
            if (mo_put(v, &idx, it) < 0) {
                cJSON_Delete(next);
                mo_free(&idx);
                snprintf(msg, MSGSZ, "out of memory");
                return -1;
            }
        }
        mo_free(&idx);
    }
    for (cJSON *it = v->child; it; it = it->next) {
        int rc = m_json_fix(it, depth + 1, msg);
        if (rc)
            return rc;
    }
    return 0;
}

/* Returns 1 and *out when text is one JSON value, 0 to read it as YAML, -1 on error. */
static int m_try_json(const char *text, size_t len, cJSON **out, char *msg)
{
    size_t i = 0;
    const char *end = NULL;
    while (i < len && strchr(" \t\r\n", text[i]) && text[i])
        i++;
    if (i == len || (text[i] != '{' && text[i] != '['))
        return 0;
    cJSON *v = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!v)
        return 0;
    for (; end && end < text + len; end++)
        if (!strchr(" \t\r\n", *end) || !*end) {
            cJSON_Delete(v);
            return 0;
        }
    int rc = m_json_fix(v, 1, msg);
    if (rc) {
        cJSON_Delete(v);
        return rc < 0 ? -1 : 0;
    }
    *out = v;
    return 1;
}

static int m_parse_stream(const char *text, size_t len, mdoc_cb cb, void *arg, int *docno, char *msg)
{
    cJSON *v = NULL;
    *docno = 1;
    if (!text)
        text = "";
    size_t bad = m_utf8_bad((const unsigned char *)text, len);
    if (bad != len) {
        *docno = m_docs_before(text, bad);
        snprintf(msg, MSGSZ, "yaml: line %zu: invalid UTF-8", m_line_at(text, bad));
        return -1;
    }
    int rc = m_try_json(text, len, &v, msg);
    if (rc < 0)
        return -1;
    if (rc == 1)
        return cb(arg, v, msg) < 0 ? -1 : 0;
    return m_parse_yaml(text, len, cb, arg, docno, msg);
}

/* ---------- manifest checks ---------- */

static const char *m_typename(const cJSON *v)
{
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "an object";
}

static int m_check_str(const cJSON *obj, const char *field, const char *label, char *msg, size_t off)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!f || cJSON_IsNull(f) || (cJSON_IsString(f) && !f->valuestring[0])) {
        snprintf(msg + off, MSGSZ - off, "object has no %s", label);
        return -1;
    }
    if (!cJSON_IsString(f)) {
        snprintf(msg + off, MSGSZ - off, "%s must be a string, not %s", label, m_typename(f));
        return -1;
    }
    return 0;
}

/* msg + off receives the problem (off: length of a prefix such as "items[2]: "). */
static int m_check_object(const cJSON *v, char *msg, size_t off)
{
    if (!cJSON_IsObject(v)) {
        snprintf(msg + off, MSGSZ - off, "expected an object, found %s", m_typename(v));
        return -1;
    }
    if (m_check_str(v, "kind", "kind", msg, off) < 0 || m_check_str(v, "apiVersion", "apiVersion", msg, off) < 0)
        return -1;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(v, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(md, "generateName");
    if (cJSON_IsObject(md) && ((cJSON_IsString(name) && name->valuestring[0]) ||
                               (cJSON_IsString(gen) && gen->valuestring[0])))
        return 0;
    snprintf(msg + off, MSGSZ - off, "object has no metadata.name or metadata.generateName");
    return -1;
}

static int m_is_list(const char *kind, const cJSON *items)
{
    size_t n = strlen(kind);
    if (!strcmp(kind, "List"))
        return 1;
    return n > 4 && !strcmp(kind + n - 4, "List") && cJSON_IsArray(items);
}

/* A typed list's (PodList) items may lack kind and apiVersion: take them from the list. */
static void m_fill_item(cJSON *item, const char *kind, const cJSON *list)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(list, "apiVersion");
    if (!strcmp(kind, "List") || !cJSON_IsObject(item))
        return;
    if (!cJSON_GetObjectItemCaseSensitive(item, "kind")) {
        char *k = strndup(kind, strlen(kind) - 4);
        if (k)
            cJSON_AddStringToObject(item, "kind", k);
        free(k);
    }
    if (!cJSON_GetObjectItemCaseSensitive(item, "apiVersion") && cJSON_IsString(av))
        cJSON_AddStringToObject(item, "apiVersion", av->valuestring);
}

static int m_flatten(cJSON *arr, cJSON *list, const char *kind, char *msg)
{
    cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items"), *it;
    if (items && !cJSON_IsNull(items) && !cJSON_IsArray(items)) {
        snprintf(msg, MSGSZ, "items must be an array, not %s", m_typename(items));
        return -1;
    }
    int i = 0;
    cJSON_ArrayForEach(it, items) {
        m_fill_item(it, kind, list);
        int off = snprintf(msg, MSGSZ, "items[%d]: ", i++);
        if (m_check_object(it, msg, (size_t)off) < 0)
            return -1;
    }
    while (items && items->child)
        cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(items, items->child));
    return 0;
}

/* mdoc_cb for manifest_parse: checks, flattens Lists, appends to the array. */
static int m_collect(void *arg, cJSON *v, char *msg)
{
    cJSON *arr = arg;
    int rc = 0;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(v, "kind");
    if (cJSON_IsNull(v)) {
        cJSON_Delete(v);
        return 0;
    }
    if (cJSON_IsObject(v) && cJSON_IsString(kind) &&
        m_is_list(kind->valuestring, cJSON_GetObjectItemCaseSensitive(v, "items"))) {
        rc = m_flatten(arr, v, kind->valuestring, msg);
        cJSON_Delete(v);
        return rc;
    }
    if (m_check_object(v, msg, 0) < 0) {
        cJSON_Delete(v);
        return -1;
    }
    cJSON_AddItemToArray(arr, v);
    return 0;
}

cJSON *manifest_parse(const char *text, size_t len, const char *source, char **err)
{
    char msg[MSGSZ] = "";
    int docno = 1;
    cJSON *arr = cJSON_CreateArray();
    if (!arr) {
        m_seterr(err, "%s: out of memory", source);
        return NULL;
    }
    if (m_parse_stream(text, len, m_collect, arr, &docno, msg) < 0) {
        m_seterr(err, "%s: document %d: %s", source, docno, msg);
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

static int m_take_first(void *arg, cJSON *v, char *msg)
{
    (void)msg;
    *(cJSON **)arg = v;
    return 1;
}

cJSON *manifest_parse_one(const char *text, size_t len, char **err)
{
    char msg[MSGSZ] = "";
    int docno = 1;
    cJSON *first = NULL;
    if (m_parse_stream(text, len, m_take_first, &first, &docno, msg) < 0) {
        cJSON_Delete(first);
        m_seterr(err, "%s", msg);
        return NULL;
    }
    return first ? first : cJSON_CreateNull();
}

/* ---------- files ---------- */

static int m_read_all(FILE *f, const char *name, char **buf, size_t *len, char **err)
{
    size_t cap = 8192, n = 0, r;
    char *b = malloc(cap);
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    if (!b || ferror(f)) {
        m_seterr(err, "%s: %s", name, b ? strerror(errno) : "out of memory");
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

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
 * on anything else (a backslash or a control character in a string, nesting
 * deeper than JF_MAX_DEPTH, any syntax cJSON would refuse), and the caller
 * then asks cJSON. *plain says what m_json_fix would find: no object with a
 * repeated key (objects of more than 16 members are not checked: not plain),
 * no number that is not finite. Tests compare it with cJSON
 * (tests/unit/test_manifest.c, fuzz_manifest). */
#define JF_MAX_DEPTH 64

typedef struct {
    const char *p, *e;
    bool plain;
} jf_in;

static bool jf_value(jf_in *in, cJSON *item, int depth);

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

/* A string without escapes or control characters, at '"'. */
static char *jf_string(jf_in *in)
{
    const char *q = in->p + 1, *e = in->e;
    /* eight bytes at a time while none is '"', '\\' or below 0x20 */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (uint64_t w; e - q >= 8; q += 8) {
        memcpy(&w, q, 8);
        uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
        uint64_t hit = ((quote - ones) & ~quote & highs) | ((bslash - ones) & ~bslash & highs) |
                       ((w - ones * 0x20) & ~w & highs);
        if (hit) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* the lowest flag is exact (a borrow only flags bytes above
             * a true one): the first byte that stops the string */
            q += __builtin_ctzll(hit) / 8;
#endif
            break;
        }
    }
    for (; q < e && *q != '"'; q++)
        if (*q == '\\' || (unsigned char)*q < 0x20)
            return NULL;
    if (q >= e)
        return NULL;
    size_t n = (size_t)(q - in->p - 1);
    char *s = cJSON_malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, in->p + 1, n);
    s[n] = 0;
    in->p = q + 1;
    return s;
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
    item->type = cJSON_Number;
    in->p += used;
    return true;
}

/* The members of an array (keys NULL) or an object, at '[' or '{'. */
static bool jf_container(jf_in *in, cJSON *item, bool object, int depth)
{
    if (depth >= JF_MAX_DEPTH)
        return false;
    char close = object ? '}' : ']';
    in->p++;
    jf_ws(in);
    item->type = object ? cJSON_Object : cJSON_Array;
    if (in->p < in->e && *in->p == close) {
        in->p++;
        return true;
    }
    cJSON *head = NULL, *last = NULL;
    int count = 0;
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
            if (in->p >= in->e || *in->p != '"' || !(n->string = jf_string(in)))
                return false;
            if (++count > 16)
                in->plain = false;
            else
                for (cJSON *o = head; o != n; o = o->next)
                    if (o->string[0] == n->string[0] && !strcmp(o->string, n->string))
                        in->plain = false;
            jf_ws(in);
            if (in->p >= in->e || *in->p != ':')
                return false;
            in->p++;
            jf_ws(in);
        }
        if (!jf_value(in, n, depth + 1))
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

static bool jf_value(jf_in *in, cJSON *item, int depth)
{
    const char *p = in->p;
    size_t left = (size_t)(in->e - p);
    if (!left)
        return false;
    switch (*p) {
    case 'n':
        if (left < 4 || memcmp(p, "null", 4))
            return false;
        item->type = cJSON_NULL;
        in->p += 4;
        return true;
    case 'f':
        if (left < 5 || memcmp(p, "false", 5))
            return false;
        item->type = cJSON_False;
        in->p += 5;
        return true;
    case 't':
        if (left < 4 || memcmp(p, "true", 4))
            return false;
        item->type = cJSON_True;
        item->valueint = 1;
        in->p += 4;
        return true;
    case '"':
        if (!(item->valuestring = jf_string(in)))
            return false;
        item->type = cJSON_String;
        return true;
    case '[':
        return jf_container(in, item, false, depth);
    case '{':
        return jf_container(in, item, true, depth);
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
    if (!jf_value(&in, v, 0)) {
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
 * ordinary way). */
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
                       const manifest_sink *sink, size_t *given)
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
 * the text must be read the ordinary way (what was given has been undone). */
static int m_stream_list(const char *text, size_t len, const manifest_sink *sink, size_t *given_out)
{
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
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(shell, "kind");
    cJSON *arr = cJSON_CreateArray();
    int list = cJSON_IsString(kind) && m_is_list(kind->valuestring, arr);
    cJSON_Delete(arr);
    if (!list)
        goto out;
    p = js_ws(items + 1, items_end);
    if (sink->prepare) { /* on this thread alone when there is one */
        if (!m_items_mt(spans, nspans, items_end, kind->valuestring, shell, sink, &given))
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

/* manifest_parse_each, counting in *given what it gave (and not undoing). */
static int m_parse_each(const char *text, size_t len, const char *source, const manifest_sink *sink, size_t *given,
                        char **err)
{
    if (m_utf8_bad((const unsigned char *)text, len) == len && m_stream_list(text, len, sink, given))
        return 0;
    cJSON *objs = manifest_parse(text, len, source, err);
    if (!objs)
        return -1;
    while (objs->child) {
        sink->put(sink->arg, cJSON_DetachItemViaPointer(objs, objs->child));
        (*given)++;
    }
    cJSON_Delete(objs);
    return 0;
}

int manifest_parse_each(const char *text, size_t len, const char *source, const manifest_sink *sink, char **err)
{
    size_t given = 0;
    int rc = m_parse_each(text ? text : "", len, source, sink, &given, err);
    if (rc < 0 && given)
        sink->undo(sink->arg, given);
    return rc;
}

/* Parse all of f, giving its objects to sink; *given counts them. */
static int m_load_stream(FILE *f, const char *name, const manifest_sink *sink, size_t *given, char **err)
{
    char *buf;
    size_t len;
    if (m_read_all(f, name, &buf, &len, err) < 0)
        return -1;
    int rc = m_parse_each(buf, len, name, sink, given, err);
    free(buf);
    return rc;
}

/* A big regular file is read where the kernel keeps it (mapped, its pages
 * filled in one go) rather than copied into fresh memory. Like any mapped
 * file, one cut short while it loads ends the process (SIGBUS): a manifest
 * is not expected to change while it is read. */
#define M_MAP_MIN (1 << 20)

static int m_load_file(const char *path, const manifest_sink *sink, size_t *given, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        m_seterr(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= M_MAP_MIN &&
        (uintmax_t)st.st_size <= SIZE_MAX)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fileno(f), 0);
    int rc;
    if (map != MAP_FAILED) {
        rc = m_parse_each(map, (size_t)st.st_size, path, sink, given, err);
        munmap(map, (size_t)st.st_size);
    } else {
        rc = m_load_stream(f, path, sink, given, err);
    }
    fclose(f);
    return rc;
}

static int m_manifest_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' &&
           ((n > 5 && !strcmp(d->d_name + n - 5, ".yaml")) || (n > 4 && !strcmp(d->d_name + n - 4, ".yml")) ||
            (n > 5 && !strcmp(d->d_name + n - 5, ".json")));
}

static int m_name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int m_load_dir(const char *dir, const manifest_sink *sink, size_t *given, char **err)
{
    struct dirent **names;
    int n = scandir(dir, &names, m_manifest_name, m_name_cmp), rc = 0;
    size_t dl = strlen(dir);
    if (n < 0) {
        m_seterr(err, "%s: %s", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char *path = NULL;
        struct stat st;
        if (rc == 0 && asprintf(&path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i]->d_name) < 0) {
            m_seterr(err, "%s: out of memory", dir);
            rc = -1;
            path = NULL;
        }
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = m_load_file(path, sink, given, err);
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int manifest_load_path_each(const char *path, const manifest_sink *sink, char **err)
{
    struct stat st;
    size_t given = 0;
    int rc;
    if (!strcmp(path, "-"))
        rc = m_load_stream(stdin, "stdin", sink, &given, err);
    else if (stat(path, &st) < 0) {
        m_seterr(err, "%s: %s", path, strerror(errno));
        rc = -1;
    } else if (S_ISDIR(st.st_mode))
        rc = m_load_dir(path, sink, &given, err);
    else
        rc = m_load_file(path, sink, &given, err);
    if (rc < 0 && given)
        sink->undo(sink->arg, given);
    return rc;
}

static void m_array_put(void *arg, cJSON *obj)
{
    cJSON_AddItemToArray(arg, obj);
}

static void m_array_undo(void *arg, size_t n)
{
    cJSON *arr = arg;
    while (n-- && arr->child)
        cJSON_Delete(cJSON_DetachItemViaPointer(arr, arr->child->prev));
}

manifest_sink manifest_array_sink(cJSON *arr)
{
    return (manifest_sink){m_array_put, m_array_undo, arr, NULL, NULL, NULL};
}

int manifest_load_path(const char *path, cJSON *out, char **err)
{
    manifest_sink sink = manifest_array_sink(out);
    return manifest_load_path_each(path, &sink, err);
}
