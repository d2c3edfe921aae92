/*
 * A fake libnvidia-ml.so.1 for the tests of src/server/nvml.c: the NVML
 * functions libconfai loads, with the signatures and struct layouts of the
 * published nvml.h (NVML 12.535 and later) and NVML's behaviour (reference
 * counted init, handles by index, NVML_ERROR_* codes), configured by the
 * environment when nvmlInit_v2 runs first:
 *
 *   FAKE_NVML_FAIL_INIT  set: nvmlInit_v2 fails with that NVML code (a number;
 *                        anything else: NVML_ERROR_DRIVER_NOT_LOADED)
 *   FAKE_NVML_GPUS       number of GPUs, 0..16 (default 1)
 *   FAKE_NVML_CC         on (default) | off | devtools: the system CC state;
 *                        with off the per-GPU attestation calls answer
 *                        NVML_ERROR_NOT_SUPPORTED
 *   FAKE_NVML_EVIDENCE   a hex file (whitespace ignored) with a real GPU's
 *                        SPDM request || response, as NVIDIA's tools save
 *                        NVML's attestationReport; returned for whatever nonce
 *                        is asked, as a replaying library would
 *   FAKE_NVML_CERTS      a PEM chain file, returned as attestationCertChain
 *   FAKE_NVML_SIM        1: each GPU is a simulated GPU of its own
 *                        (src/sim/gpu_sim.h: its own device PKI and key) that
 *                        signs fresh evidence for the nonce asked; their PKIs
 *                        are made at init and kept until the last shutdown
 *   FAKE_NVML_SIM_TIME   with FAKE_NVML_SIM: the simulated PKI's "now" in
 *                        seconds since the epoch (default: the clock); its
 *                        certificates are valid from a day before for ten years
 *   FAKE_NVML_ROOT_OUT   with FAKE_NVML_SIM: the simulated GPUs' roots are
 *                        written there as PEM at init, one after the other
 *                        (also fake_nvml_sim_root_pem(index))
 *
 * Test-only: global state, one process, no threads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/hex.h"
#include "sim/gpu_sim.h"

#define FAKE_API __attribute__((visibility("default")))

/* --- nvml.h's ABI ------------------------------------------------------------------- */

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_UNKNOWN = 999,
};

typedef struct {
    unsigned int environment;
    unsigned int ccFeature;
    unsigned int devToolsMode;
} nvmlConfComputeSystemState_t;

typedef struct {
    unsigned int certChainSize;
    unsigned int attestationCertChainSize;
    unsigned char certChain[0x1000];
    unsigned char attestationCertChain[0x1400];
} nvmlConfComputeGpuCertificate_t;

typedef struct {
    unsigned int isCecAttestationReportPresent;
    unsigned int attestationReportSize;
    unsigned int cecAttestationReportSize;
    unsigned char nonce[0x20];
    unsigned char attestationReport[0x2000];
    unsigned char cecAttestationReport[0x1000];
} nvmlConfComputeGpuAttestationReport_t;

FAKE_API nvmlReturn_t nvmlInit_v2(void);
FAKE_API nvmlReturn_t nvmlShutdown(void);
FAKE_API const char *nvmlErrorString(nvmlReturn_t result);
FAKE_API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount);
FAKE_API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device);
FAKE_API nvmlReturn_t nvmlSystemGetConfComputeState(nvmlConfComputeSystemState_t *state);
FAKE_API nvmlReturn_t nvmlDeviceGetConfComputeGpuAttestationReport(
    nvmlDevice_t device, nvmlConfComputeGpuAttestationReport_t *gpuAtstReport);
FAKE_API nvmlReturn_t nvmlDeviceGetConfComputeGpuCertificate(
    nvmlDevice_t device, nvmlConfComputeGpuCertificate_t *gpuCert);
FAKE_API const char *fake_nvml_sim_root_pem(unsigned index);

/* --- state -------------------------------------------------------------------------- */

#define FAKE_MAX_GPUS 16

struct nvmlDevice_st {
    unsigned index;
};

