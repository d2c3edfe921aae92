/*
 * The built-in demo model, "confai-demo": deterministic answers in the shape
 * of the OpenAI API, so the whole path (attestation, sealing, streaming) can
 * be shown and tested without a real model.
 *
 *   POST /v1/chat/completions  a fixed sentence plus an echo of the last user
 *                              message; "stream": true sends it token by token
 *                              as server-sent events ending in data: [DONE]
 *   POST /v1/completions       the same for a prompt
 *   POST /v1/embeddings        unit vectors derived from SHA-256 of each input
 *                              ("encoding_format": "float" or "base64")
 *   GET  /v1/models            the one model
 *
 * Any model name is accepted and echoed; without one the answer names
 * confai-demo. Streamed tokens are paced by --token-delay.
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <openssl/evp.h>

#define MAX_ECHO 2000         /* bytes of the user's text echoed back */
#define MAX_TOKENS 1024
#define DEFAULT_DIMENSIONS 64
#define MAX_DIMENSIONS 4096
#define MAX_INPUTS 256

static const char preamble[] =
    "Hello from confai-demo, a deterministic model answering inside a simulated "
    "confidential computing environment. Only this gateway could read your message.";

/* --- the answer text ----------------------------------------------------------- */

/* The reply to a text: the preamble, then an echo of at most MAX_ECHO bytes. */
static char *reply_for(const char *text)
{
    size_t n = strlen(text);
    if (n > MAX_ECHO) {
        n = MAX_ECHO;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* never cut a UTF-8 sequence */
    }
    size_t cap = sizeof(preamble) + n + 32;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    if (n == 0)
        snprintf(out, cap, "%s You sent no text.", preamble);
    else
        snprintf(out, cap, "%s You said: \"%.*s\"", preamble, (int)n, text);
    return out;
}

/*
 * Splits text into tokens: each word with the whitespace before it. Returns
 * the count (at most max), token i is text[start[i], start[i] + len[i]).
 */
static size_t tokenize(const char *text, size_t *start, size_t *len, size_t max)
{
    size_t count = 0, i = 0, n = strlen(text);
    while (i < n && count < max) {
        size_t s = i;
        while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t'))
            i++;
        while (i < n && text[i] != ' ' && text[i] != '\n' && text[i] != '\t')
            i++;
        start[count] = s;
        len[count] = i - s;
        count++;
    }
    return count;
}

static size_t count_words(const char *text)
{
    size_t words = 0;
    int in_word = 0;
    for (const char *p = text; *p != '\0'; p++) {
        int space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
        if (!space && !in_word)
            words++;
        in_word = !space;
    }
    return words;
}

/* "<prefix>-" and 24 hex digits of SHA-256(body): the same request, the same id. */
static void response_id(char *out, size_t cap, const char *prefix, const uint8_t *body,
                        size_t body_len)
{
    uint8_t md[32];
    unsigned int md_len = 0;
    char hex[25];
    if (EVP_Digest(body, body_len, md, &md_len, EVP_sha256(), NULL) != 1)
        memset(md, 0, sizeof(md));
    gw_hex(hex, md, 12);
    snprintf(out, cap, "%s-%s", prefix, hex);
}

/* --- requests ------------------------------------------------------------------ */

typedef struct model_request {
    cJSON *doc;
    const char *model;
    int stream;
    int include_usage;
    long max_tokens; /* 0: no limit */
    const uint8_t *body;
    size_t body_len;
} model_request;

/* The text of a message's content: a string, or the text parts of a list. */
static char *content_text(const cJSON *content)
{
    if (cJSON_IsString(content))
        return strdup(content->valuestring);
    if (!cJSON_IsArray(content))
        return NULL;
    size_t cap = 1;
    const cJSON *part;
    cJSON_ArrayForEach(part, content) {
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
        if (cJSON_IsString(text))
            cap += strlen(text->valuestring) + 1;
    }
    char *out = calloc(1, cap);
    if (out == NULL)
        return NULL;
    cJSON_ArrayForEach(part, content) {
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(part, "text");
        if (cJSON_IsString(text)) {
            if (out[0] != '\0')
                strcat(out, "\n");
            strcat(out, text->valuestring);
        }
    }
    return out;
}

