/*
 * Strict reading of JSON documents (evidence bundles, policies) on cJSON.
 *
 * cJSON parses permissively: it keeps duplicate members, stops at the end of
 * the first value without looking further, and turns a "\u0000" escape into
 * a string that silently ends early. It also skips a leading byte order
 * mark, keeps a number only as a double (1.0 and 1e0 read as 1) and takes
 * numbers JSON does not allow (01, 1.). Security documents must have one
 * meaning, so these helpers add the checks: no bytes after the document
 * except whitespace, no NUL (raw or escaped), no byte order mark, every
 * number in JSON's grammar and every integer written as one (no fraction,
 * exponent or sign), no duplicate member in any object, unknown members
 * rejected when strict, every member of the type expected, and messages
 * that name the member ("cpu.certs[1]: ...").
 */
#ifndef CONFAI_CORE_JSON_STRICT_H
#define CONFAI_CORE_JSON_STRICT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

/* Most members one object may have; more is CONFAI_E_LIMIT. */
#define JSON_MAX_MEMBERS 64
/* Room for a member path in messages ("sev_snp.min_tcb.turin.launch.fmc"). */
#define JSON_PATH_MAX 96

/* JSON types as cJSON flags; a field may accept several. */
#define JSON_STRING cJSON_String
#define JSON_NUMBER cJSON_Number
#define JSON_BOOL (cJSON_True | cJSON_False)
#define JSON_ARRAY cJSON_Array
#define JSON_OBJECT cJSON_Object

/* How one kind of document reports what is wrong with it. */
typedef struct json_ctx {
    const char *doc;         /* first word of every message: "bundle", "policy" */
    confai_status bad;       /* a document that does not conform */
    confai_status trailing;  /* bytes after the document */
    int strict;              /* 1: unknown members are errors, 0: ignored */
    confai_error *err;
} json_ctx;

/* One member an object may have; value is filled in by json_read_object. */
typedef struct json_field {
    const char *name;
    int types;      /* JSON_* bits */
    int required;
    const cJSON *value; /* NULL when absent */
} json_field;

/*
 * Parses (text, len) into *root, which must be an object, and marks how
 * each number is written for json_read_uint. Errors: ctx->bad (not JSON, a
 * number outside JSON's grammar such as 01 or 1., a NUL, a leading byte
 * order mark, not an object), ctx->trailing, CONFAI_E_LIMIT (over
 * max_len), CONFAI_E_NO_MEMORY is reported as ctx->bad (cJSON does not tell
 * the two apart). Release *root with cJSON_Delete.
 */
confai_status json_parse(cJSON **root, const json_ctx *ctx, const char *text,
                         size_t len, size_t max_len);

/*
 * Reads an object at path against its field table: no duplicate names,
 * unknown names rejected when ctx->strict, each known member of one of its
 * types, each required one present. path "" is the document itself.
 */
confai_status json_read_object(const json_ctx *ctx, const char *path,
                               const cJSON *obj, json_field *fields, size_t n);

/* Checks an array's type and length (min..max elements) and gives it. */
confai_status json_read_array(const json_ctx *ctx, const char *path,
                              const cJSON *item, size_t min, size_t max,
                              size_t *count);

/*
 * An integer in [min, max] (max below 2^53, where doubles hold every
 * integer), written as one: digits only, without fraction, exponent or sign
 * (1.0, 1e0 and -0 are rejected). How a number is written is known for
 * items json_parse made; for others only the value is checked.
 */
confai_status json_read_uint(const json_ctx *ctx, const char *path,
                             const cJSON *item, uint64_t min, uint64_t max,
                             uint64_t *out);

/* true or false. */
confai_status json_read_bool(const json_ctx *ctx, const char *path,
                             const cJSON *item, int *out);

/* A string; *len is its length in bytes. */
confai_status json_read_string(const json_ctx *ctx, const char *path,
                               const cJSON *item, const char **out,
                               size_t *len);

/* Writes "parent.name" (or "name" at the top) into buf. */
void json_path_member(char buf[JSON_PATH_MAX], const char *parent, const char *name);

/* Writes "parent[index]" into buf. */
void json_path_index(char buf[JSON_PATH_MAX], const char *parent, size_t index);

/* Records ctx->bad with "<doc>: <path>: <what>" and returns it. */
confai_status json_fail(const json_ctx *ctx, const char *path, const char *what);

#endif /* CONFAI_CORE_JSON_STRICT_H */
