/*
 * GPUs in confai_attestation_verify (doc/protocol.md, "Verification";
 * doc/policy.md, "gpus"). Each GPU's SPDM request nonce must be SHA-256 of
 * the same binding transcript the CPU report commits to, so its evidence
 * cannot be replayed next to another CPU report or another key. Tokens,
 * bound the same way, are token/token_attestation.c.
 */
#include "attest/gpu/gpu_attestation.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "attest/binding.h"
#include "attest/policy/policy.h"
#include "attest/verdict.h"
#include "core/error.h"
#include "core/memory.h"

static int names_contain(const policy_names *names, const char *value)
{
    if (names->any)
        return 1;
    for (size_t i = 0; i < names->count; i++)
        if (strcmp(names->items[i], value) == 0)
            return 1;
    return 0;
}

static confai_status check_count(const confai_policy *policy, const bundle *b,
                                 verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const policy_gpus *g = &policy->gpus;

    if (!policy->has_gpus) {
        ENSURE(b->gpu_count == 0, CONFAI_E_POLICY_GPU_COUNT,
               "policy: the bundle carries %zu GPU(s) and the policy has no gpus section",
               b->gpu_count);
        goto out;
    }
    ENSURE(b->gpu_count >= g->min_count && b->gpu_count <= g->max_count,
           CONFAI_E_POLICY_GPU_COUNT, "policy: %zu GPU(s), gpus accepts %u to %u", b->gpu_count,
           g->min_count, g->max_count);
    verdict_note(checks, CHECK_POLICY_GPU_COUNT, 0);
out:
    return status;
}

confai_status attestation_gpu_policy_check(const policy_gpus *g, const nvgpu_verified *v, verdict_gpu *out,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    const spdm_evidence *ev = &v->evidence;

    if (!g->measurements_any) {
        GUARD(nvgpu_measurements_check(ev, g->measurements, g->measurement_count, err));
        for (size_t i = 0; i < g->measurement_count; i++)
            out->matched[out->matched_count++] = (uint8_t)g->measurements[i].index;
    }
    ENSURE(names_contain(&g->driver_versions, ev->driver_version), CONFAI_E_POLICY_GPU_VERSION,
           "policy: driver version \"%s\" is not in gpus.driver_versions", ev->driver_version);
    ENSURE(names_contain(&g->vbios_versions, ev->vbios_version), CONFAI_E_POLICY_GPU_VERSION,
           "policy: VBIOS version \"%s\" is not in gpus.vbios_versions", ev->vbios_version);
out:
    return status;
}

static void describe_gpu(verdict_gpu *out, const nvgpu_verified *v)
{
    const spdm_evidence *ev = &v->evidence;
    memcpy(out->driver_version, ev->driver_version, sizeof(out->driver_version));
    memcpy(out->vbios_version, ev->vbios_version, sizeof(out->vbios_version));
    memcpy(out->chip_sku, ev->chip_sku, sizeof(out->chip_sku));
    memcpy(out->project, ev->project, sizeof(out->project));
    memcpy(out->project_sku, ev->project_sku, sizeof(out->project_sku));
    out->block_count = ev->block_count;
    out->root_kind = v->root_kind;
    memcpy(out->root_spki_sha256, v->root_spki_sha256, 32);
    memcpy(out->root_subject, v->root_subject, sizeof(out->root_subject));
    memcpy(out->leaf_subject, v->leaf_subject, sizeof(out->leaf_subject));
    out->identity = v->identity;
}

/*
 * One GPU counts once: gpus[i] must not be a GPU listed before it, by its
 * verified leaf key or device ID (nvgpu_identity), or two copies of one
 * GPU's evidence would meet a min_count of 2.
 */
