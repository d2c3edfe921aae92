/*
 * OHTTP pieces shared by the OHTTP fuzz targets and their seed generator
 * (make_corpus_ohttp.c): fixed gateway configurations on the fixed HPKE keys
 * of fuzz_hpke.h, and a client whose ephemeral key is fixed, so that seeds
 * made once stay valid.
 */
#ifndef CONFAI_TESTS_FUZZ_OHTTP_H
#define CONFAI_TESTS_FUZZ_OHTTP_H

#include <string.h>

#include <confai/confai.h>

#include "crypto/hpke_test.h"
#include "fuzz.h"
#include "fuzz_hpke.h"
#include "seal/ohttp_test.h"

/* Suites usable for OHTTP (no export-only), picked by a selector byte.
 * Append only: seeds refer to these positions. */
static const confai_hpke_suite fuzz_ohttp_suites[] = {
    { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_256_GCM },
    { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
    { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_CHACHA20_POLY1305 },
    { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
    { CONFAI_HPKE_KEM_P384_SHA384, CONFAI_HPKE_KDF_HKDF_SHA384, CONFAI_HPKE_AEAD_AES_256_GCM },
    { CONFAI_HPKE_KEM_X448_SHA512, CONFAI_HPKE_KDF_HKDF_SHA512, CONFAI_HPKE_AEAD_CHACHA20_POLY1305 },
};

#define FUZZ_OHTTP_SUITE_COUNT (sizeof(fuzz_ohttp_suites) / sizeof(fuzz_ohttp_suites[0]))

/* The stream target's gateway: key id 1, X25519, offering three AEADs. */
#define FUZZ_OHTTP_STREAM_KEY_ID 1

/*
 * Gateway configuration of a suite selector (key id = position), made on
 * first use and kept for the life of the process; NULL when the build does
 * not support the suite.
 */
static inline const confai_key_config *fuzz_ohttp_gateway_config(size_t index)
{
    static confai_key_config *cache[FUZZ_OHTTP_SUITE_COUNT];
    static int tried[FUZZ_OHTTP_SUITE_COUNT];
    index %= FUZZ_OHTTP_SUITE_COUNT;
    if (!tried[index]) {
        tried[index] = 1;
        const confai_hpke_suite *s = &fuzz_ohttp_suites[index];
        const confai_hpke_key *key = fuzz_fixed_key(s->kem_id, FUZZ_KEY_RECIPIENT);
        confai_ohttp_algorithms alg = { s->kdf_id, s->aead_id };
        if (key == NULL || confai_key_config_new(&cache[index], key, (uint8_t)index, &alg, 1,
                                                 NULL) != CONFAI_OK)
            cache[index] = NULL;
    }
    return cache[index];
}

/* The stream target's gateway configuration (see FUZZ_OHTTP_STREAM_KEY_ID). */
static inline const confai_key_config *fuzz_ohttp_stream_config(void)
{
    static confai_key_config *config;
    static int tried;
    if (!tried) {
        tried = 1;
        const confai_hpke_key *key = fuzz_fixed_key(CONFAI_HPKE_KEM_X25519_SHA256,
                                                    FUZZ_KEY_RECIPIENT);
        const confai_ohttp_algorithms algs[] = {
            { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_256_GCM },
            { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
            { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_CHACHA20_POLY1305 },
        };
        if (key == NULL || confai_key_config_new(&config, key, FUZZ_OHTTP_STREAM_KEY_ID, algs,
                                                 3, NULL) != CONFAI_OK)
            config = NULL;
    }
    return config;
}

/* Fixes the client's ephemeral key, so its response keys are the same in
 * every run. */
static inline confai_status fuzz_ohttp_fixed_ephemeral(confai_hpke_ctx *ctx, void *arg,
                                                       confai_error *err)
{
    static const uint8_t ikm[32] = "confai fuzz fixed ephemeral ikm";
    (void)arg;
    return hpke_test_set_ikm_e(ctx, ikm, sizeof(ikm), err);
}

/*
 * A chunked client of the stream configuration with the fixed ephemeral key;
 * header (CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE bytes) receives its request
 * header, the same in every run.
 */
static inline confai_ohttp_client *fuzz_ohttp_stream_client(uint8_t *header, size_t *header_len,
                                                             confai_ohttp_chunk_fn on_chunk,
                                                             void *user)
{
    const confai_key_config *gateway = fuzz_ohttp_stream_config();
    FUZZ_CHECK(gateway != NULL);
    uint8_t cfg[256];
    size_t cfg_len = sizeof(cfg);
    confai_key_config *config = NULL;
    FUZZ_CHECK(confai_key_config_serialize(gateway, cfg, &cfg_len, NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_key_config_parse(&config, cfg, cfg_len, NULL) == CONFAI_OK);
    confai_ohttp_client *client = NULL;
    *header_len = CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE;
    FUZZ_CHECK(ohttp_test_client_begin_chunked(&client, header, header_len, config, on_chunk,
                                               user, fuzz_ohttp_fixed_ephemeral, NULL,
                                               NULL) == CONFAI_OK);
    confai_key_config_free(config);
    return client;
}

/* A tiny deterministic generator for split sizes. */
static inline uint32_t fuzz_next(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 16;
}

#endif /* CONFAI_TESTS_FUZZ_OHTTP_H */
