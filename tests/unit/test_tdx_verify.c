/*
 * src/attest/tdx_verify.c with tdx_quote.c, tdx_collateral.c,
 * tdx_endorsement.c, tdx_pck.c and tdx_trust.c, without a cache (the cache:
 * test_tdx_cache.c): every real TDX quote of the shared vectors verifies
 * (quote signature, QE report signature and binding, PCK chain to the
 * pinned Intel SGX Root CA) at a fixed time inside its certificates' and
 * collateral's validity, with the
 * TCB status Intel's rules give where PROVENANCE.md pairs collateral, and
 * "collateral missing" elsewhere; any single flipped byte of a quote is
 * rejected; then one rejection test per check, on real bytes where possible
 * and on a synthetic platform (own root, PCK CA, PCK leaf with SGX
 * extensions, attestation key, TCB signer, CRL) made here with OpenSSL.
 *
 * With CONFAI_TDX_SEED_DIR set, also writes the seed corpora of the
 * tdx_quote and tdx_collateral fuzz targets (synthetic quotes and
 * collateral only; no vector file is copied).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <confai/confai.h>

#include "attest/tdx/tdx.h"
#include "test_util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- real vectors ------------------------------------------------------------- */

#define T_2023_06_20 INT64_C(1687219200) /* SPR_E4: TCB info 06-18..07-18, QE id 06-08..07-08, CRLs */
#define T_2023_08_01 INT64_C(1690848000) /* SPR_E4 collateral stale */
#define T_2024_01_01 INT64_C(1704067200)
#define T_2024_08_01 INT64_C(1722470400)
#define T_2025_05_01 INT64_C(1746057600) /* inside the TCB Signing cert (to 2025-05-21) */
#define T_2025_11_01 INT64_C(1761955200) /* trustee: TCB info 10-27..11-26, QE id 10-28..11-27 */
#define T_2026_02_10 INT64_C(1770681600) /* v5: TCB info 2026-02-01..03-03 */
#define T_2030_01_01 INT64_C(1893456000)

typedef struct real_case {
    const char *name;
    const char *quote;
    size_t quote_len;      /* bytes the quote uses */
    uint32_t flags;        /* parse flags for the whole file */
    const char *tcb_info;  /* NULL: none collected for this FMSPC */
    const char *qe_identity;
    int with_crls;
    int64_t time;
    int64_t signer_time;   /* for collateral signed after the signer cert in hand expired */
    uint16_t version;
    const char *fmspc;
    tdx_tcb_status platform, module, qe, tcb;
} real_case;

/*
 * Expected statuses, by Intel's rules:
 * - SPR_E4 (FMSPC 50806f000000): the PCK's SGX components start 3,3 and the
 *   TCB info's two levels both need 5,5 (and TDX component 2 >= 5 where the
 *   quote has 4): no level matches -> NotSupported. QE ISVSVN 4 >= 4:
 *   UpToDate.
 * - v5 sample (90c06f000000): PCE SVN 13, SGX and TDX components >= the first
 *   level (TEE_TCB_SVN[1] = 1 > 0, so TDX components 0 and 1 are left to the
 *   module identity TDX_01, whose first level ISVSVN 6 <= 11): UpToDate; no
 *   QE identity for it (PROVENANCE: the trustee one is from 2025-10 and the
 *   PCK leaf from 2026-01-27), so collateral is missing.
 * - tdx_quote_6 (00a06d080000): PCE SVN 11 < 13 of the UpToDate level; the
 *   second level (PCE SVN 5) matches -> OutOfDate; module TDX_03 ISVSVN 5 >=
 *   3 UpToDate; QE ISVSVN 7 >= 4 UpToDate; converged OutOfDate.
 * - cos-113 and Azure (00806f050000): no collateral -> Unknown, missing.
 */
static const real_case real_cases[] = {
    { "SPR_E4", "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", 4935, 0,
      "tdx/go-tdx-guest/sample_tcbInfo_response", "tdx/go-tdx-guest/sample_qeIdentity_response",
      1, T_2023_06_20, 0, 4, "50806f000000", TDX_TCB_NOT_SUPPORTED, TDX_TCB_UNKNOWN,
      TDX_TCB_UP_TO_DATE, TDX_TCB_NOT_SUPPORTED },
    { "v5", "tdx/go-tdx-guest/quote_v5_sample.dat", 5006, 0,
      "tdx/go-tdx-guest/sample_tcbinfo_response_v5", NULL, 0, T_2026_02_10, T_2025_05_01, 5,
      "90c06f000000", TDX_TCB_UP_TO_DATE, TDX_TCB_UP_TO_DATE, TDX_TCB_UNKNOWN,
      TDX_TCB_UP_TO_DATE },
    { "cos-113", "tdx/go-tdx-guest/cos-113-tdx-quote.dat", 4935, TDX_PARSE_PADDED, NULL, NULL, 0,
      T_2024_08_01, 0, 4, "00806f050000", TDX_TCB_UNKNOWN, TDX_TCB_UNKNOWN, TDX_TCB_UNKNOWN,
      TDX_TCB_UNKNOWN },
    { "trustee-6", "tdx/trustee/tdx_quote_6.dat", 4936, TDX_PARSE_PADDED,
      "tdx/trustee/tcbInfo.json", "tdx/trustee/enclaveIdentity.json", 0, T_2025_11_01,
      T_2025_05_01, 4, "00a06d080000", TDX_TCB_OUT_OF_DATE, TDX_TCB_UP_TO_DATE,
      TDX_TCB_UP_TO_DATE, TDX_TCB_OUT_OF_DATE },
    { "azure", "tdx/trustee/az-tdx-vtpm_td-quote.bin", 4936, TDX_PARSE_PADDED, NULL, NULL, 0,
      T_2024_01_01, 0, 4, "00806f050000", TDX_TCB_UNKNOWN, TDX_TCB_UNKNOWN, TDX_TCB_UNKNOWN,
      TDX_TCB_UNKNOWN },
};

