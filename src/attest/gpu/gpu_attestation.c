/*
 * GPUs and tokens in confai_attestation_verify (doc/protocol.md,
 * "Verification"; doc/policy.md, "gpus" and "tokens"). Each GPU's SPDM
 * request nonce and each token's eat_nonce must be SHA-256 of the same
 * binding transcript the CPU report commits to, so neither can be replayed
 * next to another CPU report or another key.
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

/* Puts "what: " before the message a failed call left, keeping its status. */
static confai_status prefixed(confai_status status, confai_error *err, const char *what)
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
    verdict_note(checks, "policy.gpu.count", 0);
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
}

static confai_status verify_gpus(verdict_gpus *out, const confai_policy *policy, const bundle *b,
                                 const uint8_t nonce[32], const attestation_options *opt,
                                 verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    nvgpu_verified *v = confai_zalloc(sizeof(*v));
    const policy_gpus *g = &policy->gpus;
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
        GUARD(prefixed(nvgpu_verify_cached(v, g->trust, opt->gpu_cache, gpu->evidence.data,
                                           gpu->evidence.len, certs, lens, gpu->cert_count,
                                           nonce, opt->verify_time, err),
                       err, what));
        describe_gpu(&out->gpus[i], v);
        out->gpu_count = i + 1;
        GUARD(prefixed(attestation_gpu_policy_check(g, v, &out->gpus[i], err), err, what));
    }
    if (b->gpu_count > 0) {
        verdict_note(checks, "gpu.certificate_chain", 0);
        verdict_note(checks, "gpu.signature", 0);
        verdict_note(checks, "gpu.binding", 0);
        /* Pinned measurements are what tells "on" from devtools mode. */
        verdict_note(checks, "policy.gpu.cc_mode", g->allow_devtools);
        verdict_note(checks, "policy.gpu.measurements", g->measurements_any);
        verdict_note(checks, "policy.gpu.driver", g->driver_versions.any);
        verdict_note(checks, "policy.gpu.vbios", g->vbios_versions.any);
    }
out:
    if (v != NULL)
        confai_free_secret(v, sizeof(*v));
    return status;
}

/* --- tokens ----------------------------------------------------------------- */

static confai_status find_issuer(const policy_token_issuer **issuer, const confai_policy *policy,
                                 const bundle_token *t, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char iss[160];
    size_t len = strlen(t->token);
    int nras = t->kind == BUNDLE_TOKEN_NRAS;

    *issuer = NULL;
    if (nras)
        GUARD(token_peek_nras_issuer(iss, sizeof(iss), t->token, len, err));
    else
        GUARD(token_peek_issuer(iss, sizeof(iss), t->token, len, err));
    for (size_t i = 0; i < policy->tokens.issuer_count; i++)
        if (strcmp(policy->tokens.issuers[i].iss, iss) == 0)
            *issuer = &policy->tokens.issuers[i];
    ENSURE(*issuer != NULL, CONFAI_E_POLICY_TOKEN,
           "policy: issuer \"%.96s\" is not in tokens.issuers", iss);
    ENSURE((*issuer)->nras == nras, CONFAI_E_POLICY_TOKEN,
           "policy: issuer \"%.96s\" is pinned with format \"%s\", the token is \"%s\"", iss,
           (*issuer)->nras ? "nras" : "jwt", nras ? "nras" : "jwt");
out:
    return status;
}

/* Moves what the verdict keeps out of a verified token. */
static void keep_token(verdict_token *out, token_verified *v, const char *iss)
{
    out->alg = v->alg;
    memcpy(out->kid, v->kid, sizeof(out->kid));
    snprintf(out->iss, sizeof(out->iss), "%s", iss);
    out->exp = v->exp;
    out->claims = v->claims;
    v->claims = NULL;
}

