/*
 * confai_http_message: building, reading and releasing Binary HTTP messages.
 * Encoding and decoding live in bhttp_encode.c and bhttp_decode.c.
 */
#include "seal/bhttp.h"

#include <string.h>

#include "core/error.h"
#include "core/memory.h"

/* --- Memory ----------------------------------------------------------------- */

char *bhttp_strdup(const uint8_t *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *copy = confai_zalloc(len + 1); /* zeroed: the NUL is already there */
    if (copy != NULL && len > 0)
        memcpy(copy, s, len);
    return copy;
}

void bhttp_str_free(char *s, size_t len)
{
    confai_free_secret(s, len + 1);
}

/*
 * Grows an array of cap elements of elem bytes to hold at least need. The old
 * block is wiped and released rather than realloc'ed, so no copy of a secret
 * is left behind in freed memory. 0 on allocation failure or overflow.
 */
static int grow(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t new_cap = *cap ? *cap : 4;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2)
            return 0;
        new_cap *= 2;
    }
    if (new_cap > SIZE_MAX / elem)
        return 0;
    void *bigger = confai_zalloc(new_cap * elem);
    if (bigger == NULL)
        return 0;
    if (*items != NULL) {
        memcpy(bigger, *items, *cap * elem);
        confai_free_secret(*items, *cap * elem);
    }
    *items = bigger;
    *cap = new_cap;
    return 1;
}

confai_http_message *bhttp_message_alloc(confai_http_kind kind)
{
    confai_http_message *msg = confai_zalloc(sizeof(*msg));
    if (msg != NULL)
        msg->kind = kind;
    return msg;
}

static void fields_clear(bhttp_fields *fields)
{
    for (size_t i = 0; i < fields->count; i++) {
        bhttp_str_free(fields->items[i].name, fields->items[i].name_len);
        bhttp_str_free(fields->items[i].value, fields->items[i].value_len);
    }
    confai_free_secret(fields->items, fields->cap * sizeof(bhttp_field));
    memset(fields, 0, sizeof(*fields));
}

static void str_free0(char *s)
{
    if (s != NULL)
        bhttp_str_free(s, strlen(s));
}

void confai_http_message_free(confai_http_message *msg)
{
    if (msg == NULL)
        return;
    str_free0(msg->method);
    str_free0(msg->scheme);
    str_free0(msg->authority);
    str_free0(msg->path);
    fields_clear(&msg->headers);
    fields_clear(&msg->trailers);
    confai_free_secret(msg->body, msg->body_cap);
    for (size_t i = 0; i < msg->informational_count; i++)
        confai_http_message_free(msg->informational[i]);
    confai_free_secret(msg->informational,
                       msg->informational_cap * sizeof(*msg->informational));
    confai_free_secret(msg, sizeof(*msg));
}

confai_status bhttp_fields_append(bhttp_fields *fields, char *name,
                                  size_t name_len, char *value,
                                  size_t value_len, int is_pseudo,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(fields->count < SIZE_MAX &&
               grow((void **)&fields->items, &fields->cap, fields->count + 1,
                    sizeof(bhttp_field)),
           CONFAI_E_NO_MEMORY, "out of memory for a field line");
    fields->items[fields->count++] =
        (bhttp_field){ name, name_len, value, value_len };
    if (!is_pseudo)
        fields->has_regular = 1;
out:
    return status;
}

bhttp_fields *bhttp_section_of(confai_http_message *msg,
                               confai_http_section section)
{
    switch (section) {
    case CONFAI_HTTP_HEADERS:
        return &msg->headers;
    case CONFAI_HTTP_TRAILERS:
        return &msg->trailers;
    }
    return NULL;
}

