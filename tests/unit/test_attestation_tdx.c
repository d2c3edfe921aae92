/*
 * src/attest/tdx/tdx_attestation.c end to end: a simulated TDX platform
 * (tests/common/tdx_sim.h: a test PCK hierarchy, TCB signer and
 * attestation key made with OpenSSL) signs real-format quotes whose
 * REPORTDATA is SHA-512 of the binding transcript, and Intel-format
 * collateral; the bundle carries both and confai_attestation_verify runs the
 * production path. The accept case (v4 and v5 quotes), the verdict and its
 * JSON, then one rejection per check with its own status: the verifier
 * (signature, roots, CRLs, collateral), the binding, and every field of the
 * policy's tdx section. Every verification runs again with a cache of
 * verified endorsements shared by the whole file, which must give the same
 * status, message and verdict.
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
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <confai/confai.h>

#include "attest/binding.h"
#include "core/hex.h"
#include "core/rfc3339.h"
#include "cache_check.h"
#include "gpu_sim_fixture.h"
#include "sim/tdx_sim.h"

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define LEASE 3600
#define OK(call) assert_int_equal((call), CONFAI_OK)

/* The simulated service: platform, key, bundle parts and the policy's inputs. */
typedef struct tfx {
    tdx_sim *signer;
    char *root_pem;
    confai_hpke_key *hpke;
    confai_key_config *config;
    uint8_t key_config[128];
    size_t key_config_len;
    uint8_t nonce[32];
    char manifest[128];
    char not_after[RFC3339_LEN + 1];
    tdx_sim_body body;
    int keep_report_data;         /* 1: body.report_data as set, not the binding */
    tdx_sim_collateral coll;
    int with_tcb_info, with_qe_identity, with_pck_crl, with_root_crl;
    int revoke_pck;
    int pem_pck_crl;              /* the PCK CRL as PEM, as PCS serves it by default */
} tfx;

static tfx T;
static confai_error err;
static gpu_sim *GPU, *GPU2; /* two simulated GPUs next to the simulated TD */

/* One cache for every verification of this file: its entries must never change a result. */
static confai_verify_cache *shared_cache;

static void tfx_reset(void)
{
    tdx_sim_body_default(&T.body, 4);
    T.keep_report_data = 0;
    tdx_sim_collateral_default(&T.coll, NOW);
    T.with_tcb_info = T.with_qe_identity = T.with_pck_crl = T.with_root_crl = 1;
    T.revoke_pck = 0;
    T.pem_pck_crl = 0;
    for (int i = 0; i < 32; i++)
        T.nonce[i] = (uint8_t)(0x40 + i);
    strcpy(T.manifest, "{\"model\":\"example-llm\",\"image\":\"sha256:4567\"}");
    assert_true(rfc3339_format(T.not_after, NOW + LEASE));
}

