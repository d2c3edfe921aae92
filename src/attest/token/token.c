/*
 * JWS/JWT verification for remote-verifier tokens (attest/token.h): the
 * compact serialization, the pinned JWKS, the four accepted algorithms
 * through OpenSSL EVP, the time, issuer, audience and nonce claims, and
 * NRAS's overall token with its detached per-GPU tokens.
 */
#include "attest/token/token.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "core/base64.h"
#include "core/error.h"
#include "core/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    token_alg alg;
    const char *name;
} alg_names[] = {
    { TOKEN_ALG_ES256, "ES256" },
    { TOKEN_ALG_ES384, "ES384" },
    { TOKEN_ALG_RS256, "RS256" },
    { TOKEN_ALG_PS256, "PS256" },
};

const char *token_alg_name(token_alg alg)
{
    for (size_t i = 0; i < COUNT(alg_names); i++)
        if (alg_names[i].alg == alg)
            return alg_names[i].name;
    return "";
}

static token_alg alg_by_name(const char *name)
{
    for (size_t i = 0; i < COUNT(alg_names); i++)
        if (strcmp(alg_names[i].name, name) == 0)
            return alg_names[i].alg;
    return TOKEN_ALG_NONE_SET;
}

/* 1 when a key of this type and size may verify alg. */
static int key_fits(const token_key *k, token_alg alg)
{
    if (k->alg != TOKEN_ALG_NONE_SET && k->alg != alg)
        return 0;
    switch (alg) {
    case TOKEN_ALG_ES256: return !k->is_rsa && k->ec_bits == 256;
    case TOKEN_ALG_ES384: return !k->is_rsa && k->ec_bits == 384;
    case TOKEN_ALG_RS256:
    case TOKEN_ALG_PS256: return k->is_rsa;
    case TOKEN_ALG_NONE_SET: return 0;
    }
    return 0;
}

/* --- JWKS -------------------------------------------------------------------- */

/* A base64url member decoded into fresh memory of exactly want bytes (0: any). */
static confai_status read_b64url(const json_ctx *ctx, const char *path, const cJSON *item,
                                 size_t want, uint8_t **out, size_t *out_len)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    const char *s;
    size_t len;
    char what[JSON_PATH_MAX + 16];

    GUARD(json_read_string(ctx, path, item, &s, &len));
    snprintf(what, sizeof(what), "%s: %s", ctx->doc, path);
    GUARD(base64url_decode(out, out_len, s, len, ctx->bad, what, err));
    if (*out_len == 0 || (want != 0 && *out_len != want)) {
        OPENSSL_free(*out);
        *out = NULL;
        return json_fail(ctx, path, want != 0 ? "base64url of the wrong size for the curve"
                                                : "empty");
    }
out:
    return status;
}

static confai_status ec_key(const json_ctx *ctx, const char *path, const cJSON *crv_item,
                            const cJSON *x_item, const cJSON *y_item, token_key *k)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    uint8_t *x = NULL, *y = NULL, point[1 + 2 * 48];
    size_t xl = 0, yl = 0;
    const char *crv, *group;
    size_t crv_len, size;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL, *check = NULL;

    json_path_member(p, path, "crv");
    if (crv_item == NULL || x_item == NULL || y_item == NULL)
        return json_fail(ctx, path, "an EC key needs crv, x and y");
    GUARD(json_read_string(ctx, p, crv_item, &crv, &crv_len));
    if (strcmp(crv, "P-256") == 0) {
        group = "P-256";
        size = 32;
    } else if (strcmp(crv, "P-384") == 0) {
        group = "P-384";
        size = 48;
    } else {
        return json_fail(ctx, p, "expected \"P-256\" or \"P-384\"");
    }
    k->ec_bits = (int)size * 8;
    json_path_member(p, path, "x");
    GUARD(read_b64url(ctx, p, x_item, size, &x, &xl));
    json_path_member(p, path, "y");
    GUARD(read_b64url(ctx, p, y_item, size, &y, &yl));
    point[0] = 0x04;
    memcpy(point + 1, x, size);
    memcpy(point + 1 + size, y, size);

    bld = OSSL_PARAM_BLD_new();
    OSSL_ENSURE(bld != NULL, CONFAI_E_NO_MEMORY, "JWK: EC parameters");
    OSSL_ENSURE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1
                    && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                                        1 + 2 * size) == 1,
                CONFAI_E_NO_MEMORY, "JWK: EC parameters");
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_ENSURE(params != NULL && pctx != NULL, CONFAI_E_NO_MEMORY, "JWK: EC key");
    ERR_set_mark();
    int ok = EVP_PKEY_fromdata_init(pctx) == 1
             && EVP_PKEY_fromdata(pctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
    if (ok) {
        check = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        ok = check != NULL && EVP_PKEY_public_check(check) == 1;
    }
    ERR_pop_to_mark();
    if (!ok) {
        status = json_fail(ctx, path, "x and y are not a point on the curve");
        goto out;
    }
out:
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    OPENSSL_free(x);
    OPENSSL_free(y);
    return status;
}

