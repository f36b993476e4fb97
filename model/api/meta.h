/* meta: object metadata rules: uid, timestamps, name validation,
 * generateName, generation bumps, labels access. No storage, no HTTP. */
#ifndef EVICTSIM_META_H
#define EVICTSIM_META_H
#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include "kinds.h"

/* Make uids and generated names a repeatable sequence from `seed` (scenarios
 * use this so every run prints the same names); 0 goes back to random. */
void meta_seed(uint64_t seed);
/* Was meta_seed given a seed (uids and names must then come in order)? */
bool meta_seeded(void);
/* A random UUID v4 into buf (>= 37 bytes). */
void meta_uuid(char *buf);
/* n random bytes (seeded by evictsim run, as uids are). */
void meta_random(unsigned char *b, size_t n);
/* `generateName` plus 5 characters of upstream's alphabet, into a new string. */
char *meta_generate_name(const char *base);
/* A uid for an object the cluster makes by itself (key names it): random, or when seeded one
 * drawn from the key, so that making it leaves the seeded stream as it was. */
void meta_uuid_keyed(char *buf, const char *key);
/* Validate a name for kind k: DNS-1123 subdomain (253), or label (63) for
 * namespaces. Appends causes on field `field`; returns the number added. */
int meta_validate_name(kind_id k, const char *name, const char *field, cJSON *causes);
/* true when `a` and `b` differ outside metadata and status (a spec change). */
bool meta_spec_changed(const cJSON *a, const cJSON *b);
/* Does kind k track metadata.generation? */
bool meta_has_generation(kind_id k);
/* Write an RFC 3339 timestamp at now into o[key]. */
void meta_set_time(cJSON *o, const char *key, double now);
/* A deep copy of doc without kind/apiVersion (list items omit them). */
cJSON *meta_list_item(const cJSON *doc);
#endif