static int group_setup(void **state)
{
    (void)state;
    memset(&T, 0, sizeof(T));
    if (tdx_sim_new(&T.signer, NOW) != 0)
        return -1;
    T.root_pem = tdx_sim_root_pem(T.signer);
    OK(confai_hpke_key_generate(&T.hpke, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    confai_ohttp_algorithms algs[] = { { CONFAI_HPKE_KDF_HKDF_SHA256,
                                         CONFAI_HPKE_AEAD_AES_256_GCM } };
    OK(confai_key_config_new(&T.config, T.hpke, 9, algs, 1, NULL));
    T.key_config_len = sizeof(T.key_config);
    OK(confai_key_config_serialize(T.config, T.key_config, &T.key_config_len, NULL));
    tfx_reset();
    OK(confai_verify_cache_new(&shared_cache, NULL));
    OK(gpu_sim_new(&GPU, NOW, NULL));
    OK(gpu_sim_new(&GPU2, NOW, NULL));
    return T.root_pem != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    tdx_sim_free(T.signer);
    free(T.root_pem);
    confai_key_config_free(T.config);
    confai_hpke_key_free(T.hpke);
    confai_verify_cache_free(shared_cache);
    gpu_sim_free(GPU);
    gpu_sim_free(GPU2);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    tfx_reset();
    return 0;
}

/* --- the bundle ---------------------------------------------------------------- */

static void add_b64(cJSON *obj, const char *name, const void *data, size_t len)
{
    char *text = malloc(4 * ((len + 2) / 3) + 1);
    assert_non_null(text);
    EVP_EncodeBlock((unsigned char *)text, data, (int)len);
    cJSON_AddStringToObject(obj, name, text);
    free(text);
}

static void report_data(uint8_t out[64])
{
    binding_inputs in = { T.nonce,        32,
                          T.key_config,   T.key_config_len,
                          (const uint8_t *)T.manifest, strlen(T.manifest),
                          T.not_after,    strlen(T.not_after) };
    OK(binding_report_data(out, &in, NULL));
}

/* The evidence bundle of the current parts, as a cJSON document. */
static cJSON *bundle_doc(void)
{
    static uint8_t quote[16384], crl[4096];
    static char doc[16384];
    size_t len = 0;
    if (!T.keep_report_data)
        report_data(T.body.report_data);
    assert_int_equal(tdx_sim_quote(T.signer, &T.body, quote, sizeof(quote), &len), 0);

    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "version", 1);
    add_b64(b, "nonce", T.nonce, 32);
    add_b64(b, "key_config", T.key_config, T.key_config_len);
    add_b64(b, "manifest", T.manifest, strlen(T.manifest));
    cJSON_AddStringToObject(b, "not_after", T.not_after);
    cJSON *cpu = cJSON_AddObjectToObject(b, "cpu");
    cJSON_AddStringToObject(cpu, "type", "tdx");
    add_b64(cpu, "quote", quote, len);
    cJSON *c = cJSON_AddObjectToObject(cpu, "collateral");
    if (T.with_tcb_info) {
        assert_int_equal(tdx_sim_tcb_info(T.signer, &T.coll, doc, sizeof(doc), &len), 0);
        add_b64(c, "tcb_info", doc, len);
    }
    if (T.with_qe_identity) {
        assert_int_equal(tdx_sim_qe_identity(T.signer, &T.coll, doc, sizeof(doc), &len), 0);
        add_b64(c, "qe_identity", doc, len);
    }
    assert_int_equal(tdx_sim_signing_chain(T.signer, doc, sizeof(doc), &len), 0);
    add_b64(c, "tcb_info_issuer_chain", doc, len);
    add_b64(c, "qe_identity_issuer_chain", doc, len);
    if (T.with_pck_crl) {
        assert_int_equal(tdx_sim_crl(T.signer, 0, T.revoke_pck, NOW - 3600, NOW + 86400 * 7,
                                        crl, sizeof(crl), &len),
                         0);
        if (T.pem_pck_crl) {
            const unsigned char *p = crl;
            X509_CRL *x = d2i_X509_CRL(NULL, &p, (long)len);
            BIO *bio = BIO_new(BIO_s_mem());
            assert_true(x != NULL && bio != NULL && PEM_write_bio_X509_CRL(bio, x) == 1);
            char *pem;
            long n = BIO_get_mem_data(bio, &pem);
            add_b64(c, "pck_crl", pem, (size_t)n);
            BIO_free(bio);
            X509_CRL_free(x);
        } else {
            add_b64(c, "pck_crl", crl, len);
        }
    }
    if (T.with_root_crl) {
        assert_int_equal(tdx_sim_crl(T.signer, 1, 0, NOW - 3600, NOW + 86400 * 365, crl,
                                        sizeof(crl), &len),
                         0);
        add_b64(c, "root_ca_crl", crl, len);
    }
    return b;
}

static cJSON *cpu_of(cJSON *bundle)
{
    return cJSON_GetObjectItemCaseSensitive(bundle, "cpu");
}

static cJSON *collateral_of(cJSON *bundle)
{
    return cJSON_GetObjectItemCaseSensitive(cpu_of(bundle), "collateral");
}

/* --- the policy --------------------------------------------------------------- */

static cJSON *hex_list(const uint8_t *data, size_t len)
{
    char text[2 * 64 + 1];
    hex_encode(text, data, len);
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateString(text));
    return arr;
}

static cJSON *le64_list(uint64_t x)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    return hex_list(b, 8);
}

