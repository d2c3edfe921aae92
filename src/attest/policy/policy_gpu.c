/*
 * The "gpus" section of a policy (doc/policy.md, "gpus"): how many GPUs a
 * bundle must carry, the confidential-computing mode, the accepted
 * measurements per index (the shape confai-rim2policy writes from an NVIDIA
 * RIM), the accepted driver and VBIOS versions, and custom roots. The trust
 * anchors (NVIDIA's pinned Device Identity CA plus the custom roots) are
 * built here once, as the SNP anchors are in policy.c.
 *
 * Without a "gpus" section a policy accepts no GPU evidence at all; with one,
 * every member is explicit and a wildcard is written "*".
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "attest/policy/policy.h"
#include "core/error.h"
#include "core/hex.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ALTERNATIVES 16

/* {"index": n, "name": "...", "accept": [hex, ...]} */
static confai_status read_measurement(const json_ctx *ctx, const char *path, const cJSON *item,
                                      nvgpu_reference *ref)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX], q[JSON_PATH_MAX];
    uint64_t index = 0;
    size_t n = 0, i = 0;
    uint8_t scratch[SPDM_MAX_VALUE_SIZE];
    char **hex = NULL;
    json_field f[] = {
        { "index", JSON_NUMBER, 1, NULL },
        { "name", JSON_STRING, 0, NULL },
        { "accept", JSON_ARRAY, 1, NULL },
    };

    GUARD(json_read_object(ctx, path, item, f, COUNT(f)));
    json_path_member(p, path, "index");
    GUARD(json_read_uint(ctx, p, f[0].value, 0, SPDM_MAX_BLOCKS - 1, &index));
    ref->index = (unsigned)index;
    json_path_member(p, path, "accept");
    GUARD(json_read_array(ctx, p, f[2].value, 1, MAX_ALTERNATIVES, &n));
    hex = OPENSSL_zalloc(n * sizeof(*hex));
    ENSURE(hex != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
    ref->digests_hex = (const char *const *)hex;
    for (const cJSON *e = f[2].value->child; e != NULL; e = e->next, i++) {
        const char *s;
        size_t len;
        json_path_index(q, p, i);
        GUARD(json_read_string(ctx, q, e, &s, &len));
        if (strcmp(s, "*") == 0)
            return json_fail(ctx, q, "a wildcard is written \"*\" in place of the whole list");
        if (len == 0 || len % 2 != 0 || len / 2 > SPDM_MAX_VALUE_SIZE
            || !hex_decode_exact(scratch, len / 2, s, len))
            return json_fail(ctx, q, "expected a digest as hex (up to 64 bytes)");
        hex[i] = OPENSSL_strdup(s);
        ENSURE(hex[i] != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
        ref->digest_count = i + 1;
    }
out:
    return status;
}

static confai_status read_measurements(const json_ctx *ctx, const cJSON *item,
                                       policy_gpus *gpus)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    const char *path = "gpus.measurements";
    char p[JSON_PATH_MAX];
    size_t n = 0, i = 0;

    if (cJSON_IsString(item)) {
        if (strcmp(item->valuestring, "*") != 0)
            return json_fail(ctx, path, "expected \"*\" or an array");
        gpus->measurements_any = 1;
        return CONFAI_OK;
    }
    GUARD(json_read_array(ctx, path, item, 1, SPDM_MAX_BLOCKS, &n));
    gpus->measurements = OPENSSL_zalloc(n * sizeof(*gpus->measurements));
    ENSURE(gpus->measurements != NULL, CONFAI_E_NO_MEMORY, "policy: out of memory");
    for (const cJSON *e = item->child; e != NULL; e = e->next, i++) {
        json_path_index(p, path, i);
        gpus->measurement_count = i + 1;
        GUARD(read_measurement(ctx, p, e, &gpus->measurements[i]));
        for (size_t j = 0; j < i; j++)
            if (gpus->measurements[j].index == gpus->measurements[i].index)
                return json_fail(ctx, p, "index listed twice");
    }
out:
    return status;
}

/* NVIDIA's pinned root plus the policy's own, as the verifier wants them. */
static confai_status build_trust(const json_ctx *ctx, policy_gpus *gpus)
{
    confai_status status = CONFAI_OK;
    confai_error *err = ctx->err;
    char p[JSON_PATH_MAX];

    GUARD(nvgpu_trust_new(&gpus->trust, err));
    for (size_t i = 0; i < gpus->custom_roots.count; i++) {
        confai_status s = nvgpu_trust_add_root(gpus->trust, gpus->custom_roots.der[i],
                                               gpus->custom_roots.der_len[i], err);
        if (s == CONFAI_E_NO_MEMORY)
            return s;
        if (s != CONFAI_OK) {
            json_path_index(p, "gpus.custom_roots", i);
            return json_fail(ctx, p, "not a self-signed CA certificate");
        }
    }
out:
    return status;
}

