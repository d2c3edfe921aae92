/*
 * Raw evidence (confai_evidence_verify_*): an SEV-SNP report, a TDX quote
 * or GPUs' SPDM evidence without a bundle. Each runs the steps of
 * confai_attestation_verify that need no bundle, with the same functions
 * and the same check names: the policy lists the platform, the platform
 * verifier (snp_verify, tdx_verify, nvgpu_verify) accepts the evidence and
 * its chain, the report data is the expected one (when given; the bundle
 * path computes it from the binding transcript), and the policy's section
 * for the platform accepts every value. Nonce, binding, manifest,
 * not_after and tokens exist only in a bundle and are not checked.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "attest/attestation.h"
#include "attest/bundle.h"
#include "attest/evidence.h"
#include "attest/gpu/gpu_attestation.h"
#include "attest/policy/policy.h"
#include "attest/tdx/tdx_attestation.h"
#include "core/error.h"
#include "core/memory.h"

static confai_status verdict_start(confai_evidence_verdict **out, confai_evidence_verdict **verdict,
                                   const confai_policy *policy, const char *platform,
                                   int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(verdict != NULL, "verdict");
    *verdict = NULL;
    ENSURE_ARG(policy != NULL, "policy");
    ENSURE_ARG(verify_time >= 0, "verify_time");
    *out = confai_zalloc(sizeof(**out));
    ENSURE(*out != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    (*out)->platform = platform;
    (*out)->verified_at = verify_time != 0 ? verify_time : (int64_t)time(NULL);
out:
    return status;
}

/* The root warning of one GPU among several (each GPU's "root" in the JSON). */
#define GPU_CUSTOM_ROOT_WARNING                                                        \
    "NOT an NVIDIA root: this GPU's evidence chains to a custom root that the policy " \
    "added. Only a test or simulated GPU should be accepted this way."

static void set_root(confai_evidence_verdict *v, int custom, const char *vendor)
{
    v->root_kind = custom ? CONFAI_ROOT_CUSTOM : CONFAI_ROOT_VENDOR;
    if (custom)
        snprintf(v->root_warning, sizeof(v->root_warning),
                 "NOT an %s root: the evidence chains to a custom root that the policy "
                 "added. Only a test or simulated platform should be accepted this way.",
                 vendor);
}

/* The report data is the one the caller expects (constant time). */
static confai_status check_report_data(const uint8_t have[64], const uint8_t *want,
                                       verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (want == NULL)
        return CONFAI_OK;
    ENSURE(confai_equal_ct(have, want, 64), CONFAI_E_BINDING,
           "evidence: the report data differs from the expected report data");
    verdict_note(checks, CHECK_BINDING_REPORT_DATA, 0);
out:
    return status;
}