/* A policy that pins every value of the current body and trusts the test root. */
static cJSON *policy_doc(void)
{
    const tdx_sim_body *q = &T.body;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON_AddItemToObject(doc, "platforms",
                          cJSON_CreateStringArray((const char *const[]){ "tdx" }, 1));
    cJSON_AddNumberToObject(doc, "max_age", 600);
    uint8_t md[32];
    unsigned int md_len = 0;
    EVP_Digest(T.manifest, strlen(T.manifest), md, &md_len, EVP_sha256(), NULL);
    cJSON *manifest = cJSON_AddObjectToObject(doc, "manifest");
    cJSON_AddItemToObject(manifest, "sha256", hex_list(md, 32));

    cJSON *t = cJSON_AddObjectToObject(doc, "tdx");
    cJSON_AddItemToObject(t, "mrtd", hex_list(q->mrtd, 48));
    cJSON *rtmrs = cJSON_AddArrayToObject(t, "rtmrs");
    for (int i = 0; i < 4; i++)
        cJSON_AddItemToArray(rtmrs, hex_list(q->rtmr[i], 48));
    cJSON_AddItemToObject(t, "mrseam", hex_list(q->mrseam, 48));
    cJSON_AddItemToObject(t, "mr_config_id", hex_list(q->mrconfigid, 48));
    cJSON_AddItemToObject(t, "mr_owner", hex_list(q->mrowner, 48));
    cJSON_AddItemToObject(t, "mr_owner_config", hex_list(q->mrownerconfig, 48));
    cJSON_AddItemToObject(t, "td_attributes", le64_list(q->td_attributes));
    cJSON_AddItemToObject(t, "xfam", le64_list(q->xfam));
    cJSON_AddFalseToObject(t, "allow_debug");
    char svn[33];
    hex_encode(svn, q->tee_tcb_svn, 16);
    cJSON_AddStringToObject(t, "min_tee_tcb_svn", svn);
    cJSON_AddItemToObject(t, "tcb_statuses",
                          cJSON_CreateStringArray((const char *const[]){ "UpToDate" }, 1));
    cJSON_AddNumberToObject(t, "min_tcb_evaluation_data_number", 17);
    cJSON_AddNumberToObject(t, "max_collateral_age", 7 * 86400);
    cJSON_AddTrueToObject(t, "require_crls");
    cJSON *roots = cJSON_AddArrayToObject(t, "custom_roots");
    cJSON_AddItemToArray(roots, cJSON_CreateString(T.root_pem));
    return doc;
}

static cJSON *tdx_of(cJSON *doc)
{
    return cJSON_GetObjectItemCaseSensitive(doc, "tdx");
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
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    confai_policy *p = NULL;
    confai_status st = confai_policy_new(&p, text, strlen(text), &err);
    cJSON_free(text);
    if (st != CONFAI_OK)
        fail_msg("policy rejected: %s", err.message);
    return p;
}

/* --- running ------------------------------------------------------------------------ */

static confai_status verify_at(cJSON *policy, cJSON *bundle, int64_t t, confai_verdict **out)
{
    confai_policy *p = policy_of(policy);
    char *json = cJSON_PrintUnformatted(bundle);
    cJSON_Delete(bundle);
    confai_verify_options o;
    OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = t;
    confai_verdict *v = (confai_verdict *)1;
    confai_status st = confai_attestation_verify(&v, p, &o, T.nonce, json, strlen(json), &err);
    if (st != CONFAI_OK)
        assert_null(v);
    cache_check_same(shared_cache, p, o, T.nonce, json, st, &err, v);
    cJSON_free(json);
    confai_policy_free(p);
    if (out != NULL)
        *out = v;
    else
        confai_verdict_free(v);
    return st;
}

