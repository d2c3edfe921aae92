/*
 * src/sim/snp_sim_api.c: the public simulated SEV-SNP platform. Its bundles
 * verify with confai_attestation_verify under the policy it writes, the
 * verdict names the simulation, saved keys restore a platform the same
 * policy trusts, and every wrong input or changed part is rejected with its
 * own status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "core/rfc3339.h"
#include "sim/snp_sim_api.h"
#include "snp_sim_test_keys.h"

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define LEASE 3600
#define OK(call) assert_int_equal((call), CONFAI_OK)

static const char manifest[] = "{\"model\":\"confai-demo\",\"image\":\"sha256:abcd\"}";

typedef struct env {
    uint8_t measurement[48];
    confai_sim_snp *sim;
    confai_hpke_key *hpke;
    confai_key_config *config;
    uint8_t key_config[128];
    size_t key_config_len;
    uint8_t nonce[32];
    char not_after[RFC3339_LEN + 1];
} env;

static env E;

/* The saved-keys text of the fixed test keys. */
static char *fixed_saved_keys(size_t *len)
{
    static const char *const roles[5] = { "ARK", "ASK", "ASVK", "VCEK", "VLEK" };
    size_t cap = 64;
    for (int i = 0; i < 5; i++)
        cap += strlen(roles[i]) + 1 + strlen(snp_test_keys[i]);
    char *text = calloc(1, cap);
    assert_non_null(text);
    size_t at = (size_t)snprintf(text, cap, "%s\n", SIM_SNP_KEYS_HEADER);
    for (int i = 0; i < 5; i++)
        at += (size_t)snprintf(text + at, cap - at, "%s\n%s", roles[i], snp_test_keys[i]);
    *len = at;
    (void)snp_test_keys_rotated;
    return text;
}

