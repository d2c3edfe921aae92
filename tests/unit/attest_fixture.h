/*
 * Shared by the attestation tests (test_policy.c, test_verdict.c,
 * test_attestation.c): a simulated SEV-SNP platform (src/sim/snp_sim.h),
 * a gateway key configuration, and builders for the evidence bundle the
 * simulated service would return and for a policy that accepts exactly it.
 *
 * Everything happens at FX_NOW so the tests do not depend on the clock.
 * Tests change fx.fields (the report) or the bundle parts, build, and check
 * what verification says.
 */
#ifndef CONFAI_TESTS_ATTEST_FIXTURE_H
#define CONFAI_TESTS_ATTEST_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <confai/confai.h>

#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/policy/policy.h"
#include "server/bundle_write.h"
#include "core/hex.h"
#include "core/rfc3339.h"
#include "sim/snp_sim.h"
#include "snp_sim_test_keys.h"

#define FX_NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define FX_LEASE 3600

#define FX_OK(call) assert_int_equal((call), CONFAI_OK)

typedef struct fx {
    snp_product product;
    snp_sim_keys *keys;
    snp_sim *sim;
    char *ark_pem;
    confai_hpke_key *hpke;
    confai_key_config *config;
    uint8_t key_config[128];
    size_t key_config_len;
    /* the bundle's parts */
    uint8_t nonce[32];
    char manifest[128];
    char not_after[RFC3339_LEN + 1];
    snp_report fields;
    snp_signing_key kind;
    int keep_report_data; /* 1: fields.report_data is used as set, not the binding */
} fx;

