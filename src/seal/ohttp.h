/*
 * Oblivious HTTP message layer (RFC 9458 section 4), shared by the client
 * (ohttp_client.c) and the gateway (ohttp_gateway.c), plain and chunked:
 *
 *   hdr  = key_id (1) || kem_id (2) || kdf_id (2) || aead_id (2)
 *   info = label || 0x00 || hdr
 *   enc, ctx = SetupBaseS(pkR, info)
 *   request  = hdr || enc || ct                      (chunked: hdr || enc || chunks)
 *   secret   = ctx.Export(response label, max(Nn, Nk))
 *   response = response_nonce || ct                  (chunked: nonce || chunks)
 * with the response AEAD of ohttp_aead.h keyed from secret and
 * salt = enc || response_nonce.
 */
#ifndef CONFAI_SEAL_OHTTP_H
#define CONFAI_SEAL_OHTTP_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "core/error.h"
#include "seal/key_config.h"
#include "seal/ohttp_aead.h"
#include "seal/ohttp_chunked.h"

#define OHTTP_HDR_SIZE 7

/* Plain RFC 9458 messages, or chunked ones: the labels differ. */
typedef enum ohttp_mode {
    OHTTP_PLAIN = 0,
    OHTTP_CHUNKED = 1,
} ohttp_mode;

/* Test-only: prepares the sender context before setup (ohttp_test.h). */
typedef confai_status (*ohttp_prepare_fn)(confai_hpke_ctx *sender, void *arg,
                                          confai_error *err);

struct confai_ohttp_client {
    ohttp_mode mode;
    confai_hpke_suite suite;
    /* The sender context; in known-answer tests a recipient context with
     * the same key schedule may stand in (ohttp_test.h). */
    confai_hpke_ctx *hpke;
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len;
    int response_opened;      /* plain: the response opens once */
    ohttp_aead response;      /* chunked: keyed when the nonce arrives */
    ohttp_encoder request;    /* chunked request chunks */
    ohttp_decoder reader;     /* chunked response reader */
};

struct confai_ohttp_gateway {
    ohttp_mode mode;
    /* chunked: references held until the header names one */
    confai_key_config **configs;
    size_t configs_len;
    confai_hpke_suite suite;
    confai_hpke_ctx *hpke;    /* recipient; NULL until the header is read */
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len;
    int response_started;     /* plain: sealed; chunked: nonce written */
    ohttp_aead response;
    ohttp_encoder writer;     /* chunked response chunks */
    ohttp_decoder reader;     /* chunked request reader */
    uint8_t fixed_nonce[CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE]; /* tests only */
    size_t fixed_nonce_len;
};

/* Writes hdr for a key id and suite. */
void ohttp_hdr_encode(uint8_t hdr[OHTTP_HDR_SIZE], uint8_t key_id,
                      const confai_hpke_suite *suite);

/* The HPKE info for a request: label || 0x00 || hdr; returns its length. */
#define OHTTP_MAX_INFO_SIZE 64
size_t ohttp_request_info(uint8_t info[OHTTP_MAX_INFO_SIZE], ohttp_mode mode,
                          const uint8_t hdr[OHTTP_HDR_SIZE]);

/*
 * Client: creates the sender context for config's suite, encapsulates and
 * writes hdr || enc to header (capacity checked by the caller:
 * OHTTP_HDR_SIZE + Nenc). Fills c->mode, suite, hpke, enc.
 */
confai_status ohttp_client_setup(struct confai_ohttp_client *c, uint8_t *header,
                                 const confai_key_config *config,
                                 ohttp_mode mode, ohttp_prepare_fn prepare,
                                 void *prepare_arg, confai_error *err);

/* Sizes of the suite's enc and tag, and max(Nn, Nk). */
size_t ohttp_enc_size(const confai_hpke_suite *suite);
size_t ohttp_tag_size(const confai_hpke_suite *suite);
size_t ohttp_nonce_size(const confai_hpke_suite *suite);

/*
 * Gateway: finds the configuration hdr names and checks that it offers the
 * suite hdr names. CONFAI_E_KEY_ID_UNKNOWN for either, CONFAI_E_ARGUMENT for
 * a configuration without a private key.
 */
confai_status ohttp_gateway_select(const confai_key_config **config,
                                   confai_hpke_suite *suite,
                                   const uint8_t hdr[OHTTP_HDR_SIZE],
                                   const confai_key_config *const *configs,
                                   size_t configs_len, confai_error *err);

/* Gateway: recipient setup from hdr and enc; fills g->suite, hpke, enc. */
confai_status ohttp_gateway_setup(struct confai_ohttp_gateway *g,
                                  const confai_key_config *config,
                                  const confai_hpke_suite *suite,
                                  const uint8_t hdr[OHTTP_HDR_SIZE],
                                  const uint8_t *enc, size_t enc_len,
                                  ohttp_mode mode, confai_error *err);

/*
 * Both sides: exports the response secret from ctx and keys a response AEAD
 * with salt = enc || nonce, for sealing (encrypt 1) or opening.
 */
confai_status ohttp_response_keys(ohttp_aead *aead, confai_hpke_ctx *ctx,
                                  const confai_hpke_suite *suite,
                                  ohttp_mode mode, const uint8_t *enc,
                                  size_t enc_len, const uint8_t *nonce,
                                  int encrypt, confai_error *err);

/* Checks a caller's output capacity; sets *len to need when too small. */
confai_status ohttp_check_room(size_t *len, size_t need, const char *what,
                               confai_error *err);

/* A (pointer, length) input is valid when the pointer is set or empty. */
#define ENSURE_INPUT(ptr, len, name) ENSURE_ARG((ptr) != NULL || (len) == 0, name)

#endif /* CONFAI_SEAL_OHTTP_H */
