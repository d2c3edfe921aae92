/*
 * Out-of-memory paths of the SEV-SNP verifier: every allocation that goes
 * through OpenSSL's allocator (the library's own and OpenSSL's) is failed in
 * turn while a trust is built and a report is verified cold (chain, CRL,
 * extensions, signature) and then warm through a chain cache. Each run must
 * fail cleanly (a status and a message, nothing in *out, no crash, no leak
 * under ASan/valgrind) or succeed completely. Evidence that must be rejected
 * (a revoked ASK, a bad signature) is rejected under every failure: running
 * out of memory never turns a rejection into an acceptance.
 *
 * Natively every allocation is failed once; under valgrind every 97th (see
 * stride()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc_fail.h"

#include <openssl/crypto.h>

#include <confai/confai.h>

#include "snp_test_helpers.h"


/* The platform and evidence, made with nothing failing. */
static struct {
    snp_sim_keys *keys;
    snp_sim *sim;
    uint8_t report[SNP_REPORT_SIZE];
    uint8_t bad_report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    uint8_t crl[4096], revoking_crl[4096];
    size_t crl_len, revoking_crl_len;
} ev;

static int setup(void **state)
{
    (void)state;
    const uint64_t unrelated = 0x4242;
    ev.keys = snp_test_keys_new(0);
    ev.sim = snp_test_sim_new(ev.keys, SNP_PRODUCT_MILAN, NULL);
    snp_test_report(ev.report, ev.sim, SNP_KEY_VCEK, NULL);
    memcpy(ev.bad_report, ev.report, SNP_REPORT_SIZE);
    ev.bad_report[0x90] ^= 1;
    snp_sim_chain(ev.sim, SNP_KEY_VCEK, ev.certs, ev.lens);
    uint64_t ask = snp_sim_get_config(ev.sim)->cert[SNP_SIM_ASK].serial;
    ev.crl_len = sizeof(ev.crl);
    ev.revoking_crl_len = sizeof(ev.revoking_crl);
    assert_int_equal(snp_sim_crl(ev.sim, ev.crl, &ev.crl_len, &unrelated, 1,
                                 SNP_TEST_NOW - SNP_TEST_DAY, SNP_TEST_NOW + SNP_TEST_DAY, NULL),
                     CONFAI_OK);
    assert_int_equal(snp_sim_crl(ev.sim, ev.revoking_crl, &ev.revoking_crl_len, &ask, 1,
                                 SNP_TEST_NOW - SNP_TEST_DAY, SNP_TEST_NOW + SNP_TEST_DAY, NULL),
                     CONFAI_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    snp_sim_free(ev.sim);
    snp_sim_keys_free(ev.keys);
    return 0;
}

/* A trust with the simulated root and one CRL; the first failing status. */
static confai_status make_trust(snp_trust **trust, const uint8_t *crl, size_t crl_len)
{
    size_t len;
    const uint8_t *ark = snp_sim_cert(ev.sim, SNP_SIM_ARK, &len);
    confai_status st = snp_trust_new(trust, NULL);
    if (st == CONFAI_OK)
        st = snp_trust_add_root(*trust, ark, len, NULL);
    if (st == CONFAI_OK)
        st = snp_trust_add_crl(*trust, crl, crl_len, NULL);
    return st;
}

static const snp_verified zero_verified;

/* One verification; a failure must be clean. */
static confai_status verify_once(const snp_trust *trust, snp_chain_cache *cache,
                                 const uint8_t *report)
{
    snp_verified v;
    confai_error err = { 0 };
    confai_status st = snp_verify(&v, trust, cache, report, SNP_REPORT_SIZE, ev.certs, ev.lens,
                                  3, SNP_TEST_NOW, &err);
    if (st != CONFAI_OK) {
        assert_true(err.message[0] != '\0');
        assert_memory_equal(&v, &zero_verified, sizeof(v));
    } else {
        assert_int_equal(v.report.product, SNP_PRODUCT_MILAN);
        assert_int_equal(v.root_kind, SNP_ROOT_CUSTOM);
    }
    return st;
}

/* Trust, cold verification, cache, warm verification: the first failure. */
static confai_status good_run(void)
{
    snp_trust *trust = NULL;
    snp_chain_cache *cache = NULL;
    confai_status st = make_trust(&trust, ev.crl, ev.crl_len);
    if (st == CONFAI_OK)
        st = snp_chain_cache_new(&cache, NULL);
    if (st == CONFAI_OK)
        st = verify_once(trust, cache, ev.report); /* cold, then stored */
    if (st == CONFAI_OK)
        st = verify_once(trust, cache, ev.report); /* warm */
    snp_chain_cache_free(cache);
    snp_trust_free(trust);
    return st;
}

/* Evidence that must fail: returns the status of its verification. */
static confai_status bad_run(const uint8_t *crl, size_t crl_len, const uint8_t *report)
{
    snp_trust *trust = NULL;
    confai_status st = make_trust(&trust, crl, crl_len);
    if (st == CONFAI_OK) {
        st = verify_once(trust, NULL, report);
        assert_int_not_equal(st, CONFAI_OK);
    }
    snp_trust_free(trust);
    return st;
}

/*
 * Every allocation by default; every 97th under valgrind (some 30 times
 * slower: valgrind preloads its vgpreload libraries into the program) or as
 * CONFAI_SNP_ALLOC_STRIDE says.
 */
static long stride(void)
{
    const char *env = getenv("CONFAI_SNP_ALLOC_STRIDE");
    const char *preload = getenv("LD_PRELOAD");
    if (env != NULL && atol(env) > 0)
        return atol(env);
    return preload != NULL && strstr(preload, "vgpreload") != NULL ? 97 : 1;
}

typedef confai_status (*run_fn)(void);

/* Fails allocation 0, k, 2k, ... until a run completes without reaching it. */
static void walk(const char *name, run_fn run, confai_status complete)
{
    alloc_fail_at = -1;
    assert_int_equal(run(), complete); /* warms up OpenSSL's one-time init */
    long failures = 0, step = stride();
    for (alloc_fail_at = 0;; alloc_fail_at += step) {
        alloc_fail_count = 0;
        confai_status st = run();
        if (alloc_fail_count <= alloc_fail_at) {
            assert_int_equal(st, complete); /* nothing failed: the whole run */
            break;
        }
        if (st != complete)
            failures++;
        assert_true(alloc_fail_at < 1000000);
    }
    printf("  %s: %ld allocation points, %ld runs failed cleanly (every %ld)\n", name,
           alloc_fail_count, failures, step);
    alloc_fail_at = -1;
    assert_true(failures > 0);
}

static confai_status revoked_run(void)
{
    return bad_run(ev.revoking_crl, ev.revoking_crl_len, ev.report);
}

static confai_status bad_signature_run(void)
{
    return bad_run(ev.crl, ev.crl_len, ev.bad_report);
}

static void good_evidence_fails_cleanly(void **state)
{
    (void)state;
    walk("valid report, cold then warm", good_run, CONFAI_OK);
}

static void revoked_chain_never_passes(void **state)
{
    (void)state;
    walk("revoked ASK", revoked_run, CONFAI_E_CERT_REVOKED);
}

static void bad_signature_never_passes(void **state)
{
    (void)state;
    walk("bad signature", bad_signature_run, CONFAI_E_BAD_SIGNATURE);
}

int main(void)
{
    /* must come before OpenSSL allocates anything */
    if (!alloc_fail_install()) {
        fprintf(stderr, "cannot install allocation hooks\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_evidence_fails_cleanly),
        cmocka_unit_test(revoked_chain_never_passes),
        cmocka_unit_test(bad_signature_never_passes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
