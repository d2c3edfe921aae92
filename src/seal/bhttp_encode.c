/*
 * Binary HTTP encoding (RFC 9292 section 3). Every encoder runs twice over
 * the same emit function: once counting, to allocate the exact size, once
 * writing. Integers are minimal; nothing is truncated, and the content goes
 * out as one chunk in the indeterminate-length framing.
 */
#include "seal/bhttp.h"

#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "seal/varint.h"

/* Counts bytes when buf is NULL, else writes them (capacity known exact). */
typedef struct writer {
    uint8_t *buf;
    size_t len;
    int too_large; /* a length beyond 2^62 - 1 or the address space */
} writer;

static void put_bytes(writer *w, const void *data, size_t n)
{
    if (n > SIZE_MAX - w->len) {
        w->too_large = 1;
        return;
    }
    if (w->buf != NULL && n > 0)
        memcpy(w->buf + w->len, data, n);
    w->len += n;
}

static void put_zeros(writer *w, size_t n)
{
    if (n > SIZE_MAX - w->len) {
        w->too_large = 1;
        return;
    }
    if (w->buf != NULL && n > 0)
        memset(w->buf + w->len, 0, n);
    w->len += n;
}

static void put_varint(writer *w, uint64_t value)
{
    uint8_t tmp[CONFAI_VARINT_MAX_SIZE];
    size_t n = confai_varint_encode(tmp, sizeof(tmp), value);
    if (n == 0)
        w->too_large = 1;
    else
        put_bytes(w, tmp, n);
}

static void put_string(writer *w, const char *s, size_t len)
{
    put_varint(w, len);
    put_bytes(w, s, len);
}

static void put_field_lines(writer *w, const bhttp_fields *fields)
{
    for (size_t i = 0; i < fields->count; i++) {
        put_string(w, fields->items[i].name, fields->items[i].name_len);
        put_string(w, fields->items[i].value, fields->items[i].value_len);
    }
}

/* A field section: length-prefixed, or terminated by a zero. */
static void put_section(writer *w, const bhttp_fields *fields, int known)
{
    if (known) {
        writer count = { NULL, 0, 0 };
        put_field_lines(&count, fields);
        w->too_large |= count.too_large;
        put_varint(w, count.len);
        put_field_lines(w, fields);
    } else {
        put_field_lines(w, fields);
        put_varint(w, 0);
    }
}

/* Framing indicator, informational responses, control data, header section. */
static void put_head(writer *w, const confai_http_message *msg, int known)
{
    int request = msg->kind == CONFAI_HTTP_REQUEST;
    put_varint(w, (uint64_t)(request ? 0 : 1) + (known ? 0 : 2));
    if (request) {
        const char *parts[4] = { msg->method, msg->scheme, msg->authority,
                                 msg->path };
        for (size_t i = 0; i < 4; i++) {
            const char *s = parts[i] ? parts[i] : "";
            put_string(w, s, strlen(s));
        }
    } else {
        for (size_t i = 0; i < msg->informational_count; i++) {
            put_varint(w, msg->informational[i]->status);
            put_section(w, &msg->informational[i]->headers, known);
        }
        put_varint(w, msg->status);
    }
    put_section(w, &msg->headers, known);
}

/* The content: length-prefixed, or one chunk (if any) and the terminator. */
static void put_content(writer *w, const uint8_t *data, size_t len, int known)
{
    if (known || len > 0) {
        put_varint(w, len);
        put_bytes(w, data, len);
    }
    if (!known)
        put_varint(w, 0);
}

/* Which parts an encoder writes. */
enum { PART_HEAD = 1, PART_CONTENT = 2, PART_TAIL = 4 };

static void put_message(writer *w, const confai_http_message *msg, int known,
                        int parts, size_t padding)
{
    if (parts & PART_HEAD)
        put_head(w, msg, known);
    if (parts & PART_CONTENT)
        put_content(w, msg->body, msg->body_len, known);
    else if (parts & PART_TAIL)
        put_varint(w, 0); /* the streamed content ends here */
    if (parts & PART_TAIL) {
        put_section(w, &msg->trailers, known);
        put_zeros(w, padding);
    }
}

/* Counts, allocates for the caller, writes. */
static confai_status encode(const confai_http_message *msg, uint8_t **out,
                            size_t *out_len, int known, int parts,
                            size_t padding, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *buf = NULL;
    confai_err_clear(err);
    ENSURE_ARG(out != NULL, "out");
    *out = NULL;
    ENSURE_ARG(out_len != NULL, "out_len");
    ENSURE_ARG(msg != NULL, "msg");
    ENSURE((parts & PART_HEAD) == 0 || msg->kind == CONFAI_HTTP_REQUEST ||
               msg->status >= 200,
           CONFAI_E_STATE,
           "a %u response is informational, not a message of its own",
           (unsigned)msg->status);

    writer count = { NULL, 0, 0 };
    put_message(&count, msg, known, parts, padding);
    ENSURE(!count.too_large, CONFAI_E_LIMIT,
           "message part larger than 2^62 - 1 bytes");
    /* at least one byte: confai_alloc_for_caller(0) is not NULL, but be sure */
    buf = confai_alloc_for_caller(count.len ? count.len : 1);
    ENSURE(buf != NULL, CONFAI_E_NO_MEMORY, "out of memory for %zu bytes",
           count.len);
    writer w = { buf, 0, 0 };
    put_message(&w, msg, known, parts, padding);
    *out = buf;
    *out_len = w.len;
    buf = NULL;
out:
    confai_free(buf);
    return status;
}

confai_status confai_http_message_encode(const confai_http_message *msg,
                                         uint8_t **out, size_t *out_len,
                                         confai_http_framing framing,
                                         size_t padding, confai_error *err)
{
    if (framing != CONFAI_HTTP_KNOWN_LENGTH &&
        framing != CONFAI_HTTP_INDETERMINATE_LENGTH) {
        if (out != NULL)
            *out = NULL;
        return confai_err_set(err, CONFAI_E_ARGUMENT,
                              "invalid argument: framing");
    }
    return encode(msg, out, out_len, framing == CONFAI_HTTP_KNOWN_LENGTH,
                  PART_HEAD | PART_CONTENT | PART_TAIL, padding, err);
}

confai_status confai_http_message_encode_head(const confai_http_message *msg,
                                              uint8_t **out, size_t *out_len,
                                              confai_error *err)
{
    return encode(msg, out, out_len, 0, PART_HEAD, 0, err);
}

confai_status confai_http_message_encode_tail(const confai_http_message *msg,
                                              uint8_t **out, size_t *out_len,
                                              size_t padding,
                                              confai_error *err)
{
    return encode(msg, out, out_len, 0, PART_TAIL, padding, err);
}

confai_status confai_http_chunk_encode(uint8_t *out, size_t *out_len,
                                       const uint8_t *data, size_t data_len,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(out_len != NULL, "out_len");
    ENSURE_ARG(data != NULL || data_len == 0, "data");
    if (data_len == 0) {
        *out_len = 0;
        goto out;
    }
    size_t prefix = confai_varint_size(data_len);
    ENSURE(prefix != 0 && data_len <= SIZE_MAX - prefix, CONFAI_E_LIMIT,
           "chunk larger than 2^62 - 1 bytes");
    if (out == NULL || *out_len < prefix + data_len) {
        *out_len = prefix + data_len;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "a chunk of %zu bytes needs %zu",
             data_len, prefix + data_len);
    }
    confai_varint_encode(out, prefix, data_len);
    memcpy(out + prefix, data, data_len);
    *out_len = prefix + data_len;
out:
    return status;
}
