/*
 * src/server/http_get.c against the fake KDS/PCS (tests/fakes): a plain GET,
 * 404 passed through, retries on 429 (Retry-After honoured) and 5xx, none on
 * other 4xx, exhausted retries, a stalled server, a refused connection,
 * schemes other than http(s), the body limit and header lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "attest_fixture.h"
#include "fake_kds_pcs.h"

static char url[512];

static const char *at(const char *path)
{
    snprintf(url, sizeof(url), "%s%s", fake_url(), path);
    return url;
}

static int setup(void **state)
{
    (void)state;
    fake_reset();
    return 0;
}

static void test_ok(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    assert_int_equal(http_get(&r, at("/health"), &fake_http, &err), CONFAI_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 3);
    assert_string_equal((const char *)r.body, "ok\n");
    size_t n = 0;
    const char *ct = http_response_header(&r, "content-type", &n);
    assert_non_null(ct);
    assert_int_equal(n, strlen("text/plain"));
    assert_memory_equal(ct, "text/plain", n);
    assert_null(http_response_header(&r, "X-Absent", &n));
    http_response_clear(&r);
    assert_null(r.body);
    assert_int_equal(fake_count(), 1);
    http_response_clear(NULL);
}

static void test_defaults(void **state)
{
    (void)state;
    http_response r = { 0 };
    assert_int_equal(http_get(&r, at("/health"), NULL, NULL), CONFAI_OK);
    assert_int_equal(r.status, 200);
    http_response_clear(&r);
}

static void test_404_passed_through(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    assert_int_equal(http_get(&r, at("/no/such/thing"), &fake_http, &err), CONFAI_OK);
    assert_int_equal(r.status, 404);
    http_response_clear(&r);
    assert_int_equal(fake_count(), 1); /* no retry */
}

static void test_429_then_success(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    fake_fault("429", 2);
    assert_int_equal(http_get(&r, at("/health"), &fake_http, &err), CONFAI_OK);
    assert_int_equal(r.status, 200);
    http_response_clear(&r);
    assert_int_equal(fake_count(), 3);
}

static void test_retry_after_honoured(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    free(fake_control("fault?mode=429&count=1&retry_after=1"));
    double t0 = now_s();
    assert_int_equal(http_get(&r, at("/health"), &fake_http, &err), CONFAI_OK);
    double took = now_s() - t0;
    assert_int_equal(r.status, 200);
    http_response_clear(&r);
    assert_true(took >= 0.95); /* not the 10 ms backoff */
    assert_true(took < 5);
}

static void test_429_exhausted(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    fake_fault("429", 0);
    assert_int_equal(http_get(&r, at("/health"), &fake_http, &err),
                     CONFAI_E_ENDORSEMENT_UNAVAILABLE);
    assert_non_null(strstr(err.message, "rate limiting"));
    assert_null(r.body);
    assert_int_equal(fake_count(), 3);
}

static void test_5xx_then_success(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    fake_fault("503", 2);
    assert_int_equal(http_get(&r, at("/health"), &fake_http, &err), CONFAI_OK);
    assert_int_equal(r.status, 200);
    http_response_clear(&r);
    assert_int_equal(fake_count(), 3);
}

static void test_5xx_exhausted(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    fake_fault("500", 0);
    assert_int_equal(http_get(&r, at("/health"), &fake_http, &err),
                     CONFAI_E_ENDORSEMENT_UNAVAILABLE);
    assert_non_null(strstr(err.message, "HTTP 500 on all 3 attempts"));
    assert_int_equal(fake_count(), 3);
}

static void test_other_4xx_not_retried(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    fake_fault("403", 0);
    assert_int_equal(http_get(&r, at("/health"), &fake_http, &err), CONFAI_E_HTTP_STATUS);
    assert_non_null(strstr(err.message, "403"));
    assert_int_equal(fake_count(), 1);
}

static void test_stall_times_out(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    http_get_options o = fake_http;
    o.max_attempts = 2;
    fake_fault("stall", 0);
    double t0 = now_s();
    assert_int_equal(http_get(&r, at("/health"), &o, &err), CONFAI_E_TIMEOUT);
    double took = now_s() - t0;
    assert_true(took >= 1.9 && took < 6);
    assert_non_null(strstr(err.message, "does not answer"));
    assert_int_equal(fake_count(), 2);
}

