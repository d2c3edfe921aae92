/*
 * src/seal/bhttp*.c: Binary HTTP (RFC 9292). The four examples of RFC 9292
 * section 5 decode to their documented fields and re-encode byte for byte;
 * built messages round-trip in both framings; the streaming decoder agrees
 * with the whole-buffer decoder for every split; every prefix of an example
 * is either a valid truncation (RFC 9292 section 3.8) or CONFAI_E_TRUNCATED;
 * and one test per rejection reason.
 *
 * Padding: decoding accepts any number of zero bytes after a message and does
 * not keep the count; encoding appends exactly the padding the caller asks
 * for. The indeterminate-length request example (10 zero bytes) therefore
 * re-encodes byte for byte with padding 10.
 *
 * With CONFAI_WRITE_BHTTP_CORPUS=<dir> set, the test also writes the seed
 * corpus of the fuzz target fuzz_bhttp (tests/fuzz/corpus/bhttp) there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alloc_fail.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include <confai/confai.h>

#include "test_util.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- The RFC 9292 examples ------------------------------------------------- */

typedef struct example {
    uint8_t *bytes;
    size_t len;
    cJSON *json; /* the example's object in rfc9292-examples.json */
} example;

static cJSON *examples_doc;

/* Loads an example by its anchor; skips the test without the vectors. */
static int load_example(example *ex, const char *anchor)
{
    memset(ex, 0, sizeof(*ex));
    if (examples_doc == NULL) {
        const char *dir = test_vectors_or_skip("RFC 9292 examples");
        if (dir == NULL)
            return 0;
        size_t len;
        char *text = (char *)test_read_file(dir, "ohttp/rfc9292-examples.json", &len);
        assert_non_null(text);
        examples_doc = cJSON_Parse(text);
        free(text);
        assert_non_null(examples_doc);
    }
    cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(examples_doc, "examples"))
    {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(item, "anchor")), anchor) != 0)
            continue;
        ex->json = item;
        ex->bytes = test_hex_decode(
            cJSON_GetStringValue(cJSON_GetObjectItem(item, "bhttp_hex")), &ex->len);
        assert_non_null(ex->bytes);
        assert_int_equal(ex->len,
                         (size_t)cJSON_GetObjectItem(item, "length")->valuedouble);
        return 1;
    }
    fail_msg("no example %s", anchor);
    return 0;
}

static const char *const anchors[] = { "ex-bink-request", "ex-bini-request",
                                       "ex-bini-response", "ex-bink-chunked" };

static int json_int(const cJSON *obj, const char *name)
{
    return (int)cJSON_GetObjectItem(obj, name)->valuedouble;
}

/* The fields of a section equal a JSON list of [name, value] pairs. */
static void assert_fields(const confai_http_message *msg, confai_http_section section,
                          const cJSON *expected)
{
    assert_int_equal(confai_http_message_field_count(msg, section),
                     (size_t)cJSON_GetArraySize(expected));
    for (int i = 0; i < cJSON_GetArraySize(expected); i++) {
        const cJSON *pair = cJSON_GetArrayItem(expected, i);
        const char *name, *value;
        OK(confai_http_message_field(msg, &name, &value, section, (size_t)i, NULL));
        assert_string_equal(name, cJSON_GetStringValue(cJSON_GetArrayItem(pair, 0)));
        assert_string_equal(value, cJSON_GetStringValue(cJSON_GetArrayItem(pair, 1)));
    }
}

/* A decoded message has the fields the example documents. */
static void assert_documented(const confai_http_message *msg, const example *ex)
{
    const cJSON *d = cJSON_GetObjectItem(ex->json, "decoded");
    int framing = json_int(d, "framing");
    if (framing % 2 == 0) {
        const cJSON *control = cJSON_GetObjectItem(d, "control");
        assert_int_equal(confai_http_message_kind(msg), CONFAI_HTTP_REQUEST);
        assert_string_equal(confai_http_message_method(msg),
                            cJSON_GetStringValue(cJSON_GetArrayItem(control, 0)));
        assert_string_equal(confai_http_message_scheme(msg),
                            cJSON_GetStringValue(cJSON_GetArrayItem(control, 1)));
        assert_string_equal(confai_http_message_authority(msg),
                            cJSON_GetStringValue(cJSON_GetArrayItem(control, 2)));
        assert_string_equal(confai_http_message_path(msg),
                            cJSON_GetStringValue(cJSON_GetArrayItem(control, 3)));
        assert_int_equal(confai_http_message_status(msg), 0);
        assert_int_equal(confai_http_message_informational_count(msg), 0);
    } else {
        assert_int_equal(confai_http_message_kind(msg), CONFAI_HTTP_RESPONSE);
        assert_null(confai_http_message_method(msg));
        assert_int_equal(confai_http_message_status(msg), json_int(d, "status"));
        const cJSON *infos = cJSON_GetObjectItem(d, "informational");
        assert_int_equal(confai_http_message_informational_count(msg),
                         (size_t)cJSON_GetArraySize(infos));
        for (int i = 0; i < cJSON_GetArraySize(infos); i++) {
            const cJSON *info = cJSON_GetArrayItem(infos, i);
            const confai_http_message *m = confai_http_message_informational(msg, (size_t)i);
            assert_non_null(m);
            assert_int_equal(confai_http_message_status(m),
                             (int)cJSON_GetArrayItem(info, 0)->valuedouble);
            assert_fields(m, CONFAI_HTTP_HEADERS, cJSON_GetArrayItem(info, 1));
        }
        assert_null(confai_http_message_informational(msg, (size_t)cJSON_GetArraySize(infos)));
    }
    assert_fields(msg, CONFAI_HTTP_HEADERS, cJSON_GetObjectItem(d, "headers"));
    assert_fields(msg, CONFAI_HTTP_TRAILERS, cJSON_GetObjectItem(d, "trailers"));
    const char *content = cJSON_GetStringValue(cJSON_GetObjectItem(d, "content"));
    size_t body_len;
    const uint8_t *body = confai_http_message_body(msg, &body_len);
    assert_int_equal(body_len, strlen(content));
    if (body_len > 0)
        assert_memory_equal(body, content, body_len);
}

/* Two messages carry the same control data, status and fields (not content). */
static void assert_same_head(const confai_http_message *a, const confai_http_message *b)
{
    assert_int_equal(confai_http_message_kind(a), confai_http_message_kind(b));
    if (confai_http_message_kind(a) == CONFAI_HTTP_REQUEST) {
        assert_string_equal(confai_http_message_method(a), confai_http_message_method(b));
        assert_string_equal(confai_http_message_scheme(a), confai_http_message_scheme(b));
        assert_string_equal(confai_http_message_authority(a),
                            confai_http_message_authority(b));
        assert_string_equal(confai_http_message_path(a), confai_http_message_path(b));
    }
    assert_int_equal(confai_http_message_status(a), confai_http_message_status(b));
    for (int s = CONFAI_HTTP_HEADERS; s <= CONFAI_HTTP_TRAILERS; s++) {
        size_t n = confai_http_message_field_count(a, (confai_http_section)s);
        assert_int_equal(n, confai_http_message_field_count(b, (confai_http_section)s));
        for (size_t i = 0; i < n; i++) {
            const char *an, *av, *bn, *bv;
            OK(confai_http_message_field(a, &an, &av, (confai_http_section)s, i, NULL));
            OK(confai_http_message_field(b, &bn, &bv, (confai_http_section)s, i, NULL));
            assert_string_equal(an, bn);
            assert_string_equal(av, bv);
        }
    }
    size_t n = confai_http_message_informational_count(a);
    assert_int_equal(n, confai_http_message_informational_count(b));
    for (size_t i = 0; i < n; i++)
        assert_same_head(confai_http_message_informational(a, i),
                         confai_http_message_informational(b, i));
}

