/* compact: the compact form of stored documents: the process-wide table of
 * shared strings (keys and common short values, by number), the encoder
 * and the decoder back to a cJSON tree. Knows nothing of kinds, the store's
 * tables or its cache (store.c); the format is described in compact.h. */
#include "compact.h"
#include "xalloc.h"
#include "json.h"
#include "text.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

const char compact_rv_slot[] = "";

/* ---- shared strings ------------------------------------------------------- */

/* Keys, and short values that many objects repeat, are kept once in a
 * process-wide table and named by their number in compact documents; built
 * trees point into it (cJSON_StringIsConst keys and cJSON_IsReference
 * strings, which cJSON_Delete does not free and cJSON_Duplicate copies as
 * const keys / fresh values). The table is bounded (hostile input cannot
 * grow it without limit: past the bound strings stay the document's own)
 * and lives as long as the process, so a document copied out of the store
 * never outlives its strings. */
#define INTERN_MAX_KEYS 65536  /* entries in all */
#define INTERN_MAX_VALUES 49152 /* values stop here, so that keys keep room */
#define INTERN_KEY_LEN 64
#define INTERN_VALUE_LEN 32

/* The shared strings themselves, one after another, each after its number
 * (4 bytes): a const key that points in here is a shared one, and its
 * number is read rather than looked up. Untouched pages of the array cost
 * nothing. */
#define INTERN_ENTRY (4 + INTERN_KEY_LEN + 4) /* number, bytes, NUL, rounded up to 4 */
static _Alignas(4) char intern_arena[INTERN_MAX_KEYS * INTERN_ENTRY];
static size_t intern_arena_used;

static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t intern_n;
/* By number; written once before the number is handed out, so readers of a
 * compact document (published under the model lock) need no lock. */
const char *compact_strs[INTERN_MAX_KEYS];
static uint8_t intern_lens[INTERN_MAX_KEYS];
/* Open addressing, linear probing, at most half full: each slot holds the
 * string's hash and its number + 1 (0: empty), so a lookup reads one line
 * of slots and compares only strings whose hash matches. */
#define INTERN_SLOTS (2 * INTERN_MAX_KEYS)
static struct { uint32_t hash, id1; } intern_slot[INTERN_SLOTS];

/* The len < 8 bytes at s as one word (overlapping loads: a function of
 * the bytes and len, which is all hashing and comparing need). */
static inline uint64_t short_word(const char *s, size_t len)
{
    if (len >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + len - 4, 4);
        return a | (uint64_t)b << 32;
    }
    return len ? (uint8_t)s[0] | (uint64_t)(uint8_t)s[len / 2] << 8 | (uint64_t)(uint8_t)s[len - 1] << 16 : 0;
}

