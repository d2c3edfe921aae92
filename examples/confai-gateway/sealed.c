/*
 * POST /v1/sealed (doc/protocol.md): opens the OHTTP-sealed Binary HTTP
 * request, hands it to the model (or the upstream) and seals the answer.
 *
 *   message/ohttp-req          opened whole; the inner answer is collected and
 *                              sealed whole as message/ohttp-res
 *   message/ohttp-chunked-req  fed chunk by chunk as it arrives; the answer is
 *                              message/ohttp-chunked-res: the response nonce,
 *                              then one sealed chunk (at most 16 KiB of
 *                              plaintext) per piece the model writes, the
 *                              inner response in indeterminate-length form,
 *                              so tokens reach the client one by one
 *
 * A request sealed to a key this gateway does not hold gets 400 with the
 * problem type of RFC 9458 section 5.2, so the client attests again; any
 * other failure to open gets a plain 400 that says nothing about the
 * content. Plaintext buffers are wiped before they are freed.
 *
 * Streaming: a producer thread runs the model and seals its pieces into a
 * bounded queue; libmicrohttpd's connection thread drains it in the content
 * reader. If the client goes away the producer is cancelled; if the producer
 * fails after the answer began, the connection is cut without a final chunk,
 * which the client detects as a truncated stream.
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <microhttpd.h>

#define MEDIA_REQ "message/ohttp-req"
#define MEDIA_RES "message/ohttp-res"
#define MEDIA_CHUNKED_REQ "message/ohttp-chunked-req"
#define MEDIA_CHUNKED_RES "message/ohttp-chunked-res"
#define MEDIA_PROBLEM "application/problem+json"
#define PROBLEM_OHTTP_KEY "https://iana.org/assignments/http-problem-types#ohttp-key"
#define MAX_QUEUED (1u << 20) /* sealed bytes waiting for a slow client */

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n-- > 0)
        *v++ = 0;
}

/* --- sink helpers shared by the handlers ---------------------------------------- */

int gw_sink_json(gw_sink *s, unsigned status, const char *json)
{
    static const char *const fields[] = { "content-type", "application/json" };
    if (s->begin(s, status, fields, 1) != 0 || s->write(s, json, strlen(json)) != 0)
        return -1;
    return s->end(s);
}

int gw_sink_error(gw_sink *s, unsigned status, const char *type, const char *code,
                  const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(doc, "error");
    cJSON_AddStringToObject(e, "message", message);
    cJSON_AddStringToObject(e, "type", type);
    cJSON_AddNullToObject(e, "param");
    cJSON_AddStringToObject(e, "code", code);
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    int rc = json != NULL ? gw_sink_json(s, status, json) : -1;
    cJSON_free(json);
    return rc;
}

/* A response message with a status and header fields; NULL on failure. */
static confai_http_message *response_head(unsigned status, const char *const *fields,
                                          size_t count)
{
    confai_http_message *msg = NULL;
    if (confai_http_message_new_response(&msg, (uint16_t)status, NULL) != CONFAI_OK)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        if (confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, fields[2 * i],
                                          fields[2 * i + 1], NULL) != CONFAI_OK) {
            confai_http_message_free(msg);
            return NULL;
        }
    }
    return msg;
}

/* --- state of one sealed request ------------------------------------------------- */

typedef struct sealed_state {
    int chunked;
    confai_ohttp_gateway *gw;
    confai_status failure; /* first failure while reading a chunked request */
    char failure_msg[CONFAI_ERROR_MESSAGE_SIZE];
    uint8_t *plain; /* the inner request, as it was opened */
    size_t plain_len, plain_cap;
    int too_large;
} sealed_state;

void sealed_request_free(gw_request *req)
{
    sealed_state *s = req->sealed;
    if (s == NULL)
        return;
    confai_ohttp_gateway_free(s->gw);
    if (s->plain != NULL) {
        wipe(s->plain, s->plain_cap);
        free(s->plain);
    }
    free(s);
    req->sealed = NULL;
}

