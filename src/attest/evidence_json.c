/*
 * Evidence as JSON (confai_evidence_describe and the findings of
 * confai_evidence_verdict_json): the decoded fields of an SEV-SNP report, a
 * TDX quote, NVIDIA SPDM evidence and an evidence bundle, and what the
 * platform verifiers proved. Bytes are lowercase hex, times RFC 3339.
 * Nothing here verifies anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/evidence.h"
#include "attest/gpu/gpu_attestation.h"
#include "attest/policy/policy.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"
#include "core/rfc3339.h"
#include "crypto/hpke_suite.h"
#include "seal/key_config.h"

/* cJSON's builders return NULL on failure; these keep going and remember. */
typedef struct jb {
    int failed;
} jb;

static void *ok(jb *b, void *p)
{
    if (p == NULL)
        b->failed = 1;
    return p;
}

static void add_str(jb *b, cJSON *o, const char *name, const char *value)
{
    ok(b, cJSON_AddStringToObject(o, name, value));
}

static void add_num(jb *b, cJSON *o, const char *name, double value)
{
    ok(b, cJSON_AddNumberToObject(o, name, value));
}

static void add_bool(jb *b, cJSON *o, const char *name, int value)
{
    ok(b, cJSON_AddBoolToObject(o, name, value));
}

static char *hex_of(const uint8_t *data, size_t len)
{
    char *text = malloc(2 * len + 1);
    if (text != NULL)
        hex_encode(text, data, len);
    return text;
}

static void add_hex(jb *b, cJSON *o, const char *name, const uint8_t *data, size_t len)
{
    char *text = ok(b, hex_of(data, len));
    if (text != NULL)
        add_str(b, o, name, text);
    free(text);
}

static void add_u64hex(jb *b, cJSON *o, const char *name, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof(text), "0x%llx", (unsigned long long)v);
    add_str(b, o, name, text);
}

static void add_time(jb *b, cJSON *o, const char *name, int64_t t)
{
    char text[RFC3339_LEN + 1];
    if (!rfc3339_format(text, t))
        snprintf(text, sizeof(text), "invalid");
    add_str(b, o, name, text);
}

static void add_array_str(jb *b, cJSON *array, const char *text)
{
    cJSON *s = ok(b, cJSON_CreateString(text));
    if (s != NULL && !cJSON_AddItemToArray(array, s)) {
        cJSON_Delete(s);
        b->failed = 1;
    }
}

/* A child object, or the parent itself when it cannot be made (recorded). */
static cJSON *add_obj(jb *b, cJSON *o, const char *name)
{
    cJSON *c = ok(b, cJSON_AddObjectToObject(o, name));
    return c != NULL ? c : o;
}

static cJSON *add_array(jb *b, cJSON *o, const char *name)
{
    return ok(b, cJSON_AddArrayToObject(o, name));
}

/* Adds child (which may be NULL after a failure) to an object or array. */
static void attach(jb *b, cJSON *parent, const char *name, cJSON *child)
{
    int added = child != NULL && (name != NULL ? cJSON_AddItemToObject(parent, name, child)
                                               : cJSON_AddItemToArray(parent, child));
    if (!added) {
        cJSON_Delete(child);
        b->failed = 1;
    }
}

static void add_error(jb *b, cJSON *o, const char *name, const confai_error *err)
{
    char text[CONFAI_ERROR_MESSAGE_SIZE + 64];
    snprintf(text, sizeof(text), "%s: %s", confai_status_name(err->status), err->message);
    add_str(b, o, name, text);
}

/* --- certificates ----------------------------------------------------------- */

static void add_name(jb *b, cJSON *o, const char *field, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *mem = NULL;
    long n;
    if (bio == NULL || X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE) < 0 ||
        (n = BIO_get_mem_data(bio, &mem)) < 0) {
        b->failed = 1;
    } else {
        char text[512];
        size_t len = (size_t)n < sizeof(text) - 1 ? (size_t)n : sizeof(text) - 1;
        memcpy(text, mem, len);
        text[len] = '\0';
        add_str(b, o, field, text);
    }
    BIO_free(bio);
}

static void add_asn1_time(jb *b, cJSON *o, const char *field, const ASN1_TIME *t)
{
    struct tm tm;
    char text[64];
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        add_str(b, o, field, "invalid");
        return;
    }
    snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    add_str(b, o, field, text);
}

