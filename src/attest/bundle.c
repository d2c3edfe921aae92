/*
 * Evidence bundle parsing (doc/protocol.md, "Evidence bundle").
 *
 *   { "version": 1, "nonce": b64, "key_config": b64, "manifest": b64,
 *     "not_after": "YYYY-MM-DDTHH:MM:SSZ",
 *     "cpu": {"type": "sev-snp", "report": b64, "certs": [b64, ...]}
 *          | {"type": "tdx", "quote": b64, "collateral": {...}},
 *     "gpus": [{"type": "nvidia-spdm", "evidence": b64, "certs": [...]}],
 *     "tokens": [{"type": "jwt" | "nras", "token": "..."}] }
 *
 * Every binary member is strict base64 of bytes with a known size range; a
 * failure names the member. The strict JSON rules (duplicates, trailing
 * data, NUL) come from core/json_strict.
 */
#include "attest/bundle.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "attest/snp/snp.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/json_strict.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const collateral_names[BUNDLE_TDX_COLLATERAL_COUNT] = {
    [BUNDLE_TDX_TCB_INFO] = "tcb_info",
    [BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN] = "tcb_info_issuer_chain",
    [BUNDLE_TDX_QE_IDENTITY] = "qe_identity",
    [BUNDLE_TDX_QE_IDENTITY_ISSUER_CHAIN] = "qe_identity_issuer_chain",
    [BUNDLE_TDX_PCK_CRL] = "pck_crl",
    [BUNDLE_TDX_PCK_CRL_ISSUER_CHAIN] = "pck_crl_issuer_chain",
    [BUNDLE_TDX_ROOT_CA_CRL] = "root_ca_crl",
};

const char *bundle_tdx_collateral_name(bundle_tdx_collateral which)
{
    return which < BUNDLE_TDX_COLLATERAL_COUNT ? collateral_names[which] : NULL;
}

/* --- members ---------------------------------------------------------------- */

/* A base64 member of min..max decoded bytes. */
static confai_status read_blob(const json_ctx *ctx, const char *path, const cJSON *item,
                               size_t min, size_t max, bundle_blob *blob)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    const char *s;
    size_t len;

    GUARD(json_read_string(ctx, path, item, &s, &len));
    char what[JSON_PATH_MAX + 16];
    snprintf(what, sizeof(what), "%s: %s", ctx->doc, path);
    GUARD(base64_decode(&blob->data, &blob->len, s, len, ctx->bad, what, err));
    if (blob->len < min || blob->len > max) {
        if (min == max)
            BAIL(ctx->bad, "%s: %s: %zu bytes, expected %zu", ctx->doc, path, blob->len, min);
        BAIL(ctx->bad, "%s: %s: %zu bytes, expected %zu to %zu", ctx->doc, path, blob->len,
             min, max);
    }
out:
    return status;
}

/* An array of 1..max base64 certificates. */
static confai_status read_certs(const json_ctx *ctx, const char *path, const cJSON *item,
                                bundle_blob *certs, size_t max, size_t *count)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    size_t n = 0, i = 0;

    GUARD(json_read_array(ctx, path, item, 1, max, &n));
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        json_path_index(p, path, i);
        GUARD(read_blob(ctx, p, e, 1, BUNDLE_MAX_CERT, &certs[i]));
        *count = i + 1;
    }
out:
    return status;
}

/* The exact RFC 3339 string, kept as sent: the binding covers its bytes. */
static confai_status read_not_after(const json_ctx *ctx, const cJSON *item, bundle *b)
{
    const char *s;
    size_t len;
    confai_status status = json_read_string(ctx, "not_after", item, &s, &len);
    if (status != CONFAI_OK)
        return status;
    if (!rfc3339_parse(&b->not_after_time, s, len))
        return json_fail(ctx, "not_after", "expected a UTC time as YYYY-MM-DDTHH:MM:SSZ");
    memcpy(b->not_after, s, RFC3339_LEN + 1);
    return CONFAI_OK;
}

/* --- cpu ------------------------------------------------------------------- */

