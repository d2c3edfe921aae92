/*
 * libconfai: Binary HTTP (RFC 9292): building, reading, encoding and decoding messages.
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 * The conventions every function follows are in confai/common.h.
 */
#ifndef CONFAI_BHTTP_H
#define CONFAI_BHTTP_H

#include <stddef.h>
#include <stdint.h>

#include <confai/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Binary HTTP (RFC 9292)                                                   */
/* ------------------------------------------------------------------------ */

/*
 * The plaintext inside every sealed request and response is a Binary HTTP
 * message: the method and target or the status, the header fields, the
 * content and the trailer fields of the inner HTTP call. A
 * confai_http_message holds one request or response. Build one with
 * confai_http_message_new_request/_new_response and the setters, or get one
 * from confai_http_message_decode; encode it with confai_http_message_encode.
 * A response whose content arrives in pieces (a streamed answer) is decoded
 * with a confai_http_decoder; one produced in pieces is encoded with
 * _encode_head, confai_http_chunk_encode and _encode_tail.
 *
 * Field names are lowercase (the setters lowercase ASCII letters; decoding
 * rejects uppercase, as RFC 9292 requires). Names, values and control data
 * never contain a zero byte, so they come back as NUL-terminated strings.
 * Content and field values are wiped when a message is freed.
 *
 * Threads: a message nobody changes any more may be read from several threads
 * at once; the setters need exclusive access. A decoder needs exclusive
 * access, including while its callback runs.
 */

/* A request or a response: opaque, released with confai_http_message_free. */
typedef struct confai_http_message confai_http_message;

/* Request or response; CONFAI_HTTP_ANY lets a decoder accept either. */
typedef enum confai_http_kind {
    CONFAI_HTTP_ANY = 0,
    CONFAI_HTTP_REQUEST = 1,
    CONFAI_HTTP_RESPONSE = 2,
} confai_http_kind;

/* The two encodings of RFC 9292 section 3. */
typedef enum confai_http_framing {
    CONFAI_HTTP_KNOWN_LENGTH = 0,
    CONFAI_HTTP_INDETERMINATE_LENGTH = 1,
} confai_http_framing;

/* The two field sections of a message. */
typedef enum confai_http_section {
    CONFAI_HTTP_HEADERS = 0,
    CONFAI_HTTP_TRAILERS = 1,
} confai_http_section;

#define CONFAI_HTTP_LIMITS_VERSION 1

/*
 * Decoding limits, against messages made to exhaust memory. Fill with
 * confai_http_limits_init, then change single values. Exceeding one fails with
 * CONFAI_E_LIMIT. A limit of 0 means 0, never "unlimited". Content is not
 * limited: a whole-buffer decode is bounded by its input, and a decoder hands
 * content on without keeping it.
 */
typedef struct confai_http_limits {
    uint32_t version;           /* CONFAI_HTTP_LIMITS_VERSION */
    uint32_t max_section_size;  /* bytes of the request control data and of
                                   the field lines of each field section
                                   (default 65536) */
    uint32_t max_field_lines;   /* field lines per section (default 256) */
    uint32_t max_informational; /* informational responses (default 16) */
} confai_http_limits;

/* CONFAI_HTTP_LIMITS_VERSION as a function. */
CONFAI_API uint32_t confai_http_limits_version(void);

/*
 * Sets every limit to its default. version is the CONFAI_HTTP_LIMITS_VERSION
 * the caller was compiled with, which tells the layout of *limits.
 * Errors: CONFAI_E_ARGUMENT (NULL limits, unknown version).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_limits_init(confai_http_limits *limits, uint32_t version,
                        confai_error *err);

/* --- Building ------------------------------------------------------------ */

