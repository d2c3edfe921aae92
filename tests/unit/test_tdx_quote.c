/*
 * src/attest/tdx_quote.c: the real TDX quotes of the shared vectors parse
 * (v4 TD 1.0, v5 TD 1.5) with the field values PROVENANCE.md lists; padded
 * buffers parse only with TDX_PARSE_PADDED and only when the padding is
 * zero (the SPR_E4 file's ASCII tail is rejected both ways); every
 * truncation fails; each header and length rule has its status; and the
 * collateral parsers accept the real documents and reject broken ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "attest/tdx/tdx.h"
#include "test_util.h"

static uint8_t *load(const char *name, size_t *len)
{
    const char *dir = test_vectors_or_skip("TDX vectors");
    if (dir == NULL)
        return NULL;
    uint8_t *b = test_read_file(dir, name, len);
    assert_non_null(b);
    return b;
}

static void expect_hex(const uint8_t *bytes, size_t n, const char *hex)
{
    size_t len;
    uint8_t *want = test_hex_decode(hex, &len);
    assert_non_null(want);
    assert_int_equal(len, n);
    assert_memory_equal(bytes, want, n);
    free(want);
}

static void spr_e4(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = load("tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat", &len);
    if (b == NULL)
        skip();
    assert_int_equal(len, 4974);
    tdx_quote q;
    confai_error err = { 0 };
    /* the 39 ASCII bytes after the quote: trailing data, padded or not */
    assert_int_equal(tdx_quote_parse(&q, b, len, 0, &err), CONFAI_E_TRAILING_DATA);
    assert_non_null(strstr(err.message, "39 bytes after"));
    assert_int_equal(tdx_quote_parse(&q, b, len, TDX_PARSE_PADDED, &err),
                     CONFAI_E_TRAILING_DATA);
    assert_non_null(strstr(err.message, "not zero"));
    assert_int_equal(q.version, 0); /* zeroed on failure */
    assert_int_equal(tdx_quote_parse(&q, b, 4935, 0, &err), CONFAI_OK);
    assert_int_equal(q.version, 4);
    assert_int_equal(q.att_key_type, 2);
    assert_int_equal(q.tee_type, 0x81);
    assert_int_equal(q.body_type, TDX_BODY_TD10);
    assert_int_equal(q.quote_len, 4935);
    assert_int_equal(q.signed_len, 48 + 584);
    expect_hex(q.qe_vendor_id, 16, "939a7233f79c4ca9940a0db3957f0607");
    expect_hex(q.user_data, 20, "739c3f292a15bace1f726351a70d4b7900000000");
    expect_hex(q.tee_tcb_svn, 16, "03000400000000000000000000000000");
    expect_hex(q.mrseam, 48,
               "2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60f"
               "be9d0c5a5363c656");
    assert_int_equal(q.td_attributes, 0x0000000040000000ull);
    assert_int_equal(q.xfam, 0x0000000000061ae7ull);
    expect_hex(q.mrtd, 48,
               "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc"
               "10d5e119d7215cbb");
    expect_hex(q.rtmr[2], 48,
               "8652f0caaba7e215ea442dc36a4499d8fec3362f3a0b2ca151cbe4b3e6466fe59c7368b3c2287fc7"
               "c3bf5c924eb4424e");
    expect_hex(q.report_data, 64,
               "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed31"
               "3b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113");
    assert_int_equal(q.qe_report.isvprodid, 2);
    assert_int_equal(q.qe_report.isvsvn, 4);
    assert_true(q.pck_chain_len > 0);
    assert_memory_equal(q.pck_chain, "-----BEGIN CERTIFICATE-----", 27);
    /* every truncation fails */
    for (size_t n = 0; n < 4935; n++)
        assert_int_not_equal(tdx_quote_parse(&q, b, n, TDX_PARSE_PADDED, NULL), CONFAI_OK);
    free(b);
}

