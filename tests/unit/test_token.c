/*
 * src/attest/token/token.c: tokens signed here with keys made here (EC P-256,
 * P-384, RSA-2048), one accept case per algorithm, then one rejection per
 * check: alg none, HMAC and unknown algorithms, key confusion (an RSA key
 * for ES256, a P-256 key for ES384, a key pinned for another alg), unknown
 * and missing kid, crit headers, every time claim, iss, aud, eat_nonce, bad
 * signatures, malformed base64url and JSON; NRAS responses with detached
 * tokens and digest mismatches; pinned JWKS that are not acceptable; and
 * base64url itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "attest/token/token.h"
#include "core/base64.h"
#include "jwt_sign.h"

#include <openssl/pem.h>

#define NOW INT64_C(1767225600)
#define ISS "https://verifier.example"

static EVP_PKEY *p256, *p384, *rsa, *other_p256;
static token_jwks jwks;
static uint8_t nonce[32];
static char nonce_hex[65];
static const char *auds[] = { "confai-client", "other" };

#define EXPECT(want, call)                                                                  \
    do {                                                                                    \
        confai_error e_ = { 0 };                                                            \
        confai_error *err = &e_;                                                            \
        confai_status got_ = (call);                                                        \
        if (got_ != (want))                                                                 \
            fail_msg("line %d: %s: got %s (%s), want %s", __LINE__, #call,                 \
                     confai_status_name(got_), e_.message, confai_status_name(want));      \
    } while (0)

static token_rules rules(void)
{
    token_rules r = { &jwks, ISS, 0, auds, 2, 60, NOW, nonce };
    return r;
}

static cJSON *claims(void)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "iss", ISS);
    cJSON_AddStringToObject(c, "aud", "confai-client");
    cJSON_AddNumberToObject(c, "iat", (double)(NOW - 10));
    cJSON_AddNumberToObject(c, "nbf", (double)(NOW - 10));
    cJSON_AddNumberToObject(c, "exp", (double)(NOW + 3600));
    cJSON_AddStringToObject(c, "eat_nonce", nonce_hex);
    cJSON_AddStringToObject(c, "x-nvidia-overall-att-result", "ignored-here");
    return c;
}

static void set(cJSON *obj, const char *name, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        cJSON_ReplaceItemInObject(obj, name, value);
    else
        cJSON_AddItemToObject(obj, name, value);
}

/* Verifies a token signed with key/alg/kid over c (consumed) under r. */
static confai_status verify_with(const token_rules *r, EVP_PKEY *key, const char *alg,
                                 const char *kid, cJSON *c, confai_error *err)
{
    char *t = jwt_sign(key, alg, kid, c);
    token_verified v;
    confai_status s = token_verify_jws(&v, r, t, strlen(t), err);
    if (s == CONFAI_OK) {
        assert_non_null(v.claims);
        token_verified_clear(&v);
    }
    cJSON_Delete(c);
    free(t);
    return s;
}

static confai_status verify_token(const char *t, confai_error *err)
{
    token_rules r = rules();
    token_verified v;
    confai_status s = token_verify_jws(&v, &r, t, strlen(t), err);
    token_verified_clear(&v);
    return s;
}

