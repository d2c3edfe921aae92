/*
 * HPKE backend on OpenSSL's own RFC 9180 implementation (OSSL_HPKE_*,
 * OpenSSL >= 3.2). hpke.c has validated every argument and the state.
 *
 * OSSL_HPKE refuses empty plaintexts (and tag-only ciphertexts), which RFC
 * 9180 allows and chunked OHTTP uses for its final chunk. So the context
 * remembers its setup inputs, and the first empty message hands the context
 * over to the own RFC 9180 code (hpke_own.c) at the same sequence number: it
 * rebuilds the identical key schedule (the sender's ephemeral key comes from
 * a seed we choose, so it can be derived again), and from then on every
 * message of that context goes through it. Contexts that never see an empty
 * message run on OSSL_HPKE alone.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/hpke.h>
#include <openssl/rand.h>

#include "core/error.h"
#include "core/memory.h"
#include "crypto/hpke_own.h"

#if OPENSSL_VERSION_NUMBER < 0x30200000L
#  error "hpke_openssl.c needs OpenSSL >= 3.2; build with -Dhpke=own"
#endif

struct hpke_impl {
    OSSL_HPKE_CTX *octx;
    hpke_own *own; /* set once an empty message handed the context over */

    /* setup inputs, to rebuild the same context in the own code */
    uint8_t ikm_e[CONFAI_HPKE_MAX_PARAM_SIZE]; /* sender: ephemeral seed */
    size_t ikm_e_len;
    uint8_t pk_r[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE]; /* sender */
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    EVP_PKEY *sk_r; /* recipient (own reference) */
    uint8_t *info;
    size_t info_len;
};

const char *hpke_impl_name(void)
{
    return "openssl";
}

static OSSL_HPKE_SUITE ossl_suite(const confai_hpke_suite *suite)
{
    OSSL_HPKE_SUITE s = { suite->kem_id, suite->kdf_id, suite->aead_id };
    return s;
}

int hpke_impl_supports(const confai_hpke_suite *suite)
{
    return OSSL_HPKE_suite_check(ossl_suite(suite)) == 1;
}

