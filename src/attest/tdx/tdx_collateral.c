/*
 * Intel PCS collateral for TDX: the TCB info (version 3, id "TDX") and the
 * QE identity (version 2, id "TD_QE"), as in the Intel PCS API reference
 * ("TCB Info V3 for TDX", "Enclave Identity V2"). Parsed strictly on cJSON
 * (core/json_strict.h): every member known, none duplicated, each of its
 * type, hex of its exact length, dates in the RFC 3339 profile.
 *
 * Intel signs the bytes of the "tcbInfo" (or "enclaveIdentity") member's
 * value exactly as they appear in the response body. The span is found by
 * scanning the top-level object of the raw text (the document has already
 * parsed, so the scan only needs to skip values), never by re-serializing.
 * A member name written with escapes does not count as the signed member,
 * so cJSON and the scan cannot disagree about which value was signed.
 */
#include "attest/tdx/tdx.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hex.h"
#include "core/json_strict.h"
#include "core/memory.h"
#include "core/rfc3339.h"

#define COLLATERAL_MAX_SIZE (256 * 1024)

const char *tdx_tcb_status_name(tdx_tcb_status status)
{
    switch (status) {
    case TDX_TCB_UNKNOWN: return "Unknown";
    case TDX_TCB_UP_TO_DATE: return "UpToDate";
    case TDX_TCB_SW_HARDENING_NEEDED: return "SWHardeningNeeded";
    case TDX_TCB_CONFIGURATION_NEEDED: return "ConfigurationNeeded";
    case TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return "ConfigurationAndSWHardeningNeeded";
    case TDX_TCB_OUT_OF_DATE: return "OutOfDate";
    case TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED: return "OutOfDateConfigurationNeeded";
    case TDX_TCB_REVOKED: return "Revoked";
    case TDX_TCB_NOT_SUPPORTED: return "NotSupported";
    }
    return "Unknown";
}

/* --- the signed span --------------------------------------------------------- */

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* i at the opening quote; returns the index after the closing quote, 0 on error. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

/* i at the first byte of a value; returns the index after it, 0 on error. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
    size_t depth = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, len, i);
            if (i == 0)
                return 0;
        } else {
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (depth == 0)
                    return i; /* end of the enclosing container */
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
            i++;
        }
        if (depth == 0 && (c == '"' || c == '}' || c == ']'))
            return i;
    }
    return depth == 0 ? i : 0;
}

/*
 * Finds the raw span of the top-level member `name` (written without
 * escapes). Returns 1 when found exactly once.
 */
static int find_member_span(const char *s, size_t len, const char *name, const char **span,
                            size_t *span_len)
{
    size_t name_len = strlen(name);
    int found = 0;
    size_t i = skip_space(s, len, 0);
    if (i >= len || s[i] != '{')
        return 0;
    i = skip_space(s, len, i + 1);
    while (i < len && s[i] != '}') {
        if (s[i] != '"')
            return 0;
        size_t key = i + 1;
        size_t after = skip_string(s, len, i);
        if (after == 0)
            return 0;
        int match = after - key - 1 == name_len && memcmp(s + key, name, name_len) == 0;
        i = skip_space(s, len, after);
        if (i >= len || s[i] != ':')
            return 0;
        i = skip_space(s, len, i + 1);
        size_t end = skip_value(s, len, i);
        if (end == 0 || end <= i)
            return 0;
        if (match) {
            /* trim trailing whitespace of a scalar value (objects end at '}') */
            size_t e = end;
            while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n' ||
                             s[e - 1] == '\r'))
                e--;
            *span = s + i;
            *span_len = e - i;
            found++;
        }
        i = skip_space(s, len, end);
        if (i < len && s[i] == ',')
            i = skip_space(s, len, i + 1);
    }
    return found == 1;
}

/* --- field readers ------------------------------------------------------------ */

static confai_status read_hex(const json_ctx *ctx, const char *path, const cJSON *item,
                              uint8_t *out, size_t n)
{
    const char *s;
    size_t len;
    confai_status status = json_read_string(ctx, path, item, &s, &len);
    if (status != CONFAI_OK)
        return status;
    if (!hex_decode_exact(out, n, s, len))
        return json_fail(ctx, path, "expected hex of the right length");
    return CONFAI_OK;
}

