/*
 * NVIDIA GPU evidence (H100 and later in confidential-computing mode): the
 * internal interface between the SPDM parser (spdm.c), the GPU verifier
 * (nvgpu.c) and the layers above them (bundle, binding, policy,
 * verdict). Pure functions of bytes: no I/O, no globals.
 *
 * Evidence is what NVIDIA's tools (nvtrust, trustee) hand over per GPU: the
 * SPDM 1.1 GET_MEASUREMENTS request the driver sent followed by the
 * MEASUREMENTS response the GPU returned, and the device certificate chain
 * (leaf "GH100 A01 GSP FMC LF" <- GSP BROM <- Provisioner ICA <- GH100
 * Identity <- NVIDIA Device Identity CA).
 *
 * Split of work:
 *   spdm_evidence_parse     bytes -> fields: request, measurement blocks,
 *                           responder nonce, NVIDIA's opaque-data TLVs decoded
 *   nvgpu_verify            ECDSA P-384 signature by the device leaf, chain to
 *                           the pinned NVIDIA root (or a custom root), request
 *                           nonce == the expected binding value
 *   nvgpu_measurements_check  measurement blocks against a reference set
 *                           (from a RIM or a policy)
 */
#ifndef CONFAI_ATTEST_NVIDIA_GPU_H
#define CONFAI_ATTEST_NVIDIA_GPU_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

/* --- SPDM 1.1 GET_MEASUREMENTS / MEASUREMENTS --------------------------------- */

#define SPDM_VERSION_1_1 0x11
#define SPDM_CODE_GET_MEASUREMENTS 0xE0
#define SPDM_CODE_MEASUREMENTS 0x60
#define SPDM_NONCE_SIZE 32
#define SPDM_REQUEST_SIZE 37         /* header 4, nonce 32, slot id 1 */
#define SPDM_P384_SIGNATURE_SIZE 96  /* r || s, big-endian, 48 bytes each */
#define SPDM_MAX_BLOCKS 254          /* measurement indices 1..0xFE */
#define SPDM_MAX_VALUE_SIZE 64       /* largest digest kept (SHA-512) */
#define SPDM_MAX_OPAQUE_SIZE 1024    /* SPDM 1.1: OpaqueLength <= 1024 */
#define SPDM_MAX_OPAQUE_FIELDS 64

/* Request attribute (param1) bit 0: a signature is requested. */
#define SPDM_REQ_SIGNATURE 0x01
/* Request operation (param2) 0xFF: all measurement blocks. */
#define SPDM_REQ_ALL_BLOCKS 0xFF

/*
 * Quirks of real evidence that the parser accepts, each on exactly the shape
 * named here and recorded in spdm_evidence.quirks (anything else is rejected):
 *
 * SPDM_QUIRK_TRAILING_ZERO: one 0x00 byte after the 96-byte signature. Seen
 *   in trustee's hopper_coco_report1.txt (H100, driver 580.95.05, 4130 bytes).
 *   The byte is not signed and is not part of SPDM; exactly one zero byte is
 *   accepted, a second byte or a non-zero one is CONFAI_E_TRAILING_DATA.
 * SPDM_QUIRK_NUL_PADDED_STRING: NVIDIA's text fields (driver version, chip
 *   SKU, project, project SKU, ...) end in a NUL and may be padded with more
 *   NULs ("882" in 9 bytes). Text is printable ASCII up to the first NUL and
 *   only NULs after it; a field with other bytes after the NUL is malformed.
 */
#define SPDM_QUIRK_TRAILING_ZERO 0x1u
#define SPDM_QUIRK_NUL_PADDED_STRING 0x2u

/* One measurement block with a DMTF-format measurement. */
typedef struct spdm_block {
    uint8_t index;          /* 1..0xFE, strictly increasing in the record */
    uint8_t spec;           /* MeasurementSpecification: 0x01 (DMTF) */
    uint8_t value_type;     /* DMTFSpecMeasurementValueType: bits 0-6 type, bit 7 raw */
    uint16_t value_len;     /* <= SPDM_MAX_VALUE_SIZE */
    uint8_t value[SPDM_MAX_VALUE_SIZE];
} spdm_block;

/*
 * NVIDIA's opaque-data field types (type and length are 16-bit
 * little-endian, then the value), as NVIDIA's verifiers name them.
 */
