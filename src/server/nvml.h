/*
 * NVIDIA GPUs as an evidence source of the server half: NVML
 * (libnvidia-ml.so.1, part of the NVIDIA driver) loaded with dlopen at run
 * time, so libconfai builds and runs without NVIDIA's headers or library and
 * a host without GPUs only sees CONFAI_E_NVML_UNAVAILABLE when it asks.
 *
 *   nvml *n;
 *   GUARD(nvml_open(&n, NULL, err));          // dlopen + nvmlInit_v2
 *   GUARD(nvml_require_cc(n, err));           // CC mode on, dev tools off
 *   GUARD(nvml_gpu_count(n, &count, err));
 *   for each GPU i:
 *       GUARD(nvml_gpu_evidence_get(&ev, n, i, confai_binding_gpu_nonce, err));
 *       confai_bundle_builder_add_gpu(b, ev.evidence, ev.evidence_len,
 *                                     ev.certs, ev.cert_lens, ev.cert_count, err);
 *       nvml_gpu_evidence_clear(&ev);
 *   nvml_close(n);
 *
 * The evidence is what NVML hands over: the SPDM 1.1 GET_MEASUREMENTS request
 * the driver sent with our nonce followed by the GPU's signed MEASUREMENTS
 * response (attest/gpu/nvgpu.h), and the GPU's attestation certificate chain
 * (PEM in NVML, DER here, leaf first, ending in the NVIDIA Device Identity
 * CA): the exact bytes a bundle's "gpus" entry carries.
 *
 * Thread rule: an open nvml handle does not change; NVML itself is
 * thread-safe, so one handle may be shared between threads. nvml_close needs
 * exclusive access.
 */
#ifndef CONFAI_SERVER_NVML_H
#define CONFAI_SERVER_NVML_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

/* The library nvml_open loads when none is named (the driver's SONAME). */
#define NVML_DEFAULT_LIBRARY "libnvidia-ml.so.1"
#define NVML_MAX_CERTS 8

typedef struct nvml nvml;

/*
 * Loads NVML (library: a file name or path for dlopen; NULL loads
 * NVML_DEFAULT_LIBRARY), resolves every function used here and initialises
 * it (nvmlInit_v2). On failure *out is NULL and nothing stays loaded.
 * Errors: CONFAI_E_NVML_UNAVAILABLE (the library is missing, lacks a function
 * because the driver is older than R535, or fails to initialise: the message
 * has NVML's reason and the fix), CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT confai_status nvml_open(nvml **out, const char *library,
                                                  confai_error *err);

/* Shuts NVML down (nvmlShutdown) and unloads it; NULL is a no-op. */
void nvml_close(nvml *n);

/*
 * The number of GPUs NVML sees (0 is not an error). Errors:
 * CONFAI_E_NVML_UNAVAILABLE (NVML's reason in the message), CONFAI_E_ARGUMENT.
 */
CONFAI_WARN_UNUSED_RESULT confai_status nvml_gpu_count(nvml *n, unsigned *count,
                                                       confai_error *err);

/*
 * Requires the system's confidential-computing state to be on
 * (nvmlSystemGetConfComputeState: ccFeature enabled) with developer tools
 * off (devToolsMode off: in that mode the GPU's memory can be inspected).
 * Errors: CONFAI_E_GPU_CC_OFF (CC off, dev tools on, or a driver or GPU
 * without CC support; the message says how to turn it on),
 * CONFAI_E_NVML_UNAVAILABLE, CONFAI_E_ARGUMENT.
 */
CONFAI_WARN_UNUSED_RESULT confai_status nvml_require_cc(nvml *n, confai_error *err);

/* One GPU's evidence, owned by the struct; release with nvml_gpu_evidence_clear. */
typedef struct nvml_gpu_evidence {
    uint8_t *evidence;               /* SPDM GET_MEASUREMENTS request || MEASUREMENTS response */
    size_t evidence_len;
    uint8_t *certs[NVML_MAX_CERTS];  /* attestation chain, DER, leaf first */
    size_t cert_lens[NVML_MAX_CERTS];
    size_t cert_count;
} nvml_gpu_evidence;

/*
 * Asks GPU index for an attestation report on nonce
 * (nvmlDeviceGetConfComputeGpuAttestationReport) and for its attestation
 * certificate chain (nvmlDeviceGetConfComputeGpuCertificate). The report
 * must parse (spdm_evidence_parse) and its request nonce must be nonce,
 * compared in constant time; signatures and the chain are the verifier's.
 * On failure *out is zeroed and owns nothing.
 * Errors: CONFAI_E_GPU_NONCE (the GPU answered another nonce),
 * CONFAI_E_GPU_CC_OFF (the GPU cannot attest: CC off or not supported),
 * CONFAI_E_NVML_UNAVAILABLE (another NVML failure, its reason in the message),
 * the parse statuses of spdm_evidence_parse and CONFAI_E_UNSUPPORTED for a
 * report that is not SPDM 1.1 evidence, CONFAI_E_MALFORMED (sizes beyond
 * NVML's buffers, a chain without certificates or with undecodable PEM),
 * CONFAI_E_LIMIT (more than NVML_MAX_CERTS certificates), CONFAI_E_ARGUMENT
 * (index not below nvml_gpu_count), CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT confai_status nvml_gpu_evidence_get(nvml_gpu_evidence *out, nvml *n,
                                                              unsigned index,
                                                              const uint8_t nonce[32],
                                                              confai_error *err);

/* Releases what e owns and zeroes it; NULL is a no-op. */
void nvml_gpu_evidence_clear(nvml_gpu_evidence *e);

#endif /* CONFAI_SERVER_NVML_H */
