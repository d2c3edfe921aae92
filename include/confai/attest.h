/*
 * libconfai: Attestation: policy, evidence bundles, key binding, verdicts.
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 * The conventions every function follows are in confai/common.h.
 */
#ifndef CONFAI_ATTEST_H
#define CONFAI_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include <confai/common.h>
#include <confai/ohttp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Attestation: policy, evidence bundles, key binding, verdicts             */
/* ------------------------------------------------------------------------ */

/*
 * Before a client seals a prompt to a service it verifies the service's
 * evidence bundle (doc/protocol.md): the CPU evidence (an AMD SEV-SNP report
 * or an Intel TDX quote) signs, through a chain that ends in a pinned root,
 * a commitment to our nonce, to the OHTTP key configuration we will seal
 * to, to the deployment manifest and to the bundle's not_after; each GPU's
 * evidence (NVIDIA SPDM) commits to the same transcript; any tokens of a
 * remote verifier are checked too; and a policy (doc/policy.md) accepts
 * every measured value. confai_attestation_verify does all of it and
 * returns a verdict, or fails with the status of the first check that did
 * not pass: there is no partial success.
 *
 * Status codes: 3xx for a bundle that does not parse; 5xx for evidence that
 * does not prove what it claims (signature, chain, root, nonce, freshness,
 * binding); 6xx for verified evidence the policy does not accept;
 * CONFAI_E_UNSUPPORTED for evidence of a kind this build cannot verify
 * (an unknown CPU, GPU or token type): such a bundle is always rejected,
 * never half-verified.
 *
 * Every function here is a pure function of its inputs: no I/O, the clock is
 * read only when the options ask for "now". The application fetches the
 * bundle itself (POST {base}/v1/attestation) or lets the client layer do it.
 */

/* Size of the client's attestation nonce. */
#define CONFAI_ATTESTATION_NONCE_SIZE 32
/* Size of the report data a CPU report carries: SHA-512 of the transcript. */
#define CONFAI_BINDING_REPORT_DATA_SIZE 64
/* Size of a GPU's SPDM nonce: SHA-256 of the transcript. */
#define CONFAI_BINDING_GPU_NONCE_SIZE 32
/* Size of the digests a verdict reports (SHA-256). */
#define CONFAI_VERDICT_DIGEST_SIZE 32
/* Largest evidence bundle and policy document accepted (CONFAI_E_LIMIT). */
#define CONFAI_ATTESTATION_MAX_BUNDLE_SIZE 1048576
#define CONFAI_POLICY_MAX_SIZE 1048576

/* The macros above as functions, for bindings that cannot read macros. */
CONFAI_API size_t confai_attestation_nonce_size(void);
CONFAI_API size_t confai_binding_report_data_size(void);
CONFAI_API size_t confai_binding_gpu_nonce_size(void);
CONFAI_API size_t confai_verdict_digest_size(void);
CONFAI_API size_t confai_attestation_max_bundle_size(void);
CONFAI_API size_t confai_policy_max_size(void);

/* --- Key binding (both sides) -------------------------------------------- */

/*
 * The key binding transcript of doc/protocol.md:
 *   T = "confai/v1 binding" || u16(32) || nonce
 *       || u16(key_config_len) || key_config
 *       || SHA-256(manifest)
 *       || u16(strlen(not_after)) || not_after
 * key_config is one RFC 9458 KeyConfig and manifest the exact manifest
 * bytes, both as sent (decoded); not_after is the bundle's RFC 3339 string
 * ("2025-01-31T12:00:00Z": UTC, no fractions, NUL-terminated). A service
 * puts confai_binding_report_data() into its CPU report and
 * confai_binding_gpu_nonce() into each GPU's SPDM request; a client never
 * needs these (confai_attestation_verify checks them), but they document and
 * test the construction.
 *
 * The three functions below fail alike: CONFAI_E_ARGUMENT (NULL pointer,
 * empty key_config, not_after not of the form above), CONFAI_E_LIMIT
 * (key_config longer than 65535 bytes), CONFAI_E_NO_MEMORY,
 * CONFAI_E_INTERNAL. Thread-safe.
 */

