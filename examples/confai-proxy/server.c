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
 * The proxy accepts connections itself (MHD_USE_NO_LISTEN_SOCKET) and hands
 * each admitted one to libmicrohttpd with MHD_add_connection, so that one
 * beyond --max-connections costs no thread: it is answered 503 with a short
 * JSON error right after accept and closed. The same thread is the
 * watchdog: a connection that has not delivered a complete request (headers
 * and body) within --read-timeout of its start, or of the end of the
 * previous answer on a kept-alive connection, is shut down, however steadily
 * it trickles (libmicrohttpd's own timeout is an idle timeout that every
 * byte resets). When every slot is taken, a new connection takes the place
 * of the oldest one still waiting for its request after EVICT_AFTER_US, so
 * that held-open connections do not lock legitimate callers out until their
 * deadline.
 *
 * A record lives from accept to libmicrohttpd's MHD_CONNECTION_NOTIFY_CLOSED,
 * which comes before it closes the socket: shutdown() under the lock never
 * touches a descriptor that was closed and reused. A connection that was
 * shut down no longer counts against the limit, but records (live threads)
 * never exceed twice the limit.
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

#include "proxy.h"

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* --- admission: bounded connections and read deadlines ---------------------------- */

#define EVICT_AFTER_US 1000000u
#define SWEEP_EVERY_MS 250
#define HEADER_MEMORY (32u * 1024u) /* request line and headers; more is answered 431 */
#define IDLE_TIMEOUT 600u            /* libmicrohttpd's: no byte either way for this long */

enum conn_state { CONN_PENDING = 0, CONN_RECEIVING, CONN_HANDLING };

typedef struct conn_rec {
    int fd;
    enum conn_state state;
    int cut;           /* shut down by the proxy, on its way out */
    uint64_t since_us; /* start of the current request's reception */
    size_t index;      /* in proxy_server.conns */
} conn_rec;

struct proxy_server {
    struct MHD_Daemon *daemon;
    confai_client *client;
    int listen_fd;
    pthread_t acceptor;
    int acceptor_started;
    atomic_int stop;
    pthread_mutex_t lock;
    conn_rec **conns; /* live records, cap of them at most */
    size_t live, counted, cap;
    unsigned max;
    uint64_t read_timeout_us;
};

