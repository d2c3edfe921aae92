/*
 * Intel TDX in confai_attestation_verify (doc/protocol.md, "Verification";
 * doc/policy.md, "tdx"): the platform's operations table (platform.h).
 * attestation.c runs the sequence every platform shares; for TDX the quote,
 * its PCK chain and the collateral the bundle carries verify at the
 * verification time, REPORTDATA is what the binding checks, and the policy
 * is the tdx section's checks (below). The verdict's part is tdx_verdict.c.
 *
 * The verification time is the only time: the TCB signing chain of the
 * collateral is checked at it like every other certificate
 * (tdx_collateral.signer_time stays 0), so a service has to deliver the
 * issuer chain Intel's PCS serves with the collateral, not an old copy.
 */
#include "attest/tdx/tdx_attestation.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/platform.h"
#include "attest/policy/policy.h"
#include "attest/tdx/tdx_verdict.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"

#define TDX_ATTRIBUTE_DEBUG UINT64_C(1) /* TDATTRIBUTES bit 0 */

/* --- the policy's tdx section ------------------------------------------------- */

/* Revoked, NotSupported and Unknown are never accepted, not even by "*". */
static int status_accepted(const policy_names *accepted, tdx_tcb_status s)
{
    if (s == TDX_TCB_UNKNOWN || s == TDX_TCB_REVOKED || s == TDX_TCB_NOT_SUPPORTED)
        return 0;
    if (accepted->any)
        return 1;
    const char *name = tdx_tcb_status_name(s);
    int found = 0;
    for (size_t i = 0; i < accepted->count; i++)
        found |= strcmp(accepted->items[i], name) == 0;
    return found;
}

/* "INTEL-SA-00001, INTEL-SA-00002" (cut to fit), or "none". */
static void advisory_list(char *out, size_t cap, const tdx_advisories *adv)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < adv->count && at < cap; i++) {
        int n = snprintf(out + at, cap - at, "%s%s", i ? ", " : "", adv->id[i]);
        if (n < 0)
            break;
        at += (size_t)n;
    }
    if (adv->count == 0)
        snprintf(out, cap, "none");
}

static confai_status check_tcb_status(const policy_tdx *p, const tdx_verified *v,
                                      verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char adv[160];

    advisory_list(adv, sizeof(adv), &v->advisories);
    ENSURE(status_accepted(&p->tcb_statuses, v->tcb_status), CONFAI_E_POLICY_TCB,
           "policy: TDX TCB status %s is not in tdx.tcb_statuses (platform %s, module %s, "
           "QE %s; advisories: %s)",
           tdx_tcb_status_name(v->tcb_status), tdx_tcb_status_name(v->platform_status),
           tdx_tcb_status_name(v->module_status), tdx_tcb_status_name(v->qe_status), adv);
    /* TD 1.5: the module running now (TEE_TCB_SVN2) must be accepted too */
    ENSURE(status_accepted(&p->tcb_statuses, v->current_tcb_status), CONFAI_E_POLICY_TCB,
           "policy: the current TDX module's TCB status %s is not in tdx.tcb_statuses "
           "(advisories: %s)",
           tdx_tcb_status_name(v->current_tcb_status), adv);
    verdict_note(checks, CHECK_POLICY_TCB_STATUS, p->tcb_statuses.any);
out:
    return status;
}

