/*
 * The Binary HTTP parser (RFC 9292 section 3) as a state machine over bytes.
 *
 * A message is a sequence of integers, strings and content. The state says
 * what comes next; an integer or string that arrives split is collected in
 * the parser (vbuf, sbuf) until complete, then on_integer/on_string decide
 * the next state. Transitions that need no byte (an empty section, a zero
 * content length) happen at once, so events fire as early as possible and
 * finish sees exactly where the input stopped.
 */
#include "seal/bhttp_parse.h"

#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"

enum state {
    ST_FRAMING,     /* framing indicator */
    ST_CONTROL_LEN, /* length of request control string control_index */
    ST_CONTROL,     /* its bytes */
    ST_STATUS,      /* a response status code, informational or final */
    ST_SECTION_LEN, /* known-length: length of a field section */
    ST_NAME_LEN,    /* field name length; indeterminate: 0 ends the section */
    ST_NAME,
    ST_VALUE_LEN,
    ST_VALUE,
    ST_CONTENT_LEN, /* known: content length; indeterminate: chunk length */
    ST_CONTENT,
    ST_PADDING,     /* the message is complete; only zero bytes may follow */
    ST_FINISHED,    /* finish succeeded */
    ST_FAILED,
};

enum section { SEC_INFORMATIONAL, SEC_HEADERS, SEC_TRAILERS };

static const char *const section_names[] = { "informational response",
                                             "header section",
                                             "trailer section" };

void bhttp_parser_init(bhttp_parser *p, confai_http_kind expect,
                       const confai_http_limits *limits, bhttp_sink sink,
                       void *sink_ctx)
{
    memset(p, 0, sizeof(*p));
    p->state = ST_FRAMING;
    p->expect = expect;
    p->limits = *limits;
    p->sink = sink;
    p->sink_ctx = sink_ctx;
}

void bhttp_parser_cleanup(bhttp_parser *p)
{
    confai_http_message_free(p->msg);
    confai_http_message_free(p->info);
    if (p->sbuf != NULL)
        bhttp_str_free(p->sbuf, p->swant);
    if (p->name != NULL)
        bhttp_str_free(p->name, p->name_len);
    confai_wipe(p, sizeof(*p));
}

confai_http_message *bhttp_parser_take(bhttp_parser *p)
{
    confai_http_message *msg = p->state == ST_FINISHED ? p->msg : NULL;
    if (msg != NULL)
        p->msg = NULL;
    return msg;
}

static confai_status emit(bhttp_parser *p, confai_http_event event,
                          confai_http_message *msg, const uint8_t *data,
                          size_t len, confai_error *err)
{
    if (p->sink == NULL)
        return CONFAI_OK;
    return p->sink(p->sink_ctx, event, msg, data, len, err);
}

/* --- Blocks: control data and field sections -------------------------------- */

static bhttp_fields *current_fields(bhttp_parser *p)
{
    switch (p->section) {
    case SEC_INFORMATIONAL:
        return &p->info->headers;
    case SEC_HEADERS:
        return &p->msg->headers;
    default:
        return &p->msg->trailers;
    }
}

static void begin_block(bhttp_parser *p)
{
    p->bounded = 0;
    p->block_left = 0;
    p->block_used = 0;
    p->block_lines = 0;
}

/* Counts n more bytes of the current block against max_section_size. */
static confai_status block_add(bhttp_parser *p, uint64_t n, confai_error *err)
{
    confai_status status = CONFAI_OK;
    /* block_used never exceeds the limit, so the subtraction is safe */
    ENSURE(n <= p->limits.max_section_size - p->block_used, CONFAI_E_LIMIT,
           "%s larger than the limit of %" PRIu32 " bytes",
           p->state <= ST_CONTROL ? "request control data"
                                  : section_names[p->section],
           p->limits.max_section_size);
    p->block_used += n;
out:
    return status;
}