static int setup(void **state)
{
    (void)state;
    p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    other_p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(p256);
    assert_non_null(rsa);
    for (int i = 0; i < 32; i++)
        nonce[i] = (uint8_t)(0x40 + i);
    for (int i = 0; i < 32; i++)
        snprintf(nonce_hex + 2 * i, 3, "%02x", nonce[i]);

    cJSON *doc = cJSON_CreateObject();
    cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
    cJSON_AddItemToArray(keys, jwt_jwk(p256, "ec256", NULL));
    cJSON_AddItemToArray(keys, jwt_jwk(p384, "ec384", "ES384"));
    cJSON_AddItemToArray(keys, jwt_jwk(rsa, "rsa", NULL));
    cJSON_AddItemToArray(keys, jwt_jwk(rsa, "rsa-rs256-only", "RS256"));
    confai_error e = { 0 };
    json_ctx ctx = { "policy", CONFAI_E_POLICY_INVALID, CONFAI_E_POLICY_INVALID, 1, &e };
    if (token_jwks_read(&ctx, "jwks", doc, &jwks) != CONFAI_OK)
        fail_msg("jwks: %s", e.message);
    cJSON_Delete(doc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    token_jwks_clear(&jwks);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(other_p256);
    EVP_PKEY_free(rsa);
    return 0;
}

/* --- accept --------------------------------------------------------------------- */

static void each_algorithm(void **state)
{
    (void)state;
    token_rules r = rules();
    EXPECT(CONFAI_OK, verify_with(&r, p256, "ES256", "ec256", claims(), err));
    EXPECT(CONFAI_OK, verify_with(&r, p384, "ES384", "ec384", claims(), err));
    EXPECT(CONFAI_OK, verify_with(&r, rsa, "RS256", "rsa", claims(), err));
    EXPECT(CONFAI_OK, verify_with(&r, rsa, "PS256", "rsa", claims(), err));
    EXPECT(CONFAI_OK, verify_with(&r, rsa, "RS256", "rsa-rs256-only", claims(), err));

    /* what a verified token keeps */
    cJSON *c = claims();
    char *t = jwt_sign(p384, "ES384", "ec384", c);
    token_verified v;
    EXPECT(CONFAI_OK, token_verify_jws(&v, &r, t, strlen(t), err));
    assert_int_equal(v.alg, TOKEN_ALG_ES384);
    assert_string_equal(v.kid, "ec384");
    assert_int_equal(v.exp, NOW + 3600);
    assert_int_equal(v.iat, NOW - 10);
    assert_string_equal(cJSON_GetObjectItem(v.claims, "iss")->valuestring, ISS);
    token_verified_clear(&v);
    token_verified_clear(NULL);
    free(t);
    cJSON_Delete(c);
    assert_string_equal(token_alg_name(TOKEN_ALG_PS256), "PS256");
    assert_string_equal(token_alg_name(TOKEN_ALG_NONE_SET), "");
}

/* --- algorithms and keys ------------------------------------------------------------ */

static void algorithms_rejected(void **state)
{
    (void)state;
    char *t = jwt_sign_texts(p256, "none", "{\"alg\":\"none\"}", "{\"iss\":\"" ISS "\"}");
    EXPECT(CONFAI_E_TOKEN_ALGORITHM, verify_token(t, err));
    /* the unsecured form with an empty signature */
    char *dot = strrchr(t, '.');
    dot[1] = '\0';
    EXPECT(CONFAI_E_TOKEN_ALGORITHM, verify_token(t, err));
    free(t);
    const char *names[] = { "HS256", "HS384", "HS512", "ES512", "RS512", "EdDSA", "Es256", "" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char header[64];
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"ec256\"}", names[i]);
        t = jwt_sign_texts(p256, names[i], header, "{}");
        EXPECT(CONFAI_E_TOKEN_ALGORITHM, verify_token(t, err));
        free(t);
    }
    /* alg missing or not a string: a malformed header */
    t = jwt_sign_texts(p256, "ES256", "{\"kid\":\"ec256\"}", "{}");
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
    t = jwt_sign_texts(p256, "ES256", "{\"alg\":256}", "{}");
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
}

static void key_confusion(void **state)
{
    (void)state;
    token_rules r = rules();
    /* an RSA key named by an ES256 token, and the other way round */
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, p256, "ES256", "rsa", claims(), err));
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, rsa, "RS256", "ec256", claims(), err));
    /* a P-256 key for ES384, a P-384 key for ES256 */
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, p384, "ES384", "ec256", claims(), err));
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, p256, "ES256", "ec384", claims(), err));
    /* a key pinned for RS256 only, used with PS256 */
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, rsa, "PS256", "rsa-rs256-only", claims(), err));
    /* unknown kid; no kid while several keys are pinned */
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, p256, "ES256", "nobody", claims(), err));
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, p256, "ES256", NULL, claims(), err));
    char *t = jwt_sign_texts(p256, "ES256", "{\"alg\":\"ES256\",\"kid\":\"\"}", "{}");
    EXPECT(CONFAI_E_TOKEN_KEY, verify_token(t, err));
    free(t);

    /* with a single pinned key, no kid is fine */
    token_jwks one;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "keys"), jwt_jwk(p256, "only", NULL));
    json_ctx ctx = { "policy", CONFAI_E_POLICY_INVALID, CONFAI_E_POLICY_INVALID, 1, NULL };
    assert_int_equal(token_jwks_read(&ctx, "jwks", doc, &one), CONFAI_OK);
    cJSON_Delete(doc);
    r.jwks = &one;
    EXPECT(CONFAI_OK, verify_with(&r, p256, "ES256", NULL, claims(), err));
    /* the right kid with another key's signature */
    EXPECT(CONFAI_E_BAD_SIGNATURE, verify_with(&r, other_p256, "ES256", "only", claims(), err));
    r.jwks = NULL;
    EXPECT(CONFAI_E_TOKEN_KEY, verify_with(&r, p256, "ES256", "only", claims(), err));
    token_jwks_clear(&one);
}