/* Receives the opened chunks of a chunked request. */
static void on_request_chunk(void *user, const uint8_t *data, size_t len, int is_final)
{
    sealed_state *s = user;
    (void)is_final;
    if (s->too_large || len == 0)
        return;
    if (s->plain_len + len > GW_MAX_SEALED_BODY) {
        s->too_large = 1;
        return;
    }
    if (s->plain_len + len > s->plain_cap) {
        size_t cap = s->plain_cap == 0 ? 4096 : s->plain_cap;
        while (cap < s->plain_len + len)
            cap *= 2;
        uint8_t *grown = malloc(cap);
        if (grown == NULL) {
            s->too_large = 1;
            return;
        }
        if (s->plain != NULL) {
            memcpy(grown, s->plain, s->plain_len);
            wipe(s->plain, s->plain_cap);
            free(s->plain);
        }
        s->plain = grown;
        s->plain_cap = cap;
    }
    memcpy(s->plain + s->plain_len, data, len);
    s->plain_len += len;
}

int sealed_feed(const gw_config *cfg, gw_request *req, const uint8_t *data, size_t len)
{
    sealed_state *s = req->sealed;
    confai_error err;
    if (s == NULL) {
        s = calloc(1, sizeof(*s));
        if (s == NULL)
            return -1;
        req->sealed = s;
        s->chunked = 1;
        gw_key *key = gw_keys_acquire((gw_keys *)&cfg->keys);
        const confai_key_config *configs[1] = { key->config };
        confai_status st =
            confai_ohttp_gateway_new_chunked(&s->gw, configs, 1, on_request_chunk, s, &err);
        gw_key_release(key); /* the gateway keeps its own reference */
        if (st != CONFAI_OK) {
            s->failure = st;
            snprintf(s->failure_msg, sizeof(s->failure_msg), "%s", err.message);
        }
    }
    if (s->failure != CONFAI_OK || len == 0)
        return 0; /* the rest of the body is read and dropped */
    if (confai_ohttp_gateway_feed_request(s->gw, data, len, &err) != CONFAI_OK) {
        s->failure = err.status;
        snprintf(s->failure_msg, sizeof(s->failure_msg), "%s", err.message);
    } else if (s->too_large) {
        s->failure = CONFAI_E_LIMIT;
        snprintf(s->failure_msg, sizeof(s->failure_msg), "inner request over %u bytes",
                 GW_MAX_SEALED_BODY);
    }
    return 0;
}

/* 400 for a request that cannot be opened; the ohttp-key problem for a key id. */
static int refuse(struct MHD_Connection *conn, gw_request *req, confai_status st,
                  const char *detail)
{
    req->note = confai_status_name(st);
    if (st == CONFAI_E_KEY_ID_UNKNOWN) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "type", PROBLEM_OHTTP_KEY);
        cJSON_AddStringToObject(doc, "title",
                                "the request is sealed to a key configuration this gateway "
                                "does not hold (rotated?); fetch a new attestation");
        char *json = cJSON_PrintUnformatted(doc);
        cJSON_Delete(doc);
        int rc = gw_http_reply(conn, req, 400, MEDIA_PROBLEM, json != NULL ? json : "{}",
                               json != NULL ? strlen(json) : 2);
        cJSON_free(json);
        return rc;
    }
    (void)detail; /* logged by the caller's note only: it may describe the content */
    static const char text[] = "the sealed request could not be opened\n";
    return gw_http_reply(conn, req, 400, "text/plain", text, sizeof(text) - 1);
}

static int handle(const gw_config *cfg, const confai_http_message *request, gw_sink *out)
{
    return cfg->upstream != NULL ? upstream_handle(cfg, request, out)
                                 : demo_model_handle(cfg, request, out);
}

/* --- a whole answer (message/ohttp-res) ----------------------------------------- */

typedef struct buffer_sink {
    gw_sink base;
    confai_http_message *response;
    uint8_t *body;
    size_t len, cap;
    int ended;
} buffer_sink;

static int buffer_begin(gw_sink *s, unsigned status, const char *const *fields, size_t count)
{
    buffer_sink *b = (buffer_sink *)s;
    if (b->response != NULL)
        return -1;
    b->response = response_head(status, fields, count);
    return b->response != NULL ? 0 : -1;
}

static int buffer_write(gw_sink *s, const void *data, size_t len)
{
    buffer_sink *b = (buffer_sink *)s;
    if (b->response == NULL || b->ended || len > GW_MAX_SEALED_BODY - b->len)
        return -1;
    if (b->len + len > b->cap) {
        size_t cap = b->cap == 0 ? 4096 : b->cap;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *grown = malloc(cap);
        if (grown == NULL)
            return -1;
        if (b->body != NULL) {
            memcpy(grown, b->body, b->len);
            wipe(b->body, b->cap);
            free(b->body);
        }
        b->body = grown;
        b->cap = cap;
    }
    memcpy(b->body + b->len, data, len);
    b->len += len;
    return 0;
}