/* Subject, issuer, validity and SPKI SHA-256 of a certificate. */
static cJSON *describe_x509(jb *b, X509 *x)
{
    cJSON *o = ok(b, cJSON_CreateObject());
    unsigned char *spki = NULL;
    if (o == NULL)
        return NULL;
    if (x == NULL) {
        add_str(b, o, "error", "not a DER certificate");
        return o;
    }
    add_name(b, o, "subject", X509_get_subject_name(x));
    add_name(b, o, "issuer", X509_get_issuer_name(x));
    add_asn1_time(b, o, "not_before", X509_get0_notBefore(x));
    add_asn1_time(b, o, "not_after", X509_get0_notAfter(x));
    int spki_len = i2d_PUBKEY(X509_get0_pubkey(x), &spki);
    if (spki_len > 0) {
        uint8_t digest[32];
        unsigned int dlen = 0;
        if (EVP_Digest(spki, (size_t)spki_len, digest, &dlen, EVP_sha256(), NULL) == 1)
            add_hex(b, o, "spki_sha256", digest, sizeof(digest));
    }
    OPENSSL_free(spki);
    return o;
}

static cJSON *describe_der(jb *b, const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = len <= 65536 ? d2i_X509(NULL, &p, (long)len) : NULL;
    cJSON *o = describe_x509(b, x);
    X509_free(x);
    ERR_clear_error();
    return o;
}

/* The certificates of PEM text (a TDX quote's PCK chain); NULL for none. */
static cJSON *describe_pem_chain(jb *b, const uint8_t *pem, size_t len, X509 **leaf)
{
    BIO *bio = len <= 65536 ? BIO_new_mem_buf(pem, (int)len) : NULL;
    cJSON *a = NULL;
    X509 *x;
    *leaf = NULL;
    while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (a == NULL && (a = ok(b, cJSON_CreateArray())) == NULL) {
            X509_free(x);
            break;
        }
        attach(b, a, NULL, describe_x509(b, x));
        if (*leaf == NULL)
            *leaf = x;
        else
            X509_free(x);
    }
    ERR_clear_error();
    BIO_free(bio);
    return a;
}

/* --- SEV-SNP ------------------------------------------------------------------ */

static void add_tcb(jb *b, cJSON *o, const char *name, uint64_t raw, const snp_tcb *tcb,
                    snp_product product)
{
    cJSON *t = add_obj(b, o, name);
    add_u64hex(b, t, "raw", raw);
    if (product == SNP_PRODUCT_UNKNOWN)
        return; /* the layout depends on the product */
    if (product == SNP_PRODUCT_TURIN)
        add_num(b, t, "fmc", tcb->fmc);
    add_num(b, t, "bootloader", tcb->bootloader);
    add_num(b, t, "tee", tcb->tee);
    add_num(b, t, "snp", tcb->snp);
    add_num(b, t, "microcode", tcb->microcode);
}

static void add_version(jb *b, cJSON *o, const char *name, uint8_t major, uint8_t minor,
                        uint8_t build)
{
    char text[16];
    snprintf(text, sizeof(text), "%u.%u.%u", major, minor, build);
    add_str(b, o, name, text);
}

/* Big-endian hex of a little-endian, zero-padded signature half. */
static void add_sig_part(jb *b, cJSON *o, const char *name, const uint8_t le[72])
{
    uint8_t be[48];
    for (size_t i = 0; i < 48; i++)
        be[i] = le[47 - i];
    add_hex(b, o, name, be, sizeof(be));
}

