/* src/core/status.c, error.c, version.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "core/error.h"

static const confai_status all_statuses[] = {
    CONFAI_OK, CONFAI_E_ARGUMENT, CONFAI_E_BUFFER_TOO_SMALL, CONFAI_E_UNSUPPORTED,
    CONFAI_E_STATE, CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL, CONFAI_E_MALFORMED,
    CONFAI_E_TRUNCATED, CONFAI_E_TRAILING_DATA, CONFAI_E_BAD_KEY,
    CONFAI_E_BAD_ENCAPSULATION, CONFAI_E_DECRYPT, CONFAI_E_SEQUENCE_EXHAUSTED,
    CONFAI_E_EXPORT_ONLY, CONFAI_E_BAD_PSK, CONFAI_E_LIMIT, CONFAI_E_KEY_ID_UNKNOWN,
    CONFAI_E_STREAM_TRUNCATED, CONFAI_E_STREAM_TRAILING, CONFAI_E_CHUNK_REPLAYED,
    CONFAI_E_CHUNK_REORDERED,
    CONFAI_E_BAD_SIGNATURE,
    CONFAI_E_CERT_CHAIN,
    CONFAI_E_UNKNOWN_ROOT,
    CONFAI_E_CERT_EXPIRED,
    CONFAI_E_CERT_REVOKED,
    CONFAI_E_TCB_MISMATCH,
    CONFAI_E_BINDING,
    CONFAI_E_NONCE_MISMATCH,
    CONFAI_E_EVIDENCE_EXPIRED,
    CONFAI_E_COLLATERAL,
    CONFAI_E_TOKEN_ALGORITHM,
    CONFAI_E_TOKEN_KEY,
    CONFAI_E_TOKEN_EXPIRED,
    CONFAI_E_TOKEN_CLAIM,
    CONFAI_E_TOKEN_DETACHED,
    CONFAI_E_GPU_DUPLICATE,
    CONFAI_E_POLICY_INVALID,
    CONFAI_E_POLICY_PLATFORM,
    CONFAI_E_POLICY_MEASUREMENT,
    CONFAI_E_POLICY_TCB,
    CONFAI_E_POLICY_DEBUG,
    CONFAI_E_POLICY_VMPL,
    CONFAI_E_POLICY_GUEST,
    CONFAI_E_POLICY_IDENTITY,
    CONFAI_E_POLICY_CHIP,
    CONFAI_E_POLICY_FIRMWARE,
    CONFAI_E_POLICY_MANIFEST,
    CONFAI_E_POLICY_COLLATERAL,
    CONFAI_E_POLICY_GPU_COUNT,
    CONFAI_E_POLICY_GPU_VERSION,
    CONFAI_E_POLICY_TOKEN,
    CONFAI_E_NETWORK,
    CONFAI_E_TIMEOUT,
    CONFAI_E_TLS,
    CONFAI_E_HTTP_STATUS,
    CONFAI_E_NOT_SEALED,
    CONFAI_E_CANCELLED,
    CONFAI_E_TSM_UNAVAILABLE,
    CONFAI_E_TSM_PROVIDER,
    CONFAI_E_TSM_RACE,
    CONFAI_E_TSM_REFUSED,
    CONFAI_E_SEV_GUEST,
    CONFAI_E_ENDORSEMENT_UNAVAILABLE,
    CONFAI_E_ENDORSEMENT_NOT_FOUND,
    CONFAI_E_COLLATERAL_EXPIRED,
    CONFAI_E_NVML_UNAVAILABLE,
    CONFAI_E_GPU_CC_OFF,
    CONFAI_E_GPU_NONCE,
};
#define N_STATUSES (sizeof(all_statuses) / sizeof(all_statuses[0]))

static void every_status_has_a_distinct_name_and_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_STATUSES; i++) {
        const char *name = confai_status_name(all_statuses[i]);
        assert_non_null(strstr(name, "CONFAI_"));
        assert_string_not_equal(name, "CONFAI_E_UNKNOWN");
        assert_string_not_equal(confai_status_str(all_statuses[i]), "unknown status code");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(name, confai_status_name(all_statuses[j]));
    }
}

static void unknown_status_is_named_unknown(void **state)
{
    (void)state;
    assert_string_equal(confai_status_name((confai_status)9999), "CONFAI_E_UNKNOWN");
    assert_string_equal(confai_status_str((confai_status)9999), "unknown status code");
}

static void statuses_fall_into_their_groups(void **state)
{
    (void)state;
    assert_int_equal(confai_status_group_of(CONFAI_OK), CONFAI_GROUP_OK);
    assert_int_equal(confai_status_group_of(CONFAI_E_BUFFER_TOO_SMALL), CONFAI_GROUP_ARGUMENT);
    assert_int_equal(confai_status_group_of(CONFAI_E_NO_MEMORY), CONFAI_GROUP_RESOURCE);
    assert_int_equal(confai_status_group_of(CONFAI_E_TRUNCATED), CONFAI_GROUP_PARSE);
    assert_int_equal(confai_status_group_of(CONFAI_E_DECRYPT), CONFAI_GROUP_CRYPTO);
    assert_int_equal(confai_status_group_of(CONFAI_E_BINDING), CONFAI_GROUP_ATTESTATION);
    assert_int_equal(confai_status_group_of(CONFAI_E_POLICY_TCB), CONFAI_GROUP_POLICY);
    assert_int_equal(confai_status_group_of(CONFAI_E_TIMEOUT), CONFAI_GROUP_TRANSPORT);
    assert_int_equal(confai_status_group_of(CONFAI_E_GPU_CC_OFF), CONFAI_GROUP_PLATFORM);
    assert_int_equal(confai_status_group_of((confai_status)899), CONFAI_GROUP_PLATFORM);
    assert_int_equal(confai_status_group_of((confai_status)900), CONFAI_GROUP_RESOURCE);
    /* out-of-range values never look like success */
    assert_int_equal(confai_status_group_of((confai_status)-5), CONFAI_GROUP_RESOURCE);
    assert_int_equal(confai_status_group_of((confai_status)12345), CONFAI_GROUP_RESOURCE);
}

