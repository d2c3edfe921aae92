/*
 * src/attest/policy/policy_tdx.c and the checks of tdx/tdx_attestation.c: the "tdx"
 * section parses strictly (every field required, "*" where allowed, unknown
 * members rejected), and the real quotes of the shared vectors, verified by
 * tdx_verify with the collateral PROVENANCE.md pairs with them, go through
 * policy_check_tdx with the statuses Intel's rules give: the binding cannot
 * match a real quote, so the public path is tested with simulated quotes in
 * test_attestation_tdx.c and the real ones here, one level down.
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

#include <confai/confai.h>

#include "attest/tdx/tdx_attestation.h"
#include "attest/policy/policy.h"
#include "attest/tdx/tdx.h"
#include "attest/verdict.h"
#include "core/hex.h"
#include "test_util.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)

static confai_error err;

/* --- parsing -------------------------------------------------------------------- */

static cJSON *section(void)
{
    cJSON *t = cJSON_CreateObject();
    const char *any[] = { "mrtd", "rtmrs", "mrseam", "mr_config_id", "mr_owner",
                          "mr_owner_config", "td_attributes", "xfam", "min_tee_tcb_svn" };
    for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++)
        cJSON_AddStringToObject(t, any[i], "*");
    cJSON_AddFalseToObject(t, "allow_debug");
    cJSON_AddItemToObject(t, "tcb_statuses",
                          cJSON_CreateStringArray((const char *const[]){ "UpToDate" }, 1));
    cJSON_AddNumberToObject(t, "min_tcb_evaluation_data_number", 0);
    cJSON_AddStringToObject(t, "max_collateral_age", "*");
    cJSON_AddFalseToObject(t, "require_crls");
    return t;
}

static cJSON *doc_with(cJSON *tdx)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON_AddItemToObject(doc, "platforms",
                          cJSON_CreateStringArray((const char *const[]){ "tdx" }, 1));
    cJSON_AddNumberToObject(doc, "max_age", 600);
    cJSON *m = cJSON_AddObjectToObject(doc, "manifest");
    cJSON_AddStringToObject(m, "sha256", "*");
    cJSON_AddItemToObject(doc, "tdx", tdx);
    return doc;
}

static confai_status make(cJSON *doc, confai_policy **p)
{
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    *p = NULL;
    confai_status st = confai_policy_new(p, text, strlen(text), &err);
    cJSON_free(text);
    return st;
}

static confai_policy *accepts(cJSON *tdx)
{
    confai_policy *p = NULL;
    if (make(doc_with(tdx), &p) != CONFAI_OK)
        fail_msg("rejected: %s", err.message);
    return p;
}

