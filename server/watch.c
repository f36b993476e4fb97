/* watch: watchers, the event history, and the libmicrohttpd content reader
 * (suspend when idle, resume on an event). Must not change the model. */
#define _GNU_SOURCE
#include "watch.h"
#include "generic.h"
#include "xalloc.h"
#include "json.h"
#include "protobuf.h"
#include "selector.h"
#include "shape.h"
#include "table.h"
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uthash.h>

#define HISTORY 20000               /* events kept for resourceVersion, at most ... */
#define HISTORY_BYTES (8u << 20)    /* ... and at most this much of their text: a
                                     * watch from an older resourceVersion gets
                                     * 410 Expired, as from kube-apiserver's
                                     * bounded watch cache */
#define MAX_BACKLOG (64u << 20)     /* bytes a watcher may lag before it is cut */
#define BOOKMARK_EVERY 60.0         /* wall seconds */

typedef struct watcher {
    struct watcher *next;
    pthread_mutex_t mu;
    struct MHD_Connection *conn;
    kind_id kind;                   /* the objects watched */
    kind_id view;                   /* the kind the client asked for (events.k8s.io: kind's objects converted) */
    char *ns, *name;
    labelsel *ls;
    fieldsel *fs;
    char *buf;                      /* pending bytes */
    size_t len, cap, sent;
    bool suspended, closed, bookmarks;
    bool table;                     /* objects as meta.k8s.io Tables (kubectl get -w) */
    bool protobuf;                  /* length-prefixed protobuf WatchEvent frames */
    double deadline, next_bookmark; /* monotonic seconds */
    uint64_t last_rv;
    uint64_t seen;                  /* the last change offered to it (on_change) */
    char *anchor;                   /* its key in hub.index, or NULL: in hub.loose */
} watcher;

/* Watchers whose label selector names one value of one label, by kind,
 * label and value: a change is offered only to those its object's labels
 * (now or before) name, and to the loose ones (no such label). With a
 * thousand watchers of a few pods each, most see no change at all. */
typedef struct {
    watcher **items;
    size_t n, cap;
} wvec;

typedef struct wlist {
    UT_hash_handle hh;
    wvec v;
    char key[]; /* anchor_key */
} wlist;

/* History as printed JSON: a tenth of a cJSON tree's memory, printed once
 * per change for every watcher and the ring alike; parsed again only when a
 * watch starts from a resourceVersion. */
typedef struct {
    uint64_t rv;
    store_event ev;
    kind_id kind;
    char *doc, *old;
    size_t size; /* of doc and old */
} hist_entry;

static struct {
    pthread_mutex_t mu;
    watcher *list;
    wlist *index;  /* by anchor_key */
    wvec loose;    /* the others */
    uint64_t seq;  /* changes offered */
    hist_entry ring[HISTORY];
    size_t head, count, bytes; /* bytes: of the kept entries' text */
    cluster *c;
} hub = {.mu = PTHREAD_MUTEX_INITIALIZER};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "<kind>\x1f<label>\x1f<value>" */
static char *anchor_key(kind_id k, const char *label, const char *value)
{
    return xasprintf("%d\x1f%s\x1f%s", (int)k, label, value);
}

static void wvec_add(wvec *l, watcher *w)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n++] = w;
}

static void wvec_del(wvec *l, const watcher *w)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i] == w) {
            l->items[i] = l->items[--l->n];
            return;
        }
}

/* Into hub.index or hub.loose (hub lock held). */
static void index_add(watcher *w)
{
    const char *k, *v;
    if (!labelsel_anchor(w->ls, &k, &v)) {
        wvec_add(&hub.loose, w);
        return;
    }
    w->anchor = anchor_key(w->kind, k, v);
    wlist *l;
    HASH_FIND_STR(hub.index, w->anchor, l);
    if (!l) {
        size_t n = strlen(w->anchor) + 1;
        l = xcalloc(1, sizeof *l + n);
        memcpy(l->key, w->anchor, n);
        HASH_ADD_STR(hub.index, key, l);
    }
    wvec_add(&l->v, w);
}

static void index_del(watcher *w)
{
    if (!w->anchor) {
        wvec_del(&hub.loose, w);
        return;
    }
    wlist *l;
    HASH_FIND_STR(hub.index, w->anchor, l);
    if (l) {
        wvec_del(&l->v, w);
        if (!l->v.n) {
            HASH_DEL(hub.index, l);
            free(l->v.items);
            free(l);
        }
    }
}

