/* load_parts: what the three files of model/load/ share, and nothing
 * outside model/load/ includes: yaml.c reads YAML (and small JSON) text into
 * cJSON documents, jsonlist.c reads a big JSON List item by item on several
 * threads, manifest.c checks the objects and walks files and directories. */
#ifndef EVICTSIM_LOAD_PARTS_H
#define EVICTSIM_LOAD_PARTS_H

#include "manifest.h"
#include <stdbool.h>
#include <stddef.h>

#define MSGSZ 512 /* room for one error message */

/* yaml.c */
typedef int (*mdoc_cb)(void *arg, cJSON *v, char *msg);
/* Each document of text (YAML, or JSON read by cJSON) given to cb in turn;
 * 0, or -1 with a message in msg and the failing document's number. */
int m_parse_stream(const char *text, size_t len, mdoc_cb cb, void *arg, int *docno, char *msg);
/* The offset of the first byte of s that is not valid UTF-8 (n when none). */
size_t m_utf8_bad(const unsigned char *s, size_t n);
/* Makes a document read by cJSON what Go's decoder would have made of it:
 * a repeated key keeps its last value; 0, or -1 with a message. */
int m_json_fix(cJSON *v, int depth, char *msg);

/* jsonlist.c: text read as one JSON List, its items given to sink: 1 when
 * done, 0 when it must be read the ordinary way (what was given undone),
 * among others when it is not all valid UTF-8. mapped: text is a whole
 * read-only mapping of a file, whose pages may be given back once read. */
int m_stream_list(const char *text, size_t len, const manifest_sink *sink, size_t *given_out, bool mapped);

/* manifest.c: the checks every object passes, and typed lists' items. */
int m_check_object(const cJSON *v, char *msg, size_t off);
int m_is_list(const char *kind, const cJSON *items);
void m_fill_item(cJSON *item, const char *kind, const cJSON *list);
#endif
