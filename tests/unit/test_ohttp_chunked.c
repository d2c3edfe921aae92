/*
 * src/seal/ohttp_chunked.c and the chunked client/gateway calls
 * (draft-ietf-ohai-chunked-ohttp-08): the draft's example in both
 * directions, round trips in any split, and one test per rejection, each
 * for requests and responses and fed both whole and one byte at a time.
 *
 * The example's ephemeral key is given as skE, which no backend can take
 * (see test_ohttp.c); the client's chunked encapsulation is therefore
 * checked byte for byte with an ephemeral key fixed through its ikm, and
 * the example's bytes where skE is not needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "crypto/hpke_test.h"
#include "ohttp_vectors.h"
#include "seal/ohttp.h"
#include "seal/ohttp_test.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)
#define BUF 4096

static const uint8_t fixed_ikm_e[32] = "confai fixed ephemeral key seed";

/* --- what a reader delivers ------------------------------------------------ */

typedef struct sink {
    uint8_t *data;
    size_t len, cap;
    size_t chunks;
    int final_seen;
} sink;

static void on_chunk(void *user, const uint8_t *pt, size_t len, int is_final)
{
    sink *s = user;
    if (s->final_seen)
        fail_msg("a chunk was delivered after the final chunk");
    if (!is_final && len == 0)
        fail_msg("an empty non-final chunk was delivered");
    if (s->len + len > s->cap) {
        s->cap = (s->len + len) * 2 + 64;
        s->data = realloc(s->data, s->cap);
        assert_non_null(s->data);
    }
    if (len > 0)
        memcpy(s->data + s->len, pt, len);
    s->len += len;
    s->chunks++;
    s->final_seen = is_final;
}

static void sink_free(sink *s)
{
    free(s->data);
    memset(s, 0, sizeof(*s));
}

/* --- streams as pieces: header, chunks, final chunk ------------------------ */

#define MAX_PIECES 8

typedef struct stream {
    uint8_t *piece[MAX_PIECES];
    size_t len[MAX_PIECES];
    size_t n;
} stream;

static void stream_add(stream *s, const uint8_t *b, size_t len)
{
    assert_true(s->n < MAX_PIECES);
    s->piece[s->n] = malloc(len > 0 ? len : 1);
    assert_non_null(s->piece[s->n]);
    memcpy(s->piece[s->n], b, len);
    s->len[s->n++] = len;
}

static void stream_free(stream *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->piece[i]);
    memset(s, 0, sizeof(*s));
}

/* Concatenates the pieces named by order (-1 ends the list). */
static size_t stream_join(const stream *s, const int *order, uint8_t *out)
{
    size_t len = 0;
    for (; *order >= 0; order++) {
        memcpy(out + len, s->piece[*order], s->len[*order]);
        len += s->len[*order];
    }
    return len;
}

/* --- an exchange: a chunked request and its chunked response --------------- */

enum { REQUEST = 0, RESPONSE = 1 };

#define CHUNKS 3 /* non-final chunks per stream; pieces are 0 header, 1..3, 4 final */
#define FINAL (CHUNKS + 1)

typedef struct exchange {
    confai_hpke_suite suite;
    confai_hpke_key *key;
    confai_key_config *gateway_config;
    confai_key_config *client_config;
    uint8_t header[CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE];
    size_t header_len;
    stream s[2];     /* REQUEST, RESPONSE */
    sink expect[2];  /* their plaintext */
} exchange;

static void chunk_text(uint8_t *out, size_t len, int seed)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

/* Seals CHUNKS chunks and the final one (final_len bytes) with seal_fn. */
typedef confai_status (*seal_fn)(void *h, uint8_t *out, size_t *out_len, const uint8_t *pt,
                                 size_t pt_len, confai_error *err);

static void seal_stream(stream *s, sink *expect, void *h, seal_fn chunk, seal_fn final,
                        size_t final_len, int seed)
{
    static const size_t sizes[CHUNKS] = { 5, 17, 33 };
    uint8_t pt[64], out[128];
    for (int i = 0; i < CHUNKS; i++) {
        size_t out_len = sizeof(out);
        chunk_text(pt, sizes[i], seed + i);
        OK(chunk(h, out, &out_len, pt, sizes[i], NULL));
        assert_int_equal(out_len, 1 + sizes[i] + 16);
        stream_add(s, out, out_len);
        on_chunk(expect, pt, sizes[i], 0);
    }
    size_t out_len = sizeof(out);
    chunk_text(pt, final_len, seed + 9);
    OK(final(h, out, &out_len, pt, final_len, NULL));
    stream_add(s, out, out_len);
    on_chunk(expect, pt, final_len, 1);
}

static confai_status client_chunk(void *h, uint8_t *o, size_t *ol, const uint8_t *p, size_t pl,
                                  confai_error *e)
{
    return confai_ohttp_client_seal_chunk(h, o, ol, p, pl, e);
}
static confai_status client_final(void *h, uint8_t *o, size_t *ol, const uint8_t *p, size_t pl,
                                  confai_error *e)
{
    return confai_ohttp_client_seal_final_chunk(h, o, ol, p, pl, e);
}
static confai_status gateway_chunk(void *h, uint8_t *o, size_t *ol, const uint8_t *p, size_t pl,
                                   confai_error *e)
{
    return confai_ohttp_gateway_seal_chunk(h, o, ol, p, pl, e);
}
static confai_status gateway_final(void *h, uint8_t *o, size_t *ol, const uint8_t *p,
                                   size_t pl, confai_error *e)
{
    return confai_ohttp_gateway_seal_final_chunk(h, o, ol, p, pl, e);
}