static void crit_rejected(void **state)
{
    (void)state;
    cJSON *first = claims();
    char *payload = cJSON_PrintUnformatted(first);
    cJSON_Delete(first);
    char *t = jwt_sign_texts(p256, "ES256",
                             "{\"alg\":\"ES256\",\"kid\":\"ec256\",\"crit\":[\"b64\"],\"b64\":false}",
                             payload);
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_token(t, err));
    free(t);
    /* unknown header members without crit are ignored (RFC 7515 4) */
    cJSON *c = claims();
    cJSON_free(payload);
    payload = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    t = jwt_sign_texts(p256, "ES256", "{\"alg\":\"ES256\",\"kid\":\"ec256\",\"x-extra\":1}",
                       payload);
    EXPECT(CONFAI_OK, verify_token(t, err));
    free(t);
    /* a duplicate header member is malformed */
    t = jwt_sign_texts(p256, "ES256", "{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"ec256\"}",
                       payload);
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
    cJSON_free(payload);
}

/* --- claims --------------------------------------------------------------------------- */

static void time_claims(void **state)
{
    (void)state;
    token_rules r = rules();
    cJSON *c = claims();
    set(c, "exp", cJSON_CreateNumber((double)(NOW - 61)));
    EXPECT(CONFAI_E_TOKEN_EXPIRED, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "exp", cJSON_CreateNumber((double)(NOW - 59))); /* inside the skew */
    EXPECT(CONFAI_OK, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "nbf", cJSON_CreateNumber((double)(NOW + 61)));
    EXPECT(CONFAI_E_TOKEN_EXPIRED, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "nbf", cJSON_CreateNumber((double)(NOW + 60)));
    EXPECT(CONFAI_OK, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "iat", cJSON_CreateNumber((double)(NOW + 3000)));
    EXPECT(CONFAI_E_TOKEN_EXPIRED, verify_with(&r, p256, "ES256", "ec256", c, err));
    /* exp is required; times are whole non-negative seconds */
    c = claims();
    cJSON_DeleteItemFromObject(c, "exp");
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "exp", cJSON_CreateString("tomorrow"));
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "iat", cJSON_CreateNumber(-5));
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    /* no skew at all */
    r.max_skew = 0;
    c = claims();
    set(c, "exp", cJSON_CreateNumber((double)NOW));
    EXPECT(CONFAI_E_TOKEN_EXPIRED, verify_with(&r, p256, "ES256", "ec256", c, err));
}

static void issuer_and_audience(void **state)
{
    (void)state;
    token_rules r = rules();
    cJSON *c = claims();
    set(c, "iss", cJSON_CreateString("https://evil.example"));
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    cJSON_DeleteItemFromObject(c, "iss");
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "aud", cJSON_CreateString("someone-else"));
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "aud", cJSON_CreateStringArray((const char *const[]){ "a", "other" }, 2));
    EXPECT(CONFAI_OK, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "aud", cJSON_CreateStringArray((const char *const[]){ "a", "b" }, 2));
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    cJSON_DeleteItemFromObject(c, "aud");
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "aud", cJSON_CreateNumber(1));
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    r.audience_any = 1;
    c = claims();
    cJSON_DeleteItemFromObject(c, "aud");
    EXPECT(CONFAI_OK, verify_with(&r, p256, "ES256", "ec256", c, err));
}

