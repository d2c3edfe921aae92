/*
 * Intel PCS v4 / PCCS collateral for a TDX quote (pcs.h).
 *
 * A cache entry holds a document and its issuer chain:
 *   u32 length (big-endian) | document | u32 length | issuer chain (PEM)
 */
#include "server/pcs.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/tdx/tdx.h"
#include "attest/tdx/tdx_internal.h"
#include "crypto/x509.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"
#include "core/rfc3339.h"
#include "server/disk_cache.h"

#define PCS_MAX_CHAIN (32 * 1024)

void pcs_collateral_clear(pcs_collateral *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < BUNDLE_TDX_COLLATERAL_COUNT; i++)
        OPENSSL_free(c->item[i]);
    memset(c, 0, sizeof(*c));
}

/* --- one document ---------------------------------------------------------------------- */

void pcs_doc_clear(pcs_doc *d)
{
    OPENSSL_free(d->body);
    OPENSSL_free(d->chain);
    memset(d, 0, sizeof(*d));
}

static void when(char out[RFC3339_LEN + 1], int64_t t)
{
    if (!rfc3339_format(out, t))
        snprintf(out, RFC3339_LEN + 1, "%lld", (long long)t);
}

/* A CRL as DER, from DER, one PEM block, or hex of DER (older PCCS). */
confai_status pcs_crl_to_der(uint8_t **der, size_t *der_len, const uint8_t *in, size_t len,
                             const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const char begin[] = "-----BEGIN X509 CRL-----";
    X509_CRL *crl = NULL;
    BIO *bio = NULL;
    uint8_t *bin = NULL;
    *der = NULL;
    *der_len = 0;
    if (len >= sizeof(begin) - 1 && memcmp(in, begin, sizeof(begin) - 1) == 0) {
        bio = BIO_new_mem_buf(in, (int)len);
        OSSL_ENSURE(bio != NULL, CONFAI_E_NO_MEMORY, "PCS: CRL");
        crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
    } else {
        size_t hex_len = len;
        while (hex_len > 0 && isspace(in[hex_len - 1]))
            hex_len--;
        const uint8_t *p = in;
        size_t n = len;
        if (hex_len > 0 && hex_len % 2 == 0 && isxdigit(in[0])) {
            bin = OPENSSL_malloc(hex_len / 2 + 1);
            ENSURE(bin != NULL, CONFAI_E_NO_MEMORY, "PCS: out of memory");
            char *text = OPENSSL_strndup((const char *)in, hex_len);
            ENSURE(text != NULL, CONFAI_E_NO_MEMORY, "PCS: out of memory");
            int ok = hex_decode_exact(bin, hex_len / 2, text, hex_len);
            OPENSSL_free(text);
            if (ok) {
                p = bin;
                n = hex_len / 2;
            }
        }
        const unsigned char *q = p;
        crl = d2i_X509_CRL(NULL, &q, (long)n);
        if (crl != NULL && q != p + n) {
            X509_CRL_free(crl);
            crl = NULL;
        }
    }
    ERR_clear_error();
    ENSURE(crl != NULL, CONFAI_E_COLLATERAL,
           "PCS: the %s is not a CRL (DER, PEM or hex): check the base URL", what);
    unsigned char *out = NULL;
    int n = i2d_X509_CRL(crl, &out);
    OSSL_ENSURE(n > 0, CONFAI_E_NO_MEMORY, "PCS: CRL");
    *der = out;
    *der_len = (size_t)n;
out:
    X509_CRL_free(crl);
    BIO_free(bio);
    OPENSSL_free(bin);
    return status;
}

/*
 * Checks a document as served or cached and gives its nextUpdate. A CRL is
 * also rewritten as DER (*norm, OPENSSL_free; NULL for JSON).
 */
