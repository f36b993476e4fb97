/* kubelet_node: the node status and the running pods' status fields a real
 * kubelet (1.33, containerd) reports, built deterministically from the
 * objects' names and uids. Fills what is missing and never overwrites what
 * a manifest states; writes only through rest_write; never decides when
 * (kubelet.c does). */
#define _GNU_SOURCE
#include "kubelet_node.h"
#include "defaults.h"
#include "json.h"
#include "rest.h"
#include "workloads.h"
#include "xalloc.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- deterministic ids ---------- */

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* n hex digits (n <= 64) derived from a and b, into out (n + 1 bytes) */
static void hex_id(const char *a, const char *b, size_t n, char *out)
{
    uint64_t h = fnv(b, fnv(a, 14695981039346656037ull));
    for (size_t i = 0; i < n; i += 16) {
        h = mix(h);
        char part[16];
        for (int d = 15; d >= 0; d--) /* "%016llx" */
            part[d] = "0123456789abcdef"[(h >> (4 * (15 - d))) & 15];
        memcpy(out + i, part, n - i < 16 ? n - i : 16);
    }
    out[n] = 0;
}

/* A UUID-shaped id (8-4-4-4-12) from a and b. */
static void uuid_id(const char *a, const char *b, char out[37])
{
    char h[33];
    hex_id(a, b, 32, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* ---------- node status ---------- */

bool knode_alive(const cJSON *node)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(node, "status.conditions")) {
        const char *t = jstr(c, "type"), *s = jstr(c, "status");
        if (t && !strcmp(t, "Ready"))
            return !s || strcmp(s, "Unknown");
    }
    return true;
}

const char *knode_internal_ip(const cJSON *node)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, jget(node, "status.addresses")) {
        const char *t = jstr(a, "type");
        if (t && !strcmp(t, "InternalIP"))
            return jstr(a, "address");
    }
    return NULL;
}

static bool empty_str(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(jfield(o, key));
    return !s || !*s;
}

/* o[key] = v when o has no non-empty string there */
static bool fill_str(cJSON *o, const char *key, const char *v)
{
    if (!empty_str(o, key))
        return false;
    jset_str(o, key, v);
    return true;
}

static const char *label(const cJSON *node, const char *key, const char *def)
{
    const char *v = cJSON_GetStringValue(jfield(jget(node, "metadata.labels"), key));
    return v && *v ? v : def;
}

static void fill_node_info(cJSON *node, cJSON *status, const char *version)
{
    const char *name = jstr(node, "metadata.name"), *uid = jstr(node, "metadata.uid");
    cJSON *ni = jobj(status, "nodeInfo");
    char id[37], hex[33];
    hex_id("machine", uid ? uid : name, 32, hex);
    fill_str(ni, "machineID", hex);
    uuid_id("system", uid ? uid : name, id);
    fill_str(ni, "systemUUID", id);
    uuid_id("boot", uid ? uid : name, id);
    fill_str(ni, "bootID", id);
    fill_str(ni, "kernelVersion", "6.1.0-28-amd64");
    fill_str(ni, "osImage", "Debian GNU/Linux 12 (bookworm)");
    fill_str(ni, "containerRuntimeVersion", "containerd://1.7.24");
    fill_str(ni, "kubeletVersion", version);
    if (!jfield(ni, "kubeProxyVersion"))
        jset_str(ni, "kubeProxyVersion", ""); /* DisableNodeKubeProxyVersion: no longer reported */
    fill_str(ni, "operatingSystem", label(node, "kubernetes.io/os", "linux"));
    fill_str(ni, "architecture", label(node, "kubernetes.io/arch", "amd64"));
}

static void fill_addresses(cJSON *node, cJSON *status, unsigned *counter)
{
    if (cJSON_GetArraySize(jfield(status, "addresses")) > 0)
        return;
    unsigned index = ++*counter;
    char ip[32];
    snprintf(ip, sizeof ip, "10.0.%u.%u", ((index - 1) / 250) % 256, (index - 1) % 250 + 1);
    cJSON *arr = cJSON_CreateArray();
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", "InternalIP");
    cJSON_AddStringToObject(a, "address", ip);
    cJSON_AddItemToArray(arr, a);
    a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", "Hostname");
    cJSON_AddStringToObject(a, "address", jstr(node, "metadata.name") ? jstr(node, "metadata.name") : "");
    cJSON_AddItemToArray(arr, a);
    jset(status, "addresses", arr);
}

