/*
 * QUIC variable-length integers (RFC 9000 section 16), as used by Binary HTTP
 * (RFC 9292) and chunked OHTTP.
 *
 * The two high bits of the first byte give the length (1, 2, 4 or 8 bytes);
 * the remaining bits hold the value, big-endian. Values go up to 2^62 - 1.
 * Encoding is always minimal; decoding accepts any length, because RFC 9292
 * section 3 says integers need not use the minimum number of bytes.
 */
#ifndef CONFAI_SEAL_VARINT_H
#define CONFAI_SEAL_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define CONFAI_VARINT_MAX ((UINT64_C(1) << 62) - 1)
#define CONFAI_VARINT_MAX_SIZE 8

/* Bytes of the minimal encoding of value; 0 when value > CONFAI_VARINT_MAX. */
size_t confai_varint_size(uint64_t value);

/* Total length (1, 2, 4 or 8) announced by the first byte of an encoding. */
size_t confai_varint_size_of_first(uint8_t first);

/*
 * Writes the minimal encoding of value to out (capacity cap) and returns the
 * number of bytes written; 0 (nothing written) when value is too large or cap
 * too small.
 */
size_t confai_varint_encode(uint8_t *out, size_t cap, uint64_t value);

/*
 * Reads one integer from the start of (in, len). On success *value and *used
 * (bytes read) are set. CONFAI_E_TRUNCATED when len is shorter than the length
 * the first byte announces (also for len == 0); nothing is set then. Sets no
 * error message: callers know what the integer meant and say so.
 */
confai_status confai_varint_decode(uint64_t *value, size_t *used,
                                   const uint8_t *in, size_t len);

#endif /* CONFAI_SEAL_VARINT_H */