static confai_status parse_snp(const json_ctx *ctx, const cJSON *obj, bundle_cpu *cpu)
{
    confai_status status = CONFAI_OK;
    json_field f[] = {
        { "type", JSON_STRING, 1, NULL },
        { "report", JSON_STRING, 1, NULL },
        { "certs", JSON_ARRAY, 1, NULL },
    };
    GUARD(json_read_object(ctx, "cpu", obj, f, COUNT(f)));
    GUARD(read_blob(ctx, "cpu.report", f[1].value, SNP_REPORT_SIZE, SNP_REPORT_SIZE,
                    &cpu->report));
    GUARD(read_certs(ctx, "cpu.certs", f[2].value, cpu->certs, BUNDLE_MAX_SNP_CERTS,
                     &cpu->cert_count));
out:
    return status;
}

static confai_status parse_collateral(const json_ctx *ctx, const cJSON *obj, bundle_cpu *cpu)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    json_field f[BUNDLE_TDX_COLLATERAL_COUNT];
    for (size_t i = 0; i < COUNT(f); i++)
        f[i] = (json_field){ collateral_names[i], JSON_STRING, 0, NULL };

    GUARD(json_read_object(ctx, "cpu.collateral", obj, f, COUNT(f)));
    for (size_t i = 0; i < COUNT(f); i++) {
        if (f[i].value == NULL)
            continue;
        json_path_member(p, "cpu.collateral", f[i].name);
        GUARD(read_blob(ctx, p, f[i].value, 1, BUNDLE_MAX_QUOTE, &cpu->collateral[i]));
    }
out:
    return status;
}

static confai_status parse_tdx(const json_ctx *ctx, const cJSON *obj, bundle_cpu *cpu)
{
    confai_status status = CONFAI_OK;
    json_field f[] = {
        { "type", JSON_STRING, 1, NULL },
        { "quote", JSON_STRING, 1, NULL },
        { "collateral", JSON_OBJECT, 0, NULL },
    };
    GUARD(json_read_object(ctx, "cpu", obj, f, COUNT(f)));
    GUARD(read_blob(ctx, "cpu.quote", f[1].value, 1, BUNDLE_MAX_QUOTE, &cpu->quote));
    if (f[2].value != NULL)
        GUARD(parse_collateral(ctx, f[2].value, cpu));
out:
    return status;
}

/*
 * The type decides which members exist, so it is read first; the section's
 * own table then checks duplicates, unknown members and types.
 */
static confai_status read_type(const json_ctx *ctx, const char *path, const cJSON *obj,
                               const char **type)
{
    char p[JSON_PATH_MAX];
    size_t len;
    if (!cJSON_IsObject(obj))
        return json_fail(ctx, path, "expected an object");
    json_path_member(p, path, "type");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (t == NULL)
        return json_fail(ctx, p, "missing");
    return json_read_string(ctx, p, t, type, &len);
}

static confai_status parse_cpu(const json_ctx *ctx, const cJSON *obj, bundle_cpu *cpu)
{
    const char *type;
    confai_status status = read_type(ctx, "cpu", obj, &type);
    if (status != CONFAI_OK)
        return status;
    if (strcmp(type, "sev-snp") == 0) {
        cpu->type = BUNDLE_CPU_SEV_SNP;
        return parse_snp(ctx, obj, cpu);
    }
    if (strcmp(type, "tdx") == 0) {
        cpu->type = BUNDLE_CPU_TDX;
        return parse_tdx(ctx, obj, cpu);
    }
    return confai_err_set(ctx->err, CONFAI_E_UNSUPPORTED,
                          "%s: cpu.type: unknown platform \"%.32s\"", ctx->doc, type);
}

/* --- gpus and tokens ------------------------------------------------------- */

