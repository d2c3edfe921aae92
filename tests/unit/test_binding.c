/*
 * src/attest/binding.c: the key binding transcript of doc/protocol.md.
 * Known answers (computed independently, and reproduced in the worked
 * example of doc/protocol.md), the public helpers, the constant-time check
 * and its rejections, and the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "attest/binding.h"
#include "test_util.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)

/* RFC 9458 appendix A's KeyConfig. */
static const char key_config_hex[] =
    "01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003";
static const char manifest[] = "{\"model\":\"example-llm\",\"image\":\"sha256:abcd\"}";
static const char not_after[] = "2025-01-31T12:00:00Z";

static const char t_hex[] =
    "636f6e6661692f76312062696e64696e67"                                 /* label */
    "0020" "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" /* nonce */
    "002d" "01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003"
    "5b309ae6d5d8d597a0dfeddfa2f9875688ff2ca14d8db62eebc6ac21858f0a16"     /* SHA-256(manifest) */
    "0014" "323032352d30312d33315431323a30303a30305a";                     /* not_after */
static const char sha256_t_hex[] =
    "cda06c8281ec221f3eef8196b948f86084c4a5fc1289aaa48fde7b8d4f4f4d88";
static const char sha512_t_hex[] =
    "1c53de8f7543594236ff0522ec33fb9057d9f55584974a7ead8dc7e07e31b1cb"
    "6256dcf8d44e77e35ff3ab31d7f458db398d2b4c00106e339cbbab1188d8ca42";
static const char sha512_empty_manifest_hex[] =
    "d5f59f3640a720fe38637d17544ba9437e16c37b2c08cae4fe6a3090515aa941"
    "e78184791d2464ba43066cfce1cba5e36bcf64e3b63deb92a7cd9c0a98f12ad6";

typedef struct fixture {
    uint8_t nonce[32];
    uint8_t *key_config;
    size_t key_config_len;
    binding_inputs in;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    for (int i = 0; i < 32; i++)
        f->nonce[i] = (uint8_t)i;
    f->key_config = test_hex_decode(key_config_hex, &f->key_config_len);
    f->in = (binding_inputs){ f->nonce,          32, f->key_config, f->key_config_len,
                              (const uint8_t *)manifest, strlen(manifest), not_after,
                              strlen(not_after) };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->key_config);
    free(f);
    return 0;
}

static void assert_hex(const uint8_t *got, size_t len, const char *hex)
{
    size_t want_len = 0;
    uint8_t *want = test_hex_decode(hex, &want_len);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    free(want);
}

static void test_transcript_known_answer(void **state)
{
    fixture *f = *state;
    size_t len = binding_transcript_size(&f->in);
    assert_int_equal(len, 152);
    uint8_t t[152];
    OK(binding_transcript(t, &f->in, NULL));
    assert_hex(t, len, t_hex);
}

static void test_hashes_known_answer(void **state)
{
    fixture *f = *state;
    uint8_t rd[64], gpu[32];
    OK(binding_report_data(rd, &f->in, NULL));
    assert_hex(rd, 64, sha512_t_hex);
    OK(binding_gpu_nonce(gpu, &f->in, NULL));
    assert_hex(gpu, 32, sha256_t_hex);

    f->in.manifest = NULL;
    f->in.manifest_len = 0;
    OK(binding_report_data(rd, &f->in, NULL));
    assert_hex(rd, 64, sha512_empty_manifest_hex);
}

static void test_public_helpers(void **state)
{
    fixture *f = *state;
    uint8_t rd[CONFAI_BINDING_REPORT_DATA_SIZE], gpu[CONFAI_BINDING_GPU_NONCE_SIZE];
    OK(confai_binding_report_data(rd, f->nonce, f->key_config, f->key_config_len,
                                  (const uint8_t *)manifest, strlen(manifest), not_after, NULL));
    assert_hex(rd, 64, sha512_t_hex);
    OK(confai_binding_gpu_nonce(gpu, f->nonce, f->key_config, f->key_config_len,
                                (const uint8_t *)manifest, strlen(manifest), not_after, NULL));
    assert_hex(gpu, 32, sha256_t_hex);

    uint8_t *t = NULL;
    size_t t_len = 0;
    OK(confai_binding_transcript(&t, &t_len, f->nonce, f->key_config, f->key_config_len,
                                 (const uint8_t *)manifest, strlen(manifest), not_after, NULL));
    assert_hex(t, t_len, t_hex);
    confai_free(t);

    assert_int_equal(confai_binding_report_data_size(), CONFAI_BINDING_REPORT_DATA_SIZE);
    assert_int_equal(confai_binding_gpu_nonce_size(), CONFAI_BINDING_GPU_NONCE_SIZE);
    assert_int_equal(confai_attestation_nonce_size(), CONFAI_ATTESTATION_NONCE_SIZE);
}

