/*
 * Trust anchors for TDX: the built-in pin of the Intel SGX Root CA and the
 * custom roots a policy adds, with a fingerprint of them for the cache.
 * Immutable once built.
 */
#include "attest/tdx/tdx_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/memory.h"
#include "crypto/x509.h"

/*
 * SHA-256 of the DER SubjectPublicKeyInfo of the Intel SGX Root CA
 * (CN=Intel SGX Root CA, O=Intel Corporation, valid 2018-05-21..2049-12-31;
 * certificate SHA-256 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3).
 * Recompute from the certificate (e.g. go-tdx-guest verify/trusted_root.pem,
 * or https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem):
 *   openssl x509 -in trusted_root.pem -pubkey -noout \
 *     | openssl pkey -pubin -outform DER | openssl dgst -sha256
 */
const uint8_t tdx_intel_root_spki_sha256[32] = {
    0xa0, 0xaf, 0x03, 0x12, 0x89, 0xf5, 0xd5, 0xd4, 0x13, 0x2f, 0x91, 0x86, 0x06, 0x8a, 0x7f, 0xc1,
    0x36, 0x28, 0x63, 0x3b, 0xa2, 0x35, 0x77, 0x74, 0x72, 0xe2, 0x9b, 0x6b, 0x6c, 0x67, 0xa4, 0x9e,
};

#define MAX_CUSTOM_ROOTS 16

struct tdx_trust {
    STACK_OF(X509) *roots;
    uint8_t root_spki[MAX_CUSTOM_ROOTS][32];
    uint8_t fingerprint[32];
};

/* SHA-256 over a label and every custom root's DER, each length-prefixed. */
static confai_status update_fingerprint(tdx_trust *trust, confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const char label[] = "confai/v1 tdx trust";
    unsigned char *der = NULL;
    uint8_t digest[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                    EVP_DigestUpdate(md, label, sizeof(label)) == 1,
                CONFAI_E_INTERNAL, "SHA-256 of the TDX trust");
    for (int i = 0; i < sk_X509_num(trust->roots); i++) {
        int len = i2d_X509(sk_X509_value(trust->roots, i), &der);
        OSSL_ENSURE(len > 0, CONFAI_E_NO_MEMORY, "encoding a TDX root");
        uint8_t n[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                         (uint8_t)len };
        OSSL_ENSURE(EVP_DigestUpdate(md, n, sizeof(n)) == 1 &&
                        EVP_DigestUpdate(md, der, (size_t)len) == 1,
                    CONFAI_E_INTERNAL, "SHA-256 of the TDX trust");
        OPENSSL_free(der);
        der = NULL;
    }
    OSSL_ENSURE(EVP_DigestFinal_ex(md, digest, NULL) == 1, CONFAI_E_INTERNAL,
                "SHA-256 of the TDX trust");
    memcpy(trust->fingerprint, digest, 32); /* only once complete */
out:
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    return status;
}

confai_status tdx_trust_new(tdx_trust **trust, confai_error *err)
{
    confai_status status = CONFAI_OK;
    tdx_trust *t = NULL;
    ENSURE_ARG(trust != NULL, "trust");
    *trust = NULL;
    t = confai_zalloc(sizeof(*t));
    ENSURE(t != NULL, CONFAI_E_NO_MEMORY, "TDX trust: out of memory");
    t->roots = sk_X509_new_null();
    ENSURE(t->roots != NULL, CONFAI_E_NO_MEMORY, "TDX trust: out of memory");
    GUARD(update_fingerprint(t, err));
    *trust = t;
    t = NULL;
out:
    tdx_trust_free(t);
    return status;
}

void tdx_trust_free(tdx_trust *trust)
{
    if (trust == NULL)
        return;
    sk_X509_pop_free(trust->roots, X509_free);
    confai_free_secret(trust, sizeof(*trust));
}

confai_status tdx_trust_add_root(tdx_trust *trust, const uint8_t *der, size_t der_len,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *cert = NULL;
    uint8_t spki[32];
    ENSURE_ARG(trust != NULL, "trust");
    ENSURE_ARG(der != NULL && der_len > 0 && der_len <= TDX_MAX_DER_SIZE, "der");
    const unsigned char *p = der;
    cert = d2i_X509(NULL, &p, (long)der_len);
    ENSURE(cert != NULL && p == der + der_len, CONFAI_E_MALFORMED,
           "TDX custom root: not one DER certificate");
    ENSURE(X509_check_ca(cert) >= 1 && X509_check_issued(cert, cert) == X509_V_OK,
           CONFAI_E_CERT_CHAIN, "TDX custom root: not a self-signed CA");
    GUARD(x509_spki_sha256(spki, cert, err));
    int n = sk_X509_num(trust->roots);
    for (int i = 0; i < n; i++)
        if (X509_cmp(sk_X509_value(trust->roots, i), cert) == 0)
            goto out;
    ENSURE(n < MAX_CUSTOM_ROOTS, CONFAI_E_LIMIT, "TDX trust: more than %d custom roots",
           MAX_CUSTOM_ROOTS);
    OSSL_ENSURE(sk_X509_push(trust->roots, cert) > 0, CONFAI_E_NO_MEMORY, "adding a root");
    memcpy(trust->root_spki[n], spki, 32);
    status = update_fingerprint(trust, err);
    if (status != CONFAI_OK) {
        /* back to the roots the unchanged fingerprint describes */
        sk_X509_pop(trust->roots);
        memset(trust->root_spki[n], 0, 32);
        goto out;
    }
    cert = NULL;
out:
    X509_free(cert);
    return status;
}

const uint8_t *tdx_trust_fingerprint(const tdx_trust *trust)
{
    return trust->fingerprint;
}

confai_status tdx_trust_anchors(STACK_OF(X509) **anchors, tdx_root_kind *kind,
                                const tdx_trust *trust, X509 *root, const char *what,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t spki[32];
    *anchors = NULL;
    ENSURE(X509_check_issued(root, root) == X509_V_OK, CONFAI_E_CERT_CHAIN,
           "%s: the last certificate is not self-issued", what);
    GUARD(x509_spki_sha256(spki, root, err));
    *anchors = sk_X509_new_null();
    OSSL_ENSURE(*anchors != NULL, CONFAI_E_NO_MEMORY, "trust anchors");
    if (CRYPTO_memcmp(spki, tdx_intel_root_spki_sha256, 32) == 0) {
        OSSL_ENSURE(sk_X509_push(*anchors, root) > 0, CONFAI_E_NO_MEMORY, "trust anchors");
        *kind = TDX_ROOT_VENDOR;
        goto out;
    }
    for (int i = 0; i < sk_X509_num(trust->roots); i++)
        if (CRYPTO_memcmp(spki, trust->root_spki[i], 32) == 0)
            OSSL_ENSURE(sk_X509_push(*anchors, sk_X509_value(trust->roots, i)) > 0,
                        CONFAI_E_NO_MEMORY, "trust anchors");
    ENSURE(sk_X509_num(*anchors) > 0, CONFAI_E_UNKNOWN_ROOT,
           "%s: the root is neither the pinned Intel SGX Root CA nor a custom root: if you "
           "trust it (a test platform), add it to tdx.custom_roots",
           what);
    *kind = TDX_ROOT_CUSTOM;
out:
    return status;
}
