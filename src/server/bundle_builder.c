/*
 * The public bundle builder (confai/server.h): collects copies of the
 * evidence into a bundle struct, the same one bundle_parse fills, and on
 * finish checks that every piece commits to this bundle's transcript before
 * writing it. A server that publishes evidence for another nonce or key is
 * caught here rather than by every client.
 */
#include <string.h>

#include <confai/server.h>
#include <openssl/crypto.h>

#include "attest/attestation.h"
#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/gpu/nvgpu.h"
#include "attest/snp/snp.h"
#include "attest/tdx/tdx.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/rfc3339.h"
#include "server/bundle_builder.h"
#include "server/bundle_write.h"

#define OOM "bundle builder: out of memory"

struct confai_bundle_builder {
    bundle b; /* owns its bytes, released with bundle_clear */
};

static void blob_free(bundle_blob *blob)
{
    OPENSSL_clear_free(blob->data, blob->len);
    blob->data = NULL;
    blob->len = 0;
}

static void gpu_clear(bundle_gpu *gpu)
{
    blob_free(&gpu->evidence);
    for (size_t i = 0; i < BUNDLE_MAX_GPU_CERTS; i++)
        blob_free(&gpu->certs[i]);
}

static confai_status copy_blob(bundle_blob *out, const uint8_t *data, size_t len, size_t max,
                               const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(len <= max, CONFAI_E_LIMIT, "bundle builder: %s has %zu bytes, at most %zu", what,
           len, max);
    ENSURE_ARG(data != NULL || len == 0, what);
    if (len > 0) {
        out->data = OPENSSL_memdup(data, len);
        ENSURE(out->data != NULL, CONFAI_E_NO_MEMORY, OOM);
    }
    out->len = len;
out:
    return status;
}

static confai_status copy_certs(bundle_blob *out, size_t *count, size_t max,
                                const uint8_t *const *certs, const size_t *lens, size_t n,
                                const char *what, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(n >= 1 && n <= max, CONFAI_E_ARGUMENT,
           "bundle builder: %s: %zu certificates, expected 1 to %zu", what, n, max);
    ENSURE_ARG(certs != NULL && lens != NULL, what);
    for (size_t i = 0; i < n; i++) {
        ENSURE_ARG(lens[i] > 0, what);
        GUARD(copy_blob(&out[i], certs[i], lens[i], BUNDLE_MAX_CERT, what, err));
        *count = i + 1;
    }
out:
    return status;
}

const bundle *bundle_builder_bundle(const confai_bundle_builder *builder)
{
    return &builder->b;
}

confai_status confai_bundle_builder_new(confai_bundle_builder **builder, const uint8_t nonce[32],
                                        const uint8_t *key_config, size_t key_config_len,
                                        const uint8_t *manifest, size_t manifest_len,
                                        const char *not_after, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_bundle_builder *bb = NULL;
    int64_t t = 0;

    confai_err_clear(err);
    ENSURE_ARG(builder != NULL, "builder");
    *builder = NULL;
    ENSURE_ARG(nonce != NULL, "nonce");
    ENSURE_ARG(key_config != NULL && key_config_len > 0, "key_config");
    ENSURE_ARG(not_after != NULL, "not_after");
    size_t na_len = strlen(not_after);
    ENSURE(na_len == RFC3339_LEN && rfc3339_parse(&t, not_after, na_len), CONFAI_E_ARGUMENT,
           "bundle builder: not_after \"%.40s\" is not of the form YYYY-MM-DDTHH:MM:SSZ",
           not_after);
    bb = OPENSSL_zalloc(sizeof(*bb));
    ENSURE(bb != NULL, CONFAI_E_NO_MEMORY, OOM);
    bb->b.version = BUNDLE_VERSION;
    memcpy(bb->b.nonce, nonce, BUNDLE_NONCE_SIZE);
    GUARD(copy_blob(&bb->b.key_config, key_config, key_config_len, BUNDLE_MAX_KEY_CONFIG,
                    "key_config", err));
    /* u16 in the transcript, as for the key configuration */
    GUARD(copy_blob(&bb->b.manifest, manifest, manifest_len, 65535, "manifest", err));
    memcpy(bb->b.not_after, not_after, na_len + 1);
    bb->b.not_after_time = t;
    *builder = bb;
    bb = NULL;
out:
    confai_bundle_builder_free(bb);
    return status;
}

void confai_bundle_builder_free(confai_bundle_builder *builder)
{
    if (builder == NULL)
        return;
    bundle_clear(&builder->b);
    OPENSSL_clear_free(builder, sizeof(*builder));
}

