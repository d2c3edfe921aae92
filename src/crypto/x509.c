/*
 * X.509 chain verification with OpenSSL's X509_verify_cert, shared by the
 * SEV-SNP, TDX and GPU verifiers (x509.h), and the one map of its errors.
 */
#include "crypto/x509.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "core/error.h"

/* --- digests ------------------------------------------------------------------ */

confai_status x509_sha256(uint8_t out[32], const uint8_t *a, size_t a_len, const uint8_t *b,
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

confai_status x509_spki_sha256(uint8_t out[32], const X509 *cert, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned char *der = NULL;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    OSSL_ENSURE(len > 0, CONFAI_E_INTERNAL, "encoding a SubjectPublicKeyInfo");
    GUARD(x509_sha256(out, der, (size_t)len, NULL, 0, err));
out:
    OPENSSL_free(der);
    return status;
}

/* --- time --------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12): no timegm needed. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int x509_time_epoch(int64_t *out, const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    int64_t days = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                   (unsigned)tm.tm_mday);
    *out = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 1;
}

static void format_utc(char out[24], int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 24, "%lld", (long long)t);
}

/* " (valid <from> to <until>, verified at <time>)": old evidence fails here most. */
static void describe_validity(char *out, size_t cap, const X509 *cert, int64_t at)
{
    int64_t from, until;
    char a[24], b[24], c[24];
    if (cert == NULL || !x509_time_epoch(&from, X509_get0_notBefore(cert)) ||
        !x509_time_epoch(&until, X509_get0_notAfter(cert)))
        return;
    format_utc(a, from);
    format_utc(b, until);
    format_utc(c, at);
    snprintf(out, cap, " (valid %s to %s, verified at %s)", a, b, c);
}

/* --- the error map ------------------------------------------------------------ */

/*
 * Every platform reads a verify error the same way:
 *   validity of a certificate            CONFAI_E_CERT_EXPIRED
 *   listed on a CRL                      CONFAI_E_CERT_REVOKED
 *   a CRL missing, stale, unverifiable   CONFAI_E_COLLATERAL (the revocation
 *                                        data, not the chain, is at fault)
 *   no path to an anchor                 CONFAI_E_UNKNOWN_ROOT, or
 *                                        CONFAI_E_CERT_CHAIN when the root was
 *                                        already matched to a pin
 *   out of memory                        CONFAI_E_NO_MEMORY
 *   a bad signature, a malformed field,  CONFAI_E_CERT_CHAIN (BAD_SIGNATURE
 *   a CA rule broken, anything else      is the evidence's own signature)
 */
confai_status x509_status_of_error(int code, int root_pinned)
{
    switch (code) {
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return CONFAI_E_CERT_EXPIRED;
    case X509_V_ERR_CERT_REVOKED:
        return CONFAI_E_CERT_REVOKED;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
        return CONFAI_E_COLLATERAL;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_UNTRUSTED:
        return root_pinned ? CONFAI_E_CERT_CHAIN : CONFAI_E_UNKNOWN_ROOT;
    case X509_V_ERR_OUT_OF_MEM:
        return CONFAI_E_NO_MEMORY;
    default:
        return CONFAI_E_CERT_CHAIN;
    }
}

/* --- revocation --------------------------------------------------------------- */

static int has_crl_from(STACK_OF(X509_CRL) *crls, const X509 *cert)
{
    for (int i = 0; i < sk_X509_CRL_num(crls); i++)
        if (X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(crls, i)),
                          X509_get_issuer_name(cert)) == 0)
            return 1;
    return 0;
}

/*
 * CRL_CHECK_ALL asks for a CRL for every certificate, but vendors publish
 * them only for some issuers (AMD: one per product, from the ARK; none for
 * what the ASK issues). A certificate whose issuer has no CRL here passes
 * unless CRLs are required; even then the anchor needs none, it is trusted by
 * pin. A CRL that is here but unusable stays an error.
 */
