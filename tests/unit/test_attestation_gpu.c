/*
 * src/attest/gpu/gpu_attestation.c and gpu_verdict.c,
 * token/token_attestation.c and token_verdict.c, policy/policy_gpu.c and
 * policy_token.c: GPUs and tokens in confai_attestation_verify.
 *
 * The real H100 evidence answers NVIDIA's own nonce, never a binding of
 * ours, so it goes through the internal verifier and then the gpus
 * section's checks. The whole public path runs on a simulated SEV-SNP
 * service plus simulated GPUs (src/sim/gpu_sim.h) whose device root the
 * policy pins as a custom root, with tokens signed here: the accept case,
 * then one rejection per check, each with its own status. Every public
 * verification runs again with a cache of verified chains shared by the
 * whole file, which must give the same status, message and verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest_fixture.h"
#include "attest/gpu/gpu_attestation.h"
#include "attest/policy/policy.h"
#include "core/base64.h"
#include "sim/gpu_sim.h"
#include "cache_check.h"
#include "gpu_sim_fixture.h"
#include "jwt_sign.h"
#include "nvgpu_test_helpers.h"

#define ISS "https://nras.example"

static fx F;
static gpu_sim *G, *G2, *G3, *OTHER; /* G to G3 pinned by gpus_section, OTHER not */
static EVP_PKEY *TOKEN_KEY;
static confai_error err;

/* One cache for every verification of this file: its entries must never change a result. */
static confai_verify_cache *shared_cache;

static int group_setup(void **state)
{
    (void)state;
    fx_setup(&F, SNP_PRODUCT_GENOA);
    FX_OK(gpu_sim_new(&G, FX_NOW, NULL));
    FX_OK(gpu_sim_new(&G2, FX_NOW, NULL));
    FX_OK(gpu_sim_new(&G3, FX_NOW, NULL));
    FX_OK(gpu_sim_new(&OTHER, FX_NOW, NULL));
    TOKEN_KEY = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    FX_OK(confai_verify_cache_new(&shared_cache, NULL));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_teardown(&F);
    gpu_sim_free(G);
    gpu_sim_free(G2);
    gpu_sim_free(G3);
    gpu_sim_free(OTHER);
    EVP_PKEY_free(TOKEN_KEY);
    confai_verify_cache_free(shared_cache);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    fx_reset(&F);
    return 0;
}

static void set(cJSON *obj, const char *name, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        cJSON_ReplaceItemInObject(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

/* SHA-256(T) of the fixture's current bundle parts. */
static void gpu_nonce(uint8_t out[32])
{
    binding_inputs in = { F.nonce, 32, F.key_config, F.key_config_len,
                          (const uint8_t *)F.manifest, strlen(F.manifest),
                          F.not_after, strlen(F.not_after) };
    FX_OK(binding_gpu_nonce(out, &in, NULL));
}

static void nonce_hex(char out[65])
{
    uint8_t n[32];
    gpu_nonce(n);
    hex_encode(out, n, 32);
}

static cJSON *b64_item(const uint8_t *data, size_t len)
{
    return gsf_b64_item(data, len);
}

static cJSON *gpu_entry(const gpu_sim *sim, const gpu_sim_params *params, const uint8_t nonce[32])
{
    return gsf_gpu_entry(sim, params, nonce);
}

/* The fixture's bundle with n GPUs (G, G2, G3, G, ...) of default parameters, bound to it. */
static cJSON *bundle_with_gpus(size_t n)
{
    const gpu_sim *sims[] = { G, G2, G3 };
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    cJSON *doc = cJSON_Parse(json);
    confai_free(json);
    uint8_t nonce[32];
    gpu_nonce(nonce);
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    cJSON *gpus = cJSON_AddArrayToObject(doc, "gpus");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(gpus, gpu_entry(sims[i % 3], &params, nonce));
    return doc;
}

static cJSON *gpus_section(void)
{
    cJSON *g = gsf_gpus_section(G);
    gsf_pin_root(g, G2);
    gsf_pin_root(g, G3);
    return g;
}

static cJSON *tokens_section(const char *format, uint32_t min_count)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "min_count", min_count);
    cJSON *issuers = cJSON_AddArrayToObject(t, "issuers");
    cJSON *i = cJSON_CreateObject();
    cJSON_AddStringToObject(i, "iss", ISS);
    cJSON_AddStringToObject(i, "format", format);
    cJSON_AddItemToObject(i, "audiences",
                          cJSON_CreateStringArray((const char *const[]){ "confai" }, 1));
    cJSON_AddNumberToObject(i, "max_skew", 60);
    cJSON *jwks = cJSON_AddObjectToObject(i, "jwks");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(jwks, "keys"), jwt_jwk(TOKEN_KEY, "k1", "ES384"));
    cJSON_AddItemToArray(issuers, i);
    return t;
}

static cJSON *policy_with_gpus(void)
{
    cJSON *doc = fx_policy_doc(&F);
    cJSON_AddItemToObject(doc, "gpus", gpus_section());
    return doc;
}

