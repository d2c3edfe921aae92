/*
 * Policy documents (doc/policy.md): the top level and the public handle.
 *
 *   { "version": 1, "platforms": ["sev-snp"], "max_age": 3600,
 *     "manifest": {"sha256": "*" | [hex, ...]},
 *     "sev_snp": {...}, "tdx": {...}, "gpus": {...} }
 *
 * A platform section is required exactly when the platform is listed, so a
 * section that would never be used, or a listed platform without its
 * constraints, is a mistake the author hears about at once. The SNP trust
 * anchors (AMD's pins plus the policy's roots and CRLs) are built here once:
 * a policy is immutable and shared by every verification that uses it.
 */
#include "attest/policy/policy.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/error.h"
#include "core/memory.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static confai_status read_platforms(const json_ctx *ctx, const cJSON *item,
                                    confai_policy *policy)
{
    confai_status status = CONFAI_OK;
    policy_names names;
    const char *const allowed[] = { "sev-snp", "tdx" };

    memset(&names, 0, sizeof(names));
    if (cJSON_IsString(item))
        return json_fail(ctx, "platforms", "expected an array of platform names (no wildcard)");
    GUARD(policy_read_names(ctx, "platforms", item, allowed, COUNT(allowed), &names));
    for (size_t i = 0; i < names.count; i++)
        policy->platforms |= strcmp(names.items[i], "sev-snp") == 0 ? POLICY_PLATFORM_SEV_SNP
                                                                     : POLICY_PLATFORM_TDX;
out:
    policy_names_clear(&names);
    return status;
}

static confai_status read_manifest(const json_ctx *ctx, const cJSON *item, confai_policy *policy)
{
    confai_status status = CONFAI_OK;
    json_field f[] = { { "sha256", JSON_STRING | JSON_ARRAY, 1, NULL } };
    GUARD(json_read_object(ctx, "manifest", item, f, COUNT(f)));
    GUARD(policy_read_set(ctx, "manifest.sha256", f[0].value, 32, &policy->manifest));
out:
    return status;
}

/* A section is present exactly when its platform is listed. */
static confai_status check_section(const json_ctx *ctx, const char *name, const cJSON *section,
                                   int listed)
{
    if (listed && section == NULL)
        return json_fail(ctx, name, "missing (the platform is listed in platforms)");
    if (!listed && section != NULL)
        return json_fail(ctx, name, "given, but the platform is not listed in platforms");
    return CONFAI_OK;
}

enum { P_VERSION, P_PLATFORMS, P_MAX_AGE, P_MANIFEST, P_SNP, P_TDX, P_GPUS, P_TOKENS, P_COUNT };

