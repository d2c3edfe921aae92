/*
 * Writes the simulated-platform evidence the CLI tests verify: a simulated
 * SEV-SNP platform (RSA-2048 keys, made fresh: nothing is stored), its
 * evidence bundle for a fixed nonce and lease, and the policy that pins
 * its root.
 *
 *   make_bundle OUTDIR
 *     OUTDIR/bundle.json   the bundle (nonce a0a1..bf, not_after 2026-01-01T01:00:00Z)
 *     OUTDIR/policy.json   confai_sim_snp_policy_json for its manifest, max_age 600
 *     OUTDIR/keyconfig.bin the KeyConfig the bundle binds
 *     OUTDIR/gpuK/         K = 1..3: simulated GPUs, each its own device PKI
 *       evidence.hex       SPDM evidence answering the nonce c0c1..df
 *       certs.pem          its device chain, leaf first
 *       root.pem           its self-signed root
 *
 * The certificates are issued for 2026-01-01, so the tests verify at
 * 2026-01-01T00:10:00Z.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <confai/confai.h>

#include "sim/gpu_sim.h"
#include "sim/snp_sim_api.h"

#define NOW INT64_C(1767225600) /* 2026-01-01T00:00:00Z */

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "make_bundle: cannot write %s\n", path);
        return 0;
    }
    return 1;
}

static int fail(const char *what, const confai_error *err)
{
    fprintf(stderr, "make_bundle: %s: %s: %s\n", what, confai_status_name(err->status),
            err->message);
    return 1;
}

#define SIM_GPUS 3

/* OUTDIR/gpuK: one simulated GPU's raw evidence, chain and root. */
static int write_gpu(const char *dir, int k)
{
    char sub[64], path[4200], *hex = NULL;
    uint8_t nonce[32], *evidence = NULL;
    size_t evidence_len = 0;
    const uint8_t *certs[GPU_SIM_CERTS];
    size_t lens[GPU_SIM_CERTS];
    gpu_sim_params params;
    gpu_sim *sim = NULL;
    confai_error err = { 0 };
    FILE *f = NULL;
    int ok = 0;

    for (int i = 0; i < 32; i++)
        nonce[i] = (uint8_t)(0xc0 + i);
    snprintf(path, sizeof(path), "%s/gpu%d", dir, k);
    if (mkdir(path, 0755) != 0) {
        fprintf(stderr, "make_bundle: cannot make %s\n", path);
        return 0;
    }
    gpu_sim_params_default(&params);
    if (gpu_sim_new(&sim, NOW, &err) != CONFAI_OK ||
        gpu_sim_evidence(sim, &evidence, &evidence_len, nonce, &params, &err) != CONFAI_OK) {
        fail("simulated GPU", &err);
        goto out;
    }
    hex = OPENSSL_buf2hexstr(evidence, (long)evidence_len);
    if (hex == NULL)
        goto out;
    /* OPENSSL_buf2hexstr writes "AB:CD:..."; the evidence file is plain hex */
    size_t n = 0;
    for (size_t i = 0; hex[i] != '\0'; i++)
        if (hex[i] != ':')
            hex[n++] = hex[i];
    hex[n++] = '\n';
    gpu_sim_chain(sim, certs, lens);
    snprintf(path, sizeof(path), "%s/gpu%d/certs.pem", dir, k);
    if ((f = fopen(path, "w")) == NULL)
        goto out;
    for (int i = 0; i < GPU_SIM_CERTS; i++) {
        const uint8_t *p = certs[i];
        X509 *x = d2i_X509(NULL, &p, (long)lens[i]);
        int written = x != NULL && PEM_write_X509(f, x) == 1;
        X509_free(x);
        if (!written)
            goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        goto out;
    }
    f = NULL;
    const char *root = gpu_sim_root_pem(sim);
    snprintf(sub, sizeof(sub), "gpu%d/evidence.hex", k);
    ok = write_file(dir, sub, hex, n);
    snprintf(sub, sizeof(sub), "gpu%d/root.pem", k);
    ok = ok && write_file(dir, sub, root, strlen(root));
out:
    if (f != NULL)
        fclose(f);
    if (!ok)
        fprintf(stderr, "make_bundle: simulated GPU %d failed\n", k);
    OPENSSL_free(hex);
    OPENSSL_free(evidence);
    gpu_sim_free(sim);
    return ok;
}

int main(int argc, char **argv)
{
    static const char manifest[] = "{\"model\":\"example-llm\",\"image\":\"sha256:0123\"}";
    confai_error err = { 0 };
    confai_sim_snp *sim = NULL;
    confai_hpke_key *key = NULL;
    confai_key_config *config = NULL;
    uint8_t measurement[48], nonce[32], ikm[32], kc[256];
    size_t kc_len = sizeof(kc);
    char *policy = NULL, *bundle = NULL;
    size_t policy_len = 0, bundle_len = 0;
    const confai_ohttp_algorithms algs[] = { { CONFAI_HPKE_KDF_HKDF_SHA256,
                                               CONFAI_HPKE_AEAD_AES_256_GCM } };
    int rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: make_bundle OUTDIR\n");
        return 2;
    }
    memset(measurement, 0x11, sizeof(measurement));
    for (int i = 0; i < 32; i++) {
        nonce[i] = (uint8_t)(0xa0 + i);
        ikm[i] = (uint8_t)i;
    }
    if (sim_snp_new_generated(&sim, 2048, measurement, NOW, &err) != CONFAI_OK) {
        rc = fail("simulated platform", &err);
        goto out;
    }
    if (confai_hpke_key_derive(&key, CONFAI_HPKE_KEM_X25519_SHA256, ikm, sizeof(ikm), &err) !=
            CONFAI_OK ||
        confai_key_config_new(&config, key, 7, algs, 1, &err) != CONFAI_OK ||
        confai_key_config_serialize(config, kc, &kc_len, &err) != CONFAI_OK) {
        rc = fail("key config", &err);
        goto out;
    }
    if (confai_sim_snp_policy_json(sim, &policy, &policy_len, (const uint8_t *)manifest,
                                   strlen(manifest), 600, &err) != CONFAI_OK ||
        confai_sim_snp_bundle(sim, &bundle, &bundle_len, nonce, kc, kc_len,
                              (const uint8_t *)manifest, strlen(manifest),
                              "2026-01-01T01:00:00Z", &err) != CONFAI_OK) {
        rc = fail("evidence", &err);
        goto out;
    }
    if (write_file(argv[1], "bundle.json", bundle, bundle_len) &&
        write_file(argv[1], "policy.json", policy, policy_len) &&
        write_file(argv[1], "keyconfig.bin", kc, kc_len))
        rc = 0;
    for (int k = 1; rc == 0 && k <= SIM_GPUS; k++)
        if (!write_gpu(argv[1], k))
            rc = 1;
out:
    confai_free(policy);
    confai_free(bundle);
    confai_key_config_free(config);
    confai_hpke_key_free(key);
    confai_sim_snp_free(sim);
    return rc;
}
