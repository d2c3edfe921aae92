/*
 * Verdicts of SEV-SNP evidence: the product, the root, the TCB getters and
 * the SEV-SNP members of the verdict JSON (doc/protocol.md, "Verdict").
 * Byte strings are lowercase hex, TCB components numbers; fmc appears in
 * TCBs of Turin only.
 */
#include "attest/snp/snp_verdict.h"

#include <stdio.h>
#include <string.h>

#include "attest/policy/policy.h"
#include "attest/snp/snp.h"
#include "attest/verdict.h"
#include "core/hex.h"

int64_t snp_verdict_fill(confai_verdict *v, void *state, const char *root_subject)
{
    const snp_verified *s = state;
    v->product = policy_snp_product_name(s->report.product);
    v->root_kind = s->root_kind == SNP_ROOT_VENDOR ? CONFAI_ROOT_VENDOR : CONFAI_ROOT_CUSTOM;
    memcpy(v->root_spki_sha256, s->root_spki_sha256, sizeof(v->root_spki_sha256));
    if (v->root_kind == CONFAI_ROOT_CUSTOM)
        verdict_write_root_warning(v, "AMD", "AMD hardware", root_subject);
    return s->not_after;
}

const uint8_t *snp_verdict_measurement(const void *state, size_t *len)
{
    const snp_verified *s = state;
    if (len != NULL)
        *len = sizeof(s->report.measurement);
    return s->report.measurement;
}

/* The TCB of a kind, or NULL. */
static const snp_tcb *tcb_of(const snp_verified *s, confai_tcb_kind kind)
{
    switch (kind) {
    case CONFAI_TCB_CURRENT: return &s->report.current_tcb;
    case CONFAI_TCB_REPORTED: return &s->report.reported_tcb;
    case CONFAI_TCB_COMMITTED: return &s->report.committed_tcb;
    case CONFAI_TCB_LAUNCH: return &s->report.launch_tcb;
    }
    return NULL;
}

uint64_t snp_verdict_tcb(const void *state, confai_tcb_kind kind)
{
    const snp_tcb *tcb = tcb_of(state, kind);
    return tcb == NULL ? 0 : tcb->raw;
}

int snp_verdict_tcb_component(const void *state, confai_tcb_kind kind,
                              confai_tcb_component component)
{
    const snp_verified *s = state;
    const snp_tcb *tcb = tcb_of(s, kind);
    if (tcb == NULL)
        return -1;
    switch (component) {
    case CONFAI_TCB_BOOTLOADER: return tcb->bootloader;
    case CONFAI_TCB_TEE: return tcb->tee;
    case CONFAI_TCB_SNP: return tcb->snp;
    case CONFAI_TCB_MICROCODE: return tcb->microcode;
    case CONFAI_TCB_FMC: return s->report.product == SNP_PRODUCT_TURIN ? tcb->fmc : -1;
    }
    return -1;
}

/* --- JSON ----------------------------------------------------------------------- */

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

int snp_verdict_json_add(cJSON *root, const void *state)
{
    builder bld = { 0 }, *b = &bld;
    const snp_verified *s = state;
    const snp_report *r = &s->report;
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
    check(b, cJSON_AddStringToObject(root, "endorsement", s->endorsement_subject));
    return !b->failed;
}
