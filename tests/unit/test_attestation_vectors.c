/*
 * The attestation layer on real SEV-SNP evidence from the shared vectors
 * (../shared/vectors/sev-snp, see PROVENANCE.md), verified at a fixed time
 * inside the certificates' validity and against AMD's pinned roots only.
 *
 * Real reports cannot carry our key binding, so for each one:
 *   - a policy made from the report's own values accepts its verified
 *     fields, every check passing, and the verdict names a vendor root
 *     without a warning;
 *   - changing one pinned value makes that check fail with its status;
 *   - confai_attestation_verify on a bundle around the real report and
 *     chain passes every check before the binding and stops exactly there,
 *     with CONFAI_E_BINDING.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "attest/platform.h"
#include "attest/policy/policy.h"
#include "attest/verdict.h"

#include "attest_fixture.h"
#include "snp_test_helpers.h"

typedef struct vector {
    const char *report, *leaf, *chain; /* files under sev-snp/ */
    snp_product product;
    const char *product_name;
} vector;

static const vector vectors[] = {
    { "trustee/test-report.bin", "trustee/test-vcek.der", "go-sev-guest/ask_ark_milan.pem",
      SNP_PRODUCT_MILAN, "milan" },
    { "oak/genoa_oc_snp_report.bin", "oak/genoa_oc_vcek.der", "go-sev-guest/ask_ark_genoa.pem",
      SNP_PRODUCT_GENOA, "genoa" },
    { "trustee/test-vlek-report.bin", "trustee/test-vlek.der",
      "go-sev-guest/ask_ark_milan_vlek.pem", SNP_PRODUCT_MILAN, "milan" },
};

typedef struct loaded {
    uint8_t *report;
    size_t report_len;
    der_list certs; /* leaf, ASK/ASVK, ARK */
    int64_t when;   /* a day after the latest notBefore */
} loaded;

static int64_t not_before(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    assert_non_null(x);
    struct tm tm, epoch;
    memset(&epoch, 0, sizeof(epoch));
    epoch.tm_year = 70;
    epoch.tm_mday = 1;
    assert_int_equal(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm), 1);
    int days = 0, secs = 0;
    assert_int_equal(OPENSSL_gmtime_diff(&days, &secs, &epoch, &tm), 1);
    X509_free(x);
    return (int64_t)days * 86400 + secs;
}

static int load(loaded *l, const vector *v)
{
    const char *dir = test_vectors_or_skip("real SEV-SNP evidence");
    if (dir == NULL)
        return 0;
    char path[512];
    memset(l, 0, sizeof(*l));
    snprintf(path, sizeof(path), "%s/sev-snp", dir);
    l->report = snp_read_report(path, v->report, &l->report_len);
    der_list_add_file(&l->certs, path, v->leaf);
    der_list_add_file(&l->certs, path, v->chain);
    assert_int_equal(l->certs.count, 3);
    for (size_t i = 0; i < 3; i++) {
        int64_t t = not_before(l->certs.der[i], l->certs.len[i]);
        if (t > l->when)
            l->when = t;
    }
    l->when += 86400;
    return 1;
}

static void unload(loaded *l)
{
    free(l->report);
    der_list_free(&l->certs);
}

/* A policy with the verified report's own values, AMD's roots only. */
static cJSON *own_policy(const snp_verified *v, snp_product product)
{
    fx f;
    memset(&f, 0, sizeof(f));
    f.product = product;
    f.fields = v->report;
    strcpy(f.manifest, "{}");
    cJSON *doc = fx_policy_doc(&f);
    /* Without an author key there is no author key digest to pin. */
    if ((v->report.flags & SNP_FLAG_AUTHOR_KEY_EN) == 0)
        cJSON_ReplaceItemInObject(fx_snp(doc), "author_key_digests", cJSON_CreateString("*"));
    return doc;
}