static struct {
    unsigned init_count;
    unsigned gpus;
    enum { CC_ON, CC_OFF, CC_DEVTOOLS } cc;
    int simulated; /* FAKE_NVML_SIM */
    uint8_t *evidence;
    size_t evidence_len;
    char *certs; /* the replayed chain (FAKE_NVML_CERTS) */
    size_t certs_len;
    gpu_sim *sims[FAKE_MAX_GPUS];    /* FAKE_NVML_SIM: one per GPU */
    char *sim_certs[FAKE_MAX_GPUS];  /* their chains as PEM */
    size_t sim_certs_len[FAKE_MAX_GPUS];
    struct nvmlDevice_st devices[FAKE_MAX_GPUS];
} fake;

static void reset(void)
{
    free(fake.evidence);
    free(fake.certs);
    for (unsigned i = 0; i < FAKE_MAX_GPUS; i++) {
        gpu_sim_free(fake.sims[i]);
        free(fake.sim_certs[i]);
    }
    memset(&fake, 0, sizeof(fake));
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, 2 * cap + 1);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int load_hex(const char *path)
{
    size_t len = 0, n = 0;
    char *text = read_all(path, &len);
    if (text == NULL)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
            text[n++] = text[i];
    text[n] = '\0';
    fake.evidence_len = n / 2;
    fake.evidence = malloc(fake.evidence_len + 1);
    int ok = fake.evidence != NULL && n % 2 == 0 &&
             hex_decode_exact(fake.evidence, fake.evidence_len, text, n) == 1;
    free(text);
    return ok;
}

/* A simulated GPU's chain (leaf, CA, root) as concatenated PEM, like NVML's. */
static int sim_chain_pem(unsigned gpu)
{
    const uint8_t *der[GPU_SIM_CERTS];
    size_t lens[GPU_SIM_CERTS];
    gpu_sim_chain(fake.sims[gpu], der, lens);
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = bio != NULL;
    for (size_t i = 0; ok && i < GPU_SIM_CERTS; i++) {
        const unsigned char *p = der[i];
        X509 *x = d2i_X509(NULL, &p, (long)lens[i]);
        ok = x != NULL && PEM_write_bio_X509(bio, x) == 1;
        X509_free(x);
    }
    char *data = NULL;
    long len = ok ? BIO_get_mem_data(bio, &data) : 0;
    if (ok && len > 0 && (fake.sim_certs[gpu] = malloc((size_t)len)) != NULL) {
        memcpy(fake.sim_certs[gpu], data, (size_t)len);
        fake.sim_certs_len[gpu] = (size_t)len;
    } else {
        ok = 0;
    }
    BIO_free(bio);
    return ok;
}

static int configure(void)
{
    const char *gpus = getenv("FAKE_NVML_GPUS");
    fake.gpus = gpus != NULL ? (unsigned)strtoul(gpus, NULL, 10) : 1;
    if (fake.gpus > FAKE_MAX_GPUS)
        return 0;
    for (unsigned i = 0; i < FAKE_MAX_GPUS; i++)
        fake.devices[i].index = i;
    const char *cc = getenv("FAKE_NVML_CC");
    if (cc == NULL || strcmp(cc, "on") == 0)
        fake.cc = CC_ON;
    else if (strcmp(cc, "off") == 0)
        fake.cc = CC_OFF;
    else if (strcmp(cc, "devtools") == 0)
        fake.cc = CC_DEVTOOLS;
    else
        return 0;

    const char *sim = getenv("FAKE_NVML_SIM");
    if (sim != NULL && strcmp(sim, "1") == 0) {
        const char *at = getenv("FAKE_NVML_SIM_TIME");
        int64_t now = at != NULL ? (int64_t)strtoll(at, NULL, 10) : (int64_t)time(NULL);
        for (unsigned i = 0; i < fake.gpus; i++)
            if (gpu_sim_new(&fake.sims[i], now, NULL) != CONFAI_OK || !sim_chain_pem(i))
                return 0;
        const char *root_out = getenv("FAKE_NVML_ROOT_OUT");
        if (root_out != NULL) {
            FILE *f = fopen(root_out, "wb");
            int ok = f != NULL;
            for (unsigned i = 0; ok && i < fake.gpus; i++)
                ok = fputs(gpu_sim_root_pem(fake.sims[i]), f) >= 0;
            if (f != NULL && fclose(f) != 0)
                ok = 0;
            if (!ok)
                return 0;
        }
        fake.simulated = 1;
        return 1;
    }
    const char *evidence = getenv("FAKE_NVML_EVIDENCE");
    if (evidence != NULL && !load_hex(evidence))
        return 0;
    const char *certs = getenv("FAKE_NVML_CERTS");
    if (certs != NULL && (fake.certs = read_all(certs, &fake.certs_len)) == NULL)
        return 0;
    return 1;
}

