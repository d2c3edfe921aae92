/*
 * src/attest/sev_snp.c with snp_certs.c, snp_extensions.c, snp_cache.c and
 * snp_pins.c: every real SNP report of the shared vectors verifies with its
 * published chain at a fixed time inside the certificates' validity, and is
 * rejected after any single byte of its signed part changes or with another
 * report's VCEK; then one rejection test per check, mostly on the simulated
 * platform (src/gateway/snp_sim.c), each with its own status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>

#include <confai/confai.h>

#include "attest/snp_internal.h"
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

static snp_trust *vendor_trust(void)
{
    snp_trust *trust = NULL;
    assert_int_equal(snp_trust_new(&trust, NULL), CONFAI_OK);
    return trust;
}

static void real_reports_verify(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP real reports");
    if (dir == NULL)
        skip();
    snp_trust *trust = vendor_trust();
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
    snp_trust *trust = vendor_trust();
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
 */
static void real_reports_reject_every_flipped_byte(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SEV-SNP byte flips");
    if (dir == NULL)
        skip();
    snp_trust *trust = vendor_trust();
    snp_chain_cache *cache = NULL;
    assert_int_equal(snp_chain_cache_new(&cache, NULL), CONFAI_OK);
    size_t total = 0;
    for (size_t i = 0; i < COUNT(real_cases); i++) {
        const real_case *c = &real_cases[i];
        real_evidence ev;
        uint8_t copy[SNP_REPORT_SIZE];
        size_t by_status[1000] = { 0 };
        real_load(&ev, dir, c);
        for (size_t at = 0; at < SNP_SIGNED_SIZE; at++) {
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
        printf("  %-13s %d flips rejected:", c->name, SNP_SIGNED_SIZE);
        for (int s = 0; s < 1000; s++)
            if (by_status[s] > 0)
                printf(" %zu %s", by_status[s], short_name((confai_status)s));
        printf("\n");
        /* the untouched report still verifies, from the cache */
        OK(real_verify(&(snp_verified){ 0 }, trust, cache, &ev, ev.report, c->time, err));
        real_free(&ev);
    }
    assert_int_equal(total, COUNT(real_cases) * SNP_SIGNED_SIZE);
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
    snp_trust *trust = vendor_trust();
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
    snp_trust *trust = vendor_trust();
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
    snp_trust *trust = vendor_trust();
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
    snp_trust *trust = vendor_trust();
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
        OK(snp_spki_sha256(h, x, err));
        assert_int_equal(snp_pin_lookup(h, &product), arks[i].product != SNP_PRODUCT_UNKNOWN);
        assert_int_equal(product, arks[i].product);
        X509_free(x);
        der_list_free(&l);
    }
}

/* --- the simulated platform: accepting ----------------------------------------------- */

typedef struct fixture {
    snp_sim_keys *keys;
    snp_sim_keys *foreign; /* the same keys in other roles: an unrelated hierarchy */
    snp_sim *sim[4];       /* by product */
    snp_trust *trust;      /* the three simulated ARKs as custom roots */
} fixture;

static fixture fx;

static int fixture_setup(void **state)
{
    (void)state;
    size_t len;
    fx.keys = snp_test_keys_new(0);
    fx.foreign = snp_test_keys_new(1);
    assert_int_equal(snp_trust_new(&fx.trust, NULL), CONFAI_OK);
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        fx.sim[p] = snp_test_sim_new(fx.keys, (snp_product)p, NULL);
        const uint8_t *ark = snp_sim_cert(fx.sim[p], SNP_SIM_ARK, &len);
        assert_int_equal(snp_trust_add_root(fx.trust, ark, len, NULL), CONFAI_OK);
    }
    return 0;
}

static int fixture_teardown(void **state)
{
    (void)state;
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++)
        snp_sim_free(fx.sim[p]);
    snp_trust_free(fx.trust);
    snp_sim_keys_free(fx.keys);
    snp_sim_keys_free(fx.foreign);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

/* Verifies a report against a simulated platform's chain at SNP_TEST_NOW. */
static confai_status sim_verify(snp_verified *v, const snp_trust *trust, const snp_sim *sim,
                                snp_signing_key kind, const uint8_t *report,
                                confai_error *err)
{
    const uint8_t *certs[3];
    size_t lens[3];
    snp_sim_chain(sim, kind, certs, lens);
    return snp_verify(v, trust, NULL, report, SNP_REPORT_SIZE, certs, lens, 3, SNP_TEST_NOW,
                      err);
}

static uint32_t edit_version;
static void set_version(snp_report *r)
{
    r->version = edit_version;
}

