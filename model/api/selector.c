/* selector: label and field selectors as kube-apiserver 1.33 parses, matches
 * and reports them (labels/selector.go, fields/selector.go, the per-kind field
 * label conversions, metav1 LabelSelector conversion and validation).
 * Pure: no store, no HTTP; it only reads the JSON it is given. */
#include "selector.h"
#include "xalloc.h"
#include "text.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- small string builder and Go-style formatting ---------- */

static char *sel_take(strbuf *b)
{
    return b->s ? b->s : xstrdup("");
}

/* Go's %#v of a []string. */
static void sel_strslice(strbuf *b, char **v, size_t n, bool nil)
{
    if (nil && n == 0) {
        strbuf_puts(b, "[]string(nil)");
        return;
    }
    strbuf_puts(b, "[]string{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_puts(b, ", ");
        strbuf_quote(b, v[i]);
    }
    strbuf_puts(b, "}");
}

/* ---------- string lists (error messages, value sets) ---------- */

typedef struct {
    char **v;
    size_t n;
} selstrs;

static void selstrs_add(selstrs *l, char *s)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = s;
}

static void selstrs_free(selstrs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static bool selstrs_has(const selstrs *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

static void sel_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

static int sel_cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* utilerrors aggregate: one message as is, several deduplicated in brackets. */
static char *sel_aggregate(selstrs *errs)
{
    if (errs->n == 1)
        return xstrdup(errs->v[0]);
    selstrs seen = {0};
    strbuf b = {0};
    for (size_t i = 0; i < errs->n; i++) {
        if (selstrs_has(&seen, errs->v[i]))
            continue;
        if (seen.n)
            strbuf_puts(&b, ", ");
        strbuf_puts(&b, errs->v[i]);
        selstrs_add(&seen, xstrdup(errs->v[i]));
    }
    size_t distinct = seen.n;
    selstrs_free(&seen);
    char *body = sel_take(&b);
    if (distinct == 1)
        return body;
    strbuf o = {0};
    strbuf_printf(&o, "[%s]", body);
    free(body);
    return sel_take(&o);
}

/* ---------- upstream validation (k8s.io/apimachinery/pkg/util/validation) ---------- */

#define SEL_QNAME_RX                                                                          \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with " \
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "    \
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define SEL_VALUE_RX                                                                         \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' " \
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "   \
    "'my_value',  or '12345', regex used for validation is "                                \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define SEL_DNS1123_RX                                                                        \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " \
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "    \
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

static bool sel_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n) */
static bool sel_qname_ok(const char *s, size_t n)
{
    if (n == 0 || !sel_alnum(s[0]) || !sel_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!sel_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

static bool sel_dns1123_ok(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        size_t len = i - start;
        if (len == 0)
            return false;
        const char *l = s + start;
        for (size_t j = 0; j < len; j++) {
            char c = l[j];
            bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok || ((j == 0 || j == len - 1) && c == '-'))
                return false;
        }
        start = i + 1;
    }
    return true;
}

/* validation.IsQualifiedName */
static void sel_qualified_name_errs(const char *v, selstrs *out)
{
    const char *slash = strchr(v, '/');
    const char *name = v;
    if (slash && strchr(slash + 1, '/')) {
        selstrs_add(out, xstrdup("a qualified name " SEL_QNAME_RX
                                " with an optional DNS subdomain prefix and '/' (e.g. "
                                "'example.com/MyName')"));
        return;
    }
    if (slash) {
        size_t plen = (size_t)(slash - v);
        name = slash + 1;
        if (plen == 0) {
            selstrs_add(out, xstrdup("prefix part must be non-empty"));
        } else {
            if (plen > 253)
                selstrs_add(out, xstrdup("prefix part must be no more than 253 characters"));
            if (!sel_dns1123_ok(v, plen))
                selstrs_add(out, xstrdup("prefix part " SEL_DNS1123_RX));
        }
    }
    size_t nlen = strlen(name);
    if (nlen == 0)
        selstrs_add(out, xstrdup("name part must be non-empty"));
    else if (nlen > 63)
        selstrs_add(out, xstrdup("name part must be no more than 63 characters"));
    if (!sel_qname_ok(name, nlen))
        selstrs_add(out, xstrdup("name part " SEL_QNAME_RX));
}

/* validation.IsValidLabelValue */
static void sel_label_value_errs(const char *v, selstrs *out)
{
    size_t n = strlen(v);
    if (n > 63)
        selstrs_add(out, xstrdup("must be no more than 63 characters"));
    if (n > 0 && !sel_qname_ok(v, n))
        selstrs_add(out, xstrdup(SEL_VALUE_RX));
}

static char *sel_join(selstrs *l, const char *sep)
{
    strbuf b = {0};
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            strbuf_puts(&b, sep);
        strbuf_puts(&b, l->v[i]);
    }
    return sel_take(&b);
}

