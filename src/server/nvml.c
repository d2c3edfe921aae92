/*
 * NVML loaded at run time (server/nvml.h). No NVIDIA header is used: the few
 * types and constants needed are declared below, matching the published
 * ABI of nvml.h (NVML 12.535, driver R535, the first with the confidential-
 * computing calls; unchanged up to NVML 13.3.29). NVML's return type is an
 * enum of int size, its device handle an opaque pointer.
 */
#include "server/nvml.h"

#include <dlfcn.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "attest/gpu/nvgpu.h"
#include "core/error.h"
#include "core/memory.h"

/* --- the NVML ABI (nvml.h) --------------------------------------------------------- */

typedef int nvml_return; /* nvmlReturn_t */
typedef struct nvml_device_st *nvml_device; /* nvmlDevice_t */

#define NVML_SUCCESS 0
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_NO_PERMISSION 4
#define NVML_ERROR_DRIVER_NOT_LOADED 9
#define NVML_ERROR_LIB_RM_VERSION_MISMATCH 18

#define NVML_CC_SYSTEM_DEVTOOLS_MODE_OFF 0
#define NVML_CC_SYSTEM_FEATURE_ENABLED 1

/* nvmlConfComputeSystemState_t */
typedef struct nvml_cc_state {
    unsigned int environment;  /* 0 unavailable, 1 simulation, 2 production */
    unsigned int cc_feature;   /* NVML_CC_SYSTEM_FEATURE_* */
    unsigned int dev_tools_mode;
} nvml_cc_state;

/* nvmlConfComputeGpuCertificate_t */
#define NVML_GPU_CERT_CHAIN_SIZE 0x1000
#define NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE 0x1400
typedef struct nvml_cc_certificate {
    unsigned int cert_chain_size;
    unsigned int attestation_cert_chain_size;
    unsigned char cert_chain[NVML_GPU_CERT_CHAIN_SIZE];
    unsigned char attestation_cert_chain[NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE];
} nvml_cc_certificate;

/* nvmlConfComputeGpuAttestationReport_t */
#define NVML_CC_GPU_CEC_NONCE_SIZE 0x20
#define NVML_CC_GPU_ATTESTATION_REPORT_SIZE 0x2000
#define NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE 0x1000
typedef struct nvml_cc_report {
    unsigned int is_cec_attestation_report_present; /* output */
    unsigned int attestation_report_size;           /* output */
    unsigned int cec_attestation_report_size;       /* output */
    unsigned char nonce[NVML_CC_GPU_CEC_NONCE_SIZE]; /* input */
    unsigned char attestation_report[NVML_CC_GPU_ATTESTATION_REPORT_SIZE];
    unsigned char cec_attestation_report[NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE];
} nvml_cc_report;

_Static_assert(sizeof(nvml_cc_state) == 12, "nvmlConfComputeSystemState_t");
_Static_assert(sizeof(nvml_cc_certificate) == 8 + 0x1000 + 0x1400,
               "nvmlConfComputeGpuCertificate_t");
_Static_assert(sizeof(nvml_cc_report) == 12 + 0x20 + 0x2000 + 0x1000,
               "nvmlConfComputeGpuAttestationReport_t");
_Static_assert(NVML_CC_GPU_CEC_NONCE_SIZE == SPDM_NONCE_SIZE, "SPDM nonce size");

/* Every function used, resolved at nvml_open. */
typedef struct nvml_api {
    nvml_return (*init_v2)(void);
    nvml_return (*shutdown)(void);
    const char *(*error_string)(nvml_return result);
    nvml_return (*device_get_count_v2)(unsigned int *count);
    nvml_return (*device_get_handle_by_index_v2)(unsigned int index, nvml_device *device);
    nvml_return (*system_get_conf_compute_state)(nvml_cc_state *state);
    nvml_return (*device_get_conf_compute_gpu_attestation_report)(nvml_device device,
                                                                   nvml_cc_report *report);
    nvml_return (*device_get_conf_compute_gpu_certificate)(nvml_device device,
                                                            nvml_cc_certificate *cert);
} nvml_api;

struct nvml {
    void *lib;       /* dlopen handle */
    int initialised; /* nvmlInit_v2 succeeded: nvmlShutdown is owed */
    nvml_api api;
};

#define DRIVER_FIX "install the NVIDIA driver (R535 or later) in the guest"

