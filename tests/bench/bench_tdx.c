/*
 * TDX quote verification benchmarks, with google/go-tdx-guest measured in
 * the same run as the baseline (the program in go-tdx-guest/):
 *
 * - quote: tdx_verify without collateral: parse the quote, the PEM PCK
 *   chain (three P-256 certificates) and its verification to the pinned
 *   Intel SGX Root CA, the QE report signature and binding, the quote
 *   signature; go-tdx-guest: verify.TdxQuote without collateral;
 * - collateral: the same plus the PCK CA's and the root CA's CRLs, TCB info
 *   and QE identity parsed and their signatures verified with the TCB
 *   signing chain, the TCB level evaluated; go-tdx-guest: verify.TdxQuote
 *   with the same collateral served by a local Getter (it ends in "no
 *   matching TCB level found" for this quote, after every signature, where
 *   libconfai reports NotSupported; see go-tdx-guest/main.go);
 * - warm: each of the two again with a caller-held tdx_cache that already
 *   holds the endorsement (PCK chain, CRLs, collateral): parse the quote,
 *   hash the chain and collateral bytes to find the entry, the QE report
 *   signature with the cached PCK key and binding, the quote signature, the
 *   TCB level and QE identity evaluation; compared with the same
 *   go-tdx-guest call as the cold case.
 *
 * The quote is the real Sapphire Rapids v4 quote of go-tdx-guest's own tests
 * (vectors tdx/go-tdx-guest, with the collateral PROVENANCE.md pairs with
 * it) at 2023-06-20. A simulated quote (tests/common/tdx_sim.h, custom
 * root) with simulated collateral is measured too, without a Go comparison.
 *
 *   bench_tdx [--seconds S] [--go PATH]
 *
 * Each case runs for about S seconds (default 1) in ROUNDS rounds, of which
 * the best counts; compared cases take turns round by round. The verifier
 * has no public API of its own, so this links the internal library. Times
 * are never asserted on: the program fails only when a verification fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <confai/confai.h>

#include "attest/tdx/tdx_internal.h"
#include "sim/tdx_sim.h"
#include "bench_util.h"
#include "test_util.h"

#define ROUNDS 5
#define SPR_TIME INT64_C(1687219200) /* 2023-06-20, inside the collateral's validity */
#define SPR_QUOTE_LEN 4935           /* the file has 39 bytes of text after the quote */
#define SIM_TIME INT64_C(1767225600)

/* One quote and what verifies it. */
typedef struct evidence {
    const uint8_t *quote;
    size_t quote_len;
    const tdx_collateral *collateral; /* NULL: quote only */
    int64_t time;
    const tdx_trust *trust;
    tdx_tcb_status want;              /* the TCB status the collateral gives */
    tdx_cache *cache;                 /* NULL: cold, every verification in full */
} evidence;

static int op_verify(void *arg)
{
    const evidence *ev = arg;
    tdx_verified v;
    confai_error err;
    if (tdx_verify(&v, ev->trust, ev->cache, ev->quote, ev->quote_len, 0, ev->collateral,
                   ev->time, &err) != CONFAI_OK) {
        fprintf(stderr, "bench_tdx: tdx_verify failed: %s (%s)\n",
                confai_status_name(err.status), err.message);
        return -1;
    }
    if (ev->collateral != NULL && v.tcb_status != ev->want) {
        fprintf(stderr, "bench_tdx: TCB status %s, expected %s\n",
                tdx_tcb_status_name(v.tcb_status), tdx_tcb_status_name(ev->want));
        return -1;
    }
    return 0;
}

/* --- go-tdx-guest ------------------------------------------------------------- */

static bench_go go;

