/*
 * src/attest/spdm.c: the two real H100 reports of the shared vectors parse
 * and decode to what PROVENANCE.md lists (driver and VBIOS versions, request
 * nonces, 64 blocks); each documented quirk is accepted exactly in its
 * documented shape; synthetic evidence is rejected with one status per rule;
 * every prefix of valid evidence is CONFAI_E_TRUNCATED.
 *
 * With CONFAI_SPDM_SEED_DIR set, also writes the seed corpus of the spdm
 * fuzz target there (tests/fuzz/corpus/spdm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "nvgpu_test_helpers.h"

#define BUF 8192

static uint8_t buf[BUF];
static spdm_evidence ev;

/* --- real evidence -------------------------------------------------------- */

typedef struct real_report {
    const char *file;
    const char *nonce;
    const char *driver;
    const char *vbios;
    unsigned quirks;
    size_t opaque_fields;
} real_report;

static const real_report real_reports[] = {
    { "nvidia/trustee/hopperAttestationReport.txt",
      "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb", "550.90.07",
      "96.00.9F.00.01", SPDM_QUIRK_NUL_PADDED_STRING, 14 },
    { "nvidia/trustee/hopper_coco_report1.txt",
      "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec", "580.95.05",
      "96.00.74.00.1A", SPDM_QUIRK_NUL_PADDED_STRING | SPDM_QUIRK_TRAILING_ZERO, 16 },
};

static void real_reports_parse(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("real NVIDIA SPDM evidence");
    if (dir == NULL)
        skip();
    for (size_t i = 0; i < NV_COUNT(real_reports); i++) {
        const real_report *rc = &real_reports[i];
        size_t len, nlen;
        uint8_t *bytes = nv_read_hex(dir, rc->file, &len);
        uint8_t *nonce = test_hex_decode(rc->nonce, &nlen);
        NV_OK(spdm_evidence_parse(&ev, bytes, len, err));
        assert_int_equal(ev.version, 0x11);
        assert_int_equal(ev.request_param1, 0x01);
        assert_int_equal(ev.request_param2, 0xFF);
        assert_memory_equal(ev.request_nonce, nonce, 32);
        assert_int_equal(ev.block_count, 64);
        assert_int_equal(ev.record_len, 64 * 55);
        for (unsigned b = 0; b < 64; b++) {
            assert_int_equal(ev.blocks[b].index, b + 1);
            assert_int_equal(ev.blocks[b].value_len, 48);
            assert_int_equal(ev.blocks[b].value_type, 0x01);
        }
        assert_string_equal(ev.driver_version, rc->driver);
        assert_string_equal(ev.vbios_version, rc->vbios);
        assert_string_equal(ev.chip_sku, "882");
        assert_string_equal(ev.project, "1010");
        assert_string_equal(ev.project_sku, "0200");
        assert_int_equal(ev.quirks, rc->quirks);
        assert_int_equal(ev.opaque_field_count, rc->opaque_fields);
        size_t flen;
        assert_non_null(spdm_evidence_opaque(&ev, NVGPU_OPAQUE_FWID, &flen));
        assert_int_equal(flen, 48);
        assert_non_null(spdm_evidence_opaque(&ev, NVGPU_OPAQUE_MSRSCNT, &flen));
        assert_int_equal(flen, 256);
        assert_null(spdm_evidence_opaque(&ev, NVGPU_OPAQUE_SWITCH_PDI, &flen));
        size_t trailing = (rc->quirks & SPDM_QUIRK_TRAILING_ZERO) ? 1 : 0;
        assert_int_equal(ev.signed_len + 96 + trailing, len);
        free(nonce);
        free(bytes);
    }
}

/* SPDM_QUIRK_TRAILING_ZERO: exactly one 0x00 byte after the signature. */
static void quirk_trailing_zero(void **state)
{
    (void)state;
    nv_build b;
    nv_build_default(&b, 4);
    size_t len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_int_equal(ev.quirks & SPDM_QUIRK_TRAILING_ZERO, 0);
    buf[len] = 0x00;
    NV_OK(spdm_evidence_parse(&ev, buf, len + 1, err));
    assert_int_equal(ev.quirks & SPDM_QUIRK_TRAILING_ZERO, SPDM_QUIRK_TRAILING_ZERO);
    assert_int_equal(ev.signed_len, len - 96);
    buf[len] = 0x01;
    NV_EXPECT(CONFAI_E_TRAILING_DATA, spdm_evidence_parse(&ev, buf, len + 1, err));
    buf[len] = 0x00;
    buf[len + 1] = 0x00;
    NV_EXPECT(CONFAI_E_TRAILING_DATA, spdm_evidence_parse(&ev, buf, len + 2, err));
    /* on failure the output is zeroed */
    assert_int_equal(ev.block_count, 0);
}

