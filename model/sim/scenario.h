/* scenario: `evictsim run [--explain] FILE...` (docs/design.md "Scenarios"):
 * a cluster from manifests, then steps (evict, delete, create, patch,
 * cordon, uncordon, advance, drain, fault, explain, expect) on a manual
 * clock with no server and no waiting; one line per step, then
 * `N passed, N failed`. */
#ifndef EVICTSIM_SCENARIO_H
#define EVICTSIM_SCENARIO_H
#include <stdbool.h>
#include <stdio.h>

typedef struct {
    bool explain;  /* print each step's explanation under its line */
    FILE *out;     /* where lines go (stdout in the CLI) */
} scenario_opts;

typedef struct {
    int passed, failed; /* steps */
} scenario_tally;

/* Run the scenario in `text` (YAML or JSON); `source` names it in messages
 * and `dir` is where `include:` paths are resolved. Adds to *t. Returns 0
 * when every step held, -1 otherwise (a file that cannot be parsed, or a step
 * that cannot, fails as a whole with the file, step number and problem). */
int scenario_run_text(const char *text, size_t len, const char *source, const char *dir,
                      const scenario_opts *o, scenario_tally *t);
/* The same for a file path. */
int scenario_run_file(const char *path, const scenario_opts *o, scenario_tally *t);

/* The command: argv[0] = "run". Returns the exit status: 0 when every
 * expectation held, 1 when one did not, 2 on a usage error. */
int scenario_main(int argc, char **argv);
#endif