/*
 * Writes SHA-512(T), the 64 bytes the report data of a CPU report (SEV-SNP
 * REPORT_DATA, TDX REPORTDATA) must hold. Errors: as above.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_binding_report_data(uint8_t report_data[64], const uint8_t nonce[32],
                           const uint8_t *key_config, size_t key_config_len,
                           const uint8_t *manifest, size_t manifest_len,
                           const char *not_after, confai_error *err);

/*
 * Writes SHA-256(T), the 32-byte nonce of each GPU's SPDM evidence.
 * Errors: as above.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_binding_gpu_nonce(uint8_t gpu_nonce[32], const uint8_t nonce[32],
                         const uint8_t *key_config, size_t key_config_len,
                         const uint8_t *manifest, size_t manifest_len,
                         const char *not_after, confai_error *err);

/*
 * Writes T itself into fresh memory: *transcript (release with confai_free)
 * and *transcript_len. For logs and interoperability tests. On failure
 * *transcript is NULL. Errors: as above.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_binding_transcript(uint8_t **transcript, size_t *transcript_len,
                          const uint8_t nonce[32], const uint8_t *key_config,
                          size_t key_config_len, const uint8_t *manifest,
                          size_t manifest_len, const char *not_after,
                          confai_error *err);

/* --- Policy -------------------------------------------------------------- */

/*
 * A verification policy, parsed from its JSON document (doc/policy.md): the
 * accepted platforms, products and measurements, minimum TCB and firmware,
 * guest settings, identities, the accepted manifest digests, max_age, and
 * any custom roots and CRLs. Every field is explicit: a missing field is an
 * error, never "accept anything"; a wildcard is written "*".
 * Immutable once made: may be shared between threads.
 */
typedef struct confai_policy confai_policy;

/*
 * Parses and validates a policy document of json_len bytes (UTF-8, need not
 * be NUL-terminated). Custom roots and CRLs are decoded here, so a bad PEM
 * fails now and not at the first verification. On failure *policy is NULL.
 * Errors: CONFAI_E_POLICY_INVALID with a message naming the field (not JSON,
 * trailing data, unknown or duplicate member, missing field, wrong type or
 * value, unsupported version), CONFAI_E_LIMIT (over
 * CONFAI_POLICY_MAX_SIZE), CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_policy_new(confai_policy **policy, const char *json, size_t json_len,
                  confai_error *err);

/* Releases a policy. NULL is a no-op. */
CONFAI_API void confai_policy_free(confai_policy *policy);

/* The policy's max_age in seconds (0 for NULL). */
CONFAI_API int64_t confai_policy_max_age(const confai_policy *policy);

/* --- Verification options ------------------------------------------------ */

/*
 * A cache of endorsements that already verified, held by the caller (the
 * library keeps no cache of its own); one object serves every platform:
 *   - SEV-SNP: the VCEK/VLEK chain (VCEK/VLEK, ASK/ASVK, ARK). A new report
 *     from a known machine then costs its signature and field checks.
 *   - TDX: the quote's PCK chain together with the collateral that came with
 *     it (CRLs, TCB info, QE identity, TCB Signing chain), verified and
 *     parsed. A new quote from a known machine with the same collateral then
 *     costs the QE report and quote signatures and the TCB level evaluation
 *     of its SVNs.
 *   - GPUs: each device's certificate chain to the NVIDIA root. A new SPDM
 *     report from a known GPU then costs its signature and nonce check.
 * An entry is found by the exact bytes it was verified from (certificates,
 * CRLs, collateral) and the policy's trust anchors and CRLs, so one cache
 * may serve several policies and new CRL or collateral bytes are verified in
 * full. It is used only strictly inside the validity of every certificate,
 * CRL and collateral document it was verified with; only verifications that
 * pass add entries, a few per platform, the oldest replaced first. Verdicts
 * are the same with and without a cache. It changes during a verification:
 * one thread at a time (or a lock around confai_attestation_verify).
 */
