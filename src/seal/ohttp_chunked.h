/*
 * Chunked OHTTP framing (draft-ietf-ohai-chunked-ohttp-08, sections 4-6):
 * an encoder that seals one chunk at a time and a push decoder that takes
 * bytes in any split and hands out each chunk once it authenticates.
 *
 *   Chunks { Non-Final Chunk (..) ..., Final Chunk Indicator (i) = 0,
 *            Protected Final Chunk (..) }     -- runs to the end of the stream
 *   Non-Final Chunk { Length (i) = 1.., Protected Chunk (..) }
 *
 * Lengths are QUIC variable-length integers (RFC 9000 section 16). Chunk i
 * is sealed under counter i (the HPKE sequence number for requests, the
 * response nonce XOR i for responses) with an empty AAD, except the final
 * chunk whose AAD is "final".
 */
#ifndef CONFAI_SEAL_OHTTP_CHUNKED_H
#define CONFAI_SEAL_OHTTP_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "seal/ohttp_aead.h"

/* The largest header in front of the chunks: a request's hdr and enc. */
#define OHTTP_MAX_STREAM_HEADER CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE

/* How one direction's chunks are protected: exactly one of the two is set. */
typedef struct ohttp_chunk_cipher {
    confai_hpke_ctx *hpke; /* request chunks; the sequence number counts */
    ohttp_aead *aead;      /* response chunks */
    size_t tag_len;
} ohttp_chunk_cipher;

/* --- encoder --------------------------------------------------------------- */

typedef struct ohttp_encoder {
    ohttp_chunk_cipher cipher;
    uint64_t counter;
    int finished; /* the final chunk is out, or sealing failed */
} ohttp_encoder;

void ohttp_encoder_init(ohttp_encoder *e, ohttp_chunk_cipher cipher);

/*
 * Seals the next chunk (the final one when is_final) and writes it with its
 * length prefix. Statuses as for confai_ohttp_client_seal_chunk.
 */
confai_status ohttp_encoder_seal(ohttp_encoder *e, uint8_t *out,
                                 size_t *out_len, const uint8_t *pt,
                                 size_t pt_len, int is_final,
                                 confai_error *err);

/* --- decoder --------------------------------------------------------------- */

/*
 * Called by the decoder whenever it holds `need` header bytes. It either
 * raises *need (more header to come) or sets *cipher and leaves *need alone:
 * the header is complete.
 */
typedef confai_status (*ohttp_header_fn)(void *owner, const uint8_t *header,
                                         size_t header_len, size_t *need,
                                         ohttp_chunk_cipher *cipher,
                                         confai_error *err);

typedef enum ohttp_decoder_state {
    DEC_HEADER,
    DEC_LENGTH,
    DEC_BODY,
    DEC_FINAL,
    DEC_DONE,
    DEC_FAILED,
} ohttp_decoder_state;

typedef struct ohttp_decoder {
    ohttp_decoder_state state;
    ohttp_header_fn on_header;
    void *owner;
    confai_ohttp_chunk_fn on_chunk;
    void *user;
    ohttp_chunk_cipher cipher;
    size_t max_chunk; /* largest plaintext accepted */

    uint8_t header[OHTTP_MAX_STREAM_HEADER];
    size_t header_have, header_need;

    uint8_t len_bytes[8]; /* a length prefix split between feeds */
    size_t len_have, len_need;

    uint64_t counter;  /* of the chunk being read */
    size_t chunk_len;  /* ciphertext length of that chunk (non-final) */
    int tried_empty_final;

    /* A chunk split between feeds: request chunks and the final chunk are
     * gathered in ct; response chunks are opened piece by piece, gathering
     * only their tag. ct_have counts the chunk's bytes read either way. */
    uint8_t *ct;
    size_t ct_have, ct_cap;
    uint8_t tag[CONFAI_HPKE_TAG_SIZE];
    uint8_t *pt; /* plaintext of the chunk being delivered */
    size_t pt_cap;
} ohttp_decoder;

/* Sets up a decoder that first collects header_need header bytes. */
void ohttp_decoder_init(ohttp_decoder *d, size_t header_need,
                        ohttp_header_fn on_header, void *owner,
                        confai_ohttp_chunk_fn on_chunk, void *user);

confai_status ohttp_decoder_set_max_chunk(ohttp_decoder *d, size_t max,
                                          confai_error *err);

/* Statuses as for confai_ohttp_client_feed_response / _finish_response. */
confai_status ohttp_decoder_feed(ohttp_decoder *d, const uint8_t *data,
                                 size_t len, confai_error *err);
confai_status ohttp_decoder_finish(ohttp_decoder *d, confai_error *err);

/* Releases and wipes the buffers; safe on a zeroed struct. */
void ohttp_decoder_clear(ohttp_decoder *d);

#endif /* CONFAI_SEAL_OHTTP_CHUNKED_H */
