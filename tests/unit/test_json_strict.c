/*
 * src/core/json_strict.c: the checks cJSON does not make. Duplicate
 * members at any depth, bytes after the document, NUL characters raw or
 * escaped, unknown members (strict and lenient), types, required members,
 * ranges, integers written as integers, numbers in JSON's grammar, byte
 * order marks, and messages that name the member.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/json_strict.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static confai_error err;

static json_ctx ctx_of(int strict)
{
    json_ctx ctx = { "doc", CONFAI_E_MALFORMED, CONFAI_E_TRAILING_DATA, strict, &err };
    return ctx;
}

static confai_status parse(const char *text, cJSON **root)
{
    json_ctx ctx = ctx_of(1);
    return json_parse(root, &ctx, text, strlen(text), 4096);
}

static void parses(const char *text)
{
    cJSON *root = NULL;
    assert_int_equal(parse(text, &root), CONFAI_OK);
    assert_non_null(root);
    cJSON_Delete(root);
}

static void rejects(const char *text, confai_status want)
{
    cJSON *root = (cJSON *)1;
    assert_int_equal(parse(text, &root), want);
    assert_null(root);
    assert_int_equal(err.status, want);
}

static void test_parse(void **state)
{
    (void)state;
    parses("{}");
    parses(" {\"a\": 1}\r\n\t ");
    parses("{\"a\": \"\\\\u0000\"}");  /* an escaped backslash, then text */
}

static void test_parse_rejects(void **state)
{
    (void)state;
    rejects("", CONFAI_E_MALFORMED);
    rejects("{", CONFAI_E_MALFORMED);
    rejects("[1]", CONFAI_E_MALFORMED);        /* not an object */
    rejects("\"x\"", CONFAI_E_MALFORMED);
    rejects("{} x", CONFAI_E_TRAILING_DATA);
    rejects("{}{}", CONFAI_E_TRAILING_DATA);
    assert_non_null(strstr(err.message, "byte 2"));
    rejects("{\"a\": \"x\\u0000y\"}", CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "NUL"));

    cJSON *root = NULL;
    json_ctx ctx = ctx_of(1);
    assert_int_equal(json_parse(&root, &ctx, "{\"a\":1}\0", 8, 4096), CONFAI_E_MALFORMED);
    assert_int_equal(json_parse(&root, &ctx, "{\"a\":\"\0\"}", 9, 4096), CONFAI_E_MALFORMED);
    assert_int_equal(json_parse(&root, &ctx, "{}", 2, 1), CONFAI_E_LIMIT);
}

/* Reads {"a": string, "b": number (optional)} from text. */
static confai_status read_ab(const char *text, int strict, json_field *f)
{
    cJSON *root = NULL;
    json_ctx ctx = ctx_of(strict);
    confai_status st = json_parse(&root, &ctx, text, strlen(text), 4096);
    if (st == CONFAI_OK)
        st = json_read_object(&ctx, "", root, f, 2);
    cJSON_Delete(root);
    return st;
}

static void test_object(void **state)
{
    (void)state;
    json_field f[] = { { "a", JSON_STRING, 1, NULL }, { "b", JSON_NUMBER, 0, NULL } };
    assert_int_equal(read_ab("{\"a\": \"x\"}", 1, f), CONFAI_OK);
    assert_int_equal(read_ab("{\"b\": 2, \"a\": \"x\"}", 1, f), CONFAI_OK);

    assert_int_equal(read_ab("{\"a\": \"x\", \"a\": \"y\"}", 0, f), CONFAI_E_MALFORMED);
    assert_string_equal(err.message, "doc: a: duplicate member");
    assert_int_equal(read_ab("{\"a\": \"x\", \"c\": 1}", 1, f), CONFAI_E_MALFORMED);
    assert_string_equal(err.message, "doc: c: unknown member");
    assert_int_equal(read_ab("{\"a\": \"x\", \"c\": 1}", 0, f), CONFAI_OK);
    assert_int_equal(read_ab("{\"a\": \"x\", \"c\": 1, \"c\": 2}", 0, f), CONFAI_E_MALFORMED);
    assert_int_equal(read_ab("{\"b\": 1}", 1, f), CONFAI_E_MALFORMED);
    assert_string_equal(err.message, "doc: a: missing");
    assert_int_equal(read_ab("{\"a\": 1}", 1, f), CONFAI_E_MALFORMED);
    assert_string_equal(err.message, "doc: a: expected a string");
    assert_int_equal(read_ab("{\"a\": \"x\", \"b\": \"2\"}", 1, f), CONFAI_E_MALFORMED);
    assert_int_equal(read_ab("{\"a\": null}", 1, f), CONFAI_E_MALFORMED);
    /* Case matters: "A" is not "a". */
    assert_int_equal(read_ab("{\"a\": \"x\", \"A\": \"y\"}", 1, f), CONFAI_E_MALFORMED);
}

