/*
 * The project's own RFC 9180 HPKE on OpenSSL 3.0 EVP primitives: the backend
 * where OSSL_HPKE (OpenSSL >= 3.2) is missing or -Dhpke=own is chosen, and
 * the OSSL_HPKE backend's fallback for empty messages (hpke_openssl.c).
 *
 * Functions are named after the RFC: labeled_extract / labeled_expand
 * (section 4), extract_and_expand, encap / decap (4.1), derive_key_pair
 * (7.1.3), key_schedule (5.1), compute_nonce (5.2) and the exporter (5.3).
 * OpenSSL does every computation (HKDF through EVP_KDF, Diffie-Hellman
 * through EVP_PKEY_derive, the AEADs through EVP_CIPHER); this file only
 * arranges the bytes the RFC feeds into them.
 */
#include "crypto/hpke_own.h"

#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "core/bytes.h"
#include "core/error.h"
#include "core/memory.h"

/* Largest sizes over the algorithms in hpke_suite.c. */
#define MAX_NH 64      /* HKDF-SHA512 */
#define MAX_NK 32      /* AES-256-GCM, ChaCha20-Poly1305 */
#define MAX_NN 12
#define MAX_NSECRET 64 /* DHKEM(P-521), DHKEM(X448) */
#define MAX_NDH 66     /* P-521 x-coordinate */
#define MAX_NPK CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE
#define MAX_NSK CONFAI_HPKE_MAX_PRIVATE_KEY_SIZE
#define MAX_SUITE_ID 10 /* "HPKE" || kem || kdf || aead */

/* EVP_*Update take int lengths: longer inputs go in pieces of this size. */
#define CIPHER_CHUNK ((size_t)1 << 30)

static const char version_label[] = "HPKE-v1";

/* HKDF with one hash, bound to one suite_id (section 4). */
typedef struct labeled_kdf {
    EVP_KDF_CTX *kctx;
    size_t n_h;
    uint8_t suite_id[MAX_SUITE_ID];
    size_t suite_id_len;
} labeled_kdf;

struct hpke_own {
    int is_sender;
    uint64_t seq;
    size_t n_n;
    size_t n_t;
    EVP_CIPHER *cipher;    /* fetched once; NULL for export-only */
    EVP_CIPHER_CTX *aead;  /* holds the key: each message only sets a nonce */
    labeled_kdf exporter;  /* the suite's HKDF, for Context.Export */
    uint8_t base_nonce[MAX_NN];
    uint8_t exporter_secret[MAX_NH];
};

/* ------------------------------------------------------------------------ */
/* LabeledExtract / LabeledExpand (section 4)                               */
/* ------------------------------------------------------------------------ */

static confai_status labeled_kdf_init(labeled_kdf *lk, const char *digest,
                                      size_t n_h, const uint8_t *suite_id,
                                      size_t suite_id_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
        OSSL_PARAM_construct_end(),
    };

    OSSL_ENSURE(kdf != NULL, CONFAI_E_INTERNAL, "HKDF is not available");
    lk->kctx = EVP_KDF_CTX_new(kdf);
    OSSL_ENSURE(lk->kctx != NULL, CONFAI_E_NO_MEMORY, "cannot create an HKDF context");
    OSSL_ENSURE(EVP_KDF_CTX_set_params(lk->kctx, params) == 1, CONFAI_E_INTERNAL,
                "cannot set the HKDF hash");
    lk->n_h = n_h;
    memcpy(lk->suite_id, suite_id, suite_id_len);
    lk->suite_id_len = suite_id_len;
out:
    EVP_KDF_free(kdf);
    return status;
}

/* The KEM's own HKDF: suite_id = "KEM" || I2OSP(kem_id, 2). */
static confai_status kem_kdf_init(labeled_kdf *lk, const hpke_kem_info *kem,
                                  confai_error *err)
{
    uint8_t suite_id[5] = { 'K', 'E', 'M' };
    store_be16(suite_id + 3, kem->id);
    /* Nh of the KEM's hash is its Nsecret for every DHKEM. */
    return labeled_kdf_init(lk, kem->kdf_digest, kem->n_secret, suite_id,
                            sizeof(suite_id), err);
}

/* The key schedule's HKDF: suite_id = "HPKE" || kem_id || kdf_id || aead_id. */
static confai_status hpke_kdf_init(labeled_kdf *lk,
                                   const struct confai_hpke_ctx *ctx,
                                   confai_error *err)
{
    uint8_t suite_id[10] = { 'H', 'P', 'K', 'E' };
    store_be16(suite_id + 4, ctx->kem->id);
    store_be16(suite_id + 6, ctx->kdf->id);
    store_be16(suite_id + 8, ctx->aead->id);
    return labeled_kdf_init(lk, ctx->kdf->digest, ctx->kdf->n_h, suite_id,
                            sizeof(suite_id), err);
}

