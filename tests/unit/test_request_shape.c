/*
 * src/seal/request_shape.c: the one rule for the inner request. The
 * cross-language cases are in tests/conformance/request-shape.json; these
 * are the rule's details and every rejection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#define OK(call) assert_int_equal((call), CONFAI_OK)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static confai_status shape(confai_http_message **msg, int *streamed, const char *method,
                           const char *path, const char *const *names,
                           const char *const *values, size_t n, const char *body,
                           confai_error *err)
{
    return confai_http_request_shape(msg, streamed, method, path, names, values, n,
                                     (const uint8_t *)body, body ? strlen(body) : 0, err);
}

static void test_allowlist_order_and_case(void **state)
{
    (void)state;
    const char *names[] = { "X-Stainless-Lang", "Content-Type", "user-agent", "ACCEPT",
                            "Authorization", "openai-project", "Accept", "Host" };
    const char *values[] = { "js", "application/json", "ua", "a/1",
                             "Bearer k", "p", "a/2", "confai.invalid" };
    confai_http_message *msg = NULL;
    confai_error err;
    int streamed = -1;
    OK(shape(&msg, &streamed, "POST", "/v1/embeddings?x=1", names, values, COUNT(names),
             "{\"input\":\"x\"}", &err));
    assert_int_equal(streamed, 0);
    assert_string_equal(confai_http_message_method(msg), "POST");
    assert_string_equal(confai_http_message_scheme(msg), "https");
    assert_string_equal(confai_http_message_authority(msg), "");
    assert_string_equal(confai_http_message_path(msg), "/v1/embeddings?x=1");
    const char *want[][2] = { { "accept", "a/1" },
                              { "accept", "a/2" },
                              { "authorization", "Bearer k" },
                              { "content-type", "application/json" },
                              { "openai-project", "p" } };
    assert_int_equal(confai_http_message_field_count(msg, CONFAI_HTTP_HEADERS), COUNT(want));
    for (size_t i = 0; i < COUNT(want); i++) {
        const char *name = NULL, *value = NULL;
        OK(confai_http_message_field(msg, &name, &value, CONFAI_HTTP_HEADERS, i, &err));
        assert_string_equal(name, want[i][0]);
        assert_string_equal(value, want[i][1]);
    }
    size_t body_len = 0;
    const uint8_t *body = confai_http_message_body(msg, &body_len);
    assert_int_equal(body_len, strlen("{\"input\":\"x\"}"));
    assert_memory_equal(body, "{\"input\":\"x\"}", body_len);
    confai_http_message_free(msg);
}

static void test_stream_decision(void **state)
{
    (void)state;
    static const struct {
        const char *method, *body;
        int streamed;
    } cases[] = {
        { "POST", "{\"stream\":true}", 1 },
        { "POST", "\t{ \"model\": \"m\", \"stream\" : true }\n", 1 },
        { "POST", "{\"stream\":false}", 0 },
        { "POST", "{\"stream\":1}", 0 },
        { "POST", "{\"stream\":\"true\"}", 0 },
        { "POST", "{\"stream\":true,\"stream\":true}", 0 },
        { "POST", "{\"stream\":true}x", 0 },
        { "POST", "{\"stream\":true", 0 },
        { "POST", "[{\"stream\":true}]", 0 },
        { "POST", "\x01{\"stream\":true}", 0 },
        { "POST", "{\"stream\":true}\x0b", 0 },
        { "POST", "{\"a\":{\"stream\":true}}", 0 },
        { "POST", "", 0 },
        { "PUT", "{\"stream\":true}", 0 },
        { "GET", "{\"stream\":true}", 0 },
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        confai_http_message *msg = NULL;
        confai_error err;
        int streamed = -1;
        OK(shape(&msg, &streamed, cases[i].method, "/v1/chat/completions", NULL, NULL, 0,
                 cases[i].body, &err));
        assert_int_equal(streamed, cases[i].streamed);
        confai_http_message_free(msg);
    }
}

static void expect_rejected(const char *method, const char *path, const char *name,
                            const char *value, confai_status want)
{
    const char *names[] = { name };
    const char *values[] = { value };
    confai_http_message *msg = (confai_http_message *)&msg; /* must come back NULL */
    confai_error err;
    int streamed = -1;
    assert_int_equal(shape(&msg, &streamed, method, path, names, values, 1,
                           "{\"stream\":true}", &err),
                     want);
    assert_null(msg);
    assert_int_equal(streamed, 0);
    assert_true(strlen(err.message) > 0);
}

static void test_rejections(void **state)
{
    (void)state;
    expect_rejected("PO ST", "/v1/x", "accept", "a", CONFAI_E_ARGUMENT);
    expect_rejected("", "/v1/x", "accept", "a", CONFAI_E_ARGUMENT);
    expect_rejected("POST", "v1/x", "accept", "a", CONFAI_E_ARGUMENT);
    expect_rejected("POST", "", "accept", "a", CONFAI_E_ARGUMENT);
    expect_rejected("POST", "/v1/a b", "accept", "a", CONFAI_E_ARGUMENT);
    expect_rejected("POST", "/v1/x", "authorization", "Bearer k\r\nX-Injected: 1",
                    CONFAI_E_ARGUMENT);
    expect_rejected("POST", "/v1/x", "content-type", " application/json", CONFAI_E_ARGUMENT);
    expect_rejected("POST", "/v1/x", NULL, "a", CONFAI_E_ARGUMENT);
    expect_rejected("POST", "/v1/x", "accept", NULL, CONFAI_E_ARGUMENT);

    /* fields that are dropped are not checked: they never reach the service */
    const char *names[] = { "x-bad", "bad name" };
    const char *values[] = { "a\r\nb", "v" };
    confai_http_message *msg = NULL;
    confai_error err;
    int streamed = -1;
    OK(shape(&msg, &streamed, "GET", "/v1/models", names, values, 2, NULL, &err));
    assert_int_equal(confai_http_message_field_count(msg, CONFAI_HTTP_HEADERS), 0);
    confai_http_message_free(msg);

    /* NULL arguments */
    assert_int_equal(confai_http_request_shape(NULL, &streamed, "GET", "/", NULL, NULL, 0, NULL,
                                               0, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_request_shape(&msg, NULL, "GET", "/", NULL, NULL, 0, NULL, 0,
                                               &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_request_shape(&msg, &streamed, NULL, "/", NULL, NULL, 0, NULL,
                                               0, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_request_shape(&msg, &streamed, "GET", NULL, NULL, NULL, 0,
                                               NULL, 0, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_request_shape(&msg, &streamed, "GET", "/", NULL, NULL, 1, NULL,
                                               0, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_request_shape(&msg, &streamed, "POST", "/", NULL, NULL, 0,
                                               NULL, 3, &err),
                     CONFAI_E_ARGUMENT);
    assert_null(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowlist_order_and_case),
        cmocka_unit_test(test_stream_decision),
        cmocka_unit_test(test_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
