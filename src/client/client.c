/*
 * The client object: options, the service's URLs, and its lifetime.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "client/client_internal.h"
#include "core/error.h"
#include "core/memory.h"
#include "server/http_get.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_ATTEST_TIMEOUT_MS 30000
#define DEFAULT_ATTEST_RETRIES 2
#define DEFAULT_RETRY_BACKOFF_MS 250

uint32_t confai_client_options_version(void) { return CONFAI_CLIENT_OPTIONS_VERSION; }
size_t confai_client_default_chunk_size(void) { return CONFAI_CLIENT_DEFAULT_CHUNK_SIZE; }
size_t confai_client_default_max_response_size(void)
{
    return CONFAI_CLIENT_DEFAULT_MAX_RESPONSE_SIZE;
}

confai_status confai_client_options_init(confai_client_options *options, uint32_t version,
                                         confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(options != NULL, "options");
    ENSURE(version == CONFAI_CLIENT_OPTIONS_VERSION, CONFAI_E_ARGUMENT,
           "client options version %u unknown (this library has %u)", version,
           CONFAI_CLIENT_OPTIONS_VERSION);
    memset(options, 0, sizeof(*options));
    options->version = version;
    options->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    options->attest_timeout_ms = DEFAULT_ATTEST_TIMEOUT_MS;
    options->attest_retries = DEFAULT_ATTEST_RETRIES;
    options->retry_backoff_ms = DEFAULT_RETRY_BACKOFF_MS;
    options->max_response_size = CONFAI_CLIENT_DEFAULT_MAX_RESPONSE_SIZE;
    options->chunk_size = CONFAI_CLIENT_DEFAULT_CHUNK_SIZE;
out:
    return status;
}

static char *dup_string(const char *s)
{
    return s == NULL ? NULL : OPENSSL_strdup(s);
}

/* Fills the zero fields of a caller's options with the defaults. */
static confai_status take_options(confai_client *c, const confai_client_options *in,
                                  confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_client_options defaults;
    GUARD(confai_client_options_init(&defaults, CONFAI_CLIENT_OPTIONS_VERSION, err));
    if (in == NULL) {
        c->options = defaults;
        return CONFAI_OK;
    }
    ENSURE(in->version == CONFAI_CLIENT_OPTIONS_VERSION, CONFAI_E_ARGUMENT,
           "client options version %u unknown", in->version);
    ENSURE(in->flags == 0, CONFAI_E_ARGUMENT, "client options: unknown flags 0x%x", in->flags);
    for (size_t i = 0; i < sizeof(in->reserved) / sizeof(in->reserved[0]); i++)
        ENSURE(in->reserved[i] == 0, CONFAI_E_ARGUMENT, "client options: reserved field set");
    ENSURE(in->connect_timeout_ms >= 0 && in->request_timeout_ms >= 0 &&
               in->attest_timeout_ms >= 0,
           CONFAI_E_ARGUMENT, "client options: negative timeout");
    ENSURE(in->attest_retries <= 10, CONFAI_E_ARGUMENT,
           "client options: attest_retries above 10");
    c->options = *in;
    if (c->options.connect_timeout_ms == 0)
        c->options.connect_timeout_ms = defaults.connect_timeout_ms;
    if (c->options.attest_timeout_ms == 0)
        c->options.attest_timeout_ms = defaults.attest_timeout_ms;
    if (c->options.retry_backoff_ms == 0)
        c->options.retry_backoff_ms = defaults.retry_backoff_ms;
    if (c->options.max_response_size == 0)
        c->options.max_response_size = defaults.max_response_size;
    if (c->options.chunk_size == 0)
        c->options.chunk_size = defaults.chunk_size;
    if (in->verify != NULL) {
        c->verify = *in->verify;
        c->has_verify = 1;
    }
    c->ca_file = dup_string(in->ca_file);
    c->pinned_public_key = dup_string(in->pinned_public_key);
    c->user_agent = dup_string(in->user_agent);
    ENSURE((in->ca_file == NULL || c->ca_file != NULL) &&
               (in->pinned_public_key == NULL || c->pinned_public_key != NULL) &&
               (in->user_agent == NULL || c->user_agent != NULL),
           CONFAI_E_NO_MEMORY, "client options: out of memory");
out:
    /* The copies point at the client's own strings, never the caller's. */
    c->options.ca_file = c->ca_file;
    c->options.pinned_public_key = c->pinned_public_key;
    c->options.user_agent = c->user_agent;
    c->options.verify = c->has_verify ? &c->verify : NULL;
    return status;
}