/* Versions 2, 3 and 5, every product, VCEK and VLEK. */
static void sim_reports_verify(void **state)
{
    (void)state;
    static const uint32_t versions[] = { 2, 3, 5 };
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++)
        for (size_t i = 0; i < COUNT(versions); i++)
            for (int kind = SNP_KEY_VCEK; kind <= SNP_KEY_VLEK; kind++) {
                uint8_t report[SNP_REPORT_SIZE];
                snp_verified v;
                edit_version = versions[i];
                snp_test_report(report, fx.sim[p], (snp_signing_key)kind, set_version);
                OK(sim_verify(&v, fx.trust, fx.sim[p], (snp_signing_key)kind, report, err));
                assert_int_equal(v.root_kind, SNP_ROOT_CUSTOM);
                assert_int_equal(v.report.product, p);
                assert_int_equal(v.report.version, versions[i]);
                assert_int_equal(v.report.signing_key, kind);
                assert_int_equal(v.report.report_data[0], 0xAB);
            }
}

/* Turin: FMC SPL, its TCB layout, an 8-byte hwID. */
static void sim_turin_layout(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    snp_verified v;
    snp_test_report(report, fx.sim[SNP_PRODUCT_TURIN], SNP_KEY_VCEK, NULL);
    OK(sim_verify(&v, fx.trust, fx.sim[SNP_PRODUCT_TURIN], SNP_KEY_VCEK, report, err));
    /* fmc 1, bl 1, tee 0, snp 2, ucode 0x47 in Turin's byte order */
    assert_int_equal(v.report.reported_tcb_raw, 0x4700000002000101);
    assert_int_equal(v.report.reported_tcb.fmc, 1);
    assert_int_equal(v.report.reported_tcb.bootloader, 1);
    assert_int_equal(v.report.reported_tcb.snp, 2);
    assert_int_equal(v.report.reported_tcb.microcode, 0x47);
    assert_string_equal(v.product_name, "Turin");
    for (size_t i = 8; i < 64; i++)
        assert_int_equal(v.report.chip_id[i], 0);
}

/* Without the ARK, a custom root completes the chain. */
static void sim_ark_left_out(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    snp_verified v;
    snp_test_report(report, fx.sim[SNP_PRODUCT_GENOA], SNP_KEY_VCEK, NULL);
    snp_sim_chain(fx.sim[SNP_PRODUCT_GENOA], SNP_KEY_VCEK, certs, lens);
    OK(snp_verify(&v, fx.trust, NULL, report, sizeof(report), certs, lens, 2, SNP_TEST_NOW,
                  err));
    assert_int_equal(v.root_kind, SNP_ROOT_CUSTOM);
    assert_int_equal(v.report.product, SNP_PRODUCT_GENOA);
}

/* A masked chip id (MASK_CHIP_KEY or all-zero CHIP_ID) is not compared. */
static void mask_chip(snp_report *r)
{
    r->flags |= SNP_FLAG_MASK_CHIP_KEY;
    memset(r->chip_id, 0, sizeof(r->chip_id));
}
static void zero_chip(snp_report *r)
{
    memset(r->chip_id, 0, sizeof(r->chip_id));
}

static void sim_masked_chip_id(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    snp_test_report(report, fx.sim[SNP_PRODUCT_MILAN], SNP_KEY_VCEK, mask_chip);
    OK(sim_verify(&(snp_verified){ 0 }, fx.trust, fx.sim[SNP_PRODUCT_MILAN], SNP_KEY_VCEK,
                  report, err));
    snp_test_report(report, fx.sim[SNP_PRODUCT_MILAN], SNP_KEY_VCEK, zero_chip);
    OK(sim_verify(&(snp_verified){ 0 }, fx.trust, fx.sim[SNP_PRODUCT_MILAN], SNP_KEY_VCEK,
                  report, err));
}

