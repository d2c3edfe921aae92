/*
 * A simulated AMD SEV-SNP platform: an ARK -> ASK -> VCEK and
 * ARK -> ASVK -> VLEK hierarchy made with OpenSSL the way AMD makes its own
 * (RSA-4096 ARK/ASK/ASVK signing with RSASSA-PSS SHA-384; P-384 VCEK/VLEK
 * carrying AMD's extensions, encoded as AMD's KDS encodes them), and
 * real-format attestation reports signed by the VCEK or VLEK.
 *
 * Used by the tests (every field of every certificate and report can be set,
 * including wrong ones) and by the reference gateway's simulated SNP mode.
 * Nothing in the verifier knows about it: a policy pins the simulated ARK as
 * a custom root and the production code path verifies the evidence.
 *
 * Typical use:
 *   snp_sim_keys_generate(&keys, 0, err);          // or _import saved keys
 *   snp_sim_config_default(&cfg, SNP_PRODUCT_GENOA, time(NULL));
 *   snp_sim_new(&sim, keys, &cfg, err);
 *   snp_sim_report_template(sim, &fields, SNP_KEY_VCEK);
 *   memcpy(fields.report_data, sha512_of_transcript, 64);
 *   snp_sim_sign_report(sim, report, &fields, SNP_KEY_VCEK, err);
 *   snp_sim_chain(sim, SNP_KEY_VCEK, certs, lens);  // VCEK, ASK, ARK (DER)
 *
 * Objects are immutable between calls that take them non-const; a sim may be
 * shared between threads for signing as long as nobody reissues it.
 */
#ifndef CONFAI_SIM_SNP_SIM_H
#define CONFAI_SIM_SNP_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "attest/snp/snp.h"

/* The five keys and certificates of a platform. */
typedef enum snp_sim_role {
    SNP_SIM_ARK = 0,  /* AMD root key, self-signed, RSA */
    SNP_SIM_ASK = 1,  /* AMD SEV signing key, issues VCEKs, RSA */
    SNP_SIM_ASVK = 2, /* AMD SEV VLEK signing key, issues VLEKs, RSA */
    SNP_SIM_VCEK = 3, /* versioned chip endorsement key, P-384 */
    SNP_SIM_VLEK = 4, /* versioned loaded endorsement key, P-384 */
} snp_sim_role;
#define SNP_SIM_ROLES 5

/* --- keys -------------------------------------------------------------------- */

/* The private keys of a platform. Immutable; shareable. Wiped when freed. */
typedef struct snp_sim_keys snp_sim_keys;

/*
 * Generates fresh keys: RSA with rsa_bits (0 means 4096, as AMD's; 2048 and
 * 3072 are accepted to save time) and P-384. On failure *keys is NULL.
 */
confai_status snp_sim_keys_generate(snp_sim_keys **keys, unsigned rsa_bits,
                                    confai_error *err);

/*
 * Imports saved keys: one PEM private key per role (PKCS#8 or traditional),
 * RSA of at least 2048 bits for ARK, ASK, ASVK and P-384 for VCEK, VLEK.
 * Errors: CONFAI_E_BAD_KEY naming the role.
 */
confai_status snp_sim_keys_import(snp_sim_keys **keys, const char *const pem[SNP_SIM_ROLES],
                                  confai_error *err);

/*
 * Writes one role's private key as unencrypted PKCS#8 PEM and a NUL:
 * *pem_len is the capacity on input and the text length (without the NUL) on
 * success; CONFAI_E_BUFFER_TOO_SMALL sets the length needed (with the NUL).
 */
confai_status snp_sim_keys_export(const snp_sim_keys *keys, snp_sim_role role, char *pem,
                                  size_t *pem_len, confai_error *err);

void snp_sim_keys_free(snp_sim_keys *keys);

/* --- configuration ------------------------------------------------------------ */

/* How one certificate is issued. */
typedef struct snp_sim_cert_params {
    int64_t not_before; /* seconds since the epoch */
    int64_t not_after;
    uint64_t serial;
    char common_name[64]; /* subject CN; the issuer's CN is its issuer's subject */
    char organization[64]; /* subject O; "" is AMD's "Advanced Micro Devices" */
} snp_sim_cert_params;

/* Extensions to leave out of a VCEK/VLEK (snp_sim_ext_params.omit). */
#define SNP_SIM_OMIT_STRUCT_VERSION (1u << 0)
#define SNP_SIM_OMIT_BL_SPL (1u << 1)
#define SNP_SIM_OMIT_TEE_SPL (1u << 2)
#define SNP_SIM_OMIT_SNP_SPL (1u << 3)
#define SNP_SIM_OMIT_UCODE_SPL (1u << 4)
#define SNP_SIM_OMIT_FMC_SPL (1u << 5) /* Turin only has one */
#define SNP_SIM_OMIT_RESERVED_SPL (1u << 6)