confai_status bhttp_body_append(confai_http_message *msg, const uint8_t *data,
                                size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (len == 0)
        return CONFAI_OK;
    ENSURE(len <= SIZE_MAX - msg->body_len, CONFAI_E_LIMIT,
           "content larger than the address space");
    ENSURE(grow((void **)&msg->body, &msg->body_cap, msg->body_len + len, 1),
           CONFAI_E_NO_MEMORY, "out of memory for %zu bytes of content",
           msg->body_len + len);
    memcpy(msg->body + msg->body_len, data, len);
    msg->body_len += len;
out:
    return status;
}

confai_status bhttp_informational_append(confai_http_message *msg,
                                         confai_http_message *info,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(grow((void **)&msg->informational, &msg->informational_cap,
                msg->informational_count + 1, sizeof(*msg->informational)),
           CONFAI_E_NO_MEMORY, "out of memory for an informational response");
    msg->informational[msg->informational_count++] = info;
out:
    return status;
}

/* --- Limits ----------------------------------------------------------------- */

uint32_t confai_http_limits_version(void)
{
    return CONFAI_HTTP_LIMITS_VERSION;
}

confai_status confai_http_limits_init(confai_http_limits *limits,
                                      uint32_t version, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(limits != NULL, "limits");
    ENSURE(version == CONFAI_HTTP_LIMITS_VERSION, CONFAI_E_ARGUMENT,
           "unknown confai_http_limits version %u", (unsigned)version);
    limits->version = version;
    limits->max_section_size = BHTTP_DEFAULT_MAX_SECTION_SIZE;
    limits->max_field_lines = BHTTP_DEFAULT_MAX_FIELD_LINES;
    limits->max_informational = BHTTP_DEFAULT_MAX_INFORMATIONAL;
out:
    return status;
}

confai_status bhttp_limits_copy(confai_http_limits *out,
                                const confai_http_limits *in,
                                confai_error *err)
{
    if (in == NULL)
        return confai_http_limits_init(out, CONFAI_HTTP_LIMITS_VERSION, err);
    if (in->version != CONFAI_HTTP_LIMITS_VERSION)
        return confai_err_set(err, CONFAI_E_ARGUMENT,
                              "unknown confai_http_limits version %u",
                              (unsigned)in->version);
    *out = *in;
    return CONFAI_OK;
}

/* --- Building --------------------------------------------------------------- */

/* Replaces *slot with a copy of the NUL-terminated s. */
static confai_status set_string(char **slot, const char *s, confai_error *err)
{
    char *copy = bhttp_strdup((const uint8_t *)s, strlen(s));
    if (copy == NULL)
        return confai_err_set(err, CONFAI_E_NO_MEMORY, "out of memory");
    str_free0(*slot);
    *slot = copy;
    return CONFAI_OK;
}

confai_status confai_http_message_new_request(confai_http_message **msg,
                                              const char *method,
                                              const char *scheme,
                                              const char *authority,
                                              const char *path,
                                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_http_message *m = NULL;
    const char *problem;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL, "msg");
    *msg = NULL;
    ENSURE_ARG(method != NULL, "method");
    scheme = scheme ? scheme : "";
    authority = authority ? authority : "";
    path = path ? path : "";

    problem = bhttp_method_problem((const uint8_t *)method, strlen(method));
    if (problem == NULL)
        problem = bhttp_scheme_problem((const uint8_t *)scheme, strlen(scheme));
    if (problem == NULL)
        problem = bhttp_target_problem((const uint8_t *)authority,
                                       strlen(authority));
    if (problem == NULL)
        problem = bhttp_target_problem((const uint8_t *)path, strlen(path));
    ENSURE(problem == NULL, CONFAI_E_ARGUMENT, "invalid request: %s", problem);

    m = bhttp_message_alloc(CONFAI_HTTP_REQUEST);
    ENSURE(m != NULL, CONFAI_E_NO_MEMORY, "out of memory");
    GUARD(set_string(&m->method, method, err));
    GUARD(set_string(&m->scheme, scheme, err));
    GUARD(set_string(&m->authority, authority, err));
    GUARD(set_string(&m->path, path, err));
    *msg = m;
    m = NULL;