/* SPDM_QUIRK_NUL_PADDED_STRING: text, then only NULs. */
static void quirk_nul_padded_string(void **state)
{
    (void)state;
    static const uint8_t unpadded[] = { 0x03, 0x00, 0x04, 0x00, '5', '5', '0', '.' };
    static const uint8_t padded[] = { 0x03, 0x00, 0x06, 0x00, '5', '5', '0', 0, 0, 0 };
    static const uint8_t junk[] = { 0x03, 0x00, 0x06, 0x00, '5', '5', '0', 0, 'x', 0 };
    static const uint8_t empty[] = { 0x03, 0x00, 0x02, 0x00, 0, 0 };
    static const uint8_t ctrl[] = { 0x03, 0x00, 0x04, 0x00, '5', '\n', '0', 0 };
    nv_build b;
    nv_build_default(&b, 1);
    b.opaque = unpadded;
    b.opaque_len = sizeof(unpadded);
    size_t len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_string_equal(ev.driver_version, "550.");
    assert_int_equal(ev.quirks, 0);
    b.opaque = padded;
    b.opaque_len = sizeof(padded);
    len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_string_equal(ev.driver_version, "550");
    assert_int_equal(ev.quirks, SPDM_QUIRK_NUL_PADDED_STRING);
    const uint8_t *bad[] = { junk, empty, ctrl };
    size_t bad_len[] = { sizeof(junk), sizeof(empty), sizeof(ctrl) };
    for (size_t i = 0; i < NV_COUNT(bad); i++) {
        b.opaque = bad[i];
        b.opaque_len = bad_len[i];
        len = nv_build_evidence(buf, BUF, &b);
        NV_EXPECT(CONFAI_E_MALFORMED, spdm_evidence_parse(&ev, buf, len, err));
    }
}

/* --- synthetic evidence --------------------------------------------------- */

static void synthetic_parses(void **state)
{
    (void)state;
    nv_build b;
    nv_build_default(&b, 64);
    size_t len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_int_equal(ev.block_count, 64);
    const spdm_block *blk = spdm_evidence_block(&ev, 10);
    assert_non_null(blk);
    assert_int_equal(blk->index, 10);
    for (unsigned j = 0; j < 48; j++)
        assert_int_equal(blk->value[j], nv_value_byte(10, j));
    assert_null(spdm_evidence_block(&ev, 65));
    assert_string_equal(ev.driver_version, "550.90.07");
    assert_string_equal(ev.vbios_version, "96.00.9F.00.01");
    assert_string_equal(ev.chip_sku, "882");
    assert_string_equal(ev.project, "");
    assert_memory_equal(ev.request_nonce, b.nonce, 32);

    /* one index requested, one block answered */
    nv_build_default(&b, 1);
    b.param2 = 7;
    len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_int_equal(ev.blocks[0].index, 7);
    /* raw bit-stream values and empty opaque data are fine */
    nv_build_default(&b, 2);
    b.value_len = 0;
    b.opaque = (const uint8_t *)"";
    b.opaque_len = 0;
    b.slot = 3;
    len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_int_equal(ev.opaque_field_count, 0);
    assert_string_equal(ev.driver_version, "");
    assert_int_equal(ev.slot_id, 3);
}

static void every_prefix_truncated(void **state)
{
    (void)state;
    nv_build b;
    nv_build_default(&b, 3);
    size_t len = nv_build_evidence(buf, BUF, &b);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        confai_error e = { 0 };
        confai_status s = spdm_evidence_parse(&ev, copy, cut, &e);
        if (s != CONFAI_E_TRUNCATED)
            fail_msg("prefix %zu: %s (%s)", cut, confai_status_name(s), e.message);
        assert_true(e.message[0] != '\0');
        free(copy);
    }
}

typedef struct mutation {
    const char *what;
    size_t offset;   /* into evidence built with 3 blocks, value_len 48 */
    uint8_t value;
    confai_status want;
} mutation;

/* block k (0-based) of the 3-block synthetic evidence starts here */
#define BLK(k) (NV_RECORD + (k) * 55)
#define AFTER_RECORD (NV_RECORD + 3 * 55)
#define OPAQUE (AFTER_RECORD + 34)

