/*
 * Intel TDX evidence: the internal interface between the TDX quote verifier
 * (tdx_quote.c, tdx_collateral.c, tdx_trust.c, tdx_pck.c, tdx_endorsement.c,
 * tdx_cache.c, tdx_crypto.c, tdx_verify.c; tdx_internal.h between them) and
 * the layers above it (bundle, binding, policy, verdict). Pure functions of
 * bytes: no I/O, no globals, the verification time is always an input.
 *
 * Split of work:
 *   tdx_quote_parse       bytes -> fields (quote v4 and v5, TD 1.0 and
 *                         TD 1.5 bodies, ECDSA P-256 signature data with
 *                         certification data type 6 wrapping type 5)
 *   tdx_tcb_info_parse    Intel PCS TCB info v3 (id "TDX") -> levels
 *   tdx_qe_identity_parse Intel PCS QE identity v2 (id "TD_QE") -> levels
 *   tdx_verify            PCK chain to the Intel SGX Root CA (or a custom
 *                         root), CRLs, collateral signatures and validity
 *                         (the endorsement, which a caller-held tdx_cache can
 *                         keep), then quote signature, QE report signature
 *                         and binding, TCB level and QE identity -> TCB
 *                         statuses
 * The policy layer then compares the verified fields with what the user
 * pins, and decides what to do with a TCB status or missing collateral.
 */
#ifndef CONFAI_ATTEST_TDX_H
#define CONFAI_ATTEST_TDX_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define TDX_HEADER_SIZE 48
#define TDX_TD10_BODY_SIZE 584
#define TDX_TD15_BODY_SIZE 648
#define TDX_QE_REPORT_SIZE 384
#define TDX_MAX_QUOTE_SIZE (64 * 1024) /* real quotes are about 5 KiB */

#define TDX_TEE_TYPE 0x81u
#define TDX_ATT_KEY_ECDSA_P256 2u
#define TDX_BODY_TD10 2u /* v5 body type of a TD 1.0 report */
#define TDX_BODY_TD15 3u /* v5 body type of a TD 1.5 report */
#define TDX_CERT_QE_REPORT 6u /* certification data: QE report certification data */
#define TDX_CERT_PCK_CHAIN 5u /* certification data: PCK leaf || CA || root, PEM */

/* The Intel QE vendor id every DCAP quote carries. */
extern const uint8_t tdx_intel_qe_vendor_id[16];

/* tdx_quote_parse flags. */
#define TDX_PARSE_PADDED 0x1u /* the buffer may end in zero bytes after the quote */

/* An SGX report body (here: the quoting enclave's), decoded. */
typedef struct tdx_qe_report {
    uint8_t cpusvn[16];
    uint32_t miscselect;
    uint8_t attributes[16];
    uint8_t mrenclave[32];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    uint16_t isvsvn;
    uint8_t report_data[64];
} tdx_qe_report;

/*
 * Every field of a TDX quote (little-endian on the wire). The two pointers
 * borrow the caller's buffer: valid as long as it is.
 */
typedef struct tdx_quote {
    /* header */
    uint16_t version;           /* 4 or 5 */
    uint16_t att_key_type;      /* 2 = ECDSA P-256 */
    uint32_t tee_type;          /* 0x81 = TDX */
    uint8_t qe_vendor_id[16];
    uint8_t user_data[20];
    /* body */
    uint16_t body_type;         /* TDX_BODY_TD10 or TDX_BODY_TD15 (v4: TD10) */
    uint32_t body_size;         /* 584 or 648 */
    uint8_t tee_tcb_svn[16];
    uint8_t mrseam[48];
    uint8_t mrsignerseam[48];
    uint64_t seam_attributes;
    uint64_t td_attributes;     /* bit 0: debug */
    uint64_t xfam;
    uint8_t mrtd[48];
    uint8_t mrconfigid[48];
    uint8_t mrowner[48];
    uint8_t mrownerconfig[48];
    uint8_t rtmr[4][48];
    uint8_t report_data[64];
    uint8_t tee_tcb_svn2[16];   /* TD 1.5 only; zero otherwise */
    uint8_t mrservicetd[48];    /* TD 1.5 only; zero otherwise */
    /* signature data */
    uint8_t signature[64];      /* r || s, big-endian, over [0, signed_len) */
    uint8_t attestation_key[64]; /* x || y of the P-256 attestation key */
    tdx_qe_report qe_report;
    uint8_t qe_report_raw[TDX_QE_REPORT_SIZE];
    uint8_t qe_signature[64];   /* by the PCK leaf over qe_report_raw */
    const uint8_t *qe_auth_data;
    size_t qe_auth_data_len;
    const uint8_t *pck_chain;   /* PEM text: PCK leaf, PCK CA, root */
    size_t pck_chain_len;
    /* layout */
    size_t signed_len;          /* header (+ v5 body descriptor) + body */
    size_t quote_len;           /* bytes the quote uses of the buffer */
} tdx_quote;

