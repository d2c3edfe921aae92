/*
 * What attest and chat share: the --url/--policy/--ca-file options, making
 * the client, and showing a verdict's root warning loudly.
 */
#include <stdio.h>
#include <string.h>

#include "client_common.h"

int cli_client_option(cli_client_args *a, int argc, char **argv, int *i)
{
    int r;
    if ((r = cli_option(argc, argv, i, "--url", &a->url)) != 0 ||
        (r = cli_option(argc, argv, i, "--policy", &a->policy)) != 0 ||
        (r = cli_option(argc, argv, i, "--ca-file", &a->ca_file)) != 0)
        return r;
    return 0;
}

int cli_client_open(cli_client *c, const cli_client_args *a)
{
    confai_client_options opt;
    confai_error err = { 0 };
    int rc = CLI_OK;

    memset(c, 0, sizeof(*c));
    if (a->url == NULL || a->policy == NULL) {
        cli_error("usage", "--url and --policy are required");
        return CLI_USAGE;
    }
    if (!cli_load_policy(a->policy, &c->policy, &rc))
        return rc;
    if (confai_client_options_init(&opt, CONFAI_CLIENT_OPTIONS_VERSION, &err) != CONFAI_OK)
        return cli_fail_status("client", &err);
    opt.ca_file = a->ca_file;
    if (confai_client_new(&c->client, a->url, c->policy, &opt, &err) != CONFAI_OK) {
        rc = cli_fail_status("client", &err);
        if (err.status == CONFAI_E_ARGUMENT)
            rc = CLI_USAGE;
        cli_client_close(c);
        return rc;
    }
    return CLI_OK;
}

void cli_client_close(cli_client *c)
{
    confai_client_free(c->client);
    confai_policy_free(c->policy);
    c->client = NULL;
    c->policy = NULL;
}

void cli_root_warning(const confai_verdict *verdict)
{
    const char *warning = confai_verdict_root_warning(verdict);
    if (warning == NULL || warning[0] == '\0')
        return;
    fprintf(stderr,
            "confai: ****************************************************************\n"
            "confai: WARNING: %s\n"
            "confai: ****************************************************************\n",
            warning);
}
