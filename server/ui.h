/* ui: the web view's routes (the page at / and /ui/, its embedded assets,
 * the embedded fixtures) and the small /sim/v1 endpoints the page needs.
 * Serves bytes and reshapes what the model answers; decides nothing. */
#ifndef EVICTSIM_UI_H
#define EVICTSIM_UI_H
#include <stdbool.h>
#include <stddef.h>

/* One file embedded at build time (build/server/ui_assets.c, written by
 * server/ui/embed.sh): "ui/app.js", "fixtures/lessons/01-....yaml". */
typedef struct {
    const char *path;
    const unsigned char *data;
    size_t len;
} ui_asset;

/* NULL-terminated; weak: a build without the generated file (the fuzz
 * targets) has no assets and answers 404 for them. */
extern const ui_asset evictsim_ui_assets[] __attribute__((weak));

/* --no-ui clears it: the page and its assets answer 404. */
extern bool ui_enabled;

/* True for the page's own paths (GET /ui, /ui/..., and / for a client
 * that accepts text/html): they hold no cluster data, so they are served
 * without --token; the page asks for the token and sends it on its API
 * requests. accept may be NULL. */
bool ui_public_path(const char *method, const char *url, const char *accept);
#endif