/* Verifies bundle (consumed) against policy (consumed) at FX_NOW. */
static confai_status verify(cJSON *policy_doc, cJSON *bundle_doc, confai_verdict **out)
{
    confai_policy *p = NULL;
    if (fx_policy_new(policy_doc, &p, &err) != CONFAI_OK)
        fail_msg("policy rejected: %s", err.message);
    char *text = cJSON_PrintUnformatted(bundle_doc);
    cJSON_Delete(bundle_doc);
    confai_verify_options o;
    FX_OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = FX_NOW;
    confai_verdict *v = (confai_verdict *)1;
    confai_status st = confai_attestation_verify(&v, p, &o, F.nonce, text, strlen(text), &err);
    if (st != CONFAI_OK)
        assert_null(v);
    cache_check_same(shared_cache, p, o, F.nonce, text, st, &err, v);
    if (out != NULL && st == CONFAI_OK)
        *out = v;
    else
        confai_verdict_free(st == CONFAI_OK ? v : NULL);
    cJSON_free(text);
    confai_policy_free(p);
    return st;
}

#define EXPECT(want, call, text)                                                             \
    do {                                                                                     \
        confai_status got_ = (call);                                                         \
        if (got_ != (want) || strstr(err.message, (text)) == NULL)                           \
            fail_msg("line %d: got %s (%s), want %s with \"%s\"", __LINE__,                 \
                     confai_status_name(got_), err.message, confai_status_name(want), text); \
    } while (0)

static int has_check(const confai_verdict *v, const char *name, int waived)
{
    size_t n = waived ? confai_verdict_waived_count(v) : confai_verdict_check_count(v);
    for (size_t i = 0; i < n; i++)
        if (strcmp(waived ? confai_verdict_waived(v, i) : confai_verdict_check(v, i), name) == 0)
            return 1;
    return 0;
}

/* --- the public path ------------------------------------------------------------- */

static void accepts_simulated_gpus(void **state)
{
    (void)state;
    confai_verdict *v = NULL;
    EXPECT(CONFAI_OK, verify(policy_with_gpus(), bundle_with_gpus(2), &v), "");
    assert_true(has_check(v, "gpu.binding", 0));
    assert_true(has_check(v, "gpu.signature", 0));
    assert_true(has_check(v, "policy.gpu.measurements", 0));
    assert_true(has_check(v, "policy.gpu.count", 0));
    assert_true(has_check(v, "gpu.distinct", 0));
    char *json = NULL;
    FX_OK(confai_verdict_json(v, &json, NULL, NULL));
    cJSON *doc = cJSON_Parse(json);
    cJSON *gpus = cJSON_GetObjectItem(doc, "gpus");
    assert_int_equal(cJSON_GetArraySize(gpus), 2);
    cJSON *g0 = cJSON_GetArrayItem(gpus, 0);
    assert_string_equal(cJSON_GetObjectItem(g0, "driver_version")->valuestring, "550.90.07");
    assert_string_equal(cJSON_GetObjectItem(g0, "vbios_version")->valuestring, "96.00.9F.00.01");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(g0, "measurements_matched")), 16);
    cJSON *root = cJSON_GetObjectItem(g0, "root");
    assert_string_equal(cJSON_GetObjectItem(root, "kind")->valuestring, "custom");
    assert_non_null(strstr(cJSON_GetObjectItem(root, "warning")->valuestring, "NOT an NVIDIA root"));
    /* each GPU's identity: two sims, two leaf keys, no device ID in a simulated leaf */
    const cJSON *id0 = cJSON_GetObjectItem(g0, "identity");
    const cJSON *id1 = cJSON_GetObjectItem(cJSON_GetArrayItem(gpus, 1), "identity");
    const char *k0 = cJSON_GetStringValue(cJSON_GetObjectItem(id0, "leaf_spki_sha256"));
    const char *k1 = cJSON_GetStringValue(cJSON_GetObjectItem(id1, "leaf_spki_sha256"));
    assert_true(k0 != NULL && k1 != NULL && strlen(k0) == 64 && strcmp(k0, k1) != 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(id0, "device_id")));
    cJSON_Delete(doc);
    confai_free(json);
    confai_verdict_free(v);

    /* devtools with wildcards: accepted, the checks listed as waived */
    cJSON *p = fx_policy_doc(&F);
    cJSON *g = gpus_section();
    set(g, "cc_mode", cJSON_CreateString("devtools"));
    set(g, "measurements", cJSON_CreateString("*"));
    set(g, "driver_versions", cJSON_CreateString("*"));
    set(g, "vbios_versions", cJSON_CreateString("*"));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_OK, verify(p, bundle_with_gpus(1), &v), "");
    assert_true(has_check(v, "policy.gpu.cc_mode", 1));
    assert_true(has_check(v, "policy.gpu.measurements", 1));
    confai_verdict_free(v);

    /* no GPUs, and a policy that allows none: the verdict has no GPU part */
    p = fx_policy_doc(&F);
    g = gpus_section();
    set(g, "min_count", cJSON_CreateNumber(0));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_OK, verify(p, bundle_with_gpus(0), &v), "");
    FX_OK(confai_verdict_json(v, &json, NULL, NULL));
    assert_null(strstr(json, "\"gpus\""));
    confai_free(json);
    confai_verdict_free(v);
}

