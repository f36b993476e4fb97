/* manifest: manifests as objects: the apiVersion/kind/metadata checks,
 * Lists flattened into their items, and loading files (big ones mapped),
 * directories and stdin; the text itself is read by yaml.c and jsonlist.c.
 * Must not know the store, the server or any kind beyond those checks; it
 * keeps no global state. */
#define _GNU_SOURCE
#include "load_parts.h"
#include "xalloc.h"
#include "json.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

/* ---------- errors ---------- */

static void m_seterr(char **err, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    if (err)
        *err = s;
    else
        free(s);
}

/* ---------- manifest checks ---------- */

static const char *m_typename(const cJSON *v)
{
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    return "an object";
}

static int m_check_str(const cJSON *obj, const char *field, const char *label, char *msg, size_t off)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, field);
    if (!f || cJSON_IsNull(f) || (cJSON_IsString(f) && !f->valuestring[0])) {
        snprintf(msg + off, MSGSZ - off, "object has no %s", label);
        return -1;
    }
    if (!cJSON_IsString(f)) {
        snprintf(msg + off, MSGSZ - off, "%s must be a string, not %s", label, m_typename(f));
        return -1;
    }
    return 0;
}

/* msg + off receives the problem (off: length of a prefix such as "items[2]: "). */
int m_check_object(const cJSON *v, char *msg, size_t off)
{
    if (!cJSON_IsObject(v)) {
        snprintf(msg + off, MSGSZ - off, "expected an object, found %s", m_typename(v));
        return -1;
    }
    if (m_check_str(v, "kind", "kind", msg, off) < 0 || m_check_str(v, "apiVersion", "apiVersion", msg, off) < 0)
        return -1;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(v, "metadata");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(md, "generateName");
    if (cJSON_IsObject(md) && ((cJSON_IsString(name) && name->valuestring[0]) ||
                               (cJSON_IsString(gen) && gen->valuestring[0])))
        return 0;
    snprintf(msg + off, MSGSZ - off, "object has no metadata.name or metadata.generateName");
    return -1;
}

int m_is_list(const char *kind, const cJSON *items)
{
    size_t n = strlen(kind);
    if (!strcmp(kind, "List"))
        return 1;
    /* items null: an empty list as Go prints a nil slice (kubectl cluster-info dump does) */
    return n > 4 && !strcmp(kind + n - 4, "List") && (cJSON_IsArray(items) || cJSON_IsNull(items));
}

/* A typed list's (PodList) items may lack kind and apiVersion: take them from the list. */
void m_fill_item(cJSON *item, const char *kind, const cJSON *list)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(list, "apiVersion");
    if (!strcmp(kind, "List") || !cJSON_IsObject(item))
        return;
    if (!cJSON_GetObjectItemCaseSensitive(item, "kind")) {
        char *k = xstrndup(kind, strlen(kind) - 4);
        cJSON_AddStringToObject(item, "kind", k);
        free(k);
    }
    if (!cJSON_GetObjectItemCaseSensitive(item, "apiVersion") && cJSON_IsString(av))
        cJSON_AddStringToObject(item, "apiVersion", av->valuestring);
}

static int m_flatten(cJSON *arr, cJSON *list, const char *kind, char *msg)
{
    cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items"), *it;
    if (items && !cJSON_IsNull(items) && !cJSON_IsArray(items)) {
        snprintf(msg, MSGSZ, "items must be an array, not %s", m_typename(items));
        return -1;
    }
    int i = 0;
    cJSON_ArrayForEach(it, items) {
        m_fill_item(it, kind, list);
        int off = snprintf(msg, MSGSZ, "items[%d]: ", i++);
        if (m_check_object(it, msg, (size_t)off) < 0)
            return -1;
    }
    while (items && items->child)
        cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(items, items->child));
    return 0;
}

/* mdoc_cb for manifest_parse: checks, flattens Lists, appends to the array. */
static int m_collect(void *arg, cJSON *v, char *msg)
{
    cJSON *arr = arg;
    int rc = 0;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(v, "kind");
    if (cJSON_IsNull(v)) {
        cJSON_Delete(v);
        return 0;
    }
    if (cJSON_IsObject(v) && cJSON_IsString(kind) &&
        m_is_list(kind->valuestring, cJSON_GetObjectItemCaseSensitive(v, "items"))) {
        rc = m_flatten(arr, v, kind->valuestring, msg);
        cJSON_Delete(v);
        return rc;
    }
    if (m_check_object(v, msg, 0) < 0) {
        cJSON_Delete(v);
        return -1;
    }
    cJSON_AddItemToArray(arr, v);
    return 0;
}

