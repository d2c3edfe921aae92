/* The attacker in the middle of the end-to-end tests. */
#define _DEFAULT_SOURCE
#include "mitm.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#include "seal/varint.h"

/* Response nonce of AES-256-GCM, the suite the client picks: max(Nn, Nk). */
#define RESPONSE_NONCE_SIZE 32
#define MAX_BODY (8u << 20)

struct mitm {
    struct MHD_Daemon *daemon;
    char upstream[128];
    char url[64];
    atomic_int mode;
    atomic_int attestations;
    atomic_int tampered;
    char *first_bundle; /* guarded by being written once before any replay */
    size_t first_bundle_len;
};

typedef struct buffer {
    uint8_t *data;
    size_t len;
} buffer;

static int buffer_add(buffer *b, const void *data, size_t len)
{
    if (b->len + len > MAX_BODY)
        return 0;
    uint8_t *p = realloc(b->data, b->len + len + 1);
    if (p == NULL)
        return 0;
    memcpy(p + b->len, data, len);
    b->data = p;
    b->len += len;
    return 1;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *user)
{
    return buffer_add(user, ptr, size * n) ? size * n : 0;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *user)
{
    char *ct = user;
    size_t len = size * n;
    if (len > 13 && strncasecmp(ptr, "content-type:", 13) == 0) {
        const char *v = ptr + 13;
        while (*v == ' ')
            v++;
        size_t vl = strcspn(v, "\r\n");
        if (vl < 127) {
            memcpy(ct, v, vl);
            ct[vl] = '\0';
        }
    }
    return len;
}

/* Replaces the bundle's key configuration by another public key. */
static void swap_key_config(buffer *body)
{
    cJSON *b = cJSON_ParseWithLength((const char *)body->data, body->len);
    cJSON *kc = cJSON_GetObjectItemCaseSensitive(b, "key_config");
    if (cJSON_IsString(kc)) {
        unsigned char raw[1024], enc[1400];
        int n = EVP_DecodeBlock(raw, (const unsigned char *)kc->valuestring,
                                (int)strlen(kc->valuestring));
        if (n > 8 && n < (int)sizeof(raw)) {
            raw[5] ^= 0x5a; /* a byte of the X25519 public key: another key */
            size_t pad = 0;
            for (const char *t = kc->valuestring + strlen(kc->valuestring) - 1; *t == '='; t--)
                pad++;
            EVP_EncodeBlock(enc, raw, n - (int)pad);
            cJSON_SetValuestring(kc, (const char *)enc);
            char *text = cJSON_PrintUnformatted(b);
            free(body->data);
            body->data = (uint8_t *)text;
            body->len = strlen(text);
        }
    }
    cJSON_Delete(b);
}

/* Splits a chunked answer: [start, end) of each non-final chunk, and the final's start. */
static size_t split_chunks(const buffer *body, size_t starts[64], size_t ends[64],
                           size_t *final_start)
{
    size_t pos = RESPONSE_NONCE_SIZE, count = 0;
    *final_start = body->len;
    while (pos < body->len && count < 64) {
        uint64_t len = 0;
        size_t used = 0;
        if (confai_varint_decode(&len, &used, body->data + pos, body->len - pos) !=
            CONFAI_OK)
            break;
        if (len == 0) {
            *final_start = pos;
            break;
        }
        if (len > body->len - pos - used)
            break;
        starts[count] = pos;
        ends[count] = pos + used + (size_t)len;
        count++;
        pos += used + (size_t)len;
    }
    return count;
}

/* Rebuilds the answer from the nonce, chunks in `order`, and the final chunk. */
static void rebuild(buffer *body, const size_t *starts, const size_t *ends, const int *order,
                    size_t n, size_t final_start, int keep_final)
{
    buffer out = {0};
    buffer_add(&out, body->data, RESPONSE_NONCE_SIZE);
    for (size_t i = 0; i < n; i++)
        buffer_add(&out, body->data + starts[order[i]], ends[order[i]] - starts[order[i]]);
    if (keep_final)
        buffer_add(&out, body->data + final_start, body->len - final_start);
    free(body->data);
    *body = out;
}

static int tamper_stream(mitm_mode mode, buffer *body)
{
    size_t starts[64], ends[64], final_start;
    size_t n = split_chunks(body, starts, ends, &final_start);
    int order[66];
    size_t k = 0;
    if (n < 3)
        return 0; /* too short to alter this way */
    switch (mode) {
    case MITM_TRUNCATE:
    case MITM_TRUNCATE_LATE:
        for (size_t i = 0; i < n; i++)
            order[k++] = (int)i;
        rebuild(body, starts, ends, order, k, final_start, 0);
        return 1;
    case MITM_DROP_CHUNK:
        for (size_t i = 0; i < n; i++)
            if (i != 1)
                order[k++] = (int)i;
        break;
    case MITM_DUPLICATE_CHUNK:
        for (size_t i = 0; i < n; i++) {
            order[k++] = (int)i;
            if (i == 1)
                order[k++] = (int)i;
        }
        break;
    case MITM_REORDER_CHUNKS:
        for (size_t i = 0; i < n; i++)
            order[k++] = (int)(i == 1 ? 2 : i == 2 ? 1 : i);
        break;
    default:
        return 0;
    }
    rebuild(body, starts, ends, order, k, final_start, 1);
    return 1;
}

/* A body sent at once, then a pause before the connection ends. */
typedef struct late_body {
    buffer body;
    int paused;
} late_body;

