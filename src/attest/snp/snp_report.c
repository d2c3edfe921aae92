/*
 * The SEV-SNP ATTESTATION_REPORT structure (AMD SEV-SNP Firmware ABI
 * specification, "ATTESTATION_REPORT Structure"): parsing, encoding, and the
 * TCB_VERSION layouts of each product. 1184 bytes, little-endian:
 *
 *   0x000 VERSION u32           0x180 REPORTED_TCB u64
 *   0x004 GUEST_SVN u32         0x188 CPUID_FAM_ID, MOD_ID, STEP (v3+)
 *   0x008 POLICY u64            0x18B reserved
 *   0x010 FAMILY_ID [16]        0x1A0 CHIP_ID [64]
 *   0x020 IMAGE_ID [16]         0x1E0 COMMITTED_TCB u64
 *   0x030 VMPL u32              0x1E8 CURRENT_BUILD, MINOR, MAJOR, reserved
 *   0x034 SIGNATURE_ALGO u32    0x1EC COMMITTED_BUILD, MINOR, MAJOR, reserved
 *   0x038 CURRENT_TCB u64       0x1F0 LAUNCH_TCB u64
 *   0x040 PLATFORM_INFO u64     0x1F8 LAUNCH_MIT_VECTOR u64 (v5)
 *   0x048 FLAGS u32             0x200 CURRENT_MIT_VECTOR u64 (v5)
 *   0x04C reserved u32          0x208 reserved
 *   0x050 REPORT_DATA [64]      0x2A0 SIGNATURE: R [72], S [72], reserved
 *   0x090 MEASUREMENT [48]
 *   0x0C0 HOST_DATA [32]
 *   0x0E0 ID_KEY_DIGEST [48]
 *   0x110 AUTHOR_KEY_DIGEST [48]
 *   0x140 REPORT_ID [32]
 *   0x160 REPORT_ID_MA [32]
 */
#include "attest/snp/snp.h"

#include <string.h>

#include "core/bytes.h"
#include "core/error.h"

#define OFF_VERSION 0x000
#define OFF_GUEST_SVN 0x004
#define OFF_POLICY 0x008
#define OFF_FAMILY_ID 0x010
#define OFF_IMAGE_ID 0x020
#define OFF_VMPL 0x030
#define OFF_SIG_ALGO 0x034
#define OFF_CURRENT_TCB 0x038
#define OFF_PLATFORM_INFO 0x040
#define OFF_FLAGS 0x048
#define OFF_REPORT_DATA 0x050
#define OFF_MEASUREMENT 0x090
#define OFF_HOST_DATA 0x0C0
#define OFF_ID_KEY_DIGEST 0x0E0
#define OFF_AUTHOR_KEY_DIGEST 0x110
#define OFF_REPORT_ID 0x140
#define OFF_REPORT_ID_MA 0x160
#define OFF_REPORTED_TCB 0x180
#define OFF_CPUID 0x188
#define OFF_CHIP_ID 0x1A0
#define OFF_COMMITTED_TCB 0x1E0
#define OFF_CURRENT_VERSION 0x1E8
#define OFF_COMMITTED_VERSION 0x1EC
#define OFF_LAUNCH_TCB 0x1F0
#define OFF_LAUNCH_MIT 0x1F8
#define OFF_CURRENT_MIT 0x200
#define OFF_SIG_R 0x2A0
#define OFF_SIG_S 0x2E8
#define SIG_FIELD 72   /* r and s are 72-byte little-endian fields ... */
#define SIG_SCALAR 48  /* ... of which a P-384 scalar uses the low 48 */
#define OFF_SIG_RESERVED (OFF_SIG_S + SIG_FIELD)

#define SIG_ALGO_ECDSA_P384_SHA384 1
#define SIGNING_KEY_NONE 7
#define POLICY_RESERVED_ONE (1ull << 17) /* "must be one" in every ABI version */
#define MAX_VMPL 3

/* --- products and TCB layouts ------------------------------------------------ */

