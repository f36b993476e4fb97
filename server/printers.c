/* printers: the Table columns and cells of the registry's kinds (ConfigMap ... EndpointSlice, as
 * kube-apiserver 1.33's pkg/printers/internalversion/printers.go prints them with Wide:true), the
 * default table of kinds without a printer (Name, Created At), and custom resources' tables
 * (Name, then the CRD's additionalPrinterColumns). Pure functions over documents; never touches
 * storage. */
#include "table.h"
#include "table_cells.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C(name, type, desc, prio) {name, type, "", desc, prio}
#define TB_CREATED {"Created At", "date", "", TB_AGE_DESC, 0}

static const tb_col default_cols[] = {TB_NAME, TB_CREATED, TB_END};
static const tb_col cm_cols[] = {TB_NAME, C("Data", "string", "Data contains the configuration data.", 0), TB_AGE,
                                 TB_END};
static const tb_col secret_cols[] = {TB_NAME, C("Type", "string", "The type of the secret", 0),
                                     C("Data", "string", "The number of keys in the secret", 0), TB_AGE, TB_END};
static const tb_col svc_cols[] = {
    TB_NAME,
    C("Type", "string", "The type of the service", 0),
    C("Cluster-IP", "string", "The cluster IP of the service", 0),
    C("External-IP", "string", "The external IP of the service", 0),
    C("Port(s)", "string", "The ports of the service", 0),
    TB_AGE,
    C("Selector", "string", "The selector of the service", 1),
    TB_END};
static const tb_col ep_cols[] = {TB_NAME, C("Endpoints", "string", "Endpoints of the service", 0), TB_AGE, TB_END};
static const tb_col sa_cols[] = {TB_NAME, C("Secrets", "string", "Secrets of the service account", 0), TB_AGE,
                                 TB_END};
static const tb_col pvc_cols[] = {
    TB_NAME,
    C("Status", "string", "The status of the persistent volume claim", 0),
    C("Volume", "string", "The volume bound to the claim", 0),
    C("Capacity", "string", "The capacity of the claim", 0),
    C("Access Modes", "string", "The access modes of the claim", 0),
    C("StorageClass", "string", "The storage class of the claim", 0),
    C("VolumeAttributesClass", "string", "The volume attributes class of the claim", 0),
    TB_AGE,
    C("VolumeMode", "string", "The volume mode of the claim", 1),
    TB_END};
static const tb_col pv_cols[] = {
    TB_NAME,
    C("Capacity", "string", "The capacity of the volume", 0),
    C("Access Modes", "string", "The access modes of the volume", 0),
    C("Reclaim Policy", "string", "The reclaim policy of the volume", 0),
    C("Status", "string", "The status of the volume", 0),
    C("Claim", "string", "The claim bound to the volume", 0),
    C("StorageClass", "string", "The storage class of the volume", 0),
    C("VolumeAttributesClass", "string", "The volume attributes class of the volume", 0),
    C("Reason", "string", "The reason of the volume's status", 0),
    TB_AGE,
    C("VolumeMode", "string", "The volume mode of the volume", 1),
    TB_END};
static const tb_col podtemplate_cols[] = {
    TB_NAME, C("Containers", "string", "Names of each container in the template.", 0),
    C("Images", "string", "Images referenced by each container in the template.", 0),
    C("Pod Labels", "string", "The labels for the pod template.", 0), TB_END};
static const tb_col quota_cols[] = {TB_NAME, C("Request", "string", "The requests of the quota", 0),
                                    C("Limit", "string", "The limits of the quota", 0), TB_AGE, TB_END};
static const tb_col revision_cols[] = {
    TB_NAME, C("Controller", "string", "Controller of the object", 0),
    C("Revision", "integer", "Revision indicates the revision of the state represented by Data.", 0), TB_AGE,
    TB_END};
static const tb_col job_cols[] = {
    TB_NAME,
    C("Status", "string", "Status of the job.", 0),
    C("Completions", "string", "The completed job replicas", 0),
    C("Duration", "string", "Time required to complete the job.", 0),
    TB_AGE,
    TB_CONTAINERS,
    TB_IMAGES,
    TB_SELECTOR("A label query over pods that should match the pod count."),
    TB_END};
static const tb_col cronjob_cols[] = {
    TB_NAME,
    C("Schedule", "string", "The schedule in Cron format.", 0),
    C("Timezone", "string", "The time zone name for the given schedule.", 0),
    C("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions.", 0),
    C("Active", "integer", "A list of pointers to currently running jobs.", 0),
    C("Last Schedule", "string", "Information when was the last time the job was successfully scheduled.", 0),
    TB_AGE,
    TB_CONTAINERS,
    TB_IMAGES,
    TB_SELECTOR("A label query over pods that should match the pod count."),
    TB_END};