static const mutation mutations[] = {
    { "request version 1.2", 0, 0x12, CONFAI_E_UNSUPPORTED },
    { "request code", 1, 0xE1, CONFAI_E_MALFORMED },
    { "no signature requested", 2, 0x00, CONFAI_E_UNSUPPORTED },
    { "reserved param1 bit", 2, 0x03, CONFAI_E_MALFORMED },
    { "only the block count requested", 3, 0x00, CONFAI_E_UNSUPPORTED },
    { "slot 8", 36, 0x08, CONFAI_E_MALFORMED },
    { "response version differs", NV_RESP + 0, 0x10, CONFAI_E_MALFORMED },
    { "response code", NV_RESP + 1, 0x61, CONFAI_E_MALFORMED },
    { "response slot differs", NV_RESP + 3, 0x01, CONFAI_E_MALFORMED },
    { "response param1 not reserved zero", NV_RESP + 2, 0x40, CONFAI_E_MALFORMED },
    { "response param2 reserved bits", NV_RESP + 3, 0x10, CONFAI_E_MALFORMED },
    { "no blocks announced", NV_RESP + 4, 0x00, CONFAI_E_MALFORMED },
    { "fewer blocks announced", NV_RESP + 4, 0x02, CONFAI_E_MALFORMED },
    { "more blocks announced", NV_RESP + 4, 0x04, CONFAI_E_MALFORMED },
    { "record length points past the input", NV_RESP + 7, 0x01, CONFAI_E_TRUNCATED },
    { "index 0", BLK(0), 0x00, CONFAI_E_MALFORMED },
    { "index 0xFF", BLK(2), 0xFF, CONFAI_E_MALFORMED },
    { "index repeated", BLK(1), 0x01, CONFAI_E_MALFORMED },
    { "index decreasing", BLK(2), 0x01, CONFAI_E_MALFORMED },
    { "specification not DMTF", BLK(1) + 1, 0x02, CONFAI_E_UNSUPPORTED },
    { "block size larger than its DMTF value", BLK(0) + 2, 52, CONFAI_E_MALFORMED },
    { "DMTF value size larger than the block", BLK(0) + 5, 49, CONFAI_E_MALFORMED },
    { "opaque length past the input", AFTER_RECORD + 32, 0xFF, CONFAI_E_TRUNCATED },
    { "opaque length over 1024", AFTER_RECORD + 33, 0x04, CONFAI_E_LIMIT },
    { "opaque field length past the opaque data", OPAQUE + 2, 0xF0, CONFAI_E_TRUNCATED },
    { "duplicate opaque field (VBIOS as driver)", OPAQUE + 14, 0x03, CONFAI_E_MALFORMED },
    { "VBIOS of 7 bytes", OPAQUE + 14 + 2, 0x07, CONFAI_E_MALFORMED },
    { "MSRSCNT type on the chip SKU (9 bytes)", OPAQUE + 26, 0x0c, CONFAI_E_MALFORMED },
};

static void rejections(void **state)
{
    (void)state;
    nv_build b;
    nv_build_default(&b, 3);
    size_t len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    for (size_t i = 0; i < NV_COUNT(mutations); i++) {
        const mutation *m = &mutations[i];
        uint8_t saved = buf[m->offset];
        buf[m->offset] = m->value;
        confai_error e = { 0 };
        confai_status s = spdm_evidence_parse(&ev, buf, len, &e);
        if (s != m->want)
            fail_msg("%s: got %s (%s), want %s", m->what, confai_status_name(s), e.message,
                     confai_status_name(m->want));
        assert_true(e.message[0] != '\0');
        buf[m->offset] = saved;
    }
    buf[len] = 0x42;
    NV_EXPECT(CONFAI_E_TRAILING_DATA, spdm_evidence_parse(&ev, buf, len + 1, err));
}

