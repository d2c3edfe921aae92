/*
 * confai verify --policy POLICY [--at TIME] [--nonce HEX] BUNDLE, or the raw
 * forms (--snp-report/--certs, --tdx-quote/--collateral,
 * --gpu-evidence/--gpu-certs/--gpu-nonce, with --report-data).
 *
 * A bundle goes through confai_attestation_verify, exactly as a client
 * verifies it; raw evidence through confai_evidence_verify_snp, _tdx and
 * _gpus (all GPUs in one call): the same verifiers and policy checks, with
 * the same check names. Accepted: exit 0 and the verdict JSON on stdout. Rejected: the status name and the reason on stderr, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"

static const char verify_usage_head[] =
    "usage: confai verify --policy POLICY [--at TIME] [--nonce HEX] BUNDLE\n"
    "       confai verify --policy POLICY [--at TIME] [--report-data HEX]\n"
    "                     [--snp-report FILE --certs FILE [--certs FILE...]]\n"
    "                     [--tdx-quote FILE [--collateral DIR]]\n"
    "                     [--gpu-evidence FILE --gpu-certs FILE --gpu-nonce HEX...]\n"
    "\n"
    "Verifies evidence against a policy (doc/policy.md). Accepted: exit 0 and\n"
    "the verdict as JSON on stdout. Rejected: exit 1 and the status with the\n"
    "reason on stderr. A chain that ends in a root the policy added (not AMD's,\n"
    "Intel's or NVIDIA's) is accepted only with a warning on stderr.\n"
    "\n"
    "  --policy POLICY             the policy (JSON file)\n";

static const char verify_usage_tail[] =
    "\n"
    "Raw evidence carries no key binding of its own: give --report-data to\n"
    "check what the report commits to, and note that a raw report is no\n"
    "proof of freshness.\n"
    "\n"
    "Several GPUs: one --gpu-evidence group each. Every GPU is verified; the\n"
    "policy's gpus min_count and max_count apply to the number given, and the\n"
    "same GPU given twice (the same device leaf key or device ID) is rejected\n"
    "with CONFAI_E_GPU_DUPLICATE, as in a bundle. One GPU's result is under\n"
    "\"gpu\", several GPUs' under \"gpus\" in the order given.\n"
    "\n"
    "Exit: 0 accepted, 1 rejected, 2 usage, 3 unreadable input or invalid\n"
    "      policy, 5 internal.\n";

static void usage(FILE *out)
{
    fputs(verify_usage_head, out);
    fputs(cli_evidence_help, out);
    fputs(verify_usage_tail, out);
}

/* The bundle's own nonce (zeros when it has none that decodes). */
static void bundle_nonce(uint8_t nonce[32], const cli_blob *bundle)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)bundle->data, bundle->len);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, "nonce");
    cli_blob text = { 0 }, bytes = { 0 };
    const char *encoding = NULL;
    memset(nonce, 0, 32);
    if (cJSON_IsString(n)) {
        text.data = (uint8_t *)n->valuestring;
        text.len = strlen(n->valuestring);
        if (cli_decode_text(&text, &bytes, &encoding) && strcmp(encoding, "base64") == 0 &&
            bytes.len == 32)
            memcpy(nonce, bytes.data, 32);
        cli_blob_free(&bytes);
    }
    cJSON_Delete(doc);
}

