/*
 * X.509 for the simulated SNP platform, shaped like AMD's KDS output:
 *
 *   names   OU=Engineering, C=US, L=Santa Clara, ST=CA,
 *           O=Advanced Micro Devices (or the configured organization),
 *           CN=<ARK-Milan | SEV-Milan | SEV-VCEK ...>
 *   ARK     keyUsage (critical) keyCertSign, cRLSign; subjectKeyIdentifier;
 *           basicConstraints (critical) CA:TRUE
 *   ASK     subjectKeyIdentifier; authorityKeyIdentifier; basicConstraints
 *   ASVK    (critical) CA:TRUE, pathlen:0; keyUsage (critical) keyCertSign
 *   VCEK    only AMD's extensions under 1.3.6.1.4.1.3704.1, in AMD's order
 *   VLEK    (see src/attest/snp_extensions.c), no keyUsage, no key ids
 *
 * All signed with RSASSA-PSS, SHA-384, MGF1-SHA-384, salt length 48.
 */
#include "sim/snp_sim_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "core/error.h"

#define PSS_SALT_LEN 48

/* --- signing ------------------------------------------------------------------- */

static confai_status pss_context(EVP_MD_CTX **md, EVP_PKEY *key, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_PKEY_CTX *pctx = NULL;
    *md = EVP_MD_CTX_new();
    OSSL_ENSURE(*md != NULL, CONFAI_E_NO_MEMORY, "EVP_MD_CTX_new");
    OSSL_ENSURE(EVP_DigestSignInit(*md, &pctx, EVP_sha384(), NULL, key) == 1 &&
                    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, PSS_SALT_LEN) == 1 &&
                    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) == 1,
                CONFAI_E_INTERNAL, "setting up RSASSA-PSS SHA-384");
out:
    return status;
}

/* --- names and times ----------------------------------------------------------- */

static confai_status amd_name(X509_NAME **out, const snp_sim_cert_params *p,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    const char *const fields[][2] = {
        { "OU", "Engineering" }, { "C", "US" }, { "L", "Santa Clara" }, { "ST", "CA" },
        { "O", p->organization[0] != '\0' ? p->organization : "Advanced Micro Devices" },
    };
    X509_NAME *name = X509_NAME_new();
    OSSL_ENSURE(name != NULL, CONFAI_E_NO_MEMORY, "X509_NAME_new");
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        OSSL_ENSURE(X509_NAME_add_entry_by_txt(name, fields[i][0], MBSTRING_UTF8,
                                               (const unsigned char *)fields[i][1], -1, -1,
                                               0) == 1,
                    CONFAI_E_INTERNAL, "building a name");
    OSSL_ENSURE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                           (const unsigned char *)p->common_name, -1, -1,
                                           0) == 1,
                CONFAI_E_INTERNAL, "building a name");
    *out = name;
    name = NULL;
out:
    X509_NAME_free(name);
    return status;
}

static confai_status set_validity(X509 *x, const snp_sim_cert_params *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    OSSL_ENSURE(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)p->not_before) != NULL &&
                    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)p->not_after) != NULL,
                CONFAI_E_INTERNAL, "setting the validity");
out:
    return status;
}

static confai_status set_serial(X509 *x, uint64_t serial, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ASN1_INTEGER *n = ASN1_INTEGER_new();
    OSSL_ENSURE(n != NULL && ASN1_INTEGER_set_uint64(n, serial) == 1 &&
                    X509_set_serialNumber(x, n) == 1,
                CONFAI_E_INTERNAL, "setting the serial number");
out:
    ASN1_INTEGER_free(n);
    return status;
}

/* --- standard extensions (ARK, ASK, ASVK) ---------------------------------------- */

static confai_status add_std(X509 *x, X509 *issuer, int nid, const char *value,
                             confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    OSSL_ENSURE(ext != NULL && X509_add_ext(x, ext, -1) == 1, CONFAI_E_INTERNAL,
                "adding a certificate extension");
out:
    X509_EXTENSION_free(ext);
    return status;
}