static int buffer_end(gw_sink *s)
{
    buffer_sink *b = (buffer_sink *)s;
    if (b->response == NULL || b->ended)
        return -1;
    b->ended = 1;
    return confai_http_message_set_body(b->response, b->body, b->len, NULL) == CONFAI_OK ? 0
                                                                                        : -1;
}

static void buffer_clear(buffer_sink *b)
{
    confai_http_message_free(b->response);
    if (b->body != NULL) {
        wipe(b->body, b->cap);
        free(b->body);
    }
    memset(b, 0, sizeof(*b));
}

/* Runs the handler into a buffer; a failed handler becomes an inner 500/502. */
confai_http_message *sealed_answer_whole(const gw_config *cfg,
                                         const confai_http_message *request)
{
    atomic_int cancelled;
    buffer_sink b;
    atomic_init(&cancelled, 0);
    memset(&b, 0, sizeof(b));
    b.base.begin = buffer_begin;
    b.base.write = buffer_write;
    b.base.end = buffer_end;
    b.base.cancelled = &cancelled;
    if (handle(cfg, request, &b.base) != 0 || !b.ended) {
        buffer_clear(&b);
        b.base.begin = buffer_begin;
        b.base.write = buffer_write;
        b.base.end = buffer_end;
        b.base.cancelled = &cancelled;
        if (gw_sink_error(&b.base, cfg->upstream != NULL ? 502 : 500, "server_error",
                          "internal_error", "the model could not answer") != 0) {
            buffer_clear(&b);
            return NULL;
        }
    }
    confai_http_message *response = b.response;
    b.response = NULL;
    buffer_clear(&b);
    return response;
}

/* Flips or cuts the sealed whole response as --tamper says. */
static void tamper_whole(const gw_config *cfg, uint8_t *sealed, size_t *len)
{
    if (cfg->tamper == GW_TAMPER_FLIP_BYTE)
        sealed[*len - 1] ^= 0x01;
    else if (cfg->tamper == GW_TAMPER_TRUNCATE && *len > 8)
        *len -= 8;
}

static int respond_whole(const gw_config *cfg, struct MHD_Connection *conn, gw_request *req)
{
    sealed_state *s = req->sealed;
    confai_error err;
    confai_http_message *request = NULL, *response = NULL;
    uint8_t *plain = NULL, *encoded = NULL, *sealed = NULL;
    size_t plain_len = req->body_len, encoded_len = 0, sealed_len = 0;
    int rc = MHD_NO;

    gw_key *key = gw_keys_acquire((gw_keys *)&cfg->keys);
    const confai_key_config *configs[1] = { key->config };
    plain = malloc(plain_len > 0 ? plain_len : 1);
    confai_status st = plain == NULL ? CONFAI_E_NO_MEMORY
                                     : confai_ohttp_gateway_open_request(
                                           &s->gw, plain, &plain_len, configs, 1, req->body,
                                           req->body_len, &err);
    gw_key_release(key);
    if (st != CONFAI_OK) {
        rc = refuse(conn, req, st, err.message);
        goto out;
    }
    if (confai_http_message_decode(&request, plain, plain_len, CONFAI_HTTP_REQUEST, NULL,
                                   &err) != CONFAI_OK) {
        static const char *const fields[] = { "content-type", "application/json" };
        static const char json[] = "{\"error\":{\"message\":\"the sealed content is not a "
                                   "Binary HTTP request\",\"type\":\"invalid_request_error\","
                                   "\"param\":null,\"code\":\"bad_binary_http\"}}";
        response = response_head(400, fields, 1);
        if (response == NULL || confai_http_message_set_body(response, (const uint8_t *)json,
                                                             sizeof(json) - 1,
                                                             NULL) != CONFAI_OK)
            goto fail;
    } else {
        response = sealed_answer_whole(cfg, request);
        if (response == NULL)
            goto fail;
    }
    if (confai_http_message_encode(response, &encoded, &encoded_len, CONFAI_HTTP_KNOWN_LENGTH,
                                   0, &err) != CONFAI_OK)
        goto fail;
    sealed_len = encoded_len + CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE + 16;
    sealed = malloc(sealed_len);
    if (sealed == NULL || confai_ohttp_gateway_seal_response(s->gw, sealed, &sealed_len, encoded,
                                                             encoded_len, &err) != CONFAI_OK)
        goto fail;
    tamper_whole(cfg, sealed, &sealed_len);
    rc = gw_http_reply(conn, req, 200, MEDIA_RES, sealed, sealed_len);
    goto out;
fail:
    req->note = "sealing failed";
    {
        static const char text[] = "the gateway could not answer\n";
        rc = gw_http_reply(conn, req, 500, "text/plain", text, sizeof(text) - 1);
    }
out:
    if (plain != NULL) {
        wipe(plain, req->body_len);
        free(plain);
    }
    confai_free(encoded); /* wipes */
    free(sealed);
    confai_http_message_free(request);
    confai_http_message_free(response);
    return rc;
}

