/*
 * confai-proxy: a local OpenAI-compatible endpoint that makes any existing
 * application confidential. Every request it accepts is sealed to the
 * attested service through the client layer (confai_client_fetch, or
 * confai_client_stream_open for "stream": true); nothing is forwarded in
 * plaintext, and only authenticated bytes come back.
 *
 *   main.c    options, attestation before listening, signals, shutdown
 *   server.c  the HTTP side (libmicrohttpd): routes, bodies, responses
 *   relay.c   one request through the client layer, whole or streamed
 *   lease.c   the background thread that renews the attestation lease
 *   log.c     timestamped lines on stderr
 */
#ifndef CONFAI_PROXY_H
#define CONFAI_PROXY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

/* Largest request body the proxy accepts from its caller. */
#define PROXY_MAX_BODY (16u * 1024u * 1024u)

/* --- log.c ------------------------------------------------------------------ */

void proxy_log(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* The verdict in one line (platform, product, measurement, root, expiry). */
void proxy_log_verdict(const char *what, const confai_verdict *verdict);

/* --- relay.c ------------------------------------------------------------------ */

/* What the caller sent: method, path, every header field as received and
 * the body. The library's request shaping keeps what goes into the sealed
 * request. */
typedef struct proxy_request {
    const char *method;
    const char *path;
    const char *const *field_names;  /* field_count of each */
    const char *const *field_values;
    size_t field_count;
    const uint8_t *body;
    size_t body_len;
} proxy_request;

/* Builds the inner Binary HTTP request with confai_http_request_shape and
 * sets *streamed (1: send as a streamed exchange). NULL on failure (err
 * set). */
confai_http_message *proxy_inner_request(const proxy_request *req, int *streamed,
                                         confai_error *err);

/* An OpenAI-style error body {"error": {...}} (malloc'd), or NULL. */
char *proxy_error_json(const char *message, const char *type, const char *code);

/*
 * A streamed answer on its way to the caller: authenticated bytes are
 * handed on in whole server-sent events, so a stream that fails leaves the
 * caller with complete events only, then an error event and a closed
 * connection (never the "data: [DONE]" terminator).
 */
typedef struct proxy_stream proxy_stream;

/* Takes ownership of stream. NULL when memory ran out (stream freed). */
proxy_stream *proxy_stream_new(confai_stream *stream, const char *path);

/*
 * Fills buf (max > 0) with the next bytes for the caller: > 0 bytes, 0 at the
 * authenticated end, -1 after a failure (the error event, if any, was
 * already returned; close the connection).
 */
long proxy_stream_next(proxy_stream *s, char *buf, size_t max);

void proxy_stream_free(proxy_stream *s);

/* --- lease.c ---------------------------------------------------------------- */

typedef struct proxy_lease {
    confai_client *client;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    int started;
} proxy_lease;

/* Starts the thread that renews the lease before it expires. 0 on success. */
int proxy_lease_start(proxy_lease *lease, confai_client *client);

/* Stops and joins the thread. */
void proxy_lease_stop(proxy_lease *lease);

/* --- server.c ---------------------------------------------------------------- */

typedef struct proxy_server proxy_server;

/* The bounds on callers (--max-connections, --read-timeout). */
typedef struct proxy_limits {
    unsigned max_connections; /* served at once; one more is answered 503 */
    unsigned read_timeout;    /* seconds to deliver a whole request, headers and body */
} proxy_limits;

#define PROXY_DEFAULT_MAX_CONNECTIONS 256
#define PROXY_DEFAULT_READ_TIMEOUT 30

/*
 * Listens on host:port (port 0: a free one) and serves until stopped.
 * *bound_port gets the port. NULL on failure (logged).
 */
proxy_server *proxy_server_start(const char *host, uint16_t port, confai_client *client,
                                 const proxy_limits *limits, uint16_t *bound_port);

/* Stops listening, lets running requests end, and frees the server. */
void proxy_server_stop(proxy_server *server);

#endif /* CONFAI_PROXY_H */
