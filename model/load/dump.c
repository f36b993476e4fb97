/* dump: the layouts real clusters produce, read into the cluster loader
 * (see dump.h). Owns walking paths, reading (mapped, gzip'd, stdin),
 * taking `kubectl cluster-info dump` output apart, naming the file and
 * object of a failure, duplicates, and the summary. Parsing a manifest is
 * model/load/manifest.c's, loading an object model/cluster.c's: this file
 * must not parse YAML or JSON objects, nor decide anything about them but
 * whether their kind is served. */
#define _GNU_SOURCE
#include "dump.h"
#include "clock.h"
#include "json.h"
#include "kinds.h"
#include "manifest.h"
#include "text.h"
#include "xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DUMP_MAX_DEPTH 40        /* directories inside directories */
#define DUMP_MAP_MIN (1 << 20)   /* files this big are mapped, not copied */
#define DUMP_SNIFF (64 << 10)    /* bytes looked at for binary data */

/* One object given to the loader, in order: where it came from and what
 * it is, so that a failure can name it and duplicates can be found. */
typedef struct rec { /* its strings follow it in the same block (rec_new) */
    char *label;       /* "Pod default/web-1" (the hash key) */
    char *uid;         /* metadata.uid or NULL */
    char *kind;        /* "Pod" */
    char *api_kind;    /* "v1 ConfigMap" */
    unsigned file, ord; /* file index; the object's number in its file, from 1 */
    bool known;        /* a kind evictsim serves */
    bool hashed;       /* in the duplicates table (it has a name) */
    bool replaced;     /* a later copy of the same object (same uid) replaced it */
    struct rec *shadowed; /* the earlier copy this one replaced */
    uint64_t hash;     /* of label */
} rec;

/* The named objects so far, by label: open addressing with linear probing,
 * at most half full, each slot the label's hash and the record (NULL:
 * empty). The hash is computed where the record is made, on the threads
 * that read the items, so the thread that takes them in order only probes:
 * one slot, and a label compared only when the hashes match. */
typedef struct {
    uint64_t hash;
    struct rec *r;
} lslot;

typedef struct {
    lslot *s;
    size_t cap, n; /* cap: a power of two, or 0 */
} ltable;

static uint64_t label_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then mixed */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

/* The slot holding label (hash h), or the empty one where it would go. */
static lslot *lt_slot(const ltable *t, const char *label, uint64_t h)
{
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        lslot *s = &t->s[i];
        if (!s->r || (s->hash == h && !strcmp(s->r->label, label)))
            return s;
    }
}

static rec *lt_find(const ltable *t, const rec *r)
{
    return t->cap ? lt_slot(t, r->label, r->hash)->r : NULL;
}

/* r, whose label is not there yet. */
static void lt_add(ltable *t, struct rec *r)
{
    if (2 * (t->n + 1) > t->cap) {
        ltable g = {xcalloc(t->cap ? 2 * t->cap : 1024, sizeof *g.s), t->cap ? 2 * t->cap : 1024, t->n};
        for (size_t i = 0; i < t->cap; i++)
            if (t->s[i].r)
                *lt_slot(&g, t->s[i].r->label, t->s[i].hash) = t->s[i];
        free(t->s);
        *t = g;
    }
    *lt_slot(t, r->label, r->hash) = (lslot){r->hash, r};
    t->n++;
}

/* The label's record becomes r (same label). */
static void lt_replace(ltable *t, struct rec *r)
{
    lt_slot(t, r->label, r->hash)->r = r;
}

/* The label of r is no longer there: the slots after it that probed past
 * it move back (no tombstones). */
static void lt_del(ltable *t, const struct rec *r)
{
    size_t mask = t->cap - 1, i = (size_t)(lt_slot(t, r->label, r->hash) - t->s);
    t->s[i].r = NULL;
    t->n--;
    for (size_t j = (i + 1) & mask; t->s[j].r; j = (j + 1) & mask) {
        size_t home = t->s[j].hash & mask;
        /* j's entry may fill the hole at i when its home is not in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            t->s[i] = t->s[j];
            t->s[j].r = NULL;
            i = j;
        }
    }
}

struct dump {
    dump_opts o;
    char **files;
    size_t nfiles, cap;
    size_t skipped_files;
    char *stdin_text;
    size_t stdin_len;
    /* what the last dump_load did */
    cJSON *kinds;   /* {"Pod": n} */
    cJSON *skipped; /* {"v1 ConfigMap": n} */
    size_t dups;
    int loaded;
};

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = xvasprintf(f, ap);
    va_end(ap);
    return s;
}