static confai_status check_collateral(const policy_tdx *p, const tdx_verified *v,
                                      int64_t verify_time, verdict_checks *checks,
                                      confai_error *err)
{
    confai_status status = CONFAI_OK;

    ENSURE(v->tcb_eval_num >= p->min_tcb_eval_num, CONFAI_E_POLICY_COLLATERAL,
           "policy: TDX collateral has tcbEvaluationDataNumber %u, below the minimum %u",
           v->tcb_eval_num, p->min_tcb_eval_num);
    verdict_note(checks, CHECK_POLICY_TCB_EVALUATION_DATA_NUMBER, 0);
    ENSURE(p->max_collateral_age_any ||
               verify_time - v->collateral_issued <= p->max_collateral_age,
           CONFAI_E_POLICY_COLLATERAL,
           "policy: TDX collateral was issued %lld s before the verification time, more than "
           "tdx.max_collateral_age (%lld s)",
           (long long)(verify_time - v->collateral_issued), (long long)p->max_collateral_age);
    verdict_note(checks, CHECK_POLICY_COLLATERAL_AGE, p->max_collateral_age_any);
    ENSURE(!p->require_crls || v->pck_crl_checked, CONFAI_E_POLICY_COLLATERAL,
           "policy: tdx.require_crls, but no CRL of the PCK CA was supplied");
    ENSURE(!p->require_crls || v->root_crl_checked, CONFAI_E_POLICY_COLLATERAL,
           "policy: tdx.require_crls, but no CRL of the root CA was supplied");
    verdict_note(checks, CHECK_POLICY_CRLS,
                 !p->require_crls && !(v->pck_crl_checked && v->root_crl_checked));
out:
    return status;
}

static confai_status check_measurements(const policy_tdx *p, const tdx_quote *q,
                                        verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    hex_shown shown;
    static const attest_check rtmr_checks[4] = { CHECK_POLICY_RTMR0, CHECK_POLICY_RTMR1,
                                                 CHECK_POLICY_RTMR2, CHECK_POLICY_RTMR3 };

    ENSURE(policy_set_contains(&p->mrtd, q->mrtd), CONFAI_E_POLICY_MEASUREMENT,
           "policy: MRTD not in tdx.mrtd (the service reported %s)",
           hex_show(&shown, q->mrtd, sizeof(q->mrtd)));
    verdict_note(checks, CHECK_POLICY_MEASUREMENT, p->mrtd.any);
    for (int i = 0; i < 4; i++) {
        ENSURE(p->rtmrs_any || policy_set_contains(&p->rtmrs[i], q->rtmr[i]),
               CONFAI_E_POLICY_MEASUREMENT,
               "policy: RTMR%d not in tdx.rtmrs[%d] (the service reported %s)", i, i,
               hex_show(&shown, q->rtmr[i], sizeof(q->rtmr[i])));
        verdict_note(checks, rtmr_checks[i], p->rtmrs_any || p->rtmrs[i].any);
    }
    ENSURE(policy_set_contains(&p->mrseam, q->mrseam), CONFAI_E_POLICY_MEASUREMENT,
           "policy: MRSEAM (the TDX module) not in tdx.mrseam (the service reported %s)",
           hex_show(&shown, q->mrseam, sizeof(q->mrseam)));
    verdict_note(checks, CHECK_POLICY_MRSEAM, p->mrseam.any);
out:
    return status;
}

/* The first TEE_TCB_SVN component below the minimum, or -1. */
static int svn_below(const uint8_t have[16], const uint8_t min[16])
{
    for (int i = 0; i < 16; i++)
        if (have[i] < min[i])
            return i;
    return -1;
}

static confai_status check_svn(const policy_tdx *p, const tdx_quote *q, verdict_checks *checks,
                               confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (!p->min_tee_tcb_svn_any) {
        int k = svn_below(q->tee_tcb_svn, p->min_tee_tcb_svn);
        ENSURE(k < 0, CONFAI_E_POLICY_TCB,
               "policy: TEE_TCB_SVN[%d] is %u, below the minimum %u", k,
               k < 0 ? 0u : q->tee_tcb_svn[k], k < 0 ? 0u : p->min_tee_tcb_svn[k]);
        if (q->body_type == TDX_BODY_TD15) {
            k = svn_below(q->tee_tcb_svn2, p->min_tee_tcb_svn);
            ENSURE(k < 0, CONFAI_E_POLICY_TCB,
                   "policy: TEE_TCB_SVN2[%d] (the module running now) is %u, below the "
                   "minimum %u",
                   k, k < 0 ? 0u : q->tee_tcb_svn2[k], k < 0 ? 0u : p->min_tee_tcb_svn[k]);
        }
    }
    verdict_note(checks, CHECK_POLICY_TEE_TCB_SVN, p->min_tee_tcb_svn_any);
out:
    return status;
}