/* --- a streamed answer (message/ohttp-chunked-res) ------------------------------ */

typedef struct piece {
    struct piece *next;
    size_t len, off;
    uint8_t data[];
} piece;

typedef struct stream {
    gw_sink sink;
    const gw_config *cfg;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    piece *head, *tail;
    size_t queued;
    int done, failed;
    atomic_int cancelled;
    pthread_t thread;
    int thread_started;
    confai_ohttp_gateway *gw;
    confai_http_message *request;
    int begun, ended;
    unsigned sealed_chunks; /* counted for --tamper, the final one too */
    uint8_t *scratch;       /* GW_MAX_CHUNK + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD */
} stream;

/* Queues sealed bytes for the reader, waiting while the queue is full. */
static int enqueue(stream *st, const uint8_t *data, size_t len)
{
    piece *p = malloc(sizeof(*p) + len);
    if (p == NULL)
        return -1;
    p->next = NULL;
    p->len = len;
    p->off = 0;
    memcpy(p->data, data, len);
    pthread_mutex_lock(&st->lock);
    while (st->queued > MAX_QUEUED && !atomic_load(&st->cancelled) &&
           !atomic_load(&st->cfg->stopping)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&st->cond, &st->lock, &ts);
    }
    int gone = atomic_load(&st->cancelled) || atomic_load(&st->cfg->stopping);
    if (!gone) {
        if (st->tail != NULL)
            st->tail->next = p;
        else
            st->head = p;
        st->tail = p;
        st->queued += len;
        pthread_cond_broadcast(&st->cond);
    }
    pthread_mutex_unlock(&st->lock);
    if (gone) {
        free(p);
        return -1;
    }
    return 0;
}

/* Queues one sealed chunk, corrupted as --tamper says. */
static int send_chunk(stream *st, uint8_t *chunk, size_t len, int is_final)
{
    unsigned index = ++st->sealed_chunks;
    switch (st->cfg->tamper) {
    case GW_TAMPER_NONE: break;
    case GW_TAMPER_FLIP_BYTE:
        if (index == 2)
            chunk[len - 1] ^= 0x01; /* the last byte of the AEAD output */
        break;
    case GW_TAMPER_TRUNCATE:
        if (is_final)
            return 0;
        break;
    case GW_TAMPER_DROP_CHUNK:
        if (index == 2)
            return 0;
        break;
    case GW_TAMPER_DUPLICATE_CHUNK:
        if (index == 2 && enqueue(st, chunk, len) != 0)
            return -1;
        break;
    }
    return enqueue(st, chunk, len);
}

/* Seals plaintext (at most GW_MAX_CHUNK bytes) as the next chunk and queues it. */
static int seal_piece(stream *st, const uint8_t *plain, size_t len, int is_final)
{
    confai_error err;
    size_t out_len = GW_MAX_CHUNK + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD;
    confai_status s = is_final ? confai_ohttp_gateway_seal_final_chunk(st->gw, st->scratch,
                                                                       &out_len, plain, len, &err)
                               : confai_ohttp_gateway_seal_chunk(st->gw, st->scratch, &out_len,
                                                                 plain, len, &err);
    if (s != CONFAI_OK) {
        fprintf(stderr, "confai-gateway: sealing a response chunk: %s\n", err.message);
        return -1;
    }
    return send_chunk(st, st->scratch, out_len, is_final);
}