/* NVML's text for rc; never NULL. */
static const char *reason(const nvml *n, nvml_return rc)
{
    const char *s = n->api.error_string != NULL ? n->api.error_string(rc) : NULL;
    return s != NULL ? s : "unknown NVML error";
}

/* A fix for an NVML failure that is not specific to one call. */
static const char *fix_for(nvml_return rc)
{
    switch (rc) {
    case NVML_ERROR_DRIVER_NOT_LOADED:
        return "load the NVIDIA kernel driver (R535 or later) in the guest (modprobe nvidia)";
    case NVML_ERROR_NO_PERMISSION:
        return "run as a user that may open /dev/nvidia*";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        return "libnvidia-ml and the kernel driver differ: reinstall the driver and reboot";
    default:
        return "check that nvidia-smi works in the guest";
    }
}

/* --- open and close ---------------------------------------------------------------- */

/*
 * dlsym returns void *; ISO C has no conversion to a function pointer, so the
 * address is copied into the pointer's storage (as POSIX allows).
 */
static int resolve(void *lib, const char *name, void *fn_ptr, size_t fn_size)
{
    void *sym = dlsym(lib, name);
    if (sym == NULL)
        return 0;
    memcpy(fn_ptr, &sym, fn_size);
    return 1;
}

#define RESOLVE(field, name)                                                                \
    ENSURE(resolve(n->lib, (name), &n->api.field, sizeof(n->api.field)),                    \
           CONFAI_E_NVML_UNAVAILABLE, "%s has no %s: the driver is older than R535; " \
           DRIVER_FIX, library, (name))

confai_status nvml_open(nvml **out, const char *library, confai_error *err)
{
    confai_status status = CONFAI_OK;
    nvml *n = NULL;
    ENSURE_ARG(out != NULL, "out");
    *out = NULL;
    if (library == NULL)
        library = NVML_DEFAULT_LIBRARY;
    n = confai_zalloc(sizeof(*n));
    ENSURE(n != NULL, CONFAI_E_NO_MEMORY, "nvml: out of memory");

    (void)dlerror();
    n->lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (n->lib == NULL) {
        const char *why = dlerror();
        BAIL(CONFAI_E_NVML_UNAVAILABLE, "%s not found (%s): " DRIVER_FIX, library,
             why != NULL ? why : "dlopen failed");
    }
    RESOLVE(error_string, "nvmlErrorString");
    RESOLVE(init_v2, "nvmlInit_v2");
    RESOLVE(shutdown, "nvmlShutdown");
    RESOLVE(device_get_count_v2, "nvmlDeviceGetCount_v2");
    RESOLVE(device_get_handle_by_index_v2, "nvmlDeviceGetHandleByIndex_v2");
    RESOLVE(system_get_conf_compute_state, "nvmlSystemGetConfComputeState");
    RESOLVE(device_get_conf_compute_gpu_attestation_report,
            "nvmlDeviceGetConfComputeGpuAttestationReport");
    RESOLVE(device_get_conf_compute_gpu_certificate, "nvmlDeviceGetConfComputeGpuCertificate");

    nvml_return rc = n->api.init_v2();
    ENSURE(rc == NVML_SUCCESS, CONFAI_E_NVML_UNAVAILABLE, "NVML failed to initialise: %s (%d): %s",
           reason(n, rc), rc, fix_for(rc));
    n->initialised = 1;
    *out = n;
    n = NULL;
out:
    nvml_close(n);
    return status;
}

void nvml_close(nvml *n)
{
    if (n == NULL)
        return;
    if (n->initialised)
        (void)n->api.shutdown();
    if (n->lib != NULL)
        dlclose(n->lib);
    confai_free_secret(n, sizeof(*n));
}

/* --- queries ----------------------------------------------------------------------- */

confai_status nvml_gpu_count(nvml *n, unsigned *count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(count != NULL, "count");
    *count = 0;
    ENSURE_ARG(n != NULL, "n");
    unsigned int c = 0;
    nvml_return rc = n->api.device_get_count_v2(&c);
    ENSURE(rc == NVML_SUCCESS, CONFAI_E_NVML_UNAVAILABLE, "NVML cannot count the GPUs: %s (%d): %s",
           reason(n, rc), rc, fix_for(rc));
    *count = c;
out:
    return status;
}

