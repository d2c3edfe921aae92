/*
 * Decoded evidence as JSON objects: the fields of an SEV-SNP report, a TDX
 * quote, NVIDIA SPDM evidence, a KeyConfig and a certificate. inspect
 * prints them; verify and pin reuse them for what they proved.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/hex.h"
#include "crypto/hpke_suite.h"
#include "seal/key_config.h"

#include "describe.h"

/* Every cJSON_Add* below goes through ok(): one failure marks the object. */
static int failed;

static void ok(const void *p)
{
    if (p == NULL)
        failed = 1;
}

static void add_str(cJSON *o, const char *name, const char *value)
{
    ok(cJSON_AddStringToObject(o, name, value));
}

static void add_num(cJSON *o, const char *name, double value)
{
    ok(cJSON_AddNumberToObject(o, name, value));
}

static void add_bool(cJSON *o, const char *name, int value)
{
    ok(cJSON_AddBoolToObject(o, name, value));
}

static void add_hex(cJSON *o, const char *name, const uint8_t *data, size_t len)
{
    if (!cli_add_hex(o, name, data, len))
        failed = 1;
}

static void add_u64hex(cJSON *o, const char *name, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof(text), "0x%llx", (unsigned long long)v);
    add_str(o, name, text);
}

static void add_array_str(cJSON *array, const char *text)
{
    cJSON *s = cJSON_CreateString(text);
    ok(s);
    if (s != NULL)
        cJSON_AddItemToArray(array, s);
}

static cJSON *add_obj(cJSON *o, const char *name)
{
    cJSON *c = cJSON_AddObjectToObject(o, name);
    ok(c);
    return c != NULL ? c : o; /* keep going; the failure is recorded */
}

static cJSON *finish(cJSON *o)
{
    if (failed) {
        cJSON_Delete(o);
        o = NULL;
    }
    failed = 0;
    return o;
}

/* --- SEV-SNP ---------------------------------------------------------------- */

static void add_tcb(cJSON *o, const char *name, uint64_t raw, const snp_tcb *tcb,
                    snp_product product)
{
    cJSON *t = add_obj(o, name);
    add_u64hex(t, "raw", raw);
    if (product == SNP_PRODUCT_UNKNOWN)
        return; /* the layout depends on the product */
    if (product == SNP_PRODUCT_TURIN)
        add_num(t, "fmc", tcb->fmc);
    add_num(t, "bootloader", tcb->bootloader);
    add_num(t, "tee", tcb->tee);
    add_num(t, "snp", tcb->snp);
    add_num(t, "microcode", tcb->microcode);
}

static void add_version(cJSON *o, const char *name, uint8_t major, uint8_t minor, uint8_t build)
{
    char text[16];
    snprintf(text, sizeof(text), "%u.%u.%u", major, minor, build);
    add_str(o, name, text);
}

/* Big-endian hex of a little-endian, zero-padded signature half. */
static void add_sig_part(cJSON *o, const char *name, const uint8_t le[72])
{
    uint8_t be[48];
    for (size_t i = 0; i < 48; i++)
        be[i] = le[47 - i];
    add_hex(o, name, be, sizeof(be));
}