static void nonce_binding(void **state)
{
    (void)state;
    token_rules r = rules();
    cJSON *c = claims();
    char other[65];
    memcpy(other, nonce_hex, 65);
    other[63] = other[63] == '0' ? '1' : '0';
    set(c, "eat_nonce", cJSON_CreateString(other));
    EXPECT(CONFAI_E_BINDING, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    set(c, "eat_nonce", cJSON_CreateString("not hex"));
    EXPECT(CONFAI_E_BINDING, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    other[62] = '\0'; /* 31 bytes */
    set(c, "eat_nonce", cJSON_CreateString(other));
    EXPECT(CONFAI_E_BINDING, verify_with(&r, p256, "ES256", "ec256", c, err));
    c = claims();
    cJSON_DeleteItemFromObject(c, "eat_nonce");
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_with(&r, p256, "ES256", "ec256", c, err));
    /* either case of hex */
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(nonce_hex[i] >= 'a' && nonce_hex[i] <= 'f' ? nonce_hex[i] - 32
                                                                     : nonce_hex[i]);
    c = claims();
    set(c, "eat_nonce", cJSON_CreateString(upper));
    EXPECT(CONFAI_OK, verify_with(&r, p256, "ES256", "ec256", c, err));
}

/* --- signatures and shape ------------------------------------------------------------- */

static void bad_signatures(void **state)
{
    (void)state;
    const struct {
        EVP_PKEY **key;
        const char *alg, *kid;
    } cases[] = { { &p256, "ES256", "ec256" }, { &p384, "ES384", "ec384" },
                  { &rsa, "RS256", "rsa" },    { &rsa, "PS256", "rsa" } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *c = claims();
        char *t = jwt_sign(*cases[i].key, cases[i].alg, cases[i].kid, c);
        cJSON_Delete(c);
        size_t len = strlen(t);
        /* a changed signature character (not the last, whose low bits are unused) */
        char *sig = strrchr(t, '.') + 1, saved = sig[2];
        sig[2] = saved == 'A' ? 'B' : 'A';
        EXPECT(CONFAI_E_BAD_SIGNATURE, verify_token(t, err));
        sig[2] = saved;
        EXPECT(CONFAI_OK, verify_token(t, err));
        /* a changed payload character */
        char *payload = strchr(t, '.') + 1;
        saved = payload[3];
        payload[3] = saved == 'A' ? 'B' : 'A';
        EXPECT(CONFAI_E_BAD_SIGNATURE, verify_token(t, err));
        payload[3] = saved;
        /* signature truncated */
        char *cut = strdup(t);
        cut[len - 4] = '\0';
        confai_error e = { 0 };
        confai_status s = verify_token(cut, &e);
        assert_true(s == CONFAI_E_BAD_SIGNATURE || s == CONFAI_E_MALFORMED);
        free(cut);
        free(t);
    }
    /* PS256 and RS256 are not interchangeable on the same key */
    cJSON *c = claims();
    char *payload = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    char *h = jwt_b64url("{\"alg\":\"PS256\",\"kid\":\"rsa\"}", 27);
    char *rs = jwt_sign_texts(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", payload);
    char *swapped = malloc(strlen(rs) + 8);
    sprintf(swapped, "%s%s", h, strchr(rs, '.'));
    EXPECT(CONFAI_E_BAD_SIGNATURE, verify_token(swapped, err));
    free(swapped);
    free(rs);
    free(h);
    cJSON_free(payload);
}

static void malformed(void **state)
{
    (void)state;
    cJSON *c = claims();
    char *good = jwt_sign(p256, "ES256", "ec256", c);
    cJSON_Delete(c);
    char buf[4096];
    const char *p1 = strchr(good, '.'), *p2 = strrchr(good, '.');

    EXPECT(CONFAI_E_MALFORMED, verify_token("", err));
    EXPECT(CONFAI_E_MALFORMED, verify_token("abc.def", err));
    EXPECT(CONFAI_E_MALFORMED, verify_token("a.b.c.d", err));
    EXPECT(CONFAI_E_MALFORMED, verify_token(".abc.def", err));
    /* base64url faults in the header: '+', padding, a character outside the alphabet */
    snprintf(buf, sizeof(buf), "eyJ+%s", good + 4);
    EXPECT(CONFAI_E_MALFORMED, verify_token(buf, err));
    snprintf(buf, sizeof(buf), "%.*s=%s", (int)(p1 - good), good, p1);
    EXPECT(CONFAI_E_MALFORMED, verify_token(buf, err));
    snprintf(buf, sizeof(buf), "%.*s!%s", (int)(p1 - good), good, p1);
    EXPECT(CONFAI_E_MALFORMED, verify_token(buf, err));
    /* in the payload and the signature */
    snprintf(buf, sizeof(buf), "%.*s*%s", (int)(p2 - good), good, p2);
    EXPECT(CONFAI_E_MALFORMED, verify_token(buf, err));
    snprintf(buf, sizeof(buf), "%s=", good);
    EXPECT(CONFAI_E_MALFORMED, verify_token(buf, err));
    /* header that is not JSON, or JSON that is not an object */
    char *t = jwt_sign_texts(p256, "ES256", "{\"alg\":\"ES256\"", "{}");
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
    t = jwt_sign_texts(p256, "ES256", "[\"ES256\"]", "{}");
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
    /* a signed payload that is not JSON, or has a duplicate claim */
    t = jwt_sign_texts(p256, "ES256", "{\"alg\":\"ES256\",\"kid\":\"ec256\"}", "not json");
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
    t = jwt_sign_texts(p256, "ES256", "{\"alg\":\"ES256\",\"kid\":\"ec256\"}",
                       "{\"iss\":\"" ISS "\",\"iss\":\"x\"}");
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
    /* a duplicate member deeper down */
    t = jwt_sign_texts(p256, "ES256", "{\"alg\":\"ES256\",\"kid\":\"ec256\"}",
                       "{\"iss\":\"" ISS "\",\"submods\":{\"GPU-0\":1,\"GPU-0\":2}}");
    EXPECT(CONFAI_E_MALFORMED, verify_token(t, err));
    free(t);
    /* too long */
    char *huge = malloc(TOKEN_MAX_LEN + 2);
    memset(huge, 'A', TOKEN_MAX_LEN + 1);
    huge[10] = '.';
    huge[20] = '.';
    huge[TOKEN_MAX_LEN + 1] = '\0';
    EXPECT(CONFAI_E_LIMIT, verify_token(huge, err));
    free(huge);
    /* arguments */
    token_rules r = rules();
    EXPECT(CONFAI_E_ARGUMENT, token_verify_jws(NULL, &r, good, strlen(good), err));
    token_verified v;
    EXPECT(CONFAI_E_ARGUMENT, token_verify_jws(&v, NULL, good, strlen(good), err));
    EXPECT(CONFAI_E_MALFORMED, token_verify_jws(&v, &r, NULL, 0, err));
    /* issuer lookup reads no signature, but the shape */
    char iss[64];
    EXPECT(CONFAI_OK, token_peek_issuer(iss, sizeof(iss), good, strlen(good), err));
    assert_string_equal(iss, ISS);
    EXPECT(CONFAI_E_LIMIT, token_peek_issuer(iss, 8, good, strlen(good), err));
    EXPECT(CONFAI_E_MALFORMED, token_peek_issuer(iss, sizeof(iss), "a.b", 3, err));
    free(good);
}

/* --- NRAS --------------------------------------------------------------------------------- */

/* An NRAS response for n GPUs; tamper: 0 none, 1 digest, 2 extra GPU token, 3 missing token. */
static char *nras_response(int n, int tamper, int result, const char *detached_nonce)
{
    cJSON *map = cJSON_CreateObject();
    cJSON *submods = cJSON_CreateObject();
    for (int i = 0; i < n; i++) {
        char name[16], hex[65];
        snprintf(name, sizeof(name), "GPU-%d", i);
        cJSON *c = claims();
        cJSON_AddStringToObject(c, "x-nvidia-gpu-driver-version", "550.90.07");
        cJSON_AddStringToObject(c, "measres", "success");
        if (detached_nonce != NULL)
            set(c, "eat_nonce", cJSON_CreateString(detached_nonce));
        char *t = jwt_sign(p384, "ES384", "ec384", c);
        cJSON_Delete(c);
        jwt_sha256_hex(hex, t);
        if (tamper == 1 && i == n - 1)
            hex[0] = hex[0] == '0' ? '1' : '0';
        if (!(tamper == 3 && i == n - 1))
            cJSON_AddStringToObject(map, name, t);
        cJSON *d = cJSON_CreateArray();
        cJSON_AddItemToArray(d, cJSON_CreateString("DIGEST"));
        cJSON_AddItemToArray(d, cJSON_CreateStringArray((const char *const[]){ "SHA256", hex }, 2));
        cJSON_AddItemToObject(submods, name, d);
        free(t);
    }
    if (tamper == 2)
        cJSON_AddStringToObject(map, "GPU-99", "a.b.c");
    cJSON *c = claims();
    cJSON_AddItemToObject(c, "submods", submods);
    set(c, "x-nvidia-overall-att-result", result ? cJSON_CreateTrue() : cJSON_CreateFalse());
    char *overall = jwt_sign(p384, "ES384", "ec384", c);
    cJSON_Delete(c);
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateStringArray((const char *const[]){ "JWT", overall }, 2));
    cJSON_AddItemToArray(arr, map);
    char *text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    free(overall);
    return text;
}

static confai_status verify_nras(const char *text, confai_error *err)
{
    token_rules r = rules();
    token_nras *n = malloc(sizeof(*n));
    confai_status s = token_verify_nras(n, &r, text, strlen(text), err);
    if (s == CONFAI_OK) {
        assert_string_equal(n->names[0], "GPU-0");
        assert_string_equal(
            cJSON_GetObjectItem(n->detached[0].claims, "x-nvidia-gpu-driver-version")->valuestring,
            "550.90.07");
    }
    token_nras_clear(n);
    free(n);
    return s;
}

static void nras(void **state)
{
    (void)state;
    char *t = nras_response(2, 0, 1, NULL);
    EXPECT(CONFAI_OK, verify_nras(t, err));
    char iss[128];
    EXPECT(CONFAI_OK, token_peek_nras_issuer(iss, sizeof(iss), t, strlen(t), err));
    assert_string_equal(iss, ISS);
    cJSON_free(t);
    t = nras_response(2, 1, 1, NULL);
    EXPECT(CONFAI_E_TOKEN_DETACHED, verify_nras(t, err));
    cJSON_free(t);
    t = nras_response(2, 2, 1, NULL);
    EXPECT(CONFAI_E_TOKEN_DETACHED, verify_nras(t, err));
    cJSON_free(t);
    t = nras_response(2, 3, 1, NULL);
    EXPECT(CONFAI_E_TOKEN_DETACHED, verify_nras(t, err));
    cJSON_free(t);
    t = nras_response(1, 0, 0, NULL);
    EXPECT(CONFAI_E_TOKEN_CLAIM, verify_nras(t, err));
    cJSON_free(t);
    /* a detached token bound to another transcript */
    t = nras_response(1, 0, 1, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    EXPECT(CONFAI_E_BINDING, verify_nras(t, err));
    cJSON_free(t);

    /* shapes */
    const char *bad[] = {
        "", "{}", "[]", "[[\"JWT\",\"a.b.c\"]]", "[[\"JWS\",\"a.b.c\"],{}]",
        "[[\"JWT\",1],{}]", "[[\"JWT\",\"a.b.c\"],[]]", "[[\"JWT\",\"a.b.c\"],{}] x",
        "[[\"JWT\",\"a.b.c\"],{\"G\":\"x\",\"G\":\"y\"}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        confai_error e = { 0 };
        confai_status s = verify_nras(bad[i], &e);
        if (s != CONFAI_E_MALFORMED && s != CONFAI_E_TRAILING_DATA)
            fail_msg("\"%s\": %s (%s)", bad[i], confai_status_name(s), e.message);
    }
    /* submods of the wrong shape, or another digest algorithm */
    cJSON *c = claims();
    cJSON *sub = cJSON_AddObjectToObject(c, "submods");
    cJSON *d = cJSON_AddArrayToObject(sub, "GPU-0");
    cJSON_AddItemToArray(d, cJSON_CreateString("DIGEST"));
    cJSON_AddItemToArray(d, cJSON_CreateStringArray(
        (const char *const[]){ "SHA384", "00" }, 2));
    set(c, "x-nvidia-overall-att-result", cJSON_CreateTrue());
    char *overall = jwt_sign(p384, "ES384", "ec384", c);
    cJSON_Delete(c);
    char text[4096];
    snprintf(text, sizeof(text), "[[\"JWT\",\"%s\"],{\"GPU-0\":\"a.b.c\"}]", overall);
    EXPECT(CONFAI_E_TOKEN_DETACHED, verify_nras(text, err));
    free(overall);
    c = claims();
    set(c, "x-nvidia-overall-att-result", cJSON_CreateTrue());
    overall = jwt_sign(p384, "ES384", "ec384", c);
    cJSON_Delete(c);
    snprintf(text, sizeof(text), "[[\"JWT\",\"%s\"],{\"GPU-0\":\"a.b.c\"}]", overall);
    EXPECT(CONFAI_E_TOKEN_DETACHED, verify_nras(text, err)); /* no submods */
    free(overall);
}

/* --- pinned keys -------------------------------------------------------------------------- */

static confai_status read_keys(cJSON *key, confai_error *err)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "keys"), key);
    json_ctx ctx = { "policy", CONFAI_E_POLICY_INVALID, CONFAI_E_POLICY_INVALID, 1, err };
    token_jwks k;
    confai_status s = token_jwks_read(&ctx, "jwks", doc, &k);
    token_jwks_clear(&k);
    cJSON_Delete(doc);
    return s;
}

