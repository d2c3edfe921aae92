/*
 * The public HPKE API: argument and state checks, then the backend.
 * Keeping every check here makes both backends accept and reject exactly the
 * same inputs.
 */
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "crypto/hpke_internal.h"
#include "crypto/hpke_test.h"

/* A (pointer, length) input is valid when the pointer is set or empty. */
#define INPUT_OK(ptr, len) ((ptr) != NULL || (len) == 0)

/*
 * RFC 9180 serializes NIST-curve points uncompressed (0x04 || x || y).
 * OpenSSL would also take the hybrid forms 0x06/0x07 of the same length;
 * refusing them here keeps both backends identical.
 */
static int point_encoding_ok(const hpke_kem_info *kem, const uint8_t *point)
{
    return !kem->is_nist_curve || point[0] == 0x04;
}

size_t confai_hpke_max_enc_size(void) { return CONFAI_HPKE_MAX_ENC_SIZE; }
size_t confai_hpke_max_public_key_size(void) { return CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE; }
size_t confai_hpke_max_private_key_size(void) { return CONFAI_HPKE_MAX_PRIVATE_KEY_SIZE; }
size_t confai_hpke_tag_size(void) { return CONFAI_HPKE_TAG_SIZE; }
size_t confai_hpke_max_info_size(void) { return CONFAI_HPKE_MAX_INFO_SIZE; }
size_t confai_hpke_max_param_size(void) { return CONFAI_HPKE_MAX_PARAM_SIZE; }
size_t confai_hpke_min_psk_size(void) { return CONFAI_HPKE_MIN_PSK_SIZE; }

confai_hpke_suite confai_hpke_suite_default(void)
{
    confai_hpke_suite suite = { CONFAI_HPKE_KEM_X25519_SHA256,
                                CONFAI_HPKE_KDF_HKDF_SHA256,
                                CONFAI_HPKE_AEAD_AES_256_GCM };
    return suite;
}

const char *confai_hpke_backend(void)
{
    return hpke_impl_name();
}

confai_status confai_hpke_suite_check(const confai_hpke_suite *suite,
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(suite != NULL, "suite");
    ENSURE(hpke_kem_lookup(suite->kem_id) != NULL, CONFAI_E_UNSUPPORTED,
           "unsupported KEM id 0x%04x", suite->kem_id);
    ENSURE(hpke_kdf_lookup(suite->kdf_id) != NULL, CONFAI_E_UNSUPPORTED,
           "unsupported KDF id 0x%04x", suite->kdf_id);
    ENSURE(hpke_aead_lookup(suite->aead_id) != NULL, CONFAI_E_UNSUPPORTED,
           "unsupported AEAD id 0x%04x", suite->aead_id);
    ENSURE(hpke_impl_supports(suite), CONFAI_E_UNSUPPORTED,
           "suite 0x%04x/0x%04x/0x%04x not supported by the %s backend",
           suite->kem_id, suite->kdf_id, suite->aead_id, hpke_impl_name());
out:
    return status;
}

confai_status confai_hpke_suite_sizes(const confai_hpke_suite *suite,
                                      size_t *enc_size, size_t *public_key_size,
                                      size_t *private_key_size, size_t *tag_size,
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(confai_hpke_suite_check(suite, err));
    const hpke_kem_info *kem = hpke_kem_lookup(suite->kem_id);
    if (enc_size != NULL)
        *enc_size = kem->n_enc;
    if (public_key_size != NULL)
        *public_key_size = kem->n_pk;
    if (private_key_size != NULL)
        *private_key_size = kem->n_sk;
    if (tag_size != NULL)
        *tag_size = hpke_aead_lookup(suite->aead_id)->n_t;
out:
    return status;
}

uint8_t hpke_ctx_mode(const struct confai_hpke_ctx *ctx)
{
    int psk = ctx->psk != NULL;
    int auth = ctx->sender_key != NULL || ctx->sender_public_len > 0;
    if (psk && auth)
        return CONFAI_HPKE_MODE_AUTH_PSK;
    if (auth)
        return CONFAI_HPKE_MODE_AUTH;
    return psk ? CONFAI_HPKE_MODE_PSK : CONFAI_HPKE_MODE_BASE;
}

uint8_t confai_hpke_ctx_mode(const confai_hpke_ctx *ctx)
{
    return ctx == NULL ? CONFAI_HPKE_MODE_BASE : hpke_ctx_mode(ctx);
}