static confai_status rsa_key(const json_ctx *ctx, const char *path, const cJSON *n_item,
                             const cJSON *e_item, token_key *k)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    uint8_t *n = NULL, *e = NULL;
    size_t nl = 0, el = 0;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;

    if (n_item == NULL || e_item == NULL)
        return json_fail(ctx, path, "an RSA key needs n and e");
    json_path_member(p, path, "n");
    GUARD(read_b64url(ctx, p, n_item, 0, &n, &nl));
    if (n[0] == 0 || nl * 8 < TOKEN_RSA_MIN_BITS || nl * 8 > TOKEN_RSA_MAX_BITS) {
        status = json_fail(ctx, p, "expected a modulus of 2048 to 8192 bits without leading zeros");
        goto out;
    }
    json_path_member(p, path, "e");
    GUARD(read_b64url(ctx, p, e_item, 0, &e, &el));
    if (e[0] == 0 || el > 8 || (e[el - 1] & 1) == 0 || (el == 1 && e[0] < 3)) {
        status = json_fail(ctx, p, "expected an odd public exponent of at least 3");
        goto out;
    }
    bn_n = BN_bin2bn(n, (int)nl, NULL);
    bn_e = BN_bin2bn(e, (int)el, NULL);
    bld = OSSL_PARAM_BLD_new();
    OSSL_ENSURE(bn_n != NULL && bn_e != NULL && bld != NULL, CONFAI_E_NO_MEMORY,
                "JWK: RSA parameters");
    OSSL_ENSURE(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1
                    && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1,
                CONFAI_E_NO_MEMORY, "JWK: RSA parameters");
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    OSSL_ENSURE(params != NULL && pctx != NULL, CONFAI_E_NO_MEMORY, "JWK: RSA key");
    ERR_set_mark();
    int ok = EVP_PKEY_fromdata_init(pctx) == 1
             && EVP_PKEY_fromdata(pctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
    ERR_pop_to_mark();
    if (!ok) {
        status = json_fail(ctx, path, "not a usable RSA public key");
        goto out;
    }
    k->is_rsa = 1;
out:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    OPENSSL_free(n);
    OPENSSL_free(e);
    return status;
}

enum {
    K_KTY, K_KID, K_USE, K_ALG, K_CRV, K_X, K_Y, K_N, K_E, K_OPS, K_X5C, K_X5T, K_X5T256, K_COUNT
};

static confai_status read_jwk(const json_ctx *ctx, const char *path, const cJSON *item,
                              token_key *k)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    const char *kty, *kid, *s;
    size_t len;
    json_field f[K_COUNT] = {
        [K_KTY] = { "kty", JSON_STRING, 1, NULL },
        [K_KID] = { "kid", JSON_STRING, 1, NULL },
        [K_USE] = { "use", JSON_STRING, 0, NULL },
        [K_ALG] = { "alg", JSON_STRING, 0, NULL },
        [K_CRV] = { "crv", JSON_STRING, 0, NULL },
        [K_X] = { "x", JSON_STRING, 0, NULL },
        [K_Y] = { "y", JSON_STRING, 0, NULL },
        [K_N] = { "n", JSON_STRING, 0, NULL },
        [K_E] = { "e", JSON_STRING, 0, NULL },
        [K_OPS] = { "key_ops", JSON_ARRAY, 0, NULL },
        [K_X5C] = { "x5c", JSON_ARRAY, 0, NULL },
        [K_X5T] = { "x5t", JSON_STRING, 0, NULL },
        [K_X5T256] = { "x5t#S256", JSON_STRING, 0, NULL },
    };

    GUARD(json_read_object(ctx, path, item, f, K_COUNT));
    json_path_member(p, path, "kid");
    GUARD(json_read_string(ctx, p, f[K_KID].value, &kid, &len));
    if (len == 0 || len > TOKEN_MAX_KID)
        return json_fail(ctx, p, "expected 1 to 128 characters");
    memcpy(k->kid, kid, len + 1);
    if (f[K_USE].value != NULL) {
        json_path_member(p, path, "use");
        GUARD(json_read_string(ctx, p, f[K_USE].value, &s, &len));
        if (strcmp(s, "sig") != 0)
            return json_fail(ctx, p, "a pinned key must be a signature key (\"sig\")");
    }
    json_path_member(p, path, "kty");
    GUARD(json_read_string(ctx, p, f[K_KTY].value, &kty, &len));
    if (strcmp(kty, "EC") == 0) {
        if (f[K_N].value != NULL || f[K_E].value != NULL)
            return json_fail(ctx, path, "an EC key has no n or e");
        GUARD(ec_key(ctx, path, f[K_CRV].value, f[K_X].value, f[K_Y].value, k));
    } else if (strcmp(kty, "RSA") == 0) {
        if (f[K_CRV].value != NULL || f[K_X].value != NULL || f[K_Y].value != NULL)
            return json_fail(ctx, path, "an RSA key has no crv, x or y");
        GUARD(rsa_key(ctx, path, f[K_N].value, f[K_E].value, k));
    } else {
        return json_fail(ctx, p, "expected \"EC\" or \"RSA\" (symmetric keys are never pinned)");
    }
    if (f[K_ALG].value != NULL) {
        json_path_member(p, path, "alg");
        GUARD(json_read_string(ctx, p, f[K_ALG].value, &s, &len));
        k->alg = alg_by_name(s);
        if (k->alg == TOKEN_ALG_NONE_SET)
            return json_fail(ctx, p, "expected ES256, ES384, RS256 or PS256");
        if (!key_fits(k, k->alg))
            return json_fail(ctx, p, "does not fit the key's type or curve");
    }
