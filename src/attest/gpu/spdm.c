/*
 * SPDM 1.1 GET_MEASUREMENTS request + MEASUREMENTS response as NVIDIA GPUs
 * produce them (DMTF DSP0274 1.1, section 10.11), with NVIDIA's opaque data.
 *
 * Layout (multi-byte integers little-endian):
 *   request   version(1)=0x11 code(1)=0xE0 param1(1) param2(1) nonce(32) slot(1)
 *   response  version(1)=0x11 code(1)=0x60 param1(1) param2(1) blocks(1)
 *             record_len(3) record(record_len) nonce(32) opaque_len(2)
 *             opaque(opaque_len) signature(96)
 *   block     index(1) spec(1) size(2) measurement(size)
 *   DMTF      value_type(1) value_size(2) value(value_size), size == 3 + value_size
 *   opaque    TLVs: type(2) length(2) value(length), filling opaque_len exactly
 */
#include <string.h>

#include "attest/gpu/nvgpu.h"
#include "core/bytes.h"
#include "core/error.h"

const char *nvgpu_opaque_type_name(uint16_t type)
{
    switch (type) {
    case NVGPU_OPAQUE_CERT_ISSUER_NAME: return "CERT_ISSUER_NAME";
    case NVGPU_OPAQUE_CERT_AUTHORITY_KEY_IDENTIFIER: return "CERT_AUTHORITY_KEY_IDENTIFIER";
    case NVGPU_OPAQUE_DRIVER_VERSION: return "DRIVER_VERSION";
    case NVGPU_OPAQUE_GPU_INFO: return "GPU_INFO";
    case NVGPU_OPAQUE_SKU: return "SKU";
    case NVGPU_OPAQUE_VBIOS_VERSION: return "VBIOS_VERSION";
    case NVGPU_OPAQUE_MANUFACTURER_ID: return "MANUFACTURER_ID";
    case NVGPU_OPAQUE_TAMPER_DETECTION: return "TAMPER_DETECTION";
    case NVGPU_OPAQUE_SMC: return "SMC";
    case NVGPU_OPAQUE_VPR: return "VPR";
    case NVGPU_OPAQUE_NVDEC0_STATUS: return "NVDEC0_STATUS";
    case NVGPU_OPAQUE_MSRSCNT: return "MSRSCNT";
    case NVGPU_OPAQUE_CPRINFO: return "CPRINFO";
    case NVGPU_OPAQUE_BOARD_ID: return "BOARD_ID";
    case NVGPU_OPAQUE_CHIP_SKU: return "CHIP_SKU";
    case NVGPU_OPAQUE_CHIP_SKU_MOD: return "CHIP_SKU_MOD";
    case NVGPU_OPAQUE_PROJECT: return "PROJECT";
    case NVGPU_OPAQUE_PROJECT_SKU: return "PROJECT_SKU";
    case NVGPU_OPAQUE_PROJECT_SKU_MOD: return "PROJECT_SKU_MOD";
    case NVGPU_OPAQUE_FWID: return "FWID";
    case NVGPU_OPAQUE_PROTECTED_PCIE_STATUS: return "PROTECTED_PCIE_STATUS";
    case NVGPU_OPAQUE_SWITCH_PDI: return "SWITCH_PDI";
    case NVGPU_OPAQUE_FLOORSWEPT_PORTS: return "FLOORSWEPT_PORTS";
    case NVGPU_OPAQUE_POSITION_ID: return "POSITION_ID";
    case NVGPU_OPAQUE_LOCK_SWITCH_STATUS: return "LOCK_SWITCH_STATUS";
    case NVGPU_OPAQUE_GPU_LINK_CONN: return "GPU_LINK_CONN";
    case NVGPU_OPAQUE_SYS_ENABLE_STATUS: return "SYS_ENABLE_STATUS";
    case NVGPU_OPAQUE_OPAQUE_DATA_VERSION: return "OPAQUE_DATA_VERSION";
    case NVGPU_OPAQUE_CHIP_INFO: return "CHIP_INFO";
    case NVGPU_OPAQUE_FEATURE_FLAG: return "FEATURE_FLAG";
    case NVGPU_OPAQUE_INVALID: return "INVALID";
    default: return "unknown";
    }
}

