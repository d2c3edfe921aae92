/*
 * Remote-verifier tokens in confai_attestation_verify (doc/protocol.md,
 * "Verification"; doc/policy.md, "tokens"). Each token's eat_nonce must be
 * SHA-256 of the same binding transcript the CPU report commits to (the
 * nonce the GPUs answer), so a token cannot be replayed next to another
 * CPU report or another key.
 */
#include "attest/token/token_attestation.h"

#include <stdio.h>
#include <string.h>

#include "attest/binding.h"
#include "attest/policy/policy.h"
#include "attest/verdict.h"
#include "core/error.h"
#include "core/memory.h"

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

/* A token sent twice: the same text as an earlier one (tokens[i] against tokens[0..i-1]). */
static confai_status check_repeated(const bundle *b, size_t i, confai_error *err)
{
    confai_status status = CONFAI_OK;
    for (size_t j = 0; j < i; j++)
        ENSURE(strcmp(b->tokens[i].token, b->tokens[j].token) != 0, CONFAI_E_POLICY_TOKEN,
               "policy: the same token as tokens[%zu] (a token counts once)", j);
out:
    return status;
}

/*
 * One verifier counts once: min_count counts the distinct pinned issuers
 * of the verified tokens, so two tokens of one verifier (or one token sent
 * twice, which check_repeated rejects first) cannot stand in for two.
 */
static confai_status check_issuer_count(const policy_token_issuer *const *issuers, size_t n,
                                        unsigned min_count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && issuers[j] != issuers[i])
            j++;
        distinct += j == i;
    }
    ENSURE(distinct >= min_count, CONFAI_E_POLICY_TOKEN,
           "policy: tokens from %zu issuer(s), tokens.min_count is %u (each issuer counts once)",
           distinct, min_count);
out:
    return status;
}

static confai_status verify_tokens(verdict_tokens *out, const confai_policy *policy,
                                   const bundle *b, const uint8_t nonce[32], int64_t now,
                                   verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const policy_token_issuer *issuers[BUNDLE_MAX_TOKENS];
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
    for (size_t i = 0; i < b->token_count; i++) {
        const policy_token_issuer *issuer = NULL;
        snprintf(what, sizeof(what), "tokens[%zu]", i);
        GUARD(attestation_prefixed(check_repeated(b, i, err), err, what));
        GUARD(attestation_prefixed(find_issuer(&issuer, policy, &b->tokens[i], err), err, what));
        issuers[i] = issuer;
        GUARD(attestation_prefixed(verify_token(&out->tokens[i], issuer, &b->tokens[i], nonce, now, err),
                       err, what));
        out->token_count = i + 1;
        if (out->min_token_exp == 0 || out->tokens[i].exp < out->min_token_exp)
            out->min_token_exp = out->tokens[i].exp;
    }
    GUARD(check_issuer_count(issuers, b->token_count, policy->tokens.min_count, err));
    verdict_note(checks, CHECK_POLICY_TOKENS_COUNT, policy->tokens.min_count == 0);
    if (b->token_count > 0) {
        verdict_note(checks, CHECK_TOKEN_SIGNATURE, 0);
        verdict_note(checks, CHECK_TOKEN_CLAIMS, 0);
        verdict_note(checks, CHECK_TOKEN_EAT_NONCE, 0);
    }
out:
    return status;
}

confai_status attestation_verify_tokens(verdict_tokens **out, const confai_policy *policy,
                                        const bundle *b, const attestation_options *opt,
                                        verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    verdict_tokens *t = NULL;
    uint8_t nonce[BINDING_GPU_NONCE_SIZE];
    binding_inputs in = attestation_binding_inputs(b);

    *out = NULL;
    if (b->token_count == 0) {
        /* Still decide what the policy says about missing tokens. */
        GUARD(verify_tokens(NULL, policy, b, NULL, opt->verify_time, checks, err));
        goto out;
    }
    t = confai_zalloc(sizeof(*t));
    ENSURE(t != NULL, CONFAI_E_NO_MEMORY, "attestation: out of memory");
    GUARD(binding_gpu_nonce(nonce, &in, err));
    GUARD(verify_tokens(t, policy, b, nonce, opt->verify_time, checks, err));
    *out = t;
    t = NULL;
out:
    verdict_tokens_free(t);
    return status;
}
