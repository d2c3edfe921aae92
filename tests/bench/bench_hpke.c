/*
 * HPKE benchmarks of the public library (libconfai.so), with baselines run in
 * the same process and the same rounds, so that results are read as ratios,
 * not absolute numbers:
 *
 * - setup+seal and setup+open of a 1 KiB message (single shot, base mode) for
 *   X25519/HKDF-SHA256/AES-256-GCM and P-256/HKDF-SHA256/AES-128-GCM; with
 *   --go PATH, against Go's crypto/hpke (the program in go-hpke/);
 * - sealing many 16 KiB messages through one HPKE context against raw
 *   OpenSSL EVP with the same cipher and a new nonce per message, for
 *   AES-256-GCM and ChaCha20-Poly1305.
 *
 *   bench_hpke [--seconds S] [--go PATH]
 *
 * Each case runs for about S seconds (default 1), measured with
 * CLOCK_MONOTONIC, split into rounds of which the best counts (see
 * ROUNDS). Nothing is asserted about times: the program fails only when an
 * operation fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <confai/confai.h>

#include "bench_util.h"

#define SMALL_MESSAGE 1024
#define STREAM_MESSAGE (16 * 1024)

/*
 * The machine is shared and noisy: each case runs in ROUNDS rounds and
 * reports its best round, the one least disturbed. Cases that are compared
 * take turns round by round, so that a disturbance hits them alike.
 */
#define ROUNDS 5

static const uint8_t info[] = "confai bench";

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

/* --- Go crypto/hpke ------------------------------------------------------ */

static bench_go go;

/*
 * One round of the Go program for one suite: it prints
 * "RESULT seal-<id> <ops/s>" and "RESULT open-<id> <ops/s>". Returns 0 when
 * both were read.
 */
static int go_round(const char *go_bench, const char *id, double seconds,
                    double *seal, double *open)
{
    char command[4096], seal_name[64], open_name[64];
    double rates[2];
    snprintf(command, sizeof(command), "'%s' -case %s -rounds 1 -seconds %g",
             go_bench, id, seconds);
    snprintf(seal_name, sizeof(seal_name), "seal-%s", id);
    snprintf(open_name, sizeof(open_name), "open-%s", id);
    const char *const names[] = { seal_name, open_name };
    if (bench_go_run(&go, command, names, rates, 2) != 0)
        return -1;
    *seal = rates[0];
    *open = rates[1];
    return 0;
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

/* Opens the last message seal_once made. */
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

/* id names the suite for the Go program: "x25519-sha256-aes256gcm". */
static void bench_single(const char *label, const char *id,
                         confai_hpke_suite suite, const char *go_bench,
                         double seconds)
{
    single_state s = { .suite = suite };
    confai_error err;
    if (confai_hpke_key_generate(&s.key, suite.kem_id, &err) != CONFAI_OK)
        die("confai_hpke_key_generate", &err);
    s.pk_len = sizeof(s.pk);
    if (confai_hpke_key_public(s.key, s.pk, &s.pk_len, &err) != CONFAI_OK)
        die("confai_hpke_key_public", &err);
    memset(s.pt, 'p', sizeof(s.pt));
    if (seal_once(&s) != 0 || open_once(&s) != 0) /* warm up */
        exit(1);

    double seal = 0, open = 0, go_seal = 0, go_open = 0;
    int go_ok = go_bench != NULL;
    for (int i = 0; i < ROUNDS; i++) {
        bench_keep_best(&seal, bench_round_rate(seal_once, &s, seconds / ROUNDS));
        bench_keep_best(&open, bench_round_rate(open_once, &s, seconds / ROUNDS));
        double gs, gopen;
        if (go_ok && go_round(go_bench, id, seconds / ROUNDS, &gs, &gopen) == 0) {
            bench_keep_best(&go_seal, gs);
            bench_keep_best(&go_open, gopen);
        } else if (go_ok) {
            printf("  (running %s failed: no Go comparison)\n", go_bench);
            go_ok = 0;
        }
    }
    printf("  %-32s seal %7.0f ops/s", label, seal);
    if (go_ok)
        printf("   Go %7.0f   libconfai/Go %.2f", go_seal, seal / go_seal);
    printf("\n  %-32s open %7.0f ops/s", "", open);
    if (go_ok)
        printf("   Go %7.0f   libconfai/Go %.2f", go_open, open / go_open);
    printf("\n");
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

    /* the same key size; key and base nonce exported from the context */
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
    if (seal_context(s) != 0 || seal_evp(s) != 0) /* warm up */
        exit(1);

    double hpke = 0, evp = 0;
    for (int i = 0; i < ROUNDS; i++) {
        bench_keep_best(&hpke, bench_round_rate(seal_context, s, seconds / ROUNDS));
        bench_keep_best(&evp, bench_round_rate(seal_evp, s, seconds / ROUNDS));
    }
    const double mib = (double)STREAM_MESSAGE / (1024.0 * 1024.0);
    printf("  %-19s libconfai %6.0f MiB/s   EVP %6.0f MiB/s   "
           "libconfai/EVP %.2f\n", label, hpke * mib, evp * mib, hpke / evp);

    EVP_CIPHER_CTX_free(s->evp);
    EVP_CIPHER_free(cipher);
    confai_hpke_ctx_free(s->ctx);
    confai_hpke_key_free(key);
    free(s);
}

int main(int argc, char **argv)
{
    double seconds;
    const char *go_bench;
    if (bench_args(argc, argv, &seconds, &go_bench) != 0)
        return 2;

    printf("libconfai %s, HPKE backend %s, %s\n", confai_version(),
           confai_hpke_backend(), OpenSSL_version(OPENSSL_VERSION));
    printf("%.2g s per case, best of %d rounds\n", seconds, ROUNDS);

    printf("setup+seal / setup+open of 1 KiB, single shot%s\n",
           go_bench != NULL ? ", rounds shared with Go crypto/hpke"
                            : " (no Go comparison: no --go PATH)");
    bench_single("X25519/HKDF-SHA256/AES-256-GCM", "x25519-sha256-aes256gcm",
                 (confai_hpke_suite){ CONFAI_HPKE_KEM_X25519_SHA256,
                                      CONFAI_HPKE_KDF_HKDF_SHA256,
                                      CONFAI_HPKE_AEAD_AES_256_GCM },
                 go_bench, seconds);
    bench_single("P-256/HKDF-SHA256/AES-128-GCM", "p256-sha256-aes128gcm",
                 (confai_hpke_suite){ CONFAI_HPKE_KEM_P256_SHA256,
                                      CONFAI_HPKE_KDF_HKDF_SHA256,
                                      CONFAI_HPKE_AEAD_AES_128_GCM },
                 go_bench, seconds);
    if (go.version[0] != '\0')
        printf("  (Go: %s)\n", go.version);

    printf("seal of 16 KiB messages, one HPKE context vs raw OpenSSL EVP\n");
    bench_stream("AES-256-GCM", CONFAI_HPKE_AEAD_AES_256_GCM, "AES-256-GCM",
                 seconds);
    bench_stream("ChaCha20-Poly1305", CONFAI_HPKE_AEAD_CHACHA20_POLY1305,
                 "ChaCha20-Poly1305", seconds);
    return 0;
}
