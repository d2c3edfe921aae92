/* Allocation helpers: every secret is wiped before its memory is released. */
#ifndef CONFAI_CORE_MEMORY_H
#define CONFAI_CORE_MEMORY_H

#include <stddef.h>

/* zeroed allocation; NULL on failure or on a zero size */
void *confai_zalloc(size_t size);

/* releases memory from confai_zalloc, wiping size bytes first; NULL is a no-op */
void confai_free_secret(void *ptr, size_t size);

/* copy of (src, len) in fresh memory; NULL on failure (len 0 gives NULL) */
void *confai_memdup(const void *src, size_t len);

/*
 * Memory handed to the caller, released with the public confai_free(). It
 * remembers its size so confai_free() can wipe it.
 */
void *confai_alloc_for_caller(size_t size);

/* wipes memory; never optimised away */
void confai_wipe(void *ptr, size_t size);

/* constant-time equality of two buffers of the same length; 1 when equal */
int confai_equal_ct(const void *a, const void *b, size_t len);

#endif /* CONFAI_CORE_MEMORY_H */