static uint64_t bytes_le64(const uint8_t b[8])
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static uint32_t bytes_le32(const uint8_t b[4])
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static confai_status read_date(const json_ctx *ctx, const char *path, const cJSON *item,
                               int64_t *out)
{
    const char *s;
    size_t len;
    confai_status status = json_read_string(ctx, path, item, &s, &len);
    if (status != CONFAI_OK)
        return status;
    if (!rfc3339_parse(out, s, len))
        return json_fail(ctx, path, "expected a date YYYY-MM-DDTHH:MM:SSZ");
    return CONFAI_OK;
}

static confai_status read_status(const json_ctx *ctx, const char *path, const cJSON *item,
                                 tdx_tcb_status *out)
{
    static const tdx_tcb_status all[] = {
        TDX_TCB_UP_TO_DATE, TDX_TCB_SW_HARDENING_NEEDED, TDX_TCB_CONFIGURATION_NEEDED,
        TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, TDX_TCB_OUT_OF_DATE,
        TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, TDX_TCB_REVOKED,
    };
    const char *s;
    size_t len;
    confai_status status = json_read_string(ctx, path, item, &s, &len);
    if (status != CONFAI_OK)
        return status;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const char *name = tdx_tcb_status_name(all[i]);
        if (strlen(name) == len && memcmp(name, s, len) == 0) {
            *out = all[i];
            return CONFAI_OK;
        }
    }
    return json_fail(ctx, path, "unknown TCB status");
}

static confai_status read_advisories(const json_ctx *ctx, const char *path, const cJSON *item,
                                     tdx_advisories *out)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];
    size_t n;
    out->count = 0;
    if (item == NULL)
        return CONFAI_OK;
    GUARD(json_read_array(ctx, path, item, 0, TDX_MAX_ADVISORIES, &n));
    size_t i = 0;
    for (const cJSON *a = item->child; a != NULL; a = a->next, i++) {
        const char *s;
        size_t len;
        json_path_index(p, path, i);
        GUARD(json_read_string(ctx, p, a, &s, &len));
        ENSURE(len > 0 && len < TDX_ADVISORY_SIZE, ctx->bad, "%s: %s: advisory id length",
               ctx->doc, p);
        memcpy(out->id[i], s, len);
        out->id[i][len] = '\0';
    }
    out->count = n;
out:
    return status;
}

static confai_status read_u(const json_ctx *ctx, const char *path, const cJSON *item,
                            uint64_t max, uint64_t *out)
{
    return json_read_uint(ctx, path, item, 0, max, out);
}

/* {"tcb":{"isvsvn":N},"tcbDate":...,"tcbStatus":...,"advisoryIDs":[...]} lists. */
static confai_status read_isv_levels(const json_ctx *ctx, const char *path, const cJSON *arr,
                                     tdx_isv_level **out, size_t *count)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX], q[JSON_PATH_MAX];
    size_t n;
    GUARD(json_read_array(ctx, path, arr, 1, TDX_MAX_LEVELS, &n));
    tdx_isv_level *levels = confai_zalloc(n * sizeof(*levels));
    ENSURE(levels != NULL, CONFAI_E_NO_MEMORY, "%s: out of memory", ctx->doc);
    /* Owned by the document from here on, so its release frees them on failure. */
    *out = levels;
    *count = n;
    size_t i = 0;
    for (const cJSON *l = arr->child; l != NULL; l = l->next, i++) {
        json_field f[] = {
            { "tcb", JSON_OBJECT, 1, NULL },
            { "tcbDate", JSON_STRING, 1, NULL },
            { "tcbStatus", JSON_STRING, 1, NULL },
            { "advisoryIDs", JSON_ARRAY, 0, NULL },
        };
        json_path_index(p, path, i);
        GUARD(json_read_object(ctx, p, l, f, 4));
        json_field t[] = { { "isvsvn", JSON_NUMBER, 1, NULL } };
        json_path_member(q, p, "tcb");
        GUARD(json_read_object(ctx, q, f[0].value, t, 1));
        uint64_t v;
        json_path_member(q, p, "tcb.isvsvn");
        GUARD(read_u(ctx, q, t[0].value, 0xFFFF, &v));
        levels[i].isvsvn = (uint16_t)v;
        json_path_member(q, p, "tcbDate");
        GUARD(read_date(ctx, q, f[1].value, &levels[i].tcb_date));
        json_path_member(q, p, "tcbStatus");
        GUARD(read_status(ctx, q, f[2].value, &levels[i].status));
        json_path_member(q, p, "advisoryIDs");
        GUARD(read_advisories(ctx, q, f[3].value, &levels[i].advisories));
    }
