/*
 * Options of confai_attestation_verify and the caller-held cache of verified
 * endorsements (one per platform inside), plus the size constants as
 * functions.
 */
#include <string.h>
#include <time.h>

#include "attest/attestation.h"
#include "core/error.h"
#include "core/memory.h"

/* 9999-12-31T23:59:59Z: the last instant a verdict can print. */
#define LAST_TIME INT64_C(253402300799)

struct confai_verify_cache {
    snp_chain_cache *snp;
    tdx_cache *tdx;
    nvgpu_chain_cache *gpu;
};

confai_status confai_verify_cache_new(confai_verify_cache **cache, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_verify_cache *c = NULL;

    confai_err_clear(err);
    ENSURE_ARG(cache != NULL, "cache");
    *cache = NULL;
    c = confai_zalloc(sizeof(*c));
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "cache: out of memory");
    GUARD(snp_chain_cache_new(&c->snp, err));
    GUARD(tdx_cache_new(&c->tdx, err));
    GUARD(nvgpu_chain_cache_new(&c->gpu, err));
    *cache = c;
    c = NULL;
out:
    confai_verify_cache_free(c);
    return status;
}

void confai_verify_cache_free(confai_verify_cache *cache)
{
    if (cache == NULL)
        return;
    snp_chain_cache_free(cache->snp);
    tdx_cache_free(cache->tdx);
    nvgpu_chain_cache_free(cache->gpu);
    confai_free_secret(cache, sizeof(*cache));
}

uint32_t confai_verify_options_version(void)
{
    return CONFAI_VERIFY_OPTIONS_VERSION;
}

confai_status confai_verify_options_init(confai_verify_options *options, uint32_t version,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(options != NULL, "options");
    ENSURE(version == CONFAI_VERIFY_OPTIONS_VERSION, CONFAI_E_ARGUMENT,
           "invalid argument: options version %u (this library knows %u)", version,
           CONFAI_VERIFY_OPTIONS_VERSION);
    memset(options, 0, sizeof(*options));
    options->version = version;
out:
    return status;
}

confai_status attestation_resolve_options(attestation_options *out,
                                          const confai_verify_options *options,
                                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const uint64_t zero[8];

    memset(out, 0, sizeof(*out));
    out->strict = 1;
    if (options != NULL) {
        ENSURE(options->version == CONFAI_VERIFY_OPTIONS_VERSION, CONFAI_E_ARGUMENT,
               "invalid argument: options version %u (this library knows %u)",
               options->version, CONFAI_VERIFY_OPTIONS_VERSION);
        ENSURE((options->flags & ~CONFAI_VERIFY_LENIENT_BUNDLE) == 0, CONFAI_E_ARGUMENT,
               "invalid argument: unknown option flags 0x%x", options->flags);
        ENSURE(memcmp(options->reserved, zero, sizeof(zero)) == 0, CONFAI_E_ARGUMENT,
               "invalid argument: options reserved fields must be zero");
        ENSURE(options->verify_time >= 0 && options->verify_time <= LAST_TIME,
               CONFAI_E_ARGUMENT, "invalid argument: verify_time out of range");
        out->strict = (options->flags & CONFAI_VERIFY_LENIENT_BUNDLE) == 0;
        out->verify_time = options->verify_time;
        if (options->cache != NULL) {
            out->cache = options->cache->snp;
            out->tdx_cache = options->cache->tdx;
            out->gpu_cache = options->cache->gpu;
        }
    }
    if (out->verify_time == 0) {
        time_t now = time(NULL);
        ENSURE(now > 0 && (int64_t)now <= LAST_TIME, CONFAI_E_INTERNAL,
               "the system clock is unusable");
        out->verify_time = (int64_t)now;
    }
out:
    return status;
}

size_t confai_attestation_nonce_size(void)
{
    return CONFAI_ATTESTATION_NONCE_SIZE;
}

size_t confai_attestation_max_bundle_size(void)
{
    return CONFAI_ATTESTATION_MAX_BUNDLE_SIZE;
}
