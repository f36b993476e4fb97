/* eviction: the Eviction subresource, step for step as kube-apiserver's
 * pkg/registry/core/pod/storage/eviction.go of the release answered as
 * (model/version: the 1.35 cause order, fields and gates by release) plus the generic create handler
 * around it (see docs/reference/eviction.md), and the eviction
 * log with its explanations. Runs under the model lock from start to end, so
 * a budget can never be overspent and our own PDB write never conflicts.
 * Must not parse HTTP; writes only through rest_write/rest_delete_object. */
#define _GNU_SOURCE
#include "eviction.h"
#include "xalloc.h"
#include "pod.h"
#include "json.h"
#include "meta.h"
#include "lifecycle.h"
#include "pdbindex.h"
#include "rest.h"
#include "selector.h"
#include "decode.h"
#include "validate.h"
#include "text.h"
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVICT_SCHEME "pkg/api/legacyscheme/scheme.go:30"
#define EVICT_RETRY_AFTER 10

static const char msg_budget[] = "Cannot evict pod as it would violate the pod's disruption budget.";

typedef struct {
    cluster *c;
    const evict_req *rq;
    int minor;         /* the release answered as (kversion.h): its texts and fields */
    double now;
    cJSON *body;       /* the decoded Eviction (owned) */
    const char *other; /* Go type of a policy object that is not an Eviction */
    cJSON *opts;       /* `orig`: the merged DeleteOptions (owned) */
    bool dry;
    bool user_rv;      /* orig.preconditions.resourceVersion was given */
    const char *pdb;   /* the PDB that decided (borrowed from the request's life) */
    struct pdb_numbers {        /* its numbers, read once (pdb_facts) */
        long gen, observed, allowed, cur, des, exp; /* metadata.generation, status.* */
        int ndisrupted;  /* cJSON_GetArraySize(status.disruptedPods) */
        char rule;       /* 'm' spec.minAvailable, 'M' spec.maxUnavailable, 0 neither */
        char rule_type;  /* 'n' number, 's' string, 0 other */
        int rule_int;    /* the number's valueint */
    } pv;
    size_t explen;     /* strlen(expl) */
    bool use_sf;       /* the answer is sf (made a tree or text at the end) */
    status_fields sf;
    /* the buffers last: ctx_init clears what is before them */
    char pdb_buf[256];
    char expl[2048];
    char cause[512];   /* sf's cause message */
} evict_ctx;

/* A context with every field zero and every buffer empty, without
 * clearing the buffers' 2.8 KB on each request. */
static void ctx_init(evict_ctx *x, cluster *c, const evict_req *rq)
{
    memset(x, 0, offsetof(evict_ctx, pdb_buf));
    x->c = c;
    x->rq = rq;
    x->minor = kv_minor(c ? &c->opts.kv : rq->kv);
    x->pdb_buf[0] = x->expl[0] = x->cause[0] = 0;
}

/* ---- explanation ------------------------------------------------------- */

