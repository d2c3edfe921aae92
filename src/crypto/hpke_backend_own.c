/* The HPKE backend when OSSL_HPKE is not used: the own code, nothing else. */
#include "core/error.h"
#include "core/memory.h"
#include "crypto/hpke_own.h"

struct hpke_impl {
    hpke_own *own;
};

const char *hpke_impl_name(void)
{
    return "own";
}

int hpke_impl_supports(const confai_hpke_suite *suite)
{
    return hpke_kem_lookup(suite->kem_id) != NULL
           && hpke_kdf_lookup(suite->kdf_id) != NULL
           && hpke_aead_lookup(suite->aead_id) != NULL;
}

confai_status hpke_impl_derive_key(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                   const uint8_t *ikm, size_t ikm_len,
                                   confai_error *err)
{
    return hpke_own_derive_key(pkey, kem, ikm, ikm_len, err);
}

static confai_status impl_new(struct confai_hpke_ctx *ctx, confai_error *err)
{
    ctx->impl = confai_zalloc(sizeof(*ctx->impl));
    if (ctx->impl == NULL)
        return confai_err_set(err, CONFAI_E_NO_MEMORY, "allocating the HPKE state");
    return CONFAI_OK;
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
    confai_status status = impl_new(ctx, err);
    if (status == CONFAI_OK)
        status = hpke_own_sender_setup(&ctx->impl->own, ctx, ctx->ikm_e, ctx->ikm_e_len,
                                       enc, enc_len, pk_r, pk_r_len, info, info_len, err);
    return keep_if_ok(ctx, status);
}

confai_status hpke_impl_recipient_setup(struct confai_hpke_ctx *ctx,
                                        EVP_PKEY *sk_r, const uint8_t *enc,
                                        size_t enc_len, const uint8_t *info,
                                        size_t info_len, confai_error *err)
{
    confai_status status = impl_new(ctx, err);
    if (status == CONFAI_OK)
        status = hpke_own_recipient_setup(&ctx->impl->own, ctx, sk_r, enc, enc_len, info,
                                          info_len, err);
    return keep_if_ok(ctx, status);
}

confai_status hpke_impl_seal(struct confai_hpke_ctx *ctx, uint8_t *ct,
                             size_t *ct_len, const uint8_t *aad,
                             size_t aad_len, const uint8_t *pt, size_t pt_len,
                             confai_error *err)
{
    return hpke_own_seal(ctx->impl->own, ct, ct_len, aad, aad_len, pt, pt_len, err);
}

confai_status hpke_impl_open(struct confai_hpke_ctx *ctx, uint8_t *pt,
                             size_t *pt_len, const uint8_t *aad,
                             size_t aad_len, const uint8_t *ct, size_t ct_len,
                             confai_error *err)
{
    return hpke_own_open(ctx->impl->own, pt, pt_len, aad, aad_len, ct, ct_len, err);
}

confai_status hpke_impl_export(struct confai_hpke_ctx *ctx, uint8_t *out,
                               size_t out_len, const uint8_t *exp_ctx,
                               size_t exp_ctx_len, confai_error *err)
{
    return hpke_own_export(ctx->impl->own, out, out_len, exp_ctx, exp_ctx_len, err);
}

confai_status hpke_impl_set_seq(struct confai_hpke_ctx *ctx, uint64_t seq,
                                confai_error *err)
{
    return hpke_own_set_seq(ctx->impl->own, seq, err);
}

void hpke_impl_free(hpke_impl *impl)
{
    if (impl == NULL)
        return;
    hpke_own_free(impl->own);
    confai_free_secret(impl, sizeof(*impl));
}
