/*
 * src/attest/bundle.c and bundle_write.c: evidence bundles. A written
 * bundle parses back to the same bytes; the TDX, GPU and token shapes
 * parse; and every malformation is rejected with its status and a message
 * naming the member: duplicates (at every depth, strict or not), unknown
 * members (strict only), wrong types, missing members, bad base64, wrong
 * sizes, bad times, trailing data, NUL characters, integers not written
 * as integers, a byte order mark, unsupported versions and types, the size
 * limit.
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
#include <openssl/crypto.h>

#include "attest/bundle.h"
#include "server/bundle_write.h"
#include "attest/snp/snp.h"
#include "core/base64.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)

static uint8_t nonce[32];
static uint8_t key_config[45];
static const char manifest[] = "{\"model\":\"example\"}";
static uint8_t report[SNP_REPORT_SIZE];
static uint8_t cert0[300], cert1[400], cert2[500];
static confai_error err;

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 7);
}

static int setup(void **state)
{
    (void)state;
    fill(nonce, sizeof(nonce), 1);
    fill(key_config, sizeof(key_config), 2);
    fill(report, sizeof(report), 3);
    fill(cert0, sizeof(cert0), 4);
    fill(cert1, sizeof(cert1), 5);
    fill(cert2, sizeof(cert2), 6);
    return 0;
}

/* A valid SEV-SNP bundle as a cJSON tree, written by bundle_write_snp. */
static cJSON *valid_doc(void)
{
    const uint8_t *certs[] = { cert0, cert1, cert2 };
    const size_t lens[] = { sizeof(cert0), sizeof(cert1), sizeof(cert2) };
    bundle_snp_parts parts = {
        nonce, key_config, sizeof(key_config), (const uint8_t *)manifest, strlen(manifest),
        "2030-01-01T00:00:00Z", report, sizeof(report), certs, lens, 3,
    };
    char *json = NULL;
    size_t len = 0;
    OK(bundle_write_snp(&json, &len, &parts, NULL));
    cJSON *doc = cJSON_ParseWithLength(json, len);
    assert_non_null(doc);
    confai_free(json);
    return doc;
}

static cJSON *b64(const void *data, size_t len)
{
    char *s = NULL;
    OK(base64_encode(&s, data, len, NULL));
    cJSON *item = cJSON_CreateString(s);
    OPENSSL_free(s);
    return item;
}

/* Parses text; on success checks nothing leaks, on failure that b is empty. */
static confai_status parse_text(const char *text, size_t len, int strict)
{
    bundle b;
    memset(&b, 0xAA, sizeof(b));
    confai_status st = bundle_parse(&b, text, len, strict, &err);
    if (st != CONFAI_OK) {
        bundle empty;
        memset(&empty, 0, sizeof(empty));
        assert_memory_equal(&b, &empty, sizeof(b));
    }
    bundle_clear(&b);
    return st;
}

/* Prints and parses doc (consumed). */
static confai_status parse_doc(cJSON *doc, int strict)
{
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    confai_status st = parse_text(text, strlen(text), strict);
    cJSON_free(text);
    return st;
}

/* Expects the status and a message mentioning `member`. */
static void expect(cJSON *doc, int strict, confai_status want, const char *member)
{
    assert_int_equal(parse_doc(doc, strict), want);
    if (member != NULL && strstr(err.message, member) == NULL)
        fail_msg("message \"%s\" does not name %s", err.message, member);
}

static cJSON *cpu_of(cJSON *doc)
{
    return cJSON_GetObjectItemCaseSensitive(doc, "cpu");
}

