/*
 * src/sim/snp_sim*.c: the simulated SEV-SNP platform. Its certificates
 * look like AMD's (names, extensions and their encodings, RSASSA-PSS), every
 * option does what it says, keys import and export, reports and CRLs come
 * out signed, and what it makes verifies through the production verifier.
 *
 * With CONFAI_SNP_SEED_DIR set, also writes the seed corpus of the
 * snp_report fuzz target there (tests/fuzz/corpus/snp_report).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <confai/confai.h>

#include "attest/snp/snp_internal.h"
#include "snp_test_helpers.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define OK(call) EXPECT_STATUS(CONFAI_OK, call)

static snp_sim_keys *keys;
static snp_sim *sims[4]; /* by product, default configuration, shared by the tests */

static int setup(void **state)
{
    (void)state;
    keys = snp_test_keys_new(0);
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++)
        sims[p] = snp_test_sim_new(keys, (snp_product)p, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++)
        snp_sim_free(sims[p]);
    snp_sim_keys_free(keys);
    return 0;
}

static X509 *to_x509(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    assert_non_null(x);
    assert_ptr_equal(p, der + len);
    return x;
}

static X509 *sim_x509(const snp_sim *sim, snp_sim_role role)
{
    size_t len;
    const uint8_t *der = snp_sim_cert(sim, role, &len);
    return to_x509(der, len);
}

/* --- keys ----------------------------------------------------------------------- */

static void keys_export_import(void **state)
{
    (void)state;
    char pem[SNP_SIM_ROLES][4096];
    const char *list[SNP_SIM_ROLES];
    for (int i = 0; i < SNP_SIM_ROLES; i++) {
        size_t len = sizeof(pem[i]);
        OK(snp_sim_keys_export(keys, (snp_sim_role)i, pem[i], &len, err));
        assert_int_equal(strlen(pem[i]), len);
        assert_string_equal(pem[i], snp_test_keys[i]); /* PKCS#8, as the test keys */
        list[i] = pem[i];
    }
    snp_sim_keys *again = NULL;
    OK(snp_sim_keys_import(&again, list, err));
    snp_sim_keys_free(again);
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        OPENSSL_cleanse(pem[i], sizeof(pem[i]));

    char small[16];
    size_t len = sizeof(small);
    EXPECT_STATUS(CONFAI_E_BUFFER_TOO_SMALL,
                  snp_sim_keys_export(keys, SNP_SIM_VCEK, small, &len, err));
    assert_int_equal(len, strlen(snp_test_key_vcek) + 1);
    len = 0;
    EXPECT_STATUS(CONFAI_E_BUFFER_TOO_SMALL,
                  snp_sim_keys_export(keys, SNP_SIM_ARK, NULL, &len, err));
    EXPECT_STATUS(CONFAI_E_ARGUMENT,
                  snp_sim_keys_export(keys, (snp_sim_role)7, small, &len, err));
}

static void keys_import_rejects(void **state)
{
    (void)state;
    snp_sim_keys *k = (snp_sim_keys *)1;
    const char *swapped[SNP_SIM_ROLES] = { snp_test_key_vcek, snp_test_key_ask,
                                           snp_test_key_asvk, snp_test_key_ark,
                                           snp_test_key_vlek };
    EXPECT_STATUS(CONFAI_E_BAD_KEY, snp_sim_keys_import(&k, swapped, err));
    assert_null(k);
    const char *missing[SNP_SIM_ROLES] = { snp_test_key_ark, snp_test_key_ask, NULL,
                                           snp_test_key_vcek, snp_test_key_vlek };
    EXPECT_STATUS(CONFAI_E_BAD_KEY, snp_sim_keys_import(&k, missing, err));
    const char *junk[SNP_SIM_ROLES] = { snp_test_key_ark, "-----BEGIN PRIVATE KEY-----\nAA==\n",
                                        snp_test_key_asvk, snp_test_key_vcek,
                                        snp_test_key_vlek };
    EXPECT_STATUS(CONFAI_E_BAD_KEY, snp_sim_keys_import(&k, junk, err));
    EXPECT_STATUS(CONFAI_E_ARGUMENT, snp_sim_keys_import(NULL, snp_test_keys, err));
    EXPECT_STATUS(CONFAI_E_ARGUMENT, snp_sim_keys_generate(&k, 1024, err));
    snp_sim_keys_free(NULL);
}

