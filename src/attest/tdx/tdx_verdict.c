/*
 * Verdicts of TDX evidence: the root and the TDX members of the verdict
 * JSON (doc/protocol.md, "Verdict"). The measurement of a TDX verdict is
 * MRTD; the RTMRs, the TD's identity fields, the TDX module and the TCB
 * statuses Intel's collateral gave (with their advisory ids) are in the
 * JSON. TDX names no product and has no SEV-SNP TCB values.
 */
#include "attest/tdx/tdx_verdict.h"

#include <stdio.h>
#include <string.h>

#include "attest/tdx/tdx.h"
#include "attest/verdict.h"
#include "core/hex.h"
#include "core/rfc3339.h"

#define TDX_ATTRIBUTE_DEBUG UINT64_C(1)

int64_t tdx_verdict_fill(confai_verdict *v, void *state, const char *root_subject)
{
    tdx_verified *t = state;
    /* they point into the bundle, which the caller releases */
    t->quote.qe_auth_data = NULL;
    t->quote.qe_auth_data_len = 0;
    t->quote.pck_chain = NULL;
    t->quote.pck_chain_len = 0;
    v->product = NULL;
    v->root_kind = t->root_kind == TDX_ROOT_VENDOR ? CONFAI_ROOT_VENDOR : CONFAI_ROOT_CUSTOM;
    memcpy(v->root_spki_sha256, t->root_spki_sha256, sizeof(v->root_spki_sha256));
    if (v->root_kind == CONFAI_ROOT_CUSTOM)
        verdict_write_root_warning(v, "Intel", "Intel TDX hardware", root_subject);
    /* The PCK chain's and the collateral's validity (tdx_verify's not_after). */
    return t->not_after;
}

const uint8_t *tdx_verdict_measurement(const void *state, size_t *len)
{
    const tdx_verified *t = state;
    if (len != NULL)
        *len = sizeof(t->quote.mrtd);
    return t->quote.mrtd;
}

/* --- JSON ----------------------------------------------------------------------- */

static int add_hex(cJSON *obj, const char *name, const uint8_t *data, size_t len)
{
    char text[2 * 64 + 1];
    hex_encode(text, data, len);
    return cJSON_AddStringToObject(obj, name, text) != NULL;
}

/* A little-endian field as the bytes of the quote, the form policies use. */
static int add_le64(cJSON *obj, const char *name, uint64_t x)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    return add_hex(obj, name, b, sizeof(b));
}

static int add_status(cJSON *obj, const char *name, tdx_tcb_status s)
{
    return cJSON_AddStringToObject(obj, name, tdx_tcb_status_name(s)) != NULL;
}

static int add_tcb(cJSON *root, const tdx_verified *t)
{
    char date[RFC3339_LEN + 1];
    cJSON *tcb = cJSON_AddObjectToObject(root, "tcb");
    if (tcb == NULL)
        return 0;
    int ok = add_status(tcb, "status", t->tcb_status) &&
             add_status(tcb, "current_status", t->current_tcb_status) &&
             add_status(tcb, "platform_status", t->platform_status) &&
             add_status(tcb, "module_status", t->module_status) &&
             add_status(tcb, "qe_status", t->qe_status) &&
             cJSON_AddNumberToObject(tcb, "evaluation_data_number", t->tcb_eval_num) != NULL;
    if (ok && t->tcb_date != 0 && rfc3339_format(date, t->tcb_date))
        ok = cJSON_AddStringToObject(tcb, "date", date) != NULL;
    cJSON *adv = ok ? cJSON_AddArrayToObject(tcb, "advisory_ids") : NULL;
    for (size_t i = 0; adv != NULL && i < t->advisories.count; i++) {
        cJSON *s = cJSON_CreateString(t->advisories.id[i]);
        if (s == NULL || !cJSON_AddItemToArray(adv, s)) {
            cJSON_Delete(s);
            return 0;
        }
    }
    return adv != NULL;
}

static int add_collateral(cJSON *root, const tdx_verified *t)
{
    char date[RFC3339_LEN + 1];
    cJSON *c = cJSON_AddObjectToObject(root, "collateral");
    if (c == NULL)
        return 0;
    int ok = cJSON_AddBoolToObject(c, "tcb_info", t->tcb_info_present) != NULL &&
             cJSON_AddBoolToObject(c, "qe_identity", t->qe_identity_present) != NULL &&
             cJSON_AddBoolToObject(c, "pck_crl", t->pck_crl_checked) != NULL &&
             cJSON_AddBoolToObject(c, "root_ca_crl", t->root_crl_checked) != NULL;
    if (ok && t->collateral_issued != 0 && rfc3339_format(date, t->collateral_issued))
        ok = cJSON_AddStringToObject(c, "issued", date) != NULL;
    return ok;
}

int tdx_verdict_json_add(cJSON *root, const void *state)
{
    const tdx_verified *t = state;
    const tdx_quote *q = &t->quote;
    char fmspc[13];
    cJSON *rtmrs;
    int ok = add_hex(root, "measurement", q->mrtd, sizeof(q->mrtd)) &&
             cJSON_AddNumberToObject(root, "quote_version", q->version) != NULL &&
             cJSON_AddStringToObject(root, "td_report",
                                     q->body_type == TDX_BODY_TD15 ? "1.5" : "1.0") != NULL &&
             (rtmrs = cJSON_AddArrayToObject(root, "rtmrs")) != NULL;
    for (int i = 0; ok && i < 4; i++) {
        char text[2 * 48 + 1];
        hex_encode(text, q->rtmr[i], sizeof(q->rtmr[i]));
        cJSON *s = cJSON_CreateString(text);
        if (s == NULL || !cJSON_AddItemToArray(rtmrs, s)) {
            cJSON_Delete(s);
            ok = 0;
        }
    }
    ok = ok && add_hex(root, "mr_config_id", q->mrconfigid, sizeof(q->mrconfigid)) &&
         add_hex(root, "mr_owner", q->mrowner, sizeof(q->mrowner)) &&
         add_hex(root, "mr_owner_config", q->mrownerconfig, sizeof(q->mrownerconfig)) &&
         add_le64(root, "td_attributes", q->td_attributes) &&
         cJSON_AddBoolToObject(root, "debug", (q->td_attributes & TDX_ATTRIBUTE_DEBUG) != 0) &&
         add_le64(root, "xfam", q->xfam) &&
         add_hex(root, "mrseam", q->mrseam, sizeof(q->mrseam)) &&
         add_hex(root, "mrsignerseam", q->mrsignerseam, sizeof(q->mrsignerseam)) &&
         add_le64(root, "seam_attributes", q->seam_attributes) &&
         add_hex(root, "tee_tcb_svn", q->tee_tcb_svn, sizeof(q->tee_tcb_svn));
    if (ok && q->body_type == TDX_BODY_TD15)
        ok = add_hex(root, "tee_tcb_svn2", q->tee_tcb_svn2, sizeof(q->tee_tcb_svn2)) &&
             add_hex(root, "mr_service_td", q->mrservicetd, sizeof(q->mrservicetd));
    hex_encode(fmspc, t->pck.fmspc, sizeof(t->pck.fmspc));
    ok = ok && cJSON_AddStringToObject(root, "fmspc", fmspc) != NULL &&
         cJSON_AddNumberToObject(root, "pce_svn", t->pck.pcesvn) != NULL &&
         add_tcb(root, t) && add_collateral(root, t);
    return ok;
}
