/*
 * src/seal/ohttp*.c, plain messages (RFC 9458 section 4): the appendix A
 * known-answer test in both directions, round trips in every suite, and one
 * test per rejection. Chunked messages are in test_ohttp_chunked.c.
 *
 * About the appendix's ephemeral key: the RFC gives skE, a private key.
 * OpenSSL's OSSL_HPKE takes only a seed (ikm) for it, so the test hook that
 * injects skE runs the sender on the own RFC 9180 code on every backend: the
 * client's encapsulation of the vector is reproduced byte for byte that way.
 * The same encapsulation with a seed-fixed ephemeral key is also checked on
 * the build's own backend, against HPKE driven directly with the vector's
 * info; the gateway opens the vector's request with skR, reproduces its
 * response from the vector's response nonce, and a client opens it.
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

/* The appendix A exchange, loaded from the vectors. */
typedef struct kat {
    cJSON *json;
    bytes sk_r, key_config, request, enc_request, response, enc_response;
    bytes info, response_nonce, secret, aead_key, aead_nonce, pk_e, sk_e;
    confai_hpke_key *key;
    confai_key_config *gateway_config; /* with skR */
    confai_key_config *client_config;  /* parsed keyConfig */
    confai_hpke_suite suite;
} kat;

static int kat_load(kat *k, const char *file)
{
    memset(k, 0, sizeof(*k));
    k->json = vector_load(file);
    if (k->json == NULL)
        return 0;
    k->sk_r = vector_hex(k->json, "skR");
    k->key_config = vector_hex(k->json, "keyConfig");
    k->request = vector_hex(k->json, "request");
    k->enc_request = vector_hex(k->json, "encapsulatedRequest");
    k->response = vector_hex(k->json, "response");
    k->enc_response = vector_hex(k->json, "encapsulatedResponse");
    k->info = vector_hex(k->json, "info");
    k->response_nonce = vector_hex(k->json, "responseNonce");
    k->secret = vector_hex(k->json, "exportedSecret");
    k->aead_key = vector_hex(k->json, "aeadKey");
    k->aead_nonce = vector_hex(k->json, "aeadNonce");
    k->pk_e = vector_hex(k->json, "pkE");
    k->sk_e = vector_hex(k->json, "skE");
    OK(confai_hpke_key_import(&k->key, CONFAI_HPKE_KEM_X25519_SHA256, k->sk_r.data,
                              k->sk_r.len, NULL));
    /* the appendix's configuration lists these two pairs */
    const confai_ohttp_algorithms algs[] = { { 1, 1 }, { 1, 3 } };
    OK(confai_key_config_new(&k->gateway_config, k->key, 1, algs, 2, NULL));
    OK(confai_key_config_parse(&k->client_config, k->key_config.data, k->key_config.len,
                               NULL));
    k->suite = confai_key_config_suite(k->client_config);
    return 1;
}

static void kat_free(kat *k)
{
    bytes *all[] = { &k->sk_r, &k->key_config, &k->request, &k->enc_request, &k->response,
                     &k->enc_response, &k->info, &k->response_nonce, &k->secret,
                     &k->aead_key, &k->aead_nonce, &k->pk_e, &k->sk_e };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        bytes_free(all[i]);
    confai_key_config_free(k->gateway_config);
    confai_key_config_free(k->client_config);
    confai_hpke_key_free(k->key);
    cJSON_Delete(k->json);
}

static confai_status fix_ikm(confai_hpke_ctx *ctx, void *arg, confai_error *err)
{
    (void)arg;
    return hpke_test_set_ikm_e(ctx, fixed_ikm_e, sizeof(fixed_ikm_e), err);
}

/* --- known answers --------------------------------------------------------- */

