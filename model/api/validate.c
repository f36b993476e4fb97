/* validate: field validation with kube-apiserver 1.33's texts (core, apps and
 * policy validation, apimachinery object meta and DeleteOptions). Only appends
 * causes: never mutates documents, never touches the store or HTTP. */
#define _GNU_SOURCE
#include "validate.h"
#include "lcvalidate.h"
#include "xalloc.h"
#include "generic.h"
#include "json.h"
#include "meta.h"
#include "selector.h"
#include "status.h"
#include "text.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VPATH 512

/* Field paths are bounded buffers; a path longer than VPATH is cut on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/* ---------- causes and Go-style value printing ---------- */


/* snprintf(buf, sz, "%s[%d]%s", base, index, suffix) (no "[index]" when
 * index < 0), without printf: field paths are built for every object
 * checked, valid or not. */
static void fpath(char *buf, size_t sz, const char *base, const char *suffix, int index)
{
    char num[16];
    size_t nb = strlen(base), nn = 0, ns = strlen(suffix), at = 0;
    if (index >= 0) {
        char tmp[12];
        size_t k = 0;
        unsigned u = (unsigned)index;
        do
            tmp[k++] = (char)('0' + u % 10);
        while ((u /= 10));
        num[nn++] = '[';
        while (k)
            num[nn++] = tmp[--k];
        num[nn++] = ']';
    }
    const char *parts[3] = {base, num, suffix};
    size_t lens[3] = {nb, nn, ns};
    for (int i = 0; i < 3 && sz; i++) {
        size_t n = lens[i] < sz - 1 - at ? lens[i] : sz - 1 - at;
        memcpy(buf + at, parts[i], n);
        at += n;
    }
    if (sz)
        buf[at] = 0;
}

static void v_cause(cJSON *causes, const char *reason, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void v_cause(cJSON *causes, const char *reason, const char *field, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", buf);
    cJSON_AddStringToObject(c, "field", field);
    cJSON_AddItemToArray(causes, c);
}

/* Append Go's %q of s to a growing buffer. */
static char *go_quote(const char *s)
{
    strbuf b = {0};
    strbuf_quote(&b, s ? s : "");
    return b.s;
}

static const char *str_or_empty(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(jfield(o, key));
    return s ? s : "";
}

static void v_invalid_str(cJSON *causes, const char *field, const char *val, const char *detail)
{
    char *q = go_quote(val);
    cause_invalid(causes, field, q, detail);
    free(q);
}

static void v_invalid_int(cJSON *causes, const char *field, long long v, const char *detail)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", v);
    cause_invalid(causes, field, num, detail);
}

static void v_not_supported_str(cJSON *causes, const char *field, const char *val,
                                const char *const *supported)
{
    char *q = go_quote(val);
    cause_not_supported(causes, field, q, supported);
    free(q);
}

static void v_duplicate(cJSON *causes, const char *field, const char *govalue, const char *detail)
{
    v_cause(causes, "FieldValueDuplicate", field, "Duplicate value: %s%s%s", govalue,
            detail ? ": " : "", detail ? detail : "");
}

static long long jint(const cJSON *v)
{
    return (long long)v->valuedouble;
}

static void vb_string_map(strbuf *b, const cJSON *m)
{
    if (!cJSON_IsObject(m)) {
        strbuf_printf(b, "map[string]string(nil)");
        return;
    }
    /* fmt prints maps with sorted keys */
    int n = cJSON_GetArraySize(m), k = 0;
    const cJSON **items = xcalloc(n ? n : 1, sizeof *items);
    const cJSON *it;
    cJSON_ArrayForEach(it, m) items[k++] = it;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(items[j - 1]->string, items[j]->string) > 0; j--) {
            const cJSON *t = items[j];
            items[j] = items[j - 1];
            items[j - 1] = t;
        }
    strbuf_printf(b, "map[string]string{");
    for (int i = 0; i < n; i++) {
        strbuf_printf(b, "%s", i ? ", " : "");
        strbuf_quote(b, items[i]->string);
        strbuf_printf(b, ":");
        strbuf_quote(b, cJSON_IsString(items[i]) ? items[i]->valuestring : "");
    }
    strbuf_printf(b, "}");
    free(items);
}

static void vb_string_slice(strbuf *b, const cJSON *a)
{
    if (!cJSON_IsArray(a)) {
        strbuf_printf(b, "[]string(nil)");
        return;
    }
    strbuf_printf(b, "[]string{");
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        strbuf_printf(b, "%s", i++ ? ", " : "");
        strbuf_quote(b, cJSON_IsString(it) ? it->valuestring : "");
    }
    strbuf_printf(b, "}");
}

/* %#v of a metav1.LabelSelector value */
static char *go_label_selector(const cJSON *sel)
{
    strbuf b = {0};
    strbuf_printf(&b, "v1.LabelSelector{MatchLabels:");
    vb_string_map(&b, jfield(sel, "matchLabels"));
    strbuf_printf(&b, ", MatchExpressions:");
    const cJSON *ex = jfield(sel, "matchExpressions");
    if (!cJSON_IsArray(ex)) {
        strbuf_printf(&b, "[]v1.LabelSelectorRequirement(nil)");
    } else {
        strbuf_printf(&b, "[]v1.LabelSelectorRequirement{");
        int i = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, ex) {
            strbuf_printf(&b, "%sv1.LabelSelectorRequirement{Key:", i++ ? ", " : "");
            strbuf_quote(&b, str_or_empty(r, "key"));
            strbuf_printf(&b, ", Operator:");
            strbuf_quote(&b, str_or_empty(r, "operator"));
            strbuf_printf(&b, ", Values:");
            vb_string_slice(&b, jfield(r, "values"));
            strbuf_printf(&b, "}");
        }
        strbuf_printf(&b, "}");
    }
    strbuf_printf(&b, "}");
    return b.s;
}

/* ---------- apimachinery/pkg/util/validation texts ---------- */

