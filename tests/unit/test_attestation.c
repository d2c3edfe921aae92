/*
 * src/attest/attestation.c with snp/snp_attestation.c end to end: a
 * simulated SEV-SNP service (src/sim/snp_sim.h) signs real-format reports
 * over the key binding, and confai_attestation_verify runs the production
 * path on its bundles.
 * The accept case on every product and key kind, then one rejection per
 * check, each with its own status: malformed bundles, unsupported platforms,
 * nonce, freshness, the platform verifier (signature, roots, expiry,
 * revocation), the binding (the key swap), every policy field, the key
 * configuration; options, the cache, and sealing to the verdict's key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "core/hex.h"

#include "attest/policy/policy.h"

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
    return 0;
}

static void set(cJSON *obj, const char *name, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        cJSON_ReplaceItemInObject(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

static confai_policy *policy_of(cJSON *doc)
{
    confai_policy *p = NULL;
    if (fx_policy_new(doc, &p, &err) != CONFAI_OK)
        fail_msg("policy rejected: %s", err.message);
    return p;
}

static confai_verify_options options_at(int64_t t)
{
    confai_verify_options o;
    FX_OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = t;
    return o;
}

/* Verifies bundle text against policy at FX_NOW with our nonce. */
static confai_status verify_text(confai_verdict **v, const confai_policy *p, const char *json,
                                 size_t len)
{
    confai_verify_options o = options_at(FX_NOW);
    *v = (confai_verdict *)1;
    confai_status st = confai_attestation_verify(v, p, &o, F.nonce, json, len, &err);
    if (st != CONFAI_OK)
        assert_null(*v);
    return st;
}

/* Builds the fixture's bundle and verifies it against doc (consumed). */
static confai_status run(cJSON *doc, confai_verdict **out)
{
    confai_policy *p = policy_of(doc);
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    confai_verdict *v = NULL;
    confai_status st = verify_text(&v, p, json, len);
    confai_free(json);
    confai_policy_free(p);
    if (out != NULL)
        *out = v;
    else
        confai_verdict_free(v);
    return st;
}

/* Expects a rejection with its status and words in the message. */
static void expect(cJSON *doc, confai_status want, const char *words)
{
    confai_status st = run(doc, NULL);
    if (st != want)
        fail_msg("got %s (%s), want %s", confai_status_name(st), err.message,
                 confai_status_name(want));
    if (words != NULL && strstr(err.message, words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, words);
}

static int has_check(const confai_verdict *v, const char *name)
{
    for (size_t i = 0; i < confai_verdict_check_count(v); i++)
        if (strcmp(confai_verdict_check(v, i), name) == 0)
            return 1;
    return 0;
}

/* --- accept ------------------------------------------------------------------ */

static void test_accept(void **state)
{
    (void)state;
    confai_verdict *v = NULL;
    FX_OK(run(fx_policy_doc(&F), &v));
    assert_string_equal(confai_verdict_platform(v), "sev-snp");
    assert_string_equal(confai_verdict_product(v), "genoa");
    size_t mlen = 0;
    assert_memory_equal(confai_verdict_measurement(v, &mlen), F.fields.measurement, 48);
    assert_int_equal(mlen, 48);
    assert_int_equal(confai_verdict_verified_at(v), FX_NOW);
    assert_int_equal(confai_verdict_not_after(v), FX_NOW + FX_LEASE);
    /* max_age 600 is shorter than the lease: it decides. */
    assert_int_equal(confai_verdict_expiry(v), FX_NOW + 600);
    assert_int_equal(confai_verdict_tcb(v, CONFAI_TCB_REPORTED), F.fields.reported_tcb_raw);
    assert_int_equal(confai_verdict_tcb_component(v, CONFAI_TCB_LAUNCH, CONFAI_TCB_SNP),
                     F.fields.launch_tcb.snp);

    /* The bound key is the one the service holds, byte for byte. */
    uint8_t kc[128];
    size_t kc_len = sizeof(kc);
    FX_OK(confai_key_config_serialize(confai_verdict_key_config(v), kc, &kc_len, NULL));
    assert_int_equal(kc_len, F.key_config_len);
    assert_memory_equal(kc, F.key_config, kc_len);
    uint8_t digest[32];
    unsigned int dlen = 0;
    EVP_Digest(F.key_config, F.key_config_len, digest, &dlen, EVP_sha256(), NULL);
    assert_memory_equal(confai_verdict_key_config_digest(v), digest, 32);
    EVP_Digest(F.manifest, strlen(F.manifest), digest, &dlen, EVP_sha256(), NULL);
    assert_memory_equal(confai_verdict_manifest_digest(v), digest, 32);

    const char *expected[] = { "bundle", "nonce", "not_after", "policy.platform",
                               "sev_snp.certificate_chain", "sev_snp.signature",
                               "binding.report_data", "policy.measurement", "policy.tcb.reported",
                               "policy.debug", "policy.chip_id", "policy.manifest", "key_config" };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        if (!has_check(v, expected[i]))
            fail_msg("check %s missing", expected[i]);
    confai_verdict_free(v);
}

/* The point of it all: a request sealed to the verdict's key opens in the TEE. */
static void test_seal_to_verdict_key(void **state)
{
    (void)state;
    confai_verdict *v = NULL;
    FX_OK(run(fx_policy_doc(&F), &v));
    const char prompt[] = "a prompt only the TEE may read";
    uint8_t sealed[256], opened[256];
    size_t sealed_len = sizeof(sealed), opened_len = sizeof(opened);
    confai_ohttp_client *client = NULL;
    FX_OK(confai_ohttp_client_seal_request(&client, sealed, &sealed_len,
                                           confai_verdict_key_config(v),
                                           (const uint8_t *)prompt, sizeof(prompt), NULL));
    confai_verdict_free(v); /* the client needs the key config only while sealing */
    confai_ohttp_gateway *gw = NULL;
    const confai_key_config *configs[] = { F.config };
    FX_OK(confai_ohttp_gateway_open_request(&gw, opened, &opened_len, configs, 1, sealed,
                                            sealed_len, NULL));
    assert_int_equal(opened_len, sizeof(prompt));
    assert_memory_equal(opened, prompt, sizeof(prompt));
    confai_ohttp_gateway_free(gw);
    confai_ohttp_client_free(client);
}

static void test_custom_root_flagged(void **state)
{
    (void)state;
    confai_verdict *v = NULL;
    FX_OK(run(fx_policy_doc(&F), &v));
    assert_int_equal(confai_verdict_root_kind(v), CONFAI_ROOT_CUSTOM);
    assert_false(confai_verdict_root_is_vendor(v));
    assert_non_null(strstr(confai_verdict_root_warning(v), "NOT an AMD root"));
    assert_non_null(strstr(confai_verdict_root_warning(v), "ARK-Genoa"));
    char *json = NULL;
    size_t len = 0;
    FX_OK(confai_verdict_json(v, &json, &len, NULL));
    cJSON *doc = cJSON_ParseWithLength(json, len);
    assert_non_null(doc);
    cJSON *root = cJSON_GetObjectItemCaseSensitive(doc, "root");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "kind")->valuestring, "custom");
    assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(root, "warning")->valuestring,
                           "NOT an AMD root"));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "expires")->valuestring,
                        "2026-01-01T00:10:00Z");
    cJSON_Delete(doc);
    confai_free(json);
    confai_verdict_free(v);
}

