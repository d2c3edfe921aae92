/*
 * What the SNP verifier's own files share (snp.h is the interface to the
 * layers above): the endorsement a verified chain yields, AMD's VCEK/VLEK
 * extensions, the root pins, the chain check and the chain cache.
 */
#ifndef CONFAI_ATTEST_SNP_INTERNAL_H
#define CONFAI_ATTEST_SNP_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/snp/snp.h"

/* --- AMD's VCEK/VLEK extensions (snp_extensions.c) ------------------------- */

/* The SPL extensions 1.3.6.1.4.1.3704.1.3.<n>, n = 1..9. */
#define SNP_SPL_BOOTLOADER 1
#define SNP_SPL_TEE 2
#define SNP_SPL_SNP 3
#define SNP_SPL_MICROCODE 8
#define SNP_SPL_FMC 9 /* Turin */
#define SNP_SPL_MAX 9

#define SNP_HWID_MAX 64
#define SNP_HWID_TURIN 8 /* Turin's hwID is the first 8 bytes of CHIP_ID */

/* The AMD extensions of an endorsement key certificate, as found. */
typedef struct snp_amd_ext {
    int has_struct_version;
    uint8_t struct_version;
    char product_name[32];  /* "" when absent */
    uint16_t spl_present;   /* bit n set when SPL n is present */
    uint8_t spl[SNP_SPL_MAX + 1];
    uint8_t hwid[SNP_HWID_MAX];
    size_t hwid_len;        /* 0 when absent */
    char csp_id[128];       /* "" when absent */
} snp_amd_ext;

/*
 * Reads the extensions under 1.3.6.1.4.1.3704.1 from a certificate, checking
 * their encoding as AMD writes it (structVersion and SPLs: a DER INTEGER
 * 0..255; productName and cspID: an IA5String; hwID: 64 or 8 raw bytes).
 * Errors: CONFAI_E_MALFORMED naming the extension (also for a duplicate).
 */
confai_status snp_ext_parse(snp_amd_ext *ext, const X509 *cert, confai_error *err);

/*
 * The TCB_VERSION the SPL extensions describe, in the product's layout.
 * Errors: CONFAI_E_TCB_MISMATCH when an SPL the product needs is missing.
 */
confai_status snp_ext_tcb(uint64_t *raw, const snp_amd_ext *ext, snp_product product,
                          confai_error *err);

/* --- built-in AMD root pins (snp_pins.c) ------------------------------------ */

/* 1 and *product set when spki_sha256 is one of AMD's ARKs; 0 otherwise. */
int snp_pin_lookup(const uint8_t spki_sha256[32], snp_product *product);

/* --- the trust (snp_trust.c) ----------------------------------------------- */

#define SNP_MAX_CUSTOM_ROOTS 16
#define SNP_MAX_CRLS 64
#define SNP_MAX_DER_SIZE (64 * 1024) /* AMD's certificates have under 2 KiB */

struct snp_trust {
    STACK_OF(X509) *roots;  /* custom roots, ... */
    uint8_t root_spki[SNP_MAX_CUSTOM_ROOTS][32]; /* ... and their keys' hashes */
    STACK_OF(X509_CRL) *crls;
    uint8_t fingerprint[32];
};

/*
 * A digest of the trust's roots and CRLs: equal digests, equal verdicts for
 * the same chain. Used to key the chain cache.
 */
const uint8_t *snp_trust_fingerprint(const snp_trust *trust);

/* --- the verified endorsement (snp_certs.c) -------------------------------- */

/*
 * One DER certificate and nothing after it; `what` names it in messages,
 * `bad` is the status for bytes that are not one.
 */
confai_status snp_parse_cert(X509 **out, const uint8_t *der, size_t len, const char *what,
                             confai_status bad, confai_error *err);


/* What a verified chain says about its leaf, the VCEK or VLEK. */
typedef struct snp_endorsement {
    EVP_PKEY *key;              /* the leaf's P-384 key (owned) */
    snp_signing_key kind;
    snp_product product;
    uint64_t tcb_raw;           /* the SPL extensions as a TCB_VERSION */
    uint8_t hwid[SNP_HWID_MAX]; /* zero-padded, as CHIP_ID carries it */
    size_t hwid_len;            /* 0 for a VLEK */
    snp_root_kind root_kind;
    uint8_t root_spki_sha256[32];
    char subject[128];
    char product_name[32];
    char csp_id[128];
    int64_t not_before;         /* every certificate (and consulted CRL) */
    int64_t not_after;          /* is valid in [not_before, not_after] */
} snp_endorsement;

/* Releases what an endorsement owns and zeroes it. */
void snp_endorsement_clear(snp_endorsement *e);

/* A copy sharing the key (up-referenced). */
confai_status snp_endorsement_copy(snp_endorsement *dst, const snp_endorsement *src,
                                   confai_error *err);

/*
 * Verifies the certificates at verify_time against trust and fills *e (see
 * snp_verify for the statuses). On failure *e is zeroed.
 */
confai_status snp_chain_verify(snp_endorsement *e, const snp_trust *trust,
                               const uint8_t *const *certs, const size_t *cert_lens,
                               size_t cert_count, int64_t verify_time, confai_error *err);

/* --- the chain cache (snp_cache.c) ----------------------------------------- */

/* The cache key of a chain under a trust: SHA-256 over both. */
confai_status snp_cache_id(uint8_t id[32], const snp_trust *trust,
                           const uint8_t *const *certs, const size_t *cert_lens,
                           size_t cert_count, confai_error *err);

/* The entry for id when verify_time lies strictly inside its window; or NULL. */
const snp_endorsement *snp_cache_find(const snp_chain_cache *cache, const uint8_t id[32],
                                      int64_t verify_time);

/* Stores a copy of e under id, replacing the oldest entry when full. */
confai_status snp_cache_put(snp_chain_cache *cache, const uint8_t id[32],
                            const snp_endorsement *e, confai_error *err);

#endif /* CONFAI_ATTEST_SNP_INTERNAL_H */
