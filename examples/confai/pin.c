/*
 * confai policy pin [EVIDENCE]: verifies evidence (signature, chain,
 * binding) and prints a policy (doc/policy.md) that accepts exactly its
 * measurements, identities, TCB and firmware: trust on first use. The
 * chain must end in a vendor root; one that ends in another self-signed
 * root is pinned as a custom root, with a loud warning. The printed policy
 * is parsed back with confai_policy_new before it is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/binding.h"
#include "attest/bundle.h"
#include "attest/policy/policy.h"
#include "core/hex.h"

#include "evidence.h"

static const char pin_usage_head[] =
    "usage: confai policy pin [--max-age SECONDS] [--at TIME] [--nonce HEX] BUNDLE\n"
    "       confai policy pin [--max-age SECONDS] [--at TIME] [--report-data HEX]\n"
    "                         [--snp-report FILE --certs FILE [--certs FILE...]]\n"
    "                         [--tdx-quote FILE [--collateral DIR]]\n"
    "                         [--gpu-evidence FILE --gpu-certs FILE --gpu-nonce HEX]\n"
    "\n"
    "Verifies the evidence and prints a policy that accepts exactly its\n"
    "measurements, identities, TCB and firmware. This is trust on first use:\n"
    "the policy is only as good as the machine the evidence came from, so\n"
    "compare it with reference values before relying on it.\n"
    "\n"
    "  --max-age SECONDS           the policy's max_age (default 3600)\n";

static const char pin_usage_tail[] =
    "\n"
    "GPU evidence is pinned together with CPU evidence (a policy names a CPU\n"
    "platform). Raw evidence has no manifest: its policy accepts any manifest.\n"
    "\n"
    "Exit: 0 printed, 1 the evidence does not verify, 2 usage, 3 unreadable\n"
    "      input, 5 internal.\n";

static void usage(FILE *out)
{
    fputs(pin_usage_head, out);
    fputs(cli_evidence_help, out);
    fputs(pin_usage_tail, out);
}

/* Building the JSON: every helper returns 0 when memory ran out. */

static int hex_list(cJSON *o, const char *name, const uint8_t *data, size_t len)
{
    cJSON *a = cJSON_AddArrayToObject(o, name);
    cJSON *tmp = cJSON_CreateObject();
    int ok = a != NULL && tmp != NULL && cli_add_hex(tmp, "v", data, len);
    if (ok) {
        cJSON *s = cJSON_DetachItemFromObject(tmp, "v");
        ok = cJSON_AddItemToArray(a, s);
        if (!ok)
            cJSON_Delete(s);
    }
    cJSON_Delete(tmp);
    return ok;
}

static int str_list(cJSON *o, const char *name, const char *value)
{
    const char *one[1] = { value };
    cJSON *a = cJSON_CreateStringArray(one, 1);
    if (a == NULL || !cJSON_AddItemToObject(o, name, a)) {
        cJSON_Delete(a);
        return 0;
    }
    return 1;
}

static int wildcard(cJSON *o, const char *name)
{
    return cJSON_AddStringToObject(o, name, "*") != NULL;
}

static int add_pem_root(cJSON *o, const char *name, const char *pem)
{
    return pem == NULL || str_list(o, name, pem);
}

static void tofu_warning(const char *vendor, const char *pem)
{
    fprintf(stderr,
            "confai: WARNING: the chain does NOT end in %s's root. Its self-signed root "
            "is pinned as a custom root: only a test or simulated platform should be "
            "trusted this way.\n%s",
            vendor, pem);
}

/* --- SEV-SNP ----------------------------------------------------------------------- */

static int add_tcb(cJSON *o, const char *name, const snp_tcb *t, int with_fmc)
{
    cJSON *x = cJSON_AddObjectToObject(o, name);
    return x != NULL && cJSON_AddNumberToObject(x, "bootloader", t->bootloader) &&
           cJSON_AddNumberToObject(x, "tee", t->tee) &&
           cJSON_AddNumberToObject(x, "snp", t->snp) &&
           cJSON_AddNumberToObject(x, "microcode", t->microcode) &&
           (!with_fmc || cJSON_AddNumberToObject(x, "fmc", t->fmc));
}