static void fill_resources(cJSON *status)
{
    static const char *const res[][2] = {{"cpu", "4"}, {"ephemeral-storage", "100Gi"}, {"hugepages-1Gi", "0"},
                                         {"hugepages-2Mi", "0"}, {"memory", "16Gi"}, {"pods", "110"}};
    if (!cJSON_IsObject(jfield(status, "capacity"))) {
        cJSON *cap = cJSON_CreateObject();
        for (size_t i = 0; i < sizeof res / sizeof *res; i++)
            cJSON_AddStringToObject(cap, res[i][0], res[i][1]);
        jset(status, "capacity", cap);
    }
    if (!cJSON_IsObject(jfield(status, "allocatable")))
        jset(status, "allocatable", cJSON_Duplicate(jfield(status, "capacity"), true));
}

/* The conditions the kubelet's setters report, in their order. */
static const struct {
    const char *type, *status, *reason, *message;
} node_conditions[] = {
    {"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
    {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
};
#define NCONDS (sizeof node_conditions / sizeof *node_conditions)

static cJSON *find_condition(cJSON *conds, const char *type)
{
    cJSON *c;
    cJSON_ArrayForEach(c, conds) {
        const char *t = jstr(c, "type");
        if (t && !strcmp(t, type))
            return c;
    }
    return NULL;
}

/* The four conditions in the setters' order (each as the node states it,
 * else new), then the node's others in theirs; times filled, heartbeats
 * moved. */
static void fill_conditions(cJSON *status, const char *now, bool heartbeat)
{
    cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(status, "conditions");
    cJSON *conds = cJSON_CreateArray();
    for (size_t i = 0; i < NCONDS; i++) {
        cJSON *c = find_condition(old, node_conditions[i].type);
        if (c) {
            cJSON_AddItemToArray(conds, cJSON_DetachItemViaPointer(old, c));
            continue;
        }
        c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "type", node_conditions[i].type);
        cJSON_AddStringToObject(c, "status", node_conditions[i].status);
        cJSON_AddStringToObject(c, "reason", node_conditions[i].reason);
        cJSON_AddStringToObject(c, "message", node_conditions[i].message);
        cJSON_AddItemToArray(conds, c);
    }
    while (cJSON_IsArray(old) && old->child)
        cJSON_AddItemToArray(conds, cJSON_DetachItemViaPointer(old, old->child));
    cJSON_Delete(old);
    jset(status, "conditions", conds);
    cJSON *c;
    cJSON_ArrayForEach(c, conds) {
        if (!cJSON_IsObject(c))
            continue;
        if (heartbeat || empty_str(c, "lastHeartbeatTime"))
            jset_str(c, "lastHeartbeatTime", now);
        fill_str(c, "lastTransitionTime", now);
    }
}

bool knode_needs_fill(const store_obj *node)
{
    const char *v = store_get_str(node, "status.nodeInfo.bootID");
    return !v || !*v || !store_get_path(node, "status.conditions");
}

void knode_status(cluster *c, store_obj *node, unsigned *counter, bool heartbeat)
{
    if (!knode_alive(store_doc(node)))
        return;
    char now[32];
    clock_format(cluster_now(c), now);
    cJSON *doc = cJSON_Duplicate(store_doc(node), true);
    cJSON *status = jobj(doc, "status");
    fill_resources(status);
    fill_conditions(status, now, heartbeat);
    fill_addresses(doc, status, counter);
    cJSON *ep = jobj(jobj(status, "daemonEndpoints"), "kubeletEndpoint");
    if (jnum(ep, "Port", 0) == 0)
        jset_num(ep, "Port", 10250);
    fill_node_info(doc, status, kv_git_version(&c->opts.kv));
    rest_write(c, node, doc); /* no write when nothing changed */
}

/* ---------- the node's lease ---------- */

/* A MicroTime: RFC 3339 with six fractional digits. */
static void micro_time(double t, char out[48])
{
    double whole = (double)(long long)t;
    if (whole > t)
        whole -= 1;
    char s[32];
    clock_format(whole, s);
    size_t n = strlen(s);
    long us = (long)((t - whole) * 1e6 + 0.5);
    if (us > 999999)
        us = 999999;
    if (us < 0) /* never: t >= whole */
        us = 0;
    /* "%.*s.%06ldZ": the second without its Z, the microseconds */
    n = n ? n - 1 : 0;
    memcpy(out, s, n);
    out[n] = '.';
    for (int i = 6; i >= 1; i--, us /= 10)
        out[n + (size_t)i] = (char)('0' + us % 10);
    memcpy(out + n + 7, "Z", 2);
}

bool knode_lease(cluster *c, store_obj *node)
{
    /* the static row is the first served leases row when it is served */
    const kind_info *ki = kind_get(K_LEASE);
    if (!ki || !ki->served)
        ki = kind_by_plural("coordination.k8s.io", "leases");
    if (!ki)
        return false;
    if (!knode_alive(store_doc(node)))
        return true;
    char now[48];
    micro_time(cluster_now(c), now);
    store_obj *l = store_get(c->st, ki->id, "kube-node-lease", node->name);
    if (l) {
        rest_write_path(c, l, "spec.renewTime", cJSON_CreateString(now));
        return true;
    }
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "apiVersion", "coordination.k8s.io/v1");
    cJSON_AddStringToObject(doc, "kind", "Lease");
    cJSON *md = cJSON_AddObjectToObject(doc, "metadata");
    cJSON_AddStringToObject(md, "name", node->name);
    cJSON_AddStringToObject(md, "namespace", "kube-node-lease");
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "apiVersion", "v1");
    cJSON_AddStringToObject(ref, "kind", "Node");
    cJSON_AddStringToObject(ref, "name", node->name);
    cJSON_AddStringToObject(ref, "uid", jstr(store_doc(node), "metadata.uid") ? jstr(store_doc(node), "metadata.uid") : "");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "ownerReferences"), ref);
    cJSON *spec = cJSON_AddObjectToObject(doc, "spec");
    cJSON_AddStringToObject(spec, "holderIdentity", node->name);
    cJSON_AddNumberToObject(spec, "leaseDurationSeconds", KUBELET_LEASE_SECONDS);
    cJSON_AddStringToObject(spec, "renewTime", now);
    wl_create(c, ki->id, doc);
    return true;
}