/* Fresh keys (RSA-2048 to keep the test fast) make a platform that verifies. */
static void keys_generate(void **state)
{
    (void)state;
    snp_sim_keys *fresh = NULL;
    OK(snp_sim_keys_generate(&fresh, 2048, err));
    snp_sim *sim = snp_test_sim_new(fresh, SNP_PRODUCT_MILAN, NULL);
    snp_trust *trust = NULL;
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    OK(snp_trust_new(&trust, err));
    const uint8_t *ark = snp_sim_cert(sim, SNP_SIM_ARK, &lens[0]);
    OK(snp_trust_add_root(trust, ark, lens[0], err));
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    snp_sim_chain(sim, SNP_KEY_VCEK, certs, lens);
    OK(snp_verify(&(snp_verified){ 0 }, trust, NULL, report, sizeof(report), certs, lens, 3,
                  SNP_TEST_NOW, err));
    snp_trust_free(trust);
    snp_sim_free(sim);
    snp_sim_keys_free(fresh);
}

/* --- certificates --------------------------------------------------------------- */

/* The AMD extensions of a certificate: OID arcs in order, and value encodings. */
typedef struct amd_ext_list {
    char arcs[16][48];
    uint8_t first_byte[16];
    size_t value_len[16];
    size_t count;
} amd_ext_list;

static void amd_extensions(amd_ext_list *l, const X509 *x)
{
    memset(l, 0, sizeof(*l));
    for (int i = 0; i < X509_get_ext_count(x); i++) {
        X509_EXTENSION *ext = X509_get_ext(x, i);
        char oid[64];
        OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(ext), 1);
        if (strncmp(oid, "1.3.6.1.4.1.3704.1.", 19) != 0)
            continue;
        const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
        assert_true(l->count < 16);
        snprintf(l->arcs[l->count], sizeof(l->arcs[0]), "%s", oid + 19);
        l->first_byte[l->count] = ASN1_STRING_get0_data(v)[0];
        l->value_len[l->count] = (size_t)ASN1_STRING_length(v);
        assert_int_equal(X509_EXTENSION_get_critical(ext), 0);
        l->count++;
    }
}

/*
 * The simulated VCEK/VLEK carries AMD's extensions in AMD's order and
 * encodings, and AMD's names, compared with a real certificate.
 */
static void compare_with_real(const X509 *sim, const X509 *real, int same_values)
{
    amd_ext_list a, b;
    amd_extensions(&a, sim);
    amd_extensions(&b, real);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(a.arcs[i], b.arcs[i]);
        if (strcmp(a.arcs[i], "4") != 0) /* hwID is raw bytes: no tag to compare */
            assert_int_equal(a.first_byte[i], b.first_byte[i]);
        if (same_values && strcmp(a.arcs[i], "2") != 0 && strcmp(a.arcs[i], "5") != 0)
            assert_int_equal(a.value_len[i], b.value_len[i]);
    }
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(sim), X509_get_subject_name(real)), 0);
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(sim), X509_get_issuer_name(real)), 0);
    assert_int_equal(X509_get_signature_nid(sim), NID_rsassaPss);
    assert_int_equal(X509_get_signature_nid(real), NID_rsassaPss);
}

