/*
 * HPKE benchmarks of the public library (libconfai.so), with baselines run in
 * the same process so that results are read as ratios, not absolute numbers:
 *
 * - setup+seal and setup+open of a 1 KiB message (single shot, base mode) for
 *   X25519/HKDF-SHA256/AES-256-GCM and P-256/HKDF-SHA256/AES-128-GCM;
 * - sealing many 16 KiB messages through one HPKE context against raw
 *   OpenSSL EVP with the same cipher and a new nonce per message, for
 *   AES-256-GCM and ChaCha20-Poly1305;
 * - with --go PATH, the Go crypto/hpke program of go-hpke/ runs the same
 *   single-shot cases and the ratio libconfai/Go is printed.
 *
 *   bench_hpke [--seconds S] [--go PATH]
 *
 * Each case runs for about S seconds (default 1), measured with
 * CLOCK_MONOTONIC, split into rounds of which the best counts (see
 * best_rates). Nothing is asserted about times: the program fails only when
 * an operation fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <confai/confai.h>

#define SMALL_MESSAGE 1024
#define STREAM_MESSAGE (16 * 1024)
#define MAX_RESULTS 16

static const uint8_t info[] = "confai bench";

/* --- timing -------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One operation of a case; returns 0, or -1 after printing why it failed. */
typedef int (*bench_op)(void *state);

/* Runs op for about `seconds`; returns ops/s. Exits if op fails. */
static double round_rate(bench_op op, void *state, double seconds)
{
    long ops = 0;
    double start = now(), elapsed;
    do {
        if (op(state) != 0)
            exit(1);
        ops++;
        elapsed = now() - start;
    } while (elapsed < seconds);
    return (double)ops / elapsed;
}

/*
 * The machine is shared and noisy: each case runs in ROUNDS rounds and
 * reports its best round, the one least disturbed. Two cases that are
 * compared have their rounds interleaved, so that a disturbance hits both.
 */
#define ROUNDS 5

static void best_rates(bench_op a, bench_op b, void *state, double seconds,
                       double *rate_a, double *rate_b)
{
    *rate_a = *rate_b = 0;
    if (a(state) != 0 || (b != NULL && b(state) != 0)) /* warm up */
        exit(1);
    for (int i = 0; i < ROUNDS; i++) {
        double r = round_rate(a, state, seconds / ROUNDS);
        if (r > *rate_a)
            *rate_a = r;
        if (b != NULL) {
            r = round_rate(b, state, seconds / ROUNDS);
            if (r > *rate_b)
                *rate_b = r;
        }
    }
}

static double best_rate(bench_op op, void *state, double seconds)
{
    double rate, unused;
    best_rates(op, NULL, state, seconds, &rate, &unused);
    return rate;
}

static int fail(const char *what, const confai_error *err)
{
    fprintf(stderr, "bench_hpke: %s failed: %s (%s)\n", what,
            confai_status_name(err->status), err->message);
    return -1;
}

static void die(const char *what, const confai_error *err)
{
    fail(what, err);
    exit(1);
}

/* Results by name, for the comparison with Go. */
static struct {
    char name[64];  /* "seal-x25519-sha256-aes256gcm" */
    char label[64]; /* "setup+seal X25519/HKDF-SHA256/AES-256-GCM" */
    double ops;
} results[MAX_RESULTS];
static int n_results;

static void record(const char *op, const char *id, const char *label,
                   double ops)
{
    if (n_results < MAX_RESULTS) {
        snprintf(results[n_results].name, sizeof(results[0].name), "%s-%s",
                 op, id);
        snprintf(results[n_results].label, sizeof(results[0].label),
                 "setup+%s %s", op, label);
        results[n_results].ops = ops;
        n_results++;
    }
}

static int lookup(const char *name)
{
    for (int i = 0; i < n_results; i++)
        if (strcmp(results[i].name, name) == 0)
            return i;
    return -1;
}

/* --- single shot: setup+seal, setup+open of 1 KiB ------------------------ */

typedef struct single_state {
    confai_hpke_suite suite;
    confai_hpke_key *key;
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pk_len;
    uint8_t pt[SMALL_MESSAGE];
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len;
    uint8_t ct[SMALL_MESSAGE + CONFAI_HPKE_TAG_SIZE];
    size_t ct_len;
} single_state;

static int seal_once(void *arg)
{
    single_state *s = arg;
    confai_error err;
    s->enc_len = sizeof(s->enc);
    s->ct_len = sizeof(s->ct);
    if (confai_hpke_seal_once(&s->suite, s->enc, &s->enc_len, s->ct,
                              &s->ct_len, s->pk, s->pk_len, info,
                              sizeof(info) - 1, NULL, 0, s->pt, sizeof(s->pt),
                              &err) != CONFAI_OK)
        return fail("confai_hpke_seal_once", &err);
    return 0;
}

