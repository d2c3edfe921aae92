/*
 * AMD SEV-SNP evidence: the internal interface between the SNP verifier
 * (snp_report.c, snp_certs.c, snp_extensions.c, snp_cache.c, snp_pins.c,
 * snp_verify.c) and the layers above it (bundle, binding, policy, verdict).
 * Pure functions of bytes: no I/O, no globals.
 *
 * Split of work:
 *   snp_report_parse   bytes -> fields (versions 2, 3, 5; 1184 bytes)
 *   snp_verify         signature by the VCEK/VLEK, chain to a trusted ARK,
 *                      endorsement key's extensions equal the report's TCB,
 *                      chip id and product; CRL when supplied
 * The policy layer then compares the verified fields with what the user pins.
 */
#ifndef CONFAI_ATTEST_SNP_H
#define CONFAI_ATTEST_SNP_H

#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include <confai/confai.h>

#define SNP_REPORT_SIZE 1184
#define SNP_SIGNED_SIZE 0x2A0 /* the signature covers bytes [0, 0x2A0) */

typedef enum snp_product {
    SNP_PRODUCT_UNKNOWN = 0,
    SNP_PRODUCT_MILAN = 1,
    SNP_PRODUCT_GENOA = 2, /* also Siena and Bergamo, which use Genoa's keys */
    SNP_PRODUCT_TURIN = 3,
} snp_product;

/* "Milan", "Genoa", "Turin" (AMD's KDS spelling), or "unknown". */
const char *snp_product_name(snp_product product);

/*
 * The product a v3+ report's CPUID_FAM_ID/CPUID_MOD_ID name: family 19h
 * models 0xh Milan, 1xh and Axh Genoa; family 1Ah models 0xh and 1xh Turin;
 * anything else SNP_PRODUCT_UNKNOWN.
 */
snp_product snp_product_from_cpuid(uint8_t family, uint8_t model);

typedef enum snp_signing_key {
    SNP_KEY_VCEK = 0,
    SNP_KEY_VLEK = 1,
} snp_signing_key;

/* Report FLAGS bits. */
#define SNP_FLAG_AUTHOR_KEY_EN 0x1u
#define SNP_FLAG_MASK_CHIP_KEY 0x2u
#define SNP_FLAG_SIGNING_KEY_SHIFT 2 /* bits 2-4: 0 VCEK, 1 VLEK, 7 none */

/*
 * A TCB_VERSION decoded for its product: Milan/Genoa lay the 64 bits out as
 * bootloader, tee, reserved, snp, microcode; Turin as fmc, bootloader, tee,
 * snp, reserved, microcode. fmc is 0 where the product has none.
 */
typedef struct snp_tcb {
    uint64_t raw;
    uint8_t fmc;
    uint8_t bootloader;
    uint8_t tee;
    uint8_t snp;
    uint8_t microcode;
} snp_tcb;

/* Every field of an attestation report, decoded (little-endian on the wire). */
typedef struct snp_report {
    uint32_t version;
    uint32_t guest_svn;
    uint64_t policy;            /* guest policy: debug bit 19, migrate_ma 18, smt 16, ... */
    uint8_t family_id[16];
    uint8_t image_id[16];
    uint32_t vmpl;
    uint32_t signature_algo;    /* 1 = ECDSA P-384 with SHA-384 */
    uint64_t current_tcb_raw;
    uint64_t platform_info;
    uint32_t flags;             /* author_key_en bit 0, mask_chip_key bit 1, signing_key bits 2-4 */
    snp_signing_key signing_key;
    uint8_t report_data[64];
    uint8_t measurement[48];
    uint8_t host_data[32];
    uint8_t id_key_digest[48];
    uint8_t author_key_digest[48];
    uint8_t report_id[32];
    uint8_t report_id_ma[32];
    uint64_t reported_tcb_raw;
    uint8_t cpuid_fam_id;       /* version >= 3; 0 before */
    uint8_t cpuid_mod_id;
    uint8_t cpuid_step;
    uint8_t chip_id[64];
    uint64_t committed_tcb_raw;
    uint8_t current_build, current_minor, current_major;
    uint8_t committed_build, committed_minor, committed_major;
    uint64_t launch_tcb_raw;
    uint64_t launch_mit_vector;  /* version >= 5; 0 before */
    uint64_t current_mit_vector; /* version >= 5; 0 before */
    uint8_t signature_r[72];     /* little-endian, zero-padded */
    uint8_t signature_s[72];
    /* derived */
    snp_product product;         /* from CPUID (v3+) or the endorsement chain */
    snp_tcb current_tcb, reported_tcb, committed_tcb, launch_tcb;
} snp_report;

