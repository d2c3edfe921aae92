/*
 * The gateway's OHTTP key configuration: an X25519 HPKE key offering
 * HKDF-SHA256 with AES-256-GCM, AES-128-GCM and ChaCha20-Poly1305, under a
 * one-byte key id. Rotation (SIGHUP, POST /v1/admin/rotate) makes a new key
 * with the next id and drops the old one at once: requests sealed to it are
 * then refused with the ohttp-key problem, and clients attest again.
 *
 * With --state DIR the key is kept in DIR/ohttp-key (mode 0600):
 *   confai-gateway OHTTP key v1
 *   key-id <0-255>
 *   x25519 <64 hex digits of the private key>
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_FILE "ohttp-key"
#define KEY_HEADER "confai-gateway OHTTP key v1"

static const confai_ohttp_algorithms algorithms[] = {
    { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_256_GCM },
    { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
    { CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_CHACHA20_POLY1305 },
};

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n-- > 0)
        *v++ = 0;
}

void gw_key_release(gw_key *key)
{
    if (key == NULL || atomic_fetch_sub(&key->refs, 1) != 1)
        return;
    confai_key_config_free(key->config); /* wipes the private key */
    free(key);
}

/* A key configuration around an HPKE key (taken over, freed in every case). */
static gw_key *key_new(confai_hpke_key *hpke, uint8_t id, char *msg, size_t msg_size)
{
    confai_error err;
    gw_key *key = calloc(1, sizeof(*key));
    if (key == NULL) {
        snprintf(msg, msg_size, "out of memory");
        goto fail;
    }
    key->id = id;
    atomic_init(&key->refs, 1);
    key->encoded_len = sizeof(key->encoded);
    if (confai_key_config_new(&key->config, hpke, id, algorithms,
                              sizeof(algorithms) / sizeof(algorithms[0]), &err) != CONFAI_OK ||
        confai_key_config_serialize(key->config, key->encoded, &key->encoded_len, &err) !=
            CONFAI_OK) {
        snprintf(msg, msg_size, "OHTTP key configuration: %s", err.message);
        goto fail;
    }
    confai_hpke_key_free(hpke);
    return key;
fail:
    confai_hpke_key_free(hpke);
    if (key != NULL) {
        confai_key_config_free(key->config);
        free(key);
    }
    return NULL;
}