static void le64(uint8_t out[8], uint64_t x)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(x >> (8 * i));
}

static confai_status check_td(const policy_tdx *p, const tdx_quote *q, verdict_checks *checks,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    hex_shown shown;
    uint8_t attributes[8], xfam[8];
    le64(attributes, q->td_attributes);
    le64(xfam, q->xfam);

    ENSURE(p->allow_debug || (q->td_attributes & TDX_ATTRIBUTE_DEBUG) == 0, CONFAI_E_POLICY_DEBUG,
           "policy: the TD is debuggable (TDATTRIBUTES.DEBUG; allow_debug is false)");
    verdict_note(checks, CHECK_POLICY_DEBUG, p->allow_debug);
    ENSURE(policy_set_contains(&p->td_attributes, attributes), CONFAI_E_POLICY_GUEST,
           "policy: TDATTRIBUTES %02x%02x%02x%02x%02x%02x%02x%02x not in tdx.td_attributes",
           attributes[0], attributes[1], attributes[2], attributes[3], attributes[4],
           attributes[5], attributes[6], attributes[7]);
    verdict_note(checks, CHECK_POLICY_TD_ATTRIBUTES, p->td_attributes.any);
    ENSURE(policy_set_contains(&p->xfam, xfam), CONFAI_E_POLICY_GUEST,
           "policy: XFAM %02x%02x%02x%02x%02x%02x%02x%02x not in tdx.xfam", xfam[0], xfam[1],
           xfam[2], xfam[3], xfam[4], xfam[5], xfam[6], xfam[7]);
    verdict_note(checks, CHECK_POLICY_XFAM, p->xfam.any);
    ENSURE(policy_set_contains(&p->mr_config_id, q->mrconfigid), CONFAI_E_POLICY_IDENTITY,
           "policy: MRCONFIGID not in tdx.mr_config_id (the service reported %s)",
           hex_show(&shown, q->mrconfigid, sizeof(q->mrconfigid)));
    verdict_note(checks, CHECK_POLICY_MR_CONFIG_ID, p->mr_config_id.any);
    ENSURE(policy_set_contains(&p->mr_owner, q->mrowner), CONFAI_E_POLICY_IDENTITY,
           "policy: MROWNER not in tdx.mr_owner (the service reported %s)",
           hex_show(&shown, q->mrowner, sizeof(q->mrowner)));
    verdict_note(checks, CHECK_POLICY_MR_OWNER, p->mr_owner.any);
    ENSURE(policy_set_contains(&p->mr_owner_config, q->mrownerconfig), CONFAI_E_POLICY_IDENTITY,
           "policy: MROWNERCONFIG not in tdx.mr_owner_config (the service reported %s)",
           hex_show(&shown, q->mrownerconfig, sizeof(q->mrownerconfig)));
    verdict_note(checks, CHECK_POLICY_MR_OWNER_CONFIG, p->mr_owner_config.any);
out:
    return status;
}

confai_status policy_check_tdx(const confai_policy *policy, const tdx_verified *v,
                               int64_t verify_time, verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const policy_tdx *p = &policy->tdx;

    ENSURE(policy->has_tdx, CONFAI_E_POLICY_PLATFORM, "policy: no tdx section");
    /* Without Intel's TCB info and QE identity there is no TCB status to judge. */
    ENSURE(!v->collateral_missing, CONFAI_E_COLLATERAL,
           "policy: TDX collateral is missing (%s%s%s): the TCB status is unknown",
           v->tcb_info_present ? "" : "TCB info",
           !v->tcb_info_present && !v->qe_identity_present ? " and " : "",
           v->qe_identity_present ? "" : "QE identity");
    verdict_note(checks, CHECK_POLICY_COLLATERAL, 0);
    GUARD(check_tcb_status(p, v, checks, err));
    GUARD(check_collateral(p, v, verify_time, checks, err));
    GUARD(check_measurements(p, &v->quote, checks, err));
    GUARD(check_svn(p, &v->quote, checks, err));
    GUARD(check_td(p, &v->quote, checks, err));
out:
    return status;
}

