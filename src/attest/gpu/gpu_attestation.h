/*
 * GPU evidence in the public verification path (gpu_attestation.c), and
 * what it adds to a verdict (gpu_verdict.c): attestation.c calls
 * attestation_verify_gpus after the CPU report and its binding verified,
 * and attaches the result to the verdict it makes. Tokens are
 * token/token_attestation.h.
 */
#ifndef CONFAI_ATTEST_ATTESTATION_GPU_H
#define CONFAI_ATTEST_ATTESTATION_GPU_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "attest/attestation.h"
#include "attest/bundle.h"
#include "attest/gpu/nvgpu.h"

struct verdict_checks;

/* One verified GPU, as the verdict reports it. */
typedef struct verdict_gpu {
    char driver_version[64];
    char vbios_version[16];
    char chip_sku[32];
    char project[32];
    char project_sku[32];
    size_t block_count;                      /* measurement blocks in the evidence */
    size_t matched_count;                    /* indices the policy pinned, all matched */
    uint8_t matched[SPDM_MAX_BLOCKS];        /* those indices (RIM numbering) */
    nvgpu_root_kind root_kind;
    uint8_t root_spki_sha256[32];
    char root_subject[96];
    char leaf_subject[160];
    nvgpu_identity identity;                 /* the device leaf's key digest and device ID */
} verdict_gpu;

typedef struct verdict_gpus {
    size_t gpu_count;
    verdict_gpu gpus[BUNDLE_MAX_GPUS];
} verdict_gpus;

/*
 * Verifies the bundle's "gpus" against the policy; b's CPU report must
 * already have verified and matched its binding. *out is NULL when the
 * bundle has no GPU (nothing to report), else the verdict's part. In
 * order, each with its own status:
 *   GPU count within the gpus section (none without one)
 *                                       CONFAI_E_POLICY_GPU_COUNT
 *   each GPU: nvgpu_verify with nonce SHA-256(T) (chain, root, signature,
 *     binding: CONFAI_E_CERT_*, _UNKNOWN_ROOT, _BAD_SIGNATURE, _BINDING,
 *     parse statuses); not a GPU listed before it (the same device leaf key
 *     or device ID)                       CONFAI_E_GPU_DUPLICATE
 *     measurements                       CONFAI_E_POLICY_MEASUREMENT
 *     driver and VBIOS versions          CONFAI_E_POLICY_GPU_VERSION
 * Messages name the GPU ("gpus[1]: ...").
 */
confai_status attestation_verify_gpus(verdict_gpus **out, const confai_policy *policy,
                                      const bundle *b, const attestation_options *opt,
                                      struct verdict_checks *checks, confai_error *err);

/*
 * The gpus section's checks of one verified GPU (measurements, driver and
 * VBIOS versions), recording the matched indices into out. Errors:
 * CONFAI_E_POLICY_MEASUREMENT naming the index, CONFAI_E_POLICY_GPU_VERSION.
 */
struct policy_gpus;
confai_status attestation_gpu_policy_check(const struct policy_gpus *g, const nvgpu_verified *v,
                                           verdict_gpu *out, confai_error *err);

/*
 * One GPU counts once: CONFAI_E_GPU_DUPLICATE when seen[i] is the same GPU
 * as one of seen[0..i-1] (nvgpu_identity_same), naming both ("gpus[1]: the
 * same GPU as gpus[0] ..."). The bundle path and confai_evidence_verify_gpus
 * share it, so both count GPUs alike.
 */
confai_status attestation_gpu_check_distinct(const nvgpu_identity *seen, size_t i,
                                             confai_error *err);

/* Adds "identity" (leaf_spki_sha256, device_id or null) to a GPU's JSON object; 0 when out of memory. */
int gpu_json_add_identity(cJSON *gpu, const nvgpu_identity *id);

void verdict_gpus_free(verdict_gpus *g);

/* Hands g to the verdict (set to NULL): the verdict owns and frees it. */
void verdict_attach_gpus(confai_verdict *verdict, verdict_gpus **g);

/* Adds "gpus" to a verdict's JSON (empty for NULL); 0 when out of memory. */
int verdict_json_add_gpus(cJSON *root, const verdict_gpus *g);

#endif /* CONFAI_ATTEST_ATTESTATION_GPU_H */