static void certificates_look_like_amds(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("simulated vs real VCEKs");
    if (dir == NULL)
        skip();
    static const struct {
        snp_product product;
        snp_sim_role role;
        const char *real;
    } pairs[] = {
        { SNP_PRODUCT_MILAN, SNP_SIM_VCEK, "sev-snp/go-sev-guest/vcek.testcer" },
        { SNP_PRODUCT_GENOA, SNP_SIM_VCEK, "sev-snp/oak/genoa_oc_vcek.der" },
        { SNP_PRODUCT_TURIN, SNP_SIM_VCEK, "sev-snp/virtee-sev/vcek_turin.der" },
        { SNP_PRODUCT_MILAN, SNP_SIM_VLEK, "sev-snp/trustee/test-vlek.der" },
    };
    for (size_t i = 0; i < COUNT(pairs); i++) {
        snp_sim *sim = sims[pairs[i].product];
        der_list real = { 0 };
        der_list_add_file(&real, dir, pairs[i].real);
        X509 *a = sim_x509(sim, pairs[i].role), *b = to_x509(real.der[0], real.len[0]);
        compare_with_real(a, b, 0);
        X509_free(a);
        X509_free(b);
        der_list_free(&real);
    }
    /* ASK and ARK names too */
    static const char *const chains[] = { "sev-snp/go-sev-guest/ask_ark_milan.pem",
                                          "sev-snp/go-sev-guest/ask_ark_turin_vlek.pem" };
    static const snp_sim_role roles[] = { SNP_SIM_ASK, SNP_SIM_ASVK };
    static const snp_product prods[] = { SNP_PRODUCT_MILAN, SNP_PRODUCT_TURIN };
    for (size_t i = 0; i < COUNT(chains); i++) {
        snp_sim *sim = sims[prods[i]];
        der_list real = { 0 };
        der_list_add_file(&real, dir, chains[i]);
        X509 *ask = sim_x509(sim, roles[i]), *ark = sim_x509(sim, SNP_SIM_ARK);
        X509 *real_ask = to_x509(real.der[0], real.len[0]);
        X509 *real_ark = to_x509(real.der[1], real.len[1]);
        assert_int_equal(X509_NAME_cmp(X509_get_subject_name(ask), X509_get_subject_name(real_ask)),
                         0);
        assert_int_equal(X509_NAME_cmp(X509_get_subject_name(ark), X509_get_subject_name(real_ark)),
                         0);
        assert_int_equal(X509_get_serialNumber(ask) != NULL, 1);
        assert_int_equal(ASN1_INTEGER_cmp(X509_get_serialNumber(ask),
                                          X509_get_serialNumber(real_ask)),
                         0); /* AMD's serial numbering */
        assert_int_equal(X509_check_ca(ask), X509_check_ca(real_ask));
        assert_int_equal(X509_get_key_usage(ark), X509_get_key_usage(real_ark));
        X509_free(ask);
        X509_free(ark);
        X509_free(real_ask);
        X509_free(real_ark);
        der_list_free(&real);
    }
}

/* RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt, as AMD signs. */
static void pss_parameters(void **state)
{
    (void)state;
    snp_sim *sim = sims[SNP_PRODUCT_GENOA];
    for (int role = 0; role < SNP_SIM_ROLES; role++) {
        X509 *x = sim_x509(sim, (snp_sim_role)role);
        const X509_ALGOR *alg;
        X509_get0_signature(NULL, &alg, x);
        const ASN1_OBJECT *oid;
        int ptype;
        const void *pval;
        X509_ALGOR_get0(&oid, &ptype, &pval, alg);
        assert_int_equal(OBJ_obj2nid(oid), NID_rsassaPss);
        int md = 0, pk = 0, bits = 0;
        uint32_t flags = 0;
        assert_int_equal(X509_get_signature_info(x, &md, &pk, &bits, &flags), 1);
        assert_int_equal(md, NID_sha384);
        assert_int_equal(EVP_PKEY_get_bits(X509_get0_pubkey(x)),
                         role <= SNP_SIM_ASVK ? 4096 : 384);
        X509_free(x);
    }
}

/* The extensions hold the configuration's values, read back by the verifier's parser. */
static void extensions_hold_the_config(void **state)
{
    (void)state;
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        snp_sim *sim = sims[(snp_product)p];
        const snp_sim_config *cfg = snp_sim_get_config(sim);
        X509 *vcek = sim_x509(sim, SNP_SIM_VCEK), *vlek = sim_x509(sim, SNP_SIM_VLEK);
        snp_amd_ext e;
        uint64_t raw;
        OK(snp_ext_parse(&e, vcek, err));
        OK(snp_ext_tcb(&raw, &e, (snp_product)p, err));
        assert_int_equal(raw, snp_tcb_encode(&cfg->vcek.tcb, (snp_product)p));
        assert_int_equal(e.hwid_len, p == SNP_PRODUCT_TURIN ? 8 : 64);
        assert_memory_equal(e.hwid, cfg->vcek.hwid, e.hwid_len);
        assert_string_equal(e.product_name, cfg->vcek.product_name);
        assert_int_equal(e.struct_version, p == SNP_PRODUCT_TURIN ? 1 : 0);
        assert_int_equal(!!(e.spl_present & (1u << SNP_SPL_FMC)), p == SNP_PRODUCT_TURIN);
        assert_string_equal(e.csp_id, "");
        OK(snp_ext_parse(&e, vlek, err));
        assert_int_equal(e.hwid_len, 0);
        assert_string_equal(e.csp_id, "CN=simulated.confai.invalid");
        assert_string_equal(e.product_name, snp_product_name((snp_product)p));
        X509_free(vcek);
        X509_free(vlek);
    }
}