static void expect_at(cJSON *policy, cJSON *bundle, int64_t t, confai_status want,
                      const char *words)
{
    confai_status st = verify_at(policy, bundle, t, NULL);
    if (st != want)
        fail_msg("got %s (%s), want %s", confai_status_name(st), err.message,
                 confai_status_name(want));
    if (words != NULL && strstr(err.message, words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, words);
}

static void expect(cJSON *policy, confai_status want, const char *words)
{
    expect_at(policy, bundle_doc(), NOW, want, words);
}

static int has(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static int passed(const confai_verdict *v, const char *name)
{
    for (size_t i = 0; i < confai_verdict_check_count(v); i++)
        if (strcmp(confai_verdict_check(v, i), name) == 0)
            return 1;
    return 0;
}

static int waived(const confai_verdict *v, const char *name)
{
    for (size_t i = 0; i < confai_verdict_waived_count(v); i++)
        if (strcmp(confai_verdict_waived(v, i), name) == 0)
            return 1;
    return 0;
}

/* --- accept -------------------------------------------------------------------------- */

static void test_accepts(void **state)
{
    (void)state;
    confai_verdict *v = NULL;
    confai_status st = verify_at(policy_doc(), bundle_doc(), NOW, &v);
    if (st != CONFAI_OK)
        fail_msg("%s: %s", confai_status_name(st), err.message);
    assert_string_equal(confai_verdict_platform(v), "tdx");
    assert_null(confai_verdict_product(v));
    size_t len = 0;
    const uint8_t *m = confai_verdict_measurement(v, &len);
    assert_int_equal(len, 48);
    assert_memory_equal(m, T.body.mrtd, 48);
    assert_int_equal(confai_verdict_root_kind(v), CONFAI_ROOT_CUSTOM);
    assert_false(confai_verdict_root_is_vendor(v));
    assert_non_null(strstr(confai_verdict_root_warning(v), "NOT an Intel root"));
    assert_int_equal(confai_verdict_tcb(v, CONFAI_TCB_REPORTED), 0);
    assert_int_equal(confai_verdict_tcb_component(v, CONFAI_TCB_LAUNCH, CONFAI_TCB_SNP), -1);
    assert_int_equal(confai_key_config_id(confai_verdict_key_config(v)), 9);
    /* the lease is cut to max_age */
    assert_int_equal(confai_verdict_expiry(v), NOW + 600);
    const char *must[] = { "bundle", "nonce", "not_after", "policy.platform", "tdx.pck_chain",
                           "tdx.qe_report", "tdx.signature", "tdx.tcb_info", "tdx.qe_identity",
                           "binding.report_data", "policy.collateral", "policy.tcb_status",
                           "policy.tcb_evaluation_data_number", "policy.collateral_age",
                           "policy.crls", "policy.measurement", "policy.rtmr0", "policy.rtmr3",
                           "policy.mrseam", "policy.tee_tcb_svn", "policy.debug",
                           "policy.td_attributes", "policy.xfam", "policy.mr_config_id",
                           "policy.mr_owner", "policy.mr_owner_config", "policy.manifest",
                           "key_config" };
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        if (!passed(v, must[i]))
            fail_msg("check %s not passed", must[i]);
    assert_int_equal(confai_verdict_waived_count(v), 0);

    char *json = NULL;
    size_t json_len = 0;
    OK(confai_verdict_json(v, &json, &json_len, &err));
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "platform")->valuestring, "tdx");
    assert_null(cJSON_GetObjectItem(j, "product"));
    char mrtd[97];
    hex_encode(mrtd, T.body.mrtd, 48);
    assert_string_equal(cJSON_GetObjectItem(j, "measurement")->valuestring, mrtd);
    cJSON *root = cJSON_GetObjectItem(j, "root");
    assert_string_equal(cJSON_GetObjectItem(root, "kind")->valuestring, "custom");
    assert_non_null(strstr(cJSON_GetObjectItem(root, "warning")->valuestring, "NOT an Intel"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rtmrs")), 4);
    assert_string_equal(cJSON_GetObjectItem(j, "td_attributes")->valuestring, "0000001000000000");
    assert_string_equal(cJSON_GetObjectItem(j, "xfam")->valuestring, "e718060000000000");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "debug")));
    assert_string_equal(cJSON_GetObjectItem(j, "fmspc")->valuestring, "123456000000");
    cJSON *tcb = cJSON_GetObjectItem(j, "tcb");
    assert_string_equal(cJSON_GetObjectItem(tcb, "status")->valuestring, "UpToDate");
    assert_int_equal(cJSON_GetObjectItem(tcb, "evaluation_data_number")->valueint, 17);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(tcb, "advisory_ids")), 0);
    cJSON *coll = cJSON_GetObjectItem(j, "collateral");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(coll, "pck_crl")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(coll, "root_ca_crl")));
    assert_int_equal(cJSON_GetObjectItem(j, "quote_version")->valueint, 4);
    cJSON_Delete(j);
    confai_free(json);
    confai_verdict_free(v);
}

static void test_accepts_v5_and_pem_crl(void **state)
{
    (void)state;
    tdx_sim_body_default(&T.body, 5);
    T.pem_pck_crl = 1;
    confai_verdict *v = NULL;
    confai_status st = verify_at(policy_doc(), bundle_doc(), NOW, &v);
    if (st != CONFAI_OK)
        fail_msg("%s: %s", confai_status_name(st), err.message);
    char *json = NULL;
    OK(confai_verdict_json(v, &json, NULL, &err));
    assert_non_null(strstr(json, "\"td_report\":\"1.5\""));
    assert_non_null(strstr(json, "\"mr_service_td\":\"7777"));
    confai_free(json);
    confai_verdict_free(v);
}

/* Wildcards are listed as waived; an optional CRL that was not required is waived too. */
static void test_waived(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    cJSON *t = tdx_of(doc);
    set(t, "mrtd", cJSON_CreateString("*"));
    set(t, "rtmrs", cJSON_CreateString("*"));
    set(t, "max_collateral_age", cJSON_CreateString("*"));
    set(t, "require_crls", cJSON_CreateFalse());
    set(t, "tcb_statuses", cJSON_CreateString("*"));
    T.with_root_crl = 0;
    confai_verdict *v = NULL;
    OK(verify_at(doc, bundle_doc(), NOW, &v));
    const char *w[] = { "policy.measurement", "policy.rtmr0", "policy.rtmr1", "policy.rtmr2",
                        "policy.rtmr3", "policy.collateral_age", "policy.crls",
                        "policy.tcb_status" };
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        if (!waived(v, w[i]))
            fail_msg("%s not waived", w[i]);
    confai_verdict_free(v);
}