static void kat_gateway_opens_request_and_reproduces_response(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k, RFC9458_VECTOR))
        skip();
    /* the gateway's configuration serializes to the vector's */
    uint8_t buf[BUF];
    size_t len = sizeof(buf);
    OK(confai_key_config_serialize(k.gateway_config, buf, &len, NULL));
    assert_int_equal(len, k.key_config.len);
    assert_memory_equal(buf, k.key_config.data, len);

    const confai_key_config *configs[] = { k.gateway_config };
    confai_ohttp_gateway *g = NULL;
    len = sizeof(buf);
    OK(confai_ohttp_gateway_open_request(&g, buf, &len, configs, 1, k.enc_request.data,
                                         k.enc_request.len, NULL));
    assert_int_equal(len, k.request.len);
    assert_memory_equal(buf, k.request.data, len);

    /* intermediate values: the exported secret, then key and nonce */
    uint8_t secret[16];
    const char *label = "message/bhttp response";
    OK(confai_hpke_export(g->hpke, secret, sizeof(secret), (const uint8_t *)label,
                          strlen(label), NULL));
    assert_memory_equal(secret, k.secret.data, k.secret.len);
    uint8_t salt[64], key[32], nonce[12];
    memcpy(salt, k.pk_e.data, k.pk_e.len);
    memcpy(salt + k.pk_e.len, k.response_nonce.data, k.response_nonce.len);
    OK(ohttp_aead_derive(key, nonce, hpke_kdf_lookup(1), hpke_aead_lookup(1), secret,
                         sizeof(secret), salt, k.pk_e.len + k.response_nonce.len, NULL));
    assert_memory_equal(key, k.aead_key.data, k.aead_key.len);
    assert_memory_equal(nonce, k.aead_nonce.data, k.aead_nonce.len);

    OK(ohttp_test_set_response_nonce(g, k.response_nonce.data, k.response_nonce.len, NULL));
    len = sizeof(buf);
    OK(confai_ohttp_gateway_seal_response(g, buf, &len, k.response.data, k.response.len, NULL));
    assert_int_equal(len, k.enc_response.len);
    assert_memory_equal(buf, k.enc_response.data, len);
    confai_ohttp_gateway_free(g);
    kat_free(&k);
}

static void kat_client_opens_the_vector_response(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k, RFC9458_VECTOR))
        skip();
    /* the request info is the vector's */
    uint8_t hdr[OHTTP_HDR_SIZE], info[OHTTP_MAX_INFO_SIZE];
    ohttp_hdr_encode(hdr, 1, &k.suite);
    assert_memory_equal(hdr, k.enc_request.data, sizeof(hdr));
    size_t info_len = ohttp_request_info(info, OHTTP_PLAIN, hdr);
    assert_int_equal(info_len, k.info.len);
    assert_memory_equal(info, k.info.data, info_len);

    /* A recipient context on skR and the vector's enc has the sender's key
     * schedule, so its export opens the response as the client would. */
    confai_hpke_ctx *ctx = NULL;
    OK(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, &k.suite, NULL));
    OK(confai_hpke_recipient_setup(ctx, k.key, k.pk_e.data, k.pk_e.len, k.info.data,
                                   k.info.len, NULL));
    confai_ohttp_client *c = NULL;
    OK(ohttp_test_client_from_context(&c, ctx, &k.suite, k.pk_e.data, k.pk_e.len, 0, NULL,
                                      NULL, NULL));
    uint8_t buf[BUF];
    size_t len = sizeof(buf);
    OK(confai_ohttp_client_open_response(c, buf, &len, k.enc_response.data,
                                         k.enc_response.len, NULL));
    assert_int_equal(len, k.response.len);
    assert_memory_equal(buf, k.response.data, len);
    confai_ohttp_client_free(c);
    kat_free(&k);
}

static confai_status fix_sk_e(confai_hpke_ctx *ctx, void *arg, confai_error *err)
{
    const bytes *sk_e = arg;
    return hpke_test_set_sk_e(ctx, sk_e->data, sk_e->len, err);
}

static void kat_client_encapsulation_reproduces_the_vector(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k, RFC9458_VECTOR))
        skip();
    uint8_t req[BUF];
    size_t req_len = sizeof(req);
    confai_ohttp_client *c = NULL;
    OK(ohttp_test_client_seal_request(&c, req, &req_len, k.client_config, k.request.data,
                                      k.request.len, fix_sk_e, &k.sk_e, NULL));
    assert_int_equal(req_len, k.enc_request.len);
    assert_memory_equal(req, k.enc_request.data, req_len);
    confai_ohttp_client_free(c);
    kat_free(&k);
}

