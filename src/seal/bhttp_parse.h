/*
 * The one Binary HTTP parser, push-based: bytes go in with any split, events
 * come out as soon as a part of the message is complete. The whole-buffer
 * decoder and the streaming decoder (bhttp_decode.c) are both thin users of
 * it, so they cannot disagree about what is valid.
 *
 * Memory is bounded by the limits: control data and each field line are
 * collected (at most max_section_size bytes); content is never kept but
 * handed to the sink piece by piece.
 */
#ifndef CONFAI_SEAL_BHTTP_PARSE_H
#define CONFAI_SEAL_BHTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "seal/bhttp.h"
#include "seal/varint.h"

/*
 * Receives the parser's events (as confai_http_callback, with msg writable
 * for the whole-buffer decoder, which appends content to it). A status other
 * than CONFAI_OK stops the parser with that status; the sink sets its message.
 */
typedef confai_status (*bhttp_sink)(void *ctx, confai_http_event event,
                                    confai_http_message *msg,
                                    const uint8_t *data, size_t len,
                                    confai_error *err);

typedef struct bhttp_parser {
    int state;
    int section;   /* which field section is being read */
    int known;     /* known-length framing */
    confai_http_kind expect;
    confai_http_limits limits;
    bhttp_sink sink;
    void *sink_ctx;

    confai_http_message *msg;  /* the message so far (owned until taken) */
    confai_http_message *info; /* the informational response being read */

    /* the integer being collected */
    uint8_t vbuf[CONFAI_VARINT_MAX_SIZE];
    size_t vhave, vneed;

    /* the string being collected (control data, field name or value) */
    char *sbuf;
    size_t swant, shave;
    int control_index; /* 0..3: method, scheme, authority, path */

    /* a field name waiting for its value */
    char *name;
    size_t name_len;
    int name_pseudo;

    /* the current block: the control data or one field section */
    int bounded;         /* inside a known-length section: block_left applies */
    uint64_t block_left; /* bytes left in the known-length section */
    uint64_t block_used; /* bytes counted against max_section_size */
    size_t block_lines;  /* field lines so far */

    uint64_t content_left; /* bytes left of the content or the chunk */
    int chunk_seen;        /* indeterminate: a chunk was read, content begun */
    size_t padding;        /* zero bytes after the message */

    confai_error failure; /* the first error, repeated by every later call */
} bhttp_parser;

/* Prepares a parser; limits must be checked already (bhttp_limits_copy). */
void bhttp_parser_init(bhttp_parser *p, confai_http_kind expect,
                       const confai_http_limits *limits, bhttp_sink sink,
                       void *sink_ctx);

/* Parses the next bytes. After a failure, returns that failure again. */
confai_status bhttp_parser_feed(bhttp_parser *p, const uint8_t *data,
                                size_t len, confai_error *err);

/*
 * The input has ended: completes a message whose content and trailers were
 * omitted (RFC 9292 section 3.8) or fails with CONFAI_E_TRUNCATED.
 */
confai_status bhttp_parser_finish(bhttp_parser *p, confai_error *err);

/* The message after a successful finish; the caller owns it then. */
confai_http_message *bhttp_parser_take(bhttp_parser *p);

/* Releases and wipes everything the parser holds. */
void bhttp_parser_cleanup(bhttp_parser *p);

#endif /* CONFAI_SEAL_BHTTP_PARSE_H */
