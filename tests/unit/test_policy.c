/*
 * src/attest/policy*.c: policy documents (doc/policy.md). Every field is
 * accepted in its pinned and wildcard forms and rejected when missing, of
 * the wrong type or value, unknown or duplicated; the placeholder tdx and
 * gpus sections parse; custom roots and CRLs are checked. Then each policy
 * check runs on verified report fields built by hand: it passes, it fails
 * with its own status, and it is recorded as passed or waived.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "attest/policy/policy.h"
#include "attest/verdict.h"

#include "attest_fixture.h"

static fx F;
static confai_error err;

static int group_setup(void **state)
{
    (void)state;
    fx_setup(&F, SNP_PRODUCT_GENOA);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_teardown(&F);
    return 0;
}

static cJSON *doc_new(void)
{
    return fx_policy_doc(&F);
}

/* Expects doc (consumed) to be rejected, with `words` in the message. */
static void rejects(cJSON *doc, const char *words)
{
    confai_policy *p = (confai_policy *)1;
    assert_int_equal(fx_policy_new(doc, &p, &err), CONFAI_E_POLICY_INVALID);
    assert_null(p);
    assert_int_equal(err.status, CONFAI_E_POLICY_INVALID);
    if (words != NULL && strstr(err.message, words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, words);
}

static confai_policy *accepts(cJSON *doc)
{
    confai_policy *p = NULL;
    if (fx_policy_new(doc, &p, &err) != CONFAI_OK)
        fail_msg("rejected: %s", err.message);
    assert_non_null(p);
    return p;
}

static void set(cJSON *obj, const char *name, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        cJSON_ReplaceItemInObject(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

/* A document where every constraint that can be a wildcard is one. */
static cJSON *wildcard_doc(void)
{
    cJSON *doc = doc_new();
    cJSON *snp = fx_snp(doc);
    const char *names[] = { "products", "measurements", "min_tcb", "vmpls", "host_data",
                            "id_key_digests", "author_key_digests", "chip_ids", "min_firmware" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        set(snp, names[i], cJSON_CreateString("*"));
    set(snp, "min_current_tcb", cJSON_CreateString("*"));
    set(snp, "min_report_version", cJSON_CreateNumber(2));
    cJSON *gp = cJSON_GetObjectItemCaseSensitive(snp, "guest_policy");
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++)
        set(gp, policy_snp_guest_bits[i].name, cJSON_CreateString("*"));
    set(gp, "min_abi", cJSON_CreateString("*"));
    set(cJSON_GetObjectItemCaseSensitive(doc, "manifest"), "sha256", cJSON_CreateString("*"));
    return doc;
}

/* The sev_snp section's guest_policy object. */
static cJSON *guest_policy(cJSON *doc)
{
    return cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy");
}

/* --- accept --------------------------------------------------------------- */

static void test_pinned_policy(void **state)
{
    (void)state;
    confai_policy *p = accepts(doc_new());
    assert_int_equal(p->version, 1);
    assert_int_equal(p->platforms, POLICY_PLATFORM_SEV_SNP);
    assert_int_equal(confai_policy_max_age(p), 600);
    assert_int_equal(p->manifest.count, 1);
    assert_true(p->has_snp);
    assert_false(p->has_tdx);
    assert_false(p->has_gpus);
    const policy_snp *s = &p->snp;
    assert_false(s->products_any);
    assert_int_equal(s->products, 1u << SNP_PRODUCT_GENOA);
    assert_int_equal(s->measurements.count, 1);
    assert_memory_equal(s->measurements.items, F.fields.measurement, 48);
    assert_false(s->min_tcb_any);
    assert_true(s->min_tcb[SNP_PRODUCT_GENOA].present);
    assert_int_equal(s->min_tcb[SNP_PRODUCT_GENOA].reported.snp, F.fields.reported_tcb.snp);
    assert_int_equal(s->min_tcb[SNP_PRODUCT_GENOA].launch.microcode,
                     F.fields.launch_tcb.microcode);
    assert_false(s->allow_debug);
    assert_false(s->allow_migration_agent);
    assert_int_equal(s->vmpls, 1u);
    assert_int_equal(s->min_guest_svn, 3);
    assert_int_equal(s->min_firmware_current.minor, 55);
    assert_int_equal(s->min_report_version, 5);
    /* the simulated guest allows SMT (bit 16) and nothing else */
    assert_int_equal(s->guest_bits[0], POLICY_BIT_REQUIRED);
    assert_string_equal(policy_snp_guest_bits[0].name, "smt");
    for (size_t i = 1; i < POLICY_SNP_GUEST_BITS; i++)
        assert_int_equal(s->guest_bits[i], POLICY_BIT_FORBIDDEN);
    assert_false(s->min_abi_any);
    assert_int_equal(s->min_abi_major, 0);
    assert_false(s->min_current_tcb_any);
    assert_int_equal(s->min_current_tcb_products, 1u << SNP_PRODUCT_GENOA);
    assert_int_equal(s->min_current_tcb[SNP_PRODUCT_GENOA].snp, F.fields.current_tcb.snp);
    assert_int_equal(s->custom_roots.count, 1);
    assert_non_null(p->snp_trust);
    confai_policy_free(p);
    confai_policy_free(NULL);
    assert_int_equal(confai_policy_max_age(NULL), 0);
    assert_int_equal(confai_policy_max_size(), CONFAI_POLICY_MAX_SIZE);
}

static void test_wildcard_policy(void **state)
{
    (void)state;
    confai_policy *p = accepts(wildcard_doc());
    assert_true(p->snp.products_any);
    assert_true(p->snp.measurements.any);
    assert_true(p->snp.min_tcb_any);
    assert_true(p->snp.vmpls_any);
    assert_true(p->snp.chip_ids.any);
    assert_true(p->snp.min_firmware_any);
    assert_true(p->snp.min_current_tcb_any);
    assert_true(p->snp.min_abi_any);
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++)
        assert_int_equal(p->snp.guest_bits[i], POLICY_BIT_ANY);
    assert_true(p->manifest.any);
    confai_policy_free(p);
}

static void test_optional_members(void **state)
{
    (void)state;
    /* Without custom roots: AMD's roots only. */
    cJSON *doc = doc_new();
    cJSON_DeleteItemFromObject(fx_snp(doc), "custom_roots");
    confai_policy *p = accepts(doc);
    assert_int_equal(p->snp.custom_roots.count, 0);
    confai_policy_free(p);
    /* Empty lists of roots and CRLs. */
    doc = doc_new();
    set(fx_snp(doc), "custom_roots", cJSON_CreateArray());
    set(fx_snp(doc), "crls", cJSON_CreateArray());
    confai_policy_free(accepts(doc));
}

/* --- missing, unknown, duplicate, type ------------------------------------- */

static void test_missing_fields(void **state)
{
    (void)state;
    const char *top[] = { "version", "platforms", "max_age", "manifest" };
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
        cJSON *doc = doc_new();
        cJSON_DeleteItemFromObject(doc, top[i]);
        char want[64];
        snprintf(want, sizeof(want), "policy: %s: missing", top[i]);
        rejects(doc, want);
    }
    const char *snp[] = { "products", "measurements", "min_tcb", "allow_debug",
                          "allow_migration_agent", "vmpls", "host_data",
                          "min_guest_svn", "id_key_digests", "author_key_digests", "chip_ids",
                          "min_firmware", "min_report_version", "guest_policy",
                          "min_current_tcb" };
    for (size_t i = 0; i < sizeof(snp) / sizeof(snp[0]); i++) {
        cJSON *doc = doc_new();
        cJSON_DeleteItemFromObject(fx_snp(doc), snp[i]);
        char want[64];
        snprintf(want, sizeof(want), "sev_snp.%s: missing", snp[i]);
        rejects(doc, want);
    }
    cJSON *doc = doc_new();
    cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(doc, "manifest"), "sha256");
    rejects(doc, "manifest.sha256: missing");
    doc = doc_new();
    cJSON_DeleteItemFromObject(doc, "sev_snp");
    rejects(doc, "sev_snp: missing");
    doc = doc_new();
    cJSON *entry = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "genoa");
    cJSON_DeleteItemFromObject(entry, "launch");
    rejects(doc, "sev_snp.min_tcb.genoa.launch: missing");
    doc = doc_new();
    entry = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "genoa");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(entry, "reported"), "microcode");
    rejects(doc, "sev_snp.min_tcb.genoa.reported.microcode: missing");
    doc = doc_new();
    cJSON_DeleteItemFromObject(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fx_snp(doc),
                                                                          "min_firmware"),
                                         "current"),
        "build");
    rejects(doc, "sev_snp.min_firmware.current.build: missing");
    /* every bit of guest_policy, and min_abi, is required */
    for (size_t i = 0; i < POLICY_SNP_GUEST_BITS; i++) {
        char want[96];
        doc = doc_new();
        cJSON_DeleteItemFromObject(guest_policy(doc), policy_snp_guest_bits[i].name);
        snprintf(want, sizeof(want), "sev_snp.guest_policy.%s: missing",
                 policy_snp_guest_bits[i].name);
        rejects(doc, want);
    }
    doc = doc_new();
    cJSON_DeleteItemFromObject(guest_policy(doc), "min_abi");
    rejects(doc, "sev_snp.guest_policy.min_abi: missing");
    doc = doc_new();
    cJSON_DeleteItemFromObject(
        cJSON_GetObjectItemCaseSensitive(guest_policy(doc), "min_abi"), "minor");
    rejects(doc, "sev_snp.guest_policy.min_abi.minor: missing");
    doc = doc_new();
    cJSON_DeleteItemFromObject(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_current_tcb"), "genoa"),
        "tee");
    rejects(doc, "sev_snp.min_current_tcb.genoa.tee: missing");
}