const spdm_block *spdm_evidence_block(const spdm_evidence *ev, uint8_t index)
{
    for (size_t i = 0; i < ev->block_count; i++)
        if (ev->blocks[i].index == index)
            return &ev->blocks[i];
    return NULL;
}

const uint8_t *spdm_evidence_opaque(const spdm_evidence *ev, uint16_t type, size_t *len)
{
    for (size_t i = 0; i < ev->opaque_field_count; i++) {
        const spdm_opaque_field *f = &ev->opaque_fields[i];
        if (f->type == type) {
            *len = f->len;
            return ev->opaque + f->offset;
        }
    }
    *len = 0;
    return NULL;
}

/* --- request and response ----------------------------------------------------- */

static confai_status parse_request(spdm_evidence *ev, byte_reader *r, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const uint8_t *p;
    ENSURE(byte_take(r, &p, SPDM_REQUEST_SIZE), CONFAI_E_TRUNCATED,
           "SPDM evidence: %zu bytes, shorter than the %d-byte GET_MEASUREMENTS request",
           r->left, SPDM_REQUEST_SIZE);
    ev->version = p[0];
    ENSURE(p[0] == SPDM_VERSION_1_1, CONFAI_E_UNSUPPORTED,
           "SPDM request: version 0x%02x, only 1.1 (0x11) is supported", p[0]);
    ENSURE(p[1] == SPDM_CODE_GET_MEASUREMENTS, CONFAI_E_MALFORMED,
           "SPDM request: code 0x%02x is not GET_MEASUREMENTS (0xE0)", p[1]);
    ev->request_param1 = p[2];
    ev->request_param2 = p[3];
    ENSURE((p[2] & SPDM_REQ_SIGNATURE) != 0, CONFAI_E_UNSUPPORTED,
           "SPDM request: param1 0x%02x asks for no signature; unsigned measurements "
           "prove nothing", p[2]);
    ENSURE((p[2] & ~SPDM_REQ_SIGNATURE) == 0, CONFAI_E_MALFORMED,
           "SPDM request: reserved bits set in param1 0x%02x", p[2]);
    ENSURE(p[3] != 0x00, CONFAI_E_UNSUPPORTED,
           "SPDM request: param2 0 asks only for the number of blocks");
    memcpy(ev->request_nonce, p + 4, SPDM_NONCE_SIZE);
    ev->slot_id = p[36];
    ENSURE(p[36] <= 7, CONFAI_E_MALFORMED, "SPDM request: slot id %u is over 7", p[36]);
out:
    return status;
}

/* One DMTF-format measurement block; *prev is the previous index (0 at the start). */
static confai_status parse_block(spdm_block *b, byte_reader *r, unsigned *prev, size_t n,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    const uint8_t *p, *m;
    ENSURE(byte_take(r, &p, 4), CONFAI_E_TRUNCATED,
           "SPDM measurement block %zu: header runs past the record", n);
    b->index = p[0];
    b->spec = p[1];
    size_t size = load_le16(p + 2);
    ENSURE(p[0] != 0 && p[0] != 0xFF, CONFAI_E_MALFORMED,
           "SPDM measurement block %zu: index %u is reserved", n, p[0]);
    ENSURE(p[0] > *prev, CONFAI_E_MALFORMED,
           "SPDM measurement block %zu: index %u after index %u (must increase)", n, p[0],
           *prev);
    *prev = p[0];
    ENSURE(p[1] == 0x01, CONFAI_E_UNSUPPORTED,
           "SPDM measurement block %u: specification 0x%02x is not DMTF (0x01)", p[0], p[1]);
    ENSURE(byte_take(r, &m, size), CONFAI_E_TRUNCATED,
           "SPDM measurement block %u: %zu bytes run past the record", p[0], size);
    ENSURE(size >= 3, CONFAI_E_MALFORMED,
           "SPDM measurement block %u: %zu bytes, too short for a DMTF header", p[0], size);
    b->value_type = m[0];
    size_t vlen = load_le16(m + 1);
    ENSURE(vlen + 3 == size, CONFAI_E_MALFORMED,
           "SPDM measurement block %u: DMTF value size %zu disagrees with block size %zu",
           p[0], vlen, size);
    ENSURE(vlen <= SPDM_MAX_VALUE_SIZE, CONFAI_E_LIMIT,
           "SPDM measurement block %u: value of %zu bytes, over %d", p[0], vlen,
           SPDM_MAX_VALUE_SIZE);
    b->value_len = (uint16_t)vlen;
    if (vlen > 0)
        memcpy(b->value, m + 3, vlen);
out:
    return status;
}