static int open_once(void *arg)
{
    single_state *s = arg;
    uint8_t out[SMALL_MESSAGE];
    size_t out_len = sizeof(out);
    confai_error err;
    if (confai_hpke_open_once(&s->suite, out, &out_len, s->key, s->enc,
                              s->enc_len, info, sizeof(info) - 1, NULL, 0,
                              s->ct, s->ct_len, &err) != CONFAI_OK)
        return fail("confai_hpke_open_once", &err);
    return 0;
}

static void bench_single(const char *label, const char *id,
                         confai_hpke_suite suite, double seconds)
{
    single_state s = { .suite = suite };
    confai_error err;
    if (confai_hpke_key_generate(&s.key, suite.kem_id, &err) != CONFAI_OK)
        die("confai_hpke_key_generate", &err);
    s.pk_len = sizeof(s.pk);
    if (confai_hpke_key_public(s.key, s.pk, &s.pk_len, &err) != CONFAI_OK)
        die("confai_hpke_key_public", &err);
    memset(s.pt, 'p', sizeof(s.pt));

    double seal = best_rate(seal_once, &s, seconds);
    record("seal", id, label, seal);
    /* open the last message sealed, again and again */
    double open = best_rate(open_once, &s, seconds);
    record("open", id, label, open);
    printf("  %-34s seal %9.0f ops/s   open %9.0f ops/s\n", label, seal, open);
    confai_hpke_key_free(s.key);
}

/* --- many 16 KiB messages: HPKE context vs raw EVP ----------------------- */

typedef struct stream_state {
    confai_hpke_ctx *ctx;
    EVP_CIPHER_CTX *evp;
    uint8_t base_nonce[12];
    uint64_t seq;
    uint8_t pt[STREAM_MESSAGE];
    uint8_t ct[STREAM_MESSAGE + CONFAI_HPKE_TAG_SIZE];
} stream_state;

static int seal_context(void *arg)
{
    stream_state *s = arg;
    size_t ct_len = sizeof(s->ct);
    confai_error err;
    if (confai_hpke_seal(s->ctx, s->ct, &ct_len, NULL, 0, s->pt,
                         sizeof(s->pt), &err) != CONFAI_OK)
        return fail("confai_hpke_seal", &err);
    return 0;
}

/* What an application would write with EVP directly: one cipher context,
 * key set once, nonce = base_nonce XOR sequence number (as in HPKE). */
static int seal_evp(void *arg)
{
    stream_state *s = arg;
    uint8_t nonce[12];
    int len, fin;
    memcpy(nonce, s->base_nonce, sizeof(nonce));
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(s->seq >> (8 * i));
    s->seq++;
    if (EVP_EncryptInit_ex(s->evp, NULL, NULL, NULL, nonce) != 1 ||
        EVP_EncryptUpdate(s->evp, s->ct, &len, s->pt, (int)sizeof(s->pt)) != 1 ||
        EVP_EncryptFinal_ex(s->evp, s->ct + len, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(s->evp, EVP_CTRL_AEAD_GET_TAG, 16,
                            s->ct + len + fin) != 1) {
        fprintf(stderr, "bench_hpke: EVP encryption failed\n");
        return -1;
    }
    return 0;
}

static void bench_stream(const char *label, uint16_t aead_id,
                         const char *cipher_name, double seconds)
{
    stream_state *s = calloc(1, sizeof(*s));
    if (s == NULL)
        exit(1);
    memset(s->pt, 'm', sizeof(s->pt));
    confai_hpke_suite suite = { CONFAI_HPKE_KEM_X25519_SHA256,
                                CONFAI_HPKE_KDF_HKDF_SHA256, aead_id };
    confai_hpke_key *key = NULL;
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE], enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t pk_len = sizeof(pk), enc_len = sizeof(enc);
    confai_error err;
    if (confai_hpke_key_generate(&key, suite.kem_id, &err) != CONFAI_OK ||
        confai_hpke_key_public(key, pk, &pk_len, &err) != CONFAI_OK ||
        confai_hpke_ctx_new(&s->ctx, CONFAI_HPKE_ROLE_SENDER, &suite, &err) !=
            CONFAI_OK ||
        confai_hpke_sender_setup(s->ctx, enc, &enc_len, pk, pk_len, info,
                                 sizeof(info) - 1, &err) != CONFAI_OK)
        die("HPKE sender setup", &err);

    /* the same key size, a random key and base nonce */
    uint8_t evp_key[32];
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, cipher_name, NULL);
    s->evp = EVP_CIPHER_CTX_new();
    if (cipher == NULL || s->evp == NULL ||
        EVP_CIPHER_get_key_length(cipher) != (int)sizeof(evp_key) ||
        confai_hpke_export(s->ctx, evp_key, sizeof(evp_key),
                           (const uint8_t *)"k", 1, &err) != CONFAI_OK ||
        confai_hpke_export(s->ctx, s->base_nonce, sizeof(s->base_nonce),
                           (const uint8_t *)"n", 1, &err) != CONFAI_OK ||
        EVP_EncryptInit_ex(s->evp, cipher, NULL, evp_key, NULL) != 1) {
        fprintf(stderr, "bench_hpke: cannot set up EVP %s\n", cipher_name);
        exit(1);
    }

    const double mib = (double)STREAM_MESSAGE / (1024.0 * 1024.0);
    double hpke, evp;
    best_rates(seal_context, seal_evp, s, seconds, &hpke, &evp);
    hpke *= mib;
    evp *= mib;
    printf("  %-19s libconfai %7.0f MiB/s   EVP %7.0f MiB/s   "
           "libconfai/EVP %.2f\n", label, hpke, evp, hpke / evp);

    EVP_CIPHER_CTX_free(s->evp);
    EVP_CIPHER_free(cipher);
    confai_hpke_ctx_free(s->ctx);
    confai_hpke_key_free(key);
    free(s);
}