static void labeled_kdf_free(labeled_kdf *lk)
{
    /* the provider wipes the key and salt it holds */
    EVP_KDF_CTX_free(lk->kctx);
    lk->kctx = NULL;
}

/*
 * LabeledExtract(salt, label, ikm) =
 *   Extract(salt, "HPKE-v1" || suite_id || label || ikm); writes Nh bytes.
 */
static confai_status labeled_extract(const labeled_kdf *lk, uint8_t *prk,
                                     const uint8_t *salt, size_t salt_len,
                                     const char *label, const uint8_t *ikm,
                                     size_t ikm_len, confai_error *err)
{
    /* RFC 5869: an absent salt is Nh zero bytes. Passing them explicitly
     * also replaces any salt an earlier call left in the context. */
    static const uint8_t zero_salt[MAX_NH];
    confai_status status = CONFAI_OK;
    uint8_t small[256];
    uint8_t *labeled = small;
    size_t label_len = strlen(label);
    size_t head = sizeof(version_label) - 1 + lk->suite_id_len + label_len;
    size_t total = head;
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;

    /* psk and info are caller-sized, so the labeled IKM may need the heap */
    ENSURE(ikm_len <= SIZE_MAX - head, CONFAI_E_ARGUMENT, "%s input too long", label);
    total = head + ikm_len;
    if (total > sizeof(small)) {
        labeled = confai_zalloc(total);
        ENSURE(labeled != NULL, CONFAI_E_NO_MEMORY, "out of memory in LabeledExtract");
    }
    memcpy(labeled, version_label, sizeof(version_label) - 1);
    memcpy(labeled + sizeof(version_label) - 1, lk->suite_id, lk->suite_id_len);
    memcpy(labeled + sizeof(version_label) - 1 + lk->suite_id_len, label, label_len);
    if (ikm_len > 0)
        memcpy(labeled + head, ikm, ikm_len);
    if (salt_len == 0) {
        salt = zero_salt;
        salt_len = lk->n_h;
    }

    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, labeled, total),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_end(),
    };
    OSSL_ENSURE(EVP_KDF_derive(lk->kctx, prk, lk->n_h, params) == 1,
                CONFAI_E_INTERNAL, "HKDF-Extract failed");
out:
    if (labeled == small)
        OPENSSL_cleanse(small, total < sizeof(small) ? total : sizeof(small));
    else
        confai_free_secret(labeled, total);
    return status;
}

/*
 * LabeledExpand(prk, label, info, L) =
 *   Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L).
 * prk is Nh bytes. On failure out is wiped.
 */
static confai_status labeled_expand(const labeled_kdf *lk, uint8_t *out,
                                    size_t out_len, const uint8_t *prk,
                                    const char *label, const uint8_t *info,
                                    size_t info_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t prefix[2 + sizeof(version_label) - 1 + MAX_SUITE_ID + 16];
    size_t label_len = strlen(label);
    size_t prefix_len = 2 + sizeof(version_label) - 1 + lk->suite_id_len + label_len;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;

    ENSURE(prefix_len <= sizeof(prefix) && out_len <= 0xffff, CONFAI_E_INTERNAL,
           "LabeledExpand(%s): bad sizes", label);
    store_be16(prefix, (uint16_t)out_len);
    memcpy(prefix + 2, version_label, sizeof(version_label) - 1);
    memcpy(prefix + 2 + sizeof(version_label) - 1, lk->suite_id, lk->suite_id_len);
    memcpy(prefix + 2 + sizeof(version_label) - 1 + lk->suite_id_len, label, label_len);

    /* OpenSSL concatenates repeated info parameters, so the caller's info
     * (an exporter context of any size) is not copied. */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)prk, lk->n_h),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, prefix, prefix_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len),
        OSSL_PARAM_construct_end(),
    };
    if (info_len == 0)
        params[3] = OSSL_PARAM_construct_end();
    OSSL_ENSURE(EVP_KDF_derive(lk->kctx, out, out_len, params) == 1,
                CONFAI_E_INTERNAL, "HKDF-Expand failed");
out:
    if (status != CONFAI_OK)
        confai_wipe(out, out_len);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Keys: (de)serialization, DH, DeriveKeyPair (section 7.1)                 */
/* ------------------------------------------------------------------------ */

