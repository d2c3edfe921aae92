/*
 * Raw evidence (files, not a bundle) through the library's platform
 * verifiers: SEV-SNP (snp_verify), TDX (tdx_verify) and NVIDIA GPUs
 * (nvgpu_verify), each at the time the user chose, followed by the direct
 * comparison of the report data when --report-data was given. A raw report
 * carries no key binding of its own: what the report data means is the
 * caller's business, and verify says so when it is not checked.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "describe.h"
#include "evidence.h"

static confai_status fail(confai_error *err, confai_status status, const char *msg)
{
    if (err != NULL) {
        err->status = status;
        snprintf(err->message, sizeof(err->message), "%s", msg);
    }
    return status;
}

static confai_status check_report_data(const uint8_t have[64], const cli_evidence *ev,
                                       verdict_checks *checks, confai_error *err)
{
    if (!ev->has_report_data)
        return CONFAI_OK;
    if (CRYPTO_memcmp(have, ev->report_data, 64) != 0)
        return fail(err, CONFAI_E_BINDING, "report data differs from --report-data");
    verdict_note(checks, "report_data", 0);
    return CONFAI_OK;
}

confai_status cli_raw_snp(snp_verified *out, const snp_trust *trust, const cli_evidence *ev,
                          verdict_checks *checks, confai_error *err)
{
    const uint8_t *certs[CLI_MAX_CERTS];
    confai_status st;

    for (size_t i = 0; i < ev->snp_certs.count; i++)
        certs[i] = ev->snp_certs.der[i];
    st = snp_verify(out, trust, NULL, ev->snp_report.data, ev->snp_report.len, certs,
                    ev->snp_certs.len, ev->snp_certs.count, ev->at, err);
    if (st != CONFAI_OK)
        return st;
    verdict_note(checks, "sev_snp.certificate_chain", 0);
    verdict_note(checks, "sev_snp.endorsement", 0);
    verdict_note(checks, "sev_snp.signature", 0);
    return check_report_data(out->report.report_data, ev, checks, err);
}

confai_status cli_raw_tdx(tdx_verified *out, const tdx_trust *trust, const policy_ders *crls,
                          const cli_evidence *ev, verdict_checks *checks, confai_error *err)
{
    tdx_collateral c = {
        .tcb_info = (const char *)ev->tcb_info.data,
        .tcb_info_len = ev->tcb_info.len,
        .qe_identity = (const char *)ev->qe_identity.data,
        .qe_identity_len = ev->qe_identity.len,
        .signing_chain = (const char *)ev->tcb_chain.data,
        .signing_chain_len = ev->tcb_chain.len,
        .pck_crl = ev->pck_crl.data,
        .pck_crl_len = ev->pck_crl.len,
        .root_crl = ev->root_crl.data,
        .root_crl_len = ev->root_crl.len,
        .signer_time = 0,
        .extra_crls = crls != NULL ? (const uint8_t *const *)crls->der : NULL,
        .extra_crl_lens = crls != NULL ? crls->der_len : NULL,
        .extra_crl_count = crls != NULL ? crls->count : 0,
    };
    confai_status st = tdx_verify(out, trust, NULL, ev->tdx_quote.data, ev->tdx_quote.len,
                                  TDX_PARSE_PADDED, &c, ev->at, err);
    if (st != CONFAI_OK)
        return st;
    verdict_note(checks, "tdx.certificate_chain", 0);
    verdict_note(checks, "tdx.qe_report", 0);
    verdict_note(checks, "tdx.signature", 0);
    if (out->tcb_info_present || out->qe_identity_present)
        verdict_note(checks, "tdx.collateral", 0);
    return check_report_data(out->quote.report_data, ev, checks, err);
}

confai_status cli_raw_gpu(nvgpu_verified *out, const nvgpu_trust *trust,
                          const cli_evidence *ev, verdict_checks *checks, confai_error *err)
{
    const uint8_t *certs[CLI_MAX_CERTS];
    for (size_t i = 0; i < ev->gpu_certs.count; i++)
        certs[i] = ev->gpu_certs.der[i];
    confai_status st = nvgpu_verify(out, trust, ev->gpu_evidence.data, ev->gpu_evidence.len,
                                    certs, ev->gpu_certs.len, ev->gpu_certs.count,
                                    ev->gpu_nonce, ev->at, err);
    if (st != CONFAI_OK)
        return st;
    verdict_note(checks, "gpu.certificate_chain", 0);
    verdict_note(checks, "gpu.signature", 0);
    verdict_note(checks, "gpu.nonce", 0);
    return CONFAI_OK;
}

/* --- results as JSON ----------------------------------------------------------- */