confai_status pcs_check_doc(int64_t *next_update, uint8_t **norm, size_t *norm_len,
                            const pcs_doc_request *req, const uint8_t *body, size_t len,
                            confai_error *err)
{
    confai_status status = CONFAI_OK;
    tdx_tcb_info *tcb = NULL;
    tdx_qe_identity *qe = NULL;
    X509_CRL *crl = NULL;
    *norm = NULL;
    *norm_len = 0;
    switch (req->kind) {
    case PCS_DOC_TCB_INFO: {
        char want[13], got[13];
        GUARD(tdx_tcb_info_parse(&tcb, (const char *)body, len, err));
        hex_encode(want, req->fmspc, 6);
        hex_encode(got, tcb->fmspc, 6);
        ENSURE(memcmp(tcb->fmspc, req->fmspc, 6) == 0, CONFAI_E_COLLATERAL,
               "PCS answered the TCB info request for FMSPC %s with the one of FMSPC %s: "
               "check the base URL or the PCCS",
               want, got);
        *next_update = tcb->next_update;
        break;
    }
    case PCS_DOC_QE_IDENTITY:
        GUARD(tdx_qe_identity_parse(&qe, (const char *)body, len, err));
        *next_update = qe->next_update;
        break;
    case PCS_DOC_PCK_CRL:
    case PCS_DOC_ROOT_CRL: {
        GUARD(pcs_crl_to_der(norm, norm_len, body, len, req->what, err));
        const unsigned char *p = *norm;
        crl = d2i_X509_CRL(NULL, &p, (long)*norm_len);
        OSSL_ENSURE(crl != NULL, CONFAI_E_COLLATERAL, "PCS: CRL");
        ENSURE(x509_time_epoch(next_update, X509_CRL_get0_nextUpdate(crl)), CONFAI_E_COLLATERAL,
               "PCS: the %s has no nextUpdate: check the base URL", req->what);
        break;
    }
    }
out:
    tdx_tcb_info_free(tcb);
    tdx_qe_identity_free(qe);
    X509_CRL_free(crl);
    if (status != CONFAI_OK) {
        OPENSSL_free(*norm);
        *norm = NULL;
        *norm_len = 0;
    }
    return status;
}

/* %XX decoding of a header value (no '+' rule: base64 keeps its '+'). */
confai_status pcs_url_decode(uint8_t **out, size_t *out_len, const char *in, size_t len,
                             const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *buf = OPENSSL_malloc(len + 1);
    size_t n = 0;
    ENSURE(buf != NULL, CONFAI_E_NO_MEMORY, "PCS: out of memory");
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '%') {
            buf[n++] = (uint8_t)in[i];
            continue;
        }
        uint8_t byte;
        ENSURE(i + 2 < len &&
                   hex_decode_exact(&byte, 1, (const char[3]){ in[i + 1], in[i + 2], 0 }, 2),
               CONFAI_E_COLLATERAL, "PCS: the issuer chain of the %s is badly URL-encoded",
               what);
        buf[n++] = byte;
        i += 2;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    buf = NULL;
out:
    OPENSSL_free(buf);
    return status;
}

/* Cache entry framing. */
confai_status pcs_frame(uint8_t **out, size_t *out_len, const pcs_doc *d, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t n = 8 + d->body_len + d->chain_len;
    uint8_t *p = OPENSSL_malloc(n);
    ENSURE(p != NULL, CONFAI_E_NO_MEMORY, "PCS: out of memory");
    size_t at = 0;
    const uint8_t *parts[2] = { d->body, d->chain };
    size_t lens[2] = { d->body_len, d->chain_len };
    for (int i = 0; i < 2; i++) {
        for (int k = 3; k >= 0; k--)
            p[at++] = (uint8_t)(lens[i] >> (8 * k));
        if (lens[i] > 0)
            memcpy(p + at, parts[i], lens[i]);
        at += lens[i];
    }
    *out = p;
    *out_len = n;
out:
    return status;
}

