/*
 * Fuzz target: evidence bundle parsing (src/attest/bundle.c) and the public
 * verification entry point on arbitrary bytes.
 *
 * Input (missing bytes read as zero):
 *   u8   options: bit 0 lenient (unknown members ignored), bit 1 also run
 *        confai_attestation_verify against a fixed wildcard policy
 *   the rest: the bundle text
 *
 * Checked beyond "no crash, no out-of-bounds access": a failure is a
 * documented status and leaves the bundle empty; a parsed bundle has the
 * sizes the format promises; an SEV-SNP bundle written back with
 * bundle_write_snp parses in strict mode to the same bytes; strict accepts
 * nothing lenient rejects; verification never succeeds without a real AMD
 * chain and the key binding, and a failure leaves no verdict.
 */
#include <string.h>

#include <confai/confai.h>

#include "attest/bundle.h"
#include "server/bundle_write.h"
#include "attest/snp/snp.h"
#include "fuzz.h"

/* Every constraint a wildcard, vendor roots only. */
static const char policy_json[] =
    "{\"version\":1,\"platforms\":[\"sev-snp\"],\"max_age\":3600,"
    "\"manifest\":{\"sha256\":\"*\"},\"sev_snp\":{\"products\":\"*\",\"measurements\":\"*\","
    "\"min_tcb\":\"*\",\"allow_debug\":false,\"allow_migration_agent\":false,"
    "\"vmpls\":\"*\",\"host_data\":\"*\",\"min_guest_svn\":0,"
    "\"id_key_digests\":\"*\",\"author_key_digests\":\"*\",\"chip_ids\":\"*\","
    "\"min_firmware\":\"*\",\"min_report_version\":2,\"guest_policy\":{\"smt\":\"*\","
    "\"single_socket\":\"*\",\"cxl_allow\":\"*\",\"mem_aes_256_xts\":\"*\",\"rapl_dis\":\"*\","
    "\"ciphertext_hiding_dram\":\"*\",\"page_swap_disable\":\"*\",\"min_abi\":\"*\"},"
    "\"min_current_tcb\":\"*\"}}";

static int documented(confai_status st)
{
    return st == CONFAI_E_MALFORMED || st == CONFAI_E_TRAILING_DATA || st == CONFAI_E_LIMIT ||
           st == CONFAI_E_UNSUPPORTED || st == CONFAI_E_NO_MEMORY;
}

static int is_empty(const bundle *b)
{
    bundle zero;
    memset(&zero, 0, sizeof(zero));
    return memcmp(b, &zero, sizeof(zero)) == 0;
}

static int same_blob(const bundle_blob *a, const bundle_blob *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void check_sizes(const bundle *b)
{
    FUZZ_CHECK(b->version == BUNDLE_VERSION);
    FUZZ_CHECK(b->key_config.len >= 1 && b->key_config.len <= BUNDLE_MAX_KEY_CONFIG);
    FUZZ_CHECK(strlen(b->not_after) == RFC3339_LEN);
    FUZZ_CHECK(b->gpu_count <= BUNDLE_MAX_GPUS && b->token_count <= BUNDLE_MAX_TOKENS);
    if (b->cpu.type == BUNDLE_CPU_SEV_SNP) {
        FUZZ_CHECK(b->cpu.report.len == SNP_REPORT_SIZE);
        FUZZ_CHECK(b->cpu.cert_count >= 1 && b->cpu.cert_count <= BUNDLE_MAX_SNP_CERTS);
    } else {
        FUZZ_CHECK(b->cpu.type == BUNDLE_CPU_TDX && b->cpu.quote.len >= 1);
    }
}

/* Writes an SEV-SNP bundle back and parses it again: the same bytes. */
static void check_round_trip(const bundle *b)
{
    if (b->cpu.type != BUNDLE_CPU_SEV_SNP)
        return;
    const uint8_t *certs[BUNDLE_MAX_SNP_CERTS];
    size_t lens[BUNDLE_MAX_SNP_CERTS];
    for (size_t i = 0; i < b->cpu.cert_count; i++) {
        certs[i] = b->cpu.certs[i].data;
        lens[i] = b->cpu.certs[i].len;
    }
    bundle_snp_parts parts = { b->nonce,         b->key_config.data, b->key_config.len,
                               b->manifest.data, b->manifest.len,    b->not_after,
                               b->cpu.report.data, b->cpu.report.len, certs,
                               lens,             b->cpu.cert_count };
    char *json = NULL;
    size_t len = 0;
    confai_status st = bundle_write_snp(&json, &len, &parts, NULL);
    if (st == CONFAI_E_NO_MEMORY)
        return;
    FUZZ_CHECK(st == CONFAI_OK);
    bundle again;
    st = bundle_parse(&again, json, len, 1, NULL);
    FUZZ_CHECK(st == CONFAI_OK || st == CONFAI_E_NO_MEMORY);
    if (st == CONFAI_OK) {
        FUZZ_CHECK(memcmp(again.nonce, b->nonce, sizeof(b->nonce)) == 0);
        FUZZ_CHECK(same_blob(&again.key_config, &b->key_config));
        FUZZ_CHECK(same_blob(&again.manifest, &b->manifest));
        FUZZ_CHECK(strcmp(again.not_after, b->not_after) == 0);
        FUZZ_CHECK(same_blob(&again.cpu.report, &b->cpu.report));
        FUZZ_CHECK(again.cpu.cert_count == b->cpu.cert_count);
        for (size_t i = 0; i < b->cpu.cert_count; i++)
            FUZZ_CHECK(same_blob(&again.cpu.certs[i], &b->cpu.certs[i]));
    }
    bundle_clear(&again);
    confai_free(json);
}

static void check_verify(const char *text, size_t len, int lenient)
{
    confai_policy *policy = NULL;
    FUZZ_CHECK(confai_policy_new(&policy, policy_json, sizeof(policy_json) - 1, NULL) ==
               CONFAI_OK);
    confai_verify_options o;
    FUZZ_CHECK(confai_verify_options_init(&o, CONFAI_VERIFY_OPTIONS_VERSION, NULL) == CONFAI_OK);
    o.verify_time = 1767225600;
    o.flags = lenient ? CONFAI_VERIFY_LENIENT_BUNDLE : 0;
    uint8_t nonce[32] = { 0 };
    confai_verdict *v = (confai_verdict *)&o;
    confai_status st = confai_attestation_verify(&v, policy, &o, nonce, text, len, NULL);
    /* Without a real AMD chain signing our binding nothing can pass. */
    FUZZ_CHECK(st != CONFAI_OK);
    FUZZ_CHECK(v == NULL);
    confai_policy_free(policy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = { data, size };
    uint8_t options = fuzz_u8(&r);
    size_t len = 0;
    char *text = (char *)fuzz_take(&r, r.left, &len);
    int lenient = options & 1;

    bundle b;
    confai_status st = bundle_parse(&b, text, len, !lenient, NULL);
    if (st == CONFAI_OK) {
        check_sizes(&b);
        check_round_trip(&b);
    } else {
        FUZZ_CHECK(documented(st));
        FUZZ_CHECK(is_empty(&b));
    }
    bundle_clear(&b);

    /* Strict mode accepts a subset of what lenient mode accepts. */
    if (!lenient && st == CONFAI_OK) {
        bundle l;
        confai_status lst = bundle_parse(&l, text, len, 0, NULL);
        FUZZ_CHECK(lst == CONFAI_OK || lst == CONFAI_E_NO_MEMORY);
        bundle_clear(&l);
    }
    if (options & 2)
        check_verify(text, len, lenient);
    free(text);
    return 0;
}