static void assert_same_message(const confai_http_message *a, const confai_http_message *b)
{
    assert_same_head(a, b);
    size_t al, bl;
    const uint8_t *ab = confai_http_message_body(a, &al);
    const uint8_t *bb = confai_http_message_body(b, &bl);
    assert_int_equal(al, bl);
    if (al > 0)
        assert_memory_equal(ab, bb, al);
}

static confai_status decode(confai_http_message **msg, const uint8_t *data, size_t len)
{
    return confai_http_message_decode(msg, data, len, CONFAI_HTTP_ANY, NULL, NULL);
}

/* Decoding fails with the status, leaves *msg NULL and says why. */
static void assert_rejected(const uint8_t *data, size_t len, confai_status expected)
{
    confai_http_message *msg = (confai_http_message *)&msg; /* not NULL */
    confai_error err;
    assert_int_equal(confai_http_message_decode(&msg, data, len, CONFAI_HTTP_ANY, NULL, &err),
                     expected);
    assert_null(msg);
    assert_int_equal(err.status, expected);
    assert_true(strlen(err.message) > 0);
}

/* --- Streaming -------------------------------------------------------------- */

/* What a decoder reported. */
typedef struct recording {
    uint8_t *content;
    size_t content_len;
    int informational, heads, ends, pieces;
    int order_ok;      /* informational* head content* end, nothing after end */
    const confai_http_message *head, *end;
    confai_http_decoder *decoder; /* for the re-entrancy test */
    confai_status stop_with;      /* returned at the first content event */
} recording;

static confai_status record(void *user, confai_http_event event,
                            const confai_http_message *message, const uint8_t *data,
                            size_t data_len)
{
    recording *r = user;
    switch (event) {
    case CONFAI_HTTP_EVENT_INFORMATIONAL:
        r->order_ok &= r->heads == 0 && message != NULL &&
                       confai_http_message_status(message) < 200;
        r->informational++;
        break;
    case CONFAI_HTTP_EVENT_HEAD:
        r->order_ok &= r->heads == 0 && message != NULL;
        r->heads++;
        r->head = message;
        break;
    case CONFAI_HTTP_EVENT_CONTENT:
        r->order_ok &= r->heads == 1 && r->ends == 0 && data_len > 0 && message == NULL;
        r->content = realloc(r->content, r->content_len + data_len);
        assert_non_null(r->content);
        memcpy(r->content + r->content_len, data, data_len);
        r->content_len += data_len;
        r->pieces++;
        if (r->stop_with != CONFAI_OK)
            return r->stop_with;
        break;
    case CONFAI_HTTP_EVENT_END:
        r->order_ok &= r->heads == 1 && r->ends == 0 && message == r->head;
        r->ends++;
        r->end = message;
        break;
    }
    return CONFAI_OK;
}

/* A tiny deterministic generator for splits. */
static uint32_t next_random(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/*
 * Streams (data, len) into a fresh decoder in pieces: of size step, or random
 * (1 to 2*step) when seed is non-zero. Returns the first failing status; when
 * all is well, checks the result against the whole-buffer decode.
 */
static confai_status stream(const uint8_t *data, size_t len, size_t step, uint32_t seed)
{
    recording r = { .order_ok = 1 };
    confai_http_decoder *dec;
    OK(confai_http_decoder_new(&dec, CONFAI_HTTP_ANY, NULL, record, &r, NULL));
    confai_status st = CONFAI_OK;
    for (size_t at = 0; at < len && st == CONFAI_OK;) {
        size_t n = seed ? 1 + next_random(&seed) % (2 * step) : step;
        if (n > len - at)
            n = len - at;
        /* copied, so a read past the piece is caught by ASan and valgrind */
        uint8_t *piece = malloc(n);
        assert_non_null(piece);
        memcpy(piece, data + at, n);
        st = confai_http_decoder_feed(dec, piece, n, NULL);
        free(piece);
        at += n;
    }
    if (st == CONFAI_OK)
        st = confai_http_decoder_finish(dec, NULL);

    confai_http_message *whole = NULL;
    assert_int_equal(decode(&whole, data, len), st);
    assert_true(r.order_ok);
    if (st == CONFAI_OK) {
        assert_int_equal(r.heads, 1);
        assert_int_equal(r.ends, 1);
        assert_same_head(r.end, whole);
        size_t body_len;
        const uint8_t *body = confai_http_message_body(whole, &body_len);
        assert_int_equal(r.content_len, body_len);
        if (body_len > 0)
            assert_memory_equal(r.content, body, body_len);
        /* the decoder keeps no content */
        assert_null(confai_http_message_body(r.end, &body_len));
    }
    confai_http_message_free(whole);
    confai_http_decoder_free(dec);
    free(r.content);
    return st;
}

/* --- Tests: the RFC examples ----------------------------------------------- */

static void rfc_examples_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(anchors); i++) {
        example ex;
        if (!load_example(&ex, anchors[i])) {
            skip();
            return;
        }
        confai_http_message *msg = NULL;
        OK(decode(&msg, ex.bytes, ex.len));
        assert_documented(msg, &ex);
        confai_http_message_free(msg);
        free(ex.bytes);
    }
}

static void rfc_examples_reencode(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(anchors); i++) {
        example ex;
        if (!load_example(&ex, anchors[i])) {
            skip();
            return;
        }
        const cJSON *d = cJSON_GetObjectItem(ex.json, "decoded");
        confai_http_framing framing = json_int(d, "framing") >= 2
                                          ? CONFAI_HTTP_INDETERMINATE_LENGTH
                                          : CONFAI_HTTP_KNOWN_LENGTH;
        size_t padding = (size_t)json_int(d, "padding_bytes");
        confai_http_message *msg = NULL;
        OK(decode(&msg, ex.bytes, ex.len));
        uint8_t *out = NULL;
        size_t out_len = 0;
        OK(confai_http_message_encode(msg, &out, &out_len, framing, padding, NULL));
        assert_int_equal(out_len, ex.len);
        assert_memory_equal(out, ex.bytes, ex.len);
        confai_free(out);
        /* without padding: the same bytes minus the padding */
        OK(confai_http_message_encode(msg, &out, &out_len, framing, 0, NULL));
        assert_int_equal(out_len, ex.len - padding);
        assert_memory_equal(out, ex.bytes, out_len);
        confai_free(out);
        confai_http_message_free(msg);
        free(ex.bytes);
    }
}

/* The two request examples are the same message in the two framings. */
static void rfc_request_framings_agree(void **state)
{
    (void)state;
    example known, indeterminate;
    if (!load_example(&known, "ex-bink-request") ||
        !load_example(&indeterminate, "ex-bini-request")) {
        skip();
        return;
    }
    confai_http_message *a = NULL, *b = NULL;
    OK(decode(&a, known.bytes, known.len));
    OK(decode(&b, indeterminate.bytes, indeterminate.len));
    assert_same_message(a, b);
    /* getters: lookup ignores case, and finds nothing for absent names */
    assert_string_equal(confai_http_message_field_value(a, CONFAI_HTTP_HEADERS, "Host"),
                        "www.example.com");
    assert_null(confai_http_message_field_value(a, CONFAI_HTTP_HEADERS, "cookie"));
    assert_null(confai_http_message_field_value(a, CONFAI_HTTP_TRAILERS, "host"));
    const char *name = NULL, *value = NULL;
    assert_int_equal(confai_http_message_field(a, &name, &value, CONFAI_HTTP_HEADERS, 3, NULL),
                     CONFAI_E_ARGUMENT);
    confai_http_message_free(a);
    confai_http_message_free(b);
    free(known.bytes);
    free(indeterminate.bytes);
}

