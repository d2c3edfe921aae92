/* Tests of the server-sent-events parser (src/client/sse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client/sse.h"
#include "core/error.h"

typedef struct events {
    char log[4096]; /* "type|data;" per event */
    size_t count;
    int stop_at;    /* stop with CONFAI_E_CANCELLED at this event (1-based) */
} events;

static confai_status record(void *user, const char *type, const char *data, size_t len,
                            confai_error *err)
{
    events *ev = user;
    ev->count++;
    assert_int_equal(strlen(data), len);
    size_t used = strlen(ev->log);
    snprintf(ev->log + used, sizeof(ev->log) - used, "%s|%s;", type, data);
    if (ev->stop_at != 0 && (int)ev->count == ev->stop_at)
        return confai_err_set(err, CONFAI_E_CANCELLED, "stop");
    return CONFAI_OK;
}

/* Feeds text in pieces of `piece` bytes. */
static confai_status feed(events *ev, const char *text, size_t piece)
{
    sse_parser p;
    confai_status st = CONFAI_OK;
    size_t len = strlen(text);
    sse_parser_init(&p, record, ev);
    for (size_t pos = 0; pos < len && st == CONFAI_OK; pos += piece)
        st = sse_parser_feed(&p, text + pos, len - pos < piece ? len - pos : piece, NULL);
    sse_parser_clear(&p);
    return st;
}

static void openai_stream_in_every_split(void **state)
{
    (void)state;
    const char *text = "data: {\"a\":1}\n\n"
                       ": keep-alive\n\n"
                       "data: {\"b\":2}\r\n\r\n"
                       "data: [DONE]\n\n";
    for (size_t piece = 1; piece <= strlen(text); piece++) {
        events ev = {0};
        assert_int_equal(feed(&ev, text, piece), CONFAI_OK);
        assert_string_equal(ev.log, "message|{\"a\":1};message|{\"b\":2};message|[DONE];");
    }
}

static void fields_as_the_standard_says(void **state)
{
    (void)state;
    events ev = {0};
    /* CR alone ends lines; multi-line data joins with LF; "data" without a
     * colon is an empty line of data; no space after the colon is fine;
     * id, retry and unknown fields are ignored; the type resets. */
    assert_int_equal(feed(&ev, "event: delta\rdata:one\rdata: two\r\r"
                               "id: 7\nretry: 10\nfoo: bar\ndata\n\n"
                               "data: x\n\n", 3),
                     CONFAI_OK);
    assert_string_equal(ev.log, "delta|one\ntwo;message|;message|x;");
}

static void byte_order_mark_and_open_event(void **state)
{
    (void)state;
    events ev = {0};
    assert_int_equal(feed(&ev, "\xef\xbb\xbf" "data: a\n\ndata: unfinished", 1), CONFAI_OK);
    /* The event without its blank line never dispatches. */
    assert_string_equal(ev.log, "message|a;");
    events none = {0};
    assert_int_equal(feed(&none, "event: x\n\n: only a comment\n\n", 2), CONFAI_OK);
    assert_int_equal(none.count, 0);
}

static void callback_status_stops_the_parser(void **state)
{
    (void)state;
    events ev = {.stop_at = 1};
    sse_parser p;
    confai_error err;
    sse_parser_init(&p, record, &ev);
    assert_int_equal(sse_parser_feed(&p, "data: a\n\ndata: b\n\n", 18, &err), CONFAI_E_CANCELLED);
    assert_int_equal(ev.count, 1);
    /* Poisoned: later input is refused, no more events. */
    assert_int_equal(sse_parser_feed(&p, "data: c\n\n", 9, &err), CONFAI_E_CANCELLED);
    assert_int_equal(ev.count, 1);
    sse_parser_clear(&p);
}

static void oversized_line_and_event_hit_the_limit(void **state)
{
    (void)state;
    static char big[SSE_MAX_EVENT + 16];
    events ev = {0};
    sse_parser p;
    confai_error err;
    memset(big, 'a', sizeof(big));
    memcpy(big, "data: ", 6);
    sse_parser_init(&p, record, &ev);
    assert_int_equal(sse_parser_feed(&p, big, sizeof(big), &err), CONFAI_E_LIMIT);
    sse_parser_clear(&p);

    /* Many short data lines that add up past the limit. */
    sse_parser_init(&p, record, &ev);
    confai_status st = CONFAI_OK;
    char line[1030];
    memset(line, 'b', sizeof(line));
    memcpy(line, "data: ", 6);
    line[sizeof(line) - 1] = '\n';
    for (int i = 0; i < 2048 && st == CONFAI_OK; i++)
        st = sse_parser_feed(&p, line, sizeof(line), &err);
    assert_int_equal(st, CONFAI_E_LIMIT);
    assert_int_equal(ev.count, 0);
    sse_parser_clear(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(openai_stream_in_every_split),
        cmocka_unit_test(fields_as_the_standard_says),
        cmocka_unit_test(byte_order_mark_and_open_event),
        cmocka_unit_test(callback_status_stops_the_parser),
        cmocka_unit_test(oversized_line_and_event_hit_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