/* A certificate (DER) as PEM text in fresh memory (free()). */
static inline char *fx_pem(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(x);
    assert_int_equal(PEM_write_bio_X509(bio, x), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *pem = calloc(1, (size_t)n + 1);
    memcpy(pem, data, (size_t)n);
    BIO_free(bio);
    X509_free(x);
    return pem;
}

/* The report fields and bundle parts a fresh test starts from. */
static inline void fx_reset(fx *f)
{
    snp_sim_report_template(f->sim, &f->fields, SNP_KEY_VCEK);
    f->kind = SNP_KEY_VCEK;
    memset(f->fields.measurement, 0x11, sizeof(f->fields.measurement));
    memset(f->fields.host_data, 0x22, sizeof(f->fields.host_data));
    memset(f->fields.id_key_digest, 0x33, sizeof(f->fields.id_key_digest));
    memset(f->fields.author_key_digest, 0x44, sizeof(f->fields.author_key_digest));
    f->fields.flags |= SNP_FLAG_AUTHOR_KEY_EN;
    f->fields.guest_svn = 3;
    for (int i = 0; i < 32; i++)
        f->nonce[i] = (uint8_t)(0xA0 + i);
    strcpy(f->manifest, "{\"model\":\"example-llm\",\"image\":\"sha256:0123\"}");
    assert_true(rfc3339_format(f->not_after, FX_NOW + FX_LEASE));
    f->keep_report_data = 0;
}

/* A platform of one product (the fixed test keys) and a gateway key. */
static inline void fx_setup(fx *f, snp_product product)
{
    memset(f, 0, sizeof(*f));
    f->product = product;
    (void)snp_test_keys_rotated;
    FX_OK(snp_sim_keys_import(&f->keys, snp_test_keys, NULL));
    snp_sim_config cfg;
    snp_sim_config_default(&cfg, product, FX_NOW);
    FX_OK(snp_sim_new(&f->sim, f->keys, &cfg, NULL));
    size_t len = 0;
    const uint8_t *ark = snp_sim_cert(f->sim, SNP_SIM_ARK, &len);
    f->ark_pem = fx_pem(ark, len);

    FX_OK(confai_hpke_key_generate(&f->hpke, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    confai_ohttp_algorithms algs[] = { { CONFAI_HPKE_KDF_HKDF_SHA256,
                                         CONFAI_HPKE_AEAD_AES_256_GCM } };
    FX_OK(confai_key_config_new(&f->config, f->hpke, 7, algs, 1, NULL));
    f->key_config_len = sizeof(f->key_config);
    FX_OK(confai_key_config_serialize(f->config, f->key_config, &f->key_config_len, NULL));
    fx_reset(f);
}

static inline void fx_teardown(fx *f)
{
    snp_sim_free(f->sim);
    snp_sim_keys_free(f->keys);
    free(f->ark_pem);
    confai_key_config_free(f->config);
    confai_hpke_key_free(f->hpke);
    memset(f, 0, sizeof(*f));
}

/* SHA-512 of the transcript of the bundle's current parts. */
static inline void fx_report_data(const fx *f, uint8_t out[64])
{
    binding_inputs in = { f->nonce,
                          32,
                          f->key_config,
                          f->key_config_len,
                          (const uint8_t *)f->manifest,
                          strlen(f->manifest),
                          f->not_after,
                          strlen(f->not_after) };
    FX_OK(binding_report_data(out, &in, NULL));
}

/* Signs the report of the current fields with the key named by f->kind. */
static inline void fx_sign(fx *f, uint8_t report[SNP_REPORT_SIZE])
{
    if (!f->keep_report_data)
        fx_report_data(f, f->fields.report_data);
    FX_OK(snp_sim_sign_report(f->sim, report, &f->fields, f->kind, NULL));
}

/* The bundle the simulated service returns, as JSON (release with confai_free). */
static inline char *fx_bundle(fx *f, size_t *len)
{
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    fx_sign(f, report);
    snp_sim_chain(f->sim, f->kind, certs, lens);
    bundle_snp_parts parts = { f->nonce,
                               f->key_config,
                               f->key_config_len,
                               (const uint8_t *)f->manifest,
                               strlen(f->manifest),
                               f->not_after,
                               report,
                               sizeof(report),
                               certs,
                               lens,
                               3 };
    char *json = NULL;
    FX_OK(bundle_write_snp(&json, len, &parts, NULL));
    return json;
}

static inline cJSON *fx_hex_item(const uint8_t *data, size_t len)
{
    char text[2 * 64 + 1];
    hex_encode(text, data, len);
    return cJSON_CreateString(text);
}

static inline cJSON *fx_hex_list(const uint8_t *data, size_t len)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, fx_hex_item(data, len));
    return arr;
}

static inline cJSON *fx_tcb(const snp_tcb *t, int with_fmc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "bootloader", t->bootloader);
    cJSON_AddNumberToObject(o, "tee", t->tee);
    cJSON_AddNumberToObject(o, "snp", t->snp);
    cJSON_AddNumberToObject(o, "microcode", t->microcode);
    if (with_fmc)
        cJSON_AddNumberToObject(o, "fmc", t->fmc);
    return o;
}

static inline cJSON *fx_fw(uint8_t major, uint8_t minor, uint8_t build)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "major", major);
    cJSON_AddNumberToObject(o, "minor", minor);
    cJSON_AddNumberToObject(o, "build", build);
    return o;
}

static inline const char *fx_product_name(snp_product p)
{
    return p == SNP_PRODUCT_MILAN ? "milan" : p == SNP_PRODUCT_GENOA ? "genoa" : "turin";
}

/*
 * A policy that pins every value of the current fields: the measurement,
 * the TCBs as minima, host data, keys, chip id, firmware, the report
 * version, every guest policy bit as it is (set: "required", clear:
 * "forbidden") and its ABI as the minimum, the manifest, the
 * simulated ARK as custom root (none when f->ark_pem is NULL). Tests change
 * one member to reject.
 */