/* Parses the JSON body and the members every endpoint shares; 0 or an error answer. */
static int read_request(model_request *r, const confai_http_message *msg, gw_sink *out,
                        int *answered)
{
    memset(r, 0, sizeof(*r));
    *answered = 0;
    r->body = confai_http_message_body(msg, &r->body_len);
    r->doc = r->body_len > 0 ? cJSON_ParseWithLength((const char *)r->body, r->body_len) : NULL;
    if (!cJSON_IsObject(r->doc)) {
        *answered = 1;
        return gw_sink_error(out, 400, "invalid_request_error", "invalid_json",
                             "the request body is not a JSON object");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(r->doc, "model");
    r->model = cJSON_IsString(model) && model->valuestring[0] != '\0' ? model->valuestring
                                                                       : GW_DEMO_MODEL;
    r->stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->doc, "stream"));
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(r->doc, "stream_options");
    r->include_usage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(options, "include_usage"));
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(r->doc, "max_completion_tokens");
    if (!cJSON_IsNumber(max))
        max = cJSON_GetObjectItemCaseSensitive(r->doc, "max_tokens");
    if (cJSON_IsNumber(max)) {
        if (max->valuedouble < 1 || max->valuedouble > 1e9) {
            *answered = 1;
            return gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                                 "max_tokens must be a positive integer");
        }
        r->max_tokens = (long)max->valuedouble;
    }
    return 0;
}

/* --- answers ------------------------------------------------------------------- */

static int write_event(gw_sink *out, cJSON *event)
{
    char *text = cJSON_PrintUnformatted(event);
    cJSON_Delete(event);
    if (text == NULL)
        return -1;
    size_t n = strlen(text);
    char *line = malloc(n + 9);
    if (line == NULL) {
        cJSON_free(text);
        return -1;
    }
    memcpy(line, "data: ", 6);
    memcpy(line + 6, text, n);
    memcpy(line + 6 + n, "\n\n", 3);
    cJSON_free(text);
    int rc = out->write(out, line, n + 8);
    free(line);
    return rc;
}

static cJSON *usage_object(size_t prompt, size_t completion)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "prompt_tokens", (double)prompt);
    cJSON_AddNumberToObject(u, "completion_tokens", (double)completion);
    cJSON_AddNumberToObject(u, "total_tokens", (double)(prompt + completion));
    return u;
}

/* An event's envelope: id, object, created, model, choices. */
static cJSON *envelope(const char *id, const char *object, long created, const char *model,
                       cJSON **choices)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "id", id);
    cJSON_AddStringToObject(e, "object", object);
    cJSON_AddNumberToObject(e, "created", (double)created);
    cJSON_AddStringToObject(e, "model", model);
    *choices = cJSON_AddArrayToObject(e, "choices");
    return e;
}

static const char *const sse_fields[] = { "content-type", "text/event-stream",
                                          "cache-control", "no-cache" };

/*
 * Sends reply token by token (chat: deltas; completion: text pieces) or
 * whole; finish_reason "length" when max_tokens cut it.
 */
