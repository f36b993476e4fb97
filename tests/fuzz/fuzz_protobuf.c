/* fuzz_protobuf: the protobuf DeleteOptions decoder (server/protobuf.h).
 * Oracles: never reads out of bounds (ASan); a decoded result is a JSON
 * object that prints. Test code only. */
#include "protobuf.h"
#include "fuzz_common.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copy so ASan sees the exact bounds. */
    unsigned char *b = malloc(size ? size : 1);
    memcpy(b, data, size);
    cJSON *o = protobuf_delete_options(b, size);
    if (o) {
        if (!cJSON_IsObject(o))
            fuzz_fail("protobuf DeleteOptions decoded to a non-object", NULL);
        char *t = cJSON_PrintUnformatted(o);
        if (!t)
            fuzz_fail("protobuf DeleteOptions result does not print", NULL);
        free(t);
    }
    cJSON_Delete(o);
    free(b);
    return 0;
}
