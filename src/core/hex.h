/* Hexadecimal for measurements, digests and ids in policies and verdicts. */
#ifndef CONFAI_CORE_HEX_H
#define CONFAI_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes exactly out_len bytes from a NUL-terminated string of hex_len
 * characters (either case, no separators). Returns 1 on success; 0 when
 * hex_len is not 2 * out_len or a character is not a hex digit.
 */
int hex_decode_exact(uint8_t *out, size_t out_len, const char *hex, size_t hex_len);

/* Writes len bytes as 2 * len lowercase hex digits and a NUL into out. */
void hex_encode(char *out, const uint8_t *in, size_t len);

#endif /* CONFAI_CORE_HEX_H */
