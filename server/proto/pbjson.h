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

/* The message m encoded in b[0..n) as its JSON object (unknown fields
 * dropped, as Go's decoder drops them). NULL on bad bytes, with *err set to
 * the text Go's generated decoder gives (malloc'd). Integers beyond 2^53 are
 * raw cJSON numbers, printed exactly. */
cJSON *pbjson_decode(const pb_msg *m, const uint8_t *b, size_t n, char **err);

/* The JSON object doc as message m, packed as Go writes it (every field of
 * a non-pointer Go type written, even at its zero value). Members that are
 * not fields of m are left out. NULL when a value does not fit its field,
 * with *err set (malloc'd). *len is the length of the malloc'd bytes. */
uint8_t *pbjson_encode(const pb_msg *m, const cJSON *doc, size_t *len, char **err);
/* Why b[0..n) is not a message m, in the words of Go's generated decoder
 * (malloc'd); NULL when nothing is wrong with it. */
char *pbjson_error(const pb_msg *m, const uint8_t *b, size_t n);
#endif
