/*
 * The simulated SEV-SNP platform: its configuration, its certificates, and
 * the reports it signs (see snp_sim.h).
 */
#include "sim/snp_sim_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include "core/error.h"

#define DAY 86400
#define YEAR (365 * DAY)
#define OFF_SIG_R 0x2A0
#define OFF_SIG_S 0x2E8
#define SIG_FIELD 72

struct snp_sim {
    EVP_PKEY *key[SNP_SIM_ROLES];
    snp_sim_config cfg;
    uint8_t *der[SNP_SIM_ROLES];
    size_t der_len[SNP_SIM_ROLES];
};

/* --- configuration ------------------------------------------------------------- */

/* What differs between products, modelled on AMD's real certificates. */
typedef struct product_profile {
    snp_product product;
    uint64_t ark_serial;      /* ASK = +1, ASVK = +0x101, as AMD numbers them */
    const char *vcek_product; /* the VCEK's productName */
    uint8_t struct_version;
    uint8_t cpuid_family, cpuid_model, cpuid_step;
    snp_tcb tcb;
    size_t hwid_len;
} product_profile;

static const product_profile profiles[] = {
    { SNP_PRODUCT_MILAN, 0x10000, "Milan-B0", 0, 0x19, 0x01, 0x01,
      { .bootloader = 4, .tee = 0, .snp = 24, .microcode = 219 }, 64 },
    { SNP_PRODUCT_GENOA, 0x20000, "Genoa", 0, 0x19, 0x11, 0x01,
      { .bootloader = 10, .tee = 0, .snp = 25, .microcode = 84 }, 64 },
    { SNP_PRODUCT_TURIN, 0x30000, "Turin", 1, 0x1A, 0x02, 0x01,
      { .fmc = 1, .bootloader = 1, .tee = 0, .snp = 2, .microcode = 0x47 }, 8 },
};

static const product_profile *profile_of(snp_product product)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
        if (profiles[i].product == product)
            return &profiles[i];
    return &profiles[0];
}

static void cert_params(snp_sim_cert_params *p, const char *cn, uint64_t serial, int64_t from,
                        int64_t lifetime)
{
    snprintf(p->common_name, sizeof(p->common_name), "%s", cn);
    p->serial = serial;
    p->not_before = from;
    p->not_after = from + lifetime;
}

void snp_sim_config_default(snp_sim_config *cfg, snp_product product, int64_t now)
{
    const product_profile *pp = profile_of(product);
    const char *name = snp_product_name(pp->product);
    char cn[64];
    int64_t from = now - DAY;
    memset(cfg, 0, sizeof(*cfg));
    cfg->product = pp->product;

    snprintf(cn, sizeof(cn), "ARK-%s", name);
    cert_params(&cfg->cert[SNP_SIM_ARK], cn, pp->ark_serial, from, 25 * YEAR);
    snprintf(cn, sizeof(cn), "SEV-%s", name);
    cert_params(&cfg->cert[SNP_SIM_ASK], cn, pp->ark_serial + 1, from, 25 * YEAR);
    snprintf(cn, sizeof(cn), "SEV-VLEK-%s", name);
    cert_params(&cfg->cert[SNP_SIM_ASVK], cn, pp->ark_serial + 0x101, from, 25 * YEAR);
    cert_params(&cfg->cert[SNP_SIM_VCEK], "SEV-VCEK", 0, from, 7 * YEAR);
    cert_params(&cfg->cert[SNP_SIM_VLEK], "SEV-VLEK", 0, from, YEAR);

    cfg->vcek.tcb = pp->tcb;
    cfg->vcek.struct_version = pp->struct_version;
    snprintf(cfg->vcek.product_name, sizeof(cfg->vcek.product_name), "%s", pp->vcek_product);
    cfg->vcek.hwid_len = pp->hwid_len;
    for (size_t i = 0; i < pp->hwid_len; i++) /* a fixed, recognisable chip id */
        cfg->vcek.hwid[i] = (uint8_t)(0xC0 ^ (i * 37) ^ (unsigned)pp->product);

    cfg->vlek.tcb = pp->tcb;
    cfg->vlek.struct_version = 0;
    snprintf(cfg->vlek.product_name, sizeof(cfg->vlek.product_name), "%s", name);
    snprintf(cfg->vlek.csp_id, sizeof(cfg->vlek.csp_id), "CN=simulated.confai.invalid");
}

