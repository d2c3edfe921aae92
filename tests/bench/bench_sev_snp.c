/*
 * SEV-SNP verification benchmarks, with google/go-sev-guest measured in the
 * same run as the baseline (the program in go-sev-guest/):
 *
 * - cold: snp_verify without a cache: parse the report, parse the three
 *   certificates, verify the chain (two RSA-4096 PSS signatures; the pinned
 *   ARK's own is not re-checked) and the report's ECDSA P-384 signature;
 * - warm: the same with a caller-held snp_chain_cache: parse, cache lookup,
 *   ECDSA signature, comparisons;
 * - parse: snp_report_parse alone;
 * - go-sev-guest: verify.SnpAttestation of the same report and VCEK against
 *   the same ASK/ARK at the same time (see go-sev-guest/main.go).
 *
 * The report is the real Milan report of go-sev-guest's own tests
 * (vectors sev-snp/go-sev-guest); a simulated Turin v5 report (fixed test
 * keys) is measured too, without a Go comparison.
 *
 *   bench_sev_snp [--seconds S] [--go PATH]
 *
 * Each case runs for about S seconds (default 1) in ROUNDS rounds, of which
 * the best counts; cases that are compared take turns round by round. The
 * verifier has no public API yet, so this links the internal library. Times
 * are never asserted on: the program fails only when a verification fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <confai/confai.h>

#include "attest/snp/snp.h"
#include "sim/snp_sim.h"
#include "snp_sim_test_keys.h"
#include "bench_util.h"
#include "test_util.h"

#define ROUNDS 5
#define MILAN_TIME INT64_C(1704067200) /* 2024-01-01, inside the VCEK's validity */
#define SIM_TIME INT64_C(1767225600)

/* One piece of evidence and what verifies it. */
typedef struct evidence {
    const uint8_t *report;
    const uint8_t *certs[3];
    size_t lens[3];
    int64_t time;
    const snp_trust *trust;
    snp_chain_cache *cache; /* NULL: cold */
} evidence;

static int op_verify(void *arg)
{
    const evidence *ev = arg;
    snp_verified v;
    confai_error err;
    if (snp_verify(&v, ev->trust, ev->cache, ev->report, SNP_REPORT_SIZE, ev->certs, ev->lens, 3,
                   ev->time, &err) != CONFAI_OK) {
        fprintf(stderr, "bench_sev_snp: snp_verify failed: %s (%s)\n",
                confai_status_name(err.status), err.message);
        return -1;
    }
    return 0;
}

static int op_parse(void *arg)
{
    const evidence *ev = arg;
    snp_report r;
    return snp_report_parse(&r, ev->report, SNP_REPORT_SIZE, NULL) == CONFAI_OK ? 0 : -1;
}

/* --- go-sev-guest --------------------------------------------------------------- */

static bench_go go;

/* One round of the Go program: "RESULT verify <ops/s>"; 0 when read. */
static int go_round(const char *go_bench, const char *dir, double seconds, double *rate)
{
    char command[8192];
    snprintf(command, sizeof(command),
             "'%s' -report '%s/sev-snp/go-sev-guest/attestation.bin' "
             "-vcek '%s/sev-snp/go-sev-guest/vcek.testcer' "
             "-chain '%s/sev-snp/go-sev-guest/ask_ark_milan.pem' -product Milan "
             "-time %lld -rounds 1 -seconds %g",
             go_bench, dir, dir, dir, (long long)MILAN_TIME, seconds);
    static const char *const names[] = { "verify" };
    return bench_go_run(&go, command, names, rate, 1);
}

/* --- cases ---------------------------------------------------------------------- */

/* cold, warm and parse of one piece of evidence; Go too when go_bench is set */
static void bench_evidence(const char *title, evidence *ev, const char *go_bench,
                           const char *dir, double seconds)
{
    snp_chain_cache *cache = NULL;
    if (snp_chain_cache_new(&cache, NULL) != CONFAI_OK)
        exit(1);
    evidence warm = *ev;
    warm.cache = cache;
    ev->cache = NULL;
    if (op_verify(ev) != 0 || op_verify(&warm) != 0) /* check, warm up */
        exit(1);

    double cold_rate = 0, warm_rate = 0, parse_rate = 0, go_rate = 0;
    int go_ok = go_bench != NULL;
    for (int i = 0; i < ROUNDS; i++) {
        bench_keep_best(&cold_rate, bench_round_rate(op_verify, ev, seconds / ROUNDS));
        bench_keep_best(&warm_rate, bench_round_rate(op_verify, &warm, seconds / ROUNDS));
        bench_keep_best(&parse_rate, bench_round_rate(op_parse, ev, seconds / ROUNDS / 4));
        double g;
        if (go_ok && go_round(go_bench, dir, seconds / ROUNDS, &g) == 0) {
            bench_keep_best(&go_rate, g);
        } else if (go_ok) {
            printf("  (no go-sev-guest comparison: %s)\n",
                   go.unavailable[0] ? go.unavailable : "running the Go program failed");
            go_ok = 0;
        }
    }
    printf("%s\n", title);
    bench_print_rate("libconfai cold (parse+chain+sig)", cold_rate);
    bench_print_rate("libconfai warm (chain cached)", warm_rate);
    bench_print_rate("libconfai report parse only", parse_rate);
    if (go_ok) {
        bench_print_rate("go-sev-guest verify.SnpAttestation", go_rate);
        printf("  libconfai/go-sev-guest: cold %.2fx, warm %.2fx (%s)\n", cold_rate / go_rate,
               warm_rate / go_rate, go.version);
    }
    snp_chain_cache_free(cache);
}