const char *snp_product_name(snp_product product)
{
    switch (product) {
    case SNP_PRODUCT_MILAN: return "Milan";
    case SNP_PRODUCT_GENOA: return "Genoa";
    case SNP_PRODUCT_TURIN: return "Turin";
    case SNP_PRODUCT_UNKNOWN: break;
    }
    return "unknown";
}

snp_product snp_product_from_cpuid(uint8_t family, uint8_t model)
{
    uint8_t model_high = model >> 4; /* the extended model */
    if (family == 0x19 && model_high == 0x0)
        return SNP_PRODUCT_MILAN;
    if (family == 0x19 && (model_high == 0x1 || model_high == 0xA))
        return SNP_PRODUCT_GENOA;
    if (family == 0x1A && (model_high == 0x0 || model_high == 0x1))
        return SNP_PRODUCT_TURIN;
    return SNP_PRODUCT_UNKNOWN;
}

/* Byte positions of each SPL inside a TCB_VERSION; -1 where absent. */
typedef struct tcb_layout {
    int fmc, bootloader, tee, snp, microcode;
} tcb_layout;

static int tcb_layout_of(snp_product product, tcb_layout *layout)
{
    static const tcb_layout milan_genoa = { -1, 0, 1, 6, 7 };
    static const tcb_layout turin = { 0, 1, 2, 3, 7 };
    switch (product) {
    case SNP_PRODUCT_MILAN:
    case SNP_PRODUCT_GENOA: *layout = milan_genoa; return 1;
    case SNP_PRODUCT_TURIN: *layout = turin; return 1;
    case SNP_PRODUCT_UNKNOWN: break;
    }
    return 0;
}

static uint8_t tcb_byte(uint64_t raw, int pos)
{
    return pos < 0 ? 0 : (uint8_t)(raw >> (8 * pos));
}

static uint64_t tcb_put(uint8_t value, int pos)
{
    return pos < 0 ? 0 : (uint64_t)value << (8 * pos);
}

snp_tcb snp_tcb_decode(uint64_t raw, snp_product product)
{
    snp_tcb tcb = { .raw = raw };
    tcb_layout l;
    if (!tcb_layout_of(product, &l))
        return tcb;
    tcb.fmc = tcb_byte(raw, l.fmc);
    tcb.bootloader = tcb_byte(raw, l.bootloader);
    tcb.tee = tcb_byte(raw, l.tee);
    tcb.snp = tcb_byte(raw, l.snp);
    tcb.microcode = tcb_byte(raw, l.microcode);
    return tcb;
}

uint64_t snp_tcb_encode(const snp_tcb *tcb, snp_product product)
{
    tcb_layout l;
    if (!tcb_layout_of(product, &l))
        return 0;
    return tcb_put(tcb->fmc, l.fmc) | tcb_put(tcb->bootloader, l.bootloader) |
           tcb_put(tcb->tee, l.tee) | tcb_put(tcb->snp, l.snp) |
           tcb_put(tcb->microcode, l.microcode);
}

void snp_report_set_product(snp_report *report, snp_product product)
{
    report->product = product;
    report->current_tcb = snp_tcb_decode(report->current_tcb_raw, product);
    report->reported_tcb = snp_tcb_decode(report->reported_tcb_raw, product);
    report->committed_tcb = snp_tcb_decode(report->committed_tcb_raw, product);
    report->launch_tcb = snp_tcb_decode(report->launch_tcb_raw, product);
}

/* --- parsing --------------------------------------------------------------- */

static int version_supported(uint32_t version)
{
    return version == 2 || version == 3 || version == 5;
}

/* A byte range that must be zero in a given report version. */
typedef struct reserved_range {
    uint16_t from, to; /* [from, to) */
    const char *name;
} reserved_range;

/*
 * The reserved ranges of a version, in report order. CPUID (0x188-0x18A)
 * arrived with v3, the mitigation vectors (0x1F8-0x207) with v5; before that
 * those bytes are reserved too. The signature's tail is not signed, but
 * checking it keeps the accepted encoding unique.
 */