static confai_status parse_record(spdm_evidence *ev, const uint8_t *rec, size_t len,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    byte_reader r = { rec, len };
    unsigned prev = 0;
    size_t n = 0;
    while (r.left > 0) {
        ENSURE(n < ev->block_count, CONFAI_E_MALFORMED,
               "SPDM response: more measurement blocks in the record than the %u announced",
               ev->block_count);
        /* indices 1..0xFE strictly increase, so a 255th block cannot be valid */
        ENSURE(n < SPDM_MAX_BLOCKS, CONFAI_E_MALFORMED,
               "SPDM response: more than %d measurement blocks", SPDM_MAX_BLOCKS);
        GUARD(parse_block(&ev->blocks[n], &r, &prev, n, err));
        n++;
    }
    ENSURE(n == ev->block_count, CONFAI_E_MALFORMED,
           "SPDM response: %zu measurement blocks in the record, %u announced", n,
           ev->block_count);
out:
    return status;
}

/* --- opaque data -------------------------------------------------------------- */

/*
 * NVIDIA text: printable ASCII up to the first NUL, only NULs after it
 * (SPDM_QUIRK_NUL_PADDED_STRING); at least one character.
 */
static confai_status decode_text(char *out, size_t cap, const uint8_t *v, size_t len,
                                 spdm_evidence *ev, uint16_t type, confai_error *err)
{
    confai_status status = CONFAI_OK;
    size_t n = 0;
    while (n < len && v[n] != 0)
        n++;
    ENSURE(n > 0, CONFAI_E_MALFORMED, "SPDM opaque %s: empty text",
           nvgpu_opaque_type_name(type));
    ENSURE(n < cap, CONFAI_E_LIMIT, "SPDM opaque %s: text of %zu bytes, over %zu",
           nvgpu_opaque_type_name(type), n, cap - 1);
    for (size_t i = 0; i < n; i++)
        ENSURE(v[i] >= 0x20 && v[i] <= 0x7E, CONFAI_E_MALFORMED,
               "SPDM opaque %s: byte %zu (0x%02x) is not printable ASCII",
               nvgpu_opaque_type_name(type), i, v[i]);
    for (size_t i = n; i < len; i++)
        ENSURE(v[i] == 0, CONFAI_E_MALFORMED,
               "SPDM opaque %s: byte %zu (0x%02x) after the terminating NUL",
               nvgpu_opaque_type_name(type), i, v[i]);
    if (n < len)
        ev->quirks |= SPDM_QUIRK_NUL_PADDED_STRING;
    memcpy(out, v, n);
    out[n] = '\0';
out:
    return status;
}

static const char hexdig[] = "0123456789ABCDEF";

/* VBIOS version: 8 bytes b0..b7 shown as b3.b2.b1.b0.b4 in upper-case hex. */
static confai_status decode_vbios(spdm_evidence *ev, const uint8_t *v, size_t len,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const int order[5] = { 3, 2, 1, 0, 4 };
    ENSURE(len == 8, CONFAI_E_MALFORMED, "SPDM opaque VBIOS_VERSION: %zu bytes, not 8", len);
    char *o = ev->vbios_version;
    for (int i = 0; i < 5; i++) {
        if (i > 0)
            *o++ = '.';
        *o++ = hexdig[v[order[i]] >> 4];
        *o++ = hexdig[v[order[i]] & 15];
    }
    *o = '\0';
out:
    return status;
}

