/* Strict JSON reading on cJSON; see json_strict.h for what "strict" adds. */
#include "core/json_strict.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

confai_status json_fail(const json_ctx *ctx, const char *path, const char *what)
{
    if (path[0] == '\0')
        return confai_err_set(ctx->err, ctx->bad, "%s: %s", ctx->doc, what);
    return confai_err_set(ctx->err, ctx->bad, "%s: %s: %s", ctx->doc, path, what);
}

void json_path_member(char buf[JSON_PATH_MAX], const char *parent, const char *name)
{
    if (parent[0] == '\0')
        snprintf(buf, JSON_PATH_MAX, "%s", name);
    else
        snprintf(buf, JSON_PATH_MAX, "%s.%s", parent, name);
}

void json_path_index(char buf[JSON_PATH_MAX], const char *parent, size_t index)
{
    snprintf(buf, JSON_PATH_MAX, "%s[%zu]", parent, index);
}

/*
 * Finds a NUL byte or a "\u0000" escape, which cJSON would let cut a string
 * short. Only escapes inside strings count; a backslash escapes exactly the
 * next character, so "\\u0000" is a backslash and the text "u0000".
 */
static int has_nul(const char *text, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\0')
            return 1;
        if (!in_string) {
            in_string = c == '"';
            continue;
        }
        if (c == '"') {
            in_string = 0;
        } else if (c == '\\' && i + 1 < len) {
            if (text[i + 1] == 'u' && len - i >= 6 && memcmp(text + i + 2, "0000", 4) == 0)
                return 1;
            i++;
        }
    }
    return 0;
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Numbers as they are written. cJSON keeps a number only as a double, so
 * 1, 1.0, 1e0 and 1.0000000000000000000001 all read as 1 and -0 as 0, and
 * it lets through lexemes JSON does not allow (01, 1., -01), because it
 * hands whatever run of digits, signs, dots and e's it finds to strtod.
 *
 * So json_parse, once cJSON has accepted the document, makes one pass over
 * the text: it finds every number token outside strings, in document order,
 * and checks it against JSON's grammar (RFC 8259, section 6). cJSON builds
 * its items in document order (children in the order they are written), so
 * a depth-first walk of the tree meets the number items in the order the
 * text has their tokens: the n-th number item is the n-th token. The walk
 * flags each number item whose token has a fraction or an exponent, or a
 * minus sign, in bits of its type above cJSON's own (cJSON reads types
 * through & 0xFF and copies the bits along), and json_read_uint rejects a
 * flagged item. Tokens and items that do not pair up exactly reject the
 * document.
 */
#define NUMBER_NOT_INTEGER (1 << 12) /* a fraction or an exponent: 1.0, 1e0 */
#define NUMBER_SIGNED (1 << 13)      /* a minus sign: -1, -0 */