typedef struct loaded {
    uint8_t *quote;
    size_t len;
    char *tcb_info, *qe_identity, *chain;
    size_t tcb_info_len, qe_identity_len, chain_len;
    uint8_t *pck_crl, *root_crl;
    size_t pck_crl_len, root_crl_len;
    tdx_collateral c;
} loaded;

static tdx_trust *intel_trust;

static int load(loaded *l, const real_case *rc)
{
    const char *dir = test_vectors_or_skip("TDX vectors");
    memset(l, 0, sizeof(*l));
    if (dir == NULL)
        return 0;
    l->quote = test_read_file(dir, rc->quote, &l->len);
    assert_non_null(l->quote);
    l->chain = (char *)test_read_file(dir, "tdx/go-tdx-guest/tcb_info_issuer_chain.pem",
                                      &l->chain_len);
    assert_non_null(l->chain);
    if (rc->tcb_info != NULL) {
        l->tcb_info = (char *)test_read_file(dir, rc->tcb_info, &l->tcb_info_len);
        assert_non_null(l->tcb_info);
    }
    if (rc->qe_identity != NULL) {
        l->qe_identity = (char *)test_read_file(dir, rc->qe_identity, &l->qe_identity_len);
        assert_non_null(l->qe_identity);
    }
    if (rc->with_crls) {
        l->pck_crl = test_read_file(dir, "tdx/go-tdx-guest/pckcrl", &l->pck_crl_len);
        l->root_crl = test_read_file(dir, "tdx/go-tdx-guest/rootcrl.der", &l->root_crl_len);
        assert_non_null(l->pck_crl);
        assert_non_null(l->root_crl);
    }
    l->c = (tdx_collateral){ l->tcb_info, l->tcb_info_len, l->qe_identity, l->qe_identity_len,
                             l->chain, l->chain_len, l->pck_crl, l->pck_crl_len,
                             l->root_crl, l->root_crl_len, rc->signer_time, NULL, NULL, 0 };
    return 1;
}

static void unload(loaded *l)
{
    free(l->quote);
    free(l->tcb_info);
    free(l->qe_identity);
    free(l->chain);
    free(l->pck_crl);
    free(l->root_crl);
}

static size_t buffer_len(const real_case *rc, const loaded *l)
{
    return rc->flags & TDX_PARSE_PADDED ? l->len : rc->quote_len;
}

static void hex(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

static void real_quotes_verify(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(real_cases); i++) {
        const real_case *rc = &real_cases[i];
        loaded l;
        if (!load(&l, rc))
            skip();
        tdx_verified v;
        confai_error err = { 0 };
        confai_status st = tdx_verify(&v, intel_trust, NULL, l.quote, buffer_len(rc, &l), rc->flags,
                                      &l.c, rc->time, &err);
        if (st != CONFAI_OK)
            fail_msg("%s: %d %s", rc->name, st, err.message);
        char fmspc[13];
        hex(fmspc, v.pck.fmspc, 6);
        assert_string_equal(fmspc, rc->fmspc);
        assert_int_equal(v.quote.version, rc->version);
        assert_int_equal(v.quote.quote_len, rc->quote_len);
        assert_int_equal(v.root_kind, TDX_ROOT_VENDOR);
        assert_int_equal(v.tcb_info_present, rc->tcb_info != NULL);
        assert_int_equal(v.qe_identity_present, rc->qe_identity != NULL);
        assert_int_equal(v.collateral_missing, rc->tcb_info == NULL || rc->qe_identity == NULL);
        if (v.platform_status != rc->platform || v.module_status != rc->module ||
            v.qe_status != rc->qe || v.tcb_status != rc->tcb)
            fail_msg("%s: platform %s module %s qe %s tcb %s", rc->name,
                     tdx_tcb_status_name(v.platform_status),
                     tdx_tcb_status_name(v.module_status), tdx_tcb_status_name(v.qe_status),
                     tdx_tcb_status_name(v.tcb_status));
        assert_true(v.not_before < rc->time && rc->time < v.not_after);
        /* TD 1.0: one array; the v5 sample's TEE_TCB_SVN2 (0d 01 04) is UpToDate too */
        assert_int_equal(v.current_tcb_status, v.tcb_status);
        printf("# %s: v%u FMSPC %s PCESVN %u TCB %s (platform %s, module %s, QE %s)%s\n",
               rc->name, v.quote.version, fmspc, v.pck.pcesvn, tdx_tcb_status_name(v.tcb_status),
               tdx_tcb_status_name(v.platform_status), tdx_tcb_status_name(v.module_status),
               tdx_tcb_status_name(v.qe_status),
               v.collateral_missing ? ", collateral missing" : "");
        unload(&l);
    }
}

/* The trustee TCB info lists advisories only on the v5 file's module levels. */
static void advisories_and_eval(void **state)
{
    (void)state;
    loaded l;
    if (!load(&l, &real_cases[0]))
        skip();
    tdx_tcb_info *info = NULL;
    assert_int_equal(tdx_tcb_info_parse(&info, l.tcb_info, l.tcb_info_len, NULL), CONFAI_OK);
    assert_int_equal(info->tcb_eval_num, 15);
    assert_int_equal(info->level_count, 2);
    assert_int_equal(info->levels[1].status, TDX_TCB_OUT_OF_DATE);
    assert_int_equal(info->levels[1].advisories.count, 13);
    assert_string_equal(info->levels[1].advisories.id[0], "INTEL-SA-00106");
    /* the signed span is the exact "tcbInfo" value */
    assert_int_equal(info->signed_span[0], '{');
    assert_int_equal(info->signed_span[info->signed_span_len - 1], '}');
    assert_ptr_equal(info->signed_span, l.tcb_info + strlen("{\"tcbInfo\":"));
    tdx_tcb_info_free(info);
    unload(&l);
}

/*
 * Every single-byte change of every real quote is rejected. The quote has no
 * unauthenticated region once the PEM chain is parsed strictly: header and
 * body are signed by the attestation key; the attestation key and QE auth
 * data are bound by the QE report data; the QE report is signed by the PCK
 * leaf; the lengths and types are checked exactly; the PEM text must be
 * canonical base64 of the certificates the chain verifies (a flip in it
 * changes a certificate or breaks the text); the trailing NUL of the PEM is
 * checked as "only NULs at the end" -- a flipped NUL becomes 0x01, not a NUL;
 * the zero padding of padded buffers must stay zero. The signatures' r and s
 * are in the signed data's verification. So no byte may change.
 */