const char *policy_tdx_root_subject(const confai_policy *policy, const uint8_t spki_sha256[32])
{
    const policy_ders *roots = &policy->tdx.custom_roots;
    for (size_t i = 0; i < roots->count; i++) {
        if (CRYPTO_memcmp(roots->spki_sha256[i], spki_sha256, 32) == 0)
            return roots->subject[i];
    }
    return NULL;
}

/* --- collateral from the bundle --------------------------------------------------- */

/* Collateral as tdx_verify takes it, with what this file had to convert. */
typedef struct tdx_inputs {
    tdx_collateral c;
    uint8_t *owned[2];          /* PEM CRLs converted to DER */
    size_t owned_len[2];
    const uint8_t *extra[POLICY_MAX_ROOTS];
    size_t extra_len[POLICY_MAX_ROOTS];
} tdx_inputs;

static void inputs_clear(tdx_inputs *in)
{
    for (int i = 0; i < 2; i++)
        OPENSSL_free(in->owned[i]);
    memset(in, 0, sizeof(*in));
}

/*
 * A CRL as Intel serves it: DER (root CA CRL, PCK CRL with encoding=der) or
 * one PEM "X509 CRL" block (the PCK CRL's default encoding). *der points at
 * blob or at *owned (OPENSSL_free).
 */
static confai_status crl_der(const uint8_t **der, size_t *der_len, uint8_t **owned,
                             const bundle_blob *blob, const char *name, confai_error *err)
{
    confai_status status = CONFAI_OK;
    static const char begin[] = "-----BEGIN X509 CRL-----";
    BIO *bio = NULL;
    X509_CRL *crl = NULL;
    *der = NULL;
    *der_len = 0;
    if (blob->len == 0)
        return CONFAI_OK;
    if (blob->len < sizeof(begin) - 1 || memcmp(blob->data, begin, sizeof(begin) - 1) != 0) {
        *der = blob->data;
        *der_len = blob->len;
        return CONFAI_OK;
    }
    bio = BIO_new_mem_buf(blob->data, (int)blob->len);
    OSSL_ENSURE(bio != NULL, CONFAI_E_NO_MEMORY, "CRL");
    crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
    ERR_clear_error();
    ENSURE(crl != NULL, CONFAI_E_COLLATERAL, "bundle: cpu.collateral.%s: not a PEM CRL", name);
    int n = i2d_X509_CRL(crl, owned);
    OSSL_ENSURE(n > 0, CONFAI_E_NO_MEMORY, "CRL");
    *der = *owned;
    *der_len = (size_t)n;
out:
    X509_CRL_free(crl);
    BIO_free(bio);
    return status;
}

