/* pbreg: the table of protobuf messages by name, with their fields in Go
 * order and Go's JSON rules, built once from the generated tables. Owns no
 * wire format and no JSON: pbjson.c reads what this builds. */
#include "pbreg.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static pb_msg *msgs;
static size_t nmsgs;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const pb_msg *)a)->d->name, ((const pb_msg *)b)->d->name);
}

static pb_msg *find(const char *name)
{
    size_t lo = 0, hi = nmsgs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, msgs[mid].d->name);
        if (!c)
            return &msgs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static pb_special special_of(const ProtobufCMessageDescriptor *d)
{
    static const struct { const char *name; pb_special s; } specials[] = {
        {"k8s.io.apimachinery.pkg.apis.meta.v1.Time", PBS_TIME},
        {"k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime", PBS_MICROTIME},
        {"k8s.io.apimachinery.pkg.apis.meta.v1.Duration", PBS_DURATION},
        {"k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1", PBS_FIELDSV1},
        {"k8s.io.apimachinery.pkg.api.resource.Quantity", PBS_QUANTITY},
        {"k8s.io.apimachinery.pkg.util.intstr.IntOrString", PBS_INTORSTRING},
        {"k8s.io.apimachinery.pkg.runtime.RawExtension", PBS_RAWEXT},
    };
    for (size_t i = 0; i < sizeof specials / sizeof *specials; i++)
        if (!strcmp(d->name, specials[i].name))
            return specials[i].s;
    size_t n = strlen(d->short_name);
    /* protoc-c writes a map<K,V> as a nested XxxEntry {key = 1, value = 2} */
    if (n > 5 && !strcmp(d->short_name + n - 5, "Entry") && d->n_fields == 2 &&
        !strcmp(d->fields[0].name, "key") && !strcmp(d->fields[1].name, "value") &&
        strchr(d->name + strlen(d->package_name) + 1, '.'))
        return PBS_MAPENTRY;
    return PBS_PLAIN;
}

static unsigned parse_flags(const char *f)
{
    unsigned fl = PBF_KNOWN;
    for (; *f; f++)
        fl |= *f == 'p' ? PBF_POINTER : *f == 'o' ? PBF_OMITEMPTY : *f == 'i' ? PBF_INLINE : 0;
    return fl;
}

static void build(void)
{
    while (pb_all_messages[nmsgs])
        nmsgs++;
    msgs = calloc(nmsgs, sizeof *msgs);
    for (size_t i = 0; i < nmsgs; i++) {
        msgs[i].d = pb_all_messages[i];
        msgs[i].special = special_of(msgs[i].d);
    }
    qsort(msgs, nmsgs, sizeof *msgs, by_name);
    /* Fields: goshape's rows (Go order) first, then the rest in number order. */
    for (size_t i = 0; i < nmsgs; i++) {
        const ProtobufCMessageDescriptor *d = msgs[i].d;
        pb_field *f = calloc(d->n_fields ? d->n_fields : 1, sizeof *f);
        unsigned n = 0;
        for (const pb_shape_row *r = pb_goshape; r->msg; r++) {
            if (strcmp(r->msg, d->name))
                continue;
            const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(d, (unsigned)r->number);
            bool dup = false;
            for (unsigned k = 0; k < n && fd; k++)
                dup |= f[k].fd == fd;
            if (!fd || dup)
                continue;
            f[n++] = (pb_field){fd, r->json[0] ? r->json : fd->name, r->goname, parse_flags(r->flags), NULL};
        }
        for (unsigned j = 0; j < d->n_fields; j++) {
            bool have = false;
            for (unsigned k = 0; k < n; k++)
                have |= f[k].fd == &d->fields[j];
            if (!have)
                f[n++] = (pb_field){&d->fields[j], d->fields[j].name, d->fields[j].name, 0, NULL};
        }
        msgs[i].fields = f;
        msgs[i].nfields = n;
        const pb_field **by = calloc(d->n_fields ? d->n_fields : 1, sizeof *by);
        for (unsigned k = 0; k < n; k++)
            by[f[k].fd - d->fields] = &f[k];
        msgs[i].by_desc = by;
    }
    for (size_t i = 0; i < nmsgs; i++)
        for (unsigned j = 0; j < msgs[i].nfields; j++) {
            pb_field *f = (pb_field *)&msgs[i].fields[j];
            if (f->fd->type == PROTOBUF_C_TYPE_MESSAGE)
                f->sub = find(((const ProtobufCMessageDescriptor *)f->fd->descriptor)->name);
        }
}

const pb_msg *pbreg_find(const char *full_name)
{
    pthread_once(&once, build);
    return find(full_name);
}

const pb_msg *pbreg_of(const ProtobufCMessageDescriptor *d)
{
    pthread_once(&once, build);
    return find(d->name);
}

const pb_field *pbreg_field(const pb_msg *m, unsigned number)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(m->d, number);
    return fd ? m->by_desc[fd - m->d->fields] : NULL;
}