confai_status confai_bundle_builder_set_snp(confai_bundle_builder *builder,
                                            const uint8_t *report, size_t report_len,
                                            const uint8_t *const *certs, const size_t *cert_lens,
                                            size_t cert_count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    bundle_cpu cpu;

    memset(&cpu, 0, sizeof(cpu));
    confai_err_clear(err);
    ENSURE_ARG(builder != NULL, "builder");
    ENSURE(builder->b.cpu.type == 0, CONFAI_E_STATE, "bundle builder: CPU evidence already set");
    ENSURE_ARG(report != NULL && report_len > 0, "report");
    cpu.type = BUNDLE_CPU_SEV_SNP;
    GUARD(copy_blob(&cpu.report, report, report_len, SNP_REPORT_SIZE, "report", err));
    GUARD(copy_certs(cpu.certs, &cpu.cert_count, BUNDLE_MAX_SNP_CERTS, certs, cert_lens,
                     cert_count, "SEV-SNP certificates", err));
    builder->b.cpu = cpu;
    memset(&cpu, 0, sizeof(cpu)); /* the builder owns it now */
out:
    blob_free(&cpu.report);
    for (size_t i = 0; i < BUNDLE_MAX_SNP_CERTS; i++)
        blob_free(&cpu.certs[i]);
    return status;
}

confai_status confai_bundle_builder_set_tdx(confai_bundle_builder *builder, const uint8_t *quote,
                                            size_t quote_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    tdx_quote *parsed = NULL;
    confai_err_clear(err);
    ENSURE_ARG(builder != NULL, "builder");
    ENSURE(builder->b.cpu.type == 0, CONFAI_E_STATE, "bundle builder: CPU evidence already set");
    ENSURE_ARG(quote != NULL && quote_len > 0, "quote");
    /* configfs-tsm hands out the quote in a zero-padded buffer; the bundle
     * carries exactly the quote (doc/protocol.md 3.4). */
    parsed = OPENSSL_zalloc(sizeof(*parsed));
    ENSURE(parsed != NULL, CONFAI_E_NO_MEMORY, OOM);
    GUARD(tdx_quote_parse(parsed, quote, quote_len, TDX_PARSE_PADDED, err));
    GUARD(copy_blob(&builder->b.cpu.quote, quote, parsed->quote_len, BUNDLE_MAX_QUOTE, "quote",
                    err));
    builder->b.cpu.type = BUNDLE_CPU_TDX;
out:
    OPENSSL_clear_free(parsed, sizeof(*parsed));
    return status;
}

confai_status confai_bundle_builder_add_tdx_collateral(confai_bundle_builder *builder,
                                                       const char *name, const uint8_t *data,
                                                       size_t data_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    int which = -1;
    confai_err_clear(err);
    ENSURE_ARG(builder != NULL, "builder");
    ENSURE_ARG(name != NULL, "name");
    ENSURE_ARG(data != NULL && data_len > 0, "data");
    for (int i = 0; i < BUNDLE_TDX_COLLATERAL_COUNT; i++)
        if (strcmp(name, bundle_tdx_collateral_name((bundle_tdx_collateral)i)) == 0)
            which = i;
    ENSURE(which >= 0, CONFAI_E_ARGUMENT, "bundle builder: \"%.40s\" is no TDX collateral", name);
    ENSURE(builder->b.cpu.type == BUNDLE_CPU_TDX, CONFAI_E_STATE,
           "bundle builder: collateral %s without a TDX quote", name);
    ENSURE(builder->b.cpu.collateral[which].len == 0, CONFAI_E_STATE,
           "bundle builder: collateral %s given twice", name);
    GUARD(copy_blob(&builder->b.cpu.collateral[which], data, data_len, BUNDLE_MAX_QUOTE, name,
                    err));
out:
    return status;
}

confai_status confai_bundle_builder_add_gpu(confai_bundle_builder *builder,
                                            const uint8_t *evidence, size_t evidence_len,
                                            const uint8_t *const *certs, const size_t *cert_lens,
                                            size_t cert_count, confai_error *err)
{
    confai_status status = CONFAI_OK;
    bundle_gpu gpu;

    memset(&gpu, 0, sizeof(gpu));
    confai_err_clear(err);
    ENSURE_ARG(builder != NULL, "builder");
    ENSURE_ARG(evidence != NULL && evidence_len > 0, "evidence");
    ENSURE(builder->b.gpu_count < BUNDLE_MAX_GPUS, CONFAI_E_LIMIT,
           "bundle builder: more than %d GPUs", BUNDLE_MAX_GPUS);
    GUARD(copy_blob(&gpu.evidence, evidence, evidence_len, BUNDLE_MAX_GPU_EVIDENCE, "evidence",
                    err));
    GUARD(copy_certs(gpu.certs, &gpu.cert_count, BUNDLE_MAX_GPU_CERTS, certs, cert_lens,
                     cert_count, "GPU certificates", err));
    bundle_gpu *grown =
        OPENSSL_realloc(builder->b.gpus, (builder->b.gpu_count + 1) * sizeof(*grown));
    ENSURE(grown != NULL, CONFAI_E_NO_MEMORY, OOM);
    builder->b.gpus = grown;
    grown[builder->b.gpu_count++] = gpu;
    memset(&gpu, 0, sizeof(gpu)); /* the builder owns it now */
out:
    gpu_clear(&gpu);
    return status;
}

