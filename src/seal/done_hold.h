/*
 * The hold-back of an event stream's "data: [DONE]" line, one rule for every
 * reader of opened streams (the client layer's confai_stream_read and the
 * WebAssembly build's exchanges). OpenAI-style clients stop reading at
 * [DONE]; if it went out before the stream ended authenticated, they would
 * never see a stream cut off after it. So a line that is [DONE], or may
 * still become it once more bytes arrive, waits for the authenticated end;
 * everything before it goes out at once.
 */
#ifndef CONFAI_SEAL_DONE_HOLD_H
#define CONFAI_SEAL_DONE_HOLD_H

#include <stddef.h>
#include <stdint.h>

/*
 * How many of the avail opened bytes at q may be handed out while the
 * stream has not yet ended authenticated: up to the first line that starts
 * with "data: [DONE]" or "data:[DONE]" or with a prefix of either at the
 * end of the bytes. at_line_start: whether the byte before q[0] ended a line
 * (1 at the start of the content).
 */
size_t done_hold_releasable(const uint8_t *q, size_t avail, int at_line_start);

#endif /* CONFAI_SEAL_DONE_HOLD_H */
