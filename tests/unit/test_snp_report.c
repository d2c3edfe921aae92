/*
 * src/attest/snp_report.c: the ATTESTATION_REPORT layout (versions 2, 3, 5),
 * its parse statuses, encoding as the inverse of parsing, and the TCB layouts
 * of Milan/Genoa and Turin.
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

#include "attest/snp/snp.h"
#include "test_util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void expect_parse(confai_status want, const uint8_t *bytes, size_t len, const char *why)
{
    snp_report r;
    confai_error err = { 0 };
    confai_status got = snp_report_parse(&r, bytes, len, &err);
    if (got != want)
        fail_msg("%s: got %s (%s), want %s", why, confai_status_name(got), err.message,
                 confai_status_name(want));
    if (got != CONFAI_OK) {
        static const snp_report zero;
        assert_memory_equal(&r, &zero, sizeof(r)); /* nothing half-parsed */
        assert_true(err.message[0] != '\0');
    }
}

/* A well-formed report of a version, every field set to something. */
static void sample_fields(snp_report *r, uint32_t version)
{
    memset(r, 0, sizeof(*r));
    r->version = version;
    r->guest_svn = 7;
    r->policy = 0x30000;
    memset(r->family_id, 0x11, sizeof(r->family_id));
    memset(r->image_id, 0x22, sizeof(r->image_id));
    r->vmpl = 2;
    r->signature_algo = 1;
    r->current_tcb_raw = 0x7308000000000003;
    r->platform_info = 0x25;
    r->flags = SNP_FLAG_AUTHOR_KEY_EN;
    r->signing_key = SNP_KEY_VLEK;
    memset(r->report_data, 0x33, sizeof(r->report_data));
    memset(r->measurement, 0x44, sizeof(r->measurement));
    memset(r->host_data, 0x55, sizeof(r->host_data));
    memset(r->id_key_digest, 0x66, sizeof(r->id_key_digest));
    memset(r->author_key_digest, 0x77, sizeof(r->author_key_digest));
    memset(r->report_id, 0x88, sizeof(r->report_id));
    memset(r->report_id_ma, 0x99, sizeof(r->report_id_ma));
    r->reported_tcb_raw = 0x7308000000000002;
    if (version >= 3) {
        r->cpuid_fam_id = 0x19;
        r->cpuid_mod_id = 0x11;
        r->cpuid_step = 0x01;
    }
    memset(r->chip_id, 0xAA, sizeof(r->chip_id));
    r->committed_tcb_raw = 0x7308000000000001;
    r->current_build = 4;
    r->current_minor = 52;
    r->current_major = 1;
    r->committed_build = 3;
    r->committed_minor = 51;
    r->committed_major = 1;
    r->launch_tcb_raw = 0x7308000000000000;
    if (version >= 5) {
        r->launch_mit_vector = 0x0102030405060708;
        r->current_mit_vector = 0x1112131415161718;
    }
    for (size_t i = 0; i < 48; i++) {
        r->signature_r[i] = (uint8_t)(i + 1);
        r->signature_s[i] = (uint8_t)(0x80 + i);
    }
}

static void sample(uint8_t out[SNP_REPORT_SIZE], uint32_t version)
{
    snp_report r;
    sample_fields(&r, version);
    snp_report_encode(out, &r);
}

/* Parsing what was encoded gives the fields back, and the same bytes again. */
static void encode_parse_round_trip(void **state)
{
    (void)state;
    static const uint32_t versions[] = { 2, 3, 5 };
    for (size_t i = 0; i < COUNT(versions); i++) {
        snp_report in, out;
        uint8_t bytes[SNP_REPORT_SIZE], again[SNP_REPORT_SIZE];
        sample_fields(&in, versions[i]);
        snp_report_encode(bytes, &in);
        assert_int_equal(snp_report_parse(&out, bytes, sizeof(bytes), NULL), CONFAI_OK);
        in.flags |= (uint32_t)SNP_KEY_VLEK << SNP_FLAG_SIGNING_KEY_SHIFT;
        assert_int_equal(out.flags, in.flags);
        assert_int_equal(out.signing_key, SNP_KEY_VLEK);
        assert_int_equal(out.product,
                         versions[i] >= 3 ? SNP_PRODUCT_GENOA : SNP_PRODUCT_UNKNOWN);
        assert_int_equal(out.guest_svn, 7);
        assert_int_equal(out.launch_mit_vector, versions[i] >= 5 ? 0x0102030405060708 : 0);
        assert_memory_equal(out.chip_id, in.chip_id, sizeof(in.chip_id));
        assert_memory_equal(out.signature_s, in.signature_s, sizeof(in.signature_s));
        snp_report_encode(again, &out);
        assert_memory_equal(bytes, again, sizeof(bytes));
    }
}

