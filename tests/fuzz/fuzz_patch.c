/* fuzz_patch: JSON merge patch, JSON patch and strategic merge patch
 * (model/api/patch.h). Input byte 0 picks the patch type (mod 3); the rest is
 * "CURRENT\0PATCH" or just PATCH (applied to a realistic pod). Oracles: a
 * success gives a new object and no error, a failure a known code and a
 * message; a strategic result holds no `$` directive
 * ($patch, $retainKeys, $setElementOrder/, $deleteFromPrimitiveList/); `cur` is not modified.
 * Test code only. */
#include "patch.h"
#include "fuzz_common.h"
#include <stdint.h>

static const char fz_pod[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
    "\"labels\":{\"app\":\"web\"},\"finalizers\":[\"a/b\"]},\"spec\":{\"containers\":[{\"name\":\"c\","
    "\"image\":\"nginx\",\"ports\":[{\"containerPort\":80}],\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}],"
    "\"tolerations\":[{\"key\":\"k\"}]},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}";

static void fz_no_directive(const cJSON *o, int depth)
{
    if (depth > 200)
        return;
    for (const cJSON *k = o ? o->child : NULL; k; k = k->next) {
        if (cJSON_IsObject(o) && k->string &&
            (!strcmp(k->string, "$patch") || !strcmp(k->string, "$retainKeys") ||
             !strncmp(k->string, "$setElementOrder/", 17) || !strncmp(k->string, "$deleteFromPrimitiveList/", 25)))
            fuzz_fail("a strategic merge result keeps a $ directive", k->string);
        fz_no_directive(k, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    int mode = data[0] % 3;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    const char *nul = memchr(text, 0, len);
    cJSON *cur = nul ? cJSON_ParseWithLength(text, nul - text) : cJSON_Parse(fz_pod);
    cJSON *patch = nul ? cJSON_ParseWithLength(nul + 1, len - (nul + 1 - text)) : cJSON_ParseWithLength(text, len);
    if (!cur || !patch) {
        cJSON_Delete(cur);
        cJSON_Delete(patch);
        return 0;
    }
    char *cur_text = cJSON_PrintUnformatted(cur);
    cJSON *out = NULL;
    char *err = NULL;
    int rc = mode == 0 ? patch_merge(cur, patch, &out, &err)
           : mode == 1 ? patch_json(cur, patch, &out, &err)
                       : patch_strategic(cur, patch, &out, &err);
    if (rc == 0) {
        if (!out || err)
            fuzz_fail("patch success without a result (or with an error)", err);
        char *t = cJSON_PrintUnformatted(out);
        if (!t)
            fuzz_fail("patch result does not print", NULL);
        free(t);
        if (mode == 2 && !strstr(cur_text, "\"$")) /* directives already in cur are data */
            fz_no_directive(out, 0);
    } else {
        if (out || !err || (rc != 400 && rc != 413 && rc != 422 && rc != 500)) {
            char buf[64];
            snprintf(buf, sizeof buf, "rc=%d out=%p err=%p", rc, (void *)out, (void *)err);
            fuzz_fail("patch failure is not (400|413|422|500, no result, a message)", buf);
        }
    }
    char *after = cJSON_PrintUnformatted(cur);
    if (strcmp(cur_text, after))
        fuzz_fail("patching modified the current object", after);
    free(after);
    free(cur_text);
    free(err);
    cJSON_Delete(out);
    cJSON_Delete(cur);
    cJSON_Delete(patch);
    return 0;
}