static const tb_col lease_cols[] = {TB_NAME, C("Holder", "string", "Name of the Lease holder", 0), TB_AGE, TB_END};
static const tb_col pc_cols[] = {
    TB_NAME,
    C("Value", "integer", "The value of this priority class.", 0),
    C("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the "
                                   "default priority.", 0),
    TB_AGE,
    C("PreemptionPolicy", "string", "PreemptionPolicy is the Policy for preempting pods with lower priority.", 0),
    TB_END};
static const tb_col ing_cols[] = {
    TB_NAME,
    C("Class", "string", "The name of the IngressClass resource that should be used for ingress.", 0),
    C("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule", 0),
    C("Address", "string", "Address is a list containing ingress points for the load-balancer", 0),
    C("Ports", "string", "Ports of TLS configurations that open", 0),
    TB_AGE,
    TB_END};
static const tb_col netpol_cols[] = {
    TB_NAME, C("Pod-Selector", "string", "Selects the pods to which this NetworkPolicy object applies.", 0), TB_AGE,
    TB_END};
static const tb_col ingclass_cols[] = {
    TB_NAME, C("Controller", "string", "Controller that is responsible for handling this class", 0),
    C("Parameters", "string", "A reference to a resource with additional parameters", 0), TB_AGE, TB_END};
static const tb_col sc_cols[] = {
    TB_NAME,
    C("Provisioner", "string", "Indicates the type of the provisioner.", 0),
    C("ReclaimPolicy", "string", "Indicates the type of the reclaim policy.", 0),
    C("VolumeBindingMode", "string", "Indicates how PersistentVolumeClaims should be bound.", 0),
    C("AllowVolumeExpansion", "string", "Indicates whether the storage class allow volume expand.", 0),
    TB_AGE,
    TB_END};
static const tb_col csinode_cols[] = {TB_NAME, C("Drivers", "integer", "Drivers indicates the number of CSI drivers "
                                                                        "registered on the node", 0),
                                      TB_AGE, TB_END};
static const tb_col csidriver_cols[] = {
    TB_NAME,
    C("AttachRequired", "boolean", "Indicates this CSI volume driver requires an attach operation", 0),
    C("PodInfoOnMount", "boolean", "Indicates this CSI volume driver requires additional pod information", 0),
    C("StorageCapacity", "boolean", "Indicates this CSI volume driver supports storage capacity tracking", 0),
    C("TokenRequests", "string", "Indicates this CSI volume driver requires service account tokens", 0),
    C("RequiresRepublish", "boolean", "Indicates this CSI volume driver requires NodePublishVolume being "
                                      "periodically called", 0),
    C("Modes", "string", "Indicates volume modes the CSI volume driver supports", 0),
    TB_AGE,
    TB_END};
static const tb_col binding_cols[] = {
    TB_NAME, C("Role", "string", "Role references the role the binding grants", 0), TB_AGE,
    C("Users", "string", "Users in the binding", 1), C("Groups", "string", "Groups in the binding", 1),
    C("ServiceAccounts", "string", "ServiceAccounts in the binding", 1), TB_END};
static const tb_col hpa_cols[] = {
    TB_NAME,
    C("Reference", "string", "Reference to the target of the autoscaler", 0),
    C("Targets", "string", "Current and target metrics", 0),
    C("MinPods", "string", "Minimum number of replicas", 0),
    C("MaxPods", "integer", "Maximum number of replicas", 0),
    C("Replicas", "integer", "Current replicas", 0),
    TB_AGE,
    TB_END};
static const tb_col slice_cols[] = {
    TB_NAME,
    C("AddressType", "string", "The IP protocol for this slice", 0),
    C("Ports", "string", "The ports of the endpoint slice", 0),
    C("Endpoints", "string", "The endpoints of the slice", 0),
    TB_AGE,
    TB_END};

/* ---- cells ----------------------------------------------------------------------------------- */

static const char *or_none(const char *s)
{
    return *s ? s : "<none>";
}

/* "a,b,c,d + N more..." of up to max items, as printers.go formats lists. */
static void more(char *buf, size_t n, const char *const *items, int count, int max)
{
    buf[0] = 0;
    for (int i = 0; i < count && i < max; i++)
        tb_join(buf, n, ",", items[i]);
    if (count > max) {
        char tail[48];
        tb_printf(tail, sizeof tail, " + %d more...", count - max);
        tb_join(buf, n, "", tail);
    }
}

static int map_size(const cJSON *o)
{
    return cJSON_IsObject(o) ? cJSON_GetArraySize(o) : 0;
}

static void cm_cells(const cJSON *o, cJSON *cells)
{
    tb_add_int(cells, map_size(tb_get(o, "data", NULL)) + map_size(tb_get(o, "binaryData", NULL)));
}

