/* protobuf: Kubernetes' protobuf on the wire — the "k8s\0" envelope
 * (runtime.Unknown), the message of each built-in kind, request bodies
 * turned into the JSON document the JSON path takes, and objects, lists,
 * Status and watch events encoded for clients that ask for protobuf. The
 * field-by-field work is pbjson's; semantics stay in the model. */
#ifndef EVICTSIM_PROTOBUF_H
#define EVICTSIM_PROTOBUF_H
#include <cJSON.h>
#include "fieldval.h"
#include <stdbool.h>
#include <stddef.h>

#define PROTOBUF_MEDIA "application/vnd.kubernetes.protobuf"

/* Whether objects of that group/kind have a protobuf message (built-in
 * kinds do; custom resources do not). */
bool protobuf_kind_known(const char *group, const char *version, const char *kind);
/* The built-in kinds' fields as fieldValidation reads them (the messages'
 * JSON names), for fieldval_set_schema. */
const fieldval_schema *protobuf_schema(void);

/* A protobuf request body for an endpoint expecting group/version kind:
 * the JSON text of the object it holds, with kind and apiVersion (the
 * envelope's, defaulted from the endpoint as upstream does), malloc'd.
 * NULL with *st a 400 Status in kube-apiserver's words when the body does
 * not decode, or the kind has no protobuf message (a custom resource). */
char *protobuf_body_json(const unsigned char *b, size_t n, const char *group, const char *version,
                         const char *kind, size_t *len, cJSON **st);

/* The same body when its object is nothing but metadata with a name and
 * namespace (plain text), whatever else it holds writing nothing or null
 * (Go's zero values, as client-go sends them), and its envelope names that
 * very kind: the document protobuf_body_json's text parses to, built as a
 * tree with no text between. NULL for any other body (protobuf_body_json
 * then decodes it, or says why it does not). */
cJSON *protobuf_body_name_only(const unsigned char *b, size_t n, const char *group, const char *version,
                               const char *kind);

/* doc (an object, a list or a Status, with kind and apiVersion) in the
 * envelope, malloc'd; NULL when its kind has no message. */
unsigned char *protobuf_encode(const cJSON *doc, size_t *len);

/* The same for a document given as JSON text (an eviction's Status). Recent
 * short texts are remembered with their bytes: a drain's answers repeat. */
unsigned char *protobuf_encode_text(const char *text, size_t n, size_t *len);

/* One watch frame: 4-byte big-endian length, then a metav1.WatchEvent
 * {type, object: {raw: the enveloped object}}. NULL as protobuf_encode. */
unsigned char *protobuf_watch_frame(const char *type, const cJSON *obj, size_t *len);
#endif
