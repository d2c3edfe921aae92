/*
 * src/core/rfc3339.c: the "YYYY-MM-DDTHH:MM:SSZ" profile. Known instants,
 * round trips, and one rejection per rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/rfc3339.h"

static int64_t parse(const char *s)
{
    int64_t t = -1;
    assert_true(rfc3339_parse(&t, s, strlen(s)));
    return t;
}

static void rejects(const char *s)
{
    int64_t t = 0;
    assert_false(rfc3339_parse(&t, s, strlen(s)));
}

static void test_known_instants(void **state)
{
    (void)state;
    assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse("2000-03-01T00:00:00Z"), 951868800);
    assert_int_equal(parse("2024-02-29T12:34:56Z"), 1709210096);
    assert_int_equal(parse("2038-01-19T03:14:08Z"), INT64_C(2147483648));
    assert_int_equal(parse("9999-12-31T23:59:59Z"), INT64_C(253402300799));
}

static void test_round_trip(void **state)
{
    (void)state;
    const int64_t times[] = { 0, 1, 86399, 86400, 951782400, 1709210096, INT64_C(4102444800),
                              INT64_C(253402300799) };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char text[RFC3339_LEN + 1];
        assert_true(rfc3339_format(text, times[i]));
        assert_int_equal(strlen(text), RFC3339_LEN);
        assert_int_equal(parse(text), times[i]);
    }
}

static void test_format_range(void **state)
{
    (void)state;
    char text[RFC3339_LEN + 1];
    assert_false(rfc3339_format(text, -1));
    assert_string_equal(text, "");
    assert_false(rfc3339_format(text, INT64_C(253402300800)));
    assert_true(rfc3339_format(text, 1709210096));
    assert_string_equal(text, "2024-02-29T12:34:56Z");
}

static void test_rejects_other_spellings(void **state)
{
    (void)state;
    rejects("2024-02-29T12:34:56z");       /* lowercase z */
    rejects("2024-02-29t12:34:56Z");       /* lowercase t */
    rejects("2024-02-29 12:34:56Z");       /* space */
    rejects("2024-02-29T12:34:56.5Z");     /* fraction */
    rejects("2024-02-29T12:34:56+00:00");  /* offset */
    rejects("2024-02-29T12:34:56");        /* no zone */
    rejects("2024-2-29T12:34:56Z");
    rejects("+2024-02-29T12:34:56Z");
    rejects("2024-02-29T12:34:56Z ");
    rejects("");
}

static void test_rejects_impossible(void **state)
{
    (void)state;
    rejects("2023-02-29T00:00:00Z");  /* not a leap year */
    rejects("2024-02-30T00:00:00Z");
    rejects("2024-13-01T00:00:00Z");
    rejects("2024-00-01T00:00:00Z");
    rejects("2024-01-00T00:00:00Z");
    rejects("2024-01-01T24:00:00Z");
    rejects("2024-01-01T23:60:00Z");
    rejects("2024-12-31T23:59:60Z");  /* leap second */
    rejects("1969-12-31T23:59:59Z");  /* before the epoch */
}

static void test_length_counts(void **state)
{
    (void)state;
    int64_t t;
    /* The length is the caller's: a longer buffer is not read past len. */
    assert_true(rfc3339_parse(&t, "2024-02-29T12:34:56Zjunk", RFC3339_LEN));
    assert_false(rfc3339_parse(&t, "2024-02-29T12:34:56Z", RFC3339_LEN - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_instants),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format_range),
        cmocka_unit_test(test_rejects_other_spellings),
        cmocka_unit_test(test_rejects_impossible),
        cmocka_unit_test(test_length_counts),
    };
    return cmocka_run_group_tests_name("core_rfc3339", tests, NULL, NULL);
}
