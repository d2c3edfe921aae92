/*
 * The evidence options verify and pin share (evidence.c): raw evidence
 * given as files, or a bundle.
 */
#ifndef CONFAI_CLI_EVIDENCE_H
#define CONFAI_CLI_EVIDENCE_H

#include "cli.h"

/* GPUs one call takes raw evidence of (the policy's max_count is 16). */
#define CLI_MAX_GPUS 16

/*
 * One GPU's raw evidence options: --gpu-evidence starts a GPU; the
 * --gpu-certs and --gpu-nonce after it, before the next --gpu-evidence,
 * are that GPU's.
 */
typedef struct cli_gpu_args {
    const char *evidence;
    const char *certs;
    const char *nonce;                          /* hex */
} cli_gpu_args;

/* The options as given. */
typedef struct cli_evidence_args {
    const char *bundle;                         /* positional BUNDLE */
    const char *snp_report;
    const char *certs[CLI_MAX_CERT_FILES];
    size_t cert_files;
    const char *tdx_quote;
    const char *collateral;                     /* a folder */
    cli_gpu_args gpus[CLI_MAX_GPUS];
    size_t gpu_count;
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

/* One GPU's evidence, read and decoded. */
typedef struct cli_gpu {
    cli_blob evidence;
    cli_ders certs;
    uint8_t nonce[32];
} cli_gpu;

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
    cli_gpu gpus[CLI_MAX_GPUS];
    size_t gpu_count;
} cli_evidence;

/* Reads every file the options name. Returns an exit code (CLI_OK). */
int cli_evidence_load(cli_evidence *ev, const cli_evidence_args *args);
void cli_evidence_free(cli_evidence *ev);

#endif /* CONFAI_CLI_EVIDENCE_H */
