/*
 * The SGX extensions of a PCK certificate (OID 1.2.840.113741.1.13.1, Intel
 * SGX PCK Certificate and CRL Profile): PPID, the TCB (16 SGX component SVNs,
 * PCESVN, CPUSVN), PCE-ID, FMSPC and SGX type, read with a small strict DER
 * reader (definite, minimal lengths; every member once).
 */
#include "attest/tdx/tdx_internal.h"

#include <string.h>

#include <openssl/err.h>

#include "core/error.h"

typedef struct der {
    const uint8_t *p;
    size_t left;
} der;

/* Reads one TLV with a definite, minimally encoded length. */
static int der_next(der *d, uint8_t *tag, der *value)
{
    if (d->left < 2)
        return 0;
    *tag = d->p[0];
    size_t len = d->p[1], hdr = 2;
    if (len & 0x80) {
        size_t nb = len & 0x7F;
        if (nb == 0 || nb > 2 || d->left < 2 + nb)
            return 0;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = len << 8 | d->p[2 + i];
        if (len < 0x80 || (nb == 2 && len < 0x100))
            return 0;
        hdr += nb;
    }
    if (d->left - hdr < len)
        return 0;
    value->p = d->p + hdr;
    value->left = len;
    d->p += hdr + len;
    d->left -= hdr + len;
    return 1;
}

/* 1.2.840.113741.1.13.1 */
static const uint8_t sgx_oid[] = { 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01 };

/* Matches OID sgx_oid.a (b == 0) or sgx_oid.a.b. */
static int oid_is(const der *oid, unsigned a, unsigned b)
{
    size_t n = sizeof(sgx_oid);
    size_t want = n + 1 + (b != 0);
    return oid->left == want && memcmp(oid->p, sgx_oid, n) == 0 && oid->p[n] == a &&
           (b == 0 || oid->p[n + 1] == b);
}

static int der_uint(const der *v, uint32_t max, uint32_t *out)
{
    if (v->left == 0 || v->left > 3 || (v->p[0] & 0x80))
        return 0;
    if (v->left > 1 && v->p[0] == 0 && !(v->p[1] & 0x80))
        return 0; /* not minimal */
    uint32_t x = 0;
    for (size_t i = 0; i < v->left; i++)
        x = x << 8 | v->p[i];
    if (x > max)
        return 0;
    *out = x;
    return 1;
}

#define EXT_ENSURE(cond, what) \
    ENSURE((cond), CONFAI_E_CERT_CHAIN, "PCK certificate SGX extension: %s", (what))

static confai_status parse_tcb(tdx_pck_info *info, der seq, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint32_t seen = 0;
    while (seq.left > 0) {
        uint8_t tag;
        der item, oid, val;
        EXT_ENSURE(der_next(&seq, &tag, &item) && tag == 0x30, "TCB entry");
        EXT_ENSURE(der_next(&item, &tag, &oid) && tag == 0x06, "TCB entry OID");
        EXT_ENSURE(der_next(&item, &tag, &val) && item.left == 0, "TCB entry value");
        EXT_ENSURE(oid.left == sizeof(sgx_oid) + 2 && oid_is(&oid, 2, oid.p[oid.left - 1]),
                   "TCB entry OID");
        unsigned k = oid.p[oid.left - 1];
        EXT_ENSURE(k >= 1 && k <= 18 && !(seen & (1u << k)), "TCB entry repeated or unknown");
        seen |= 1u << k;
        uint32_t x;
        if (k <= 16) {
            EXT_ENSURE(tag == 0x02 && der_uint(&val, 255, &x), "TCB component SVN");
            info->sgx_tcb[k - 1] = (uint8_t)x;
        } else if (k == 17) {
            EXT_ENSURE(tag == 0x02 && der_uint(&val, 0xFFFF, &x), "PCESVN");
            info->pcesvn = (uint16_t)x;
        } else {
            EXT_ENSURE(tag == 0x04 && val.left == 16, "CPUSVN");
            memcpy(info->cpusvn, val.p, 16);
        }
    }
    EXT_ENSURE(seen == 0x7FFFEu, "TCB entries missing");
out:
    return status;
}

confai_status tdx_pck_info_from_x509(tdx_pck_info *info, X509 *cert, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
    memset(info, 0, sizeof(*info));
    OSSL_ENSURE(obj != NULL, CONFAI_E_NO_MEMORY, "OID");
    int at = X509_get_ext_by_OBJ(cert, obj, -1);
    EXT_ENSURE(at >= 0, "missing");
    EXT_ENSURE(X509_get_ext_by_OBJ(cert, obj, at) < 0, "present twice");
    const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(cert, at));
    der d = { ASN1_STRING_get0_data(os), (size_t)ASN1_STRING_length(os) };
    uint8_t tag;
    der top;
    EXT_ENSURE(der_next(&d, &tag, &top) && tag == 0x30 && d.left == 0, "not a SEQUENCE");
    uint32_t seen = 0;
    while (top.left > 0) {
        der item, oid, val;
        EXT_ENSURE(der_next(&top, &tag, &item) && tag == 0x30, "entry");
        EXT_ENSURE(der_next(&item, &tag, &oid) && tag == 0x06, "entry OID");
        uint8_t vtag;
        EXT_ENSURE(der_next(&item, &vtag, &val) && item.left == 0, "entry value");
        if (oid.left != sizeof(sgx_oid) + 1 || memcmp(oid.p, sgx_oid, sizeof(sgx_oid)) != 0)
            EXT_ENSURE(0, "entry OID outside the SGX arc");
        unsigned k = oid.p[sizeof(sgx_oid)];
        EXT_ENSURE(k >= 1 && k <= 7 && !(seen & (1u << k)), "entry repeated or unknown");
        seen |= 1u << k;
        uint32_t x;
        switch (k) {
        case 1:
            EXT_ENSURE(vtag == 0x04 && val.left == 16, "PPID");
            memcpy(info->ppid, val.p, 16);
            break;
        case 2:
            EXT_ENSURE(vtag == 0x30, "TCB");
            GUARD(parse_tcb(info, val, err));
            break;
        case 3:
            EXT_ENSURE(vtag == 0x04 && val.left == 2, "PCE-ID");
            memcpy(info->pce_id, val.p, 2);
            break;
        case 4:
            EXT_ENSURE(vtag == 0x04 && val.left == 6, "FMSPC");
            memcpy(info->fmspc, val.p, 6);
            break;
        case 5:
            EXT_ENSURE(vtag == 0x0A && der_uint(&val, 2, &x), "SGX type");
            info->sgx_type = x;
            break;
        default:
            break; /* platform instance id / configuration (multi-package) */
        }
    }
    EXT_ENSURE((seen & 0x3E) == 0x3E, "PPID, TCB, PCE-ID, FMSPC or SGX type missing");
out:
    ASN1_OBJECT_free(obj);
    return status;
}

confai_status tdx_pck_info_from_der(tdx_pck_info *info, const uint8_t *der_bytes,
                                    size_t der_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    X509 *cert = NULL;
    ENSURE_ARG(info != NULL, "info");
    ENSURE_ARG(der_bytes != NULL && der_len > 0 && der_len <= TDX_MAX_DER_SIZE, "der");
    const unsigned char *p = der_bytes;
    cert = d2i_X509(NULL, &p, (long)der_len);
    ENSURE(cert != NULL && p == der_bytes + der_len, CONFAI_E_CERT_CHAIN,
           "PCK certificate: not one DER certificate");
    GUARD(tdx_pck_info_from_x509(info, cert, err));
out:
    X509_free(cert);
    ERR_clear_error();
    return status;
}