static void test_too_many_members(void **state)
{
    (void)state;
    char text[4096] = "{";
    for (int i = 0; i <= JSON_MAX_MEMBERS; i++) {
        char m[16];
        snprintf(m, sizeof(m), "%s\"m%d\":1", i ? "," : "", i);
        strcat(text, m);
    }
    strcat(text, "}");
    json_field f[] = { { "a", JSON_STRING, 0, NULL }, { "b", JSON_NUMBER, 0, NULL } };
    assert_int_equal(read_ab(text, 0, f), CONFAI_E_LIMIT);
}

static void test_values(void **state)
{
    (void)state;
    json_ctx ctx = ctx_of(1);
    cJSON *root = NULL;
    const char *text = "{\"n\": [0, 255, 256, 1.5, -1, \"1\", true, 1e2]}";
    assert_int_equal(json_parse(&root, &ctx, text, strlen(text), 4096), CONFAI_OK);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "n");
    size_t count = 0;
    assert_int_equal(json_read_array(&ctx, "n", n, 1, 8, &count), CONFAI_OK);
    assert_int_equal(count, 8);
    assert_int_equal(json_read_array(&ctx, "n", n, 1, 7, &count), CONFAI_E_MALFORMED);
    assert_int_equal(json_read_array(&ctx, "n", n, 9, 9, &count), CONFAI_E_MALFORMED);

    uint64_t v = 0;
    /* 1e2 is 100, but an integer is written without an exponent: rejected. */
    const int64_t want[] = { 0, 255, -1, -1, -1, -1, -1, -1 };
    for (int i = 0; i < 8; i++) {
        const cJSON *e = cJSON_GetArrayItem(n, i);
        confai_status st = json_read_uint(&ctx, "n[i]", e, 0, 255, &v);
        if (want[i] >= 0) {
            assert_int_equal(st, CONFAI_OK);
            assert_int_equal(v, want[i]);
        } else {
            assert_int_equal(st, CONFAI_E_MALFORMED);
        }
    }
    int b = 0;
    assert_int_equal(json_read_bool(&ctx, "t", cJSON_GetArrayItem(n, 6), &b), CONFAI_OK);
    assert_int_equal(b, 1);
    assert_int_equal(json_read_bool(&ctx, "t", cJSON_GetArrayItem(n, 0), &b), CONFAI_E_MALFORMED);
    cJSON_Delete(root);
}

/* Reads the integer member "n" of text in [0, max]. */
static confai_status read_n(const char *text, uint64_t max, uint64_t *v)
{
    json_ctx ctx = ctx_of(1);
    cJSON *root = NULL;
    confai_status st = json_parse(&root, &ctx, text, strlen(text), 4096);
    if (st == CONFAI_OK)
        st = json_read_uint(&ctx, "n", cJSON_GetObjectItemCaseSensitive(root, "n"), 0, max, v);
    cJSON_Delete(root);
    return st;
}

