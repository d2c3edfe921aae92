/*
 * The simulated SEV-SNP platform behind /v1/attestation (confai_sim_snp_*),
 * the deployment manifest its evidence commits to, and the policy a client
 * needs to trust it (--policy-out).
 *
 * With --state DIR the platform's private keys are kept in
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

int gw_platform_init(gw_platform *p, const char *state_dir, const char *manifest_file,
                     char *msg, size_t msg_size)
{
    uint8_t m[48];
    memset(p, 0, sizeof(*p));
    if (manifest_file != NULL) {
        p->manifest = gw_read_file(manifest_file, MAX_MANIFEST, &p->manifest_len);
        if (p->manifest == NULL) {
            snprintf(msg, msg_size, "%s: %s", manifest_file,
                     errno == EFBIG ? "larger than 256 KiB" : strerror(errno));
            return -1;
        }
    } else {
        p->manifest_len = sizeof(default_manifest) - 1;
        p->manifest = malloc(p->manifest_len);
        if (p->manifest == NULL) {
            snprintf(msg, msg_size, "out of memory");
            return -1;
        }
        memcpy(p->manifest, default_manifest, p->manifest_len);
    }
    if (measurement(m) != 0) {
        snprintf(msg, msg_size, "SHA-384 failed");
        return -1;
    }
    return load_or_create(p, state_dir, m, msg, msg_size);
}

void gw_platform_destroy(gw_platform *p)
{
    confai_sim_snp_free(p->sim);
    free(p->manifest);
    memset(p, 0, sizeof(*p));
}

int gw_platform_write_policy(const gw_platform *p, const char *path, int64_t max_age, char *msg,
                             size_t msg_size)
{
    confai_error err;
    char *json = NULL;
    size_t len = 0;
    if (confai_sim_snp_policy_json(p->sim, &json, &len, p->manifest, p->manifest_len, max_age,
                                   &err) != CONFAI_OK) {
        snprintf(msg, msg_size, "policy: %s", err.message);
        return -1;
    }
    int rc = gw_write_file(path, json, len, 0644);
    if (rc != 0)
        snprintf(msg, msg_size, "%s: %s", path, strerror(errno));
    confai_free(json);
    return rc;
}