typedef struct confai_verify_cache confai_verify_cache;

/* Creates an empty cache. On failure *cache is NULL. Errors: NO_MEMORY. */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_verify_cache_new(confai_verify_cache **cache, confai_error *err);

/* Releases a cache and every entry. NULL is a no-op. */
CONFAI_API void confai_verify_cache_free(confai_verify_cache *cache);

#define CONFAI_VERIFY_OPTIONS_VERSION 1

/*
 * Unknown members in the evidence bundle are ignored instead of rejected.
 * For talking to newer services during a migration only; duplicate members
 * are rejected regardless.
 */
#define CONFAI_VERIFY_LENIENT_BUNDLE 0x1u

/*
 * Options of one verification. Fill with confai_verify_options_init, then
 * change single fields. Passing NULL options means the defaults: strict
 * bundle parsing, the current time, no cache.
 */
typedef struct confai_verify_options {
    uint32_t version;             /* CONFAI_VERIFY_OPTIONS_VERSION */
    uint32_t flags;               /* CONFAI_VERIFY_* bits; 0 = strict */
    int64_t verify_time;          /* seconds since 1970 (UTC); 0 = now */
    confai_verify_cache *cache;   /* NULL: verify every chain and collateral in full */
    uint64_t reserved[8];         /* must be zero */
} confai_verify_options;

/* CONFAI_VERIFY_OPTIONS_VERSION as a function. */
CONFAI_API uint32_t confai_verify_options_version(void);

/*
 * Sets the defaults. version is the CONFAI_VERIFY_OPTIONS_VERSION the caller
 * was compiled with. Errors: CONFAI_E_ARGUMENT (NULL, unknown version).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_verify_options_init(confai_verify_options *options, uint32_t version,
                           confai_error *err);

/* --- Verification and verdict -------------------------------------------- */

/*
 * The result of a successful verification: what was proven, for sealing
 * (the bound key configuration), caching (the expiry) and logs (JSON).
 * Immutable: may be shared between threads. Strings and pointers it returns
 * live as long as the verdict.
 */
typedef struct confai_verdict confai_verdict;

/*
 * Verifies an evidence bundle (bundle_len bytes of JSON, need not be
 * NUL-terminated) that answers our nonce, against a policy. In order, each
 * with its own status:
 *   the bundle parses                     CONFAI_E_MALFORMED (message names
 *                                          the member), _TRAILING_DATA, _LIMIT,
 *                                          _UNSUPPORTED (unknown CPU, GPU or
 *                                          token type, bundle version)
 *   the nonce is ours (constant time)     CONFAI_E_NONCE_MISMATCH
 *   not_after is after the verify time    CONFAI_E_EVIDENCE_EXPIRED
 *   platform accepted by the policy       CONFAI_E_POLICY_PLATFORM
 *   CPU report, chain and root            CONFAI_E_BAD_SIGNATURE,
 *   (SEV-SNP report and VCEK/VLEK chain;   _CERT_CHAIN, _UNKNOWN_ROOT,
 *   TDX quote, PCK chain, collateral)      _CERT_EXPIRED, _CERT_REVOKED,
 *                                          _TCB_MISMATCH, _COLLATERAL and
 *                                          parse statuses
 *   report data == SHA-512(T)             CONFAI_E_BINDING
 *   the policy's checks                   CONFAI_E_POLICY_* (6xx)
 *   each GPU: chain to the NVIDIA root,   CONFAI_E_CERT_*, _UNKNOWN_ROOT,
 *   signature, SPDM nonce == SHA-256(T),   _BAD_SIGNATURE, _BINDING,
 *   the policy's gpus section              CONFAI_E_POLICY_GPU_*, _MEASUREMENT
 *   each token: the tokens section, its   CONFAI_E_POLICY_TOKEN, _TOKEN_*,
 *   signature and claims, eat_nonce        _BAD_SIGNATURE, _BINDING
 *   the key configuration parses          CONFAI_E_UNSUPPORTED, parse statuses
 * The verdict expires at min(not_after, verify time + policy max_age, the
 * end of the endorsements' validity (certificate chains, TDX collateral),
 * the earliest token exp).
 * options may be NULL (defaults). On failure *verdict is NULL.
 * Thread-safe for a shared policy; a cache in options needs exclusive use.
 * Errors: the statuses above; CONFAI_E_ARGUMENT (NULL verdict, policy,
 * nonce or bundle; options of another version, unknown flags, reserved
 * fields set), CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_attestation_verify(confai_verdict **verdict,
                          const confai_policy *policy,
                          const confai_verify_options *options,
                          const uint8_t nonce[32], const char *bundle,
                          size_t bundle_len, confai_error *err);

/*
 * Verdicts are reference counted: confai_verdict_ref adds a reference (and
 * returns verdict) so that, for example, a client's lease and an
 * application can both hold the same verdict; each reference is released
 * with confai_verdict_free. Thread-safe. NULL gives NULL.
 */