static const char qname_fmt[] = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
static const char qname_msg[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
static const char label_value_msg[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
static const char percent_msg[] =
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  "
    "or '93%', regex used for validation is '[0-9]+%')";
static const char negative_msg[] = "must be greater than or equal to 0";

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool qname_ok(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

static bool label_value_ok(const char *s)
{
    return !*s || qname_ok(s, strlen(s));
}

/* IsValidLabelValue: messages into msgs (up to 2); returns count */
static int label_value_errors(const char *v, const char **msgs)
{
    int n = 0;
    if (strlen(v) > 63)
        msgs[n++] = "must be no more than 63 characters";
    if (!label_value_ok(v))
        msgs[n++] = label_value_msg;
    return n;
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool dns_label_ok(const char *s, size_t n)
{
    if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool dns_subdomain_ok(const char *s)
{
    for (;;) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (!dns_label_ok(s, n))
            return false;
        if (!dot)
            return true;
        s = dot + 1;
    }
}

static const char subdomain_msg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
static const char dns_label_msg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/* IsQualifiedName: messages written into out[] (each malloc'd); returns count */
static int qualified_name_errors(const char *v, char **out)
{
    int n = 0;
    const char *slash = strchr(v, '/');
    const char *name = v;
    char buf[1024];
    if (slash && strchr(slash + 1, '/')) {
        snprintf(buf, sizeof buf, "a qualified name %s with an optional DNS subdomain prefix and '/' "
                 "(e.g. 'example.com/MyName')", qname_msg);
        out[n++] = xstrdup(buf);
        return n;
    }
    if (slash) {
        size_t plen = (size_t)(slash - v);
        char *prefix = xstrndup(v, plen);
        if (plen == 0) {
            out[n++] = xstrdup("prefix part must be non-empty");
        } else {
            if (plen > 253)
                out[n++] = xstrdup("prefix part must be no more than 253 characters");
            if (!dns_subdomain_ok(prefix)) {
                snprintf(buf, sizeof buf, "prefix part %s", subdomain_msg);
                out[n++] = xstrdup(buf);
            }
        }
        free(prefix);
        name = slash + 1;
    }
    size_t len = strlen(name);
    if (len == 0)
        out[n++] = xstrdup("name part must be non-empty");
    else if (len > 63)
        out[n++] = xstrdup("name part must be no more than 63 characters");
    if (!qname_ok(name, len)) {
        snprintf(buf, sizeof buf, "name part %s", qname_msg);
        out[n++] = xstrdup(buf);
    }
    (void)qname_fmt;
    return n;
}

/* ValidateLabelName: Invalid(field, name, msg) per message */
static void v_label_name(cJSON *causes, const char *field, const char *name)
{
    char *msgs[4];
    int n = qualified_name_errors(name, msgs);
    for (int i = 0; i < n; i++) {
        v_invalid_str(causes, field, name, msgs[i]);
        free(msgs[i]);
    }
}

/* unversionedvalidation.ValidateLabels */
static void v_labels(cJSON *causes, const char *field, const cJSON *labels)
{
    const cJSON *l;
    if (!cJSON_IsObject(labels)) /* wrong types are the decoder's error, not ours */
        return;
    cJSON_ArrayForEach(l, labels) {
        v_label_name(causes, field, l->string);
        const char *val = cJSON_IsString(l) ? l->valuestring : "";
        const char *msgs[2];
        int n = label_value_errors(val, msgs);
        for (int i = 0; i < n; i++)
            v_invalid_str(causes, field, val, msgs[i]);
    }
}

/* apimachinery ValidateAnnotations */
static void v_annotations(cJSON *causes, const char *field, const cJSON *ann)
{
    size_t total = 0;
    const cJSON *a;
    if (!cJSON_IsObject(ann)) /* wrong types are the decoder's error, not ours */
        return;
    cJSON_ArrayForEach(a, ann) {
        char *lower = xstrdup(a->string);
        for (char *p = lower; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        char *msgs[4];
        int n = qualified_name_errors(lower, msgs);
        for (int i = 0; i < n; i++) {
            v_invalid_str(causes, field, a->string, msgs[i]);
            free(msgs[i]);
        }
        free(lower);
        total += strlen(a->string) + (cJSON_IsString(a) ? strlen(a->valuestring) : 0);
    }
    if (total > 256 * 1024)
        v_cause(causes, "FieldValueTooLong", field, "Too long: may not be more than %d bytes",
                256 * 1024);
}

/* ---------- object meta ---------- */

typedef enum { NAME_SUBDOMAIN, NAME_LABEL, NAME_PATH_SEGMENT } name_rule;

static void v_path_segment(cJSON *causes, const char *field, const char *name)
{
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
        char d[32];
        snprintf(d, sizeof d, "may not be '%s'", name);
        v_invalid_str(causes, field, name, d);
        return;
    }
    if (strchr(name, '/'))
        v_invalid_str(causes, field, name, "may not contain '/'");
    if (strchr(name, '%'))
        v_invalid_str(causes, field, name, "may not contain '%'");
}

static void v_name_rule(cJSON *causes, const char *field, const char *shown, const char *checked,
                        name_rule rule)
{
    if (rule == NAME_PATH_SEGMENT) {
        v_path_segment(causes, field, checked);
        return;
    }
    bool label = rule == NAME_LABEL;
    size_t max = label ? 63 : 253;
    if (strlen(checked) > max) {
        char d[64];
        snprintf(d, sizeof d, "must be no more than %zu characters", max);
        v_invalid_str(causes, field, shown, d);
    }
    if (!(label ? dns_label_ok(checked, strlen(checked)) : dns_subdomain_ok(checked)))
        v_invalid_str(causes, field, shown, label ? dns_label_msg : subdomain_msg);
}

static name_rule name_rule_of(kind_id k)
{
    if (k == K_NAMESPACE || k == K_SERVICE)
        return NAME_LABEL;
    if (k == K_PDB || k == K_EVENT || k == K_ROLE || k == K_CLUSTERROLE || k == K_ROLEBINDING ||
        k == K_CLUSTERROLEBINDING)
        return NAME_PATH_SEGMENT;
    return NAME_SUBDOMAIN;
}

static bool std_finalizer(const char *f)
{
    return !strcmp(f, "kubernetes") || !strcmp(f, "orphan") || !strcmp(f, "foregroundDeletion");
}

static void v_finalizers(cJSON *causes, const cJSON *fins, bool kube)
{
    int i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, fins) {
        char field[VPATH];
        snprintf(field, sizeof field, "metadata.finalizers[%d]", i++);
        const char *s = cJSON_IsString(f) ? f->valuestring : "";
        int before = cJSON_GetArraySize(causes);
        v_label_name(causes, field, s);
        if (kube && cJSON_GetArraySize(causes) == before && !strchr(s, '/') && !std_finalizer(s))
            v_invalid_str(causes, field, s,
                          "name is neither a standard finalizer name nor is it fully qualified");
    }
}

/* ValidateObjectMeta (core's, with kube finalizer names when kube is true) */
static void v_object_meta(kind_id k, const cJSON *obj, cJSON *causes, bool kube)
{
    const cJSON *md = jfield(obj, "metadata");
    name_rule rule = kube ? name_rule_of(k) : NAME_PATH_SEGMENT;
    const char *gen = str_or_empty(md, "generateName");
    if (*gen) {
        char *masked = xstrdup(gen);
        size_t n = strlen(masked);
        if (rule != NAME_PATH_SEGMENT && n > 1 && masked[n - 1] == '-')
            masked[n - 1] = 'a';
        v_name_rule(causes, "metadata.generateName", gen, masked, rule);
        free(masked);
    }
    const char *name = str_or_empty(md, "name");
    if (!*name)
        cause_required(causes, "metadata.name", "name or generateName is required");
    else if (rule == NAME_SUBDOMAIN && kube)
        meta_validate_name(k, name, "metadata.name", causes);
    else
        v_name_rule(causes, "metadata.name", name, name, rule);
    if (kind_get(k)->namespaced) {
        const char *ns = str_or_empty(md, "namespace");
        if (!*ns)
            cause_required(causes, "metadata.namespace", NULL);
        else
            meta_validate_name(K_NAMESPACE, ns, "metadata.namespace", causes);
    }
    const cJSON *gen_n = jfield(md, "generation");
    if (cJSON_IsNumber(gen_n) && jint(gen_n) < 0)
        v_invalid_int(causes, "metadata.generation", jint(gen_n), negative_msg);
    v_labels(causes, "metadata.labels", jfield(md, "labels"));
    v_annotations(causes, "metadata.annotations", jfield(md, "annotations"));
    v_finalizers(causes, jfield(md, "finalizers"), kube);
}

/* ---------- pod spec ---------- */

static const char *const restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const dns_policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None", NULL};
static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never", NULL};
static const char *const tm_policies[] = {"File", "FallbackToLogsOnError", NULL};
static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};
static const char *const taint_effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
static const char *const toleration_ops[] = {"Equal", "Exists", NULL};
static const char *const preemption_policies[] = {"PreemptLowerPriority", "Never", NULL};
static const char *const always_only[] = {"Always", NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* required-enum pattern: "" → Required, unknown → NotSupported */
static void v_enum(cJSON *causes, const char *field, const cJSON *o, const char *key,
                   const char *const *values)
{
    const char *v = str_or_empty(o, key);
    if (!*v)
        cause_required(causes, field, NULL);
    else if (!in_list(v, values))
        v_not_supported_str(causes, field, v, values);
}

static void v_ports(cJSON *causes, const char *path, const cJSON *ports)
{
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, ports) {
        char f[VPATH];
        const cJSON *cp = jfield(p, "containerPort");
        long long cpv = cJSON_IsNumber(cp) ? jint(cp) : 0;
        fpath(f, sizeof f, path, ".containerPort", i);
        if (cpv == 0)
            cause_required(causes, f, NULL);
        else if (cpv < 1 || cpv > 65535)
            v_invalid_int(causes, f, cpv, "must be between 1 and 65535, inclusive");
        const cJSON *hp = jfield(p, "hostPort");
        if (cJSON_IsNumber(hp) && jint(hp) != 0 && (jint(hp) < 1 || jint(hp) > 65535)) {
            fpath(f, sizeof f, path, ".hostPort", i);
            v_invalid_int(causes, f, jint(hp), "must be between 1 and 65535, inclusive");
        }
        fpath(f, sizeof f, path, ".protocol", i);
        v_enum(causes, f, p, "protocol", protocols);
        i++;
    }
}

/* validateContainerCommon (the parts clients hit) */
static void v_container_common(cJSON *causes, const char *path, const cJSON *c)
{
    char f[VPATH];
    const char *name = str_or_empty(c, "name");
    fpath(f, sizeof f, path, ".name", -1);
    if (!*name)
        cause_required(causes, f, NULL);
    else
        v_name_rule(causes, f, name, name, NAME_LABEL);
    fpath(f, sizeof f, path, ".image", -1);
    if (!*str_or_empty(c, "image"))
        cause_required(causes, f, NULL);
    fpath(f, sizeof f, path, ".terminationMessagePolicy", -1);
    v_enum(causes, f, c, "terminationMessagePolicy", tm_policies);
    fpath(f, sizeof f, path, ".ports", -1);
    v_ports(causes, f, jfield(c, "ports"));
    fpath(f, sizeof f, path, ".imagePullPolicy", -1);
    v_enum(causes, f, c, "imagePullPolicy", pull_policies);
}

/* a tiny string set for duplicate detection */
typedef struct {
    const char **v;
    int n, cap;
} strset;

static bool ss_has(const strset *s, const char *x)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], x))
            return true;
    return false;
}

