/*
 * GPU evidence verification benchmarks, per GPU, with a raw OpenSSL
 * ECDSA P-384 verification measured in the same run as the baseline:
 *
 * - cold: nvgpu_verify without a cache: parse the SPDM evidence, parse the
 *   five certificates of a real H100 chain, verify the chain to the pinned
 *   NVIDIA Device Identity CA (four ECDSA P-384 signatures plus the root's
 *   own) and the evidence's ECDSA P-384 signature;
 * - warm: the same with a caller-held nvgpu_chain_cache holding the chain:
 *   parse, lookup, one ECDSA P-384 signature, the nonce;
 * - parse: spdm_evidence_parse alone;
 * - baseline: EVP_DigestVerify of one ECDSA P-384 / SHA-384 signature over
 *   the same signed bytes with the same key (the floor of any verifier).
 *
 * The evidence is the real H100 report of trustee (vectors nvidia/trustee,
 * 64 blocks); a simulated GPU (src/sim/gpu_sim.h, three-certificate
 * chain, 16 blocks) is measured too.
 *
 *   bench_gpu [--seconds S]
 *
 * Each case runs for about S seconds (default 1) in ROUNDS rounds, of which
 * the best counts. Links the internal library (the GPU verifier's cache is
 * internal). Times are never asserted on: the program fails only when a
 * verification fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <confai/confai.h>

#include "attest/gpu/nvgpu.h"
#include "sim/gpu_sim.h"
#include "test_util.h"

#define ROUNDS 5
#define REAL_TIME INT64_C(1748736000) /* 2025-06-01, inside the chain's validity */
#define SIM_TIME INT64_C(1767225600)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct evidence {
    uint8_t *bytes;
    size_t len;
    const uint8_t *certs[NVGPU_MAX_CERTS];
    size_t lens[NVGPU_MAX_CERTS];
    size_t count;
    uint8_t nonce[32];
    int64_t time;
    nvgpu_trust *trust;
    nvgpu_chain_cache *cache;   /* NULL: cold */
    EVP_PKEY *leaf_key;         /* baseline */
    uint8_t der_sig[128];
    size_t der_sig_len;
    size_t signed_len;
} evidence;

static nvgpu_verified verified;

typedef void (*bench_op)(evidence *ev);

static void op_verify(evidence *ev)
{
    confai_error err = { 0 };
    if (nvgpu_verify_cached(&verified, ev->trust, ev->cache, ev->bytes, ev->len, ev->certs,
                            ev->lens, ev->count, ev->nonce, ev->time, &err) != CONFAI_OK) {
        fprintf(stderr, "bench_gpu: verification failed: %s\n", err.message);
        exit(1);
    }
}

static void op_parse(evidence *ev)
{
    if (spdm_evidence_parse(&verified.evidence, ev->bytes, ev->len, NULL) != CONFAI_OK)
        exit(1);
}

static void op_baseline(evidence *ev)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, ev->leaf_key) != 1
        || EVP_DigestVerify(md, ev->der_sig, ev->der_sig_len, ev->bytes, ev->signed_len) != 1) {
        fprintf(stderr, "bench_gpu: baseline verification failed\n");
        exit(1);
    }
    EVP_MD_CTX_free(md);
}

static double round_rate(bench_op op, evidence *ev, double seconds)
{
    size_t n = 0, batch = 1;
    double start = now(), t = start;
    while (t - start < seconds) {
        for (size_t i = 0; i < batch; i++)
            op(ev);
        n += batch;
        t = now();
        if (batch < 64)
            batch *= 2;
    }
    return (double)n / (t - start);
}

static double best_rate(bench_op op, evidence *ev, double seconds)
{
    double best = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double rate = round_rate(op, ev, seconds / ROUNDS);
        if (rate > best)
            best = rate;
    }
    return best;
}

static void report(const char *label, double rate)
{
    printf("  %-40s %8.0f /s  %7.3f ms\n", label, rate, 1e3 / rate);
}

/* The baseline's inputs: the leaf key and the signature as DER. */
static void prepare_baseline(evidence *ev, const uint8_t *leaf_der, size_t leaf_len)
{
    const uint8_t *p = leaf_der;
    X509 *leaf = d2i_X509(NULL, &p, (long)leaf_len);
    spdm_evidence *parsed = malloc(sizeof(*parsed));
    if (leaf == NULL || parsed == NULL
        || spdm_evidence_parse(parsed, ev->bytes, ev->len, NULL) != CONFAI_OK)
        exit(1);
    ev->leaf_key = X509_get_pubkey(leaf);
    ev->signed_len = parsed->signed_len;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(parsed->signature, 48, NULL),
                   BN_bin2bn(parsed->signature + 48, 48, NULL));
    unsigned char *der = NULL;
    int n = i2d_ECDSA_SIG(sig, &der);
    memcpy(ev->der_sig, der, (size_t)n);
    ev->der_sig_len = (size_t)n;
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    X509_free(leaf);
    free(parsed);
}

