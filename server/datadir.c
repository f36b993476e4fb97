/* datadir: finds the fixtures installed with evictsim (docs/man/evictsim.h2m,
 * FILES) from the location of the running binary, so that `evictsim
 * default.yaml` works where no checkout is. Reads the file system only; never
 * loads or decides anything about the files it names. */
#define _GNU_SOURCE
#include "datadir.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Relative to the binary's directory: installed (bin/ → share/evictsim), then a
 * checkout's ./evictsim, build/evictsim and build/<variant>/evictsim. */
static const char *const candidates[] = {"../share/evictsim", "fixtures", "../fixtures", "../../fixtures"};

static int has_default(const char *dir)
{
    char path[PATH_MAX];
    return snprintf(path, sizeof path, "%s/default.yaml", dir) < (int)sizeof path && access(path, R_OK) == 0;
}

const char *datadir(void)
{
    static char found[PATH_MAX];
    static int done;
    if (done)
        return found[0] ? found : NULL;
    done = 1;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        char dir[PATH_MAX], real[PATH_MAX];
        if (snprintf(dir, sizeof dir, "%s/%s", exe, candidates[i]) >= (int)sizeof dir || !has_default(dir) ||
            !realpath(dir, real))
            continue;
        snprintf(found, sizeof found, "%s", real);
        return found;
    }
    return NULL;
}

const char *datadir_resolve(const char *arg)
{
    if (!arg[0] || arg[0] == '/' || !strcmp(arg, "-") || access(arg, F_OK) == 0)
        return arg;
    const char *dir = datadir();
    if (!dir)
        return arg;
    static char *kept[256]; /* reachable until exit, as the arguments are */
    static int nkept;
    const char *rel = !strcmp(arg, "fixtures") ? "" : strncmp(arg, "fixtures/", 9) ? arg : arg + 9;
    char *path;
    if (nkept == (int)(sizeof kept / sizeof *kept) || asprintf(&path, "%s/%s", dir, rel) < 0)
        return arg;
    if (access(path, F_OK) < 0) {
        free(path);
        return arg;
    }
    return kept[nkept++] = path;
}
