/*
 * src/attest/snp_verify.c with snp_certs.c, snp_extensions.c, snp_cache.c and
 * snp_pins.c on the real SNP reports of the shared vectors: every one
 * verifies with its published chain at a fixed time inside the validity of
 * its certificates, and is rejected after any single byte of its signed part
 * changes, with another report's VCEK, outside its certificates' validity and
 * with a broken chain; trustee's synthetic VCEKs are rejected; the built-in
 * pins are the hashes of AMD's ARKs. The rejection tests per check, on the
 * simulated platform, are in test_snp_verify.c.
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

#include <confai/confai.h>

#include "attest/snp/snp_internal.h"
#include "crypto/x509.h"
#include "snp_test_helpers.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define OK(call) EXPECT_STATUS(CONFAI_OK, call)

/* --- real evidence ----------------------------------------------------------------- */

/*
 * Each real report with the files PROVENANCE.md pairs it with, and a fixed
 * verification time inside the validity of all its certificates.
 */
typedef struct real_case {
    const char *name;
    const char *report;
    const char *leaf;     /* the VCEK or VLEK (DER, or the first PEM certificate) */
    const char *chain;    /* ASK/ASVK and ARK (PEM) */
    int64_t time;
    snp_product product;
    snp_signing_key kind;
    uint32_t version;
    uint64_t reported_tcb;
} real_case;

#define T_2024_01_01 INT64_C(1704067200)
#define T_2025_06_01 INT64_C(1748736000)
#define T_2026_01_01 INT64_C(1767225600)

static const real_case real_cases[] = {
    { "go-sev-guest", "sev-snp/go-sev-guest/attestation.bin", "sev-snp/go-sev-guest/vcek.testcer",
      "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024_01_01, SNP_PRODUCT_MILAN, SNP_KEY_VCEK,
      2, 0x4405000000000002 },
    { "virtee", "sev-snp/virtee-sev/report_milan.hex", "sev-snp/virtee-sev/vcek_milan.der",
      "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024_01_01, SNP_PRODUCT_MILAN, SNP_KEY_VCEK,
      2, 0x7308000000000003 },
    { "trustee", "sev-snp/trustee/test-report.bin", "sev-snp/trustee/test-vcek.der",
      "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024_01_01, SNP_PRODUCT_MILAN, SNP_KEY_VCEK,
      2, 0x7308000000000003 },
    { "trustee-vlek", "sev-snp/trustee/test-vlek-report.bin", "sev-snp/trustee/test-vlek.der",
      "sev-snp/go-sev-guest/ask_ark_milan_vlek.pem", T_2025_06_01, SNP_PRODUCT_MILAN,
      SNP_KEY_VLEK, 3, 0xd918000000000004 },
    { "azure", "sev-snp/azure-vtpm/azure_milan_snp_report.bin", "sev-snp/azure-vtpm/vcek.pem",
      "sev-snp/go-sev-guest/ask_ark_milan.pem", T_2024_01_01, SNP_PRODUCT_MILAN, SNP_KEY_VCEK,
      2, 0x7308000000000003 },
    { "oak-genoa", "sev-snp/oak/genoa_oc_snp_report.bin", "sev-snp/oak/genoa_oc_vcek.der",
      "sev-snp/go-sev-guest/ask_ark_genoa.pem", T_2026_01_01, SNP_PRODUCT_GENOA, SNP_KEY_VCEK,
      5, 0x541900000000000a },
    { "oak-milan", "sev-snp/oak/milan_oc_release_snp_report.bin",
      "sev-snp/oak/milan_oc_release_vcek.der", "sev-snp/go-sev-guest/ask_ark_milan.pem",
      T_2025_06_01, SNP_PRODUCT_MILAN, SNP_KEY_VCEK, 3, 0xdb18000000000004 },
};

/* A real report with its chain: leaf, ASK, ARK. */
typedef struct real_evidence {
    uint8_t *report;
    size_t report_len;
    der_list certs;
} real_evidence;

static void real_load(real_evidence *ev, const char *dir, const real_case *c)
{
    der_list leaf = { 0 };
    memset(ev, 0, sizeof(*ev));
    ev->report = snp_read_report(dir, c->report, &ev->report_len);
    der_list_add_file(&leaf, dir, c->leaf);
    der_list_push(&ev->certs, leaf.der[0], leaf.len[0]); /* azure's file has the chain too */
    der_list_free(&leaf);
    der_list_add_file(&ev->certs, dir, c->chain);
    assert_int_equal(ev->certs.count, 3);
}

static void real_free(real_evidence *ev)
{
    free(ev->report);
    der_list_free(&ev->certs);
}