static int verify_bundle(const confai_policy *policy, const cli_evidence *ev)
{
    confai_verify_options opt;
    confai_verdict *verdict = NULL;
    confai_error err = { 0 };
    uint8_t nonce[32];
    char *json = NULL;
    int rc;

    if (confai_verify_options_init(&opt, CONFAI_VERIFY_OPTIONS_VERSION, &err) != CONFAI_OK)
        return cli_fail_status("verify", &err);
    opt.verify_time = ev->at;
    if (ev->has_nonce) {
        memcpy(nonce, ev->nonce, sizeof(nonce));
    } else {
        /* No nonce of ours: take the bundle's own, and say what that means. */
        bundle_nonce(nonce, &ev->bundle);
        fprintf(stderr, "confai: verify: no --nonce: the bundle's own nonce is used, so "
                        "this does not prove the evidence is fresh\n");
    }
    if (confai_attestation_verify(&verdict, policy, &opt, nonce, (const char *)ev->bundle.data,
                                  ev->bundle.len, &err) != CONFAI_OK)
        return cli_fail_status("verify: rejected", &err);
    const char *warning = confai_verdict_root_warning(verdict);
    if (warning != NULL && warning[0] != '\0')
        fprintf(stderr, "confai: WARNING: %s\n", warning);
    if (confai_verdict_json(verdict, &json, NULL, &err) != CONFAI_OK) {
        confai_verdict_free(verdict);
        return cli_fail_status("verify", &err);
    }
    rc = cli_print_json_text(json);
    confai_free(json);
    confai_verdict_free(verdict);
    return rc;
}

/* The result object of raw evidence that passed, filled as checks pass. */
typedef struct raw_run {
    cJSON *out;
    cJSON *not_checked;
    cJSON *checks, *waived;
    confai_error err;
    const char *stage;
} raw_run;

static int note_unchecked(raw_run *r, const char *what)
{
    cJSON *s = cJSON_CreateString(what);
    if (s == NULL || !cJSON_AddItemToArray(r->not_checked, s)) {
        cJSON_Delete(s);
        return 0;
    }
    return 1;
}

static int add_names(cJSON *list, const confai_evidence_verdict *v,
                     size_t (*count)(const confai_evidence_verdict *),
                     const char *(*name)(const confai_evidence_verdict *, size_t))
{
    for (size_t i = 0; i < count(v); i++) {
        const cJSON *known;
        int seen = 0;
        cJSON_ArrayForEach(known, list)
            seen |= strcmp(known->valuestring, name(v, i)) == 0;
        if (seen) /* each name once */
            continue;
        cJSON *s = cJSON_CreateString(name(v, i));
        if (s == NULL || !cJSON_AddItemToArray(list, s)) {
            cJSON_Delete(s);
            return 0;
        }
    }
    return 1;
}

/*
 * A platform's raw verdict into the result: its checks appended to the
 * lists, what it proved under `member` less the members the result holds
 * once, its root warning on stderr. For "gpu" (one GPU) and "gpus", the
 * GPU verdict's "gpus" list: its one object or the list itself.
 */
static confai_status add_verdict(raw_run *r, const char *member, const confai_evidence_verdict *v)
{
    char *json = NULL;
    cJSON *o;
    const char *warning = confai_evidence_verdict_root_warning(v);
    if (warning != NULL)
        fprintf(stderr, "confai: WARNING: %s\n", warning);
    if (confai_evidence_verdict_json(v, &json, NULL, &r->err) != CONFAI_OK)
        return r->err.status;
    o = cJSON_Parse(json);
    confai_free(json);
    if (o != NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "checks");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "waived");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "verified_at");
    }
    if (o != NULL && strncmp(member, "gpu", 3) == 0) {
        cJSON *gpus = cJSON_DetachItemFromObjectCaseSensitive(o, "gpus");
        cJSON_Delete(o);
        o = strcmp(member, "gpu") == 0 ? cJSON_DetachItemFromArray(gpus, 0) : gpus;
        if (o != gpus)
            cJSON_Delete(gpus);
    }
    int added = o != NULL && cJSON_AddItemToObject(r->out, member, o);
    if (!added)
        cJSON_Delete(o);
    if (!added ||
        !add_names(r->checks, v, confai_evidence_verdict_check_count,
                   confai_evidence_verdict_check) ||
        !add_names(r->waived, v, confai_evidence_verdict_waived_count,
                   confai_evidence_verdict_waived)) {
        r->err.status = CONFAI_E_NO_MEMORY;
        snprintf(r->err.message, sizeof(r->err.message), "out of memory");
        return CONFAI_E_NO_MEMORY;
    }
    return CONFAI_OK;
}

