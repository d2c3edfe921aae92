/*
 * The client layer against a canned HTTP server on loopback: how it treats
 * answers that are not what the protocol says (statuses, media types, sizes,
 * silence), its retries with backoff, and its arguments. The honest path and
 * the cryptographic attacks are in test_e2e.c, against the real gateway.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <confai/confai.h>

/* What the canned server answers to every request. */
typedef struct canned {
    unsigned status;
    const char *content_type;
    const char *body;
    size_t body_len;     /* 0: strlen(body) */
    int delay_ms;        /* before answering */
    atomic_int requests;
    char last_path[128];
} canned;

static canned answer;

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_size, void **con_cls)
{
    (void)cls, (void)method, (void)version, (void)data;
    if (*con_cls == NULL) {
        *con_cls = &answer;
        return MHD_YES;
    }
    if (*data_size > 0) {
        *data_size = 0;
        return MHD_YES;
    }
    atomic_fetch_add(&answer.requests, 1);
    snprintf(answer.last_path, sizeof(answer.last_path), "%s", url);
    if (answer.delay_ms > 0)
        {
        struct timespec ts = {answer.delay_ms / 1000, (long)(answer.delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    size_t len = answer.body_len != 0 ? answer.body_len : strlen(answer.body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)answer.body, MHD_RESPMEM_PERSISTENT);
    if (answer.content_type != NULL)
        MHD_add_response_header(r, "Content-Type", answer.content_type);
    enum MHD_Result ret = MHD_queue_response(conn, answer.status, r);
    MHD_destroy_response(r);
    return ret;
}

static struct MHD_Daemon *daemon_;
static char base_url[64];
static confai_policy *policy;

/* Any valid policy: no answer of the canned server ever verifies. */
static const char policy_json[] =
    "{\"version\":1,\"platforms\":[\"sev-snp\"],\"max_age\":600,"
    "\"manifest\":{\"sha256\":\"*\"},\"sev_snp\":{\"products\":\"*\",\"measurements\":\"*\","
    "\"min_tcb\":\"*\",\"allow_debug\":false,\"allow_migration_agent\":false,"
    "\"vmpls\":\"*\",\"host_data\":\"*\",\"min_guest_svn\":0,"
    "\"id_key_digests\":\"*\",\"author_key_digests\":\"*\",\"chip_ids\":\"*\","
    "\"min_firmware\":\"*\",\"min_report_version\":2,\"guest_policy\":{\"smt\":\"*\","
    "\"single_socket\":\"*\",\"cxl_allow\":\"*\",\"mem_aes_256_xts\":\"*\",\"rapl_dis\":\"*\","
    "\"ciphertext_hiding_dram\":\"*\",\"page_swap_disable\":\"*\",\"min_abi\":\"*\"},"
    "\"min_current_tcb\":\"*\"}}";

static int setup(void **state)
{
    (void)state;
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                               0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                               MHD_OPTION_END);
    if (daemon_ == NULL)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%u/service/", (unsigned)info->port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    MHD_stop_daemon(daemon_);
    return 0;
}

static void reset(unsigned status, const char *type, const char *body)
{
    answer.status = status;
    answer.content_type = type;
    answer.body = body;
    answer.body_len = 0;
    answer.delay_ms = 0;
    atomic_store(&answer.requests, 0);
}

/* A client with fast retries so the tests do not wait. */
static confai_client *client_for(const char *url, uint32_t retries, int64_t attest_timeout_ms)
{
    confai_client_options o;
    confai_client *c = NULL;
    confai_error err;
    assert_int_equal(confai_client_options_init(&o, CONFAI_CLIENT_OPTIONS_VERSION, &err),
                     CONFAI_OK);
    o.attest_retries = retries;
    o.retry_backoff_ms = 1;
    o.attest_timeout_ms = attest_timeout_ms;
    o.connect_timeout_ms = 2000;
    assert_int_equal(confai_client_new(&c, url, policy, &o, &err), CONFAI_OK);
    return c;
}

static void arguments_and_urls(void **state)
{
    (void)state;
    confai_client *c = (confai_client *)&answer;
    confai_error err;
    confai_client_options o;
    assert_int_equal(confai_client_new(&c, NULL, policy, NULL, &err), CONFAI_E_ARGUMENT);
    assert_null(c);
    assert_int_equal(confai_client_new(&c, "http://x", NULL, NULL, &err), CONFAI_E_ARGUMENT);
    const char *bad[] = {"ftp://host", "file:///etc/passwd", "http://host/?q=1",
                         "http://host/#frag", "http://user:pw@host/", "not a url", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(confai_client_new(&c, bad[i], policy, NULL, &err), CONFAI_E_ARGUMENT);
        assert_null(c);
    }
    /* an OpenAI-style base URL: the message says to drop the /v1 */
    const char *v1[] = {"http://host/v1", "http://host/v1/", "https://host/api/v1//"};
    for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
        assert_int_equal(confai_client_new(&c, v1[i], policy, NULL, &err), CONFAI_E_ARGUMENT);
        assert_null(c);
        assert_non_null(strstr(err.message, "drop the /v1"));
    }
    assert_int_equal(confai_client_new(&c, "http://host/v10", policy, NULL, &err), CONFAI_OK);
    confai_client_free(c);
    c = NULL;
    assert_int_equal(confai_client_options_init(&o, 99, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_client_options_init(&o, CONFAI_CLIENT_OPTIONS_VERSION, &err),
                     CONFAI_OK);
    o.reserved[3] = 1;
    assert_int_equal(confai_client_new(&c, "http://h", policy, &o, &err), CONFAI_E_ARGUMENT);
    o.reserved[3] = 0;
    o.flags = 4;
    assert_int_equal(confai_client_new(&c, "http://h", policy, &o, &err), CONFAI_E_ARGUMENT);
    o.flags = 0;
    o.connect_timeout_ms = -1;
    assert_int_equal(confai_client_new(&c, "http://h", policy, &o, &err), CONFAI_E_ARGUMENT);

    /* NULL handles are refused, not dereferenced. */
    confai_verdict *v = NULL;
    assert_int_equal(confai_client_attest(NULL, &v, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_client_verdict(NULL, &v, &err), CONFAI_E_ARGUMENT);
    confai_http_message *resp = NULL;
    assert_int_equal(confai_client_fetch(NULL, &resp, NULL, &err), CONFAI_E_ARGUMENT);
    confai_stream *s = NULL;
    assert_int_equal(confai_client_stream_open(NULL, &s, NULL, &err), CONFAI_E_ARGUMENT);
    uint8_t buf[4];
    size_t n = sizeof(buf);
    assert_int_equal(confai_stream_read(NULL, buf, &n, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(n, 0);
    confai_stream_cancel(NULL);
    confai_stream_free(NULL);
    confai_client_free(NULL);
    assert_null(confai_stream_response(NULL));
}

static void endpoints_follow_the_base_path(void **state)
{
    (void)state;
    confai_error err;
    reset(200, "application/confai-evidence+json", "{}");
    confai_client *c = client_for(base_url, 0, 0);
    assert_int_equal(confai_client_attest(c, NULL, &err), CONFAI_E_MALFORMED);
    assert_string_equal(answer.last_path, "/service/v1/attestation");
    confai_client_free(c);
}

static void server_errors_are_retried_with_backoff(void **state)
{
    (void)state;
    confai_error err;
    reset(503, "text/plain", "overloaded");
    confai_client *c = client_for(base_url, 3, 0);
    assert_int_equal(confai_client_attest(c, NULL, &err), CONFAI_E_HTTP_STATUS);
    assert_non_null(strstr(err.message, "503"));
    assert_int_equal(atomic_load(&answer.requests), 4);
    confai_client_free(c);
}

static void refusals_and_bad_evidence_are_not_retried(void **state)
{
    (void)state;
    confai_error err;
    confai_client *c = client_for(base_url, 3, 0);

    reset(403, "text/plain", "forbidden");
    assert_int_equal(confai_client_attest(c, NULL, &err), CONFAI_E_HTTP_STATUS);
    assert_int_equal(atomic_load(&answer.requests), 1);

    /* Evidence in the wrong media type. */
    reset(200, "text/html", "<html>");
    assert_int_equal(confai_client_attest(c, NULL, &err), CONFAI_E_MALFORMED);
    assert_int_equal(atomic_load(&answer.requests), 1);

    /* Evidence that does not parse is a verification failure: no retry. */
    reset(200, "application/confai-evidence+json; charset=utf-8", "{\"version\":1}");
    assert_int_equal(confai_client_attest(c, NULL, &err), CONFAI_E_MALFORMED);
    assert_int_equal(atomic_load(&answer.requests), 1);
    confai_client_free(c);
}

static void oversized_evidence_hits_the_limit(void **state)
{
    (void)state;
    confai_error err;
    static char big[CONFAI_ATTESTATION_MAX_BUNDLE_SIZE + 100];
    memset(big, ' ', sizeof(big));
    reset(200, "application/confai-evidence+json", big);
    answer.body_len = sizeof(big);
    confai_client *c = client_for(base_url, 0, 0);
    assert_int_equal(confai_client_attest(c, NULL, &err), CONFAI_E_LIMIT);
    confai_client_free(c);
}

static void silence_times_out(void **state)
{
    (void)state;
    confai_error err;
    reset(200, "application/confai-evidence+json", "{}");
    answer.delay_ms = 1500;
    confai_client *c = client_for(base_url, 0, 300);
    assert_int_equal(confai_client_attest(c, NULL, &err), CONFAI_E_TIMEOUT);
    confai_client_free(c);
}

static void nobody_listening_is_a_network_error(void **state)
{
    (void)state;
    confai_error err;
    confai_verdict *v = (confai_verdict *)&answer;
    /* Port 9 on loopback: nothing listens there on a test machine. */
    confai_client *c = client_for("http://127.0.0.1:9", 1, 0);
    assert_int_equal(confai_client_verdict(c, &v, &err), CONFAI_E_NETWORK);
    assert_null(v);
    confai_client_free(c);
}

static void sealed_request_needs_a_lease_first(void **state)
{
    (void)state;
    confai_error err;
    confai_http_message *req = NULL, *resp = NULL;
    confai_stream *s = NULL;
    reset(500, "text/plain", "down");
    confai_client *c = client_for(base_url, 0, 0);
    assert_int_equal(confai_http_message_new_request(&req, "GET", "https", "svc", "/v1/models",
                                                     &err),
                     CONFAI_OK);
    /* Without verified evidence nothing is sealed and sent. */
    assert_int_equal(confai_client_fetch(c, &resp, req, &err), CONFAI_E_HTTP_STATUS);
    assert_null(resp);
    assert_int_equal(confai_client_stream_open(c, &s, req, &err), CONFAI_E_HTTP_STATUS);
    assert_null(s);
    assert_string_equal(answer.last_path, "/service/v1/attestation");
    /* A response message is not a request. */
    confai_http_message *not_req = NULL;
    assert_int_equal(confai_http_message_new_response(&not_req, 200, &err), CONFAI_OK);
    assert_int_equal(confai_client_fetch(c, &resp, not_req, &err), CONFAI_E_ARGUMENT);
    confai_http_message_free(not_req);
    confai_http_message_free(req);
    confai_client_free(c);
}

static int noop(void *user, const char *t, size_t l)
{
    (void)user, (void)t, (void)l;
    return 0;
}

static void chat_request_must_be_an_object(void **state)
{
    (void)state;
    confai_error err;
    confai_client *c = client_for(base_url, 0, 0);
    const char *bad = "[1,2]";
    assert_int_equal(confai_client_chat(c, bad, strlen(bad), noop, NULL, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_client_chat(c, "{", 1, noop, NULL, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_client_chat(c, "{}", 2, NULL, NULL, &err), CONFAI_E_ARGUMENT);
    confai_client_free(c);
}

/* --- TLS: CA bundle and public-key pinning --------------------------------- */

typedef struct tls_server {
    struct MHD_Daemon *daemon;
    char url[64];
    char ca_path[64];
    char pin[128];      /* sha256//<base64 of SHA-256(SPKI)> */
    char *key_pem, *cert_pem;
} tls_server;

static char *pem_of(int (*write)(BIO *, const void *), const void *obj)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL, *copy = NULL;
    if (b != NULL && write(b, obj) == 1) {
        long n = BIO_get_mem_data(b, &data);
        copy = calloc(1, (size_t)n + 1);
        if (copy != NULL)
            memcpy(copy, data, (size_t)n);
    }
    BIO_free(b);
    return copy;
}

static int write_key(BIO *b, const void *k)
{
    return PEM_write_bio_PrivateKey(b, (EVP_PKEY *)k, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(BIO *b, const void *c)
{
    return PEM_write_bio_X509(b, (X509 *)c);
}

/* A self-signed P-256 certificate for 127.0.0.1, made for this run. */
static void tls_server_start(tls_server *t)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    assert_non_null(key);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    assert_true(X509_sign(cert, key, EVP_sha256()) > 0);

    t->key_pem = pem_of(write_key, key);
    t->cert_pem = pem_of(write_cert, cert);
    snprintf(t->ca_path, sizeof(t->ca_path), "/tmp/confai-ca-XXXXXX");
    int fd = mkstemp(t->ca_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, t->cert_pem, strlen(t->cert_pem)), (ssize_t)strlen(t->cert_pem));
    close(fd);

    unsigned char *spki = NULL, digest[32], b64[64];
    int spki_len = i2d_PUBKEY(key, &spki);
    assert_true(spki_len > 0);
    EVP_Digest(spki, (size_t)spki_len, digest, NULL, EVP_sha256(), NULL);
    EVP_EncodeBlock(b64, digest, sizeof(digest));
    snprintf(t->pin, sizeof(t->pin), "sha256//%s", b64);
    OPENSSL_free(spki);
    X509_free(cert);
    EVP_PKEY_free(key);

    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    t->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                     MHD_USE_TLS,
                                 0, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                                 MHD_OPTION_HTTPS_MEM_KEY, t->key_pem, MHD_OPTION_HTTPS_MEM_CERT,
                                 t->cert_pem, MHD_OPTION_END);
    assert_non_null(t->daemon);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(t->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(t->url, sizeof(t->url), "https://127.0.0.1:%u", (unsigned)info->port);
}

static void tls_server_stop(tls_server *t)
{
    MHD_stop_daemon(t->daemon);
    unlink(t->ca_path);
    free(t->key_pem);
    free(t->cert_pem);
}

static confai_status attest_over_tls(const tls_server *t, const char *ca, const char *pin,
                                     confai_error *err)
{
    confai_client_options o;
    confai_client *c = NULL;
    assert_int_equal(confai_client_options_init(&o, CONFAI_CLIENT_OPTIONS_VERSION, err),
                     CONFAI_OK);
    o.attest_retries = 0;
    o.ca_file = ca;
    o.pinned_public_key = pin;
    assert_int_equal(confai_client_new(&c, t->url, policy, &o, err), CONFAI_OK);
    confai_status st = confai_client_attest(c, NULL, err);
    confai_client_free(c);
    return st;
}

static void tls_trust_and_pinning(void **state)
{
    (void)state;
    tls_server t;
    confai_error err;
    tls_server_start(&t);
    /* The canned answer never verifies: reaching verification means TLS passed. */
    reset(200, "application/confai-evidence+json", "{}");

    /* A certificate no trusted CA issued. */
    assert_int_equal(attest_over_tls(&t, NULL, NULL, &err), CONFAI_E_TLS);
    /* Our CA bundle: TLS passes. */
    assert_int_equal(attest_over_tls(&t, t.ca_path, NULL, &err), CONFAI_E_MALFORMED);
    /* The right pin on top. */
    assert_int_equal(attest_over_tls(&t, t.ca_path, t.pin, &err), CONFAI_E_MALFORMED);
    /* Another key's pin fails even though the CA is trusted. */
    char wrong[128];
    snprintf(wrong, sizeof(wrong), "%s", t.pin);
    wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
    assert_int_equal(attest_over_tls(&t, t.ca_path, wrong, &err), CONFAI_E_TLS);
    assert_non_null(strstr(err.message, "127.0.0.1"));
    tls_server_stop(&t);
}

int main(void)
{
    confai_error err;
    if (confai_policy_new(&policy, policy_json, strlen(policy_json), &err) != CONFAI_OK) {
        fprintf(stderr, "policy: %s\n", err.message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arguments_and_urls),
        cmocka_unit_test(endpoints_follow_the_base_path),
        cmocka_unit_test(server_errors_are_retried_with_backoff),
        cmocka_unit_test(refusals_and_bad_evidence_are_not_retried),
        cmocka_unit_test(oversized_evidence_hits_the_limit),
        cmocka_unit_test(silence_times_out),
        cmocka_unit_test(nobody_listening_is_a_network_error),
        cmocka_unit_test(sealed_request_needs_a_lease_first),
        cmocka_unit_test(chat_request_must_be_an_object),
        cmocka_unit_test(tls_trust_and_pinning),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    confai_policy_free(policy);
    return rc;
}
