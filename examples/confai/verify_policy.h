/*
 * Raw TDX and GPU evidence against a policy's tdx and gpus sections
 * (verify_policy.c), through the library's checks.
 */
#ifndef CONFAI_CLI_VERIFY_POLICY_H
#define CONFAI_CLI_VERIFY_POLICY_H

#include "attest/gpu/gpu_attestation.h"
#include "attest/gpu/nvgpu.h"
#include "attest/policy/policy.h"
#include "attest/tdx/tdx.h"
#include "attest/verdict.h"

/* Every check of the tdx section at time at; the first failure's status. */
confai_status cli_check_tdx_policy(const confai_policy *policy, const tdx_verified *v,
                                   int64_t at, verdict_checks *checks, confai_error *err);

/* A gpus section exists and gpu_count is within its min_count..max_count. */
confai_status cli_check_gpu_count(const confai_policy *policy, size_t gpu_count,
                                  verdict_checks *checks, confai_error *err);

/* Measurements, driver and VBIOS versions of one verified GPU. */
confai_status cli_check_gpu_policy(const confai_policy *policy, const nvgpu_verified *v,
                                   verdict_gpu *out, verdict_checks *checks, confai_error *err);

#endif /* CONFAI_CLI_VERIFY_POLICY_H */