static void gpu_count(void **state)
{
    (void)state;
    /* no gpus section: no GPU evidence is accepted */
    EXPECT(CONFAI_E_POLICY_GPU_COUNT, verify(fx_policy_doc(&F), bundle_with_gpus(1), NULL),
           "no gpus section");
    EXPECT(CONFAI_E_POLICY_GPU_COUNT, verify(policy_with_gpus(), bundle_with_gpus(0), NULL),
           "1 to 2");
    EXPECT(CONFAI_E_POLICY_GPU_COUNT, verify(policy_with_gpus(), bundle_with_gpus(3), NULL),
           "3 GPU(s)");
    /* an explicit "no GPUs" */
    cJSON *p = fx_policy_doc(&F);
    cJSON *g = gpus_section();
    set(g, "min_count", cJSON_CreateNumber(0));
    set(g, "max_count", cJSON_CreateNumber(0));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_GPU_COUNT, verify(p, bundle_with_gpus(1), NULL), "0 to 0");
}

/* One GPU counts once: its evidence listed twice is one GPU, not two. */
static void gpu_duplicates(void **state)
{
    (void)state;
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    uint8_t nonce[32];
    gpu_nonce(nonce);
    cJSON *p = fx_policy_doc(&F);
    cJSON *g = gpus_section();
    set(g, "min_count", cJSON_CreateNumber(2));
    set(g, "max_count", cJSON_CreateNumber(3));
    cJSON_AddItemToObject(p, "gpus", g);
    char *policy = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);

    /* two distinct GPUs meet min_count 2 */
    EXPECT(CONFAI_OK, verify(cJSON_Parse(policy), bundle_with_gpus(2), NULL), "");
    /* one GPU's evidence twice, each copy bound to this bundle: rejected */
    cJSON *b = bundle_with_gpus(1);
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(G, &params, nonce));
    EXPECT(CONFAI_E_GPU_DUPLICATE, verify(cJSON_Parse(policy), b, NULL),
           "gpus[1]: the same GPU as gpus[0]");
    /* the same GPU again, with other measurements (fresh evidence of one device) */
    b = bundle_with_gpus(2);
    params.values[0][0] ^= 1;
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(G2, &params, nonce));
    EXPECT(CONFAI_E_GPU_DUPLICATE, verify(cJSON_Parse(policy), b, NULL),
           "gpus[2]: the same GPU as gpus[1]");
    /* an exact copy of an entry */
    b = bundle_with_gpus(2);
    cJSON *gpus = cJSON_GetObjectItem(b, "gpus");
    cJSON_AddItemToArray(gpus, cJSON_Duplicate(cJSON_GetArrayItem(gpus, 0), 1));
    EXPECT(CONFAI_E_GPU_DUPLICATE, verify(cJSON_Parse(policy), b, NULL),
           "gpus[2]: the same GPU as gpus[0] (the same device leaf key)");
    cJSON_free(policy);
}

static void gpu_evidence_rejected(void **state)
{
    (void)state;
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    uint8_t nonce[32];

    /* evidence for another transcript (a replay next to this CPU report) */
    cJSON *b = bundle_with_gpus(1);
    memset(nonce, 0x42, 32);
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(G, &params, nonce));
    EXPECT(CONFAI_E_BINDING, verify(policy_with_gpus(), b, NULL), "gpus[1]: GPU evidence");

    /* another GPU's root, not pinned */
    gpu_nonce(nonce);
    b = bundle_with_gpus(0);
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(OTHER, &params, nonce));
    EXPECT(CONFAI_E_UNKNOWN_ROOT, verify(policy_with_gpus(), b, NULL), "gpus[0]");

    /* a flipped byte in the signed evidence */
    b = bundle_with_gpus(1);
    cJSON *e = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "gpus"), 0),
                                   "evidence");
    uint8_t *raw = NULL;
    size_t len = 0;
    FX_OK(base64_decode(&raw, &len, e->valuestring, strlen(e->valuestring), CONFAI_E_MALFORMED,
                        "t", NULL));
    raw[110] ^= 1; /* inside block 2's value */
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "gpus"), 0), "evidence",
                              b64_item(raw, len));
    OPENSSL_free(raw);
    EXPECT(CONFAI_E_BAD_SIGNATURE, verify(policy_with_gpus(), b, NULL), "gpus[0]");

    /* the chain without its root */
    b = bundle_with_gpus(1);
    cJSON *certs = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "gpus"), 0),
                                       "certs");
    cJSON_DeleteItemFromArray(certs, 2);
    EXPECT(CONFAI_E_CERT_CHAIN, verify(policy_with_gpus(), b, NULL), "gpus[0]");

    /* evidence that does not parse */
    b = bundle_with_gpus(1);
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "gpus"), 0), "evidence",
                              cJSON_CreateString("AAAA"));
    EXPECT(CONFAI_E_TRUNCATED, verify(policy_with_gpus(), b, NULL), "gpus[0]");
}

