/*
 * src/crypto/x509.c on a P-256 hierarchy made here (root -> intermediate ->
 * leaf, with CRLs): the good chain verifies, then one test per rejection with
 * its status (expired, not yet valid, unknown root, revoked, CRL required but
 * absent, CRL expired, tampered signatures), the error map code by code, and
 * known answers for the SPKI digest, SHA-256 and certificate times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <confai/confai.h>

#include "crypto/x509.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DAY INT64_C(86400)
#define YEAR (365 * DAY)
#define T0 INT64_C(1700000000) /* 2023-11-14T22:13:20Z */

/* --- the hierarchy ------------------------------------------------------------- */

typedef struct pki {
    EVP_PKEY *root_key, *inter_key, *leaf_key, *other_key;
    X509 *root;         /* valid T0 - 10y .. T0 + 10y */
    X509 *inter;        /* valid T0 - 5y .. T0 + 5y */
    X509 *leaf;         /* valid T0 - 1y .. T0 + 1y, serial 0x1001 */
    X509 *expired;      /* a leaf that ended the day before T0 */
    X509 *future;       /* a leaf that starts the day after T0 */
    X509 *other_root;   /* another root with another key */
    X509_CRL *inter_revokes_leaf; /* from the intermediate, listing the leaf */
    X509_CRL *inter_clean;        /* from the intermediate, empty; until T0 + 30d */
    X509_CRL *root_clean;         /* from the root, empty */
} pki;

static pki k;

static EVP_PKEY *p256(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    return key;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(cert, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

/* An RFC 5280 certificate (key identifiers included, so strict mode accepts it). */
static X509 *make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, int ca, int64_t not_before, int64_t not_after)
{
    X509 *c = X509_new();
    assert_non_null(c);
    assert_int_equal(X509_set_version(c, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"confai tests",
                               -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer != NULL ? X509_get_subject_name(issuer) : name);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(c), (time_t)not_before));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(c), (time_t)not_after));
    assert_int_equal(X509_set_pubkey(c, key), 1);
    X509 *signer = issuer != NULL ? issuer : c;
    add_ext(c, signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(c, signer, NID_key_usage,
            ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(c, signer, NID_subject_key_identifier, "hash");
    add_ext(c, signer, NID_authority_key_identifier, "keyid:always");
    assert_true(X509_sign(c, issuer_key, EVP_sha256()) > 0);
    return c;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *issuer_key, X509 *revoked,
                          int64_t last_update, int64_t next_update)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    assert_non_null(crl);
    assert_non_null(t);
    assert_int_equal(X509_CRL_set_version(crl, 1), 1);
    assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)), 1);
    ASN1_TIME_set(t, (time_t)last_update);
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, (time_t)next_update);
    X509_CRL_set1_nextUpdate(crl, t);
    if (revoked != NULL) {
        X509_REVOKED *r = X509_REVOKED_new();
        assert_non_null(r);
        X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked));
        ASN1_TIME_set(t, (time_t)(last_update - 3600));
        X509_REVOKED_set_revocationDate(r, t);
        assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
        X509_CRL_sort(crl);
    }
    assert_true(X509_CRL_sign(crl, issuer_key, EVP_sha256()) > 0);
    ASN1_TIME_free(t);
    return crl;
}

static int pki_setup(void **state)
{
    (void)state;
    k.root_key = p256();
    k.inter_key = p256();
    k.leaf_key = p256();
    k.other_key = p256();
    k.root = make_cert("Test Root", 1, k.root_key, NULL, k.root_key, 1, T0 - 10 * YEAR,
                       T0 + 10 * YEAR);
    k.inter = make_cert("Test Intermediate", 2, k.inter_key, k.root, k.root_key, 1,
                        T0 - 5 * YEAR, T0 + 5 * YEAR);
    k.leaf = make_cert("Test Leaf", 0x1001, k.leaf_key, k.inter, k.inter_key, 0, T0 - YEAR,
                       T0 + YEAR);
    k.expired = make_cert("Test Leaf", 0x1002, k.leaf_key, k.inter, k.inter_key, 0,
                          T0 - YEAR, T0 - DAY);
    k.future = make_cert("Test Leaf", 0x1003, k.leaf_key, k.inter, k.inter_key, 0, T0 + DAY,
                         T0 + YEAR);
    k.other_root = make_cert("Other Root", 1, k.other_key, NULL, k.other_key, 1,
                             T0 - 10 * YEAR, T0 + 10 * YEAR);
    k.inter_revokes_leaf = make_crl(k.inter, k.inter_key, k.leaf, T0 - DAY, T0 + 30 * DAY);
    k.inter_clean = make_crl(k.inter, k.inter_key, NULL, T0 - DAY, T0 + 30 * DAY);
    k.root_clean = make_crl(k.root, k.root_key, NULL, T0 - DAY, T0 + 365 * DAY);
    return 0;
}