static confai_status decode_field(spdm_evidence *ev, uint16_t type, const uint8_t *v,
                                  size_t len, confai_error *err)
{
    switch (type) {
    case NVGPU_OPAQUE_DRIVER_VERSION:
        return decode_text(ev->driver_version, sizeof(ev->driver_version), v, len, ev, type,
                           err);
    case NVGPU_OPAQUE_VBIOS_VERSION:
        return decode_vbios(ev, v, len, err);
    case NVGPU_OPAQUE_CHIP_SKU:
        return decode_text(ev->chip_sku, sizeof(ev->chip_sku), v, len, ev, type, err);
    case NVGPU_OPAQUE_PROJECT:
        return decode_text(ev->project, sizeof(ev->project), v, len, ev, type, err);
    case NVGPU_OPAQUE_PROJECT_SKU:
        return decode_text(ev->project_sku, sizeof(ev->project_sku), v, len, ev, type, err);
    case NVGPU_OPAQUE_MSRSCNT:
        if (len % 4 != 0)
            return confai_err_set(err, CONFAI_E_MALFORMED,
                                  "SPDM opaque MSRSCNT: %zu bytes, not a multiple of 4", len);
        return CONFAI_OK;
    default:
        return CONFAI_OK; /* kept raw */
    }
}

static confai_status parse_opaque(spdm_evidence *ev, confai_error *err)
{
    confai_status status = CONFAI_OK;
    byte_reader r = { ev->opaque, ev->opaque_len };
    while (r.left > 0) {
        const uint8_t *h, *v;
        size_t at = (size_t)(r.p - ev->opaque);
        ENSURE(byte_take(&r, &h, 4), CONFAI_E_TRUNCATED,
               "SPDM opaque data: field header at byte %zu runs past the opaque data", at);
        uint16_t type = load_le16(h);
        size_t len = load_le16(h + 2);
        ENSURE(byte_take(&r, &v, len), CONFAI_E_TRUNCATED,
               "SPDM opaque data: field %u (%s) of %zu bytes runs past the opaque data", type,
               nvgpu_opaque_type_name(type), len);
        size_t dummy;
        ENSURE(spdm_evidence_opaque(ev, type, &dummy) == NULL, CONFAI_E_MALFORMED,
               "SPDM opaque data: field %u (%s) appears twice", type,
               nvgpu_opaque_type_name(type));
        ENSURE(ev->opaque_field_count < SPDM_MAX_OPAQUE_FIELDS, CONFAI_E_LIMIT,
               "SPDM opaque data: more than %d fields", SPDM_MAX_OPAQUE_FIELDS);
        spdm_opaque_field *f = &ev->opaque_fields[ev->opaque_field_count++];
        f->type = type;
        f->len = (uint16_t)len;
        f->offset = (uint16_t)(v - ev->opaque);
        GUARD(decode_field(ev, type, v, len, err));
    }
out:
    return status;
}

