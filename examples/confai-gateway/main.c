/*
 * confai-gateway: the reference server half of libconfai's protocol, on a
 * real SEV-SNP or TDX confidential VM (with NVIDIA GPUs) or on a simulated
 * SEV-SNP platform. See doc/confai-gateway.md and doc/deploy.md.
 *
 * This file: the command line, startup, and signals (SIGHUP rotates the OHTTP
 * key, SIGINT and SIGTERM stop the gateway cleanly). Signals are blocked in
 * every thread and taken with sigwait in the main thread.
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <openssl/rand.h>

#define DEFAULT_LEASE 3600
#define DEFAULT_TOKEN_DELAY_MS 20
#define MAX_LEASE 31536000
#define DEFAULT_MAX_CONNECTIONS 256
#define DEFAULT_READ_TIMEOUT 30

static void usage(FILE *f)
{
    fputs("usage: confai-gateway --listen HOST:PORT [--platform NAME] [options]\n"
          "\n"
          "The reference server half of libconfai: evidence from the confidential VM it\n"
          "runs in (AMD SEV-SNP or Intel TDX, NVIDIA GPUs in CC mode) or from a SIMULATED\n"
          "SEV-SNP platform (no real TEE, no confidentiality), OHTTP-sealed requests, and\n"
          "a built-in deterministic model or an OpenAI-compatible upstream (vLLM).\n"
          "\n"
          "  --listen HOST:PORT   address to listen on (PORT 0 picks a free port); prints\n"
          "                       'listening on http://HOST:PORT' once ready\n"
          "  --platform NAME      auto (default: what configfs-tsm provides, else\n"
          "                       /dev/sev-guest), sev-snp, tdx, or sim-snp / sim-tdx\n"
          "                       (SIMULATED; sim-tdx makes new keys at every start)\n"
          "  --sim-snp            the same as --platform sim-snp\n"
          "  --gpus auto|none|N   NVIDIA GPUs to attest through NVML (default auto: every\n"
          "                       GPU, none without the NVIDIA driver); simulated: N\n"
          "                       simulated GPUs (default none)\n"
          "  --tsm-root DIR       configfs-tsm report root (default\n"
          "                       /sys/kernel/config/tsm/report)\n"
          "  --sev-guest DEV      the SEV-SNP guest device where configfs-tsm is absent\n"
          "                       (default /dev/sev-guest)\n"
          "  --vmpl N             SEV-SNP: the VMPL reports are made at (0-3)\n"
          "  --product NAME       SEV-SNP v2 reports: Milan, Genoa or Turin (for KDS)\n"
          "  --kds-url URL        AMD KDS or a caching proxy (default https://kdsintf.amd.com)\n"
          "  --pcs-url URL        Intel PCS v4 or a PCCS (default\n"
          "                       https://api.trustedservices.intel.com)\n"
          "  --cache-dir DIR      endorsements and collateral (default: DIR/endorsements\n"
          "                       under --state; none without it)\n"
          "  --state DIR          keep the platform keys and the OHTTP key in DIR (0600),\n"
          "                       creating them on first use; default: fresh each start\n"
          "  --policy-out FILE    write the policy that trusts this gateway to FILE\n"
          "  --upstream URL       forward opened requests to this OpenAI-compatible server\n"
          "                       (its root URL; default: the built-in model confai-demo)\n"
          "  --lease SECONDS      validity of each attestation (default 3600)\n"
          "  --manifest FILE      the deployment manifest the evidence commits to\n"
          "                       (default: a built-in description of this gateway)\n"
          "  --token-delay MS     pause between streamed demo tokens (default 20)\n"
          "  --max-connections N  connections served at once (default 256); one more is\n"
          "                       answered 503 and closed, or takes the place of the\n"
          "                       oldest connection still waiting for its request\n"
          "  --read-timeout SECONDS\n"
          "                       time a connection has to deliver a whole request,\n"
          "                       headers and body, however slowly (default 30)\n"
          "  --allow-rotate       enable POST /v1/admin/rotate (tests; SIGHUP always works)\n"
          "  --help, --version\n"
          "\n"
          "TEST-ONLY switch, never for a real deployment:\n"
          "  --cors ORIGIN        let pages from ORIGIN (http(s)://host[:port]) call\n"
          "                       /v1/attestation and /v1/sealed from a browser (CORS)\n"
          "  --tamper MODE        corrupt every sealed response on purpose, to test that\n"
          "                       clients refuse it: flip-byte, truncate, drop-chunk,\n"
          "                       duplicate-chunk\n"
          "  --plaintext-for-benchmarks\n"
          "                       also answer POST /plain/<path> UNSEALED, as the baseline\n"
          "                       of the end-to-end benchmark\n",
          f);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* HOST:PORT, [IPv6]:PORT. host points into a copy that main keeps. */