/* guest_policy, min_report_version and min_current_tcb: their values. */
static void test_snp_guest_members(void **state)
{
    (void)state;
    const char *rules[] = { "yes", "", "REQUIRED", "allowed", "any" };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        cJSON *doc = doc_new();
        set(guest_policy(doc), "rapl_dis", cJSON_CreateString(rules[i]));
        rejects(doc, "sev_snp.guest_policy.rapl_dis: expected \"required\", \"forbidden\" or \"*\"");
    }
    cJSON *doc = doc_new();
    set(guest_policy(doc), "single_socket", cJSON_CreateTrue());
    rejects(doc, "sev_snp.guest_policy.single_socket");
    doc = doc_new();
    cJSON_AddStringToObject(guest_policy(doc), "debug", "forbidden");
    rejects(doc, "sev_snp.guest_policy.debug: unknown member");
    doc = doc_new();
    set(fx_snp(doc), "guest_policy", cJSON_CreateString("*"));
    rejects(doc, "sev_snp.guest_policy");
    doc = doc_new();
    set(guest_policy(doc), "min_abi", cJSON_CreateString("1.55"));
    rejects(doc, "sev_snp.guest_policy.min_abi: expected \"*\" or an object");
    doc = doc_new();
    set(cJSON_GetObjectItemCaseSensitive(guest_policy(doc), "min_abi"), "major",
        cJSON_CreateNumber(256));
    rejects(doc, "sev_snp.guest_policy.min_abi.major: expected an integer from 0 to 255");
    doc = doc_new();
    set(guest_policy(doc), "page_swap_disable", cJSON_CreateString("required"));
    set(guest_policy(doc), "smt", cJSON_CreateString("*"));
    confai_policy *p = accepts(doc);
    assert_int_equal(p->snp.guest_bits[POLICY_SNP_GUEST_BITS - 1], POLICY_BIT_REQUIRED);
    assert_int_equal(p->snp.guest_bits[0], POLICY_BIT_ANY);
    confai_policy_free(p);

    /* the report versions the parser knows: 2 to 5 */
    const double versions[] = { 0, 1, 6, 2.5, -2 };
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        doc = doc_new();
        set(fx_snp(doc), "min_report_version", cJSON_CreateNumber(versions[i]));
        rejects(doc, "sev_snp.min_report_version: expected an integer from 2 to 5");
    }
    doc = doc_new();
    set(fx_snp(doc), "min_report_version", cJSON_CreateString("*"));
    rejects(doc, "sev_snp.min_report_version");
    doc = doc_new();
    set(fx_snp(doc), "min_report_version", cJSON_CreateNumber(2));
    confai_policy_free(accepts(doc));

    /* min_current_tcb: as min_tcb, one entry per accepted product */
    doc = doc_new();
    set(fx_snp(doc), "min_current_tcb", cJSON_CreateString("none"));
    rejects(doc, "sev_snp.min_current_tcb: expected \"*\" or an object");
    doc = doc_new();
    set(fx_snp(doc), "min_current_tcb", cJSON_CreateObject());
    rejects(doc, "sev_snp.min_current_tcb.genoa: missing");
    doc = doc_new();
    snp_tcb t = { 0 };
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_current_tcb"),
                          "milan", fx_tcb(&t, 0));
    rejects(doc, "sev_snp.min_current_tcb.milan: given for a product");
    doc = doc_new();
    set(fx_snp(doc), "products", cJSON_CreateString("*"));
    set(fx_snp(doc), "min_tcb", cJSON_CreateString("*"));
    rejects(doc, "sev_snp.min_current_tcb.milan: missing");
    doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "products"),
                         cJSON_CreateString("turin"));
    set(fx_snp(doc), "min_tcb", cJSON_CreateString("*"));
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_current_tcb"),
                          "turin", fx_tcb(&t, 0));
    rejects(doc, "sev_snp.min_current_tcb.turin.fmc: missing");
    doc = doc_new();
    set(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_current_tcb"), "genoa",
        fx_tcb(&t, 1));
    rejects(doc, "sev_snp.min_current_tcb.genoa.fmc: unknown member");
}