static cJSON *describe_snp_report(jb *b, const snp_report *r)
{
    cJSON *o = ok(b, cJSON_CreateObject());
    char abi[16];
    if (o == NULL)
        return NULL;
    add_str(b, o, "kind", "sev-snp report");
    add_num(b, o, "version", r->version);
    add_str(b, o, "product",
            r->product == SNP_PRODUCT_UNKNOWN
                ? "unknown (report before v3: the endorsement chain names it)"
                : policy_snp_product_name(r->product));
    add_num(b, o, "guest_svn", r->guest_svn);
    cJSON *gp = add_obj(b, o, "guest_policy");
    add_u64hex(b, gp, "raw", r->policy);
    snprintf(abi, sizeof(abi), "%u.%u", (unsigned)((r->policy >> 8) & 0xff),
             (unsigned)(r->policy & 0xff));
    add_str(b, gp, "abi_min", abi);
    add_bool(b, gp, "smt_allowed", (r->policy & POLICY_SNP_GUEST_SMT) != 0);
    add_bool(b, gp, "migration_agent", (r->policy & POLICY_SNP_GUEST_MIGRATE_MA) != 0);
    add_bool(b, gp, "debug", (r->policy & POLICY_SNP_GUEST_DEBUG) != 0);
    add_bool(b, gp, "single_socket", (r->policy & (UINT64_C(1) << 20)) != 0);
    add_hex(b, o, "family_id", r->family_id, sizeof(r->family_id));
    add_hex(b, o, "image_id", r->image_id, sizeof(r->image_id));
    add_num(b, o, "vmpl", r->vmpl);
    add_str(b, o, "signature_algo", r->signature_algo == 1 ? "ecdsa-p384-sha384" : "unknown");
    cJSON *pi = add_obj(b, o, "platform_info");
    add_u64hex(b, pi, "raw", r->platform_info);
    add_bool(b, pi, "smt_enabled", (r->platform_info & POLICY_SNP_PLATFORM_SMT_EN) != 0);
    add_bool(b, pi, "tsme_enabled", (r->platform_info & 0x2) != 0);
    cJSON *fl = add_obj(b, o, "flags");
    add_u64hex(b, fl, "raw", r->flags);
    add_bool(b, fl, "author_key_en", (r->flags & SNP_FLAG_AUTHOR_KEY_EN) != 0);
    add_bool(b, fl, "mask_chip_key", (r->flags & SNP_FLAG_MASK_CHIP_KEY) != 0);
    add_str(b, fl, "signing_key", r->signing_key == SNP_KEY_VLEK ? "vlek" : "vcek");
    add_hex(b, o, "report_data", r->report_data, sizeof(r->report_data));
    add_hex(b, o, "measurement", r->measurement, sizeof(r->measurement));
    add_hex(b, o, "host_data", r->host_data, sizeof(r->host_data));
    add_hex(b, o, "id_key_digest", r->id_key_digest, sizeof(r->id_key_digest));
    add_hex(b, o, "author_key_digest", r->author_key_digest, sizeof(r->author_key_digest));
    add_hex(b, o, "report_id", r->report_id, sizeof(r->report_id));
    add_hex(b, o, "report_id_ma", r->report_id_ma, sizeof(r->report_id_ma));
    if (r->version >= 3) {
        cJSON *c = add_obj(b, o, "cpuid");
        add_num(b, c, "family", r->cpuid_fam_id);
        add_num(b, c, "model", r->cpuid_mod_id);
        add_num(b, c, "stepping", r->cpuid_step);
    }
    add_hex(b, o, "chip_id", r->chip_id, sizeof(r->chip_id));
    cJSON *tcb = add_obj(b, o, "tcb");
    add_tcb(b, tcb, "current", r->current_tcb_raw, &r->current_tcb, r->product);
    add_tcb(b, tcb, "reported", r->reported_tcb_raw, &r->reported_tcb, r->product);
    add_tcb(b, tcb, "committed", r->committed_tcb_raw, &r->committed_tcb, r->product);
    add_tcb(b, tcb, "launch", r->launch_tcb_raw, &r->launch_tcb, r->product);
    cJSON *fw = add_obj(b, o, "firmware");
    add_version(b, fw, "current", r->current_major, r->current_minor, r->current_build);
    add_version(b, fw, "committed", r->committed_major, r->committed_minor,
                r->committed_build);
    if (r->version >= 5) {
        add_u64hex(b, o, "launch_mit_vector", r->launch_mit_vector);
        add_u64hex(b, o, "current_mit_vector", r->current_mit_vector);
    }
    cJSON *sig = add_obj(b, o, "signature");
    add_sig_part(b, sig, "r", r->signature_r);
    add_sig_part(b, sig, "s", r->signature_s);
    return o;
}

/* --- TDX ------------------------------------------------------------------------- */

