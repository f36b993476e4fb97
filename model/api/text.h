/* text: small helpers for building message text — a growing string buffer,
 * Go's %q, Go's names for JSON value types — shared by the modules that
 * explain decisions. No model state. */
#ifndef EVICTSIM_TEXT_H
#define EVICTSIM_TEXT_H
#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *s;  /* NUL-terminated once anything was added; free() it */
    size_t len, cap;
} strbuf;

void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_puts(strbuf *b, const char *s);
void strbuf_putn(strbuf *b, const char *s, size_t n);
void strbuf_putc(strbuf *b, char c);
/* Room for `more` bytes (and the NUL) at b->s + b->len: write there, then
 * add what was written to b->len (strbuf_putn keeps the NUL, writers
 * through the room end with one when they need it). */
char *strbuf_room(strbuf *b, size_t more);
/* Go's %q of s (strconv.Quote, assuming valid UTF-8). */
void strbuf_quote(strbuf *b, const char *s);

/* Go's base64 of n bytes of s: StdEncoding (padded), or with url
 * RawURLEncoding (- and _, no padding), appended to b. */
void strbuf_base64(strbuf *b, const char *s, size_t n, bool url);

/* encoding/json's name for a value's type in its errors: "object", "array",
 * "string", "number", "bool" or "null". */
const char *go_json_type(const cJSON *v);

#endif