static int add_fw(cJSON *o, const char *name, uint8_t major, uint8_t minor, uint8_t build)
{
    cJSON *x = cJSON_AddObjectToObject(o, name);
    return x != NULL && cJSON_AddNumberToObject(x, "major", major) &&
           cJSON_AddNumberToObject(x, "minor", minor) &&
           cJSON_AddNumberToObject(x, "build", build);
}

static int snp_section(cJSON *policy, const snp_verified *v, const char *root_pem)
{
    const snp_report *r = &v->report;
    const char *product = policy_snp_product_name(r->product);
    int turin = r->product == SNP_PRODUCT_TURIN;
    cJSON *s = cJSON_AddObjectToObject(policy, "sev_snp");
    cJSON *tcb, *per, *fw;
    cJSON *vmpls;

    if (s == NULL || product == NULL)
        return 0;
    int ok = str_list(s, "products", product) &&
             hex_list(s, "measurements", r->measurement, sizeof(r->measurement)) &&
             (tcb = cJSON_AddObjectToObject(s, "min_tcb")) != NULL &&
             (per = cJSON_AddObjectToObject(tcb, product)) != NULL &&
             add_tcb(per, "reported", &r->reported_tcb, turin) &&
             add_tcb(per, "committed", &r->committed_tcb, turin) &&
             add_tcb(per, "launch", &r->launch_tcb, turin) &&
             cJSON_AddBoolToObject(s, "allow_debug", (r->policy & POLICY_SNP_GUEST_DEBUG) != 0) &&
             cJSON_AddBoolToObject(s, "allow_migration_agent",
                                   (r->policy & POLICY_SNP_GUEST_MIGRATE_MA) != 0) &&
             cJSON_AddBoolToObject(s, "allow_smt",
                                   (r->platform_info & POLICY_SNP_PLATFORM_SMT_EN) != 0) &&
             (vmpls = cJSON_AddArrayToObject(s, "vmpls")) != NULL;
    if (ok) {
        cJSON *n = cJSON_CreateNumber(r->vmpl);
        ok = n != NULL && cJSON_AddItemToArray(vmpls, n);
        if (!ok)
            cJSON_Delete(n);
    }
    ok = ok && hex_list(s, "host_data", r->host_data, sizeof(r->host_data)) &&
         cJSON_AddNumberToObject(s, "min_guest_svn", r->guest_svn) &&
         hex_list(s, "id_key_digests", r->id_key_digest, sizeof(r->id_key_digest));
    /* An author key digest is only checked when the report says one signed. */
    if ((r->flags & SNP_FLAG_AUTHOR_KEY_EN) != 0)
        ok = ok && hex_list(s, "author_key_digests", r->author_key_digest,
                            sizeof(r->author_key_digest));
    else
        ok = ok && wildcard(s, "author_key_digests");
    ok = ok && hex_list(s, "chip_ids", r->chip_id, sizeof(r->chip_id)) &&
         (fw = cJSON_AddObjectToObject(s, "min_firmware")) != NULL &&
         add_fw(fw, "current", r->current_major, r->current_minor, r->current_build) &&
         add_fw(fw, "committed", r->committed_major, r->committed_minor, r->committed_build) &&
         add_pem_root(s, "custom_roots", root_pem);
    return ok;
}