/* --- the platform verifier through the bundle ------------------------------------------ */

static void test_reject_signature_and_layout(void **state)
{
    (void)state;
    /* a flipped byte of the signed body */
    cJSON *b = bundle_doc();
    cJSON *q = cJSON_GetObjectItemCaseSensitive(cpu_of(b), "quote");
    char *text = strdup(q->valuestring);
    text[300] = text[300] == 'A' ? 'B' : 'A';
    set(cpu_of(b), "quote", cJSON_CreateString(text));
    free(text);
    expect_at(policy_doc(), b, NOW, CONFAI_E_BAD_SIGNATURE, "TDX quote");
    /* zero padding after the quote: the bundle carries exactly the quote */
    static uint8_t quote[16384];
    size_t len = 0;
    report_data(T.body.report_data);
    assert_int_equal(tdx_sim_quote(T.signer, &T.body, quote, sizeof(quote) - 16, &len), 0);
    memset(quote + len, 0, 16);
    b = bundle_doc();
    cJSON_DeleteItemFromObject(cpu_of(b), "quote");
    add_b64(cpu_of(b), "quote", quote, len + 16);
    expect_at(policy_doc(), b, NOW, CONFAI_E_TRAILING_DATA, NULL);
}

static void test_reject_roots(void **state)
{
    (void)state;
    /* without the custom root: neither Intel's nor pinned */
    cJSON *doc = policy_doc();
    cJSON_DeleteItemFromObject(tdx_of(doc), "custom_roots");
    expect(doc, CONFAI_E_UNKNOWN_ROOT, "root");
}

static void test_reject_revoked(void **state)
{
    (void)state;
    T.revoke_pck = 1;
    expect(policy_doc(), CONFAI_E_CERT_REVOKED, "PCK chain");
    /* the same CRL from the policy instead of the bundle */
    static uint8_t crl[4096];
    size_t len = 0;
    assert_int_equal(tdx_sim_crl(T.signer, 0, 1, NOW - 3600, NOW + 86400, crl, sizeof(crl),
                                    &len),
                     0);
    const unsigned char *p = crl;
    X509_CRL *x = d2i_X509_CRL(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_true(x != NULL && bio != NULL && PEM_write_bio_X509_CRL(bio, x) == 1);
    char *pem;
    long n = BIO_get_mem_data(bio, &pem);
    char *text = calloc(1, (size_t)n + 1);
    memcpy(text, pem, (size_t)n);
    BIO_free(bio);
    X509_CRL_free(x);
    T.revoke_pck = 0;
    T.with_pck_crl = 0;
    cJSON *doc = policy_doc();
    cJSON *crls = cJSON_AddArrayToObject(tdx_of(doc), "crls");
    cJSON_AddItemToArray(crls, cJSON_CreateString(text));
    free(text);
    expect(doc, CONFAI_E_CERT_REVOKED, NULL);
}

static void test_reject_collateral(void **state)
{
    (void)state;
    /* stale at the verification time: nextUpdate passed */
    T.coll.issue_date = NOW - 86400 * 31;
    T.coll.next_update = NOW - 60;
    expect(policy_doc(), CONFAI_E_COLLATERAL, "stale");
    tfx_reset();
    /* the two issuer chains differ */
    cJSON *b = bundle_doc();
    set(collateral_of(b), "qe_identity_issuer_chain", cJSON_CreateString("QUJD"));
    expect_at(policy_doc(), b, NOW, CONFAI_E_COLLATERAL, "issuer_chain");
    /* documents without any signing chain */
    b = bundle_doc();
    cJSON_DeleteItemFromObject(collateral_of(b), "qe_identity_issuer_chain");
    cJSON_DeleteItemFromObject(collateral_of(b), "tcb_info_issuer_chain");
    expect_at(policy_doc(), b, NOW, CONFAI_E_COLLATERAL, "signing chain");
    /* a PCK CRL that is neither DER nor PEM */
    b = bundle_doc();
    set(collateral_of(b), "pck_crl", cJSON_CreateString("AAECAw=="));
    expect_at(policy_doc(), b, NOW, CONFAI_E_COLLATERAL, "CRL");
    b = bundle_doc();
    char bad[] = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
    cJSON_DeleteItemFromObject(collateral_of(b), "pck_crl");
    add_b64(collateral_of(b), "pck_crl", bad, strlen(bad));
    expect_at(policy_doc(), b, NOW, CONFAI_E_COLLATERAL, "pck_crl");
}

/* --- GPUs and tokens next to TDX ------------------------------------------------------- */

/* The bundle with n simulated GPUs (GPU, GPU2, GPU, ...) whose SPDM nonce is SHA-256(T) of the bundle's parts. */
static cJSON *bundle_with_gpus(size_t n, int bound)
{
    binding_inputs in = { T.nonce,        32,
                          T.key_config,   T.key_config_len,
                          (const uint8_t *)T.manifest, strlen(T.manifest),
                          T.not_after,    strlen(T.not_after) };
    uint8_t nonce[32];
    OK(binding_gpu_nonce(nonce, &in, NULL));
    nonce[0] ^= (uint8_t)!bound;
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    cJSON *b = bundle_doc();
    cJSON *gpus = cJSON_AddArrayToObject(b, "gpus");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(gpus, gsf_gpu_entry(i % 2 ? GPU2 : GPU, &params, nonce));
    return b;
}

static cJSON *policy_with_gpus(void)
{
    cJSON *doc = policy_doc();
    cJSON *g = gsf_gpus_section(GPU);
    gsf_pin_root(g, GPU2);
    cJSON_AddItemToObject(doc, "gpus", g);
    return doc;
}

static void test_gpus_next_to_tdx(void **state)
{
    (void)state;
    confai_verdict *v = NULL;
    confai_status st = verify_at(policy_with_gpus(), bundle_with_gpus(2, 1), NOW, &v);
    if (st != CONFAI_OK)
        fail_msg("%s: %s", confai_status_name(st), err.message);
    assert_string_equal(confai_verdict_platform(v), "tdx");
    const char *must[] = { "policy.gpu.count", "gpu.certificate_chain", "gpu.signature",
                           "gpu.binding", "policy.gpu.measurements", "tdx.signature",
                           "binding.report_data" };
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        if (!passed(v, must[i]))
            fail_msg("check %s not passed", must[i]);
    char *json = NULL;
    OK(confai_verdict_json(v, &json, NULL, NULL));
    cJSON *doc = cJSON_Parse(json);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "gpus")), 2);
    cJSON_Delete(doc);
    confai_free(json);
    confai_verdict_free(v);
}

