/*
 * libconfai: the server half. A service that runs inside a confidential VM
 * publishes its evidence in the protocol's bundle format (doc/protocol.md,
 * "Evidence bundle") with a bundle builder: the client's nonce, the key
 * configuration it will open requests with, the deployment manifest and
 * not_after go in first (they make the binding transcript), then the CPU
 * evidence and any GPU evidence and tokens; finishing checks that every
 * piece commits to this transcript and writes the bundle. Nothing is
 * half-published: a bundle comes out complete and consistent, or not at all.
 *
 * The evidence itself comes from the platform (a report whose report data
 * is confai_binding_report_data(), GPU evidence for confai_binding_gpu_nonce())
 * or from a simulated platform (confai/sim.h).
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 * The conventions every function follows are at the top of confai/common.h.
 */
#ifndef CONFAI_SERVER_H
#define CONFAI_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <confai/common.h>
#include <confai/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A bundle being built. It copies what it is given and wipes it when freed.
 * Not thread-safe: one thread at a time.
 */
typedef struct confai_bundle_builder confai_bundle_builder;

/*
 * Starts a bundle that answers nonce (the client's 32 bytes) for the key
 * configuration key_config (one RFC 9458 KeyConfig), the manifest (may be
 * empty) and not_after (an RFC 3339 time in the protocol's profile,
 * "YYYY-MM-DDTHH:MM:SSZ"). On failure *builder is NULL.
 * Errors: CONFAI_E_ARGUMENT (NULL, empty key configuration, not_after not in
 * the profile), CONFAI_E_LIMIT (key configuration or manifest over what the
 * transcript allows), CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_bundle_builder_new(confai_bundle_builder **builder, const uint8_t nonce[32],
                          const uint8_t *key_config, size_t key_config_len,
                          const uint8_t *manifest, size_t manifest_len,
                          const char *not_after, confai_error *err);

/* Wipes and releases the builder. NULL: no-op. */
CONFAI_API void confai_bundle_builder_free(confai_bundle_builder *builder);

/*
 * Sets the CPU evidence to an SEV-SNP attestation report (1184 bytes) and
 * its certificate chain (DER, leaf first: VCEK or VLEK, ASK or ASVK, ARK;
 * 1 to 3 certificates). Errors: CONFAI_E_STATE (CPU evidence already set),
 * CONFAI_E_ARGUMENT, CONFAI_E_LIMIT (a certificate over 16 KiB),
 * CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_bundle_builder_set_snp(confai_bundle_builder *builder, const uint8_t *report,
                              size_t report_len, const uint8_t *const *certs,
                              const size_t *cert_lens, size_t cert_count, confai_error *err);

/*
 * Sets the CPU evidence to an Intel TDX quote (v4 or v5). Zero padding after
 * the quote, as configfs-tsm returns it, is accepted and left out of the
 * bundle. Errors: CONFAI_E_STATE (CPU evidence already set), the quote
 * parser's (CONFAI_E_TRUNCATED, _MALFORMED, _TRAILING_DATA, _UNSUPPORTED,
 * _LIMIT), CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_bundle_builder_set_tdx(confai_bundle_builder *builder, const uint8_t *quote,
                              size_t quote_len, confai_error *err);

/*
 * Adds one piece of Intel collateral to the TDX evidence, by its member name
 * in the bundle: "tcb_info", "tcb_info_issuer_chain", "qe_identity",
 * "qe_identity_issuer_chain", "pck_crl", "pck_crl_issuer_chain",
 * "root_ca_crl" (the bytes as Intel PCS or a PCCS serves them).
 * Errors: CONFAI_E_STATE (the CPU evidence is not TDX, or this piece is
 * already there), CONFAI_E_ARGUMENT (an unknown name, empty data),
 * CONFAI_E_LIMIT (over 64 KiB), CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_bundle_builder_add_tdx_collateral(confai_bundle_builder *builder, const char *name,
                                         const uint8_t *data, size_t data_len,
                                         confai_error *err);

/*
 * Adds one NVIDIA GPU's evidence: its SPDM GET_MEASUREMENTS request and
 * MEASUREMENTS response, and its device certificate chain (DER, leaf first,
 * 1 to 8 certificates). Errors: CONFAI_E_LIMIT (over 16 GPUs, evidence over
 * 64 KiB, a certificate over 16 KiB), CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_bundle_builder_add_gpu(confai_bundle_builder *builder, const uint8_t *evidence,
                              size_t evidence_len, const uint8_t *const *certs,
                              const size_t *cert_lens, size_t cert_count, confai_error *err);

/*
 * Adds a token from a remote verifier: type "jwt" (a compact JWS) or "nras"
 * (NVIDIA NRAS's JSON response), token NUL-terminated.
 * Errors: CONFAI_E_LIMIT (over 8 tokens), CONFAI_E_ARGUMENT (another type,
 * an empty token), CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_bundle_builder_add_token(confai_bundle_builder *builder, const char *type,
                                const char *token, confai_error *err);

/*
 * Checks the evidence and writes the bundle: *json (NUL-terminated, release
 * with confai_free) and *json_len. The checks are the server's own, before
 * anything is published: the CPU report or quote parses and its report data
 * is confai_binding_report_data() of this bundle's transcript; each GPU's
 * evidence parses and its SPDM nonce is confai_binding_gpu_nonce(); the
 * written bundle parses back strictly. Chains and signatures are the
 * client's to verify. The builder may be finished again (the same bundle).
 * On failure *json is NULL.
 * Errors: CONFAI_E_STATE (no CPU evidence), CONFAI_E_BINDING (a report,
 * quote or GPU that commits to another transcript: evidence made for
 * another nonce or key), the parse statuses of the evidence (3xx,
 * CONFAI_E_UNSUPPORTED), CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_bundle_builder_finish(confai_bundle_builder *builder, char **json, size_t *json_len,
                             confai_error *err);

/* --- Evidence sources -------------------------------------------------------- */

