/*
 * SEV-SNP endorsement chains: the verification of VCEK <- ASK <- ARK or
 * VLEK <- ASVK <- ARK at a given time (crypto/x509.c), against a trust
 * (snp_trust.c), then what the verified chain says: key kind, product, TCB,
 * hwID.
 *
 * AMD signs every certificate with RSASSA-PSS (SHA-384, MGF1-SHA-384, salt
 * 48), which X509_verify_cert handles. The ARK is self-signed; its own
 * signature is not checked per verification (no X509_V_FLAG_CHECK_SS_SIGNATURE,
 * which would cost a third RSA-4096 verification): the anchor is trusted for
 * its key, pinned by hash, and a custom root's self-signature is checked once
 * when it is added. A forged ARK certificate around AMD's key could only
 * change the ARK's name, and the product that name gives must still equal
 * the pinned one.
 */
#include "attest/snp/snp_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "crypto/x509.h"

/* Depth in the chain -> what AMD calls the certificate there. */
static const char *const roles[] = { "VCEK/VLEK certificate", "ASK/ASVK certificate",
                                     "ARK certificate" };

static const char *role_at(int depth)
{
    switch (depth) {
    case 0: return "VCEK/VLEK";
    case 1: return "ASK/ASVK";
    case 2: return "ARK";
    default: return "chain";
    }
}

static void hex32(char out[65], const uint8_t in[32])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
}

/* --- parsing ------------------------------------------------------------------- */

/* One DER certificate and nothing after it. */
confai_status snp_parse_cert(X509 **out, const uint8_t *der, size_t len, const char *what,
                             confai_status bad, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const unsigned char *p = der;
    *out = NULL;
    ENSURE(der != NULL && len > 0, bad, "%s certificate: empty", what);
    ENSURE(len <= SNP_MAX_DER_SIZE, CONFAI_E_LIMIT, "%s certificate: %zu bytes, more than %d",
           what, len, SNP_MAX_DER_SIZE);
    *out = d2i_X509(NULL, &p, (long)len);
    if (*out == NULL) {
        ERR_clear_error();
        BAIL(bad, "%s certificate: not a DER X.509 certificate", what);
    }
    ENSURE(p == der + len, bad, "%s certificate: %zu bytes after the DER certificate", what,
           (size_t)(der + len - p));
out:
    if (status != CONFAI_OK) {
        X509_free(*out);
        *out = NULL;
    }
    return status;
}

/*
 * The custom roots with a given key. Usually one; a key may stand behind
 * several roots (e.g. one simulated ARK per product), and OpenSSL then picks
 * the one whose name the ASK's issuer has.
 */
static confai_status roots_with_key(STACK_OF(X509) **out, const snp_trust *trust,
                                    const uint8_t spki[32], confai_error *err)
{
    confai_status status = CONFAI_OK;
    *out = sk_X509_new_null();
    OSSL_ENSURE(*out != NULL, CONFAI_E_NO_MEMORY, "the trust anchors");
    for (int i = 0; i < sk_X509_num(trust->roots); i++)
        if (CRYPTO_memcmp(trust->root_spki[i], spki, 32) == 0)
            OSSL_ENSURE(sk_X509_push(*out, sk_X509_value(trust->roots, i)) > 0,
                        CONFAI_E_NO_MEMORY, "the trust anchors");
out:
    return status;
}

/* --- anchors ------------------------------------------------------------------ */

/*
 * The trust anchors for this chain. A sent ARK must have one of AMD's pinned
 * keys or a custom root's key (then the custom root's own certificate is the
 * anchor: what the policy pinned, validity included). Without an ARK, only
 * custom roots can complete the chain.
 */
static confai_status pick_anchors(STACK_OF(X509) **anchors, snp_endorsement *e,
                                  snp_product *pinned, const snp_trust *trust, X509 *ark,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    *pinned = SNP_PRODUCT_UNKNOWN;
    if (ark == NULL) {
        ENSURE(sk_X509_num(trust->roots) > 0, CONFAI_E_UNKNOWN_ROOT,
               "no ARK was sent and no custom root is configured: AMD's roots are pinned by "
               "hash, so the chain must include the ARK");
        *anchors = sk_X509_dup(trust->roots);
        OSSL_ENSURE(*anchors != NULL, CONFAI_E_NO_MEMORY, "copying the custom roots");
        e->root_kind = SNP_ROOT_CUSTOM;
        goto out;
    }
    GUARD(x509_spki_sha256(e->root_spki_sha256, ark, err));
    if (snp_pin_lookup(e->root_spki_sha256, pinned)) {
        e->root_kind = SNP_ROOT_VENDOR;
        *anchors = sk_X509_new_null();
        OSSL_ENSURE(*anchors != NULL && sk_X509_push(*anchors, ark) > 0, CONFAI_E_NO_MEMORY,
                    "the trust anchor");
        goto out;
    }
    GUARD(roots_with_key(anchors, trust, e->root_spki_sha256, err));
    if (sk_X509_num(*anchors) == 0) {
        char hex[65];
        hex32(hex, e->root_spki_sha256);
        BAIL(CONFAI_E_UNKNOWN_ROOT,
             "the ARK (SPKI SHA-256 %s) is neither one of AMD's pinned roots nor a custom "
             "root: if you trust it (a test platform), add it to sev_snp.custom_roots",
             hex);
    }
    e->root_kind = SNP_ROOT_CUSTOM;
out:
    return status;
}