/* Verifies with AMD's pins, or with the chain's own root on first use. */
static confai_status pin_snp(snp_verified *v, char **root_pem, const cli_evidence *ev,
                             confai_error *err)
{
    snp_trust *trust = NULL;
    verdict_checks checks = { 0 };
    const cli_ders *c = &ev->snp_certs;
    confai_status st = snp_trust_new(&trust, err);
    if (st == CONFAI_OK)
        st = cli_raw_snp(v, trust, ev, &checks, err);
    if (st == CONFAI_E_UNKNOWN_ROOT && c->count > 0 &&
        cli_der_self_signed(c->der[c->count - 1], c->len[c->count - 1])) {
        *root_pem = cli_der_to_pem(c->der[c->count - 1], c->len[c->count - 1]);
        st = *root_pem == NULL ? CONFAI_E_NO_MEMORY : CONFAI_OK;
        if (st == CONFAI_OK)
            st = snp_trust_add_root(trust, c->der[c->count - 1], c->len[c->count - 1], err);
        if (st == CONFAI_OK) {
            memset(&checks, 0, sizeof(checks));
            st = cli_raw_snp(v, trust, ev, &checks, err);
        }
        if (st == CONFAI_OK)
            tofu_warning("AMD", *root_pem);
    }
    snp_trust_free(trust);
    return st;
}

/* --- TDX --------------------------------------------------------------------------- */

static int le_hex_list(cJSON *o, const char *name, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return hex_list(o, name, b, sizeof(b));
}

static int tdx_section(cJSON *policy, const tdx_verified *v, const char *root_pem,
                       confai_error *err)
{
    const tdx_quote *q = &v->quote;
    cJSON *t = cJSON_AddObjectToObject(policy, "tdx");
    cJSON *rtmrs;
    int ok = t != NULL && hex_list(t, "mrtd", q->mrtd, 48) &&
             (rtmrs = cJSON_AddArrayToObject(t, "rtmrs")) != NULL;
    for (int i = 0; ok && i < 4; i++) {
        cJSON *holder = cJSON_CreateObject();
        ok = holder != NULL && hex_list(holder, "r", q->rtmr[i], 48);
        if (ok) {
            cJSON *list = cJSON_DetachItemFromObject(holder, "r");
            ok = cJSON_AddItemToArray(rtmrs, list);
            if (!ok)
                cJSON_Delete(list);
        }
        cJSON_Delete(holder);
    }
    ok = ok && hex_list(t, "mrseam", q->mrseam, 48) &&
         hex_list(t, "mr_config_id", q->mrconfigid, 48) &&
         hex_list(t, "mr_owner", q->mrowner, 48) &&
         hex_list(t, "mr_owner_config", q->mrownerconfig, 48) &&
         le_hex_list(t, "td_attributes", q->td_attributes) && le_hex_list(t, "xfam", q->xfam) &&
         cJSON_AddBoolToObject(t, "allow_debug", (q->td_attributes & 1) != 0) &&
         cli_add_hex(t, "min_tee_tcb_svn", q->tee_tcb_svn, 16) &&
         cJSON_AddNumberToObject(t, "min_tcb_evaluation_data_number", v->tcb_eval_num) &&
         wildcard(t, "max_collateral_age") &&
         cJSON_AddBoolToObject(t, "require_crls", v->pck_crl_checked && v->root_crl_checked);
    if (!ok)
        return 0;
    switch (v->tcb_status) {
    case TDX_TCB_UP_TO_DATE:
    case TDX_TCB_SW_HARDENING_NEEDED:
    case TDX_TCB_CONFIGURATION_NEEDED:
    case TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
    case TDX_TCB_OUT_OF_DATE:
    case TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED:
        ok = str_list(t, "tcb_statuses", tdx_tcb_status_name(v->tcb_status));
        break;
    case TDX_TCB_REVOKED:
    case TDX_TCB_NOT_SUPPORTED:
    case TDX_TCB_UNKNOWN:
        /* no policy accepts these: a pin would be a policy that rejects its own evidence */
        err->status = v->tcb_status == TDX_TCB_UNKNOWN ? CONFAI_E_COLLATERAL : CONFAI_E_POLICY_TCB;
        snprintf(err->message, sizeof(err->message),
                 v->tcb_status == TDX_TCB_UNKNOWN
                     ? "the TCB status is unknown: give --collateral with the TCB info and QE "
                       "identity for this platform"
                     : "the platform's TCB status is %s: no policy accepts it",
                 tdx_tcb_status_name(v->tcb_status));
        return -1;
    }
    return ok && add_pem_root(t, "custom_roots", root_pem);
}