typedef struct number_scan {
    const char *text;
    size_t len;
    size_t at; /* where the next token is looked for; never inside a string */
} number_scan;

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The characters cJSON takes into a number. */
static int is_number_char(char c)
{
    return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* The next number token outside strings as [*start, *end); 0 when none is left. */
static int next_number(number_scan *s, size_t *start, size_t *end)
{
    int in_string = 0;
    for (; s->at < s->len; s->at++) {
        char c = s->text[s->at];
        if (in_string) {
            if (c == '\\')
                s->at++; /* the escaped character */
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '-' || is_digit(c)) {
            /* true, false and null hold no digit or '-': this is a number */
            *start = s->at;
            while (s->at < s->len && is_number_char(s->text[s->at]))
                s->at++;
            *end = s->at;
            return 1;
        }
    }
    return 0;
}

/*
 * JSON's number grammar, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, over
 * all of t[0, n). Returns 0 when t is not a JSON number, else 1 with the
 * NUMBER_* flags it earns in *flags.
 */
static int number_lexeme(const char *t, size_t n, int *flags)
{
    size_t i = 0;
    *flags = 0;
    if (i < n && t[i] == '-') {
        *flags |= NUMBER_SIGNED;
        i++;
    }
    if (i == n || !is_digit(t[i]))
        return 0;
    if (t[i++] != '0')
        while (i < n && is_digit(t[i]))
            i++;
    if (i < n && t[i] == '.') {
        *flags |= NUMBER_NOT_INTEGER;
        if (++i == n || !is_digit(t[i]))
            return 0;
        while (i < n && is_digit(t[i]))
            i++;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        *flags |= NUMBER_NOT_INTEGER;
        if (++i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        if (i == n || !is_digit(t[i]))
            return 0;
        while (i < n && is_digit(t[i]))
            i++;
    }
    return i == n;
}

/* Pairs the number items under parent with the scan's tokens and flags them. */
static confai_status mark_numbers(cJSON *parent, number_scan *s, const json_ctx *ctx)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    for (cJSON *item = parent->child; item != NULL; item = item->next) {
        if (cJSON_IsArray(item) || cJSON_IsObject(item)) {
            GUARD(mark_numbers(item, s, ctx));
            continue;
        }
        if (!cJSON_IsNumber(item))
            continue;
        size_t start = 0, end = 0;
        int flags = 0;
        ENSURE(next_number(s, &start, &end), ctx->bad,
               "%s: not valid JSON (a number cJSON found is not in the text)", ctx->doc);
        ENSURE(number_lexeme(s->text + start, end - start, &flags), ctx->bad,
               "%s: not valid JSON: the number %.*s (byte %zu)", ctx->doc,
               (int)(end - start > 32 ? 32 : end - start), s->text + start, start);
        item->type |= flags;
    }
out:
    return status;
}

/* The BOM U+FEFF in UTF-8, which cJSON would skip. */
static int starts_with_bom(const char *text, size_t len)
{
    return len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0;
}

confai_status json_parse(cJSON **root, const json_ctx *ctx, const char *text,
                         size_t len, size_t max_len)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    cJSON *doc = NULL;

    *root = NULL;
    ENSURE(len <= max_len, CONFAI_E_LIMIT, "%s: %zu bytes, more than the %zu allowed",
           ctx->doc, len, max_len);
    ENSURE(len > 0, ctx->bad, "%s: empty", ctx->doc);
    ENSURE(!has_nul(text, len), ctx->bad, "%s: contains a NUL character", ctx->doc);
    /* RFC 8259, section 8.1: no byte order mark; a document has one form. */
    ENSURE(!starts_with_bom(text, len), ctx->bad,
           "%s: starts with a byte order mark (U+FEFF)", ctx->doc);

    /* The end pointer is ours (cJSON's global error pointer is not). */
    const char *end = NULL;
    doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (doc == NULL) {
        size_t at = end != NULL && end >= text ? (size_t)(end - text) : 0;
        BAIL(ctx->bad, "%s: not valid JSON (near byte %zu)", ctx->doc, at);
    }
    for (size_t at = (size_t)(end - text); at < len; at++)
        ENSURE(is_json_space(text[at]), ctx->trailing,
               "%s: data after the JSON document (byte %zu)", ctx->doc, at);
    ENSURE(cJSON_IsObject(doc), ctx->bad, "%s: not a JSON object", ctx->doc);
    number_scan scan = { text, len, 0 };
    size_t extra = 0, extra_end = 0;
    GUARD(mark_numbers(doc, &scan, ctx));
    ENSURE(!next_number(&scan, &extra, &extra_end), ctx->bad,
           "%s: not valid JSON (a number at byte %zu that cJSON did not read)", ctx->doc, extra);
    *root = doc;
    doc = NULL;
out:
    cJSON_Delete(doc);
    return status;
}

static const char *type_words(int types)
{
    switch (types) {
    case JSON_STRING: return "expected a string";
    case JSON_NUMBER: return "expected a number";
    case JSON_BOOL: return "expected true or false";
    case JSON_ARRAY: return "expected an array";
    case JSON_OBJECT: return "expected an object";
    case JSON_STRING | JSON_ARRAY: return "expected \"*\" or an array";
    case JSON_STRING | JSON_OBJECT: return "expected \"*\" or an object";
    default: return "wrong type";
    }
}

static json_field *find_field(json_field *fields, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    }
    return NULL;
}

