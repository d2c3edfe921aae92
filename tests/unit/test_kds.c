/*
 * src/server/kds.c against the fake KDS (tests/fakes), which serves the
 * vectors' real VCEKs at the URLs their own extensions name: every vector
 * report gets its VCEK byte for byte and its product's ASK/ARK, and the
 * go-sev-guest one then verifies; the worked-example and Turin URLs exactly
 * as AMD documents them; the cache (no request on a second fetch nor after
 * a restart, a damaged entry refetched); 404 (a fault, and a TCB KDS does
 * not know), 429 then success, 5xx exhausted, a stalled server, a VCEK for
 * another chip, and the product and signing-key rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "attest/snp/snp_internal.h"
#include "fake_kds_pcs.h"
#include "server/kds.h"
#include "snp_test_helpers.h"

#define T_2024_01_01 INT64_C(1704067200)

typedef struct vcase {
    const char *report;
    const char *product; /* NULL: from the report's CPUID */
    const char *vcek;
    const char *chain;
} vcase;

static const vcase cases[] = {
    { "sev-snp/go-sev-guest/attestation.bin", "Milan", "sev-snp/go-sev-guest/vcek.testcer",
      "sev-snp/go-sev-guest/ask_ark_milan.pem" },
    { "sev-snp/virtee-sev/report_milan.hex", "Milan", "sev-snp/virtee-sev/vcek_milan.der",
      "sev-snp/go-sev-guest/ask_ark_milan.pem" },
    { "sev-snp/trustee/test-report.bin", "milan", "sev-snp/trustee/test-vcek.der",
      "sev-snp/go-sev-guest/ask_ark_milan.pem" },
    { "sev-snp/azure-vtpm/azure_milan_snp_report.bin", "Milan", "sev-snp/azure-vtpm/vcek.pem",
      "sev-snp/go-sev-guest/ask_ark_milan.pem" },
    { "sev-snp/oak/genoa_oc_snp_report.bin", NULL, "sev-snp/oak/genoa_oc_vcek.der",
      "sev-snp/go-sev-guest/ask_ark_genoa.pem" },
    { "sev-snp/oak/milan_oc_release_snp_report.bin", NULL,
      "sev-snp/oak/milan_oc_release_vcek.der", "sev-snp/go-sev-guest/ask_ark_milan.pem" },
};

static const char worked_example[] =
    "/vcek/v1/Milan/3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669"
    "a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68";

static int setup(void **state)
{
    (void)state;
    fake_reset();
    return 0;
}

static kds_options options(const char *cache_dir)
{
    kds_options o = { fake_url(), cache_dir, fake_http };
    return o;
}

/*
 * What most cases start from: the vectors (the case is skipped without
 * them), case 0's report (Milan), options on the fake with, when asked, a
 * fresh cache folder, and room for the chain and the error.
 */
typedef struct kds_case {
    const char *dir;
    uint8_t *report;
    size_t len;
    char *cache; /* NULL: no cache */
    kds_options o;
    kds_chain c;
    confai_error err;
} kds_case;

static void case_begin(kds_case *t, int with_cache)
{
    memset(t, 0, sizeof(*t));
    t->dir = test_vectors_or_skip("KDS against the vectors");
    if (t->dir == NULL)
        skip();
    t->cache = with_cache ? temp_dir() : NULL;
    t->report = snp_read_report(t->dir, cases[0].report, &t->len);
    t->o = options(t->cache);
}

/* Case 0's fetch, as Milan, into t->c and t->err. */
static confai_status fetch(kds_case *t)
{
    return kds_fetch_vcek_chain(&t->c, t->report, t->len, "Milan", &t->o, &t->err);
}

static void case_end(kds_case *t)
{
    kds_chain_clear(&t->c);
    free(t->report);
    if (t->cache != NULL) {
        remove_tree(t->cache);
        free(t->cache);
    }
}

/* The chain equals the vector files: VCEK (first certificate of its file), ASK, ARK. */
static void expect_chain(const kds_chain *c, const char *dir, const vcase *vc)
{
    der_list vcek = { 0 }, chain = { 0 };
    der_list_add_file(&vcek, dir, vc->vcek);
    der_list_add_file(&chain, dir, vc->chain);
    assert_int_equal(chain.count, 2);
    assert_int_equal(c->vcek_len, vcek.len[0]);
    assert_memory_equal(c->vcek, vcek.der[0], vcek.len[0]);
    assert_int_equal(c->ask_len, chain.len[0]);
    assert_memory_equal(c->ask, chain.der[0], chain.len[0]);
    assert_int_equal(c->ark_len, chain.len[1]);
    assert_memory_equal(c->ark, chain.der[1], chain.len[1]);
    der_list_free(&vcek);
    der_list_free(&chain);
}