static void test_unknown_fields(void **state)
{
    (void)state;
    cJSON *doc = doc_new();
    cJSON_AddTrueToObject(doc, "allow_anything");
    rejects(doc, "allow_anything: unknown member");
    doc = doc_new();
    cJSON_AddTrueToObject(fx_snp(doc), "allow_smt_too");
    rejects(doc, "sev_snp.allow_smt_too: unknown member");
    doc = doc_new();
    cJSON_AddTrueToObject(cJSON_GetObjectItemCaseSensitive(doc, "manifest"), "sha384");
    rejects(doc, "manifest.sha384: unknown member");
    doc = doc_new();
    cJSON *entry = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "genoa");
    cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(entry, "committed"), "ucode", 1);
    rejects(doc, "sev_snp.min_tcb.genoa.committed.ucode: unknown member");
    doc = doc_new();
    cJSON_AddNumberToObject(entry = cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "genoa"),
                            "current", 1);
    rejects(doc, "sev_snp.min_tcb.genoa.current: unknown member");
}

static void test_duplicate_fields(void **state)
{
    (void)state;
    cJSON *doc = doc_new();
    cJSON_AddNumberToObject(doc, "max_age", 60);
    rejects(doc, "max_age: duplicate member");
    doc = doc_new();
    cJSON_AddTrueToObject(fx_snp(doc), "allow_debug");
    rejects(doc, "sev_snp.allow_debug: duplicate member");
}

static void test_wrong_types(void **state)
{
    (void)state;
    const struct {
        const char *name;
        cJSON *(*make)(void);
    } cases[] = {
        { "products", cJSON_CreateTrue },        { "measurements", cJSON_CreateObject },
        { "min_tcb", cJSON_CreateArray },        { "allow_debug", cJSON_CreateNull },
        { "allow_migration_agent", cJSON_CreateArray },
        { "vmpls", cJSON_CreateObject },         { "host_data", cJSON_CreateTrue },
        { "min_guest_svn", cJSON_CreateArray },  { "id_key_digests", cJSON_CreateNull },
        { "author_key_digests", cJSON_CreateObject }, { "chip_ids", cJSON_CreateFalse },
        { "min_firmware", cJSON_CreateArray },   { "custom_roots", cJSON_CreateObject },
        { "crls", cJSON_CreateTrue },            { "min_report_version", cJSON_CreateNull },
        { "guest_policy", cJSON_CreateArray },   { "min_current_tcb", cJSON_CreateArray },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *doc = doc_new();
        set(fx_snp(doc), cases[i].name, cases[i].make());
        rejects(doc, cases[i].name);
    }
    /* A boolean spelled as a string is not a boolean. */
    cJSON *doc = doc_new();
    set(fx_snp(doc), "allow_debug", cJSON_CreateString("false"));
    rejects(doc, "sev_snp.allow_debug: expected true or false");
    doc = doc_new();
    set(doc, "max_age", cJSON_CreateString("600"));
    rejects(doc, "max_age");
    doc = doc_new();
    set(doc, "manifest", cJSON_CreateString("*"));
    rejects(doc, "manifest: expected an object");
}

/* --- values ------------------------------------------------------------------ */

static void test_wildcard_spelling(void **state)
{
    (void)state;
    const char *lists[] = { "measurements", "host_data", "id_key_digests",
                            "author_key_digests", "chip_ids", "products" };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        cJSON *doc = doc_new();
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, cJSON_CreateString("*"));
        set(fx_snp(doc), lists[i], arr);
        rejects(doc, "a wildcard is written \"*\"");

        doc = doc_new();
        set(fx_snp(doc), lists[i], cJSON_CreateArray());
        rejects(doc, "fewer than 1");

        doc = doc_new();
        set(fx_snp(doc), lists[i], cJSON_CreateString("any"));
        rejects(doc, "expected \"*\" or an array");
    }
    cJSON *doc = doc_new();
    set(fx_snp(doc), "min_tcb", cJSON_CreateString("none"));
    rejects(doc, "sev_snp.min_tcb: expected \"*\" or an object");
    doc = doc_new();
    set(fx_snp(doc), "min_firmware", cJSON_CreateString(""));
    rejects(doc, "sev_snp.min_firmware");
    doc = doc_new();
    set(fx_snp(doc), "vmpls", cJSON_CreateString("all"));
    rejects(doc, "sev_snp.vmpls");
}

static void test_hex_values(void **state)
{
    (void)state;
    char hex97[98], hexbad[97], upper[97];
    memset(hex97, 'a', 97);
    hex97[97] = '\0';
    memset(hexbad, 'a', 96);
    hexbad[95] = 'g';
    hexbad[96] = '\0';
    memset(upper, 'A', 96);
    upper[96] = '\0';
    const char *bad[] = { hex97, hexbad, "", "0x11" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *doc = doc_new();
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, cJSON_CreateString(bad[i]));
        set(fx_snp(doc), "measurements", arr);
        rejects(doc, "sev_snp.measurements[0]: expected 48 bytes as 96 hex digits");
    }
    /* host data is 32 bytes: a 48-byte value is wrong there. */
    cJSON *doc = doc_new();
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateString(upper));
    set(fx_snp(doc), "host_data", arr);
    rejects(doc, "sev_snp.host_data[0]: expected 32 bytes");
    /* Uppercase hex is fine; several entries too. */
    doc = doc_new();
    arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateString(upper));
    cJSON_AddItemToArray(arr, fx_hex_item(F.fields.measurement, 48));
    set(fx_snp(doc), "measurements", arr);
    confai_policy *p = accepts(doc);
    assert_int_equal(p->snp.measurements.count, 2);
    assert_int_equal(p->snp.measurements.items[0], 0xAA);
    confai_policy_free(p);
    /* A number is not a hex string. */
    doc = doc_new();
    arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(1));
    set(fx_snp(doc), "chip_ids", arr);
    rejects(doc, "sev_snp.chip_ids[0]: expected a string");
}

static cJSON *tcb_entry(int with_fmc)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, "reported", fx_tcb(&F.fields.reported_tcb, with_fmc));
    cJSON_AddItemToObject(e, "committed", fx_tcb(&F.fields.committed_tcb, with_fmc));
    cJSON_AddItemToObject(e, "launch", fx_tcb(&F.fields.launch_tcb, with_fmc));
    return e;
}

