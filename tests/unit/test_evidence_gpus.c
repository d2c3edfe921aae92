/*
 * Raw GPU evidence (src/attest/evidence.c): confai_evidence_verify_gpus,
 * several simulated GPUs in one call, counted and told apart exactly as a
 * bundle's GPUs are; the accept case, then one rejection per reason (count
 * too low, too high, no gpus section, a GPU given twice, one GPU's own
 * failure, bad arguments); and each GPU's identity (leaf SPKI SHA-256 and
 * device ID) in the verdict JSON, also of confai_evidence_verify_gpu.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest_fixture.h"
#include "gpu_sim_fixture.h"

#define MAX_SIMS 3

static fx F;
static gpu_sim *G[MAX_SIMS]; /* each its own device PKI, all pinned by policy_with() */
static confai_error err;

/* What one call gives: each GPU's evidence, chain and nonce. */
typedef struct gpus_in {
    uint8_t *evidence[MAX_SIMS + 1];
    const uint8_t *certs[MAX_SIMS + 1][GPU_SIM_CERTS];
    size_t lens[MAX_SIMS + 1][GPU_SIM_CERTS];
    uint8_t nonce[32];
    confai_gpu_evidence in[MAX_SIMS + 1];
    size_t count;
} gpus_in;

static int group_setup(void **state)
{
    (void)state;
    fx_setup(&F, SNP_PRODUCT_GENOA);
    for (size_t i = 0; i < MAX_SIMS; i++)
        FX_OK(gpu_sim_new(&G[i], FX_NOW, NULL));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAX_SIMS; i++)
        gpu_sim_free(G[i]);
    fx_teardown(&F);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    memset(&err, 0, sizeof(err));
    return 0;
}

/* A policy whose gpus section accepts min..max GPUs of every sim. */
static confai_policy *policy_with(unsigned min, unsigned max)
{
    cJSON *doc = fx_policy_doc(&F);
    cJSON *g = gsf_gpus_section(G[0]);
    for (size_t i = 1; i < MAX_SIMS; i++)
        gsf_pin_root(g, G[i]);
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "min_count"), min);
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(g, "max_count"), max);
    cJSON_AddItemToObject(doc, "gpus", g);
    confai_policy *p = NULL;
    if (fx_policy_new(doc, &p, &err) != CONFAI_OK)
        fail_msg("policy: %s", err.message);
    return p;
}

/* Appends sim's default evidence answering the shared nonce. */
static void add_gpu(gpus_in *g, const gpu_sim *sim)
{
    gpu_sim_params params;
    size_t i = g->count++;
    size_t len = 0;
    gpu_sim_params_default(&params);
    memset(g->nonce, 0xc4, sizeof(g->nonce));
    FX_OK(gpu_sim_evidence(sim, &g->evidence[i], &len, g->nonce, &params, NULL));
    gpu_sim_chain(sim, g->certs[i], g->lens[i]);
    g->in[i] = (confai_gpu_evidence){ g->evidence[i], len, g->certs[i], g->lens[i],
                                      GPU_SIM_CERTS, g->nonce };
}

static void gpus_free(gpus_in *g)
{
    for (size_t i = 0; i < g->count; i++)
        OPENSSL_free(g->evidence[i]);
}

/* Verifies g against p (freed), expecting want; on success returns the verdict. */
static confai_evidence_verdict *run(confai_policy *p, const gpus_in *g, confai_status want)
{
    confai_evidence_verdict *v = (confai_evidence_verdict *)&err; /* must become NULL */
    confai_status st = confai_evidence_verify_gpus(&v, p, g->in, g->count, FX_NOW, &err);
    confai_policy_free(p);
    if (st != want)
        fail_msg("got %s (%s), want %s", confai_status_name(st), err.message,
                 confai_status_name(want));
    if (st != CONFAI_OK) {
        assert_null(v);
        assert_int_equal(err.status, want);
    }
    return v;
}

