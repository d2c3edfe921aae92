/*
 * Helpers shared by test_spdm.c and test_nvgpu.c: the real NVIDIA
 * vectors (hex evidence, PEM chains) and a builder of synthetic SPDM 1.1
 * GET_MEASUREMENTS request + MEASUREMENTS response evidence.
 */
#ifndef CONFAI_TESTS_NVGPU_TEST_HELPERS_H
#define CONFAI_TESTS_NVGPU_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/gpu/nvgpu.h"
#include "test_util.h"

#define NV_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define NV_EXPECT(want, call)                                                     \
    do {                                                                          \
        confai_error e_ = { 0 };                                                  \
        confai_error *err = &e_;                                                  \
        confai_status got_ = (call);                                              \
        if (got_ != (want))                                                       \
            fail_msg("%s: got %s (%s), want %s", #call, confai_status_name(got_), \
                     e_.message, confai_status_name(want));                       \
    } while (0)
#define NV_OK(call) NV_EXPECT(CONFAI_OK, call)

/* A hex text vector (whitespace ignored), decoded; fails the test if unreadable. */
static inline uint8_t *nv_read_hex(const char *dir, const char *name, size_t *len)
{
    size_t text_len;
    uint8_t *text = test_read_file(dir, name, &text_len);
    if (text == NULL)
        fail_msg("cannot read %s/%s", dir, name);
    char *hex = malloc(text_len + 1);
    size_t n = 0;
    for (size_t i = 0; i < text_len; i++)
        if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
            hex[n++] = (char)text[i];
    hex[n] = '\0';
    uint8_t *bytes = test_hex_decode(hex, len);
    if (bytes == NULL)
        fail_msg("%s is not hex", name);
    free(hex);
    free(text);
    return bytes;
}

/* Up to NVGPU_MAX_CERTS DER certificates, owned. */
typedef struct nv_chain {
    uint8_t *der[NVGPU_MAX_CERTS];
    size_t len[NVGPU_MAX_CERTS];
    size_t count;
} nv_chain;

static inline void nv_chain_free(nv_chain *c)
{
    for (size_t i = 0; i < c->count; i++)
        OPENSSL_free(c->der[i]);
    c->count = 0;
}

static inline void nv_chain_add(nv_chain *c, X509 *x)
{
    if (c->count >= NVGPU_MAX_CERTS)
        fail_msg("too many certificates");
    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    if (len <= 0)
        fail_msg("i2d_X509");
    c->der[c->count] = der;
    c->len[c->count++] = (size_t)len;
}

/* The PEM certificates of a vector file, in file order. */
static inline void nv_read_chain(nv_chain *c, const char *dir, const char *name)
{
    size_t len;
    uint8_t *pem = test_read_file(dir, name, &len);
    if (pem == NULL)
        fail_msg("cannot read %s/%s", dir, name);
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x;
    memset(c, 0, sizeof(*c));
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        nv_chain_add(c, x);
        X509_free(x);
    }
    ERR_clear_error();
    BIO_free(b);
    free(pem);
}

/* --- synthetic evidence --------------------------------------------------------- */

typedef struct nv_build {
    uint8_t param1, param2, slot;
    uint8_t nonce[32];
    unsigned blocks;       /* indices 1..blocks (param2 0xFF) */
    uint16_t value_len;    /* per block */
    const uint8_t *opaque; /* NULL: nv_default_opaque */
    size_t opaque_len;
    size_t trailing;       /* zero bytes after the signature */
} nv_build;

/* driver "550.90.07", VBIOS 96.00.9F.00.01, chip SKU "882" padded, MSRSCNT */
static const uint8_t nv_default_opaque[] = {
    0x03, 0x00, 0x0a, 0x00, '5', '5', '0', '.', '9', '0', '.', '0', '7', 0x00,
    0x06, 0x00, 0x08, 0x00, 0x00, 0x9f, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00,
    0x0f, 0x00, 0x09, 0x00, '8', '8', '2', 0, 0, 0, 0, 0, 0,
    0x0c, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

static inline void nv_build_default(nv_build *b, unsigned blocks)
{
    memset(b, 0, sizeof(*b));
    b->param1 = 0x01;
    b->param2 = 0xFF;
    for (int i = 0; i < 32; i++)
        b->nonce[i] = (uint8_t)(0xA0 + i);
    b->blocks = blocks;
    b->value_len = 48;
}

static inline uint8_t nv_value_byte(unsigned index, unsigned j)
{
    return (uint8_t)(index * 7 + j);
}

/* Writes the evidence (signature 0x5A bytes) into out; returns its length. */
static inline size_t nv_build_evidence(uint8_t *out, size_t cap, const nv_build *b)
{
    const uint8_t *opaque = b->opaque != NULL ? b->opaque : nv_default_opaque;
    size_t olen = b->opaque != NULL ? b->opaque_len : sizeof(nv_default_opaque);
    size_t rec = (size_t)b->blocks * (7u + b->value_len);
    size_t total = 37 + 8 + rec + 32 + 2 + olen + 96 + b->trailing;
    if (total > cap)
        fail_msg("nv_build_evidence: %zu bytes over %zu", total, cap);
    uint8_t *p = out;
    *p++ = 0x11; *p++ = 0xE0; *p++ = b->param1; *p++ = b->param2;
    memcpy(p, b->nonce, 32); p += 32;
    *p++ = b->slot;
    *p++ = 0x11; *p++ = 0x60; *p++ = 0x00; *p++ = b->slot;
    *p++ = (uint8_t)b->blocks;
    *p++ = (uint8_t)rec; *p++ = (uint8_t)(rec >> 8); *p++ = (uint8_t)(rec >> 16);
    for (unsigned i = 1; i <= b->blocks; i++) {
        size_t size = 3u + b->value_len;
        *p++ = (uint8_t)(b->param2 == 0xFF ? i : b->param2); *p++ = 0x01; *p++ = (uint8_t)size; *p++ = (uint8_t)(size >> 8);
        *p++ = 0x01; *p++ = (uint8_t)b->value_len; *p++ = (uint8_t)(b->value_len >> 8);
        for (unsigned j = 0; j < b->value_len; j++)
            *p++ = nv_value_byte(i, j);
    }
    for (int i = 0; i < 32; i++)
        *p++ = (uint8_t)(0x30 + i);
    *p++ = (uint8_t)olen; *p++ = (uint8_t)(olen >> 8);
    memcpy(p, opaque, olen); p += olen;
    memset(p, 0x5A, 96); p += 96;
    memset(p, 0, b->trailing); p += b->trailing;
    return (size_t)(p - out);
}

/* Offset of the response in built evidence, and of its record. */
#define NV_RESP 37
#define NV_RECORD (37 + 8)

#endif /* CONFAI_TESTS_NVGPU_TEST_HELPERS_H */
