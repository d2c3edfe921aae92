/*
 * TDX quote verification (Intel TDX DCAP Quote Verification Library rules):
 * the endorsement (tdx_endorsement.c: PCK chain, CRLs, collateral), taken
 * from the caller's cache when it holds one for the same inputs, then what
 * every quote needs checked anew:
 *
 *   QE report      ECDSA P-256 by the PCK leaf; its report data is
 *                  SHA-256(attestation key || QE auth data) || 32 zero bytes
 *   quote          ECDSA P-256 by the attestation key over header (+ v5
 *                  body descriptor) + body
 *   TCB            the first TCB level whose SGX components and PCE SVN (from
 *                  the PCK leaf) and TDX components (TEE_TCB_SVN) are all at
 *                  least the level's; TDX module identity for TEE_TCB_SVN[1]
 *                  > 0; QE identity level of the QE's ISVSVN; converged.
 */
#include "attest/tdx/tdx_internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "core/error.h"
#include "crypto/x509.h"

/* --- the attestation key ----------------------------------------------------------- */

static confai_status raw_p256_key(EVP_PKEY **key, const uint8_t xy[64], confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t point[65];
    EVP_PKEY_CTX *pctx = NULL;
    OSSL_PARAM params[3];
    point[0] = 0x04;
    memcpy(point + 1, xy, 64);
    char group[] = "prime256v1";
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 65);
    params[2] = OSSL_PARAM_construct_end();
    *key = NULL;
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    OSSL_ENSURE(pctx != NULL && EVP_PKEY_fromdata_init(pctx) == 1, CONFAI_E_INTERNAL,
                "EC key context");
    if (EVP_PKEY_fromdata(pctx, key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        ERR_clear_error();
        BAIL(CONFAI_E_BAD_SIGNATURE, "TDX quote: the attestation key is not a P-256 point");
    }
    /*
     * fromdata does not always check the point is on the curve: do it. P-256
     * has cofactor 1, so a point on the curve is in the group and the quick
     * check (range and curve equation, no multiplication by the order) is
     * the complete one.
     */
    EVP_PKEY_CTX_free(pctx);
    pctx = EVP_PKEY_CTX_new_from_pkey(NULL, *key, NULL);
    OSSL_ENSURE(pctx != NULL, CONFAI_E_INTERNAL, "EC key context");
    if (EVP_PKEY_public_check_quick(pctx) != 1) {
        ERR_clear_error();
        BAIL(CONFAI_E_BAD_SIGNATURE, "TDX quote: the attestation key is not a P-256 point");
    }
out:
    if (status != CONFAI_OK) {
        EVP_PKEY_free(*key);
        *key = NULL;
    }
    EVP_PKEY_CTX_free(pctx);
    return status;
}

/* --- TCB evaluation --------------------------------------------------------------- */

static confai_status add_advisories(tdx_advisories *dst, const tdx_advisories *src,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    for (size_t i = 0; i < src->count; i++) {
        int have = 0;
        for (size_t j = 0; j < dst->count && !have; j++)
            have = strcmp(dst->id[j], src->id[i]) == 0;
        if (have)
            continue;
        ENSURE(dst->count < TDX_MAX_ADVISORIES, CONFAI_E_LIMIT,
               "TDX collateral: more than %d advisory ids", TDX_MAX_ADVISORIES);
        memcpy(dst->id[dst->count++], src->id[i], TDX_ADVISORY_SIZE);
    }
out:
    return status;
}