enum {
    G_MIN_COUNT, G_MAX_COUNT, G_CC_MODE, G_MEASUREMENTS, G_DRIVERS, G_VBIOS, G_CUSTOM_ROOTS,
    G_COUNT
};

confai_status policy_read_gpus(const json_ctx *ctx, const cJSON *item, policy_gpus *gpus)
{
    confai_status status = CONFAI_OK;
    const int list = JSON_STRING | JSON_ARRAY;
    uint64_t min = 0, max = 0;
    const char *mode;
    size_t mode_len;
    json_field f[G_COUNT] = {
        [G_MIN_COUNT] = { "min_count", JSON_NUMBER, 1, NULL },
        [G_MAX_COUNT] = { "max_count", JSON_NUMBER, 1, NULL },
        [G_CC_MODE] = { "cc_mode", JSON_STRING, 1, NULL },
        [G_MEASUREMENTS] = { "measurements", list, 1, NULL },
        [G_DRIVERS] = { "driver_versions", list, 1, NULL },
        [G_VBIOS] = { "vbios_versions", list, 1, NULL },
        [G_CUSTOM_ROOTS] = { "custom_roots", JSON_ARRAY, 0, NULL },
    };

    GUARD(json_read_object(ctx, "gpus", item, f, G_COUNT));
    GUARD(json_read_uint(ctx, "gpus.min_count", f[G_MIN_COUNT].value, 0, 16, &min));
    GUARD(json_read_uint(ctx, "gpus.max_count", f[G_MAX_COUNT].value, min, 16, &max));
    gpus->min_count = (uint32_t)min;
    gpus->max_count = (uint32_t)max;
    GUARD(json_read_string(ctx, "gpus.cc_mode", f[G_CC_MODE].value, &mode, &mode_len));
    if (strcmp(mode, "on") != 0 && strcmp(mode, "devtools") != 0)
        return json_fail(ctx, "gpus.cc_mode", "expected \"on\" or \"devtools\"");
    gpus->allow_devtools = strcmp(mode, "devtools") == 0;
    GUARD(read_measurements(ctx, f[G_MEASUREMENTS].value, gpus));
    /*
     * SPDM evidence has no field that states the mode: devtools mode shows
     * only in the measured values. A wildcard could not tell the modes apart.
     */
    if (gpus->measurements_any && !gpus->allow_devtools)
        return json_fail(ctx, "gpus.measurements",
                         "\"*\" cannot rule out devtools mode; pin the measurements for "
                         "cc_mode \"on\" (or write cc_mode \"devtools\")");
    GUARD(policy_read_names(ctx, "gpus.driver_versions", f[G_DRIVERS].value, NULL, 0,
                            &gpus->driver_versions));
    GUARD(policy_read_names(ctx, "gpus.vbios_versions", f[G_VBIOS].value, NULL, 0,
                            &gpus->vbios_versions));
    if (f[G_CUSTOM_ROOTS].value != NULL)
        GUARD(policy_read_pems(ctx, "gpus.custom_roots", f[G_CUSTOM_ROOTS].value, 1,
                               &gpus->custom_roots));
    GUARD(build_trust(ctx, gpus));
out:
    return status;
}

const char *policy_gpu_root_subject(const policy_gpus *gpus, const uint8_t spki_sha256[32])
{
    const policy_ders *roots = &gpus->custom_roots;
    for (size_t i = 0; i < roots->count; i++)
        if (CRYPTO_memcmp(roots->spki_sha256[i], spki_sha256, 32) == 0)
            return roots->subject[i];
    return NULL;
}

void policy_gpus_clear(policy_gpus *gpus)
{
    for (size_t i = 0; i < gpus->measurement_count; i++) {
        char **hex = (char **)gpus->measurements[i].digests_hex;
        for (size_t j = 0; hex != NULL && j < gpus->measurements[i].digest_count; j++)
            OPENSSL_free(hex[j]);
        OPENSSL_free(hex);
    }
    OPENSSL_free(gpus->measurements);
    policy_names_clear(&gpus->driver_versions);
    policy_names_clear(&gpus->vbios_versions);
    policy_ders_clear(&gpus->custom_roots);
    nvgpu_trust_free(gpus->trust);
    memset(gpus, 0, sizeof(*gpus));
}
