/*
 * The primitives the TDX verifier uses: P-256 keys and ECDSA signatures in
 * Intel's raw r || s form. (SHA-256, SPKI digests and certificate times are
 * crypto/x509.c's.)
 */
#include "attest/tdx/tdx_internal.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "core/error.h"

int tdx_is_p256(EVP_PKEY *key)
{
    char group[32];
    size_t len = 0;
    return key != NULL && EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                          sizeof(group), &len) == 1 &&
           strcmp(group, "prime256v1") == 0;
}

confai_status tdx_ecdsa_verify(EVP_PKEY *key, const uint8_t sig[64], const uint8_t *msg,
                               size_t msg_len, const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(s != NULL && r != NULL && ss != NULL && md != NULL, CONFAI_E_NO_MEMORY, what);
    OSSL_ENSURE(ECDSA_SIG_set0(s, r, ss) == 1, CONFAI_E_INTERNAL, what);
    r = ss = NULL;
    int der_len = i2d_ECDSA_SIG(s, &der);
    OSSL_ENSURE(der_len > 0, CONFAI_E_INTERNAL, what);
    OSSL_ENSURE(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1,
                CONFAI_E_BAD_SIGNATURE, what);
    int ok = EVP_DigestVerify(md, der, (size_t)der_len, msg, msg_len);
    ERR_clear_error();
    ENSURE(ok == 1, CONFAI_E_BAD_SIGNATURE, "%s: signature does not verify", what);
out:
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
    BN_free(r);
    BN_free(ss);
    return status;
}