/* Duplicates are checked pairwise; JSON_MAX_MEMBERS keeps that cheap. */
static confai_status check_members(const json_ctx *ctx, const char *path, const cJSON *obj)
{
    size_t count = 0;
    for (const cJSON *a = obj->child; a != NULL; a = a->next) {
        if (++count > JSON_MAX_MEMBERS)
            return confai_err_set(ctx->err, CONFAI_E_LIMIT, "%s: %s: more than %d members",
                                  ctx->doc, path[0] ? path : "document", JSON_MAX_MEMBERS);
        for (const cJSON *b = a->next; b != NULL; b = b->next) {
            if (strcmp(a->string, b->string) == 0) {
                char p[JSON_PATH_MAX];
                json_path_member(p, path, a->string);
                return json_fail(ctx, p, "duplicate member");
            }
        }
    }
    return CONFAI_OK;
}

confai_status json_read_object(const json_ctx *ctx, const char *path,
                               const cJSON *obj, json_field *fields, size_t n)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];

    for (size_t i = 0; i < n; i++)
        fields[i].value = NULL;
    if (!cJSON_IsObject(obj))
        return json_fail(ctx, path, "expected an object");
    GUARD(check_members(ctx, path, obj));

    for (const cJSON *m = obj->child; m != NULL; m = m->next) {
        json_path_member(p, path, m->string);
        json_field *f = find_field(fields, n, m->string);
        if (f == NULL) {
            if (ctx->strict)
                return json_fail(ctx, p, "unknown member");
            continue;
        }
        if ((m->type & 0xFF & f->types) == 0)
            return json_fail(ctx, p, type_words(f->types));
        f->value = m;
    }
    for (size_t i = 0; i < n; i++) {
        if (fields[i].required && fields[i].value == NULL) {
            json_path_member(p, path, fields[i].name);
            return json_fail(ctx, p, "missing");
        }
    }
out:
    return status;
}

confai_status json_read_array(const json_ctx *ctx, const char *path,
                              const cJSON *item, size_t min, size_t max,
                              size_t *count)
{
    if (!cJSON_IsArray(item))
        return json_fail(ctx, path, "expected an array");
    size_t n = 0;
    for (const cJSON *e = item->child; e != NULL; e = e->next) {
        if (++n > max) {
            char what[64];
            snprintf(what, sizeof(what), "more than %zu entries", max);
            return json_fail(ctx, path, what);
        }
    }
    if (n < min) {
        char what[64];
        snprintf(what, sizeof(what), "fewer than %zu entries", min);
        return json_fail(ctx, path, what);
    }
    *count = n;
    return CONFAI_OK;
}

confai_status json_read_uint(const json_ctx *ctx, const char *path,
                             const cJSON *item, uint64_t min, uint64_t max,
                             uint64_t *out)
{
    char what[80];
    snprintf(what, sizeof(what), "expected an integer from %llu to %llu",
             (unsigned long long)min, (unsigned long long)max);
    if (!cJSON_IsNumber(item))
        return json_fail(ctx, path, what);
    /* The flags of json_parse: how the number is written, not just its value. */
    if (item->type & (NUMBER_NOT_INTEGER | NUMBER_SIGNED)) {
        char why[160];
        snprintf(why, sizeof(why), "%s, %s", what,
                 (item->type & NUMBER_NOT_INTEGER)
                     ? "not a number with a fraction or an exponent (1.0, 1e0)"
                     : "written without a sign (-0)");
        return json_fail(ctx, path, why);
    }
    double d = item->valuedouble;
    /* Range first, so the conversion below is defined. */
    if (!(d >= (double)min && d <= (double)max))
        return json_fail(ctx, path, what);
    uint64_t v = (uint64_t)d;
    if ((double)v != d)
        return json_fail(ctx, path, what);
    *out = v;
    return CONFAI_OK;
}

confai_status json_read_bool(const json_ctx *ctx, const char *path,
                             const cJSON *item, int *out)
{
    if (!cJSON_IsBool(item))
        return json_fail(ctx, path, "expected true or false");
    *out = cJSON_IsTrue(item) ? 1 : 0;
    return CONFAI_OK;
}

confai_status json_read_string(const json_ctx *ctx, const char *path,
                               const cJSON *item, const char **out, size_t *len)
{
    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return json_fail(ctx, path, "expected a string");
    *out = item->valuestring;
    *len = strlen(item->valuestring);
    return CONFAI_OK;
}
