/*
 * The libcurl transport: easy handles configured from the client's options,
 * whole POSTs with a size limit, and the mapping of failures to statuses.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "client/client_internal.h"
#include "core/error.h"
#include "core/memory.h"

void http_reply_clear(http_reply *reply)
{
    if (reply == NULL)
        return;
    confai_free_secret(reply->body, reply->body_len);
    memset(reply, 0, sizeof(*reply));
}

void transport_media_type(char *out, size_t out_size, const char *value)
{
    size_t n = 0;
    if (out_size == 0)
        return;
    if (value != NULL) {
        while (*value == ' ' || *value == '\t')
            value++;
        for (; value[n] != '\0' && value[n] != ';' && value[n] != ' ' && n + 1 < out_size; n++)
            out[n] = (char)tolower((unsigned char)value[n]);
    }
    out[n] = '\0';
}

confai_status transport_fail(CURLcode code, const char *errbuf, const char *url,
                             confai_error *err)
{
    const char *detail = errbuf != NULL && errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
    confai_status st;
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT: st = CONFAI_E_TIMEOUT; break;
    case CURLE_ABORTED_BY_CALLBACK: st = CONFAI_E_CANCELLED; break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED: st = CONFAI_E_TLS; break;
    case CURLE_OUT_OF_MEMORY: st = CONFAI_E_NO_MEMORY; break;
    default: st = CONFAI_E_NETWORK; break;
    }
    return confai_err_set(err, st, "%s: %s", url, detail);
}

/* Copies the printable start of a body into a message. */
static void quote_body(char *out, size_t out_size, const uint8_t *body, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < out_size; i++)
        out[n++] = (body[i] >= 0x20 && body[i] < 0x7f) ? (char)body[i] : '.';
    out[n] = '\0';
}

confai_status transport_unexpected(long http_status, const char *media_type,
                                   const uint8_t *body, size_t body_len,
                                   const char *expected, confai_error *err)
{
    char quote[CLIENT_QUOTE_SIZE];
    quote_body(quote, sizeof(quote), body, body_len);
    if (http_status == 400 && strcmp(media_type, MEDIA_PROBLEM) == 0 && body != NULL) {
        /* Only the problem type matters; the body is otherwise untrusted. */
        static const char type[] = PROBLEM_OHTTP_KEY;
        for (size_t i = 0; i + sizeof(type) - 1 <= body_len; i++)
            if (memcmp(body + i, type, sizeof(type) - 1) == 0)
                return confai_err_set(err, CONFAI_E_KEY_ID_UNKNOWN,
                                      "the service does not accept the attested key "
                                      "(key rotated?): %s", quote);
    }
    if (http_status >= 200 && http_status < 300)
        return confai_err_set(err, CONFAI_E_NOT_SEALED,
                              "answer %ld of type \"%s\" where %s was expected: refusing "
                              "an answer that is not sealed",
                              http_status, media_type, expected);
    return confai_err_set(err, CONFAI_E_HTTP_STATUS, "HTTP status %ld (%s): %s", http_status,
                          media_type[0] != '\0' ? media_type : "no content type", quote);
}

confai_status transport_easy(const confai_client *client, CURL **easy,
                             struct curl_slist **headers, const char *url,
                             const char *content_type, const char *accept,
                             int64_t timeout_ms, confai_error *err)
{
    confai_status status = CONFAI_OK;
    char line[160];
    CURL *e = curl_easy_init();
    struct curl_slist *h = NULL, *next = NULL;
    *easy = NULL;
    *headers = NULL;
    ENSURE(e != NULL, CONFAI_E_INTERNAL, "libcurl: cannot create a transfer");

    snprintf(line, sizeof(line), "Content-Type: %s", content_type);
    next = curl_slist_append(h, line);
    ENSURE(next != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    h = next;
    snprintf(line, sizeof(line), "Accept: %s", accept);
    next = curl_slist_append(h, line);
    ENSURE(next != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    h = next;
    /* A sealed body is small and sent at once; no 100-continue round trip. */
    next = curl_slist_append(h, "Expect:");
    ENSURE(next != NULL, CONFAI_E_NO_MEMORY, "client: out of memory");
    h = next;

    const confai_client_options *o = &client->options;
    int ok = curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_HTTPHEADER, h) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_POST, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms) ==
                 CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_USERAGENT,
                              o->user_agent != NULL ? o->user_agent
                                                    : "libconfai/" CONFAI_VERSION_STRING) ==
                 CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_SHARE, client->share) == CURLE_OK;
    if (ok && o->ca_file != NULL)
        ok = curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file) == CURLE_OK;
    if (ok && o->pinned_public_key != NULL)
        ok = curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, o->pinned_public_key) == CURLE_OK;
    ENSURE(ok, CONFAI_E_INTERNAL, "libcurl rejected an option for %s", url);
    *easy = e;
    *headers = h;
    e = NULL;
    h = NULL;
out:
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    return status;
}

/* Collects a body up to a limit. */
typedef struct body_sink {
    uint8_t *data;
    size_t len, cap, max;
    int over_limit;
} body_sink;

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *user)
{
    body_sink *s = user;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->over_limit = 1;
        return 0; /* aborts the transfer */
    }
    if (s->len + n > s->cap) {
        size_t cap = s->cap < 4096 ? 4096 : s->cap;
        while (cap < s->len + n)
            cap = cap > s->max / 2 ? s->max : cap * 2;
        uint8_t *p = OPENSSL_clear_realloc(s->data, s->cap, cap);
        if (p == NULL)
            return 0;
        s->data = p;
        s->cap = cap;
    }
    memcpy(s->data + s->len, ptr, n);
    s->len += n;
    return n;
}

confai_status transport_post(const confai_client *client, const char *url,
                             const char *content_type, const char *accept,
                             const uint8_t *body, size_t body_len, int64_t timeout_ms,
                             size_t max_len, http_reply *reply, confai_error *err)
{
    confai_status status = CONFAI_OK;
    CURL *e = NULL;
    struct curl_slist *headers = NULL;
    body_sink sink = {.max = max_len};
    char errbuf[CURL_ERROR_SIZE] = "";
    memset(reply, 0, sizeof(*reply));

    GUARD(transport_easy(client, &e, &headers, url, content_type, accept, timeout_ms, err));
    ENSURE(curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)body) == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) ==
                   CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink_write) == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink) == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK,
           CONFAI_E_INTERNAL, "libcurl rejected an option for %s", url);
    CURLcode rc = curl_easy_perform(e);
    ENSURE(!sink.over_limit, CONFAI_E_LIMIT, "%s: answer larger than %zu bytes", url, max_len);
    if (rc != CURLE_OK) {
        status = transport_fail(rc, errbuf, url, err);
        goto out;
    }
    char *ct = NULL;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply->status);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
    transport_media_type(reply->content_type, sizeof(reply->content_type), ct);
    reply->body = sink.data;
    reply->body_len = sink.len;
    sink.data = NULL;
out:
    confai_free_secret(sink.data, sink.cap);
    curl_easy_cleanup(e);
    curl_slist_free_all(headers);
    if (status != CONFAI_OK)
        http_reply_clear(reply);
    return status;
}
