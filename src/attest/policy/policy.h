/*
 * Verification policies (doc/policy.md): the parsed form behind
 * confai_policy and the checks that compare verified evidence with it.
 *
 * Parsing is strict (unknown or duplicate members, wrong types and missing
 * fields are CONFAI_E_POLICY_INVALID) and every constraint is explicit: a
 * wildcard is the string "*" in place of a field's value, recorded here as
 * `any` so the verdict can list the check as waived rather than passed.
 */
#ifndef CONFAI_ATTEST_POLICY_H
#define CONFAI_ATTEST_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "attest/check.h"
#include "attest/gpu/nvgpu.h"
#include "attest/snp/snp.h"
#include "attest/token/token.h"
#include "core/json_strict.h"

#define POLICY_VERSION 1
#define POLICY_MAX_AGE_LIMIT 31536000 /* one year, in seconds */
#define POLICY_MAX_SET 256            /* entries in one accepted-values list */
#define POLICY_MAX_ROOTS 8            /* custom roots or CRLs per platform */

/* Platforms, as bits of confai_policy.platforms. */
#define POLICY_PLATFORM_SEV_SNP 0x1u
#define POLICY_PLATFORM_TDX 0x2u

/* SEV-SNP report bits the policy looks at (AMD SEV-SNP ABI specification). */
#define POLICY_SNP_GUEST_SMT (UINT64_C(1) << 16)        /* GUEST_POLICY: SMT allowed */
#define POLICY_SNP_GUEST_MIGRATE_MA (UINT64_C(1) << 18) /* migration agent allowed */
#define POLICY_SNP_GUEST_DEBUG (UINT64_C(1) << 19)      /* debugging allowed */
#define POLICY_SNP_GUEST_SINGLE_SOCKET (UINT64_C(1) << 20) /* one socket only */
#define POLICY_SNP_GUEST_CXL_ALLOW (UINT64_C(1) << 21)  /* CXL memory may be used */
#define POLICY_SNP_GUEST_MEM_AES_256_XTS (UINT64_C(1) << 22) /* AES-256-XTS required */
#define POLICY_SNP_GUEST_RAPL_DIS (UINT64_C(1) << 23)   /* RAPL must be disabled */
#define POLICY_SNP_GUEST_CIPHERTEXT_HIDING_DRAM (UINT64_C(1) << 24) /* ciphertext hiding */
#define POLICY_SNP_GUEST_PAGE_SWAP_DISABLE (UINT64_C(1) << 25) /* no page swap/move */
#define POLICY_SNP_GUEST_ABI_MINOR(p) ((unsigned)((p) & 0xff))       /* bits 0-7 */
#define POLICY_SNP_GUEST_ABI_MAJOR(p) ((unsigned)(((p) >> 8) & 0xff)) /* bits 8-15 */
#define POLICY_SNP_PLATFORM_SMT_EN (UINT64_C(1) << 0)   /* PLATFORM_INFO: SMT on */
/*
 * The GUEST_POLICY bits the ABI specification defines (0-25, up to
 * PAGE_SWAP_DISABLE of ABI 1.58); 26-63 are reserved, must be zero, and a
 * report that sets one is refused: a bit this library does not know may
 * change what the guest allows.
 */
#define POLICY_SNP_GUEST_KNOWN ((UINT64_C(1) << 26) - 1)

/* The lowest report version the parser accepts: min_report_version's range. */
#define POLICY_SNP_REPORT_VERSION_MIN 2
#define POLICY_SNP_REPORT_VERSION_MAX 5

/*
 * The guest policy bits a policy's "guest_policy" names one by one (DEBUG
 * and MIGRATE_MA have their allow_* members), in the order they are read
 * and checked: the member name, the bit, the check.
 */
typedef struct policy_snp_guest_bit {
    const char *name;
    uint64_t mask;
    attest_check check;
} policy_snp_guest_bit;

#define POLICY_SNP_GUEST_BITS 7
extern const policy_snp_guest_bit policy_snp_guest_bits[POLICY_SNP_GUEST_BITS];

/* What a policy says about one guest policy bit. */
typedef enum policy_bit_rule {
    POLICY_BIT_ANY = 0,   /* "*": either value (the check is waived) */
    POLICY_BIT_REQUIRED,  /* "required": the bit is set */
    POLICY_BIT_FORBIDDEN, /* "forbidden": the bit is clear */
} policy_bit_rule;