static void test_reject_gpus_next_to_tdx(void **state)
{
    (void)state;
    /* a policy that wants GPUs is not satisfied by the TD alone */
    expect_at(policy_with_gpus(), bundle_doc(), NOW, CONFAI_E_POLICY_GPU_COUNT, "GPU");
    /* GPU evidence that the policy does not ask for */
    expect_at(policy_doc(), bundle_with_gpus(1, 1), NOW, CONFAI_E_POLICY_GPU_COUNT,
              "no gpus section");
    /* GPU evidence that answers another transcript */
    expect_at(policy_with_gpus(), bundle_with_gpus(1, 0), NOW, CONFAI_E_BINDING, "gpus[0]");
    /* not even parseable evidence */
    cJSON *b = bundle_doc();
    cJSON *gpu = cJSON_CreateObject();
    cJSON_AddStringToObject(gpu, "type", "nvidia-spdm");
    cJSON_AddStringToObject(gpu, "evidence", "AAAA");
    cJSON_AddItemToObject(gpu, "certs", cJSON_CreateStringArray((const char *const[]){ "AAAA" }, 1));
    cJSON_AddItemToArray(cJSON_AddArrayToObject(b, "gpus"), gpu);
    assert_int_not_equal(verify_at(policy_with_gpus(), b, NOW, NULL), CONFAI_OK);
}

