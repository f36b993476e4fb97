/* datadir: where the fixtures installed with evictsim are, and resolving a
 * MANIFEST or SCENARIO argument against them. */
#pragma once

/* The directory of the installed fixtures: PREFIX/share/evictsim beside the
 * binary's bin/, or the checkout's fixtures/ for a binary built in one;
 * NULL when neither holds default.yaml. */
const char *datadir(void);

/* `arg` when it exists or is absolute or "-"; else the path under datadir()
 * (a leading "fixtures/" dropped) when that exists (malloc'd, kept for the
 * life of the process); else `arg`. */
const char *datadir_resolve(const char *arg);
