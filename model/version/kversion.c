/* kversion: the releases evictsim can answer as and their feature gates, as
 * data. Each fact carries the upstream source it was read from; the table a
 * user reads is docs/reference/versions.md. Parses --kube-version,
 * --feature-gates and --runtime-config with kube-apiserver's messages. Must
 * not read the store or speak HTTP: the model and the server ask it. */
#define _GNU_SOURCE
#include "kversion.h"
#include "xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Errors are one line on stderr: a control character of the value given shows as a blank. */
static char *one_line(char *msg)
{
    for (char *p = msg; p && *p; p++)
        if ((unsigned char)*p < ' ')
            *p = ' ';
    return msg;
}

/* One release: what /version says (the newest patch of the release whose
 * k8s.io/api tag could be read, the tag's date, the Go of its go.mod). */
typedef struct {
    int minor;
    const char *git_version, *build_date, *go;
} kv_release;

static const kv_release releases[] = {
    {27, "v1.27.16", "2024-07-17T10:35:08Z", "go1.20"},
    {28, "v1.28.15", "2024-10-23T06:00:09Z", "go1.20"},
    {29, "v1.29.15", "2025-03-12T01:34:50Z", "go1.21"},
    {30, "v1.30.14", "2025-06-19T11:12:44Z", "go1.22.0"},
    {31, "v1.31.14", "2025-11-12T12:39:16Z", "go1.22.0"},
    {32, "v1.32.13", "2026-02-27T03:44:33Z", "go1.23.0"},
    {33, "v1.33.13", "2026-06-12T12:25:56Z", "go1.24.0"},
    {34, "v1.34.10", "2026-07-23T01:36:17Z", "go1.24.0"},
    {35, "v1.35.7", "2026-07-23T01:39:24Z", "go1.25.0"},
    {36, "v1.36.3", "2026-07-23T01:42:44Z", "go1.26.0"},
    {37, "v1.37.0-beta.0", "2026-07-21T03:05:04Z", "go1.26.0"},
};

/* A gate's stage from a release on (upstream's versioned feature specs). */
typedef struct {
    int from;
    bool def;
    const char *stage; /* "Alpha", "Beta", "GA", "Deprecated" */
    bool locked;
} kv_step;

typedef struct {
    const char *name;
    int removed;       /* the first release that no longer knows it; 0: none yet */
    kv_step steps[5];  /* oldest first; ends at from == 0 */
} kv_gate_spec;

static const kv_gate_spec gates[G_COUNT] = {
    [G_AGGREGATED_DISCOVERY_REMOVE_BETA_TYPE] = {"AggregatedDiscoveryRemoveBetaType", 0,
        {{33, true, "Deprecated", false}, {35, true, "Deprecated", true}}},
    [G_EVICTION_REQUEST_API] = {"EvictionRequestAPI", 0, {{37, false, "Alpha", false}}},
    [G_PDB_UNHEALTHY_POD_EVICTION_POLICY] = {"PDBUnhealthyPodEvictionPolicy", 33,
        {{26, false, "Alpha", false}, {27, true, "Beta", false}, {31, true, "GA", true}}},
    [G_POD_DISRUPTION_CONDITIONS] = {"PodDisruptionConditions", 34,
        {{25, false, "Alpha", false}, {26, true, "Beta", false}, {31, true, "GA", true}}},
    [G_WATCH_LIST] = {"WatchList", 0,
        {{27, false, "Alpha", false}, {32, true, "Beta", false}, {33, false, "Beta", false},
         {34, true, "Beta", false}}},
};

int kv_minor(const kube_version *v)
{
    return v && v->minor ? v->minor : KV_DEFAULT;
}

const char *kv_gate_name(kv_gate g)
{
    return g < G_COUNT ? gates[g].name : "?";
}

/* The step in force in a release, NULL when the release does not know the gate. */
static const kv_step *gate_step(int minor, kv_gate g)
{
    const kv_gate_spec *s = &gates[g];
    if (s->removed && minor >= s->removed)
        return NULL;
    const kv_step *in = NULL;
    for (const kv_step *st = s->steps; st->from; st++)
        if (st->from <= minor)
            in = st;
    return in;
}

bool kv_gate_known(int minor, kv_gate g)
{
    return g < G_COUNT && gate_step(minor, g) != NULL;
}

bool kv_gate_on(const kube_version *v, kv_gate g)
{
    const kv_step *st = g < G_COUNT ? gate_step(kv_minor(v), g) : NULL;
    if (!st)
        return false;
    if (v && v->set & 1u << g)
        return v->on & 1u << g;
    return st->def;
}