static void ex_add(evict_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ex_add(evict_ctx *x, const char *fmt, ...)
{
    size_t room = sizeof x->expl - x->explen;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(x->expl + x->explen, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        x->explen += (size_t)n < room ? (size_t)n : room - 1;
}

/* ex_add without a format, for the steps every request takes: the same
 * text (cut where ex_add would cut it), without vsnprintf. */
static void ex_puts(evict_ctx *x, const char *s)
{
    size_t n = strlen(s), room = sizeof x->expl - x->explen - 1;
    if (n > room)
        n = room;
    memcpy(x->expl + x->explen, s, n);
    x->explen += n;
    x->expl[x->explen] = 0;
}

/* v in decimal, in buf (24 bytes); returns where it starts. */
static const char *fmt_long(char *buf, long v)
{
    char *p = buf + 24;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    *--p = 0;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    return p;
}

static void ex_long(evict_ctx *x, long v)
{
    char buf[24];
    ex_puts(x, fmt_long(buf, v));
}

/* snprintf(dst, n, "%s", src) without a format: src cut to n - 1 bytes. */
static void copy_cut(char *dst, size_t n, const char *src)
{
    size_t len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = 0;
}

static const char *body_str(const api_result *r, const char *key)
{
    const char *s = cJSON_GetStringValue(jfield(r->body, key));
    return s ? s : "";
}

enum { LOG_TIME, LOG_NS, LOG_POD, LOG_REASON, LOG_MSG, LOG_PDB, LOG_EXPL, LOG_NSTR };

/* clock_format for the log, remembered for the last second asked (the log
 * runs under the model lock). */
static const char *log_time(double now)
{
    static double last = -1;
    static char buf[32];
    double sec = floor(now);
    if (sec != last) {
        clock_format(now, buf);
        last = sec;
    }
    return buf;
}

/* An entry field under a constant key (cJSON then keeps the key as is). */
static void log_put(cJSON *e, const char *key, cJSON *v)
{
    cJSON_AddItemToObjectCS(e, key, v);
}

/* A log entry's strings live in one block that the entry object owns as
 * its valuestring (unused by objects; cJSON_Delete frees it, cJSON_Duplicate
 * copies it, printing ignores it); its fields are references into it.
 * Returns the copy of s in the block at *at. */
static const char *log_str(char **at, const char *s)
{
    const char *start = *at;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    *at += n;
    return start;
}

/* One entry's fields. */
typedef struct {
    const char *s[LOG_NSTR]; /* time, namespace, pod, reason, message, pdb (NULL: null), explanation */
    bool dry;
    int code;
} log_fields;

static cJSON *log_object(const log_fields *f)
{
    size_t n = 0;
    for (int i = 0; i < LOG_NSTR; i++)
        n += f->s[i] ? strlen(f->s[i]) + 1 : 0;
    char *block = xmalloc(n ? n : 1);
    char *at = block;
    cJSON *e = cJSON_CreateObject();
    e->valuestring = block;
    log_put(e, "time", cJSON_CreateStringReference(log_str(&at, f->s[LOG_TIME])));
    log_put(e, "namespace", cJSON_CreateStringReference(log_str(&at, f->s[LOG_NS])));
    log_put(e, "pod", cJSON_CreateStringReference(log_str(&at, f->s[LOG_POD])));
    log_put(e, "dryRun", cJSON_CreateBool(f->dry));
    log_put(e, "code", cJSON_CreateNumber(f->code));
    log_put(e, "reason", cJSON_CreateStringReference(log_str(&at, f->s[LOG_REASON])));
    log_put(e, "message", cJSON_CreateStringReference(log_str(&at, f->s[LOG_MSG])));
    log_put(e, "pdb", f->s[LOG_PDB] ? cJSON_CreateStringReference(log_str(&at, f->s[LOG_PDB])) : cJSON_CreateNull());
    log_put(e, "explanation", cJSON_CreateStringReference(log_str(&at, f->s[LOG_EXPL])));
    return e;
}

/* The same entry as jprint prints log_object(f). */
static void log_text(const log_fields *f, strbuf *b)
{
    static const char *const keys[LOG_NSTR] = {"{\"time\":", ",\"namespace\":", ",\"pod\":", ",\"reason\":",
                                               ",\"message\":", ",\"pdb\":", ",\"explanation\":"};
    for (int i = 0; i < LOG_NSTR; i++) {
        strbuf_puts(b, keys[i]);
        if (i == LOG_PDB && !f->s[i])
            strbuf_putn(b, "null", 4);
        else
            jprint_string(b, f->s[i]);
        if (i == LOG_POD) {
            strbuf_puts(b, f->dry ? ",\"dryRun\":true,\"code\":" : ",\"dryRun\":false,\"code\":");
            jprint_long(b, f->code);
        }
    }
    strbuf_putc(b, '}');
}

/* Entries the server logs are kept as records in one block hung on the
 * log array (its valuestring: arrays do not use it, cJSON_Delete frees it
 * with the array), after the array's entry objects and newer than all of
 * them; they become objects (log_flush) when a caller that reads the
 * array logs. A record: its header, then its strings with their NULs. */
typedef struct {
    uint32_t size; /* of the record, header included, a multiple of 8 */
    int32_t code;
    bool dry, pdb; /* pdb: the entry has one (else its string is empty) */
    uint32_t len[LOG_NSTR];
} log_rec;

typedef struct {
    size_t start, end, cap; /* the records are data[start, end) */
    int count;
    _Alignas(8) char data[];
} log_block;

static log_block *log_block_of(const cJSON *log)
{
    return (log_block *)log->valuestring;
}

static log_fields rec_fields(const log_rec *r)
{
    log_fields f = {.dry = r->dry, .code = r->code};
    const char *p = (const char *)(r + 1);
    for (int i = 0; i < LOG_NSTR; i++) {
        f.s[i] = i == LOG_PDB && !r->pdb ? NULL : p;
        p += r->len[i] + 1;
    }
    return f;
}

/* The entry objects' count, kept in the array's (otherwise unused)
 * valueint and recounted when it may be stale: counting a 10,000-entry
 * list on every eviction would cost more than the eviction. */
static int log_objects(cJSON *log)
{
    if (log->valueint <= 0 || log->valueint > EVICT_LOG_MAX)
        log->valueint = cJSON_GetArraySize(log);
    return log->valueint;
}

static void log_drop_object(cJSON *log)
{
    cJSON_DeleteItemFromArray(log, 0);
    log->valueint--;
}

/* Records become entry objects, in their order. */
static void log_flush(cJSON *log)
{
    log_block *b = log_block_of(log);
    if (!b || !b->count)
        return;
    int n = log_objects(log);
    for (size_t at = b->start; at < b->end;) {
        const log_rec *r = (const log_rec *)(b->data + at);
        log_fields f = rec_fields(r);
        cJSON_AddItemToArray(log, log_object(&f));
        n++;
        at += r->size;
    }
    log->valueint = n;
    b->start = b->end = 0;
    b->count = 0;
}

static void log_add_object(cJSON *log, const log_fields *f)
{
    log_flush(log);
    log_objects(log);
    cJSON_AddItemToArray(log, log_object(f));
    log->valueint++;
    while (log->valueint > EVICT_LOG_MAX && log->child)
        log_drop_object(log);
}

static void log_add_record(cJSON *log, const log_fields *f)
{
    size_t len[LOG_NSTR], size = sizeof(log_rec);
    for (int i = 0; i < LOG_NSTR; i++)
        size += (len[i] = f->s[i] ? strlen(f->s[i]) : 0) + 1;
    size = (size + 7) & ~(size_t)7;
    log_block *b = log_block_of(log);
    int objects = log_objects(log);
    while (objects + (b ? b->count : 0) >= EVICT_LOG_MAX) { /* the oldest go first: objects, then records */
        if (objects) {
            log_drop_object(log);
            objects--;
        } else {
            b->start += ((const log_rec *)(b->data + b->start))->size;
            if (!--b->count)
                b->start = b->end = 0;
            /* the next oldest record, which the next entry drops: written
             * 10,000 entries ago, it is cold, and reading its size stalled
             * every request of a full log on a cache miss */
            __builtin_prefetch(b->data + b->start);
        }
    }
    if (!b || b->end + size > b->cap) {
        size_t live = b ? b->end - b->start : 0, cap = b ? b->cap : 0;
        if (b && b->start) { /* move the records to the front */
            memmove(b->data, b->data + b->start, live);
            b->start = 0, b->end = live;
        }
        /* keep a fifth of the block free: the records are moved to its
         * front each time its end is reached (every few thousand entries
         * of a full log), and no page past 1.25x what the log holds is
         * ever touched, so a full log's memory stays flat */
        if (live + size > cap - cap / 5) {
            cap = (live + size) + (live + size) / 4 + 64 * 1024;
            b = xrealloc(b, sizeof *b + cap);
            if (!log->valuestring)
                b->start = b->end = 0, b->count = 0;
            b->cap = cap;
            log->valuestring = (char *)b;
        }
    }
    log_rec *r = (log_rec *)(b->data + b->end);
    *r = (log_rec){.size = (uint32_t)size, .code = f->code, .dry = f->dry, .pdb = f->s[LOG_PDB] != NULL};
    char *p = (char *)(r + 1);
    for (int i = 0; i < LOG_NSTR; i++) {
        r->len[i] = (uint32_t)len[i];
        if (len[i])
            memcpy(p, f->s[i], len[i]);
        p[len[i]] = 0;
        p += len[i] + 1;
    }
    b->end += size;
    b->count++;
}

/* now: the time the entry is of (the request's). */
static void log_entry(cluster *c, double now, bool as_record, const char *ns, const char *pod, bool dry, int code,
                      const char *reason, const char *msg, const char *pdb, const char *explanation)
{
    log_fields f = {.dry = dry, .code = code};
    f.s[LOG_TIME] = log_time(now);
    f.s[LOG_NS] = ns ? ns : "";
    f.s[LOG_POD] = pod ? pod : "";
    f.s[LOG_REASON] = reason;
    f.s[LOG_MSG] = msg;
    f.s[LOG_PDB] = pdb;
    f.s[LOG_EXPL] = explanation ? explanation : "";
    if (as_record)
        log_add_record(c->evictions, &f);
    else
        log_add_object(c->evictions, &f);
}

void evict_log(cluster *c, const char *ns, const char *pod, bool dry, const api_result *r,
               const char *pdb, const char *explanation)
{
    log_entry(c, cluster_now(c), true, ns, pod, dry, r->code, body_str(r, "reason"), body_str(r, "message"), pdb,
              explanation);
}

void evict_log_print(cluster *c, strbuf *b)
{
    cJSON *log = c->evictions;
    log_block *blk = log_block_of(log);
    bool first = true;
    strbuf_putc(b, '[');
    for (const cJSON *e = log->child; e; e = e->next, first = false) {
        size_t n;
        char *t = jprint_len(e, &n);
        if (!first)
            strbuf_putc(b, ',');
        strbuf_putn(b, t, n);
        free(t);
    }
    for (size_t at = blk ? blk->start : 0; blk && at < blk->end; first = false) {
        const log_rec *r = (const log_rec *)(blk->data + at);
        log_fields f = rec_fields(r);
        if (!first)
            strbuf_putc(b, ',');
        log_text(&f, b);
        at += r->size;
    }
    strbuf_putc(b, ']');
}

void evict_log_objects(cluster *c)
{
    log_flush(c->evictions);
}

/* ---- Status bodies ----------------------------------------------------- */

/* The answer of evict_pod is either a Status tree in out->body or, for the
 * answers given on every request (a refusal by the budget, 201), the
 * Status as fields in x->sf, written as text or a tree when evict_pod
 * ends. out->code and out->retry_after are set either way. */
static void answer_tree(evict_ctx *x, api_result *out, cJSON *st)
{
    x->use_sf = false;
    api_result_status(out, st);
}

static void answer_fields(evict_ctx *x, api_result *out, const status_fields *f)
{
    cJSON_Delete(out->body);
    out->body = NULL;
    out->code = f->code;
    out->retry_after = !f->success && (f->details || f->cause) && f->retry_after > 0 ? f->retry_after : 0;
    x->sf = *f;
    x->use_sf = true;
}

/* The answer's reason and message, for the log. */
static const char *answer_str(const evict_ctx *x, const api_result *r, bool message)
{
    if (!x->use_sf)
        return body_str(r, message ? "message" : "reason");
    const char *s = message ? x->sf.message : x->sf.reason;
    return s ? s : "";
}

/* The 429 of a budget: cause is the DisruptionBudget cause's message (in
 * x->cause). */
static void too_many_requests(evict_ctx *x, api_result *out, int retry_after)
{
    answer_fields(x, out, &(status_fields){.code = 429, .reason = "TooManyRequests", .message = msg_budget,
                                          .details = true, .cause = true, .cause_reason = "DisruptionBudget",
                                          .cause_message = x->cause, .retry_after = retry_after});
}

/* "The disruption budget %s needs %ld healthy pods and has %ld currently",
 * written without a format (every refusal writes it). */
static void budget_429(evict_ctx *x, api_result *out, const char *pdb, long need, long have)
{
    char n1[24], n2[24];
    const char *need_s = fmt_long(n1, need), *have_s = fmt_long(n2, have);
    size_t lp = strlen(pdb), ln = strlen(need_s), lh = strlen(have_s);
    if (lp + ln + lh + 64 > sizeof x->cause) { /* a name no PDB can have: as before, unbounded */
        strbuf b = {0};
        strbuf_printf(&b, "The disruption budget %s needs %s healthy pods and has %s currently", pdb, need_s, have_s);
        answer_tree(x, out, status_fields_tree(&(status_fields){
                                .code = 429, .reason = "TooManyRequests", .message = msg_budget, .details = true,
                                .cause = true, .cause_reason = "DisruptionBudget", .cause_message = b.s}));
        free(b.s);
        return;
    }
    char *o = x->cause;
    memcpy(o, "The disruption budget ", 22), o += 22;
    memcpy(o, pdb, lp), o += lp;
    memcpy(o, " needs ", 7), o += 7;
    memcpy(o, need_s, ln), o += ln;
    memcpy(o, " healthy pods and has ", 22), o += 22;
    memcpy(o, have_s, lh), o += lh;
    memcpy(o, " currently", 11);
    too_many_requests(x, out, 0);
}

/* A 429 whose DisruptionBudget cause is text (any length). */
static void cause_429(evict_ctx *x, api_result *out, const char *text)
{
    if (strlen(text) >= sizeof x->cause) {
        answer_tree(x, out, status_fields_tree(&(status_fields){
                                .code = 429, .reason = "TooManyRequests", .message = msg_budget, .details = true,
                                .cause = true, .cause_reason = "DisruptionBudget", .cause_message = text}));
        return;
    }
    memcpy(x->cause, text, strlen(text) + 1);
    too_many_requests(x, out, 0);
}

static long num_in(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_IsObject(o) ? jfield(o, key) : NULL;
    return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

/* What an eviction reads of a PDB, kept with the PDB (store_set_aux) until
 * its document changes: a refusal then reads one small block instead of
 * walking the PDB's tree. */
typedef struct pdb_facts {
    struct pdb_numbers n;
    /* the first DisruptionAllowed condition's status, message and reason
     * (each as jstr reads it, or NULL), in the block after rule_str */
    const char *cond_status, *cond_message, *cond_reason;
    char rule_str[]; /* the rule when it is a string */
} pdb_facts;

/* s copied to *at (advanced), or NULL for NULL. */
static const char *facts_str(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    *at += n;
    return *at - n;
}

static const pdb_facts *pdb_facts_of(const store_obj *pdb)
{
    if (pdb->aux)
        return pdb->aux;
    const cJSON *doc = store_doc(pdb), *st = jfield(doc, "status");
    if (!cJSON_IsObject(st))
        st = NULL;
    const cJSON *min = jget(doc, "spec.minAvailable"), *max = jget(doc, "spec.maxUnavailable");
    const cJSON *rule = min ? min : max;
    const char *rs = cJSON_IsString(rule) ? rule->valuestring : "";
    const cJSON *cond = lc_condition(doc, "DisruptionAllowed");
    const char *cs = jstr(cond, "status"), *cm = jstr(cond, "message"), *cr = jstr(cond, "reason");
    pdb_facts *f = xmalloc(sizeof *f + strlen(rs) + 1 + (cs ? strlen(cs) + 1 : 0) + (cm ? strlen(cm) + 1 : 0) +
                           (cr ? strlen(cr) + 1 : 0));
    f->n.gen = num_in(jfield(doc, "metadata"), "generation");
    f->n.observed = num_in(st, "observedGeneration");
    f->n.allowed = num_in(st, "disruptionsAllowed");
    f->n.cur = num_in(st, "currentHealthy");
    f->n.des = num_in(st, "desiredHealthy");
    f->n.exp = num_in(st, "expectedPods");
    f->n.ndisrupted = cJSON_GetArraySize(jget(doc, "status.disruptedPods"));
    f->n.rule = min ? 'm' : max ? 'M' : 0;
    f->n.rule_type = cJSON_IsNumber(rule) ? 'n' : cJSON_IsString(rule) ? 's' : 0;
    f->n.rule_int = cJSON_IsNumber(rule) ? rule->valueint : 0;
    char *at = f->rule_str;
    facts_str(&at, rs);
    f->cond_status = facts_str(&at, cs);
    f->cond_message = facts_str(&at, cm);
    f->cond_reason = facts_str(&at, cr);
    store_set_aux(pdb, f);
    return f;
}

/* The refusal of a spent budget. Until 1.34 the cause always names the
 * numbers; from 1.35 (kubernetes/kubernetes#133097, disruptionDeniedMessage)
 * the PDB's DisruptionAllowed condition comes first when it says the sync
 * failed, and explains the refusal when the numbers do not. */
static void budget_refusal(evict_ctx *x, api_result *out, const store_obj *pdb)
{
    if (x->minor < 35) {
        budget_429(x, out, pdb->name, x->pv.des, x->pv.cur);
        return;
    }
    const pdb_facts *pf = pdb_facts_of(pdb); /* the condition, without walking the PDB's tree */
    const char *cs = pf->cond_status, *cm = pf->cond_message, *cr = pf->cond_reason;
    bool false_msg = cs && !strcmp(cs, "False") && cm && *cm;
    strbuf b = {0};
    if (false_msg && cr && !strcmp(cr, "SyncFailed")) {
        strbuf_printf(&b, "The disruption budget %s does not allow evicting pods currently because it failed sync: %s",
                      pdb->name, cm);
        ex_add(x, " (its DisruptionAllowed condition says the sync failed)");
    } else if (x->pv.cur <= x->pv.des) {
        budget_429(x, out, pdb->name, x->pv.des, x->pv.cur);
        return;
    } else if (false_msg) {
        strbuf_printf(&b, "The disruption budget %s does not allow evicting pods currently (%s): %s", pdb->name,
                      cr ? cr : "", cm);
        ex_add(x, " (its DisruptionAllowed condition gives the reason)");
    } else {
        strbuf_printf(&b, "The disruption budget %s does not allow evicting pods currently", pdb->name);
    }
    cause_429(x, out, b.s);
    free(b.s);
}

/* createTooManyRequestsError: "still being processed", Retry-After 10. */
static void gen_429(evict_ctx *x, api_result *out, const char *pdb)
{
    snprintf(x->cause, sizeof x->cause, "The disruption budget %s is still being processed by the server.", pdb);
    too_many_requests(x, out, EVICT_RETRY_AFTER);
}

static cJSON *pdb_forbidden(const char *pdb, const char *why)
{
    cJSON *st = status_failuref(403, "Forbidden", "poddisruptionbudget.policy \"%s\" is forbidden: %s", pdb, why);
    status_details(st, pdb, "policy", "poddisruptionbudget");
    return st;
}

static cJSON *pod_conflict(const char *name, const char *fmt, const char *want, const char *have)
{
    char why[1024];
    snprintf(why, sizeof why, fmt, want, have);
    cJSON *st = status_failuref(409, "Conflict", "Operation cannot be fulfilled on Pod \"%s\": %s", name, why);
    status_details(st, name, NULL, "Pod");
    return st;
}

static bool is_conflict(const api_result *r)
{
    return r->code == 409 && !strcmp(body_str(r, "reason"), "Conflict");
}

/* ---- decoding the Eviction body ---------------------------------------- */


/* The objects a field is read from: the body, then the fields that are
 * objects themselves, each read before its own fields. */
enum { FP_BODY, FP_META, FP_OPTS, FP_PRE, FP_N, FP_NONE = -1 };

typedef struct {
    const char *path;   /* dotted path in the Eviction */
    int parent;         /* FP_*: the object holding it */
    const char *key;    /* its key there */
    int self;           /* FP_* when other fields are read from it, else FP_NONE */
    int type;           /* cJSON type bit */
    const char *go;     /* Go type in the decoder's message */
    const char *st;     /* the innermost Go struct holding it */
} field_type;

/* DeleteOptions' field since 1.32 (kubernetes/kubernetes#127513). */
static const char ignore_store_read[] = "ignoreStoreReadErrorWithClusterBreakingPotential";

static const field_type eviction_fields[] = {
    {"metadata", FP_BODY, "metadata", FP_META, cJSON_Object, "v1.ObjectMeta", "Eviction"},
    {"metadata.name", FP_META, "name", FP_NONE, cJSON_String, "string", "ObjectMeta"},
    {"metadata.namespace", FP_META, "namespace", FP_NONE, cJSON_String, "string", "ObjectMeta"},
    {"deleteOptions", FP_BODY, "deleteOptions", FP_OPTS, cJSON_Object, "v1.DeleteOptions", "Eviction"},
    {"deleteOptions.gracePeriodSeconds", FP_OPTS, "gracePeriodSeconds", FP_NONE, cJSON_Number, "int64",
     "DeleteOptions"},
    {"deleteOptions.preconditions", FP_OPTS, "preconditions", FP_PRE, cJSON_Object, "v1.Preconditions",
     "DeleteOptions"},
    {"deleteOptions.preconditions.uid", FP_PRE, "uid", FP_NONE, cJSON_String, "types.UID", "Preconditions"},
    {"deleteOptions.preconditions.resourceVersion", FP_PRE, "resourceVersion", FP_NONE, cJSON_String, "string",
     "Preconditions"},
    {"deleteOptions.orphanDependents", FP_OPTS, "orphanDependents", FP_NONE, cJSON_True | cJSON_False, "bool",
     "DeleteOptions"},
    {"deleteOptions.propagationPolicy", FP_OPTS, "propagationPolicy", FP_NONE, cJSON_String,
     "v1.DeletionPropagation", "DeleteOptions"},
    {"deleteOptions.dryRun", FP_OPTS, "dryRun", FP_NONE, cJSON_Array, "[]string", "DeleteOptions"},
    {"deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential", FP_OPTS, ignore_store_read, FP_NONE, cJSON_True | cJSON_False, "bool", "DeleteOptions"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static cJSON *decode_error(const char *version, const char *detail)
{
    return status_failuref(400, "BadRequest", "Eviction in version \"%s\" cannot be handled as a Eviction: %s",
                           version, detail);
}

static cJSON *type_error(const char *version, const char *value, const char *st, const char *path,
                         const char *go)
{
    char msg[512];
    snprintf(msg, sizeof msg, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", value, st, path,
             go);
    return decode_error(version, msg);
}

/* The Go decoder's type errors for the fields the handler reads. Each
 * field is jget(body, f->path); its object is looked up once. */
static cJSON *check_field_types(const cJSON *body, const char *version, int minor)
{
    const cJSON *obj[FP_N] = {body}, *dry = NULL;
    for (const field_type *f = eviction_fields; f->path; f++) {
        if (minor < 32 && f->key == ignore_store_read) /* unknown before 1.32: dropped unread */
            continue;
        const cJSON *p = obj[f->parent];
        const cJSON *v = cJSON_IsObject(p) ? jfield(p, f->key) : NULL;
        if (f->self != FP_NONE)
            obj[f->self] = v;
        if (f->type == cJSON_Array)
            dry = v;
        if (v && !cJSON_IsNull(v) && !(v->type & f->type))
            return type_error(version, go_json_type(v), f->st, f->path, f->go);
        char lit[80];
        if (v && f->type == cJSON_Number && !decode_int64(v, lit, sizeof lit))
            return type_error(version, lit, f->st, f->path, f->go);
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, dry) /* deleteOptions.dryRun */
        if (!cJSON_IsString(d) && !cJSON_IsNull(d)) /* null decodes to "" */
            return type_error(version, go_json_type(d), "DeleteOptions", "deleteOptions.dryRun", "string");
    return NULL;
}

/* apiVersion/kind as the decoder sees them (missing parts default to
 * policy/v1 Eviction). Sets x->other for a policy object of another kind. */
static cJSON *check_gvk(evict_ctx *x, char *version, size_t vlen)
{
    const char *av = jstr(x->body, "apiVersion"), *kind = jstr(x->body, "kind");
    if (!av || !*av)
        av = "policy/v1";
    if (!kind || !*kind)
        kind = "Eviction";
    const char *slash = strchr(av, '/');
    copy_cut(version, vlen, slash ? slash + 1 : av);
    bool policy = !strcmp(av, "policy/v1") || !strcmp(av, "policy/v1beta1");
    if (policy && !strcmp(kind, "Eviction"))
        return NULL;
    if (policy && !strcmp(kind, "PodDisruptionBudget")) {
        x->other = "*policy.PodDisruptionBudget";
        return NULL;
    }
    if (!policy && kind_by_kind(av, kind))
        return status_failuref(400, "BadRequest",
                               "the API version in the data (%s) does not match the expected API version (policy/v1)", av);
    return status_failuref(400, "BadRequest",
                           "%s in version \"%s\" cannot be handled as a Eviction: no kind \"%s\" is registered for version \"%s\" in scheme \"%s\"",
                           kind, version, kind, av, EVICT_SCHEME);
}

/* Decode (400s); fills x->body. */
static cJSON *evict_decode(evict_ctx *x)
{
    cJSON *st = NULL;
    bool typed = x->rq->tree != NULL;
    x->body = typed ? x->rq->tree : rest_decode_body(x->rq->body_type, x->rq->body, x->rq->body_len, &st);
    if (!x->body)
        return st;
    if (!cJSON_IsObject(x->body))
        return status_failuref(400, "BadRequest", "couldn't get version/kind; json parse error: json: cannot "
                               "unmarshal %s into Go value of type struct { APIVersion string "
                               "\"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }",
                               go_json_type(x->body));
    const cJSON *av = jget(x->body, "apiVersion"), *k = jget(x->body, "kind");
    if ((av && !cJSON_IsNull(av) && !cJSON_IsString(av)) || (k && !cJSON_IsNull(k) && !cJSON_IsString(k)))
        return status_bad_request("couldn't get version/kind; json parse error: apiVersion and kind must be strings");
    char version[64];
    if ((st = check_gvk(x, version, sizeof version)))
        return st;
    return x->other || typed ? NULL : check_field_types(x->body, version, x->minor);
}

/* create.go EnsureObjectNamespaceMatchesRequestNamespace. */
static cJSON *check_namespace(evict_ctx *x)
{
    const char *ns = jstr(x->body, "metadata.namespace");
    if (ns && *ns && strcmp(ns, x->rq->ns))
        return status_bad_request("the namespace of the provided object does not match the namespace sent on the request");
    return NULL;
}

/* ---- Create: basic checks and the dry-run merge ------------------------- */

static cJSON *check_ignore_store_read(evict_ctx *x)
{
    if (x->minor < 32 || !cJSON_IsTrue(jget(x->body, "deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential")))
        return NULL;
    cJSON *causes = cJSON_CreateArray();
    cause_invalid(causes, "deleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential", "true",
                  "can not be set for pod eviction, try after removing the option");
    return status_invalid("Eviction", "policy", x->rq->name, causes);
}

/* Go's %v of a []string: [a b]. */
static void go_slice(const cJSON *arr, char *buf, size_t n)
{
    size_t len = snprintf(buf, n, "[");
    const cJSON *d;
    cJSON_ArrayForEach(d, arr) {
        if (len < n)
            len += snprintf(buf + len, n - len, "%s%s", d != arr->child ? " " : "", d->valuestring);
    }
    if (len < n)
        snprintf(buf + len, n - len, "]");
}

/* propagateDryRun: the query's dryRun (only ever [All]) merged into the body's. */
static cJSON *merge_dry_run(evict_ctx *x, bool qdry)
{
    const cJSON *bo = jget(x->body, "deleteOptions");
    x->opts = cJSON_IsObject(bo) ? cJSON_Duplicate(bo, true) : cJSON_CreateObject();
    cJSON *bdry = jget(x->opts, "dryRun");
    for (int i = 0; i < cJSON_GetArraySize(bdry); i++)
        if (cJSON_IsNull(cJSON_GetArrayItem(bdry, i)))
            cJSON_ReplaceItemInArray(bdry, i, cJSON_CreateString(""));
    if (qdry && cJSON_GetArraySize(bdry) > 0) {
        const cJSON *first = cJSON_GetArrayItem(bdry, 0);
        if (cJSON_GetArraySize(bdry) != 1 || strcmp(first->valuestring, "All")) {
            char body[512];
            go_slice(bdry, body, sizeof body);
            return status_failuref(500, NULL, "Non-matching dry-run options in request and content: [All] and %s", body);
        }
    } else if (qdry) {
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, cJSON_CreateString("All"));
        jset(x->opts, "dryRun", arr);
    }
    x->dry = cJSON_GetArraySize(jget(x->opts, "dryRun")) > 0;
    x->user_rv = cJSON_IsString(jget(x->opts, "preconditions.resourceVersion"));
    return NULL;
}

/* Everything before the pod is read, in upstream's order: CreateOptions,
 * decoding, namespace match, namespace admission, then Create's own checks. */
static void predecode(const evict_req *rq, evict_pre *pre, int minor)
{
    evict_ctx x;
    ctx_init(&x, NULL, rq);
    x.minor = minor;
    memset(pre, 0, sizeof *pre);
    pre->done = true;
    if (!(pre->st = rest_check_dry_run(rq->dry_run_query, "CreateOptions", &pre->qdry)) &&
        !(pre->st = evict_decode(&x)))
        pre->st = check_namespace(&x);
    if (rq->tree && x.body != rq->tree) /* refused before the body was read */
        cJSON_Delete(rq->tree);
    pre->body = x.body;
    pre->other = x.other;
}

void evict_predecode(const evict_req *rq, evict_pre *pre)
{
    predecode(rq, pre, kv_minor(rq->kv));
}

void evict_pre_clear(evict_pre *pre)
{
    cJSON_Delete(pre->st);
    cJSON_Delete(pre->body);
    memset(pre, 0, sizeof *pre);
}

static cJSON *evict_preflight(evict_ctx *x)
{
    evict_pre own, *pre = x->rq->pre;
    if (!pre || !pre->done)
        predecode(x->rq, pre = &own, x->minor);
    bool qdry = pre->qdry;
    cJSON *st = pre->st;
    x->body = pre->body; /* taken */
    x->other = pre->other;
    pre->st = pre->body = NULL;
    if (st)
        return st;
    if ((st = rest_namespace_admission(x->c, K_POD, x->rq->ns, x->rq->name)))
        return st;
    if (x->other)
        return status_failuref(400, "BadRequest", "not a Eviction object: %s", x->other);
    const char *name = jstr(x->body, "metadata.name");
    if (!name || strcmp(name, x->rq->name))
        return status_bad_request("name in URL does not match name in Eviction object");
    if ((st = check_ignore_store_read(x)))
        return st;
    return merge_dry_run(x, qdry);
}

/* ---- pod predicates ----------------------------------------------------- */

/* From the bits the store keeps: a refusal never builds the pod's tree. */
static bool can_ignore_pdb(const store_obj *pod)
{
    return pod->hot & (STORE_ENDED | STORE_PENDING | STORE_DELETING);
}

/* ---- DisruptionTarget and delete (addConditionAndDeletePod) ------------- */

static cJSON *disruption_target(double now, const cJSON *keep_time)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "DisruptionTarget");
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddNullToObject(c, "lastProbeTime");
    if (keep_time)
        cJSON_AddItemToObject(c, "lastTransitionTime", cJSON_Duplicate(keep_time, true));
    else
        meta_set_time(c, "lastTransitionTime", now);
    cJSON_AddStringToObject(c, "reason", "EvictionByEvictionAPI");
    cJSON_AddStringToObject(c, "message", "Eviction API: evicting");
    return c;
}

/* status.conditions (made an array when it is not one); *old: its
 * condition of that type (NULL when none), at *index (else the array's
 * length). */
static cJSON *conditions_of(cJSON *status, const char *type, cJSON **old, int *index)
{
    cJSON *conds = cJSON_GetObjectItem(status, "conditions");
    if (!cJSON_IsArray(conds)) {
        conds = cJSON_CreateArray();
        jset(status, "conditions", conds);
    }
    *index = 0;
    cJSON *c;
    cJSON_ArrayForEach(c, conds) {
        const char *t = jstr(c, "type");
        if (t && !strcmp(t, type))
            break;
        (*index)++;
    }
    *old = c;
    return conds;
}

/* podutil.UpdatePodCondition on a copy of the pod; NULL when nothing changes
 * (the storage layer then skips the write). */
static cJSON *pod_with_target(store_obj *pod, double now)
{
    cJSON *doc = rest_edit_begin(pod, "status"); /* only the status changes */
    cJSON *old;
    int i;
    cJSON *conds = conditions_of(jobj(doc, "status"), "DisruptionTarget", &old, &i);
    if (!old) {
        cJSON_AddItemToArray(conds, disruption_target(now, NULL));
        return doc;
    }
    if (!cJSON_GetObjectItem(old, "lastProbeTime")) /* a zero time reads back as null */
        cJSON_AddNullToObject(old, "lastProbeTime");
    const char *s = jstr(old, "status");
    const cJSON *ltt = cJSON_GetObjectItem(old, "lastTransitionTime");
    cJSON *null_time = cJSON_CreateNull();
    cJSON *c = disruption_target(now, s && !strcmp(s, "True") ? (ltt ? ltt : null_time) : NULL);
    cJSON_Delete(null_time);
    if (jequal(old, c)) {
        cJSON_Delete(c);
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON_ReplaceItemInArray(conds, i, c);
    return doc;
}

/* The status write's own precondition checks (getLatestPod). */
static cJSON *check_preconditions(const store_obj *pod, const cJSON *opts)
{
    const char *uid = jstr(opts, "preconditions.uid"), *rv = jstr(opts, "preconditions.resourceVersion");
    const char *cur_uid = jstr(store_doc(pod), "metadata.uid"), *cur_rv = jstr(store_doc(pod), "metadata.resourceVersion");
    if (uid && *uid && strcmp(uid, cur_uid ? cur_uid : ""))
        return pod_conflict(pod->name, "the UID in the precondition (%s) does not match the UID in record (%s). "
                            "The object might have been deleted and then recreated", uid, cur_uid ? cur_uid : "");
    if (rv && *rv && strcmp(rv, cur_rv ? cur_rv : ""))
        return pod_conflict(pod->name, "the ResourceVersion in the precondition (%s) does not match the "
                            "ResourceVersion in record (%s). The object might have been modified", rv, cur_rv ? cur_rv : "");
    return NULL;
}

/* Write DisruptionTarget (not in dry run); an RV precondition then follows
 * the RV of our own write. Returns a Status on failure. */
static cJSON *add_disruption_target(evict_ctx *x, cJSON *opts)
{
    store_obj *pod = store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    if (!pod)
        return status_not_found(K_POD, x->rq->name);
    cJSON *st = check_preconditions(pod, opts);
    if (st)
        return st;
    cJSON *doc = pod_with_target(pod, x->now);
    if (doc)
        rest_edit_write(x->c, pod, doc, "status", NULL, 0);
    pod = store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    if (pod && cJSON_IsString(jget(opts, "preconditions.resourceVersion")))
        jset_str(jobj(opts, "preconditions"), "resourceVersion", jstr(store_doc(pod), "metadata.resourceVersion"));
    return NULL;
}

static void note_outcome(evict_ctx *x)
{
    if (x->dry) {
        ex_puts(x, " → would be deleted (dry run: nothing written)");
        return;
    }
    store_obj *pod = store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    if (!pod)
        ex_puts(x, " → deleted");
    else if (cJSON_GetArraySize(jget(store_doc(pod), "metadata.finalizers")) > 0 &&
             jnum(store_doc(pod), "metadata.deletionGracePeriodSeconds", 0) == 0)
        ex_puts(x, " → marked for deletion (finalizers hold it)");
    else
        ex_add(x, " → terminating (grace %lds)", (long)jnum(store_doc(pod), "metadata.deletionGracePeriodSeconds", 0));
}

/* addConditionAndDeletePod: fills out; opts is taken. pod is the pod as
 * the handler read it (a dry run writes nothing before this: still the
 * pod; else it is read again after the DisruptionTarget write). */
static void condition_and_delete(evict_ctx *x, store_obj *pod, cJSON *opts, api_result *out)
{
    /* DisruptionTarget behind PodDisruptionConditions until 1.33, which took the check out */
    bool target = !x->dry && kv_pod_disruption_conditions(&x->c->opts.kv);
    cJSON *st = target ? add_disruption_target(x, opts) : NULL;
    if (st)
        pod = NULL;
    else if (target)
        pod = store_get(x->c->st, K_POD, x->rq->ns, x->rq->name);
    cJSON *causes = cJSON_CreateArray();
    if (!st && !pod)
        st = status_not_found(K_POD, x->rq->name);
    else if (!st && validate_delete_options(opts, causes))
        st = status_invalid("DeleteOptions", "meta.k8s.io", "", causes), causes = NULL;
    cJSON_Delete(causes);
    if (st) {
        answer_tree(x, out, st);
    } else {
        api_result r = {0};
        rest_delete_object_code(x->c, pod, opts, x->dry, &r);
        if (r.code >= 200 && r.code < 300) {
            api_result_clear(&r);
            answer_fields(x, out, &(status_fields){.code = 201, .success = true});
            note_outcome(x);
        } else {
            x->use_sf = false;
            api_result_clear(out);
            *out = r;
        }
    }
    if (out->code != 201)
        ex_add(x, " → the delete failed: %s", body_str(out, "message"));
    cJSON_Delete(opts);
}

/* x->opts, taken: nothing reads it after the delete. */
static cJSON *take_opts(evict_ctx *x)
{
    cJSON *o = x->opts;
    x->opts = NULL;
    return o;
}

/* Copy of orig with preconditions.resourceVersion = rv. */
static cJSON *opts_with_rv(const cJSON *orig, const char *rv)
{
    cJSON *o = cJSON_Duplicate(orig, true);
    jset_str(jobj(o, "preconditions"), "resourceVersion", rv ? rv : "");
    return o;
}

/* ---- Loop A: pods that bypass PDBs -------------------------------------- */

static void evict_bypass(evict_ctx *x, store_obj *pod, api_result *out)
{
    const char *phase = jstr(store_doc(pod), "status.phase");
    if (pod_terminating(store_doc(pod)))
        ex_add(x, "pod is terminating (deletionTimestamp set): PDBs are not checked");
    else
        ex_add(x, "pod is %s: PDBs are not checked", phase);
    bool enforce_rv = !pod_terminal(store_doc(pod)) && !pod_terminating(store_doc(pod));
    cJSON *opts = enforce_rv && !x->user_rv ? opts_with_rv(x->opts, jstr(store_doc(pod), "metadata.resourceVersion"))
                                            : take_opts(x);
    /* Upstream retries conflicts here (20 × 500ms) unless the user gave an
     * RV. Under the one model lock nothing changes between attempts, so a
     * retry would read the same pod and get the same answer: the last 409. */
    condition_and_delete(x, pod, opts, out);
}

/* ---- Section B: the PDB ------------------------------------------------- */

/* PDBs in the pod's namespace whose selector matches the pod's labels
 * (null matches nothing, {} everything, invalid is skipped), by name. */
static store_obj **matching_pdbs(evict_ctx *x, const store_obj *pod, size_t *nmatch)
{
    return pdbindex_pdbs_for(pdbindex_get(x->c->st), pod, nmatch);
}



static int cmp_obj_name(const void *a, const void *b)
{
    return strcmp((*(store_obj *const *)a)->name, (*(store_obj *const *)b)->name);
}

/* The PDB's pods that may not be healthy, by name: its unhealthy pods (from
 * the index) and its pods named in status.disruptedPods. */
static store_obj **unhealthy_candidates(evict_ctx *x, const store_obj *pdb, size_t *n)
{
    pdbindex *ix = pdbindex_get(x->c->st);
    store_obj **bad = pdbindex_unhealthy_of(ix, pdb, n);
    const cJSON *disrupted = x->pv.ndisrupted ? jget(store_doc(pdb), "status.disruptedPods") : NULL, *d;
    if (!cJSON_IsObject(disrupted))
        disrupted = NULL;
    size_t cap = *n + (size_t)cJSON_GetArraySize(disrupted);
    store_obj **out = xrealloc(bad, (cap ? cap : 1) * sizeof *out);
    cJSON_ArrayForEach(d, disrupted) {
        store_obj *pod = d->string ? store_get(x->c->st, K_POD, pdb->ns, d->string) : NULL;
        bool seen = false;
        for (size_t i = 0; pod && i < *n && !seen; i++)
            seen = out[i] == pod;
        if (pod && !seen && pdbindex_selects(ix, pdb, pod))
            out[(*n)++] = pod;
    }
    qsort(out, *n, sizeof *out, cmp_obj_name);
    return out;
}

/* Names the PDB's pods that are not healthy (for the explanation only). */
static void ex_unhealthy(evict_ctx *x, const store_obj *pdb)
{
    if (!x->pv.ndisrupted && !pdbindex_unhealthy_count(pdbindex_get(x->c->st), pdb))
        return; /* no pod to name (the usual refusal): no list to make */
    size_t n, shown = 0, more = 0;
    store_obj **pods = unhealthy_candidates(x, pdb, &n);
    const cJSON *disrupted = n ? jget(store_doc(pdb), "status.disruptedPods") : NULL;
    for (size_t i = 0; i < n; i++) {
        const cJSON *d = store_doc(pods[i]);
        const char *why = pod_terminating(d) ? "terminating"
                        : !pod_ready(d) ? "not ready"
                        : cJSON_GetObjectItem(disrupted, pods[i]->name) ? "being evicted" : NULL;
        if (why && shown < 5)
            ex_add(x, "%s%s %s", shown++ ? ", " : " (", pods[i]->name, why);
        else if (why)
            more++;
    }
    if (more)
        ex_add(x, ", %zu more", more);
    if (shown)
        ex_add(x, ")");
    free(pods);
}

/* "PDB web: minAvailable 2 of 3 expected; 2 healthy (web-1 not ready); desired 2" */
static void ex_pdb_numbers(evict_ctx *x, const store_obj *pdb, bool name_unhealthy)
{
    const struct pdb_numbers *f = &x->pv;
    ex_puts(x, "PDB ");
    ex_puts(x, pdb->name);
    ex_puts(x, ": ");
    if (f->rule_type) {
        ex_puts(x, f->rule == 'm' ? "minAvailable " : "maxUnavailable ");
        if (f->rule_type == 'n')
            ex_long(x, f->rule_int);
        else
            ex_puts(x, pdb_facts_of(pdb)->rule_str);
        ex_puts(x, " of ");
    }
    ex_long(x, f->exp);
    ex_puts(x, " expected; ");
    ex_long(x, f->cur);
    ex_puts(x, " healthy");
    if (name_unhealthy)
        ex_unhealthy(x, pdb);
    ex_puts(x, "; desired ");
    ex_long(x, f->des);
}

/* meta.SetStatusCondition(DisruptionAllowed=False/InsufficientPods), in
 * metav1.Condition's field order. */
static void set_insufficient_pods(cJSON *status, long observed, double now)
{
    cJSON *old;
    int i;
    cJSON *conds = conditions_of(status, "DisruptionAllowed", &old, &i);
    const char *s = jstr(old, "status");
    const cJSON *ltt = cJSON_GetObjectItem(old, "lastTransitionTime");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "DisruptionAllowed");
    cJSON_AddStringToObject(c, "status", "False");
    if (observed)
        cJSON_AddNumberToObject(c, "observedGeneration", observed);
    if (old && s && !strcmp(s, "False")) /* unchanged status keeps its time (zero → null) */
        cJSON_AddItemToObject(c, "lastTransitionTime", ltt ? cJSON_Duplicate(ltt, true) : cJSON_CreateNull());
    else
        meta_set_time(c, "lastTransitionTime", now);
    cJSON_AddStringToObject(c, "reason", "InsufficientPods");
    cJSON_AddStringToObject(c, "message", "");
    if (old)
        cJSON_ReplaceItemInArray(conds, i, c);
    else
        cJSON_AddItemToArray(conds, c);
}

/* checkAndDecrement; false when the budget allows (and is spent unless
 * dry), else the refusal is in out. */
static bool check_and_decrement(evict_ctx *x, store_obj *pdb, api_result *out)
{
    long gen = x->pv.gen, observed = x->pv.observed, allowed = x->pv.allowed;
    int ndisrupted = x->pv.ndisrupted;
    if (observed < gen) {
        ex_add(x, "PDB %s: its status is for generation %ld but the PDB is at generation %ld (not yet processed "
                  "by the disruption controller) → refused, retry after %ds", pdb->name, observed, gen, EVICT_RETRY_AFTER);
        gen_429(x, out, pdb->name);
        return true;
    }
    if (allowed < 0) {
        ex_add(x, "PDB %s: disruptionsAllowed is %ld (negative) → forbidden", pdb->name, allowed);
        answer_tree(x, out, pdb_forbidden(pdb->name, "pdb disruptions allowed is negative"));
        return true;
    }
    if (ndisrupted > EVICT_MAX_DISRUPTED_PODS) {
        ex_add(x, "PDB %s: %d evictions not yet confirmed by the disruption controller (more than %d) → forbidden",
               pdb->name, ndisrupted, EVICT_MAX_DISRUPTED_PODS);
        answer_tree(x, out, pdb_forbidden(pdb->name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller"));
        return true;
    }
    if (allowed == 0) {
        ex_pdb_numbers(x, pdb, true);
        ex_puts(x, " → 0 disruptions allowed → refused");
        budget_refusal(x, out, pdb);
        return true;
    }
    ex_pdb_numbers(x, pdb, false);
    ex_puts(x, " → ");
    ex_long(x, allowed);
    ex_puts(x, allowed == 1 ? " disruption allowed → allowed (" : " disruptions allowed → allowed (");
    ex_long(x, allowed);
    ex_puts(x, " → ");
    ex_long(x, allowed - 1);
    ex_puts(x, ")");
    if (x->dry) /* the decrement stays in memory: nothing is written */
        return false;
    cJSON *doc = rest_edit_begin(pdb, "status"); /* only the status changes */
    cJSON *status = jobj(doc, "status");
    jset_num(status, "disruptionsAllowed", allowed - 1);
    if (allowed - 1 == 0)
        set_insufficient_pods(status, observed, x->now);
    meta_set_time(jobj(status, "disruptedPods"), x->rq->name, x->now);
    rest_edit_write(x->c, pdb, doc, "status", NULL, 0);
    return false;
}

/* The unready-pod rules: true when the pod may go without using the budget. */
static bool unready_bypass(evict_ctx *x, const store_obj *pdb, const store_obj *pod)
{
    if (pod->hot & STORE_READY) /* pod_ready, kept by the store */
        return false;
    /* read only while PDBUnhealthyPodEvictionPolicy is on (a gate until 1.32) */
    const char *policy = x->minor >= 33 || kv_gate_on(&x->c->opts.kv, G_PDB_UNHEALTHY_POD_EVICTION_POLICY)
                             ? jstr(store_doc(pdb), "spec.unhealthyPodEvictionPolicy") : NULL;
    long cur = x->pv.cur, desired = x->pv.des;
    if (policy && !strcmp(policy, "AlwaysAllow")) {
        ex_add(x, "PDB %s: pod not ready and unhealthyPodEvictionPolicy is AlwaysAllow → budget not checked", pdb->name);
        return true;
    }
    if (cur >= desired && desired > 0) {
        ex_add(x, "PDB %s: pod not ready and the budget is met without it (%ld healthy ≥ desired %ld > 0) → "
                  "allowed without using the budget", pdb->name, cur, desired);
        return true;
    }
    return false;
}

static void evict_with_pdbs(evict_ctx *x, store_obj *pod, api_result *out)
{
    size_t n;
    store_obj **pdbs = matching_pdbs(x, pod, &n);
    store_obj *pdb = n == 1 ? pdbs[0] : NULL;
    bool update_opts = false, refused = false;
    cJSON *st = NULL;
    if (n > 1) {
        ex_add(x, "%zu PDBs select this pod (", n);
        for (size_t i = 0; i < n; i++)
            ex_add(x, "%s%s", i ? ", " : "", pdbs[i]->name);
        ex_add(x, "); the eviction API supports only one → error");
        st = status_failure(500, NULL, "This pod has more than one PodDisruptionBudget, which the eviction "
                                       "subresource does not support.");
    } else if (!pdb) {
        ex_puts(x, "no PodDisruptionBudget covers this pod");
    } else {
        copy_cut(x->pdb_buf, sizeof x->pdb_buf, pdb->name);
        x->pdb = x->pdb_buf;
        x->pv = pdb_facts_of(pdb)->n; /* a copy: the PDB may be written below */
        update_opts = unready_bypass(x, pdb, pod);
        if (!update_opts)
            refused = check_and_decrement(x, pdb, out);
    }
    free(pdbs);
    if (st)
        answer_tree(x, out, st);
    if (st || refused)
        return;
    cJSON *opts = update_opts ? opts_with_rv(x->opts, jstr(store_doc(pod), "metadata.resourceVersion"))
                              : take_opts(x);
    condition_and_delete(x, pod, opts, out);
    if (is_conflict(out) && update_opts && !x->user_rv) {
        ex_add(x, " → answered as \"still being processed\"");
        gen_429(x, out, x->pdb);
    }
}

/* ---- the handler -------------------------------------------------------- */

static bool requested_dry(const evict_ctx *x)
{
    const char *q = x->rq->dry_run_query;
    return x->dry || (q && *q) || cJSON_GetArraySize(jget(x->body, "deleteOptions.dryRun")) > 0;
}

void evict_pod(cluster *c, const evict_req *rq, api_result *out)
{
    evict_ctx x;
    ctx_init(&x, c, rq);
    x.now = cluster_now(c);
    if (rq->via)
        ex_puts(&x, rq->via);
    cJSON *st = evict_preflight(&x);
    store_obj *pod = st ? NULL : store_get(c->st, K_POD, rq->ns, rq->name);
    if (!st && !pod) {
        st = status_not_found(K_POD, rq->name);
        ex_add(&x, "pod %s does not exist → not found", rq->name);
    } else if (st) {
        ex_add(&x, "the request itself was rejected (checked before the pod and its PDBs)");
    }
    if (st)
        answer_tree(&x, out, st);
    else if (can_ignore_pdb(pod))
        evict_bypass(&x, pod, out);
    else
        evict_with_pdbs(&x, pod, out);
    /* the time the request was decided at: the clock is not read again */
    log_entry(c, x.now, rq->text, rq->ns, rq->name, requested_dry(&x), out->code, answer_str(&x, out, false),
              answer_str(&x, out, true), x.pdb, x.expl);
    if (x.use_sf)
        api_result_fields(out, &x.sf, rq->text);
    cJSON_Delete(x.body);
    cJSON_Delete(x.opts);
}
