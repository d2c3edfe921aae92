/*
 * Raw evidence (src/attest/evidence.c, evidence_json.c, check_names.c):
 * an SEV-SNP report of the simulated platform verified without a bundle,
 * accepted and rejected for each reason with the status and check names of
 * confai_attestation_verify; TDX and GPU evidence rejected before their
 * verifiers when the policy has no section for them; raw evidence and
 * bundles described as JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "attest_fixture.h"

static fx F;
static confai_error err;

static int group_setup(void **state)
{
    (void)state;
    fx_setup(&F, SNP_PRODUCT_GENOA);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_teardown(&F);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    fx_reset(&F);
    memset(&err, 0, sizeof(err));
    return 0;
}

static confai_policy *policy_of(cJSON *doc)
{
    confai_policy *p = NULL;
    if (fx_policy_new(doc, &p, &err) != CONFAI_OK)
        fail_msg("policy: %s", err.message);
    return p;
}

/* Signs the fixture's report and verifies it raw against doc (consumed). */
static confai_status run(cJSON *doc, const uint8_t *report_data, int64_t at,
                         confai_evidence_verdict **out)
{
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    confai_policy *p = policy_of(doc);
    confai_evidence_verdict *v = (confai_evidence_verdict *)&err; /* must become NULL */
    fx_sign(&F, report);
    snp_sim_chain(F.sim, F.kind, certs, lens);
    confai_status st = confai_evidence_verify_snp(&v, p, report, sizeof(report), certs, lens, 3,
                                                  report_data, at, &err);
    confai_policy_free(p);
    if (st != CONFAI_OK)
        assert_null(v);
    if (out != NULL)
        *out = v;
    else
        confai_evidence_verdict_free(v);
    return st;
}

static void expect(cJSON *doc, const uint8_t *report_data, int64_t at, confai_status want)
{
    confai_status st = run(doc, report_data, at, NULL);
    if (st != want)
        fail_msg("got %s (%s), want %s", confai_status_name(st), err.message,
                 confai_status_name(want));
    assert_int_equal(err.status, want);
}

static int has(const confai_evidence_verdict *v, const char *name)
{
    for (size_t i = 0; i < confai_evidence_verdict_check_count(v); i++)
        if (strcmp(confai_evidence_verdict_check(v, i), name) == 0)
            return 1;
    return 0;
}

static int known_name(const char *name)
{
    for (int i = 0; confai_check_name(i) != NULL; i++)
        if (strcmp(confai_check_name(i), name) == 0)
            return 1;
    return 0;
}

/* --- SEV-SNP ------------------------------------------------------------------- */

