/* RFC 9180 section 7 tables: the algorithms this library supports. */
#include "crypto/hpke_suite.h"

#include <stddef.h>

static const hpke_kem_info kems[] = {
    { CONFAI_HPKE_KEM_P256_SHA256, "DHKEM(P-256, HKDF-SHA256)", "P-256", 1, "SHA256", 32, 65, 65, 32, 0xff },
    { CONFAI_HPKE_KEM_P384_SHA384, "DHKEM(P-384, HKDF-SHA384)", "P-384", 1, "SHA384", 48, 97, 97, 48, 0xff },
    { CONFAI_HPKE_KEM_P521_SHA512, "DHKEM(P-521, HKDF-SHA512)", "P-521", 1, "SHA512", 64, 133, 133, 66, 0x01 },
    { CONFAI_HPKE_KEM_X25519_SHA256, "DHKEM(X25519, HKDF-SHA256)", "X25519", 0, "SHA256", 32, 32, 32, 32, 0x00 },
    { CONFAI_HPKE_KEM_X448_SHA512, "DHKEM(X448, HKDF-SHA512)", "X448", 0, "SHA512", 64, 56, 56, 56, 0x00 },
};

static const hpke_kdf_info kdfs[] = {
    { CONFAI_HPKE_KDF_HKDF_SHA256, "HKDF-SHA256", "SHA256", 32 },
    { CONFAI_HPKE_KDF_HKDF_SHA384, "HKDF-SHA384", "SHA384", 48 },
    { CONFAI_HPKE_KDF_HKDF_SHA512, "HKDF-SHA512", "SHA512", 64 },
};

static const hpke_aead_info aeads[] = {
    { CONFAI_HPKE_AEAD_AES_128_GCM, "AES-128-GCM", "AES-128-GCM", 16, 12, 16 },
    { CONFAI_HPKE_AEAD_AES_256_GCM, "AES-256-GCM", "AES-256-GCM", 32, 12, 16 },
    { CONFAI_HPKE_AEAD_CHACHA20_POLY1305, "ChaCha20Poly1305", "ChaCha20-Poly1305", 32, 12, 16 },
    { CONFAI_HPKE_AEAD_EXPORT_ONLY, "Export-only", NULL, 0, 0, 0 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const hpke_kem_info *hpke_kem_lookup(uint16_t id)
{
    for (size_t i = 0; i < COUNT(kems); i++)
        if (kems[i].id == id)
            return &kems[i];
    return NULL;
}

const hpke_kdf_info *hpke_kdf_lookup(uint16_t id)
{
    for (size_t i = 0; i < COUNT(kdfs); i++)
        if (kdfs[i].id == id)
            return &kdfs[i];
    return NULL;
}

const hpke_aead_info *hpke_aead_lookup(uint16_t id)
{
    for (size_t i = 0; i < COUNT(aeads); i++)
        if (aeads[i].id == id)
            return &aeads[i];
    return NULL;
}
