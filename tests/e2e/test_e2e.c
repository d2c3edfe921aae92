/*
 * End to end over loopback: the client layer against the reference gateway
 * (simulated SEV-SNP platform, demo model), directly and through an
 * attacker in the middle that alters evidence and sealed answers. Every
 * alteration must fail with its own status, and the application must never
 * get text the model did not send.
 *
 * Usage: test_e2e <path of confai-gateway>
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include <confai/confai.h>

#include "gateway_process.h"
#include "mitm.h"

static const char *gateway_binary;

typedef struct fixture {
    gateway_process gateway;
    mitm *proxy;
    char *policy_json;
    confai_policy *policy;
    confai_client *direct;  /* to the gateway */
    confai_client *proxied; /* through the attacker */
    gateway_process slow_gateway; /* streams with a pause between tokens */
    char *slow_policy_json;
    confai_policy *slow_policy;
    confai_client *slow;
    char expected[4096];    /* the demo model's whole answer */
} fixture;

static const char chat_request[] =
    "{\"model\":\"confai-demo\",\"messages\":[{\"role\":\"user\",\"content\":"
    "\"Why does attestation matter?\"}]}";

typedef struct answer {
    char text[4096];
    size_t len;
} answer;

static int collect(void *user, const char *text, size_t len)
{
    answer *a = user;
    if (len > sizeof(a->text) - 1 - a->len)
        return 1;
    memcpy(a->text + a->len, text, len);
    a->len += len;
    a->text[a->len] = '\0';
    return 0;
}

static confai_status chat(confai_client *c, answer *a, confai_error *err)
{
    memset(a, 0, sizeof(*a));
    return confai_client_chat(c, chat_request, strlen(chat_request), collect, a, err);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char dir[] = "/tmp/confai-e2e-XXXXXX";
    confai_error err;
    size_t len = 0;
    if (f == NULL || mkdtemp(dir) == NULL)
        return -1;
    /* Streams keep their many chunks, without the demo's pause between tokens. */
    const char *extra[] = {"--token-delay", "1", NULL};
    if (gateway_start(&f->gateway, gateway_binary, dir, extra) != 0) {
        fprintf(stderr, "cannot start %s\n", gateway_binary);
        return -1;
    }
    f->policy_json = gateway_policy(&f->gateway, &len);
    if (f->policy_json == NULL ||
        confai_policy_new(&f->policy, f->policy_json, len, &err) != CONFAI_OK) {
        fprintf(stderr, "policy: %s\n", f->policy_json == NULL ? "missing" : err.message);
        return -1;
    }
    char slow_dir[300];
    snprintf(slow_dir, sizeof(slow_dir), "%s/slow", dir);
    const char *slow_extra[] = {"--token-delay", "20", NULL};
    if (mkdir(slow_dir, 0700) != 0 ||
        gateway_start(&f->slow_gateway, gateway_binary, slow_dir, slow_extra) != 0)
        return -1;
    f->proxy = mitm_start(f->gateway.url);
    if (f->proxy == NULL ||
        confai_client_new(&f->direct, f->gateway.url, f->policy, NULL, &err) != CONFAI_OK ||
        confai_client_new(&f->proxied, mitm_url(f->proxy), f->policy, NULL, &err) != CONFAI_OK)
        return -1;
    /* The slow gateway has its own state folder, so its own policy. */
    size_t slow_len = 0;
    f->slow_policy_json = gateway_policy(&f->slow_gateway, &slow_len);
    if (f->slow_policy_json == NULL ||
        confai_policy_new(&f->slow_policy, f->slow_policy_json, slow_len, &err) != CONFAI_OK ||
        confai_client_new(&f->slow, f->slow_gateway.url, f->slow_policy, NULL, &err) != CONFAI_OK)
        return -1;

    answer a;
    if (chat(f->direct, &a, &err) != CONFAI_OK) {
        fprintf(stderr, "reference chat failed: %s\n", err.message);
        return -1;
    }
    memcpy(f->expected, a.text, a.len + 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    confai_client_free(f->direct);
    confai_client_free(f->proxied);
    confai_client_free(f->slow);

    confai_policy_free(f->slow_policy);
    free(f->slow_policy_json);
    gateway_stop(&f->slow_gateway);
    mitm_stop(f->proxy);
    confai_policy_free(f->policy);
    free(f->policy_json);
    gateway_stop(&f->gateway);
    /* The state folder holds simulated keys only; remove it. */
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->gateway.state_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->gateway.state_dir);
    free(f);
    return 0;
}

/* Every test starts with an honest proxy. */
static int honest(void **state)
{
    fixture *f = *state;
    mitm_set_mode(f->proxy, MITM_PASS);
    return 0;
}