/* The cache: a hit gives the same verdict; time and trust still count. */
static void cache_keeps_time_and_trust(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_MILAN];
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    snp_chain_cache *cache = NULL;
    snp_trust *empty = vendor_trust();
    snp_verified cold, warm;
    OK(snp_chain_cache_new(&cache, err));
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    snp_sim_chain(sim, SNP_KEY_VCEK, certs, lens);
    OK(snp_verify(&cold, fx.trust, cache, report, sizeof(report), certs, lens, 3, SNP_TEST_NOW,
                  err));
    OK(snp_verify(&warm, fx.trust, cache, report, sizeof(report), certs, lens, 3, SNP_TEST_NOW,
                  err));
    uint8_t cold_bytes[SNP_REPORT_SIZE], warm_bytes[SNP_REPORT_SIZE];
    snp_report_encode(cold_bytes, &cold.report);
    snp_report_encode(warm_bytes, &warm.report);
    assert_memory_equal(cold_bytes, warm_bytes, sizeof(cold_bytes));
    assert_int_equal(cold.report.reported_tcb.snp, warm.report.reported_tcb.snp);
    assert_int_equal(cold.root_kind, warm.root_kind);
    assert_memory_equal(cold.root_spki_sha256, warm.root_spki_sha256, 32);
    assert_string_equal(cold.endorsement_subject, warm.endorsement_subject);
    assert_int_equal(cold.not_after, warm.not_after);
    /* after the VCEK's 7 years, and before its start */
    EXPECT_STATUS(CONFAI_E_CERT_EXPIRED,
                  snp_verify(&warm, fx.trust, cache, report, sizeof(report), certs, lens, 3,
                             SNP_TEST_NOW + 8 * 365 * SNP_TEST_DAY, err));
    EXPECT_STATUS(CONFAI_E_CERT_EXPIRED,
                  snp_verify(&warm, fx.trust, cache, report, sizeof(report), certs, lens, 3,
                             SNP_TEST_NOW - 2 * SNP_TEST_DAY, err));
    /* another trust (without the simulated root) does not reuse the entry */
    EXPECT_STATUS(CONFAI_E_UNKNOWN_ROOT,
                  snp_verify(&warm, empty, cache, report, sizeof(report), certs, lens, 3,
                             SNP_TEST_NOW, err));
    /* more chains than slots: entries make room, verdicts stay right */
    for (int round = 0; round < 2; round++)
        for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++)
            for (int kind = SNP_KEY_VCEK; kind <= SNP_KEY_VLEK; kind++)
                for (int ark = 0; ark < 2; ark++) {
                    snp_test_report(report, fx.sim[p], (snp_signing_key)kind, NULL);
                    snp_sim_chain(fx.sim[p], (snp_signing_key)kind, certs, lens);
                    OK(snp_verify(&warm, fx.trust, cache, report, sizeof(report), certs, lens,
                                  ark ? 3 : 2, SNP_TEST_NOW, err));
                }
    snp_chain_cache_free(cache);
    snp_trust_free(empty);
}

/* --- the simulated platform: one rejection per check ----------------------------------- */

/* A platform of fx.keys with a changed configuration; free with snp_sim_free. */
static snp_sim *sim_with(snp_product product, void (*edit)(snp_sim_config *))
{
    snp_sim_config cfg;
    snp_sim_config_default(&cfg, product, SNP_TEST_NOW);
    edit(&cfg);
    return snp_test_sim_new(fx.keys, product, &cfg);
}

static void bad_signature(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_MILAN];
    uint8_t report[SNP_REPORT_SIZE];
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    report[0x50] ^= 1; /* REPORT_DATA after signing */
    EXPECT_STATUS(CONFAI_E_BAD_SIGNATURE,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VCEK, report, err));
    report[0x50] ^= 1;
    report[0x2A0] ^= 1; /* r */
    EXPECT_STATUS(CONFAI_E_BAD_SIGNATURE,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VCEK, report, err));
    /* signed by the VLEK, presented with the VCEK */
    snp_report fields;
    snp_sim_report_template(sim, &fields, SNP_KEY_VCEK);
    OK(snp_sim_sign_report(sim, report, &fields, SNP_KEY_VLEK, err));
    EXPECT_STATUS(CONFAI_E_BAD_SIGNATURE,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VCEK, report, err));
    /* r = s = 0 */
    memset(report + 0x2A0, 0, 144);
    EXPECT_STATUS(CONFAI_E_BAD_SIGNATURE,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VCEK, report, err));
}

static void broken_chain(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_MILAN];
    snp_sim *foreign = snp_test_sim_new(fx.foreign, SNP_PRODUCT_MILAN, NULL);
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3], *other[3];
    size_t lens[3], other_lens[3];
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    snp_sim_chain(sim, SNP_KEY_VCEK, certs, lens);
    snp_sim_chain(foreign, SNP_KEY_VCEK, other, other_lens);

    /* a VCEK named right but signed by another ASK */
    const uint8_t *c1[3] = { other[0], certs[1], certs[2] };
    size_t l1[3] = { other_lens[0], lens[1], lens[2] };
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                  sizeof(report), c1, l1, 3, SNP_TEST_NOW, err));
    /* an ASK from another ARK, with the trusted ARK */
    const uint8_t *c2[3] = { certs[0], other[1], certs[2] };
    size_t l2[3] = { lens[0], other_lens[1], lens[2] };
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                  sizeof(report), c2, l2, 3, SNP_TEST_NOW, err));
    /* the VLEK's ASVK under a VCEK */
    const uint8_t *c3[3] = { certs[0], snp_sim_cert(sim, SNP_SIM_ASVK, &l2[1]), certs[2] };
    size_t l3[3] = { lens[0], l2[1], lens[2] };
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                  sizeof(report), c3, l3, 3, SNP_TEST_NOW, err));
    /* not DER, DER with trailing bytes, too few and too many certificates */
    uint8_t junk[600];
    memcpy(junk, certs[1], 500);
    const uint8_t *c4[4] = { certs[0], junk, certs[2], certs[2] };
    size_t l4[4] = { lens[0], 500, lens[2], lens[2] };
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                  sizeof(report), c4, l4, 3, SNP_TEST_NOW, err));
    uint8_t *longer = malloc(lens[1] + 1);
    memcpy(longer, certs[1], lens[1]);
    longer[lens[1]] = 0;
    c4[1] = longer;
    l4[1] = lens[1] + 1;
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                  sizeof(report), c4, l4, 3, SNP_TEST_NOW, err));
    free(longer);
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                  sizeof(report), certs, lens, 1, SNP_TEST_NOW,
                                                  err));
    const uint8_t *c5[4] = { certs[0], certs[1], certs[2], certs[2] };
    size_t l5[4] = { lens[0], lens[1], lens[2], lens[2] };
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                  sizeof(report), c5, l5, 4, SNP_TEST_NOW, err));
    snp_sim_free(foreign);
}