static void test_accept_vlek(void **state)
{
    (void)state;
    snp_sim_report_template(F.sim, &F.fields, SNP_KEY_VLEK);
    F.kind = SNP_KEY_VLEK;
    memset(F.fields.measurement, 0x11, sizeof(F.fields.measurement));
    confai_verdict *v = NULL;
    cJSON *doc = fx_policy_doc(&F);
    set(fx_snp(doc), "host_data", cJSON_CreateString("*"));
    set(fx_snp(doc), "id_key_digests", cJSON_CreateString("*"));
    set(fx_snp(doc), "author_key_digests", cJSON_CreateString("*"));
    set(fx_snp(doc), "min_guest_svn", cJSON_CreateNumber(0));
    FX_OK(run(doc, &v));
    assert_string_equal(confai_verdict_product(v), "genoa");
    confai_verdict_free(v);
}

/* Each product with its own TCB layout, on a platform of its own. */
static void accept_product(snp_product product, const char *name)
{
    fx f;
    fx_setup(&f, product);
    confai_policy *p = policy_of(fx_policy_doc(&f));
    size_t len = 0;
    char *json = fx_bundle(&f, &len);
    confai_verify_options o = options_at(FX_NOW);
    confai_verdict *v = NULL;
    if (confai_attestation_verify(&v, p, &o, f.nonce, json, len, &err) != CONFAI_OK)
        fail_msg("%s: %s", name, err.message);
    assert_string_equal(confai_verdict_product(v), name);
    int fmc = confai_verdict_tcb_component(v, CONFAI_TCB_REPORTED, CONFAI_TCB_FMC);
    if (product == SNP_PRODUCT_TURIN)
        assert_int_equal(fmc, f.fields.reported_tcb.fmc);
    else
        assert_int_equal(fmc, -1);
    confai_verdict_free(v);
    confai_free(json);
    confai_policy_free(p);
    fx_teardown(&f);
}

static void test_accept_milan_and_turin(void **state)
{
    (void)state;
    accept_product(SNP_PRODUCT_MILAN, "milan");
    accept_product(SNP_PRODUCT_TURIN, "turin");
}

static void test_accept_wildcards(void **state)
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
    memset(F.fields.measurement, 0x77, 48);
    confai_verdict *v = NULL;
    FX_OK(run(doc, &v));
    assert_true(confai_verdict_waived_count(v) >= 10);
    assert_false(has_check(v, "policy.measurement"));
    int found = 0;
    for (size_t i = 0; i < confai_verdict_waived_count(v); i++)
        found |= strcmp(confai_verdict_waived(v, i), "policy.measurement") == 0;
    assert_true(found);
    confai_verdict_free(v);
}

