/*
 * The HTTP side of confai-gateway on libmicrohttpd: routing, request
 * bodies, one log line per request on stderr, POST /v1/attestation, and the
 * bounds on connections (see "admission" below).
 *
 *   POST /v1/attestation    {"nonce": base64 of 32 bytes} -> the evidence
 *                           bundle (application/confai-evidence+json)
 *   POST /v1/sealed         see sealed.c
 *   POST /v1/admin/rotate   a new OHTTP key (only with --allow-rotate)
 *
 * Log lines name the outer request only: what a sealed request asks for is
 * nobody's business outside the TEE, the log's included.
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "conn_limit.h"

#define MEDIA_EVIDENCE "application/confai-evidence+json"


static void conn_phase(gw_server *s, struct MHD_Connection *conn, int receiving);

int gw_http_reply(struct MHD_Connection *conn, gw_request *req, unsigned status,
                  const char *media_type, const void *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, media_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == 405)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, req->cors ? "POST, OPTIONS" : "POST");
    if (req->cors)
        gw_cors_headers(r, req->cors_origin);
    req->status = status;
    int rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static int reply_text(struct MHD_Connection *conn, gw_request *req, unsigned status,
                      const char *text)
{
    return gw_http_reply(conn, req, status, "text/plain", text, strlen(text));
}

/* RFC 3339 in UTC, seconds precision: the profile the binding transcript takes. */
static int format_time(char out[21], time_t t)
{
    struct tm tm;
    return gmtime_r(&t, &tm) != NULL && strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20 ? 0
                                                                                           : -1;
}

static int attestation(gw_config *cfg, struct MHD_Connection *conn, gw_request *req)
{
    uint8_t nonce[GW_NONCE_SIZE];
    char not_after[21];
    char *bundle = NULL;
    size_t bundle_len = 0;
    confai_error err;
    if (req->too_large || gw_attestation_nonce(req->body, req->body_len, nonce) != 0) {
        req->note = "bad nonce";
        return reply_text(conn, req, 400,
                          "expected {\"nonce\": \"<base64 of 32 random bytes>\"}\n");
    }
    if (format_time(not_after, time(NULL) + (time_t)cfg->lease) != 0)
        return reply_text(conn, req, 500, "clock out of range\n");

    gw_key *key = gw_keys_acquire(&cfg->keys);
    confai_status st = gw_platform_bundle(&cfg->platform, &bundle, &bundle_len, nonce,
                                          key->encoded, key->encoded_len, not_after, &err);
    gw_key_release(key);
    if (st != CONFAI_OK) {
        /* Never a partial bundle: the client retries (503) or gives up. */
        char text[400];
        fprintf(stderr, "confai-gateway: evidence: %s: %s\n", confai_status_name(st),
                err.message);
        snprintf(text, sizeof(text), "the gateway could not produce complete evidence (%s)\n",
                 confai_status_name(st));
        req->note = "evidence failed";
        return reply_text(conn, req, 503, text);
    }
    int rc = gw_http_reply(conn, req, 200, MEDIA_EVIDENCE, bundle, bundle_len);
    confai_free(bundle);
    return rc;
}

static int rotate(gw_config *cfg, struct MHD_Connection *conn, gw_request *req)
{
    char msg[256], json[64];
    uint8_t id = 0;
    if (gw_keys_rotate(&cfg->keys, &id, msg, sizeof(msg)) != 0) {
        fprintf(stderr, "confai-gateway: rotation failed: %s\n", msg);
        return reply_text(conn, req, 500, "rotation failed\n");
    }
    fprintf(stderr, "confai-gateway: OHTTP key rotated, key id now %u\n", id);
    int n = snprintf(json, sizeof(json), "{\"key_id\":%u}\n", id);
    return gw_http_reply(conn, req, 200, "application/json", json, (size_t)n);
}