confai_status confai_hpke_ctx_new(confai_hpke_ctx **ctx, confai_hpke_role role,
                                  const confai_hpke_suite *suite,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(ctx != NULL, "ctx");
    *ctx = NULL;
    ENSURE(role == CONFAI_HPKE_ROLE_SENDER || role == CONFAI_HPKE_ROLE_RECIPIENT,
           CONFAI_E_ARGUMENT, "invalid argument: role %d", (int)role);
    GUARD(confai_hpke_suite_check(suite, err));

    confai_hpke_ctx *c = confai_zalloc(sizeof(*c));
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "allocating an HPKE context");
    c->role = role;
    c->suite = *suite;
    c->kem = hpke_kem_lookup(suite->kem_id);
    c->kdf = hpke_kdf_lookup(suite->kdf_id);
    c->aead = hpke_aead_lookup(suite->aead_id);
    *ctx = c;
out:
    return status;
}

void confai_hpke_ctx_free(confai_hpke_ctx *ctx)
{
    if (ctx == NULL)
        return;
    hpke_impl_free(ctx->impl);
    confai_free_secret(ctx->psk, ctx->psk_len);
    confai_free_secret(ctx->psk_id, ctx->psk_id_len);
    confai_free_secret(ctx->ikm_e, ctx->ikm_e_len);
    EVP_PKEY_free(ctx->sender_key);
    EVP_PKEY_free(ctx->sk_e);
    confai_free_secret(ctx, sizeof(*ctx));
}

/* Mode inputs can only change before setup. */
static confai_status ensure_configurable(const confai_hpke_ctx *ctx,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(ctx != NULL, "ctx");
    ENSURE(!ctx->is_set_up, CONFAI_E_STATE,
           "the HPKE context is set up already; mode inputs come first");
out:
    return status;
}

confai_status confai_hpke_ctx_set_psk(confai_hpke_ctx *ctx, const uint8_t *psk,
                                      size_t psk_len, const uint8_t *psk_id,
                                      size_t psk_id_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *psk_copy = NULL, *id_copy = NULL;
    confai_err_clear(err);
    GUARD(ensure_configurable(ctx, err));
    /* RFC 9180 section 5.1.1: both or neither; we only take both. */
    ENSURE(psk != NULL && psk_id != NULL && psk_id_len > 0, CONFAI_E_BAD_PSK,
           "a PSK and a non-empty PSK id are both required");
    ENSURE(psk_len >= CONFAI_HPKE_MIN_PSK_SIZE && psk_len <= CONFAI_HPKE_MAX_PARAM_SIZE,
           CONFAI_E_BAD_PSK, "PSK must be %d to %d bytes, got %zu",
           CONFAI_HPKE_MIN_PSK_SIZE, CONFAI_HPKE_MAX_PARAM_SIZE, psk_len);
    ENSURE(psk_id_len <= CONFAI_HPKE_MAX_PARAM_SIZE, CONFAI_E_BAD_PSK,
           "PSK id must be at most %d bytes, got %zu", CONFAI_HPKE_MAX_PARAM_SIZE,
           psk_id_len);
    ENSURE(memchr(psk_id, 0, psk_id_len) == NULL, CONFAI_E_BAD_PSK,
           "PSK id must not contain a zero byte");
    psk_copy = confai_memdup(psk, psk_len);
    id_copy = confai_memdup(psk_id, psk_id_len);
    ENSURE(psk_copy != NULL && id_copy != NULL, CONFAI_E_NO_MEMORY, "copying the PSK");
    confai_free_secret(ctx->psk, ctx->psk_len);
    confai_free_secret(ctx->psk_id, ctx->psk_id_len);
    ctx->psk = psk_copy;
    ctx->psk_len = psk_len;
    ctx->psk_id = id_copy;
    ctx->psk_id_len = psk_id_len;
    psk_copy = id_copy = NULL;
out:
    confai_free_secret(psk_copy, psk_len);
    confai_free_secret(id_copy, psk_id_len);
    return status;
}

confai_status confai_hpke_ctx_set_sender_key(confai_hpke_ctx *ctx,
                                             const confai_hpke_key *key,
                                             confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_configurable(ctx, err));
    ENSURE(ctx->role == CONFAI_HPKE_ROLE_SENDER, CONFAI_E_STATE,
           "only a sender sets its own key; a recipient sets the sender's public key");
    ENSURE_ARG(key != NULL, "key");
    ENSURE(key->kem_id == ctx->kem->id, CONFAI_E_ARGUMENT,
           "sender key is for KEM 0x%04x, the suite uses 0x%04x", key->kem_id,
           ctx->kem->id);
    OSSL_ENSURE(EVP_PKEY_up_ref(key->pkey) == 1, CONFAI_E_INTERNAL, "referencing the key");
    EVP_PKEY_free(ctx->sender_key);
    ctx->sender_key = key->pkey;