static confai_status run_snp(raw_run *r, const confai_policy *policy, const cli_evidence *ev)
{
    const uint8_t *certs[CLI_MAX_CERTS];
    confai_evidence_verdict *v = NULL;
    r->stage = "sev-snp";
    for (size_t i = 0; i < ev->snp_certs.count; i++)
        certs[i] = ev->snp_certs.der[i];
    confai_status st = confai_evidence_verify_snp(
        &v, policy, ev->snp_report.data, ev->snp_report.len, certs, ev->snp_certs.len,
        ev->snp_certs.count, ev->has_report_data ? ev->report_data : NULL, ev->at, &r->err);
    if (st == CONFAI_OK)
        st = add_verdict(r, "sev_snp", v);
    confai_evidence_verdict_free(v);
    return st;
}

static confai_status run_tdx(raw_run *r, const confai_policy *policy, const cli_evidence *ev)
{
    confai_evidence_verdict *v = NULL;
    confai_tdx_collateral c;
    memset(&c, 0, sizeof(c));
    c.version = CONFAI_TDX_COLLATERAL_VERSION;
    c.tcb_info = (const char *)ev->tcb_info.data;
    c.tcb_info_len = ev->tcb_info.len;
    c.qe_identity = (const char *)ev->qe_identity.data;
    c.qe_identity_len = ev->qe_identity.len;
    c.tcb_signing_chain = (const char *)ev->tcb_chain.data;
    c.tcb_signing_chain_len = ev->tcb_chain.len;
    c.pck_crl = ev->pck_crl.data;
    c.pck_crl_len = ev->pck_crl.len;
    c.root_crl = ev->root_crl.data;
    c.root_crl_len = ev->root_crl.len;
    r->stage = "tdx";
    confai_status st = confai_evidence_verify_tdx(&v, policy, ev->tdx_quote.data,
                                                  ev->tdx_quote.len, &c,
                                                  ev->has_report_data ? ev->report_data : NULL,
                                                  ev->at, &r->err);
    if (st == CONFAI_OK)
        st = add_verdict(r, "tdx", v);
    confai_evidence_verdict_free(v);
    return st;
}

/*
 * Every GPU in one call of the library's multi-GPU verifier, which counts
 * them against the policy and refuses one GPU given twice, as for a bundle.
 * One GPU's result is put under "gpu", several GPUs' under "gpus".
 */
static confai_status run_gpus(raw_run *r, const confai_policy *policy, const cli_evidence *ev)
{
    const uint8_t *certs[CLI_MAX_GPUS][CLI_MAX_CERTS];
    confai_gpu_evidence in[CLI_MAX_GPUS];
    confai_evidence_verdict *v = NULL;

    r->stage = "gpu";
    for (size_t g = 0; g < ev->gpu_count; g++) {
        const cli_gpu *gpu = &ev->gpus[g];
        for (size_t i = 0; i < gpu->certs.count; i++)
            certs[g][i] = gpu->certs.der[i];
        in[g] = (confai_gpu_evidence){ gpu->evidence.data, gpu->evidence.len, certs[g],
                                       gpu->certs.len, gpu->certs.count, gpu->nonce };
    }
    confai_status st = confai_evidence_verify_gpus(&v, policy, in, ev->gpu_count, ev->at,
                                                   &r->err);
    if (st == CONFAI_OK)
        st = add_verdict(r, ev->gpu_count == 1 ? "gpu" : "gpus", v);
    confai_evidence_verdict_free(v);
    return st;
}

