/*
 * Readers for the value shapes policies share: wildcard-or-list of hex
 * digests or names, PEM roots and CRLs, TCB minima. Messages name the field
 * by its path, as every policy error does.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/policy/policy.h"
#include "core/error.h"
#include "core/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char wildcard_in_list[] = "a wildcard is written \"*\" in place of the list, not inside it";

/* 1 when item is the wildcard string "*"; other strings are an error. */
static confai_status read_wildcard(const json_ctx *ctx, const char *path, const cJSON *item,
                                   int *any)
{
    *any = 0;
    if (!cJSON_IsString(item))
        return CONFAI_OK;
    if (strcmp(item->valuestring, "*") != 0)
        return json_fail(ctx, path, "expected \"*\" or an array");
    *any = 1;
    return CONFAI_OK;
}

confai_status policy_read_set(const json_ctx *ctx, const char *path, const cJSON *item,
                              size_t item_size, policy_set *set)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX], what[64];
    size_t n = 0, i = 0;

    memset(set, 0, sizeof(*set));
    set->item_size = item_size;
    GUARD(read_wildcard(ctx, path, item, &set->any));
    if (set->any)
        goto out;
    GUARD(json_read_array(ctx, path, item, 1, POLICY_MAX_SET, &n));
    set->items = OPENSSL_zalloc(n * item_size);
    ENSURE(set->items != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
    snprintf(what, sizeof(what), "expected %zu bytes as %zu hex digits", item_size,
             2 * item_size);
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        json_path_index(p, path, i);
        const char *s;
        size_t len;
        GUARD(json_read_string(ctx, p, e, &s, &len));
        if (strcmp(s, "*") == 0)
            return json_fail(ctx, p, wildcard_in_list);
        if (!hex_decode_exact(set->items + i * item_size, item_size, s, len))
            return json_fail(ctx, p, what);
    }
    set->count = n;
out:
    return status;
}

static int is_allowed(const char *s, const char *const *allowed, size_t allowed_count)
{
    if (allowed == NULL)
        return 1;
    for (size_t i = 0; i < allowed_count; i++) {
        if (strcmp(s, allowed[i]) == 0)
            return 1;
    }
    return 0;
}

confai_status policy_read_names(const json_ctx *ctx, const char *path, const cJSON *item,
                                const char *const *allowed, size_t allowed_count,
                                policy_names *names)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    size_t n = 0, i = 0;

    memset(names, 0, sizeof(*names));
    GUARD(read_wildcard(ctx, path, item, &names->any));
    if (names->any)
        goto out;
    GUARD(json_read_array(ctx, path, item, 1, POLICY_MAX_SET, &n));
    names->items = OPENSSL_zalloc(n * sizeof(*names->items));
    ENSURE(names->items != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        json_path_index(p, path, i);
        const char *s;
        size_t len;
        GUARD(json_read_string(ctx, p, e, &s, &len));
        if (strcmp(s, "*") == 0)
            return json_fail(ctx, p, wildcard_in_list);
        if (len == 0 || !is_allowed(s, allowed, allowed_count))
            return json_fail(ctx, p, "not an accepted value (see doc/policy.md)");
        names->items[i] = OPENSSL_strdup(s);
        ENSURE(names->items[i] != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
        names->count = i + 1;
    }
out:
    return status;
}

/* --- PEM ------------------------------------------------------------------- */

/* Exactly one "-----BEGIN " in the text: one object per string. */
static int single_pem(const char *s)
{
    const char *first = strstr(s, "-----BEGIN ");
    return first != NULL && strstr(first + 1, "-----BEGIN ") == NULL;
}

/* The certificate's SPKI digest and one-line subject, for verdicts. */
static int describe_cert(X509 *x, uint8_t spki_sha256[32], char subject[128])
{
    unsigned int len = 0;
    const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(x);
    uint8_t *spki = NULL;
    int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
    int ok = key != NULL && spki_len > 0
             && EVP_Digest(spki, (size_t)spki_len, spki_sha256, &len, EVP_sha256(), NULL) == 1;
    OPENSSL_free(spki);
    if (X509_NAME_oneline(X509_get_subject_name(x), subject, 128) == NULL)
        subject[0] = '\0';
    return ok;
}

