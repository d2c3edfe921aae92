/*
 * Writing an SEV-SNP evidence bundle: the gateway side of bundle.c, used by
 * the reference gateway, the simulator's tests and the fuzz corpus. The
 * output parses with bundle_parse in strict mode.
 */
#include <string.h>

#include <cJSON.h>
#include <openssl/crypto.h>

#include "attest/bundle.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/memory.h"

/* Adds name: base64(data, len) to obj. */
static confai_status add_b64(cJSON *obj, const char *name, const uint8_t *data, size_t len,
                             confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *s = NULL;
    GUARD(base64_encode(&s, data, len, err));
    ENSURE(cJSON_AddStringToObject(obj, name, s) != NULL, CONFAI_E_NO_MEMORY,
           "bundle: out of memory");
out:
    OPENSSL_free(s);
    return status;
}

static confai_status add_cpu(cJSON *root, const bundle_snp_parts *parts, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *s = NULL;
    cJSON *cpu = cJSON_AddObjectToObject(root, "cpu");
    ENSURE(cpu != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
    ENSURE(cJSON_AddStringToObject(cpu, "type", "sev-snp") != NULL, CONFAI_E_NO_MEMORY,
           "bundle: out of memory");
    GUARD(add_b64(cpu, "report", parts->report, parts->report_len, err));
    cJSON *certs = cJSON_AddArrayToObject(cpu, "certs");
    ENSURE(certs != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
    for (size_t i = 0; i < parts->cert_count; i++) {
        GUARD(base64_encode(&s, parts->certs[i], parts->cert_lens[i], err));
        cJSON *item = cJSON_CreateString(s);
        ENSURE(item != NULL && cJSON_AddItemToArray(certs, item), CONFAI_E_NO_MEMORY,
               "bundle: out of memory");
        OPENSSL_free(s);
        s = NULL;
    }
out:
    OPENSSL_free(s);
    return status;
}

static int parts_valid(const bundle_snp_parts *p)
{
    return p != NULL && p->nonce != NULL && p->key_config != NULL && p->key_config_len > 0
           && (p->manifest != NULL || p->manifest_len == 0) && p->not_after != NULL
           && p->report != NULL && p->report_len > 0 && p->cert_count > 0
           && p->certs != NULL && p->cert_lens != NULL;
}

confai_status bundle_write_snp(char **json, size_t *json_len,
                               const bundle_snp_parts *parts, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *root = NULL;
    char *text = NULL;

    ENSURE_ARG(json != NULL && json_len != NULL, "json");
    *json = NULL;
    *json_len = 0;
    ENSURE_ARG(parts_valid(parts), "parts");

    root = cJSON_CreateObject();
    ENSURE(root != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
    ENSURE(cJSON_AddNumberToObject(root, "version", BUNDLE_VERSION) != NULL,
           CONFAI_E_NO_MEMORY, "bundle: out of memory");
    GUARD(add_b64(root, "nonce", parts->nonce, BUNDLE_NONCE_SIZE, err));
    GUARD(add_b64(root, "key_config", parts->key_config, parts->key_config_len, err));
    GUARD(add_b64(root, "manifest", parts->manifest, parts->manifest_len, err));
    ENSURE(cJSON_AddStringToObject(root, "not_after", parts->not_after) != NULL,
           CONFAI_E_NO_MEMORY, "bundle: out of memory");
    GUARD(add_cpu(root, parts, err));

    text = cJSON_PrintUnformatted(root);
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
    size_t n = strlen(text);
    *json = confai_alloc_for_caller(n + 1);
    ENSURE(*json != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
    memcpy(*json, text, n + 1);
    *json_len = n;
out:
    if (text != NULL)
        cJSON_free(text);
    cJSON_Delete(root);
    return status;
}