/* --- the bundle -------------------------------------------------------------- */

/* The fixture's bundle as a cJSON tree, to damage. */
static cJSON *bundle_doc(void)
{
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    cJSON *doc = cJSON_ParseWithLength(json, len);
    confai_free(json);
    return doc;
}

static confai_status verify_doc(cJSON *bdoc, const confai_verify_options *o)
{
    confai_policy *p = policy_of(fx_policy_doc(&F));
    char *text = cJSON_PrintUnformatted(bdoc);
    cJSON_Delete(bdoc);
    confai_verdict *v = (confai_verdict *)1;
    confai_status st = confai_attestation_verify(&v, p, o, F.nonce, text, strlen(text), &err);
    if (st != CONFAI_OK)
        assert_null(v);
    confai_verdict_free(st == CONFAI_OK ? v : NULL);
    cJSON_free(text);
    confai_policy_free(p);
    return st;
}

static void test_malformed_bundles(void **state)
{
    (void)state;
    confai_verify_options o = options_at(FX_NOW);

    cJSON *b = bundle_doc();
    cJSON_AddStringToObject(b, "nonce", "AAAA");
    assert_int_equal(verify_doc(b, &o), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "nonce: duplicate member"));

    b = bundle_doc();
    cJSON_AddStringToObject(b, "service", "example");
    assert_int_equal(verify_doc(b, &o), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "service: unknown member"));

    b = bundle_doc();
    cJSON *certs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "cpu"),
                                                    "certs");
    cJSON_ReplaceItemInArray(certs, 2, cJSON_CreateString("MII=BAD"));
    assert_int_equal(verify_doc(b, &o), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "cpu.certs[2]"));

    b = bundle_doc();
    set(b, "not_after", cJSON_CreateNumber((double)FX_NOW + 60));
    assert_int_equal(verify_doc(b, &o), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "not_after: expected a string"));

    /* Trailing garbage after a valid bundle. */
    confai_policy *p = policy_of(fx_policy_doc(&F));
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    char *longer = malloc(len + 3);
    memcpy(longer, json, len);
    memcpy(longer + len, "{}", 2);
    confai_verdict *v = NULL;
    assert_int_equal(verify_text(&v, p, longer, len + 2), CONFAI_E_TRAILING_DATA);
    free(longer);
    confai_free(json);
    confai_policy_free(p);
}

static void test_lenient_bundle(void **state)
{
    (void)state;
    confai_verify_options o = options_at(FX_NOW);
    o.flags = CONFAI_VERIFY_LENIENT_BUNDLE;
    cJSON *b = bundle_doc();
    cJSON_AddStringToObject(b, "service", "example");
    FX_OK(verify_doc(b, &o));
    /* Duplicates stay fatal. */
    b = bundle_doc();
    cJSON_AddStringToObject(b, "service", "example");
    cJSON_AddStringToObject(b, "service", "other");
    assert_int_equal(verify_doc(b, &o), CONFAI_E_MALFORMED);
}

static void test_tdx_and_gpus_unsupported(void **state)
{
    (void)state;
    confai_verify_options o = options_at(FX_NOW);
    cJSON *b = bundle_doc();
    cJSON *cpu = cJSON_CreateObject();
    cJSON_AddStringToObject(cpu, "type", "tdx");
    cJSON_AddStringToObject(cpu, "quote", "AAAA");
    set(b, "cpu", cpu);
    /* TDX is verified now (test_attestation_tdx.c); this policy does not list it */
    assert_int_equal(verify_doc(b, &o), CONFAI_E_POLICY_PLATFORM);
    assert_non_null(strstr(err.message, "tdx"));

    /* GPU evidence under a policy without a gpus section is never accepted. */
    b = bundle_doc();
    cJSON *gpus = cJSON_AddArrayToObject(b, "gpus");
    cJSON *gpu = cJSON_CreateObject();
    cJSON_AddStringToObject(gpu, "type", "nvidia-spdm");
    cJSON_AddStringToObject(gpu, "evidence", "AAAA");
    cJSON_AddItemToObject(gpu, "certs", cJSON_CreateStringArray((const char *const[]){ "AAAA" }, 1));
    cJSON_AddItemToArray(gpus, gpu);
    assert_int_equal(verify_doc(b, &o), CONFAI_E_POLICY_GPU_COUNT);
    assert_non_null(strstr(err.message, "GPU"));
    /* An empty GPU list is no GPU. */
    b = bundle_doc();
    cJSON_AddArrayToObject(b, "gpus");
    FX_OK(verify_doc(b, &o));
}

/* --- freshness ----------------------------------------------------------------- */

static void test_nonce_mismatch(void **state)
{
    (void)state;
    confai_policy *p = policy_of(fx_policy_doc(&F));
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    uint8_t other[32];
    memcpy(other, F.nonce, 32);
    other[31] ^= 1;
    confai_verify_options o = options_at(FX_NOW);
    confai_verdict *v = (confai_verdict *)1;
    assert_int_equal(confai_attestation_verify(&v, p, &o, other, json, len, &err),
                     CONFAI_E_NONCE_MISMATCH);
    assert_null(v);
    confai_free(json);
    confai_policy_free(p);
}