static void ss_add(strset *s, const char *x)
{
    if (s->n == s->cap)
        s->v = xrealloc(s->v, (s->cap = s->cap * 2 + 8) * sizeof *s->v);
    s->v[s->n++] = x;
}

static void v_dup_name(cJSON *causes, const char *path, const char *name)
{
    char f[VPATH];
    fpath(f, sizeof f, path, ".name", -1);
    char *q = go_quote(name);
    v_duplicate(causes, f, q, NULL);
    free(q);
}

static void v_containers(cJSON *causes, const char *spath, const cJSON *spec, strset *names)
{
    char base[VPATH], p[VPATH];
    fpath(base, sizeof base, spath, ".containers", -1);
    const cJSON *cs = jfield(spec, "containers");
    if (cJSON_GetArraySize(cs) == 0) {
        cause_required(causes, base, NULL);
        return;
    }
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cs) {
        fpath(p, sizeof p, base, "", i++);
        v_container_common(causes, p, c);
        const char *name = str_or_empty(c, "name");
        if (ss_has(names, name))
            v_dup_name(causes, p, name);
        else
            ss_add(names, name);
        if (jfield(c, "restartPolicy")) {
            char f[VPATH];
            fpath(f, sizeof f, p, ".restartPolicy", -1);
            cause_forbidden(causes, f, "may not be set for non-init containers");
        }
    }
}

static void v_init_containers(cJSON *causes, const char *spath, const cJSON *spec, strset *names)
{
    char p[VPATH], f[VPATH];
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, jfield(spec, "initContainers")) {
        snprintf(p, sizeof p, "%s.initContainers[%d]", spath, i++);
        v_container_common(causes, p, c);
        const cJSON *rp = jfield(c, "restartPolicy");
        if (cJSON_IsString(rp) && strcmp(rp->valuestring, "Always")) {
            fpath(f, sizeof f, p, ".restartPolicy", -1);
            v_not_supported_str(causes, f, rp->valuestring, always_only);
        }
        const char *name = str_or_empty(c, "name");
        if (ss_has(names, name))
            v_dup_name(causes, p, name);
        else if (*name)
            ss_add(names, name);
    }
}

static void v_taint_effect(cJSON *causes, const char *field, const char *effect, bool allow_empty)
{
    if (!*effect) {
        if (!allow_empty)
            cause_required(causes, field, NULL);
        return;
    }
    if (!in_list(effect, taint_effects))
        v_not_supported_str(causes, field, effect, taint_effects);
}

static void v_join_label_value_errors(cJSON *causes, const char *field, const char *value)
{
    const char *msgs[2];
    int n = label_value_errors(value, msgs);
    if (n == 0)
        return;
    char joined[2048];
    snprintf(joined, sizeof joined, "%s%s%s", msgs[0], n > 1 ? ";" : "", n > 1 ? msgs[1] : "");
    v_invalid_str(causes, field, value, joined);
}

/* ValidateTolerations */
static void v_tolerations(cJSON *causes, const char *path, const cJSON *tols)
{
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, tols) {
        char idx[VPATH], f[VPATH];
        fpath(idx, sizeof idx, path, "", i++);
        const char *key = str_or_empty(t, "key"), *op = str_or_empty(t, "operator");
        const char *effect = str_or_empty(t, "effect"), *value = str_or_empty(t, "value");
        if (*key) {
            fpath(f, sizeof f, idx, ".key", -1);
            v_label_name(causes, f, key);
        }
        fpath(f, sizeof f, idx, ".operator", -1);
        if (!*key && strcmp(op, "Exists"))
            v_invalid_str(causes, f, op, "operator must be Exists when `key` is empty, which means "
                                         "\"match all values and all keys\"");
        const cJSON *secs = jfield(t, "tolerationSeconds");
        if (secs && !cJSON_IsNull(secs) && strcmp(effect, "NoExecute")) {
            char fe[VPATH];
            fpath(fe, sizeof fe, idx, ".effect", -1);
            v_invalid_str(causes, fe, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
        }
        if (!*op || !strcmp(op, "Equal"))
            v_join_label_value_errors(causes, f, value);
        else if (!strcmp(op, "Exists")) {
            if (*value)
                v_invalid_str(causes, f, value, "value must be empty when `operator` is 'Exists'");
        } else
            v_not_supported_str(causes, f, op, toleration_ops);
        fpath(f, sizeof f, idx, ".effect", -1);
        v_taint_effect(causes, f, effect, true);
    }
}