static void svc_ports(const cJSON *spec, char *buf, size_t n)
{
    const cJSON *p;
    buf[0] = 0;
    cJSON_ArrayForEach(p, tb_get(spec, "ports", NULL)) {
        char one[96];
        long long np = tb_int(p, "nodePort", 0);
        if (np)
            tb_printf(one, sizeof one, "%lld:%lld/%s", tb_int(p, "port", 0), np, tb_str(p, "protocol"));
        else
            tb_printf(one, sizeof one, "%lld/%s", tb_int(p, "port", 0), tb_str(p, "protocol"));
        tb_join(buf, n, ",", one);
    }
    if (!buf[0])
        tb_printf(buf, n, "<none>");
}

static void svc_external(const cJSON *svc, char *buf, size_t n)
{
    const cJSON *spec = tb_get(svc, "spec", NULL), *ip;
    const char *type = tb_str(spec, "type");
    buf[0] = 0;
    if (!strcmp(type, "ExternalName")) {
        tb_printf(buf, n, "%s", tb_str(spec, "externalName"));
        return;
    }
    cJSON_ArrayForEach(ip, tb_get(svc, "status", "loadBalancer", "ingress", NULL)) {
        const char *s = *tb_str(ip, "ip") ? tb_str(ip, "ip") : tb_str(ip, "hostname");
        if (*s)
            tb_join(buf, n, ",", s);
    }
    cJSON_ArrayForEach(ip, tb_get(spec, "externalIPs", NULL))
        if (cJSON_IsString(ip))
            tb_join(buf, n, ",", ip->valuestring);
    if (!buf[0])
        tb_printf(buf, n, "%s", !strcmp(type, "LoadBalancer") ? "<pending>" : "<none>");
}

static void svc_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL);
    char buf[TB_BUF];
    tb_add_str(cells, tb_str(spec, "type"));
    tb_add_str(cells, *tb_str(spec, "clusterIP") ? tb_str(spec, "clusterIP") : "<none>");
    svc_external(o, buf, sizeof buf);
    tb_add_str(cells, buf);
    svc_ports(spec, buf, sizeof buf);
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
    const cJSON *sel = tb_get(spec, "selector", NULL);
    if (map_size(sel))
        tb_format_labels(sel, buf, sizeof buf);
    else
        tb_printf(buf, sizeof buf, "<none>");
    tb_add_str(cells, buf);
}

static void ep_cells(const cJSON *o, cJSON *cells)
{
    char buf[TB_BUF] = "";
    const char *items[4] = {0};
    char store[4][96];
    int count = 0;
    const cJSON *ss, *a, *p;
    cJSON_ArrayForEach(ss, tb_get(o, "subsets", NULL)) {
        int np = tb_len(tb_get(ss, "ports", NULL));
        cJSON_ArrayForEach(a, tb_get(ss, "addresses", NULL)) {
            if (!np) {
                if (count < 3)
                    tb_printf(store[count], sizeof store[0], "%s", tb_str(a, "ip"));
                if (count < 3)
                    items[count] = store[count];
                count++;
            }
            cJSON_ArrayForEach(p, tb_get(ss, "ports", NULL)) {
                if (count < 3) {
                    tb_printf(store[count], sizeof store[0], "%s:%lld", tb_str(a, "ip"), tb_int(p, "port", 0));
                    items[count] = store[count];
                }
                count++;
            }
        }
    }
    more(buf, sizeof buf, items, count, 3);
    tb_add_str(cells, count ? buf : "<none>");
}

static void modes(const cJSON *arr, char *buf, size_t n)
{
    static const struct { const char *mode, *abbr; } ab[] = {
        {"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"}, {"ReadWriteMany", "RWX"}, {"ReadWriteOncePod", "RWOP"}};
    const cJSON *m;
    buf[0] = 0;
    for (size_t i = 0; i < 4; i++)
        cJSON_ArrayForEach(m, arr)
            if (cJSON_IsString(m) && !strcmp(m->valuestring, ab[i].mode)) {
                tb_join(buf, n, ",", ab[i].abbr);
                break;
            }
}

static void pvc_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *st = tb_get(o, "status", NULL);
    char buf[TB_BUF];
    const char *phase = tb_str(st, "phase");
    tb_add_str(cells, tb_present(tb_get(o, "metadata", NULL), "deletionTimestamp") ? "Terminating" : phase);
    tb_add_str(cells, tb_str(spec, "volumeName"));
    bool bound = *tb_str(spec, "volumeName");
    tb_add_str(cells, bound ? tb_str(tb_get(st, "capacity", NULL), "storage") : "");
    modes(bound ? tb_get(st, "accessModes", NULL) : NULL, buf, sizeof buf);
    tb_add_str(cells, buf);
    const char *sc = tb_str(spec, "storageClassName");
    if (!*sc)
        sc = tb_str(tb_get(o, "metadata", "annotations", NULL), "volume.beta.kubernetes.io/storage-class");
    tb_add_str(cells, or_none(sc));
    tb_add_str(cells, or_none(tb_str(spec, "volumeAttributesClassName")));
    tb_add_age(cells, o, now);
    tb_add_str(cells, or_none(tb_str(spec, "volumeMode")));
}

