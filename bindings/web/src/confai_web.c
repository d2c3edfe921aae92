/*
 * What the WebAssembly build adds to the public ABI for its JavaScript side
 * (bindings/web): calls whose C shape JavaScript cannot make directly.
 *
 * - Verification with a cache: confai_verify_options is a struct; JavaScript
 *   passes the cache handle and this file fills the options.
 * - A streamed exchange: the chunked OHTTP reader and the Binary HTTP decoder
 *   push their results through C callbacks; here they land in buffers that
 *   JavaScript pulls after each feed (head, content pieces, end).
 * - The randomness check: OpenSSL seeds from getentropy() only (see
 *   tests/build-wasm.sh); referencing it here keeps it in the link, and
 *   confai_web_init fails when the host gives no randomness.
 *
 * No logic of the protocol lives here: sealing, opening, parsing and
 * verification are the library's own functions.
 */
/* getentropy() in <unistd.h> */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <confai/confai.h>

#include "seal/done_hold.h"

#define WEB_API __attribute__((used, visibility("default")))

/* 0 when the host serves randomness and OpenSSL's generator is seeded. */
WEB_API int confai_web_init(void)
{
    unsigned char probe[32];
    int ok = getentropy(probe, sizeof(probe)) == 0 && RAND_bytes(probe, sizeof(probe)) == 1;
    OPENSSL_cleanse(probe, sizeof(probe));
    return ok ? 0 : -1;
}

/* confai_attestation_verify with options made of their fields (cache may be NULL). */
WEB_API confai_status confai_web_verify(confai_verdict **verdict, const confai_policy *policy,
                                        confai_verify_cache *cache, uint32_t flags,
                                        int64_t verify_time, const uint8_t *nonce,
                                        const char *bundle, size_t bundle_len,
                                        confai_error *err)
{
    confai_verify_options options;
    confai_status status =
        confai_verify_options_init(&options, CONFAI_VERIFY_OPTIONS_VERSION, err);
    if (status != CONFAI_OK)
        return status;
    options.cache = cache;
    options.flags = flags;
    options.verify_time = verify_time;
    return confai_attestation_verify(verdict, policy, &options, nonce, bundle, bundle_len, err);
}

/* --- Streamed exchange ---------------------------------------------------- */

typedef struct confai_web_exchange {
    confai_ohttp_client *client;
    confai_http_decoder *decoder;
    const confai_http_message *head; /* owned by the decoder */
    int ended;
    int finished;          /* the answer ended authenticated (final chunk, whole message) */
    int event_stream;      /* the inner answer is text/event-stream */
    int at_line_start;     /* the content taken so far ended a line */
    confai_status failed;  /* the decoder's status from inside a callback */
    confai_error failure;  /* and its message */
    uint8_t *content;      /* content not yet taken by JavaScript */
    size_t content_len, content_cap;
} confai_web_exchange;

static int content_append(confai_web_exchange *ex, const uint8_t *data, size_t len)
{
    if (len > SIZE_MAX - ex->content_len)
        return -1;
    size_t need = ex->content_len + len;
    if (need > ex->content_cap) {
        size_t cap = ex->content_cap != 0 ? ex->content_cap : 4096;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        /* A fresh buffer so the old bytes are wiped, not left by realloc. */
        uint8_t *next = malloc(cap);
        if (next == NULL)
            return -1;
        if (ex->content_len != 0)
            memcpy(next, ex->content, ex->content_len);
        if (ex->content != NULL) {
            OPENSSL_cleanse(ex->content, ex->content_cap);
            free(ex->content);
        }
        ex->content = next;
        ex->content_cap = cap;
    }
    memcpy(ex->content + ex->content_len, data, len);
    ex->content_len = need;
    return 0;
}

