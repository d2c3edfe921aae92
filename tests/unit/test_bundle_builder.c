/*
 * src/server/bundle_builder.c: the public bundle builder. The accept paths
 * build bundles from a simulated SEV-SNP platform (with simulated GPUs) and
 * a simulated TD, and the production verifier or the strict parser reads
 * them back; each rejection has its own status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "attest_fixture.h"
#include "gpu_sim_fixture.h"
#include "sim/tdx_sim.h"

static fx F;
static gpu_sim *G, *G2; /* two GPUs: one sim listed twice is one GPU twice */
static confai_error err;

static int setup(void **state)
{
    (void)state;
    fx_setup(&F, SNP_PRODUCT_GENOA);
    return gpu_sim_new(&G, FX_NOW, NULL) == CONFAI_OK && gpu_sim_new(&G2, FX_NOW, NULL) == CONFAI_OK
               ? 0
               : -1;
}

static int teardown(void **state)
{
    (void)state;
    gpu_sim_free(G);
    gpu_sim_free(G2);
    fx_teardown(&F);
    return 0;
}

static confai_bundle_builder *new_builder(void)
{
    confai_bundle_builder *b = NULL;
    FX_OK(confai_bundle_builder_new(&b, F.nonce, F.key_config, F.key_config_len,
                                    (const uint8_t *)F.manifest, strlen(F.manifest),
                                    F.not_after, &err));
    return b;
}

static void set_snp(confai_bundle_builder *b)
{
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    fx_sign(&F, report);
    snp_sim_chain(F.sim, F.kind, certs, lens);
    FX_OK(confai_bundle_builder_set_snp(b, report, sizeof(report), certs, lens, 3, &err));
}

/* SHA-256 of the fixture's transcript: the GPU nonce. */
static void gpu_nonce(uint8_t out[32])
{
    binding_inputs in = { F.nonce,     32, F.key_config, F.key_config_len,
                          (const uint8_t *)F.manifest, strlen(F.manifest),
                          F.not_after, strlen(F.not_after) };
    FX_OK(binding_gpu_nonce(out, &in, NULL));
}

static confai_status add_gpu(confai_bundle_builder *b, const gpu_sim *sim, const uint8_t nonce[32])
{
    gpu_sim_params params;
    uint8_t *ev = NULL;
    size_t ev_len = 0;
    const uint8_t *certs[GPU_SIM_CERTS];
    size_t lens[GPU_SIM_CERTS];
    gpu_sim_params_default(&params);
    FX_OK(gpu_sim_evidence(sim, &ev, &ev_len, nonce, &params, NULL));
    gpu_sim_chain(sim, certs, lens);
    confai_status st =
        confai_bundle_builder_add_gpu(b, ev, ev_len, certs, lens, GPU_SIM_CERTS, &err);
    OPENSSL_free(ev);
    return st;
}

static confai_status verify(const char *json, size_t len, cJSON *policy_doc)
{
    confai_policy *p = NULL;
    confai_verdict *v = NULL;
    confai_verify_options o;
    FX_OK(fx_policy_new(policy_doc, &p, &err));
    FX_OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = FX_NOW;
    confai_status st = confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err);
    confai_verdict_free(v);
    confai_policy_free(p);
    return st;
}

/* An SEV-SNP bundle from the builder verifies with the production code. */
static void test_snp_verifies(void **state)
{
    (void)state;
    confai_bundle_builder *b = new_builder();
    char *json = NULL;
    size_t len = 0;
    set_snp(b);
    FX_OK(confai_bundle_builder_finish(b, &json, &len, &err));
    assert_int_equal(strlen(json), len);
    assert_int_equal(verify(json, len, fx_policy_doc(&F)), CONFAI_OK);
    /* finishing again gives the same bundle */
    char *again = NULL;
    size_t again_len = 0;
    FX_OK(confai_bundle_builder_finish(b, &again, &again_len, &err));
    assert_int_equal(again_len, len);
    assert_memory_equal(again, json, len);
    confai_free(again);
    confai_free(json);
    confai_bundle_builder_free(b);
}

/* With two GPUs, then a token, the bundle carries them all. */
static void test_snp_with_gpus_and_token(void **state)
{
    (void)state;
    uint8_t nonce[32];
    confai_bundle_builder *b = new_builder();
    char *json = NULL;
    size_t len = 0;
    gpu_nonce(nonce);
    set_snp(b);
    FX_OK(add_gpu(b, G, nonce));
    FX_OK(add_gpu(b, G2, nonce));
    FX_OK(confai_bundle_builder_finish(b, &json, &len, &err));
    /* the production verifier accepts the GPUs under their policy */
    cJSON *doc = fx_policy_doc(&F);
    cJSON *g = gsf_gpus_section(G);
    gsf_pin_root(g, G2);
    cJSON_AddItemToObject(doc, "gpus", g);
    assert_int_equal(verify(json, len, doc), CONFAI_OK);
    confai_free(json);

    FX_OK(confai_bundle_builder_add_token(b, "nras", "{\"a\":1}", &err));
    FX_OK(confai_bundle_builder_finish(b, &json, &len, &err));
    bundle parsed;
    memset(&parsed, 0, sizeof(parsed));
    FX_OK(bundle_parse(&parsed, json, len, 1, &err));
    assert_int_equal(parsed.gpu_count, 2);
    assert_int_equal(parsed.token_count, 1);
    assert_int_equal(parsed.tokens[0].kind, BUNDLE_TOKEN_NRAS);
    assert_int_equal(parsed.cpu.cert_count, 3);
    bundle_clear(&parsed);
    confai_free(json);
    confai_bundle_builder_free(b);
}

