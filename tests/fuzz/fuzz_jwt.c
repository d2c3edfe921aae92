/*
 * Fuzz target: remote-verifier tokens (src/attest/token/token.c). The first byte
 * picks the entry point, the rest is the text:
 *   even  a compact JWS: token_peek_issuer, then token_verify_jws
 *   odd   an NRAS response: token_peek_nras_issuer, then token_verify_nras
 * against a fixed pinned JWKS (one P-256 key, kid "fuzz"), issuer
 * "https://fuzz.example", audience any, at a fixed time with a fixed nonce.
 * The seeds (corpus/jwt) are tokens signed with that key, written by
 * test_token with CONFAI_JWT_SEED_DIR set, so mutations start from tokens
 * whose signature verifies and reach the claim checks.
 *
 * Checked beyond "no crash, no out-of-bounds access": every failure is one of
 * the documented statuses and carries a message; a verified token has its
 * claims and a time window around the fixed time; a failure leaves nothing
 * behind in the output.
 */
#include <string.h>

#include "fuzz.h"

#include "attest/token/token.h"

#define FUZZ_NOW INT64_C(1767225600)

/* The public half of the seed writer's key (tests/unit/test_token.c). */
static const char jwks_text[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"fuzz\",\"alg\":\"ES256\","
    "\"x\":\"Rv5WNtOqr-D6z1lHoO1ROqaYIp-6hy7s8T0PwU28pYM\","
    "\"y\":\"qFs4tsSD65JZAm2QJD3p03_JvIwoRMNo6yQKTBfa5qo\"}]}";

static int documented(confai_status s)
{
    switch (s) {
    case CONFAI_OK:
    case CONFAI_E_MALFORMED:
    case CONFAI_E_TRAILING_DATA:
    case CONFAI_E_LIMIT:
    case CONFAI_E_BAD_SIGNATURE:
    case CONFAI_E_BINDING:
    case CONFAI_E_TOKEN_ALGORITHM:
    case CONFAI_E_TOKEN_KEY:
    case CONFAI_E_TOKEN_EXPIRED:
    case CONFAI_E_TOKEN_CLAIM:
    case CONFAI_E_TOKEN_DETACHED:
        return 1;
    default:
        return 0;
    }
}

static void check_verified(const token_verified *v, int64_t skew)
{
    FUZZ_CHECK(v->claims != NULL && v->header != NULL);
    FUZZ_CHECK(v->alg == TOKEN_ALG_ES256);
    FUZZ_CHECK(strcmp(v->kid, "fuzz") == 0);
    FUZZ_CHECK(FUZZ_NOW < v->exp + skew);
    FUZZ_CHECK(v->nbf < 0 || v->nbf <= FUZZ_NOW + skew);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static token_jwks jwks;
    static int ready;
    if (!ready) {
        cJSON *doc = cJSON_Parse(jwks_text);
        json_ctx ctx = { "fuzz", CONFAI_E_MALFORMED, CONFAI_E_MALFORMED, 1, NULL };
        FUZZ_CHECK(doc != NULL && token_jwks_read(&ctx, "jwks", doc, &jwks) == CONFAI_OK);
        cJSON_Delete(doc);
        ready = 1;
    }
    if (size == 0)
        return 0;
    uint8_t nonce[TOKEN_NONCE_SIZE];
    for (int i = 0; i < TOKEN_NONCE_SIZE; i++)
        nonce[i] = (uint8_t)(0x40 + i);
    token_rules rules = { &jwks, "https://fuzz.example", 1, NULL, 0, 60, FUZZ_NOW, nonce };
    /* An exact-size copy, so reading past the text is caught. */
    size_t len = size - 1;
    char *text = malloc(len ? len : 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 1, len);
    confai_error err = { 0 };
    char iss[128];

    if ((data[0] & 1) == 0) {
        confai_status s = token_peek_issuer(iss, sizeof(iss), text, len, &err);
        FUZZ_CHECK(documented(s) && (s == CONFAI_OK || err.message[0] != '\0'));
        token_verified v;
        err = (confai_error){ 0 };
        s = token_verify_jws(&v, &rules, text, len, &err);
        FUZZ_CHECK(documented(s) && (s == CONFAI_OK || err.message[0] != '\0'));
        if (s == CONFAI_OK)
            check_verified(&v, rules.max_skew);
        else
            FUZZ_CHECK(v.claims == NULL && v.header == NULL);
        token_verified_clear(&v);
    } else {
        confai_status s = token_peek_nras_issuer(iss, sizeof(iss), text, len, &err);
        FUZZ_CHECK(documented(s) && (s == CONFAI_OK || err.message[0] != '\0'));
        token_nras *n = malloc(sizeof(*n));
        FUZZ_CHECK(n != NULL);
        err = (confai_error){ 0 };
        s = token_verify_nras(n, &rules, text, len, &err);
        FUZZ_CHECK(documented(s) && (s == CONFAI_OK || err.message[0] != '\0'));
        if (s == CONFAI_OK) {
            check_verified(&n->overall, rules.max_skew);
            FUZZ_CHECK(n->detached_count > 0 && n->detached_count <= TOKEN_MAX_DETACHED);
            for (size_t i = 0; i < n->detached_count; i++)
                check_verified(&n->detached[i], rules.max_skew);
        } else {
            FUZZ_CHECK(n->overall.claims == NULL && n->detached_count == 0);
        }
        token_nras_clear(n);
        free(n);
    }
    free(text);
    return 0;
}