static void test_snp_accept(void **state)
{
    (void)state;
    confai_evidence_verdict *v = NULL;
    uint8_t rd[64];
    fx_report_data(&F, rd);
    FX_OK(run(fx_policy_doc(&F), rd, FX_NOW, &v));
    assert_string_equal(confai_evidence_verdict_platform(v), "sev-snp");
    assert_int_equal(confai_evidence_verdict_root_kind(v), CONFAI_ROOT_CUSTOM);
    assert_non_null(strstr(confai_evidence_verdict_root_warning(v), "NOT an AMD root"));
    static const char *const order[] = { "policy.platform", "sev_snp.certificate_chain",
                                         "sev_snp.endorsement", "sev_snp.signature",
                                         "binding.report_data" };
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(confai_evidence_verdict_check(v, i), order[i]);
    assert_true(has(v, "policy.measurement"));
    assert_false(has(v, "nonce"));
    for (size_t i = 0; i < confai_evidence_verdict_check_count(v); i++)
        assert_true(known_name(confai_evidence_verdict_check(v, i)));
    for (size_t i = 0; i < confai_evidence_verdict_waived_count(v); i++)
        assert_true(known_name(confai_evidence_verdict_waived(v, i)));
    assert_null(confai_evidence_verdict_check(v, confai_evidence_verdict_check_count(v)));
    assert_null(confai_evidence_verdict_waived(v, confai_evidence_verdict_waived_count(v)));

    char *json = NULL;
    size_t len = 0;
    FX_OK(confai_evidence_verdict_json(v, &json, &len, &err));
    assert_int_equal(len, strlen(json));
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "platform")->valuestring, "sev-snp");
    assert_string_equal(cJSON_GetObjectItem(doc, "product")->valuestring, "genoa");
    assert_string_equal(cJSON_GetObjectItem(doc, "verified_at")->valuestring,
                        "2026-01-01T00:00:00Z");
    cJSON *root = cJSON_GetObjectItem(doc, "root");
    assert_string_equal(cJSON_GetObjectItem(root, "kind")->valuestring, "custom");
    assert_non_null(cJSON_GetObjectItem(root, "warning"));
    cJSON *report = cJSON_GetObjectItem(doc, "report");
    char hex[97];
    hex_encode(hex, F.fields.measurement, 48);
    assert_string_equal(cJSON_GetObjectItem(report, "measurement")->valuestring, hex);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "checks")),
                     (int)confai_evidence_verdict_check_count(v));
    cJSON_Delete(doc);
    confai_free(json);
    confai_evidence_verdict_free(v);
}

static void test_snp_accept_without_report_data(void **state)
{
    (void)state;
    confai_evidence_verdict *v = NULL;
    FX_OK(run(fx_policy_doc(&F), NULL, FX_NOW, &v));
    assert_false(has(v, "binding.report_data"));
    confai_evidence_verdict_free(v);
}

static void test_snp_reject_platform(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    cJSON *platforms = cJSON_CreateArray();
    cJSON_AddItemToArray(platforms, cJSON_CreateString("tdx"));
    cJSON_ReplaceItemInObject(doc, "platforms", platforms);
    cJSON_DeleteItemFromObject(doc, "sev_snp");
    cJSON *tdx = cJSON_Parse("{\"mrtd\":\"*\",\"rtmrs\":\"*\",\"mrseam\":\"*\","
                             "\"mr_config_id\":\"*\",\"mr_owner\":\"*\",\"mr_owner_config\":\"*\","
                             "\"td_attributes\":\"*\",\"xfam\":\"*\",\"allow_debug\":false,"
                             "\"min_tee_tcb_svn\":\"*\",\"tcb_statuses\":[\"UpToDate\"],"
                             "\"min_tcb_evaluation_data_number\":0,\"max_collateral_age\":\"*\","
                             "\"require_crls\":false}");
    cJSON_AddItemToObject(doc, "tdx", tdx);
    expect(doc, NULL, FX_NOW, CONFAI_E_POLICY_PLATFORM);
}

static void test_snp_reject_unknown_root(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    cJSON_DeleteItemFromObject(fx_snp(doc), "custom_roots");
    expect(doc, NULL, FX_NOW, CONFAI_E_UNKNOWN_ROOT);
}

static void test_snp_reject_expired(void **state)
{
    (void)state;
    expect(fx_policy_doc(&F), NULL, FX_NOW + 60LL * 86400 * 365 * 30, CONFAI_E_CERT_EXPIRED);
}

static void test_snp_reject_signature(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    confai_policy *p = policy_of(fx_policy_doc(&F));
    confai_evidence_verdict *v = NULL;
    fx_sign(&F, report);
    report[0x90] ^= 1; /* a measured byte after signing */
    snp_sim_chain(F.sim, F.kind, certs, lens);
    assert_int_equal(confai_evidence_verify_snp(&v, p, report, sizeof(report), certs, lens, 3,
                                                NULL, FX_NOW, &err),
                     CONFAI_E_BAD_SIGNATURE);
    assert_null(v);
    confai_policy_free(p);
}