static void test_expired_bundle(void **state)
{
    (void)state;
    assert_true(rfc3339_format(F.not_after, FX_NOW - 1));
    expect(fx_policy_doc(&F), CONFAI_E_EVIDENCE_EXPIRED, "expired at 2025-12-31T23:59:59Z");
    /* not_after equal to the verification time is over too. */
    assert_true(rfc3339_format(F.not_after, FX_NOW));
    expect(fx_policy_doc(&F), CONFAI_E_EVIDENCE_EXPIRED, NULL);
}

static void test_lease_beyond_max_age(void **state)
{
    (void)state;
    /* A week-long lease is cut to the policy's max_age, not refused. */
    assert_true(rfc3339_format(F.not_after, FX_NOW + 7 * 86400));
    cJSON *doc = fx_policy_doc(&F);
    set(doc, "max_age", cJSON_CreateNumber(3600));
    confai_verdict *v = NULL;
    FX_OK(run(doc, &v));
    assert_int_equal(confai_verdict_not_after(v), FX_NOW + 7 * 86400);
    assert_int_equal(confai_verdict_expiry(v), FX_NOW + 3600);
    confai_verdict_free(v);
    /* A short lease wins over max_age. */
    assert_true(rfc3339_format(F.not_after, FX_NOW + 60));
    FX_OK(run(fx_policy_doc(&F), &v));
    assert_int_equal(confai_verdict_expiry(v), FX_NOW + 60);
    confai_verdict_free(v);
}

/* --- the platform verifier ------------------------------------------------------- */

static void test_unknown_root(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    cJSON_DeleteItemFromObject(fx_snp(doc), "custom_roots");
    expect(doc, CONFAI_E_UNKNOWN_ROOT, NULL);
}

static void test_bad_signature(void **state)
{
    (void)state;
    /* Signed by the VLEK but presented with the VCEK chain. */
    confai_policy *p = policy_of(fx_policy_doc(&F));
    uint8_t report[SNP_REPORT_SIZE];
    fx_report_data(&F, F.fields.report_data);
    FX_OK(snp_sim_sign_report(F.sim, report, &F.fields, SNP_KEY_VLEK, NULL));
    const uint8_t *certs[3];
    size_t lens[3];
    snp_sim_chain(F.sim, SNP_KEY_VCEK, certs, lens);
    bundle_snp_parts parts = { F.nonce, F.key_config, F.key_config_len,
                               (const uint8_t *)F.manifest, strlen(F.manifest), F.not_after,
                               report, sizeof(report), certs, lens, 3 };
    char *json = NULL;
    size_t len = 0;
    FX_OK(bundle_write_snp(&json, &len, &parts, NULL));
    confai_verdict *v = NULL;
    assert_int_equal(verify_text(&v, p, json, len), CONFAI_E_BAD_SIGNATURE);
    confai_free(json);
    confai_policy_free(p);
}

static void test_certificate_expired(void **state)
{
    (void)state;
    /* The VCEK is valid 7 years; verify 8 years on, with a lease that long. */
    int64_t later = FX_NOW + 8 * 365 * 86400;
    assert_true(rfc3339_format(F.not_after, later + 60));
    confai_policy *p = policy_of(fx_policy_doc(&F));
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    confai_verify_options o = options_at(later);
    confai_verdict *v = NULL;
    assert_int_equal(confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err),
                     CONFAI_E_CERT_EXPIRED);
    confai_free(json);
    confai_policy_free(p);
}

static void test_revoked_ask(void **state)
{
    (void)state;
    uint8_t der[4096];
    size_t der_len = sizeof(der);
    uint64_t serial = snp_sim_get_config(F.sim)->cert[SNP_SIM_ASK].serial;
    FX_OK(snp_sim_crl(F.sim, der, &der_len, &serial, 1, FX_NOW - 3600, FX_NOW + 86400, NULL));
    const uint8_t *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)der_len);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_CRL(bio, crl);
    char *pem = NULL;
    long n = BIO_get_mem_data(bio, &pem);
    char *text = calloc(1, (size_t)n + 1);
    memcpy(text, pem, (size_t)n);
    cJSON *doc = fx_policy_doc(&F);
    set(fx_snp(doc), "crls", cJSON_CreateStringArray((const char *const[]){ text }, 1));
    expect(doc, CONFAI_E_CERT_REVOKED, NULL);
    free(text);
    BIO_free(bio);
    X509_CRL_free(crl);
}

/* --- the binding ---------------------------------------------------------------- */

