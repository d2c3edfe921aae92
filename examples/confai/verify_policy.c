/*
 * Raw TDX and GPU evidence against a policy's tdx and gpus sections, with
 * the library's own checks (policy_check_tdx, attestation_gpu_policy_check)
 * and the trust anchors the policy built when it was parsed. Only the GPU
 * count is checked here: raw evidence is one GPU.
 */
#include <stdio.h>
#include <string.h>

#include "attest/gpu/gpu_attestation.h"
#include "attest/tdx/tdx_attestation.h"

#include "verify_policy.h"

confai_status cli_check_tdx_policy(const confai_policy *policy, const tdx_verified *v,
                                   int64_t at, verdict_checks *checks, confai_error *err)
{
    return policy_check_tdx(policy, v, at, checks, err);
}

confai_status cli_check_gpu_count(const confai_policy *policy, size_t gpu_count,
                                  verdict_checks *checks, confai_error *err)
{
    const char *why = NULL;
    if (!policy->has_gpus)
        why = "policy: no gpus section, so no GPU evidence is accepted";
    else if (gpu_count < policy->gpus.min_count || gpu_count > policy->gpus.max_count)
        why = "policy: the number of GPUs is outside gpus.min_count..max_count";
    if (why != NULL) {
        if (err != NULL) {
            err->status = CONFAI_E_POLICY_GPU_COUNT;
            snprintf(err->message, sizeof(err->message), "%s", why);
        }
        return CONFAI_E_POLICY_GPU_COUNT;
    }
    verdict_note(checks, "policy.gpus.count", 0);
    return CONFAI_OK;
}

confai_status cli_check_gpu_policy(const confai_policy *policy, const nvgpu_verified *v,
                                   verdict_gpu *out, verdict_checks *checks, confai_error *err)
{
    confai_status st = attestation_gpu_policy_check(&policy->gpus, v, out, err);
    if (st != CONFAI_OK)
        return st;
    verdict_note(checks, "policy.gpus.measurements", policy->gpus.measurements_any);
    verdict_note(checks, "policy.gpus.driver_version", policy->gpus.driver_versions.any);
    verdict_note(checks, "policy.gpus.vbios_version", policy->gpus.vbios_versions.any);
    return CONFAI_OK;
}
