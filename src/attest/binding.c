/*
 * The key binding transcript and its hashes (binding.h), plus the public
 * functions a service uses to put the binding into its evidence.
 *
 * Every variable-length part carries its length, and the manifest enters as
 * a fixed-size digest, so no two different input tuples give the same T.
 */
#include "attest/binding.h"

#include <string.h>

#include <openssl/evp.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rfc3339.h"

#define U16_MAX 65535u
#define MANIFEST_DIGEST_SIZE 32

size_t binding_transcript_size(const binding_inputs *in)
{
    return BINDING_LABEL_LEN + 2 + in->nonce_len + 2 + in->key_config_len
           + MANIFEST_DIGEST_SIZE + 2 + in->not_after_len;
}

static uint8_t *put_u16_bytes(uint8_t *p, const void *data, size_t len)
{
    p[0] = (uint8_t)(len >> 8);
    p[1] = (uint8_t)len;
    if (len > 0)
        memcpy(p + 2, data, len);
    return p + 2 + len;
}

confai_status binding_transcript(uint8_t *out, const binding_inputs *in, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned int md_len = 0;

    ENSURE(in->nonce_len <= U16_MAX && in->key_config_len <= U16_MAX
               && in->not_after_len <= U16_MAX,
           CONFAI_E_LIMIT, "binding: a transcript part is longer than 65535 bytes");
    uint8_t *p = out;
    memcpy(p, BINDING_LABEL, BINDING_LABEL_LEN);
    p += BINDING_LABEL_LEN;
    p = put_u16_bytes(p, in->nonce, in->nonce_len);
    p = put_u16_bytes(p, in->key_config, in->key_config_len);
    OSSL_ENSURE(EVP_Digest(in->manifest_len ? in->manifest : (const uint8_t *)"",
                           in->manifest_len, p, &md_len, EVP_sha256(), NULL) == 1
                    && md_len == MANIFEST_DIGEST_SIZE,
                CONFAI_E_INTERNAL, "binding: SHA-256 of the manifest failed");
    p += MANIFEST_DIGEST_SIZE;
    put_u16_bytes(p, in->not_after, in->not_after_len);
out:
    return status;
}

/* Hashes T with md into out (md's size). */
static confai_status hash_transcript(uint8_t *out, const EVP_MD *md, const binding_inputs *in,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t len = binding_transcript_size(in);
    unsigned int md_len = 0;
    uint8_t *t = confai_zalloc(len);

    ENSURE(t != NULL, CONFAI_E_NO_MEMORY, "binding: out of memory");
    GUARD(binding_transcript(t, in, err));
    OSSL_ENSURE(EVP_Digest(t, len, out, &md_len, md, NULL) == 1, CONFAI_E_INTERNAL,
                "binding: hashing the transcript failed");
out:
    confai_free_secret(t, len);
    return status;
}

confai_status binding_report_data(uint8_t out[BINDING_REPORT_DATA_SIZE],
                                  const binding_inputs *in, confai_error *err)
{
    return hash_transcript(out, EVP_sha512(), in, err);
}

confai_status binding_gpu_nonce(uint8_t out[BINDING_GPU_NONCE_SIZE],
                                const binding_inputs *in, confai_error *err)
{
    return hash_transcript(out, EVP_sha256(), in, err);
}

confai_status binding_check_report_data(const uint8_t report_data[BINDING_REPORT_DATA_SIZE],
                                        const binding_inputs *in, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t expected[BINDING_REPORT_DATA_SIZE];

    GUARD(binding_report_data(expected, in, err));
    ENSURE(confai_equal_ct(expected, report_data, sizeof(expected)), CONFAI_E_BINDING,
           "binding: the report data is not SHA-512 of this bundle's transcript "
           "(the report commits to another key, nonce, manifest or not_after)");
out:
    return status;
}

/* --- public ------------------------------------------------------------------ */

