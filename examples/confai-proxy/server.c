/*
 * The caller's side of the proxy, on libmicrohttpd. Four OpenAI-compatible
 * routes are served; each request is relayed sealed, and anything else is
 * answered here without leaving the machine.
 *
 * libmicrohttpd runs a thread per connection here, and that stays: a
 * streamed answer blocks its thread while the next sealed chunk is on its
 * way, which in a thread pool would stall every other connection of that
 * pool thread. What is bounded instead is the number of connections, hence
 * of threads, and how long each may take to deliver its request.
 *
 * The admission (../common/conn_limit.c) accepts connections itself and
 * hands each admitted one to libmicrohttpd: one beyond --max-connections is
 * answered 503 right after accept, and a connection that has not delivered
 * its request within --read-timeout is shut down.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "conn_limit.h"
#include "proxy.h"

/* --- admission: bounded connections and read deadlines (../common/conn_limit.c) ----- */

#define IDLE_TIMEOUT 600u /* libmicrohttpd's: no byte either way for this long */

struct proxy_server {
    struct MHD_Daemon *daemon;
    confai_client *client;
    int listen_fd;
    conn_limit *limit;
};

/* The connection's request is being received (1) or answered (0). */
static void conn_phase(proxy_server *s, struct MHD_Connection *conn, int receiving)
{
    conn_limit_phase(s != NULL ? s->limit : NULL, conn, receiving);
}

/* --- the HTTP side ---------------------------------------------------------------- */

/* One request as it arrives: its query and its body. */
typedef struct upload {
    char *query; /* "?..." exactly as the caller sent it, or NULL */
    uint8_t *data;
    size_t len, cap;
    int too_large;
    int started; /* the first call of on_request has been made */
} upload;

static const struct {
    const char *path;
    const char *method;
} routes[] = {
    { "/v1/chat/completions", "POST" },
    { "/v1/completions", "POST" },
    { "/v1/embeddings", "POST" },
    { "/v1/models", "GET" },
};

static enum MHD_Result send_buffer(struct MHD_Connection *c, unsigned status,
                                   const char *content_type, const void *data, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    if (content_type != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *message,
                                  const char *type, const char *code)
{
    char *json = proxy_error_json(message, type, code);
    if (json == NULL)
        return MHD_NO;
    enum MHD_Result ret = send_buffer(c, status, "application/json", json, strlen(json));
    free(json);
    return ret;
}

/* A failure of the client layer: 502, with the status that says why. */
static enum MHD_Result send_confai_error(struct MHD_Connection *c, const char *path,
                                         const confai_error *err)
{
    char message[CONFAI_ERROR_MESSAGE_SIZE + 64];
    proxy_log("%s: %s: %s", path, confai_status_name(err->status), err->message);
    snprintf(message, sizeof(message), "confai-proxy: %s", err->message);
    confai_status_group g = confai_status_group_of(err->status);
    const char *type = g == CONFAI_GROUP_TRANSPORT ? "confai_transport_error"
                       : g == CONFAI_GROUP_ATTESTATION || g == CONFAI_GROUP_POLICY
                           ? "confai_attestation_error"
                           : "confai_integrity_error";
    return send_error(c, MHD_HTTP_BAD_GATEWAY, message, type, confai_status_name(err->status));
}

/* --- relaying ------------------------------------------------------------------- */

static enum MHD_Result relay_whole(proxy_server *s, struct MHD_Connection *c,
                                   const confai_http_message *inner, const char *path)
{
    confai_http_message *resp = NULL;
    confai_error err = { 0 };

    if (confai_client_fetch(s->client, &resp, inner, &err) != CONFAI_OK)
        return send_confai_error(c, path, &err);
    size_t len = 0;
    const uint8_t *body = confai_http_message_body(resp, &len);
    const char *type = NULL;
    size_t n = confai_http_message_field_count(resp, CONFAI_HTTP_HEADERS);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (confai_http_message_field(resp, &name, &value, CONFAI_HTTP_HEADERS, i, NULL) ==
                CONFAI_OK &&
            strcmp(name, "content-type") == 0)
            type = value;
    }
    proxy_log("%s: %u, %zu bytes, sealed both ways", path, confai_http_message_status(resp), len);
    enum MHD_Result ret = send_buffer(c, confai_http_message_status(resp),
                                      type != NULL ? type : "application/json",
                                      body != NULL ? (const void *)body : "", len);
    confai_http_message_free(resp);
    return ret;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    long n = proxy_stream_next(cls, buf, max);
    if (n > 0)
        return (ssize_t)n;
    /*
     * END_WITH_ERROR closes the connection without the last chunk of the
     * chunked encoding: the caller sees the answer break off, never a
     * clean end.
     */
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    proxy_stream_free(cls);
}