out:
    return status;
}

confai_status confai_hpke_ctx_set_sender_public(confai_hpke_ctx *ctx,
                                                const uint8_t *public_key,
                                                size_t public_key_len,
                                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_configurable(ctx, err));
    ENSURE(ctx->role == CONFAI_HPKE_ROLE_RECIPIENT, CONFAI_E_STATE,
           "only a recipient sets the sender's public key");
    ENSURE_ARG(public_key != NULL, "public_key");
    ENSURE(public_key_len == ctx->kem->n_pk, CONFAI_E_BAD_KEY,
           "%s public key must be %zu bytes, got %zu", ctx->kem->name,
           ctx->kem->n_pk, public_key_len);
    ENSURE(point_encoding_ok(ctx->kem, public_key), CONFAI_E_BAD_KEY,
           "sender public key is not an uncompressed point");
    memcpy(ctx->sender_public, public_key, public_key_len);
    ctx->sender_public_len = public_key_len;
out:
    return status;
}

/* Checks shared by both setups. */
static confai_status ensure_setup_args(const confai_hpke_ctx *ctx,
                                       confai_hpke_role role,
                                       const uint8_t *info, size_t info_len,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(ensure_configurable(ctx, err));
    ENSURE(ctx->role == role, CONFAI_E_STATE, "%s setup on a %s context",
           role == CONFAI_HPKE_ROLE_SENDER ? "sender" : "recipient",
           ctx->role == CONFAI_HPKE_ROLE_SENDER ? "sender" : "recipient");
    ENSURE_ARG(INPUT_OK(info, info_len), "info");
    ENSURE(info_len <= CONFAI_HPKE_MAX_INFO_SIZE, CONFAI_E_ARGUMENT,
           "info must be at most %d bytes, got %zu", CONFAI_HPKE_MAX_INFO_SIZE, info_len);
out:
    return status;
}

confai_status confai_hpke_sender_setup(confai_hpke_ctx *ctx, uint8_t *enc,
                                       size_t *enc_len,
                                       const uint8_t *recipient_public,
                                       size_t recipient_public_len,
                                       const uint8_t *info, size_t info_len,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_setup_args(ctx, CONFAI_HPKE_ROLE_SENDER, info, info_len, err));
    ENSURE_ARG(enc != NULL, "enc");
    ENSURE_ARG(enc_len != NULL, "enc_len");
    if (*enc_len < ctx->kem->n_enc) {
        size_t have = *enc_len;
        *enc_len = ctx->kem->n_enc;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "enc needs %zu bytes, buffer has %zu",
             ctx->kem->n_enc, have);
    }
    ENSURE_ARG(recipient_public != NULL, "recipient_public");
    ENSURE(recipient_public_len == ctx->kem->n_pk, CONFAI_E_BAD_KEY,
           "%s public key must be %zu bytes, got %zu", ctx->kem->name,
           ctx->kem->n_pk, recipient_public_len);
    ENSURE(point_encoding_ok(ctx->kem, recipient_public), CONFAI_E_BAD_KEY,
           "recipient public key is not an uncompressed point");
    GUARD(hpke_impl_sender_setup(ctx, enc, enc_len, recipient_public,
                                 recipient_public_len, info, info_len, err));
    ctx->is_set_up = 1;
out:
    return status;
}

confai_status confai_hpke_recipient_setup(confai_hpke_ctx *ctx,
                                          const confai_hpke_key *key,
                                          const uint8_t *enc, size_t enc_len,
                                          const uint8_t *info, size_t info_len,
                                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_setup_args(ctx, CONFAI_HPKE_ROLE_RECIPIENT, info, info_len, err));
    ENSURE_ARG(key != NULL, "key");
    ENSURE(key->kem_id == ctx->kem->id, CONFAI_E_ARGUMENT,
           "key is for KEM 0x%04x, the suite uses 0x%04x", key->kem_id, ctx->kem->id);
    ENSURE_ARG(enc != NULL, "enc");
    ENSURE(enc_len == ctx->kem->n_enc, CONFAI_E_BAD_ENCAPSULATION,
           "%s enc must be %zu bytes, got %zu", ctx->kem->name, ctx->kem->n_enc, enc_len);
    ENSURE(point_encoding_ok(ctx->kem, enc), CONFAI_E_BAD_ENCAPSULATION,
           "enc is not an uncompressed point");
    GUARD(hpke_impl_recipient_setup(ctx, key->pkey, enc, enc_len, info, info_len, err));
    ctx->is_set_up = 1;
out:
    return status;
}