static void test_refused(void **state)
{
    (void)state;
    /* a port nobody listens on: bind, read the port, close */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    char u[64];
    snprintf(u, sizeof(u), "http://127.0.0.1:%u/x", ntohs(a.sin_port));
    http_response r = { 0 };
    confai_error err = { 0 };
    assert_int_equal(http_get(&r, u, &fake_http, &err), CONFAI_E_ENDORSEMENT_UNAVAILABLE);
    assert_non_null(strstr(err.message, "unreachable after 3 attempts"));
}

static void test_schemes(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    static const char *const bad[] = { "file:///etc/passwd", "ftp://127.0.0.1/x",
                                       "gopher://127.0.0.1/", "127.0.0.1/health", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(http_get(&r, bad[i], &fake_http, &err), CONFAI_E_ARGUMENT);
        assert_non_null(strstr(err.message, "only http:// and https://"));
    }
    assert_int_equal(http_get(&r, NULL, &fake_http, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(http_get(NULL, at("/health"), &fake_http, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(fake_count(), 0);
}

static void test_body_limit(void **state)
{
    (void)state;
    http_response r = { 0 };
    confai_error err = { 0 };
    http_get_options o = fake_http;
    o.max_body = 2;
    assert_int_equal(http_get(&r, at("/health"), &o, &err), CONFAI_E_LIMIT);
    assert_null(r.body);
    assert_int_equal(fake_count(), 1); /* not retried */
}

static void test_header_lookup(void **state)
{
    (void)state;
    char text[] = "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Type: a/b\r\nx-a:  two \t\r\n"
                  "X-Ab: no\r\nX-Empty:\r\n\r\n";
    http_response r = { .status = 200, .headers = text, .headers_len = strlen(text) };
    size_t n = 0;
    const char *v = http_response_header(&r, "X-A", &n);
    assert_non_null(v);
    assert_int_equal(n, 3);
    assert_memory_equal(v, "two", 3); /* the last one, trimmed */
    v = http_response_header(&r, "x-empty", &n);
    assert_non_null(v);
    assert_int_equal(n, 0);
    assert_null(http_response_header(&r, "X", &n));
    assert_null(http_response_header(&r, "HTTP/1.1 200 OK", &n));
}

/*
 * One libcurl global init for the whole library (http_curl_init): it
 * answers OK however often it is called, and clients made and freed around
 * it leave http_get working (a client no longer initializes or cleans up
 * libcurl itself).
 */
static void test_curl_init_shared(void **state)
{
    (void)state;
    fx f;
    confai_policy *p = NULL;
    confai_error err = { 0 };
    fx_setup(&f, SNP_PRODUCT_GENOA);
    FX_OK(fx_policy_new(fx_policy_doc(&f), &p, &err));
    FX_OK(http_curl_init(&err));
    FX_OK(http_curl_init(NULL));
    for (int i = 0; i < 2; i++) {
        confai_client *c = NULL;
        FX_OK(confai_client_new(&c, "https://service.example", p, NULL, &err));
        confai_client_free(c);
        http_response r = { 0 };
        FX_OK(http_get(&r, at("/health"), &fake_http, &err));
        assert_int_equal(r.status, 200);
        http_response_clear(&r);
    }
    confai_policy_free(p);
    fx_teardown(&f);
}

int main(void)
{
    if (fake_start() != 0)
        return 1;
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_ok),
        T(test_defaults),
        T(test_404_passed_through),
        T(test_429_then_success),
        T(test_retry_after_honoured),
        T(test_429_exhausted),
        T(test_5xx_then_success),
        T(test_5xx_exhausted),
        T(test_other_4xx_not_retried),
        T(test_stall_times_out),
        T(test_refused),
        T(test_schemes),
        T(test_body_limit),
        T(test_header_lookup),
        T(test_curl_init_shared),
    };
    return cmocka_run_group_tests_name("server_http_get", tests, NULL, NULL);
}