/*
 * Parses a quote. Without TDX_PARSE_PADDED the buffer must be exactly the
 * quote (CONFAI_E_TRAILING_DATA otherwise); with it, bytes after the quote
 * must all be zero (CONFAI_E_TRAILING_DATA otherwise). Rejects short input
 * (CONFAI_E_TRUNCATED), versions other than 4 and 5, other attestation key
 * types, TEE types and certification data types (CONFAI_E_UNSUPPORTED),
 * inconsistent lengths, reserved header bytes that are not zero, a v5 body
 * size that does not match its type (CONFAI_E_MALFORMED) and quotes over
 * TDX_MAX_QUOTE_SIZE (CONFAI_E_LIMIT). On failure *quote is zeroed.
 */
confai_status tdx_quote_parse(tdx_quote *quote, const uint8_t *bytes, size_t len,
                              uint32_t flags, confai_error *err);

/* --- collateral ------------------------------------------------------------- */

typedef enum tdx_tcb_status {
    TDX_TCB_UNKNOWN = 0,         /* not evaluated: the collateral is missing */
    TDX_TCB_UP_TO_DATE = 1,
    TDX_TCB_SW_HARDENING_NEEDED = 2,
    TDX_TCB_CONFIGURATION_NEEDED = 3,
    TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED = 4,
    TDX_TCB_OUT_OF_DATE = 5,
    TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED = 6,
    TDX_TCB_REVOKED = 7,
    TDX_TCB_NOT_SUPPORTED = 8,   /* no TCB level of the collateral matches */
} tdx_tcb_status;

/* Intel's spelling ("UpToDate", ...); "Unknown"/"NotSupported" for 0 and 8. */
const char *tdx_tcb_status_name(tdx_tcb_status status);

#define TDX_MAX_LEVELS 32     /* per list; Intel's lists have fewer than 20 */
#define TDX_MAX_MODULE_IDS 8
#define TDX_MAX_ADVISORIES 32
#define TDX_ADVISORY_SIZE 32 /* "INTEL-SA-01036" and a NUL fit easily */

typedef struct tdx_advisories {
    size_t count;
    char id[TDX_MAX_ADVISORIES][TDX_ADVISORY_SIZE];
} tdx_advisories;

/* One platform TCB level of a TCB info. */
typedef struct tdx_tcb_level {
    uint8_t sgx[16];
    uint16_t pcesvn;
    uint8_t tdx[16];
    int64_t tcb_date;
    tdx_tcb_status status;
    tdx_advisories advisories;
} tdx_tcb_level;

/* One level of a TDX module identity or of a QE identity: an ISV SVN. */
typedef struct tdx_isv_level {
    uint16_t isvsvn;
    int64_t tcb_date;
    tdx_tcb_status status;
    tdx_advisories advisories;
} tdx_isv_level;

typedef struct tdx_module_identity {
    char id[16];                /* "TDX_01": TDX_ and TEE_TCB_SVN[1] in hex */
    uint8_t mrsigner[48];
    uint64_t attributes;
    uint64_t attributes_mask;
    size_t level_count;
    tdx_isv_level *levels;      /* level_count of them */
} tdx_module_identity;