/* --- the NVML functions --------------------------------------------------------------- */

nvmlReturn_t nvmlInit_v2(void)
{
    const char *fail = getenv("FAKE_NVML_FAIL_INIT");
    if (fail != NULL) {
        long code = strtol(fail, NULL, 10);
        return code > 0 ? (nvmlReturn_t)code : NVML_ERROR_DRIVER_NOT_LOADED;
    }
    if (fake.init_count == 0 && !configure()) {
        reset();
        return NVML_ERROR_UNKNOWN;
    }
    fake.init_count++;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
    if (fake.init_count == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (--fake.init_count == 0)
        reset();
    return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t result)
{
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
    if (fake.init_count == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (deviceCount == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *deviceCount = fake.gpus;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (fake.init_count == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (device == NULL || index >= fake.gpus)
        return NVML_ERROR_INVALID_ARGUMENT;
    *device = &fake.devices[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetConfComputeState(nvmlConfComputeSystemState_t *state)
{
    if (fake.init_count == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (state == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    state->environment = 2; /* production */
    state->ccFeature = fake.cc == CC_OFF ? 0 : 1;
    state->devToolsMode = fake.cc == CC_DEVTOOLS ? 1 : 0;
    return NVML_SUCCESS;
}

static int valid_device(nvmlDevice_t device)
{
    return device != NULL && device >= fake.devices && device < fake.devices + fake.gpus;
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuAttestationReport(
    nvmlDevice_t device, nvmlConfComputeGpuAttestationReport_t *gpuAtstReport)
{
    if (fake.init_count == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (!valid_device(device) || gpuAtstReport == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (fake.cc == CC_OFF || (!fake.simulated && fake.evidence == NULL))
        return NVML_ERROR_NOT_SUPPORTED;
    uint8_t *fresh = NULL;
    const uint8_t *ev = fake.evidence;
    size_t len = fake.evidence_len;
    if (fake.simulated) {
        gpu_sim_params params;
        gpu_sim_params_default(&params);
        if (gpu_sim_evidence(fake.sims[device->index], &fresh, &len, gpuAtstReport->nonce, &params, NULL) !=
            CONFAI_OK)
            return NVML_ERROR_UNKNOWN;
        ev = fresh;
    }
    nvmlReturn_t rc = NVML_SUCCESS;
    if (len > sizeof(gpuAtstReport->attestationReport)) {
        rc = NVML_ERROR_INSUFFICIENT_SIZE;
    } else {
        memcpy(gpuAtstReport->attestationReport, ev, len);
        gpuAtstReport->attestationReportSize = (unsigned int)len;
        gpuAtstReport->isCecAttestationReportPresent = 0;
        gpuAtstReport->cecAttestationReportSize = 0;
    }
    OPENSSL_free(fresh);
    return rc;
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuCertificate(nvmlDevice_t device,
                                                    nvmlConfComputeGpuCertificate_t *gpuCert)
{
    if (fake.init_count == 0)
        return NVML_ERROR_UNINITIALIZED;
    if (!valid_device(device) || gpuCert == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    const char *certs = fake.simulated ? fake.sim_certs[device->index] : fake.certs;
    size_t certs_len = fake.simulated ? fake.sim_certs_len[device->index] : fake.certs_len;
    if (fake.cc == CC_OFF || certs == NULL)
        return NVML_ERROR_NOT_SUPPORTED;
    if (certs_len > sizeof(gpuCert->attestationCertChain))
        return NVML_ERROR_INSUFFICIENT_SIZE;
    gpuCert->certChainSize = 0; /* the GPU's own identity chain: not used */
    memcpy(gpuCert->attestationCertChain, certs, certs_len);
    gpuCert->attestationCertChainSize = (unsigned int)certs_len;
    return NVML_SUCCESS;
}

const char *fake_nvml_sim_root_pem(unsigned index)
{
    return fake.simulated && index < fake.gpus ? gpu_sim_root_pem(fake.sims[index]) : NULL;
}
