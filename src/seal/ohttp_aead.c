/* The OHTTP response AEAD (RFC 9458 section 4.4) on OpenSSL EVP. */
#include "seal/ohttp_aead.h"

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>

#include "core/error.h"
#include "core/memory.h"

/* EVP takes int lengths; longer inputs go through in pieces of this size. */
#define EVP_PIECE (1 << 30)

#define MAX_NH 64

size_t ohttp_aead_entropy_len(const hpke_aead_info *aead)
{
    return aead->n_n > aead->n_k ? aead->n_n : aead->n_k;
}

/* One HKDF step (extract or expand only) with OpenSSL's EVP_KDF. */
static confai_status hkdf(uint8_t *out, size_t out_len, const char *digest,
                          int mode, const uint8_t *key, size_t key_len,
                          const uint8_t *salt, size_t salt_len,
                          const char *info, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[6], *p = params;

    OSSL_ENSURE(kdf != NULL, CONFAI_E_INTERNAL, "fetching HKDF");
    kctx = EVP_KDF_CTX_new(kdf);
    OSSL_ENSURE(kctx != NULL, CONFAI_E_NO_MEMORY, "creating the HKDF context");
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (salt != NULL)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt,
                                                 salt_len);
    if (info != NULL)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
                                                 strlen(info));
    *p = OSSL_PARAM_construct_end();
    OSSL_ENSURE(EVP_KDF_derive(kctx, out, out_len, params) == 1, CONFAI_E_INTERNAL,
                "HKDF");
out:
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return status;
}

confai_status ohttp_aead_derive(uint8_t *key, uint8_t *nonce,
                                const hpke_kdf_info *kdf,
                                const hpke_aead_info *aead,
                                const uint8_t *secret, size_t secret_len,
                                const uint8_t *salt, size_t salt_len,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t prk[MAX_NH];

    GUARD(hkdf(prk, kdf->n_h, kdf->digest, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, secret,
               secret_len, salt, salt_len, NULL, err));
    GUARD(hkdf(key, aead->n_k, kdf->digest, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, kdf->n_h,
               NULL, 0, "key", err));
    GUARD(hkdf(nonce, aead->n_n, kdf->digest, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk,
               kdf->n_h, NULL, 0, "nonce", err));
out:
    OPENSSL_cleanse(prk, sizeof(prk));
    return status;
}

confai_status ohttp_aead_init(ohttp_aead *a, const confai_hpke_suite *suite,
                              int encrypt, const uint8_t *secret,
                              size_t secret_len, const uint8_t *salt,
                              size_t salt_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const hpke_kdf_info *kdf = hpke_kdf_lookup(suite->kdf_id);
    const hpke_aead_info *aead = hpke_aead_lookup(suite->aead_id);
    EVP_CIPHER *cipher = NULL;
    uint8_t key[OHTTP_AEAD_MAX_NK];

    memset(a, 0, sizeof(*a));
    ENSURE(kdf != NULL && aead != NULL && aead->cipher != NULL
               && aead->n_n <= OHTTP_AEAD_MAX_NN && aead->n_n >= 8,
           CONFAI_E_UNSUPPORTED, "no response AEAD for suite 0x%04x/0x%04x",
           suite->kdf_id, suite->aead_id);
    GUARD(ohttp_aead_derive(key, a->base_nonce, kdf, aead, secret, secret_len, salt,
                            salt_len, err));
    cipher = EVP_CIPHER_fetch(NULL, aead->cipher, NULL);
    OSSL_ENSURE(cipher != NULL, CONFAI_E_UNSUPPORTED, aead->name);
    a->cctx = EVP_CIPHER_CTX_new();
    OSSL_ENSURE(a->cctx != NULL, CONFAI_E_NO_MEMORY, "creating a cipher context");
    OSSL_ENSURE(EVP_CipherInit_ex(a->cctx, cipher, NULL, key, NULL, encrypt) == 1,
                CONFAI_E_INTERNAL, "setting the response key");
    /* 12 is the default nonce length of all three AEADs. */
    ENSURE(EVP_CIPHER_CTX_get_iv_length(a->cctx) == (int)aead->n_n, CONFAI_E_INTERNAL,
           "unexpected nonce size for %s", aead->name);
    a->n_n = aead->n_n;
    a->n_t = aead->n_t;
    a->encrypt = encrypt;
out:
    OPENSSL_cleanse(key, sizeof(key));
    EVP_CIPHER_free(cipher); /* the context keeps its own reference */
    if (status != CONFAI_OK)
        ohttp_aead_clear(a);
    return status;
}

/* chunk_nonce = aead_nonce XOR encode(Nn, counter) */
static void chunk_nonce(const ohttp_aead *a, uint8_t nonce[OHTTP_AEAD_MAX_NN],
                        uint64_t counter)
{
    memcpy(nonce, a->base_nonce, a->n_n);
    for (size_t i = 0; i < sizeof(counter); i++)
        nonce[a->n_n - 1 - i] ^= (uint8_t)(counter >> (8 * i));
}

