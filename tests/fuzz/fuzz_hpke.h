/*
 * HPKE pieces shared by the HPKE fuzz targets and the seed generator: the
 * suites a selector byte picks, and fixed key pairs derived from constant
 * input keying material (so that seeds made once stay valid).
 */
#ifndef CONFAI_TESTS_FUZZ_HPKE_H
#define CONFAI_TESTS_FUZZ_HPKE_H

#include <confai/confai.h>

#include "fuzz.h"

/* Suites a selector byte picks (modulo the count). Append only: the seeds
 * refer to these positions. */
static const confai_hpke_suite fuzz_suites[] = {
    { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_256_GCM },
    { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
    { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_CHACHA20_POLY1305 },
    { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_EXPORT_ONLY },
    { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
    { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA512, CONFAI_HPKE_AEAD_AES_256_GCM },
    { CONFAI_HPKE_KEM_P384_SHA384, CONFAI_HPKE_KDF_HKDF_SHA384, CONFAI_HPKE_AEAD_AES_256_GCM },
    { CONFAI_HPKE_KEM_P521_SHA512, CONFAI_HPKE_KDF_HKDF_SHA512, CONFAI_HPKE_AEAD_AES_256_GCM },
    { CONFAI_HPKE_KEM_X448_SHA512, CONFAI_HPKE_KDF_HKDF_SHA512, CONFAI_HPKE_AEAD_CHACHA20_POLY1305 },
};

#define FUZZ_SUITE_COUNT (sizeof(fuzz_suites) / sizeof(fuzz_suites[0]))

static inline const confai_hpke_suite *fuzz_suite(uint8_t selector)
{
    return &fuzz_suites[selector % FUZZ_SUITE_COUNT];
}

/* Which fixed key pair: the recipient's, or the sender's in auth modes. */
enum { FUZZ_KEY_RECIPIENT = 0, FUZZ_KEY_SENDER = 1 };

/*
 * The fixed key pair of a KEM: DeriveKeyPair over 66 constant bytes (enough
 * for every KEM). Made on first use and kept for the life of the process;
 * NULL when this build does not support the KEM.
 */
static inline const confai_hpke_key *fuzz_fixed_key(uint16_t kem_id, int which)
{
    static const uint16_t kems[] = {
        CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KEM_P384_SHA384,
        CONFAI_HPKE_KEM_P521_SHA512, CONFAI_HPKE_KEM_X25519_SHA256,
        CONFAI_HPKE_KEM_X448_SHA512,
    };
    static confai_hpke_key *cache[2][sizeof(kems) / sizeof(kems[0])];
    static int tried[2][sizeof(kems) / sizeof(kems[0])];

    for (size_t i = 0; i < sizeof(kems) / sizeof(kems[0]); i++) {
        if (kems[i] != kem_id)
            continue;
        if (!tried[which][i]) {
            uint8_t ikm[66];
            for (size_t j = 0; j < sizeof(ikm); j++)
                ikm[j] = (uint8_t)(0x5a + 31 * which + 13 * j);
            tried[which][i] = 1;
            if (confai_hpke_key_derive(&cache[which][i], kem_id, ikm,
                                       sizeof(ikm), NULL) != CONFAI_OK)
                cache[which][i] = NULL;
        }
        return cache[which][i];
    }
    return NULL;
}

/* What a plaintext buffer is filled with before a call that may fail. */
#define FUZZ_SENTINEL 0xA5

/*
 * After a failed open, the buffer (filled with FUZZ_SENTINEL before) must hold
 * no plaintext: each byte is untouched or wiped to zero. Both backends decrypt
 * in place and wipe on a tag mismatch, so zeros are accepted; a leaked
 * plaintext byte is caught unless it happens to be 0x00 or 0xA5.
 */
static inline void fuzz_check_no_plaintext(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK(buf[i] == FUZZ_SENTINEL || buf[i] == 0);
}

/* Sizes of a suite; 0 when this build does not support it. */
static inline int fuzz_suite_sizes(const confai_hpke_suite *suite,
                                   size_t *enc_size, size_t *private_key_size,
                                   size_t *tag_size)
{
    return confai_hpke_suite_check(suite, NULL) == CONFAI_OK &&
           confai_hpke_suite_sizes(suite, enc_size, NULL, private_key_size,
                                   tag_size, NULL) == CONFAI_OK;
}

#endif /* CONFAI_TESTS_FUZZ_HPKE_H */
