/*
 * confai-gateway: the reference server half of the confidential inference
 * protocol (doc/protocol.md, doc/confai-gateway.md) on libmicrohttpd and the
 * public libconfai API. What its files share:
 *
 *   main.c        command line, startup, signals
 *   http.c        the HTTP server: routing, bodies, logging, /v1/attestation,
 *                 the connection limit and read deadlines
 *   sealed.c      /v1/sealed: OHTTP open and seal, chunked streaming, --tamper
 *   demo_model.c  the built-in deterministic model
 *   upstream.c    forwarding to an OpenAI-compatible server (--upstream)
 *   keys.c        the OHTTP key configuration and its rotation
 *   platform.c    the simulated SEV-SNP platform, the manifest, the policy
 *   util.c        base64, files, time
 */
#ifndef CONFAI_GATEWAY_EXAMPLE_H
#define CONFAI_GATEWAY_EXAMPLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "request_parse.h"

#define GW_MAX_CHUNK 16384          /* plaintext per sealed response chunk */
#define GW_MAX_SEALED_BODY (8u << 20) /* a sealed request body */
#define GW_MAX_ATTEST_BODY 4096      /* an attestation request body */
#define GW_DEMO_MODEL "confai-demo"

/* --tamper: corrupt sealed responses on purpose (tests of the clients only). */
typedef enum gw_tamper {
    GW_TAMPER_NONE = 0,
    GW_TAMPER_FLIP_BYTE,      /* flip a ciphertext byte of the 2nd chunk */
    GW_TAMPER_TRUNCATE,       /* leave out the final chunk */
    GW_TAMPER_DROP_CHUNK,     /* leave out the 2nd chunk */
    GW_TAMPER_DUPLICATE_CHUNK /* send the 2nd chunk twice */
} gw_tamper;

/* --- keys.c ------------------------------------------------------------------ */

/* One OHTTP key configuration, shared by the requests that use it. */
typedef struct gw_key {
    confai_key_config *config;
    uint8_t encoded[256]; /* the KeyConfig as serialized */
    size_t encoded_len;
    uint8_t id;
    atomic_int refs;
} gw_key;

/* The current key; rotation swaps it while requests still hold the old one. */
typedef struct gw_keys {
    pthread_mutex_t lock;
    gw_key *current;
    char *state_file; /* NULL: the key lives in memory only */
} gw_keys;

/* Loads the key from state_dir (or makes and saves one); NULL dir: fresh. */
int gw_keys_init(gw_keys *keys, const char *state_dir, char *msg, size_t msg_size);
void gw_keys_destroy(gw_keys *keys);
/* A reference to the current key; release it with gw_key_release. */
gw_key *gw_keys_acquire(gw_keys *keys);
void gw_key_release(gw_key *key);
/* A new key with the next key id replaces the current one. */
int gw_keys_rotate(gw_keys *keys, uint8_t *new_id, char *msg, size_t msg_size);

/* --- platform.c -------------------------------------------------------------- */

/* What --platform and its options say (main.c fills it). */
typedef struct gw_platform_config {
    const char *name;        /* auto, sev-snp, tdx, sim-snp, sim-tdx */
    const char *state_dir;   /* simulated keys; the endorsement cache below it by default */
    const char *manifest_file;
    confai_platform_options options; /* the real platforms' options */
} gw_platform_config;

typedef struct gw_platform {
    int simulated;                  /* loud everywhere: no real TEE */
    confai_sim_snp *sim;            /* --platform sim-snp */
    confai_evidence_source *source; /* every platform */
    pthread_mutex_t lock;           /* a source serves one request at a time */
    uint8_t *manifest;
    size_t manifest_len;
} gw_platform;

int gw_platform_init(gw_platform *p, const gw_platform_config *pc, char *msg, size_t msg_size);
void gw_platform_destroy(gw_platform *p);
/* The policy that trusts a simulated platform; -1 with a message for real ones. */
int gw_platform_write_policy(const gw_platform *p, const char *path, int64_t max_age,
                             char *msg, size_t msg_size);
/*
 * A complete evidence bundle for the nonce and key (confai_free), or a
 * status with err filled: nothing partial is ever published.
 */
confai_status gw_platform_bundle(gw_platform *p, char **bundle, size_t *bundle_len,
                                 const uint8_t nonce[32], const uint8_t *key_config,
                                 size_t key_config_len, const char *not_after, confai_error *err);
/* "simulated SEV-SNP", "SEV-SNP", "TDX", with the GPU count. */
void gw_platform_describe(const gw_platform *p, char *out, size_t out_size);

/* --- the inner answer, produced by the model or the upstream ----------------- */

/*
 * Where a handler writes the inner HTTP response: begin once (status and
 * header fields as name/value pairs), write the content in pieces, end.
 * Each returns 0, or -1 when the answer cannot go on (client gone, shutdown,
 * sealing failed): the handler then stops at once. When streaming is set,
 * every write is sealed and sent before the call returns.
 */
typedef struct gw_sink gw_sink;
struct gw_sink {
    int streaming;
    int (*begin)(gw_sink *s, unsigned status, const char *const *fields, size_t field_count);
    int (*write)(gw_sink *s, const void *data, size_t len);
    int (*end)(gw_sink *s);
    atomic_int *cancelled; /* set when the answer is no longer wanted */
};

/* Begins a JSON answer, writes it whole and ends. */
int gw_sink_json(gw_sink *s, unsigned status, const char *json);
/* An OpenAI-style error answer: {"error": {"message", "type", "code"}}. */
int gw_sink_error(gw_sink *s, unsigned status, const char *type, const char *code,
                  const char *message);

