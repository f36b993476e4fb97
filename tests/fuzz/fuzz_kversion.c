/* fuzz_kversion: the command-line parsers of model/version (--kube-version, --feature-gates,
 * --runtime-config). Byte 0 picks the parser and byte 1 the release. Oracles: 0 iff no error
 * message; an error is one line; a failed --feature-gates leaves the gates as they were; the
 * /sim/v1/info and /version documents of any accepted setting are whole. Test code only. */
#include "kversion.h"
#include "fuzz_common.h"
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 4096)
        return 0;
    kube_version v = {.minor = KV_MIN + data[1] % (KV_MAX - KV_MIN + 1)};
    char *s = strndup((const char *)data + 2, size - 2);
    char *err = NULL;
    int rc;
    switch (data[0] % 3) {
    case 0: rc = kv_parse_version(s, &v.minor, &err); break;
    case 1: {
        kube_version before = v;
        rc = kv_parse_gates(&v, s, &err);
        if (rc < 0 && (v.set != before.set || v.on != before.on))
            fuzz_fail("kv_parse_gates changed the gates and failed", err);
        break;
    }
    default: rc = kv_parse_runtime_config(&v, s, &err); break;
    }
    if ((rc == 0) != (err == NULL))
        fuzz_fail("result and error disagree", err);
    if (err && strchr(err, '\n'))
        fuzz_fail("an error of more than one line", err);
    if (rc == 0) {
        if (v.minor < KV_MIN || v.minor > KV_MAX)
            fuzz_fail("a release out of range was accepted", s);
        cJSON *info = kv_info(&v), *ver = kv_version_doc(&v);
        if (!info || !ver)
            fuzz_fail("no document", s);
        cJSON_Delete(info);
        cJSON_Delete(ver);
        char *cerr = NULL;
        if (kv_check(&v, &cerr) < 0 && !cerr)
            fuzz_fail("kv_check failed without a message", s);
        free(cerr);
    }
    free(err);
    free(s);
    return 0;
}
