/*
 * Out-of-memory paths of the attestation layer: every allocation that goes
 * through OpenSSL's allocator (the library's own and OpenSSL's) is failed in
 * turn while a policy is made, a bundle verified and its verdict written as
 * JSON. Each run must fail cleanly (a status, no verdict, no crash, no leak
 * under ASan/valgrind) or succeed completely; never a partial success.
 * cJSON allocates with malloc and is not covered.
 *
 * Three walks: making a policy; verifying with a warm chain cache and
 * writing the JSON (report signature, binding, policy checks, key config,
 * verdict; the cold chain checks are the SNP layer's and its tests walk
 * them); and, sampled, making a policy with a custom root.
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

#include "attest_fixture.h"


typedef struct walk_input {
    const char *policy_json;
    size_t policy_len;
    const confai_policy *policy; /* made once, for the verification walk */
    const char *bundle;
    size_t bundle_len;
    const uint8_t *nonce;
    confai_verify_cache *cache;
} walk_input;

/* Makes a policy: CONFAI_OK and a handle, or a status and none. */
static confai_status make_policy(const walk_input *in)
{
    confai_policy *p = (confai_policy *)1;
    confai_status st = confai_policy_new(&p, in->policy_json, in->policy_len, NULL);
    if (st != CONFAI_OK)
        assert_null(p);
    confai_policy_free(st == CONFAI_OK ? p : NULL);
    return st;
}

/* Verifies and writes the verdict as JSON: never a partial result. */
static confai_status verify(const walk_input *in)
{
    confai_verdict *v = (confai_verdict *)1;
    char *json = NULL;
    confai_verify_options o;
    assert_int_equal(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL),
                     CONFAI_OK);
    o.verify_time = FX_NOW;
    o.cache = in->cache;
    confai_status st = confai_attestation_verify(&v, in->policy, &o, in->nonce, in->bundle,
                                                 in->bundle_len, NULL);
    if (st != CONFAI_OK) {
        assert_null(v);
        return st;
    }
    st = confai_verdict_json(v, &json, NULL, NULL);
    if (st == CONFAI_OK)
        assert_non_null(strstr(json, "\"result\":\"accepted\""));
    else
        assert_null(json);
    confai_free(json);
    confai_verdict_free(v);
    return st;
}

/*
 * Fails allocation points 0, stride, 2 * stride, ... of step(in) until a
 * run makes fewer alloc_fail_count than the point: then it must have succeeded.
 */
static void walk(const char *what, confai_status (*step)(const walk_input *),
                 const walk_input *in, long stride)
{
    alloc_fail_at = -1;
    assert_int_equal(step(in), CONFAI_OK); /* warm up one-time initialisation */
    long failures = 0;
    for (alloc_fail_at = 0;; alloc_fail_at += stride) {
        alloc_fail_count = 0;
        confai_status st = step(in);
        if (alloc_fail_count <= alloc_fail_at) {
            assert_int_equal(st, CONFAI_OK);
            break;
        }
        if (st != CONFAI_OK)
            failures++;
        assert_true(alloc_fail_at < 200000);
    }
    alloc_fail_at = -1;
    printf("%s: %ld allocation points (every %ld. failed), %ld failed cleanly\n", what,
           alloc_fail_count, stride, failures);
    assert_true(failures > 0);
}

static void every_allocation_failure_is_clean(void **state)
{
    (void)state;
    fx f;
    fx_setup(&f, SNP_PRODUCT_GENOA);
    cJSON *doc = fx_policy_doc(&f);
    char *with_root = cJSON_PrintUnformatted(doc);
    cJSON_DeleteItemFromObject(fx_snp(doc), "custom_roots");
    char *without_root = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    size_t bundle_len = 0;
    char *text = fx_bundle(&f, &bundle_len);
    confai_verify_cache *cache = NULL;
    assert_int_equal(confai_verify_cache_new(&cache, NULL), CONFAI_OK);
    confai_policy *policy = NULL;
    assert_int_equal(confai_policy_new(&policy, with_root, strlen(with_root), NULL), CONFAI_OK);

    walk_input in = { without_root, strlen(without_root), policy, text, bundle_len, f.nonce,
                      cache };
    walk("policy", make_policy, &in, 1);
    walk("verification (warm cache) and JSON", verify, &in, 1);
    /*
     * A custom root costs thousands of alloc_fail_count inside OpenSSL's
     * certificate parsing; a sample of them reaches our error paths.
     */
    in.policy_json = with_root;
    in.policy_len = strlen(with_root);
    walk("policy with a custom root", make_policy, &in, 61);

    confai_policy_free(policy);
    confai_verify_cache_free(cache);
    confai_free(text);
    cJSON_free(with_root);
    cJSON_free(without_root);
    fx_teardown(&f);
}

int main(void)
{
    /* must come before OpenSSL allocates anything */
    if (!alloc_fail_install()) {
        fprintf(stderr, "cannot install allocation hooks\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_failure_is_clean),
    };
    return cmocka_run_group_tests_name("attest_alloc_fail", tests, NULL, NULL);
}