/*
 * What a prefix of an example decodes to. RFC 9292 section 3.8 lets a message
 * stop after its header section (content and trailers read as empty) or after
 * its content (trailers read as empty); anywhere else it is truncated. So a
 * prefix can be a valid, different message: Binary HTTP alone does not
 * protect the length of a message, the encapsulation around it must.
 */
enum prefix_kind { TRUNCATED, SAME, HEAD_ONLY, NO_TRAILERS };

static enum prefix_kind prefix_kind(const char *anchor, size_t len)
{
    if (strcmp(anchor, "ex-bink-request") == 0)
        return len >= 133 ? SAME : TRUNCATED; /* content, trailers empty */
    if (strcmp(anchor, "ex-bini-request") == 0)
        return len >= 132 ? SAME : TRUNCATED; /* "up to 12 bytes can be removed" */
    if (strcmp(anchor, "ex-bini-response") == 0)
        return len == 314 ? HEAD_ONLY : len >= 367 ? SAME : TRUNCATED;
    /* ex-bink-chunked: header section ends at 4, content at 34 */
    return len == 4 ? HEAD_ONLY : len == 34 ? NO_TRAILERS : len == 48 ? SAME : TRUNCATED;
}

/* A message equals another but for the parts a truncation drops. */
static void assert_truncation_of(const confai_http_message *msg,
                                 const confai_http_message *full, enum prefix_kind kind)
{
    if (kind == SAME) {
        assert_same_message(msg, full);
        return;
    }
    assert_int_equal(confai_http_message_field_count(msg, CONFAI_HTTP_TRAILERS), 0);
    assert_int_equal(confai_http_message_field_count(msg, CONFAI_HTTP_HEADERS),
                     confai_http_message_field_count(full, CONFAI_HTTP_HEADERS));
    assert_int_equal(confai_http_message_status(msg), confai_http_message_status(full));
    size_t len, full_len;
    confai_http_message_body(msg, &len);
    confai_http_message_body(full, &full_len);
    assert_int_equal(len, kind == HEAD_ONLY ? 0 : full_len);
}

static void rfc_examples_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(anchors); i++) {
        example ex;
        if (!load_example(&ex, anchors[i])) {
            skip();
            return;
        }
        confai_http_message *full = NULL;
        OK(decode(&full, ex.bytes, ex.len));
        for (size_t len = 0; len <= ex.len; len++) {
            /* exact-size copy: a read past the prefix is caught */
            uint8_t *prefix = malloc(len ? len : 1);
            assert_non_null(prefix);
            memcpy(prefix, ex.bytes, len);
            confai_http_message *msg = NULL;
            confai_status st = decode(&msg, prefix, len);
            enum prefix_kind kind = prefix_kind(anchors[i], len);
            if (kind != TRUNCATED) {
                if (st != CONFAI_OK)
                    fail_msg("%s cut to %zu bytes: %s", anchors[i], len,
                             confai_status_name(st));
                assert_truncation_of(msg, full, kind);
            } else {
                if (st != CONFAI_E_TRUNCATED)
                    fail_msg("%s cut to %zu bytes: %s", anchors[i], len,
                             confai_status_name(st));
                assert_null(msg);
            }
            /* the streaming decoder says the same, fed one byte at a time */
            assert_int_equal(stream(prefix, len, 1, 0), st);
            confai_http_message_free(msg);
            free(prefix);
        }
        confai_http_message_free(full);
        free(ex.bytes);
    }
}

static void rfc_examples_stream_any_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(anchors); i++) {
        example ex;
        if (!load_example(&ex, anchors[i])) {
            skip();
            return;
        }
        for (size_t step = 1; step <= ex.len; step++)
            OK(stream(ex.bytes, ex.len, step, 0));
        for (uint32_t seed = 1; seed <= 300; seed++)
            OK(stream(ex.bytes, ex.len, 1 + seed % 40, seed * 2654435761u));
        free(ex.bytes);
    }
}

/* Events come as early as the bytes allow: informational, head, content. */
static void stream_reports_parts_early(void **state)
{
    (void)state;
    example ex;
    if (!load_example(&ex, "ex-bini-response")) {
        skip();
        return;
    }
    /* offsets in the example: after each informational response, after the
     * header section, and in the middle of the 51-byte content chunk */
    const size_t after_102 = 1 + 2 + 1 + 7 + 1 + 10 + 1;
    const size_t content_start = ex.len - 2 - 51 - 1; /* at the chunk length */
    recording r = { .order_ok = 1 };
    confai_http_decoder *dec;
    OK(confai_http_decoder_new(&dec, CONFAI_HTTP_RESPONSE, NULL, record, &r, NULL));
    OK(confai_http_decoder_feed(dec, ex.bytes, after_102 - 1, NULL));
    assert_int_equal(r.informational, 0);
    OK(confai_http_decoder_feed(dec, ex.bytes + after_102 - 1, 1, NULL));
    assert_int_equal(r.informational, 1);
    OK(confai_http_decoder_feed(dec, ex.bytes + after_102, content_start - after_102, NULL));
    assert_int_equal(r.informational, 2);
    assert_int_equal(r.heads, 1);
    assert_int_equal(confai_http_message_status(r.head), 200);
    assert_string_equal(confai_http_message_field_value(r.head, CONFAI_HTTP_HEADERS,
                                                        "content-type"),
                        "text/plain");
    OK(confai_http_decoder_feed(dec, ex.bytes + content_start, 6, NULL));
    assert_int_equal(r.content_len, 5); /* the chunk length, then "Hello" */
    assert_memory_equal(r.content, "Hello", 5);
    assert_int_equal(r.ends, 0);
    OK(confai_http_decoder_feed(dec, ex.bytes + content_start + 6,
                                ex.len - content_start - 6, NULL));
    assert_int_equal(r.ends, 1); /* the trailer terminator completes it */
    OK(confai_http_decoder_feed(dec, (const uint8_t *)"\0\0\0", 3, NULL)); /* padding */
    OK(confai_http_decoder_finish(dec, NULL));
    assert_int_equal(r.ends, 1);
    assert_true(r.order_ok);
    confai_http_decoder_free(dec);
    free(r.content);
    free(ex.bytes);
}

/* --- Tests: built messages ------------------------------------------------- */

static const uint8_t chat_body[] =
    "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
static const uint8_t binary_body[] = { 0, 1, 2, 0, 0xff, 0x80, 0x0d, 0x0a, 0 };

static confai_http_message *build_request(void)
{
    confai_http_message *msg = NULL;
    OK(confai_http_message_new_request(&msg, "POST", "https", "api.example.com",
                                       "/v1/chat/completions", NULL));
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, "Content-Type",
                                     "application/json", NULL));
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, "authorization",
                                     "Bearer sk-secret", NULL));
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, "accept", "", NULL));
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, "accept",
                                     "text/event-stream", NULL));
    OK(confai_http_message_set_body(msg, chat_body, sizeof(chat_body) - 1, NULL));
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_TRAILERS, "x-checksum", "abc", NULL));
    return msg;
}

static confai_http_message *build_response(void)
{
    confai_http_message *msg = NULL, *info = NULL;
    OK(confai_http_message_new_response(&msg, 200, NULL));
    for (uint16_t status = 100; status <= 103; status += 3) {
        OK(confai_http_message_new_response(&info, status, NULL));
        OK(confai_http_message_add_field(info, CONFAI_HTTP_HEADERS, "link", "</a>", NULL));
        OK(confai_http_message_add_informational(msg, info, NULL));
        confai_http_message_free(info);
    }
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, "content-type",
                                     "text/event-stream", NULL));
    OK(confai_http_message_set_body(msg, binary_body, sizeof(binary_body), NULL));
    return msg;
}