static void error_detail_is_recorded_and_truncated_safely(void **state)
{
    (void)state;
    confai_error err;
    memset(&err, 0x55, sizeof(err));
    confai_err_clear(&err);
    assert_int_equal(err.status, CONFAI_OK);
    assert_string_equal(err.message, "");

    assert_int_equal(confai_err_set(&err, CONFAI_E_MALFORMED, "bad byte at %d", 7),
                     CONFAI_E_MALFORMED);
    assert_int_equal(err.status, CONFAI_E_MALFORMED);
    assert_string_equal(err.message, "bad byte at 7");

    char longer[1000];
    memset(longer, 'x', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    confai_err_set(&err, CONFAI_E_INTERNAL, "%s", longer);
    assert_int_equal(strlen(err.message), CONFAI_ERROR_MESSAGE_SIZE - 1);

    /* a NULL error struct is allowed everywhere */
    assert_int_equal(confai_err_set(NULL, CONFAI_E_STATE, "ignored"), CONFAI_E_STATE);
}

static void version_matches_macros(void **state)
{
    (void)state;
    assert_string_equal(confai_version(), CONFAI_VERSION_STRING);
    assert_int_equal(confai_version_number(), CONFAI_VERSION_NUMBER);
    assert_int_equal(confai_error_size(), sizeof(confai_error));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_status_has_a_distinct_name_and_message),
        cmocka_unit_test(unknown_status_is_named_unknown),
        cmocka_unit_test(statuses_fall_into_their_groups),
        cmocka_unit_test(error_detail_is_recorded_and_truncated_safely),
        cmocka_unit_test(version_matches_macros),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
