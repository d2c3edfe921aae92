/*
 * libconfai: the client half of confidential AI.
 *
 * This is the one public header. Everything here is part of the stable ABI
 * described in doc/ABI.md unless it lives in an experimental header.
 *
 * Conventions, true for every function unless its comment says otherwise:
 * - Functions return a confai_status; CONFAI_OK is 0.
 * - The last argument is an optional caller-owned confai_error (may be NULL)
 *   that receives the status and a human-readable message on failure. The
 *   library keeps no global or thread-local error state.
 * - Output buffers are (ptr, *len) pairs: on input *len is the capacity, on
 *   success it is the number of bytes written. When the capacity is too small
 *   the call fails with CONFAI_E_BUFFER_TOO_SMALL, sets *len to the size
 *   needed and writes nothing.
 * - Memory the library allocates for the caller is released with
 *   confai_free(). Handles are released with their own _free(); passing NULL
 *   to any _free() is a no-op.
 * - On failure no output is produced: no partial plaintext, no half-made
 *   handle (handle outputs are set to NULL).
 *
 * Threads: the library has no global mutable state. Immutable objects (keys)
 * may be shared between threads; objects that change (HPKE contexts) need
 * exclusive access while a call runs.
 */
#ifndef CONFAI_CONFAI_H
#define CONFAI_CONFAI_H

#include <stddef.h>
#include <stdint.h>

#include <confai/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define CONFAI_API
#elif defined(__GNUC__) || defined(__clang__)
#  define CONFAI_API __attribute__((visibility("default")))
#else
#  define CONFAI_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define CONFAI_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#  define CONFAI_WARN_UNUSED_RESULT
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

/* The library's version as "MAJOR.MINOR.PATCH"; static storage. */
CONFAI_API const char *confai_version(void);

/* The library's version as CONFAI_VERSION_NUMBER encodes it. */
CONFAI_API uint32_t confai_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes and error detail                                            */
/* ------------------------------------------------------------------------ */

/*
 * Values are grouped by hundreds (see confai_status_group) and are never
 * renumbered or reused.
 */
typedef enum confai_status {
    CONFAI_OK = 0,

    /* 1xx: the caller passed something the function cannot use. */
    CONFAI_E_ARGUMENT = 100,         /* invalid argument (NULL, bad length) */
    CONFAI_E_BUFFER_TOO_SMALL = 101, /* output capacity too small; *len set */
    CONFAI_E_UNSUPPORTED = 102,      /* unknown or unsupported algorithm id */
    CONFAI_E_STATE = 103,            /* call not valid in the object's state */

    /* 2xx: resources and internal failures. */
    CONFAI_E_NO_MEMORY = 200,
    CONFAI_E_INTERNAL = 201, /* an underlying library failed unexpectedly */

    /* 3xx: input bytes that do not parse. */
    CONFAI_E_MALFORMED = 300,
    CONFAI_E_TRUNCATED = 301,
    CONFAI_E_TRAILING_DATA = 302,
    CONFAI_E_LIMIT = 303, /* larger than a configured or protocol maximum */

    /* 4xx: cryptographic rejections. */
    CONFAI_E_BAD_KEY = 400,            /* key bytes invalid for the KEM */
    CONFAI_E_BAD_ENCAPSULATION = 401,  /* enc has the wrong size or is invalid */
    CONFAI_E_DECRYPT = 402,            /* authentication tag mismatch */
    CONFAI_E_SEQUENCE_EXHAUSTED = 403, /* no more messages in this context */
    CONFAI_E_EXPORT_ONLY = 404,        /* seal/open with the export-only AEAD */
    CONFAI_E_BAD_PSK = 405,            /* PSK and PSK id inconsistent or short */
    CONFAI_E_KEY_ID_UNKNOWN = 406,     /* OHTTP key id or suite not offered */
    CONFAI_E_STREAM_TRUNCATED = 410,   /* stream ended without its final chunk */
    CONFAI_E_STREAM_TRAILING = 411,    /* bytes after the final chunk */
    CONFAI_E_CHUNK_REPLAYED = 412,     /* a chunk that was already delivered */
    CONFAI_E_CHUNK_REORDERED = 413,    /* a chunk from later in the stream */

    /* 5xx: attestation evidence rejected (it does not prove what it claims). */
    CONFAI_E_BAD_SIGNATURE = 500,      /* report or quote signature invalid */
    CONFAI_E_CERT_CHAIN = 501,         /* certificate chain broken or malformed */
    CONFAI_E_UNKNOWN_ROOT = 502,       /* chain ends in a root nobody pinned */
    CONFAI_E_CERT_EXPIRED = 503,       /* a certificate is not valid at that time */
    CONFAI_E_CERT_REVOKED = 504,       /* a certificate is on a supplied CRL */
    CONFAI_E_TCB_MISMATCH = 505,       /* endorsement key's TCB/chip/product differ */
    CONFAI_E_BINDING = 506,            /* report data does not commit to this key */
    CONFAI_E_NONCE_MISMATCH = 507,     /* evidence answers another nonce */
    CONFAI_E_EVIDENCE_EXPIRED = 508,   /* evidence past its not_after or max age */
    CONFAI_E_COLLATERAL = 509,         /* collateral missing, stale or mismatched */
    CONFAI_E_TOKEN_ALGORITHM = 510,    /* token alg none, HMAC or not accepted */
    CONFAI_E_TOKEN_KEY = 511,          /* no pinned key fits the token (kid, kty, crv) */
    CONFAI_E_TOKEN_EXPIRED = 512,      /* token exp, nbf or iat outside the skew */
    CONFAI_E_TOKEN_CLAIM = 513,        /* token header or claim not acceptable */
    CONFAI_E_TOKEN_DETACHED = 514,     /* detached token missing or digest differs */

    /* 6xx: evidence verified, but the policy does not accept it. */
    CONFAI_E_POLICY_INVALID = 600,     /* the policy document itself is invalid */
    CONFAI_E_POLICY_PLATFORM = 601,    /* platform or product not accepted */
    CONFAI_E_POLICY_MEASUREMENT = 602, /* measurement not in the accepted set */
    CONFAI_E_POLICY_TCB = 603,         /* TCB below the policy's minimum */
    CONFAI_E_POLICY_DEBUG = 604,       /* guest allows debugging */
    CONFAI_E_POLICY_VMPL = 605,        /* report from a VMPL the policy rejects */
    CONFAI_E_POLICY_GUEST = 606,       /* guest policy bits (migration, SMT, ...) */
    CONFAI_E_POLICY_IDENTITY = 607,    /* host data, ID/author key, guest SVN */
    CONFAI_E_POLICY_CHIP = 608,        /* chip id not in the allowlist */
    CONFAI_E_POLICY_FIRMWARE = 609,    /* firmware build/version below minimum */
    CONFAI_E_POLICY_MANIFEST = 610,    /* manifest digest not accepted */
    CONFAI_E_POLICY_COLLATERAL = 611,  /* TDX collateral too old, or CRLs required but absent */
    CONFAI_E_POLICY_GPU_COUNT = 620,   /* number of GPUs outside the policy's range */
    CONFAI_E_POLICY_GPU_VERSION = 621, /* GPU driver or VBIOS version not accepted */
    CONFAI_E_POLICY_TOKEN = 622,       /* tokens missing, or from an issuer not pinned */

    /* 7xx: the transport to the service failed (client layer). */
    CONFAI_E_NETWORK = 700,            /* connect, DNS, reset: no usable answer */
    CONFAI_E_TIMEOUT = 701,            /* a configured timeout expired */
    CONFAI_E_TLS = 702,                /* TLS handshake, CA or public-key pin failed */
    CONFAI_E_HTTP_STATUS = 703,        /* the service answered an unexpected HTTP status */
    CONFAI_E_NOT_SEALED = 704,         /* an answer that should be sealed was not */
    CONFAI_E_CANCELLED = 705,          /* the application cancelled the call */
} confai_status;

/* Groups of status codes, so bindings can map them to exception classes. */
typedef enum confai_status_group {
    CONFAI_GROUP_OK = 0,
    CONFAI_GROUP_ARGUMENT = 1,
    CONFAI_GROUP_RESOURCE = 2,
    CONFAI_GROUP_PARSE = 3,
    CONFAI_GROUP_CRYPTO = 4,
    CONFAI_GROUP_ATTESTATION = 5,
    CONFAI_GROUP_POLICY = 6,
    CONFAI_GROUP_TRANSPORT = 7,
} confai_status_group;

/* A short English description of a status; static storage, never NULL. */
CONFAI_API const char *confai_status_str(confai_status status);

/* The symbolic name of a status ("CONFAI_E_DECRYPT"); static, never NULL. */
CONFAI_API const char *confai_status_name(confai_status status);

/* The group a status belongs to. */
CONFAI_API confai_status_group confai_status_group_of(confai_status status);

#define CONFAI_ERROR_MESSAGE_SIZE 256

/*
 * Per-call error detail, owned by the caller. Pass a pointer as the last
 * argument of any call; on failure it holds the status and a NUL-terminated
 * message. Its layout is part of the ABI.
 */
typedef struct confai_error {
    confai_status status;
    char message[CONFAI_ERROR_MESSAGE_SIZE];
} confai_error;

/* sizeof(confai_error), for bindings that allocate it themselves. */
CONFAI_API size_t confai_error_size(void);

/* CONFAI_ERROR_MESSAGE_SIZE as a function. */
CONFAI_API size_t confai_error_message_size(void);

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Releases memory the library allocated for the caller. The bytes are wiped
 * before they are freed, so secrets never linger. NULL is a no-op.
 */
CONFAI_API void confai_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* HPKE (RFC 9180)                                                          */
/* ------------------------------------------------------------------------ */

/* Modes. */
#define CONFAI_HPKE_MODE_BASE 0x00
#define CONFAI_HPKE_MODE_PSK 0x01
#define CONFAI_HPKE_MODE_AUTH 0x02
#define CONFAI_HPKE_MODE_AUTH_PSK 0x03

/* KEM ids. */
#define CONFAI_HPKE_KEM_P256_SHA256 0x0010
#define CONFAI_HPKE_KEM_P384_SHA384 0x0011
#define CONFAI_HPKE_KEM_P521_SHA512 0x0012
#define CONFAI_HPKE_KEM_X25519_SHA256 0x0020
#define CONFAI_HPKE_KEM_X448_SHA512 0x0021

