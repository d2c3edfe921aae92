/*
 * src/server/pcs.c against the fake PCS (tests/fakes), which serves the
 * go-tdx-guest collateral of tdx_prod_quote_SPR_E4.dat (FMSPC 50806f000000,
 * PCK Platform CA): the fetched collateral is the vectors' byte for byte and
 * the library's TDX verifier accepts it at the vectors' time (2023-06-20,
 * as test_tdx_verify.c); the URLs; the cache (no request on a second fetch
 * nor after a restart, damaged entries refetched, each document until its
 * own nextUpdate); expired collateral; 404 (a fault, an FMSPC PCS does not
 * know); 429 then success; 5xx exhausted; a stalled server. A quote of the
 * simulated TD (src/sim/tdx_sim.h): its PCK CA keeps Intel's name, so PCS
 * is asked (and has nothing for its FMSPC); under any other CA name no
 * request is made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "attest/tdx/tdx.h"
#include "fake_kds_pcs.h"
#include "server/pcs.h"
#include "sim/tdx_sim.h"
#include "test_util.h"

#define T_2023_06_20 INT64_C(1687219200) /* TCB info 06-18..07-18, QE id 06-08..07-08, CRLs */
#define T_2023_07_10 INT64_C(1688947200) /* QE identity and PCK CRL past, TCB info not */
#define T_2023_08_01 INT64_C(1690848000) /* all but the root CA CRL past */

#define QUOTE "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat"
#define QUOTE_LEN 4935 /* the bytes the quote uses of the file */
#define TDX "tdx/go-tdx-guest/"

static const char expected_log[] = "GET /tdx/certification/v4/tcb?fmspc=50806f000000\n"
                                   "GET /tdx/certification/v4/qe/identity\n"
                                   "GET /sgx/certification/v4/pckcrl?ca=platform&encoding=der\n"
                                   "GET /sgx/certification/v4/rootcacrl\n";

static int setup(void **state)
{
    (void)state;
    fake_reset();
    return 0;
}

static pcs_options options(const char *cache_dir, int64_t now)
{
    pcs_options o = { fake_url(), cache_dir, fake_http, now };
    return o;
}

static uint8_t *load_quote(const char *dir)
{
    size_t len = 0;
    uint8_t *q = test_read_file(dir, QUOTE, &len);
    if (q == NULL || len < QUOTE_LEN)
        fail_msg("cannot read %s/%s", dir, QUOTE);
    return q;
}

/*
 * What most cases start from: the vectors (the case is skipped without
 * them), the production quote, options on the fake at T_2023_06_20 with,
 * when asked, a fresh cache folder, and room for the collateral and the
 * error.
 */
typedef struct pcs_case {
    const char *dir;
    uint8_t *quote;
    char *cache; /* NULL: no cache */
    pcs_options o;
    pcs_collateral c;
    confai_error err;
} pcs_case;

static void case_begin(pcs_case *t, int with_cache)
{
    memset(t, 0, sizeof(*t));
    t->dir = test_vectors_or_skip("PCS against the vectors");
    if (t->dir == NULL)
        skip();
    t->cache = with_cache ? temp_dir() : NULL;
    t->quote = load_quote(t->dir);
    t->o = options(t->cache, T_2023_06_20);
}

/* The quote's collateral into t->c and t->err. */
static confai_status fetch(pcs_case *t)
{
    return pcs_fetch_collateral(&t->c, t->quote, QUOTE_LEN, &t->o, &t->err);
}

static void case_end(pcs_case *t)
{
    pcs_collateral_clear(&t->c);
    free(t->quote);
    if (t->cache != NULL) {
        remove_tree(t->cache);
        free(t->cache);
    }
}

static void expect_file(const pcs_collateral *c, bundle_tdx_collateral which, const char *dir,
                        const char *name)
{
    size_t len = 0;
    uint8_t *want = test_read_file(dir, name, &len);
    assert_non_null(want);
    if (c->len[which] != len || memcmp(c->item[which], want, len) != 0)
        fail_msg("%s differs from %s", bundle_tdx_collateral_name(which), name);
    free(want);
}

static void expect_vectors(const pcs_collateral *c, const char *dir)
{
    expect_file(c, BUNDLE_TDX_TCB_INFO, dir, TDX "sample_tcbInfo_response");
    expect_file(c, BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN, dir, TDX "tcb_info_issuer_chain.pem");
    expect_file(c, BUNDLE_TDX_QE_IDENTITY, dir, TDX "sample_qeIdentity_response");
    expect_file(c, BUNDLE_TDX_QE_IDENTITY_ISSUER_CHAIN, dir, TDX "tcb_info_issuer_chain.pem");
    expect_file(c, BUNDLE_TDX_PCK_CRL, dir, TDX "pckcrl");
    expect_file(c, BUNDLE_TDX_PCK_CRL_ISSUER_CHAIN, dir, TDX "pck_crl_issuer_chain.pem");
    expect_file(c, BUNDLE_TDX_ROOT_CA_CRL, dir, TDX "rootcrl.der");
}