/* The verdict's JSON, made once when the verification passed. */
static confai_status finish(confai_evidence_verdict *v, int (*describe)(cJSON *, const void *,
                                                                        const char *),
                            const void *verified, confai_error *err)
{
    confai_status status = CONFAI_OK;
    cJSON *o = cJSON_CreateObject(), *a;
    char when[RFC3339_LEN + 1];
    int ok = o != NULL && cJSON_AddStringToObject(o, "platform", v->platform) != NULL &&
             rfc3339_format(when, v->verified_at) &&
             cJSON_AddStringToObject(o, "verified_at", when) != NULL &&
             describe(o, verified, v->root_kind == CONFAI_ROOT_CUSTOM ? v->root_warning : NULL);
    ok = ok && (a = cJSON_CreateStringArray(v->checks.passed, (int)v->checks.passed_count)) &&
         cJSON_AddItemToObject(o, "checks", a);
    ok = ok && (a = cJSON_CreateStringArray(v->checks.waived, (int)v->checks.waived_count)) &&
         cJSON_AddItemToObject(o, "waived", a);
    ENSURE(ok, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    GUARD(evidence_json_text(&v->json, &v->json_len, o, err));
out:
    cJSON_Delete(o);
    return status;
}

static int describe_snp(cJSON *o, const void *v, const char *w)
{
    return evidence_json_snp(o, v, w);
}

static int describe_tdx(cJSON *o, const void *v, const char *w)
{
    return evidence_json_tdx(o, v, w);
}

static int describe_gpu(cJSON *o, const void *v, const char *w)
{
    return evidence_json_gpu(o, v, w);
}

confai_status confai_evidence_verify_snp(confai_evidence_verdict **verdict,
                                         const confai_policy *policy, const uint8_t *report,
                                         size_t report_len, const uint8_t *const *certs,
                                         const size_t *cert_lens, size_t cert_count,
                                         const uint8_t report_data[64], int64_t verify_time,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_evidence_verdict *out = NULL;
    snp_verified *v = NULL;

    confai_err_clear(err);
    GUARD(verdict_start(&out, verdict, policy, "sev-snp", verify_time, err));
    ENSURE_ARG(report != NULL, "report");
    ENSURE_ARG(cert_count == 0 || (certs != NULL && cert_lens != NULL), "certs");
    verdict_checks *checks = &out->checks;
    GUARD(policy_check_platform(policy, POLICY_PLATFORM_SEV_SNP, checks, err));
    v = confai_zalloc(sizeof(*v));
    ENSURE(v != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    GUARD(snp_verify(v, policy->snp_trust, NULL, report, report_len, certs, cert_lens,
                     cert_count, out->verified_at, err));
    verdict_note(checks, CHECK_SNP_CERTIFICATE_CHAIN, 0);
    verdict_note(checks, CHECK_SNP_ENDORSEMENT, 0);
    verdict_note(checks, CHECK_SNP_SIGNATURE, 0);
    GUARD(check_report_data(v->report.report_data, report_data, checks, err));
    GUARD(policy_check_snp(policy, v, checks, err));
    set_root(out, v->root_kind == SNP_ROOT_CUSTOM, "AMD");
    GUARD(finish(out, describe_snp, v, err));
    *verdict = out;
    out = NULL;
out:
    confai_evidence_verdict_free(out);
    if (v != NULL)
        confai_free_secret(v, sizeof(*v));
    return status;
}

uint32_t confai_tdx_collateral_version(void)
{
    return CONFAI_TDX_COLLATERAL_VERSION;
}

static confai_status tdx_inputs(tdx_collateral *c, const confai_tdx_collateral *in,
                                const policy_ders *crls, confai_error *err)
{
    confai_status status = CONFAI_OK;
    memset(c, 0, sizeof(*c));
    if (in != NULL) {
        ENSURE_ARG(in->version == CONFAI_TDX_COLLATERAL_VERSION, "collateral version");
        for (size_t i = 0; i < sizeof(in->reserved) / sizeof(in->reserved[0]); i++)
            ENSURE_ARG(in->reserved[i] == 0, "collateral reserved");
        ENSURE_ARG(in->tcb_info != NULL || in->tcb_info_len == 0, "collateral tcb_info");
        ENSURE_ARG(in->qe_identity != NULL || in->qe_identity_len == 0, "collateral qe_identity");
        ENSURE_ARG(in->tcb_signing_chain != NULL || in->tcb_signing_chain_len == 0,
                   "collateral tcb_signing_chain");
        ENSURE_ARG(in->pck_crl != NULL || in->pck_crl_len == 0, "collateral pck_crl");
        ENSURE_ARG(in->root_crl != NULL || in->root_crl_len == 0, "collateral root_crl");
        c->tcb_info = in->tcb_info;
        c->tcb_info_len = in->tcb_info_len;
        c->qe_identity = in->qe_identity;
        c->qe_identity_len = in->qe_identity_len;
        c->signing_chain = in->tcb_signing_chain;
        c->signing_chain_len = in->tcb_signing_chain_len;
        c->pck_crl = in->pck_crl;
        c->pck_crl_len = in->pck_crl_len;
        c->root_crl = in->root_crl;
        c->root_crl_len = in->root_crl_len;
    }
    c->signer_time = 0; /* the verification time, for every certificate */
    c->extra_crls = (const uint8_t *const *)crls->der;
    c->extra_crl_lens = crls->der_len;
    c->extra_crl_count = crls->count;
out:
    return status;
}

confai_status confai_evidence_verify_tdx(confai_evidence_verdict **verdict,
                                         const confai_policy *policy, const uint8_t *quote,
                                         size_t quote_len,
                                         const confai_tdx_collateral *collateral,
                                         const uint8_t report_data[64], int64_t verify_time,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_evidence_verdict *out = NULL;
    tdx_verified *v = NULL;
    tdx_collateral c;

    confai_err_clear(err);
    GUARD(verdict_start(&out, verdict, policy, "tdx", verify_time, err));
    ENSURE_ARG(quote != NULL, "quote");
    GUARD(tdx_inputs(&c, collateral, &policy->tdx.crls, err));
    verdict_checks *checks = &out->checks;
    GUARD(policy_check_platform(policy, POLICY_PLATFORM_TDX, checks, err));
    ENSURE(policy->has_tdx && policy->tdx.trust != NULL, CONFAI_E_POLICY_PLATFORM,
           "policy: no tdx section");
    v = confai_zalloc(sizeof(*v));
    ENSURE(v != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    GUARD(tdx_verify(v, policy->tdx.trust, NULL, quote, quote_len, TDX_PARSE_PADDED, &c,
                     out->verified_at, err));
    verdict_note(checks, CHECK_TDX_PCK_CHAIN, 0);
    verdict_note(checks, CHECK_TDX_QE_REPORT, 0);
    verdict_note(checks, CHECK_TDX_SIGNATURE, 0);
    if (v->tcb_info_present)
        verdict_note(checks, CHECK_TDX_TCB_INFO, 0);
    if (v->qe_identity_present)
        verdict_note(checks, CHECK_TDX_QE_IDENTITY, 0);
    GUARD(check_report_data(v->quote.report_data, report_data, checks, err));
    GUARD(policy_check_tdx(policy, v, out->verified_at, checks, err));
    set_root(out, v->root_kind == TDX_ROOT_CUSTOM, "Intel");
    GUARD(finish(out, describe_tdx, v, err));
    *verdict = out;
    out = NULL;
out:
    confai_evidence_verdict_free(out);
    if (v != NULL)
        confai_free_secret(v, sizeof(*v));
    return status;
}

/* One GPU's verifier: its chain, signature and nonce (gpu.certificate_chain .. gpu.binding). */
static confai_status verify_one_gpu(nvgpu_verified *v, const policy_gpus *g,
                                    const confai_gpu_evidence *in, int64_t at, confai_error *err)
{
    return nvgpu_verify(v, g->trust, in->evidence, in->evidence_len, in->certs, in->cert_lens,
                        in->cert_count, in->nonce, at, err);
}

static confai_status check_gpu_input(const confai_gpu_evidence *in, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE_ARG(in->evidence != NULL, "evidence");
    ENSURE_ARG(in->cert_count == 0 || (in->certs != NULL && in->cert_lens != NULL), "certs");
    ENSURE_ARG(in->nonce != NULL, "nonce");
out:
    return status;
}

/* The policy's gpus section accepts this many GPUs (policy.gpu.count). */
static confai_status check_gpu_count(const confai_policy *policy, size_t count,
                                     verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const policy_gpus *g = &policy->gpus;
    ENSURE(policy->has_gpus, CONFAI_E_POLICY_GPU_COUNT,
           "policy: no gpus section, so no GPU evidence is accepted");
    ENSURE(count >= g->min_count && count <= g->max_count, CONFAI_E_POLICY_GPU_COUNT,
           "policy: %zu GPU(s), gpus accepts %u to %u", count, g->min_count, g->max_count);
    verdict_note(checks, CHECK_POLICY_GPU_COUNT, 0);
out:
    return status;
}

/* The gpus section's checks every GPU passed, in the bundle path's order. */
static void note_gpu_policy(verdict_checks *checks, const policy_gpus *g)
{
    verdict_note(checks, CHECK_POLICY_GPU_CC_MODE, g->allow_devtools);
    verdict_note(checks, CHECK_POLICY_GPU_MEASUREMENTS, g->measurements_any);
    verdict_note(checks, CHECK_POLICY_GPU_DRIVER, g->driver_versions.any);
    verdict_note(checks, CHECK_POLICY_GPU_VBIOS, g->vbios_versions.any);
}

confai_status confai_evidence_verify_gpu(confai_evidence_verdict **verdict,
                                         const confai_policy *policy, const uint8_t *evidence,
                                         size_t evidence_len, const uint8_t *const *certs,
                                         const size_t *cert_lens, size_t cert_count,
                                         const uint8_t nonce[32], int64_t verify_time,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_evidence_verdict *out = NULL;
    nvgpu_verified *v = NULL;
    verdict_gpu *matched = NULL;
    const confai_gpu_evidence in = { evidence, evidence_len, certs, cert_lens, cert_count, nonce };

    confai_err_clear(err);
    GUARD(verdict_start(&out, verdict, policy, "nvidia-gpu", verify_time, err));
    GUARD(check_gpu_input(&in, err));
    verdict_checks *checks = &out->checks;
    const policy_gpus *g = &policy->gpus;
    GUARD(check_gpu_count(policy, 1, checks, err));
    v = confai_zalloc(sizeof(*v));
    matched = confai_zalloc(sizeof(*matched));
    ENSURE(v != NULL && matched != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    GUARD(verify_one_gpu(v, g, &in, out->verified_at, err));
    verdict_note(checks, CHECK_GPU_CERTIFICATE_CHAIN, 0);
    verdict_note(checks, CHECK_GPU_SIGNATURE, 0);
    verdict_note(checks, CHECK_GPU_BINDING, 0);
    GUARD(attestation_gpu_policy_check(g, v, matched, err));
    note_gpu_policy(checks, g);
    set_root(out, v->root_kind == NVGPU_ROOT_CUSTOM, "NVIDIA");
    GUARD(finish(out, describe_gpu, v, err));
    *verdict = out;
    out = NULL;
out:
    confai_evidence_verdict_free(out);
    confai_free_secret(matched, matched != NULL ? sizeof(*matched) : 0);
    confai_free_secret(v, v != NULL ? sizeof(*v) : 0);
    return status;
}

static int describe_gpu_list(cJSON *o, const void *list, const char *w)
{
    (void)w; /* each GPU's object carries its own root warning */
    cJSON *copy = cJSON_Duplicate(list, 1);
    if (copy == NULL || !cJSON_AddItemToObject(o, "gpus", copy)) {
        cJSON_Delete(copy);
        return 0;
    }
    return 1;
}

/* "gpus[0], gpus[2]" into the warning of a verdict whose GPUs chain to custom roots. */
static void set_gpus_root(confai_evidence_verdict *out, const size_t *custom, size_t count)
{
    char which[VERDICT_WARNING_SIZE / 2] = "";
    size_t used = 0;
    if (count == 0)
        return;
    for (size_t i = 0; i < count && used < sizeof(which); i++) {
        int n = snprintf(which + used, sizeof(which) - used, "%sgpus[%zu]", i > 0 ? ", " : "",
                         custom[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    out->root_kind = CONFAI_ROOT_CUSTOM;
    snprintf(out->root_warning, sizeof(out->root_warning),
             "NOT an NVIDIA root: the evidence of %s chains to a custom root that the policy "
             "added. Only a test or simulated GPU should be accepted this way.", which);
}

confai_status confai_evidence_verify_gpus(confai_evidence_verdict **verdict,
                                          const confai_policy *policy,
                                          const confai_gpu_evidence *gpus, size_t gpu_count,
                                          int64_t verify_time, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_evidence_verdict *out = NULL;
    nvgpu_verified *v = NULL;
    verdict_gpu *matched = NULL;
    nvgpu_identity seen[BUNDLE_MAX_GPUS];
    size_t custom[BUNDLE_MAX_GPUS], custom_count = 0;
    cJSON *list = NULL;
    char what[32];

    confai_err_clear(err);
    GUARD(verdict_start(&out, verdict, policy, "nvidia-gpu", verify_time, err));
    ENSURE_ARG(gpus != NULL && gpu_count > 0, "gpus");
    for (size_t i = 0; i < gpu_count; i++) {
        snprintf(what, sizeof(what), "gpus[%zu]", i);
        GUARD(attestation_prefixed(check_gpu_input(&gpus[i], err), err, what));
    }
    verdict_checks *checks = &out->checks;
    const policy_gpus *g = &policy->gpus;
    GUARD(check_gpu_count(policy, gpu_count, checks, err));
    ENSURE(gpu_count <= BUNDLE_MAX_GPUS, CONFAI_E_POLICY_GPU_COUNT,
           "policy: %zu GPU(s), at most %d are verified", gpu_count, BUNDLE_MAX_GPUS);
    v = confai_zalloc(sizeof(*v));
    matched = confai_zalloc(sizeof(*matched));
    list = cJSON_CreateArray();
    ENSURE(v != NULL && matched != NULL && list != NULL, CONFAI_E_NO_MEMORY,
           "evidence: out of memory");
    for (size_t i = 0; i < gpu_count; i++) {
        snprintf(what, sizeof(what), "gpus[%zu]", i);
        OPENSSL_cleanse(matched, sizeof(*matched));
        GUARD(attestation_prefixed(verify_one_gpu(v, g, &gpus[i], out->verified_at, err), err,
                                   what));
        seen[i] = v->identity;
        GUARD(attestation_gpu_check_distinct(seen, i, err));
        GUARD(attestation_prefixed(attestation_gpu_policy_check(g, v, matched, err), err, what));
        int is_custom = v->root_kind == NVGPU_ROOT_CUSTOM;
        if (is_custom)
            custom[custom_count++] = i;
        cJSON *item = cJSON_CreateObject();
        int ok = item != NULL && cJSON_AddItemToArray(list, item);
        if (!ok)
            cJSON_Delete(item);
        ENSURE(ok && evidence_json_gpu(item, v, is_custom ? GPU_CUSTOM_ROOT_WARNING : NULL),
               CONFAI_E_NO_MEMORY, "evidence: out of memory");
    }
    verdict_note(checks, CHECK_GPU_CERTIFICATE_CHAIN, 0);
    verdict_note(checks, CHECK_GPU_SIGNATURE, 0);
    verdict_note(checks, CHECK_GPU_BINDING, 0);
    verdict_note(checks, CHECK_GPU_DISTINCT, 0);
    note_gpu_policy(checks, g);
    set_gpus_root(out, custom, custom_count);
    GUARD(finish(out, describe_gpu_list, list, err));
    *verdict = out;
    out = NULL;
out:
    cJSON_Delete(list);
    confai_evidence_verdict_free(out);
    confai_free_secret(matched, matched != NULL ? sizeof(*matched) : 0);
    confai_free_secret(v, v != NULL ? sizeof(*v) : 0);
    return status;
}

void confai_evidence_verdict_free(confai_evidence_verdict *verdict)
{
    if (verdict == NULL)
        return;
    confai_free(verdict->json);
    confai_free_secret(verdict, sizeof(*verdict));
}

const char *confai_evidence_verdict_platform(const confai_evidence_verdict *verdict)
{
    return verdict != NULL ? verdict->platform : NULL;
}

confai_root_kind confai_evidence_verdict_root_kind(const confai_evidence_verdict *verdict)
{
    return verdict != NULL ? verdict->root_kind : CONFAI_ROOT_NONE;
}

const char *confai_evidence_verdict_root_warning(const confai_evidence_verdict *verdict)
{
    return verdict != NULL && verdict->root_kind == CONFAI_ROOT_CUSTOM ? verdict->root_warning
                                                                       : NULL;
}

size_t confai_evidence_verdict_check_count(const confai_evidence_verdict *verdict)
{
    return verdict != NULL ? verdict->checks.passed_count : 0;
}

const char *confai_evidence_verdict_check(const confai_evidence_verdict *verdict, size_t index)
{
    return verdict != NULL && index < verdict->checks.passed_count ? verdict->checks.passed[index]
                                                                   : NULL;
}

size_t confai_evidence_verdict_waived_count(const confai_evidence_verdict *verdict)
{
    return verdict != NULL ? verdict->checks.waived_count : 0;
}

const char *confai_evidence_verdict_waived(const confai_evidence_verdict *verdict, size_t index)
{
    return verdict != NULL && index < verdict->checks.waived_count ? verdict->checks.waived[index]
                                                                   : NULL;
}

confai_status confai_evidence_verdict_json(const confai_evidence_verdict *verdict, char **json,
                                           size_t *json_len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(json != NULL, "json");
    *json = NULL;
    if (json_len != NULL)
        *json_len = 0;
    ENSURE_ARG(verdict != NULL && verdict->json != NULL, "verdict");
    *json = confai_alloc_for_caller(verdict->json_len + 1);
    ENSURE(*json != NULL, CONFAI_E_NO_MEMORY, "evidence: out of memory");
    memcpy(*json, verdict->json, verdict->json_len + 1);
    if (json_len != NULL)
        *json_len = verdict->json_len;
out:
    return status;
}