/* field.Invalid(path, string value, detail).Error() */
static char *sel_invalid(const char *path, const char *value, const char *detail)
{
    strbuf b = {0};
    strbuf_printf(&b, "%s: Invalid value: ", path);
    strbuf_quote(&b, value);
    strbuf_printf(&b, ": %s", detail);
    return sel_take(&b);
}

/* labels.validateLabelKey: NULL when valid. */
static char *sel_check_key(const char *k, const char *path)
{
    selstrs e = {0};
    sel_qualified_name_errs(k, &e);
    char *res = NULL;
    if (e.n) {
        char *d = sel_join(&e, "; ");
        res = sel_invalid(path, k, d);
        free(d);
    }
    selstrs_free(&e);
    return res;
}

/* ---------- label selector requirements ---------- */

typedef enum { LS_IN, LS_NOTIN, LS_EQ, LS_DEQ, LS_NEQ, LS_GT, LS_LT, LS_EXISTS, LS_DNE } lsop;

typedef struct {
    char *key;
    lsop op;
    char **vals;
    size_t nvals;
} lsreq;

struct labelsel {
    lsreq *reqs;
    size_t n;
};

static void lsreq_clear(lsreq *r)
{
    free(r->key);
    for (size_t i = 0; i < r->nvals; i++)
        free(r->vals[i]);
    free(r->vals);
}

void labelsel_free(labelsel *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        lsreq_clear(&s->reqs[i]);
    free(s->reqs);
    free(s);
}

static bool sel_parse_int64(const char *s, long long *out)
{
    if (!*s || *s == ' ' || *s == '\t' || *s == '\n')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

/* labels.NewRequirement's checks; NULL when valid, else the aggregate message.
 * `nil_vals` renders an empty value list as Go's nil slice. */
static char *lsreq_validate(const lsreq *r, bool nil_vals)
{
    selstrs e = {0};
    char *m = sel_check_key(r->key, "key");
    if (m)
        selstrs_add(&e, m);
    strbuf b = {0};
    const char *why = NULL;
    switch (r->op) {
    case LS_IN:
    case LS_NOTIN:
        if (r->nvals == 0)
            why = "for 'in', 'notin' operators, values set can't be empty";
        break;
    case LS_EQ:
    case LS_DEQ:
    case LS_NEQ:
        if (r->nvals != 1)
            why = "exact-match compatibility requires one single value";
        break;
    case LS_EXISTS:
    case LS_DNE:
        if (r->nvals != 0)
            why = "values set must be empty for exists and does not exist";
        break;
    case LS_GT:
    case LS_LT:
        if (r->nvals != 1)
            why = "for 'Gt', 'Lt' operators, exactly one value is required";
        break;
    }
    if (why) {
        strbuf_puts(&b, "values: Invalid value: ");
        sel_strslice(&b, r->vals, r->nvals, nil_vals);
        strbuf_printf(&b, ": %s", why);
        selstrs_add(&e, sel_take(&b));
    }
    for (size_t i = 0; (r->op == LS_GT || r->op == LS_LT) && i < r->nvals; i++) {
        long long dummy;
        char path[48];
        snprintf(path, sizeof path, "values[%zu]", i);
        if (!sel_parse_int64(r->vals[i], &dummy))
            selstrs_add(&e, sel_invalid(path, r->vals[i],
                                        "for 'Gt', 'Lt' operators, the value must be an integer"));
    }
    for (size_t i = 0; i < r->nvals; i++) {
        selstrs ve = {0};
        sel_label_value_errs(r->vals[i], &ve);
        if (ve.n) {
            char *d = sel_join(&ve, "; ");
            strbuf p = {0};
            strbuf_printf(&p, "values[%zu][%s]", i, r->key);
            char *path = sel_take(&p);
            selstrs_add(&e, sel_invalid(path, r->vals[i], d));
            free(path);
            free(d);
        }
        selstrs_free(&ve);
    }
    char *res = e.n ? sel_aggregate(&e) : NULL;
    selstrs_free(&e);
    return res;
}

static int lsreq_cmp(const void *a, const void *b)
{
    return strcmp(((const lsreq *)a)->key, ((const lsreq *)b)->key);
}

static void labelsel_push(labelsel *s, lsreq *r)
{
    s->reqs = xrealloc(s->reqs, (s->n + 1) * sizeof *s->reqs);
    s->reqs[s->n++] = *r;
}

/* ---------- lexer and parser (labels/selector.go) ---------- */

typedef enum {
    LT_ERROR,
    LT_EOS,
    LT_CLOSEPAR,
    LT_COMMA,
    LT_NOT,
    LT_DEQ,
    LT_EQ,
    LT_GT,
    LT_IDENT,
    LT_IN,
    LT_LT,
    LT_NEQ,
    LT_NOTIN,
    LT_OPENPAR
} ltok;

typedef struct {
    ltok tok;
    char *lit;
} lsitem;

typedef struct {
    lsitem *items;
    size_t n, pos;
} lsparser;

static ltok lex_keyword(const char *s)
{
    static const struct {
        const char *s;
        ltok t;
    } tab[] = {{")", LT_CLOSEPAR}, {",", LT_COMMA}, {"!", LT_NOT},   {"==", LT_DEQ},
               {"=", LT_EQ},       {">", LT_GT},    {"in", LT_IN},   {"<", LT_LT},
               {"!=", LT_NEQ},     {"notin", LT_NOTIN}, {"(", LT_OPENPAR}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(tab[i].s, s) == 0)
            return tab[i].t;
    return LT_IDENT;
}

static bool lex_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static bool lex_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static lsitem lex_special_symbol(const char *s, size_t *pos)
{
    char buf[64];
    size_t blen = 0;
    lsitem last = {LT_ERROR, NULL};
    size_t lastlen = 0;
    while (s[*pos] && lex_special(s[*pos]) && blen < sizeof buf - 1) {
        buf[blen++] = s[*pos];
        buf[blen] = '\0';
        ltok t = lex_keyword(buf);
        if (t != LT_IDENT) {
            last.tok = t;
            lastlen = blen;
            (*pos)++;
        } else if (last.tok != LT_ERROR) {
            break;
        } else {
            (*pos)++;
        }
    }
    if (last.tok == LT_ERROR) {
        buf[blen] = '\0';
        strbuf b = {0};
        strbuf_printf(&b, "error expected: keyword found '%s'", buf);
        last.lit = sel_take(&b);
        return last;
    }
    last.lit = xstrndup(buf, lastlen);
    return last;
}

static lsitem lex_next(const char *s, size_t *pos)
{
    while (lex_space(s[*pos]))
        (*pos)++;
    if (!s[*pos])
        return (lsitem){LT_EOS, xstrdup("")};
    if (lex_special(s[*pos]))
        return lex_special_symbol(s, pos);
    size_t start = *pos;
    while (s[*pos] && !lex_special(s[*pos]) && !lex_space(s[*pos]))
        (*pos)++;
    char *lit = xstrndup(s + start, *pos - start);
    return (lsitem){lex_keyword(lit), lit};
}

static void lsparser_scan(lsparser *p, const char *s)
{
    size_t pos = 0;
    for (;;) {
        lsitem it = lex_next(s, &pos);
        p->items = xrealloc(p->items, (p->n + 1) * sizeof *p->items);
        p->items[p->n++] = it;
        if (it.tok == LT_EOS)
            break;
    }
}

static void lsparser_free(lsparser *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i].lit);
    free(p->items);
}