/* KDF ids. */
#define CONFAI_HPKE_KDF_HKDF_SHA256 0x0001
#define CONFAI_HPKE_KDF_HKDF_SHA384 0x0002
#define CONFAI_HPKE_KDF_HKDF_SHA512 0x0003

/* AEAD ids. */
#define CONFAI_HPKE_AEAD_AES_128_GCM 0x0001
#define CONFAI_HPKE_AEAD_AES_256_GCM 0x0002
#define CONFAI_HPKE_AEAD_CHACHA20_POLY1305 0x0003
#define CONFAI_HPKE_AEAD_EXPORT_ONLY 0xFFFF

/* Largest sizes over all supported suites, for stack buffers. */
#define CONFAI_HPKE_MAX_ENC_SIZE 133     /* P-521 uncompressed point */
#define CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE 133
#define CONFAI_HPKE_MAX_PRIVATE_KEY_SIZE 66
#define CONFAI_HPKE_TAG_SIZE 16          /* every supported AEAD */

/*
 * Input limits, the same for both implementations (RFC 9180 section 7.2.1
 * asks for at least 64 bytes): info up to 1024 bytes; PSK, PSK id, exporter
 * context and ikm up to 66 bytes. A PSK id must not contain a zero byte.
 */
#define CONFAI_HPKE_MAX_INFO_SIZE 1024
#define CONFAI_HPKE_MAX_PARAM_SIZE 66
#define CONFAI_HPKE_MIN_PSK_SIZE 32

/* The macros above as functions, for bindings that cannot read macros. */
CONFAI_API size_t confai_hpke_max_enc_size(void);
CONFAI_API size_t confai_hpke_max_public_key_size(void);
CONFAI_API size_t confai_hpke_max_private_key_size(void);
CONFAI_API size_t confai_hpke_tag_size(void);
CONFAI_API size_t confai_hpke_max_info_size(void);
CONFAI_API size_t confai_hpke_max_param_size(void);
CONFAI_API size_t confai_hpke_min_psk_size(void);

/* A cipher suite: the three algorithm ids of RFC 9180 section 7. */
typedef struct confai_hpke_suite {
    uint16_t kem_id;
    uint16_t kdf_id;
    uint16_t aead_id;
} confai_hpke_suite;

/* The suite used by default: X25519, HKDF-SHA256, AES-256-GCM. */
CONFAI_API confai_hpke_suite confai_hpke_suite_default(void);

/* Which RFC 9180 implementation this build uses: "openssl" or "own". */
CONFAI_API const char *confai_hpke_backend(void);

/*
 * Checks that a suite is supported by this build.
 * Errors: CONFAI_E_UNSUPPORTED naming the unknown id.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_suite_check(const confai_hpke_suite *suite, confai_error *err);

/*
 * Sizes for a suite: the encapsulated key (enc), public key, private key, and
 * the AEAD tag (0 for export-only). Any output pointer may be NULL.
 * Errors: CONFAI_E_UNSUPPORTED.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_suite_sizes(const confai_hpke_suite *suite, size_t *enc_size,
                        size_t *public_key_size, size_t *private_key_size,
                        size_t *tag_size, confai_error *err);

/* --- Key pairs ----------------------------------------------------------- */

/*
 * A KEM key pair (private and public key). Immutable once made: may be shared
 * between threads. The private key is wiped when the key is freed.
 */
typedef struct confai_hpke_key confai_hpke_key;

/* Generates a fresh key pair for a KEM. On failure *key is NULL. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_generate(confai_hpke_key **key, uint16_t kem_id,
                         confai_error *err);

/*
 * Derives a key pair deterministically from input keying material
 * (RFC 9180 DeriveKeyPair). ikm must be at least as long as the KEM's private
 * key and at most CONFAI_HPKE_MAX_PARAM_SIZE bytes. On failure *key is NULL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_derive(confai_hpke_key **key, uint16_t kem_id,
                       const uint8_t *ikm, size_t ikm_len, confai_error *err);

/*
 * Imports a private key in its RFC 9180 serialization (SerializePrivateKey)
 * and computes its public key. Errors: CONFAI_E_BAD_KEY for a wrong length or
 * an invalid scalar.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_import(confai_hpke_key **key, uint16_t kem_id,
                       const uint8_t *private_key, size_t private_key_len,
                       confai_error *err);

/* Releases a key and wipes its private part. NULL is a no-op. */
CONFAI_API void confai_hpke_key_free(confai_hpke_key *key);

/* The KEM id the key belongs to. */
CONFAI_API uint16_t confai_hpke_key_kem(const confai_hpke_key *key);

/* Writes the serialized public key (SerializePublicKey). */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_public(const confai_hpke_key *key, uint8_t *public_key,
                       size_t *public_key_len, confai_error *err);

/*
 * Writes the serialized private key (SerializePrivateKey; X25519 and X448
 * keys come out clamped, RFC 9180 section 7.1.2). Handle with care.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_private(const confai_hpke_key *key, uint8_t *private_key,
                        size_t *private_key_len, confai_error *err);

/* --- Contexts (multi-message) -------------------------------------------- */

/*
 * An HPKE context for one sender or one recipient. Use: _new, optionally set
 * a PSK and/or the authentication key (which picks the mode), then set up
 * with confai_hpke_sender_setup or confai_hpke_recipient_setup, then seal or
 * open messages in order and export secrets. A context changes with every
 * message: one thread at a time. All key material is wiped by _free.
 */
typedef struct confai_hpke_ctx confai_hpke_ctx;

typedef enum confai_hpke_role {
    CONFAI_HPKE_ROLE_SENDER = 0,
    CONFAI_HPKE_ROLE_RECIPIENT = 1,
} confai_hpke_role;

/* Creates a context for a role and suite. On failure *ctx is NULL. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_ctx_new(confai_hpke_ctx **ctx, confai_hpke_role role,
                    const confai_hpke_suite *suite, confai_error *err);

/* Releases a context and wipes its secrets. NULL is a no-op. */
CONFAI_API void confai_hpke_ctx_free(confai_hpke_ctx *ctx);

/*
 * Sets the pre-shared key and its id (PSK modes), before setup. Both must be
 * non-empty; the PSK must be at least 32 bytes (RFC 9180 section 9.5).
 * Errors: CONFAI_E_BAD_PSK, CONFAI_E_STATE after setup.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_ctx_set_psk(confai_hpke_ctx *ctx, const uint8_t *psk,
                        size_t psk_len, const uint8_t *psk_id,
                        size_t psk_id_len, confai_error *err);

/*
 * Auth modes, sender side: the sender's own key pair, before setup. The
 * context keeps its own reference; the caller may free key afterwards.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_ctx_set_sender_key(confai_hpke_ctx *ctx,
                               const confai_hpke_key *key, confai_error *err);

/* Auth modes, recipient side: the sender's serialized public key. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_ctx_set_sender_public(confai_hpke_ctx *ctx,
                                  const uint8_t *public_key,
                                  size_t public_key_len, confai_error *err);

/* The mode the context runs in (CONFAI_HPKE_MODE_*), from what was set. */
CONFAI_API uint8_t confai_hpke_ctx_mode(const confai_hpke_ctx *ctx);

/*
 * Sender setup: encapsulates to the recipient's public key and writes enc.
 * Errors: CONFAI_E_BAD_KEY (invalid public key), CONFAI_E_STATE (wrong role,
 * or set up already), CONFAI_E_BUFFER_TOO_SMALL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_sender_setup(confai_hpke_ctx *ctx, uint8_t *enc, size_t *enc_len,
                         const uint8_t *recipient_public,
                         size_t recipient_public_len, const uint8_t *info,
                         size_t info_len, confai_error *err);

/*
 * Recipient setup: decapsulates enc with the recipient's key pair.
 * Errors: CONFAI_E_BAD_ENCAPSULATION (wrong size or invalid point),
 * CONFAI_E_ARGUMENT (key of another KEM), CONFAI_E_STATE.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_recipient_setup(confai_hpke_ctx *ctx, const confai_hpke_key *key,
                            const uint8_t *enc, size_t enc_len,
                            const uint8_t *info, size_t info_len,
                            confai_error *err);

/*
 * Seals the next message (sender). Ciphertext is plaintext_len + tag size.
 * Errors: CONFAI_E_EXPORT_ONLY, CONFAI_E_SEQUENCE_EXHAUSTED, CONFAI_E_STATE.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_seal(confai_hpke_ctx *ctx, uint8_t *ciphertext,
                 size_t *ciphertext_len, const uint8_t *aad, size_t aad_len,
                 const uint8_t *plaintext, size_t plaintext_len,
                 confai_error *err);

/*
 * Opens the next message (recipient). On failure the plaintext buffer holds
 * no plaintext: bytes decrypted before the tag check are zeroed. Errors: CONFAI_E_DECRYPT, CONFAI_E_TRUNCATED (shorter than
 * a tag), CONFAI_E_EXPORT_ONLY, CONFAI_E_SEQUENCE_EXHAUSTED, CONFAI_E_STATE.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_open(confai_hpke_ctx *ctx, uint8_t *plaintext,
                 size_t *plaintext_len, const uint8_t *aad, size_t aad_len,
                 const uint8_t *ciphertext, size_t ciphertext_len,
                 confai_error *err);

/*
 * Exports a secret of secret_len bytes bound to exporter_context (RFC 9180
 * section 5.3); either role, after setup. secret_len is at most 255 times the
 * KDF's hash size.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_export(confai_hpke_ctx *ctx, uint8_t *secret, size_t secret_len,
                   const uint8_t *exporter_context,
                   size_t exporter_context_len, confai_error *err);

/* --- Single shot (base mode) --------------------------------------------- */