/* --- the platform -------------------------------------------------------------- */

static void free_certs(snp_sim *sim)
{
    for (int i = 0; i < SNP_SIM_ROLES; i++) {
        OPENSSL_free(sim->der[i]);
        sim->der[i] = NULL;
        sim->der_len[i] = 0;
    }
}

void snp_sim_free(snp_sim *sim)
{
    if (sim == NULL)
        return;
    free_certs(sim);
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        EVP_PKEY_free(sim->key[i]);
    OPENSSL_free(sim);
}

/* Who issues whom: ARK itself, ASK and ASVK; ASK the VCEK, ASVK the VLEK. */
static snp_sim_role issuer_of(snp_sim_role role)
{
    switch (role) {
    case SNP_SIM_VCEK: return SNP_SIM_ASK;
    case SNP_SIM_VLEK: return SNP_SIM_ASVK;
    default: return SNP_SIM_ARK;
    }
}

static int same_cert_params(const snp_sim_cert_params *a, const snp_sim_cert_params *b)
{
    return a->not_before == b->not_before && a->not_after == b->not_after &&
           a->serial == b->serial && strcmp(a->common_name, b->common_name) == 0 &&
           strcmp(a->organization, b->organization) == 0;
}

static int same_ext_params(const snp_sim_ext_params *a, const snp_sim_ext_params *b)
{
    return a->tcb.fmc == b->tcb.fmc && a->tcb.bootloader == b->tcb.bootloader &&
           a->tcb.tee == b->tcb.tee && a->tcb.snp == b->tcb.snp &&
           a->tcb.microcode == b->tcb.microcode && a->struct_version == b->struct_version &&
           strcmp(a->product_name, b->product_name) == 0 && a->hwid_len == b->hwid_len &&
           memcmp(a->hwid, b->hwid, a->hwid_len) == 0 && strcmp(a->csp_id, b->csp_id) == 0 &&
           a->omit == b->omit && a->malform == b->malform;
}

/*
 * Whether a certificate must be issued again when the configuration changes
 * from old to cfg: its own parameters (or extensions) or its issuer's name
 * changed. An issuer issued again does not matter otherwise: its key stays.
 * RSA-4096 signatures are slow, and tests reissue often.
 */
static int needs_issue(const snp_sim *sim, const snp_sim_config *old, const snp_sim_config *cfg,
                       snp_sim_role role)
{
    snp_sim_role issuer = issuer_of(role);
    if (sim->der[role] == NULL || old->product != cfg->product ||
        !same_cert_params(&old->cert[role], &cfg->cert[role]) ||
        strcmp(old->cert[issuer].common_name, cfg->cert[issuer].common_name) != 0 ||
        strcmp(old->cert[issuer].organization, cfg->cert[issuer].organization) != 0)
        return 1;
    if (role == SNP_SIM_VCEK)
        return !same_ext_params(&old->vcek, &cfg->vcek);
    if (role == SNP_SIM_VLEK)
        return !same_ext_params(&old->vlek, &cfg->vlek);
    return 0;
}

/* The certificate of a role as an X509, issued now or earlier (parsed). */
static confai_status current_cert(X509 **x, const snp_sim *sim, snp_sim_role role,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (*x != NULL)
        goto out;
    const unsigned char *p = sim->der[role];
    *x = d2i_X509(NULL, &p, (long)sim->der_len[role]);
    OSSL_ENSURE(*x != NULL, CONFAI_E_INTERNAL, "a simulated certificate");
out:
    return status;
}

static confai_status issue_one(snp_sim *sim, X509 *x[SNP_SIM_ROLES], snp_sim_role role,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_sim_role issuer = issuer_of(role);
    unsigned char *der = NULL;
    if (role != SNP_SIM_ARK)
        GUARD(current_cert(&x[issuer], sim, issuer, err));
    GUARD(snp_sim_issue_cert(&x[role], role, &sim->cfg, sim->key[role],
                             role == SNP_SIM_ARK ? NULL : x[issuer], sim->key[issuer], err));
    int len = i2d_X509(x[role], &der);
    OSSL_ENSURE(len > 0, CONFAI_E_INTERNAL, "encoding a certificate");
    OPENSSL_free(sim->der[role]);
    sim->der[role] = der;
    sim->der_len[role] = (size_t)len;
out:
    return status;
}