static void v5_td15(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = load("tdx/go-tdx-guest/quote_v5_sample.dat", &len);
    if (b == NULL)
        skip();
    tdx_quote q;
    assert_int_equal(tdx_quote_parse(&q, b, len, 0, NULL), CONFAI_OK);
    assert_int_equal(q.version, 5);
    assert_int_equal(q.body_type, TDX_BODY_TD15);
    assert_int_equal(q.body_size, 648);
    assert_int_equal(q.signed_len, 48 + 6 + 648);
    assert_int_equal(q.quote_len, 5006);
    expect_hex(q.tee_tcb_svn, 16, "0b010400000000000000000000000000");
    expect_hex(q.tee_tcb_svn2, 16, "0d010400000000000000000000000000");
    expect_hex(q.mrtd, 48,
               "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747d"
               "da8f750c3bc8f876");
    expect_hex(q.report_data, 64,
               "945eaacf5abc1f719d8666a942fda03d1edcb4490277396093dc5a5289ab9f1e094aed63060cd4a4"
               "933a4dd537ed1255c9c79ecb3ed82cd1b486233e31c25c3a");
    uint8_t zero[48] = { 0 };
    assert_memory_equal(q.mrservicetd, zero, 48);
    assert_int_equal(q.qe_report.isvsvn, 7);
    /* body size that does not match the type */
    b[48 + 2] = 0x48; /* 648 -> 584 with type 3 */
    b[48 + 3] = 0x02;
    assert_int_equal(tdx_quote_parse(&q, b, len, 0, NULL), CONFAI_E_MALFORMED);
    b[48 + 2] = 0x88;
    b[48 + 3] = 0x02;
    b[48] = 4; /* unknown body type */
    assert_int_equal(tdx_quote_parse(&q, b, len, 0, NULL), CONFAI_E_UNSUPPORTED);
    free(b);
}

static void padded(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t file_len, quote_len;
    } cases[] = {
        { "tdx/go-tdx-guest/cos-113-tdx-quote.dat", 8000, 4935 },
        { "tdx/trustee/tdx_quote_6.dat", 5006, 4936 },
        { "tdx/trustee/az-tdx-vtpm_td-quote.bin", 5006, 4936 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        uint8_t *b = load(cases[i].name, &len);
        if (b == NULL)
            skip();
        assert_int_equal(len, cases[i].file_len);
        tdx_quote q;
        assert_int_equal(tdx_quote_parse(&q, b, len, 0, NULL), CONFAI_E_TRAILING_DATA);
        assert_int_equal(tdx_quote_parse(&q, b, len, TDX_PARSE_PADDED, NULL), CONFAI_OK);
        assert_int_equal(q.quote_len, cases[i].quote_len);
        assert_int_equal(q.version, 4);
        assert_int_equal(tdx_quote_parse(&q, b, cases[i].quote_len, 0, NULL), CONFAI_OK);
        b[len - 1] = 1; /* non-zero padding */
        assert_int_equal(tdx_quote_parse(&q, b, len, TDX_PARSE_PADDED, NULL),
                         CONFAI_E_TRAILING_DATA);
        free(b);
    }
}