out:
    return status;
}

confai_status token_jwks_read(const json_ctx *ctx, const char *path, const cJSON *item,
                              token_jwks *jwks)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX], q[JSON_PATH_MAX];
    size_t n = 0, i = 0;
    json_field f[] = { { "keys", JSON_ARRAY, 1, NULL } };

    memset(jwks, 0, sizeof(*jwks));
    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    json_path_member(p, path, "keys");
    GUARD(json_read_array(ctx, p, f[0].value, 1, TOKEN_MAX_KEYS, &n));
    for (const cJSON *e = f[0].value->child; e != NULL; e = e->next, i++) {
        json_path_index(q, p, i);
        jwks->count = i + 1;
        GUARD(read_jwk(ctx, q, e, &jwks->keys[i]));
        for (size_t j = 0; j < i; j++)
            if (strcmp(jwks->keys[j].kid, jwks->keys[i].kid) == 0) {
                status = json_fail(ctx, q, "kid listed twice");
                goto out;
            }
    }
out:
    if (status != CONFAI_OK)
        token_jwks_clear(jwks);
    return status;
}

void token_jwks_clear(token_jwks *jwks)
{
    for (size_t i = 0; i < TOKEN_MAX_KEYS; i++)
        EVP_PKEY_free(jwks->keys[i].pkey);
    memset(jwks, 0, sizeof(*jwks));
}

/* --- compact serialization ---------------------------------------------------- */

typedef struct jws_parts {
    const char *part[3];
    size_t len[3];
} jws_parts;

static confai_status split(jws_parts *parts, const char *jws, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t start = 0, n = 0;
    ENSURE(jws != NULL && len > 0, CONFAI_E_MALFORMED, "token: empty");
    ENSURE(len <= TOKEN_MAX_LEN, CONFAI_E_LIMIT, "token: %zu bytes, over %d", len, TOKEN_MAX_LEN);
    for (size_t i = 0; i <= len; i++) {
        if (i < len && jws[i] != '.')
            continue;
        ENSURE(n < 3, CONFAI_E_MALFORMED, "token: more than three parts (JWE or garbage)");
        parts->part[n] = jws + start;
        parts->len[n] = i - start;
        n++;
        start = i + 1;
    }
    ENSURE(n == 3, CONFAI_E_MALFORMED, "token: %zu part(s), a compact JWS has three", n);
    ENSURE(parts->len[0] > 0 && parts->len[1] > 0, CONFAI_E_MALFORMED,
           "token: empty header or payload");
    ENSURE(parts->len[2] > 0, CONFAI_E_TOKEN_ALGORITHM,
           "token: no signature (an unsecured JWT is never accepted)");
out:
    return status;
}

#define MAX_OBJECT_MEMBERS 256

/*
 * No object anywhere in the tree has a member twice (json_read_object checks
 * only the objects it reads; a token's nested claims need it too), and none
 * has more than MAX_OBJECT_MEMBERS. cJSON bounds the depth.
 */
static confai_status no_duplicates(const cJSON *item, const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t n = 0;
    for (const cJSON *a = item->child; a != NULL; a = a->next, n++) {
        if (cJSON_IsObject(item)) {
            ENSURE(n < MAX_OBJECT_MEMBERS, CONFAI_E_LIMIT, "%s: an object with over %d members",
                   what, MAX_OBJECT_MEMBERS);
            for (const cJSON *b = a->next; b != NULL; b = b->next)
                ENSURE(strcmp(a->string, b->string) != 0, CONFAI_E_MALFORMED,
                       "%s: member \"%.64s\" appears twice", what, a->string);
        }
        if (cJSON_IsObject(a) || cJSON_IsArray(a))
            GUARD(no_duplicates(a, what, err));
    }
out:
    return status;
}

