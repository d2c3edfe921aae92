/*
 * src/seal/done_hold.c: until an event stream ends authenticated, a
 * "data: [DONE]" line, or what may still become one, is held back, and
 * everything before it goes out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "seal/done_hold.h"

static size_t releasable(const char *text, int at_line_start)
{
    return done_hold_releasable((const uint8_t *)text, strlen(text), at_line_start);
}

static void test_holds_done(void **state)
{
    (void)state;
    const char *events = "data: {\"a\":1}\n\ndata: [DONE]\n\n";
    assert_int_equal(releasable(events, 1), strlen("data: {\"a\":1}\n\n"));
    assert_int_equal(releasable("data:[DONE]\n\n", 1), 0);
    assert_int_equal(releasable("x\r\ndata: [DONE]", 1), 3); /* CR LF ends a line too */
    assert_int_equal(releasable("x\rdata: [DONE]", 1), 2);
}

static void test_holds_what_may_become_done(void **state)
{
    (void)state;
    /* every prefix of the marker at a line start waits for more bytes */
    const char *marker = "data: [DONE]";
    char buf[64];
    for (size_t n = 1; n <= strlen(marker); n++) {
        snprintf(buf, sizeof(buf), "data: {}\n\n%.*s", (int)n, marker);
        assert_int_equal(releasable(buf, 1), strlen("data: {}\n\n"));
    }
    assert_int_equal(releasable("d", 1), 0);
    assert_int_equal(releasable("data:", 1), 0);
}

static void test_releases_the_rest(void **state)
{
    (void)state;
    assert_int_equal(releasable("", 1), 0);
    assert_int_equal(releasable("data: {\"a\":1}\n\n", 1), strlen("data: {\"a\":1}\n\n"));
    /* not at a line start: ordinary content */
    assert_int_equal(releasable("data: [DONE]", 0), strlen("data: [DONE]"));
    assert_int_equal(releasable("xdata: [DONE]\n", 1), strlen("xdata: [DONE]\n"));
    /* a line that diverges from the marker goes out */
    assert_int_equal(releasable("data: [DON'T]\n", 1), strlen("data: [DON'T]\n"));
    assert_int_equal(releasable("dx\n", 1), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holds_done),
        cmocka_unit_test(test_holds_what_may_become_done),
        cmocka_unit_test(test_releases_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
