/*
 * Fuzz target: the server-sent-events parser (src/client/sse.c).
 *
 * Input: a stream of bytes; its first byte picks a split size.
 *
 * Checked beyond "no crash, no out-of-bounds access": the events do not
 * depend on how the stream is split (fed whole, and fed in pieces of the
 * chosen size, the parser reports the same events with the same data), and
 * an event's data is NUL-terminated at its length.
 */
#include <string.h>

#include "client/sse.h"
#include "fuzz.h"

typedef struct digest {
    size_t events;
    size_t bytes;
    unsigned long hash;
} digest;

static confai_status on_event(void *user, const char *type, const char *data, size_t len,
                              confai_error *err)
{
    digest *d = user;
    (void)err;
    FUZZ_CHECK(data[len] == '\0');
    d->events++;
    d->bytes += len;
    for (const char *t = type; *t != '\0'; t++)
        d->hash = d->hash * 31 + (unsigned char)*t;
    for (size_t i = 0; i < len; i++)
        d->hash = d->hash * 33 + (unsigned char)data[i];
    return CONFAI_OK;
}

static confai_status run(const char *bytes, size_t len, size_t piece, digest *d)
{
    sse_parser p;
    confai_status st = CONFAI_OK;
    sse_parser_init(&p, on_event, d);
    for (size_t pos = 0; pos < len && st == CONFAI_OK; pos += piece) {
        size_t n = len - pos < piece ? len - pos : piece;
        st = sse_parser_feed(&p, bytes + pos, n, NULL);
    }
    sse_parser_clear(&p);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t piece = (size_t)data[0] % 7 + 1;
    size_t len = size - 1;
    char *bytes = (char *)fuzz_alloc(len);
    if (len > 0)
        memcpy(bytes, data + 1, len);
    digest whole = {0}, split = {0};
    confai_status a = run(bytes, len, len > 0 ? len : 1, &whole);
    confai_status b = run(bytes, len, piece, &split);
    FUZZ_CHECK(a == b);
    if (a == CONFAI_OK) {
        FUZZ_CHECK(whole.events == split.events);
        FUZZ_CHECK(whole.bytes == split.bytes);
        FUZZ_CHECK(whole.hash == split.hash);
    } else {
        FUZZ_CHECK(a == CONFAI_E_LIMIT || a == CONFAI_E_NO_MEMORY);
    }
    free(bytes);
    return 0;
}