static confai_status pin_tdx(tdx_verified *v, char **root_pem, const cli_evidence *ev,
                             confai_error *err)
{
    tdx_trust *trust = NULL;
    verdict_checks checks = { 0 };
    confai_status st = tdx_trust_new(&trust, err);
    if (st == CONFAI_OK)
        st = cli_raw_tdx(v, trust, NULL, ev, &checks, err);
    if (st == CONFAI_E_UNKNOWN_ROOT) {
        tdx_quote q;
        cli_ders chain = { 0 };
        if (tdx_quote_parse(&q, ev->tdx_quote.data, ev->tdx_quote.len, TDX_PARSE_PADDED, NULL) ==
                CONFAI_OK &&
            cli_pem_certs((const char *)q.pck_chain, q.pck_chain_len, &chain) &&
            cli_der_self_signed(chain.der[chain.count - 1], chain.len[chain.count - 1])) {
            const uint8_t *root = chain.der[chain.count - 1];
            size_t root_len = chain.len[chain.count - 1];
            *root_pem = cli_der_to_pem(root, root_len);
            st = *root_pem == NULL ? CONFAI_E_NO_MEMORY
                                   : tdx_trust_add_root(trust, root, root_len, err);
            if (st == CONFAI_OK) {
                memset(&checks, 0, sizeof(checks));
                st = cli_raw_tdx(v, trust, NULL, ev, &checks, err);
            }
            if (st == CONFAI_OK)
                tofu_warning("Intel", *root_pem);
        }
        cli_ders_free(&chain);
    }
    tdx_trust_free(trust);
    return st;
}

/* --- GPUs ---------------------------------------------------------------------------- */

#define PIN_MAX_ALTERNATIVES 4

/* The accepted values of one measurement (NVIDIA's index: SPDM index - 1). */
typedef struct gpu_block_pin {
    unsigned index;
    size_t count;
    char hex[PIN_MAX_ALTERNATIVES][2 * SPDM_MAX_VALUE_SIZE + 1];
} gpu_block_pin;

typedef struct gpu_pins {
    size_t count;
    char driver[64];
    char vbios[16];
    char *root_pem;
    gpu_block_pin *blocks; /* SPDM_MAX_BLOCKS entries */
    size_t block_count;
} gpu_pins;

/* Adds one GPU's measurements: the values of every GPU are accepted. */
static confai_status add_blocks(gpu_pins *pins, const spdm_evidence *e, confai_error *err)
{
    if (pins->blocks == NULL && (pins->blocks = calloc(SPDM_MAX_BLOCKS, sizeof(*pins->blocks))) ==
                                    NULL)
        return CONFAI_E_NO_MEMORY;
    for (size_t i = 0; i < e->block_count; i++) {
        const spdm_block *b = &e->blocks[i];
        char hex[2 * SPDM_MAX_VALUE_SIZE + 1];
        gpu_block_pin *p = NULL;
        hex_encode(hex, b->value, b->value_len);
        for (size_t k = 0; k < pins->block_count; k++)
            if (pins->blocks[k].index == (unsigned)(b->index - 1))
                p = &pins->blocks[k];
        if (p == NULL) {
            if (pins->count > 0) {
                snprintf(err->message, sizeof(err->message),
                         "the GPUs measure different indices (%u)", b->index - 1u);
                return CONFAI_E_POLICY_MEASUREMENT;
            }
            p = &pins->blocks[pins->block_count++];
            p->index = (unsigned)(b->index - 1);
        }
        int known = 0;
        for (size_t k = 0; k < p->count; k++)
            known |= strcmp(p->hex[k], hex) == 0;
        if (known)
            continue;
        if (p->count >= PIN_MAX_ALTERNATIVES) {
            snprintf(err->message, sizeof(err->message),
                     "more than %d values for measurement %u", PIN_MAX_ALTERNATIVES, p->index);
            return CONFAI_E_LIMIT;
        }
        memcpy(p->hex[p->count++], hex, sizeof(hex));
    }
    return CONFAI_OK;
}

