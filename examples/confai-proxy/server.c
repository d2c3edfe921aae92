/*
 * The caller's side of the proxy, on libmicrohttpd (a thread per
 * connection, so a streamed answer may block while the next sealed chunk is
 * on its way). Four OpenAI-compatible routes are served; each request is
 * relayed sealed, and anything else is answered here without leaving the
 * machine.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "proxy.h"

struct proxy_server {
    struct MHD_Daemon *daemon;
    confai_client *client;
};

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

    proxy_request req = {
        .method = method,
        .path = url,
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_TYPE),
        .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_AUTHORIZATION),
        .accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
        .body = up->data,
        .body_len = up->len,
    };
    confai_error err = { 0 };
    confai_http_message *inner = proxy_inner_request(&req, &err);
    if (inner == NULL)
        return send_error(c, MHD_HTTP_BAD_REQUEST, err.message, "invalid_request_error",
                          confai_status_name(err.status));
    int stream = strcmp(method, "POST") == 0 && proxy_wants_stream(up->data, up->len);
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
    return route(cls, c, url, method, up);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
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
                                 uint16_t *bound_port)
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
    s->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                     MHD_USE_ERROR_LOG,
                                 port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                                 (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED,
                                 on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                                 (unsigned int)600, MHD_OPTION_END);
    if (s->daemon == NULL) {
        proxy_log("cannot listen on %s:%u", host, port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info != NULL ? info->port : port;
    return s;
}

void proxy_server_stop(proxy_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
