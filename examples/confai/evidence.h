/*
 * The evidence options verify and pin share (evidence.c), and the raw
 * verifiers they run on evidence given as files (raw.c).
 */
#ifndef CONFAI_CLI_EVIDENCE_H
#define CONFAI_CLI_EVIDENCE_H

#include "attest/gpu/nvgpu.h"
#include "attest/policy/policy.h"
#include "attest/snp/snp.h"
#include "attest/tdx/tdx.h"
#include "attest/verdict.h"

#include "cli.h"

/* The options as given. */
typedef struct cli_evidence_args {
    const char *bundle;                         /* positional BUNDLE */
    const char *snp_report;
    const char *certs[CLI_MAX_CERT_FILES];
    size_t cert_files;
    const char *tdx_quote;
    const char *collateral;                     /* a folder */
    const char *gpu_evidence;
    const char *gpu_certs;
    const char *gpu_nonce;                      /* hex */
    const char *report_data;                    /* hex */
    const char *nonce;                          /* hex */
    const char *at;                             /* time */
} cli_evidence_args;

/*
 * Takes argv[*i] if it is an evidence option (or the positional BUNDLE):
 * 1 taken, 0 not an evidence option, -1 a usage error (printed).
 */
int cli_evidence_option(cli_evidence_args *args, int argc, char **argv, int *i);

/* Checks the combination of options; CLI_OK or CLI_USAGE (printed). */
int cli_evidence_check(const cli_evidence_args *args);

/* The evidence options' text, for the --help of verify and pin. */
extern const char cli_evidence_help[];

/* The files read and decoded. Blobs not given are empty. */
typedef struct cli_evidence {
    int64_t at;                                 /* verification time */
    int has_nonce;
    uint8_t nonce[32];
    int has_report_data;
    uint8_t report_data[64];
    cli_blob bundle;
    cli_blob snp_report;
    cli_ders snp_certs;
    cli_blob tdx_quote;
    cli_blob tcb_info, qe_identity, tcb_chain, pck_crl, root_crl;
    cli_blob gpu_evidence;
    cli_ders gpu_certs;
    uint8_t gpu_nonce[32];
} cli_evidence;

/* Reads every file the options name. Returns an exit code (CLI_OK). */
int cli_evidence_load(cli_evidence *ev, const cli_evidence_args *args);
void cli_evidence_free(cli_evidence *ev);

/* --- raw.c ------------------------------------------------------------------ */

/*
 * The SEV-SNP report with its certificates, verified by the library's SNP
 * verifier at ev->at; then, when --report-data was given, REPORT_DATA
 * compared with it (constant time; CONFAI_E_BINDING).
 */
confai_status cli_raw_snp(snp_verified *out, const snp_trust *trust, const cli_evidence *ev,
                          verdict_checks *checks, confai_error *err);

/*
 * The TDX quote with the collateral folder's documents and crls (a
 * policy's tdx.crls; may be NULL), then --report-data.
 */
confai_status cli_raw_tdx(tdx_verified *out, const tdx_trust *trust, const policy_ders *crls,
                          const cli_evidence *ev, verdict_checks *checks, confai_error *err);

/* The GPU evidence with its chain and the expected SPDM nonce (--gpu-nonce). */
confai_status cli_raw_gpu(nvgpu_verified *out, const nvgpu_trust *trust,
                          const cli_evidence *ev, verdict_checks *checks, confai_error *err);

/* The verified evidence as the "evidence" members of a result. */
int cli_raw_describe_snp(cJSON *out, const snp_verified *v);
int cli_raw_describe_tdx(cJSON *out, const tdx_verified *v);
int cli_raw_describe_gpu(cJSON *out, const nvgpu_verified *v);

/* Adds the checks and waived lists. */
int cli_add_checks(cJSON *out, const verdict_checks *checks);

#endif /* CONFAI_CLI_EVIDENCE_H */
