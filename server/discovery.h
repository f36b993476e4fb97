/* discovery: answers the informational GET paths kubectl and client libraries probe before real work
 * (/api, /apis, group versions, /version, health checks, OpenAPI stubs), with strict Accept
 * negotiation between legacy and aggregated (apidiscovery.k8s.io) discovery. Pure functions. */
#ifndef EVICTSIM_DISCOVERY_H
#define EVICTSIM_DISCOVERY_H
#include <stdbool.h>
#include <stddef.h>

struct kube_version;
/* The release whose discovery and /version are answered (model/version/kversion.h); set once at
 * start-up before serving. NULL (the initial value) is the default release. */
void discovery_use(const struct kube_version *kv);

typedef struct {
    int code;
    const char *content_type; /* static string */
    char *body;               /* malloc'd, NUL-terminated; free() it */
    size_t len;               /* body length without the NUL */
} disc_reply;

/* Answer a discovery/informational GET path: "/api", "/apis", "/api/v1", "/apis/policy", "/apis/policy/v1",
 * "/apis/apps", "/apis/apps/v1", "/version", "/healthz", "/livez", "/readyz", "/openapi/v2", "/openapi/v3"
 * (and below). Unknown "/api/X", "/apis/G[/V]" and "/openapi/..." paths get a 404 Status.
 * A query string ("?timeout=32s") and a trailing slash are ignored.
 * `accept` is the raw Accept header (may be NULL); `host` is the served "HOST:PORT" (may be NULL).
 * Returns false (and leaves `out` untouched) if the path is not a discovery path. */
bool discovery_answer(const char *path, const char *accept, const char *host, disc_reply *out);

/* One media range of an Accept header, parameters picked out. */
typedef struct {
    char mime[128]; /* "application/json", lowercased */
    char g[64];     /* value of g= ("" if absent) */
    char v[32];     /* value of v= */
    char as[64];    /* value of as= */
    bool rejected;  /* q=0, or a value too long to hold: never acceptable */
} disc_media_range;

/* Split an Accept header into media ranges in header order (at most `max`); returns how many. */
size_t disc_accept_parse(const char *accept, disc_media_range *out, size_t max);

typedef enum { DISC_LEGACY, DISC_AGG_V2, DISC_AGG_V2BETA1 } disc_format;
/* Which discovery format /api and /apis should answer for this Accept header: the first range in
 * header order that we can serve wins (exact v=v2 vs v=v2beta1; parameters in any order). */
disc_format disc_negotiate(const char *accept);
#endif