static void test_fetch_and_verify(void **state)
{
    (void)state;
    pcs_case t;
    case_begin(&t, 0);
    confai_status st = fetch(&t);
    if (st != CONFAI_OK)
        fail_msg("pcs_fetch_collateral: %s", t.err.message);
    expect_vectors(&t.c, t.dir);
    char *log = fake_log();
    assert_string_equal(log, expected_log);
    free(log);

    /* the library's own verifier accepts it, CRLs included */
    tdx_trust *trust = NULL;
    assert_int_equal(tdx_trust_new(&trust, &t.err), CONFAI_OK);
    tdx_collateral tc = {
        (const char *)t.c.item[BUNDLE_TDX_TCB_INFO], t.c.len[BUNDLE_TDX_TCB_INFO],
        (const char *)t.c.item[BUNDLE_TDX_QE_IDENTITY], t.c.len[BUNDLE_TDX_QE_IDENTITY],
        (const char *)t.c.item[BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN],
        t.c.len[BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN],
        t.c.item[BUNDLE_TDX_PCK_CRL], t.c.len[BUNDLE_TDX_PCK_CRL],
        t.c.item[BUNDLE_TDX_ROOT_CA_CRL], t.c.len[BUNDLE_TDX_ROOT_CA_CRL],
        0, NULL, NULL, 0,
    };
    tdx_verified v;
    st = tdx_verify(&v, trust, NULL, t.quote, QUOTE_LEN, 0, &tc, T_2023_06_20, &t.err);
    if (st != CONFAI_OK)
        fail_msg("tdx_verify: %s", t.err.message);
    assert_true(v.tcb_info_present);
    assert_true(v.qe_identity_present);
    assert_false(v.collateral_missing);
    assert_true(v.pck_crl_checked);
    assert_true(v.root_crl_checked);
    assert_int_equal(v.root_kind, TDX_ROOT_VENDOR);
    assert_int_equal(v.qe_status, TDX_TCB_UP_TO_DATE);
    assert_int_equal(v.tcb_status, TDX_TCB_NOT_SUPPORTED); /* as test_tdx_verify.c */
    tdx_trust_free(trust);
    pcs_collateral_clear(&t.c);
    assert_null(t.c.item[0]);
    pcs_collateral_clear(NULL);

    /* zero padding after the quote is accepted, as configfs-tsm hands it out */
    uint8_t *padded = calloc(1, QUOTE_LEN + 100);
    memcpy(padded, t.quote, QUOTE_LEN);
    assert_int_equal(pcs_fetch_collateral(&t.c, padded, QUOTE_LEN + 100, &t.o, &t.err),
                     CONFAI_OK);
    pcs_collateral_clear(&t.c);
    free(padded);
    case_end(&t);
}

static int fetch_in_child(const pcs_options *o, const uint8_t *quote)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pcs_collateral c;
        confai_status st = pcs_fetch_collateral(&c, quote, QUOTE_LEN, o, NULL);
        pcs_collateral_clear(&c);
        _exit(st == CONFAI_OK ? 0 : 1);
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
}

static void damage_all(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(truncate(path, 100), 0); /* a torn write */
    }
    closedir(d);
}

static void test_cache(void **state)
{
    (void)state;
    pcs_case t;
    case_begin(&t, 1);

    assert_int_equal(fetch(&t), CONFAI_OK);
    pcs_collateral_clear(&t.c);
    assert_int_equal(fake_count(), 4);
    assert_int_equal(count_files(t.cache), 4);
    assert_int_equal(fetch(&t), CONFAI_OK);
    expect_vectors(&t.c, t.dir);
    pcs_collateral_clear(&t.c);
    assert_int_equal(fake_count(), 4);
    /* a restart */
    assert_true(fetch_in_child(&t.o, t.quote));
    assert_int_equal(fake_count(), 4);
    /* torn entries are misses */
    damage_all(t.cache);
    assert_int_equal(fetch(&t), CONFAI_OK);
    expect_vectors(&t.c, t.dir);
    pcs_collateral_clear(&t.c);
    assert_int_equal(fake_count(), 8);
    /* PCS down while everything is fresh: no request, no failure */
    fake_fault("500", 0);
    assert_true(fetch_in_child(&t.o, t.quote));
    assert_int_equal(fake_count(), 8);
    case_end(&t);
}