/* One round of the Go program in a mode: "RESULT <mode> <ops/s>"; 0 when read. */
static int go_round(const char *go_bench, const char *dir, int collateral, double seconds,
                    double *rate)
{
    char command[8192], extra[4096] = "";
    const char *v = "tdx/go-tdx-guest";
    if (collateral)
        snprintf(extra, sizeof(extra),
                 "-mode collateral -fmspc 50806f000000 -tcbinfo '%s/%s/sample_tcbInfo_response' "
                 "-qeidentity '%s/%s/sample_qeIdentity_response' "
                 "-signchain '%s/%s/tcb_info_issuer_chain.pem' -pckcrl '%s/%s/pckcrl' "
                 "-pckcrlchain '%s/%s/pck_crl_issuer_chain.pem' -rootcrl '%s/%s/rootcrl.der' "
                 "-expect 'no matching TCB level'",
                 dir, v, dir, v, dir, v, dir, v, dir, v, dir, v);
    snprintf(command, sizeof(command),
             "'%s' -quote '%s/%s/tdx_prod_quote_SPR_E4.dat' -len %d "
             "-root '%s/%s/trusted_root.pem' -time %lld -rounds 1 -seconds %g %s 2>&1",
             go_bench, dir, v, SPR_QUOTE_LEN, dir, v, (long long)SPR_TIME, seconds, extra);
    static const char *const any[] = { NULL }; /* the one RESULT of the mode */
    return bench_go_run(&go, command, any, rate, 1);
}

/* libconfai (and go-tdx-guest in the same mode, when go_bench is set) */
static void bench_case(const char *title, const evidence *ev, const char *go_bench,
                       const char *dir, double seconds)
{
    if (op_verify((void *)ev) != 0) /* check, warm up (and fill the cache) */
        exit(1);
    size_t entries = 0, hits_before = 0, hits = 0;
    if (ev->cache != NULL)
        tdx_cache_stats(ev->cache, &entries, &hits_before);
    double rate = 0, go_rate = 0;
    int go_ok = go_bench != NULL;
    for (int i = 0; i < ROUNDS; i++) {
        bench_keep_best(&rate, bench_round_rate(op_verify, (void *)ev, seconds / ROUNDS));
        double g;
        if (go_ok && go_round(go_bench, dir, ev->collateral != NULL, seconds / ROUNDS, &g) == 0) {
            bench_keep_best(&go_rate, g);
        } else if (go_ok) {
            printf("  (no go-tdx-guest comparison: %s)\n",
                   go.unavailable[0] ? go.unavailable : "running the Go program failed");
            go_ok = 0;
        }
    }
    if (ev->cache != NULL) {
        /* a warm case that missed would measure the cold path */
        tdx_cache_stats(ev->cache, &entries, &hits);
        if (entries == 0 || hits == hits_before) {
            fprintf(stderr, "bench_tdx: the warm case did not hit the cache\n");
            exit(1);
        }
    }
    printf("%s\n", title);
    bench_print_rate(ev->cache != NULL ? "libconfai tdx_verify, warm cache" : "libconfai tdx_verify",
               rate);
    if (go_ok) {
        bench_print_rate("go-tdx-guest verify.TdxQuote", go_rate);
        printf("  libconfai/go-tdx-guest: %.2fx (%s)\n", rate / go_rate, go.version);
    }
}

/* --- cases ------------------------------------------------------------------------ */

typedef struct real_files {
    uint8_t *quote, *pck_crl, *root_crl;
    char *tcb_info, *qe_identity, *chain;
    size_t quote_len, pck_crl_len, root_crl_len, tcb_info_len, qe_identity_len, chain_len;
} real_files;