confai_status snp_sim_reissue(snp_sim *sim, const snp_sim_config *cfg, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *x[SNP_SIM_ROLES] = { NULL };
    snp_sim_config old;
    ENSURE_ARG(sim != NULL, "sim");
    ENSURE_ARG(cfg != NULL, "cfg");
    ENSURE(cfg->product != SNP_PRODUCT_UNKNOWN, CONFAI_E_ARGUMENT,
           "simulated SNP platform: no product");
    ENSURE(cfg->vcek.hwid_len <= sizeof(cfg->vcek.hwid) &&
               cfg->vlek.hwid_len <= sizeof(cfg->vlek.hwid),
           CONFAI_E_ARGUMENT, "simulated SNP platform: hwid_len over 64");
    old = sim->cfg;
    sim->cfg = *cfg;
    /* issuers first: ARK, ASK, ASVK, then VCEK, VLEK */
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        if (needs_issue(sim, &old, cfg, (snp_sim_role)i))
            GUARD(issue_one(sim, x, (snp_sim_role)i, err));
out:
    for (int i = 0; i < SNP_SIM_ROLES; i++)
        X509_free(x[i]);
    if (status != CONFAI_OK && sim != NULL)
        free_certs(sim); /* all issued again next time */
    return status;
}

confai_status snp_sim_new(snp_sim **out, const snp_sim_keys *keys, const snp_sim_config *cfg,
                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_sim *sim = NULL;
    ENSURE_ARG(out != NULL, "sim");
    *out = NULL;
    ENSURE_ARG(keys != NULL, "keys");
    sim = OPENSSL_zalloc(sizeof(*sim));
    ENSURE(sim != NULL, CONFAI_E_NO_MEMORY, "out of memory for the simulated SNP platform");
    for (int i = 0; i < SNP_SIM_ROLES; i++) {
        EVP_PKEY *key = snp_sim_keys_get(keys, (snp_sim_role)i);
        OSSL_ENSURE(EVP_PKEY_up_ref(key) == 1, CONFAI_E_INTERNAL, "EVP_PKEY_up_ref");
        sim->key[i] = key;
    }
    GUARD(snp_sim_reissue(sim, cfg, err));
    *out = sim;
    sim = NULL;
out:
    snp_sim_free(sim);
    return status;
}

const snp_sim_config *snp_sim_get_config(const snp_sim *sim)
{
    return &sim->cfg;
}

const uint8_t *snp_sim_cert(const snp_sim *sim, snp_sim_role role, size_t *len)
{
    *len = sim->der_len[role];
    return sim->der[role];
}

void snp_sim_chain(const snp_sim *sim, snp_signing_key kind, const uint8_t *certs[3],
                   size_t lens[3])
{
    int vlek = kind == SNP_KEY_VLEK;
    certs[0] = snp_sim_cert(sim, vlek ? SNP_SIM_VLEK : SNP_SIM_VCEK, &lens[0]);
    certs[1] = snp_sim_cert(sim, vlek ? SNP_SIM_ASVK : SNP_SIM_ASK, &lens[1]);
    certs[2] = snp_sim_cert(sim, SNP_SIM_ARK, &lens[2]);
}

/* --- reports ------------------------------------------------------------------- */