static void kat_client_encapsulation_with_fixed_ephemeral(void **state)
{
    (void)state;
    kat k;
    if (!kat_load(&k, RFC9458_VECTOR))
        skip();
    uint8_t req[BUF];
    size_t req_len = sizeof(req);
    confai_ohttp_client *c = NULL;
    OK(ohttp_test_client_seal_request(&c, req, &req_len, k.client_config, k.request.data,
                                      k.request.len, fix_ikm, NULL, NULL));

    /* expected: the vector's hdr, then HPKE with the vector's info */
    uint8_t pk_r[32], enc[32], ct[BUF];
    size_t pk_len = sizeof(pk_r), enc_len = sizeof(enc), ct_len = sizeof(ct);
    OK(confai_key_config_public_key(k.client_config, pk_r, &pk_len, NULL));
    confai_hpke_ctx *s = NULL;
    OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &k.suite, NULL));
    OK(hpke_test_set_ikm_e(s, fixed_ikm_e, sizeof(fixed_ikm_e), NULL));
    OK(confai_hpke_sender_setup(s, enc, &enc_len, pk_r, pk_len, k.info.data, k.info.len, NULL));
    OK(confai_hpke_seal(s, ct, &ct_len, NULL, 0, k.request.data, k.request.len, NULL));
    assert_int_equal(req_len, 7 + enc_len + ct_len);
    assert_memory_equal(req, k.enc_request.data, 7);
    assert_memory_equal(req + 7, enc, enc_len);
    assert_memory_equal(req + 7 + enc_len, ct, ct_len);
    confai_hpke_ctx_free(s);

    /* and the gateway opens it; the client opens the gateway's response */
    const confai_key_config *configs[] = { k.gateway_config };
    confai_ohttp_gateway *g = NULL;
    uint8_t pt[BUF], res[BUF];
    size_t pt_len = sizeof(pt), res_len = sizeof(res);
    OK(confai_ohttp_gateway_open_request(&g, pt, &pt_len, configs, 1, req, req_len, NULL));
    assert_memory_equal(pt, k.request.data, k.request.len);
    OK(confai_ohttp_gateway_seal_response(g, res, &res_len, k.response.data, k.response.len,
                                          NULL));
    pt_len = sizeof(pt);
    OK(confai_ohttp_client_open_response(c, pt, &pt_len, res, res_len, NULL));
    assert_int_equal(pt_len, k.response.len);
    assert_memory_equal(pt, k.response.data, pt_len);
    confai_ohttp_gateway_free(g);
    confai_ohttp_client_free(c);
    kat_free(&k);
}

/* --- round trips ----------------------------------------------------------- */

/* A gateway configuration for one suite, and the client's view of it. */
typedef struct pair {
    confai_hpke_key *key;
    confai_key_config *gateway;
    confai_key_config *client;
} pair;

static int pair_new(pair *p, confai_hpke_suite suite, uint8_t key_id)
{
    memset(p, 0, sizeof(*p));
    if (confai_hpke_suite_check(&suite, NULL) != CONFAI_OK)
        return 0;
    OK(confai_hpke_key_generate(&p->key, suite.kem_id, NULL));
    confai_ohttp_algorithms alg = { suite.kdf_id, suite.aead_id };
    OK(confai_key_config_new(&p->gateway, p->key, key_id, &alg, 1, NULL));
    uint8_t buf[512];
    size_t len = sizeof(buf);
    OK(confai_key_config_serialize(p->gateway, buf, &len, NULL));
    OK(confai_key_config_parse(&p->client, buf, len, NULL));
    confai_hpke_suite chosen = confai_key_config_suite(p->client);
    assert_memory_equal(&chosen, &suite, sizeof(suite));
    return 1;
}

static void pair_free(pair *p)
{
    confai_key_config_free(p->gateway);
    confai_key_config_free(p->client);
    confai_hpke_key_free(p->key);
}

