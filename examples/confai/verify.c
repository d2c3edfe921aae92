/*
 * confai verify --policy POLICY [--at TIME] [--nonce HEX] BUNDLE, or the raw
 * forms (--snp-report/--certs, --tdx-quote/--collateral,
 * --gpu-evidence/--gpu-certs/--gpu-nonce, with --report-data).
 *
 * A bundle goes through confai_attestation_verify, exactly as a client
 * verifies it. Raw evidence goes through the platform verifiers and the
 * policy's platform sections. Accepted: exit 0 and the verdict JSON on
 * stdout. Rejected: the status name and the reason on stderr, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/bundle.h"
#include "attest/policy/policy.h"

#include "evidence.h"
#include "verify_policy.h"

static const char verify_usage_head[] =
    "usage: confai verify --policy POLICY [--at TIME] [--nonce HEX] BUNDLE\n"
    "       confai verify --policy POLICY [--at TIME] [--report-data HEX]\n"
    "                     [--snp-report FILE --certs FILE [--certs FILE...]]\n"
    "                     [--tdx-quote FILE [--collateral DIR]]\n"
    "                     [--gpu-evidence FILE --gpu-certs FILE --gpu-nonce HEX]\n"
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
    "Exit: 0 accepted, 1 rejected, 2 usage, 3 unreadable input or invalid\n"
    "      policy, 5 internal.\n";

static void usage(FILE *out)
{
    fputs(verify_usage_head, out);
    fputs(cli_evidence_help, out);
    fputs(verify_usage_tail, out);
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
        bundle b;
        memset(&b, 0, sizeof(b));
        memset(nonce, 0, sizeof(nonce));
        if (bundle_parse(&b, (const char *)ev->bundle.data, ev->bundle.len, 0, NULL) ==
            CONFAI_OK)
            memcpy(nonce, b.nonce, sizeof(nonce));
        bundle_clear(&b);
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
    verdict_checks checks;
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

static confai_status run_snp(raw_run *r, const confai_policy *policy, const cli_evidence *ev)
{
    snp_verified *v = calloc(1, sizeof(*v));
    confai_status st = v == NULL ? CONFAI_E_NO_MEMORY : CONFAI_OK;
    r->stage = "sev-snp";
    if (st == CONFAI_OK)
        st = policy_check_platform(policy, POLICY_PLATFORM_SEV_SNP, &r->checks, &r->err);
    if (st == CONFAI_OK)
        st = cli_raw_snp(v, policy->snp_trust, ev, &r->checks, &r->err);
    if (st == CONFAI_OK)
        st = policy_check_snp(policy, v, &r->checks, &r->err);
    if (st == CONFAI_OK && !cli_raw_describe_snp(r->out, v))
        st = CONFAI_E_NO_MEMORY;
    if (st == CONFAI_E_NO_MEMORY && r->err.status == CONFAI_OK)
        r->err.status = st;
    free(v);
    return st;
}

static confai_status run_tdx(raw_run *r, const confai_policy *policy, const cli_evidence *ev)
{
    tdx_verified *v = calloc(1, sizeof(*v));
    confai_status st = v == NULL ? CONFAI_E_NO_MEMORY : CONFAI_OK;
    r->stage = "tdx";
    if (st == CONFAI_OK)
        st = policy_check_platform(policy, POLICY_PLATFORM_TDX, &r->checks, &r->err);
    if (st == CONFAI_OK)
        st = cli_raw_tdx(v, policy->tdx.trust, &policy->tdx.crls, ev, &r->checks, &r->err);
    if (st == CONFAI_OK)
        st = cli_check_tdx_policy(policy, v, ev->at, &r->checks, &r->err);
    if (st == CONFAI_OK && !cli_raw_describe_tdx(r->out, v))
        st = CONFAI_E_NO_MEMORY;
    if (st == CONFAI_E_NO_MEMORY && r->err.status == CONFAI_OK)
        r->err.status = st;
    free(v);
    return st;
}

static confai_status run_gpu(raw_run *r, const confai_policy *policy, const cli_evidence *ev)
{
    nvgpu_verified *v = calloc(1, sizeof(*v));
    verdict_gpu *matched = calloc(1, sizeof(*matched));
    confai_status st = v == NULL || matched == NULL ? CONFAI_E_NO_MEMORY : CONFAI_OK;
    r->stage = "gpu";
    if (st == CONFAI_OK)
        st = cli_check_gpu_count(policy, 1, &r->checks, &r->err);
    if (st == CONFAI_OK)
        st = cli_raw_gpu(v, policy->gpus.trust, ev, &r->checks, &r->err);
    if (st == CONFAI_OK)
        st = cli_check_gpu_policy(policy, v, matched, &r->checks, &r->err);
    if (st == CONFAI_OK && !cli_raw_describe_gpu(r->out, v))
        st = CONFAI_E_NO_MEMORY;
    if (st == CONFAI_E_NO_MEMORY && r->err.status == CONFAI_OK)
        r->err.status = st;
    free(matched);
    free(v);
    return st;
}

static int verify_raw(const confai_policy *policy, const cli_evidence *ev,
                      const cli_evidence_args *args)
{
    raw_run r;
    confai_status st = CONFAI_OK;
    int rc;

    memset(&r, 0, sizeof(r));
    r.out = cJSON_CreateObject();
    if (r.out == NULL || cJSON_AddStringToObject(r.out, "result", "accepted") == NULL ||
        cJSON_AddStringToObject(r.out, "evidence", "raw") == NULL ||
        !cli_add_time(r.out, "verified_at", ev->at) ||
        (r.not_checked = cJSON_AddArrayToObject(r.out, "not_checked")) == NULL) {
        cJSON_Delete(r.out);
        cli_error("verify", "out of memory");
        return CLI_INTERNAL;
    }
    if (args->snp_report != NULL)
        st = run_snp(&r, policy, ev);
    if (st == CONFAI_OK && args->tdx_quote != NULL)
        st = run_tdx(&r, policy, ev);
    if (st == CONFAI_OK && args->gpu_evidence != NULL)
        st = run_gpu(&r, policy, ev);
    if (st != CONFAI_OK) {
        char what[64];
        snprintf(what, sizeof(what), "verify: %s rejected", r.stage);
        if (r.err.status == CONFAI_OK)
            r.err.status = st;
        cJSON_Delete(r.out);
        return cli_fail_status(what, &r.err);
    }
    int ok = 1;
    if ((args->snp_report != NULL || args->tdx_quote != NULL) && !ev->has_report_data) {
        fprintf(stderr, "confai: verify: report data not checked (no --report-data): the "
                        "evidence is genuine, but what it commits to is unknown\n");
        ok = note_unchecked(&r, "report_data");
    }
    ok = ok && note_unchecked(&r, "policy.manifest (raw evidence has no manifest)") &&
         note_unchecked(&r, "freshness (raw evidence answers no nonce of ours)") &&
         cli_add_checks(r.out, &r.checks);
    if (!ok) {
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
