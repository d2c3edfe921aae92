/*
 * What every fuzz target shares: the libFuzzer entry point (each fuzz_<name>.c
 * defines it; fuzz_replay.c or libFuzzer calls it) and a reader that cuts the
 * input into fields.
 *
 * Fields are copied into heap blocks of exactly their length, so that
 * AddressSanitizer notices a read past the end of a field even when the next
 * field follows it in the input.
 */
#ifndef CONFAI_TESTS_FUZZ_H
#define CONFAI_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message: a finding, as libFuzzer reports abort(). */
#define FUZZ_CHECK(cond)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                   \
            abort();                                                          \
        }                                                                     \
    } while (0)

typedef struct fuzz_reader {
    const uint8_t *p;
    size_t left;
} fuzz_reader;

/* The next byte, or 0 past the end. */
static inline uint8_t fuzz_u8(fuzz_reader *r)
{
    if (r->left == 0)
        return 0;
    r->left--;
    return *r->p++;
}

/* The next two bytes, big-endian; missing bytes read as 0. */
static inline uint16_t fuzz_u16(fuzz_reader *r)
{
    uint16_t hi = fuzz_u8(r);
    return (uint16_t)(hi << 8 | fuzz_u8(r));
}

/* A heap block of exactly len bytes (at least one allocated); never NULL. */
static inline uint8_t *fuzz_alloc(size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    FUZZ_CHECK(p != NULL);
    return p;
}

/*
 * Takes up to want bytes (fewer at the end of the input) into a fresh block;
 * *len gets the number taken. Release with free().
 */
static inline uint8_t *fuzz_take(fuzz_reader *r, size_t want, size_t *len)
{
    size_t n = want < r->left ? want : r->left;
    uint8_t *copy = fuzz_alloc(n);
    if (n > 0)
        memcpy(copy, r->p, n);
    r->p += n;
    r->left -= n;
    *len = n;
    return copy;
}

#endif /* CONFAI_TESTS_FUZZ_H */
