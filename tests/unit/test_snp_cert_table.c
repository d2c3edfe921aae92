/*
 * src/server/snp_cert_table.c: the extended report's certificate table:
 * the GUIDs' byte order, write/parse round trips, the extent of a padded
 * table, and one test per rejection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "core/bytes.h"
#include "core/memory.h"
#include "server/snp_cert_table.h"

static uint8_t vcek[300], vlek[310], ask[500], ark[520];

static void fill(void)
{
    for (size_t i = 0; i < sizeof(vcek); i++)
        vcek[i] = (uint8_t)(0x10 + i);
    for (size_t i = 0; i < sizeof(vlek); i++)
        vlek[i] = (uint8_t)(0x20 + i);
    for (size_t i = 0; i < sizeof(ask); i++)
        ask[i] = (uint8_t)(0x30 + i);
    for (size_t i = 0; i < sizeof(ark); i++)
        ark[i] = (uint8_t)(0x40 + i);
}

static void expect(confai_status want, const uint8_t *table, size_t len, const char *why)
{
    snp_cert_table t;
    confai_error err = { 0 };
    memset(&t, 0xA5, sizeof(t));
    confai_status got = snp_cert_table_parse(&t, table, len, &err);
    if (got != want)
        fail_msg("%s: got %s (%s), want %s", why, confai_status_name(got), err.message,
                 confai_status_name(want));
    if (got != CONFAI_OK) {
        static const snp_cert_table zero;
        assert_memory_equal(&t, &zero, sizeof(t));
        assert_true(err.message[0] != '\0');
        size_t used = 99;
        assert_int_equal(snp_cert_table_extent(&used, table, len, NULL), want);
        assert_int_equal(used, 0);
    }
}

/* A table of VCEK, ASK, ARK (fresh memory: confai_free_secret). */
static uint8_t *sample(size_t *len)
{
    snp_cert_table in = { .vcek = vcek, .vcek_len = sizeof(vcek), .ask = ask,
                          .ask_len = sizeof(ask), .ark = ark, .ark_len = sizeof(ark) };
    uint8_t *out = NULL;
    assert_int_equal(snp_cert_table_write(&out, len, &in, NULL), CONFAI_OK);
    return out;
}

