/* fuzz_manifest: the YAML/JSON manifest loader (model/load/manifest.h). Every
 * input goes through manifest_parse and manifest_parse_one. Oracles: NULL iff
 * an error message; the error is one line starting "fuzz: document "; every
 * parsed object has string apiVersion and kind; the result prints as JSON,
 * and jprint prints it byte for byte as cJSON_PrintUnformatted; read object
 * by object (manifest_parse_each, which streams a JSON List an item at a
 * time and reads again what is not plain) it gives the same objects, or the
 * same error with nothing left given; manifest_json_item, where it reads
 * the input, reads the tree and end cJSON_ParseWithLengthOpts reads, and
 * says rightly whether m_json_fix would leave it as it is.
 * Test code only. */
#include "json.h"
#include "manifest.h"
#include "fuzz_common.h"
#include "../jsame.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const char *e1 = NULL, *e2 = NULL;
    bool plain = false;
    cJSON *item = manifest_json_item((const char *)data, size, &e1, &plain);
    if (item) {
        cJSON *ref = cJSON_ParseWithLengthOpts((const char *)data, size, &e2, 0);
        if (!ref || !jsame(item, ref) || e1 != e2 || plain != jsame_plain(ref))
            fuzz_fail("manifest_json_item: not what cJSON reads", NULL);
        cJSON_Delete(ref);
        cJSON_Delete(item);
    }
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
    char *each_err = NULL;
    cJSON *each = cJSON_CreateArray();
    manifest_sink sink = manifest_array_sink(each);
    int rc = manifest_parse_each((const char *)data, size, "fuzz", &sink, &each_err);
    if ((rc < 0) != !objs || (each_err && strcmp(each_err, err)) || (rc < 0 && each->child))
        fuzz_fail("manifest_parse_each: not what manifest_parse gives", each_err);
    char *a = objs ? jprint(objs) : NULL, *b = objs ? jprint(each) : NULL;
    if (a && strcmp(a, b))
        fuzz_fail("manifest_parse_each: other objects than manifest_parse", b);
    free(a), free(b), free(each_err);
    cJSON_Delete(each);
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