CONFAI_API confai_verdict *confai_verdict_ref(const confai_verdict *verdict);

/* Releases a reference; the last one frees the verdict. NULL is a no-op. */
CONFAI_API void confai_verdict_free(confai_verdict *verdict);

/* The CPU platform ("sev-snp" or "tdx"); NULL for NULL. */
CONFAI_API const char *confai_verdict_platform(const confai_verdict *verdict);

/*
 * The CPU product where the platform has named ones (SEV-SNP: "milan",
 * "genoa", "turin"); NULL for TDX and for NULL.
 */
CONFAI_API const char *confai_verdict_product(const confai_verdict *verdict);

/*
 * The CPU launch measurement (SEV-SNP MEASUREMENT, TDX MRTD: 48 bytes each);
 * *len gets its size. NULL (and *len 0) for NULL. The other measured values
 * (TDX RTMRs) and each GPU's results are in confai_verdict_json.
 */
CONFAI_API const uint8_t *
confai_verdict_measurement(const confai_verdict *verdict, size_t *len);

/* Which kind of root the CPU evidence chains to. */
typedef enum confai_root_kind {
    CONFAI_ROOT_NONE = 0,   /* only for a NULL verdict */
    CONFAI_ROOT_VENDOR = 1, /* a built-in vendor root (AMD ARK, Intel SGX) */
    CONFAI_ROOT_CUSTOM = 2, /* a root the policy added: NOT a vendor root */
} confai_root_kind;

/* The kind of root; CONFAI_ROOT_NONE for NULL. */
CONFAI_API confai_root_kind
confai_verdict_root_kind(const confai_verdict *verdict);

/* 1 when the chain ends in a built-in vendor root, else 0. */
CONFAI_API int confai_verdict_root_is_vendor(const confai_verdict *verdict);

/*
 * For a custom root, a warning for humans ("NOT an AMD root: ...", "NOT an
 * Intel root: ..."), to be shown wherever the verdict is; NULL for a vendor
 * root or a NULL verdict.
 */
CONFAI_API const char *
confai_verdict_root_warning(const confai_verdict *verdict);

/*
 * The key configuration the evidence binds: the one to seal requests to
 * (confai_ohttp_client_seal_request). Borrowed: valid until the verdict is
 * freed. NULL for NULL.
 */
CONFAI_API const confai_key_config *
confai_verdict_key_config(const confai_verdict *verdict);

/* SHA-256 of the bound KeyConfig bytes (32 bytes); NULL for NULL. */
CONFAI_API const uint8_t *
confai_verdict_key_config_digest(const confai_verdict *verdict);

/* SHA-256 of the manifest bytes (32 bytes); NULL for NULL. */
CONFAI_API const uint8_t *
confai_verdict_manifest_digest(const confai_verdict *verdict);