static void real_quotes_byte_flips(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(real_cases); i++) {
        const real_case *rc = &real_cases[i];
        loaded l;
        if (!load(&l, rc))
            skip();
        size_t n = buffer_len(rc, &l);
        size_t accepted = 0;
        /* CONFAI_TDX_FLIP_STRIDE=k flips every k-th byte only (for valgrind runs) */
        const char *env = getenv("CONFAI_TDX_FLIP_STRIDE");
        size_t stride = env != NULL && atoi(env) > 0 ? (size_t)atoi(env) : 1;
        for (size_t at = 0; at < n; at += stride) {
            l.quote[at] ^= 0x01;
            tdx_verified v;
            confai_status st =
                tdx_verify(&v, intel_trust, NULL, l.quote, n, rc->flags, NULL, rc->time, NULL);
            if (st == CONFAI_OK) {
                printf("# %s: flip at %zu accepted\n", rc->name, at);
                accepted++;
            }
            l.quote[at] ^= 0x01;
        }
        assert_int_equal(accepted, 0);
        unload(&l);
    }
}

static confai_status verify_case(const real_case *rc, loaded *l, int64_t time)
{
    tdx_verified v;
    confai_error err = { 0 };
    confai_status st = tdx_verify(&v, intel_trust, NULL, l->quote, buffer_len(rc, l), rc->flags,
                                  &l->c, time, &err);
    if (st != CONFAI_OK) {
        assert_string_not_equal(err.message, "");
        printf("# %s: %s\n", rc->name, err.message);
    }
    return st;
}

/* offsets in a v4 quote */
#define V4_SIG_DATA 636
#define V4_QE_REPORT (V4_SIG_DATA + 128 + 6)
#define V4_QE_SIG (V4_QE_REPORT + 384)
#define V4_QE_AUTH (V4_QE_SIG + 64 + 2)

static void reject_bad_quote_signature(void **state)
{
    (void)state;
    loaded l;
    if (!load(&l, &real_cases[0]))
        skip();
    l.quote[48 + 136] ^= 0x80; /* MRTD */
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_E_BAD_SIGNATURE);
    l.quote[48 + 136] ^= 0x80;
    l.quote[V4_SIG_DATA + 10] ^= 0x80; /* r */
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_E_BAD_SIGNATURE);
    unload(&l);
}

static void reject_bad_qe_report_signature(void **state)
{
    (void)state;
    loaded l;
    if (!load(&l, &real_cases[0]))
        skip();
    l.quote[V4_QE_SIG + 40] ^= 0x01; /* s of the QE report signature */
    tdx_verified v;
    confai_error err = { 0 };
    assert_int_equal(tdx_verify(&v, intel_trust, NULL, l.quote, 4935, 0, NULL, T_2023_06_20, &err),
                     CONFAI_E_BAD_SIGNATURE);
    assert_non_null(strstr(err.message, "QE report"));
    l.quote[V4_QE_SIG + 40] ^= 0x01;
    l.quote[V4_QE_REPORT + 256] ^= 0x01; /* ISVPRODID */
    assert_int_equal(tdx_verify(&v, intel_trust, NULL, l.quote, 4935, 0, NULL, T_2023_06_20, &err),
                     CONFAI_E_BAD_SIGNATURE);
    unload(&l);
}

static void reject_qe_report_data_mismatch(void **state)
{
    (void)state;
    loaded l;
    if (!load(&l, &real_cases[0]))
        skip();
    tdx_quote q;
    assert_int_equal(tdx_quote_parse(&q, l.quote, 4935, 0, NULL), CONFAI_OK);
    assert_true(q.qe_auth_data_len > 0);
    size_t at = (size_t)(q.qe_auth_data - l.quote);
    assert_int_equal(at, V4_QE_AUTH);
    l.quote[at] ^= 0x01; /* QE auth data: unsigned, bound by the QE report data */
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_E_BINDING);
    l.quote[at] ^= 0x01;
    l.quote[V4_SIG_DATA + 64 + 5] ^= 0x01; /* attestation key: same binding */
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_E_BINDING);
    unload(&l);
}

static void reject_expired(void **state)
{
    (void)state;
    loaded l;
    if (!load(&l, &real_cases[0]))
        skip();
    /* collateral stale (nextUpdate 2023-07-18); CRLs left out (also stale) */
    l.c.pck_crl = l.c.root_crl = NULL;
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_08_01), CONFAI_E_COLLATERAL);
    /* with the CRLs too: the stale PCK CRL is reported first */
    l.c.pck_crl = l.pck_crl;
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_08_01), CONFAI_E_COLLATERAL);
    /* the PCK leaf ends 2029-09-20 */
    l.c = (tdx_collateral){ 0 };
    assert_int_equal(verify_case(&real_cases[0], &l, T_2030_01_01), CONFAI_E_CERT_EXPIRED);
    /* the TCB Signing cert in hand ends 2025-05-21 */
    loaded t;
    assert_true(load(&t, &real_cases[3]));
    t.c.signer_time = 0;
    assert_int_equal(verify_case(&real_cases[3], &t, T_2025_11_01), CONFAI_E_CERT_EXPIRED);
    unload(&t);
    unload(&l);
}

static void reject_fmspc_mismatch(void **state)
{
    (void)state;
    loaded l, v5;
    if (!load(&l, &real_cases[3]) || !load(&v5, &real_cases[1]))
        skip();
    /* quote 6 (00a06d080000) with the v5 sample's TCB info (90c06f000000) */
    l.c.tcb_info = v5.tcb_info;
    l.c.tcb_info_len = v5.tcb_info_len;
    l.c.qe_identity = NULL;
    assert_int_equal(verify_case(&real_cases[3], &l, T_2026_02_10), CONFAI_E_TCB_MISMATCH);
    unload(&v5);
    unload(&l);
}