/* Fields sit where the ABI puts them. */
static void field_offsets(void **state)
{
    (void)state;
    uint8_t b[SNP_REPORT_SIZE];
    sample(b, 5);
    assert_int_equal(b[0x000], 5);
    assert_int_equal(b[0x004], 7);
    assert_int_equal(b[0x00A], 0x03); /* policy 0x30000 */
    assert_int_equal(b[0x010], 0x11);
    assert_int_equal(b[0x020], 0x22);
    assert_int_equal(b[0x030], 2);
    assert_int_equal(b[0x034], 1);
    assert_int_equal(b[0x038], 0x03);
    assert_int_equal(b[0x040], 0x25);
    assert_int_equal(b[0x048], 0x05); /* author_key_en | VLEK << 2 */
    assert_int_equal(b[0x050], 0x33);
    assert_int_equal(b[0x090], 0x44);
    assert_int_equal(b[0x0C0], 0x55);
    assert_int_equal(b[0x0E0], 0x66);
    assert_int_equal(b[0x110], 0x77);
    assert_int_equal(b[0x140], 0x88);
    assert_int_equal(b[0x160], 0x99);
    assert_int_equal(b[0x180], 0x02);
    assert_int_equal(b[0x187], 0x73);
    assert_int_equal(b[0x188], 0x19);
    assert_int_equal(b[0x189], 0x11);
    assert_int_equal(b[0x18A], 0x01);
    assert_int_equal(b[0x1A0], 0xAA);
    assert_int_equal(b[0x1E0], 0x01);
    assert_int_equal(b[0x1E8], 4);
    assert_int_equal(b[0x1E9], 52);
    assert_int_equal(b[0x1EA], 1);
    assert_int_equal(b[0x1EC], 3);
    assert_int_equal(b[0x1ED], 51);
    assert_int_equal(b[0x1F0], 0x00);
    assert_int_equal(b[0x1F8], 0x08);
    assert_int_equal(b[0x200], 0x18);
    assert_int_equal(b[0x2A0], 1);
    assert_int_equal(b[0x2E8], 0x80);
}

/* Real reports parse, and encoding gives their exact bytes back. */
static void real_reports_round_trip(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("SNP report parsing");
    if (dir == NULL)
        skip();
    static const struct {
        const char *file;
        uint32_t version;
        snp_product product; /* from CPUID; unknown before v3 */
    } reports[] = {
        { "sev-snp/go-sev-guest/attestation.bin", 2, SNP_PRODUCT_UNKNOWN },
        { "sev-snp/trustee/test-report.bin", 2, SNP_PRODUCT_UNKNOWN },
        { "sev-snp/trustee/test-vlek-report.bin", 3, SNP_PRODUCT_MILAN },
        { "sev-snp/azure-vtpm/azure_milan_snp_report.bin", 2, SNP_PRODUCT_UNKNOWN },
        { "sev-snp/oak/genoa_oc_snp_report.bin", 5, SNP_PRODUCT_GENOA },
        { "sev-snp/oak/milan_oc_release_snp_report.bin", 3, SNP_PRODUCT_MILAN },
    };
    for (size_t i = 0; i < COUNT(reports); i++) {
        size_t len;
        uint8_t *bytes = test_read_file(dir, reports[i].file, &len);
        uint8_t again[SNP_REPORT_SIZE];
        snp_report r;
        assert_non_null(bytes);
        assert_int_equal(snp_report_parse(&r, bytes, len, NULL), CONFAI_OK);
        assert_int_equal(r.version, reports[i].version);
        assert_int_equal(r.product, reports[i].product);
        snp_report_encode(again, &r);
        assert_memory_equal(bytes, again, SNP_REPORT_SIZE);
        free(bytes);
    }
}