static enum MHD_Result relay_stream(proxy_server *s, struct MHD_Connection *c,
                                    const confai_http_message *inner, const char *path)
{
    confai_stream *stream = NULL;
    confai_error err = { 0 };

    if (confai_client_stream_open(s->client, &stream, inner, &err) != CONFAI_OK)
        return send_confai_error(c, path, &err);
    const confai_http_message *head = confai_stream_response(stream);
    unsigned status = confai_http_message_status(head);
    const char *type = "text/event-stream";
    size_t n = confai_http_message_field_count(head, CONFAI_HTTP_HEADERS);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (confai_http_message_field(head, &name, &value, CONFAI_HTTP_HEADERS, i, NULL) ==
                CONFAI_OK &&
            strcmp(name, "content-type") == 0)
            type = value;
    }
    char type_copy[256];
    snprintf(type_copy, sizeof(type_copy), "%s", type);
    proxy_log("%s: %u, streaming (sealed chunks)", path, status);

    proxy_stream *ps = proxy_stream_new(stream, path);
    if (ps == NULL)
        return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_reader, ps, stream_free);
    if (r == NULL) {
        proxy_stream_free(ps);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type_copy);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The caller's header fields as libmicrohttpd holds them (valid while the
 * request is), for the library's request shaping. */
#define PROXY_MAX_FIELDS 128
typedef struct header_list {
    const char *names[PROXY_MAX_FIELDS];
    const char *values[PROXY_MAX_FIELDS];
    size_t count;
    int too_many;
} header_list;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *name,
                                     const char *value)
{
    (void)kind;
    header_list *h = cls;
    if (h->count == PROXY_MAX_FIELDS) {
        h->too_many = 1;
        return MHD_NO;
    }
    h->names[h->count] = name;
    h->values[h->count] = value == NULL ? "" : value;
    h->count++;
    return MHD_YES;
}

static enum MHD_Result route(proxy_server *s, struct MHD_Connection *c, const char *url,
                             const char *method, const upload *up)
{
    int known_path = 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(url, routes[i].path) != 0)
            continue;
        known_path = 1;
        if (strcmp(method, routes[i].method) != 0)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here",
                              "invalid_request_error", NULL);
    }
    if (!known_path)
        return send_error(c, MHD_HTTP_NOT_FOUND,
                          "confai-proxy serves /v1/chat/completions, /v1/completions, "
                          "/v1/embeddings and /v1/models",
                          "invalid_request_error", NULL);
    if (up->too_large)
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large",
                          "invalid_request_error", NULL);

    header_list headers = { 0 };
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &headers);
    if (headers.too_many)
        return send_error(c, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "too many header fields",
                          "invalid_request_error", NULL);
    /* The route's path with the query as the caller sent it: libmicrohttpd
     * hands on_request the decoded path only. */
    size_t query_len = up->query != NULL ? strlen(up->query) : 0;
    char *target = malloc(strlen(url) + query_len + 1);
    if (target == NULL)
        return MHD_NO;
    memcpy(target, url, strlen(url));
    memcpy(target + strlen(url), up->query != NULL ? up->query : "", query_len + 1);
    proxy_request req = {
        .method = method,
        .path = target,
        .field_names = headers.names,
        .field_values = headers.values,
        .field_count = headers.count,
        .body = up->data,
        .body_len = up->len,
    };
    confai_error err = { 0 };
    int stream = 0;
    confai_http_message *inner = proxy_inner_request(&req, &stream, &err);
    free(target);
    if (inner == NULL)
        return send_error(c, MHD_HTTP_BAD_REQUEST, err.message, "invalid_request_error",
                          confai_status_name(err.status));
    enum MHD_Result ret = stream ? relay_stream(s, c, inner, url) : relay_whole(s, c, inner, url);
    confai_http_message_free(inner);
    return ret;
}

