/*
 * The public verification entry point's internal parts: resolved options
 * (verify_options.c) and what attestation.c shares with the platforms
 * (platform.h), GPUs and tokens that it calls.
 */
#ifndef CONFAI_ATTEST_ATTESTATION_H
#define CONFAI_ATTEST_ATTESTATION_H

#include <stdint.h>

#include <confai/confai.h>

#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/gpu/nvgpu.h"
#include "attest/snp/snp.h"
#include "attest/tdx/tdx.h"
#include "attest/verdict.h"

/* confai_verify_options after defaults and checks. */
typedef struct attestation_options {
    int strict;               /* unknown bundle members rejected */
    int64_t verify_time;      /* never 0: "now" is resolved */
    snp_chain_cache *cache;   /* SEV-SNP chains; may be NULL */
    tdx_cache *tdx_cache;     /* TDX endorsements; may be NULL */
    nvgpu_chain_cache *gpu_cache; /* GPU device chains; may be NULL */
} attestation_options;

/*
 * Checks options (NULL means defaults) and resolves "now". Errors:
 * CONFAI_E_ARGUMENT (unknown version or flags, reserved fields not zero,
 * time out of range), CONFAI_E_INTERNAL (no usable clock).
 */
confai_status attestation_resolve_options(attestation_options *out,
                                          const confai_verify_options *options,
                                          confai_error *err);

/* The binding transcript's inputs as the bundle carries them (borrowed). */
binding_inputs attestation_binding_inputs(const bundle *b);

/*
 * What every platform's verdict takes from the bundle, the policy and the
 * options (borrowed; manifest_digest and checks must outlive it).
 */
verdict_common_input attestation_verdict_common(const bundle *b, const confai_policy *policy,
                                                const attestation_options *opt,
                                                const uint8_t manifest_digest[32],
                                                const verdict_checks *checks);

/* SHA-256 of the bundle's manifest (of nothing when it has none). */
confai_status attestation_manifest_digest(uint8_t digest[32], const bundle *b,
                                          confai_error *err);

/*
 * Puts "what: " before the message a failed call left in err ("gpus[1]:
 * ..."), keeping its status; returns status.
 */
confai_status attestation_prefixed(confai_status status, confai_error *err, const char *what);

#endif /* CONFAI_ATTEST_ATTESTATION_H */
