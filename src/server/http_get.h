/*
 * One HTTP GET with bounded retries (libcurl), for the endorsement fetchers
 * (kds.c, pcs.c). Only http and https; no redirects; a body limit; a
 * low-speed limit so a server that accepts and then sends nothing times out.
 *
 * Retries, with a backoff that doubles from backoff_ms (each wait capped at
 * HTTP_GET_MAX_WAIT_MS): transport errors and timeouts, 5xx, and 429 (then
 * the Retry-After seconds, when given and not above the cap, replace the
 * backoff). Never on other 4xx.
 *
 * No global state but libcurl's one-time global init (pthread_once; never
 * cleaned up). Thread-safe: each call uses its own transfer.
 */
#ifndef CONFAI_SERVER_HTTP_GET_H
#define CONFAI_SERVER_HTTP_GET_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define HTTP_GET_DEFAULT_TIMEOUT_MS 10000L
#define HTTP_GET_DEFAULT_ATTEMPTS 4u
#define HTTP_GET_DEFAULT_BACKOFF_MS 250L
#define HTTP_GET_DEFAULT_MAX_BODY ((size_t)1 << 20)
#define HTTP_GET_MAX_WAIT_MS 30000L      /* the longest wait between two attempts */
#define HTTP_GET_MAX_HEADERS (64 * 1024) /* response header bytes kept */
#define HTTP_GET_MAX_ATTEMPTS 16u

/*
 * libcurl's global init, lazily and once per process for the whole library
 * (http_get and the client layer alike); never cleaned up, as the library
 * may live in a process that uses libcurl itself. Thread-safe.
 * Errors: CONFAI_E_INTERNAL when libcurl does not initialize.
 */
confai_status http_curl_init(confai_error *err);

/* Zero fields take the defaults above. */
typedef struct http_get_options {
    long timeout_ms;        /* per attempt, connect included; also the stall limit */
    unsigned max_attempts;  /* at most HTTP_GET_MAX_ATTEMPTS */
    long backoff_ms;        /* the first wait; doubles after each retry */
    size_t max_body;        /* a longer body fails with CONFAI_E_LIMIT */
} http_get_options;

/*
 * A response. body is NUL-terminated (body[body_len] == 0, not counted);
 * headers are the final response's header lines as received ("Name: value"
 * CRLF each, the status line first), NUL-terminated. Owned: release with
 * http_response_clear.
 */
typedef struct http_response {
    long status;
    uint8_t *body;
    size_t body_len;
    char *headers;
    size_t headers_len;
} http_response;

/*
 * GETs url into *out. CONFAI_OK for a 2xx answer and for 404 (status 404,
 * so callers can say what was not found). Errors (out then holds nothing):
 *   CONFAI_E_ARGUMENT                 NULL, or a URL that is not http(s)://
 *   CONFAI_E_ENDORSEMENT_UNAVAILABLE  transport errors, 429 or 5xx after the
 *                                     last attempt
 *   CONFAI_E_TIMEOUT                  the last attempt timed out (stalled)
 *   CONFAI_E_HTTP_STATUS              another status (3xx, 4xx but 404 and 429)
 *   CONFAI_E_LIMIT                    the body is over max_body
 *   CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL
 * o may be NULL (all defaults).
 */
confai_status http_get(http_response *out, const char *url, const http_get_options *o,
                       confai_error *err);

/*
 * The value of the last header called name (case-insensitive), leading and
 * trailing blanks removed; *len its length. Points into r->headers (not
 * NUL-terminated at *len). NULL when absent.
 */
const char *http_response_header(const http_response *r, const char *name, size_t *len);

/* Releases what a response holds and zeroes it; NULL is a no-op. */
void http_response_clear(http_response *r);

#endif /* CONFAI_SERVER_HTTP_GET_H */
