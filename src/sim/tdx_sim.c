/*
 * The TDX quote signer of tdx_sim.h. Layouts follow Intel's TDX DCAP
 * Quote Generation library (quote v4/v5, ECDSA P-256 signature data with
 * certification data type 6 wrapping type 5) and Intel PCS (TCB info v3,
 * QE identity v2, SGX PCK certificate extensions, OID 1.2.840.113741.1.13.1).
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/tdx_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CHECK(cond)        \
    do {                   \
        if (!(cond))       \
            goto fail;     \
    } while (0)

struct tdx_sim {
    EVP_PKEY *root_key, *ca_key, *leaf_key, *ak, *signer_key;
    X509 *root, *ca, *leaf, *signer;
    uint8_t root_der[2048];
    size_t root_der_len;
};

/* Intel's QE vendor id and the TD QE's MRSIGNER. */
static const uint8_t qe_vendor_id[16] = { 0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                          0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07 };
static const uint8_t qe_mrsigner[32] = {
    0xDC, 0x9E, 0x2A, 0x7C, 0x6F, 0x94, 0x8F, 0x17, 0x47, 0x4E, 0x34, 0xA7, 0xFC, 0x43, 0xED, 0x03,
    0x0F, 0x7C, 0x15, 0x63, 0xF1, 0xBA, 0xBD, 0xDF, 0x63, 0x40, 0xC8, 0x2E, 0x0E, 0x54, 0xA8, 0xC5,
};
static const uint8_t sgx_arc[] = { 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01 };
static const char fmspc_hex[] = TDX_SIM_FMSPC;
static const uint8_t fmspc[6] = { 0x12, 0x34, 0x56, 0x00, 0x00, 0x00 };
#define PCK_SGX_SVN 1
#define PCK_PCESVN 10