/* 1 and d filled (copies) when the entry is well framed; 0 otherwise. */
int pcs_unframe(pcs_doc *d, const uint8_t *p, size_t n)
{
    uint8_t *copies[2] = { NULL, NULL };
    size_t lens[2] = { 0, 0 };
    size_t at = 0;
    for (int i = 0; i < 2; i++) {
        if (n - at < 4)
            goto bad;
        size_t len = (size_t)p[at] << 24 | (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 |
                     p[at + 3];
        at += 4;
        if (len > n - at)
            goto bad;
        copies[i] = OPENSSL_malloc(len + 1);
        if (copies[i] == NULL)
            goto bad;
        memcpy(copies[i], p + at, len);
        copies[i][len] = '\0';
        lens[i] = len;
        at += len;
    }
    if (at != n)
        goto bad;
    d->body = copies[0];
    d->body_len = lens[0];
    d->chain = copies[1];
    d->chain_len = lens[1];
    return 1;
bad:
    OPENSSL_free(copies[0]);
    OPENSSL_free(copies[1]);
    return 0;
}

/* The document from the cache while fresh, else from PCS (then cached). */
static confai_status fetch_doc(pcs_doc *d, const pcs_doc_request *req, const pcs_options *o,
                               int64_t now, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *cached = NULL, *norm = NULL, *framed = NULL;
    size_t cached_len = 0, norm_len = 0, framed_len = 0;
    int64_t expires = 0, next_update = 0, stale_until = 0;
    int have_stale = 0;
    http_response resp = { 0 };
    confai_error cause = { 0 };
    char t1[RFC3339_LEN + 1], t2[RFC3339_LEN + 1];
    memset(d, 0, sizeof(*d));

    if (o->cache_dir != NULL) {
        GUARD(disk_cache_get(&cached, &cached_len, &expires, o->cache_dir, req->key, err));
        if (cached != NULL && pcs_unframe(d, cached, cached_len)) {
            if (pcs_check_doc(&next_update, &norm, &norm_len, req, d->body, d->body_len, NULL) ==
                CONFAI_OK) {
                OPENSSL_free(norm);
                norm = NULL;
                if (next_update > now)
                    goto out; /* fresh: no request */
                have_stale = 1;
                stale_until = next_update;
            }
            pcs_doc_clear(d);
        }
    }

    /* Fetch; any failure with only a stale copy in hand is COLLATERAL_EXPIRED. */
    status = http_get(&resp, req->url, &o->http, &cause);
    if (status == CONFAI_OK && resp.status == 404)
        status = confai_err_set(&cause, CONFAI_E_ENDORSEMENT_NOT_FOUND,
                                "PCS has no %s (404 from %s): is the FMSPC known to Intel, "
                                "and the base URL a PCS v4 or PCCS?",
                                req->what, req->url);
    if (status == CONFAI_OK)
        status = pcs_check_doc(&next_update, &norm, &norm_len, req, resp.body, resp.body_len,
                           &cause);
    if (status == CONFAI_OK && req->chain_header != NULL) {
        size_t hlen = 0;
        const char *h = http_response_header(&resp, req->chain_header, &hlen);
        if (h == NULL || hlen == 0 || hlen > PCS_MAX_CHAIN)
            status = confai_err_set(&cause, CONFAI_E_COLLATERAL,
                                    "PCS sent the %s without its %s header: check the base "
                                    "URL (PCS v4 or PCCS)",
                                    req->what, req->chain_header);
        else
            status = pcs_url_decode(&d->chain, &d->chain_len, h, hlen, req->what, &cause);
    }
    if (status != CONFAI_OK) {
        if (have_stale) {
            when(t1, stale_until);
            BAIL(CONFAI_E_COLLATERAL_EXPIRED,
                 "PCS: the cached %s expired %s and a fresh one could not be fetched (%s)",
                 req->what, t1, cause.message);
        }
        status = confai_err_set(err, cause.status, "%s", cause.message);
        goto out;
    }
    if (next_update <= now) {
        when(t1, next_update);
        when(t2, now);
        BAIL(CONFAI_E_COLLATERAL_EXPIRED,
             "PCS served a %s whose nextUpdate %s is past (now %s): is this host's clock "
             "right, or is a PCCS serving stale collateral?",
             req->what, t1, t2);
    }
    if (norm != NULL) {
        d->body = norm;
        d->body_len = norm_len;
        norm = NULL;
    } else {
        d->body = resp.body;
        d->body_len = resp.body_len;
        resp.body = NULL;
    }
    if (o->cache_dir != NULL) {
        GUARD(pcs_frame(&framed, &framed_len, d, err));
        GUARD(disk_cache_put(o->cache_dir, req->key, framed, framed_len, next_update, err));
    }
out:
    if (status != CONFAI_OK)
        pcs_doc_clear(d);
    OPENSSL_free(cached);
    OPENSSL_free(norm);
    OPENSSL_free(framed);
    http_response_clear(&resp);
    return status;
}

/* --- the quote's PCK leaf ---------------------------------------------------------------- */

static confai_status pck_of_quote(uint8_t fmspc[6], const char **ca, const uint8_t *quote,
                                  size_t quote_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    tdx_quote q;
    tdx_pck_info info;
    BIO *bio = NULL;
    X509 *leaf = NULL;
    char issuer[128];

    GUARD(tdx_quote_parse(&q, quote, quote_len, TDX_PARSE_PADDED, err));
    bio = BIO_new_mem_buf(q.pck_chain, (int)q.pck_chain_len);
    OSSL_ENSURE(bio != NULL, CONFAI_E_NO_MEMORY, "PCS: PCK chain");
    leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    ERR_clear_error();
    ENSURE(leaf != NULL, CONFAI_E_CERT_CHAIN,
           "PCS: the quote's certification data has no PEM PCK certificate: is the quote "
           "from a DCAP quoting enclave?");
    GUARD(tdx_pck_info_from_x509(&info, leaf, err));
    memcpy(fmspc, info.fmspc, 6);
    int n = X509_NAME_get_text_by_NID(X509_get_issuer_name(leaf), NID_commonName, issuer,
                                      sizeof(issuer));
    if (n > 0 && strcmp(issuer, "Intel SGX PCK Processor CA") == 0)
        *ca = "processor";
    else if (n > 0 && strcmp(issuer, "Intel SGX PCK Platform CA") == 0)
        *ca = "platform";
    else
        BAIL(CONFAI_E_CERT_CHAIN,
             "PCS: the quote's PCK certificate is issued by \"%s\", neither the Intel SGX PCK "
             "Processor CA nor the Platform CA",
             n > 0 ? issuer : "?");
out:
    X509_free(leaf);
    BIO_free(bio);
    return status;
}

/* --- the whole fetch ------------------------------------------------------------------- */

static void base_of(char *out, size_t cap, const char *base)
{
    snprintf(out, cap, "%s", base != NULL ? base : PCS_DEFAULT_BASE_URL);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

confai_status pcs_fetch_collateral(pcs_collateral *out, const uint8_t *quote, size_t quote_len,
                                   const pcs_options *o, confai_error *err)
{
    confai_status status = CONFAI_OK;
    pcs_options defaults = { 0 };
    pcs_doc_request req[4];
    pcs_doc docs[4];
    uint8_t fmspc[6];
    char fmspc_hex[13], b[PCS_URL_MAX];
    const char *ca = NULL;

    memset(docs, 0, sizeof(docs));
    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(quote != NULL, "quote");
    if (o == NULL)
        o = &defaults;
    int64_t now = o->now != 0 ? o->now : (int64_t)time(NULL);

    GUARD(pck_of_quote(fmspc, &ca, quote, quote_len, err));
    hex_encode(fmspc_hex, fmspc, 6);
    base_of(b, sizeof(b), o->base_url);
    memset(req, 0, sizeof(req));

    req[0].kind = PCS_DOC_TCB_INFO;
    memcpy(req[0].fmspc, fmspc, 6);
    snprintf(req[0].what, sizeof(req[0].what), "TCB info for FMSPC %s", fmspc_hex);
    snprintf(req[0].url, sizeof(req[0].url), "%s/tdx/certification/v4/tcb?fmspc=%s", b,
             fmspc_hex);
    snprintf(req[0].key, sizeof(req[0].key), "pcs/v4/tdx/tcb/%s", fmspc_hex);
    req[0].chain_header = "TCB-Info-Issuer-Chain";

    req[1].kind = PCS_DOC_QE_IDENTITY;
    snprintf(req[1].what, sizeof(req[1].what), "TDX QE identity");
    snprintf(req[1].url, sizeof(req[1].url), "%s/tdx/certification/v4/qe/identity", b);
    snprintf(req[1].key, sizeof(req[1].key), "pcs/v4/tdx/qe/identity");
    req[1].chain_header = "SGX-Enclave-Identity-Issuer-Chain";

    req[2].kind = PCS_DOC_PCK_CRL;
    snprintf(req[2].what, sizeof(req[2].what), "PCK CRL of the %s CA", ca);
    snprintf(req[2].url, sizeof(req[2].url), "%s/sgx/certification/v4/pckcrl?ca=%s&encoding=der",
             b, ca);
    snprintf(req[2].key, sizeof(req[2].key), "pcs/v4/sgx/pckcrl/%s", ca);
    req[2].chain_header = "SGX-PCK-CRL-Issuer-Chain";

    req[3].kind = PCS_DOC_ROOT_CRL;
    snprintf(req[3].what, sizeof(req[3].what), "Intel SGX Root CA CRL");
    if (o->base_url == NULL)
        snprintf(req[3].url, sizeof(req[3].url), "%s", PCS_DEFAULT_ROOT_CRL_URL);
    else
        snprintf(req[3].url, sizeof(req[3].url), "%s/sgx/certification/v4/rootcacrl", b);
    snprintf(req[3].key, sizeof(req[3].key), "pcs/v4/sgx/rootcacrl");
    req[3].chain_header = NULL;

    for (int i = 0; i < 4; i++)
        GUARD(fetch_doc(&docs[i], &req[i], o, now, err));

    /* TCB info and QE identity are signed by the same TCB Signing key. */
    static const struct {
        int doc;
        int body, chain;
    } map[3] = {
        { 0, BUNDLE_TDX_TCB_INFO, BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN },
        { 1, BUNDLE_TDX_QE_IDENTITY, BUNDLE_TDX_QE_IDENTITY_ISSUER_CHAIN },
        { 2, BUNDLE_TDX_PCK_CRL, BUNDLE_TDX_PCK_CRL_ISSUER_CHAIN },
    };
    for (int i = 0; i < 3; i++) {
        pcs_doc *d = &docs[map[i].doc];
        out->item[map[i].body] = d->body;
        out->len[map[i].body] = d->body_len;
        out->item[map[i].chain] = d->chain;
        out->len[map[i].chain] = d->chain_len;
        d->body = d->chain = NULL;
    }
    out->item[BUNDLE_TDX_ROOT_CA_CRL] = docs[3].body;
    out->len[BUNDLE_TDX_ROOT_CA_CRL] = docs[3].body_len;
    docs[3].body = NULL;
out:
    for (int i = 0; i < 4; i++)
        pcs_doc_clear(&docs[i]);
    if (status != CONFAI_OK && out != NULL)
        pcs_collateral_clear(out);
    return status;
}
