/* table_cells: what the Table printers share (server/table.c for the modelled kinds,
 * server/printers.c for the registry's): column definitions and cell helpers. Internal to the
 * printers; pure functions over documents. */
#ifndef EVICTSIM_TABLE_CELLS_H
#define EVICTSIM_TABLE_CELLS_H
#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include "kinds.h"

#define TB_BUF 512

typedef struct {
    const char *name, *type, *format, *desc;
    int priority;
} tb_col;

#define TB_NAME_DESC                                                                                      \
    "Name must be unique within a namespace. Is required when creating resources, although some "         \
    "resources may allow a client to request the generation of an appropriate name automatically. Name is " \
    "primarily intended for creation idempotence and configuration definition. Cannot be updated. More "   \
    "info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define TB_AGE_DESC                                                                                        \
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is "  \
    "not guaranteed to be set in happens-before order across separate operations. Clients may not set "   \
    "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. " \
    "Null for lists. More info: "                                                                          \
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
#define TB_NAME {"Name", "string", "name", TB_NAME_DESC, 0}
#define TB_AGE {"Age", "string", "", TB_AGE_DESC, 0}
#define TB_CONTAINERS {"Containers", "string", "", "Names of each container in the template.", 1}
#define TB_IMAGES {"Images", "string", "", "Images referenced by each container in the template.", 1}
#define TB_SELECTOR(d) {"Selector", "string", "", d, 1}
#define TB_END {NULL, NULL, NULL, NULL, 0}


void tb_printf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* o's member at the path given as NULL-terminated keys; NULL when absent. */
const cJSON *tb_get(const cJSON *o, ...);
const cJSON *tb_obj(const cJSON *o);
const char *tb_str(const cJSON *o, const char *key); /* "" when absent */
long long tb_int(const cJSON *o, const char *key, long long dflt);
bool tb_true(const cJSON *o, const char *key);
bool tb_present(const cJSON *o, const char *key);
int tb_len(const cJSON *arr);
void tb_add_str(cJSON *cells, const char *s);
void tb_add_int(cJSON *cells, long long v);
void tb_add_age(cJSON *cells, const cJSON *obj, double now);
void tb_add_name(cJSON *cells, const cJSON *obj);
void tb_join(char *buf, size_t n, const char *sep, const char *s);
void tb_format_labels(const cJSON *map, char *buf, size_t n);
bool tb_selector_string(const cJSON *sel, char *buf, size_t n);
void tb_format_selector(const cJSON *sel, char *buf, size_t n);
void tb_add_containers(cJSON *cells, const cJSON *podspec);
void tb_add_int_or_string(cJSON *cells, const cJSON *v);

/* The registry's printers (server/printers.c): the columns of kind k and a row's cells; NULL /
 * false for a kind they do not print. */
const tb_col *printers_columns(kind_id k);
bool printers_cells(kind_id k, const cJSON *obj, double now, cJSON *cells);
/* Custom resources: Name, then the CRD's additionalPrinterColumns (Name, Age without). */
cJSON *printers_custom_columns(const kind_info *ki);
void printers_custom_cells(const kind_info *ki, const cJSON *obj, double now, cJSON *cells);
#endif
