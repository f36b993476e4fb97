/* dump: loading what real clusters produce (docs/reference/dumps.md):
 * files, directory trees walked recursively (files that are not manifests
 * skipped and counted), gzip'd files, stdin, `kubectl cluster-info dump`
 * output (concatenated JSON lists with container logs between them, or
 * its --output-directory tree), Lists of any type and multi-document YAML.
 * Objects are loaded as they come, all or nothing, through the cluster
 * loader; kinds evictsim does not serve are named (or, asked to, skipped
 * and counted); an object named twice with another uid is an error. Reads
 * files and fills the cluster: decides no Kubernetes semantics itself. */
#ifndef EVICTSIM_DUMP_H
#define EVICTSIM_DUMP_H
#include <stdbool.h>
#include <stddef.h>
#include "cluster.h"

typedef struct {
    bool skip_unknown; /* kinds not served are skipped and counted instead of failing the load */
} dump_opts;

typedef struct dump dump;

/* The paths (files, directories, "-" for stdin) as one dump: walks the
 * directories now (stdin is read now). NULL with *err (malloc'd, one line
 * naming the path) when a path cannot be read. */
dump *dump_open(const char *const *paths, int n, const dump_opts *o, char **err);
void dump_close(dump *d);

/* The newest timestamp (RFC 3339, any field) in the dump's manifests;
 * 0 when there is none, -1 with *err when a file cannot be read. */
double dump_newest(dump *d, char **err);

/* Load every object into c (under its lock; all or nothing). Returns the
 * number loaded, or -1 with *err (malloc'd, one line naming the file and
 * the object: "c.yaml: object 7 (Pod default/web-1): ..."). */
int dump_load(dump *d, cluster *c, char **err);

/* One line (no newline) saying what the last dump_load loaded: objects
 * per kind, nodes, pods per phase, PDBs and how many allow no disruption
 * now, and what was skipped. malloc'd. */
char *dump_summary(dump *d, cluster *c);

/* One file's text (source names it in errors) given to sink object by
 * object as dump_load reads it: container logs blanked, several JSON values
 * one after another read one by one. 0, or -1 with *err (malloc'd, one
 * line). For tests and fuzzing. */
struct manifest_sink;
int dump_parse_text(const char *text, size_t len, const char *source, const struct manifest_sink *sink, char **err);
/* The newest RFC 3339 time in text, logs aside (0: none). */
double dump_newest_text(const char *text, size_t len);
#endif
