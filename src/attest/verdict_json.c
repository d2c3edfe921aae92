/*
 * A verdict as JSON, for logs and UIs (doc/protocol.md, "Verdict"). Byte
 * strings are lowercase hex, times RFC 3339, TCB components numbers. A
 * custom root carries its warning right in the "root" object, so nobody
 * reading the log can miss it.
 */
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "attest/gpu/gpu_attestation.h"
#include "attest/policy/policy.h"
#include "attest/verdict.h"
#include "attest/tdx/tdx_verdict.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"

/* cJSON's builders return NULL on failure; these keep going and count. */
typedef struct builder {
    int failed;
} builder;

static cJSON *check(builder *b, cJSON *item)
{
    if (item == NULL)
        b->failed = 1;
    return item;
}

static void add_hex(builder *b, cJSON *obj, const char *name, const uint8_t *data, size_t len)
{
    char text[2 * 64 + 1];
    hex_encode(text, data, len);
    check(b, cJSON_AddStringToObject(obj, name, text));
}

static void add_time(builder *b, cJSON *obj, const char *name, int64_t t)
{
    char text[RFC3339_LEN + 1];
    if (!rfc3339_format(text, t))
        snprintf(text, sizeof(text), "invalid");
    check(b, cJSON_AddStringToObject(obj, name, text));
}

static void add_tcb(builder *b, cJSON *obj, const char *name, const snp_tcb *tcb, int has_fmc)
{
    char raw[19];
    cJSON *t = check(b, cJSON_AddObjectToObject(obj, name));
    if (t == NULL)
        return;
    snprintf(raw, sizeof(raw), "0x%016llx", (unsigned long long)tcb->raw);
    check(b, cJSON_AddStringToObject(t, "raw", raw));
    check(b, cJSON_AddNumberToObject(t, "bootloader", tcb->bootloader));
    check(b, cJSON_AddNumberToObject(t, "tee", tcb->tee));
    check(b, cJSON_AddNumberToObject(t, "snp", tcb->snp));
    check(b, cJSON_AddNumberToObject(t, "microcode", tcb->microcode));
    if (has_fmc)
        check(b, cJSON_AddNumberToObject(t, "fmc", tcb->fmc));
}

static void add_firmware(builder *b, cJSON *obj, const snp_report *r)
{
    char text[16];
    cJSON *fw = check(b, cJSON_AddObjectToObject(obj, "firmware"));
    if (fw == NULL)
        return;
    snprintf(text, sizeof(text), "%u.%u.%u", r->current_major, r->current_minor,
             r->current_build);
    check(b, cJSON_AddStringToObject(fw, "current", text));
    snprintf(text, sizeof(text), "%u.%u.%u", r->committed_major, r->committed_minor,
             r->committed_build);
    check(b, cJSON_AddStringToObject(fw, "committed", text));
}

static void add_guest(builder *b, cJSON *obj, const snp_report *r)
{
    char text[19];
    cJSON *g = check(b, cJSON_AddObjectToObject(obj, "guest_policy"));
    if (g == NULL)
        return;
    snprintf(text, sizeof(text), "0x%llx", (unsigned long long)r->policy);
    check(b, cJSON_AddStringToObject(g, "raw", text));
    check(b, cJSON_AddBoolToObject(g, "debug", (r->policy & POLICY_SNP_GUEST_DEBUG) != 0));
    check(b, cJSON_AddBoolToObject(g, "migration_agent", (r->policy & POLICY_SNP_GUEST_MIGRATE_MA) != 0));
    check(b, cJSON_AddBoolToObject(g, "smt_allowed", (r->policy & POLICY_SNP_GUEST_SMT) != 0));
    check(b, cJSON_AddBoolToObject(obj, "smt_enabled", (r->platform_info & POLICY_SNP_PLATFORM_SMT_EN) != 0));
}

static void add_snp(builder *b, cJSON *root, const confai_verdict *v)
{
    const snp_report *r = &v->snp.report;
    int fmc = r->product == SNP_PRODUCT_TURIN;
    add_hex(b, root, "measurement", r->measurement, sizeof(r->measurement));
    add_hex(b, root, "host_data", r->host_data, sizeof(r->host_data));
    add_hex(b, root, "report_id", r->report_id, sizeof(r->report_id));
    add_hex(b, root, "chip_id", r->chip_id, sizeof(r->chip_id));
    add_hex(b, root, "id_key_digest", r->id_key_digest, sizeof(r->id_key_digest));
    add_hex(b, root, "author_key_digest", r->author_key_digest, sizeof(r->author_key_digest));
    check(b, cJSON_AddNumberToObject(root, "report_version", r->version));
    check(b, cJSON_AddNumberToObject(root, "guest_svn", r->guest_svn));
    check(b, cJSON_AddNumberToObject(root, "vmpl", r->vmpl));
    add_guest(b, root, r);
    cJSON *tcb = check(b, cJSON_AddObjectToObject(root, "tcb"));
    if (tcb != NULL) {
        add_tcb(b, tcb, "current", &r->current_tcb, fmc);
        add_tcb(b, tcb, "reported", &r->reported_tcb, fmc);
        add_tcb(b, tcb, "committed", &r->committed_tcb, fmc);
        add_tcb(b, tcb, "launch", &r->launch_tcb, fmc);
    }
    add_firmware(b, root, r);
    check(b, cJSON_AddStringToObject(root, "signing_key",
                                     r->signing_key == SNP_KEY_VLEK ? "vlek" : "vcek"));
    check(b, cJSON_AddStringToObject(root, "endorsement", v->snp.endorsement_subject));
}