/* --- accept -------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    bundle b;
    OK(bundle_parse(&b, text, strlen(text), 1, NULL));
    cJSON_free(text);

    assert_int_equal(b.version, 1);
    assert_memory_equal(b.nonce, nonce, 32);
    assert_int_equal(b.key_config.len, sizeof(key_config));
    assert_memory_equal(b.key_config.data, key_config, sizeof(key_config));
    assert_int_equal(b.manifest.len, strlen(manifest));
    assert_memory_equal(b.manifest.data, manifest, strlen(manifest));
    assert_string_equal(b.not_after, "2030-01-01T00:00:00Z");
    assert_int_equal(b.not_after_time, 1893456000);
    assert_int_equal(b.cpu.type, BUNDLE_CPU_SEV_SNP);
    assert_int_equal(b.cpu.report.len, SNP_REPORT_SIZE);
    assert_memory_equal(b.cpu.report.data, report, SNP_REPORT_SIZE);
    assert_int_equal(b.cpu.cert_count, 3);
    assert_memory_equal(b.cpu.certs[2].data, cert2, sizeof(cert2));
    assert_int_equal(b.gpu_count, 0);
    assert_int_equal(b.token_count, 0);
    bundle_clear(&b);
}

static void test_whitespace_and_order(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    char *text = cJSON_Print(doc); /* formatted: newlines and tabs */
    cJSON_Delete(doc);
    size_t n = strlen(text);
    char *padded = malloc(n + 4);
    memcpy(padded, text, n);
    memcpy(padded + n, " \r\n\t", 4);
    assert_int_equal(parse_text(padded, n + 4, 1), CONFAI_OK);
    free(padded);
    cJSON_free(text);

    /* Member order does not matter. */
    doc = valid_doc();
    cJSON *v = cJSON_DetachItemFromObject(doc, "version");
    cJSON_AddItemToObject(doc, "version", v);
    assert_int_equal(parse_doc(doc, 1), CONFAI_OK);
}

static void test_empty_manifest(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "manifest", cJSON_CreateString(""));
    assert_int_equal(parse_doc(doc, 1), CONFAI_OK);
}

static void test_tdx_shape(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    cJSON *cpu = cJSON_CreateObject();
    cJSON_AddStringToObject(cpu, "type", "tdx");
    cJSON_AddItemToObject(cpu, "quote", b64(report, 600));
    cJSON *col = cJSON_AddObjectToObject(cpu, "collateral");
    cJSON_AddItemToObject(col, "tcb_info", b64("{\"x\":1}", 7));
    cJSON_AddItemToObject(col, "root_ca_crl", b64(cert0, 10));
    cJSON_ReplaceItemInObject(doc, "cpu", cpu);
    char *text = cJSON_PrintUnformatted(doc);
    bundle b;
    OK(bundle_parse(&b, text, strlen(text), 1, NULL));
    assert_int_equal(b.cpu.type, BUNDLE_CPU_TDX);
    assert_int_equal(b.cpu.quote.len, 600);
    assert_int_equal(b.cpu.collateral[BUNDLE_TDX_TCB_INFO].len, 7);
    assert_int_equal(b.cpu.collateral[BUNDLE_TDX_ROOT_CA_CRL].len, 10);
    assert_null(b.cpu.collateral[BUNDLE_TDX_QE_IDENTITY].data);
    assert_string_equal(bundle_tdx_collateral_name(BUNDLE_TDX_PCK_CRL), "pck_crl");
    bundle_clear(&b);
    cJSON_free(text);

    /* An SNP member in a TDX section is unknown; a collateral name too. */
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(doc, "cpu"), "report", b64(report, 4));
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_MALFORMED, "cpu.report");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(doc, "cpu"), "report");
    cJSON_AddItemToObject(col, "pck_cert", b64(cert0, 4));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.collateral.pck_cert");
}

static cJSON *gpu_entry(void)
{
    cJSON *gpu = cJSON_CreateObject();
    cJSON_AddStringToObject(gpu, "type", "nvidia-spdm");
    cJSON_AddItemToObject(gpu, "evidence", b64(cert1, 200));
    cJSON *certs = cJSON_AddArrayToObject(gpu, "certs");
    cJSON_AddItemToArray(certs, b64(cert0, 100));
    cJSON_AddItemToArray(certs, b64(cert2, 120));
    return gpu;
}