/*
 * Creates a request without fields or content. method is a non-empty token
 * ("POST"); scheme is empty or a URI scheme ("https"); authority and path are
 * visible ASCII without spaces ("api.example.com", "/v1/chat/completions").
 * NULL means empty for scheme, authority and path. All are copied.
 * On failure *msg is NULL. Errors: CONFAI_E_ARGUMENT naming the bad part,
 * CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_new_request(confai_http_message **msg, const char *method,
                                const char *scheme, const char *authority,
                                const char *path, confai_error *err);

/*
 * Creates a response with a status from 100 to 599, without fields or
 * content. A 1xx response is only useful as an informational response (see
 * confai_http_message_add_informational); encoding one on its own fails.
 * On failure *msg is NULL. Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_new_response(confai_http_message **msg, uint16_t status,
                                 confai_error *err);

/* Releases a message and wipes its fields and content. NULL is a no-op. */
CONFAI_API void confai_http_message_free(confai_http_message *msg);

/*
 * Appends a field line (copies of name and value) to the header or trailer
 * section. Repeated names stay separate lines, in order. name: one or more
 * token characters (RFC 9110 section 5.6.2); ASCII uppercase is lowercased.
 * A pseudo-field (":protocol") is accepted in the header section before any
 * other field, except the five that control data replaces (":method",
 * ":scheme", ":authority", ":path", ":status"). value: no NUL, CR or LF and no
 * space or tab at either end (RFC 9113 section 8.2.1).
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY; on failure msg is unchanged.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_add_field(confai_http_message *msg,
                              confai_http_section section, const char *name,
                              const char *value, confai_error *err);

/*
 * Replaces the content with a copy of (body, body_len); body_len 0 empties it.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY; on failure msg is unchanged.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_set_body(confai_http_message *msg, const uint8_t *body,
                             size_t body_len, confai_error *err);

/*
 * Appends a copy of info, a 1xx response with header fields only, as the next
 * informational response of the response msg.
 * Errors: CONFAI_E_ARGUMENT (msg not a response; info not 1xx or with content
 * or trailers), CONFAI_E_NO_MEMORY; on failure msg is unchanged.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_add_informational(confai_http_message *msg,
                                      const confai_http_message *info,
                                      confai_error *err);

/* --- Reading ------------------------------------------------------------- */
/* Strings and pointers returned here belong to msg and live as long as it. */

/* CONFAI_HTTP_REQUEST or CONFAI_HTTP_RESPONSE. */
CONFAI_API confai_http_kind
confai_http_message_kind(const confai_http_message *msg);

/* Request control data, NUL-terminated ("" when empty); NULL for responses. */
CONFAI_API const char *confai_http_message_method(const confai_http_message *msg);
CONFAI_API const char *confai_http_message_scheme(const confai_http_message *msg);
CONFAI_API const char *
confai_http_message_authority(const confai_http_message *msg);
CONFAI_API const char *confai_http_message_path(const confai_http_message *msg);

/* The status code of a response; 0 for a request. */
CONFAI_API uint16_t confai_http_message_status(const confai_http_message *msg);

/* The number of field lines in a section. */
CONFAI_API size_t confai_http_message_field_count(const confai_http_message *msg,
                                                  confai_http_section section);

/*
 * The name and value of field line index (0-based, in message order) of a
 * section. Errors: CONFAI_E_ARGUMENT (index out of range, NULL outputs).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_field(const confai_http_message *msg, const char **name,
                          const char **value, confai_http_section section,
                          size_t index, confai_error *err);

/*
 * The value of the first field line called name in a section, compared
 * without regard to ASCII case; NULL when there is none. Use the index
 * functions above for fields that repeat.
 */
CONFAI_API const char *
confai_http_message_field_value(const confai_http_message *msg,
                                confai_http_section section, const char *name);

/* The content; *body_len gets its length. May be NULL when it is empty. */
CONFAI_API const uint8_t *confai_http_message_body(const confai_http_message *msg,
                                                   size_t *body_len);

/* The informational (1xx) responses before a final response, in order. */
CONFAI_API size_t
confai_http_message_informational_count(const confai_http_message *msg);

/* Informational response index as a response message; NULL if out of range. */
CONFAI_API const confai_http_message *
confai_http_message_informational(const confai_http_message *msg, size_t index);