static confai_status add_ca_extensions(X509 *x, X509 *issuer, snp_sim_role role,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (role == SNP_SIM_ARK) {
        GUARD(add_std(x, x, NID_key_usage, "critical,keyCertSign,cRLSign", err));
        GUARD(add_std(x, x, NID_subject_key_identifier, "hash", err));
        GUARD(add_std(x, x, NID_basic_constraints, "critical,CA:TRUE", err));
    } else {
        GUARD(add_std(x, issuer, NID_subject_key_identifier, "hash", err));
        GUARD(add_std(x, issuer, NID_authority_key_identifier, "keyid:always", err));
        GUARD(add_std(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0", err));
        GUARD(add_std(x, issuer, NID_key_usage, "critical,keyCertSign", err));
    }
out:
    return status;
}

/* --- AMD's extensions (VCEK, VLEK) ----------------------------------------------- */

/* An extension 1.3.6.1.4.1.3704.1.<arc> whose extnValue holds value. */
static confai_status add_amd(X509 *x, const char *arc, const uint8_t *value, size_t len,
                             confai_error *err)
{
    confai_status status = CONFAI_OK;
    char oid[48];
    snprintf(oid, sizeof(oid), "1.3.6.1.4.1.3704.1.%s", arc);
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    OSSL_ENSURE(obj != NULL && data != NULL && ASN1_OCTET_STRING_set(data, value, (int)len) == 1,
                CONFAI_E_INTERNAL, "an AMD extension");
    ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, data);
    OSSL_ENSURE(ext != NULL && X509_add_ext(x, ext, -1) == 1, CONFAI_E_INTERNAL,
                "adding an AMD extension");
out:
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(data);
    ASN1_OBJECT_free(obj);
    return status;
}

/* A DER INTEGER 0..255 as AMD writes it (minimal: a leading 00 above 127). */
static confai_status add_amd_integer(X509 *x, const char *arc, uint8_t v, confai_error *err)
{
    uint8_t der[4] = { 0x02, 1, v, 0 };
    if (v >= 0x80) {
        der[1] = 2;
        der[2] = 0;
        der[3] = v;
    }
    return add_amd(x, arc, der, v >= 0x80 ? 4 : 3, err);
}

static confai_status add_amd_ia5(X509 *x, const char *arc, const char *s, confai_error *err)
{
    uint8_t der[2 + 64];
    size_t len = strlen(s);
    if (len > 64)
        len = 64;
    der[0] = 0x16;
    der[1] = (uint8_t)len;
    memcpy(der + 2, s, len);
    return add_amd(x, arc, der, len + 2, err);
}

static confai_status add_spl(X509 *x, const snp_sim_ext_params *p, const char *arc,
                             uint32_t omit_bit, uint8_t v, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (p->omit & omit_bit)
        goto out;
    if (strcmp(arc, "3.1") == 0 && (p->malform & SNP_SIM_MALFORM_SPL_NOT_INTEGER)) {
        uint8_t octets[3] = { 0x04, 1, v };
        GUARD(add_amd(x, arc, octets, sizeof(octets), err));
        goto out;
    }
    GUARD(add_amd_integer(x, arc, v, err));
    if (strcmp(arc, "3.3") == 0 && (p->malform & SNP_SIM_MALFORM_DUPLICATE_SPL))
        GUARD(add_amd_integer(x, arc, v, err));
out:
    return status;
}

/* The SPLs in the order AMD's KDS writes them for the product. */
static confai_status add_spls(X509 *x, const snp_sim_ext_params *p, snp_product product,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    const snp_tcb *t = &p->tcb;
    int turin = product == SNP_PRODUCT_TURIN;
    if (turin)
        GUARD(add_spl(x, p, "3.9", SNP_SIM_OMIT_FMC_SPL, t->fmc, err));
    GUARD(add_spl(x, p, "3.1", SNP_SIM_OMIT_BL_SPL, t->bootloader, err));
    GUARD(add_spl(x, p, "3.2", SNP_SIM_OMIT_TEE_SPL, t->tee, err));
    if (turin)
        GUARD(add_spl(x, p, "3.3", SNP_SIM_OMIT_SNP_SPL, t->snp, err));
    else
        GUARD(add_spl(x, p, "3.4", SNP_SIM_OMIT_RESERVED_SPL, 0, err));
    GUARD(add_spl(x, p, "3.5", SNP_SIM_OMIT_RESERVED_SPL, 0, err));
    GUARD(add_spl(x, p, "3.6", SNP_SIM_OMIT_RESERVED_SPL, 0, err));
    GUARD(add_spl(x, p, "3.7", SNP_SIM_OMIT_RESERVED_SPL, 0, err));
    if (!turin)
        GUARD(add_spl(x, p, "3.3", SNP_SIM_OMIT_SNP_SPL, t->snp, err));
    GUARD(add_spl(x, p, "3.8", SNP_SIM_OMIT_UCODE_SPL, t->microcode, err));
out:
    return status;
}

static confai_status add_hwid(X509 *x, const snp_sim_ext_params *p, confai_error *err)
{
    uint8_t wrapped[2 + sizeof(p->hwid)];
    if (!(p->malform & SNP_SIM_MALFORM_HWID_WRAPPED))
        return add_amd(x, "4", p->hwid, p->hwid_len, err);
    wrapped[0] = 0x04; /* an OCTET STRING inside the OCTET STRING: not AMD's */
    wrapped[1] = (uint8_t)p->hwid_len;
    memcpy(wrapped + 2, p->hwid, p->hwid_len);
    return add_amd(x, "4", wrapped, p->hwid_len + 2, err);
}

static confai_status add_amd_extensions(X509 *x, const snp_sim_ext_params *p,
                                        snp_product product, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (!(p->omit & SNP_SIM_OMIT_STRUCT_VERSION))
        GUARD(add_amd_integer(x, "1", p->struct_version, err));
    if (p->product_name[0] != '\0')
        GUARD(add_amd_ia5(x, "2", p->product_name, err));
    GUARD(add_spls(x, p, product, err));
    if (p->hwid_len > 0)
        GUARD(add_hwid(x, p, err));
    if (p->csp_id[0] != '\0')
        GUARD(add_amd_ia5(x, "5", p->csp_id, err));
out:
    return status;
}

/* --- certificates and CRLs --------------------------------------------------------- */

confai_status snp_sim_issue_cert(X509 **out, snp_sim_role role, const snp_sim_config *cfg,
                                 EVP_PKEY *subject_key, X509 *issuer, EVP_PKEY *issuer_key,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    const snp_sim_cert_params *p = &cfg->cert[role];
    X509 *x = X509_new();
    X509_NAME *subject = NULL;
    EVP_MD_CTX *md = NULL;
    *out = NULL;
    OSSL_ENSURE(x != NULL && X509_set_version(x, X509_VERSION_3) == 1, CONFAI_E_NO_MEMORY,
                "X509_new");
    GUARD(set_serial(x, p->serial, err));
    GUARD(amd_name(&subject, p, err));
    OSSL_ENSURE(X509_set_subject_name(x, subject) == 1 &&
                    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer)
                                                           : subject) == 1 &&
                    X509_set_pubkey(x, subject_key) == 1,
                CONFAI_E_INTERNAL, "filling a certificate");
    GUARD(set_validity(x, p, err));
    if (role == SNP_SIM_VCEK || role == SNP_SIM_VLEK)
        GUARD(add_amd_extensions(x, role == SNP_SIM_VCEK ? &cfg->vcek : &cfg->vlek,
                                 cfg->product, err));
    else
        GUARD(add_ca_extensions(x, issuer, role, err));
    GUARD(pss_context(&md, issuer_key, err));
    OSSL_ENSURE(X509_sign_ctx(x, md) > 0, CONFAI_E_INTERNAL, "signing a certificate");
    *out = x;
    x = NULL;