/*
 * A TCB info document (Intel PCS /tdx/certification/v4/tcb, version 3,
 * id "TDX"), parsed strictly (no unknown or duplicate member, every field
 * of its type). signed_span points into the caller's text: the exact bytes
 * of the "tcbInfo" member's value, which Intel signed. The lists are
 * allocated to the length the document gives (at most TDX_MAX_MODULE_IDS
 * and TDX_MAX_LEVELS): at their maximum they would take about 300 KB, which
 * every parse had to clear and every release to wipe.
 */
typedef struct tdx_tcb_info {
    int64_t issue_date;
    int64_t next_update;
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    uint32_t tcb_type;
    uint32_t tcb_eval_num;
    uint8_t module_mrsigner[48];       /* tdxModule */
    uint64_t module_attributes;
    uint64_t module_attributes_mask;
    size_t module_id_count;
    tdx_module_identity *module_ids; /* module_id_count of them */
    size_t level_count;
    tdx_tcb_level *levels;             /* level_count of them */
    const char *signed_span;
    size_t signed_span_len;
    uint8_t signature[64];             /* r || s */
} tdx_tcb_info;

/* A QE identity document (version 2, id "TD_QE"), parsed strictly. */
typedef struct tdx_qe_identity {
    int64_t issue_date;
    int64_t next_update;
    uint32_t tcb_eval_num;
    uint32_t miscselect;
    uint32_t miscselect_mask;
    uint8_t attributes[16];
    uint8_t attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    size_t level_count;
    tdx_isv_level *levels; /* level_count of them */
    const char *signed_span;
    size_t signed_span_len;
    uint8_t signature[64];
} tdx_qe_identity;

/*
 * Parse a PCS response body (json_len bytes, need not be NUL-terminated).
 * *out is allocated (release with tdx_tcb_info_free / tdx_qe_identity_free)
 * and NULL on failure. The signature is NOT checked here (tdx_verify does).
 * Errors: CONFAI_E_COLLATERAL with a message naming the member (not JSON,
 * unknown/duplicate/missing member, wrong type or value, unsupported id or
 * version, the signed value not found exactly once), CONFAI_E_LIMIT,
 * CONFAI_E_NO_MEMORY.
 */
confai_status tdx_tcb_info_parse(tdx_tcb_info **out, const char *json, size_t json_len,
                                 confai_error *err);
void tdx_tcb_info_free(tdx_tcb_info *info);
confai_status tdx_qe_identity_parse(tdx_qe_identity **out, const char *json, size_t json_len,
                                    confai_error *err);
void tdx_qe_identity_free(tdx_qe_identity *identity);

/* --- trust and verification ------------------------------------------------- */

/*
 * Trust anchors for TDX: the built-in Intel SGX Root CA pin (SHA-256 of its
 * SubjectPublicKeyInfo) and any root a policy adds (tests, simulation).
 * Immutable once built; shareable between threads then.
 */
typedef struct tdx_trust tdx_trust;

confai_status tdx_trust_new(tdx_trust **trust, confai_error *err);
/*
 * Adds a custom root (DER, a self-signed CA). Chains ending there verify
 * with root kind TDX_ROOT_CUSTOM. Errors: CONFAI_E_MALFORMED,
 * CONFAI_E_CERT_CHAIN (not a self-signed CA), CONFAI_E_LIMIT.
 */
confai_status tdx_trust_add_root(tdx_trust *trust, const uint8_t *der, size_t der_len,
                                 confai_error *err);
void tdx_trust_free(tdx_trust *trust);

/*
 * A caller-held cache of verified endorsements: a quote's PCK chain with the
 * collateral that came with it, under a trust (see tdx_verify). A few
 * entries, the oldest replaced first. It changes on every verification that
 * uses it: not shared between threads without a lock; never global.
 */
typedef struct tdx_cache tdx_cache;

confai_status tdx_cache_new(tdx_cache **cache, confai_error *err);
void tdx_cache_free(tdx_cache *cache);

/* SHA-256 of the Intel SGX Root CA's SPKI, the built-in pin. */
extern const uint8_t tdx_intel_root_spki_sha256[32];

typedef enum tdx_root_kind {
    TDX_ROOT_VENDOR = 0, /* the pinned Intel SGX Root CA */
    TDX_ROOT_CUSTOM = 1, /* a root the policy added: NOT Intel's */
} tdx_root_kind;

