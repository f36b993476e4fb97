/* jalloc: cJSON's allocation hooks (small freed blocks kept per thread)
 * and the per-thread scratch arena (json_scratch_*, declared in json.h).
 * Owns memory only: never looks inside a document. */
#include "json.h"
#include "xalloc.h"
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- cJSON's allocations ------------------------------------------------- */

/* A load parses, extends and frees some 200 small blocks per object (nodes,
 * keys, strings), and glibc keeps only seven freed blocks of a size for the
 * next malloc of the thread: the rest go through its bins. These hooks keep
 * up to JA_KEEP freed blocks of each small size per thread and hand them out
 * again. Outside a scratch (below), every block is an ordinary malloc block
 * at all times, so code that frees a cJSON string with free() or gives
 * cJSON a strdup'd one is still right; inside one, neither is (see
 * json.h). Under AddressSanitizer, which must see every free, no block is
 * kept, and a scratch's chunks are freed when it ends, so that any use of
 * its memory after that is reported. */
#if defined(__SANITIZE_ADDRESS__)
#define JA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JA_ASAN 1
#endif
#endif
#ifndef JA_ASAN
#define JA_ASAN 0
#endif


#define JA_CLASSES 7 /* usable sizes 24, 40, ..., 120 (glibc's chunks up to 128 bytes) */
#define JA_KEEP 1024

/* The bound in force (json_alloc_keep), for every thread. */
static size_t ja_keep = JA_KEEP;

void json_alloc_keep(size_t n)
{
    ja_keep = n;
}

/* A scratch chunk: blocks handed out one after another, all given back at
 * once (json_scratch_begin). */
typedef struct ja_chunk {
    struct ja_chunk *next;
    char *at, *end;
    char mem[];
} ja_chunk;

#define JA_CHUNK (256 * 1024)

/* Where a chunk's blocks start: its memory, rounded up to 16 bytes. */
static char *ja_chunk_start(ja_chunk *k)
{
    return (char *)(((uintptr_t)k->mem + 15) & ~(uintptr_t)15);
}

typedef struct {
    void *head[JA_CLASSES];
    size_t n[JA_CLASSES];
    bool keyed;
    bool scratch;      /* between json_scratch_begin and _end, not paused */
    bool open;         /* between json_scratch_begin and _end */
    ja_chunk *chunks;  /* the first is in use, the rest were and will be again */
} ja_cache;

static __thread ja_cache ja;
static pthread_key_t ja_key;

static void ja_chunks_free(ja_cache *c)
{
    while (c->chunks) {
        ja_chunk *k = c->chunks;
        c->chunks = k->next;
        free(k);
    }
}

/* A thread that ends gives its kept blocks and its scratch back. */
static void ja_flush(void *arg)
{
    ja_cache *c = arg;
    for (int i = 0; i < JA_CLASSES; i++)
        while (c->head[i]) {
            void *p = c->head[i];
            c->head[i] = *(void **)p;
            free(p);
        }
    memset(c->n, 0, sizeof c->n);
    ja_chunks_free(c);
    c->scratch = c->open = false;
}

static void ja_keyed(void)
{
    if (!ja.keyed) {
        ja.keyed = true;
        pthread_setspecific(ja_key, &ja);
    }
}

/* n bytes of scratch (16-byte aligned), from the chunk in use or a new one
 * in front of it (chunks once filled stay filled until the scratch ends). */
static void *ja_scratch(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    ja_chunk *k = ja.chunks;
    if (!k || (size_t)(k->end - k->at) < n) {
        size_t size = n > JA_CHUNK / 2 ? n : JA_CHUNK;
        ja_chunk *fresh = xmalloc(sizeof *fresh + size + 15);
        fresh->at = ja_chunk_start(fresh);
        fresh->end = fresh->at + size;
        fresh->next = k;
        ja.chunks = k = fresh;
        ja_keyed();
    }
    void *p = k->at;
    k->at += n;
    return p;
}

static bool ja_in_scratch(const void *p)
{
    for (const ja_chunk *k = ja.chunks; k; k = k->next)
        if ((const char *)p >= k->mem && (const char *)p < k->end)
            return true;
    return false;
}

static void *ja_malloc(size_t n)
{
    if (ja.scratch)
        return ja_scratch(n);
    size_t usable = n + 8 <= 32 ? 24 : ((n + 8 + 15) & ~(size_t)15) - 8;
    size_t i = (usable - 24) / 16;
    if (!JA_ASAN && i < JA_CLASSES && ja.head[i]) {
        void *p = ja.head[i];
        ja.head[i] = *(void **)p;
        ja.n[i]--;
        return p;
    }
    return xmalloc(n); /* cJSON's callers are not asked to cope with NULL */
}

static void ja_free(void *p)
{
    if (!p || (ja.chunks && ja_in_scratch(p)))
        return; /* scratch goes all at once */
    if (JA_ASAN) {
        free(p);
        return;
    }
    size_t usable = malloc_usable_size(p), i = (usable - 24) / 16;
    if (usable < 24 || (usable - 24) % 16 || i >= JA_CLASSES || ja.n[i] >= ja_keep) {
        free(p);
        return;
    }
    ja_keyed();
    *(void **)p = ja.head[i];
    ja.head[i] = p;
    ja.n[i]++;
}

static void ja_init(void)
{
    pthread_key_create(&ja_key, ja_flush);
    cJSON_Hooks h = {.malloc_fn = ja_malloc, .free_fn = ja_free};
    cJSON_InitHooks(&h);
}

void json_alloc_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ja_init);
}

void json_scratch_begin(void)
{
    if (ja.open) { /* a scratch inside a scratch would take back the outer one's trees */
        fputs("evictsim: json_scratch_begin inside a scratch\n", stderr);
        abort();
    }
    json_alloc_init();
    /* one chunk of the usual size is kept for the next scratch; the rest
     * (one filled, or one made for a big allocation) go back */
    while (ja.chunks && (ja.chunks->next || ja.chunks->end - ja.chunks->mem > JA_CHUNK + 15)) {
        ja_chunk *k = ja.chunks;
        ja.chunks = k->next;
        free(k);
    }
    if (ja.chunks)
        ja.chunks->at = ja_chunk_start(ja.chunks);
    ja.scratch = ja.open = true;
}

void json_scratch_end(void)
{
    ja.scratch = ja.open = false;
    if (JA_ASAN)
        ja_chunks_free(&ja);
}

bool json_scratch_pause(void)
{
    bool was = ja.scratch;
    ja.scratch = false;
    return was;
}

void json_scratch_resume(bool was)
{
    ja.scratch = was;
}

bool json_scratch_on(void)
{
    return ja.scratch;
}

cJSON *json_scratch_keep(cJSON *t)
{
    if (!t || !json_scratch_on())
        return t;
    bool was = json_scratch_pause();
    cJSON *copy = cJSON_Duplicate(t, true);
    json_scratch_resume(was);
    if (!copy) { /* nothing else could say what was kept */
        fputs("evictsim: out of memory\n", stderr);
        abort();
    }
    return copy;
}

void json_scratch_delete(cJSON *t)
{
    if (!json_scratch_on())
        cJSON_Delete(t);
}
