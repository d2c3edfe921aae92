/*
 * src/seal/key_config.c: KeyConfig parsing and serialization (RFC 9458
 * section 3), suite choice, application/ohttp-keys lists, gateway
 * configurations; the accept cases and one test per rejection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "ohttp_vectors.h"

#define OK(call) assert_int_equal((call), CONFAI_OK)

/* RFC 9458 appendix A: key id 1, X25519, (SHA256, AES-128-GCM), (SHA256, ChaCha). */
static const char rfc_config_hex[] =
    "01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003";
static const char rfc_pk_hex[] =
    "31e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e798155";
static const char rfc_sk_hex[] =
    "3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a";

static bytes hex(const char *h)
{
    bytes b = { NULL, 0 };
    b.data = test_hex_decode(h, &b.len);
    assert_non_null(b.data);
    return b;
}

/* A KeyConfig with key id 7, the RFC's X25519 key and the given pairs. */
static size_t make_config(uint8_t *out, uint16_t kem, size_t pk_len,
                          const confai_ohttp_algorithms *algs, size_t n)
{
    size_t len = 0;
    out[len++] = 7;
    out[len++] = (uint8_t)(kem >> 8);
    out[len++] = (uint8_t)kem;
    memset(out + len, 0x42, pk_len);
    if (kem == CONFAI_HPKE_KEM_P256_SHA256)
        out[len] = 0x04;
    len += pk_len;
    out[len++] = (uint8_t)((4 * n) >> 8);
    out[len++] = (uint8_t)(4 * n);
    for (size_t i = 0; i < n; i++) {
        out[len++] = (uint8_t)(algs[i].kdf_id >> 8);
        out[len++] = (uint8_t)algs[i].kdf_id;
        out[len++] = (uint8_t)(algs[i].aead_id >> 8);
        out[len++] = (uint8_t)algs[i].aead_id;
    }
    return len;
}

static confai_status parse(const uint8_t *b, size_t len)
{
    confai_key_config *c = NULL;
    confai_status st = confai_key_config_parse(&c, b, len, NULL);
    if (st != CONFAI_OK)
        assert_null(c);
    confai_key_config_free(c);
    return st;
}

static void parses_the_rfc_config(void **state)
{
    (void)state;
    bytes cfg = hex(rfc_config_hex), pk = hex(rfc_pk_hex);
    confai_key_config *c = NULL;
    OK(confai_key_config_parse(&c, cfg.data, cfg.len, NULL));
    assert_int_equal(confai_key_config_id(c), 1);
    assert_int_equal(confai_key_config_kem(c), CONFAI_HPKE_KEM_X25519_SHA256);
    confai_hpke_suite s = confai_key_config_suite(c);
    /* AES-128-GCM is preferred over ChaCha20-Poly1305 */
    assert_int_equal(s.kem_id, CONFAI_HPKE_KEM_X25519_SHA256);
    assert_int_equal(s.kdf_id, CONFAI_HPKE_KDF_HKDF_SHA256);
    assert_int_equal(s.aead_id, CONFAI_HPKE_AEAD_AES_128_GCM);

    uint8_t buf[128];
    size_t len = 10;
    assert_int_equal(confai_key_config_public_key(c, buf, &len, NULL), CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 32);
    OK(confai_key_config_public_key(c, buf, &len, NULL));
    assert_memory_equal(buf, pk.data, 32);

    len = 5;
    assert_int_equal(confai_key_config_serialize(c, buf, &len, NULL), CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, cfg.len);
    OK(confai_key_config_serialize(c, buf, &len, NULL));
    assert_int_equal(len, cfg.len);
    assert_memory_equal(buf, cfg.data, cfg.len);
    confai_key_config_free(c);
    bytes_free(&cfg);
    bytes_free(&pk);
}

static void parses_the_chunked_example_config(void **state)
{
    (void)state;
    cJSON *v = vector_load(CHUNKED_VECTOR);
    if (v == NULL)
        skip();
    bytes cfg = vector_hex(v, "keyConfig"), pk = vector_hex(v, "pkR");
    confai_key_config *c = NULL;
    OK(confai_key_config_parse(&c, cfg.data, cfg.len, NULL));
    uint8_t buf[64];
    size_t len = sizeof(buf);
    OK(confai_key_config_public_key(c, buf, &len, NULL));
    assert_memory_equal(buf, pk.data, pk.len);
    confai_key_config_free(c);
    bytes_free(&cfg);
    bytes_free(&pk);
    cJSON_Delete(v);
}

