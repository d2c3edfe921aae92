/*
 * The built-in trust anchors for SEV-SNP: SHA-256 of the SubjectPublicKeyInfo
 * (DER) of AMD's root keys, ARK-Milan, ARK-Genoa and ARK-Turin. The keys are
 * pinned, not the certificates, so a re-issued ARK with the same key still
 * verifies. The ARK itself comes with the evidence (AMD KDS serves it in
 * /vcek/v1/{product}/cert_chain), is checked to be self-signed, and must hash
 * to one of these.
 *
 * Computed from AMD's ARK certificates (as served by
 * https://kdsintf.amd.com/vcek/v1/{Milan,Genoa,Turin}/cert_chain, the last
 * certificate of each) with:
 *
 *   openssl x509 -in ark.pem -noout -pubkey \
 *     | openssl pkey -pubin -outform DER | openssl dgst -sha256
 *
 * The VLEK chains (/vlek/v1/{product}/cert_chain) end in the same ARKs.
 */
#include "attest/snp/snp_internal.h"

#include <openssl/crypto.h>

typedef struct snp_pin {
    snp_product product;
    uint8_t spki_sha256[32];
} snp_pin;

static const snp_pin amd_arks[] = {
    { SNP_PRODUCT_MILAN, /* ARK-Milan, serial 0x10000, 2020-10-22..2045-10-22 */
      { 0x9f, 0x05, 0x6b, 0xee, 0x44, 0x37, 0x7e, 0x29, 0x30, 0x8c, 0xb5,
        0xff, 0xa8, 0x95, 0xbd, 0xfb, 0x62, 0xd1, 0x88, 0x81, 0xfa, 0x6b,
        0xed, 0x8d, 0x6f, 0x07, 0x5b, 0x02, 0x04, 0x08, 0x9c, 0xb9 } },
    { SNP_PRODUCT_GENOA, /* ARK-Genoa, serial 0x20000, 2022-01-26..2047-01-26 */
      { 0x42, 0x9a, 0x69, 0xc9, 0x42, 0x2a, 0xa2, 0x58, 0xee, 0x4d, 0x8d,
        0xb5, 0xfc, 0xda, 0x9c, 0x64, 0x70, 0xef, 0x15, 0xf8, 0xcd, 0x5a,
        0x9c, 0xeb, 0xd6, 0xcb, 0xc7, 0xd9, 0x0b, 0x86, 0x38, 0x31 } },
    { SNP_PRODUCT_TURIN, /* ARK-Turin, serial 0x30000, 2023-05-15..2048-05-15 */
      { 0x4f, 0x12, 0x54, 0x10, 0x56, 0x3a, 0x2a, 0xb9, 0xa5, 0x03, 0x56,
        0xf9, 0x24, 0x3f, 0x6f, 0xe0, 0xb6, 0xf7, 0x3d, 0xe9, 0x86, 0x03,
        0xf5, 0x3f, 0x90, 0x33, 0x9c, 0x70, 0xe9, 0xd7, 0xad, 0x08 } },
};

int snp_pin_lookup(const uint8_t spki_sha256[32], snp_product *product)
{
    for (size_t i = 0; i < sizeof(amd_arks) / sizeof(amd_arks[0]); i++) {
        if (CRYPTO_memcmp(spki_sha256, amd_arks[i].spki_sha256, 32) == 0) {
            *product = amd_arks[i].product;
            return 1;
        }
    }
    return 0;
}