/* Decodes a base64url part holding a JSON object. */
static confai_status decode_json(cJSON **out, const char *what, const char *b64, size_t len,
                                 size_t max, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *raw = NULL;
    size_t raw_len = 0;
    json_ctx ctx = { what, CONFAI_E_MALFORMED, CONFAI_E_MALFORMED, 0, err };

    *out = NULL;
    GUARD(base64url_decode(&raw, &raw_len, b64, len, CONFAI_E_MALFORMED, what, err));
    ENSURE(raw_len > 0, CONFAI_E_MALFORMED, "%s: empty", what);
    ENSURE(raw_len <= max, CONFAI_E_LIMIT, "%s: %zu bytes, over %zu", what, raw_len, max);
    GUARD(json_parse(out, &ctx, (const char *)raw, raw_len, max));
    GUARD(no_duplicates(*out, what, err));
out:
    OPENSSL_free(raw);
    return status;
}

/* --- header ------------------------------------------------------------------- */

static confai_status read_header(token_alg *alg, const char **kid, const cJSON *header,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    json_ctx ctx = { "token header", CONFAI_E_MALFORMED, CONFAI_E_MALFORMED, 0, err };
    json_field f[] = {
        { "alg", JSON_STRING, 1, NULL },
        { "kid", JSON_STRING, 0, NULL },
        { "crit", 0x7FFF, 0, NULL },
        { "typ", JSON_STRING, 0, NULL },
    };
    const char *name;
    size_t len;

    *kid = NULL;
    GUARD(json_read_object(&ctx, "", header, f, COUNT(f)));
    /* RFC 7515 4.1.11: an extension the recipient does not understand is fatal. */
    ENSURE(f[2].value == NULL, CONFAI_E_TOKEN_CLAIM,
           "token header: \"crit\" names extensions this verifier does not implement");
    GUARD(json_read_string(&ctx, "alg", f[0].value, &name, &len));
    ENSURE(strcmp(name, "none") != 0, CONFAI_E_TOKEN_ALGORITHM,
           "token header: alg \"none\" (an unsecured JWT) is never accepted");
    ENSURE(strncmp(name, "HS", 2) != 0, CONFAI_E_TOKEN_ALGORITHM,
           "token header: alg \"%.16s\" is HMAC; a pinned public key is never an HMAC secret",
           name);
    *alg = alg_by_name(name);
    ENSURE(*alg != TOKEN_ALG_NONE_SET, CONFAI_E_TOKEN_ALGORITHM,
           "token header: alg \"%.16s\" is not accepted (ES256, ES384, RS256, PS256)", name);
    if (f[1].value != NULL) {
        GUARD(json_read_string(&ctx, "kid", f[1].value, kid, &len));
        ENSURE(len > 0 && len <= TOKEN_MAX_KID, CONFAI_E_TOKEN_KEY,
               "token header: kid of %zu characters", len);
    }
out:
    return status;
}

static confai_status pick_key(const token_key **key, const token_jwks *jwks, token_alg alg,
                              const char *kid, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const token_key *k = NULL;

    *key = NULL;
    ENSURE(jwks != NULL && jwks->count > 0, CONFAI_E_TOKEN_KEY, "token: no pinned keys");
    if (kid != NULL) {
        for (size_t i = 0; i < jwks->count && k == NULL; i++)
            if (strcmp(jwks->keys[i].kid, kid) == 0)
                k = &jwks->keys[i];
        ENSURE(k != NULL, CONFAI_E_TOKEN_KEY, "token: kid \"%.64s\" is not a pinned key", kid);
    } else {
        ENSURE(jwks->count == 1, CONFAI_E_TOKEN_KEY,
               "token: no kid, and the pinned JWKS has %zu keys", jwks->count);
        k = &jwks->keys[0];
    }
    ENSURE(key_fits(k, alg), CONFAI_E_TOKEN_KEY,
           "token: alg %s does not fit pinned key \"%.64s\" (%s%s%s)", token_alg_name(alg),
           k->kid, k->is_rsa ? "RSA" : k->ec_bits == 256 ? "EC P-256" : "EC P-384",
           k->alg != TOKEN_ALG_NONE_SET ? ", alg " : "", token_alg_name(k->alg));
    *key = k;
out:
    return status;
}

/* --- signature ---------------------------------------------------------------- */

