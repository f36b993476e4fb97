/* fuzz_protobuf: the protobuf request decoder (server/protobuf.h over
 * server/proto/pbjson). The first byte picks the endpoint's kind; the rest is
 * the body. Oracles: no out-of-bounds read (ASan); a body either decodes to
 * a JSON object naming its kind and apiVersion, or is refused with a 400
 * Status; what decodes encodes back (protobuf_encode) to bytes that decode
 * to the same JSON (unless a number in it is past what a double holds
 * exactly); a body read as a name-only tree (protobuf_body_name_only)
 * prints as that JSON. Test code only. */
#include "protobuf.h"
#include "fuzz_common.h"
#include <stdint.h>

static const char *const endpoints[][3] = {
    {"", "v1", "Pod"}, {"apps", "v1", "Deployment"}, {"policy", "v1", "Eviction"},
    {"", "v1", "DeleteOptions"}, {"", "v1", "Namespace"}, {"policy", "v1", "PodDisruptionBudget"},
    {"", "v1", "Node"}, {"apps", "v1", "StatefulSet"},
};

/* Whether doc holds a number that a double does not hold exactly: cJSON
 * keeps numbers as doubles, so an integer past 2^53 (an int64 field) comes
 * out of any JSON step in evictsim changed, as it does on the JSON path. */
static bool beyond_double(const cJSON *doc)
{
    if (cJSON_IsNumber(doc) && (doc->valuedouble > 9007199254740992.0 || doc->valuedouble < -9007199254740992.0))
        return true;
    for (const cJSON *c = doc ? doc->child : NULL; c; c = c->next)
        if (beyond_double(c))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    const char *const *ep = endpoints[data[0] % (sizeof endpoints / sizeof *endpoints)];
    /* Copy so ASan sees the exact bounds. */
    unsigned char *b = malloc(size);
    memcpy(b, data + 1, size - 1);
    size_t len = 0;
    cJSON *st = NULL;
    char *json = protobuf_body_json(b, size - 1, ep[0], ep[1], ep[2], &len, &st);
    if (!json) {
        if (!st || cJSON_GetNumberValue(cJSON_GetObjectItem(st, "code")) != 400 ||
            !cJSON_IsString(cJSON_GetObjectItem(st, "message")))
            fuzz_fail("a body that does not decode is not a 400 Status", NULL);
        cJSON_Delete(st);
        free(b);
        return 0;
    }
    if (strlen(json) != len)
        fuzz_fail("the decoded JSON's length is wrong", NULL);
    cJSON *tree = protobuf_body_name_only(b, size - 1, ep[0], ep[1], ep[2]);
    char *printed = tree ? cJSON_PrintUnformatted(tree) : NULL;
    if (tree && (!printed || strcmp(printed, json)))
        fuzz_fail("the name-only tree differs from the decoded JSON", json);
    free(printed);
    cJSON_Delete(tree);
    cJSON *doc = cJSON_Parse(json);
    if (!cJSON_IsObject(doc) || !cJSON_IsString(cJSON_GetObjectItem(doc, "kind")) ||
        !cJSON_IsString(cJSON_GetObjectItem(doc, "apiVersion")))
        fuzz_fail("a decoded body is not an object with kind and apiVersion", json);
    if (beyond_double(doc)) { /* not compared after encoding again (see beyond_double) */
        cJSON_Delete(doc);
        free(json);
        free(b);
        return 0;
    }
    size_t elen = 0;
    unsigned char *enc = protobuf_encode(doc, &elen);
    if (!enc) {
        /* only an envelope naming a kind with no message (read as the endpoint's) */
        char av[256];
        snprintf(av, sizeof av, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(doc, "apiVersion")));
        char *slash = strchr(av, '/');
        if (slash)
            *slash = 0;
        if (protobuf_kind_known(slash ? av : "", slash ? slash + 1 : av, cJSON_GetStringValue(cJSON_GetObjectItem(doc, "kind"))))
            fuzz_fail("a decoded object does not encode", json);
        cJSON_Delete(doc);
        free(json);
        free(b);
        return 0;
    }
    char *again = protobuf_body_json(enc, elen, ep[0], ep[1], ep[2], &len, &st);
    if (!again || strcmp(again, json)) {
        fprintf(stderr, "first:  %s\nsecond: %s\n", json, again ? again : "(refused)");
        fuzz_fail("decode(encode(decode(body))) differs from decode(body)", NULL);
    }
    free(again);
    free(enc);
    cJSON_Delete(doc);
    free(json);
    free(b);
    return 0;
}
