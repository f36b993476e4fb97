/* fuzz_manifest: the YAML/JSON manifest loader (model/manifest.h). Every
 * input goes through manifest_parse and manifest_parse_one. Oracles: NULL iff
 * an error message; the error is one line starting "fuzz: document "; every
 * parsed object has string apiVersion and kind; the result prints as JSON,
 * and jprint prints it byte for byte as cJSON_PrintUnformatted.
 * Test code only. */
#include "json.h"
#include "manifest.h"
#include "fuzz_common.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *err = NULL;
    cJSON *objs = manifest_parse((const char *)data, size, "fuzz", &err);
    if ((objs == NULL) == (err == NULL))
        fuzz_fail("manifest_parse: result and error disagree", err);
    if (err && (strncmp(err, "fuzz: ", 6) || strchr(err, '\n')))
        fuzz_fail("manifest_parse: error is not one line naming the source", err);
    cJSON *o;
    cJSON_ArrayForEach(o, objs) {
        if (!cJSON_IsString(cJSON_GetObjectItem(o, "apiVersion")) || !cJSON_IsString(cJSON_GetObjectItem(o, "kind")))
            fuzz_fail("manifest_parse: an object without string apiVersion/kind", NULL);
    }
    char *t = objs ? cJSON_PrintUnformatted(objs) : NULL;
    if (objs && !t)
        fuzz_fail("manifest_parse: result does not print", NULL);
    char *mine = objs ? jprint(objs) : NULL;
    if (t && (!mine || strcmp(t, mine)))
        fuzz_fail("jprint: differs from cJSON_PrintUnformatted", mine);
    free(mine);
    free(t);
    free(err);
    err = NULL;
    cJSON_Delete(objs);
    cJSON *one = manifest_parse_one((const char *)data, size, &err);
    if ((one == NULL) == (err == NULL))
        fuzz_fail("manifest_parse_one: result and error disagree", err);
    free(err);
    cJSON_Delete(one);
    return 0;
}