static void round_trip(const confai_http_message *msg)
{
    for (int framing = 0; framing <= 1; framing++)
        for (size_t padding = 0; padding <= 3; padding += 3) {
            uint8_t *out = NULL;
            size_t out_len = 0;
            OK(confai_http_message_encode(msg, &out, &out_len, (confai_http_framing)framing,
                                          padding, NULL));
            confai_http_message *back = NULL;
            OK(decode(&back, out, out_len));
            assert_same_message(msg, back);
            OK(stream(out, out_len, 1, 0));
            OK(stream(out, out_len, 7, 0));
            confai_http_message_free(back);
            confai_free(out);
        }
}

static void built_messages_round_trip(void **state)
{
    (void)state;
    confai_http_message *req = build_request(), *res = build_response();
    /* names were lowercased; order and repeats kept */
    const char *name, *value;
    OK(confai_http_message_field(req, &name, &value, CONFAI_HTTP_HEADERS, 0, NULL));
    assert_string_equal(name, "content-type");
    OK(confai_http_message_field(req, &name, &value, CONFAI_HTTP_HEADERS, 2, NULL));
    assert_string_equal(value, "");
    assert_string_equal(confai_http_message_field_value(req, CONFAI_HTTP_HEADERS, "ACCEPT"), "");
    assert_int_equal(confai_http_message_informational_count(res), 2);
    assert_int_equal(confai_http_message_status(confai_http_message_informational(res, 1)), 103);
    round_trip(req);
    round_trip(res);

    /* minimal messages: no fields, no content */
    confai_http_message *empty = NULL;
    OK(confai_http_message_new_request(&empty, "GET", NULL, NULL, NULL, NULL));
    assert_string_equal(confai_http_message_path(empty), "");
    round_trip(empty);
    confai_http_message_free(empty);
    OK(confai_http_message_new_response(&empty, 599, NULL));
    round_trip(empty);
    confai_http_message_free(empty);

    /* replacing and emptying the body */
    OK(confai_http_message_set_body(req, NULL, 0, NULL));
    size_t len = 1;
    assert_null(confai_http_message_body(req, &len));
    assert_int_equal(len, 0);
    round_trip(req);
    confai_http_message_free(req);
    confai_http_message_free(res);
}