static void test_products_and_tcb(void **state)
{
    (void)state;
    cJSON *doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "products"),
                         cJSON_CreateString("rome"));
    rejects(doc, "sev_snp.products[1]: not an accepted value");

    /* Turin accepted but no minimum for it. */
    doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "products"),
                         cJSON_CreateString("turin"));
    rejects(doc, "sev_snp.min_tcb.turin: missing");
    /* With it (and its fmc) it parses. */
    doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "products"),
                         cJSON_CreateString("turin"));
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "turin",
                          tcb_entry(1));
    snp_tcb fmc_tcb = { .fmc = 1, .snp = 2 };
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_current_tcb"),
                          "turin", fx_tcb(&fmc_tcb, 1));
    confai_policy *p = accepts(doc);
    assert_true(p->snp.min_tcb[SNP_PRODUCT_TURIN].present);
    assert_int_equal(p->snp.min_current_tcb[SNP_PRODUCT_TURIN].fmc, 1);
    confai_policy_free(p);
    /* Turin without fmc, Milan with one. */
    doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "products"),
                         cJSON_CreateString("turin"));
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "turin",
                          tcb_entry(0));
    rejects(doc, "sev_snp.min_tcb.turin.reported.fmc: missing");
    doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "products"),
                         cJSON_CreateString("milan"));
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "milan",
                          tcb_entry(1));
    rejects(doc, "sev_snp.min_tcb.milan.reported.fmc: unknown member");
    /* A minimum for a product that is not accepted. */
    doc = doc_new();
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "milan",
                          tcb_entry(0));
    rejects(doc, "sev_snp.min_tcb.milan: given for a product");
    /* "*" products need every product's minimum. */
    doc = doc_new();
    set(fx_snp(doc), "products", cJSON_CreateString("*"));
    rejects(doc, "sev_snp.min_tcb.milan: missing");
    /* Component values are 0..255. */
    const double values[] = { 256, -1, 1.5 };
    for (size_t i = 0; i < 3; i++) {
        doc = doc_new();
        cJSON *entry = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_tcb"), "genoa");
        set(cJSON_GetObjectItemCaseSensitive(entry, "reported"), "snp",
            cJSON_CreateNumber(values[i]));
        rejects(doc, "sev_snp.min_tcb.genoa.reported.snp: expected an integer from 0 to 255");
    }
}

static void test_numbers(void **state)
{
    (void)state;
    cJSON *doc = doc_new();
    set(fx_snp(doc), "vmpls", cJSON_CreateIntArray((const int[]){ 0, 4 }, 2));
    rejects(doc, "sev_snp.vmpls[1]");
    doc = doc_new();
    set(fx_snp(doc), "vmpls", cJSON_CreateIntArray((const int[]){ 0, 1, 2, 3, 0 }, 5));
    rejects(doc, "sev_snp.vmpls");
    doc = doc_new();
    set(fx_snp(doc), "vmpls", cJSON_CreateIntArray((const int[]){ 3, 1 }, 2));
    confai_policy *p = accepts(doc);
    assert_int_equal(p->snp.vmpls, 0xA);
    confai_policy_free(p);

    const double svns[] = { -1, 4294967296.0, 0.5 };
    for (size_t i = 0; i < 3; i++) {
        doc = doc_new();
        set(fx_snp(doc), "min_guest_svn", cJSON_CreateNumber(svns[i]));
        rejects(doc, "sev_snp.min_guest_svn");
    }
    const double ages[] = { 0, 31536001, -5, 60.5 };
    for (size_t i = 0; i < 4; i++) {
        doc = doc_new();
        set(doc, "max_age", cJSON_CreateNumber(ages[i]));
        rejects(doc, "max_age");
    }
    doc = doc_new();
    set(doc, "max_age", cJSON_CreateNumber(31536000));
    confai_policy_free(accepts(doc));
    doc = doc_new();
    set(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_firmware"), "committed"),
        "minor", cJSON_CreateNumber(300));
    rejects(doc, "sev_snp.min_firmware.committed.minor");
}

/* Integers are written as JSON integers: without fraction, exponent, sign or leading zero. */
static void test_integer_forms(void **state)
{
    (void)state;
    const char *forms[] = { "1.0", "1e0", "1E0", "1e+0", "10e-1", "1.0000000000000000000001",
                            "-0", "01", "1." };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        cJSON *doc = doc_new();
        set(doc, "version", cJSON_CreateRaw(forms[i]));
        rejects(doc, "policy: ");
        if (strcmp(forms[i], "01") != 0 && strcmp(forms[i], "1.") != 0 &&
            strstr(err.message, "version: expected an integer") == NULL)
            fail_msg("version %s: %s", forms[i], err.message);
    }
    cJSON *doc = doc_new();
    set(doc, "version", cJSON_CreateRaw("1.0"));
    rejects(doc, "policy: version: expected an integer from 0 to 4294967295, not a number "
                 "with a fraction or an exponent");
    doc = doc_new();
    set(doc, "version", cJSON_CreateRaw("-0"));
    rejects(doc, "policy: version: expected an integer from 0 to 4294967295, written without "
                 "a sign");
    doc = doc_new();
    set(doc, "version", cJSON_CreateRaw("01"));
    rejects(doc, "policy: not valid JSON: the number 01");

    /* every integer member, at every depth */
    doc = doc_new();
    set(doc, "max_age", cJSON_CreateRaw("3600.0"));
    rejects(doc, "max_age: expected an integer");
    doc = doc_new();
    set(doc, "max_age", cJSON_CreateRaw("3.6e3"));
    rejects(doc, "max_age: expected an integer");
    doc = doc_new();
    set(fx_snp(doc), "vmpls", cJSON_CreateRaw("[0, 1.0]"));
    rejects(doc, "sev_snp.vmpls[1]: expected an integer");
    doc = doc_new();
    set(fx_snp(doc), "min_guest_svn", cJSON_CreateRaw("-0"));
    rejects(doc, "sev_snp.min_guest_svn: expected an integer");
    doc = doc_new();
    set(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "min_firmware"), "committed"),
        "minor", cJSON_CreateRaw("1e1"));
    rejects(doc, "sev_snp.min_firmware.committed.minor: expected an integer");
    doc = doc_new();
    set(doc, "max_age", cJSON_CreateRaw("3600"));
    confai_policy_free(accepts(doc));

    /* a byte order mark before the document */
    doc = doc_new();
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    size_t n = strlen(json);
    char *bom = malloc(n + 3);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, json, n);
    confai_policy *p = (confai_policy *)1;
    assert_int_equal(confai_policy_new(&p, bom, n + 3, &err), CONFAI_E_POLICY_INVALID);
    assert_null(p);
    assert_non_null(strstr(err.message, "policy: starts with a byte order mark"));
    FX_OK(confai_policy_new(&p, bom + 3, n, &err));
    confai_policy_free(p);
    free(bom);
    cJSON_free(json);
}

