/* protobuf: decodes the one protobuf body clients send us — a DeleteOptions
 * (kubectl 1.32+ typed DELETE) — into its JSON form. Nothing else. */
#ifndef EVICTSIM_PROTOBUF_H
#define EVICTSIM_PROTOBUF_H
#include <cJSON.h>
#include <stddef.h>
/* NULL when the bytes are not a k8s protobuf envelope holding DeleteOptions. */
cJSON *protobuf_delete_options(const unsigned char *b, size_t n);
#endif