static void ignore_chunk(void *user, const uint8_t *pt, size_t len, int is_final)
{
    (void)user;
    (void)pt;
    (void)len;
    (void)is_final;
}

/*
 * A full exchange in one suite; the request's final chunk has req_final
 * bytes, the response's res_final. Reuses key and configs when given.
 */
static void exchange_new(exchange *x, confai_hpke_suite suite, size_t req_final,
                         size_t res_final, int seed)
{
    memset(x, 0, sizeof(*x));
    x->suite = suite;
    OK(confai_hpke_key_generate(&x->key, suite.kem_id, NULL));
    confai_ohttp_algorithms alg = { suite.kdf_id, suite.aead_id };
    OK(confai_key_config_new(&x->gateway_config, x->key, 5, &alg, 1, NULL));
    uint8_t cfg[512];
    size_t cfg_len = sizeof(cfg);
    OK(confai_key_config_serialize(x->gateway_config, cfg, &cfg_len, NULL));
    OK(confai_key_config_parse(&x->client_config, cfg, cfg_len, NULL));

    confai_ohttp_client *c = NULL;
    x->header_len = sizeof(x->header);
    OK(confai_ohttp_client_begin_chunked(&c, x->header, &x->header_len, x->client_config,
                                         ignore_chunk, NULL, NULL));
    stream_add(&x->s[REQUEST], x->header, x->header_len);
    seal_stream(&x->s[REQUEST], &x->expect[REQUEST], c, client_chunk, client_final, req_final,
                seed);

    /* the gateway reads the request to answer it */
    sink got = { 0 };
    confai_ohttp_gateway *g = NULL;
    const confai_key_config *configs[] = { x->gateway_config };
    OK(confai_ohttp_gateway_new_chunked(&g, configs, 1, on_chunk, &got, NULL));
    for (size_t i = 0; i < x->s[REQUEST].n; i++)
        OK(confai_ohttp_gateway_feed_request(g, x->s[REQUEST].piece[i], x->s[REQUEST].len[i],
                                             NULL));
    OK(confai_ohttp_gateway_finish_request(g, NULL));
    assert_int_equal(got.len, x->expect[REQUEST].len);
    assert_int_equal(got.chunks, FINAL);
    sink_free(&got);

    uint8_t nonce[64];
    size_t nonce_len = sizeof(nonce);
    OK(confai_ohttp_gateway_begin_response(g, nonce, &nonce_len, NULL));
    stream_add(&x->s[RESPONSE], nonce, nonce_len);
    seal_stream(&x->s[RESPONSE], &x->expect[RESPONSE], g, gateway_chunk, gateway_final,
                res_final, seed + 100);
    confai_ohttp_gateway_free(g);
    confai_ohttp_client_free(c);
}

static void exchange_free(exchange *x)
{
    for (int d = 0; d < 2; d++) {
        stream_free(&x->s[d]);
        sink_free(&x->expect[d]);
    }
    confai_key_config_free(x->gateway_config);
    confai_key_config_free(x->client_config);
    confai_hpke_key_free(x->key);
}

/* --- readers: a fresh one per attempt -------------------------------------- */

typedef struct reader {
    int dir;
    confai_ohttp_client *client;
    confai_ohttp_gateway *gateway;
    sink got;
} reader;

/*
 * A request reader is a new gateway. A response reader is a client for the
 * exchange's request, rebuilt from the gateway's key and the request's enc
 * (the same key schedule), so the response can be read any number of times.
 */
static void reader_new(reader *r, const exchange *x, int dir)
{
    memset(r, 0, sizeof(*r));
    r->dir = dir;
    if (dir == REQUEST) {
        const confai_key_config *configs[] = { x->gateway_config };
        OK(confai_ohttp_gateway_new_chunked(&r->gateway, configs, 1, on_chunk, &r->got, NULL));
        return;
    }
    uint8_t info[OHTTP_MAX_INFO_SIZE];
    size_t info_len = ohttp_request_info(info, OHTTP_CHUNKED, x->header);
    const uint8_t *enc = x->header + OHTTP_HDR_SIZE;
    size_t enc_len = x->header_len - OHTTP_HDR_SIZE;
    confai_hpke_ctx *ctx = NULL;
    OK(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, &x->suite, NULL));
    OK(confai_hpke_recipient_setup(ctx, x->key, enc, enc_len, info, info_len, NULL));
    OK(ohttp_test_client_from_context(&r->client, ctx, &x->suite, enc, enc_len, 1, on_chunk,
                                      &r->got, NULL));
}

static confai_status reader_feed(reader *r, const uint8_t *data, size_t len)
{
    confai_error err;
    confai_status st = r->dir == REQUEST
                           ? confai_ohttp_gateway_feed_request(r->gateway, data, len, &err)
                           : confai_ohttp_client_feed_response(r->client, data, len, &err);
    if (st != CONFAI_OK)
        assert_int_equal(err.status, st);
    return st;
}

static confai_status reader_finish(reader *r)
{
    return r->dir == REQUEST ? confai_ohttp_gateway_finish_request(r->gateway, NULL)
                             : confai_ohttp_client_finish_response(r->client, NULL);
}

static confai_status reader_set_max(reader *r, size_t max)
{
    return r->dir == REQUEST ? confai_ohttp_gateway_set_max_chunk_size(r->gateway, max, NULL)
                             : confai_ohttp_client_set_max_chunk_size(r->client, max, NULL);
}

static void reader_free(reader *r)
{
    confai_ohttp_gateway_free(r->gateway);
    confai_ohttp_client_free(r->client);
    sink_free(&r->got);
}