static int answer(const gw_config *cfg, gw_sink *out, const model_request *r, int chat,
                  const char *reply, size_t prompt_tokens)
{
    size_t *starts = malloc(MAX_TOKENS * sizeof(size_t));
    size_t *lens = malloc(MAX_TOKENS * sizeof(size_t));
    char id[64];
    long created = (long)time(NULL);
    const char *object = chat ? (r->stream ? "chat.completion.chunk" : "chat.completion")
                              : "text_completion";
    int rc = -1;
    if (starts == NULL || lens == NULL)
        goto out;
    response_id(id, sizeof(id), chat ? "chatcmpl" : "cmpl", r->body, r->body_len);
    size_t n = tokenize(reply, starts, lens, MAX_TOKENS);
    const char *finish = "stop";
    if (r->max_tokens > 0 && (size_t)r->max_tokens < n) {
        n = (size_t)r->max_tokens;
        finish = "length";
    }
    size_t text_len = n > 0 ? starts[n - 1] + lens[n - 1] : 0;

    if (!r->stream) {
        cJSON *choices;
        cJSON *doc = envelope(id, object, created, r->model, &choices);
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", 0);
        char *text = strndup(reply, text_len);
        if (chat) {
            cJSON *message = cJSON_AddObjectToObject(choice, "message");
            cJSON_AddStringToObject(message, "role", "assistant");
            cJSON_AddStringToObject(message, "content", text != NULL ? text : "");
        } else {
            cJSON_AddStringToObject(choice, "text", text != NULL ? text : "");
        }
        free(text);
        cJSON_AddStringToObject(choice, "finish_reason", finish);
        cJSON_AddItemToArray(choices, choice);
        cJSON_AddItemToObject(doc, "usage", usage_object(prompt_tokens, n));
        char *json = cJSON_PrintUnformatted(doc);
        cJSON_Delete(doc);
        rc = json != NULL ? gw_sink_json(out, 200, json) : -1;
        cJSON_free(json);
        goto out;
    }

    if (out->begin(out, 200, sse_fields, 2) != 0)
        goto out;
    if (chat) { /* the first chunk names the role */
        cJSON *choices;
        cJSON *e = envelope(id, object, created, r->model, &choices);
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", 0);
        cJSON *delta = cJSON_AddObjectToObject(choice, "delta");
        cJSON_AddStringToObject(delta, "role", "assistant");
        cJSON_AddStringToObject(delta, "content", "");
        cJSON_AddNullToObject(choice, "finish_reason");
        cJSON_AddItemToArray(choices, choice);
        if (write_event(out, e) != 0)
            goto out;
    }
    for (size_t i = 0; i <= n; i++) {
        if (i > 0 && i < n && out->streaming && cfg->token_delay_ms > 0 &&
            gw_sleep_ms(cfg->token_delay_ms, out->cancelled, NULL) != 0)
            goto out;
        cJSON *choices;
        cJSON *e = envelope(id, object, created, r->model, &choices);
        cJSON *choice = cJSON_CreateObject();
        cJSON_AddNumberToObject(choice, "index", 0);
        char *piece = i < n ? strndup(reply + starts[i], lens[i]) : NULL;
        if (i < n && piece == NULL) {
            cJSON_Delete(e);
            cJSON_Delete(choice);
            goto out;
        }
        if (chat) {
            cJSON *delta = cJSON_AddObjectToObject(choice, "delta");
            if (piece != NULL)
                cJSON_AddStringToObject(delta, "content", piece);
        } else {
            cJSON_AddStringToObject(choice, "text", piece != NULL ? piece : "");
        }
        free(piece);
        if (i < n)
            cJSON_AddNullToObject(choice, "finish_reason");
        else
            cJSON_AddStringToObject(choice, "finish_reason", finish);
        cJSON_AddItemToArray(choices, choice);
        if (write_event(out, e) != 0)
            goto out;
    }
    if (r->include_usage) {
        cJSON *choices;
        cJSON *e = envelope(id, object, created, r->model, &choices);
        cJSON_AddItemToObject(e, "usage", usage_object(prompt_tokens, n));
        if (write_event(out, e) != 0)
            goto out;
    }
    static const char done[] = "data: [DONE]\n\n";
    if (out->write(out, done, sizeof(done) - 1) != 0)
        goto out;
    rc = out->end(out);
out:
    free(starts);
    free(lens);
    return rc;
}