static void reject_bad_collateral_signature(void **state)
{
    (void)state;
    loaded l;
    if (!load(&l, &real_cases[0]))
        skip();
    /* "tcbEvaluationDataNumber":15 -> 16 inside the signed value */
    char *p = strstr(l.tcb_info, "\"tcbEvaluationDataNumber\":15");
    assert_non_null(p);
    p[strlen("\"tcbEvaluationDataNumber\":1")] = '6';
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_E_BAD_SIGNATURE);
    p[strlen("\"tcbEvaluationDataNumber\":1")] = '5';
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_OK);
    /* the QE identity's signature: one hex digit */
    p = strstr(l.qe_identity, "\"signature\":\"");
    assert_non_null(p);
    p += strlen("\"signature\":\"");
    *p = *p == '0' ? '1' : '0';
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_E_BAD_SIGNATURE);
    /* whitespace added inside the signed value changes the signed bytes */
    char *spaced = malloc(l.tcb_info_len + 2);
    assert_non_null(spaced);
    size_t at = strlen("{\"tcbInfo\":{");
    memcpy(spaced, l.tcb_info, at);
    spaced[at] = ' ';
    memcpy(spaced + at + 1, l.tcb_info + at, l.tcb_info_len - at);
    l.c.tcb_info = spaced;
    l.c.tcb_info_len = l.tcb_info_len + 1;
    l.c.qe_identity = NULL;
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_E_BAD_SIGNATURE);
    /* ...but whitespace outside it does not */
    memcpy(spaced, l.tcb_info, l.tcb_info_len);
    memmove(spaced + 1, spaced, l.tcb_info_len);
    spaced[0] = ' ';
    assert_int_equal(verify_case(&real_cases[0], &l, T_2023_06_20), CONFAI_OK);
    free(spaced);
    unload(&l);
}

/* --- a synthetic platform ------------------------------------------------------ */

#define SYN_T0 INT64_C(1735689600) /* 2025-01-01 */

typedef struct synth {
    EVP_PKEY *root_key, *ca_key, *leaf_key, *ak, *signer_key;
    X509 *root, *ca, *leaf, *signer;
    uint8_t quote[8192];
    size_t quote_len;
    uint8_t quote5[8192]; /* the same platform's quote v5 with a TD 1.5 body */
    size_t quote5_len;
    char tcb_info[8192];
    size_t tcb_info_len;
    char qe_identity[4096];
    size_t qe_identity_len;
    char chain[8192];
    size_t chain_len;
    uint8_t crl[2048];
    size_t crl_len;
    uint8_t root_der[2048];
    size_t root_der_len;
} synth;

static synth *syn;

static EVP_PKEY *p256(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(cert, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

/* DER: tag, length, content appended at out + *len */
static void tlv(uint8_t *out, size_t *len, uint8_t tag, const uint8_t *content, size_t n)
{
    out[(*len)++] = tag;
    if (n < 0x80) {
        out[(*len)++] = (uint8_t)n;
    } else if (n < 0x100) {
        out[(*len)++] = 0x81;
        out[(*len)++] = (uint8_t)n;
    } else {
        out[(*len)++] = 0x82;
        out[(*len)++] = (uint8_t)(n >> 8);
        out[(*len)++] = (uint8_t)n;
    }
    memmove(out + *len, content, n);
    *len += n;
}

static const uint8_t sgx_arc[] = { 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01 };
static const uint8_t syn_fmspc[6] = { 0x12, 0x34, 0x56, 0x00, 0x00, 0x00 };

/* SEQUENCE { OID arc.a[.b], value } */
static void sgx_entry(uint8_t *out, size_t *len, uint8_t a, uint8_t b, uint8_t tag,
                      const uint8_t *v, size_t vn)
{
    uint8_t oid[16], body[1024];
    size_t on = 0, bn = 0;
    memcpy(oid, sgx_arc, sizeof(sgx_arc));
    on = sizeof(sgx_arc);
    oid[on++] = a;
    if (b)
        oid[on++] = b;
    tlv(body, &bn, 0x06, oid, on);
    tlv(body, &bn, tag, v, vn);
    tlv(out, len, 0x30, body, bn);
}

static void add_sgx_ext(X509 *leaf)
{
    uint8_t entries[1024], tcb[1024], seq[1200], zero16[16] = { 0 };
    size_t en = 0, tn = 0, sn = 0;
    sgx_entry(entries, &en, 1, 0, 0x04, zero16, 16);
    for (uint8_t k = 1; k <= 16; k++) {
        uint8_t svn = 1;
        sgx_entry(tcb, &tn, 2, k, 0x02, &svn, 1);
    }
    uint8_t pcesvn = 10;
    sgx_entry(tcb, &tn, 2, 17, 0x02, &pcesvn, 1);
    sgx_entry(tcb, &tn, 2, 18, 0x04, zero16, 16);
    uint8_t tcbseq[1100];
    size_t tsn = 0;
    tlv(tcbseq, &tsn, 0x30, tcb, tn);
    /* the TCB entry: SEQUENCE { OID arc.2, SEQUENCE {...} } */
    {
        uint8_t oid[16], body[1200];
        size_t on = sizeof(sgx_arc), bn = 0;
        memcpy(oid, sgx_arc, on);
        oid[on++] = 2;
        tlv(body, &bn, 0x06, oid, on);
        memcpy(body + bn, tcbseq, tsn);
        bn += tsn;
        tlv(entries, &en, 0x30, body, bn);
    }
    uint8_t pceid[2] = { 0, 0 }, type = 0;
    sgx_entry(entries, &en, 3, 0, 0x04, pceid, 2);
    sgx_entry(entries, &en, 4, 0, 0x04, syn_fmspc, 6);
    sgx_entry(entries, &en, 5, 0, 0x0A, &type, 1);
    tlv(seq, &sn, 0x30, entries, en);
    ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    assert_true(obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, seq, (int)sn) == 1);
    X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(leaf, ext, -1), 1);
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

static X509 *make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, int ca)
{
    X509 *c = X509_new();
    assert_non_null(c);
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(c, name);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    ASN1_TIME_set(X509_getm_notBefore(c), (time_t)(SYN_T0 - 86400 * 365));
    ASN1_TIME_set(X509_getm_notAfter(c), (time_t)(SYN_T0 + 86400 * 365 * 5));
    X509_set_pubkey(c, key);
    X509 *iss = issuer ? issuer : c;
    add_ext(c, iss, NID_subject_key_identifier, "hash");
    add_ext(c, iss, NID_authority_key_identifier, "keyid:always");
    add_ext(c, iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(c, iss, NID_key_usage,
            ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
    if (!ca && issuer != NULL && strcmp(cn, "Synthetic PCK") == 0)
        add_sgx_ext(c);
    assert_true(X509_sign(c, issuer_key, EVP_sha256()) > 0);
    return c;
}

static void raw_sign(uint8_t sig[64], EVP_PKEY *key, const uint8_t *msg, size_t n)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[128];
    size_t der_len = sizeof(der);
    assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestSign(md, der, &der_len, msg, n), 1);
    EVP_MD_CTX_free(md);
    const unsigned char *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    assert_non_null(s);
    BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32);
    ECDSA_SIG_free(s);
}