static int bench_real(const char *dir, const char *go_bench, double seconds)
{
    real_files f = { 0 };
    tdx_trust *trust = NULL;
    const char *v = "tdx/go-tdx-guest/";
    char path[256];
#define READ(field, name)                                              \
    (snprintf(path, sizeof(path), "%s%s", v, name),                    \
     f.field = (void *)test_read_file(dir, path, &f.field##_len), f.field != NULL)
    if (!READ(quote, "tdx_prod_quote_SPR_E4.dat") || !READ(pck_crl, "pckcrl") ||
        !READ(root_crl, "rootcrl.der") || !READ(tcb_info, "sample_tcbInfo_response") ||
        !READ(qe_identity, "sample_qeIdentity_response") ||
        !READ(chain, "tcb_info_issuer_chain.pem") || f.quote_len < SPR_QUOTE_LEN ||
        tdx_trust_new(&trust, NULL) != CONFAI_OK) {
        fprintf(stderr, "bench_tdx: cannot read the go-tdx-guest vectors in %s\n", dir);
        return -1;
    }
#undef READ
    tdx_collateral c = { f.tcb_info, f.tcb_info_len, f.qe_identity, f.qe_identity_len,
                         f.chain,    f.chain_len,    f.pck_crl,     f.pck_crl_len,
                         f.root_crl, f.root_crl_len, 0,             NULL,
                         NULL,       0 };
    tdx_cache *cache = NULL;
    if (tdx_cache_new(&cache, NULL) != CONFAI_OK)
        return -1;
    evidence quote_only = { f.quote, SPR_QUOTE_LEN, NULL, SPR_TIME, trust, TDX_TCB_UNKNOWN,
                            NULL };
    evidence full = { f.quote, SPR_QUOTE_LEN, &c, SPR_TIME, trust, TDX_TCB_NOT_SUPPORTED,
                      NULL };
    bench_case("real SPR v4 quote (go-tdx-guest tdx_prod_quote_SPR_E4), quote + PCK chain:",
               &quote_only, go_bench, dir, seconds);
    quote_only.cache = cache;
    bench_case("the same, warm (PCK chain cached):", &quote_only, go_bench, dir, seconds);
    bench_case("the same with TCB info, QE identity and both CRLs:", &full, go_bench, dir,
               seconds);
    full.cache = cache;
    bench_case("the same, warm (PCK chain, CRLs and collateral cached):", &full, go_bench, dir,
               seconds);
    tdx_cache_free(cache);
    tdx_trust_free(trust);
    free(f.quote);
    free(f.pck_crl);
    free(f.root_crl);
    free(f.tcb_info);
    free(f.qe_identity);
    free(f.chain);
    return 0;
}

static void bench_simulated(double seconds)
{
    static uint8_t quote[16384], crl[4096];
    static char tcb_info[16384], qe_identity[8192], chain[8192];
    size_t quote_len = 0, crl_len = 0, tl = 0, ql = 0, cl = 0, root_len = 0;
    tdx_sim *s = NULL;
    tdx_trust *trust = NULL;
    tdx_sim_body body;
    tdx_sim_collateral sc;
    tdx_sim_body_default(&body, 4);
    tdx_sim_collateral_default(&sc, SIM_TIME);
    if (tdx_sim_new(&s, SIM_TIME) != 0 ||
        tdx_sim_quote(s, &body, quote, sizeof(quote), &quote_len) != 0 ||
        tdx_sim_tcb_info(s, &sc, tcb_info, sizeof(tcb_info), &tl) != 0 ||
        tdx_sim_qe_identity(s, &sc, qe_identity, sizeof(qe_identity), &ql) != 0 ||
        tdx_sim_signing_chain(s, chain, sizeof(chain), &cl) != 0 ||
        tdx_sim_crl(s, 0, 0, SIM_TIME - 3600, SIM_TIME + 86400, crl, sizeof(crl), &crl_len) != 0 ||
        tdx_trust_new(&trust, NULL) != CONFAI_OK)
        exit(1);
    const uint8_t *root = tdx_sim_root_der(s, &root_len);
    if (tdx_trust_add_root(trust, root, root_len, NULL) != CONFAI_OK)
        exit(1);
    tdx_collateral c = { tcb_info, tl, qe_identity, ql, chain, cl, crl, crl_len, NULL, 0, 0,
                         NULL, NULL, 0 };
    tdx_cache *cache = NULL;
    if (tdx_cache_new(&cache, NULL) != CONFAI_OK)
        exit(1);
    evidence ev = { quote, quote_len, &c, SIM_TIME, trust, TDX_TCB_UP_TO_DATE, NULL };
    bench_case("simulated v4 quote with collateral and PCK CRL (custom root):", &ev, NULL, NULL,
               seconds);
    ev.cache = cache;
    bench_case("the same, warm:", &ev, NULL, NULL, seconds);
    tdx_cache_free(cache);
    tdx_trust_free(trust);
    tdx_sim_free(s);
}

int main(int argc, char **argv)
{
    double seconds;
    const char *go_bench;
    if (bench_args(argc, argv, &seconds, &go_bench) != 0)
        return 2;
    printf("libconfai %s, %s\n", confai_version(), OpenSSL_version(OPENSSL_VERSION));
    printf("%.2g s per case, best of %d rounds%s\n", seconds, ROUNDS,
           go_bench != NULL ? ", rounds shared with go-tdx-guest"
                            : " (no go-tdx-guest comparison: Go not found at configure time)");
    const char *dir = test_vectors_dir();
    if (dir == NULL)
        printf("(no vectors folder ../shared/vectors or $CONFAI_VECTORS: the real quote and "
               "the go-tdx-guest comparison are skipped)\n");
    else if (bench_real(dir, go_bench, seconds) != 0)
        return 1;
    bench_simulated(seconds);
    return 0;
}
