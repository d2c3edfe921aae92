/*
 * The simulated GPU (sim/gpu_sim.h): its device PKI and signed SPDM 1.1
 * evidence in the layout attest/spdm.c documents.
 */
#include "sim/gpu_sim.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/memory.h"

struct gpu_sim {
    EVP_PKEY *key[GPU_SIM_CERTS];      /* leaf, CA, root */
    uint8_t *der[GPU_SIM_CERTS];
    size_t der_len[GPU_SIM_CERTS];
    char *root_pem;
};

void gpu_sim_default_value(uint8_t out[GPU_SIM_VALUE_SIZE], unsigned index)
{
    for (unsigned j = 0; j < GPU_SIM_VALUE_SIZE; j++)
        out[j] = (uint8_t)(index * 31 + j * 7 + 1);
}

void gpu_sim_params_default(gpu_sim_params *p)
{
    static const uint8_t vbios[8] = { 0x00, 0x9f, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00 };
    memset(p, 0, sizeof(*p));
    p->block_count = 16;
    for (unsigned i = 0; i < GPU_SIM_MAX_BLOCKS; i++)
        gpu_sim_default_value(p->values[i], i + 1);
    snprintf(p->driver_version, sizeof(p->driver_version), "550.90.07");
    memcpy(p->vbios, vbios, sizeof(vbios));
    snprintf(p->chip_sku, sizeof(p->chip_sku), "882");
    snprintf(p->project, sizeof(p->project), "1010");
    snprintf(p->project_sku, sizeof(p->project_sku), "0200");
}

/* --- PKI ------------------------------------------------------------------------ */

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = e != NULL && X509_add_ext(x, e, -1) == 1;
    X509_EXTENSION_free(e);
    return ok;
}

static X509 *issue(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, int ca,
                   long serial, int64_t now)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = x != NULL && name != NULL && X509_set_version(x, 2) == 1
             && ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1
             && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                           (const unsigned char *)"libconfai simulation", -1,
                                           -1, 0) == 1
             && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                           -1, -1, 0) == 1
             && X509_set_subject_name(x, name) == 1
             && X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) == 1
             && ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(now - 86400)) != NULL
             && ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(now + 10 * 365 * 86400LL)) != NULL
             && X509_set_pubkey(x, key) == 1
             && add_ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
                        ca ? "critical,CA:TRUE" : "critical,CA:FALSE")
             && add_ext(x, issuer != NULL ? issuer : x, NID_key_usage,
                        ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature")
             && add_ext(x, x, NID_subject_key_identifier, "hash")
             && X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha384()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int keep_der(gpu_sim *sim, size_t i, X509 *x)
{
    unsigned char *der = NULL;
    int len = x != NULL ? i2d_X509(x, &der) : -1;
    if (len <= 0)
        return 0;
    sim->der[i] = der;
    sim->der_len[i] = (size_t)len;
    return 1;
}

static char *pem_of(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL, *pem = NULL;
    if (bio != NULL && PEM_write_bio_X509(bio, x) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        pem = OPENSSL_zalloc((size_t)n + 1);
        if (pem != NULL)
            memcpy(pem, data, (size_t)n);
    }
    BIO_free(bio);
    return pem;
}

confai_status gpu_sim_new(gpu_sim **out, int64_t now, confai_error *err)
{
    confai_status status = CONFAI_OK;
    gpu_sim *sim = NULL;
    X509 *root = NULL, *ca = NULL, *leaf = NULL;

    confai_err_clear(err);
    ENSURE_ARG(out != NULL, "sim");
    *out = NULL;
    sim = confai_zalloc(sizeof(*sim));
    ENSURE(sim != NULL, CONFAI_E_NO_MEMORY, "GPU simulation: out of memory");
    for (size_t i = 0; i < GPU_SIM_CERTS; i++) {
        sim->key[i] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        OSSL_ENSURE(sim->key[i] != NULL, CONFAI_E_INTERNAL, "GPU simulation: P-384 key");
    }
    root = issue("Simulated GPU Device Identity CA", sim->key[2], NULL, NULL, 1, 1, now);
    ca = issue("Simulated GH100 Provisioner ICA", sim->key[1], root, sim->key[2], 1, 2, now);
    leaf = issue("Simulated GH100 A01 GSP FMC LF", sim->key[0], ca, sim->key[1], 0, 3, now);
    OSSL_ENSURE(root != NULL && ca != NULL && leaf != NULL, CONFAI_E_INTERNAL,
                "GPU simulation: issuing certificates");
    OSSL_ENSURE(keep_der(sim, 0, leaf) && keep_der(sim, 1, ca) && keep_der(sim, 2, root),
                CONFAI_E_NO_MEMORY, "GPU simulation: encoding certificates");
    sim->root_pem = pem_of(root);
    OSSL_ENSURE(sim->root_pem != NULL, CONFAI_E_NO_MEMORY, "GPU simulation: root as PEM");
    *out = sim;
    sim = NULL;
out:
    X509_free(root);
    X509_free(ca);
    X509_free(leaf);
    gpu_sim_free(sim);
    return status;
}

void gpu_sim_free(gpu_sim *sim)
{
    if (sim == NULL)
        return;
    for (size_t i = 0; i < GPU_SIM_CERTS; i++) {
        EVP_PKEY_free(sim->key[i]);
        OPENSSL_free(sim->der[i]);
    }
    OPENSSL_free(sim->root_pem);
    confai_free_secret(sim, sizeof(*sim));
}

void gpu_sim_chain(const gpu_sim *sim, const uint8_t *certs[GPU_SIM_CERTS],
                   size_t lens[GPU_SIM_CERTS])
{
    for (size_t i = 0; i < GPU_SIM_CERTS; i++) {
        certs[i] = sim->der[i];
        lens[i] = sim->der_len[i];
    }
}

const char *gpu_sim_root_pem(const gpu_sim *sim)
{
    return sim->root_pem;
}

/* --- evidence ---------------------------------------------------------------------- */

static uint8_t *put_le16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

/* One opaque TLV: type, length, value. */
static uint8_t *put_tlv(uint8_t *p, uint16_t type, const void *value, size_t len)
{
    p = put_le16(p, type);
    p = put_le16(p, len);
    memcpy(p, value, len);
    return p + len;
}

/* A NUL-terminated text field, as NVIDIA writes them. */
static uint8_t *put_text(uint8_t *p, uint16_t type, const char *text)
{
    return put_tlv(p, type, text, strlen(text) + 1);
}

/* ECDSA P-384 / SHA-384 over [0, len), as R || S after it. */
static confai_status sign(const gpu_sim *sim, uint8_t *buf, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[128];
    size_t der_len = sizeof(der);
    ECDSA_SIG *sig = NULL;
    const unsigned char *p = der;

    OSSL_ENSURE(md != NULL, CONFAI_E_NO_MEMORY, "GPU simulation: signing");
    OSSL_ENSURE(EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, sim->key[0]) == 1
                    && EVP_DigestSign(md, der, &der_len, buf, len) == 1,
                CONFAI_E_INTERNAL, "GPU simulation: ECDSA signature");
    sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    OSSL_ENSURE(sig != NULL && BN_bn2binpad(ECDSA_SIG_get0_r(sig), buf + len, 48) == 48
                    && BN_bn2binpad(ECDSA_SIG_get0_s(sig), buf + len + 48, 48) == 48,
                CONFAI_E_INTERNAL, "GPU simulation: R || S");
out:
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    return status;
}

