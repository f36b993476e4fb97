/* shape: objects as Go's encoding/json writes kube-apiserver 1.33's typed
 * objects (docs/reference/go-json-shapes.md): what Go always emits is present
 * in every stored document ("spec":{} on a Node with none, the PDB status
 * counters, a container's "resources":{}, a condition's null times). */
#ifndef EVICTSIM_SHAPE_H
#define EVICTSIM_SHAPE_H
#include <cJSON.h>
#include <stdbool.h>

/* Give doc the members Go always writes for its type in release 1.minor
 * (0: the default release), found from its own apiVersion and kind (a kind
 * without rules is left as it is): a missing or null struct becomes {}, a
 * missing non-omitempty field its zero value. What is there is kept.
 * Thread-safe. */
void shape_apply(cJSON *doc, int minor);

/* Shape v, the new value at path (object keys joined by dots: "status",
 * "spec.nodeName") of doc, as shape_apply of doc with v there would,
 * given that doc is shaped already (every stored document is). Returns
 * false, changing nothing, when that cannot be told from v alone: a rule
 * there would put something in v's place (v is null where a struct or a
 * literal is written), or the rules reach it through a slice. */
bool shape_apply_at(const cJSON *doc, const char *path, cJSON *v, int minor);

/* The same with the rules spelt out, for any object (a kind's rules, a
 * test's). The notation, one rule after another separated by spaces:
 *   name{...}       a struct: always written ({} when missing or null), then
 *                   its own rules
 *   name?{...}      a pointer to a struct: its rules apply when it is there
 *   name[{...}]     a slice of structs: the rules apply to each element
 *   name=LIT        a field always written: LIT ("", 0, false or null)
 *                   when missing (or null, unless LIT is null)
 * A literal may precede a block: "selector=null?{...}" (a non-omitempty
 * pointer), "containers=null[{...}]" (a non-omitempty slice). A rule that
 * ends in <N holds only before release 1.N ("creationTimestamp=null<34":
 * omitzero from 1.34). Returns false, changing nothing, when the rules do
 * not parse. */
bool shape_apply_rules(const char *rules, cJSON *doc, int minor);

/* The rules of apiVersion/kind, NULL when there are none: for a registry
 * row to show, and for tests. */
const char *shape_rules(const char *api_version, const char *kind);
#endif