/* In the Values context `in` and `notin` are identifiers. */
static ltok ls_values_tok(ltok t) { return (t == LT_IN || t == LT_NOTIN) ? LT_IDENT : t; }

static lsitem ls_lookahead(lsparser *p, bool values)
{
    lsitem it = p->items[p->pos];
    if (values)
        it.tok = ls_values_tok(it.tok);
    return it;
}

static lsitem ls_consume(lsparser *p, bool values)
{
    lsitem it = ls_lookahead(p, values);
    if (p->pos + 1 < p->n)
        p->pos++;
    return it;
}

static char *ls_errf(const char *fmt, const char *lit)
{
    strbuf b = {0};
    strbuf_printf(&b, fmt, lit);
    return sel_take(&b);
}

static void ls_set_insert(selstrs *set, const char *v)
{
    if (!selstrs_has(set, v))
        selstrs_add(set, xstrdup(v));
}

static char *ls_parse_ident_list(lsparser *p, selstrs *set)
{
    for (;;) {
        lsitem it = ls_consume(p, true);
        if (it.tok == LT_IDENT) {
            ls_set_insert(set, it.lit);
            lsitem nx = ls_lookahead(p, true);
            if (nx.tok == LT_COMMA)
                continue;
            if (nx.tok == LT_CLOSEPAR)
                return NULL;
            return ls_errf("found '%s', expected: ',' or ')'", nx.lit);
        } else if (it.tok == LT_COMMA) {
            if (set->n == 0)
                ls_set_insert(set, "");
            lsitem nx = ls_lookahead(p, true);
            if (nx.tok == LT_CLOSEPAR) {
                ls_set_insert(set, "");
                return NULL;
            }
            if (nx.tok == LT_COMMA)
                ls_set_insert(set, "");
        } else {
            return ls_errf("found '%s', expected: ',', or identifier", it.lit);
        }
    }
}

static char *ls_parse_values(lsparser *p, selstrs *set)
{
    lsitem it = ls_consume(p, true);
    if (it.tok != LT_OPENPAR)
        return ls_errf("found '%s' expected: '('", it.lit);
    lsitem nx = ls_lookahead(p, true);
    if (nx.tok == LT_IDENT || nx.tok == LT_COMMA) {
        char *e = ls_parse_ident_list(p, set);
        if (e)
            return e;
        if (ls_consume(p, true).tok != LT_CLOSEPAR)
            return ls_errf("found '%s', expected: ')'", nx.lit);
        return NULL;
    }
    if (nx.tok == LT_CLOSEPAR) {
        ls_consume(p, true);
        ls_set_insert(set, "");
        return NULL;
    }
    return ls_errf("found '%s', expected: ',', ')' or identifier", nx.lit);
}

