/*
 * src/attest/nvgpu.c: both real H100 reports of the shared vectors
 * verify (signature by the device leaf, chain to the pinned NVIDIA Device
 * Identity CA) at a fixed time inside the certificates' validity; the broken
 * chains (trustee cases 2-4) and other chain faults are rejected with their
 * own statuses; a bit flip anywhere in the signed request/response or the
 * signature is rejected; a wrong nonce is CONFAI_E_BINDING. Custom roots are
 * exercised with a synthetic P-384 PKI made here. The reference-measurement
 * comparison uses the values of NVIDIA's RIM 1010_0200_882_960074001A
 * (transcribed below) against the report it matches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <confai/confai.h>

#include "nvgpu_test_helpers.h"

#define T_2020_01_01 INT64_C(1577836800)
#define T_2025_06_01 INT64_C(1748736000) /* inside every certificate's validity */

static nvgpu_verified out;

typedef struct real_case {
    const char *report;
    const char *chain;
    const char *nonce;
    const char *driver;
    const char *vbios;
    const char *device_id; /* the leaf's subjectAltName otherName 1.3.6.1.4.1.412.274.1 */
} real_case;

static const real_case real_cases[] = {
    { "nvidia/trustee/hopperAttestationReport.txt", "nvidia/trustee/hopper_cert_chain_case1.txt",
      "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb", "550.90.07",
      "96.00.9F.00.01", "NVIDIA:GH100:48B02D92494BADF4" },
    { "nvidia/trustee/hopper_coco_report1.txt", "nvidia/trustee/hopper_coco_certs1.txt",
      "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec", "580.95.05",
      "96.00.74.00.1A", "NVIDIA:GH100:48B02D51037534EE" },
};

typedef struct loaded {
    uint8_t *evidence;
    size_t len;
    nv_chain chain;
    uint8_t nonce[32];
} loaded;

static void load(loaded *l, const char *dir, const real_case *rc)
{
    size_t nlen;
    l->evidence = nv_read_hex(dir, rc->report, &l->len);
    nv_read_chain(&l->chain, dir, rc->chain);
    uint8_t *n = test_hex_decode(rc->nonce, &nlen);
    assert_int_equal(nlen, 32);
    memcpy(l->nonce, n, 32);
    free(n);
}

static void unload(loaded *l)
{
    free(l->evidence);
    nv_chain_free(&l->chain);
}

static confai_status verify(const nvgpu_trust *trust, const uint8_t *ev, size_t len,
                            const nv_chain *c, const uint8_t nonce[32], int64_t t,
                            confai_error *err)
{
    return nvgpu_verify(&out, trust, ev, len, (const uint8_t *const *)c->der, c->len, c->count,
                        nonce, t, err);
}

/* --- real evidence ---------------------------------------------------------- */

static void real_reports_verify(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    for (size_t i = 0; i < NV_COUNT(real_cases); i++) {
        loaded l;
        load(&l, dir, &real_cases[i]);
        assert_int_equal(l.chain.count, 5);
        NV_OK(verify(NULL, l.evidence, l.len, &l.chain, l.nonce, T_2025_06_01, err));
        assert_int_equal(out.root_kind, NVGPU_ROOT_VENDOR);
        assert_string_equal(out.evidence.driver_version, real_cases[i].driver);
        assert_string_equal(out.evidence.vbios_version, real_cases[i].vbios);
        assert_non_null(strstr(out.leaf_subject, "CN=GH100 A01 GSP FMC LF"));
        assert_non_null(strstr(out.root_subject, "CN=NVIDIA Device Identity CA"));
        assert_string_equal(out.identity.device_id, real_cases[i].device_id);
        print_message("%s: driver %s, VBIOS %s, quirks 0x%x\n", real_cases[i].report,
                      out.evidence.driver_version, out.evidence.vbios_version,
                      out.evidence.quirks);

        /* the pin equals the SPKI hash of nvtrust's verifier_device_root.pem */
        nv_chain root;
        nv_read_chain(&root, dir, "nvidia/nvtrust/verifier_device_root.pem");
        const unsigned char *p = root.der[0];
        X509 *x = d2i_X509(NULL, &p, (long)root.len[0]);
        unsigned char *spki = NULL;
        int spki_len = i2d_PUBKEY(X509_get0_pubkey(x), &spki);
        uint8_t h[32];
        assert_int_equal(EVP_Digest(spki, (size_t)spki_len, h, NULL, EVP_sha256(), NULL), 1);
        assert_memory_equal(out.root_spki_sha256, h, 32);
        OPENSSL_free(spki);
        X509_free(x);
        nv_chain_free(&root);

        /* a fresh verify time is as good; before the root existed is not */
        NV_OK(verify(NULL, l.evidence, l.len, &l.chain, l.nonce, INT64_C(4102444800), err));
        NV_EXPECT(CONFAI_E_CERT_EXPIRED,
                  verify(NULL, l.evidence, l.len, &l.chain, l.nonce, T_2020_01_01, err));
        unload(&l);
    }
}