static void omit_and_malform(void **state)
{
    (void)state;
    snp_sim_config cfg;
    snp_sim *sim = NULL;
    snp_amd_ext e;
    snp_sim_config_default(&cfg, SNP_PRODUCT_TURIN, SNP_TEST_NOW);
    cfg.vcek.omit = SNP_SIM_OMIT_FMC_SPL | SNP_SIM_OMIT_STRUCT_VERSION | SNP_SIM_OMIT_RESERVED_SPL;
    cfg.vcek.product_name[0] = '\0';
    OK(snp_sim_new(&sim, keys, &cfg, err));
    X509 *x = sim_x509(sim, SNP_SIM_VCEK);
    OK(snp_ext_parse(&e, x, err));
    assert_false(e.spl_present & (1u << SNP_SPL_FMC));
    assert_false(e.spl_present & (1u << 5));
    assert_false(e.has_struct_version);
    assert_string_equal(e.product_name, "");
    uint64_t raw;
    EXPECT_STATUS(CONFAI_E_TCB_MISMATCH, snp_ext_tcb(&raw, &e, SNP_PRODUCT_TURIN, err));
    X509_free(x);

    static const uint32_t malforms[] = { SNP_SIM_MALFORM_HWID_WRAPPED,
                                         SNP_SIM_MALFORM_SPL_NOT_INTEGER,
                                         SNP_SIM_MALFORM_DUPLICATE_SPL };
    for (size_t i = 0; i < COUNT(malforms); i++) {
        snp_sim_config_default(&cfg, SNP_PRODUCT_MILAN, SNP_TEST_NOW);
        cfg.vcek.malform = malforms[i];
        OK(snp_sim_reissue(sim, &cfg, err));
        x = sim_x509(sim, SNP_SIM_VCEK);
        EXPECT_STATUS(CONFAI_E_MALFORMED, snp_ext_parse(&e, x, err));
        X509_free(x);
    }
    snp_sim_free(sim);
}

/* Validity, serials and names are taken from the configuration. */
static void cert_params_apply(void **state)
{
    (void)state;
    snp_sim_config cfg;
    snp_sim_config_default(&cfg, SNP_PRODUCT_GENOA, SNP_TEST_NOW);
    cfg.cert[SNP_SIM_VCEK].serial = 0x1234567890;
    cfg.cert[SNP_SIM_VCEK].not_before = 1000000000;
    cfg.cert[SNP_SIM_VCEK].not_after = 4000000000;
    snprintf(cfg.cert[SNP_SIM_ASK].common_name, 64, "SEV-Elsewhere");
    snp_sim *sim = snp_test_sim_new(keys, SNP_PRODUCT_GENOA, &cfg);
    X509 *vcek = sim_x509(sim, SNP_SIM_VCEK), *ask = sim_x509(sim, SNP_SIM_ASK);
    assert_int_equal(ASN1_INTEGER_get(X509_get_serialNumber(vcek)), 0x1234567890);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(vcek), 1000000000), 0);
    assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(vcek), 4000000000), 0);
    char cn[64];
    X509_NAME_get_text_by_NID(X509_get_subject_name(ask), NID_commonName, cn, sizeof(cn));
    assert_string_equal(cn, "SEV-Elsewhere");
    X509_NAME_get_text_by_NID(X509_get_issuer_name(vcek), NID_commonName, cn, sizeof(cn));
    assert_string_equal(cn, "SEV-Elsewhere");
    assert_int_equal(X509_check_issued(ask, vcek), X509_V_OK);
    X509_free(vcek);
    X509_free(ask);
    snp_sim_free(sim);

    /* defaults: AMD's lifetimes */
    snp_sim_config_default(&cfg, SNP_PRODUCT_UNKNOWN, SNP_TEST_NOW);
    assert_int_equal(cfg.product, SNP_PRODUCT_MILAN);
    assert_string_equal(cfg.cert[SNP_SIM_ASVK].common_name, "SEV-VLEK-Milan");
    assert_int_equal(cfg.cert[SNP_SIM_ASK].serial, 0x10001);
    assert_int_equal(cfg.cert[SNP_SIM_VCEK].not_after - cfg.cert[SNP_SIM_VCEK].not_before,
                     7 * 365 * SNP_TEST_DAY);

    cfg.product = SNP_PRODUCT_UNKNOWN;
    sim = (snp_sim *)1;
    EXPECT_STATUS(CONFAI_E_ARGUMENT, snp_sim_new(&sim, keys, &cfg, err));
    assert_null(sim);
    EXPECT_STATUS(CONFAI_E_ARGUMENT, snp_sim_new(&sim, NULL, &cfg, err));
    snp_sim_free(NULL);
}

