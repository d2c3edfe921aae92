/*
 * confai attest --url URL --policy POLICY: attests the service now (a fresh
 * nonce, the evidence bundle verified against the policy) and prints the
 * verdict JSON: what was proven about the service.
 */
#include <stdio.h>
#include <string.h>

#include "client_common.h"

static const char attest_usage[] =
    "usage: confai attest --url URL --policy POLICY [--ca-file PEM]\n"
    "\n"
    "Attests the service at URL (POST URL/v1/attestation with a fresh nonce),\n"
    "verifies its evidence bundle against POLICY and prints the verdict as JSON.\n"
    "A chain ending in a root the policy added (a test or simulated platform)\n"
    "is announced loudly on stderr.\n"
    "\n"
    "  --url URL          the service's base URL (http or https)\n"
    "  --policy POLICY    the policy (JSON file, doc/policy.md)\n"
    "  --ca-file PEM      CA bundle for https instead of the system's\n"
    "\n"
    "Exit: 0 attested, 1 rejected, 2 usage, 3 input, 4 transport, 5 internal.\n";

int cli_attest(int argc, char **argv)
{
    cli_client_args args = { 0 };
    cli_client c;
    confai_verdict *verdict = NULL;
    confai_error err = { 0 };
    char *json = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(attest_usage, stdout);
            return CLI_OK;
        }
        int r = cli_client_option(&args, argc, argv, &i);
        if (r < 0)
            return CLI_USAGE;
        if (r == 0) {
            cli_error("usage", "attest: unexpected argument %s", argv[i]);
            fputs(attest_usage, stderr);
            return CLI_USAGE;
        }
    }
    if ((rc = cli_client_open(&c, &args)) != CLI_OK) {
        if (rc == CLI_USAGE)
            fputs(attest_usage, stderr);
        return rc;
    }
    if (confai_client_attest(c.client, &verdict, &err) != CONFAI_OK) {
        rc = cli_fail_status("attest", &err);
    } else if (confai_verdict_json(verdict, &json, NULL, &err) != CONFAI_OK) {
        rc = cli_fail_status("attest", &err);
    } else {
        cli_root_warning(verdict);
        rc = cli_print_json_text(json);
    }
    confai_free(json);
    confai_verdict_free(verdict);
    cli_client_close(&c);
    return rc;
}
