/*
 * Out-of-memory paths: every allocation the library and OpenSSL make goes
 * through OpenSSL's allocator, so failing the n-th one for n = 0, 1, 2, ...
 * walks every allocation failure of a whole HPKE exchange. Each run must
 * fail cleanly (a status, no crash, no leak under ASan/valgrind) or succeed
 * completely; never a partial success.
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


static const uint8_t message[] = "out of memory, but never out of secrecy";

/* One complete exchange in a suite; returns the first failing status. */
static confai_status exchange(const confai_hpke_suite *suite)
{
    confai_status st;
    confai_hpke_key *key = NULL;
    confai_hpke_ctx *s = NULL, *r = NULL;
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE], enc[CONFAI_HPKE_MAX_ENC_SIZE];
    uint8_t ct[sizeof(message) + CONFAI_HPKE_TAG_SIZE], pt[sizeof(message)];
    uint8_t exp_s[32], exp_r[32];
    size_t pk_len = sizeof(pk), enc_len = sizeof(enc), ct_len = sizeof(ct),
           pt_len = sizeof(pt);

    if ((st = confai_hpke_key_generate(&key, suite->kem_id, NULL)) != CONFAI_OK
        || (st = confai_hpke_key_public(key, pk, &pk_len, NULL)) != CONFAI_OK
        || (st = confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, suite, NULL)) != CONFAI_OK
        || (st = confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, suite, NULL)) != CONFAI_OK
        || (st = confai_hpke_sender_setup(s, enc, &enc_len, pk, pk_len, NULL, 0, NULL)) != CONFAI_OK
        || (st = confai_hpke_recipient_setup(r, key, enc, enc_len, NULL, 0, NULL)) != CONFAI_OK
        || (st = confai_hpke_seal(s, ct, &ct_len, NULL, 0, message, sizeof(message), NULL)) != CONFAI_OK
        || (st = confai_hpke_open(r, pt, &pt_len, NULL, 0, ct, ct_len, NULL)) != CONFAI_OK
        || (st = confai_hpke_export(s, exp_s, sizeof(exp_s), NULL, 0, NULL)) != CONFAI_OK
        || (st = confai_hpke_export(r, exp_r, sizeof(exp_r), NULL, 0, NULL)) != CONFAI_OK)
        goto out;
    /* success is complete success */
    assert_int_equal(pt_len, sizeof(message));
    assert_memory_equal(pt, message, sizeof(message));
    assert_memory_equal(exp_s, exp_r, sizeof(exp_s));
out:
    confai_hpke_ctx_free(s);
    confai_hpke_ctx_free(r);
    confai_hpke_key_free(key);
    return st;
}

static void walk_allocation_failures(const confai_hpke_suite *suite)
{
    /* warm up OpenSSL's one-time initialisation with nothing failing */
    alloc_fail_at = -1;
    assert_int_equal(exchange(suite), CONFAI_OK);
    long failures = 0;
    for (alloc_fail_at = 0;; alloc_fail_at++) {
        alloc_fail_count = 0;
        confai_status st = exchange(suite);
        if (alloc_fail_count <= alloc_fail_at) {
            /* no allocation was failed: the exchange ran to its end */
            assert_int_equal(st, CONFAI_OK);
            break;
        }
        if (st != CONFAI_OK)
            failures++;
        assert_true(alloc_fail_at < 100000);
    }
    alloc_fail_at = -1;
    printf("suite 0x%04x/0x%04x/0x%04x: %ld allocation points, %ld failed cleanly\n",
           suite->kem_id, suite->kdf_id, suite->aead_id, (long)alloc_fail_count, failures);
    assert_true(failures > 0);
}

static void x25519_exchange_survives_every_allocation_failure(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    walk_allocation_failures(&suite);
}

static void p256_exchange_survives_every_allocation_failure(void **state)
{
    (void)state;
    confai_hpke_suite suite = { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256,
                                CONFAI_HPKE_AEAD_CHACHA20_POLY1305 };
    walk_allocation_failures(&suite);
}

int main(void)
{
    /* must come before OpenSSL allocates anything */
    if (!alloc_fail_install()) {
        fprintf(stderr, "cannot install allocation hooks\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(x25519_exchange_survives_every_allocation_failure),
        cmocka_unit_test(p256_exchange_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