typedef enum nvgpu_opaque_type {
    NVGPU_OPAQUE_CERT_ISSUER_NAME = 1,
    NVGPU_OPAQUE_CERT_AUTHORITY_KEY_IDENTIFIER = 2,
    NVGPU_OPAQUE_DRIVER_VERSION = 3, /* text, e.g. "550.90.07" */
    NVGPU_OPAQUE_GPU_INFO = 4,
    NVGPU_OPAQUE_SKU = 5,
    NVGPU_OPAQUE_VBIOS_VERSION = 6,  /* 8 bytes b0..b7, shown b3.b2.b1.b0.b4 */
    NVGPU_OPAQUE_MANUFACTURER_ID = 7,
    NVGPU_OPAQUE_TAMPER_DETECTION = 8,
    NVGPU_OPAQUE_SMC = 9,
    NVGPU_OPAQUE_VPR = 10,
    NVGPU_OPAQUE_NVDEC0_STATUS = 11,
    NVGPU_OPAQUE_MSRSCNT = 12,       /* u32 little-endian counts, one per block */
    NVGPU_OPAQUE_CPRINFO = 13,
    NVGPU_OPAQUE_BOARD_ID = 14,
    NVGPU_OPAQUE_CHIP_SKU = 15,      /* text, "882" */
    NVGPU_OPAQUE_CHIP_SKU_MOD = 16,  /* text */
    NVGPU_OPAQUE_PROJECT = 17,       /* text, "1010" */
    NVGPU_OPAQUE_PROJECT_SKU = 18,   /* text, "0200" */
    NVGPU_OPAQUE_PROJECT_SKU_MOD = 19,
    NVGPU_OPAQUE_FWID = 20,          /* 48 bytes */
    NVGPU_OPAQUE_PROTECTED_PCIE_STATUS = 21,
    NVGPU_OPAQUE_SWITCH_PDI = 22,
    NVGPU_OPAQUE_FLOORSWEPT_PORTS = 23,
    NVGPU_OPAQUE_POSITION_ID = 24,
    NVGPU_OPAQUE_LOCK_SWITCH_STATUS = 25,
    NVGPU_OPAQUE_GPU_LINK_CONN = 32,
    NVGPU_OPAQUE_SYS_ENABLE_STATUS = 33,
    NVGPU_OPAQUE_OPAQUE_DATA_VERSION = 34,
    NVGPU_OPAQUE_CHIP_INFO = 35,
    NVGPU_OPAQUE_FEATURE_FLAG = 36,
    NVGPU_OPAQUE_INVALID = 255,
} nvgpu_opaque_type;

/* NVIDIA's name of an opaque field type ("DRIVER_VERSION"); "unknown" else. */
const char *nvgpu_opaque_type_name(uint16_t type);

/* One opaque-data field: its value is opaque[offset, offset + len). */
typedef struct spdm_opaque_field {
    uint16_t type;
    uint16_t len;
    uint16_t offset;
} spdm_opaque_field;

/* Every field of an SPDM 1.1 GET_MEASUREMENTS request + MEASUREMENTS response. */
typedef struct spdm_evidence {
    /* request */
    uint8_t version;              /* 0x11 in request and response */
    uint8_t request_param1;       /* attributes: bit 0 signature requested */
    uint8_t request_param2;       /* operation: 0xFF all blocks, else one index */
    uint8_t request_nonce[SPDM_NONCE_SIZE];
    uint8_t slot_id;              /* 0..7 */
    /* response */
    uint8_t response_param1;
    uint8_t response_param2;      /* bits 0-3: slot id */
    uint8_t block_count;
    uint32_t record_len;          /* MeasurementRecordLength (24-bit) */
    spdm_block blocks[SPDM_MAX_BLOCKS];
    uint8_t response_nonce[SPDM_NONCE_SIZE];
    uint16_t opaque_len;
    uint8_t opaque[SPDM_MAX_OPAQUE_SIZE];
    size_t opaque_field_count;
    spdm_opaque_field opaque_fields[SPDM_MAX_OPAQUE_FIELDS];
    uint8_t signature[SPDM_P384_SIGNATURE_SIZE];
    size_t signed_len;            /* request || response up to the signature */
    unsigned quirks;              /* SPDM_QUIRK_* accepted in this evidence */
    /* NVIDIA's opaque fields decoded; "" when absent */
    char driver_version[64];      /* "550.90.07" */
    char vbios_version[16];       /* "96.00.9F.00.01" */
    char chip_sku[32];
    char project[32];
    char project_sku[32];
} spdm_evidence;