static void test_vectors(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("KDS against the vectors");
    if (dir == NULL)
        skip();
    kds_options o = options(NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = 0;
        uint8_t *report = snp_read_report(dir, cases[i].report, &len);
        kds_chain c;
        confai_error err = { 0 };
        confai_status st = kds_fetch_vcek_chain(&c, report, len, cases[i].product, &o, &err);
        if (st != CONFAI_OK)
            fail_msg("%s: %s", cases[i].report, err.message);
        expect_chain(&c, dir, &cases[i]);
        kds_chain_clear(&c);
        assert_null(c.vcek);
        free(report);
    }
    assert_int_equal(fake_count(), 2 * (long)(sizeof(cases) / sizeof(cases[0])));
    kds_chain_clear(NULL);
}

static void test_worked_example_verifies(void **state)
{
    (void)state;
    kds_case t;
    case_begin(&t, 0);
    assert_int_equal(fetch(&t), CONFAI_OK);
    char *log = fake_log();
    char want[512];
    snprintf(want, sizeof(want), "GET %s\nGET /vcek/v1/Milan/cert_chain\n", worked_example);
    assert_string_equal(log, want);
    free(log);

    /* what was fetched is what the verifier accepts */
    snp_trust *trust = NULL;
    assert_int_equal(snp_trust_new(&trust, &t.err), CONFAI_OK);
    const uint8_t *certs[3] = { t.c.vcek, t.c.ask, t.c.ark };
    size_t lens[3] = { t.c.vcek_len, t.c.ask_len, t.c.ark_len };
    snp_verified v;
    confai_status st = snp_verify(&v, trust, NULL, t.report, t.len, certs, lens, 3,
                                  T_2024_01_01, &t.err);
    if (st != CONFAI_OK)
        fail_msg("snp_verify: %s", t.err.message);
    assert_int_equal(v.root_kind, SNP_ROOT_VENDOR);
    snp_trust_free(trust);
    case_end(&t);
}

static void test_url_format(void **state)
{
    (void)state;
    char url[512];
    uint8_t chip[64];
    confai_error err = { 0 };
    size_t n = 0;
    uint8_t *hex = test_hex_decode("3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e537"
                                   "86184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c506"
                                   "8b006b5d",
                                   &n);
    assert_int_equal(n, 64);
    memcpy(chip, hex, 64);
    free(hex);
    assert_int_equal(kds_vcek_url(url, sizeof(url), NULL, chip, UINT64_C(0x4405000000000002),
                                  SNP_PRODUCT_MILAN, &err),
                     CONFAI_OK);
    char want[600];
    snprintf(want, sizeof(want), "https://kdsintf.amd.com%s", worked_example);
    assert_string_equal(url, want);

    /* Turin: 8 bytes of chip id, fmcSPL first, its own TCB layout */
    snp_tcb t = { .fmc = 1, .bootloader = 2, .tee = 3, .snp = 4, .microcode = 5 };
    uint64_t raw = snp_tcb_encode(&t, SNP_PRODUCT_TURIN);
    assert_int_equal(kds_vcek_url(url, sizeof(url), "http://kds.example/", chip, raw,
                                  SNP_PRODUCT_TURIN, &err),
                     CONFAI_OK);
    assert_string_equal(url, "http://kds.example/vcek/v1/Turin/3ac3fe21e13fb099"
                             "?fmcSPL=1&blSPL=2&teeSPL=3&snpSPL=4&ucodeSPL=5");
    assert_int_equal(kds_vcek_url(url, 40, NULL, chip, raw, SNP_PRODUCT_TURIN, &err),
                     CONFAI_E_LIMIT);
    assert_int_equal(kds_vcek_url(url, sizeof(url), NULL, chip, raw, SNP_PRODUCT_UNKNOWN, &err),
                     CONFAI_E_ARGUMENT);
}