/* A string that is checked only once complete must not overrun its section. */
static confai_status check_fits(bhttp_parser *p, uint64_t n, confai_error *err)
{
    if (p->bounded && n > p->block_left)
        return confai_err_set(err, CONFAI_E_MALFORMED,
                              "field line overruns its %s",
                              section_names[p->section]);
    return CONFAI_OK;
}

static void begin_section(bhttp_parser *p, int section)
{
    begin_block(p);
    p->section = section;
    p->state = p->known ? ST_SECTION_LEN : ST_NAME_LEN;
}

/* Collect a string of n bytes, then continue in state next. */
static confai_status begin_string(bhttp_parser *p, uint64_t n, int next,
                                  confai_error *err);

/* The section is complete: report it and move on. */
static confai_status end_section(bhttp_parser *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_http_message *info = p->info;
    p->bounded = 0;
    switch (p->section) {
    case SEC_INFORMATIONAL:
        GUARD(bhttp_informational_append(p->msg, info, err));
        p->info = NULL;
        p->state = ST_STATUS;
        GUARD(emit(p, CONFAI_HTTP_EVENT_INFORMATIONAL, info, NULL, 0, err));
        break;
    case SEC_HEADERS:
        p->state = ST_CONTENT_LEN;
        p->chunk_seen = 0;
        GUARD(emit(p, CONFAI_HTTP_EVENT_HEAD, p->msg, NULL, 0, err));
        break;
    default:
        p->state = ST_PADDING;
        GUARD(emit(p, CONFAI_HTTP_EVENT_END, p->msg, NULL, 0, err));
        break;
    }
out:
    return status;
}

/* --- Complete integers ------------------------------------------------------ */

static confai_status on_framing(bhttp_parser *p, uint64_t v, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(v <= 3, CONFAI_E_MALFORMED, "unknown framing indicator %" PRIu64,
           v);
    confai_http_kind kind = v % 2 == 0 ? CONFAI_HTTP_REQUEST
                                       : CONFAI_HTTP_RESPONSE;
    ENSURE(p->expect == CONFAI_HTTP_ANY || p->expect == kind,
           CONFAI_E_MALFORMED, "expected a %s, found a %s",
           p->expect == CONFAI_HTTP_REQUEST ? "request" : "response",
           kind == CONFAI_HTTP_REQUEST ? "request" : "response");
    p->known = v < 2;
    p->msg = bhttp_message_alloc(kind);
    ENSURE(p->msg != NULL, CONFAI_E_NO_MEMORY, "out of memory");
    if (kind == CONFAI_HTTP_REQUEST) {
        begin_block(p);
        p->control_index = 0;
        p->state = ST_CONTROL_LEN;
    } else {
        p->state = ST_STATUS;
    }
out:
    return status;
}

static confai_status on_status(bhttp_parser *p, uint64_t v, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (v >= 100 && v <= 199) {
        ENSURE(p->msg->informational_count < p->limits.max_informational,
               CONFAI_E_LIMIT,
               "more informational responses than the limit of %" PRIu32,
               p->limits.max_informational);
        p->info = bhttp_message_alloc(CONFAI_HTTP_RESPONSE);
        ENSURE(p->info != NULL, CONFAI_E_NO_MEMORY, "out of memory");
        p->info->status = (uint16_t)v;
        begin_section(p, SEC_INFORMATIONAL);
    } else {
        ENSURE(v >= 200 && v <= 599, CONFAI_E_MALFORMED,
               "invalid status code %" PRIu64, v);
        p->msg->status = (uint16_t)v;
        begin_section(p, SEC_HEADERS);
    }
out:
    return status;
}

static confai_status on_section_len(bhttp_parser *p, uint64_t v,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(v <= p->limits.max_section_size, CONFAI_E_LIMIT,
           "%s of %" PRIu64 " bytes is larger than the limit of %" PRIu32,
           section_names[p->section], v, p->limits.max_section_size);
    if (v == 0)
        return end_section(p, err);
    p->bounded = 1;
    p->block_left = v;
    p->state = ST_NAME_LEN;
out:
    return status;
}

