/*
 * One libcurl GET with bounded retries (http_get.h).
 */
#include "server/http_get.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "core/error.h"
#include "core/memory.h"

/* --- libcurl's global init, once per process, never cleaned up --------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

confai_status http_curl_init(confai_error *err)
{
    confai_status status = CONFAI_OK;
    pthread_once(&curl_once, curl_init_once);
    ENSURE(curl_init_result == CURLE_OK, CONFAI_E_INTERNAL, "libcurl could not initialize: %s",
           curl_easy_strerror(curl_init_result));
out:
    return status;
}

/* --- collecting a response ------------------------------------------------------ */

typedef struct sink {
    uint8_t *body;
    size_t len, cap, max;
    int over_limit;
    int no_memory;
    char *headers;
    size_t headers_len, headers_cap;
    int headers_over;
} sink;

static void sink_reset(sink *s)
{
    OPENSSL_free(s->body);
    OPENSSL_free(s->headers);
    size_t max = s->max;
    memset(s, 0, sizeof(*s));
    s->max = max;
}

static int grow(uint8_t **buf, size_t *cap, size_t need, size_t limit)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap < 4096 ? 4096 : *cap;
    while (c < need)
        c = c > limit / 2 ? limit : c * 2;
    uint8_t *p = OPENSSL_realloc(*buf, c + 1); /* + 1: room for a NUL */
    if (p == NULL)
        return 0;
    *buf = p;
    *cap = c;
    return 1;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    sink *s = user;
    size_t n = size * nmemb;
    if (n > s->max - s->len) {
        s->over_limit = 1;
        return 0; /* aborts the transfer */
    }
    if (!grow(&s->body, &s->cap, s->len + n, s->max)) {
        s->no_memory = 1;
        return 0;
    }
    memcpy(s->body + s->len, ptr, n);
    s->len += n;
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *user)
{
    sink *s = user;
    size_t n = size * nmemb;
    /* A new status line (after a 1xx): keep only the final response's headers. */
    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
        s->headers_len = 0;
    if (n > HTTP_GET_MAX_HEADERS - s->headers_len) {
        s->headers_over = 1;
        return 0;
    }
    uint8_t *buf = (uint8_t *)s->headers;
    if (!grow(&buf, &s->headers_cap, s->headers_len + n, HTTP_GET_MAX_HEADERS)) {
        s->no_memory = 1;
        return 0;
    }
    s->headers = (char *)buf;
    memcpy(s->headers + s->headers_len, ptr, n);
    s->headers_len += n;
    s->headers[s->headers_len] = '\0';
    return n;
}

/* --- headers ------------------------------------------------------------------------ */

const char *http_response_header(const http_response *r, const char *name, size_t *len)
{
    const char *found = NULL;
    size_t found_len = 0;
    if (r == NULL || r->headers == NULL || name == NULL)
        return NULL;
    size_t name_len = strlen(name);
    const char *p = r->headers, *end = r->headers + r->headers_len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol != NULL ? eol : end;
        if ((size_t)(line_end - p) > name_len && p[name_len] == ':' &&
            strncasecmp(p, name, name_len) == 0) {
            const char *v = p + name_len + 1, *e = line_end;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
            found = v;
            found_len = (size_t)(e - v);
        }
        p = line_end + 1;
    }
    if (found != NULL && len != NULL)
        *len = found_len;
    return found;
}

void http_response_clear(http_response *r)
{
    if (r == NULL)
        return;
    OPENSSL_free(r->body);
    OPENSSL_free(r->headers);
    memset(r, 0, sizeof(*r));
}

/* --- one attempt --------------------------------------------------------------------- */

typedef struct attempt {
    CURLcode code;
    long status;
    char errbuf[CURL_ERROR_SIZE];
} attempt;

static confai_status get_once(attempt *a, sink *s, const char *url, const http_get_options *o,
                              confai_error *err)
{
    confai_status status = CONFAI_OK;
    CURL *e = curl_easy_init();
    memset(a, 0, sizeof(*a));
    ENSURE(e != NULL, CONFAI_E_INTERNAL, "libcurl: cannot create a transfer for %s", url);
    /* A stall: under 1 byte/s for the whole timeout (at least one second). */
    long stall_s = o->timeout_ms / 1000 > 0 ? o->timeout_ms / 1000 : 1;
    int ok = curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, stall_s) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_USERAGENT, "libconfai/" CONFAI_VERSION_STRING) ==
                 CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_WRITEDATA, s) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_HEADERDATA, s) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_ERRORBUFFER, a->errbuf) == CURLE_OK;
    ENSURE(ok, CONFAI_E_INTERNAL, "libcurl rejected an option for %s", url);
    a->code = curl_easy_perform(e);
    ENSURE(!s->over_limit, CONFAI_E_LIMIT,
           "answer larger than %zu bytes: raise http.max_body if the service is right (GET %s)",
           s->max, url);
    ENSURE(!s->headers_over, CONFAI_E_LIMIT, "response headers larger than %d bytes (GET %s)",
           HTTP_GET_MAX_HEADERS, url);
    ENSURE(!s->no_memory && a->code != CURLE_OUT_OF_MEMORY, CONFAI_E_NO_MEMORY,
           "%s: out of memory", url);
    if (a->code == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a->status);