static confai_status real_verify(snp_verified *v, const snp_trust *trust,
                                 snp_chain_cache *cache, const real_evidence *ev,
                                 const uint8_t *report, int64_t time, confai_error *err)
{
    return snp_verify(v, trust, cache, report, ev->report_len,
                      (const uint8_t *const *)ev->certs.der, ev->certs.len, ev->certs.count,
                      time, err);
}

static void real_reports_verify(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP real reports");
    if (dir == NULL)
        skip();
    snp_trust *trust = snp_test_trust();
    for (size_t i = 0; i < COUNT(real_cases); i++) {
        const real_case *c = &real_cases[i];
        real_evidence ev;
        snp_verified v;
        real_load(&ev, dir, c);
        OK(real_verify(&v, trust, NULL, &ev, ev.report, c->time, err));
        assert_int_equal(v.root_kind, SNP_ROOT_VENDOR);
        assert_int_equal(v.report.product, c->product);
        assert_int_equal(v.report.signing_key, c->kind);
        assert_int_equal(v.report.version, c->version);
        assert_int_equal(v.report.reported_tcb_raw, c->reported_tcb);
        assert_int_equal(v.report.reported_tcb.bootloader, (uint8_t)c->reported_tcb);
        assert_int_equal(v.report.reported_tcb.microcode, (uint8_t)(c->reported_tcb >> 56));
        assert_true(v.not_before < c->time && c->time < v.not_after);
        assert_string_equal(v.endorsement_subject,
                            c->kind == SNP_KEY_VLEK ? "CN=SEV-VLEK" : "CN=SEV-VCEK");
        printf("  %-13s v%u %s %s %-9s verified at %lld\n", c->name, c->version,
               snp_product_name(c->product), c->kind == SNP_KEY_VLEK ? "VLEK" : "VCEK",
               v.product_name, (long long)c->time);
        real_free(&ev);
    }
    snp_trust_free(trust);
}

/* Decoded values of a few reports, as PROVENANCE.md lists them. */
static void real_report_fields(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP real report fields");
    if (dir == NULL)
        skip();
    snp_trust *trust = snp_test_trust();
    real_evidence ev;
    snp_verified v;

    real_load(&ev, dir, &real_cases[3]); /* the AWS VLEK report */
    OK(real_verify(&v, trust, NULL, &ev, ev.report, real_cases[3].time, err));
    assert_string_equal(v.csp_id, "CN=cc-us-east-2.amazonaws.com");
    assert_string_equal(v.product_name, "Milan");
    assert_int_equal(v.report.vmpl, 1);
    assert_int_equal(v.report.cpuid_fam_id, 0x19);
    assert_int_equal(v.report.current_tcb.microcode, 220);
    assert_int_equal(v.report.committed_tcb.microcode, 219);
    real_free(&ev);

    real_load(&ev, dir, &real_cases[5]); /* Genoa, version 5 */
    OK(real_verify(&v, trust, NULL, &ev, ev.report, real_cases[5].time, err));
    assert_string_equal(v.product_name, "Genoa");
    assert_string_equal(v.csp_id, "");
    assert_int_equal(v.report.launch_mit_vector, 1);
    assert_int_equal(v.report.current_mit_vector, 1);
    assert_int_equal(v.report.cpuid_mod_id, 0x11);
    assert_int_equal(v.report.reported_tcb.snp, 25);
    assert_int_equal(v.report.chip_id[0], 0xd2);
    assert_int_equal(v.report.current_major, 1);
    assert_int_equal(v.report.current_minor, 55);
    assert_int_equal(v.report.current_build, 43);
    real_free(&ev);
    snp_trust_free(trust);
}

static const char *short_name(confai_status s)
{
    const char *n = confai_status_name(s);
    return strncmp(n, "CONFAI_E_", 9) == 0 ? n + 9 : n;
}

/*
 * Every one of the 0x2A0 signed bytes of every real report, flipped: never
 * accepted. With the chain cache, only the report checks are redone.
 * CONFAI_SNP_FLIP_STRIDE=k flips every k-th byte only (for valgrind runs,
 * as CONFAI_TDX_FLIP_STRIDE does for TDX); the default is every byte.
 */