static void test_key_swap(void **state)
{
    (void)state;
    /* A valid report for our nonce, relayed with the attacker's key config. */
    uint8_t report[SNP_REPORT_SIZE];
    fx_sign(&F, report);
    confai_hpke_key *evil = NULL;
    confai_key_config *evil_config = NULL;
    confai_ohttp_algorithms algs[] = { { CONFAI_HPKE_KDF_HKDF_SHA256,
                                         CONFAI_HPKE_AEAD_AES_256_GCM } };
    FX_OK(confai_hpke_key_generate(&evil, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    FX_OK(confai_key_config_new(&evil_config, evil, 7, algs, 1, NULL));
    uint8_t evil_kc[128];
    size_t evil_len = sizeof(evil_kc);
    FX_OK(confai_key_config_serialize(evil_config, evil_kc, &evil_len, NULL));

    const uint8_t *certs[3];
    size_t lens[3];
    snp_sim_chain(F.sim, SNP_KEY_VCEK, certs, lens);
    bundle_snp_parts parts = { F.nonce, evil_kc, evil_len, (const uint8_t *)F.manifest,
                               strlen(F.manifest), F.not_after, report, sizeof(report),
                               certs, lens, 3 };
    char *json = NULL;
    size_t len = 0;
    FX_OK(bundle_write_snp(&json, &len, &parts, NULL));
    confai_policy *p = policy_of(fx_policy_doc(&F));
    confai_verdict *v = NULL;
    assert_int_equal(verify_text(&v, p, json, len), CONFAI_E_BINDING);
    confai_free(json);

    /* The same with a longer lease or another manifest. */
    parts.key_config = F.key_config;
    parts.key_config_len = F.key_config_len;
    char later[RFC3339_LEN + 1];
    assert_true(rfc3339_format(later, FX_NOW + 30 * 86400));
    parts.not_after = later;
    FX_OK(bundle_write_snp(&json, &len, &parts, NULL));
    assert_int_equal(verify_text(&v, p, json, len), CONFAI_E_BINDING);
    confai_free(json);
    parts.not_after = F.not_after;
    parts.manifest = (const uint8_t *)"{}";
    parts.manifest_len = 2;
    FX_OK(bundle_write_snp(&json, &len, &parts, NULL));
    assert_int_equal(verify_text(&v, p, json, len), CONFAI_E_BINDING);
    confai_free(json);

    confai_policy_free(p);
    confai_key_config_free(evil_config);
    confai_hpke_key_free(evil);
}

static void test_report_data_not_binding(void **state)
{
    (void)state;
    F.keep_report_data = 1;
    memset(F.fields.report_data, 0, sizeof(F.fields.report_data));
    memcpy(F.fields.report_data, F.nonce, 32); /* a "nonce in report data" service */
    expect(fx_policy_doc(&F), CONFAI_E_BINDING, "report data");
}

/* --- the policy, one status per check --------------------------------------------- */

static void test_policy_measurement(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    F.fields.measurement[0] ^= 0xFF;
    expect(doc, CONFAI_E_POLICY_MEASUREMENT, "measurement");
    /* the message shows what the service reported, ready to be pinned */
    char reported[2 * 48 + 1];
    hex_encode(reported, F.fields.measurement, 48);
    assert_non_null(strstr(err.message, reported));
}

static void test_policy_tcb(void **state)
{
    (void)state;
    /* The reported TCB is the VCEK's: raise the policy's minimum instead. */
    cJSON *doc = fx_policy_doc(&F);
    cJSON *entry = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "genoa");
    set(cJSON_GetObjectItemCaseSensitive(entry, "reported"), "microcode",
        cJSON_CreateNumber(F.fields.reported_tcb.microcode + 1));
    expect(doc, CONFAI_E_POLICY_TCB, "reported TCB microcode");

    /* A launch TCB below the minimum. */
    doc = fx_policy_doc(&F);
    snp_tcb t = F.fields.launch_tcb;
    t.snp--;
    F.fields.launch_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
    snp_report_set_product(&F.fields, SNP_PRODUCT_GENOA);
    expect(doc, CONFAI_E_POLICY_TCB, "launch TCB snp");
}

static void test_policy_debug(void **state)
{
    (void)state;
    F.fields.policy |= POLICY_SNP_GUEST_DEBUG;
    expect(fx_policy_doc(&F), CONFAI_E_POLICY_DEBUG, "debug");
    cJSON *doc = fx_policy_doc(&F);
    set(fx_snp(doc), "allow_debug", cJSON_CreateTrue());
    FX_OK(run(doc, NULL));
}

static void test_policy_vmpl(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    F.fields.vmpl = 2;
    expect(doc, CONFAI_E_POLICY_VMPL, "VMPL 2");
}

static void test_policy_guest(void **state)
{
    (void)state;
    F.fields.policy |= POLICY_SNP_GUEST_MIGRATE_MA;
    expect(fx_policy_doc(&F), CONFAI_E_POLICY_GUEST, "migration agent");
}

/* A guest policy bit the ABI reserves (26-63): refused, whatever the policy, naming the bit. */
static void test_policy_guest_unknown_bits(void **state)
{
    (void)state;
    static const int bits[] = { 26, 27, 40, 63 };
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        char words[64];
        fx_reset(&F);
        cJSON *doc = fx_policy_doc(&F);
        for (size_t j = 0; j < POLICY_SNP_GUEST_BITS; j++)
            set(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy"),
                policy_snp_guest_bits[j].name, cJSON_CreateString("*"));
        F.fields.policy |= UINT64_C(1) << bits[i];
        snprintf(words, sizeof(words), "sets bit %d, which the SEV-SNP ABI reserves", bits[i]);
        expect(doc, CONFAI_E_POLICY_GUEST, words);
    }
    /* two unknown bits: the lowest is named */
    fx_reset(&F);
    F.fields.policy |= UINT64_C(1) << 30 | UINT64_C(1) << 29;
    expect(fx_policy_doc(&F), CONFAI_E_POLICY_GUEST, "sets bit 29,");
    /* bit 25, the highest defined, is no unknown bit: the policy decides */
    fx_reset(&F);
    F.fields.policy |= POLICY_SNP_GUEST_PAGE_SWAP_DISABLE;
    cJSON *doc = fx_policy_doc(&F);
    confai_verdict *v = NULL;
    FX_OK(run(doc, &v));
    confai_verdict_free(v);
}

