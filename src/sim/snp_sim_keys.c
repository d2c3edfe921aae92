/*
 * The private keys of a simulated SNP platform: generated, or imported from
 * PEM so that a gateway keeps the same simulated root across restarts (and a
 * demo policy can pin it) and tests need no slow RSA-4096 key generation.
 */
#include "sim/snp_sim_internal.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/error.h"

#define MAX_PEM_SIZE (64 * 1024)

static const char *role_name(snp_sim_role role)
{
    switch (role) {
    case SNP_SIM_ARK: return "ARK";
    case SNP_SIM_ASK: return "ASK";
    case SNP_SIM_ASVK: return "ASVK";
    case SNP_SIM_VCEK: return "VCEK";
    case SNP_SIM_VLEK: return "VLEK";
    }
    return "?";
}

static int is_rsa_role(int role)
{
    return role == SNP_SIM_ARK || role == SNP_SIM_ASK || role == SNP_SIM_ASVK;
}

EVP_PKEY *snp_sim_keys_get(const snp_sim_keys *keys, snp_sim_role role)
{
    return keys->key[role];
}

void snp_sim_keys_free(snp_sim_keys *keys)
{
    if (keys == NULL)
        return;
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        EVP_PKEY_free(keys->key[i]); /* OpenSSL wipes private key material */
    OPENSSL_free(keys);
}

confai_status snp_sim_keys_generate(snp_sim_keys **out, unsigned rsa_bits, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_sim_keys *keys = NULL;
    ENSURE_ARG(out != NULL, "keys");
    *out = NULL;
    if (rsa_bits == 0)
        rsa_bits = 4096;
    ENSURE(rsa_bits == 2048 || rsa_bits == 3072 || rsa_bits == 4096, CONFAI_E_ARGUMENT,
           "simulated SNP keys: RSA size %u is not 2048, 3072 or 4096", rsa_bits);
    keys = OPENSSL_zalloc(sizeof(*keys));
    ENSURE(keys != NULL, CONFAI_E_NO_MEMORY, "out of memory for simulated SNP keys");
    for (int i = 0; i < SNP_SIM_ROLES; i++) {
        keys->key[i] = is_rsa_role(i) ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits)
                                      : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        OSSL_ENSURE(keys->key[i] != NULL, CONFAI_E_INTERNAL, "generating a simulated SNP key");
    }
    *out = keys;
    keys = NULL;
out:
    snp_sim_keys_free(keys);
    return status;
}

/* The key fits its role: RSA >= 2048 bits, or EC P-384. */
static int key_fits(EVP_PKEY *key, int role)
{
    if (is_rsa_role(role))
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048;
    char group[32] = "";
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) == 1 &&
           strcmp(group, "secp384r1") == 0;
}

static confai_status import_one(EVP_PKEY **key, const char *pem, int role, confai_error *err)
{
    confai_status status = CONFAI_OK;
    BIO *bio = NULL;
    ENSURE(pem != NULL, CONFAI_E_BAD_KEY, "simulated SNP %s key: missing",
           role_name((snp_sim_role)role));
    size_t len = strlen(pem);
    ENSURE(len > 0 && len <= MAX_PEM_SIZE, CONFAI_E_BAD_KEY,
           "simulated SNP %s key: %zu bytes of PEM", role_name((snp_sim_role)role), len);
    bio = BIO_new_mem_buf(pem, (int)len);
    OSSL_ENSURE(bio != NULL, CONFAI_E_NO_MEMORY, "BIO_new_mem_buf");
    *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    ENSURE(*key != NULL, CONFAI_E_BAD_KEY, "simulated SNP %s key: not a PEM private key",
           role_name((snp_sim_role)role));
    ENSURE(key_fits(*key, role), CONFAI_E_BAD_KEY,
           "simulated SNP %s key: expected %s", role_name((snp_sim_role)role),
           is_rsa_role(role) ? "an RSA key of at least 2048 bits" : "an EC P-384 key");
out:
    BIO_free(bio);
    ERR_clear_error();
    return status;
}

confai_status snp_sim_keys_import(snp_sim_keys **out, const char *const pem[SNP_SIM_ROLES],
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_sim_keys *keys = NULL;
    ENSURE_ARG(out != NULL, "keys");
    *out = NULL;
    ENSURE_ARG(pem != NULL, "pem");
    keys = OPENSSL_zalloc(sizeof(*keys));
    ENSURE(keys != NULL, CONFAI_E_NO_MEMORY, "out of memory for simulated SNP keys");
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        GUARD(import_one(&keys->key[i], pem[i], i, err));
    *out = keys;
    keys = NULL;
out:
    snp_sim_keys_free(keys);
    return status;
}

confai_status snp_sim_keys_export(const snp_sim_keys *keys, snp_sim_role role, char *pem,
                                  size_t *pem_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    /* secure memory: the BIO's buffer is wiped when it is freed */
    BIO *bio = BIO_new(BIO_s_secmem());
    char *text = NULL;
    ENSURE_ARG(keys != NULL, "keys");
    ENSURE_ARG((int)role >= 0 && (int)role < SNP_SIM_ROLES, "role");
    ENSURE_ARG(pem_len != NULL && (pem != NULL || *pem_len == 0), "pem");
    OSSL_ENSURE(bio != NULL, CONFAI_E_NO_MEMORY, "BIO_new");
    OSSL_ENSURE(PEM_write_bio_PrivateKey(bio, keys->key[role], NULL, NULL, 0, NULL, NULL) == 1,
                CONFAI_E_INTERNAL, "writing a PEM private key");
    long len = BIO_get_mem_data(bio, &text);
    OSSL_ENSURE(len > 0 && text != NULL, CONFAI_E_INTERNAL, "writing a PEM private key");
    if (*pem_len < (size_t)len + 1) {
        *pem_len = (size_t)len + 1;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "simulated SNP %s key: %ld bytes of PEM need %ld",
             role_name(role), len, len + 1);
    }
    memcpy(pem, text, (size_t)len);
    pem[len] = '\0';
    *pem_len = (size_t)len;
out:
    BIO_free(bio);
    return status;
}
