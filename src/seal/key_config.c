/*
 * OHTTP key configurations (RFC 9458 section 3): parsing one KeyConfig or an
 * application/ohttp-keys list, choosing the suite a client seals with, and
 * making and serializing a gateway's configurations.
 *
 *   Key Config {
 *     Key Identifier (8),
 *     HPKE KEM ID (16),
 *     HPKE Public Key (Npk * 8),
 *     HPKE Symmetric Algorithms Length (16) = 4..65532,
 *     HPKE Symmetric Algorithms (32) ...,      -- (KDF ID, AEAD ID) pairs
 *   }
 */
#include "seal/key_config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/bytes.h"
#include "core/memory.h"
#include "crypto/hpke_internal.h"

/* --- suite choice ---------------------------------------------------------- */

/* Lower is better; -1 for an AEAD a client never chooses. */
static int aead_rank(uint16_t aead_id)
{
    switch (aead_id) {
    case CONFAI_HPKE_AEAD_AES_256_GCM: return 0;
    case CONFAI_HPKE_AEAD_AES_128_GCM: return 1;
    case CONFAI_HPKE_AEAD_CHACHA20_POLY1305: return 2;
    default: return -1;
    }
}

static int kdf_rank(uint16_t kdf_id)
{
    switch (kdf_id) {
    case CONFAI_HPKE_KDF_HKDF_SHA256: return 0;
    case CONFAI_HPKE_KDF_HKDF_SHA384: return 1;
    case CONFAI_HPKE_KDF_HKDF_SHA512: return 2;
    default: return -1;
    }
}

/* A pair a client can seal with in this build (never export-only). */
static int usable(uint16_t kem_id, confai_ohttp_algorithms alg)
{
    confai_hpke_suite suite = { kem_id, alg.kdf_id, alg.aead_id };
    return aead_rank(alg.aead_id) >= 0 && kdf_rank(alg.kdf_id) >= 0
           && confai_hpke_suite_check(&suite, NULL) == CONFAI_OK;
}

/* Picks the best usable pair by AEAD, then KDF; 0 when there is none. */
static int choose_suite(confai_hpke_suite *suite, uint16_t kem_id,
                        const confai_ohttp_algorithms *algs, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if (!usable(kem_id, algs[i]))
            continue;
        int score = aead_rank(algs[i].aead_id) * 3 + kdf_rank(algs[i].kdf_id);
        if (best < 0 || score < best) {
            best = score;
            suite->kem_id = kem_id;
            suite->kdf_id = algs[i].kdf_id;
            suite->aead_id = algs[i].aead_id;
        }
    }
    return best >= 0;
}

/* --- lifetime -------------------------------------------------------------- */

