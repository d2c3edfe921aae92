/*
 * libconfai: The client layer: attestation lease and sealed requests over HTTP (libcurl).
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 * The conventions every function follows are in confai/common.h.
 */
#ifndef CONFAI_CLIENT_H
#define CONFAI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <confai/common.h>
#include <confai/bhttp.h>
#include <confai/ohttp.h>
#include <confai/attest.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Client: attestation lease and sealed requests over HTTP (libcurl)        */
/* ------------------------------------------------------------------------ */

/*
 * A client talks to one confidential service at a base URL
 * ("https://llm.example.com", "http://127.0.0.1:8080"). It attests the
 * service (POST {base}/v1/attestation with a fresh 32-byte nonce; the answer
 * is verified with confai_attestation_verify against the policy), keeps the
 * verdict as a lease until its expiry (min(not_after, policy max_age, chain
 * validity)), and seals every request to the key the lease binds
 * (POST {base}/v1/sealed, doc/protocol.md). Nothing leaves the process in
 * plaintext except the attestation nonce. A lease is renewed when it has
 * expired and when the service rejects the key (OHTTP key-configuration
 * problem, RFC 9458 section 5.2: key rotation), at most once per request.
 *
 * TLS is used when the URL says https; it adds transport privacy, but the
 * guarantees come from attestation and sealing, so plain http (loopback, or
 * a TLS-terminating proxy) is accepted.
 *
 * Threads: a confai_client may be shared between threads; requests from
 * several threads run in parallel (the lease is guarded internally). A
 * confai_stream belongs to one thread, except confai_stream_cancel, which
 * any thread may call. The client must outlive its streams, and the policy
 * must outlive the client.
 */
typedef struct confai_client confai_client;

#define CONFAI_CLIENT_OPTIONS_VERSION 1

/* Default chunk size of a sealed streamed request (the draft's minimum). */
#define CONFAI_CLIENT_DEFAULT_CHUNK_SIZE 16384
/* Default limit of a whole (non-streamed) response or evidence bundle. */
#define CONFAI_CLIENT_DEFAULT_MAX_RESPONSE_SIZE 67108864

/*
 * Options of a client. Fill with confai_client_options_init, then change
 * single fields. Strings are copied by confai_client_new. Times are in
 * milliseconds; 0 takes the default shown.
 */
typedef struct confai_client_options {
    uint32_t version;              /* CONFAI_CLIENT_OPTIONS_VERSION */
    uint32_t flags;                /* reserved, must be 0 */
    int64_t connect_timeout_ms;    /* per connection attempt; 10000 */
    int64_t request_timeout_ms;    /* whole sealed request; 0 = no limit */
    int64_t attest_timeout_ms;     /* one attestation fetch; 30000 */
    uint32_t attest_retries;       /* retries of a failed fetch; see init */
    uint32_t retry_backoff_ms;     /* first retry delay, doubled each time;
                                      250 */
    const char *ca_file;           /* PEM CA bundle for https; NULL = system */
    const char *pinned_public_key; /* libcurl CURLOPT_PINNEDPUBLICKEY form:
                                      "sha256//<base64>;sha256//..." or a
                                      PEM/DER file; NULL = no pin */
    const char *user_agent;        /* NULL = "libconfai/<version>" */
    size_t max_response_size;      /* CONFAI_CLIENT_DEFAULT_MAX_RESPONSE_SIZE */
    size_t chunk_size;             /* CONFAI_CLIENT_DEFAULT_CHUNK_SIZE */
    /* Verification options for each attestation (time, cache, flags);
       NULL = defaults. Copied; a cache in it must outlive the client and is
       used under the client's lock. Without one, the client keeps its own
       cache (confai_verify_cache: SEV-SNP chains, TDX PCK chains with their
       collateral, GPU chains), so re-attesting a known machine skips the
       endorsement checks. */
    const confai_verify_options *verify;
    uint64_t reserved[8];          /* must be zero */
} confai_client_options;

/* The macros above as functions, for bindings that cannot read macros. */
CONFAI_API uint32_t confai_client_options_version(void);
CONFAI_API size_t confai_client_default_chunk_size(void);
CONFAI_API size_t confai_client_default_max_response_size(void);

/*
 * Sets the defaults (attest_retries 2: three attempts in all). version is
 * the CONFAI_CLIENT_OPTIONS_VERSION the caller was compiled with.
 * Errors: CONFAI_E_ARGUMENT (NULL, unknown version).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_options_init(confai_client_options *options, uint32_t version,
                           confai_error *err);

/*
 * Creates a client for base_url (http or https, no query or fragment; a
 * trailing '/' is ignored). Nothing is sent until the first call that needs
 * the service. options may be NULL (defaults). On failure *client is NULL.
 * Errors: CONFAI_E_ARGUMENT (bad URL or options), CONFAI_E_NO_MEMORY,
 * CONFAI_E_INTERNAL (libcurl could not start).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_new(confai_client **client, const char *base_url,
                  const confai_policy *policy,
                  const confai_client_options *options, confai_error *err);

/* Releases a client and its lease. NULL is a no-op. */
CONFAI_API void confai_client_free(confai_client *client);