/* Decodes one PEM certificate or CRL into DER at ders slot i. */
static int pem_to_der(const char *pem, int want_certs, policy_ders *ders, size_t i)
{
    int ok = 0, len = -1;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = NULL;
    X509_CRL *crl = NULL;
    uint8_t *der = NULL;

    if (bio == NULL)
        return 0;
    if (want_certs) {
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (x != NULL && describe_cert(x, ders->spki_sha256[i], ders->subject[i]))
            len = i2d_X509(x, &der);
    } else {
        crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
        if (crl != NULL)
            len = i2d_X509_CRL(crl, &der);
    }
    if (len > 0) {
        ders->der[i] = der;
        ders->der_len[i] = (size_t)len;
        ok = 1;
    }
    X509_free(x);
    X509_CRL_free(crl);
    BIO_free(bio);
    return ok;
}

confai_status policy_read_pems(const json_ctx *ctx, const char *path, const cJSON *item,
                               int want_certs, policy_ders *ders)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    size_t n = 0, i = 0;
    const char *what = want_certs ? "expected one PEM certificate (-----BEGIN CERTIFICATE-----)"
                                  : "expected one PEM CRL (-----BEGIN X509 CRL-----)";

    GUARD(json_read_array(ctx, path, item, 0, POLICY_MAX_ROOTS, &n));
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        json_path_index(p, path, i);
        const char *s;
        size_t len;
        GUARD(json_read_string(ctx, p, e, &s, &len));
        /* A PEM that does not decode is an answer, not an error to leave queued. */
        ERR_set_mark();
        int ok = single_pem(s) && pem_to_der(s, want_certs, ders, i);
        ERR_pop_to_mark();
        if (!ok)
            return json_fail(ctx, p, what);
        ders->count = i + 1;
    }
out:
    return status;
}

/* --- TCB ------------------------------------------------------------------- */

confai_status policy_read_tcb(const json_ctx *ctx, const char *path, const cJSON *item,
                              int with_fmc, policy_tcb *tcb)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    json_field f[] = {
        { "bootloader", JSON_NUMBER, 1, NULL }, { "tee", JSON_NUMBER, 1, NULL },
        { "snp", JSON_NUMBER, 1, NULL },        { "microcode", JSON_NUMBER, 1, NULL },
        { "fmc", JSON_NUMBER, 1, NULL },
    };
    /* Products without an FMC have no fmc member: the table stops before it. */
    size_t n = with_fmc ? COUNT(f) : COUNT(f) - 1;
    uint8_t *dst[] = { &tcb->bootloader, &tcb->tee, &tcb->snp, &tcb->microcode, &tcb->fmc };

    memset(tcb, 0, sizeof(*tcb));
    GUARD(json_read_object(ctx, path, item, f, n));
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        json_path_member(p, path, f[i].name);
        GUARD(json_read_uint(ctx, p, f[i].value, 0, 255, &v));
        *dst[i] = (uint8_t)v;
    }
out:
    return status;
}

/* --- sets ------------------------------------------------------------------ */

int policy_set_contains(const policy_set *set, const uint8_t *value)
{
    if (set->any)
        return 1;
    /* No early exit: the time does not depend on which entry matched. */
    int found = 0;
    for (size_t i = 0; i < set->count; i++)
        found |= CRYPTO_memcmp(set->items + i * set->item_size, value, set->item_size) == 0;
    return found;
}

void policy_set_clear(policy_set *set)
{
    OPENSSL_free(set->items);
    memset(set, 0, sizeof(*set));
}

void policy_names_clear(policy_names *names)
{
    for (size_t i = 0; i < names->count; i++)
        OPENSSL_free(names->items[i]);
    OPENSSL_free(names->items);
    memset(names, 0, sizeof(*names));
}

void policy_ders_clear(policy_ders *ders)
{
    for (size_t i = 0; i < POLICY_MAX_ROOTS; i++)
        OPENSSL_free(ders->der[i]);
    memset(ders, 0, sizeof(*ders));
}
