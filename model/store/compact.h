/* compact: the compact form of stored documents (one allocation per object,
 * keys and common short values shared process-wide by number) and the
 * reads that walk it without building a tree. Internal to model/store/:
 * only store.c uses it; nothing outside the store sees the format. */
#ifndef EVICTSIM_COMPACT_H
#define EVICTSIM_COMPACT_H
#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A compact document is a 4-byte length and then one value:
 *   tag 0 null, 1 false, 2 true;
 *   3 integer (zigzag varint; the number was integral and |n| < 2^53),
 *   4 double (8 raw bytes);
 *   5 shared string (varint number), 6 own string (varint length, bytes, NUL),
 *   7 raw (as 6);
 *   8 array (varint count, varint byte length of the values, values),
 *   9 object (varint count, varint byte length of the members, then per
 *     member a key — varint 2·number for a shared key, 2·length+1 then the
 *     bytes and a NUL for its own — and the value): the byte length lets a
 *     path lookup step over a whole value at once;
 *   10 a resourceVersion written after the rest (store_stage): a length
 *     byte, the digits and a NUL in a fixed slot of RV_SLOT bytes.
 * Building the tree again gives one cJSON_PrintUnformatted would print
 * byte for byte as the original. */
enum { P_NULL, P_FALSE, P_TRUE, P_INT, P_DBL, P_SSTR, P_STR, P_RAW, P_ARR, P_OBJ, P_RV };
#define RV_SLOT 22 /* length byte, up to 20 digits, NUL */
extern const char compact_rv_slot[]; /* marks the value that becomes a P_RV slot */

static inline uint64_t compact_varint(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        unsigned char c = *p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            break;
    }
    *pp = p;
    return v;
}


/* Step over one value of a compact document. */
static inline const unsigned char *compact_skip(const unsigned char *p)
{
    unsigned char tag = *p++;
    switch (tag) {
    case P_INT:
    case P_SSTR:
        compact_varint(&p);
        return p;
    case P_DBL:
        return p + sizeof(double);
    case P_STR:
    case P_RAW: {
        size_t len = compact_varint(&p);
        return p + len + 1;
    }
    case P_RV:
        return p + RV_SLOT;
    case P_ARR:
    case P_OBJ: {
        compact_varint(&p);
        size_t len = compact_varint(&p);
        return p + len;
    }
    default:
        return p;
    }
}


/* The member of the object at *pp whose key is seg[0..n) (shared as number
 * id, or -1): *pp moves to its value. False when *pp is not an object or
 * has no such member. */
static inline bool compact_find_id(const unsigned char **pp, const char *seg, size_t n, long id)
{
    const unsigned char *p = *pp;
    if (*p++ != P_OBJ)
        return false;
    size_t cnt = compact_varint(&p);
    compact_varint(&p); /* byte length */
    for (size_t i = 0; i < cnt; i++) {
        uint64_t k = compact_varint(&p);
        bool hit;
        if (k & 1) {
            const char *key = (const char *)p;
            hit = (k >> 1) == n && !memcmp(key, seg, n);
            p += (k >> 1) + 1;
        } else {
            hit = id >= 0 && k >> 1 == (uint64_t)id;
        }
        if (hit) {
            *pp = p;
            return true;
        }
        p = compact_skip(p);
    }
    return false;
}


/* The shared strings, by number (written once, before the number is handed
 * out: readers need no lock). */
extern const char *compact_strs[];

/* The compact form of doc (malloc'd, its length in *len). Any thread. */
unsigned char *compact_pack(const cJSON *doc, size_t *len);
/* The tree of a compact form, and of one value inside it. */
cJSON *compact_unpack(const unsigned char *b);
cJSON *compact_dec_value(const unsigned char **pp);
/* The shared copy of the key s[0..len) (made when there is none yet and
 * room for it), for a tree to hold as a const key: NULL when the key is
 * too long or the table full. Any thread. */
const char *compact_shared_key(const char *s, size_t len);
/* The number of the shared key seg[0..n), or -1 when it has none. */
long compact_key_id(const char *seg, size_t n);
/* compact_find_id with the key's number looked up. */
bool compact_find(const unsigned char **pp, const char *seg, size_t n);
#endif