/*
 * Seals one message to a recipient public key in base mode: enc and
 * ciphertext are written to caller buffers (sizes from confai_hpke_suite_sizes;
 * ciphertext is plaintext_len + tag size).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_seal_once(const confai_hpke_suite *suite, uint8_t *enc,
                      size_t *enc_len, uint8_t *ciphertext,
                      size_t *ciphertext_len, const uint8_t *recipient_public,
                      size_t recipient_public_len, const uint8_t *info,
                      size_t info_len, const uint8_t *aad, size_t aad_len,
                      const uint8_t *plaintext, size_t plaintext_len,
                      confai_error *err);

/* Opens one base-mode message sealed with confai_hpke_seal_once. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_open_once(const confai_hpke_suite *suite, uint8_t *plaintext,
                      size_t *plaintext_len, const confai_hpke_key *key,
                      const uint8_t *enc, size_t enc_len, const uint8_t *info,
                      size_t info_len, const uint8_t *aad, size_t aad_len,
                      const uint8_t *ciphertext, size_t ciphertext_len,
                      confai_error *err);

/* ------------------------------------------------------------------------ */
/* Binary HTTP (RFC 9292)                                                   */
/* ------------------------------------------------------------------------ */

/*
 * The plaintext inside every sealed request and response is a Binary HTTP
 * message: the method and target or the status, the header fields, the
 * content and the trailer fields of the inner HTTP call. A
 * confai_http_message holds one request or response. Build one with
 * confai_http_message_new_request/_new_response and the setters, or get one
 * from confai_http_message_decode; encode it with confai_http_message_encode.
 * A response whose content arrives in pieces (a streamed answer) is decoded
 * with a confai_http_decoder; one produced in pieces is encoded with
 * _encode_head, confai_http_chunk_encode and _encode_tail.
 *
 * Field names are lowercase (the setters lowercase ASCII letters; decoding
 * rejects uppercase, as RFC 9292 requires). Names, values and control data
 * never contain a zero byte, so they come back as NUL-terminated strings.
 * Content and field values are wiped when a message is freed.
 *
 * Threads: a message nobody changes any more may be read from several threads
 * at once; the setters need exclusive access. A decoder needs exclusive
 * access, including while its callback runs.
 */

/* A request or a response: opaque, released with confai_http_message_free. */
typedef struct confai_http_message confai_http_message;

/* Request or response; CONFAI_HTTP_ANY lets a decoder accept either. */
typedef enum confai_http_kind {
    CONFAI_HTTP_ANY = 0,
    CONFAI_HTTP_REQUEST = 1,
    CONFAI_HTTP_RESPONSE = 2,
} confai_http_kind;

/* The two encodings of RFC 9292 section 3. */
typedef enum confai_http_framing {
    CONFAI_HTTP_KNOWN_LENGTH = 0,
    CONFAI_HTTP_INDETERMINATE_LENGTH = 1,
} confai_http_framing;

/* The two field sections of a message. */
typedef enum confai_http_section {
    CONFAI_HTTP_HEADERS = 0,
    CONFAI_HTTP_TRAILERS = 1,
} confai_http_section;

#define CONFAI_HTTP_LIMITS_VERSION 1

/*
 * Decoding limits, against messages made to exhaust memory. Fill with
 * confai_http_limits_init, then change single values. Exceeding one fails with
 * CONFAI_E_LIMIT. A limit of 0 means 0, never "unlimited". Content is not
 * limited: a whole-buffer decode is bounded by its input, and a decoder hands
 * content on without keeping it.
 */
typedef struct confai_http_limits {
    uint32_t version;           /* CONFAI_HTTP_LIMITS_VERSION */
    uint32_t max_section_size;  /* bytes of the request control data and of
                                   the field lines of each field section
                                   (default 65536) */
    uint32_t max_field_lines;   /* field lines per section (default 256) */
    uint32_t max_informational; /* informational responses (default 16) */
} confai_http_limits;

/* CONFAI_HTTP_LIMITS_VERSION as a function. */
CONFAI_API uint32_t confai_http_limits_version(void);

/*
 * Sets every limit to its default. version is the CONFAI_HTTP_LIMITS_VERSION
 * the caller was compiled with, which tells the layout of *limits.
 * Errors: CONFAI_E_ARGUMENT (NULL limits, unknown version).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_limits_init(confai_http_limits *limits, uint32_t version,
                        confai_error *err);

/* --- Building ------------------------------------------------------------ */

/*
 * Creates a request without fields or content. method is a non-empty token
 * ("POST"); scheme is empty or a URI scheme ("https"); authority and path are
 * visible ASCII without spaces ("api.example.com", "/v1/chat/completions").
 * NULL means empty for scheme, authority and path. All are copied.
 * On failure *msg is NULL. Errors: CONFAI_E_ARGUMENT naming the bad part,
 * CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_new_request(confai_http_message **msg, const char *method,
                                const char *scheme, const char *authority,
                                const char *path, confai_error *err);

/*
 * Creates a response with a status from 100 to 599, without fields or
 * content. A 1xx response is only useful as an informational response (see
 * confai_http_message_add_informational); encoding one on its own fails.
 * On failure *msg is NULL. Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_new_response(confai_http_message **msg, uint16_t status,
                                 confai_error *err);

/* Releases a message and wipes its fields and content. NULL is a no-op. */
CONFAI_API void confai_http_message_free(confai_http_message *msg);

/*
 * Appends a field line (copies of name and value) to the header or trailer
 * section. Repeated names stay separate lines, in order. name: one or more
 * token characters (RFC 9110 section 5.6.2); ASCII uppercase is lowercased.
 * A pseudo-field (":protocol") is accepted in the header section before any
 * other field, except the five that control data replaces (":method",
 * ":scheme", ":authority", ":path", ":status"). value: no NUL, CR or LF and no
 * space or tab at either end (RFC 9113 section 8.2.1).
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY; on failure msg is unchanged.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_add_field(confai_http_message *msg,
                              confai_http_section section, const char *name,
                              const char *value, confai_error *err);

/*
 * Replaces the content with a copy of (body, body_len); body_len 0 empties it.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY; on failure msg is unchanged.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_set_body(confai_http_message *msg, const uint8_t *body,
                             size_t body_len, confai_error *err);

/*
 * Appends a copy of info, a 1xx response with header fields only, as the next
 * informational response of the response msg.
 * Errors: CONFAI_E_ARGUMENT (msg not a response; info not 1xx or with content
 * or trailers), CONFAI_E_NO_MEMORY; on failure msg is unchanged.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_add_informational(confai_http_message *msg,
                                      const confai_http_message *info,
                                      confai_error *err);

/* --- Reading ------------------------------------------------------------- */
/* Strings and pointers returned here belong to msg and live as long as it. */

/* CONFAI_HTTP_REQUEST or CONFAI_HTTP_RESPONSE. */
CONFAI_API confai_http_kind
confai_http_message_kind(const confai_http_message *msg);

/* Request control data, NUL-terminated ("" when empty); NULL for responses. */
CONFAI_API const char *confai_http_message_method(const confai_http_message *msg);
CONFAI_API const char *confai_http_message_scheme(const confai_http_message *msg);
CONFAI_API const char *
confai_http_message_authority(const confai_http_message *msg);
CONFAI_API const char *confai_http_message_path(const confai_http_message *msg);

/* The status code of a response; 0 for a request. */
CONFAI_API uint16_t confai_http_message_status(const confai_http_message *msg);

/* The number of field lines in a section. */
CONFAI_API size_t confai_http_message_field_count(const confai_http_message *msg,
                                                  confai_http_section section);

/*
 * The name and value of field line index (0-based, in message order) of a
 * section. Errors: CONFAI_E_ARGUMENT (index out of range, NULL outputs).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_field(const confai_http_message *msg, const char **name,
                          const char **value, confai_http_section section,
                          size_t index, confai_error *err);

/*
 * The value of the first field line called name in a section, compared
 * without regard to ASCII case; NULL when there is none. Use the index
 * functions above for fields that repeat.
 */
CONFAI_API const char *
confai_http_message_field_value(const confai_http_message *msg,
                                confai_http_section section, const char *name);

/* The content; *body_len gets its length. May be NULL when it is empty. */
CONFAI_API const uint8_t *confai_http_message_body(const confai_http_message *msg,
                                                   size_t *body_len);

/* The informational (1xx) responses before a final response, in order. */
CONFAI_API size_t
confai_http_message_informational_count(const confai_http_message *msg);

/* Informational response index as a response message; NULL if out of range. */
CONFAI_API const confai_http_message *
confai_http_message_informational(const confai_http_message *msg, size_t index);

/* --- Encoding ------------------------------------------------------------ */

/*
 * Encodes a whole message with minimal integers, then padding zero bytes.
 * The known-length encoding writes every length, omitting nothing. *out
 * (release with confai_free) receives the bytes, *out_len their number.
 * Decoding and encoding again with the same framing and padding gives the
 * same bytes, unless the input used non-minimal integers, omitted an empty
 * content or trailer section, or split its content into several chunks (one
 * chunk is written).
 * Errors: CONFAI_E_STATE (a 1xx response as the message itself),
 * CONFAI_E_ARGUMENT, CONFAI_E_LIMIT (a part over 2^62 - 1 bytes),
 * CONFAI_E_NO_MEMORY. On failure *out is NULL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_encode(const confai_http_message *msg, uint8_t **out,
                           size_t *out_len, confai_http_framing framing,
                           size_t padding, confai_error *err);

/*
 * Streaming encoding (indeterminate length) for content produced in pieces:
 * confai_http_message_encode_head once, confai_http_chunk_encode per piece,
 * confai_http_message_encode_tail once. The concatenation is a valid message
 * and, for a single piece, equals confai_http_message_encode of the message
 * with that content.
 *
 * encode_head writes the framing indicator, the informational responses, the
 * control data and the header section; the content and trailers of msg are
 * not used. *out is released with confai_free. Errors: as
 * confai_http_message_encode.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_encode_head(const confai_http_message *msg, uint8_t **out,
                                size_t *out_len, confai_error *err);

/*
 * Writes one content piece, its length then a copy of (data, data_len), to
 * the caller's buffer (out, *out_len): data_len plus at most 8 bytes. An
 * empty piece writes nothing and sets *out_len to 0, as a zero length would
 * end the content. Errors: CONFAI_E_BUFFER_TOO_SMALL (*out_len set to the
 * size needed; out may be NULL to ask), CONFAI_E_ARGUMENT, CONFAI_E_LIMIT.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_chunk_encode(uint8_t *out, size_t *out_len, const uint8_t *data,
                         size_t data_len, confai_error *err);

/*
 * Writes the end of the content, the trailer section of msg and padding zero
 * bytes; the other parts of msg are not used. *out is released with
 * confai_free. Errors: as confai_http_message_encode.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_encode_tail(const confai_http_message *msg, uint8_t **out,
                                size_t *out_len, size_t padding,
                                confai_error *err);

/* --- Decoding ------------------------------------------------------------ */