out:
    confai_http_message_free(m);
    return status;
}

confai_status confai_http_message_new_response(confai_http_message **msg,
                                               uint16_t status_code,
                                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL, "msg");
    *msg = NULL;
    ENSURE(status_code >= 100 && status_code <= 599, CONFAI_E_ARGUMENT,
           "status %u is not between 100 and 599", (unsigned)status_code);
    *msg = bhttp_message_alloc(CONFAI_HTTP_RESPONSE);
    ENSURE(*msg != NULL, CONFAI_E_NO_MEMORY, "out of memory");
    (*msg)->status = status_code;
out:
    return status;
}

/* Copies a field line into a section after checking it; lowercases a name. */
static confai_status add_field_copy(bhttp_fields *fields, int trailers,
                                    const char *name, const char *value,
                                    int lowercase, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t name_len = strlen(name), value_len = strlen(value);
    char *n = bhttp_strdup((const uint8_t *)name, name_len);
    char *v = bhttp_strdup((const uint8_t *)value, value_len);
    int is_pseudo;
    const char *problem;
    ENSURE(n != NULL && v != NULL, CONFAI_E_NO_MEMORY, "out of memory");
    for (size_t i = 0; lowercase && i < name_len; i++)
        if (n[i] >= 'A' && n[i] <= 'Z')
            n[i] = (char)(n[i] - 'A' + 'a');
    problem = bhttp_name_problem((const uint8_t *)n, name_len, fields, trailers,
                                 &is_pseudo);
    if (problem == NULL)
        problem = bhttp_value_problem((const uint8_t *)v, value_len);
    ENSURE(problem == NULL, CONFAI_E_ARGUMENT, "invalid field \"%.64s\": %s",
           n, problem);
    GUARD(bhttp_fields_append(fields, n, name_len, v, value_len, is_pseudo,
                              err));
    n = v = NULL;
out:
    bhttp_str_free(n, name_len);
    bhttp_str_free(v, value_len);
    return status;
}

confai_status confai_http_message_add_field(confai_http_message *msg,
                                            confai_http_section section,
                                            const char *name,
                                            const char *value,
                                            confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL, "msg");
    ENSURE_ARG(name != NULL, "name");
    ENSURE_ARG(value != NULL, "value");
    bhttp_fields *fields = bhttp_section_of(msg, section);
    ENSURE_ARG(fields != NULL, "section");
    GUARD(add_field_copy(fields, section == CONFAI_HTTP_TRAILERS, name, value,
                         1, err));
out:
    return status;
}

confai_status confai_http_message_set_body(confai_http_message *msg,
                                           const uint8_t *body,
                                           size_t body_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *copy = NULL;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL, "msg");
    ENSURE_ARG(body != NULL || body_len == 0, "body");
    if (body_len > 0) {
        copy = confai_memdup(body, body_len);
        ENSURE(copy != NULL, CONFAI_E_NO_MEMORY,
               "out of memory for %zu bytes of content", body_len);
    }
    confai_free_secret(msg->body, msg->body_cap);
    msg->body = copy;
    msg->body_len = msg->body_cap = body_len;
out:
    return status;
}

confai_status
confai_http_message_add_informational(confai_http_message *msg,
                                      const confai_http_message *info,
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_http_message *copy = NULL;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL && msg->kind == CONFAI_HTTP_RESPONSE, "msg");
    ENSURE_ARG(info != NULL && info->kind == CONFAI_HTTP_RESPONSE, "info");
    ENSURE(info->status >= 100 && info->status <= 199, CONFAI_E_ARGUMENT,
           "status %u is not informational", (unsigned)info->status);
    ENSURE(info->body_len == 0 && info->trailers.count == 0 &&
               info->informational_count == 0,
           CONFAI_E_ARGUMENT,
           "an informational response has header fields only");

    copy = bhttp_message_alloc(CONFAI_HTTP_RESPONSE);
    ENSURE(copy != NULL, CONFAI_E_NO_MEMORY, "out of memory");
    copy->status = info->status;
    for (size_t i = 0; i < info->headers.count; i++)
        GUARD(add_field_copy(&copy->headers, 0, info->headers.items[i].name,
                             info->headers.items[i].value, 0, err));
    GUARD(bhttp_informational_append(msg, copy, err));
    copy = NULL;