/*
 * Times, seconds since 1970 (UTC): when the evidence was verified; the
 * bundle's not_after; and the expiry min(not_after, verified_at + max_age,
 * the end of the endorsements' validity (certificate chains, TDX
 * collateral), the earliest token exp), after which the key must not be
 * used without a new attestation. 0 for NULL.
 */
CONFAI_API int64_t confai_verdict_verified_at(const confai_verdict *verdict);
CONFAI_API int64_t confai_verdict_not_after(const confai_verdict *verdict);
CONFAI_API int64_t confai_verdict_expiry(const confai_verdict *verdict);

/*
 * The TCB values an SEV-SNP report carries. The TCB functions below answer
 * for SEV-SNP verdicts only; a TDX verdict's TCB (SVNs and the TCB status
 * from Intel's collateral) is in confai_verdict_json.
 */
typedef enum confai_tcb_kind {
    CONFAI_TCB_CURRENT = 0,
    CONFAI_TCB_REPORTED = 1,  /* what the VCEK was derived for */
    CONFAI_TCB_COMMITTED = 2,
    CONFAI_TCB_LAUNCH = 3,
} confai_tcb_kind;

/* Components of a TCB version (FMC exists on Turin only). */
typedef enum confai_tcb_component {
    CONFAI_TCB_BOOTLOADER = 0,
    CONFAI_TCB_TEE = 1,
    CONFAI_TCB_SNP = 2,
    CONFAI_TCB_MICROCODE = 3,
    CONFAI_TCB_FMC = 4,
} confai_tcb_component;

/*
 * A TCB as its raw 64-bit TCB_VERSION; 0 for NULL, a TDX verdict or an
 * unknown kind.
 */
CONFAI_API uint64_t confai_verdict_tcb(const confai_verdict *verdict,
                                       confai_tcb_kind kind);

/*
 * One component (0..255) of a TCB; -1 for NULL, a TDX verdict, an unknown
 * kind or component, or a component the product does not have (FMC before
 * Turin).
 */
CONFAI_API int confai_verdict_tcb_component(const confai_verdict *verdict,
                                            confai_tcb_kind kind,
                                            confai_tcb_component component);

/*
 * The checks that passed, by name ("nonce", "binding.report_data",
 * "policy.measurement", ...), in the order they ran; index from 0 to
 * count - 1. NULL for an index out of range. Checks the policy waived with
 * a wildcard are listed separately by confai_verdict_waived.
 */
CONFAI_API size_t confai_verdict_check_count(const confai_verdict *verdict);
CONFAI_API const char *confai_verdict_check(const confai_verdict *verdict,
                                            size_t index);
CONFAI_API size_t confai_verdict_waived_count(const confai_verdict *verdict);
CONFAI_API const char *confai_verdict_waived(const confai_verdict *verdict,
                                             size_t index);

/*
 * The vocabulary of check names: every name confai_verdict_check,
 * confai_verdict_waived and their confai_evidence_verdict_ twins can give,
 * and none other. Returns the index-th name
 * (a static string), index from 0 up; NULL for a negative index or one past
 * the end. The order is no promise, and a later version may add names; a
 * name once listed keeps its meaning.
 */
CONFAI_API const char *confai_check_name(int index);

/*
 * The whole verdict as a JSON object (doc/protocol.md, "Verdict"), for logs
 * and UIs: *json (NUL-terminated, release with confai_free) and *json_len
 * (without the NUL; may be NULL). On failure *json is NULL.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_verdict_json(const confai_verdict *verdict, char **json,
                    size_t *json_len, confai_error *err);

/* --- Raw evidence ---------------------------------------------------------- */

/*
 * Evidence on its own, without a bundle: an SEV-SNP report with its
 * certificates, a TDX quote with Intel's collateral, or one GPU's SPDM
 * evidence with its device chain, as the hardware or a vendor's tool gives
 * them. They are verified by the code that verifies a bundle's (the
 * platform verifier, then the policy's section for the platform) and the
 * verdict names its checks as confai_attestation_verify does. What only a
 * bundle carries is not checked: our nonce, the key binding, the manifest,
 * not_after and tokens. A raw verdict proves the evidence genuine and
 * accepted by the policy, not fresh and not bound to a key; give
 * report_data to check what a CPU report commits to.
 * Immutable: may be shared between threads. Strings it returns live as
 * long as the verdict.
 */