/* JOSE's R || S (RFC 7518 3.4) as the DER ECDSA-Sig-Value OpenSSL verifies. */
static confai_status ecdsa_der(uint8_t **der, int *der_len, const uint8_t *sig, size_t sig_len,
                               size_t half, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ECDSA_SIG *s = NULL;
    BIGNUM *r = NULL, *sv = NULL;

    *der = NULL;
    ENSURE(sig_len == 2 * half, CONFAI_E_BAD_SIGNATURE,
           "token: ECDSA signature of %zu bytes, expected %zu (R || S)", sig_len, 2 * half);
    s = ECDSA_SIG_new();
    r = BN_bin2bn(sig, (int)half, NULL);
    sv = BN_bin2bn(sig + half, (int)half, NULL);
    OSSL_ENSURE(s != NULL && r != NULL && sv != NULL, CONFAI_E_NO_MEMORY, "ECDSA signature");
    OSSL_ENSURE(ECDSA_SIG_set0(s, r, sv) == 1, CONFAI_E_INTERNAL, "ECDSA_SIG_set0");
    r = sv = NULL;
    *der_len = i2d_ECDSA_SIG(s, der);
    OSSL_ENSURE(*der_len > 0, CONFAI_E_INTERNAL, "encoding the ECDSA signature");
out:
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    return status;
}

static confai_status verify_signature(const token_key *key, token_alg alg, const char *input,
                                      size_t input_len, const uint8_t *sig, size_t sig_len,
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t *der = NULL;
    int der_len = 0;
    const EVP_MD *digest = alg == TOKEN_ALG_ES384 ? EVP_sha384() : EVP_sha256();
    const uint8_t *s = sig;
    size_t s_len = sig_len;

    OSSL_ENSURE(md != NULL, CONFAI_E_NO_MEMORY, "token: digest context");
    if (alg == TOKEN_ALG_ES256 || alg == TOKEN_ALG_ES384) {
        GUARD(ecdsa_der(&der, &der_len, sig, sig_len, alg == TOKEN_ALG_ES256 ? 32 : 48, err));
        s = der;
        s_len = (size_t)der_len;
    }
    OSSL_ENSURE(EVP_DigestVerifyInit(md, &pctx, digest, NULL, key->pkey) == 1, CONFAI_E_INTERNAL,
                "token: EVP_DigestVerifyInit");
    if (alg == TOKEN_ALG_RS256) {
        OSSL_ENSURE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1, CONFAI_E_INTERNAL,
                    "token: RSA padding");
    } else if (alg == TOKEN_ALG_PS256) {
        /* RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash. */
        OSSL_ENSURE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1
                        && EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1
                        && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1,
                    CONFAI_E_INTERNAL, "token: RSA-PSS parameters");
    }
    int ok = EVP_DigestVerify(md, s, s_len, (const uint8_t *)input, input_len);
    ERR_clear_error();
    ENSURE(ok == 1, CONFAI_E_BAD_SIGNATURE,
           "token: the %s signature does not verify with pinned key \"%.64s\"",
           token_alg_name(alg), key->kid);
out:
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    return status;
}

/* --- claims ------------------------------------------------------------------- */

enum { C_ISS, C_EXP, C_NBF, C_IAT, C_AUD, C_NONCE, C_COUNT };

/* A NumericDate (RFC 7519 2) as whole seconds. */
static confai_status read_time(const json_ctx *ctx, const char *name, const cJSON *item,
                               int64_t *out)
{
    uint64_t v = 0;
    confai_status status = json_read_uint(ctx, name, item, 0, (UINT64_C(1) << 40), &v);
    if (status == CONFAI_OK)
        *out = (int64_t)v;
    return status;
}

static confai_status check_aud(const token_rules *rules, const cJSON *aud, confai_error *err)
{
    confai_status status = CONFAI_OK;
    int found = 0;

    if (rules->audience_any)
        goto out;
    ENSURE(aud != NULL, CONFAI_E_TOKEN_CLAIM, "token: no \"aud\" claim, and the policy pins audiences");
    ENSURE(cJSON_IsString(aud) || cJSON_IsArray(aud), CONFAI_E_TOKEN_CLAIM,
           "token: \"aud\" is neither a string nor an array");
    const cJSON *e = cJSON_IsString(aud) ? aud : aud->child;
    for (; e != NULL; e = cJSON_IsString(aud) ? NULL : e->next) {
        ENSURE(cJSON_IsString(e), CONFAI_E_TOKEN_CLAIM, "token: an \"aud\" entry is not a string");
        for (size_t i = 0; i < rules->audience_count; i++)
            found |= strcmp(e->valuestring, rules->audiences[i]) == 0;
    }
    ENSURE(found, CONFAI_E_TOKEN_CLAIM, "token: no audience the policy accepts in \"aud\"");
out:
    return status;
}