/*
 * Parses request || response as one buffer (the hex-decoded evidence of
 * NVIDIA's tools). Accepted: SPDM 1.1, a request asking for a signature and
 * for all blocks (param2 0xFF) or one index, DMTF-format blocks in strictly
 * increasing index order that fill the record exactly, opaque data of
 * well-formed TLVs (no duplicates; unknown types kept), a 96-byte signature,
 * and the quirks above. Errors: CONFAI_E_TRUNCATED (the input ends inside a
 * field or a length points past it), CONFAI_E_TRAILING_DATA, CONFAI_E_UNSUPPORTED
 * (another SPDM version, no signature requested, a measurement specification
 * other than DMTF), CONFAI_E_LIMIT (a value over SPDM_MAX_VALUE_SIZE, opaque
 * data over SPDM_MAX_OPAQUE_SIZE, more than SPDM_MAX_OPAQUE_FIELDS fields),
 * CONFAI_E_MALFORMED (wrong codes, block count or order, sizes that disagree,
 * duplicate opaque fields, undecodable driver/VBIOS/text fields). On failure
 * *ev is zeroed.
 */
confai_status spdm_evidence_parse(spdm_evidence *ev, const uint8_t *bytes, size_t len,
                                  confai_error *err);

/* The block with this SPDM index, or NULL. */
const spdm_block *spdm_evidence_block(const spdm_evidence *ev, uint8_t index);

/* The value of the opaque field of this type (its length in *len), or NULL. */
const uint8_t *spdm_evidence_opaque(const spdm_evidence *ev, uint16_t type, size_t *len);

/* --- verification ------------------------------------------------------------- */

typedef enum nvgpu_root_kind {
    NVGPU_ROOT_VENDOR = 0, /* the pinned NVIDIA Device Identity CA */
    NVGPU_ROOT_CUSTOM = 1, /* a root the policy added: NOT a vendor root */
} nvgpu_root_kind;

#define NVGPU_MAX_CERTS 8

/*
 * Trust anchors for GPU evidence: the built-in pin (SHA-256 of the SPKI of
 * the NVIDIA Device Identity CA) and custom roots a policy adds (e.g. a
 * simulated GPU's). Immutable once built, shareable between threads then;
 * adding roots needs exclusive access.
 */
typedef struct nvgpu_trust nvgpu_trust;

confai_status nvgpu_trust_new(nvgpu_trust **trust, confai_error *err);
/*
 * Adds a custom root (DER): a self-signed CA whose key is then trusted; the
 * verdict marks chains ending there NVGPU_ROOT_CUSTOM. Adding the same key
 * twice is a no-op. Errors: CONFAI_E_MALFORMED (not one DER certificate),
 * CONFAI_E_CERT_CHAIN (not a self-signed CA), CONFAI_E_NO_MEMORY.
 */
confai_status nvgpu_trust_add_root(nvgpu_trust *trust, const uint8_t *der, size_t der_len,
                                   confai_error *err);
void nvgpu_trust_free(nvgpu_trust *trust);

/* Room for NVIDIA's device ID text, with its NUL. */
#define NVGPU_DEVICE_ID_SIZE 64

/*
 * Who a GPU is, as its verified device leaf says: the leaf's key, and the
 * device's unique ID when the leaf carries one. NVIDIA's leaves (and only
 * theirs) name the device in a subjectAltName otherName of type
 * 1.3.6.1.4.1.412.274.1, a UTF8String "NVIDIA:GH100:48B02D51037534EE"; the
 * ID stays when a firmware update gives the device a new leaf key (the leaf
 * is a DICE certificate of the firmware that runs), so two evidences are
 * one GPU when either the key or the ID is the same.
 */
typedef struct nvgpu_identity {
    uint8_t leaf_spki_sha256[32];           /* SHA-256 of the leaf's SubjectPublicKeyInfo */
    char device_id[NVGPU_DEVICE_ID_SIZE];   /* "" when the leaf names no device */
} nvgpu_identity;

/* 1 when a and b are the same GPU: the same leaf key, or the same device ID. */
int nvgpu_identity_same(const nvgpu_identity *a, const nvgpu_identity *b);

/* What a successful nvgpu_verify proved. */
typedef struct nvgpu_verified {
    spdm_evidence evidence;          /* signed, bound, decoded */
    nvgpu_root_kind root_kind;
    uint8_t root_spki_sha256[32];
    char leaf_subject[160];          /* e.g. "CN=GH100 A01 GSP FMC LF" */
    char root_subject[96];           /* e.g. "CN=NVIDIA Device Identity CA" */
    nvgpu_identity identity;         /* the device leaf's key and device ID */
} nvgpu_verified;

