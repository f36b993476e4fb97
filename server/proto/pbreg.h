/* pbreg: the protobuf messages evictsim knows (every message protoc-c
 * generated from proto/, see build/pb/pb_all.c) by full name, each with its
 * fields in the order and with the JSON rules of upstream's Go types
 * (proto/goshape.tsv). Read-only tables built once; no wire handling here. */
#ifndef EVICTSIM_PBREG_H
#define EVICTSIM_PBREG_H
#include <protobuf-c/protobuf-c.h>

typedef struct {
    const char *msg;    /* full message name */
    int number;
    const char *json;   /* JSON name ("" when inline) */
    const char *flags;  /* p pointer, o omitempty, i inline */
    const char *goname; /* Go field name (decode errors name it) */
} pb_shape_row;

/* Generated (build/pb/pb_all.c). */
extern const ProtobufCMessageDescriptor *const pb_all_messages[];
extern const pb_shape_row pb_goshape[];

enum { PBF_POINTER = 1, PBF_OMITEMPTY = 2, PBF_INLINE = 4, PBF_KNOWN = 8 };

/* Messages whose Go type has its own JSON form. */
typedef enum { PBS_PLAIN, PBS_TIME, PBS_MICROTIME, PBS_QUANTITY, PBS_INTORSTRING, PBS_DURATION,
               PBS_RAWEXT, PBS_FIELDSV1, PBS_MAPENTRY } pb_special;

struct pb_msg;
typedef struct {
    const ProtobufCFieldDescriptor *fd;
    const char *json;          /* JSON name */
    const char *goname;
    unsigned flags;            /* PBF_* (PBF_KNOWN: from goshape) */
    const struct pb_msg *sub;  /* the field's message, for message fields */
} pb_field;

typedef struct pb_msg {
    const ProtobufCMessageDescriptor *d;
    pb_special special;
    const pb_field *fields;    /* Go order, then fields Go does not have */
    unsigned nfields;
    const pb_field **by_desc;  /* the pb_field of each of d->fields, in its order */
} pb_msg;

/* The message of that full name ("k8s.io.api.core.v1.Pod"), or NULL. */
const pb_msg *pbreg_find(const char *full_name);
/* The message of a descriptor (always known for generated ones). */
const pb_msg *pbreg_of(const ProtobufCMessageDescriptor *d);
/* The field of that number, or NULL. */
const pb_field *pbreg_field(const pb_msg *m, unsigned number);
#endif
