/*
 * Fuzz target: the chunked OHTTP reader (request streams at the gateway,
 * response streams at the client) on arbitrary bytes in arbitrary splits.
 *
 * Input (missing bytes read as zero):
 *   u8   flags: bit 0 selects the response reader (else the request reader);
 *        bits 1-2 the chunk limit: default, 16, 64 or 16384 bytes
 *   u8   split seed: 0 feeds the second reader one byte at a time, else in
 *        pseudo-random pieces of 1 to 64 bytes
 *   ...  the stream
 *
 * The request reader is a gateway with the fixed configuration of
 * fuzz_ohttp.h; the response reader is a client with a fixed ephemeral key,
 * so seeds made by make_corpus_ohttp.c reach the success path. Two readers
 * take the same bytes, one in a single feed, one in pieces. Checked beyond
 * "no crash, no out-of-bounds access": both agree on the outcome and on
 * every delivered byte; no chunk follows the final one; non-final chunks are
 * never empty and never above the limit; a stream that finishes saw its
 * final chunk; after a failure, feed and finish fail with CONFAI_E_STATE and
 * deliver nothing more.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_ohttp.h"

typedef struct sink {
    uint8_t *data;
    size_t len;
    size_t chunks;
    int final_seen;
    size_t limit;
} sink;

static void on_chunk(void *user, const uint8_t *pt, size_t len, int is_final)
{
    sink *s = user;
    FUZZ_CHECK(!s->final_seen);
    FUZZ_CHECK(is_final || len > 0);
    FUZZ_CHECK(len <= s->limit);
    uint8_t *grown = realloc(s->data, s->len + len + 1);
    FUZZ_CHECK(grown != NULL);
    s->data = grown;
    if (len > 0)
        memcpy(s->data + s->len, pt, len);
    s->len += len;
    s->chunks++;
    s->final_seen = is_final;
}

typedef struct reader {
    int response;
    confai_ohttp_client *client;
    confai_ohttp_gateway *gateway;
    sink got;
} reader;

static void reader_new(reader *r, int response, size_t limit)
{
    memset(r, 0, sizeof(*r));
    r->response = response;
    r->got.limit = limit ? limit : CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE;
    if (response) {
        uint8_t header[CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE];
        size_t header_len;
        r->client = fuzz_ohttp_stream_client(header, &header_len, on_chunk, &r->got);
        if (limit)
            FUZZ_CHECK(confai_ohttp_client_set_max_chunk_size(r->client, limit, NULL)
                       == CONFAI_OK);
    } else {
        const confai_key_config *configs[] = { fuzz_ohttp_stream_config() };
        FUZZ_CHECK(configs[0] != NULL);
        FUZZ_CHECK(confai_ohttp_gateway_new_chunked(&r->gateway, configs, 1, on_chunk, &r->got,
                                                    NULL) == CONFAI_OK);
        if (limit)
            FUZZ_CHECK(confai_ohttp_gateway_set_max_chunk_size(r->gateway, limit, NULL)
                       == CONFAI_OK);
    }
}

static confai_status feed(reader *r, const uint8_t *data, size_t len)
{
    return r->response ? confai_ohttp_client_feed_response(r->client, data, len, NULL)
                       : confai_ohttp_gateway_feed_request(r->gateway, data, len, NULL);
}

static confai_status finish(reader *r)
{
    return r->response ? confai_ohttp_client_finish_response(r->client, NULL)
                       : confai_ohttp_gateway_finish_request(r->gateway, NULL);
}

/* After the outcome: a finished stream is complete; a failed one is dead. */
static void check_after(reader *r, confai_status outcome)
{
    if (outcome == CONFAI_OK) {
        FUZZ_CHECK(r->got.final_seen);
        FUZZ_CHECK(finish(r) == CONFAI_OK);
        return;
    }
    size_t chunks = r->got.chunks;
    uint8_t byte = 0;
    FUZZ_CHECK(feed(r, &byte, 1) == CONFAI_E_STATE);
    FUZZ_CHECK(finish(r) == CONFAI_E_STATE);
    FUZZ_CHECK(r->got.chunks == chunks);
}

static void reader_free(reader *r)
{
    confai_ohttp_client_free(r->client);
    confai_ohttp_gateway_free(r->gateway);
    free(r->got.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t limits[] = { 0, 16, 64, 16384 };
    fuzz_reader in = { data, size };
    uint8_t flags = fuzz_u8(&in);
    uint8_t seed = fuzz_u8(&in);
    size_t len;
    uint8_t *stream = fuzz_take(&in, in.left, &len);
    int response = flags & 1;
    size_t limit = limits[(flags >> 1) & 3];

    reader whole, pieces;
    reader_new(&whole, response, limit);
    reader_new(&pieces, response, limit);

    confai_status a = feed(&whole, stream, len);
    if (a == CONFAI_OK)
        a = finish(&whole);

    confai_status b = CONFAI_OK;
    uint32_t state = seed;
    for (size_t at = 0; at < len && b == CONFAI_OK;) {
        size_t n = seed == 0 ? 1 : 1 + fuzz_next(&state) % 64;
        if (n > len - at)
            n = len - at;
        /* each piece in its own block, so ASan sees reads past its end */
        uint8_t *piece = fuzz_alloc(n);
        memcpy(piece, stream + at, n);
        b = feed(&pieces, piece, n);
        free(piece);
        at += n;
    }
    if (b == CONFAI_OK)
        b = finish(&pieces);

    FUZZ_CHECK(a == b);
    FUZZ_CHECK(whole.got.chunks == pieces.got.chunks);
    FUZZ_CHECK(whole.got.len == pieces.got.len);
    FUZZ_CHECK(whole.got.len == 0 || memcmp(whole.got.data, pieces.got.data, whole.got.len) == 0);
    FUZZ_CHECK(whole.got.len <= len);
    check_after(&whole, a);
    check_after(&pieces, b);

    reader_free(&whole);
    reader_free(&pieces);
    free(stream);
    return 0;
}