/*
 * Decodes one whole message from (data, len), in either framing. expect
 * restricts the kind (CONFAI_HTTP_ANY accepts both); limits may be NULL for
 * the defaults. Content and trailers that RFC 9292 section 3.8 allows to be
 * omitted read as empty; zero bytes after the message are padding. On failure
 * *msg is NULL.
 * Errors: CONFAI_E_TRUNCATED (the input ends inside the message, also when a
 * length points past it), CONFAI_E_MALFORMED (framing indicator, status,
 * control data, field name or value invalid, a field line overrunning its
 * section, a kind other than expect), CONFAI_E_TRAILING_DATA (a non-zero byte
 * after the message), CONFAI_E_LIMIT, CONFAI_E_NO_MEMORY,
 * CONFAI_E_ARGUMENT.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_message_decode(confai_http_message **msg, const uint8_t *data,
                           size_t len, confai_http_kind expect,
                           const confai_http_limits *limits, confai_error *err);

/* --- Streaming decoder --------------------------------------------------- */

/*
 * A push decoder for a message that arrives in pieces, typically the streamed
 * response whose content is a server-sent-events stream: feed it bytes in any
 * split; it calls back for each part as soon as that part is complete and
 * hands on content without keeping it. It accepts and rejects exactly what
 * confai_http_message_decode does.
 */
typedef struct confai_http_decoder confai_http_decoder;

/* What a decoder reports, in this order (INFORMATIONAL and CONTENT repeat). */
typedef enum confai_http_event {
    CONFAI_HTTP_EVENT_INFORMATIONAL = 1, /* message: one 1xx response */
    CONFAI_HTTP_EVENT_HEAD = 2,          /* message: control data, headers */
    CONFAI_HTTP_EVENT_CONTENT = 3,       /* data: the next content piece */
    CONFAI_HTTP_EVENT_END = 4,           /* message: complete, with trailers */
} confai_http_event;

/*
 * Receives the events of a decoder. message is set for INFORMATIONAL, HEAD
 * and END (NULL for CONTENT): owned by the decoder, readable with the getters
 * until the decoder is freed, without content (the decoder keeps none).
 * (data, data_len) is set for CONTENT only, never empty, and valid during the
 * call only. Return CONFAI_OK to go on; any other status stops the decoder,
 * and the feed or finish that called returns it. The callback must not call
 * the decoder.
 */
typedef confai_status (*confai_http_callback)(void *user,
                                              confai_http_event event,
                                              const confai_http_message *message,
                                              const uint8_t *data,
                                              size_t data_len);

/*
 * Creates a decoder. expect and limits as for confai_http_message_decode
 * (limits may be NULL, they are copied); callback (may be NULL to only
 * validate) gets user as its first argument. On failure *decoder is NULL.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_decoder_new(confai_http_decoder **decoder, confai_http_kind expect,
                        const confai_http_limits *limits,
                        confai_http_callback callback, void *user,
                        confai_error *err);

/* Releases a decoder and wipes what it holds. NULL is a no-op. */
CONFAI_API void confai_http_decoder_free(confai_http_decoder *decoder);

/*
 * Decodes the next len bytes; events fire from inside this call. After the
 * message, only zero bytes (padding) are accepted. Once a call failed, every
 * later call returns the same status.
 * Errors: those of confai_http_message_decode except CONFAI_E_TRUNCATED;
 * CONFAI_E_STATE (after finish, or called from the callback); the status a
 * callback returned.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_decoder_feed(confai_http_decoder *decoder, const uint8_t *data,
                         size_t len, confai_error *err);

/*
 * Declares the end of the input. When the message stopped where RFC 9292
 * allows (content and trailers omitted), the END event fires now.
 * Errors: CONFAI_E_TRUNCATED (the message is incomplete), CONFAI_E_STATE
 * (called twice, or from the callback), an earlier failure, the status a
 * callback returned.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_http_decoder_finish(confai_http_decoder *decoder, confai_error *err);

/* ------------------------------------------------------------------------ */
/* Oblivious HTTP (RFC 9458) and chunked OHTTP                              */
/* ------------------------------------------------------------------------ */

/*
 * Oblivious HTTP seals a request to a gateway's public key with HPKE and
 * opens the response with a key derived from that exchange (RFC 9458).
 * Chunked OHTTP (draft-ietf-ohai-chunked-ohttp-08) seals either message in
 * chunks that can be opened one by one as they arrive; its final chunk is
 * mandatory, so truncation, reordering, duplication and splicing are
 * detected. A chunked request is answered by a chunked response, a plain
 * request by a plain response.
 *
 * The bytes in and out of these functions are the OHTTP message bodies
 * (message/ohttp-req, message/ohttp-res, message/ohttp-chunked-req,
 * message/ohttp-chunked-res); the plaintext is the inner Binary HTTP message
 * as bytes.
 */

/* Largest request header (key id, three algorithm ids, enc) of any suite. */
#define CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE 140
/* Largest response nonce, max(Nn, Nk), of any AEAD. */
#define CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE 32
/* Bytes a chunk adds to its plaintext at most: an 8-byte length and a tag. */
#define CONFAI_OHTTP_MAX_CHUNK_OVERHEAD 24
/* The largest chunk plaintext a reader accepts unless told otherwise. */
#define CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE 1048576

/* The macros above as functions, for bindings that cannot read macros. */
CONFAI_API size_t confai_ohttp_max_request_header_size(void);
CONFAI_API size_t confai_ohttp_max_response_nonce_size(void);
CONFAI_API size_t confai_ohttp_max_chunk_overhead(void);
CONFAI_API size_t confai_ohttp_default_max_chunk_size(void);

/* --- Key configurations (RFC 9458 section 3) ----------------------------- */

/* One "HPKE Symmetric Algorithms" entry of a key configuration. */
typedef struct confai_ohttp_algorithms {
    uint16_t kdf_id;
    uint16_t aead_id;
} confai_ohttp_algorithms;

/*
 * A key configuration: key id, KEM, the gateway's public key and the
 * (KDF, AEAD) pairs it accepts. It also records the suite a client uses with
 * it: the best pair this build supports, preferring AES-256-GCM, then
 * AES-128-GCM, then ChaCha20-Poly1305, and HKDF-SHA256, then SHA-384, then
 * SHA-512. A gateway's configuration (confai_key_config_new) also holds the
 * private key, wiped when the last user releases it.
 * Immutable once made: may be shared between threads.
 */
typedef struct confai_key_config confai_key_config;

/*
 * Parses one KeyConfig (RFC 9458 section 3.1). On failure *config is NULL.
 * Errors: CONFAI_E_UNSUPPORTED (unknown KEM, or no algorithm pair this build
 * supports), CONFAI_E_TRUNCATED, CONFAI_E_TRAILING_DATA, CONFAI_E_MALFORMED
 * (empty or odd-length algorithm list, public key not of the KEM's form).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_parse(confai_key_config **config, const uint8_t *key_config,
                        size_t key_config_len, confai_error *err);

/*
 * Parses an application/ohttp-keys list (RFC 9458 section 3.2: each KeyConfig
 * behind a 2-byte length) and returns the first configuration this build can
 * use; those with an unknown KEM or no supported algorithm pair are skipped.
 * Errors: CONFAI_E_MALFORMED (an empty list, or any entry that does not parse,
 * even one that would be skipped), CONFAI_E_TRUNCATED, CONFAI_E_UNSUPPORTED
 * (no usable entry).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_parse_list(confai_key_config **config, const uint8_t *keys,
                             size_t keys_len, confai_error *err);

/* Releases a configuration (the caller's reference). NULL is a no-op. */
CONFAI_API void confai_key_config_free(confai_key_config *config);

/* The key identifier (0 for NULL). */
CONFAI_API uint8_t confai_key_config_id(const confai_key_config *config);

/* The KEM id (0 for NULL). */
CONFAI_API uint16_t confai_key_config_kem(const confai_key_config *config);

/* The suite a client seals with (all zero for NULL). */
CONFAI_API confai_hpke_suite
confai_key_config_suite(const confai_key_config *config);

/* Writes the gateway's serialized public key (Npk bytes). */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_public_key(const confai_key_config *config,
                             uint8_t *public_key, size_t *public_key_len,
                             confai_error *err);

/*
 * Writes the KeyConfig encoding; for a parsed configuration these are exactly
 * the bytes parsed, including algorithm pairs this build does not support.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_serialize(const confai_key_config *config, uint8_t *out,
                            size_t *out_len, confai_error *err);

/* --- Client side ----------------------------------------------------------- */

/*
 * Receives one authenticated plaintext chunk of a chunked message, in order.
 * Non-final chunks are never empty; the final chunk (is_final = 1) may be.
 * The bytes are valid during the call only. The callback must not call into
 * the handle that is feeding it; to stop early, stop feeding and free it.
 */
typedef void (*confai_ohttp_chunk_fn)(void *user, const uint8_t *plaintext,
                                      size_t plaintext_len, int is_final);

/*
 * The client's side of one request/response exchange: made by sealing a
 * request, then used to open the response. It holds the HPKE sender context
 * and response keys, wiped by _free. One thread at a time.
 */
typedef struct confai_ohttp_client confai_ohttp_client;