/* SerializePublicKey: raw X25519/X448 bytes or the uncompressed point. */
static confai_status serialize_public_key(uint8_t *out,
                                          const hpke_kem_info *kem,
                                          const EVP_PKEY *pkey,
                                          confai_error *err)
{
    size_t len = kem->n_pk;
    return hpke_pkey_public(pkey, kem, out, &len, err);
}

/*
 * DeserializePublicKey. Bytes that do not make a valid key fail with
 * `reject` (CONFAI_E_BAD_KEY or CONFAI_E_BAD_ENCAPSULATION), naming `what`.
 * For the NIST curves OpenSSL's import checks that the coordinates are below
 * p and the point is on the curve (RFC 9180 7.1.4 partial validation); the
 * cofactor is 1, so that point is in the prime-order group.
 */
static confai_status deserialize_public_key(EVP_PKEY **pkey,
                                            const hpke_kem_info *kem,
                                            const uint8_t *buf, size_t len,
                                            confai_status reject,
                                            const char *what,
                                            confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_PKEY_CTX *pctx = NULL;

    *pkey = NULL;
    ENSURE(len == kem->n_pk, reject, "%s: %zu bytes, %s needs %zu", what, len,
           kem->name, kem->n_pk);
    if (!kem->is_nist_curve) {
        *pkey = EVP_PKEY_new_raw_public_key_ex(NULL, kem->group, NULL, buf, len);
        OSSL_ENSURE(*pkey != NULL, reject, what);
        goto out;
    }
    /* only the uncompressed form; OpenSSL would also take the hybrid one */
    ENSURE(buf[0] == 0x04, reject, "%s: not an uncompressed point", what);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)kem->group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)buf, len),
        OSSL_PARAM_construct_end(),
    };
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_ENSURE(pctx != NULL, CONFAI_E_NO_MEMORY, "cannot create an EC context");
    OSSL_ENSURE(EVP_PKEY_fromdata_init(pctx) == 1, CONFAI_E_INTERNAL, "EC import");
    OSSL_ENSURE(EVP_PKEY_fromdata(pctx, pkey, EVP_PKEY_PUBLIC_KEY, params) == 1,
                reject, what);
out:
    EVP_PKEY_CTX_free(pctx);
    return status;
}

/*
 * DH(sk, pk): Ndh bytes (Ndh = Nsk for every DHKEM) into out, which has room
 * for MAX_NDH. An all-zero result (X25519/X448 small-order point, RFC 9180
 * 7.1.4) or a failed derivation is blamed on the peer key: `reject`, `what`.
 */
static confai_status dh(uint8_t *out, const hpke_kem_info *kem, EVP_PKEY *sk,
                        EVP_PKEY *pk, confai_status reject, const char *what,
                        confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, sk, NULL);
    size_t len = MAX_NDH;
    uint8_t acc = 0;

    OSSL_ENSURE(pctx != NULL, CONFAI_E_NO_MEMORY, "cannot create a DH context");
    OSSL_ENSURE(EVP_PKEY_derive_init(pctx) == 1, CONFAI_E_INTERNAL, "DH init");
    /* pk was validated when it was parsed: skip OpenSSL's second,
     * costly, check (a full point-order multiplication for EC) */
    OSSL_ENSURE(EVP_PKEY_derive_set_peer_ex(pctx, pk, 0) == 1, reject, what);
    OSSL_ENSURE(EVP_PKEY_derive(pctx, out, &len) == 1, reject, what);
    ENSURE(len == kem->n_sk, CONFAI_E_INTERNAL, "DH gave %zu bytes", len);
    for (size_t i = 0; i < len; i++)
        acc |= out[i];
    ENSURE(acc != 0, reject, "%s: all-zero output (small-order point)", what);
out:
    if (status != CONFAI_OK)
        OPENSSL_cleanse(out, MAX_NDH);
    EVP_PKEY_CTX_free(pctx);
    return status;
}

/*
 * DeriveKeyPair for P-256/384/521: rejection sampling of candidate scalars
 * until one lies in [1, order - 1] (section 7.1.3).
 */