/* Seals msg, opens it, answers with reply and opens the answer. */
static void round_trip(const pair *p, const uint8_t *msg, size_t msg_len,
                       const uint8_t *reply, size_t reply_len)
{
    static uint8_t req[70000], pt[70000], res[70000];
    size_t req_len = sizeof(req), pt_len = sizeof(pt), res_len = sizeof(res);
    confai_ohttp_client *c = NULL;
    confai_ohttp_gateway *g = NULL;
    const confai_key_config *configs[] = { p->gateway };
    OK(confai_ohttp_client_seal_request(&c, req, &req_len, p->client, msg, msg_len, NULL));
    OK(confai_ohttp_gateway_open_request(&g, pt, &pt_len, configs, 1, req, req_len, NULL));
    assert_int_equal(pt_len, msg_len);
    if (msg_len > 0)
        assert_memory_equal(pt, msg, msg_len);
    OK(confai_ohttp_gateway_seal_response(g, res, &res_len, reply, reply_len, NULL));
    pt_len = sizeof(pt);
    OK(confai_ohttp_client_open_response(c, pt, &pt_len, res, res_len, NULL));
    assert_int_equal(pt_len, reply_len);
    if (reply_len > 0)
        assert_memory_equal(pt, reply, reply_len);
    confai_ohttp_client_free(c);
    confai_ohttp_gateway_free(g);
}

static void round_trips_in_every_suite(void **state)
{
    (void)state;
    static const uint16_t kems[] = { 0x10, 0x11, 0x12, 0x20, 0x21 };
    static const uint16_t kdfs[] = { 1, 2, 3 };
    static const uint16_t aeads[] = { 1, 2, 3 };
    static uint8_t big[65536];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    size_t ran = 0;
    for (size_t a = 0; a < 5; a++)
        for (size_t b = 0; b < 3; b++)
            for (size_t d = 0; d < 3; d++) {
                confai_hpke_suite suite = { kems[a], kdfs[b], aeads[d] };
                pair p;
                if (!pair_new(&p, suite, (uint8_t)ran))
                    continue;
                round_trip(&p, (const uint8_t *)"GET /", 5, (const uint8_t *)"200", 3);
                round_trip(&p, NULL, 0, NULL, 0);
                round_trip(&p, big, sizeof(big), big, 1000);
                pair_free(&p);
                ran++;
            }
    assert_int_equal(ran, 45);
}

/* --- rejections ------------------------------------------------------------ */

typedef struct exchange {
    pair p;
    uint8_t req[256];
    size_t req_len;
    uint8_t res[256];
    size_t res_len;
    confai_ohttp_client *client;
} exchange;

static const uint8_t msg[] = "POST /v1/chat/completions";

/* A sealed request and its response, X25519 / SHA-256 / AES-256-GCM. */
static void exchange_new(exchange *x)
{
    confai_hpke_suite suite = { 0x20, 1, 2 };
    assert_true(pair_new(&x->p, suite, 9));
    x->req_len = sizeof(x->req);
    OK(confai_ohttp_client_seal_request(&x->client, x->req, &x->req_len, x->p.client, msg,
                                        sizeof(msg), NULL));
    const confai_key_config *configs[] = { x->p.gateway };
    confai_ohttp_gateway *g = NULL;
    uint8_t pt[256];
    size_t pt_len = sizeof(pt);
    OK(confai_ohttp_gateway_open_request(&g, pt, &pt_len, configs, 1, x->req, x->req_len,
                                         NULL));
    x->res_len = sizeof(x->res);
    OK(confai_ohttp_gateway_seal_response(g, x->res, &x->res_len, msg, 10, NULL));
    confai_ohttp_gateway_free(g);
}

static void exchange_free(exchange *x)
{
    confai_ohttp_client_free(x->client);
    pair_free(&x->p);
}

/* A failed open leaves its output untouched (0xA5) or wiped (0), never
 * partial plaintext. */
static void assert_no_plaintext(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != 0xA5 && buf[i] != 0)
            fail_msg("byte %zu of a failed open's output is 0x%02x", i, buf[i]);
}

/* Opens req at the gateway; checks that a failure leaves no output. */
static confai_status gateway_open(const confai_key_config *const *configs, size_t n,
                                  const uint8_t *req, size_t req_len)
{
    uint8_t pt[256];
    memset(pt, 0xA5, sizeof(pt));
    size_t pt_len = sizeof(pt);
    confai_ohttp_gateway *g = (confai_ohttp_gateway *)pt;
    confai_error err;
    confai_status st = confai_ohttp_gateway_open_request(&g, pt, &pt_len, configs, n, req,
                                                         req_len, &err);
    if (st != CONFAI_OK) {
        assert_null(g);
        assert_int_equal(err.status, st);
        assert_true(err.message[0] != '\0');
        assert_no_plaintext(pt, sizeof(pt));
    }
    confai_ohttp_gateway_free(g);
    return st;
}