static cJSON *describe_tdx_quote(jb *b, const tdx_quote *q)
{
    cJSON *o = ok(b, cJSON_CreateObject());
    if (o == NULL)
        return NULL;
    add_str(b, o, "kind", "tdx quote");
    add_num(b, o, "version", q->version);
    add_str(b, o, "attestation_key",
            q->att_key_type == TDX_ATT_KEY_ECDSA_P256 ? "ecdsa-p256" : "unknown");
    add_u64hex(b, o, "tee_type", q->tee_type);
    add_hex(b, o, "qe_vendor_id", q->qe_vendor_id, sizeof(q->qe_vendor_id));
    add_hex(b, o, "user_data", q->user_data, sizeof(q->user_data));
    add_str(b, o, "body", q->body_type == TDX_BODY_TD15 ? "td-1.5" : "td-1.0");
    add_num(b, o, "quote_size", (double)q->quote_len);
    add_hex(b, o, "tee_tcb_svn", q->tee_tcb_svn, sizeof(q->tee_tcb_svn));
    add_hex(b, o, "mrseam", q->mrseam, sizeof(q->mrseam));
    add_hex(b, o, "mrsignerseam", q->mrsignerseam, sizeof(q->mrsignerseam));
    add_u64hex(b, o, "seam_attributes", q->seam_attributes);
    cJSON *ta = add_obj(b, o, "td_attributes");
    add_u64hex(b, ta, "raw", q->td_attributes);
    add_bool(b, ta, "debug", (q->td_attributes & 1) != 0);
    add_u64hex(b, o, "xfam", q->xfam);
    add_hex(b, o, "mrtd", q->mrtd, sizeof(q->mrtd));
    add_hex(b, o, "mrconfigid", q->mrconfigid, sizeof(q->mrconfigid));
    add_hex(b, o, "mrowner", q->mrowner, sizeof(q->mrowner));
    add_hex(b, o, "mrownerconfig", q->mrownerconfig, sizeof(q->mrownerconfig));
    cJSON *rtmrs = add_array(b, o, "rtmrs");
    for (size_t i = 0; rtmrs != NULL && i < 4; i++) {
        char hex[97];
        hex_encode(hex, q->rtmr[i], 48);
        add_array_str(b, rtmrs, hex);
    }
    add_hex(b, o, "report_data", q->report_data, sizeof(q->report_data));
    if (q->body_type == TDX_BODY_TD15) {
        add_hex(b, o, "tee_tcb_svn2", q->tee_tcb_svn2, sizeof(q->tee_tcb_svn2));
        add_hex(b, o, "mrservicetd", q->mrservicetd, sizeof(q->mrservicetd));
    }
    cJSON *qe = add_obj(b, o, "qe_report");
    add_hex(b, qe, "cpusvn", q->qe_report.cpusvn, sizeof(q->qe_report.cpusvn));
    add_hex(b, qe, "mrenclave", q->qe_report.mrenclave, sizeof(q->qe_report.mrenclave));
    add_hex(b, qe, "mrsigner", q->qe_report.mrsigner, sizeof(q->qe_report.mrsigner));
    add_num(b, qe, "isvprodid", q->qe_report.isvprodid);
    add_num(b, qe, "isvsvn", q->qe_report.isvsvn);
    add_hex(b, o, "signature", q->signature, sizeof(q->signature));
    add_hex(b, o, "attestation_public_key", q->attestation_key, sizeof(q->attestation_key));

    X509 *leaf = NULL;
    cJSON *chain = q->pck_chain_len > 0
                       ? describe_pem_chain(b, q->pck_chain, q->pck_chain_len, &leaf)
                       : NULL;
    if (chain != NULL) {
        attach(b, o, "pck_chain", chain);
        tdx_pck_info pck;
        unsigned char *der = NULL;
        int der_len = leaf != NULL ? i2d_X509(leaf, &der) : -1;
        if (der_len > 0 && tdx_pck_info_from_der(&pck, der, (size_t)der_len, NULL) == CONFAI_OK) {
            cJSON *p = add_obj(b, o, "pck");
            add_hex(b, p, "fmspc", pck.fmspc, sizeof(pck.fmspc));
            add_hex(b, p, "pce_id", pck.pce_id, sizeof(pck.pce_id));
            add_num(b, p, "pcesvn", pck.pcesvn);
            add_hex(b, p, "cpusvn", pck.cpusvn, sizeof(pck.cpusvn));
            add_hex(b, p, "sgx_tcb", pck.sgx_tcb, sizeof(pck.sgx_tcb));
        }
        OPENSSL_free(der);
        ERR_clear_error();
    }
    X509_free(leaf);
    return o;
}

/* --- NVIDIA SPDM ------------------------------------------------------------------- */