static confai_status derive_nist_key(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                     const labeled_kdf *lk,
                                     const uint8_t *dkp_prk, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EC_GROUP *group = EC_GROUP_new_by_curve_name_ex(NULL, NULL,
                                                    EC_curve_nist2nid(kem->group));
    BIGNUM *sk = BN_secure_new();
    uint8_t bytes[MAX_NSK];

    OSSL_ENSURE(group != NULL && sk != NULL, CONFAI_E_NO_MEMORY, "EC group");
    for (unsigned counter = 0;; counter++) {
        ENSURE(counter <= 255, CONFAI_E_BAD_KEY,
               "DeriveKeyPairError: no valid %s scalar", kem->group);
        uint8_t counter_byte = (uint8_t)counter;
        GUARD(labeled_expand(lk, bytes, kem->n_sk, dkp_prk, "candidate",
                             &counter_byte, 1, err));
        bytes[0] &= kem->derive_bitmask;
        OSSL_ENSURE(BN_bin2bn(bytes, (int)kem->n_sk, sk) != NULL,
                    CONFAI_E_NO_MEMORY, "scalar");
        if (!BN_is_zero(sk) && BN_cmp(sk, EC_GROUP_get0_order(group)) < 0)
            break;
    }
    /* the shared key builder computes the public point sk*G */
    GUARD(hpke_pkey_from_private(pkey, kem, bytes, kem->n_sk, err));
out:
    OPENSSL_cleanse(bytes, sizeof(bytes));
    BN_clear_free(sk);
    EC_GROUP_free(group);
    return status;
}

/*
 * RFC 7748 decodeScalar25519/448 clamping. X25519/X448 use any Nsk bytes
 * as a scalar and clamp when they compute, so DH is the same either way; the
 * key is stored clamped because SerializePrivateKey must clamp its output
 * (RFC 9180 7.1.2), which is also what OSSL_HPKE_keygen stores.
 */
static void clamp_x_scalar(uint8_t *sk, const hpke_kem_info *kem)
{
    if (kem->n_sk == 32) { /* X25519 */
        sk[0] &= 248;
        sk[31] &= 127;
        sk[31] |= 64;
    } else { /* X448 */
        sk[0] &= 252;
        sk[55] |= 128;
    }
}

/* DeriveKeyPair(ikm), section 7.1.3. */
static confai_status derive_key_pair(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                     const uint8_t *ikm, size_t ikm_len,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    labeled_kdf lk = { 0 };
    uint8_t dkp_prk[MAX_NH];
    uint8_t sk[MAX_NSK];

    *pkey = NULL;
    GUARD(kem_kdf_init(&lk, kem, err));
    GUARD(labeled_extract(&lk, dkp_prk, NULL, 0, "dkp_prk", ikm, ikm_len, err));
    if (kem->is_nist_curve) {
        GUARD(derive_nist_key(pkey, kem, &lk, dkp_prk, err));
    } else {
        GUARD(labeled_expand(&lk, sk, kem->n_sk, dkp_prk, "sk", NULL, 0, err));
        clamp_x_scalar(sk, kem);
        *pkey = EVP_PKEY_new_raw_private_key_ex(NULL, kem->group, NULL, sk, kem->n_sk);
        OSSL_ENSURE(*pkey != NULL, CONFAI_E_INTERNAL, "cannot make the derived key");
    }
out:
    OPENSSL_cleanse(dkp_prk, sizeof(dkp_prk));
    OPENSSL_cleanse(sk, sizeof(sk));
    labeled_kdf_free(&lk);
    return status;
}

/* GenerateKeyPair, or DeriveKeyPair(ikm_e) when the caller fixed the seed. */
static confai_status ephemeral_key(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                   const uint8_t *ikm_e, size_t ikm_e_len,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;

    if (ikm_e != NULL)
        return derive_key_pair(pkey, kem, ikm_e, ikm_e_len, err);
    if (kem->is_nist_curve)
        *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", kem->group);
    else
        *pkey = EVP_PKEY_Q_keygen(NULL, NULL, kem->group);
    OSSL_ENSURE(*pkey != NULL, CONFAI_E_INTERNAL, "cannot generate the ephemeral key");
out:
    return status;
}

/* ------------------------------------------------------------------------ */
/* DHKEM (section 4.1)                                                      */
/* ------------------------------------------------------------------------ */

/*
 * ExtractAndExpand(dh, kem_context):
 *   eae_prk = LabeledExtract("", "eae_prk", dh)
 *   shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
 */
static confai_status extract_and_expand(uint8_t *shared_secret,
                                        const hpke_kem_info *kem,
                                        const uint8_t *dh_out, size_t dh_len,
                                        const uint8_t *kem_context,
                                        size_t kem_context_len,
                                        confai_error *err)
{
    confai_status status = CONFAI_OK;
    labeled_kdf lk = { 0 };
    uint8_t eae_prk[MAX_NH];

    GUARD(kem_kdf_init(&lk, kem, err));
    GUARD(labeled_extract(&lk, eae_prk, NULL, 0, "eae_prk", dh_out, dh_len, err));
    GUARD(labeled_expand(&lk, shared_secret, kem->n_secret, eae_prk, "shared_secret",
                         kem_context, kem_context_len, err));
out:
    OPENSSL_cleanse(eae_prk, sizeof(eae_prk));
    labeled_kdf_free(&lk);
    return status;
}

