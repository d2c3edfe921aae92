/*
 * The simulated evidence sources (confai/server.h): an SEV-SNP platform the
 * caller made (confai_sim_snp), or a TD the source makes itself (its test
 * PCK hierarchy and collateral signed by it, src/sim/tdx_sim.c), each with
 * simulated GPUs that are devices of their own; and the policy that trusts
 * exactly such a source. For development, demos and tests only: every
 * certificate names the simulation, and clients trust it only through a
 * policy that pins its roots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <confai/server.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "attest/snp/snp.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/memory.h"
#include "server/evidence_source.h"
#include "sim/snp_sim_api.h"

#define DAY 86400
#define TD_QUOTE_MAX 16384
#define TD_DOC_MAX 65536

/* gpus simulated GPUs, each its own device: one never stands in for another. */
static confai_status make_gpus(confai_evidence_source *s, unsigned gpus, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(gpus <= SIM_MAX_GPUS, CONFAI_E_ARGUMENT,
           "evidence source: %u simulated GPUs (at most %d)", gpus, SIM_MAX_GPUS);
    for (unsigned i = 0; i < gpus; i++) {
        GUARD(gpu_sim_new(&s->sim_gpus[i], (int64_t)time(NULL), err));
        s->gpu_count = i + 1;
    }
out:
    return status;
}

confai_status confai_evidence_source_new_sim_snp(confai_evidence_source **source,
                                                 const confai_sim_snp *sim, unsigned gpus,
                                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_evidence_source *s = NULL;
    confai_err_clear(err);
    ENSURE_ARG(source != NULL, "source");
    *source = NULL;
    ENSURE_ARG(sim != NULL, "sim");
    s = OPENSSL_zalloc(sizeof(*s));
    ENSURE(s != NULL, CONFAI_E_NO_MEMORY, OOM);
    s->kind = SOURCE_SIM_SNP;
    s->sim = sim;
    GUARD(make_gpus(s, gpus, err));
    *source = s;
    s = NULL;
out:
    confai_evidence_source_free(s);
    return status;
}

confai_status confai_evidence_source_new_sim_tdx(confai_evidence_source **source,
                                                 unsigned gpus, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_evidence_source *s = NULL;
    confai_err_clear(err);
    ENSURE_ARG(source != NULL, "source");
    *source = NULL;
    s = OPENSSL_zalloc(sizeof(*s));
    ENSURE(s != NULL, CONFAI_E_NO_MEMORY, OOM);
    s->kind = SOURCE_SIM_TDX;
    ENSURE(tdx_sim_new(&s->sim_td, (int64_t)time(NULL)) == 0, CONFAI_E_INTERNAL,
           "evidence source: the simulated TD could not be made");
    GUARD(make_gpus(s, gpus, err));
    *source = s;
    s = NULL;
out:
    confai_evidence_source_free(s);
    return status;
}

void sim_source_clear(confai_evidence_source *s)
{
    for (size_t i = 0; i < SIM_MAX_GPUS; i++)
        gpu_sim_free(s->sim_gpus[i]);
    tdx_sim_free(s->sim_td);
}

/* One collateral document of the simulated TD into the builder. */
static confai_status add_doc(confai_bundle_builder *b, const char *name, int ok,
                             const void *data, size_t len, confai_error *err)
{
    confai_status status = CONFAI_OK;
    ENSURE(ok, CONFAI_E_INTERNAL, "evidence source: the simulated TD's %s failed", name);
    GUARD(confai_bundle_builder_add_tdx_collateral(b, name, data, len, err));
out:
    return status;
}

/*
 * A quote for report_data and the collateral for it, made now: the
 * documents are issued a day ago and valid for 29 more days, so a client's
 * max_collateral_age of a week holds at any time.
 */
