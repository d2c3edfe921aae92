/*
 * --upstream URL: the opened inner request goes to an OpenAI-compatible
 * server with libcurl (URL is the server's root: the inner path, such as
 * /v1/chat/completions, is appended), and its answer is sealed back as it
 * arrives, so a streamed completion stays streamed.
 *
 * The inner request's header fields are forwarded except hop-by-hop ones,
 * Host, Content-Length and Accept-Encoding (the answer comes unencoded). The
 * answer's fields are forwarded except hop-by-hop ones and Content-Length
 * (the sealed framing carries the length). A failure before the upstream
 * answers becomes a sealed 502; a failure in the middle of the answer cuts the
 * stream, which the client detects.
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define MAX_FIELDS 64

static const char *const hop_by_hop[] = {
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade", "content-length", "host", "expect",
    "accept-encoding", "content-encoding",
};

static int is_hop_by_hop(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(hop_by_hop) / sizeof(hop_by_hop[0]); i++)
        if (strlen(hop_by_hop[i]) == len && strncasecmp(hop_by_hop[i], name, len) == 0)
            return 1;
    return 0;
}

typedef struct transfer {
    gw_sink *out;
    long status;
    char *fields[2 * MAX_FIELDS];
    size_t field_count;
    int begun, failed;
} transfer;

static void clear_fields(transfer *t)
{
    for (size_t i = 0; i < 2 * t->field_count; i++)
        free(t->fields[i]);
    t->field_count = 0;
}

/* Collects the answer's status and fields; a new status line starts over (1xx). */
static size_t on_header(char *line, size_t size, size_t count, void *user)
{
    transfer *t = user;
    size_t len = size * count;
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        clear_fields(t);
        return len;
    }
    const char *colon = memchr(line, ':', len);
    if (colon == NULL || colon == line)
        return len; /* the empty line at the end, or junk */
    size_t name_len = (size_t)(colon - line);
    if (is_hop_by_hop(line, name_len) || t->field_count == MAX_FIELDS)
        return len;
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    char *name = strndup(line, name_len), *value = strndup(v, (size_t)(end - v));
    if (name == NULL || value == NULL) {
        free(name);
        free(value);
        return 0;
    }
    t->fields[2 * t->field_count] = name;
    t->fields[2 * t->field_count + 1] = value;
    t->field_count++;
    return len;
}

static int begin_answer(transfer *t, CURL *curl)
{
    if (t->begun)
        return 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status < 200 || t->status > 599)
        return -1;
    t->begun = 1;
    return t->out->begin(t->out, (unsigned)t->status, (const char *const *)t->fields,
                         t->field_count);
}

typedef struct write_ctx {
    transfer *t;
    CURL *curl;
} write_ctx;

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    write_ctx *w = user;
    size_t len = size * count;
    if (begin_answer(w->t, w->curl) != 0 || w->t->out->write(w->t->out, data, len) != 0) {
        w->t->failed = 1;
        return 0;
    }
    return len;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    gw_sink *out = user;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return atomic_load(out->cancelled) ? 1 : 0;
}

int upstream_handle(const gw_config *cfg, const confai_http_message *request, gw_sink *out)
{
    const char *method = confai_http_message_method(request);
    const char *path = confai_http_message_path(request);
    size_t body_len = 0;
    const uint8_t *body = confai_http_message_body(request, &body_len);
    struct curl_slist *headers = NULL;
    transfer t;
    int rc = -1;
    memset(&t, 0, sizeof(t));
    t.out = out;

    size_t base_len = strlen(cfg->upstream);
    while (base_len > 0 && cfg->upstream[base_len - 1] == '/')
        base_len--;
    char *url = malloc(base_len + strlen(path) + 2);
    CURL *curl = curl_easy_init();
    if (url == NULL || curl == NULL)
        goto out;
    sprintf(url, "%.*s%s%s", (int)base_len, cfg->upstream, path[0] == '/' ? "" : "/", path);

    size_t n = confai_http_message_field_count(request, CONFAI_HTTP_HEADERS);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        if (confai_http_message_field(request, &name, &value, CONFAI_HTTP_HEADERS, i, NULL) !=
                CONFAI_OK ||
            name[0] == ':' || is_hop_by_hop(name, strlen(name)))
            continue;
        char *line = malloc(strlen(name) + strlen(value) + 3);
        if (line == NULL)
            goto out;
        sprintf(line, "%s: %s", name, value);
        struct curl_slist *next = curl_slist_append(headers, line);
        free(line);
        if (next == NULL)
            goto out;
        headers = next;
    }
    struct curl_slist *next = curl_slist_append(headers, "Expect:");
    if (next == NULL)
        goto out;
    headers = next;

    write_ctx w = { &t, curl };
    int ok = curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 300L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_WRITEDATA, &w) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_XFERINFODATA, out) == CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
    if (ok && (body_len > 0 || strcmp(method, "GET") != 0))
        ok = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) ==
                 CURLE_OK &&
             curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body_len > 0 ? (const char *)body : "") ==
                 CURLE_OK;
    if (!ok)
        goto out;
    CURLcode res = curl_easy_perform(curl);
    if (res != CURLE_OK) {
        if (!t.begun && !atomic_load(out->cancelled)) {
            char message[256];
            snprintf(message, sizeof(message), "the upstream model server failed: %s",
                     curl_easy_strerror(res));
            fprintf(stderr, "confai-gateway: upstream %s: %s\n", cfg->upstream,
                    curl_easy_strerror(res));
            rc = gw_sink_error(out, 502, "server_error", "upstream_error", message);
        }
        goto out;
    }
    if (begin_answer(&t, curl) != 0)
        goto out;
    rc = out->end(out);
out:
    clear_fields(&t);
    curl_slist_free_all(headers);
    if (curl != NULL)
        curl_easy_cleanup(curl);
    free(url);
    return rc;
}