confai_status nvml_require_cc(nvml *n, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(n != NULL, "n");
    nvml_cc_state state = { 0 };
    nvml_return rc = n->api.system_get_conf_compute_state(&state);
    ENSURE(rc != NVML_ERROR_NOT_SUPPORTED, CONFAI_E_GPU_CC_OFF,
           "the driver or GPU does not support confidential computing (%s): use a Hopper or "
           "later GPU with the NVIDIA driver R535 or later in a CVM",
           reason(n, rc));
    ENSURE(rc == NVML_SUCCESS, CONFAI_E_NVML_UNAVAILABLE,
           "NVML cannot read the confidential-computing state: %s (%d): %s", reason(n, rc), rc,
           fix_for(rc));
    ENSURE(state.cc_feature == NVML_CC_SYSTEM_FEATURE_ENABLED, CONFAI_E_GPU_CC_OFF,
           "confidential-computing mode is off: turn it on from the host (NVIDIA nvtrust's "
           "nvidia_gpu_tools.py --set-cc-mode=on --reset-after-cc-mode-switch) and restart "
           "the CVM");
    ENSURE(state.dev_tools_mode == NVML_CC_SYSTEM_DEVTOOLS_MODE_OFF, CONFAI_E_GPU_CC_OFF,
           "confidential computing runs in developer-tools mode (GPU memory can be "
           "inspected): set production mode from the host (nvidia_gpu_tools.py "
           "--set-cc-mode=on, not devtools) and restart the CVM");
out:
    return status;
}

/* --- evidence ---------------------------------------------------------------------- */

void nvml_gpu_evidence_clear(nvml_gpu_evidence *e)
{
    if (e == NULL)
        return;
    OPENSSL_free(e->evidence);
    for (size_t i = 0; i < e->cert_count; i++)
        OPENSSL_free(e->certs[i]);
    memset(e, 0, sizeof(*e));
}

/*
 * The PEM certificates of NVML's attestation chain, in order, as DER. Text
 * around the blocks (NVML pads with NULs) is ignored; a block that does not
 * decode, another PEM type or a chain without certificates is malformed.
 */
static confai_status split_pem_chain(nvml_gpu_evidence *out, const unsigned char *pem,
                                     size_t len, unsigned index, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long der_len = 0;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    ENSURE(bio != NULL, CONFAI_E_NO_MEMORY, "nvml: out of memory");
    for (;;) {
        ERR_set_mark();
        int ok = PEM_read_bio(bio, &name, &header, &der, &der_len);
        if (!ok) {
            /* the end of the chain is "no start line"; anything else is bad PEM */
            unsigned long e = ERR_peek_last_error();
            ERR_pop_to_mark();
            ENSURE(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE,
                   CONFAI_E_MALFORMED,
                   "GPU %u: NVML's attestation certificate chain has a PEM block that does not "
                   "decode: update the NVIDIA driver", index);
            break; /* no further block */
        }
        ERR_clear_last_mark();
        ENSURE(strcmp(name, "CERTIFICATE") == 0 && der_len > 0, CONFAI_E_MALFORMED,
               "GPU %u: NVML's attestation chain holds a PEM \"%s\" block, not a certificate",
               index, name);
        ENSURE(out->cert_count < NVML_MAX_CERTS, CONFAI_E_LIMIT,
               "GPU %u: NVML's attestation chain has more than %d certificates", index,
               NVML_MAX_CERTS);
        out->certs[out->cert_count] = der;
        out->cert_lens[out->cert_count++] = (size_t)der_len;
        der = NULL;
        OPENSSL_free(name);
        OPENSSL_free(header);
        name = header = NULL;
    }
    ENSURE(out->cert_count > 0, CONFAI_E_MALFORMED,
           "GPU %u: NVML returned an attestation certificate chain without certificates: "
           "update the NVIDIA driver (R535 or later)", index);
out:
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(bio);
    return status;
}

