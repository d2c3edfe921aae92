/*
 * The "tdx" section of a policy (doc/policy.md). Every member is required
 * except custom_roots and crls, whose absence means "Intel's root only, no
 * extra CRLs" (the strict reading). The TDX trust anchors (Intel's pinned
 * root plus the section's custom roots) are built here once, when the
 * policy is made, so a verification never parses a root again.
 *
 * The checks that compare verified evidence with this section are in
 * tdx_attestation.c.
 */
#include <string.h>

#include "attest/policy/policy.h"
#include "attest/tdx/tdx.h"
#include "core/error.h"
#include "core/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The TCB statuses a policy may accept; Revoked and NotSupported never. */
static const char *const tcb_status_names[] = {
    "UpToDate",  "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
    "OutOfDate", "OutOfDateConfigurationNeeded",
};

/* "*" or an array of exactly four RTMR sets. */
static confai_status read_rtmrs(const json_ctx *ctx, const cJSON *item, policy_tdx *tdx)
{
    confai_status status = CONFAI_OK;
    char p[JSON_PATH_MAX];
    size_t n = 0, i = 0;

    if (cJSON_IsString(item)) {
        if (strcmp(item->valuestring, "*") != 0)
            return json_fail(ctx, "tdx.rtmrs", "expected \"*\" or an array of four");
        tdx->rtmrs_any = 1;
        return CONFAI_OK;
    }
    GUARD(json_read_array(ctx, "tdx.rtmrs", item, 4, 4, &n));
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        json_path_index(p, "tdx.rtmrs", i);
        GUARD(policy_read_set(ctx, p, e, 48, &tdx->rtmrs[i]));
    }
out:
    return status;
}

/* "*" or one 16-byte TEE_TCB_SVN as hex. */
static confai_status read_min_svn(const json_ctx *ctx, const cJSON *item, policy_tdx *tdx)
{
    const char *s;
    size_t len;
    confai_status status = json_read_string(ctx, "tdx.min_tee_tcb_svn", item, &s, &len);
    if (status != CONFAI_OK)
        return status;
    if (strcmp(s, "*") == 0) {
        tdx->min_tee_tcb_svn_any = 1;
        return CONFAI_OK;
    }
    if (!hex_decode_exact(tdx->min_tee_tcb_svn, 16, s, len))
        return json_fail(ctx, "tdx.min_tee_tcb_svn", "expected \"*\" or 16 bytes as 32 hex digits");
    return CONFAI_OK;
}

/* "*" or an integer number of seconds, 1 to POLICY_MAX_AGE_LIMIT. */
static confai_status read_collateral_age(const json_ctx *ctx, const cJSON *item,
                                         policy_tdx *tdx)
{
    uint64_t age = 0;
    confai_status status;
    if (cJSON_IsString(item)) {
        if (strcmp(item->valuestring, "*") != 0)
            return json_fail(ctx, "tdx.max_collateral_age", "expected \"*\" or an integer");
        tdx->max_collateral_age_any = 1;
        return CONFAI_OK;
    }
    status = json_read_uint(ctx, "tdx.max_collateral_age", item, 1, POLICY_MAX_AGE_LIMIT, &age);
    if (status == CONFAI_OK)
        tdx->max_collateral_age = (int64_t)age;
    return status;
}

/*
 * A td_attributes entry with the DEBUG bit (bit 0 of the first byte in
 * quote order) could never be accepted while allow_debug is false: say so
 * now rather than at the first verification.
 */
static confai_status check_debug_values(const json_ctx *ctx, const policy_tdx *tdx)
{
    if (tdx->allow_debug || tdx->td_attributes.any)
        return CONFAI_OK;
    for (size_t i = 0; i < tdx->td_attributes.count; i++)
        if (tdx->td_attributes.items[i * 8] & 0x01)
            return json_fail(ctx, "tdx.td_attributes",
                             "a value has the DEBUG bit set, but allow_debug is false");
    return CONFAI_OK;
}

/* Intel's pinned root plus the section's custom roots. */
static confai_status build_trust(const json_ctx *ctx, policy_tdx *tdx)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;

    GUARD(tdx_trust_new(&tdx->trust, err));
    for (size_t i = 0; i < tdx->custom_roots.count; i++)
        GUARD(tdx_trust_add_root(tdx->trust, tdx->custom_roots.der[i],
                                 tdx->custom_roots.der_len[i], err));
out:
    /* The TDX layer's message stays; the status says whose input was bad. */
    if (status != CONFAI_OK && status != CONFAI_E_NO_MEMORY) {
        status = CONFAI_E_POLICY_INVALID;
        if (err != NULL)
            err->status = status;
    }
    return status;
}

enum {
    T_MRTD, T_RTMRS, T_MRSEAM, T_MR_CONFIG_ID, T_MR_OWNER, T_MR_OWNER_CONFIG, T_ATTRIBUTES,
    T_XFAM, T_ALLOW_DEBUG, T_MIN_SVN, T_TCB_STATUSES, T_MIN_EVAL, T_MAX_AGE, T_REQUIRE_CRLS,
    T_CUSTOM_ROOTS, T_CRLS, T_COUNT
};