static void streamed_chat_is_verified_and_complete(void **state)
{
    fixture *f = *state;
    confai_error err;
    answer a;
    confai_verdict *v = NULL;
    assert_int_equal(chat(f->proxied, &a, &err), CONFAI_OK);
    assert_string_equal(a.text, f->expected);
    assert_true(strlen(f->expected) > 20);

    assert_int_equal(confai_client_verdict(f->proxied, &v, &err), CONFAI_OK);
    assert_string_equal(confai_verdict_platform(v), "sev-snp");
    /* The simulated platform is never mistaken for AMD's. */
    assert_int_equal(confai_verdict_root_kind(v), CONFAI_ROOT_CUSTOM);
    assert_non_null(strstr(confai_verdict_root_warning(v), "simulated"));
    confai_verdict_free(v);
}

static confai_status fetch_chat(confai_client *c, int stream_flag, confai_http_message **resp,
                                confai_error *err)
{
    confai_http_message *req = NULL;
    const char *body = stream_flag ? "{\"model\":\"confai-demo\",\"stream\":true,\"messages\":"
                                     "[{\"role\":\"user\",\"content\":\"hi\"}]}"
                                   : "{\"model\":\"confai-demo\",\"messages\":"
                                     "[{\"role\":\"user\",\"content\":\"hi\"}]}";
    confai_status st =
        confai_http_message_new_request(&req, "POST", "https", "service",
                                        "/v1/chat/completions", err);
    if (st == CONFAI_OK)
        st = confai_http_message_add_field(req, CONFAI_HTTP_HEADERS, "content-type",
                                           "application/json", err);
    if (st == CONFAI_OK)
        st = confai_http_message_set_body(req, (const uint8_t *)body, strlen(body), err);
    if (st == CONFAI_OK)
        st = confai_client_fetch(c, resp, req, err);
    confai_http_message_free(req);
    return st;
}

static void non_streamed_chat(void **state)
{
    fixture *f = *state;
    confai_error err;
    confai_http_message *resp = NULL;
    assert_int_equal(fetch_chat(f->proxied, 0, &resp, &err), CONFAI_OK);
    assert_int_equal(confai_http_message_status(resp), 200);
    size_t len = 0;
    const uint8_t *body = confai_http_message_body(resp, &len);
    cJSON *json = cJSON_ParseWithLength((const char *)body, len);
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(json, "choices"), 0), "message"),
        "content");
    assert_true(cJSON_IsString(content));
    assert_true(strlen(content->valuestring) > 0);
    cJSON_Delete(json);
    confai_http_message_free(resp);
}

static size_t ignore(char *p, size_t s, size_t n, void *u)
{
    (void)p, (void)u;
    return s * n;
}

static void key_rotation_costs_one_attestation(void **state)
{
    fixture *f = *state;
    confai_error err;
    answer a;
    assert_int_equal(chat(f->proxied, &a, &err), CONFAI_OK); /* a lease exists */
    int before = mitm_attestations(f->proxy);

    char url[128];
    snprintf(url, sizeof(url), "%s/v1/admin/rotate", f->gateway.url);
    CURL *e = curl_easy_init();
    long code = 0;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ignore);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(e);
    assert_int_equal(code, 200);

    assert_int_equal(chat(f->proxied, &a, &err), CONFAI_OK);
    assert_string_equal(a.text, f->expected);
    assert_int_equal(mitm_attestations(f->proxy), before + 1);
    /* The renewed lease serves the next request without a round trip. */
    confai_http_message *resp = NULL;
    assert_int_equal(fetch_chat(f->proxied, 0, &resp, &err), CONFAI_OK);
    confai_http_message_free(resp);
    assert_int_equal(mitm_attestations(f->proxy), before + 1);
}

static void expect_attest_failure(fixture *f, mitm_mode mode, confai_status expected)
{
    confai_error err;
    confai_verdict *v = NULL;
    answer a;
    /* A first honest attestation, so the attacker has a bundle to replay. */
    assert_int_equal(confai_client_attest(f->proxied, NULL, &err), CONFAI_OK);
    mitm_set_mode(f->proxy, mode);
    assert_int_equal(confai_client_attest(f->proxied, &v, &err), expected);
    assert_null(v);
    printf("  refused: %s: %s\n", confai_status_name(err.status), err.message);
    /* No lease survives a failed attestation: nothing is sealed either. */
    assert_int_equal(chat(f->proxied, &a, &err), expected);
    assert_int_equal(a.len, 0);
}

static void swapped_key_config_is_refused(void **state)
{
    expect_attest_failure(*state, MITM_SWAP_KEY_CONFIG, CONFAI_E_BINDING);
}

