/*
 * confai inspect [--json] FILE: finds out what a file holds (an SEV-SNP
 * report, a TDX quote, NVIDIA SPDM evidence, an evidence bundle or an OHTTP
 * KeyConfig; raw bytes, hex or base64) and prints its decoded fields.
 * Nothing is verified here: that is `confai verify`.
 */
#include <stdio.h>
#include <string.h>

#include "describe.h"

static const char inspect_usage[] =
    "usage: confai inspect [--json] FILE\n"
    "\n"
    "Detects what FILE holds and prints its decoded fields:\n"
    "  an SEV-SNP attestation report (1184 bytes), a TDX quote (v4, v5),\n"
    "  NVIDIA SPDM GET_MEASUREMENTS evidence, an evidence bundle (JSON),\n"
    "  or an OHTTP KeyConfig (RFC 9458).\n"
    "Binary files, hex text and base64 text are accepted; FILE '-' is stdin.\n"
    "Nothing is verified: use 'confai verify' for that.\n"
    "\n"
    "  --json   print JSON instead of text\n"
    "\n"
    "Exit: 0 decoded, 1 the file is of a known kind but malformed,\n"
    "      2 usage, 3 unreadable or of no known kind.\n";

static int starts_json(const cli_blob *b)
{
    for (size_t i = 0; i < b->len; i++) {
        uint8_t c = b->data[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        return c == '{';
    }
    return 0;
}

/* The size of every SEV-SNP attestation report. */
#define SNP_REPORT_SIZE 1184

static cJSON *out_of_memory(int *exit_code)
{
    *exit_code = CLI_INTERNAL;
    cli_error("inspect", "out of memory");
    return NULL;
}

/*
 * Tries each kind; *out is the description, or NULL with *exit_code and a
 * message printed.
 */
static cJSON *detect(const cli_blob *bytes, const char *path, int *exit_code)
{
    confai_error err = { 0 };
    cJSON *o;
    *exit_code = CLI_INTERNAL;

    if (starts_json(bytes)) {
        o = describe_evidence(CONFAI_EVIDENCE_BUNDLE, bytes->data, bytes->len, &err);
        if (o == NULL && err.status == CONFAI_E_NO_MEMORY)
            return out_of_memory(exit_code);
        if (o == NULL) {
            *exit_code = CLI_REJECTED;
            cli_fail_status(path, &err);
        }
        return o;
    }

    if (bytes->len == SNP_REPORT_SIZE) {
        o = describe_evidence(CONFAI_EVIDENCE_SEV_SNP_REPORT, bytes->data, bytes->len, &err);
        if (o == NULL && err.status == CONFAI_E_NO_MEMORY)
            return out_of_memory(exit_code);
        if (o == NULL) {
            *exit_code = CLI_REJECTED;
            cli_error(path, "1184 bytes, the size of an SEV-SNP report, but: %s: %s",
                      confai_status_name(err.status), err.message);
        }
        return o;
    }

    confai_error tdx_err = { 0 };
    o = describe_evidence(CONFAI_EVIDENCE_TDX_QUOTE, bytes->data, bytes->len, &tdx_err);
    if (o != NULL || tdx_err.status == CONFAI_E_NO_MEMORY)
        return o != NULL ? o : out_of_memory(exit_code);

    confai_error spdm_err = { 0 };
    o = describe_evidence(CONFAI_EVIDENCE_NVIDIA_SPDM, bytes->data, bytes->len, &spdm_err);
    if (o != NULL || spdm_err.status == CONFAI_E_NO_MEMORY)
        return o != NULL ? o : out_of_memory(exit_code);

    confai_key_config *kc = NULL;
    confai_error kc_err = { 0 };
    if (confai_key_config_parse(&kc, bytes->data, bytes->len, &kc_err) == CONFAI_OK) {
        o = describe_key_config(kc);
        confai_key_config_free(kc);
        return o != NULL ? o : out_of_memory(exit_code);
    }

    /* Say what each reader objected to: the user can tell which was meant. */
    *exit_code = CLI_IO;
    cli_error(path, "%zu bytes of no known kind", bytes->len);
    fprintf(stderr, "  sev-snp report: not 1184 bytes\n");
    fprintf(stderr, "  tdx quote: %s: %s\n", confai_status_name(tdx_err.status), tdx_err.message);
    fprintf(stderr, "  nvidia spdm evidence: %s: %s\n", confai_status_name(spdm_err.status),
            spdm_err.message);
    fprintf(stderr, "  ohttp key config: %s: %s\n", confai_status_name(kc_err.status),
            kc_err.message);
    return NULL;
}

int cli_inspect(int argc, char **argv)
{
    int json = 0;
    const char *path = NULL;

    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(inspect_usage, stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("usage", "inspect: unknown option %s", argv[i]);
            fputs(inspect_usage, stderr);
            return CLI_USAGE;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            cli_error("usage", "inspect: one FILE only");
            return CLI_USAGE;
        }
    }
    if (path == NULL) {
        fputs(inspect_usage, stderr);
        return CLI_USAGE;
    }

    cli_blob bytes;
    const char *encoding;
    int rc;
    if (!cli_read_decoded(path, &bytes, &encoding))
        return CLI_IO;
    cJSON *o = detect(&bytes, path, &rc);
    if (o != NULL) {
        if (cJSON_AddStringToObject(o, "encoding", encoding) == NULL ||
            cJSON_AddNumberToObject(o, "size", (double)bytes.len) == NULL) {
            cli_error("inspect", "out of memory");
            rc = CLI_INTERNAL;
        } else {
            rc = cli_print_json(o, json);
        }
        cJSON_Delete(o);
    }
    cli_blob_free(&bytes);
    return rc;
}