/* EVP_CipherUpdate over any length; out NULL feeds AAD. */
static int update(EVP_CIPHER_CTX *cctx, uint8_t *out, const uint8_t *in, size_t len)
{
    while (len > 0) {
        int n = len < EVP_PIECE ? (int)len : EVP_PIECE;
        int written = 0;
        if (EVP_CipherUpdate(cctx, out, &written, in, n) != 1)
            return 0;
        if (out != NULL) {
            if (written != n) /* every supported AEAD is a stream cipher */
                return 0;
            out += n;
        }
        in += n;
        len -= (size_t)n;
    }
    return 1;
}

confai_status ohttp_aead_seal(ohttp_aead *a, uint8_t *ct, uint64_t counter,
                              const uint8_t *aad, size_t aad_len,
                              const uint8_t *pt, size_t pt_len,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t nonce[OHTTP_AEAD_MAX_NN];
    uint8_t tail[32];
    int tail_len = 0;

    chunk_nonce(a, nonce, counter);
    OSSL_ENSURE(a->encrypt && EVP_EncryptInit_ex(a->cctx, NULL, NULL, NULL, nonce) == 1
                    && update(a->cctx, NULL, aad, aad_len) && update(a->cctx, ct, pt, pt_len)
                    && EVP_EncryptFinal_ex(a->cctx, tail, &tail_len) == 1 && tail_len == 0
                    && EVP_CIPHER_CTX_ctrl(a->cctx, EVP_CTRL_AEAD_GET_TAG, (int)a->n_t,
                                           ct + pt_len) == 1,
                CONFAI_E_INTERNAL, "sealing the response");
out:
    if (status != CONFAI_OK)
        confai_wipe(ct, pt_len + a->n_t);
    return status;
}

confai_status ohttp_aead_open(ohttp_aead *a, uint8_t *pt, uint64_t counter,
                              const uint8_t *aad, size_t aad_len,
                              const uint8_t *ct, size_t ct_len,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t nonce[OHTTP_AEAD_MAX_NN];
    uint8_t tail[32];
    int tail_len = 0;
    size_t body = ct_len - a->n_t;

    chunk_nonce(a, nonce, counter);
    OSSL_ENSURE(!a->encrypt && EVP_DecryptInit_ex(a->cctx, NULL, NULL, NULL, nonce) == 1
                    && update(a->cctx, NULL, aad, aad_len) && update(a->cctx, pt, ct, body)
                    && EVP_CIPHER_CTX_ctrl(a->cctx, EVP_CTRL_AEAD_SET_TAG, (int)a->n_t,
                                           (void *)(ct + body)) == 1,
                CONFAI_E_INTERNAL, "opening the response");
    /* The tag comparison happens here, inside the AEAD, in constant time. */
    if (EVP_DecryptFinal_ex(a->cctx, tail, &tail_len) != 1 || tail_len != 0) {
        ERR_clear_error();
        BAIL(CONFAI_E_DECRYPT, "the response (chunk %llu) does not authenticate",
             (unsigned long long)counter);
    }
out:
    if (status != CONFAI_OK)
        confai_wipe(pt, body);
    return status;
}

confai_status ohttp_aead_open_begin(ohttp_aead *a, uint64_t counter,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t nonce[OHTTP_AEAD_MAX_NN];
    chunk_nonce(a, nonce, counter);
    OSSL_ENSURE(!a->encrypt && EVP_DecryptInit_ex(a->cctx, NULL, NULL, NULL, nonce) == 1,
                CONFAI_E_INTERNAL, "opening the response");
out:
    return status;
}

confai_status ohttp_aead_open_update(ohttp_aead *a, uint8_t *pt,
                                     const uint8_t *ct, size_t len,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    OSSL_ENSURE(update(a->cctx, pt, ct, len), CONFAI_E_INTERNAL, "opening the response");
out:
    return status;
}

confai_status ohttp_aead_open_finish(ohttp_aead *a,
                                     const uint8_t tag[CONFAI_HPKE_TAG_SIZE],
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t tail[32];
    int tail_len = 0;
    OSSL_ENSURE(EVP_CIPHER_CTX_ctrl(a->cctx, EVP_CTRL_AEAD_SET_TAG, (int)a->n_t,
                                    (void *)tag) == 1,
                CONFAI_E_INTERNAL, "opening the response");
    if (EVP_DecryptFinal_ex(a->cctx, tail, &tail_len) != 1 || tail_len != 0) {
        ERR_clear_error();
        BAIL(CONFAI_E_DECRYPT, "a response chunk does not authenticate");
    }
out:
    return status;
}

confai_status ohttp_aead_recover(ohttp_aead *a, uint8_t *ct, uint64_t counter,
                                 const uint8_t *pt, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t nonce[OHTTP_AEAD_MAX_NN];
    chunk_nonce(a, nonce, counter);
    /* Encrypting switches the context's direction; every open sets it back. */
    OSSL_ENSURE(EVP_CipherInit_ex(a->cctx, NULL, NULL, NULL, nonce, 1) == 1
                    && update(a->cctx, ct, pt, len),
                CONFAI_E_INTERNAL, "re-encrypting a failed chunk");
out:
    return status;
}

void ohttp_aead_clear(ohttp_aead *a)
{
    EVP_CIPHER_CTX_free(a->cctx); /* cleanses the key schedule */
    OPENSSL_cleanse(a, sizeof(*a));
}