static void test_gpus_and_tokens_shape(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    cJSON *gpus = cJSON_AddArrayToObject(doc, "gpus");
    cJSON_AddItemToArray(gpus, gpu_entry());
    cJSON_AddItemToArray(gpus, gpu_entry());
    cJSON *tokens = cJSON_AddArrayToObject(doc, "tokens");
    cJSON *tok = cJSON_CreateObject();
    cJSON_AddStringToObject(tok, "type", "jwt");
    cJSON_AddStringToObject(tok, "token", "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
    cJSON_AddItemToArray(tokens, tok);
    char *text = cJSON_PrintUnformatted(doc);
    bundle b;
    OK(bundle_parse(&b, text, strlen(text), 1, NULL));
    assert_int_equal(b.gpu_count, 2);
    assert_int_equal(b.gpus[1].evidence.len, 200);
    assert_int_equal(b.gpus[1].cert_count, 2);
    assert_int_equal(b.token_count, 1);
    assert_string_equal(b.tokens[0].token, "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
    bundle_clear(&b);
    cJSON_free(text);

    /* Empty lists are fine. */
    cJSON_ReplaceItemInObject(doc, "gpus", cJSON_CreateArray());
    cJSON_ReplaceItemInObject(doc, "tokens", cJSON_CreateArray());
    assert_int_equal(parse_doc(cJSON_Duplicate(doc, 1), 1), CONFAI_OK);

    /* A token that is not a compact JWS, or of another type. */
    tokens = cJSON_GetObjectItemCaseSensitive(doc, "tokens");
    tok = cJSON_CreateObject();
    cJSON_AddStringToObject(tok, "type", "jwt");
    cJSON_AddStringToObject(tok, "token", "a.b");
    cJSON_AddItemToArray(tokens, tok);
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_MALFORMED, "tokens[0].token");
    cJSON_ReplaceItemInObject(tok, "token", cJSON_CreateString("a.b.c d"));
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_MALFORMED, "tokens[0].token");
    cJSON_ReplaceItemInObject(tok, "type", cJSON_CreateString("cwt"));
    expect(doc, 1, CONFAI_E_UNSUPPORTED, "tokens[0].type");
}

static void test_gpu_rejects(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    cJSON *gpus = cJSON_AddArrayToObject(doc, "gpus");
    cJSON *gpu = gpu_entry();
    cJSON_AddItemToArray(gpus, gpu);

    cJSON_ReplaceItemInObject(gpu, "type", cJSON_CreateString("amd-mi300"));
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_UNSUPPORTED, "gpus[0].type");
    cJSON_ReplaceItemInObject(gpu, "type", cJSON_CreateString("nvidia-spdm"));
    cJSON_ReplaceItemInObject(gpu, "certs", cJSON_CreateArray());
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_MALFORMED, "gpus[0].certs");
    cJSON_DeleteItemFromObject(gpu, "evidence");
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_MALFORMED, "gpus[0].evidence");
    cJSON_ReplaceItemInObject(doc, "gpus", cJSON_CreateObject());
    expect(doc, 1, CONFAI_E_MALFORMED, "gpus");
}

/* --- duplicates and unknown members --------------------------------------- */

static void test_duplicate_members(void **state)
{
    (void)state;
    /* cJSON keeps both; the parser must not pick one. */
    for (int strict = 0; strict <= 1; strict++) {
        cJSON *doc = valid_doc();
        cJSON_AddItemToObject(doc, "nonce", b64(nonce, 32));
        expect(doc, strict, CONFAI_E_MALFORMED, "nonce: duplicate member");

        doc = valid_doc();
        cJSON_AddItemToObject(cpu_of(doc), "report", b64(report, sizeof(report)));
        expect(doc, strict, CONFAI_E_MALFORMED, "cpu.report: duplicate member");

        doc = valid_doc();
        cJSON_AddStringToObject(cpu_of(doc), "type", "sev-snp");
        expect(doc, strict, CONFAI_E_MALFORMED, "cpu.type: duplicate member");

        doc = valid_doc();
        cJSON_AddStringToObject(doc, "extra", "1");
        cJSON_AddStringToObject(doc, "extra", "2");
        expect(doc, strict, CONFAI_E_MALFORMED, "extra: duplicate member");
    }
    /* Written by hand, as a middlebox would. */
    const char text[] = "{\"version\":1,\"version\":2}";
    assert_int_equal(parse_text(text, sizeof(text) - 1, 1), CONFAI_E_MALFORMED);
}