out:
    curl_easy_cleanup(e);
    return status;
}

/* --- retries --------------------------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (ms > 0 && nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* Retry-After as delta-seconds; -1 when absent or an HTTP date. */
static long retry_after_ms(const sink *s)
{
    http_response r = { .headers = s->headers, .headers_len = s->headers_len };
    size_t len = 0;
    const char *v = http_response_header(&r, "Retry-After", &len);
    if (v == NULL || len == 0 || len > 9)
        return -1;
    long secs = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)v[i]))
            return -1;
        secs = secs * 10 + (v[i] - '0');
    }
    return secs * 1000;
}

static int scheme_ok(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

confai_status http_get(http_response *out, const char *url, const http_get_options *opt,
                       confai_error *err)
{
    confai_status status = CONFAI_OK;
    sink s;
    attempt a;
    memset(&s, 0, sizeof(s));
    memset(&a, 0, sizeof(a));
    ENSURE_ARG(out != NULL, "out");
    memset(out, 0, sizeof(*out));
    ENSURE_ARG(url != NULL, "url");
    ENSURE(scheme_ok(url), CONFAI_E_ARGUMENT,
           "%s: only http:// and https:// URLs are fetched: check the base URL", url);

    http_get_options o = { 0 };
    if (opt != NULL)
        o = *opt;
    if (o.timeout_ms <= 0)
        o.timeout_ms = HTTP_GET_DEFAULT_TIMEOUT_MS;
    if (o.max_attempts == 0)
        o.max_attempts = HTTP_GET_DEFAULT_ATTEMPTS;
    if (o.max_attempts > HTTP_GET_MAX_ATTEMPTS)
        o.max_attempts = HTTP_GET_MAX_ATTEMPTS;
    if (o.backoff_ms <= 0)
        o.backoff_ms = HTTP_GET_DEFAULT_BACKOFF_MS;
    if (o.max_body == 0)
        o.max_body = HTTP_GET_DEFAULT_MAX_BODY;
    s.max = o.max_body;

    GUARD(http_curl_init(err));

    long wait = o.backoff_ms;
    for (unsigned i = 1;; i++) {
        sink_reset(&s);
        GUARD(get_once(&a, &s, url, &o, err));
        int retry;
        long this_wait = wait;
        if (a.code != CURLE_OK) {
            retry = 1;
        } else if (a.status == 429) {
            long ra = retry_after_ms(&s);
            if (ra >= 0)
                this_wait = ra < HTTP_GET_MAX_WAIT_MS ? ra : HTTP_GET_MAX_WAIT_MS;
            retry = 1;
        } else if (a.status >= 500 && a.status <= 599) {
            retry = 1;
        } else {
            break;
        }
        if (!retry || i >= o.max_attempts)
            break;
        sleep_ms(this_wait);
        wait = wait > HTTP_GET_MAX_WAIT_MS / 2 ? HTTP_GET_MAX_WAIT_MS : wait * 2;
    }

    /* The fix first, the URL last: a VCEK URL alone is over 200 characters. */
    if (a.code == CURLE_OPERATION_TIMEDOUT)
        BAIL(CONFAI_E_TIMEOUT,
             "no answer within %ld ms on %u attempts: the server accepts but does not answer; "
             "check it or raise http.timeout_ms (GET %s)",
             o.timeout_ms, o.max_attempts, url);
    if (a.code != CURLE_OK)
        BAIL(CONFAI_E_ENDORSEMENT_UNAVAILABLE,
             "unreachable after %u attempts (%s): check the network, proxy and DNS of this "
             "host (GET %s)",
             o.max_attempts, a.errbuf[0] != '\0' ? a.errbuf : curl_easy_strerror(a.code), url);
    if (a.status == 429 || (a.status >= 500 && a.status <= 599))
        BAIL(CONFAI_E_ENDORSEMENT_UNAVAILABLE,
             "HTTP %ld on all %u attempts: the service is %s; retry later, or put a cache "
             "directory or a caching proxy (PCCS) in front (GET %s)",
             a.status, o.max_attempts, a.status == 429 ? "rate limiting" : "failing", url);
    ENSURE((a.status >= 200 && a.status <= 299) || a.status == 404, CONFAI_E_HTTP_STATUS,
           "HTTP %ld (no redirects are followed): check the base URL (GET %s)", a.status, url);

    out->status = a.status;
    if (s.body == NULL) {
        s.body = OPENSSL_zalloc(1);
        ENSURE(s.body != NULL, CONFAI_E_NO_MEMORY, "%s: out of memory", url);
    }
    s.body[s.len] = '\0';
    out->body = s.body;
    out->body_len = s.len;
    out->headers = s.headers;
    out->headers_len = s.headers_len;
    s.body = NULL;
    s.headers = NULL;
out:
    sink_reset(&s);
    return status;
}