static confai_status on_name_len(bhttp_parser *p, uint64_t v, size_t vlen,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (!p->known && v == 0)
        return end_section(p, err); /* the section's terminator */
    ENSURE(v > 0, CONFAI_E_MALFORMED, "empty field name in the %s",
           section_names[p->section]);
    ENSURE(p->block_lines < p->limits.max_field_lines, CONFAI_E_LIMIT,
           "%s has more field lines than the limit of %" PRIu32,
           section_names[p->section], p->limits.max_field_lines);
    p->block_lines++;
    GUARD(check_fits(p, v, err));
    GUARD(block_add(p, vlen + v, err));
    GUARD(begin_string(p, v, ST_NAME, err));
out:
    return status;
}

static confai_status on_value_len(bhttp_parser *p, uint64_t v, size_t vlen,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    GUARD(check_fits(p, v, err));
    GUARD(block_add(p, vlen + v, err));
    GUARD(begin_string(p, v, ST_VALUE, err));
out:
    return status;
}

static confai_status on_content_len(bhttp_parser *p, uint64_t v)
{
    /* known: a zero length is empty content; indeterminate: the terminator */
    if (v == 0) {
        begin_section(p, SEC_TRAILERS);
    } else {
        p->content_left = v;
        p->chunk_seen = 1;
        p->state = ST_CONTENT;
    }
    return CONFAI_OK;
}

static confai_status on_integer(bhttp_parser *p, uint64_t v, size_t vlen,
                                confai_error *err)
{
    switch (p->state) {
    case ST_FRAMING:
        return on_framing(p, v, err);
    case ST_CONTROL_LEN: {
        confai_status status = block_add(p, vlen + v, err);
        return status ? status : begin_string(p, v, ST_CONTROL, err);
    }
    case ST_STATUS:
        return on_status(p, v, err);
    case ST_SECTION_LEN:
        return on_section_len(p, v, err);
    case ST_NAME_LEN:
        return on_name_len(p, v, vlen, err);
    case ST_VALUE_LEN:
        return on_value_len(p, v, vlen, err);
    default:
        return on_content_len(p, v);
    }
}

/* --- Complete strings ------------------------------------------------------- */

/* Takes the collected string out of the parser. */
static char *take_string(bhttp_parser *p, size_t *len)
{
    char *s = p->sbuf;
    *len = p->swant;
    p->sbuf = NULL;
    p->swant = p->shave = 0;
    return s;
}

static confai_status on_control(bhttp_parser *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t len;
    char *s = take_string(p, &len);
    const uint8_t *u = (const uint8_t *)s;
    const char *problem = p->control_index == 0 ? bhttp_method_problem(u, len)
                          : p->control_index == 1
                              ? bhttp_scheme_problem(u, len)
                              : bhttp_target_problem(u, len);
    ENSURE(problem == NULL, CONFAI_E_MALFORMED,
           "invalid request control data: %s", problem);
    char **slots[4] = { &p->msg->method, &p->msg->scheme, &p->msg->authority,
                        &p->msg->path };
    *slots[p->control_index] = s;
    s = NULL;
    if (++p->control_index == 4)
        begin_section(p, SEC_HEADERS);
    else
        p->state = ST_CONTROL_LEN;
out:
    if (s != NULL)
        bhttp_str_free(s, len);
    return status;
}

static confai_status on_name(bhttp_parser *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    p->name = take_string(p, &p->name_len);
    const char *problem = bhttp_name_problem(
        (const uint8_t *)p->name, p->name_len, current_fields(p),
        p->section == SEC_TRAILERS, &p->name_pseudo);
    ENSURE(problem == NULL, CONFAI_E_MALFORMED, "invalid field name: %s",
           problem);
    /* a known-length section cannot end between a name and its value */
    ENSURE(!p->bounded || p->block_left > 0, CONFAI_E_MALFORMED,
           "field line overruns its %s", section_names[p->section]);
    p->state = ST_VALUE_LEN;
out:
    return status;
}