/*
 * Encap(pkR), or AuthEncap(pkR, skS) when the context has a sender key:
 *   dh = DH(skE, pkR) [|| DH(skS, pkR)]
 *   kem_context = enc || pkRm [|| pkSm]
 * Writes Nsecret bytes of shared_secret and Nenc bytes of enc.
 */
static confai_status encap(uint8_t *shared_secret, uint8_t *enc,
                           const struct confai_hpke_ctx *ctx,
                           const uint8_t *ikm_e, size_t ikm_e_len,
                           const uint8_t *pk_r, size_t pk_r_len,
                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    const hpke_kem_info *kem = ctx->kem;
    EVP_PKEY *pkey_r = NULL, *sk_e = NULL;
    uint8_t dh_out[2 * MAX_NDH];
    uint8_t kem_context[3 * MAX_NPK];
    size_t dh_len = kem->n_sk, kc_len = 0;
    int wrote_enc = 0;

    GUARD(deserialize_public_key(&pkey_r, kem, pk_r, pk_r_len, CONFAI_E_BAD_KEY,
                                 "recipient public key", err));
    if (ctx->sk_e != NULL) { /* a test fixed the key itself */
        OSSL_ENSURE(EVP_PKEY_up_ref(ctx->sk_e) == 1, CONFAI_E_INTERNAL,
                    "referencing the ephemeral key");
        sk_e = ctx->sk_e;
    } else {
        GUARD(ephemeral_key(&sk_e, kem, ikm_e, ikm_e_len, err));
    }
    GUARD(dh(dh_out, kem, sk_e, pkey_r, CONFAI_E_BAD_KEY,
             "DH with the recipient public key failed", err));
    wrote_enc = 1;
    GUARD(serialize_public_key(enc, kem, sk_e, err));
    memcpy(kem_context, enc, kem->n_enc);
    memcpy(kem_context + kem->n_enc, pk_r, kem->n_pk);
    kc_len = kem->n_enc + kem->n_pk;
    if (ctx->sender_key != NULL) {
        GUARD(dh(dh_out + dh_len, kem, ctx->sender_key, pkey_r, CONFAI_E_BAD_KEY,
                 "DH with the recipient public key failed", err));
        dh_len += kem->n_sk;
        GUARD(serialize_public_key(kem_context + kc_len, kem, ctx->sender_key, err));
        kc_len += kem->n_pk;
    }
    GUARD(extract_and_expand(shared_secret, kem, dh_out, dh_len, kem_context, kc_len,
                             err));
out:
    if (status != CONFAI_OK && wrote_enc)
        confai_wipe(enc, kem->n_enc);
    OPENSSL_cleanse(dh_out, sizeof(dh_out));
    EVP_PKEY_free(sk_e);
    EVP_PKEY_free(pkey_r);
    return status;
}

/*
 * Decap(enc, skR), or AuthDecap(enc, skR, pkS) when the context has the
 * sender's public key:
 *   dh = DH(skR, pkE) [|| DH(skR, pkS)]
 *   kem_context = enc || pkRm [|| pkSm]
 */