out:
    confai_http_message_free(copy);
    return status;
}

/* --- Reading ---------------------------------------------------------------- */

confai_http_kind confai_http_message_kind(const confai_http_message *msg)
{
    return msg ? msg->kind : CONFAI_HTTP_ANY;
}

/* A request's control string ("" if never set); NULL for anything else. */
static const char *control(const confai_http_message *msg, const char *s)
{
    if (msg == NULL || msg->kind != CONFAI_HTTP_REQUEST)
        return NULL;
    return s ? s : "";
}

const char *confai_http_message_method(const confai_http_message *msg)
{
    return control(msg, msg ? msg->method : NULL);
}

const char *confai_http_message_scheme(const confai_http_message *msg)
{
    return control(msg, msg ? msg->scheme : NULL);
}

const char *confai_http_message_authority(const confai_http_message *msg)
{
    return control(msg, msg ? msg->authority : NULL);
}

const char *confai_http_message_path(const confai_http_message *msg)
{
    return control(msg, msg ? msg->path : NULL);
}

uint16_t confai_http_message_status(const confai_http_message *msg)
{
    return msg && msg->kind == CONFAI_HTTP_RESPONSE ? msg->status : 0;
}

/* bhttp_section_of for a const message. */
static const bhttp_fields *section_const(const confai_http_message *msg,
                                         confai_http_section section)
{
    if (msg == NULL)
        return NULL;
    return bhttp_section_of((confai_http_message *)msg, section);
}

size_t confai_http_message_field_count(const confai_http_message *msg,
                                       confai_http_section section)
{
    const bhttp_fields *fields = section_const(msg, section);
    return fields ? fields->count : 0;
}

confai_status confai_http_message_field(const confai_http_message *msg,
                                        const char **name, const char **value,
                                        confai_http_section section,
                                        size_t index, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(msg != NULL, "msg");
    ENSURE_ARG(name != NULL, "name");
    ENSURE_ARG(value != NULL, "value");
    const bhttp_fields *fields = section_const(msg, section);
    ENSURE_ARG(fields != NULL, "section");
    ENSURE(index < fields->count, CONFAI_E_ARGUMENT,
           "field index %zu out of range (%zu fields)", index, fields->count);
    *name = fields->items[index].name;
    *value = fields->items[index].value;
out:
    return status;
}

/* ASCII case-insensitive equality of a stored (lowercase) name and a query. */
static int name_equal(const char *stored, const char *query)
{
    for (;; stored++, query++) {
        char q = *query;
        if (q >= 'A' && q <= 'Z')
            q = (char)(q - 'A' + 'a');
        if (*stored != q)
            return 0;
        if (q == '\0')
            return 1;
    }
}

const char *confai_http_message_field_value(const confai_http_message *msg,
                                            confai_http_section section,
                                            const char *name)
{
    const bhttp_fields *fields = section_const(msg, section);
    if (fields == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < fields->count; i++)
        if (name_equal(fields->items[i].name, name))
            return fields->items[i].value;
    return NULL;
}

const uint8_t *confai_http_message_body(const confai_http_message *msg,
                                        size_t *body_len)
{
    if (body_len != NULL)
        *body_len = msg ? msg->body_len : 0;
    return msg ? msg->body : NULL;
}

size_t confai_http_message_informational_count(const confai_http_message *msg)
{
    return msg ? msg->informational_count : 0;
}

const confai_http_message *
confai_http_message_informational(const confai_http_message *msg, size_t index)
{
    if (msg == NULL || index >= msg->informational_count)
        return NULL;
    return msg->informational[index];
}