static int has(const confai_evidence_verdict *v, const char *name)
{
    for (size_t i = 0; i < confai_evidence_verdict_check_count(v); i++)
        if (strcmp(confai_evidence_verdict_check(v, i), name) == 0)
            return 1;
    return 0;
}

static cJSON *json_of(const confai_evidence_verdict *v)
{
    char *text = NULL;
    FX_OK(confai_evidence_verdict_json(v, &text, NULL, &err));
    cJSON *o = cJSON_Parse(text);
    confai_free(text);
    assert_non_null(o);
    return o;
}

/* The hex SHA-256 of sim's device leaf SubjectPublicKeyInfo, computed here. */
static void leaf_key_hex(char out[65], const gpu_sim *sim)
{
    const uint8_t *certs[GPU_SIM_CERTS], *p;
    size_t lens[GPU_SIM_CERTS];
    uint8_t digest[32];
    unsigned char *spki = NULL;
    gpu_sim_chain(sim, certs, lens);
    p = certs[0];
    X509 *leaf = d2i_X509(NULL, &p, (long)lens[0]);
    assert_non_null(leaf);
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &spki);
    assert_true(n > 0);
    assert_true(EVP_Digest(spki, (size_t)n, digest, NULL, EVP_sha256(), NULL));
    hex_encode(out, digest, 32);
    OPENSSL_free(spki);
    X509_free(leaf);
}

static void check_identity(const cJSON *gpu, const gpu_sim *sim)
{
    char want[65];
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(gpu, "identity");
    leaf_key_hex(want, sim);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                            id, "leaf_spki_sha256")),
                        want);
    /* the simulated leaves name no NVIDIA device ID */
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(id, "device_id")));
}

/* --- accepted --------------------------------------------------------------------- */

static void test_accept_two(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    add_gpu(&g, G[1]);
    add_gpu(&g, G[0]);
    confai_evidence_verdict *v = run(policy_with(2, 2), &g, CONFAI_OK);
    assert_string_equal(confai_evidence_verdict_platform(v), "nvidia-gpu");
    static const char *const names[] = { "policy.gpu.count", "gpu.certificate_chain",
                                         "gpu.signature", "gpu.binding", "gpu.distinct",
                                         "policy.gpu.cc_mode", "policy.gpu.measurements",
                                         "policy.gpu.driver", "policy.gpu.vbios" };
    assert_int_equal(confai_evidence_verdict_check_count(v), sizeof(names) / sizeof(names[0]));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_string_equal(confai_evidence_verdict_check(v, i), names[i]);
    assert_int_equal(confai_evidence_verdict_root_kind(v), CONFAI_ROOT_CUSTOM);
    assert_non_null(strstr(confai_evidence_verdict_root_warning(v), "gpus[0], gpus[1]"));

    cJSON *o = json_of(v);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "gpus");
    assert_int_equal(cJSON_GetArraySize(list), 2);
    check_identity(cJSON_GetArrayItem(list, 0), G[1]);
    check_identity(cJSON_GetArrayItem(list, 1), G[0]);
    const cJSON *root = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "root");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "kind")),
                        "custom");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(root, "warning"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 1), "evidence"));
    cJSON_Delete(o);
    confai_evidence_verdict_free(v);
    gpus_free(&g);
}

static void test_accept_one_within_range(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    add_gpu(&g, G[2]);
    confai_evidence_verdict *v = run(policy_with(0, 3), &g, CONFAI_OK);
    assert_true(has(v, "gpu.distinct") && has(v, "policy.gpu.count"));
    cJSON *o = json_of(v);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "gpus")), 1);
    cJSON_Delete(o);
    confai_evidence_verdict_free(v);
    gpus_free(&g);
}

