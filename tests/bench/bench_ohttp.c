/*
 * Sealed request round trip of the public library (libconfai.so): a client
 * seals a 1 KiB request (RFC 9458), the gateway opens it and seals a 1 KiB
 * response, the client opens that. The baseline in the same run is the bare
 * HPKE cost underneath: a single-shot HPKE seal and open of the same 1 KiB
 * (one key agreement each side), so the ratio shows what OHTTP framing and
 * the response encapsulation add.
 *
 *   bench_ohttp [--seconds S]
 *
 * Suite: X25519, HKDF-SHA256, AES-256-GCM. Best of 5 rounds, the two cases
 * taking turns; nothing is asserted about times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <confai/confai.h>

#define MESSAGE 1024
#define ROUNDS 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(confai_status st, const char *what)
{
    if (st != CONFAI_OK) {
        fprintf(stderr, "bench_ohttp: %s failed: %s\n", what, confai_status_name(st));
        exit(1);
    }
}

static confai_hpke_key *key;
static confai_key_config *gateway_config, *client_config;
static uint8_t public_key[32];
static uint8_t message[MESSAGE];

static void setup(void)
{
    check(confai_hpke_key_generate(&key, CONFAI_HPKE_KEM_X25519_SHA256, NULL), "keygen");
    const confai_ohttp_algorithms alg = { CONFAI_HPKE_KDF_HKDF_SHA256,
                                          CONFAI_HPKE_AEAD_AES_256_GCM };
    check(confai_key_config_new(&gateway_config, key, 1, &alg, 1, NULL), "key config");
    uint8_t buf[256];
    size_t len = sizeof(buf);
    check(confai_key_config_serialize(gateway_config, buf, &len, NULL), "serialize");
    check(confai_key_config_parse(&client_config, buf, len, NULL), "parse");
    size_t pk_len = sizeof(public_key);
    check(confai_hpke_key_public(key, public_key, &pk_len, NULL), "public key");
    memset(message, 'm', sizeof(message));
}

/* One OHTTP exchange, both sides. */
static void ohttp_round_trip(void)
{
    uint8_t request[MESSAGE + 128], inner[MESSAGE], response[MESSAGE + 64], answer[MESSAGE];
    size_t request_len = sizeof(request), inner_len = sizeof(inner);
    size_t response_len = sizeof(response), answer_len = sizeof(answer);
    confai_ohttp_client *client = NULL;
    confai_ohttp_gateway *gateway = NULL;
    check(confai_ohttp_client_seal_request(&client, request, &request_len, client_config,
                                           message, sizeof(message), NULL), "seal request");
    check(confai_ohttp_gateway_open_request(&gateway, inner, &inner_len,
                                            (const confai_key_config *const *)&gateway_config,
                                            1, request, request_len, NULL), "open request");
    check(confai_ohttp_gateway_seal_response(gateway, response, &response_len, inner,
                                             inner_len, NULL), "seal response");
    check(confai_ohttp_client_open_response(client, answer, &answer_len, response,
                                            response_len, NULL), "open response");
    confai_ohttp_gateway_free(gateway);
    confai_ohttp_client_free(client);
}

/* The baseline: single-shot HPKE seal and open of the same bytes. */
static void hpke_round_trip(void)
{
    confai_hpke_suite suite = confai_hpke_suite_default();
    uint8_t enc[32], ct[MESSAGE + 16], pt[MESSAGE];
    size_t enc_len = sizeof(enc), ct_len = sizeof(ct), pt_len = sizeof(pt);
    check(confai_hpke_seal_once(&suite, enc, &enc_len, ct, &ct_len, public_key,
                                sizeof(public_key), NULL, 0, NULL, 0, message,
                                sizeof(message), NULL), "hpke seal");
    check(confai_hpke_open_once(&suite, pt, &pt_len, key, enc, enc_len, NULL, 0, NULL, 0, ct,
                                ct_len, NULL), "hpke open");
}

/* Operations per second over about `seconds`. */
static double rate(void (*op)(void), double seconds)
{
    long n = 0;
    double start = now(), elapsed;
    do {
        for (int i = 0; i < 16; i++)
            op();
        n += 16;
        elapsed = now() - start;
    } while (elapsed < seconds);
    return (double)n / elapsed;
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    if (argc == 3 && strcmp(argv[1], "--seconds") == 0)
        seconds = atof(argv[2]);
    setup();
    double best_ohttp = 0, best_hpke = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double a = rate(ohttp_round_trip, seconds / ROUNDS);
        double b = rate(hpke_round_trip, seconds / ROUNDS);
        if (a > best_ohttp)
            best_ohttp = a;
        if (b > best_hpke)
            best_hpke = b;
    }
    printf("OHTTP round trip of %d bytes, X25519/HKDF-SHA256/AES-256-GCM, HPKE backend %s\n",
           MESSAGE, confai_hpke_backend());
    printf("  sealed request round trip  %9.0f ops/s\n", best_ohttp);
    printf("  baseline HPKE seal+open    %9.0f ops/s\n", best_hpke);
    printf("  ratio OHTTP/HPKE           %9.2f\n", best_ohttp / best_hpke);
    confai_key_config_free(client_config);
    confai_key_config_free(gateway_config);
    confai_hpke_key_free(key);
    return 0;
}