static int setup(void **state)
{
    (void)state;
    memset(&E, 0, sizeof(E));
    for (int i = 0; i < 48; i++)
        E.measurement[i] = (uint8_t)(0x40 + i);
    size_t len = 0;
    char *saved = fixed_saved_keys(&len);
    confai_error err;
    if (confai_sim_snp_new(&E.sim, saved, len, E.measurement, NOW, &err) != CONFAI_OK) {
        fprintf(stderr, "confai_sim_snp_new: %s\n", err.message);
        return -1;
    }
    free(saved);
    OK(confai_hpke_key_generate(&E.hpke, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    confai_ohttp_algorithms algs[] = {
        { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_256_GCM },
        { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
        { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_CHACHA20_POLY1305 },
    };
    OK(confai_key_config_new(&E.config, E.hpke, 1, algs, 3, NULL));
    E.key_config_len = sizeof(E.key_config);
    OK(confai_key_config_serialize(E.config, E.key_config, &E.key_config_len, NULL));
    for (int i = 0; i < 32; i++)
        E.nonce[i] = (uint8_t)(0xA0 ^ i);
    assert_true(rfc3339_format(E.not_after, NOW + LEASE));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    confai_sim_snp_free(E.sim);
    confai_key_config_free(E.config);
    confai_hpke_key_free(E.hpke);
    return 0;
}

static confai_policy *policy_of(const confai_sim_snp *sim, int64_t max_age)
{
    char *json = NULL;
    size_t len = 0;
    confai_error err;
    confai_policy *policy = NULL;
    OK(confai_sim_snp_policy_json(sim, &json, &len, (const uint8_t *)manifest, strlen(manifest),
                                  max_age, NULL));
    assert_int_equal(strlen(json), len);
    if (confai_policy_new(&policy, json, len, &err) != CONFAI_OK)
        fail_msg("policy rejected: %s\n%s", err.message, json);
    confai_free(json);
    return policy;
}

static char *bundle_of(const confai_sim_snp *sim, const uint8_t nonce[32], size_t *len)
{
    char *json = NULL;
    OK(confai_sim_snp_bundle(sim, &json, len, nonce, E.key_config, E.key_config_len,
                             (const uint8_t *)manifest, strlen(manifest), E.not_after, NULL));
    assert_int_equal(strlen(json), *len);
    return json;
}

static confai_status verify(confai_verdict **verdict, const confai_policy *policy,
                            const uint8_t nonce[32], const char *bundle, size_t len,
                            confai_error *err)
{
    confai_verify_options options;
    OK(confai_verify_options_init(&options, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    options.verify_time = NOW + 60;
    return confai_attestation_verify(verdict, policy, &options, nonce, bundle, len, err);
}

/* --- accept ------------------------------------------------------------------- */

static void bundle_verifies(void **state)
{
    (void)state;
    confai_policy *policy = policy_of(E.sim, 600);
    size_t len = 0;
    char *bundle = bundle_of(E.sim, E.nonce, &len);
    confai_verdict *v = NULL;
    confai_error err;
    if (verify(&v, policy, E.nonce, bundle, len, &err) != CONFAI_OK)
        fail_msg("verify: %s: %s", confai_status_name(err.status), err.message);

    assert_string_equal(confai_verdict_platform(v), "sev-snp");
    assert_string_equal(confai_verdict_product(v), "genoa");
    size_t mlen = 0;
    const uint8_t *m = confai_verdict_measurement(v, &mlen);
    assert_int_equal(mlen, confai_snp_measurement_size());
    assert_memory_equal(m, E.measurement, 48);
    assert_int_equal(confai_verdict_root_kind(v), CONFAI_ROOT_CUSTOM);
    assert_false(confai_verdict_root_is_vendor(v));
    const char *warning = confai_verdict_root_warning(v);
    assert_non_null(warning);
    assert_non_null(strstr(warning, "NOT an AMD root"));
    assert_non_null(strstr(warning, "simulated platform"));
    assert_int_equal(confai_key_config_id(confai_verdict_key_config(v)), 1);
    /* the policy's max_age cuts the hour-long lease */
    assert_int_equal(confai_verdict_expiry(v), NOW + 60 + 600);

    /* the measurement, TCB, chip id, firmware, guest policy and manifest are pinned, not waived */
    const char *pinned[] = { "policy.measurement", "policy.tcb.reported", "policy.chip_id",
                             "policy.firmware.current", "policy.manifest", "policy.debug",
                             "policy.tcb.current", "policy.report_version",
                             "policy.guest_policy.smt", "policy.guest_policy.page_swap_disable",
                             "policy.guest_policy.min_abi" };
    for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
        int found = 0;
        for (size_t j = 0; j < confai_verdict_check_count(v); j++)
            found |= strcmp(confai_verdict_check(v, j), pinned[i]) == 0;
        if (!found)
            fail_msg("check %s did not pass", pinned[i]);
    }
    confai_verdict_free(v);
    confai_free(bundle);
    confai_policy_free(policy);
}

/* The policy has exactly the members of doc/policy.md, and no wildcard it need not. */
static void policy_shape(void **state)
{
    (void)state;
    char *json = NULL;
    size_t len = 0;
    OK(confai_sim_snp_policy_json(E.sim, &json, &len, (const uint8_t *)manifest,
                                  strlen(manifest), 3600, NULL));
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "version")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "max_age")->valueint, 3600);
    cJSON *snp = cJSON_GetObjectItemCaseSensitive(doc, "sev_snp");
    assert_non_null(snp);
    const char *lists[] = { "products", "measurements", "vmpls", "host_data",
                            "id_key_digests", "chip_ids", "custom_roots" };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(snp, lists[i])));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(snp, "allow_debug")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(snp, "min_report_version")->valueint, 5);
    cJSON *gp = cJSON_GetObjectItemCaseSensitive(snp, "guest_policy");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(gp, "smt")->valuestring, "required");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(gp, "cxl_allow")->valuestring,
                        "forbidden");
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(gp, "min_abi")));
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(snp, "min_current_tcb"), "genoa")));
    cJSON *roots = cJSON_GetObjectItemCaseSensitive(snp, "custom_roots");
    assert_int_equal(cJSON_GetArraySize(roots), 1);
    assert_non_null(strstr(cJSON_GetArrayItem(roots, 0)->valuestring,
                           "-----BEGIN CERTIFICATE-----"));
    cJSON_Delete(doc);
    confai_free(json);
}

/* Fresh keys: saved, restored later (other `now`), trusted by the same policy. */
static void fresh_keys_save_restore(void **state)
{
    (void)state;
    confai_sim_snp *fresh = NULL, *restored = NULL;
    OK(sim_snp_new_generated(&fresh, 2048, E.measurement, NOW - 86400 * 30, NULL));
    char *saved = NULL;
    size_t saved_len = 0;
    OK(confai_sim_snp_save_keys(fresh, &saved, &saved_len, NULL));
    assert_int_equal(strlen(saved), saved_len);
    assert_non_null(strstr(saved, SIM_SNP_KEYS_HEADER "\nARK\n-----BEGIN PRIVATE KEY-----"));
    OK(confai_sim_snp_new(&restored, saved, saved_len, E.measurement, NOW, NULL));

    confai_policy *policy = policy_of(fresh, 600);
    size_t len = 0;
    char *bundle = bundle_of(restored, E.nonce, &len);
    confai_verdict *v = NULL;
    confai_error err;
    if (verify(&v, policy, E.nonce, bundle, len, &err) != CONFAI_OK)
        fail_msg("verify: %s: %s", confai_status_name(err.status), err.message);
    confai_verdict_free(v);
    confai_free(bundle);

    /* the fixed test platform is not trusted by this policy */
    bundle = bundle_of(E.sim, E.nonce, &len);
    assert_int_equal(verify(&v, policy, E.nonce, bundle, len, &err), CONFAI_E_UNKNOWN_ROOT);
    assert_null(v);
    confai_free(bundle);
    confai_policy_free(policy);

    /* saving twice gives the same text */
    char *again = NULL;
    size_t again_len = 0;
    OK(confai_sim_snp_save_keys(restored, &again, &again_len, NULL));
    assert_int_equal(again_len, saved_len);
    assert_memory_equal(again, saved, saved_len);
    confai_free(again);
    confai_free(saved);
    confai_sim_snp_free(restored);
    confai_sim_snp_free(fresh);
}

