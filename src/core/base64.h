/*
 * Strict base64 (RFC 4648 section 4, the standard alphabet with padding).
 *
 * Evidence bundles carry every binary member as base64. Decoding accepts
 * exactly one spelling per byte string: a length that is a multiple of 4,
 * only alphabet characters, '=' padding only at the end and only as much as
 * needed, zero bits in the unused part of the last character, and no
 * whitespace. OpenSSL does the decoding; this adds the strictness it lacks.
 */
#ifndef CONFAI_CORE_BASE64_H
#define CONFAI_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

/* Largest input accepted (OpenSSL's block functions take an int). */
#define BASE64_MAX_INPUT ((size_t)1 << 30)

/* The encoded length of len bytes, without a NUL. */
size_t base64_encoded_len(size_t len);

/*
 * Decodes (in, in_len) into fresh memory: *out (release with
 * confai_free_secret(*out, *out_len) or OPENSSL_free; NULL when empty) and
 * *out_len. On failure *out is NULL and the message starts with what.
 * Errors: `bad` (a status the caller picks, e.g. CONFAI_E_MALFORMED) for
 * input that is not canonical base64, CONFAI_E_LIMIT, CONFAI_E_NO_MEMORY.
 */
confai_status base64_decode(uint8_t **out, size_t *out_len, const char *in,
                            size_t in_len, confai_status bad,
                            const char *what, confai_error *err);

/*
 * Encodes (in, len) into *out, a fresh NUL-terminated string (release with
 * OPENSSL_free). Errors: CONFAI_E_LIMIT, CONFAI_E_NO_MEMORY.
 */
confai_status base64_encode(char **out, const uint8_t *in, size_t len,
                            confai_error *err);

/*
 * base64url without padding (RFC 4648 section 5, as JOSE uses it, RFC 7515
 * section 2): '-' and '_' in place of '+' and '/', no '=' and no whitespace,
 * zero bits in the unused part of the last character. Decoding translates
 * to the standard alphabet and decodes with base64_decode, so the same
 * strictness applies. Errors as base64_decode.
 */
confai_status base64url_decode(uint8_t **out, size_t *out_len, const char *in,
                               size_t in_len, confai_status bad,
                               const char *what, confai_error *err);

/* Encodes as base64url without padding; as base64_encode otherwise. */
confai_status base64url_encode(char **out, const uint8_t *in, size_t len,
                               confai_error *err);

#endif /* CONFAI_CORE_BASE64_H */
