/* json: path reads and replace-or-add writes over cJSON. Must not know Kubernetes. */
#include "json.h"
#include <stdlib.h>
#include <string.h>

cJSON *jget(const cJSON *o, const char *path)
{
    char key[256];
    const cJSON *cur = o;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key || !cJSON_IsObject(cur))
            return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        cur = cJSON_GetObjectItemCaseSensitive(cur, key);
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
