#include "alloc_fail.h"

#include <stdlib.h>

#include <openssl/crypto.h>

long alloc_fail_count;
long alloc_fail_at = -1;

static int should_fail(void)
{
    return alloc_fail_at >= 0 && alloc_fail_count++ == alloc_fail_at;
}

static void *counting_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return should_fail() ? NULL : malloc(n);
}

static void *counting_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    return should_fail() ? NULL : realloc(p, n);
}

static void counting_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

int alloc_fail_install(void)
{
    return CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free);
}
