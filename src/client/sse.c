/*
 * Server-sent events, parsed as the WHATWG HTML standard's "event stream
 * interpretation" says, with limits.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "client/sse.h"
#include "core/error.h"
#include "core/memory.h"

void sse_parser_init(sse_parser *p, sse_event_fn on_event, void *user)
{
    memset(p, 0, sizeof(*p));
    p->on_event = on_event;
    p->user = user;
}

void sse_parser_clear(sse_parser *p)
{
    confai_free_secret(p->line, p->line_cap);
    confai_free_secret(p->data, p->data_cap);
    memset(p, 0, sizeof(*p));
}

/* Appends to a growing buffer that keeps room for a NUL. */
static int append(char **buf, size_t *len, size_t *cap, const char *src, size_t n)
{
    if (n + 1 > *cap - *len || *buf == NULL) {
        size_t need = *len + n + 1;
        size_t c = *cap < 256 ? 256 : *cap;
        while (c < need)
            c *= 2;
        char *b = OPENSSL_clear_realloc(*buf, *cap, c);
        if (b == NULL)
            return 0;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, src, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 1;
}

static confai_status dispatch(sse_parser *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (p->has_data) {
        /* The data buffer ends with the LF of its last line; drop it. */
        size_t len = p->data_len > 0 ? p->data_len - 1 : 0;
        p->data[len] = '\0';
        GUARD(p->on_event(p->user, p->type[0] != '\0' ? p->type : "message", p->data, len, err));
    }
out:
    if (p->data != NULL)
        confai_wipe(p->data, p->data_cap);
    p->data_len = 0;
    p->has_data = 0;
    p->type[0] = '\0';
    return status;
}

static confai_status process_line(sse_parser *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const char *line = p->line != NULL ? p->line : "";
    size_t len = p->line_len;
    if (len == 0)
        return dispatch(p, err);
    if (line[0] == ':')
        return CONFAI_OK; /* a comment (keep-alive) */
    const char *colon = memchr(line, ':', len);
    size_t name_len = colon != NULL ? (size_t)(colon - line) : len;
    const char *value = colon != NULL ? colon + 1 : line + len;
    size_t value_len = len - (size_t)(value - line);
    if (value_len > 0 && value[0] == ' ')
        value++, value_len--;

    if (name_len == 4 && memcmp(line, "data", 4) == 0) {
        ENSURE(p->data_len + value_len + 1 <= SSE_MAX_EVENT, CONFAI_E_LIMIT,
               "server-sent event larger than %d bytes", SSE_MAX_EVENT);
        ENSURE(append(&p->data, &p->data_len, &p->data_cap, value, value_len) &&
                   append(&p->data, &p->data_len, &p->data_cap, "\n", 1),
               CONFAI_E_NO_MEMORY, "server-sent events: out of memory");
        p->has_data = 1;
    } else if (name_len == 5 && memcmp(line, "event", 5) == 0) {
        size_t n = value_len < sizeof(p->type) - 1 ? value_len : sizeof(p->type) - 1;
        memcpy(p->type, value, n);
        p->type[n] = '\0';
    }
    /* "id", "retry" and unknown fields do not matter to a one-shot stream. */
out:
    return status;
}

confai_status sse_parser_feed(sse_parser *p, const char *bytes, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(p->failed == CONFAI_OK, p->failed, "server-sent events: the stream failed earlier");
    ENSURE_ARG(bytes != NULL || len == 0, "bytes");
    for (size_t i = 0; i < len; i++) {
        char ch = bytes[i];
        if (!p->started) {
            /* A byte order mark may open the stream; it is not content. */
            static const char bom[3] = {'\xef', '\xbb', '\xbf'};
            if (p->line_len < 3 && ch == bom[p->line_len]) {
                ENSURE(append(&p->line, &p->line_len, &p->line_cap, &ch, 1), CONFAI_E_NO_MEMORY,
                       "server-sent events: out of memory");
                if (p->line_len == 3) {
                    p->line_len = 0;
                    p->started = 1;
                }
                continue;
            }
            p->started = 1;
        }
        if (ch == '\n' && p->after_cr) {
            p->after_cr = 0;
            continue;
        }
        p->after_cr = ch == '\r';
        if (ch == '\n' || ch == '\r') {
            GUARD(process_line(p, err));
            p->line_len = 0;
            continue;
        }
        ENSURE(p->line_len + 1 < SSE_MAX_EVENT, CONFAI_E_LIMIT,
               "server-sent event line longer than %d bytes", SSE_MAX_EVENT);
        ENSURE(append(&p->line, &p->line_len, &p->line_cap, &ch, 1), CONFAI_E_NO_MEMORY,
               "server-sent events: out of memory");
    }
out:
    if (status != CONFAI_OK)
        p->failed = status;
    return status;
}