/*
 * Seals a whole request (RFC 9458 section 4.3) to a configuration with its
 * chosen suite, writes the encapsulated request (header, enc, ciphertext:
 * plaintext_len + 7 + Nenc + 16 bytes) and creates *client, which opens the
 * response. The configuration may be freed afterwards. On failure *client is
 * NULL. Errors: CONFAI_E_BUFFER_TOO_SMALL (checked before any work),
 * CONFAI_E_BAD_KEY (the configuration's public key is invalid).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_seal_request(confai_ohttp_client **client,
                                 uint8_t *request, size_t *request_len,
                                 const confai_key_config *config,
                                 const uint8_t *plaintext,
                                 size_t plaintext_len, confai_error *err);

/*
 * Opens the response to a request sealed with confai_ohttp_client_seal_request
 * (RFC 9458 section 4.4); once. The plaintext is response_len - max(Nn, Nk) -
 * 16 bytes; nothing is written unless the response authenticates.
 * Errors: CONFAI_E_TRUNCATED, CONFAI_E_DECRYPT, CONFAI_E_BUFFER_TOO_SMALL,
 * CONFAI_E_STATE (a chunked exchange, or opened already).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_open_response(confai_ohttp_client *client,
                                  uint8_t *plaintext, size_t *plaintext_len,
                                  const uint8_t *response, size_t response_len,
                                  confai_error *err);

/*
 * Starts a chunked request: writes its header (key id, algorithm ids, enc:
 * 7 + Nenc bytes) and creates *client. Send the header, then the chunks from
 * confai_ohttp_client_seal_chunk and confai_ohttp_client_seal_final_chunk.
 * The response's plaintext chunks will go to on_chunk(user, ...) as
 * confai_ohttp_client_feed_response authenticates them. On failure *client
 * is NULL. Errors: CONFAI_E_BUFFER_TOO_SMALL, CONFAI_E_BAD_KEY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_begin_chunked(confai_ohttp_client **client,
                                  uint8_t *header, size_t *header_len,
                                  const confai_key_config *config,
                                  confai_ohttp_chunk_fn on_chunk, void *user,
                                  confai_error *err);

/*
 * Seals the next non-final request chunk (at least one byte) and writes it
 * with its length prefix: at most plaintext_len +
 * CONFAI_OHTTP_MAX_CHUNK_OVERHEAD bytes. Errors: CONFAI_E_ARGUMENT (empty
 * plaintext), CONFAI_E_BUFFER_TOO_SMALL, CONFAI_E_STATE (not chunked, or the
 * final chunk was sealed), CONFAI_E_SEQUENCE_EXHAUSTED.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_seal_chunk(confai_ohttp_client *client, uint8_t *chunk,
                               size_t *chunk_len, const uint8_t *plaintext,
                               size_t plaintext_len, confai_error *err);

/*
 * Seals the final request chunk (may be empty) and writes it: a zero length
 * byte, then the sealed chunk. No chunk may follow. Errors as for
 * confai_ohttp_client_seal_chunk, except that empty plaintext is fine.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_seal_final_chunk(confai_ohttp_client *client,
                                     uint8_t *chunk, size_t *chunk_len,
                                     const uint8_t *plaintext,
                                     size_t plaintext_len, confai_error *err);

/*
 * The largest chunk plaintext the response reader accepts (default
 * CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE; the draft asks receivers to accept at
 * least 16384). A longer chunk fails with CONFAI_E_LIMIT before it is
 * buffered. Errors: CONFAI_E_ARGUMENT (0), CONFAI_E_STATE.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_set_max_chunk_size(confai_ohttp_client *client,
                                       size_t max_chunk_size,
                                       confai_error *err);

/*
 * Feeds response bytes of a chunked exchange as they arrive, split anyhow.
 * Each chunk goes to the callback as soon as it authenticates. After any
 * error the reader is poisoned: it delivers nothing more and every later
 * call fails with CONFAI_E_STATE. Errors: CONFAI_E_DECRYPT (tampered or
 * spliced chunk), CONFAI_E_CHUNK_REPLAYED, CONFAI_E_CHUNK_REORDERED
 * (a chunk from later in the stream: one was dropped or moved),
 * CONFAI_E_STREAM_TRAILING (bytes after the final chunk), CONFAI_E_LIMIT,
 * CONFAI_E_STATE.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_feed_response(confai_ohttp_client *client,
                                  const uint8_t *data, size_t data_len,
                                  confai_error *err);

/*
 * Ends the chunked response: the bytes fed so far must end with the final
 * chunk, which is delivered now if it was not already. Errors:
 * CONFAI_E_STREAM_TRUNCATED (no final chunk), and those of _feed_response.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_finish_response(confai_ohttp_client *client,
                                    confai_error *err);

/* Releases the exchange and wipes its secrets. NULL is a no-op. */
CONFAI_API void confai_ohttp_client_free(confai_ohttp_client *client);

/*
 * Rebuilds the client's side of a recorded exchange from the gateway's
 * configurations (with their private keys, confai_key_config_new) and the
 * encapsulated request (a whole one, or at least the header of a chunked
 * one; chunked says which): the response key is an HPKE export, which the
 * gateway's side computes as the client did. The result opens the recorded
 * response with the functions above, exactly as the client would have. For
 * conformance tests and for debugging captured exchanges; a client never
 * needs it. On failure *client is NULL. Errors: CONFAI_E_TRUNCATED,
 * CONFAI_E_KEY_ID_UNKNOWN, CONFAI_E_UNSUPPORTED, CONFAI_E_BAD_ENCAPSULATION,
 * CONFAI_E_ARGUMENT (on_chunk NULL for a chunked exchange).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_client_from_request(confai_ohttp_client **client,
                                 const confai_key_config *const *configs,
                                 size_t configs_len, const uint8_t *request,
                                 size_t request_len, int chunked,
                                 confai_ohttp_chunk_fn on_chunk, void *user,
                                 confai_error *err);

/* --- Gateway side ---------------------------------------------------------- */

/*
 * Makes a gateway's key configuration from its key pair, a key id and the
 * (KDF, AEAD) pairs it accepts, serialized in the given order. The
 * configuration keeps its own reference to the key; the caller may free key
 * afterwards.
 * On failure *config is NULL. Errors: CONFAI_E_ARGUMENT (no pairs, or more
 * than 16383), CONFAI_E_UNSUPPORTED (a pair this build cannot use, or the
 * export-only AEAD).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_new(confai_key_config **config, const confai_hpke_key *key,
                      uint8_t key_id,
                      const confai_ohttp_algorithms *algorithms,
                      size_t algorithms_len, confai_error *err);

/*
 * Writes an application/ohttp-keys list of configurations, in the given
 * order. Errors: CONFAI_E_ARGUMENT (none, or a NULL entry),
 * CONFAI_E_BUFFER_TOO_SMALL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_serialize_list(uint8_t *out, size_t *out_len,
                                 const confai_key_config *const *configs,
                                 size_t configs_len, confai_error *err);

/*
 * The gateway's side of one exchange: made by opening a request, then used to
 * seal the response. It holds the HPKE recipient context and response keys,
 * wiped by _free. One thread at a time.
 */
typedef struct confai_ohttp_gateway confai_ohttp_gateway;

/*
 * Opens a whole encapsulated request with the configuration its key id names
 * (each made by confai_key_config_new; their ids must differ), writes the
 * plaintext (request_len - 7 - Nenc - 16 bytes) and creates *gateway, which
 * seals the response. On failure *gateway is NULL and nothing is written.
 * Errors: CONFAI_E_TRUNCATED, CONFAI_E_KEY_ID_UNKNOWN (no configuration with
 * that key id, or the suite is not one it offers), CONFAI_E_UNSUPPORTED,
 * CONFAI_E_BAD_ENCAPSULATION, CONFAI_E_DECRYPT, CONFAI_E_BUFFER_TOO_SMALL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_open_request(confai_ohttp_gateway **gateway,
                                  uint8_t *plaintext, size_t *plaintext_len,
                                  const confai_key_config *const *configs,
                                  size_t configs_len, const uint8_t *request,
                                  size_t request_len, confai_error *err);

/*
 * Seals the response to a request opened with
 * confai_ohttp_gateway_open_request (RFC 9458 section 4.4), once: writes a
 * fresh response nonce and the ciphertext (max(Nn, Nk) + plaintext_len + 16
 * bytes). Errors: CONFAI_E_BUFFER_TOO_SMALL, CONFAI_E_STATE (a chunked
 * exchange, or sealed already).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_seal_response(confai_ohttp_gateway *gateway,
                                   uint8_t *response, size_t *response_len,
                                   const uint8_t *plaintext,
                                   size_t plaintext_len, confai_error *err);

/*
 * Starts reading a chunked request. The configurations are as for
 * confai_ohttp_gateway_open_request; the gateway keeps its own references.
 * Feed the request bytes with confai_ohttp_gateway_feed_request; each
 * plaintext chunk goes to on_chunk(user, ...) once it authenticates.
 * On failure *gateway is NULL. Errors: CONFAI_E_ARGUMENT.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_new_chunked(confai_ohttp_gateway **gateway,
                                 const confai_key_config *const *configs,
                                 size_t configs_len,
                                 confai_ohttp_chunk_fn on_chunk, void *user,
                                 confai_error *err);

/* As confai_ohttp_client_set_max_chunk_size, for the request reader. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_set_max_chunk_size(confai_ohttp_gateway *gateway,
                                        size_t max_chunk_size,
                                        confai_error *err);

/*
 * Feeds chunked request bytes as they arrive, split anyhow: first the header
 * (which picks the configuration and sets up HPKE), then the chunks. Errors:
 * those of confai_ohttp_client_feed_response, and for the header
 * CONFAI_E_KEY_ID_UNKNOWN, CONFAI_E_UNSUPPORTED, CONFAI_E_BAD_ENCAPSULATION.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_feed_request(confai_ohttp_gateway *gateway,
                                  const uint8_t *data, size_t data_len,
                                  confai_error *err);

/* As confai_ohttp_client_finish_response, for the request. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_finish_request(confai_ohttp_gateway *gateway,
                                    confai_error *err);

/*
 * Starts the chunked response once the request header has been read (the
 * request itself may still be arriving): writes the fresh response nonce,
 * max(Nn, Nk) bytes, that precedes the chunks. Errors:
 * CONFAI_E_BUFFER_TOO_SMALL, CONFAI_E_STATE (header not read yet, not
 * chunked, or begun already).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_begin_response(confai_ohttp_gateway *gateway,
                                    uint8_t *nonce, size_t *nonce_len,
                                    confai_error *err);

/* As confai_ohttp_client_seal_chunk, for a response chunk. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_seal_chunk(confai_ohttp_gateway *gateway, uint8_t *chunk,
                                size_t *chunk_len, const uint8_t *plaintext,
                                size_t plaintext_len, confai_error *err);

/* As confai_ohttp_client_seal_final_chunk, for the final response chunk. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_seal_final_chunk(confai_ohttp_gateway *gateway,
                                      uint8_t *chunk, size_t *chunk_len,
                                      const uint8_t *plaintext,
                                      size_t plaintext_len, confai_error *err);

/* Releases the exchange and wipes its secrets. NULL is a no-op. */
CONFAI_API void confai_ohttp_gateway_free(confai_ohttp_gateway *gateway);

