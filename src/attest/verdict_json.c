/*
 * A verdict as JSON, for logs and UIs (doc/protocol.md, "Verdict"). Byte
 * strings are lowercase hex, times RFC 3339. A custom root carries its
 * warning right in the "root" object, so nobody reading the log can miss
 * it. The CPU platform's members come from its operations table
 * (platform.h), the GPUs' and tokens' from gpu/gpu_verdict.c and
 * token/token_verdict.c.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "attest/gpu/gpu_attestation.h"
#include "attest/platform.h"
#include "attest/token/token_attestation.h"
#include "attest/verdict.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"

/* cJSON's builders return NULL on failure; these keep going and count. */
typedef struct builder {
    int failed;
} builder;

static cJSON *check(builder *b, cJSON *item)
{
    if (item == NULL)
        b->failed = 1;
    return item;
}

static void add_hex(builder *b, cJSON *obj, const char *name, const uint8_t *data, size_t len)
{
    char text[2 * 64 + 1];
    hex_encode(text, data, len);
    check(b, cJSON_AddStringToObject(obj, name, text));
}

static void add_time(builder *b, cJSON *obj, const char *name, int64_t t)
{
    char text[RFC3339_LEN + 1];
    if (!rfc3339_format(text, t))
        snprintf(text, sizeof(text), "invalid");
    check(b, cJSON_AddStringToObject(obj, name, text));
}

static void add_root(builder *b, cJSON *root, const confai_verdict *v)
{
    cJSON *o = check(b, cJSON_AddObjectToObject(root, "root"));
    if (o == NULL)
        return;
    int custom = v->root_kind == CONFAI_ROOT_CUSTOM;
    check(b, cJSON_AddStringToObject(o, "kind", custom ? "custom" : "vendor"));
    add_hex(b, o, "spki_sha256", v->root_spki_sha256, sizeof(v->root_spki_sha256));
    if (custom)
        check(b, cJSON_AddStringToObject(o, "warning", v->root_warning));
}

static void add_key_config(builder *b, cJSON *root, const confai_verdict *v)
{
    cJSON *o = check(b, cJSON_AddObjectToObject(root, "key_config"));
    if (o == NULL)
        return;
    confai_hpke_suite suite = confai_key_config_suite(v->key_config);
    add_hex(b, o, "sha256", v->key_config_digest, sizeof(v->key_config_digest));
    check(b, cJSON_AddNumberToObject(o, "key_id", confai_key_config_id(v->key_config)));
    check(b, cJSON_AddNumberToObject(o, "kem_id", suite.kem_id));
    check(b, cJSON_AddNumberToObject(o, "kdf_id", suite.kdf_id));
    check(b, cJSON_AddNumberToObject(o, "aead_id", suite.aead_id));
}

static void add_names(builder *b, cJSON *root, const char *name, const char *const *names,
                      size_t count)
{
    cJSON *arr = check(b, cJSON_AddArrayToObject(root, name));
    for (size_t i = 0; arr != NULL && i < count; i++) {
        cJSON *s = check(b, cJSON_CreateString(names[i]));
        if (s != NULL && !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            b->failed = 1;
        }
    }
}

static cJSON *build(const confai_verdict *v, builder *b)
{
    cJSON *root = check(b, cJSON_CreateObject());
    if (root == NULL)
        return NULL;
    check(b, cJSON_AddStringToObject(root, "result", "accepted"));
    check(b, cJSON_AddStringToObject(root, "platform", v->platform->name));
    if (v->platform->names_product)
        check(b, cJSON_AddStringToObject(root, "product", v->product ? v->product : "unknown"));
    add_root(b, root, v);
    b->failed |= !v->platform->json_add(root, verdict_evidence(v));
    add_key_config(b, root, v);
    /* A bundle with GPUs or tokens adds both members, none without them. */
    if (v->gpus != NULL || v->tokens != NULL)
        b->failed |= !verdict_json_add_gpus(root, v->gpus) ||
                     !verdict_json_add_tokens(root, v->tokens);
    cJSON *m = check(b, cJSON_AddObjectToObject(root, "manifest"));
    if (m != NULL)
        add_hex(b, m, "sha256", v->manifest_digest, sizeof(v->manifest_digest));
    add_hex(b, root, "nonce", v->nonce, sizeof(v->nonce));
    check(b, cJSON_AddStringToObject(root, "not_after", v->not_after_text));
    add_time(b, root, "verified_at", v->verified_at);
    add_time(b, root, "expires", v->expiry);
    add_names(b, root, "checks", v->checks.passed, v->checks.passed_count);
    add_names(b, root, "waived", v->checks.waived, v->checks.waived_count);
    return root;
}

confai_status confai_verdict_json(const confai_verdict *verdict, char **json, size_t *json_len,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    builder b = { 0 };
    cJSON *root = NULL;
    char *text = NULL;

    confai_err_clear(err);
    ENSURE_ARG(json != NULL, "json");
    *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    ENSURE_ARG(verdict != NULL, "verdict");

    root = build(verdict, &b);
    ENSURE(root != NULL && !b.failed, CONFAI_E_NO_MEMORY, "verdict: out of memory");
    text = cJSON_PrintUnformatted(root);
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, "verdict: out of memory");
    size_t n = strlen(text);
    *json = confai_alloc_for_caller(n + 1);
    ENSURE(*json != NULL, CONFAI_E_NO_MEMORY, "verdict: out of memory");
    memcpy(*json, text, n + 1);
    if (json_len != NULL)
        *json_len = n;
out:
    if (text != NULL)
        cJSON_free(text);
    cJSON_Delete(root);
    return status;
}