static void test_version_and_platforms(void **state)
{
    (void)state;
    cJSON *doc = doc_new();
    set(doc, "version", cJSON_CreateNumber(2));
    rejects(doc, "version 2 is not supported");
    doc = doc_new();
    set(doc, "version", cJSON_CreateString("1"));
    rejects(doc, "version");

    doc = doc_new();
    set(doc, "platforms", cJSON_CreateString("*"));
    rejects(doc, "platforms: expected an array of platform names (no wildcard)");
    doc = doc_new();
    set(doc, "platforms", cJSON_CreateArray());
    rejects(doc, "platforms");
    doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "platforms"),
                         cJSON_CreateString("sgx"));
    rejects(doc, "platforms[1]: not an accepted value");
    /* tdx listed but no section; a section for an unlisted platform. */
    doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "platforms"),
                         cJSON_CreateString("tdx"));
    rejects(doc, "tdx: missing (the platform is listed in platforms)");
    doc = doc_new();
    cJSON_AddItemToObject(doc, "tdx", cJSON_CreateObject());
    rejects(doc, "tdx: given, but the platform is not listed");
    doc = doc_new();
    set(doc, "platforms", cJSON_CreateStringArray((const char *const[]){ "tdx" }, 1));
    rejects(doc, "sev_snp: given, but the platform is not listed");
}

/* A valid tdx section. */
static cJSON *tdx_section(void)
{
    cJSON *t = cJSON_CreateObject();
    uint8_t v48[48], v8[8];
    memset(v48, 0x5A, sizeof(v48));
    memset(v8, 0x02, sizeof(v8)); /* DEBUG (bit 0) clear: allow_debug is false */
    cJSON_AddItemToObject(t, "mrtd", fx_hex_list(v48, 48));
    cJSON *rtmrs = cJSON_AddArrayToObject(t, "rtmrs");
    cJSON_AddItemToArray(rtmrs, fx_hex_list(v48, 48));
    for (int i = 0; i < 3; i++)
        cJSON_AddItemToArray(rtmrs, cJSON_CreateString("*"));
    cJSON_AddStringToObject(t, "mrseam", "*");
    cJSON_AddStringToObject(t, "mr_config_id", "*");
    cJSON_AddStringToObject(t, "mr_owner", "*");
    cJSON_AddStringToObject(t, "mr_owner_config", "*");
    cJSON_AddItemToObject(t, "td_attributes", fx_hex_list(v8, 8));
    cJSON_AddStringToObject(t, "xfam", "*");
    cJSON_AddFalseToObject(t, "allow_debug");
    cJSON_AddStringToObject(t, "min_tee_tcb_svn", "0b010000000000000000000000000000");
    cJSON_AddItemToObject(t, "tcb_statuses",
                          cJSON_CreateStringArray((const char *const[]){ "UpToDate" }, 1));
    cJSON_AddNumberToObject(t, "min_tcb_evaluation_data_number", 17);
    cJSON_AddNumberToObject(t, "max_collateral_age", 86400);
    cJSON_AddTrueToObject(t, "require_crls");
    return t;
}

static cJSON *tdx_doc(void)
{
    cJSON *doc = doc_new();
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "platforms"),
                         cJSON_CreateString("tdx"));
    cJSON_AddItemToObject(doc, "tdx", tdx_section());
    return doc;
}

static void test_tdx_section(void **state)
{
    (void)state;
    confai_policy *p = accepts(tdx_doc());
    assert_true(p->has_tdx);
    assert_int_equal(p->platforms, POLICY_PLATFORM_SEV_SNP | POLICY_PLATFORM_TDX);
    assert_int_equal(p->tdx.rtmrs[0].count, 1);
    assert_true(p->tdx.rtmrs[3].any);
    assert_int_equal(p->tdx.min_tee_tcb_svn[0], 0x0b);
    assert_int_equal(p->tdx.tcb_statuses.count, 1);
    confai_policy_free(p);

    cJSON *doc = tdx_doc();
    cJSON_DeleteItemFromArray(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "tdx"), "rtmrs"),
        0);
    rejects(doc, "tdx.rtmrs: fewer than 4");
    doc = tdx_doc();
    set(cJSON_GetObjectItemCaseSensitive(doc, "tdx"), "min_tee_tcb_svn",
        cJSON_CreateString("0b01"));
    rejects(doc, "tdx.min_tee_tcb_svn");
    doc = tdx_doc();
    set(cJSON_GetObjectItemCaseSensitive(doc, "tdx"), "tcb_statuses",
        cJSON_CreateStringArray((const char *const[]){ "Revoked" }, 1));
    rejects(doc, "tdx.tcb_statuses[0]");
    doc = tdx_doc();
    cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(doc, "tdx"), "mrtd");
    rejects(doc, "tdx.mrtd: missing");
    doc = tdx_doc();
    cJSON_AddTrueToObject(cJSON_GetObjectItemCaseSensitive(doc, "tdx"), "mrtd_any");
    rejects(doc, "tdx.mrtd_any: unknown member");
}

static cJSON *gpus_section(void)
{
    cJSON *g = cJSON_CreateObject();
    cJSON_AddNumberToObject(g, "min_count", 1);
    cJSON_AddNumberToObject(g, "max_count", 8);
    cJSON_AddStringToObject(g, "cc_mode", "on");
    cJSON *m = cJSON_AddArrayToObject(g, "measurements");
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddNumberToObject(entry, "index", 1);
    cJSON_AddItemToObject(entry, "accept", cJSON_CreateStringArray(
        (const char *const[]){ "b558fdac9af53b91ff3bdb06ff589859d6fbc1050d875c88329347f24ff7b3d11ac53688ba56db03cf8751913107e0db" }, 1));
    cJSON_AddItemToArray(m, entry);
    cJSON_AddItemToObject(g, "driver_versions",
                          cJSON_CreateStringArray((const char *const[]){ "550.90.07" }, 1));
    cJSON_AddStringToObject(g, "vbios_versions", "*");
    return g;
}

static void test_gpus_section(void **state)
{
    (void)state;
    cJSON *doc = doc_new();
    cJSON_AddItemToObject(doc, "gpus", gpus_section());
    confai_policy *p = accepts(doc);
    assert_true(p->has_gpus);
    assert_int_equal(p->gpus.max_count, 8);
    assert_false(p->gpus.allow_devtools);
    assert_string_equal(p->gpus.driver_versions.items[0], "550.90.07");
    confai_policy_free(p);

    cJSON *g = gpus_section();
    set(g, "min_count", cJSON_CreateNumber(9));
    doc = doc_new();
    cJSON_AddItemToObject(doc, "gpus", g);
    rejects(doc, "gpus.max_count");
    g = gpus_section();
    set(g, "cc_mode", cJSON_CreateString("off"));
    doc = doc_new();
    cJSON_AddItemToObject(doc, "gpus", g);
    rejects(doc, "gpus.cc_mode");
    g = gpus_section();
    cJSON_DeleteItemFromObject(g, "vbios_versions");
    doc = doc_new();
    cJSON_AddItemToObject(doc, "gpus", g);
    rejects(doc, "gpus.vbios_versions: missing");
}

/* --- roots and CRLs ------------------------------------------------------------ */

static char *crl_pem(void)
{
    uint8_t der[4096];
    size_t der_len = sizeof(der);
    uint64_t serial = 12345;
    FX_OK(snp_sim_crl(F.sim, der, &der_len, &serial, 1, FX_NOW - 86400, FX_NOW + 86400, NULL));
    const uint8_t *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)der_len);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509_CRL(bio, crl), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *pem = calloc(1, (size_t)n + 1);
    memcpy(pem, data, (size_t)n);
    BIO_free(bio);
    X509_CRL_free(crl);
    return pem;
}