/* ------------------------------------------------------------------------ */
/* Attestation: policy, evidence bundles, key binding, verdicts             */
/* ------------------------------------------------------------------------ */

/*
 * Before a client seals a prompt to a service it verifies the service's
 * evidence bundle (doc/protocol.md): the CPU report signs, through a chain
 * that ends in a pinned root, a commitment to our nonce, to the OHTTP key
 * configuration we will seal to, to the deployment manifest and to the
 * bundle's not_after; and a policy (doc/policy.md) accepts every measured
 * value. confai_attestation_verify does all of it and returns a verdict, or
 * fails with the status of the first check that did not pass: there is no
 * partial success.
 *
 * Status codes: 3xx for a bundle that does not parse; 5xx for evidence that
 * does not prove what it claims (signature, chain, root, nonce, freshness,
 * binding); 6xx for verified evidence the policy does not accept;
 * CONFAI_E_UNSUPPORTED for evidence of a kind this build cannot verify
 * (an unknown CPU, GPU or token type): such a bundle is always rejected,
 * never half-verified.
 *
 * Every function here is a pure function of its inputs: no I/O, the clock is
 * read only when the options ask for "now". The application fetches the
 * bundle itself (POST {base}/v1/attestation) or lets the client layer do it.
 */

/* Size of the client's attestation nonce. */
#define CONFAI_ATTESTATION_NONCE_SIZE 32
/* Size of the report data a CPU report carries: SHA-512 of the transcript. */
#define CONFAI_BINDING_REPORT_DATA_SIZE 64
/* Size of a GPU's SPDM nonce: SHA-256 of the transcript. */
#define CONFAI_BINDING_GPU_NONCE_SIZE 32
/* Size of the digests a verdict reports (SHA-256). */
#define CONFAI_VERDICT_DIGEST_SIZE 32
/* Largest evidence bundle and policy document accepted (CONFAI_E_LIMIT). */
#define CONFAI_ATTESTATION_MAX_BUNDLE_SIZE 1048576
#define CONFAI_POLICY_MAX_SIZE 1048576

/* The macros above as functions, for bindings that cannot read macros. */
CONFAI_API size_t confai_attestation_nonce_size(void);
CONFAI_API size_t confai_binding_report_data_size(void);
CONFAI_API size_t confai_binding_gpu_nonce_size(void);
CONFAI_API size_t confai_verdict_digest_size(void);
CONFAI_API size_t confai_attestation_max_bundle_size(void);
CONFAI_API size_t confai_policy_max_size(void);

/* --- Key binding (both sides) -------------------------------------------- */

/*
 * The key binding transcript of doc/protocol.md:
 *   T = "confai/v1 binding" || u16(32) || nonce
 *       || u16(key_config_len) || key_config
 *       || SHA-256(manifest)
 *       || u16(strlen(not_after)) || not_after
 * key_config is one RFC 9458 KeyConfig and manifest the exact manifest
 * bytes, both as sent (decoded); not_after is the bundle's RFC 3339 string
 * ("2025-01-31T12:00:00Z": UTC, no fractions, NUL-terminated). A service
 * puts confai_binding_report_data() into its CPU report and
 * confai_binding_gpu_nonce() into each GPU's SPDM request; a client never
 * needs these (confai_attestation_verify checks them), but they document and
 * test the construction.
 *
 * Errors (all three): CONFAI_E_ARGUMENT (NULL pointer, not_after not of the
 * form above), CONFAI_E_LIMIT (key_config longer than 65535 bytes),
 * CONFAI_E_NO_MEMORY. Thread-safe.
 */

/* Writes SHA-512(T), the 64 bytes a CPU report's report data must hold. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_binding_report_data(uint8_t report_data[64], const uint8_t nonce[32],
                           const uint8_t *key_config, size_t key_config_len,
                           const uint8_t *manifest, size_t manifest_len,
                           const char *not_after, confai_error *err);

/* Writes SHA-256(T), the 32-byte nonce of each GPU's SPDM evidence. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_binding_gpu_nonce(uint8_t gpu_nonce[32], const uint8_t nonce[32],
                         const uint8_t *key_config, size_t key_config_len,
                         const uint8_t *manifest, size_t manifest_len,
                         const char *not_after, confai_error *err);

/*
 * Writes T itself into fresh memory: *transcript (release with confai_free)
 * and *transcript_len. For logs and interoperability tests. On failure
 * *transcript is NULL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_binding_transcript(uint8_t **transcript, size_t *transcript_len,
                          const uint8_t nonce[32], const uint8_t *key_config,
                          size_t key_config_len, const uint8_t *manifest,
                          size_t manifest_len, const char *not_after,
                          confai_error *err);

/* --- Policy -------------------------------------------------------------- */

/*
 * A verification policy, parsed from its JSON document (doc/policy.md): the
 * accepted platforms, products and measurements, minimum TCB and firmware,
 * guest settings, identities, the accepted manifest digests, max_age, and
 * any custom roots and CRLs. Every field is explicit: a missing field is an
 * error, never "accept anything"; a wildcard is written "*".
 * Immutable once made: may be shared between threads.
 */
typedef struct confai_policy confai_policy;

/*
 * Parses and validates a policy document of json_len bytes (UTF-8, need not
 * be NUL-terminated). Custom roots and CRLs are decoded here, so a bad PEM
 * fails now and not at the first verification. On failure *policy is NULL.
 * Errors: CONFAI_E_POLICY_INVALID with a message naming the field (not JSON,
 * trailing data, unknown or duplicate member, missing field, wrong type or
 * value, unsupported version), CONFAI_E_LIMIT (over
 * CONFAI_POLICY_MAX_SIZE), CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_policy_new(confai_policy **policy, const char *json, size_t json_len,
                  confai_error *err);

/* Releases a policy. NULL is a no-op. */
CONFAI_API void confai_policy_free(confai_policy *policy);

/* The policy's max_age in seconds (0 for NULL). */
CONFAI_API int64_t confai_policy_max_age(const confai_policy *policy);

/* --- Verification options ------------------------------------------------ */

/*
 * A cache of endorsements that already verified, held by the caller (the
 * library keeps no cache of its own); one object serves every platform:
 *   - SEV-SNP: the VCEK/VLEK chain (VCEK/VLEK, ASK/ASVK, ARK). A new report
 *     from a known machine then costs its signature and field checks.
 *   - TDX: the quote's PCK chain together with the collateral that came with
 *     it (CRLs, TCB info, QE identity, TCB Signing chain), verified and
 *     parsed. A new quote from a known machine with the same collateral then
 *     costs the QE report and quote signatures and the TCB level evaluation
 *     of its SVNs.
 *   - GPUs: each device's certificate chain to the NVIDIA root. A new SPDM
 *     report from a known GPU then costs its signature and nonce check.
 * An entry is found by the exact bytes it was verified from (certificates,
 * CRLs, collateral) and the policy's trust anchors and CRLs, so one cache
 * may serve several policies and new CRL or collateral bytes are verified in
 * full. It is used only strictly inside the validity of every certificate,
 * CRL and collateral document it was verified with; only verifications that
 * pass add entries, a few per platform, the oldest replaced first. Verdicts
 * are the same with and without a cache. It changes during a verification:
 * one thread at a time (or a lock around confai_attestation_verify).
 */
typedef struct confai_verify_cache confai_verify_cache;

/* Creates an empty cache. On failure *cache is NULL. Errors: NO_MEMORY. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_verify_cache_new(confai_verify_cache **cache, confai_error *err);

/* Releases a cache and every entry. NULL is a no-op. */
CONFAI_API void confai_verify_cache_free(confai_verify_cache *cache);

#define CONFAI_VERIFY_OPTIONS_VERSION 1

/*
 * Unknown members in the evidence bundle are ignored instead of rejected.
 * For talking to newer services during a migration only; duplicate members
 * are rejected regardless.
 */
#define CONFAI_VERIFY_LENIENT_BUNDLE 0x1u

/*
 * Options of one verification. Fill with confai_verify_options_init, then
 * change single fields. Passing NULL options means the defaults: strict
 * bundle parsing, the current time, no cache.
 */
typedef struct confai_verify_options {
    uint32_t version;             /* CONFAI_VERIFY_OPTIONS_VERSION */
    uint32_t flags;               /* CONFAI_VERIFY_* bits; 0 = strict */
    int64_t verify_time;          /* seconds since 1970 (UTC); 0 = now */
    confai_verify_cache *cache;   /* NULL: verify every chain and collateral in full */
    uint64_t reserved[8];         /* must be zero */
} confai_verify_options;

/* CONFAI_VERIFY_OPTIONS_VERSION as a function. */
CONFAI_API uint32_t confai_verify_options_version(void);

/*
 * Sets the defaults. version is the CONFAI_VERIFY_OPTIONS_VERSION the caller
 * was compiled with. Errors: CONFAI_E_ARGUMENT (NULL, unknown version).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_verify_options_init(confai_verify_options *options, uint32_t version,
                           confai_error *err);

/* --- Verification and verdict -------------------------------------------- */

/*
 * The result of a successful verification: what was proven, for sealing
 * (the bound key configuration), caching (the expiry) and logs (JSON).
 * Immutable: may be shared between threads. Strings and pointers it returns
 * live as long as the verdict.
 */
typedef struct confai_verdict confai_verdict;