static void vcek_not_named_vcek(snp_sim_config *cfg)
{
    snprintf(cfg->cert[SNP_SIM_VCEK].common_name, 64, "SEV-XYZ");
}

static void leaf_with_other_name(void **state)
{
    (void)state;
    snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, vcek_not_named_vcek);
    uint8_t report[SNP_REPORT_SIZE];
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VCEK, report, err));
    snp_sim_free(sim);
}

static void unknown_root(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_GENOA];
    snp_trust *empty = vendor_trust();
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    snp_sim_chain(sim, SNP_KEY_VCEK, certs, lens);
    confai_error e = { 0 };
    assert_int_equal(snp_verify(&(snp_verified){ 0 }, empty, NULL, report, sizeof(report),
                                certs, lens, 3, SNP_TEST_NOW, &e),
                     CONFAI_E_UNKNOWN_ROOT);
    assert_non_null(strstr(e.message, "neither one of AMD's pinned roots nor a custom root"));
    EXPECT_STATUS(CONFAI_E_UNKNOWN_ROOT, snp_verify(&(snp_verified){ 0 }, empty, NULL, report,
                                                    sizeof(report), certs, lens, 2,
                                                    SNP_TEST_NOW, err));
    /* without the ARK, and only another platform's root configured */
    snp_trust *other = vendor_trust();
    snp_sim *foreign = snp_test_sim_new(fx.foreign, SNP_PRODUCT_GENOA, NULL);
    size_t len;
    const uint8_t *foreign_ark = snp_sim_cert(foreign, SNP_SIM_ARK, &len);
    OK(snp_trust_add_root(other, foreign_ark, len, err));
    EXPECT_STATUS(CONFAI_E_UNKNOWN_ROOT, snp_verify(&(snp_verified){ 0 }, other, NULL, report,
                                                    sizeof(report), certs, lens, 2,
                                                    SNP_TEST_NOW, err));
    snp_sim_free(foreign);
    snp_trust_free(other);
    snp_trust_free(empty);
}

static void vcek_expired(snp_sim_config *cfg)
{
    cfg->cert[SNP_SIM_VCEK].not_after = SNP_TEST_NOW - SNP_TEST_DAY / 2;
}
static void ask_not_yet_valid(snp_sim_config *cfg)
{
    cfg->cert[SNP_SIM_ASK].not_before = SNP_TEST_NOW + SNP_TEST_DAY;
}
static void ark_expired(snp_sim_config *cfg)
{
    cfg->cert[SNP_SIM_ARK].not_before = SNP_TEST_NOW - 30 * SNP_TEST_DAY;
    cfg->cert[SNP_SIM_ARK].not_after = SNP_TEST_NOW - SNP_TEST_DAY;
}

static void expired_certificates(void **state)
{
    (void)state;
    void (*edits[])(snp_sim_config *) = { vcek_expired, ask_not_yet_valid };
    uint8_t report[SNP_REPORT_SIZE];
    for (size_t i = 0; i < COUNT(edits); i++) {
        snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, edits[i]);
        snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
        EXPECT_STATUS(CONFAI_E_CERT_EXPIRED, sim_verify(&(snp_verified){ 0 }, fx.trust, sim,
                                                        SNP_KEY_VCEK, report, err));
        snp_sim_free(sim);
    }
    /* a custom root that has expired itself */
    snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, ark_expired);
    snp_trust *trust = vendor_trust();
    size_t len;
    const uint8_t *ark = snp_sim_cert(sim, SNP_SIM_ARK, &len);
    OK(snp_trust_add_root(trust, ark, len, err));
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    EXPECT_STATUS(CONFAI_E_CERT_EXPIRED,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VCEK, report, err));
    snp_trust_free(trust);
    snp_sim_free(sim);
}

