/*
 * WebAssembly against native: the same operations through the public API,
 * compiled natively (this program, meson benchmark 'web') and into a
 * benchmark build of confai.wasm (bindings/web/bench/run.mjs, which runs
 * both in one run and prints the ratios):
 *
 *   hpke-seal-1k     HPKE setup + seal of 1 KiB (confai_hpke_seal_once,
 *                    X25519, HKDF-SHA256, AES-256-GCM), ops/s
 *   open-16k-chunks  opening a chunked OHTTP response of 256 chunks of
 *                    16 KiB (client side rebuilt per response), bytes/s
 *   snp-cold         confai_attestation_verify of the conformance fixture's
 *                    accepted SEV-SNP bundle, no cache, ops/s
 *   snp-warm         the same with a confai_verify_cache, ops/s
 *
 * Native: bench_web POLICY BUNDLE NONCE_HEX VERIFY_TIME [SECONDS] prints one
 * "name value" line per case. Times are never asserted on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <confai/confai.h>

#ifdef __EMSCRIPTEN__
#  define BENCH_API __attribute__((used, visibility("default")))
#else
#  define BENCH_API
#endif

#define CHUNK 16384
#define CHUNKS 256

typedef struct bench_state {
    confai_policy *policy;
    confai_verify_cache *cache;
    char *bundle;
    size_t bundle_len;
    uint8_t nonce[32];
    int64_t verify_time;
    /* HPKE */
    uint8_t public_key[133];
    size_t public_key_len;
    uint8_t plaintext[1024];
    /* chunked response */
    confai_key_config *config;
    uint8_t *request, *response;
    size_t request_len, response_len;
} bench_state;

static bench_state S;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, const confai_error *err)
{
    fprintf(stderr, "bench_web: %s: %s\n", what, err->message);
    return -1;
}

static void on_chunk(void *user, const uint8_t *p, size_t n, int is_final)
{
    (void)p, (void)is_final;
    *(size_t *)user += n;
}

/* A recorded chunked exchange: a request and a response of CHUNKS chunks. */
static int record_exchange(void)
{
    confai_error err;
    confai_hpke_key *key = NULL;
    confai_ohttp_client *client = NULL;
    confai_ohttp_gateway *gateway = NULL;
    confai_ohttp_algorithms alg = {.kdf_id = 1, .aead_id = 2};
    uint8_t header[256], chunk[CHUNK + 64];
    size_t header_len = sizeof(header), chunk_len = sizeof(chunk), got = 0;
    static uint8_t content[CHUNK];
    memset(content, 'a', sizeof(content));
    if (confai_hpke_key_generate(&key, 0x20, &err) != CONFAI_OK ||
        confai_key_config_new(&S.config, key, 1, &alg, 1, &err) != CONFAI_OK)
        return fail("key", &err);
    confai_hpke_key_free(key);
    if (confai_ohttp_client_begin_chunked(&client, header, &header_len, S.config, on_chunk, &got,
                                          &err) != CONFAI_OK ||
        confai_ohttp_client_seal_final_chunk(client, chunk, &chunk_len, content, 100, &err) !=
            CONFAI_OK)
        return fail("request", &err);
    confai_ohttp_client_free(client);
    S.request_len = header_len + chunk_len;
    S.request = malloc(S.request_len);
    S.response = malloc(64 + (size_t)(CHUNKS + 1) * (CHUNK + 64));
    if (S.request == NULL || S.response == NULL)
        return -1;
    memcpy(S.request, header, header_len);
    memcpy(S.request + header_len, chunk, chunk_len);
    const confai_key_config *configs[1] = {S.config};
    size_t nonce_len = 64;
    if (confai_ohttp_gateway_new_chunked(&gateway, configs, 1, on_chunk, &got, &err) != CONFAI_OK ||
        confai_ohttp_gateway_feed_request(gateway, S.request, S.request_len, &err) != CONFAI_OK ||
        confai_ohttp_gateway_finish_request(gateway, &err) != CONFAI_OK ||
        confai_ohttp_gateway_begin_response(gateway, S.response, &nonce_len, &err) != CONFAI_OK)
        return fail("gateway", &err);
    S.response_len = nonce_len;
    for (int i = 0; i <= CHUNKS; i++) {
        chunk_len = sizeof(chunk);
        confai_status st =
            i < CHUNKS ? confai_ohttp_gateway_seal_chunk(gateway, chunk, &chunk_len, content,
                                                         CHUNK, &err)
                       : confai_ohttp_gateway_seal_final_chunk(gateway, chunk, &chunk_len, NULL,
                                                               0, &err);
        if (st != CONFAI_OK)
            return fail("response", &err);
        memcpy(S.response + S.response_len, chunk, chunk_len);
        S.response_len += chunk_len;
    }
    confai_ohttp_gateway_free(gateway);
    return 0;
}