/* One GPU's evidence; every GPU must show the same driver and VBIOS. */
static confai_status pin_gpu(gpu_pins *pins, const cli_evidence *ev, confai_error *err)
{
    nvgpu_trust *trust = NULL;
    nvgpu_verified *v = calloc(1, sizeof(*v));
    verdict_checks checks = { 0 };
    const cli_ders *c = &ev->gpu_certs;
    confai_status st = v == NULL ? CONFAI_E_NO_MEMORY : nvgpu_trust_new(&trust, err);
    if (st == CONFAI_OK && pins->root_pem != NULL) {
        cli_ders root = { 0 };
        st = cli_pem_certs(pins->root_pem, strlen(pins->root_pem), &root)
                 ? nvgpu_trust_add_root(trust, root.der[0], root.len[0], err)
                 : CONFAI_E_INTERNAL;
        cli_ders_free(&root);
    }
    if (st == CONFAI_OK)
        st = cli_raw_gpu(v, trust, ev, &checks, err);
    if (st == CONFAI_E_UNKNOWN_ROOT && pins->root_pem == NULL && c->count > 0 &&
        cli_der_self_signed(c->der[c->count - 1], c->len[c->count - 1])) {
        pins->root_pem = cli_der_to_pem(c->der[c->count - 1], c->len[c->count - 1]);
        st = pins->root_pem == NULL
                 ? CONFAI_E_NO_MEMORY
                 : nvgpu_trust_add_root(trust, c->der[c->count - 1], c->len[c->count - 1], err);
        if (st == CONFAI_OK)
            st = cli_raw_gpu(v, trust, ev, &checks, err);
        if (st == CONFAI_OK)
            tofu_warning("NVIDIA", pins->root_pem);
    }
    if (st == CONFAI_OK)
        st = add_blocks(pins, &v->evidence, err);
    if (st == CONFAI_OK) {
        if (pins->count == 0) {
            snprintf(pins->driver, sizeof(pins->driver), "%s", v->evidence.driver_version);
            snprintf(pins->vbios, sizeof(pins->vbios), "%s", v->evidence.vbios_version);
        } else if (strcmp(pins->driver, v->evidence.driver_version) != 0 ||
                   strcmp(pins->vbios, v->evidence.vbios_version) != 0) {
            st = CONFAI_E_POLICY_GPU_VERSION;
            snprintf(err->message, sizeof(err->message),
                     "the GPUs run different driver or VBIOS versions");
        }
        pins->count++;
    }
    nvgpu_trust_free(trust);
    free(v);
    return st;
}

static int add_measurements(cJSON *g, const gpu_pins *pins)
{
    cJSON *list = cJSON_AddArrayToObject(g, "measurements");
    if (list == NULL)
        return 0;
    for (size_t i = 0; i < pins->block_count; i++) {
        const gpu_block_pin *p = &pins->blocks[i];
        const char *values[PIN_MAX_ALTERNATIVES];
        cJSON *m = cJSON_CreateObject(), *accept;
        if (m == NULL || !cJSON_AddItemToArray(list, m)) {
            cJSON_Delete(m);
            return 0;
        }
        for (size_t k = 0; k < p->count; k++)
            values[k] = p->hex[k];
        if (cJSON_AddNumberToObject(m, "index", p->index) == NULL ||
            (accept = cJSON_CreateStringArray(values, (int)p->count)) == NULL)
            return 0;
        if (!cJSON_AddItemToObject(m, "accept", accept)) {
            cJSON_Delete(accept);
            return 0;
        }
    }
    return 1;
}

