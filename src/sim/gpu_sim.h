/*
 * A simulated NVIDIA GPU in confidential-computing mode: a P-384 device PKI
 * made with OpenSSL (a self-signed "device identity" root, a provisioning
 * CA and a device leaf, as NVIDIA's chains are built) and SPDM 1.1
 * GET_MEASUREMENTS request + MEASUREMENTS response evidence in the real
 * format, signed by the leaf over the request and the response (ECDSA
 * P-384 / SHA-384, R || S).
 *
 * Used by the tests and benchmarks and by a gateway that simulates GPUs.
 * Nothing in the verifier knows about it: a policy pins the simulated root
 * as a custom root in its gpus section, and the production code path
 * verifies the evidence (the verdict then warns that the root is not
 * NVIDIA's).
 *
 *   gpu_sim_new(&sim, time(NULL), err);
 *   gpu_sim_params_default(&params);
 *   gpu_sim_evidence(sim, &ev, &ev_len, sha256_of_transcript, &params, err);
 *   gpu_sim_chain(sim, certs, lens);      // leaf, CA, root (DER)
 *
 * A sim is immutable after gpu_sim_new: shareable between threads.
 */
#ifndef CONFAI_SIM_GPU_SIM_H
#define CONFAI_SIM_GPU_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define GPU_SIM_CERTS 3
#define GPU_SIM_VALUE_SIZE 48
#define GPU_SIM_MAX_BLOCKS 64

typedef struct gpu_sim gpu_sim;

/* What one piece of evidence reports. */
typedef struct gpu_sim_params {
    unsigned block_count;                            /* 1..GPU_SIM_MAX_BLOCKS, indices 1.. */
    uint8_t values[GPU_SIM_MAX_BLOCKS][GPU_SIM_VALUE_SIZE]; /* block i+1's SHA-384 value */
    char driver_version[32];                         /* "550.90.07" */
    uint8_t vbios[8];                                /* b0..b7, shown b3.b2.b1.b0.b4 */
    char chip_sku[8], project[8], project_sku[8];    /* "882", "1010", "0200" */
} gpu_sim_params;

/*
 * An H100-like default: 16 blocks with a fixed pattern, driver 550.90.07,
 * VBIOS 96.00.9F.00.01, chip SKU 882, project 1010, project SKU 0200.
 */
void gpu_sim_params_default(gpu_sim_params *params);

/* The default value of block index (1-based), for building policies. */
void gpu_sim_default_value(uint8_t out[GPU_SIM_VALUE_SIZE], unsigned index);

/*
 * Makes a device PKI valid from a day before now for ten years. On failure
 * *sim is NULL. Errors: CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
confai_status gpu_sim_new(gpu_sim **sim, int64_t now, confai_error *err);
void gpu_sim_free(gpu_sim *sim);

/* The chain as the bundle carries it: leaf, CA, root (DER, borrowed). */
void gpu_sim_chain(const gpu_sim *sim, const uint8_t *certs[GPU_SIM_CERTS],
                   size_t lens[GPU_SIM_CERTS]);

/* The root certificate as PEM (NUL-terminated, borrowed), for policies. */
const char *gpu_sim_root_pem(const gpu_sim *sim);

/*
 * Signed evidence for a request nonce: *evidence (release with
 * OPENSSL_free) and *len. Errors: CONFAI_E_ARGUMENT (block count, text too
 * long), CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
confai_status gpu_sim_evidence(const gpu_sim *sim, uint8_t **evidence, size_t *len,
                               const uint8_t nonce[32], const gpu_sim_params *params,
                               confai_error *err);

#endif /* CONFAI_SIM_GPU_SIM_H */