static confai_status gather_collateral(tdx_inputs *in, const bundle *b,
                                       const policy_tdx *p, confai_error *err)
{
    confai_status status = CONFAI_OK;
    const bundle_blob *c = b->cpu.collateral;
    const bundle_blob *tcb_chain = &c[BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN];
    const bundle_blob *qe_chain = &c[BUNDLE_TDX_QE_IDENTITY_ISSUER_CHAIN];

    /* Intel signs TCB info and QE identity with the one TCB Signing key. */
    ENSURE(tcb_chain->len == 0 || qe_chain->len == 0 ||
               (tcb_chain->len == qe_chain->len &&
                memcmp(tcb_chain->data, qe_chain->data, qe_chain->len) == 0),
           CONFAI_E_COLLATERAL,
           "bundle: cpu.collateral: tcb_info_issuer_chain and qe_identity_issuer_chain differ");
    const bundle_blob *chain = tcb_chain->len > 0 ? tcb_chain : qe_chain;
    in->c.tcb_info = (const char *)c[BUNDLE_TDX_TCB_INFO].data;
    in->c.tcb_info_len = c[BUNDLE_TDX_TCB_INFO].len;
    in->c.qe_identity = (const char *)c[BUNDLE_TDX_QE_IDENTITY].data;
    in->c.qe_identity_len = c[BUNDLE_TDX_QE_IDENTITY].len;
    in->c.signing_chain = (const char *)chain->data;
    in->c.signing_chain_len = chain->len;
    /*
     * pck_crl_issuer_chain is not needed: the PCK CRL is verified with the
     * PCK CA certificate of the quote's own chain.
     */
    GUARD(crl_der(&in->c.pck_crl, &in->c.pck_crl_len, &in->owned[0], &c[BUNDLE_TDX_PCK_CRL],
                  "pck_crl", err));
    GUARD(crl_der(&in->c.root_crl, &in->c.root_crl_len, &in->owned[1],
                  &c[BUNDLE_TDX_ROOT_CA_CRL], "root_ca_crl", err));
    in->c.signer_time = 0; /* the verification time, for every certificate */
    for (size_t i = 0; i < p->crls.count; i++) {
        in->extra[i] = p->crls.der[i];
        in->extra_len[i] = p->crls.der_len[i];
    }
    in->c.extra_crls = in->extra;
    in->c.extra_crl_lens = in->extra_len;
    in->c.extra_crl_count = p->crls.count;
out:
    return status;
}

/* --- the platform ------------------------------------------------------------------ */

static confai_status verify(void *state, const confai_policy *policy,
                            const attestation_options *opt, const bundle *b,
                            verdict_checks *checks, confai_error *err)
{
    confai_status status = CONFAI_OK;
    tdx_verified *v = state;
    tdx_inputs in;
    memset(&in, 0, sizeof(in));

    ENSURE(policy->has_tdx && policy->tdx.trust != NULL, CONFAI_E_POLICY_PLATFORM,
           "policy: no tdx section");
    GUARD(gather_collateral(&in, b, &policy->tdx, err));
    /* The bundle carries exactly the quote: no padding accepted. */
    GUARD(tdx_verify(v, policy->tdx.trust, opt->tdx_cache, b->cpu.quote.data,
                     b->cpu.quote.len, 0, &in.c, opt->verify_time, err));
    verdict_note(checks, CHECK_TDX_PCK_CHAIN, 0);
    verdict_note(checks, CHECK_TDX_QE_REPORT, 0);
    verdict_note(checks, CHECK_TDX_SIGNATURE, 0);
    if (v->tcb_info_present)
        verdict_note(checks, CHECK_TDX_TCB_INFO, 0);
    if (v->qe_identity_present)
        verdict_note(checks, CHECK_TDX_QE_IDENTITY, 0);
out:
    inputs_clear(&in);
    return status;
}

static const uint8_t *report_data(const void *state)
{
    const tdx_verified *v = state;
    return v->quote.report_data;
}

static confai_status policy_check(const confai_policy *policy, const void *state,
                                  int64_t verify_time, verdict_checks *checks, confai_error *err)
{
    return policy_check_tdx(policy, state, verify_time, checks, err);
}

static const char *root_subject(const confai_policy *policy, const void *state)
{
    const tdx_verified *v = state;
    return policy_tdx_root_subject(policy, v->root_spki_sha256);
}

const attest_platform_ops tdx_platform = {
    .name = "tdx",
    .cpu_type = BUNDLE_CPU_TDX,
    .policy_platform = POLICY_PLATFORM_TDX,
    .state_size = sizeof(tdx_verified),
    .names_product = 0, /* TDX names no product */
    .verify = verify,
    .report_data = report_data,
    .policy_check = policy_check,
    .root_subject = root_subject,
    .verdict_fill = tdx_verdict_fill,
    .measurement = tdx_verdict_measurement,
    .tcb = NULL, /* the TCB getters are SEV-SNP's */
    .tcb_component = NULL,
    .json_add = tdx_verdict_json_add,
};