static int gpu_section(cJSON *policy, const gpu_pins *pins)
{
    cJSON *g = cJSON_AddObjectToObject(policy, "gpus");
    return g != NULL && cJSON_AddNumberToObject(g, "min_count", (double)pins->count) &&
           cJSON_AddNumberToObject(g, "max_count", (double)pins->count) &&
           cJSON_AddStringToObject(g, "cc_mode", "on") && add_measurements(g, pins) &&
           (pins->driver[0] != '\0' ? str_list(g, "driver_versions", pins->driver)
                                    : wildcard(g, "driver_versions")) &&
           (pins->vbios[0] != '\0' ? str_list(g, "vbios_versions", pins->vbios)
                                   : wildcard(g, "vbios_versions")) &&
           add_pem_root(g, "custom_roots", pins->root_pem);
}

/* --- bundles ------------------------------------------------------------------------- */

static int copy_blob(cli_blob *dst, const bundle_blob *src)
{
    dst->data = malloc(src->len + 1);
    if (dst->data == NULL)
        return 0;
    if (src->len > 0)
        memcpy(dst->data, src->data, src->len);
    dst->data[src->len] = 0;
    dst->len = src->len;
    return 1;
}

static int copy_ders(cli_ders *dst, const bundle_blob *certs, size_t count)
{
    for (size_t i = 0; i < count && i < CLI_MAX_CERTS; i++) {
        dst->der[i] = malloc(certs[i].len);
        if (dst->der[i] == NULL)
            return 0;
        memcpy(dst->der[i], certs[i].data, certs[i].len);
        dst->len[i] = certs[i].len;
        dst->count = i + 1;
    }
    return 1;
}

/* A bundle's parts as raw evidence, with its binding as the report data. */
static confai_status bundle_to_evidence(cli_evidence *out, const bundle *b, const cli_evidence *ev,
                                        confai_error *err)
{
    binding_inputs in = { b->nonce,         BUNDLE_NONCE_SIZE, b->key_config.data,
                          b->key_config.len, b->manifest.data, b->manifest.len,
                          b->not_after,     RFC3339_LEN };
    confai_status st;
    memset(out, 0, sizeof(*out));
    out->at = ev->at;
    out->has_report_data = 1;
    if ((st = binding_report_data(out->report_data, &in, err)) != CONFAI_OK ||
        (st = binding_gpu_nonce(out->gpu_nonce, &in, err)) != CONFAI_OK)
        return st;
    if (b->cpu.type == BUNDLE_CPU_SEV_SNP) {
        if (!copy_blob(&out->snp_report, &b->cpu.report) ||
            !copy_ders(&out->snp_certs, b->cpu.certs, b->cpu.cert_count))
            return CONFAI_E_NO_MEMORY;
    } else {
        const bundle_blob *c = b->cpu.collateral;
        if (!copy_blob(&out->tdx_quote, &b->cpu.quote) ||
            !copy_blob(&out->tcb_info, &c[BUNDLE_TDX_TCB_INFO]) ||
            !copy_blob(&out->qe_identity, &c[BUNDLE_TDX_QE_IDENTITY]) ||
            !copy_blob(&out->tcb_chain, &c[BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN]) ||
            !copy_blob(&out->pck_crl, &c[BUNDLE_TDX_PCK_CRL]) ||
            !copy_blob(&out->root_crl, &c[BUNDLE_TDX_ROOT_CA_CRL]))
            return CONFAI_E_NO_MEMORY;
        /* an absent member is an empty blob, which the verifier reads as absent */
    }
    return CONFAI_OK;
}

/* --- the subcommand ------------------------------------------------------------------ */

typedef struct pin_state {
    snp_verified *snp;
    tdx_verified *tdx;
    gpu_pins gpus;
    char *snp_root, *tdx_root;
    int has_manifest;
    uint8_t manifest[32];
} pin_state;

static confai_status pin_cpu(pin_state *s, const cli_evidence *ev, confai_error *err)
{
    confai_status st = CONFAI_OK;
    if (ev->snp_report.data != NULL) {
        s->snp = calloc(1, sizeof(*s->snp));
        st = s->snp == NULL ? CONFAI_E_NO_MEMORY : pin_snp(s->snp, &s->snp_root, ev, err);
    }
    if (st == CONFAI_OK && ev->tdx_quote.data != NULL) {
        s->tdx = calloc(1, sizeof(*s->tdx));
        st = s->tdx == NULL ? CONFAI_E_NO_MEMORY : pin_tdx(s->tdx, &s->tdx_root, ev, err);
    }
    return st;
}

