/* src/core/hex.c: exact-length decoding in either case, lowercase encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/hex.h"

static void test_decode(void **state)
{
    (void)state;
    uint8_t out[4];
    assert_true(hex_decode_exact(out, 4, "00aBcDfF", 8));
    assert_memory_equal(out, "\x00\xab\xcd\xff", 4);
}

static void test_decode_rejects(void **state)
{
    (void)state;
    uint8_t out[4];
    assert_false(hex_decode_exact(out, 4, "00abcd", 6));       /* too short */
    assert_false(hex_decode_exact(out, 4, "00abcdff00", 10));  /* too long */
    assert_false(hex_decode_exact(out, 4, "00abcdfg", 8));     /* not hex */
    assert_false(hex_decode_exact(out, 4, "00:bcdff", 8));     /* separator */
    assert_false(hex_decode_exact(out, 4, " 0abcdff", 8));
    assert_false(hex_decode_exact(out, 4, "0xabcdff", 8));
    assert_false(hex_decode_exact(out, 4, "00abcdff00", 8));   /* not NUL-terminated there */
    assert_false(hex_decode_exact(out, 0, "", 0));
}

static void test_encode(void **state)
{
    (void)state;
    char text[9];
    hex_encode(text, (const uint8_t *)"\x00\xab\xcd\xff", 4);
    assert_string_equal(text, "00abcdff");
    hex_encode(text, NULL, 0);
    assert_string_equal(text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_encode),
    };
    return cmocka_run_group_tests_name("core_hex", tests, NULL, NULL);
}