static void v_volumes(cJSON *causes, const char *spath, const cJSON *spec)
{
    strset names = {0};
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, jfield(spec, "volumes")) {
        char f[VPATH];
        snprintf(f, sizeof f, "%s.volumes[%d].name", spath, i++);
        const char *name = str_or_empty(v, "name");
        int before = cJSON_GetArraySize(causes);
        if (!*name)
            cause_required(causes, f, NULL);
        else
            v_name_rule(causes, f, name, name, NAME_LABEL);
        if (ss_has(&names, name)) {
            char *q = go_quote(name);
            v_duplicate(causes, f, q, NULL);
            free(q);
        }
        if (cJSON_GetArraySize(causes) == before)
            ss_add(&names, name);
    }
    free(names.v);
}

/* ValidatePodSpec (the subset clients hit), fields under spath */
static void v_pod_spec(cJSON *causes, const char *spath, const cJSON *spec)
{
    char f[VPATH];
    fpath(f, sizeof f, spath, ".terminationGracePeriodSeconds", -1);
    const cJSON *tgps = jfield(spec, "terminationGracePeriodSeconds");
    if (!tgps || cJSON_IsNull(tgps))
        cause_required(causes, f, NULL);
    v_volumes(causes, spath, spec);
    strset names = {0};
    v_containers(causes, spath, spec, &names);
    v_init_containers(causes, spath, spec, &names);
    free(names.v);
    fpath(f, sizeof f, spath, ".restartPolicy", -1);
    v_enum(causes, f, spec, "restartPolicy", restart_policies);
    fpath(f, sizeof f, spath, ".dnsPolicy", -1);
    v_enum(causes, f, spec, "dnsPolicy", dns_policies);
    fpath(f, sizeof f, spath, ".nodeSelector", -1);
    v_labels(causes, f, jfield(spec, "nodeSelector"));
    const char *node = str_or_empty(spec, "nodeName");
    if (*node) {
        fpath(f, sizeof f, spath, ".nodeName", -1);
        v_name_rule(causes, f, node, node, NAME_SUBDOMAIN);
    }
    const cJSON *ads = jfield(spec, "activeDeadlineSeconds");
    if (cJSON_IsNumber(ads) && (jint(ads) < 1 || jint(ads) > 2147483647)) {
        fpath(f, sizeof f, spath, ".activeDeadlineSeconds", -1);
        v_invalid_int(causes, f, jint(ads), "must be between 1 and 2147483647, inclusive");
    }
    static const char *const label_fields[] = {"hostname", "subdomain", NULL};
    for (int i = 0; label_fields[i]; i++) {
        const char *s = str_or_empty(spec, label_fields[i]);
        if (*s) {
            snprintf(f, sizeof f, "%s.%s", spath, label_fields[i]);
            v_name_rule(causes, f, s, s, NAME_LABEL);
        }
    }
    fpath(f, sizeof f, spath, ".tolerations", -1);
    v_tolerations(causes, f, jfield(spec, "tolerations"));
    const char *pcn = str_or_empty(spec, "priorityClassName");
    if (*pcn) {
        fpath(f, sizeof f, spath, ".priorityClassName", -1);
        v_name_rule(causes, f, pcn, pcn, NAME_SUBDOMAIN);
    }
    if (jfield(spec, "preemptionPolicy")) {
        fpath(f, sizeof f, spath, ".preemptionPolicy", -1);
        v_enum(causes, f, spec, "preemptionPolicy", preemption_policies);
    }
}

/* pod-only container checks (validateContainersOnlyForPod) */
static void v_image_whitespace(cJSON *causes, const char *field, const char *image)
{
    size_t n = strlen(image);
    if (n && (image[0] == ' ' || image[0] == '\t' || image[0] == '\n' || image[0] == '\r' ||
              image[n - 1] == ' ' || image[n - 1] == '\t' || image[n - 1] == '\n' || image[n - 1] == '\r'))
        v_invalid_str(causes, field, image, "must not have leading or trailing whitespace");
}

static void v_containers_only_for_pod(cJSON *causes, const cJSON *spec, const char *list)
{
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, jfield(spec, list)) {
        char f[VPATH];
        snprintf(f, sizeof f, "spec.%s[%d].image", list, i++);
        v_image_whitespace(causes, f, str_or_empty(c, "image"));
    }
}

static void v_pod_metadata_and_spec(const cJSON *pod, cJSON *causes)
{
    v_object_meta(K_POD, pod, causes, true);
    v_pod_spec(causes, "spec", jfield(pod, "spec"));
    v_containers_only_for_pod(causes, jfield(pod, "spec"), "containers");
    v_containers_only_for_pod(causes, jfield(pod, "spec"), "initContainers");
}

static void v_pod_create(const cJSON *pod, cJSON *causes)
{
    v_pod_metadata_and_spec(pod, causes);
    const cJSON *spec = jfield(pod, "spec");
    if (cJSON_GetArraySize(jfield(spec, "ephemeralContainers")) > 0)
        cause_forbidden(causes, "spec.ephemeralContainers", "cannot be set on create");
    if (*str_or_empty(spec, "nodeName") &&
        cJSON_GetArraySize(jfield(spec, "schedulingGates")) > 0)
        cause_forbidden(causes, "spec.nodeName", "cannot be set until all schedulingGates have been cleared");
}

/* ---------- pod update ---------- */

static const char pod_update_fields[] =
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/* ValidateContainerUpdates; returns true to stop */
static bool v_container_updates(cJSON *causes, const cJSON *nspec, const cJSON *ospec, const char *list)
{
    const cJSON *nc = jfield(nspec, list);
    const cJSON *oc = jfield(ospec, list);
    char f[VPATH];
    snprintf(f, sizeof f, "spec.%s", list);
    if (cJSON_GetArraySize(nc) != cJSON_GetArraySize(oc)) {
        cause_forbidden(causes, f, "pod updates may not add or remove containers");
        return true;
    }
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, nc) {
        snprintf(f, sizeof f, "spec.%s[%d].image", list, i++);
        const char *image = str_or_empty(c, "image");
        if (!*image)
            cause_required(causes, f, NULL);
        v_image_whitespace(causes, f, image);
    }
    return false;
}

/* validateOnlyAddedTolerations */
static void v_only_added_tolerations(cJSON *causes, const cJSON *nspec, const cJSON *ospec)
{
    const cJSON *nt = jfield(nspec, "tolerations");
    const cJSON *o;
    cJSON_ArrayForEach(o, jfield(ospec, "tolerations")) {
        bool found = false;
        const cJSON *n;
        cJSON_ArrayForEach(n, nt) {
            cJSON *a = cJSON_Duplicate(o, true), *b = cJSON_Duplicate(n, true);
            jdel(a, "tolerationSeconds");
            jdel(b, "tolerationSeconds");
            found = jequal(a, b);
            cJSON_Delete(a);
            cJSON_Delete(b);
            if (found)
                break;
        }
        if (!found) {
            cause_forbidden(causes, "spec.tolerations",
                            "existing toleration can not be modified except its tolerationSeconds");
            return;
        }
    }
    v_tolerations(causes, "spec.tolerations", nt);
}

