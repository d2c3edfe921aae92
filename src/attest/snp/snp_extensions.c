/*
 * AMD's X.509 extensions in VCEK and VLEK certificates (AMD "Versioned Chip
 * Endorsement Key (VCEK) Certificate and KDS Interface Specification"), all
 * under 1.3.6.1.4.1.3704.1, each extnValue an OCTET STRING holding:
 *
 *   .1     structVersion   INTEGER
 *   .2     productName     IA5String   "Milan-B0", "Genoa", "Turin", ...
 *   .3.1   blSPL           INTEGER     boot loader
 *   .3.2   teeSPL          INTEGER
 *   .3.3   snpSPL          INTEGER
 *   .3.4-7 spl_4..spl_7    INTEGER     reserved
 *   .3.8   ucodeSPL        INTEGER     microcode
 *   .3.9   fmcSPL          INTEGER     Turin's FMC
 *   .4     hwID            raw bytes   CHIP_ID (64 bytes; Turin: 8), no tag
 *   .5     cspID           IA5String   VLEK only: the cloud provider
 */
#include "attest/snp/snp_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

/* DER content of the OID 1.3.6.1.4.1.3704.1 (3704 = 0x9C 0x78 in base 128). */
static const uint8_t amd_arc[] = { 0x2B, 0x06, 0x01, 0x04, 0x01, 0x9C, 0x78, 0x01 };

#define ASN1_INTEGER_TAG 0x02
#define ASN1_IA5STRING_TAG 0x16

/* The name of an SPL for messages. */
static const char *spl_name(int n)
{
    switch (n) {
    case SNP_SPL_BOOTLOADER: return "blSPL";
    case SNP_SPL_TEE: return "teeSPL";
    case SNP_SPL_SNP: return "snpSPL";
    case SNP_SPL_MICROCODE: return "ucodeSPL";
    case SNP_SPL_FMC: return "fmcSPL";
    default: return "reserved SPL";
    }
}

/*
 * A DER INTEGER 0..255 in its minimal form: 02 01 vv with vv < 0x80, or
 * 02 02 00 vv with vv >= 0x80. Returns the value, or -1.
 */
static int der_small_integer(const uint8_t *p, size_t len)
{
    if (len == 3 && p[0] == ASN1_INTEGER_TAG && p[1] == 1 && p[2] < 0x80)
        return p[2];
    if (len == 4 && p[0] == ASN1_INTEGER_TAG && p[1] == 2 && p[2] == 0 && p[3] >= 0x80)
        return p[3];
    return -1;
}

/* A short, non-empty IA5String of printable ASCII into out (NUL-terminated); 0 if not. */
static int der_ia5string(char *out, size_t cap, const uint8_t *p, size_t len)
{
    if (len < 3 || p[0] != ASN1_IA5STRING_TAG || p[1] >= 0x80 || (size_t)p[1] != len - 2 ||
        len - 2 >= cap)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return 0;
    memcpy(out, p + 2, len - 2);
    out[len - 2] = '\0';
    return 1;
}

static confai_status take_integer(uint8_t *out, const char *name, const char *oid,
                                  const uint8_t *v, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    int value = der_small_integer(v, len);
    ENSURE(value >= 0, CONFAI_E_MALFORMED,
           "endorsement key extension %s (%s) is not a DER INTEGER 0..255", name, oid);
    *out = (uint8_t)value;
out:
    return status;
}

static confai_status take_string(char *out, size_t cap, const char *name, const char *oid,
                                 const uint8_t *v, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(out[0] == '\0', CONFAI_E_MALFORMED,
           "endorsement key extension %s (%s) appears twice", name, oid);
    ENSURE(der_ia5string(out, cap, v, len), CONFAI_E_MALFORMED,
           "endorsement key extension %s (%s) is not a printable IA5String of at most %zu "
           "characters", name, oid, cap - 1);
out:
    return status;
}

static confai_status take_spl(snp_amd_ext *ext, int n, const uint8_t *v, size_t len,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    char oid[32];
    snprintf(oid, sizeof(oid), "1.3.6.1.4.1.3704.1.3.%d", n);
    ENSURE(!(ext->spl_present & (1u << n)), CONFAI_E_MALFORMED,
           "endorsement key extension %s (%s) appears twice", spl_name(n), oid);
    GUARD(take_integer(&ext->spl[n], spl_name(n), oid, v, len, err));
    ext->spl_present |= (uint16_t)(1u << n);
out:
    return status;
}