static char *ls_parse_exact(lsparser *p, selstrs *set)
{
    lsitem nx = ls_lookahead(p, true);
    if (nx.tok == LT_EOS || nx.tok == LT_COMMA) {
        ls_set_insert(set, "");
        return NULL;
    }
    lsitem it = ls_consume(p, true);
    if (it.tok == LT_IDENT) {
        ls_set_insert(set, it.lit);
        return NULL;
    }
    return ls_errf("found '%s', expected: identifier", it.lit);
}

static char *ls_parse_operator(lsparser *p, lsop *op)
{
    lsitem it = ls_consume(p, false);
    switch (it.tok) {
    case LT_IN: *op = LS_IN; return NULL;
    case LT_EQ: *op = LS_EQ; return NULL;
    case LT_DEQ: *op = LS_DEQ; return NULL;
    case LT_GT: *op = LS_GT; return NULL;
    case LT_LT: *op = LS_LT; return NULL;
    case LT_NOTIN: *op = LS_NOTIN; return NULL;
    case LT_NEQ: *op = LS_NEQ; return NULL;
    default:
        return ls_errf("found '%s', expected: in, notin, =, ==, !=, gt, lt", it.lit);
    }
}

/* parseRequirement; on success fills *r (caller owns). */
static char *ls_parse_requirement(lsparser *p, lsreq *r)
{
    bool dne = false;
    lsitem it = ls_consume(p, true);
    if (it.tok == LT_NOT) {
        dne = true;
        it = ls_consume(p, true);
    }
    if (it.tok != LT_IDENT)
        return ls_errf("found '%s', expected: identifier", it.lit);
    char *kerr = sel_check_key(it.lit, "<nil>");
    if (kerr)
        return kerr;
    memset(r, 0, sizeof *r);
    r->key = xstrdup(it.lit);
    ltok nx = ls_lookahead(p, true).tok;
    if (dne || nx == LT_EOS || nx == LT_COMMA) {
        r->op = dne ? LS_DNE : LS_EXISTS;
    } else {
        char *e = ls_parse_operator(p, &r->op);
        selstrs set = {0};
        if (!e)
            e = (r->op == LS_IN || r->op == LS_NOTIN) ? ls_parse_values(p, &set)
                                                       : ls_parse_exact(p, &set);
        if (e) {
            selstrs_free(&set);
            lsreq_clear(r);
            return e;
        }
        sel_sort(set.v, set.n, sizeof *set.v, sel_cmpstr); /* sets.String.List() */
        r->vals = set.v;
        r->nvals = set.n;
    }
    char *verr = lsreq_validate(r, false);
    if (verr)
        lsreq_clear(r);
    return verr;
}

static char *ls_parse(lsparser *p, labelsel *s)
{
    for (;;) {
        lsitem it = ls_lookahead(p, true);
        if (it.tok == LT_EOS)
            return NULL;
        if (it.tok != LT_IDENT && it.tok != LT_NOT)
            return ls_errf("found '%s', expected: !, identifier, or 'end of string'", it.lit);
        lsreq r;
        char *e = ls_parse_requirement(p, &r);
        if (e) {
            char *w = ls_errf("unable to parse requirement: %s", e);
            free(e);
            return w;
        }
        labelsel_push(s, &r);
        lsitem t = ls_consume(p, true);
        if (t.tok == LT_EOS)
            return NULL;
        if (t.tok != LT_COMMA)
            return ls_errf("found '%s', expected: ',' or 'end of string'", t.lit);
        lsitem t2 = ls_lookahead(p, true);
        if (t2.tok != LT_IDENT && t2.tok != LT_NOT)
            return ls_errf("found '%s', expected: identifier after ','", t2.lit);
    }
}

labelsel *labelsel_parse(const char *s, char **err)
{
    *err = NULL;
    labelsel *sel = xcalloc(1, sizeof *sel);
    lsparser p = {0};
    lsparser_scan(&p, s ? s : "");
    char *e = ls_parse(&p, sel);
    lsparser_free(&p);
    if (e) {
        labelsel_free(sel);
        *err = e;
        return NULL;
    }
    sel_sort(sel->reqs, sel->n, sizeof *sel->reqs, lsreq_cmp);
    return sel;
}

/* ---------- metav1.LabelSelector ---------- */

static char *ls_json_strings(const cJSON *arr, lsreq *r)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        if (!cJSON_IsString(v))
            return xstrdup("matchExpressions values must be strings");
        r->vals = xrealloc(r->vals, (r->nvals + 1) * sizeof *r->vals);
        r->vals[r->nvals++] = xstrdup(v->valuestring);
    }
    return NULL;
}