/*
 * Verifies an evidence bundle (bundle_len bytes of JSON, need not be
 * NUL-terminated) that answers our nonce, against a policy. In order, each
 * with its own status:
 *   the bundle parses                     CONFAI_E_MALFORMED (message names
 *                                          the member), _TRAILING_DATA, _LIMIT,
 *                                          _UNSUPPORTED (unknown CPU, GPU or
 *                                          token type, bundle version)
 *   the nonce is ours (constant time)     CONFAI_E_NONCE_MISMATCH
 *   not_after is after the verify time    CONFAI_E_EVIDENCE_EXPIRED
 *   platform accepted by the policy       CONFAI_E_POLICY_PLATFORM
 *   report, chain and root                CONFAI_E_BAD_SIGNATURE,
 *                                          _CERT_CHAIN, _UNKNOWN_ROOT,
 *                                          _CERT_EXPIRED, _CERT_REVOKED,
 *                                          _TCB_MISMATCH and parse statuses
 *   report data == SHA-512(T)             CONFAI_E_BINDING
 *   the policy's checks                   CONFAI_E_POLICY_* (6xx)
 *   each GPU: chain to the NVIDIA root,   CONFAI_E_CERT_*, _UNKNOWN_ROOT,
 *   signature, SPDM nonce == SHA-256(T),   _BAD_SIGNATURE, _BINDING,
 *   the policy's gpus section              CONFAI_E_POLICY_GPU_*, _MEASUREMENT
 *   each token: the tokens section, its   CONFAI_E_POLICY_TOKEN, _TOKEN_*,
 *   signature and claims, eat_nonce        _BAD_SIGNATURE, _BINDING
 *   the key configuration parses          CONFAI_E_UNSUPPORTED, parse statuses
 * The verdict expires at min(not_after, verify time + policy max_age, the
 * end of the endorsement chain's validity, the earliest token exp).
 * options may be NULL (defaults). On failure *verdict is NULL.
 * Thread-safe for a shared policy; a cache in options needs exclusive use.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_attestation_verify(confai_verdict **verdict,
                          const confai_policy *policy,
                          const confai_verify_options *options,
                          const uint8_t nonce[32], const char *bundle,
                          size_t bundle_len, confai_error *err);

/*
 * Verdicts are reference counted: confai_verdict_ref adds a reference (and
 * returns verdict) so that, for example, a client's lease and an
 * application can both hold the same verdict; each reference is released
 * with confai_verdict_free. Thread-safe. NULL gives NULL.
 */
CONFAI_API confai_verdict *confai_verdict_ref(const confai_verdict *verdict);

/* Releases a reference; the last one frees the verdict. NULL is a no-op. */
CONFAI_API void confai_verdict_free(confai_verdict *verdict);

/* The platform ("sev-snp"); NULL for NULL. */
CONFAI_API const char *confai_verdict_platform(const confai_verdict *verdict);

/* The product ("milan", "genoa", "turin"); NULL for NULL. */
CONFAI_API const char *confai_verdict_product(const confai_verdict *verdict);

/*
 * The launch measurement (SEV-SNP: 48 bytes); *len gets its size. NULL (and
 * *len 0) for NULL.
 */
CONFAI_API const uint8_t *
confai_verdict_measurement(const confai_verdict *verdict, size_t *len);

/* Which kind of root the evidence chains to. */
typedef enum confai_root_kind {
    CONFAI_ROOT_NONE = 0,   /* only for a NULL verdict */
    CONFAI_ROOT_VENDOR = 1, /* a built-in hardware vendor root (AMD ARK) */
    CONFAI_ROOT_CUSTOM = 2, /* a root the policy added: NOT a vendor root */
} confai_root_kind;

/* The kind of root; CONFAI_ROOT_NONE for NULL. */
CONFAI_API confai_root_kind
confai_verdict_root_kind(const confai_verdict *verdict);

/* 1 when the chain ends in a built-in vendor root, else 0. */
CONFAI_API int confai_verdict_root_is_vendor(const confai_verdict *verdict);

/*
 * For a custom root, a warning for humans ("NOT an AMD root: ..."), to be
 * shown wherever the verdict is; NULL for a vendor root or a NULL verdict.
 */
CONFAI_API const char *
confai_verdict_root_warning(const confai_verdict *verdict);

/*
 * The key configuration the evidence binds: the one to seal requests to
 * (confai_ohttp_client_seal_request). Borrowed: valid until the verdict is
 * freed. NULL for NULL.
 */
CONFAI_API const confai_key_config *
confai_verdict_key_config(const confai_verdict *verdict);

/* SHA-256 of the bound KeyConfig bytes (32 bytes); NULL for NULL. */
CONFAI_API const uint8_t *
confai_verdict_key_config_digest(const confai_verdict *verdict);

/* SHA-256 of the manifest bytes (32 bytes); NULL for NULL. */
CONFAI_API const uint8_t *
confai_verdict_manifest_digest(const confai_verdict *verdict);

/*
 * Times, seconds since 1970 (UTC): when the evidence was verified; the
 * bundle's not_after; and the expiry min(not_after, verified_at + max_age,
 * end of the endorsement chain's validity), after which the key must not be
 * used without a new attestation. 0 for NULL.
 */
CONFAI_API int64_t confai_verdict_verified_at(const confai_verdict *verdict);
CONFAI_API int64_t confai_verdict_not_after(const confai_verdict *verdict);
CONFAI_API int64_t confai_verdict_expiry(const confai_verdict *verdict);

/* The TCB values an SEV-SNP report carries. */
typedef enum confai_tcb_kind {
    CONFAI_TCB_CURRENT = 0,
    CONFAI_TCB_REPORTED = 1,  /* what the VCEK was derived for */
    CONFAI_TCB_COMMITTED = 2,
    CONFAI_TCB_LAUNCH = 3,
} confai_tcb_kind;

/* Components of a TCB version (FMC exists on Turin only). */
typedef enum confai_tcb_component {
    CONFAI_TCB_BOOTLOADER = 0,
    CONFAI_TCB_TEE = 1,
    CONFAI_TCB_SNP = 2,
    CONFAI_TCB_MICROCODE = 3,
    CONFAI_TCB_FMC = 4,
} confai_tcb_component;

/* A TCB as its raw 64-bit TCB_VERSION; 0 for NULL or an unknown kind. */
CONFAI_API uint64_t confai_verdict_tcb(const confai_verdict *verdict,
                                       confai_tcb_kind kind);

/*
 * One component (0..255) of a TCB; -1 for NULL, an unknown kind or
 * component, or a component the product does not have (FMC before Turin).
 */
CONFAI_API int confai_verdict_tcb_component(const confai_verdict *verdict,
                                            confai_tcb_kind kind,
                                            confai_tcb_component component);

/*
 * The checks that passed, by name ("nonce", "binding.report_data",
 * "policy.measurement", ...), in the order they ran; index from 0 to
 * count - 1. NULL for an index out of range. Checks the policy waived with
 * a wildcard are listed separately by confai_verdict_waived.
 */
CONFAI_API size_t confai_verdict_check_count(const confai_verdict *verdict);
CONFAI_API const char *confai_verdict_check(const confai_verdict *verdict,
                                            size_t index);
CONFAI_API size_t confai_verdict_waived_count(const confai_verdict *verdict);
CONFAI_API const char *confai_verdict_waived(const confai_verdict *verdict,
                                             size_t index);

/*
 * The whole verdict as a JSON object (doc/protocol.md, "Verdict"), for logs
 * and UIs: *json (NUL-terminated, release with confai_free) and *json_len
 * (without the NUL; may be NULL). On failure *json is NULL.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_verdict_json(const confai_verdict *verdict, char **json,
                    size_t *json_len, confai_error *err);

/* ------------------------------------------------------------------------ */
/* Client: attestation lease and sealed requests over HTTP (libcurl)        */
/* ------------------------------------------------------------------------ */

/*
 * A client talks to one confidential service at a base URL
 * ("https://llm.example.com", "http://127.0.0.1:8080"). It attests the
 * service (POST {base}/v1/attestation with a fresh 32-byte nonce; the answer
 * is verified with confai_attestation_verify against the policy), keeps the
 * verdict as a lease until its expiry (min(not_after, policy max_age, chain
 * validity)), and seals every request to the key the lease binds
 * (POST {base}/v1/sealed, doc/protocol.md). Nothing leaves the process in
 * plaintext except the attestation nonce. A lease is renewed when it has
 * expired and when the service rejects the key (OHTTP key-configuration
 * problem, RFC 9458 section 5.2: key rotation), at most once per request.
 *
 * TLS is used when the URL says https; it adds transport privacy, but the
 * guarantees come from attestation and sealing, so plain http (loopback, or
 * a TLS-terminating proxy) is accepted.
 *
 * Threads: a confai_client may be shared between threads; requests from
 * several threads run in parallel (the lease is guarded internally). A
 * confai_stream belongs to one thread, except confai_stream_cancel, which
 * any thread may call. The client must outlive its streams, and the policy
 * must outlive the client.
 */
typedef struct confai_client confai_client;

#define CONFAI_CLIENT_OPTIONS_VERSION 1

/* Default chunk size of a sealed streamed request (the draft's minimum). */
#define CONFAI_CLIENT_DEFAULT_CHUNK_SIZE 16384
/* Default limit of a whole (non-streamed) response or evidence bundle. */
#define CONFAI_CLIENT_DEFAULT_MAX_RESPONSE_SIZE 67108864

/*
 * Options of a client. Fill with confai_client_options_init, then change
 * single fields. Strings are copied by confai_client_new. Times are in
 * milliseconds; 0 takes the default shown.
 */
typedef struct confai_client_options {
    uint32_t version;              /* CONFAI_CLIENT_OPTIONS_VERSION */
    uint32_t flags;                /* reserved, must be 0 */
    int64_t connect_timeout_ms;    /* per connection attempt; 10000 */
    int64_t request_timeout_ms;    /* whole sealed request; 0 = no limit */
    int64_t attest_timeout_ms;     /* one attestation fetch; 30000 */
    uint32_t attest_retries;       /* retries of a failed fetch; see init */
    uint32_t retry_backoff_ms;     /* first retry delay, doubled each time;
                                      250 */
    const char *ca_file;           /* PEM CA bundle for https; NULL = system */
    const char *pinned_public_key; /* libcurl CURLOPT_PINNEDPUBLICKEY form:
                                      "sha256//<base64>;sha256//..." or a
                                      PEM/DER file; NULL = no pin */
    const char *user_agent;        /* NULL = "libconfai/<version>" */
    size_t max_response_size;      /* CONFAI_CLIENT_DEFAULT_MAX_RESPONSE_SIZE */
    size_t chunk_size;             /* CONFAI_CLIENT_DEFAULT_CHUNK_SIZE */
    /* Verification options for each attestation (time, cache, flags);
       NULL = defaults. Copied; a cache in it must outlive the client and is
       used under the client's lock. Without one, the client keeps its own
       SEV-SNP chain cache, so re-attesting a machine costs one signature. */
    const confai_verify_options *verify;
    uint64_t reserved[8];          /* must be zero */
} confai_client_options;

