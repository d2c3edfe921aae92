/*
 * Fuzz target: what src/server/pcs.c makes of Intel PCS / PCCS answers and
 * of its cache entries, without the network: a CRL as DER, PEM or hex (older
 * PCCS), the URL-encoded issuer chain header, the cache entry framing, and a
 * document checked as the fetcher checks it (TCB info for an FMSPC, QE
 * identity, PCK or root CA CRL).
 *
 * The parsers are the ones pcs.h exposes for tests; the fetching code
 * around them (http_get, the disk cache) is never called.
 *
 * Input (missing bytes read as zero):
 *   u8   mode: bits 0-1 what to parse (0 a CRL, 1 an issuer chain header,
 *        2 a cache entry, 3 a document); bits 2-3 the document kind (mode
 *        3: 0 TCB info, 1 QE identity, 2 PCK CRL, 3 root CA CRL)
 *   mode 3 with TCB info: 6 bytes FMSPC asked for
 *   the rest: the bytes as served or cached
 *
 * Checked beyond "no crash, no out-of-bounds access": a failure is a
 * documented status with a message and leaves no output; a CRL comes out
 * as DER that parses to the end and re-encodes to the same bytes; a decoded
 * header is never longer than the input and has no '%' escapes left where
 * the input had none; an entry that unframes frames back to the same bytes;
 * an accepted TCB info is the one of the FMSPC asked for.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "attest/tdx/tdx.h"
#include "fuzz.h"
#include "server/pcs.h"

static void fuzz_crl(const uint8_t *in, size_t len)
{
    uint8_t *der = (uint8_t *)1;
    size_t der_len = 1;
    confai_error err = { 0 };
    confai_status st = pcs_crl_to_der(&der, &der_len, in, len, "fuzz CRL", &err);
    FUZZ_CHECK(st == CONFAI_OK || st == CONFAI_E_COLLATERAL || st == CONFAI_E_NO_MEMORY);
    if (st != CONFAI_OK) {
        FUZZ_CHECK(der == NULL && der_len == 0 && err.message[0] != '\0');
        return;
    }
    const unsigned char *p = der;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)der_len);
    FUZZ_CHECK(crl != NULL && p == der + der_len);
    unsigned char *again = NULL;
    int n = i2d_X509_CRL(crl, &again);
    FUZZ_CHECK(n > 0 && (size_t)n == der_len && memcmp(again, der, der_len) == 0);
    OPENSSL_free(again);
    X509_CRL_free(crl);
    OPENSSL_free(der);
}

static void fuzz_header(const uint8_t *in, size_t len)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    confai_error err = { 0 };
    confai_status st = pcs_url_decode(&out, &out_len, (const char *)in, len, "fuzz", &err);
    FUZZ_CHECK(st == CONFAI_OK || st == CONFAI_E_COLLATERAL || st == CONFAI_E_NO_MEMORY);
    if (st == CONFAI_OK) {
        FUZZ_CHECK(out != NULL && out_len <= len && out[out_len] == '\0');
        if (memchr(in, '%', len) == NULL)
            FUZZ_CHECK(out_len == len && (len == 0 || memcmp(out, in, len) == 0));
    } else {
        FUZZ_CHECK(out == NULL && err.message[0] != '\0');
    }
    OPENSSL_free(out);
}

static void fuzz_entry(const uint8_t *in, size_t len)
{
    pcs_doc d;
    memset(&d, 0, sizeof(d));
    if (!pcs_unframe(&d, in, len)) {
        FUZZ_CHECK(d.body == NULL && d.chain == NULL);
        return;
    }
    FUZZ_CHECK(d.body != NULL && d.chain != NULL);
    FUZZ_CHECK(d.body[d.body_len] == '\0' && d.chain[d.chain_len] == '\0');
    uint8_t *framed = NULL;
    size_t framed_len = 0;
    FUZZ_CHECK(pcs_frame(&framed, &framed_len, &d, NULL) == CONFAI_OK);
    FUZZ_CHECK(framed_len == len && memcmp(framed, in, len) == 0);
    OPENSSL_free(framed);
    pcs_doc_clear(&d);
}

static void fuzz_doc(fuzz_reader *r, pcs_doc_kind kind)
{
    pcs_doc_request req;
    memset(&req, 0, sizeof(req));
    req.kind = kind;
    snprintf(req.what, sizeof(req.what), "fuzz document");
    if (kind == PCS_DOC_TCB_INFO)
        for (int i = 0; i < 6; i++)
            req.fmspc[i] = fuzz_u8(r);
    size_t len = 0;
    uint8_t *body = fuzz_take(r, r->left, &len);
    int64_t next_update = 0;
    uint8_t *norm = (uint8_t *)1;
    size_t norm_len = 1;
    confai_error err = { 0 };
    confai_status st = pcs_check_doc(&next_update, &norm, &norm_len, &req, body, len, &err);
    FUZZ_CHECK(st == CONFAI_OK || st == CONFAI_E_COLLATERAL || st == CONFAI_E_LIMIT ||
               st == CONFAI_E_NO_MEMORY);
    if (st != CONFAI_OK) {
        FUZZ_CHECK(norm == NULL && norm_len == 0 && err.message[0] != '\0');
    } else if (kind == PCS_DOC_TCB_INFO || kind == PCS_DOC_QE_IDENTITY) {
        FUZZ_CHECK(norm == NULL && norm_len == 0);
    } else {
        FUZZ_CHECK(norm != NULL && norm_len > 0);
    }
    if (st == CONFAI_OK && kind == PCS_DOC_TCB_INFO) {
        tdx_tcb_info *tcb = NULL;
        FUZZ_CHECK(tdx_tcb_info_parse(&tcb, (const char *)body, len, NULL) == CONFAI_OK);
        FUZZ_CHECK(memcmp(tcb->fmspc, req.fmspc, 6) == 0 && tcb->next_update == next_update);
        tdx_tcb_info_free(tcb);
    }
    OPENSSL_free(norm);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = { data, size };
    uint8_t mode = fuzz_u8(&r);
    if ((mode & 3) == 3) {
        fuzz_doc(&r, (pcs_doc_kind)((mode >> 2) & 3));
        return 0;
    }
    size_t len = 0;
    uint8_t *in = fuzz_take(&r, r.left, &len);
    switch (mode & 3) {
    case 0:
        fuzz_crl(in, len);
        break;
    case 1:
        fuzz_header(in, len);
        break;
    default:
        fuzz_entry(in, len);
        break;
    }
    free(in);
    return 0;
}