/* --- libmicrohttpd callbacks ------------------------------------------------------ */

static void upload_free(upload *up)
{
    if (up == NULL)
        return;
    if (up->data != NULL) {
        memset(up->data, 0, up->cap); /* prompts do not linger */
        free(up->data);
    }
    free(up->query);
    free(up);
}

/*
 * Called with the request target as received, before any other callback of
 * the request; what it returns is the request's *con_cls. The only way
 * libmicrohttpd gives the query string undecoded, as the caller sent it.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    upload *up = calloc(1, sizeof(*up));
    const char *query = uri != NULL ? strchr(uri, '?') : NULL;
    if (up != NULL && query != NULL && query[1] != '\0' && (up->query = strdup(query)) == NULL) {
        free(up);
        return NULL;
    }
    return up;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *data_size, void **con_cls)
{
    (void)version;
    upload *up = *con_cls;
    if (up == NULL) /* on_uri ran out of memory */
        return MHD_NO;
    if (!up->started) {
        up->started = 1;
        return MHD_YES;
    }
    if (*data_size > 0) {
        if (!up->too_large && up->len + *data_size > PROXY_MAX_BODY) {
            up->too_large = 1;
        } else if (!up->too_large) {
            if (up->len + *data_size > up->cap) {
                size_t cap = up->cap == 0 ? 65536 : up->cap;
                while (cap < up->len + *data_size)
                    cap *= 2;
                uint8_t *p = realloc(up->data, cap);
                if (p == NULL)
                    return MHD_NO;
                up->data = p;
                up->cap = cap;
            }
            memcpy(up->data + up->len, data, *data_size);
            up->len += *data_size;
        }
        *data_size = 0;
        return MHD_YES;
    }
    conn_phase(cls, c, 0); /* the request is in: no read deadline while it is answered */
    return route(cls, c, url, method, up);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    conn_phase(cls, c, 1); /* the next request on this connection has its own deadline */
    upload_free(*con_cls);
    *con_cls = NULL;
}

proxy_server *proxy_server_start(const char *host, uint16_t port, confai_client *client,
                                 const proxy_limits *limits, uint16_t *bound_port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        proxy_log("--listen: %s is not an IPv4 address", host);
        return NULL;
    }
    proxy_server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->client = client;
    s->limit = conn_limit_new(limits->max_connections, limits->read_timeout);
    int one = 1;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in bound;
    socklen_t bound_len = sizeof(bound);
    if (s->limit == NULL || s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(s->listen_fd, SOMAXCONN) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&bound, &bound_len) != 0) {
        proxy_log("cannot listen on %s:%u", host, port);
        proxy_server_stop(s);
        return NULL;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG |
            MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC,
        0, NULL, NULL, on_request, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, conn_limit_notify, s->limit, MHD_OPTION_CONNECTION_LIMIT,
        conn_limit_mhd_connections(s->limit), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONN_LIMIT_HEADER_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT,
        MHD_OPTION_END);
    if (s->daemon == NULL || conn_limit_start(s->limit, s->daemon, s->listen_fd) != 0) {
        proxy_log("cannot start the HTTP server");
        proxy_server_stop(s);
        return NULL;
    }
    *bound_port = ntohs(bound.sin_port);
    return s;
}

void proxy_server_stop(proxy_server *s)
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