static size_t pem_of(char *out, X509 *const *certs, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    for (size_t i = 0; i < n; i++)
        assert_int_equal(PEM_write_bio_X509(b, certs[i]), 1);
    char *data;
    long len = BIO_get_mem_data(b, &data);
    memcpy(out, data, (size_t)len);
    BIO_free(b);
    return (size_t)len;
}

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { le16(p, (uint16_t)v); le16(p + 2, (uint16_t)(v >> 16)); }

static const uint8_t qe_mrsigner[32] = {
    0xDC, 0x9E, 0x2A, 0x7C, 0x6F, 0x94, 0x8F, 0x17, 0x47, 0x4E, 0x34, 0xA7, 0xFC, 0x43, 0xED, 0x03,
    0x0F, 0x7C, 0x15, 0x63, 0xF1, 0xBA, 0xBD, 0xDF, 0x63, 0x40, 0xC8, 0x2E, 0x0E, 0x54, 0xA8, 0xC5,
};

static size_t build_quote(synth *s, uint8_t *q, size_t cap, int version)
{
    memset(q, 0, cap);
    le16(q, (uint16_t)version);
    le16(q + 2, 2);
    le32(q + 4, 0x81);
    memcpy(q + 12, tdx_intel_qe_vendor_id, 16);
    size_t body_at = 48, body_len = 584;
    if (version == 5) {
        le16(q + 48, TDX_BODY_TD15);
        le32(q + 50, TDX_TD15_BODY_SIZE);
        body_at = 54;
        body_len = TDX_TD15_BODY_SIZE;
    }
    uint8_t *body = q + body_at;
    body[0] = 3; /* TEE_TCB_SVN 3,0,5 */
    body[2] = 5;
    memset(body + 136, 0xAA, 48); /* MRTD */
    memset(body + 520, 0x55, 64); /* REPORTDATA */
    if (version == 5) {
        body[584] = 3; /* TEE_TCB_SVN2 */
        body[586] = 5;
        memset(body + 600, 0x77, 48); /* MRSERVICETD */
    }
    size_t signed_len = body_at + body_len;
    size_t at = signed_len;
    uint8_t *sigdata_len = q + at;
    at += 4;
    size_t sig_at = at;
    at += 64;
    /* attestation key x||y */
    uint8_t point[65];
    size_t plen = sizeof(point);
    assert_int_equal(EVP_PKEY_get_octet_string_param(s->ak, "encoded-pub-key", point,
                                                     sizeof(point), &plen), 1);
    assert_int_equal(plen, 65);
    memcpy(q + at, point + 1, 64);
    const uint8_t *ak = q + at;
    at += 64;
    le16(q + at, 6);
    uint8_t *outer_len = q + at + 2;
    at += 6;
    size_t outer_at = at;
    uint8_t *rep = q + at;
    rep[48] = 0x11; /* ATTRIBUTES */
    memcpy(rep + 128, qe_mrsigner, 32);
    le16(rep + 256, 2);
    le16(rep + 258, 4);
    uint8_t auth[32];
    for (int i = 0; i < 32; i++)
        auth[i] = (uint8_t)i;
    {
        uint8_t buf[96];
        memcpy(buf, ak, 64);
        memcpy(buf + 64, auth, 32);
        unsigned int dl = 32;
        assert_int_equal(EVP_Digest(buf, 96, rep + 320, &dl, EVP_sha256(), NULL), 1);
    }
    at += 384;
    raw_sign(q + at, s->leaf_key, rep, 384);
    at += 64;
    le16(q + at, 32);
    at += 2;
    memcpy(q + at, auth, 32);
    at += 32;
    le16(q + at, 5);
    X509 *chain[3] = { s->leaf, s->ca, s->root };
    size_t pem_len = pem_of((char *)q + at + 6, chain, 3);
    q[at + 6 + pem_len] = 0; /* a NUL at the end, as Intel's QE writes */
    pem_len++;
    le32(q + at + 2, (uint32_t)pem_len);
    at += 6 + pem_len;
    le32(outer_len, (uint32_t)(at - outer_at));
    le32(sigdata_len, (uint32_t)(at - sig_at));
    raw_sign(q + sig_at, s->ak, q, signed_len);
    return at;
}