/* Each guest policy bit: set where the policy forbids it, clear where it requires it. */
static void test_policy_guest_bits(void **state)
{
    (void)state;
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++) {
        const policy_snp_guest_bit *bit = &policy_snp_guest_bits[i];
        char words[96];
        fx_reset(&F);
        int was_set = (F.fields.policy & bit->mask) != 0;
        cJSON *doc = fx_policy_doc(&F); /* pins the bit as it is */
        F.fields.policy ^= bit->mask;
        snprintf(words, sizeof(words), "the guest policy's %s bit is %s", bit->name,
                 was_set ? "clear" : "set");
        expect(doc, CONFAI_E_POLICY_GUEST, words);
        /* "*" accepts either value, and lists the check as waived. */
        doc = fx_policy_doc(&F);
        F.fields.policy ^= bit->mask;
        set(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy"), bit->name,
            cJSON_CreateString("*"));
        confai_verdict *v = NULL;
        FX_OK(run(doc, &v));
        int waived = 0;
        for (size_t j = 0; j < confai_verdict_waived_count(v); j++)
            waived |= strcmp(confai_verdict_waived(v, j), attest_check_name(bit->check)) == 0;
        assert_true(waived);
        confai_verdict_free(v);
    }
}

static void test_policy_guest_abi(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    cJSON *abi = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy"), "min_abi");
    set(abi, "major", cJSON_CreateNumber(1));
    set(abi, "minor", cJSON_CreateNumber(55));
    expect(doc, CONFAI_E_POLICY_GUEST, "the guest policy's ABI 0.0 is below 1.55");
    /* A guest that demands ABI 1.58 meets a minimum of 1.55, and not one of 2.0. */
    doc = fx_policy_doc(&F);
    abi = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy"), "min_abi");
    set(abi, "major", cJSON_CreateNumber(1));
    set(abi, "minor", cJSON_CreateNumber(55));
    F.fields.policy |= 0x013A; /* ABI_MAJOR 1, ABI_MINOR 58 */
    confai_verdict *v = NULL;
    FX_OK(run(doc, &v));
    assert_true(has_check(v, "policy.guest_policy.min_abi"));
    confai_verdict_free(v);
    doc = fx_policy_doc(&F);
    abi = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy"), "min_abi");
    set(abi, "major", cJSON_CreateNumber(2));
    set(abi, "minor", cJSON_CreateNumber(0));
    expect(doc, CONFAI_E_POLICY_GUEST, "ABI 1.58 is below 2.0");
}

/* CURRENT_TCB is no part of the VCEK: the report can carry a lower one. */
static void test_policy_current_tcb(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    snp_tcb t = F.fields.current_tcb;
    t.microcode--;
    F.fields.current_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
    snp_report_set_product(&F.fields, SNP_PRODUCT_GENOA);
    expect(doc, CONFAI_E_POLICY_TCB, "current TCB microcode");
    /* waived with "*" */
    doc = fx_policy_doc(&F);
    F.fields.current_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
    snp_report_set_product(&F.fields, SNP_PRODUCT_GENOA);
    set(fx_snp(doc), "min_current_tcb", cJSON_CreateString("*"));
    FX_OK(run(doc, NULL));
}

static void test_policy_report_version(void **state)
{
    (void)state;
    assert_int_equal(F.fields.version, 5);
    cJSON *doc = fx_policy_doc(&F);
    F.fields.version = 3;
    expect(doc, CONFAI_E_POLICY_FIRMWARE, "report version 3 is below the minimum 5");
    doc = fx_policy_doc(&F);
    F.fields.version = 2;
    set(fx_snp(doc), "min_report_version", cJSON_CreateNumber(3));
    expect(doc, CONFAI_E_POLICY_FIRMWARE, "report version 2 is below the minimum 3");
    confai_verdict *v = NULL;
    F.fields.version = 3;
    FX_OK(run(fx_policy_doc(&F), &v));
    assert_true(has_check(v, "policy.report_version"));
    confai_verdict_free(v);
}