/* Takes the fixture's policy and bundle (copied); 0 or -1. */
BENCH_API int bench_web_setup(const char *policy, size_t policy_len, const char *bundle,
                              size_t bundle_len, const uint8_t *nonce, int64_t verify_time)
{
    confai_error err;
    confai_hpke_key *key = NULL;
    if (confai_policy_new(&S.policy, policy, policy_len, &err) != CONFAI_OK)
        return fail("policy", &err);
    if (confai_verify_cache_new(&S.cache, &err) != CONFAI_OK)
        return fail("cache", &err);
    S.bundle = malloc(bundle_len);
    if (S.bundle == NULL)
        return -1;
    memcpy(S.bundle, bundle, bundle_len);
    S.bundle_len = bundle_len;
    memcpy(S.nonce, nonce, 32);
    S.verify_time = verify_time;
    S.public_key_len = sizeof(S.public_key);
    if (confai_hpke_key_generate(&key, 0x20, &err) != CONFAI_OK ||
        confai_hpke_key_public(key, S.public_key, &S.public_key_len, &err) != CONFAI_OK)
        return fail("hpke key", &err);
    confai_hpke_key_free(key);
    memset(S.plaintext, 'p', sizeof(S.plaintext));
    return record_exchange();
}

static int op_seal(void)
{
    confai_hpke_suite suite = confai_hpke_suite_default();
    uint8_t enc[133], ct[sizeof(S.plaintext) + 16];
    size_t enc_len = sizeof(enc), ct_len = sizeof(ct);
    confai_error err;
    if (confai_hpke_seal_once(&suite, enc, &enc_len, ct, &ct_len, S.public_key,
                              S.public_key_len, (const uint8_t *)"bench", 5, NULL, 0, S.plaintext,
                              sizeof(S.plaintext), &err) != CONFAI_OK)
        return fail("seal", &err);
    return 0;
}

static int op_open(void)
{
    confai_error err;
    confai_ohttp_client *client = NULL;
    const confai_key_config *configs[1] = {S.config};
    size_t got = 0;
    if (confai_ohttp_client_from_request(&client, configs, 1, S.request, S.request_len, 1,
                                         on_chunk, &got, &err) != CONFAI_OK ||
        confai_ohttp_client_feed_response(client, S.response, S.response_len, &err) !=
            CONFAI_OK ||
        confai_ohttp_client_finish_response(client, &err) != CONFAI_OK)
        return fail("open", &err);
    confai_ohttp_client_free(client);
    return got == (size_t)CHUNKS * CHUNK ? 0 : -1;
}

static int op_verify(int warm)
{
    confai_error err;
    confai_verify_options options;
    confai_verdict *verdict = NULL;
    if (confai_verify_options_init(&options, CONFAI_VERIFY_OPTIONS_VERSION, &err) != CONFAI_OK)
        return fail("options", &err);
    options.verify_time = S.verify_time;
    options.cache = warm ? S.cache : NULL;
    if (confai_attestation_verify(&verdict, S.policy, &options, S.nonce, S.bundle, S.bundle_len,
                                  &err) != CONFAI_OK)
        return fail("verify", &err);
    confai_verdict_free(verdict);
    return 0;
}

static int run_op(int which)
{
    switch (which) {
    case 0: return op_seal();
    case 1: return op_open();
    case 2: return op_verify(0);
    default: return op_verify(1);
    }
}

/*
 * Case which (0 to 3, as listed at the top) for about seconds, the best of
 * three rounds: ops/s, or bytes/s for case 1; negative when it failed.
 */
BENCH_API double bench_web_run(int which, double seconds)
{
    double best = 0;
    if (which == 3 && run_op(3) != 0) /* fills the cache: warm from the start */
        return -1;
    for (int round = 0; round < 3; round++) {
        long ops = 0;
        double start = now_s(), elapsed;
        do {
            if (run_op(which) != 0)
                return -1;
            ops++;
            elapsed = now_s() - start;
        } while (elapsed < seconds / 3);
        double rate = (double)ops / elapsed;
        if (rate > best)
            best = rate;
    }
    return which == 1 ? best * CHUNKS * CHUNK : best;
}

#ifndef __EMSCRIPTEN__
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "bench_web: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"hpke-seal-1k", "open-16k-chunks", "snp-cold",
                                        "snp-warm"};
    uint8_t nonce[32];
    size_t policy_len, bundle_len;
    if (argc < 5 || strlen(argv[3]) != 64) {
        fprintf(stderr, "usage: bench_web POLICY BUNDLE NONCE_HEX VERIFY_TIME [SECONDS]\n");
        return 2;
    }
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(argv[3] + 2 * i, "%2x", &v) != 1)
            return 2;
        nonce[i] = (uint8_t)v;
    }
    char *policy = read_file(argv[1], &policy_len);
    char *bundle = read_file(argv[2], &bundle_len);
    double seconds = argc > 5 ? atof(argv[5]) : 1.5;
    if (bench_web_setup(policy, policy_len, bundle, bundle_len, nonce, atoll(argv[4])) != 0)
        return 1;
    for (int i = 0; i < 4; i++) {
        double rate = bench_web_run(i, seconds);
        if (rate < 0)
            return 1;
        printf("%s %.1f\n", names[i], rate);
    }
    free(policy);
    free(bundle);
    return 0;
}
#endif