static void test_roots_and_crls(void **state)
{
    (void)state;
    char *crl = crl_pem();
    cJSON *doc = doc_new();
    set(fx_snp(doc), "crls", cJSON_CreateStringArray((const char *const[]){ crl }, 1));
    confai_policy *p = accepts(doc);
    assert_int_equal(p->snp.crls.count, 1);
    confai_policy_free(p);

    /* A CRL where a root belongs, and the other way round. */
    doc = doc_new();
    set(fx_snp(doc), "custom_roots", cJSON_CreateStringArray((const char *const[]){ crl }, 1));
    rejects(doc, "sev_snp.custom_roots[0]: expected one PEM certificate");
    doc = doc_new();
    set(fx_snp(doc), "crls", cJSON_CreateStringArray((const char *const[]){ F.ark_pem }, 1));
    rejects(doc, "sev_snp.crls[0]: expected one PEM CRL");

    /* Two certificates in one string, garbage, a cut PEM. */
    size_t n = strlen(F.ark_pem);
    char *two = calloc(1, 2 * n + 1);
    memcpy(two, F.ark_pem, n);
    memcpy(two + n, F.ark_pem, n);
    doc = doc_new();
    set(fx_snp(doc), "custom_roots", cJSON_CreateStringArray((const char *const[]){ two }, 1));
    rejects(doc, "sev_snp.custom_roots[0]");
    free(two);
    doc = doc_new();
    set(fx_snp(doc), "custom_roots",
        cJSON_CreateStringArray((const char *const[]){ "not a certificate" }, 1));
    rejects(doc, "sev_snp.custom_roots[0]");
    char *cut = strdup(F.ark_pem);
    cut[n / 2] = '\0';
    doc = doc_new();
    set(fx_snp(doc), "custom_roots", cJSON_CreateStringArray((const char *const[]){ cut }, 1));
    rejects(doc, "sev_snp.custom_roots[0]");
    free(cut);

    /* A leaf certificate is no root: the SNP layer refuses, the policy is invalid. */
    size_t len = 0;
    const uint8_t *vcek = snp_sim_cert(F.sim, SNP_SIM_VCEK, &len);
    char *leaf = fx_pem(vcek, len);
    doc = doc_new();
    set(fx_snp(doc), "custom_roots", cJSON_CreateStringArray((const char *const[]){ leaf }, 1));
    rejects(doc, NULL);
    free(leaf);
    free(crl);
}

/* --- the document ---------------------------------------------------------------- */