static size_t reserved_ranges(uint32_t version, reserved_range out[6])
{
    size_t n = 0;
    out[n++] = (reserved_range){ 0x04C, 0x050, "reserved bytes after FLAGS" };
    if (version >= 3)
        out[n++] = (reserved_range){ 0x18B, 0x1A0, "reserved bytes after CPUID" };
    else
        out[n++] = (reserved_range){ 0x188, 0x1A0, "reserved bytes after REPORTED_TCB" };
    out[n++] = (reserved_range){ 0x1EB, 0x1EC, "reserved byte after CURRENT_MAJOR" };
    out[n++] = (reserved_range){ 0x1EF, 0x1F0, "reserved byte after COMMITTED_MAJOR" };
    if (version >= 5)
        out[n++] = (reserved_range){ 0x208, 0x2A0, "reserved bytes after CURRENT_MIT_VECTOR" };
    else
        out[n++] = (reserved_range){ 0x1F8, 0x2A0, "reserved bytes after LAUNCH_TCB" };
    out[n++] = (reserved_range){ OFF_SIG_RESERVED, SNP_REPORT_SIZE,
                                 "reserved bytes after the signature's S" };
    return n;
}

static confai_status check_reserved(const uint8_t *b, uint32_t version, confai_error *err)
{
    confai_status status = CONFAI_OK;
    reserved_range ranges[6];
    size_t n = reserved_ranges(version, ranges);
    for (size_t i = 0; i < n; i++)
        for (size_t at = ranges[i].from; at < ranges[i].to; at++)
            ENSURE(b[at] == 0, CONFAI_E_MALFORMED,
                   "SNP report: %s must be zero, byte 0x%03zx is 0x%02x",
                   ranges[i].name, at, b[at]);
out:
    return status;
}

static confai_status check_header(const uint8_t *b, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint32_t version = load_le32(b + OFF_VERSION);
    uint32_t algo = load_le32(b + OFF_SIG_ALGO);
    ENSURE(version_supported(version), CONFAI_E_UNSUPPORTED,
           "SNP report: VERSION %u is not supported (2, 3 and 5 are)", version);
    ENSURE(algo == SIG_ALGO_ECDSA_P384_SHA384, CONFAI_E_UNSUPPORTED,
           "SNP report: SIGNATURE_ALGO %u is not supported (1, ECDSA P-384 with SHA-384, is)",
           algo);
out:
    return status;
}

static confai_status check_flags(uint32_t flags, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint32_t key = (flags >> SNP_FLAG_SIGNING_KEY_SHIFT) & 7;
    ENSURE((flags >> 5) == 0, CONFAI_E_MALFORMED,
           "SNP report: FLAGS 0x%08x has reserved bits 5-31 set", flags);
    ENSURE(key != SIGNING_KEY_NONE, CONFAI_E_UNSUPPORTED,
           "SNP report: FLAGS.SIGNING_KEY is 7: the report is not signed");
    ENSURE(key == SNP_KEY_VCEK || key == SNP_KEY_VLEK, CONFAI_E_MALFORMED,
           "SNP report: FLAGS.SIGNING_KEY %u is reserved (0 VCEK, 1 VLEK)", key);
out:
    return status;
}

/* The top 24 bytes of r and s must be zero: P-384 scalars have 48 bytes. */
static confai_status check_signature_fields(const uint8_t *b, confai_error *err)
{
    confai_status status = CONFAI_OK;
    for (size_t i = SIG_SCALAR; i < SIG_FIELD; i++) {
        ENSURE(b[OFF_SIG_R + i] == 0, CONFAI_E_MALFORMED,
               "SNP report: signature R has a non-zero byte 0x%03zx beyond 48 bytes",
               OFF_SIG_R + i);
        ENSURE(b[OFF_SIG_S + i] == 0, CONFAI_E_MALFORMED,
               "SNP report: signature S has a non-zero byte 0x%03zx beyond 48 bytes",
               OFF_SIG_S + i);
    }
out:
    return status;
}

