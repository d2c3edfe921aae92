/*
 * Simulated GPUs in evidence bundles and policies, shared by the public-path
 * tests of both CPUs (test_attestation_gpu.c next to SEV-SNP,
 * test_attestation_tdx.c next to TDX): a bundle's "gpus" entry from a
 * gpu_sim, and a policy "gpus" section that accepts a sim's default
 * evidence under its custom root. Each sim is one GPU: a bundle that lists
 * one sim twice is one GPU listed twice (CONFAI_E_GPU_DUPLICATE), so a
 * bundle of several GPUs takes several sims, each root pinned.
 */
#ifndef CONFAI_TESTS_GPU_SIM_FIXTURE_H
#define CONFAI_TESTS_GPU_SIM_FIXTURE_H

#include <stdio.h>

#include <cJSON.h>
#include <openssl/crypto.h>

#include "core/base64.h"
#include "core/hex.h"
#include "sim/gpu_sim.h"

static inline cJSON *gsf_b64_item(const uint8_t *data, size_t len)
{
    char *s = NULL;
    assert_int_equal(base64_encode(&s, data, len, NULL), CONFAI_OK);
    cJSON *item = cJSON_CreateString(s);
    OPENSSL_free(s);
    return item;
}

/* One bundle "gpus" entry from sim with these parameters and SPDM nonce. */
static inline cJSON *gsf_gpu_entry(const gpu_sim *sim, const gpu_sim_params *params,
                                   const uint8_t nonce[32])
{
    uint8_t *ev = NULL;
    size_t len = 0;
    assert_int_equal(gpu_sim_evidence(sim, &ev, &len, nonce, params, NULL), CONFAI_OK);
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "type", "nvidia-spdm");
    cJSON_AddItemToObject(g, "evidence", gsf_b64_item(ev, len));
    const uint8_t *certs[GPU_SIM_CERTS];
    size_t lens[GPU_SIM_CERTS];
    gpu_sim_chain(sim, certs, lens);
    cJSON *arr = cJSON_AddArrayToObject(g, "certs");
    for (size_t i = 0; i < GPU_SIM_CERTS; i++)
        cJSON_AddItemToArray(arr, gsf_b64_item(certs[i], lens[i]));
    OPENSSL_free(ev);
    return g;
}

/* A gpus section accepting sim's default evidence: 1..2 GPUs, every block pinned. */
static inline cJSON *gsf_gpus_section(const gpu_sim *sim)
{
    cJSON *g = cJSON_CreateObject();
    cJSON_AddNumberToObject(g, "min_count", 1);
    cJSON_AddNumberToObject(g, "max_count", 2);
    cJSON_AddStringToObject(g, "cc_mode", "on");
    cJSON *m = cJSON_AddArrayToObject(g, "measurements");
    for (unsigned i = 1; i <= 16; i++) {
        uint8_t v[GPU_SIM_VALUE_SIZE];
        char hex[2 * GPU_SIM_VALUE_SIZE + 1], name[32];
        gpu_sim_default_value(v, i);
        hex_encode(hex, v, sizeof(v));
        snprintf(name, sizeof(name), "Measurement_%u", i - 1);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "index", i - 1);
        cJSON_AddStringToObject(e, "name", name);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "accept"), cJSON_CreateString(hex));
        cJSON_AddItemToArray(m, e);
    }
    cJSON_AddItemToObject(g, "driver_versions",
                          cJSON_CreateStringArray((const char *const[]){ "550.90.07" }, 1));
    cJSON_AddItemToObject(g, "vbios_versions",
                          cJSON_CreateStringArray((const char *const[]){ "96.00.9F.00.01" }, 1));
    cJSON *roots = cJSON_AddArrayToObject(g, "custom_roots");
    cJSON_AddItemToArray(roots, cJSON_CreateString(gpu_sim_root_pem(sim)));
    return g;
}

/* Adds sim's device root to a gpus section's custom_roots: one more GPU it accepts. */
static inline void gsf_pin_root(cJSON *section, const gpu_sim *sim)
{
    cJSON *roots = cJSON_GetObjectItemCaseSensitive(section, "custom_roots");
    cJSON_AddItemToArray(roots, cJSON_CreateString(gpu_sim_root_pem(sim)));
}

#endif /* CONFAI_TESTS_GPU_SIM_FIXTURE_H */
