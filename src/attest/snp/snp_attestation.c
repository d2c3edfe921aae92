/*
 * AMD SEV-SNP in confai_attestation_verify (doc/protocol.md,
 * "Verification"; doc/policy.md, "sev_snp"): the platform's operations
 * table. The report and its certificates verify (snp_verify) at the
 * verification time against AMD's pins and the policy's roots and CRLs;
 * the report data is the binding's; the sev_snp section's checks are
 * policy_check_snp (policy/policy_check.c); the verdict's part is
 * snp_verdict.c.
 */
#include <string.h>

#include "attest/platform.h"
#include "attest/policy/policy.h"
#include "attest/snp/snp.h"
#include "attest/snp/snp_verdict.h"
#include "core/error.h"

static confai_status verify(void *state, const confai_policy *policy,
                            const attestation_options *opt, const bundle *b,
                            verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_verified *v = state;
    const uint8_t *certs[BUNDLE_MAX_SNP_CERTS];
    size_t lens[BUNDLE_MAX_SNP_CERTS];

    for (size_t i = 0; i < b->cpu.cert_count; i++) {
        certs[i] = b->cpu.certs[i].data;
        lens[i] = b->cpu.certs[i].len;
    }
    GUARD(snp_verify(v, policy->snp_trust, opt->cache, b->cpu.report.data, b->cpu.report.len,
                     certs, lens, b->cpu.cert_count, opt->verify_time, err));
    verdict_note(checks, CHECK_SNP_CERTIFICATE_CHAIN, 0);
    verdict_note(checks, CHECK_SNP_ENDORSEMENT, 0);
    verdict_note(checks, CHECK_SNP_SIGNATURE, 0);
out:
    return status;
}

static const uint8_t *report_data(const void *state)
{
    const snp_verified *v = state;
    return v->report.report_data;
}

static confai_status policy_check(const confai_policy *policy, const void *state,
                                  int64_t verify_time, verdict_checks *checks, confai_error *err)
{
    (void)verify_time; /* the chain's times were checked by snp_verify */
    return policy_check_snp(policy, state, checks, err);
}

static const char *root_subject(const confai_policy *policy, const void *state)
{
    const snp_verified *v = state;
    return policy_snp_root_subject(policy, v->root_spki_sha256);
}

const attest_platform_ops snp_platform = {
    .name = "sev-snp",
    .cpu_type = BUNDLE_CPU_SEV_SNP,
    .policy_platform = POLICY_PLATFORM_SEV_SNP,
    .state_size = sizeof(snp_verified),
    .names_product = 1,
    .verify = verify,
    .report_data = report_data,
    .policy_check = policy_check,
    .root_subject = root_subject,
    .verdict_fill = snp_verdict_fill,
    .measurement = snp_verdict_measurement,
    .tcb = snp_verdict_tcb,
    .tcb_component = snp_verdict_tcb_component,
    .json_add = snp_verdict_json_add,
};
