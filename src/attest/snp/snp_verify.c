/*
 * SEV-SNP verification: a report, its VCEK or VLEK and their chain, at a
 * given time. The chain (snp_certs.c) is verified once per set of
 * certificates when the caller keeps a cache (snp_cache.c); what remains per
 * report is the ECDSA P-384 signature and the comparison of the report with
 * what the endorsement key's certificate states.
 */
#include "attest/snp/snp_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "core/error.h"

#define SIG_SCALAR 48 /* r and s of P-384, little-endian in 72-byte fields */

/* --- the report signature --------------------------------------------------- */

/* r and s, little-endian in the report, as a DER ECDSA-Sig-Value. */
static confai_status signature_der(unsigned char **der, int *der_len, const snp_report *r,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *bn_r = BN_lebin2bn(r->signature_r, SIG_SCALAR, NULL);
    BIGNUM *bn_s = BN_lebin2bn(r->signature_s, SIG_SCALAR, NULL);
    OSSL_ENSURE(sig != NULL && bn_r != NULL && bn_s != NULL, CONFAI_E_NO_MEMORY,
                "the report signature");
    OSSL_ENSURE(ECDSA_SIG_set0(sig, bn_r, bn_s) == 1, CONFAI_E_INTERNAL, "ECDSA_SIG_set0");
    bn_r = bn_s = NULL; /* owned by sig now */
    *der = NULL;
    *der_len = i2d_ECDSA_SIG(sig, der);
    OSSL_ENSURE(*der_len > 0, CONFAI_E_INTERNAL, "encoding the report signature");
out:
    BN_free(bn_r);
    BN_free(bn_s);
    ECDSA_SIG_free(sig);
    return status;
}

static confai_status check_signature(const snp_report *r, const uint8_t *bytes,
                                     EVP_PKEY *key, const char *signer, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned char *der = NULL;
    int der_len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    OSSL_ENSURE(md != NULL, CONFAI_E_NO_MEMORY, "EVP_MD_CTX_new");
    GUARD(signature_der(&der, &der_len, r, err));
    OSSL_ENSURE(EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) == 1,
                CONFAI_E_INTERNAL, "EVP_DigestVerifyInit");
    /* 0 is a wrong signature; < 0 one OpenSSL cannot use (e.g. r = 0): wrong too */
    ENSURE(EVP_DigestVerify(md, der, (size_t)der_len, bytes, SNP_SIGNED_SIZE) == 1,
           CONFAI_E_BAD_SIGNATURE,
           "SNP report: the ECDSA P-384 signature over bytes 0x000-0x29F does not verify with "
           "the key of %s", signer);
out:
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return status;
}

/* --- the report against its endorsement ------------------------------------- */

static const char *kind_name(snp_signing_key kind)
{
    return kind == SNP_KEY_VLEK ? "VLEK" : "VCEK";
}

static confai_status check_key_kind(const snp_report *r, const snp_endorsement *e,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(r->signing_key == e->kind, CONFAI_E_TCB_MISMATCH,
           "signing key mismatch: the report's FLAGS.SIGNING_KEY says %s, the certificate is "
           "a %s", kind_name(r->signing_key), kind_name(e->kind));
out:
    return status;
}

/* A v3+ report names its CPU; it must be the product the chain endorses. */
static confai_status check_product(snp_report *r, const snp_endorsement *e, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (r->version >= 3) {
        snp_product cpu = snp_product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id);
        ENSURE(cpu == e->product, CONFAI_E_TCB_MISMATCH,
               "product mismatch: the report's CPUID (family 0x%02x, model 0x%02x) is %s, the "
               "chain endorses %s", r->cpuid_fam_id, r->cpuid_mod_id, snp_product_name(cpu),
               snp_product_name(e->product));
    }
    snp_report_set_product(r, e->product);
out:
    return status;
}