static void wrong_nonce_is_binding(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    loaded l;
    load(&l, dir, &real_cases[0]);
    for (int i = 0; i < 32; i += 31) {
        l.nonce[i] ^= 0x01;
        NV_EXPECT(CONFAI_E_BINDING,
                  verify(NULL, l.evidence, l.len, &l.chain, l.nonce, T_2025_06_01, err));
        assert_int_equal(out.evidence.block_count, 0); /* zeroed on failure */
        l.nonce[i] ^= 0x01;
    }
    uint8_t zero[32] = { 0 };
    NV_EXPECT(CONFAI_E_BINDING,
              verify(NULL, l.evidence, l.len, &l.chain, zero, T_2025_06_01, err));
    unload(&l);
}

static void other_gpus_chain(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    loaded a, b;
    load(&a, dir, &real_cases[0]);
    load(&b, dir, &real_cases[1]);
    NV_EXPECT(CONFAI_E_BAD_SIGNATURE,
              verify(NULL, a.evidence, a.len, &b.chain, a.nonce, T_2025_06_01, err));
    NV_EXPECT(CONFAI_E_BAD_SIGNATURE,
              verify(NULL, b.evidence, b.len, &a.chain, b.nonce, T_2025_06_01, err));
    unload(&a);
    unload(&b);
}

/*
 * A bit flip in the signed bytes or in the signature is rejected: by the
 * parser when the structure breaks (a parse status, or UNSUPPORTED for
 * another SPDM version or specification), else by the signature. Each flip
 * costs a full verification, so by default every byte of the request and the
 * response header, the signature's edges and every 61st byte elsewhere are
 * flipped (offset per report); CONFAI_NVGPU_ALL_FLIPS=1 flips every byte
 * (about 50 s).
 */
static int flip_here(size_t at, size_t signed_len, size_t c, int all)
{
    return all || at < 45 || at == signed_len || at == signed_len + 47 ||
           at == signed_len + 48 || at == signed_len + 95 || at % 61 == 7 * c;
}

static void bit_flips_rejected(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    const char *env = getenv("CONFAI_NVGPU_ALL_FLIPS");
    int all = env != NULL && strcmp(env, "1") == 0;
    for (size_t c = 0; c < NV_COUNT(real_cases); c++) {
        loaded l;
        load(&l, dir, &real_cases[c]);
        spdm_evidence *parsed = malloc(sizeof(*parsed));
        NV_OK(spdm_evidence_parse(parsed, l.evidence, l.len, err));
        size_t signed_len = parsed->signed_len;
        free(parsed);
        size_t flips = 0, sig_failures = 0;
        for (size_t at = 0; at < signed_len + 96; at++) {
            if (!flip_here(at, signed_len, c, all))
                continue;
            flips++;
            l.evidence[at] ^= 0x01;
            confai_error e = { 0 };
            confai_status s = nvgpu_verify(&out, NULL, l.evidence, l.len,
                                           (const uint8_t *const *)l.chain.der, l.chain.len,
                                           l.chain.count, l.nonce, T_2025_06_01, &e);
            if (s == CONFAI_OK)
                fail_msg("%s: flip at byte %zu accepted", real_cases[c].report, at);
            if (s == CONFAI_E_BAD_SIGNATURE)
                sig_failures++;
            else if (confai_status_group_of(s) != CONFAI_GROUP_PARSE &&
                     s != CONFAI_E_UNSUPPORTED)
                fail_msg("%s: flip at byte %zu: %s (%s)", real_cases[c].report, at,
                         confai_status_name(s), e.message);
            l.evidence[at] ^= 0x01;
        }
        assert_true(flips > 100);
        assert_true(sig_failures > flips / 2);
        unload(&l);
    }
}