static void pv_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *st = tb_get(o, "status", NULL);
    char buf[TB_BUF];
    tb_add_str(cells, tb_str(tb_get(spec, "capacity", NULL), "storage"));
    modes(tb_get(spec, "accessModes", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
    tb_add_str(cells, tb_str(spec, "persistentVolumeReclaimPolicy"));
    tb_add_str(cells, tb_present(tb_get(o, "metadata", NULL), "deletionTimestamp") ? "Terminating"
                                                                                   : tb_str(st, "phase"));
    const cJSON *claim = tb_get(spec, "claimRef", NULL);
    if (claim)
        tb_printf(buf, sizeof buf, "%s/%s", tb_str(claim, "namespace"), tb_str(claim, "name"));
    else
        buf[0] = 0;
    tb_add_str(cells, buf);
    tb_add_str(cells, tb_str(spec, "storageClassName"));
    tb_add_str(cells, or_none(tb_str(spec, "volumeAttributesClassName")));
    tb_add_str(cells, tb_str(st, "reason"));
    tb_add_age(cells, o, now);
    tb_add_str(cells, or_none(tb_str(spec, "volumeMode")));
}

static void podtemplate_cells(const cJSON *o, cJSON *cells)
{
    char buf[TB_BUF];
    tb_add_containers(cells, tb_get(o, "template", "spec", NULL));
    tb_format_labels(tb_get(o, "template", "metadata", "labels", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
}

/* "cpu: 0/2, memory: 0/1Gi": hard limits against usage, keys sorted. */
static void quota_list(const cJSON *o, bool limits, char *buf, size_t n)
{
    const cJSON *hard = tb_get(o, "status", "hard", NULL), *used = tb_get(o, "status", "used", NULL), *r;
    const char *keys[64];
    int k = 0;
    buf[0] = 0;
    cJSON_ArrayForEach(r, hard) {
        bool is_limit = !strncmp(r->string, "limits.", 7);
        if (k < 64 && is_limit == limits)
            keys[k++] = r->string;
    }
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    for (int i = 0; i < k; i++) {
        char one[160];
        tb_printf(one, sizeof one, "%s: %s/%s", keys[i], tb_str(used, keys[i]), tb_str(hard, keys[i]));
        tb_join(buf, n, ", ", one);
    }
}

static void quota_cells(const cJSON *o, double now, cJSON *cells)
{
    char buf[TB_BUF];
    quota_list(o, false, buf, sizeof buf);
    tb_add_str(cells, buf);
    quota_list(o, true, buf, sizeof buf);
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
}

static void revision_cells(const cJSON *o, double now, cJSON *cells)
{
    char buf[TB_BUF] = "<none>";
    const cJSON *r;
    cJSON_ArrayForEach(r, tb_get(o, "metadata", "ownerReferences", NULL))
        if (tb_true(r, "controller")) {
            const char *av = tb_str(r, "apiVersion"), *slash = strchr(av, '/');
            char group[128] = "";
            if (slash)
                tb_printf(group, sizeof group, ".%.*s", (int)(slash - av), av);
            char kind[128];
            tb_printf(kind, sizeof kind, "%s", tb_str(r, "kind"));
            for (char *p = kind; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            tb_printf(buf, sizeof buf, "%s%s/%s", kind, group, tb_str(r, "name"));
            break;
        }
    tb_add_str(cells, buf);
    tb_add_int(cells, tb_int(o, "revision", 0));
    tb_add_age(cells, o, now);
}

static bool cond_true(const cJSON *st, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, tb_get(st, "conditions", NULL))
        if (!strcmp(tb_str(c, "type"), type) && !strcmp(tb_str(c, "status"), "True"))
            return true;
    return false;
}

static void job_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *st = tb_get(o, "status", NULL);
    char buf[TB_BUF];
    static const char *const order[] = {"Complete", "Failed", "Suspended", "FailureTarget", NULL};
    const char *status = "Running";
    for (int i = 0; order[i]; i++)
        if (cond_true(st, order[i])) {
            status = order[i];
            break;
        }
    if (strcmp(status, "Complete") && strcmp(status, "Failed") && tb_present(tb_get(o, "metadata", NULL),
                                                                              "deletionTimestamp"))
        status = "Terminating";
    tb_add_str(cells, status);
    long long succeeded = tb_int(st, "succeeded", 0);
    if (tb_present(spec, "completions"))
        tb_printf(buf, sizeof buf, "%lld/%lld", succeeded, tb_int(spec, "completions", 0));
    else if (tb_int(spec, "parallelism", 0) > 1)
        tb_printf(buf, sizeof buf, "%lld/1 of %lld", succeeded, tb_int(spec, "parallelism", 0));
    else
        tb_printf(buf, sizeof buf, "%lld/1", succeeded);
    tb_add_str(cells, buf);
    double start, end = now;
    buf[0] = 0;
    if (table_parse_time(tb_str(st, "startTime"), &start)) {
        if (*tb_str(st, "completionTime"))
            table_parse_time(tb_str(st, "completionTime"), &end);
        table_human_duration(end - start, buf, sizeof buf);
    }
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
    tb_add_containers(cells, tb_get(spec, "template", "spec", NULL));
    tb_format_selector(tb_get(spec, "selector", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
}

static void cronjob_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *st = tb_get(o, "status", NULL);
    char buf[TB_BUF];
    tb_add_str(cells, tb_str(spec, "schedule"));
    tb_add_str(cells, or_none(tb_str(spec, "timeZone")));
    cJSON_AddItemToArray(cells, cJSON_CreateBool(tb_true(spec, "suspend")));
    tb_add_int(cells, tb_len(tb_get(st, "active", NULL)));
    if (*tb_str(st, "lastScheduleTime"))
        table_age(tb_str(st, "lastScheduleTime"), now, buf, sizeof buf);
    else
        tb_printf(buf, sizeof buf, "<none>");
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
    const cJSON *pod = tb_get(spec, "jobTemplate", "spec", "template", "spec", NULL);
    tb_add_containers(cells, pod);
    tb_format_selector(tb_get(spec, "jobTemplate", "spec", "selector", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
}

static void pc_cells(const cJSON *o, double now, cJSON *cells)
{
    tb_add_int(cells, tb_int(o, "value", 0));
    cJSON_AddItemToArray(cells, cJSON_CreateBool(tb_true(o, "globalDefault")));
    tb_add_age(cells, o, now);
    tb_add_str(cells, or_none(tb_str(o, "preemptionPolicy")));
}

static void ing_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *r;
    char buf[TB_BUF] = "";
    const char *cls = tb_str(spec, "ingressClassName");
    if (!*cls)
        cls = tb_str(tb_get(o, "metadata", "annotations", NULL), "kubernetes.io/ingress.class");
    tb_add_str(cells, *cls ? cls : "<none>");
    const char *hosts[8] = {0};
    int nh = 0;
    cJSON_ArrayForEach(r, tb_get(spec, "rules", NULL))
        if (*tb_str(r, "host")) {
            if (nh < 8)
                hosts[nh] = tb_str(r, "host");
            nh++;
        }
    more(buf, sizeof buf, hosts, nh, 4);
    tb_add_str(cells, nh ? buf : "*");
    buf[0] = 0;
    cJSON_ArrayForEach(r, tb_get(o, "status", "loadBalancer", "ingress", NULL)) {
        const char *s = *tb_str(r, "ip") ? tb_str(r, "ip") : tb_str(r, "hostname");
        if (*s)
            tb_join(buf, sizeof buf, ",", s);
    }
    tb_add_str(cells, buf);
    tb_add_str(cells, tb_len(tb_get(spec, "tls", NULL)) ? "80, 443" : "80");
    tb_add_age(cells, o, now);
}

static void netpol_cells(const cJSON *o, double now, cJSON *cells)
{
    char buf[TB_BUF];
    if (!tb_selector_string(tb_get(o, "spec", "podSelector", NULL), buf, sizeof buf))
        tb_printf(buf, sizeof buf, "<error>");
    else if (!buf[0])
        tb_printf(buf, sizeof buf, "<none>");
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
}

static void ingclass_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *p = tb_get(spec, "parameters", NULL);
    char buf[TB_BUF] = "<none>";
    tb_add_str(cells, tb_str(spec, "controller"));
    if (p) {
        const char *g = tb_str(p, "apiGroup");
        tb_printf(buf, sizeof buf, "%s%s%s/%s", tb_str(p, "kind"), *g ? "." : "", g, tb_str(p, "name"));
    }
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
}

static void sc_cells(const cJSON *o, cJSON *cells)
{
    char name[TB_BUF];
    const char *ann = tb_str(tb_get(o, "metadata", "annotations", NULL), "storageclass.kubernetes.io/is-default-class");
    if (!*ann)
        ann = tb_str(tb_get(o, "metadata", "annotations", NULL), "storageclass.beta.kubernetes.io/is-default-class");
    tb_printf(name, sizeof name, "%s%s", tb_str(tb_get(o, "metadata", NULL), "name"),
              !strcmp(ann, "true") ? " (default)" : "");
    tb_add_str(cells, name);
    tb_add_str(cells, tb_str(o, "provisioner"));
    tb_add_str(cells, *tb_str(o, "reclaimPolicy") ? tb_str(o, "reclaimPolicy") : "Delete");
    tb_add_str(cells, *tb_str(o, "volumeBindingMode") ? tb_str(o, "volumeBindingMode") : "Immediate");
    cJSON_AddItemToArray(cells, cJSON_CreateBool(tb_true(o, "allowVolumeExpansion")));
}

static void csidriver_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *t;
    char buf[TB_BUF] = "";
    cJSON_AddItemToArray(cells, cJSON_CreateBool(!tb_present(spec, "attachRequired") || tb_true(spec, "attachRequired")));
    cJSON_AddItemToArray(cells, cJSON_CreateBool(tb_true(spec, "podInfoOnMount")));
    cJSON_AddItemToArray(cells, cJSON_CreateBool(tb_true(spec, "storageCapacity")));
    cJSON_ArrayForEach(t, tb_get(spec, "tokenRequests", NULL))
        tb_join(buf, sizeof buf, ",", tb_str(t, "audience"));
    tb_add_str(cells, *buf ? buf : "<unset>");
    cJSON_AddItemToArray(cells, cJSON_CreateBool(tb_true(spec, "requiresRepublish")));
    buf[0] = 0;
    cJSON_ArrayForEach(t, tb_get(spec, "volumeLifecycleModes", NULL))
        if (cJSON_IsString(t))
            tb_join(buf, sizeof buf, ",", t->valuestring);
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
}

static void binding_cells(const cJSON *o, double now, cJSON *cells)
{
    char buf[TB_BUF];
    const cJSON *ref = tb_get(o, "roleRef", NULL), *s;
    tb_printf(buf, sizeof buf, "%s/%s", tb_str(ref, "kind"), tb_str(ref, "name"));
    tb_add_str(cells, buf);
    tb_add_age(cells, o, now);
    static const char *const kinds[] = {"User", "Group", "ServiceAccount"};
    for (int i = 0; i < 3; i++) {
        buf[0] = 0;
        cJSON_ArrayForEach(s, tb_get(o, "subjects", NULL)) {
            if (strcmp(tb_str(s, "kind"), kinds[i]))
                continue;
            char one[256];
            if (i == 2)
                tb_printf(one, sizeof one, "%s/%s", tb_str(s, "namespace"), tb_str(s, "name"));
            else
                tb_printf(one, sizeof one, "%s", tb_str(s, "name"));
            tb_join(buf, sizeof buf, ", ", one);
        }
        tb_add_str(cells, buf);
    }
}

/* A *Quantity member as Go's String() writes it: "<nil>" when unset. */
static const char *hpa_q(const cJSON *o, const char *key)
{
    return tb_present(o, key) ? tb_str(o, key) : "<nil>";
}

/* One metric of an HPA as formatHPAMetrics writes it (spec, and the status
 * at the same index): "<current>/<target>", "(avg)" after an external or
 * object average, "<name>: " before a (container) resource. */
static void hpa_metric(const cJSON *spec, const cJSON *status, char *out, size_t n)
{
    static const struct { const char *type, *key; } kinds[] = {
        {"External", "external"}, {"Pods", "pods"}, {"Object", "object"},
        {"Resource", "resource"}, {"ContainerResource", "containerResource"}};
    size_t i = 0;
    while (i < sizeof kinds / sizeof *kinds && strcmp(tb_str(spec, "type"), kinds[i].type))
        i++;
    if (i == sizeof kinds / sizeof *kinds) {
        tb_printf(out, n, "<unknown type>");
        return;
    }
    const cJSON *s = tb_get(spec, kinds[i].key, NULL), *target = tb_get(s, "target", NULL);
    const cJSON *st = tb_get(status, kinds[i].key, NULL), *cur = tb_get(st, "current", NULL);
    bool avg = tb_present(target, "averageValue");
    char cv[64] = "<unknown>", tv[64];
    if (i <= 2) { /* External, Pods, Object */
        bool by_avg = i == 1 || avg;
        const char *k = by_avg ? "averageValue" : "value";
        if (st && (i == 1 || !by_avg || tb_present(cur, k)))
            tb_printf(cv, sizeof cv, "%s", hpa_q(cur, k));
        tb_printf(out, n, "%s/%s%s", cv, hpa_q(target, k), i != 1 && by_avg ? " (avg)" : "");
        return;
    }
    if (avg) {
        if (st)
            tb_printf(cv, sizeof cv, "%s", hpa_q(cur, "averageValue"));
        tb_printf(tv, sizeof tv, "%s", tb_str(target, "averageValue"));
    } else {
        if (st && tb_present(cur, "averageUtilization"))
            tb_printf(cv, sizeof cv, "%lld%%", tb_int(cur, "averageUtilization", 0));
        if (tb_present(target, "averageUtilization"))
            tb_printf(tv, sizeof tv, "%lld%%", tb_int(target, "averageUtilization", 0));
        else
            tb_printf(tv, sizeof tv, "<auto>");
    }
    tb_printf(out, n, "%s: %s/%s", tb_str(s, "name"), cv, tv);
}

/* formatHPAMetrics: the first two metrics, then "+ N more...". */
static void hpa_metrics(const cJSON *specs, const cJSON *statuses, char *buf, size_t n)
{
    int count = 0;
    const cJSON *m;
    *buf = 0;
    cJSON_ArrayForEach(m, specs) {
        char one[256];
        if (count < 2) {
            hpa_metric(m, cJSON_GetArrayItem(statuses, count), one, sizeof one);
            tb_join(buf, n, ", ", one);
        }
        count++;
    }
    if (!count)
        tb_printf(buf, n, "<none>");
    else if (count > 2) {
        char more[32];
        tb_printf(more, sizeof more, " + %d more...", count - 2);
        tb_join(buf, n, "", more);
    }
}

static void hpa_cells(const cJSON *o, double now, cJSON *cells)
{
    const cJSON *spec = tb_get(o, "spec", NULL), *ref = tb_get(spec, "scaleTargetRef", NULL);
    char buf[TB_BUF];
    tb_printf(buf, sizeof buf, "%s/%s", tb_str(ref, "kind"), tb_str(ref, "name"));
    tb_add_str(cells, buf);
    hpa_metrics(tb_get(spec, "metrics", NULL), tb_get(o, "status", "currentMetrics", NULL), buf, sizeof buf);
    tb_add_str(cells, buf);
    if (tb_present(spec, "minReplicas"))
        tb_printf(buf, sizeof buf, "%lld", tb_int(spec, "minReplicas", 0));
    else
        tb_printf(buf, sizeof buf, "<unset>");
    tb_add_str(cells, buf);
    tb_add_int(cells, tb_int(spec, "maxReplicas", 0));
    tb_add_int(cells, tb_int(tb_get(o, "status", NULL), "currentReplicas", 0));
    tb_add_age(cells, o, now);
}

static void slice_cells(const cJSON *o, double now, cJSON *cells)
{
    char buf[TB_BUF] = "", one[64];
    const cJSON *p, *e, *a;
    tb_add_str(cells, tb_str(o, "addressType"));
    cJSON_ArrayForEach(p, tb_get(o, "ports", NULL)) {
        tb_printf(one, sizeof one, "%lld", tb_int(p, "port", 0));
        tb_join(buf, sizeof buf, ",", one);
    }
    tb_add_str(cells, *buf ? buf : "<unset>");
    const char *items[4] = {0};
    int count = 0;
    cJSON_ArrayForEach(e, tb_get(o, "endpoints", NULL))
        cJSON_ArrayForEach(a, tb_get(e, "addresses", NULL)) {
            if (count < 3 && cJSON_IsString(a))
                items[count] = a->valuestring;
            count++;
        }
    more(buf, sizeof buf, items, count, 3);
    tb_add_str(cells, count ? buf : "<unset>");
    tb_add_age(cells, o, now);
}

const tb_col *printers_columns(kind_id k)
{
    switch (k) {
    case K_CONFIGMAP: return cm_cols;
    case K_SECRET: return secret_cols;
    case K_SERVICE: return svc_cols;
    case K_ENDPOINTS: return ep_cols;
    case K_SERVICEACCOUNT: return sa_cols;
    case K_PVC: return pvc_cols;
    case K_PV: return pv_cols;
    case K_PODTEMPLATE: return podtemplate_cols;
    case K_RESOURCEQUOTA: return quota_cols;
    case K_CONTROLLERREVISION: return revision_cols;
    case K_JOB: return job_cols;
    case K_CRONJOB: return cronjob_cols;
    case K_LEASE: return lease_cols;
    case K_PRIORITYCLASS: return pc_cols;
    case K_INGRESS: return ing_cols;
    case K_NETWORKPOLICY: return netpol_cols;
    case K_INGRESSCLASS: return ingclass_cols;
    case K_STORAGECLASS: return sc_cols;
    case K_CSINODE: return csinode_cols;
    case K_CSIDRIVER: return csidriver_cols;
    case K_ROLEBINDING:
    case K_CLUSTERROLEBINDING: return binding_cols;
    case K_HPA: return hpa_cols;
    case K_ENDPOINTSLICE: return slice_cols;
    default: return kind_get(k) && kind_get(k)->stored ? default_cols : NULL;
    }
}

bool printers_cells(kind_id k, const cJSON *o, double now, cJSON *cells)
{
    const tb_col *cols = printers_columns(k);
    if (!cols)
        return false;
    if (k != K_STORAGECLASS)
        tb_add_name(cells, o);
    switch (k) {
    case K_CONFIGMAP:
        cm_cells(o, cells);
        tb_add_age(cells, o, now);
        break;
    case K_SECRET:
        tb_add_str(cells, tb_str(o, "type"));
        tb_add_int(cells, map_size(tb_get(o, "data", NULL)));
        tb_add_age(cells, o, now);
        break;
    case K_SERVICE: svc_cells(o, now, cells); break;
    case K_ENDPOINTS:
        ep_cells(o, cells);
        tb_add_age(cells, o, now);
        break;
    case K_SERVICEACCOUNT:
        tb_add_int(cells, tb_len(tb_get(o, "secrets", NULL)));
        tb_add_age(cells, o, now);
        break;
    case K_PVC: pvc_cells(o, now, cells); break;
    case K_PV: pv_cells(o, now, cells); break;
    case K_PODTEMPLATE: podtemplate_cells(o, cells); break;
    case K_RESOURCEQUOTA: quota_cells(o, now, cells); break;
    case K_CONTROLLERREVISION: revision_cells(o, now, cells); break;
    case K_JOB: job_cells(o, now, cells); break;
    case K_CRONJOB: cronjob_cells(o, now, cells); break;
    case K_LEASE:
        tb_add_str(cells, tb_str(tb_get(o, "spec", NULL), "holderIdentity"));
        tb_add_age(cells, o, now);
        break;
    case K_PRIORITYCLASS: pc_cells(o, now, cells); break;
    case K_INGRESS: ing_cells(o, now, cells); break;
    case K_NETWORKPOLICY: netpol_cells(o, now, cells); break;
    case K_INGRESSCLASS: ingclass_cells(o, now, cells); break;
    case K_STORAGECLASS:
        sc_cells(o, cells);
        tb_add_age(cells, o, now);
        break;
    case K_CSINODE:
        tb_add_int(cells, tb_len(tb_get(o, "spec", "drivers", NULL)));
        tb_add_age(cells, o, now);
        break;
    case K_CSIDRIVER: csidriver_cells(o, now, cells); break;
    case K_ROLEBINDING:
    case K_CLUSTERROLEBINDING: binding_cells(o, now, cells); break;
    case K_HPA: hpa_cells(o, now, cells); break;
    case K_ENDPOINTSLICE: slice_cells(o, now, cells); break;
    default: /* Name, Created At */
        tb_add_str(cells, tb_str(tb_get(o, "metadata", NULL), "creationTimestamp"));
        break;
    }
    return true;
}

/* ---- custom resources ------------------------------------------------------------------------ */

/* The value at a simple JSONPath (".spec.replicas", ".status.conditions[0].type"), NULL if none. */
static const cJSON *jsonpath(const cJSON *o, const char *path)
{
    char key[256];
    const char *p = path;
    if (*p == '{')
        p++;
    while (o && *p == '.') {
        p++;
        size_t n = strcspn(p, ".[}");
        if (!n || n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = 0;
        o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
        p += n;
        while (o && *p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            if (*end != ']')
                return NULL;
            o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, (int)i) : NULL;
            p = end + 1;
        }
    }
    return *p && *p != '}' ? NULL : o;
}

static const cJSON *custom_columns_of(const kind_info *ki)
{
    return tb_get(ki->crd_version, "additionalPrinterColumns", NULL);
}

cJSON *printers_custom_columns(const kind_info *ki)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", "Name");
    cJSON_AddStringToObject(c, "type", "string");
    cJSON_AddStringToObject(c, "format", "name");
    cJSON_AddStringToObject(c, "description", TB_NAME_DESC);
    cJSON_AddNumberToObject(c, "priority", 0);
    cJSON_AddItemToArray(arr, c);
    const cJSON *cols = custom_columns_of(ki), *col;
    if (!tb_len(cols)) {
        c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", "Age");
        cJSON_AddStringToObject(c, "type", "date");
        cJSON_AddStringToObject(c, "format", "");
        cJSON_AddStringToObject(c, "description", TB_AGE_DESC);
        cJSON_AddNumberToObject(c, "priority", 0);
        cJSON_AddItemToArray(arr, c);
        return arr;
    }
    cJSON_ArrayForEach(col, cols) {
        c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", tb_str(col, "name"));
        cJSON_AddStringToObject(c, "type", tb_str(col, "type"));
        cJSON_AddStringToObject(c, "format", tb_str(col, "format"));
        cJSON_AddStringToObject(c, "description", tb_str(col, "description"));
        cJSON_AddNumberToObject(c, "priority", (double)tb_int(col, "priority", 0));
        cJSON_AddItemToArray(arr, c);
    }
    return arr;
}

void printers_custom_cells(const kind_info *ki, const cJSON *o, double now, cJSON *cells)
{
    tb_add_name(cells, o);
    const cJSON *cols = custom_columns_of(ki), *col;
    if (!tb_len(cols)) {
        tb_add_str(cells, tb_str(tb_get(o, "metadata", NULL), "creationTimestamp"));
        return;
    }
    cJSON_ArrayForEach(col, cols) {
        const cJSON *v = jsonpath(o, tb_str(col, "jsonPath"));
        if (!v || cJSON_IsNull(v))
            cJSON_AddItemToArray(cells, cJSON_CreateNull());
        else if (!strcmp(tb_str(col, "type"), "date") && cJSON_IsString(v)) {
            char age[64]; /* ConvertToHumanReadableDateType */
            table_age(v->valuestring, now, age, sizeof age);
            tb_add_str(cells, age);
        } else if (cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v))
            cJSON_AddItemToArray(cells, cJSON_Duplicate(v, false));
        else {
            char *text = cJSON_PrintUnformatted(v);
            tb_add_str(cells, text ? text : "");
            cJSON_free(text);
        }
    }
}