static int pki_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(k.root_key);
    EVP_PKEY_free(k.inter_key);
    EVP_PKEY_free(k.leaf_key);
    EVP_PKEY_free(k.other_key);
    X509_free(k.root);
    X509_free(k.inter);
    X509_free(k.leaf);
    X509_free(k.expired);
    X509_free(k.future);
    X509_free(k.other_root);
    X509_CRL_free(k.inter_revokes_leaf);
    X509_CRL_free(k.inter_clean);
    X509_CRL_free(k.root_clean);
    return 0;
}

/* --- a verification ------------------------------------------------------------ */

static const char *const roles[] = { "leaf certificate", "intermediate certificate",
                                     "root certificate" };

/* One verification's inputs; the stacks only borrow. */
typedef struct run {
    STACK_OF(X509) *inters, *anchors;
    STACK_OF(X509_CRL) *crls;
    x509_chain_request req;
    confai_error err;
} run;

static void run_init(run *r, X509 *leaf, X509 *anchor, int64_t at)
{
    memset(r, 0, sizeof(*r));
    r->inters = sk_X509_new_null();
    r->anchors = sk_X509_new_null();
    r->crls = sk_X509_CRL_new_null();
    assert_non_null(r->inters);
    assert_non_null(r->anchors);
    assert_non_null(r->crls);
    assert_true(sk_X509_push(r->inters, k.inter) > 0);
    assert_true(sk_X509_push(r->anchors, anchor) > 0);
    r->req = (x509_chain_request){
        .leaf = leaf, .intermediates = r->inters, .anchors = r->anchors, .at = at,
        .crls = r->crls, .what = "test chain", .roles = roles, .role_count = COUNT(roles),
    };
}

static void run_crl(run *r, X509_CRL *crl)
{
    assert_true(sk_X509_CRL_push(r->crls, crl) > 0);
}

static confai_status run_verify(run *r)
{
    STACK_OF(X509) *built = NULL;
    memset(&r->err, 0, sizeof(r->err));
    confai_status st = x509_chain_verify(&built, &r->req, &r->err);
    if (st == CONFAI_OK) {
        assert_int_equal(sk_X509_num(built), 3);
        assert_int_equal(X509_cmp(sk_X509_value(built, 0), r->req.leaf), 0);
        assert_int_equal(X509_cmp(sk_X509_value(built, 1), k.inter), 0);
        assert_int_equal(X509_cmp(sk_X509_value(built, 2), sk_X509_value(r->anchors, 0)), 0);
    } else {
        assert_null(built);
        assert_string_not_equal(r->err.message, "");
    }
    sk_X509_pop_free(built, X509_free);
    return st;
}

static void run_free(run *r)
{
    sk_X509_free(r->inters);
    sk_X509_free(r->anchors);
    sk_X509_CRL_free(r->crls);
}

/* Expects want, with each of the words (NULL-terminated) in the message. */
static void expect(run *r, confai_status want, const char *words[])
{
    confai_status got = run_verify(r);
    if (got != want)
        fail_msg("got %s (%s), want %s", confai_status_name(got), r->err.message,
                 confai_status_name(want));
    for (size_t i = 0; words != NULL && words[i] != NULL; i++)
        if (strstr(r->err.message, words[i]) == NULL)
            fail_msg("message \"%s\" lacks \"%s\"", r->err.message, words[i]);
    print_message("%s: %s\n", confai_status_name(got), r->err.message);
}