out:
    return status;
}

/* 16 {"svn":N,"category":...,"type":...} components. */
static confai_status read_components(const json_ctx *ctx, const char *path, const cJSON *arr,
                                     uint8_t out[16])
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX], q[JSON_PATH_MAX];
    size_t n;
    GUARD(json_read_array(ctx, path, arr, 16, 16, &n));
    size_t i = 0;
    for (const cJSON *c = arr->child; c != NULL; c = c->next, i++) {
        json_field f[] = {
            { "svn", JSON_NUMBER, 1, NULL },
            { "category", JSON_STRING, 0, NULL },
            { "type", JSON_STRING, 0, NULL },
        };
        json_path_index(p, path, i);
        GUARD(json_read_object(ctx, p, c, f, 3));
        uint64_t v;
        json_path_member(q, p, "svn");
        GUARD(read_u(ctx, q, f[0].value, 255, &v));
        out[i] = (uint8_t)v;
    }
out:
    return status;
}

static confai_status read_signature(const json_ctx *ctx, const cJSON *item, uint8_t sig[64])
{
    return read_hex(ctx, "signature", item, sig, 64);
}

/* --- TCB info ----------------------------------------------------------------- */

static confai_status read_module_ids(const json_ctx *ctx, const cJSON *arr, tdx_tcb_info *info)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX], q[JSON_PATH_MAX];
    size_t n;
    const char *path = "tcbInfo.tdxModuleIdentities";
    GUARD(json_read_array(ctx, path, arr, 1, TDX_MAX_MODULE_IDS, &n));
    info->module_ids = confai_zalloc(n * sizeof(*info->module_ids));
    ENSURE(info->module_ids != NULL, CONFAI_E_NO_MEMORY, "%s: out of memory", ctx->doc);
    info->module_id_count = n;
    size_t i = 0;
    for (const cJSON *m = arr->child; m != NULL; m = m->next, i++) {
        tdx_module_identity *mi = &info->module_ids[i];
        json_field f[] = {
            { "id", JSON_STRING, 1, NULL },
            { "mrsigner", JSON_STRING, 1, NULL },
            { "attributes", JSON_STRING, 1, NULL },
            { "attributesMask", JSON_STRING, 1, NULL },
            { "tcbLevels", JSON_ARRAY, 1, NULL },
        };
        json_path_index(p, path, i);
        GUARD(json_read_object(ctx, p, m, f, 5));
        const char *s;
        size_t len;
        uint8_t b[8];
        json_path_member(q, p, "id");
        GUARD(json_read_string(ctx, q, f[0].value, &s, &len));
        ENSURE(len > 0 && len < sizeof(mi->id), ctx->bad, "%s: %s: id length", ctx->doc, q);
        memcpy(mi->id, s, len);
        mi->id[len] = '\0';
        for (size_t j = 0; j < i; j++)
            ENSURE(strcmp(info->module_ids[j].id, mi->id) != 0, ctx->bad,
                   "%s: %s: duplicate module id", ctx->doc, q);
        json_path_member(q, p, "mrsigner");
        GUARD(read_hex(ctx, q, f[1].value, mi->mrsigner, 48));
        json_path_member(q, p, "attributes");
        GUARD(read_hex(ctx, q, f[2].value, b, 8));
        mi->attributes = bytes_le64(b);
        json_path_member(q, p, "attributesMask");
        GUARD(read_hex(ctx, q, f[3].value, b, 8));
        mi->attributes_mask = bytes_le64(b);
        json_path_member(q, p, "tcbLevels");
        GUARD(read_isv_levels(ctx, q, f[4].value, &mi->levels, &mi->level_count));
    }
out:
    return status;
}

