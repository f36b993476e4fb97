/* json: small cJSON conveniences shared by the model (dotted-path reads,
 * replace-or-add writes). No Kubernetes semantics here. */
#ifndef EVICTSIM_JSON_H
#define EVICTSIM_JSON_H
#include <cJSON.h>
#include <stdbool.h>
#include <string.h>
#include "text.h"

/* o's member named key, as cJSON_GetObjectItemCaseSensitive (a member
 * without a key ends the search) but inline and comparing the first byte
 * before calling strcmp: validation and defaulting look up many absent keys. */
static inline cJSON *jfield(const cJSON *o, const char *key)
{
    if (!o || !key)
        return NULL;
    for (cJSON *it = o->child; it; it = it->next) {
        if (!it->string)
            return NULL;
        if (it->string[0] == key[0] && !strcmp(it->string, key))
            return it;
    }
    return NULL;
}

/* Follow a dotted path of object keys ("metadata.name"); NULL when absent. */
cJSON *jget(const cJSON *o, const char *path);
/* String at path, or NULL when absent or not a string. */
const char *jstr(const cJSON *o, const char *path);
/* Number at path, or def. */
double jnum(const cJSON *o, const char *path, double def);
bool jbool(const cJSON *o, const char *path);
/* Object child `key` of o, created (replacing a non-object) when missing. */
cJSON *jobj(cJSON *o, const char *key);
/* Replace or add o[key] = v (v taken). */
void jset(cJSON *o, const char *key, cJSON *v);
void jset_str(cJSON *o, const char *key, const char *s);
void jset_num(cJSON *o, const char *key, double n);
/* Remove o[key] if present. */
void jdel(cJSON *o, const char *key);
/* A node that reads as v and owns none of it (an object or array refers
 * to v's members, a string to v's text; a number, true, false or null is
 * a copy), for documents that share parts with another: it must not be
 * changed, and must be freed before v is. */
cJSON *jview(const cJSON *v);
/* Print compactly, byte for byte as cJSON_PrintUnformatted, faster;
 * caller frees. NULL where cJSON would fail (an invalid item). */
char *jprint(const cJSON *o);
/* The same, with the length. */
char *jprint_len(const cJSON *o, size_t *len);
/* Append s as a JSON string, escaped as jprint escapes it (NULL: ""). */
void jprint_string(strbuf *b, const char *s);
/* Append v in decimal: what jprint prints for a number that is a long. */
void jprint_long(strbuf *b, long v);
/* cJSON_Compare(a, b, true), faster when objects list the same keys in
 * the same order (stored documents and their copies do). */
bool jequal(const cJSON *a, const cJSON *b);
/* Let cJSON keep small freed blocks per thread for its next allocations
 * (once per process; none are kept under AddressSanitizer). */
void json_alloc_init(void);
/* Keep up to n freed blocks of each small size per thread instead (default
 * 1024): for a process that builds and frees trees by the million on one
 * thread (plan drain), where more of them come back than 1024. */
void json_alloc_keep(size_t n);
/* Scratch: between json_scratch_begin and json_scratch_end, what cJSON
 * allocates on this thread comes from a per-thread arena that the next
 * begin takes back whole (freeing it one by one does nothing). For trees
 * that live only through one step, as a loaded object from its parse to
 * its compact form. What must outlive the step is copied out with
 * json_scratch_keep; a tree that must never be scratch (one the store
 * keeps) is built between json_scratch_pause and json_scratch_resume.
 * Inside a scratch, a cJSON string must not be freed with free(), and a
 * string given to cJSON (a strdup'd key) is never freed. Scratches do not
 * nest. Under AddressSanitizer the arena is freed at every end, so that a
 * use of its memory after the step is reported. */
void json_scratch_begin(void);
void json_scratch_end(void);
bool json_scratch_pause(void);
void json_scratch_resume(bool was);
bool json_scratch_on(void);
/* What to keep of t, taken: in scratch a copy made outside it (t is left
 * to the scratch), else t itself. */
cJSON *json_scratch_keep(cJSON *t);
/* cJSON_Delete(t), which in scratch has nothing to do. */
void json_scratch_delete(cJSON *t);
#endif