/* --- Go crypto/hpke ------------------------------------------------------ */

/* Runs the Go program; it prints "RESULT <name> <ops/s>" lines with the
 * names record() makes. */
static void compare_with_go(const char *go_bench, double seconds)
{
    char command[4096];
    snprintf(command, sizeof(command), "'%s' -seconds %g", go_bench, seconds);
    FILE *p = popen(command, "r");
    if (p == NULL) {
        printf("  cannot run %s\n", go_bench);
        return;
    }
    char line[256], name[64], version[64] = "Go";
    double ops;
    while (fgets(line, sizeof(line), p) != NULL) {
        if (sscanf(line, "GOVERSION %63s", version) == 1)
            printf("Go crypto/hpke (%s), 1 KiB single shot\n", version);
        else if (sscanf(line, "RESULT %63s %lf", name, &ops) == 2) {
            int i = lookup(name);
            if (i < 0 || ops <= 0)
                continue;
            printf("  %-45s Go %7.0f ops/s   libconfai/Go %.2f\n",
                   results[i].label, ops, results[i].ops / ops);
        }
    }
    if (pclose(p) != 0)
        printf("  %s failed\n", go_bench);
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    const char *go_bench = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--go") == 0 && i + 1 < argc)
            go_bench = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--seconds S] [--go PATH]\n", argv[0]);
            return 2;
        }
    }
    if (seconds <= 0)
        seconds = 1.0;

    printf("libconfai %s, HPKE backend %s, %s; %.1f s per case\n",
           confai_version(), confai_hpke_backend(),
           OpenSSL_version(OPENSSL_VERSION), seconds);

    printf("setup+seal / setup+open of 1 KiB, single shot\n");
    bench_single("X25519/HKDF-SHA256/AES-256-GCM", "x25519-sha256-aes256gcm",
                 (confai_hpke_suite){ CONFAI_HPKE_KEM_X25519_SHA256,
                                      CONFAI_HPKE_KDF_HKDF_SHA256,
                                      CONFAI_HPKE_AEAD_AES_256_GCM },
                 seconds);
    bench_single("P-256/HKDF-SHA256/AES-128-GCM", "p256-sha256-aes128gcm",
                 (confai_hpke_suite){ CONFAI_HPKE_KEM_P256_SHA256,
                                      CONFAI_HPKE_KDF_HKDF_SHA256,
                                      CONFAI_HPKE_AEAD_AES_128_GCM },
                 seconds);

    printf("seal of 16 KiB messages, one context vs raw EVP\n");
    bench_stream("AES-256-GCM", CONFAI_HPKE_AEAD_AES_256_GCM, "AES-256-GCM",
                 seconds);
    bench_stream("ChaCha20-Poly1305", CONFAI_HPKE_AEAD_CHACHA20_POLY1305,
                 "ChaCha20-Poly1305", seconds);

    if (go_bench != NULL)
        compare_with_go(go_bench, seconds);
    else
        printf("Go comparison skipped (no --go PATH)\n");
    return 0;
}
