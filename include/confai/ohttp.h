/*
 * libconfai: Oblivious HTTP (RFC 9458), chunked OHTTP and key configurations.
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 * The conventions every function follows are in confai/common.h.
 */
#ifndef CONFAI_OHTTP_H
#define CONFAI_OHTTP_H

#include <stddef.h>
#include <stdint.h>

#include <confai/common.h>
#include <confai/hpke.h>
#include <confai/bhttp.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/*
 * Writes the gateway's serialized public key (Npk bytes).
 * Errors: CONFAI_E_BUFFER_TOO_SMALL (public_key may be NULL to ask),
 * CONFAI_E_ARGUMENT (NULL).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_public_key(const confai_key_config *config,
                             uint8_t *public_key, size_t *public_key_len,
                             confai_error *err);

/*
 * Writes the KeyConfig encoding; for a parsed configuration these are exactly
 * the bytes parsed, including algorithm pairs this build does not support.
 * Errors: CONFAI_E_BUFFER_TOO_SMALL (out may be NULL to ask),
 * CONFAI_E_ARGUMENT (NULL).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_serialize(const confai_key_config *config, uint8_t *out,
                            size_t *out_len, confai_error *err);

/*
 * The (KDF, AEAD) pairs the configuration lists, in its order, supported by
 * this build or not: their number (0 for NULL), and the index-th into
 * *algorithms. Errors: CONFAI_E_ARGUMENT (NULL, index out of range).
 */
CONFAI_API size_t
confai_key_config_algorithm_count(const confai_key_config *config);
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_key_config_algorithm(const confai_key_config *config,
                            confai_ohttp_algorithms *algorithm, size_t index,
                            confai_error *err);

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

/*
 * As confai_ohttp_client_set_max_chunk_size, for the request reader.
 * Errors: CONFAI_E_ARGUMENT (NULL, 0), CONFAI_E_STATE (not chunked, or the
 * request failed earlier).
 */
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

/*
 * As confai_ohttp_client_finish_response, for the request: the bytes fed
 * must end with the final chunk. Errors: CONFAI_E_STREAM_TRUNCATED (no final
 * chunk), CONFAI_E_STATE (not chunked, or the request failed earlier), and
 * those of confai_ohttp_gateway_feed_request.
 */
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

/*
 * As confai_ohttp_client_seal_chunk, for a response chunk. Errors: those of
 * confai_ohttp_client_seal_chunk; CONFAI_E_STATE also before
 * confai_ohttp_gateway_begin_response.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_seal_chunk(confai_ohttp_gateway *gateway, uint8_t *chunk,
                                size_t *chunk_len, const uint8_t *plaintext,
                                size_t plaintext_len, confai_error *err);

/*
 * As confai_ohttp_client_seal_final_chunk, for the final response chunk.
 * Errors: as for confai_ohttp_gateway_seal_chunk, except that empty
 * plaintext is fine.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_ohttp_gateway_seal_final_chunk(confai_ohttp_gateway *gateway,
                                      uint8_t *chunk, size_t *chunk_len,
                                      const uint8_t *plaintext,
                                      size_t plaintext_len, confai_error *err);

/* Releases the exchange and wipes its secrets. NULL is a no-op. */
CONFAI_API void confai_ohttp_gateway_free(confai_ohttp_gateway *gateway);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_OHTTP_H */
