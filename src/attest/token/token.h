/*
 * Tokens from remote verifiers (NVIDIA NRAS, Intel Trust Authority,
 * Trustee): JWS compact serialization (RFC 7515) carrying JWT/EAT claims
 * (RFC 7519, RFC 9711), verified against keys the policy pins as a JWKS
 * (RFC 7517). Pure functions of bytes; OpenSSL does the cryptography and
 * cJSON (through core/json_strict) the JSON.
 *
 * Accepted algorithms (RFC 7518): ES256 (P-256), ES384 (P-384), RS256 and
 * PS256 (RSA of 2048 to 8192 bits). Everything else is rejected by name:
 * "none", the HMAC algorithms (a pinned public key must never double as an
 * HMAC secret), and any other value. A key is used only for the algorithm
 * it fits: kty, crv and the key's own "alg" must agree with the header's
 * alg, so an RSA key cannot verify an ES256 token and a P-256 key cannot
 * verify ES384 (key confusion).
 *
 * Binding: a token's "eat_nonce" is the lowercase or uppercase hex of
 * SHA-256 of the binding transcript (attest/binding.h), the same 32 bytes
 * each GPU's SPDM request carries, which is what NRAS echoes. Decoded and
 * compared in constant time.
 *
 * NRAS: the attestation response is a JSON array
 *   [["JWT", "<overall token>"], {"GPU-0": "<detached token>", ...}]
 * whose overall token carries "submods": {"GPU-0": ["DIGEST", ["SHA256",
 * "<hex>"]], ...}: the SHA-256 of each detached token's compact text. Every
 * submodule must have its detached token and the other way round, each
 * digest must match, and every detached token is verified like the overall
 * one (same keys, issuer, audience, times and nonce).
 */
#ifndef CONFAI_ATTEST_TOKEN_H
#define CONFAI_ATTEST_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>
#include <openssl/evp.h>

#include <confai/confai.h>

#include "core/json_strict.h"

#define TOKEN_MAX_LEN 65536        /* one compact JWS */
#define TOKEN_MAX_HEADER 4096      /* decoded protected header */
#define TOKEN_MAX_KEYS 16          /* keys in one pinned JWKS */
#define TOKEN_MAX_KID 128
#define TOKEN_MAX_DETACHED 16      /* per-GPU tokens of one NRAS response */
#define TOKEN_MAX_SUBMOD_NAME 64
#define TOKEN_NONCE_SIZE 32
#define TOKEN_MAX_SKEW 600         /* the largest skew a policy may allow */
#define TOKEN_RSA_MIN_BITS 2048
#define TOKEN_RSA_MAX_BITS 8192

typedef enum token_alg {
    TOKEN_ALG_NONE_SET = 0, /* a key without "alg": any algorithm its type fits */
    TOKEN_ALG_ES256 = 1,
    TOKEN_ALG_ES384 = 2,
    TOKEN_ALG_RS256 = 3,
    TOKEN_ALG_PS256 = 4,
} token_alg;

/* The JOSE name of an algorithm ("ES384"); "" for TOKEN_ALG_NONE_SET. */
const char *token_alg_name(token_alg alg);

/* One pinned public key. */
typedef struct token_key {
    char kid[TOKEN_MAX_KID + 1];
    token_alg alg;          /* the key's own "alg", or TOKEN_ALG_NONE_SET */
    int is_rsa;             /* else EC */
    int ec_bits;            /* 256 or 384 for EC keys */
    EVP_PKEY *pkey;
} token_key;

/* A pinned JWKS: keys with distinct kids. Immutable once read. */
typedef struct token_jwks {
    size_t count;
    token_key keys[TOKEN_MAX_KEYS];
} token_jwks;

/*
 * Reads {"keys": [jwk, ...]} (1..TOKEN_MAX_KEYS keys) at path. Each JWK:
 * "kty" "EC" (with "crv" "P-256" or "P-384", "x", "y" as unpadded base64url
 * of exactly the coordinate size, a point on the curve) or "RSA" ("n", "e";
 * 2048 to 8192 bits); "kid" required and unique; "use" if present "sig";
 * "alg" if present one of the accepted algorithms and fitting the key;
 * "key_ops", "x5c", "x5t", "x5t#S256" are allowed and ignored (the key
 * itself is what is pinned). Errors: ctx->bad naming the member,
 * CONFAI_E_NO_MEMORY. On failure *jwks holds nothing.
 */