static char *ls_from_match_labels(const cJSON *ml, labelsel *s)
{
    if (!ml || cJSON_IsNull(ml))
        return NULL;
    if (!cJSON_IsObject(ml))
        return xstrdup("matchLabels must be an object of strings");
    const cJSON *kv;
    cJSON_ArrayForEach(kv, ml)
    {
        if (!cJSON_IsString(kv))
            return xstrdup("matchLabels must be an object of strings");
        lsreq r = {xstrdup(kv->string), LS_EQ, xmalloc(sizeof(char *)), 1};
        r.vals[0] = xstrdup(kv->valuestring);
        char *e = lsreq_validate(&r, false);
        if (e) {
            lsreq_clear(&r);
            return e;
        }
        labelsel_push(s, &r);
    }
    return NULL;
}

static char *ls_from_expression(const cJSON *ex, labelsel *s)
{
    if (!cJSON_IsObject(ex))
        return xstrdup("matchExpressions must be a list of objects");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(ex, "key");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(ex, "operator");
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(ex, "values");
    const char *ops = cJSON_IsString(op) ? op->valuestring : "";
    lsreq r = {xstrdup(cJSON_IsString(key) ? key->valuestring : ""), LS_IN, NULL, 0};
    if (strcmp(ops, "In") == 0)
        r.op = LS_IN;
    else if (strcmp(ops, "NotIn") == 0)
        r.op = LS_NOTIN;
    else if (strcmp(ops, "Exists") == 0)
        r.op = LS_EXISTS;
    else if (strcmp(ops, "DoesNotExist") == 0)
        r.op = LS_DNE;
    else {
        lsreq_clear(&r);
        strbuf b = {0};
        strbuf_quote(&b, ops);
        strbuf_puts(&b, " is not a valid label selector operator");
        return sel_take(&b);
    }
    char *e = (vals && cJSON_IsArray(vals)) ? ls_json_strings(vals, &r) : NULL;
    if (!e)
        e = lsreq_validate(&r, true);
    if (e) {
        lsreq_clear(&r);
        return e;
    }
    labelsel_push(s, &r);
    return NULL;
}