/* Opens res with a fresh client for the same request (the client opens once). */
static confai_status client_open(exchange *x, const uint8_t *res, size_t res_len)
{
    uint8_t pt[256];
    memset(pt, 0xA5, sizeof(pt));
    size_t pt_len = sizeof(pt);
    confai_status st = confai_ohttp_client_open_response(x->client, pt, &pt_len, res, res_len,
                                                         NULL);
    if (st != CONFAI_OK)
        assert_no_plaintext(pt, sizeof(pt));
    return st;
}

static void rejects_truncated_requests(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x);
    const confai_key_config *configs[] = { x.p.gateway };
    size_t min = 7 + 32 + 16;
    for (size_t len = 0; len < min; len++)
        assert_int_equal(gateway_open(configs, 1, x.req, len), CONFAI_E_TRUNCATED);
    for (size_t len = min; len < x.req_len; len++)
        assert_int_equal(gateway_open(configs, 1, x.req, len), CONFAI_E_DECRYPT);
    exchange_free(&x);
}

static void rejects_truncated_responses(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x);
    size_t min = 32 + 16; /* max(Nn, Nk) for AES-256-GCM, and a tag */
    for (size_t len = 0; len < min; len++)
        assert_int_equal(client_open(&x, x.res, len), CONFAI_E_TRUNCATED);
    for (size_t len = min; len < x.res_len; len++)
        assert_int_equal(client_open(&x, x.res, len), CONFAI_E_DECRYPT);
    OK(client_open(&x, x.res, x.res_len));
    assert_int_equal(client_open(&x, x.res, x.res_len), CONFAI_E_STATE);
    exchange_free(&x);
}

static void rejects_unknown_key_ids_and_suites(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x);
    uint8_t req[256];
    memcpy(req, x.req, x.req_len);
    const confai_key_config *configs[] = { x.p.gateway };
    req[0] ^= 1;
    assert_int_equal(gateway_open(configs, 1, req, x.req_len), CONFAI_E_KEY_ID_UNKNOWN);

    /* the same key offered with AES-128-GCM only: the client's AES-256 is refused */
    confai_key_config *other = NULL;
    const confai_ohttp_algorithms aes128 = { 1, 1 };
    OK(confai_key_config_new(&other, x.p.key, 9, &aes128, 1, NULL));
    const confai_key_config *only128[] = { other };
    assert_int_equal(gateway_open(only128, 1, x.req, x.req_len), CONFAI_E_KEY_ID_UNKNOWN);
    /* a header naming another KEM */
    memcpy(req, x.req, x.req_len);
    req[2] = 0x10;
    assert_int_equal(gateway_open(configs, 1, req, x.req_len), CONFAI_E_KEY_ID_UNKNOWN);

    /* with two configurations, the key id picks the right one */
    confai_key_config *second = NULL;
    confai_hpke_key *key2 = NULL;
    OK(confai_hpke_key_generate(&key2, 0x20, NULL));
    const confai_ohttp_algorithms aes256 = { 1, 2 };
    OK(confai_key_config_new(&second, key2, 3, &aes256, 1, NULL));
    const confai_key_config *both[] = { second, x.p.gateway };
    OK(gateway_open(both, 2, x.req, x.req_len));
    /* ... and duplicate ids or client-side configurations are refused */
    const confai_key_config *twice[] = { x.p.gateway, x.p.gateway };
    assert_int_equal(gateway_open(twice, 2, x.req, x.req_len), CONFAI_E_ARGUMENT);
    const confai_key_config *public_only[] = { x.p.client };
    assert_int_equal(gateway_open(public_only, 1, x.req, x.req_len), CONFAI_E_ARGUMENT);
    confai_key_config_free(other);
    confai_key_config_free(second);
    confai_hpke_key_free(key2);
    exchange_free(&x);
}

