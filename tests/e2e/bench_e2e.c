/*
 * End-to-end benchmark on loopback against the reference gateway:
 *  - the latency a sealed request adds over the same request in plaintext to
 *    the same gateway (its benchmark-only plaintext endpoint), both on a
 *    kept-alive connection; goal: < 0.5 ms;
 *  - sealed requests per second with two client threads sharing one client,
 *    against one thread; goal: >= 1.9x (on a machine with cores to spare:
 *    the gateway runs on the same cores here).
 * Times are reported, never asserted on.
 *
 * Usage: bench_e2e <path of confai-gateway> [seconds per figure]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include <confai/confai.h>

#include "gateway_process.h"

static const char body[] = "{\"model\":\"confai-demo\",\"messages\":"
                           "[{\"role\":\"user\",\"content\":\"hi\"}]}";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const confai_error *err)
{
    fprintf(stderr, "bench_e2e: %s: %s\n", what, err != NULL ? err->message : "failed");
    exit(1);
}

static confai_http_message *make_request(void)
{
    confai_http_message *req = NULL;
    confai_error err;
    if (confai_http_message_new_request(&req, "POST", "https", "service",
                                        "/v1/chat/completions", &err) != CONFAI_OK ||
        confai_http_message_add_field(req, CONFAI_HTTP_HEADERS, "content-type",
                                      "application/json", &err) != CONFAI_OK ||
        confai_http_message_set_body(req, (const uint8_t *)body, strlen(body), &err) !=
            CONFAI_OK)
        die("request", &err);
    return req;
}

static void sealed_once(confai_client *c, const confai_http_message *req)
{
    confai_http_message *resp = NULL;
    confai_error err;
    if (confai_client_fetch(c, &resp, req, &err) != CONFAI_OK)
        die("sealed request", &err);
    if (confai_http_message_status(resp) != 200)
        die("sealed request: status", NULL);
    confai_http_message_free(resp);
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
    (void)p, (void)u;
    return s * n;
}

/* Mean seconds per request over about `seconds`. */
static double plaintext_latency(const char *url, double seconds)
{
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    long n = 0;
    double start = now(), end;
    do {
        long code = 0;
        if (curl_easy_perform(e) != CURLE_OK)
            die("plaintext request", NULL);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
        if (code != 200)
            die("plaintext request: status (is the plaintext endpoint enabled?)", NULL);
        n++;
        end = now();
    } while (end - start < seconds);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    return (end - start) / (double)n;
}

typedef struct worker {
    confai_client *client;
    double seconds;
    long done;
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    confai_http_message *req = make_request();
    double start = now();
    while (now() - start < w->seconds) {
        sealed_once(w->client, req);
        w->done++;
    }
    confai_http_message_free(req);
    return NULL;
}

/* Sealed requests per second with `threads` threads sharing the client. */
static double throughput(confai_client *c, int threads, double seconds)
{
    pthread_t t[8];
    worker w[8];
    long total = 0;
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){.client = c, .seconds = seconds};
        pthread_create(&t[i], NULL, run_worker, &w[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += w[i].done;
    }
    return (double)total / seconds;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_e2e <confai-gateway> [seconds]\n");
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    char dir[] = "/tmp/confai-bench-XXXXXX";
    const char *extra[] = {"--plaintext-for-benchmarks", NULL};
    gateway_process g;
    confai_error err;
    confai_policy *policy = NULL;
    confai_client *client = NULL;
    size_t len = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (mkdtemp(dir) == NULL || gateway_start(&g, argv[1], dir, extra) != 0)
        die("starting the gateway", NULL);
    char *policy_json = gateway_policy(&g, &len);
    if (policy_json == NULL || confai_policy_new(&policy, policy_json, len, &err) != CONFAI_OK ||
        confai_client_new(&client, g.url, policy, NULL, &err) != CONFAI_OK)
        die("client", &err);

    confai_http_message *req = make_request();
    sealed_once(client, req); /* attests, opens the connection */
    long n = 0;
    double start = now(), end;
    do {
        sealed_once(client, req);
        n++;
        end = now();
    } while (end - start < seconds);
    double sealed = (end - start) / (double)n;
    char plain_url[128];
    snprintf(plain_url, sizeof(plain_url), "%s/plain/v1/chat/completions", g.url);
    double plain = plaintext_latency(plain_url, seconds);
    confai_http_message_free(req);

    double one = throughput(client, 1, seconds);
    double two = throughput(client, 2, seconds);

    printf("End to end on loopback, simulated SEV-SNP gateway, demo model, %zu-byte request\n",
           strlen(body));
    printf("  plaintext request          %8.3f ms\n", plain * 1e3);
    printf("  sealed request             %8.3f ms\n", sealed * 1e3);
    printf("  added by sealing           %8.3f ms (goal < 0.5 ms)\n", (sealed - plain) * 1e3);
    printf("  ratio sealed/plaintext     %8.2f\n", sealed / plain);
    printf("  sealed, 1 client thread    %8.0f req/s\n", one);
    printf("  sealed, 2 client threads   %8.0f req/s\n", two);
    printf("  ratio 2 threads/1          %8.2f (goal >= 1.9)\n", two / one);

    confai_client_free(client);
    confai_policy_free(policy);
    free(policy_json);
    gateway_stop(&g);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    curl_global_cleanup();
    return 0;
}