static void test_public_rejects(void **state)
{
    fixture *f = *state;
    uint8_t rd[64];
    confai_error err;
    const char *bad_times[] = { "2025-01-31T12:00:00", "2025-01-31T12:00:00.000Z",
                                "2025-01-31 12:00:00Z", "", "2025-02-30T00:00:00Z" };
    for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++)
        assert_int_equal(confai_binding_report_data(rd, f->nonce, f->key_config,
                                                    f->key_config_len, NULL, 0, bad_times[i],
                                                    &err),
                         CONFAI_E_ARGUMENT);
    assert_int_equal(confai_binding_report_data(NULL, f->nonce, f->key_config, f->key_config_len,
                                                NULL, 0, not_after, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_binding_report_data(rd, NULL, f->key_config, f->key_config_len,
                                                NULL, 0, not_after, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_binding_report_data(rd, f->nonce, NULL, 0, NULL, 0, not_after, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_binding_report_data(rd, f->nonce, f->key_config, f->key_config_len,
                                                NULL, 5, not_after, &err),
                     CONFAI_E_ARGUMENT);

    uint8_t *big = calloc(1, 65536);
    assert_int_equal(confai_binding_report_data(rd, f->nonce, big, 65536, NULL, 0, not_after,
                                                &err),
                     CONFAI_E_LIMIT);
    OK(confai_binding_report_data(rd, f->nonce, big, 65535, NULL, 0, not_after, &err));
    free(big);

    uint8_t *t = (uint8_t *)1;
    size_t t_len = 7;
    assert_int_equal(confai_binding_transcript(&t, &t_len, f->nonce, f->key_config,
                                               f->key_config_len, NULL, 0, "x", &err),
                     CONFAI_E_ARGUMENT);
    assert_null(t);
    assert_int_equal(t_len, 0);
}

static void test_check_accepts_and_rejects(void **state)
{
    fixture *f = *state;
    uint8_t rd[64];
    confai_error err;
    OK(binding_report_data(rd, &f->in, NULL));
    OK(binding_check_report_data(rd, &f->in, &err));

    /* Any changed byte of the report data fails. */
    for (size_t i = 0; i < sizeof(rd); i++) {
        rd[i] ^= 0x01;
        assert_int_equal(binding_check_report_data(rd, &f->in, &err), CONFAI_E_BINDING);
        rd[i] ^= 0x01;
    }
    /* So does a bundle with another key (the key swap), manifest or lease. */
    binding_inputs other = f->in;
    uint8_t swapped[64];
    memcpy(swapped, f->key_config, f->key_config_len);
    swapped[10] ^= 0x80;
    other.key_config = swapped;
    assert_int_equal(binding_check_report_data(rd, &other, &err), CONFAI_E_BINDING);
    assert_non_null(strstr(err.message, "another key"));
    other = f->in;
    other.manifest_len -= 1;
    assert_int_equal(binding_check_report_data(rd, &other, &err), CONFAI_E_BINDING);
    other = f->in;
    other.not_after = "2025-01-31T12:00:01Z";
    assert_int_equal(binding_check_report_data(rd, &other, &err), CONFAI_E_BINDING);
    other = f->in;
    uint8_t nonce2[32];
    memcpy(nonce2, f->nonce, 32);
    nonce2[31] ^= 1;
    other.nonce = nonce2;
    assert_int_equal(binding_check_report_data(rd, &other, &err), CONFAI_E_BINDING);
}

/* Lengths frame every part: shifting a byte from one part to the next changes T. */
static void test_framing(void **state)
{
    fixture *f = *state;
    uint8_t a[64], b[64];
    binding_inputs x = f->in, y = f->in;
    x.nonce_len = 31;
    x.key_config = f->key_config;
    uint8_t joined[64];
    memcpy(joined, f->nonce + 31, 1);
    memcpy(joined + 1, f->key_config, f->key_config_len);
    y.nonce_len = 32;
    OK(binding_report_data(a, &y, NULL));
    x.key_config = joined;
    x.key_config_len = f->key_config_len + 1;
    OK(binding_report_data(b, &x, NULL));
    assert_memory_not_equal(a, b, 64);
}

static void test_transcript_limits(void **state)
{
    fixture *f = *state;
    binding_inputs big = f->in;
    big.key_config_len = 65536;
    uint8_t t[8];
    confai_error err;
    assert_int_equal(binding_transcript(t, &big, &err), CONFAI_E_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_transcript_known_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashes_known_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_accepts_and_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transcript_limits, setup, teardown),
    };
    return cmocka_run_group_tests_name("attest_binding", tests, NULL, NULL);
}