cJSON *describe_snp_report(const snp_report *r)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    add_str(o, "kind", "sev-snp report");
    add_num(o, "version", r->version);
    add_str(o, "product", r->product == SNP_PRODUCT_UNKNOWN
                              ? "unknown (report before v3: the endorsement chain names it)"
                              : policy_snp_product_name(r->product));
    add_num(o, "guest_svn", r->guest_svn);
    cJSON *gp = add_obj(o, "guest_policy");
    add_u64hex(gp, "raw", r->policy);
    char abi[16];
    snprintf(abi, sizeof(abi), "%u.%u", (unsigned)((r->policy >> 8) & 0xff),
             (unsigned)(r->policy & 0xff));
    add_str(gp, "abi_min", abi);
    add_bool(gp, "smt_allowed", (r->policy & POLICY_SNP_GUEST_SMT) != 0);
    add_bool(gp, "migration_agent", (r->policy & POLICY_SNP_GUEST_MIGRATE_MA) != 0);
    add_bool(gp, "debug", (r->policy & POLICY_SNP_GUEST_DEBUG) != 0);
    add_bool(gp, "single_socket", (r->policy & (UINT64_C(1) << 20)) != 0);
    add_hex(o, "family_id", r->family_id, sizeof(r->family_id));
    add_hex(o, "image_id", r->image_id, sizeof(r->image_id));
    add_num(o, "vmpl", r->vmpl);
    add_str(o, "signature_algo", r->signature_algo == 1 ? "ecdsa-p384-sha384" : "unknown");
    cJSON *pi = add_obj(o, "platform_info");
    add_u64hex(pi, "raw", r->platform_info);
    add_bool(pi, "smt_enabled", (r->platform_info & POLICY_SNP_PLATFORM_SMT_EN) != 0);
    add_bool(pi, "tsme_enabled", (r->platform_info & 0x2) != 0);
    cJSON *fl = add_obj(o, "flags");
    add_u64hex(fl, "raw", r->flags);
    add_bool(fl, "author_key_en", (r->flags & SNP_FLAG_AUTHOR_KEY_EN) != 0);
    add_bool(fl, "mask_chip_key", (r->flags & SNP_FLAG_MASK_CHIP_KEY) != 0);
    add_str(fl, "signing_key", r->signing_key == SNP_KEY_VLEK ? "vlek" : "vcek");
    add_hex(o, "report_data", r->report_data, sizeof(r->report_data));
    add_hex(o, "measurement", r->measurement, sizeof(r->measurement));
    add_hex(o, "host_data", r->host_data, sizeof(r->host_data));
    add_hex(o, "id_key_digest", r->id_key_digest, sizeof(r->id_key_digest));
    add_hex(o, "author_key_digest", r->author_key_digest, sizeof(r->author_key_digest));
    add_hex(o, "report_id", r->report_id, sizeof(r->report_id));
    add_hex(o, "report_id_ma", r->report_id_ma, sizeof(r->report_id_ma));
    if (r->version >= 3) {
        cJSON *c = add_obj(o, "cpuid");
        add_num(c, "family", r->cpuid_fam_id);
        add_num(c, "model", r->cpuid_mod_id);
        add_num(c, "stepping", r->cpuid_step);
    }
    add_hex(o, "chip_id", r->chip_id, sizeof(r->chip_id));
    cJSON *tcb = add_obj(o, "tcb");
    add_tcb(tcb, "current", r->current_tcb_raw, &r->current_tcb, r->product);
    add_tcb(tcb, "reported", r->reported_tcb_raw, &r->reported_tcb, r->product);
    add_tcb(tcb, "committed", r->committed_tcb_raw, &r->committed_tcb, r->product);
    add_tcb(tcb, "launch", r->launch_tcb_raw, &r->launch_tcb, r->product);
    cJSON *fw = add_obj(o, "firmware");
    add_version(fw, "current", r->current_major, r->current_minor, r->current_build);
    add_version(fw, "committed", r->committed_major, r->committed_minor, r->committed_build);
    if (r->version >= 5) {
        add_u64hex(o, "launch_mit_vector", r->launch_mit_vector);
        add_u64hex(o, "current_mit_vector", r->current_mit_vector);
    }
    cJSON *sig = add_obj(o, "signature");
    add_sig_part(sig, "r", r->signature_r);
    add_sig_part(sig, "s", r->signature_s);
    return finish(o);
}

/* --- TDX ---------------------------------------------------------------------- */