/*
 * An evidence source is where a service's evidence comes from: the CPU TEE
 * (SEV-SNP through configfs-tsm or the older /dev/sev-guest, TDX through
 * configfs-tsm) with its endorsements (the certificates of the extended
 * report, else AMD KDS; Intel PCS or a PCCS for TDX collateral, each through
 * an optional on-disk cache), NVIDIA GPUs through NVML, or a simulated
 * platform. confai_evidence_source_collect asks each of them for evidence
 * that commits to one bundle's transcript and hands it to the builder.
 * One thread at a time; the gateway serialises attestation requests.
 */
typedef struct confai_evidence_source confai_evidence_source;

#define CONFAI_PLATFORM_OPTIONS_VERSION 1
/* -1 in confai_platform_options.gpus: every GPU NVML finds (none if no NVML). */
#define CONFAI_GPUS_AUTO (-1)

/*
 * Where and how to take evidence on real hardware. Fill it with
 * confai_platform_options_init, then set what differs from the defaults.
 * Strings are copied by confai_evidence_source_new.
 */
typedef struct confai_platform_options {
    uint32_t version;            /* CONFAI_PLATFORM_OPTIONS_VERSION */
    const char *platform;        /* "auto" (or NULL): what configfs-tsm provides; "sev-snp", "tdx" */
    const char *tsm_root;        /* NULL: /sys/kernel/config/tsm/report */
    const char *sev_guest_device; /* NULL: /dev/sev-guest, used where configfs-tsm is absent */
    int vmpl;                    /* SEV-SNP: the privilege level reports are made at; -1: the kernel's */
    const char *product;         /* SEV-SNP v2 reports: "Milan", "Genoa" or "Turin"; NULL: from the report */
    const char *kds_url;         /* NULL: https://kdsintf.amd.com */
    const char *pcs_url;         /* NULL: https://api.trustedservices.intel.com */
    const char *cache_dir;       /* endorsements and collateral kept here; NULL: no cache */
    int gpus;                    /* CONFAI_GPUS_AUTO, 0 (none) or the exact number required */
    const char *nvml_library;    /* NULL: libnvidia-ml.so.1 */
    long timeout_ms;             /* per KDS or PCS request; 0: 10 s */
    uint64_t reserved[8];        /* zero */
} confai_platform_options;

/* CONFAI_PLATFORM_OPTIONS_VERSION as a function. */
CONFAI_API uint32_t confai_platform_options_version(void);