/* trustee's negative chains, and other faults of the real chain */
static void broken_chains(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    static const struct {
        const char *file;
        confai_status want;
        const char *message;
    } cases[] = {
        { "nvidia/trustee/hopper_cert_chain_case2.txt", CONFAI_E_CERT_CHAIN, "1 certificate" },
        { "nvidia/trustee/hopper_cert_chain_case3.txt", CONFAI_E_CERT_CHAIN, "depth" },
        { "nvidia/trustee/hopper_cert_chain_case4.txt", CONFAI_E_CERT_CHAIN, "is a CA" },
    };
    loaded l;
    load(&l, dir, &real_cases[0]);
    for (size_t i = 0; i < NV_COUNT(cases); i++) {
        nv_chain c;
        nv_read_chain(&c, dir, cases[i].file);
        confai_error e = { 0 };
        confai_status s = verify(NULL, l.evidence, l.len, &c, l.nonce, T_2025_06_01, &e);
        if (s != cases[i].want || strstr(e.message, cases[i].message) == NULL)
            fail_msg("%s: %s (%s)", cases[i].file, confai_status_name(s), e.message);
        print_message("%s: %s (%s)\n", cases[i].file, confai_status_name(s), e.message);
        nv_chain_free(&c);
    }

    nv_chain c = l.chain;
    /* without the root: the last certificate is not self-signed */
    c.count = 4;
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(NULL, l.evidence, l.len, &c, l.nonce, T_2025_06_01, err));
    /* intermediates out of order */
    c.count = 5;
    uint8_t *d = c.der[1];
    size_t dl = c.len[1];
    c.der[1] = c.der[2];
    c.len[1] = c.len[2];
    c.der[2] = d;
    c.len[2] = dl;
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(NULL, l.evidence, l.len, &c, l.nonce, T_2025_06_01, err));
    /* a certificate sent twice is not on the path */
    c = l.chain; /* leaf, BROM, ICA, Identity, Identity, root */
    c.der[4] = c.der[3];
    c.len[4] = c.len[3];
    c.der[5] = l.chain.der[4];
    c.len[5] = l.chain.len[4];
    c.count = 6;
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(NULL, l.evidence, l.len, &c, l.nonce, T_2025_06_01, err));
    /* a certificate that is not DER */
    c = l.chain;
    uint8_t junk[40] = { 0x30, 0x26 };
    c.der[2] = junk;
    c.len[2] = sizeof(junk);
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(NULL, l.evidence, l.len, &c, l.nonce, T_2025_06_01, err));
    /* trailing bytes after a certificate */
    c = l.chain;
    uint8_t *longer = malloc(c.len[1] + 1);
    memcpy(longer, c.der[1], c.len[1]);
    longer[c.len[1]] = 0;
    c.der[1] = longer;
    c.len[1]++;
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(NULL, l.evidence, l.len, &c, l.nonce, T_2025_06_01, err));
    free(longer);
    /* too many (counted before any is read), none */
    c = l.chain;
    c.count = NVGPU_MAX_CERTS + 1;
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(NULL, l.evidence, l.len, &c, l.nonce, T_2025_06_01, err));
    NV_EXPECT(CONFAI_E_CERT_CHAIN, nvgpu_verify(&out, NULL, l.evidence, l.len,
                                                (const uint8_t *const *)c.der, c.len, 0,
                                                l.nonce, T_2025_06_01, err));
    unload(&l);
}

/* --- a synthetic PKI for custom roots ---------------------------------------------- */

static EVP_PKEY *keygen(const char *curve)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    assert_non_null(k);
    return k;
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       int ca, long serial)
{
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)T_2020_01_01 + 86400);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)INT64_C(1893456000)); /* 2030 */
    X509_set_pubkey(x, key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                                             ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    X509_EXTENSION *ku = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                                             ca ? "critical,keyCertSign,cRLSign"
                                                : "critical,digitalSignature");
    X509_add_ext(x, bc, -1);
    X509_add_ext(x, ku, -1);
    X509_EXTENSION_free(bc);
    X509_EXTENSION_free(ku);
    assert_true(X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha384()) > 0);
    return x;
}