static confai_status read_tcb_levels(const json_ctx *ctx, const cJSON *arr, tdx_tcb_info *info)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX], q[JSON_PATH_MAX];
    size_t n;
    const char *path = "tcbInfo.tcbLevels";
    GUARD(json_read_array(ctx, path, arr, 1, TDX_MAX_LEVELS, &n));
    info->levels = confai_zalloc(n * sizeof(*info->levels));
    ENSURE(info->levels != NULL, CONFAI_E_NO_MEMORY, "%s: out of memory", ctx->doc);
    info->level_count = n;
    size_t i = 0;
    for (const cJSON *l = arr->child; l != NULL; l = l->next, i++) {
        tdx_tcb_level *lv = &info->levels[i];
        json_field f[] = {
            { "tcb", JSON_OBJECT, 1, NULL },
            { "tcbDate", JSON_STRING, 1, NULL },
            { "tcbStatus", JSON_STRING, 1, NULL },
            { "advisoryIDs", JSON_ARRAY, 0, NULL },
        };
        json_path_index(p, path, i);
        GUARD(json_read_object(ctx, p, l, f, 4));
        json_field t[] = {
            { "sgxtcbcomponents", JSON_ARRAY, 1, NULL },
            { "pcesvn", JSON_NUMBER, 1, NULL },
            { "tdxtcbcomponents", JSON_ARRAY, 1, NULL },
        };
        json_path_member(q, p, "tcb");
        GUARD(json_read_object(ctx, q, f[0].value, t, 3));
        json_path_member(q, p, "tcb.sgxtcbcomponents");
        GUARD(read_components(ctx, q, t[0].value, lv->sgx));
        uint64_t v;
        json_path_member(q, p, "tcb.pcesvn");
        GUARD(read_u(ctx, q, t[1].value, 0xFFFF, &v));
        lv->pcesvn = (uint16_t)v;
        json_path_member(q, p, "tcb.tdxtcbcomponents");
        GUARD(read_components(ctx, q, t[2].value, lv->tdx));
        json_path_member(q, p, "tcbDate");
        GUARD(read_date(ctx, q, f[1].value, &lv->tcb_date));
        json_path_member(q, p, "tcbStatus");
        GUARD(read_status(ctx, q, f[2].value, &lv->status));
        json_path_member(q, p, "advisoryIDs");
        GUARD(read_advisories(ctx, q, f[3].value, &lv->advisories));
    }
out:
    return status;
}

static int string_is(const cJSON *item, const char *want)
{
    return cJSON_IsString(item) && strcmp(item->valuestring, want) == 0;
}

/*
 * What both signed documents start with, {"<body>": {...}, "signature":
 * hex}: the text parsed (*root, the caller frees it), the signature read,
 * and the exact bytes of the body's value found once, which is what the
 * signature covers. *body is the body object inside *root.
 */
static confai_status read_signed_document(cJSON **root, const cJSON **body, const char **span,
                                          size_t *span_len, uint8_t signature[64],
                                          const json_ctx *ctx, const char *json,
                                          size_t json_len, const char *body_name)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    json_field top[] = {
        { body_name, JSON_OBJECT, 1, NULL },
        { "signature", JSON_STRING, 1, NULL },
    };
    GUARD(json_parse(root, ctx, json, json_len, COLLATERAL_MAX_SIZE));
    GUARD(json_read_object(ctx, "", *root, top, 2));
    GUARD(read_signature(ctx, top[1].value, signature));
    ENSURE(find_member_span(json, json_len, body_name, span, span_len), CONFAI_E_COLLATERAL,
           "%s: the signed \"%s\" value not found exactly once", ctx->doc, body_name);
    *body = top[0].value;
out:
    return status;
}