/* Reissuing keeps the keys: a report signed before verifies with the new chain. */
static void reissue_keeps_keys(void **state)
{
    (void)state;
    snp_sim *sim = snp_test_sim_new(keys, SNP_PRODUCT_MILAN, NULL);
    X509 *before = sim_x509(sim, SNP_SIM_VCEK);
    snp_sim_config cfg = *snp_sim_get_config(sim);
    cfg.cert[SNP_SIM_VCEK].serial = 99;
    OK(snp_sim_reissue(sim, &cfg, err));
    X509 *after = sim_x509(sim, SNP_SIM_VCEK);
    assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(before), X509_get0_pubkey(after)), 1);
    assert_int_equal(ASN1_INTEGER_get(X509_get_serialNumber(after)), 99);
    OK(snp_sim_reissue(sim, snp_sim_get_config(sim), err)); /* its own config */
    X509_free(before);
    X509_free(after);
    snp_sim_free(sim);
}

/* --- reports --------------------------------------------------------------------- */

static void template_and_signature(void **state)
{
    (void)state;
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        snp_sim *sim = sims[(snp_product)p];
        snp_report fields, parsed;
        uint8_t report[SNP_REPORT_SIZE];
        snp_sim_report_template(sim, &fields, SNP_KEY_VCEK);
        assert_int_equal(snp_product_from_cpuid(fields.cpuid_fam_id, fields.cpuid_mod_id), p);
        memset(fields.measurement, 0x42, sizeof(fields.measurement));
        fields.guest_svn = 3;
        OK(snp_sim_sign_report(sim, report, &fields, SNP_KEY_VCEK, err));
        OK(snp_report_parse(&parsed, report, sizeof(report), err));
        assert_int_equal(parsed.product, p);
        assert_int_equal(parsed.guest_svn, 3);
        assert_int_equal(parsed.measurement[47], 0x42);
        assert_int_equal(parsed.reported_tcb_raw,
                         snp_tcb_encode(&snp_sim_get_config(sim)->vcek.tcb, (snp_product)p));
        /* the signature verifies with the VCEK's key over [0, 0x2A0) */
        X509 *vcek = sim_x509(sim, SNP_SIM_VCEK);
        ECDSA_SIG *sig = ECDSA_SIG_new();
        ECDSA_SIG_set0(sig, BN_lebin2bn(report + 0x2A0, 72, NULL),
                       BN_lebin2bn(report + 0x2E8, 72, NULL));
        unsigned char *der = NULL;
        int der_len = i2d_ECDSA_SIG(sig, &der);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL,
                                              X509_get0_pubkey(vcek)), 1);
        assert_int_equal(EVP_DigestVerify(md, der, (size_t)der_len, report, 0x2A0), 1);
        EVP_MD_CTX_free(md);
        OPENSSL_free(der);
        ECDSA_SIG_free(sig);
        X509_free(vcek);
        /* a VLEK template masks nothing but has no chip id */
        snp_sim_report_template(sim, &fields, SNP_KEY_VLEK);
        assert_int_equal(fields.signing_key, SNP_KEY_VLEK);
        for (size_t i = 0; i < sizeof(fields.chip_id); i++)
            assert_int_equal(fields.chip_id[i], 0);
    }
}

static void sign_bytes_only_touches_r_and_s(void **state)
{
    (void)state;
    snp_sim *sim = sims[SNP_PRODUCT_MILAN];
    uint8_t report[SNP_REPORT_SIZE], before[SNP_REPORT_SIZE];
    memset(report, 0x5C, sizeof(report));
    memcpy(before, report, sizeof(report));
    OK(snp_sim_sign_bytes(sim, report, SNP_KEY_VLEK, err));
    assert_memory_equal(report, before, 0x2A0);
    assert_memory_equal(report + 0x330, before + 0x330, SNP_REPORT_SIZE - 0x330);
    for (size_t i = 48; i < 72; i++) {
        assert_int_equal(report[0x2A0 + i], 0);
        assert_int_equal(report[0x2E8 + i], 0);
    }
}