static void test_unknown_members(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    cJSON_AddStringToObject(doc, "comment", "hello");
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_MALFORMED, "comment: unknown member");
    assert_int_equal(parse_doc(doc, 0), CONFAI_OK);

    doc = valid_doc();
    cJSON_AddNumberToObject(cpu_of(doc), "vmpl", 0);
    expect(cJSON_Duplicate(doc, 1), 1, CONFAI_E_MALFORMED, "cpu.vmpl: unknown member");
    assert_int_equal(parse_doc(doc, 0), CONFAI_OK);

    /* Case matters. */
    doc = valid_doc();
    cJSON_AddStringToObject(doc, "Nonce", "x");
    expect(doc, 1, CONFAI_E_MALFORMED, "Nonce: unknown member");
}

/* --- types, missing members ----------------------------------------------- */

static void test_wrong_types(void **state)
{
    (void)state;
    const struct {
        const char *member;
        cJSON *(*make)(void);
    } cases[] = {
        { "version", cJSON_CreateTrue }, { "nonce", cJSON_CreateNull },
        { "key_config", cJSON_CreateArray }, { "manifest", cJSON_CreateObject },
        { "not_after", cJSON_CreateFalse }, { "cpu", cJSON_CreateArray },
        { "gpus", cJSON_CreateObject }, { "tokens", cJSON_CreateTrue },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *doc = valid_doc();
        cJSON_DeleteItemFromObject(doc, cases[i].member);
        cJSON_AddItemToObject(doc, cases[i].member, cases[i].make());
        expect(doc, 1, CONFAI_E_MALFORMED, cases[i].member);
    }
    cJSON *doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "version", cJSON_CreateString("1"));
    expect(doc, 1, CONFAI_E_MALFORMED, "version");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "version", cJSON_CreateNumber(1.5));
    expect(doc, 1, CONFAI_E_MALFORMED, "version");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "certs", b64(cert0, 10));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.certs");
    doc = valid_doc();
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(cpu_of(doc), "certs"), 1,
                             cJSON_CreateNumber(1));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.certs[1]: expected a string");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "type", cJSON_CreateNumber(1));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.type");
}

static void test_missing_members(void **state)
{
    (void)state;
    const char *top[] = { "version", "nonce", "key_config", "manifest", "not_after", "cpu" };
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
        cJSON *doc = valid_doc();
        cJSON_DeleteItemFromObject(doc, top[i]);
        expect(doc, 0, CONFAI_E_MALFORMED, top[i]);
    }
    const char *cpu[] = { "type", "report", "certs" };
    for (size_t i = 0; i < sizeof(cpu) / sizeof(cpu[0]); i++) {
        cJSON *doc = valid_doc();
        cJSON_DeleteItemFromObject(cpu_of(doc), cpu[i]);
        expect(doc, 0, CONFAI_E_MALFORMED, cpu[i]);
    }
}

/* --- base64 and sizes ----------------------------------------------------- */

static void test_bad_base64(void **state)
{
    (void)state;
    const char *members[] = { "nonce", "key_config", "manifest" };
    const char *bad[] = { "AAA", "AA=A", "AA AA", "AA-_", "AAAA\n", "Zh==" };
    for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
        for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
            cJSON *doc = valid_doc();
            cJSON_ReplaceItemInObject(doc, members[i], cJSON_CreateString(bad[j]));
            expect(doc, 1, CONFAI_E_MALFORMED, members[i]);
        }
    }
    cJSON *doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "report", cJSON_CreateString("@@@@"));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.report");
    doc = valid_doc();
    cJSON *certs = cJSON_GetObjectItemCaseSensitive(cpu_of(doc), "certs");
    cJSON_ReplaceItemInArray(certs, 1, cJSON_CreateString("AAAA="));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.certs[1]");
}