static void gpu_policy_rejected(void **state)
{
    (void)state;
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    uint8_t nonce[32];
    gpu_nonce(nonce);

    /* a measurement not accepted: the index is named */
    params.values[4][0] ^= 0xFF;
    cJSON *b = bundle_with_gpus(0);
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(G, &params, nonce));
    EXPECT(CONFAI_E_POLICY_MEASUREMENT, verify(policy_with_gpus(), b, NULL),
           "gpus[0]: GPU measurement index 4 (SPDM block 5)");
    /* a pinned index the evidence lacks */
    gpu_sim_params_default(&params);
    params.block_count = 8;
    b = bundle_with_gpus(0);
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(G, &params, nonce));
    EXPECT(CONFAI_E_POLICY_MEASUREMENT, verify(policy_with_gpus(), b, NULL), "index 8");
    /* driver and VBIOS versions */
    gpu_sim_params_default(&params);
    snprintf(params.driver_version, sizeof(params.driver_version), "535.104.05");
    b = bundle_with_gpus(0);
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(G, &params, nonce));
    EXPECT(CONFAI_E_POLICY_GPU_VERSION, verify(policy_with_gpus(), b, NULL), "535.104.05");
    gpu_sim_params_default(&params);
    params.vbios[4] = 0x02;
    b = bundle_with_gpus(0);
    cJSON_AddItemToArray(cJSON_GetObjectItem(b, "gpus"), gpu_entry(G, &params, nonce));
    EXPECT(CONFAI_E_POLICY_GPU_VERSION, verify(policy_with_gpus(), b, NULL), "96.00.9F.00.02");
}

/* --- tokens in bundles ---------------------------------------------------------------- */

static cJSON *token_claims(void)
{
    char hex[65];
    nonce_hex(hex);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "iss", ISS);
    cJSON_AddStringToObject(c, "aud", "confai");
    cJSON_AddNumberToObject(c, "iat", (double)(FX_NOW - 5));
    cJSON_AddNumberToObject(c, "exp", (double)(FX_NOW + 300));
    cJSON_AddStringToObject(c, "eat_nonce", hex);
    cJSON_AddTrueToObject(c, "x-nvidia-overall-att-result");
    return c;
}

static void add_token(cJSON *doc, const char *type, const char *text)
{
    cJSON *tokens = cJSON_GetObjectItem(doc, "tokens");
    if (tokens == NULL)
        tokens = cJSON_AddArrayToObject(doc, "tokens");
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "type", type);
    cJSON_AddStringToObject(t, "token", text);
    cJSON_AddItemToArray(tokens, t);
}

static cJSON *policy_with(const char *format, uint32_t min_count)
{
    cJSON *p = policy_with_gpus();
    cJSON_AddItemToObject(p, "tokens", tokens_section(format, min_count));
    return p;
}

/* An NRAS response with one detached token per claims object. */
static char *nras_text(cJSON *overall, cJSON *detached)
{
    char *d = jwt_sign(TOKEN_KEY, "ES384", "k1", detached);
    char hex[65];
    jwt_sha256_hex(hex, d);
    cJSON *sub = cJSON_AddObjectToObject(overall, "submods");
    cJSON *entry = cJSON_AddArrayToObject(sub, "GPU-0");
    cJSON_AddItemToArray(entry, cJSON_CreateString("DIGEST"));
    cJSON_AddItemToArray(entry, cJSON_CreateStringArray((const char *const[]){ "SHA256", hex }, 2));
    char *o = jwt_sign(TOKEN_KEY, "ES384", "k1", overall);
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateStringArray((const char *const[]){ "JWT", o }, 2));
    cJSON *map = cJSON_CreateObject();
    cJSON_AddStringToObject(map, "GPU-0", d);
    cJSON_AddItemToArray(arr, map);
    char *text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    cJSON_Delete(overall);
    cJSON_Delete(detached);
    free(o);
    free(d);
    return text;
}

static void tokens_accepted(void **state)
{
    (void)state;
    cJSON *c = token_claims();
    char *t = jwt_sign(TOKEN_KEY, "ES384", "k1", c);
    cJSON_Delete(c);
    cJSON *b = bundle_with_gpus(1);
    add_token(b, "jwt", t);
    free(t);
    confai_verdict *v = NULL;
    EXPECT(CONFAI_OK, verify(policy_with("jwt", 1), b, &v), "");
    assert_true(has_check(v, "token.eat_nonce", 0));
    /* the verdict expires with the token */
    assert_int_equal(confai_verdict_expiry(v), FX_NOW + 300);
    char *json = NULL;
    FX_OK(confai_verdict_json(v, &json, NULL, NULL));
    cJSON *doc = cJSON_Parse(json);
    cJSON *tok = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "tokens"), 0);
    assert_string_equal(cJSON_GetObjectItem(tok, "alg")->valuestring, "ES384");
    assert_string_equal(cJSON_GetObjectItem(tok, "kid")->valuestring, "k1");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(tok, "claims"), "iss")->valuestring, ISS);
    cJSON_Delete(doc);
    confai_free(json);
    confai_verdict_free(v);

    /* NRAS: overall and detached claims in the verdict */
    cJSON *d = token_claims();
    cJSON_AddStringToObject(d, "x-nvidia-gpu-driver-version", "550.90.07");
    char *text = nras_text(token_claims(), d);
    b = bundle_with_gpus(1);
    add_token(b, "nras", text);
    cJSON_free(text);
    EXPECT(CONFAI_OK, verify(policy_with("nras", 1), b, &v), "");
    FX_OK(confai_verdict_json(v, &json, NULL, NULL));
    assert_non_null(strstr(json, "\"detached\":{\"GPU-0\":{"));
    assert_non_null(strstr(json, "x-nvidia-gpu-driver-version"));
    confai_free(json);
    confai_verdict_free(v);
}