static void add_root(builder *b, cJSON *root, const confai_verdict *v)
{
    cJSON *o = check(b, cJSON_AddObjectToObject(root, "root"));
    if (o == NULL)
        return;
    int custom = v->root_kind == CONFAI_ROOT_CUSTOM;
    check(b, cJSON_AddStringToObject(o, "kind", custom ? "custom" : "vendor"));
    add_hex(b, o, "spki_sha256", v->is_tdx ? v->tdx.root_spki_sha256 : v->snp.root_spki_sha256,
            sizeof(v->snp.root_spki_sha256));
    if (custom)
        check(b, cJSON_AddStringToObject(o, "warning", v->root_warning));
}

static void add_key_config(builder *b, cJSON *root, const confai_verdict *v)
{
    cJSON *o = check(b, cJSON_AddObjectToObject(root, "key_config"));
    if (o == NULL)
        return;
    confai_hpke_suite suite = confai_key_config_suite(v->key_config);
    add_hex(b, o, "sha256", v->key_config_digest, sizeof(v->key_config_digest));
    check(b, cJSON_AddNumberToObject(o, "key_id", confai_key_config_id(v->key_config)));
    check(b, cJSON_AddNumberToObject(o, "kem_id", suite.kem_id));
    check(b, cJSON_AddNumberToObject(o, "kdf_id", suite.kdf_id));
    check(b, cJSON_AddNumberToObject(o, "aead_id", suite.aead_id));
}

static void add_names(builder *b, cJSON *root, const char *name, const char *const *names,
                      size_t count)
{
    cJSON *arr = check(b, cJSON_AddArrayToObject(root, name));
    for (size_t i = 0; arr != NULL && i < count; i++) {
        cJSON *s = check(b, cJSON_CreateString(names[i]));
        if (s != NULL && !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            b->failed = 1;
        }
    }
}

static cJSON *build(const confai_verdict *v, builder *b)
{
    cJSON *root = check(b, cJSON_CreateObject());
    if (root == NULL)
        return NULL;
    check(b, cJSON_AddStringToObject(root, "result", "accepted"));
    check(b, cJSON_AddStringToObject(root, "platform", v->platform));
    if (!v->is_tdx) /* TDX names no product */
        check(b, cJSON_AddStringToObject(root, "product", v->product ? v->product : "unknown"));
    add_root(b, root, v);
    if (v->is_tdx)
        b->failed |= !verdict_json_add_tdx(root, v);
    else
        add_snp(b, root, v);
    add_key_config(b, root, v);
    b->failed |= !verdict_json_add_gpus(root, v->gpus);
    cJSON *m = check(b, cJSON_AddObjectToObject(root, "manifest"));
    if (m != NULL)
        add_hex(b, m, "sha256", v->manifest_digest, sizeof(v->manifest_digest));
    add_hex(b, root, "nonce", v->nonce, sizeof(v->nonce));
    check(b, cJSON_AddStringToObject(root, "not_after", v->not_after_text));
    add_time(b, root, "verified_at", v->verified_at);
    add_time(b, root, "expires", v->expiry);
    add_names(b, root, "checks", v->checks.passed, v->checks.passed_count);
    add_names(b, root, "waived", v->checks.waived, v->checks.waived_count);
    return root;
}

confai_status confai_verdict_json(const confai_verdict *verdict, char **json, size_t *json_len,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    builder b = { 0 };
    cJSON *root = NULL;
    char *text = NULL;

    confai_err_clear(err);
    ENSURE_ARG(json != NULL, "json");
    *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    ENSURE_ARG(verdict != NULL, "verdict");

    root = build(verdict, &b);
    ENSURE(root != NULL && !b.failed, CONFAI_E_NO_MEMORY, "verdict: out of memory");
    text = cJSON_PrintUnformatted(root);
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, "verdict: out of memory");
    size_t n = strlen(text);
    *json = confai_alloc_for_caller(n + 1);
    ENSURE(*json != NULL, CONFAI_E_NO_MEMORY, "verdict: out of memory");
    memcpy(*json, text, n + 1);
    if (json_len != NULL)
        *json_len = n;
out:
    if (text != NULL)
        cJSON_free(text);
    cJSON_Delete(root);
    return status;
}