static void sizes(void **state)
{
    (void)state;
    uint8_t b[SNP_REPORT_SIZE + 1] = { 0 };
    sample(b, 3);
    expect_parse(CONFAI_OK, b, SNP_REPORT_SIZE, "exact");
    expect_parse(CONFAI_E_TRUNCATED, b, SNP_REPORT_SIZE - 1, "one short");
    expect_parse(CONFAI_E_TRUNCATED, b, 0, "empty");
    expect_parse(CONFAI_E_TRUNCATED, NULL, 0, "NULL");
    expect_parse(CONFAI_E_TRAILING_DATA, b, SNP_REPORT_SIZE + 1, "one long");
    expect_parse(CONFAI_E_ARGUMENT, NULL, 5, "NULL with a length");
    assert_int_equal(snp_report_parse(NULL, b, SNP_REPORT_SIZE, NULL), CONFAI_E_ARGUMENT);
}

static void unsupported_versions_and_algorithms(void **state)
{
    (void)state;
    static const uint32_t bad_versions[] = { 0, 1, 4, 6, 0x100, 0xFFFFFFFF };
    uint8_t b[SNP_REPORT_SIZE];
    for (size_t i = 0; i < COUNT(bad_versions); i++) {
        sample(b, 2);
        for (int k = 0; k < 4; k++)
            b[k] = (uint8_t)(bad_versions[i] >> (8 * k));
        expect_parse(CONFAI_E_UNSUPPORTED, b, sizeof(b), "version");
    }
    static const uint32_t bad_algos[] = { 0, 2, 0x101 };
    for (size_t i = 0; i < COUNT(bad_algos); i++) {
        sample(b, 5);
        for (int k = 0; k < 4; k++)
            b[0x34 + k] = (uint8_t)(bad_algos[i] >> (8 * k));
        expect_parse(CONFAI_E_UNSUPPORTED, b, sizeof(b), "signature algorithm");
    }
}

/* Is byte `at` a field (not reserved) in reports of `version`? */
static int is_field(size_t at, uint32_t version)
{
    if (at >= 0x04C && at < 0x050)
        return 0;
    if (at >= 0x188 && at < 0x18B)
        return version >= 3;
    if (at >= 0x18B && at < 0x1A0)
        return 0;
    if (at == 0x1EB || at == 0x1EF)
        return 0;
    if (at >= 0x1F8 && at < 0x208)
        return version >= 5;
    if (at >= 0x208 && at < 0x2A0)
        return 0;
    if (at >= 0x2A0 + 48 && at < 0x2A0 + 72) /* r beyond 48 bytes */
        return 0;
    if (at >= 0x2E8 + 48 && at < 0x2E8 + 72) /* s beyond 48 bytes */
        return 0;
    if (at >= 0x330)
        return 0;
    return 1;
}

/* Every reserved byte of every version, set: malformed. */
static void reserved_bytes(void **state)
{
    (void)state;
    static const uint32_t versions[] = { 2, 3, 5 };
    uint8_t b[SNP_REPORT_SIZE];
    size_t checked = 0;
    for (size_t v = 0; v < COUNT(versions); v++)
        for (size_t at = 0; at < SNP_REPORT_SIZE; at++) {
            if (is_field(at, versions[v]))
                continue;
            sample(b, versions[v]);
            b[at] = 0x01;
            char why[64];
            snprintf(why, sizeof(why), "v%u reserved byte 0x%03zx", versions[v], at);
            expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), why);
            checked++;
        }
    assert_true(checked > 3 * 600);
}

static void flags(void **state)
{
    (void)state;
    uint8_t b[SNP_REPORT_SIZE];
    for (int bit = 5; bit < 32; bit++) {
        sample(b, 3);
        b[0x48 + bit / 8] |= (uint8_t)(1u << (bit % 8));
        expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), "flags reserved bit");
    }
    for (unsigned key = 0; key < 8; key++) {
        sample(b, 3);
        b[0x48] = (uint8_t)((b[0x48] & 0xE3) | key << 2);
        expect_parse(key <= 1 ? CONFAI_OK : key == 7 ? CONFAI_E_UNSUPPORTED : CONFAI_E_MALFORMED,
                     b, sizeof(b), "signing key");
    }
    sample(b, 3);
    b[0x48] |= SNP_FLAG_MASK_CHIP_KEY;
    expect_parse(CONFAI_OK, b, sizeof(b), "mask_chip_key");
}