typedef struct real_files {
    uint8_t *report, *vcek, *chain;
    size_t report_len, vcek_len, chain_len;
} real_files;

/* --- PEM ------------------------------------------------------------------------- */

/* The first two certificates of a PEM file, as DER. */
static int pem_pair(const uint8_t *pem, size_t len, uint8_t *der[2], size_t der_len[2])
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    int ok = bio != NULL;
    for (int i = 0; i < 2 && ok; i++) {
        X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        unsigned char *out = NULL;
        int n = x != NULL ? i2d_X509(x, &out) : -1;
        X509_free(x);
        ok = n > 0;
        der[i] = out;
        der_len[i] = ok ? (size_t)n : 0;
    }
    BIO_free(bio);
    return ok ? 0 : -1;
}

static int bench_real(const char *dir, const char *go_bench, double seconds)
{
    real_files f = { 0 };
    uint8_t *ask_ark[2] = { NULL, NULL };
    size_t ask_ark_len[2];
    snp_trust *trust = NULL;
    f.report = test_read_file(dir, "sev-snp/go-sev-guest/attestation.bin", &f.report_len);
    f.vcek = test_read_file(dir, "sev-snp/go-sev-guest/vcek.testcer", &f.vcek_len);
    f.chain = test_read_file(dir, "sev-snp/go-sev-guest/ask_ark_milan.pem", &f.chain_len);
    if (f.report == NULL || f.vcek == NULL || f.chain == NULL ||
        f.report_len != SNP_REPORT_SIZE ||
        pem_pair(f.chain, f.chain_len, ask_ark, ask_ark_len) != 0 ||
        snp_trust_new(&trust, NULL) != CONFAI_OK) {
        fprintf(stderr, "bench_sev_snp: cannot read the go-sev-guest vectors in %s\n", dir);
        return -1;
    }
    evidence ev = { .report = f.report,
                    .certs = { f.vcek, ask_ark[0], ask_ark[1] },
                    .lens = { f.vcek_len, ask_ark_len[0], ask_ark_len[1] },
                    .time = MILAN_TIME,
                    .trust = trust };
    bench_evidence("real Milan v2 report (go-sev-guest attestation.bin), AMD chain:", &ev,
                   go_bench, dir, seconds);
    snp_trust_free(trust);
    free(f.report);
    free(f.vcek);
    free(f.chain);
    OPENSSL_free(ask_ark[0]);
    OPENSSL_free(ask_ark[1]);
    return 0;
}

static void bench_simulated(double seconds)
{
    snp_sim_keys *keys = NULL;
    snp_sim *sim = NULL;
    snp_trust *trust = NULL;
    snp_sim_config cfg;
    snp_report fields;
    uint8_t report[SNP_REPORT_SIZE];
    size_t len;
    snp_sim_config_default(&cfg, SNP_PRODUCT_TURIN, SIM_TIME);
    if (snp_sim_keys_import(&keys, snp_test_keys, NULL) != CONFAI_OK ||
        snp_sim_new(&sim, keys, &cfg, NULL) != CONFAI_OK ||
        snp_trust_new(&trust, NULL) != CONFAI_OK)
        exit(1);
    const uint8_t *ark = snp_sim_cert(sim, SNP_SIM_ARK, &len);
    snp_sim_report_template(sim, &fields, SNP_KEY_VCEK);
    if (snp_trust_add_root(trust, ark, len, NULL) != CONFAI_OK ||
        snp_sim_sign_report(sim, report, &fields, SNP_KEY_VCEK, NULL) != CONFAI_OK)
        exit(1);
    evidence ev = { .report = report, .time = SIM_TIME, .trust = trust };
    snp_sim_chain(sim, SNP_KEY_VCEK, ev.certs, ev.lens);
    bench_evidence("simulated Turin v5 report, simulated chain (custom root):", &ev, NULL, NULL,
                   seconds);
    snp_trust_free(trust);
    snp_sim_free(sim);
    snp_sim_keys_free(keys);
}

int main(int argc, char **argv)
{
    double seconds;
    const char *go_bench;
    if (bench_args(argc, argv, &seconds, &go_bench) != 0)
        return 2;
    printf("libconfai %s, %s\n", confai_version(), OpenSSL_version(OPENSSL_VERSION));
    printf("%.2g s per case, best of %d rounds%s\n", seconds, ROUNDS,
           go_bench != NULL ? ", rounds shared with go-sev-guest"
                            : " (no go-sev-guest comparison: Go not found at configure time)");
    const char *dir = test_vectors_dir();
    if (dir == NULL)
        printf("(no vectors folder ../shared/vectors or $CONFAI_VECTORS: the real report and "
               "the go-sev-guest comparison are skipped)\n");
    else if (bench_real(dir, go_bench, seconds) != 0)
        return 1;
    bench_simulated(seconds);
    return 0;
}