static void test_snp_reject_report_data(void **state)
{
    (void)state;
    uint8_t rd[64];
    fx_report_data(&F, rd);
    rd[63] ^= 1;
    expect(fx_policy_doc(&F), rd, FX_NOW, CONFAI_E_BINDING);
}

static void test_snp_reject_policy(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    uint8_t other[48];
    memset(other, 0x99, sizeof(other));
    cJSON_ReplaceItemInObject(fx_snp(doc), "measurements", fx_hex_list(other, 48));
    expect(doc, NULL, FX_NOW, CONFAI_E_POLICY_MEASUREMENT);
}

static void test_snp_reject_arguments(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE] = { 0 };
    confai_policy *p = policy_of(fx_policy_doc(&F));
    confai_evidence_verdict *v = NULL;
    assert_int_equal(confai_evidence_verify_snp(NULL, p, report, sizeof(report), NULL, NULL, 0,
                                                NULL, 0, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_verify_snp(&v, NULL, report, sizeof(report), NULL, NULL, 0,
                                                NULL, 0, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_verify_snp(&v, p, NULL, 0, NULL, NULL, 0, NULL, 0, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_verify_snp(&v, p, report, sizeof(report), NULL, NULL, 3,
                                                NULL, 0, &err),
                     CONFAI_E_ARGUMENT);
    assert_null(v);
    confai_policy_free(p);
}

/* --- TDX and GPUs: the policy's sections ------------------------------------------ */

static void test_tdx_reject_platform_and_arguments(void **state)
{
    (void)state;
    uint8_t quote[1024] = { 4 };
    confai_policy *p = policy_of(fx_policy_doc(&F));
    confai_evidence_verdict *v = NULL;
    assert_int_equal(confai_evidence_verify_tdx(&v, p, quote, sizeof(quote), NULL, NULL, FX_NOW,
                                                &err),
                     CONFAI_E_POLICY_PLATFORM);
    assert_null(v);
    confai_tdx_collateral c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(confai_evidence_verify_tdx(&v, p, quote, sizeof(quote), &c, NULL, FX_NOW,
                                                &err),
                     CONFAI_E_ARGUMENT); /* version 0 */
    c.version = confai_tdx_collateral_version();
    assert_int_equal(c.version, CONFAI_TDX_COLLATERAL_VERSION);
    c.reserved[2] = 1;
    assert_int_equal(confai_evidence_verify_tdx(&v, p, quote, sizeof(quote), &c, NULL, FX_NOW,
                                                &err),
                     CONFAI_E_ARGUMENT);
    c.reserved[2] = 0;
    c.tcb_info_len = 3;
    assert_int_equal(confai_evidence_verify_tdx(&v, p, quote, sizeof(quote), &c, NULL, FX_NOW,
                                                &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_verify_tdx(&v, p, NULL, 0, NULL, NULL, FX_NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_null(v);
    confai_policy_free(p);
}

static void test_gpu_reject_count_and_arguments(void **state)
{
    (void)state;
    uint8_t evidence[64] = { 0 }, nonce[32] = { 0 };
    confai_policy *p = policy_of(fx_policy_doc(&F));
    confai_evidence_verdict *v = NULL;
    assert_int_equal(confai_evidence_verify_gpu(&v, p, evidence, sizeof(evidence), NULL, NULL, 0,
                                                nonce, FX_NOW, &err),
                     CONFAI_E_POLICY_GPU_COUNT);
    assert_null(v);
    assert_int_equal(confai_evidence_verify_gpu(&v, p, evidence, sizeof(evidence), NULL, NULL, 0,
                                                NULL, FX_NOW, &err),
                     CONFAI_E_ARGUMENT);
    confai_policy_free(p);
}

static void test_verdict_null(void **state)
{
    (void)state;
    char *json = (char *)"x";
    confai_evidence_verdict_free(NULL);
    assert_null(confai_evidence_verdict_platform(NULL));
    assert_int_equal(confai_evidence_verdict_root_kind(NULL), CONFAI_ROOT_NONE);
    assert_null(confai_evidence_verdict_root_warning(NULL));
    assert_int_equal(confai_evidence_verdict_check_count(NULL), 0);
    assert_null(confai_evidence_verdict_check(NULL, 0));
    assert_int_equal(confai_evidence_verdict_waived_count(NULL), 0);
    assert_null(confai_evidence_verdict_waived(NULL, 0));
    assert_int_equal(confai_evidence_verdict_json(NULL, &json, NULL, &err), CONFAI_E_ARGUMENT);
    assert_null(json);
}

/* --- describe ---------------------------------------------------------------------- */

static cJSON *describe(confai_evidence_kind kind, const uint8_t *in, size_t len)
{
    char *json = NULL;
    size_t json_len = 0;
    if (confai_evidence_describe(&json, &json_len, kind, in, len, &err) != CONFAI_OK)
        fail_msg("describe: %s", err.message);
    assert_int_equal(json_len, strlen(json));
    cJSON *doc = cJSON_Parse(json);
    confai_free(json);
    assert_non_null(doc);
    return doc;
}

static void test_describe_snp_report(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    fx_sign(&F, report);
    cJSON *doc = describe(CONFAI_EVIDENCE_SEV_SNP_REPORT, report, sizeof(report));
    assert_string_equal(cJSON_GetObjectItem(doc, "kind")->valuestring, "sev-snp report");
    char hex[129];
    hex_encode(hex, F.fields.host_data, 32);
    assert_string_equal(cJSON_GetObjectItem(doc, "host_data")->valuestring, hex);
    cJSON_Delete(doc);

    char *json = (char *)"x";
    assert_int_equal(confai_evidence_describe(&json, NULL, CONFAI_EVIDENCE_SEV_SNP_REPORT, report,
                                              100, &err),
                     CONFAI_E_TRUNCATED);
    assert_null(json);
}

static void test_describe_bundle(void **state)
{
    (void)state;
    size_t len = 0;
    char *text0 = fx_bundle(&F, &len);
    cJSON *doc = describe(CONFAI_EVIDENCE_BUNDLE, (const uint8_t *)text0, len);
    assert_string_equal(cJSON_GetObjectItem(doc, "kind")->valuestring, "evidence bundle");
    cJSON *binding = cJSON_GetObjectItem(doc, "binding");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(binding, "report_data_matches")));
    cJSON *kc = cJSON_GetObjectItem(doc, "key_config");
    assert_int_equal(cJSON_GetObjectItem(kc, "key_id")->valueint, 7);
    assert_null(cJSON_GetObjectItem(doc, "strict_parse"));
    cJSON_Delete(doc);

    /* an unknown member: described leniently, with the strict parser's complaint */
    cJSON *b = cJSON_Parse(text0);
    cJSON_AddStringToObject(b, "extra", "x");
    char *text = cJSON_PrintUnformatted(b);
    doc = describe(CONFAI_EVIDENCE_BUNDLE, (const uint8_t *)text, strlen(text));
    assert_non_null(strstr(cJSON_GetObjectItem(doc, "strict_parse")->valuestring, "CONFAI_E_"));
    cJSON_Delete(doc);
    cJSON_free(text);
    cJSON_Delete(b);
    confai_free(text0);

    char *json = NULL;
    assert_int_not_equal(confai_evidence_describe(&json, NULL, CONFAI_EVIDENCE_BUNDLE,
                                                  (const uint8_t *)"{}", 2, &err),
                         CONFAI_OK);
    assert_null(json);
}

static void test_describe_rejects(void **state)
{
    (void)state;
    uint8_t junk[700];
    char *json = NULL;
    memset(junk, 0x5a, sizeof(junk));
    assert_int_not_equal(confai_evidence_describe(&json, NULL, CONFAI_EVIDENCE_TDX_QUOTE, junk,
                                                  sizeof(junk), &err),
                         CONFAI_OK);
    assert_null(json);
    assert_int_not_equal(confai_evidence_describe(&json, NULL, CONFAI_EVIDENCE_NVIDIA_SPDM, junk,
                                                  sizeof(junk), &err),
                         CONFAI_OK);
    assert_null(json);
    assert_int_equal(confai_evidence_describe(&json, NULL, (confai_evidence_kind)99, junk,
                                              sizeof(junk), &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_describe(NULL, NULL, CONFAI_EVIDENCE_TDX_QUOTE, junk,
                                              sizeof(junk), &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_describe(&json, NULL, CONFAI_EVIDENCE_TDX_QUOTE, NULL, 5,
                                              &err),
                     CONFAI_E_ARGUMENT);
}

/* --- key configurations, names ------------------------------------------------------ */

static void test_key_config_algorithms(void **state)
{
    (void)state;
    confai_ohttp_algorithms a = { 0, 0 };
    assert_int_equal(confai_key_config_algorithm_count(F.config), 1);
    FX_OK(confai_key_config_algorithm(F.config, &a, 0, &err));
    assert_int_equal(a.kdf_id, CONFAI_HPKE_KDF_HKDF_SHA256);
    assert_int_equal(a.aead_id, CONFAI_HPKE_AEAD_AES_256_GCM);
    assert_int_equal(confai_key_config_algorithm(F.config, &a, 1, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_key_config_algorithm(NULL, &a, 0, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_key_config_algorithm(F.config, NULL, 0, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_key_config_algorithm_count(NULL), 0);
    assert_string_equal(confai_hpke_kem_name(CONFAI_HPKE_KEM_X25519_SHA256),
                        "DHKEM(X25519, HKDF-SHA256)");
    assert_string_equal(confai_hpke_kdf_name(CONFAI_HPKE_KDF_HKDF_SHA256), "HKDF-SHA256");
    assert_string_equal(confai_hpke_aead_name(CONFAI_HPKE_AEAD_AES_256_GCM), "AES-256-GCM");
    assert_null(confai_hpke_kem_name(0x7777));
    assert_null(confai_hpke_kdf_name(0x7777));
    assert_null(confai_hpke_aead_name(0x7777));
}

static void test_check_names(void **state)
{
    (void)state;
    int n = 0;
    while (confai_check_name(n) != NULL)
        n++;
    assert_true(n > 40);
    assert_null(confai_check_name(-1));
    assert_true(known_name("policy.gpu.count"));
    assert_false(known_name("policy.gpus.count"));
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            assert_string_not_equal(confai_check_name(i), confai_check_name(j));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_snp_accept, reset),
        cmocka_unit_test_setup(test_snp_accept_without_report_data, reset),
        cmocka_unit_test_setup(test_snp_reject_platform, reset),
        cmocka_unit_test_setup(test_snp_reject_unknown_root, reset),
        cmocka_unit_test_setup(test_snp_reject_expired, reset),
        cmocka_unit_test_setup(test_snp_reject_signature, reset),
        cmocka_unit_test_setup(test_snp_reject_report_data, reset),
        cmocka_unit_test_setup(test_snp_reject_policy, reset),
        cmocka_unit_test_setup(test_snp_reject_arguments, reset),
        cmocka_unit_test_setup(test_tdx_reject_platform_and_arguments, reset),
        cmocka_unit_test_setup(test_gpu_reject_count_and_arguments, reset),
        cmocka_unit_test_setup(test_verdict_null, reset),
        cmocka_unit_test_setup(test_describe_snp_report, reset),
        cmocka_unit_test_setup(test_describe_bundle, reset),
        cmocka_unit_test_setup(test_describe_rejects, reset),
        cmocka_unit_test_setup(test_key_config_algorithms, reset),
        cmocka_unit_test_setup(test_check_names, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
