/*
 * The primitives the TDX verifier uses: SHA-256, ECDSA P-256 signatures in
 * Intel's raw r || s form, and certificate times as seconds.
 */
#include "attest/tdx/tdx_internal.h"

#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "core/error.h"

confai_status tdx_sha256(uint8_t out[32], const uint8_t *a, size_t a_len, const uint8_t *b,
                         size_t b_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                    EVP_DigestUpdate(md, a, a_len) == 1 &&
                    (b_len == 0 || EVP_DigestUpdate(md, b, b_len) == 1) &&
                    EVP_DigestFinal_ex(md, out, NULL) == 1,
                CONFAI_E_INTERNAL, "SHA-256");
out:
    EVP_MD_CTX_free(md);
    return status;
}

confai_status tdx_spki_sha256(uint8_t out[32], X509 *cert, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    OSSL_ENSURE(len > 0, CONFAI_E_INTERNAL, "encoding a SubjectPublicKeyInfo");
    GUARD(tdx_sha256(out, der, (size_t)len, NULL, 0, err));
out:
    OPENSSL_free(der);
    return status;
}

int tdx_asn1_epoch(int64_t *out, const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    /* days from civil (proleptic Gregorian), no timegm needed */
    int64_t y = (int64_t)tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *out = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 1;
}

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
