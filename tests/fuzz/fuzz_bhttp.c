/*
 * Fuzz target: Binary HTTP (RFC 9292) decoding, whole-buffer and streaming,
 * and re-encoding.
 *
 * Input (missing bytes read as zero):
 *   u8   split seed: how the streaming decoder gets the bytes (0: all at once)
 *   u8   options: bits 0-1 the kind to expect (3 reads as any); bit 2 tight
 *        limits, so the limit checks are reached with short inputs
 *   the rest: the message
 *
 * Checked beyond "no crash, no out-of-bounds access": the streaming decoder,
 * fed pieces in exact-size blocks, returns the same status as the
 * whole-buffer decoder and reports the same message and content, with its
 * events in order; a failure is a documented parse status; a decoded message
 * encodes in both framings to bytes that decode to the same message, and
 * encoding is stable (encode, decode, encode gives the same bytes); the
 * streaming encoder's head + chunk + tail equals the indeterminate encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include <confai/confai.h>

/* --- Comparing messages through the public getters --------------------------- */

static int same_string(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static int same_head(const confai_http_message *a, const confai_http_message *b)
{
    if (confai_http_message_kind(a) != confai_http_message_kind(b) ||
        confai_http_message_status(a) != confai_http_message_status(b) ||
        !same_string(confai_http_message_method(a), confai_http_message_method(b)) ||
        !same_string(confai_http_message_scheme(a), confai_http_message_scheme(b)) ||
        !same_string(confai_http_message_authority(a), confai_http_message_authority(b)) ||
        !same_string(confai_http_message_path(a), confai_http_message_path(b)))
        return 0;
    for (int s = CONFAI_HTTP_HEADERS; s <= CONFAI_HTTP_TRAILERS; s++) {
        confai_http_section section = (confai_http_section)s;
        size_t n = confai_http_message_field_count(a, section);
        if (n != confai_http_message_field_count(b, section))
            return 0;
        for (size_t i = 0; i < n; i++) {
            const char *an, *av, *bn, *bv;
            FUZZ_CHECK(confai_http_message_field(a, &an, &av, section, i, NULL) == CONFAI_OK);
            FUZZ_CHECK(confai_http_message_field(b, &bn, &bv, section, i, NULL) == CONFAI_OK);
            if (strcmp(an, bn) != 0 || strcmp(av, bv) != 0)
                return 0;
        }
    }
    size_t n = confai_http_message_informational_count(a);
    if (n != confai_http_message_informational_count(b))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!same_head(confai_http_message_informational(a, i),
                       confai_http_message_informational(b, i)))
            return 0;
    return 1;
}

static int same_body(const confai_http_message *msg, const uint8_t *data, size_t len)
{
    size_t body_len;
    const uint8_t *body = confai_http_message_body(msg, &body_len);
    return body_len == len && (len == 0 || memcmp(body, data, len) == 0);
}

static int same_message(const confai_http_message *a, const confai_http_message *b)
{
    size_t len;
    const uint8_t *body = confai_http_message_body(b, &len);
    return same_head(a, b) && same_body(a, body, len);
}

/* --- Streaming ------------------------------------------------------------------ */

typedef struct recording {
    uint8_t *content;
    size_t content_len;
    int heads, ends, order_ok;
    const confai_http_message *end;
} recording;

static confai_status record(void *user, confai_http_event event,
                            const confai_http_message *message, const uint8_t *data,
                            size_t data_len)
{
    recording *r = user;
    switch (event) {
    case CONFAI_HTTP_EVENT_INFORMATIONAL:
        r->order_ok &= r->heads == 0 && message != NULL;
        break;
    case CONFAI_HTTP_EVENT_HEAD:
        r->order_ok &= r->heads++ == 0 && message != NULL;
        break;
    case CONFAI_HTTP_EVENT_CONTENT:
        r->order_ok &= r->heads == 1 && r->ends == 0 && data_len > 0;
        uint8_t *grown = realloc(r->content, r->content_len + data_len);
        FUZZ_CHECK(grown != NULL);
        r->content = grown;
        memcpy(r->content + r->content_len, data, data_len);
        r->content_len += data_len;
        break;
    case CONFAI_HTTP_EVENT_END:
        r->order_ok &= r->heads == 1 && r->ends++ == 0 && message != NULL;
        r->end = message;
        break;
    }
    return CONFAI_OK;
}

/* Piece sizes from the seed: a small generator, 1 to 16 bytes per piece. */
static size_t next_piece(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return 1 + (*state >> 16) % 16;
}

static confai_status stream_decode(const uint8_t *msg, size_t len, uint8_t seed,
                                   confai_http_kind expect,
                                   const confai_http_limits *limits,
                                   confai_http_decoder **dec, recording *r)
{
    FUZZ_CHECK(confai_http_decoder_new(dec, expect, limits, record, r, NULL) == CONFAI_OK);
    uint32_t state = seed;
    confai_status st = CONFAI_OK;
    for (size_t at = 0; at < len && st == CONFAI_OK;) {
        size_t n = seed == 0 ? len : next_piece(&state);
        if (n > len - at)
            n = len - at;
        uint8_t *piece = fuzz_alloc(n); /* exact size: over-reads are caught */
        memcpy(piece, msg + at, n);
        st = confai_http_decoder_feed(*dec, piece, n, NULL);
        free(piece);
        at += n;
    }
    return st == CONFAI_OK ? confai_http_decoder_finish(*dec, NULL) : st;
}