static void jwks_rejected(void **state)
{
    (void)state;
    cJSON *k = jwt_jwk(p256, "a", NULL);
    EXPECT(CONFAI_OK, read_keys(k, err));
    /* a point not on the curve */
    k = jwt_jwk(p256, "a", NULL);
    set(k, "y", cJSON_CreateString("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA"));
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    /* a coordinate of the wrong size; another curve */
    k = jwt_jwk(p256, "a", NULL);
    set(k, "x", cJSON_CreateString("AQID"));
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    k = jwt_jwk(p256, "a", NULL);
    set(k, "crv", cJSON_CreateString("P-521"));
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    /* symmetric keys, encryption keys, algs that do not fit */
    k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "kty", "oct");
    cJSON_AddStringToObject(k, "kid", "a");
    cJSON_AddStringToObject(k, "k", "c2VjcmV0");
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    k = jwt_jwk(p256, "a", NULL);
    set(k, "use", cJSON_CreateString("enc"));
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    k = jwt_jwk(p256, "a", "ES384");
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    k = jwt_jwk(rsa, "a", "ES256");
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    k = jwt_jwk(p256, "a", "HS256");
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    /* no kid; an RSA key with EC members */
    k = jwt_jwk(p256, "a", NULL);
    cJSON_DeleteItemFromObject(k, "kid");
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    k = jwt_jwk(rsa, "a", NULL);
    cJSON_AddStringToObject(k, "crv", "P-256");
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    /* RSA below 2048 bits, even exponent */
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    k = jwt_jwk(small, "a", NULL);
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    EVP_PKEY_free(small);
    k = jwt_jwk(rsa, "a", NULL);
    set(k, "e", cJSON_CreateString("AQAA"));
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    /* x5c and friends are accepted and ignored; unknown members are not */
    k = jwt_jwk(p384, "a", "ES384");
    cJSON_AddItemToObject(k, "x5c", cJSON_CreateStringArray((const char *const[]){ "MII=" }, 1));
    EXPECT(CONFAI_OK, read_keys(k, err));
    k = jwt_jwk(p384, "a", "ES384");
    cJSON_AddStringToObject(k, "d", "private");
    EXPECT(CONFAI_E_POLICY_INVALID, read_keys(k, err));
    /* duplicate kids */
    cJSON *doc = cJSON_CreateObject();
    cJSON *keys = cJSON_AddArrayToObject(doc, "keys");
    cJSON_AddItemToArray(keys, jwt_jwk(p256, "same", NULL));
    cJSON_AddItemToArray(keys, jwt_jwk(p384, "same", NULL));
    confai_error e = { 0 };
    json_ctx ctx = { "policy", CONFAI_E_POLICY_INVALID, CONFAI_E_POLICY_INVALID, 1, &e };
    token_jwks j;
    assert_int_equal(token_jwks_read(&ctx, "jwks", doc, &j), CONFAI_E_POLICY_INVALID);
    assert_non_null(strstr(e.message, "kid listed twice"));
    cJSON_Delete(doc);
}

