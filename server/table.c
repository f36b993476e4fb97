/* table: turns stored objects into a meta.k8s.io/v1 Table exactly as kube-apiserver 1.33's
 * pkg/printers/internalversion/printers.go does server side (Wide: every column, priority 1 for -o wide).
 * Reads objects only; never mutates them, never touches storage or libmicrohttpd. */
#include "table.h"
#include "xalloc.h"
#include "table_cells.h"
#include "generic.h"
#include "discovery.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TB_MAX_RANGES 32


/* snprintf that truncates quietly (cells are bounded; overlong values are cut). */
void tb_printf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}
static const tb_col tb_pod_cols[] = {
    TB_NAME,
    {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0},
    {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
    {"Restarts", "string", "",
     "The number of times the containers in this pod have been restarted and when the last container in this "
     "pod has restarted.", 0},
    TB_AGE,
    {"IP", "string", "", "podIP address allocated to the pod. Routable at least within the cluster.", 1},
    {"Node", "string", "", "NodeName indicates in which node this pod is scheduled.", 1},
    {"Nominated Node", "string", "",
     "nominatedNodeName is set only when this pod preempts other pods on the node.", 1},
    {"Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness.", 1},
    TB_END};

static const tb_col tb_node_cols[] = {
    TB_NAME,
    {"Status", "string", "", "The status of the node", 0},
    {"Roles", "string", "", "The roles of the node", 0},
    TB_AGE,
    {"Version", "string", "", "Kubelet Version reported by the node.", 0},
    {"Internal-IP", "string", "", "List of addresses reachable to the node.", 1},
    {"External-IP", "string", "", "List of addresses reachable to the node.", 1},
    {"OS-Image", "string", "", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1},
    {"Kernel-Version", "string", "", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1},
    {"Container-Runtime", "string", "", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1},
    TB_END};

static const tb_col tb_pdb_cols[] = {
    TB_NAME,
    {"Min Available", "string", "", "The minimum number of pods that must be available.", 0},
    {"Max Unavailable", "string", "", "The maximum number of pods that may be unavailable.", 0},
    {"Allowed Disruptions", "integer", "", "Calculated number of pods that may be disrupted at this time.", 0},
    TB_AGE,
    TB_END};

static const tb_col tb_ns_cols[] = {
    TB_NAME, {"Status", "string", "", "The status of the namespace", 0}, TB_AGE, TB_END};

static const tb_col tb_event_cols[] = {
    {"Last Seen", "string", "", "The time at which the most recent occurrence of this event was recorded.", 0},
    {"Type", "string", "", "Type of this event (Normal, Warning), new types could be added in the future", 0},
    {"Reason", "string", "", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", 0},
    {"Object", "string", "", "The object that this event is about.", 0},
    {"Subobject", "string", "", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.", 1},
    {"Source", "string", "", "The component reporting this event. Should be a short machine understandable string.", 1},
    {"Message", "string", "", "A human-readable description of the status of this operation.", 0},
    {"First Seen", "string", "", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1},
    {"Count", "string", "", "The number of times this event has occurred.", 1},
    {"Name", "string", "name", TB_NAME_DESC, 1},
    TB_END};

static const tb_col tb_deploy_cols[] = {
    TB_NAME,
    {"Ready", "string", "", "Number of the pod with ready state", 0},
    {"Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0},
    {"Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0},
    TB_AGE, TB_CONTAINERS, TB_IMAGES,
    TB_SELECTOR("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
    TB_END};

static const tb_col tb_rs_cols[] = {
    TB_NAME,
    {"Desired", "integer", "", "Replicas is the number of desired replicas.", 0},
    {"Current", "integer", "", "Replicas is the most recently observed number of replicas.", 0},
    {"Ready", "integer", "", "The number of ready replicas for this replica set.", 0},
    TB_AGE, TB_CONTAINERS, TB_IMAGES,
    TB_SELECTOR("Selector is a label query over pods that should match the replica count."),
    TB_END};

static const tb_col tb_rc_cols[] = {
    TB_NAME,
    {"Desired", "integer", "", "Replicas is the number of desired replicas.", 0},
    {"Current", "integer", "", "Replicas is the most recently observed number of replicas.", 0},
    {"Ready", "integer", "", "The number of ready replicas for this replication controller.", 0},
    TB_AGE, TB_CONTAINERS, TB_IMAGES,
    TB_SELECTOR("Selector is a label query over pods that should match the Replicas count."),
    TB_END};

static const tb_col tb_sts_cols[] = {
    TB_NAME, {"Ready", "string", "", "Number of the pod with ready state", 0}, TB_AGE, TB_CONTAINERS, TB_IMAGES,
    TB_END};

static const tb_col tb_ds_cols[] = {
    TB_NAME,
    {"Desired", "integer", "", "The total number of nodes that should be running the daemon pod.", 0},
    {"Current", "integer", "", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.", 0},
    {"Ready", "integer", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", 0},
    {"Up-to-date", "integer", "", "The total number of nodes that are running updated daemon pod", 0},
    {"Available", "integer", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.", 0},
    {"Node Selector", "string", "", "NodeSelector is a selector which must be true for the pod to fit on a node.", 0},
    TB_AGE, TB_CONTAINERS, TB_IMAGES,
    TB_SELECTOR("A label query over pods that are managed by the daemon set."),
    TB_END};

/* ---- Accept ---- */

bool table_requested(const char *accept)
{
    disc_media_range r[TB_MAX_RANGES];
    size_t n = disc_accept_parse(accept, r, TB_MAX_RANGES);
    for (size_t i = 0; i < n; i++) {
        if (r[i].rejected)
            continue;
        if (!strcmp(r[i].mime, "*/*") || !strcmp(r[i].mime, "application/*"))
            return false;
        if (strcmp(r[i].mime, "application/json"))
            continue;
        if (!r[i].as[0])
            return false;
        if (!strcmp(r[i].as, "Table") && !strcmp(r[i].g, "meta.k8s.io") &&
            (!strcmp(r[i].v, "v1") || !strcmp(r[i].v, "v1beta1")))
            return true;
    }
    return false;
}

/* ---- time ---- */

void table_human_duration(double seconds, char *buf, size_t len)
{
    long long s = (long long)seconds; /* truncates toward zero, like Go's int(d.Seconds()) */
    if (s < -1) {
        tb_printf(buf, len, "<invalid>");
        return;
    }
    if (s < 0)
        s = 0;
    long long m = s / 60, h = s / 3600, d = h / 24;
    if (s < 120)
        tb_printf(buf, len, "%llds", s);
    else if (m < 10)
        s % 60 ? tb_printf(buf, len, "%lldm%llds", m, s % 60) : tb_printf(buf, len, "%lldm", m);
    else if (m < 180)
        tb_printf(buf, len, "%lldm", m);
    else if (h < 8)
        m % 60 ? tb_printf(buf, len, "%lldh%lldm", h, m % 60) : tb_printf(buf, len, "%lldh", h);
    else if (h < 48)
        tb_printf(buf, len, "%lldh", h);
    else if (h < 24 * 8)
        h % 24 ? tb_printf(buf, len, "%lldd%lldh", d, h % 24) : tb_printf(buf, len, "%lldd", d);
    else if (h < 24 * 365 * 2)
        tb_printf(buf, len, "%lldd", d);
    else if (h < 24 * 365 * 8)
        d % 365 ? tb_printf(buf, len, "%lldy%lldd", d / 365, d % 365) : tb_printf(buf, len, "%lldy", d / 365);
    else
        tb_printf(buf, len, "%lldy", d / 365);
}

static bool tb_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Parses the "+hh:mm" / "Z" suffix at s into seconds east of UTC. */
static bool tb_offset(const char *s, long *off)
{
    int hh, mm;
    if ((s[0] == 'Z' || s[0] == 'z') && !s[1]) {
        *off = 0;
        return true;
    }
    if ((s[0] != '+' && s[0] != '-') || !tb_digits(s + 1, 2, &hh) || s[3] != ':' || !tb_digits(s + 4, 2, &mm) || s[6])
        return false;
    *off = (s[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
    return true;
}

bool table_parse_time(const char *s, double *out)
{
    int Y, M, D, h, m, sec;
    if (!s || strlen(s) < 20 || !tb_digits(s, 4, &Y) || s[4] != '-' || !tb_digits(s + 5, 2, &M) || s[7] != '-' ||
        !tb_digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't') || !tb_digits(s + 11, 2, &h) || s[13] != ':' ||
        !tb_digits(s + 14, 2, &m) || s[16] != ':' || !tb_digits(s + 17, 2, &sec))
        return false;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    double frac = 0, scale = 0.1;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    long off;
    if (!tb_offset(p, &off))
        return false;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    *out = (double)timegm(&tm) - (double)off + frac;
    return true;
}

void table_age(const char *timestamp, double now, char *buf, size_t len)
{
    double t;
    if (!table_parse_time(timestamp, &t))
        tb_printf(buf, len, "<unknown>");
    else
        table_human_duration(now - t, buf, len);
}

/* ---- JSON access (missing or mistyped fields read as empty / zero) ---- */

const cJSON *tb_get(const cJSON *o, ...)
{
    va_list ap;
    va_start(ap, o);
    for (const char *k = va_arg(ap, const char *); k && o; k = va_arg(ap, const char *))
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    va_end(ap);
    return o;
}

const cJSON *tb_obj(const cJSON *o)
{
    return cJSON_IsObject(o) ? o : NULL;
}

const char *tb_str(const cJSON *o, const char *key)
{
    const cJSON *v = tb_get(o, key, NULL);
    return cJSON_IsString(v) ? v->valuestring : "";
}

long long tb_int(const cJSON *o, const char *key, long long dflt)
{
    const cJSON *v = tb_get(o, key, NULL);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

bool tb_true(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(tb_get(o, key, NULL));
}

bool tb_present(const cJSON *o, const char *key)
{
    const cJSON *v = tb_get(o, key, NULL);
    return v && !cJSON_IsNull(v);
}

int tb_len(const cJSON *arr)
{
    return cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
}

void tb_add_str(cJSON *cells, const char *s)
{
    cJSON_AddItemToArray(cells, cJSON_CreateString(s));
}

void tb_add_int(cJSON *cells, long long v)
{
    cJSON_AddItemToArray(cells, cJSON_CreateNumber((double)v));
}

void tb_add_age(cJSON *cells, const cJSON *obj, double now)
{
    char age[64];
    table_age(tb_str(tb_get(obj, "metadata", NULL), "creationTimestamp"), now, age, sizeof age);
    tb_add_str(cells, age);
}

void tb_add_name(cJSON *cells, const cJSON *obj)
{
    tb_add_str(cells, tb_str(tb_get(obj, "metadata", NULL), "name"));
}

/* ---- small formatters shared by kinds ---- */

/* Appends s to buf (capacity n) with a separator when buf is non-empty; truncates quietly. */
void tb_join(char *buf, size_t n, const char *sep, const char *s)
{
    size_t used = strlen(buf);
    const char *parts[2] = {used ? sep : "", s};
    for (int i = 0; i < 2; i++)
        for (const char *p = parts[i]; *p && used + 1 < n; p++)
            buf[used++] = *p;
    buf[used] = '\0';
}

static int tb_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* labels.FormatLabels: "k=v,..." sorted by key, "<none>" when empty. */
void tb_format_labels(const cJSON *map, char *buf, size_t n)
{
    const char *keys[128];
    size_t k = 0;
    const cJSON *it;
    buf[0] = '\0';
    cJSON_ArrayForEach(it, tb_obj(map)) {
        if (k < 128 && it->string)
            keys[k++] = it->string;
    }
    qsort(keys, k, sizeof *keys, tb_cmp_str);
    for (size_t i = 0; i < k; i++) {
        char kv[TB_BUF];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(map, keys[i]);
        tb_printf(kv, sizeof kv, "%s=%s", keys[i], cJSON_IsString(v) ? v->valuestring : "");
        tb_join(buf, n, ",", kv);
    }
    if (!buf[0])
        tb_printf(buf, n, "<none>");
}

typedef struct {
    const char *key;
    char text[TB_BUF];
} tb_req;

static int tb_cmp_req(const void *a, const void *b)
{
    return strcmp(((const tb_req *)a)->key, ((const tb_req *)b)->key);
}

/* One matchExpressions entry as labels.Requirement.String(); false when invalid. */
static bool tb_expression(const cJSON *e, tb_req *r)
{
    const char *op = tb_str(e, "operator");
    const char *vals[64];
    size_t nv = 0;
    const cJSON *v;
    r->key = tb_str(e, "key");
    cJSON_ArrayForEach(v, tb_get(e, "values", NULL)) {
        if (nv < 64 && cJSON_IsString(v))
            vals[nv++] = v->valuestring;
    }
    if (!strcmp(op, "Exists") || !strcmp(op, "DoesNotExist")) {
        tb_printf(r->text, sizeof r->text, "%s%s", op[0] == 'D' ? "!" : "", r->key);
        return nv == 0;
    }
    if ((strcmp(op, "In") && strcmp(op, "NotIn")) || nv == 0)
        return false;
    qsort(vals, nv, sizeof *vals, tb_cmp_str);
    char list[TB_BUF] = "";
    for (size_t i = 0; i < nv; i++)
        tb_join(list, sizeof list, ",", vals[i]);
    tb_printf(r->text, sizeof r->text, "%s %s (%s)", r->key, op[0] == 'I' ? "in" : "notin", list);
    return true;
}

/* metav1.LabelSelectorAsSelector(sel).String(); false when the selector is invalid. */
bool tb_selector_string(const cJSON *sel, char *buf, size_t n)
{
    tb_req reqs[64];
    size_t k = 0;
    const cJSON *it;
    buf[0] = '\0';
    cJSON_ArrayForEach(it, tb_get(sel, "matchLabels", NULL)) {
        if (k == 64 || !it->string)
            break;
        reqs[k].key = it->string;
        tb_printf(reqs[k++].text, sizeof reqs[0].text, "%s=%s", it->string, cJSON_IsString(it) ? it->valuestring : "");
    }
    cJSON_ArrayForEach(it, tb_get(sel, "matchExpressions", NULL)) {
        if (k == 64)
            break;
        if (!tb_expression(it, &reqs[k++]))
            return false;
    }
    qsort(reqs, k, sizeof *reqs, tb_cmp_req);
    for (size_t i = 0; i < k; i++)
        tb_join(buf, n, ",", reqs[i].text);
    return true;
}

/* metav1.FormatLabelSelector: "<error>" when invalid, "<none>" when empty. */
void tb_format_selector(const cJSON *sel, char *buf, size_t n)
{
    if (!tb_selector_string(sel, buf, n))
        tb_printf(buf, n, "<error>");
    else if (!buf[0])
        tb_printf(buf, n, "<none>");
}

/* layoutContainerCells: container names and images, comma-joined. */
void tb_add_containers(cJSON *cells, const cJSON *podspec)
{
    char names[TB_BUF * 2] = "", images[TB_BUF * 2] = "";
    const cJSON *c;
    bool first = true;
    cJSON_ArrayForEach(c, tb_get(podspec, "containers", NULL)) {
        size_t ln = strlen(names), li = strlen(images);
        tb_printf(names + ln, sizeof names - ln, "%s%s", first ? "" : ",", tb_str(c, "name"));
        tb_printf(images + li, sizeof images - li, "%s%s", first ? "" : ",", tb_str(c, "image"));
        first = false;
    }
    tb_add_str(cells, names);
    tb_add_str(cells, images);
}

/* ---- pods ---- */

typedef struct {
    bool set;
    double t;
} tb_time;

/* lastRestartDate bookkeeping: keep the latest lastState.terminated.finishedAt. */
static void tb_note_restart(tb_time *last, const cJSON *cs)
{
    double t;
    const char *fin = tb_str(tb_get(cs, "lastState", "terminated", NULL), "finishedAt");
    if (table_parse_time(fin, &t) && (!last->set || last->t < t)) {
        last->set = true;
        last->t = t;
    }
}

static bool tb_restartable_init(const cJSON *spec, const char *name)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, tb_get(spec, "initContainers", NULL)) {
        if (!strcmp(tb_str(c, "name"), name))
            return !strcmp(tb_str(c, "restartPolicy"), "Always");
    }
    return false;
}

static bool tb_condition_true(const cJSON *status, const char *type, bool first_only)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, tb_get(status, "conditions", NULL)) {
        if (strcmp(tb_str(c, "type"), type))
            continue;
        if (!strcmp(tb_str(c, "status"), "True"))
            return true;
        if (first_only)
            return false;
    }
    return false;
}

typedef struct {
    char reason[256];
    int ready, total;
    long long restarts, sidecar_restarts;
    tb_time last, sidecar_last;
} tb_pod_state;

/* Terminated container with no reason: "<prefix>Signal:N" or "<prefix>ExitCode:N". */
static void tb_exit_reason(char *buf, size_t n, const char *prefix, const cJSON *term)
{
    long long sig = tb_int(term, "signal", 0);
    if (sig)
        tb_printf(buf, n, "%sSignal:%lld", prefix, sig);
    else
        tb_printf(buf, n, "%sExitCode:%lld", prefix, tb_int(term, "exitCode", 0));
}

/* The init-container pass of printPod; returns true while the pod is still initializing. */
static bool tb_pod_init(const cJSON *pod, tb_pod_state *ps)
{
    const cJSON *spec = tb_get(pod, "spec", NULL), *cs;
    int i = 0, n_init = tb_len(tb_get(spec, "initContainers", NULL));
    cJSON_ArrayForEach(cs, tb_get(pod, "status", "initContainerStatuses", NULL)) {
        const cJSON *term = tb_get(cs, "state", "terminated", NULL), *wait = tb_get(cs, "state", "waiting", NULL);
        bool sidecar = tb_restartable_init(spec, tb_str(cs, "name"));
        ps->restarts += tb_int(cs, "restartCount", 0);
        tb_note_restart(&ps->last, cs);
        if (sidecar) {
            ps->sidecar_restarts += tb_int(cs, "restartCount", 0);
            tb_note_restart(&ps->sidecar_last, cs);
        }
        i++;
        if (term && tb_int(term, "exitCode", 0) == 0)
            continue;
        if (sidecar && tb_true(cs, "started")) {
            ps->ready += tb_true(cs, "ready");
            continue;
        }
        if (term && *tb_str(term, "reason"))
            tb_printf(ps->reason, sizeof ps->reason, "Init:%s", tb_str(term, "reason"));
        else if (term)
            tb_exit_reason(ps->reason, sizeof ps->reason, "Init:", term);
        else if (wait && *tb_str(wait, "reason") && strcmp(tb_str(wait, "reason"), "PodInitializing"))
            tb_printf(ps->reason, sizeof ps->reason, "Init:%s", tb_str(wait, "reason"));
        else
            tb_printf(ps->reason, sizeof ps->reason, "Init:%d/%d", i - 1, n_init);
        return true;
    }
    return false;
}

/* The regular-container pass of printPod (walks statuses last to first, as upstream). */
static void tb_pod_containers(const cJSON *pod, tb_pod_state *ps)
{
    const cJSON *list = tb_get(pod, "status", "containerStatuses", NULL);
    bool has_running = false;
    ps->restarts = ps->sidecar_restarts;
    ps->last = ps->sidecar_last;
    for (int i = tb_len(list) - 1; i >= 0; i--) {
        const cJSON *cs = cJSON_GetArrayItem(list, i);
        const cJSON *term = tb_get(cs, "state", "terminated", NULL), *wait = tb_get(cs, "state", "waiting", NULL);
        ps->restarts += tb_int(cs, "restartCount", 0);
        tb_note_restart(&ps->last, cs);
        if (wait && *tb_str(wait, "reason"))
            tb_printf(ps->reason, sizeof ps->reason, "%s", tb_str(wait, "reason"));
        else if (term && *tb_str(term, "reason"))
            tb_printf(ps->reason, sizeof ps->reason, "%s", tb_str(term, "reason"));
        else if (term)
            tb_exit_reason(ps->reason, sizeof ps->reason, "", term);
        else if (tb_true(cs, "ready") && tb_present(tb_get(cs, "state", NULL), "running")) {
            has_running = true;
            ps->ready++;
        }
    }
    if (!strcmp(ps->reason, "Completed") && has_running)
        tb_printf(ps->reason, sizeof ps->reason, "%s",
                 tb_condition_true(tb_get(pod, "status", NULL), "Ready", false) ? "Running" : "NotReady");
}

static void tb_pod_row_conditions(cJSON *row, const char *phase)
{
    bool ok = !strcmp(phase, "Succeeded");
    if (!ok && strcmp(phase, "Failed"))
        return;
    cJSON *conds = cJSON_AddArrayToObject(row, "conditions");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "Completed");
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "reason", phase);
    cJSON_AddStringToObject(c, "message", ok ? "The pod has completed successfully." : "The pod failed.");
    cJSON_AddItemToArray(conds, c);
}

static void tb_pod_status(const cJSON *pod, tb_pod_state *ps)
{
    const cJSON *spec = tb_get(pod, "spec", NULL), *status = tb_get(pod, "status", NULL), *c;
    const char *phase = tb_str(status, "phase");
    tb_printf(ps->reason, sizeof ps->reason, "%s", *tb_str(status, "reason") ? tb_str(status, "reason") : phase);
    cJSON_ArrayForEach(c, tb_get(status, "conditions", NULL)) {
        if (!strcmp(tb_str(c, "type"), "PodScheduled") && !strcmp(tb_str(c, "reason"), "SchedulingGated"))
            tb_printf(ps->reason, sizeof ps->reason, "SchedulingGated");
    }
    ps->total = tb_len(tb_get(spec, "containers", NULL));
    cJSON_ArrayForEach(c, tb_get(spec, "initContainers", NULL))
        ps->total += !strcmp(tb_str(c, "restartPolicy"), "Always");
    bool initializing = tb_pod_init(pod, ps);
    if (!initializing || tb_condition_true(status, "Initialized", true))
        tb_pod_containers(pod, ps);
    bool deleting = tb_present(tb_get(pod, "metadata", NULL), "deletionTimestamp");
    if (deleting && !strcmp(tb_str(status, "reason"), "NodeLost"))
        tb_printf(ps->reason, sizeof ps->reason, "Unknown");
    else if (deleting && strcmp(phase, "Succeeded") && strcmp(phase, "Failed"))
        tb_printf(ps->reason, sizeof ps->reason, "Terminating");
}

static void tb_readiness_gates(const cJSON *pod, char *buf, size_t n)
{
    const cJSON *gates = tb_get(pod, "spec", "readinessGates", NULL), *g;
    int total = tb_len(gates), ok = 0;
    if (!total) {
        tb_printf(buf, n, "<none>");
        return;
    }
    cJSON_ArrayForEach(g, gates)
        ok += tb_condition_true(tb_get(pod, "status", NULL), tb_str(g, "conditionType"), true);
    tb_printf(buf, n, "%d/%d", ok, total);
}

static const char *tb_or_none(const char *s)
{
    return *s ? s : "<none>";
}

static void tb_pod_cells(const cJSON *pod, double now, cJSON *cells, cJSON *row)
{
    tb_pod_state ps = {0};
    char buf[TB_BUF], age[64];
    const cJSON *status = tb_get(pod, "status", NULL);
    tb_pod_status(pod, &ps);
    tb_pod_row_conditions(row, tb_str(status, "phase"));
    tb_add_name(cells, pod);
    tb_printf(buf, sizeof buf, "%d/%d", ps.ready, ps.total);
    tb_add_str(cells, buf);
    tb_add_str(cells, ps.reason);
    if (ps.restarts && ps.last.set) {
        table_human_duration(now - ps.last.t, age, sizeof age);
        tb_printf(buf, sizeof buf, "%lld (%s ago)", ps.restarts, age);
    } else
        tb_printf(buf, sizeof buf, "%lld", ps.restarts);
    tb_add_str(cells, buf);
    tb_add_age(cells, pod, now);
    const char *ip = tb_str(cJSON_GetArrayItem(tb_get(status, "podIPs", NULL), 0), "ip");
    tb_add_str(cells, tb_or_none(*ip ? ip : tb_str(status, "podIP")));
    tb_add_str(cells, tb_or_none(tb_str(tb_get(pod, "spec", NULL), "nodeName")));
    tb_add_str(cells, tb_or_none(tb_str(status, "nominatedNodeName")));
    tb_readiness_gates(pod, buf, sizeof buf);
    tb_add_str(cells, buf);
}

/* ---- nodes ---- */

static void tb_node_roles(const cJSON *labels, char *buf, size_t n)
{
    const char *roles[128];
    size_t k = 0;
    const cJSON *it;
    static const char prefix[] = "node-role.kubernetes.io/";
    cJSON_ArrayForEach(it, tb_obj(labels)) {
        if (k == 128 || !it->string)
            break;
        if (!strncmp(it->string, prefix, sizeof prefix - 1) && it->string[sizeof prefix - 1])
            roles[k++] = it->string + sizeof prefix - 1;
        else if (!strcmp(it->string, "kubernetes.io/role") && cJSON_IsString(it) && *it->valuestring)
            roles[k++] = it->valuestring;
    }
    qsort(roles, k, sizeof *roles, tb_cmp_str);
    buf[0] = '\0';
    for (size_t i = 0; i < k; i++)
        if (!i || strcmp(roles[i], roles[i - 1]))
            tb_join(buf, n, ",", roles[i]);
    if (!buf[0])
        tb_printf(buf, n, "<none>");
}

static const char *tb_node_address(const cJSON *node, const char *type)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, tb_get(node, "status", "addresses", NULL)) {
        if (!strcmp(tb_str(a, "type"), type))
            return tb_str(a, "address");
    }
    return "<none>";
}

static const char *tb_or_unknown(const char *s)
{
    return *s ? s : "<unknown>";
}

static void tb_node_cells(const cJSON *node, double now, cJSON *cells)
{
    char status[64] = "Unknown", roles[TB_BUF];
    const cJSON *c, *info = tb_get(node, "status", "nodeInfo", NULL);
    cJSON_ArrayForEach(c, tb_get(node, "status", "conditions", NULL)) { /* the last Ready condition wins */
        if (!strcmp(tb_str(c, "type"), "Ready"))
            tb_printf(status, sizeof status, "%s", strcmp(tb_str(c, "status"), "True") ? "NotReady" : "Ready");
    }
    if (tb_true(tb_get(node, "spec", NULL), "unschedulable"))
        tb_join(status, sizeof status, ",", "SchedulingDisabled");
    tb_node_roles(tb_get(node, "metadata", "labels", NULL), roles, sizeof roles);
    tb_add_name(cells, node);
    tb_add_str(cells, status);
    tb_add_str(cells, roles);
    tb_add_age(cells, node, now);
    tb_add_str(cells, tb_str(info, "kubeletVersion"));
    tb_add_str(cells, tb_node_address(node, "InternalIP"));
    tb_add_str(cells, tb_node_address(node, "ExternalIP"));
    tb_add_str(cells, tb_or_unknown(tb_str(info, "osImage")));
    tb_add_str(cells, tb_or_unknown(tb_str(info, "kernelVersion")));
    tb_add_str(cells, tb_or_unknown(tb_str(info, "containerRuntimeVersion")));
}

/* ---- policy, namespaces, events ---- */

/* IntOrString.String(), or "N/A" when unset. */
void tb_add_int_or_string(cJSON *cells, const cJSON *v)
{
    char buf[64];
    if (cJSON_IsNumber(v))
        tb_printf(buf, sizeof buf, "%lld", (long long)v->valuedouble);
    else
        tb_printf(buf, sizeof buf, "%s", cJSON_IsString(v) ? v->valuestring : "N/A");
    tb_add_str(cells, buf);
}

static void tb_pdb_cells(const cJSON *pdb, double now, cJSON *cells)
{
    tb_add_name(cells, pdb);
    tb_add_int_or_string(cells, tb_get(pdb, "spec", "minAvailable", NULL));
    tb_add_int_or_string(cells, tb_get(pdb, "spec", "maxUnavailable", NULL));
    tb_add_int(cells, tb_int(tb_get(pdb, "status", NULL), "disruptionsAllowed", 0));
    tb_add_age(cells, pdb, now);
}

static void tb_ns_cells(const cJSON *ns, double now, cJSON *cells)
{
    tb_add_name(cells, ns);
    tb_add_str(cells, tb_str(tb_get(ns, "status", NULL), "phase"));
    tb_add_age(cells, ns, now);
}

static void tb_event_source(const cJSON *ev, char *buf, size_t n)
{
    const char *comp = tb_str(tb_get(ev, "source", NULL), "component");
    const char *host = tb_str(tb_get(ev, "source", NULL), "host");
    if (!*comp)
        comp = tb_str(ev, "reportingController");
    if (!*host)
        host = tb_str(ev, "reportingInstance");
    tb_printf(buf, n, "%s%s%s", comp, *host ? ", " : "", host);
}

/* Message with surrounding whitespace trimmed (strings.TrimSpace). */
static void tb_add_trimmed(cJSON *cells, const char *s)
{
    char *copy = xstrdup(s);
    char *b = copy, *e = copy + strlen(copy);
    while (*b && strchr(" \t\r\n\v\f", *b))
        b++;
    while (e > b && strchr(" \t\r\n\v\f", e[-1]))
        *--e = '\0';
    tb_add_str(cells, b);
    free(copy);
}

static void tb_event_cells(const cJSON *ev, double now, cJSON *cells)
{
    char first[64], last[64], target[TB_BUF], source[TB_BUF];
    const cJSON *series = tb_get(ev, "series", NULL), *obj = tb_get(ev, "involvedObject", NULL);
    const char *ft = tb_str(ev, "firstTimestamp");
    table_age(*ft ? ft : tb_str(ev, "eventTime"), now, first, sizeof first);
    if (*tb_str(ev, "lastTimestamp"))
        table_age(tb_str(ev, "lastTimestamp"), now, last, sizeof last);
    else
        tb_printf(last, sizeof last, "%s", first);
    long long count = tb_int(ev, "count", 0);
    if (cJSON_IsObject(series)) {
        table_age(tb_str(series, "lastObservedTime"), now, last, sizeof last);
        count = tb_int(series, "count", 0);
    } else if (!count)
        count = 1;
    tb_printf(target, sizeof target, "%s%s%s", tb_str(obj, "kind"), *tb_str(obj, "name") ? "/" : "", tb_str(obj, "name"));
    for (char *p = target; *p && *p != '/'; p++)
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    tb_event_source(ev, source, sizeof source);
    tb_add_str(cells, last);
    tb_add_str(cells, tb_str(ev, "type"));
    tb_add_str(cells, tb_str(ev, "reason"));
    tb_add_str(cells, target);
    tb_add_str(cells, tb_str(obj, "fieldPath"));
    tb_add_str(cells, source);
    tb_add_trimmed(cells, tb_str(ev, "message"));
    tb_add_str(cells, first);
    tb_add_int(cells, count);
    tb_add_name(cells, ev);
}

/* ---- workloads ---- */

static const cJSON *tb_template_spec(const cJSON *obj)
{
    return tb_get(obj, "spec", "template", "spec", NULL);
}

static void tb_deploy_cells(const cJSON *d, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(d, "spec", NULL), *st = tb_get(d, "status", NULL);
    char buf[TB_BUF];
    tb_add_name(cells, d);
    tb_printf(buf, sizeof buf, "%lld/%lld", tb_int(st, "readyReplicas", 0), tb_int(spec, "replicas", 1));
    tb_add_str(cells, buf);
    tb_add_int(cells, tb_int(st, "updatedReplicas", 0));
    tb_add_int(cells, tb_int(st, "availableReplicas", 0));
    tb_add_age(cells, d, now);
    tb_add_containers(cells, tb_template_spec(d));
    if (!tb_selector_string(tb_get(spec, "selector", NULL), buf, sizeof buf))
        tb_printf(buf, sizeof buf, "<invalid>");
    tb_add_str(cells, buf);
}

/* ReplicaSet and ReplicationController share a layout; only the selector format differs. */
static void tb_replicas_cells(const cJSON *o, double now, cJSON *cells, bool rc)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *st = tb_get(o, "status", NULL);
    char buf[TB_BUF];
    tb_add_name(cells, o);
    tb_add_int(cells, tb_int(spec, "replicas", 1));
    tb_add_int(cells, tb_int(st, "replicas", 0));
    tb_add_int(cells, tb_int(st, "readyReplicas", 0));
    tb_add_age(cells, o, now);
    tb_add_containers(cells, tb_template_spec(o));
    if (rc)
        tb_format_labels(tb_get(spec, "selector", NULL), buf, sizeof buf);
    else
        tb_format_selector(tb_get(spec, "selector", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
}

static void tb_sts_cells(const cJSON *s, double now, cJSON *cells)
{
    char buf[64];
    tb_printf(buf, sizeof buf, "%lld/%lld", tb_int(tb_get(s, "status", NULL), "readyReplicas", 0),
             tb_int(tb_get(s, "spec", NULL), "replicas", 1));
    tb_add_name(cells, s);
    tb_add_str(cells, buf);
    tb_add_age(cells, s, now);
    tb_add_containers(cells, tb_template_spec(s));
}

static void tb_ds_cells(const cJSON *ds, double now, cJSON *cells)
{
    const cJSON *st = tb_get(ds, "status", NULL);
    static const char *const counts[] = {"desiredNumberScheduled", "currentNumberScheduled", "numberReady",
                                         "updatedNumberScheduled", "numberAvailable"};
    char buf[TB_BUF];
    tb_add_name(cells, ds);
    for (size_t i = 0; i < 5; i++)
        tb_add_int(cells, tb_int(st, counts[i], 0));
    tb_format_labels(tb_get(tb_template_spec(ds), "nodeSelector", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
    tb_add_age(cells, ds, now);
    tb_add_containers(cells, tb_template_spec(ds));
    tb_format_selector(tb_get(ds, "spec", "selector", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
}

/* ---- assembly ---- */

static const tb_col *tb_columns(kind_id kind)
{
    switch (kind) {
    case K_POD: return tb_pod_cols;
    case K_NODE: return tb_node_cols;
    case K_PDB: return tb_pdb_cols;
    case K_NAMESPACE: return tb_ns_cols;
    case K_EVENT:
    case K_EVENT_V1: return tb_event_cols;
    case K_DEPLOYMENT: return tb_deploy_cols;
    case K_REPLICASET: return tb_rs_cols;
    case K_RC: return tb_rc_cols;
    case K_STATEFULSET: return tb_sts_cols;
    case K_DAEMONSET: return tb_ds_cols;
    default: return printers_columns(kind_get(kind) ? kind_get(kind)->store_kind : kind);
    }
}

static void tb_cells(kind_id kind, const cJSON *obj, double now, cJSON *cells, cJSON *row)
{
    switch (kind) {
    case K_POD: tb_pod_cells(obj, now, cells, row); break;
    case K_NODE: tb_node_cells(obj, now, cells); break;
    case K_PDB: tb_pdb_cells(obj, now, cells); break;
    case K_NAMESPACE: tb_ns_cells(obj, now, cells); break;
    case K_EVENT: tb_event_cells(obj, now, cells); break;
    case K_EVENT_V1:
    case K_HPA_V1: { /* printed as the object of the stored kind it is */
        cJSON *stored = generic_to_stored(kind, obj);
        tb_cells(kind_get(kind)->store_kind, stored, now, cells, row);
        cJSON_Delete(stored);
        break;
    }
    case K_DEPLOYMENT: tb_deploy_cells(obj, now, cells); break;
    case K_REPLICASET: tb_replicas_cells(obj, now, cells, false); break;
    case K_RC: tb_replicas_cells(obj, now, cells, true); break;
    case K_STATEFULSET: tb_sts_cells(obj, now, cells); break;
    case K_DAEMONSET: tb_ds_cells(obj, now, cells); break;
    default:
        if (kind_get(kind) && kind_get(kind)->custom)
            printers_custom_cells(kind_get(kind), obj, now, cells);
        else
            printers_cells(kind, obj, now, cells);
        break;
    }
}

static cJSON *tb_column_defs(const tb_col *cols)
{
    cJSON *arr = cJSON_CreateArray();
    for (; cols->name; cols++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", cols->name);
        cJSON_AddStringToObject(c, "type", cols->type);
        cJSON_AddStringToObject(c, "format", cols->format);
        cJSON_AddStringToObject(c, "description", cols->desc);
        cJSON_AddNumberToObject(c, "priority", cols->priority);
        cJSON_AddItemToArray(arr, c);
    }
    return arr;
}

static cJSON *tb_row(kind_id kind, const cJSON *obj, double now)
{
    cJSON *row = cJSON_CreateObject();
    cJSON *cells = cJSON_AddArrayToObject(row, "cells");
    tb_cells(kind, obj, now, cells, row);
    cJSON *po = cJSON_AddObjectToObject(row, "object");
    cJSON_AddStringToObject(po, "kind", "PartialObjectMetadata");
    cJSON_AddStringToObject(po, "apiVersion", "meta.k8s.io/v1");
    const cJSON *meta = tb_get(obj, "metadata", NULL);
    cJSON_AddItemToObject(po, "metadata", cJSON_IsObject(meta) ? cJSON_Duplicate(meta, true) : cJSON_CreateObject());
    return row;
}

cJSON *table_render(kind_id kind, cJSON *const *objs, size_t n, double now, const char *rv)
{
    const kind_info *ki = kind_get(kind);
    bool custom = ki && ki->custom;
    const tb_col *cols = custom ? NULL : tb_columns(kind);
    if (!cols && !custom)
        return NULL;
    cJSON *t = cJSON_CreateObject();
    if (!t)
        return NULL;
    cJSON_AddStringToObject(t, "kind", "Table");
    cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
    cJSON *meta = cJSON_AddObjectToObject(t, "metadata");
    if (rv)
        cJSON_AddStringToObject(meta, "resourceVersion", rv);
    cJSON_AddItemToObject(t, "columnDefinitions", custom ? printers_custom_columns(ki) : tb_column_defs(cols));
    cJSON *rows = cJSON_AddArrayToObject(t, "rows");
    for (size_t i = 0; i < n; i++)
        if (objs[i])
            cJSON_AddItemToArray(rows, tb_row(kind, objs[i], now));
    return t;
}
