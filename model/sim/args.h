/* args: reading a command line's `--name value` / `--name=value` flags,
 * shared by evictsim's own flags (server/main.c) and its subcommands
 * (plan). Reads argv only. */
#ifndef EVICTSIM_ARGS_H
#define EVICTSIM_ARGS_H
#include <stdbool.h>

/* The value of flag `name` at argv[*i] (--name=value, or --name value,
 * when *i moves on to the value); NULL when argv[*i] is another flag, or
 * with *missing set when the value is missing. */
const char *args_flag(int argc, char **argv, int *i, const char *name, bool *missing);
#endif
