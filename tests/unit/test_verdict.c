/*
 * src/attest/verdict.c, verdict_json.c and snp/snp_verdict.c: a verdict
 * made from verified fields by hand (no platform needed), its getters, the
 * expiry rule, the loud custom-root warning, NULL handling, and the JSON
 * form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <cJSON.h>
#include <openssl/evp.h>

#include <confai/confai.h>

#include "attest/platform.h"
#include "attest/policy/policy.h"
#include "attest/verdict.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)
#define NOW INT64_C(1767225600)

static uint8_t key_config[128];
static size_t key_config_len;

/* Verified fields of a Turin report with distinct values everywhere. */
static snp_verified verified(snp_root_kind kind)
{
    snp_verified v;
    memset(&v, 0, sizeof(v));
    snp_report *r = &v.report;
    r->version = 5;
    r->guest_svn = 9;
    r->policy = 0x30000 | POLICY_SNP_GUEST_DEBUG;
    r->vmpl = 1;
    r->platform_info = 1;
    memset(r->measurement, 0xAB, sizeof(r->measurement));
    memset(r->host_data, 0x01, sizeof(r->host_data));
    memset(r->chip_id, 0x02, 8);
    snp_tcb t = { .fmc = 5, .bootloader = 6, .tee = 7, .snp = 8, .microcode = 9 };
    r->reported_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_TURIN);
    t.snp = 10;
    r->current_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_TURIN);
    r->committed_tcb_raw = r->reported_tcb_raw;
    t.snp = 4;
    r->launch_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_TURIN);
    r->current_major = 1;
    r->current_minor = 55;
    r->current_build = 40;
    r->committed_major = 1;
    r->committed_minor = 55;
    r->committed_build = 39;
    snp_report_set_product(r, SNP_PRODUCT_TURIN);
    v.root_kind = kind;
    memset(v.root_spki_sha256, 0xCD, sizeof(v.root_spki_sha256));
    strcpy(v.endorsement_subject, "CN=SEV-VCEK");
    v.not_after = NOW + 86400 * 365;
    return v;
}