/* --- demo_model.c and upstream.c --------------------------------------------- */

typedef struct gw_config gw_config;

/* Answers one inner request with the built-in model; 0 or -1 (see gw_sink). */
int demo_model_handle(const gw_config *cfg, const confai_http_message *request, gw_sink *out);

/* Forwards one inner request to cfg->upstream; 0 or -1 (see gw_sink). */
int upstream_handle(const gw_config *cfg, const confai_http_message *request, gw_sink *out);

/* --- sealed.c ---------------------------------------------------------------- */

struct MHD_Connection;
struct gw_request;

/* The response to a finished POST /v1/sealed; queued on the connection. */
int sealed_respond(const gw_config *cfg, struct MHD_Connection *conn, struct gw_request *req);
/* Feeds request body bytes of a chunked sealed request as they arrive. */
int sealed_feed(const gw_config *cfg, struct gw_request *req, const uint8_t *data, size_t len);
/* Releases what sealed.c attached to a request. */
void sealed_request_free(struct gw_request *req);
/* Answers an inner request as a whole (model or upstream); NULL on failure. */
confai_http_message *sealed_answer_whole(const gw_config *cfg,
                                         const confai_http_message *request);

/* --- plaintext.c ------------------------------------------------------------- */

/*
 * POST /plain/<path> with --plaintext-for-benchmarks: the inner request
 * answered in plaintext, as a baseline for measuring what sealing adds.
 */
int plaintext_respond(const gw_config *cfg, struct MHD_Connection *conn, struct gw_request *req);

/* --- http.c ------------------------------------------------------------------ */

/* Per-request state of the HTTP layer. */
typedef struct gw_request {
    char method[16];
    char url[128];
    char media_type[64]; /* the Content-Type, without parameters, lowercased */
    gw_route route;
    uint8_t *body; /* the collected body (not for chunked sealed requests) */
    size_t body_len, body_cap;
    int too_large;
    unsigned status;  /* for the log line */
    const char *note; /* a short reason for the log line, static */
    uint64_t started_us;
    void *sealed; /* sealed.c's state */
    int cors;     /* --cors is on and the route allows cross-origin calls */
    const char *cors_origin; /* the allowed origin when the request came from it */
} gw_request;

/* The listening server: libmicrohttpd behind the gateway's own admission. */
typedef struct gw_server gw_server;

/* Listens (cfg->listen_port gets the port) and serves; NULL with a message. */
gw_server *gw_http_start(gw_config *cfg, char *msg, size_t msg_size);
/* Stops accepting, ends the connections (streams end: set cfg->stopping first), frees. */
void gw_http_stop(gw_server *server);
/* A JSON or text answer with a status; 0 on success. */
int gw_http_reply(struct MHD_Connection *conn, gw_request *req, unsigned status,
                  const char *media_type, const void *body, size_t len);

/* --- cors.c ------------------------------------------------------------------ */

struct MHD_Response;

/* cfg->cors_origin when the request's Origin is exactly it, else NULL. */
const char *gw_cors_origin_for(const gw_config *cfg, struct MHD_Connection *conn);
/* Vary: Origin, and Access-Control-Allow-Origin when origin is not NULL. */
void gw_cors_headers(struct MHD_Response *response, const char *origin);
/* 1 when text is an origin as browsers send it (http(s)://host[:port]). */
int gw_cors_valid_origin(const char *text);
/* Answers an OPTIONS preflight: 204 for the allowed origin and POST, else 403. */
int gw_cors_preflight(struct MHD_Connection *conn, gw_request *req, const char *origin);

/* --- main.c: the configuration ----------------------------------------------- */

struct gw_config {
    const char *listen_host;
    unsigned listen_port;
    int ipv6;
    const char *state_dir;
    const char *policy_out;
    const char *upstream;
    const char *manifest_file;
    int64_t lease;
    unsigned token_delay_ms;
    int allow_rotate;
    int plaintext_bench; /* --plaintext-for-benchmarks: serve /plain/ unsealed */
    unsigned max_connections; /* --max-connections: more are answered 503 */
    unsigned read_timeout;    /* --read-timeout: seconds to deliver a whole request */
    gw_server *server;
    gw_tamper tamper;
    const char *cors_origin;  /* --cors: the one origin allowed, or NULL */
    gw_platform platform;
    gw_keys keys;
    atomic_int stopping; /* set on SIGINT/SIGTERM: streams end */
};

/* --- util.c ------------------------------------------------------------------ */

/* Reads a whole file (at most max bytes) and a NUL after it; malloc'd, NULL on error. */
uint8_t *gw_read_file(const char *path, size_t max, size_t *len);
/* Writes a file atomically with the given mode; 0 or -1 (errno set). */
int gw_write_file(const char *path, const void *data, size_t len, unsigned mode);
/* path = dir + "/" + name in fresh memory (free), or NULL. */
char *gw_path_join(const char *dir, const char *name);
/* Microseconds on a monotonic clock. */
uint64_t gw_now_us(void);
/* Sleeps ms milliseconds, waking early (returning -1) when *flag or *flag2 is set. */
int gw_sleep_ms(unsigned ms, atomic_int *flag, atomic_int *flag2);
/* Lowercase hex of bytes into out (2 * len + 1). */
void gw_hex(char *out, const uint8_t *data, size_t len);

#endif /* CONFAI_GATEWAY_EXAMPLE_H */