static void real_report_accepted_by_own_policy(const vector *vec)
{
    loaded l;
    if (!load(&l, vec))
        return;
    snp_trust *trust = snp_test_trust();
    snp_verified v;
    confai_error err;
    if (snp_verify(&v, trust, NULL, l.report, l.report_len,
                   (const uint8_t *const *)l.certs.der, l.certs.len, 3, l.when, &err) != CONFAI_OK)
        fail_msg("%s: %s", vec->report, err.message);
    assert_int_equal(v.root_kind, SNP_ROOT_VENDOR);
    assert_int_equal(v.report.product, vec->product);

    /* Every check of the report's own policy passes. */
    confai_policy *p = NULL;
    if (fx_policy_new(own_policy(&v, vec->product), &p, &err) != CONFAI_OK)
        fail_msg("%s: policy: %s", vec->report, err.message);
    verdict_checks checks;
    memset(&checks, 0, sizeof(checks));
    if (policy_check_snp(p, &v, &checks, &err) != CONFAI_OK)
        fail_msg("%s: %s", vec->report, err.message);
    assert_true(checks.passed_count >= 13);

    /* The verdict names AMD's root, without a warning. */
    uint8_t digest[32] = { 0 }, nonce[32] = { 0 };
    uint8_t kc[] = { 0x01, 0x00, 0x20 };
    confai_key_config *none = NULL;
    verdict_input in = { &snp_platform, &v, NULL,
                         { kc, sizeof(kc), digest, nonce, "2030-01-01T00:00:00Z",
                           l.when + 60, l.when, 600, 0, &checks } };
    confai_verdict *d = NULL;
    FX_OK(verdict_new(&d, &none, &in, NULL));
    assert_true(confai_verdict_root_is_vendor(d));
    assert_null(confai_verdict_root_warning(d));
    assert_string_equal(confai_verdict_product(d), vec->product_name);
    assert_int_equal(confai_verdict_expiry(d), l.when + 60);
    char *json = NULL;
    FX_OK(confai_verdict_json(d, &json, NULL, NULL));
    assert_non_null(strstr(json, "\"kind\":\"vendor\""));
    assert_null(strstr(json, "NOT an AMD root"));
    confai_free(json);
    confai_verdict_free(d);

    /* One pinned value changed: that check fails with its status. */
    snp_verified changed = v;
    changed.report.measurement[0] ^= 1;
    assert_int_equal(policy_check_snp(p, &changed, &checks, &err), CONFAI_E_POLICY_MEASUREMENT);
    changed = v;
    changed.report.guest_svn = v.report.guest_svn == 0 ? 0 : v.report.guest_svn - 1;
    changed.report.host_data[0] ^= 1;
    assert_int_equal(policy_check_snp(p, &changed, &checks, &err), CONFAI_E_POLICY_IDENTITY);
    confai_policy_free(p);
    snp_trust_free(trust);
    unload(&l);
}

/* The whole path on a real report: everything up to the binding passes. */
static void real_report_stops_at_binding(const vector *vec)
{
    loaded l;
    if (!load(&l, vec))
        return;
    snp_trust *trust = snp_test_trust();
    snp_verified v;
    FX_OK(snp_verify(&v, trust, NULL, l.report, l.report_len,
                     (const uint8_t *const *)l.certs.der, l.certs.len, 3, l.when, NULL));
    snp_trust_free(trust);
    confai_policy *p = NULL;
    FX_OK(fx_policy_new(own_policy(&v, vec->product), &p, NULL));

    uint8_t nonce[32];
    memset(nonce, 0x42, sizeof(nonce));
    static const uint8_t kc[] = { 0x01, 0x00, 0x20, 0x31, 0xe1, 0xf0, 0x5a, 0x74, 0x01, 0x02,
                                  0x11, 0x52, 0x20, 0xe9, 0xaf, 0x91, 0x8f, 0x73, 0x86, 0x74,
                                  0xae, 0xc9, 0x5f, 0x54, 0xdb, 0x6e, 0x04, 0xeb, 0x70, 0x5a,
                                  0xae, 0x8e, 0x79, 0x81, 0x55, 0x00, 0x04, 0x00, 0x01, 0x00,
                                  0x02 };
    char not_after[RFC3339_LEN + 1];
    assert_true(rfc3339_format(not_after, l.when + 3600));
    bundle_snp_parts parts = { nonce, kc, sizeof(kc), (const uint8_t *)"{}", 2, not_after,
                               l.report, l.report_len, (const uint8_t *const *)l.certs.der,
                               l.certs.len, 3 };
    char *json = NULL;
    size_t len = 0;
    FX_OK(bundle_write_snp(&json, &len, &parts, NULL));
    confai_verify_options o;
    FX_OK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL));
    o.verify_time = l.when;
    confai_verdict *d = (confai_verdict *)1;
    confai_error err;
    confai_status st = confai_attestation_verify(&d, p, &o, nonce, json, len, &err);
    if (st != CONFAI_E_BINDING)
        fail_msg("%s: got %s (%s)", vec->report, confai_status_name(st), err.message);
    assert_null(d);
    confai_free(json);
    confai_policy_free(p);
    unload(&l);
}

static void test_own_policy_accepts_real_reports(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        real_report_accepted_by_own_policy(&vectors[i]);
}

static void test_real_reports_stop_at_binding(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        real_report_stops_at_binding(&vectors[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_policy_accepts_real_reports),
        cmocka_unit_test(test_real_reports_stop_at_binding),
    };
    return cmocka_run_group_tests_name("attest_attestation_vectors", tests, NULL, NULL);
}
