/*
 * Fuzz target: SEV-SNP attestation reports, parsed and verified.
 *
 * Input: the report bytes, any length.
 *
 * The bytes are parsed (snp_report_parse) and verified (snp_verify) against
 * fixed simulated platforms: the test keys of tests/common, default
 * configurations at a fixed time, one platform per product, the chain picked
 * by the report's SIGNING_KEY and by which platform's TCB it reports. The
 * seeds (corpus/snp_report, written by test_snp_sim with
 * CONFAI_SNP_SEED_DIR) are reports these platforms accept.
 *
 * Checked beyond "no crash, no out-of-bounds access": every failure is one
 * of the documented statuses with a message; a report that parses encodes
 * back to exactly its bytes; snp_verify fails with the parse status when
 * parsing fails; an accepted report has a product, the chain's key kind and
 * the platform's TCB.
 */
#include <string.h>

#include "fuzz.h"

#include "attest/snp/snp.h"
#include "sim/snp_sim.h"
#include "../common/snp_sim_test_keys.h"

#define FUZZ_NOW INT64_C(1767225600) /* SNP_TEST_NOW of the unit tests */

/* The fixed platforms, made on the first input; the harness may keep state. */
static struct {
    snp_sim_keys *keys;
    snp_sim *sim[4]; /* by product */
    snp_trust *trust;
    snp_chain_cache *cache;
} fx;

static void platforms_free(void)
{
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++)
        snp_sim_free(fx.sim[p]);
    snp_trust_free(fx.trust);
    snp_chain_cache_free(fx.cache);
    snp_sim_keys_free(fx.keys);
}

static void platforms_init(void)
{
    if (fx.keys != NULL)
        return;
    FUZZ_CHECK(snp_sim_keys_import(&fx.keys, snp_test_keys, NULL) == CONFAI_OK);
    FUZZ_CHECK(snp_trust_new(&fx.trust, NULL) == CONFAI_OK);
    FUZZ_CHECK(snp_chain_cache_new(&fx.cache, NULL) == CONFAI_OK);
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        snp_sim_config cfg;
        size_t len;
        snp_sim_config_default(&cfg, (snp_product)p, FUZZ_NOW);
        FUZZ_CHECK(snp_sim_new(&fx.sim[p], fx.keys, &cfg, NULL) == CONFAI_OK);
        const uint8_t *ark = snp_sim_cert(fx.sim[p], SNP_SIM_ARK, &len);
        FUZZ_CHECK(snp_trust_add_root(fx.trust, ark, len, NULL) == CONFAI_OK);
    }
    atexit(platforms_free);
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The platform whose TCB the report claims; else its CPUID's; else Milan. */
static snp_product pick_product(const uint8_t *data, size_t size)
{
    if (size < 0x18B)
        return SNP_PRODUCT_MILAN;
    uint64_t reported = le64(data + 0x180);
    for (int p = SNP_PRODUCT_MILAN; p <= SNP_PRODUCT_TURIN; p++) {
        const snp_sim_config *cfg = snp_sim_get_config(fx.sim[p]);
        if (snp_tcb_encode(&cfg->vcek.tcb, (snp_product)p) == reported)
            return (snp_product)p;
    }
    snp_product cpu = snp_product_from_cpuid(data[0x188], data[0x189]);
    return cpu != SNP_PRODUCT_UNKNOWN ? cpu : SNP_PRODUCT_MILAN;
}

static int documented(confai_status s)
{
    switch (s) {
    case CONFAI_OK:
    case CONFAI_E_TRUNCATED:
    case CONFAI_E_TRAILING_DATA:
    case CONFAI_E_UNSUPPORTED:
    case CONFAI_E_MALFORMED:
    case CONFAI_E_BAD_SIGNATURE:
    case CONFAI_E_TCB_MISMATCH:
        return 1;
    default:
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    platforms_init();
    /* an exact-size copy, so that reads past the input are seen */
    uint8_t *bytes = fuzz_alloc(size);
    if (size > 0)
        memcpy(bytes, data, size);

    snp_report parsed;
    confai_error perr = { 0 };
    confai_status ps = snp_report_parse(&parsed, bytes, size, &perr);
    FUZZ_CHECK(documented(ps) && ps != CONFAI_E_BAD_SIGNATURE && ps != CONFAI_E_TCB_MISMATCH);
    FUZZ_CHECK(ps == CONFAI_OK || perr.message[0] != '\0');
    if (ps == CONFAI_OK) {
        uint8_t again[SNP_REPORT_SIZE];
        snp_report_encode(again, &parsed);
        FUZZ_CHECK(size == SNP_REPORT_SIZE && memcmp(again, bytes, size) == 0);
    }

    snp_signing_key kind =
        size > 0x48 && ((bytes[0x48] >> SNP_FLAG_SIGNING_KEY_SHIFT) & 7) == SNP_KEY_VLEK
            ? SNP_KEY_VLEK
            : SNP_KEY_VCEK;
    snp_product product = pick_product(bytes, size);
    const uint8_t *certs[3];
    size_t lens[3];
    snp_sim_chain(fx.sim[product], kind, certs, lens);
    snp_verified v;
    confai_error verr = { 0 };
    confai_status vs = snp_verify(&v, fx.trust, fx.cache, bytes, size, certs, lens, 3,
                                  FUZZ_NOW, &verr);
    FUZZ_CHECK(documented(vs));
    FUZZ_CHECK(vs == CONFAI_OK || verr.message[0] != '\0');
    if (ps != CONFAI_OK)
        FUZZ_CHECK(vs == ps);
    if (vs == CONFAI_OK) {
        const snp_sim_config *cfg = snp_sim_get_config(fx.sim[product]);
        const snp_sim_ext_params *ext = kind == SNP_KEY_VLEK ? &cfg->vlek : &cfg->vcek;
        FUZZ_CHECK(ps == CONFAI_OK);
        FUZZ_CHECK(v.report.product == product);
        FUZZ_CHECK(v.report.signing_key == kind);
        FUZZ_CHECK(v.report.reported_tcb_raw == snp_tcb_encode(&ext->tcb, product));
        FUZZ_CHECK(v.root_kind == SNP_ROOT_CUSTOM);
    }
    free(bytes);
    return 0;
}