/* A trust with the simulated Milan root and one CRL. */
static snp_trust *trust_with_crl(const snp_sim *signer, const uint64_t *serials, size_t n,
                                 int64_t this_update, int64_t next_update)
{
    snp_trust *trust = vendor_trust();
    uint8_t crl[4096];
    size_t crl_len = sizeof(crl), len;
    const uint8_t *ark = snp_sim_cert(fx.sim[SNP_PRODUCT_MILAN], SNP_SIM_ARK, &len);
    assert_int_equal(snp_trust_add_root(trust, ark, len, NULL), CONFAI_OK);
    assert_int_equal(
        snp_sim_crl(signer, crl, &crl_len, serials, n, this_update, next_update, NULL),
        CONFAI_OK);
    assert_int_equal(snp_trust_add_crl(trust, crl, crl_len, NULL), CONFAI_OK);
    return trust;
}

static void revoked(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_MILAN];
    const snp_sim_config *cfg = snp_sim_get_config(sim);
    const uint64_t ask = cfg->cert[SNP_SIM_ASK].serial, asvk = cfg->cert[SNP_SIM_ASVK].serial;
    const uint64_t unrelated[] = { 0x4242 };
    const int64_t from = SNP_TEST_NOW - SNP_TEST_DAY, until = SNP_TEST_NOW + 7 * SNP_TEST_DAY;
    uint8_t vcek_report[SNP_REPORT_SIZE], vlek_report[SNP_REPORT_SIZE];
    snp_test_report(vcek_report, sim, SNP_KEY_VCEK, NULL);
    snp_test_report(vlek_report, sim, SNP_KEY_VLEK, NULL);

    snp_trust *trust = trust_with_crl(sim, &ask, 1, from, until);
    EXPECT_STATUS(CONFAI_E_CERT_REVOKED,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VCEK, vcek_report, err));
    OK(sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VLEK, vlek_report, err));
    snp_trust_free(trust);

    trust = trust_with_crl(sim, &asvk, 1, from, until);
    EXPECT_STATUS(CONFAI_E_CERT_REVOKED,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VLEK, vlek_report, err));
    snp_trust_free(trust);

    trust = trust_with_crl(sim, unrelated, 1, from, until);
    snp_verified v;
    OK(sim_verify(&v, trust, sim, SNP_KEY_VCEK, vcek_report, err));
    assert_int_equal(v.not_after, until); /* the CRL's nextUpdate bounds the verdict */
    snp_trust_free(trust);
}

/* A CRL that cannot be relied on: collateral, not revocation. */
static void stale_or_forged_crl(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_MILAN];
    snp_sim *foreign = snp_test_sim_new(fx.foreign, SNP_PRODUCT_MILAN, NULL);
    const uint64_t serial = 0x4242;
    uint8_t report[SNP_REPORT_SIZE];
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);

    snp_trust *trust = trust_with_crl(sim, &serial, 1, SNP_TEST_NOW - 30 * SNP_TEST_DAY,
                                      SNP_TEST_NOW - SNP_TEST_DAY);
    EXPECT_STATUS(CONFAI_E_COLLATERAL,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VCEK, report, err));
    snp_trust_free(trust);
    /* named as from ARK-Milan, signed by another key */
    trust = trust_with_crl(foreign, &serial, 1, SNP_TEST_NOW - SNP_TEST_DAY,
                           SNP_TEST_NOW + SNP_TEST_DAY);
    EXPECT_STATUS(CONFAI_E_COLLATERAL,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VCEK, report, err));
    snp_trust_free(trust);
    snp_sim_free(foreign);

    snp_trust *t = vendor_trust();
    const uint8_t not_a_crl[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    EXPECT_STATUS(CONFAI_E_MALFORMED, snp_trust_add_crl(t, not_a_crl, sizeof(not_a_crl), err));
    snp_trust_free(t);
}

static void snp_plus_one(snp_report *r)
{
    r->reported_tcb_raw += 1ull << 48; /* Milan's snp byte */
}
static void vcek_other_ucode(snp_sim_config *cfg)
{
    cfg->vcek.tcb.microcode++;
}
static void reserved_tcb_byte(snp_report *r)
{
    r->reported_tcb_raw |= 1ull << 24;
}
static void turin_fmc_plus_one(snp_report *r)
{
    r->reported_tcb_raw += 1; /* Turin's fmc byte */
}
static void vcek_without_bl(snp_sim_config *cfg)
{
    cfg->vcek.omit |= SNP_SIM_OMIT_BL_SPL;
}
static void vcek_without_fmc(snp_sim_config *cfg)
{
    cfg->vcek.omit |= SNP_SIM_OMIT_FMC_SPL;
}