static void real_reports_reject_every_flipped_byte(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP byte flips");
    if (dir == NULL)
        skip();
    snp_trust *trust = snp_test_trust();
    snp_chain_cache *cache = NULL;
    assert_int_equal(snp_chain_cache_new(&cache, NULL), CONFAI_OK);
    const char *env = getenv("CONFAI_SNP_FLIP_STRIDE");
    size_t stride = env != NULL && atoi(env) > 0 ? (size_t)atoi(env) : 1;
    size_t total = 0, per_report = (SNP_SIGNED_SIZE + stride - 1) / stride;
    for (size_t i = 0; i < COUNT(real_cases); i++) {
        const real_case *c = &real_cases[i];
        real_evidence ev;
        uint8_t copy[SNP_REPORT_SIZE];
        size_t by_status[1000] = { 0 };
        real_load(&ev, dir, c);
        for (size_t at = 0; at < SNP_SIGNED_SIZE; at += stride) {
            snp_verified v;
            confai_error e = { 0 };
            memcpy(copy, ev.report, SNP_REPORT_SIZE);
            copy[at] ^= 0xFF;
            confai_status s = real_verify(&v, trust, cache, &ev, copy, c->time, &e);
            if (s == CONFAI_OK)
                fail_msg("%s: flipping byte 0x%03zx was accepted", c->name, at);
            assert_true((int)s < 1000 && e.message[0] != '\0');
            by_status[s]++;
            total++;
        }
        printf("  %-13s %zu flips rejected:", c->name, per_report);
        for (int s = 0; s < 1000; s++)
            if (by_status[s] > 0)
                printf(" %zu %s", by_status[s], short_name((confai_status)s));
        printf("\n");
        /* the untouched report still verifies, from the cache */
        OK(real_verify(&(snp_verified){ 0 }, trust, cache, &ev, ev.report, c->time, err));
        real_free(&ev);
    }
    assert_int_equal(total, COUNT(real_cases) * per_report);
    snp_chain_cache_free(cache);
    snp_trust_free(trust);
}

/* Each report with each other report's VCEK (and its chain): a bad signature. */
static void real_reports_reject_other_vcek(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP other VCEKs");
    if (dir == NULL)
        skip();
    snp_trust *trust = snp_test_trust();
    size_t pairs = 0;
    for (size_t i = 0; i < COUNT(real_cases); i++) {
        real_evidence mine;
        real_load(&mine, dir, &real_cases[i]);
        for (size_t j = 0; j < COUNT(real_cases); j++) {
            if (j == i || real_cases[j].kind != real_cases[i].kind)
                continue;
            real_evidence other;
            real_load(&other, dir, &real_cases[j]);
            /* a time inside the other chain's validity: only the key differs */
            EXPECT_STATUS(CONFAI_E_BAD_SIGNATURE,
                          snp_verify(&(snp_verified){ 0 }, trust, NULL, mine.report,
                                     mine.report_len, (const uint8_t *const *)other.certs.der,
                                     other.certs.len, 3, real_cases[j].time, err));
            pairs++;
            real_free(&other);
        }
        real_free(&mine);
    }
    printf("  %zu report/VCEK pairs rejected\n", pairs);
    assert_int_equal(pairs, 6 * 5);
    snp_trust_free(trust);
}

/* Real certificates at a time outside their validity. */
static void real_certificates_expire(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP expiry");
    if (dir == NULL)
        skip();
    snp_trust *trust = snp_test_trust();
    real_evidence ev;
    real_load(&ev, dir, &real_cases[3]); /* the VLEK expired on 2025-12-10 */
    EXPECT_STATUS(CONFAI_E_CERT_EXPIRED,
                  real_verify(&(snp_verified){ 0 }, trust, NULL, &ev, ev.report, T_2026_01_01,
                              err));
    real_free(&ev);
    real_load(&ev, dir, &real_cases[5]); /* the Genoa VCEK starts on 2025-08-07 */
    EXPECT_STATUS(CONFAI_E_CERT_EXPIRED,
                  real_verify(&(snp_verified){ 0 }, trust, NULL, &ev, ev.report, T_2024_01_01,
                              err));
    real_free(&ev);
    snp_trust_free(trust);
}