static void test_reject_missing_token_next_to_tdx(void **state)
{
    (void)state;
    /* a tokens section that wants a token is not satisfied by the TD alone */
    cJSON *doc = policy_doc();
    cJSON *t = cJSON_AddObjectToObject(doc, "tokens");
    cJSON_AddNumberToObject(t, "min_count", 1);
    cJSON *issuer = cJSON_CreateObject();
    cJSON_AddStringToObject(issuer, "iss", "https://nras.example");
    cJSON_AddStringToObject(issuer, "format", "jwt");
    cJSON_AddItemToObject(issuer, "audiences",
                          cJSON_CreateStringArray((const char *const[]){ "confai" }, 1));
    cJSON_AddNumberToObject(issuer, "max_skew", 60);
    cJSON *jwks = cJSON_AddObjectToObject(issuer, "jwks");
    cJSON *key = cJSON_CreateObject();
    cJSON_AddStringToObject(key, "kty", "EC");
    cJSON_AddStringToObject(key, "crv", "P-256");
    cJSON_AddStringToObject(key, "kid", "k1");
    /* the P-256 example key of RFC 7515, appendix A.3 */
    cJSON_AddStringToObject(key, "x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU");
    cJSON_AddStringToObject(key, "y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(jwks, "keys"), key);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(t, "issuers"), issuer);
    expect_at(doc, bundle_doc(), NOW, CONFAI_E_POLICY_TOKEN, NULL);
}

/* --- the binding ----------------------------------------------------------------------- */

static void test_reject_binding(void **state)
{
    (void)state;
    /* a genuine quote over another transcript: another key configuration */
    memset(T.body.report_data, 0x5A, 64);
    T.keep_report_data = 1;
    expect(policy_doc(), CONFAI_E_BINDING, NULL);
    /* the right transcript, relayed next to another manifest */
    T.keep_report_data = 0;
    cJSON *b = bundle_doc();
    cJSON_DeleteItemFromObject(b, "manifest");
    add_b64(b, "manifest", "{}", 2);
    expect_at(policy_doc(), b, NOW, CONFAI_E_BINDING, NULL);
}

/* --- the policy's tdx section: one rejection per check ---------------------------------- */

static void test_reject_platform(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    cJSON_DeleteItemFromObject(doc, "tdx");
    set(doc, "platforms", cJSON_CreateStringArray((const char *const[]){ "sev-snp" }, 1));
    cJSON *snp = cJSON_AddObjectToObject(doc, "sev_snp");
    const char *any[] = { "products", "measurements", "min_tcb", "vmpls", "host_data",
                          "id_key_digests", "author_key_digests", "chip_ids", "min_firmware" };
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++)
        cJSON_AddStringToObject(snp, any[i], "*");
    cJSON_AddFalseToObject(snp, "allow_debug");
    cJSON_AddFalseToObject(snp, "allow_migration_agent");
    cJSON_AddNumberToObject(snp, "min_guest_svn", 0);
    cJSON_AddStringToObject(snp, "min_current_tcb", "*");
    cJSON_AddNumberToObject(snp, "min_report_version", 2);
    cJSON *gp = cJSON_AddObjectToObject(snp, "guest_policy");
    const char *bits[] = { "smt", "single_socket", "cxl_allow", "mem_aes_256_xts", "rapl_dis",
                           "ciphertext_hiding_dram", "page_swap_disable", "min_abi" };
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        cJSON_AddStringToObject(gp, bits[i], "*");
    expect(doc, CONFAI_E_POLICY_PLATFORM, "tdx");
}

static void test_reject_missing_collateral(void **state)
{
    (void)state;
    T.with_qe_identity = 0;
    expect(policy_doc(), CONFAI_E_COLLATERAL, "QE identity");
    T.with_qe_identity = 1;
    T.with_tcb_info = 0;
    /* even "*" accepts no unknown TCB status */
    cJSON *doc = policy_doc();
    set(tdx_of(doc), "tcb_statuses", cJSON_CreateString("*"));
    expect(doc, CONFAI_E_COLLATERAL, "TCB info");
}

static void test_reject_tcb_status(void **state)
{
    (void)state;
    T.coll.status = "SWHardeningNeeded";
    T.coll.advisory = "INTEL-SA-00615";
    expect(policy_doc(), CONFAI_E_POLICY_TCB, "INTEL-SA-00615");
    /* accepted by explicit opt-in, with the advisory in the verdict */
    cJSON *doc = policy_doc();
    set(tdx_of(doc), "tcb_statuses",
        cJSON_CreateStringArray((const char *const[]){ "UpToDate", "SWHardeningNeeded" }, 2));
    confai_verdict *v = NULL;
    OK(verify_at(doc, bundle_doc(), NOW, &v));
    char *json = NULL;
    OK(confai_verdict_json(v, &json, NULL, &err));
    assert_non_null(strstr(json, "\"status\":\"SWHardeningNeeded\""));
    assert_non_null(strstr(json, "\"advisory_ids\":[\"INTEL-SA-00615\"]"));
    confai_free(json);
    confai_verdict_free(v);
    /* Revoked is never accepted, not even by "*" */
    T.coll.status = "Revoked";
    doc = policy_doc();
    set(tdx_of(doc), "tcb_statuses", cJSON_CreateString("*"));
    expect(doc, CONFAI_E_POLICY_TCB, "Revoked");
    /* an OutOfDate QE turns the platform's UpToDate into OutOfDate */
    T.coll.status = "UpToDate";
    T.coll.qe_status = "OutOfDate";
    expect(policy_doc(), CONFAI_E_POLICY_TCB, "OutOfDate");
    /* a TD 1.5 quote whose current module matches no level */
    tfx_reset();
    tdx_sim_body_default(&T.body, 5);
    T.body.tee_tcb_svn2[2] = 4; /* below the only non-OutOfDate level */
    expect(policy_doc(), CONFAI_E_POLICY_TCB, "current TDX module");
}

static void test_reject_eval_number(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    set(tdx_of(doc), "min_tcb_evaluation_data_number", cJSON_CreateNumber(18));
    expect(doc, CONFAI_E_POLICY_COLLATERAL, "tcbEvaluationDataNumber 17");
}