static cJSON *describe_spdm(jb *b, const spdm_evidence *ev)
{
    cJSON *o = ok(b, cJSON_CreateObject());
    char v[8];
    if (o == NULL)
        return NULL;
    add_str(b, o, "kind", "nvidia spdm evidence");
    snprintf(v, sizeof(v), "%u.%u", ev->version >> 4, ev->version & 0xf);
    add_str(b, o, "spdm_version", v);
    add_hex(b, o, "request_nonce", ev->request_nonce, sizeof(ev->request_nonce));
    add_num(b, o, "slot", ev->slot_id);
    add_str(b, o, "blocks_requested", ev->request_param2 == SPDM_REQ_ALL_BLOCKS ? "all" : "one");
    add_hex(b, o, "response_nonce", ev->response_nonce, sizeof(ev->response_nonce));
    if (ev->driver_version[0] != '\0')
        add_str(b, o, "driver_version", ev->driver_version);
    if (ev->vbios_version[0] != '\0')
        add_str(b, o, "vbios_version", ev->vbios_version);
    if (ev->chip_sku[0] != '\0')
        add_str(b, o, "chip_sku", ev->chip_sku);
    if (ev->project[0] != '\0')
        add_str(b, o, "project", ev->project);
    if (ev->project_sku[0] != '\0')
        add_str(b, o, "project_sku", ev->project_sku);
    cJSON *blocks = add_array(b, o, "measurements");
    for (size_t i = 0; blocks != NULL && i < ev->block_count; i++) {
        const spdm_block *blk = &ev->blocks[i];
        cJSON *e = ok(b, cJSON_CreateObject());
        if (e == NULL)
            break;
        attach(b, blocks, NULL, e);
        /* NVIDIA numbers measurements from 0: the SPDM index minus one */
        add_num(b, e, "index", blk->index - 1);
        add_hex(b, e, "value", blk->value, blk->value_len);
    }
    cJSON *opaque = add_array(b, o, "opaque_fields");
    for (size_t i = 0; opaque != NULL && i < ev->opaque_field_count; i++)
        add_array_str(b, opaque, nvgpu_opaque_type_name(ev->opaque_fields[i].type));
    cJSON *quirks = add_array(b, o, "quirks");
    if (quirks != NULL && (ev->quirks & SPDM_QUIRK_TRAILING_ZERO) != 0)
        add_array_str(b, quirks, "trailing zero byte");
    if (quirks != NULL && (ev->quirks & SPDM_QUIRK_NUL_PADDED_STRING) != 0)
        add_array_str(b, quirks, "NUL-padded strings");
    add_hex(b, o, "signature", ev->signature, sizeof(ev->signature));
    return o;
}

/* --- KeyConfig ------------------------------------------------------------------------ */

static cJSON *describe_key_config(jb *b, const confai_key_config *kc)
{
    cJSON *o = ok(b, cJSON_CreateObject());
    if (o == NULL)
        return NULL;
    add_str(b, o, "kind", "ohttp key config");
    add_num(b, o, "key_id", kc->key_id);
    add_num(b, o, "kem_id", kc->kem->id);
    add_str(b, o, "kem", kc->kem->name);
    add_hex(b, o, "public_key", kc->public_key, kc->kem->n_pk);
    cJSON *algs = add_array(b, o, "algorithms");
    for (size_t i = 0; algs != NULL && i < kc->algorithms_len; i++) {
        const hpke_kdf_info *kdf = hpke_kdf_lookup(kc->algorithms[i].kdf_id);
        const hpke_aead_info *aead = hpke_aead_lookup(kc->algorithms[i].aead_id);
        cJSON *a = ok(b, cJSON_CreateObject());
        if (a == NULL)
            break;
        attach(b, algs, NULL, a);
        add_num(b, a, "kdf_id", kc->algorithms[i].kdf_id);
        add_str(b, a, "kdf", kdf != NULL ? kdf->name : "unsupported");
        add_num(b, a, "aead_id", kc->algorithms[i].aead_id);
        add_str(b, a, "aead", aead != NULL ? aead->name : "unsupported");
    }
    cJSON *suite = add_obj(b, o, "client_suite");
    add_num(b, suite, "kem_id", kc->suite.kem_id);
    add_num(b, suite, "kdf_id", kc->suite.kdf_id);
    add_num(b, suite, "aead_id", kc->suite.aead_id);
    return o;
}

/* --- bundles ------------------------------------------------------------------------------ */

static cJSON *certs_array(jb *b, const bundle_blob *certs, size_t count)
{
    cJSON *a = ok(b, cJSON_CreateArray());
    for (size_t i = 0; a != NULL && i < count; i++)
        attach(b, a, NULL, describe_der(b, certs[i].data, certs[i].len));
    return a;
}

static int printable_text(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f)
            return 0;
    return 1;
}

