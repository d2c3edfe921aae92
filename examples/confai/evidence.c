/*
 * The evidence options of `confai verify` and `confai policy pin`: a bundle,
 * or raw SEV-SNP, TDX and GPU evidence as files, with the values they are
 * checked against (--at, --nonce, --report-data, --gpu-nonce).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>

#include "evidence.h"

const char cli_evidence_help[] =
    "Evidence, either an evidence bundle:\n"
    "  BUNDLE                      the JSON a service returns from /v1/attestation\n"
    "  --nonce HEX                 the 32-byte nonce it must answer (without it the\n"
    "                              bundle's own nonce is taken: no freshness proof)\n"
    "or raw evidence (any combination):\n"
    "  --snp-report FILE           an SEV-SNP report (binary, hex or base64)\n"
    "  --certs FILE                VCEK/VLEK, ASK, ARK as PEM or DER; repeatable,\n"
    "                              leaf first\n"
    "  --tdx-quote FILE            a TDX quote (v4 or v5)\n"
    "  --collateral DIR            tcbinfo.json, qeidentity.json, pckcrl.der,\n"
    "                              rootcrl.der, tcb_issuer_chain.pem,\n"
    "                              pckcrl_issuer_chain.pem (each optional)\n"
    "  --gpu-evidence FILE         NVIDIA SPDM evidence (hex as NVIDIA's tools write it);\n"
    "                              repeatable: each one starts the next GPU\n"
    "  --gpu-certs FILE            that GPU's device chain (PEM or DER), leaf first\n"
    "  --gpu-nonce HEX             the 32-byte nonce that GPU's evidence must answer\n"
    "                              (each GPU: --gpu-evidence, then its --gpu-certs and\n"
    "                              --gpu-nonce in either order, before the next GPU)\n"
    "  --report-data HEX           the 64 bytes the SNP or TDX report data must hold\n"
    "and for both:\n"
    "  --at TIME                   verify at TIME (YYYY-MM-DDTHH:MM:SSZ or seconds\n"
    "                              since 1970) instead of now\n";

static int take(const char **slot, const char *name, const char *value)
{
    if (*slot != NULL) {
        cli_error("usage", "%s given twice", name);
        return -1;
    }
    *slot = value;
    return 1;
}

/*
 * --gpu-certs or --gpu-nonce: the GPU the last --gpu-evidence started.
 * 1 taken, 0 not this option, -1 a usage error (printed).
 */
static int gpu_option(cli_evidence_args *a, int argc, char **argv, int *i, const char *name,
                      size_t offset)
{
    const char *value = NULL;
    int r = cli_option(argc, argv, i, name, &value);
    if (r <= 0)
        return r;
    if (a->gpu_count == 0) {
        cli_error("usage", "%s before any --gpu-evidence: give each GPU as --gpu-evidence "
                           "FILE followed by its --gpu-certs FILE and --gpu-nonce HEX",
                  name);
        return -1;
    }
    cli_gpu_args *g = &a->gpus[a->gpu_count - 1];
    const char **slot = (const char **)((char *)g + offset);
    if (*slot != NULL) {
        cli_error("usage", "%s given twice for GPU %zu (--gpu-evidence %s): each GPU's "
                           "--gpu-certs and --gpu-nonce follow its own --gpu-evidence",
                  name, a->gpu_count, g->evidence);
        return -1;
    }
    *slot = value;
    return 1;
}