/*
 * Reads bytes (whole, or one byte per feed) and finishes; returns the first
 * failure. After a failure, further calls must fail with CONFAI_E_STATE and
 * deliver nothing. *delivered gets the number of chunks handed out.
 */
static confai_status read_stream(const exchange *x, int dir, const uint8_t *data, size_t len,
                                 int bytewise, size_t max_chunk, size_t *delivered)
{
    reader r;
    reader_new(&r, x, dir);
    confai_status st = max_chunk ? reader_set_max(&r, max_chunk) : CONFAI_OK;
    if (st == CONFAI_OK && bytewise) {
        for (size_t i = 0; i < len && st == CONFAI_OK; i++)
            st = reader_feed(&r, data + i, 1);
    } else if (st == CONFAI_OK) {
        st = reader_feed(&r, data, len);
    }
    if (st == CONFAI_OK)
        st = reader_finish(&r);
    if (st != CONFAI_OK) {
        size_t before = r.got.chunks;
        assert_int_equal(reader_feed(&r, x->s[dir].piece[1], x->s[dir].len[1]), CONFAI_E_STATE);
        assert_int_equal(reader_finish(&r), CONFAI_E_STATE);
        assert_int_equal(r.got.chunks, before);
    } else {
        /* a finished stream delivered exactly what was sealed */
        assert_true(r.got.final_seen);
        assert_int_equal(reader_finish(&r), CONFAI_OK);
    }
    if (delivered != NULL)
        *delivered = r.got.chunks;
    reader_free(&r);
    return st;
}

/* Both ways of feeding must agree on the status and on what was delivered. */
static void expect_status(const exchange *x, int dir, const uint8_t *data, size_t len,
                          size_t max_chunk, confai_status want, size_t want_delivered)
{
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        size_t delivered = 0;
        confai_status st = read_stream(x, dir, data, len, bytewise, max_chunk, &delivered);
        if (st != want)
            fail_msg("%s fed %s: got %s, expected %s", dir == REQUEST ? "request" : "response",
                     bytewise ? "byte by byte" : "whole", confai_status_name(st),
                     confai_status_name(want));
        if (want_delivered != (size_t)-1 && delivered != want_delivered)
            fail_msg("%s fed %s: %zu chunks delivered, expected %zu",
                     dir == REQUEST ? "request" : "response", bytewise ? "byte by byte" : "whole",
                     delivered, want_delivered);
    }
}

#define ANY ((size_t)-1)

static const confai_hpke_suite x25519_aes256 = { 0x20, 1, 2 };

/* Runs a scenario on both directions, with empty and non-empty final chunks. */
typedef void (*scenario)(const exchange *x, int dir);

static void for_each_stream(scenario run)
{
    const size_t finals[] = { 0, 6 };
    for (size_t f = 0; f < 2; f++) {
        exchange x;
        exchange_new(&x, x25519_aes256, finals[f], finals[f], (int)f);
        run(&x, REQUEST);
        run(&x, RESPONSE);
        exchange_free(&x);
    }
}

static size_t join(const exchange *x, int dir, const int *order, uint8_t *out)
{
    return stream_join(&x->s[dir], order, out);
}

/* --- known answers --------------------------------------------------------- */

typedef struct kat {
    cJSON *json;
    bytes sk_r, key_config, request, enc_request, response, enc_response, pk_e, info, sk_e;
    bytes response_nonce;
    confai_hpke_key *key;
    confai_key_config *gateway_config, *client_config;
    confai_hpke_suite suite;
} kat;

static int kat_load(kat *k)
{
    memset(k, 0, sizeof(*k));
    k->json = vector_load(CHUNKED_VECTOR);
    if (k->json == NULL)
        return 0;
    k->sk_r = vector_hex(k->json, "skR");
    k->key_config = vector_hex(k->json, "keyConfig");
    k->request = vector_hex(k->json, "request");
    k->enc_request = vector_hex(k->json, "encapsulatedRequest");
    k->response = vector_hex(k->json, "response");
    k->enc_response = vector_hex(k->json, "encapsulatedResponse");
    k->pk_e = vector_hex(k->json, "pkE");
    k->sk_e = vector_hex(k->json, "skE");
    k->info = vector_hex(k->json, "info");
    k->response_nonce = vector_hex(k->json, "responseNonce");
    OK(confai_hpke_key_import(&k->key, 0x20, k->sk_r.data, k->sk_r.len, NULL));
    const confai_ohttp_algorithms algs[] = { { 1, 1 }, { 1, 3 } };
    OK(confai_key_config_new(&k->gateway_config, k->key, 1, algs, 2, NULL));
    OK(confai_key_config_parse(&k->client_config, k->key_config.data, k->key_config.len, NULL));
    k->suite = confai_key_config_suite(k->client_config);
    return 1;
}

static void kat_free(kat *k)
{
    bytes *all[] = { &k->sk_r, &k->key_config, &k->request, &k->enc_request, &k->response,
                     &k->enc_response, &k->pk_e, &k->info, &k->response_nonce, &k->sk_e };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        bytes_free(all[i]);
    confai_key_config_free(k->gateway_config);
    confai_key_config_free(k->client_config);
    confai_hpke_key_free(k->key);
    cJSON_Delete(k->json);
}

/* The i-th member of an array of objects in the vector, as hex. */
static bytes kat_chunk(const kat *k, const char *array, int i, const char *name)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(k->json, array);
    return vector_hex(cJSON_GetArrayItem(a, i), name);
}