static void run(const char *title, evidence *ev, double seconds)
{
    printf("%s\n", title);
    ev->cache = NULL;
    double cold = best_rate(op_verify, ev, seconds);
    report("cold (chain + signature)", cold);
    if (nvgpu_chain_cache_new(&ev->cache, NULL) != CONFAI_OK)
        exit(1);
    op_verify(ev); /* fills the cache */
    double warm = best_rate(op_verify, ev, seconds);
    report("warm (caller-held chain cache)", warm);
    nvgpu_chain_cache_free(ev->cache);
    ev->cache = NULL;
    report("parse only", best_rate(op_parse, ev, seconds));
    double base = best_rate(op_baseline, ev, seconds);
    report("OpenSSL ECDSA P-384 verify (baseline)", base);
    printf("  cold/baseline %.2fx the time, warm/baseline %.2fx\n", base / cold, base / warm);
}

/* Hex text with whitespace into bytes. */
static uint8_t *read_hex(const char *dir, const char *name, size_t *len)
{
    size_t text_len;
    uint8_t *text = test_read_file(dir, name, &text_len);
    if (text == NULL)
        return NULL;
    char *hex = malloc(text_len + 1);
    size_t n = 0;
    for (size_t i = 0; i < text_len; i++)
        if (text[i] > ' ')
            hex[n++] = (char)text[i];
    hex[n] = '\0';
    uint8_t *bytes = test_hex_decode(hex, len);
    free(hex);
    free(text);
    return bytes;
}

static size_t read_chain(const char *dir, const char *name, uint8_t *der[NVGPU_MAX_CERTS],
                         size_t lens[NVGPU_MAX_CERTS])
{
    size_t len, n = 0;
    uint8_t *pem = test_read_file(dir, name, &len);
    if (pem == NULL)
        return 0;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    while (n < NVGPU_MAX_CERTS && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        der[n] = NULL;
        int l = i2d_X509(x, &der[n]);
        lens[n++] = (size_t)l;
        X509_free(x);
    }
    BIO_free(b);
    free(pem);
    return n;
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--seconds S]\n", argv[0]);
            return 2;
        }
    }
    printf("libconfai %s, %s\n", confai_version(), OpenSSL_version(OPENSSL_VERSION));
    printf("%.2g s per case, best of %d rounds; per GPU\n", seconds, ROUNDS);

    const char *dir = test_vectors_dir();
    if (dir != NULL) {
        evidence ev;
        uint8_t *der[NVGPU_MAX_CERTS];
        memset(&ev, 0, sizeof(ev));
        ev.bytes = read_hex(dir, "nvidia/trustee/hopperAttestationReport.txt", &ev.len);
        ev.count = read_chain(dir, "nvidia/trustee/hopper_cert_chain_case1.txt", der, ev.lens);
        size_t nlen = 0;
        uint8_t *nonce =
            test_hex_decode("931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb",
                            &nlen);
        if (ev.bytes == NULL || ev.count != 5 || nonce == NULL) {
            fprintf(stderr, "bench_gpu: cannot read the NVIDIA vectors in %s\n", dir);
            return 1;
        }
        memcpy(ev.nonce, nonce, 32);
        free(nonce);
        for (size_t i = 0; i < ev.count; i++)
            ev.certs[i] = der[i];
        ev.time = REAL_TIME;
        prepare_baseline(&ev, der[0], ev.lens[0]);
        run("real H100 evidence (64 blocks, 5-certificate chain to the NVIDIA root)", &ev,
            seconds);
        EVP_PKEY_free(ev.leaf_key);
        for (size_t i = 0; i < ev.count; i++)
            OPENSSL_free(der[i]);
        free(ev.bytes);
    } else {
        printf("(no vectors folder ../shared/vectors or $CONFAI_VECTORS: the real H100 "
               "evidence is skipped)\n");
    }

    gpu_sim *sim = NULL;
    evidence ev;
    memset(&ev, 0, sizeof(ev));
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    memset(ev.nonce, 0x5A, 32);
    if (gpu_sim_new(&sim, SIM_TIME, NULL) != CONFAI_OK
        || gpu_sim_evidence(sim, &ev.bytes, &ev.len, ev.nonce, &params, NULL) != CONFAI_OK
        || nvgpu_trust_new(&ev.trust, NULL) != CONFAI_OK)
        return 1;
    const uint8_t *certs[GPU_SIM_CERTS];
    gpu_sim_chain(sim, certs, ev.lens);
    for (size_t i = 0; i < GPU_SIM_CERTS; i++)
        ev.certs[i] = certs[i];
    ev.count = GPU_SIM_CERTS;
    ev.time = SIM_TIME;
    if (nvgpu_trust_add_root(ev.trust, certs[2], ev.lens[2], NULL) != CONFAI_OK)
        return 1;
    prepare_baseline(&ev, certs[0], ev.lens[0]);
    run("simulated GPU (16 blocks, 3-certificate chain to a custom root)", &ev, seconds);
    EVP_PKEY_free(ev.leaf_key);
    OPENSSL_free(ev.bytes);
    nvgpu_trust_free(ev.trust);
    gpu_sim_free(sim);
    return 0;
}