/*
 * Parses exactly SNP_REPORT_SIZE bytes. Rejects other sizes
 * (CONFAI_E_TRUNCATED / CONFAI_E_TRAILING_DATA), unknown versions and
 * signature algorithms and unsigned reports (signing_key 7)
 * (CONFAI_E_UNSUPPORTED), non-zero reserved fields and impossible values
 * (CONFAI_E_MALFORMED: reserved bytes of the report's version, flags bits
 * 5-31, signing_key 2-6, VMPL > 3, policy bit 17 clear, r or s wider than
 * 48 bytes). The product is set when a v3+ report's CPUID names one; TCBs are
 * decoded once the product is known (snp_report_set_product). On failure
 * *report is zeroed.
 */
confai_status snp_report_parse(snp_report *report, const uint8_t *bytes, size_t len,
                               confai_error *err);

/*
 * The inverse of snp_report_parse: writes every field the report's version
 * has (reserved bytes zero) and the signature's r and s. FLAGS bits 2-4 come
 * from signing_key, the other bits from flags. Derived fields are ignored.
 * Used by the simulated platform and by tests.
 */
void snp_report_encode(uint8_t out[SNP_REPORT_SIZE], const snp_report *report);

/* Fixes the product and decodes the four TCB values for its layout. */
void snp_report_set_product(snp_report *report, snp_product product);

/* Decodes a raw TCB_VERSION for a product's layout (fields 0 when unknown). */
snp_tcb snp_tcb_decode(uint64_t raw, snp_product product);

/*
 * Encodes tcb's fields (not tcb->raw) as a TCB_VERSION in a product's layout,
 * reserved bytes zero; 0 for an unknown product.
 */
uint64_t snp_tcb_encode(const snp_tcb *tcb, snp_product product);

/*
 * Trust anchors for SNP: the built-in AMD ARK pins (SHA-256 of the SPKI of
 * ARK-Milan, ARK-Genoa, ARK-Turin) and any root a policy adds (custom roots,
 * e.g. the simulated platform's). Immutable once built; shareable between
 * threads then. Adding roots or CRLs needs exclusive access.
 */
typedef struct snp_trust snp_trust;

confai_status snp_trust_new(snp_trust **trust, confai_error *err);
/*
 * Adds a custom root certificate (DER): a self-signed CA. The verdict flags
 * chains ending there (SNP_ROOT_CUSTOM). Its hierarchy must be named as AMD
 * names its own (CN=ARK-<product>, SEV-<product> or SEV-VLEK-<product>,
 * SEV-VCEK or SEV-VLEK), since the product is read from the names; the
 * simulated platform (src/sim/snp_sim.h) does. Several roots may share a
 * key (one per product). Adding the same certificate twice is a no-op.
 * Errors: CONFAI_E_MALFORMED (not one DER certificate), CONFAI_E_CERT_CHAIN
 * (not a self-signed CA), CONFAI_E_LIMIT (more than 16 roots).
 */
confai_status snp_trust_add_root(snp_trust *trust, const uint8_t *der, size_t der_len,
                                 confai_error *err);
/*
 * Adds a CRL (DER) issued by an ARK (AMD's KDS /vcek/v1/{product}/crl); the
 * ASK/ASVK serials it lists are rejected. Its signature and validity are
 * checked when a chain uses it (CONFAI_E_COLLATERAL when they fail).
 * Errors here: CONFAI_E_MALFORMED (not one DER CRL), CONFAI_E_LIMIT (more
 * than 64 CRLs).
 */
