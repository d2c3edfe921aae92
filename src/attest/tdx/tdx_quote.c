/*
 * TDX quotes, versions 4 and 5 (Intel TDX DCAP Quote Generation Library and
 * Quote Verification Library API, "Quote Format"):
 *
 *   header (48)        version u16, att_key_type u16, tee_type u32,
 *                      reserved u16 u16, qe_vendor_id 16, user_data 20
 *   v5 only            body type u16, body size u32
 *   body               TD 1.0 report (584) or TD 1.5 report (648)
 *   sig data len u32
 *   sig data           signature 64 (r||s), attestation key 64 (x||y),
 *                      cert type u16 (6), cert size u32,
 *                        QE report 384, QE report signature 64,
 *                        QE auth data size u16, QE auth data,
 *                        cert type u16 (5), cert size u32, PEM chain
 *
 * Every length is checked against the one that contains it, so a quote has
 * exactly one parse; bytes after the quote are trailing data (or, for a
 * caller that says its buffer is padded, zero padding).
 */
#include "attest/tdx/tdx.h"

#include <string.h>

#include "core/bytes.h"
#include "core/error.h"

const uint8_t tdx_intel_qe_vendor_id[16] = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
    0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

#define TAKE(r, out, n, what) \
    ENSURE(byte_take((r), (out), (n)), CONFAI_E_TRUNCATED, "TDX quote: truncated in %s", (what))

static void parse_qe_report(tdx_qe_report *q, const uint8_t *b)
{
    memcpy(q->cpusvn, b, 16);
    q->miscselect = load_le32(b + 16);
    memcpy(q->attributes, b + 48, 16);
    memcpy(q->mrenclave, b + 64, 32);
    memcpy(q->mrsigner, b + 128, 32);
    q->isvprodid = load_le16(b + 256);
    q->isvsvn = load_le16(b + 258);
    memcpy(q->report_data, b + 320, 64);
}

static void parse_body(tdx_quote *q, const uint8_t *b)
{
    memcpy(q->tee_tcb_svn, b, 16);
    memcpy(q->mrseam, b + 16, 48);
    memcpy(q->mrsignerseam, b + 64, 48);
    q->seam_attributes = load_le64(b + 112);
    q->td_attributes = load_le64(b + 120);
    q->xfam = load_le64(b + 128);
    memcpy(q->mrtd, b + 136, 48);
    memcpy(q->mrconfigid, b + 184, 48);
    memcpy(q->mrowner, b + 232, 48);
    memcpy(q->mrownerconfig, b + 280, 48);
    for (int i = 0; i < 4; i++)
        memcpy(q->rtmr[i], b + 328 + 48 * i, 48);
    memcpy(q->report_data, b + 520, 64);
    if (q->body_type == TDX_BODY_TD15) {
        memcpy(q->tee_tcb_svn2, b + 584, 16);
        memcpy(q->mrservicetd, b + 600, 48);
    }
}