static void tcb_mismatch(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    snp_sim *milan = fx.sim[SNP_PRODUCT_MILAN];
    confai_error e = { 0 };
    snp_test_report(report, milan, SNP_KEY_VCEK, snp_plus_one);
    assert_int_equal(sim_verify(&(snp_verified){ 0 }, fx.trust, milan, SNP_KEY_VCEK, report, &e),
                     CONFAI_E_TCB_MISMATCH);
    assert_non_null(strstr(e.message, "REPORTED_TCB"));
    snp_test_report(report, milan, SNP_KEY_VCEK, reserved_tcb_byte);
    EXPECT_STATUS(CONFAI_E_TCB_MISMATCH,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, milan, SNP_KEY_VCEK, report, err));
    snp_test_report(report, milan, SNP_KEY_VLEK, snp_plus_one);
    EXPECT_STATUS(CONFAI_E_TCB_MISMATCH,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, milan, SNP_KEY_VLEK, report, err));
    snp_test_report(report, fx.sim[SNP_PRODUCT_TURIN], SNP_KEY_VCEK, turin_fmc_plus_one);
    EXPECT_STATUS(CONFAI_E_TCB_MISMATCH,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, fx.sim[SNP_PRODUCT_TURIN],
                             SNP_KEY_VCEK, report, err));

    /* the certificate side: another TCB, a missing SPL, Turin without FMC */
    struct {
        snp_product product;
        void (*edit)(snp_sim_config *);
    } certs[] = {
        { SNP_PRODUCT_GENOA, vcek_other_ucode },
        { SNP_PRODUCT_MILAN, vcek_without_bl },
        { SNP_PRODUCT_TURIN, vcek_without_fmc },
    };
    for (size_t i = 0; i < COUNT(certs); i++) {
        snp_sim *sim = sim_with(certs[i].product, certs[i].edit);
        snp_test_report(report, fx.sim[certs[i].product], SNP_KEY_VCEK, NULL);
        EXPECT_STATUS(CONFAI_E_TCB_MISMATCH, sim_verify(&(snp_verified){ 0 }, fx.trust, sim,
                                                        SNP_KEY_VCEK, report, err));
        snp_sim_free(sim);
    }
}

static void other_chip(snp_report *r)
{
    r->chip_id[17] ^= 0x10;
}
static void turin_chip_tail(snp_report *r)
{
    r->chip_id[40] = 1;
}
static void vcek_without_hwid(snp_sim_config *cfg)
{
    cfg->vcek.hwid_len = 0;
}
static void milan_vcek_short_hwid(snp_sim_config *cfg)
{
    cfg->vcek.hwid_len = 8;
}

static void hwid_mismatch(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    confai_error e = { 0 };
    snp_sim *milan = fx.sim[SNP_PRODUCT_MILAN];
    snp_test_report(report, milan, SNP_KEY_VCEK, other_chip);
    assert_int_equal(sim_verify(&(snp_verified){ 0 }, fx.trust, milan, SNP_KEY_VCEK, report, &e),
                     CONFAI_E_TCB_MISMATCH);
    assert_non_null(strstr(e.message, "CHIP_ID"));
    snp_test_report(report, fx.sim[SNP_PRODUCT_TURIN], SNP_KEY_VCEK, turin_chip_tail);
    EXPECT_STATUS(CONFAI_E_TCB_MISMATCH,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, fx.sim[SNP_PRODUCT_TURIN],
                             SNP_KEY_VCEK, report, err));
    /* a VLEK has no hwID: the chip id is not compared */
    snp_test_report(report, milan, SNP_KEY_VLEK, other_chip);
    OK(sim_verify(&(snp_verified){ 0 }, fx.trust, milan, SNP_KEY_VLEK, report, err));

    void (*edits[])(snp_sim_config *) = { vcek_without_hwid, milan_vcek_short_hwid };
    for (size_t i = 0; i < COUNT(edits); i++) {
        snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, edits[i]);
        snp_test_report(report, milan, SNP_KEY_VCEK, NULL);
        EXPECT_STATUS(CONFAI_E_TCB_MISMATCH, sim_verify(&(snp_verified){ 0 }, fx.trust, sim,
                                                        SNP_KEY_VCEK, report, err));
        snp_sim_free(sim);
    }
}

static void vcek_says_genoa(snp_sim_config *cfg)
{
    snprintf(cfg->vcek.product_name, sizeof(cfg->vcek.product_name), "Genoa");
}
static void vcek_without_product(snp_sim_config *cfg)
{
    cfg->vcek.product_name[0] = '\0';
}
static void ask_says_genoa(snp_sim_config *cfg)
{
    snprintf(cfg->cert[SNP_SIM_ASK].common_name, 64, "SEV-Genoa");
}
static void cpuid_genoa(snp_report *r)
{
    r->cpuid_mod_id = 0x11;
}
static void cpuid_unknown(snp_report *r)
{
    r->cpuid_fam_id = 0x17;
}