confai_status snp_trust_add_crl(snp_trust *trust, const uint8_t *der, size_t der_len,
                                confai_error *err);
void snp_trust_free(snp_trust *trust);

/*
 * A caller-held cache of endorsement keys whose chain already verified
 * (keyed by the DER of the VCEK/VLEK and the chain, and the trust's roots and
 * CRLs), so a warm verification only checks the report signature and the
 * extensions. An entry is used only while verify_time lies inside every
 * certificate's (and consulted CRL's) validity. Not shared between threads
 * without a lock; never global.
 */
typedef struct snp_chain_cache snp_chain_cache;

confai_status snp_chain_cache_new(snp_chain_cache **cache, confai_error *err);
void snp_chain_cache_free(snp_chain_cache *cache);

typedef enum snp_root_kind {
    SNP_ROOT_VENDOR = 0, /* one of AMD's pinned ARKs */
    SNP_ROOT_CUSTOM = 1, /* a root the policy added: NOT a vendor root */
} snp_root_kind;

/* What a successful snp_verify proved. */
typedef struct snp_verified {
    snp_report report;         /* with product and decoded TCBs */
    snp_root_kind root_kind;
    uint8_t root_spki_sha256[32];
    char endorsement_subject[128]; /* e.g. "CN=SEV-VCEK" */
    char product_name[32];     /* the VCEK/VLEK productName, e.g. "Milan-B0" */
    char csp_id[128];          /* a VLEK's cspID ("CN=cc-us-east-2.amazonaws.com"); "" for a VCEK */
    int64_t not_before;        /* the chain is valid from ... */
    int64_t not_after;         /* ... until (all certificates and consulted CRLs) */
} snp_verified;

/*
 * Verifies a report with its certificates: certs[0] is the VCEK or VLEK
 * (DER), followed by the ASK/ASVK and the ARK. The ARK must be sent for
 * AMD's roots (they are pinned by hash, so the library holds no copy); it may
 * be left out when the chain ends in a custom root. Checks, each with its own
 * status:
 *   - the report parses                          (parse statuses)
 *   - two or three certificates that parse, the chain VCEK <- ASK <- ARK
 *     (or VLEK <- ASVK <- ARK), RSA-PSS, ending in a self-signed root
 *                                                CONFAI_E_CERT_CHAIN
 *   - the root is a pinned AMD ARK or a custom root  CONFAI_E_UNKNOWN_ROOT
 *   - every certificate valid at verify_time     CONFAI_E_CERT_EXPIRED
 *   - not revoked by a CRL in trust              CONFAI_E_CERT_REVOKED
 *     (the issuer's CRL stale, badly signed or unusable: CONFAI_E_COLLATERAL)
 *   - the VCEK/VLEK's AMD extensions parse       CONFAI_E_MALFORMED
 *   - the chain names a supported product        CONFAI_E_UNSUPPORTED
 *   - ECDSA P-384 signature over [0, 0x2A0)      CONFAI_E_BAD_SIGNATURE
 *   - the report's signing-key field names the key kind the leaf is
 *     (VCEK/VLEK), the products named by the ARK pin, the ARK, ASK and
 *     leaf names, the productName extension and the report's CPUID agree,
 *     the leaf's TCB extensions equal the reported TCB and its hwID equals
 *     the chip id (VCEK, unless the chip id is masked: mask_chip_key or an
 *     all-zero CHIP_ID; VLEKs have no hwID)      CONFAI_E_TCB_MISMATCH
 * cache may be NULL. verify_time is seconds since the epoch (never "now"
 * implicitly: the caller passes time(NULL) or a fixed time). On failure *out
 * is zeroed.
 */
confai_status snp_verify(snp_verified *out, const snp_trust *trust, snp_chain_cache *cache,
                         const uint8_t *report, size_t report_len,
                         const uint8_t *const *certs, const size_t *cert_lens,
                         size_t cert_count, int64_t verify_time, confai_error *err);

#endif /* CONFAI_ATTEST_SNP_H */
