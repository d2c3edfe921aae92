/*
 * Chunked OHTTP benchmarks of the public library (libconfai.so):
 *
 * - opening a chunked response of 32-byte chunks (chunks/s), fed whole and
 *   in 1500-byte pieces as a network would deliver it;
 * - opening a chunked response of 16 KiB chunks against raw OpenSSL EVP
 *   AES-256-GCM decrypting 16 KiB messages with a new nonce each (ratio);
 * - the same two for a chunked request (HPKE Open per chunk) and for sealing.
 *
 *   bench_ohttp_chunked [--seconds S]
 *
 * Suite: X25519, HKDF-SHA256, AES-256-GCM. Each case runs about S seconds
 * (default 1) in rounds of whole streams; the best round counts. Nothing is
 * asserted about times: the program fails only when an operation fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include <confai/confai.h>

#define SMALL 32
#define LARGE (16 * 1024)
#define STREAM_BYTES (32u << 20) /* plaintext per stream */
#define NETWORK_PIECE 1500

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define CHECK(call)                                                                     \
    do {                                                                                \
        confai_error err_;                                                              \
        (void)err_;                                                                     \
        if ((call) != CONFAI_OK) {                                                      \
            fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #call);           \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

static void count_chunk(void *user, const uint8_t *pt, size_t len, int is_final)
{
    (void)pt;
    (void)is_final;
    *(size_t *)user += len;
}

/* One exchange: a chunked request of `chunks` chunks and its response. */
typedef struct stream {
    confai_ohttp_client *client;   /* reads the response */
    confai_ohttp_gateway *gateway; /* reads the request */
    uint8_t *request, *response;
    size_t request_len, response_len;
    size_t delivered;
} stream;

static confai_key_config *gateway_config, *client_config;

static void setup_keys(void)
{
    confai_hpke_key *key = NULL;
    CHECK(confai_hpke_key_generate(&key, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    const confai_ohttp_algorithms alg = { CONFAI_HPKE_KDF_HKDF_SHA256,
                                          CONFAI_HPKE_AEAD_AES_256_GCM };
    CHECK(confai_key_config_new(&gateway_config, key, 1, &alg, 1, NULL));
    uint8_t buf[256];
    size_t len = sizeof(buf);
    CHECK(confai_key_config_serialize(gateway_config, buf, &len, NULL));
    CHECK(confai_key_config_parse(&client_config, buf, len, NULL));
    confai_hpke_key_free(key);
}

static void stream_make(stream *s, size_t chunk)
{
    static uint8_t pt[LARGE];
    size_t chunks = STREAM_BYTES / chunk;
    size_t cap = chunks * (chunk + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD) + 256;
    memset(s, 0, sizeof(*s));
    s->request = malloc(cap);
    s->response = malloc(cap);
    if (s->request == NULL || s->response == NULL)
        exit(1);

    size_t len = cap;
    CHECK(confai_ohttp_client_begin_chunked(&s->client, s->request, &len, client_config,
                                            count_chunk, &s->delivered, NULL));
    s->request_len = len;
    for (size_t i = 0; i < chunks; i++) {
        len = cap - s->request_len;
        CHECK(confai_ohttp_client_seal_chunk(s->client, s->request + s->request_len, &len, pt,
                                             chunk, NULL));
        s->request_len += len;
    }
    len = cap - s->request_len;
    CHECK(confai_ohttp_client_seal_final_chunk(s->client, s->request + s->request_len, &len, pt,
                                               1, NULL));
    s->request_len += len;

    const confai_key_config *configs[] = { gateway_config };
    CHECK(confai_ohttp_gateway_new_chunked(&s->gateway, configs, 1, count_chunk, &s->delivered,
                                           NULL));
    CHECK(confai_ohttp_gateway_feed_request(s->gateway, s->request, 7 + 32, NULL));
    len = cap;
    CHECK(confai_ohttp_gateway_begin_response(s->gateway, s->response, &len, NULL));
    s->response_len = len;
    for (size_t i = 0; i < chunks; i++) {
        len = cap - s->response_len;
        CHECK(confai_ohttp_gateway_seal_chunk(s->gateway, s->response + s->response_len, &len,
                                              pt, chunk, NULL));
        s->response_len += len;
    }
    len = cap - s->response_len;
    CHECK(confai_ohttp_gateway_seal_final_chunk(s->gateway, s->response + s->response_len, &len,
                                                NULL, 0, NULL));
    s->response_len += len;
}

static void stream_free(stream *s)
{
    confai_ohttp_client_free(s->client);
    confai_ohttp_gateway_free(s->gateway);
    free(s->request);
    free(s->response);
}

/* Seconds to read one direction of a fresh stream, fed in pieces of `piece`. */
static double time_read(size_t chunk, int request, size_t piece)
{
    stream s;
    stream_make(&s, chunk);
    const uint8_t *data = request ? s.request : s.response;
    size_t len = request ? s.request_len : s.response_len;
    size_t from = request ? 7 + 32 : 0; /* the gateway has read the header */
    double start = now();
    for (size_t at = from; at < len; at += piece) {
        size_t n = at + piece <= len ? piece : len - at;
        if (request)
            CHECK(confai_ohttp_gateway_feed_request(s.gateway, data + at, n, NULL));
        else
            CHECK(confai_ohttp_client_feed_response(s.client, data + at, n, NULL));
    }
    if (request)
        CHECK(confai_ohttp_gateway_finish_request(s.gateway, NULL));
    else
        CHECK(confai_ohttp_client_finish_response(s.client, NULL));
    double t = now() - start;
    if (s.delivered < STREAM_BYTES)
        exit(1);
    stream_free(&s);
    return t;
}

/* Seconds to seal a response stream of chunk-sized chunks. */
static double time_seal(size_t chunk)
{
    static uint8_t pt[LARGE];
    stream s;
    stream_make(&s, LARGE); /* only for a gateway that has read a request */
    confai_ohttp_gateway *g = NULL;
    const confai_key_config *configs[] = { gateway_config };
    size_t ignored = 0;
    CHECK(confai_ohttp_gateway_new_chunked(&g, configs, 1, count_chunk, &ignored, NULL));
    CHECK(confai_ohttp_gateway_feed_request(g, s.request, 7 + 32, NULL));
    size_t len = s.response_len;
    CHECK(confai_ohttp_gateway_begin_response(g, s.response, &len, NULL));
    size_t chunks = STREAM_BYTES / chunk;
    double start = now();
    for (size_t i = 0; i < chunks; i++) {
        len = chunk + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD;
        CHECK(confai_ohttp_gateway_seal_chunk(g, s.response, &len, pt, chunk, NULL));
    }
    double t = now() - start;
    confai_ohttp_gateway_free(g);
    stream_free(&s);
    return t;
}

/*
 * Raw EVP: decrypt STREAM_BYTES as chunk-sized AES-256-GCM messages laid out
 * one after another in memory, as the stream is, with one cipher context and
 * a nonce set per message.
 */
static double time_raw(size_t chunk)
{
    static uint8_t key[32], nonce[12], out[LARGE];
    size_t chunks = STREAM_BYTES / chunk, stride = chunk + 16;
    uint8_t *buf = malloc(chunks * stride);
    EVP_CIPHER_CTX *enc = EVP_CIPHER_CTX_new(), *dec = EVP_CIPHER_CTX_new();
    int n = 0;
    if (buf == NULL || enc == NULL || dec == NULL)
        exit(1);
    /* every message is the same, so every tag verifies under the one nonce */
    memset(out, 0x5a, sizeof(out));
    EVP_EncryptInit_ex(enc, EVP_aes_256_gcm(), NULL, key, nonce);
    EVP_EncryptUpdate(enc, buf, &n, out, (int)chunk);
    EVP_EncryptFinal_ex(enc, buf + chunk, &n);
    EVP_CIPHER_CTX_ctrl(enc, EVP_CTRL_AEAD_GET_TAG, 16, buf + chunk);
    for (size_t i = 1; i < chunks; i++)
        memcpy(buf + i * stride, buf, stride);
    EVP_DecryptInit_ex(dec, EVP_aes_256_gcm(), NULL, key, NULL);
    double start = now();
    for (size_t i = 0; i < chunks; i++) {
        const uint8_t *ct = buf + i * stride;
        if (EVP_DecryptInit_ex(dec, NULL, NULL, NULL, nonce) != 1
            || EVP_DecryptUpdate(dec, out, &n, ct, (int)chunk) != 1
            || EVP_CIPHER_CTX_ctrl(dec, EVP_CTRL_AEAD_SET_TAG, 16, (void *)(ct + chunk)) != 1
            || EVP_DecryptFinal_ex(dec, out + n, &n) != 1)
            exit(1);
    }
    double t = now() - start;
    EVP_CIPHER_CTX_free(enc);
    EVP_CIPHER_CTX_free(dec);
    free(buf);
    return t;
}

static double best(double seconds, double (*f)(void *), void *arg)
{
    double best_t = 1e9, spent = 0;
    int rounds = 0;
    while (rounds < 3 || spent < seconds) {
        double t = f(arg);
        if (t < best_t)
            best_t = t;
        spent += t;
        rounds++;
    }
    return best_t;
}

typedef struct read_case {
    size_t chunk;
    int request;
    size_t piece;
} read_case;

static double run_read(void *arg)
{
    read_case *c = arg;
    return time_read(c->chunk, c->request, c->piece);
}
static double run_seal(void *arg) { return time_seal(*(size_t *)arg); }
static double run_raw(void *arg) { return time_raw(*(size_t *)arg); }

int main(int argc, char **argv)
{
    double seconds = 1;
    if (argc == 3 && strcmp(argv[1], "--seconds") == 0)
        seconds = atof(argv[2]);
    setup_keys();
    printf("chunked OHTTP, X25519/HKDF-SHA256/AES-256-GCM, HPKE backend %s\n",
           confai_hpke_backend());

    const size_t sizes[] = { SMALL, LARGE };
    for (size_t i = 0; i < 2; i++) {
        size_t chunk = sizes[i];
        double chunks = (double)(STREAM_BYTES / chunk);
        double raw = best(seconds, run_raw, &chunk);
        printf("  %5zu-byte chunks: raw EVP open  %10.0f chunks/s %8.1f MB/s\n", chunk,
               chunks / raw, STREAM_BYTES / raw / 1e6);
        for (int request = 0; request < 2; request++)
            for (int net = 0; net < 2; net++) {
                read_case c = { chunk, request, net ? NETWORK_PIECE : (size_t)-1 / 2 };
                double t = best(seconds, run_read, &c);
                printf("  %5zu-byte chunks: open %-8s %s %10.0f chunks/s %8.1f MB/s  "
                       "%.2fx raw\n",
                       chunk, request ? "request" : "response",
                       net ? "1500B feeds" : "one feed   ", chunks / t,
                       STREAM_BYTES / t / 1e6, raw / t);
            }
        double seal = best(seconds, run_seal, &chunk);
        printf("  %5zu-byte chunks: seal response          %10.0f chunks/s %8.1f MB/s\n", chunk,
               chunks / seal, STREAM_BYTES / seal / 1e6);
    }
    confai_key_config_free(gateway_config);
    confai_key_config_free(client_config);
    return 0;
}
