/*
 * src/attest/check.c: the vocabulary of check names. Every name is
 * non-empty, unique and of the documented shape, confai_check_name lists
 * exactly attest_check_name's names, and the verdicts of the simulated
 * SEV-SNP platform (with and without simulated GPUs, pinned and waived)
 * report names from the vocabulary only, through the getters and the JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "attest/check.h"

#include "attest_fixture.h"
#include "gpu_sim_fixture.h"

static fx F;
static gpu_sim *G, *G2;
static confai_error err;

static int group_setup(void **state)
{
    (void)state;
    fx_setup(&F, SNP_PRODUCT_GENOA);
    FX_OK(gpu_sim_new(&G, FX_NOW, NULL));
    FX_OK(gpu_sim_new(&G2, FX_NOW, NULL));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_teardown(&F);
    gpu_sim_free(G);
    gpu_sim_free(G2);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    fx_reset(&F);
    return 0;
}

/* Lowercase words with digits and '_', joined by '.' ("policy.gpu.count"). */
static int well_formed(const char *name)
{
    if (name[0] == '\0' || name[0] == '.' || name[strlen(name) - 1] == '.')
        return 0;
    for (const char *c = name; *c != '\0'; c++) {
        if (*c == '.' && c[1] == '.')
            return 0;
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.'))
            return 0;
    }
    return 1;
}

static int in_vocabulary(const char *name)
{
    for (int i = 0; confai_check_name(i) != NULL; i++)
        if (strcmp(confai_check_name(i), name) == 0)
            return 1;
    return 0;
}

static void test_names(void **state)
{
    (void)state;
    int count = 0;
    while (confai_check_name(count) != NULL)
        count++;
    assert_int_equal(count, ATTEST_CHECK_COUNT);
    assert_null(confai_check_name(-1));
    assert_null(confai_check_name(count));
    assert_null(confai_check_name(count + 1000));
    assert_null(attest_check_name(ATTEST_CHECK_COUNT));
    for (int i = 0; i < count; i++) {
        const char *name = confai_check_name(i);
        assert_ptr_equal(name, attest_check_name((attest_check)i));
        if (!well_formed(name))
            fail_msg("check %d: \"%s\" is not a well-formed name", i, name);
        for (int j = 0; j < i; j++)
            if (strcmp(confai_check_name(j), name) == 0)
                fail_msg("checks %d and %d are both named \"%s\"", j, i, name);
    }
}

/* Names the documentation lists keep their spelling (doc/protocol.md). */
static void test_documented_names(void **state)
{
    (void)state;
    const char *documented[] = { "bundle", "nonce", "not_after", "policy.platform",
                                 "sev_snp.certificate_chain", "sev_snp.endorsement",
                                 "sev_snp.signature", "binding.report_data", "policy.product",
                                 "policy.measurement", "policy.tcb.reported",
                                 "policy.tcb.committed", "policy.tcb.launch", "policy.debug",
                                 "policy.migration_agent", "policy.vmpl",
                                 "policy.host_data", "policy.guest_svn", "policy.id_key",
                                 "policy.author_key", "policy.chip_id",
                                 "policy.firmware.current", "policy.firmware.committed",
                                 "policy.manifest", "key_config", "policy.gpu.count",
                                 "gpu.certificate_chain", "gpu.signature", "gpu.binding", "gpu.distinct",
                                 "policy.tokens.count", "policy.rtmr0", "policy.rtmr3",
                                 "policy.tcb.current", "policy.report_version",
                                 "policy.guest_policy.smt", "policy.guest_policy.single_socket",
                                 "policy.guest_policy.cxl_allow",
                                 "policy.guest_policy.mem_aes_256_xts",
                                 "policy.guest_policy.rapl_dis",
                                 "policy.guest_policy.ciphertext_hiding_dram",
                                 "policy.guest_policy.page_swap_disable",
                                 "policy.guest_policy.min_abi" };
    for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
        if (!in_vocabulary(documented[i]))
            fail_msg("\"%s\" is not in the vocabulary", documented[i]);
    /* SMT is checked once, by policy.guest_policy.smt (doc/policy.md, "SMT") */
    assert_false(in_vocabulary("policy.smt"));
}