static size_t sign_doc(char *out, size_t cap, const char *member, const char *value,
                       EVP_PKEY *key)
{
    uint8_t sig[64];
    char sig_hex[129];
    raw_sign(sig, key, (const uint8_t *)value, strlen(value));
    hex(sig_hex, sig, 64);
    int n = snprintf(out, cap, "{\"%s\":%s,\"signature\":\"%s\"}", member, value, sig_hex);
    assert_true(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

/*
 * A copy of a synthetic document (member "tcbInfo" or "enclaveIdentity") with
 * the first `from` inside its signed value replaced by `to`, re-signed by the
 * TCB signer: a validly signed document that says something else.
 */
static size_t resign_edit(char *out, size_t cap, const char *doc, const char *member,
                          const char *from, const char *to)
{
    char span[8192], edited[8192];
    size_t skip = strlen(member) + 4; /* {"member": */
    const char *start = doc + skip;
    size_t span_len = (size_t)(strstr(start, ",\"signature\":") - start);
    memcpy(span, start, span_len);
    span[span_len] = '\0';
    char *at = strstr(span, from);
    assert_non_null(at);
    *at = '\0';
    snprintf(edited, sizeof(edited), "%s%s%s", span, to, at + strlen(from));
    return sign_doc(out, cap, member, edited, syn->signer_key);
}

static void tcb_level(char *out, size_t cap, int sgx, int pce, const int tdx[3],
                      const char *status, const char *adv)
{
    char s[1024] = "", t[1024] = "";
    for (int i = 0; i < 16; i++) {
        size_t n = strlen(s), m = strlen(t);
        snprintf(s + n, sizeof(s) - n, "%s{\"svn\":%d}", i ? "," : "", sgx);
        snprintf(t + m, sizeof(t) - m, "%s{\"svn\":%d}", i ? "," : "", i < 3 ? tdx[i] : 0);
    }
    snprintf(out, cap,
             "{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":%d,\"tdxtcbcomponents\":[%s]},"
             "\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"%s\"%s}",
             s, pce, t, status, adv);
}

static void build_collateral(synth *s)
{
    static const int up[3] = { 3, 0, 5 }, old[3] = { 0, 0, 0 };
    char l1[2048], l2[2048], info[8192];
    tcb_level(l1, sizeof(l1), 1, 10, up, "UpToDate", "");
    tcb_level(l2, sizeof(l2), 0, 0, old, "OutOfDate", ",\"advisoryIDs\":[\"INTEL-SA-00001\"]");
    char zeros96[97];
    memset(zeros96, '0', 96);
    zeros96[96] = '\0';
    snprintf(info, sizeof(info),
             "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2024-12-20T00:00:00Z\","
             "\"nextUpdate\":\"2025-01-20T00:00:00Z\",\"fmspc\":\"123456000000\","
             "\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
             "\"tdxModule\":{\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\","
             "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},\"tcbLevels\":[%s,%s]}",
             zeros96, l1, l2);
    s->tcb_info_len = sign_doc(s->tcb_info, sizeof(s->tcb_info), "tcbInfo", info,
                               s->signer_key);
    char qe[2048], mrs[65];
    hex(mrs, qe_mrsigner, 32);
    snprintf(qe, sizeof(qe),
             "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2024-12-20T00:00:00Z\","
             "\"nextUpdate\":\"2025-01-20T00:00:00Z\",\"tcbEvaluationDataNumber\":17,"
             "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
             "\"attributes\":\"11000000000000000000000000000000\","
             "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"%s\","
             "\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},"
             "\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}",
             mrs);
    s->qe_identity_len = sign_doc(s->qe_identity, sizeof(s->qe_identity), "enclaveIdentity",
                                  qe, s->signer_key);
    X509 *chain[2] = { s->signer, s->root };
    s->chain_len = pem_of(s->chain, chain, 2);
}

static void build_crl(synth *s)
{
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(s->ca));
    ASN1_TIME *t = ASN1_TIME_new();
    ASN1_TIME_set(t, (time_t)(SYN_T0 - 86400));
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, (time_t)(SYN_T0 + 86400 * 30));
    X509_CRL_set1_nextUpdate(crl, t);
    X509_REVOKED *r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(s->leaf));
    ASN1_TIME_set(t, (time_t)(SYN_T0 - 3600));
    X509_REVOKED_set_revocationDate(r, t);
    X509_CRL_add0_revoked(crl, r);
    X509_CRL_sort(crl);
    assert_true(X509_CRL_sign(crl, s->ca_key, EVP_sha256()) > 0);
    unsigned char *p = s->crl;
    int n = i2d_X509_CRL(crl, &p);
    assert_true(n > 0 && (size_t)n <= sizeof(s->crl));
    s->crl_len = (size_t)n;
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
}

static synth *synth_new(void)
{
    synth *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->root_key = p256();
    s->ca_key = p256();
    s->leaf_key = p256();
    s->ak = p256();
    s->signer_key = p256();
    s->root = make_cert("Synthetic SGX Root CA", 1, s->root_key, NULL, s->root_key, 1);
    s->ca = make_cert("Synthetic PCK CA", 2, s->ca_key, s->root, s->root_key, 1);
    s->leaf = make_cert("Synthetic PCK", 3, s->leaf_key, s->ca, s->ca_key, 0);
    s->signer = make_cert("Synthetic TCB Signing", 4, s->signer_key, s->root, s->root_key, 0);
    unsigned char *p = s->root_der;
    s->root_der_len = (size_t)i2d_X509(s->root, &p);
    s->quote_len = build_quote(s, s->quote, sizeof(s->quote), 4);
    s->quote5_len = build_quote(s, s->quote5, sizeof(s->quote5), 5);
    build_collateral(s);
    build_crl(s);
    return s;
}

static void synth_free(synth *s)
{
    if (s == NULL)
        return;
    EVP_PKEY_free(s->root_key);
    EVP_PKEY_free(s->ca_key);
    EVP_PKEY_free(s->leaf_key);
    EVP_PKEY_free(s->ak);
    EVP_PKEY_free(s->signer_key);
    X509_free(s->root);
    X509_free(s->ca);
    X509_free(s->leaf);
    X509_free(s->signer);
    free(s);
}

static tdx_collateral syn_collateral(const synth *s, int with_crl)
{
    return (tdx_collateral){ s->tcb_info, s->tcb_info_len, s->qe_identity, s->qe_identity_len,
                             s->chain, s->chain_len, with_crl ? s->crl : NULL,
                             with_crl ? s->crl_len : 0, NULL, 0, 0, NULL, NULL, 0 };
}