static confai_hpke_suite chosen(const confai_ohttp_algorithms *algs, size_t n)
{
    uint8_t buf[256];
    size_t len = make_config(buf, CONFAI_HPKE_KEM_X25519_SHA256, 32, algs, n);
    confai_key_config *c = NULL;
    OK(confai_key_config_parse(&c, buf, len, NULL));
    confai_hpke_suite s = confai_key_config_suite(c);
    confai_key_config_free(c);
    return s;
}

static void chooses_the_preferred_suite(void **state)
{
    (void)state;
    const confai_ohttp_algorithms all[] = { { 1, 3 }, { 1, 1 }, { 3, 2 }, { 1, 2 }, { 2, 2 } };
    confai_hpke_suite s = chosen(all, 5);
    assert_int_equal(s.kdf_id, 1);
    assert_int_equal(s.aead_id, 2);
    /* the AEAD ranks first: AES-256-GCM with SHA-512 beats AES-128-GCM */
    const confai_ohttp_algorithms aead_first[] = { { 1, 1 }, { 3, 2 } };
    s = chosen(aead_first, 2);
    assert_int_equal(s.kdf_id, 3);
    assert_int_equal(s.aead_id, 2);
    /* unknown and export-only pairs are passed over */
    const confai_ohttp_algorithms odd[] = { { 9, 2 }, { 1, 0xffff }, { 1, 0x77 }, { 2, 3 } };
    s = chosen(odd, 4);
    assert_int_equal(s.kdf_id, 2);
    assert_int_equal(s.aead_id, 3);
}

static void rejects_unsupported_kem_and_algorithms(void **state)
{
    (void)state;
    uint8_t buf[256];
    const confai_ohttp_algorithms good[] = { { 1, 1 } };
    size_t len = make_config(buf, 0x0099, 32, good, 1);
    assert_int_equal(parse(buf, len), CONFAI_E_UNSUPPORTED);
    const confai_ohttp_algorithms none[] = { { 1, 0xffff }, { 0x55, 1 } };
    len = make_config(buf, CONFAI_HPKE_KEM_X25519_SHA256, 32, none, 2);
    assert_int_equal(parse(buf, len), CONFAI_E_UNSUPPORTED);
}

static void rejects_every_truncation(void **state)
{
    (void)state;
    bytes cfg = hex(rfc_config_hex);
    for (size_t len = 0; len < cfg.len; len++)
        assert_int_equal(parse(cfg.data, len), CONFAI_E_TRUNCATED);
    bytes_free(&cfg);
}

static void rejects_trailing_bytes(void **state)
{
    (void)state;
    bytes cfg = hex(rfc_config_hex);
    uint8_t buf[128];
    memcpy(buf, cfg.data, cfg.len);
    buf[cfg.len] = 0;
    assert_int_equal(parse(buf, cfg.len + 1), CONFAI_E_TRAILING_DATA);
    bytes_free(&cfg);
}

static void rejects_malformed_algorithm_lists_and_keys(void **state)
{
    (void)state;
    bytes cfg = hex(rfc_config_hex);
    uint8_t buf[128];
    size_t list_at = 3 + 32;
    /* empty list */
    memcpy(buf, cfg.data, list_at);
    buf[list_at] = 0;
    buf[list_at + 1] = 0;
    assert_int_equal(parse(buf, list_at + 2), CONFAI_E_MALFORMED);
    /* lengths that are not a multiple of 4 */
    const size_t odd[] = { 1, 2, 3, 5, 6, 7 };
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        buf[list_at] = 0;
        buf[list_at + 1] = (uint8_t)odd[i];
        memset(buf + list_at + 2, 0, odd[i]);
        assert_int_equal(parse(buf, list_at + 2 + odd[i]), CONFAI_E_MALFORMED);
    }
    /* a NIST key that is not an uncompressed point */
    const confai_ohttp_algorithms good[] = { { 1, 1 } };
    size_t len = make_config(buf, CONFAI_HPKE_KEM_P256_SHA256, 65, good, 1);
    assert_int_equal(parse(buf, len), CONFAI_OK);
    buf[3] = 0x02; /* compressed form */
    assert_int_equal(parse(buf, len), CONFAI_E_MALFORMED);
    bytes_free(&cfg);
}

/* An application/ohttp-keys list of the given KeyConfigs. */
static size_t make_list(uint8_t *out, const uint8_t *const *configs, const size_t *lens,
                        size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        out[len++] = (uint8_t)(lens[i] >> 8);
        out[len++] = (uint8_t)lens[i];
        memcpy(out + len, configs[i], lens[i]);
        len += lens[i];
    }
    return len;
}

static confai_status parse_list(const uint8_t *b, size_t len, uint8_t *key_id)
{
    confai_key_config *c = NULL;
    confai_status st = confai_key_config_parse_list(&c, b, len, NULL);
    if (st != CONFAI_OK)
        assert_null(c);
    else if (key_id != NULL)
        *key_id = confai_key_config_id(c);
    confai_key_config_free(c);
    return st;
}