/* --- accepting ----------------------------------------------------------------- */

static void good_chain(void **state)
{
    (void)state;
    run r;
    run_init(&r, k.leaf, k.root, T0);
    expect(&r, CONFAI_OK, NULL);
    /* the same with every option the callers use */
    r.req.check_root_signature = 1;
    r.req.strict = 1;
    r.req.root_pinned = 1;
    expect(&r, CONFAI_OK, NULL);
    /* the leaf's window: notBefore is in it, notAfter (OpenSSL's rule) is not */
    r.req.at = T0 - YEAR;
    expect(&r, CONFAI_OK, NULL);
    r.req.at = T0 + YEAR - 1;
    expect(&r, CONFAI_OK, NULL);
    r.req.at = T0 + YEAR;
    expect(&r, CONFAI_E_CERT_EXPIRED, NULL);
    r.req.at = T0;
    /* without a built chain asked for */
    assert_int_equal(x509_chain_verify(NULL, &r.req, NULL), CONFAI_OK);
    run_free(&r);
}

static void good_chain_with_crls(void **state)
{
    (void)state;
    run r;
    run_init(&r, k.leaf, k.root, T0);
    run_crl(&r, k.inter_clean);
    expect(&r, CONFAI_OK, NULL);
    /* the root's CRL speaks for the intermediate; the anchor itself needs none */
    run_crl(&r, k.root_clean);
    r.req.require_crls = 1;
    expect(&r, CONFAI_OK, NULL);
    run_free(&r);
}

/* --- rejecting ----------------------------------------------------------------- */

static void reject_expired_leaf(void **state)
{
    (void)state;
    run r;
    run_init(&r, k.expired, k.root, T0);
    const char *words[] = { "test chain: leaf certificate (chain depth 0)", "expired",
                            "valid 2022-11-14T22:13:20Z to 2023-11-13T22:13:20Z",
                            "verified at 2023-11-14T22:13:20Z", NULL };
    expect(&r, CONFAI_E_CERT_EXPIRED, words);
    /* the good leaf after its end */
    run_free(&r);
    run_init(&r, k.leaf, k.root, T0 + YEAR + 1);
    expect(&r, CONFAI_E_CERT_EXPIRED, NULL);
    run_free(&r);
}

static void reject_not_yet_valid(void **state)
{
    (void)state;
    run r;
    run_init(&r, k.future, k.root, T0);
    const char *words[] = { "leaf certificate (chain depth 0)", "not yet valid", NULL };
    expect(&r, CONFAI_E_CERT_EXPIRED, words);
    run_free(&r);
    /* an intermediate before its start: the depth names it */
    run_init(&r, k.leaf, k.root, T0 - 6 * YEAR);
    const char *inter_words[] = { "intermediate certificate (chain depth 1)", NULL };
    expect(&r, CONFAI_E_CERT_EXPIRED, inter_words);
    run_free(&r);
}

static void reject_unknown_root(void **state)
{
    (void)state;
    run r;
    run_init(&r, k.leaf, k.other_root, T0);
    const char *words[] = { "intermediate certificate (chain depth 1)", NULL };
    expect(&r, CONFAI_E_UNKNOWN_ROOT, words);
    /* when the caller had matched the root to a pin, a missing link is a broken chain */
    r.req.root_pinned = 1;
    expect(&r, CONFAI_E_CERT_CHAIN, NULL);
    /* the true root sent along, but not an anchor */
    r.req.root_pinned = 0;
    assert_true(sk_X509_push(r.inters, k.root) > 0);
    expect(&r, CONFAI_E_UNKNOWN_ROOT, NULL);
    /* no intermediate: the leaf's issuer is nowhere */
    run_free(&r);
    run_init(&r, k.leaf, k.root, T0);
    sk_X509_zero(r.inters);
    expect(&r, CONFAI_E_UNKNOWN_ROOT, NULL);
    run_free(&r);
}

