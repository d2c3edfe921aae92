/*
 * Decoded evidence and key configurations as JSON objects. The evidence
 * comes decoded from the library (confai_evidence_describe: reports, quotes,
 * SPDM evidence, bundles); a KeyConfig is read through its public getters
 * and named with the HPKE algorithm names.
 */
#include <stdio.h>
#include <string.h>

#include "describe.h"

cJSON *describe_evidence(confai_evidence_kind kind, const uint8_t *bytes, size_t len,
                         confai_error *err)
{
    char *json = NULL;
    size_t json_len = 0;
    if (confai_evidence_describe(&json, &json_len, kind, bytes, len, err) != CONFAI_OK)
        return NULL;
    cJSON *o = cJSON_ParseWithLength(json, json_len);
    confai_free(json);
    if (o == NULL) {
        err->status = CONFAI_E_NO_MEMORY;
        snprintf(err->message, sizeof(err->message), "out of memory");
    }
    return o;
}

/* Every cJSON_Add* below records a failure in *failed. */
static void note(int *failed, const void *p)
{
    if (p == NULL)
        *failed = 1;
}

static const char *or_unsupported(const char *name)
{
    return name != NULL ? name : "unsupported";
}

cJSON *describe_key_config(const confai_key_config *kc)
{
    cJSON *o = cJSON_CreateObject(), *algs, *suite;
    confai_hpke_suite s = confai_key_config_suite(kc);
    confai_error err = { 0 };
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pk_len = sizeof(pk);
    int failed = o == NULL;

    if (failed)
        return NULL;
    note(&failed, cJSON_AddStringToObject(o, "kind", "ohttp key config"));
    note(&failed, cJSON_AddNumberToObject(o, "key_id", confai_key_config_id(kc)));
    note(&failed, cJSON_AddNumberToObject(o, "kem_id", confai_key_config_kem(kc)));
    note(&failed, cJSON_AddStringToObject(
                      o, "kem", or_unsupported(confai_hpke_kem_name(confai_key_config_kem(kc)))));
    if (confai_key_config_public_key(kc, pk, &pk_len, &err) != CONFAI_OK ||
        !cli_add_hex(o, "public_key", pk, pk_len))
        failed = 1;
    note(&failed, algs = cJSON_AddArrayToObject(o, "algorithms"));
    for (size_t i = 0; !failed && i < confai_key_config_algorithm_count(kc); i++) {
        confai_ohttp_algorithms a;
        cJSON *e = cJSON_CreateObject();
        if (e == NULL || !cJSON_AddItemToArray(algs, e)) {
            cJSON_Delete(e);
            failed = 1;
            break;
        }
        if (confai_key_config_algorithm(kc, &a, i, &err) != CONFAI_OK) {
            failed = 1;
            break;
        }
        note(&failed, cJSON_AddNumberToObject(e, "kdf_id", a.kdf_id));
        note(&failed, cJSON_AddStringToObject(e, "kdf",
                                              or_unsupported(confai_hpke_kdf_name(a.kdf_id))));
        note(&failed, cJSON_AddNumberToObject(e, "aead_id", a.aead_id));
        note(&failed, cJSON_AddStringToObject(e, "aead",
                                              or_unsupported(confai_hpke_aead_name(a.aead_id))));
    }
    note(&failed, suite = cJSON_AddObjectToObject(o, "client_suite"));
    if (!failed) {
        note(&failed, cJSON_AddNumberToObject(suite, "kem_id", s.kem_id));
        note(&failed, cJSON_AddNumberToObject(suite, "kdf_id", s.kdf_id));
        note(&failed, cJSON_AddNumberToObject(suite, "aead_id", s.aead_id));
    }
    if (failed) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