/* --- base64url ------------------------------------------------------------------------------ */

static void base64url(void **state)
{
    (void)state;
    uint8_t *out = NULL;
    size_t len = 0;
    const uint8_t bytes[] = { 0xfb, 0xff, 0xbf, 0x00, 0x41 };
    char *s = NULL;
    assert_int_equal(base64url_encode(&s, bytes, sizeof(bytes), NULL), CONFAI_OK);
    assert_string_equal(s, "-_-_AEE");
    assert_int_equal(base64url_decode(&out, &len, s, strlen(s), CONFAI_E_MALFORMED, "t", NULL),
                     CONFAI_OK);
    assert_int_equal(len, sizeof(bytes));
    assert_memory_equal(out, bytes, len);
    OPENSSL_free(out);
    OPENSSL_free(s);
    const char *bad[] = { "+/+/AEE", "-_-_AEE=", "A", "-_-_AEF", "QR", "ab cd", "ab\ncd" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(base64url_decode(&out, &len, bad[i], strlen(bad[i]), CONFAI_E_MALFORMED,
                                          "t", NULL),
                         CONFAI_E_MALFORMED);
    assert_int_equal(base64url_decode(&out, &len, "", 0, CONFAI_E_MALFORMED, "t", NULL),
                     CONFAI_OK);
    assert_null(out);
}

/* --- fuzz seeds ------------------------------------------------------------------------------ */

/* The key behind the fuzz target's pinned JWK (tests/fuzz/fuzz_jwt.c); for seeds only. */
static const char fuzz_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgK42eDpJ6dA2Oh6OM\n"
    "a+hAtad0rfbDmvVrbm0ExmpjD0KhRANCAARG/lY206qv4PrPWUeg7VE6ppgin7qH\n"
    "LuzxPQ/BTbylg6hbOLbEg+uSWQJtkCQ96dN/ybyMKETDaOskCkwX2uaq\n"
    "-----END PRIVATE KEY-----\n";

static void write_seed(const char *dir, const char *name, char mode, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputc(mode, f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

static cJSON *fuzz_claims(void)
{
    cJSON *c = claims();
    set(c, "iss", cJSON_CreateString("https://fuzz.example"));
    return c;
}

/* With CONFAI_JWT_SEED_DIR set, writes the seed corpus of the jwt fuzz target there. */
static void fuzz_seeds(void **state)
{
    (void)state;
    const char *dir = getenv("CONFAI_JWT_SEED_DIR");
    if (dir == NULL || dir[0] == '\0')
        skip();
    BIO *bio = BIO_new_mem_buf(fuzz_key_pem, -1);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(key);
    cJSON *c = fuzz_claims();
    char *t = jwt_sign(key, "ES256", "fuzz", c);
    write_seed(dir, "valid", 0, t);
    free(t);
    set(c, "exp", cJSON_CreateNumber((double)(NOW - 1000)));
    t = jwt_sign(key, "ES256", "fuzz", c);
    write_seed(dir, "expired", 0, t);
    free(t);
    cJSON_Delete(c);
    t = jwt_sign_texts(key, "none", "{\"alg\":\"none\"}", "{\"iss\":\"https://fuzz.example\"}");
    write_seed(dir, "alg-none", 0, t);
    free(t);
    t = jwt_sign_texts(key, "HS256", "{\"alg\":\"HS256\",\"kid\":\"fuzz\"}", "{}");
    write_seed(dir, "alg-hs256", 0, t);
    free(t);

    /* NRAS: one detached token, and the same with a wrong digest */
    c = fuzz_claims();
    char *d = jwt_sign(key, "ES256", "fuzz", c);
    char hex[65];
    jwt_sha256_hex(hex, d);
    cJSON *sub = cJSON_AddObjectToObject(c, "submods");
    cJSON *entry = cJSON_AddArrayToObject(sub, "GPU-0");
    cJSON_AddItemToArray(entry, cJSON_CreateString("DIGEST"));
    cJSON_AddItemToArray(entry, cJSON_CreateStringArray((const char *const[]){ "SHA256", hex }, 2));
    set(c, "x-nvidia-overall-att-result", cJSON_CreateTrue());
    char *o = jwt_sign(key, "ES256", "fuzz", c);
    char text[8192];
    snprintf(text, sizeof(text), "[[\"JWT\",\"%s\"],{\"GPU-0\":\"%s\"}]", o, d);
    write_seed(dir, "nras-valid", 1, text);
    free(o);
    hex[0] = hex[0] == '0' ? '1' : '0';
    cJSON_ReplaceItemInArray(cJSON_GetArrayItem(entry, 1), 1, cJSON_CreateString(hex));
    o = jwt_sign(key, "ES256", "fuzz", c);
    snprintf(text, sizeof(text), "[[\"JWT\",\"%s\"],{\"GPU-0\":\"%s\"}]", o, d);
    write_seed(dir, "nras-digest-mismatch", 1, text);
    free(o);
    free(d);
    cJSON_Delete(c);
    write_seed(dir, "nras-shape", 1, "[[\"JWT\",\"a.b.c\"],{}]");
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_algorithm),
        cmocka_unit_test(algorithms_rejected),
        cmocka_unit_test(key_confusion),
        cmocka_unit_test(crit_rejected),
        cmocka_unit_test(time_claims),
        cmocka_unit_test(issuer_and_audience),
        cmocka_unit_test(nonce_binding),
        cmocka_unit_test(bad_signatures),
        cmocka_unit_test(malformed),
        cmocka_unit_test(nras),
        cmocka_unit_test(jwks_rejected),
        cmocka_unit_test(base64url),
        cmocka_unit_test(fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
