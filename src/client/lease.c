/*
 * The attestation lease: fetch evidence for a fresh nonce, verify it against
 * the policy, and keep the verdict until it expires or the service rejects
 * its key.
 */
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "client/client_internal.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/memory.h"

/* One attestation round trip, without retries. */
static confai_status attest_once(confai_client *c, confai_verdict **verdict, int *refused,
                                 confai_error *err)
{
    confai_status status = CONFAI_OK;
    uint8_t nonce[CONFAI_ATTESTATION_NONCE_SIZE];
    char *nonce_b64 = NULL, *body = NULL;
    cJSON *request = NULL;
    http_reply reply = {0};

    OSSL_ENSURE(RAND_bytes(nonce, sizeof(nonce)) == 1, CONFAI_E_INTERNAL,
                "drawing the attestation nonce");
    GUARD(base64_encode(&nonce_b64, nonce, sizeof(nonce), err));
    request = cJSON_CreateObject();
    ENSURE(request != NULL && cJSON_AddStringToObject(request, "nonce", nonce_b64) != NULL,
           CONFAI_E_NO_MEMORY, "attestation request: out of memory");
    body = cJSON_PrintUnformatted(request);
    ENSURE(body != NULL, CONFAI_E_NO_MEMORY, "attestation request: out of memory");

    size_t max = c->options.max_response_size;
    if (max > CONFAI_ATTESTATION_MAX_BUNDLE_SIZE)
        max = CONFAI_ATTESTATION_MAX_BUNDLE_SIZE;
    GUARD(transport_post(c, c->attest_url, "application/json", MEDIA_EVIDENCE,
                         (const uint8_t *)body, strlen(body), c->options.attest_timeout_ms, max,
                         &reply, err));
    if (reply.status != 200 || strcmp(reply.content_type, MEDIA_EVIDENCE) != 0) {
        /* A 4xx is the service refusing us, not a passing failure. */
        *refused = reply.status >= 400 && reply.status < 500 && reply.status != 408 &&
                   reply.status != 429;
        status = transport_unexpected(reply.status, reply.content_type, reply.body,
                                      reply.body_len, MEDIA_EVIDENCE, err);
        /* Evidence is public: an answer in another type is just wrong. */
        if (status == CONFAI_E_NOT_SEALED)
            status = confai_err_set(err, CONFAI_E_MALFORMED,
                                    "attestation answer of type \"%s\", expected %s",
                                    reply.content_type, MEDIA_EVIDENCE);
        goto out;
    }
    GUARD(confai_attestation_verify(verdict, c->policy, c->options.verify, nonce,
                                    (const char *)reply.body, reply.body_len, err));
out:
    http_reply_clear(&reply);
    cJSON_Delete(request);
    cJSON_free(body);
    OPENSSL_free(nonce_b64);
    return status;
}

/* Transport failures are worth another try; verification failures never. */
static int retryable(confai_status status)
{
    return confai_status_group_of(status) == CONFAI_GROUP_TRANSPORT &&
           status != CONFAI_E_CANCELLED && status != CONFAI_E_TLS &&
           status != CONFAI_E_NOT_SEALED;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Attests with retries. Called with the lease lock held. */
static confai_status attest_locked(confai_client *c, confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_verdict *fresh = NULL;
    uint64_t delay = c->options.retry_backoff_ms;

    /* A service that fails attestation is not trusted on an older verdict. */
    confai_verdict_free(c->lease);
    c->lease = NULL;
    for (uint32_t attempt = 0;; attempt++) {
        int refused = 0;
        status = attest_once(c, &fresh, &refused, err);
        if (status == CONFAI_OK || refused || !retryable(status) ||
            attempt >= c->options.attest_retries)
            break;
        sleep_ms(delay);
        delay *= 2;
    }
    if (status == CONFAI_OK)
        c->lease = fresh;
    return status;
}

static int lease_valid(const confai_verdict *v)
{
    return v != NULL && (int64_t)time(NULL) < confai_verdict_expiry(v);
}

confai_status client_lease(confai_client *c, const confai_verdict *stale,
                           confai_verdict **verdict, confai_error *err)
{
    confai_status status = CONFAI_OK;
    *verdict = NULL;
    ENSURE(pthread_mutex_lock(&c->lease_lock) == 0, CONFAI_E_INTERNAL, "client: lock failed");
    /*
     * Another thread may have renewed the lease while this one waited: only
     * a missing, expired or rejected lease is renewed.
     */
    if (!lease_valid(c->lease) || (stale != NULL && c->lease == stale))
        status = attest_locked(c, err);
    if (status == CONFAI_OK)
        *verdict = confai_verdict_ref(c->lease);
    pthread_mutex_unlock(&c->lease_lock);
out:
    return status;
}

confai_status confai_client_attest(confai_client *client, confai_verdict **verdict,
                                   confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    if (verdict != NULL)
        *verdict = NULL;
    ENSURE_ARG(client != NULL, "client");
    ENSURE(pthread_mutex_lock(&client->lease_lock) == 0, CONFAI_E_INTERNAL,
           "client: lock failed");
    status = attest_locked(client, err);
    if (status == CONFAI_OK && verdict != NULL)
        *verdict = confai_verdict_ref(client->lease);
    pthread_mutex_unlock(&client->lease_lock);
out:
    return status;
}

confai_status confai_client_verdict(confai_client *client, confai_verdict **verdict,
                                    confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(verdict != NULL, "verdict");
    *verdict = NULL;
    ENSURE_ARG(client != NULL, "client");
    GUARD(client_lease(client, NULL, verdict, err));
out:
    return status;
}
