/*
 * confai_attestation_verify: from the bytes of an evidence bundle to a
 * verdict, or to the status of the first check that fails. The order
 * follows doc/protocol.md ("Verification"): cheap checks that need no
 * cryptography come first, the platform verifier next, then the binding
 * that ties the report to this bundle, then the policy, and only then the
 * key the client will seal to. Nothing is returned unless everything passed.
 */
#include <string.h>

#include <openssl/evp.h>

#include "attest/attestation.h"
#include "attest/gpu/gpu_attestation.h"
#include "attest/tdx/tdx_attestation.h"
#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/policy/policy.h"
#include "attest/snp/snp.h"
#include "attest/verdict.h"
#include "core/error.h"
#include "core/memory.h"

/* Our nonce, then a lease that has not run out. */
static confai_status check_fresh(const bundle *b, const uint8_t nonce[32], int64_t now,
                                 verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(confai_equal_ct(b->nonce, nonce, BUNDLE_NONCE_SIZE), CONFAI_E_NONCE_MISMATCH,
           "attestation: the bundle answers another nonce");
    verdict_note(checks, "nonce", 0);
    ENSURE(b->not_after_time > now, CONFAI_E_EVIDENCE_EXPIRED,
           "attestation: the bundle expired at %s", b->not_after);
    verdict_note(checks, "not_after", 0);
out:
    return status;
}

static confai_status verify_snp(snp_verified *v, const confai_policy *policy,
                                const attestation_options *opt, const bundle *b,
                                verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const uint8_t *certs[BUNDLE_MAX_SNP_CERTS];
    size_t lens[BUNDLE_MAX_SNP_CERTS];

    for (size_t i = 0; i < b->cpu.cert_count; i++) {
        certs[i] = b->cpu.certs[i].data;
        lens[i] = b->cpu.certs[i].len;
    }
    GUARD(snp_verify(v, policy->snp_trust, opt->cache, b->cpu.report.data, b->cpu.report.len,
                     certs, lens, b->cpu.cert_count, opt->verify_time, err));
    verdict_note(checks, "sev_snp.certificate_chain", 0);
    verdict_note(checks, "sev_snp.endorsement", 0);
    verdict_note(checks, "sev_snp.signature", 0);
out:
    return status;
}

static confai_status check_binding(const snp_verified *v, const bundle *b,
                                   verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    binding_inputs in = attestation_binding_inputs(b);
    GUARD(binding_check_report_data(v->report.report_data, &in, err));
    verdict_note(checks, "binding.report_data", 0);
out:
    return status;
}

binding_inputs attestation_binding_inputs(const bundle *b)
{
    binding_inputs in = {
        b->nonce,         BUNDLE_NONCE_SIZE, b->key_config.data, b->key_config.len,
        b->manifest.data, b->manifest.len,   b->not_after,       RFC3339_LEN,
    };
    return in;
}

verdict_common_input attestation_verdict_common(const bundle *b, const confai_policy *policy,
                                                const attestation_options *opt,
                                                const uint8_t manifest_digest[32],
                                                const verdict_checks *checks)
{
    verdict_common_input in = {
        .key_config = b->key_config.data,
        .key_config_len = b->key_config.len,
        .manifest_digest = manifest_digest,
        .nonce = b->nonce,
        .not_after_text = b->not_after,
        .not_after = b->not_after_time,
        .verified_at = opt->verify_time,
        .max_age = policy->max_age,
        .checks = checks,
    };
    return in;
}

confai_status attestation_manifest_digest(uint8_t digest[32], const bundle *b,
                                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned int len = 0;
    OSSL_ENSURE(EVP_Digest(b->manifest.len ? b->manifest.data : (const uint8_t *)"",
                           b->manifest.len, digest, &len, EVP_sha256(), NULL) == 1,
                CONFAI_E_INTERNAL, "attestation: SHA-256 of the manifest failed");
out:
    return status;
}

/* Everything after the bundle parsed: the checks in order, then the verdict. */
static confai_status verify_bundle(confai_verdict **verdict, const confai_policy *policy,
                                   const attestation_options *opt, const uint8_t nonce[32],
                                   const bundle *b, verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_verified v;
    uint8_t digest[32];
    confai_key_config *config = NULL;
    verdict_gpus *gpus = NULL;

    memset(&v, 0, sizeof(v));
    GUARD(check_fresh(b, nonce, opt->verify_time, checks, err));
    if (b->cpu.type == BUNDLE_CPU_TDX) { /* tdx_attestation.c, the same steps for TDX */
        GUARD(attestation_verify_tdx(verdict, policy, opt, b, checks, err));
        goto out;
    }
    GUARD(policy_check_platform(policy, POLICY_PLATFORM_SEV_SNP, checks, err));
    GUARD(verify_snp(&v, policy, opt, b, checks, err));
    GUARD(check_binding(&v, b, checks, err));
    GUARD(policy_check_snp(policy, &v, checks, err));
    GUARD(attestation_verify_gpus(&gpus, policy, b, opt, checks, err));
    GUARD(attestation_manifest_digest(digest, b, err));
    GUARD(policy_check_manifest(policy, digest, checks, err));
    GUARD(confai_key_config_parse(&config, b->key_config.data, b->key_config.len, err));
    verdict_note(checks, "key_config", 0);

    verdict_snp_input in = {
        .snp = &v,
        .root_subject = policy_snp_root_subject(policy, v.root_spki_sha256),
        .common = attestation_verdict_common(b, policy, opt, digest, checks),
    };
    GUARD(verdict_new_snp(verdict, &config, &in, err));
    verdict_attach_gpus(*verdict, &gpus);
out:
    verdict_gpus_free(gpus);
    confai_key_config_free(config);
    confai_wipe(&v, sizeof(v));
    return status;
}

confai_status confai_attestation_verify(confai_verdict **verdict, const confai_policy *policy,
                                        const confai_verify_options *options,
                                        const uint8_t nonce[32], const char *bundle_json,
                                        size_t bundle_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    attestation_options opt;
    verdict_checks checks;
    bundle b;

    memset(&b, 0, sizeof(b));
    memset(&checks, 0, sizeof(checks));
    confai_err_clear(err);
    ENSURE_ARG(verdict != NULL, "verdict");
    *verdict = NULL;
    ENSURE_ARG(policy != NULL, "policy");
    ENSURE_ARG(nonce != NULL, "nonce");
    ENSURE_ARG(bundle_json != NULL, "bundle");
    GUARD(attestation_resolve_options(&opt, options, err));

    GUARD(bundle_parse(&b, bundle_json, bundle_len, opt.strict, err));
    verdict_note(&checks, "bundle", 0);
    GUARD(verify_bundle(verdict, policy, &opt, nonce, &b, &checks, err));
out:
    bundle_clear(&b);
    return status;
}