static void test_policy_identity(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    F.fields.host_data[31] ^= 1;
    expect(doc, CONFAI_E_POLICY_IDENTITY, "host data");
    fx_reset(&F);
    doc = fx_policy_doc(&F);
    set(fx_snp(doc), "min_guest_svn", cJSON_CreateNumber(4));
    expect(doc, CONFAI_E_POLICY_IDENTITY, "guest SVN 3");
    doc = fx_policy_doc(&F);
    F.fields.id_key_digest[0] ^= 1;
    expect(doc, CONFAI_E_POLICY_IDENTITY, "ID key");
    fx_reset(&F);
    doc = fx_policy_doc(&F);
    F.fields.author_key_digest[0] ^= 1;
    expect(doc, CONFAI_E_POLICY_IDENTITY, "author key");
}

static void test_policy_chip(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    uint8_t other[64];
    memset(other, 0xC4, sizeof(other));
    set(fx_snp(doc), "chip_ids", fx_hex_list(other, 64));
    expect(doc, CONFAI_E_POLICY_CHIP, "chip id");
}

static void test_policy_firmware(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    cJSON *fw = cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_firmware");
    set(fw, "committed", fx_fw(1, 56, 0));
    expect(doc, CONFAI_E_POLICY_FIRMWARE, "committed firmware 1.55.40 is below 1.56.0");
}

static void test_policy_manifest(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    strcpy(F.manifest, "{\"model\":\"another-llm\"}");
    expect(doc, CONFAI_E_POLICY_MANIFEST, "manifest");
}

static void test_policy_platform(void **state)
{
    (void)state;
    cJSON *doc = fx_policy_doc(&F);
    set(fx_snp(doc), "products", cJSON_CreateStringArray((const char *const[]){ "milan" }, 1));
    cJSON *min_tcb = cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb");
    cJSON *entry = cJSON_DetachItemFromObject(min_tcb, "genoa");
    cJSON_AddItemToObject(min_tcb, "milan", entry);
    cJSON *current = cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_current_tcb");
    cJSON_AddItemToObject(current, "milan", cJSON_DetachItemFromObject(current, "genoa"));
    expect(doc, CONFAI_E_POLICY_PLATFORM, "product genoa");

    /* A policy for TDX only. */
    doc = fx_policy_doc(&F);
    cJSON_DeleteItemFromObject(doc, "sev_snp");
    set(doc, "platforms", cJSON_CreateStringArray((const char *const[]){ "tdx" }, 1));
    cJSON *t = cJSON_AddObjectToObject(doc, "tdx");
    const char *any[] = { "mrtd", "rtmrs", "mrseam", "mr_config_id", "mr_owner",
                          "mr_owner_config", "td_attributes", "xfam", "min_tee_tcb_svn",
                          "tcb_statuses" };
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++)
        cJSON_AddStringToObject(t, any[i], "*");
    cJSON_AddFalseToObject(t, "allow_debug");
    cJSON_AddNumberToObject(t, "min_tcb_evaluation_data_number", 0);
    cJSON_AddStringToObject(t, "max_collateral_age", "*");
    cJSON_AddFalseToObject(t, "require_crls");
    expect(doc, CONFAI_E_POLICY_PLATFORM, "sev-snp");
}

/* --- the key configuration ----------------------------------------------------------- */

static void test_unsupported_key_config(void **state)
{
    (void)state;
    /* Bound correctly, but with a KEM nobody supports: no verdict at all. */
    uint8_t kc[] = { 0x01, 0x99, 0x99, 0x00, 0x01, 0x02, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02 };
    memcpy(F.key_config, kc, sizeof(kc));
    size_t saved = F.key_config_len;
    F.key_config_len = sizeof(kc);
    expect(fx_policy_doc(&F), CONFAI_E_UNSUPPORTED, NULL);
    /* Restore the fixture's own key config for the tests after this one. */
    F.key_config_len = sizeof(F.key_config);
    FX_OK(confai_key_config_serialize(F.config, F.key_config, &F.key_config_len, NULL));
    assert_int_equal(F.key_config_len, saved);
}

/* --- options, cache, arguments -------------------------------------------------------- */