static const char busy_answer[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n"
    "Content-Length: 113\r\n"
    "\r\n"
    "{\"error\":{\"message\":\"too many connections, retry later\",\"type\":\"server_error\","
    "\"code\":\"too_many_connections\"}}\n";

/* 503 without reading the request (a fresh socket's buffer takes it whole), then close. */
static void refuse(int fd)
{
    char sink[4096];
    ssize_t n = send(fd, busy_answer, sizeof(busy_answer) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)n;
    /* what already arrived is read, so that close() sends FIN rather than RST */
    for (int i = 0; i < 4 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
        ;
    shutdown(fd, SHUT_WR);
    close(fd);
}

static void conn_remove(proxy_server *s, conn_rec *c)
{
    s->conns[c->index] = s->conns[--s->live];
    s->conns[c->index]->index = c->index;
    if (!c->cut)
        s->counted--;
    free(c);
}

static void conn_cut(proxy_server *s, conn_rec *c)
{
    shutdown(c->fd, SHUT_RDWR); /* its thread sees the end and closes it */
    c->cut = 1;
    s->counted--;
}

static conn_rec *conn_by_fd(proxy_server *s, int fd)
{
    for (size_t i = 0; i < s->live; i++)
        if (s->conns[i]->fd == fd && s->conns[i]->state == CONN_PENDING)
            return s->conns[i];
    return NULL;
}

/* A record for an accepted socket, or NULL: refuse it. */
static conn_rec *admit(proxy_server *s, int fd)
{
    uint64_t now = now_us();
    conn_rec *c = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->counted >= s->max) {
        conn_rec *oldest = NULL;
        for (size_t i = 0; i < s->live; i++) {
            conn_rec *o = s->conns[i];
            if (!o->cut && o->state == CONN_RECEIVING && now - o->since_us >= EVICT_AFTER_US &&
                (oldest == NULL || o->since_us < oldest->since_us))
                oldest = o;
        }
        if (oldest != NULL && s->live < s->cap)
            conn_cut(s, oldest);
    }
    if (s->counted < s->max && s->live < s->cap && (c = calloc(1, sizeof(*c))) != NULL) {
        c->fd = fd;
        c->state = CONN_PENDING;
        c->since_us = now;
        c->index = s->live;
        s->conns[s->live++] = c;
        s->counted++;
    }
    pthread_mutex_unlock(&s->lock);
    return c;
}

/* Shuts down the connections past their read deadline. */
static void sweep(proxy_server *s)
{
    uint64_t now = now_us();
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->live; i++) {
        conn_rec *c = s->conns[i];
        if (c->cut || now - c->since_us < s->read_timeout_us)
            continue;
        if (c->state == CONN_RECEIVING)
            conn_cut(s, c);
        else if (c->state == CONN_PENDING && now - c->since_us >= 2 * s->read_timeout_us) {
            /* never started by libmicrohttpd (it closed the socket): forget it */
            conn_remove(s, c);
            i--;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

static void *acceptor(void *arg)
{
    proxy_server *s = arg;
    uint64_t last_sweep = now_us();
    while (!atomic_load(&s->stop)) {
        struct pollfd p = { .fd = s->listen_fd, .events = POLLIN };
        int n = poll(&p, 1, SWEEP_EVERY_MS);
        if (now_us() - last_sweep >= SWEEP_EVERY_MS * 1000u) {
            sweep(s);
            last_sweep = now_us();
        }
        for (int k = 0; n > 0 && k < 256 && !atomic_load(&s->stop); k++) {
            struct sockaddr_storage addr;
            socklen_t addr_len = sizeof(addr);
            int fd = accept4(s->listen_fd, (struct sockaddr *)&addr, &addr_len, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                    poll(NULL, 0, 10); /* out of descriptors: let some close */
                break;
            }
            conn_rec *c = admit(s, fd);
            if (c == NULL) {
                refuse(fd);
                continue;
            }
            if (MHD_add_connection(s->daemon, fd, (struct sockaddr *)&addr, addr_len) != MHD_YES) {
                /* libmicrohttpd closed the socket */
                pthread_mutex_lock(&s->lock);
                if ((c = conn_by_fd(s, fd)) != NULL)
                    conn_remove(s, c);
                pthread_mutex_unlock(&s->lock);
            }
        }
    }
    return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    proxy_server *s = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci != NULL ? (int)ci->connect_fd : -1;
    pthread_mutex_lock(&s->lock);
    conn_rec *c = *socket_context != NULL ? *socket_context : conn_by_fd(s, fd);
    if (c != NULL && code == MHD_CONNECTION_NOTIFY_STARTED) {
        c->state = CONN_RECEIVING;
        *socket_context = c;
    } else if (c != NULL) {
        conn_remove(s, c);
        *socket_context = NULL;
    }
    pthread_mutex_unlock(&s->lock);
}

/* The connection's request is being received (1) or answered (0). */
static void conn_phase(proxy_server *s, struct MHD_Connection *conn, int receiving)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (s == NULL || ci == NULL || ci->socket_context == NULL)
        return;
    conn_rec *c = ci->socket_context; /* lives as long as its connection */
    pthread_mutex_lock(&s->lock);
    c->state = receiving ? CONN_RECEIVING : CONN_HANDLING;
    if (receiving)
        c->since_us = now_us();
    pthread_mutex_unlock(&s->lock);
}

/* --- the HTTP side ---------------------------------------------------------------- */

/* The body of one request as it arrives. */
typedef struct upload {
    uint8_t *data;
    size_t len, cap;
    int too_large;
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
    proxy_request req = {
        .method = method,
        .path = url,
        .field_names = headers.names,
        .field_values = headers.values,
        .field_count = headers.count,
        .body = up->data,
        .body_len = up->len,
    };
    confai_error err = { 0 };
    int stream = 0;
    confai_http_message *inner = proxy_inner_request(&req, &stream, &err);
    if (inner == NULL)
        return send_error(c, MHD_HTTP_BAD_REQUEST, err.message, "invalid_request_error",
                          confai_status_name(err.status));
    enum MHD_Result ret = stream ? relay_stream(s, c, inner, url) : relay_whole(s, c, inner, url);
    confai_http_message_free(inner);
    return ret;
}

/* --- libmicrohttpd callbacks ------------------------------------------------------ */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *data_size, void **con_cls)
{
    (void)version;
    upload *up = *con_cls;
    if (up == NULL) {
        up = calloc(1, sizeof(*up));
        if (up == NULL)
            return MHD_NO;
        *con_cls = up;
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
    upload *up = *con_cls;
    if (up == NULL)
        return;
    if (up->data != NULL) {
        memset(up->data, 0, up->cap); /* prompts do not linger */
        free(up->data);
    }
    free(up);
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
    s->max = limits->max_connections;
    s->cap = 2 * (size_t)limits->max_connections;
    s->read_timeout_us = (uint64_t)limits->read_timeout * 1000000u;
    atomic_init(&s->stop, 0);
    pthread_mutex_init(&s->lock, NULL);
    s->conns = calloc(s->cap, sizeof(*s->conns));
    int one = 1;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in bound;
    socklen_t bound_len = sizeof(bound);
    if (s->conns == NULL || s->listen_fd < 0 ||
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
        0, NULL, NULL, on_request, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->cap + 8, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT, MHD_OPTION_END);
    if (s->daemon == NULL || pthread_create(&s->acceptor, NULL, acceptor, s) != 0) {
        proxy_log("cannot start the HTTP server");
        proxy_server_stop(s);
        return NULL;
    }
    s->acceptor_started = 1;
    *bound_port = ntohs(bound.sin_port);
    return s;
}

void proxy_server_stop(proxy_server *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stop, 1);
    if (s->acceptor_started)
        pthread_join(s->acceptor, NULL);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    if (s->daemon != NULL)
        MHD_stop_daemon(s->daemon); /* every connection closes: every record goes */
    for (size_t i = 0; i < s->live; i++)
        free(s->conns[i]);
    free(s->conns);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