static int setup(void **state)
{
    (void)state;
    confai_hpke_key *key = NULL;
    confai_key_config *c = NULL;
    confai_ohttp_algorithms algs[] = { { CONFAI_HPKE_KDF_HKDF_SHA256,
                                         CONFAI_HPKE_AEAD_CHACHA20_POLY1305 } };
    OK(confai_hpke_key_generate(&key, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    OK(confai_key_config_new(&c, key, 3, algs, 1, NULL));
    key_config_len = sizeof(key_config);
    OK(confai_key_config_serialize(c, key_config, &key_config_len, NULL));
    confai_key_config_free(c);
    confai_hpke_key_free(key);
    return 0;
}

/* A verdict for v, with a lease to not_after and the given max_age. */
static confai_verdict *make(const snp_verified *v, const char *subject, int64_t not_after,
                            int64_t max_age)
{
    confai_key_config *c = NULL;
    OK(confai_key_config_parse(&c, key_config, key_config_len, NULL));
    verdict_checks checks;
    memset(&checks, 0, sizeof(checks));
    verdict_note(&checks, CHECK_NONCE, 0);
    verdict_note(&checks, CHECK_BINDING_REPORT_DATA, 0);
    verdict_note(&checks, CHECK_POLICY_CHIP_ID, 1);
    uint8_t manifest_digest[32], nonce[32];
    memset(manifest_digest, 0x5E, sizeof(manifest_digest));
    memset(nonce, 0x6F, sizeof(nonce));
    char text[RFC3339_LEN + 1];
    assert_true(rfc3339_format(text, not_after));
    verdict_input in = { &snp_platform, v, subject,
                         { key_config, key_config_len, manifest_digest, nonce, text,
                           not_after, NOW, max_age, 0, &checks } };
    confai_verdict *out = NULL;
    OK(verdict_new(&out, &c, &in, NULL));
    assert_null(c); /* the verdict owns it now */
    return out;
}

static void test_getters(void **state)
{
    (void)state;
    snp_verified v = verified(SNP_ROOT_VENDOR);
    confai_verdict *d = make(&v, NULL, NOW + 3600, 600);
    assert_string_equal(confai_verdict_platform(d), "sev-snp");
    assert_string_equal(confai_verdict_product(d), "turin");
    size_t len = 0;
    assert_memory_equal(confai_verdict_measurement(d, &len), v.report.measurement, 48);
    assert_int_equal(len, 48);
    assert_int_equal(confai_verdict_root_kind(d), CONFAI_ROOT_VENDOR);
    assert_true(confai_verdict_root_is_vendor(d));
    assert_null(confai_verdict_root_warning(d));
    assert_int_equal(confai_verdict_verified_at(d), NOW);
    assert_int_equal(confai_verdict_not_after(d), NOW + 3600);
    assert_int_equal(confai_key_config_id(confai_verdict_key_config(d)), 3);

    uint8_t digest[32];
    unsigned int dlen = 0;
    EVP_Digest(key_config, key_config_len, digest, &dlen, EVP_sha256(), NULL);
    assert_memory_equal(confai_verdict_key_config_digest(d), digest, 32);
    uint8_t md[32];
    memset(md, 0x5E, sizeof(md));
    assert_memory_equal(confai_verdict_manifest_digest(d), md, 32);

    assert_int_equal(confai_verdict_tcb(d, CONFAI_TCB_REPORTED), v.report.reported_tcb_raw);
    assert_int_equal(confai_verdict_tcb(d, CONFAI_TCB_CURRENT), v.report.current_tcb_raw);
    assert_int_equal(confai_verdict_tcb_component(d, CONFAI_TCB_CURRENT, CONFAI_TCB_SNP), 10);
    assert_int_equal(confai_verdict_tcb_component(d, CONFAI_TCB_LAUNCH, CONFAI_TCB_SNP), 4);
    assert_int_equal(confai_verdict_tcb_component(d, CONFAI_TCB_REPORTED, CONFAI_TCB_FMC), 5);
    assert_int_equal(confai_verdict_tcb_component(d, CONFAI_TCB_COMMITTED, CONFAI_TCB_MICROCODE),
                     9);
    assert_int_equal(confai_verdict_tcb_component(d, (confai_tcb_kind)9, CONFAI_TCB_SNP), -1);
    assert_int_equal(confai_verdict_tcb_component(d, CONFAI_TCB_LAUNCH, (confai_tcb_component)9),
                     -1);
    assert_int_equal(confai_verdict_tcb(d, (confai_tcb_kind)9), 0);

    assert_int_equal(confai_verdict_check_count(d), 2);
    assert_string_equal(confai_verdict_check(d, 0), "nonce");
    assert_string_equal(confai_verdict_check(d, 1), "binding.report_data");
    assert_null(confai_verdict_check(d, 2));
    assert_int_equal(confai_verdict_waived_count(d), 1);
    assert_string_equal(confai_verdict_waived(d, 0), "policy.chip_id");
    assert_null(confai_verdict_waived(d, 1));
    confai_verdict_free(d);
}

static void test_null_verdict(void **state)
{
    (void)state;
    size_t len = 7;
    assert_null(confai_verdict_platform(NULL));
    assert_null(confai_verdict_product(NULL));
    assert_null(confai_verdict_measurement(NULL, &len));
    assert_int_equal(len, 0);
    assert_int_equal(confai_verdict_root_kind(NULL), CONFAI_ROOT_NONE);
    assert_false(confai_verdict_root_is_vendor(NULL));
    assert_null(confai_verdict_root_warning(NULL));
    assert_null(confai_verdict_key_config(NULL));
    assert_null(confai_verdict_key_config_digest(NULL));
    assert_null(confai_verdict_manifest_digest(NULL));
    assert_int_equal(confai_verdict_expiry(NULL), 0);
    assert_int_equal(confai_verdict_tcb(NULL, CONFAI_TCB_REPORTED), 0);
    assert_int_equal(confai_verdict_tcb_component(NULL, CONFAI_TCB_REPORTED, CONFAI_TCB_SNP), -1);
    assert_int_equal(confai_verdict_check_count(NULL), 0);
    assert_null(confai_verdict_check(NULL, 0));
    assert_int_equal(confai_verdict_waived_count(NULL), 0);
    assert_null(confai_verdict_waived(NULL, 0));
    confai_verdict_free(NULL);
    char *json = (char *)1;
    confai_error err;
    assert_int_equal(confai_verdict_json(NULL, &json, NULL, &err), CONFAI_E_ARGUMENT);
    assert_null(json);
}

static void test_expiry_is_the_earliest(void **state)
{
    (void)state;
    snp_verified v = verified(SNP_ROOT_VENDOR);
    confai_verdict *d = make(&v, NULL, NOW + 3600, 600);
    assert_int_equal(confai_verdict_expiry(d), NOW + 600); /* max_age */
    confai_verdict_free(d);
    d = make(&v, NULL, NOW + 60, 600);
    assert_int_equal(confai_verdict_expiry(d), NOW + 60); /* not_after */
    confai_verdict_free(d);
    v.not_after = NOW + 30;
    d = make(&v, NULL, NOW + 3600, 600);
    assert_int_equal(confai_verdict_expiry(d), NOW + 30); /* the chain */
    confai_verdict_free(d);
}

static void test_custom_root_warning(void **state)
{
    (void)state;
    snp_verified v = verified(SNP_ROOT_CUSTOM);
    confai_verdict *d = make(&v, "/CN=ARK-Test", NOW + 60, 600);
    assert_int_equal(confai_verdict_root_kind(d), CONFAI_ROOT_CUSTOM);
    assert_false(confai_verdict_root_is_vendor(d));
    const char *w = confai_verdict_root_warning(d);
    assert_non_null(w);
    assert_non_null(strstr(w, "NOT an AMD root"));
    assert_non_null(strstr(w, "/CN=ARK-Test"));
    assert_non_null(strstr(w, "cdcdcdcd"));
    confai_verdict_free(d);
    d = make(&v, NULL, NOW + 60, 600);
    assert_non_null(strstr(confai_verdict_root_warning(d), "unnamed"));
    confai_verdict_free(d);
}

static const cJSON *get(const cJSON *obj, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *at = obj;
    for (char *part = strtok(buf, "."); part != NULL; part = strtok(NULL, ".")) {
        at = cJSON_GetObjectItemCaseSensitive(at, part);
        if (at == NULL)
            fail_msg("no %s in the verdict JSON", path);
    }
    return at;
}

static cJSON *json_of(const confai_verdict *d)
{
    char *json = NULL;
    size_t len = 0;
    OK(confai_verdict_json(d, &json, &len, NULL));
    assert_int_equal(strlen(json), len);
    cJSON *doc = cJSON_ParseWithLength(json, len);
    assert_non_null(doc);
    confai_free(json);
    return doc;
}

static void test_json(void **state)
{
    (void)state;
    snp_verified v = verified(SNP_ROOT_VENDOR);
    confai_verdict *d = make(&v, NULL, NOW + 3600, 600);
    cJSON *doc = json_of(d);
    assert_string_equal(get(doc, "result")->valuestring, "accepted");
    assert_string_equal(get(doc, "platform")->valuestring, "sev-snp");
    assert_string_equal(get(doc, "product")->valuestring, "turin");
    assert_string_equal(get(doc, "root.kind")->valuestring, "vendor");
    assert_null(cJSON_GetObjectItemCaseSensitive(get(doc, "root"), "warning"));
    assert_int_equal(strlen(get(doc, "measurement")->valuestring), 96);
    assert_int_equal(strncmp(get(doc, "measurement")->valuestring, "abab", 4), 0);
    assert_int_equal(get(doc, "guest_svn")->valueint, 9);
    assert_int_equal(get(doc, "vmpl")->valueint, 1);
    assert_true(cJSON_IsTrue(get(doc, "guest_policy.debug")));
    assert_false(cJSON_IsTrue(get(doc, "guest_policy.migration_agent")));
    assert_true(cJSON_IsTrue(get(doc, "smt_enabled")));
    assert_int_equal(get(doc, "tcb.reported.fmc")->valueint, 5);
    assert_int_equal(get(doc, "tcb.current.snp")->valueint, 10);
    assert_int_equal(get(doc, "tcb.launch.snp")->valueint, 4);
    assert_int_equal(strlen(get(doc, "tcb.reported.raw")->valuestring), 18);
    assert_string_equal(get(doc, "firmware.current")->valuestring, "1.55.40");
    assert_string_equal(get(doc, "firmware.committed")->valuestring, "1.55.39");
    assert_string_equal(get(doc, "signing_key")->valuestring, "vcek");
    assert_int_equal(get(doc, "key_config.key_id")->valueint, 3);
    assert_int_equal(get(doc, "key_config.kem_id")->valueint, CONFAI_HPKE_KEM_X25519_SHA256);
    assert_int_equal(get(doc, "key_config.aead_id")->valueint, CONFAI_HPKE_AEAD_CHACHA20_POLY1305);
    assert_int_equal(strlen(get(doc, "key_config.sha256")->valuestring), 64);
    assert_string_equal(get(doc, "manifest.sha256")->valuestring,
                        "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e");
    assert_string_equal(get(doc, "not_after")->valuestring, "2026-01-01T01:00:00Z");
    assert_string_equal(get(doc, "verified_at")->valuestring, "2026-01-01T00:00:00Z");
    assert_string_equal(get(doc, "expires")->valuestring, "2026-01-01T00:10:00Z");
    assert_int_equal(cJSON_GetArraySize(get(doc, "checks")), 2);
    assert_string_equal(cJSON_GetArrayItem(get(doc, "waived"), 0)->valuestring,
                        "policy.chip_id");
    cJSON_Delete(doc);
    confai_verdict_free(d);

    /* A Milan report has no fmc in its TCBs; a custom root has its warning. */
    v = verified(SNP_ROOT_CUSTOM);
    snp_report_set_product(&v.report, SNP_PRODUCT_MILAN);
    d = make(&v, "/CN=ARK-Test", NOW + 3600, 600);
    doc = json_of(d);
    assert_null(cJSON_GetObjectItemCaseSensitive(get(doc, "tcb.reported"), "fmc"));
    assert_string_equal(get(doc, "root.kind")->valuestring, "custom");
    assert_non_null(strstr(get(doc, "root.warning")->valuestring, "NOT an AMD root"));
    assert_string_equal(get(doc, "product")->valuestring, "milan");
    cJSON_Delete(doc);

    char *json = NULL;
    OK(confai_verdict_json(d, &json, NULL, NULL)); /* the length is optional */
    confai_free(json);
    assert_int_equal(confai_verdict_json(d, NULL, NULL, NULL), CONFAI_E_ARGUMENT);
    confai_verdict_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_null_verdict),
        cmocka_unit_test(test_expiry_is_the_earliest),
        cmocka_unit_test(test_custom_root_warning),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests_name("attest_verdict", tests, setup, NULL);
}