/* ---- the files ------------------------------------------------------------ */

static bool has_suffix(const char *s, const char *sfx)
{
    size_t n = strlen(s), m = strlen(sfx);
    return n > m && !strcmp(s + n - m, sfx);
}

/* What a directory walk loads: *.yaml, *.yml, *.json, each maybe .gz. */
static bool manifest_name(const char *name)
{
    char base[1024];
    snprintf(base, sizeof base, "%s", name);
    if (has_suffix(base, ".gz"))
        base[strlen(base) - 3] = 0;
    return has_suffix(base, ".yaml") || has_suffix(base, ".yml") || has_suffix(base, ".json");
}

static void add_file(dump *d, const char *path)
{
    if (d->nfiles == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->files = xrealloc(d->files, d->cap * sizeof *d->files);
    }
    d->files[d->nfiles++] = xstrdup(path);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int walk(dump *d, const char *path, int depth, char **err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        *err = fmt("%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (depth == 0 || (S_ISREG(st.st_mode) && manifest_name(strrchr(path, '/') ? strrchr(path, '/') + 1 : path)))
            add_file(d, path);
        else
            d->skipped_files++;
        return 0;
    }
    if (depth >= DUMP_MAX_DEPTH) {
        *err = fmt("%s: directories nested more than %d deep (a symbolic link loop?)", path, DUMP_MAX_DEPTH);
        return -1;
    }
    struct dirent **names;
    int n = scandir(path, &names, not_dot, name_cmp), rc = 0;
    if (n < 0) {
        *err = fmt("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t pl = strlen(path);
    for (int i = 0; i < n; i++) {
        if (rc == 0) {
            char *child = fmt("%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/", names[i]->d_name);
            rc = child ? walk(d, child, depth + 1, err) : -1;
            free(child);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

static int read_fd(int fd, char **out, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (!b)
            return -1;
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(b);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            char *nb = realloc(b, (cap *= 2) + 1);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return 0;
}

dump *dump_open(const char *const *paths, int n, const dump_opts *o, char **err)
{
    dump *d = xcalloc(1, sizeof *d);
    d->o = *o;
    for (int i = 0; i < n; i++) {
        if (!strcmp(paths[i], "-")) {
            if (!d->stdin_text && read_fd(0, &d->stdin_text, &d->stdin_len) < 0) {
                *err = fmt("stdin: %s", strerror(errno));
                dump_close(d);
                return NULL;
            }
            add_file(d, "-");
        } else if (walk(d, paths[i], 0, err) < 0) {
            dump_close(d);
            return NULL;
        }
    }
    return d;
}

void dump_close(dump *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nfiles; i++)
        free(d->files[i]);
    free(d->files);
    free(d->stdin_text);
    cJSON_Delete(d->kinds);
    cJSON_Delete(d->skipped);
    free(d);
}

/* ---- a file's text -------------------------------------------------------- */

typedef struct {
    char *text;
    size_t len;
    void *map;   /* mapped: munmap(map, len) */
    bool owned;  /* malloc'd */
} dtext;

static void text_free(dtext *t)
{
    if (t->map)
        munmap(t->map, t->len);
    else if (t->owned)
        free(t->text);
    memset(t, 0, sizeof *t);
}

static bool is_gzip(const char *p, size_t n)
{
    return n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b;
}

/* gunzip (every member of a multi-member file) into a new buffer. */
static int gunzip(const char *path, const char *in, size_t n, dtext *out, char **err)
{
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        *err = fmt("%s: gzip: cannot start inflating", path);
        return -1;
    }
    size_t cap = n * 4 + 65536, len = 0;
    char *b = malloc(cap + 1);
    z.next_in = (Bytef *)in;
    int rc = Z_OK;
    size_t left = n;
    while (b) {
        uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z.next_in = (Bytef *)in + (n - left);
        z.avail_in = chunk;
        if (len == cap) {
            char *nb = realloc(b, (cap *= 2) + 1);
            if (!nb)
                free(b);
            if (!(b = nb))
                break;
        }
        size_t room = cap - len > (1u << 30) ? (1u << 30) : cap - len;
        z.next_out = (Bytef *)b + len;
        z.avail_out = (uInt)room;
        rc = inflate(&z, Z_NO_FLUSH);
        left -= chunk - z.avail_in;
        len += room - z.avail_out;
        if (rc == Z_STREAM_END) {
            if (left == 0)
                break;
            inflateReset(&z); /* another member */
            rc = Z_OK;
            continue;
        }
        if (rc == Z_BUF_ERROR && left == 0 && z.avail_out) {
            rc = Z_DATA_ERROR;
            z.msg = "unexpected end of file (truncated?)";
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            break;
    }
    if (!b || (rc != Z_STREAM_END)) {
        *err = fmt("%s: gzip: %s", path, !b ? "out of memory" : z.msg ? z.msg : "corrupt data");
        inflateEnd(&z);
        free(b);
        return -1;
    }
    inflateEnd(&z);
    b[len] = 0;
    out->text = b;
    out->len = len;
    out->owned = true;
    return 0;
}

static int check_text(const char *path, const char *p, size_t n, char **err)
{
    const char *nul = memchr(p, 0, n < DUMP_SNIFF ? n : DUMP_SNIFF);
    if (nul) {
        *err = fmt("%s: binary data, not a YAML or JSON manifest (a NUL byte at offset %zu)", path,
                   (size_t)(nul - p));
        return -1;
    }
    return 0;
}

static int text_read(dump *d, const char *path, dtext *t, char **err)
{
    memset(t, 0, sizeof *t);
    if (!strcmp(path, "-")) {
        if (is_gzip(d->stdin_text, d->stdin_len))
            return gunzip("stdin", d->stdin_text, d->stdin_len, t, err) < 0 ? -1
                                                                             : check_text("stdin", t->text, t->len, err);
        t->text = d->stdin_text;
        t->len = d->stdin_len;
        return check_text("stdin", t->text, t->len, err);
    }
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *err = fmt("%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char head[DUMP_SNIFF];
    ssize_t hn = S_ISREG(st.st_mode) ? pread(fd, head, sizeof head, 0) : 0;
    int rc = 0;
    if (hn > 0 && !is_gzip(head, (size_t)hn) && (rc = check_text(path, head, (size_t)hn, err)) < 0) {
        close(fd);
        return -1;
    }
    if (S_ISREG(st.st_mode) && st.st_size >= DUMP_MAP_MIN && (uintmax_t)st.st_size <= SIZE_MAX &&
        !is_gzip(head, (size_t)hn)) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        close(fd);
        if (m == MAP_FAILED) {
            *err = fmt("%s: %s", path, strerror(errno));
            return -1;
        }
        t->map = m;
        t->text = m;
        t->len = (size_t)st.st_size;
        return 0;
    }
    char *b;
    size_t n;
    if (read_fd(fd, &b, &n) < 0) {
        *err = fmt("%s: %s", path, strerror(errno ? errno : ENOMEM));
        close(fd);
        return -1;
    }
    close(fd);
    if (is_gzip(b, n)) {
        rc = gunzip(path, b, n, t, err);
        free(b);
        return rc < 0 ? -1 : check_text(path, t->text, t->len, err);
    }
    t->text = b;
    t->len = n;
    t->owned = true;
    return check_text(path, b, n, err);
}

/* ---- kubectl cluster-info dump -------------------------------------------- */

#define LOG_START "==== START logs for container "
#define LOG_END "==== END logs for container "

static bool at_line(const char *text, const char *p)
{
    return p == text || p[-1] == '\n';
}

/* The container logs cluster-info dump writes between its lists (from a
 * START line to its END line) become blanks, newlines kept, so that what
 * is left parses and its line numbers are the file's. */
static void strip_logs(dtext *t)
{
    const char *s = t->text, *e = t->text + t->len;
    const char *p = memmem(s, t->len, LOG_START, sizeof LOG_START - 1);
    while (p && !at_line(s, p))
        p = memmem(p + 1, (size_t)(e - p - 1), LOG_START, sizeof LOG_START - 1);
    if (!p)
        return;
    if (!t->owned || t->map) { /* a copy to write into */
        char *b = malloc(t->len + 1);
        if (!b)
            return;
        memcpy(b, t->text, t->len);
        b[t->len] = 0;
        text_free(t);
        t->text = b;
        t->len = (size_t)(e - s);
        t->owned = true;
        p = b + (p - s);
        s = b;
        e = b + t->len;
    }
    char *w = (char *)p;
    while (w && w < e) {
        char *q = w;
        bool end = false;
        while (q < e && !end) { /* blank line by line up to the END line */
            end = !strncmp(q, LOG_END, sizeof LOG_END - 1) && at_line(s, q);
            char *nl = memchr(q, '\n', (size_t)(e - q));
            char *stop = nl ? nl : (char *)e;
            memset(q, ' ', (size_t)(stop - q));
            q = nl ? nl + 1 : (char *)e;
        }
        w = memmem(q, (size_t)(e - q), LOG_START, sizeof LOG_START - 1);
        while (w && !at_line(s, w))
            w = memmem(w + 1, (size_t)(e - w - 1), LOG_START, sizeof LOG_START - 1);
    }
}

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* The end of the JSON object or array at p (brackets counted outside
 * strings), or NULL when it does not end. */
static const char *json_value_end(const char *p, const char *e)
{
    int depth = 0;
    for (; p < e; p++) {
        if (*p == '"') {
            for (p++; p < e && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            if (p >= e)
                return NULL;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth == 0)
                return p + 1;
        }
    }
    return NULL;
}

/* ---- the newest timestamp ------------------------------------------------- */

static bool dig(const char *p, int n)
{
    for (int i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* RFC 3339 at p (YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)): its length, or 0. */
static size_t rfc3339_at(const char *p, const char *e)
{
    if (e - p < 20 || !dig(p, 4) || p[4] != '-' || !dig(p + 5, 2) || p[7] != '-' || !dig(p + 8, 2) ||
        p[10] != 'T' || !dig(p + 11, 2) || p[13] != ':' || !dig(p + 14, 2) || p[16] != ':' || !dig(p + 17, 2))
        return 0;
    const char *q = p + 19;
    if (q < e && *q == '.')
        for (q++; q < e && *q >= '0' && *q <= '9'; q++)
            ;
    if (q < e && *q == 'Z')
        return (size_t)(q + 1 - p);
    if (e - q >= 6 && (*q == '+' || *q == '-') && dig(q + 1, 2) && q[3] == ':' && dig(q + 4, 2))
        return (size_t)(q + 6 - p);
    return 0;
}

static double newest_in(const char *s, size_t len)
{
    const char *e = s + len, *p = s;
    double best = 0;
    while ((p = memchr(p, 'T', (size_t)(e - p)))) {
        const char *st = p - 10;
        size_t n;
        if (st >= s && (st == s || !((st[-1] >= '0' && st[-1] <= '9') || (st[-1] >= 'A' && st[-1] <= 'z'))) &&
            (n = rfc3339_at(st, e)) && n < 48) {
            char buf[48];
            double t;
            memcpy(buf, st, n);
            buf[n] = 0;
            if (clock_parse(buf, &t) == 0 && t > best)
                best = t;
        }
        p++;
    }
    return best;
}

double dump_newest(dump *d, char **err)
{
    double best = 0;
    for (size_t i = 0; i < d->nfiles; i++) {
        dtext t;
        if (text_read(d, d->files[i], &t, err) < 0)
            return -1;
        strip_logs(&t);
        double v = newest_in(t.text, t.len);
        if (v > best)
            best = v;
        text_free(&t);
    }
    return best;
}

/* ---- the load ------------------------------------------------------------- */

typedef struct {
    dump *d;
    manifest_sink inner;
    rec **recs;
    size_t n, cap;
    ltable by_label; /* the named objects so far */
    unsigned file, ord;
    char *dup_err;  /* the first object named twice with another uid */
} load_ctx;

/* A record and its strings in one block (it is made for every object of
 * a dump, on the threads that read them): "v1 Pod" (api_kind, its end is
 * kind), "Pod default/web-1" (label; "Pod default/web-*" for an object
 * named by generateName) and the uid. */
static rec *rec_new(const cJSON *obj)
{
    const char *av = jstr(obj, "apiVersion"), *k = jstr(obj, "kind");
    const cJSON *md = jget(obj, "metadata");
    const char *ns = jstr(md, "namespace"), *name = jstr(md, "name"), *uid = jstr(md, "uid");
    const kind_info *ki = av && k ? kind_by_kind(av, k) : NULL;
    if (ki && !ki->namespaced)
        ns = NULL;
    else if (ki && (!ns || !*ns))
        ns = "default";
    bool named = name && *name;
    const char *gen = named ? NULL : jstr(md, "generateName");
    const char *kk = k ? k : "?", *aa = av ? av : "?", *tail = named ? name : gen ? gen : "";
    size_t lk = strlen(kk), la = strlen(aa), ln = ns ? strlen(ns) : 0, lt = strlen(tail);
    size_t label_len = lk + 1 + (ns ? ln + 1 : 0) + lt + !named, lu = uid ? strlen(uid) + 1 : 0;
    rec *r = xcalloc(1, sizeof *r + la + 1 + lk + 1 + label_len + 1 + lu);
    char *o = (char *)(r + 1);
    r->api_kind = o;
    memcpy(o, aa, la);
    o[la] = ' ';
    r->kind = o + la + 1;
    memcpy(r->kind, kk, lk + 1);
    o = r->kind + lk + 1;
    r->label = o;
    memcpy(o, kk, lk);
    o += lk;
    *o++ = ' ';
    if (ns) {
        memcpy(o, ns, ln);
        o += ln;
        *o++ = '/';
    }
    memcpy(o, tail, lt);
    o += lt;
    if (!named)
        *o++ = '*';
    *o++ = 0;
    if (uid)
        r->uid = memcpy(o, uid, lu);
    r->known = ki != NULL;
    r->hashed = named && r->known; /* a skipped kind is not compared: its group is not in the label */
    r->hash = label_hash(r->label);
    return r;
}

static void rec_free(rec *r)
{
    free(r); /* its strings with it */
}

static const char *file_name(const dump *d, unsigned i)
{
    return strcmp(d->files[i], "-") ? d->files[i] : "stdin";
}

/* The object's place: "c.yaml: object 7 (Pod default/web-1)". */
static char *rec_where(const load_ctx *x, const rec *r)
{
    return fmt("%s: object %u (%s)", file_name(x->d, r->file), r->ord, r->label);
}

/* r is the next object given to the loader. */
static void rec_push(load_ctx *x, rec *r)
{
    r->file = x->file;
    r->ord = ++x->ord;
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 1024;
        x->recs = xrealloc(x->recs, x->cap * sizeof *x->recs);
    }
    x->recs[x->n++] = r;
    if (!r->hashed)
        return;
    rec *prev = lt_find(&x->by_label, r);
    if (!prev) {
        lt_add(&x->by_label, r);
        return;
    }
    if (prev->uid && r->uid && !strcmp(prev->uid, r->uid)) { /* the same object twice: the later copy wins */
        prev->replaced = true;
        r->shadowed = prev;
        lt_replace(&x->by_label, r);
        return;
    }
    r->hashed = false;
    if (!x->dup_err) {
        char *a = rec_where(x, r), *b = rec_where(x, prev);
        x->dup_err = fmt("%s: %s is named twice (%s first; %s): a dump holds each object once", a, r->label, b,
                         !prev->uid || !r->uid ? "without uids to tell them apart" : "their uids differ");
        free(a);
        free(b);
    }
}

static void rec_pop(load_ctx *x)
{
    rec *r = x->recs[--x->n];
    if (r->hashed) {
        if (r->shadowed) {
            r->shadowed->replaced = false;
            lt_replace(&x->by_label, r->shadowed);
        } else {
            lt_del(&x->by_label, r);
        }
    }
    if (x->ord)
        x->ord--;
    rec_free(r);
}

static void w_put(void *arg, cJSON *obj)
{
    load_ctx *x = arg;
    rec_push(x, rec_new(obj));
    x->inner.put(x->inner.arg, obj);
}

static void w_undo(void *arg, size_t n)
{
    load_ctx *x = arg;
    for (size_t i = 0; i < n && x->n; i++)
        rec_pop(x);
    x->inner.undo(x->inner.arg, n);
}

typedef struct {
    void *inner;
    rec *r;
} w_prepared;

static void *w_prepare(void *arg, cJSON *obj, size_t k)
{
    load_ctx *x = arg;
    w_prepared *p = xmalloc(sizeof *p);
    p->r = rec_new(obj);
    p->inner = x->inner.prepare(x->inner.arg, obj, k);
    return p;
}

static void w_take(void *arg, void *prepared)
{
    load_ctx *x = arg;
    w_prepared *p = prepared;
    rec_push(x, p->r);
    x->inner.take(x->inner.arg, p->inner);
    free(p);
}

static void w_drop(void *arg, void *prepared)
{
    load_ctx *x = arg;
    w_prepared *p = prepared;
    rec_free(p->r);
    x->inner.drop(x->inner.arg, p->inner);
    free(p);
}

/* "src: document 1: ..." of the k-th value of a cluster-info dump stream
 * becomes "src: document k: ...". */
static void renumber(char **err, const char *src, int k)
{
    char *want = fmt("%s: document 1: ", src);
    if (*err && want && !strncmp(*err, want, strlen(want))) {
        char *s = fmt("%s: document %d: %s", src, k, *err + strlen(want));
        free(*err);
        *err = s;
    }
    free(want);
}

/* A sink that counts what it passes on, so that a read stopped half way
 * can take back all it gave. */
typedef struct {
    const manifest_sink *to;
    size_t given;
} counting;

static void c_put(void *a, cJSON *o)
{
    counting *c = a;
    c->given++;
    c->to->put(c->to->arg, o);
}
static void c_undo(void *a, size_t n)
{
    counting *c = a;
    c->given -= n < c->given ? n : c->given;
    c->to->undo(c->to->arg, n);
}
static void *c_prepare(void *a, cJSON *o, size_t k)
{
    counting *c = a;
    return c->to->prepare(c->to->arg, o, k);
}
static void c_take(void *a, void *p)
{
    counting *c = a;
    c->given++;
    c->to->take(c->to->arg, p);
}
static void c_drop(void *a, void *p)
{
    counting *c = a;
    c->to->drop(c->to->arg, p);
}

/* One file's objects to the sink. A file of several JSON values one after
 * another (what `kubectl cluster-info dump` writes on stdout) is read value
 * by value. */
static int load_text(const char *src, const dtext *t, const manifest_sink *sink, char **err)
{
    const char *e = t->text + t->len, *p = skip_ws(t->text, e), *end;
    /* most often one big List: read so at once, without first walking the
     * whole text for the end of its first value */
    if (p < e && *p == '{' && manifest_list_each(t->text, t->len, sink, t->map && t->map == t->text))
        return 0;
    if (p < e && (*p == '{' || *p == '[') && (end = json_value_end(p, e)) && skip_ws(end, e) < e &&
        (*skip_ws(end, e) == '{' || *skip_ws(end, e) == '[')) {
        int k = 1;
        const char *q = p;
        counting cnt = {sink, 0};
        manifest_sink cs = {c_put, c_undo, &cnt, sink->prepare ? c_prepare : NULL, sink->prepare ? c_take : NULL,
                            sink->prepare ? c_drop : NULL};
        while (q < e) {
            const char *qe = *q == '{' || *q == '[' ? json_value_end(q, e) : NULL;
            if (!qe) /* not JSON: the rest as it is, for its error */
                qe = e;
            if (manifest_parse_each(q, (size_t)(qe - q), src, &cs, err) < 0) {
                renumber(err, src, k);
                if (cnt.given)
                    sink->undo(sink->arg, cnt.given);
                return -1;
            }
            q = skip_ws(qe, e);
            k++;
        }
        return 0;
    }
    if (p < e && *p == '{' && !json_value_end(p, e)) { /* a JSON text cut short reads as broken YAML */
        size_t line = 1;
        for (const char *q = t->text; q < p; q++)
            line += *q == '\n';
        *err = fmt("%s: the JSON value opened on line %zu never ends: the file is cut short or broken", src, line);
        return -1;
    }
    return manifest_parse_each(t->text, t->len, src, sink, err);
}

int dump_parse_text(const char *text, size_t len, const char *source, const manifest_sink *sink, char **err)
{
    dtext t = {.text = (char *)text, .len = len};
    *err = NULL;
    strip_logs(&t);
    int rc = load_text(source, &t, sink, err);
    text_free(&t);
    return rc;
}

double dump_newest_text(const char *text, size_t len)
{
    dtext t = {.text = (char *)text, .len = len};
    strip_logs(&t);
    double v = newest_in(t.text, t.len);
    text_free(&t);
    return v;
}

static void count(cJSON *o, const char *key)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);
    if (c)
        cJSON_SetNumberValue(c, c->valuedouble + 1);
    else
        cJSON_AddNumberToObject(o, key, 1);
}

/* Without --skip-unknown: the kinds not served, with where each is first
 * seen; NULL when every kind is served. */
static char *unknown_kinds(const load_ctx *x)
{
    cJSON *seen = cJSON_CreateObject();
    char *list = NULL;
    for (size_t i = 0; i < x->n; i++) {
        const rec *r = x->recs[i];
        if (r->known)
            continue;
        cJSON *c = cJSON_GetObjectItemCaseSensitive(seen, r->api_kind);
        if (c) {
            cJSON_SetNumberValue(c, c->valuedouble + 1);
            continue;
        }
        cJSON_AddNumberToObject(seen, r->api_kind, 1);
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, seen) {
        const rec *first = NULL;
        for (size_t i = 0; i < x->n && !first; i++)
            if (!x->recs[i]->known && !strcmp(x->recs[i]->api_kind, c->string))
                first = x->recs[i];
        char *where = rec_where(x, first);
        char *s = fmt("%s%s%s ×%d (first: %s)", list ? list : "", list ? ", " : "", c->string, c->valueint, where);
        free(where);
        free(list);
        list = s;
    }
    cJSON_Delete(seen);
    return list;
}

static void ctx_free(load_ctx *x)
{
    free(x->by_label.s);
    for (size_t i = 0; i < x->n; i++)
        rec_free(x->recs[i]);
    free(x->recs);
    free(x->dup_err);
}

/* "object 7: the problem" (the loader's numbering) → "the problem". */
static const char *status_text(const api_result *r)
{
    const char *m = jstr(r->body, "message");
    if (!m)
        return "the load failed";
    if (!strncmp(m, "object ", 7)) {
        const char *p = m + 7;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > m + 7 && p[0] == ':' && p[1] == ' ')
            return p + 2;
    }
    return m;
}

int dump_load(dump *d, cluster *c, char **err)
{
    load_ctx x = {.d = d};
    cluster_loader *l = cluster_loader_new(c);
    cluster_loader_skip_unknown(l, true);
    x.inner = cluster_loader_sink(l);
    manifest_sink sink = {w_put, w_undo, &x, NULL, NULL, NULL};
    if (x.inner.prepare) {
        sink.prepare = w_prepare;
        sink.take = w_take;
        sink.drop = w_drop;
    }
    *err = NULL;
    for (size_t i = 0; i < d->nfiles && !*err; i++) {
        dtext t;
        x.file = (unsigned)i;
        x.ord = 0;
        if (text_read(d, d->files[i], &t, err) < 0)
            break;
        strip_logs(&t);
        if (load_text(file_name(d, (unsigned)i), &t, &sink, err) < 0 && !*err)
            *err = fmt("%s: cannot be read", file_name(d, (unsigned)i));
        text_free(&t);
        if (!*err && x.dup_err) {
            *err = x.dup_err;
            x.dup_err = NULL;
        }
    }
    char *unknown = !*err && !d->o.skip_unknown ? unknown_kinds(&x) : NULL;
    if (unknown) {
        *err = fmt("kinds evictsim does not serve: %s; --skip-unknown skips them", unknown);
        free(unknown);
    }
    if (*err) {
        cluster_loader_discard(l);
        ctx_free(&x);
        return -1;
    }
    api_result res = {0};
    cluster_load_report rep;
    int n = cluster_loader_finish_report(l, &res, &rep);
    if (n < 0) {
        const rec *r = rep.failed_at < x.n ? x.recs[rep.failed_at] : NULL;
        char *where = r ? rec_where(&x, r) : xstrdup("the dump");
        *err = fmt("%s: %s", where, status_text(&res));
        free(where);
    } else {
        cJSON_Delete(d->kinds);
        cJSON_Delete(d->skipped);
        d->kinds = cJSON_CreateObject();
        d->skipped = cJSON_CreateObject();
        d->dups = 0;
        for (size_t i = 0; i < x.n; i++) {
            const rec *r = x.recs[i];
            if (!r->known)
                count(d->skipped, r->api_kind);
            else if (r->replaced)
                d->dups++;
            else
                count(d->kinds, r->kind);
        }
        d->loaded = n - (int)d->dups; /* each object once */
    }
    api_result_clear(&res);
    cJSON_Delete(rep.skipped);
    ctx_free(&x);
    return n;
}

/* ---- the summary ---------------------------------------------------------- */

char *dump_summary(dump *d, cluster *c)
{
    strbuf b = {0};
    strbuf_printf(&b, "loaded %d objects from %zu file%s", d->loaded, d->nfiles, d->nfiles == 1 ? "" : "s");
    const cJSON *k;
    int i = 0;
    cJSON_ArrayForEach(k, d->kinds)
        strbuf_printf(&b, "%s%d %s", i++ ? ", " : ": ", k->valueint, k->string);
    /* pods by phase, nodes, PDBs: as the cluster has them now */
    size_t n;
    store_obj **pods = store_list(c->st, K_POD, NULL, &n);
    cJSON *phases = cJSON_CreateObject();
    size_t terminating = 0;
    for (size_t j = 0; j < n; j++) {
        const char *ph = store_get_str(pods[j], "status.phase");
        count(phases, ph ? ph : "no phase");
        terminating += (pods[j]->hot & STORE_DELETING) != 0;
    }
    free(pods);
    strbuf_printf(&b, "; pods:");
    i = 0;
    cJSON_ArrayForEach(k, phases)
        strbuf_printf(&b, "%s %d %s", i++ ? "," : "", k->valueint, k->string);
    if (!n)
        strbuf_printf(&b, " none");
    if (terminating)
        strbuf_printf(&b, " (%zu terminating)", terminating);
    cJSON_Delete(phases);
    store_obj **nodes = store_list(c->st, K_NODE, NULL, &n);
    size_t cordoned = 0;
    for (size_t j = 0; j < n; j++)
        cordoned += cJSON_IsTrue(store_get_path(nodes[j], "spec.unschedulable"));
    free(nodes);
    strbuf_printf(&b, "; nodes: %zu", n);
    if (cordoned)
        strbuf_printf(&b, " (%zu cordoned)", cordoned);
    store_obj **pdbs = store_list(c->st, K_PDB, NULL, &n);
    strbuf_printf(&b, "; PDBs: %zu", n);
    size_t zero = 0;
    for (size_t j = 0; j < n; j++) {
        const cJSON *a = store_get_path(pdbs[j], "status.disruptionsAllowed");
        zero += !cJSON_IsNumber(a) || a->valuedouble < 1;
    }
    if (n && n <= 6) { /* each with its allowance */
        for (size_t j = 0; j < n; j++) {
            const cJSON *a = store_get_path(pdbs[j], "status.disruptionsAllowed");
            strbuf_printf(&b, "%s%s/%s allows %d", j ? ", " : " (", pdbs[j]->ns, pdbs[j]->name,
                   cJSON_IsNumber(a) ? a->valueint : 0);
        }
        strbuf_printf(&b, ")");
    } else if (n) {
        strbuf_printf(&b, " (%zu allow no disruption now)", zero);
    }
    free(pdbs);
    bool skip = cJSON_GetArraySize(d->skipped) || d->skipped_files;
    if (skip)
        strbuf_printf(&b, "; skipped:");
    i = 0;
    cJSON_ArrayForEach(k, d->skipped)
        strbuf_printf(&b, "%s %d %s", i++ ? "," : "", k->valueint, k->string);
    if (d->skipped_files)
        strbuf_printf(&b, "%s %zu file%s that %s not manifests", i ? "," : "", d->skipped_files,
               d->skipped_files == 1 ? "" : "s", d->skipped_files == 1 ? "is" : "are");
    if (d->dups)
        strbuf_printf(&b, "; %zu object%s given twice with the same uid (the later copy kept)", d->dups,
               d->dups == 1 ? "" : "s");
    return b.s;
}