static void test_wrong_sizes(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "nonce", b64(nonce, 31));
    expect(doc, 1, CONFAI_E_MALFORMED, "nonce: 31 bytes, expected 32");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "nonce", b64(nonce, 33));
    expect(doc, 1, CONFAI_E_MALFORMED, "nonce");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "key_config", cJSON_CreateString(""));
    expect(doc, 1, CONFAI_E_MALFORMED, "key_config");
    doc = valid_doc();
    uint8_t *big = calloc(1, 65536);
    cJSON_ReplaceItemInObject(doc, "key_config", b64(big, 65536));
    free(big);
    expect(doc, 1, CONFAI_E_MALFORMED, "key_config");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "report", b64(report, SNP_REPORT_SIZE - 1));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.report: 1183 bytes, expected 1184");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "report", b64(report, 4));
    cJSON_AddItemToObject(cpu_of(doc), "extra", cJSON_CreateNull());
    expect(doc, 0, CONFAI_E_MALFORMED, "cpu.report");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "certs", cJSON_CreateArray());
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.certs");
    doc = valid_doc();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(cpu_of(doc), "certs"), b64(cert0, 8));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.certs");
    doc = valid_doc();
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(cpu_of(doc), "certs"), 0,
                             cJSON_CreateString(""));
    expect(doc, 1, CONFAI_E_MALFORMED, "cpu.certs[0]");
}

/* --- times, versions, types ------------------------------------------------ */

static void test_not_after(void **state)
{
    (void)state;
    const char *bad[] = { "2030-01-01T00:00:00", "2030-01-01T00:00:00.0Z",
                          "2030-01-01T00:00:00+00:00", "2030-02-30T00:00:00Z", "tomorrow", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *doc = valid_doc();
        cJSON_ReplaceItemInObject(doc, "not_after", cJSON_CreateString(bad[i]));
        expect(doc, 1, CONFAI_E_MALFORMED, "not_after");
    }
}

static void test_versions_and_types(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "version", cJSON_CreateNumber(2));
    expect(doc, 1, CONFAI_E_UNSUPPORTED, "version 2");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(doc, "version", cJSON_CreateNumber(0));
    expect(doc, 1, CONFAI_E_UNSUPPORTED, "version 0");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "type", cJSON_CreateString("sev"));
    expect(doc, 1, CONFAI_E_UNSUPPORTED, "cpu.type");
    doc = valid_doc();
    cJSON_ReplaceItemInObject(cpu_of(doc), "type", cJSON_CreateString("SEV-SNP"));
    expect(doc, 1, CONFAI_E_UNSUPPORTED, "cpu.type");
}

/* --- raw text -------------------------------------------------------------- */

static void test_trailing_data(void **state)
{
    (void)state;
    cJSON *doc = valid_doc();
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    size_t n = strlen(text);
    const char *tails[] = { "x", "{}", "\"", ",", "\n}" };
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        char *buf = malloc(n + 8);
        memcpy(buf, text, n);
        memcpy(buf + n, tails[i], strlen(tails[i]));
        assert_int_equal(parse_text(buf, n + strlen(tails[i]), 1), CONFAI_E_TRAILING_DATA);
        free(buf);
    }
    /* A NUL after the document is not JSON whitespace either. */
    char *buf = malloc(n + 1);
    memcpy(buf, text, n);
    buf[n] = '\0';
    assert_int_equal(parse_text(buf, n + 1, 1), CONFAI_E_MALFORMED);
    /* Cut short: not JSON. */
    assert_int_equal(parse_text(text, n - 1, 1), CONFAI_E_MALFORMED);
    free(buf);
    cJSON_free(text);
}