static confai_status check_claims(token_verified *out, const token_rules *rules,
                                  const cJSON *claims, confai_error *err)
{
    confai_status status = CONFAI_OK;
    json_ctx ctx = { "token claims", CONFAI_E_TOKEN_CLAIM, CONFAI_E_MALFORMED, 0, err };
    json_field f[C_COUNT] = {
        [C_ISS] = { "iss", JSON_STRING, 1, NULL },
        [C_EXP] = { "exp", JSON_NUMBER, 1, NULL },
        [C_NBF] = { "nbf", JSON_NUMBER, 0, NULL },
        [C_IAT] = { "iat", JSON_NUMBER, 0, NULL },
        [C_AUD] = { "aud", JSON_STRING | JSON_ARRAY, 0, NULL },
        [C_NONCE] = { "eat_nonce", JSON_STRING, 1, NULL },
    };
    const char *iss, *nonce;
    size_t len;
    uint8_t got[TOKEN_NONCE_SIZE];
    int64_t skew = rules->max_skew, now = rules->now;

    GUARD(json_read_object(&ctx, "", claims, f, C_COUNT));
    GUARD(read_time(&ctx, "exp", f[C_EXP].value, &out->exp));
    out->nbf = out->iat = -1;
    if (f[C_NBF].value != NULL)
        GUARD(read_time(&ctx, "nbf", f[C_NBF].value, &out->nbf));
    if (f[C_IAT].value != NULL)
        GUARD(read_time(&ctx, "iat", f[C_IAT].value, &out->iat));
    ENSURE(now < out->exp + skew, CONFAI_E_TOKEN_EXPIRED,
           "token: expired (exp %lld, now %lld, skew %llds)", (long long)out->exp,
           (long long)now, (long long)skew);
    ENSURE(out->nbf < 0 || out->nbf <= now + skew, CONFAI_E_TOKEN_EXPIRED,
           "token: not valid before %lld (now %lld, skew %llds)", (long long)out->nbf,
           (long long)now, (long long)skew);
    ENSURE(out->iat < 0 || out->iat <= now + skew, CONFAI_E_TOKEN_EXPIRED,
           "token: issued in the future (iat %lld, now %lld, skew %llds)", (long long)out->iat,
           (long long)now, (long long)skew);

    GUARD(json_read_string(&ctx, "iss", f[C_ISS].value, &iss, &len));
    ENSURE(rules->iss != NULL && strcmp(iss, rules->iss) == 0, CONFAI_E_TOKEN_CLAIM,
           "token: issuer \"%.96s\" is not the pinned \"%.96s\"", iss,
           rules->iss != NULL ? rules->iss : "");
    GUARD(check_aud(rules, f[C_AUD].value, err));

    GUARD(json_read_string(&ctx, "eat_nonce", f[C_NONCE].value, &nonce, &len));
    ENSURE(rules->nonce != NULL, CONFAI_E_INTERNAL, "token: no binding value to compare");
    ENSURE(hex_decode_exact(got, sizeof(got), nonce, len), CONFAI_E_BINDING,
           "token: eat_nonce is not 32 bytes as hex, so it cannot be the binding value");
    ENSURE(CRYPTO_memcmp(got, rules->nonce, TOKEN_NONCE_SIZE) == 0, CONFAI_E_BINDING,
           "token: eat_nonce is not SHA-256 of this bundle's binding transcript");
out:
    return status;
}

confai_status token_verify_jws(token_verified *out, const token_rules *rules, const char *jws,
                               size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    jws_parts parts;
    const char *kid = NULL;
    const token_key *key = NULL;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    token_alg alg = TOKEN_ALG_NONE_SET;

    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(rules != NULL, "rules");
    GUARD(split(&parts, jws, len, err));
    GUARD(decode_json(&out->header, "token header", parts.part[0], parts.len[0],
                      TOKEN_MAX_HEADER, err));
    GUARD(read_header(&alg, &kid, out->header, err));
    GUARD(pick_key(&key, rules->jwks, alg, kid, err));
    GUARD(base64url_decode(&sig, &sig_len, parts.part[2], parts.len[2], CONFAI_E_MALFORMED,
                           "token signature", err));
    /* The payload's base64url is checked before the signature, its JSON after. */
    {
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        GUARD(base64url_decode(&raw, &raw_len, parts.part[1], parts.len[1], CONFAI_E_MALFORMED,
                               "token payload", err));
        OPENSSL_free(raw);
    }
    GUARD(verify_signature(key, alg, jws, parts.len[0] + 1 + parts.len[1], sig, sig_len, err));
    out->alg = alg;
    snprintf(out->kid, sizeof(out->kid), "%s", key->kid);
    GUARD(decode_json(&out->claims, "token payload", parts.part[1], parts.len[1], TOKEN_MAX_LEN,
                      err));
    GUARD(check_claims(out, rules, out->claims, err));
out:
    OPENSSL_free(sig);
    if (status != CONFAI_OK && out != NULL)
        token_verified_clear(out);
    return status;
}