static confai_status parse_response(spdm_evidence *ev, byte_reader *r, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const uint8_t *p, *rec, *nonce, *olen, *opaque, *sig;
    ENSURE(byte_take(r, &p, 8), CONFAI_E_TRUNCATED,
           "SPDM response: the input ends inside the 8-byte header");
    ENSURE(p[0] == ev->version, CONFAI_E_MALFORMED,
           "SPDM response: version 0x%02x differs from the request's 0x%02x", p[0],
           ev->version);
    ENSURE(p[1] == SPDM_CODE_MEASUREMENTS, CONFAI_E_MALFORMED,
           "SPDM response: code 0x%02x is not MEASUREMENTS (0x60)", p[1]);
    ev->response_param1 = p[2];
    ev->response_param2 = p[3];
    ENSURE(p[2] == 0, CONFAI_E_MALFORMED,
           "SPDM response: param1 0x%02x is reserved (0) when blocks are returned", p[2]);
    ENSURE((p[3] & 0xF0) == 0, CONFAI_E_MALFORMED,
           "SPDM response: reserved bits set in param2 0x%02x", p[3]);
    ENSURE((p[3] & 0x0F) == ev->slot_id, CONFAI_E_MALFORMED,
           "SPDM response: slot %u answers a request for slot %u", p[3] & 0x0F, ev->slot_id);
    ev->block_count = p[4];
    ev->record_len = load_le24(p + 5);
    ENSURE(ev->block_count > 0, CONFAI_E_MALFORMED, "SPDM response: no measurement blocks");
    ENSURE(ev->request_param2 == SPDM_REQ_ALL_BLOCKS || ev->block_count == 1,
           CONFAI_E_MALFORMED,
           "SPDM response: %u blocks answer a request for index %u", ev->block_count,
           ev->request_param2);
    ENSURE(byte_take(r, &rec, ev->record_len), CONFAI_E_TRUNCATED,
           "SPDM response: measurement record of %u bytes runs past the input",
           (unsigned)ev->record_len);
    GUARD(parse_record(ev, rec, ev->record_len, err));
    if (ev->request_param2 != SPDM_REQ_ALL_BLOCKS)
        ENSURE(ev->blocks[0].index == ev->request_param2, CONFAI_E_MALFORMED,
               "SPDM response: block %u answers a request for index %u",
               ev->blocks[0].index, ev->request_param2);
    ENSURE(byte_take(r, &nonce, SPDM_NONCE_SIZE), CONFAI_E_TRUNCATED,
           "SPDM response: the input ends inside the responder nonce");
    memcpy(ev->response_nonce, nonce, SPDM_NONCE_SIZE);
    ENSURE(byte_take(r, &olen, 2), CONFAI_E_TRUNCATED,
           "SPDM response: the input ends inside the opaque length");
    ev->opaque_len = load_le16(olen);
    ENSURE(ev->opaque_len <= SPDM_MAX_OPAQUE_SIZE, CONFAI_E_LIMIT,
           "SPDM response: opaque data of %u bytes, over %d", ev->opaque_len,
           SPDM_MAX_OPAQUE_SIZE);
    ENSURE(byte_take(r, &opaque, ev->opaque_len), CONFAI_E_TRUNCATED,
           "SPDM response: opaque data of %u bytes runs past the input", ev->opaque_len);
    memcpy(ev->opaque, opaque, ev->opaque_len);
    GUARD(parse_opaque(ev, err));
    ENSURE(byte_take(r, &sig, SPDM_P384_SIGNATURE_SIZE), CONFAI_E_TRUNCATED,
           "SPDM response: %zu bytes left for the %d-byte signature", r->left,
           SPDM_P384_SIGNATURE_SIZE);
    memcpy(ev->signature, sig, SPDM_P384_SIGNATURE_SIZE);
out:
    return status;
}

confai_status spdm_evidence_parse(spdm_evidence *ev, const uint8_t *bytes, size_t len,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(ev != NULL, "ev");
    memset(ev, 0, sizeof(*ev));
    ENSURE_ARG(bytes != NULL || len == 0, "bytes");
    byte_reader r = { bytes, len };
    GUARD(parse_request(ev, &r, err));
    GUARD(parse_response(ev, &r, err));
    ev->signed_len = len - r.left - SPDM_P384_SIGNATURE_SIZE;
    if (r.left == 1 && r.p[0] == 0x00) {
        /* SPDM_QUIRK_TRAILING_ZERO: see nvgpu.h */
        ev->quirks |= SPDM_QUIRK_TRAILING_ZERO;
    } else {
        ENSURE(r.left == 0, CONFAI_E_TRAILING_DATA,
               "SPDM evidence: %zu bytes after the signature", r.left);
    }
out:
    if (status != CONFAI_OK && ev != NULL)
        memset(ev, 0, sizeof(*ev));
    return status;
}