static void kat_gateway_reads_the_request(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k))
        skip();
    uint8_t buf[BUF];
    size_t len = sizeof(buf);
    OK(confai_key_config_serialize(k.gateway_config, buf, &len, NULL));
    assert_memory_equal(buf, k.key_config.data, k.key_config.len);

    for (int bytewise = 0; bytewise < 2; bytewise++) {
        sink got = { 0 };
        confai_ohttp_gateway *g = NULL;
        const confai_key_config *configs[] = { k.gateway_config };
        OK(confai_ohttp_gateway_new_chunked(&g, configs, 1, on_chunk, &got, NULL));
        confai_status st = CONFAI_OK;
        if (bytewise)
            for (size_t i = 0; i < k.enc_request.len && st == CONFAI_OK; i++)
                st = confai_ohttp_gateway_feed_request(g, k.enc_request.data + i, 1, NULL);
        else
            st = confai_ohttp_gateway_feed_request(g, k.enc_request.data, k.enc_request.len,
                                                   NULL);
        OK(st);
        /* the two data chunks, 12 and 13 bytes, arrive as soon as they are complete */
        bytes c0 = kat_chunk(&k, "requestChunks", 0, "plaintext");
        assert_true(got.chunks >= 2);
        assert_memory_equal(got.data, c0.data, c0.len);
        assert_memory_equal(got.data, k.request.data, k.request.len);
        bytes_free(&c0);
        /* the empty final chunk was recognised as soon as it arrived */
        assert_int_equal(got.chunks, 3);
        assert_true(got.final_seen);
        OK(confai_ohttp_gateway_finish_request(g, NULL));
        assert_int_equal(got.len, k.request.len);
        confai_ohttp_gateway_free(g);
        sink_free(&got);
    }
    kat_free(&k);
}

static void kat_gateway_reproduces_the_response(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k))
        skip();
    confai_ohttp_gateway *g = NULL;
    const confai_key_config *configs[] = { k.gateway_config };
    OK(confai_ohttp_gateway_new_chunked(&g, configs, 1, ignore_chunk, NULL, NULL));
    /* the header is enough to answer */
    OK(confai_ohttp_gateway_feed_request(g, k.enc_request.data, 7 + 32, NULL));
    OK(ohttp_test_set_response_nonce(g, k.response_nonce.data, k.response_nonce.len, NULL));
    uint8_t out[BUF];
    size_t at = 0, len = sizeof(out);
    OK(confai_ohttp_gateway_begin_response(g, out, &len, NULL));
    at += len;
    const size_t split[] = { 1, 2, 0 }; /* "01", "40c8", final "" */
    size_t pos = 0;
    for (int i = 0; i < 3; i++) {
        len = sizeof(out) - at;
        if (i < 2)
            OK(confai_ohttp_gateway_seal_chunk(g, out + at, &len, k.response.data + pos,
                                               split[i], NULL));
        else
            OK(confai_ohttp_gateway_seal_final_chunk(g, out + at, &len, NULL, 0, NULL));
        bytes want = kat_chunk(&k, "responseChunks", i, "encodedChunk");
        assert_int_equal(len, want.len);
        assert_memory_equal(out + at, want.data, len);
        bytes_free(&want);
        pos += split[i];
        at += len;
    }
    assert_int_equal(at, k.enc_response.len);
    assert_memory_equal(out, k.enc_response.data, at);
    confai_ohttp_gateway_free(g);
    kat_free(&k);
}

static void kat_client_reads_the_response(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k))
        skip();
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        confai_hpke_ctx *ctx = NULL;
        OK(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, &k.suite, NULL));
        OK(confai_hpke_recipient_setup(ctx, k.key, k.pk_e.data, k.pk_e.len, k.info.data,
                                       k.info.len, NULL));
        sink got = { 0 };
        confai_ohttp_client *c = NULL;
        OK(ohttp_test_client_from_context(&c, ctx, &k.suite, k.pk_e.data, k.pk_e.len, 1,
                                          on_chunk, &got, NULL));
        if (bytewise)
            for (size_t i = 0; i < k.enc_response.len; i++)
                OK(confai_ohttp_client_feed_response(c, k.enc_response.data + i, 1, NULL));
        else
            OK(confai_ohttp_client_feed_response(c, k.enc_response.data, k.enc_response.len,
                                                 NULL));
        OK(confai_ohttp_client_finish_response(c, NULL));
        assert_int_equal(got.chunks, 3);
        assert_true(got.final_seen);
        assert_int_equal(got.len, k.response.len);
        assert_memory_equal(got.data, k.response.data, got.len);
        confai_ohttp_client_free(c);
        sink_free(&got);
    }
    kat_free(&k);
}

static confai_status fix_ikm(confai_hpke_ctx *ctx, void *arg, confai_error *err)
{
    (void)arg;
    return hpke_test_set_ikm_e(ctx, fixed_ikm_e, sizeof(fixed_ikm_e), err);
}

static confai_status fix_sk_e(confai_hpke_ctx *ctx, void *arg, confai_error *err)
{
    const bytes *sk_e = arg;
    return hpke_test_set_sk_e(ctx, sk_e->data, sk_e->len, err);
}

/* The example's request, chunk by chunk, byte for byte from its skE. */
static void kat_client_chunked_encapsulation_reproduces_the_example(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k))
        skip();
    uint8_t got[BUF];
    size_t got_len = sizeof(got);
    confai_ohttp_client *c = NULL;
    OK(ohttp_test_client_begin_chunked(&c, got, &got_len, k.client_config, ignore_chunk, NULL,
                                       fix_sk_e, &k.sk_e, NULL));
    const size_t split[] = { 12, 13, 0 }; /* the example's chunks */
    size_t pos = 0;
    for (int i = 0; i < 3; i++) {
        size_t len = sizeof(got) - got_len;
        if (i == 2)
            OK(confai_ohttp_client_seal_final_chunk(c, got + got_len, &len, NULL, 0, NULL));
        else
            OK(confai_ohttp_client_seal_chunk(c, got + got_len, &len, k.request.data + pos,
                                              split[i], NULL));
        got_len += len;
        pos += split[i];
    }
    assert_int_equal(got_len, k.enc_request.len);
    assert_memory_equal(got, k.enc_request.data, got_len);
    confai_ohttp_client_free(c);
    kat_free(&k);
}