static int append_body(gw_request *req, const char *data, size_t len, size_t max)
{
    if (req->too_large || len > max - req->body_len) {
        req->too_large = 1;
        return 0;
    }
    if (req->body_len + len > req->body_cap) {
        size_t cap = req->body_cap == 0 ? 1024 : req->body_cap;
        while (cap < req->body_len + len)
            cap *= 2;
        uint8_t *grown = realloc(req->body, cap);
        if (grown == NULL)
            return -1;
        req->body = grown;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, len);
    req->body_len += len;
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    gw_config *cfg = cls;
    gw_request *req = *con_cls;
    (void)version;
    if (req == NULL) {
        req = calloc(1, sizeof(*req));
        if (req == NULL)
            return MHD_NO;
        req->started_us = gw_now_us();
        snprintf(req->method, sizeof(req->method), "%s", method);
        snprintf(req->url, sizeof(req->url), "%s", url);
        gw_media_type(req->media_type, sizeof(req->media_type),
                      MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_TYPE));
        req->route = gw_route_of(url, cfg->allow_rotate, cfg->plaintext_bench);
        req->cors = cfg->cors_origin != NULL &&
                    (req->route == GW_ROUTE_ATTEST || req->route == GW_ROUTE_SEALED);
        req->cors_origin = req->cors ? gw_cors_origin_for(cfg, conn) : NULL;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t len = *upload_data_size;
        *upload_data_size = 0;
        if (req->route == GW_ROUTE_SEALED && strcmp(req->media_type, "message/ohttp-chunked-req") == 0)
            return sealed_feed(cfg, req, (const uint8_t *)upload_data, len) == 0 ? MHD_YES
                                                                                 : MHD_NO;
        size_t max = req->route == GW_ROUTE_SEALED ? GW_MAX_SEALED_BODY : GW_MAX_ATTEST_BODY;
        return append_body(req, upload_data, len, max) == 0 ? MHD_YES : MHD_NO;
    }
    conn_phase(cfg->server, conn, 0); /* the request is in: no read deadline while it is answered */
    if (req->route == GW_ROUTE_NONE)
        return reply_text(conn, req, 404, "not found\n");
    if (req->cors && strcmp(method, "OPTIONS") == 0)
        return gw_cors_preflight(conn, req, req->cors_origin);
    if (strcmp(method, "POST") != 0)
        return reply_text(conn, req, 405, "use POST\n");
    switch (req->route) {
    case GW_ROUTE_ATTEST: return attestation(cfg, conn, req);
    case GW_ROUTE_SEALED: return sealed_respond(cfg, conn, req);
    case GW_ROUTE_PLAIN: return plaintext_respond(cfg, conn, req);
    default: return rotate(cfg, conn, req);
    }
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    gw_config *cfg = cls;
    gw_request *req = *con_cls;
    conn_phase(cfg->server, conn, 1); /* the next request on this connection has its own deadline */
    if (req == NULL)
        return;
    char when[21] = "";
    format_time(when, time(NULL));
    double ms = (double)(gw_now_us() - req->started_us) / 1000.0;
    const char *end = code == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
                      : code == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? " (client went away)"
                                                                     : " (cut off)";
    fprintf(stderr, "%s %s %s %u %.1fms%s%s%s\n", when, req->method, req->url, req->status, ms,
            req->note != NULL ? " " : "", req->note != NULL ? req->note : "", end);
    sealed_request_free(req);
    free(req->body);
    free(req);
    *con_cls = NULL;
}

/* --- admission: bounded connections and read deadlines (../common/conn_limit.c) ----- */

#define IDLE_TIMEOUT 120u /* libmicrohttpd's: no byte either way for this long */

struct gw_server {
    struct MHD_Daemon *daemon;
    int listen_fd;
    conn_limit *limit;
};

/* The connection's request is being received (1) or answered (0). */
static void conn_phase(gw_server *s, struct MHD_Connection *conn, int receiving)
{
    conn_limit_phase(s != NULL ? s->limit : NULL, conn, receiving);
}

static int listen_on(gw_config *cfg, char *msg, size_t msg_size)
{
    struct addrinfo hints, *ai = NULL;
    char port[8];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    snprintf(port, sizeof(port), "%u", cfg->listen_port);
    int gai = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (gai != 0) {
        snprintf(msg, msg_size, "--listen %s: %s", cfg->listen_host, gai_strerror(gai));
        return -1;
    }
    int one = 1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
                    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0)) {
        close(fd);
        fd = -1;
    }
    cfg->ipv6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof(bound);
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&bound, &bound_len) != 0) {
        if (fd >= 0)
            close(fd);
        snprintf(msg, msg_size, "cannot listen on %s:%u (in use?)", cfg->listen_host,
                 cfg->listen_port);
        return -1;
    }
    cfg->listen_port = ntohs(bound.ss_family == AF_INET6
                                 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                 : ((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

gw_server *gw_http_start(gw_config *cfg, char *msg, size_t msg_size)
{
    gw_server *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(msg, msg_size, "out of memory");
        return NULL;
    }
    s->listen_fd = -1;
    s->limit = conn_limit_new(cfg->max_connections, cfg->read_timeout);
    if (s->limit == NULL) {
        snprintf(msg, msg_size, "out of memory");
        goto fail;
    }
    if ((s->listen_fd = listen_on(cfg, msg, msg_size)) < 0)
        goto fail;
    cfg->server = s;
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG |
            MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC,
        0, NULL, NULL, on_request, cfg, MHD_OPTION_NOTIFY_COMPLETED, on_completed, cfg,
        MHD_OPTION_NOTIFY_CONNECTION, conn_limit_notify, s->limit, MHD_OPTION_CONNECTION_LIMIT,
        conn_limit_mhd_connections(s->limit), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONN_LIMIT_HEADER_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT,
        MHD_OPTION_END);
    if (s->daemon == NULL) {
        snprintf(msg, msg_size, "cannot start the HTTP server");
        goto fail;
    }
    if (conn_limit_start(s->limit, s->daemon, s->listen_fd) != 0) {
        snprintf(msg, msg_size, "cannot start the accepting thread");
        goto fail;
    }
    return s;
fail:
    cfg->server = NULL;
    gw_http_stop(s);
    return NULL;
}

void gw_http_stop(gw_server *s)
{
    if (s == NULL)
        return;
    conn_limit_stop(s->limit);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->daemon != NULL)
        MHD_stop_daemon(s->daemon); /* every connection closes: every record goes */
    conn_limit_free(s->limit);
    free(s);
}