static void test_nul_escape(void **state)
{
    (void)state;
    /* "sev-snp\u0000x" would read as "sev-snp" through cJSON. */
    cJSON *doc = valid_doc();
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    const char *at = strstr(text, "\"sev-snp\"");
    assert_non_null(at);
    size_t n = strlen(text), pos = (size_t)(at - text) + 8;
    char *buf = malloc(n + 16);
    memcpy(buf, text, pos);
    memcpy(buf + pos, "\\u0000x", 7);
    memcpy(buf + pos + 7, text + pos, n - pos);
    assert_int_equal(parse_text(buf, n + 7, 1), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "NUL"));
    free(buf);
    cJSON_free(text);
}

/* The valid bundle's text with "version":1 written as `version` (and `prefix` before it). */
static confai_status parse_with_version(const char *prefix, const char *version)
{
    cJSON *doc = valid_doc();
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    const char *at = strstr(text, "\"version\":1");
    assert_non_null(at);
    size_t n = strlen(text), head = (size_t)(at - text) + 10;
    char *buf = malloc(n + 64);
    int len = snprintf(buf, n + 64, "%s%.*s%s%s", prefix, (int)head, text, version,
                       text + head + 1);
    confai_status st = parse_text(buf, (size_t)len, 1);
    free(buf);
    cJSON_free(text);
    return st;
}

/* version is an integer written as one; a byte order mark is not part of a bundle. */
static void test_integer_forms(void **state)
{
    (void)state;
    assert_int_equal(parse_with_version("", "1"), CONFAI_OK);
    const char *forms[] = { "1.0", "1e0", "1E0", "10e-1", "1.0000000000000000000001", "01",
                            "-0", "-1", "1.", "+1" };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        if (parse_with_version("", forms[i]) != CONFAI_E_MALFORMED)
            fail_msg("version %s: %s", forms[i], err.message);
        assert_non_null(strstr(err.message, "bundle: "));
    }
    assert_int_equal(parse_with_version("", "1.0"), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "bundle: version: expected an integer"));
    assert_non_null(strstr(err.message, "fraction or an exponent"));
    assert_int_equal(parse_with_version("", "-0"), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "without a sign"));
    assert_int_equal(parse_with_version("", "01"), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "the number 01"));
    assert_int_equal(parse_with_version("\xEF\xBB\xBF", "1"), CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "byte order mark"));
}

static void test_not_an_object(void **state)
{
    (void)state;
    const char *texts[] = { "", "null", "[]", "\"bundle\"", "{", "{\"version\":1,}" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_int_equal(parse_text(texts[i], strlen(texts[i]), 1), CONFAI_E_MALFORMED);
}

static void test_size_limit(void **state)
{
    (void)state;
    size_t n = CONFAI_ATTESTATION_MAX_BUNDLE_SIZE + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    assert_int_equal(parse_text(big, n, 1), CONFAI_E_LIMIT);
    free(big);
}

static void test_writer_arguments(void **state)
{
    (void)state;
    char *json = (char *)1;
    size_t len = 1;
    bundle_snp_parts parts;
    memset(&parts, 0, sizeof(parts));
    assert_int_equal(bundle_write_snp(&json, &len, &parts, &err), CONFAI_E_ARGUMENT);
    assert_null(json);
    assert_int_equal(bundle_write_snp(NULL, &len, &parts, &err), CONFAI_E_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_whitespace_and_order),
        cmocka_unit_test(test_empty_manifest),
        cmocka_unit_test(test_tdx_shape),
        cmocka_unit_test(test_gpus_and_tokens_shape),
        cmocka_unit_test(test_gpu_rejects),
        cmocka_unit_test(test_duplicate_members),
        cmocka_unit_test(test_unknown_members),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_missing_members),
        cmocka_unit_test(test_bad_base64),
        cmocka_unit_test(test_wrong_sizes),
        cmocka_unit_test(test_not_after),
        cmocka_unit_test(test_versions_and_types),
        cmocka_unit_test(test_trailing_data),
        cmocka_unit_test(test_nul_escape),
        cmocka_unit_test(test_integer_forms),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_writer_arguments),
    };
    return cmocka_run_group_tests_name("attest_bundle", tests, setup, NULL);
}