static void kat_client_chunked_encapsulation_with_fixed_ephemeral(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k))
        skip();
    uint8_t got[BUF], want[BUF];
    size_t got_len = sizeof(got), want_len = 0;
    confai_ohttp_client *c = NULL;
    OK(ohttp_test_client_begin_chunked(&c, got, &got_len, k.client_config, ignore_chunk, NULL,
                                       fix_ikm, NULL, NULL));
    /* the same with HPKE directly: the example's hdr and info, Seal per chunk
     * with an empty AAD, then "final"; lengths as QUIC varints */
    uint8_t pk_r[32];
    size_t pk_len = sizeof(pk_r), enc_len = 32;
    OK(confai_key_config_public_key(k.client_config, pk_r, &pk_len, NULL));
    confai_hpke_ctx *s = NULL;
    OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &k.suite, NULL));
    OK(hpke_test_set_ikm_e(s, fixed_ikm_e, sizeof(fixed_ikm_e), NULL));
    memcpy(want, k.enc_request.data, 7);
    OK(confai_hpke_sender_setup(s, want + 7, &enc_len, pk_r, pk_len, k.info.data, k.info.len,
                                NULL));
    want_len = 7 + enc_len;
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);

    /* the example's split: 12 bytes, 13 bytes and an empty final chunk */
    const size_t split[] = { 12, 13, 0 };
    size_t pos = 0;
    for (int i = 0; i < 3; i++) {
        int final = i == 2;
        size_t len = sizeof(got) - got_len;
        if (final)
            OK(confai_ohttp_client_seal_final_chunk(c, got + got_len, &len, NULL, 0, NULL));
        else
            OK(confai_ohttp_client_seal_chunk(c, got + got_len, &len, k.request.data + pos,
                                              split[i], NULL));
        got_len += len;
        size_t ct_len = sizeof(want) - want_len - 1;
        want[want_len] = final ? 0 : (uint8_t)(split[i] + 16);
        OK(confai_hpke_seal(s, want + want_len + 1, &ct_len,
                            final ? (const uint8_t *)"final" : NULL, final ? 5 : 0,
                            k.request.data + pos, split[i], NULL));
        want_len += 1 + ct_len;
        pos += split[i];
    }
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    confai_hpke_ctx_free(s);
    confai_ohttp_client_free(c);
    kat_free(&k);
}

/* --- round trips ----------------------------------------------------------- */

static void round_trips_in_every_aead_and_split(void **state)
{
    (void)state;
    const confai_hpke_suite suites[] = {
        { 0x20, 1, 1 }, { 0x20, 1, 2 }, { 0x20, 1, 3 }, { 0x10, 3, 2 }, { 0x21, 2, 3 },
    };
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        exchange x;
        exchange_new(&x, suites[i], 0, 0, (int)i);
        for (int dir = 0; dir < 2; dir++) {
            uint8_t all[1024];
            const int order[] = { 0, 1, 2, 3, FINAL, -1 };
            size_t len = join(&x, dir, order, all);
            /* whole, byte by byte, and in uneven pieces */
            expect_status(&x, dir, all, len, 0, CONFAI_OK, FINAL);
            for (size_t step = 2; step < 40; step += 7) {
                reader r;
                reader_new(&r, &x, dir);
                for (size_t at = 0; at < len; at += step)
                    OK(reader_feed(&r, all + at, at + step <= len ? step : len - at));
                OK(reader_finish(&r));
                assert_int_equal(r.got.len, x.expect[dir].len);
                assert_memory_equal(r.got.data, x.expect[dir].data, r.got.len);
                reader_free(&r);
            }
        }
        exchange_free(&x);
    }
}

/* Chunks up to the limit pass; one byte more fails before it is buffered. */
static void large_chunks_and_the_limit(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x, x25519_aes256, 1, 0, 3);
    size_t big = CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE;
    uint8_t *pt = malloc(big + 1), *out = malloc(big + 64), *nonce = malloc(64);
    assert_non_null(pt);
    assert_non_null(out);
    memset(pt, 0x5a, big + 1);

    for (int over = 0; over < 2; over++) {
        /* a response with one chunk of big (+1) bytes */
        confai_ohttp_gateway *g = NULL;
        const confai_key_config *configs[] = { x.gateway_config };
        OK(confai_ohttp_gateway_new_chunked(&g, configs, 1, ignore_chunk, NULL, NULL));
        OK(confai_ohttp_gateway_feed_request(g, x.header, x.header_len, NULL));
        size_t n = 64, at = 0;
        OK(confai_ohttp_gateway_begin_response(g, nonce, &n, NULL));
        reader r; /* a client for x's request reads g's response */
        reader_new(&r, &x, RESPONSE);
        OK(reader_feed(&r, nonce, n));
        size_t len = big + 64;
        OK(confai_ohttp_gateway_seal_chunk(g, out, &len, pt, big + (size_t)over, NULL));
        /* the length prefix alone decides */
        confai_status st = reader_feed(&r, out, 4);
        if (over) {
            assert_int_equal(st, CONFAI_E_LIMIT);
        } else {
            OK(st);
            for (at = 4; at < len; at += 1000)
                OK(reader_feed(&r, out + at, at + 1000 <= len ? 1000 : len - at));
            assert_int_equal(r.got.len, big);
        }
        reader_free(&r);
        confai_ohttp_gateway_free(g);
    }
    free(pt);
    free(out);
    free(nonce);
    exchange_free(&x);
}