confai_status policy_read_tdx(const json_ctx *ctx, const cJSON *item, policy_tdx *tdx)
{
    confai_status status = CONFAI_OK;
    const int list = JSON_STRING | JSON_ARRAY;
    uint64_t eval = 0;
    json_field f[T_COUNT] = {
        [T_MRTD] = { "mrtd", list, 1, NULL },
        [T_RTMRS] = { "rtmrs", list, 1, NULL },
        [T_MRSEAM] = { "mrseam", list, 1, NULL },
        [T_MR_CONFIG_ID] = { "mr_config_id", list, 1, NULL },
        [T_MR_OWNER] = { "mr_owner", list, 1, NULL },
        [T_MR_OWNER_CONFIG] = { "mr_owner_config", list, 1, NULL },
        [T_ATTRIBUTES] = { "td_attributes", list, 1, NULL },
        [T_XFAM] = { "xfam", list, 1, NULL },
        [T_ALLOW_DEBUG] = { "allow_debug", JSON_BOOL, 1, NULL },
        [T_MIN_SVN] = { "min_tee_tcb_svn", JSON_STRING, 1, NULL },
        [T_TCB_STATUSES] = { "tcb_statuses", list, 1, NULL },
        [T_MIN_EVAL] = { "min_tcb_evaluation_data_number", JSON_NUMBER, 1, NULL },
        [T_MAX_AGE] = { "max_collateral_age", JSON_STRING | JSON_NUMBER, 1, NULL },
        [T_REQUIRE_CRLS] = { "require_crls", JSON_BOOL, 1, NULL },
        [T_CUSTOM_ROOTS] = { "custom_roots", JSON_ARRAY, 0, NULL },
        [T_CRLS] = { "crls", JSON_ARRAY, 0, NULL },
    };

    GUARD(json_read_object(ctx, "tdx", item, f, T_COUNT));
    GUARD(policy_read_set(ctx, "tdx.mrtd", f[T_MRTD].value, 48, &tdx->mrtd));
    GUARD(read_rtmrs(ctx, f[T_RTMRS].value, tdx));
    GUARD(policy_read_set(ctx, "tdx.mrseam", f[T_MRSEAM].value, 48, &tdx->mrseam));
    GUARD(policy_read_set(ctx, "tdx.mr_config_id", f[T_MR_CONFIG_ID].value, 48,
                          &tdx->mr_config_id));
    GUARD(policy_read_set(ctx, "tdx.mr_owner", f[T_MR_OWNER].value, 48, &tdx->mr_owner));
    GUARD(policy_read_set(ctx, "tdx.mr_owner_config", f[T_MR_OWNER_CONFIG].value, 48,
                          &tdx->mr_owner_config));
    GUARD(policy_read_set(ctx, "tdx.td_attributes", f[T_ATTRIBUTES].value, 8,
                          &tdx->td_attributes));
    GUARD(policy_read_set(ctx, "tdx.xfam", f[T_XFAM].value, 8, &tdx->xfam));
    GUARD(json_read_bool(ctx, "tdx.allow_debug", f[T_ALLOW_DEBUG].value, &tdx->allow_debug));
    GUARD(check_debug_values(ctx, tdx));
    GUARD(read_min_svn(ctx, f[T_MIN_SVN].value, tdx));
    GUARD(policy_read_names(ctx, "tdx.tcb_statuses", f[T_TCB_STATUSES].value, tcb_status_names,
                            COUNT(tcb_status_names), &tdx->tcb_statuses));
    GUARD(json_read_uint(ctx, "tdx.min_tcb_evaluation_data_number", f[T_MIN_EVAL].value, 0,
                         UINT32_MAX, &eval));
    tdx->min_tcb_eval_num = (uint32_t)eval;
    GUARD(read_collateral_age(ctx, f[T_MAX_AGE].value, tdx));
    GUARD(json_read_bool(ctx, "tdx.require_crls", f[T_REQUIRE_CRLS].value, &tdx->require_crls));
    if (f[T_CUSTOM_ROOTS].value != NULL)
        GUARD(policy_read_pems(ctx, "tdx.custom_roots", f[T_CUSTOM_ROOTS].value, 1,
                               &tdx->custom_roots));
    if (f[T_CRLS].value != NULL)
        GUARD(policy_read_pems(ctx, "tdx.crls", f[T_CRLS].value, 0, &tdx->crls));
    GUARD(build_trust(ctx, tdx));
out:
    return status;
}

void policy_tdx_clear(policy_tdx *tdx)
{
    policy_set *sets[] = { &tdx->mrtd,     &tdx->mrseam,          &tdx->mr_config_id,
                           &tdx->mr_owner, &tdx->mr_owner_config, &tdx->td_attributes,
                           &tdx->xfam,     &tdx->rtmrs[0],        &tdx->rtmrs[1],
                           &tdx->rtmrs[2], &tdx->rtmrs[3] };
    for (size_t i = 0; i < COUNT(sets); i++)
        policy_set_clear(sets[i]);
    policy_names_clear(&tdx->tcb_statuses);
    policy_ders_clear(&tdx->custom_roots);
    policy_ders_clear(&tdx->crls);
    tdx_trust_free(tdx->trust);
    memset(tdx, 0, sizeof(*tdx));
}
