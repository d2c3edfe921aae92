/*
 * confai inspect [--json] FILE: finds out what a file holds (an SEV-SNP
 * report, a TDX quote, NVIDIA SPDM evidence, an evidence bundle or an OHTTP
 * KeyConfig; raw bytes, hex or base64) and prints its decoded fields.
 * Nothing is verified here: that is `confai verify`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/binding.h"
#include "attest/bundle.h"

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

/* Adds a described object (or records that memory ran out). */
static int attach(cJSON *parent, const char *name, cJSON *child)
{
    if (child == NULL)
        return 0;
    if (!cJSON_AddItemToObject(parent, name, child)) {
        cJSON_Delete(child);
        return 0;
    }
    return 1;
}

static cJSON *certs_array(const bundle_blob *certs, size_t count)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < count; i++) {
        cJSON *c = describe_cert(certs[i].data, certs[i].len);
        if (c == NULL || !cJSON_AddItemToArray(a, c)) {
            cJSON_Delete(c);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static int printable_text(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f)
            return 0;
    return 1;
}

/* A parse failure as a JSON member, so the rest still shows. */
static int add_error(cJSON *o, const char *name, const confai_error *err)
{
    char text[CONFAI_ERROR_MESSAGE_SIZE + 64];
    snprintf(text, sizeof(text), "%s: %s", confai_status_name(err->status), err->message);
    return cJSON_AddStringToObject(o, name, text) != NULL;
}

static int describe_bundle_cpu(cJSON *o, const bundle *b)
{
    cJSON *cpu = cJSON_AddObjectToObject(o, "cpu");
    confai_error err = { 0 };
    if (cpu == NULL)
        return 0;
    if (b->cpu.type == BUNDLE_CPU_SEV_SNP) {
        snp_report r;
        if (cJSON_AddStringToObject(cpu, "type", "sev-snp") == NULL)
            return 0;
        if (snp_report_parse(&r, b->cpu.report.data, b->cpu.report.len, &err) == CONFAI_OK) {
            if (!attach(cpu, "report", describe_snp_report(&r)))
                return 0;
        } else if (!add_error(cpu, "report_error", &err)) {
            return 0;
        }
        return attach(cpu, "certs", certs_array(b->cpu.certs, b->cpu.cert_count));
    }
    tdx_quote q;
    if (cJSON_AddStringToObject(cpu, "type", "tdx") == NULL)
        return 0;
    if (tdx_quote_parse(&q, b->cpu.quote.data, b->cpu.quote.len, TDX_PARSE_PADDED, &err) ==
        CONFAI_OK) {
        if (!attach(cpu, "quote", describe_tdx_quote(&q)))
            return 0;
    } else if (!add_error(cpu, "quote_error", &err)) {
        return 0;
    }
    cJSON *coll = cJSON_AddArrayToObject(cpu, "collateral");
    if (coll == NULL)
        return 0;
    for (int i = 0; i < BUNDLE_TDX_COLLATERAL_COUNT; i++) {
        if (b->cpu.collateral[i].len == 0)
            continue;
        cJSON *s = cJSON_CreateString(bundle_tdx_collateral_name((bundle_tdx_collateral)i));
        if (s == NULL || !cJSON_AddItemToArray(coll, s)) {
            cJSON_Delete(s);
            return 0;
        }
    }
    return 1;
}

static int describe_bundle_gpus(cJSON *o, const bundle *b)
{
    cJSON *gpus = cJSON_AddArrayToObject(o, "gpus");
    if (gpus == NULL)
        return 0;
    for (size_t i = 0; i < b->gpu_count; i++) {
        cJSON *g = cJSON_CreateObject();
        confai_error err = { 0 };
        if (g == NULL || !cJSON_AddItemToArray(gpus, g)) {
            cJSON_Delete(g);
            return 0;
        }
        spdm_evidence *ev = malloc(sizeof(*ev));
        if (ev == NULL)
            return 0;
        int ok;
        if (spdm_evidence_parse(ev, b->gpus[i].evidence.data, b->gpus[i].evidence.len, &err) ==
            CONFAI_OK)
            ok = attach(g, "evidence", describe_spdm(ev));
        else
            ok = add_error(g, "evidence_error", &err);
        free(ev);
        if (!ok || !attach(g, "certs", certs_array(b->gpus[i].certs, b->gpus[i].cert_count)))
            return 0;
    }
    return 1;
}

/* The binding values the bundle's members give (doc/protocol.md, section 4). */
static int describe_binding(cJSON *o, const bundle *b)
{
    binding_inputs in = { b->nonce,         BUNDLE_NONCE_SIZE, b->key_config.data,
                          b->key_config.len, b->manifest.data, b->manifest.len,
                          b->not_after,     RFC3339_LEN };
    uint8_t report_data[64], gpu_nonce[32];
    confai_error err = { 0 };
    cJSON *bind = cJSON_AddObjectToObject(o, "binding");
    if (bind == NULL)
        return 0;
    if (binding_report_data(report_data, &in, &err) != CONFAI_OK ||
        binding_gpu_nonce(gpu_nonce, &in, &err) != CONFAI_OK)
        return add_error(bind, "error", &err);
    if (!cli_add_hex(bind, "expected_report_data", report_data, sizeof(report_data)) ||
        !cli_add_hex(bind, "expected_gpu_nonce", gpu_nonce, sizeof(gpu_nonce)))
        return 0;
    if (b->cpu.type == BUNDLE_CPU_SEV_SNP && b->cpu.report.len == SNP_REPORT_SIZE) {
        /* REPORT_DATA sits at 0x50 in every report version */
        int match = memcmp(b->cpu.report.data + 0x50, report_data, 64) == 0;
        if (cJSON_AddBoolToObject(bind, "report_data_matches", match) == NULL)
            return 0;
    }
    return cJSON_AddStringToObject(bind, "note",
                                   "decoded only; 'confai verify' checks signatures") != NULL;
}

static cJSON *describe_bundle(const bundle *b)
{
    cJSON *o = cJSON_CreateObject();
    confai_key_config *kc = NULL;
    confai_error err = { 0 };
    uint8_t digest[32];
    unsigned int dlen = 0;
    int ok = o != NULL;

    ok = ok && cJSON_AddStringToObject(o, "kind", "evidence bundle") != NULL;
    ok = ok && cJSON_AddNumberToObject(o, "version", b->version) != NULL;
    ok = ok && cli_add_hex(o, "nonce", b->nonce, sizeof(b->nonce));
    ok = ok && cJSON_AddStringToObject(o, "not_after", b->not_after) != NULL;
    if (ok && confai_key_config_parse(&kc, b->key_config.data, b->key_config.len, &err) ==
                  CONFAI_OK)
        ok = attach(o, "key_config", describe_key_config(kc));
    else if (ok)
        ok = add_error(o, "key_config_error", &err);
    confai_key_config_free(kc);
    cJSON *m = ok ? cJSON_AddObjectToObject(o, "manifest") : NULL;
    ok = m != NULL;
    ok = ok && cJSON_AddNumberToObject(m, "size", (double)b->manifest.len) != NULL;
    ok = ok && EVP_Digest(b->manifest.len ? b->manifest.data : (const uint8_t *)"",
                          b->manifest.len, digest, &dlen, EVP_sha256(), NULL) == 1;
    ok = ok && cli_add_hex(m, "sha256", digest, sizeof(digest));
    if (ok && b->manifest.len > 0 && b->manifest.len <= 4096 &&
        printable_text(b->manifest.data, b->manifest.len)) {
        char *text = malloc(b->manifest.len + 1);
        ok = text != NULL;
        if (ok) {
            memcpy(text, b->manifest.data, b->manifest.len);
            text[b->manifest.len] = '\0';
            ok = cJSON_AddStringToObject(m, "text", text) != NULL;
            free(text);
        }
    }
    ok = ok && describe_bundle_cpu(o, b);
    ok = ok && describe_bundle_gpus(o, b);
    ok = ok && cJSON_AddNumberToObject(o, "tokens", (double)b->token_count) != NULL;
    ok = ok && describe_binding(o, b);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

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

/*
 * Tries each kind; *out is the description, or NULL with *exit_code and a
 * message printed.
 */
static cJSON *detect(const cli_blob *bytes, const char *path, int *exit_code)
{
    confai_error err = { 0 };
    *exit_code = CLI_INTERNAL;

    if (starts_json(bytes)) {
        bundle b;
        memset(&b, 0, sizeof(b));
        confai_status st = bundle_parse(&b, (const char *)bytes->data, bytes->len, 1, &err);
        if (st != CONFAI_OK) {
            confai_error strict = err;
            memset(&err, 0, sizeof(err));
            if (bundle_parse(&b, (const char *)bytes->data, bytes->len, 0, &err) != CONFAI_OK) {
                *exit_code = CLI_REJECTED;
                cli_fail_status(path, &strict);
                return NULL;
            }
            cJSON *o = describe_bundle(&b);
            bundle_clear(&b);
            if (o != NULL && !add_error(o, "strict_parse", &strict)) {
                cJSON_Delete(o);
                o = NULL;
            }
            if (o == NULL)
                cli_error("inspect", "out of memory");
            return o;
        }
        cJSON *o = describe_bundle(&b);
        bundle_clear(&b);
        if (o == NULL)
            cli_error("inspect", "out of memory");
        return o;
    }

    if (bytes->len == SNP_REPORT_SIZE) {
        snp_report r;
        if (snp_report_parse(&r, bytes->data, bytes->len, &err) != CONFAI_OK) {
            *exit_code = CLI_REJECTED;
            cli_error(path, "1184 bytes, the size of an SEV-SNP report, but: %s: %s",
                      confai_status_name(err.status), err.message);
            return NULL;
        }
        cJSON *o = describe_snp_report(&r);
        if (o == NULL)
            cli_error("inspect", "out of memory");
        return o;
    }

    tdx_quote q;
    confai_error tdx_err = { 0 };
    size_t span = cli_tdx_quote_span(bytes->data, bytes->len);
    if (tdx_quote_parse(&q, bytes->data, bytes->len, TDX_PARSE_PADDED, &tdx_err) == CONFAI_OK ||
        (span > 0 && tdx_err.status == CONFAI_E_TRAILING_DATA &&
         tdx_quote_parse(&q, bytes->data, span, 0, NULL) == CONFAI_OK)) {
        cJSON *o = describe_tdx_quote(&q);
        if (o != NULL && q.quote_len < bytes->len &&
            cJSON_AddNumberToObject(o, "bytes_after_quote", (double)(bytes->len - q.quote_len)) ==
                NULL) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (o == NULL)
            cli_error("inspect", "out of memory");
        return o;
    }

    spdm_evidence *ev = malloc(sizeof(*ev));
    confai_error spdm_err = { 0 };
    if (ev == NULL) {
        cli_error("inspect", "out of memory");
        return NULL;
    }
    if (spdm_evidence_parse(ev, bytes->data, bytes->len, &spdm_err) == CONFAI_OK) {
        cJSON *o = describe_spdm(ev);
        free(ev);
        if (o == NULL)
            cli_error("inspect", "out of memory");
        return o;
    }
    free(ev);

    confai_key_config *kc = NULL;
    confai_error kc_err = { 0 };
    if (confai_key_config_parse(&kc, bytes->data, bytes->len, &kc_err) == CONFAI_OK) {
        cJSON *o = describe_key_config(kc);
        confai_key_config_free(kc);
        if (o == NULL)
            cli_error("inspect", "out of memory");
        return o;
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