/* Checks shared by seal and open. */
static confai_status ensure_message_args(const confai_hpke_ctx *ctx,
                                         confai_hpke_role role,
                                         const uint8_t *aad, size_t aad_len,
                                         const uint8_t *in, size_t in_len,
                                         const size_t *out_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(ctx != NULL, "ctx");
    ENSURE(ctx->is_set_up, CONFAI_E_STATE, "the HPKE context is not set up");
    ENSURE(ctx->role == role, CONFAI_E_STATE, "a %s cannot %s",
           ctx->role == CONFAI_HPKE_ROLE_SENDER ? "sender" : "recipient",
           role == CONFAI_HPKE_ROLE_SENDER ? "seal" : "open");
    ENSURE(ctx->aead->id != CONFAI_HPKE_AEAD_EXPORT_ONLY, CONFAI_E_EXPORT_ONLY,
           "the suite's AEAD is export-only; use confai_hpke_export");
    ENSURE_ARG(INPUT_OK(aad, aad_len), "aad");
    ENSURE_ARG(INPUT_OK(in, in_len), "input");
    ENSURE_ARG(out_len != NULL, "output length");
out:
    return status;
}

confai_status confai_hpke_seal(confai_hpke_ctx *ctx, uint8_t *ciphertext,
                               size_t *ciphertext_len, const uint8_t *aad,
                               size_t aad_len, const uint8_t *plaintext,
                               size_t plaintext_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_message_args(ctx, CONFAI_HPKE_ROLE_SENDER, aad, aad_len, plaintext,
                              plaintext_len, ciphertext_len, err));
    ENSURE(plaintext_len <= SIZE_MAX - ctx->aead->n_t, CONFAI_E_ARGUMENT,
           "plaintext too long");
    size_t need = plaintext_len + ctx->aead->n_t;
    if (*ciphertext_len < need) {
        size_t have = *ciphertext_len;
        *ciphertext_len = need;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "ciphertext needs %zu bytes, buffer has %zu",
             need, have);
    }
    ENSURE_ARG(ciphertext != NULL, "ciphertext");
    GUARD(hpke_impl_seal(ctx, ciphertext, ciphertext_len, aad, aad_len, plaintext,
                         plaintext_len, err));
out:
    return status;
}

confai_status confai_hpke_open(confai_hpke_ctx *ctx, uint8_t *plaintext,
                               size_t *plaintext_len, const uint8_t *aad,
                               size_t aad_len, const uint8_t *ciphertext,
                               size_t ciphertext_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    GUARD(ensure_message_args(ctx, CONFAI_HPKE_ROLE_RECIPIENT, aad, aad_len,
                              ciphertext, ciphertext_len, plaintext_len, err));
    ENSURE(ciphertext_len >= ctx->aead->n_t, CONFAI_E_TRUNCATED,
           "ciphertext of %zu bytes is shorter than the %zu-byte tag", ciphertext_len,
           ctx->aead->n_t);
    size_t need = ciphertext_len - ctx->aead->n_t;
    if (*plaintext_len < need) {
        size_t have = *plaintext_len;
        *plaintext_len = need;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "plaintext needs %zu bytes, buffer has %zu",
             need, have);
    }
    /* need == 0 is a valid empty message; a NULL buffer is fine then. */
    uint8_t empty[1];
    GUARD(hpke_impl_open(ctx, plaintext != NULL ? plaintext : empty, plaintext_len,
                         aad, aad_len, ciphertext, ciphertext_len, err));
out:
    return status;
}

confai_status confai_hpke_export(confai_hpke_ctx *ctx, uint8_t *secret,
                                 size_t secret_len, const uint8_t *exporter_context,
                                 size_t exporter_context_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(ctx != NULL, "ctx");
    ENSURE(ctx->is_set_up, CONFAI_E_STATE, "the HPKE context is not set up");
    ENSURE_ARG(secret != NULL && secret_len > 0, "secret");
    ENSURE(secret_len <= 255 * ctx->kdf->n_h, CONFAI_E_ARGUMENT,
           "an exported secret is at most %zu bytes with %s, asked for %zu",
           255 * ctx->kdf->n_h, ctx->kdf->name, secret_len);
    ENSURE_ARG(INPUT_OK(exporter_context, exporter_context_len), "exporter_context");
    ENSURE(exporter_context_len <= CONFAI_HPKE_MAX_PARAM_SIZE, CONFAI_E_ARGUMENT,
           "exporter context must be at most %d bytes, got %zu",
           CONFAI_HPKE_MAX_PARAM_SIZE, exporter_context_len);
    GUARD(hpke_impl_export(ctx, secret, secret_len, exporter_context,
                           exporter_context_len, err));
out:
    return status;
}

