/*
 * confai-proxy's runner of tests/conformance/request-shape.json: each case's
 * outer request, as the proxy holds it (method, path, every header field as
 * received, body), goes through proxy_inner_request, the request the proxy
 * seals; it must give exactly the case's inner request bytes and streaming
 * decision. A refused field value must be an error with no message built.
 *
 *   confai-proxy-request-shape <request-shape.json>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "proxy.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        char *p = realloc(buf, len + n + 1);
        if (p == NULL) {
            free(buf);
            fclose(f);
            return NULL;
        }
        buf = p;
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

static const char *member(const cJSON *o, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* 1 when the case passes; prints why not. */
static int run_case(const cJSON *c)
{
    const char *name = member(c, "name");
    const char *want_hex = member(c, "inner");
    const char *body = member(c, "body");
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(c, "headers");
    const cJSON *want_streamed = cJSON_GetObjectItemCaseSensitive(c, "streamed");
    if (name == NULL || want_hex == NULL || body == NULL || !cJSON_IsArray(headers) ||
        !cJSON_IsBool(want_streamed) || member(c, "method") == NULL || member(c, "path") == NULL) {
        printf("not ok - a case without name, method, path, headers, body, streamed or inner\n");
        return 0;
    }
    size_t count = (size_t)cJSON_GetArraySize(headers);
    const char **names = calloc(count + 1, sizeof(*names));
    const char **values = calloc(count + 1, sizeof(*values));
    int ok = names != NULL && values != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        const cJSON *pair = cJSON_GetArrayItem(headers, (int)i);
        ok = cJSON_GetArraySize(pair) == 2 && cJSON_IsString(cJSON_GetArrayItem(pair, 0)) &&
             cJSON_IsString(cJSON_GetArrayItem(pair, 1));
        if (ok) {
            names[i] = cJSON_GetArrayItem(pair, 0)->valuestring;
            values[i] = cJSON_GetArrayItem(pair, 1)->valuestring;
        }
    }
    proxy_request req = {
        .method = member(c, "method"),
        .path = member(c, "path"),
        .field_names = names,
        .field_values = values,
        .field_count = count,
        .body = (const uint8_t *)body,
        .body_len = strlen(body),
    };
    confai_error err = { 0 };
    int streamed = -1;
    confai_http_message *msg = ok ? proxy_inner_request(&req, &streamed, &err) : NULL;
    uint8_t *inner = NULL;
    size_t inner_len = 0;
    char *hex = NULL;
    if (msg != NULL &&
        confai_http_message_encode(msg, &inner, &inner_len, CONFAI_HTTP_KNOWN_LENGTH, 0, &err) ==
            CONFAI_OK)
        hex = malloc(inner_len * 2 + 1);
    if (hex != NULL) {
        for (size_t i = 0; i < inner_len; i++)
            snprintf(hex + 2 * i, 3, "%02x", inner[i]);
        hex[inner_len * 2] = '\0';
    }
    int pass = hex != NULL && strcmp(hex, want_hex) == 0 &&
               streamed == (cJSON_IsTrue(want_streamed) ? 1 : 0);
    if (pass)
        printf("ok - %s\n", name);
    else
        printf("not ok - %s: streamed %d, inner %s (%s)\n", name, streamed,
               hex != NULL ? hex : "(none)", err.message);
    free(hex);
    confai_free(inner);
    confai_http_message_free(msg);
    free(names);
    free(values);
    return pass;
}

/* A field value with a line break is refused, and nothing is built. */
static int run_refusal(void)
{
    const char *names[] = { "authorization" };
    const char *values[] = { "Bearer x\r\nx-injected: 1" };
    proxy_request req = { .method = "POST", .path = "/v1/chat/completions",
                          .field_names = names, .field_values = values, .field_count = 1,
                          .body = (const uint8_t *)"{}", .body_len = 2 };
    confai_error err = { 0 };
    int streamed = -1;
    confai_http_message *msg = proxy_inner_request(&req, &streamed, &err);
    int pass = msg == NULL && err.status == CONFAI_E_ARGUMENT && streamed == 0;
    printf("%s - a field value with CR LF is refused (%s)\n", pass ? "ok" : "not ok",
           confai_status_name(err.status));
    confai_http_message_free(msg);
    return pass;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: confai-proxy-request-shape <request-shape.json>\n");
        return 2;
    }
    char *text = read_file(argv[1]);
    cJSON *doc = text != NULL ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) < 4 || !cJSON_IsNumber(version) ||
        version->valueint != 1) {
        fprintf(stderr, "%s: not a request-shape.json of version 1 with cases\n", argv[1]);
        cJSON_Delete(doc);
        return 1;
    }
    int failed = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        failed += !run_case(c);
    }
    failed += !run_refusal();
    cJSON_Delete(doc);
    printf("%d failed\n", failed);
    return failed == 0 ? 0 : 1;
}
