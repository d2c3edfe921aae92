/*
 * The client layer's shared parts: the client object (client.c), its lease
 * (lease.c), the libcurl transport (transport.c) and the sealed exchanges
 * built on them (fetch.c, stream.c, chat.c).
 */
#ifndef CONFAI_CLIENT_INTERNAL_H
#define CONFAI_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include <confai/confai.h>

/* Media types of doc/protocol.md and RFC 9458. */
#define MEDIA_EVIDENCE "application/confai-evidence+json"
#define MEDIA_OHTTP_REQ "message/ohttp-req"
#define MEDIA_OHTTP_RES "message/ohttp-res"
#define MEDIA_CHUNKED_REQ "message/ohttp-chunked-req"
#define MEDIA_CHUNKED_RES "message/ohttp-chunked-res"
#define MEDIA_PROBLEM "application/problem+json"
/* RFC 9458 section 5.2: the gateway does not know the key we sealed to. */
#define PROBLEM_OHTTP_KEY "https://iana.org/assignments/http-problem-types#ohttp-key"

/* Bytes of an unexpected answer quoted in an error message. */
#define CLIENT_QUOTE_SIZE 160

struct confai_client {
    char *attest_url;             /* {base}/v1/attestation */
    char *sealed_url;             /* {base}/v1/sealed */
    char *authority;              /* host[:port] of the base URL */
    const confai_policy *policy;
    confai_client_options options; /* strings below, verify points at ours */
    char *ca_file, *pinned_public_key, *user_agent;
    confai_verify_options verify;
    int has_verify;
    /* Endorsements verified before (SEV-SNP chains, TDX PCK chains with
     * their collateral): re-attesting the same machine then costs the
     * report's or quote's own signatures. Ours unless the caller passed a
     * cache. */
    confai_verify_cache *own_cache;

    /*
     * Connections, DNS answers and TLS sessions shared by every transfer, so
     * that requests after the first skip the handshakes; one lock per kind
     * of data, as libcurl's share interface asks.
     */
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    int share_locks_ready;

    /* The lease: the verdict of the last attestation, or NULL. */
    pthread_mutex_t lease_lock;
    confai_verdict *lease;
};

/* --- lease.c ----------------------------------------------------------------- */

/*
 * A reference to a valid lease (attesting when there is none, it has expired,
 * or it is `stale`, the verdict the caller found rejected). The caller
 * releases *verdict with confai_verdict_free.
 */
confai_status client_lease(confai_client *client, const confai_verdict *stale,
                           confai_verdict **verdict, confai_error *err);

/* --- transport.c -------------------------------------------------------------- */

/* A whole HTTP answer. */
typedef struct http_reply {
    long status;
    char content_type[96]; /* lower case, without parameters */
    uint8_t *body;
    size_t body_len;
} http_reply;

void http_reply_clear(http_reply *reply);

/*
 * Makes an easy handle for POST url with the client's TLS, timeout and
 * user-agent options; *headers gets the header list to free after the
 * transfer. timeout_ms 0 means none.
 */
confai_status transport_easy(const confai_client *client, CURL **easy,
                             struct curl_slist **headers, const char *url,
                             const char *content_type, const char *accept,
                             int64_t timeout_ms, confai_error *err);

/*
 * POSTs body and reads the whole answer (at most max_len bytes of body,
 * else CONFAI_E_LIMIT). Any HTTP status is a success here.
 */
confai_status transport_post(const confai_client *client, const char *url,
                             const char *content_type, const char *accept,
                             const uint8_t *body, size_t body_len,
                             int64_t timeout_ms, size_t max_len,
                             http_reply *reply, confai_error *err);

/* Maps a failed transfer to a status and a message. */
confai_status transport_fail(CURLcode code, const char *errbuf, const char *url,
                             confai_error *err);

/* The media type of a Content-Type value: lower case, no parameters. */
void transport_media_type(char *out, size_t out_size, const char *value);

/*
 * Classifies an answer that is not the sealed one expected: a key problem
 * (RFC 9458 section 5.2) gives CONFAI_E_KEY_ID_UNKNOWN, a 2xx of another
 * media type CONFAI_E_NOT_SEALED, anything else CONFAI_E_HTTP_STATUS; the
 * message quotes the start of the body.
 */
confai_status transport_unexpected(long http_status, const char *media_type,
                                   const uint8_t *body, size_t body_len,
                                   const char *expected, confai_error *err);

/* --- fetch.c / stream.c ------------------------------------------------------- */

/* Encodes a request as Binary HTTP, known-length framing. */
confai_status client_encode_request(const confai_http_message *request,
                                    uint8_t **bytes, size_t *len,
                                    confai_error *err);

#endif /* CONFAI_CLIENT_INTERNAL_H */
