/*
 * Fuzz target: OHTTP seal then open gives the input back, plain and
 * chunked, in both directions; a damaged message never opens.
 *
 * Input (missing bytes read as zero):
 *   u8   suite selector (fuzz_ohttp_suites in fuzz_ohttp.h)
 *   u8   flags: bit 0 chunked; bit 1 damage one byte of each message
 *   u8   chunk seed: chunk sizes 1..(seed % 97 + 1), pseudo-random
 *   u16  damage position (modulo the message length)
 *   ...  the message, used as request and as response plaintext
 *
 * The gateway key is the fixed key of the suite's KEM (fuzz_hpke.h).
 * Checked: every open returns exactly what was sealed; with damage, the
 * gateway refuses the request (or the client the response) and hands out no
 * plaintext beyond what authenticated before the damaged byte.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_ohttp.h"

typedef struct sink {
    uint8_t *data;
    size_t len;
    int final_seen;
} sink;

static void on_chunk(void *user, const uint8_t *pt, size_t len, int is_final)
{
    sink *s = user;
    FUZZ_CHECK(!s->final_seen);
    uint8_t *grown = realloc(s->data, s->len + len + 1);
    FUZZ_CHECK(grown != NULL);
    s->data = grown;
    if (len > 0)
        memcpy(s->data + s->len, pt, len);
    s->len += len;
    s->final_seen = is_final;
}

/* The client's view of a gateway configuration. */
static confai_key_config *client_config(const confai_key_config *gateway)
{
    uint8_t cfg[512];
    size_t len = sizeof(cfg);
    confai_key_config *c = NULL;
    FUZZ_CHECK(confai_key_config_serialize(gateway, cfg, &len, NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_key_config_parse(&c, cfg, len, NULL) == CONFAI_OK);
    return c;
}

/* --- plain ----------------------------------------------------------------- */

static void plain(const confai_key_config *gateway, const uint8_t *msg, size_t len,
                  int damage, size_t where)
{
    confai_key_config *config = client_config(gateway);
    const confai_key_config *configs[] = { gateway };
    size_t req_len = len + 7 + CONFAI_HPKE_MAX_ENC_SIZE + 16;
    uint8_t *req = fuzz_alloc(req_len), *pt = fuzz_alloc(len + 64);
    size_t res_len = len + 32 + 16;
    uint8_t *res = fuzz_alloc(res_len);
    confai_ohttp_client *client = NULL;
    confai_ohttp_gateway *g = NULL;

    confai_status st = confai_ohttp_client_seal_request(&client, req, &req_len, config, msg,
                                                        len, NULL);
    FUZZ_CHECK(st == CONFAI_OK);
    if (damage)
        req[where % req_len] ^= 0x01;
    memset(pt, FUZZ_SENTINEL, len + 64);
    size_t pt_len = len + 64;
    st = confai_ohttp_gateway_open_request(&g, pt, &pt_len, configs, 1, req, req_len, NULL);
    if (damage) {
        FUZZ_CHECK(st != CONFAI_OK && g == NULL);
        fuzz_check_no_plaintext(pt, len + 64);
        goto out;
    }
    FUZZ_CHECK(st == CONFAI_OK && pt_len == len && (len == 0 || memcmp(pt, msg, len) == 0));

    FUZZ_CHECK(confai_ohttp_gateway_seal_response(g, res, &res_len, msg, len, NULL)
               == CONFAI_OK);
    pt_len = len + 64;
    memset(pt, FUZZ_SENTINEL, len + 64);
    st = confai_ohttp_client_open_response(client, pt, &pt_len, res, res_len, NULL);
    FUZZ_CHECK(st == CONFAI_OK && pt_len == len && (len == 0 || memcmp(pt, msg, len) == 0));
out:
    confai_ohttp_client_free(client);
    confai_ohttp_gateway_free(g);
    confai_key_config_free(config);
    free(req);
    free(res);
    free(pt);
}

/* --- chunked --------------------------------------------------------------- */

typedef confai_status (*seal_fn)(void *h, uint8_t *out, size_t *out_len, const uint8_t *pt,
                                 size_t pt_len, confai_error *err);

/*
 * Seals msg as chunks after the header already in out; the final chunk
 * takes what is left (often nothing). Returns the length.
 */
static size_t seal_chunks(uint8_t *out, size_t at, void *h, seal_fn chunk, seal_fn final,
                          const uint8_t *msg, size_t len, uint8_t seed)
{
    uint32_t state = seed;
    size_t pos = 0;
    while (pos < len) {
        size_t n = 1 + fuzz_next(&state) % ((size_t)seed % 97 + 1);
        if (n > len - pos)
            n = len - pos;
        size_t out_len = n + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD;
        FUZZ_CHECK(chunk(h, out + at, &out_len, msg + pos, n, NULL) == CONFAI_OK);
        at += out_len;
        pos += n;
        if (fuzz_next(&state) % 4 == 0)
            break; /* sometimes leave more for the final chunk */
    }
    size_t out_len = len - pos + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD;
    FUZZ_CHECK(final(h, out + at, &out_len, msg + pos, len - pos, NULL) == CONFAI_OK);
    return at + out_len;
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
static confai_status gateway_chunk(void *h, uint8_t *o, size_t *ol, const uint8_t *p,
                                   size_t pl, confai_error *e)
{
    return confai_ohttp_gateway_seal_chunk(h, o, ol, p, pl, e);
}
static confai_status gateway_final(void *h, uint8_t *o, size_t *ol, const uint8_t *p,
                                   size_t pl, confai_error *e)
{
    return confai_ohttp_gateway_seal_final_chunk(h, o, ol, p, pl, e);
}

/* The outcome of reading a stream: delivered bytes must be a prefix of msg. */
static void check_read(confai_status st, const sink *got, const uint8_t *msg, size_t len,
                       int damage)
{
    FUZZ_CHECK(got->len <= len && (got->len == 0 || memcmp(got->data, msg, got->len) == 0));
    if (damage) {
        FUZZ_CHECK(st != CONFAI_OK);
    } else {
        FUZZ_CHECK(st == CONFAI_OK && got->final_seen && got->len == len);
    }
}

static void chunked(const confai_key_config *gateway, const uint8_t *msg, size_t len,
                    int damage, size_t where, uint8_t seed)
{
    confai_key_config *config = client_config(gateway);
    const confai_key_config *configs[] = { gateway };
    /* worst case: every byte its own chunk */
    size_t cap = CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE + (len + 1) * (1 + 16 + 8) + 64;
    uint8_t *req = fuzz_alloc(cap), *res = fuzz_alloc(cap);
    sink at_gateway = { 0 }, at_client = { 0 };
    confai_ohttp_client *client = NULL;
    confai_ohttp_gateway *g = NULL;
    size_t req_len = cap;
    FUZZ_CHECK(confai_ohttp_client_begin_chunked(&client, req, &req_len, config, on_chunk,
                                                 &at_client, NULL) == CONFAI_OK);
    req_len = seal_chunks(req, req_len, client, client_chunk, client_final, msg, len, seed);
    if (damage)
        req[where % req_len] ^= 0x01;
    FUZZ_CHECK(confai_ohttp_gateway_new_chunked(&g, configs, 1, on_chunk, &at_gateway, NULL)
               == CONFAI_OK);
    confai_status st = confai_ohttp_gateway_feed_request(g, req, req_len, NULL);
    if (st == CONFAI_OK)
        st = confai_ohttp_gateway_finish_request(g, NULL);
    check_read(st, &at_gateway, msg, len, damage);
    if (st != CONFAI_OK)
        goto out;

    size_t res_len = cap;
    FUZZ_CHECK(confai_ohttp_gateway_begin_response(g, res, &res_len, NULL) == CONFAI_OK);
    res_len = seal_chunks(res, res_len, g, gateway_chunk, gateway_final, msg, len, seed);
    st = confai_ohttp_client_feed_response(client, res, res_len, NULL);
    if (st == CONFAI_OK)
        st = confai_ohttp_client_finish_response(client, NULL);
    check_read(st, &at_client, msg, len, 0);
out:
    confai_ohttp_client_free(client);
    confai_ohttp_gateway_free(g);
    confai_key_config_free(config);
    free(at_gateway.data);
    free(at_client.data);
    free(req);
    free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader in = { data, size };
    size_t index = fuzz_u8(&in);
    uint8_t flags = fuzz_u8(&in);
    uint8_t seed = fuzz_u8(&in);
    size_t where = fuzz_u16(&in);
    size_t len;
    uint8_t *msg = fuzz_take(&in, in.left, &len);

    const confai_key_config *gateway = fuzz_ohttp_gateway_config(index);
    if (gateway != NULL) {
        if (flags & 1)
            chunked(gateway, msg, len, flags & 2, where, seed);
        else
            plain(gateway, msg, len, flags & 2, where);
    }
    free(msg);
    return 0;
}