static void reject_revoked_leaf(void **state)
{
    (void)state;
    run r;
    run_init(&r, k.leaf, k.root, T0);
    run_crl(&r, k.inter_revokes_leaf);
    const char *words[] = { "leaf certificate (chain depth 0)", "revoked", NULL };
    expect(&r, CONFAI_E_CERT_REVOKED, words);
    run_free(&r);
    /* CRLs that do not list it */
    run_init(&r, k.leaf, k.root, T0);
    run_crl(&r, k.inter_clean);
    run_crl(&r, k.root_clean);
    expect(&r, CONFAI_OK, NULL);
    run_free(&r);
}

static void reject_missing_required_crl(void **state)
{
    (void)state;
    run r;
    run_init(&r, k.leaf, k.root, T0);
    /* a CRL for the intermediate only: the leaf's issuer has none */
    run_crl(&r, k.root_clean);
    expect(&r, CONFAI_OK, NULL); /* per issuer: nothing to check the leaf against */
    r.req.require_crls = 1;
    const char *words[] = { "leaf certificate (chain depth 0)", "CRL", NULL };
    expect(&r, CONFAI_E_COLLATERAL, words);
    run_free(&r);
    /* and the intermediate's, when only the leaf's issuer has one */
    run_init(&r, k.leaf, k.root, T0);
    run_crl(&r, k.inter_clean);
    r.req.require_crls = 1;
    const char *inter_words[] = { "intermediate certificate (chain depth 1)", NULL };
    expect(&r, CONFAI_E_COLLATERAL, inter_words);
    run_free(&r);
}

static void reject_expired_crl(void **state)
{
    (void)state;
    run r;
    /* the CRL ends at T0 + 30d; the certificates are still valid at T0 + 60d */
    run_init(&r, k.leaf, k.root, T0 + 60 * DAY);
    run_crl(&r, k.inter_clean);
    const char *words[] = { "CRL has expired", NULL };
    expect(&r, CONFAI_E_COLLATERAL, words);
    /* and before its lastUpdate */
    r.req.at = T0 - 2 * DAY;
    expect(&r, CONFAI_E_COLLATERAL, NULL);
    run_free(&r);
}

/* A copy of der with one byte of the signature (the last byte) flipped. */
static X509 *tampered_cert(X509 *cert)
{
    unsigned char *der = NULL;
    int len = i2d_X509(cert, &der);
    assert_true(len > 0);
    der[len - 1] ^= 0x01;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, len);
    assert_non_null(x);
    OPENSSL_free(der);
    return x;
}

static void reject_tampered_signature(void **state)
{
    (void)state;
    X509 *leaf = tampered_cert(k.leaf);
    X509 *inter = tampered_cert(k.inter);
    X509 *root = tampered_cert(k.root);
    run r;
    run_init(&r, leaf, k.root, T0);
    const char *words[] = { "leaf certificate (chain depth 0)", "signature failure", NULL };
    expect(&r, CONFAI_E_CERT_CHAIN, words);
    run_free(&r);
    run_init(&r, k.leaf, k.root, T0);
    sk_X509_set(r.inters, 0, inter);
    const char *inter_words[] = { "intermediate certificate (chain depth 1)", NULL };
    expect(&r, CONFAI_E_CERT_CHAIN, inter_words);
    run_free(&r);
    /* the anchor's own signature counts only when asked for */
    run_init(&r, k.leaf, root, T0);
    expect(&r, CONFAI_OK, NULL);
    r.req.check_root_signature = 1;
    const char *root_words[] = { "root certificate (chain depth 2)", NULL };
    expect(&r, CONFAI_E_CERT_CHAIN, root_words);
    run_free(&r);
    X509_free(leaf);
    X509_free(inter);
    X509_free(root);
}

static void reject_tampered_crl(void **state)
{
    (void)state;
    unsigned char *der = NULL;
    int len = i2d_X509_CRL(k.inter_clean, &der);
    assert_true(len > 0);
    der[len - 1] ^= 0x01;
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, len);
    assert_non_null(crl);
    OPENSSL_free(der);
    run r;
    run_init(&r, k.leaf, k.root, T0);
    run_crl(&r, crl);
    const char *words[] = { "CRL signature failure", NULL };
    expect(&r, CONFAI_E_COLLATERAL, words);
    run_free(&r);
    X509_CRL_free(crl);
}