static const kv_release *release_of(int minor)
{
    for (size_t i = 0; i < sizeof releases / sizeof *releases; i++)
        if (releases[i].minor == minor)
            return &releases[i];
    return &releases[KV_DEFAULT - KV_MIN];
}

const char *kv_valid_list(void)
{
    static char buf[128];
    if (!buf[0]) {
        size_t n = 0;
        for (int m = KV_MIN; m <= KV_MAX; m++)
            n += snprintf(buf + n, sizeof buf - n, "%s1.%d", m > KV_MIN ? ", " : "", m);
    }
    return buf;
}

int kv_parse_version(const char *s, int *minor, char **err)
{
    const char *p = s + (s[0] == 'v');
    char *end;
    long maj = 0, min = -1;
    if (p[0] >= '0' && p[0] <= '9') {
        maj = strtol(p, &end, 10);
        if (*end == '.' && end[1] >= '0' && end[1] <= '9') {
            min = strtol(end + 1, &end, 10);
            if (*end)
                min = -1;
        }
    }
    if (maj != 1 || min < KV_MIN || min > KV_MAX) {
        *err = one_line(xasprintf("\"%s\" is not a release evictsim serves (want one of %s; default 1.%d)", s,
                         kv_valid_list(), KV_DEFAULT));
        return -1;
    }
    *minor = (int)min;
    return 0;
}

/* The gates a release knows, for messages: "A, B, C". */
static void known_gates(int minor, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int g = 0; g < G_COUNT; g++)
        if (kv_gate_known(minor, g) && len < n)
            len += snprintf(buf + len, n - len, "%s%s", len ? ", " : "", gates[g].name);
    if (!len)
        snprintf(buf, n, "none");
}

/* strconv.ParseBool. */
static int go_parse_bool(const char *s, bool *b)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False", NULL};
    for (int i = 0; t[i]; i++)
        if (!strcmp(s, t[i]))
            return *b = true, 0;
    for (int i = 0; f[i]; i++)
        if (!strcmp(s, f[i]))
            return *b = false, 0;
    return -1;
}

/* strings.TrimSpace into buf. */
static void trim_into(char *buf, size_t n, const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t' || *s == '\n'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
}

static int gate_err(char **err, int minor, const char *fmt, const char *a, const char *b, const char *c)
{
    char known[512];
    known_gates(minor, known, sizeof known);
    char *msg = xasprintf(fmt, a, b, c);
    *err = one_line(xasprintf("%s (gates of 1.%d: %s)", msg, minor, known));
    free(msg);
    return -1;
}

int kv_parse_gates(kube_version *v, const char *list, char **err)
{
    int minor = kv_minor(v);
    unsigned set = v->set, on = v->on;
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char item[256], key[256], val[256];
        trim_into(item, sizeof item, p, n);
        p += n + (comma != NULL);
        if (!n)
            continue;
        char *eq = strchr(item, '=');
        trim_into(key, sizeof key, item, eq ? (size_t)(eq - item) : strlen(item));
        if (!eq)
            return gate_err(err, minor, "missing bool value for %s", key, "", "");
        trim_into(val, sizeof val, eq + 1, strlen(eq + 1));
        bool b;
        if (go_parse_bool(val, &b) < 0) {
            char why[320];
            snprintf(why, sizeof why, "strconv.ParseBool: parsing \"%s\": invalid syntax", val);
            return gate_err(err, minor, "invalid value of %s=%s, err: %s", key, val, why);
        }
        int g = 0;
        while (g < G_COUNT && strcmp(gates[g].name, key))
            g++;
        const kv_step *st = g < G_COUNT ? gate_step(minor, g) : NULL;
        if (!st)
            return gate_err(err, minor, "unrecognized feature gate: %s", key, "", "");
        if (st->locked && b != st->def)
            return gate_err(err, minor, "cannot set feature gate %s to %s, feature is locked to %s", key,
                            b ? "true" : "false", st->def ? "true" : "false");
        set |= 1u << g;
        on = b ? on | 1u << g : on & ~(1u << g);
    }
    v->set = set;
    v->on = on;
    return 0;
}

int kv_parse_runtime_config(kube_version *v, const char *list, char **err)
{
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char item[256];
        trim_into(item, sizeof item, p, n);
        p += n + (comma != NULL);
        if (!*item)
            continue;
        char *eq = strchr(item, '=');
        bool b = true;
        if (eq) {
            *eq = 0;
            if (go_parse_bool(eq + 1, &b) < 0) {
                *err = one_line(xasprintf("invalid value of %s: %s, err: strconv.ParseBool: parsing \"%s\": invalid syntax",
                             item, eq + 1, eq + 1));
                return -1;
            }
        }
        if (!strcmp(item, "lifecycle.k8s.io/v1alpha1") || !strcmp(item, "api/alpha") || !strcmp(item, "api/all")) {
            v->runtime_alpha = b;
        } else {
            *err = one_line(xasprintf("unknown api group version \"%s\" (evictsim knows lifecycle.k8s.io/v1alpha1, "
                              "api/alpha and api/all)", item));
            return -1;
        }
    }
    return 0;
}