/* The macros above as functions, for bindings that cannot read macros. */
CONFAI_API uint32_t confai_client_options_version(void);
CONFAI_API size_t confai_client_default_chunk_size(void);
CONFAI_API size_t confai_client_default_max_response_size(void);

/*
 * Sets the defaults (attest_retries 2: three attempts in all). version is
 * the CONFAI_CLIENT_OPTIONS_VERSION the caller was compiled with.
 * Errors: CONFAI_E_ARGUMENT (NULL, unknown version).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_options_init(confai_client_options *options, uint32_t version,
                           confai_error *err);

/*
 * Creates a client for base_url (http or https, no query or fragment; a
 * trailing '/' is ignored). Nothing is sent until the first call that needs
 * the service. options may be NULL (defaults). On failure *client is NULL.
 * Errors: CONFAI_E_ARGUMENT (bad URL or options), CONFAI_E_NO_MEMORY,
 * CONFAI_E_INTERNAL (libcurl could not start).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_new(confai_client **client, const char *base_url,
                  const confai_policy *policy,
                  const confai_client_options *options, confai_error *err);

/* Releases a client and its lease. NULL is a no-op. */
CONFAI_API void confai_client_free(confai_client *client);

/*
 * Attests the service now, whatever the lease, and makes the new verdict
 * the lease. Retries transport failures (7xx other than CANCELLED) up to
 * attest_retries times with backoff; never retries a verification failure.
 * verdict may be NULL; otherwise *verdict gets a new reference (release
 * with confai_verdict_free). On failure the old lease is dropped too: a
 * service that fails attestation is not trusted on an older verdict.
 * Errors: transport 7xx (the message carries libcurl's detail, or the HTTP
 * status and the start of the body), CONFAI_E_LIMIT (bundle too large), and
 * every status of confai_attestation_verify.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_attest(confai_client *client, confai_verdict **verdict,
                     confai_error *err);

/*
 * The current lease's verdict, attesting first when there is none or it
 * has expired. *verdict gets a new reference. Errors: as for
 * confai_client_attest.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_verdict(confai_client *client, confai_verdict **verdict,
                      confai_error *err);

/*
 * Sends one request sealed as a whole (message/ohttp-req) and returns the
 * opened whole response: *response is a Binary HTTP response message
 * (release with confai_http_message_free). The request's scheme and
 * authority are free (the service's own server is addressed by path).
 * On failure *response is NULL and the application gets no part of the
 * answer. Errors: those of confai_client_verdict; 7xx transport;
 * CONFAI_E_NOT_SEALED (a 2xx answer that is not message/ohttp-res);
 * CONFAI_E_HTTP_STATUS; CONFAI_E_KEY_ID_UNKNOWN (the key was rejected again
 * after a fresh attestation); CONFAI_E_DECRYPT, CONFAI_E_TRUNCATED (the
 * answer was altered); the parse statuses of the inner message;
 * CONFAI_E_LIMIT.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_fetch(confai_client *client, const confai_http_message *request,
                    confai_http_message **response, confai_error *err);

/*
 * A streamed exchange: the request goes out as a chunked OHTTP request
 * (message/ohttp-chunked-req), the response is opened chunk by chunk as it
 * arrives (message/ohttp-chunked-res) and read as the inner response's
 * content. Only authenticated bytes are ever returned; a stream that is
 * truncated, reordered, replayed or altered fails at the first bad chunk
 * and returns nothing after it.
 */
typedef struct confai_stream confai_stream;

/*
 * Sends request as a streamed exchange and returns once the inner
 * response's head (status and header fields) has been opened.
 * Errors: those of confai_client_fetch (CONFAI_E_NOT_SEALED for an answer
 * that is not message/ohttp-chunked-res), the stream statuses (4xx).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_stream_open(confai_client *client,
                          const confai_http_message *request,
                          confai_stream **stream, confai_error *err);

/*
 * The inner response's status and header fields (no content), valid until
 * the stream is freed. NULL for NULL.
 */
CONFAI_API const confai_http_message *
confai_stream_response(const confai_stream *stream);

/*
 * Reads the next content bytes into buf, blocking until at least one byte
 * authenticated, the response ended, or it failed: *read_len is the number
 * written (1..capacity), or 0 with CONFAI_OK at the authenticated end of the
 * response (its final chunk). After a failure every later call returns the
 * same status. When the inner response is text/event-stream, a
 * "data: [DONE]" line (and what follows it) is handed out only after the
 * final chunk authenticated: clients stop reading at [DONE], and must not
 * miss a stream cut off after it. Errors: CONFAI_E_ARGUMENT (capacity 0), the 4xx stream
 * statuses, 3xx for a malformed inner message, 7xx transport,
 * CONFAI_E_CANCELLED.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_stream_read(confai_stream *stream, uint8_t *buf, size_t capacity,
                   size_t *read_len, confai_error *err);

/*
 * Cancels the stream from any thread: a blocked or later confai_stream_read
 * returns CONFAI_E_CANCELLED. NULL is a no-op.
 */
CONFAI_API void confai_stream_cancel(confai_stream *stream);

/* Closes the connection and wipes what the stream holds. NULL: no-op. */
CONFAI_API void confai_stream_free(confai_stream *stream);

/*
 * Receives one piece of the assistant's answer (UTF-8, not NUL-terminated,
 * valid during the call). Return 0 to go on, anything else to cancel (the
 * call then returns CONFAI_E_CANCELLED).
 */
typedef int (*confai_chat_delta_fn)(void *user, const char *text,
                                    size_t text_len);

/*
 * An OpenAI-compatible chat completion, streamed: request_json is the
 * request body of POST /v1/chat/completions ({"model":..., "messages":[...],
 * ...}); "stream" is set to true. The server-sent events of the opened
 * stream are parsed and each choice-0 content delta goes to on_delta, as it
 * arrives. Returns once "data: [DONE]" arrived and the stream ended
 * authenticated. Errors: those of confai_client_stream_open and
 * confai_stream_read; CONFAI_E_ARGUMENT (request not a JSON object);
 * CONFAI_E_HTTP_STATUS (the inner response is not 200; the message carries
 * the start of its body); CONFAI_E_MALFORMED (an event that is not JSON of
 * the expected shape); CONFAI_E_TRUNCATED (the stream ended before
 * [DONE]); CONFAI_E_CANCELLED.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_chat(confai_client *client, const char *request_json,
                   size_t request_json_len, confai_chat_delta_fn on_delta,
                   void *user, confai_error *err);

/* ------------------------------------------------------------------------ */
/* Gateway side: a simulated SEV-SNP platform                               */
/* ------------------------------------------------------------------------ */

/*
 * For the server half when no TEE is at hand (development, CI, the demo): a
 * simulated AMD SEV-SNP platform made with OpenSSL, an ARK -> ASK -> VCEK
 * hierarchy whose certificates say "simulated" in their names, that signs
 * real-format attestation reports. Clients verify its evidence with the
 * production code; they trust it only through a policy that pins its ARK
 * as a custom root (confai_sim_snp_policy_json), and every verdict then
 * says the root is not AMD's. Never use it where confidentiality matters.
 * Immutable once made: may be shared between threads.
 */
typedef struct confai_sim_snp confai_sim_snp;

/* Size of an SEV-SNP launch measurement. */
#define CONFAI_SNP_MEASUREMENT_SIZE 48
CONFAI_API size_t confai_snp_measurement_size(void);

/*
 * Creates the platform: from saved keys (saved_keys, the text
 * confai_sim_snp_save_keys wrote) or, when saved_keys is NULL, fresh keys
 * (RSA-4096 and P-384: this takes a few seconds). Certificates are issued
 * valid from a day before `now` (seconds since 1970; 0 = the current time);
 * the ARK key alone fixes what a policy pins, so a platform restored from
 * the same keys is trusted by the same policy. measurement is the launch
 * measurement its reports carry. On failure *sim is NULL.
 * Errors: CONFAI_E_BAD_KEY (saved keys unreadable or of the wrong kind),
 * CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_new(confai_sim_snp **sim, const char *saved_keys,
                   size_t saved_keys_len, const uint8_t measurement[48],
                   int64_t now, confai_error *err);

/* Releases the platform and wipes its keys. NULL is a no-op. */
CONFAI_API void confai_sim_snp_free(confai_sim_snp *sim);

/*
 * Writes the platform's private keys as PEM text (sensitive: store it like
 * any private key): *text (NUL-terminated, release with confai_free) and
 * *text_len. Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_save_keys(const confai_sim_snp *sim, char **text,
                         size_t *text_len, confai_error *err);

/*
 * Writes a policy (doc/policy.md) that accepts exactly this platform: its
 * ARK as the custom root, its product, measurement and TCB, a guest with
 * debugging off; the manifest digest SHA-256(manifest) and the given
 * max_age (seconds, > 0). *json as for confai_sim_snp_save_keys.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_policy_json(const confai_sim_snp *sim, const uint8_t *manifest,
                           size_t manifest_len, int64_t max_age, char **json,
                           size_t *json_len, confai_error *err);

/*
 * Answers an attestation request: signs a report whose report data is
 * confai_binding_report_data(nonce, key_config, manifest, not_after) and
 * writes the evidence bundle (doc/protocol.md) with the report and the
 * VCEK, ASK, ARK chain. key_config is one KeyConfig as serialized; not_after
 * is an RFC 3339 string as for confai_binding_report_data. *json as for
 * confai_sim_snp_save_keys. Thread-safe.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_bundle(const confai_sim_snp *sim, const uint8_t nonce[32],
                      const uint8_t *key_config, size_t key_config_len,
                      const uint8_t *manifest, size_t manifest_len,
                      const char *not_after, char **json, size_t *json_len,
                      confai_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_CONFAI_H */