static void lists_skip_unsupported_kems(void **state)
{
    (void)state;
    bytes rfc = hex(rfc_config_hex);
    uint8_t unknown_kem[128], no_pairs[128], list[512];
    const confai_ohttp_algorithms good[] = { { 1, 1 } };
    const confai_ohttp_algorithms bad[] = { { 1, 0x99 } };
    size_t unknown_len = make_config(unknown_kem, 0x0999, 40, good, 1);
    size_t no_pairs_len = make_config(no_pairs, CONFAI_HPKE_KEM_X25519_SHA256, 32, bad, 1);

    const uint8_t *configs[] = { unknown_kem, no_pairs, rfc.data };
    const size_t lens[] = { unknown_len, no_pairs_len, rfc.len };
    size_t len = make_list(list, configs, lens, 3);
    uint8_t id = 0;
    OK(parse_list(list, len, &id));
    assert_int_equal(id, 1);

    /* the first usable entry wins */
    const uint8_t *two[] = { rfc.data, no_pairs };
    const size_t two_lens[] = { rfc.len, no_pairs_len };
    len = make_list(list, two, two_lens, 2);
    OK(parse_list(list, len, &id));
    assert_int_equal(id, 1);

    /* nothing usable */
    len = make_list(list, configs, lens, 2);
    assert_int_equal(parse_list(list, len, NULL), CONFAI_E_UNSUPPORTED);
    bytes_free(&rfc);
}

static void lists_fail_as_a_whole_on_a_malformed_entry(void **state)
{
    (void)state;
    bytes rfc = hex(rfc_config_hex);
    uint8_t bad[128], list[512];
    const size_t list_at = 3 + 32;

    /* an odd algorithm list after a good entry */
    memcpy(bad, rfc.data, rfc.len);
    bad[list_at + 1] = 6;
    const uint8_t *configs[] = { rfc.data, bad };
    size_t lens[] = { rfc.len, rfc.len - 2 };
    size_t len = make_list(list, configs, lens, 2);
    assert_int_equal(parse_list(list, len, NULL), CONFAI_E_MALFORMED);

    /* a key one byte short (the entry's length says so) */
    memcpy(bad, rfc.data, 3 + 31);
    memcpy(bad + 3 + 31, rfc.data + list_at, rfc.len - list_at);
    lens[1] = rfc.len - 1;
    len = make_list(list, configs, lens, 2);
    assert_int_equal(parse_list(list, len, NULL), CONFAI_E_MALFORMED);

    /* an entry longer than its KeyConfig */
    memcpy(bad, rfc.data, rfc.len);
    bad[rfc.len] = 0;
    lens[1] = rfc.len + 1;
    len = make_list(list, configs, lens, 2);
    assert_int_equal(parse_list(list, len, NULL), CONFAI_E_MALFORMED);

    /* an empty entry, an empty list */
    list[0] = list[1] = 0;
    assert_int_equal(parse_list(list, 2, NULL), CONFAI_E_MALFORMED);
    assert_int_equal(parse_list(list, 0, NULL), CONFAI_E_MALFORMED);
    bytes_free(&rfc);
}

static void lists_reject_truncation(void **state)
{
    (void)state;
    bytes rfc = hex(rfc_config_hex);
    uint8_t list[256];
    const uint8_t *configs[] = { rfc.data, rfc.data };
    const size_t lens[] = { rfc.len, rfc.len };
    size_t len = make_list(list, configs, lens, 2);
    OK(parse_list(list, len, NULL));
    for (size_t cut = 1; cut < len; cut++)
        if (cut != 2 + rfc.len) /* the end of the first entry is a valid list */
            assert_int_equal(parse_list(list, cut, NULL), CONFAI_E_TRUNCATED);
    bytes_free(&rfc);
}

