/* pod: pod state predicates (see pod.h). Reads documents and store bits;
 * writes nothing. */
#include "pod.h"
#include "json.h"
#include <string.h>

const char *pod_phase(const cJSON *pod)
{
    const char *p = jstr(pod, "status.phase");
    return p ? p : "Pending";
}

bool pod_ready(const cJSON *pod)
{
    const cJSON *cond;
    cJSON_ArrayForEach(cond, jget(pod, "status.conditions")) {
        const char *t = jstr(cond, "type"), *s = jstr(cond, "status");
        if (t && !strcmp(t, "Ready"))
            return s && !strcmp(s, "True");
    }
    return false;
}

bool pod_terminal(const cJSON *pod)
{
    const char *p = pod_phase(pod);
    return !strcmp(p, "Succeeded") || !strcmp(p, "Failed");
}

bool pod_terminating(const cJSON *pod)
{
    return jstr(pod, "metadata.deletionTimestamp") != NULL;
}

bool pod_active(const cJSON *pod)
{
    return !pod_terminating(pod) && !pod_terminal(pod);
}

bool pod_ready_live(const cJSON *pod)
{
    return !pod_terminal(pod) && pod_ready(pod);
}

bool pod_obj_active(const store_obj *pod)
{
    return !(pod->hot & (STORE_DELETING | STORE_ENDED));
}

bool pod_obj_ready(const store_obj *pod)
{
    return (pod->hot & STORE_READY) && !(pod->hot & STORE_ENDED);
}
