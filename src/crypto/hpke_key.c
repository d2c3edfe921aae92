/* HPKE key pairs: generation, derivation, import and serialization. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "core/error.h"
#include "core/memory.h"
#include "crypto/hpke_internal.h"

static int curve_nid(const hpke_kem_info *kem)
{
    switch (kem->id) {
    case CONFAI_HPKE_KEM_P256_SHA256: return NID_X9_62_prime256v1;
    case CONFAI_HPKE_KEM_P384_SHA384: return NID_secp384r1;
    case CONFAI_HPKE_KEM_P521_SHA512: return NID_secp521r1;
    default: return NID_undef;
    }
}

/* A NIST-curve key from a scalar: the public point is sk * G. */
static confai_status ec_pkey_from_scalar(EVP_PKEY **pkey,
                                         const hpke_kem_info *kem,
                                         const uint8_t *sk, size_t sk_len,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    EC_GROUP *group = NULL;
    EC_POINT *point = NULL;
    BIGNUM *scalar = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t pub[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];

    group = EC_GROUP_new_by_curve_name(curve_nid(kem));
    OSSL_ENSURE(group != NULL, CONFAI_E_INTERNAL, "EC group");
    scalar = BN_secure_new();
    OSSL_ENSURE(scalar != NULL && BN_bin2bn(sk, (int)sk_len, scalar) != NULL,
                CONFAI_E_NO_MEMORY, "scalar");
    ENSURE(!BN_is_zero(scalar) && BN_cmp(scalar, EC_GROUP_get0_order(group)) < 0,
           CONFAI_E_BAD_KEY, "%s private key is not a scalar in [1, n-1]", kem->name);

    point = EC_POINT_new(group);
    OSSL_ENSURE(point != NULL, CONFAI_E_NO_MEMORY, "EC point");
    OSSL_ENSURE(EC_POINT_mul(group, point, scalar, NULL, NULL, NULL) == 1,
                CONFAI_E_INTERNAL, "computing the public key");
    size_t pub_len = EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED,
                                        pub, sizeof(pub), NULL);
    OSSL_ENSURE(pub_len == kem->n_pk, CONFAI_E_INTERNAL, "encoding the public key");

    bld = OSSL_PARAM_BLD_new();
    OSSL_ENSURE(bld != NULL, CONFAI_E_NO_MEMORY, "params");
    OSSL_ENSURE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                                kem->group, 0) == 1
                    && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, scalar) == 1
                    && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                                        pub, pub_len) == 1,
                CONFAI_E_NO_MEMORY, "params");
    params = OSSL_PARAM_BLD_to_param(bld);
    OSSL_ENSURE(params != NULL, CONFAI_E_NO_MEMORY, "params");

    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_ENSURE(pctx != NULL && EVP_PKEY_fromdata_init(pctx) == 1
                    && EVP_PKEY_fromdata(pctx, pkey, EVP_PKEY_KEYPAIR, params) == 1,
                CONFAI_E_INTERNAL, "building the EC key");
out:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params); /* holds a copy of the scalar: */
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(point);
    BN_clear_free(scalar);
    EC_GROUP_free(group);
    return status;
}

confai_status hpke_pkey_from_private(EVP_PKEY **pkey, const hpke_kem_info *kem,
                                     const uint8_t *sk, size_t sk_len,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    *pkey = NULL;
    ENSURE(sk_len == kem->n_sk, CONFAI_E_BAD_KEY,
           "%s private key must be %zu bytes, got %zu", kem->name, kem->n_sk, sk_len);
    if (kem->is_nist_curve) {
        GUARD(ec_pkey_from_scalar(pkey, kem, sk, sk_len, err));
    } else {
        *pkey = EVP_PKEY_new_raw_private_key_ex(NULL, kem->group, NULL, sk, sk_len);
        OSSL_ENSURE(*pkey != NULL, CONFAI_E_BAD_KEY, "importing the private key");
    }
out:
    return status;
}

confai_status hpke_pkey_public(const EVP_PKEY *pkey, const hpke_kem_info *kem,
                               uint8_t *out, size_t *out_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t len = 0;
    ENSURE(*out_len >= kem->n_pk, CONFAI_E_BUFFER_TOO_SMALL,
           "public key needs %zu bytes, buffer has %zu", kem->n_pk, *out_len);
    /* The encoded public key is the raw key for X25519/X448 and the
     * uncompressed point for EC keys, as RFC 9180 serializes them. */
    OSSL_ENSURE(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                out, *out_len, &len) == 1
                    && len == kem->n_pk,
                CONFAI_E_INTERNAL, "serializing the public key");
    *out_len = len;
out:
    if (status == CONFAI_E_BUFFER_TOO_SMALL)
        *out_len = kem->n_pk;
    return status;
}

/* RFC 9180 section 7.1.2: serialized X25519/X448 private keys are clamped. */
static void clamp(uint8_t *sk, const hpke_kem_info *kem)
{
    if (kem->id == CONFAI_HPKE_KEM_X25519_SHA256) {
        sk[0] &= 248;
        sk[31] &= 127;
        sk[31] |= 64;
    } else if (kem->id == CONFAI_HPKE_KEM_X448_SHA512) {
        sk[0] &= 252;
        sk[55] |= 128;
    }
}

/* SerializePrivateKey: raw (clamped) for X25519/X448, the zero-padded scalar
 * for EC. */