/* --- names and products ------------------------------------------------------- */

static snp_product product_named(const char *name)
{
    static const snp_product all[] = { SNP_PRODUCT_MILAN, SNP_PRODUCT_GENOA,
                                       SNP_PRODUCT_TURIN };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(name, snp_product_name(all[i])) == 0)
            return all[i];
    return SNP_PRODUCT_UNKNOWN;
}

/* The one CN of a name, as printable ASCII; 0 when there is none or several. */
static int common_name(char *out, size_t cap, const X509_NAME *name)
{
    int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (at < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, at) >= 0)
        return 0;
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
    int len = ASN1_STRING_length(s);
    const unsigned char *p = ASN1_STRING_get0_data(s);
    if (len <= 0 || (size_t)len >= cap)
        return 0;
    for (int i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return 0;
    memcpy(out, p, (size_t)len);
    out[len] = '\0';
    return 1;
}

static confai_status cn_of(char *out, size_t cap, const X509 *cert, int depth,
                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(common_name(out, cap, X509_get_subject_name(cert)), CONFAI_E_CERT_CHAIN,
           "%s certificate: the subject has no single printable common name", role_at(depth));
out:
    return status;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The product a chain name ends with: "SEV-Milan" -> Milan. */
static confai_status product_of_name(snp_product *out, const char *name, const char *suffix,
                                     int depth, confai_error *err)
{
    confai_status status = CONFAI_OK;
    *out = product_named(suffix);
    ENSURE(*out != SNP_PRODUCT_UNKNOWN, CONFAI_E_UNSUPPORTED,
           "%s certificate CN=%s names product \"%s\", which is not supported (Milan, Genoa, "
           "Turin)", role_at(depth), name, suffix);
out:
    return status;
}

static confai_status same_product(snp_product want, snp_product got, const char *where,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(want == got, CONFAI_E_TCB_MISMATCH,
           "product mismatch: the ASK names %s but %s names %s", snp_product_name(want), where,
           snp_product_name(got));
out:
    return status;
}

/*
 * Key kind and product from the names AMD gives: leaf CN=SEV-VCEK under
 * CN=SEV-<product>, or CN=SEV-VLEK under CN=SEV-VLEK-<product>; the root is
 * CN=ARK-<product>. A pinned ARK also names its product.
 */
static confai_status read_names(snp_endorsement *e, X509 *const chain[3],
                                snp_product pinned, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char leaf[64], ask[64], ark[64];
    snp_product ark_product;
    GUARD(cn_of(leaf, sizeof(leaf), chain[0], 0, err));
    GUARD(cn_of(ask, sizeof(ask), chain[1], 1, err));
    GUARD(cn_of(ark, sizeof(ark), chain[2], 2, err));
    if (strcmp(leaf, "SEV-VCEK") == 0)
        e->kind = SNP_KEY_VCEK;
    else if (strcmp(leaf, "SEV-VLEK") == 0)
        e->kind = SNP_KEY_VLEK;
    else
        BAIL(CONFAI_E_CERT_CHAIN, "VCEK/VLEK certificate: CN=%s is neither SEV-VCEK nor SEV-VLEK",
             leaf);
    snprintf(e->subject, sizeof(e->subject), "CN=%s", leaf);

    const char *prefix = e->kind == SNP_KEY_VLEK ? "SEV-VLEK-" : "SEV-";
    ENSURE(starts_with(ask, prefix) && (e->kind == SNP_KEY_VLEK || !starts_with(ask, "SEV-VLEK-")),
           CONFAI_E_CERT_CHAIN, "%s is issued by CN=%s, expected CN=%s<product>", e->subject,
           ask, prefix);
    GUARD(product_of_name(&e->product, ask, ask + strlen(prefix), 1, err));
    ENSURE(starts_with(ark, "ARK-"), CONFAI_E_CERT_CHAIN,
           "ARK certificate: CN=%s, expected CN=ARK-<product>", ark);
    GUARD(product_of_name(&ark_product, ark, ark + 4, 2, err));
    GUARD(same_product(e->product, ark_product, "the ARK", err));
    if (pinned != SNP_PRODUCT_UNKNOWN)
        GUARD(same_product(e->product, pinned, "the pinned AMD root", err));
out:
    return status;
}

/* --- the leaf's key and extensions -------------------------------------------- */

static confai_status take_key(snp_endorsement *e, X509 *leaf, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_PKEY *key = X509_get0_pubkey(leaf);
    char group[32] = "";
    size_t group_len = 0;
    ENSURE(key != NULL && EVP_PKEY_is_a(key, "EC") &&
               EVP_PKEY_get_group_name(key, group, sizeof(group), &group_len) == 1 &&
               strcmp(group, "secp384r1") == 0,
           CONFAI_E_CERT_CHAIN, "%s certificate: the key is not an ECDSA P-384 key", e->subject);
    OSSL_ENSURE(EVP_PKEY_up_ref(key) == 1, CONFAI_E_INTERNAL, "EVP_PKEY_up_ref");
    e->key = key;
out:
    return status;
}

static confai_status take_hwid(snp_endorsement *e, const snp_amd_ext *ext, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (e->kind == SNP_KEY_VLEK)
        goto out; /* a VLEK belongs to a cloud provider, not to a chip */
    size_t want = e->product == SNP_PRODUCT_TURIN ? SNP_HWID_TURIN : SNP_HWID_MAX;
    ENSURE(ext->hwid_len != 0, CONFAI_E_TCB_MISMATCH,
           "the VCEK has no hwID extension (1.3.6.1.4.1.3704.1.4)");
    ENSURE(ext->hwid_len == want, CONFAI_E_TCB_MISMATCH,
           "the VCEK's hwID has %zu bytes, but %s chip ids have %zu", ext->hwid_len,
           snp_product_name(e->product), want);
    memcpy(e->hwid, ext->hwid, ext->hwid_len);
    e->hwid_len = ext->hwid_len;
out:
    return status;
}

/* productName is "Milan-B0", "Genoa", "Turin", ...: the part before '-'. */
static confai_status check_product_name(const snp_endorsement *e, const snp_amd_ext *ext,
                                        confai_error *err)
{
    confai_status status = CONFAI_OK;
    char family[32];
    ENSURE(ext->product_name[0] != '\0', CONFAI_E_TCB_MISMATCH,
           "%s has no productName extension (1.3.6.1.4.1.3704.1.2)", e->subject);
    snprintf(family, sizeof(family), "%s", ext->product_name);
    family[strcspn(family, "-")] = '\0';
    ENSURE(product_named(family) == e->product, CONFAI_E_TCB_MISMATCH,
           "product mismatch: the ASK names %s but the %s productName is \"%s\"",
           snp_product_name(e->product), e->subject, ext->product_name);
out:
    return status;
}

static confai_status read_extensions(snp_endorsement *e, X509 *leaf, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_amd_ext ext;
    GUARD(snp_ext_parse(&ext, leaf, err));
    GUARD(check_product_name(e, &ext, err));
    GUARD(snp_ext_tcb(&e->tcb_raw, &ext, e->product, err));
    GUARD(take_hwid(e, &ext, err));
    memcpy(e->product_name, ext.product_name, sizeof(e->product_name));
    if (e->kind == SNP_KEY_VLEK)
        memcpy(e->csp_id, ext.csp_id, sizeof(e->csp_id));
out:
    return status;
}

/* --- validity window ---------------------------------------------------------- */

static void narrow(snp_endorsement *e, const ASN1_TIME *from, const ASN1_TIME *until)
{
    int64_t t;
    if (from != NULL && x509_time_epoch(&t, from) && t > e->not_before)
        e->not_before = t;
    if (until != NULL && x509_time_epoch(&t, until) && t < e->not_after)
        e->not_after = t;
}

/*
 * The times at which this verdict holds: every certificate valid, and every
 * CRL that speaks for an issuer in the chain current. (X509_verify_cert has
 * already accepted verify_time; the window tells a cache when to recheck.)
 */
static void validity_window(snp_endorsement *e, X509 *const chain[3], const snp_trust *trust)
{
    e->not_before = INT64_MIN;
    e->not_after = INT64_MAX;
    for (int i = 0; i < 3; i++)
        narrow(e, X509_get0_notBefore(chain[i]), X509_get0_notAfter(chain[i]));
    for (int c = 0; c < sk_X509_CRL_num(trust->crls); c++) {
        X509_CRL *crl = sk_X509_CRL_value(trust->crls, c);
        for (int i = 0; i < 3; i++) {
            if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_issuer_name(chain[i])) == 0) {
                narrow(e, X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl));
                break;
            }
        }
    }
}

