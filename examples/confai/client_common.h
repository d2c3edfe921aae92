/* Options and setup shared by `confai attest` and `confai chat`. */
#ifndef CONFAI_CLI_CLIENT_COMMON_H
#define CONFAI_CLI_CLIENT_COMMON_H

#include "cli.h"

typedef struct cli_client_args {
    const char *url;
    const char *policy;
    const char *ca_file;
} cli_client_args;

typedef struct cli_client {
    confai_policy *policy;
    confai_client *client;
} cli_client;

/* As cli_option, for --url, --policy and --ca-file. */
int cli_client_option(cli_client_args *args, int argc, char **argv, int *i);

/* Loads the policy and makes the client; an exit code (CLI_OK). */
int cli_client_open(cli_client *c, const cli_client_args *args);
void cli_client_close(cli_client *c);

/* A custom root's warning, framed on stderr (nothing for vendor roots). */
void cli_root_warning(const confai_verdict *verdict);

#endif /* CONFAI_CLI_CLIENT_COMMON_H */
