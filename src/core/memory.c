/*
 * Allocation helpers. Everything goes through OpenSSL's allocator so one set
 * of hooks (CRYPTO_set_mem_functions) sees every allocation the library and
 * OpenSSL make: that is how the tests fail allocations on purpose.
 */
#include "core/memory.h"

#include <stdint.h>
#include <string.h>

#include <confai/confai.h>
#include <openssl/crypto.h>

/* Header in front of caller-owned blocks; sized to keep the payload aligned. */
typedef union caller_block_header {
    size_t size;
    max_align_t align;
} caller_block_header;

void *confai_zalloc(size_t size)
{
    if (size == 0)
        return NULL;
    return OPENSSL_zalloc(size);
}

void confai_free_secret(void *ptr, size_t size)
{
    if (ptr != NULL)
        OPENSSL_clear_free(ptr, size);
}

void *confai_memdup(const void *src, size_t len)
{
    if (len == 0)
        return NULL;
    return OPENSSL_memdup(src, len);
}

void *confai_alloc_for_caller(size_t size)
{
    if (size > SIZE_MAX - sizeof(caller_block_header))
        return NULL;
    caller_block_header *block = OPENSSL_zalloc(sizeof(*block) + size);
    if (block == NULL)
        return NULL;
    block->size = size;
    return block + 1;
}

void confai_free(void *ptr)
{
    if (ptr == NULL)
        return;
    caller_block_header *block = (caller_block_header *)ptr - 1;
    OPENSSL_clear_free(block, sizeof(*block) + block->size);
}

void confai_wipe(void *ptr, size_t size)
{
    if (ptr != NULL && size > 0)
        OPENSSL_cleanse(ptr, size);
}

int confai_equal_ct(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}
