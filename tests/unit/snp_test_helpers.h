/*
 * What the SEV-SNP tests share: certificates from the vectors folder (DER or
 * PEM files), simulated platforms made from the fixed test keys, and a
 * status check that prints the library's message when it fails.
 */
#ifndef CONFAI_TESTS_SNP_TEST_HELPERS_H
#define CONFAI_TESTS_SNP_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/snp/snp.h"
#include "sim/snp_sim.h"
#include "snp_sim_test_keys.h"
#include "test_util.h"

/* "Now" of the simulated platforms: 2026-01-01T00:00:00Z. */
#define SNP_TEST_NOW INT64_C(1767225600)
#define SNP_TEST_DAY INT64_C(86400)

/* Fails the test with the library's message unless call returns want. */
#define EXPECT_STATUS(want, call)                                                      \
    do {                                                                               \
        confai_error e_ = { 0 };                                                       \
        confai_error *err = &e_;                                                       \
        confai_status got_ = (call);                                                   \
        if (got_ != (want))                                                            \
            fail_msg("%s: got %s (%s), want %s", #call, confai_status_name(got_),      \
                     e_.message, confai_status_name(want));                            \
    } while (0)

/* Up to 4 DER certificates, owned. */
typedef struct der_list {
    uint8_t *der[4];
    size_t len[4];
    size_t count;
} der_list;

static inline void der_list_free(der_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->der[i]);
    memset(l, 0, sizeof(*l));
}

static inline void der_list_push(der_list *l, const uint8_t *der, size_t len)
{
    if (l->count >= 4)
        fail_msg("more than 4 certificates");
    l->der[l->count] = malloc(len);
    if (l->der[l->count] == NULL)
        fail_msg("out of memory");
    memcpy(l->der[l->count], der, len);
    l->len[l->count++] = len;
}

/* Appends the certificates of a vectors file: one DER, or several PEM. */
static inline void der_list_add_file(der_list *l, const char *dir, const char *name)
{
    size_t len;
    uint8_t *bytes = test_read_file(dir, name, &len);
    if (bytes == NULL)
        fail_msg("cannot read %s/%s", dir, name);
    if (len < 10 || memcmp(bytes, "-----BEGIN", 10) != 0) {
        der_list_push(l, bytes, len);
        free(bytes);
        return;
    }
    BIO *bio = BIO_new_mem_buf(bytes, (int)len);
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        unsigned char *der = NULL;
        int n = i2d_X509(x, &der);
        if (n <= 0)
            fail_msg("cannot encode a certificate of %s", name);
        der_list_push(l, der, (size_t)n);
        OPENSSL_free(der);
        X509_free(x);
    }
    ERR_clear_error(); /* the end of the PEM file */
    BIO_free(bio);
    free(bytes);
}

/* A report file: 1184 raw bytes, or hex text (virtee's report_milan.hex). */
static inline uint8_t *snp_read_report(const char *dir, const char *name, size_t *len)
{
    uint8_t *bytes = test_read_file(dir, name, len);
    if (bytes == NULL)
        fail_msg("cannot read %s/%s", dir, name);
    size_t n = strlen(name);
    if (n > 4 && strcmp(name + n - 4, ".hex") == 0) {
        while (*len > 0 && (bytes[*len - 1] == '\n' || bytes[*len - 1] == '\r'))
            bytes[--*len] = '\0';
        uint8_t *raw = test_hex_decode((const char *)bytes, len);
        free(bytes);
        if (raw == NULL)
            fail_msg("%s is not hex", name);
        return raw;
    }
    return bytes;
}

/* A trust with AMD's pinned roots and nothing else. */
static inline snp_trust *snp_test_trust(void)
{
    snp_trust *trust = NULL;
    confai_error e = { 0 };
    if (snp_trust_new(&trust, &e) != CONFAI_OK)
        fail_msg("snp_trust_new: %s", e.message);
    return trust;
}

/* Keys of the simulated platforms (the fixed test keys, or them rotated). */
static inline snp_sim_keys *snp_test_keys_new(int rotated)
{
    snp_sim_keys *keys = NULL;
    confai_error e = { 0 };
    if (snp_sim_keys_import(&keys, rotated ? snp_test_keys_rotated : snp_test_keys, &e) !=
        CONFAI_OK)
        fail_msg("snp_sim_keys_import: %s", e.message);
    return keys;
}

/* A platform for a product from a configuration (NULL: the default one). */
static inline snp_sim *snp_test_sim_new(const snp_sim_keys *keys, snp_product product,
                                 const snp_sim_config *cfg)
{
    snp_sim_config dflt;
    snp_sim *sim = NULL;
    confai_error e = { 0 };
    if (cfg == NULL) {
        snp_sim_config_default(&dflt, product, SNP_TEST_NOW);
        cfg = &dflt;
    }
    if (snp_sim_new(&sim, keys, cfg, &e) != CONFAI_OK)
        fail_msg("snp_sim_new: %s", e.message);
    return sim;
}

/* A signed report from the platform's template, with fields changed by edit. */
static inline void snp_test_report(uint8_t out[SNP_REPORT_SIZE], const snp_sim *sim,
                            snp_signing_key kind, void (*edit)(snp_report *))
{
    snp_report fields;
    confai_error e = { 0 };
    snp_sim_report_template(sim, &fields, kind);
    memset(fields.report_data, 0xAB, sizeof(fields.report_data));
    if (edit != NULL)
        edit(&fields);
    if (snp_sim_sign_report(sim, out, &fields, kind, &e) != CONFAI_OK)
        fail_msg("snp_sim_sign_report: %s", e.message);
}

#endif /* CONFAI_TESTS_SNP_TEST_HELPERS_H */
