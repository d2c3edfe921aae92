/*
 * confai-proxy --listen 127.0.0.1:PORT --url GATEWAY_URL --policy POLICY:
 * attests the service first (and refuses to start when that fails), logs
 * the verdict, then serves OpenAI-compatible requests on the local port,
 * each one sealed to the attested key. SIGINT or SIGTERM stop it cleanly.
 * doc/confai-proxy.md is the manual.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

enum { EXIT_REJECTED = 1, EXIT_USAGE = 2, EXIT_IO = 3, EXIT_TRANSPORT = 4, EXIT_INTERNAL = 5 };

static const char usage[] =
    "usage: confai-proxy --listen HOST:PORT --url GATEWAY_URL --policy POLICY [options]\n"
    "\n"
    "A local OpenAI-compatible endpoint for a confidential AI service: it attests\n"
    "the service at GATEWAY_URL against POLICY before it listens, then seals every\n"
    "request to the attested key and hands back only authenticated answers.\n"
    "Routes: POST /v1/chat/completions (streamed with \"stream\": true, and not),\n"
    "POST /v1/completions, POST /v1/embeddings, GET /v1/models.\n"
    "\n"
    "  --listen HOST:PORT   IPv4 address and port (PORT 0 picks a free port); prints\n"
    "                       'listening on http://HOST:PORT' once it listens\n"
    "  --url URL            the service's base URL (http or https)\n"
    "  --policy POLICY      the policy (JSON file, doc/policy.md)\n"
    "  --ca-file PEM        CA bundle for an https URL instead of the system's\n"
    "  --max-connections N  connections served at once (default 256); one more is\n"
    "                       answered 503 and closed, or takes the place of the\n"
    "                       oldest connection still waiting for its request\n"
    "  --read-timeout SECONDS\n"
    "                       time a connection has to deliver a whole request,\n"
    "                       headers and body, however slowly (default 30)\n"
    "\n"
    "Exit: 0 after SIGINT/SIGTERM, 1 attestation rejected, 2 usage, 3 input\n"
    "      (policy), 4 transport (service unreachable), 5 internal (cannot listen).\n";

static int parse_listen(const char *arg, char *host, size_t host_cap, uint16_t *port)
{
    const char *colon = strrchr(arg, ':');
    if (colon == NULL || colon == arg || (size_t)(colon - arg) >= host_cap)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || p > 65535)
        return 0;
    memcpy(host, arg, (size_t)(colon - arg));
    host[colon - arg] = '\0';
    *port = (uint16_t)p;
    struct in_addr addr;
    return inet_pton(AF_INET, host, &addr) == 1;
}

static int parse_count(const char *arg, unsigned long max, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 || v == 0 || v > max)
        return 0;
    *out = (unsigned)v;
    return 1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (*len == cap) {
            if (cap >= CONFAI_POLICY_MAX_SIZE * 2u)
                break;
            char *n = realloc(buf, cap + 65536);
            if (n == NULL)
                break;
            buf = n;
            cap += 65536;
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || buf == NULL) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int exit_for(confai_status st)
{
    switch (confai_status_group_of(st)) {
    case CONFAI_GROUP_TRANSPORT:
        return st == CONFAI_E_NOT_SEALED ? EXIT_REJECTED : EXIT_TRANSPORT;
    case CONFAI_GROUP_RESOURCE:
        return EXIT_INTERNAL;
    case CONFAI_GROUP_ARGUMENT:
        return st == CONFAI_E_UNSUPPORTED ? EXIT_REJECTED : EXIT_USAGE;
    default:
        return EXIT_REJECTED;
    }
}

int main(int argc, char **argv)
{
    const char *listen_arg = NULL, *url = NULL, *policy_path = NULL, *ca_file = NULL;
    const char *max_conn_arg = NULL, *read_timeout_arg = NULL;
    proxy_limits limits = { PROXY_DEFAULT_MAX_CONNECTIONS, PROXY_DEFAULT_READ_TIMEOUT };
    char host[64];
    uint16_t port = 0, bound = 0;

    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--listen") == 0) {
            slot = &listen_arg;
        } else if (strcmp(argv[i], "--url") == 0) {
            slot = &url;
        } else if (strcmp(argv[i], "--policy") == 0) {
            slot = &policy_path;
        } else if (strcmp(argv[i], "--ca-file") == 0) {
            slot = &ca_file;
        } else if (strcmp(argv[i], "--max-connections") == 0) {
            slot = &max_conn_arg;
        } else if (strcmp(argv[i], "--read-timeout") == 0) {
            slot = &read_timeout_arg;
        } else {
            fprintf(stderr, "confai-proxy: unknown argument %s\n\n%s", argv[i], usage);
            return EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "confai-proxy: %s needs a value\n", argv[i]);
            return EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    if (listen_arg == NULL || url == NULL || policy_path == NULL) {
        fprintf(stderr, "confai-proxy: --listen, --url and --policy are required\n\n%s", usage);
        return EXIT_USAGE;
    }
    if (max_conn_arg != NULL && !parse_count(max_conn_arg, 100000, &limits.max_connections)) {
        fprintf(stderr, "confai-proxy: --max-connections takes a number from 1 to 100000\n");
        return EXIT_USAGE;
    }
    if (read_timeout_arg != NULL && !parse_count(read_timeout_arg, 3600, &limits.read_timeout)) {
        fprintf(stderr, "confai-proxy: --read-timeout takes seconds from 1 to 3600\n");
        return EXIT_USAGE;
    }
    if (!parse_listen(listen_arg, host, sizeof(host), &port)) {
        fprintf(stderr, "confai-proxy: --listen takes IPv4-ADDRESS:PORT, e.g. 127.0.0.1:8000\n");
        return EXIT_USAGE;
    }

    /*
     * SIGINT and SIGTERM are taken by sigwait below; blocked before any
     * thread starts, so every thread inherits the mask.
     */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    confai_error err = { 0 };
    confai_policy *policy = NULL;
    confai_client *client = NULL;
    confai_verdict *verdict = NULL;
    proxy_server *server = NULL;
    proxy_lease lease = { 0 };
    int rc = 0;
    size_t len = 0;
    char *text = read_file(policy_path, &len);

    if (text == NULL) {
        proxy_log("cannot read the policy %s", policy_path);
        return EXIT_IO;
    }
    confai_status st = confai_policy_new(&policy, text, len, &err);
    free(text);
    if (st != CONFAI_OK) {
        proxy_log("%s: %s: %s", policy_path, confai_status_name(err.status), err.message);
        return EXIT_IO;
    }
    confai_client_options opt;
    if (confai_client_options_init(&opt, CONFAI_CLIENT_OPTIONS_VERSION, &err) != CONFAI_OK) {
        rc = EXIT_INTERNAL;
        goto out;
    }
    opt.ca_file = ca_file;
    opt.user_agent = "confai-proxy";
    if (confai_client_new(&client, url, policy, &opt, &err) != CONFAI_OK) {
        proxy_log("--url %s: %s: %s", url, confai_status_name(err.status), err.message);
        rc = err.status == CONFAI_E_ARGUMENT ? EXIT_USAGE : EXIT_INTERNAL;
        goto out;
    }
    /* Attest before listening: a service that does not verify gets no request. */
    if (confai_client_attest(client, &verdict, &err) != CONFAI_OK) {
        proxy_log("attestation of %s failed, not starting: %s: %s", url,
                  confai_status_name(err.status), err.message);
        rc = exit_for(err.status);
        goto out;
    }
    proxy_log_verdict("attested", verdict);
    confai_verdict_free(verdict);
    if (proxy_lease_start(&lease, client) != 0) {
        proxy_log("cannot start the lease thread");
        rc = EXIT_INTERNAL;
        goto out;
    }
    server = proxy_server_start(host, port, client, &limits, &bound);
    if (server == NULL) {
        rc = EXIT_INTERNAL;
        goto out;
    }
    printf("listening on http://%s:%u\n", host, (unsigned)bound);
    fflush(stdout);
    proxy_log("serving %s on http://%s:%u, every request sealed", url, host, (unsigned)bound);

    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0)
        ;
    proxy_log("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
out:
    proxy_server_stop(server);
    proxy_lease_stop(&lease);
    confai_client_free(client);
    confai_policy_free(policy);
    return rc;
}