/* --- rejections ------------------------------------------------------------ */

/* Cut anywhere: at a chunk boundary it is STREAM_TRUNCATED. */
static void truncation(const exchange *x, int dir)
{
    uint8_t all[1024];
    const int order[] = { 0, 1, 2, 3, FINAL, -1 };
    size_t len = join(x, dir, order, all);
    size_t boundary = 0;
    for (size_t piece = 0; piece < FINAL; piece++) {
        boundary += x->s[dir].len[piece];
        expect_status(x, dir, all, boundary, 0, CONFAI_E_STREAM_TRUNCATED, piece);
    }
    /* after the final chunk's zero length, without the chunk */
    expect_status(x, dir, all, boundary + 1, 0, CONFAI_E_STREAM_TRUNCATED, CHUNKS);
    /* and at every other byte: never accepted */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_not_equal(read_stream(x, dir, all, cut, 0, 0, NULL), CONFAI_OK);
}

static void rejects_truncation_at_every_boundary(void **state)
{
    (void)state;
    for_each_stream(truncation);
}

static void duplication(const exchange *x, int dir)
{
    uint8_t all[1024];
    const int twice[] = { 0, 1, 2, 2, 3, FINAL, -1 };
    expect_status(x, dir, all, join(x, dir, twice, all), 0, CONFAI_E_CHUNK_REPLAYED, 2);
    const int first_again[] = { 0, 1, 2, 3, 1, FINAL, -1 };
    expect_status(x, dir, all, join(x, dir, first_again, all), 0, CONFAI_E_CHUNK_REPLAYED, 3);
}

static void rejects_duplicated_chunks(void **state)
{
    (void)state;
    for_each_stream(duplication);
}

static void reordering(const exchange *x, int dir)
{
    uint8_t all[1024];
    const int dropped[] = { 0, 1, 3, FINAL, -1 };
    expect_status(x, dir, all, join(x, dir, dropped, all), 0, CONFAI_E_CHUNK_REORDERED, 1);
    const int swapped[] = { 0, 2, 1, 3, FINAL, -1 };
    expect_status(x, dir, all, join(x, dir, swapped, all), 0, CONFAI_E_CHUNK_REORDERED, 0);
    /* the last data chunk dropped: the final chunk comes one early */
    const int last_dropped[] = { 0, 1, 2, FINAL, -1 };
    expect_status(x, dir, all, join(x, dir, last_dropped, all), 0, CONFAI_E_CHUNK_REORDERED,
                  2);
}

static void rejects_dropped_and_swapped_chunks(void **state)
{
    (void)state;
    for_each_stream(reordering);
}

static void splicing(const exchange *x, int dir)
{
    exchange other;
    exchange_new(&other, x->suite, x->s[REQUEST].len[FINAL] - 17, x->s[RESPONSE].len[FINAL] - 17,
                 9);
    /* the other stream's chunk 2 (same length) in place of ours */
    uint8_t all[1024];
    const int head[] = { 0, 1, -1 };
    size_t len = join(x, dir, head, all);
    memcpy(all + len, other.s[dir].piece[2], other.s[dir].len[2]);
    len += other.s[dir].len[2];
    const int tail[] = { 3, FINAL, -1 };
    len += join(x, dir, tail, all + len);
    expect_status(x, dir, all, len, 0, CONFAI_E_DECRYPT, 1);
    /* ... or its final chunk */
    const int most[] = { 0, 1, 2, 3, -1 };
    len = join(x, dir, most, all);
    memcpy(all + len, other.s[dir].piece[FINAL], other.s[dir].len[FINAL]);
    len += other.s[dir].len[FINAL];
    expect_status(x, dir, all, len, 0, CONFAI_E_DECRYPT, CHUNKS);
    exchange_free(&other);
}

static void rejects_chunks_spliced_from_another_stream(void **state)
{
    (void)state;
    for_each_stream(splicing);
}

/* Every ciphertext byte (and every header byte) flipped. */
static void flipping(const exchange *x, int dir)
{
    uint8_t all[1024];
    const int order[] = { 0, 1, 2, 3, FINAL, -1 };
    size_t len = join(x, dir, order, all);
    size_t start = 0;
    for (size_t piece = 0; piece <= FINAL; start += x->s[dir].len[piece], piece++) {
        for (size_t i = 0; i < x->s[dir].len[piece]; i++) {
            size_t at = start + i;
            all[at] ^= 0x01;
            confai_status want = CONFAI_E_DECRYPT;
            size_t delivered = piece == 0 ? 0 : piece - 1;
            if (piece == 0 && dir == REQUEST && i < OHTTP_HDR_SIZE)
                want = CONFAI_E_KEY_ID_UNKNOWN; /* the header names key and suite */
            if (piece > 0 && i == 0) {
                /* a length prefix: anything but success */
                assert_int_not_equal(read_stream(x, dir, all, len, 0, 0, NULL), CONFAI_OK);
                assert_int_not_equal(read_stream(x, dir, all, len, 1, 0, NULL), CONFAI_OK);
            } else {
                expect_status(x, dir, all, len, 0, want, delivered);
            }
            all[at] ^= 0x01;
        }
    }
}

static void rejects_a_flipped_byte_anywhere(void **state)
{
    (void)state;
    for_each_stream(flipping);
}