static void replayed_bundle_is_refused(void **state)
{
    expect_attest_failure(*state, MITM_REPLAY_BUNDLE, CONFAI_E_NONCE_MISMATCH);
}

static void expect_stream_failure(fixture *f, mitm_mode mode, confai_status expected)
{
    confai_error err;
    answer a;
    assert_int_equal(confai_client_attest(f->proxied, NULL, &err), CONFAI_OK);
    int tampered = mitm_tampered(f->proxy);
    mitm_set_mode(f->proxy, mode);
    assert_int_equal(chat(f->proxied, &a, &err), expected);
    assert_int_equal(mitm_tampered(f->proxy), tampered + 1);
    printf("  refused: %s: %s\n", confai_status_name(err.status), err.message);
    /* Whatever arrived before the failure is the model's own text. */
    assert_true(a.len <= strlen(f->expected));
    assert_memory_equal(a.text, f->expected, a.len);
}

static void truncated_stream(void **state)
{
    expect_stream_failure(*state, MITM_TRUNCATE, CONFAI_E_STREAM_TRUNCATED);
}

static void dropped_chunk(void **state)
{
    expect_stream_failure(*state, MITM_DROP_CHUNK, CONFAI_E_CHUNK_REORDERED);
}

static void duplicated_chunk(void **state)
{
    expect_stream_failure(*state, MITM_DUPLICATE_CHUNK, CONFAI_E_CHUNK_REPLAYED);
}

static void reordered_chunks(void **state)
{
    expect_stream_failure(*state, MITM_REORDER_CHUNKS, CONFAI_E_CHUNK_REORDERED);
}

static void flipped_byte_in_stream(void **state)
{
    expect_stream_failure(*state, MITM_FLIP_BYTE, CONFAI_E_DECRYPT);
}

static void plaintext_answer_to_a_stream(void **state)
{
    expect_stream_failure(*state, MITM_PLAINTEXT, CONFAI_E_NOT_SEALED);
}

static void tampered_whole_responses(void **state)
{
    fixture *f = *state;
    confai_error err;
    confai_http_message *resp = NULL;
    mitm_set_mode(f->proxy, MITM_FLIP_BYTE);
    assert_int_equal(fetch_chat(f->proxied, 0, &resp, &err), CONFAI_E_DECRYPT);
    assert_null(resp);
    mitm_set_mode(f->proxy, MITM_PLAINTEXT);
    assert_int_equal(fetch_chat(f->proxied, 0, &resp, &err), CONFAI_E_NOT_SEALED);
    assert_null(resp);
}

static void wrong_policy_never_seals(void **state)
{
    fixture *f = *state;
    confai_error err;
    confai_policy *other = NULL;
    confai_client *c = NULL;
    answer a;
    /* The same policy with another accepted measurement. */
    char *text = strdup(f->policy_json);
    char *m = strstr(text, "\"measurements\"");
    assert_non_null(m);
    char *hex = strchr(m, '[');
    assert_non_null(hex);
    hex = strchr(hex, '"');
    assert_non_null(hex);
    hex[1] = hex[1] == '0' ? '1' : '0';
    assert_int_equal(confai_policy_new(&other, text, strlen(text), &err), CONFAI_OK);
    assert_int_equal(confai_client_new(&c, mitm_url(f->proxy), other, NULL, &err), CONFAI_OK);
    int tampered = mitm_tampered(f->proxy);
    assert_int_equal(chat(c, &a, &err), CONFAI_E_POLICY_MEASUREMENT);
    assert_int_equal(a.len, 0);
    assert_int_equal(mitm_tampered(f->proxy), tampered);
    confai_client_free(c);
    confai_policy_free(other);
    free(text);
}

static int stop_after_first(void *user, const char *text, size_t len)
{
    int *calls = user;
    (void)text, (void)len;
    return ++*calls >= 1;
}

static void *cancel_later(void *arg)
{
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    confai_stream_cancel(arg);
    return NULL;
}

