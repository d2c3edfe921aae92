/*
 * The platform behind /v1/attestation: an evidence source of the library
 * (confai/server.h) on real hardware (configfs-tsm or /dev/sev-guest, KDS
 * or PCS endorsements, NVML GPUs) or on a simulated SEV-SNP platform, the
 * deployment manifest its evidence commits to, and for the simulation the
 * policy a client needs to trust it (--policy-out).
 *
 * Simulated: with --state DIR the platform's private keys are kept in
 * DIR/sim-snp-keys.pem (mode 0600), so the same policy keeps trusting the
 * gateway across restarts. The launch measurement is a fixed value: a
 * simulated platform launches no image.
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define SIM_KEYS_FILE "sim-snp-keys.pem"
#define MAX_MANIFEST (256u * 1024)

/* What the built-in manifest says when --manifest is not given. */
static const char default_manifest[] =
    "{\"name\":\"confai-gateway demo\",\"model\":\"" GW_DEMO_MODEL "\","
    "\"platform\":\"simulated sev-snp\",\"image\":\"confai-gateway " CONFAI_VERSION_STRING "\"}";
static const char default_tdx_manifest[] =
    "{\"name\":\"confai-gateway demo\",\"model\":\"" GW_DEMO_MODEL "\","
    "\"platform\":\"simulated tdx\",\"image\":\"confai-gateway " CONFAI_VERSION_STRING "\"}";
/* On real hardware: what runs is the image's, which its manifest should say. */
static const char default_real_manifest[] =
    "{\"name\":\"confai-gateway\",\"image\":\"confai-gateway " CONFAI_VERSION_STRING "\"}";
#define CACHE_SUBDIR "endorsements"

/* SHA-384 of a fixed text: the launch measurement the simulated reports carry. */
static int measurement(uint8_t out[48])
{
    static const char what[] = "confai-gateway simulated launch v1";
    unsigned int len = 0;
    return EVP_Digest(what, sizeof(what) - 1, out, &len, EVP_sha384(), NULL) == 1 && len == 48
               ? 0
               : -1;
}