confai_status gpu_sim_evidence(const gpu_sim *sim, uint8_t **evidence, size_t *len,
                               const uint8_t nonce[32], const gpu_sim_params *params,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t opaque[256], *o = opaque, *buf = NULL;

    confai_err_clear(err);
    ENSURE_ARG(evidence != NULL && len != NULL, "evidence");
    *evidence = NULL;
    *len = 0;
    ENSURE_ARG(sim != NULL && nonce != NULL && params != NULL, "sim, nonce, params");
    ENSURE(params->block_count >= 1 && params->block_count <= GPU_SIM_MAX_BLOCKS,
           CONFAI_E_ARGUMENT, "GPU simulation: %u blocks (1 to %d)", params->block_count,
           GPU_SIM_MAX_BLOCKS);
    ENSURE(memchr(params->driver_version, 0, sizeof(params->driver_version)) != NULL
               && memchr(params->chip_sku, 0, sizeof(params->chip_sku)) != NULL
               && memchr(params->project, 0, sizeof(params->project)) != NULL
               && memchr(params->project_sku, 0, sizeof(params->project_sku)) != NULL,
           CONFAI_E_ARGUMENT, "GPU simulation: a text field is not NUL-terminated");

    o = put_text(o, 3, params->driver_version);     /* DRIVER_VERSION */
    o = put_tlv(o, 6, params->vbios, 8);            /* VBIOS_VERSION */
    o = put_text(o, 15, params->chip_sku);          /* CHIP_SKU */
    o = put_text(o, 17, params->project);           /* PROJECT */
    o = put_text(o, 18, params->project_sku);       /* PROJECT_SKU */
    size_t olen = (size_t)(o - opaque);
    size_t block = 4 + 3 + GPU_SIM_VALUE_SIZE;
    size_t record = params->block_count * block;
    size_t total = 37 + 8 + record + 32 + 2 + olen + 96;

    buf = OPENSSL_malloc(total);
    ENSURE(buf != NULL, CONFAI_E_NO_MEMORY, "GPU simulation: out of memory");
    uint8_t *p = buf;
    /* GET_MEASUREMENTS: signature requested, all blocks, slot 0 */
    *p++ = 0x11; *p++ = 0xE0; *p++ = 0x01; *p++ = 0xFF;
    memcpy(p, nonce, 32);
    p += 32;
    *p++ = 0x00;
    /* MEASUREMENTS */
    *p++ = 0x11; *p++ = 0x60; *p++ = 0x00; *p++ = 0x00;
    *p++ = (uint8_t)params->block_count;
    *p++ = (uint8_t)record; *p++ = (uint8_t)(record >> 8); *p++ = (uint8_t)(record >> 16);
    for (unsigned i = 0; i < params->block_count; i++) {
        *p++ = (uint8_t)(i + 1);
        *p++ = 0x01; /* DMTF */
        p = put_le16(p, 3 + GPU_SIM_VALUE_SIZE);
        *p++ = 0x01; /* mutable firmware, digest */
        p = put_le16(p, GPU_SIM_VALUE_SIZE);
        memcpy(p, params->values[i], GPU_SIM_VALUE_SIZE);
        p += GPU_SIM_VALUE_SIZE;
    }
    /* responder nonce: any value; it is signed */
    for (int i = 0; i < 32; i++)
        *p++ = (uint8_t)(nonce[i] ^ 0x5C);
    p = put_le16(p, olen);
    memcpy(p, opaque, olen);
    p += olen;
    GUARD(sign(sim, buf, (size_t)(p - buf), err));
    *evidence = buf;
    *len = total;
    buf = NULL;
out:
    OPENSSL_free(buf);
    return status;
}