/* --- Re-encoding ----------------------------------------------------------------- */

static void check_reencode(const confai_http_message *msg)
{
    uint8_t *enc[2] = { NULL, NULL };
    size_t enc_len[2];
    for (int framing = 0; framing <= 1; framing++) {
        FUZZ_CHECK(confai_http_message_encode(msg, &enc[framing], &enc_len[framing],
                                              (confai_http_framing)framing, 1,
                                              NULL) == CONFAI_OK);
        /* default limits: the original may have been decoded with tighter ones */
        confai_http_message *back = NULL;
        FUZZ_CHECK(confai_http_message_decode(&back, enc[framing], enc_len[framing],
                                              CONFAI_HTTP_ANY, NULL, NULL) == CONFAI_OK);
        FUZZ_CHECK(same_message(msg, back));
        uint8_t *again = NULL;
        size_t again_len;
        FUZZ_CHECK(confai_http_message_encode(back, &again, &again_len,
                                              (confai_http_framing)framing, 1,
                                              NULL) == CONFAI_OK);
        FUZZ_CHECK(again_len == enc_len[framing] &&
                   memcmp(again, enc[framing], again_len) == 0);
        confai_free(again);
        confai_http_message_free(back);
    }

    /* head + one chunk + tail is the indeterminate encoding */
    uint8_t *head = NULL, *tail = NULL;
    size_t head_len, tail_len, body_len;
    const uint8_t *body = confai_http_message_body(msg, &body_len);
    FUZZ_CHECK(confai_http_message_encode_head(msg, &head, &head_len, NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_http_message_encode_tail(msg, &tail, &tail_len, 1, NULL) == CONFAI_OK);
    size_t chunk_len = 0;
    if (body_len > 0)
        FUZZ_CHECK(confai_http_chunk_encode(NULL, &chunk_len, body, body_len, NULL) ==
                   CONFAI_E_BUFFER_TOO_SMALL);
    uint8_t *chunk = fuzz_alloc(chunk_len);
    FUZZ_CHECK(confai_http_chunk_encode(chunk, &chunk_len, body, body_len, NULL) == CONFAI_OK);
    FUZZ_CHECK(head_len + chunk_len + tail_len == enc_len[1]);
    FUZZ_CHECK(memcmp(enc[1], head, head_len) == 0);
    FUZZ_CHECK(chunk_len == 0 || memcmp(enc[1] + head_len, chunk, chunk_len) == 0);
    FUZZ_CHECK(memcmp(enc[1] + head_len + chunk_len, tail, tail_len) == 0);
    free(chunk);
    confai_free(head);
    confai_free(tail);
    confai_free(enc[0]);
    confai_free(enc[1]);
}

static int parse_failure(confai_status st)
{
    return st == CONFAI_E_MALFORMED || st == CONFAI_E_TRUNCATED ||
           st == CONFAI_E_TRAILING_DATA || st == CONFAI_E_LIMIT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = { data, size };
    uint8_t seed = fuzz_u8(&r);
    uint8_t options = fuzz_u8(&r);
    size_t len;
    uint8_t *msg = fuzz_take(&r, r.left, &len);

    static const confai_http_kind kinds[4] = { CONFAI_HTTP_ANY, CONFAI_HTTP_REQUEST,
                                               CONFAI_HTTP_RESPONSE, CONFAI_HTTP_ANY };
    confai_http_kind expect = kinds[options & 3];
    confai_http_limits limits;
    FUZZ_CHECK(confai_http_limits_init(&limits, CONFAI_HTTP_LIMITS_VERSION, NULL) ==
               CONFAI_OK);
    if (options & 4) {
        limits.max_section_size = 64;
        limits.max_field_lines = 4;
        limits.max_informational = 2;
    }

    confai_http_message *whole = NULL;
    confai_status st = confai_http_message_decode(&whole, msg, len, expect, &limits, NULL);
    FUZZ_CHECK(st == CONFAI_OK || parse_failure(st));
    FUZZ_CHECK((st == CONFAI_OK) == (whole != NULL));

    recording rec = { .order_ok = 1 };
    confai_http_decoder *dec = NULL;
    confai_status streamed = stream_decode(msg, len, seed, expect, &limits, &dec, &rec);
    FUZZ_CHECK(streamed == st);
    FUZZ_CHECK(rec.order_ok);
    if (st == CONFAI_OK) {
        FUZZ_CHECK(rec.ends == 1 && same_head(rec.end, whole));
        FUZZ_CHECK(same_body(whole, rec.content, rec.content_len));
        check_reencode(whole);
    }

    confai_http_decoder_free(dec);
    free(rec.content);
    confai_http_message_free(whole);
    free(msg);
    return 0;
}