/* Signs bytes [0, signed_len) of ev with key, writing r || s after them. */
static void sign_evidence(uint8_t *ev, size_t signed_len, EVP_PKEY *key)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[128];
    size_t der_len = sizeof(der);
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, der, &der_len, ev, signed_len), 1);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    assert_non_null(sig);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(sig), ev + signed_len, 48), 48);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig), ev + signed_len + 48, 48), 48);
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
}

static void custom_roots(void **state)
{
    (void)state;
    EVP_PKEY *root_key = keygen("P-384"), *leaf_key = keygen("P-384");
    EVP_PKEY *p256 = keygen("P-256");
    X509 *root = make_cert("Test GPU Root", root_key, NULL, NULL, 1, 1);
    X509 *leaf = make_cert("Test GPU Leaf", leaf_key, root, root_key, 0, 2);
    X509 *ca_leaf = make_cert("Test GPU CA Leaf", leaf_key, root, root_key, 1, 3);
    X509 *small_leaf = make_cert("Test GPU P-256 Leaf", p256, root, root_key, 0, 4);
    nv_chain chain = { 0 }, ca_chain = { 0 }, small_chain = { 0 }, root_only = { 0 };
    nv_chain_add(&chain, leaf);
    nv_chain_add(&chain, root);
    nv_chain_add(&ca_chain, ca_leaf);
    nv_chain_add(&ca_chain, root);
    nv_chain_add(&small_chain, small_leaf);
    nv_chain_add(&small_chain, root);
    nv_chain_add(&root_only, root);

    static uint8_t ev[4096];
    nv_build b;
    nv_build_default(&b, 8);
    size_t len = nv_build_evidence(ev, sizeof(ev), &b);
    sign_evidence(ev, len - 96, leaf_key);

    nvgpu_trust *trust = NULL;
    NV_OK(nvgpu_trust_new(&trust, err));
    NV_EXPECT(CONFAI_E_UNKNOWN_ROOT,
              verify(trust, ev, len, &chain, b.nonce, T_2025_06_01, err));
    NV_EXPECT(CONFAI_E_UNKNOWN_ROOT, verify(NULL, ev, len, &chain, b.nonce, T_2025_06_01, err));
    NV_OK(nvgpu_trust_add_root(trust, root_only.der[0], root_only.len[0], err));
    NV_OK(nvgpu_trust_add_root(trust, root_only.der[0], root_only.len[0], err)); /* no-op */
    NV_EXPECT(CONFAI_E_CERT_CHAIN, nvgpu_trust_add_root(trust, chain.der[0], chain.len[0], err));
    NV_EXPECT(CONFAI_E_MALFORMED, nvgpu_trust_add_root(trust, ev, 20, err));

    NV_OK(verify(trust, ev, len, &chain, b.nonce, T_2025_06_01, err));
    assert_int_equal(out.root_kind, NVGPU_ROOT_CUSTOM);
    assert_string_equal(out.leaf_subject, "CN=Test GPU Leaf");
    assert_string_equal(out.evidence.driver_version, "550.90.07");
    NV_EXPECT(CONFAI_E_CERT_EXPIRED, verify(trust, ev, len, &chain, b.nonce, T_2020_01_01, err));
    NV_EXPECT(CONFAI_E_CERT_CHAIN, verify(trust, ev, len, &ca_chain, b.nonce, T_2025_06_01, err));
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(trust, ev, len, &small_chain, b.nonce, T_2025_06_01, err));
    NV_EXPECT(CONFAI_E_CERT_CHAIN,
              verify(trust, ev, len, &root_only, b.nonce, T_2025_06_01, err));

    /* the quirk byte is not signed: accepted with and without it */
    ev[len] = 0;
    NV_OK(verify(trust, ev, len + 1, &chain, b.nonce, T_2025_06_01, err));
    /* signature values out of range (s = 0, r = n) */
    uint8_t saved[96];
    memcpy(saved, ev + len - 96, 96);
    memset(ev + len - 48, 0, 48);
    NV_EXPECT(CONFAI_E_BAD_SIGNATURE, verify(trust, ev, len, &chain, b.nonce, T_2025_06_01, err));
    memset(ev + len - 96, 0xFF, 96);
    NV_EXPECT(CONFAI_E_BAD_SIGNATURE, verify(trust, ev, len, &chain, b.nonce, T_2025_06_01, err));
    memcpy(ev + len - 96, saved, 96);
    NV_OK(verify(trust, ev, len, &chain, b.nonce, T_2025_06_01, err));

    nvgpu_trust_free(trust);
    nvgpu_trust_free(NULL);
    nv_chain_free(&chain);
    nv_chain_free(&ca_chain);
    nv_chain_free(&small_chain);
    nv_chain_free(&root_only);
    X509_free(root);
    X509_free(leaf);
    X509_free(ca_leaf);
    X509_free(small_leaf);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(leaf_key);
    EVP_PKEY_free(p256);
}

