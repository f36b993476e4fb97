/* model/manifest — YAML and JSON manifests to cJSON.
 * Used for command-line MANIFEST arguments, POST /sim/v1/load bodies,
 * application/yaml request bodies and application/apply-patch+yaml bodies.
 *
 * YAML is read as sigs.k8s.io/yaml reads it (go-yaml v2, YAML 1.1, then JSON):
 *  - plain scalars: ~ null Null NULL and empty -> null; y Y yes Yes YES true True
 *    TRUE on On ON -> true (n/no/false/off likewise -> false); integers in
 *    decimal, 0x hex, 0o or leading-0 octal, 0b binary, '_' ignored, optional
 *    sign; floats ([-+]?digits[.digits][e[-+]digits], .5); .inf/.nan are an
 *    error (no JSON form); timestamps and everything else stay strings.
 *    Quoted and block scalars are strings. Core tags (!!str !!int !!float
 *    !!bool !!null !!timestamp !!binary) are honoured; other tags -> string.
 *  - Integers beyond int64 become JSON numbers (doubles), as go's json does
 *    for uint64/big.Int; decimal ones beyond uint64 are floats as in go-yaml.
 *    Every number is a cJSON double: integers beyond 2^53 lose precision.
 *  - Mapping keys become strings ("1", "true", "1.5"); a null key is an error.
 *    Key order is preserved; a repeated key keeps its first position and its
 *    last value. Merge keys (<<) follow go-yaml v2: applied in order.
 *  - Anchors/aliases are expanded with go-yaml's "excessive aliasing" bound;
 *    nesting deeper than MANIFEST_MAX_DEPTH collections is an error.
 *  - Error lines are 1-based lines of the whole input (not per document).
 * JSON input (first non-space char '{' or '[') is parsed with cJSON; if that
 * fails it is read as YAML, so error messages are YAML ones. */
#ifndef EVICTSIM_MANIFEST_H
#define EVICTSIM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <cJSON.h>

#define MANIFEST_MAX_DEPTH 100

/* Parse text (YAML or JSON, possibly several `---` documents) into a new cJSON
 * array of objects. Empty documents are skipped; a `kind: List` document (or a
 * kind ending in "List" with an `items` array) is flattened into its items
 * (items of a typed list such as PodList that lack kind/apiVersion get "Pod"
 * and the list's apiVersion). Each object must have string apiVersion and
 * kind, and metadata.name or metadata.generateName.
 * On error returns NULL and *err = malloc'd one line:
 *   "<source>: document <N>: <problem>"  e.g.
 *   "fixtures/x.yaml: document 2: yaml: line 7: mapping values are not allowed in this context"
 *   "request body: document 1: object has no kind" */
cJSON *manifest_parse(const char *text, size_t len, const char *source, char **err);

/* The first YAML/JSON document as one cJSON value, no object checks (for
 * apply-patch+yaml bodies); an empty input gives a cJSON null.
 * NULL + *err (malloc'd, e.g. "yaml: line 2: ...") on error. */
cJSON *manifest_parse_one(const char *text, size_t len, char **err);

/* Load a file, a directory (its *.yaml, *.yml, *.json regular files, sorted
 * by name, not recursive) or "-" (all of stdin, named "stdin" in messages).
 * Appends the objects to the array `out`. Returns 0, or -1 with *err
 * (malloc'd); nothing is appended on error. */
int manifest_load_path(const char *path, cJSON *out, char **err);

/* The same, giving each object in order to sink->put (which takes it)
 * instead of appending it. A file that is one big JSON List is read an item
 * at a time, each item given as soon as it is parsed; should the file then
 * need reading again, sink->undo is told to forget the last n objects it
 * was given. On error every object given for this path has been undone. */
typedef struct manifest_sink {
    void (*put)(void *arg, cJSON *obj);
    void (*undo)(void *arg, size_t n);
    void *arg;
    /* Optional, for the items of a big JSON List read on several threads
     * (EVICTSIM_LOAD_THREADS, one per CPU up to 4): prepare makes something
     * of obj (taken), the k-th object from the last one taken, on any
     * thread and several at once (while no object is taken); then each is
     * given in order to take (one thread: as put would have been), or to
     * drop when the reading stops before it. prepare runs in scratch
     * (model/store/json.h): obj and all cJSON makes meanwhile are gone when it
     * returns, so what it returns must not be or hold them (a tree to keep
     * is copied out with json_scratch_keep). */
    void *(*prepare)(void *arg, cJSON *obj, size_t k);
    void (*take)(void *arg, void *prepared);
    void (*drop)(void *arg, void *prepared);
} manifest_sink;
int manifest_load_path_each(const char *path, const manifest_sink *sink, char **err);
/* The same for text already read (source names it in errors): what
 * manifest_parse would return, given object by object. */
int manifest_parse_each(const char *text, size_t len, const char *source, const manifest_sink *sink, char **err);
/* Only the first way of manifest_parse_each: text read as one big JSON
 * List (its items given to sink as they are read). 1 when done; 0 when the
 * text is not such a list, or must be read the ordinary way, and then
 * nothing is left given. mapped: text is all of a read-only mapping of a
 * file (from its first byte), never written: the pages read are given
 * back to the kernel as the reading goes (read again, they come back). */
int manifest_list_each(const char *text, size_t len, const manifest_sink *sink, bool mapped);
/* A sink that appends to the cJSON array arr (and takes back from its end). */
manifest_sink manifest_array_sink(cJSON *arr);

/* One JSON value at p as cJSON_ParseWithLengthOpts(p, len, end, 0) reads
 * it, when it is a common one (no \u escapes or control characters in
 * strings, nesting up to 64); NULL otherwise, and then cJSON must be
 * asked. *plain: no repeated key in an object of up to 16 members, no
 * object larger, no number that is not finite (what m_json_fix would leave
 * as it is). Used for the items of big JSON lists. */
cJSON *manifest_json_item(const char *p, size_t len, const char **end, bool *plain);
#endif
