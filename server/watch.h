/* watch: ?watch=true streams. Feeds every watcher from the store's change
 * events (and a bounded history for resourceVersion), never blocking the
 * model: a watcher that falls too far behind loses its stream. */
#ifndef EVICTSIM_WATCH_H
#define EVICTSIM_WATCH_H
#include "http.h"
#include "listopts.h"

/* Attach the hub to a cluster's store (once, before serving). */
void watch_init(cluster *c);
/* Start a watch for a request (model lock held) with its checked
 * ListOptions: fills out->stream, or an error Status. */
void watch_start(http_req *rq, http_resp *out, kind_id k, const char *ns, const char *name,
                 const char *label_selector, const char *field_selector, const list_opts *lo);
/* Periodic work off the model lock: timeouts and bookmarks. */
void watch_tick(void);
/* End every stream (before the daemon stops). */
void watch_shutdown(void);
/* Free the event history (at exit, after the daemon stopped). */
void watch_free_history(void);
/* libmicrohttpd glue, used by http.c for a stream response. */
struct MHD_Response *watch_response(void *stream);
#endif