static void reject_arguments(void **state)
{
    (void)state;
    STACK_OF(X509) *built = (STACK_OF(X509) *)&k; /* must be reset */
    confai_error err = { 0 };
    assert_int_equal(x509_chain_verify(&built, NULL, &err), CONFAI_E_ARGUMENT);
    assert_null(built);
    x509_chain_request req = { .leaf = k.leaf };
    assert_int_equal(x509_chain_verify(NULL, &req, &err), CONFAI_E_ARGUMENT);
    /* without roles or what, the certificate is still named by its depth */
    run r;
    run_init(&r, k.expired, k.root, T0);
    r.req.what = NULL;
    r.req.roles = NULL;
    const char *words[] = { "certificate (chain depth 0): certificate has expired", NULL };
    expect(&r, CONFAI_E_CERT_EXPIRED, words);
    assert_ptr_equal(strstr(r.err.message, "certificate (chain depth 0)"), r.err.message);
    run_free(&r);
}

/* --- the error map ------------------------------------------------------------- */

static void error_map(void **state)
{
    (void)state;
    static const struct {
        int code;
        confai_status want;        /* root not matched to a pin */
        confai_status want_pinned; /* root already matched */
    } map[] = {
        { X509_V_ERR_CERT_HAS_EXPIRED, CONFAI_E_CERT_EXPIRED, CONFAI_E_CERT_EXPIRED },
        { X509_V_ERR_CERT_NOT_YET_VALID, CONFAI_E_CERT_EXPIRED, CONFAI_E_CERT_EXPIRED },
        { X509_V_ERR_CERT_REVOKED, CONFAI_E_CERT_REVOKED, CONFAI_E_CERT_REVOKED },
        { X509_V_ERR_UNABLE_TO_GET_CRL, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_CRL_SIGNATURE_FAILURE, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE, CONFAI_E_COLLATERAL,
          CONFAI_E_COLLATERAL },
        { X509_V_ERR_CRL_NOT_YET_VALID, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_CRL_HAS_EXPIRED, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD, CONFAI_E_COLLATERAL,
          CONFAI_E_COLLATERAL },
        { X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD, CONFAI_E_COLLATERAL,
          CONFAI_E_COLLATERAL },
        { X509_V_ERR_KEYUSAGE_NO_CRL_SIGN, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_DIFFERENT_CRL_SCOPE, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION, CONFAI_E_COLLATERAL,
          CONFAI_E_COLLATERAL },
        { X509_V_ERR_CRL_PATH_VALIDATION_ERROR, CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL },
        { X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, CONFAI_E_UNKNOWN_ROOT,
          CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, CONFAI_E_UNKNOWN_ROOT, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, CONFAI_E_UNKNOWN_ROOT,
          CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, CONFAI_E_UNKNOWN_ROOT, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, CONFAI_E_UNKNOWN_ROOT,
          CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_CERT_UNTRUSTED, CONFAI_E_UNKNOWN_ROOT, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_OUT_OF_MEM, CONFAI_E_NO_MEMORY, CONFAI_E_NO_MEMORY },
        /* signatures and malformed certificates: a broken chain */
        { X509_V_ERR_CERT_SIGNATURE_FAILURE, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE, CONFAI_E_CERT_CHAIN,
          CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, CONFAI_E_CERT_CHAIN,
          CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, CONFAI_E_CERT_CHAIN,
          CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_INVALID_CA, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_PATH_LENGTH_EXCEEDED, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_KEYUSAGE_NO_CERTSIGN, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_INVALID_EXTENSION, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_CERT_REJECTED, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
        { X509_V_ERR_UNSPECIFIED, CONFAI_E_CERT_CHAIN, CONFAI_E_CERT_CHAIN },
    };
    for (size_t i = 0; i < COUNT(map); i++) {
        confai_status got = x509_status_of_error(map[i].code, 0);
        confai_status got_pinned = x509_status_of_error(map[i].code, 1);
        if (got != map[i].want || got_pinned != map[i].want_pinned)
            fail_msg("X509_V_ERR %d (%s): got %s/%s", map[i].code,
                     X509_verify_cert_error_string(map[i].code), confai_status_name(got),
                     confai_status_name(got_pinned));
    }
}

/* --- known answers ------------------------------------------------------------- */

static void spki_digest(void **state)
{
    (void)state;
    X509 *certs[] = { k.root, k.inter, k.leaf, k.other_root };
    for (size_t i = 0; i < COUNT(certs); i++) {
        uint8_t got[32], want[32];
        unsigned char *der = NULL;
        int len = i2d_PUBKEY(X509_get0_pubkey(certs[i]), &der);
        assert_true(len > 0);
        unsigned int want_len = 0;
        assert_int_equal(EVP_Digest(der, (size_t)len, want, &want_len, EVP_sha256(), NULL), 1);
        assert_int_equal(want_len, 32);
        OPENSSL_free(der);
        assert_int_equal(x509_spki_sha256(got, certs[i], NULL), CONFAI_OK);
        assert_int_equal(CRYPTO_memcmp(got, want, 32), 0);
    }
    /* the key, not the certificate: expired, future and good leaf share it */
    uint8_t a[32], b[32], c[32];
    assert_int_equal(x509_spki_sha256(a, k.leaf, NULL), CONFAI_OK);
    assert_int_equal(x509_spki_sha256(b, k.expired, NULL), CONFAI_OK);
    assert_int_equal(x509_spki_sha256(c, k.root, NULL), CONFAI_OK);
    assert_int_equal(CRYPTO_memcmp(a, b, 32), 0);
    assert_int_not_equal(CRYPTO_memcmp(a, c, 32), 0);
}

static void sha256_known_answer(void **state)
{
    (void)state;
    /* FIPS 180-2 appendix B.1: SHA-256("abc") */
    static const uint8_t abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
        0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
        0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    uint8_t out[32];
    assert_int_equal(x509_sha256(out, (const uint8_t *)"abc", 3, NULL, 0, NULL), CONFAI_OK);
    assert_int_equal(CRYPTO_memcmp(out, abc, 32), 0);
    /* a || b is one message */
    assert_int_equal(x509_sha256(out, (const uint8_t *)"a", 1, (const uint8_t *)"bc", 2, NULL),
                     CONFAI_OK);
    assert_int_equal(CRYPTO_memcmp(out, abc, 32), 0);
}

static void certificate_times(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int64_t want;
    } times[] = {
        { "231114221320Z", T0 },                     /* UTCTime */
        { "20231114221320Z", T0 },                   /* GeneralizedTime */
        { "19700101000000Z", 0 },
        { "20000229120000Z", INT64_C(951825600) },   /* a leap day */
        { "20491231235959Z", INT64_C(2524607999) },  /* the last UTCTime year */
        { "99991231235959Z", INT64_C(253402300799) }, /* RFC 5280's "no end" */
    };
    for (size_t i = 0; i < COUNT(times); i++) {
        ASN1_TIME *t = ASN1_TIME_new();
        assert_non_null(t);
        assert_int_equal(ASN1_TIME_set_string(t, times[i].text), 1);
        int64_t got = -1;
        assert_int_equal(x509_time_epoch(&got, t), 1);
        if (got != times[i].want)
            fail_msg("%s: %lld, want %lld", times[i].text, (long long)got,
                     (long long)times[i].want);
        ASN1_TIME_free(t);
    }
    int64_t got;
    assert_int_equal(x509_time_epoch(&got, NULL), 0);
    assert_int_equal(x509_time_epoch(&got, X509_get0_notBefore(k.leaf)), 1);
    assert_int_equal(got, T0 - YEAR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_chain),
        cmocka_unit_test(good_chain_with_crls),
        cmocka_unit_test(reject_expired_leaf),
        cmocka_unit_test(reject_not_yet_valid),
        cmocka_unit_test(reject_unknown_root),
        cmocka_unit_test(reject_revoked_leaf),
        cmocka_unit_test(reject_missing_required_crl),
        cmocka_unit_test(reject_expired_crl),
        cmocka_unit_test(reject_tampered_signature),
        cmocka_unit_test(reject_tampered_crl),
        cmocka_unit_test(reject_arguments),
        cmocka_unit_test(error_map),
        cmocka_unit_test(spki_digest),
        cmocka_unit_test(sha256_known_answer),
        cmocka_unit_test(certificate_times),
    };
    return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
