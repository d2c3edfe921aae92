/*
 * A push parser for server-sent events (the WHATWG "text/event-stream"
 * format) as OpenAI-compatible servers stream completions: fed bytes in any
 * split, it calls back once per event with the event's type and its data
 * lines joined by '\n'. Comments, "id" and "retry" are skipped; an event
 * still open when the stream ends is dropped, as the format says.
 */
#ifndef CONFAI_CLIENT_SSE_H
#define CONFAI_CLIENT_SSE_H

#include <stddef.h>

#include <confai/confai.h>

/* Longest line and longest event data accepted (CONFAI_E_LIMIT). */
#define SSE_MAX_EVENT 1048576

/*
 * Receives one event: type ("message" unless an "event:" line said
 * otherwise) and data (NUL-terminated, data_len bytes). Both are valid during
 * the call only. Return CONFAI_OK to go on; any other status stops the parser
 * and is returned by the feed that called.
 */
typedef confai_status (*sse_event_fn)(void *user, const char *type, const char *data,
                                      size_t data_len, confai_error *err);

typedef struct sse_parser {
    sse_event_fn on_event;
    void *user;
    char *line;      /* the line being read */
    size_t line_len, line_cap;
    char *data;      /* the event's data so far */
    size_t data_len, data_cap;
    int has_data;
    char type[64];
    int after_cr;    /* the last byte was CR: a following LF is the same break */
    int started;     /* past the optional byte order mark */
    confai_status failed;
} sse_parser;

void sse_parser_init(sse_parser *p, sse_event_fn on_event, void *user);

/* Parses the next bytes. Errors: CONFAI_E_LIMIT, NO_MEMORY, a callback's. */
confai_status sse_parser_feed(sse_parser *p, const char *bytes, size_t len, confai_error *err);

/* Releases what the parser holds (wiping it). */
void sse_parser_clear(sse_parser *p);

#endif /* CONFAI_CLIENT_SSE_H */