/*
 * Verifies one GPU's evidence. certs[0] is the device leaf (DER), each
 * certificate is issued by the next, and the last is the self-signed root;
 * every certificate sent must be on that path, in that order. Checks, each
 * with its own status:
 *   - the evidence parses                          (parse statuses)
 *   - 2..NVGPU_MAX_CERTS certificates that parse, each issued by the next,
 *     ending in a self-signed CA; the leaf is not a CA, may sign (key usage
 *     digitalSignature) and has a P-384 key        CONFAI_E_CERT_CHAIN
 *   - the root's key is the pinned NVIDIA Device Identity CA or a custom
 *     root                                         CONFAI_E_UNKNOWN_ROOT
 *   - at most one NVIDIA device-ID otherName in the leaf, a UTF8String of 1
 *     to 63 printable ASCII characters             CONFAI_E_CERT_CHAIN
 *   - every certificate valid at verify_time       CONFAI_E_CERT_EXPIRED
 *   - ECDSA P-384 / SHA-384 signature by the leaf over request || response
 *     without the signature                        CONFAI_E_BAD_SIGNATURE
 *   - the request nonce equals expected_nonce (constant time; the caller
 *     passes SHA-256 of the binding transcript)    CONFAI_E_BINDING
 * trust may be NULL: then only the built-in NVIDIA pin is accepted.
 * verify_time is seconds since the epoch (the caller passes time(NULL) or a
 * fixed time). On failure *out is zeroed.
 */
confai_status nvgpu_verify(nvgpu_verified *out, const nvgpu_trust *trust,
                           const uint8_t *evidence, size_t evidence_len,
                           const uint8_t *const *certs, const size_t *cert_lens,
                           size_t cert_count, const uint8_t expected_nonce[SPDM_NONCE_SIZE],
                           int64_t verify_time, confai_error *err);

/*
 * A cache of device chains that verified, held by the caller (the library
 * keeps none): a chain whose exact certificates verified before, under a
 * root that is still pinned (the NVIDIA pin, or a custom root of the trust
 * passed now), and whose certificates are all valid at the verify time is
 * not verified again; only the evidence's signature (with the remembered
 * leaf key) and nonce are. 16 entries, oldest dropped first. Changes during
 * a verification: one thread at a time.
 */
typedef struct nvgpu_chain_cache nvgpu_chain_cache;

confai_status nvgpu_chain_cache_new(nvgpu_chain_cache **cache, confai_error *err);
void nvgpu_chain_cache_free(nvgpu_chain_cache *cache);

/* nvgpu_verify with a cache (NULL: none); the same checks and statuses. */
confai_status nvgpu_verify_cached(nvgpu_verified *out, const nvgpu_trust *trust,
                                  nvgpu_chain_cache *cache, const uint8_t *evidence,
                                  size_t evidence_len, const uint8_t *const *certs,
                                  const size_t *cert_lens, size_t cert_count,
                                  const uint8_t expected_nonce[SPDM_NONCE_SIZE],
                                  int64_t verify_time, confai_error *err);

/* --- reference measurements ---------------------------------------------------- */

/*
 * One entry of a reference set: the accepted values (hex, either case) of one
 * measurement. index is NVIDIA's measurement index as RIMs (SWID tags) and
 * NVIDIA's verifiers number them: the SPDM block index minus one.
 */
typedef struct nvgpu_reference {
    unsigned index;
    const char *const *digests_hex;
    size_t digest_count;
} nvgpu_reference;

/*
 * Compares the evidence's blocks with a reference set. Every entry must have
 * its block present with one of the accepted values (constant-time compare);
 * blocks without an entry are not checked (RIMs list only active indices).
 * Errors: CONFAI_E_POLICY_MEASUREMENT naming the lowest failing index (value
 * not accepted, or block missing), CONFAI_E_POLICY_INVALID (an empty set, an
 * entry without values, an index over 253, duplicate indices, hex that does not
 * decode), CONFAI_E_ARGUMENT.
 */
confai_status nvgpu_measurements_check(const spdm_evidence *ev, const nvgpu_reference *refs,
                                       size_t ref_count, confai_error *err);

#endif /* CONFAI_ATTEST_NVIDIA_GPU_H */