/* A report made for another nonce is not published. */
static void test_report_for_other_nonce(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    char *json = (char *)1;
    size_t len = 1;
    fx_sign(&F, report); /* for F.nonce ... */
    snp_sim_chain(F.sim, F.kind, certs, lens);
    uint8_t other[32];
    memcpy(other, F.nonce, 32);
    other[0] ^= 1; /* ... but the builder answers another */
    confai_bundle_builder *b = NULL;
    FX_OK(confai_bundle_builder_new(&b, other, F.key_config, F.key_config_len,
                                    (const uint8_t *)F.manifest, strlen(F.manifest),
                                    F.not_after, &err));
    FX_OK(confai_bundle_builder_set_snp(b, report, sizeof(report), certs, lens, 3, &err));
    assert_int_equal(confai_bundle_builder_finish(b, &json, &len, &err), CONFAI_E_BINDING);
    assert_null(json);
    assert_int_equal(len, 0);
    confai_bundle_builder_free(b);
}

/* A GPU that answers another nonce is not published either. */
static void test_gpu_for_other_nonce(void **state)
{
    (void)state;
    uint8_t nonce[32];
    char *json = NULL;
    size_t len = 0;
    confai_bundle_builder *b = new_builder();
    gpu_nonce(nonce);
    nonce[31] ^= 0x80;
    set_snp(b);
    FX_OK(add_gpu(b, G, nonce));
    assert_int_equal(confai_bundle_builder_finish(b, &json, &len, &err), CONFAI_E_BINDING);
    assert_non_null(strstr(err.message, "GPU 0"));
    assert_null(json);
    confai_bundle_builder_free(b);
}