/* Verifies bundle (consumed) against policy (consumed) at FX_NOW. */
static confai_verdict *verify(cJSON *policy_doc, cJSON *bundle_doc)
{
    confai_policy *p = NULL;
    if (fx_policy_new(policy_doc, &p, &err) != CONFAI_OK)
        fail_msg("policy rejected: %s", err.message);
    char *text = cJSON_PrintUnformatted(bundle_doc);
    cJSON_Delete(bundle_doc);
    confai_verify_options o;
    FX_OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = FX_NOW;
    confai_verdict *v = NULL;
    if (confai_attestation_verify(&v, p, &o, F.nonce, text, strlen(text), &err) != CONFAI_OK)
        fail_msg("rejected: %s", err.message);
    cJSON_free(text);
    confai_policy_free(p);
    return v;
}

static cJSON *bundle_doc(size_t gpus)
{
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    cJSON *doc = cJSON_Parse(json);
    confai_free(json);
    if (gpus == 0)
        return doc;
    uint8_t nonce[32];
    binding_inputs in = { F.nonce, 32, F.key_config, F.key_config_len,
                          (const uint8_t *)F.manifest, strlen(F.manifest),
                          F.not_after, strlen(F.not_after) };
    FX_OK(binding_gpu_nonce(nonce, &in, NULL));
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    cJSON *arr = cJSON_AddArrayToObject(doc, "gpus");
    for (size_t i = 0; i < gpus; i++)
        cJSON_AddItemToArray(arr, gsf_gpu_entry(i % 2 ? G2 : G, &params, nonce));
    return doc;
}

/* The JSON array name of the verdict holds exactly these count names. */
static void json_names_are(const cJSON *doc, const char *name, const confai_verdict *v,
                           const char *(*get)(const confai_verdict *, size_t), size_t count)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, name);
    assert_true(cJSON_IsArray(arr));
    assert_int_equal((size_t)cJSON_GetArraySize(arr), count);
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, arr) {
        assert_true(cJSON_IsString(item));
        assert_string_equal(item->valuestring, get(v, i));
        i++;
    }
}

/*
 * Every name the verdict reports, passed or waived, is in the vocabulary;
 * ran (a name) is among the passed ones. Frees v.
 */
static void expect_vocabulary(confai_verdict *v, const char *ran, size_t min_waived)
{
    size_t passed = confai_verdict_check_count(v), waived = confai_verdict_waived_count(v);
    int found = 0;
    for (size_t i = 0; i < passed; i++)
        found |= strcmp(confai_verdict_check(v, i), ran) == 0;
    if (!found)
        fail_msg("\"%s\" is not among the checks", ran);
    assert_true(waived >= min_waived);
    for (size_t i = 0; i < passed; i++)
        if (!in_vocabulary(confai_verdict_check(v, i)))
            fail_msg("check \"%s\" is not in the vocabulary", confai_verdict_check(v, i));
    for (size_t i = 0; i < waived; i++)
        if (!in_vocabulary(confai_verdict_waived(v, i)))
            fail_msg("waived \"%s\" is not in the vocabulary", confai_verdict_waived(v, i));
    char *json = NULL;
    FX_OK(confai_verdict_json(v, &json, NULL, NULL));
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    json_names_are(doc, "checks", v, confai_verdict_check, passed);
    json_names_are(doc, "waived", v, confai_verdict_waived, waived);
    cJSON_Delete(doc);
    confai_free(json);
    confai_verdict_free(v);
}

static void test_simulated_platform(void **state)
{
    (void)state;
    expect_vocabulary(verify(fx_policy_doc(&F), bundle_doc(0)), "sev_snp.signature", 0);
}

static void set(cJSON *obj, const char *name, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        cJSON_ReplaceItemInObject(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

static void test_simulated_platform_waived(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    cJSON *snp = fx_snp(doc);
    const char *names[] = { "products", "measurements", "min_tcb", "vmpls", "host_data",
                            "id_key_digests", "author_key_digests", "chip_ids", "min_firmware",
                            "min_current_tcb" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        set(snp, names[i], cJSON_CreateString("*"));
    set(cJSON_GetObjectItemCaseSensitive(doc, "manifest"), "sha256", cJSON_CreateString("*"));
    expect_vocabulary(verify(doc, bundle_doc(0)), "key_config", 10);
}

static void test_simulated_gpus(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    cJSON *g = gsf_gpus_section(G);
    gsf_pin_root(g, G2);
    cJSON_AddItemToObject(doc, "gpus", g);
    expect_vocabulary(verify(doc, bundle_doc(2)), "gpu.binding", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_documented_names),
        cmocka_unit_test_setup(test_simulated_platform, reset),
        cmocka_unit_test_setup(test_simulated_platform_waived, reset),
        cmocka_unit_test_setup(test_simulated_gpus, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