static confai_status on_http_event(void *user, confai_http_event event,
                                   const confai_http_message *message, const uint8_t *data,
                                   size_t data_len)
{
    confai_web_exchange *ex = user;
    switch (event) {
    case CONFAI_HTTP_EVENT_HEAD: {
        ex->head = message;
        const char *type = confai_http_message_field_value(message, CONFAI_HTTP_HEADERS,
                                                           "content-type");
        static const char sse[] = "text/event-stream";
        ex->event_stream = type != NULL && strncasecmp(type, sse, sizeof(sse) - 1) == 0 &&
                           (type[sizeof(sse) - 1] == '\0' || type[sizeof(sse) - 1] == ';' ||
                            type[sizeof(sse) - 1] == ' ');
        ex->at_line_start = 1;
        break;
    }
    case CONFAI_HTTP_EVENT_CONTENT:
        if (content_append(ex, data, data_len) != 0)
            return CONFAI_E_NO_MEMORY;
        break;
    case CONFAI_HTTP_EVENT_END:
        ex->ended = 1;
        break;
    case CONFAI_HTTP_EVENT_INFORMATIONAL:
        break;
    }
    return CONFAI_OK;
}

/* Each authenticated chunk of the response goes on into the decoder. */
static void on_chunk(void *user, const uint8_t *plaintext, size_t plaintext_len, int is_final)
{
    confai_web_exchange *ex = user;
    (void)is_final;
    if (ex->failed != CONFAI_OK || plaintext_len == 0)
        return;
    ex->failed = confai_http_decoder_feed(ex->decoder, plaintext, plaintext_len, &ex->failure);
}

WEB_API void confai_web_exchange_free(confai_web_exchange *ex)
{
    if (ex == NULL)
        return;
    confai_ohttp_client_free(ex->client);
    confai_http_decoder_free(ex->decoder);
    if (ex->content != NULL) {
        OPENSSL_cleanse(ex->content, ex->content_cap);
        free(ex->content);
    }
    free(ex);
}

/*
 * Starts a chunked exchange to a verified key configuration: writes the
 * request header (header, *header_len) and creates *exchange.
 */
WEB_API confai_status confai_web_exchange_begin(confai_web_exchange **exchange,
                                                uint8_t *header, size_t *header_len,
                                                const confai_key_config *config,
                                                confai_error *err)
{
    *exchange = NULL;
    confai_web_exchange *ex = calloc(1, sizeof(*ex));
    if (ex == NULL) {
        if (err != NULL) {
            err->status = CONFAI_E_NO_MEMORY;
            strcpy(err->message, "exchange: out of memory");
        }
        return CONFAI_E_NO_MEMORY;
    }
    confai_status status = confai_http_decoder_new(&ex->decoder, CONFAI_HTTP_RESPONSE, NULL,
                                                   on_http_event, ex, err);
    if (status == CONFAI_OK)
        status = confai_ohttp_client_begin_chunked(&ex->client, header, header_len, config,
                                                   on_chunk, ex, err);
    if (status != CONFAI_OK) {
        confai_web_exchange_free(ex);
        return status;
    }
    *exchange = ex;
    return CONFAI_OK;
}

/* Seals the next request chunk, or the final one when is_final is set. */
WEB_API confai_status confai_web_exchange_seal(confai_web_exchange *ex, int is_final,
                                               uint8_t *chunk, size_t *chunk_len,
                                               const uint8_t *plaintext, size_t plaintext_len,
                                               confai_error *err)
{
    return is_final ? confai_ohttp_client_seal_final_chunk(ex->client, chunk, chunk_len,
                                                          plaintext, plaintext_len, err)
                    : confai_ohttp_client_seal_chunk(ex->client, chunk, chunk_len, plaintext,
                                                     plaintext_len, err);
}

/* The status of a decoder failure inside a callback, with its message. */
static confai_status decoder_failure(const confai_web_exchange *ex, confai_error *err)
{
    if (err != NULL)
        *err = ex->failure;
    return ex->failed;
}

/* Feeds sealed response bytes as they arrive; results wait to be pulled. */
WEB_API confai_status confai_web_exchange_feed(confai_web_exchange *ex, const uint8_t *data,
                                               size_t len, confai_error *err)
{
    confai_status status = confai_ohttp_client_feed_response(ex->client, data, len, err);
    if (status != CONFAI_OK)
        return status;
    return ex->failed != CONFAI_OK ? decoder_failure(ex, err) : CONFAI_OK;
}