/* encode_head + chunks + encode_tail: the streaming sender. */
static void streaming_encoder_matches(void **state)
{
    (void)state;
    confai_http_message *msg = build_response();
    size_t body_len;
    const uint8_t *body = confai_http_message_body(msg, &body_len);

    uint8_t *whole = NULL, *head = NULL, *tail = NULL;
    size_t whole_len, head_len, tail_len;
    OK(confai_http_message_encode(msg, &whole, &whole_len, CONFAI_HTTP_INDETERMINATE_LENGTH,
                                  2, NULL));
    OK(confai_http_message_encode_head(msg, &head, &head_len, NULL));
    OK(confai_http_message_encode_tail(msg, &tail, &tail_len, 2, NULL));

    uint8_t joined[512];
    size_t at = 0, n = sizeof(joined) - at;
    memcpy(joined, head, head_len);
    at = head_len;
    n = sizeof(joined) - at;
    OK(confai_http_chunk_encode(joined + at, &n, body, body_len, NULL));
    at += n;
    memcpy(joined + at, tail, tail_len);
    at += tail_len;
    assert_int_equal(at, whole_len);
    assert_memory_equal(joined, whole, whole_len);

    /* many pieces, including empty ones, decode to the same content */
    at = head_len;
    for (size_t i = 0; i < body_len; i++) {
        n = 0;
        OK(confai_http_chunk_encode(joined + at, &n, body, 0, NULL)); /* nothing */
        assert_int_equal(n, 0);
        n = sizeof(joined) - at;
        OK(confai_http_chunk_encode(joined + at, &n, body + i, 1, NULL));
        assert_int_equal(n, 2);
        at += n;
    }
    memcpy(joined + at, tail, tail_len);
    at += tail_len;
    confai_http_message *back = NULL;
    OK(decode(&back, joined, at));
    assert_same_message(msg, back);
    OK(stream(joined, at, 3, 0));

    /* a chunk that does not fit says how much it needs */
    uint8_t small[4];
    n = sizeof(small);
    assert_int_equal(confai_http_chunk_encode(small, &n, body, body_len, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(n, body_len + 1);
    n = 0;
    assert_int_equal(confai_http_chunk_encode(NULL, &n, chat_body, 100, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(n, 102);

    confai_http_message_free(back);
    confai_free(whole);
    confai_free(head);
    confai_free(tail);
    confai_http_message_free(msg);
}

static void builder_rejects_invalid_input(void **state)
{
    (void)state;
    confai_http_message *msg = (confai_http_message *)&msg;
    confai_error err;
    const char *bad_requests[][4] = {
        { "", "https", "", "/" },     { "GE T", "https", "", "/" },
        { "GET", "1http", "", "/" },  { "GET", "ht tp", "", "/" },
        { "GET", "https", "a b", "/" }, { "GET", "https", "", "/a\tb" },
        { "GET", "https", "", "/\x80" },
    };
    for (size_t i = 0; i < COUNT(bad_requests); i++) {
        assert_int_equal(confai_http_message_new_request(&msg, bad_requests[i][0],
                                                         bad_requests[i][1], bad_requests[i][2],
                                                         bad_requests[i][3], &err),
                         CONFAI_E_ARGUMENT);
        assert_null(msg);
    }
    assert_int_equal(confai_http_message_new_request(&msg, NULL, "", "", "", NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_message_new_response(&msg, 99, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_message_new_response(&msg, 600, NULL), CONFAI_E_ARGUMENT);
    assert_null(msg);

    OK(confai_http_message_new_response(&msg, 200, NULL));
    const char *bad_fields[][2] = {
        { "", "v" },           { "a b", "v" },      { "a:b", "v" },   { "caf\xc3\xa9", "v" },
        { "x", "a\r\nb" },     { "x", " lead" },    { "x", "trail\t" }, { ":path", "/" },
        { ":status", "200" },  { ":", "v" },
    };
    for (size_t i = 0; i < COUNT(bad_fields); i++) {
        assert_int_equal(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS,
                                                       bad_fields[i][0], bad_fields[i][1], &err),
                         CONFAI_E_ARGUMENT);
        assert_true(strlen(err.message) > 0);
    }
    assert_int_equal(confai_http_message_field_count(msg, CONFAI_HTTP_HEADERS), 0);
    assert_int_equal(confai_http_message_add_field(msg, (confai_http_section)7, "a", "b", NULL),
                     CONFAI_E_ARGUMENT);
    /* pseudo-fields: first in the header section only */
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, ":protocol", "websocket", NULL));
    assert_int_equal(confai_http_message_add_field(msg, CONFAI_HTTP_TRAILERS, ":protocol",
                                                   "x", NULL),
                     CONFAI_E_ARGUMENT);
    OK(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, "server", "x", NULL));
    assert_int_equal(confai_http_message_add_field(msg, CONFAI_HTTP_HEADERS, ":other", "x", NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_message_field_count(msg, CONFAI_HTTP_HEADERS), 2);

    /* informational responses: 1xx with header fields only, to a response */
    confai_http_message *info = NULL, *req = NULL;
    assert_int_equal(confai_http_message_add_informational(msg, msg, NULL), CONFAI_E_ARGUMENT);
    OK(confai_http_message_new_response(&info, 103, NULL));
    OK(confai_http_message_set_body(info, chat_body, 3, NULL));
    assert_int_equal(confai_http_message_add_informational(msg, info, NULL), CONFAI_E_ARGUMENT);
    OK(confai_http_message_new_request(&req, "GET", "https", "", "/", NULL));
    OK(confai_http_message_set_body(info, NULL, 0, NULL));
    assert_int_equal(confai_http_message_add_informational(req, info, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_message_informational_count(msg), 0);

    /* a 1xx response cannot be encoded as a message of its own */
    uint8_t *out = (uint8_t *)&out;
    size_t out_len;
    assert_int_equal(confai_http_message_encode(info, &out, &out_len, CONFAI_HTTP_KNOWN_LENGTH,
                                                0, &err),
                     CONFAI_E_STATE);
    assert_null(out);
    assert_int_equal(confai_http_message_encode(msg, &out, &out_len, (confai_http_framing)2, 0,
                                                NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_message_encode_head(info, &out, &out_len, NULL), CONFAI_E_STATE);

    confai_http_message_free(req);
    confai_http_message_free(info);
    confai_http_message_free(msg);
    confai_http_message_free(NULL);
    confai_http_decoder_free(NULL);
}

/* --- Tests: one per rejection ---------------------------------------------- */

/* A known-length response: status 200, one header section given raw. */
#define RESPONSE_200 0x01, 0x40, 0xc8

static void rejects_bad_framing_indicator(void **state)
{
    (void)state;
    const uint8_t four[] = { 0x04, 0x00 };
    const uint8_t big[] = { 0x80, 0x00, 0x00, 0x04 };
    assert_rejected(four, sizeof(four), CONFAI_E_MALFORMED);
    assert_rejected(big, sizeof(big), CONFAI_E_MALFORMED);
    assert_int_equal(stream(four, sizeof(four), 1, 0), CONFAI_E_MALFORMED);
    /* non-minimal integers are fine (RFC 9292 section 3) */
    const uint8_t long_framing[] = { 0x40, 0x01, 0x80, 0x00, 0x00, 0xc8, 0x00, 0x00, 0x00 };
    confai_http_message *msg = NULL;
    OK(decode(&msg, long_framing, sizeof(long_framing)));
    assert_int_equal(confai_http_message_status(msg), 200);
    confai_http_message_free(msg);
    /* an empty input is a truncated message */
    assert_rejected(NULL, 0, CONFAI_E_TRUNCATED);
}

static void rejects_invalid_status(void **state)
{
    (void)state;
    const uint8_t s99[] = { 0x01, 0x40, 0x63, 0x00 };
    const uint8_t s600[] = { 0x01, 0x42, 0x58, 0x00 };
    const uint8_t s0[] = { 0x03, 0x00, 0x00 };
    const uint8_t huge[] = { 0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0xc8, 0x00 };
    assert_rejected(s99, sizeof(s99), CONFAI_E_MALFORMED);
    assert_rejected(s600, sizeof(s600), CONFAI_E_MALFORMED);
    assert_rejected(s0, sizeof(s0), CONFAI_E_MALFORMED);
    confai_http_message *msg = NULL;
    OK(decode(&msg, huge, sizeof(huge))); /* 200 in eight bytes */
    confai_http_message_free(msg);
    /* informational only, no final response: never accepted as final */
    const uint8_t only_1xx[] = { 0x01, 0x40, 0x64, 0x00 };
    const uint8_t only_1xx_indeterminate[] = { 0x03, 0x40, 0x67, 0x00, 0x00, 0x00 };
    assert_rejected(only_1xx, sizeof(only_1xx), CONFAI_E_TRUNCATED);
    /* ...and its zero bytes do not pass for a status or padding */
    assert_rejected(only_1xx_indeterminate, sizeof(only_1xx_indeterminate),
                    CONFAI_E_MALFORMED);
}

static void rejects_invalid_field_names(void **state)
{
    (void)state;
    const uint8_t upper[] = { RESPONSE_200, 0x05, 0x01, 'A', 0x02, 'o', 'k' };
    const uint8_t space[] = { RESPONSE_200, 0x06, 0x02, 'a', ' ', 0x02, 'o', 'k' };
    const uint8_t colon[] = { RESPONSE_200, 0x06, 0x02, 'a', ':', 0x02, 'o', 'k' };
    const uint8_t high[] = { RESPONSE_200, 0x05, 0x01, 0xe9, 0x02, 'o', 'k' };
    const uint8_t nul[] = { RESPONSE_200, 0x05, 0x01, 0x00, 0x02, 'o', 'k' };
    const uint8_t empty[] = { RESPONSE_200, 0x04, 0x00, 0x02, 'o', 'k' };
    const uint8_t reserved[] = { RESPONSE_200, 0x0a, 0x07, ':', 's', 't', 'a', 't', 'u', 's',
                                 0x01, '1' };
    const uint8_t late_pseudo[] = { RESPONSE_200, 0x08, 0x01, 'a', 0x00,
                                    0x03, ':', 'p', 'x', 0x00 };
    const uint8_t pseudo_trailer[] = { RESPONSE_200, 0x00, 0x00, 0x04, 0x02, ':', 'p', 0x00 };
    const uint8_t *bad[] = { upper, space, colon, high, nul, empty, reserved, late_pseudo,
                             pseudo_trailer };
    const size_t lens[] = { sizeof(upper), sizeof(space), sizeof(colon), sizeof(high),
                            sizeof(nul), sizeof(empty), sizeof(reserved), sizeof(late_pseudo),
                            sizeof(pseudo_trailer) };
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_rejected(bad[i], lens[i], CONFAI_E_MALFORMED);
        assert_int_equal(stream(bad[i], lens[i], 1, 0), CONFAI_E_MALFORMED);
    }
    /* a pseudo-field first in the header section is accepted */
    const uint8_t pseudo_first[] = { RESPONSE_200, 0x08, 0x03, ':', 'p', 'x', 0x00,
                                     0x01, 'a', 0x00 };
    confai_http_message *msg = NULL;
    OK(decode(&msg, pseudo_first, sizeof(pseudo_first)));
    assert_string_equal(confai_http_message_field_value(msg, CONFAI_HTTP_HEADERS, ":px"), "");
    confai_http_message_free(msg);
}

static void rejects_invalid_field_values(void **state)
{
    (void)state;
    const uint8_t cr[] = { RESPONSE_200, 0x05, 0x01, 'a', 0x02, 'o', '\r' };
    const uint8_t lf[] = { RESPONSE_200, 0x05, 0x01, 'a', 0x02, '\n', 'k' };
    const uint8_t nul[] = { RESPONSE_200, 0x05, 0x01, 'a', 0x02, 'o', 0x00 };
    const uint8_t lead[] = { RESPONSE_200, 0x05, 0x01, 'a', 0x02, ' ', 'k' };
    const uint8_t trail[] = { RESPONSE_200, 0x05, 0x01, 'a', 0x02, 'o', '\t' };
    const uint8_t *bad[] = { cr, lf, nul, lead, trail };
    for (size_t i = 0; i < COUNT(bad); i++)
        assert_rejected(bad[i], sizeof(cr), CONFAI_E_MALFORMED);
    /* obs-text (bytes >= 0x80) and inner spaces are allowed */
    const uint8_t fine[] = { RESPONSE_200, 0x06, 0x01, 'a', 0x03, 0xe9, ' ', 'k' };
    confai_http_message *msg = NULL;
    OK(decode(&msg, fine, sizeof(fine)));
    confai_http_message_free(msg);
}

static void rejects_invalid_control_data(void **state)
{
    (void)state;
    /* known-length request: method, scheme, authority, path, empty headers */
    const uint8_t empty_method[] = { 0x00, 0x00, 0x05, 'h', 't', 't', 'p', 's', 0x00, 0x01, '/',
                                     0x00 };
    const uint8_t space_method[] = { 0x00, 0x02, 'G', ' ', 0x00, 0x00, 0x01, '/', 0x00 };
    const uint8_t bad_scheme[] = { 0x00, 0x03, 'G', 'E', 'T', 0x01, '1', 0x00, 0x01, '/', 0x00 };
    const uint8_t nul_path[] = { 0x00, 0x03, 'G', 'E', 'T', 0x00, 0x00, 0x02, '/', 0x00, 0x00 };
    const uint8_t space_authority[] = { 0x00, 0x03, 'G', 'E', 'T', 0x00, 0x01, ' ', 0x01, '/',
                                        0x00 };
    assert_rejected(empty_method, sizeof(empty_method), CONFAI_E_MALFORMED);
    assert_rejected(space_method, sizeof(space_method), CONFAI_E_MALFORMED);
    assert_rejected(bad_scheme, sizeof(bad_scheme), CONFAI_E_MALFORMED);
    assert_rejected(nul_path, sizeof(nul_path), CONFAI_E_MALFORMED);
    assert_rejected(space_authority, sizeof(space_authority), CONFAI_E_MALFORMED);
}

static void rejects_nonzero_trailing_bytes(void **state)
{
    (void)state;
    example ex;
    if (!load_example(&ex, "ex-bini-request")) {
        skip();
        return;
    }
    for (size_t at = ex.len - 10; at < ex.len; at++) {
        ex.bytes[at] = 0x01;
        assert_rejected(ex.bytes, ex.len, CONFAI_E_TRAILING_DATA);
        assert_int_equal(stream(ex.bytes, ex.len, 1, 0), CONFAI_E_TRAILING_DATA);
        ex.bytes[at] = 0x00;
    }
    OK(stream(ex.bytes, ex.len, 1, 0));
    /* after a known-length message too */
    const uint8_t after[] = { RESPONSE_200, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80 };
    assert_rejected(after, sizeof(after), CONFAI_E_TRAILING_DATA);
    free(ex.bytes);
}

static void rejects_lengths_beyond_input(void **state)
{
    (void)state;
    /* a field section, content or string longer than what follows */
    const uint8_t section[] = { RESPONSE_200, 0x20, 0x01, 'a', 0x01, 'b' };
    const uint8_t content[] = { RESPONSE_200, 0x00, 0x0a, 'a', 'b', 'c' };
    const uint8_t chunk[] = { 0x03, 0x40, 0xc8, 0x00, 0x0a, 'a', 'b', 'c' };
    const uint8_t unterminated[] = { 0x03, 0x40, 0xc8, 0x00, 0x03, 'a', 'b', 'c' };
    const uint8_t huge[] = { RESPONSE_200, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                             0xff, 'x' };
    const uint8_t path[] = { 0x00, 0x03, 'G', 'E', 'T', 0x00, 0x00, 0x10, '/' };
    const uint8_t *bad[] = { section, content, chunk, unterminated, huge, path };
    const size_t lens[] = { sizeof(section), sizeof(content), sizeof(chunk),
                            sizeof(unterminated), sizeof(huge), sizeof(path) };
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_rejected(bad[i], lens[i], CONFAI_E_TRUNCATED);
        assert_int_equal(stream(bad[i], lens[i], 2, 0), CONFAI_E_TRUNCATED);
    }
}

static void rejects_field_line_overrunning_section(void **state)
{
    (void)state;
    /* section of 3 bytes, but the value claims 5 more */
    const uint8_t value[] = { RESPONSE_200, 0x03, 0x01, 'a', 0x05, 'h', 'e', 'l', 'l', 'o' };
    /* section of 2 bytes ends between name and value */
    const uint8_t split[] = { RESPONSE_200, 0x02, 0x01, 'a', 0x00, 0x00, 0x00 };
    /* the value length itself is a 2-byte integer sticking out */
    const uint8_t integer[] = { RESPONSE_200, 0x03, 0x01, 'a', 0x40, 0x00, 0x00, 0x00 };
    /* the name is longer than the section */
    const uint8_t name[] = { RESPONSE_200, 0x02, 0x05, 'a', 'b', 'c', 'd', 'e', 0x00 };
    const uint8_t *bad[] = { value, split, integer, name };
    const size_t lens[] = { sizeof(value), sizeof(split), sizeof(integer), sizeof(name) };
    for (size_t i = 0; i < COUNT(bad); i++) {
        assert_rejected(bad[i], lens[i], CONFAI_E_MALFORMED);
        assert_int_equal(stream(bad[i], lens[i], 1, 0), CONFAI_E_MALFORMED);
    }
}

static void rejects_wrong_kind(void **state)
{
    (void)state;
    const uint8_t response[] = { RESPONSE_200, 0x00 };
    const uint8_t request[] = { 0x02, 0x03, 'G', 'E', 'T', 0x00, 0x00, 0x01, '/', 0x00 };
    confai_http_message *msg = NULL;
    assert_int_equal(confai_http_message_decode(&msg, response, sizeof(response),
                                                CONFAI_HTTP_REQUEST, NULL, NULL),
                     CONFAI_E_MALFORMED);
    assert_int_equal(confai_http_message_decode(&msg, request, sizeof(request),
                                                CONFAI_HTTP_RESPONSE, NULL, NULL),
                     CONFAI_E_MALFORMED);
    OK(confai_http_message_decode(&msg, request, sizeof(request), CONFAI_HTTP_REQUEST, NULL,
                                  NULL));
    assert_string_equal(confai_http_message_path(msg), "/");
    assert_int_equal(confai_http_message_status(msg), 0);
    confai_http_message_free(msg);
    assert_int_equal(confai_http_message_decode(&msg, request, sizeof(request),
                                                (confai_http_kind)9, NULL, NULL),
                     CONFAI_E_ARGUMENT);
}

/* Decoding with custom limits. */
static confai_status decode_limited(const uint8_t *data, size_t len,
                                    const confai_http_limits *limits)
{
    confai_http_message *msg = NULL;
    confai_status st = confai_http_message_decode(&msg, data, len, CONFAI_HTTP_ANY, limits,
                                                  NULL);
    confai_http_message_free(msg);
    /* the streaming decoder applies the same limits */
    confai_http_decoder *dec = NULL;
    OK(confai_http_decoder_new(&dec, CONFAI_HTTP_ANY, limits, NULL, NULL, NULL));
    confai_status streamed = CONFAI_OK;
    for (size_t i = 0; i < len && streamed == CONFAI_OK; i++)
        streamed = confai_http_decoder_feed(dec, data + i, 1, NULL);
    if (streamed == CONFAI_OK)
        streamed = confai_http_decoder_finish(dec, NULL);
    confai_http_decoder_free(dec);
    assert_int_equal(st, streamed);
    return st;
}

static void rejects_limits_exceeded(void **state)
{
    (void)state;
    confai_http_limits limits;
    OK(confai_http_limits_init(&limits, CONFAI_HTTP_LIMITS_VERSION, NULL));
    assert_int_equal(limits.max_section_size, 65536);
    assert_int_equal(limits.max_field_lines, 256);
    assert_int_equal(limits.max_informational, 16);
    assert_int_equal(confai_http_limits_version(), CONFAI_HTTP_LIMITS_VERSION);

    /* two field lines of 4 bytes each, in both framings */
    const uint8_t known[] = { RESPONSE_200, 0x08, 0x01, 'a', 0x01, 'b', 0x01, 'c', 0x01, 'd' };
    const uint8_t indeterminate[] = { 0x03, 0x40, 0xc8, 0x01, 'a', 0x01, 'b',
                                      0x01, 'c', 0x01, 'd', 0x00 };
    const uint8_t *both[] = { known, indeterminate };
    const size_t lens[] = { sizeof(known), sizeof(indeterminate) };
    for (size_t i = 0; i < 2; i++) {
        limits.max_section_size = 8;
        limits.max_field_lines = 2;
        OK(decode_limited(both[i], lens[i], &limits)); /* exactly at the limits */
        limits.max_section_size = 7;
        assert_int_equal(decode_limited(both[i], lens[i], &limits), CONFAI_E_LIMIT);
        limits.max_section_size = 8;
        limits.max_field_lines = 1;
        assert_int_equal(decode_limited(both[i], lens[i], &limits), CONFAI_E_LIMIT);
    }

    /* informational responses */
    example ex;
    if (!load_example(&ex, "ex-bini-response")) {
        skip();
        return;
    }
    OK(confai_http_limits_init(&limits, CONFAI_HTTP_LIMITS_VERSION, NULL));
    limits.max_informational = 2;
    OK(decode_limited(ex.bytes, ex.len, &limits));
    limits.max_informational = 1;
    assert_int_equal(decode_limited(ex.bytes, ex.len, &limits), CONFAI_E_LIMIT);
    free(ex.bytes);

    /* request control data: 1 + 3 + 1 + 0 + 1 + 0 + 1 + 1 = 8 bytes */
    const uint8_t request[] = { 0x00, 0x03, 'G', 'E', 'T', 0x00, 0x00, 0x01, '/', 0x00 };
    OK(confai_http_limits_init(&limits, CONFAI_HTTP_LIMITS_VERSION, NULL));
    limits.max_section_size = 8;
    OK(decode_limited(request, sizeof(request), &limits));
    limits.max_section_size = 7;
    assert_int_equal(decode_limited(request, sizeof(request), &limits), CONFAI_E_LIMIT);

    /* a declared section length is refused before its bytes arrive */
    const uint8_t big_section[] = { RESPONSE_200, 0x80, 0x01, 0x00, 0x01 };
    OK(confai_http_limits_init(&limits, CONFAI_HTTP_LIMITS_VERSION, NULL));
    assert_int_equal(decode_limited(big_section, sizeof(big_section), &limits), CONFAI_E_LIMIT);

    /* unknown versions are refused */
    limits.version = 2;
    confai_http_message *msg = NULL;
    assert_int_equal(confai_http_message_decode(&msg, known, sizeof(known), CONFAI_HTTP_ANY,
                                                &limits, NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_limits_init(&limits, 2, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_http_limits_init(NULL, 1, NULL), CONFAI_E_ARGUMENT);
}

/* --- Tests: the decoder's states ------------------------------------------- */

static void decoder_errors_are_sticky(void **state)
{
    (void)state;
    const uint8_t bad[] = { 0x05 };
    const uint8_t good[] = { RESPONSE_200, 0x00 };
    confai_http_decoder *dec = NULL;
    confai_error err;
    OK(confai_http_decoder_new(&dec, CONFAI_HTTP_ANY, NULL, NULL, NULL, NULL));
    assert_int_equal(confai_http_decoder_feed(dec, bad, 1, &err), CONFAI_E_MALFORMED);
    char first[CONFAI_ERROR_MESSAGE_SIZE];
    memcpy(first, err.message, sizeof(first));
    assert_int_equal(confai_http_decoder_feed(dec, good, sizeof(good), &err), CONFAI_E_MALFORMED);
    assert_string_equal(err.message, first);
    assert_int_equal(confai_http_decoder_finish(dec, &err), CONFAI_E_MALFORMED);
    confai_http_decoder_free(dec);

    /* finish is final */
    OK(confai_http_decoder_new(&dec, CONFAI_HTTP_ANY, NULL, NULL, NULL, NULL));
    OK(confai_http_decoder_feed(dec, good, sizeof(good), NULL));
    OK(confai_http_decoder_feed(dec, NULL, 0, NULL));
    OK(confai_http_decoder_finish(dec, NULL));
    assert_int_equal(confai_http_decoder_feed(dec, good, 1, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_http_decoder_finish(dec, NULL), CONFAI_E_STATE);
    confai_http_decoder_free(dec);

    /* a truncated message fails at finish, and stays failed */
    OK(confai_http_decoder_new(&dec, CONFAI_HTTP_ANY, NULL, NULL, NULL, NULL));
    OK(confai_http_decoder_feed(dec, good, 2, NULL));
    assert_int_equal(confai_http_decoder_finish(dec, &err), CONFAI_E_TRUNCATED);
    assert_int_equal(err.status, CONFAI_E_TRUNCATED);
    assert_int_equal(confai_http_decoder_finish(dec, NULL), CONFAI_E_TRUNCATED);
    confai_http_decoder_free(dec);

    assert_int_equal(confai_http_decoder_new(&dec, (confai_http_kind)3, NULL, NULL, NULL, NULL),
                     CONFAI_E_ARGUMENT);
    assert_null(dec);
    assert_int_equal(confai_http_decoder_feed(NULL, good, 1, NULL), CONFAI_E_ARGUMENT);
}

static void decoder_callback_can_stop_it(void **state)
{
    (void)state;
    confai_http_message *msg = build_response();
    uint8_t *out = NULL;
    size_t out_len;
    OK(confai_http_message_encode(msg, &out, &out_len, CONFAI_HTTP_INDETERMINATE_LENGTH, 0,
                                  NULL));
    recording r = { .order_ok = 1, .stop_with = CONFAI_E_LIMIT };
    confai_http_decoder *dec = NULL;
    confai_error err;
    OK(confai_http_decoder_new(&dec, CONFAI_HTTP_RESPONSE, NULL, record, &r, NULL));
    assert_int_equal(confai_http_decoder_feed(dec, out, out_len, &err), CONFAI_E_LIMIT);
    assert_non_null(strstr(err.message, "callback"));
    assert_int_equal(r.pieces, 1);
    assert_int_equal(confai_http_decoder_finish(dec, NULL), CONFAI_E_LIMIT);
    confai_http_decoder_free(dec);
    free(r.content);
    confai_free(out);
    confai_http_message_free(msg);
}

/* A callback that calls its own decoder is refused. */
static confai_status reenter(void *user, confai_http_event event,
                             const confai_http_message *message, const uint8_t *data,
                             size_t data_len)
{
    (void)message;
    (void)data;
    (void)data_len;
    recording *r = user;
    if (event == CONFAI_HTTP_EVENT_HEAD) {
        assert_int_equal(confai_http_decoder_feed(r->decoder, (const uint8_t *)"", 0, NULL),
                         CONFAI_E_STATE);
        assert_int_equal(confai_http_decoder_finish(r->decoder, NULL), CONFAI_E_STATE);
        r->heads++;
    }
    return CONFAI_OK;
}

static void decoder_refuses_reentry(void **state)
{
    (void)state;
    const uint8_t good[] = { RESPONSE_200, 0x00 };
    recording r = { .order_ok = 1 };
    OK(confai_http_decoder_new(&r.decoder, CONFAI_HTTP_ANY, NULL, reenter, &r, NULL));
    OK(confai_http_decoder_feed(r.decoder, good, sizeof(good), NULL));
    OK(confai_http_decoder_finish(r.decoder, NULL));
    assert_int_equal(r.heads, 1);
    confai_http_decoder_free(r.decoder);
}

/* --- Out of memory ------------------------------------------------------------ */

/*
 * The library allocates through OpenSSL (src/core/memory.c), so these hooks,
 * installed first thing in main, can fail the n-th allocation on purpose.
 */

#define TRY(call)                       \
    do {                                \
        st = (call);                    \
        if (st != CONFAI_OK)            \
            goto out;                   \
    } while (0)

/* Build, encode, decode and stream a request and a response; first failure. */
static confai_status full_cycle(void)
{
    confai_status st = CONFAI_OK;
    confai_http_message *req = NULL, *res = NULL, *info = NULL, *back = NULL;
    confai_http_decoder *dec = NULL;
    uint8_t *out = NULL;
    size_t out_len;
    recording r = { .order_ok = 1 };

    TRY(confai_http_message_new_request(&req, "POST", "https", "a.example", "/v1", NULL));
    for (int i = 0; i < 6; i++) /* enough to grow the field array */
        TRY(confai_http_message_add_field(req, CONFAI_HTTP_HEADERS, "x-n", "v", NULL));
    TRY(confai_http_message_set_body(req, chat_body, sizeof(chat_body), NULL));
    TRY(confai_http_message_add_field(req, CONFAI_HTTP_TRAILERS, "t", "v", NULL));
    TRY(confai_http_message_new_response(&res, 200, NULL));
    TRY(confai_http_message_new_response(&info, 103, NULL));
    TRY(confai_http_message_add_field(info, CONFAI_HTTP_HEADERS, "link", "</a>", NULL));
    TRY(confai_http_message_add_informational(res, info, NULL));
    TRY(confai_http_message_set_body(res, binary_body, sizeof(binary_body), NULL));

    confai_http_message *built[2] = { req, res };
    for (int m = 0; m < 2; m++)
        for (int framing = 0; framing <= 1; framing++) {
            TRY(confai_http_message_encode(built[m], &out, &out_len,
                                           (confai_http_framing)framing, 0, NULL));
            TRY(decode(&back, out, out_len));
            assert_same_message(back, built[m]); /* never a partial success */
            confai_http_message_free(back);
            back = NULL;
            TRY(confai_http_decoder_new(&dec, CONFAI_HTTP_ANY, NULL, record, &r, NULL));
            for (size_t i = 0; i < out_len; i++)
                TRY(confai_http_decoder_feed(dec, out + i, 1, NULL));
            TRY(confai_http_decoder_finish(dec, NULL));
            assert_same_head(r.end, built[m]);
            confai_http_decoder_free(dec);
            dec = NULL;
            free(r.content);
            r = (recording){ .order_ok = 1 };
            confai_free(out);
            out = NULL;
        }
out:
    confai_free(out);
    free(r.content);
    confai_http_decoder_free(dec);
    confai_http_message_free(back);
    confai_http_message_free(info);
    confai_http_message_free(res);
    confai_http_message_free(req);
    return st;
}

static void out_of_memory_fails_cleanly(void **state)
{
    (void)state;
    alloc_fail_at = -1;
    OK(full_cycle());
    for (alloc_fail_at = 0;; alloc_fail_at++) {
        alloc_fail_count = 0;
        confai_status st = full_cycle();
        if (alloc_fail_count <= alloc_fail_at) { /* the failure point was never reached */
            OK(st);
            break;
        }
        assert_int_equal(st, CONFAI_E_NO_MEMORY);
        assert_true(alloc_fail_at < 100000);
    }
    printf("out-of-memory walk: %ld allocation points\n", alloc_fail_at);
    alloc_fail_at = -1;
}

/* --- The fuzz corpus -------------------------------------------------------- */

/* Writes one seed: fuzz_bhttp reads a split seed, an options byte, a message. */
static void write_seed(const char *dir, const char *name, uint8_t options,
                       const uint8_t *msg, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t header[2] = { 0x5a, options };
    assert_int_equal(fwrite(header, 1, 2, f), 2);
    assert_int_equal(fwrite(msg, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_fuzz_corpus(void **state)
{
    (void)state;
    const char *dir = getenv("CONFAI_WRITE_BHTTP_CORPUS");
    for (size_t i = 0; i < COUNT(anchors); i++) {
        example ex;
        if (!load_example(&ex, anchors[i])) {
            skip();
            return;
        }
        char name[64];
        snprintf(name, sizeof(name), "rfc9292-%s", anchors[i]);
        write_seed(dir, name, 0, ex.bytes, ex.len);
        free(ex.bytes);
    }
    confai_http_message *built[2] = { build_request(), build_response() };
    const char *names[2][2] = { { "request-known", "request-indeterminate" },
                                { "response-known", "response-indeterminate" } };
    for (size_t i = 0; i < 2; i++)
        for (int framing = 0; framing <= 1; framing++) {
            uint8_t *out = NULL;
            size_t out_len;
            OK(confai_http_message_encode(built[i], &out, &out_len,
                                          (confai_http_framing)framing, 2, NULL));
            write_seed(dir, names[i][framing], (uint8_t)(i + 1), out, out_len);
            confai_free(out);
        }

    /* a streamed answer: head, several chunks, tail; checked with tight limits */
    uint8_t *head = NULL, *tail = NULL, joined[512];
    size_t head_len, tail_len, at = 0;
    OK(confai_http_message_encode_head(built[1], &head, &head_len, NULL));
    OK(confai_http_message_encode_tail(built[1], &tail, &tail_len, 0, NULL));
    memcpy(joined, head, head_len);
    at = head_len;
    const char *events[] = { "data: {\"delta\":\"Hel\"}\n\n", "data: {\"delta\":\"lo\"}\n\n",
                             "data: [DONE]\n\n" };
    for (size_t i = 0; i < COUNT(events); i++) {
        size_t n = sizeof(joined) - at;
        OK(confai_http_chunk_encode(joined + at, &n, (const uint8_t *)events[i],
                                    strlen(events[i]), NULL));
        at += n;
    }
    memcpy(joined + at, tail, tail_len);
    at += tail_len;
    write_seed(dir, "response-sse-chunks", 2, joined, at);
    write_seed(dir, "response-sse-chunks-tight-limits", 2 | 4, joined, at);
    confai_free(head);
    confai_free(tail);
    confai_http_message_free(built[0]);
    confai_http_message_free(built[1]);
}

int main(void)
{
    if (!alloc_fail_install()) {
        fprintf(stderr, "cannot install the allocation hooks\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc_examples_decode),
        cmocka_unit_test(rfc_examples_reencode),
        cmocka_unit_test(rfc_request_framings_agree),
        cmocka_unit_test(rfc_examples_every_prefix),
        cmocka_unit_test(rfc_examples_stream_any_split),
        cmocka_unit_test(stream_reports_parts_early),
        cmocka_unit_test(built_messages_round_trip),
        cmocka_unit_test(streaming_encoder_matches),
        cmocka_unit_test(builder_rejects_invalid_input),
        cmocka_unit_test(rejects_bad_framing_indicator),
        cmocka_unit_test(rejects_invalid_status),
        cmocka_unit_test(rejects_invalid_field_names),
        cmocka_unit_test(rejects_invalid_field_values),
        cmocka_unit_test(rejects_invalid_control_data),
        cmocka_unit_test(rejects_nonzero_trailing_bytes),
        cmocka_unit_test(rejects_lengths_beyond_input),
        cmocka_unit_test(rejects_field_line_overrunning_section),
        cmocka_unit_test(rejects_wrong_kind),
        cmocka_unit_test(rejects_limits_exceeded),
        cmocka_unit_test(decoder_errors_are_sticky),
        cmocka_unit_test(decoder_callback_can_stop_it),
        cmocka_unit_test(decoder_refuses_reentry),
        cmocka_unit_test(out_of_memory_fails_cleanly),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (getenv("CONFAI_WRITE_BHTTP_CORPUS") != NULL) {
        const struct CMUnitTest corpus[] = { cmocka_unit_test(write_fuzz_corpus) };
        failed += cmocka_run_group_tests(corpus, NULL, NULL);
    }
    cJSON_Delete(examples_doc);
    return failed;
}