confai_status nvml_gpu_evidence_get(nvml_gpu_evidence *out, nvml *n, unsigned index,
                                    const uint8_t nonce[32], confai_error *err)
{
    confai_status status = CONFAI_OK;
    nvml_cc_report *report = NULL;
    nvml_cc_certificate *cert = NULL;
    spdm_evidence *parsed = NULL;
    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(n != NULL, "n");
    ENSURE_ARG(nonce != NULL, "nonce");

    unsigned count = 0;
    GUARD(nvml_gpu_count(n, &count, err));
    ENSURE(index < count, CONFAI_E_ARGUMENT, "invalid argument: GPU index %u (NVML sees %u GPUs)",
           index, count);
    nvml_device device = NULL;
    nvml_return rc = n->api.device_get_handle_by_index_v2(index, &device);
    ENSURE(rc == NVML_SUCCESS, CONFAI_E_NVML_UNAVAILABLE, "NVML has no handle for GPU %u: %s (%d): %s",
           index, reason(n, rc), rc, fix_for(rc));

    report = confai_zalloc(sizeof(*report));
    cert = confai_zalloc(sizeof(*cert));
    parsed = confai_zalloc(sizeof(*parsed));
    ENSURE(report != NULL && cert != NULL && parsed != NULL, CONFAI_E_NO_MEMORY,
           "nvml: out of memory");

    memcpy(report->nonce, nonce, NVML_CC_GPU_CEC_NONCE_SIZE);
    rc = n->api.device_get_conf_compute_gpu_attestation_report(device, report);
    ENSURE(rc != NVML_ERROR_NOT_SUPPORTED, CONFAI_E_GPU_CC_OFF,
           "GPU %u cannot produce an attestation report (%s): it needs a Hopper or later GPU "
           "with confidential-computing mode on (nvidia_gpu_tools.py --set-cc-mode=on on the host)",
           index, reason(n, rc));
    ENSURE(rc == NVML_SUCCESS, CONFAI_E_NVML_UNAVAILABLE,
           "NVML cannot get GPU %u's attestation report: %s (%d): %s", index, reason(n, rc), rc,
           fix_for(rc));
    ENSURE(report->attestation_report_size > 0 &&
               report->attestation_report_size <= NVML_CC_GPU_ATTESTATION_REPORT_SIZE,
           CONFAI_E_MALFORMED,
           "GPU %u: NVML reports an attestation report of %u bytes (1..%d): update the NVIDIA "
           "driver", index, report->attestation_report_size, NVML_CC_GPU_ATTESTATION_REPORT_SIZE);

    rc = n->api.device_get_conf_compute_gpu_certificate(device, cert);
    ENSURE(rc != NVML_ERROR_NOT_SUPPORTED, CONFAI_E_GPU_CC_OFF,
           "GPU %u has no attestation certificate (%s): it needs a Hopper or later GPU with "
           "confidential-computing mode on (nvidia_gpu_tools.py --set-cc-mode=on on the host)",
           index, reason(n, rc));
    ENSURE(rc == NVML_SUCCESS, CONFAI_E_NVML_UNAVAILABLE,
           "NVML cannot get GPU %u's attestation certificates: %s (%d): %s", index,
           reason(n, rc), rc, fix_for(rc));
    ENSURE(cert->attestation_cert_chain_size <= NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE,
           CONFAI_E_MALFORMED,
           "GPU %u: NVML reports an attestation chain of %u bytes (at most %d): update the "
           "NVIDIA driver", index, cert->attestation_cert_chain_size,
           NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE);

    /* The report is the evidence as it is published: it must be SPDM
     * evidence that answers our nonce, or the bundle would be useless. */
    const uint8_t *bytes = report->attestation_report;
    size_t len = report->attestation_report_size;
    GUARD(spdm_evidence_parse(parsed, bytes, len, err));
    ENSURE(CRYPTO_memcmp(parsed->request_nonce, nonce, SPDM_NONCE_SIZE) == 0, CONFAI_E_GPU_NONCE,
           "GPU %u answered another nonce than the one asked (a replayed or foreign report, "
           "not published): load NVIDIA's own libnvidia-ml.so.1 from the driver", index);

    out->evidence = OPENSSL_memdup(bytes, len);
    ENSURE(out->evidence != NULL, CONFAI_E_NO_MEMORY, "nvml: out of memory");
    out->evidence_len = len;
    GUARD(split_pem_chain(out, cert->attestation_cert_chain, cert->attestation_cert_chain_size,
                          index, err));
out:
    if (status != CONFAI_OK && out != NULL)
        nvml_gpu_evidence_clear(out);
    confai_free_secret(report, sizeof(*report));
    confai_free_secret(cert, sizeof(*cert));
    confai_free_secret(parsed, sizeof(*parsed));
    return status;
}