confai_status tdx_quote_parse(tdx_quote *quote, const uint8_t *bytes, size_t len,
                              uint32_t flags, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const uint8_t *h, *p;
    ENSURE_ARG(quote != NULL, "quote");
    memset(quote, 0, sizeof(*quote));
    ENSURE_ARG(bytes != NULL || len == 0, "bytes");
    ENSURE_ARG((flags & ~TDX_PARSE_PADDED) == 0, "flags");
    byte_reader r = { bytes, len };

    TAKE(&r, &h, TDX_HEADER_SIZE, "the header");
    quote->version = load_le16(h);
    quote->att_key_type = load_le16(h + 2);
    quote->tee_type = load_le32(h + 4);
    ENSURE(quote->version == 4 || quote->version == 5, CONFAI_E_UNSUPPORTED,
           "TDX quote: version %u (only 4 and 5 are supported)", quote->version);
    ENSURE(quote->att_key_type == TDX_ATT_KEY_ECDSA_P256, CONFAI_E_UNSUPPORTED,
           "TDX quote: attestation key type %u (only 2, ECDSA P-256)", quote->att_key_type);
    ENSURE(quote->tee_type == TDX_TEE_TYPE, CONFAI_E_UNSUPPORTED,
           "TDX quote: TEE type 0x%x is not TDX (0x81)", quote->tee_type);
    ENSURE(load_le32(h + 8) == 0, CONFAI_E_MALFORMED, "TDX quote: reserved header bytes not zero");
    memcpy(quote->qe_vendor_id, h + 12, 16);
    memcpy(quote->user_data, h + 28, 20);

    if (quote->version == 4) {
        quote->body_type = TDX_BODY_TD10;
        quote->body_size = TDX_TD10_BODY_SIZE;
    } else {
        TAKE(&r, &p, 6, "the body descriptor");
        quote->body_type = load_le16(p);
        quote->body_size = load_le32(p + 2);
        ENSURE(quote->body_type == TDX_BODY_TD10 || quote->body_type == TDX_BODY_TD15,
               CONFAI_E_UNSUPPORTED, "TDX quote: body type %u (only 2 TD 1.0, 3 TD 1.5)",
               quote->body_type);
        ENSURE(quote->body_size == (quote->body_type == TDX_BODY_TD10 ? TDX_TD10_BODY_SIZE
                                                                       : TDX_TD15_BODY_SIZE),
               CONFAI_E_MALFORMED, "TDX quote: body size %u does not match body type %u",
               quote->body_size, quote->body_type);
    }
    TAKE(&r, &p, quote->body_size, "the TD report body");
    parse_body(quote, p);
    quote->signed_len = (size_t)(r.p - bytes);

    TAKE(&r, &p, 4, "the signature data length");
    uint32_t sig_len = load_le32(p);
    ENSURE(sig_len <= TDX_MAX_QUOTE_SIZE, CONFAI_E_LIMIT,
           "TDX quote: signature data of %u bytes", sig_len);
    ENSURE(r.left >= sig_len, CONFAI_E_TRUNCATED,
           "TDX quote: signature data of %u bytes, %zu left", sig_len, r.left);
    quote->quote_len = (size_t)(r.p - bytes) + sig_len;
    byte_reader s = { r.p, sig_len };
    r.p += sig_len;
    r.left -= sig_len;

    TAKE(&s, &p, 64, "the quote signature");
    memcpy(quote->signature, p, 64);
    TAKE(&s, &p, 64, "the attestation key");
    memcpy(quote->attestation_key, p, 64);
    TAKE(&s, &p, 6, "the certification data header");
    ENSURE(load_le16(p) == TDX_CERT_QE_REPORT, CONFAI_E_UNSUPPORTED,
           "TDX quote: certification data type %u (only 6, QE report)", load_le16(p));
    uint32_t outer_len = load_le32(p + 2);
    ENSURE(outer_len == s.left, CONFAI_E_MALFORMED,
           "TDX quote: certification data of %u bytes in %zu bytes of signature data",
           outer_len, s.left);
    TAKE(&s, &p, TDX_QE_REPORT_SIZE, "the QE report");
    memcpy(quote->qe_report_raw, p, TDX_QE_REPORT_SIZE);
    parse_qe_report(&quote->qe_report, p);
    TAKE(&s, &p, 64, "the QE report signature");
    memcpy(quote->qe_signature, p, 64);
    TAKE(&s, &p, 2, "the QE auth data size");
    quote->qe_auth_data_len = load_le16(p);
    TAKE(&s, &quote->qe_auth_data, quote->qe_auth_data_len, "the QE auth data");
    TAKE(&s, &p, 6, "the PCK certification data header");
    ENSURE(load_le16(p) == TDX_CERT_PCK_CHAIN, CONFAI_E_UNSUPPORTED,
           "TDX quote: inner certification data type %u (only 5, PCK chain)", load_le16(p));
    uint32_t chain_len = load_le32(p + 2);
    ENSURE(chain_len == s.left, CONFAI_E_MALFORMED,
           "TDX quote: PCK chain of %u bytes in %zu bytes left", chain_len, s.left);
    ENSURE(chain_len > 0, CONFAI_E_MALFORMED, "TDX quote: empty PCK chain");
    TAKE(&s, &quote->pck_chain, chain_len, "the PCK chain");
    quote->pck_chain_len = chain_len;

    if (r.left > 0) {
        ENSURE(flags & TDX_PARSE_PADDED, CONFAI_E_TRAILING_DATA,
               "TDX quote: %zu bytes after the quote", r.left);
        for (size_t i = 0; i < r.left; i++)
            ENSURE(r.p[i] == 0, CONFAI_E_TRAILING_DATA,
                   "TDX quote: padding byte %zu after the quote is not zero", i);
    }
    ENSURE(quote->quote_len <= TDX_MAX_QUOTE_SIZE, CONFAI_E_LIMIT,
           "TDX quote: %zu bytes", quote->quote_len);
out:
    if (status != CONFAI_OK && quote != NULL)
        memset(quote, 0, sizeof(*quote));
    return status;
}
