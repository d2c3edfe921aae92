/*
 * Renews the attestation lease in the background: shortly before the
 * current verdict expires, attest again (a fresh nonce, full verification),
 * so requests seldom wait for an attestation. A renewal that fails drops
 * the lease (confai_client_attest does): requests then attest for
 * themselves and fail closed while the service cannot be verified.
 */
#include <errno.h>
#include <time.h>

#include "proxy.h"

/* Seconds before expiry to renew: a fifth of the remaining time, 5 to 60. */
static int64_t margin(int64_t remaining)
{
    int64_t m = remaining / 5;
    return m < 5 ? 5 : m > 60 ? 60 : m;
}

/* Waits until the given time or a stop; 1 when stopping. */
static int wait_until(proxy_lease *l, int64_t when)
{
    struct timespec ts = { .tv_sec = (time_t)when, .tv_nsec = 0 };
    int stop;
    pthread_mutex_lock(&l->lock);
    while (!l->stop) {
        if (pthread_cond_timedwait(&l->wake, &l->lock, &ts) == ETIMEDOUT)
            break;
    }
    stop = l->stop;
    pthread_mutex_unlock(&l->lock);
    return stop;
}

static void *run(void *arg)
{
    proxy_lease *l = arg;
    for (;;) {
        confai_verdict *v = NULL;
        confai_error err = { 0 };
        int64_t now = (int64_t)time(NULL);
        int64_t next;

        if (confai_client_verdict(l->client, &v, &err) != CONFAI_OK) {
            proxy_log("lease: no valid attestation: %s: %s (retrying in 10 s)",
                      confai_status_name(err.status), err.message);
            next = now + 10;
        } else {
            int64_t expiry = confai_verdict_expiry(v);
            next = expiry - margin(expiry - now);
            confai_verdict_free(v);
        }
        if (wait_until(l, next))
            return NULL;
        v = NULL;
        if (confai_client_attest(l->client, &v, &err) == CONFAI_OK) {
            proxy_log_verdict("lease renewed", v);
            confai_verdict_free(v);
        } else {
            proxy_log("lease: renewal failed: %s: %s", confai_status_name(err.status),
                      err.message);
            if (wait_until(l, (int64_t)time(NULL) + 10))
                return NULL;
        }
    }
}

int proxy_lease_start(proxy_lease *l, confai_client *client)
{
    l->client = client;
    l->stop = 0;
    l->started = 0;
    if (pthread_mutex_init(&l->lock, NULL) != 0)
        return -1;
    if (pthread_cond_init(&l->wake, NULL) != 0) {
        pthread_mutex_destroy(&l->lock);
        return -1;
    }
    if (pthread_create(&l->thread, NULL, run, l) != 0) {
        pthread_cond_destroy(&l->wake);
        pthread_mutex_destroy(&l->lock);
        return -1;
    }
    l->started = 1;
    return 0;
}

void proxy_lease_stop(proxy_lease *l)
{
    if (!l->started)
        return;
    pthread_mutex_lock(&l->lock);
    l->stop = 1;
    pthread_cond_broadcast(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    l->started = 0;
}