static void v_active_deadline_update(cJSON *causes, const cJSON *nspec, const cJSON *ospec, bool *stop)
{
    const cJSON *n = jfield(nspec, "activeDeadlineSeconds");
    const cJSON *o = jfield(ospec, "activeDeadlineSeconds");
    if (cJSON_IsNumber(n)) {
        if (jint(n) < 0 || jint(n) > 2147483647) {
            v_invalid_int(causes, "spec.activeDeadlineSeconds", jint(n),
                          "must be between 0 and 2147483647, inclusive");
            *stop = true;
        } else if (cJSON_IsNumber(o) && jint(o) < jint(n)) {
            v_invalid_int(causes, "spec.activeDeadlineSeconds", jint(n),
                          "must be less than or equal to previous value");
            *stop = true;
        }
    } else if (cJSON_IsNumber(o)) {
        cause_invalid(causes, "spec.activeDeadlineSeconds", "null",
                      "must not update from a positive integer to nil value");
    }
}

/* copy the old images into the new containers of a munged spec */
static void munge_images(cJSON *munged, const cJSON *ospec, const char *list)
{
    cJSON *nc = jfield(munged, list);
    const cJSON *oc = jfield(ospec, list);
    int i = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, nc) {
        const cJSON *oimg = jfield(cJSON_GetArrayItem(oc, i++), "image");
        if (oimg)
            jset(c, "image", cJSON_Duplicate(oimg, true));
        else
            jdel(c, "image");
    }
}

static void munge_copy(cJSON *munged, const cJSON *ospec, const char *key)
{
    const cJSON *o = jfield(ospec, key);
    if (o)
        jset(munged, key, cJSON_Duplicate(o, true));
    else
        jdel(munged, key);
}

/* A cmp.Diff-like rendering of the top-level spec fields that differ. */
static void spec_diff(strbuf *b, const cJSON *ospec, const cJSON *nspec)
{
    strbuf_printf(b, "  core.PodSpec{\n");
    const cJSON *sides[2] = {ospec, nspec};
    for (int s = 0; s < 2; s++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, sides[s]) {
            const cJSON *other = jfield(sides[1 - s], it->string);
            if (s == 1 && other)
                continue; /* already shown from the old side */
            const cJSON *ov = s == 0 ? it : other, *nv = s == 0 ? other : it;
            if (ov && nv && jequal(ov, nv))
                continue;
            char go[128];
            snprintf(go, sizeof go, "%s", it->string);
            if (go[0] >= 'a' && go[0] <= 'z')
                go[0] = (char)(go[0] - 'a' + 'A');
            char *op = ov ? jprint(ov) : NULL;
            char *np = nv ? jprint(nv) : NULL;
            strbuf_printf(b, "- \t%s: %s,\n+ \t%s: %s,\n", go, op ? op : "nil", go, np ? np : "nil");
            free(op);
            free(np);
        }
    }
    strbuf_printf(b, "  }\n");
}

static void v_pod_update(const cJSON *pod, const cJSON *old, cJSON *causes)
{
    v_pod_metadata_and_spec(pod, causes);
    const cJSON *nspec = jfield(pod, "spec");
    const cJSON *ospec = jfield(old, "spec");
    if (v_container_updates(causes, nspec, ospec, "containers") ||
        v_container_updates(causes, nspec, ospec, "initContainers"))
        return;
    bool stop = false;
    v_active_deadline_update(causes, nspec, ospec, &stop);
    if (stop)
        return;
    v_only_added_tolerations(causes, nspec, ospec);
    if (jequal(nspec, ospec))
        return;
    cJSON *munged = cJSON_Duplicate(nspec, true);
    munge_images(munged, ospec, "containers");
    munge_images(munged, ospec, "initContainers");
    munge_copy(munged, ospec, "activeDeadlineSeconds");
    munge_copy(munged, ospec, "schedulingGates");
    munge_copy(munged, ospec, "tolerations");
    const cJSON *ot = jfield(ospec, "terminationGracePeriodSeconds");
    const cJSON *mt = jfield(munged, "terminationGracePeriodSeconds");
    if (cJSON_IsNumber(ot) && jint(ot) < 0 && cJSON_IsNumber(mt) && jint(mt) == 1)
        munge_copy(munged, ospec, "terminationGracePeriodSeconds");
    if (!jequal(munged, ospec)) {
        strbuf b = {0};
        strbuf_printf(&b, "pod updates may not change fields other than %s\n", pod_update_fields);
        spec_diff(&b, ospec, munged);
        cause_forbidden(causes, "spec", b.s);
        free(b.s);
    }
    cJSON_Delete(munged);
}

/* ---------- nodes, namespaces, events ---------- */

static void v_node_taints(cJSON *causes, const cJSON *taints)
{
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, taints) {
        char idx[VPATH], f[VPATH];
        /* upstream builds these paths under "metadata" */
        snprintf(idx, sizeof idx, "metadata.taints[%d]", i);
        const char *key = str_or_empty(t, "key"), *effect = str_or_empty(t, "effect");
        fpath(f, sizeof f, idx, ".key", -1);
        v_label_name(causes, f, key);
        fpath(f, sizeof f, idx, ".value", -1);
        v_join_label_value_errors(causes, f, str_or_empty(t, "value"));
        fpath(f, sizeof f, idx, ".effect", -1);
        v_taint_effect(causes, f, effect, false);
        for (int j = 0; j < i; j++) {
            const cJSON *p = cJSON_GetArrayItem(taints, j);
            if (!strcmp(str_or_empty(p, "key"), key) && !strcmp(str_or_empty(p, "effect"), effect)) {
                strbuf b = {0};
                strbuf_printf(&b, "core.Taint{Key:");
                strbuf_quote(&b, key);
                strbuf_printf(&b, ", Value:");
                strbuf_quote(&b, str_or_empty(t, "value"));
                strbuf_printf(&b, ", Effect:");
                strbuf_quote(&b, effect);
                strbuf_printf(&b, ", TimeAdded:(*v1.Time)(nil)}");
                v_duplicate(causes, idx, b.s, "taints must be unique by key and effect pair");
                free(b.s);
                break;
            }
        }
        i++;
    }
}

static void v_node(const cJSON *node, cJSON *causes)
{
    v_object_meta(K_NODE, node, causes, true);
    v_node_taints(causes, jget(node, "spec.taints"));
}

static void v_event(const cJSON *ev, cJSON *causes)
{
    const char *ns = jstr(ev, "metadata.namespace");
    const char *ins = jstr(ev, "involvedObject.namespace");
    ns = ns ? ns : "";
    ins = ins ? ins : "";
    const cJSON *et = jget(ev, "eventTime");
    bool legacy = !et || cJSON_IsNull(et);
    bool bad = legacy ? (*ins ? strcmp(ns, ins) != 0 : (*ns && strcmp(ns, "default")))
                      : (!*ins && strcmp(ns, "default") && strcmp(ns, "kube-system"));
    if (bad)
        v_invalid_str(causes, "involvedObject.namespace", ins, "does not match event.namespace");
}

/* ---------- label selectors and workloads ---------- */

static void v_nonneg(cJSON *causes, const char *field, const cJSON *o, const char *key)
{
    const cJSON *v = jfield(o, key);
    if (cJSON_IsNumber(v) && jint(v) < 0)
        v_invalid_int(causes, field, jint(v), negative_msg);
}

static void v_selector_invalid(cJSON *causes, const char *field, const cJSON *sel, const char *detail)
{
    char *g = go_label_selector(sel);
    cause_invalid(causes, field, g, detail);
    free(g);
}

