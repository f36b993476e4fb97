/* fuzz_selector: label and field selector parsing and matching
 * (model/api/selector.h). Byte 0 picks: 0 query-string label selector, 1 field
 * selector (byte 1 picks the resource), 2 metav1.LabelSelector JSON (parse and
 * validate). Oracles: NULL result iff an error message; parsing never crashes
 * and matching a parsed selector always answers. Test code only. */
#include "selector.h"
#include "fuzz_common.h"
#include <stdint.h>

static const char *const fz_plurals[] = {"pods", "nodes", "namespaces", "events", "poddisruptionbudgets",
                                         "replicasets", "deployments", "statefulsets"};
static const char fz_obj[] =
    "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\",\"labels\":{\"app\":\"web\",\"tier\":\"1\"}},"
    "\"spec\":{\"nodeName\":\"n1\",\"restartPolicy\":\"Always\",\"unschedulable\":true},"
    "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.1\"}}";

static void fz_expect(bool ok, char *err, const char *what)
{
    if (ok == (err != NULL))
        fuzz_fail(what, err);
    free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 16 * 1024)
        return 0;
    int mode = data[0] % 3;
    const char *plural = fz_plurals[data[1] % (sizeof fz_plurals / sizeof *fz_plurals)];
    char *s = strndup((const char *)data + 2, size - 2);
    cJSON *obj = cJSON_Parse(fz_obj);
    const cJSON *labels = cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"), "labels");
    char *err = NULL;
    if (mode == 0) {
        labelsel *ls = labelsel_parse(s, &err);
        fz_expect(ls != NULL, err, "labelsel_parse: result and error disagree");
        if (ls) {
            (void)labelsel_matches(ls, labels);
            (void)labelsel_matches(ls, NULL);
            (void)labelsel_is_everything(ls);
        }
        labelsel_free(ls);
    } else if (mode == 1) {
        fieldsel *fs = fieldsel_parse(s, plural, &err);
        fz_expect(fs != NULL, err, "fieldsel_parse: result and error disagree");
        if (fs) {
            (void)fieldsel_matches(fs, obj);
            (void)fieldsel_exact(fs, "metadata.name");
            (void)fieldsel_is_everything(fs);
        }
        fieldsel_free(fs);
    } else {
        cJSON *j = cJSON_ParseWithLength((const char *)data + 2, size - 2);
        if (j) {
            labelsel *ls = labelsel_from_json(j, &err);
            if (ls && err)
                fuzz_fail("labelsel_from_json: result and error", err);
            if (ls)
                (void)labelsel_matches(ls, labels);
            labelsel_free(ls);
            free(err);
            cJSON *causes = cJSON_CreateArray();
            int n = labelsel_validate_json(j, "spec.selector", causes);
            if (n != cJSON_GetArraySize(causes))
                fuzz_fail("labelsel_validate_json: count differs from the causes added", NULL);
            cJSON_Delete(causes);
            cJSON_Delete(j);
        }
    }
    cJSON_Delete(obj);
    free(s);
    return 0;
}