static void test_options(void **state)
{
    (void)state;
    confai_policy *p = policy_of(fx_policy_doc(&F));
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    confai_verdict *v = NULL;
    confai_verify_options o = options_at(FX_NOW);

    o.version = 2;
    assert_int_equal(confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err),
                     CONFAI_E_ARGUMENT);
    o = options_at(FX_NOW);
    o.reserved[7] = 1;
    assert_int_equal(confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err),
                     CONFAI_E_ARGUMENT);
    o = options_at(FX_NOW);
    o.flags = 0x80;
    assert_int_equal(confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err),
                     CONFAI_E_ARGUMENT);
    o = options_at(-5);
    assert_int_equal(confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_verify_options_init(&o, 99, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_verify_options_init(NULL, 1, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_verify_options_version(), CONFAI_VERIFY_OPTIONS_VERSION);

    /* Arguments. */
    assert_int_equal(confai_attestation_verify(NULL, p, NULL, F.nonce, json, len, &err),
                     CONFAI_E_ARGUMENT);
    v = (confai_verdict *)1;
    assert_int_equal(confai_attestation_verify(&v, NULL, NULL, F.nonce, json, len, &err),
                     CONFAI_E_ARGUMENT);
    assert_null(v);
    assert_int_equal(confai_attestation_verify(&v, p, NULL, NULL, json, len, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_attestation_verify(&v, p, NULL, F.nonce, NULL, len, &err),
                     CONFAI_E_ARGUMENT);
    confai_free(json);
    confai_policy_free(p);
}

/* Verification time 0 means the clock: a platform and lease made for now. */
static void test_verify_now(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    snp_sim_config cfg;
    snp_sim_config_default(&cfg, SNP_PRODUCT_GENOA, now);
    FX_OK(snp_sim_reissue(F.sim, &cfg, NULL));
    assert_true(rfc3339_format(F.not_after, now + 120));
    confai_policy *p = policy_of(fx_policy_doc(&F));
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    confai_verdict *v = NULL;
    FX_OK(confai_attestation_verify(&v, p, NULL, F.nonce, json, len, &err));
    assert_true(confai_verdict_verified_at(v) >= now);
    assert_true(confai_verdict_expiry(v) <= now + 120);
    confai_verdict_free(v);
    confai_free(json);
    confai_policy_free(p);
    snp_sim_config_default(&cfg, SNP_PRODUCT_GENOA, FX_NOW);
    FX_OK(snp_sim_reissue(F.sim, &cfg, NULL));
}

static void test_cache(void **state)
{
    (void)state;
    confai_verify_cache *cache = NULL;
    FX_OK(confai_verify_cache_new(&cache, NULL));
    confai_policy *p = policy_of(fx_policy_doc(&F));
    confai_verify_options o = options_at(FX_NOW);
    o.cache = cache;
    for (int round = 0; round < 3; round++) {
        F.nonce[0] = (uint8_t)round;
        size_t len = 0;
        char *json = fx_bundle(&F, &len);
        confai_verdict *v = NULL;
        FX_OK(confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err));
        confai_verdict_free(v);
        confai_free(json);
    }
    /* A warm cache does not make another policy trust the custom root. */
    cJSON *doc = fx_policy_doc(&F);
    cJSON_DeleteItemFromObject(fx_snp(doc), "custom_roots");
    confai_policy *vendor_only = policy_of(doc);
    size_t len = 0;
    char *json = fx_bundle(&F, &len);
    confai_verdict *v = NULL;
    assert_int_equal(confai_attestation_verify(&v, vendor_only, &o, F.nonce, json, len, &err),
                     CONFAI_E_UNKNOWN_ROOT);
    /* A cached chain still needs a valid report signature. */
    uint8_t *sig = (uint8_t *)strstr(json, "\"report\":\"") + 10;
    sig[1000] = sig[1000] == 'A' ? 'B' : 'A';
    assert_int_equal(confai_attestation_verify(&v, p, &o, F.nonce, json, len, &err),
                     CONFAI_E_BAD_SIGNATURE);
    confai_free(json);
    confai_policy_free(vendor_only);
    confai_policy_free(p);
    confai_verify_cache_free(cache);
    confai_verify_cache_free(NULL);
    assert_int_equal(confai_verify_cache_new(NULL, &err), CONFAI_E_ARGUMENT);
}

static void test_constants(void **state)
{
    (void)state;
    assert_int_equal(confai_attestation_nonce_size(), CONFAI_ATTESTATION_NONCE_SIZE);
    assert_int_equal(confai_attestation_max_bundle_size(), CONFAI_ATTESTATION_MAX_BUNDLE_SIZE);
    assert_int_equal(confai_verdict_digest_size(), CONFAI_VERDICT_DIGEST_SIZE);
    assert_int_equal(confai_policy_max_size(), CONFAI_POLICY_MAX_SIZE);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_accept),
        T(test_seal_to_verdict_key),
        T(test_custom_root_flagged),
        T(test_accept_vlek),
        T(test_accept_milan_and_turin),
        T(test_accept_wildcards),
        T(test_malformed_bundles),
        T(test_lenient_bundle),
        T(test_tdx_and_gpus_unsupported),
        T(test_nonce_mismatch),
        T(test_expired_bundle),
        T(test_lease_beyond_max_age),
        T(test_unknown_root),
        T(test_bad_signature),
        T(test_certificate_expired),
        T(test_revoked_ask),
        T(test_key_swap),
        T(test_report_data_not_binding),
        T(test_policy_measurement),
        T(test_policy_tcb),
        T(test_policy_debug),
        T(test_policy_vmpl),
        T(test_policy_guest),
        T(test_policy_guest_bits),
        T(test_policy_guest_unknown_bits),
        T(test_policy_guest_abi),
        T(test_policy_current_tcb),
        T(test_policy_report_version),
        T(test_policy_identity),
        T(test_policy_chip),
        T(test_policy_firmware),
        T(test_policy_manifest),
        T(test_policy_platform),
        T(test_unsupported_key_config),
        T(test_options),
        T(test_verify_now),
        T(test_cache),
        T(test_constants),
    };
    return cmocka_run_group_tests_name("attest_attestation", tests, group_setup, group_teardown);
}
