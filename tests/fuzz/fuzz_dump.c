/* fuzz_dump: what model/load/dump.c reads before the manifest parser does:
 * container logs blanked out of `kubectl cluster-info dump` output, several
 * JSON values one after another split one by one, the newest timestamp.
 * Oracles: a result or a one-line error naming the source, never both;
 * every object given has string apiVersion and kind, and nothing is given
 * by a failed read; text with no log block and a single document reads as
 * manifest_parse_each reads it; the newest time is 0 or a time clock_format
 * can write. Test code only. */
#define _GNU_SOURCE
#include "dump.h"
#include "json.h"
#include "manifest.h"
#include "clock.h"
#include "fuzz_common.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const char *text = (const char *)data;
    cJSON *got = cJSON_CreateArray();
    manifest_sink sink = manifest_array_sink(got);
    char *err = NULL;
    int rc = dump_parse_text(text, size, "fuzz", &sink, &err);
    if ((rc < 0) != (err != NULL))
        fuzz_fail("dump_parse_text: result and error disagree", err);
    if (err && (strncmp(err, "fuzz: ", 6) || strchr(err, '\n')))
        fuzz_fail("dump_parse_text: error is not one line naming the source", err);
    if (rc < 0 && got->child)
        fuzz_fail("dump_parse_text: objects left given by a failed read", err);
    cJSON *o;
    cJSON_ArrayForEach(o, got)
        if (!cJSON_IsString(cJSON_GetObjectItem(o, "apiVersion")) || !cJSON_IsString(cJSON_GetObjectItem(o, "kind")))
            fuzz_fail("dump_parse_text: an object without string apiVersion/kind", NULL);
    bool logs = memmem(text, size, "==== START logs for container ", 30) != NULL;
    const char *p = text;
    while (p < text + size && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    if (!logs && (p == text + size || (*p != '{' && *p != '['))) { /* read as the manifest reader reads it */
        cJSON *ref = cJSON_CreateArray();
        manifest_sink rs = manifest_array_sink(ref);
        char *rerr = NULL;
        int rrc = manifest_parse_each(text, size, "fuzz", &rs, &rerr);
        char *a = jprint(got), *b = jprint(ref);
        if (rrc != rc || strcmp(a, b) || (err && strcmp(err, rerr)))
            fuzz_fail("dump_parse_text: not what manifest_parse_each reads", rerr);
        free(a);
        free(b);
        free(rerr);
        cJSON_Delete(ref);
    }
    double t = dump_newest_text(text, size);
    if (t < 0 || t > CLOCK_MAX + 86400)
        fuzz_fail("dump_newest_text: out of range", NULL);
    free(err);
    cJSON_Delete(got);
    return 0;
}
