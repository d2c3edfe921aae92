/*
 * The evidence options verify and pin share (evidence.c): raw evidence
 * given as files, or a bundle.
 */
#ifndef CONFAI_CLI_EVIDENCE_H
#define CONFAI_CLI_EVIDENCE_H

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

#endif /* CONFAI_CLI_EVIDENCE_H */