out:
    EVP_MD_CTX_free(md);
    X509_NAME_free(subject);
    X509_free(x);
    return status;
}

static confai_status add_revoked(X509_CRL *crl, uint64_t serial, const ASN1_TIME *when,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509_REVOKED *r = X509_REVOKED_new();
    ASN1_INTEGER *n = ASN1_INTEGER_new();
    OSSL_ENSURE(r != NULL && n != NULL && ASN1_INTEGER_set_uint64(n, serial) == 1 &&
                    X509_REVOKED_set_serialNumber(r, n) == 1 &&
                    X509_REVOKED_set_revocationDate(r, (ASN1_TIME *)when) == 1 &&
                    X509_CRL_add0_revoked(crl, r) == 1,
                CONFAI_E_INTERNAL, "adding a revoked serial");
    r = NULL; /* owned by the CRL */
out:
    X509_REVOKED_free(r);
    ASN1_INTEGER_free(n);
    return status;
}

confai_status snp_sim_issue_crl(X509_CRL **out, X509 *ark, EVP_PKEY *ark_key,
                                const uint64_t *revoked, size_t revoked_count,
                                int64_t this_update, int64_t next_update, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *last = ASN1_TIME_set(NULL, (time_t)this_update);
    ASN1_TIME *next = ASN1_TIME_set(NULL, (time_t)next_update);
    EVP_MD_CTX *md = NULL;
    *out = NULL;
    OSSL_ENSURE(crl != NULL && last != NULL && next != NULL &&
                    X509_CRL_set_version(crl, X509_CRL_VERSION_2) == 1 &&
                    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ark)) == 1 &&
                    X509_CRL_set1_lastUpdate(crl, last) == 1 &&
                    X509_CRL_set1_nextUpdate(crl, next) == 1,
                CONFAI_E_INTERNAL, "building a CRL");
    for (size_t i = 0; i < revoked_count; i++)
        GUARD(add_revoked(crl, revoked[i], last, err));
    OSSL_ENSURE(X509_CRL_sort(crl) == 1, CONFAI_E_INTERNAL, "X509_CRL_sort");
    GUARD(pss_context(&md, ark_key, err));
    OSSL_ENSURE(X509_CRL_sign_ctx(crl, md) > 0, CONFAI_E_INTERNAL, "signing a CRL");
    *out = crl;
    crl = NULL;
out:
    EVP_MD_CTX_free(md);
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    X509_CRL_free(crl);
    return status;
}