static confai_status decap(uint8_t *shared_secret,
                           const struct confai_hpke_ctx *ctx, EVP_PKEY *sk_r,
                           const uint8_t *enc, size_t enc_len,
                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    const hpke_kem_info *kem = ctx->kem;
    EVP_PKEY *pk_e = NULL, *pk_s = NULL;
    uint8_t dh_out[2 * MAX_NDH];
    uint8_t kem_context[3 * MAX_NPK];
    size_t dh_len = kem->n_sk, kc_len = 0;

    GUARD(deserialize_public_key(&pk_e, kem, enc, enc_len, CONFAI_E_BAD_ENCAPSULATION,
                                 "enc", err));
    GUARD(dh(dh_out, kem, sk_r, pk_e, CONFAI_E_BAD_ENCAPSULATION, "DH with enc failed",
             err));
    memcpy(kem_context, enc, kem->n_enc);
    kc_len = kem->n_enc;
    GUARD(serialize_public_key(kem_context + kc_len, kem, sk_r, err));
    kc_len += kem->n_pk;
    if (ctx->sender_public_len > 0) {
        GUARD(deserialize_public_key(&pk_s, kem, ctx->sender_public,
                                     ctx->sender_public_len, CONFAI_E_BAD_KEY,
                                     "sender public key", err));
        GUARD(dh(dh_out + dh_len, kem, sk_r, pk_s, CONFAI_E_BAD_KEY,
                 "DH with the sender public key failed", err));
        dh_len += kem->n_sk;
        memcpy(kem_context + kc_len, ctx->sender_public, kem->n_pk);
        kc_len += kem->n_pk;
    }
    GUARD(extract_and_expand(shared_secret, kem, dh_out, dh_len, kem_context, kc_len,
                             err));
out:
    OPENSSL_cleanse(dh_out, sizeof(dh_out));
    EVP_PKEY_free(pk_s);
    EVP_PKEY_free(pk_e);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Key schedule and context (section 5)                                     */
/* ------------------------------------------------------------------------ */

/* Fetches the AEAD once and keeps a cipher context with the key set. */
static confai_status aead_init(hpke_own *impl, const hpke_aead_info *aead,
                               const uint8_t *key, confai_error *err)
{
    confai_status status = CONFAI_OK;
    impl->cipher = EVP_CIPHER_fetch(NULL, aead->cipher, NULL);
    OSSL_ENSURE(impl->cipher != NULL, CONFAI_E_UNSUPPORTED, aead->name);
    impl->aead = EVP_CIPHER_CTX_new();
    OSSL_ENSURE(impl->aead != NULL, CONFAI_E_NO_MEMORY, "cannot create a cipher context");
    OSSL_ENSURE(EVP_CipherInit_ex(impl->aead, impl->cipher, NULL, key, NULL,
                                  impl->is_sender) == 1,
                CONFAI_E_INTERNAL, "cannot set the AEAD key");
    /* Nn = 12 is the default IV length of all three AEADs */
    ENSURE(EVP_CIPHER_CTX_get_iv_length(impl->aead) == (int)aead->n_n,
           CONFAI_E_INTERNAL, "unexpected nonce size for %s", aead->name);
out:
    return status;
}

/*
 * KeySchedule(mode, shared_secret, info, psk, psk_id), section 5.1:
 *   key_schedule_context = mode || LabeledExtract("", "psk_id_hash", psk_id)
 *                               || LabeledExtract("", "info_hash", info)
 *   secret = LabeledExtract(shared_secret, "secret", psk)
 *   key, base_nonce, exporter_secret = LabeledExpand(secret, "key" /
 *                        "base_nonce" / "exp", key_schedule_context, Nk/Nn/Nh)
 * The mode's inputs were checked by the wrapper (VerifyPSKInputs); in modes
 * without a PSK, psk and psk_id are empty.
 */
static confai_status key_schedule(hpke_own *impl,
                                  const struct confai_hpke_ctx *ctx,
                                  const uint8_t *shared_secret,
                                  const uint8_t *info, size_t info_len,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    labeled_kdf lk = { 0 };
    size_t n_h = ctx->kdf->n_h;
    uint8_t context[1 + 2 * MAX_NH];
    uint8_t secret[MAX_NH];
    uint8_t key[MAX_NK];

    GUARD(hpke_kdf_init(&lk, ctx, err));
    context[0] = hpke_ctx_mode(ctx);
    GUARD(labeled_extract(&lk, context + 1, NULL, 0, "psk_id_hash", ctx->psk_id,
                          ctx->psk_id_len, err));
    GUARD(labeled_extract(&lk, context + 1 + n_h, NULL, 0, "info_hash", info,
                          info_len, err));
    GUARD(labeled_extract(&lk, secret, shared_secret, ctx->kem->n_secret, "secret",
                          ctx->psk, ctx->psk_len, err));
    if (ctx->aead->cipher != NULL) {
        GUARD(labeled_expand(&lk, key, ctx->aead->n_k, secret, "key", context,
                             1 + 2 * n_h, err));
        GUARD(labeled_expand(&lk, impl->base_nonce, ctx->aead->n_n, secret,
                             "base_nonce", context, 1 + 2 * n_h, err));
        GUARD(aead_init(impl, ctx->aead, key, err));
    }
    GUARD(labeled_expand(&lk, impl->exporter_secret, n_h, secret, "exp", context,
                         1 + 2 * n_h, err));
out:
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(context, sizeof(context));
    labeled_kdf_free(&lk); /* its context held shared_secret as the salt */
    return status;
}

/* Builds the context state from the KEM's shared secret. */
static confai_status context_new(hpke_own **state, const struct confai_hpke_ctx *ctx,
                                 int is_sender,
                                 const uint8_t *shared_secret,
                                 const uint8_t *info, size_t info_len,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    hpke_own *impl = confai_zalloc(sizeof(*impl));

    ENSURE(impl != NULL, CONFAI_E_NO_MEMORY, "out of memory for the HPKE context");
    impl->is_sender = is_sender;
    impl->n_n = ctx->aead->n_n;
    impl->n_t = ctx->aead->n_t;
    GUARD(key_schedule(impl, ctx, shared_secret, info, info_len, err));
    GUARD(hpke_kdf_init(&impl->exporter, ctx, err));
    *state = impl;
    impl = NULL;
out:
    hpke_own_free(impl);
    return status;
}

/* ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn), section 5.2. */
static void compute_nonce(const hpke_own *impl, uint8_t nonce[MAX_NN])
{
    memcpy(nonce, impl->base_nonce, impl->n_n);
    for (size_t i = 0; i < sizeof(impl->seq); i++)
        nonce[impl->n_n - 1 - i] ^= (uint8_t)(impl->seq >> (8 * i));
}

/* Feeds len bytes through EVP_CipherUpdate; out NULL means AAD. */
static int cipher_update(EVP_CIPHER_CTX *cctx, uint8_t *out, size_t *written,
                         const uint8_t *in, size_t len)
{
    *written = 0;
    while (len > 0) {
        int n = (int)(len < CIPHER_CHUNK ? len : CIPHER_CHUNK);
        int outl = 0;
        if (EVP_CipherUpdate(cctx, out == NULL ? NULL : out + *written, &outl, in, n) != 1
            || outl < 0)
            return 0;
        *written += (size_t)outl;
        in += n;
        len -= (size_t)n;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Entry points (hpke_own.h)                                                */
/* ------------------------------------------------------------------------ */

confai_status hpke_own_derive_key(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                  const uint8_t *ikm, size_t ikm_len,
                                  confai_error *err)
{
    return derive_key_pair(pkey, kem, ikm, ikm_len, err);
}

confai_status hpke_own_sender_setup(hpke_own **state,
                                    const struct confai_hpke_ctx *ctx,
                                    const uint8_t *ikm_e, size_t ikm_e_len,
                                    uint8_t *enc, size_t *enc_len,
                                    const uint8_t *pk_r, size_t pk_r_len,
                                    const uint8_t *info, size_t info_len,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t shared_secret[MAX_NSECRET];

    *state = NULL;
    GUARD(encap(shared_secret, enc, ctx, ikm_e, ikm_e_len, pk_r, pk_r_len, err));
    status = context_new(state, ctx, 1, shared_secret, info, info_len, err);
    if (status != CONFAI_OK) {
        confai_wipe(enc, ctx->kem->n_enc); /* no half-made output */
        goto out;
    }
    *enc_len = ctx->kem->n_enc;
out:
    OPENSSL_cleanse(shared_secret, sizeof(shared_secret));
    return status;
}

confai_status hpke_own_recipient_setup(hpke_own **state,
                                       const struct confai_hpke_ctx *ctx,
                                       EVP_PKEY *sk_r, const uint8_t *enc,
                                       size_t enc_len, const uint8_t *info,
                                       size_t info_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t shared_secret[MAX_NSECRET];

    *state = NULL;
    GUARD(decap(shared_secret, ctx, sk_r, enc, enc_len, err));
    GUARD(context_new(state, ctx, 0, shared_secret, info, info_len, err));
out:
    OPENSSL_cleanse(shared_secret, sizeof(shared_secret));
    return status;
}

/* Context.Seal(aad, pt), section 5.2. */
confai_status hpke_own_seal(hpke_own *impl, uint8_t *ct, size_t *ct_len,
                            const uint8_t *aad, size_t aad_len,
                            const uint8_t *pt, size_t pt_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t nonce[MAX_NN];
    uint8_t tail[32]; /* stream AEADs finish without output */
    size_t n = 0, written = 0, wipe_len = 0;
    int tail_len = 0;

    ENSURE(impl != NULL && impl->is_sender, CONFAI_E_STATE, "not a set-up sender");
    ENSURE(impl->aead != NULL, CONFAI_E_EXPORT_ONLY, "the export-only AEAD cannot seal");
    /* OpenSSL's rule: the last sequence number is never used */
    ENSURE(impl->seq != UINT64_MAX, CONFAI_E_SEQUENCE_EXHAUSTED,
           "sequence number exhausted");
    compute_nonce(impl, nonce);
    wipe_len = pt_len + impl->n_t; /* from here on ct may hold partial output */
    OSSL_ENSURE(EVP_EncryptInit_ex(impl->aead, NULL, NULL, NULL, nonce) == 1
                    && cipher_update(impl->aead, NULL, &n, aad, aad_len)
                    && cipher_update(impl->aead, ct, &written, pt, pt_len),
                CONFAI_E_INTERNAL, "AEAD encryption failed");
    OSSL_ENSURE(EVP_EncryptFinal_ex(impl->aead, tail, &tail_len) == 1 && tail_len == 0
                    && written == pt_len
                    && EVP_CIPHER_CTX_ctrl(impl->aead, EVP_CTRL_AEAD_GET_TAG,
                                           (int)impl->n_t, ct + pt_len) == 1,
                CONFAI_E_INTERNAL, "AEAD encryption failed");
    impl->seq++;
    *ct_len = pt_len + impl->n_t;
out:
    if (status != CONFAI_OK)
        confai_wipe(ct, wipe_len);
    OPENSSL_cleanse(nonce, sizeof(nonce));
    return status;
}

/*
 * Context.Open(aad, ct), section 5.2. OpenSSL decrypts before the tag is
 * known, so on a mismatch the bytes written so far are wiped: no
 * unauthenticated plaintext reaches the caller.
 */
confai_status hpke_own_open(hpke_own *impl, uint8_t *pt, size_t *pt_len,
                            const uint8_t *aad, size_t aad_len,
                            const uint8_t *ct, size_t ct_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t nonce[MAX_NN];
    uint8_t tail[32];
    size_t body_len = 0, n = 0, written = 0;
    int tail_len = 0;

    ENSURE(impl != NULL && !impl->is_sender, CONFAI_E_STATE, "not a set-up recipient");
    ENSURE(impl->aead != NULL, CONFAI_E_EXPORT_ONLY, "the export-only AEAD cannot open");
    ENSURE(ct_len >= impl->n_t, CONFAI_E_TRUNCATED,
           "ciphertext of %zu bytes is shorter than a tag", ct_len);
    ENSURE(impl->seq != UINT64_MAX, CONFAI_E_SEQUENCE_EXHAUSTED,
           "sequence number exhausted");
    body_len = ct_len - impl->n_t;
    compute_nonce(impl, nonce);
    OSSL_ENSURE(EVP_DecryptInit_ex(impl->aead, NULL, NULL, NULL, nonce) == 1
                    && cipher_update(impl->aead, NULL, &n, aad, aad_len)
                    && cipher_update(impl->aead, pt, &written, ct, body_len)
                    && written == body_len
                    && EVP_CIPHER_CTX_ctrl(impl->aead, EVP_CTRL_AEAD_SET_TAG,
                                           (int)impl->n_t, (void *)(ct + body_len)) == 1,
                CONFAI_E_INTERNAL, "AEAD decryption failed");
    if (EVP_DecryptFinal_ex(impl->aead, tail, &tail_len) != 1 || tail_len != 0) {
        ERR_clear_error();
        BAIL(CONFAI_E_DECRYPT, "authentication failed (tag mismatch)");
    }
    impl->seq++;
    *pt_len = body_len;
out:
    if (status != CONFAI_OK)
        confai_wipe(pt, body_len);
    OPENSSL_cleanse(nonce, sizeof(nonce));
    return status;
}

/* Context.Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", ...). */
confai_status hpke_own_export(hpke_own *impl, uint8_t *out, size_t out_len,
                              const uint8_t *exp_ctx, size_t exp_ctx_len,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;

    ENSURE(impl != NULL, CONFAI_E_STATE, "export before setup");
    ENSURE(out_len <= 255 * impl->exporter.n_h, CONFAI_E_ARGUMENT,
           "export length %zu exceeds 255*Nh = %zu", out_len, 255 * impl->exporter.n_h);
    if (out_len == 0)
        goto out;
    GUARD(labeled_expand(&impl->exporter, out, out_len, impl->exporter_secret, "sec",
                         exp_ctx, exp_ctx_len, err));
out:
    return status;
}

confai_status hpke_own_set_seq(hpke_own *impl, uint64_t seq, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(impl != NULL && !impl->is_sender, CONFAI_E_STATE,
           "only a set-up recipient's sequence number can be moved");
    impl->seq = seq;
out:
    return status;
}

void hpke_own_continue_at(hpke_own *impl, uint64_t seq)
{
    impl->seq = seq;
}

void hpke_own_free(hpke_own *impl)
{
    if (impl == NULL)
        return;
    EVP_CIPHER_CTX_free(impl->aead); /* wipes the key schedule it holds */
    EVP_CIPHER_free(impl->cipher);
    labeled_kdf_free(&impl->exporter);
    confai_free_secret(impl, sizeof(*impl));
}
