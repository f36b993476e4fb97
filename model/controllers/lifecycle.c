/* lifecycle: helpers the lifecycle.k8s.io/v1alpha1 controllers share (see lifecycle.h). Reads
 * documents and the store; writes nothing to the store. */
#define _GNU_SOURCE
#include "lifecycle.h"
#include "json.h"
#include "kversion.h"
#include "meta.h"
#include "xalloc.h"
#include <stdio.h>
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

double *lc_mark(lc_marks *m, const char *uid)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].uid, uid))
            return &m->v[i].at;
    return NULL;
}

void lc_mark_set(lc_marks *m, const char *uid, double at)
{
    double *t = lc_mark(m, uid);
    if (!t) {
        if (m->n == m->cap)
            m->v = xrealloc(m->v, (m->cap = m->cap ? 2 * m->cap : 8) * sizeof *m->v);
        snprintf(m->v[m->n].uid, sizeof m->v[m->n].uid, "%s", uid);
        t = &m->v[m->n++].at;
    }
    *t = at;
}

void lc_mark_drop(lc_marks *m, const char *uid)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].uid, uid)) {
            m->v[i] = m->v[--m->n];
            return;
        }
}

lc_ctrl *lc_ctrl_attach(cluster *c, wl_sync_fn sync, store_listener on_change)
{
    lc_ctrl *l = xcalloc(1, sizeof *l);
    l->w.c = c;
    if (!kv_eviction_request_api(&c->opts.kv))
        return l; /* the API is not served: nothing to do */
    l->w.q = wl_queue_new(c, sync, l);
    store_listen(c->st, on_change, l);
    return l;
}

void lc_ctrl_reset(void *state)
{
    lc_ctrl *l = state;
    if (l->w.q)
        wl_queue_clear(l->w.q);
    l->marks.n = 0;
}

void lc_ctrl_free(void *state)
{
    lc_ctrl *l = state;
    if (l->w.q)
        wl_queue_free(l->w.q);
    free(l->marks.v);
    free(l);
}