static confai_status read_document(const json_ctx *ctx, const cJSON *root, confai_policy *policy)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    uint64_t version = 0, max_age = 0;
    json_field f[P_COUNT] = {
        [P_VERSION] = { "version", JSON_NUMBER, 1, NULL },
        [P_PLATFORMS] = { "platforms", JSON_STRING | JSON_ARRAY, 1, NULL },
        [P_MAX_AGE] = { "max_age", JSON_NUMBER, 1, NULL },
        [P_MANIFEST] = { "manifest", JSON_OBJECT, 1, NULL },
        [P_SNP] = { "sev_snp", JSON_OBJECT, 0, NULL },
        [P_TDX] = { "tdx", JSON_OBJECT, 0, NULL },
        [P_GPUS] = { "gpus", JSON_OBJECT, 0, NULL },
        [P_TOKENS] = { "tokens", JSON_OBJECT, 0, NULL },
    };

    GUARD(json_read_object(ctx, "", root, f, P_COUNT));
    GUARD(json_read_uint(ctx, "version", f[P_VERSION].value, 0, UINT32_MAX, &version));
    ENSURE(version == POLICY_VERSION, CONFAI_E_POLICY_INVALID,
           "policy: version %llu is not supported (expected %d)", (unsigned long long)version,
           POLICY_VERSION);
    policy->version = (uint32_t)version;
    GUARD(read_platforms(ctx, f[P_PLATFORMS].value, policy));
    GUARD(json_read_uint(ctx, "max_age", f[P_MAX_AGE].value, 1, POLICY_MAX_AGE_LIMIT, &max_age));
    policy->max_age = (int64_t)max_age;
    GUARD(read_manifest(ctx, f[P_MANIFEST].value, policy));

    GUARD(check_section(ctx, "sev_snp", f[P_SNP].value,
                        (policy->platforms & POLICY_PLATFORM_SEV_SNP) != 0));
    GUARD(check_section(ctx, "tdx", f[P_TDX].value, (policy->platforms & POLICY_PLATFORM_TDX) != 0));
    if (f[P_SNP].value != NULL) {
        GUARD(policy_read_snp(ctx, f[P_SNP].value, &policy->snp));
        policy->has_snp = 1;
    }
    if (f[P_TDX].value != NULL) {
        GUARD(policy_read_tdx(ctx, f[P_TDX].value, &policy->tdx));
        policy->has_tdx = 1;
    }
    if (f[P_GPUS].value != NULL) {
        GUARD(policy_read_gpus(ctx, f[P_GPUS].value, &policy->gpus));
        policy->has_gpus = 1;
    }
    if (f[P_TOKENS].value != NULL) {
        GUARD(policy_read_tokens(ctx, f[P_TOKENS].value, &policy->tokens));
        policy->has_tokens = 1;
    }
out:
    return status;
}

/* AMD's pinned ARKs plus the policy's own roots and CRLs. */
static confai_status build_snp_trust(confai_policy *policy, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const policy_ders *roots = &policy->snp.custom_roots;
    const policy_ders *crls = &policy->snp.crls;

    GUARD(snp_trust_new(&policy->snp_trust, err));
    for (size_t i = 0; i < roots->count; i++)
        GUARD(snp_trust_add_root(policy->snp_trust, roots->der[i], roots->der_len[i], err));
    for (size_t i = 0; i < crls->count; i++)
        GUARD(snp_trust_add_crl(policy->snp_trust, crls->der[i], crls->der_len[i], err));
out:
    /* The SNP layer's message stays; the status says whose input was bad. */
    if (status != CONFAI_OK && status != CONFAI_E_NO_MEMORY) {
        status = CONFAI_E_POLICY_INVALID;
        if (err != NULL)
            err->status = status;
    }
    return status;
}

confai_status confai_policy_new(confai_policy **policy, const char *json, size_t json_len,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_policy *p = NULL;
    cJSON *root = NULL;
    json_ctx ctx = { "policy", CONFAI_E_POLICY_INVALID, CONFAI_E_POLICY_INVALID, 1, err };

    confai_err_clear(err);
    ENSURE_ARG(policy != NULL, "policy");
    *policy = NULL;
    ENSURE_ARG(json != NULL, "json");

    p = confai_zalloc(sizeof(*p));
    ENSURE(p != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
    GUARD(json_parse(&root, &ctx, json, json_len, CONFAI_POLICY_MAX_SIZE));
    GUARD(read_document(&ctx, root, p));
    if (p->has_snp)
        GUARD(build_snp_trust(p, err));
    *policy = p;
    p = NULL;
out:
    cJSON_Delete(root);
    confai_policy_free(p);
    return status;
}

void confai_policy_free(confai_policy *policy)
{
    if (policy == NULL)
        return;
    snp_trust_free(policy->snp_trust);
    policy_set_clear(&policy->manifest);
    policy_snp_clear(&policy->snp);
    policy_tdx_clear(&policy->tdx);
    policy_gpus_clear(&policy->gpus);
    policy_tokens_clear(&policy->tokens);
    confai_free_secret(policy, sizeof(*policy));
}

int64_t confai_policy_max_age(const confai_policy *policy)
{
    return policy == NULL ? 0 : policy->max_age;
}

size_t confai_policy_max_size(void)
{
    return CONFAI_POLICY_MAX_SIZE;
}
