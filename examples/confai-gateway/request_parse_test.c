/*
 * confai-gateway's reading of caller input (request_parse.c): routes, media
 * types, the attestation request's nonce and strict base64, each accepted
 * form and each refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request_parse.h"

/* base64 of the bytes 0..31 */
#define NONCE_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static int nonce_of(const char *body, uint8_t nonce[GW_NONCE_SIZE])
{
    memset(nonce, 0xA5, GW_NONCE_SIZE);
    return gw_attestation_nonce((const uint8_t *)body, strlen(body), nonce);
}

static void assert_untouched(const uint8_t nonce[GW_NONCE_SIZE])
{
    for (size_t i = 0; i < GW_NONCE_SIZE; i++)
        assert_int_equal(nonce[i], 0xA5);
}

static void test_nonce_accepted(void **state)
{
    (void)state;
    uint8_t nonce[GW_NONCE_SIZE];
    assert_int_equal(nonce_of("{\"nonce\":\"" NONCE_B64 "\"}", nonce), 0);
    for (size_t i = 0; i < GW_NONCE_SIZE; i++)
        assert_int_equal(nonce[i], i);
    /* other members and blanks around the document are fine */
    assert_int_equal(nonce_of(" {\"v\":1, \"nonce\": \"" NONCE_B64 "\"}\n", nonce), 0);
    assert_int_equal(nonce[31], 31);
}

static void test_nonce_refused(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "",
        "not json",
        "[\"" NONCE_B64 "\"]",
        "{}",
        "{\"Nonce\":\"" NONCE_B64 "\"}",            /* the member name is exact */
        "{\"nonce\":42}",
        "{\"nonce\":\"QUJD\"}",                      /* 3 bytes */
        "{\"nonce\":\"" NONCE_B64 "AAAA\"}",         /* 35 bytes */
        "{\"nonce\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\"}", /* unused bits */
        "{\"nonce\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"}",  /* no padding */
        "{\"nonce\":\"AAECAwQFBgcICQoLDA0O DxAREhMUFRYXGBkaGxwdHh8=\"}", /* a blank inside */
        "{\"nonce\":\"" NONCE_B64 "\"} trailing",
        "{\"nonce\":\"" NONCE_B64 "\"",
    };
    uint8_t nonce[GW_NONCE_SIZE];
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(nonce_of(bodies[i], nonce), -1);
        assert_untouched(nonce);
    }
    /* a NUL inside the body: nothing after it may be ignored */
    static const char with_nul[] = "{\"nonce\":\"" NONCE_B64 "\"}\0junk";
    memset(nonce, 0xA5, sizeof(nonce));
    assert_int_equal(gw_attestation_nonce((const uint8_t *)with_nul, sizeof(with_nul) - 1,
                                          nonce),
                     -1);
    assert_untouched(nonce);
}

static void test_base64(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t len = 0;
    assert_int_equal(gw_base64_decode(out, sizeof(out), &len, "QUJD", 4), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "ABC", 3);
    assert_int_equal(gw_base64_decode(out, sizeof(out), &len, "QUI=", 4), 0);
    assert_int_equal(len, 2);
    assert_int_equal(gw_base64_decode(out, sizeof(out), &len, "", 0), 0);
    assert_int_equal(len, 0);
    static const char *const bad[] = { "QR==", "QUI", "Q===", "====", "QU=I", "QU\nJ", "QUJD\n" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(gw_base64_decode(out, sizeof(out), &len, bad[i], strlen(bad[i])), -1);
    /* the output buffer is a limit, not a hint */
    assert_int_equal(gw_base64_decode(out, 2, &len, "QUJD", 4), -1);

    char *text = gw_base64_encode((const uint8_t *)"ABCD", 4);
    assert_non_null(text);
    assert_string_equal(text, "QUJDRA==");
    free(text);
    text = gw_base64_encode(NULL, 0);
    assert_non_null(text);
    assert_string_equal(text, "");
    free(text);
}

static void test_media_type(void **state)
{
    (void)state;
    char out[32];
    gw_media_type(out, sizeof(out), "Message/OHTTP-Chunked-Req ; charset=x");
    assert_string_equal(out, "message/ohttp-chunked-req");
    gw_media_type(out, sizeof(out), NULL);
    assert_string_equal(out, "");
    char small[8];
    gw_media_type(small, sizeof(small), "application/json");
    assert_string_equal(small, "applica"); /* cut, matching no known type */
}

static void test_routes(void **state)
{
    (void)state;
    assert_int_equal(gw_route_of("/v1/attestation", 0, 0), GW_ROUTE_ATTEST);
    assert_int_equal(gw_route_of("/v1/sealed", 0, 0), GW_ROUTE_SEALED);
    assert_int_equal(gw_route_of("/v1/admin/rotate", 0, 0), GW_ROUTE_NONE);
    assert_int_equal(gw_route_of("/v1/admin/rotate", 1, 0), GW_ROUTE_ROTATE);
    assert_int_equal(gw_route_of("/plain/v1/models", 0, 0), GW_ROUTE_NONE);
    assert_int_equal(gw_route_of("/plain/v1/models", 0, 1), GW_ROUTE_PLAIN);
    assert_int_equal(gw_route_of("/v1/sealed/", 1, 1), GW_ROUTE_NONE);
    assert_int_equal(gw_route_of("/V1/SEALED", 1, 1), GW_ROUTE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonce_accepted), cmocka_unit_test(test_nonce_refused),
        cmocka_unit_test(test_base64),         cmocka_unit_test(test_media_type),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