/* Seals bytes of the inner response in chunks of at most GW_MAX_CHUNK. */
static int seal_bytes(stream *st, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t n = len < GW_MAX_CHUNK ? len : GW_MAX_CHUNK;
        if (seal_piece(st, data, n, 0) != 0)
            return -1;
        data += n;
        len -= n;
    }
    return 0;
}

static int stream_begin(gw_sink *s, unsigned status, const char *const *fields, size_t count)
{
    stream *st = (stream *)s;
    uint8_t *head = NULL;
    size_t head_len = 0;
    if (st->begun || atomic_load(&st->cancelled))
        return -1;
    confai_http_message *msg = response_head(status, fields, count);
    int rc = msg != NULL &&
                     confai_http_message_encode_head(msg, &head, &head_len, NULL) == CONFAI_OK
                 ? seal_bytes(st, head, head_len)
                 : -1;
    confai_free(head);
    confai_http_message_free(msg);
    st->begun = rc == 0;
    return rc;
}

static int stream_write(gw_sink *s, const void *data, size_t len)
{
    stream *st = (stream *)s;
    /* a content chunk (length prefix and bytes) must fit one sealed chunk */
    uint8_t framed[GW_MAX_CHUNK];
    const uint8_t *p = data;
    if (!st->begun || st->ended || atomic_load(&st->cancelled))
        return -1;
    while (len > 0) {
        size_t n = len < GW_MAX_CHUNK - 8 ? len : GW_MAX_CHUNK - 8;
        size_t framed_len = sizeof(framed);
        int rc = confai_http_chunk_encode(framed, &framed_len, p, n, NULL) == CONFAI_OK
                     ? seal_bytes(st, framed, framed_len)
                     : -1;
        wipe(framed, framed_len);
        if (rc != 0)
            return -1;
        p += n;
        len -= n;
    }
    return 0;
}

static int stream_end(gw_sink *s)
{
    stream *st = (stream *)s;
    uint8_t *tail = NULL;
    size_t tail_len = 0;
    if (!st->begun || st->ended)
        return -1;
    confai_http_message *msg = response_head(200, NULL, 0);
    int rc = msg != NULL && confai_http_message_encode_tail(msg, &tail, &tail_len, 0, NULL) ==
                                CONFAI_OK &&
                     tail_len <= GW_MAX_CHUNK
                 ? seal_piece(st, tail, tail_len, 1)
                 : -1;
    confai_free(tail);
    confai_http_message_free(msg);
    st->ended = rc == 0;
    return rc;
}

static void *producer(void *arg)
{
    stream *st = arg;
    int rc = handle(st->cfg, st->request, &st->sink);
    if ((rc != 0 || !st->ended) && !st->begun && !atomic_load(&st->cancelled))
        rc = gw_sink_error(&st->sink, st->cfg->upstream != NULL ? 502 : 500, "server_error",
                           "internal_error", "the model could not answer");
    pthread_mutex_lock(&st->lock);
    if (rc == 0 && st->ended)
        st->done = 1;
    else
        st->failed = 1; /* cut the connection: the client sees no final chunk */
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *st = cls;
    (void)pos;
    ssize_t n = 0;
    pthread_mutex_lock(&st->lock);
    while (st->head == NULL && !st->done && !st->failed && !atomic_load(&st->cfg->stopping)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&st->cond, &st->lock, &ts);
    }
    while (st->head != NULL && (size_t)n < max) {
        piece *p = st->head;
        size_t take = p->len - p->off;
        if (take > max - (size_t)n)
            take = max - (size_t)n;
        memcpy(buf + n, p->data + p->off, take);
        p->off += take;
        n += (ssize_t)take;
        st->queued -= take;
        if (p->off == p->len) {
            st->head = p->next;
            if (st->head == NULL)
                st->tail = NULL;
            free(p);
        }
    }
    if (n == 0)
        n = st->done && !atomic_load(&st->cfg->stopping) ? MHD_CONTENT_READER_END_OF_STREAM
                                                         : MHD_CONTENT_READER_END_WITH_ERROR;
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);
    return n;
}

