#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef CONFAI_SOURCE_ROOT
#  error "CONFAI_SOURCE_ROOT must be defined by the build"
#endif

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *test_vectors_dir(void)
{
    static char path[4096];
    const char *env = getenv("CONFAI_VECTORS");
    if (env != NULL && env[0] != '\0')
        snprintf(path, sizeof(path), "%s", env);
    else
        snprintf(path, sizeof(path), "%s/../shared/vectors", CONFAI_SOURCE_ROOT);
    return is_dir(path) ? path : NULL;
}

const char *test_vectors_or_skip(const char *what)
{
    const char *dir = test_vectors_dir();
    if (dir != NULL)
        return dir;
    if (getenv("CONFAI_REQUIRE_VECTORS") != NULL) {
        fprintf(stderr, "FAIL: %s needs the shared vectors, which are required "
                        "here (CONFAI_REQUIRE_VECTORS) but missing\n", what);
        exit(1);
    }
    fprintf(stderr, "SKIP: %s needs ../shared/vectors or $CONFAI_VECTORS\n", what);
    return NULL;
}

uint8_t *test_read_file(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, used = 0;
    for (;;) {
        if (used == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap + 1);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[used] = '\0'; /* convenient for text files */
    *len = used;
    return buf;
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

uint8_t *test_hex_decode(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    if (n % 2 != 0)
        return NULL;
    uint8_t *out = malloc(n / 2 + 1); /* +1: never malloc(0) */
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}