static void describe_bundle_cpu(jb *b, cJSON *o, const bundle *bu)
{
    cJSON *cpu = add_obj(b, o, "cpu");
    confai_error err = { 0 };
    if (bu->cpu.type == BUNDLE_CPU_SEV_SNP) {
        snp_report r;
        add_str(b, cpu, "type", "sev-snp");
        if (snp_report_parse(&r, bu->cpu.report.data, bu->cpu.report.len, &err) == CONFAI_OK)
            attach(b, cpu, "report", describe_snp_report(b, &r));
        else
            add_error(b, cpu, "report_error", &err);
        attach(b, cpu, "certs", certs_array(b, bu->cpu.certs, bu->cpu.cert_count));
        return;
    }
    tdx_quote *q = ok(b, malloc(sizeof(*q)));
    add_str(b, cpu, "type", "tdx");
    if (q != NULL && tdx_quote_parse(q, bu->cpu.quote.data, bu->cpu.quote.len, TDX_PARSE_PADDED,
                                     &err) == CONFAI_OK)
        attach(b, cpu, "quote", describe_tdx_quote(b, q));
    else if (q != NULL)
        add_error(b, cpu, "quote_error", &err);
    free(q);
    cJSON *coll = add_array(b, cpu, "collateral");
    for (int i = 0; coll != NULL && i < BUNDLE_TDX_COLLATERAL_COUNT; i++)
        if (bu->cpu.collateral[i].len > 0)
            add_array_str(b, coll, bundle_tdx_collateral_name((bundle_tdx_collateral)i));
}

static void describe_bundle_gpus(jb *b, cJSON *o, const bundle *bu)
{
    cJSON *gpus = add_array(b, o, "gpus");
    spdm_evidence *ev = ok(b, malloc(sizeof(*ev)));
    for (size_t i = 0; gpus != NULL && ev != NULL && i < bu->gpu_count; i++) {
        cJSON *g = ok(b, cJSON_CreateObject());
        confai_error err = { 0 };
        if (g == NULL)
            break;
        attach(b, gpus, NULL, g);
        if (spdm_evidence_parse(ev, bu->gpus[i].evidence.data, bu->gpus[i].evidence.len,
                                &err) == CONFAI_OK)
            attach(b, g, "evidence", describe_spdm(b, ev));
        else
            add_error(b, g, "evidence_error", &err);
        attach(b, g, "certs", certs_array(b, bu->gpus[i].certs, bu->gpus[i].cert_count));
    }
    free(ev);
}

/* The binding values the bundle's members give (doc/protocol.md, section 4). */
static void describe_binding(jb *b, cJSON *o, const bundle *bu)
{
    binding_inputs in = { bu->nonce,          BUNDLE_NONCE_SIZE, bu->key_config.data,
                          bu->key_config.len, bu->manifest.data, bu->manifest.len,
                          bu->not_after,      RFC3339_LEN };
    uint8_t report_data[64], gpu_nonce[32];
    confai_error err = { 0 };
    cJSON *bind = add_obj(b, o, "binding");
    if (binding_report_data(report_data, &in, &err) != CONFAI_OK ||
        binding_gpu_nonce(gpu_nonce, &in, &err) != CONFAI_OK) {
        add_error(b, bind, "error", &err);
        return;
    }
    add_hex(b, bind, "expected_report_data", report_data, sizeof(report_data));
    add_hex(b, bind, "expected_gpu_nonce", gpu_nonce, sizeof(gpu_nonce));
    if (bu->cpu.type == BUNDLE_CPU_SEV_SNP && bu->cpu.report.len == SNP_REPORT_SIZE)
        /* REPORT_DATA sits at 0x50 in every report version */
        add_bool(b, bind, "report_data_matches",
                 memcmp(bu->cpu.report.data + 0x50, report_data, 64) == 0);
    add_str(b, bind, "note", "decoded only; 'confai verify' checks signatures");
}

static cJSON *describe_bundle(jb *b, const bundle *bu)
{
    cJSON *o = ok(b, cJSON_CreateObject());
    confai_key_config *kc = NULL;
    confai_error err = { 0 };
    uint8_t digest[32];
    unsigned int dlen = 0;

    if (o == NULL)
        return NULL;
    add_str(b, o, "kind", "evidence bundle");
    add_num(b, o, "version", bu->version);
    add_hex(b, o, "nonce", bu->nonce, sizeof(bu->nonce));
    add_str(b, o, "not_after", bu->not_after);
    if (confai_key_config_parse(&kc, bu->key_config.data, bu->key_config.len, &err) == CONFAI_OK)
        attach(b, o, "key_config", describe_key_config(b, kc));
    else
        add_error(b, o, "key_config_error", &err);
    confai_key_config_free(kc);
    cJSON *m = add_obj(b, o, "manifest");
    add_num(b, m, "size", (double)bu->manifest.len);
    if (EVP_Digest(bu->manifest.len ? bu->manifest.data : (const uint8_t *)"", bu->manifest.len,
                   digest, &dlen, EVP_sha256(), NULL) == 1)
        add_hex(b, m, "sha256", digest, sizeof(digest));
    else
        b->failed = 1;
    if (bu->manifest.len > 0 && bu->manifest.len <= 4096 &&
        printable_text(bu->manifest.data, bu->manifest.len)) {
        char *text = ok(b, malloc(bu->manifest.len + 1));
        if (text != NULL) {
            memcpy(text, bu->manifest.data, bu->manifest.len);
            text[bu->manifest.len] = '\0';
            add_str(b, m, "text", text);
            free(text);
        }
    }
    describe_bundle_cpu(b, o, bu);
    describe_bundle_gpus(b, o, bu);
    add_num(b, o, "tokens", (double)bu->token_count);
    describe_binding(b, o, bu);
    return o;
}