static tdx_trust *syn_trust(const synth *s)
{
    tdx_trust *t = NULL;
    assert_int_equal(tdx_trust_new(&t, NULL), CONFAI_OK);
    assert_int_equal(tdx_trust_add_root(t, s->root_der, s->root_der_len, NULL), CONFAI_OK);
    return t;
}

static void synthetic_verifies(void **state)
{
    (void)state;
    tdx_trust *t = syn_trust(syn);
    tdx_collateral c = syn_collateral(syn, 0);
    tdx_verified v;
    confai_error err = { 0 };
    confai_status st = tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c, SYN_T0, &err);
    if (st != CONFAI_OK)
        fail_msg("%d %s", st, err.message);
    assert_int_equal(v.root_kind, TDX_ROOT_CUSTOM);
    assert_int_equal(v.tcb_status, TDX_TCB_UP_TO_DATE);
    assert_int_equal(v.qe_status, TDX_TCB_UP_TO_DATE);
    assert_int_equal(v.collateral_missing, 0);
    assert_int_equal(v.pck.pcesvn, 10);
    assert_memory_equal(v.pck.fmspc, syn_fmspc, 6);
    /* the v5 quote with a TD 1.5 body */
    st = tdx_verify(&v, t, NULL, syn->quote5, syn->quote5_len, 0, &c, SYN_T0, &err);
    if (st != CONFAI_OK)
        fail_msg("v5: %d %s", st, err.message);
    assert_int_equal(v.quote.version, 5);
    assert_int_equal(v.quote.body_type, TDX_BODY_TD15);
    assert_int_equal(v.quote.mrservicetd[0], 0x77);
    assert_int_equal(v.tcb_status, TDX_TCB_UP_TO_DATE);
    /* launched under an older module (TEE_TCB_SVN 3,0,4), running 3,0,5 now */
    syn->quote5[54 + 2] = 4;
    raw_sign(syn->quote5 + 54 + 648 + 4, syn->ak, syn->quote5, 54 + 648);
    st = tdx_verify(&v, t, NULL, syn->quote5, syn->quote5_len, 0, &c, SYN_T0, &err);
    assert_int_equal(st, CONFAI_OK);
    assert_int_equal(v.tcb_status, TDX_TCB_OUT_OF_DATE);
    assert_int_equal(v.current_tcb_status, TDX_TCB_UP_TO_DATE);
    syn->quote5[54 + 2] = 5;
    raw_sign(syn->quote5 + 54 + 648 + 4, syn->ak, syn->quote5, 54 + 648);
    syn->quote5[54 + 600] ^= 1; /* MRSERVICETD is signed */
    assert_int_equal(tdx_verify(&v, t, NULL, syn->quote5, syn->quote5_len, 0, &c, SYN_T0, &err),
                     CONFAI_E_BAD_SIGNATURE);
    syn->quote5[54 + 600] ^= 1;
    /* the same platform with a lower TEE_TCB_SVN falls to the OutOfDate level */
    synth *low = calloc(1, sizeof(*low));
    *low = *syn;
    low->quote[48 + 2] = 4;
    raw_sign(low->quote + 48 + 584 + 4, syn->ak, low->quote, 48 + 584);
    st = tdx_verify(&v, t, NULL, low->quote, low->quote_len, 0, &c, SYN_T0, &err);
    assert_int_equal(st, CONFAI_OK);
    assert_int_equal(v.tcb_status, TDX_TCB_OUT_OF_DATE);
    assert_int_equal(v.advisories.count, 1);
    assert_string_equal(v.advisories.id[0], "INTEL-SA-00001");
    free(low);
    /* the real Intel trust does not know this root */
    assert_int_equal(tdx_verify(&v, intel_trust, NULL, syn->quote, syn->quote_len, 0, NULL, SYN_T0,
                                &err),
                     CONFAI_E_UNKNOWN_ROOT);
    tdx_trust_free(t);
}

static void reject_unknown_root(void **state)
{
    (void)state;
    tdx_trust *t = NULL;
    assert_int_equal(tdx_trust_new(&t, NULL), CONFAI_OK);
    tdx_verified v;
    confai_error err = { 0 };
    assert_int_equal(tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, NULL, SYN_T0, &err),
                     CONFAI_E_UNKNOWN_ROOT);
    assert_non_null(strstr(err.message, "root"));
    tdx_trust_free(t);
}

static void reject_revoked_pck(void **state)
{
    (void)state;
    tdx_trust *t = syn_trust(syn);
    tdx_collateral c = syn_collateral(syn, 1);
    tdx_verified v;
    confai_error err = { 0 };
    assert_int_equal(tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c, SYN_T0, &err),
                     CONFAI_E_CERT_REVOKED);
    /* a stale CRL is a collateral problem */
    assert_int_equal(tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c,
                                SYN_T0 + 86400 * 40, &err),
                     CONFAI_E_COLLATERAL);
    /* the real PCK CRL (Intel's PCK Platform CA) does not list the SPR_E4 leaf: see
       real_quotes_verify; a CRL that is not DER is rejected */
    uint8_t junk[4] = { 1, 2, 3, 4 };
    c.pck_crl = junk;
    c.pck_crl_len = sizeof(junk);
    assert_int_equal(tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c, SYN_T0, &err),
                     CONFAI_E_COLLATERAL);
    tdx_trust_free(t);
}

