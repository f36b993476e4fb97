/* gated: dropDisabledFields of the gates evictsim knows (see gated.h):
 * PDBUnhealthyPodEvictionPolicy (1.27-1.30, can be off) drops spec.unhealthyPodEvictionPolicy;
 * EvictionRequestAPI off drops a pod's spec.evictionResponders. Must not read the store. */
#include "gated.h"
#include "json.h"

static void drop(cJSON *doc, const cJSON *old, const char *path, const char *key)
{
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(doc, "spec");
    const cJSON *was = jget(old, path);
    if (cJSON_IsObject(spec) && (!was || cJSON_IsNull(was)))
        cJSON_DeleteItemFromObjectCaseSensitive(spec, key);
}

void gated_drop_disabled(const kube_version *kv, kind_id k, cJSON *doc, const cJSON *old)
{
    if (k == K_PDB && kv_gate_known(kv_minor(kv), G_PDB_UNHEALTHY_POD_EVICTION_POLICY) &&
        !kv_gate_on(kv, G_PDB_UNHEALTHY_POD_EVICTION_POLICY))
        drop(doc, old, "spec.unhealthyPodEvictionPolicy", "unhealthyPodEvictionPolicy");
    if (k == K_POD && !kv_gate_on(kv, G_EVICTION_REQUEST_API))
        drop(doc, old, "spec.evictionResponders", "evictionResponders");
}