static int tolerate_missing_crl(int ok, X509_STORE_CTX *ctx)
{
    if (ok || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_UNABLE_TO_GET_CRL)
        return ok;
    const x509_chain_request *req = X509_STORE_CTX_get_app_data(ctx);
    const X509 *cert = X509_STORE_CTX_get_current_cert(ctx);
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    if (req == NULL || cert == NULL || has_crl_from(req->crls, cert))
        return 0;
    if (!req->require_crls)
        return 1;
    return X509_STORE_CTX_get_error_depth(ctx) == sk_X509_num(chain) - 1 &&
           X509_check_issued((X509 *)cert, (X509 *)cert) == X509_V_OK;
}

/* --- verification ------------------------------------------------------------- */

static const char *role_at(const x509_chain_request *req, int depth)
{
    if (req->roles != NULL && depth >= 0 && (size_t)depth < req->role_count &&
        req->roles[depth] != NULL)
        return req->roles[depth];
    return "certificate";
}

static confai_status fail(X509_STORE_CTX *ctx, const x509_chain_request *req,
                          confai_error *err)
{
    int code = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    char when[128] = "";
    if (code == X509_V_ERR_CERT_HAS_EXPIRED || code == X509_V_ERR_CERT_NOT_YET_VALID)
        describe_validity(when, sizeof(when), X509_STORE_CTX_get_current_cert(ctx), req->at);
    return confai_err_set(err, x509_status_of_error(code, req->root_pinned),
                          "%s%s%s (chain depth %d): %s%s", req->what != NULL ? req->what : "",
                          req->what != NULL ? ": " : "", role_at(req, depth), depth,
                          X509_verify_cert_error_string(code), when);
}

confai_status x509_chain_verify(STACK_OF(X509) **built, const x509_chain_request *req,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509_STORE_CTX *ctx = NULL;
    if (built != NULL)
        *built = NULL;
    ENSURE_ARG(req != NULL && req->leaf != NULL && req->anchors != NULL, "chain request");
    ctx = X509_STORE_CTX_new();
    OSSL_ENSURE(ctx != NULL, CONFAI_E_NO_MEMORY, "X509_STORE_CTX_new");
    /* No store: the anchors are exactly the caller's list, nothing is looked up. */
    OSSL_ENSURE(X509_STORE_CTX_init(ctx, NULL, req->leaf, req->intermediates) == 1,
                CONFAI_E_INTERNAL, "X509_STORE_CTX_init");
    X509_STORE_CTX_set0_trusted_stack(ctx, req->anchors);
    /* Attestation certificates carry no TLS purposes. */
    OSSL_ENSURE(X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY) == 1, CONFAI_E_INTERNAL,
                "X509_STORE_CTX_set_purpose");
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, (time_t)req->at);
    unsigned long flags = 0;
    if (req->check_root_signature)
        flags |= X509_V_FLAG_CHECK_SS_SIGNATURE;
    if (req->strict)
        flags |= X509_V_FLAG_X509_STRICT;
    if (sk_X509_CRL_num(req->crls) > 0) {
        flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
        X509_STORE_CTX_set0_crls(ctx, req->crls);
        X509_STORE_CTX_set_verify_cb(ctx, tolerate_missing_crl);
        OSSL_ENSURE(X509_STORE_CTX_set_app_data(ctx, (void *)req) == 1, CONFAI_E_INTERNAL,
                    "X509_STORE_CTX_set_app_data");
    }
    OSSL_ENSURE(flags == 0 || X509_VERIFY_PARAM_set_flags(param, flags) == 1,
                CONFAI_E_INTERNAL, "X509_VERIFY_PARAM_set_flags");
    if (X509_verify_cert(ctx) != 1) {
        status = fail(ctx, req, err);
        goto out;
    }
    if (built != NULL) {
        *built = X509_STORE_CTX_get1_chain(ctx);
        OSSL_ENSURE(*built != NULL, CONFAI_E_NO_MEMORY, "the verified chain");
    }
out:
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return status;
}