confai_key_config *key_config_ref(const confai_key_config *config)
{
    /* The count is the one mutable field; the cast does not touch the rest. */
    confai_key_config *c = (confai_key_config *)config;
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

void confai_key_config_free(confai_key_config *config)
{
    if (config == NULL)
        return;
    if (atomic_fetch_sub_explicit(&config->refs, 1, memory_order_acq_rel) != 1)
        return;
    OPENSSL_free(config->algorithms);
    confai_hpke_key_free(config->key);
    confai_free_secret(config, sizeof(*config));
}

static confai_key_config *config_alloc(size_t algorithms_len)
{
    confai_key_config *c = confai_zalloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    atomic_init(&c->refs, 1);
    c->algorithms = confai_zalloc(algorithms_len * sizeof(*c->algorithms));
    if (c->algorithms == NULL) {
        confai_free_secret(c, sizeof(*c));
        return NULL;
    }
    c->algorithms_len = algorithms_len;
    return c;
}

/* --- parsing --------------------------------------------------------------- */

/*
 * Parses exactly one KeyConfig from all of r. Statuses as for
 * confai_key_config_parse.
 */
static confai_status parse_one(confai_key_config **config, byte_reader *r,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_key_config *c = NULL;
    const uint8_t *head, *pk, *len_bytes, *list;

    ENSURE(byte_take(r, &head, 3), CONFAI_E_TRUNCATED,
           "key config: %zu bytes, shorter than its key id and KEM id", r->left);
    uint16_t kem_id = load_be16(head + 1);
    const hpke_kem_info *kem = hpke_kem_lookup(kem_id);
    ENSURE(kem != NULL, CONFAI_E_UNSUPPORTED, "key config %u: unsupported KEM id 0x%04x",
           head[0], kem_id);
    ENSURE(byte_take(r, &pk, kem->n_pk), CONFAI_E_TRUNCATED,
           "key config %u: the %zu-byte %s public key is cut short", head[0], kem->n_pk,
           kem->name);
    /* NIST public keys are uncompressed points (RFC 9180 section 7.1.1). */
    ENSURE(!kem->is_nist_curve || pk[0] == 0x04, CONFAI_E_MALFORMED,
           "key config %u: %s public key is not an uncompressed point", head[0], kem->name);
    ENSURE(byte_take(r, &len_bytes, 2), CONFAI_E_TRUNCATED,
           "key config %u: missing the algorithm list length", head[0]);
    size_t list_len = load_be16(len_bytes);
    ENSURE(list_len > 0 && list_len % 4 == 0, CONFAI_E_MALFORMED,
           "key config %u: algorithm list of %zu bytes (need a non-zero multiple of 4)",
           head[0], list_len);
    ENSURE(byte_take(r, &list, list_len), CONFAI_E_TRUNCATED,
           "key config %u: the %zu-byte algorithm list is cut short", head[0], list_len);
    ENSURE(r->left == 0, CONFAI_E_TRAILING_DATA,
           "key config %u: %zu bytes after its end", head[0], r->left);

    c = config_alloc(list_len / 4);
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "allocating a key config");
    c->key_id = head[0];
    c->kem = kem;
    memcpy(c->public_key, pk, kem->n_pk);
    for (size_t i = 0; i < c->algorithms_len; i++) {
        c->algorithms[i].kdf_id = load_be16(list + 4 * i);
        c->algorithms[i].aead_id = load_be16(list + 4 * i + 2);
    }
    ENSURE(choose_suite(&c->suite, kem_id, c->algorithms, c->algorithms_len),
           CONFAI_E_UNSUPPORTED,
           "key config %u: no (KDF, AEAD) pair this build supports with %s", c->key_id,
           kem->name);
    *config = c;
    c = NULL;
out:
    confai_key_config_free(c);
    return status;
}

confai_status confai_key_config_parse(confai_key_config **config,
                                      const uint8_t *key_config,
                                      size_t key_config_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(config != NULL, "config");
    *config = NULL;
    ENSURE_ARG(key_config != NULL || key_config_len == 0, "key_config");
    byte_reader r = { key_config, key_config_len };
    GUARD(parse_one(config, &r, err));
out:
    return status;
}

/*
 * One entry of a list. An unknown KEM leaves *config NULL (skipped: its key
 * length is unknown, so nothing more can be checked); so does a known KEM
 * without a usable pair. Anything that does not parse is MALFORMED: the
 * entry's length prefix promised a complete KeyConfig.
 */
static confai_status parse_entry(confai_key_config **config, byte_reader *entry,
                                 size_t index, confai_error *err)
{
    confai_status status = CONFAI_OK;
    *config = NULL;
    if (entry->left >= 3 && hpke_kem_lookup(load_be16(entry->p + 1)) == NULL)
        goto out;
    confai_status st = parse_one(config, entry, err);
    if (st == CONFAI_E_UNSUPPORTED)
        goto out;
    if (st == CONFAI_E_TRUNCATED || st == CONFAI_E_TRAILING_DATA || st == CONFAI_E_MALFORMED) {
        char why[CONFAI_ERROR_MESSAGE_SIZE];
        snprintf(why, sizeof(why), "%s", err != NULL ? err->message : confai_status_str(st));
        BAIL(CONFAI_E_MALFORMED, "key config list entry %zu: %s", index, why);
    }
    GUARD(st);
out:
    return status;
}

