/*
 * The checks a verification runs, by name: the one vocabulary of the
 * verdict's "checks" and "waived" lists (doc/protocol.md, "Verdict";
 * confai_verdict_check, confai_check_name). Every check that passes or that
 * the policy waives is recorded by its attest_check (verdict_note), and its
 * name comes from attest_check_name (check.c) alone.
 */
#ifndef CONFAI_ATTEST_CHECK_H
#define CONFAI_ATTEST_CHECK_H

/* Grouped by step, each step in the order the verification runs it. */
typedef enum attest_check {
    /* the bundle and its freshness (attestation.c) */
    CHECK_BUNDLE,
    CHECK_NONCE,
    CHECK_NOT_AFTER,
    CHECK_POLICY_PLATFORM,
    /* SEV-SNP evidence (snp/snp_attestation.c) */
    CHECK_SNP_CERTIFICATE_CHAIN,
    CHECK_SNP_ENDORSEMENT,
    CHECK_SNP_SIGNATURE,
    /* TDX evidence (tdx/tdx_attestation.c) */
    CHECK_TDX_PCK_CHAIN,
    CHECK_TDX_QE_REPORT,
    CHECK_TDX_SIGNATURE,
    CHECK_TDX_TCB_INFO,
    CHECK_TDX_QE_IDENTITY,
    /* the report data commits to this bundle (attestation.c) */
    CHECK_BINDING_REPORT_DATA,
    /* the policy's sev_snp section (policy/policy_check.c); the debug and
       measurement checks also serve the tdx section */
    CHECK_POLICY_PRODUCT,
    CHECK_POLICY_MEASUREMENT,
    CHECK_POLICY_TCB_REPORTED,
    CHECK_POLICY_TCB_COMMITTED,
    CHECK_POLICY_TCB_LAUNCH,
    CHECK_POLICY_TCB_CURRENT,
    CHECK_POLICY_DEBUG,
    CHECK_POLICY_MIGRATION_AGENT,
    CHECK_POLICY_GUEST_SMT,
    CHECK_POLICY_GUEST_SINGLE_SOCKET,
    CHECK_POLICY_GUEST_CXL_ALLOW,
    CHECK_POLICY_GUEST_MEM_AES_256_XTS,
    CHECK_POLICY_GUEST_RAPL_DIS,
    CHECK_POLICY_GUEST_CIPHERTEXT_HIDING_DRAM,
    CHECK_POLICY_GUEST_PAGE_SWAP_DISABLE,
    CHECK_POLICY_GUEST_ABI,
    CHECK_POLICY_VMPL,
    CHECK_POLICY_HOST_DATA,
    CHECK_POLICY_GUEST_SVN,
    CHECK_POLICY_ID_KEY,
    CHECK_POLICY_AUTHOR_KEY,
    CHECK_POLICY_CHIP_ID,
    CHECK_POLICY_FIRMWARE_CURRENT,
    CHECK_POLICY_FIRMWARE_COMMITTED,
    CHECK_POLICY_REPORT_VERSION,
    /* the policy's tdx section (tdx/tdx_attestation.c) */
    CHECK_POLICY_COLLATERAL,
    CHECK_POLICY_TCB_STATUS,
    CHECK_POLICY_TCB_EVALUATION_DATA_NUMBER,
    CHECK_POLICY_COLLATERAL_AGE,
    CHECK_POLICY_CRLS,
    CHECK_POLICY_RTMR0,
    CHECK_POLICY_RTMR1,
    CHECK_POLICY_RTMR2,
    CHECK_POLICY_RTMR3,
    CHECK_POLICY_MRSEAM,
    CHECK_POLICY_TEE_TCB_SVN,
    CHECK_POLICY_TD_ATTRIBUTES,
    CHECK_POLICY_XFAM,
    CHECK_POLICY_MR_CONFIG_ID,
    CHECK_POLICY_MR_OWNER,
    CHECK_POLICY_MR_OWNER_CONFIG,
    /* GPUs (gpu/gpu_attestation.c) */
    CHECK_POLICY_GPU_COUNT,
    CHECK_GPU_CERTIFICATE_CHAIN,
    CHECK_GPU_SIGNATURE,
    CHECK_GPU_BINDING,
    CHECK_GPU_DISTINCT,
    CHECK_POLICY_GPU_CC_MODE,
    CHECK_POLICY_GPU_MEASUREMENTS,
    CHECK_POLICY_GPU_DRIVER,
    CHECK_POLICY_GPU_VBIOS,
    /* tokens (token/token_attestation.c) */
    CHECK_POLICY_TOKENS_COUNT,
    CHECK_TOKEN_SIGNATURE,
    CHECK_TOKEN_CLAIMS,
    CHECK_TOKEN_EAT_NONCE,
    /* the manifest and the key (attestation.c) */
    CHECK_POLICY_MANIFEST,
    CHECK_KEY_CONFIG,
    ATTEST_CHECK_COUNT /* not a check: the size of the vocabulary */
} attest_check;

/* The check's name ("policy.gpu.count"), a static string; NULL for none. */
const char *attest_check_name(attest_check check);

#endif /* CONFAI_ATTEST_CHECK_H */