/* The single-GPU verifier's JSON names the device too. */
static void test_single_gpu_identity(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    add_gpu(&g, G[0]);
    confai_policy *p = policy_with(1, 2);
    confai_evidence_verdict *v = NULL;
    FX_OK(confai_evidence_verify_gpu(&v, p, g.in[0].evidence, g.in[0].evidence_len,
                                     g.in[0].certs, g.in[0].cert_lens, g.in[0].cert_count,
                                     g.nonce, FX_NOW, &err));
    cJSON *o = json_of(v);
    check_identity(o, G[0]);
    cJSON_Delete(o);
    confai_evidence_verdict_free(v);
    confai_policy_free(p);
    gpus_free(&g);
}

/* --- rejected --------------------------------------------------------------------- */

static void test_reject_too_few(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    add_gpu(&g, G[0]);
    run(policy_with(2, 3), &g, CONFAI_E_POLICY_GPU_COUNT);
    assert_non_null(strstr(err.message, "1 GPU(s), gpus accepts 2 to 3"));
    gpus_free(&g);
}

static void test_reject_too_many(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    for (size_t i = 0; i < MAX_SIMS; i++)
        add_gpu(&g, G[i]);
    run(policy_with(1, 2), &g, CONFAI_E_POLICY_GPU_COUNT);
    assert_non_null(strstr(err.message, "3 GPU(s), gpus accepts 1 to 2"));
    gpus_free(&g);
}

static void test_reject_no_gpus_section(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    add_gpu(&g, G[0]);
    confai_policy *p = NULL;
    FX_OK(fx_policy_new(fx_policy_doc(&F), &p, &err));
    run(p, &g, CONFAI_E_POLICY_GPU_COUNT);
    gpus_free(&g);
}

/* One GPU's evidence twice would otherwise meet a min_count of 2. */
static void test_reject_repeated_device(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    add_gpu(&g, G[0]);
    add_gpu(&g, G[1]);
    add_gpu(&g, G[0]);
    run(policy_with(2, 3), &g, CONFAI_E_GPU_DUPLICATE);
    assert_non_null(strstr(err.message, "gpus[2]: the same GPU as gpus[0]"));
    assert_non_null(strstr(err.message, "the same device leaf key"));
    gpus_free(&g);
}

/* A GPU's own failure names it. */
static void test_reject_one_gpu(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    uint8_t other[32];
    add_gpu(&g, G[0]);
    add_gpu(&g, G[1]);
    memset(other, 0x11, sizeof(other));
    g.in[1].nonce = other;
    run(policy_with(2, 2), &g, CONFAI_E_BINDING);
    assert_non_null(strstr(err.message, "gpus[1]: "));
    gpus_free(&g);
}

static void test_reject_arguments(void **state)
{
    (void)state;
    gpus_in g = { 0 };
    confai_evidence_verdict *v = NULL;
    confai_policy *p = policy_with(1, 2);
    add_gpu(&g, G[0]);
    assert_int_equal(confai_evidence_verify_gpus(NULL, p, g.in, 1, FX_NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_verify_gpus(&v, NULL, g.in, 1, FX_NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_verify_gpus(&v, p, NULL, 1, FX_NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_evidence_verify_gpus(&v, p, g.in, 0, FX_NOW, &err),
                     CONFAI_E_ARGUMENT);
    g.in[0].nonce = NULL;
    assert_int_equal(confai_evidence_verify_gpus(&v, p, g.in, 1, FX_NOW, &err),
                     CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "gpus[0]: "));
    assert_null(v);
    confai_policy_free(p);
    gpus_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_accept_two, reset),
        cmocka_unit_test_setup(test_accept_one_within_range, reset),
        cmocka_unit_test_setup(test_single_gpu_identity, reset),
        cmocka_unit_test_setup(test_reject_too_few, reset),
        cmocka_unit_test_setup(test_reject_too_many, reset),
        cmocka_unit_test_setup(test_reject_no_gpus_section, reset),
        cmocka_unit_test_setup(test_reject_repeated_device, reset),
        cmocka_unit_test_setup(test_reject_one_gpu, reset),
        cmocka_unit_test_setup(test_reject_arguments, reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