/* selector required/valid/non-empty: the Deployment/ReplicaSet/StatefulSet pattern */
static void v_required_selector(cJSON *causes, const cJSON *spec, const char *what)
{
    const cJSON *sel = jfield(spec, "selector");
    if (!sel || cJSON_IsNull(sel)) {
        cause_required(causes, "spec.selector", NULL);
        return;
    }
    labelsel_validate_json(sel, "spec.selector", causes);
    if (cJSON_GetArraySize(jfield(sel, "matchLabels")) +
            cJSON_GetArraySize(jfield(sel, "matchExpressions")) == 0) {
        char d[64];
        snprintf(d, sizeof d, "empty selector is invalid for %s", what);
        v_selector_invalid(causes, "spec.selector", sel, d);
    }
}

typedef enum { SEL_OK, SEL_NOMATCH, SEL_ERROR } sel_result;

/* LabelSelectorAsSelector + (!selector.Empty() && !Matches): nil = Nothing */
static sel_result selector_vs_template(const cJSON *spec)
{
    const cJSON *sel = jfield(spec, "selector");
    char *err = NULL;
    labelsel *ls = (sel && !cJSON_IsNull(sel)) ? labelsel_from_json(sel, &err) : NULL;
    if (err) {
        free(err);
        return SEL_ERROR;
    }
    sel_result r = SEL_OK;
    if (!ls || (!labelsel_is_everything(ls) && !labelsel_matches(ls, jget(spec, "template.metadata.labels"))))
        r = SEL_NOMATCH;
    labelsel_free(ls);
    return r;
}

static void v_template_labels_mismatch(cJSON *causes, const cJSON *spec)
{
    strbuf b = {0};
    vb_string_map(&b, jget(spec, "template.metadata.labels"));
    cause_invalid(causes, "spec.template.metadata.labels", b.s, "`selector` does not match template `labels`");
    free(b.s);
}

/* ValidatePodTemplateSpec */
static void v_pod_template(cJSON *causes, const cJSON *spec)
{
    v_labels(causes, "spec.template.labels", jget(spec, "template.metadata.labels"));
    v_annotations(causes, "spec.template.annotations", jget(spec, "template.metadata.annotations"));
    v_pod_spec(causes, "spec.template.spec", jget(spec, "template.spec"));
    if (cJSON_GetArraySize(jget(spec, "template.spec.ephemeralContainers")) > 0)
        cause_forbidden(causes, "spec.template.spec.ephemeralContainers",
                        "ephemeral containers not allowed in pod template");
}

static void v_template_restart_and_deadline(cJSON *causes, const cJSON *spec, const char *kind)
{
    const char *rp = jstr(spec, "template.spec.restartPolicy");
    if (!rp || strcmp(rp, "Always"))
        v_not_supported_str(causes, "spec.template.spec.restartPolicy", rp ? rp : "", always_only);
    if (jget(spec, "template.spec.activeDeadlineSeconds")) {
        char d[96];
        snprintf(d, sizeof d, "activeDeadlineSeconds in %s is not Supported", kind);
        cause_forbidden(causes, "spec.template.spec.activeDeadlineSeconds", d);
    }
}

/* ValidatePodTemplateSpecForReplicaSet, after LabelSelectorAsSelector */
static void v_rs_template(cJSON *causes, const cJSON *spec, const char *kind)
{
    sel_result r = selector_vs_template(spec);
    if (r == SEL_ERROR) {
        v_selector_invalid(causes, "spec.selector", jfield(spec, "selector"),
                           "invalid label selector");
        return;
    }
    if (r == SEL_NOMATCH)
        v_template_labels_mismatch(causes, spec);
    v_pod_template(causes, spec);
    v_template_restart_and_deadline(causes, spec, kind);
}

static const char intstr_int_msg[] = "must be an integer or percentage (e.g '5%')";

static char *go_intstr(const cJSON *v)
{
    strbuf b = {0};
    if (cJSON_IsString(v)) {
        strbuf_printf(&b, "intstr.IntOrString{Type:1, IntVal:0, StrVal:");
        strbuf_quote(&b, v->valuestring);
        strbuf_printf(&b, "}");
    } else {
        strbuf_printf(&b, "intstr.IntOrString{Type:0, IntVal:%lld, StrVal:\"\"}", cJSON_IsNumber(v) ? jint(v) : 0);
    }
    return b.s;
}

static bool percent_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != '%')
        return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* ValidatePositiveIntOrPercent + IsNotMoreThan100Percent */
static void v_int_or_percent(cJSON *causes, const char *field, const cJSON *v, bool max100)
{
    if (cJSON_IsString(v)) {
        char *g = go_intstr(v);
        if (!percent_ok(v->valuestring))
            cause_invalid(causes, field, g, percent_msg);
        else if (max100 && atoll(v->valuestring) > 100)
            cause_invalid(causes, field, g, "must not be greater than 100%");
        free(g);
    } else if (cJSON_IsNumber(v)) {
        if (jint(v) < 0)
            v_invalid_int(causes, field, jint(v), negative_msg);
    } else if (v && !cJSON_IsNull(v)) {
        char *g = go_intstr(v);
        cause_invalid(causes, field, g, intstr_int_msg);
        free(g);
    }
}

static long long intstr_value(const cJSON *v)
{
    if (cJSON_IsString(v))
        return percent_ok(v->valuestring) ? atoll(v->valuestring) : 0;
    return cJSON_IsNumber(v) ? jint(v) : 0;
}

static void v_deployment_strategy(cJSON *causes, const cJSON *spec)
{
    const cJSON *st = jfield(spec, "strategy");
    const char *type = str_or_empty(st, "type");
    const cJSON *ru = jfield(st, "rollingUpdate");
    if (!strcmp(type, "Recreate")) {
        if (ru && !cJSON_IsNull(ru))
            cause_forbidden(causes, "spec.strategy.rollingUpdate",
                            "may not be specified when strategy `type` is 'Recreate'");
    } else if (!strcmp(type, "RollingUpdate")) {
        if (!ru || cJSON_IsNull(ru)) {
            cause_required(causes, "spec.strategy.rollingUpdate", "this should be defaulted and never be nil");
            return;
        }
        const cJSON *mu = jfield(ru, "maxUnavailable");
        const cJSON *ms = jfield(ru, "maxSurge");
        v_int_or_percent(causes, "spec.strategy.rollingUpdate.maxUnavailable", mu, false);
        v_int_or_percent(causes, "spec.strategy.rollingUpdate.maxSurge", ms, false);
        if (intstr_value(mu) == 0 && intstr_value(ms) == 0) {
            char *g = go_intstr(mu);
            cause_invalid(causes, "spec.strategy.rollingUpdate.maxUnavailable", g, "may not be 0 when `maxSurge` is 0");
            free(g);
        }
        if (cJSON_IsString(mu) && percent_ok(mu->valuestring) && atoll(mu->valuestring) > 100) {
            char *g = go_intstr(mu);
            cause_invalid(causes, "spec.strategy.rollingUpdate.maxUnavailable", g, "must not be greater than 100%");
            free(g);
        }
    } else {
        static const char *const types[] = {"Recreate", "RollingUpdate", NULL};
        strbuf b = {0};
        strbuf_printf(&b, "apps.DeploymentStrategy{Type:");
        strbuf_quote(&b, type);
        strbuf_printf(&b, ", RollingUpdate:(*apps.RollingUpdateDeployment)(%s)}", ru ? "0xc000a1b340" : "nil");
        cause_not_supported(causes, "spec.strategy", b.s, types);
        free(b.s);
    }
}