static void tokens_rejected(void **state)
{
    (void)state;
    cJSON *c = token_claims();
    char *good = jwt_sign(TOKEN_KEY, "ES384", "k1", c);
    cJSON_Delete(c);

    /* tokens the policy does not pin, or too few */
    cJSON *b = bundle_with_gpus(1);
    add_token(b, "jwt", good);
    EXPECT(CONFAI_E_POLICY_TOKEN, verify(policy_with_gpus(), b, NULL), "no tokens section");
    EXPECT(CONFAI_E_POLICY_TOKEN, verify(policy_with("jwt", 1), bundle_with_gpus(1), NULL),
           "min_count");
    c = token_claims();
    set(c, "iss", cJSON_CreateString("https://elsewhere.example"));
    char *t = jwt_sign(TOKEN_KEY, "ES384", "k1", c);
    cJSON_Delete(c);
    b = bundle_with_gpus(1);
    add_token(b, "jwt", t);
    free(t);
    EXPECT(CONFAI_E_POLICY_TOKEN, verify(policy_with("jwt", 0), b, NULL),
           "tokens[0]: policy: issuer");
    /* a plain token where the issuer is pinned as NRAS */
    b = bundle_with_gpus(1);
    add_token(b, "jwt", good);
    EXPECT(CONFAI_E_POLICY_TOKEN, verify(policy_with("nras", 0), b, NULL), "format");

    /* bound to another transcript: the fixture's nonce changes after signing */
    b = bundle_with_gpus(1);
    add_token(b, "jwt", good);
    F.nonce[0] ^= 1;
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    cJSON *fresh = cJSON_Parse(json);
    confai_free(json);
    cJSON_ReplaceItemInObject(b, "nonce", cJSON_Duplicate(cJSON_GetObjectItem(fresh, "nonce"), 1));
    cJSON_ReplaceItemInObject(b, "cpu", cJSON_Duplicate(cJSON_GetObjectItem(fresh, "cpu"), 1));
    cJSON_Delete(fresh);
    uint8_t nonce[32];
    gpu_nonce(nonce);
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(b, "gpus"), 0, gpu_entry(G, &params, nonce));
    EXPECT(CONFAI_E_BINDING, verify(policy_with("jwt", 1), b, NULL), "tokens[0]: token: eat_nonce");
    F.nonce[0] ^= 1;

    /* expired, bad signature, alg none */
    c = token_claims();
    set(c, "exp", cJSON_CreateNumber((double)(FX_NOW - 100)));
    t = jwt_sign(TOKEN_KEY, "ES384", "k1", c);
    cJSON_Delete(c);
    b = bundle_with_gpus(1);
    add_token(b, "jwt", t);
    free(t);
    EXPECT(CONFAI_E_TOKEN_EXPIRED, verify(policy_with("jwt", 1), b, NULL), "tokens[0]");
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    c = token_claims();
    t = jwt_sign(other, "ES384", "k1", c);
    cJSON_Delete(c);
    EVP_PKEY_free(other);
    b = bundle_with_gpus(1);
    add_token(b, "jwt", t);
    free(t);
    EXPECT(CONFAI_E_BAD_SIGNATURE, verify(policy_with("jwt", 1), b, NULL), "tokens[0]");
    c = token_claims();
    char *payload = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    t = jwt_sign_texts(TOKEN_KEY, "none", "{\"alg\":\"none\"}", payload);
    cJSON_free(payload);
    b = bundle_with_gpus(1);
    add_token(b, "jwt", t);
    free(t);
    EXPECT(CONFAI_E_TOKEN_ALGORITHM, verify(policy_with("jwt", 1), b, NULL), "none");
    /* NRAS with a detached token that does not match its digest */
    cJSON *d = token_claims();
    char *text = nras_text(token_claims(), d);
    char *gpu0 = strstr(text, "{\"GPU-0\":\"") + 10;
    gpu0[5] = gpu0[5] == 'A' ? 'B' : 'A';
    b = bundle_with_gpus(1);
    add_token(b, "nras", text);
    cJSON_free(text);
    EXPECT(CONFAI_E_TOKEN_DETACHED, verify(policy_with("nras", 1), b, NULL), "tokens[0]: NRAS");
    free(good);
}