static void rejects(cJSON *tdx, const char *words)
{
    confai_policy *p = NULL;
    assert_int_equal(make(doc_with(tdx), &p), CONFAI_E_POLICY_INVALID);
    assert_null(p);
    if (strstr(err.message, words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, words);
}

static void set(cJSON *obj, const char *name, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        cJSON_ReplaceItemInObject(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

static void test_parse_fields(void **state)
{
    (void)state;
    confai_policy *p = accepts(section());
    assert_true(p->has_tdx);
    assert_true(p->tdx.mrtd.any);
    assert_true(p->tdx.rtmrs_any);
    assert_true(p->tdx.max_collateral_age_any);
    assert_false(p->tdx.require_crls);
    assert_int_equal(p->tdx.min_tcb_eval_num, 0);
    assert_non_null(p->tdx.trust);
    confai_policy_free(p);

    cJSON *t = section();
    set(t, "max_collateral_age", cJSON_CreateNumber(86400));
    set(t, "min_tcb_evaluation_data_number", cJSON_CreateNumber(17));
    set(t, "require_crls", cJSON_CreateTrue());
    set(t, "td_attributes", cJSON_CreateStringArray(
                                (const char *const[]){ "0000001000000000", "0000000000000000" }, 2));
    p = accepts(t);
    assert_int_equal(p->tdx.max_collateral_age, 86400);
    assert_int_equal(p->tdx.min_tcb_eval_num, 17);
    assert_true(p->tdx.require_crls);
    assert_int_equal(p->tdx.td_attributes.count, 2);
    assert_int_equal(p->tdx.td_attributes.items[3], 0x10);
    confai_policy_free(p);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    const char *required[] = { "mrtd", "rtmrs", "mrseam", "mr_config_id", "mr_owner",
                               "mr_owner_config", "td_attributes", "xfam", "allow_debug",
                               "min_tee_tcb_svn", "tcb_statuses",
                               "min_tcb_evaluation_data_number", "max_collateral_age",
                               "require_crls" };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        char want[96];
        cJSON *t = section();
        cJSON_DeleteItemFromObject(t, required[i]);
        snprintf(want, sizeof(want), "tdx.%s: missing", required[i]);
        rejects(t, want);
    }
    cJSON *t = section();
    cJSON_AddTrueToObject(t, "allow_revoked");
    rejects(t, "tdx.allow_revoked: unknown member");
    t = section();
    set(t, "max_collateral_age", cJSON_CreateNumber(0));
    rejects(t, "tdx.max_collateral_age");
    t = section();
    set(t, "max_collateral_age", cJSON_CreateString("forever"));
    rejects(t, "tdx.max_collateral_age");
    t = section();
    set(t, "min_tcb_evaluation_data_number", cJSON_CreateNumber(-1));
    rejects(t, "tdx.min_tcb_evaluation_data_number");
    t = section();
    set(t, "require_crls", cJSON_CreateString("*"));
    rejects(t, "tdx.require_crls");
    t = section();
    set(t, "tcb_statuses", cJSON_CreateStringArray((const char *const[]){ "NotSupported" }, 1));
    rejects(t, "tdx.tcb_statuses[0]");
    t = section();
    set(t, "tcb_statuses", cJSON_CreateArray());
    rejects(t, "tdx.tcb_statuses");
    /* a DEBUG value while debugging is forbidden could never match */
    t = section();
    set(t, "td_attributes", cJSON_CreateStringArray((const char *const[]){ "0100000000000000" }, 1));
    rejects(t, "DEBUG");
    t = section();
    set(t, "allow_debug", cJSON_CreateTrue());
    set(t, "td_attributes", cJSON_CreateStringArray((const char *const[]){ "0100000000000000" }, 1));
    confai_policy *p = accepts(t);
    confai_policy_free(p);
    /* a custom root that is not a self-signed CA */
    t = section();
    cJSON *roots = cJSON_AddArrayToObject(t, "custom_roots");
    cJSON_AddItemToArray(roots, cJSON_CreateString("-----BEGIN CERTIFICATE-----\nAAAA\n"
                                                   "-----END CERTIFICATE-----\n"));
    rejects(t, "tdx.custom_roots");
}

/* --- real quotes ------------------------------------------------------------------ */

#define T_2023_06_20 INT64_C(1687219200)
#define T_2024_08_01 INT64_C(1722470400)
#define T_2025_05_01 INT64_C(1746057600)
#define T_2025_11_01 INT64_C(1761955200)
#define T_2026_02_10 INT64_C(1770681600)

typedef struct real {
    const char *quote;
    size_t len;            /* bytes the quote uses */
    uint32_t flags;
    const char *tcb_info, *qe_identity;
    int crls;
    int64_t time, signer_time;
} real;

static const real spr_e4 = { "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", 4935, 0,
                             "tdx/go-tdx-guest/sample_tcbInfo_response",
                             "tdx/go-tdx-guest/sample_qeIdentity_response", 1, T_2023_06_20, 0 };
/*
 * Collateral issued after the TCB Signing certificate of the vectors expired
 * (2025-05-21): verified with signer_time inside the certificate, which only
 * the internal interface offers for archived collateral (doc/policy.md).
 */
static const real trustee6 = { "tdx/trustee/tdx_quote_6.dat", 4936, TDX_PARSE_PADDED,
                               "tdx/trustee/tcbInfo.json", "tdx/trustee/enclaveIdentity.json", 0,
                               T_2025_11_01, T_2025_05_01 };
static const real v5 = { "tdx/go-tdx-guest/quote_v5_sample.dat", 5006, 0,
                         "tdx/go-tdx-guest/sample_tcbinfo_response_v5", NULL, 0, T_2026_02_10,
                         T_2025_05_01 };
static const real cos113 = { "tdx/go-tdx-guest/cos-113-tdx-quote.dat", 4935, TDX_PARSE_PADDED,
                             NULL, NULL, 0, T_2024_08_01, 0 };

/* Verifies a real quote with its collateral; returns 0 when the vectors are absent. */
static int verify_real(tdx_verified *v, const real *r)
{
    const char *dir = test_vectors_or_skip("TDX vectors");
    if (dir == NULL)
        return 0;
    size_t qlen = 0, tl = 0, ql = 0, cl = 0, pl = 0, rl = 0;
    uint8_t *quote = test_read_file(dir, r->quote, &qlen);
    char *chain = (char *)test_read_file(dir, "tdx/go-tdx-guest/tcb_info_issuer_chain.pem", &cl);
    char *tcb = r->tcb_info ? (char *)test_read_file(dir, r->tcb_info, &tl) : NULL;
    char *qe = r->qe_identity ? (char *)test_read_file(dir, r->qe_identity, &ql) : NULL;
    uint8_t *pck = r->crls ? test_read_file(dir, "tdx/go-tdx-guest/pckcrl", &pl) : NULL;
    uint8_t *root = r->crls ? test_read_file(dir, "tdx/go-tdx-guest/rootcrl.der", &rl) : NULL;
    assert_non_null(quote);
    assert_non_null(chain);
    tdx_collateral c = { tcb, tl, qe, ql, chain, cl, pck, pl, root, rl, r->signer_time,
                         NULL, NULL, 0 };
    tdx_trust *trust = NULL;
    OK(tdx_trust_new(&trust, NULL));
    size_t n = r->flags & TDX_PARSE_PADDED ? qlen : r->len;
    confai_status st = tdx_verify(v, trust, NULL, quote, n, r->flags, &c, r->time, &err);
    if (st != CONFAI_OK)
        fail_msg("%s: %s", r->quote, err.message);
    /* the verdict keeps no pointer into the buffer */
    v->quote.qe_auth_data = NULL;
    v->quote.pck_chain = NULL;
    tdx_trust_free(trust);
    free(quote);
    free(chain);
    free(tcb);
    free(qe);
    free(pck);
    free(root);
    return 1;
}

/* A policy pinning the quote's own values, accepting these statuses. */
static confai_policy *pinning(const tdx_verified *v, const char *const *statuses, size_t n)
{
    const tdx_quote *q = &v->quote;
    char h[2 * 48 + 1];
    cJSON *t = section();
    hex_encode(h, q->mrtd, 48);
    set(t, "mrtd", cJSON_CreateStringArray((const char *const[]){ h }, 1));
    hex_encode(h, q->mrseam, 48);
    set(t, "mrseam", cJSON_CreateStringArray((const char *const[]){ h }, 1));
    cJSON *rtmrs = cJSON_CreateArray();
    for (int i = 0; i < 4; i++) {
        hex_encode(h, q->rtmr[i], 48);
        cJSON_AddItemToArray(rtmrs, cJSON_CreateStringArray((const char *const[]){ h }, 1));
    }
    set(t, "rtmrs", rtmrs);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(q->td_attributes >> (8 * i));
    hex_encode(h, le, 8);
    set(t, "td_attributes", cJSON_CreateStringArray((const char *const[]){ h }, 1));
    hex_encode(h, q->tee_tcb_svn, 16);
    set(t, "min_tee_tcb_svn", cJSON_CreateString(h));
    set(t, "tcb_statuses", n ? cJSON_CreateStringArray(statuses, (int)n) : cJSON_CreateString("*"));
    confai_policy *p = accepts(t);
    return p;
}

static void test_real_trustee_out_of_date(void **state)
{
    (void)state;
    tdx_verified v;
    if (!verify_real(&v, &trustee6))
        skip();
    assert_int_equal(v.tcb_status, TDX_TCB_OUT_OF_DATE);
    assert_int_equal(v.tcb_eval_num, 17);
    verdict_checks c = { 0 };
    /* default: UpToDate only */
    confai_policy *p = pinning(&v, (const char *const[]){ "UpToDate" }, 1);
    assert_int_equal(policy_check_tdx(p, &v, trustee6.time, &c, &err), CONFAI_E_POLICY_TCB);
    assert_non_null(strstr(err.message, "OutOfDate"));
    assert_non_null(strstr(err.message, "advisories: "));
    printf("# %s\n", err.message);
    confai_policy_free(p);
    /* explicit opt-in: accepted, every check listed */
    memset(&c, 0, sizeof(c));
    p = pinning(&v, (const char *const[]){ "UpToDate", "OutOfDate" }, 2);
    if (policy_check_tdx(p, &v, trustee6.time, &c, &err) != CONFAI_OK)
        fail_msg("%s", err.message);
    printf("# tdx_quote_6: OutOfDate accepted by opt-in, %zu advisory ids\n",
           v.advisories.count);
    /* the quote's MRCONFIGID is not zero: pinning zeros rejects */
    cJSON *t = section();
    set(t, "tcb_statuses", cJSON_CreateString("*"));
    set(t, "mr_config_id", cJSON_CreateStringArray(
                               (const char *const[]){ "000000000000000000000000000000000000000000"
                                                      "000000000000000000000000000000000000000000"
                                                      "000000000000" },
                               1));
    confai_policy *q = accepts(t);
    assert_int_equal(policy_check_tdx(q, &v, trustee6.time, &c, &err), CONFAI_E_POLICY_IDENTITY);
    /* evaluation data number 17 < 18 */
    confai_policy_free(q);
    t = section();
    set(t, "tcb_statuses", cJSON_CreateString("*"));
    set(t, "min_tcb_evaluation_data_number", cJSON_CreateNumber(18));
    q = accepts(t);
    assert_int_equal(policy_check_tdx(q, &v, trustee6.time, &c, &err),
                     CONFAI_E_POLICY_COLLATERAL);
    confai_policy_free(q);
    confai_policy_free(p);
}

static void test_real_spr_not_supported(void **state)
{
    (void)state;
    tdx_verified v;
    if (!verify_real(&v, &spr_e4))
        skip();
    assert_int_equal(v.tcb_status, TDX_TCB_NOT_SUPPORTED);
    /* Intel's CRLs covered both CAs */
    assert_true(v.pck_crl_checked);
    assert_true(v.root_crl_checked);
    assert_int_equal(v.root_kind, TDX_ROOT_VENDOR);
    verdict_checks c = { 0 };
    confai_policy *p = pinning(&v, NULL, 0); /* "*" */
    assert_int_equal(policy_check_tdx(p, &v, spr_e4.time, &c, &err), CONFAI_E_POLICY_TCB);
    assert_non_null(strstr(err.message, "NotSupported"));
    confai_policy_free(p);
    /* collateral age: the QE identity was issued 2023-06-08, 12 days before */
    cJSON *t = section();
    set(t, "tcb_statuses", cJSON_CreateString("*"));
    set(t, "max_collateral_age", cJSON_CreateNumber(7 * 86400));
    p = accepts(t);
    tdx_verified up = v;
    up.tcb_status = up.current_tcb_status = TDX_TCB_UP_TO_DATE;
    memset(&c, 0, sizeof(c));
    assert_int_equal(policy_check_tdx(p, &up, spr_e4.time, &c, &err), CONFAI_E_POLICY_COLLATERAL);
    assert_non_null(strstr(err.message, "max_collateral_age"));
    confai_policy_free(p);
    /* require_crls holds for these CRLs */
    t = section();
    set(t, "tcb_statuses", cJSON_CreateString("*"));
    set(t, "require_crls", cJSON_CreateTrue());
    p = accepts(t);
    memset(&c, 0, sizeof(c));
    OK(policy_check_tdx(p, &up, spr_e4.time, &c, &err));
    confai_policy_free(p);
}

static void test_real_missing_collateral(void **state)
{
    (void)state;
    const real *cases[] = { &cos113, &v5 };
    for (size_t i = 0; i < 2; i++) {
        tdx_verified v;
        if (!verify_real(&v, cases[i]))
            skip();
        assert_true(v.collateral_missing);
        verdict_checks c = { 0 };
        confai_policy *p = pinning(&v, NULL, 0);
        assert_int_equal(policy_check_tdx(p, &v, cases[i]->time, &c, &err), CONFAI_E_COLLATERAL);
        assert_non_null(strstr(err.message, "missing"));
        confai_policy_free(p);
    }
}

/* A policy without a tdx section never accepts a TDX quote. */
static void test_no_section(void **state)
{
    (void)state;
    tdx_verified v;
    memset(&v, 0, sizeof(v));
    confai_policy p;
    memset(&p, 0, sizeof(p));
    verdict_checks c = { 0 };
    assert_int_equal(policy_check_tdx(&p, &v, 0, &c, &err), CONFAI_E_POLICY_PLATFORM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_real_trustee_out_of_date),
        cmocka_unit_test(test_real_spr_not_supported),
        cmocka_unit_test(test_real_missing_collateral),
        cmocka_unit_test(test_no_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