int cli_evidence_option(cli_evidence_args *a, int argc, char **argv, int *i)
{
    static const struct {
        const char *name;
        size_t offset;
    } opts[] = {
        { "--snp-report", offsetof(cli_evidence_args, snp_report) },
        { "--tdx-quote", offsetof(cli_evidence_args, tdx_quote) },
        { "--collateral", offsetof(cli_evidence_args, collateral) },
        { "--report-data", offsetof(cli_evidence_args, report_data) },
        { "--nonce", offsetof(cli_evidence_args, nonce) },
        { "--at", offsetof(cli_evidence_args, at) },
    };
    const char *value = NULL;
    int r;

    if ((r = cli_option(argc, argv, i, "--certs", &value)) != 0) {
        if (r < 0)
            return -1;
        if (a->cert_files >= CLI_MAX_CERT_FILES) {
            cli_error("usage", "more than %d --certs", CLI_MAX_CERT_FILES);
            return -1;
        }
        a->certs[a->cert_files++] = value;
        return 1;
    }
    if ((r = cli_option(argc, argv, i, "--gpu-evidence", &value)) != 0) {
        if (r < 0)
            return -1;
        if (a->gpu_count >= CLI_MAX_GPUS) {
            cli_error("usage", "more than %d --gpu-evidence", CLI_MAX_GPUS);
            return -1;
        }
        a->gpus[a->gpu_count++].evidence = value;
        return 1;
    }
    if ((r = gpu_option(a, argc, argv, i, "--gpu-certs", offsetof(cli_gpu_args, certs))) != 0)
        return r;
    if ((r = gpu_option(a, argc, argv, i, "--gpu-nonce", offsetof(cli_gpu_args, nonce))) != 0)
        return r;
    for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
        if ((r = cli_option(argc, argv, i, opts[k].name, &value)) != 0) {
            if (r < 0)
                return -1;
            return take((const char **)((char *)a + opts[k].offset), opts[k].name, value);
        }
    }
    if (argv[*i][0] == '-' && argv[*i][1] != '\0')
        return 0;
    return take(&a->bundle, "BUNDLE", argv[*i]);
}

int cli_evidence_check(const cli_evidence_args *a)
{
    int raw = a->snp_report != NULL || a->tdx_quote != NULL || a->gpu_count > 0;
    if (a->bundle != NULL && raw) {
        cli_error("usage", "give either a BUNDLE or raw evidence, not both");
        return CLI_USAGE;
    }
    if (a->bundle == NULL && !raw) {
        cli_error("usage", "no evidence: give a BUNDLE, --snp-report, --tdx-quote or "
                           "--gpu-evidence");
        return CLI_USAGE;
    }
    if ((a->snp_report != NULL) != (a->cert_files > 0)) {
        cli_error("usage", "--snp-report and --certs go together");
        return CLI_USAGE;
    }
    if (a->collateral != NULL && a->tdx_quote == NULL) {
        cli_error("usage", "--collateral needs --tdx-quote");
        return CLI_USAGE;
    }
    for (size_t g = 0; g < a->gpu_count; g++) {
        if (a->gpus[g].certs == NULL || a->gpus[g].nonce == NULL) {
            cli_error("usage", "GPU %zu (--gpu-evidence %s) needs --gpu-certs and "
                               "--gpu-nonce after it, before the next --gpu-evidence",
                      g + 1, a->gpus[g].evidence);
            return CLI_USAGE;
        }
    }
    if (a->report_data != NULL && a->snp_report == NULL && a->tdx_quote == NULL) {
        cli_error("usage", "--report-data checks an SNP report or a TDX quote");
        return CLI_USAGE;
    }
    if (a->nonce != NULL && a->bundle == NULL) {
        cli_error("usage", "--nonce checks a BUNDLE (raw GPU evidence takes --gpu-nonce)");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* A collateral file: absent is fine, unreadable is not. 1 ok, 0 failed. */
static int read_optional(const char *dir, const char *name, cli_blob *out, int crl)
{
    char path[4096];
    struct stat st;
    int n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        cli_error("input", "collateral path too long");
        return 0;
    }
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 1;
        cli_error("input", "%s: %s", path, strerror(errno));
        return 0;
    }
    return crl ? cli_read_crl(path, out) : cli_read_file(path, out);
}

/*
 * Bytes after the quote that are not zero padding (which the verifier
 * accepts) are no part of the evidence: nothing signs them. They are cut
 * off, with a note.
 */
static void trim_tdx_quote(const char *path, cli_blob *quote)
{
    size_t span = cli_tdx_quote_span(quote->data, quote->len);
    if (span == 0 || span == quote->len)
        return;
    for (size_t i = span; i < quote->len; i++) {
        if (quote->data[i] != 0) {
            fprintf(stderr, "confai: %s: ignoring %zu bytes after the quote\n", path,
                    quote->len - span);
            OPENSSL_cleanse(quote->data + span, quote->len - span);
            quote->len = span;
            return;
        }
    }
}