/* --- The inner request of an application's call -------------------------- */

/*
 * The one rule for what an application's outer HTTP request becomes when it
 * is sealed; every binding and confai-proxy use it, so one OpenAI call seals
 * the same bytes from every language. The inner request (*msg, release with
 * confai_http_message_free) has scheme "https", an empty authority (the
 * service's own server is addressed by path), method and path (with query)
 * as given and the body as given. Of the header fields (field_names[i],
 * field_values[i], i < field_count), only these go in, names lowercased and
 * in this order: accept, authorization, content-type, openai-beta,
 * openai-organization, openai-project; repeats of one name keep their input
 * order. Every other field (user-agent, x-stainless-*, connection and
 * transfer fields, ...) stays outside. *streamed is 1 when the method is POST
 * and the body is a JSON object with one member "stream" that is true: send
 * it with confai_client_stream_open; otherwise 0 (confai_client_fetch).
 * On failure *msg is NULL and *streamed 0. Errors: CONFAI_E_ARGUMENT (NULL
 * argument, method not a token, path not starting with '/' or not visible
 * ASCII, an allowlisted field's value with CR, LF, NUL or surrounding
 * whitespace), CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_request_shape(confai_http_message **msg, int *streamed,
                          const char *method, const char *path,
                          const char *const *field_names,
                          const char *const *field_values, size_t field_count,
                          const uint8_t *body, size_t body_len,
                          confai_error *err);

/* --- Encoding ------------------------------------------------------------ */

/*
 * Encodes a whole message with minimal integers, then padding zero bytes.
 * The known-length encoding writes every length, omitting nothing. *out
 * (release with confai_free) receives the bytes, *out_len their number.
 * Decoding and encoding again with the same framing and padding gives the
 * same bytes, unless the input used non-minimal integers, omitted an empty
 * content or trailer section, or split its content into several chunks (one
 * chunk is written).
 * Errors: CONFAI_E_STATE (a 1xx response as the message itself),
 * CONFAI_E_ARGUMENT, CONFAI_E_LIMIT (a part over 2^62 - 1 bytes),
 * CONFAI_E_NO_MEMORY. On failure *out is NULL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_encode(const confai_http_message *msg, uint8_t **out,
                           size_t *out_len, confai_http_framing framing,
                           size_t padding, confai_error *err);

/*
 * Streaming encoding (indeterminate length) for content produced in pieces:
 * confai_http_message_encode_head once, confai_http_chunk_encode per piece,
 * confai_http_message_encode_tail once. The concatenation is a valid message
 * and, for a single piece, equals confai_http_message_encode of the message
 * with that content.
 *
 * encode_head writes the framing indicator, the informational responses, the
 * control data and the header section; the content and trailers of msg are
 * not used. *out is released with confai_free. Errors: as
 * confai_http_message_encode.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_encode_head(const confai_http_message *msg, uint8_t **out,
                                size_t *out_len, confai_error *err);

/*
 * Writes one content piece, its length then a copy of (data, data_len), to
 * the caller's buffer (out, *out_len): data_len plus at most 8 bytes. An
 * empty piece writes nothing and sets *out_len to 0, as a zero length would
 * end the content. Errors: CONFAI_E_BUFFER_TOO_SMALL (*out_len set to the
 * size needed; out may be NULL to ask), CONFAI_E_ARGUMENT, CONFAI_E_LIMIT.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_chunk_encode(uint8_t *out, size_t *out_len, const uint8_t *data,
                         size_t data_len, confai_error *err);

/*
 * Writes the end of the content, the trailer section of msg and padding zero
 * bytes; the other parts of msg are not used. *out is released with
 * confai_free. Errors: as confai_http_message_encode.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_encode_tail(const confai_http_message *msg, uint8_t **out,
                                size_t *out_len, size_t padding,
                                confai_error *err);

/* --- Decoding ------------------------------------------------------------ */