static int save_key(const gw_keys *keys, const confai_hpke_key *hpke, uint8_t id, char *msg,
                    size_t msg_size)
{
    uint8_t priv[64];
    size_t priv_len = sizeof(priv);
    char hex[2 * sizeof(priv) + 1];
    char text[256];
    confai_error err;
    int rc = -1;
    if (keys->state_file == NULL)
        return 0;
    if (confai_hpke_key_private(hpke, priv, &priv_len, &err) != CONFAI_OK) {
        snprintf(msg, msg_size, "exporting the OHTTP key: %s", err.message);
        goto out;
    }
    gw_hex(hex, priv, priv_len);
    int n = snprintf(text, sizeof(text), "%s\nkey-id %u\nx25519 %s\n", KEY_HEADER, id, hex);
    if (gw_write_file(keys->state_file, text, (size_t)n, 0600) != 0) {
        snprintf(msg, msg_size, "%s: %s", keys->state_file, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    wipe(priv, sizeof(priv));
    wipe(hex, sizeof(hex));
    wipe(text, sizeof(text));
    return rc;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses the key file; 0 with *hpke and *id, or -1 with a message. */
static int parse_key(const char *path, const char *text, size_t len, confai_hpke_key **hpke,
                     uint8_t *id, char *msg, size_t msg_size)
{
    uint8_t priv[32];
    unsigned key_id = 0;
    char hex[65];
    int consumed = 0, rc = -1;
    confai_error err;
    if (memchr(text, '\0', len) != NULL ||
        sscanf(text, KEY_HEADER "\nkey-id %3u\nx25519 %64s\n%n", &key_id, hex, &consumed) != 2 ||
        (size_t)consumed != len || key_id > 255 || strlen(hex) != 64) {
        snprintf(msg, msg_size, "%s: not a confai-gateway OHTTP key file", path);
        goto out;
    }
    for (int i = 0; i < 32; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            snprintf(msg, msg_size, "%s: the key is not lowercase hex", path);
            goto out;
        }
        priv[i] = (uint8_t)(hi << 4 | lo);
    }
    if (confai_hpke_key_import(hpke, CONFAI_HPKE_KEM_X25519_SHA256, priv, sizeof(priv), &err) !=
        CONFAI_OK) {
        snprintf(msg, msg_size, "%s: %s", path, err.message);
        goto out;
    }
    *id = (uint8_t)key_id;
    rc = 0;
out:
    wipe(priv, sizeof(priv));
    wipe(hex, sizeof(hex));
    return rc;
}

int gw_keys_init(gw_keys *keys, const char *state_dir, char *msg, size_t msg_size)
{
    confai_hpke_key *hpke = NULL;
    confai_error err;
    uint8_t id = 1;
    memset(keys, 0, sizeof(*keys));
    pthread_mutex_init(&keys->lock, NULL);
    if (state_dir != NULL) {
        keys->state_file = gw_path_join(state_dir, KEY_FILE);
        if (keys->state_file == NULL) {
            snprintf(msg, msg_size, "out of memory");
            return -1;
        }
        size_t len = 0;
        uint8_t *text = gw_read_file(keys->state_file, 4096, &len);
        if (text == NULL && errno != ENOENT) {
            snprintf(msg, msg_size, "%s: %s", keys->state_file, strerror(errno));
            return -1;
        }
        if (text != NULL) {
            int rc = parse_key(keys->state_file, (const char *)text, len, &hpke, &id, msg,
                               msg_size);
            wipe(text, len);
            free(text);
            if (rc != 0)
                return -1;
        }
    }
    if (hpke == NULL) {
        if (confai_hpke_key_generate(&hpke, CONFAI_HPKE_KEM_X25519_SHA256, &err) != CONFAI_OK) {
            snprintf(msg, msg_size, "generating the OHTTP key: %s", err.message);
            return -1;
        }
        if (save_key(keys, hpke, id, msg, msg_size) != 0) {
            confai_hpke_key_free(hpke);
            return -1;
        }
    }
    keys->current = key_new(hpke, id, msg, msg_size);
    return keys->current != NULL ? 0 : -1;
}

void gw_keys_destroy(gw_keys *keys)
{
    gw_key_release(keys->current);
    keys->current = NULL;
    free(keys->state_file);
    keys->state_file = NULL;
    pthread_mutex_destroy(&keys->lock);
}

gw_key *gw_keys_acquire(gw_keys *keys)
{
    pthread_mutex_lock(&keys->lock);
    gw_key *key = keys->current;
    atomic_fetch_add(&key->refs, 1);
    pthread_mutex_unlock(&keys->lock);
    return key;
}

int gw_keys_rotate(gw_keys *keys, uint8_t *new_id, char *msg, size_t msg_size)
{
    confai_hpke_key *hpke = NULL;
    confai_error err;
    int rc = -1;
    pthread_mutex_lock(&keys->lock);
    uint8_t id = (uint8_t)(keys->current->id + 1);
    if (confai_hpke_key_generate(&hpke, CONFAI_HPKE_KEM_X25519_SHA256, &err) != CONFAI_OK) {
        snprintf(msg, msg_size, "generating the OHTTP key: %s", err.message);
        goto out;
    }
    /* saved first: a restart must not bring back the dropped key */
    if (save_key(keys, hpke, id, msg, msg_size) != 0) {
        confai_hpke_key_free(hpke);
        goto out;
    }
    gw_key *next = key_new(hpke, id, msg, msg_size);
    if (next == NULL)
        goto out;
    gw_key_release(keys->current);
    keys->current = next;
    *new_id = id;
    rc = 0;
out:
    pthread_mutex_unlock(&keys->lock);
    return rc;
}
