/*
 * The "tokens" section of a policy (doc/policy.md, "tokens"): the remote
 * verifiers whose tokens a bundle may carry, each pinned by issuer and JWKS,
 * with the accepted audiences and the clock skew tolerated, and how many
 * tokens a bundle must carry. Without the section a bundle's tokens are not
 * accepted (a token nobody pinned proves nothing).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "attest/policy/policy.h"
#include "core/error.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ISSUERS 8
#define MAX_ISS_LEN 512

enum { I_ISS, I_FORMAT, I_AUDIENCES, I_MAX_SKEW, I_JWKS, I_COUNT };

static confai_status read_issuer(const json_ctx *ctx, const char *path, const cJSON *item,
                                 policy_token_issuer *issuer)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    const char *s;
    size_t len;
    uint64_t skew = 0;
    json_field f[I_COUNT] = {
        [I_ISS] = { "iss", JSON_STRING, 1, NULL },
        [I_FORMAT] = { "format", JSON_STRING, 1, NULL },
        [I_AUDIENCES] = { "audiences", JSON_STRING | JSON_ARRAY, 1, NULL },
        [I_MAX_SKEW] = { "max_skew", JSON_NUMBER, 1, NULL },
        [I_JWKS] = { "jwks", JSON_OBJECT, 1, NULL },
    };

    GUARD(json_read_object(ctx, path, item, f, I_COUNT));
    json_path_member(p, path, "iss");
    GUARD(json_read_string(ctx, p, f[I_ISS].value, &s, &len));
    if (len == 0 || len > MAX_ISS_LEN || strcmp(s, "*") == 0)
        return json_fail(ctx, p, "expected the issuer's exact name (no wildcard)");
    issuer->iss = OPENSSL_strdup(s);
    ENSURE(issuer->iss != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
    json_path_member(p, path, "format");
    GUARD(json_read_string(ctx, p, f[I_FORMAT].value, &s, &len));
    if (strcmp(s, "jwt") != 0 && strcmp(s, "nras") != 0)
        return json_fail(ctx, p, "expected \"jwt\" or \"nras\"");
    issuer->nras = strcmp(s, "nras") == 0;
    json_path_member(p, path, "audiences");
    GUARD(policy_read_names(ctx, p, f[I_AUDIENCES].value, NULL, 0, &issuer->audiences));
    json_path_member(p, path, "max_skew");
    GUARD(json_read_uint(ctx, p, f[I_MAX_SKEW].value, 0, TOKEN_MAX_SKEW, &skew));
    issuer->max_skew = (int64_t)skew;
    json_path_member(p, path, "jwks");
    GUARD(token_jwks_read(ctx, p, f[I_JWKS].value, &issuer->jwks));
out:
    return status;
}

confai_status policy_read_tokens(const json_ctx *ctx, const cJSON *item, policy_tokens *tokens)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    uint64_t min = 0;
    size_t n = 0, i = 0;
    json_field f[] = {
        { "min_count", JSON_NUMBER, 1, NULL },
        { "issuers", JSON_ARRAY, 1, NULL },
    };

    GUARD(json_read_object(ctx, "tokens", item, f, COUNT(f)));
    GUARD(json_read_uint(ctx, "tokens.min_count", f[0].value, 0, 8, &min));
    tokens->min_count = (uint32_t)min;
    GUARD(json_read_array(ctx, "tokens.issuers", f[1].value, 1, MAX_ISSUERS, &n));
    tokens->issuers = OPENSSL_zalloc(n * sizeof(*tokens->issuers));
    ENSURE(tokens->issuers != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
    for (const cJSON *e = f[1].value->child; e != NULL; e = e->next, i++) {
        json_path_index(p, "tokens.issuers", i);
        tokens->issuer_count = i + 1;
        GUARD(read_issuer(ctx, p, e, &tokens->issuers[i]));
        for (size_t j = 0; j < i; j++)
            if (strcmp(tokens->issuers[j].iss, tokens->issuers[i].iss) == 0)
                return json_fail(ctx, p, "issuer listed twice");
    }
out:
    return status;
}

void policy_tokens_clear(policy_tokens *tokens)
{
    for (size_t i = 0; i < tokens->issuer_count; i++) {
        OPENSSL_free(tokens->issuers[i].iss);
        policy_names_clear(&tokens->issuers[i].audiences);
        token_jwks_clear(&tokens->issuers[i].jwks);
    }
    OPENSSL_free(tokens->issuers);
    memset(tokens, 0, sizeof(*tokens));
}
