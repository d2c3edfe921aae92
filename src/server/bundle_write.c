/*
 * Writing evidence bundles: every section bundle.c parses, written back
 * with the same member names, so that parse(write(b)) == b. Used by the
 * bundle builder (the public server API), the simulators, the tests and the
 * fuzz corpus.
 */
#include "server/bundle_write.h"

#include <string.h>

#include <cJSON.h>
#include <openssl/crypto.h>

#include "core/base64.h"
#include "core/error.h"
#include "core/memory.h"

#define OOM "bundle: out of memory"

/* Adds name: base64(data, len) to obj, or appends it when name is NULL. */
static confai_status add_b64(cJSON *obj, const char *name, const uint8_t *data, size_t len,
                             confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *s = NULL;
    GUARD(base64_encode(&s, data, len, err));
    if (name != NULL) {
        ENSURE(cJSON_AddStringToObject(obj, name, s) != NULL, CONFAI_E_NO_MEMORY, OOM);
    } else {
        cJSON *item = cJSON_CreateString(s);
        ENSURE(item != NULL && cJSON_AddItemToArray(obj, item), CONFAI_E_NO_MEMORY, OOM);
    }
out:
    OPENSSL_free(s);
    return status;
}

static confai_status add_certs(cJSON *obj, const bundle_blob *certs, size_t count,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *arr = cJSON_AddArrayToObject(obj, "certs");
    ENSURE(arr != NULL, CONFAI_E_NO_MEMORY, OOM);
    for (size_t i = 0; i < count; i++)
        GUARD(add_b64(arr, NULL, certs[i].data, certs[i].len, err));
out:
    return status;
}

static confai_status add_cpu(cJSON *root, const bundle_cpu *cpu, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *obj = cJSON_AddObjectToObject(root, "cpu");
    ENSURE(obj != NULL, CONFAI_E_NO_MEMORY, OOM);
    if (cpu->type == BUNDLE_CPU_SEV_SNP) {
        ENSURE(cJSON_AddStringToObject(obj, "type", "sev-snp") != NULL, CONFAI_E_NO_MEMORY, OOM);
        GUARD(add_b64(obj, "report", cpu->report.data, cpu->report.len, err));
        GUARD(add_certs(obj, cpu->certs, cpu->cert_count, err));
        goto out;
    }
    ENSURE(cJSON_AddStringToObject(obj, "type", "tdx") != NULL, CONFAI_E_NO_MEMORY, OOM);
    GUARD(add_b64(obj, "quote", cpu->quote.data, cpu->quote.len, err));
    cJSON *coll = NULL;
    for (int i = 0; i < BUNDLE_TDX_COLLATERAL_COUNT; i++) {
        if (cpu->collateral[i].len == 0)
            continue;
        if (coll == NULL) /* the member exists only with something in it */
            ENSURE((coll = cJSON_AddObjectToObject(obj, "collateral")) != NULL,
                   CONFAI_E_NO_MEMORY, OOM);
        GUARD(add_b64(coll, bundle_tdx_collateral_name((bundle_tdx_collateral)i),
                      cpu->collateral[i].data, cpu->collateral[i].len, err));
    }
out:
    return status;
}

static confai_status add_gpus(cJSON *root, const bundle *b, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (b->gpu_count == 0)
        goto out;
    cJSON *arr = cJSON_AddArrayToObject(root, "gpus");
    ENSURE(arr != NULL, CONFAI_E_NO_MEMORY, OOM);
    for (size_t i = 0; i < b->gpu_count; i++) {
        cJSON *gpu = cJSON_CreateObject();
        ENSURE(gpu != NULL && cJSON_AddItemToArray(arr, gpu), CONFAI_E_NO_MEMORY, OOM);
        ENSURE(cJSON_AddStringToObject(gpu, "type", "nvidia-spdm") != NULL, CONFAI_E_NO_MEMORY,
               OOM);
        GUARD(add_b64(gpu, "evidence", b->gpus[i].evidence.data, b->gpus[i].evidence.len, err));
        GUARD(add_certs(gpu, b->gpus[i].certs, b->gpus[i].cert_count, err));
    }
out:
    return status;
}