/* Joins the base URL's path and an endpoint, with libcurl's URL parser. */
static confai_status endpoint_url(CURLU *base, const char *base_path, const char *endpoint,
                                  char **url, confai_error *err)
{
    confai_status status = CONFAI_OK;
    CURLU *u = curl_url_dup(base);
    char *joined = NULL, *text = NULL;
    ENSURE(u != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    size_t len = strlen(base_path) + strlen(endpoint) + 1;
    joined = OPENSSL_malloc(len);
    ENSURE(joined != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    strcpy(joined, base_path);
    strcat(joined, endpoint);
    ENSURE(curl_url_set(u, CURLUPART_PATH, joined, 0) == CURLUE_OK &&
               curl_url_get(u, CURLUPART_URL, &text, 0) == CURLUE_OK,
           CONFAI_E_ARGUMENT, "base URL: cannot append %s", endpoint);
    *url = OPENSSL_strdup(text);
    ENSURE(*url != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
out:
    curl_free(text);
    OPENSSL_free(joined);
    curl_url_cleanup(u);
    return status;
}

/* Checks the base URL and derives the endpoints and the authority. */
static confai_status parse_base_url(confai_client *c, const char *base_url, confai_error *err)
{
    confai_status status = CONFAI_OK;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL,
         *fragment = NULL, *user = NULL;
    ENSURE(u != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    ENSURE(curl_url_set(u, CURLUPART_URL, base_url, 0) == CURLUE_OK, CONFAI_E_ARGUMENT,
           "base URL \"%.80s\" does not parse", base_url);
    ENSURE(curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
               (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0),
           CONFAI_E_ARGUMENT, "base URL: scheme must be http or https");
    ENSURE(curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_NO_QUERY &&
               curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_NO_FRAGMENT,
           CONFAI_E_ARGUMENT, "base URL: no query or fragment allowed");
    ENSURE(curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER, CONFAI_E_ARGUMENT,
           "base URL: credentials in the URL are not allowed");
    ENSURE(curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK, CONFAI_E_ARGUMENT,
           "base URL: no host");
    ENSURE(curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK, CONFAI_E_ARGUMENT,
           "base URL: no path");
    size_t plen = strlen(path);
    while (plen > 0 && path[plen - 1] == '/')
        path[--plen] = '\0';
    /* OpenAI clients take ".../v1"; this client appends /v1/... itself. */
    ENSURE(!(plen >= 3 && strcmp(path + plen - 3, "/v1") == 0), CONFAI_E_ARGUMENT,
           "base URL \"%.80s\" ends in /v1: give the service's root (drop the /v1); the "
           "client adds /v1/attestation and /v1/sealed itself",
           base_url);
    GUARD(endpoint_url(u, path, "/v1/attestation", &c->attest_url, err));
    GUARD(endpoint_url(u, path, "/v1/sealed", &c->sealed_url, err));

    int has_port = curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK;
    size_t alen = strlen(host) + (has_port ? strlen(port) + 1 : 0) + 1;
    c->authority = OPENSSL_malloc(alen);
    ENSURE(c->authority != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    strcpy(c->authority, host);
    if (has_port) {
        strcat(c->authority, ":");
        strcat(c->authority, port);
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_free(fragment);
    curl_free(user);
    curl_url_cleanup(u);
    return status;
}

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *user)
{
    confai_client *c = user;
    (void)handle, (void)access;
    pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *user)
{
    confai_client *c = user;
    (void)handle;
    pthread_mutex_unlock(&c->share_locks[data]);
}

/* The connection cache the client's transfers share. */
static confai_status make_share(confai_client *c, confai_error *err)
{
    confai_status status = CONFAI_OK;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        ENSURE(pthread_mutex_init(&c->share_locks[i], NULL) == 0, CONFAI_E_INTERNAL,
               "client: cannot create a mutex");
    c->share_locks_ready = 1;
    c->share = curl_share_init();
    ENSURE(c->share != NULL, CONFAI_E_INTERNAL, "libcurl: cannot create a share handle");
    ENSURE(curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) == CURLSHE_OK &&
               curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) == CURLSHE_OK &&
               curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) == CURLSHE_OK &&
               curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) ==
                   CURLSHE_OK &&
               curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK &&
               curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) ==
                   CURLSHE_OK,
           CONFAI_E_INTERNAL, "libcurl: cannot configure the share handle");
out:
    return status;
}

confai_status confai_client_new(confai_client **client, const char *base_url,
                                const confai_policy *policy,
                                const confai_client_options *options, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_client *c = NULL;
    confai_err_clear(err);
    ENSURE_ARG(client != NULL, "client");
    *client = NULL;
    ENSURE_ARG(base_url != NULL, "base_url");
    ENSURE_ARG(policy != NULL, "policy");

    GUARD(http_curl_init(err)); /* once per process, shared with the endorsement fetchers */
    c = confai_zalloc(sizeof(*c));
    ENSURE(c != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    if (pthread_mutex_init(&c->lease_lock, NULL) != 0) {
        OPENSSL_free(c);
        c = NULL;
        BAIL(CONFAI_E_INTERNAL, "client: cannot create a mutex");
    }
    c->policy = policy;
    GUARD(make_share(c, err));
    GUARD(take_options(c, options, err));
    if (!c->has_verify) {
        GUARD(confai_verify_options_init(&c->verify, CONFAI_VERIFY_OPTIONS_VERSION, err));
        c->has_verify = 1;
    }
    if (c->verify.cache == NULL) {
        GUARD(confai_verify_cache_new(&c->own_cache, err));
        c->verify.cache = c->own_cache;
    }
    c->options.verify = &c->verify;
    GUARD(parse_base_url(c, base_url, err));
    *client = c;
    c = NULL;
out:
    confai_client_free(c);
    return status;
}

void confai_client_free(confai_client *client)
{
    if (client == NULL)
        return;
    confai_verdict_free(client->lease);
    confai_verify_cache_free(client->own_cache);
    pthread_mutex_destroy(&client->lease_lock);
    curl_share_cleanup(client->share);
    if (client->share_locks_ready)
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
            pthread_mutex_destroy(&client->share_locks[i]);
    OPENSSL_free(client->attest_url);
    OPENSSL_free(client->sealed_url);
    OPENSSL_free(client->authority);
    OPENSSL_free(client->ca_file);
    OPENSSL_free(client->pinned_public_key);
    OPENSSL_free(client->user_agent);
    confai_free_secret(client, sizeof(*client));
}
