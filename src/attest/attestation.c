/*
 * confai_attestation_verify: from the bytes of an evidence bundle to a
 * verdict, or to the status of the first check that fails. The order
 * follows doc/protocol.md ("Verification"): cheap checks that need no
 * cryptography come first, the platform verifier next, then the binding
 * that ties the report to this bundle, then the policy, and only then the
 * key the client will seal to. Nothing is returned unless everything passed.
 *
 * The sequence is written once here; what differs between CPU platforms
 * comes from the bundle's platform's operations table (platform.h), GPUs
 * from gpu/gpu_attestation.c, tokens from token/token_attestation.c.
 */
#include <string.h>

#include <openssl/evp.h>

#include "attest/attestation.h"
#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/gpu/gpu_attestation.h"
#include "attest/platform.h"
#include "attest/policy/policy.h"
#include "attest/token/token_attestation.h"
#include "attest/verdict.h"
#include "core/error.h"
#include "core/memory.h"

/* The CPU platforms, one entry each. */
static const attest_platform_ops *const platforms[] = {
    &snp_platform,
    &tdx_platform,
};

const attest_platform_ops *attest_platform_of(bundle_cpu_type type)
{
    for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
        if (platforms[i]->cpu_type == type)
            return platforms[i];
    return NULL;
}

/* Our nonce, then a lease that has not run out. */
static confai_status check_fresh(const bundle *b, const uint8_t nonce[32], int64_t now,
                                 verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(confai_equal_ct(b->nonce, nonce, BUNDLE_NONCE_SIZE), CONFAI_E_NONCE_MISMATCH,
           "attestation: the bundle answers another nonce");
    verdict_note(checks, CHECK_NONCE, 0);
    ENSURE(b->not_after_time > now, CONFAI_E_EVIDENCE_EXPIRED,
           "attestation: the bundle expired at %s", b->not_after);
    verdict_note(checks, CHECK_NOT_AFTER, 0);
out:
    return status;
}

/* The platform's report data is SHA-512 of the binding transcript. */
static confai_status check_binding(const uint8_t report_data[64], const bundle *b,
                                   verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    binding_inputs in = attestation_binding_inputs(b);
    GUARD(binding_check_report_data(report_data, &in, err));
    verdict_note(checks, CHECK_BINDING_REPORT_DATA, 0);
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

confai_status attestation_prefixed(confai_status status, confai_error *err, const char *what)
{
    size_t cap = err != NULL ? sizeof(err->message) : 0, head = strlen(what) + 2;
    if (status == CONFAI_OK || err == NULL || head >= cap)
        return status;
    size_t len = strnlen(err->message, cap - 1);
    if (len > cap - 1 - head)
        len = cap - 1 - head; /* the end of a long message gives way */
    memmove(err->message + head, err->message, len);
    memcpy(err->message, what, head - 2);
    memcpy(err->message + head - 2, ": ", 2);
    err->message[head + len] = '\0';
    return status;
}

/* Everything after the bundle parsed: the checks in order, then the verdict. */
static confai_status verify_bundle(confai_verdict **verdict, const confai_policy *policy,
                                   const attestation_options *opt, const uint8_t nonce[32],
                                   const bundle *b, verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const attest_platform_ops *platform = attest_platform_of(b->cpu.type);
    void *state = NULL;
    uint8_t digest[32];
    confai_key_config *config = NULL;
    verdict_gpus *gpus = NULL;
    verdict_tokens *tokens = NULL;

    GUARD(check_fresh(b, nonce, opt->verify_time, checks, err));
    ENSURE(platform != NULL, CONFAI_E_INTERNAL, "attestation: no verifier for cpu.type %d",
           (int)b->cpu.type);
    GUARD(policy_check_platform(policy, platform->policy_platform, checks, err));
    state = confai_zalloc(platform->state_size);
    ENSURE(state != NULL, CONFAI_E_NO_MEMORY, "attestation: out of memory");
    GUARD(platform->verify(state, policy, opt, b, checks, err));
    GUARD(check_binding(platform->report_data(state), b, checks, err));
    GUARD(platform->policy_check(policy, state, opt->verify_time, checks, err));
    /* GPUs and tokens are bound to the same transcript as the CPU report,
       and the policy's gpus and tokens sections hold whatever the CPU is. */
    GUARD(attestation_verify_gpus(&gpus, policy, b, opt, checks, err));
    GUARD(attestation_verify_tokens(&tokens, policy, b, opt, checks, err));
    GUARD(attestation_manifest_digest(digest, b, err));
    GUARD(policy_check_manifest(policy, digest, checks, err));
    GUARD(confai_key_config_parse(&config, b->key_config.data, b->key_config.len, err));
    verdict_note(checks, CHECK_KEY_CONFIG, 0);

    verdict_input in = {
        .platform = platform,
        .evidence = state,
        .root_subject = platform->root_subject(policy, state),
        .common = attestation_verdict_common(b, policy, opt, digest, checks),
    };
    GUARD(verdict_new(verdict, &config, &in, err));
    verdict_attach_gpus(*verdict, &gpus);
    verdict_attach_tokens(*verdict, &tokens);
out:
    verdict_tokens_free(tokens);
    verdict_gpus_free(gpus);
    confai_key_config_free(config);
    confai_free_secret(state, state != NULL ? platform->state_size : 0);
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
    verdict_note(&checks, CHECK_BUNDLE, 0);
    GUARD(verify_bundle(verdict, policy, &opt, nonce, &b, &checks, err));
out:
    bundle_clear(&b);
    return status;
}
