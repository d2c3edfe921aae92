/*
 * src/core/base64.c: strict base64. The RFC 4648 section 10 vectors, round
 * trips, and one rejection per rule: length, alphabet, padding position and
 * amount, unused bits, whitespace, NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>

#include "core/base64.h"

static void assert_decodes(const char *in, const char *expect)
{
    uint8_t *out = (uint8_t *)1;
    size_t len = 99;
    confai_error err;
    assert_int_equal(base64_decode(&out, &len, in, strlen(in), CONFAI_E_MALFORMED, "t", &err),
                     CONFAI_OK);
    assert_int_equal(len, strlen(expect));
    if (len == 0)
        assert_null(out);
    else
        assert_memory_equal(out, expect, len);
    OPENSSL_free(out);
}

static void assert_rejects_len(const char *in, size_t in_len)
{
    uint8_t *out = (uint8_t *)1;
    size_t len = 99;
    confai_error err;
    assert_int_equal(base64_decode(&out, &len, in, in_len, CONFAI_E_MALFORMED, "member", &err),
                     CONFAI_E_MALFORMED);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(err.status, CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "member"));
}

static void assert_rejects(const char *in)
{
    assert_rejects_len(in, strlen(in));
}

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    assert_decodes("", "");
    assert_decodes("Zg==", "f");
    assert_decodes("Zm8=", "fo");
    assert_decodes("Zm9v", "foo");
    assert_decodes("Zm9vYg==", "foob");
    assert_decodes("Zm9vYmE=", "fooba");
    assert_decodes("Zm9vYmFy", "foobar");
    assert_decodes("+/+/", "\xfb\xff\xbf");
}

static void test_round_trip(void **state)
{
    (void)state;
    uint8_t data[64];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof(data); n++) {
        char *text = NULL;
        assert_int_equal(base64_encode(&text, data, n, NULL), CONFAI_OK);
        assert_int_equal(strlen(text), base64_encoded_len(n));
        uint8_t *back = NULL;
        size_t len = 0;
        assert_int_equal(base64_decode(&back, &len, text, strlen(text), CONFAI_E_MALFORMED,
                                       "t", NULL),
                         CONFAI_OK);
        assert_int_equal(len, n);
        if (n > 0)
            assert_memory_equal(back, data, n);
        OPENSSL_free(back);
        OPENSSL_free(text);
    }
}

static void test_reject_length(void **state)
{
    (void)state;
    assert_rejects("Zg");
    assert_rejects("Zg=");
    assert_rejects("Zm9vY");
    assert_rejects("Zm8==");
}

static void test_reject_alphabet(void **state)
{
    (void)state;
    assert_rejects("Zm9-");  /* base64url */
    assert_rejects("Zm9_");
    assert_rejects("Zm9*");
    assert_rejects("Zm\xc3\xa9");
}

static void test_reject_padding(void **state)
{
    (void)state;
    assert_rejects("====");
    assert_rejects("Z===");
    assert_rejects("=Zg=");
    assert_rejects("Zg==Zg==");  /* padding in the middle */
    assert_rejects("Zm=v");
}

static void test_reject_unused_bits(void **state)
{
    (void)state;
    assert_rejects("Zh==");  /* 'f' with non-zero unused bits */
    assert_rejects("Zm9=");  /* "fo" spelled with a stray bit */
    assert_rejects("QR==");
}

static void test_reject_whitespace(void **state)
{
    (void)state;
    assert_rejects("Zm9v\n");
    assert_rejects(" Zm9v");
    assert_rejects("Zm9v Zm9v");
    assert_rejects("Zm9\tv");
    assert_rejects("Zm9v\r\n");
}

static void test_reject_nul(void **state)
{
    (void)state;
    assert_rejects_len("Zm9\0", 4);
    assert_rejects_len("Zm9vYmFy\0\0\0\0", 12);
}

static void test_bad_status_is_the_callers(void **state)
{
    (void)state;
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(base64_decode(&out, &len, "Zg=", 3, CONFAI_E_POLICY_INVALID, "x", NULL),
                     CONFAI_E_POLICY_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_reject_length),
        cmocka_unit_test(test_reject_alphabet),
        cmocka_unit_test(test_reject_padding),
        cmocka_unit_test(test_reject_unused_bits),
        cmocka_unit_test(test_reject_whitespace),
        cmocka_unit_test(test_reject_nul),
        cmocka_unit_test(test_bad_status_is_the_callers),
    };
    return cmocka_run_group_tests_name("core_base64", tests, NULL, NULL);
}