static void gateway_config_reproduces_the_rfc_bytes(void **state)
{
    (void)state;
    bytes rfc = hex(rfc_config_hex), sk = hex(rfc_sk_hex);
    confai_hpke_key *key = NULL;
    OK(confai_hpke_key_import(&key, CONFAI_HPKE_KEM_X25519_SHA256, sk.data, sk.len, NULL));
    const confai_ohttp_algorithms algs[] = { { 1, 1 }, { 1, 3 } };
    confai_key_config *c = NULL;
    OK(confai_key_config_new(&c, key, 1, algs, 2, NULL));
    confai_hpke_key_free(key); /* the configuration keeps its own reference */

    uint8_t buf[256];
    size_t len = sizeof(buf);
    OK(confai_key_config_serialize(c, buf, &len, NULL));
    assert_int_equal(len, rfc.len);
    assert_memory_equal(buf, rfc.data, rfc.len);

    /* a list of two, parsed back: the first is chosen */
    const confai_key_config *two[] = { c, c };
    len = 3;
    assert_int_equal(confai_key_config_serialize_list(buf, &len, two, 2, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 2 * (2 + rfc.len));
    OK(confai_key_config_serialize_list(buf, &len, two, 2, NULL));
    assert_int_equal(buf[0], 0);
    assert_int_equal(buf[1], rfc.len);
    assert_memory_equal(buf + 2, rfc.data, rfc.len);
    uint8_t id = 0;
    OK(parse_list(buf, len, &id));
    assert_int_equal(id, 1);
    confai_key_config_free(c);
    bytes_free(&rfc);
    bytes_free(&sk);
}

static void gateway_config_rejects_bad_arguments(void **state)
{
    (void)state;
    confai_hpke_key *key = NULL;
    OK(confai_hpke_key_generate(&key, CONFAI_HPKE_KEM_X25519_SHA256, NULL));
    confai_key_config *c = (confai_key_config *)&c;
    const confai_ohttp_algorithms export_only[] = { { 1, 1 }, { 1, 0xffff } };
    const confai_ohttp_algorithms unknown[] = { { 7, 1 } };
    confai_error err;
    assert_int_equal(confai_key_config_new(&c, key, 1, export_only, 2, &err),
                     CONFAI_E_UNSUPPORTED);
    assert_null(c);
    assert_int_equal(err.status, CONFAI_E_UNSUPPORTED);
    assert_int_equal(confai_key_config_new(&c, key, 1, unknown, 1, NULL), CONFAI_E_UNSUPPORTED);
    assert_int_equal(confai_key_config_new(&c, key, 1, export_only, 0, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_key_config_new(&c, NULL, 1, export_only, 1, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_key_config_serialize_list(NULL, NULL, NULL, 0, NULL),
                     CONFAI_E_ARGUMENT);
    const confai_key_config *none[] = { NULL };
    size_t len = 100;
    uint8_t buf[100];
    assert_int_equal(confai_key_config_serialize_list(buf, &len, none, 1, NULL),
                     CONFAI_E_ARGUMENT);
    confai_hpke_key_free(key);
}

static void null_handles_are_harmless(void **state)
{
    (void)state;
    confai_key_config_free(NULL);
    assert_int_equal(confai_key_config_id(NULL), 0);
    assert_int_equal(confai_key_config_kem(NULL), 0);
    assert_int_equal(confai_key_config_suite(NULL).aead_id, 0);
    assert_int_equal(confai_key_config_parse(NULL, NULL, 0, NULL), CONFAI_E_ARGUMENT);
    confai_key_config *c = NULL;
    assert_int_equal(confai_key_config_parse(&c, NULL, 3, NULL), CONFAI_E_ARGUMENT);
    size_t len = 0;
    assert_int_equal(confai_key_config_serialize(NULL, NULL, &len, NULL), CONFAI_E_ARGUMENT);
}

static void constants_match_their_functions(void **state)
{
    (void)state;
    assert_int_equal(confai_ohttp_max_request_header_size(), CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE);
    assert_int_equal(confai_ohttp_max_response_nonce_size(), CONFAI_OHTTP_MAX_RESPONSE_NONCE_SIZE);
    assert_int_equal(confai_ohttp_max_chunk_overhead(), CONFAI_OHTTP_MAX_CHUNK_OVERHEAD);
    assert_int_equal(confai_ohttp_default_max_chunk_size(), CONFAI_OHTTP_DEFAULT_MAX_CHUNK_SIZE);
    /* the header bound is hdr plus the largest enc */
    assert_int_equal(CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE, 7 + CONFAI_HPKE_MAX_ENC_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_the_rfc_config),
        cmocka_unit_test(parses_the_chunked_example_config),
        cmocka_unit_test(chooses_the_preferred_suite),
        cmocka_unit_test(rejects_unsupported_kem_and_algorithms),
        cmocka_unit_test(rejects_every_truncation),
        cmocka_unit_test(rejects_trailing_bytes),
        cmocka_unit_test(rejects_malformed_algorithm_lists_and_keys),
        cmocka_unit_test(lists_skip_unsupported_kems),
        cmocka_unit_test(lists_fail_as_a_whole_on_a_malformed_entry),
        cmocka_unit_test(lists_reject_truncation),
        cmocka_unit_test(gateway_config_reproduces_the_rfc_bytes),
        cmocka_unit_test(gateway_config_rejects_bad_arguments),
        cmocka_unit_test(null_handles_are_harmless),
        cmocka_unit_test(constants_match_their_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