static void v_deployment(const cJSON *d, cJSON *causes)
{
    const cJSON *spec = jfield(d, "spec");
    v_object_meta(K_DEPLOYMENT, d, causes, true);
    v_nonneg(causes, "spec.replicas", spec, "replicas");
    v_required_selector(causes, spec, "deployment");
    v_rs_template(causes, spec, "ReplicaSet");
    v_deployment_strategy(causes, spec);
    v_nonneg(causes, "spec.minReadySeconds", spec, "minReadySeconds");
    v_nonneg(causes, "spec.revisionHistoryLimit", spec, "revisionHistoryLimit");
    const cJSON *pds = jfield(spec, "progressDeadlineSeconds");
    if (cJSON_IsNumber(pds)) {
        v_nonneg(causes, "spec.progressDeadlineSeconds", spec, "progressDeadlineSeconds");
        if (jint(pds) <= (long long)jnum(spec, "minReadySeconds", 0))
            v_invalid_int(causes, "spec.progressDeadlineSeconds", jint(pds), "must be greater than minReadySeconds");
    }
}

static void v_replicaset(const cJSON *rs, cJSON *causes)
{
    const cJSON *spec = jfield(rs, "spec");
    v_object_meta(K_REPLICASET, rs, causes, true);
    v_nonneg(causes, "spec.replicas", spec, "replicas");
    v_nonneg(causes, "spec.minReadySeconds", spec, "minReadySeconds");
    v_required_selector(causes, spec, "deployment"); /* sic: upstream's text */
    v_rs_template(causes, spec, "ReplicaSet");
}

static void v_statefulset(const cJSON *ss, cJSON *causes)
{
    const cJSON *spec = jfield(ss, "spec");
    v_object_meta(K_STATEFULSET, ss, causes, true);
    const char *pmp = str_or_empty(spec, "podManagementPolicy");
    if (!*pmp)
        cause_required(causes, "spec.podManagementPolicy", NULL);
    else if (strcmp(pmp, "OrderedReady") && strcmp(pmp, "Parallel"))
        v_invalid_str(causes, "spec.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'");
    const char *ut = jstr(spec, "updateStrategy.type");
    if (!ut || !*ut)
        cause_required(causes, "spec.updateStrategy", NULL);
    else if (!strcmp(ut, "RollingUpdate"))
        v_nonneg(causes, "spec.updateStrategy.rollingUpdate.partition",
                 jget(spec, "updateStrategy.rollingUpdate"), "partition");
    v_nonneg(causes, "spec.replicas", spec, "replicas");
    v_nonneg(causes, "spec.minReadySeconds", spec, "minReadySeconds");
    v_required_selector(causes, spec, "statefulset");
    sel_result r = selector_vs_template(spec);
    if (r == SEL_ERROR) {
        v_selector_invalid(causes, "spec.selector", jfield(spec, "selector"), "");
    } else {
        /* upstream validates only labels and annotations of a StatefulSet template */
        if (r == SEL_NOMATCH)
            v_template_labels_mismatch(causes, spec);
        v_labels(causes, "spec.template.labels", jget(spec, "template.metadata.labels"));
        v_annotations(causes, "spec.template.annotations", jget(spec, "template.metadata.annotations"));
    }
    v_template_restart_and_deadline(causes, spec, "StatefulSet");
}

static void v_daemonset_strategy(cJSON *causes, const cJSON *spec)
{
    const cJSON *st = jfield(spec, "updateStrategy");
    const char *type = str_or_empty(st, "type");
    if (!strcmp(type, "OnDelete"))
        return;
    if (strcmp(type, "RollingUpdate")) {
        static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
        strbuf b = {0};
        strbuf_printf(&b, "apps.DaemonSetUpdateStrategy{Type:");
        strbuf_quote(&b, type);
        strbuf_printf(&b, ", RollingUpdate:(*apps.RollingUpdateDaemonSet)(%s)}",
               jfield(st, "rollingUpdate") ? "0xc000a1b360" : "nil");
        cause_not_supported(causes, "spec.updateStrategy", b.s, types);
        free(b.s);
        return;
    }
    const cJSON *ru = jfield(st, "rollingUpdate");
    if (!ru || cJSON_IsNull(ru)) {
        cause_required(causes, "spec.updateStrategy.rollingUpdate", NULL);
        return;
    }
    const cJSON *mu = jfield(ru, "maxUnavailable");
    const cJSON *ms = jfield(ru, "maxSurge");
    v_int_or_percent(causes, "spec.updateStrategy.rollingUpdate.maxUnavailable", mu, false);
    v_int_or_percent(causes, "spec.updateStrategy.rollingUpdate.maxSurge", ms, false);
    v_int_or_percent(causes, "spec.updateStrategy.rollingUpdate.maxUnavailable", cJSON_IsString(mu) && percent_ok(mu->valuestring) && atoll(mu->valuestring) > 100 ? mu : NULL, true);
    v_int_or_percent(causes, "spec.updateStrategy.rollingUpdate.maxSurge", cJSON_IsString(ms) && percent_ok(ms->valuestring) && atoll(ms->valuestring) > 100 ? ms : NULL, true);
    bool hu = intstr_value(mu) != 0, hs = intstr_value(ms) != 0;
    if (hu && hs) {
        char *g = go_intstr(ms);
        cause_invalid(causes, "spec.updateStrategy.rollingUpdate.maxSurge", g, "may not be set when maxUnavailable is non-zero");
        free(g);
    } else if (!hu && !hs) {
        cause_required(causes, "spec.updateStrategy.rollingUpdate.maxUnavailable", "cannot be 0 when maxSurge is 0");
    }
}

static void v_daemonset(const cJSON *ds, cJSON *causes)
{
    const cJSON *spec = jfield(ds, "spec");
    const cJSON *sel = jfield(spec, "selector");
    v_object_meta(K_DAEMONSET, ds, causes, true);
    if (sel && !cJSON_IsNull(sel))
        labelsel_validate_json(sel, "spec.selector", causes);
    if (selector_vs_template(spec) == SEL_NOMATCH)
        v_template_labels_mismatch(causes, spec);
    if (sel && !cJSON_IsNull(sel) &&
        cJSON_GetArraySize(jfield(sel, "matchLabels")) +
                cJSON_GetArraySize(jfield(sel, "matchExpressions")) == 0)
        v_selector_invalid(causes, "spec.selector", sel, "empty selector is invalid for daemonset");
    v_pod_template(causes, spec);
    v_template_restart_and_deadline(causes, spec, "DaemonSet");
    v_nonneg(causes, "spec.minReadySeconds", spec, "minReadySeconds");
    v_daemonset_strategy(causes, spec);
    v_nonneg(causes, "spec.revisionHistoryLimit", spec, "revisionHistoryLimit");
}

