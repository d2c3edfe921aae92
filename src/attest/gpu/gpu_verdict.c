/*
 * What GPUs add to a verdict: ownership and the "gpus" member of the
 * verdict's JSON (doc/protocol.md, "Verdict"). A GPU that chains to a
 * custom root carries its own warning, as the CPU's root does. Tokens are
 * token/token_verdict.c.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "attest/gpu/gpu_attestation.h"
#include "attest/verdict.h"
#include "core/hex.h"
#include "core/memory.h"

void verdict_gpus_free(verdict_gpus *g)
{
    if (g == NULL)
        return;
    confai_free_secret(g, sizeof(*g));
}

void verdict_attach_gpus(confai_verdict *verdict, verdict_gpus **g)
{
    verdict->gpus = *g;
    *g = NULL;
}

/* --- JSON ------------------------------------------------------------------------ */

static int add_string(cJSON *obj, const char *name, const char *value)
{
    return cJSON_AddStringToObject(obj, name, value) != NULL;
}

static int add_hex(cJSON *obj, const char *name, const uint8_t *data, size_t len)
{
    char text[2 * 32 + 1];
    hex_encode(text, data, len);
    return add_string(obj, name, text);
}

static int add_root(cJSON *gpu, const verdict_gpu *v)
{
    cJSON *root = cJSON_AddObjectToObject(gpu, "root");
    if (root == NULL)
        return 0;
    int custom = v->root_kind == NVGPU_ROOT_CUSTOM;
    int ok = add_string(root, "kind", custom ? "custom" : "vendor")
             && add_hex(root, "spki_sha256", v->root_spki_sha256, 32)
             && add_string(root, "subject", v->root_subject);
    if (ok && custom) {
        char warning[VERDICT_WARNING_SIZE];
        snprintf(warning, sizeof(warning),
                 "NOT an NVIDIA root: this GPU's evidence chains to a custom root that the "
                 "policy added (%s). Only a test or simulated GPU should be accepted this way; "
                 "this is no proof of a real NVIDIA GPU.",
                 v->root_subject[0] != '\0' ? v->root_subject : "unnamed");
        ok = add_string(root, "warning", warning);
    }
    return ok;
}

int gpu_json_add_identity(cJSON *gpu, const nvgpu_identity *id)
{
    cJSON *o = cJSON_AddObjectToObject(gpu, "identity");
    if (o == NULL || !add_hex(o, "leaf_spki_sha256", id->leaf_spki_sha256, 32))
        return 0;
    if (id->device_id[0] == '\0')
        return cJSON_AddNullToObject(o, "device_id") != NULL;
    return add_string(o, "device_id", id->device_id);
}

static int add_gpu(cJSON *arr, const verdict_gpu *v)
{
    cJSON *gpu = cJSON_CreateObject();
    if (gpu == NULL || !cJSON_AddItemToArray(arr, gpu)) {
        cJSON_Delete(gpu);
        return 0;
    }
    int ok = add_string(gpu, "type", "nvidia-spdm") && add_string(gpu, "driver_version", v->driver_version)
             && add_string(gpu, "vbios_version", v->vbios_version)
             && add_string(gpu, "chip_sku", v->chip_sku) && add_string(gpu, "project", v->project)
             && add_string(gpu, "project_sku", v->project_sku)
             && cJSON_AddNumberToObject(gpu, "measurement_blocks", (double)v->block_count) != NULL
             && add_string(gpu, "device", v->leaf_subject)
             && gpu_json_add_identity(gpu, &v->identity) && add_root(gpu, v);
    cJSON *matched = ok ? cJSON_AddArrayToObject(gpu, "measurements_matched") : NULL;
    for (size_t i = 0; matched != NULL && i < v->matched_count; i++) {
        cJSON *n = cJSON_CreateNumber(v->matched[i]);
        if (n == NULL || !cJSON_AddItemToArray(matched, n)) {
            cJSON_Delete(n);
            return 0;
        }
    }
    return ok && matched != NULL;
}

int verdict_json_add_gpus(cJSON *root, const verdict_gpus *g)
{
    cJSON *gpus = cJSON_AddArrayToObject(root, "gpus");
    if (gpus == NULL)
        return 0;
    for (size_t i = 0; g != NULL && i < g->gpu_count; i++)
        if (!add_gpu(gpus, &g->gpus[i]))
            return 0;
    return 1;
}