/* One verifier counts once: min_count counts issuers, and a token sent twice is refused. */
static void tokens_count_once(void **state)
{
    (void)state;
    const char *iss2 = "https://trust.example";
    EVP_PKEY *key2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    /* a policy with two pinned issuers and min_count 2 */
    cJSON *p = policy_with("jwt", 2);
    cJSON *issuers = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "tokens"), "issuers");
    cJSON *second = cJSON_Duplicate(cJSON_GetArrayItem(issuers, 0), 1);
    set(second, "iss", cJSON_CreateString(iss2));
    cJSON *keys = cJSON_CreateArray();
    cJSON_AddItemToArray(keys, jwt_jwk(key2, "k2", "ES384"));
    set(cJSON_GetObjectItem(second, "jwks"), "keys", keys);
    cJSON_AddItemToArray(issuers, second);
    char *policy = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);

    cJSON *c = token_claims();
    char *a = jwt_sign(TOKEN_KEY, "ES384", "k1", c);
    set(c, "iat", cJSON_CreateNumber((double)(FX_NOW - 6)));
    char *a2 = jwt_sign(TOKEN_KEY, "ES384", "k1", c); /* another token of the same issuer */
    set(c, "iss", cJSON_CreateString(iss2));
    char *b2 = jwt_sign(key2, "ES384", "k2", c);
    cJSON_Delete(c);

    /* two issuers: accepted */
    cJSON *b = bundle_with_gpus(1);
    add_token(b, "jwt", a);
    add_token(b, "jwt", b2);
    EXPECT(CONFAI_OK, verify(cJSON_Parse(policy), b, NULL), "");
    /* [A, A]: one token twice */
    b = bundle_with_gpus(1);
    add_token(b, "jwt", a);
    add_token(b, "jwt", a);
    EXPECT(CONFAI_E_POLICY_TOKEN, verify(cJSON_Parse(policy), b, NULL),
           "tokens[1]: policy: the same token as tokens[0]");
    /* a repeated token is refused even where min_count does not need it */
    b = bundle_with_gpus(1);
    add_token(b, "jwt", a);
    add_token(b, "jwt", b2);
    add_token(b, "jwt", b2);
    EXPECT(CONFAI_E_POLICY_TOKEN, verify(cJSON_Parse(policy), b, NULL),
           "tokens[2]: policy: the same token as tokens[1]");
    /* two tokens of one issuer are one verifier */
    b = bundle_with_gpus(1);
    add_token(b, "jwt", a);
    add_token(b, "jwt", a2);
    EXPECT(CONFAI_E_POLICY_TOKEN, verify(cJSON_Parse(policy), b, NULL),
           "tokens from 1 issuer(s), tokens.min_count is 2");
    /* ... which is fine where one verifier is asked for */
    b = bundle_with_gpus(1);
    add_token(b, "jwt", a);
    add_token(b, "jwt", a2);
    EXPECT(CONFAI_OK, verify(policy_with("jwt", 1), b, NULL), "");
    free(a);
    free(a2);
    free(b2);
    cJSON_free(policy);
    EVP_PKEY_free(key2);
}

/* --- policy sections ----------------------------------------------------------------------- */

static confai_status policy_status(cJSON *doc)
{
    confai_policy *p = NULL;
    confai_status s = fx_policy_new(doc, &p, &err);
    confai_policy_free(p);
    return s;
}

static void policy_sections(void **state)
{
    (void)state;
    cJSON *p = fx_policy_doc(&F);
    cJSON *g = gpus_section();
    set(g, "measurements", cJSON_CreateString("*"));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "cannot rule out devtools mode");
    p = fx_policy_doc(&F);
    g = gpus_section();
    cJSON *m = cJSON_GetObjectItem(g, "measurements");
    cJSON_AddItemToArray(m, cJSON_Duplicate(cJSON_GetArrayItem(m, 0), 1));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "index listed twice");
    p = fx_policy_doc(&F);
    g = gpus_section();
    set(cJSON_GetArrayItem(cJSON_GetObjectItem(g, "measurements"), 0), "accept",
        cJSON_CreateStringArray((const char *const[]){ "*" }, 1));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "wildcard");
    p = fx_policy_doc(&F);
    g = gpus_section();
    set(cJSON_GetArrayItem(cJSON_GetObjectItem(g, "measurements"), 0), "accept",
        cJSON_CreateStringArray((const char *const[]){ "abc" }, 1));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "gpus.measurements[0].accept[0]");
    p = fx_policy_doc(&F);
    g = gpus_section();
    set(cJSON_GetArrayItem(cJSON_GetObjectItem(g, "measurements"), 0), "index",
        cJSON_CreateNumber(254));
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "gpus.measurements[0].index");
    p = fx_policy_doc(&F);
    g = gpus_section();
    cJSON_DeleteItemFromObject(g, "measurements");
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "gpus.measurements: missing");
    /* a custom root that is no CA */
    p = fx_policy_doc(&F);
    g = gpus_section();
    const uint8_t *certs[GPU_SIM_CERTS];
    size_t lens[GPU_SIM_CERTS];
    gpu_sim_chain(G, certs, lens);
    char *leaf = fx_pem(certs[0], lens[0]);
    set(g, "custom_roots", cJSON_CreateStringArray((const char *const[]){ leaf }, 1));
    free(leaf);
    cJSON_AddItemToObject(p, "gpus", g);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "gpus.custom_roots[0]");

    /* tokens */
    const struct {
        const char *member;
        cJSON *(*value)(void);
        const char *message;
    } bad[] = {
        { "format", NULL, "tokens.issuers[0].format" },
        { "iss", NULL, "tokens.issuers[0].iss" },
        { "max_skew", NULL, "tokens.issuers[0].max_skew" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p = policy_with("jwt", 0);
        cJSON *issuer = cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(p, "tokens"), "issuers"), 0);
        set(issuer, bad[i].member, i == 2 ? cJSON_CreateNumber(601) : cJSON_CreateString("*"));
        EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), bad[i].message);
    }
    p = policy_with("jwt", 9);
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "tokens.min_count");
    p = policy_with("jwt", 0);
    cJSON *issuers = cJSON_GetObjectItem(cJSON_GetObjectItem(p, "tokens"), "issuers");
    cJSON_AddItemToArray(issuers, cJSON_Duplicate(cJSON_GetArrayItem(issuers, 0), 1));
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "issuer listed twice");
    p = policy_with("jwt", 0);
    cJSON *jwks = cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "tokens"), "issuers"), 0),
        "jwks");
    set(jwks, "keys", cJSON_CreateArray());
    EXPECT(CONFAI_E_POLICY_INVALID, policy_status(p), "jwks.keys");
}