static bool matches(const watcher *w, kind_id k, const cJSON *doc)
{
    if (!doc || w->kind != k)
        return false;
    if (w->ns && strcmp(w->ns, jstr(doc, "metadata.namespace") ? jstr(doc, "metadata.namespace") : ""))
        return false;
    if (w->name && strcmp(w->name, jstr(doc, "metadata.name") ? jstr(doc, "metadata.name") : ""))
        return false;
    if (w->ls && !labelsel_matches(w->ls, jget(doc, "metadata.labels")))
        return false;
    return !w->fs || fieldsel_matches(w->fs, doc);
}

static const cJSON *stored_field(const void *o, const char *path)
{
    return store_get_path(o, path);
}

static const char *stored_label(const void *o, const char *key)
{
    return store_get_member_str(o, "metadata.labels", key);
}

/* matches() for a stored object, read from its compact form: a watch that
 * starts from the current state tests every object of its kind, and
 * building each one's tree (100 watchers × 10k pods) would cycle the tree
 * cache. */
static bool stored_matches(const watcher *w, const store_obj *o)
{
    if (w->kind != o->kind || (w->ns && strcmp(w->ns, o->ns)) || (w->name && strcmp(w->name, o->name)))
        return false;
    if (w->ls && !labelsel_matches_get(w->ls, stored_label, o))
        return false;
    return !w->fs || fieldsel_matches_get(w->fs, stored_field, o);
}

/* Append one event line (watcher lock held). Objects of the watched kind
 * go out as one-row Tables when the client asked for Tables. text: obj
 * already printed, or NULL. */
static void push_line(watcher *w, const char *type, const cJSON *obj, const char *text)
{
    if (w->closed)
        return;
    cJSON *table = NULL;
    if (w->table && strcmp(type, "ERROR") && strcmp(type, "BOOKMARK")) {
        cJSON *one = (cJSON *)obj;
        table = table_render(w->kind, &one, 1, cluster_now(hub.c), jstr(obj, "metadata.resourceVersion"));
    }
    cJSON *conv = NULL; /* an object of the stored kind, as the watched kind shows it */
    if (w->view != w->kind && strcmp(type, "ERROR") && strcmp(type, "BOOKMARK")) {
        obj = conv = generic_from_stored(w->view, obj);
        text = NULL;
    }
    size_t flen = 0;
    unsigned char *frame = w->protobuf ? protobuf_watch_frame(type, obj, &flen) : NULL;
    char *o = frame ? NULL : table || !text ? jprint(table ? table : obj) : (char *)text;
    cJSON_Delete(table);
    size_t need = frame ? flen : strlen(o) + strlen(type) + 32;
    if (w->len - w->sent + need > MAX_BACKLOG) {
        w->closed = true; /* too slow: it loses its stream, not the server its time */
    } else {
        if (w->sent && w->sent == w->len)
            w->sent = w->len = 0;
        if (w->len + need > w->cap) {
            w->cap = (w->len + need) * 2;
            w->buf = xrealloc(w->buf, w->cap);
        }
        if (frame) {
            memcpy(w->buf + w->len, frame, flen);
            w->len += flen;
        } else {
            w->len += sprintf(w->buf + w->len, "{\"type\":\"%s\",\"object\":%s}\n", type, o);
        }
    }
    free(frame);
    if (o != text)
        free(o);
    cJSON_Delete(conv);
    if (w->suspended) {
        w->suspended = false;
        MHD_resume_connection(w->conn);
    }
}

/* Deliver a change to one watcher, with selector transitions. */
static void deliver(watcher *w, store_event ev, kind_id k, const cJSON *doc, const cJSON *old, uint64_t rv,
                    const char *text)
{
    bool now = matches(w, k, doc), before = old && matches(w, k, old);
    const char *type = NULL;
    if (ev == STORE_ADDED && now)
        type = "ADDED";
    else if (ev == STORE_DELETED && now)
        type = "DELETED";
    else if (ev == STORE_MODIFIED)
        type = now && before ? "MODIFIED" : now ? "ADDED" : before ? "DELETED" : NULL;
    if (type) {
        push_line(w, type, doc, text);
        w->last_rv = rv;
    }
}

/* The change to the watchers of l that it was not yet offered to. */
static void offer(const wvec *l, uint64_t seq, store_event ev, const store_obj *obj, const cJSON *old,
                  const char *text)
{
    for (size_t i = 0; i < l->n; i++) {
        watcher *w = l->items[i];
        if (w->seen == seq || w->kind != obj->kind)
            continue;
        w->seen = seq;
        pthread_mutex_lock(&w->mu);
        deliver(w, ev, obj->kind, store_doc(obj), old, obj->rv, text);
        pthread_mutex_unlock(&w->mu);
    }
}