static void stream_free(void *cls)
{
    stream *st = cls;
    atomic_store(&st->cancelled, 1);
    pthread_mutex_lock(&st->lock);
    pthread_cond_broadcast(&st->cond);
    pthread_mutex_unlock(&st->lock);
    if (st->thread_started)
        pthread_join(st->thread, NULL);
    while (st->head != NULL) {
        piece *p = st->head;
        st->head = p->next;
        free(p);
    }
    confai_ohttp_gateway_free(st->gw);
    confai_http_message_free(st->request);
    if (st->scratch != NULL) {
        wipe(st->scratch, GW_MAX_CHUNK + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD);
        free(st->scratch);
    }
    pthread_cond_destroy(&st->cond);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static int respond_chunked(const gw_config *cfg, struct MHD_Connection *conn, gw_request *req)
{
    sealed_state *s = req->sealed;
    confai_error err;
    confai_http_message *request = NULL;
    if (s->failure == CONFAI_OK &&
        confai_ohttp_gateway_finish_request(s->gw, &err) != CONFAI_OK) {
        s->failure = err.status;
        snprintf(s->failure_msg, sizeof(s->failure_msg), "%s", err.message);
    }
    if (s->failure != CONFAI_OK)
        return refuse(conn, req, s->failure, s->failure_msg);
    confai_status dst = confai_http_message_decode(&request, s->plain, s->plain_len,
                                                   CONFAI_HTTP_REQUEST, NULL, &err);

    stream *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        confai_http_message_free(request);
        return MHD_NO;
    }
    st->cfg = cfg;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->cond, NULL);
    atomic_init(&st->cancelled, 0);
    st->sink.streaming = 1;
    st->sink.begin = stream_begin;
    st->sink.write = stream_write;
    st->sink.end = stream_end;
    st->sink.cancelled = &st->cancelled;
    st->gw = s->gw; /* the stream takes the exchange over */
    s->gw = NULL;
    st->request = request;
    st->scratch = malloc(GW_MAX_CHUNK + CONFAI_OHTTP_MAX_CHUNK_OVERHEAD);

    uint8_t nonce[CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE];
    size_t nonce_len = sizeof(nonce);
    struct MHD_Response *response = NULL;
    if (st->scratch == NULL ||
        confai_ohttp_gateway_begin_response(st->gw, nonce, &nonce_len, &err) != CONFAI_OK ||
        enqueue(st, nonce, nonce_len) != 0)
        goto fail;
    if (dst != CONFAI_OK) {
        /* authenticated but not Binary HTTP: answer that, sealed */
        if (gw_sink_error(&st->sink, 400, "invalid_request_error", "bad_binary_http",
                          "the sealed content is not a Binary HTTP request") != 0)
            goto fail;
        st->done = 1;
    } else {
        if (pthread_create(&st->thread, NULL, producer, st) != 0)
            goto fail;
        st->thread_started = 1;
    }
    response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, GW_MAX_CHUNK, stream_read,
                                                 st, stream_free);
    if (response == NULL) {
        stream_free(st);
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, MEDIA_CHUNKED_RES);
    MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (req->cors)
        gw_cors_headers(response, req->cors_origin);
    req->status = 200;
    int rc = MHD_queue_response(conn, 200, response);
    MHD_destroy_response(response);
    return rc;
fail:
    stream_free(st);
    req->note = "sealing failed";
    static const char text[] = "the gateway could not answer\n";
    return gw_http_reply(conn, req, 500, "text/plain", text, sizeof(text) - 1);
}

int sealed_respond(const gw_config *cfg, struct MHD_Connection *conn, gw_request *req)
{
    if (strcmp(req->media_type, MEDIA_CHUNKED_REQ) == 0) {
        if (req->sealed == NULL && sealed_feed(cfg, req, NULL, 0) != 0)
            return MHD_NO;
        return respond_chunked(cfg, conn, req);
    }
    if (strcmp(req->media_type, MEDIA_REQ) == 0) {
        if (req->too_large) {
            static const char text[] = "the sealed request is too large\n";
            return gw_http_reply(conn, req, 413, "text/plain", text, sizeof(text) - 1);
        }
        req->sealed = calloc(1, sizeof(sealed_state));
        if (req->sealed == NULL)
            return MHD_NO;
        return respond_whole(cfg, conn, req);
    }
    static const char text[] = "POST /v1/sealed takes message/ohttp-req or "
                               "message/ohttp-chunked-req\n";
    return gw_http_reply(conn, req, 415, "text/plain", text, sizeof(text) - 1);
}
