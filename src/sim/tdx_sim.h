/*
 * A TDX quote signer for tests and benchmarks: a test PCK hierarchy made with
 * OpenSSL (root CA -> PCK CA -> PCK leaf with Intel's SGX extensions, a TCB
 * Signing certificate under the same root, a P-256 attestation key) that
 * signs real-format quotes (v4 with a TD 1.0 body, v5 with a TD 1.5 body)
 * over any body fields, and Intel-format collateral (TCB info v3 "TDX", QE
 * identity v2 "TD_QE", CRLs) for it. The verifier under test runs its
 * production code on these bytes; only the root differs (a custom root).
 *
 * The certificates keep Intel's common names (Intel SGX Root CA, Intel SGX
 * PCK Platform CA, Intel SGX PCK Certificate, Intel SGX TCB Signing), so a
 * PCS client picks the PCK CRL of the Platform CA exactly as for real
 * hardware; their organization TDX_SIM_ORGANIZATION names the simulation
 * and shows in a verdict's custom-root warning.
 *
 * Functions return 0 on success and -1 on failure; nothing is printed.
 */
#ifndef CONFAI_SIM_TDX_SIM_H
#define CONFAI_SIM_TDX_SIM_H

#include <stddef.h>
#include <stdint.h>

/* The organization (O) of every certificate: it shows in root warnings. */
#define TDX_SIM_ORGANIZATION "confai simulated platform (not Intel)"

/* The FMSPC of the PCK certificate, the one the TCB info states (hex). */
#define TDX_SIM_FMSPC "123456000000"

typedef struct tdx_sim tdx_sim;

/* The signed fields of a quote (multi-byte integers as in the quote, LE). */
typedef struct tdx_sim_body {
    int version;                 /* 4: TD 1.0 body; 5: TD 1.5 body (type 3) */
    uint8_t tee_tcb_svn[16];
    uint8_t mrseam[48];
    uint8_t mrsignerseam[48];
    uint64_t seam_attributes;
    uint64_t td_attributes;
    uint64_t xfam;
    uint8_t mrtd[48];
    uint8_t mrconfigid[48];
    uint8_t mrowner[48];
    uint8_t mrownerconfig[48];
    uint8_t rtmr[4][48];
    uint8_t report_data[64];
    uint8_t tee_tcb_svn2[16];    /* version 5 only */
    uint8_t mrservicetd[48];     /* version 5 only */
} tdx_sim_body;

/* What the collateral says; tdx_sim_collateral_default gives UpToDate. */
typedef struct tdx_sim_collateral {
    const char *status;          /* TCB status of the level the default body matches */
    const char *advisory;        /* an advisory id of that level, or NULL */
    const char *qe_status;       /* the QE identity level's status */
    uint32_t tcb_eval_num;       /* both documents */
    int64_t issue_date;          /* both documents */
    int64_t next_update;
} tdx_sim_collateral;

/* Hierarchy with certificates valid from now - 1 year to now + 5 years. */
int tdx_sim_new(tdx_sim **signer, int64_t now);

/* The same with the PCK CA named pck_ca_cn (tdx_sim_new: Intel SGX PCK Platform CA). */
int tdx_sim_new_named(tdx_sim **signer, int64_t now, const char *pck_ca_cn);
void tdx_sim_free(tdx_sim *signer);

/*
 * TEE_TCB_SVN 03 00 05 (and TEE_TCB_SVN2 the same), MRSIGNERSEAM zero (the
 * collateral's tdxModule), XFAM e7 18 06 00 00 00 00 00, TDATTRIBUTES
 * 00 00 00 10 00 00 00 00 (SEPT_VE_DISABLE), MRTD 0xAA.., RTMRi 0xB0+i..,
 * MRSEAM 0xCC.., MRCONFIGID/MROWNER/MROWNERCONFIG 0x01/0x02/0x03..,
 * REPORTDATA zero.
 */
void tdx_sim_body_default(tdx_sim_body *body, int version);

/* now - 1 day issued, now + 29 days next update, eval 17, UpToDate. */
void tdx_sim_collateral_default(tdx_sim_collateral *c, int64_t now);

/* A signed quote of body into out (cap bytes); *len its size. */
int tdx_sim_quote(const tdx_sim *signer, const tdx_sim_body *body, uint8_t *out,
                     size_t cap, size_t *len);

/* TCB info and QE identity response bodies, NUL-terminated; *len without the NUL. */
int tdx_sim_tcb_info(const tdx_sim *signer, const tdx_sim_collateral *c, char *out,
                        size_t cap, size_t *len);
int tdx_sim_qe_identity(const tdx_sim *signer, const tdx_sim_collateral *c, char *out,
                           size_t cap, size_t *len);

/* The TCB-Info-Issuer-Chain: TCB Signing certificate, root (PEM). */
int tdx_sim_signing_chain(const tdx_sim *signer, char *out, size_t cap, size_t *len);

/* The SGX-PCK-CRL-Issuer-Chain: PCK Platform CA, root (PEM). */
int tdx_sim_pck_crl_chain(const tdx_sim *signer, char *out, size_t cap, size_t *len);

/*
 * A DER CRL of the PCK CA (issuer_is_root 0) or of the root (1), valid
 * [this_update, next_update]; revoke: list the PCK leaf (CA's CRL) or the
 * PCK CA (root's CRL).
 */
int tdx_sim_crl(const tdx_sim *signer, int issuer_is_root, int revoke, int64_t this_update,
                   int64_t next_update, uint8_t *out, size_t cap, size_t *len);

/* The root certificate as DER (borrowed) and as PEM (malloc'd, NUL-terminated). */
const uint8_t *tdx_sim_root_der(const tdx_sim *signer, size_t *len);
char *tdx_sim_root_pem(const tdx_sim *signer);

#endif /* CONFAI_SIM_TDX_SIM_H */
