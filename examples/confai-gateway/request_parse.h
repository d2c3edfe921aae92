/*
 * What confai-gateway reads from a caller before anything is sealed or
 * attested: the route, the media type and the attestation request's nonce.
 * Pure functions over bytes (cJSON and OpenSSL only, no libmicrohttpd), so
 * the fuzz target tests/fuzz/fuzz_gateway_request.c links this file as the
 * gateway does.
 */
#ifndef CONFAI_GATEWAY_REQUEST_PARSE_H
#define CONFAI_GATEWAY_REQUEST_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define GW_NONCE_SIZE 32 /* CONFAI_ATTESTATION_NONCE_SIZE */

typedef enum gw_route {
    GW_ROUTE_NONE = 0,
    GW_ROUTE_ATTEST,  /* POST /v1/attestation */
    GW_ROUTE_SEALED,  /* POST /v1/sealed */
    GW_ROUTE_ROTATE,  /* POST /v1/admin/rotate, with --allow-rotate */
    GW_ROUTE_PLAIN,   /* POST /plain/..., with --plaintext-for-benchmarks */
} gw_route;

/* The route of a decoded request path; routes behind a switch need it on. */
gw_route gw_route_of(const char *path, int allow_rotate, int plaintext_bench);

/*
 * The Content-Type without parameters and trailing blanks, lowercased, into
 * out (cap bytes, NUL-terminated; a longer type is cut, which no known type
 * matches). header may be NULL: out is then "".
 */
void gw_media_type(char *out, size_t cap, const char *header);

/*
 * The nonce of an attestation request body: a JSON object whose member
 * "nonce" is the canonical base64 of exactly GW_NONCE_SIZE bytes. 0 on
 * success, -1 for anything else (not JSON, not an object, no such member,
 * not a string, not canonical base64, another length).
 */
int gw_attestation_nonce(const uint8_t *body, size_t len, uint8_t nonce[GW_NONCE_SIZE]);

/*
 * Canonical base64 (standard alphabet, padded, no whitespace) on OpenSSL's
 * EVP_DecodeBlock: only text that encodes back to itself is taken. Writes
 * the bytes to out (out_cap bytes); 0 on success, -1 on any error.
 */
int gw_base64_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in, size_t len);

/* Standard base64 with padding; malloc'd NUL-terminated text, or NULL. */
char *gw_base64_encode(const uint8_t *data, size_t len);

#endif