/* A device leaf with a subjectAltName (OpenSSL's syntax), signed again by the root. */
static X509 *leaf_with_san(EVP_PKEY *key, X509 *root, EVP_PKEY *root_key, const char *san,
                           long serial)
{
    X509 *x = make_cert("Test GPU Leaf", key, root, root_key, 0, serial);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, root, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
    assert_true(X509_sign(x, root_key, EVP_sha384()) > 0);
    return x;
}

#define DEVICE_ID_SAN(id) "otherName:1.3.6.1.4.1.412.274.1;UTF8:" id

static confai_error identity_err;

/* Verifies ev (signed by leaf's key) under leaf <- root and gives its identity. */
static nvgpu_identity identity_of(const nvgpu_trust *trust, const uint8_t *ev, size_t len,
                                  X509 *leaf, X509 *root, const uint8_t nonce[32],
                                  confai_status want)
{
    nv_chain chain = { 0 };
    nv_chain_add(&chain, leaf);
    nv_chain_add(&chain, root);
    confai_status got = verify(trust, ev, len, &chain, nonce, T_2025_06_01, &identity_err);
    if (got != want)
        fail_msg("got %s (%s), want %s", confai_status_name(got), identity_err.message,
                 confai_status_name(want));
    nv_chain_free(&chain);
    return out.identity;
}