static confai_status pin_bundle(pin_state *s, const cli_evidence *ev, confai_error *err)
{
    bundle b;
    cli_evidence part;
    unsigned int dlen = 0;
    confai_status st;

    memset(&b, 0, sizeof(b));
    memset(&part, 0, sizeof(part));
    st = bundle_parse(&b, (const char *)ev->bundle.data, ev->bundle.len, 1, err);
    if (st == CONFAI_OK && ev->has_nonce && memcmp(ev->nonce, b.nonce, 32) != 0) {
        st = CONFAI_E_NONCE_MISMATCH;
        snprintf(err->message, sizeof(err->message), "the bundle answers another nonce");
    }
    if (st == CONFAI_OK && !ev->has_nonce)
        fprintf(stderr, "confai: policy pin: no --nonce: the evidence is not shown to be "
                        "fresh\n");
    if (st == CONFAI_OK)
        st = bundle_to_evidence(&part, &b, ev, err);
    if (st == CONFAI_OK)
        st = pin_cpu(s, &part, err);
    for (size_t i = 0; st == CONFAI_OK && i < b.gpu_count; i++) {
        cli_blob_free(&part.gpu_evidence);
        cli_ders_free(&part.gpu_certs);
        if (!copy_blob(&part.gpu_evidence, &b.gpus[i].evidence) ||
            !copy_ders(&part.gpu_certs, b.gpus[i].certs, b.gpus[i].cert_count))
            st = CONFAI_E_NO_MEMORY;
        else
            st = pin_gpu(&s->gpus, &part, err);
    }
    if (st == CONFAI_OK) {
        s->has_manifest = 1;
        if (EVP_Digest(b.manifest.len ? b.manifest.data : (const uint8_t *)"", b.manifest.len,
                       s->manifest, &dlen, EVP_sha256(), NULL) != 1)
            st = CONFAI_E_INTERNAL;
    }
    cli_evidence_free(&part);
    bundle_clear(&b);
    return st;
}

static cJSON *build_policy(const pin_state *s, int64_t max_age, confai_error *err)
{
    cJSON *p = cJSON_CreateObject();
    cJSON *platforms, *manifest;
    int ok = p != NULL && cJSON_AddNumberToObject(p, "version", 1) &&
             (platforms = cJSON_AddArrayToObject(p, "platforms")) != NULL;
    if (ok && s->snp != NULL) {
        cJSON *x = cJSON_CreateString("sev-snp");
        ok = x != NULL && cJSON_AddItemToArray(platforms, x);
    }
    if (ok && s->tdx != NULL) {
        cJSON *x = cJSON_CreateString("tdx");
        ok = x != NULL && cJSON_AddItemToArray(platforms, x);
    }
    ok = ok && cJSON_AddNumberToObject(p, "max_age", (double)max_age) &&
         (manifest = cJSON_AddObjectToObject(p, "manifest")) != NULL &&
         (s->has_manifest ? hex_list(manifest, "sha256", s->manifest, 32)
                          : wildcard(manifest, "sha256"));
    ok = ok && (s->snp == NULL || snp_section(p, s->snp, s->snp_root));
    if (ok && s->tdx != NULL) {
        int r = tdx_section(p, s->tdx, s->tdx_root, err);
        if (r < 0) {
            cJSON_Delete(p);
            return NULL;
        }
        ok = r;
    }
    ok = ok && (s->gpus.count == 0 || gpu_section(p, &s->gpus));
    if (!ok) {
        cJSON_Delete(p);
        err->status = CONFAI_E_NO_MEMORY;
        snprintf(err->message, sizeof(err->message), "out of memory");
        return NULL;
    }
    return p;
}