/*
 * Attests the service now, whatever the lease, and makes the new verdict
 * the lease. Retries transport failures (7xx other than CANCELLED) up to
 * attest_retries times with backoff; never retries a verification failure.
 * verdict may be NULL; otherwise *verdict gets a new reference (release
 * with confai_verdict_free). On failure the old lease is dropped too: a
 * service that fails attestation is not trusted on an older verdict.
 * Errors: transport 7xx (the message carries libcurl's detail, or the HTTP
 * status and the start of the body), CONFAI_E_LIMIT (bundle too large), and
 * every status of confai_attestation_verify.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_attest(confai_client *client, confai_verdict **verdict,
                     confai_error *err);

/*
 * The current lease's verdict, attesting first when there is none or it
 * has expired. *verdict gets a new reference. Errors: as for
 * confai_client_attest.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_verdict(confai_client *client, confai_verdict **verdict,
                      confai_error *err);

/*
 * Sends one request sealed as a whole (message/ohttp-req) and returns the
 * opened whole response: *response is a Binary HTTP response message
 * (release with confai_http_message_free). The request's scheme and
 * authority are free (the service's own server is addressed by path).
 * On failure *response is NULL and the application gets no part of the
 * answer. Errors: those of confai_client_verdict; 7xx transport;
 * CONFAI_E_NOT_SEALED (a 2xx answer that is not message/ohttp-res);
 * CONFAI_E_HTTP_STATUS; CONFAI_E_KEY_ID_UNKNOWN (the key was rejected again
 * after a fresh attestation); CONFAI_E_DECRYPT, CONFAI_E_TRUNCATED (the
 * answer was altered); the parse statuses of the inner message;
 * CONFAI_E_LIMIT.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_fetch(confai_client *client, confai_http_message **response,
                    const confai_http_message *request, confai_error *err);

/*
 * A streamed exchange: the request goes out as a chunked OHTTP request
 * (message/ohttp-chunked-req), the response is opened chunk by chunk as it
 * arrives (message/ohttp-chunked-res) and read as the inner response's
 * content. Only authenticated bytes are ever returned; a stream that is
 * truncated, reordered, replayed or altered fails at the first bad chunk
 * and returns nothing after it.
 */
typedef struct confai_stream confai_stream;

/*
 * Sends request as a streamed exchange and returns once the inner
 * response's head (status and header fields) has been opened: *stream
 * (release with confai_stream_free) reads the rest. On failure *stream is
 * NULL. Errors: those of confai_client_fetch (CONFAI_E_NOT_SEALED for an
 * answer that is not message/ohttp-chunked-res), the stream statuses (4xx).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_stream_open(confai_client *client, confai_stream **stream,
                          const confai_http_message *request,
                          confai_error *err);

/*
 * The inner response's status and header fields (no content), valid until
 * the stream is freed. NULL for NULL.
 */
CONFAI_API const confai_http_message *
confai_stream_response(const confai_stream *stream);

/*
 * Reads the next content bytes into (buf, *len). A streaming read, so the
 * buffer convention differs from common.h's: on input *len is the capacity
 * (at least 1); on return it is the number of bytes written, which is
 * normally fewer than the capacity. The call blocks until at least one byte
 * authenticated, the response ended, or it failed: *len is then 1..capacity,
 * or 0 with CONFAI_OK at the authenticated end of the response (its final
 * chunk); on failure *len is 0. After a failure every later call returns the
 * same status. When the inner response is text/event-stream, a
 * "data: [DONE]" line (and what follows it) is handed out only after the
 * final chunk authenticated: clients stop reading at [DONE], and must not
 * miss a stream cut off after it. Errors: CONFAI_E_ARGUMENT (NULL, capacity
 * 0), the 4xx stream statuses, 3xx for a malformed inner message, 7xx
 * transport, CONFAI_E_CANCELLED.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_stream_read(confai_stream *stream, uint8_t *buf, size_t *len,
                   confai_error *err);

/*
 * Cancels the stream from any thread: a blocked or later confai_stream_read
 * returns CONFAI_E_CANCELLED. NULL is a no-op.
 */
CONFAI_API void confai_stream_cancel(confai_stream *stream);

/* Closes the connection and wipes what the stream holds. NULL: no-op. */
CONFAI_API void confai_stream_free(confai_stream *stream);

/*
 * Receives one piece of the assistant's answer (UTF-8, not NUL-terminated,
 * valid during the call). Return 0 to go on, anything else to cancel (the
 * call then returns CONFAI_E_CANCELLED).
 */
typedef int (*confai_chat_delta_fn)(void *user, const char *text,
                                    size_t text_len);

/*
 * An OpenAI-compatible chat completion, streamed: request_json is the
 * request body of POST /v1/chat/completions ({"model":..., "messages":[...],
 * ...}); "stream" is set to true. The server-sent events of the opened
 * stream are parsed and each choice-0 content delta goes to on_delta, as it
 * arrives. Returns once "data: [DONE]" arrived and the stream ended
 * authenticated. Errors: those of confai_client_stream_open and
 * confai_stream_read; CONFAI_E_ARGUMENT (request not a JSON object);
 * CONFAI_E_HTTP_STATUS (the inner response is not 200; the message carries
 * the start of its body); CONFAI_E_MALFORMED (an event that is not JSON of
 * the expected shape); CONFAI_E_TRUNCATED (the stream ended before
 * [DONE]); CONFAI_E_CANCELLED.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_client_chat(confai_client *client, const char *request_json,
                   size_t request_json_len, confai_chat_delta_fn on_delta,
                   void *user, confai_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_CLIENT_H */