confai_status tdx_tcb_info_parse(tdx_tcb_info **out, const char *json, size_t json_len,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *root = NULL;
    const cJSON *body = NULL;
    tdx_tcb_info *info = NULL;
    json_ctx ctx = { "TCB info", CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL, 1, err };
    ENSURE_ARG(out != NULL, "out");
    *out = NULL;
    ENSURE_ARG(json != NULL || json_len == 0, "json");
    info = confai_zalloc(sizeof(*info));
    ENSURE(info != NULL, CONFAI_E_NO_MEMORY, "TCB info: out of memory");
    GUARD(read_signed_document(&root, &body, &info->signed_span, &info->signed_span_len,
                               info->signature, &ctx, json, json_len, "tcbInfo"));

    json_field f[] = {
        { "id", JSON_STRING, 1, NULL },
        { "version", JSON_NUMBER, 1, NULL },
        { "issueDate", JSON_STRING, 1, NULL },
        { "nextUpdate", JSON_STRING, 1, NULL },
        { "fmspc", JSON_STRING, 1, NULL },
        { "pceId", JSON_STRING, 1, NULL },
        { "tcbType", JSON_NUMBER, 1, NULL },
        { "tcbEvaluationDataNumber", JSON_NUMBER, 1, NULL },
        { "tdxModule", JSON_OBJECT, 1, NULL },
        { "tdxModuleIdentities", JSON_ARRAY, 0, NULL },
        { "tcbLevels", JSON_ARRAY, 1, NULL },
    };
    GUARD(json_read_object(&ctx, "tcbInfo", body, f, 11));
    ENSURE(string_is(f[0].value, "TDX"), CONFAI_E_COLLATERAL,
           "TCB info: tcbInfo.id: not \"TDX\"");
    uint64_t v;
    GUARD(json_read_uint(&ctx, "tcbInfo.version", f[1].value, 3, 3, &v));
    GUARD(read_date(&ctx, "tcbInfo.issueDate", f[2].value, &info->issue_date));
    GUARD(read_date(&ctx, "tcbInfo.nextUpdate", f[3].value, &info->next_update));
    ENSURE(info->issue_date <= info->next_update, CONFAI_E_COLLATERAL,
           "TCB info: nextUpdate before issueDate");
    GUARD(read_hex(&ctx, "tcbInfo.fmspc", f[4].value, info->fmspc, 6));
    GUARD(read_hex(&ctx, "tcbInfo.pceId", f[5].value, info->pce_id, 2));
    GUARD(json_read_uint(&ctx, "tcbInfo.tcbType", f[6].value, 0, 0, &v));
    info->tcb_type = 0;
    GUARD(json_read_uint(&ctx, "tcbInfo.tcbEvaluationDataNumber", f[7].value, 0, UINT32_MAX,
                         &v));
    info->tcb_eval_num = (uint32_t)v;

    json_field m[] = {
        { "mrsigner", JSON_STRING, 1, NULL },
        { "attributes", JSON_STRING, 1, NULL },
        { "attributesMask", JSON_STRING, 1, NULL },
    };
    uint8_t b[8];
    GUARD(json_read_object(&ctx, "tcbInfo.tdxModule", f[8].value, m, 3));
    GUARD(read_hex(&ctx, "tcbInfo.tdxModule.mrsigner", m[0].value, info->module_mrsigner, 48));
    GUARD(read_hex(&ctx, "tcbInfo.tdxModule.attributes", m[1].value, b, 8));
    info->module_attributes = bytes_le64(b);
    GUARD(read_hex(&ctx, "tcbInfo.tdxModule.attributesMask", m[2].value, b, 8));
    info->module_attributes_mask = bytes_le64(b);
    if (f[9].value != NULL)
        GUARD(read_module_ids(&ctx, f[9].value, info));
    GUARD(read_tcb_levels(&ctx, f[10].value, info));
    *out = info;
    info = NULL;
out:
    cJSON_Delete(root);
    tdx_tcb_info_free(info);
    return status;
}

/* The documents are public: the wipe is only the library's one way to release. */
static void isv_levels_free(tdx_isv_level *levels, size_t count)
{
    confai_free_secret(levels, count * sizeof(*levels));
}

void tdx_tcb_info_free(tdx_tcb_info *info)
{
    if (info == NULL)
        return;
    for (size_t i = 0; info->module_ids != NULL && i < info->module_id_count; i++)
        isv_levels_free(info->module_ids[i].levels, info->module_ids[i].level_count);
    confai_free_secret(info->module_ids, info->module_id_count * sizeof(*info->module_ids));
    confai_free_secret(info->levels, info->level_count * sizeof(*info->levels));
    confai_free_secret(info, sizeof(*info));
}