/* Fills inputs from the public arguments, checking them. */
static confai_status public_inputs(binding_inputs *in, const uint8_t nonce[32],
                                   const uint8_t *key_config, size_t key_config_len,
                                   const uint8_t *manifest, size_t manifest_len,
                                   const char *not_after, confai_error *err)
{
    confai_status status = CONFAI_OK;
    int64_t t;

    ENSURE_ARG(nonce != NULL, "nonce");
    ENSURE_ARG(key_config != NULL && key_config_len > 0, "key_config");
    ENSURE_ARG(manifest != NULL || manifest_len == 0, "manifest");
    ENSURE_ARG(not_after != NULL, "not_after");
    size_t not_after_len = strlen(not_after);
    ENSURE(rfc3339_parse(&t, not_after, not_after_len), CONFAI_E_ARGUMENT,
           "invalid argument: not_after must be YYYY-MM-DDTHH:MM:SSZ");
    ENSURE(key_config_len <= U16_MAX, CONFAI_E_LIMIT,
           "binding: key_config is longer than 65535 bytes");
    *in = (binding_inputs){ nonce,    CONFAI_ATTESTATION_NONCE_SIZE, key_config, key_config_len,
                            manifest, manifest_len, not_after, not_after_len };
out:
    return status;
}

confai_status confai_binding_report_data(uint8_t report_data[64], const uint8_t nonce[32],
                                         const uint8_t *key_config, size_t key_config_len,
                                         const uint8_t *manifest, size_t manifest_len,
                                         const char *not_after, confai_error *err)
{
    confai_status status = CONFAI_OK;
    binding_inputs in;
    confai_err_clear(err);
    ENSURE_ARG(report_data != NULL, "report_data");
    GUARD(public_inputs(&in, nonce, key_config, key_config_len, manifest, manifest_len,
                        not_after, err));
    GUARD(binding_report_data(report_data, &in, err));
out:
    return status;
}

confai_status confai_binding_gpu_nonce(uint8_t gpu_nonce[32], const uint8_t nonce[32],
                                       const uint8_t *key_config, size_t key_config_len,
                                       const uint8_t *manifest, size_t manifest_len,
                                       const char *not_after, confai_error *err)
{
    confai_status status = CONFAI_OK;
    binding_inputs in;
    confai_err_clear(err);
    ENSURE_ARG(gpu_nonce != NULL, "gpu_nonce");
    GUARD(public_inputs(&in, nonce, key_config, key_config_len, manifest, manifest_len,
                        not_after, err));
    GUARD(binding_gpu_nonce(gpu_nonce, &in, err));
out:
    return status;
}

confai_status confai_binding_transcript(uint8_t **transcript, size_t *transcript_len,
                                        const uint8_t nonce[32], const uint8_t *key_config,
                                        size_t key_config_len, const uint8_t *manifest,
                                        size_t manifest_len, const char *not_after,
                                        confai_error *err)
{
    confai_status status = CONFAI_OK;
    binding_inputs in;
    uint8_t *t = NULL;
    confai_err_clear(err);
    ENSURE_ARG(transcript != NULL && transcript_len != NULL, "transcript");
    *transcript = NULL;
    *transcript_len = 0;
    GUARD(public_inputs(&in, nonce, key_config, key_config_len, manifest, manifest_len,
                        not_after, err));
    size_t len = binding_transcript_size(&in);
    t = confai_alloc_for_caller(len);
    ENSURE(t != NULL, CONFAI_E_NO_MEMORY, "binding: out of memory");
    GUARD(binding_transcript(t, &in, err));
    *transcript = t;
    *transcript_len = len;
    t = NULL;
out:
    confai_free(t);
    return status;
}

size_t confai_binding_report_data_size(void)
{
    return CONFAI_BINDING_REPORT_DATA_SIZE;
}

size_t confai_binding_gpu_nonce_size(void)
{
    return CONFAI_BINDING_GPU_NONCE_SIZE;
}
