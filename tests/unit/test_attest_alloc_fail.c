/*
 * Out-of-memory paths of the attestation layer: every allocation that goes
 * through OpenSSL's allocator (the library's own and OpenSSL's) is failed in
 * turn while a policy is made, a bundle verified and its verdict written as
 * JSON. Each run must fail cleanly (a status, no verdict, no crash, no leak
 * under ASan/valgrind) or succeed completely; never a partial success.
 * cJSON allocates with malloc and is not covered.
 *
 * The chain is verified once with a cache first, so the walk covers the
 * warm path (report signature, binding, policy, verdict); the cold chain
 * checks are the SNP layer's and its tests walk them.
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

#include "attest_fixture.h"

static long allocations;
static long fail_at = -1; /* -1: never fail */

static void *counting_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (fail_at >= 0 && allocations++ == fail_at)
        return NULL;
    return malloc(n);
}

static void *counting_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (fail_at >= 0 && allocations++ == fail_at)
        return NULL;
    return realloc(p, n);
}

static void counting_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

typedef struct run_input {
    const char *policy;
    size_t policy_len;
    const char *bundle;
    size_t bundle_len;
    const uint8_t *nonce;
    confai_snp_cache *cache;
} run_input;

/* Policy, verification, JSON: the first failing status, or CONFAI_OK. */
static confai_status run(const run_input *in)
{
    confai_policy *p = NULL;
    confai_verdict *v = (confai_verdict *)1;
    char *json = NULL;
    confai_verify_options o;
    confai_status st = confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL);
    assert_int_equal(st, CONFAI_OK);
    o.verify_time = FX_NOW;
    o.snp_cache = in->cache;
    if ((st = confai_policy_new(&p, in->policy, in->policy_len, NULL)) != CONFAI_OK) {
        assert_null(p);
        return st;
    }
    st = confai_attestation_verify(&v, p, &o, in->nonce, in->bundle, in->bundle_len, NULL);
    if (st != CONFAI_OK) {
        assert_null(v);
    } else {
        st = confai_verdict_json(v, &json, NULL, NULL);
        if (st == CONFAI_OK)
            assert_non_null(strstr(json, "\"result\":\"accepted\""));
        else
            assert_null(json);
    }
    confai_free(json);
    confai_verdict_free(v);
    confai_policy_free(p);
    return st;
}

static void every_allocation_failure_is_clean(void **state)
{
    (void)state;
    fx f;
    fx_setup(&f, SNP_PRODUCT_GENOA);
    cJSON *doc = fx_policy_doc(&f);
    char *policy = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    size_t bundle_len = 0;
    char *text = fx_bundle(&f, &bundle_len);
    confai_snp_cache *cache = NULL;
    assert_int_equal(confai_snp_cache_new(&cache, NULL), CONFAI_OK);
    run_input in = { policy, strlen(policy), text, bundle_len, f.nonce, cache };

    /* Warm up OpenSSL and the cache with nothing failing. */
    assert_int_equal(run(&in), CONFAI_OK);
    long failures = 0;
    for (fail_at = 0;; fail_at++) {
        allocations = 0;
        confai_status st = run(&in);
        if (allocations <= fail_at) {
            assert_int_equal(st, CONFAI_OK);
            break;
        }
        if (st != CONFAI_OK)
            failures++;
        assert_true(fail_at < 200000);
    }
    fail_at = -1;
    printf("attestation: %ld allocation points, %ld failed cleanly\n", allocations, failures);
    assert_true(failures > 0);

    confai_snp_cache_free(cache);
    confai_free(text);
    cJSON_free(policy);
    fx_teardown(&f);
}

int main(void)
{
    /* must come before OpenSSL allocates anything */
    if (!CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free)) {
        fprintf(stderr, "cannot install allocation hooks\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_failure_is_clean),
    };
    return cmocka_run_group_tests_name("attest_alloc_fail", tests, NULL, NULL);
}