/* Integers are written as JSON integers; every number is in JSON's grammar. */
static void test_integer_lexemes(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(read_n("{\"n\": 0}", 10, &v), CONFAI_OK);
    assert_int_equal(v, 0);
    assert_int_equal(read_n("{\"n\": 4294967295}", UINT32_MAX, &v), CONFAI_OK);
    assert_int_equal(v, UINT32_MAX);
    assert_int_equal(read_n("{\"n\": 4294967296}", UINT32_MAX, &v), CONFAI_E_MALFORMED);
    assert_int_equal(read_n("{\"n\": 99999999999999999999999}", UINT32_MAX, &v),
                     CONFAI_E_MALFORMED);

    /* the value is an integer, the number is not written as one */
    const char *not_integers[] = { "1.0", "1e0", "1E0", "1e+0", "10e-1", "0.1e1", "1.0000000000000000000001",
                                   "-0", "-0.0", "-1" };
    for (size_t i = 0; i < COUNT(not_integers); i++) {
        char text[64];
        snprintf(text, sizeof(text), "{\"n\": %s}", not_integers[i]);
        v = 7;
        if (read_n(text, 10, &v) != CONFAI_E_MALFORMED)
            fail_msg("%s was read as an integer", not_integers[i]);
        assert_int_equal(v, 7);
        assert_non_null(strstr(err.message, "doc: n: expected an integer from 0 to 10"));
        assert_non_null(strstr(err.message, strpbrk(not_integers[i], ".eE") != NULL
                                                    ? "fraction or an exponent"
                                                    : "without a sign"));
    }

    /* not JSON numbers at all, which cJSON would read */
    const char *not_json[] = { "01", "00", "-01", "1.", "1.e1", "01.5", "+1", ".5", "1e", "1e+",
                               "0x1", "1..0", "--1", "1-" };
    for (size_t i = 0; i < COUNT(not_json); i++) {
        char text[64];
        snprintf(text, sizeof(text), "{\"n\": %s}", not_json[i]);
        if (read_n(text, 10, &v) != CONFAI_E_MALFORMED)
            fail_msg("%s was accepted", not_json[i]);
    }
    rejects("{\"n\": 01}", CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "the number 01 (byte 6)"));
    rejects("{\"a\": [1, {\"b\": [2, 1.]}]}", CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "the number 1."));

    /* numbers pair with their items whatever strings, names and nesting hold */
    json_ctx ctx = ctx_of(1);
    cJSON *root = NULL;
    const char *text = "{\"a1\": \"-5 1.5\", \"b\": [1, {\"c\": 2.5, \"d-2\": 3}, true, null],"
                       " \"e\": \"\\\"12\\\\\", \"f\": -0, \"g\": false, \"h\": 7}";
    assert_int_equal(json_parse(&root, &ctx, text, strlen(text), 4096), CONFAI_OK);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "b");
    const cJSON *o = cJSON_GetArrayItem(b, 1);
    assert_int_equal(json_read_uint(&ctx, "b[0]", cJSON_GetArrayItem(b, 0), 0, 9, &v), CONFAI_OK);
    assert_int_equal(v, 1);
    assert_int_equal(json_read_uint(&ctx, "c", cJSON_GetObjectItemCaseSensitive(o, "c"), 0, 9, &v),
                     CONFAI_E_MALFORMED);
    assert_int_equal(json_read_uint(&ctx, "d", cJSON_GetObjectItemCaseSensitive(o, "d-2"), 0, 9, &v),
                     CONFAI_OK);
    assert_int_equal(v, 3);
    assert_int_equal(json_read_uint(&ctx, "f", cJSON_GetObjectItemCaseSensitive(root, "f"), 0, 9, &v),
                     CONFAI_E_MALFORMED);
    assert_int_equal(json_read_uint(&ctx, "h", cJSON_GetObjectItemCaseSensitive(root, "h"), 0, 9, &v),
                     CONFAI_OK);
    assert_int_equal(v, 7);
    /* the flags leave cJSON's view of the types alone */
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "c")));
    char *printed = cJSON_PrintUnformatted(root);
    assert_non_null(strstr(printed, "\"c\":2.5"));
    cJSON_free(printed);
    cJSON_Delete(root);
}

/* A byte order mark, which cJSON skips, is not part of a document. */
static void test_bom(void **state)
{
    (void)state;
    rejects("\xEF\xBB\xBF{}", CONFAI_E_MALFORMED);
    assert_non_null(strstr(err.message, "byte order mark"));
    rejects("\xEF\xBB\xBF{\"a\": 1}", CONFAI_E_MALFORMED);
    rejects(" \xEF\xBB\xBF{}", CONFAI_E_MALFORMED);
    parses("{\"a\": \"\xEF\xBB\xBF\"}"); /* U+FEFF inside a string is text */
}

static void test_paths(void **state)
{
    (void)state;
    char p[JSON_PATH_MAX];
    json_path_member(p, "", "cpu");
    assert_string_equal(p, "cpu");
    json_path_member(p, "cpu", "certs");
    assert_string_equal(p, "cpu.certs");
    json_path_index(p, "cpu.certs", 2);
    assert_string_equal(p, "cpu.certs[2]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_object),
        cmocka_unit_test(test_too_many_members),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_integer_lexemes),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests_name("core_json_strict", tests, NULL, NULL);
}