static int parse_listen(gw_config *cfg, char *arg)
{
    char *colon = strrchr(arg, ':');
    unsigned long long port = 0;
    if (colon == NULL || colon == arg || parse_uint(colon + 1, 65535, &port) != 0)
        return -1;
    *colon = '\0';
    if (arg[0] == '[') {
        size_t n = strlen(arg);
        if (n < 3 || arg[n - 1] != ']')
            return -1;
        arg[n - 1] = '\0';
        arg++;
    }
    cfg->listen_host = arg;
    cfg->listen_port = (unsigned)port;
    return 0;
}

static int parse_tamper(const char *s, gw_tamper *out)
{
    static const struct {
        const char *name;
        gw_tamper mode;
    } modes[] = { { "flip-byte", GW_TAMPER_FLIP_BYTE },
                  { "truncate", GW_TAMPER_TRUNCATE },
                  { "drop-chunk", GW_TAMPER_DROP_CHUNK },
                  { "duplicate-chunk", GW_TAMPER_DUPLICATE_CHUNK } };
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(s, modes[i].name) == 0) {
            *out = modes[i].mode;
            return 0;
        }
    return -1;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (p == NULL)
        return -1;
    for (char *s = p + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    struct stat st;
    if (rc == 0 && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
        errno = ENOTDIR;
        rc = -1;
    }
    return rc;
}

static int fail(const char *what)
{
    fprintf(stderr, "confai-gateway: %s\n", what);
    return 1;
}

/*
 * One bundle for a random nonce before listening: a platform that cannot
 * produce complete evidence (no endorsement, GPUs off CC mode) is found at
 * start, not by the first client.
 */