static void hex(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

static void iso(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

/* --- certificates --------------------------------------------------------------- */

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

/* DER: tag, length, content appended at out + *len */
static void tlv(uint8_t *out, size_t *len, uint8_t tag, const uint8_t *content, size_t n)
{
    out[(*len)++] = tag;
    if (n < 0x80) {
        out[(*len)++] = (uint8_t)n;
    } else if (n < 0x100) {
        out[(*len)++] = 0x81;
        out[(*len)++] = (uint8_t)n;
    } else {
        out[(*len)++] = 0x82;
        out[(*len)++] = (uint8_t)(n >> 8);
        out[(*len)++] = (uint8_t)n;
    }
    memmove(out + *len, content, n);
    *len += n;
}

/* SEQUENCE { OID arc.a[.b], value } */
static void sgx_entry(uint8_t *out, size_t *len, uint8_t a, uint8_t b, uint8_t tag,
                      const uint8_t *v, size_t vn)
{
    uint8_t oid[16], body[1200];
    size_t on = sizeof(sgx_arc), bn = 0;
    memcpy(oid, sgx_arc, on);
    oid[on++] = a;
    if (b)
        oid[on++] = b;
    tlv(body, &bn, 0x06, oid, on);
    tlv(body, &bn, tag, v, vn);
    tlv(out, len, 0x30, body, bn);
}

/* PPID, TCB (16 SGX SVNs, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type. */
static int add_sgx_ext(X509 *leaf)
{
    uint8_t entries[1200], tcb[1024], tcbseq[1100], seq[1300], zero16[16] = { 0 };
    size_t en = 0, tn = 0, tsn = 0, sn = 0;
    sgx_entry(entries, &en, 1, 0, 0x04, zero16, 16);
    for (uint8_t k = 1; k <= 16; k++) {
        uint8_t svn = PCK_SGX_SVN;
        sgx_entry(tcb, &tn, 2, k, 0x02, &svn, 1);
    }
    uint8_t pcesvn = PCK_PCESVN;
    sgx_entry(tcb, &tn, 2, 17, 0x02, &pcesvn, 1);
    sgx_entry(tcb, &tn, 2, 18, 0x04, zero16, 16);
    tlv(tcbseq, &tsn, 0x30, tcb, tn);
    {
        uint8_t oid[16], body[1200];
        size_t on = sizeof(sgx_arc), bn = 0;
        memcpy(oid, sgx_arc, on);
        oid[on++] = 2;
        tlv(body, &bn, 0x06, oid, on);
        memcpy(body + bn, tcbseq, tsn);
        bn += tsn;
        tlv(entries, &en, 0x30, body, bn);
    }
    uint8_t pceid[2] = { 0, 0 }, type = 0;
    sgx_entry(entries, &en, 3, 0, 0x04, pceid, 2);
    sgx_entry(entries, &en, 4, 0, 0x04, fmspc, 6);
    sgx_entry(entries, &en, 5, 0, 0x0A, &type, 1);
    tlv(seq, &sn, 0x30, entries, en);
    ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    int ok = obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, seq, (int)sn) == 1 &&
             (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
             X509_add_ext(leaf, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return ok;
}

static X509 *make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, int ca, int pck, int64_t now)
{
    X509 *c = X509_new();
    X509_NAME *name = X509_NAME_new();
    CHECK(c != NULL && name != NULL);
    CHECK(X509_set_version(c, 2) == 1);
    CHECK(ASN1_INTEGER_set(X509_get_serialNumber(c), serial) == 1);
    CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                     0) == 1);
    CHECK(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     (const unsigned char *)TDX_SIM_ORGANIZATION, -1, -1, 0) == 1);
    CHECK(X509_set_subject_name(c, name) == 1);
    CHECK(X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) == 1);
    CHECK(ASN1_TIME_set(X509_getm_notBefore(c), (time_t)(now - 86400 * 365)) != NULL);
    CHECK(ASN1_TIME_set(X509_getm_notAfter(c), (time_t)(now + 86400 * 365 * 5)) != NULL);
    CHECK(X509_set_pubkey(c, key) == 1);
    X509 *iss = issuer ? issuer : c;
    CHECK(add_ext(c, iss, NID_subject_key_identifier, "hash"));
    CHECK(add_ext(c, iss, NID_authority_key_identifier, "keyid:always"));
    CHECK(add_ext(c, iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
    CHECK(add_ext(c, iss, NID_key_usage,
                  ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation"));
    if (pck)
        CHECK(add_sgx_ext(c));
    CHECK(X509_sign(c, issuer_key, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return c;
fail:
    X509_NAME_free(name);
    X509_free(c);
    return NULL;
}

int tdx_sim_new(tdx_sim **out, int64_t now)
{
    return tdx_sim_new_named(out, now, "Intel SGX PCK Platform CA");
}

int tdx_sim_new_named(tdx_sim **out, int64_t now, const char *pck_ca_cn)
{
    tdx_sim *s = calloc(1, sizeof(*s));
    *out = NULL;
    CHECK(s != NULL);
    s->root_key = EVP_EC_gen("P-256");
    s->ca_key = EVP_EC_gen("P-256");
    s->leaf_key = EVP_EC_gen("P-256");
    s->ak = EVP_EC_gen("P-256");
    s->signer_key = EVP_EC_gen("P-256");
    CHECK(s->root_key && s->ca_key && s->leaf_key && s->ak && s->signer_key);
    s->root = make_cert("Intel SGX Root CA", 1, s->root_key, NULL, s->root_key, 1, 0, now);
    CHECK(s->root != NULL);
    s->ca = make_cert(pck_ca_cn, 2, s->ca_key, s->root, s->root_key, 1, 0, now);
    CHECK(s->ca != NULL);
    s->leaf = make_cert("Intel SGX PCK Certificate", 3, s->leaf_key, s->ca, s->ca_key, 0, 1, now);
    s->signer = make_cert("Intel SGX TCB Signing", 4, s->signer_key, s->root, s->root_key, 0, 0,
                          now);
    CHECK(s->leaf != NULL && s->signer != NULL);
    unsigned char *p = s->root_der;
    int n = i2d_X509(s->root, NULL);
    CHECK(n > 0 && (size_t)n <= sizeof(s->root_der));
    CHECK(i2d_X509(s->root, &p) == n);
    s->root_der_len = (size_t)n;
    *out = s;
    return 0;
fail:
    tdx_sim_free(s);
    return -1;
}

void tdx_sim_free(tdx_sim *s)
{
    if (s == NULL)
        return;
    EVP_PKEY_free(s->root_key);
    EVP_PKEY_free(s->ca_key);
    EVP_PKEY_free(s->leaf_key);
    EVP_PKEY_free(s->ak);
    EVP_PKEY_free(s->signer_key);
    X509_free(s->root);
    X509_free(s->ca);
    X509_free(s->leaf);
    X509_free(s->signer);
    free(s);
}

const uint8_t *tdx_sim_root_der(const tdx_sim *s, size_t *len)
{
    *len = s->root_der_len;
    return s->root_der;
}

static int pem_of(char *out, size_t cap, size_t *len, X509 *const *certs, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    CHECK(b != NULL);
    for (size_t i = 0; i < n; i++)
        CHECK(PEM_write_bio_X509(b, certs[i]) == 1);
    long l = BIO_get_mem_data(b, &data);
    CHECK(l > 0 && (size_t)l < cap);
    memcpy(out, data, (size_t)l);
    out[l] = '\0';
    *len = (size_t)l;
    BIO_free(b);
    return 0;
fail:
    BIO_free(b);
    return -1;
}

char *tdx_sim_root_pem(const tdx_sim *s)
{
    char *pem = malloc(4096);
    size_t len;
    if (pem != NULL && pem_of(pem, 4096, &len, &s->root, 1) != 0) {
        free(pem);
        pem = NULL;
    }
    return pem;
}

int tdx_sim_signing_chain(const tdx_sim *s, char *out, size_t cap, size_t *len)
{
    X509 *chain[2] = { s->signer, s->root };
    return pem_of(out, cap, len, chain, 2);
}

int tdx_sim_pck_crl_chain(const tdx_sim *s, char *out, size_t cap, size_t *len)
{
    X509 *chain[2] = { s->ca, s->root };
    return pem_of(out, cap, len, chain, 2);
}

/* --- quotes ---------------------------------------------------------------------- */

static int raw_sign(uint8_t sig[64], EVP_PKEY *key, const uint8_t *msg, size_t n)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[128];
    size_t der_len = sizeof(der);
    ECDSA_SIG *s = NULL;
    CHECK(md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1);
    CHECK(EVP_DigestSign(md, der, &der_len, msg, n) == 1);
    const unsigned char *p = der;
    s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    CHECK(s != NULL);
    CHECK(BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32) == 32);
    CHECK(BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32) == 32);
    ECDSA_SIG_free(s);
    EVP_MD_CTX_free(md);
    return 0;
fail:
    ECDSA_SIG_free(s);
    EVP_MD_CTX_free(md);
    return -1;
}

void tdx_sim_body_default(tdx_sim_body *b, int version)
{
    memset(b, 0, sizeof(*b));
    b->version = version;
    b->tee_tcb_svn[0] = 3;
    b->tee_tcb_svn[2] = 5;
    memcpy(b->tee_tcb_svn2, b->tee_tcb_svn, 16);
    b->td_attributes = UINT64_C(0x0000000010000000); /* SEPT_VE_DISABLE */
    b->xfam = UINT64_C(0x00000000000618e7);
    memset(b->mrtd, 0xAA, 48);
    for (int i = 0; i < 4; i++)
        memset(b->rtmr[i], 0xB0 + i, 48);
    memset(b->mrseam, 0xCC, 48);
    memset(b->mrconfigid, 0x01, 48);
    memset(b->mrowner, 0x02, 48);
    memset(b->mrownerconfig, 0x03, 48);
    if (version == 5)
        memset(b->mrservicetd, 0x77, 48);
}

int tdx_sim_quote(const tdx_sim *s, const tdx_sim_body *b, uint8_t *q, size_t cap,
                     size_t *len)
{
    char pem[8192];
    size_t pem_len = 0;
    X509 *chain[3] = { s->leaf, s->ca, s->root };
    CHECK(b->version == 4 || b->version == 5);
    CHECK(pem_of(pem, sizeof(pem), &pem_len, chain, 3) == 0);
    size_t body_at = b->version == 5 ? 54 : 48, body_len = b->version == 5 ? 648 : 584;
    size_t need = body_at + body_len + 4 + 64 + 64 + 6 + 384 + 64 + 2 + 32 + 6 + pem_len + 1;
    CHECK(need <= cap);
    memset(q, 0, need);
    le16(q, (uint16_t)b->version);
    le16(q + 2, 2);      /* ECDSA P-256 */
    le32(q + 4, 0x81);   /* TDX */
    memcpy(q + 12, qe_vendor_id, 16);
    if (b->version == 5) {
        le16(q + 48, 3); /* TD 1.5 body */
        le32(q + 50, 648);
    }
    uint8_t *body = q + body_at;
    memcpy(body, b->tee_tcb_svn, 16);
    memcpy(body + 16, b->mrseam, 48);
    memcpy(body + 64, b->mrsignerseam, 48);
    le64(body + 112, b->seam_attributes);
    le64(body + 120, b->td_attributes);
    le64(body + 128, b->xfam);
    memcpy(body + 136, b->mrtd, 48);
    memcpy(body + 184, b->mrconfigid, 48);
    memcpy(body + 232, b->mrowner, 48);
    memcpy(body + 280, b->mrownerconfig, 48);
    for (int i = 0; i < 4; i++)
        memcpy(body + 328 + 48 * i, b->rtmr[i], 48);
    memcpy(body + 520, b->report_data, 64);
    if (b->version == 5) {
        memcpy(body + 584, b->tee_tcb_svn2, 16);
        memcpy(body + 600, b->mrservicetd, 48);
    }
    size_t signed_len = body_at + body_len, at = signed_len;
    uint8_t *sigdata_len = q + at;
    at += 4;
    size_t sig_at = at;
    at += 64;
    uint8_t point[65];
    size_t plen = 0;
    CHECK(EVP_PKEY_get_octet_string_param(s->ak, "encoded-pub-key", point, sizeof(point),
                                          &plen) == 1 &&
          plen == 65);
    const uint8_t *ak = q + at;
    memcpy(q + at, point + 1, 64);
    at += 64;
    le16(q + at, 6); /* QE report certification data */
    uint8_t *outer_len = q + at + 2;
    at += 6;
    size_t outer_at = at;
    uint8_t *rep = q + at;
    rep[48] = 0x11; /* ATTRIBUTES */
    memcpy(rep + 128, qe_mrsigner, 32);
    le16(rep + 256, 2); /* ISVPRODID */
    le16(rep + 258, 4); /* ISVSVN */
    uint8_t auth[32], buf[96];
    for (int i = 0; i < 32; i++)
        auth[i] = (uint8_t)i;
    memcpy(buf, ak, 64);
    memcpy(buf + 64, auth, 32);
    unsigned int dl = 32;
    CHECK(EVP_Digest(buf, 96, rep + 320, &dl, EVP_sha256(), NULL) == 1);
    at += 384;
    CHECK(raw_sign(q + at, s->leaf_key, rep, 384) == 0);
    at += 64;
    le16(q + at, 32);
    at += 2;
    memcpy(q + at, auth, 32);
    at += 32;
    le16(q + at, 5); /* PCK chain */
    memcpy(q + at + 6, pem, pem_len);
    q[at + 6 + pem_len] = 0; /* a NUL at the end, as Intel's QE writes */
    le32(q + at + 2, (uint32_t)(pem_len + 1));
    at += 6 + pem_len + 1;
    le32(outer_len, (uint32_t)(at - outer_at));
    le32(sigdata_len, (uint32_t)(at - sig_at));
    CHECK(raw_sign(q + sig_at, s->ak, q, signed_len) == 0);
    *len = at;
    return 0;
fail:
    return -1;
}

/* --- collateral ------------------------------------------------------------------- */

void tdx_sim_collateral_default(tdx_sim_collateral *c, int64_t now)
{
    c->status = "UpToDate";
    c->advisory = NULL;
    c->qe_status = "UpToDate";
    c->tcb_eval_num = 17;
    c->issue_date = now - 86400;
    c->next_update = now + 86400 * 29;
}

static int sign_doc(const tdx_sim *s, char *out, size_t cap, size_t *len,
                    const char *member, const char *value)
{
    uint8_t sig[64];
    char sig_hex[129];
    CHECK(raw_sign(sig, s->signer_key, (const uint8_t *)value, strlen(value)) == 0);
    hex(sig_hex, sig, 64);
    int n = snprintf(out, cap, "{\"%s\":%s,\"signature\":\"%s\"}", member, value, sig_hex);
    CHECK(n > 0 && (size_t)n < cap);
    *len = (size_t)n;
    return 0;
fail:
    return -1;
}

static void tcb_level(char *out, size_t cap, int sgx, int pce, const int tdx[3],
                      const char *status, const char *advisory)
{
    char sv[1024] = "", tv[1024] = "", adv[128] = "";
    for (int i = 0; i < 16; i++) {
        size_t n = strlen(sv), m = strlen(tv);
        snprintf(sv + n, sizeof(sv) - n, "%s{\"svn\":%d}", i ? "," : "", sgx);
        snprintf(tv + m, sizeof(tv) - m, "%s{\"svn\":%d}", i ? "," : "", i < 3 ? tdx[i] : 0);
    }
    if (advisory != NULL)
        snprintf(adv, sizeof(adv), ",\"advisoryIDs\":[\"%s\"]", advisory);
    snprintf(out, cap,
             "{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":%d,\"tdxtcbcomponents\":[%s]},"
             "\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"%s\"%s}",
             sv, pce, tv, status, adv);
}

int tdx_sim_tcb_info(const tdx_sim *s, const tdx_sim_collateral *c, char *out,
                        size_t cap, size_t *len)
{
    static const int up[3] = { 3, 0, 5 }, old[3] = { 0, 0, 0 };
    char l1[2048], l2[2048], info[8192], issue[32], next[32], zeros96[97];
    tcb_level(l1, sizeof(l1), PCK_SGX_SVN, PCK_PCESVN, up, c->status, c->advisory);
    tcb_level(l2, sizeof(l2), 0, 0, old, "OutOfDate", "INTEL-SA-00001");
    memset(zeros96, '0', 96);
    zeros96[96] = '\0';
    iso(issue, c->issue_date);
    iso(next, c->next_update);
    int n = snprintf(info, sizeof(info),
                     "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
                     "\"fmspc\":\"%s\",\"pceId\":\"0000\",\"tcbType\":0,"
                     "\"tcbEvaluationDataNumber\":%u,"
                     "\"tdxModule\":{\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\","
                     "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},\"tcbLevels\":[%s,%s]}",
                     issue, next, fmspc_hex, c->tcb_eval_num, zeros96, l1, l2);
    if (n <= 0 || (size_t)n >= sizeof(info))
        return -1;
    return sign_doc(s, out, cap, len, "tcbInfo", info);
}

int tdx_sim_qe_identity(const tdx_sim *s, const tdx_sim_collateral *c, char *out,
                           size_t cap, size_t *len)
{
    char qe[2048], mrs[65], issue[32], next[32];
    hex(mrs, qe_mrsigner, 32);
    iso(issue, c->issue_date);
    iso(next, c->next_update);
    int n = snprintf(qe, sizeof(qe),
                     "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
                     "\"tcbEvaluationDataNumber\":%u,\"miscselect\":\"00000000\","
                     "\"miscselectMask\":\"FFFFFFFF\","
                     "\"attributes\":\"11000000000000000000000000000000\","
                     "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"%s\","
                     "\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},"
                     "\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"%s\"}]}",
                     issue, next, c->tcb_eval_num, mrs, c->qe_status);
    if (n <= 0 || (size_t)n >= sizeof(qe))
        return -1;
    return sign_doc(s, out, cap, len, "enclaveIdentity", qe);
}

int tdx_sim_crl(const tdx_sim *s, int issuer_is_root, int revoke, int64_t this_update,
                   int64_t next_update, uint8_t *out, size_t cap, size_t *len)
{
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t = ASN1_TIME_new();
    X509_REVOKED *r = NULL;
    X509 *issuer = issuer_is_root ? s->root : s->ca;
    EVP_PKEY *key = issuer_is_root ? s->root_key : s->ca_key;
    CHECK(crl != NULL && t != NULL);
    CHECK(X509_CRL_set_version(crl, 1) == 1);
    CHECK(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1);
    CHECK(ASN1_TIME_set(t, (time_t)this_update) != NULL && X509_CRL_set1_lastUpdate(crl, t) == 1);
    CHECK(ASN1_TIME_set(t, (time_t)next_update) != NULL && X509_CRL_set1_nextUpdate(crl, t) == 1);
    if (revoke) {
        X509 *victim = issuer_is_root ? s->ca : s->leaf;
        r = X509_REVOKED_new();
        CHECK(r != NULL);
        CHECK(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(victim)) == 1);
        CHECK(ASN1_TIME_set(t, (time_t)(this_update - 3600)) != NULL &&
              X509_REVOKED_set_revocationDate(r, t) == 1);
        CHECK(X509_CRL_add0_revoked(crl, r) == 1);
        r = NULL;
        CHECK(X509_CRL_sort(crl) == 1);
    }
    CHECK(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    int n = i2d_X509_CRL(crl, NULL);
    CHECK(n > 0 && (size_t)n <= cap);
    unsigned char *p = out;
    CHECK(i2d_X509_CRL(crl, &p) == n);
    *len = (size_t)n;
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
    return 0;
fail:
    X509_REVOKED_free(r);
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
    return -1;
}