/* --- reject ------------------------------------------------------------------- */

static void expect_bad_keys(const char *text, size_t len, const char *needle)
{
    confai_sim_snp *sim = (confai_sim_snp *)&E; /* must be reset to NULL */
    confai_error err;
    assert_int_equal(confai_sim_snp_new(&sim, text, len, E.measurement, NOW, &err),
                     CONFAI_E_BAD_KEY);
    assert_null(sim);
    assert_int_equal(err.status, CONFAI_E_BAD_KEY);
    if (needle != NULL && strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" does not mention \"%s\"", err.message, needle);
}

static void bad_saved_keys(void **state)
{
    (void)state;
    size_t len = 0;
    char *good = fixed_saved_keys(&len);
    char *text = calloc(1, len + 64);
    assert_non_null(text);

    expect_bad_keys("", 0, NULL);
    expect_bad_keys("nonsense\n", 9, "does not start");
    /* the header alone */
    strcpy(text, SIM_SNP_KEYS_HEADER "\n");
    expect_bad_keys(text, strlen(text), "ARK");
    /* cut inside the last key */
    expect_bad_keys(good, len - 40, "VLEK");
    /* bytes after the last key */
    memcpy(text, good, len);
    memcpy(text + len, "extra\n", 6);
    expect_bad_keys(text, len + 6, "after");
    /* a NUL inside */
    memcpy(text, good, len);
    text[100] = '\0';
    expect_bad_keys(text, len, "NUL");
    /* roles swapped: an EC key where the ARK's RSA key belongs */
    size_t cap = len + 64, at = (size_t)snprintf(text, cap, "%s\n", SIM_SNP_KEYS_HEADER);
    const char *order[5] = { snp_test_keys[3], snp_test_keys[1], snp_test_keys[2],
                             snp_test_keys[4], snp_test_keys[0] };
    const char *names[5] = { "ARK", "ASK", "ASVK", "VCEK", "VLEK" };
    for (int i = 0; i < 5; i++)
        at += (size_t)snprintf(text + at, cap - at, "%s\n%s", names[i], order[i]);
    expect_bad_keys(text, at, "ARK");
    /* a corrupted PEM body */
    memcpy(text, good, len);
    char *body = strstr(text, "ASK\n-----BEGIN PRIVATE KEY-----\n");
    assert_non_null(body);
    body += strlen("ASK\n-----BEGIN PRIVATE KEY-----\n") + 10;
    *body = *body == 'A' ? '!' : 'A';
    expect_bad_keys(text, len, "ASK");
    /* wrong role label */
    memcpy(text, good, len);
    body = strstr(text, "\nVCEK\n");
    assert_non_null(body);
    memcpy(body + 1, "VCEX", 4);
    expect_bad_keys(text, len, "VCEK");

    free(text);
    free(good);
}