bool kv_pod_disruption_conditions(const kube_version *v)
{
    return kv_minor(v) >= 34 || kv_gate_on(v, G_POD_DISRUPTION_CONDITIONS);
}

bool kv_eviction_request_api(const kube_version *v)
{
    return kv_gate_on(v, G_EVICTION_REQUEST_API) && v && v->runtime_alpha;
}

int kv_check(const kube_version *v, char **err)
{
    /* cmd/kube-apiserver: a gate on whose API is not served stops the start. */
    if (kv_gate_on(v, G_EVICTION_REQUEST_API) && !(v && v->runtime_alpha)) {
        *err = one_line(xasprintf("feature gate EvictionRequestAPI is enabled but the APIs it requires are not served: "
                          "evictionrequests.lifecycle.k8s.io, evictions.lifecycle.k8s.io (enable them with "
                          "--runtime-config=lifecycle.k8s.io/v1alpha1=true)"));
        return -1;
    }
    return 0;
}

const char *kv_git_version(const kube_version *v)
{
    return release_of(kv_minor(v))->git_version;
}

cJSON *kv_version_doc(const kube_version *v)
{
    int minor = kv_minor(v);
    const kv_release *r = release_of(minor);
    char m[16], mc[16];
    snprintf(m, sizeof m, "%d", minor);
    snprintf(mc, sizeof mc, "%d", minor - 1);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "major", "1");
    cJSON_AddStringToObject(doc, "minor", m);
    if (minor >= 33) { /* version.Info's compatibility fields (kubernetes/kubernetes a3094ccb) */
        cJSON_AddStringToObject(doc, "emulationMajor", "1");
        cJSON_AddStringToObject(doc, "emulationMinor", m);
        cJSON_AddStringToObject(doc, "minCompatibilityMajor", "1");
        cJSON_AddStringToObject(doc, "minCompatibilityMinor", mc);
    }
    cJSON_AddStringToObject(doc, "gitVersion", r->git_version);
    cJSON_AddStringToObject(doc, "gitCommit", "evictsim");
    cJSON_AddStringToObject(doc, "gitTreeState", "clean");
    cJSON_AddStringToObject(doc, "buildDate", r->build_date);
    cJSON_AddStringToObject(doc, "goVersion", r->go);
    cJSON_AddStringToObject(doc, "compiler", "gc");
    cJSON_AddStringToObject(doc, "platform", "linux/amd64");
    return doc;
}

cJSON *kv_info(const kube_version *v)
{
    int minor = kv_minor(v);
    char buf[16];
    snprintf(buf, sizeof buf, "1.%d", minor);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kubeVersion", buf);
    cJSON_AddStringToObject(o, "gitVersion", kv_git_version(v));
    snprintf(buf, sizeof buf, "1.%d", KV_DEFAULT);
    cJSON_AddStringToObject(o, "defaultKubeVersion", buf);
    cJSON *vs = cJSON_AddArrayToObject(o, "kubeVersions");
    for (int m = KV_MIN; m <= KV_MAX; m++) {
        snprintf(buf, sizeof buf, "1.%d", m);
        cJSON_AddItemToArray(vs, cJSON_CreateString(buf));
    }
    cJSON *fg = cJSON_AddObjectToObject(o, "featureGates");
    cJSON *det = cJSON_AddArrayToObject(o, "featureGateDetails");
    for (int g = 0; g < G_COUNT; g++) {
        const kv_step *st = gate_step(minor, g);
        if (!st)
            continue;
        cJSON_AddBoolToObject(fg, gates[g].name, kv_gate_on(v, g));
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "name", gates[g].name);
        cJSON_AddBoolToObject(d, "enabled", kv_gate_on(v, g));
        cJSON_AddBoolToObject(d, "default", st->def);
        cJSON_AddStringToObject(d, "stage", st->stage);
        cJSON_AddBoolToObject(d, "lockedToDefault", st->locked);
        cJSON_AddBoolToObject(d, "set", v && v->set & 1u << g);
        cJSON_AddItemToArray(det, d);
    }
    cJSON *apis = cJSON_AddArrayToObject(o, "alphaAPIs");
    if (kv_eviction_request_api(v))
        cJSON_AddItemToArray(apis, cJSON_CreateString("lifecycle.k8s.io/v1alpha1"));
    return o;
}
