/*
 * A streamed exchange: a chunked OHTTP request, and its chunked response
 * opened as it arrives and read as the inner response's content.
 *
 * The transfer runs on a libcurl multi handle driven by confai_stream_read,
 * so the application pulls at its own pace and nothing runs in the
 * background. Bytes flow: libcurl -> chunk reader (authenticates each chunk)
 * -> Binary HTTP decoder -> the content queue that read drains. The first
 * failure anywhere poisons the stream; nothing is queued after it.
 */
#include <stdatomic.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client/client_internal.h"
#include "core/error.h"
#include "core/memory.h"
#include "seal/done_hold.h"

#define POLL_INTERVAL_MS 250
#define ERROR_BODY_MAX 4096 /* what is kept of an answer that is not sealed */

struct confai_stream {
    confai_client *client;
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    uint8_t *request;           /* the sealed chunked request */
    size_t request_len;
    confai_ohttp_client *exchange;
    confai_http_decoder *decoder;

    /* What the answer is, known at its first byte. */
    int answer_checked, answer_sealed;
    long http_status;
    char media_type[96];
    uint8_t *error_body;        /* start of an answer that is not sealed */
    size_t error_body_len;

    const confai_http_message *head; /* the inner response's head (decoder's) */
    int event_stream;           /* the inner content is text/event-stream */
    int at_line_start;          /* the last byte handed out ended a line */
    int inner_ended;            /* the inner message's END event arrived */
    int transfer_done;          /* libcurl finished and the ends were checked */

    /* Authenticated content not yet read. */
    uint8_t *queue;
    size_t queue_len, queue_pos, queue_cap;

    /* The first failure, returned from then on. */
    confai_status failure;
    confai_error failure_err;
    atomic_int cancelled;
};

static void fail(confai_stream *s, const confai_error *e)
{
    if (s->failure == CONFAI_OK) {
        s->failure = e->status != CONFAI_OK ? e->status : CONFAI_E_INTERNAL;
        s->failure_err = *e;
    }
}

static void fail_with(confai_stream *s, confai_status status, const char *message)
{
    confai_error e;
    confai_err_set(&e, status, "%s", message);
    fail(s, &e);
}

static int queue_append(confai_stream *s, const uint8_t *data, size_t len)
{
    if (s->queue_pos > 0 && s->queue_pos == s->queue_len)
        s->queue_pos = s->queue_len = 0;
    if (len > s->queue_cap - s->queue_len) {
        size_t need = s->queue_len + len;
        size_t cap = s->queue_cap < 4096 ? 4096 : s->queue_cap;
        while (cap < need)
            cap *= 2;
        uint8_t *q = OPENSSL_clear_realloc(s->queue, s->queue_cap, cap);
        if (q == NULL)
            return 0;
        s->queue = q;
        s->queue_cap = cap;
    }
    memcpy(s->queue + s->queue_len, data, len);
    s->queue_len += len;
    return 1;
}

/* Events of the inner Binary HTTP response. */
static confai_status on_http_event(void *user, confai_http_event event,
                                   const confai_http_message *message, const uint8_t *data,
                                   size_t data_len)
{
    confai_stream *s = user;
    switch (event) {
    case CONFAI_HTTP_EVENT_INFORMATIONAL: break;
    case CONFAI_HTTP_EVENT_HEAD: {
        char media[64];
        s->head = message;
        transport_media_type(media, sizeof(media),
                             confai_http_message_field_value(message, CONFAI_HTTP_HEADERS,
                                                             "content-type"));
        s->event_stream = strcmp(media, "text/event-stream") == 0;
        break;
    }
    case CONFAI_HTTP_EVENT_CONTENT:
        if (!queue_append(s, data, data_len))
            return CONFAI_E_NO_MEMORY;
        break;
    case CONFAI_HTTP_EVENT_END: s->inner_ended = 1; break;
    }
    return CONFAI_OK;
}

/* Each authenticated chunk of the response goes to the Binary HTTP decoder. */
static void on_chunk(void *user, const uint8_t *plaintext, size_t len, int is_final)
{
    confai_stream *s = user;
    confai_error e;
    (void)is_final;
    if (s->failure != CONFAI_OK || len == 0)
        return;
    if (confai_http_decoder_feed(s->decoder, plaintext, len, &e) != CONFAI_OK)
        fail(s, &e);
}

/* Decides at the first byte whether the answer is the sealed stream. */
static void check_answer(confai_stream *s)
{
    char *ct = NULL;
    s->answer_checked = 1;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->http_status);
    curl_easy_getinfo(s->easy, CURLINFO_CONTENT_TYPE, &ct);
    transport_media_type(s->media_type, sizeof(s->media_type), ct);
    s->answer_sealed = s->http_status == 200 && strcmp(s->media_type, MEDIA_CHUNKED_RES) == 0;
}

