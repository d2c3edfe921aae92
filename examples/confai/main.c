/*
 * confai: inspect, verify and pin attestation evidence, and talk to a
 * confidential AI service from a terminal. main() only dispatches to the
 * subcommand; doc/confai.1 is the manual.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: confai COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  inspect [--json] FILE                 decode evidence, a bundle or a KeyConfig\n"
    "  verify --policy POLICY [EVIDENCE]     verify evidence against a policy\n"
    "  policy pin [EVIDENCE]                 print a policy that accepts exactly this evidence\n"
    "  attest --url URL --policy POLICY      attest a service and print the verdict\n"
    "  chat --url URL --policy POLICY [--model M] [PROMPT]\n"
    "                                        ask the attested service; the answer streams\n"
    "  version                               print the library version\n"
    "\n"
    "'confai COMMAND --help' explains each command; 'man confai' has the details.\n"
    "\n"
    "Exit codes: 0 ok, 1 rejected (evidence, policy or integrity), 2 usage,\n"
    "            3 input/output, 4 transport, 5 internal.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (cli_is_help(cmd) || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("confai (libconfai %s)\n", confai_version());
        return fflush(stdout) == 0 ? CLI_OK : CLI_IO;
    }
    if (strcmp(cmd, "inspect") == 0)
        return cli_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "verify") == 0)
        return cli_verify(argc - 1, argv + 1);
    if (strcmp(cmd, "policy") == 0)
        return cli_policy(argc - 1, argv + 1);
    if (strcmp(cmd, "attest") == 0)
        return cli_attest(argc - 1, argv + 1);
    if (strcmp(cmd, "chat") == 0)
        return cli_chat(argc - 1, argv + 1);
    cli_error("usage", "unknown command '%s'", cmd);
    fputs(usage, stderr);
    return CLI_USAGE;
}