cJSON *describe_tdx_quote(const tdx_quote *q)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    add_str(o, "kind", "tdx quote");
    add_num(o, "version", q->version);
    add_str(o, "attestation_key", q->att_key_type == TDX_ATT_KEY_ECDSA_P256 ? "ecdsa-p256"
                                                                            : "unknown");
    add_u64hex(o, "tee_type", q->tee_type);
    add_hex(o, "qe_vendor_id", q->qe_vendor_id, sizeof(q->qe_vendor_id));
    add_hex(o, "user_data", q->user_data, sizeof(q->user_data));
    add_str(o, "body", q->body_type == TDX_BODY_TD15 ? "td-1.5" : "td-1.0");
    add_num(o, "quote_size", (double)q->quote_len);
    add_hex(o, "tee_tcb_svn", q->tee_tcb_svn, sizeof(q->tee_tcb_svn));
    add_hex(o, "mrseam", q->mrseam, sizeof(q->mrseam));
    add_hex(o, "mrsignerseam", q->mrsignerseam, sizeof(q->mrsignerseam));
    add_u64hex(o, "seam_attributes", q->seam_attributes);
    cJSON *ta = add_obj(o, "td_attributes");
    add_u64hex(ta, "raw", q->td_attributes);
    add_bool(ta, "debug", (q->td_attributes & 1) != 0);
    add_u64hex(o, "xfam", q->xfam);
    add_hex(o, "mrtd", q->mrtd, sizeof(q->mrtd));
    add_hex(o, "mrconfigid", q->mrconfigid, sizeof(q->mrconfigid));
    add_hex(o, "mrowner", q->mrowner, sizeof(q->mrowner));
    add_hex(o, "mrownerconfig", q->mrownerconfig, sizeof(q->mrownerconfig));
    cJSON *rtmrs = cJSON_AddArrayToObject(o, "rtmrs");
    ok(rtmrs);
    for (size_t i = 0; rtmrs != NULL && i < 4; i++) {
        char hex[97];
        hex_encode(hex, q->rtmr[i], 48);
        add_array_str(rtmrs, hex);
    }
    add_hex(o, "report_data", q->report_data, sizeof(q->report_data));
    if (q->body_type == TDX_BODY_TD15) {
        add_hex(o, "tee_tcb_svn2", q->tee_tcb_svn2, sizeof(q->tee_tcb_svn2));
        add_hex(o, "mrservicetd", q->mrservicetd, sizeof(q->mrservicetd));
    }
    cJSON *qe = add_obj(o, "qe_report");
    add_hex(qe, "cpusvn", q->qe_report.cpusvn, sizeof(q->qe_report.cpusvn));
    add_hex(qe, "mrenclave", q->qe_report.mrenclave, sizeof(q->qe_report.mrenclave));
    add_hex(qe, "mrsigner", q->qe_report.mrsigner, sizeof(q->qe_report.mrsigner));
    add_num(qe, "isvprodid", q->qe_report.isvprodid);
    add_num(qe, "isvsvn", q->qe_report.isvsvn);
    add_hex(o, "signature", q->signature, sizeof(q->signature));
    add_hex(o, "attestation_public_key", q->attestation_key, sizeof(q->attestation_key));

    cli_ders chain = { 0 };
    if (q->pck_chain_len > 0 && cli_pem_certs((const char *)q->pck_chain, q->pck_chain_len,
                                              &chain)) {
        cJSON *certs = cJSON_AddArrayToObject(o, "pck_chain");
        ok(certs);
        for (size_t i = 0; certs != NULL && i < chain.count; i++) {
            cJSON *c = describe_cert(chain.der[i], chain.len[i]);
            ok(c);
            if (c != NULL)
                cJSON_AddItemToArray(certs, c);
        }
        tdx_pck_info pck;
        confai_error err = { 0 };
        if (chain.count > 0 &&
            tdx_pck_info_from_der(&pck, chain.der[0], chain.len[0], &err) == CONFAI_OK) {
            cJSON *p = add_obj(o, "pck");
            add_hex(p, "fmspc", pck.fmspc, sizeof(pck.fmspc));
            add_hex(p, "pce_id", pck.pce_id, sizeof(pck.pce_id));
            add_num(p, "pcesvn", pck.pcesvn);
            add_hex(p, "cpusvn", pck.cpusvn, sizeof(pck.cpusvn));
            add_hex(p, "sgx_tcb", pck.sgx_tcb, sizeof(pck.sgx_tcb));
        }
    }
    cli_ders_free(&chain);
    return finish(o);
}

/* --- NVIDIA SPDM --------------------------------------------------------------- */

cJSON *describe_spdm(const spdm_evidence *ev)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    add_str(o, "kind", "nvidia spdm evidence");
    char v[8];
    snprintf(v, sizeof(v), "%u.%u", ev->version >> 4, ev->version & 0xf);
    add_str(o, "spdm_version", v);
    add_hex(o, "request_nonce", ev->request_nonce, sizeof(ev->request_nonce));
    add_num(o, "slot", ev->slot_id);
    add_str(o, "blocks_requested", ev->request_param2 == SPDM_REQ_ALL_BLOCKS ? "all" : "one");
    add_hex(o, "response_nonce", ev->response_nonce, sizeof(ev->response_nonce));
    if (ev->driver_version[0] != '\0')
        add_str(o, "driver_version", ev->driver_version);
    if (ev->vbios_version[0] != '\0')
        add_str(o, "vbios_version", ev->vbios_version);
    if (ev->chip_sku[0] != '\0')
        add_str(o, "chip_sku", ev->chip_sku);
    if (ev->project[0] != '\0')
        add_str(o, "project", ev->project);
    if (ev->project_sku[0] != '\0')
        add_str(o, "project_sku", ev->project_sku);
    cJSON *blocks = cJSON_AddArrayToObject(o, "measurements");
    ok(blocks);
    for (size_t i = 0; blocks != NULL && i < ev->block_count; i++) {
        const spdm_block *b = &ev->blocks[i];
        cJSON *e = cJSON_CreateObject();
        ok(e);
        if (e == NULL)
            break;
        cJSON_AddItemToArray(blocks, e);
        /* NVIDIA numbers measurements from 0: the SPDM index minus one */
        add_num(e, "index", b->index - 1);
        add_hex(e, "value", b->value, b->value_len);
    }
    cJSON *opaque = cJSON_AddArrayToObject(o, "opaque_fields");
    ok(opaque);
    for (size_t i = 0; opaque != NULL && i < ev->opaque_field_count; i++)
        add_array_str(opaque, nvgpu_opaque_type_name(ev->opaque_fields[i].type));
    cJSON *quirks = cJSON_AddArrayToObject(o, "quirks");
    ok(quirks);
    if (quirks != NULL && (ev->quirks & SPDM_QUIRK_TRAILING_ZERO) != 0)
        add_array_str(quirks, "trailing zero byte");
    if (quirks != NULL && (ev->quirks & SPDM_QUIRK_NUL_PADDED_STRING) != 0)
        add_array_str(quirks, "NUL-padded strings");
    add_hex(o, "signature", ev->signature, sizeof(ev->signature));
    return finish(o);
}