typedef struct confai_evidence_verdict confai_evidence_verdict;

/*
 * Verifies an SEV-SNP report (report_len bytes) with its certificates
 * (DER: VCEK or VLEK first, then ASK or ASVK, then optionally ARK; each
 * certs[i] is cert_lens[i] bytes) at verify_time (seconds since 1970, UTC;
 * 0 = now) against the policy's sev_snp section. report_data (64 bytes) may
 * be NULL; otherwise REPORT_DATA must equal it (constant time). Checks, in
 * order: policy.platform, sev_snp.certificate_chain, sev_snp.endorsement,
 * sev_snp.signature, binding.report_data (when given), the policy's. On
 * failure *verdict is NULL.
 * Errors: CONFAI_E_ARGUMENT; CONFAI_E_POLICY_PLATFORM; the statuses of
 * confai_attestation_verify for the report and its chain
 * (CONFAI_E_BAD_SIGNATURE, _CERT_CHAIN, _UNKNOWN_ROOT, _CERT_EXPIRED,
 * _CERT_REVOKED, _TCB_MISMATCH, parse statuses); CONFAI_E_BINDING;
 * CONFAI_E_POLICY_*; CONFAI_E_NO_MEMORY. Thread-safe for a shared policy.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_verify_snp(confai_evidence_verdict **verdict,
                           const confai_policy *policy,
                           const uint8_t *report, size_t report_len,
                           const uint8_t *const *certs, const size_t *cert_lens,
                           size_t cert_count, const uint8_t report_data[64],
                           int64_t verify_time, confai_error *err);

#define CONFAI_TDX_COLLATERAL_VERSION 1

/*
 * Intel's collateral for a TDX quote, as Intel PCS serves it; every member
 * may be empty (NULL, 0). Zero the struct, set version, fill what you have.
 */
typedef struct confai_tdx_collateral {
    uint32_t version;                /* CONFAI_TDX_COLLATERAL_VERSION */
    const char *tcb_info;            /* TCB info JSON */
    size_t tcb_info_len;
    const char *qe_identity;         /* QE identity JSON */
    size_t qe_identity_len;
    const char *tcb_signing_chain;   /* PEM: TCB Signing certificate, root */
    size_t tcb_signing_chain_len;
    const uint8_t *pck_crl;          /* DER: the PCK CA's CRL */
    size_t pck_crl_len;
    const uint8_t *root_crl;         /* DER: the root CA's CRL */
    size_t root_crl_len;
    uint64_t reserved[8];            /* must be zero */
} confai_tdx_collateral;

/* CONFAI_TDX_COLLATERAL_VERSION as a function. */
CONFAI_API uint32_t confai_tdx_collateral_version(void);