/* Who a GPU is: its leaf key, and NVIDIA's device ID when the leaf carries one. */
static void device_identity(void **state)
{
    (void)state;
    EVP_PKEY *root_key = keygen("P-384"), *k1 = keygen("P-384"), *k2 = keygen("P-384");
    X509 *root = make_cert("Test GPU Root", root_key, NULL, NULL, 1, 1);
    X509 *a = leaf_with_san(k1, root, root_key, DEVICE_ID_SAN("NVIDIA:GH100:0011223344556677"), 2);
    /* the same device after a firmware update: a new leaf key, the same ID */
    X509 *a_new = leaf_with_san(k2, root, root_key, DEVICE_ID_SAN("NVIDIA:GH100:0011223344556677"), 3);
    X509 *b = leaf_with_san(k2, root, root_key, DEVICE_ID_SAN("NVIDIA:GH100:8899AABBCCDDEEFF"), 4);
    X509 *plain1 = make_cert("Test GPU Leaf", k1, root, root_key, 0, 5);
    X509 *plain2 = make_cert("Test GPU Leaf", k2, root, root_key, 0, 6);
    X509 *dns = leaf_with_san(k1, root, root_key, "DNS:gpu.example", 7);
    X509 *two = leaf_with_san(k1, root, root_key,
                              DEVICE_ID_SAN("NVIDIA:GH100:01") "," DEVICE_ID_SAN("NVIDIA:GH100:02"), 8);
    X509 *ia5 = leaf_with_san(k1, root, root_key,
                              "otherName:1.3.6.1.4.1.412.274.1;IA5STRING:NVIDIA:GH100:01", 9);
    X509 *spaced = leaf_with_san(k1, root, root_key, DEVICE_ID_SAN("NVIDIA GH100"), 10);

    static uint8_t ev1[4096], ev2[4096];
    nv_build nb;
    nv_build_default(&nb, 8);
    size_t len = nv_build_evidence(ev1, sizeof(ev1), &nb);
    memcpy(ev2, ev1, len);
    sign_evidence(ev1, len - 96, k1);
    sign_evidence(ev2, len - 96, k2);
    nv_chain root_only = { 0 };
    nv_chain_add(&root_only, root);
    nvgpu_trust *trust = NULL;
    NV_OK(nvgpu_trust_new(&trust, err));
    NV_OK(nvgpu_trust_add_root(trust, root_only.der[0], root_only.len[0], err));

    nvgpu_identity id_a = identity_of(trust, ev1, len, a, root, nb.nonce, CONFAI_OK);
    assert_string_equal(id_a.device_id, "NVIDIA:GH100:0011223344556677");
    nvgpu_identity id_a_new = identity_of(trust, ev2, len, a_new, root, nb.nonce, CONFAI_OK);
    nvgpu_identity id_b = identity_of(trust, ev2, len, b, root, nb.nonce, CONFAI_OK);
    nvgpu_identity id_p1 = identity_of(trust, ev1, len, plain1, root, nb.nonce, CONFAI_OK);
    nvgpu_identity id_p2 = identity_of(trust, ev2, len, plain2, root, nb.nonce, CONFAI_OK);
    nvgpu_identity id_dns = identity_of(trust, ev1, len, dns, root, nb.nonce, CONFAI_OK);
    assert_string_equal(id_p1.device_id, "");
    assert_string_equal(id_dns.device_id, "");
    assert_memory_not_equal(id_a.leaf_spki_sha256, id_b.leaf_spki_sha256, 32);

    assert_true(nvgpu_identity_same(&id_a, &id_a_new));  /* the device ID */
    assert_true(nvgpu_identity_same(&id_a, &id_p1));      /* the leaf key */
    assert_true(nvgpu_identity_same(&id_b, &id_a_new));   /* the leaf key */
    assert_true(nvgpu_identity_same(&id_p1, &id_dns));
    assert_false(nvgpu_identity_same(&id_a, &id_b));      /* another key, another ID */
    assert_false(nvgpu_identity_same(&id_p1, &id_p2));    /* no ID, other keys */
    assert_false(nvgpu_identity_same(&id_p2, &id_dns));

    /* a device ID that is not one printable name */
    identity_of(trust, ev1, len, two, root, nb.nonce, CONFAI_E_CERT_CHAIN);
    assert_non_null(strstr(identity_err.message, "more than one device ID"));
    identity_of(trust, ev1, len, ia5, root, nb.nonce, CONFAI_E_CERT_CHAIN);
    assert_non_null(strstr(identity_err.message, "not a UTF8String"));
    identity_of(trust, ev1, len, spaced, root, nb.nonce, CONFAI_E_CERT_CHAIN);
    assert_non_null(strstr(identity_err.message, "not printable ASCII"));

    nvgpu_trust_free(trust);
    nv_chain_free(&root_only);
    X509 *certs[] = { root, a, a_new, b, plain1, plain2, dns, two, ia5, spaced };
    for (size_t i = 0; i < NV_COUNT(certs); i++)
        X509_free(certs[i]);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

static void arguments(void **state)
{
    (void)state;
    uint8_t nonce[32] = { 0 };
    nv_chain c = { 0 };
    NV_EXPECT(CONFAI_E_ARGUMENT, nvgpu_verify(NULL, NULL, nonce, 32, NULL, NULL, 0, nonce, 0, err));
    NV_EXPECT(CONFAI_E_ARGUMENT,
              nvgpu_verify(&out, NULL, nonce, 32, NULL, c.len, 2, nonce, 0, err));
    NV_EXPECT(CONFAI_E_ARGUMENT,
              nvgpu_verify(&out, NULL, nonce, 32, (const uint8_t *const *)c.der, c.len, 0,
                           NULL, 0, err));
    NV_EXPECT(CONFAI_E_TRUNCATED,
              nvgpu_verify(&out, NULL, nonce, 32, (const uint8_t *const *)c.der, c.len, 0,
                           nonce, 0, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvgpu_trust_new(NULL, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvgpu_trust_add_root(NULL, nonce, 32, err));
}

/* --- reference measurements ---------------------------------------------------- */

/*
 * The active measurements of NVIDIA's RIM 1010_0200_882_960074001A_PROD
 * (nvtrust sample; VBIOS 96.00.74.00.1A), by RIM index (= SPDM block - 1).
 */
#define ZERO48 "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
static const char *const rim_0[] = { ZERO48 };
static const char *const rim_1[] = { "b558fdac9af53b91ff3bdb06ff589859d6fbc1050d875c88329347f24ff7b3d11ac53688ba56db03cf8751913107e0db" };
static const char *const rim_2[] = { "92b271965eb7789567d26de1f249ea0967ed89bf42ef36837483fd90edb839f5f7e4f1eb48881c3b7f6b54b7c0392c5b" };
static const char *const rim_3[] = { "73bbf35822549e28ba8fb2671fb7b58f46424a0069205b3ecf1d0fa762adef90b538cc9d692eb5c050147f2f1e8214ab" };
static const char *const rim_4[] = { "568b89291a34cece03b12aaa352d9afe273610307525b8443e90faa78d82ecfa9c7827d8f7915c35b2fab972e1086686" };
static const char *const rim_5[] = { "c9e4fe668e9dc269a4657146b5e28a22347cde18a4b0e79d8146532f27ebc386f304400ea5d4bf4159b5a6916dd4564e" };
static const char *const rim_6[] = { "6850b0a82e7e77c0f51e0e6732163866003390c4eb286d8dfb26a72f711a9c8bcdf402a1fd4e5d70b97708107a785efc" };
static const char *const rim_8[] = { ZERO48 };
static const char *const rim_9[] = { "7f3e9382785513c1932dfcc9e87f6ef6bf5fefe88144c6ea48539e65f937013dd7349144e5f439dcea401dac26e5c098" };
static const char *const rim_10[] = { ZERO48 };
static const char *const rim_11[] = { "E19967A43E9A7470F6EC0076808C8A45B0B00F9A845FA271275C75A46AC52753D8DF3E1187A837F8D7073E4166FF2944" };
static const char *const rim_12[] = {
    ZERO48,
    "758af96044c700f98a85347be27124d51c05b8784ba216b629b9aaab6d538c759aed9922a133e4ac473564d359b271d5",
    "7df046f26d0536f3a0b06d288ce6e5c659cad7a9c45cbd3a82c5df248755e4ddeff5871045acc6366ccab178b0d6568e",
    "cb09606fa5c052f0bc4cfa86dbeb4e3e70500bfbeeb7193256ac24ed4464a607366df16a3547b7c17ebd741eb43f1adf",
};

#define REF(i) { i, rim_##i, NV_COUNT(rim_##i) }
static const nvgpu_reference rim[] = {
    REF(12), REF(0), REF(1), REF(2), REF(3), REF(4), REF(5), REF(6), REF(8), REF(9), REF(10), REF(11),
};

static void rim_comparison(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    loaded l;
    load(&l, dir, &real_cases[1]);
    NV_OK(verify(NULL, l.evidence, l.len, &l.chain, l.nonce, T_2025_06_01, err));
    const spdm_evidence *ev = &out.evidence;

    /* all 12 active indices: index 9 differs, and is named */
    confai_error e = { 0 };
    assert_int_equal(nvgpu_measurements_check(ev, rim, NV_COUNT(rim), &e),
                     CONFAI_E_POLICY_MEASUREMENT);
    assert_non_null(strstr(e.message, "index 9 (SPDM block 10)"));
    print_message("RIM 1010_0200_882_960074001A vs coco report: %s\n", e.message);

    /* the 11 others match, one at a time and together */
    nvgpu_reference eleven[NV_COUNT(rim)];
    size_t n = 0;
    for (size_t i = 0; i < NV_COUNT(rim); i++) {
        if (rim[i].index == 9)
            continue;
        eleven[n++] = rim[i];
        NV_OK(nvgpu_measurements_check(ev, &rim[i], 1, err));
    }
    assert_int_equal(n, 11);
    NV_OK(nvgpu_measurements_check(ev, eleven, n, err));

    /* index 9 accepts the report's value as a second alternative */
    char actual[97];
    const spdm_block *b9 = spdm_evidence_block(ev, 10);
    assert_non_null(b9);
    for (int j = 0; j < 48; j++)
        snprintf(actual + 2 * j, 3, "%02x", b9->value[j]);
    const char *const nine[] = { rim_9[0], actual };
    eleven[n] = (nvgpu_reference){ 9, nine, 2 };
    NV_OK(nvgpu_measurements_check(ev, eleven, n + 1, err));

    /* the lowest failing index is named, whatever the order */
    const char *const wrong[] = { ZERO48 };
    nvgpu_reference two[] = { { 11, wrong, 1 }, { 3, wrong, 1 } };
    e = (confai_error){ 0 };
    assert_int_equal(nvgpu_measurements_check(ev, two, 2, &e), CONFAI_E_POLICY_MEASUREMENT);
    assert_non_null(strstr(e.message, "index 3 "));
    /* an index the evidence does not have */
    nvgpu_reference missing[] = { { 64, wrong, 1 } };
    e = (confai_error){ 0 };
    assert_int_equal(nvgpu_measurements_check(ev, missing, 1, &e), CONFAI_E_POLICY_MEASUREMENT);
    assert_non_null(strstr(e.message, "not measured"));
    /* a value of another length never matches */
    const char *const short_zero[] = { "00000000" };
    nvgpu_reference shorter[] = { { 0, short_zero, 1 } };
    NV_EXPECT(CONFAI_E_POLICY_MEASUREMENT, nvgpu_measurements_check(ev, shorter, 1, err));

    /* the other report (VBIOS 96.00.9F.00.01) is not what this RIM describes */
    unload(&l);
    load(&l, dir, &real_cases[0]);
    NV_OK(verify(NULL, l.evidence, l.len, &l.chain, l.nonce, T_2025_06_01, err));
    NV_EXPECT(CONFAI_E_POLICY_MEASUREMENT,
              nvgpu_measurements_check(&out.evidence, rim, NV_COUNT(rim), err));
    unload(&l);
}

static void invalid_reference_sets(void **state)
{
    (void)state;
    static spdm_evidence ev;
    nv_build b;
    static uint8_t bytes[4096];
    nv_build_default(&b, 4);
    size_t len = nv_build_evidence(bytes, sizeof(bytes), &b);
    NV_OK(spdm_evidence_parse(&ev, bytes, len, err));
    char good[97];
    for (unsigned j = 0; j < 48; j++)
        snprintf(good + 2 * j, 3, "%02x", nv_value_byte(2, j));
    const char *const ok_vals[] = { good };
    const char *const odd[] = { "abc" };
    const char *const nothex[] = { "zz" };
    const char *const empty[] = { "" };
    const char *const null_val[] = { NULL };
    nvgpu_reference r1[] = { { 1, ok_vals, 1 } };
    NV_OK(nvgpu_measurements_check(&ev, r1, 1, err));
    NV_EXPECT(CONFAI_E_POLICY_INVALID, nvgpu_measurements_check(&ev, r1, 0, err));
    nvgpu_reference bad[][1] = {
        { { 1, ok_vals, 0 } }, { { 1, NULL, 1 } },    { { 1, odd, 1 } },
        { { 1, nothex, 1 } },  { { 1, empty, 1 } },   { { 1, null_val, 1 } },
        { { 254, ok_vals, 1 } },
    };
    for (size_t i = 0; i < NV_COUNT(bad); i++)
        NV_EXPECT(CONFAI_E_POLICY_INVALID, nvgpu_measurements_check(&ev, bad[i], 1, err));
    nvgpu_reference dup[] = { { 1, ok_vals, 1 }, { 1, ok_vals, 1 } };
    NV_EXPECT(CONFAI_E_POLICY_INVALID, nvgpu_measurements_check(&ev, dup, 2, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvgpu_measurements_check(NULL, r1, 1, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, nvgpu_measurements_check(&ev, NULL, 1, err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_reports_verify),
        cmocka_unit_test(wrong_nonce_is_binding),
        cmocka_unit_test(other_gpus_chain),
        cmocka_unit_test(device_identity),
        cmocka_unit_test(bit_flips_rejected),
        cmocka_unit_test(broken_chains),
        cmocka_unit_test(custom_roots),
        cmocka_unit_test(arguments),
        cmocka_unit_test(rim_comparison),
        cmocka_unit_test(invalid_reference_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