static confai_status pkey_private(const EVP_PKEY *pkey, const hpke_kem_info *kem,
                                  uint8_t *out, size_t *out_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    BIGNUM *scalar = NULL;
    ENSURE(*out_len >= kem->n_sk, CONFAI_E_BUFFER_TOO_SMALL,
           "private key needs %zu bytes, buffer has %zu", kem->n_sk, *out_len);
    if (kem->is_nist_curve) {
        OSSL_ENSURE(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &scalar) == 1
                        && BN_bn2binpad(scalar, out, (int)kem->n_sk) == (int)kem->n_sk,
                    CONFAI_E_INTERNAL, "serializing the private key");
    } else {
        size_t len = *out_len;
        OSSL_ENSURE(EVP_PKEY_get_raw_private_key(pkey, out, &len) == 1 && len == kem->n_sk,
                    CONFAI_E_INTERNAL, "serializing the private key");
        clamp(out, kem);
    }
    *out_len = kem->n_sk;
out:
    if (status == CONFAI_E_BUFFER_TOO_SMALL)
        *out_len = kem->n_sk;
    BN_clear_free(scalar);
    return status;
}

/* Wraps a fresh EVP_PKEY in a key handle; takes ownership of pkey. */
static confai_status key_wrap(confai_hpke_key **key, const hpke_kem_info *kem,
                              EVP_PKEY *pkey, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_hpke_key *k = confai_zalloc(sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        BAIL(CONFAI_E_NO_MEMORY, "allocating a key");
    }
    k->kem_id = kem->id;
    k->pkey = pkey;
    *key = k;
out:
    return status;
}

static confai_status kem_for(const hpke_kem_info **kem, uint16_t kem_id,
                             confai_error *err)
{
    *kem = hpke_kem_lookup(kem_id);
    if (*kem == NULL)
        return confai_err_set(err, CONFAI_E_UNSUPPORTED, "unsupported KEM id 0x%04x", kem_id);
    return CONFAI_OK;
}

confai_status confai_hpke_key_generate(confai_hpke_key **key, uint16_t kem_id,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    const hpke_kem_info *kem = NULL;
    EVP_PKEY *pkey = NULL;
    confai_err_clear(err);
    ENSURE_ARG(key != NULL, "key");
    *key = NULL;
    GUARD(kem_for(&kem, kem_id, err));
    if (kem->is_nist_curve)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", kem->group);
    else
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, kem->group);
    OSSL_ENSURE(pkey != NULL, CONFAI_E_INTERNAL, "generating a key pair");
    GUARD(key_wrap(key, kem, pkey, err));
out:
    return status;
}

confai_status confai_hpke_key_derive(confai_hpke_key **key, uint16_t kem_id,
                                     const uint8_t *ikm, size_t ikm_len,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    const hpke_kem_info *kem = NULL;
    EVP_PKEY *pkey = NULL;
    confai_err_clear(err);
    ENSURE_ARG(key != NULL, "key");
    *key = NULL;
    GUARD(kem_for(&kem, kem_id, err));
    ENSURE_ARG(ikm != NULL, "ikm");
    ENSURE(ikm_len >= kem->n_sk && ikm_len <= CONFAI_HPKE_MAX_PARAM_SIZE,
           CONFAI_E_ARGUMENT, "ikm must be %zu to %d bytes for %s, got %zu",
           kem->n_sk, CONFAI_HPKE_MAX_PARAM_SIZE, kem->name, ikm_len);
    GUARD(hpke_impl_derive_key(&pkey, kem, ikm, ikm_len, err));
    GUARD(key_wrap(key, kem, pkey, err));
out:
    return status;
}

confai_status confai_hpke_key_import(confai_hpke_key **key, uint16_t kem_id,
                                     const uint8_t *private_key,
                                     size_t private_key_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const hpke_kem_info *kem = NULL;
    EVP_PKEY *pkey = NULL;
    confai_err_clear(err);
    ENSURE_ARG(key != NULL, "key");
    *key = NULL;
    GUARD(kem_for(&kem, kem_id, err));
    ENSURE_ARG(private_key != NULL, "private_key");
    GUARD(hpke_pkey_from_private(&pkey, kem, private_key, private_key_len, err));
    GUARD(key_wrap(key, kem, pkey, err));
out:
    return status;
}

void confai_hpke_key_free(confai_hpke_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey); /* OpenSSL wipes private key material */
    confai_free_secret(key, sizeof(*key));
}

uint16_t confai_hpke_key_kem(const confai_hpke_key *key)
{
    return key == NULL ? 0 : key->kem_id;
}

confai_status confai_hpke_key_public(const confai_hpke_key *key,
                                     uint8_t *public_key, size_t *public_key_len,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(key != NULL, "key");
    ENSURE_ARG(public_key != NULL, "public_key");
    ENSURE_ARG(public_key_len != NULL, "public_key_len");
    GUARD(hpke_pkey_public(key->pkey, hpke_kem_lookup(key->kem_id), public_key,
                           public_key_len, err));
out:
    return status;
}

confai_status confai_hpke_key_private(const confai_hpke_key *key,
                                      uint8_t *private_key,
                                      size_t *private_key_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(key != NULL, "key");
    ENSURE_ARG(private_key != NULL, "private_key");
    ENSURE_ARG(private_key_len != NULL, "private_key_len");
    GUARD(pkey_private(key->pkey, hpke_kem_lookup(key->kem_id), private_key,
                       private_key_len, err));
out:
    return status;
}