confai_status hpke_impl_derive_key(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                   const uint8_t *ikm, size_t ikm_len,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    /* Only the KEM matters for key derivation; the rest just has to be valid. */
    OSSL_HPKE_SUITE suite = { kem->id, OSSL_HPKE_KDF_ID_HKDF_SHA256,
                              OSSL_HPKE_AEAD_ID_AES_GCM_128 };
    uint8_t pub[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pub_len = sizeof(pub);
    *pkey = NULL;
    OSSL_ENSURE(OSSL_HPKE_keygen(suite, pub, &pub_len, pkey, ikm, ikm_len, NULL, NULL) == 1,
                CONFAI_E_INTERNAL, "deriving the key pair");
out:
    return status;
}

/* Creates the OpenSSL context and hands it the mode inputs. */
static confai_status impl_new(struct confai_hpke_ctx *ctx, int ossl_role,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    hpke_impl *impl = confai_zalloc(sizeof(*impl));
    char psk_id[CONFAI_HPKE_MAX_PARAM_SIZE + 1];

    ENSURE(impl != NULL, CONFAI_E_NO_MEMORY, "allocating the HPKE state");
    ctx->impl = impl; /* released by the caller on failure */
    impl->octx = OSSL_HPKE_CTX_new(hpke_ctx_mode(ctx), ossl_suite(&ctx->suite),
                                   ossl_role, NULL, NULL);
    OSSL_ENSURE(impl->octx != NULL, CONFAI_E_INTERNAL, "creating the HPKE context");
    if (ctx->psk != NULL) {
        /* OpenSSL takes the PSK id as a C string; hpke.c has ruled out zero
         * bytes and bounded its length. */
        memcpy(psk_id, ctx->psk_id, ctx->psk_id_len);
        psk_id[ctx->psk_id_len] = '\0';
        OSSL_ENSURE(OSSL_HPKE_CTX_set1_psk(impl->octx, psk_id, ctx->psk,
                                           ctx->psk_len) == 1,
                    CONFAI_E_BAD_PSK, "setting the PSK");
    }
    if (ctx->sender_key != NULL)
        OSSL_ENSURE(OSSL_HPKE_CTX_set1_authpriv(impl->octx, ctx->sender_key) == 1,
                    CONFAI_E_BAD_KEY, "setting the sender key");
    if (ctx->sender_public_len > 0)
        OSSL_ENSURE(OSSL_HPKE_CTX_set1_authpub(impl->octx, ctx->sender_public,
                                               ctx->sender_public_len) == 1,
                    CONFAI_E_BAD_KEY, "sender public key");
out:
    OPENSSL_cleanse(psk_id, sizeof(psk_id));
    return status;
}

static confai_status keep_info(hpke_impl *impl, const uint8_t *info,
                               size_t info_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (info_len > 0) {
        impl->info = confai_memdup(info, info_len);
        ENSURE(impl->info != NULL, CONFAI_E_NO_MEMORY, "copying info");
        impl->info_len = info_len;
    }
out:
    return status;
}

/* Drops the state of a setup that failed, so the context stays unset. */
static confai_status keep_if_ok(struct confai_hpke_ctx *ctx, confai_status status)
{
    if (status != CONFAI_OK) {
        hpke_impl_free(ctx->impl);
        ctx->impl = NULL;
    }
    return status;
}

confai_status hpke_impl_sender_setup(struct confai_hpke_ctx *ctx, uint8_t *enc,
                                     size_t *enc_len, const uint8_t *pk_r,
                                     size_t pk_r_len, const uint8_t *info,
                                     size_t info_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (ctx->sk_e != NULL) {
        /* A test fixed the ephemeral key itself; OSSL_HPKE only takes a
         * seed, so the own code runs this context from the start. */
        ctx->impl = confai_zalloc(sizeof(*ctx->impl));
        ENSURE(ctx->impl != NULL, CONFAI_E_NO_MEMORY, "allocating the HPKE state");
        GUARD(hpke_own_sender_setup(&ctx->impl->own, ctx, NULL, 0, enc, enc_len, pk_r,
                                    pk_r_len, info, info_len, err));
        goto out;
    }
    GUARD(impl_new(ctx, OSSL_HPKE_ROLE_SENDER, err));
    hpke_impl *impl = ctx->impl;
    /* The ephemeral key comes from a seed we hold (a test's, or fresh
     * random bytes), so the own code can derive the same key later. */
    if (ctx->ikm_e != NULL) {
        memcpy(impl->ikm_e, ctx->ikm_e, ctx->ikm_e_len);
        impl->ikm_e_len = ctx->ikm_e_len;
    } else {
        impl->ikm_e_len = ctx->kem->n_sk;
        OSSL_ENSURE(RAND_priv_bytes(impl->ikm_e, (int)impl->ikm_e_len) == 1,
                    CONFAI_E_INTERNAL, "drawing the ephemeral seed");
    }
    OSSL_ENSURE(OSSL_HPKE_CTX_set1_ikme(impl->octx, impl->ikm_e, impl->ikm_e_len) == 1,
                CONFAI_E_INTERNAL, "setting the ephemeral seed");
    /* The only input OpenSSL can reject here is the recipient's key. */
    OSSL_ENSURE(OSSL_HPKE_encap(impl->octx, enc, enc_len, pk_r, pk_r_len, info,
                                info_len) == 1,
                CONFAI_E_BAD_KEY, "encapsulating to the recipient public key");
    memcpy(impl->pk_r, pk_r, pk_r_len);
    memcpy(impl->enc, enc, *enc_len);
    GUARD(keep_info(impl, info, info_len, err));
out:
    return keep_if_ok(ctx, status);
}

confai_status hpke_impl_recipient_setup(struct confai_hpke_ctx *ctx,
                                        EVP_PKEY *sk_r, const uint8_t *enc,
                                        size_t enc_len, const uint8_t *info,
                                        size_t info_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(impl_new(ctx, OSSL_HPKE_ROLE_RECEIVER, err));
    hpke_impl *impl = ctx->impl;
    OSSL_ENSURE(OSSL_HPKE_decap(impl->octx, enc, enc_len, sk_r, info, info_len) == 1,
                CONFAI_E_BAD_ENCAPSULATION, "decapsulating enc");
    OSSL_ENSURE(EVP_PKEY_up_ref(sk_r) == 1, CONFAI_E_INTERNAL, "referencing the key");
    impl->sk_r = sk_r;
    memcpy(impl->enc, enc, enc_len);
    GUARD(keep_info(impl, info, info_len, err));
out:
    return keep_if_ok(ctx, status);
}

/*
 * Hands the context to the own code at OpenSSL's sequence number. The own
 * code derives the same ephemeral key from the seed, so the sender's enc
 * must come out the same; anything else would be a bug, caught here.
 */
static confai_status hand_over_to_own(struct confai_hpke_ctx *ctx, confai_error *err)
{
    confai_status status = CONFAI_OK;
    hpke_impl *impl = ctx->impl;
    uint64_t seq = 0;
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len = sizeof(enc);

    if (impl->own != NULL)
        return CONFAI_OK;
    OSSL_ENSURE(OSSL_HPKE_CTX_get_seq(impl->octx, &seq) == 1, CONFAI_E_INTERNAL,
                "reading the sequence number");
    if (ctx->role == CONFAI_HPKE_ROLE_SENDER) {
        GUARD(hpke_own_sender_setup(&impl->own, ctx, impl->ikm_e, impl->ikm_e_len, enc,
                                    &enc_len, impl->pk_r, ctx->kem->n_pk, impl->info,
                                    impl->info_len, err));
        ENSURE(enc_len == ctx->kem->n_enc && memcmp(enc, impl->enc, enc_len) == 0,
               CONFAI_E_INTERNAL, "the own HPKE code derived another ephemeral key");
    } else {
        GUARD(hpke_own_recipient_setup(&impl->own, ctx, impl->sk_r, impl->enc,
                                       ctx->kem->n_enc, impl->info, impl->info_len, err));
    }
    hpke_own_continue_at(impl->own, seq);
out:
    if (status != CONFAI_OK) {
        hpke_own_free(impl->own);
        impl->own = NULL;
    }
    return status;
}

/* OpenSSL refuses the last sequence number; name that case precisely. */
static confai_status ensure_seq_left(struct confai_hpke_ctx *ctx, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint64_t seq = 0;
    OSSL_ENSURE(OSSL_HPKE_CTX_get_seq(ctx->impl->octx, &seq) == 1, CONFAI_E_INTERNAL,
                "reading the sequence number");
    ENSURE(seq != UINT64_MAX, CONFAI_E_SEQUENCE_EXHAUSTED,
           "this HPKE context has sealed or opened its last message");
out:
    return status;
}

confai_status hpke_impl_seal(struct confai_hpke_ctx *ctx, uint8_t *ct,
                             size_t *ct_len, const uint8_t *aad, size_t aad_len,
                             const uint8_t *pt, size_t pt_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (pt_len == 0)
        GUARD(hand_over_to_own(ctx, err));
    if (ctx->impl->own != NULL)
        return hpke_own_seal(ctx->impl->own, ct, ct_len, aad, aad_len, pt, pt_len, err);
    GUARD(ensure_seq_left(ctx, err));
    OSSL_ENSURE(OSSL_HPKE_seal(ctx->impl->octx, ct, ct_len, aad, aad_len, pt, pt_len) == 1,
                CONFAI_E_INTERNAL, "sealing");
out:
    return status;
}

confai_status hpke_impl_open(struct confai_hpke_ctx *ctx, uint8_t *pt,
                             size_t *pt_len, const uint8_t *aad, size_t aad_len,
                             const uint8_t *ct, size_t ct_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (ct_len == ctx->aead->n_t)
        GUARD(hand_over_to_own(ctx, err));
    if (ctx->impl->own != NULL)
        return hpke_own_open(ctx->impl->own, pt, pt_len, aad, aad_len, ct, ct_len, err);
    GUARD(ensure_seq_left(ctx, err));
    /* OpenSSL decrypts into the caller's buffer before checking the tag;
     * wipe it on failure so no unauthenticated plaintext escapes. */
    size_t room = *pt_len;
    if (OSSL_HPKE_open(ctx->impl->octx, pt, pt_len, aad, aad_len, ct, ct_len) != 1) {
        confai_wipe(pt, room < ct_len ? room : ct_len);
        ERR_clear_error();
        BAIL(CONFAI_E_DECRYPT, "opening failed: the ciphertext, its tag, the aad or "
                               "the key does not match");
    }
out:
    return status;
}

confai_status hpke_impl_export(struct confai_hpke_ctx *ctx, uint8_t *out,
                               size_t out_len, const uint8_t *exp_ctx,
                               size_t exp_ctx_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (ctx->impl->own != NULL)
        return hpke_own_export(ctx->impl->own, out, out_len, exp_ctx, exp_ctx_len, err);
    OSSL_ENSURE(OSSL_HPKE_export(ctx->impl->octx, out, out_len, exp_ctx, exp_ctx_len) == 1,
                CONFAI_E_INTERNAL, "exporting a secret");
out:
    return status;
}

confai_status hpke_impl_set_seq(struct confai_hpke_ctx *ctx, uint64_t seq,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(ctx->role == CONFAI_HPKE_ROLE_RECIPIENT, CONFAI_E_STATE,
           "a sender's sequence number cannot be moved (nonce reuse)");
    if (ctx->impl->own != NULL)
        return hpke_own_set_seq(ctx->impl->own, seq, err);
    OSSL_ENSURE(OSSL_HPKE_CTX_set_seq(ctx->impl->octx, seq) == 1, CONFAI_E_INTERNAL,
                "setting the sequence number");
out:
    return status;
}

void hpke_impl_free(hpke_impl *impl)
{
    if (impl == NULL)
        return;
    OSSL_HPKE_CTX_free(impl->octx); /* cleanses its secrets */
    hpke_own_free(impl->own);
    EVP_PKEY_free(impl->sk_r);
    confai_free_secret(impl->info, impl->info_len);
    confai_free_secret(impl, sizeof(*impl));
}