static void test_expired(void **state)
{
    (void)state;
    pcs_case t;
    case_begin(&t, 1);
    assert_int_equal(fetch(&t), CONFAI_OK);
    pcs_collateral_clear(&t.c);
    fake_reset();

    /* past the QE identity's nextUpdate only: the TCB info still comes from the cache */
    t.o.now = T_2023_07_10;
    assert_int_equal(fetch(&t), CONFAI_E_COLLATERAL_EXPIRED);
    assert_null(t.c.item[0]);
    assert_non_null(strstr(t.err.message, "TDX QE identity whose nextUpdate 2023-07-08"));
    char *log = fake_log();
    assert_string_equal(log, "GET /tdx/certification/v4/qe/identity\n");
    free(log);

    /* past everything, PCS failing: the expired copy is all there is */
    fake_reset();
    t.o.now = T_2023_08_01;
    fake_fault("500", 0);
    assert_int_equal(fetch(&t), CONFAI_E_COLLATERAL_EXPIRED);
    assert_non_null(strstr(t.err.message, "cached TCB info for FMSPC 50806f000000 expired "
                                        "2023-07-18"));
    assert_non_null(strstr(t.err.message, "HTTP 500"));
    fake_fault("404", 0);
    assert_int_equal(fetch(&t), CONFAI_E_COLLATERAL_EXPIRED);
    assert_non_null(strstr(t.err.message, "404"));

    /* PCS up but serving the same old documents, with or without a cache */
    fake_reset();
    assert_int_equal(fetch(&t), CONFAI_E_COLLATERAL_EXPIRED);
    assert_non_null(strstr(t.err.message, "is past"));
    t.o.cache_dir = NULL;
    assert_int_equal(fetch(&t), CONFAI_E_COLLATERAL_EXPIRED);
    assert_non_null(strstr(t.err.message, "clock"));
    case_end(&t);
}

static void test_not_found(void **state)
{
    (void)state;
    pcs_case t;
    case_begin(&t, 0);
    fake_fault("404", 0);
    assert_int_equal(fetch(&t), CONFAI_E_ENDORSEMENT_NOT_FOUND);
    assert_non_null(strstr(t.err.message, "PCS has no TCB info for FMSPC 50806f000000"));
    assert_int_equal(fake_count(), 1);

    /* an FMSPC the fake (like PCS for an unknown platform) has nothing for */
    fake_reset();
    size_t len = 0;
    uint8_t *cos = test_read_file(t.dir, TDX "cos-113-tdx-quote.dat", &len);
    assert_non_null(cos);
    assert_int_equal(pcs_fetch_collateral(&t.c, cos, len, &t.o, &t.err),
                     CONFAI_E_ENDORSEMENT_NOT_FOUND);
    assert_non_null(strstr(t.err.message, "FMSPC 00806f050000"));
    free(cos);
    case_end(&t);
}

/* A quote of a simulated TD whose PCK CA has the name given. */
static size_t sim_quote(uint8_t *quote, size_t cap, const char *pck_ca_cn)
{
    tdx_sim *td = NULL;
    tdx_sim_body body;
    size_t len = 0;
    assert_int_equal(tdx_sim_new_named(&td, T_2023_06_20, pck_ca_cn), 0);
    tdx_sim_body_default(&body, 4);
    assert_int_equal(tdx_sim_quote(td, &body, quote, cap, &len), 0);
    tdx_sim_free(td);
    return len;
}

static void test_pck_ca_name(void **state)
{
    (void)state;
    static uint8_t quote[16384];
    pcs_options o = options(NULL, T_2023_06_20);
    pcs_collateral c;
    confai_error err = { 0 };

    /* Intel's Platform CA name: PCS is asked, and knows no FMSPC 123456000000 */
    size_t len = sim_quote(quote, sizeof(quote), "Intel SGX PCK Platform CA");
    assert_int_equal(pcs_fetch_collateral(&c, quote, len, &o, &err),
                     CONFAI_E_ENDORSEMENT_NOT_FOUND);
    assert_non_null(strstr(err.message, "FMSPC " TDX_SIM_FMSPC));
    assert_int_equal(fake_count(), 1);

    /* any other issuer: no CRL to ask for, no request at all */
    fake_reset();
    len = sim_quote(quote, sizeof(quote), "Test SGX PCK Platform CA");
    assert_int_equal(pcs_fetch_collateral(&c, quote, len, &o, &err), CONFAI_E_CERT_CHAIN);
    assert_non_null(strstr(err.message, "\"Test SGX PCK Platform CA\""));
    assert_null(c.item[0]);
    assert_int_equal(fake_count(), 0);
}

static void test_retries(void **state)
{
    (void)state;
    pcs_case t;
    case_begin(&t, 0);

    fake_fault("429", 2);
    assert_int_equal(fetch(&t), CONFAI_OK);
    expect_vectors(&t.c, t.dir);
    pcs_collateral_clear(&t.c);
    assert_int_equal(fake_count(), 6);

    fake_reset();
    fake_fault("502", 0);
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

static void test_bad_input(void **state)
{
    (void)state;
    pcs_options o = options(NULL, T_2023_06_20);
    pcs_collateral c;
    confai_error err = { 0 };
    uint8_t junk[64] = { 0 };
    assert_int_equal(pcs_fetch_collateral(&c, NULL, 10, &o, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(pcs_fetch_collateral(NULL, junk, sizeof(junk), &o, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_not_equal(pcs_fetch_collateral(&c, junk, sizeof(junk), &o, &err), CONFAI_OK);
    assert_null(c.item[0]);
    assert_int_equal(fake_count(), 0);
}

int main(void)
{
    if (fake_start() != 0)
        return 1;
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_fetch_and_verify),
        T(test_cache),
        T(test_expired),
        T(test_not_found),
        T(test_pck_ca_name),
        T(test_retries),
        T(test_bad_input),
    };
    return cmocka_run_group_tests_name("server_pcs", tests, NULL, NULL);
}
