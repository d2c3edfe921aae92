/*
 * Reading and writing wire formats: a bounds-checked cursor over input bytes
 * and fixed-width integer loads and stores in both byte orders. Every parser
 * shares these, so none reads past its input by its own arithmetic.
 */
#ifndef CONFAI_CORE_BYTES_H
#define CONFAI_CORE_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A cursor over input bytes; parsing never reads past the end. */
typedef struct byte_reader {
    const uint8_t *p;
    size_t left;
} byte_reader;

static inline byte_reader byte_reader_init(const uint8_t *data, size_t len)
{
    byte_reader r = { data, len };
    return r;
}

/* Points *out at the next n bytes and moves past them; 0 when fewer remain. */
static inline int byte_take(byte_reader *r, const uint8_t **out, size_t n)
{
    if (r->left < n)
        return 0;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return 1;
}

static inline uint16_t load_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint16_t load_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t load_le24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}

static inline void store_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void store_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif /* CONFAI_CORE_BYTES_H */
