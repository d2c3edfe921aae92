/*
 * Binary HTTP decoding: confai_http_message_decode (one whole buffer) and
 * confai_http_decoder (bytes pushed as they arrive). Both drive the same
 * parser (bhttp_parse.c); they differ only in where content goes.
 */
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "seal/bhttp.h"
#include "seal/bhttp_parse.h"

static int kind_valid(confai_http_kind kind)
{
    return kind == CONFAI_HTTP_ANY || kind == CONFAI_HTTP_REQUEST ||
           kind == CONFAI_HTTP_RESPONSE;
}

/* --- Whole buffer ----------------------------------------------------------- */

/* The whole-buffer sink keeps the content in the message. */
static confai_status keep_content(void *ctx, confai_http_event event,
                                  confai_http_message *msg,
                                  const uint8_t *data, size_t len,
                                  confai_error *err)
{
    (void)msg;
    bhttp_parser *p = ctx;
    if (event != CONFAI_HTTP_EVENT_CONTENT)
        return CONFAI_OK;
    return bhttp_body_append(p->msg, data, len, err);
}

confai_status confai_http_message_decode(confai_http_message **msg,
                                         const uint8_t *data, size_t len,
                                         confai_http_kind expect,
                                         const confai_http_limits *limits,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    bhttp_parser p;
    int started = 0;
    confai_http_limits checked;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL, "msg");
    *msg = NULL;
    ENSURE_ARG(data != NULL || len == 0, "data");
    ENSURE_ARG(kind_valid(expect), "expect");
    GUARD(bhttp_limits_copy(&checked, limits, err));

    bhttp_parser_init(&p, expect, &checked, keep_content, &p);
    started = 1;
    GUARD(bhttp_parser_feed(&p, data, len, err));
    GUARD(bhttp_parser_finish(&p, err));
    *msg = bhttp_parser_take(&p);
out:
    if (started)
        bhttp_parser_cleanup(&p);
    return status;
}

/* --- Streaming decoder ------------------------------------------------------ */

struct confai_http_decoder {
    bhttp_parser parser;
    confai_http_callback callback;
    void *user;
    int in_callback; /* the callback runs: calls into the decoder are refused */
};

static const char *event_name(confai_http_event event)
{
    switch (event) {
    case CONFAI_HTTP_EVENT_INFORMATIONAL:
        return "informational";
    case CONFAI_HTTP_EVENT_HEAD:
        return "head";
    case CONFAI_HTTP_EVENT_CONTENT:
        return "content";
    case CONFAI_HTTP_EVENT_END:
        return "end";
    }
    return "unknown";
}

/* The streaming sink hands every event to the caller's callback. */
static confai_status forward(void *ctx, confai_http_event event,
                             confai_http_message *msg, const uint8_t *data,
                             size_t len, confai_error *err)
{
    confai_http_decoder *d = ctx;
    if (d->callback == NULL)
        return CONFAI_OK;
    d->in_callback = 1;
    confai_status status = d->callback(d->user, event, msg, data, len);
    d->in_callback = 0;
    if (status != CONFAI_OK)
        return confai_err_set(err, status,
                              "the callback stopped decoding at the %s "
                              "event with %s",
                              event_name(event), confai_status_name(status));
    return CONFAI_OK;
}

confai_status confai_http_decoder_new(confai_http_decoder **decoder,
                                      confai_http_kind expect,
                                      const confai_http_limits *limits,
                                      confai_http_callback callback,
                                      void *user, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_http_limits checked;
    confai_err_clear(err);
    ENSURE_ARG(decoder != NULL, "decoder");
    *decoder = NULL;
    ENSURE_ARG(kind_valid(expect), "expect");
    GUARD(bhttp_limits_copy(&checked, limits, err));

    confai_http_decoder *d = confai_zalloc(sizeof(*d));
    ENSURE(d != NULL, CONFAI_E_NO_MEMORY, "out of memory");
    bhttp_parser_init(&d->parser, expect, &checked, forward, d);
    d->callback = callback;
    d->user = user;
    *decoder = d;
out:
    return status;
}

void confai_http_decoder_free(confai_http_decoder *decoder)
{
    if (decoder == NULL)
        return;
    bhttp_parser_cleanup(&decoder->parser);
    confai_free_secret(decoder, sizeof(*decoder));
}

confai_status confai_http_decoder_feed(confai_http_decoder *decoder,
                                       const uint8_t *data, size_t len,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(decoder != NULL, "decoder");
    ENSURE_ARG(data != NULL || len == 0, "data");
    ENSURE(!decoder->in_callback, CONFAI_E_STATE,
           "the decoder was called from its own callback");
    GUARD(bhttp_parser_feed(&decoder->parser, data, len, err));
out:
    return status;
}

confai_status confai_http_decoder_finish(confai_http_decoder *decoder,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(decoder != NULL, "decoder");
    ENSURE(!decoder->in_callback, CONFAI_E_STATE,
           "the decoder was called from its own callback");
    GUARD(bhttp_parser_finish(&decoder->parser, err));
out:
    return status;
}