static int chat_completions(const gw_config *cfg, const confai_http_message *msg, gw_sink *out)
{
    model_request r;
    int answered = 0, rc;
    char *text = NULL, *reply = NULL;
    size_t prompt_tokens = 0;
    rc = read_request(&r, msg, out, &answered);
    if (answered)
        goto out;
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(r.doc, "messages");
    if (!cJSON_IsArray(messages) || cJSON_GetArraySize(messages) == 0) {
        rc = gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                           "messages must be a non-empty list");
        goto out;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, messages) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        if (!cJSON_IsObject(m) || !cJSON_IsString(role)) {
            rc = gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                               "each message needs a role");
            goto out;
        }
        char *t = content_text(cJSON_GetObjectItemCaseSensitive(m, "content"));
        if (t != NULL) {
            prompt_tokens += count_words(t);
            if (strcmp(role->valuestring, "user") == 0) {
                free(text);
                text = t;
                continue;
            }
            free(t);
        }
    }
    reply = reply_for(text != NULL ? text : "");
    rc = reply != NULL ? answer(cfg, out, &r, 1, reply, prompt_tokens) : -1;
out:
    free(text);
    free(reply);
    cJSON_Delete(r.doc);
    return rc;
}

static int completions(const gw_config *cfg, const confai_http_message *msg, gw_sink *out)
{
    model_request r;
    int answered = 0, rc;
    char *reply = NULL;
    rc = read_request(&r, msg, out, &answered);
    if (answered)
        goto out;
    const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(r.doc, "prompt");
    if (cJSON_IsArray(prompt) && cJSON_GetArraySize(prompt) == 1)
        prompt = cJSON_GetArrayItem(prompt, 0);
    if (!cJSON_IsString(prompt)) {
        rc = gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                           "prompt must be a string");
        goto out;
    }
    reply = reply_for(prompt->valuestring);
    rc = reply != NULL ? answer(cfg, out, &r, 0, reply, count_words(prompt->valuestring)) : -1;
out:
    free(reply);
    cJSON_Delete(r.doc);
    return rc;
}

/* A unit vector of dims floats from SHA-256(counter || text). */
static int embed(float *v, size_t dims, const char *text)
{
    double norm = 0;
    for (size_t i = 0; i < dims; i += 16) {
        uint8_t block[4], md[32];
        unsigned int md_len = 0;
        uint32_t counter = (uint32_t)(i / 16);
        memcpy(block, &counter, 4);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
                 EVP_DigestUpdate(ctx, block, 4) == 1 &&
                 EVP_DigestUpdate(ctx, text, strlen(text)) == 1 &&
                 EVP_DigestFinal_ex(ctx, md, &md_len) == 1;
        EVP_MD_CTX_free(ctx);
        if (!ok)
            return -1;
        for (size_t k = 0; k < 16 && i + k < dims; k++) {
            uint16_t x = (uint16_t)(md[2 * k] << 8 | md[2 * k + 1]);
            v[i + k] = (float)((double)x / 32767.5 - 1.0);
            norm += (double)v[i + k] * v[i + k];
        }
    }
    norm = sqrt(norm);
    for (size_t i = 0; i < dims; i++)
        v[i] = norm > 0 ? (float)(v[i] / norm) : 0.0f;
    return 0;
}