/* How many queued bytes may be handed out now (seal/done_hold.h). */
static size_t releasable(const confai_stream *s)
{
    size_t avail = s->queue_len - s->queue_pos;
    if (avail == 0 || !s->event_stream || s->transfer_done)
        return avail;
    return done_hold_releasable(s->queue + s->queue_pos, avail, s->at_line_start);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    confai_stream *s = user;
    size_t n = size * nmemb;
    confai_error e;
    if (!s->answer_checked)
        check_answer(s);
    if (!s->answer_sealed) {
        /* Keep the start for the error message; never hand it on. */
        size_t keep = ERROR_BODY_MAX - s->error_body_len;
        if (keep > n)
            keep = n;
        if (s->error_body == NULL)
            s->error_body = OPENSSL_malloc(ERROR_BODY_MAX);
        if (s->error_body != NULL && keep > 0) {
            memcpy(s->error_body + s->error_body_len, ptr, keep);
            s->error_body_len += keep;
        }
        return n;
    }
    if (s->failure != CONFAI_OK)
        return 0;
    if (confai_ohttp_client_feed_response(s->exchange, (const uint8_t *)ptr, n, &e) != CONFAI_OK)
        fail(s, &e);
    return s->failure == CONFAI_OK ? n : 0;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    confai_stream *s = user;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load(&s->cancelled) ? 1 : 0;
}

/* The transfer ended: check that both the chunk stream and the message did. */
static void finish_transfer(confai_stream *s, CURLcode rc)
{
    confai_error e;
    s->transfer_done = 1;
    if (s->failure != CONFAI_OK)
        return;
    if (rc != CURLE_OK) {
        transport_fail(rc, s->errbuf, s->client->sealed_url, &e);
        fail(s, &e);
        return;
    }
    if (!s->answer_checked)
        check_answer(s);
    if (!s->answer_sealed) {
        transport_unexpected(s->http_status, s->media_type, s->error_body, s->error_body_len,
                             MEDIA_CHUNKED_RES, &e);
        fail(s, &e);
        return;
    }
    if (confai_ohttp_client_finish_response(s->exchange, &e) != CONFAI_OK ||
        confai_http_decoder_finish(s->decoder, &e) != CONFAI_OK) {
        fail(s, &e);
        return;
    }
    if (!s->inner_ended)
        fail_with(s, CONFAI_E_TRUNCATED, "the sealed response ended inside its message");
}

/* Runs the transfer until something happened, or POLL_INTERVAL_MS passed. */
static void drive(confai_stream *s)
{
    int running = 0, queued = 0;
    CURLMsg *msg;
    if (atomic_load(&s->cancelled)) {
        fail_with(s, CONFAI_E_CANCELLED, "the stream was cancelled");
        return;
    }
    CURLMcode mc = curl_multi_perform(s->multi, &running);
    if (mc == CURLM_OK && running > 0)
        mc = curl_multi_poll(s->multi, NULL, 0, POLL_INTERVAL_MS, NULL);
    if (mc == CURLM_OK && running > 0)
        mc = curl_multi_perform(s->multi, &running);
    if (mc != CURLM_OK) {
        fail_with(s, CONFAI_E_INTERNAL, curl_multi_strerror(mc));
        return;
    }
    while ((msg = curl_multi_info_read(s->multi, &queued)) != NULL)
        if (msg->msg == CURLMSG_DONE)
            finish_transfer(s, msg->data.result);
    if (atomic_load(&s->cancelled))
        fail_with(s, CONFAI_E_CANCELLED, "the stream was cancelled");
}

/* Seals the whole request as chunks of the configured size. */
static confai_status seal_request(confai_stream *s, const confai_key_config *config,
                                  const uint8_t *plain, size_t plain_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t chunk = s->client->options.chunk_size;
    size_t pieces = plain_len / chunk + 1;
    size_t cap = CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE + plain_len +
                 pieces * CONFAI_OHTTP_MAX_CHUNK_OVERHEAD;
    s->request = OPENSSL_malloc(cap);
    ENSURE(s->request != NULL, CONFAI_E_NO_MEMORY, "sealing: out of memory");
    size_t len = cap;
    GUARD(confai_ohttp_client_begin_chunked(&s->exchange, s->request, &len, config, on_chunk, s,
                                            err));
    size_t used = len;
    size_t pos = 0;
    /* Full chunks while more follows; the rest (maybe empty) is the final one. */
    while (plain_len - pos > chunk) {
        len = cap - used;
        GUARD(confai_ohttp_client_seal_chunk(s->exchange, s->request + used, &len, plain + pos,
                                             chunk, err));
        used += len;
        pos += chunk;
    }
    len = cap - used;
    GUARD(confai_ohttp_client_seal_final_chunk(s->exchange, s->request + used, &len,
                                               plain + pos, plain_len - pos, err));
    s->request_len = used + len;
out:
    return status;
}