/*
 * Verifies a TDX quote (v4 or v5; zero bytes after it are accepted as
 * padding) with its collateral (NULL: none) and the policy's CRLs at
 * verify_time (0 = now) against the policy's tdx section; report_data (64
 * bytes, may be NULL) as for SEV-SNP. Checks, in order: policy.platform,
 * tdx.pck_chain, tdx.qe_report, tdx.signature, tdx.tcb_info and
 * tdx.qe_identity (when given), binding.report_data (when given), the
 * policy's. On failure *verdict is NULL.
 * Errors: CONFAI_E_ARGUMENT (also an unknown collateral version or nonzero
 * reserved members); CONFAI_E_POLICY_PLATFORM; the quote, chain and
 * collateral statuses of confai_attestation_verify (CONFAI_E_COLLATERAL
 * among them); CONFAI_E_BINDING; CONFAI_E_POLICY_*; CONFAI_E_NO_MEMORY.
 * Thread-safe for a shared policy.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_verify_tdx(confai_evidence_verdict **verdict,
                           const confai_policy *policy,
                           const uint8_t *quote, size_t quote_len,
                           const confai_tdx_collateral *collateral,
                           const uint8_t report_data[64], int64_t verify_time,
                           confai_error *err);

/*
 * Verifies one GPU's NVIDIA SPDM evidence with its device chain (DER, leaf
 * first) at verify_time (0 = now) against the policy's gpus section: the
 * SPDM request nonce must equal nonce (32 bytes). Checks, in order:
 * policy.gpu.count (one GPU), gpu.certificate_chain, gpu.signature,
 * gpu.binding, policy.gpu.cc_mode, policy.gpu.measurements,
 * policy.gpu.driver, policy.gpu.vbios. On failure *verdict is NULL.
 * Errors: CONFAI_E_ARGUMENT; CONFAI_E_POLICY_GPU_COUNT (no gpus section, or
 * one GPU is outside its count); CONFAI_E_CERT_*, _UNKNOWN_ROOT,
 * _BAD_SIGNATURE, parse statuses; CONFAI_E_BINDING (another nonce);
 * CONFAI_E_POLICY_MEASUREMENT, _GPU_VERSION; CONFAI_E_NO_MEMORY.
 * Thread-safe for a shared policy.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_verify_gpu(confai_evidence_verdict **verdict,
                           const confai_policy *policy,
                           const uint8_t *evidence, size_t evidence_len,
                           const uint8_t *const *certs, const size_t *cert_lens,
                           size_t cert_count, const uint8_t nonce[32],
                           int64_t verify_time, confai_error *err);

/* One GPU's raw evidence, as confai_evidence_verify_gpus takes it. */
typedef struct confai_gpu_evidence {
    const uint8_t *evidence;          /* NVIDIA SPDM GET_MEASUREMENTS evidence */
    size_t evidence_len;
    const uint8_t *const *certs;      /* the device chain (DER), leaf first */
    const size_t *cert_lens;
    size_t cert_count;
    const uint8_t *nonce;             /* 32 bytes: the SPDM request nonce expected */
} confai_gpu_evidence;

/*
 * Verifies several GPUs' evidence (gpus[0..gpu_count-1], at least one) as
 * one machine's GPUs, at verify_time (0 = now) against the policy's gpus
 * section, counting them as confai_attestation_verify counts a bundle's:
 * the number given must be within gpus.min_count..max_count, and no GPU may
 * be one given before it (the same device leaf key or device ID). Each GPU
 * is checked as by confai_evidence_verify_gpu, its own nonce included.
 * Checks, in order: policy.gpu.count, then for the GPUs gpu.certificate_chain,
 * gpu.signature, gpu.binding, gpu.distinct, policy.gpu.cc_mode,
 * policy.gpu.measurements, policy.gpu.driver, policy.gpu.vbios. The
 * verdict's platform is "nvidia-gpu"; its JSON has "gpus", one object per
 * GPU in the order given (as confai_evidence_verify_gpu's JSON describes
 * one GPU, less "platform", "verified_at", "checks" and "waived"). Its root
 * kind is CONFAI_ROOT_CUSTOM when any GPU chains to a custom root, and its
 * warning then names those GPUs. Messages name the GPU ("gpus[1]: ...").
 * On failure *verdict is NULL.
 * Errors: CONFAI_E_ARGUMENT (no GPU, a NULL member); CONFAI_E_POLICY_GPU_COUNT
 * (no gpus section, or gpu_count outside its count); CONFAI_E_GPU_DUPLICATE;
 * the statuses of confai_evidence_verify_gpu. Thread-safe for a shared policy.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_verify_gpus(confai_evidence_verdict **verdict,
                            const confai_policy *policy,
                            const confai_gpu_evidence *gpus, size_t gpu_count,
                            int64_t verify_time, confai_error *err);

/* Releases a raw verdict. NULL is a no-op. */
CONFAI_API void confai_evidence_verdict_free(confai_evidence_verdict *verdict);

