/* Tests of confai_ohttp_client_from_request (src/seal/ohttp_recorded.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <confai/confai.h>

static confai_key_config *config;
static confai_error err;

static int setup(void **state)
{
    (void)state;
    confai_hpke_key *key = NULL;
    confai_ohttp_algorithms algs[] = {{CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_256_GCM}};
    if (confai_hpke_key_generate(&key, CONFAI_HPKE_KEM_X25519_SHA256, &err) != CONFAI_OK ||
        confai_key_config_new(&config, key, 7, algs, 1, &err) != CONFAI_OK)
        return -1;
    confai_hpke_key_free(key);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    confai_key_config_free(config);
    return 0;
}

static void recorded_plain_exchange_opens(void **state)
{
    (void)state;
    const confai_key_config *configs[] = {config};
    uint8_t request[256], plain[64], response[256], opened[64];
    size_t request_len = sizeof(request), plain_len = sizeof(plain);
    size_t response_len = sizeof(response), opened_len = sizeof(opened);
    confai_ohttp_client *client = NULL, *rebuilt = NULL;
    confai_ohttp_gateway *gateway = NULL;
    const char *msg = "request", *answer = "the recorded answer";

    assert_int_equal(confai_ohttp_client_seal_request(&client, request, &request_len, config,
                                                      (const uint8_t *)msg, strlen(msg), &err),
                     CONFAI_OK);
    assert_int_equal(confai_ohttp_gateway_open_request(&gateway, plain, &plain_len, configs, 1,
                                                       request, request_len, &err),
                     CONFAI_OK);
    assert_int_equal(confai_ohttp_gateway_seal_response(gateway, response, &response_len,
                                                        (const uint8_t *)answer, strlen(answer),
                                                        &err),
                     CONFAI_OK);
    /* Only the gateway's key, the request and the response are known now. */
    assert_int_equal(confai_ohttp_client_from_request(&rebuilt, configs, 1, request, request_len,
                                                      0, NULL, NULL, &err),
                     CONFAI_OK);
    assert_int_equal(confai_ohttp_client_open_response(rebuilt, opened, &opened_len, response,
                                                       response_len, &err),
                     CONFAI_OK);
    assert_int_equal(opened_len, strlen(answer));
    assert_memory_equal(opened, answer, opened_len);
    confai_ohttp_client_free(rebuilt);
    rebuilt = NULL;

    /* A flipped response byte fails as it would for the client. */
    response[response_len - 1] ^= 1;
    opened_len = sizeof(opened);
    assert_int_equal(confai_ohttp_client_from_request(&rebuilt, configs, 1, request, request_len,
                                                      0, NULL, NULL, &err),
                     CONFAI_OK);
    assert_int_equal(confai_ohttp_client_open_response(rebuilt, opened, &opened_len, response,
                                                       response_len, &err),
                     CONFAI_E_DECRYPT);
    confai_ohttp_client_free(rebuilt);
    confai_ohttp_client_free(client);
    confai_ohttp_gateway_free(gateway);
}

static void rejections(void **state)
{
    (void)state;
    const confai_key_config *configs[] = {config};
    uint8_t request[256];
    size_t request_len = sizeof(request);
    confai_ohttp_client *client = NULL, *rebuilt = (confai_ohttp_client *)&err;
    assert_int_equal(confai_ohttp_client_seal_request(&client, request, &request_len, config,
                                                      (const uint8_t *)"x", 1, &err),
                     CONFAI_OK);
    confai_ohttp_client_free(client);

    assert_int_equal(confai_ohttp_client_from_request(&rebuilt, configs, 1, request, 5, 0, NULL,
                                                      NULL, &err),
                     CONFAI_E_TRUNCATED);
    assert_null(rebuilt);
    assert_int_equal(confai_ohttp_client_from_request(&rebuilt, configs, 1, request, 20, 0, NULL,
                                                      NULL, &err),
                     CONFAI_E_TRUNCATED);
    request[0] ^= 1; /* another key id */
    assert_int_equal(confai_ohttp_client_from_request(&rebuilt, configs, 1, request, request_len,
                                                      0, NULL, NULL, &err),
                     CONFAI_E_KEY_ID_UNKNOWN);
    request[0] ^= 1;
    assert_int_equal(confai_ohttp_client_from_request(&rebuilt, configs, 1, request, request_len,
                                                      1, NULL, NULL, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_ohttp_client_from_request(&rebuilt, NULL, 0, request, request_len, 0,
                                                      NULL, NULL, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_ohttp_client_from_request(NULL, configs, 1, request, request_len, 0,
                                                      NULL, NULL, &err),
                     CONFAI_E_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recorded_plain_exchange_opens),
        cmocka_unit_test(rejections),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
