/*
 * The OpenAI-compatible chat helper: a streamed chat completion sealed to
 * the attested service, its server-sent events parsed from the opened
 * stream, and each content delta handed on as it arrives.
 */
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "client/client_internal.h"
#include "client/sse.h"
#include "core/error.h"
#include "core/memory.h"

#define CHAT_PATH "/v1/chat/completions"
#define READ_SIZE 4096

typedef struct chat_state {
    confai_chat_delta_fn on_delta;
    void *user;
    int done; /* "data: [DONE]" arrived */
} chat_state;

/* One event: a chat.completion.chunk, an error object, or the [DONE] mark. */
static confai_status on_event(void *user, const char *type, const char *data, size_t data_len,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    chat_state *st = user;
    cJSON *event = NULL;
    (void)type;
    ENSURE(!st->done, CONFAI_E_MALFORMED, "chat stream: an event after [DONE]");
    if (data_len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        st->done = 1;
        goto out;
    }
    event = cJSON_ParseWithLength(data, data_len);
    ENSURE(cJSON_IsObject(event), CONFAI_E_MALFORMED, "chat stream: an event that is not a "
                                                      "JSON object");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(event, "error");
    if (error != NULL) {
        const cJSON *message = cJSON_GetObjectItemCaseSensitive(error, "message");
        BAIL(CONFAI_E_HTTP_STATUS, "the model reported an error: %.200s",
             cJSON_IsString(message) ? message->valuestring : "(no message)");
    }
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(event, "choices");
    ENSURE(cJSON_IsArray(choices), CONFAI_E_MALFORMED, "chat stream: event without choices");
    const cJSON *choice = cJSON_GetArrayItem(choices, 0);
    if (choice == NULL)
        goto out; /* e.g. a final usage-only chunk */
    const cJSON *delta = cJSON_GetObjectItemCaseSensitive(choice, "delta");
    ENSURE(cJSON_IsObject(delta), CONFAI_E_MALFORMED, "chat stream: choice without a delta");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(delta, "content");
    if (content == NULL || cJSON_IsNull(content))
        goto out; /* role-only or finish chunks */
    ENSURE(cJSON_IsString(content), CONFAI_E_MALFORMED, "chat stream: content not a string");
    size_t len = strlen(content->valuestring);
    if (len > 0 && st->on_delta(st->user, content->valuestring, len) != 0)
        BAIL(CONFAI_E_CANCELLED, "chat: cancelled by the application");
out:
    cJSON_Delete(event);
    return status;
}

/* The request body with "stream": true. */
static confai_status streamed_body(const char *json, size_t len, char **body, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *req = cJSON_ParseWithLength(json, len);
    ENSURE(cJSON_IsObject(req), CONFAI_E_ARGUMENT,
           "invalid argument: the chat request is not a JSON object");
    cJSON_DeleteItemFromObjectCaseSensitive(req, "stream");
    ENSURE(cJSON_AddTrueToObject(req, "stream") != NULL, CONFAI_E_NO_MEMORY,
           "chat: out of memory");
    *body = cJSON_PrintUnformatted(req);
    ENSURE(*body != NULL, CONFAI_E_NO_MEMORY, "chat: out of memory");
out:
    cJSON_Delete(req);
    return status;
}

static confai_status chat_request(const confai_client *c, const char *body,
                                  confai_http_message **msg, confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(confai_http_message_new_request(msg, "POST", "https", c->authority, CHAT_PATH, err));
    GUARD(confai_http_message_add_field(*msg, CONFAI_HTTP_HEADERS, "content-type",
                                        "application/json", err));
    GUARD(confai_http_message_add_field(*msg, CONFAI_HTTP_HEADERS, "accept",
                                        "text/event-stream", err));
    GUARD(confai_http_message_set_body(*msg, (const uint8_t *)body, strlen(body), err));
out:
    return status;
}

/* A non-200 inner answer: quote its start (it came sealed, so it is the model's). */
static confai_status inner_error(confai_stream *stream, uint16_t code, confai_error *err)
{
    char text[CLIENT_QUOTE_SIZE] = "";
    size_t n = sizeof(text) - 1;
    if (confai_stream_read(stream, (uint8_t *)text, &n, NULL) != CONFAI_OK)
        n = 0;
    text[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20)
            text[i] = ' ';
    return confai_err_set(err, CONFAI_E_HTTP_STATUS, "chat completion failed with status %u: %s",
                          code, text);
}

confai_status confai_client_chat(confai_client *client, const char *request_json,
                                 size_t request_json_len, confai_chat_delta_fn on_delta,
                                 void *user, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *body = NULL;
    confai_http_message *msg = NULL;
    confai_stream *stream = NULL;
    chat_state st = {.on_delta = on_delta, .user = user};
    sse_parser sse;
    uint8_t buf[READ_SIZE];
    sse_parser_init(&sse, on_event, &st);
    confai_err_clear(err);
    ENSURE_ARG(client != NULL, "client");
    ENSURE_ARG(request_json != NULL, "request_json");
    ENSURE_ARG(on_delta != NULL, "on_delta");

    GUARD(streamed_body(request_json, request_json_len, &body, err));
    GUARD(chat_request(client, body, &msg, err));
    GUARD(confai_client_stream_open(client, &stream, msg, err));
    uint16_t code = confai_http_message_status(confai_stream_response(stream));
    if (code != 200) {
        status = inner_error(stream, code, err);
        goto out;
    }
    for (;;) {
        size_t n = sizeof(buf);
        GUARD(confai_stream_read(stream, buf, &n, err));
        if (n == 0)
            break;
        GUARD(sse_parser_feed(&sse, (const char *)buf, n, err));
    }
    ENSURE(st.done, CONFAI_E_TRUNCATED,
           "chat stream: the response ended without \"data: [DONE]\"");
out:
    confai_wipe(buf, sizeof(buf));
    sse_parser_clear(&sse);
    confai_stream_free(stream);
    confai_http_message_free(msg);
    if (body != NULL) {
        confai_wipe(body, strlen(body));
        cJSON_free(body);
    }
    return status;
}