int cli_evidence_load(cli_evidence *ev, const cli_evidence_args *a)
{
    const char *encoding;
    memset(ev, 0, sizeof(*ev));

    if (a->at != NULL) {
        if (!cli_parse_time(a->at, &ev->at))
            return CLI_USAGE;
    } else {
        ev->at = (int64_t)time(NULL);
    }
    if (a->nonce != NULL) {
        if (!cli_parse_hex_arg("--nonce", a->nonce, ev->nonce, sizeof(ev->nonce)))
            return CLI_USAGE;
        ev->has_nonce = 1;
    }
    if (a->report_data != NULL) {
        if (!cli_parse_hex_arg("--report-data", a->report_data, ev->report_data,
                               sizeof(ev->report_data)))
            return CLI_USAGE;
        ev->has_report_data = 1;
    }
    for (size_t g = 0; g < a->gpu_count; g++)
        if (!cli_parse_hex_arg("--gpu-nonce", a->gpus[g].nonce, ev->gpus[g].nonce,
                               sizeof(ev->gpus[g].nonce)))
            return CLI_USAGE;

    if (a->bundle != NULL && !cli_read_file(a->bundle, &ev->bundle))
        return CLI_IO;
    if (a->snp_report != NULL && !cli_read_decoded(a->snp_report, &ev->snp_report, &encoding))
        return CLI_IO;
    for (size_t i = 0; i < a->cert_files; i++)
        if (!cli_read_certs(a->certs[i], &ev->snp_certs))
            return CLI_IO;
    if (a->tdx_quote != NULL) {
        if (!cli_read_decoded(a->tdx_quote, &ev->tdx_quote, &encoding))
            return CLI_IO;
        trim_tdx_quote(a->tdx_quote, &ev->tdx_quote);
    }
    if (a->collateral != NULL) {
        struct stat st;
        if (stat(a->collateral, &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_error("input", "--collateral %s is not a folder", a->collateral);
            return CLI_IO;
        }
        if (!read_optional(a->collateral, "tcbinfo.json", &ev->tcb_info, 0) ||
            !read_optional(a->collateral, "qeidentity.json", &ev->qe_identity, 0) ||
            !read_optional(a->collateral, "tcb_issuer_chain.pem", &ev->tcb_chain, 0) ||
            !read_optional(a->collateral, "pckcrl.der", &ev->pck_crl, 1) ||
            !read_optional(a->collateral, "rootcrl.der", &ev->root_crl, 1))
            return CLI_IO;
        /*
         * pckcrl_issuer_chain.pem is the PCK CA and root that sign the PCK
         * CRL: the verifier checks the CRL with the PCK chain of the quote
         * itself, so the file only has to be readable if present.
         */
        cli_blob unused = { 0 };
        if (!read_optional(a->collateral, "pckcrl_issuer_chain.pem", &unused, 0))
            return CLI_IO;
        cli_blob_free(&unused);
    }
    for (size_t g = 0; g < a->gpu_count; g++) {
        ev->gpu_count = g + 1;
        if (!cli_read_decoded(a->gpus[g].evidence, &ev->gpus[g].evidence, &encoding) ||
            !cli_read_certs(a->gpus[g].certs, &ev->gpus[g].certs))
            return CLI_IO;
    }
    return CLI_OK;
}

void cli_evidence_free(cli_evidence *ev)
{
    cli_blob *blobs[] = { &ev->bundle,      &ev->snp_report, &ev->tdx_quote, &ev->tcb_info,
                          &ev->qe_identity, &ev->tcb_chain,  &ev->pck_crl,   &ev->root_crl };
    for (size_t i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++)
        cli_blob_free(blobs[i]);
    cli_ders_free(&ev->snp_certs);
    for (size_t g = 0; g < ev->gpu_count; g++) {
        cli_blob_free(&ev->gpus[g].evidence);
        cli_ders_free(&ev->gpus[g].certs);
    }
    ev->gpu_count = 0;
}