/*
 * Collateral for one verification, all optional (NULL/0 = absent). The two
 * JSON documents are PCS response bodies as received; signing_chain is the
 * TCB-Info-Issuer-Chain header value (PEM: TCB Signing cert, root), which
 * signs both. The CRLs are DER: the PCK CA's CRL and the root CA's CRL.
 */
typedef struct tdx_collateral {
    const char *tcb_info;
    size_t tcb_info_len;
    const char *qe_identity;
    size_t qe_identity_len;
    const char *signing_chain;
    size_t signing_chain_len;
    const uint8_t *pck_crl;
    size_t pck_crl_len;
    const uint8_t *root_crl;
    size_t root_crl_len;
    /*
     * When not 0, the signing chain (not the documents' validity, not the PCK
     * chain) is checked at this time instead of the verification time. Only
     * for replaying archived collateral: Intel kept signing with the key of
     * a TCB Signing certificate whose copy in hand has expired (the vectors'
     * cert ended 2025-05-21, collateral from 2025-10 and 2026-02 verifies with
     * its key). The attestation layer leaves it 0 (doc/policy.md, "TDX
     * collateral and time").
     */
    int64_t signer_time;
    /* More CRLs (DER), e.g. a policy's; each must be issued by a CA of the chains. */
    const uint8_t *const *extra_crls;
    const size_t *extra_crl_lens;
    size_t extra_crl_count;
} tdx_collateral;

/* What the PCK leaf's SGX extensions (OID 1.2.840.113741.1.13.1) say. */
typedef struct tdx_pck_info {
    uint8_t ppid[16];
    uint8_t sgx_tcb[16];        /* SGX TCB comp 01..16 SVNs */
    uint16_t pcesvn;
    uint8_t cpusvn[16];
    uint8_t pce_id[2];
    uint8_t fmspc[6];
    uint32_t sgx_type;          /* 0 standard, 1 scalable, 2 scalable+integrity */
} tdx_pck_info;

/*
 * Extracts the SGX extensions of a PCK certificate (DER). Errors:
 * CONFAI_E_CERT_CHAIN (extension missing, not DER as Intel specifies,
 * members missing or duplicated).
 */
confai_status tdx_pck_info_from_der(tdx_pck_info *info, const uint8_t *der, size_t der_len,
                                    confai_error *err);

/* What a successful tdx_verify proved. */
typedef struct tdx_verified {
    tdx_quote quote;            /* pointers borrow the caller's buffer */
    tdx_root_kind root_kind;
    uint8_t root_spki_sha256[32]; /* SHA-256 of the chain's root SubjectPublicKeyInfo */
    tdx_pck_info pck;
    int64_t not_before;         /* PCK chain validity (intersection) ... */
    int64_t not_after;          /* ... also capped by the collateral's nextUpdate */
    int tcb_info_present;       /* a TCB info for this FMSPC verified */
    int qe_identity_present;    /* a QE identity verified */
    int collateral_missing;     /* either of the two is absent: statuses incomplete */
    uint32_t tcb_eval_num;      /* the lower of the TCB info's and the QE identity's */
    int64_t collateral_issued;  /* the earlier issueDate of the two documents (0: none) */
    /*
     * A supplied CRL covered the PCK leaf (one issued by the PCK CA) and the
     * PCK CA (one issued by the root); OpenSSL then checked its signature
     * and validity and the certificate was not on it.
     */
    int pck_crl_checked;
    int root_crl_checked;
    tdx_tcb_status platform_status; /* the TCB level that matched (SGX + TDX comps) */
    int64_t tcb_date;
    tdx_tcb_status module_status;   /* TDX module identity level (TEE_TCB_SVN[1] > 0) */
    tdx_tcb_status qe_status;       /* QE identity level of the QE's ISVSVN */
    tdx_tcb_status tcb_status;      /* the three converged by Intel's rules */
    /*
     * TD 1.5 bodies carry a second array, TEE_TCB_SVN2: the TDX module the
     * platform runs now (after TD-preserving updates), while TEE_TCB_SVN is
     * the one the TD launched under. tcb_status is evaluated with
     * TEE_TCB_SVN; this with TEE_TCB_SVN2 by the same rules (equal to
     * tcb_status for TD 1.0). A launch status OutOfDate with a current one
     * UpToDate means "relaunch the TD"; the policy layer decides.
     */
    tdx_tcb_status current_tcb_status;
    tdx_advisories advisories;      /* union of the matched levels' advisory ids */
} tdx_verified;