static ssize_t late_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    late_body *l = cls;
    if (pos < l->body.len) {
        size_t n = l->body.len - (size_t)pos < max ? l->body.len - (size_t)pos : max;
        memcpy(buf, l->body.data + pos, n);
        return (ssize_t)n;
    }
    if (!l->paused) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        l->paused = 1;
    }
    return MHD_CONTENT_READER_END_OF_STREAM;
}

static void late_free(void *cls)
{
    late_body *l = cls;
    free(l->body.data);
    free(l);
}

static void respond_late(struct MHD_Connection *conn, const char *ct, buffer *body)
{
    late_body *l = calloc(1, sizeof(*l));
    l->body = *body;
    body->data = NULL;
    body->len = 0;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, late_read, l, late_free);
    MHD_add_response_header(r, "Content-Type", ct);
    MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
}

static void respond(struct MHD_Connection *conn, unsigned code, const char *ct, buffer *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_COPY);
    if (ct[0] != '\0')
        MHD_add_response_header(r, "Content-Type", ct);
    MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
}

typedef struct upload {
    buffer body;
    char content_type[128];
} upload;

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_size, void **con_cls)
{
    mitm *m = cls;
    upload *up = *con_cls;
    (void)version;
    if (up == NULL) {
        up = calloc(1, sizeof(*up));
        if (up == NULL)
            return MHD_NO;
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        snprintf(up->content_type, sizeof(up->content_type), "%s", ct != NULL ? ct : "");
        *con_cls = up;
        return MHD_YES;
    }
    if (*data_size > 0) {
        if (!buffer_add(&up->body, data, *data_size))
            return MHD_NO;
        *data_size = 0;
        return MHD_YES;
    }

    /* The whole request is here: forward it. */
    char target[512], header[160], ct[128] = "";
    buffer answer = {0};
    long code = 502;
    snprintf(target, sizeof(target), "%s%s", m->upstream, url);
    snprintf(header, sizeof(header), "Content-Type: %s", up->content_type);
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, header);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, target);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, up->body.data != NULL ? (char *)up->body.data : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)up->body.len);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, ct);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(e) == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);

    mitm_mode mode = (mitm_mode)atomic_load(&m->mode);
    if (strcmp(url, "/v1/attestation") == 0) {
        atomic_fetch_add(&m->attestations, 1);
        if (m->first_bundle == NULL && code == 200 && answer.len > 0) {
            m->first_bundle = malloc(answer.len);
            if (m->first_bundle != NULL) {
                memcpy(m->first_bundle, answer.data, answer.len);
                m->first_bundle_len = answer.len;
            }
        }
        if (mode == MITM_SWAP_KEY_CONFIG) {
            swap_key_config(&answer);
            atomic_fetch_add(&m->tampered, 1);
        } else if (mode == MITM_REPLAY_BUNDLE && m->first_bundle != NULL) {
            free(answer.data);
            answer.data = malloc(m->first_bundle_len);
            memcpy(answer.data, m->first_bundle, m->first_bundle_len);
            answer.len = m->first_bundle_len;
            atomic_fetch_add(&m->tampered, 1);
        }
    } else if (strcmp(url, "/v1/sealed") == 0 && code == 200) {
        if (mode == MITM_PLAINTEXT) {
            static const char fake[] =
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"forged\"}}]}\n\n"
                "data: [DONE]\n\n";
            free(answer.data);
            answer.data = (uint8_t *)strdup(fake);
            answer.len = strlen(fake);
            snprintf(ct, sizeof(ct), "text/event-stream");
            atomic_fetch_add(&m->tampered, 1);
        } else if (mode == MITM_FLIP_BYTE && answer.len > RESPONSE_NONCE_SIZE + 4) {
            answer.data[RESPONSE_NONCE_SIZE + (answer.len - RESPONSE_NONCE_SIZE) / 2] ^= 0x01;
            atomic_fetch_add(&m->tampered, 1);
        } else if ((mode >= MITM_TRUNCATE && mode <= MITM_REORDER_CHUNKS) ||
                   mode == MITM_TRUNCATE_LATE) {
            if (tamper_stream(mode, &answer))
                atomic_fetch_add(&m->tampered, 1);
            if (mode == MITM_TRUNCATE_LATE) {
                respond_late(conn, ct, &answer);
                return MHD_YES;
            }
        }
    }
    respond(conn, (unsigned)code, ct, &answer);
    free(answer.data);
    return MHD_YES;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    upload *up = *con_cls;
    (void)cls, (void)conn, (void)toe;
    if (up != NULL) {
        free(up->body.data);
        free(up);
        *con_cls = NULL;
    }
}

mitm *mitm_start(const char *upstream)
{
    mitm *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    snprintf(m->upstream, sizeof(m->upstream), "%s", upstream);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                 0, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR, &addr,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_done, m, MHD_OPTION_END);
    if (m->daemon == NULL) {
        free(m);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(m->url, sizeof(m->url), "http://127.0.0.1:%u", (unsigned)info->port);
    return m;
}

void mitm_stop(mitm *m)
{
    if (m == NULL)
        return;
    MHD_stop_daemon(m->daemon);
    free(m->first_bundle);
    free(m);
}

const char *mitm_url(const mitm *m) { return m->url; }
void mitm_set_mode(mitm *m, mitm_mode mode) { atomic_store(&m->mode, (int)mode); }
int mitm_attestations(const mitm *m) { return atomic_load(&m->attestations); }
int mitm_tampered(const mitm *m) { return atomic_load(&m->tampered); }
