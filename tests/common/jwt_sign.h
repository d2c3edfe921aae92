/*
 * Test-side JWS signing (header only): keys made with OpenSSL in the test,
 * compact JWS with ES256/ES384 (raw R || S), RS256 and PS256, the JWK of a
 * public key, and NRAS-shaped responses. Used by the token and GPU tests,
 * the fuzz seed writer and the GPU benchmark; the library never signs
 * tokens.
 */
#ifndef CONFAI_TESTS_JWT_SIGN_H
#define CONFAI_TESTS_JWT_SIGN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "core/base64.h"

/* base64url of bytes, in malloc'd memory. */
static inline char *jwt_b64url(const void *data, size_t len)
{
    char *s = NULL;
    if (base64url_encode(&s, (const uint8_t *)data, len, NULL) != CONFAI_OK)
        abort();
    char *copy = strdup(s);
    OPENSSL_free(s);
    return copy;
}

/* Signs input with key as alg ("ES256", "ES384", "RS256", "PS256"); other algs give 32 zero bytes. */
static inline unsigned char *jwt_raw_sign(EVP_PKEY *key, const char *alg, const char *input,
                                          size_t *sig_len)
{
    unsigned char der[1024];
    size_t der_len = sizeof(der);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int es = alg[0] == 'E', half = strcmp(alg, "ES384") == 0 ? 48 : 32;
    const EVP_MD *digest = strcmp(alg, "ES384") == 0 ? EVP_sha384() : EVP_sha256();
    unsigned char *out = calloc(1, 1024);
    if (strcmp(alg, "ES256") != 0 && strcmp(alg, "ES384") != 0 && strcmp(alg, "RS256") != 0
        && strcmp(alg, "PS256") != 0) {
        *sig_len = 32;
        EVP_MD_CTX_free(md);
        return out;
    }
    if (EVP_DigestSignInit(md, &pctx, digest, NULL, key) != 1)
        abort();
    if (strcmp(alg, "PS256") == 0) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256());
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    if (EVP_DigestSign(md, der, &der_len, (const unsigned char *)input, strlen(input)) != 1)
        abort();
    EVP_MD_CTX_free(md);
    if (!es) {
        memcpy(out, der, der_len);
        *sig_len = der_len;
        return out;
    }
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, half);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + half, half);
    ECDSA_SIG_free(sig);
    *sig_len = (size_t)(2 * half);
    return out;
}

/* A compact JWS of the header and payload texts, signed as alg (malloc'd). */
static inline char *jwt_sign_texts(EVP_PKEY *key, const char *alg, const char *header,
                                   const char *payload)
{
    char *h = jwt_b64url(header, strlen(header));
    char *p = jwt_b64url(payload, strlen(payload));
    size_t n = strlen(h) + strlen(p) + 2;
    char *input = malloc(n);
    snprintf(input, n, "%s.%s", h, p);
    size_t sig_len = 0;
    unsigned char *sig = jwt_raw_sign(key, alg, input, &sig_len);
    char *s = jwt_b64url(sig, sig_len);
    size_t total = strlen(input) + strlen(s) + 2;
    char *token = malloc(total);
    snprintf(token, total, "%s.%s", input, s);
    free(h);
    free(p);
    free(input);
    free(sig);
    free(s);
    return token;
}

/* The same with {"alg": alg, "kid": kid} (no kid when NULL) and a cJSON payload. */
static inline char *jwt_sign(EVP_PKEY *key, const char *alg, const char *kid, const cJSON *claims)
{
    char header[256];
    if (kid != NULL)
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\",\"kid\":\"%s\"}", alg, kid);
    else
        snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
    char *payload = cJSON_PrintUnformatted(claims);
    char *token = jwt_sign_texts(key, alg, header, payload);
    cJSON_free(payload);
    return token;
}

static inline cJSON *jwt_bn_item(EVP_PKEY *key, const char *param, size_t pad)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
        abort();
    size_t n = pad != 0 ? pad : (size_t)BN_num_bytes(bn);
    unsigned char *buf = calloc(1, n);
    BN_bn2binpad(bn, buf, (int)n);
    char *s = jwt_b64url(buf, n);
    cJSON *item = cJSON_CreateString(s);
    free(s);
    free(buf);
    BN_free(bn);
    return item;
}

/* The public JWK of key with this kid and, unless NULL, alg. */
static inline cJSON *jwt_jwk(EVP_PKEY *key, const char *kid, const char *alg)
{
    cJSON *k = cJSON_CreateObject();
    if (EVP_PKEY_is_a(key, "RSA")) {
        cJSON_AddStringToObject(k, "kty", "RSA");
        cJSON_AddItemToObject(k, "n", jwt_bn_item(key, OSSL_PKEY_PARAM_RSA_N, 0));
        cJSON_AddItemToObject(k, "e", jwt_bn_item(key, OSSL_PKEY_PARAM_RSA_E, 0));
    } else {
        int bits = EVP_PKEY_get_bits(key);
        cJSON_AddStringToObject(k, "kty", "EC");
        cJSON_AddStringToObject(k, "crv", bits == 384 ? "P-384" : "P-256");
        cJSON_AddItemToObject(k, "x", jwt_bn_item(key, OSSL_PKEY_PARAM_EC_PUB_X, (size_t)bits / 8));
        cJSON_AddItemToObject(k, "y", jwt_bn_item(key, OSSL_PKEY_PARAM_EC_PUB_Y, (size_t)bits / 8));
    }
    cJSON_AddStringToObject(k, "kid", kid);
    cJSON_AddStringToObject(k, "use", "sig");
    if (alg != NULL)
        cJSON_AddStringToObject(k, "alg", alg);
    return k;
}

/* SHA-256 of text as lowercase hex (65 bytes with the NUL). */
static inline void jwt_sha256_hex(char out[65], const char *text)
{
    unsigned char d[32];
    EVP_Digest(text, strlen(text), d, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

#endif /* CONFAI_TESTS_JWT_SIGN_H */