/* Accepted byte strings of one size, or any value ("*"). */
typedef struct policy_set {
    int any;
    size_t item_size;
    size_t count;
    uint8_t *items; /* count * item_size bytes */
} policy_set;

/* Accepted strings (versions, status names), or any value ("*"). */
typedef struct policy_names {
    int any;
    size_t count;
    char **items;
} policy_names;

/* DER encodings of certificates or CRLs a policy adds. */
typedef struct policy_ders {
    size_t count;
    uint8_t *der[POLICY_MAX_ROOTS];
    size_t der_len[POLICY_MAX_ROOTS];
    uint8_t spki_sha256[POLICY_MAX_ROOTS][32]; /* certificates only */
    char subject[POLICY_MAX_ROOTS][128];       /* certificates only */
} policy_ders;

/* Minimum SVN of each TCB component; fmc only for products that have one. */
typedef struct policy_tcb {
    uint8_t bootloader, tee, snp, microcode, fmc;
} policy_tcb;

/* Minimum TCBs for one SEV-SNP product. */
typedef struct policy_snp_tcbs {
    int present;
    policy_tcb reported, committed, launch;
} policy_snp_tcbs;

/* A firmware version, compared as (major, minor, build). */
typedef struct policy_fw {
    uint8_t major, minor, build;
} policy_fw;

typedef struct policy_snp {
    int products_any;
    unsigned products;              /* bit (1 << snp_product) */
    policy_set measurements;        /* 48 bytes */
    int min_tcb_any;
    policy_snp_tcbs min_tcb[4];     /* by snp_product */
    int allow_debug;
    int allow_migration_agent;
    int vmpls_any;
    unsigned vmpls;                 /* bit (1 << vmpl) */
    policy_set host_data;           /* 32 bytes */
    uint32_t min_guest_svn;
    policy_set id_key_digests;      /* 48 bytes */
    policy_set author_key_digests;  /* 48 bytes */
    policy_set chip_ids;            /* 64 bytes */
    int min_firmware_any;
    policy_fw min_firmware_current, min_firmware_committed;
    uint32_t min_report_version;    /* 2 to 5 */
    policy_bit_rule guest_bits[POLICY_SNP_GUEST_BITS]; /* by policy_snp_guest_bits */
    int min_abi_any;
    uint8_t min_abi_major, min_abi_minor;
    int min_current_tcb_any;
    unsigned min_current_tcb_products; /* bit (1 << snp_product): entry given */
    policy_tcb min_current_tcb[4];  /* by snp_product */
    policy_ders custom_roots;
    policy_ders crls;
} policy_snp;

/* The "tdx" section (policy_tdx.c); checked by tdx_attestation.c. */
typedef struct policy_tdx {
    policy_set mrtd, mrseam, mr_config_id, mr_owner, mr_owner_config; /* 48 */
    int rtmrs_any;
    policy_set rtmrs[4];                                              /* 48 */
    policy_set td_attributes, xfam;                                   /* 8, quote order */
    int allow_debug;
    int min_tee_tcb_svn_any;
    uint8_t min_tee_tcb_svn[16];
    policy_names tcb_statuses;
    uint32_t min_tcb_eval_num;
    int max_collateral_age_any;
    int64_t max_collateral_age;     /* seconds */
    int require_crls;
    policy_ders custom_roots;
    policy_ders crls;
    struct tdx_trust *trust;        /* Intel's pin + custom_roots, built when parsed */
} policy_tdx;

/* The "gpus" section (policy_gpu.c); checked by gpu_attestation.c. */
typedef struct policy_gpus {
    uint32_t min_count, max_count;
    int allow_devtools;             /* cc_mode "devtools" accepted too */
    int measurements_any;
    size_t measurement_count;
    nvgpu_reference *measurements;  /* index and accepted values, as hex */
    policy_names driver_versions;
    policy_names vbios_versions;
    policy_ders custom_roots;
    nvgpu_trust *trust;             /* NVIDIA's pin + custom_roots, built when parsed */
} policy_gpus;

/*
 * One pinned remote verifier of the "tokens" section (policy_token.c);
 * checked by token/token_attestation.c.
 */