static inline cJSON *fx_policy_doc(const fx *f)
{
    const snp_report *r = &f->fields;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON *platforms = cJSON_AddArrayToObject(doc, "platforms");
    cJSON_AddItemToArray(platforms, cJSON_CreateString("sev-snp"));
    cJSON_AddNumberToObject(doc, "max_age", 600);
    uint8_t md[32];
    unsigned int md_len = 0;
    EVP_Digest(f->manifest, strlen(f->manifest), md, &md_len, EVP_sha256(), NULL);
    cJSON *manifest = cJSON_AddObjectToObject(doc, "manifest");
    cJSON_AddItemToObject(manifest, "sha256", fx_hex_list(md, 32));

    cJSON *snp = cJSON_AddObjectToObject(doc, "sev_snp");
    cJSON *products = cJSON_AddArrayToObject(snp, "products");
    cJSON_AddItemToArray(products, cJSON_CreateString(fx_product_name(f->product)));
    cJSON_AddItemToObject(snp, "measurements", fx_hex_list(r->measurement, 48));
    cJSON *min_tcb = cJSON_AddObjectToObject(snp, "min_tcb");
    cJSON *entry = cJSON_AddObjectToObject(min_tcb, fx_product_name(f->product));
    int fmc = f->product == SNP_PRODUCT_TURIN;
    cJSON_AddItemToObject(entry, "reported", fx_tcb(&r->reported_tcb, fmc));
    cJSON_AddItemToObject(entry, "committed", fx_tcb(&r->committed_tcb, fmc));
    cJSON_AddItemToObject(entry, "launch", fx_tcb(&r->launch_tcb, fmc));
    cJSON_AddFalseToObject(snp, "allow_debug");
    cJSON_AddFalseToObject(snp, "allow_migration_agent");
    cJSON *vmpls = cJSON_AddArrayToObject(snp, "vmpls");
    cJSON_AddItemToArray(vmpls, cJSON_CreateNumber(r->vmpl));
    cJSON_AddItemToObject(snp, "host_data", fx_hex_list(r->host_data, 32));
    cJSON_AddNumberToObject(snp, "min_guest_svn", r->guest_svn);
    cJSON_AddItemToObject(snp, "id_key_digests", fx_hex_list(r->id_key_digest, 48));
    cJSON_AddItemToObject(snp, "author_key_digests", fx_hex_list(r->author_key_digest, 48));
    cJSON_AddItemToObject(snp, "chip_ids", fx_hex_list(r->chip_id, 64));
    cJSON *fw = cJSON_AddObjectToObject(snp, "min_firmware");
    cJSON_AddItemToObject(fw, "current",
                          fx_fw(r->current_major, r->current_minor, r->current_build));
    cJSON_AddItemToObject(fw, "committed",
                          fx_fw(r->committed_major, r->committed_minor, r->committed_build));
    cJSON_AddNumberToObject(snp, "min_report_version", r->version);
    cJSON *gp = cJSON_AddObjectToObject(snp, "guest_policy");
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++)
        cJSON_AddStringToObject(gp, policy_snp_guest_bits[i].name,
                                (r->policy & policy_snp_guest_bits[i].mask) != 0 ? "required"
                                                                                 : "forbidden");
    cJSON *abi = cJSON_AddObjectToObject(gp, "min_abi");
    cJSON_AddNumberToObject(abi, "major", POLICY_SNP_GUEST_ABI_MAJOR(r->policy));
    cJSON_AddNumberToObject(abi, "minor", POLICY_SNP_GUEST_ABI_MINOR(r->policy));
    cJSON *current = cJSON_AddObjectToObject(snp, "min_current_tcb");
    snp_tcb cur = snp_tcb_decode(r->current_tcb_raw, f->product);
    cJSON_AddItemToObject(current, fx_product_name(f->product), fx_tcb(&cur, fmc));
    if (f->ark_pem != NULL) {
        cJSON *roots = cJSON_AddArrayToObject(snp, "custom_roots");
        cJSON_AddItemToArray(roots, cJSON_CreateString(f->ark_pem));
    }
    return doc;
}

/* The member `name` of the sev_snp section. */
static inline cJSON *fx_snp(cJSON *doc)
{
    return cJSON_GetObjectItemCaseSensitive(doc, "sev_snp");
}

/* Makes a policy from doc (consumed); returns the status. */
static inline confai_status fx_policy_new(cJSON *doc, confai_policy **policy, confai_error *err)
{
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    confai_status st = confai_policy_new(policy, text, strlen(text), err);
    cJSON_free(text);
    return st;
}

#endif /* CONFAI_TESTS_ATTEST_FIXTURE_H */
