/* Unit tests of model/clock: timer ordering, manual advance across several
 * timers (each fires at its own time), cancel, RFC 3339 and durations. */
#define _GNU_SOURCE
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"

typedef struct {
    sim_clock *c;
    char log[512];
    int discarded;
} rec;

typedef struct {
    rec *r;
    const char *name;
    double reschedule; /* > 0: add another timer this far ahead when fired */
} tctx;

static void fire(void *ctx, uint64_t id)
{
    tctx *t = ctx;
    if (!id) {
        t->r->discarded++;
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%s@%g ", t->name, clock_now(t->r->c) - 1000);
    strcat(t->r->log, buf);
    if (t->reschedule > 0) {
        static tctx again = {NULL, "again", 0};
        again.r = t->r;
        clock_at(t->r->c, clock_now(t->r->c) + t->reschedule, fire, &again);
    }
}

START_TEST(manual_advance_fires_in_order_at_their_own_time)
{
    rec r = {0};
    r.c = clock_new(true, 1000, 1);
    tctx a = {&r, "a", 0}, b = {&r, "b", 0}, c = {&r, "c", 0}, late = {&r, "late", 0};
    clock_at(r.c, 1030, fire, &c);
    clock_at(r.c, 1010, fire, &a);
    clock_at(r.c, 1020, fire, &b);
    clock_at(r.c, 1100, fire, &late);
    clock_advance(r.c, 50);
    ck_assert_str_eq(r.log, "a@10 b@20 c@30 ");
    ck_assert_double_eq(clock_now(r.c), 1050);
    ck_assert_uint_eq(clock_pending(r.c), 1);
    ck_assert_double_eq(clock_next_due(r.c), 1100);
    clock_free(r.c);
    ck_assert_int_eq(r.discarded, 1); /* `late` discarded with id 0 */
}
END_TEST

START_TEST(same_time_fires_in_scheduling_order)
{
    rec r = {0};
    r.c = clock_new(true, 1000, 1);
    tctx x = {&r, "x", 0}, y = {&r, "y", 0}, z = {&r, "z", 0};
    clock_at(r.c, 1005, fire, &x);
    clock_at(r.c, 1005, fire, &y);
    clock_at(r.c, 1005, fire, &z);
    clock_advance(r.c, 5);
    ck_assert_str_eq(r.log, "x@5 y@5 z@5 ");
    clock_free(r.c);
}
END_TEST

START_TEST(timers_added_while_firing_run_in_the_same_advance)
{
    rec r = {0};
    r.c = clock_new(true, 1000, 1);
    tctx a = {&r, "a", 7};
    clock_at(r.c, 1003, fire, &a);
    clock_advance(r.c, 10);
    ck_assert_str_eq(r.log, "a@3 again@10 ");
    clock_free(r.c);
}
END_TEST

START_TEST(cancel_discards_and_zero_advance_fires_what_is_due)
{
    rec r = {0};
    r.c = clock_new(true, 1000, 1);
    tctx a = {&r, "a", 0}, b = {&r, "b", 0};
    uint64_t id = clock_at(r.c, 1001, fire, &a);
    clock_at(r.c, 1000, fire, &b);
    clock_cancel(r.c, id);
    ck_assert_int_eq(r.discarded, 1);
    clock_advance(r.c, 0);
    ck_assert_str_eq(r.log, "b@0 ");
    clock_advance(r.c, -5); /* negative: no movement */
    ck_assert_double_eq(clock_now(r.c), 1000);
    clock_free(r.c);
}
END_TEST

START_TEST(real_clock_runs_at_scale)
{
    sim_clock *c = clock_new(false, 5000, 1000);
    ck_assert(!clock_manual(c));
    ck_assert_double_eq(clock_scale(c), 1000);
    double t0 = clock_now(c);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    ck_assert(clock_now(c) - t0 >= 10); /* 20 ms wall at 1000x */
    clock_free(c);
}
END_TEST

START_TEST(rfc3339_and_durations)
{
    char buf[32];
    double t;
    ck_assert_int_eq(clock_parse("2025-01-01T00:00:00Z", &t), 0);
    ck_assert_double_eq(t, 1735689600);
    clock_format(t + 90.7, buf);
    ck_assert_str_eq(buf, "2025-01-01T00:01:30Z");
    ck_assert_int_eq(clock_parse("2025-01-01T02:00:00+02:00", &t), 0);
    ck_assert_double_eq(t, 1735689600);
    ck_assert_int_eq(clock_parse("2025-01-01T00:00:00.5Z", &t), 0);
    ck_assert_double_eq(t, 1735689600.5);
    clock_format(CLOCK_MAX + 0.9, buf);
    ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
    clock_format(CLOCK_MIN + 86400 * 40 + 3661, buf); /* years keep four digits */
    ck_assert_str_eq(buf, "0001-02-10T01:01:01Z");
    clock_format(7.7e66, buf); /* beyond what a timestamp holds: the bound */
    ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
    clock_format(-1e300, buf);
    ck_assert_str_eq(buf, "0001-01-01T00:00:00Z");
    clock_format(NAN, buf);
    ck_assert_str_eq(buf, "0001-01-01T00:00:00Z");
    ck_assert_int_eq(clock_parse("yesterday", &t), -1);
    ck_assert_int_eq(clock_parse("2025-01-01T00:00:00", &t), -1);
    const struct { const char *s; double v; } ok[] = {{"90", 90}, {"90s", 90}, {"2m", 120}, {"1h", 3600},
                                                     {"1m30s", 90}, {"1.5s", 1.5}, {"250ms", 0.25}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double d = -1;
        ck_assert_int_eq(clock_parse_duration(ok[i].s, &d), 0);
        ck_assert_double_eq_tol(d, ok[i].v, 1e-9);
    }
    const char *bad[] = {"", "x", "5d", "-3s", "3 s", NULL};
    for (int i = 0; bad[i]; i++) {
        double d;
        ck_assert_msg(clock_parse_duration(bad[i], &d) == -1, "%s", bad[i]);
    }
}
END_TEST

static double seen_target[4];
static int n_seen;

static void record_target(void *ctx, uint64_t id)
{
    if (id && n_seen < 4)
        seen_target[n_seen++] = clock_target(ctx);
}

START_TEST(target_is_where_an_advance_ends)
{
    sim_clock *c = clock_new(true, 1000, 1);
    ck_assert(clock_target(c) == 1000); /* no advance under way: now */
    n_seen = 0;
    clock_at(c, 1010, record_target, c);
    clock_at(c, 1500, record_target, c);
    clock_advance(c, 600);
    ck_assert_int_eq(n_seen, 2);
    ck_assert(seen_target[0] == 1600 && seen_target[1] == 1600);
    ck_assert(clock_target(c) == 1600); /* the advance is over: now again */
    clock_free(c);
}
END_TEST

Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, manual_advance_fires_in_order_at_their_own_time);
    tcase_add_test(tc, same_time_fires_in_scheduling_order);
    tcase_add_test(tc, timers_added_while_firing_run_in_the_same_advance);
    tcase_add_test(tc, cancel_discards_and_zero_advance_fires_what_is_due);
    tcase_add_test(tc, real_clock_runs_at_scale);
    tcase_add_test(tc, rfc3339_and_durations);
    tcase_add_test(tc, target_is_where_an_advance_ends);
    suite_add_tcase(s, tc);
    return s;
}