void snp_sim_report_template(const snp_sim *sim, snp_report *r, snp_signing_key kind)
{
    const snp_sim_config *cfg = &sim->cfg;
    const product_profile *pp = profile_of(cfg->product);
    const snp_sim_ext_params *ext = kind == SNP_KEY_VLEK ? &cfg->vlek : &cfg->vcek;
    uint64_t tcb = snp_tcb_encode(&ext->tcb, cfg->product);
    memset(r, 0, sizeof(*r));
    r->version = 5;
    r->policy = 0x30000; /* SMT allowed, the must-be-one bit 17 */
    r->signature_algo = 1;
    r->platform_info = 0x1;
    r->signing_key = kind;
    r->flags = (uint32_t)kind << SNP_FLAG_SIGNING_KEY_SHIFT;
    r->current_tcb_raw = r->reported_tcb_raw = r->committed_tcb_raw = r->launch_tcb_raw = tcb;
    r->cpuid_fam_id = pp->cpuid_family;
    r->cpuid_mod_id = pp->cpuid_model;
    r->cpuid_step = pp->cpuid_step;
    if (kind == SNP_KEY_VCEK)
        memcpy(r->chip_id, cfg->vcek.hwid, cfg->vcek.hwid_len);
    r->current_major = r->committed_major = 1;
    r->current_minor = r->committed_minor = 55;
    r->current_build = r->committed_build = 40;
    for (size_t i = 0; i < sizeof(r->report_id); i++)
        r->report_id[i] = (uint8_t)(0x5A ^ i);
    snp_report_set_product(r, cfg->product);
}

/* ECDSA P-384 over bytes [0, 0x2A0), r and s written little-endian. */
confai_status snp_sim_sign_bytes(const snp_sim *sim, uint8_t report[SNP_REPORT_SIZE],
                                 snp_signing_key key, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ECDSA_SIG *sig = NULL;
    unsigned char der[128];
    size_t der_len = sizeof(der);
    const unsigned char *p = der;
    ENSURE_ARG(sim != NULL && report != NULL, "sim, report");
    EVP_PKEY *pkey = sim->key[key == SNP_KEY_VLEK ? SNP_SIM_VLEK : SNP_SIM_VCEK];
    OSSL_ENSURE(md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, pkey) == 1 &&
                    EVP_DigestSign(md, der, &der_len, report, SNP_SIGNED_SIZE) == 1,
                CONFAI_E_INTERNAL, "signing a simulated report");
    sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    OSSL_ENSURE(sig != NULL, CONFAI_E_INTERNAL, "decoding the report signature");
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    OSSL_ENSURE(BN_bn2lebinpad(r, report + OFF_SIG_R, SIG_FIELD) == SIG_FIELD &&
                    BN_bn2lebinpad(s, report + OFF_SIG_S, SIG_FIELD) == SIG_FIELD,
                CONFAI_E_INTERNAL, "writing the report signature");
out:
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    return status;
}

confai_status snp_sim_sign_report(const snp_sim *sim, uint8_t out[SNP_REPORT_SIZE],
                                  const snp_report *fields, snp_signing_key key,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(sim != NULL && out != NULL && fields != NULL, "sim, out, fields");
    snp_report_encode(out, fields);
    GUARD(snp_sim_sign_bytes(sim, out, key, err));
out:
    return status;
}

confai_status snp_sim_crl(const snp_sim *sim, uint8_t *der, size_t *der_len,
                          const uint64_t *revoked, size_t revoked_count, int64_t this_update,
                          int64_t next_update, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *ark = NULL;
    X509_CRL *crl = NULL;
    unsigned char *encoded = NULL;
    ENSURE_ARG(sim != NULL && der_len != NULL && (der != NULL || *der_len == 0), "der");
    ENSURE_ARG(revoked != NULL || revoked_count == 0, "revoked");
    const unsigned char *p = sim->der[SNP_SIM_ARK];
    ark = d2i_X509(NULL, &p, (long)sim->der_len[SNP_SIM_ARK]);
    OSSL_ENSURE(ark != NULL, CONFAI_E_INTERNAL, "the simulated ARK");
    GUARD(snp_sim_issue_crl(&crl, ark, sim->key[SNP_SIM_ARK], revoked, revoked_count,
                            this_update, next_update, err));
    int len = i2d_X509_CRL(crl, &encoded);
    OSSL_ENSURE(len > 0, CONFAI_E_INTERNAL, "encoding a CRL");
    if (*der_len < (size_t)len) {
        *der_len = (size_t)len;
        BAIL(CONFAI_E_BUFFER_TOO_SMALL, "simulated SNP CRL: %d bytes", len);
    }
    memcpy(der, encoded, (size_t)len);
    *der_len = (size_t)len;
out:
    OPENSSL_free(encoded);
    X509_CRL_free(crl);
    X509_free(ark);
    return status;
}
