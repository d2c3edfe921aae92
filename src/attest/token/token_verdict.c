/*
 * What tokens add to a verdict: ownership, the expiry cut to the tokens'
 * lifetime, and the "tokens" member of the verdict's JSON (doc/protocol.md,
 * "Verdict"): each token's format, issuer, key, expiry and claims.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "attest/token/token_attestation.h"
#include "attest/verdict.h"
#include "core/memory.h"
#include "core/rfc3339.h"

void verdict_tokens_free(verdict_tokens *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < BUNDLE_MAX_TOKENS; i++) {
        cJSON_Delete(t->tokens[i].claims);
        for (size_t j = 0; j < TOKEN_MAX_DETACHED; j++)
            cJSON_Delete(t->tokens[i].detached[j]);
    }
    confai_free_secret(t, sizeof(*t));
}

void verdict_attach_tokens(confai_verdict *verdict, verdict_tokens **t)
{
    if (*t != NULL && (*t)->min_token_exp > 0 && (*t)->min_token_exp < verdict->expiry)
        verdict->expiry = (*t)->min_token_exp;
    verdict->tokens = *t;
    *t = NULL;
}

/* --- JSON ------------------------------------------------------------------------ */

static int add_string(cJSON *obj, const char *name, const char *value)
{
    return cJSON_AddStringToObject(obj, name, value) != NULL;
}

/* A copy of claims under name (the verdict keeps its own tree). */
static int add_claims(cJSON *obj, const char *name, const cJSON *claims)
{
    cJSON *copy = cJSON_Duplicate(claims, 1);
    if (copy == NULL || !cJSON_AddItemToObject(obj, name, copy)) {
        cJSON_Delete(copy);
        return 0;
    }
    return 1;
}

static int add_token(cJSON *arr, const verdict_token *t)
{
    char exp[RFC3339_LEN + 1];
    cJSON *tok = cJSON_CreateObject();
    if (tok == NULL || !cJSON_AddItemToArray(arr, tok)) {
        cJSON_Delete(tok);
        return 0;
    }
    if (!rfc3339_format(exp, t->exp))
        snprintf(exp, sizeof(exp), "invalid");
    int ok = add_string(tok, "format", t->nras ? "nras" : "jwt") && add_string(tok, "iss", t->iss)
             && add_string(tok, "alg", token_alg_name(t->alg)) && add_string(tok, "kid", t->kid)
             && add_string(tok, "expires", exp) && add_claims(tok, "claims", t->claims);
    if (ok && t->nras) {
        cJSON *d = cJSON_AddObjectToObject(tok, "detached");
        ok = d != NULL;
        for (size_t i = 0; ok && i < t->detached_count; i++)
            ok = add_claims(d, t->names[i], t->detached[i]);
    }
    return ok;
}

int verdict_json_add_tokens(cJSON *root, const verdict_tokens *t)
{
    cJSON *tokens = cJSON_AddArrayToObject(root, "tokens");
    if (tokens == NULL)
        return 0;
    for (size_t i = 0; t != NULL && i < t->token_count; i++)
        if (!add_token(tokens, &t->tokens[i]))
            return 0;
    return 1;
}
