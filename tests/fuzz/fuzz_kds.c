/*
 * Fuzz target: what src/server/kds.c makes of AMD KDS answers, without the
 * network: the ASK/ARK certificate chain (PEM), the VCEK (DER) checked
 * against a report's chip and TCB, and the VCEK URL built from a base URL.
 *
 * The parsers are the ones kds.h exposes for tests; the fetching code
 * around them (http_get, the disk cache) is never called.
 *
 * Input (missing bytes read as zero):
 *   u8   mode: bits 0-1 what to parse (0 the chain, 1 the VCEK, 2 the URL,
 *        3 the chain again); bits 2-3 the product (0 and 1 Milan, 2 Genoa,
 *        3 Turin)
 *   VCEK: 64 bytes chip ID, u64 reported TCB (little-endian, as in a
 *         report), then the certificate
 *   URL:  64 bytes chip ID, u64 reported TCB, then the base URL
 *   chain: the PEM text
 *
 * Checked beyond "no crash, no out-of-bounds access": a failure is a
 * documented status with a message; an accepted chain gives two DER
 * certificates that parse again, named CN=SEV-<product> and ARK-<product>,
 * with the earlier notAfter; an accepted VCEK is for the given chip; a URL
 * fits its buffer and starts with the base URL less its trailing slashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "fuzz.h"
#include "server/kds.h"

static const snp_product products[4] = { SNP_PRODUCT_MILAN, SNP_PRODUCT_MILAN,
                                          SNP_PRODUCT_GENOA, SNP_PRODUCT_TURIN };

/* The certificate's CN is want (the check is written here, apart from kds.c's). */
static int cn_is(X509 *cert, const char *want)
{
    char cn[64];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                      sizeof(cn));
    return n > 0 && strcmp(cn, want) == 0;
}

/* The base URL as a URL starts with it: the default when NULL, less trailing slashes. */
static void base_of(char *out, size_t cap, const char *base)
{
    snprintf(out, cap, "%s", base != NULL ? base : KDS_DEFAULT_BASE_URL);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

static void check_der(const uint8_t *der, size_t len, const char *cn)
{
    FUZZ_CHECK(der != NULL && len > 0);
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)len);
    FUZZ_CHECK(cert != NULL && p == der + len);
    FUZZ_CHECK(cn_is(cert, cn));
    X509_free(cert);
}

static void fuzz_chain(const uint8_t *pem, size_t len, snp_product product)
{
    kds_chain chain = { 0 };
    int64_t not_after = 0;
    confai_error err = { 0 };
    confai_status st = kds_parse_chain(&chain, &not_after, pem, len, product, &err);
    FUZZ_CHECK(st == CONFAI_OK || st == CONFAI_E_CERT_CHAIN || st == CONFAI_E_NO_MEMORY);
    if (st == CONFAI_OK) {
        char ask[32], ark[32];
        snprintf(ask, sizeof(ask), "SEV-%s", snp_product_name(product));
        snprintf(ark, sizeof(ark), "ARK-%s", snp_product_name(product));
        check_der(chain.ask, chain.ask_len, ask);
        check_der(chain.ark, chain.ark_len, ark);
        FUZZ_CHECK(chain.vcek == NULL);
    } else {
        FUZZ_CHECK(err.status == st && err.message[0] != '\0');
    }
    kds_chain_clear(&chain);
}

static void fuzz_vcek(fuzz_reader *r, snp_product product)
{
    snp_report report;
    memset(&report, 0, sizeof(report));
    for (size_t i = 0; i < sizeof(report.chip_id); i++)
        report.chip_id[i] = fuzz_u8(r);
    for (int i = 0; i < 8; i++)
        report.reported_tcb_raw |= (uint64_t)fuzz_u8(r) << (8 * i);
    report.reported_tcb = snp_tcb_decode(report.reported_tcb_raw, product);
    size_t len = 0;
    uint8_t *der = fuzz_take(r, r->left, &len);
    int64_t not_after = 0;
    confai_error err = { 0 };
    confai_status st = kds_check_vcek(&not_after, der, len, &report, product, "fuzz", &err);
    FUZZ_CHECK(st == CONFAI_OK || st == CONFAI_E_CERT_CHAIN);
    FUZZ_CHECK(st == CONFAI_OK || (err.status == st && err.message[0] != '\0'));
    free(der);
}

static void fuzz_url(fuzz_reader *r, snp_product product)
{
    uint8_t chip[64];
    uint64_t tcb = 0;
    for (size_t i = 0; i < sizeof(chip); i++)
        chip[i] = fuzz_u8(r);
    for (int i = 0; i < 8; i++)
        tcb |= (uint64_t)fuzz_u8(r) << (8 * i);
    size_t len = 0;
    uint8_t *raw = fuzz_take(r, r->left, &len);
    char *base = (char *)fuzz_alloc(len + 1);
    memcpy(base, raw, len);
    base[len] = '\0';
    char url[KDS_URL_MAX];
    confai_error err = { 0 };
    confai_status st = kds_vcek_url(url, sizeof(url), base, chip, tcb, product, &err);
    FUZZ_CHECK(st == CONFAI_OK || st == CONFAI_E_LIMIT);
    if (st == CONFAI_OK) {
        char b[KDS_URL_MAX];
        base_of(b, sizeof(b), base);
        FUZZ_CHECK(strlen(url) < sizeof(url));
        FUZZ_CHECK(strncmp(url, b, strlen(b)) == 0);
        FUZZ_CHECK(strstr(url + strlen(b), "/vcek/v1/") == url + strlen(b));
    } else {
        FUZZ_CHECK(err.message[0] != '\0');
    }
    free(base);
    free(raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = { data, size };
    uint8_t mode = fuzz_u8(&r);
    snp_product product = products[(mode >> 2) & 3];
    switch (mode & 3) {
    case 1:
        fuzz_vcek(&r, product);
        break;
    case 2:
        fuzz_url(&r, product);
        break;
    default: {
        size_t len = 0;
        uint8_t *pem = fuzz_take(&r, r.left, &len);
        fuzz_chain(pem, len, product);
        free(pem);
        break;
    }
    }
    return 0;
}
