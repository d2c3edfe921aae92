/* src/core/memory.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "core/memory.h"

static void caller_memory_is_zeroed_and_freeable(void **state)
{
    (void)state;
    uint8_t *p = confai_alloc_for_caller(100);
    assert_non_null(p);
    for (int i = 0; i < 100; i++)
        assert_int_equal(p[i], 0);
    memset(p, 0xAB, 100);
    confai_free(p);
    confai_free(NULL); /* no-op */
}

static void caller_memory_rejects_overflowing_sizes(void **state)
{
    (void)state;
    assert_null(confai_alloc_for_caller(SIZE_MAX));
    assert_null(confai_alloc_for_caller(SIZE_MAX - 4));
}

static void memdup_copies_and_handles_empty(void **state)
{
    (void)state;
    const char text[] = "secret";
    char *copy = confai_memdup(text, sizeof(text));
    assert_non_null(copy);
    assert_memory_equal(copy, text, sizeof(text));
    confai_free_secret(copy, sizeof(text));
    assert_null(confai_memdup(text, 0));
    confai_free_secret(NULL, 10); /* no-op */
    assert_null(confai_zalloc(0));
}

static void wipe_clears_bytes(void **state)
{
    (void)state;
    uint8_t buf[32];
    memset(buf, 0xFF, sizeof(buf));
    confai_wipe(buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);
    confai_wipe(NULL, 5); /* no-op */
}

static void constant_time_equality(void **state)
{
    (void)state;
    uint8_t a[48], b[48];
    memset(a, 7, sizeof(a));
    memset(b, 7, sizeof(b));
    assert_true(confai_equal_ct(a, b, sizeof(a)));
    b[47] ^= 1;
    assert_false(confai_equal_ct(a, b, sizeof(a)));
    b[47] ^= 1;
    b[0] ^= 0x80;
    assert_false(confai_equal_ct(a, b, sizeof(a)));
    assert_true(confai_equal_ct(a, b, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(caller_memory_is_zeroed_and_freeable),
        cmocka_unit_test(caller_memory_rejects_overflowing_sizes),
        cmocka_unit_test(memdup_copies_and_handles_empty),
        cmocka_unit_test(wipe_clears_bytes),
        cmocka_unit_test(constant_time_equality),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