static void test_guid_byte_order(void **state)
{
    (void)state;
    /* the text order, as uuid_parse gives it (not the mixed-endian EFI form) */
    static const uint8_t want_vcek[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                           0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
    static const uint8_t want_ark[16] = { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                          0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae };
    assert_memory_equal(snp_cert_guid_vcek, want_vcek, 16);
    assert_memory_equal(snp_cert_guid_ark, want_ark, 16);
    size_t len = 0;
    uint8_t *table = sample(&len);
    assert_memory_equal(table, want_vcek, 16);
    assert_memory_equal(table + 48, want_ark, 16);
    confai_free_secret(table, len);
}

static void test_round_trip(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *table = sample(&len);
    assert_int_equal(len, 4 * SNP_CERT_ENTRY_SIZE + sizeof(vcek) + sizeof(ask) + sizeof(ark));
    assert_int_equal(load_le32(table + 16), 4 * SNP_CERT_ENTRY_SIZE);
    assert_int_equal(load_le32(table + 20), sizeof(vcek));

    snp_cert_table t;
    assert_int_equal(snp_cert_table_parse(&t, table, len, NULL), CONFAI_OK);
    assert_int_equal(t.vcek_len, sizeof(vcek));
    assert_memory_equal(t.vcek, vcek, sizeof(vcek));
    assert_int_equal(t.ask_len, sizeof(ask));
    assert_memory_equal(t.ask, ask, sizeof(ask));
    assert_int_equal(t.ark_len, sizeof(ark));
    assert_memory_equal(t.ark, ark, sizeof(ark));
    assert_null(t.vlek);
    assert_int_equal(t.vlek_len, 0);
    assert_true(t.vcek >= table && t.ark + t.ark_len <= table + len);

    /* write(parse(x)) == x */
    uint8_t *again = NULL;
    size_t again_len = 0;
    assert_int_equal(snp_cert_table_write(&again, &again_len, &t, NULL), CONFAI_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, table, len);
    confai_free_secret(again, again_len);
    confai_free_secret(table, len);

    /* a VLEK chain */
    snp_cert_table in = { .vlek = vlek, .vlek_len = sizeof(vlek), .ask = ask,
                          .ask_len = sizeof(ask), .ark = ark, .ark_len = sizeof(ark) };
    assert_int_equal(snp_cert_table_write(&table, &len, &in, NULL), CONFAI_OK);
    assert_memory_equal(table, snp_cert_guid_vlek, 16);
    assert_int_equal(snp_cert_table_parse(&t, table, len, NULL), CONFAI_OK);
    assert_null(t.vcek);
    assert_memory_equal(t.vlek, vlek, sizeof(vlek));
    confai_free_secret(table, len);
}

static void test_padding_and_extent(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *table = sample(&len);
    uint8_t *padded = calloc(1, 8192); /* a page-sized kernel buffer */
    memcpy(padded, table, len);
    snp_cert_table t;
    assert_int_equal(snp_cert_table_parse(&t, padded, 8192, NULL), CONFAI_OK);
    assert_memory_equal(t.ark, ark, sizeof(ark));
    size_t used = 0;
    assert_int_equal(snp_cert_table_extent(&used, padded, 8192, NULL), CONFAI_OK);
    assert_int_equal(used, len);

    /* an empty table: only the terminator */
    uint8_t zero[4096] = { 0 };
    assert_int_equal(snp_cert_table_parse(&t, zero, sizeof(zero), NULL), CONFAI_OK);
    assert_null(t.vcek);
    assert_null(t.vlek);
    assert_null(t.ask);
    assert_null(t.ark);
    assert_int_equal(snp_cert_table_extent(&used, zero, sizeof(zero), NULL), CONFAI_OK);
    assert_int_equal(used, SNP_CERT_ENTRY_SIZE);
    free(padded);
    confai_free_secret(table, len);
}

static void test_unknown_guid_skipped(void **state)
{
    (void)state;
    uint8_t buf[3 * 24 + 40] = { 0 };
    /* entry 0: a CRL GUID (92f81bc3-...): not ours */
    static const uint8_t crl[16] = { 0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
                                     0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea };
    memcpy(buf, crl, 16);
    store_le32(buf + 16, 72);
    store_le32(buf + 20, 20);
    memcpy(buf + 24, snp_cert_guid_vcek, 16);
    store_le32(buf + 24 + 16, 92);
    store_le32(buf + 24 + 20, 20);
    memset(buf + 92, 0x77, 20);
    snp_cert_table t;
    assert_int_equal(snp_cert_table_parse(&t, buf, sizeof(buf), NULL), CONFAI_OK);
    assert_ptr_equal(t.vcek, buf + 92);
    assert_int_equal(t.vcek_len, 20);
    assert_null(t.ark);

    /* the mixed-endian form of the VCEK GUID is some other GUID: skipped */
    static const uint8_t mixed[16] = { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
                                       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
    memcpy(buf + 24, mixed, 16);
    assert_int_equal(snp_cert_table_parse(&t, buf, sizeof(buf), NULL), CONFAI_OK);
    assert_null(t.vcek);
}

static void test_rejections(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *table = sample(&len);
    uint8_t *b = malloc(len);

    expect(CONFAI_E_TRUNCATED, NULL, 0, "empty input");
    expect(CONFAI_E_TRUNCATED, table, 23, "shorter than one entry");
    expect(CONFAI_E_TRUNCATED, table, 3 * 24 + 10, "terminator cut off");
    expect(CONFAI_E_TRUNCATED, table, 3 * 24, "no terminator");

    /* every byte non-zero: no terminator anywhere */
    memset(b, 0xEE, len);
    expect(CONFAI_E_TRUNCATED, b, len, "no terminator at all");

    memcpy(b, table, len);
    expect(CONFAI_E_TRUNCATED, b, len - 1, "last certificate past the end");

    memcpy(b, table, len);
    store_le32(b + 24 + 16, 0xFFFFFFFFu); /* ASK offset */
    store_le32(b + 24 + 20, 0xFFFFFFFFu);
    expect(CONFAI_E_TRUNCATED, b, len, "offset + length overflow 32 bits");

    memcpy(b, table, len);
    store_le32(b + 20, 0);
    expect(CONFAI_E_MALFORMED, b, len, "zero length");

    memcpy(b, table, len);
    store_le32(b + 16, 24); /* VCEK over the entries */
    expect(CONFAI_E_MALFORMED, b, len, "certificate overlapping the entries");

    memcpy(b, table, len);
    memcpy(b + 48, snp_cert_guid_ask, 16); /* the ARK entry becomes a second ASK */
    expect(CONFAI_E_MALFORMED, b, len, "duplicate GUID");

    memcpy(b, table, len);
    store_le32(b + 3 * 24 + 20, 5); /* the terminator with a length */
    expect(CONFAI_E_MALFORMED, b, len, "terminator not all zero");

    free(b);
    confai_free_secret(table, len);
}

static void test_writer_arguments(void **state)
{
    (void)state;
    uint8_t *out = (uint8_t *)&out;
    size_t len = 7;
    confai_error err = { 0 };
    snp_cert_table none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(snp_cert_table_write(&out, &len, &none, &err), CONFAI_E_ARGUMENT);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_true(err.message[0] != '\0');
    snp_cert_table zero_len = { .vcek = vcek, .vcek_len = 0 };
    assert_int_equal(snp_cert_table_write(&out, &len, &zero_len, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(snp_cert_table_write(&out, &len, NULL, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(snp_cert_table_write(NULL, &len, &none, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(snp_cert_table_parse(NULL, vcek, sizeof(vcek), NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(snp_cert_table_extent(NULL, vcek, sizeof(vcek), NULL), CONFAI_E_ARGUMENT);
}

int main(void)
{
    fill();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guid_byte_order),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_padding_and_extent),
        cmocka_unit_test(test_unknown_guid_skipped),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_writer_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