/* --- the whole chain ---------------------------------------------------------- */

static confai_status parse_chain(X509 *x[3], const uint8_t *const *certs,
                                 const size_t *cert_lens, size_t count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(count == 2 || count == 3, CONFAI_E_CERT_CHAIN,
           "SNP certificates: %zu given; expected the VCEK or VLEK, the ASK or ASVK, and the "
           "ARK (which may be left out for a custom root)", count);
    ENSURE_ARG(certs != NULL && cert_lens != NULL, "certs");
    for (size_t i = 0; i < count; i++)
        GUARD(snp_parse_cert(&x[i], certs[i], cert_lens[i], role_at((int)i),
                             CONFAI_E_CERT_CHAIN, err));
out:
    return status;
}

/* The verified chain, leaf first; it must be exactly leaf <- ASK <- ARK. */
static confai_status verified_chain(X509 *chain[3], snp_endorsement *e,
                                    STACK_OF(X509) *built, confai_error *err)
{
    confai_status status = CONFAI_OK;
    int n = sk_X509_num(built);
    ENSURE(n == 3, CONFAI_E_CERT_CHAIN,
           "the chain has %d certificates; SEV-SNP has exactly three (VCEK/VLEK, ASK/ASVK, ARK)",
           n);
    for (int i = 0; i < 3; i++)
        chain[i] = sk_X509_value(built, i);
    ENSURE(X509_check_issued(chain[2], chain[2]) == X509_V_OK, CONFAI_E_CERT_CHAIN,
           "ARK certificate: not self-signed");
    if (e->root_kind == SNP_ROOT_CUSTOM)
        GUARD(x509_spki_sha256(e->root_spki_sha256, chain[2], err));
out:
    return status;
}