void token_verified_clear(token_verified *v)
{
    if (v == NULL)
        return;
    cJSON_Delete(v->header);
    cJSON_Delete(v->claims);
    memset(v, 0, sizeof(*v));
}

/* --- NRAS ----------------------------------------------------------------------- */

/* The response as [["JWT", overall], {name: detached, ...}], parsed strictly. */
static confai_status nras_parse(cJSON **root, const cJSON **overall, const cJSON **map,
                                const char *text, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    json_ctx ctx = { "NRAS response", CONFAI_E_MALFORMED, CONFAI_E_TRAILING_DATA, 1, err };
    char *wrapped = NULL;
    size_t n = 0;

    *root = NULL;
    ENSURE(text != NULL, CONFAI_E_MALFORMED, "NRAS response: empty");
    ENSURE(len <= (size_t)TOKEN_MAX_LEN * (TOKEN_MAX_DETACHED + 1), CONFAI_E_LIMIT,
           "NRAS response: %zu bytes, over the limit", len);
    /* json_parse reads objects: the array goes into one, keeping every strict check. */
    wrapped = OPENSSL_malloc(len + 8);
    ENSURE(wrapped != NULL, CONFAI_E_NO_MEMORY, "NRAS response: out of memory");
    memcpy(wrapped, "{\"r\":", 5);
    memcpy(wrapped + 5, text, len);
    wrapped[5 + len] = '}';
    GUARD(json_parse(root, &ctx, wrapped, len + 6, len + 6));
    GUARD(no_duplicates(*root, "NRAS response", err));
    const cJSON *r = (*root)->child;
    ENSURE(r != NULL && r->next == NULL, CONFAI_E_MALFORMED,
           "NRAS response: not one JSON value");
    GUARD(json_read_array(&ctx, "response", r, 2, 2, &n));
    const cJSON *first = r->child, *second = r->child->next;
    GUARD(json_read_array(&ctx, "response[0]", first, 2, 2, &n));
    ENSURE(cJSON_IsString(first->child) && strcmp(first->child->valuestring, "JWT") == 0
               && cJSON_IsString(first->child->next),
           CONFAI_E_MALFORMED, "NRAS response: the first entry is not [\"JWT\", token]");
    ENSURE(cJSON_IsObject(second), CONFAI_E_MALFORMED,
           "NRAS response: the second entry is not a map of detached tokens");
    *overall = first->child->next;
    *map = second;
out:
    OPENSSL_free(wrapped);
    return status;
}

/* One submodule entry ["DIGEST", ["SHA256" | "SHA-256", hex]]: its 32 bytes. */
static confai_status submod_digest(uint8_t digest[32], const char *name, const cJSON *entry,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    const cJSON *kind = cJSON_IsArray(entry) ? entry->child : NULL;
    const cJSON *pair = kind != NULL ? kind->next : NULL;
    const cJSON *alg = cJSON_IsArray(pair) ? pair->child : NULL;
    const cJSON *hex = alg != NULL ? alg->next : NULL;

    ENSURE(cJSON_IsString(kind) && strcmp(kind->valuestring, "DIGEST") == 0 && pair != NULL
               && pair->next == NULL && cJSON_IsString(alg) && cJSON_IsString(hex)
               && hex->next == NULL,
           CONFAI_E_TOKEN_DETACHED,
           "NRAS: submods.%.64s is not [\"DIGEST\", [algorithm, hex]]", name);
    ENSURE(strcmp(alg->valuestring, "SHA256") == 0 || strcmp(alg->valuestring, "SHA-256") == 0,
           CONFAI_E_TOKEN_DETACHED, "NRAS: submods.%.64s: digest algorithm \"%.16s\" is not SHA-256",
           name, alg->valuestring);
    ENSURE(hex_decode_exact(digest, 32, hex->valuestring, strlen(hex->valuestring)),
           CONFAI_E_TOKEN_DETACHED, "NRAS: submods.%.64s: the digest is not 32 bytes as hex", name);
out:
    return status;
}