static void trailing(const exchange *x, int dir)
{
    uint8_t all[1024];
    const int order[] = { 0, 1, 2, 3, FINAL, -1 };
    size_t len = join(x, dir, order, all);
    int empty_final = x->s[dir].len[FINAL] == 17;
    /* an empty final chunk is recognised at once, so it is delivered before
     * the extra bytes are refused; a longer one only at finish */
    size_t delivered = empty_final ? FINAL : CHUNKS;
    all[len] = 0x00;
    expect_status(x, dir, all, len + 1, 0, CONFAI_E_STREAM_TRAILING, delivered);
    memcpy(all + len, x->s[dir].piece[1], x->s[dir].len[1]);
    expect_status(x, dir, all, len + x->s[dir].len[1], 0, CONFAI_E_STREAM_TRAILING, delivered);
}

static void rejects_data_after_the_final_chunk(void **state)
{
    (void)state;
    for_each_stream(trailing);
}

static void over_limit(const exchange *x, int dir)
{
    uint8_t all[1024];
    const int order[] = { 0, 1, 2, 3, FINAL, -1 };
    size_t len = join(x, dir, order, all);
    /* chunks have 5, 17 and 33 bytes: a limit of 17 stops the third */
    expect_status(x, dir, all, len, 17, CONFAI_E_LIMIT, 2);
    /* decided by the length prefix, before the chunk is read */
    size_t upto = x->s[dir].len[0] + x->s[dir].len[1] + x->s[dir].len[2] + 1;
    for (int bytewise = 0; bytewise < 2; bytewise++)
        assert_int_equal(read_stream(x, dir, all, upto, bytewise, 17, NULL), CONFAI_E_LIMIT);
    /* a limit of 0 is refused */
    reader r;
    reader_new(&r, x, dir);
    assert_int_equal(reader_set_max(&r, 0), CONFAI_E_ARGUMENT);
    reader_free(&r);
}

static void rejects_over_limit_chunks(void **state)
{
    (void)state;
    for_each_stream(over_limit);
}

/* The final chunk is bounded too, while it is gathered. */
static void rejects_an_over_limit_final_chunk(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x, x25519_aes256, 40, 40, 8);
    for (int dir = 0; dir < 2; dir++) {
        uint8_t all[1024];
        const int order[] = { 0, 1, 2, 3, FINAL, -1 };
        size_t len = join(&x, dir, order, all);
        expect_status(&x, dir, all, len, 40, CONFAI_OK, FINAL);
        expect_status(&x, dir, all, len, 39, CONFAI_E_LIMIT, CHUNKS);
        /* without finish: the feed itself fails */
        reader r;
        reader_new(&r, &x, dir);
        OK(reader_set_max(&r, 39));
        assert_int_equal(reader_feed(&r, all, len), CONFAI_E_LIMIT);
        reader_free(&r);
    }
    exchange_free(&x);
}

static void framing(const exchange *x, int dir)
{
    uint8_t all[1024];
    /* a non-final chunk presented as the final one */
    const int head[] = { 0, 1, 2, -1 };
    size_t len = join(x, dir, head, all);
    all[len++] = 0x00;
    memcpy(all + len, x->s[dir].piece[3] + 1, x->s[dir].len[3] - 1);
    len += x->s[dir].len[3] - 1;
    expect_status(x, dir, all, len, 0, CONFAI_E_DECRYPT, 2);
    /* the final chunk presented as a non-final one */
    len = join(x, dir, head, all);
    const int three[] = { 3, -1 };
    len += join(x, dir, three, all + len);
    all[len++] = (uint8_t)(x->s[dir].len[FINAL] - 1);
    memcpy(all + len, x->s[dir].piece[FINAL] + 1, x->s[dir].len[FINAL] - 1);
    len += x->s[dir].len[FINAL] - 1;
    const int final_again[] = { FINAL, -1 };
    len += join(x, dir, final_again, all + len);
    expect_status(x, dir, all, len, 0, CONFAI_E_DECRYPT, CHUNKS);
    /* a non-final chunk with no data, and one shorter than a tag */
    len = join(x, dir, head, all);
    all[len] = 16;
    memset(all + len + 1, 0, 16);
    expect_status(x, dir, all, len + 17, 0, CONFAI_E_DECRYPT, 2);
    all[len] = 3;
    expect_status(x, dir, all, len + 4, 0, CONFAI_E_DECRYPT, 2);
    /* the final chunk two places early */
    const int early_final[] = { 0, 1, FINAL, -1 };
    expect_status(x, dir, all, join(x, dir, early_final, all), 0, CONFAI_E_CHUNK_REORDERED, 1);
    /* a length prefix in a longer encoding than needed is fine (unauthenticated) */
    len = join(x, dir, head, all);
    all[len++] = 0x40;
    all[len++] = (uint8_t)x->s[dir].len[3] - 1;
    memcpy(all + len, x->s[dir].piece[3] + 1, x->s[dir].len[3] - 1);
    len += x->s[dir].len[3] - 1;
    len += join(x, dir, final_again, all + len);
    expect_status(x, dir, all, len, 0, CONFAI_OK, FINAL);
}

static void rejects_misframed_chunks(void **state)
{
    (void)state;
    for_each_stream(framing);
}

static void rejects_unknown_key_ids_in_the_stream_header(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x, x25519_aes256, 1, 0, 4);
    uint8_t all[1024];
    const int order[] = { 0, 1, 2, 3, FINAL, -1 };
    size_t len = join(&x, REQUEST, order, all);
    all[0] ^= 0x40;
    expect_status(&x, REQUEST, all, len, 0, CONFAI_E_KEY_ID_UNKNOWN, 0);
    /* the error comes with the 7th byte, before enc */
    assert_int_equal(read_stream(&x, REQUEST, all, 7, 1, 0, NULL), CONFAI_E_KEY_ID_UNKNOWN);
    exchange_free(&x);
}