/* --- what the verifiers proved ------------------------------------------------------------- */

static void add_root(jb *b, cJSON *o, int custom, const uint8_t spki[32], const char *warning)
{
    cJSON *root = add_obj(b, o, "root");
    add_str(b, root, "kind", custom ? "custom" : "vendor");
    add_hex(b, root, "spki_sha256", spki, 32);
    if (custom && warning != NULL)
        add_str(b, root, "warning", warning);
}

int evidence_json_snp(cJSON *o, const snp_verified *v, const char *warning)
{
    jb b = { 0 };
    add_str(&b, o, "product", policy_snp_product_name(v->report.product));
    add_root(&b, o, v->root_kind == SNP_ROOT_CUSTOM, v->root_spki_sha256, warning);
    add_str(&b, o, "endorsement", v->endorsement_subject);
    add_str(&b, o, "product_name", v->product_name);
    if (v->csp_id[0] != '\0')
        add_str(&b, o, "csp_id", v->csp_id);
    add_time(&b, o, "chain_not_before", v->not_before);
    add_time(&b, o, "chain_not_after", v->not_after);
    attach(&b, o, "report", describe_snp_report(&b, &v->report));
    return !b.failed;
}

int evidence_json_tdx(cJSON *o, const tdx_verified *v, const char *warning)
{
    jb b = { 0 };
    add_root(&b, o, v->root_kind == TDX_ROOT_CUSTOM, v->root_spki_sha256, warning);
    add_str(&b, o, "tcb_status", tdx_tcb_status_name(v->tcb_status));
    add_str(&b, o, "current_tcb_status", tdx_tcb_status_name(v->current_tcb_status));
    add_str(&b, o, "platform_status", tdx_tcb_status_name(v->platform_status));
    add_str(&b, o, "module_status", tdx_tcb_status_name(v->module_status));
    add_str(&b, o, "qe_status", tdx_tcb_status_name(v->qe_status));
    add_bool(&b, o, "collateral_missing", v->collateral_missing);
    add_num(&b, o, "tcb_evaluation_data_number", v->tcb_eval_num);
    if (v->collateral_issued != 0)
        add_time(&b, o, "collateral_issued", v->collateral_issued);
    add_bool(&b, o, "pck_crl_checked", v->pck_crl_checked);
    add_bool(&b, o, "root_crl_checked", v->root_crl_checked);
    add_hex(&b, o, "fmspc", v->pck.fmspc, sizeof(v->pck.fmspc));
    add_time(&b, o, "valid_from", v->not_before);
    add_time(&b, o, "valid_until", v->not_after);
    cJSON *adv = add_array(&b, o, "advisories");
    for (size_t i = 0; adv != NULL && i < v->advisories.count; i++)
        add_array_str(&b, adv, v->advisories.id[i]);
    attach(&b, o, "quote", describe_tdx_quote(&b, &v->quote));
    return !b.failed;
}

int evidence_json_gpu(cJSON *o, const nvgpu_verified *v, const char *warning)
{
    jb b = { 0 };
    add_root(&b, o, v->root_kind == NVGPU_ROOT_CUSTOM, v->root_spki_sha256, warning);
    add_str(&b, o, "leaf", v->leaf_subject);
    add_str(&b, o, "root_subject", v->root_subject);
    if (!b.failed && !gpu_json_add_identity(o, &v->identity))
        b.failed = 1;
    attach(&b, o, "evidence", describe_spdm(&b, &v->evidence));
    return !b.failed;
}

/* --- confai_evidence_describe --------------------------------------------------------------- */

