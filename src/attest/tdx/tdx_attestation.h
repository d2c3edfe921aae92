/*
 * Intel TDX in the public verification path (tdx_attestation.c): the
 * platform's operations table tdx_platform (platform.h) for bundles whose
 * cpu is {"type": "tdx", ...}, and the checks of a policy's "tdx" section
 * (doc/policy.md).
 */
#ifndef CONFAI_ATTEST_ATTESTATION_TDX_H
#define CONFAI_ATTEST_ATTESTATION_TDX_H

#include <stdint.h>

#include <confai/confai.h>

#include "attest/attestation.h"
#include "attest/bundle.h"
#include "attest/tdx/tdx.h"
#include "attest/verdict.h"

/*
 * Every check of the policy's tdx section against a verified quote, in the
 * order of doc/policy.md, each recorded as passed or waived; the status of
 * the first that fails: CONFAI_E_COLLATERAL (TCB info or QE identity
 * missing, so the TCB status is unknown), CONFAI_E_POLICY_TCB (TCB status,
 * TEE_TCB_SVN), CONFAI_E_POLICY_COLLATERAL (evaluation data number,
 * collateral age, CRLs), CONFAI_E_POLICY_MEASUREMENT (MRTD, RTMRs, MRSEAM),
 * CONFAI_E_POLICY_DEBUG, CONFAI_E_POLICY_GUEST (TD attributes, XFAM),
 * CONFAI_E_POLICY_IDENTITY (MRCONFIGID, MROWNER, MROWNERCONFIG),
 * CONFAI_E_POLICY_PLATFORM (no tdx section).
 */
confai_status policy_check_tdx(const confai_policy *policy, const tdx_verified *verified,
                               int64_t verify_time, verdict_checks *checks, confai_error *err);

/* The subject of the tdx section's custom root with this SPKI digest, or NULL. */
const char *policy_tdx_root_subject(const confai_policy *policy, const uint8_t spki_sha256[32]);

#endif /* CONFAI_ATTEST_ATTESTATION_TDX_H */