/* A v3 Turin report for the chip and TCB of the vectors' Turin VCEK. */
static uint8_t *turin_report(const char *dir, size_t *len)
{
    der_list vcek = { 0 };
    der_list_add_file(&vcek, dir, "sev-snp/virtee-sev/vcek_turin.der");
    X509 *cert = NULL;
    snp_amd_ext ext;
    uint64_t raw = 0;
    confai_error err = { 0 };
    assert_int_equal(snp_parse_cert(&cert, vcek.der[0], vcek.len[0], "VCEK", CONFAI_E_MALFORMED,
                                    &err),
                     CONFAI_OK);
    assert_int_equal(snp_ext_parse(&ext, cert, &err), CONFAI_OK);
    assert_int_equal(snp_ext_tcb(&raw, &ext, SNP_PRODUCT_TURIN, &err), CONFAI_OK);
    assert_int_equal(ext.hwid_len, 8);
    snp_report r;
    memset(&r, 0, sizeof(r));
    r.version = 3;
    r.policy = UINT64_C(1) << 17;
    r.signature_algo = 1;
    r.signing_key = SNP_KEY_VCEK;
    r.cpuid_fam_id = 0x1A;
    r.cpuid_mod_id = 0x02;
    memcpy(r.chip_id, ext.hwid, 8);
    r.reported_tcb_raw = raw;
    r.current_tcb_raw = r.committed_tcb_raw = r.launch_tcb_raw = raw;
    uint8_t *out = malloc(SNP_REPORT_SIZE);
    snp_report_encode(out, &r);
    *len = SNP_REPORT_SIZE;
    X509_free(cert);
    der_list_free(&vcek);
    return out;
}

static void test_turin(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("KDS against the vectors");
    if (dir == NULL)
        skip();
    size_t len = 0;
    uint8_t *report = turin_report(dir, &len);
    kds_options o = options(NULL);
    kds_chain c;
    confai_error err = { 0 };
    confai_status st = kds_fetch_vcek_chain(&c, report, len, NULL, &o, &err);
    if (st != CONFAI_OK)
        fail_msg("Turin: %s", err.message);
    vcase vc = { NULL, NULL, "sev-snp/virtee-sev/vcek_turin.der",
                 "sev-snp/go-sev-guest/ask_ark_turin_vcek.pem" };
    expect_chain(&c, dir, &vc);
    char *log = fake_log();
    assert_string_equal(log, "GET /vcek/v1/Turin/1e550a8ee5cf9f4d"
                             "?fmcSPL=0&blSPL=0&teeSPL=0&snpSPL=0&ucodeSPL=9\n"
                             "GET /vcek/v1/Turin/cert_chain\n");
    free(log);
    kds_chain_clear(&c);
    /* the CPUID says Turin */
    assert_int_equal(kds_fetch_vcek_chain(&c, report, len, "Genoa", &o, &err),
                     CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "CPUID says Turin"));
    free(report);
}

/* Runs a fetch of case 0 in a child process (a restart); 1 when it succeeded. */
static int fetch_in_child(const kds_options *o, const uint8_t *report, size_t len)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        kds_chain c;
        confai_status st = kds_fetch_vcek_chain(&c, report, len, "Milan", o, NULL);
        kds_chain_clear(&c);
        _exit(st == CONFAI_OK ? 0 : 1);
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
}

static void flip_last_byte(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, -1, SEEK_END), 0);
        int ch = fgetc(f);
        assert_int_equal(fseek(f, -1, SEEK_END), 0);
        fputc(ch ^ 0x55, f);
        fclose(f);
    }
    closedir(d);
}

static void test_cache(void **state)
{
    (void)state;
    kds_case t;
    case_begin(&t, 1);

    assert_int_equal(fetch(&t), CONFAI_OK);
    kds_chain_clear(&t.c);
    assert_int_equal(fake_count(), 2);
    assert_int_equal(count_files(t.cache), 2);
    /* again: from the cache, byte for byte the same */
    assert_int_equal(fetch(&t), CONFAI_OK);
    expect_chain(&t.c, t.dir, &cases[0]);
    kds_chain_clear(&t.c);
    assert_int_equal(fake_count(), 2);
    /* a restart: another process, the same directory */
    assert_true(fetch_in_child(&t.o, t.report, t.len));
    assert_int_equal(fake_count(), 2);
    /* damaged entries are misses: fetched again, and right */
    flip_last_byte(t.cache);
    assert_int_equal(fetch(&t), CONFAI_OK);
    expect_chain(&t.c, t.dir, &cases[0]);
    kds_chain_clear(&t.c);
    assert_int_equal(fake_count(), 4);
    /* and cached again */
    assert_true(fetch_in_child(&t.o, t.report, t.len));
    assert_int_equal(fake_count(), 4);
    /* KDS down, the cache still answers */
    fake_fault("500", 0);
    assert_int_equal(fetch(&t), CONFAI_OK);
    kds_chain_clear(&t.c);
    assert_int_equal(fake_count(), 4);
    case_end(&t);
}