labelsel *labelsel_from_json(const cJSON *sel, char **err)
{
    *err = NULL;
    if (!sel || cJSON_IsNull(sel))
        return NULL;
    if (!cJSON_IsObject(sel)) {
        *err = strdup("label selector must be an object");
        return NULL;
    }
    labelsel *s = xcalloc(1, sizeof *s);
    char *e = ls_from_match_labels(cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"), s);
    const cJSON *me = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");
    if (!e && me && !cJSON_IsNull(me) && !cJSON_IsArray(me))
        e = xstrdup("matchExpressions must be a list of objects");
    const cJSON *ex;
    for (ex = cJSON_IsArray(me) ? me->child : NULL; ex && !e; ex = ex->next)
        e = ls_from_expression(ex, s);
    if (e) {
        labelsel_free(s);
        *err = e;
        return NULL;
    }
    sel_sort(s->reqs, s->n, sizeof *s->reqs, lsreq_cmp);
    return s;
}

/* ---------- matching ---------- */

static const char *ls_lookup(const cJSON *labels, const char *key)
{
    const cJSON *v = labels ? cJSON_GetObjectItemCaseSensitive(labels, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool lsreq_has(const lsreq *r, const char *v)
{
    for (size_t i = 0; i < r->nvals; i++)
        if (strcmp(r->vals[i], v) == 0)
            return true;
    return false;
}

/* Does a requirement hold for its key's value v (NULL: no such label)? */
static bool lsreq_matches(const lsreq *r, const char *v)
{
    long long lv, rv;
    switch (r->op) {
    case LS_IN:
    case LS_EQ:
    case LS_DEQ:
        return v && lsreq_has(r, v);
    case LS_NOTIN:
    case LS_NEQ:
        return !v || !lsreq_has(r, v);
    case LS_EXISTS:
        return v != NULL;
    case LS_DNE:
        return v == NULL;
    case LS_GT:
    case LS_LT:
        if (!v || r->nvals != 1 || !sel_parse_int64(v, &lv) || !sel_parse_int64(r->vals[0], &rv))
            return false;
        return r->op == LS_GT ? lv > rv : lv < rv;
    }
    return false;
}

bool labelsel_matches(const labelsel *s, const cJSON *labels)
{
    if (!s)
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (!lsreq_matches(&s->reqs[i], ls_lookup(labels, s->reqs[i].key)))
            return false;
    return true;
}

bool labelsel_matches_get(const labelsel *s, const char *(*label)(const void *obj, const char *key), const void *obj)
{
    if (!s)
        return false;
    for (size_t i = 0; i < s->n; i++)
        if (!lsreq_matches(&s->reqs[i], label(obj, s->reqs[i].key)))
            return false;
    return true;
}

bool labelsel_is_everything(const labelsel *s) { return s && s->n == 0; }

bool labelsel_anchor(const labelsel *s, const char **key, const char **value)
{
    for (size_t i = 0; s && i < s->n; i++) {
        const lsreq *r = &s->reqs[i];
        if ((r->op == LS_EQ || r->op == LS_DEQ || r->op == LS_IN) && r->nvals == 1) {
            *key = r->key;
            *value = r->vals[0];
            return true;
        }
    }
    return false;
}

/* ---------- ValidateLabelSelector ---------- */

static void lv_cause(cJSON *causes, const char *reason, const char *msg, const char *field)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", msg);
    cJSON_AddStringToObject(c, "field", field);
    cJSON_AddItemToArray(causes, c);
}

static int lv_invalid_each(cJSON *causes, const char *field, const char *value, selstrs *msgs)
{
    for (size_t i = 0; i < msgs->n; i++) {
        strbuf b = {0};
        strbuf_puts(&b, "Invalid value: ");
        strbuf_quote(&b, value);
        strbuf_printf(&b, ": %s", msgs->v[i]);
        char *m = sel_take(&b);
        lv_cause(causes, "FieldValueInvalid", m, field);
        free(m);
    }
    int n = (int)msgs->n;
    selstrs_free(msgs);
    return n;
}

static int lv_label_name(const char *name, const char *field, cJSON *causes)
{
    selstrs e = {0};
    sel_qualified_name_errs(name, &e);
    return lv_invalid_each(causes, field, name, &e);
}

static int lv_match_labels(const cJSON *ml, const char *fp, cJSON *causes)
{
    char field[512];
    snprintf(field, sizeof field, "%s.matchLabels", fp);
    int n = 0;
    const cJSON *kv;
    cJSON_ArrayForEach(kv, ml)
    {
        n += lv_label_name(kv->string, field, causes);
        if (cJSON_IsString(kv)) {
            selstrs e = {0};
            sel_label_value_errs(kv->valuestring, &e);
            n += lv_invalid_each(causes, field, kv->valuestring, &e);
        }
    }
    return n;
}

static int lv_expression(const cJSON *ex, const char *base, cJSON *causes)
{
    char field[600];
    int n = 0;
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(ex, "operator");
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(ex, "values");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(ex, "key");
    const char *ops = cJSON_IsString(op) ? op->valuestring : "";
    int nvals = cJSON_IsArray(vals) ? cJSON_GetArraySize(vals) : 0;
    snprintf(field, sizeof field, "%s.values", base);
    bool in = strcmp(ops, "In") == 0 || strcmp(ops, "NotIn") == 0;
    bool exists = strcmp(ops, "Exists") == 0 || strcmp(ops, "DoesNotExist") == 0;
    if (in && nvals == 0) {
        lv_cause(causes, "FieldValueRequired",
                 "Required value: must be specified when `operator` is 'In' or 'NotIn'", field);
        n++;
    } else if (exists && nvals > 0) {
        lv_cause(causes, "FieldValueForbidden",
                 "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                 field);
        n++;
    } else if (!in && !exists) {
        strbuf b = {0};
        strbuf_puts(&b, "Invalid value: ");
        strbuf_quote(&b, ops);
        strbuf_puts(&b, ": not a valid selector operator");
        char *m = sel_take(&b);
        snprintf(field, sizeof field, "%s.operator", base);
        lv_cause(causes, "FieldValueInvalid", m, field);
        free(m);
        n++;
    }
    snprintf(field, sizeof field, "%s.key", base);
    n += lv_label_name(cJSON_IsString(key) ? key->valuestring : "", field, causes);
    for (int i = 0; i < nvals; i++) {
        const cJSON *v = cJSON_GetArrayItem(vals, i);
        if (!cJSON_IsString(v))
            continue;
        selstrs e = {0};
        sel_label_value_errs(v->valuestring, &e);
        snprintf(field, sizeof field, "%s.values[%d]", base, i);
        n += lv_invalid_each(causes, field, v->valuestring, &e);
    }
    return n;
}

int labelsel_validate_json(const cJSON *sel, const char *field_path, cJSON *causes)
{
    if (!cJSON_IsObject(sel))
        return 0;
    int n = 0;
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
    if (cJSON_IsObject(ml))
        n += lv_match_labels(ml, field_path, causes);
    const cJSON *me = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");
    int i = 0;
    for (const cJSON *ex = cJSON_IsArray(me) ? me->child : NULL; ex; ex = ex->next) {
        char base[512];
        snprintf(base, sizeof base, "%s.matchExpressions[%d]", field_path, i++);
        if (cJSON_IsObject(ex))
            n += lv_expression(ex, base, causes);
    }
    return n;
}

/* ---------- field selectors (fields/selector.go + field label conversion) ---------- */

typedef struct {
    char *field;
    char *value;
    bool neg;
} fsterm;

struct fieldsel {
    fsterm *terms;
    size_t n;
    char *plural;
};

void fieldsel_free(fieldsel *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->terms[i].field);
        free(s->terms[i].value);
    }
    free(s->terms);
    free(s->plural);
    free(s);
}

/* splitTerms: split on commas not escaped by a backslash. */
static void fs_split_terms(const char *s, selstrs *parts)
{
    if (!*s)
        return;
    size_t start = 0;
    bool slash = false;
    size_t i;
    for (i = 0; s[i]; i++) {
        if (slash)
            slash = false;
        else if (s[i] == '\\')
            slash = true;
        else if (s[i] == ',') {
            selstrs_add(parts, xstrndup(s + start, i - start));
            start = i + 1;
        }
    }
    selstrs_add(parts, xstrndup(s + start, i - start));
}

/* splitTerm: first occurrence of "!=", "==" or "=". Returns op length, 0 if none. */
static size_t fs_split_term(const char *t, size_t *at, bool *neg)
{
    for (size_t i = 0; t[i]; i++) {
        if (strncmp(t + i, "!=", 2) == 0) {
            *at = i;
            *neg = true;
            return 2;
        }
        if (strncmp(t + i, "==", 2) == 0 || t[i] == '=') {
            *at = i;
            *neg = false;
            return t[i + 1] == '=' ? 2 : 1;
        }
    }
    return 0;
}

static size_t fs_utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

/* Append the character at s as Go's range over a string yields it: a whole
 * UTF-8 sequence, or U+FFFD for an invalid or truncated one (never reading
 * past the terminating NUL). */
static void fs_put_rune(strbuf *e, const char *s)
{
    size_t n = fs_utf8_len((unsigned char)s[0]);
    for (size_t k = 1; k < n; k++)
        if (((unsigned char)s[k] & 0xc0) != 0x80) {
            strbuf_puts(e, "\xef\xbf\xbd");
            return;
        }
    if (n == 1 && (unsigned char)s[0] >= 0x80) {
        strbuf_puts(e, "\xef\xbf\xbd");
        return;
    }
    strbuf_putn(e, s, n);
}

/* UnescapeValue; NULL on error with *err set. */
static char *fs_unescape(const char *s, char **err)
{
    strbuf b = {0};
    for (size_t i = 0; s[i];) {
        if (s[i] == '\\') {
            char n = s[i + 1];
            if (n == '\\' || n == ',' || n == '=') {
                strbuf_putn(&b, &s[i + 1], 1);
                i += 2;
                continue;
            }
            strbuf e = {0};
            strbuf_puts(&e, "invalid field selector: invalid escape sequence: \\");
            if (n)
                fs_put_rune(&e, s + i + 1);
            *err = sel_take(&e);
            free(b.s);
            return NULL;
        }
        if (s[i] == ',' || s[i] == '=') {
            strbuf e = {0};
            strbuf_printf(&e, "invalid field selector: unescaped character in value: %d", s[i]);
            *err = sel_take(&e);
            free(b.s);
            return NULL;
        }
        strbuf_putn(&b, s + i, 1);
        i++;
    }
    return sel_take(&b);
}

typedef struct {
    const char *plural;
    const char *fields[16];
    bool own_message; /* "field label not supported: x" rather than the default text */
} fs_kind;

static const fs_kind fs_kinds[] = {
    {"pods",
     {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
      "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
      "status.podIP", "status.podIPs", "status.nominatedNodeName", "spec.host", NULL},
     true},
    {"nodes", {"metadata.name", "spec.unschedulable", NULL}, true},
    {"namespaces", {"status.phase", "metadata.name", NULL}, true},
    {"events",
     {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
      "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
      "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
      "metadata.namespace", "metadata.name", NULL},
     true},
    {"replicationcontrollers", {"metadata.name", "metadata.namespace", "status.replicas", NULL},
     true},
    {"secrets", {"type", "metadata.namespace", "metadata.name", NULL}, true},
    {"services", {"metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type", NULL},
     true},
};

static const fs_kind fs_default = {"", {"metadata.name", "metadata.namespace", NULL}, false};

static const fs_kind *fs_kind_for(const char *plural)
{
    for (size_t i = 0; i < sizeof fs_kinds / sizeof fs_kinds[0]; i++)
        if (plural && strcmp(fs_kinds[i].plural, plural) == 0)
            return &fs_kinds[i];
    return &fs_default;
}

/* The kind's field label conversion: NULL when supported (may rename the field). */
static char *fs_convert(const fs_kind *k, fsterm *t)
{
    for (size_t i = 0; k->fields[i]; i++)
        if (strcmp(k->fields[i], t->field) == 0) {
            if (strcmp(t->field, "spec.host") == 0) {
                free(t->field);
                t->field = xstrdup("spec.nodeName");
            }
            return NULL;
        }
    strbuf b = {0};
    if (k->own_message) {
        strbuf_printf(&b, "field label not supported: %s", t->field);
    } else {
        strbuf_quote(&b, t->field);
        strbuf_puts(&b, " is not a known field selector: only \"metadata.name\", "
                       "\"metadata.namespace\"");
    }
    return sel_take(&b);
}

static char *fs_parse_parts(const char *s, selstrs *parts, fieldsel *fs)
{
    for (size_t i = 0; i < parts->n; i++) {
        const char *part = parts->v[i];
        if (!*part)
            continue;
        size_t at;
        bool neg;
        size_t oplen = fs_split_term(part, &at, &neg);
        if (!oplen) {
            strbuf b = {0};
            strbuf_printf(&b, "invalid selector: '%s'; can't understand '%s'", s, part);
            return sel_take(&b);
        }
        char *err = NULL;
        char *val = fs_unescape(part + at + oplen, &err);
        if (!val)
            return err;
        fs->terms = xrealloc(fs->terms, (fs->n + 1) * sizeof *fs->terms);
        fs->terms[fs->n++] = (fsterm){xstrndup(part, at), val, neg};
    }
    return NULL;
}

fieldsel *fieldsel_parse(const char *s, const char *plural, char **err)
{
    *err = NULL;
    if (!s)
        s = "";
    fieldsel *fs = xcalloc(1, sizeof *fs);
    fs->plural = xstrdup(plural ? plural : "");
    selstrs parts = {0};
    fs_split_terms(s, &parts);
    sel_sort(parts.v, parts.n, sizeof *parts.v, sel_cmpstr);
    char *e = fs_parse_parts(s, &parts, fs);
    selstrs_free(&parts);
    const fs_kind *k = fs_kind_for(plural);
    for (size_t i = 0; !e && i < fs->n; i++)
        e = fs_convert(k, &fs->terms[i]);
    if (e) {
        fieldsel_free(fs);
        *err = e;
        return NULL;
    }
    return fs;
}

/* Follow a dotted path; NULL if absent. */
static const cJSON *fs_path(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, tok) : NULL;
    return o;
}