static void reject_synthetic_collateral(void **state)
{
    (void)state;
    tdx_trust *t = syn_trust(syn);
    tdx_collateral c = syn_collateral(syn, 0);
    tdx_verified v;
    confai_error err = { 0 };
    confai_status st;
    /* stale */
    assert_int_equal(tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c, SYN_T0 + 86400 * 30,
                                &err),
                     CONFAI_E_COLLATERAL);
    /* signed by a key that is not the TCB signer */
    char *doc = malloc(syn->tcb_info_len + 1);
    memcpy(doc, syn->tcb_info, syn->tcb_info_len);
    char *sig = strstr(doc, "\"signature\":\"") + strlen("\"signature\":\"");
    sig[5] = sig[5] == 'a' ? 'b' : 'a';
    c.tcb_info = doc;
    assert_int_equal(tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c, SYN_T0, &err),
                     CONFAI_E_BAD_SIGNATURE);
    free(doc);
    /* validly signed collateral that names another QE or TDX module */
    static const struct {
        const char *member, *from, *to, *what;
        confai_status want;
    } edits[] = {
        { "enclaveIdentity", "\"mrsigner\":\"dc", "\"mrsigner\":\"dd", "MRSIGNER",
          CONFAI_E_TCB_MISMATCH },
        { "enclaveIdentity", "\"isvprodid\":2", "\"isvprodid\":3", "ISVPRODID",
          CONFAI_E_TCB_MISMATCH },
        { "enclaveIdentity", "\"attributes\":\"11", "\"attributes\":\"13", "ATTRIBUTES",
          CONFAI_E_TCB_MISMATCH },
        { "enclaveIdentity", "\"miscselect\":\"00000000\"", "\"miscselect\":\"01000000\"",
          "MISCSELECT", CONFAI_E_TCB_MISMATCH },
        { "tcbInfo", "\"mrsigner\":\"00", "\"mrsigner\":\"01", "MRSIGNERSEAM",
          CONFAI_E_TCB_MISMATCH },
        { "tcbInfo", "\"attributes\":\"00", "\"attributes\":\"01", "SEAMATTRIBUTES",
          CONFAI_E_TCB_MISMATCH },
        { "tcbInfo", "\"pceId\":\"0000\"", "\"pceId\":\"0100\"", "PCE id",
          CONFAI_E_TCB_MISMATCH },
        { "tcbInfo", "\"fmspc\":\"123456000000\"", "\"fmspc\":\"123457000000\"", "FMSPC",
          CONFAI_E_TCB_MISMATCH },
        { "tcbInfo", "\"version\":3", "\"version\":2", "version", CONFAI_E_COLLATERAL },
    };
    for (size_t i = 0; i < COUNT(edits); i++) {
        char doc2[8192];
        int qe = strcmp(edits[i].member, "enclaveIdentity") == 0;
        size_t n = resign_edit(doc2, sizeof(doc2), qe ? syn->qe_identity : syn->tcb_info,
                               edits[i].member, edits[i].from, edits[i].to);
        c = syn_collateral(syn, 0);
        if (qe) {
            c.qe_identity = doc2;
            c.qe_identity_len = n;
        } else {
            c.tcb_info = doc2;
            c.tcb_info_len = n;
        }
        st = tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c, SYN_T0, &err);
        if (st != edits[i].want || strstr(err.message, edits[i].what) == NULL)
            fail_msg("%s: %d %s", edits[i].what, st, err.message);
    }
    /* a Revoked level is reported, not rejected: the policy decides */
    {
        char doc2[8192];
        size_t n = resign_edit(doc2, sizeof(doc2), syn->tcb_info, "tcbInfo", "\"UpToDate\"",
                               "\"Revoked\"");
        c = syn_collateral(syn, 0);
        c.tcb_info = doc2;
        c.tcb_info_len = n;
        assert_int_equal(tdx_verify(&v, t, NULL, syn->quote, syn->quote_len, 0, &c, SYN_T0, &err),
                         CONFAI_OK);
        assert_int_equal(v.tcb_status, TDX_TCB_REVOKED);
    }
    tdx_trust_free(t);
}

/* --- fuzz seeds --------------------------------------------------------------------- */

static void write_seed(const char *dir, const char *sub, const char *name, const void *data,
                       size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void fuzz_seeds(void **state)
{
    (void)state;
    const char *dir = getenv("CONFAI_TDX_SEED_DIR");
    if (dir == NULL || dir[0] == '\0')
        skip();
    /* tdx_quote: first byte = parse flags, then the quote */
    uint8_t buf[8192 + 64];
    buf[0] = 0;
    memcpy(buf + 1, syn->quote, syn->quote_len);
    write_seed(dir, "tdx_quote", "synthetic-v4", buf, syn->quote_len + 1);
    buf[0] = TDX_PARSE_PADDED;
    memset(buf + 1 + syn->quote_len, 0, 32);
    write_seed(dir, "tdx_quote", "synthetic-v4-padded", buf, syn->quote_len + 33);
    write_seed(dir, "tdx_quote", "synthetic-header-body", buf, 1 + 48 + 584 + 4);
    buf[0] = 0;
    memcpy(buf + 1, syn->quote5, syn->quote5_len);
    write_seed(dir, "tdx_quote", "synthetic-v5", buf, syn->quote5_len + 1);
    /* tdx_collateral: first byte 0 TCB info, 1 QE identity */
    char doc[8192 + 1];
    doc[0] = 0;
    memcpy(doc + 1, syn->tcb_info, syn->tcb_info_len);
    write_seed(dir, "tdx_collateral", "synthetic-tcb-info", doc, syn->tcb_info_len + 1);
    doc[0] = 1;
    memcpy(doc + 1, syn->qe_identity, syn->qe_identity_len);
    write_seed(dir, "tdx_collateral", "synthetic-qe-identity", doc, syn->qe_identity_len + 1);
}

static int setup(void **state)
{
    (void)state;
    if (tdx_trust_new(&intel_trust, NULL) != CONFAI_OK)
        return -1;
    syn = synth_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tdx_trust_free(intel_trust);
    synth_free(syn);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_quotes_verify),
        cmocka_unit_test(advisories_and_eval),
        cmocka_unit_test(real_quotes_byte_flips),
        cmocka_unit_test(reject_bad_quote_signature),
        cmocka_unit_test(reject_bad_qe_report_signature),
        cmocka_unit_test(reject_qe_report_data_mismatch),
        cmocka_unit_test(reject_expired),
        cmocka_unit_test(reject_fmspc_mismatch),
        cmocka_unit_test(reject_bad_collateral_signature),
        cmocka_unit_test(synthetic_verifies),
        cmocka_unit_test(reject_unknown_root),
        cmocka_unit_test(reject_revoked_pck),
        cmocka_unit_test(reject_synthetic_collateral),
        cmocka_unit_test(fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
