/*
 * The C runner of request-shape.json (README.md here): every case's outer
 * request, put through confai_http_request_shape, must give exactly the
 * case's inner request bytes and streaming decision. The Python, Go and Node
 * runners, and confai-proxy's test, feed the same cases through their own
 * HTTP request types.
 *
 *   test_request_shape [<tests/conformance folder>]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "test_util.h"

#ifndef CONFAI_CONFORMANCE_DIR
#  define CONFAI_CONFORMANCE_DIR "tests/conformance"
#endif

static const char *str_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* 1 when the case passes; prints why not. */
static int run_case(const cJSON *c)
{
    const char *name = str_member(c, "name");
    const char *method = str_member(c, "method");
    const char *path = str_member(c, "path");
    const char *body = str_member(c, "body");
    const char *inner_hex = str_member(c, "inner");
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(c, "headers");
    const cJSON *want_streamed = cJSON_GetObjectItemCaseSensitive(c, "streamed");
    if (name == NULL || method == NULL || path == NULL || body == NULL || inner_hex == NULL ||
        !cJSON_IsArray(headers) || !cJSON_IsBool(want_streamed)) {
        printf("FAIL %s: case is missing a member\n", name ? name : "(no name)");
        return 0;
    }

    int n = cJSON_GetArraySize(headers);
    const char **names = calloc((size_t)n + 1, sizeof(*names));
    const char **values = calloc((size_t)n + 1, sizeof(*values));
    int ok = names != NULL && values != NULL;
    for (int i = 0; ok && i < n; i++) {
        const cJSON *pair = cJSON_GetArrayItem(headers, i);
        const cJSON *hname = cJSON_GetArrayItem(pair, 0);
        const cJSON *hvalue = cJSON_GetArrayItem(pair, 1);
        ok = cJSON_GetArraySize(pair) == 2 && cJSON_IsString(hname) && cJSON_IsString(hvalue);
        if (ok) {
            names[i] = hname->valuestring;
            values[i] = hvalue->valuestring;
        }
    }
    if (!ok) {
        printf("FAIL %s: headers are not [name, value] pairs\n", name);
        free(names);
        free(values);
        return 0;
    }

    confai_http_message *msg = NULL;
    confai_error err;
    int streamed = -1;
    uint8_t *inner = NULL;
    size_t inner_len = 0;
    size_t want_len = 0;
    uint8_t *want = test_hex_decode(inner_hex, &want_len);
    confai_status st = confai_http_request_shape(&msg, &streamed, method, path, names, values,
                                                 (size_t)n, (const uint8_t *)body, strlen(body),
                                                 &err);
    if (st == CONFAI_OK)
        st = confai_http_message_encode(msg, &inner, &inner_len, CONFAI_HTTP_KNOWN_LENGTH, 0, &err);
    if (st != CONFAI_OK) {
        printf("FAIL %s: %s: %s\n", name, confai_status_name(st), err.message);
        ok = 0;
    } else if (streamed != cJSON_IsTrue(want_streamed)) {
        printf("FAIL %s: streamed %d, expected %d\n", name, streamed, cJSON_IsTrue(want_streamed));
        ok = 0;
    } else if (want == NULL || inner_len != want_len || memcmp(inner, want, want_len) != 0) {
        printf("FAIL %s: inner request differs from the fixture\n", name);
        ok = 0;
    } else {
        printf("ok   %s\n", name);
    }
    confai_free(inner);
    confai_http_message_free(msg);
    free(want);
    free(names);
    free(values);
    return ok;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : CONFAI_CONFORMANCE_DIR;
    size_t len = 0;
    uint8_t *text = test_read_file(dir, "request-shape.json", &len);
    if (text == NULL) {
        printf("FAIL cannot read %s/request-shape.json\n", dir);
        return 1;
    }
    cJSON *doc = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0 || !cJSON_IsNumber(version) ||
        version->valueint != 1) {
        printf("FAIL request-shape.json: not version 1 with cases\n");
        cJSON_Delete(doc);
        return 1;
    }
    int failed = 0, total = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        total++;
        failed += !run_case(c);
    }
    printf("%d of %d cases passed\n", total - failed, total);
    cJSON_Delete(doc);
    return failed ? 1 : 0;
}