static void bad_arguments(void **state)
{
    (void)state;
    confai_sim_snp *sim = NULL;
    confai_error err;
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(confai_sim_snp_new(NULL, NULL, 0, E.measurement, NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_sim_snp_new(&sim, NULL, 0, NULL, NOW, &err), CONFAI_E_ARGUMENT);
    assert_null(sim);
    assert_int_equal(confai_sim_snp_new(&sim, NULL, 5, E.measurement, NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_sim_snp_new(&sim, NULL, 0, E.measurement, -1, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(sim_snp_new_generated(&sim, 1024, E.measurement, NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_null(sim);
    assert_int_equal(confai_sim_snp_save_keys(NULL, &out, &out_len, &err), CONFAI_E_ARGUMENT);
    assert_null(out);
    assert_int_equal(confai_sim_snp_policy_json(E.sim, &out, &out_len, NULL, 0, 0, &err),
                     CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "max_age"));
    assert_int_equal(confai_sim_snp_policy_json(E.sim, &out, &out_len, NULL, 3, 60, &err),
                     CONFAI_E_ARGUMENT);
    assert_null(out);
    assert_int_equal(confai_sim_snp_bundle(E.sim, &out, &out_len, E.nonce, NULL, 0, NULL, 0,
                                           E.not_after, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_sim_snp_bundle(E.sim, &out, &out_len, E.nonce, E.key_config,
                                           E.key_config_len, NULL, 0, "tomorrow", &err),
                     CONFAI_E_ARGUMENT);
    assert_null(out);
    confai_sim_snp_free(NULL);
}

static void wrong_nonce(void **state)
{
    (void)state;
    confai_policy *policy = policy_of(E.sim, 600);
    size_t len = 0;
    char *bundle = bundle_of(E.sim, E.nonce, &len);
    uint8_t other[32];
    memcpy(other, E.nonce, 32);
    other[31] ^= 1;
    confai_verdict *v = NULL;
    confai_error err;
    assert_int_equal(verify(&v, policy, other, bundle, len, &err), CONFAI_E_NONCE_MISMATCH);
    assert_null(v);
    confai_free(bundle);
    confai_policy_free(policy);
}

/* Replaces the bundle's "manifest" member (base64 of other bytes). */
static char *with_member(const char *bundle, const char *name, const char *value)
{
    cJSON *doc = cJSON_Parse(bundle);
    assert_non_null(doc);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, name, cJSON_CreateString(value));
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return text;
}

static void changed_parts(void **state)
{
    (void)state;
    confai_policy *policy = policy_of(E.sim, 600);
    size_t len = 0;
    char *bundle = bundle_of(E.sim, E.nonce, &len);
    confai_verdict *v = NULL;
    confai_error err;

    /* another manifest: the report data no longer matches */
    char *text = with_member(bundle, "manifest", "e30="); /* "{}" */
    assert_int_equal(verify(&v, policy, E.nonce, text, strlen(text), &err), CONFAI_E_BINDING);
    cJSON_free(text);
    /* a stretched lease */
    char later[RFC3339_LEN + 1];
    assert_true(rfc3339_format(later, NOW + 7 * 86400));
    text = with_member(bundle, "not_after", later);
    assert_int_equal(verify(&v, policy, E.nonce, text, strlen(text), &err), CONFAI_E_BINDING);
    cJSON_free(text);
    assert_null(v);
    confai_free(bundle);
    confai_policy_free(policy);

    /* a bundle over another manifest verifies, but the policy pins the digest */
    char *json = NULL;
    static const char other[] = "{\"model\":\"something-else\"}";
    OK(confai_sim_snp_bundle(E.sim, &json, &len, E.nonce, E.key_config, E.key_config_len,
                             (const uint8_t *)other, strlen(other), E.not_after, NULL));
    policy = policy_of(E.sim, 600);
    assert_int_equal(verify(&v, policy, E.nonce, json, len, &err), CONFAI_E_POLICY_MANIFEST);
    confai_free(json);
    confai_policy_free(policy);
}

/* A platform with another measurement is refused by the first one's policy. */
static void other_measurement(void **state)
{
    (void)state;
    size_t saved_len = 0;
    char *saved = fixed_saved_keys(&saved_len);
    uint8_t m[48];
    memcpy(m, E.measurement, 48);
    m[0] ^= 0xFF;
    confai_sim_snp *sim = NULL;
    OK(confai_sim_snp_new(&sim, saved, saved_len, m, NOW, NULL));
    free(saved);
    confai_policy *policy = policy_of(E.sim, 600);
    size_t len = 0;
    char *bundle = bundle_of(sim, E.nonce, &len);
    confai_verdict *v = NULL;
    confai_error err;
    assert_int_equal(verify(&v, policy, E.nonce, bundle, len, &err),
                     CONFAI_E_POLICY_MEASUREMENT);
    confai_free(bundle);
    confai_policy_free(policy);
    confai_sim_snp_free(sim);
}

/* Past not_after the bundle is expired. */
static void expired(void **state)
{
    (void)state;
    confai_policy *policy = policy_of(E.sim, 600);
    size_t len = 0;
    char *bundle = bundle_of(E.sim, E.nonce, &len);
    confai_verify_options options;
    OK(confai_verify_options_init(&options, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    options.verify_time = NOW + LEASE + 1;
    confai_verdict *v = NULL;
    assert_int_equal(
        confai_attestation_verify(&v, policy, &options, E.nonce, bundle, len, NULL),
        CONFAI_E_EVIDENCE_EXPIRED);
    confai_free(bundle);
    confai_policy_free(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_verifies),   cmocka_unit_test(policy_shape),
        cmocka_unit_test(fresh_keys_save_restore), cmocka_unit_test(bad_saved_keys),
        cmocka_unit_test(bad_arguments),     cmocka_unit_test(wrong_nonce),
        cmocka_unit_test(changed_parts),     cmocka_unit_test(other_measurement),
        cmocka_unit_test(expired),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
