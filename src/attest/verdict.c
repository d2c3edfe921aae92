/*
 * Verdicts: construction from verified evidence and the public getters;
 * what depends on the CPU platform comes through its operations table
 * (platform.h). A verdict is never changed after verdict_new returns and
 * its GPUs and tokens are attached, so it may be read from several threads
 * at once.
 */
#include "attest/verdict.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/gpu/gpu_attestation.h"
#include "attest/platform.h"
#include "attest/token/token_attestation.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"

void verdict_note(verdict_checks *checks, attest_check check, int waived)
{
    const char *name = attest_check_name(check);
    if (waived) {
        if (checks->waived_count < VERDICT_MAX_CHECKS)
            checks->waived[checks->waived_count++] = name;
    } else if (checks->passed_count < VERDICT_MAX_CHECKS) {
        checks->passed[checks->passed_count++] = name;
    }
}

/* Loud on purpose: this text ends up in logs and UIs next to the verdict. */
void verdict_write_root_warning(confai_verdict *v, const char *vendor, const char *hardware,
                                const char *subject)
{
    char spki[65];
    hex_encode(spki, v->root_spki_sha256, sizeof(v->root_spki_sha256));
    snprintf(v->root_warning, sizeof(v->root_warning),
             "NOT an %s root: the evidence chains to a custom root that the policy added "
             "(%s, SPKI SHA-256 %s). Only a test or simulated platform should be accepted "
             "this way; this is no proof of real %s.",
             vendor, subject != NULL && subject[0] != '\0' ? subject : "unnamed", spki,
             hardware);
}

static confai_status fill_common(confai_verdict *v, const verdict_common_input *in,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    unsigned int md_len = 0;
    OSSL_ENSURE(EVP_Digest(in->key_config, in->key_config_len, v->key_config_digest, &md_len,
                           EVP_sha256(), NULL) == 1,
                CONFAI_E_INTERNAL, "verdict: SHA-256 of the key configuration failed");
    memcpy(v->manifest_digest, in->manifest_digest, sizeof(v->manifest_digest));
    memcpy(v->nonce, in->nonce, sizeof(v->nonce));
    memcpy(v->not_after_text, in->not_after_text, sizeof(v->not_after_text));
    v->not_after = in->not_after;
    v->verified_at = in->verified_at;
    int64_t expiry = in->not_after;
    if (in->verified_at + in->max_age < expiry)
        expiry = in->verified_at + in->max_age;
    if (in->evidence_not_after > 0 && in->evidence_not_after < expiry)
        expiry = in->evidence_not_after;
    v->expiry = expiry;
    v->checks = *in->checks;
out:
    return status;
}

confai_status verdict_new(confai_verdict **verdict, confai_key_config **key_config,
                          const verdict_input *in, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const attest_platform_ops *platform = in->platform;
    confai_verdict *v = confai_zalloc(sizeof(*v) + platform->state_size);

    *verdict = NULL;
    ENSURE(v != NULL, CONFAI_E_NO_MEMORY, "verdict: out of memory");
    v->key_config = *key_config;
    *key_config = NULL;

    v->platform = platform;
    memcpy(v->evidence, in->evidence, platform->state_size);
    verdict_common_input common = in->common;
    common.evidence_not_after = platform->verdict_fill(v, v->evidence, in->root_subject);
    GUARD(fill_common(v, &common, err));
    *verdict = v;
    v = NULL;
out:
    confai_key_config_free(*key_config);
    *key_config = NULL;
    confai_verdict_free(v);
    return status;
}

confai_verdict *confai_verdict_ref(const confai_verdict *verdict)
{
    if (verdict == NULL)
        return NULL;
    confai_verdict *v = (confai_verdict *)verdict;
    atomic_fetch_add_explicit(&v->extra_refs, 1, memory_order_relaxed);
    return v;
}

