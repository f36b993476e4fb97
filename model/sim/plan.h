/* plan: `evictsim plan drain|check` (README "Plan a drain before you run
 * it"): a cluster dump loaded on a manual clock, then kubectl's drain of
 * chosen nodes, N at a time, with every controller and the scheduler
 * running (drain), or the findings that need no simulation (check). Exit
 * status: 0 the plan completes (check: nothing blocks), 3 it blocks, 2 bad
 * input. Owns the command line of `plan`, the report and its three forms;
 * decides no eviction (model/api/eviction.c does) and drains as
 * model/sim/drain.c does. */
#ifndef EVICTSIM_PLAN_H
#define EVICTSIM_PLAN_H

#define PLAN_EXIT_OK 0
#define PLAN_EXIT_BLOCKS 3
#define PLAN_EXIT_BAD 2

/* The command: argv[0] = "plan". Returns the exit status. */
int plan_main(int argc, char **argv);
#endif