static confai_status stream_start(confai_stream *s, const confai_verdict *v,
                                  const uint8_t *plain, size_t plain_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_client *c = s->client;
    GUARD(seal_request(s, confai_verdict_key_config(v), plain, plain_len, err));
    GUARD(confai_http_decoder_new(&s->decoder, CONFAI_HTTP_RESPONSE, NULL, on_http_event, s,
                                  err));
    GUARD(transport_easy(c, &s->easy, &s->headers, c->sealed_url, MEDIA_CHUNKED_REQ,
                         MEDIA_CHUNKED_RES, c->options.request_timeout_ms, err));
    ENSURE(curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, (const char *)s->request) == CURLE_OK &&
               curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                                (curl_off_t)s->request_len) == CURLE_OK &&
               curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
               curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s) == CURLE_OK &&
               curl_easy_setopt(s->easy, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
               curl_easy_setopt(s->easy, CURLOPT_XFERINFODATA, s) == CURLE_OK &&
               curl_easy_setopt(s->easy, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
               curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf) == CURLE_OK,
           CONFAI_E_INTERNAL, "libcurl rejected an option");
    s->multi = curl_multi_init();
    ENSURE(s->multi != NULL, CONFAI_E_INTERNAL, "libcurl: cannot create a multi handle");
    ENSURE(curl_multi_add_handle(s->multi, s->easy) == CURLM_OK, CONFAI_E_INTERNAL,
           "libcurl: cannot start the transfer");
    /* Until the inner head is open, or the answer turned out wrong. */
    while (s->head == NULL && s->failure == CONFAI_OK && !s->transfer_done)
        drive(s);
    if (s->failure == CONFAI_OK && s->head == NULL)
        fail_with(s, CONFAI_E_TRUNCATED, "the sealed response ended before its head");
    if (s->failure != CONFAI_OK) {
        if (err != NULL)
            *err = s->failure_err;
        status = s->failure;
    }
out:
    return status;
}

void confai_stream_free(confai_stream *stream)
{
    if (stream == NULL)
        return;
    if (stream->multi != NULL && stream->easy != NULL)
        curl_multi_remove_handle(stream->multi, stream->easy);
    curl_easy_cleanup(stream->easy);
    curl_multi_cleanup(stream->multi);
    curl_slist_free_all(stream->headers);
    OPENSSL_free(stream->request);
    OPENSSL_free(stream->error_body);
    confai_ohttp_client_free(stream->exchange);
    confai_http_decoder_free(stream->decoder);
    confai_free_secret(stream->queue, stream->queue_cap);
    confai_free_secret(stream, sizeof(*stream));
}

confai_status confai_client_stream_open(confai_client *client, confai_stream **stream,
                                        const confai_http_message *request, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    confai_verdict *v = NULL, *rejected = NULL;
    confai_stream *s = NULL;
    confai_err_clear(err);
    ENSURE_ARG(stream != NULL, "stream");
    *stream = NULL;
    ENSURE_ARG(client != NULL, "client");
    ENSURE_ARG(request != NULL, "request");
    GUARD(client_encode_request(request, &plain, &plain_len, err));

    /* A rejected key means rotation: one fresh attestation, then one retry. */
    for (int attempt = 0; attempt < 2; attempt++) {
        GUARD(client_lease(client, rejected, &v, err));
        s = confai_zalloc(sizeof(*s));
        ENSURE(s != NULL, CONFAI_E_NO_MEMORY, "stream: out of memory");
        s->client = client;
        s->at_line_start = 1;
        atomic_init(&s->cancelled, 0);
        status = stream_start(s, v, plain, plain_len, err);
        if (status != CONFAI_E_KEY_ID_UNKNOWN)
            break;
        confai_stream_free(s);
        s = NULL;
        confai_verdict_free(rejected);
        rejected = v;
        v = NULL;
    }
    if (status == CONFAI_OK) {
        *stream = s;
        s = NULL;
    }
out:
    confai_stream_free(s);
    confai_verdict_free(v);
    confai_verdict_free(rejected);
    confai_free(plain);
    return status;
}

const confai_http_message *confai_stream_response(const confai_stream *stream)
{
    return stream == NULL ? NULL : stream->head;
}

confai_status confai_stream_read(confai_stream *stream, uint8_t *buf, size_t *len,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(len != NULL, "len");
    size_t capacity = *len;
    *len = 0;
    ENSURE_ARG(stream != NULL, "stream");
    ENSURE_ARG(buf != NULL && capacity > 0, "buf");
    confai_stream *s = stream;
    for (;;) {
        /*
         * After a failure nothing more is handed out, not even content that
         * authenticated before it: the application sees the error at once.
         */
        if (s->failure != CONFAI_OK) {
            confai_wipe(s->queue, s->queue_cap);
            s->queue_pos = s->queue_len = 0;
            if (err != NULL)
                *err = s->failure_err;
            return s->failure;
        }
        size_t avail = releasable(s);
        if (avail > 0) {
            size_t n = avail < capacity ? avail : capacity;
            memcpy(buf, s->queue + s->queue_pos, n);
            s->at_line_start = buf[n - 1] == '\n' || buf[n - 1] == '\r';
            confai_wipe(s->queue + s->queue_pos, n);
            s->queue_pos += n;
            *len = n;
            return CONFAI_OK;
        }
        if (s->transfer_done)
            return CONFAI_OK; /* the authenticated end */
        drive(s);
    }
out:
    return status;
}

void confai_stream_cancel(confai_stream *stream)
{
    if (stream == NULL)
        return;
    atomic_store(&stream->cancelled, 1);
    if (stream->multi != NULL)
        curl_multi_wakeup(stream->multi);
}