/* The bytes a TDX quote at the start of a buffer spans; 0 when they do not fit. */
static size_t tdx_quote_span(const uint8_t *p, size_t len)
{
    size_t sig_at;
    if (len < 48)
        return 0;
    uint16_t version = (uint16_t)(p[0] | p[1] << 8);
    if (version == 4) {
        sig_at = 48 + 584;
    } else if (version == 5) {
        if (len < 54)
            return 0;
        uint32_t body = (uint32_t)p[50] | (uint32_t)p[51] << 8 | (uint32_t)p[52] << 16 |
                        (uint32_t)p[53] << 24;
        if (body > 65536)
            return 0;
        sig_at = 54 + (size_t)body;
    } else {
        return 0;
    }
    if (len < sig_at + 4)
        return 0;
    size_t sig_len = (size_t)p[sig_at] | (size_t)p[sig_at + 1] << 8 |
                     (size_t)p[sig_at + 2] << 16 | (size_t)p[sig_at + 3] << 24;
    size_t total = sig_at + 4 + sig_len;
    return total <= len ? total : 0;
}

static confai_status describe_any(cJSON **out, jb *b, confai_evidence_kind kind,
                                  const uint8_t *in, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    void *parsed = NULL;
    bundle bu;
    memset(&bu, 0, sizeof(bu));

    switch (kind) {
    case CONFAI_EVIDENCE_SEV_SNP_REPORT:
        parsed = confai_zalloc(sizeof(snp_report));
        ENSURE(parsed != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
        GUARD(snp_report_parse(parsed, in, len, err));
        *out = describe_snp_report(b, parsed);
        break;
    case CONFAI_EVIDENCE_TDX_QUOTE: {
        tdx_quote *q = parsed = confai_zalloc(sizeof(tdx_quote));
        ENSURE(q != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
        status = tdx_quote_parse(q, in, len, TDX_PARSE_PADDED, err);
        if (status == CONFAI_E_TRAILING_DATA) {
            /* bytes after the quote that are not padding: no part of it */
            size_t span = tdx_quote_span(in, len);
            if (span > 0 && tdx_quote_parse(q, in, span, 0, NULL) == CONFAI_OK) {
                confai_err_clear(err);
                status = CONFAI_OK;
            }
        }
        GUARD(status);
        *out = describe_tdx_quote(b, q);
        if (*out != NULL && q->quote_len < len)
            add_num(b, *out, "bytes_after_quote", (double)(len - q->quote_len));
        break;
    }
    case CONFAI_EVIDENCE_NVIDIA_SPDM:
        parsed = confai_zalloc(sizeof(spdm_evidence));
        ENSURE(parsed != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
        GUARD(spdm_evidence_parse(parsed, in, len, err));
        *out = describe_spdm(b, parsed);
        break;
    case CONFAI_EVIDENCE_BUNDLE: {
        confai_error strict = { 0 };
        if (bundle_parse(&bu, (const char *)in, len, 1, &strict) == CONFAI_OK) {
            *out = describe_bundle(b, &bu);
            break;
        }
        bundle_clear(&bu);
        memset(&bu, 0, sizeof(bu));
        if (bundle_parse(&bu, (const char *)in, len, 0, NULL) != CONFAI_OK) {
            if (err != NULL)
                *err = strict;
            status = strict.status;
            goto out;
        }
        *out = describe_bundle(b, &bu);
        if (*out != NULL)
            add_error(b, *out, "strict_parse", &strict);
        break;
    }
    default:
        BAIL(CONFAI_E_ARGUMENT, "invalid argument: evidence kind %d", (int)kind);
    }
    ENSURE(*out != NULL && !b->failed, CONFAI_E_NO_MEMORY, "evidence: out of memory");
out:
    bundle_clear(&bu);
    free(parsed);
    return status;
}

confai_status evidence_json_text(char **json, size_t *json_len, const cJSON *o,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *text = cJSON_PrintUnformatted(o);
    size_t len = text != NULL ? strlen(text) : 0;
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    *json = confai_alloc_for_caller(len + 1);
    ENSURE(*json != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    memcpy(*json, text, len + 1);
    if (json_len != NULL)
        *json_len = len;
out:
    cJSON_free(text);
    return status;
}

confai_status confai_evidence_describe(char **json, size_t *json_len, confai_evidence_kind kind,
                                       const uint8_t *evidence, size_t evidence_len,
                                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *o = NULL;
    jb b = { 0 };

    confai_err_clear(err);
    ENSURE_ARG(json != NULL, "json");
    *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    ENSURE_ARG(evidence != NULL || evidence_len == 0, "evidence");
    GUARD(describe_any(&o, &b, kind, evidence != NULL ? evidence : (const uint8_t *)"",
                       evidence_len, err));
    GUARD(evidence_json_text(json, json_len, o, err));
out:
    cJSON_Delete(o);
    return status;
}