static void test_document(void **state)
{
    (void)state;
    confai_policy *p = (confai_policy *)1;
    const char *texts[] = { "", "[]", "{", "{\"version\":1} x", "null" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        assert_int_equal(confai_policy_new(&p, texts[i], strlen(texts[i]), &err),
                         CONFAI_E_POLICY_INVALID);
        assert_null(p);
    }
    assert_int_equal(confai_policy_new(&p, "{\"version\":1}\0", 14, &err), CONFAI_E_POLICY_INVALID);
    assert_int_equal(confai_policy_new(NULL, "{}", 2, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_policy_new(&p, NULL, 2, &err), CONFAI_E_ARGUMENT);
    assert_null(p);

    size_t big = CONFAI_POLICY_MAX_SIZE + 1;
    char *text = malloc(big);
    memset(text, ' ', big);
    text[0] = '{';
    text[big - 1] = '}';
    assert_int_equal(confai_policy_new(&p, text, big, &err), CONFAI_E_LIMIT);
    free(text);

    /* Trailing whitespace is fine; the length is the caller's. */
    cJSON *doc = doc_new();
    char *json = cJSON_Print(doc);
    cJSON_Delete(doc);
    size_t n = strlen(json);
    char *padded = malloc(n + 10);
    memcpy(padded, json, n);
    memcpy(padded + n, "\n\n garbage", 10);
    FX_OK(confai_policy_new(&p, padded, n + 2, &err));
    confai_policy_free(p);
    assert_int_equal(confai_policy_new(&p, padded, n + 10, &err), CONFAI_E_POLICY_INVALID);
    free(padded);
    cJSON_free(json);
}

/* --- checks ---------------------------------------------------------------------- */

/* Verified fields as the SNP layer would hand them over (no signature here). */
static snp_verified verified_of(const snp_report *fields)
{
    snp_verified v;
    memset(&v, 0, sizeof(v));
    v.report = *fields;
    snp_report_set_product(&v.report, F.product);
    v.root_kind = SNP_ROOT_CUSTOM;
    return v;
}

/* Runs the sev_snp checks of doc (consumed) on fields. */
static confai_status check(cJSON *doc, const snp_report *fields, verdict_checks *checks)
{
    confai_policy *p = accepts(doc);
    snp_verified v = verified_of(fields);
    memset(checks, 0, sizeof(*checks));
    confai_status st = policy_check_snp(p, &v, checks, &err);
    confai_policy_free(p);
    return st;
}

static int listed(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static void test_checks_pass(void **state)
{
    (void)state;
    verdict_checks c;
    FX_OK(check(doc_new(), &F.fields, &c));
    const char *names[] = { "policy.product", "policy.measurement", "policy.tcb.reported",
                            "policy.tcb.committed", "policy.tcb.launch", "policy.debug",
                            "policy.migration_agent", "policy.vmpl", "policy.host_data",
                            "policy.guest_svn", "policy.id_key", "policy.author_key",
                            "policy.chip_id", "policy.firmware.current",
                            "policy.firmware.committed", "policy.tcb.current",
                            "policy.guest_policy.smt", "policy.guest_policy.single_socket",
                            "policy.guest_policy.cxl_allow",
                            "policy.guest_policy.mem_aes_256_xts", "policy.guest_policy.rapl_dis",
                            "policy.guest_policy.ciphertext_hiding_dram",
                            "policy.guest_policy.page_swap_disable",
                            "policy.guest_policy.min_abi", "policy.report_version" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!listed(c.passed, c.passed_count, names[i]))
            fail_msg("%s not passed", names[i]);
    /* one SMT check, guest_policy.smt: the platform's SMT_EN has none of its own */
    assert_false(listed(c.passed, c.passed_count, "policy.smt"));
    assert_false(listed(c.waived, c.waived_count, "policy.smt"));
    assert_int_equal(c.passed_count + c.waived_count, 25);
}

static void test_checks_waived(void **state)
{
    (void)state;
    verdict_checks c;
    snp_report r = F.fields;
    memset(r.measurement, 0x99, sizeof(r.measurement));
    memset(r.chip_id, 0x98, sizeof(r.chip_id));
    r.flags &= ~SNP_FLAG_AUTHOR_KEY_EN;
    r.vmpl = 2;
    FX_OK(check(wildcard_doc(), &r, &c));
    const char *waived[] = { "policy.product", "policy.measurement", "policy.tcb.reported",
                             "policy.vmpl", "policy.host_data", "policy.id_key",
                             "policy.author_key", "policy.chip_id", "policy.firmware.current",
                             "policy.tcb.current", "policy.guest_policy.smt",
                             "policy.guest_policy.page_swap_disable",
                             "policy.guest_policy.min_abi" };
    for (size_t i = 0; i < sizeof(waived) / sizeof(waived[0]); i++)
        if (!listed(c.waived, c.waived_count, waived[i]))
            fail_msg("%s not waived", waived[i]);
    assert_false(listed(c.passed, c.passed_count, "policy.measurement"));
    assert_true(listed(c.passed, c.passed_count, "policy.debug"));
    assert_true(listed(c.passed, c.passed_count, "policy.report_version"));
}

typedef void (*mutate_fn)(snp_report *r);

static void m_measurement(snp_report *r) { r->measurement[47] ^= 1; }
static void m_debug(snp_report *r) { r->policy |= POLICY_SNP_GUEST_DEBUG; }
static void m_migration(snp_report *r) { r->policy |= POLICY_SNP_GUEST_MIGRATE_MA; }
static void m_vmpl(snp_report *r) { r->vmpl = 1; }
static void m_host_data(snp_report *r) { r->host_data[0] ^= 1; }
static void m_guest_svn(snp_report *r) { r->guest_svn = 2; }
static void m_id_key(snp_report *r) { r->id_key_digest[5] ^= 1; }
static void m_author_key(snp_report *r) { r->author_key_digest[5] ^= 1; }
static void m_author_off(snp_report *r) { r->flags &= ~SNP_FLAG_AUTHOR_KEY_EN; }
static void m_chip(snp_report *r) { r->chip_id[63] ^= 1; }
static void m_fw_current(snp_report *r) { r->current_build--; }
static void m_fw_committed(snp_report *r) { r->committed_minor--; }
static void m_product(snp_report *r) { r->cpuid_mod_id = 0x01; }
static void m_report_version(snp_report *r) { r->version = 3; }
static void m_guest_smt(snp_report *r) { r->policy &= ~POLICY_SNP_GUEST_SMT; }
static void m_single_socket(snp_report *r) { r->policy |= POLICY_SNP_GUEST_SINGLE_SOCKET; }
static void m_cxl_allow(snp_report *r) { r->policy |= POLICY_SNP_GUEST_CXL_ALLOW; }
static void m_aes_256(snp_report *r) { r->policy |= POLICY_SNP_GUEST_MEM_AES_256_XTS; }
static void m_rapl_dis(snp_report *r) { r->policy |= POLICY_SNP_GUEST_RAPL_DIS; }
static void m_ciphertext(snp_report *r) { r->policy |= POLICY_SNP_GUEST_CIPHERTEXT_HIDING_DRAM; }
static void m_page_swap(snp_report *r) { r->policy |= POLICY_SNP_GUEST_PAGE_SWAP_DISABLE; }

static snp_tcb lower(snp_tcb t)
{
    t.snp--;
    return t;
}

static void m_tcb_reported(snp_report *r)
{
    snp_tcb t = lower(r->reported_tcb);
    r->reported_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
}

static void m_tcb_committed(snp_report *r)
{
    snp_tcb t = r->committed_tcb;
    t.microcode--;
    r->committed_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
}

static void m_tcb_launch(snp_report *r)
{
    snp_tcb t = r->launch_tcb;
    t.bootloader--;
    r->launch_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
}

static void m_tcb_current(snp_report *r)
{
    snp_tcb t = r->current_tcb;
    t.bootloader--;
    r->current_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
}

static void test_check_rejections(void **state)
{
    (void)state;
    const struct {
        mutate_fn mutate;
        confai_status want;
        const char *words;
    } cases[] = {
        { m_measurement, CONFAI_E_POLICY_MEASUREMENT, "measurement" },
        { m_tcb_reported, CONFAI_E_POLICY_TCB, "reported TCB snp" },
        { m_tcb_committed, CONFAI_E_POLICY_TCB, "committed TCB microcode" },
        { m_tcb_launch, CONFAI_E_POLICY_TCB, "launch TCB bootloader" },
        { m_debug, CONFAI_E_POLICY_DEBUG, "debug" },
        { m_migration, CONFAI_E_POLICY_GUEST, "migration agent" },
        { m_vmpl, CONFAI_E_POLICY_VMPL, "VMPL 1" },
        { m_host_data, CONFAI_E_POLICY_IDENTITY, "host data" },
        { m_guest_svn, CONFAI_E_POLICY_IDENTITY, "guest SVN 2" },
        { m_id_key, CONFAI_E_POLICY_IDENTITY, "ID key" },
        { m_author_key, CONFAI_E_POLICY_IDENTITY, "author key" },
        { m_author_off, CONFAI_E_POLICY_IDENTITY, "author key" },
        { m_chip, CONFAI_E_POLICY_CHIP, "chip id" },
        { m_fw_current, CONFAI_E_POLICY_FIRMWARE, "current firmware 1.55.39" },
        { m_fw_committed, CONFAI_E_POLICY_FIRMWARE, "committed firmware 1.54.40" },
        { m_product, CONFAI_E_POLICY_PLATFORM, "product milan" },
        { m_tcb_current, CONFAI_E_POLICY_TCB, "current TCB bootloader" },
        { m_report_version, CONFAI_E_POLICY_FIRMWARE, "report version 3 is below the minimum 5" },
        { m_guest_smt, CONFAI_E_POLICY_GUEST, "smt bit is clear" },
        { m_single_socket, CONFAI_E_POLICY_GUEST, "single_socket bit is set" },
        { m_cxl_allow, CONFAI_E_POLICY_GUEST, "cxl_allow bit is set" },
        { m_aes_256, CONFAI_E_POLICY_GUEST, "mem_aes_256_xts bit is set" },
        { m_rapl_dis, CONFAI_E_POLICY_GUEST, "rapl_dis bit is set" },
        { m_ciphertext, CONFAI_E_POLICY_GUEST, "ciphertext_hiding_dram bit is set" },
        { m_page_swap, CONFAI_E_POLICY_GUEST, "page_swap_disable bit is set" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snp_report r = F.fields;
        cases[i].mutate(&r);
        snp_report_set_product(&r, F.product);
        verdict_checks c;
        cJSON *doc = doc_new();
        confai_policy *p = accepts(doc);
        snp_verified v = verified_of(&r);
        if (cases[i].mutate == m_product)
            snp_report_set_product(&v.report, SNP_PRODUCT_MILAN);
        memset(&c, 0, sizeof(c));
        assert_int_equal(policy_check_snp(p, &v, &c, &err), cases[i].want);
        if (strstr(err.message, cases[i].words) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].words);
        confai_policy_free(p);
    }
}

/*
 * SMT is one check, guest_policy.smt (GUEST_POLICY bit 16, which the
 * firmware enforced at launch); the former allow_smt is refused by name.
 */
static void test_check_smt(void **state)
{
    (void)state;
    verdict_checks c;
    cJSON *doc = doc_new();
    cJSON_AddFalseToObject(fx_snp(doc), "allow_smt");
    rejects(doc, "sev_snp.allow_smt: no longer a member: guest_policy.smt");
    doc = doc_new();
    cJSON_AddTrueToObject(fx_snp(doc), "allow_smt");
    rejects(doc, "guest_policy.smt");
    /* The fixture's guest allows SMT (bit 16 set): "forbidden" refuses it. */
    doc = doc_new();
    set(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy"), "smt",
        cJSON_CreateString("forbidden"));
    assert_int_equal(check(doc, &F.fields, &c), CONFAI_E_POLICY_GUEST);
    assert_non_null(strstr(err.message, "smt bit is set"));
    snp_report r = F.fields;
    r.policy &= ~POLICY_SNP_GUEST_SMT;
    doc = doc_new();
    set(cJSON_GetObjectItemCaseSensitive(fx_snp(doc), "guest_policy"), "smt",
        cJSON_CreateString("forbidden"));
    FX_OK(check(doc, &r, &c));
    assert_true(listed(c.passed, c.passed_count, "policy.guest_policy.smt"));
    assert_false(listed(c.passed, c.passed_count, "policy.smt"));
}

static void test_check_allowances(void **state)
{
    (void)state;
    verdict_checks c;
    snp_report r = F.fields;
    r.policy |= POLICY_SNP_GUEST_DEBUG | POLICY_SNP_GUEST_MIGRATE_MA;
    cJSON *doc = doc_new();
    set(fx_snp(doc), "allow_debug", cJSON_CreateTrue());
    set(fx_snp(doc), "allow_migration_agent", cJSON_CreateTrue());
    FX_OK(check(doc, &r, &c));
    assert_true(listed(c.waived, c.waived_count, "policy.debug"));
    assert_true(listed(c.waived, c.waived_count, "policy.migration_agent"));
    /* Higher TCB, firmware and SVN than the minimum pass. */
    r = F.fields;
    snp_tcb t = r.reported_tcb;
    t.snp++;
    r.reported_tcb_raw = snp_tcb_encode(&t, SNP_PRODUCT_GENOA);
    r.current_major++;
    r.current_minor = 0;
    r.guest_svn = 100;
    snp_report_set_product(&r, F.product);
    FX_OK(check(doc_new(), &r, &c));
}

/* "required" bits and the ABI minimum, which the fixture's report does not meet. */
static void test_check_guest_required(void **state)
{
    (void)state;
    verdict_checks c;
    for (size_t i = 1; i < POLICY_SNP_GUEST_BITS; i++) {
        cJSON *doc = doc_new();
        set(guest_policy(doc), policy_snp_guest_bits[i].name, cJSON_CreateString("required"));
        assert_int_equal(check(doc, &F.fields, &c), CONFAI_E_POLICY_GUEST);
        assert_non_null(strstr(err.message, policy_snp_guest_bits[i].name));
        assert_non_null(strstr(err.message, "is \"required\""));
        snp_report r = F.fields;
        r.policy |= policy_snp_guest_bits[i].mask;
        doc = doc_new();
        set(guest_policy(doc), policy_snp_guest_bits[i].name, cJSON_CreateString("required"));
        FX_OK(check(doc, &r, &c));
        assert_true(listed(c.passed, c.passed_count, attest_check_name(policy_snp_guest_bits[i].check)));
    }
    cJSON *doc = doc_new();
    cJSON *abi = cJSON_GetObjectItemCaseSensitive(guest_policy(doc), "min_abi");
    set(abi, "minor", cJSON_CreateNumber(1));
    assert_int_equal(check(doc, &F.fields, &c), CONFAI_E_POLICY_GUEST);
    assert_non_null(strstr(err.message, "ABI 0.0 is below 0.1"));
    /* compared as (major, minor): 2.0 is above 1.255 */
    snp_report r = F.fields;
    r.policy |= 0x0200;
    doc = doc_new();
    abi = cJSON_GetObjectItemCaseSensitive(guest_policy(doc), "min_abi");
    set(abi, "major", cJSON_CreateNumber(1));
    set(abi, "minor", cJSON_CreateNumber(255));
    FX_OK(check(doc, &r, &c));
}

static void test_check_platform_and_manifest(void **state)
{
    (void)state;
    verdict_checks c;
    memset(&c, 0, sizeof(c));
    confai_policy *p = accepts(doc_new());
    FX_OK(policy_check_platform(p, POLICY_PLATFORM_SEV_SNP, &c, &err));
    assert_int_equal(policy_check_platform(p, POLICY_PLATFORM_TDX, &c, &err),
                     CONFAI_E_POLICY_PLATFORM);
    uint8_t md[32];
    unsigned int md_len = 0;
    EVP_Digest(F.manifest, strlen(F.manifest), md, &md_len, EVP_sha256(), NULL);
    FX_OK(policy_check_manifest(p, md, &c, &err));
    md[31] ^= 1;
    assert_int_equal(policy_check_manifest(p, md, &c, &err), CONFAI_E_POLICY_MANIFEST);
    confai_policy_free(p);
}

static void test_set_contains(void **state)
{
    (void)state;
    uint8_t items[3 * 4] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    policy_set s = { 0, 4, 3, items };
    assert_true(policy_set_contains(&s, (const uint8_t *)"\x05\x06\x07\x08"));
    assert_true(policy_set_contains(&s, (const uint8_t *)"\x09\x0a\x0b\x0c"));
    assert_false(policy_set_contains(&s, (const uint8_t *)"\x05\x06\x07\x09"));
    s.any = 1;
    assert_true(policy_set_contains(&s, (const uint8_t *)"\xff\xff\xff\xff"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinned_policy),
        cmocka_unit_test(test_wildcard_policy),
        cmocka_unit_test(test_optional_members),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_snp_guest_members),
        cmocka_unit_test(test_unknown_fields),
        cmocka_unit_test(test_duplicate_fields),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_wildcard_spelling),
        cmocka_unit_test(test_hex_values),
        cmocka_unit_test(test_products_and_tcb),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_integer_forms),
        cmocka_unit_test(test_version_and_platforms),
        cmocka_unit_test(test_tdx_section),
        cmocka_unit_test(test_gpus_section),
        cmocka_unit_test(test_roots_and_crls),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_checks_pass),
        cmocka_unit_test(test_checks_waived),
        cmocka_unit_test(test_check_rejections),
        cmocka_unit_test(test_check_smt),
        cmocka_unit_test(test_check_allowances),
        cmocka_unit_test(test_check_guest_required),
        cmocka_unit_test(test_check_platform_and_manifest),
        cmocka_unit_test(test_set_contains),
    };
    return cmocka_run_group_tests_name("attest_policy", tests, group_setup, group_teardown);
}