confai_status snp_chain_verify(snp_endorsement *e, const snp_trust *trust,
                               const uint8_t *const *certs, const size_t *cert_lens,
                               size_t cert_count, int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *x[3] = { NULL, NULL, NULL };
    X509 *chain[3];
    STACK_OF(X509) *untrusted = NULL, *anchors = NULL, *built = NULL;
    snp_product pinned;
    memset(e, 0, sizeof(*e));
    ENSURE_ARG(trust != NULL, "trust");
    GUARD(parse_chain(x, certs, cert_lens, cert_count, err));
    GUARD(pick_anchors(&anchors, e, &pinned, trust, x[2], err));
    untrusted = sk_X509_new_null();
    OSSL_ENSURE(untrusted != NULL && sk_X509_push(untrusted, x[1]) > 0, CONFAI_E_NO_MEMORY,
                "the untrusted certificates");
    /*
     * The ARK's own signature is not checked again (see the top); with a
     * pinned ARK in hand, a missing link is a broken chain.
     */
    x509_chain_request req = {
        .leaf = x[0], .intermediates = untrusted, .anchors = anchors, .at = verify_time,
        .crls = trust->crls, .root_pinned = x[2] != NULL,
        .roles = roles, .role_count = sizeof(roles) / sizeof(roles[0]),
    };
    GUARD(x509_chain_verify(&built, &req, err));
    GUARD(verified_chain(chain, e, built, err));
    GUARD(read_names(e, chain, pinned, err));
    GUARD(take_key(e, x[0], err));
    GUARD(read_extensions(e, x[0], err));
    validity_window(e, chain, trust);
out:
    sk_X509_pop_free(built, X509_free);
    sk_X509_free(untrusted);
    sk_X509_free(anchors);
    for (int i = 0; i < 3; i++)
        X509_free(x[i]);
    if (status != CONFAI_OK) {
        snp_endorsement_clear(e);
        ERR_clear_error();
    }
    return status;
}

/* --- endorsements ------------------------------------------------------------- */

void snp_endorsement_clear(snp_endorsement *e)
{
    if (e == NULL)
        return;
    EVP_PKEY_free(e->key);
    memset(e, 0, sizeof(*e));
}

confai_status snp_endorsement_copy(snp_endorsement *dst, const snp_endorsement *src,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    *dst = *src;
    dst->key = NULL;
    OSSL_ENSURE(src->key == NULL || EVP_PKEY_up_ref(src->key) == 1, CONFAI_E_INTERNAL,
                "EVP_PKEY_up_ref");
    dst->key = src->key;
out:
    return status;
}