static void on_change(void *ctx, store_event ev, const store_obj *obj, const cJSON *old)
{
    (void)ctx;
    size_t ldoc, lold = 0;
    char *doc = jprint_len(store_doc(obj), &ldoc), *oldtext = old ? jprint_len(old, &lold) : NULL;
    pthread_mutex_lock(&hub.mu);
    while (hub.count && (hub.count == HISTORY || hub.bytes + ldoc + lold > HISTORY_BYTES)) {
        hist_entry *first = &hub.ring[hub.head];
        hub.bytes -= first->size;
        free(first->doc);
        free(first->old);
        first->doc = first->old = NULL;
        hub.head = (hub.head + 1) % HISTORY;
        hub.count--;
    }
    hist_entry *h = &hub.ring[(hub.head + hub.count) % HISTORY];
    h->rv = obj->rv;
    h->ev = ev;
    h->kind = obj->kind;
    h->doc = doc;
    h->old = oldtext;
    h->size = ldoc + lold;
    hub.bytes += h->size;
    hub.count++;
    uint64_t seq = ++hub.seq;
    offer(&hub.loose, seq, ev, obj, old, h->doc);
    if (hub.index) {
        const cJSON *sets[2] = {jget(store_doc(obj), "metadata.labels"), old ? jget(old, "metadata.labels") : NULL};
        for (int i = 0; i < 2; i++) {
            const cJSON *l;
            cJSON_ArrayForEach(l, sets[i]) {
                if (!cJSON_IsString(l))
                    continue;
                char *key = anchor_key(obj->kind, l->string, l->valuestring);
                wlist *ws;
                HASH_FIND_STR(hub.index, key, ws);
                free(key);
                if (ws)
                    offer(&ws->v, seq, ev, obj, old, h->doc);
            }
        }
    }
    pthread_mutex_unlock(&hub.mu);
}

void watch_init(cluster *c)
{
    hub.c = c;
    store_listen(c->st, on_change, NULL);
}

static void free_watcher(watcher *w)
{
    labelsel_free(w->ls);
    fieldsel_free(w->fs);
    free(w->ns);
    free(w->name);
    free(w->anchor);
    free(w->buf);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    watcher *w = cls;
    pthread_mutex_lock(&w->mu);
    ssize_t n;
    if (w->len > w->sent) {
        n = (ssize_t)(w->len - w->sent < max ? w->len - w->sent : max);
        memcpy(buf, w->buf + w->sent, (size_t)n);
        w->sent += (size_t)n;
    } else if (w->closed || mono() >= w->deadline) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        w->suspended = true;
        MHD_suspend_connection(w->conn);
        n = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return n;
}

static void reader_free(void *cls)
{
    watcher *w = cls;
    pthread_mutex_lock(&hub.mu);
    for (watcher **p = &hub.list; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            index_del(w);
            break;
        }
    pthread_mutex_unlock(&hub.mu);
    free_watcher(w);
}

struct MHD_Response *watch_response(void *stream)
{
    return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, reader, stream, reader_free);
}

static void expired(watcher *w, uint64_t rv, uint64_t oldest)
{
    char msg[128];
    snprintf(msg, sizeof msg, "too old resource version: %llu (%llu)", (unsigned long long)rv,
             (unsigned long long)oldest);
    cJSON *st = status_failure(410, "Expired", msg);
    push_line(w, "ERROR", st, NULL);
    cJSON_Delete(st);
    w->closed = true;
}

static void bookmark(watcher *w, bool initial_events_end);

/* Replay: the current state (rv unset or 0) or the history after rv. A
 * streaming list (sendInitialEvents=true) sends the current state whatever
 * rv is (it is never older), then, with bookmarks allowed, the bookmark
 * that ends the initial events; sendInitialEvents=false from rv unset or
 * 0 starts from now. */
static void replay(watcher *w, const char *rvs, int send_initial)
{
    cluster *c = hub.c;
    bool from_now = !rvs || !*rvs || !strcmp(rvs, "0");
    if (send_initial == 0 && from_now) {
        w->last_rv = store_rv(c->st);
        return;
    }
    if (send_initial == 1 || from_now) {
        size_t n;
        store_obj **objs = store_list(c->st, w->kind, w->ns, &n);
        for (size_t i = 0; i < n; i++)
            if (stored_matches(w, objs[i]))
                push_line(w, "ADDED", store_doc(objs[i]), NULL);
        free(objs);
        w->last_rv = store_rv(c->st);
        if (send_initial == 1 && w->bookmarks)
            bookmark(w, true);
        return;
    }
    uint64_t rv = strtoull(rvs, NULL, 10);
    uint64_t oldest = hub.count ? hub.ring[hub.head].rv : store_rv(c->st) + 1;
    if (rv + 1 < oldest && rv < store_rv(c->st)) {
        expired(w, rv, oldest - 1);
        return;
    }
    for (size_t i = 0; i < hub.count; i++) {
        hist_entry *h = &hub.ring[(hub.head + i) % HISTORY];
        if (h->rv <= rv)
            continue;
        cJSON *doc = cJSON_Parse(h->doc), *old = h->old ? cJSON_Parse(h->old) : NULL;
        deliver(w, h->ev, h->kind, doc, old, h->rv, h->doc);
        cJSON_Delete(doc);
        cJSON_Delete(old);
    }
    w->last_rv = rv > store_rv(c->st) ? rv : store_rv(c->st);
}

