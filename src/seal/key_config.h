/*
 * OHTTP key configurations (RFC 9458 section 3): the public struct behind
 * confai_key_config and the helpers the request code needs.
 */
#ifndef CONFAI_SEAL_KEY_CONFIG_H
#define CONFAI_SEAL_KEY_CONFIG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "crypto/hpke_suite.h"

/* RFC 9458: the algorithm list length is a 16-bit count of bytes. */
#define KEY_CONFIG_MAX_ALGORITHMS (65532 / 4)

struct confai_key_config {
    /* Immutable apart from this count, so sharing between threads is safe:
     * a gateway handle keeps references while it waits for a header. */
    atomic_size_t refs;
    uint8_t key_id;
    const hpke_kem_info *kem;
    uint8_t public_key[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    /* every listed pair, supported or not, so serializing gives the input */
    confai_ohttp_algorithms *algorithms;
    size_t algorithms_len;
    confai_hpke_suite suite;  /* the client's choice */
    confai_hpke_key *key;     /* gateway configurations only */
};

/* Takes another reference on an immutable configuration. */
confai_key_config *key_config_ref(const confai_key_config *config);

/* 1 when the configuration lists (kdf_id, aead_id). */
int key_config_offers(const confai_key_config *config, uint16_t kdf_id,
                      uint16_t aead_id);

/* Size of the KeyConfig encoding. */
size_t key_config_encoded_size(const confai_key_config *config);

#endif /* CONFAI_SEAL_KEY_CONFIG_H */