static confai_status check_detached(token_nras *out, const token_rules *rules,
                                    const cJSON *submods, const cJSON *map, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t n_sub = 0, n_map = 0;

    ENSURE(cJSON_IsObject(submods), CONFAI_E_TOKEN_DETACHED,
           "NRAS: the overall token has no \"submods\" object");
    for (const cJSON *e = submods->child; e != NULL; e = e->next)
        n_sub++;
    for (const cJSON *e = map->child; e != NULL; e = e->next)
        n_map++;
    ENSURE(n_sub > 0 && n_sub <= TOKEN_MAX_DETACHED, CONFAI_E_TOKEN_DETACHED,
           "NRAS: %zu submodules (1 to %d)", n_sub, TOKEN_MAX_DETACHED);
    ENSURE(n_map == n_sub, CONFAI_E_TOKEN_DETACHED,
           "NRAS: %zu detached tokens for %zu submodules", n_map, n_sub);
    for (const cJSON *e = submods->child; e != NULL; e = e->next) {
        uint8_t want[32], got[32];
        size_t i = out->detached_count;
        ENSURE(strlen(e->string) <= TOKEN_MAX_SUBMOD_NAME, CONFAI_E_TOKEN_DETACHED,
               "NRAS: a submodule name over %d characters", TOKEN_MAX_SUBMOD_NAME);
        GUARD(submod_digest(want, e->string, e, err));
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(map, e->string);
        ENSURE(cJSON_IsString(t), CONFAI_E_TOKEN_DETACHED,
               "NRAS: no detached token for submodule \"%.64s\"", e->string);
        size_t len = strlen(t->valuestring);
        OSSL_ENSURE(EVP_Digest(t->valuestring, len, got, NULL, EVP_sha256(), NULL) == 1,
                    CONFAI_E_INTERNAL, "SHA-256");
        ENSURE(CRYPTO_memcmp(want, got, 32) == 0, CONFAI_E_TOKEN_DETACHED,
               "NRAS: the detached token of \"%.64s\" does not match its digest in submods",
               e->string);
        snprintf(out->names[i], sizeof(out->names[i]), "%s", e->string);
        GUARD(token_verify_jws(&out->detached[i], rules, t->valuestring, len, err));
        out->detached_count = i + 1;
    }
out:
    return status;
}

confai_status token_verify_nras(token_nras *out, const token_rules *rules, const char *text,
                                size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *root = NULL;
    const cJSON *overall = NULL, *map = NULL;

    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(rules != NULL, "rules");
    GUARD(nras_parse(&root, &overall, &map, text, len, err));
    GUARD(token_verify_jws(&out->overall, rules, overall->valuestring,
                           strlen(overall->valuestring), err));
    const cJSON *result =
        cJSON_GetObjectItemCaseSensitive(out->overall.claims, "x-nvidia-overall-att-result");
    ENSURE(cJSON_IsTrue(result), CONFAI_E_TOKEN_CLAIM,
           "NRAS: x-nvidia-overall-att-result is not true: the verifier rejected the GPUs");
    GUARD(check_detached(out, rules,
                         cJSON_GetObjectItemCaseSensitive(out->overall.claims, "submods"), map,
                         err));
out:
    cJSON_Delete(root);
    if (status != CONFAI_OK && out != NULL)
        token_nras_clear(out);
    return status;
}

void token_nras_clear(token_nras *n)
{
    if (n == NULL)
        return;
    token_verified_clear(&n->overall);
    for (size_t i = 0; i < TOKEN_MAX_DETACHED; i++)
        token_verified_clear(&n->detached[i]);
    memset(n, 0, sizeof(*n));
}

/* --- issuer lookup ------------------------------------------------------------------ */

confai_status token_peek_issuer(char *iss, size_t cap, const char *jws, size_t len,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    jws_parts parts;
    cJSON *claims = NULL;

    ENSURE_ARG(iss != NULL && cap > 0, "iss");
    iss[0] = '\0';
    GUARD(split(&parts, jws, len, err));
    GUARD(decode_json(&claims, "token payload", parts.part[1], parts.len[1], TOKEN_MAX_LEN, err));
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(claims, "iss");
    ENSURE(cJSON_IsString(v), CONFAI_E_MALFORMED, "token payload: no \"iss\" string");
    ENSURE(strlen(v->valuestring) < cap, CONFAI_E_LIMIT, "token payload: iss too long");
    memcpy(iss, v->valuestring, strlen(v->valuestring) + 1);
out:
    cJSON_Delete(claims);
    return status;
}

confai_status token_peek_nras_issuer(char *iss, size_t cap, const char *text, size_t len,
                                     confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *root = NULL;
    const cJSON *overall = NULL, *map = NULL;

    ENSURE_ARG(iss != NULL && cap > 0, "iss");
    iss[0] = '\0';
    GUARD(nras_parse(&root, &overall, &map, text, len, err));
    GUARD(token_peek_issuer(iss, cap, overall->valuestring, strlen(overall->valuestring), err));
out:
    cJSON_Delete(root);
    return status;
}