/* The response ended: its final chunk and a complete inner message. */
WEB_API confai_status confai_web_exchange_finish(confai_web_exchange *ex, confai_error *err)
{
    confai_status status = confai_ohttp_client_finish_response(ex->client, err);
    if (status != CONFAI_OK)
        return status;
    if (ex->failed != CONFAI_OK)
        return decoder_failure(ex, err);
    status = confai_http_decoder_finish(ex->decoder, err);
    ex->finished = status == CONFAI_OK;
    return status;
}

/* The inner response's head once decoded (status and header fields), else NULL. */
WEB_API const confai_http_message *confai_web_exchange_head(const confai_web_exchange *ex)
{
    return ex->head;
}

WEB_API int confai_web_exchange_ended(const confai_web_exchange *ex)
{
    return ex->ended;
}

/*
 * How much of the decoded content may be handed out now: the native client's
 * rule (seal/done_hold.h), so "data: [DONE]" waits for the authenticated end.
 */
static size_t releasable(const confai_web_exchange *ex)
{
    size_t avail = ex->content_len;
    if (avail == 0 || !ex->event_stream || ex->finished)
        return avail;
    return done_hold_releasable(ex->content, avail, ex->at_line_start);
}

/*
 * The content that may be handed out now: (pointer, *len), valid until the
 * next call. Call confai_web_exchange_take(ex, *len) once it is copied.
 */
WEB_API const uint8_t *confai_web_exchange_content(const confai_web_exchange *ex, size_t *len)
{
    *len = releasable(ex);
    return ex->content;
}

/* Drops the first n bytes of content (handed out), wiping them. */
WEB_API void confai_web_exchange_take(confai_web_exchange *ex, size_t n)
{
    if (n == 0 || n > ex->content_len)
        return;
    ex->at_line_start = ex->content[n - 1] == '\n' || ex->content[n - 1] == '\r';
    memmove(ex->content, ex->content + n, ex->content_len - n);
    ex->content_len -= n;
    OPENSSL_cleanse(ex->content + ex->content_len, n);
}

/* --- Chunk collector -------------------------------------------------------- */
/*
 * Collects the plaintext chunks of a chunked OHTTP message as the library
 * hands them to a confai_ohttp_chunk_fn, for calls that JavaScript makes
 * with a C callback: confai_ohttp_gateway_new_chunked and
 * confai_ohttp_client_from_request (the conformance fixtures).
 */
typedef struct confai_web_chunks {
    uint8_t *data;
    size_t len, cap;
    int final_seen;     /* the last chunk delivered was the final one */
    int out_of_memory;
} confai_web_chunks;

static void collect_chunk(void *user, const uint8_t *plaintext, size_t plaintext_len,
                          int is_final)
{
    confai_web_chunks *c = user;
    c->final_seen = is_final;
    if (plaintext_len == 0 || c->out_of_memory)
        return;
    if (plaintext_len > SIZE_MAX - c->len) {
        c->out_of_memory = 1;
        return;
    }
    if (c->len + plaintext_len > c->cap) {
        size_t cap = (c->len + plaintext_len) * 2;
        uint8_t *next = realloc(c->data, cap);
        if (next == NULL) {
            c->out_of_memory = 1;
            return;
        }
        c->data = next;
        c->cap = cap;
    }
    memcpy(c->data + c->len, plaintext, plaintext_len);
    c->len += plaintext_len;
}

WEB_API confai_ohttp_chunk_fn confai_web_chunks_fn(void)
{
    return collect_chunk;
}

WEB_API confai_web_chunks *confai_web_chunks_new(void)
{
    return calloc(1, sizeof(confai_web_chunks));
}

WEB_API void confai_web_chunks_free(confai_web_chunks *c)
{
    if (c == NULL)
        return;
    if (c->data != NULL) {
        OPENSSL_cleanse(c->data, c->cap);
        free(c->data);
    }
    free(c);
}

/* The collected plaintext (*len bytes); NULL with *len 0 when none. */
WEB_API const uint8_t *confai_web_chunks_data(const confai_web_chunks *c, size_t *len)
{
    *len = c->len;
    return c->data;
}

/* 1 when the last chunk was the final one, -1 when memory ran out, else 0. */
WEB_API int confai_web_chunks_state(const confai_web_chunks *c)
{
    return c->out_of_memory ? -1 : c->final_seen;
}
