/* text: message-building helpers shared by the model (see text.h). Owns no
 * state; never reads the store. */
#include "text.h"
#include "xalloc.h"
#include "json.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void strbuf_grow(strbuf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    b->cap = (b->len + more + 1) * 2;
    b->s = xrealloc(b->s, b->cap);
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    strbuf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *strbuf_room(strbuf *b, size_t more)
{
    strbuf_grow(b, more);
    return b->s + b->len;
}

void strbuf_putc(strbuf *b, char c)
{
    strbuf_grow(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

void strbuf_putn(strbuf *b, const char *s, size_t n)
{
    strbuf_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void strbuf_puts(strbuf *b, const char *s)
{
    strbuf_putn(b, s, strlen(s));
}

void strbuf_quote(strbuf *b, const char *s)
{
    strbuf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': strbuf_puts(b, "\\\""); break;
        case '\\': strbuf_puts(b, "\\\\"); break;
        case '\n': strbuf_puts(b, "\\n"); break;
        case '\t': strbuf_puts(b, "\\t"); break;
        case '\r': strbuf_puts(b, "\\r"); break;
        case '\a': strbuf_puts(b, "\\a"); break;
        case '\b': strbuf_puts(b, "\\b"); break;
        case '\f': strbuf_puts(b, "\\f"); break;
        case '\v': strbuf_puts(b, "\\v"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                strbuf_printf(b, "\\x%02x", *p);
            else
                strbuf_putn(b, (const char *)p, 1);
        }
    }
    strbuf_puts(b, "\"");
}

const char *go_json_type(const cJSON *v)
{
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "bool";
    return "null";
}


void strbuf_base64(strbuf *b, const char *s, size_t n, bool url)
{
    const char *tab = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16 | (i + 1 < n ? (unsigned char)s[i + 1] << 8 : 0) |
                     (i + 2 < n ? (unsigned char)s[i + 2] : 0);
        strbuf_putc(b, tab[v >> 18 & 63]);
        strbuf_putc(b, tab[v >> 12 & 63]);
        if (i + 1 < n)
            strbuf_putc(b, tab[v >> 6 & 63]);
        else if (!url)
            strbuf_putc(b, '=');
        if (i + 2 < n)
            strbuf_putc(b, tab[v & 63]);
        else if (!url)
            strbuf_putc(b, '=');
    }
}