/* The platform: "sev-snp", "tdx" or "nvidia-gpu"; NULL for NULL. */
CONFAI_API const char *
confai_evidence_verdict_platform(const confai_evidence_verdict *verdict);

/* The kind of root the evidence chains to; CONFAI_ROOT_NONE for NULL. */
CONFAI_API confai_root_kind
confai_evidence_verdict_root_kind(const confai_evidence_verdict *verdict);

/* As confai_verdict_root_warning: NULL for a vendor root or NULL. */
CONFAI_API const char *
confai_evidence_verdict_root_warning(const confai_evidence_verdict *verdict);

/*
 * The checks that passed and those the policy waived, by the names
 * confai_verdict_check uses, in the order they ran; NULL for an index out
 * of range.
 */
CONFAI_API size_t
confai_evidence_verdict_check_count(const confai_evidence_verdict *verdict);
CONFAI_API const char *
confai_evidence_verdict_check(const confai_evidence_verdict *verdict,
                              size_t index);
CONFAI_API size_t
confai_evidence_verdict_waived_count(const confai_evidence_verdict *verdict);
CONFAI_API const char *
confai_evidence_verdict_waived(const confai_evidence_verdict *verdict,
                               size_t index);

/*
 * What the evidence proved, as a JSON object: "platform", "verified_at",
 * "root" (kind, spki_sha256, and the warning of a custom root), the
 * verifier's findings (SEV-SNP: product, endorsement, chain validity; TDX:
 * TCB statuses, advisories, tcb_evaluation_data_number, which CRLs were
 * checked; GPUs: leaf, root and "identity", the device's
 * {"leaf_spki_sha256": hex, "device_id": NVIDIA's device ID or null when
 * the leaf names none}), the decoded evidence ("report", "quote" or
 * "evidence", as confai_evidence_describe gives it; several GPUs: "gpus",
 * one such object per GPU), "checks" and
 * "waived". *json is NUL-terminated (release with confai_free), *json_len
 * its length without the NUL (may be NULL). On failure *json is NULL.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_verdict_json(const confai_evidence_verdict *verdict, char **json,
                             size_t *json_len, confai_error *err);

/* What confai_evidence_describe decodes. */
typedef enum confai_evidence_kind {
    CONFAI_EVIDENCE_SEV_SNP_REPORT = 1, /* an SEV-SNP attestation report */
    CONFAI_EVIDENCE_TDX_QUOTE = 2,      /* a TDX quote, v4 or v5 */
    CONFAI_EVIDENCE_NVIDIA_SPDM = 3,    /* NVIDIA SPDM GET_MEASUREMENTS evidence */
    CONFAI_EVIDENCE_BUNDLE = 4,         /* an evidence bundle (JSON) */
} confai_evidence_kind;

/*
 * Decodes evidence of the given kind, verifying nothing, into a JSON
 * object of its fields (hex for bytes, numbers for versions and SVNs) with
 * a "kind" member: for inspection, logs and writing policies. A TDX quote
 * followed by bytes it does not span is decoded with "bytes_after_quote";
 * a bundle that parses only leniently carries "strict_parse" (the strict
 * parser's complaint); a bundle's parts that do not decode carry
 * "..._error" members instead of failing the whole. *json is
 * NUL-terminated (release with confai_free), *json_len its length without
 * the NUL (may be NULL). On failure *json is NULL.
 * Errors: CONFAI_E_ARGUMENT (NULL, unknown kind), the parser's status
 * (CONFAI_E_TRUNCATED, _TRAILING_DATA, _MALFORMED, _UNSUPPORTED, _LIMIT),
 * CONFAI_E_NO_MEMORY. Thread-safe.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_describe(char **json, size_t *json_len, confai_evidence_kind kind,
                         const uint8_t *evidence, size_t evidence_len,
                         confai_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_ATTEST_H */
