/*
 * Loading the OHTTP known-answer vectors (RFC 9458 appendix A and the
 * chunked-OHTTP draft-08 example) for the seal_* unit tests.
 */
#ifndef CONFAI_TESTS_OHTTP_VECTORS_H
#define CONFAI_TESTS_OHTTP_VECTORS_H

#include <stdlib.h>

#include <cJSON.h>

#include "test_util.h"

#define RFC9458_VECTOR "ohttp/rfc9458-appendix-A.json"
#define CHUNKED_VECTOR "ohttp/chunked-ohttp-08-example.json"

/* Exit status that makes meson report a skipped test. */
#define EXIT_SKIP 77

typedef struct bytes {
    uint8_t *data;
    size_t len;
} bytes;

static inline void bytes_free(bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

/* The vector file parsed; NULL (after printing why) when vectors are absent. */
static inline cJSON *vector_load(const char *name)
{
    const char *dir = test_vectors_or_skip(name);
    if (dir == NULL)
        return NULL;
    size_t len = 0;
    uint8_t *text = test_read_file(dir, name, &len);
    if (text == NULL)
        fail_msg("cannot read %s/%s", dir, name);
    cJSON *json = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    if (json == NULL)
        fail_msg("%s is not JSON", name);
    return json;
}

/* The hex member `name` of obj, decoded (an empty string gives len 0). */
static inline bytes vector_hex(const cJSON *obj, const char *name)
{
    const char *hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
    if (hex == NULL)
        fail_msg("vector member \"%s\" is missing or not a string", name);
    bytes b = { NULL, 0 };
    if (hex[0] == '\0')
        return b;
    b.data = test_hex_decode(hex, &b.len);
    if (b.data == NULL)
        fail_msg("vector member \"%s\" is not valid hex", name);
    return b;
}

#endif /* CONFAI_TESTS_OHTTP_VECTORS_H */
