/*
 * The inner request an application's outer HTTP request becomes when it is
 * sealed. Every binding and confai-proxy call this one function, so the same
 * OpenAI call seals the same bytes whatever the language or HTTP client:
 * which header fields go in, in which order, and whether the answer is asked
 * for as a stream are decided here and nowhere else.
 *
 * Why an allowlist: each HTTP client adds fields of its own (user-agent,
 * x-stainless-*, accept-encoding, connection management). Inside the seal
 * they would only make requests differ by language and tell the service
 * which client library the user runs; what the service needs is the media
 * types, the credential and the OpenAI routing fields.
 */
#include "seal/bhttp.h"

#include <string.h>

#include <cJSON.h>

#include "core/error.h"

/* In the order they are written into the inner request. */
static const char *const allowed_fields[] = {
    "accept",         "authorization",       "content-type",
    "openai-beta",    "openai-organization", "openai-project",
};

/* ASCII case-insensitive equality; field names are ASCII tokens. */
static int name_equals(const char *name, const char *lower)
{
    for (; *name != '\0' && *lower != '\0'; name++, lower++) {
        char c = *name;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *lower)
            return 0;
    }
    return *name == '\0' && *lower == '\0';
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A POST whose body is a JSON object with one member "stream", true. */
static int wants_stream(const char *method, const uint8_t *body, size_t body_len)
{
    if (strcmp(method, "POST") != 0 || body == NULL || body_len == 0)
        return 0;
    /* JSON text is one value with JSON whitespace (only) around it; cJSON
     * alone would also skip other control bytes and ignore what follows */
    const char *text = (const char *)body, *stop = text + body_len, *end = NULL;
    while (text < stop && is_json_space(*text))
        text++;
    if (text == stop || *text != '{')
        return 0;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, (size_t)(stop - text), &end, 0);
    while (doc != NULL && end < stop && is_json_space(*end))
        end++;
    if (end != stop) {
        cJSON_Delete(doc);
        doc = NULL;
    }
    int members = 0, is_true = 0;
    if (cJSON_IsObject(doc)) {
        for (const cJSON *m = doc->child; m != NULL; m = m->next) {
            if (m->string != NULL && strcmp(m->string, "stream") == 0) {
                members++;
                is_true = cJSON_IsTrue(m);
            }
        }
    }
    cJSON_Delete(doc);
    /* a repeated member is read differently by different parsers: no stream */
    return members == 1 && is_true;
}

confai_status confai_http_request_shape(confai_http_message **msg, int *streamed,
                                        const char *method, const char *path,
                                        const char *const *field_names,
                                        const char *const *field_values,
                                        size_t field_count, const uint8_t *body,
                                        size_t body_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_http_message *m = NULL;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL, "msg");
    *msg = NULL;
    ENSURE_ARG(streamed != NULL, "streamed");
    *streamed = 0;
    ENSURE_ARG(method != NULL, "method");
    ENSURE_ARG(path != NULL && path[0] == '/', "path (must start with '/')");
    ENSURE_ARG(field_count == 0 || (field_names != NULL && field_values != NULL),
               "field_names/field_values");
    ENSURE_ARG(body != NULL || body_len == 0, "body");
    for (size_t i = 0; i < field_count; i++)
        ENSURE(field_names[i] != NULL && field_values[i] != NULL, CONFAI_E_ARGUMENT,
               "invalid argument: header field %zu is NULL", i);

    GUARD(confai_http_message_new_request(&m, method, "https", "", path, err));
    for (size_t a = 0; a < sizeof(allowed_fields) / sizeof(allowed_fields[0]); a++) {
        for (size_t i = 0; i < field_count; i++) {
            if (!name_equals(field_names[i], allowed_fields[a]))
                continue;
            status = confai_http_message_add_field(m, CONFAI_HTTP_HEADERS, allowed_fields[a],
                                                   field_values[i], err);
            if (status == CONFAI_E_ARGUMENT)
                BAIL(status, "invalid value of header field %s", allowed_fields[a]);
            if (status != CONFAI_OK)
                goto out;
        }
    }
    if (body_len > 0)
        GUARD(confai_http_message_set_body(m, body, body_len, err));

    *streamed = wants_stream(method, body, body_len);
    *msg = m;
    m = NULL;
out:
    confai_http_message_free(m);
    return status;
}
