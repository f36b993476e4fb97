/* pbjson: the one transcoder between protobuf messages (any message of
 * pbreg) and JSON documents shaped as Go's encoder writes the same object.
 * Descriptor-driven: no code per kind; only the types with their own JSON
 * form (Time, MicroTime, Duration, Quantity, IntOrString, RawExtension,
 * FieldsV1, maps, bytes) are special. Knows nothing of envelopes or HTTP. */
#ifndef EVICTSIM_PBJSON_H
#define EVICTSIM_PBJSON_H
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "pbreg.h"

/* Where protobuf-c puts what it unpacks: freed at once by
 * pbjson_arena_done; a small message takes no malloc. */
typedef struct pbjson_arena {
    ProtobufCAllocator a;
    struct pbjson_chunk *head;
    _Alignas(16) unsigned char first[4096];
    size_t first_used;
} pbjson_arena;
void pbjson_arena_init(pbjson_arena *ar);
void pbjson_arena_done(pbjson_arena *ar);
/* b[0..n) as a message m in ar, or NULL (pbjson_error says why). */
ProtobufCMessage *pbjson_unpack(const pb_msg *m, const uint8_t *b, size_t n, pbjson_arena *ar);
/* b[0..n) as a message m whose bytes field `number` holds a message sub,
 * both unpacked in one pass in ar: *inner is that message when the field
 * came once, NULL when it did not come. The field itself reads as not
 * sent. NULL when the bytes are not that (the field came twice, or its
 * bytes are no message sub): then unpack m and sub apart. */
ProtobufCMessage *pbjson_unpack_nested(const pb_msg *m, unsigned number, const pb_msg *sub, const uint8_t *b, size_t n,
                                       pbjson_arena *ar, const ProtobufCMessage **inner);

/* The message m encoded in b[0..n) as the JSON text of its object (unknown
 * fields dropped, as Go's decoder drops them), malloc'd, its length in
 * *len; head (members, e.g. "\"kind\":\"Pod\"") is written first. NULL on
 * bad bytes, with *err set to the text Go's generated decoder gives
 * (malloc'd). */
char *pbjson_decode(const pb_msg *m, const uint8_t *b, size_t n, const char *head, size_t *len, char **err);

/* The JSON object doc as message m, packed as Go writes it (every field of
 * a non-pointer Go type written, even at its zero value). Members that are
 * not fields of m are left out. NULL when a value does not fit its field,
 * with *err set (malloc'd). *len is the length of the malloc'd bytes. */
uint8_t *pbjson_encode(const pb_msg *m, const cJSON *doc, size_t *len, char **err);
/* What pbjson_decode writes of field f of message m (a message of f's
 * owner): PBJ_NOTHING, PBJ_NULL (the key with null: a time with neither
 * seconds nor nanos, an empty list Go always writes) or PBJ_OTHER. */
enum { PBJ_NOTHING, PBJ_NULL, PBJ_OTHER };
int pbjson_field_plain(const pb_field *f, const ProtobufCMessage *m);
/* Why b[0..n) is not a message m, in the words of Go's generated decoder
 * (malloc'd); NULL when nothing is wrong with it. */
char *pbjson_error(const pb_msg *m, const uint8_t *b, size_t n);
#endif