/* ---------- pod status ---------- */

/* The image reference containerd reports: a domain (docker.io by default,
 * with library/ for one-part names) and a tag (latest when there is none). */
static char *image_ref(const char *image, bool with_tag)
{
    if (!image)
        image = "";
    const char *at = strchr(image, '@');
    size_t n = at ? (size_t)(at - image) : strlen(image);
    const char *slash = memchr(image, '/', n);
    bool domain = slash && (memchr(image, '.', (size_t)(slash - image)) || memchr(image, ':', (size_t)(slash - image)) ||
                            !strncmp(image, "localhost/", 10));
    const char *last_slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (image[i] == '/')
            last_slash = image + i;
    const char *colon = memchr(last_slash ? last_slash : image, ':', (size_t)(image + n - (last_slash ? last_slash : image)));
    size_t repo_len = colon ? (size_t)(colon - image) : n;
    char *out;
    const char *prefix = domain ? "" : slash ? "docker.io/" : "docker.io/library/";
    if (!with_tag)
        out = xasprintf("%s%.*s", prefix, (int)repo_len, image);
    else if (at && !colon)
        out = xasprintf("%s%s", prefix, image);
    else
        out = xasprintf("%s%.*s%s", prefix, (int)n, image, colon ? "" : ":latest");
    return out;
}