static confai_status collect_td(confai_evidence_source *s, confai_bundle_builder *b,
                                const uint8_t report_data[64], confai_error *err)
{
    confai_status status = CONFAI_OK;
    tdx_sim_body body;
    tdx_sim_collateral c;
    int64_t now = (int64_t)time(NULL);
    size_t len = 0;
    uint8_t *buf = OPENSSL_malloc(TD_DOC_MAX);

    ENSURE(buf != NULL, CONFAI_E_NO_MEMORY, OOM);
    tdx_sim_body_default(&body, 4);
    memcpy(body.report_data, report_data, sizeof(body.report_data));
    ENSURE(tdx_sim_quote(s->sim_td, &body, buf, TD_QUOTE_MAX, &len) == 0, CONFAI_E_INTERNAL,
           "evidence source: the simulated TD could not sign a quote");
    GUARD(confai_bundle_builder_set_tdx(b, buf, len, err));
    tdx_sim_collateral_default(&c, now);
    /* each document is made into buf, then copied by the builder */
    int ok = tdx_sim_tcb_info(s->sim_td, &c, (char *)buf, TD_DOC_MAX, &len) == 0;
    GUARD(add_doc(b, "tcb_info", ok, buf, len, err));
    ok = tdx_sim_qe_identity(s->sim_td, &c, (char *)buf, TD_DOC_MAX, &len) == 0;
    GUARD(add_doc(b, "qe_identity", ok, buf, len, err));
    ok = tdx_sim_signing_chain(s->sim_td, (char *)buf, TD_DOC_MAX, &len) == 0;
    GUARD(add_doc(b, "tcb_info_issuer_chain", ok, buf, len, err));
    GUARD(add_doc(b, "qe_identity_issuer_chain", ok, buf, len, err));
    ok = tdx_sim_pck_crl_chain(s->sim_td, (char *)buf, TD_DOC_MAX, &len) == 0;
    GUARD(add_doc(b, "pck_crl_issuer_chain", ok, buf, len, err));
    ok = tdx_sim_crl(s->sim_td, 0, 0, now - DAY, now + 29 * DAY, buf, TD_DOC_MAX, &len) == 0;
    GUARD(add_doc(b, "pck_crl", ok, buf, len, err));
    ok = tdx_sim_crl(s->sim_td, 1, 0, now - DAY, now + 29 * DAY, buf, TD_DOC_MAX, &len) == 0;
    GUARD(add_doc(b, "root_ca_crl", ok, buf, len, err));
out:
    OPENSSL_free(buf);
    return status;
}

confai_status sim_source_collect_cpu(confai_evidence_source *s, confai_bundle_builder *builder,
                                     const uint8_t report_data[64], confai_error *err)
{
    confai_status status = CONFAI_OK;
    if (s->kind == SOURCE_SIM_TDX) {
        GUARD(collect_td(s, builder, report_data, err));
        goto out;
    }
    uint8_t report[SNP_REPORT_SIZE];
    const uint8_t *certs[3];
    size_t lens[3];
    GUARD(sim_snp_report(s->sim, report, report_data, certs, lens, err));
    GUARD(confai_bundle_builder_set_snp(builder, report, sizeof(report), certs, lens, 3, err));
out:
    return status;
}

confai_status sim_source_collect_gpus(confai_evidence_source *s, confai_bundle_builder *builder,
                                      const uint8_t nonce[32], confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t *ev = NULL;
    size_t ev_len = 0;
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    for (unsigned i = 0; i < s->gpu_count; i++) {
        const uint8_t *certs[GPU_SIM_CERTS];
        size_t lens[GPU_SIM_CERTS];
        GUARD(gpu_sim_evidence(s->sim_gpus[i], &ev, &ev_len, nonce, &params, err));
        gpu_sim_chain(s->sim_gpus[i], certs, lens);
        GUARD(confai_bundle_builder_add_gpu(builder, ev, ev_len, certs, lens, GPU_SIM_CERTS,
                                            err));
        OPENSSL_free(ev);
        ev = NULL;
    }
out:
    OPENSSL_free(ev);
    return status;
}

/* An array of one hex string. */
static cJSON *hex_list(const uint8_t *data, size_t len)
{
    char text[2 * 64 + 1];
    hex_encode(text, data, len);
    cJSON *arr = cJSON_CreateArray();
    if (arr != NULL && !cJSON_AddItemToArray(arr, cJSON_CreateString(text))) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

static cJSON *le64_list(uint64_t x)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    return hex_list(b, 8);
}