confai_status token_jwks_read(const json_ctx *ctx, const char *path, const cJSON *item,
                              token_jwks *jwks);
void token_jwks_clear(token_jwks *jwks);

/* What a token must satisfy besides its signature. */
typedef struct token_rules {
    const token_jwks *jwks;
    const char *iss;                  /* exact match */
    int audience_any;                 /* 1: "aud" is not checked */
    const char *const *audiences;     /* one of them must be in "aud" */
    size_t audience_count;
    int64_t max_skew;                 /* seconds of clock skew tolerated */
    int64_t now;                      /* seconds since 1970 */
    const uint8_t *nonce;             /* TOKEN_NONCE_SIZE bytes */
} token_rules;

/* A verified token: its header and claims (owned) and the key that verified it. */
typedef struct token_verified {
    token_alg alg;
    char kid[TOKEN_MAX_KID + 1];
    cJSON *header;
    cJSON *claims;
    int64_t exp;
    int64_t iat;                      /* -1 when absent */
    int64_t nbf;                      /* -1 when absent */
} token_verified;

/*
 * Verifies one compact JWS (len bytes, need not be NUL-terminated). In
 * order, each with its own status:
 *   shape: three base64url parts, JSON objects without duplicate members,
 *     sizes within the limits                  CONFAI_E_MALFORMED, _LIMIT
 *   "crit" absent (no extension is understood) CONFAI_E_TOKEN_CLAIM
 *   alg accepted (none, HS*, others rejected)  CONFAI_E_TOKEN_ALGORITHM
 *   a pinned key: by "kid", or the only key when the token has no kid; its
 *     kty, crv and alg fit the header's alg     CONFAI_E_TOKEN_KEY
 *   the signature (raw R || S for ECDSA)       CONFAI_E_BAD_SIGNATURE
 *   exp present and now < exp + skew, nbf <= now + skew, iat <= now + skew
 *                                              CONFAI_E_TOKEN_EXPIRED
 *   iss equal, aud accepted                    CONFAI_E_TOKEN_CLAIM
 *   eat_nonce is the hex of rules->nonce       CONFAI_E_BINDING
 * On failure *out holds nothing.
 */
confai_status token_verify_jws(token_verified *out, const token_rules *rules, const char *jws,
                               size_t len, confai_error *err);
void token_verified_clear(token_verified *v);

/* A verified NRAS response: the overall token and its detached tokens by name. */
typedef struct token_nras {
    token_verified overall;
    size_t detached_count;
    char names[TOKEN_MAX_DETACHED][TOKEN_MAX_SUBMOD_NAME + 1];
    token_verified detached[TOKEN_MAX_DETACHED];
} token_nras;

/*
 * Verifies an NRAS response (the JSON array above, len bytes): the overall
 * token as token_verify_jws, "x-nvidia-overall-att-result" true
 * (CONFAI_E_TOKEN_CLAIM), "submods" and the detached tokens one to one with
 * matching SHA-256 digests (CONFAI_E_TOKEN_DETACHED), each detached token as
 * token_verify_jws. Errors also: CONFAI_E_MALFORMED for a response of
 * another shape. On failure *out holds nothing.
 */
confai_status token_verify_nras(token_nras *out, const token_rules *rules, const char *text,
                                size_t len, confai_error *err);
void token_nras_clear(token_nras *n);

/*
 * The "iss" claim of a compact JWS, read WITHOUT verifying anything: only to
 * choose which pinned issuer's rules verify it. Copies at most cap - 1 bytes
 * and a NUL. Errors: CONFAI_E_MALFORMED (no string "iss"), _LIMIT.
 */
confai_status token_peek_issuer(char *iss, size_t cap, const char *jws, size_t len,
                                confai_error *err);

/* The same for an NRAS response: the overall token's "iss". */
confai_status token_peek_nras_issuer(char *iss, size_t cap, const char *text, size_t len,
                                     confai_error *err);

#endif /* CONFAI_ATTEST_TOKEN_H */