static confai_status parse_gpu(const json_ctx *ctx, const char *path, const cJSON *obj,
                               bundle_gpu *gpu)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    const char *type;

    GUARD(read_type(ctx, path, obj, &type));
    if (strcmp(type, "nvidia-spdm") != 0)
        BAIL(CONFAI_E_UNSUPPORTED, "%s: %s.type: unknown GPU evidence \"%.32s\"", ctx->doc,
             path, type);
    json_field f[] = {
        { "type", JSON_STRING, 1, NULL },
        { "evidence", JSON_STRING, 1, NULL },
        { "certs", JSON_ARRAY, 1, NULL },
    };
    GUARD(json_read_object(ctx, path, obj, f, COUNT(f)));
    json_path_member(p, path, "evidence");
    GUARD(read_blob(ctx, p, f[1].value, 1, BUNDLE_MAX_GPU_EVIDENCE, &gpu->evidence));
    json_path_member(p, path, "certs");
    GUARD(read_certs(ctx, p, f[2].value, gpu->certs, BUNDLE_MAX_GPU_CERTS, &gpu->cert_count));
out:
    return status;
}

static confai_status parse_gpus(const json_ctx *ctx, const cJSON *arr, bundle *b)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    size_t n = 0, i = 0;

    GUARD(json_read_array(ctx, "gpus", arr, 0, BUNDLE_MAX_GPUS, &n));
    if (n == 0)
        goto out;
    b->gpus = OPENSSL_zalloc(n * sizeof(*b->gpus));
    ENSURE(b->gpus != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
    for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
        b->gpu_count = i + 1;
        json_path_index(p, "gpus", i);
        GUARD(parse_gpu(ctx, p, e, &b->gpus[i]));
    }
out:
    return status;
}

/* A compact JWS: three non-empty base64url parts joined by dots. */
static int is_compact_jws(const char *s, size_t len)
{
    size_t dots = 0, part = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (part == 0)
                return 0;
            dots++;
            part = 0;
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '_') {
            part++;
        } else {
            return 0;
        }
    }
    return dots == 2 && part > 0;
}

static confai_status parse_token(const json_ctx *ctx, const char *path, const cJSON *obj,
                                 bundle_token *token)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    const char *type, *s;
    size_t len;

    GUARD(read_type(ctx, path, obj, &type));
    /* "nras": NRAS's response array as text; token/token.c reads its shape. */
    token->kind = strcmp(type, "nras") == 0 ? BUNDLE_TOKEN_NRAS : BUNDLE_TOKEN_JWT;
    if (strcmp(type, "jwt") != 0 && token->kind != BUNDLE_TOKEN_NRAS)
        BAIL(CONFAI_E_UNSUPPORTED, "%s: %s.type: unknown token type \"%.32s\"", ctx->doc,
             path, type);
    json_field f[] = {
        { "type", JSON_STRING, 1, NULL },
        { "token", JSON_STRING, 1, NULL },
    };
    GUARD(json_read_object(ctx, path, obj, f, COUNT(f)));
    json_path_member(p, path, "token");
    GUARD(json_read_string(ctx, p, f[1].value, &s, &len));
    if (token->kind == BUNDLE_TOKEN_JWT && !is_compact_jws(s, len))
        BAIL(ctx->bad, "%s: %s: not a compact JWS", ctx->doc, p);
    token->token = OPENSSL_strndup(s, len);
    ENSURE(token->token != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
out:
    return status;
}

static confai_status parse_tokens(const json_ctx *ctx, const cJSON *arr, bundle *b)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    size_t n = 0, i = 0;

    GUARD(json_read_array(ctx, "tokens", arr, 0, BUNDLE_MAX_TOKENS, &n));
    if (n == 0)
        goto out;
    b->tokens = OPENSSL_zalloc(n * sizeof(*b->tokens));
    ENSURE(b->tokens != NULL, CONFAI_E_NO_MEMORY, "bundle: out of memory");
    for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
        b->token_count = i + 1;
        json_path_index(p, "tokens", i);
        GUARD(parse_token(ctx, p, e, &b->tokens[i]));
    }
out:
    return status;
}

/* --- the document ---------------------------------------------------------- */