static confai_status take_hwid(snp_amd_ext *ext, const uint8_t *v, size_t len,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(ext->hwid_len == 0, CONFAI_E_MALFORMED,
           "endorsement key extension hwID (1.3.6.1.4.1.3704.1.4) appears twice");
    ENSURE(len == SNP_HWID_MAX || len == SNP_HWID_TURIN, CONFAI_E_MALFORMED,
           "endorsement key extension hwID (1.3.6.1.4.1.3704.1.4) has %zu bytes, expected "
           "64 (Milan, Genoa) or 8 (Turin)", len);
    memcpy(ext->hwid, v, len);
    ext->hwid_len = len;
out:
    return status;
}

/* One extension whose OID is amd_arc followed by `rest`. */
static confai_status take_amd(snp_amd_ext *ext, const uint8_t *rest, size_t rest_len,
                              const uint8_t *v, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (rest_len == 1 && rest[0] == 1) {
        ENSURE(!ext->has_struct_version, CONFAI_E_MALFORMED,
               "endorsement key extension structVersion (1.3.6.1.4.1.3704.1.1) appears twice");
        GUARD(take_integer(&ext->struct_version, "structVersion", "1.3.6.1.4.1.3704.1.1",
                           v, len, err));
        ext->has_struct_version = 1;
    } else if (rest_len == 1 && rest[0] == 2) {
        GUARD(take_string(ext->product_name, sizeof(ext->product_name), "productName",
                          "1.3.6.1.4.1.3704.1.2", v, len, err));
    } else if (rest_len == 2 && rest[0] == 3 && rest[1] >= 1 && rest[1] <= SNP_SPL_MAX) {
        GUARD(take_spl(ext, rest[1], v, len, err));
    } else if (rest_len == 1 && rest[0] == 4) {
        GUARD(take_hwid(ext, v, len, err));
    } else if (rest_len == 1 && rest[0] == 5) {
        GUARD(take_string(ext->csp_id, sizeof(ext->csp_id), "cspID",
                          "1.3.6.1.4.1.3704.1.5", v, len, err));
    }
    /* Other AMD arcs are not ours to judge: a later KDS may add some. */
out:
    return status;
}

confai_status snp_ext_parse(snp_amd_ext *ext, const X509 *cert, confai_error *err)
{
    confai_status status = CONFAI_OK;
    memset(ext, 0, sizeof(*ext));
    int count = X509_get_ext_count(cert);
    for (int i = 0; i < count; i++) {
        X509_EXTENSION *x = X509_get_ext(cert, i);
        const ASN1_OBJECT *obj = X509_EXTENSION_get_object(x);
        const ASN1_OCTET_STRING *value = X509_EXTENSION_get_data(x);
        const uint8_t *oid = OBJ_get0_data(obj);
        size_t oid_len = OBJ_length(obj);
        if (oid == NULL || oid_len <= sizeof(amd_arc) ||
            memcmp(oid, amd_arc, sizeof(amd_arc)) != 0)
            continue;
        GUARD(take_amd(ext, oid + sizeof(amd_arc), oid_len - sizeof(amd_arc),
                       ASN1_STRING_get0_data(value), (size_t)ASN1_STRING_length(value), err));
    }
out:
    if (status != CONFAI_OK)
        memset(ext, 0, sizeof(*ext));
    return status;
}

confai_status snp_ext_tcb(uint64_t *raw, const snp_amd_ext *ext, snp_product product,
                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const int needed[] = { SNP_SPL_BOOTLOADER, SNP_SPL_TEE, SNP_SPL_SNP,
                                  SNP_SPL_MICROCODE, SNP_SPL_FMC };
    size_t count = product == SNP_PRODUCT_TURIN ? 5 : 4;
    for (size_t i = 0; i < count; i++)
        ENSURE(ext->spl_present & (1u << needed[i]), CONFAI_E_TCB_MISMATCH,
               "the endorsement key has no %s extension (1.3.6.1.4.1.3704.1.3.%d), which "
               "%s TCBs need", spl_name(needed[i]), needed[i], snp_product_name(product));
    snp_tcb tcb = {
        .fmc = product == SNP_PRODUCT_TURIN ? ext->spl[SNP_SPL_FMC] : 0,
        .bootloader = ext->spl[SNP_SPL_BOOTLOADER],
        .tee = ext->spl[SNP_SPL_TEE],
        .snp = ext->spl[SNP_SPL_SNP],
        .microcode = ext->spl[SNP_SPL_MICROCODE],
    };
    *raw = snp_tcb_encode(&tcb, product);
out:
    return status;
}
