/*
 * The SEV-SNP trust: AMD's pinned ARKs (snp_pins.c) plus the custom roots
 * and CRLs a policy adds, and a fingerprint of them that keys the chain
 * cache. Immutable once built.
 */
#include "attest/snp/snp_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "crypto/x509.h"

/* --- fingerprint ------------------------------------------------------------- */

/* fingerprint = SHA-256(fingerprint || tag || SHA-256(der)) */
static confai_status fingerprint_add(snp_trust *trust, uint8_t tag, const uint8_t *der,
                                     size_t der_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t item[33];
    item[0] = tag;
    GUARD(x509_sha256(item + 1, der, der_len, NULL, 0, err));
    GUARD(x509_sha256(trust->fingerprint, trust->fingerprint, 32, item, sizeof(item), err));
out:
    return status;
}

const uint8_t *snp_trust_fingerprint(const snp_trust *trust)
{
    return trust->fingerprint;
}

/* --- the trust object ------------------------------------------------------- */

confai_status snp_trust_new(snp_trust **out, confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const char label[] = "confai SEV-SNP trust v1";
    snp_trust *trust = NULL;
    ENSURE_ARG(out != NULL, "trust");
    *out = NULL;
    trust = OPENSSL_zalloc(sizeof(*trust));
    ENSURE(trust != NULL, CONFAI_E_NO_MEMORY, "out of memory for the SNP trust");
    trust->roots = sk_X509_new_null();
    trust->crls = sk_X509_CRL_new_null();
    OSSL_ENSURE(trust->roots != NULL && trust->crls != NULL,
                CONFAI_E_NO_MEMORY, "allocating the SNP trust");
    GUARD(x509_sha256(trust->fingerprint, (const uint8_t *)label, sizeof(label) - 1, NULL, 0, err));
    *out = trust;
    trust = NULL;
out:
    snp_trust_free(trust);
    return status;
}

void snp_trust_free(snp_trust *trust)
{
    if (trust == NULL)
        return;
    sk_X509_pop_free(trust->roots, X509_free);
    sk_X509_CRL_pop_free(trust->crls, X509_CRL_free);
    OPENSSL_free(trust);
}

/* Whether trust holds this very certificate as a custom root. */
static int has_root(const snp_trust *trust, const X509 *root)
{
    for (int i = 0; i < sk_X509_num(trust->roots); i++)
        if (X509_cmp(sk_X509_value(trust->roots, i), root) == 0)
            return 1;
    return 0;
}

static confai_status check_root(X509 *root, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_PKEY *key = X509_get0_pubkey(root);
    ENSURE(X509_check_issued(root, root) == X509_V_OK, CONFAI_E_CERT_CHAIN,
           "custom SNP root: not self-issued (issuer and subject differ)");
    ENSURE(X509_check_ca(root) >= 1, CONFAI_E_CERT_CHAIN,
           "custom SNP root: not a CA certificate (basicConstraints)");
    ENSURE(key != NULL && X509_verify(root, key) == 1, CONFAI_E_CERT_CHAIN,
           "custom SNP root: its self-signature does not verify");
out:
    ERR_clear_error();
    return status;
}

confai_status snp_trust_add_root(snp_trust *trust, const uint8_t *der, size_t der_len,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *root = NULL;
    uint8_t spki[32];
    ENSURE_ARG(trust != NULL, "trust");
    GUARD(snp_parse_cert(&root, der, der_len, "custom root", CONFAI_E_MALFORMED, err));
    GUARD(check_root(root, err));
    GUARD(x509_spki_sha256(spki, root, err));
    if (has_root(trust, root))
        goto out; /* the same root again */
    int n = sk_X509_num(trust->roots);
    ENSURE(n < SNP_MAX_CUSTOM_ROOTS, CONFAI_E_LIMIT, "more than %d custom SNP roots",
           SNP_MAX_CUSTOM_ROOTS);
    OSSL_ENSURE(sk_X509_push(trust->roots, root) > 0, CONFAI_E_NO_MEMORY, "adding a root");
    memcpy(trust->root_spki[n], spki, 32);
    root = NULL;
    GUARD(fingerprint_add(trust, 'R', der, der_len, err));
out:
    X509_free(root);
    return status;
}

confai_status snp_trust_add_crl(snp_trust *trust, const uint8_t *der, size_t der_len,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509_CRL *crl = NULL;
    const unsigned char *p = der;
    ENSURE_ARG(trust != NULL, "trust");
    ENSURE_ARG(der != NULL && der_len > 0, "der");
    ENSURE(der_len <= SNP_MAX_DER_SIZE * 16, CONFAI_E_LIMIT, "SNP CRL: %zu bytes, more than %d",
           der_len, SNP_MAX_DER_SIZE * 16);
    ENSURE(sk_X509_CRL_num(trust->crls) < SNP_MAX_CRLS, CONFAI_E_LIMIT, "more than %d SNP CRLs",
           SNP_MAX_CRLS);
    crl = d2i_X509_CRL(NULL, &p, (long)der_len);
    OSSL_ENSURE(crl != NULL, CONFAI_E_MALFORMED, "SNP CRL: not a DER CRL");
    ENSURE(p == der + der_len, CONFAI_E_MALFORMED, "SNP CRL: %zu bytes after the DER CRL",
           (size_t)(der + der_len - p));
    OSSL_ENSURE(sk_X509_CRL_push(trust->crls, crl) > 0, CONFAI_E_NO_MEMORY, "adding a CRL");
    crl = NULL;
    GUARD(fingerprint_add(trust, 'C', der, der_len, err));
out:
    X509_CRL_free(crl);
    return status;
}