static int pin(const cli_evidence_args *args, const cli_evidence *ev, int64_t max_age)
{
    pin_state s;
    confai_error err = { 0 };
    confai_status st;
    int rc = CLI_OK;

    memset(&s, 0, sizeof(s));
    if (args->bundle != NULL) {
        st = pin_bundle(&s, ev, &err);
    } else {
        st = pin_cpu(&s, ev, &err);
        if (st == CONFAI_OK && ev->gpu_evidence.data != NULL)
            st = pin_gpu(&s.gpus, ev, &err);
    }
    if (st == CONFAI_OK && s.snp == NULL && s.tdx == NULL) {
        st = CONFAI_E_UNSUPPORTED;
        snprintf(err.message, sizeof(err.message), "no CPU evidence to pin");
    }
    cJSON *policy = NULL;
    if (st == CONFAI_OK && (policy = build_policy(&s, max_age, &err)) == NULL)
        st = err.status != CONFAI_OK ? err.status : CONFAI_E_NO_MEMORY;
    if (st != CONFAI_OK) {
        err.status = st;
        rc = cli_fail_status("policy pin: rejected", &err);
    } else {
        char *text = cJSON_Print(policy);
        confai_policy *check = NULL;
        if (text == NULL) {
            cli_error("policy pin", "out of memory");
            rc = CLI_INTERNAL;
        } else if (confai_policy_new(&check, text, strlen(text), &err) != CONFAI_OK) {
            rc = cli_fail_status("policy pin: the pinned policy does not parse", &err);
            rc = CLI_INTERNAL;
        } else {
            fprintf(stderr, "confai: policy pin: WARNING: trust on first use: this policy "
                            "accepts exactly the evidence given, whatever it proves; compare "
                            "its values with reference values before relying on it\n");
            if (!s.has_manifest)
                fprintf(stderr, "confai: policy pin: raw evidence has no manifest: the "
                                "policy accepts any manifest (\"sha256\": \"*\")\n");
            rc = cli_print_line(text);
        }
        confai_policy_free(check);
        cJSON_free(text);
    }
    cJSON_Delete(policy);
    free(s.snp);
    free(s.tdx);
    free(s.snp_root);
    free(s.tdx_root);
    free(s.gpus.root_pem);
    free(s.gpus.blocks);
    return rc;
}

static int cli_policy_pin(int argc, char **argv)
{
    cli_evidence_args args;
    const char *max_age_text = NULL;
    int64_t max_age = 3600;
    cli_evidence ev;
    int rc;

    memset(&args, 0, sizeof(args));
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_OK;
        }
        if ((r = cli_option(argc, argv, &i, "--max-age", &max_age_text)) != 0) {
            if (r < 0)
                return CLI_USAGE;
            char *end = NULL;
            long long v = strtoll(max_age_text, &end, 10);
            if (end == max_age_text || *end != '\0' || v < 1 || v > 31536000) {
                cli_error("usage", "--max-age: expected seconds from 1 to 31536000");
                return CLI_USAGE;
            }
            max_age = v;
            continue;
        }
        r = cli_evidence_option(&args, argc, argv, &i);
        if (r < 0)
            return CLI_USAGE;
        if (r == 0) {
            cli_error("usage", "policy pin: unknown option %s", argv[i]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if ((rc = cli_evidence_check(&args)) != CLI_OK)
        return rc;
    if (args.bundle == NULL && args.snp_report == NULL && args.tdx_quote == NULL) {
        cli_error("usage", "policy pin: GPU evidence is pinned together with CPU evidence");
        return CLI_USAGE;
    }
    rc = cli_evidence_load(&ev, &args);
    if (rc == CLI_OK)
        rc = pin(&args, &ev, max_age);
    cli_evidence_free(&ev);
    return rc;
}

int cli_policy(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "pin") == 0)
        return cli_policy_pin(argc - 1, argv + 1);
    if (argc >= 2 && cli_is_help(argv[1])) {
        fputs("usage: confai policy pin [OPTIONS] EVIDENCE   (confai policy pin --help)\n",
              stdout);
        return CLI_OK;
    }
    cli_error("usage", "policy: the only subcommand is 'pin'");
    return CLI_USAGE;
}