static void impossible_values(void **state)
{
    (void)state;
    uint8_t b[SNP_REPORT_SIZE];
    sample(b, 5);
    b[0x30] = 3;
    expect_parse(CONFAI_OK, b, sizeof(b), "VMPL 3");
    b[0x30] = 4;
    expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), "VMPL 4");
    sample(b, 5);
    b[0x0A] &= (uint8_t)~0x02; /* policy bit 17 */
    expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), "policy bit 17");
}

/* The CPUID bytes are fields from v3 on, the mitigation vectors from v5 on. */
static void version_dependent_fields(void **state)
{
    (void)state;
    uint8_t b[SNP_REPORT_SIZE];
    snp_report r;
    sample(b, 3);
    b[0x1F8] = 1;
    expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), "v3 with a mitigation vector");
    b[0x1F8] = 0;
    assert_int_equal(snp_report_parse(&r, b, sizeof(b), NULL), CONFAI_OK);
    assert_int_equal(r.cpuid_mod_id, 0x11);
    assert_int_equal(r.launch_mit_vector, 0);
    sample(b, 5);
    assert_int_equal(snp_report_parse(&r, b, sizeof(b), NULL), CONFAI_OK);
    assert_int_equal(r.launch_mit_vector, 0x0102030405060708);
    assert_int_equal(r.current_mit_vector, 0x1112131415161718);
    sample(b, 2);
    assert_int_equal(snp_report_parse(&r, b, sizeof(b), NULL), CONFAI_OK);
    assert_int_equal(r.cpuid_fam_id, 0);
    assert_int_equal(r.product, SNP_PRODUCT_UNKNOWN);
    b[0x188] = 0x19;
    expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), "v2 with CPUID");
}

static void tcb_layouts(void **state)
{
    (void)state;
    /* go-sev-guest's Milan report: bl 2, tee 0, snp 5, ucode 68 */
    snp_tcb m = snp_tcb_decode(0x4405000000000002, SNP_PRODUCT_MILAN);
    assert_int_equal(m.bootloader, 2);
    assert_int_equal(m.tee, 0);
    assert_int_equal(m.snp, 5);
    assert_int_equal(m.microcode, 68);
    assert_int_equal(m.fmc, 0);
    assert_int_equal(snp_tcb_encode(&m, SNP_PRODUCT_MILAN), 0x4405000000000002);
    snp_tcb g = snp_tcb_decode(0x541900000000000a, SNP_PRODUCT_GENOA);
    assert_int_equal(g.bootloader, 10);
    assert_int_equal(g.snp, 25);
    assert_int_equal(g.microcode, 84);
    /* Turin (AMD KDS notes): fmc 0, bl 1, tee 0, snp 2, ucode 0x47 */
    snp_tcb t = snp_tcb_decode(0x4700000002000100, SNP_PRODUCT_TURIN);
    assert_int_equal(t.fmc, 0);
    assert_int_equal(t.bootloader, 1);
    assert_int_equal(t.tee, 0);
    assert_int_equal(t.snp, 2);
    assert_int_equal(t.microcode, 0x47);
    assert_int_equal(snp_tcb_encode(&t, SNP_PRODUCT_TURIN), 0x4700000002000100);
    snp_tcb t2 = { .fmc = 3, .bootloader = 4, .tee = 5, .snp = 6, .microcode = 7 };
    assert_int_equal(snp_tcb_encode(&t2, SNP_PRODUCT_TURIN), 0x0700000006050403);
    assert_int_equal(snp_tcb_encode(&t2, SNP_PRODUCT_MILAN), 0x0706000000000504);
    /* reserved bytes are not fields; unknown products decode nothing */
    snp_tcb u = snp_tcb_decode(0xFFFFFFFFFFFFFFFF, SNP_PRODUCT_UNKNOWN);
    assert_int_equal(u.raw, 0xFFFFFFFFFFFFFFFF);
    assert_int_equal(u.bootloader, 0);
    assert_int_equal(snp_tcb_encode(&t2, SNP_PRODUCT_UNKNOWN), 0);
    snp_tcb r = snp_tcb_decode(0x00FFFFFF00000000, SNP_PRODUCT_TURIN);
    assert_int_equal(r.snp + r.microcode + r.fmc + r.bootloader + r.tee, 0);
}

