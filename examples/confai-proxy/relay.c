/*
 * One caller request through the client layer: the inner request the
 * service's own server sees (sealed with it: method, path, the allowlisted
 * header fields, body; confai_http_request_shape decides which),
 * and a streamed answer handed on in whole server-sent events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "proxy.h"

confai_http_message *proxy_inner_request(const proxy_request *req, int *streamed,
                                         confai_error *err)
{
    /* The library's one rule for every binding and this proxy: the
     * allowlisted header fields only, and whether the call is streamed. */
    confai_http_message *msg = NULL;
    if (confai_http_request_shape(&msg, streamed, req->method, req->path, req->field_names,
                                  req->field_values, req->field_count, req->body, req->body_len,
                                  err) != CONFAI_OK)
        return NULL;
    return msg;
}

char *proxy_error_json(const char *message, const char *type, const char *code)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(doc, "error");
    char *text = NULL;
    if (e != NULL && cJSON_AddStringToObject(e, "message", message) &&
        cJSON_AddStringToObject(e, "type", type) &&
        (code == NULL ? cJSON_AddNullToObject(e, "code") != NULL
                      : cJSON_AddStringToObject(e, "code", code) != NULL))
        text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (text == NULL)
        return NULL;
    /* cJSON's allocator is malloc unless hooks say otherwise; hand out our own copy */
    char *copy = strdup(text);
    cJSON_free(text);
    return copy;
}

/* --- streamed answers ---------------------------------------------------------- */

#define STREAM_READ 16384

struct proxy_stream {
    confai_stream *stream;
    char path[128];
    char *pending;        /* authenticated bytes not yet handed on */
    size_t pending_len, pending_cap;
    size_t ready;         /* bytes of pending that end at an event boundary */
    int ended;            /* authenticated end: everything may go */
    int failed;           /* failure: the error event is queued, then -1 */
    char *error_event;
    size_t error_len, error_sent;
    uint64_t forwarded;
};

proxy_stream *proxy_stream_new(confai_stream *stream, const char *path)
{
    proxy_stream *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        confai_stream_free(stream);
        return NULL;
    }
    s->stream = stream;
    snprintf(s->path, sizeof(s->path), "%s", path);
    return s;
}

/* The end of the last complete event in pending ("\n\n" or "\r\n\r\n"). */
static size_t event_boundary(const char *p, size_t len)
{
    for (size_t i = len; i >= 2; i--) {
        if (p[i - 1] == '\n' && p[i - 2] == '\n')
            return i;
        if (i >= 4 && p[i - 1] == '\n' && p[i - 2] == '\r' && p[i - 3] == '\n' &&
            p[i - 4] == '\r')
            return i;
    }
    return 0;
}

static void fail_stream(proxy_stream *s, const confai_error *err)
{
    char message[CONFAI_ERROR_MESSAGE_SIZE + 96];
    snprintf(message, sizeof(message),
             "confai-proxy: the sealed answer failed its integrity check or ended early "
             "(%s): %s",
             confai_status_name(err->status), err->message);
    proxy_log("%s: stream failed after %llu bytes: %s: %s", s->path,
              (unsigned long long)s->forwarded, confai_status_name(err->status), err->message);
    char *json = proxy_error_json(message, "confai_integrity_error",
                                  confai_status_name(err->status));
    s->failed = 1;
    /* the bytes after the last complete event were never handed on: drop them */
    if (s->pending != NULL)
        memset(s->pending, 0, s->pending_cap);
    s->pending_len = s->ready = 0;
    if (json != NULL) {
        size_t n = strlen(json) + 16;
        s->error_event = malloc(n);
        if (s->error_event != NULL)
            s->error_len = (size_t)snprintf(s->error_event, n, "data: %s\n\n", json);
        free(json);
    }
}

/* Reads more authenticated bytes into pending; 0 on success. */
static int fill(proxy_stream *s)
{
    confai_error err = { 0 };
    if (s->pending_cap - s->pending_len < STREAM_READ) {
        size_t cap = s->pending_cap + STREAM_READ * 2;
        if (cap > PROXY_MAX_BODY * 4) {
            err.status = CONFAI_E_LIMIT;
            snprintf(err.message, sizeof(err.message), "an event larger than %u bytes",
                     PROXY_MAX_BODY * 4);
            fail_stream(s, &err);
            return -1;
        }
        char *p = realloc(s->pending, cap);
        if (p == NULL) {
            err.status = CONFAI_E_NO_MEMORY;
            snprintf(err.message, sizeof(err.message), "out of memory");
            fail_stream(s, &err);
            return -1;
        }
        s->pending = p;
        s->pending_cap = cap;
    }
    size_t got = s->pending_cap - s->pending_len;
    confai_status st = confai_stream_read(s->stream, (uint8_t *)s->pending + s->pending_len, &got,
                                          &err);
    if (st != CONFAI_OK) {
        fail_stream(s, &err);
        return -1;
    }
    if (got == 0) {
        s->ended = 1;
        s->ready = s->pending_len;
        return 0;
    }
    s->pending_len += got;
    /* libconfai itself holds back "data: [DONE]" until the stream has ended
       authenticated, so whole events can go out as they complete. */
    s->ready = event_boundary(s->pending, s->pending_len);
    return 0;
}

long proxy_stream_next(proxy_stream *s, char *buf, size_t max)
{
    for (;;) {
        if (s->failed) {
            if (s->error_event == NULL || s->error_sent == s->error_len)
                return -1;
            size_t n = s->error_len - s->error_sent;
            if (n > max)
                n = max;
            memcpy(buf, s->error_event + s->error_sent, n);
            s->error_sent += n;
            return (long)n;
        }
        if (s->ready > 0) {
            size_t n = s->ready < max ? s->ready : max;
            memcpy(buf, s->pending, n);
            memmove(s->pending, s->pending + n, s->pending_len - n);
            s->pending_len -= n;
            s->ready -= n;
            s->forwarded += n;
            return (long)n;
        }
        if (s->ended)
            return 0;
        fill(s);
    }
}

void proxy_stream_free(proxy_stream *s)
{
    if (s == NULL)
        return;
    confai_stream_free(s->stream);
    if (s->pending != NULL) {
        memset(s->pending, 0, s->pending_cap);
        free(s->pending);
    }
    free(s->error_event);
    free(s);
}
