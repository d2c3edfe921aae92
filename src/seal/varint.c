/* QUIC variable-length integers (RFC 9000 section 16). */
#include "seal/varint.h"

size_t confai_varint_size(uint64_t value)
{
    if (value <= 0x3f)
        return 1;
    if (value <= 0x3fff)
        return 2;
    if (value <= 0x3fffffff)
        return 4;
    if (value <= CONFAI_VARINT_MAX)
        return 8;
    return 0;
}

size_t confai_varint_size_of_first(uint8_t first)
{
    return (size_t)1 << (first >> 6);
}

size_t confai_varint_encode(uint8_t *out, size_t cap, uint64_t value)
{
    size_t size = confai_varint_size(value);
    if (size == 0 || size > cap)
        return 0;
    for (size_t i = size; i > 0; i--) {
        out[i - 1] = (uint8_t)(value & 0xff);
        value >>= 8;
    }
    /* The two-bit length prefix: 0, 1, 2, 3 for 1, 2, 4, 8 bytes. */
    unsigned log2_size = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
    out[0] |= (uint8_t)(log2_size << 6);
    return size;
}

confai_status confai_varint_decode(uint64_t *value, size_t *used,
                                   const uint8_t *in, size_t len)
{
    if (len == 0)
        return CONFAI_E_TRUNCATED;
    size_t size = confai_varint_size_of_first(in[0]);
    if (len < size)
        return CONFAI_E_TRUNCATED;
    uint64_t v = in[0] & 0x3f;
    for (size_t i = 1; i < size; i++)
        v = v << 8 | in[i];
    *value = v;
    *used = size;
    return CONFAI_OK;
}