static confai_status verify_token(verdict_token *out, const policy_token_issuer *issuer,
                                  const bundle_token *t, const uint8_t nonce[32], int64_t now,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    token_rules rules = {
        .jwks = &issuer->jwks,
        .iss = issuer->iss,
        .audience_any = issuer->audiences.any,
        .audiences = (const char *const *)issuer->audiences.items,
        .audience_count = issuer->audiences.count,
        .max_skew = issuer->max_skew,
        .now = now,
        .nonce = nonce,
    };
    token_verified one;
    token_nras *n = NULL;

    memset(&one, 0, sizeof(one));
    if (!issuer->nras) {
        GUARD(token_verify_jws(&one, &rules, t->token, strlen(t->token), err));
        keep_token(out, &one, issuer->iss);
        goto out;
    }
    n = confai_zalloc(sizeof(*n));
    ENSURE(n != NULL, CONFAI_E_NO_MEMORY, "attestation: out of memory");
    GUARD(token_verify_nras(n, &rules, t->token, strlen(t->token), err));
    out->nras = 1;
    keep_token(out, &n->overall, issuer->iss);
    for (size_t i = 0; i < n->detached_count; i++) {
        memcpy(out->names[i], n->names[i], sizeof(out->names[i]));
        out->detached[i] = n->detached[i].claims;
        n->detached[i].claims = NULL;
        if (n->detached[i].exp < out->exp)
            out->exp = n->detached[i].exp;
    }
    out->detached_count = n->detached_count;
out:
    token_verified_clear(&one);
    if (n != NULL) {
        token_nras_clear(n);
        confai_free_secret(n, sizeof(*n));
    }
    return status;
}

static confai_status verify_tokens(verdict_gpus *out, const confai_policy *policy,
                                   const bundle *b, const uint8_t nonce[32], int64_t now,
                                   verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char what[32];

    if (!policy->has_tokens) {
        ENSURE(b->token_count == 0, CONFAI_E_POLICY_TOKEN,
               "policy: the bundle carries %zu token(s) and the policy has no tokens section",
               b->token_count);
        goto out;
    }
    ENSURE(b->token_count >= policy->tokens.min_count, CONFAI_E_POLICY_TOKEN,
           "policy: %zu token(s), tokens.min_count is %u", b->token_count,
           policy->tokens.min_count);
    verdict_note(checks, "policy.tokens.count", policy->tokens.min_count == 0);
    for (size_t i = 0; i < b->token_count; i++) {
        const policy_token_issuer *issuer = NULL;
        snprintf(what, sizeof(what), "tokens[%zu]", i);
        GUARD(prefixed(find_issuer(&issuer, policy, &b->tokens[i], err), err, what));
        GUARD(prefixed(verify_token(&out->tokens[i], issuer, &b->tokens[i], nonce, now, err),
                       err, what));
        out->token_count = i + 1;
        if (out->min_token_exp == 0 || out->tokens[i].exp < out->min_token_exp)
            out->min_token_exp = out->tokens[i].exp;
    }
    if (b->token_count > 0) {
        verdict_note(checks, "token.signature", 0);
        verdict_note(checks, "token.claims", 0);
        verdict_note(checks, "token.eat_nonce", 0);
    }
out:
    return status;
}

confai_status attestation_verify_gpus(verdict_gpus **out, const confai_policy *policy,
                                      const bundle *b, const attestation_options *opt,
                                      verdict_checks *checks, confai_error *err)
{
    int64_t now = opt->verify_time;
    confai_status status = CONFAI_OK;
    verdict_gpus *g = NULL;
    uint8_t nonce[BINDING_GPU_NONCE_SIZE];
    binding_inputs in = attestation_binding_inputs(b);

    *out = NULL;
    GUARD(check_count(policy, b, checks, err));
    if (b->gpu_count == 0 && b->token_count == 0) {
        /* Still decide what the policy says about missing tokens. */
        GUARD(verify_tokens(NULL, policy, b, NULL, now, checks, err));
        goto out;
    }
    g = confai_zalloc(sizeof(*g));
    ENSURE(g != NULL, CONFAI_E_NO_MEMORY, "attestation: out of memory");
    GUARD(binding_gpu_nonce(nonce, &in, err));
    GUARD(verify_gpus(g, policy, b, nonce, opt, checks, err));
    GUARD(verify_tokens(g, policy, b, nonce, now, checks, err));
    *out = g;
    g = NULL;
out:
    verdict_gpus_free(g);
    return status;
}
