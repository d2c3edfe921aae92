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

/*
 * A value as hex in a buffer of its own, for messages that show what the
 * service reported (a measurement, a digest, an id of up to 64 bytes):
 * ENSURE(ok, status, "... (reported %s)", hex_show(&shown, value, 48)).
 */
typedef struct hex_shown {
    char text[2 * 64 + 1];
} hex_shown;

/* Fills shown with the hex of (in, len), len at most 64; returns its text. */
const char *hex_show(hex_shown *shown, const uint8_t *in, size_t len);

#endif /* CONFAI_CORE_HEX_H */
