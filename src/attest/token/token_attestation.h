/*
 * Remote-verifier tokens in the public verification path
 * (token_attestation.c), and what they add to a verdict (token_verdict.c):
 * attestation.c calls attestation_verify_tokens after the CPU report, its
 * binding and the GPUs verified, and attaches the result to the verdict it
 * makes.
 */
#ifndef CONFAI_ATTEST_TOKEN_ATTESTATION_H
#define CONFAI_ATTEST_TOKEN_ATTESTATION_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "attest/attestation.h"
#include "attest/bundle.h"
#include "attest/token/token.h"
#include "attest/verdict.h"

/* One verified token: its claims (owned) and, for NRAS, the detached ones. */
typedef struct verdict_token {
    int nras;
    token_alg alg;
    char kid[TOKEN_MAX_KID + 1];
    char iss[160];
    int64_t exp;
    cJSON *claims;
    size_t detached_count;
    char names[TOKEN_MAX_DETACHED][TOKEN_MAX_SUBMOD_NAME + 1];
    cJSON *detached[TOKEN_MAX_DETACHED];
} verdict_token;

typedef struct verdict_tokens {
    size_t token_count;
    verdict_token tokens[BUNDLE_MAX_TOKENS];
    int64_t min_token_exp;                   /* the earliest "exp" */
} verdict_tokens;

/*
 * Verifies the bundle's "tokens" against the policy; b's CPU report must
 * already have verified and matched its binding. *out is NULL when the
 * bundle has no token (nothing to report), else the verdict's part. In
 * order, each with CONFAI_E_POLICY_TOKEN unless said: a tokens section when
 * any is sent; at least min_count tokens; each token not a repeat of an
 * earlier one (the same text), from a pinned issuer of its format, and
 * verified (token_verify_jws / token_verify_nras statuses) with eat_nonce
 * SHA-256(T); then at least min_count distinct issuers among them. Messages
 * name the token ("tokens[1]: ...").
 */
confai_status attestation_verify_tokens(verdict_tokens **out, const confai_policy *policy,
                                        const bundle *b, const attestation_options *opt,
                                        verdict_checks *checks, confai_error *err);

void verdict_tokens_free(verdict_tokens *t);

/*
 * Hands t to the verdict (set to NULL): the verdict owns and frees it, and
 * its expiry is cut to the earliest token "exp".
 */
void verdict_attach_tokens(confai_verdict *verdict, verdict_tokens **t);

/* Adds "tokens" to a verdict's JSON (empty for NULL); 0 when out of memory. */
int verdict_json_add_tokens(cJSON *root, const verdict_tokens *t);

#endif /* CONFAI_ATTEST_TOKEN_ATTESTATION_H */