static confai_status check_tcb(const snp_report *r, const snp_endorsement *e,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_tcb want = snp_tcb_decode(e->tcb_raw, e->product);
    const snp_tcb *got = &r->reported_tcb;
    ENSURE(r->reported_tcb_raw == e->tcb_raw, CONFAI_E_TCB_MISMATCH,
           "TCB mismatch: REPORTED_TCB 0x%016llx (fmc %u, bl %u, tee %u, snp %u, ucode %u) but "
           "the %s is for 0x%016llx (fmc %u, bl %u, tee %u, snp %u, ucode %u)",
           (unsigned long long)r->reported_tcb_raw, got->fmc, got->bootloader, got->tee,
           got->snp, got->microcode, kind_name(e->kind), (unsigned long long)e->tcb_raw,
           want.fmc, want.bootloader, want.tee, want.snp, want.microcode);
out:
    return status;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/*
 * The VCEK is derived per chip: its hwID must be the report's CHIP_ID
 * (Turin: the first 8 bytes, the rest zero). Not checked for a VLEK, nor
 * when the host masked the chip id (MASK_CHIP_KEY, or MaskChipId, which
 * zeroes CHIP_ID): then there is nothing to compare.
 */
static confai_status check_chip(const snp_report *r, const snp_endorsement *e,
                                confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (e->kind != SNP_KEY_VCEK || (r->flags & SNP_FLAG_MASK_CHIP_KEY) ||
        all_zero(r->chip_id, sizeof(r->chip_id)))
        goto out;
    ENSURE(CRYPTO_memcmp(r->chip_id, e->hwid, sizeof(r->chip_id)) == 0, CONFAI_E_TCB_MISMATCH,
           "chip mismatch: the report's CHIP_ID is not the VCEK's hwID (%zu bytes)",
           e->hwid_len);
out:
    return status;
}

/* --- the whole verification --------------------------------------------------- */

static confai_status check_cert_args(const uint8_t *const *certs, const size_t *cert_lens,
                                     size_t cert_count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(cert_count == 2 || cert_count == 3, CONFAI_E_CERT_CHAIN,
           "SNP certificates: %zu given; expected the VCEK or VLEK, the ASK or ASVK, and the "
           "ARK (which may be left out for a custom root)", cert_count);
    ENSURE_ARG(certs != NULL && cert_lens != NULL, "certs");
    for (size_t i = 0; i < cert_count; i++)
        ENSURE_ARG(certs[i] != NULL || cert_lens[i] == 0, "certs[i]");
out:
    return status;
}

/* The endorsement from the cache, or from a full chain verification. */
static confai_status endorsement_for(snp_endorsement *fresh, const snp_endorsement **e,
                                     const snp_trust *trust, snp_chain_cache *cache,
                                     const uint8_t *const *certs, const size_t *cert_lens,
                                     size_t cert_count, int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t id[32];
    *e = NULL;
    if (cache != NULL) {
        GUARD(snp_cache_id(id, trust, certs, cert_lens, cert_count, err));
        *e = snp_cache_find(cache, id, verify_time);
        if (*e != NULL)
            goto out;
    }
    GUARD(snp_chain_verify(fresh, trust, certs, cert_lens, cert_count, verify_time, err));
    *e = fresh;
    if (cache != NULL)
        GUARD(snp_cache_put(cache, id, fresh, err));
out:
    return status;
}

static void fill_verified(snp_verified *out, const snp_report *r, const snp_endorsement *e)
{
    out->report = *r;
    out->root_kind = e->root_kind;
    memcpy(out->root_spki_sha256, e->root_spki_sha256, sizeof(out->root_spki_sha256));
    snprintf(out->endorsement_subject, sizeof(out->endorsement_subject), "%s", e->subject);
    snprintf(out->product_name, sizeof(out->product_name), "%s", e->product_name);
    snprintf(out->csp_id, sizeof(out->csp_id), "%s", e->csp_id);
    out->not_before = e->not_before;
    out->not_after = e->not_after;
}

confai_status snp_verify(snp_verified *out, const snp_trust *trust, snp_chain_cache *cache,
                         const uint8_t *report, size_t report_len,
                         const uint8_t *const *certs, const size_t *cert_lens,
                         size_t cert_count, int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_report r;
    snp_endorsement fresh;
    const snp_endorsement *e = NULL;
    memset(&fresh, 0, sizeof(fresh));
    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(trust != NULL, "trust");
    GUARD(snp_report_parse(&r, report, report_len, err));
    GUARD(check_cert_args(certs, cert_lens, cert_count, err));
    GUARD(endorsement_for(&fresh, &e, trust, cache, certs, cert_lens, cert_count, verify_time,
                          err));
    GUARD(check_signature(&r, report, e->key, e->subject, err));
    GUARD(check_key_kind(&r, e, err));
    GUARD(check_product(&r, e, err));
    GUARD(check_tcb(&r, e, err));
    GUARD(check_chip(&r, e, err));
    fill_verified(out, &r, e);
out:
    snp_endorsement_clear(&fresh);
    if (status != CONFAI_OK && out != NULL)
        memset(out, 0, sizeof(*out));
    return status;
}