/* AMD's chain without the ARK, and in the wrong order. */
static void real_chain_incomplete(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP chain order");
    if (dir == NULL)
        skip();
    snp_trust *trust = snp_test_trust();
    real_evidence ev;
    real_load(&ev, dir, &real_cases[0]);
    const uint8_t *certs[3] = { ev.certs.der[0], ev.certs.der[1], ev.certs.der[2] };
    size_t lens[3] = { ev.certs.len[0], ev.certs.len[1], ev.certs.len[2] };
    EXPECT_STATUS(CONFAI_E_UNKNOWN_ROOT,
                  snp_verify(&(snp_verified){ 0 }, trust, NULL, ev.report, ev.report_len,
                             certs, lens, 2, T_2024_01_01, err));
    const uint8_t *swapped[3] = { certs[1], certs[0], certs[2] };
    size_t swapped_lens[3] = { lens[1], lens[0], lens[2] };
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN,
                  snp_verify(&(snp_verified){ 0 }, trust, NULL, ev.report, ev.report_len,
                             swapped, swapped_lens, 3, T_2024_01_01, err));
    /* the Genoa ARK under the Milan ASK: the pinned root does not issue it */
    der_list genoa = { 0 };
    der_list_add_file(&genoa, dir, "sev-snp/go-sev-guest/ask_ark_genoa.pem");
    const uint8_t *mixed[3] = { certs[0], certs[1], genoa.der[1] };
    size_t mixed_lens[3] = { lens[0], lens[1], genoa.len[1] };
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN,
                  snp_verify(&(snp_verified){ 0 }, trust, NULL, ev.report, ev.report_len,
                             mixed, mixed_lens, 3, T_2024_01_01, err));
    der_list_free(&genoa);
    real_free(&ev);
    snp_trust_free(trust);
}

/* trustee's synthetic VCEKs: not signed by AMD's ASK, odd encodings. */
static void synthetic_invalid_vceks(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP synthetic VCEKs");
    if (dir == NULL)
        skip();
    static const char *const files[] = { "sev-snp/trustee/test-vcek-invalid-legacy.der",
                                         "sev-snp/trustee/test-vcek-invalid-new.der" };
    snp_trust *trust = snp_test_trust();
    real_evidence ev;
    real_load(&ev, dir, &real_cases[2]);
    for (size_t i = 0; i < COUNT(files); i++) {
        der_list bad = { 0 };
        der_list_add_file(&bad, dir, files[i]);
        const uint8_t *certs[3] = { bad.der[0], ev.certs.der[1], ev.certs.der[2] };
        size_t lens[3] = { bad.len[0], ev.certs.len[1], ev.certs.len[2] };
        EXPECT_STATUS(CONFAI_E_CERT_CHAIN,
                      snp_verify(&(snp_verified){ 0 }, trust, NULL, ev.report, ev.report_len,
                                 certs, lens, 3, T_2024_01_01, err));

        /* Their extensions on their own: legacy parses, new has a wrapped hwID. */
        const unsigned char *p = bad.der[0];
        X509 *x = d2i_X509(NULL, &p, (long)bad.len[0]);
        assert_non_null(x);
        snp_amd_ext ext;
        if (i == 0) {
            OK(snp_ext_parse(&ext, x, err));
            assert_int_equal(ext.spl[SNP_SPL_MICROCODE], 0xA9);
            assert_int_equal(ext.hwid_len, 64);
            assert_int_equal(ext.hwid[63], 0x3F);
        } else {
            EXPECT_STATUS(CONFAI_E_MALFORMED, snp_ext_parse(&ext, x, err));
        }
        X509_free(x);
        der_list_free(&bad);
    }
    real_free(&ev);
    snp_trust_free(trust);
}

/* The built-in pins are the SHA-256 of the ARKs' keys in the vectors. */
static void pins_match_amd_arks(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP pins");
    if (dir == NULL)
        skip();
    static const struct {
        const char *file;
        snp_product product;
    } arks[] = {
        { "sev-snp/virtee-sev/milan_ark.pem", SNP_PRODUCT_MILAN },
        { "sev-snp/virtee-sev/genoa_ark.pem", SNP_PRODUCT_GENOA },
        { "sev-snp/virtee-sev/turin_ark.pem", SNP_PRODUCT_TURIN },
        { "sev-snp/virtee-sev/milan_ask.pem", SNP_PRODUCT_UNKNOWN },
    };
    for (size_t i = 0; i < COUNT(arks); i++) {
        der_list l = { 0 };
        der_list_add_file(&l, dir, arks[i].file);
        const unsigned char *p = l.der[0];
        X509 *x = d2i_X509(NULL, &p, (long)l.len[0]);
        uint8_t h[32];
        snp_product product = SNP_PRODUCT_UNKNOWN;
        OK(x509_spki_sha256(h, x, err));
        assert_int_equal(snp_pin_lookup(h, &product), arks[i].product != SNP_PRODUCT_UNKNOWN);
        assert_int_equal(product, arks[i].product);
        X509_free(x);
        der_list_free(&l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pins_match_amd_arks),
        cmocka_unit_test(real_reports_verify),
        cmocka_unit_test(real_report_fields),
        cmocka_unit_test(real_reports_reject_every_flipped_byte),
        cmocka_unit_test(real_reports_reject_other_vcek),
        cmocka_unit_test(real_certificates_expire),
        cmocka_unit_test(real_chain_incomplete),
        cmocka_unit_test(synthetic_invalid_vceks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
