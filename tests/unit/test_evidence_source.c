/*
 * src/server/evidence_source.c: the simulated source (an SEV-SNP platform
 * with simulated GPUs, each its own device) fills a bundle builder that
 * the production verifier accepts under the source's own policy; the real
 * platform's source refuses what it cannot open, each with its status.
 * (The real source on the fakes of configfs-tsm, KDS and NVML runs end to
 * end in tests/e2e/test_real_platform.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "core/rfc3339.h"
#include "sim/snp_sim_api.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)

static struct {
    confai_sim_snp *sim;
    confai_hpke_key *hpke;
    confai_key_config *config;
    uint8_t key_config[128];
    size_t key_config_len;
    uint8_t nonce[32];
    char not_after[RFC3339_LEN + 1];
    int64_t now;
} E;
static confai_error err;
static const char manifest[] = "{\"model\":\"test\"}";

static int setup(void **state)
{
    (void)state;
    uint8_t measurement[48];
    memset(measurement, 0x5a, sizeof(measurement));
    E.now = (int64_t)time(NULL);
    if (sim_snp_new_generated(&E.sim, 2048, measurement, E.now, &err) != CONFAI_OK)
        return -1;
    OK(confai_hpke_key_generate(&E.hpke, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    confai_ohttp_algorithms algs[] = { { CONFAI_HPKE_KDF_HKDF_SHA256,
                                         CONFAI_HPKE_AEAD_AES_256_GCM } };
    OK(confai_key_config_new(&E.config, E.hpke, 1, algs, 1, NULL));
    E.key_config_len = sizeof(E.key_config);
    OK(confai_key_config_serialize(E.config, E.key_config, &E.key_config_len, NULL));
    memset(E.nonce, 0x33, sizeof(E.nonce));
    assert_true(rfc3339_format(E.not_after, E.now + 3600));
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

static confai_bundle_builder *builder(void)
{
    confai_bundle_builder *b = NULL;
    OK(confai_bundle_builder_new(&b, E.nonce, E.key_config, E.key_config_len,
                                 (const uint8_t *)manifest, strlen(manifest), E.not_after, &err));
    return b;
}

/* Collects a bundle from source and verifies it under the source's policy. */
static confai_status collect_and_verify(confai_evidence_source *source, size_t *gpus)
{
    confai_bundle_builder *b = builder();
    char *json = NULL, *policy_json = NULL;
    size_t len = 0, policy_len = 0;
    confai_policy *policy = NULL;
    confai_verdict *v = NULL;
    confai_verify_options o;
    OK(confai_evidence_source_collect(source, b, &err));
    OK(confai_bundle_builder_finish(b, &json, &len, &err));
    OK(confai_evidence_source_policy_json(source, &policy_json, &policy_len,
                                          (const uint8_t *)manifest, strlen(manifest), 3600,
                                          &err));
    OK(confai_policy_new(&policy, policy_json, policy_len, &err));
    OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = E.now;
    confai_status st = confai_attestation_verify(&v, policy, &o, E.nonce, json, len, &err);
    if (st == CONFAI_OK) {
        char *vj = NULL;
        size_t vj_len = 0;
        OK(confai_verdict_json(v, &vj, &vj_len, &err));
        cJSON *doc = cJSON_Parse(vj);
        assert_non_null(doc);
        *gpus = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(doc, "gpus"));
        cJSON_Delete(doc);
        confai_free(vj);
    }
    confai_verdict_free(v);
    confai_policy_free(policy);
    confai_free(policy_json);
    confai_free(json);
    confai_bundle_builder_free(b);
    return st;
}

static void sim_source_without_gpus(void **state)
{
    (void)state;
    confai_evidence_source *s = NULL;
    size_t gpus = 99;
    OK(confai_evidence_source_new_sim_snp(&s, E.sim, 0, &err));
    assert_string_equal(confai_evidence_source_platform(s), "sev-snp");
    assert_int_equal(confai_evidence_source_gpu_count(s), 0);
    if (collect_and_verify(s, &gpus) != CONFAI_OK)
        fail_msg("verify: %s", err.message);
    assert_int_equal(gpus, 0);
    confai_evidence_source_free(s);
}

static void sim_source_with_gpus(void **state)
{
    (void)state;
    confai_evidence_source *s = NULL;
    size_t gpus = 0;
    OK(confai_evidence_source_new_sim_snp(&s, E.sim, 3, &err));
    assert_int_equal(confai_evidence_source_gpu_count(s), 3);
    if (collect_and_verify(s, &gpus) != CONFAI_OK)
        fail_msg("verify: %s", err.message);
    assert_int_equal(gpus, 3); /* three devices, none counted twice */
    confai_evidence_source_free(s);
}