/* Render a JSON scalar as the registry's string form (missing → def). */
static void fs_render(const cJSON *v, const char *def, char *out, size_t n)
{
    if (cJSON_IsString(v))
        snprintf(out, n, "%s", v->valuestring);
    else if (cJSON_IsBool(v))
        snprintf(out, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNumber(v))
        snprintf(out, n, "%lld", (long long)v->valuedouble);
    else
        snprintf(out, n, "%s", def);
}

static void fs_value(const fieldsel *s, fieldsel_getter get, const void *obj, const char *field, char *out, size_t n)
{
    const char *p = s->plural;
    if (strcmp(p, "pods") == 0 && strcmp(field, "status.podIP") == 0) {
        const cJSON *ips = get(obj, "status.podIPs");
        const cJSON *first = cJSON_IsArray(ips) ? cJSON_GetArrayItem(ips, 0) : NULL;
        const cJSON *ip = first ? cJSON_GetObjectItemCaseSensitive(first, "ip") : NULL;
        fs_render(ip ? ip : get(obj, "status.podIP"), "", out, n);
    } else if (strcmp(p, "pods") == 0 && strcmp(field, "status.podIPs") == 0) {
        snprintf(out, n, "%s", ""); /* accepted by conversion, not a selectable field */
    } else if (strcmp(p, "events") == 0 && strcmp(field, "source") == 0) {
        const cJSON *c = get(obj, "source.component");
        if (cJSON_IsString(c) && *c->valuestring)
            fs_render(c, "", out, n);
        else
            fs_render(get(obj, "reportingComponent"), "", out, n);
    } else if (strcmp(field, "spec.hostNetwork") == 0 || strcmp(field, "spec.unschedulable") == 0) {
        fs_render(get(obj, field), "false", out, n);
    } else if (strcmp(field, "status.replicas") == 0) {
        fs_render(get(obj, field), "0", out, n);
    } else {
        fs_render(get(obj, field), "", out, n);
    }
}

static const cJSON *tree_get(const void *obj, const char *path)
{
    return fs_path(obj, path);
}

bool fieldsel_matches(const fieldsel *s, const cJSON *obj)
{
    return fieldsel_matches_get(s, tree_get, obj);
}

bool fieldsel_matches_get(const fieldsel *s, fieldsel_getter get, const void *obj)
{
    if (!s)
        return false;
    char val[1024];
    for (size_t i = 0; i < s->n; i++) {
        fs_value(s, get, obj, s->terms[i].field, val, sizeof val);
        bool eq = strcmp(val, s->terms[i].value) == 0;
        if (eq == s->terms[i].neg)
            return false;
    }
    return true;
}

const char *fieldsel_exact(const fieldsel *s, const char *field)
{
    if (!s || s->n != 1 || s->terms[0].neg || strcmp(s->terms[0].field, field) != 0)
        return NULL;
    return s->terms[0].value;
}

bool fieldsel_is_everything(const fieldsel *s) { return s && s->n == 0; }