confai_status attestation_gpu_check_distinct(const nvgpu_identity *seen, size_t i, confai_error *err)
{
    confai_status status = CONFAI_OK;
    for (size_t j = 0; j < i; j++) {
        if (!nvgpu_identity_same(&seen[j], &seen[i]))
            continue;
        if (CRYPTO_memcmp(seen[j].leaf_spki_sha256, seen[i].leaf_spki_sha256, 32) == 0)
            BAIL(CONFAI_E_GPU_DUPLICATE, "gpus[%zu]: the same GPU as gpus[%zu] (the same device "
                 "leaf key)", i, j);
        BAIL(CONFAI_E_GPU_DUPLICATE, "gpus[%zu]: the same GPU as gpus[%zu] (device ID %s)", i, j,
             seen[i].device_id);
    }
out:
    return status;
}

static confai_status verify_gpus(verdict_gpus *out, const confai_policy *policy, const bundle *b,
                                 const uint8_t nonce[32], const attestation_options *opt,
                                 verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    nvgpu_verified *v = confai_zalloc(sizeof(*v));
    const policy_gpus *g = &policy->gpus;
    nvgpu_identity seen[BUNDLE_MAX_GPUS];
    char what[32];

    ENSURE(v != NULL, CONFAI_E_NO_MEMORY, "attestation: out of memory");
    for (size_t i = 0; i < b->gpu_count; i++) {
        const bundle_gpu *gpu = &b->gpus[i];
        const uint8_t *certs[BUNDLE_MAX_GPU_CERTS];
        size_t lens[BUNDLE_MAX_GPU_CERTS];
        for (size_t j = 0; j < gpu->cert_count; j++) {
            certs[j] = gpu->certs[j].data;
            lens[j] = gpu->certs[j].len;
        }
        snprintf(what, sizeof(what), "gpus[%zu]", i);
        GUARD(attestation_prefixed(nvgpu_verify_cached(v, g->trust, opt->gpu_cache,
                                                       gpu->evidence.data, gpu->evidence.len,
                                                       certs, lens, gpu->cert_count, nonce,
                                                       opt->verify_time, err),
                                   err, what));
        seen[i] = v->identity;
        GUARD(attestation_gpu_check_distinct(seen, i, err));
        describe_gpu(&out->gpus[i], v);
        out->gpu_count = i + 1;
        GUARD(attestation_prefixed(attestation_gpu_policy_check(g, v, &out->gpus[i], err), err,
                                   what));
    }
    if (b->gpu_count > 0) {
        verdict_note(checks, CHECK_GPU_CERTIFICATE_CHAIN, 0);
        verdict_note(checks, CHECK_GPU_SIGNATURE, 0);
        verdict_note(checks, CHECK_GPU_BINDING, 0);
        verdict_note(checks, CHECK_GPU_DISTINCT, 0);
        /* Pinned measurements are what tells "on" from devtools mode. */
        verdict_note(checks, CHECK_POLICY_GPU_CC_MODE, g->allow_devtools);
        verdict_note(checks, CHECK_POLICY_GPU_MEASUREMENTS, g->measurements_any);
        verdict_note(checks, CHECK_POLICY_GPU_DRIVER, g->driver_versions.any);
        verdict_note(checks, CHECK_POLICY_GPU_VBIOS, g->vbios_versions.any);
    }
out:
    if (v != NULL)
        confai_free_secret(v, sizeof(*v));
    return status;
}

confai_status attestation_verify_gpus(verdict_gpus **out, const confai_policy *policy,
                                      const bundle *b, const attestation_options *opt,
                                      verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    verdict_gpus *g = NULL;
    uint8_t nonce[BINDING_GPU_NONCE_SIZE];
    binding_inputs in = attestation_binding_inputs(b);

    *out = NULL;
    GUARD(check_count(policy, b, checks, err));
    if (b->gpu_count == 0)
        goto out;
    g = confai_zalloc(sizeof(*g));
    ENSURE(g != NULL, CONFAI_E_NO_MEMORY, "attestation: out of memory");
    GUARD(binding_gpu_nonce(nonce, &in, err));
    GUARD(verify_gpus(g, policy, b, nonce, opt, checks, err));
    *out = g;
    g = NULL;
out:
    verdict_gpus_free(g);
    return status;
}