static confai_status check_values(const snp_report *r, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(r->vmpl <= MAX_VMPL, CONFAI_E_MALFORMED,
           "SNP report: VMPL %u is not 0-3", r->vmpl);
    ENSURE((r->policy & POLICY_RESERVED_ONE) != 0, CONFAI_E_MALFORMED,
           "SNP report: POLICY 0x%016llx has bit 17 clear, which must be one",
           (unsigned long long)r->policy);
out:
    return status;
}

static void decode_fields(snp_report *r, const uint8_t *b)
{
    r->version = load_le32(b + OFF_VERSION);
    r->guest_svn = load_le32(b + OFF_GUEST_SVN);
    r->policy = load_le64(b + OFF_POLICY);
    memcpy(r->family_id, b + OFF_FAMILY_ID, sizeof(r->family_id));
    memcpy(r->image_id, b + OFF_IMAGE_ID, sizeof(r->image_id));
    r->vmpl = load_le32(b + OFF_VMPL);
    r->signature_algo = load_le32(b + OFF_SIG_ALGO);
    r->current_tcb_raw = load_le64(b + OFF_CURRENT_TCB);
    r->platform_info = load_le64(b + OFF_PLATFORM_INFO);
    r->flags = load_le32(b + OFF_FLAGS);
    r->signing_key = (snp_signing_key)((r->flags >> SNP_FLAG_SIGNING_KEY_SHIFT) & 7);
    memcpy(r->report_data, b + OFF_REPORT_DATA, sizeof(r->report_data));
    memcpy(r->measurement, b + OFF_MEASUREMENT, sizeof(r->measurement));
    memcpy(r->host_data, b + OFF_HOST_DATA, sizeof(r->host_data));
    memcpy(r->id_key_digest, b + OFF_ID_KEY_DIGEST, sizeof(r->id_key_digest));
    memcpy(r->author_key_digest, b + OFF_AUTHOR_KEY_DIGEST, sizeof(r->author_key_digest));
    memcpy(r->report_id, b + OFF_REPORT_ID, sizeof(r->report_id));
    memcpy(r->report_id_ma, b + OFF_REPORT_ID_MA, sizeof(r->report_id_ma));
    r->reported_tcb_raw = load_le64(b + OFF_REPORTED_TCB);
    if (r->version >= 3) {
        r->cpuid_fam_id = b[OFF_CPUID];
        r->cpuid_mod_id = b[OFF_CPUID + 1];
        r->cpuid_step = b[OFF_CPUID + 2];
    }
    memcpy(r->chip_id, b + OFF_CHIP_ID, sizeof(r->chip_id));
    r->committed_tcb_raw = load_le64(b + OFF_COMMITTED_TCB);
    r->current_build = b[OFF_CURRENT_VERSION];
    r->current_minor = b[OFF_CURRENT_VERSION + 1];
    r->current_major = b[OFF_CURRENT_VERSION + 2];
    r->committed_build = b[OFF_COMMITTED_VERSION];
    r->committed_minor = b[OFF_COMMITTED_VERSION + 1];
    r->committed_major = b[OFF_COMMITTED_VERSION + 2];
    r->launch_tcb_raw = load_le64(b + OFF_LAUNCH_TCB);
    if (r->version >= 5) {
        r->launch_mit_vector = load_le64(b + OFF_LAUNCH_MIT);
        r->current_mit_vector = load_le64(b + OFF_CURRENT_MIT);
    }
    memcpy(r->signature_r, b + OFF_SIG_R, SIG_FIELD);
    memcpy(r->signature_s, b + OFF_SIG_S, SIG_FIELD);
}