confai_status confai_key_config_parse_list(confai_key_config **config,
                                           const uint8_t *keys, size_t keys_len,
                                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_key_config *chosen = NULL, *entry = NULL;
    confai_err_clear(err);
    ENSURE_ARG(config != NULL, "config");
    *config = NULL;
    ENSURE_ARG(keys != NULL || keys_len == 0, "keys");
    ENSURE(keys_len > 0, CONFAI_E_MALFORMED, "empty key config list");

    byte_reader r = { keys, keys_len };
    /* Every entry is checked, also after the first usable one: one bad entry
     * means the list as a whole cannot be trusted to be what was sent. */
    for (size_t index = 0; r.left > 0; index++) {
        const uint8_t *len_bytes, *body;
        ENSURE(byte_take(&r, &len_bytes, 2), CONFAI_E_TRUNCATED,
               "key config list entry %zu: missing its length", index);
        size_t len = load_be16(len_bytes);
        ENSURE(len > 0, CONFAI_E_MALFORMED, "key config list entry %zu is empty", index);
        ENSURE(byte_take(&r, &body, len), CONFAI_E_TRUNCATED,
               "key config list entry %zu: %zu bytes announced, %zu left", index, len,
               r.left);
        byte_reader entry_r = { body, len };
        GUARD(parse_entry(&entry, &entry_r, index, err));
        if (chosen == NULL) {
            chosen = entry;
            entry = NULL;
        }
        confai_key_config_free(entry);
        entry = NULL;
    }
    ENSURE(chosen != NULL, CONFAI_E_UNSUPPORTED,
           "no key config in the list has a KEM and algorithms this build supports");
    *config = chosen;
    chosen = NULL;
    confai_err_clear(err);
out:
    confai_key_config_free(chosen);
    confai_key_config_free(entry);
    return status;
}

/* --- getters --------------------------------------------------------------- */

uint8_t confai_key_config_id(const confai_key_config *config)
{
    return config == NULL ? 0 : config->key_id;
}

uint16_t confai_key_config_kem(const confai_key_config *config)
{
    return config == NULL ? 0 : config->kem->id;
}

confai_hpke_suite confai_key_config_suite(const confai_key_config *config)
{
    confai_hpke_suite none = { 0, 0, 0 };
    return config == NULL ? none : config->suite;
}

confai_status confai_key_config_public_key(const confai_key_config *config,
                                           uint8_t *public_key,
                                           size_t *public_key_len,
                                           confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(config != NULL, "config");
    ENSURE_ARG(public_key_len != NULL, "public_key_len");
    size_t need = config->kem->n_pk;
    if (*public_key_len < need) {
        size_t have = *public_key_len;
        *public_key_len = need;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "public key needs %zu bytes, buffer has %zu",
             need, have);
    }
    ENSURE_ARG(public_key != NULL, "public_key");
    memcpy(public_key, config->public_key, need);
    *public_key_len = need;
out:
    return status;
}

int key_config_offers(const confai_key_config *config, uint16_t kdf_id,
                      uint16_t aead_id)
{
    for (size_t i = 0; i < config->algorithms_len; i++)
        if (config->algorithms[i].kdf_id == kdf_id && config->algorithms[i].aead_id == aead_id)
            return 1;
    return 0;
}

/* --- serializing ----------------------------------------------------------- */

size_t key_config_encoded_size(const confai_key_config *config)
{
    return 3 + config->kem->n_pk + 2 + 4 * config->algorithms_len;
}

static void encode(uint8_t *out, const confai_key_config *config)
{
    size_t n_pk = config->kem->n_pk;
    out[0] = config->key_id;
    store_be16(out + 1, config->kem->id);
    memcpy(out + 3, config->public_key, n_pk);
    out += 3 + n_pk;
    store_be16(out, (uint16_t)(4 * config->algorithms_len));
    out += 2;
    for (size_t i = 0; i < config->algorithms_len; i++, out += 4) {
        store_be16(out, config->algorithms[i].kdf_id);
        store_be16(out + 2, config->algorithms[i].aead_id);
    }
}