void confai_verdict_free(confai_verdict *verdict)
{
    if (verdict == NULL)
        return;
    unsigned extra = atomic_load_explicit(&verdict->extra_refs, memory_order_acquire);
    while (extra > 0) {
        if (atomic_compare_exchange_weak_explicit(&verdict->extra_refs, &extra, extra - 1,
                                                  memory_order_acq_rel, memory_order_acquire))
            return;
    }
    confai_key_config_free(verdict->key_config);
    verdict_gpus_free(verdict->gpus);
    verdict_tokens_free(verdict->tokens);
    size_t state_size = verdict->platform != NULL ? verdict->platform->state_size : 0;
    confai_free_secret(verdict, sizeof(*verdict) + state_size);
}

const char *confai_verdict_platform(const confai_verdict *verdict)
{
    return verdict == NULL ? NULL : verdict->platform->name;
}

const char *confai_verdict_product(const confai_verdict *verdict)
{
    return verdict == NULL ? NULL : verdict->product;
}

const uint8_t *confai_verdict_measurement(const confai_verdict *verdict, size_t *len)
{
    if (verdict == NULL) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    return verdict->platform->measurement(verdict->evidence, len);
}

confai_root_kind confai_verdict_root_kind(const confai_verdict *verdict)
{
    return verdict == NULL ? CONFAI_ROOT_NONE : verdict->root_kind;
}

int confai_verdict_root_is_vendor(const confai_verdict *verdict)
{
    return verdict != NULL && verdict->root_kind == CONFAI_ROOT_VENDOR;
}

const char *confai_verdict_root_warning(const confai_verdict *verdict)
{
    if (verdict == NULL || verdict->root_kind != CONFAI_ROOT_CUSTOM)
        return NULL;
    return verdict->root_warning;
}

const confai_key_config *confai_verdict_key_config(const confai_verdict *verdict)
{
    return verdict == NULL ? NULL : verdict->key_config;
}

const uint8_t *confai_verdict_key_config_digest(const confai_verdict *verdict)
{
    return verdict == NULL ? NULL : verdict->key_config_digest;
}

const uint8_t *confai_verdict_manifest_digest(const confai_verdict *verdict)
{
    return verdict == NULL ? NULL : verdict->manifest_digest;
}

int64_t confai_verdict_verified_at(const confai_verdict *verdict)
{
    return verdict == NULL ? 0 : verdict->verified_at;
}

int64_t confai_verdict_not_after(const confai_verdict *verdict)
{
    return verdict == NULL ? 0 : verdict->not_after;
}

int64_t confai_verdict_expiry(const confai_verdict *verdict)
{
    return verdict == NULL ? 0 : verdict->expiry;
}

/* The TCB getters: SEV-SNP's TCB values, none on other platforms. */
uint64_t confai_verdict_tcb(const confai_verdict *verdict, confai_tcb_kind kind)
{
    if (verdict == NULL || verdict->platform->tcb == NULL)
        return 0;
    return verdict->platform->tcb(verdict->evidence, kind);
}

int confai_verdict_tcb_component(const confai_verdict *verdict, confai_tcb_kind kind,
                                 confai_tcb_component component)
{
    if (verdict == NULL || verdict->platform->tcb_component == NULL)
        return -1;
    return verdict->platform->tcb_component(verdict->evidence, kind, component);
}

size_t confai_verdict_check_count(const confai_verdict *verdict)
{
    return verdict == NULL ? 0 : verdict->checks.passed_count;
}

const char *confai_verdict_check(const confai_verdict *verdict, size_t index)
{
    if (verdict == NULL || index >= verdict->checks.passed_count)
        return NULL;
    return verdict->checks.passed[index];
}

size_t confai_verdict_waived_count(const confai_verdict *verdict)
{
    return verdict == NULL ? 0 : verdict->checks.waived_count;
}

const char *confai_verdict_waived(const confai_verdict *verdict, size_t index)
{
    if (verdict == NULL || index >= verdict->checks.waived_count)
        return NULL;
    return verdict->checks.waived[index];
}

size_t confai_verdict_digest_size(void)
{
    return CONFAI_VERDICT_DIGEST_SIZE;
}