static void header_rules(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = load("tdx/trustee/tdx_quote_6.dat", &len);
    if (b == NULL)
        skip();
    len = 4936;
    tdx_quote q;
    static const struct {
        size_t at;
        uint8_t value;
        confai_status want;
    } rules[] = {
        { 0, 3, CONFAI_E_UNSUPPORTED },        /* version 3 (SGX layout) */
        { 0, 6, CONFAI_E_UNSUPPORTED },        /* version 6 */
        { 2, 3, CONFAI_E_UNSUPPORTED },        /* attestation key type 3 */
        { 4, 0x00, CONFAI_E_UNSUPPORTED },     /* TEE type SGX */
        { 8, 1, CONFAI_E_MALFORMED },          /* reserved */
        { 632, 0xff, CONFAI_E_TRUNCATED },     /* signature data length too long */
        { 632 + 4 + 128, 7, CONFAI_E_UNSUPPORTED }, /* certification data type */
        { 632 + 4 + 128 + 2, 0, CONFAI_E_MALFORMED }, /* certification data size */
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        uint8_t old = b[rules[i].at];
        b[rules[i].at] = rules[i].value;
        confai_error err = { 0 };
        assert_int_equal(tdx_quote_parse(&q, b, len, 0, &err), rules[i].want);
        assert_string_not_equal(err.message, "");
        b[rules[i].at] = old;
    }
    assert_int_equal(tdx_quote_parse(&q, b, len, 0, NULL), CONFAI_OK);
    assert_int_equal(tdx_quote_parse(&q, b, len, 0x80, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(tdx_quote_parse(NULL, b, len, 0, NULL), CONFAI_E_ARGUMENT);
    free(b);
}

static void collateral_parse(void **state)
{
    (void)state;
    size_t len;
    char *t = (char *)load("tdx/trustee/tcbInfo.json", &len);
    if (t == NULL)
        skip();
    tdx_tcb_info *info = NULL;
    assert_int_equal(tdx_tcb_info_parse(&info, t, len, NULL), CONFAI_OK);
    assert_int_equal(info->tcb_eval_num, 17);
    assert_int_equal(info->module_id_count, 2);
    assert_string_equal(info->module_ids[0].id, "TDX_03");
    assert_int_equal(info->module_ids[1].levels[1].status, TDX_TCB_OUT_OF_DATE);
    assert_int_equal(info->level_count, 2);
    assert_int_equal(info->levels[0].pcesvn, 13);
    assert_int_equal(info->levels[0].tdx[0], 5);
    assert_int_equal(info->module_attributes_mask, UINT64_MAX);
    tdx_tcb_info_free(info);
    /* a duplicate member, an unknown member, a wrong type, trailing data */
    static const struct {
        const char *from, *to;
    } edits[] = {
        { "\"tcbType\":0,", "\"tcbType\":0,\"tcbType\":0," },
        { "\"tcbType\":0,", "\"tcbType\":0,\"extra\":1," },
        { "\"tcbType\":0,", "\"tcbType\":\"0\"," },
        { "\"version\":3,", "\"version\":2," },
        { "\"id\":\"TDX\"", "\"id\":\"SGX\"" },
        { "\"UpToDate\"", "\"Fine\"" },
        { "\"fmspc\":\"00A06D080000\"", "\"fmspc\":\"00A06D0800\"" },
        { "\"issueDate\":\"2025-10-27T13:07:17Z\"", "\"issueDate\":\"2025-10-27 13:07:17\"" },
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        char *at = strstr(t, edits[i].from);
        assert_non_null(at);
        size_t fl = strlen(edits[i].from), tl = strlen(edits[i].to);
        char *e = malloc(len + tl + 1);
        size_t pre = (size_t)(at - t);
        memcpy(e, t, pre);
        memcpy(e + pre, edits[i].to, tl);
        memcpy(e + pre + tl, at + fl, len - pre - fl);
        size_t el = len - fl + tl;
        confai_error err = { 0 };
        assert_int_equal(tdx_tcb_info_parse(&info, e, el, &err), CONFAI_E_COLLATERAL);
        assert_null(info);
        assert_string_not_equal(err.message, "");
        free(e);
    }
    char *trail = malloc(len + 2);
    memcpy(trail, t, len);
    trail[len] = 'x';
    assert_int_equal(tdx_tcb_info_parse(&info, trail, len + 1, NULL), CONFAI_E_COLLATERAL);
    free(trail);
    free(t);

    char *q = (char *)load("tdx/go-tdx-guest/sample_qeIdentity_response", &len);
    tdx_qe_identity *id = NULL;
    assert_int_equal(tdx_qe_identity_parse(&id, q, len, NULL), CONFAI_OK);
    assert_int_equal(id->isvprodid, 2);
    assert_int_equal(id->levels[0].isvsvn, 4);
    assert_int_equal(id->attributes[0], 0x11);
    assert_int_equal(id->miscselect_mask, 0xFFFFFFFFu);
    assert_int_equal(id->signed_span_len, len - strlen("{\"enclaveIdentity\":") -
                                              strlen(",\"signature\":\"\"}") - 128);
    tdx_qe_identity_free(id);
    /* the TCB info is not a QE identity */
    assert_int_equal(tdx_qe_identity_parse(&id, "{\"tcbInfo\":{},\"signature\":\"\"}", 29, NULL),
                     CONFAI_E_COLLATERAL);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spr_e4),
        cmocka_unit_test(v5_td15),
        cmocka_unit_test(padded),
        cmocka_unit_test(header_rules),
        cmocka_unit_test(collateral_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