/* ValidateReplicationController: selector is a plain map */
static void v_rc(const cJSON *rc, cJSON *causes)
{
    const cJSON *spec = jfield(rc, "spec");
    const cJSON *sel = jfield(spec, "selector");
    v_object_meta(K_RC, rc, causes, true);
    v_nonneg(causes, "spec.minReadySeconds", spec, "minReadySeconds");
    if (cJSON_GetArraySize(sel) == 0)
        cause_required(causes, "spec.selector", NULL);
    v_nonneg(causes, "spec.replicas", spec, "replicas");
    if (!jget(spec, "template")) {
        cause_required(causes, "spec.template", NULL);
        return;
    }
    const cJSON *labels = jget(spec, "template.metadata.labels");
    const cJSON *s;
    cJSON_ArrayForEach(s, sel) {
        const char *want = cJSON_IsString(s) ? s->valuestring : "";
        const char *have = cJSON_GetStringValue(jfield(labels, s->string));
        if (!have || strcmp(have, want)) {
            v_template_labels_mismatch(causes, spec);
            break;
        }
    }
    v_pod_template(causes, spec);
    v_template_restart_and_deadline(causes, spec, "ReplicationController");
}

/* ---------- PodDisruptionBudget ---------- */

static void v_pdb_spec(const cJSON *pdb, cJSON *causes)
{
    const cJSON *spec = jfield(pdb, "spec");
    const cJSON *min = jfield(spec, "minAvailable");
    const cJSON *max = jfield(spec, "maxUnavailable");
    const cJSON *sel = jfield(spec, "selector");
    const cJSON *uhp = jfield(spec, "unhealthyPodEvictionPolicy");
    if (cJSON_IsNull(min))
        min = NULL;
    if (cJSON_IsNull(max))
        max = NULL;
    if (cJSON_IsNull(sel))
        sel = NULL;
    if (cJSON_IsNull(uhp))
        uhp = NULL;
    if (min && max) {
        char v[512];
        snprintf(v, sizeof v,
                 "policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000a1b2c0), "
                 "Selector:(*v1.LabelSelector)(%s), MaxUnavailable:(*intstr.IntOrString)(0xc000a1b300), "
                 "UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(%s)}",
                 sel ? "0xc000a1b2e0" : "nil", uhp ? "0xc000a1b320" : "nil");
        cause_invalid(causes, "spec", v, "minAvailable and maxUnavailable cannot be both set");
    }
    if (min)
        v_int_or_percent(causes, "spec.minAvailable", min, true);
    if (max)
        v_int_or_percent(causes, "spec.maxUnavailable", max, true);
    if (sel)
        labelsel_validate_json(sel, "spec.selector", causes);
    if (uhp) {
        static const char *const policies[] = {"AlwaysAllow", "IfHealthyBudget", NULL};
        const char *p = cJSON_IsString(uhp) ? uhp->valuestring : "";
        if (!in_list(p, policies))
            v_not_supported_str(causes, "spec.unhealthyPodEvictionPolicy", p, policies);
    }
}

/* ---------- entry points ---------- */

/* Kinds validated by the generic registry pass only: strategy first, then object
 * meta (path-segment names) when the strategy found nothing. */
static void v_generic_after(kind_id k, const cJSON *obj, cJSON *causes, int before)
{
    if (cJSON_GetArraySize(causes) == before)
        v_object_meta(k, obj, causes, false);
}

int validate_object(kind_id k, const cJSON *obj, const cJSON *old, cJSON *causes)
{
    int before = cJSON_GetArraySize(causes);
    switch (k) {
    case K_POD:
        if (old)
            v_pod_update(obj, old, causes);
        else
            v_pod_create(obj, causes);
        if (!old && kind_served(K_EVICTION)) /* a field of the EvictionRequestAPI gate */
            lc_validate_pod_responders(obj, causes);
        break;
    case K_EVICTIONREQUEST:
    case K_EVICTION:
        lc_validate(k, obj, old, causes);
        v_generic_after(k, obj, causes, before);
        break;
    case K_NODE: v_node(obj, causes); break;
    case K_NAMESPACE: v_object_meta(K_NAMESPACE, obj, causes, true); break;
    case K_EVENT:
        v_event(obj, causes);
        v_generic_after(k, obj, causes, before);
        break;
    case K_PDB:
        v_pdb_spec(obj, causes);
        v_generic_after(k, obj, causes, before);
        break;
    case K_DEPLOYMENT: v_deployment(obj, causes); break;
    case K_REPLICASET: v_replicaset(obj, causes); break;
    case K_STATEFULSET: v_statefulset(obj, causes); break;
    case K_DAEMONSET: v_daemonset(obj, causes); break;
    case K_RC: v_rc(obj, causes); break;
    default: /* the registry's kinds: object meta, then what generic.c knows of the kind */
        v_object_meta(k, obj, causes, true);
        generic_validate(k, obj, old, causes);
        break;
    }
    return cJSON_GetArraySize(causes) - before;
}

int validate_status(kind_id k, const cJSON *obj, cJSON *causes)
{
    int before = cJSON_GetArraySize(causes);
    const cJSON *st = jfield(obj, "status");
    if (k == K_PDB) {
        static const char *const f[] = {"disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods", NULL};
        for (int i = 0; f[i]; i++) {
            char field[64];
            snprintf(field, sizeof field, "status.%s", f[i]);
            v_nonneg(causes, field, st, f[i]);
        }
    }
    return cJSON_GetArraySize(causes) - before;
}

int validate_delete_options(const cJSON *opts, cJSON *causes)
{
    int before = cJSON_GetArraySize(causes);
    if (!cJSON_IsObject(opts))
        return 0;
    const cJSON *orphan = jfield(opts, "orphanDependents");
    const cJSON *pp = jfield(opts, "propagationPolicy");
    if (cJSON_IsNull(orphan))
        orphan = NULL;
    if (cJSON_IsNull(pp))
        pp = NULL;
    const char *ppv = cJSON_IsString(pp) ? pp->valuestring : "";
    if (orphan && pp)
        v_invalid_str(causes, "propagationPolicy", ppv, "orphanDependents and deletionPropagation cannot be both set");
    static const char *const policies[] = {"Foreground", "Background", "Orphan", "nil", NULL};
    if (pp && (!*ppv || !in_list(ppv, policies) || !strcmp(ppv, "nil")))
        v_not_supported_str(causes, "propagationPolicy", ppv, policies);
    const cJSON *dry = jfield(opts, "dryRun");
    bool dry_ok = true;
    const cJSON *d;
    cJSON_ArrayForEach(d, dry) dry_ok = dry_ok && cJSON_IsString(d) && !strcmp(d->valuestring, "All");
    if (!dry_ok) {
        static const char *const all[] = {"All", NULL};
        strbuf b = {0};
        vb_string_slice(&b, dry);
        cause_not_supported(causes, "dryRun", b.s, all);
        free(b.s);
    }
    const cJSON *gp = jfield(opts, "gracePeriodSeconds");
    /* a number that is no int64 (1.5, 1e300, inf) never reaches the grace
     * arithmetic either: converting it to an integer is undefined in C */
    bool int64_ok = cJSON_IsNumber(gp) && gp->valuedouble >= -9223372036854775808.0 &&
                    gp->valuedouble < 9223372036854775808.0 &&
                    gp->valuedouble == (double)(long long)gp->valuedouble;
    if (gp && !cJSON_IsNull(gp) && !int64_ok) {
        char *p = jprint(gp);
        cause_invalid(causes, "gracePeriodSeconds", p, "must be an integer");
        free(p);
    }
    return cJSON_GetArraySize(causes) - before;
}