static int load_or_create(gw_platform *p, const char *state_dir, const uint8_t m[48], char *msg,
                          size_t msg_size)
{
    confai_error err;
    char *path = NULL, *saved = NULL;
    size_t saved_len = 0;
    int rc = -1;
    if (state_dir == NULL) {
        if (confai_sim_snp_new(&p->sim, NULL, 0, m, 0, &err) != CONFAI_OK) {
            snprintf(msg, msg_size, "simulated platform: %s", err.message);
            return -1;
        }
        return 0;
    }
    path = gw_path_join(state_dir, SIM_KEYS_FILE);
    if (path == NULL) {
        snprintf(msg, msg_size, "out of memory");
        goto out;
    }
    uint8_t *text = gw_read_file(path, 256 * 1024, &saved_len);
    if (text == NULL && errno != ENOENT) {
        snprintf(msg, msg_size, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (text != NULL) {
        confai_status st = confai_sim_snp_new(&p->sim, (const char *)text, saved_len, m, 0, &err);
        memset(text, 0, saved_len);
        free(text);
        if (st != CONFAI_OK) {
            snprintf(msg, msg_size, "%s: %s", path, err.message);
            goto out;
        }
        rc = 0;
        goto out;
    }
    fprintf(stderr, "confai-gateway: creating a simulated SEV-SNP platform in %s "
                    "(RSA-4096 keys, a few seconds)\n",
            state_dir);
    if (confai_sim_snp_new(&p->sim, NULL, 0, m, 0, &err) != CONFAI_OK ||
        confai_sim_snp_save_keys(p->sim, &saved, &saved_len, &err) != CONFAI_OK) {
        snprintf(msg, msg_size, "simulated platform: %s", err.message);
        goto out;
    }
    if (gw_write_file(path, saved, saved_len, 0600) != 0) {
        snprintf(msg, msg_size, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    confai_free(saved); /* wipes */
    free(path);
    return rc;
}

static int read_manifest(gw_platform *p, const char *manifest_file, int sim_tdx, char *msg,
                         size_t msg_size)
{
    if (manifest_file != NULL) {
        p->manifest = gw_read_file(manifest_file, MAX_MANIFEST, &p->manifest_len);
        if (p->manifest == NULL) {
            snprintf(msg, msg_size, "%s: %s", manifest_file,
                     errno == EFBIG ? "larger than 256 KiB" : strerror(errno));
            return -1;
        }
        return 0;
    }
    const char *text = !p->simulated ? default_real_manifest
                       : sim_tdx     ? default_tdx_manifest
                                     : default_manifest;
    p->manifest_len = strlen(text);
    p->manifest = malloc(p->manifest_len);
    if (p->manifest == NULL) {
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    memcpy(p->manifest, text, p->manifest_len);
    return 0;
}

static int open_real(gw_platform *p, const gw_platform_config *pc, char *msg, size_t msg_size)
{
    confai_error err;
    confai_platform_options o = pc->options;
    char *cache = NULL;
    o.platform = pc->name;
    /* endorsements survive restarts next to the other state */
    if (o.cache_dir == NULL && pc->state_dir != NULL) {
        cache = gw_path_join(pc->state_dir, CACHE_SUBDIR);
        if (cache == NULL) {
            snprintf(msg, msg_size, "out of memory");
            return -1;
        }
        o.cache_dir = cache;
    }
    confai_status st = confai_evidence_source_new(&p->source, &o, &err);
    free(cache);
    if (st != CONFAI_OK) {
        snprintf(msg, msg_size, "platform: %s: %s", confai_status_name(st), err.message);
        return -1;
    }
    return 0;
}

int gw_platform_init(gw_platform *p, const gw_platform_config *pc, char *msg, size_t msg_size)
{
    uint8_t m[48];
    confai_error err;
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    int sim_tdx = strcmp(pc->name, "sim-tdx") == 0;
    p->simulated = sim_tdx || strcmp(pc->name, "sim-snp") == 0;
    if (read_manifest(p, pc->manifest_file, sim_tdx, msg, msg_size) != 0)
        return -1;
    if (!p->simulated)
        return open_real(p, pc, msg, msg_size);
    /* simulated GPUs only when a number is asked for: auto means none here */
    unsigned gpus = pc->options.gpus > 0 ? (unsigned)pc->options.gpus : 0;
    if (sim_tdx) { /* its keys live in memory: each start needs a new policy */
        if (confai_evidence_source_new_sim_tdx(&p->source, gpus, &err) != CONFAI_OK) {
            snprintf(msg, msg_size, "simulated TD: %s", err.message);
            return -1;
        }
        return 0;
    }
    if (measurement(m) != 0) {
        snprintf(msg, msg_size, "SHA-384 failed");
        return -1;
    }
    if (load_or_create(p, pc->state_dir, m, msg, msg_size) != 0)
        return -1;
    if (confai_evidence_source_new_sim_snp(&p->source, p->sim, gpus, &err) != CONFAI_OK) {
        snprintf(msg, msg_size, "simulated platform: %s", err.message);
        return -1;
    }
    return 0;
}

void gw_platform_destroy(gw_platform *p)
{
    confai_evidence_source_free(p->source);
    confai_sim_snp_free(p->sim);
    free(p->manifest);
    pthread_mutex_destroy(&p->lock);
    memset(p, 0, sizeof(*p));
}

int gw_platform_write_policy(const gw_platform *p, const char *path, int64_t max_age, char *msg,
                             size_t msg_size)
{
    confai_error err;
    char *json = NULL;
    size_t len = 0;
    if (confai_evidence_source_policy_json(p->source, &json, &len, p->manifest, p->manifest_len,
                                           max_age, &err) != CONFAI_OK) {
        snprintf(msg, msg_size, "--policy-out: %s", err.message);
        return -1;
    }
    int rc = gw_write_file(path, json, len, 0644);
    if (rc != 0)
        snprintf(msg, msg_size, "%s: %s", path, strerror(errno));
    confai_free(json);
    return rc;
}

confai_status gw_platform_bundle(gw_platform *p, char **bundle, size_t *bundle_len,
                                 const uint8_t nonce[32], const uint8_t *key_config,
                                 size_t key_config_len, const char *not_after, confai_error *err)
{
    confai_bundle_builder *b = NULL;
    confai_status st = confai_bundle_builder_new(&b, nonce, key_config, key_config_len,
                                                 p->manifest, p->manifest_len, not_after, err);
    if (st == CONFAI_OK) {
        pthread_mutex_lock(&p->lock);
        st = confai_evidence_source_collect(p->source, b, err);
        pthread_mutex_unlock(&p->lock);
    }
    if (st == CONFAI_OK)
        st = confai_bundle_builder_finish(b, bundle, bundle_len, err);
    confai_bundle_builder_free(b);
    return st;
}

void gw_platform_describe(const gw_platform *p, char *out, size_t out_size)
{
    const char *cpu = strcmp(confai_evidence_source_platform(p->source), "tdx") == 0 ? "TDX"
                                                                                     : "SEV-SNP";
    size_t gpus = confai_evidence_source_gpu_count(p->source);
    snprintf(out, out_size, "%s%s platform%s, %zu GPU%s", p->simulated ? "SIMULATED " : "", cpu,
             p->simulated ? " (no real TEE)" : "", gpus, gpus == 1 ? "" : "s");
}