static int self_check(gw_config *cfg, char *msg, size_t msg_size)
{
    uint8_t nonce[CONFAI_ATTESTATION_NONCE_SIZE];
    char *bundle = NULL;
    size_t len = 0;
    confai_error err;
    if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
        snprintf(msg, msg_size, "no randomness for the start-up attestation");
        return -1;
    }
    gw_key *key = gw_keys_acquire(&cfg->keys);
    confai_status st = gw_platform_bundle(&cfg->platform, &bundle, &len, nonce, key->encoded,
                                          key->encoded_len, "2099-01-01T00:00:00Z", &err);
    gw_key_release(key);
    confai_free(bundle);
    if (st != CONFAI_OK) {
        snprintf(msg, msg_size, "the platform cannot produce complete evidence: %s: %s",
                 confai_status_name(st), err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "listen", required_argument, NULL, 'l' },
        { "sim-snp", no_argument, NULL, 's' },
        { "platform", required_argument, NULL, 'X' },
        { "gpus", required_argument, NULL, 'G' },
        { "tsm-root", required_argument, NULL, 't' },
        { "sev-guest", required_argument, NULL, 'g' },
        { "vmpl", required_argument, NULL, 'v' },
        { "product", required_argument, NULL, 'o' },
        { "kds-url", required_argument, NULL, 'k' },
        { "pcs-url", required_argument, NULL, 'c' },
        { "cache-dir", required_argument, NULL, 'C' },
        { "state", required_argument, NULL, 'd' },
        { "policy-out", required_argument, NULL, 'p' },
        { "upstream", required_argument, NULL, 'u' },
        { "lease", required_argument, NULL, 'L' },
        { "manifest", required_argument, NULL, 'm' },
        { "token-delay", required_argument, NULL, 'D' },
        { "allow-rotate", no_argument, NULL, 'R' },
        { "max-connections", required_argument, NULL, 'M' },
        { "read-timeout", required_argument, NULL, 'O' },
        { "tamper", required_argument, NULL, 'T' },
        { "cors", required_argument, NULL, 'Q' },
        { "plaintext-for-benchmarks", no_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    static gw_config cfg; /* shared with the server threads until they stop */
    char *listen_arg = NULL;
    int opt;
    gw_platform_config pc;
    confai_error err;
    unsigned long long v = 0;
    char msg[512];
    cfg.lease = DEFAULT_LEASE;
    cfg.token_delay_ms = DEFAULT_TOKEN_DELAY_MS;
    cfg.max_connections = DEFAULT_MAX_CONNECTIONS;
    cfg.read_timeout = DEFAULT_READ_TIMEOUT;
    atomic_init(&cfg.stopping, 0);
    memset(&pc, 0, sizeof(pc));
    pc.name = "auto";
    if (confai_platform_options_init(&pc.options, CONFAI_PLATFORM_OPTIONS_VERSION, &err) != CONFAI_OK)
        return fail(err.message);

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'l':
            free(listen_arg);
            listen_arg = strdup(optarg);
            if (listen_arg == NULL || parse_listen(&cfg, listen_arg) != 0)
                return fail("--listen takes HOST:PORT, e.g. 127.0.0.1:8080 (0: any free port)");
            break;
        case 's': pc.name = "sim-snp"; break;
        case 'X':
            if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "sev-snp") != 0
                && strcmp(optarg, "tdx") != 0 && strcmp(optarg, "sim-snp") != 0
                && strcmp(optarg, "sim-tdx") != 0)
                return fail("--platform takes auto, sev-snp, tdx, sim-snp or sim-tdx");
            pc.name = optarg;
            break;
        case 'G':
            if (strcmp(optarg, "auto") == 0)
                pc.options.gpus = CONFAI_GPUS_AUTO;
            else if (strcmp(optarg, "none") == 0)
                pc.options.gpus = 0;
            else if (parse_uint(optarg, 64, &v) == 0 && v > 0)
                pc.options.gpus = (int)v;
            else
                return fail("--gpus takes auto, none or a number of GPUs (1-64)");
            break;
        case 't': pc.options.tsm_root = optarg; break;
        case 'g': pc.options.sev_guest_device = optarg; break;
        case 'v':
            if (parse_uint(optarg, 3, &v) != 0)
                return fail("--vmpl takes 0, 1, 2 or 3");
            pc.options.vmpl = (int)v;
            break;
        case 'o':
            if (strcmp(optarg, "Milan") != 0 && strcmp(optarg, "Genoa") != 0
                && strcmp(optarg, "Turin") != 0)
                return fail("--product takes Milan, Genoa or Turin");
            pc.options.product = optarg;
            break;
        case 'k':
        case 'c':
            if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
                return fail(opt == 'k' ? "--kds-url takes an http:// or https:// URL"
                                       : "--pcs-url takes an http:// or https:// URL");
            if (opt == 'k')
                pc.options.kds_url = optarg;
            else
                pc.options.pcs_url = optarg;
            break;
        case 'C': pc.options.cache_dir = optarg; break;
        case 'd': cfg.state_dir = optarg; break;
        case 'p': cfg.policy_out = optarg; break;
        case 'u':
            if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
                return fail("--upstream takes an http:// or https:// URL");
            cfg.upstream = optarg;
            break;
        case 'L':
            if (parse_uint(optarg, MAX_LEASE, &v) != 0 || v == 0)
                return fail("--lease takes seconds from 1 to 31536000");
            cfg.lease = (int64_t)v;
            break;
        case 'm': cfg.manifest_file = optarg; break;
        case 'D':
            if (parse_uint(optarg, 10000, &v) != 0)
                return fail("--token-delay takes milliseconds from 0 to 10000");
            cfg.token_delay_ms = (unsigned)v;
            break;
        case 'R': cfg.allow_rotate = 1; break;
        case 'M':
            if (parse_uint(optarg, 100000, &v) != 0 || v == 0)
                return fail("--max-connections takes a number from 1 to 100000");
            cfg.max_connections = (unsigned)v;
            break;
        case 'O':
            if (parse_uint(optarg, 3600, &v) != 0 || v == 0)
                return fail("--read-timeout takes seconds from 1 to 3600");
            cfg.read_timeout = (unsigned)v;
            break;
        case 'P': cfg.plaintext_bench = 1; break;
        case 'T':
            if (parse_tamper(optarg, &cfg.tamper) != 0)
                return fail("--tamper takes flip-byte, truncate, drop-chunk or duplicate-chunk");
            break;
        case 'Q':
            if (!gw_cors_valid_origin(optarg))
                return fail("--cors takes one origin as browsers send it: http(s)://host[:port], lowercase, no path");
            cfg.cors_origin = optarg;
            break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("confai-gateway %s\n", confai_version()); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (listen_arg == NULL) {
        fprintf(stderr, "confai-gateway: --listen is required\n\n");
        usage(stderr);
        return 2;
    }
    if (cfg.tamper != GW_TAMPER_NONE)
        fprintf(stderr, "confai-gateway: WARNING: --tamper is on: every sealed response is "
                        "corrupted on purpose (a test-only switch)\n");
    if (cfg.plaintext_bench)
        fprintf(stderr, "confai-gateway: WARNING: --plaintext-for-benchmarks is on: POST "
                        "/plain/... is answered UNSEALED (a benchmark-only switch)\n");

    if (cfg.state_dir != NULL && make_dirs(cfg.state_dir) != 0) {
        snprintf(msg, sizeof(msg), "--state %s: %s", cfg.state_dir, strerror(errno));
        return fail(msg);
    }
    if (cfg.upstream != NULL && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fail("libcurl could not be initialised");
    pc.state_dir = cfg.state_dir;
    pc.manifest_file = cfg.manifest_file;
    if (gw_platform_init(&cfg.platform, &pc, msg, sizeof(msg)) != 0)
        return fail(msg);
    if (gw_keys_init(&cfg.keys, cfg.state_dir, msg, sizeof(msg)) != 0)
        return fail(msg);
    /* Refuse to start rather than serve incomplete evidence later. */
    if (self_check(&cfg, msg, sizeof(msg)) != 0)
        return fail(msg);
    if (cfg.policy_out != NULL && gw_platform_write_policy(&cfg.platform, cfg.policy_out,
                                                           cfg.lease, msg, sizeof(msg)) != 0)
        return fail(msg);

    /* every thread started from here on inherits the blocked signals */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    gw_server *server = gw_http_start(&cfg, msg, sizeof(msg));
    if (server == NULL)
        return fail(msg);
    char platform[128];
    gw_platform_describe(&cfg.platform, platform, sizeof(platform));
    fprintf(stderr, "confai-gateway %s: %s, OHTTP key id %u, %s%s\n", confai_version(),
            platform, cfg.keys.current->id,
            cfg.upstream != NULL ? "upstream " : "model " GW_DEMO_MODEL,
            cfg.upstream != NULL ? cfg.upstream : "");
    if (cfg.policy_out != NULL)
        fprintf(stderr, "confai-gateway: policy written to %s\n", cfg.policy_out);
    printf("listening on http://%s%s%s:%u\n", cfg.ipv6 ? "[" : "", cfg.listen_host,
           cfg.ipv6 ? "]" : "", cfg.listen_port);
    fflush(stdout);

    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            uint8_t id = 0;
            if (gw_keys_rotate(&cfg.keys, &id, msg, sizeof(msg)) == 0)
                fprintf(stderr, "confai-gateway: SIGHUP: OHTTP key rotated, key id now %u\n", id);
            else
                fprintf(stderr, "confai-gateway: SIGHUP: rotation failed: %s\n", msg);
            continue;
        }
        fprintf(stderr, "confai-gateway: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
        break;
    }
    atomic_store(&cfg.stopping, 1);
    gw_http_stop(server);
    gw_keys_destroy(&cfg.keys);
    gw_platform_destroy(&cfg.platform);
    if (cfg.upstream != NULL)
        curl_global_cleanup();
    free(listen_arg);
    return 0;
}
