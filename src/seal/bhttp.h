/*
 * Binary HTTP (RFC 9292), the parts shared by the message, encoder and parser
 * files: the layout of confai_http_message and the rules for control data and
 * field lines.
 *
 * Every string in a message is a NUL-terminated copy in memory of its own,
 * allocated with confai_zalloc and wiped on release (field values carry
 * bearer tokens, content carries prompts).
 */
#ifndef CONFAI_SEAL_BHTTP_H
#define CONFAI_SEAL_BHTTP_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

/* One field line; name and value are NUL-terminated, lengths exclude it. */
typedef struct bhttp_field {
    char *name;
    size_t name_len;
    char *value;
    size_t value_len;
} bhttp_field;

/* A field section, in message order. */
typedef struct bhttp_fields {
    bhttp_field *items;
    size_t count;
    size_t cap;
    int has_regular; /* a non-pseudo field was added: no pseudo-field after it */
} bhttp_fields;

struct confai_http_message {
    confai_http_kind kind;
    /* requests: the control data, never NULL ("" when empty) */
    char *method, *scheme, *authority, *path;
    /* responses: the status code */
    uint16_t status;
    bhttp_fields headers;
    bhttp_fields trailers;
    uint8_t *body;
    size_t body_len, body_cap;
    /* responses: informational responses, each a 1xx response message */
    confai_http_message **informational;
    size_t informational_count, informational_cap;
};

/* Default limits (documented in confai.h). */
#define BHTTP_DEFAULT_MAX_SECTION_SIZE 65536
#define BHTTP_DEFAULT_MAX_FIELD_LINES 256
#define BHTTP_DEFAULT_MAX_INFORMATIONAL 16

/* --- Rules (bhttp_rules.c) ------------------------------------------------ */
/*
 * Each returns NULL when the bytes are acceptable, else a short reason for an
 * error message. Lengths are explicit: the bytes may come from the wire.
 */

/* A method: one or more token characters (RFC 9110 section 9.1). */
const char *bhttp_method_problem(const uint8_t *s, size_t len);

/* A scheme: empty, or ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
const char *bhttp_scheme_problem(const uint8_t *s, size_t len);

/* Authority and path: visible ASCII (0x21-0x7e) only, possibly empty. */
const char *bhttp_target_problem(const uint8_t *s, size_t len);

/*
 * A field name for a section, given the fields already in it: lowercase
 * token characters, or a pseudo-field (":" then lowercase token characters)
 * in a header section before any regular field and none of the five names
 * that control data replaces. *is_pseudo tells which it was.
 */
const char *bhttp_name_problem(const uint8_t *s, size_t len,
                               const bhttp_fields *fields, int trailers,
                               int *is_pseudo);

/* A field value: no NUL, CR or LF; no space or tab at either end. */
const char *bhttp_value_problem(const uint8_t *s, size_t len);

/* --- Messages (bhttp_message.c) -------------------------------------------- */

/* A fresh empty message of a kind (request strings are set to ""). */
confai_http_message *bhttp_message_alloc(confai_http_kind kind);

/* A NUL-terminated copy of (s, len) in wiped-on-free memory; NULL on failure. */
char *bhttp_strdup(const uint8_t *s, size_t len);

/* Releases a string from bhttp_strdup after wiping it. NULL is a no-op. */
void bhttp_str_free(char *s, size_t len);

/*
 * Appends a field whose name and value (from bhttp_strdup) the section takes
 * over on success; on failure the caller still owns them.
 */
confai_status bhttp_fields_append(bhttp_fields *fields, char *name,
                                  size_t name_len, char *value,
                                  size_t value_len, int is_pseudo,
                                  confai_error *err);

/* The field section of a message; NULL for an unknown section. */
bhttp_fields *bhttp_section_of(confai_http_message *msg,
                               confai_http_section section);

/* Appends bytes to the content, growing it (old copies are wiped). */
confai_status bhttp_body_append(confai_http_message *msg, const uint8_t *data,
                                size_t len, confai_error *err);

/* Appends a 1xx response the message takes over on success. */
confai_status bhttp_informational_append(confai_http_message *msg,
                                         confai_http_message *info,
                                         confai_error *err);

/* Copies the limits after checking their version; NULL gives the defaults. */
confai_status bhttp_limits_copy(confai_http_limits *out,
                                const confai_http_limits *in,
                                confai_error *err);

#endif /* CONFAI_SEAL_BHTTP_H */