/* spki may be NULL when the verifier does not report it. */
static int add_root(cJSON *o, int custom, const uint8_t *spki, const char *vendor)
{
    cJSON *root = cJSON_AddObjectToObject(o, "root");
    if (root == NULL || cJSON_AddStringToObject(root, "kind", custom ? "custom" : "vendor") == NULL ||
        (spki != NULL && !cli_add_hex(root, "spki_sha256", spki, 32)))
        return 0;
    if (custom) {
        char warning[256];
        snprintf(warning, sizeof(warning),
                 "NOT an %s root: the evidence chains to a custom root that the policy "
                 "added. Only a test or simulated platform should be accepted this way.",
                 vendor);
        if (cJSON_AddStringToObject(root, "warning", warning) == NULL)
            return 0;
        fprintf(stderr, "confai: WARNING: %s\n", warning);
    }
    return 1;
}

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

int cli_raw_describe_snp(cJSON *out, const snp_verified *v)
{
    cJSON *o = cJSON_AddObjectToObject(out, "sev_snp");
    return o != NULL &&
           cJSON_AddStringToObject(o, "product", policy_snp_product_name(v->report.product)) &&
           add_root(o, v->root_kind == SNP_ROOT_CUSTOM, v->root_spki_sha256, "AMD") &&
           cJSON_AddStringToObject(o, "endorsement", v->endorsement_subject) &&
           cJSON_AddStringToObject(o, "product_name", v->product_name) &&
           (v->csp_id[0] == '\0' || cJSON_AddStringToObject(o, "csp_id", v->csp_id)) &&
           cli_add_time(o, "chain_not_before", v->not_before) &&
           cli_add_time(o, "chain_not_after", v->not_after) &&
           attach(o, "report", describe_snp_report(&v->report));
}

int cli_raw_describe_tdx(cJSON *out, const tdx_verified *v)
{
    cJSON *o = cJSON_AddObjectToObject(out, "tdx");
    cJSON *adv = NULL;
    int ok = o != NULL &&
             add_root(o, v->root_kind == TDX_ROOT_CUSTOM, v->root_spki_sha256, "Intel") &&
             cJSON_AddStringToObject(o, "tcb_status", tdx_tcb_status_name(v->tcb_status)) &&
             cJSON_AddStringToObject(o, "current_tcb_status",
                                     tdx_tcb_status_name(v->current_tcb_status)) &&
             cJSON_AddStringToObject(o, "platform_status",
                                     tdx_tcb_status_name(v->platform_status)) &&
             cJSON_AddStringToObject(o, "module_status", tdx_tcb_status_name(v->module_status)) &&
             cJSON_AddStringToObject(o, "qe_status", tdx_tcb_status_name(v->qe_status)) &&
             cJSON_AddBoolToObject(o, "collateral_missing", v->collateral_missing) &&
             cli_add_hex(o, "fmspc", v->pck.fmspc, sizeof(v->pck.fmspc)) &&
             cli_add_time(o, "valid_from", v->not_before) &&
             cli_add_time(o, "valid_until", v->not_after) &&
             (adv = cJSON_AddArrayToObject(o, "advisories")) != NULL;
    for (size_t i = 0; ok && i < v->advisories.count; i++) {
        cJSON *s = cJSON_CreateString(v->advisories.id[i]);
        ok = s != NULL && cJSON_AddItemToArray(adv, s);
        if (!ok)
            cJSON_Delete(s);
    }
    return ok && attach(o, "quote", describe_tdx_quote(&v->quote));
}

int cli_raw_describe_gpu(cJSON *out, const nvgpu_verified *v)
{
    cJSON *o = cJSON_AddObjectToObject(out, "gpu");
    return o != NULL &&
           add_root(o, v->root_kind == NVGPU_ROOT_CUSTOM, v->root_spki_sha256, "NVIDIA") &&
           cJSON_AddStringToObject(o, "leaf", v->leaf_subject) &&
           cJSON_AddStringToObject(o, "root_subject", v->root_subject) &&
           attach(o, "evidence", describe_spdm(&v->evidence));
}

static int add_names(cJSON *out, const char *name, const char *const *names, size_t count)
{
    cJSON *a = cJSON_AddArrayToObject(out, name);
    if (a == NULL)
        return 0;
    for (size_t i = 0; i < count; i++) {
        cJSON *s = cJSON_CreateString(names[i]);
        if (s == NULL || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            return 0;
        }
    }
    return 1;
}

int cli_add_checks(cJSON *out, const verdict_checks *checks)
{
    return add_names(out, "checks", checks->passed, checks->passed_count) &&
           add_names(out, "waived", checks->waived, checks->waived_count);
}