static confai_status parse_top(const json_ctx *ctx, const cJSON *root, bundle *b)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    bundle_blob nonce = { NULL, 0 };
    uint64_t version = 0;
    json_field f[] = {
        { "version", JSON_NUMBER, 1, NULL },    { "nonce", JSON_STRING, 1, NULL },
        { "key_config", JSON_STRING, 1, NULL }, { "manifest", JSON_STRING, 1, NULL },
        { "not_after", JSON_STRING, 1, NULL },  { "cpu", JSON_OBJECT, 1, NULL },
        { "gpus", JSON_ARRAY, 0, NULL },        { "tokens", JSON_ARRAY, 0, NULL },
    };

    GUARD(json_read_object(ctx, "", root, f, COUNT(f)));
    /* The version decides how the rest reads: check it before anything else. */
    GUARD(json_read_uint(ctx, "version", f[0].value, 0, UINT32_MAX, &version));
    ENSURE(version == BUNDLE_VERSION, CONFAI_E_UNSUPPORTED,
           "bundle: version %llu is not supported (expected %d)", (unsigned long long)version,
           BUNDLE_VERSION);
    b->version = (uint32_t)version;

    GUARD(read_blob(ctx, "nonce", f[1].value, BUNDLE_NONCE_SIZE, BUNDLE_NONCE_SIZE, &nonce));
    memcpy(b->nonce, nonce.data, BUNDLE_NONCE_SIZE);
    GUARD(read_blob(ctx, "key_config", f[2].value, 1, BUNDLE_MAX_KEY_CONFIG, &b->key_config));
    GUARD(read_blob(ctx, "manifest", f[3].value, 0, CONFAI_ATTESTATION_MAX_BUNDLE_SIZE,
                    &b->manifest));
    GUARD(read_not_after(ctx, f[4].value, b));
    GUARD(parse_cpu(ctx, f[5].value, &b->cpu));
    if (f[6].value != NULL)
        GUARD(parse_gpus(ctx, f[6].value, b));
    if (f[7].value != NULL)
        GUARD(parse_tokens(ctx, f[7].value, b));
out:
    OPENSSL_free(nonce.data);
    return status;
}

confai_status bundle_parse(bundle *b, const char *json, size_t len, int strict,
                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *root = NULL;
    json_ctx ctx = { "bundle", CONFAI_E_MALFORMED, CONFAI_E_TRAILING_DATA, strict, err };

    memset(b, 0, sizeof(*b));
    GUARD(json_parse(&root, &ctx, json, len, CONFAI_ATTESTATION_MAX_BUNDLE_SIZE));
    GUARD(parse_top(&ctx, root, b));
out:
    cJSON_Delete(root);
    if (status != CONFAI_OK)
        bundle_clear(b);
    return status;
}

/* --- release --------------------------------------------------------------- */

static void blob_clear(bundle_blob *blob)
{
    OPENSSL_clear_free(blob->data, blob->len);
    blob->data = NULL;
    blob->len = 0;
}

static void cpu_clear(bundle_cpu *cpu)
{
    blob_clear(&cpu->report);
    for (size_t i = 0; i < BUNDLE_MAX_SNP_CERTS; i++)
        blob_clear(&cpu->certs[i]);
    blob_clear(&cpu->quote);
    for (size_t i = 0; i < BUNDLE_TDX_COLLATERAL_COUNT; i++)
        blob_clear(&cpu->collateral[i]);
}

void bundle_clear(bundle *b)
{
    if (b == NULL)
        return;
    blob_clear(&b->key_config);
    blob_clear(&b->manifest);
    cpu_clear(&b->cpu);
    for (size_t i = 0; i < b->gpu_count; i++) {
        blob_clear(&b->gpus[i].evidence);
        for (size_t j = 0; j < BUNDLE_MAX_GPU_CERTS; j++)
            blob_clear(&b->gpus[i].certs[j]);
    }
    OPENSSL_free(b->gpus);
    for (size_t i = 0; i < b->token_count; i++)
        OPENSSL_free(b->tokens[i].token);
    OPENSSL_free(b->tokens);
    OPENSSL_cleanse(b, sizeof(*b));
}