cJSON *knode_container_status(const cJSON *pod, const cJSON *ctr, int index, bool init, bool ready, bool exited,
                              const char *started, const char *when)
{
    const char *uid = jstr(pod, "metadata.uid"), *name = jstr(ctr, "name"), *image = jstr(ctr, "image");
    char num[16], hex[65], cid[80];
    snprintf(num, sizeof num, "%s%d", init ? "init" : "", index);
    hex_id(uid ? uid : jstr(pod, "metadata.name"), num, 64, hex);
    snprintf(cid, sizeof cid, "containerd://%s", hex);
    cJSON *cs = cJSON_CreateObject();
    cJSON_AddStringToObject(cs, "name", name ? name : "");
    cJSON *state = cJSON_AddObjectToObject(cs, "state");
    if (exited) {
        cJSON *t = cJSON_AddObjectToObject(state, "terminated");
        cJSON_AddNumberToObject(t, "exitCode", 0);
        cJSON_AddStringToObject(t, "reason", "Completed");
        cJSON_AddStringToObject(t, "startedAt", started ? started : when);
        cJSON_AddStringToObject(t, "finishedAt", when);
        cJSON_AddStringToObject(t, "containerID", cid);
    } else {
        cJSON_AddStringToObject(cJSON_AddObjectToObject(state, "running"), "startedAt", started ? started : when);
    }
    cJSON_AddObjectToObject(cs, "lastState");
    /* a completed init container is ready; a running one has started */
    cJSON_AddBoolToObject(cs, "ready", init && exited ? true : ready && !exited);
    cJSON_AddNumberToObject(cs, "restartCount", 0);
    char *ref = image_ref(image, true);
    cJSON_AddStringToObject(cs, "image", ref);
    free(ref);
    const char *digest = image ? strchr(image, '@') : NULL;
    char *repo = image_ref(image, false), *iid;
    if (digest) {
        iid = xasprintf("%s%s", repo, digest);
    } else {
        hex_id("image", image, 64, hex);
        iid = xasprintf("%s@sha256:%s", repo, hex);
    }
    cJSON_AddStringToObject(cs, "imageID", iid);
    free(iid);
    free(repo);
    cJSON_AddStringToObject(cs, "containerID", cid);
    cJSON_AddBoolToObject(cs, "started", !exited);
    return cs;
}

static bool has_status(const cJSON *list, const char *name)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, list) {
        const char *n = jstr(s, "name");
        if (n && name && !strcmp(n, name))
            return true;
    }
    return false;
}

static void fill_container_list(cJSON *doc, cJSON *status, const char *spec_key, const char *status_key, bool init,
                                bool ready, const char *when)
{
    const cJSON *ctrs = jget(doc, spec_key);
    if (!cJSON_GetArraySize(ctrs))
        return;
    cJSON *list = jfield(status, status_key);
    if (!cJSON_IsArray(list)) {
        list = cJSON_CreateArray();
        jset(status, status_key, list);
    }
    const cJSON *ctr;
    int i = 0;
    cJSON_ArrayForEach(ctr, ctrs) {
        const char *policy = jstr(ctr, "restartPolicy");
        bool sidecar = init && policy && !strcmp(policy, "Always");
        if (!has_status(list, jstr(ctr, "name")))
            cJSON_AddItemToArray(list, knode_container_status(doc, ctr, i, init, ready, init && !sidecar, when, when));
        i++;
    }
}

void knode_pod_running(cJSON *doc, const cJSON *node, bool ready, const char *when)
{
    cJSON *status = jobj(doc, "status");
    const char *ip = knode_internal_ip(node);
    if (ip && *ip) {
        fill_str(status, "hostIP", ip);
        if (!cJSON_GetArraySize(jfield(status, "hostIPs"))) {
            cJSON *arr = cJSON_CreateArray(), *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "ip", jstr(status, "hostIP"));
            cJSON_AddItemToArray(arr, o);
            jset(status, "hostIPs", arr);
        }
    }
    fill_str(status, "qosClass", defaults_pod_qos(doc));
    fill_container_list(doc, status, "spec.initContainers", "initContainerStatuses", true, ready, when);
    fill_container_list(doc, status, "spec.containers", "containerStatuses", false, ready, when);
}