cJSON *manifest_parse(const char *text, size_t len, const char *source, char **err)
{
    char msg[MSGSZ] = "";
    int docno = 1;
    cJSON *arr = cJSON_CreateArray();
    if (!arr) {
        m_seterr(err, "%s: out of memory", source);
        return NULL;
    }
    if (m_parse_stream(text, len, m_collect, arr, &docno, msg) < 0) {
        m_seterr(err, "%s: document %d: %s", source, docno, msg);
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

static int m_take_first(void *arg, cJSON *v, char *msg)
{
    (void)msg;
    *(cJSON **)arg = v;
    return 1;
}

cJSON *manifest_parse_one(const char *text, size_t len, char **err)
{
    char msg[MSGSZ] = "";
    int docno = 1;
    cJSON *first = NULL;
    if (m_parse_stream(text, len, m_take_first, &first, &docno, msg) < 0) {
        cJSON_Delete(first);
        m_seterr(err, "%s", msg);
        return NULL;
    }
    return first ? first : cJSON_CreateNull();
}

/* ---------- files ---------- */

static int m_read_all(FILE *f, const char *name, char **buf, size_t *len, char **err)
{
    size_t cap = 8192, n = 0, r;
    char *b = malloc(cap);
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    if (!b || ferror(f)) {
        m_seterr(err, "%s: %s", name, b ? strerror(errno) : "out of memory");
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* manifest_parse_each, counting in *given what it gave (and not undoing). */
static int m_parse_each(const char *text, size_t len, const char *source, const manifest_sink *sink, size_t *given,
                        char **err, bool mapped)
{
    if (m_stream_list(text, len, sink, given, mapped))
        return 0;
    cJSON *objs = manifest_parse(text, len, source, err);
    if (!objs)
        return -1;
    while (objs->child) {
        sink->put(sink->arg, cJSON_DetachItemViaPointer(objs, objs->child));
        (*given)++;
    }
    cJSON_Delete(objs);
    return 0;
}

int manifest_list_each(const char *text, size_t len, const manifest_sink *sink, bool mapped)
{
    size_t given = 0;
    return m_stream_list(text ? text : "", len, sink, &given, mapped);
}

int manifest_parse_each(const char *text, size_t len, const char *source, const manifest_sink *sink, char **err)
{
    size_t given = 0;
    int rc = m_parse_each(text ? text : "", len, source, sink, &given, err, false);
    if (rc < 0 && given)
        sink->undo(sink->arg, given);
    return rc;
}

/* Parse all of f, giving its objects to sink; *given counts them. */
static int m_load_stream(FILE *f, const char *name, const manifest_sink *sink, size_t *given, char **err)
{
    char *buf;
    size_t len;
    if (m_read_all(f, name, &buf, &len, err) < 0)
        return -1;
    int rc = m_parse_each(buf, len, name, sink, given, err, false);
    free(buf);
    return rc;
}

/* A big regular file is read where the kernel keeps it (mapped, its pages
 * filled in one go) rather than copied into fresh memory. Like any mapped
 * file, one cut short while it loads ends the process (SIGBUS): a manifest
 * is not expected to change while it is read. */
#define M_MAP_MIN (1 << 20)

static int m_load_file(const char *path, const manifest_sink *sink, size_t *given, char **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        m_seterr(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= M_MAP_MIN &&
        (uintmax_t)st.st_size <= SIZE_MAX)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fileno(f), 0);
    int rc;
    if (map != MAP_FAILED) {
        rc = m_parse_each(map, (size_t)st.st_size, path, sink, given, err, true);
        munmap(map, (size_t)st.st_size);
    } else {
        rc = m_load_stream(f, path, sink, given, err);
    }
    fclose(f);
    return rc;
}

static int m_manifest_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' &&
           ((n > 5 && !strcmp(d->d_name + n - 5, ".yaml")) || (n > 4 && !strcmp(d->d_name + n - 4, ".yml")) ||
            (n > 5 && !strcmp(d->d_name + n - 5, ".json")));
}

static int m_name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int m_load_dir(const char *dir, const manifest_sink *sink, size_t *given, char **err)
{
    struct dirent **names;
    int n = scandir(dir, &names, m_manifest_name, m_name_cmp), rc = 0;
    size_t dl = strlen(dir);
    if (n < 0) {
        m_seterr(err, "%s: %s", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char *path = NULL;
        struct stat st;
        if (rc == 0 && asprintf(&path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i]->d_name) < 0) {
            m_seterr(err, "%s: out of memory", dir);
            rc = -1;
            path = NULL;
        }
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = m_load_file(path, sink, given, err);
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int manifest_load_path_each(const char *path, const manifest_sink *sink, char **err)
{
    struct stat st;
    size_t given = 0;
    int rc;
    if (!strcmp(path, "-"))
        rc = m_load_stream(stdin, "stdin", sink, &given, err);
    else if (stat(path, &st) < 0) {
        m_seterr(err, "%s: %s", path, strerror(errno));
        rc = -1;
    } else if (S_ISDIR(st.st_mode))
        rc = m_load_dir(path, sink, &given, err);
    else
        rc = m_load_file(path, sink, &given, err);
    if (rc < 0 && given)
        sink->undo(sink->arg, given);
    return rc;
}

static void m_array_put(void *arg, cJSON *obj)
{
    cJSON_AddItemToArray(arg, obj);
}

static void m_array_undo(void *arg, size_t n)
{
    cJSON *arr = arg;
    while (n-- && arr->child)
        cJSON_Delete(cJSON_DetachItemViaPointer(arr, arr->child->prev));
}

manifest_sink manifest_array_sink(cJSON *arr)
{
    return (manifest_sink){m_array_put, m_array_undo, arr, NULL, NULL, NULL};
}

int manifest_load_path(const char *path, cJSON *out, char **err)
{
    manifest_sink sink = manifest_array_sink(out);
    return manifest_load_path_each(path, &sink, err);
}