/*
 * Fills *options with the defaults for version. Errors: CONFAI_E_ARGUMENT
 * (NULL), CONFAI_E_UNSUPPORTED (a version this library does not know).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_platform_options_init(confai_platform_options *options, uint32_t version,
                             confai_error *err);

/*
 * Opens the real platform: finds the CPU TEE (configfs-tsm's provider, or
 * /dev/sev-guest for SEV-SNP) and, unless gpus is 0, loads NVML, counts the
 * GPUs and requires confidential-computing mode on. Nothing is attested yet.
 * On failure *source is NULL.
 * Errors: CONFAI_E_TSM_UNAVAILABLE (no configfs-tsm and no /dev/sev-guest),
 * CONFAI_E_TSM_PROVIDER (the platform named is not the one there),
 * CONFAI_E_NVML_UNAVAILABLE (gpus > 0 and no NVML), CONFAI_E_GPU_CC_OFF,
 * CONFAI_E_ARGUMENT (also: another number of GPUs than gpus asks for; the
 * message names both), CONFAI_E_UNSUPPORTED (an options version or
 * platform name this library does not know), CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_source_new(confai_evidence_source **source,
                           const confai_platform_options *options, confai_error *err);

/*
 * A source on a simulated SEV-SNP platform (confai/sim.h), which must
 * outlive the source, with gpus (0 to 16) simulated NVIDIA GPUs made here,
 * each a device of its own (its own device PKI, valid from a day before
 * now). For development and tests only: clients trust it only through a
 * policy that pins its roots (confai_evidence_source_policy_json), and
 * their verdicts say so. Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY,
 * CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_source_new_sim_snp(confai_evidence_source **source, const confai_sim_snp *sim,
                                   unsigned gpus, confai_error *err);

/*
 * A source on a simulated Intel TDX platform the source makes itself: a
 * test PCK hierarchy (certificates with Intel's names and an organization
 * that says "confai simulated platform (not Intel)"), quotes signed by it
 * and Intel-format collateral (TCB info, QE identity, CRLs) issued a day
 * before each attestation, with gpus (0 to 16) simulated GPUs as for
 * confai_evidence_source_new_sim_snp. Its keys live as long as the source:
 * a new source needs a new policy. For development and tests only.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_source_new_sim_tdx(confai_evidence_source **source, unsigned gpus,
                                   confai_error *err);

/*
 * The policy (doc/policy.md) that accepts exactly a simulated source: the
 * simulated SEV-SNP platform's as confai_sim_snp_policy_json writes it (a
 * simulated TD's: its measurements, TCB and collateral rules and its root),
 * and for its
 * GPUs a gpus section pinning their count, measurements, versions and
 * roots. *json is NUL-terminated, released with confai_free. A real
 * platform's policy pins reference values from its image build instead.
 * Errors: CONFAI_E_UNSUPPORTED (a real platform's source), those of
 * confai_sim_snp_policy_json, CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_source_policy_json(const confai_evidence_source *source, char **json,
                                   size_t *json_len, const uint8_t *manifest,
                                   size_t manifest_len, int64_t max_age, confai_error *err);

/* Releases the source (and NVML). NULL: no-op. */
CONFAI_API void confai_evidence_source_free(confai_evidence_source *source);

/* The CPU platform: "sev-snp" or "tdx"; static storage; NULL for NULL. */
CONFAI_API const char *confai_evidence_source_platform(const confai_evidence_source *source);

/* How many GPUs each bundle carries evidence of. 0 for NULL. */
CONFAI_API size_t confai_evidence_source_gpu_count(const confai_evidence_source *source);

/*
 * Takes fresh evidence for the builder's transcript: a CPU report or quote
 * whose report data is confai_binding_report_data() of it, its endorsements,
 * and each GPU's evidence for confai_binding_gpu_nonce(); and sets them in
 * the builder. On failure the builder may hold part of the evidence: free
 * it, nothing of it is to be published.
 * Errors: the 8xx statuses of the platform (CONFAI_E_TSM_*, CONFAI_E_SEV_GUEST,
 * CONFAI_E_ENDORSEMENT_*, CONFAI_E_COLLATERAL_EXPIRED, CONFAI_E_GPU_*),
 * CONFAI_E_TIMEOUT, CONFAI_E_STATE (the builder has CPU evidence already),
 * the parse statuses of the evidence, CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_evidence_source_collect(confai_evidence_source *source, confai_bundle_builder *builder,
                               confai_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_SERVER_H */