static confai_status add_tokens(cJSON *root, const bundle *b, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (b->token_count == 0)
        goto out;
    cJSON *arr = cJSON_AddArrayToObject(root, "tokens");
    ENSURE(arr != NULL, CONFAI_E_NO_MEMORY, OOM);
    for (size_t i = 0; i < b->token_count; i++) {
        const char *type = b->tokens[i].kind == BUNDLE_TOKEN_NRAS ? "nras" : "jwt";
        cJSON *tok = cJSON_CreateObject();
        ENSURE(tok != NULL && cJSON_AddItemToArray(arr, tok), CONFAI_E_NO_MEMORY, OOM);
        ENSURE(cJSON_AddStringToObject(tok, "type", type) != NULL
                   && cJSON_AddStringToObject(tok, "token", b->tokens[i].token) != NULL,
               CONFAI_E_NO_MEMORY, OOM);
    }
out:
    return status;
}

confai_status bundle_write(char **json, size_t *json_len, const bundle *b, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *root = NULL;
    char *text = NULL;

    ENSURE_ARG(json != NULL && json_len != NULL, "json");
    *json = NULL;
    *json_len = 0;
    ENSURE_ARG(b != NULL, "bundle");
    ENSURE_ARG(b->cpu.type == BUNDLE_CPU_SEV_SNP || b->cpu.type == BUNDLE_CPU_TDX, "bundle.cpu");

    root = cJSON_CreateObject();
    ENSURE(root != NULL, CONFAI_E_NO_MEMORY, OOM);
    ENSURE(cJSON_AddNumberToObject(root, "version", BUNDLE_VERSION) != NULL, CONFAI_E_NO_MEMORY,
           OOM);
    GUARD(add_b64(root, "nonce", b->nonce, BUNDLE_NONCE_SIZE, err));
    GUARD(add_b64(root, "key_config", b->key_config.data, b->key_config.len, err));
    GUARD(add_b64(root, "manifest", b->manifest.data, b->manifest.len, err));
    ENSURE(cJSON_AddStringToObject(root, "not_after", b->not_after) != NULL, CONFAI_E_NO_MEMORY,
           OOM);
    GUARD(add_cpu(root, &b->cpu, err));
    GUARD(add_gpus(root, b, err));
    GUARD(add_tokens(root, b, err));

    text = cJSON_PrintUnformatted(root);
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, OOM);
    size_t n = strlen(text);
    *json = confai_alloc_for_caller(n + 1);
    ENSURE(*json != NULL, CONFAI_E_NO_MEMORY, OOM);
    memcpy(*json, text, n + 1);
    *json_len = n;
out:
    if (text != NULL)
        cJSON_free(text);
    cJSON_Delete(root);
    return status;
}

static int parts_valid(const bundle_snp_parts *p)
{
    return p != NULL && p->nonce != NULL && p->key_config != NULL && p->key_config_len > 0
           && (p->manifest != NULL || p->manifest_len == 0) && p->not_after != NULL
           && strlen(p->not_after) <= RFC3339_LEN && p->report != NULL && p->report_len > 0
           && p->cert_count > 0 && p->cert_count <= BUNDLE_MAX_SNP_CERTS && p->certs != NULL
           && p->cert_lens != NULL;
}

confai_status bundle_write_snp(char **json, size_t *json_len,
                               const bundle_snp_parts *parts, confai_error *err)
{
    confai_status status = CONFAI_OK;
    bundle b;

    /* The bundle only points at the parts: nothing to free. */
    memset(&b, 0, sizeof(b));
    ENSURE_ARG(json != NULL && json_len != NULL, "json");
    *json = NULL;
    *json_len = 0;
    ENSURE_ARG(parts_valid(parts), "parts");
    memcpy(b.nonce, parts->nonce, BUNDLE_NONCE_SIZE);
    b.key_config = (bundle_blob){ (uint8_t *)parts->key_config, parts->key_config_len };
    b.manifest = (bundle_blob){ (uint8_t *)parts->manifest, parts->manifest_len };
    memcpy(b.not_after, parts->not_after, strlen(parts->not_after) + 1);
    b.cpu.type = BUNDLE_CPU_SEV_SNP;
    b.cpu.report = (bundle_blob){ (uint8_t *)parts->report, parts->report_len };
    for (size_t i = 0; i < parts->cert_count; i++)
        b.cpu.certs[i] = (bundle_blob){ (uint8_t *)parts->certs[i], parts->cert_lens[i] };
    b.cpu.cert_count = parts->cert_count;
    GUARD(bundle_write(json, json_len, &b, err));
out:
    return status;
}