/* Intel's rule for an OutOfDate or Revoked module or QE on top of a status. */
static tdx_tcb_status converge(tdx_tcb_status base, tdx_tcb_status other)
{
    if (base == TDX_TCB_NOT_SUPPORTED || other == TDX_TCB_NOT_SUPPORTED)
        return TDX_TCB_NOT_SUPPORTED;
    if (other == TDX_TCB_REVOKED)
        return TDX_TCB_REVOKED;
    if (other == TDX_TCB_OUT_OF_DATE) {
        if (base == TDX_TCB_UP_TO_DATE || base == TDX_TCB_SW_HARDENING_NEEDED)
            return TDX_TCB_OUT_OF_DATE;
        if (base == TDX_TCB_CONFIGURATION_NEEDED ||
            base == TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            return TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    return base;
}

/* The outcome of one TCB evaluation for one TEE_TCB_SVN array. */
typedef struct tcb_eval {
    tdx_tcb_status platform, module, converged;
    int64_t tcb_date;
} tcb_eval;

static confai_status evaluate_tcb(tcb_eval *e, tdx_advisories *adv, const tdx_quote *q,
                                  const tdx_pck_info *pck, const tdx_tcb_info *info,
                                  const uint8_t svn[16], confai_error *err)
{
    confai_status status = CONFAI_OK;
    int modular = svn[1] > 0 && info->module_id_count > 0;
    e->module = TDX_TCB_UNKNOWN;

    /* which TDX module: tdxModuleIdentities[TDX_xx] or tdxModule */
    const uint8_t *mrsigner = info->module_mrsigner;
    uint64_t attrs = info->module_attributes, mask = info->module_attributes_mask;
    const tdx_module_identity *mod = NULL;
    if (modular) {
        char id[16];
        snprintf(id, sizeof(id), "TDX_%02X", svn[1]);
        for (size_t i = 0; i < info->module_id_count && mod == NULL; i++)
            if (strcmp(info->module_ids[i].id, id) == 0)
                mod = &info->module_ids[i];
        if (mod == NULL) {
            e->module = TDX_TCB_NOT_SUPPORTED;
        } else {
            mrsigner = mod->mrsigner;
            attrs = mod->attributes;
            mask = mod->attributes_mask;
        }
    }
    ENSURE(CRYPTO_memcmp(q->mrsignerseam, mrsigner, 48) == 0, CONFAI_E_TCB_MISMATCH,
           "TDX module: MRSIGNERSEAM is not the one the TCB info names");
    ENSURE((q->seam_attributes & mask) == attrs, CONFAI_E_TCB_MISMATCH,
           "TDX module: SEAMATTRIBUTES do not match the TCB info");
    if (mod != NULL) {
        e->module = TDX_TCB_NOT_SUPPORTED;
        for (size_t i = 0; i < mod->level_count; i++) {
            if (svn[0] >= mod->levels[i].isvsvn) {
                e->module = mod->levels[i].status;
                GUARD(add_advisories(adv, &mod->levels[i].advisories, err));
                break;
            }
        }
    }

    e->platform = TDX_TCB_NOT_SUPPORTED;
    for (size_t i = 0; i < info->level_count; i++) {
        const tdx_tcb_level *l = &info->levels[i];
        int ok = pck->pcesvn >= l->pcesvn;
        for (int k = 0; k < 16 && ok; k++)
            ok = pck->sgx_tcb[k] >= l->sgx[k];
        for (int k = modular ? 2 : 0; k < 16 && ok; k++)
            ok = svn[k] >= l->tdx[k];
        if (ok) {
            e->platform = l->status;
            e->tcb_date = l->tcb_date;
            GUARD(add_advisories(adv, &l->advisories, err));
            break;
        }
    }
    e->converged = e->platform;
    if (modular)
        e->converged = converge(e->converged, e->module);
out:
    return status;
}

static confai_status evaluate_qe(tdx_verified *v, const tdx_qe_identity *id,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    const tdx_qe_report *r = &v->quote.qe_report;
    ENSURE(CRYPTO_memcmp(r->mrsigner, id->mrsigner, 32) == 0, CONFAI_E_TCB_MISMATCH,
           "QE identity: MRSIGNER differs");
    ENSURE(r->isvprodid == id->isvprodid, CONFAI_E_TCB_MISMATCH,
           "QE identity: ISVPRODID %u, expected %u", r->isvprodid, id->isvprodid);
    ENSURE((r->miscselect & id->miscselect_mask) == id->miscselect, CONFAI_E_TCB_MISMATCH,
           "QE identity: MISCSELECT differs");
    uint8_t masked[16];
    for (int i = 0; i < 16; i++)
        masked[i] = r->attributes[i] & id->attributes_mask[i];
    ENSURE(CRYPTO_memcmp(masked, id->attributes, 16) == 0, CONFAI_E_TCB_MISMATCH,
           "QE identity: ATTRIBUTES differ");
    v->qe_status = TDX_TCB_NOT_SUPPORTED;
    for (size_t i = 0; i < id->level_count; i++) {
        if (r->isvsvn >= id->levels[i].isvsvn) {
            v->qe_status = id->levels[i].status;
            GUARD(add_advisories(&v->advisories, &id->levels[i].advisories, err));
            break;
        }
    }
out:
    return status;
}

/* --- the whole verification --------------------------------------------------------- */

/* The quote's own checks and its evaluation against an endorsement. */
static confai_status check_quote(tdx_verified *v, const tdx_endorsement *e,
                                 const uint8_t *quote, confai_error *err)
{
    confai_status status = CONFAI_OK;
    EVP_PKEY *ak = NULL;
    const tdx_quote *q = &v->quote;
    v->root_kind = e->root_kind;
    memcpy(v->root_spki_sha256, e->root_spki_sha256, 32);
    v->pck = e->pck;
    v->not_before = e->not_before;
    v->not_after = e->not_after;
    v->pck_crl_checked = e->pck_crl_checked;
    v->root_crl_checked = e->root_crl_checked;

    /* QE report: signed by the PCK leaf, binding the attestation key */
    GUARD(tdx_ecdsa_verify(e->pck_key, q->qe_signature, q->qe_report_raw, TDX_QE_REPORT_SIZE,
                           "TDX QE report", err));
    uint8_t expect[64] = { 0 };
    GUARD(x509_sha256(expect, q->attestation_key, 64, q->qe_auth_data, q->qe_auth_data_len,
                      err));
    ENSURE(CRYPTO_memcmp(expect, q->qe_report.report_data, 64) == 0, CONFAI_E_BINDING,
           "TDX QE report: report data is not SHA-256(attestation key || QE auth data)");

    /* the quote itself */
    GUARD(raw_p256_key(&ak, q->attestation_key, err));
    GUARD(tdx_ecdsa_verify(ak, q->signature, quote, q->signed_len, "TDX quote", err));

    /* the TCB levels of the verified collateral, for this quote's SVNs */
    const tdx_tcb_info *info = e->tcb_info;
    const tdx_qe_identity *qeid = e->qe_identity;
    if (info != NULL) {
        v->tcb_info_present = 1;
        v->tcb_eval_num = info->tcb_eval_num;
        v->collateral_issued = info->issue_date;
        tcb_eval launch = { 0 }, current = { 0 };
        GUARD(evaluate_tcb(&launch, &v->advisories, q, &v->pck, info, q->tee_tcb_svn, err));
        v->platform_status = launch.platform;
        v->module_status = launch.module;
        v->tcb_status = launch.converged;
        v->tcb_date = launch.tcb_date;
        v->current_tcb_status = launch.converged;
        if (q->body_type == TDX_BODY_TD15) {
            GUARD(evaluate_tcb(&current, &v->advisories, q, &v->pck, info, q->tee_tcb_svn2,
                               err));
            v->current_tcb_status = current.converged;
        }
    }
    if (qeid != NULL) {
        v->qe_identity_present = 1;
        if (!v->tcb_info_present || qeid->tcb_eval_num < v->tcb_eval_num)
            v->tcb_eval_num = qeid->tcb_eval_num;
        if (!v->tcb_info_present || qeid->issue_date < v->collateral_issued)
            v->collateral_issued = qeid->issue_date;
        GUARD(evaluate_qe(v, qeid, err));
    }
    v->collateral_missing = !(v->tcb_info_present && v->qe_identity_present);
    if (v->tcb_info_present && v->qe_identity_present) {
        v->tcb_status = converge(v->tcb_status, v->qe_status);
        v->current_tcb_status = converge(v->current_tcb_status, v->qe_status);
    }
out:
    EVP_PKEY_free(ak);
    return status;
}

confai_status tdx_verify(tdx_verified *out, const tdx_trust *trust, tdx_cache *cache,
                         const uint8_t *quote, size_t quote_len, uint32_t parse_flags,
                         const tdx_collateral *collateral, int64_t verify_time,
                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    tdx_endorsement fresh;
    const tdx_endorsement *e = NULL;
    uint8_t id[32];
    memset(&fresh, 0, sizeof(fresh));
    confai_err_clear(err);
    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(trust != NULL, "trust");

    GUARD(tdx_quote_parse(&out->quote, quote, quote_len, parse_flags, err));
    const tdx_quote *q = &out->quote;
    ENSURE(memcmp(q->qe_vendor_id, tdx_intel_qe_vendor_id, 16) == 0, CONFAI_E_UNSUPPORTED,
           "TDX quote: QE vendor id is not Intel's");
    ENSURE(collateral == NULL || collateral->extra_crl_count == 0 ||
               (collateral->extra_crls != NULL && collateral->extra_crl_lens != NULL),
           CONFAI_E_ARGUMENT, "collateral: extra CRLs without their lengths");

    if (cache != NULL) {
        GUARD(tdx_cache_id(id, trust, q->pck_chain, q->pck_chain_len, collateral, err));
        e = tdx_cache_find(cache, id, verify_time);
    }
    if (e == NULL) {
        GUARD(tdx_endorsement_verify(&fresh, trust, q->pck_chain, q->pck_chain_len,
                                     collateral, verify_time, err));
        e = &fresh;
    }
    GUARD(check_quote(out, e, quote, err));
    /* only a verification that passed as a whole fills the cache */
    if (cache != NULL && e == &fresh)
        tdx_cache_put(cache, id, &fresh);
out:
    tdx_endorsement_clear(&fresh);
    ERR_clear_error();
    if (status != CONFAI_OK && out != NULL)
        memset(out, 0, sizeof(*out));
    return status;
}
