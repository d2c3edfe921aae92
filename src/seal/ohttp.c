/* The OHTTP message layer shared by client and gateway (see ohttp.h). */
#include "seal/ohttp.h"

#include <string.h>

#include "core/bytes.h"
#include "core/error.h"
#include "core/memory.h"
#include "crypto/hpke_suite.h"

size_t confai_ohttp_max_request_header_size(void) { return CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE; }
size_t confai_ohttp_max_response_nonce_size(void) { return CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE; }
size_t confai_ohttp_max_chunk_overhead(void) { return CONFAI_OHTTP_MAX_CHUNK_OVERHEAD; }
size_t confai_ohttp_default_max_chunk_size(void) { return CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE; }

/* RFC 9458 sections 4.3 and 4.4; draft-ietf-ohai-chunked-ohttp-08 section 6. */
static const char *request_label(ohttp_mode mode)
{
    return mode == OHTTP_CHUNKED ? "message/bhttp chunked request" : "message/bhttp request";
}

static const char *response_label(ohttp_mode mode)
{
    return mode == OHTTP_CHUNKED ? "message/bhttp chunked response" : "message/bhttp response";
}

size_t ohttp_enc_size(const confai_hpke_suite *suite)
{
    return hpke_kem_lookup(suite->kem_id)->n_enc;
}

size_t ohttp_tag_size(const confai_hpke_suite *suite)
{
    return hpke_aead_lookup(suite->aead_id)->n_t;
}

size_t ohttp_nonce_size(const confai_hpke_suite *suite)
{
    return ohttp_aead_entropy_len(hpke_aead_lookup(suite->aead_id));
}

confai_status ohttp_check_room(size_t *len, size_t need, const char *what,
                               confai_error *err)
{
    if (*len >= need)
        return CONFAI_OK;
    size_t have = *len;
    *len = need;
    return confai_err_set(err, CONFAI_E_BUFFER_TOO_SMALL, "%s needs %zu bytes, buffer has %zu",
                          what, need, have);
}

void ohttp_hdr_encode(uint8_t hdr[OHTTP_HDR_SIZE], uint8_t key_id,
                      const confai_hpke_suite *suite)
{
    hdr[0] = key_id;
    hdr[1] = (uint8_t)(suite->kem_id >> 8);
    hdr[2] = (uint8_t)suite->kem_id;
    hdr[3] = (uint8_t)(suite->kdf_id >> 8);
    hdr[4] = (uint8_t)suite->kdf_id;
    hdr[5] = (uint8_t)(suite->aead_id >> 8);
    hdr[6] = (uint8_t)suite->aead_id;
}

size_t ohttp_request_info(uint8_t info[OHTTP_MAX_INFO_SIZE], ohttp_mode mode,
                          const uint8_t hdr[OHTTP_HDR_SIZE])
{
    const char *label = request_label(mode);
    size_t n = strlen(label);
    memcpy(info, label, n);
    info[n] = 0x00;
    memcpy(info + n + 1, hdr, OHTTP_HDR_SIZE);
    return n + 1 + OHTTP_HDR_SIZE;
}

confai_status ohttp_client_setup(struct confai_ohttp_client *c, uint8_t *header,
                                 const confai_key_config *config,
                                 ohttp_mode mode, ohttp_prepare_fn prepare,
                                 void *prepare_arg, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t info[OHTTP_MAX_INFO_SIZE];

    c->mode = mode;
    c->suite = config->suite;
    GUARD(confai_hpke_ctx_new(&c->hpke, CONFAI_HPKE_ROLE_SENDER, &c->suite, err));
    if (prepare != NULL)
        GUARD(prepare(c->hpke, prepare_arg, err));
    ohttp_hdr_encode(header, config->key_id, &c->suite);
    size_t info_len = ohttp_request_info(info, mode, header);
    c->enc_len = sizeof(c->enc);
    GUARD(confai_hpke_sender_setup(c->hpke, c->enc, &c->enc_len, config->public_key,
                                   config->kem->n_pk, info, info_len, err));
    memcpy(header + OHTTP_HDR_SIZE, c->enc, c->enc_len);
out:
    return status;
}

confai_status ohttp_gateway_select(const confai_key_config **config,
                                   confai_hpke_suite *suite,
                                   const uint8_t hdr[OHTTP_HDR_SIZE],
                                   const confai_key_config *const *configs,
                                   size_t configs_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const confai_key_config *found = NULL;
    suite->kem_id = load_be16(hdr + 1);
    suite->kdf_id = load_be16(hdr + 3);
    suite->aead_id = load_be16(hdr + 5);

    for (size_t i = 0; i < configs_len && found == NULL; i++)
        if (configs[i]->key_id == hdr[0])
            found = configs[i];
    ENSURE(found != NULL, CONFAI_E_KEY_ID_UNKNOWN, "no key configuration with key id %u",
           hdr[0]);
    ENSURE(found->key != NULL, CONFAI_E_ARGUMENT,
           "invalid argument: key config %u has no private key (not made by "
           "confai_key_config_new)", hdr[0]);
    ENSURE(suite->kem_id == found->kem->id
               && key_config_offers(found, suite->kdf_id, suite->aead_id),
           CONFAI_E_KEY_ID_UNKNOWN,
           "key config %u does not offer KEM 0x%04x with KDF 0x%04x and AEAD 0x%04x",
           hdr[0], suite->kem_id, suite->kdf_id, suite->aead_id);
    *config = found;
out:
    return status;
}

confai_status ohttp_gateway_setup(struct confai_ohttp_gateway *g,
                                  const confai_key_config *config,
                                  const confai_hpke_suite *suite,
                                  const uint8_t hdr[OHTTP_HDR_SIZE],
                                  const uint8_t *enc, size_t enc_len,
                                  ohttp_mode mode, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t info[OHTTP_MAX_INFO_SIZE];

    g->mode = mode;
    g->suite = *suite;
    GUARD(confai_hpke_ctx_new(&g->hpke, CONFAI_HPKE_ROLE_RECIPIENT, suite, err));
    size_t info_len = ohttp_request_info(info, mode, hdr);
    GUARD(confai_hpke_recipient_setup(g->hpke, config->key, enc, enc_len, info, info_len,
                                      err));
    memcpy(g->enc, enc, enc_len);
    g->enc_len = enc_len;
out:
    if (status != CONFAI_OK) {
        confai_hpke_ctx_free(g->hpke);
        g->hpke = NULL;
    }
    return status;
}

confai_status ohttp_response_keys(ohttp_aead *aead, confai_hpke_ctx *ctx,
                                  const confai_hpke_suite *suite,
                                  ohttp_mode mode, const uint8_t *enc,
                                  size_t enc_len, const uint8_t *nonce,
                                  int encrypt, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const char *label = response_label(mode);
    size_t entropy_len = ohttp_nonce_size(suite);
    uint8_t secret[CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE];
    uint8_t salt[CONFAI_HPKE_MAX_ENC_SIZE + CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE];

    GUARD(confai_hpke_export(ctx, secret, entropy_len, (const uint8_t *)label,
                             strlen(label), err));
    memcpy(salt, enc, enc_len);
    memcpy(salt + enc_len, nonce, entropy_len);
    GUARD(ohttp_aead_init(aead, suite, encrypt, secret, entropy_len, salt,
                          enc_len + entropy_len, err));
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    return status;
}