/*
 * Decodes one whole message from (data, len), in either framing. expect
 * restricts the kind (CONFAI_HTTP_ANY accepts both); limits may be NULL for
 * the defaults. Content and trailers that RFC 9292 section 3.8 allows to be
 * omitted read as empty; zero bytes after the message are padding. On failure
 * *msg is NULL.
 * Errors: CONFAI_E_TRUNCATED (the input ends inside the message, also when a
 * length points past it), CONFAI_E_MALFORMED (framing indicator, status,
 * control data, field name or value invalid, a field line overrunning its
 * section, a kind other than expect), CONFAI_E_TRAILING_DATA (a non-zero byte
 * after the message), CONFAI_E_LIMIT, CONFAI_E_NO_MEMORY,
 * CONFAI_E_ARGUMENT.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_decode(confai_http_message **msg, const uint8_t *data,
                           size_t len, confai_http_kind expect,
                           const confai_http_limits *limits, confai_error *err);

/* --- Streaming decoder --------------------------------------------------- */

/*
 * A push decoder for a message that arrives in pieces, typically the streamed
 * response whose content is a server-sent-events stream: feed it bytes in any
 * split; it calls back for each part as soon as that part is complete and
 * hands on content without keeping it. It accepts and rejects exactly what
 * confai_http_message_decode does.
 */
typedef struct confai_http_decoder confai_http_decoder;

/* What a decoder reports, in this order (INFORMATIONAL and CONTENT repeat). */
typedef enum confai_http_event {
    CONFAI_HTTP_EVENT_INFORMATIONAL = 1, /* message: one 1xx response */
    CONFAI_HTTP_EVENT_HEAD = 2,          /* message: control data, headers */
    CONFAI_HTTP_EVENT_CONTENT = 3,       /* data: the next content piece */
    CONFAI_HTTP_EVENT_END = 4,           /* message: complete, with trailers */
} confai_http_event;

/*
 * Receives the events of a decoder. message is set for INFORMATIONAL, HEAD
 * and END (NULL for CONTENT): owned by the decoder, readable with the getters
 * until the decoder is freed, without content (the decoder keeps none).
 * (data, data_len) is set for CONTENT only, never empty, and valid during the
 * call only. Return CONFAI_OK to go on; any other status stops the decoder,
 * and the feed or finish that called returns it. The callback must not call
 * the decoder.
 */
typedef confai_status (*confai_http_callback)(void *user,
                                              confai_http_event event,
                                              const confai_http_message *message,
                                              const uint8_t *data,
                                              size_t data_len);

/*
 * Creates a decoder. expect and limits as for confai_http_message_decode
 * (limits may be NULL, they are copied); callback (may be NULL to only
 * validate) gets user as its first argument. On failure *decoder is NULL.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_decoder_new(confai_http_decoder **decoder, confai_http_kind expect,
                        const confai_http_limits *limits,
                        confai_http_callback callback, void *user,
                        confai_error *err);

/* Releases a decoder and wipes what it holds. NULL is a no-op. */
CONFAI_API void confai_http_decoder_free(confai_http_decoder *decoder);

/*
 * Decodes the next len bytes; events fire from inside this call. After the
 * message, only zero bytes (padding) are accepted. Once a call failed, every
 * later call returns the same status.
 * Errors: those of confai_http_message_decode except CONFAI_E_TRUNCATED;
 * CONFAI_E_STATE (after finish, or called from the callback); the status a
 * callback returned.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_decoder_feed(confai_http_decoder *decoder, const uint8_t *data,
                         size_t len, confai_error *err);

/*
 * Declares the end of the input. When the message stopped where RFC 9292
 * allows (content and trailers omitted), the END event fires now.
 * Errors: CONFAI_E_TRUNCATED (the message is incomplete), CONFAI_E_STATE
 * (called twice, or from the callback), an earlier failure, the status a
 * callback returned.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_decoder_finish(confai_http_decoder *decoder, confai_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_BHTTP_H */