static inline uint64_t word_at(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

/* Eight bytes at a time, multiplied and folded; the low bits (the slot)
 * depend on every byte. */
static uint32_t intern_hash(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
    if (len < 8) {
        w = short_word(s, len);
    } else {
        const char *last = s + len - 8; /* the last word, overlapping the one before */
        for (; s < last; s += 8) {
            h = (h ^ word_at(s)) * 0xff51afd7ed558ccdull;
            h ^= h >> 32;
        }
        w = word_at(last);
    }
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    h *= 0xff51afd7ed558ccdull;
    return (uint32_t)(h ^ (h >> 32));
}

/* a[0..len) == b[0..len), inline for the short strings shared here. */
static inline bool same_bytes(const char *a, const char *b, size_t len)
{
    if (len < 8) /* short_word reads every byte of fewer than 8 */
        return short_word(a, len) == short_word(b, len);
    for (size_t i = 0; i + 8 < len; i += 8)
        if (word_at(a + i) != word_at(b + i))
            return false;
    return word_at(a + len - 8) == word_at(b + len - 8);
}

/* The slot of s: where it is, or the empty one where it would go. Reads
 * need no lock: a slot is written once, its number last (release), so a
 * reader that sees the number sees the string; one that stops at an empty
 * slot looks again under intern_mu before adding. */
static size_t intern_slot_of(const char *s, size_t len, uint32_t h, uint32_t *id1_out)
{
    size_t i = h & (INTERN_SLOTS - 1);
    for (;; i = (i + 1) & (INTERN_SLOTS - 1)) {
        uint32_t id1 = __atomic_load_n(&intern_slot[i].id1, __ATOMIC_ACQUIRE);
        if (!id1 || (intern_slot[i].hash == h && intern_lens[id1 - 1] == len &&
                     same_bytes(compact_strs[id1 - 1], s, len))) {
            *id1_out = id1; /* the number read here: the slot may fill after */
            return i;
        }
    }
}

static long intern_id_shared(const char *s, size_t len, size_t max_entries);

/* Each thread's memory of the strings it looked up last, by a quick hash
 * of their first and last eight bytes: the few hundred keys and values of
 * a dump are found here, in a small table of the thread's own, without
 * the shared table's hash and probe. An entry, once numbered, is never
 * dropped, so what is remembered stays right. */
#define INTERN_CACHE 1024
static __thread struct {
    const char *s; /* the shared copy */
    uint32_t id1, len;
} intern_cache[INTERN_CACHE];

static inline size_t intern_cache_slot(const char *s, size_t len)
{
    uint64_t a = len < 8 ? short_word(s, len) : word_at(s), b = len < 8 ? 0 : word_at(s + len - 8);
    return (size_t)((a * 0x9e3779b97f4a7c15ull + b * 0xc2b2ae3d27d4eb4full + len * 0x165667b19e3779f9ull) >> 54);
}

/* The number of the shared copy of s, or -1 when the table is full.
 * len <= INTERN_KEY_LEN. Any thread. */
static long intern_id(const char *s, size_t len, size_t max_entries)
{
    size_t ci = intern_cache_slot(s, len);
    if (intern_cache[ci].id1 && intern_cache[ci].len == len && same_bytes(intern_cache[ci].s, s, len))
        return (long)intern_cache[ci].id1 - 1;
    long id = intern_id_shared(s, len, max_entries);
    if (id >= 0) {
        intern_cache[ci].s = compact_strs[id];
        intern_cache[ci].id1 = (uint32_t)id + 1;
        intern_cache[ci].len = (uint32_t)len;
    }
    return id;
}

/* intern_id without the thread's memory. */
static long intern_id_shared(const char *s, size_t len, size_t max_entries)
{
    uint32_t h = intern_hash(s, len), id1;
    size_t i = intern_slot_of(s, len, h, &id1);
    if (id1)
        return (long)id1 - 1;
    if (__atomic_load_n(&intern_n, __ATOMIC_RELAXED) >= max_entries)
        return -1;
    pthread_mutex_lock(&intern_mu);
    i = intern_slot_of(s, len, h, &id1);
    long id = (long)id1 - 1;
    if (id < 0 && intern_n < max_entries) {
        char *at = intern_arena + intern_arena_used, *copy = at + 4;
        id = (long)intern_n;
        uint32_t id32 = (uint32_t)id;
        memcpy(at, &id32, 4);
        memcpy(copy, s, len);
        copy[len] = 0;
        intern_arena_used += (4 + len + 1 + 3) & ~(size_t)3;
        compact_strs[id] = copy;
        intern_lens[id] = (uint8_t)len;
        intern_slot[i].hash = h;
        __atomic_store_n(&intern_slot[i].id1, (uint32_t)id + 1, __ATOMIC_RELEASE);
        __atomic_store_n(&intern_n, intern_n + 1, __ATOMIC_RELEASE); /* read with acquire by intern_id_at */
    }
    pthread_mutex_unlock(&intern_mu);
    return id;
}

/* The number of s when it is a shared string itself (a pointer into the
 * table, as built trees and the items' parser hold them), else -1. */
static inline long intern_id_at(const char *s)
{
    uintptr_t at = (uintptr_t)s, arena = (uintptr_t)intern_arena;
    if (at < arena + 4 || at >= arena + sizeof intern_arena)
        return -1;
    uint32_t id;
    memcpy(&id, s - 4, 4);
    return id < __atomic_load_n(&intern_n, __ATOMIC_ACQUIRE) && compact_strs[id] == s ? (long)id : -1;
}

const char *compact_shared_key(const char *s, size_t len)
{
    long id = len <= INTERN_KEY_LEN ? intern_id(s, len, INTERN_MAX_KEYS) : -1;
    return id < 0 ? NULL : compact_strs[id];
}

static bool is_disrupted_pods(const char *k)
{
    return k && k[0] == 'd' && !strcmp(k, "disruptedPods");
}

/* Values that are one object's own (names, uids, addresses): sharing them
 * would only fill the table. */
static bool value_shared(const char *parent, const char *k, const char *v, size_t len)
{
    if (!k || len > INTERN_VALUE_LEN)
        return false;
    if (is_disrupted_pods(parent))
        return false; /* pod name → time */
    if (len >= 20 && v[4] == '-' && v[7] == '-' && v[10] == 'T')
        return false; /* a timestamp: every second would be a new entry */
    switch (k[0]) { /* the keys of values that are one object's own */
    case 'n':
        return strcmp(k, "name") || !parent || (strcmp(parent, "metadata") && strcmp(parent, "involvedObject"));
    case 'u': return strcmp(k, "uid") != 0;
    case 'r': return strcmp(k, "resourceVersion") != 0;
    case 'p': return strcmp(k, "podIP") != 0;
    case 'i': return strcmp(k, "ip") != 0;
    case 'c': return strcmp(k, "containerID") != 0;
    case 'g': return strcmp(k, "generateName") != 0;
    case 'h': return strcmp(k, "hostname") != 0;
    case 's': return strcmp(k, "statefulset.kubernetes.io/pod-name") != 0;
    default: return true;
    }
}

/* ---- compact documents ---------------------------------------------------- */



/* The compact form is written into a strbuf (model/api/text.h), bytes and all,
 * through these inline steps, which leave it unterminated (only its bytes
 * up to len are read). */
typedef strbuf pbuf;

static inline unsigned char *pb_room(pbuf *p, size_t more)
{
    if (p->len + more >= p->cap)
        strbuf_room(p, more);
    return (unsigned char *)p->s + p->len;
}

static inline void pb_putc(pbuf *p, unsigned char c)
{
    *pb_room(p, 1) = c;
    p->len++;
}

static inline void pb_varint(pbuf *p, uint64_t v)
{
    unsigned char *o = pb_room(p, 10), *start = o;
    while (v >= 0x80) {
        *o++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *o++ = (unsigned char)v;
    p->len += (size_t)(o - start);
}

/* A string with its NUL, so that decoding can point at it. */
static inline void pb_bytes(pbuf *p, const char *s, size_t len)
{
    unsigned char *o = pb_room(p, len + 1);
    memcpy(o, s, len);
    o[len] = 0;
    p->len += len + 1;
}

static void enc_value(pbuf *p, const cJSON *v, const char *parent);

static void enc_members(pbuf *p, const cJSON *v)
{
    size_t n = 0;
    for (const cJSON *it = v->child; it; it = it->next)
        n++;
    pb_varint(p, n);
    size_t at = p->len; /* the byte length goes here: one byte, or more once known */
    pb_putc(p, 0);
    bool object = (v->type & 0xFF) == cJSON_Object;
    bool own_keys = is_disrupted_pods(v->string); /* pod names */
    for (const cJSON *it = v->child; it; it = it->next) {
        if (object) {
            const char *k = it->string ? it->string : "";
            long id = !own_keys && (it->type & cJSON_StringIsConst) ? intern_id_at(k) : -1;
            size_t len = id < 0 ? strlen(k) : 0;
            if (id < 0 && !own_keys && len <= INTERN_KEY_LEN)
                id = intern_id(k, len, INTERN_MAX_KEYS);
            if (id >= 0) {
                pb_varint(p, (uint64_t)id << 1);
            } else {
                pb_varint(p, ((uint64_t)len << 1) | 1);
                pb_bytes(p, k, len);
            }
        }
        enc_value(p, it, v->string);
    }
    size_t clen = p->len - at - 1, k = 1;
    for (size_t x = clen; x >= 0x80; x >>= 7)
        k++;
    if (k > 1) {
        pb_room(p, k - 1);
        memmove(p->s + at + k, p->s + at + 1, clen);
        p->len += k - 1;
    }
    unsigned char *o = (unsigned char *)p->s + at;
    for (; clen >= 0x80; clen >>= 7)
        *o++ = (unsigned char)(clen | 0x80);
    *o = (unsigned char)clen;
}

static void enc_value(pbuf *p, const cJSON *v, const char *parent)
{
    switch (v->type & 0xFF) {
    case cJSON_False:
        pb_putc(p, P_FALSE);
        return;
    case cJSON_True:
        pb_putc(p, P_TRUE);
        return;
    case cJSON_Number: {
        double d = v->valuedouble;
        if (d == d && d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(int64_t)d &&
            !(d == 0 && signbit(d))) { /* -0 prints as "-0" */
            int64_t i = (int64_t)d;
            pb_putc(p, P_INT);
            pb_varint(p, ((uint64_t)i << 1) ^ (uint64_t)(i >> 63));
        } else {
            pb_putc(p, P_DBL);
            memcpy(pb_room(p, sizeof d), &d, sizeof d);
            p->len += sizeof d;
        }
        return;
    }
    case cJSON_String:
    case cJSON_Raw: {
        const char *s = v->valuestring ? v->valuestring : "";
        if (s == compact_rv_slot) {
            pb_putc(p, P_RV);
            memset(pb_room(p, RV_SLOT), 0, RV_SLOT);
            p->len += RV_SLOT;
            return;
        }
        bool str = (v->type & 0xFF) == cJSON_String;
        size_t len = strlen(s);
        long id = str && value_shared(parent, v->string, s, len) ? intern_id(s, len, INTERN_MAX_VALUES) : -1;
        if (id >= 0) {
            pb_putc(p, P_SSTR);
            pb_varint(p, (uint64_t)id);
        } else {
            pb_putc(p, str ? P_STR : P_RAW);
            pb_varint(p, len);
            pb_bytes(p, s, len);
        }
        return;
    }
    case cJSON_Array:
        pb_putc(p, P_ARR);
        enc_members(p, v);
        return;
    case cJSON_Object:
        pb_putc(p, P_OBJ);
        enc_members(p, v);
        return;
    default:
        pb_putc(p, P_NULL);
        return;
    }
}

/* Each thread's encoding buffer, freed when the thread ends. */
static pthread_key_t pack_key;
static pthread_once_t pack_once = PTHREAD_ONCE_INIT;
static __thread pbuf pack_buf;

static void pack_buf_free(void *b)
{
    free(((pbuf *)b)->s);
    *(pbuf *)b = (pbuf){0};
}

static void pack_key_make(void)
{
    pthread_key_create(&pack_key, pack_buf_free);
}

unsigned char *compact_pack(const cJSON *doc, size_t *len)
{
    /* written in a buffer the thread keeps for the next one, then copied
     * at its size: no shrinking allocation leaves a hole after every
     * document */
    pbuf *p = &pack_buf;
    if (!p->s) {
        pthread_once(&pack_once, pack_key_make);
        pthread_setspecific(pack_key, p);
    }
    p->len = 0;
    strbuf_room(p, 1024);
    p->len = 4; /* the length goes first, once known */
    enc_value(p, doc, NULL);
    uint32_t n = (uint32_t)p->len;
    memcpy(p->s, &n, 4);
    *len = p->len;
    unsigned char *out = xmalloc(p->len);
    memcpy(out, p->s, p->len);
    if (p->cap > 1 << 20) /* a huge document: do not keep its buffer */
        pack_buf_free(p);
    return out;
}


cJSON *compact_dec_value(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    unsigned char tag = *p++;
    cJSON *v;
    switch (tag) {
    case P_FALSE:
        v = cJSON_CreateFalse();
        break;
    case P_TRUE:
        v = cJSON_CreateTrue();
        break;
    case P_INT: {
        uint64_t z = compact_varint(&p);
        v = cJSON_CreateNumber((double)(int64_t)((z >> 1) ^ (~(z & 1) + 1)));
        break;
    }
    case P_DBL: {
        double d;
        memcpy(&d, p, sizeof d);
        p += sizeof d;
        v = cJSON_CreateNumber(d);
        break;
    }
    case P_SSTR:
        v = cJSON_CreateStringReference(compact_strs[compact_varint(&p)]);
        break;
    case P_STR:
    case P_RAW: {
        size_t len = compact_varint(&p);
        v = tag == P_STR ? cJSON_CreateString((const char *)p) : cJSON_CreateRaw((const char *)p);
        p += len + 1;
        break;
    }
    case P_RV:
        v = cJSON_CreateString((const char *)p + 1);
        p += RV_SLOT;
        break;
    case P_ARR:
    case P_OBJ: {
        v = tag == P_ARR ? cJSON_CreateArray() : cJSON_CreateObject();
        size_t n = compact_varint(&p);
        compact_varint(&p); /* byte length */
        cJSON *last = NULL;
        for (size_t i = 0; i < n; i++) {
            const char *key = NULL;
            bool own = false;
            if (tag == P_OBJ) {
                uint64_t k = compact_varint(&p);
                if (k & 1) {
                    key = (const char *)p;
                    own = true;
                    p += (k >> 1) + 1;
                } else {
                    key = compact_strs[k >> 1];
                }
            }
            cJSON *it = compact_dec_value(&p);
            if (key && own) {
                it->string = xstrdup(key);
            } else if (key) {
                it->string = (char *)key;
                it->type |= cJSON_StringIsConst;
            }
            if (last) {
                last->next = it;
                it->prev = last;
            } else {
                v->child = it;
            }
            last = it;
        }
        if (last)
            v->child->prev = last;
        break;
    }
    default:
        v = cJSON_CreateNull();
        break;
    }
    *pp = p;
    return v;
}

cJSON *compact_unpack(const unsigned char *b)
{
    const unsigned char *p = b + 4;
    return compact_dec_value(&p);
}


/* The number of the shared key seg[0..n), or -1 when it has none (then
 * the key can only be written as an object's own). */
long compact_key_id(const char *seg, size_t n)
{
    if (n > INTERN_KEY_LEN)
        return -1;
    uint32_t id1;
    intern_slot_of(seg, n, intern_hash(seg, n), &id1);
    return (long)id1 - 1;
}


bool compact_find(const unsigned char **pp, const char *seg, size_t n)
{
    return compact_find_id(pp, seg, n, compact_key_id(seg, n));
}