static void limits(void **state)
{
    (void)state;
    nv_build b;
    nv_build_default(&b, 2);
    b.value_len = SPDM_MAX_VALUE_SIZE;
    size_t len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    b.value_len = SPDM_MAX_VALUE_SIZE + 1;
    len = nv_build_evidence(buf, BUF, &b);
    NV_EXPECT(CONFAI_E_LIMIT, spdm_evidence_parse(&ev, buf, len, err));

    /* 254 blocks (indices 1..0xFE) accepted; a 255th is not */
    nv_build_default(&b, SPDM_MAX_BLOCKS);
    b.value_len = 0;
    len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_int_equal(ev.blocks[SPDM_MAX_BLOCKS - 1].index, 0xFE);
    nv_build_default(&b, SPDM_MAX_BLOCKS + 1);
    b.value_len = 0;
    len = nv_build_evidence(buf, BUF, &b);
    NV_EXPECT(CONFAI_E_MALFORMED, spdm_evidence_parse(&ev, buf, len, err));

    /* opaque data: 1024 bytes accepted, 1025 not; 64 fields accepted, 65 not */
    static uint8_t opaque[SPDM_MAX_OPAQUE_SIZE + 4];
    memset(opaque, 0, sizeof(opaque));
    opaque[0] = 0x80; /* an unknown type, kept raw */
    opaque[2] = (uint8_t)(SPDM_MAX_OPAQUE_SIZE - 4);
    opaque[3] = (uint8_t)((SPDM_MAX_OPAQUE_SIZE - 4) >> 8);
    nv_build_default(&b, 1);
    b.opaque = opaque;
    b.opaque_len = SPDM_MAX_OPAQUE_SIZE;
    len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_string_equal(nvgpu_opaque_type_name(ev.opaque_fields[0].type), "unknown");
    opaque[2] = (uint8_t)(SPDM_MAX_OPAQUE_SIZE - 3);
    b.opaque_len = SPDM_MAX_OPAQUE_SIZE + 1;
    len = nv_build_evidence(buf, BUF, &b);
    NV_EXPECT(CONFAI_E_LIMIT, spdm_evidence_parse(&ev, buf, len, err));
    memset(opaque, 0, sizeof(opaque));
    for (unsigned i = 0; i < 65; i++)
        opaque[4 * i] = (uint8_t)(100 + i); /* empty fields of distinct types */
    b.opaque_len = 64 * 4;
    len = nv_build_evidence(buf, BUF, &b);
    NV_OK(spdm_evidence_parse(&ev, buf, len, err));
    assert_int_equal(ev.opaque_field_count, 64);
    b.opaque_len = 65 * 4;
    len = nv_build_evidence(buf, BUF, &b);
    NV_EXPECT(CONFAI_E_LIMIT, spdm_evidence_parse(&ev, buf, len, err));
}

static void names_and_arguments(void **state)
{
    (void)state;
    assert_string_equal(nvgpu_opaque_type_name(NVGPU_OPAQUE_DRIVER_VERSION), "DRIVER_VERSION");
    assert_string_equal(nvgpu_opaque_type_name(NVGPU_OPAQUE_VBIOS_VERSION), "VBIOS_VERSION");
    assert_string_equal(nvgpu_opaque_type_name(NVGPU_OPAQUE_FEATURE_FLAG), "FEATURE_FLAG");
    assert_string_equal(nvgpu_opaque_type_name(26), "unknown");
    NV_EXPECT(CONFAI_E_ARGUMENT, spdm_evidence_parse(NULL, buf, 10, err));
    NV_EXPECT(CONFAI_E_ARGUMENT, spdm_evidence_parse(&ev, NULL, 10, err));
    NV_EXPECT(CONFAI_E_TRUNCATED, spdm_evidence_parse(&ev, NULL, 0, err));
}

/* --- fuzz seeds ------------------------------------------------------------ */

static void write_seed(const char *dir, const char *name, const uint8_t *bytes, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, len, f) != len)
        fail_msg("cannot write %s", path);
    fclose(f);
}

static void fuzz_seeds(void **state)
{
    (void)state;
    const char *dir = getenv("CONFAI_SPDM_SEED_DIR");
    if (dir == NULL || dir[0] == '\0')
        skip();
    nv_build b;
    nv_build_default(&b, 4);
    size_t len = nv_build_evidence(buf, BUF, &b);
    write_seed(dir, "valid-4-blocks", buf, len);
    write_seed(dir, "truncated", buf, len / 2);
    b.trailing = 1;
    len = nv_build_evidence(buf, BUF, &b);
    write_seed(dir, "quirk-trailing-zero", buf, len);
    nv_build_default(&b, 1);
    b.param2 = 9;
    len = nv_build_evidence(buf, BUF, &b);
    write_seed(dir, "one-index", buf, len);
    nv_build_default(&b, 12);
    len = nv_build_evidence(buf, BUF, &b);
    write_seed(dir, "valid-12-blocks", buf, len);
    buf[BLK(1)] = 0x01;
    write_seed(dir, "index-repeated", buf, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_reports_parse),
        cmocka_unit_test(quirk_trailing_zero),
        cmocka_unit_test(quirk_nul_padded_string),
        cmocka_unit_test(synthetic_parses),
        cmocka_unit_test(every_prefix_truncated),
        cmocka_unit_test(rejections),
        cmocka_unit_test(limits),
        cmocka_unit_test(names_and_arguments),
        cmocka_unit_test(fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