static confai_status on_value(bhttp_parser *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t len;
    char *value = take_string(p, &len);
    const char *problem = bhttp_value_problem((const uint8_t *)value, len);
    ENSURE(problem == NULL, CONFAI_E_MALFORMED,
           "invalid value of field \"%.64s\": %s", p->name, problem);
    GUARD(bhttp_fields_append(current_fields(p), p->name, p->name_len, value,
                              len, p->name_pseudo, err));
    p->name = NULL;
    value = NULL;
    if (p->bounded && p->block_left == 0)
        GUARD(end_section(p, err));
    else
        p->state = ST_NAME_LEN;
out:
    if (value != NULL)
        bhttp_str_free(value, len);
    return status;
}

static confai_status on_string(bhttp_parser *p, confai_error *err)
{
    switch (p->state) {
    case ST_CONTROL:
        return on_control(p, err);
    case ST_NAME:
        return on_name(p, err);
    default:
        return on_value(p, err);
    }
}

static confai_status begin_string(bhttp_parser *p, uint64_t n, int next,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    /* the limits keep n small; this guards a 32-bit size_t */
    ENSURE(n < SIZE_MAX, CONFAI_E_LIMIT, "string of %" PRIu64 " bytes", n);
    p->sbuf = confai_zalloc((size_t)n + 1); /* zeroed: NUL-terminated */
    ENSURE(p->sbuf != NULL, CONFAI_E_NO_MEMORY,
           "out of memory for %" PRIu64 " bytes", n);
    p->swant = (size_t)n;
    p->shave = 0;
    p->state = next;
    if (n == 0)
        GUARD(on_string(p, err));
out:
    return status;
}

/* --- Steps: each consumes at least one byte ---------------------------------- */

static confai_status step_integer(bhttp_parser *p, const uint8_t *in,
                                  size_t len, size_t *used, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (p->vhave == 0) {
        p->vneed = confai_varint_size_of_first(in[0]);
        GUARD(check_fits(p, p->vneed, err));
    }
    size_t n = p->vneed - p->vhave < len ? p->vneed - p->vhave : len;
    memcpy(p->vbuf + p->vhave, in, n);
    p->vhave += n;
    *used = n;
    if (p->bounded)
        p->block_left -= n;
    if (p->vhave < p->vneed)
        goto out;

    uint64_t v;
    size_t vlen;
    p->vhave = 0;
    GUARD(confai_varint_decode(&v, &vlen, p->vbuf, p->vneed));
    GUARD(on_integer(p, v, vlen, err));
out:
    return status;
}

static confai_status step_string(bhttp_parser *p, const uint8_t *in,
                                 size_t len, size_t *used, confai_error *err)
{
    size_t n = p->swant - p->shave < len ? p->swant - p->shave : len;
    memcpy(p->sbuf + p->shave, in, n);
    p->shave += n;
    *used = n;
    if (p->bounded)
        p->block_left -= n; /* the string was checked to fit */
    return p->shave == p->swant ? on_string(p, err) : CONFAI_OK;
}

static confai_status step_content(bhttp_parser *p, const uint8_t *in,
                                  size_t len, size_t *used, confai_error *err)
{
    size_t n = p->content_left < len ? (size_t)p->content_left : len;
    p->content_left -= n;
    *used = n;
    if (p->content_left == 0) {
        if (p->known)
            begin_section(p, SEC_TRAILERS);
        else
            p->state = ST_CONTENT_LEN;
    }
    return emit(p, CONFAI_HTTP_EVENT_CONTENT, NULL, in, n, err);
}

static confai_status step_padding(bhttp_parser *p, const uint8_t *in,
                                  size_t len, size_t *used, confai_error *err)
{
    for (size_t i = 0; i < len; i++)
        if (in[i] != 0)
            return confai_err_set(err, CONFAI_E_TRAILING_DATA,
                                  "non-zero byte 0x%02x %zu bytes after the "
                                  "end of the message",
                                  in[i], p->padding + i);
    p->padding = len <= SIZE_MAX - p->padding ? p->padding + len : SIZE_MAX;
    *used = len;
    return CONFAI_OK;
}

