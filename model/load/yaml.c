/* yaml: YAML text (and JSON, which cJSON reads first) to cJSON documents as
 * sigs.k8s.io/yaml reads them: libyaml events -> a node tree -> cJSON, plain
 * scalars resolved as go-yaml v2 does (Go's number syntax and formatting,
 * timestamps, !!binary), anchors and merge keys, and Go's decoder's rules
 * for repeated keys. Must not know kinds, files or the store. */
#define _GNU_SOURCE
#include "load_parts.h"
#include "xalloc.h"
#include "json.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <yaml.h>

#define TAGP "tag:yaml.org,2002:"

/* ---------- text helpers ---------- */

static int m_isdigit(int c) { return c >= '0' && c <= '9'; }

/* Offset of the first byte that is not valid UTF-8, or n. */
size_t m_utf8_bad(const unsigned char *s, size_t n)
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
        char *s = xstrdup(r.s);
        free(r.owned);
        return s;
    }
    case R_BOOL: return xstrdup(r.b ? "true" : "false");
    case R_INT: snprintf(buf, sizeof buf, "%lld", r.i); return xstrdup(buf);
    case R_UINT: snprintf(buf, sizeof buf, "%llu", r.u); return xstrdup(buf);
    case R_FLOAT: m_fmt_float32(r.d, buf, sizeof buf); return xstrdup(buf);
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
int m_json_fix(cJSON *v, int depth, char *msg)
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

int m_parse_stream(const char *text, size_t len, mdoc_cb cb, void *arg, int *docno, char *msg)
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