static void test_not_found(void **state)
{
    (void)state;
    kds_case t;
    case_begin(&t, 0);
    fake_fault("404", 0);
    assert_int_equal(fetch(&t), CONFAI_E_ENDORSEMENT_NOT_FOUND);
    assert_null(t.c.vcek);
    assert_non_null(strstr(t.err.message, "KDS has no VCEK for chip 3ac3fe21"));
    assert_non_null(strstr(t.err.message, "at TCB bl=2 tee=0 snp=5 ucode=68 (404 from http"));
    assert_non_null(strstr(t.err.message, "VLEK"));
    assert_int_equal(fake_count(), 1); /* a 404 is not retried */

    /* a TCB KDS does not know: the real 404 of the URL layout */
    fake_reset();
    t.report[0x180 + 7] = 69; /* microcode SPL 68 -> 69 */
    assert_int_equal(fetch(&t), CONFAI_E_ENDORSEMENT_NOT_FOUND);
    assert_non_null(strstr(t.err.message, "ucode=69"));
    case_end(&t);
}

static void test_retries(void **state)
{
    (void)state;
    kds_case t;
    case_begin(&t, 0);

    fake_fault("429", 2); /* Retry-After: 0 */
    assert_int_equal(fetch(&t), CONFAI_OK);
    expect_chain(&t.c, t.dir, &cases[0]);
    kds_chain_clear(&t.c);
    assert_int_equal(fake_count(), 4);

    fake_reset();
    fake_fault("500", 0);
    assert_int_equal(fetch(&t), CONFAI_E_ENDORSEMENT_UNAVAILABLE);
    assert_int_equal(fake_count(), 3);

    fake_reset();
    fake_fault("stall", 0);
    t.o.http.max_attempts = 1;
    double t0 = now_s();
    assert_int_equal(fetch(&t), CONFAI_E_TIMEOUT);
    assert_true(now_s() - t0 < 5);
    case_end(&t);
}

static void test_wrong_vcek_refused(void **state)
{
    (void)state;
    kds_case t;
    case_begin(&t, 1);
    fake_fault("swap", 0);
    assert_int_equal(fetch(&t), CONFAI_E_CERT_CHAIN);
    assert_non_null(strstr(t.err.message, "another chip"));
    assert_int_equal(count_files(t.cache), 0); /* nothing cached */
    case_end(&t);
}

static void test_product_and_key_rules(void **state)
{
    (void)state;
    const char *dir = test_vectors_or_skip("KDS against the vectors");
    if (dir == NULL)
        skip();
    kds_options o = options(NULL);
    kds_chain c;
    confai_error err = { 0 };
    size_t len = 0;
    uint8_t *v2 = snp_read_report(dir, cases[0].report, &len);
    assert_int_equal(kds_fetch_vcek_chain(&c, v2, len, NULL, &o, &err), CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "--product"));
    assert_int_equal(kds_fetch_vcek_chain(&c, v2, len, "Bergamo", &o, &err), CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "--product"));
    assert_int_equal(kds_fetch_vcek_chain(&c, v2, len - 1, "Milan", &o, &err),
                     CONFAI_E_TRUNCATED);
    assert_int_equal(kds_fetch_vcek_chain(&c, NULL, len, "Milan", &o, &err), CONFAI_E_ARGUMENT);
    free(v2);
    uint8_t *v3 = snp_read_report(dir, cases[5].report, &len);
    assert_int_equal(kds_fetch_vcek_chain(&c, v3, len, "Genoa", &o, &err), CONFAI_E_ARGUMENT);
    assert_non_null(strstr(err.message, "CPUID says Milan"));
    free(v3);
    uint8_t *vlek = snp_read_report(dir, "sev-snp/trustee/test-vlek-report.bin", &len);
    assert_int_equal(kds_fetch_vcek_chain(&c, vlek, len, NULL, &o, &err), CONFAI_E_UNSUPPORTED);
    assert_non_null(strstr(err.message, "VLEK"));
    free(vlek);
    assert_int_equal(fake_count(), 0);
}

int main(void)
{
    if (fake_start() != 0)
        return 1;
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_vectors),
        T(test_worked_example_verifies),
        T(test_url_format),
        T(test_turin),
        T(test_cache),
        T(test_not_found),
        T(test_retries),
        T(test_wrong_vcek_refused),
        T(test_product_and_key_rules),
    };
    return cmocka_run_group_tests_name("server_kds", tests, NULL, NULL);
}