static confai_status step(bhttp_parser *p, const uint8_t *in, size_t len,
                          size_t *used, confai_error *err)
{
    switch (p->state) {
    case ST_CONTROL:
    case ST_NAME:
    case ST_VALUE:
        return step_string(p, in, len, used, err);
    case ST_CONTENT:
        return step_content(p, in, len, used, err);
    case ST_PADDING:
        return step_padding(p, in, len, used, err);
    default:
        return step_integer(p, in, len, used, err);
    }
}

/* --- Entry points ------------------------------------------------------------ */

/* Makes a failure sticky, keeping its message for later calls. */
static confai_status fail(bhttp_parser *p, confai_status status,
                          const confai_error *detail)
{
    p->state = ST_FAILED;
    p->failure.status = status;
    memcpy(p->failure.message, detail->message, sizeof(p->failure.message));
    return status;
}

/* Answers a call on a failed or finished parser; CONFAI_OK otherwise. */
static confai_status refuse(const bhttp_parser *p, confai_error *err)
{
    if (p->state == ST_FAILED)
        return confai_err_set(err, p->failure.status, "%s",
                              p->failure.message);
    if (p->state == ST_FINISHED)
        return confai_err_set(err, CONFAI_E_STATE,
                              "the message was finished already");
    return CONFAI_OK;
}

confai_status bhttp_parser_feed(bhttp_parser *p, const uint8_t *data,
                                size_t len, confai_error *err)
{
    confai_error local;
    confai_error *e = err != NULL ? err : &local;
    confai_status status = refuse(p, e);
    if (status != CONFAI_OK)
        return status;
    confai_err_clear(e);
    while (len > 0) {
        size_t used = 0;
        status = step(p, data, len, &used, e);
        if (status != CONFAI_OK)
            return fail(p, status, e);
        data += used;
        len -= used;
    }
    return CONFAI_OK;
}

/* Where the input stopped, for the truncation message. */
static const char *stopped_in(const bhttp_parser *p)
{
    switch (p->state) {
    case ST_FRAMING:
        return "framing indicator";
    case ST_CONTROL_LEN:
    case ST_CONTROL:
        return "request control data";
    case ST_STATUS:
        return "status code";
    case ST_CONTENT_LEN:
    case ST_CONTENT:
        return "content";
    default:
        return section_names[p->section];
    }
}

/* Whether the input may stop here: RFC 9292 section 3.8 truncation. */
static int may_stop(const bhttp_parser *p)
{
    if (p->state == ST_PADDING)
        return 1;
    if (p->vhave != 0)
        return 0;
    if (p->state == ST_CONTENT_LEN && !p->chunk_seen)
        return 1; /* content and trailers omitted */
    if (p->section != SEC_TRAILERS)
        return 0;
    return p->state == ST_SECTION_LEN ||
           (p->state == ST_NAME_LEN && !p->known && p->block_lines == 0);
}

confai_status bhttp_parser_finish(bhttp_parser *p, confai_error *err)
{
    confai_error local;
    confai_error *e = err != NULL ? err : &local;
    confai_status status = refuse(p, e);
    if (status != CONFAI_OK)
        return status;
    confai_err_clear(e);
    if (!may_stop(p)) {
        confai_err_set(e, CONFAI_E_TRUNCATED, "message truncated in the %s",
                       stopped_in(p));
        return fail(p, CONFAI_E_TRUNCATED, e);
    }
    if (p->state != ST_PADDING) {
        /* the omitted parts read as empty, and the message is complete */
        p->state = ST_PADDING;
        status = emit(p, CONFAI_HTTP_EVENT_END, p->msg, NULL, 0, e);
        if (status != CONFAI_OK)
            return fail(p, status, e);
    }
    p->state = ST_FINISHED;
    return CONFAI_OK;
}