static int verify_raw(const confai_policy *policy, const cli_evidence *ev, const cli_evidence_args *args)
{
    raw_run r;
    confai_status st = CONFAI_OK;
    int rc;

    memset(&r, 0, sizeof(r));
    r.out = cJSON_CreateObject();
    if (r.out == NULL || cJSON_AddStringToObject(r.out, "result", "accepted") == NULL ||
        cJSON_AddStringToObject(r.out, "evidence", "raw") == NULL ||
        !cli_add_time(r.out, "verified_at", ev->at) ||
        (r.not_checked = cJSON_AddArrayToObject(r.out, "not_checked")) == NULL ||
        (r.checks = cJSON_CreateArray()) == NULL || (r.waived = cJSON_CreateArray()) == NULL) {
        cJSON_Delete(r.checks);
        cJSON_Delete(r.out);
        cli_error("verify", "out of memory");
        return CLI_INTERNAL;
    }
    if (args->snp_report != NULL)
        st = run_snp(&r, policy, ev);
    if (st == CONFAI_OK && args->tdx_quote != NULL)
        st = run_tdx(&r, policy, ev);
    if (st == CONFAI_OK && ev->gpu_count > 0)
        st = run_gpus(&r, policy, ev);
    if (st != CONFAI_OK) {
        char what[80];
        snprintf(what, sizeof(what), "verify: %s rejected", r.stage);
        if (r.err.status == CONFAI_OK)
            r.err.status = st;
        cJSON_Delete(r.checks);
        cJSON_Delete(r.waived);
        cJSON_Delete(r.out);
        return cli_fail_status(what, &r.err);
    }
    int ok = 1;
    if ((args->snp_report != NULL || args->tdx_quote != NULL) && !ev->has_report_data) {
        fprintf(stderr, "confai: verify: report data not checked (no --report-data): the "
                        "evidence is genuine, but what it commits to is unknown\n");
        ok = note_unchecked(&r, "binding.report_data");
    }
    ok = ok && note_unchecked(&r, "policy.manifest (raw evidence has no manifest)") &&
         note_unchecked(&r, "freshness (raw evidence answers no nonce of ours)") &&
         cJSON_AddItemToObject(r.out, "checks", r.checks);
    ok = ok && cJSON_AddItemToObject(r.out, "waived", r.waived);
    if (!ok) {
        if (cJSON_GetObjectItemCaseSensitive(r.out, "checks") != r.checks)
            cJSON_Delete(r.checks);
        if (cJSON_GetObjectItemCaseSensitive(r.out, "waived") != r.waived)
            cJSON_Delete(r.waived);
        cJSON_Delete(r.out);
        cli_error("verify", "out of memory");
        return CLI_INTERNAL;
    }
    rc = cli_print_json(r.out, 1);
    cJSON_Delete(r.out);
    return rc;
}

int cli_verify(int argc, char **argv)
{
    cli_evidence_args args;
    const char *policy_path = NULL;
    confai_policy *policy = NULL;
    cli_evidence ev;
    int rc;

    memset(&args, 0, sizeof(args));
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            usage(stdout);
            return CLI_OK;
        }
        if ((r = cli_option(argc, argv, &i, "--policy", &policy_path)) != 0) {
            if (r < 0)
                return CLI_USAGE;
            continue;
        }
        r = cli_evidence_option(&args, argc, argv, &i);
        if (r < 0)
            return CLI_USAGE;
        if (r == 0) {
            cli_error("usage", "verify: unknown option %s", argv[i]);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (policy_path == NULL) {
        cli_error("usage", "verify: --policy is required");
        usage(stderr);
        return CLI_USAGE;
    }
    if ((rc = cli_evidence_check(&args)) != CLI_OK)
        return rc;
    if (!cli_load_policy(policy_path, &policy, &rc))
        return rc;
    rc = cli_evidence_load(&ev, &args);
    if (rc == CLI_OK)
        rc = args.bundle != NULL ? verify_bundle(policy, &ev) : verify_raw(policy, &ev, &args);
    cli_evidence_free(&ev);
    confai_policy_free(policy);
    return rc;
}