static void test_reject_collateral_age(void **state)
{
    (void)state;
    T.coll.issue_date = NOW - 8 * 86400;
    expect(policy_doc(), CONFAI_E_POLICY_COLLATERAL, "max_collateral_age");
}

static void test_reject_crls_required(void **state)
{
    (void)state;
    T.with_pck_crl = 0;
    expect(policy_doc(), CONFAI_E_POLICY_COLLATERAL, "PCK CA");
    T.with_pck_crl = 1;
    T.with_root_crl = 0;
    expect(policy_doc(), CONFAI_E_POLICY_COLLATERAL, "root CA");
}

static void test_reject_measurements(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    T.body.mrtd[47] ^= 1;
    expect(doc, CONFAI_E_POLICY_MEASUREMENT, "MRTD");
    tfx_reset();
    doc = policy_doc();
    T.body.rtmr[2][0] ^= 1;
    expect(doc, CONFAI_E_POLICY_MEASUREMENT, "RTMR2");
    /* the message shows what the service reported, ready to be pinned */
    char reported[2 * 48 + 1];
    hex_encode(reported, T.body.rtmr[2], 48);
    assert_non_null(strstr(err.message, reported));
    tfx_reset();
    doc = policy_doc();
    T.body.mrseam[5] ^= 1;
    expect(doc, CONFAI_E_POLICY_MEASUREMENT, "MRSEAM");
}

static void test_reject_tee_tcb_svn(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    set(tdx_of(doc), "min_tee_tcb_svn", cJSON_CreateString("03000600000000000000000000000000"));
    expect(doc, CONFAI_E_POLICY_TCB, "TEE_TCB_SVN[2]");
}

static void test_reject_debug(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    set(tdx_of(doc), "td_attributes", cJSON_CreateString("*"));
    T.body.td_attributes |= 1;
    expect(doc, CONFAI_E_POLICY_DEBUG, "DEBUG");
}

static void test_reject_td_attributes_and_xfam(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    T.body.td_attributes |= UINT64_C(1) << 30; /* PKS */
    expect(doc, CONFAI_E_POLICY_GUEST, "TDATTRIBUTES");
    tfx_reset();
    doc = policy_doc();
    T.body.xfam |= UINT64_C(1) << 9;
    expect(doc, CONFAI_E_POLICY_GUEST, "XFAM");
}

static void test_reject_identity(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    T.body.mrconfigid[0] ^= 1;
    expect(doc, CONFAI_E_POLICY_IDENTITY, "MRCONFIGID");
    tfx_reset();
    doc = policy_doc();
    T.body.mrowner[0] ^= 1;
    expect(doc, CONFAI_E_POLICY_IDENTITY, "MROWNER ");
    tfx_reset();
    doc = policy_doc();
    T.body.mrownerconfig[0] ^= 1;
    expect(doc, CONFAI_E_POLICY_IDENTITY, "MROWNERCONFIG");
}

static void test_reject_manifest(void **state)
{
    (void)state;
    cJSON *doc = policy_doc();
    strcpy(T.manifest, "{\"model\":\"other\"}");
    expect(doc, CONFAI_E_POLICY_MANIFEST, "manifest");
}

static void test_checks_listed_once(void **state)
{
    (void)state;
    confai_verdict *v = NULL;
    OK(verify_at(policy_doc(), bundle_doc(), NOW, &v));
    const char *seen[64];
    size_t n = confai_verdict_check_count(v);
    assert_true(n < 64);
    for (size_t i = 0; i < n; i++) {
        seen[i] = confai_verdict_check(v, i);
        assert_false(has(seen, i, seen[i]));
    }
    confai_verdict_free(v);
}

#define T_(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T_(test_accepts),
        T_(test_accepts_v5_and_pem_crl),
        T_(test_waived),
        T_(test_reject_signature_and_layout),
        T_(test_reject_roots),
        T_(test_reject_revoked),
        T_(test_reject_collateral),
        T_(test_gpus_next_to_tdx),
        T_(test_reject_gpus_next_to_tdx),
        T_(test_reject_missing_token_next_to_tdx),
        T_(test_reject_binding),
        T_(test_reject_platform),
        T_(test_reject_missing_collateral),
        T_(test_reject_tcb_status),
        T_(test_reject_eval_number),
        T_(test_reject_collateral_age),
        T_(test_reject_crls_required),
        T_(test_reject_measurements),
        T_(test_reject_tee_tcb_svn),
        T_(test_reject_debug),
        T_(test_reject_td_attributes_and_xfam),
        T_(test_reject_identity),
        T_(test_reject_manifest),
        T_(test_checks_listed_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