static void rejects_a_tampered_byte_anywhere(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x);
    const confai_key_config *configs[] = { x.p.gateway };
    uint8_t buf[256];
    for (size_t i = 0; i < x.req_len; i++)
        for (int bit = 0; bit < 8; bit += 7) {
            memcpy(buf, x.req, x.req_len);
            buf[i] ^= (uint8_t)(1u << bit);
            /* the header names the key and suite; the rest is authenticated */
            assert_int_equal(gateway_open(configs, 1, buf, x.req_len),
                             i < 7 ? CONFAI_E_KEY_ID_UNKNOWN : CONFAI_E_DECRYPT);
        }
    for (size_t i = 0; i < x.res_len; i++) {
        memcpy(buf, x.res, x.res_len);
        buf[i] ^= 0x80;
        assert_int_equal(client_open(&x, buf, x.res_len), CONFAI_E_DECRYPT);
    }
    OK(client_open(&x, x.res, x.res_len));
    exchange_free(&x);
}

static void reports_buffer_sizes_before_any_work(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x);
    uint8_t buf[256];
    size_t len = 10;
    confai_ohttp_client *c = (confai_ohttp_client *)buf;
    assert_int_equal(confai_ohttp_client_seal_request(&c, buf, &len, x.p.client, msg,
                                                      sizeof(msg), NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_null(c);
    assert_int_equal(len, x.req_len);

    const confai_key_config *configs[] = { x.p.gateway };
    confai_ohttp_gateway *g = NULL;
    len = sizeof(msg) - 1;
    assert_int_equal(confai_ohttp_gateway_open_request(&g, buf, &len, configs, 1, x.req,
                                                       x.req_len, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, sizeof(msg));
    len = sizeof(buf);
    OK(confai_ohttp_gateway_open_request(&g, buf, &len, configs, 1, x.req, x.req_len, NULL));
    len = 47;
    assert_int_equal(confai_ohttp_gateway_seal_response(g, buf, &len, msg, 1, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 32 + 1 + 16);
    OK(confai_ohttp_gateway_seal_response(g, buf, &len, msg, 1, NULL));
    assert_int_equal(confai_ohttp_gateway_seal_response(g, buf, &len, msg, 1, NULL),
                     CONFAI_E_STATE);
    len = 9;
    assert_int_equal(confai_ohttp_client_open_response(x.client, buf, &len, x.res, x.res_len,
                                                       NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 10);
    confai_ohttp_gateway_free(g);
    exchange_free(&x);
}

static void plain_and_chunked_calls_do_not_mix(void **state)
{
    (void)state;
    exchange x;
    exchange_new(&x);
    uint8_t buf[256];
    size_t len = sizeof(buf);
    assert_int_equal(confai_ohttp_client_seal_chunk(x.client, buf, &len, msg, 3, NULL),
                     CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_client_feed_response(x.client, x.res, x.res_len, NULL),
                     CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_client_finish_response(x.client, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_client_set_max_chunk_size(x.client, 100, NULL),
                     CONFAI_E_STATE);
    const confai_key_config *configs[] = { x.p.gateway };
    confai_ohttp_gateway *g = NULL;
    OK(confai_ohttp_gateway_open_request(&g, buf, &len, configs, 1, x.req, x.req_len, NULL));
    len = sizeof(buf);
    assert_int_equal(confai_ohttp_gateway_begin_response(g, buf, &len, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_gateway_seal_chunk(g, buf, &len, msg, 3, NULL),
                     CONFAI_E_STATE);
    assert_int_equal(confai_ohttp_gateway_feed_request(g, x.req, x.req_len, NULL),
                     CONFAI_E_STATE);
    confai_ohttp_gateway_free(g);
    confai_ohttp_client_free(NULL);
    confai_ohttp_gateway_free(NULL);
    exchange_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kat_gateway_opens_request_and_reproduces_response),
        cmocka_unit_test(kat_client_opens_the_vector_response),
        cmocka_unit_test(kat_client_encapsulation_reproduces_the_vector),
        cmocka_unit_test(kat_client_encapsulation_with_fixed_ephemeral),
        cmocka_unit_test(round_trips_in_every_suite),
        cmocka_unit_test(rejects_truncated_requests),
        cmocka_unit_test(rejects_truncated_responses),
        cmocka_unit_test(rejects_unknown_key_ids_and_suites),
        cmocka_unit_test(rejects_a_tampered_byte_anywhere),
        cmocka_unit_test(reports_buffer_sizes_before_any_work),
        cmocka_unit_test(plain_and_chunked_calls_do_not_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