/* --- the real H100 evidence: internal verifier, then the policy's checks ----------------- */

#define T_2025_06_01 INT64_C(1748736000)

static void real_evidence_policy(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA GPU evidence");
    if (dir == NULL)
        skip();
    size_t len = 0, nlen = 0;
    uint8_t *ev = nv_read_hex(dir, "nvidia/trustee/hopper_coco_report1.txt", &len);
    nv_chain chain;
    nv_read_chain(&chain, dir, "nvidia/trustee/hopper_coco_certs1.txt");
    uint8_t *nonce =
        test_hex_decode("87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec", &nlen);
    nvgpu_verified *v = calloc(1, sizeof(*v));
    confai_error e = { 0 };
    assert_int_equal(nvgpu_verify(v, NULL, ev, len, (const uint8_t *const *)chain.der, chain.len,
                                  chain.count, nonce, T_2025_06_01, &e),
                     CONFAI_OK);
    assert_int_equal(v->root_kind, NVGPU_ROOT_VENDOR);

    /* a gpus section pinning blocks 1..12 (indices 0..11) as the report has them */
    cJSON *g = cJSON_CreateObject();
    cJSON_AddNumberToObject(g, "min_count", 1);
    cJSON_AddNumberToObject(g, "max_count", 8);
    cJSON_AddStringToObject(g, "cc_mode", "on");
    cJSON *m = cJSON_AddArrayToObject(g, "measurements");
    for (unsigned i = 0; i < 12; i++) {
        const spdm_block *b = spdm_evidence_block(&v->evidence, (uint8_t)(i + 1));
        assert_non_null(b);
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddNumberToObject(entry, "index", i);
        cJSON *accept = cJSON_AddArrayToObject(entry, "accept");
        cJSON_AddItemToArray(accept, fx_hex_item(b->value, b->value_len));
        cJSON_AddItemToArray(m, entry);
    }
    cJSON_AddItemToObject(g, "driver_versions",
                          cJSON_CreateStringArray((const char *const[]){ "580.95.05" }, 1));
    cJSON_AddItemToObject(g, "vbios_versions",
                          cJSON_CreateStringArray((const char *const[]){ "96.00.74.00.1A" }, 1));
    json_ctx ctx = { "policy", CONFAI_E_POLICY_INVALID, CONFAI_E_POLICY_INVALID, 1, &e };
    policy_gpus pg;
    memset(&pg, 0, sizeof(pg));
    assert_int_equal(policy_read_gpus(&ctx, g, &pg), CONFAI_OK);
    verdict_gpu out;
    memset(&out, 0, sizeof(out));
    assert_int_equal(attestation_gpu_policy_check(&pg, v, &out, &e), CONFAI_OK);
    assert_int_equal(out.matched_count, 12);
    policy_gpus_clear(&pg);

    /* index 9 pinned to another value: named */
    cJSON *nine = cJSON_GetArrayItem(m, 9);
    set(nine, "accept", cJSON_CreateStringArray((const char *const[]){
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" }, 1));
    assert_int_equal(policy_read_gpus(&ctx, g, &pg), CONFAI_OK);
    memset(&out, 0, sizeof(out));
    assert_int_equal(attestation_gpu_policy_check(&pg, v, &out, &e), CONFAI_E_POLICY_MEASUREMENT);
    assert_non_null(strstr(e.message, "index 9 (SPDM block 10)"));
    policy_gpus_clear(&pg);

    /* the other driver and VBIOS of the other real report */
    cJSON_DeleteItemFromArray(m, 9);
    set(g, "driver_versions", cJSON_CreateStringArray((const char *const[]){ "550.90.07" }, 1));
    assert_int_equal(policy_read_gpus(&ctx, g, &pg), CONFAI_OK);
    assert_int_equal(attestation_gpu_policy_check(&pg, v, &out, &e), CONFAI_E_POLICY_GPU_VERSION);
    assert_non_null(strstr(e.message, "580.95.05"));
    policy_gpus_clear(&pg);
    set(g, "driver_versions", cJSON_CreateString("*"));
    set(g, "vbios_versions", cJSON_CreateStringArray((const char *const[]){ "96.00.9F.00.01" }, 1));
    assert_int_equal(policy_read_gpus(&ctx, g, &pg), CONFAI_OK);
    assert_int_equal(attestation_gpu_policy_check(&pg, v, &out, &e), CONFAI_E_POLICY_GPU_VERSION);
    assert_non_null(strstr(e.message, "96.00.74.00.1A"));
    policy_gpus_clear(&pg);

    /* its nonce is NVIDIA's, not a binding of ours: the public path would say BINDING */
    uint8_t ours[32];
    memset(ours, 0x17, 32);
    assert_int_equal(nvgpu_verify(v, NULL, ev, len, (const uint8_t *const *)chain.der, chain.len,
                                  chain.count, ours, T_2025_06_01, &e),
                     CONFAI_E_BINDING);
    cJSON_Delete(g);
    free(v);
    free(nonce);
    free(ev);
    nv_chain_free(&chain);
}

/* --- the caller-held chain cache ------------------------------------------------------------ */

static void chain_cache(void **state)
{
    (void)state;
    uint8_t nonce[32], *ev = NULL;
    size_t len = 0;
    memset(nonce, 0x33, 32);
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    FX_OK(gpu_sim_evidence(G, &ev, &len, nonce, &params, NULL));
    const uint8_t *certs[GPU_SIM_CERTS];
    size_t lens[GPU_SIM_CERTS];
    gpu_sim_chain(G, certs, lens);
    nvgpu_trust *trust = NULL, *empty = NULL;
    FX_OK(nvgpu_trust_new(&trust, NULL));
    FX_OK(nvgpu_trust_new(&empty, NULL));
    FX_OK(nvgpu_trust_add_root(trust, certs[2], lens[2], NULL));
    nvgpu_chain_cache *cache = NULL;
    FX_OK(nvgpu_chain_cache_new(&cache, NULL));
    nvgpu_verified *v = calloc(1, sizeof(*v));
    confai_error e = { 0 };

    for (int round = 0; round < 2; round++) { /* a miss, then a hit */
        assert_int_equal(nvgpu_verify_cached(v, trust, cache, ev, len, certs, lens, 3, nonce,
                                             FX_NOW, &e),
                         CONFAI_OK);
        assert_int_equal(v->root_kind, NVGPU_ROOT_CUSTOM);
        assert_non_null(strstr(v->leaf_subject, "Simulated GH100"));
        assert_string_equal(v->evidence.driver_version, "550.90.07");
    }
    /* a hit still checks the signature and the nonce */
    ev[60] ^= 1;
    assert_int_equal(nvgpu_verify_cached(v, trust, cache, ev, len, certs, lens, 3, nonce, FX_NOW,
                                         &e),
                     CONFAI_E_BAD_SIGNATURE);
    ev[60] ^= 1;
    uint8_t other[32];
    memset(other, 0x34, 32);
    assert_int_equal(nvgpu_verify_cached(v, trust, cache, ev, len, certs, lens, 3, other, FX_NOW,
                                         &e),
                     CONFAI_E_BINDING);
    /* a root no longer trusted, or a time outside the certificates: verified in full */
    assert_int_equal(nvgpu_verify_cached(v, empty, cache, ev, len, certs, lens, 3, nonce, FX_NOW,
                                         &e),
                     CONFAI_E_UNKNOWN_ROOT);
    assert_int_equal(nvgpu_verify_cached(v, trust, cache, ev, len, certs, lens, 3, nonce,
                                         FX_NOW + 20 * 365 * 86400LL, &e),
                     CONFAI_E_CERT_EXPIRED);
    /* many chains: the oldest entries give way */
    for (int i = 0; i < 20; i++) {
        gpu_sim *s = NULL;
        FX_OK(gpu_sim_new(&s, FX_NOW, NULL));
        uint8_t *ev2 = NULL;
        size_t len2 = 0;
        const uint8_t *c2[GPU_SIM_CERTS];
        size_t l2[GPU_SIM_CERTS];
        gpu_sim_chain(s, c2, l2);
        FX_OK(nvgpu_trust_add_root(trust, c2[2], l2[2], NULL));
        FX_OK(gpu_sim_evidence(s, &ev2, &len2, nonce, &params, NULL));
        confai_status st = nvgpu_verify_cached(v, trust, cache, ev2, len2, c2, l2, 3, nonce,
                                               FX_NOW, &e);
        /* the trust holds 16 custom roots at most */
        assert_true(st == CONFAI_OK || st == CONFAI_E_UNKNOWN_ROOT);
        OPENSSL_free(ev2);
        gpu_sim_free(s);
        if (i >= 14)
            break;
    }
    assert_int_equal(nvgpu_verify_cached(v, trust, cache, ev, len, certs, lens, 3, nonce, FX_NOW,
                                         &e),
                     CONFAI_OK);
    nvgpu_chain_cache_free(cache);
    nvgpu_chain_cache_free(NULL);
    nvgpu_trust_free(trust);
    nvgpu_trust_free(empty);
    free(v);
    OPENSSL_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(accepts_simulated_gpus, reset),
        cmocka_unit_test_setup(gpu_count, reset),
        cmocka_unit_test_setup(gpu_duplicates, reset),
        cmocka_unit_test_setup(gpu_evidence_rejected, reset),
        cmocka_unit_test_setup(gpu_policy_rejected, reset),
        cmocka_unit_test_setup(tokens_accepted, reset),
        cmocka_unit_test_setup(tokens_rejected, reset),
        cmocka_unit_test_setup(tokens_count_once, reset),
        cmocka_unit_test_setup(policy_sections, reset),
        cmocka_unit_test(real_evidence_policy),
        cmocka_unit_test(chain_cache),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