static void test_no_cpu_and_twice(void **state)
{
    (void)state;
    char *json = NULL;
    size_t len = 0;
    confai_bundle_builder *b = new_builder();
    assert_int_equal(confai_bundle_builder_finish(b, &json, &len, &err), CONFAI_E_STATE);
    set_snp(b);
    uint8_t quote[64] = { 0 };
    assert_int_equal(confai_bundle_builder_set_tdx(b, quote, sizeof(quote), &err),
                     CONFAI_E_STATE);
    assert_int_equal(confai_bundle_builder_add_tdx_collateral(b, "tcb_info", quote, 4, &err),
                     CONFAI_E_STATE);
    confai_bundle_builder_free(b);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    confai_bundle_builder *b = (confai_bundle_builder *)1;
    assert_int_equal(confai_bundle_builder_new(&b, F.nonce, F.key_config, F.key_config_len, NULL,
                                               0, "2026-01-01 00:00:00Z", &err),
                     CONFAI_E_ARGUMENT);
    assert_null(b);
    assert_int_equal(confai_bundle_builder_new(&b, F.nonce, F.key_config, 0, NULL, 0,
                                               F.not_after, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_bundle_builder_new(NULL, F.nonce, F.key_config, F.key_config_len,
                                               NULL, 0, F.not_after, &err),
                     CONFAI_E_ARGUMENT);
    b = new_builder();
    assert_int_equal(confai_bundle_builder_add_token(b, "saml", "x", &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_bundle_builder_add_token(b, "jwt", "", &err), CONFAI_E_ARGUMENT);
    uint8_t report[SNP_REPORT_SIZE + 1] = { 0 };
    const uint8_t *certs[4] = { report, report, report, report };
    size_t lens[4] = { 10, 10, 10, 10 };
    assert_int_equal(confai_bundle_builder_set_snp(b, report, sizeof(report), certs, lens, 3,
                                                   &err),
                     CONFAI_E_LIMIT);
    assert_int_equal(confai_bundle_builder_set_snp(b, report, SNP_REPORT_SIZE, certs, lens, 4,
                                                   &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_bundle_builder_set_snp(b, report, SNP_REPORT_SIZE, certs, lens, 0,
                                                   &err),
                     CONFAI_E_ARGUMENT);
    /* a failed set leaves no CPU evidence behind */
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(confai_bundle_builder_finish(b, &json, &len, &err), CONFAI_E_STATE);
    confai_bundle_builder_free(b);
    confai_bundle_builder_free(NULL);
}

/* A report of zero bytes where a report should be: not published. */
static void test_report_garbage(void **state)
{
    (void)state;
    uint8_t report[SNP_REPORT_SIZE] = { 0 };
    const uint8_t *certs[1] = { report };
    size_t lens[1] = { 16 };
    char *json = NULL;
    size_t len = 0;
    confai_bundle_builder *b = new_builder();
    FX_OK(confai_bundle_builder_set_snp(b, report, 100, certs, lens, 1, &err));
    confai_status st = confai_bundle_builder_finish(b, &json, &len, &err);
    assert_true(st == CONFAI_E_TRUNCATED || st == CONFAI_E_MALFORMED);
    assert_null(json);
    confai_bundle_builder_free(b);
}

static void test_gpu_limits(void **state)
{
    (void)state;
    uint8_t nonce[32];
    confai_bundle_builder *b = new_builder();
    gpu_nonce(nonce);
    for (int i = 0; i < 16; i++)
        FX_OK(add_gpu(b, G, nonce));
    assert_int_equal(add_gpu(b, G, nonce), CONFAI_E_LIMIT);
    uint8_t ev[4] = { 0 };
    const uint8_t *certs[9] = { ev };
    size_t lens[9] = { 4 };
    confai_bundle_builder *c = new_builder();
    assert_int_equal(confai_bundle_builder_add_gpu(c, ev, sizeof(ev), certs, lens, 9, &err),
                     CONFAI_E_ARGUMENT);
    confai_bundle_builder_free(c);
    confai_bundle_builder_free(b);
}

/* A TDX quote whose report data is the binding, with collateral. */
static void test_tdx(void **state)
{
    (void)state;
    tdx_sim *td = NULL;
    tdx_sim_body body;
    uint8_t quote[8192 + 512];
    size_t quote_len = 0;
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(tdx_sim_new(&td, FX_NOW), 0);
    tdx_sim_body_default(&body, 4);
    fx_report_data(&F, body.report_data);
    assert_int_equal(tdx_sim_quote(td, &body, quote, sizeof(quote) - 512, &quote_len), 0);

    /* in a zero-padded buffer, as configfs-tsm hands it out */
    memset(quote + quote_len, 0, 512);
    confai_bundle_builder *b = new_builder();
    FX_OK(confai_bundle_builder_set_tdx(b, quote, quote_len + 512, &err));
    FX_OK(confai_bundle_builder_add_tdx_collateral(b, "tcb_info", (const uint8_t *)"{}", 2, &err));
    assert_int_equal(confai_bundle_builder_add_tdx_collateral(b, "tcb_info",
                                                              (const uint8_t *)"{}", 2, &err),
                     CONFAI_E_STATE);
    assert_int_equal(confai_bundle_builder_add_tdx_collateral(b, "tcbinfo",
                                                              (const uint8_t *)"{}", 2, &err),
                     CONFAI_E_ARGUMENT);
    FX_OK(confai_bundle_builder_finish(b, &json, &len, &err));
    bundle parsed;
    memset(&parsed, 0, sizeof(parsed));
    FX_OK(bundle_parse(&parsed, json, len, 1, &err));
    assert_int_equal(parsed.cpu.type, BUNDLE_CPU_TDX);
    assert_int_equal(parsed.cpu.quote.len, quote_len); /* the padding left out */
    assert_int_equal(parsed.cpu.collateral[BUNDLE_TDX_TCB_INFO].len, 2);
    bundle_clear(&parsed);
    confai_free(json);
    confai_bundle_builder_free(b);

    /* the same quote answering another manifest is refused */
    b = NULL;
    FX_OK(confai_bundle_builder_new(&b, F.nonce, F.key_config, F.key_config_len,
                                    (const uint8_t *)"other", 5, F.not_after, &err));
    FX_OK(confai_bundle_builder_set_tdx(b, quote, quote_len, &err));
    assert_int_equal(confai_bundle_builder_finish(b, &json, &len, &err), CONFAI_E_BINDING);
    confai_bundle_builder_free(b);
    /* and a quote that is not one is refused when it is set */
    b = new_builder();
    quote[0] ^= 0xff;
    assert_int_not_equal(confai_bundle_builder_set_tdx(b, quote, quote_len, &err), CONFAI_OK);
    confai_bundle_builder_free(b);
    tdx_sim_free(td);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snp_verifies),
        cmocka_unit_test(test_snp_with_gpus_and_token),
        cmocka_unit_test(test_report_for_other_nonce),
        cmocka_unit_test(test_gpu_for_other_nonce),
        cmocka_unit_test(test_no_cpu_and_twice),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_report_garbage),
        cmocka_unit_test(test_gpu_limits),
        cmocka_unit_test(test_tdx),
    };
    return cmocka_run_group_tests_name("bundle_builder", tests, setup, teardown);
}
