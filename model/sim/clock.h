/* clock: the virtual clock and its timer queue. Manual mode moves only through
 * clock_advance; real mode follows the monotonic wall clock times a scale.
 * Timers run in due order, each at its own time. Not thread-safe by itself:
 * callers hold the model lock. */
#ifndef EVICTSIM_CLOCK_H
#define EVICTSIM_CLOCK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_clock sim_clock;
/* A timer callback runs with clock_now() == its due time (manual mode) or
 * later (real mode). It may add or cancel timers. When a timer is discarded
 * (clock_cancel, clock_free) its callback runs once with id == 0: it must
 * then only free ctx. */
typedef void (*timer_fn)(void *ctx, uint64_t id);

sim_clock *clock_new(bool manual, double start, double scale);
void clock_free(sim_clock *c);
/* Switch mode from the current time on: manual stops the clock where it is;
 * real lets it run from there at `scale` (> 0) times the wall clock. */
void clock_set_mode(sim_clock *c, bool manual, double scale);
bool clock_manual(const sim_clock *c);
double clock_scale(const sim_clock *c);
double clock_now(const sim_clock *c);             /* seconds since the epoch */
/* Schedule fn at absolute virtual time `due`; returns an id (never 0). */
uint64_t clock_at(sim_clock *c, double due, timer_fn fn, void *ctx);
void clock_cancel(sim_clock *c, uint64_t id);
/* Manual: move forward `secs` (>= 0), firing every timer due on the way, in
 * order, with the clock set to each timer's time. Real mode: fires what is due. */
void clock_advance(sim_clock *c, double secs);
/* Where time is going: in manual mode, during clock_advance, the time the
 * advance ends at; else now. Periodic work that only its last run would
 * show (a lease renewed every 10 s) can skip ahead to it. */
double clock_target(const sim_clock *c);
/* Fire timers due at or before now (real mode). Returns how many fired. */
int clock_run_due(sim_clock *c);
/* Due time of the next timer, or -1 when none. */
double clock_next_due(const sim_clock *c);
/* Wall seconds until the next timer is due in real mode (-1: none). */
double clock_wall_until_next(const sim_clock *c);
size_t clock_pending(const sim_clock *c);

/* The last second a Kubernetes timestamp can hold (9999-12-31T23:59:59Z:
 * RFC 3339 has four-digit years), and the first (0001-01-01T00:00:00Z). */
#define CLOCK_MAX 253402300799.0
#define CLOCK_MIN (-62135596800.0)
/* RFC 3339 with seconds ("2025-01-01T00:00:00Z") into buf (>= 32 bytes);
 * a time before CLOCK_MIN or from CLOCK_MAX + 1 on is written as the
 * nearer bound. */
void clock_format(double t, char *buf);
/* Parse RFC 3339 (Z or offset, optional fraction); returns 0 or -1. */
int clock_parse(const char *s, double *out);
/* Parse a duration: "90", "90s", "2m", "1h", "1m30s", "1.5s"; -1 on error. */
int clock_parse_duration(const char *s, double *out);
#endif