static void products(void **state)
{
    (void)state;
    static const struct {
        uint8_t family, model;
        snp_product product;
    } cases[] = {
        { 0x19, 0x01, SNP_PRODUCT_MILAN }, { 0x19, 0x0F, SNP_PRODUCT_MILAN },
        { 0x19, 0x11, SNP_PRODUCT_GENOA }, { 0x19, 0xA0, SNP_PRODUCT_GENOA },
        { 0x1A, 0x02, SNP_PRODUCT_TURIN }, { 0x1A, 0x11, SNP_PRODUCT_TURIN },
        { 0x19, 0x21, SNP_PRODUCT_UNKNOWN }, { 0x17, 0x01, SNP_PRODUCT_UNKNOWN },
        { 0x1A, 0x44, SNP_PRODUCT_UNKNOWN }, { 0x00, 0x00, SNP_PRODUCT_UNKNOWN },
    };
    for (size_t i = 0; i < COUNT(cases); i++)
        assert_int_equal(snp_product_from_cpuid(cases[i].family, cases[i].model),
                         cases[i].product);
    assert_string_equal(snp_product_name(SNP_PRODUCT_MILAN), "Milan");
    assert_string_equal(snp_product_name(SNP_PRODUCT_GENOA), "Genoa");
    assert_string_equal(snp_product_name(SNP_PRODUCT_TURIN), "Turin");
    assert_string_equal(snp_product_name(SNP_PRODUCT_UNKNOWN), "unknown");

    snp_report r;
    uint8_t b[SNP_REPORT_SIZE];
    sample(b, 2);
    assert_int_equal(snp_report_parse(&r, b, sizeof(b), NULL), CONFAI_OK);
    assert_int_equal(r.reported_tcb.bootloader, 0); /* not decoded yet */
    snp_report_set_product(&r, SNP_PRODUCT_MILAN);
    assert_int_equal(r.reported_tcb.bootloader, 2);
    assert_int_equal(r.current_tcb.bootloader, 3);
    assert_int_equal(r.committed_tcb.bootloader, 1);
    assert_int_equal(r.launch_tcb.snp, 8);
}

/* signing_key wins over FLAGS bits 2-4; other FLAGS bits pass through. */
static void encode_flags(void **state)
{
    (void)state;
    snp_report r;
    uint8_t b[SNP_REPORT_SIZE];
    sample_fields(&r, 5);
    r.flags = 0x1F; /* author key, mask chip key, signing key 7 */
    r.signing_key = SNP_KEY_VCEK;
    snp_report_encode(b, &r);
    assert_int_equal(b[0x48], 0x03);
}

/* Signatures wider than 48 bytes cannot be P-384. */
static void wide_signature(void **state)
{
    (void)state;
    uint8_t b[SNP_REPORT_SIZE];
    sample(b, 5);
    b[0x2A0 + 71] = 1;
    expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), "r byte 71");
    sample(b, 5);
    b[0x2E8 + 48] = 1;
    expect_parse(CONFAI_E_MALFORMED, b, sizeof(b), "s byte 48");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_parse_round_trip),
        cmocka_unit_test(field_offsets),
        cmocka_unit_test(real_reports_round_trip),
        cmocka_unit_test(sizes),
        cmocka_unit_test(unsupported_versions_and_algorithms),
        cmocka_unit_test(reserved_bytes),
        cmocka_unit_test(flags),
        cmocka_unit_test(impossible_values),
        cmocka_unit_test(version_dependent_fields),
        cmocka_unit_test(tcb_layouts),
        cmocka_unit_test(products),
        cmocka_unit_test(encode_flags),
        cmocka_unit_test(wide_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