/* --- QE identity -------------------------------------------------------------- */

confai_status tdx_qe_identity_parse(tdx_qe_identity **out, const char *json, size_t json_len,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *root = NULL;
    const cJSON *body = NULL;
    tdx_qe_identity *id = NULL;
    json_ctx ctx = { "QE identity", CONFAI_E_COLLATERAL, CONFAI_E_COLLATERAL, 1, err };
    ENSURE_ARG(out != NULL, "out");
    *out = NULL;
    ENSURE_ARG(json != NULL || json_len == 0, "json");
    id = confai_zalloc(sizeof(*id));
    ENSURE(id != NULL, CONFAI_E_NO_MEMORY, "QE identity: out of memory");
    GUARD(read_signed_document(&root, &body, &id->signed_span, &id->signed_span_len,
                               id->signature, &ctx, json, json_len, "enclaveIdentity"));

    json_field f[] = {
        { "id", JSON_STRING, 1, NULL },
        { "version", JSON_NUMBER, 1, NULL },
        { "issueDate", JSON_STRING, 1, NULL },
        { "nextUpdate", JSON_STRING, 1, NULL },
        { "tcbEvaluationDataNumber", JSON_NUMBER, 1, NULL },
        { "miscselect", JSON_STRING, 1, NULL },
        { "miscselectMask", JSON_STRING, 1, NULL },
        { "attributes", JSON_STRING, 1, NULL },
        { "attributesMask", JSON_STRING, 1, NULL },
        { "mrsigner", JSON_STRING, 1, NULL },
        { "isvprodid", JSON_NUMBER, 1, NULL },
        { "tcbLevels", JSON_ARRAY, 1, NULL },
    };
    const char *p = "enclaveIdentity";
    GUARD(json_read_object(&ctx, p, body, f, 12));
    ENSURE(string_is(f[0].value, "TD_QE"), CONFAI_E_COLLATERAL,
           "QE identity: enclaveIdentity.id: not \"TD_QE\"");
    uint64_t v;
    uint8_t b[4];
    GUARD(json_read_uint(&ctx, "enclaveIdentity.version", f[1].value, 2, 2, &v));
    GUARD(read_date(&ctx, "enclaveIdentity.issueDate", f[2].value, &id->issue_date));
    GUARD(read_date(&ctx, "enclaveIdentity.nextUpdate", f[3].value, &id->next_update));
    ENSURE(id->issue_date <= id->next_update, CONFAI_E_COLLATERAL,
           "QE identity: nextUpdate before issueDate");
    GUARD(json_read_uint(&ctx, "enclaveIdentity.tcbEvaluationDataNumber", f[4].value, 0,
                         UINT32_MAX, &v));
    id->tcb_eval_num = (uint32_t)v;
    /* MISCSELECT is a 32-bit little-endian field of the report; the hex is its bytes. */
    GUARD(read_hex(&ctx, "enclaveIdentity.miscselect", f[5].value, b, 4));
    id->miscselect = bytes_le32(b);
    GUARD(read_hex(&ctx, "enclaveIdentity.miscselectMask", f[6].value, b, 4));
    id->miscselect_mask = bytes_le32(b);
    GUARD(read_hex(&ctx, "enclaveIdentity.attributes", f[7].value, id->attributes, 16));
    GUARD(read_hex(&ctx, "enclaveIdentity.attributesMask", f[8].value, id->attributes_mask,
                   16));
    GUARD(read_hex(&ctx, "enclaveIdentity.mrsigner", f[9].value, id->mrsigner, 32));
    GUARD(json_read_uint(&ctx, "enclaveIdentity.isvprodid", f[10].value, 0, 0xFFFF, &v));
    id->isvprodid = (uint16_t)v;
    GUARD(read_isv_levels(&ctx, "enclaveIdentity.tcbLevels", f[11].value, &id->levels,
                          &id->level_count));
    *out = id;
    id = NULL;
out:
    cJSON_Delete(root);
    tdx_qe_identity_free(id);
    return status;
}

void tdx_qe_identity_free(tdx_qe_identity *identity)
{
    if (identity == NULL)
        return;
    isv_levels_free(identity->levels, identity->level_count);
    confai_free_secret(identity, sizeof(*identity));
}
