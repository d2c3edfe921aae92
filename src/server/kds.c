/*
 * AMD KDS: the VCEK for a SEV-SNP report and the ASK/ARK chain (kds.h).
 */
#include "server/kds.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/snp/snp_internal.h"
#include "crypto/x509.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"
#include "server/disk_cache.h"

#define KDS_MAX_CERT (16 * 1024)

void kds_chain_clear(kds_chain *c)
{
    if (c == NULL)
        return;
    OPENSSL_free(c->vcek);
    OPENSSL_free(c->ask);
    OPENSSL_free(c->ark);
    memset(c, 0, sizeof(*c));
}

/* --- the report's product, chip and TCB ---------------------------------------------- */

static snp_product product_by_name(const char *name)
{
    static const snp_product all[] = { SNP_PRODUCT_MILAN, SNP_PRODUCT_GENOA, SNP_PRODUCT_TURIN };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcasecmp(name, snp_product_name(all[i])) == 0)
            return all[i];
    return SNP_PRODUCT_UNKNOWN;
}

static confai_status pick_product(snp_product *out, const snp_report *r, const char *name,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_product named = SNP_PRODUCT_UNKNOWN;
    if (name != NULL) {
        named = product_by_name(name);
        ENSURE(named != SNP_PRODUCT_UNKNOWN, CONFAI_E_ARGUMENT,
               "KDS: unknown product \"%s\": pass --product Milan, Genoa or Turin", name);
    }
    if (named == SNP_PRODUCT_UNKNOWN) {
        ENSURE(r->product != SNP_PRODUCT_UNKNOWN, CONFAI_E_ARGUMENT,
               "KDS: the report (version %u, CPUID family %02xh model %02xh) does not name its "
               "product: pass --product Milan, Genoa or Turin",
               r->version, r->cpuid_fam_id, r->cpuid_mod_id);
        *out = r->product;
    } else {
        ENSURE(r->product == SNP_PRODUCT_UNKNOWN || r->product == named, CONFAI_E_ARGUMENT,
               "KDS: --product %s, but the report's CPUID says %s: drop --product or correct it",
               snp_product_name(named), snp_product_name(r->product));
        *out = named;
    }
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

static size_t hwid_len(snp_product product)
{
    return product == SNP_PRODUCT_TURIN ? SNP_HWID_TURIN : SNP_HWID_MAX;
}

/* "bl=2 tee=0 snp=5 ucode=68" (Turin: "fmc=0 " first). */
static void tcb_text(char *out, size_t cap, const snp_tcb *t, snp_product product)
{
    if (product == SNP_PRODUCT_TURIN)
        snprintf(out, cap, "fmc=%u bl=%u tee=%u snp=%u ucode=%u", t->fmc, t->bootloader, t->tee,
                 t->snp, t->microcode);
    else
        snprintf(out, cap, "bl=%u tee=%u snp=%u ucode=%u", t->bootloader, t->tee, t->snp,
                 t->microcode);
}

static void base_of(char *out, size_t cap, const char *base)
{
    snprintf(out, cap, "%s", base != NULL ? base : KDS_DEFAULT_BASE_URL);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

confai_status kds_vcek_url(char *url, size_t cap, const char *base, const uint8_t chip_id[64],
                           uint64_t reported_tcb, snp_product product, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char b[KDS_URL_MAX], hwid[2 * SNP_HWID_MAX + 1];
    int n;
    ENSURE(product != SNP_PRODUCT_UNKNOWN, CONFAI_E_ARGUMENT,
           "KDS: unknown product: pass --product Milan, Genoa or Turin");
    base_of(b, sizeof(b), base);
    hex_encode(hwid, chip_id, hwid_len(product));
    snp_tcb t = snp_tcb_decode(reported_tcb, product);
    if (product == SNP_PRODUCT_TURIN)
        n = snprintf(url, cap, "%s/vcek/v1/%s/%s?fmcSPL=%u&blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u",
                     b, snp_product_name(product), hwid, t.fmc, t.bootloader, t.tee, t.snp,
                     t.microcode);
    else
        n = snprintf(url, cap, "%s/vcek/v1/%s/%s?blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u", b,
                     snp_product_name(product), hwid, t.bootloader, t.tee, t.snp, t.microcode);
    ENSURE(n > 0 && (size_t)n < cap, CONFAI_E_LIMIT, "KDS: URL too long: shorten the base URL");
out:
    return status;
}

/* --- the VCEK ---------------------------------------------------------------------------- */

/* The fetched certificate is the VCEK of this chip at this TCB, or CONFAI_E_CERT_CHAIN. */
confai_status kds_check_vcek(int64_t *not_after, const uint8_t *der, size_t der_len,
                             const snp_report *r, snp_product product, const char *chip,
                             confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *cert = NULL;
    snp_amd_ext ext;
    uint64_t raw = 0;
    char want[64], got[64];
    confai_error inner = { 0 };

    status = snp_parse_cert(&cert, der, der_len, "KDS VCEK", CONFAI_E_CERT_CHAIN, &inner);
    ENSURE(status == CONFAI_OK, CONFAI_E_CERT_CHAIN,
           "KDS answered the VCEK request for chip %s with something that is not one DER "
           "certificate (%s): check the base URL",
           chip, inner.message);
    status = snp_ext_parse(&ext, cert, &inner);
    if (status == CONFAI_OK)
        status = snp_ext_tcb(&raw, &ext, product, &inner);
    ENSURE(status == CONFAI_OK, CONFAI_E_CERT_CHAIN,
           "KDS's VCEK for chip %s has unusable AMD extensions (%s): refusing it", chip,
           inner.message);
    size_t n = hwid_len(product);
    ENSURE(ext.hwid_len == n && CRYPTO_memcmp(ext.hwid, r->chip_id, n) == 0, CONFAI_E_CERT_CHAIN,
           "KDS answered with a VCEK for another chip than %s: refusing it; check the base URL "
           "or the caching proxy in front of KDS",
           chip);
    const char *pname = snp_product_name(product);
    ENSURE(strncmp(ext.product_name, pname, strlen(pname)) == 0, CONFAI_E_CERT_CHAIN,
           "KDS's VCEK for chip %s is for product \"%s\", not %s: check --product", chip,
           ext.product_name, pname);
    snp_tcb have = snp_tcb_decode(raw, product);
    const snp_tcb *need = &r->reported_tcb;
    tcb_text(want, sizeof(want), need, product);
    tcb_text(got, sizeof(got), &have, product);
    ENSURE(have.bootloader == need->bootloader && have.tee == need->tee &&
               have.snp == need->snp && have.microcode == need->microcode &&
               have.fmc == need->fmc,
           CONFAI_E_CERT_CHAIN,
           "KDS's VCEK for chip %s is for TCB %s, the report's is %s: refusing it", chip, got,
           want);
    ENSURE(x509_time_epoch(not_after, X509_get0_notAfter(cert)), CONFAI_E_CERT_CHAIN,
           "KDS's VCEK for chip %s has an unreadable notAfter", chip);
out:
    X509_free(cert);
    return status;
}

static confai_status fetch_vcek(kds_chain *out, const snp_report *r, snp_product product,
                                const kds_options *o, int64_t now, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char url[KDS_URL_MAX], key[256], chip[2 * SNP_HWID_MAX + 1], chip_short[16], tcb[64];
    uint8_t *cached = NULL;
    size_t cached_len = 0;
    int64_t expires = 0, not_after = 0;
    http_response resp = { 0 };

    hex_encode(chip, r->chip_id, hwid_len(product));
    snprintf(chip_short, sizeof(chip_short), "%.8s...", chip);
    tcb_text(tcb, sizeof(tcb), &r->reported_tcb, product);
    snprintf(key, sizeof(key), "kds/vcek/%s/%s/%016llx", snp_product_name(product), chip,
             (unsigned long long)r->reported_tcb_raw);
    if (o->cache_dir != NULL) {
        GUARD(disk_cache_get(&cached, &cached_len, &expires, o->cache_dir, key, err));
        if (cached != NULL && expires > now &&
            kds_check_vcek(&not_after, cached, cached_len, r, product, chip_short, NULL) ==
                CONFAI_OK) {
            out->vcek = cached;
            out->vcek_len = cached_len;
            cached = NULL;
            goto out;
        }
    }

    GUARD(kds_vcek_url(url, sizeof(url), o->base_url, r->chip_id, r->reported_tcb_raw, product,
                       err));
    GUARD(http_get(&resp, url, &o->http, err));
    if (resp.status == 404) {
        char b[KDS_URL_MAX];
        base_of(b, sizeof(b), o->base_url);
        BAIL(CONFAI_E_ENDORSEMENT_NOT_FOUND,
             "KDS has no VCEK for chip %s at TCB %s (404 from %s): is the TCB newer than KDS "
             "knows, or is this a VLEK platform?",
             chip_short, tcb, b);
    }
    ENSURE(resp.body_len <= KDS_MAX_CERT, CONFAI_E_CERT_CHAIN,
           "KDS's VCEK for chip %s is %zu bytes, not a certificate: check the base URL",
           chip_short, resp.body_len);
    GUARD(kds_check_vcek(&not_after, resp.body, resp.body_len, r, product, chip_short, err));
    if (o->cache_dir != NULL)
        GUARD(disk_cache_put(o->cache_dir, key, resp.body, resp.body_len, not_after, err));
    out->vcek = resp.body;
    out->vcek_len = resp.body_len;
    resp.body = NULL;
out:
    OPENSSL_free(cached);
    http_response_clear(&resp);
    return status;
}

/* --- the ASK/ARK chain ----------------------------------------------------------------- */

static confai_status der_of(uint8_t **der, size_t *len, X509 *cert, confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned char *p = NULL;
    int n = i2d_X509(cert, &p);
    OSSL_ENSURE(n > 0, CONFAI_E_NO_MEMORY, "KDS: encoding a certificate");
    *der = p;
    *len = (size_t)n;
out:
    return status;
}

static int cn_is(X509 *cert, const char *want)
{
    char cn[64];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
                                      sizeof(cn));
    return n > 0 && strcmp(cn, want) == 0;
}

/* PEM ASK then ARK, named as AMD names them, into out; *not_after the earlier one's. */
confai_status kds_parse_chain(kds_chain *out, int64_t *not_after, const uint8_t *pem,
                              size_t pem_len, snp_product product, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *certs[3] = { NULL, NULL, NULL };
    char ask_cn[32], ark_cn[32];
    int n = 0;
    int64_t t0 = 0, t1 = 0;
    const char *pname = snp_product_name(product);
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    OSSL_ENSURE(bio != NULL, CONFAI_E_NO_MEMORY, "KDS: reading the chain");
    for (n = 0; n < 3; n++) {
        certs[n] = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (certs[n] == NULL)
            break;
    }
    ERR_clear_error();
    ENSURE(n == 2, CONFAI_E_CERT_CHAIN,
           "KDS's cert_chain for %s holds %d PEM certificates, not 2 (ASK, ARK): check the "
           "base URL",
           pname, n);
    snprintf(ask_cn, sizeof(ask_cn), "SEV-%s", pname);
    snprintf(ark_cn, sizeof(ark_cn), "ARK-%s", pname);
    ENSURE(cn_is(certs[0], ask_cn) && cn_is(certs[1], ark_cn), CONFAI_E_CERT_CHAIN,
           "KDS's cert_chain for %s is not CN=%s then CN=%s: check the base URL and product",
           pname, ask_cn, ark_cn);
    ENSURE(x509_time_epoch(&t0, X509_get0_notAfter(certs[0])) &&
               x509_time_epoch(&t1, X509_get0_notAfter(certs[1])),
           CONFAI_E_CERT_CHAIN, "KDS's cert_chain for %s has an unreadable notAfter", pname);
    *not_after = t0 < t1 ? t0 : t1;
    GUARD(der_of(&out->ask, &out->ask_len, certs[0], err));
    GUARD(der_of(&out->ark, &out->ark_len, certs[1], err));
out:
    for (int i = 0; i < 3; i++)
        X509_free(certs[i]);
    BIO_free(bio);
    return status;
}

static confai_status fetch_chain(kds_chain *out, snp_product product, const kds_options *o,
                                 int64_t now, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char url[KDS_URL_MAX], b[KDS_URL_MAX], key[64];
    uint8_t *cached = NULL;
    size_t cached_len = 0;
    int64_t expires = 0, not_after = 0;
    http_response resp = { 0 };
    const char *pname = snp_product_name(product);

    snprintf(key, sizeof(key), "kds/cert_chain/%s", pname);
    if (o->cache_dir != NULL) {
        GUARD(disk_cache_get(&cached, &cached_len, &expires, o->cache_dir, key, err));
        if (cached != NULL && expires > now &&
            kds_parse_chain(out, &not_after, cached, cached_len, product, NULL) == CONFAI_OK)
            goto out;
        OPENSSL_free(out->ask);
        OPENSSL_free(out->ark);
        out->ask = out->ark = NULL;
        out->ask_len = out->ark_len = 0;
    }
    base_of(b, sizeof(b), o->base_url);
    snprintf(url, sizeof(url), "%s/vcek/v1/%s/cert_chain", b, pname);
    GUARD(http_get(&resp, url, &o->http, err));
    ENSURE(resp.status != 404, CONFAI_E_ENDORSEMENT_NOT_FOUND,
           "KDS has no cert_chain for %s (404 from %s): check the base URL and the product", pname,
           b);
    GUARD(kds_parse_chain(out, &not_after, resp.body, resp.body_len, product, err));
    if (o->cache_dir != NULL)
        GUARD(disk_cache_put(o->cache_dir, key, resp.body, resp.body_len, not_after, err));
out:
    OPENSSL_free(cached);
    http_response_clear(&resp);
    return status;
}

/* --- the whole fetch ------------------------------------------------------------------- */

confai_status kds_fetch_vcek_chain(kds_chain *out, const uint8_t *report, size_t report_len,
                                   const char *product, const kds_options *o,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_report r;
    snp_product p = SNP_PRODUCT_UNKNOWN;
    kds_options defaults = { 0 };

    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(report != NULL, "report");
    if (o == NULL)
        o = &defaults;
    GUARD(snp_report_parse(&r, report, report_len, err));
    GUARD(pick_product(&p, &r, product, err));
    snp_report_set_product(&r, p);
    ENSURE(r.signing_key == SNP_KEY_VCEK, CONFAI_E_UNSUPPORTED,
           "KDS: the report is signed by a VLEK, which KDS does not publish: take the "
           "certificates from the extended report (configfs-tsm auxblob) instead");
    ENSURE((r.flags & SNP_FLAG_MASK_CHIP_KEY) == 0 && !all_zero(r.chip_id, sizeof(r.chip_id)),
           CONFAI_E_UNSUPPORTED,
           "KDS: the report's chip id is masked (MASK_CHIP_ID), so no VCEK can be looked up: "
           "unmask it in the guest's SNP configuration or use the extended report");
    int64_t now = (int64_t)time(NULL);
    GUARD(fetch_vcek(out, &r, p, o, now, err));
    GUARD(fetch_chain(out, p, o, now, err));
out:
    if (status != CONFAI_OK && out != NULL)
        kds_chain_clear(out);
    return status;
}
