/*
 * Every constant that bindings need exists twice: as a macro for C and as a
 * function for languages that cannot read macros. This checks that each pair
 * agrees, linking the shared library as an application would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <confai/confai.h>

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(confai_version(), CONFAI_VERSION_STRING);
    assert_int_equal(confai_version_number(), CONFAI_VERSION_NUMBER);
}

static void test_error(void **state)
{
    (void)state;
    assert_int_equal(confai_error_size(), sizeof(confai_error));
    assert_int_equal(confai_error_message_size(), CONFAI_ERROR_MESSAGE_SIZE);
    assert_int_equal(sizeof(((confai_error *)0)->message), CONFAI_ERROR_MESSAGE_SIZE);
}

static void test_hpke_sizes(void **state)
{
    (void)state;
    assert_int_equal(confai_hpke_max_enc_size(), CONFAI_HPKE_MAX_ENC_SIZE);
    assert_int_equal(confai_hpke_max_public_key_size(), CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE);
    assert_int_equal(confai_hpke_max_private_key_size(), CONFAI_HPKE_MAX_PRIVATE_KEY_SIZE);
    assert_int_equal(confai_hpke_tag_size(), CONFAI_HPKE_TAG_SIZE);
    assert_int_equal(confai_hpke_max_info_size(), CONFAI_HPKE_MAX_INFO_SIZE);
    assert_int_equal(confai_hpke_max_param_size(), CONFAI_HPKE_MAX_PARAM_SIZE);
    assert_int_equal(confai_hpke_min_psk_size(), CONFAI_HPKE_MIN_PSK_SIZE);
}

static void test_ohttp_sizes(void **state)
{
    (void)state;
    assert_int_equal(confai_ohttp_max_request_header_size(), CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE);
    assert_int_equal(confai_ohttp_max_response_nonce_size(), CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE);
    assert_int_equal(confai_ohttp_max_chunk_overhead(), CONFAI_OHTTP_MAX_CHUNK_OVERHEAD);
    assert_int_equal(confai_ohttp_default_max_chunk_size(), CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE);
}

static void test_attestation_sizes(void **state)
{
    (void)state;
    assert_int_equal(confai_attestation_nonce_size(), CONFAI_ATTESTATION_NONCE_SIZE);
    assert_int_equal(confai_binding_report_data_size(), CONFAI_BINDING_REPORT_DATA_SIZE);
    assert_int_equal(confai_binding_gpu_nonce_size(), CONFAI_BINDING_GPU_NONCE_SIZE);
    assert_int_equal(confai_verdict_digest_size(), CONFAI_VERDICT_DIGEST_SIZE);
    assert_int_equal(confai_attestation_max_bundle_size(), CONFAI_ATTESTATION_MAX_BUNDLE_SIZE);
    assert_int_equal(confai_policy_max_size(), CONFAI_POLICY_MAX_SIZE);
    assert_int_equal(confai_verify_options_version(), CONFAI_VERIFY_OPTIONS_VERSION);
}

/* The client layer is in the build when its header is (-Dclient). */
#ifdef CONFAI_CLIENT_OPTIONS_VERSION
static void test_client_constants(void **state)
{
    (void)state;
    assert_int_equal(confai_client_options_version(), CONFAI_CLIENT_OPTIONS_VERSION);
    assert_int_equal(confai_client_default_chunk_size(), CONFAI_CLIENT_DEFAULT_CHUNK_SIZE);
    assert_int_equal(confai_client_default_max_response_size(),
                     CONFAI_CLIENT_DEFAULT_MAX_RESPONSE_SIZE);
}
#endif

static void test_sim_constants(void **state)
{
    (void)state;
    assert_int_equal(confai_snp_measurement_size(), CONFAI_SNP_MEASUREMENT_SIZE);
}

static void test_http_limits(void **state)
{
    (void)state;
    assert_int_equal(confai_http_limits_version(), CONFAI_HTTP_LIMITS_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_hpke_sizes),
#ifdef CONFAI_CLIENT_OPTIONS_VERSION
        cmocka_unit_test(test_client_constants),
#endif
        cmocka_unit_test(test_sim_constants),
        cmocka_unit_test(test_http_limits),
        cmocka_unit_test(test_ohttp_sizes),
        cmocka_unit_test(test_attestation_sizes),
    };
    return cmocka_run_group_tests_name("constcheck", tests, NULL, NULL);
}