/* Encodings to get wrong on purpose (snp_sim_ext_params.malform). */
#define SNP_SIM_MALFORM_HWID_WRAPPED (1u << 0)    /* hwID inside an OCTET STRING */
#define SNP_SIM_MALFORM_SPL_NOT_INTEGER (1u << 1) /* blSPL as an OCTET STRING */
#define SNP_SIM_MALFORM_DUPLICATE_SPL (1u << 2)   /* snpSPL twice */

/* AMD's extensions of a VCEK or VLEK. */
typedef struct snp_sim_ext_params {
    snp_tcb tcb;            /* the SPLs (fmc, bl, tee, snp, ucode); raw is ignored */
    uint8_t struct_version; /* 0 for Milan/Genoa, 1 for Turin (as AMD's) */
    char product_name[32];  /* "Milan-B0", "Genoa", "Turin"; "" leaves it out */
    uint8_t hwid[64];       /* the chip id: 64 bytes, 8 for Turin */
    size_t hwid_len;        /* 0 leaves hwID out (VLEKs have none) */
    char csp_id[64];        /* VLEK: the cloud provider; "" leaves it out */
    uint32_t omit;          /* SNP_SIM_OMIT_* */
    uint32_t malform;       /* SNP_SIM_MALFORM_* */
} snp_sim_ext_params;

typedef struct snp_sim_config {
    snp_product product;
    snp_sim_cert_params cert[SNP_SIM_ROLES];
    snp_sim_ext_params vcek, vlek;
} snp_sim_config;

/*
 * AMD's layout for a product at time `now`: CNs ARK-<P>, SEV-<P>,
 * SEV-VLEK-<P>, SEV-VCEK, SEV-VLEK; AMD's serials; ARK/ASK/ASVK valid 25
 * years, the VCEK 7 and the VLEK 1, each from a day before now; a fixed
 * simulated chip id; a recent TCB. An unknown product gives Milan.
 */
void snp_sim_config_default(snp_sim_config *cfg, snp_product product, int64_t now);

/* --- the platform ------------------------------------------------------------- */

typedef struct snp_sim snp_sim;

/*
 * Issues the five certificates of cfg with keys (the sim keeps its own
 * references; keys may be freed afterwards). On failure *sim is NULL.
 */
confai_status snp_sim_new(snp_sim **sim, const snp_sim_keys *keys, const snp_sim_config *cfg,
                          confai_error *err);

/*
 * Applies a changed configuration, same keys: issues again the certificates
 * whose parameters or extensions (or whose issuer's name) changed; the others
 * stay as they are, still valid since the keys did not change. On failure
 * every certificate is issued again by the next call.
 */
confai_status snp_sim_reissue(snp_sim *sim, const snp_sim_config *cfg, confai_error *err);

void snp_sim_free(snp_sim *sim);

/* The configuration the certificates were issued from. */
const snp_sim_config *snp_sim_get_config(const snp_sim *sim);

/* A certificate (DER), owned by the sim until the next reissue or free. */
const uint8_t *snp_sim_cert(const snp_sim *sim, snp_sim_role role, size_t *len);

/* The chain snp_verify takes: VCEK, ASK, ARK or VLEK, ASVK, ARK. */
void snp_sim_chain(const snp_sim *sim, snp_signing_key kind, const uint8_t *certs[3],
                   size_t lens[3]);

/* --- reports ------------------------------------------------------------------ */

/*
 * Report fields consistent with the platform for a signing key: version 5,
 * policy 0x30000, VMPL 0, the endorsement key's TCB everywhere, the product's
 * CPUID, the chip id (zero for a VLEK), SIGNING_KEY = kind. Set anything
 * else (report_data, measurement, ...) before signing.
 */
void snp_sim_report_template(const snp_sim *sim, snp_report *fields, snp_signing_key kind);

/*
 * Encodes fields (snp_report_encode) and signs them with the VCEK or VLEK
 * named by key, which need not be the one the fields name.
 */
confai_status snp_sim_sign_report(const snp_sim *sim, uint8_t out[SNP_REPORT_SIZE],
                                  const snp_report *fields, snp_signing_key key,
                                  confai_error *err);

/*
 * Signs bytes [0, 0x2A0) of a report as they are and writes r and s at
 * 0x2A0 and 0x2E8, leaving everything else alone (to sign malformed reports).
 */
confai_status snp_sim_sign_bytes(const snp_sim *sim, uint8_t report[SNP_REPORT_SIZE],
                                 snp_signing_key key, confai_error *err);

/*
 * A CRL issued and signed by the ARK (as AMD's KDS serves), listing the
 * given serials, valid from this_update to next_update. (der, *der_len) is
 * the output buffer (capacity in, length out).
 */
confai_status snp_sim_crl(const snp_sim *sim, uint8_t *der, size_t *der_len,
                          const uint64_t *revoked, size_t revoked_count, int64_t this_update,
                          int64_t next_update, confai_error *err);

#endif /* CONFAI_SIM_SNP_SIM_H */