/*
 * Verifies a quote (TDX_PARSE_* flags as for tdx_quote_parse) with optional
 * collateral at verify_time (seconds since the epoch). Checks, each with its
 * own status, in this order:
 *   - the quote parses                             (parse statuses)
 *   - QE vendor id is Intel's                      CONFAI_E_UNSUPPORTED
 * the endorsement (PCK chain and collateral):
 *   - the PEM chain is exactly three canonical certificates, leaf <- CA <-
 *     self-signed root                             CONFAI_E_CERT_CHAIN
 *   - the root is Intel's pinned root or custom    CONFAI_E_UNKNOWN_ROOT
 *   - every certificate valid at verify_time       CONFAI_E_CERT_EXPIRED
 *   - not on a supplied CRL                        CONFAI_E_CERT_REVOKED
 *     (CRL badly signed, stale, unparsable:        CONFAI_E_COLLATERAL)
 *   - collateral parses, its signature verifies with the signing chain to
 *     the same trust anchors, and it is inside [issueDate, nextUpdate]
 *                                                  CONFAI_E_COLLATERAL,
 *                                                  _BAD_SIGNATURE, _CERT_*,
 *                                                  _UNKNOWN_ROOT
 *   - TCB info's FMSPC and PCE id equal the PCK's  CONFAI_E_TCB_MISMATCH
 * the quote:
 *   - QE report signature by the PCK leaf          CONFAI_E_BAD_SIGNATURE
 *   - QE report data == SHA-256(attestation key || QE auth data) || 0^32
 *                                                  CONFAI_E_BINDING
 *   - quote signature by the attestation key       CONFAI_E_BAD_SIGNATURE
 *   - the TDX module identity (MRSIGNERSEAM, masked SEAMATTRIBUTES) is the
 *     one the TCB info names                       CONFAI_E_TCB_MISMATCH
 *   - QE identity: MRSIGNER, ISVPRODID, masked MISCSELECT and ATTRIBUTES
 *     equal the QE report's                        CONFAI_E_TCB_MISMATCH
 * TCB level selection (Intel's rules): the first level whose 16 SGX
 * components and PCE SVN (PCK leaf) and TDX components (TEE_TCB_SVN; indices
 * 0 and 1 skipped when TEE_TCB_SVN[1] > 0 and the TCB info has
 * tdxModuleIdentities: then identity "TDX_%02X" of TEE_TCB_SVN[1] and its
 * first level with ISVSVN <= TEE_TCB_SVN[0] give the module status) are all
 * >= the level's; no such level gives TDX_TCB_NOT_SUPPORTED. A module or QE
 * that is OutOfDate turns UpToDate/SWHardeningNeeded into OutOfDate and
 * ConfigurationNeeded/-AndSWHardeningNeeded into OutOfDateConfigurationNeeded;
 * Revoked wins. Advisory ids are the union over the matched levels.
 * A TCB status (even Revoked or NotSupported) is reported, not rejected:
 * that is the policy's decision. Missing collateral leaves the statuses at
 * TDX_TCB_UNKNOWN and sets collateral_missing. collateral may be NULL.
 *
 * cache may be NULL. With one, the endorsement comes from the cache when it
 * holds one for the same trust, PCK chain bytes and collateral bytes and
 * verify_time lies strictly inside the validity of every certificate, CRL
 * and document it was verified with; the quote checks always run. Only a
 * verification that passes as a whole adds an entry. The result is the same
 * with and without a cache. On failure *out is zeroed.
 */
confai_status tdx_verify(tdx_verified *out, const tdx_trust *trust, tdx_cache *cache,
                         const uint8_t *quote, size_t quote_len, uint32_t parse_flags,
                         const tdx_collateral *collateral, int64_t verify_time,
                         confai_error *err);

#endif /* CONFAI_ATTEST_TDX_H */
