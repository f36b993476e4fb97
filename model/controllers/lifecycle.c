/* lifecycle: helpers the lifecycle.k8s.io/v1alpha1 controllers share (see lifecycle.h). Reads
 * documents and the store; writes nothing to the store. */
#define _GNU_SOURCE
#include "lifecycle.h"
#include "json.h"
#include "meta.h"
#include "xalloc.h"
#include <stdlib.h>
#include <string.h>

cJSON *lc_named(const cJSON *arr, const char *name)
{
    cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        const char *n = jstr(e, "name");
        if (n && name && !strcmp(n, name))
            return e;
    }
    return NULL;
}

const cJSON *lc_condition(const cJSON *doc, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(doc, "status.conditions")) {
        const char *t = jstr(c, "type");
        if (t && !strcmp(t, type))
            return c;
    }
    return NULL;
}

bool lc_condition_true(const cJSON *doc, const char *type)
{
    const char *s = jstr(lc_condition(doc, type), "status");
    return s && !strcmp(s, "True");
}

bool lc_done(const cJSON *doc)
{
    return lc_condition_true(doc, "Failed") || lc_condition_true(doc, "TargetEvicted");
}

bool lc_set_condition(cJSON *doc, const char *type, const char *status, const char *reason,
                      const char *message, double now)
{
    cJSON *st = jobj(doc, "status");
    cJSON *conds = cJSON_GetObjectItem(st, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(st, "conditions", conds);
    }
    cJSON *old = NULL, *c;
    int i = 0, at = -1;
    cJSON_ArrayForEach(c, conds) {
        const char *t = jstr(c, "type");
        if (t && !strcmp(t, type)) {
            old = c;
            at = i;
            break;
        }
        i++;
    }
    const char *os = jstr(old, "status"), *orr = jstr(old, "reason"), *om = jstr(old, "message");
    if (old && os && !strcmp(os, status) && orr && !strcmp(orr, reason) && !strcmp(om ? om : "", message))
        return false;
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "type", type);
    cJSON_AddStringToObject(n, "status", status);
    const cJSON *ltt = old ? cJSON_GetObjectItem(old, "lastTransitionTime") : NULL;
    if (old && os && !strcmp(os, status) && ltt)
        cJSON_AddItemToObject(n, "lastTransitionTime", cJSON_Duplicate(ltt, true));
    else
        meta_set_time(n, "lastTransitionTime", now);
    cJSON_AddStringToObject(n, "reason", reason);
    cJSON_AddStringToObject(n, "message", message);
    if (at >= 0)
        cJSON_ReplaceItemInArray(conds, at, n);
    else
        cJSON_AddItemToArray(conds, n);
    return true;
}

double lc_time(const cJSON *o, const char *key)
{
    const char *s = jstr(o, key);
    double t = 0;
    if (!s || clock_parse(s, &t) < 0)
        return 0;
    return t;
}

const char *lc_target_uid(const cJSON *doc)
{
    const char *s = jstr(doc, "spec.target.pod.uid");
    return s ? s : "";
}

const char *lc_target_name(const cJSON *doc)
{
    const char *s = jstr(doc, "spec.target.pod.name");
    return s ? s : "";
}

static int by_age(const void *a, const void *b)
{
    const cJSON *da = store_doc(*(store_obj *const *)a), *db = store_doc(*(store_obj *const *)b);
    double ta = lc_time(da, "metadata.creationTimestamp"), tb = lc_time(db, "metadata.creationTimestamp");
    if (ta != tb)
        return ta < tb ? -1 : 1;
    return strcmp((*(store_obj *const *)a)->name, (*(store_obj *const *)b)->name);
}

store_obj **lc_for_target(cluster *c, kind_id k, const char *ns, const char *uid, size_t *n)
{
    size_t m, cnt = 0;
    store_obj **all = store_list(c->st, k, ns, &m);
    for (size_t i = 0; i < m; i++)
        if (*uid && !strcmp(lc_target_uid(store_doc(all[i])), uid))
            all[cnt++] = all[i];
    qsort(all, cnt, sizeof *all, by_age);
    *n = cnt;
    return all;
}
