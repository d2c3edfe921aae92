/*
 * libconfai: HPKE (RFC 9180): key pairs, contexts and single-shot sealing.
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 * The conventions every function follows are in confai/common.h.
 */
#ifndef CONFAI_HPKE_H
#define CONFAI_HPKE_H

#include <stddef.h>
#include <stdint.h>

#include <confai/common.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/*
 * The RFC 9180 names of a KEM, KDF and AEAD id this build supports
 * ("DHKEM(X25519, HKDF-SHA256)", "HKDF-SHA256", "AES-256-GCM"), static
 * strings; NULL for an id it does not support.
 */
CONFAI_API const char *confai_hpke_kem_name(uint16_t kem_id);
CONFAI_API const char *confai_hpke_kdf_name(uint16_t kdf_id);
CONFAI_API const char *confai_hpke_aead_name(uint16_t aead_id);

/* --- Key pairs ----------------------------------------------------------- */

/*
 * A KEM key pair (private and public key). Immutable once made: may be shared
 * between threads. The private key is wiped when the key is freed.
 */
typedef struct confai_hpke_key confai_hpke_key;

/*
 * Generates a fresh key pair for a KEM. On failure *key is NULL.
 * Errors: CONFAI_E_ARGUMENT (NULL key), CONFAI_E_UNSUPPORTED (unknown KEM),
 * CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_generate(confai_hpke_key **key, uint16_t kem_id,
                         confai_error *err);

/*
 * Derives a key pair deterministically from input keying material
 * (RFC 9180 DeriveKeyPair). ikm must be at least as long as the KEM's private
 * key and at most CONFAI_HPKE_MAX_PARAM_SIZE bytes. On failure *key is NULL.
 * Errors: CONFAI_E_ARGUMENT (NULL, ikm of the wrong length),
 * CONFAI_E_UNSUPPORTED (unknown KEM), CONFAI_E_BAD_KEY (no valid scalar,
 * DeriveKeyPairError), CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_derive(confai_hpke_key **key, uint16_t kem_id,
                       const uint8_t *ikm, size_t ikm_len, confai_error *err);

/*
 * Imports a private key in its RFC 9180 serialization (SerializePrivateKey)
 * and computes its public key. On failure *key is NULL.
 * Errors: CONFAI_E_BAD_KEY (wrong length, invalid scalar), CONFAI_E_ARGUMENT
 * (NULL), CONFAI_E_UNSUPPORTED (unknown KEM), CONFAI_E_NO_MEMORY,
 * CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_import(confai_hpke_key **key, uint16_t kem_id,
                       const uint8_t *private_key, size_t private_key_len,
                       confai_error *err);

/* Releases a key and wipes its private part. NULL is a no-op. */
CONFAI_API void confai_hpke_key_free(confai_hpke_key *key);

/* The KEM id the key belongs to. */
CONFAI_API uint16_t confai_hpke_key_kem(const confai_hpke_key *key);

/*
 * Writes the serialized public key (SerializePublicKey).
 * Errors: CONFAI_E_BUFFER_TOO_SMALL, CONFAI_E_ARGUMENT (NULL),
 * CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_key_public(const confai_hpke_key *key, uint8_t *public_key,
                       size_t *public_key_len, confai_error *err);

/*
 * Writes the serialized private key (SerializePrivateKey; X25519 and X448
 * keys come out clamped, RFC 9180 section 7.1.2). Handle with care.
 * Errors: CONFAI_E_BUFFER_TOO_SMALL, CONFAI_E_ARGUMENT (NULL),
 * CONFAI_E_INTERNAL.
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

/*
 * Creates a context for a role and suite. On failure *ctx is NULL.
 * Errors: CONFAI_E_ARGUMENT (NULL, unknown role), CONFAI_E_UNSUPPORTED (a
 * suite this build cannot use), CONFAI_E_NO_MEMORY.
 */
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
 * Errors: CONFAI_E_ARGUMENT (NULL, key of another KEM), CONFAI_E_STATE (a
 * recipient context, or set up already), CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_ctx_set_sender_key(confai_hpke_ctx *ctx,
                               const confai_hpke_key *key, confai_error *err);

/*
 * Auth modes, recipient side: the sender's serialized public key, before
 * setup. Errors: CONFAI_E_BAD_KEY (wrong length, not a valid encoding),
 * CONFAI_E_ARGUMENT (NULL), CONFAI_E_STATE (a sender context, or set up
 * already).
 */
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
 * section 5.3); either role, after setup. secret_len is the length asked
 * for, not a capacity: exactly secret_len bytes are written. It is at most
 * 255 times the KDF's hash size. Errors: CONFAI_E_ARGUMENT (NULL, secret_len
 * 0 or too large, exporter_context over CONFAI_HPKE_MAX_PARAM_SIZE),
 * CONFAI_E_STATE (not set up), CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_export(confai_hpke_ctx *ctx, uint8_t *secret, size_t secret_len,
                   const uint8_t *exporter_context,
                   size_t exporter_context_len, confai_error *err);

/* --- Single shot (base mode) --------------------------------------------- */

/*
 * Seals one message to a recipient public key in base mode: enc and
 * ciphertext are written to caller buffers (sizes from confai_hpke_suite_sizes;
 * ciphertext is plaintext_len + tag size). Errors: those of
 * confai_hpke_ctx_new, confai_hpke_sender_setup and confai_hpke_seal;
 * CONFAI_E_BUFFER_TOO_SMALL for either buffer, the ciphertext's checked
 * before any work.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_seal_once(const confai_hpke_suite *suite, uint8_t *enc,
                      size_t *enc_len, uint8_t *ciphertext,
                      size_t *ciphertext_len, const uint8_t *recipient_public,
                      size_t recipient_public_len, const uint8_t *info,
                      size_t info_len, const uint8_t *aad, size_t aad_len,
                      const uint8_t *plaintext, size_t plaintext_len,
                      confai_error *err);

/*
 * Opens one base-mode message sealed with confai_hpke_seal_once.
 * Errors: those of confai_hpke_ctx_new, confai_hpke_recipient_setup and
 * confai_hpke_open (CONFAI_E_DECRYPT, CONFAI_E_BAD_ENCAPSULATION, ...).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_hpke_open_once(const confai_hpke_suite *suite, uint8_t *plaintext,
                      size_t *plaintext_len, const confai_hpke_key *key,
                      const uint8_t *enc, size_t enc_len, const uint8_t *info,
                      size_t info_len, const uint8_t *aad, size_t aad_len,
                      const uint8_t *ciphertext, size_t ciphertext_len,
                      confai_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_HPKE_H */
