/*
 * src/attest/snp_verify.c with snp_certs.c, snp_extensions.c and snp_cache.c on
 * the simulated platform (src/sim/snp_sim.c): reports of every version,
 * product and key kind verify; then one rejection test per check, each with
 * its own status. The real reports of the shared vectors are in
 * test_snp_verify_vectors.c.
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

#include "attest/snp/snp_internal.h"
#include "snp_test_helpers.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define OK(call) EXPECT_STATUS(CONFAI_OK, call)

/* --- the simulated platform: accepting ----------------------------------------------- */

typedef struct fixture {
    snp_sim_keys *keys;
    snp_sim_keys *foreign_keys; /* the same keys in other roles */
    snp_sim *sim[4];            /* by product, default configuration */
    snp_sim *scratch[4];        /* by product, reconfigured by tests */
    snp_sim *foreign;           /* Milan, an unrelated hierarchy */
    snp_trust *trust;           /* the three simulated ARKs as custom roots */
} fixture;

static fixture fx;

static int fixture_setup(void **state)
{
    (void)state;
    size_t len;
    fx.keys = snp_test_keys_new(0);
    fx.foreign_keys = snp_test_keys_new(1);
    fx.trust = snp_test_trust();
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        fx.sim[p] = snp_test_sim_new(fx.keys, (snp_product)p, NULL);
        fx.scratch[p] = snp_test_sim_new(fx.keys, (snp_product)p, NULL);
        const uint8_t *ark = snp_sim_cert(fx.sim[p], SNP_SIM_ARK, &len);
        assert_int_equal(snp_trust_add_root(fx.trust, ark, len, NULL), CONFAI_OK);
    }
    fx.foreign = snp_test_sim_new(fx.foreign_keys, SNP_PRODUCT_MILAN, NULL);
    return 0;
}

static int fixture_teardown(void **state)
{
    (void)state;
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        snp_sim_free(fx.sim[p]);
        snp_sim_free(fx.scratch[p]);
    }
    snp_sim_free(fx.foreign);
    snp_trust_free(fx.trust);
    snp_sim_keys_free(fx.keys);
    snp_sim_keys_free(fx.foreign_keys);
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
    snp_trust *empty = snp_test_trust();
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

/*
 * The product's scratch platform (same keys as fx.sim) reconfigured: the
 * default configuration changed by edit. Only the certificates the change
 * touches are issued again, which keeps RSA-4096 signing (slow under
 * valgrind) to a minimum.
 */
static snp_sim *sim_with(snp_product product, void (*edit)(snp_sim_config *))
{
    snp_sim_config cfg;
    confai_error e = { 0 };
    snp_sim_config_default(&cfg, product, SNP_TEST_NOW);
    edit(&cfg);
    if (snp_sim_reissue(fx.scratch[product], &cfg, &e) != CONFAI_OK)
        fail_msg("snp_sim_reissue: %s", e.message);
    return fx.scratch[product];
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
    snp_sim *foreign = fx.foreign;
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
}

static void unknown_root(void **state)
{
    (void)state;
    snp_sim *sim = fx.sim[SNP_PRODUCT_GENOA];
    snp_trust *empty = snp_test_trust();
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
    snp_trust *other = snp_test_trust();
    snp_sim *foreign = fx.foreign;
    size_t len;
    const uint8_t *foreign_ark = snp_sim_cert(foreign, SNP_SIM_ARK, &len);
    OK(snp_trust_add_root(other, foreign_ark, len, err));
    EXPECT_STATUS(CONFAI_E_UNKNOWN_ROOT, snp_verify(&(snp_verified){ 0 }, other, NULL, report,
                                                    sizeof(report), certs, lens, 2,
                                                    SNP_TEST_NOW, err));
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
    }
    /* a custom root that has expired itself */
    snp_sim *sim = sim_with(SNP_PRODUCT_MILAN, ark_expired);
    snp_trust *trust = snp_test_trust();
    size_t len;
    const uint8_t *ark = snp_sim_cert(sim, SNP_SIM_ARK, &len);
    OK(snp_trust_add_root(trust, ark, len, err));
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    EXPECT_STATUS(CONFAI_E_CERT_EXPIRED,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VCEK, report, err));
    snp_trust_free(trust);
}

/* A trust with the simulated Milan root and one CRL. */
static snp_trust *trust_with_crl(const snp_sim *signer, const uint64_t *serials, size_t n,
                                 int64_t this_update, int64_t next_update)
{
    snp_trust *trust = snp_test_trust();
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
    snp_sim *foreign = fx.foreign;
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

    snp_trust *t = snp_test_trust();
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
    snp_trust *trust = snp_test_trust();
    size_t len;
    const uint8_t *ark = snp_sim_cert(sim, SNP_SIM_ARK, &len);
    uint8_t report[SNP_REPORT_SIZE];
    OK(snp_trust_add_root(trust, ark, len, err));
    snp_test_report(report, sim, SNP_KEY_VCEK, NULL);
    EXPECT_STATUS(CONFAI_E_UNSUPPORTED,
                  sim_verify(&(snp_verified){ 0 }, trust, sim, SNP_KEY_VCEK, report, err));
    snp_trust_free(trust);
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
    snp_trust *trust = snp_test_trust();
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
    const struct CMUnitTest tests[] = {
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
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