static void product_mismatch(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    confai_error e = { 0 };
    snp_sim *milan = fx.sim[SNP_PRODUCT_MILAN];
    void (*edits[])(snp_sim_config *) = { vcek_says_genoa, vcek_without_product,
                                          ask_says_genoa };
    for (size_t i = 0; i < COUNT(edits); i++) {
        snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, edits[i]);
        snp_test_report(report, milan, SNP_KEY_VCEK, NULL);
        EXPECT_STATUS(CONFAI_E_TCB_MISMATCH, sim_verify(&(snp_verified){ 0 }, fx.trust, sim,
                                                        SNP_KEY_VCEK, report, err));
        snp_sim_free(sim);
    }
    snp_test_report(report, milan, SNP_KEY_VCEK, cpuid_genoa);
    assert_int_equal(sim_verify(&(snp_verified){ 0 }, fx.trust, milan, SNP_KEY_VCEK, report, &e),
                     CONFAI_E_TCB_MISMATCH);
    assert_non_null(strstr(e.message, "CPUID"));
    snp_test_report(report, milan, SNP_KEY_VCEK, cpuid_unknown);
    EXPECT_STATUS(CONFAI_E_TCB_MISMATCH,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, milan, SNP_KEY_VCEK, report, err));
}

static void venice(snp_sim_config *cfg)
{
    snprintf(cfg->cert[SNP_SIM_ARK].common_name, 64, "ARK-Venice");
    snprintf(cfg->cert[SNP_SIM_ASK].common_name, 64, "SEV-Venice");
}

static void unsupported_product(void **state)
{
    (void)state;
    snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, venice);
    snp_trust *trust = vendor_trust();
    size_t len;
    const uint8_t *ark = snp_sim_cert(sim, SNP_SIM_ARK, &len);
    uint8_t report[SNP_REPORT_SIZE];
    OK(snp_trust_add_root(trust, ark, len, err));
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    EXPECT_STATUS(CONFAI_E_UNSUPPORTED,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VCEK, report, err));
    snp_trust_free(trust);
    snp_sim_free(sim);
}

static void signing_key_mismatch(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_GENOA];
    uint8_t report[SNP_REPORT_SIZE];
    snp_report fields;
    confai_error e = { 0 };
    /* FLAGS say VLEK, the VCEK signed, the VCEK chain comes along */
    snp_sim_report_template(sim, &fields, SNP_KEY_VCEK);
    fields.signing_key = SNP_KEY_VLEK;
    OK(snp_sim_sign_report(sim, report, &fields, SNP_KEY_VCEK, err));
    assert_int_equal(sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VCEK, report, &e),
                     CONFAI_E_TCB_MISMATCH);
    assert_non_null(strstr(e.message, "SIGNING_KEY"));
    /* FLAGS say VCEK, the VLEK signed, the VLEK chain comes along */
    snp_sim_report_template(sim, &fields, SNP_KEY_VLEK);
    fields.signing_key = SNP_KEY_VCEK;
    OK(snp_sim_sign_report(sim, report, &fields, SNP_KEY_VLEK, err));
    EXPECT_STATUS(CONFAI_E_TCB_MISMATCH,
                  sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VLEK, report, err));
}

static void hwid_wrapped(snp_sim_config *cfg)
{
    cfg->vcek.malform |= SNP_SIM_MALFORM_HWID_WRAPPED;
}
static void spl_not_integer(snp_sim_config *cfg)
{
    cfg->vcek.malform |= SNP_SIM_MALFORM_SPL_NOT_INTEGER;
}
static void spl_twice(snp_sim_config *cfg)
{
    cfg->vcek.malform |= SNP_SIM_MALFORM_DUPLICATE_SPL;
}

static void malformed_extensions(void **state)
{
    (void)state;
    void (*edits[])(snp_sim_config *) = { hwid_wrapped, spl_not_integer, spl_twice };
    uint8_t report[SNP_REPORT_SIZE];
    snp_test_report(report, fx.sim[SNP_PRODUCT_MILAN], SNP_KEY_VCEK, NULL);
    for (size_t i = 0; i < COUNT(edits); i++) {
        snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, edits[i]);
        confai_error e = { 0 };
        assert_int_equal(sim_verify(&(snp_verified){ 0 }, fx.trust, sim, SNP_KEY_VCEK, report,
                                    &e),
                         CONFAI_E_MALFORMED);
        assert_non_null(strstr(e.message, "1.3.6.1.4.1.3704.1."));
        snp_sim_free(sim);
    }
}