confai_status confai_bundle_builder_add_token(confai_bundle_builder *builder, const char *type,
                                              const char *token, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(builder != NULL, "builder");
    ENSURE_ARG(type != NULL, "type");
    ENSURE_ARG(token != NULL && token[0] != '\0', "token");
    int kind = strcmp(type, "jwt") == 0 ? BUNDLE_TOKEN_JWT
               : strcmp(type, "nras") == 0 ? BUNDLE_TOKEN_NRAS
                                            : -1;
    ENSURE(kind >= 0, CONFAI_E_ARGUMENT,
           "bundle builder: token type \"%.20s\" (expected jwt or nras)", type);
    bundle *b = &builder->b;
    ENSURE(b->token_count < BUNDLE_MAX_TOKENS, CONFAI_E_LIMIT,
           "bundle builder: more than %d tokens", BUNDLE_MAX_TOKENS);
    bundle_token *grown = OPENSSL_realloc(b->tokens, (b->token_count + 1) * sizeof(*grown));
    ENSURE(grown != NULL, CONFAI_E_NO_MEMORY, OOM);
    b->tokens = grown;
    char *copy = OPENSSL_strdup(token);
    ENSURE(copy != NULL, CONFAI_E_NO_MEMORY, OOM);
    b->tokens[b->token_count].kind = kind;
    b->tokens[b->token_count].token = copy;
    b->token_count++;
out:
    return status;
}

/* The CPU evidence parses and its report data is SHA-512(T). */
static confai_status check_cpu(const bundle *b, const binding_inputs *in, confai_error *err)
{
    confai_status status = CONFAI_OK;
    snp_report *report = NULL;
    tdx_quote *quote = NULL;

    if (b->cpu.type == BUNDLE_CPU_SEV_SNP) {
        report = OPENSSL_zalloc(sizeof(*report));
        ENSURE(report != NULL, CONFAI_E_NO_MEMORY, OOM);
        GUARD(snp_report_parse(report, b->cpu.report.data, b->cpu.report.len, err));
        GUARD(binding_check_report_data(report->report_data, in, err));
    } else {
        quote = OPENSSL_zalloc(sizeof(*quote));
        ENSURE(quote != NULL, CONFAI_E_NO_MEMORY, OOM);
        GUARD(tdx_quote_parse(quote, b->cpu.quote.data, b->cpu.quote.len, 0, err));
        GUARD(binding_check_report_data(quote->report_data, in, err));
    }
out:
    OPENSSL_clear_free(report, sizeof(*report));
    OPENSSL_clear_free(quote, sizeof(*quote));
    return status;
}

/* Each GPU's evidence parses and its SPDM request nonce is SHA-256(T). */
static confai_status check_gpus(const bundle *b, const binding_inputs *in, confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t want[BINDING_GPU_NONCE_SIZE];
    spdm_evidence *ev = NULL;

    if (b->gpu_count == 0)
        goto out;
    GUARD(binding_gpu_nonce(want, in, err));
    ev = OPENSSL_zalloc(sizeof(*ev));
    ENSURE(ev != NULL, CONFAI_E_NO_MEMORY, OOM);
    for (size_t i = 0; i < b->gpu_count; i++) {
        GUARD(spdm_evidence_parse(ev, b->gpus[i].evidence.data, b->gpus[i].evidence.len, err));
        ENSURE(CRYPTO_memcmp(ev->request_nonce, want, sizeof(want)) == 0, CONFAI_E_BINDING,
               "bundle builder: GPU %zu answers another nonce than SHA-256 of this bundle's "
               "transcript",
               i);
    }
out:
    OPENSSL_clear_free(ev, sizeof(*ev));
    return status;
}

confai_status confai_bundle_builder_finish(confai_bundle_builder *builder, char **json,
                                           size_t *json_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *text = NULL;
    size_t len = 0;
    bundle again;

    memset(&again, 0, sizeof(again));
    confai_err_clear(err);
    ENSURE_ARG(json != NULL && json_len != NULL, "json");
    *json = NULL;
    *json_len = 0;
    ENSURE_ARG(builder != NULL, "builder");
    const bundle *b = &builder->b;
    ENSURE(b->cpu.type != 0, CONFAI_E_STATE,
           "bundle builder: no CPU evidence (set an SEV-SNP report or a TDX quote)");
    binding_inputs in = attestation_binding_inputs(b);
    GUARD(check_cpu(b, &in, err));
    GUARD(check_gpus(b, &in, err));
    GUARD(bundle_write(&text, &len, b, err));
    /* What goes out is what a strict client reads. */
    GUARD(bundle_parse(&again, text, len, 1, err));
    *json = text;
    *json_len = len;
    text = NULL;
out:
    bundle_clear(&again);
    confai_free(text);
    return status;
}