static void crl(void **state)
{
    (void)state;
    snp_sim *sim = sims[SNP_PRODUCT_TURIN];
    const uint64_t serials[] = { 0x30001, 7 };
    uint8_t der[4096];
    size_t len = sizeof(der);
    OK(snp_sim_crl(sim, der, &len, serials, 2, SNP_TEST_NOW, SNP_TEST_NOW + SNP_TEST_DAY, err));
    const unsigned char *p = der;
    X509_CRL *c = d2i_X509_CRL(NULL, &p, (long)len);
    assert_non_null(c);
    X509 *ark = sim_x509(sim, SNP_SIM_ARK), *ask = sim_x509(sim, SNP_SIM_ASK);
    assert_int_equal(X509_CRL_verify(c, X509_get0_pubkey(ark)), 1);
    assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(c), X509_get_subject_name(ark)), 0);
    X509_REVOKED *r = NULL;
    assert_int_equal(X509_CRL_get0_by_cert(c, &r, ask), 1); /* ASK serial 0x30001 */
    assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(c)), 2);
    assert_int_equal(X509_CRL_get_signature_nid(c), NID_rsassaPss);
    X509_CRL_free(c);
    X509_free(ark);
    X509_free(ask);

    size_t small = 10;
    EXPECT_STATUS(CONFAI_E_BUFFER_TOO_SMALL,
                  snp_sim_crl(sim, der, &small, NULL, 0, SNP_TEST_NOW, SNP_TEST_NOW + 1, err));
    assert_true(small > 500);
}

/* --- fuzz seeds ------------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, const uint8_t *bytes, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, len, f) != len)
        fail_msg("cannot write %s", path);
    fclose(f);
}

static uint32_t seed_version;
static void seed_set_version(snp_report *r)
{
    r->version = seed_version;
}

/*
 * Seeds for fuzz_snp_report: reports the fuzz target's fixed platforms (the
 * test keys, default configurations at SNP_TEST_NOW) accept, in every
 * version, product and key kind, plus a few that fail in different places.
 */
static void fuzz_seeds(void **state)
{
    (void)state;
    const char *dir = getenv("CONFAI_SNP_SEED_DIR");
    if (dir == NULL || dir[0] == '\0')
        skip();
    static const uint32_t versions[] = { 2, 3, 5 };
    uint8_t report[SNP_REPORT_SIZE];
    char name[64];
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        snp_sim *sim = sims[(snp_product)p];
        for (size_t v = 0; v < COUNT(versions); v++)
            for (int kind = SNP_KEY_VCEK; kind <= SNP_KEY_VLEK; kind++) {
                seed_version = versions[v];
                snp_test_report(report, sim, (snp_signing_key)kind, seed_set_version);
                snprintf(name, sizeof(name), "valid-%s-v%u-%s", snp_product_name((snp_product)p),
                         versions[v], kind == SNP_KEY_VLEK ? "vlek" : "vcek");
                write_seed(dir, name, report, sizeof(report));
            }
        if (p == SNP_PRODUCT_MILAN) {
            snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
            report[0x50] ^= 1;
            write_seed(dir, "bad-signature", report, sizeof(report));
            report[0x50] ^= 1;
            write_seed(dir, "truncated", report, 600);
            report[0x1A5] ^= 1;
            OK(snp_sim_sign_bytes(sim, report, SNP_KEY_VCEK, err));
            write_seed(dir, "chip-mismatch", report, sizeof(report));
            report[0x250] = 1;
            OK(snp_sim_sign_bytes(sim, report, SNP_KEY_VCEK, err));
            write_seed(dir, "reserved-byte", report, sizeof(report));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_export_import),
        cmocka_unit_test(keys_import_rejects),
        cmocka_unit_test(keys_generate),
        cmocka_unit_test(certificates_look_like_amds),
        cmocka_unit_test(pss_parameters),
        cmocka_unit_test(extensions_hold_the_config),
        cmocka_unit_test(omit_and_malform),
        cmocka_unit_test(cert_params_apply),
        cmocka_unit_test(reissue_keeps_keys),
        cmocka_unit_test(template_and_signature),
        cmocka_unit_test(sign_bytes_only_touches_r_and_s),
        cmocka_unit_test(crl),
        cmocka_unit_test(fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
