/* clock: virtual time, a binary heap of timers, RFC 3339 and duration
 * parsing. Must not know about objects; timers carry opaque callbacks. */
#define _GNU_SOURCE
#include "clock.h"
#include "xalloc.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    double due;
    uint64_t id; /* also the tie-breaker: earlier scheduled fires first */
    timer_fn fn;
    void *ctx;
} timer;

struct sim_clock {
    bool manual;
    double scale;
    double start_virtual;
    double start_mono;
    double now_manual;
    double target;      /* manual: where the advance under way ends (0: none) */
    timer *heap;
    size_t n, cap;
    uint64_t next_id;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

sim_clock *clock_new(bool manual, double start, double scale)
{
    sim_clock *c = xcalloc(1, sizeof *c);
    c->manual = manual;
    c->scale = scale > 0 ? scale : 1;
    c->start_virtual = start;
    c->start_mono = mono();
    c->now_manual = start;
    c->next_id = 1;
    return c;
}

void clock_free(sim_clock *c)
{
    if (c) {
        while (c->n) {
            timer t = c->heap[--c->n];
            t.fn(t.ctx, 0);
        }
        free(c->heap);
        free(c);
    }
}

void clock_set_mode(sim_clock *c, bool manual, double scale)
{
    double now = clock_now(c);
    c->manual = manual;
    c->now_manual = now;
    c->start_virtual = now;
    c->start_mono = mono();
    if (scale > 0)
        c->scale = scale;
}

bool clock_manual(const sim_clock *c) { return c->manual; }
double clock_scale(const sim_clock *c) { return c->manual ? 1 : c->scale; }

double clock_now(const sim_clock *c)
{
    if (c->manual)
        return c->now_manual;
    return c->start_virtual + (mono() - c->start_mono) * c->scale;
}

static bool before(const timer *a, const timer *b)
{
    return a->due < b->due || (a->due == b->due && a->id < b->id);
}

static void swap(timer *a, timer *b)
{
    timer t = *a;
    *a = *b;
    *b = t;
}

static void sift_up(sim_clock *c, size_t i)
{
    while (i > 0 && before(&c->heap[i], &c->heap[(i - 1) / 2])) {
        swap(&c->heap[i], &c->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

static void sift_down(sim_clock *c, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->n && before(&c->heap[l], &c->heap[m]))
            m = l;
        if (r < c->n && before(&c->heap[r], &c->heap[m]))
            m = r;
        if (m == i)
            return;
        swap(&c->heap[i], &c->heap[m]);
        i = m;
    }
}

uint64_t clock_at(sim_clock *c, double due, timer_fn fn, void *ctx)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->heap = xrealloc(c->heap, c->cap * sizeof *c->heap);
    }
    timer t = {due, c->next_id++, fn, ctx};
    c->heap[c->n] = t;
    sift_up(c, c->n++);
    return t.id;
}

static void remove_at(sim_clock *c, size_t i)
{
    c->heap[i] = c->heap[--c->n];
    if (i < c->n) {
        sift_down(c, i);
        sift_up(c, i);
    }
}

void clock_cancel(sim_clock *c, uint64_t id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->heap[i].id == id) {
            timer t = c->heap[i];
            remove_at(c, i);
            t.fn(t.ctx, 0);
            return;
        }
}

static void fire_first(sim_clock *c)
{
    timer t = c->heap[0];
    remove_at(c, 0);
    t.fn(t.ctx, t.id);
}

void clock_advance(sim_clock *c, double secs)
{
    if (!c->manual) {
        clock_run_due(c);
        return;
    }
    double end = c->now_manual + (secs > 0 ? secs : 0);
    double outer = c->target; /* a timer may advance the clock itself */
    c->target = end > outer ? end : outer;
    while (c->n && c->heap[0].due <= end) {
        if (c->heap[0].due > c->now_manual)
            c->now_manual = c->heap[0].due;
        fire_first(c);
    }
    c->now_manual = end;
    c->target = outer;
}

double clock_target(const sim_clock *c)
{
    double now = clock_now(c);
    return c->manual && c->target > now ? c->target : now;
}

int clock_run_due(sim_clock *c)
{
    int fired = 0;
    double now = clock_now(c);
    while (c->n && c->heap[0].due <= now && fired < 100000) {
        fire_first(c);
        fired++;
    }
    return fired;
}

double clock_next_due(const sim_clock *c)
{
    return c->n ? c->heap[0].due : -1;
}

double clock_wall_until_next(const sim_clock *c)
{
    if (!c->n)
        return -1;
    double d = (c->heap[0].due - clock_now(c)) / clock_scale(c);
    return d > 0 ? d : 0;
}

size_t clock_pending(const sim_clock *c)
{
    return c->n;
}

void clock_format(double t, char *buf)
{
    t = t >= CLOCK_MAX + 1 ? CLOCK_MAX : t >= CLOCK_MIN ? t : CLOCK_MIN; /* NaN too: the first */
    time_t s = (time_t)floor(t);
    /* the controllers stamp many objects with the same second: the last
     * one formatted is kept (per thread: loads format on helper threads) */
    static __thread struct { time_t s; char text[24]; bool set; } last;
    if (last.set && last.s == s) {
        memcpy(buf, last.text, 21);
        return;
    }
    struct tm tm;
    gmtime_r(&s, &tm);
    /* four-digit years, as Go writes them (strftime's %Y would not pad):
     * "%04u-%02u-%02uT%02u:%02u:%02uZ" of these, each in range already */
    unsigned f[6] = {(unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
                     (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
                     (unsigned)tm.tm_sec % 100u};
    char *o = buf;
    *o++ = (char)('0' + f[0] / 1000), *o++ = (char)('0' + f[0] / 100 % 10);
    *o++ = (char)('0' + f[0] / 10 % 10), *o++ = (char)('0' + f[0] % 10);
    for (int i = 1; i < 6; i++) {
        *o++ = "--T::"[i - 1];
        *o++ = (char)('0' + f[i] / 10), *o++ = (char)('0' + f[i] % 10);
    }
    *o++ = 'Z';
    *o = 0;
    last.s = s;
    memcpy(last.text, buf, 21);
    last.set = true;
}

int clock_parse(const char *s, double *out)
{
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return -1;
    double frac = 0;
    if (*p == '.') {
        char *end;
        frac = strtod(p, &end);
        p = end;
    }
    long off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    *out = (double)timegm(&tm) - off + frac;
    return 0;
}

int clock_parse_duration(const char *s, double *out)
{
    double total = 0;
    const char *p = s;
    if (!s || !*s)
        return -1;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
        double v = strtod(p, &end);
        if (end == p)
            return -1;
        p = end;
        double mul = 1;
        if (*p == 'h') mul = 3600, p++;
        else if (*p == 'm' && p[1] == 's') mul = 0.001, p += 2;
        else if (*p == 'm') mul = 60, p++;
        else if (*p == 's') p++;
        else if (*p) return -1;
        total += v * mul;
    }
    *out = total;
    return 0;
}
