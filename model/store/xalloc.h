/* xalloc: the allocation policy. Running out of memory is not an answer
 * evictsim can give a client (no Status fits, and a half-built object must
 * not reach the store), so an allocation that fails ends the process with
 * one clear line on stderr. Where a size comes from input and failing is
 * an answer (a file too big to read), callers use malloc and say so. */
#ifndef EVICTSIM_XALLOC_H
#define EVICTSIM_XALLOC_H
#include <stdarg.h>
#include <stddef.h>

/* Prints "evictsim: out of memory (<what>)" and aborts. */
_Noreturn void xalloc_die(const char *what);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* realloc that never leaves p dangling: it aborts instead of failing. */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf into a fresh string, which it returns. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
#endif
