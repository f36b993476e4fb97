/* fuzz_eviction: the Eviction body (model/api/eviction.h evict_pod) against a
 * cluster with two ready pods under a minAvailable=1 PDB. Byte 0: bit 0 picks
 * the body type (JSON or YAML), bit 1 evicts web-2 instead of web-1, bit 2
 * sets ?dryRun=All; the rest is the body. Oracles: the answer is 201 or a
 * Status with the answer's code; a failed or dry-run eviction leaves the
 * store unchanged, except what upstream leaves after a failed delete step
 * (404/409/422/500: PDB decrement, DisruptionTarget; docs/reference/eviction.md
 * §2.2). Test code only. */
#include "eviction.h"
#include "rest.h"
#include "fuzz_common.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    cluster *c = fuzz_cluster();
    evict_req e = {
        .ns = "default",
        .name = (data[0] & 2) ? "web-2" : "web-1",
        .body = (const char *)data + 1,
        .body_len = size - 1,
        .body_type = (data[0] & 1) ? BODY_YAML : BODY_JSON,
        .dry_run_query = (data[0] & 4) ? "All" : NULL,
    };
    api_result r = {0};
    cluster_lock(c);
    char *before = fuzz_snapshot(c);
    char *before_lenient = fuzz_snapshot_lenient(c);
    evict_pod(c, &e, &r);
    cluster_settle(c);
    fuzz_check_result(&r);
    if (r.code != 201 && r.code != 200 && r.code < 400)
        fuzz_fail("eviction answered neither success nor an error", NULL);
    api_result dry = r;
    if (e.dry_run_query && r.code < 400)
        dry.code = 400; /* a dry run must change nothing either */
    if (fuzz_eviction_late_error(&r) && !e.dry_run_query)
        fuzz_check_unchanged2(c, before_lenient, &dry, "(the eviction body is the input)", 1);
    else
        fuzz_check_unchanged(c, before, &dry, "(the eviction body is the input)");
    cluster_unlock(c);
    free(before);
    free(before_lenient);
    api_result_clear(&r);
    cluster_free(c);
    return 0;
}