static int embeddings(const confai_http_message *msg, gw_sink *out)
{
    model_request r;
    int answered = 0, rc;
    float *v = NULL;
    cJSON *doc = NULL;
    rc = read_request(&r, msg, out, &answered);
    if (answered)
        goto out;
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(r.doc, "input");
    int count = cJSON_IsString(input) ? 1 : cJSON_IsArray(input) ? cJSON_GetArraySize(input) : 0;
    if (count < 1 || count > MAX_INPUTS) {
        rc = gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                           "input must be a string or a list of 1 to 256 strings");
        goto out;
    }
    size_t dims = DEFAULT_DIMENSIONS;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(r.doc, "dimensions");
    if (d != NULL) {
        if (!cJSON_IsNumber(d) || d->valuedouble < 1 || d->valuedouble > MAX_DIMENSIONS) {
            rc = gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                               "dimensions must be an integer from 1 to 4096");
            goto out;
        }
        dims = (size_t)d->valuedouble;
    }
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(r.doc, "encoding_format");
    int base64 = cJSON_IsString(format) && strcmp(format->valuestring, "base64") == 0;
    if (format != NULL && !base64 &&
        !(cJSON_IsString(format) && strcmp(format->valuestring, "float") == 0)) {
        rc = gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                           "encoding_format must be \"float\" or \"base64\"");
        goto out;
    }
    v = malloc(dims * sizeof(float));
    doc = cJSON_CreateObject();
    if (v == NULL || doc == NULL) {
        rc = -1;
        goto out;
    }
    cJSON_AddStringToObject(doc, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(doc, "data");
    size_t words = 0;
    for (int i = 0; i < count; i++) {
        const cJSON *item = cJSON_IsString(input) ? input : cJSON_GetArrayItem(input, i);
        if (!cJSON_IsString(item)) {
            rc = gw_sink_error(out, 400, "invalid_request_error", "invalid_value",
                               "input must be a string or a list of strings");
            goto out;
        }
        words += count_words(item->valuestring);
        if (embed(v, dims, item->valuestring) != 0) {
            rc = -1;
            goto out;
        }
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "object", "embedding");
        cJSON_AddNumberToObject(e, "index", i);
        if (base64) { /* little-endian float32, as the OpenAI API sends */
            uint8_t *raw = malloc(dims * 4);
            char *text = NULL;
            if (raw != NULL) {
                for (size_t k = 0; k < dims; k++) {
                    uint32_t bits;
                    memcpy(&bits, &v[k], 4);
                    for (int b = 0; b < 4; b++)
                        raw[4 * k + (size_t)b] = (uint8_t)(bits >> (8 * b));
                }
                text = gw_base64_encode(raw, dims * 4);
            }
            free(raw);
            if (text == NULL) {
                cJSON_Delete(e);
                rc = -1;
                goto out;
            }
            cJSON_AddStringToObject(e, "embedding", text);
            free(text);
        } else {
            cJSON *arr = cJSON_AddArrayToObject(e, "embedding");
            for (size_t k = 0; k < dims; k++)
                cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)v[k]));
        }
        cJSON_AddItemToArray(data, e);
    }
    cJSON_AddStringToObject(doc, "model", r.model);
    cJSON *usage = cJSON_AddObjectToObject(doc, "usage");
    cJSON_AddNumberToObject(usage, "prompt_tokens", (double)words);
    cJSON_AddNumberToObject(usage, "total_tokens", (double)words);
    char *json = cJSON_PrintUnformatted(doc);
    rc = json != NULL ? gw_sink_json(out, 200, json) : -1;
    cJSON_free(json);
out:
    free(v);
    cJSON_Delete(doc);
    cJSON_Delete(r.doc);
    return rc;
}

static int models(gw_sink *out)
{
    static const char json[] = "{\"object\":\"list\",\"data\":[{\"id\":\"" GW_DEMO_MODEL
                               "\",\"object\":\"model\",\"created\":0,"
                               "\"owned_by\":\"confai\"}]}";
    return gw_sink_json(out, 200, json);
}

int demo_model_handle(const gw_config *cfg, const confai_http_message *request, gw_sink *out)
{
    const char *method = confai_http_message_method(request);
    const char *path = confai_http_message_path(request);
    size_t path_len = strcspn(path, "?");
    static const struct {
        const char *path, *method;
    } routes[] = {
        { "/v1/chat/completions", "POST" },
        { "/v1/completions", "POST" },
        { "/v1/embeddings", "POST" },
        { "/v1/models", "GET" },
    };
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strlen(routes[i].path) != path_len || memcmp(routes[i].path, path, path_len) != 0)
            continue;
        if (strcmp(method, routes[i].method) != 0) {
            char message[96];
            snprintf(message, sizeof(message), "use %s for %s", routes[i].method,
                     routes[i].path);
            return gw_sink_error(out, 405, "invalid_request_error", "method_not_allowed",
                                 message);
        }
        switch (i) {
        case 0: return chat_completions(cfg, request, out);
        case 1: return completions(cfg, request, out);
        case 2: return embeddings(request, out);
        default: return models(out);
        }
    }
    return gw_sink_error(out, 404, "invalid_request_error", "not_found",
                         "no such endpoint in confai-demo");
}