/* A simulated TD, its collateral made per attestation, with two GPUs. */
static void sim_tdx_source(void **state)
{
    (void)state;
    confai_evidence_source *s = NULL;
    size_t gpus = 0;
    OK(confai_evidence_source_new_sim_tdx(&s, 2, &err));
    assert_string_equal(confai_evidence_source_platform(s), "tdx");
    assert_int_equal(confai_evidence_source_gpu_count(s), 2);
    if (collect_and_verify(s, &gpus) != CONFAI_OK)
        fail_msg("verify: %s", err.message);
    assert_int_equal(gpus, 2);
    /* another simulated TD is another root: this one's policy refuses it */
    confai_evidence_source *other = NULL;
    OK(confai_evidence_source_new_sim_tdx(&other, 0, &err));
    char *policy_json = NULL;
    size_t policy_len = 0;
    OK(confai_evidence_source_policy_json(other, &policy_json, &policy_len,
                                          (const uint8_t *)manifest, strlen(manifest), 3600,
                                          &err));
    confai_policy *policy = NULL;
    OK(confai_policy_new(&policy, policy_json, policy_len, &err));
    confai_bundle_builder *b = builder();
    char *json = NULL;
    size_t len = 0;
    OK(confai_evidence_source_collect(s, b, &err));
    OK(confai_bundle_builder_finish(b, &json, &len, &err));
    confai_verify_options o;
    OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = E.now;
    confai_verdict *v = NULL;
    assert_int_equal(confai_attestation_verify(&v, policy, &o, E.nonce, json, len, &err),
                     CONFAI_E_UNKNOWN_ROOT);
    confai_free(json);
    confai_bundle_builder_free(b);
    confai_policy_free(policy);
    confai_free(policy_json);
    confai_evidence_source_free(other);
    confai_evidence_source_free(s);
    assert_int_equal(confai_evidence_source_new_sim_tdx(&s, 17, &err), CONFAI_E_ARGUMENT);
    assert_null(s);
}

static void sim_source_rejections(void **state)
{
    (void)state;
    confai_evidence_source *s = (confai_evidence_source *)1;
    assert_int_equal(confai_evidence_source_new_sim_snp(&s, E.sim, 17, &err), CONFAI_E_ARGUMENT);
    assert_null(s);
    assert_int_equal(confai_evidence_source_new_sim_snp(&s, NULL, 0, &err), CONFAI_E_ARGUMENT);
    OK(confai_evidence_source_new_sim_snp(&s, E.sim, 0, &err));
    /* a builder that has CPU evidence already */
    confai_bundle_builder *b = builder();
    OK(confai_evidence_source_collect(s, b, &err));
    assert_int_equal(confai_evidence_source_collect(s, b, &err), CONFAI_E_STATE);
    assert_int_equal(confai_evidence_source_collect(NULL, b, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_source_collect(s, NULL, &err), CONFAI_E_ARGUMENT);
    confai_bundle_builder_free(b);
    char *json = (char *)1;
    size_t len = 1;
    assert_int_equal(confai_evidence_source_policy_json(NULL, &json, &len, NULL, 0, 60, &err),
                     CONFAI_E_ARGUMENT);
    assert_null(json);
    confai_evidence_source_free(s);
    confai_evidence_source_free(NULL);
    assert_null(confai_evidence_source_platform(NULL));
    assert_int_equal(confai_evidence_source_gpu_count(NULL), 0);
}

static void real_source_rejections(void **state)
{
    (void)state;
    confai_platform_options o;
    confai_evidence_source *s = (confai_evidence_source *)1;
    assert_int_equal(confai_platform_options_init(&o, 99, &err), CONFAI_E_UNSUPPORTED);
    assert_int_equal(confai_platform_options_init(NULL, CONFAI_PLATFORM_OPTIONS_VERSION, &err),
                     CONFAI_E_ARGUMENT);
    OK(confai_platform_options_init(&o, CONFAI_PLATFORM_OPTIONS_VERSION, &err));
    assert_int_equal(o.vmpl, -1);
    assert_int_equal(o.gpus, CONFAI_GPUS_AUTO);
    assert_int_equal(confai_platform_options_version(), CONFAI_PLATFORM_OPTIONS_VERSION);

    /* neither configfs-tsm nor /dev/sev-guest: the message names both */
    o.tsm_root = "/nonexistent/tsm/report";
    o.sev_guest_device = "/nonexistent/sev-guest";
    assert_int_equal(confai_evidence_source_new(&s, &o, &err), CONFAI_E_TSM_UNAVAILABLE);
    assert_null(s);
    assert_non_null(strstr(err.message, "/nonexistent/tsm/report"));
    assert_non_null(strstr(err.message, "/nonexistent/sev-guest"));
    /* TDX has no fallback device */
    o.platform = "tdx";
    assert_int_equal(confai_evidence_source_new(&s, &o, &err), CONFAI_E_TSM_UNAVAILABLE);
    assert_non_null(strstr(err.message, "configfs-tsm"));

    o.platform = "sgx";
    assert_int_equal(confai_evidence_source_new(&s, &o, &err), CONFAI_E_UNSUPPORTED);
    o.platform = NULL;
    o.vmpl = 4;
    assert_int_equal(confai_evidence_source_new(&s, &o, &err), CONFAI_E_ARGUMENT);
    o.vmpl = -1;
    o.reserved[2] = 1;
    assert_int_equal(confai_evidence_source_new(&s, &o, &err), CONFAI_E_ARGUMENT);
    o.reserved[2] = 0;
    o.version = 2;
    assert_int_equal(confai_evidence_source_new(&s, &o, &err), CONFAI_E_UNSUPPORTED);
    assert_int_equal(confai_evidence_source_new(&s, NULL, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_source_new(NULL, &o, &err), CONFAI_E_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sim_source_without_gpus),
        cmocka_unit_test(sim_source_with_gpus),
        cmocka_unit_test(sim_tdx_source),
        cmocka_unit_test(sim_source_rejections),
        cmocka_unit_test(real_source_rejections),
    };
    return cmocka_run_group_tests_name("evidence_source", tests, setup, teardown);
}