void watch_start(http_req *rq, http_resp *out, kind_id k, const char *ns, const char *name,
                 const char *label_selector, const char *field_selector, const list_opts *lo)
{
    watcher *w = xcalloc(1, sizeof *w);
    char *err = NULL;
    pthread_mutex_init(&w->mu, NULL);
    w->view = k;
    w->kind = kind_get(k)->store_kind;
    w->conn = rq->conn;
    w->ns = ns ? xstrdup(ns) : NULL;
    w->name = name ? xstrdup(name) : NULL;
    if ((label_selector && !(w->ls = labelsel_parse(label_selector, &err))) ||
        (field_selector && !(w->fs = fieldsel_parse(field_selector, kind_get(k)->plural, &err)))) {
        api_result_status(&out->r, status_bad_request(err ? err : "invalid selector"));
        free(err);
        free_watcher(w);
        return;
    }
    double timeout = lo->timeout > 0 ? (double)lo->timeout : 1800;
    w->deadline = mono() + timeout;
    w->bookmarks = lo->allow_bookmarks;
    w->table = table_requested(rq->accept);
    w->protobuf = out->protobuf && !w->table;
    w->next_bookmark = mono() + BOOKMARK_EVERY;
    pthread_mutex_lock(&hub.mu);
    replay(w, lo->resource_version, lo->send_initial);
    w->next = hub.list;
    hub.list = w;
    index_add(w);
    pthread_mutex_unlock(&hub.mu);
    out->stream = w;
    out->r.code = 200;
}

/* Called with the hub lock held and the watcher's lock taken. A bookmark
 * is an empty object of the kind with only its resourceVersion, shaped as
 * Go writes it; the one that ends a streaming list's initial events is
 * annotated k8s.io/initial-events-end (and, in 1.32 and 1.33, carries the
 * empty list's blueprint). */
static void bookmark(watcher *w, bool initial_events_end)
{
    const kind_info *ki = kind_get(w->view);
    int minor = kv_minor(&hub.c->opts.kv);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", ki->kind);
    cJSON_AddStringToObject(o, "apiVersion", ki->api_version);
    char rv[32];
    snprintf(rv, sizeof rv, "%llu", (unsigned long long)w->last_rv);
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(md, "resourceVersion", rv);
    if (initial_events_end) {
        cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
        cJSON_AddStringToObject(ann, "k8s.io/initial-events-end", "true");
        if (minor == 32 || minor == 33) {
            char *list = xasprintf("{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{},\"items\":null}\n",
                                   ki->kind, ki->api_version);
            strbuf b64 = {0};
            strbuf_base64(&b64, list, strlen(list), false);
            cJSON_AddStringToObject(ann, "kubernetes.io/initial-events-list-blueprint", b64.s);
            free(b64.s);
            free(list);
        }
    }
    shape_apply(o, minor);
    push_line(w, "BOOKMARK", o, NULL);
    cJSON_Delete(o);
}

void watch_tick(void)
{
    double now = mono();
    pthread_mutex_lock(&hub.mu);
    for (watcher *w = hub.list; w; w = w->next) {
        pthread_mutex_lock(&w->mu);
        if (w->bookmarks && now >= w->next_bookmark) {
            w->next_bookmark = now + BOOKMARK_EVERY;
            bookmark(w, false);
        }
        if ((w->closed || now >= w->deadline) && w->suspended) {
            w->suspended = false;
            MHD_resume_connection(w->conn);
        }
        pthread_mutex_unlock(&w->mu);
    }
    pthread_mutex_unlock(&hub.mu);
}

void watch_shutdown(void)
{
    pthread_mutex_lock(&hub.mu);
    for (watcher *w = hub.list; w; w = w->next) {
        pthread_mutex_lock(&w->mu);
        w->closed = true;
        if (w->suspended) {
            w->suspended = false;
            MHD_resume_connection(w->conn);
        }
        pthread_mutex_unlock(&w->mu);
    }
    pthread_mutex_unlock(&hub.mu);
}

void watch_free_history(void)
{
    pthread_mutex_lock(&hub.mu);
    for (size_t i = 0; i < HISTORY; i++) {
        free(hub.ring[i].doc);
        free(hub.ring[i].old);
        hub.ring[i].doc = hub.ring[i].old = NULL;
    }
    hub.count = hub.head = hub.bytes = 0;
    pthread_mutex_unlock(&hub.mu);
}