static void cancellation(void **state)
{
    fixture *f = *state;
    confai_error err;
    int calls = 0;
    /* From the chat callback. */
    assert_int_equal(confai_client_chat(f->direct, chat_request, strlen(chat_request),
                                        stop_after_first, &calls, &err),
                     CONFAI_E_CANCELLED);
    assert_int_equal(calls, 1);

    /* From another thread, while a read waits for the slow demo model. */
    confai_http_message *req = NULL;
    confai_stream *s = NULL;
    const char *body = "{\"model\":\"confai-demo\",\"stream\":true,\"messages\":"
                       "[{\"role\":\"user\",\"content\":\"a long answer please\"}]}";
    assert_int_equal(confai_http_message_new_request(&req, "POST", "https", "service",
                                                     "/v1/chat/completions", &err),
                     CONFAI_OK);
    assert_int_equal(confai_http_message_set_body(req, (const uint8_t *)body, strlen(body), &err),
                     CONFAI_OK);
    assert_int_equal(confai_client_stream_open(f->slow, &s, req, &err), CONFAI_OK);
    assert_int_equal(confai_http_message_status(confai_stream_response(s)), 200);
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, s);
    uint8_t buf[256];
    size_t n = 0;
    confai_status st;
    do {
        n = sizeof(buf);
        st = confai_stream_read(s, buf, &n, &err);
    } while (st == CONFAI_OK && n > 0);
    pthread_join(t, NULL);
    assert_int_equal(st, CONFAI_E_CANCELLED);
    /* Final: every later read says the same. */
    n = sizeof(buf);
    assert_int_equal(confai_stream_read(s, buf, &n, &err), CONFAI_E_CANCELLED);
    assert_int_equal(n, 0);
    /* A capacity of 0 is an argument error, not the end of the stream. */
    n = 0;
    assert_int_equal(confai_stream_read(s, buf, &n, &err), CONFAI_E_ARGUMENT);
    assert_int_equal(n, 0);
    confai_stream_free(s);
    confai_http_message_free(req);
}

/*
 * A stream cut after its last event: "data: [DONE]" must not reach the
 * application before the final chunk authenticated, or a client that stops
 * at [DONE] (as OpenAI SDKs do) would never learn of the cut.
 */
static void done_waits_for_the_authenticated_end(void **state)
{
    fixture *f = *state;
    confai_error err;
    confai_http_message *req = NULL;
    confai_stream *s = NULL;
    const char *body = "{\"model\":\"confai-demo\",\"stream\":true,\"messages\":"
                       "[{\"role\":\"user\",\"content\":\"hi\"}]}";
    assert_int_equal(confai_client_attest(f->proxied, NULL, &err), CONFAI_OK);
    /* Every chunk but the final one arrives, [DONE] included; the end comes later. */
    mitm_set_mode(f->proxy, MITM_TRUNCATE_LATE);
    assert_int_equal(confai_http_message_new_request(&req, "POST", "https", "service",
                                                     "/v1/chat/completions", &err),
                     CONFAI_OK);
    assert_int_equal(confai_http_message_set_body(req, (const uint8_t *)body, strlen(body), &err),
                     CONFAI_OK);
    assert_int_equal(confai_client_stream_open(f->proxied, &s, req, &err), CONFAI_OK);
    static char seen[65536];
    size_t seen_len = 0, n = 0;
    confai_status st;
    do {
        n = sizeof(seen) - 1 - seen_len;
        st = confai_stream_read(s, (uint8_t *)seen + seen_len, &n, &err);
        if (st == CONFAI_OK)
            seen_len += n;
    } while (st == CONFAI_OK && n > 0 && seen_len < sizeof(seen) - 1);
    seen[seen_len] = '\0';
    assert_int_equal(st, CONFAI_E_STREAM_TRUNCATED);
    assert_non_null(strstr(seen, "data: {")); /* the events before it did arrive */
    assert_null(strstr(seen, "[DONE]"));
    confai_stream_free(s);
    confai_http_message_free(req);
}

int main(int argc, char **argv)
{
    gateway_binary = argc > 1 ? argv[1] : getenv("CONFAI_GATEWAY");
    if (gateway_binary == NULL) {
        fprintf(stderr, "usage: test_e2e <confai-gateway>\n");
        return 2;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(streamed_chat_is_verified_and_complete, honest),
        cmocka_unit_test_setup(non_streamed_chat, honest),
        cmocka_unit_test_setup(key_rotation_costs_one_attestation, honest),
        cmocka_unit_test_setup(swapped_key_config_is_refused, honest),
        cmocka_unit_test_setup(replayed_bundle_is_refused, honest),
        cmocka_unit_test_setup(truncated_stream, honest),
        cmocka_unit_test_setup(dropped_chunk, honest),
        cmocka_unit_test_setup(duplicated_chunk, honest),
        cmocka_unit_test_setup(reordered_chunks, honest),
        cmocka_unit_test_setup(flipped_byte_in_stream, honest),
        cmocka_unit_test_setup(plaintext_answer_to_a_stream, honest),
        cmocka_unit_test_setup(tampered_whole_responses, honest),
        cmocka_unit_test_setup(wrong_policy_never_seals, honest),
        cmocka_unit_test_setup(cancellation, honest),
        cmocka_unit_test_setup(done_waits_for_the_authenticated_end, honest),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