/* --- KeyConfig ------------------------------------------------------------------ */

cJSON *describe_key_config(const confai_key_config *kc)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    add_str(o, "kind", "ohttp key config");
    add_num(o, "key_id", kc->key_id);
    add_num(o, "kem_id", kc->kem->id);
    add_str(o, "kem", kc->kem->name);
    add_hex(o, "public_key", kc->public_key, kc->kem->n_pk);
    cJSON *algs = cJSON_AddArrayToObject(o, "algorithms");
    ok(algs);
    for (size_t i = 0; algs != NULL && i < kc->algorithms_len; i++) {
        const hpke_kdf_info *kdf = hpke_kdf_lookup(kc->algorithms[i].kdf_id);
        const hpke_aead_info *aead = hpke_aead_lookup(kc->algorithms[i].aead_id);
        cJSON *a = cJSON_CreateObject();
        ok(a);
        if (a == NULL)
            break;
        cJSON_AddItemToArray(algs, a);
        add_num(a, "kdf_id", kc->algorithms[i].kdf_id);
        add_str(a, "kdf", kdf != NULL ? kdf->name : "unsupported");
        add_num(a, "aead_id", kc->algorithms[i].aead_id);
        add_str(a, "aead", aead != NULL ? aead->name : "unsupported");
    }
    cJSON *suite = add_obj(o, "client_suite");
    add_num(suite, "kem_id", kc->suite.kem_id);
    add_num(suite, "kdf_id", kc->suite.kdf_id);
    add_num(suite, "aead_id", kc->suite.aead_id);
    return finish(o);
}

/* --- certificates ----------------------------------------------------------------- */

static void add_name(cJSON *o, const char *field, const X509_NAME *name)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *mem = NULL;
    long n;
    if (bio == NULL || X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE) < 0 ||
        (n = BIO_get_mem_data(bio, &mem)) < 0) {
        failed = 1;
    } else {
        char text[512];
        size_t len = (size_t)n < sizeof(text) - 1 ? (size_t)n : sizeof(text) - 1;
        memcpy(text, mem, len);
        text[len] = '\0';
        add_str(o, field, text);
    }
    BIO_free(bio);
}

static void add_asn1_time(cJSON *o, const char *field, const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        add_str(o, field, "invalid");
        return;
    }
    char text[64];
    snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    add_str(o, field, text);
}

static cJSON *describe_cert_object(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || x == NULL) {
        X509_free(x);
        ERR_clear_error();
        if (o != NULL && cJSON_AddStringToObject(o, "error", "not a DER certificate") == NULL) {
            cJSON_Delete(o);
            o = NULL;
        }
        return o;
    }
    add_name(o, "subject", X509_get_subject_name(x));
    add_name(o, "issuer", X509_get_issuer_name(x));
    add_asn1_time(o, "not_before", X509_get0_notBefore(x));
    add_asn1_time(o, "not_after", X509_get0_notAfter(x));
    unsigned char *spki = NULL;
    int spki_len = i2d_PUBKEY(X509_get0_pubkey(x), &spki);
    if (spki_len > 0) {
        uint8_t digest[32];
        unsigned int dlen = 0;
        if (EVP_Digest(spki, (size_t)spki_len, digest, &dlen, EVP_sha256(), NULL) == 1)
            add_hex(o, "spki_sha256", digest, sizeof(digest));
    }
    OPENSSL_free(spki);
    X509_free(x);
    ERR_clear_error();
    return finish(o);
}

cJSON *describe_cert(const uint8_t *der, size_t len)
{
    int outer = failed; /* describe_tdx_quote calls this while building */
    failed = 0;
    cJSON *o = describe_cert_object(der, len);
    failed = outer;
    return o;
}