confai_status confai_key_config_serialize(const confai_key_config *config,
                                          uint8_t *out, size_t *out_len,
                                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(config != NULL, "config");
    ENSURE_ARG(out_len != NULL, "out_len");
    size_t need = key_config_encoded_size(config);
    if (*out_len < need) {
        size_t have = *out_len;
        *out_len = need;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "key config needs %zu bytes, buffer has %zu",
             need, have);
    }
    ENSURE_ARG(out != NULL, "out");
    encode(out, config);
    *out_len = need;
out:
    return status;
}

confai_status confai_key_config_serialize_list(uint8_t *out, size_t *out_len,
                                               const confai_key_config *const *configs,
                                               size_t configs_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(out_len != NULL, "out_len");
    ENSURE_ARG(configs != NULL && configs_len > 0, "configs");
    size_t need = 0;
    for (size_t i = 0; i < configs_len; i++) {
        ENSURE(configs[i] != NULL, CONFAI_E_ARGUMENT, "invalid argument: configs[%zu] is NULL",
               i);
        need += 2 + key_config_encoded_size(configs[i]);
    }
    if (*out_len < need) {
        size_t have = *out_len;
        *out_len = need;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "key config list needs %zu bytes, buffer has %zu",
             need, have);
    }
    ENSURE_ARG(out != NULL, "out");
    uint8_t *p = out;
    for (size_t i = 0; i < configs_len; i++) {
        size_t len = key_config_encoded_size(configs[i]);
        store_be16(p, (uint16_t)len);
        encode(p + 2, configs[i]);
        p += 2 + len;
    }
    *out_len = need;
out:
    return status;
}

/* --- gateway configurations ------------------------------------------------ */

/* A second handle on the same key pair, so the caller may free theirs. */
static confai_status key_share(confai_hpke_key **copy, const confai_hpke_key *key,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_hpke_key *k = confai_zalloc(sizeof(*k));
    ENSURE(k != NULL, CONFAI_E_NO_MEMORY, "allocating a key handle");
    if (EVP_PKEY_up_ref(key->pkey) != 1) {
        confai_free_secret(k, sizeof(*k));
        OSSL_ENSURE(0, CONFAI_E_INTERNAL, "referencing the key");
    }
    k->kem_id = key->kem_id;
    k->pkey = key->pkey;
    *copy = k;
out:
    return status;
}

confai_status confai_key_config_new(confai_key_config **config,
                                    const confai_hpke_key *key, uint8_t key_id,
                                    const confai_ohttp_algorithms *algorithms,
                                    size_t algorithms_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_key_config *c = NULL;
    confai_err_clear(err);
    ENSURE_ARG(config != NULL, "config");
    *config = NULL;
    ENSURE_ARG(key != NULL, "key");
    ENSURE(algorithms != NULL && algorithms_len > 0
               && algorithms_len <= KEY_CONFIG_MAX_ALGORITHMS,
           CONFAI_E_ARGUMENT, "invalid argument: algorithms (1 to %d pairs)",
           KEY_CONFIG_MAX_ALGORITHMS);
    for (size_t i = 0; i < algorithms_len; i++)
        ENSURE(usable(key->kem_id, algorithms[i]), CONFAI_E_UNSUPPORTED,
               "algorithms[%zu]: KDF 0x%04x with AEAD 0x%04x is not usable for OHTTP "
               "in this build", i, algorithms[i].kdf_id, algorithms[i].aead_id);

    c = config_alloc(algorithms_len);
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "allocating a key config");
    c->key_id = key_id;
    c->kem = hpke_kem_lookup(key->kem_id);
    memcpy(c->algorithms, algorithms, algorithms_len * sizeof(*algorithms));
    size_t pk_len = sizeof(c->public_key);
    GUARD(confai_hpke_key_public(key, c->public_key, &pk_len, err));
    GUARD(key_share(&c->key, key, err));
    choose_suite(&c->suite, key->kem_id, c->algorithms, c->algorithms_len);
    *config = c;
    c = NULL;
out:
    confai_key_config_free(c);
    return status;
}