typedef struct policy_token_issuer {
    char *iss;
    int nras;                       /* format "nras": overall + detached tokens */
    policy_names audiences;
    int64_t max_skew;
    token_jwks jwks;
} policy_token_issuer;

typedef struct policy_tokens {
    uint32_t min_count;             /* tokens a bundle must carry */
    size_t issuer_count;
    policy_token_issuer *issuers;
} policy_tokens;

struct confai_policy {
    uint32_t version;
    unsigned platforms;
    int64_t max_age;
    policy_set manifest;            /* SHA-256 digests */
    int has_snp, has_tdx, has_gpus, has_tokens;
    policy_snp snp;
    policy_tdx tdx;
    policy_gpus gpus;
    policy_tokens tokens;
    snp_trust *snp_trust;           /* AMD pins + the policy's roots and CRLs */
};

/* --- reading (policy_read.c) ---------------------------------------------- */

/* "*" or a non-empty array of hex strings of item_size bytes each. */
confai_status policy_read_set(const json_ctx *ctx, const char *path, const cJSON *item,
                              size_t item_size, policy_set *set);

/* "*" or a non-empty array of non-empty strings, each one of allowed (if set). */
confai_status policy_read_names(const json_ctx *ctx, const char *path, const cJSON *item,
                                const char *const *allowed, size_t allowed_count,
                                policy_names *names);

/*
 * An array of PEM certificates (want_certs) or CRLs, each string exactly one
 * PEM object, stored as DER.
 */
confai_status policy_read_pems(const json_ctx *ctx, const char *path, const cJSON *item,
                               int want_certs, policy_ders *ders);

/* An object {bootloader, tee, snp, microcode[, fmc]} of integers 0..255. */
confai_status policy_read_tcb(const json_ctx *ctx, const char *path, const cJSON *item,
                              int with_fmc, policy_tcb *tcb);

/* 1 when value (set->item_size bytes) is in the set; constant time in the set. */
int policy_set_contains(const policy_set *set, const uint8_t *value);

void policy_set_clear(policy_set *set);
void policy_names_clear(policy_names *names);
void policy_ders_clear(policy_ders *ders);

/* --- sections (policy_snp.c, policy_tdx.c, policy_gpu.c, policy_token.c) --- */

confai_status policy_read_snp(const json_ctx *ctx, const cJSON *item, policy_snp *snp);
void policy_snp_clear(policy_snp *snp);

confai_status policy_read_tdx(const json_ctx *ctx, const cJSON *item, policy_tdx *tdx);
void policy_tdx_clear(policy_tdx *tdx);

confai_status policy_read_gpus(const json_ctx *ctx, const cJSON *item, policy_gpus *gpus);
void policy_gpus_clear(policy_gpus *gpus);
/* The subject of the gpus section's custom root with this SPKI digest, or NULL. */
const char *policy_gpu_root_subject(const policy_gpus *gpus, const uint8_t spki_sha256[32]);

confai_status policy_read_tokens(const json_ctx *ctx, const cJSON *item, policy_tokens *tokens);
void policy_tokens_clear(policy_tokens *tokens);

/* --- checks (policy_check.c) ------------------------------------------------ */

struct verdict_checks;

/* The platform (POLICY_PLATFORM_*) is listed. Error: CONFAI_E_POLICY_PLATFORM. */
confai_status policy_check_platform(const confai_policy *policy, unsigned platform,
                                    struct verdict_checks *checks, confai_error *err);

/*
 * Every check of the sev_snp section against verified evidence, in the order
 * of doc/policy.md, each recorded as passed or waived. Returns the status of
 * the first that fails (CONFAI_E_POLICY_*).
 */
confai_status policy_check_snp(const confai_policy *policy, const snp_verified *verified,
                               struct verdict_checks *checks, confai_error *err);

/* SHA-256 of the manifest is accepted. Error: CONFAI_E_POLICY_MANIFEST. */
confai_status policy_check_manifest(const confai_policy *policy, const uint8_t digest[32],
                                    struct verdict_checks *checks, confai_error *err);

/* The subject of the policy's custom root with this SPKI digest, or NULL. */
const char *policy_snp_root_subject(const confai_policy *policy, const uint8_t spki_sha256[32]);

/* The product's name in policies and verdicts ("milan"), NULL if unknown. */
const char *policy_snp_product_name(snp_product product);

#endif /* CONFAI_ATTEST_POLICY_H */