confai_status confai_hpke_seal_once(const confai_hpke_suite *suite, uint8_t *enc,
                                    size_t *enc_len, uint8_t *ciphertext,
                                    size_t *ciphertext_len,
                                    const uint8_t *recipient_public,
                                    size_t recipient_public_len,
                                    const uint8_t *info, size_t info_len,
                                    const uint8_t *aad, size_t aad_len,
                                    const uint8_t *plaintext, size_t plaintext_len,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_hpke_ctx *ctx = NULL;
    ENSURE_ARG(ciphertext_len != NULL, "ciphertext_len");
    GUARD(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_SENDER, suite, err));
    /* Check the ciphertext room before encapsulating, so a short buffer
     * costs no key agreement. */
    if (ctx->aead->id != CONFAI_HPKE_AEAD_EXPORT_ONLY
        && plaintext_len <= SIZE_MAX - ctx->aead->n_t
        && *ciphertext_len < plaintext_len + ctx->aead->n_t) {
        size_t have = *ciphertext_len;
        *ciphertext_len = plaintext_len + ctx->aead->n_t;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "ciphertext needs %zu bytes, buffer has %zu",
             *ciphertext_len, have);
    }
    GUARD(confai_hpke_sender_setup(ctx, enc, enc_len, recipient_public,
                                   recipient_public_len, info, info_len, err));
    GUARD(confai_hpke_seal(ctx, ciphertext, ciphertext_len, aad, aad_len, plaintext,
                           plaintext_len, err));
out:
    confai_hpke_ctx_free(ctx);
    return status;
}

confai_status confai_hpke_open_once(const confai_hpke_suite *suite,
                                    uint8_t *plaintext, size_t *plaintext_len,
                                    const confai_hpke_key *key, const uint8_t *enc,
                                    size_t enc_len, const uint8_t *info,
                                    size_t info_len, const uint8_t *aad,
                                    size_t aad_len, const uint8_t *ciphertext,
                                    size_t ciphertext_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_hpke_ctx *ctx = NULL;
    GUARD(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, suite, err));
    GUARD(confai_hpke_recipient_setup(ctx, key, enc, enc_len, info, info_len, err));
    GUARD(confai_hpke_open(ctx, plaintext, plaintext_len, aad, aad_len, ciphertext,
                           ciphertext_len, err));
out:
    confai_hpke_ctx_free(ctx);
    return status;
}

/* --- test-only hooks (hpke_test.h) ---------------------------------------- */

confai_status hpke_test_set_ikm_e(confai_hpke_ctx *ctx, const uint8_t *ikm_e,
                                  size_t ikm_e_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(ensure_configurable(ctx, err));
    ENSURE(ctx->role == CONFAI_HPKE_ROLE_SENDER, CONFAI_E_STATE,
           "only a sender has an ephemeral key");
    ENSURE(ikm_e != NULL && ikm_e_len >= ctx->kem->n_sk
               && ikm_e_len <= CONFAI_HPKE_MAX_PARAM_SIZE,
           CONFAI_E_ARGUMENT, "ikm_e must be %zu to %d bytes", ctx->kem->n_sk,
           CONFAI_HPKE_MAX_PARAM_SIZE);
    uint8_t *copy = confai_memdup(ikm_e, ikm_e_len);
    ENSURE(copy != NULL, CONFAI_E_NO_MEMORY, "copying ikm_e");
    confai_free_secret(ctx->ikm_e, ctx->ikm_e_len);
    ctx->ikm_e = copy;
    ctx->ikm_e_len = ikm_e_len;
out:
    return status;
}

confai_status hpke_test_set_sk_e(confai_hpke_ctx *ctx, const uint8_t *sk_e,
                                 size_t sk_e_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_PKEY *pkey = NULL;
    GUARD(ensure_configurable(ctx, err));
    ENSURE(ctx->role == CONFAI_HPKE_ROLE_SENDER, CONFAI_E_STATE,
           "only a sender has an ephemeral key");
    ENSURE_ARG(sk_e != NULL, "sk_e");
    GUARD(hpke_pkey_from_private(&pkey, ctx->kem, sk_e, sk_e_len, err));
    EVP_PKEY_free(ctx->sk_e);
    ctx->sk_e = pkey;
out:
    return status;
}

confai_status hpke_test_set_seq(confai_hpke_ctx *ctx, uint64_t seq,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(ctx != NULL, "ctx");
    ENSURE(ctx->is_set_up, CONFAI_E_STATE, "the HPKE context is not set up");
    GUARD(hpke_impl_set_seq(ctx, seq, err));
out:
    return status;
}
