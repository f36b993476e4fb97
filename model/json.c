/* json: path reads and replace-or-add writes over cJSON. Must not know Kubernetes. */
#include "json.h"
#include <stdlib.h>
#include <string.h>

/* o's member whose key is exactly the n bytes at seg, compared in place
 * (no copy of the segment); as cJSON_GetObjectItemCaseSensitive, a member
 * without a key ends the search. */
static cJSON *jget_seg(const cJSON *o, const char *seg, size_t n)
{
    for (cJSON *it = o->child; it; it = it->next) {
        const char *k = it->string;
        if (!k)
            return NULL;
        if ((!n || k[0] == seg[0]) && !strncmp(k, seg, n) && !k[n])
            return it;
    }
    return NULL;
}

cJSON *jget(const cJSON *o, const char *path)
{
    const cJSON *cur = o;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= 256 || !cJSON_IsObject(cur))
            return NULL;
        cur = jget_seg(cur, path, n);
        path += n + (dot ? 1 : 0);
    }
    return (cJSON *)cur;
}

const char *jstr(const cJSON *o, const char *path)
{
    return cJSON_GetStringValue(jget(o, path));
}

double jnum(const cJSON *o, const char *path, double def)
{
    cJSON *v = jget(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

bool jbool(const cJSON *o, const char *path)
{
    return cJSON_IsTrue(jget(o, path));
}

cJSON *jobj(cJSON *o, const char *key)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsObject(c))
        return c;
    c = cJSON_CreateObject();
    jset(o, key, c);
    return c;
}

void jset(cJSON *o, const char *key, cJSON *v)
{
    if (cJSON_GetObjectItemCaseSensitive(o, key))
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
    else
        cJSON_AddItemToObject(o, key, v);
}

void jset_str(cJSON *o, const char *key, const char *s)
{
    jset(o, key, cJSON_CreateString(s));
}

void jset_num(cJSON *o, const char *key, double n)
{
    jset(o, key, cJSON_CreateNumber(n));
}

void jdel(cJSON *o, const char *key)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
}

char *jprint(const cJSON *o)
{
    return cJSON_PrintUnformatted(o);
}