static void encoders_refuse_misuse(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x, x25519_aes256, 1, 0, 5);
    uint8_t buf[256];
    size_t len = sizeof(buf);
    confai_ohttp_client *c = NULL;
    OK(confai_ohttp_client_begin_chunked(&c, buf, &len, x.client_config, ignore_chunk, NULL,
                                         NULL));
    len = sizeof(buf);
    assert_int_equal(confai_ohttp_client_seal_chunk(c, buf, &len, NULL, 0, NULL),
                     CONFAI_E_ARGUMENT);
    len = 10;
    assert_int_equal(confai_ohttp_client_seal_chunk(c, buf, &len, buf, 20, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 1 + 20 + 16);
    len = sizeof(buf);
    OK(confai_ohttp_client_seal_final_chunk(c, buf, &len, buf, 1, NULL));
    assert_int_equal(buf[0], 0);
    assert_int_equal(confai_ohttp_client_seal_chunk(c, buf, &len, buf, 1, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_client_seal_final_chunk(c, buf, &len, buf, 1, NULL),
                     CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_client_open_response(c, buf, &len, buf, 100, NULL),
                     CONFAI_E_STATE);
    confai_ohttp_client_free(c);
    len = sizeof(buf);
    c = (confai_ohttp_client *)buf;
    assert_int_equal(confai_ohttp_client_begin_chunked(&c, buf, &len, x.client_config, NULL,
                                                       NULL, NULL),
                     CONFAI_E_ARGUMENT);
    assert_null(c);

    /* the gateway answers only after the header, once, after begin */
    confai_ohttp_gateway *g = NULL;
    const confai_key_config *configs[] = { x.gateway_config };
    OK(confai_ohttp_gateway_new_chunked(&g, configs, 1, ignore_chunk, NULL, NULL));
    len = sizeof(buf);
    assert_int_equal(confai_ohttp_gateway_begin_response(g, buf, &len, NULL), CONFAI_E_STATE);
    OK(confai_ohttp_gateway_feed_request(g, x.header, 10, NULL));
    assert_int_equal(confai_ohttp_gateway_begin_response(g, buf, &len, NULL), CONFAI_E_STATE);
    OK(confai_ohttp_gateway_feed_request(g, x.header + 10, x.header_len - 10, NULL));
    assert_int_equal(confai_ohttp_gateway_seal_chunk(g, buf, &len, buf, 1, NULL), CONFAI_E_STATE);
    len = 31;
    assert_int_equal(confai_ohttp_gateway_begin_response(g, buf, &len, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 32);
    OK(confai_ohttp_gateway_begin_response(g, buf, &len, NULL));
    assert_int_equal(confai_ohttp_gateway_begin_response(g, buf, &len, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_gateway_seal_response(g, buf, &len, buf, 1, NULL),
                     CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_gateway_open_request(NULL, NULL, NULL, configs, 1, buf, 1,
                                                       NULL),
                     CONFAI_E_ARGUMENT);
    confai_ohttp_gateway_free(g);
    exchange_free(&x);
}

/* The gateway holds its own references to the configurations. */
static void gateway_keeps_its_configurations(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x, x25519_aes256, 1, 0, 6);
    confai_key_config *config = NULL;
    const confai_ohttp_algorithms alg = { 1, 2 };
    OK(confai_key_config_new(&config, x.key, 5, &alg, 1, NULL));
    confai_ohttp_gateway *g = NULL;
    const confai_key_config *configs[] = { config };
    sink got = { 0 };
    OK(confai_ohttp_gateway_new_chunked(&g, configs, 1, on_chunk, &got, NULL));
    confai_key_config_free(config);
    for (size_t i = 0; i < x.s[REQUEST].n; i++)
        OK(confai_ohttp_gateway_feed_request(g, x.s[REQUEST].piece[i], x.s[REQUEST].len[i],
                                             NULL));
    OK(confai_ohttp_gateway_finish_request(g, NULL));
    assert_int_equal(got.len, x.expect[REQUEST].len);
    confai_ohttp_gateway_free(g);
    sink_free(&got);
    exchange_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kat_gateway_reads_the_request),
        cmocka_unit_test(kat_gateway_reproduces_the_response),
        cmocka_unit_test(kat_client_reads_the_response),
        cmocka_unit_test(kat_client_chunked_encapsulation_reproduces_the_example),
        cmocka_unit_test(kat_client_chunked_encapsulation_with_fixed_ephemeral),
        cmocka_unit_test(round_trips_in_every_aead_and_split),
        cmocka_unit_test(large_chunks_and_the_limit),
        cmocka_unit_test(rejects_truncation_at_every_boundary),
        cmocka_unit_test(rejects_duplicated_chunks),
        cmocka_unit_test(rejects_dropped_and_swapped_chunks),
        cmocka_unit_test(rejects_chunks_spliced_from_another_stream),
        cmocka_unit_test(rejects_a_flipped_byte_anywhere),
        cmocka_unit_test(rejects_data_after_the_final_chunk),
        cmocka_unit_test(rejects_over_limit_chunks),
        cmocka_unit_test(rejects_an_over_limit_final_chunk),
        cmocka_unit_test(rejects_misframed_chunks),
        cmocka_unit_test(rejects_unknown_key_ids_in_the_stream_header),
        cmocka_unit_test(encoders_refuse_misuse),
        cmocka_unit_test(gateway_keeps_its_configurations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