/* A policy that pins every value of the simulated TD's quotes and its root. */
static cJSON *sim_tdx_policy(const confai_evidence_source *s, const uint8_t *manifest,
                             size_t manifest_len, int64_t max_age)
{
    tdx_sim_body q;
    uint8_t md[32];
    unsigned int md_len = 0;
    char svn[33];
    char *root = tdx_sim_root_pem(s->sim_td);
    const char *platforms[] = { "tdx" };
    const char *statuses[] = { "UpToDate" };
    cJSON *doc = cJSON_CreateObject(), *t = NULL, *rtmrs = NULL, *roots = NULL, *m = NULL;

    tdx_sim_body_default(&q, 4);
    hex_encode(svn, q.tee_tcb_svn, 16);
    int ok = doc != NULL && root != NULL &&
             EVP_Digest(manifest_len ? manifest : (const uint8_t *)"", manifest_len, md, &md_len,
                        EVP_sha256(), NULL) == 1 &&
             cJSON_AddNumberToObject(doc, "version", 1) != NULL &&
             cJSON_AddItemToObject(doc, "platforms", cJSON_CreateStringArray(platforms, 1)) &&
             cJSON_AddNumberToObject(doc, "max_age", (double)max_age) != NULL &&
             (m = cJSON_AddObjectToObject(doc, "manifest")) != NULL &&
             cJSON_AddItemToObject(m, "sha256", hex_list(md, 32)) &&
             (t = cJSON_AddObjectToObject(doc, "tdx")) != NULL &&
             cJSON_AddItemToObject(t, "mrtd", hex_list(q.mrtd, 48)) &&
             (rtmrs = cJSON_AddArrayToObject(t, "rtmrs")) != NULL;
    for (int i = 0; ok && i < 4; i++)
        ok = cJSON_AddItemToArray(rtmrs, hex_list(q.rtmr[i], 48));
    ok = ok && cJSON_AddItemToObject(t, "mrseam", hex_list(q.mrseam, 48)) &&
         cJSON_AddItemToObject(t, "mr_config_id", hex_list(q.mrconfigid, 48)) &&
         cJSON_AddItemToObject(t, "mr_owner", hex_list(q.mrowner, 48)) &&
         cJSON_AddItemToObject(t, "mr_owner_config", hex_list(q.mrownerconfig, 48)) &&
         cJSON_AddItemToObject(t, "td_attributes", le64_list(q.td_attributes)) &&
         cJSON_AddItemToObject(t, "xfam", le64_list(q.xfam)) &&
         cJSON_AddFalseToObject(t, "allow_debug") != NULL &&
         cJSON_AddStringToObject(t, "min_tee_tcb_svn", svn) != NULL &&
         cJSON_AddItemToObject(t, "tcb_statuses", cJSON_CreateStringArray(statuses, 1)) &&
         cJSON_AddNumberToObject(t, "min_tcb_evaluation_data_number", 17) != NULL &&
         cJSON_AddNumberToObject(t, "max_collateral_age", 7 * DAY) != NULL &&
         cJSON_AddTrueToObject(t, "require_crls") != NULL &&
         (roots = cJSON_AddArrayToObject(t, "custom_roots")) != NULL &&
         cJSON_AddItemToArray(roots, cJSON_CreateString(root));
    free(root);
    if (!ok) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

/* --- the policy of a simulated source -------------------------------------------- */

/* A gpus section accepting the simulated GPUs' default evidence. */
static cJSON *sim_gpus_section(const confai_evidence_source *s)
{
    gpu_sim_params params;
    gpu_sim_params_default(&params);
    cJSON *g = cJSON_CreateObject();
    cJSON *m = cJSON_AddArrayToObject(g, "measurements");
    cJSON *roots = cJSON_AddArrayToObject(g, "custom_roots");
    int ok = g != NULL && m != NULL && roots != NULL &&
             cJSON_AddNumberToObject(g, "min_count", s->gpu_count) != NULL &&
             cJSON_AddNumberToObject(g, "max_count", s->gpu_count) != NULL &&
             cJSON_AddStringToObject(g, "cc_mode", "on") != NULL;
    for (unsigned i = 0; ok && i < params.block_count; i++) {
        char hex[2 * GPU_SIM_VALUE_SIZE + 1], name[32];
        hex_encode(hex, params.values[i], GPU_SIM_VALUE_SIZE);
        snprintf(name, sizeof(name), "Measurement_%u", i);
        cJSON *e = cJSON_CreateObject();
        cJSON *accept = cJSON_CreateArray();
        ok = e != NULL && accept != NULL && cJSON_AddItemToArray(m, e) &&
             cJSON_AddItemToObject(e, "accept", accept) &&
             cJSON_AddNumberToObject(e, "index", i) != NULL &&
             cJSON_AddStringToObject(e, "name", name) != NULL &&
             cJSON_AddItemToArray(accept, cJSON_CreateString(hex));
        if (!ok && e != NULL && accept != NULL && cJSON_GetObjectItem(e, "accept") == NULL)
            cJSON_Delete(accept);
    }
    const char *driver[] = { params.driver_version };
    char vbios[32];
    snprintf(vbios, sizeof(vbios), "%02X.%02X.%02X.%02X.%02X", params.vbios[3], params.vbios[2],
             params.vbios[1], params.vbios[0], params.vbios[4]);
    const char *vbioses[] = { vbios };
    ok = ok && cJSON_AddItemToObject(g, "driver_versions", cJSON_CreateStringArray(driver, 1)) &&
         cJSON_AddItemToObject(g, "vbios_versions", cJSON_CreateStringArray(vbioses, 1));
    for (unsigned i = 0; ok && i < s->gpu_count; i++)
        ok = cJSON_AddItemToArray(roots, cJSON_CreateString(gpu_sim_root_pem(s->sim_gpus[i])));
    if (!ok) {
        cJSON_Delete(g);
        return NULL;
    }
    return g;
}

confai_status confai_evidence_source_policy_json(const confai_evidence_source *source,
                                                 char **json, size_t *json_len,
                                                 const uint8_t *manifest, size_t manifest_len,
                                                 int64_t max_age, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char *cpu = NULL, *text = NULL;
    size_t cpu_len = 0;
    cJSON *doc = NULL;

    confai_err_clear(err);
    ENSURE_ARG(json != NULL && json_len != NULL, "json");
    *json = NULL;
    *json_len = 0;
    ENSURE_ARG(source != NULL, "source");
    ENSURE(source->kind == SOURCE_SIM_SNP || source->kind == SOURCE_SIM_TDX,
           CONFAI_E_UNSUPPORTED,
           "evidence source: only a simulated platform writes its own policy; a real one's "
           "pins reference values from the image build (doc/deploy.md)");
    ENSURE_ARG(manifest != NULL || manifest_len == 0, "manifest");
    if (source->kind == SOURCE_SIM_TDX) {
        doc = sim_tdx_policy(source, manifest, manifest_len, max_age);
        ENSURE(doc != NULL, CONFAI_E_NO_MEMORY, OOM);
    } else {
        GUARD(confai_sim_snp_policy_json(source->sim, &cpu, &cpu_len, manifest, manifest_len,
                                         max_age, err));
        doc = cJSON_ParseWithLength(cpu, cpu_len);
        ENSURE(doc != NULL, CONFAI_E_NO_MEMORY, OOM);
    }
    if (source->gpu_count == 0)
        goto print;
    cJSON *gpus = sim_gpus_section(source);
    ENSURE(gpus != NULL, CONFAI_E_NO_MEMORY, OOM);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "gpus");
    ENSURE(cJSON_AddItemToObject(doc, "gpus", gpus), CONFAI_E_NO_MEMORY, OOM);
print:
    text = cJSON_Print(doc);
    ENSURE(text != NULL, CONFAI_E_NO_MEMORY, OOM);
    size_t n = strlen(text);
    *json = confai_alloc_for_caller(n + 2);
    ENSURE(*json != NULL, CONFAI_E_NO_MEMORY, OOM);
    memcpy(*json, text, n);
    (*json)[n] = '\n';
    (*json)[n + 1] = '\0';
    *json_len = n + 1;
out:
    if (text != NULL)
        cJSON_free(text);
    cJSON_Delete(doc);
    confai_free(cpu);
    return status;
}