/* Parse statuses come through snp_verify unchanged. */
static void malformed_reports(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_MILAN];
    uint8_t report[SNP_REPORT_SIZE + 1];
    const uint8_t *certs[3];
    size_t lens[3];
    snp_sim_chain(sim, SNP_KEY_VCEK, certs, lens);
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    report[SNP_REPORT_SIZE] = 0;
    EXPECT_STATUS(CONFAI_E_TRUNCATED, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                 SNP_REPORT_SIZE - 1, certs, lens, 3,
                                                 SNP_TEST_NOW, err));
    EXPECT_STATUS(CONFAI_E_TRAILING_DATA, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL,
                                                     report, SNP_REPORT_SIZE + 1, certs, lens,
                                                     3, SNP_TEST_NOW, err));
    EXPECT_STATUS(CONFAI_E_TRUNCATED, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, NULL, 0,
                                                 certs, lens, 3, SNP_TEST_NOW, err));
    /* signed, but a version nobody supports */
    report[0] = 4;
    OK(snp_sim_sign_bytes(sim, report, SNP_KEY_VCEK, err));
    EXPECT_STATUS(CONFAI_E_UNSUPPORTED, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                   SNP_REPORT_SIZE, certs, lens, 3,
                                                   SNP_TEST_NOW, err));
    /* signed, but with a reserved byte set */
    report[0] = 5;
    report[0x250] = 1;
    OK(snp_sim_sign_bytes(sim, report, SNP_KEY_VCEK, err));
    EXPECT_STATUS(CONFAI_E_MALFORMED, snp_verify(&(snp_verified){ 0 }, fx.trust, NULL, report,
                                                 SNP_REPORT_SIZE, certs, lens, 3, SNP_TEST_NOW,
                                                 err));
    EXPECT_STATUS(CONFAI_E_ARGUMENT, snp_verify(NULL, fx.trust, NULL, report, SNP_REPORT_SIZE,
                                                certs, lens, 3, SNP_TEST_NOW, err));
    EXPECT_STATUS(CONFAI_E_ARGUMENT, snp_verify(&(snp_verified){ 0 }, NULL, NULL, report,
                                                SNP_REPORT_SIZE, certs, lens, 3, SNP_TEST_NOW,
                                                err));
}

/* Custom roots: only self-signed CA certificates. */
static void custom_roots(void **state)
{
    (void)state;
    snp_trust *trust = vendor_trust();
    size_t len;
    const uint8_t *ask = snp_sim_cert(fx.sim[SNP_PRODUCT_MILAN], SNP_SIM_ASK, &len);
    EXPECT_STATUS(CONFAI_E_CERT_CHAIN, snp_trust_add_root(trust, ask, len, err));
    const uint8_t *ark = snp_sim_cert(fx.sim[SNP_PRODUCT_MILAN], SNP_SIM_ARK, &len);
    EXPECT_STATUS(CONFAI_E_MALFORMED, snp_trust_add_root(trust, ark, len - 1, err));
    OK(snp_trust_add_root(trust, ark, len, err));
    OK(snp_trust_add_root(trust, ark, len, err)); /* again: a no-op */
    snp_trust_free(trust);
    snp_trust_free(NULL);
    snp_chain_cache_free(NULL);
}

int main(void)
{
    const struct CMUnitTest real[] = {
        cmocka_unit_test(pins_match_amd_arks),
        cmocka_unit_test(real_reports_verify),
        cmocka_unit_test(real_report_fields),
        cmocka_unit_test(real_reports_reject_every_flipped_byte),
        cmocka_unit_test(real_reports_reject_other_vcek),
        cmocka_unit_test(real_certificates_expire),
        cmocka_unit_test(real_chain_incomplete),
        cmocka_unit_test(synthetic_invalid_vceks),
    };
    const struct CMUnitTest simulated[] = {
        cmocka_unit_test(sim_reports_verify),
        cmocka_unit_test(sim_turin_layout),
        cmocka_unit_test(sim_ark_left_out),
        cmocka_unit_test(sim_masked_chip_id),
        cmocka_unit_test(cache_keeps_time_and_trust),
        cmocka_unit_test(bad_signature),
        cmocka_unit_test(broken_chain),
        cmocka_unit_test(leaf_with_other_name),
        cmocka_unit_test(unknown_root),
        cmocka_unit_test(expired_certificates),
        cmocka_unit_test(revoked),
        cmocka_unit_test(stale_or_forged_crl),
        cmocka_unit_test(tcb_mismatch),
        cmocka_unit_test(hwid_mismatch),
        cmocka_unit_test(product_mismatch),
        cmocka_unit_test(unsupported_product),
        cmocka_unit_test(signing_key_mismatch),
        cmocka_unit_test(malformed_extensions),
        cmocka_unit_test(malformed_reports),
        cmocka_unit_test(custom_roots),
    };
    int failed = cmocka_run_group_tests_name("sev_snp real evidence", real, NULL, NULL);
    failed += cmocka_run_group_tests_name("sev_snp simulated platform", simulated,
                                          fixture_setup, fixture_teardown);
    return failed;
}
