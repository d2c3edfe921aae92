/*
 * Fuzz target: confai_http_request_shape, the inner request of an outer one.
 *
 * Input: one byte choosing the method (POST or GET), one byte giving a
 * header field count (0..7), then per field a length byte each for name and
 * value and their bytes (NUL-terminated copies), then the body. Checked
 * beyond "no crash, no out-of-bounds access": a shaped request encodes and
 * decodes back to the same bytes, keeps the body exactly, carries only
 * allowlisted fields, and is streamed only for a POST whose body starts
 * (after whitespace) with '{'; a failure leaves no message and no stream.
 */
#include <string.h>

#include <confai/confai.h>

#include "fuzz.h"

#define MAX_FIELDS 7

static char *take_string(fuzz_reader *r)
{
    size_t len = 0;
    uint8_t *bytes = fuzz_take(r, fuzz_u8(r), &len);
    char *s = (char *)fuzz_alloc(len + 1);
    memcpy(s, bytes, len);
    s[len] = '\0';
    free(bytes);
    return s;
}

static int allowed(const char *name)
{
    static const char *const names[] = { "accept", "authorization", "content-type",
                                         "openai-beta", "openai-organization",
                                         "openai-project" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

static void check_shaped(const confai_http_message *msg, int streamed, const char *method,
                         const uint8_t *body, size_t body_len)
{
    size_t got_len = 0;
    const uint8_t *got = confai_http_message_body(msg, &got_len);
    FUZZ_CHECK(got_len == body_len && (body_len == 0 || memcmp(got, body, body_len) == 0));
    size_t n = confai_http_message_field_count(msg, CONFAI_HTTP_HEADERS);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        FUZZ_CHECK(confai_http_message_field(msg, &name, &value, CONFAI_HTTP_HEADERS, i,
                                             NULL) == CONFAI_OK);
        FUZZ_CHECK(allowed(name));
    }
    if (streamed) {
        size_t i = 0;
        while (i < body_len && strchr(" \t\r\n", body[i]) != NULL && body[i] != '\0')
            i++;
        FUZZ_CHECK(strcmp(method, "POST") == 0 && i < body_len && body[i] == '{');
    }

    uint8_t *enc = NULL, *again = NULL;
    size_t enc_len = 0, again_len = 0;
    confai_http_message *decoded = NULL;
    FUZZ_CHECK(confai_http_message_encode(msg, &enc, &enc_len, CONFAI_HTTP_KNOWN_LENGTH, 0,
                                          NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_http_message_decode(&decoded, enc, enc_len, CONFAI_HTTP_REQUEST, NULL,
                                          NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_http_message_encode(decoded, &again, &again_len,
                                          CONFAI_HTTP_KNOWN_LENGTH, 0, NULL) == CONFAI_OK);
    FUZZ_CHECK(again_len == enc_len && memcmp(again, enc, enc_len) == 0);
    confai_free(enc);
    confai_free(again);
    confai_http_message_free(decoded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = { data, size };
    const char *method = (fuzz_u8(&r) & 1) ? "POST" : "GET";
    size_t count = fuzz_u8(&r) % (MAX_FIELDS + 1);
    char *names[MAX_FIELDS], *values[MAX_FIELDS];
    for (size_t i = 0; i < count; i++) {
        names[i] = take_string(&r);
        values[i] = take_string(&r);
    }
    size_t body_len = 0;
    uint8_t *body = fuzz_take(&r, r.left, &body_len);

    confai_http_message *msg = NULL;
    int streamed = -1;
    confai_status st = confai_http_request_shape(
        &msg, &streamed, method, "/v1/chat/completions", (const char *const *)names,
        (const char *const *)values, count, body, body_len, NULL);
    if (st == CONFAI_OK) {
        FUZZ_CHECK(msg != NULL && (streamed == 0 || streamed == 1));
        check_shaped(msg, streamed, method, body, body_len);
    } else {
        FUZZ_CHECK(msg == NULL && streamed == 0);
    }
    confai_http_message_free(msg);
    free(body);
    for (size_t i = 0; i < count; i++) {
        free(names[i]);
        free(values[i]);
    }
    return 0;
}