confai_status snp_report_parse(snp_report *report, const uint8_t *bytes, size_t len,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(report != NULL, "report");
    memset(report, 0, sizeof(*report));
    ENSURE_ARG(bytes != NULL || len == 0, "bytes");
    ENSURE(len >= SNP_REPORT_SIZE, CONFAI_E_TRUNCATED,
           "SNP report: %zu bytes, expected %d", len, SNP_REPORT_SIZE);
    ENSURE(len == SNP_REPORT_SIZE, CONFAI_E_TRAILING_DATA,
           "SNP report: %zu bytes, expected %d", len, SNP_REPORT_SIZE);
    GUARD(check_header(bytes, err));
    GUARD(check_reserved(bytes, load_le32(bytes + OFF_VERSION), err));
    GUARD(check_flags(load_le32(bytes + OFF_FLAGS), err));
    GUARD(check_signature_fields(bytes, err));
    decode_fields(report, bytes);
    GUARD(check_values(report, err));
    snp_report_set_product(report,
                           snp_product_from_cpuid(report->cpuid_fam_id, report->cpuid_mod_id));
out:
    if (status != CONFAI_OK && report != NULL)
        memset(report, 0, sizeof(*report));
    return status;
}

/* --- encoding -------------------------------------------------------------- */

void snp_report_encode(uint8_t out[SNP_REPORT_SIZE], const snp_report *r)
{
    memset(out, 0, SNP_REPORT_SIZE);
    uint32_t flags = (r->flags & ~(7u << SNP_FLAG_SIGNING_KEY_SHIFT)) |
                     ((uint32_t)r->signing_key & 7) << SNP_FLAG_SIGNING_KEY_SHIFT;
    store_le32(out + OFF_VERSION, r->version);
    store_le32(out + OFF_GUEST_SVN, r->guest_svn);
    store_le64(out + OFF_POLICY, r->policy);
    memcpy(out + OFF_FAMILY_ID, r->family_id, sizeof(r->family_id));
    memcpy(out + OFF_IMAGE_ID, r->image_id, sizeof(r->image_id));
    store_le32(out + OFF_VMPL, r->vmpl);
    store_le32(out + OFF_SIG_ALGO, r->signature_algo);
    store_le64(out + OFF_CURRENT_TCB, r->current_tcb_raw);
    store_le64(out + OFF_PLATFORM_INFO, r->platform_info);
    store_le32(out + OFF_FLAGS, flags);
    memcpy(out + OFF_REPORT_DATA, r->report_data, sizeof(r->report_data));
    memcpy(out + OFF_MEASUREMENT, r->measurement, sizeof(r->measurement));
    memcpy(out + OFF_HOST_DATA, r->host_data, sizeof(r->host_data));
    memcpy(out + OFF_ID_KEY_DIGEST, r->id_key_digest, sizeof(r->id_key_digest));
    memcpy(out + OFF_AUTHOR_KEY_DIGEST, r->author_key_digest, sizeof(r->author_key_digest));
    memcpy(out + OFF_REPORT_ID, r->report_id, sizeof(r->report_id));
    memcpy(out + OFF_REPORT_ID_MA, r->report_id_ma, sizeof(r->report_id_ma));
    store_le64(out + OFF_REPORTED_TCB, r->reported_tcb_raw);
    if (r->version >= 3) {
        out[OFF_CPUID] = r->cpuid_fam_id;
        out[OFF_CPUID + 1] = r->cpuid_mod_id;
        out[OFF_CPUID + 2] = r->cpuid_step;
    }
    memcpy(out + OFF_CHIP_ID, r->chip_id, sizeof(r->chip_id));
    store_le64(out + OFF_COMMITTED_TCB, r->committed_tcb_raw);
    out[OFF_CURRENT_VERSION] = r->current_build;
    out[OFF_CURRENT_VERSION + 1] = r->current_minor;
    out[OFF_CURRENT_VERSION + 2] = r->current_major;
    out[OFF_COMMITTED_VERSION] = r->committed_build;
    out[OFF_COMMITTED_VERSION + 1] = r->committed_minor;
    out[OFF_COMMITTED_VERSION + 2] = r->committed_major;
    store_le64(out + OFF_LAUNCH_TCB, r->launch_tcb_raw);
    if (r->version >= 5) {
        store_le64(out + OFF_LAUNCH_MIT, r->launch_mit_vector);
        store_le64(out + OFF_CURRENT_MIT, r->current_mit_vector);
    }
    memcpy(out + OFF_SIG_R, r->signature_r, SIG_FIELD);
    memcpy(out + OFF_SIG_S, r->signature_s, SIG_FIELD);
}
