/*
 * src/crypto/hpke.c, hpke_key.c and the compiled-in backend: round trips in
 * every suite and mode, and one test per rejection. The RFC 9180 known-answer
 * vectors live in test_hpke_vectors.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <confai/confai.h>

#include "crypto/hpke_test.h"

static const uint16_t kems[] = {
    CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KEM_P384_SHA384, CONFAI_HPKE_KEM_P521_SHA512,
    CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KEM_X448_SHA512,
};
static const uint16_t kdfs[] = {
    CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_KDF_HKDF_SHA384, CONFAI_HPKE_KDF_HKDF_SHA512,
};
static const uint16_t aeads[] = {
    CONFAI_HPKE_AEAD_AES_128_GCM, CONFAI_HPKE_AEAD_AES_256_GCM,
    CONFAI_HPKE_AEAD_CHACHA20_POLY1305, CONFAI_HPKE_AEAD_EXPORT_ONLY,
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t info[] = "confai test info";
static const uint8_t aad[] = "confai test aad";
static const uint8_t message[] = "the prompt nobody outside the TEE may read";
static const uint8_t psk[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t psk_id[] = "psk id";
static const uint8_t exp_label[] = "exporter context";

#define OK(call) assert_int_equal((call), CONFAI_OK)

/* A sender and a recipient context set up against each other. */
typedef struct pair {
    confai_hpke_suite suite;
    confai_hpke_key *recipient_key;
    confai_hpke_key *sender_key;
    confai_hpke_ctx *sender;
    confai_hpke_ctx *recipient;
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len;
} pair;

static void pair_setup(pair *p, confai_hpke_suite suite, uint8_t mode)
{
    memset(p, 0, sizeof(*p));
    p->suite = suite;
    OK(confai_hpke_key_generate(&p->recipient_key, suite.kem_id, NULL));
    OK(confai_hpke_ctx_new(&p->sender, CONFAI_HPKE_ROLE_SENDER, &suite, NULL));
    OK(confai_hpke_ctx_new(&p->recipient, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
    if (mode == CONFAI_HPKE_MODE_PSK || mode == CONFAI_HPKE_MODE_AUTH_PSK) {
        OK(confai_hpke_ctx_set_psk(p->sender, psk, sizeof(psk), psk_id, sizeof(psk_id) - 1, NULL));
        OK(confai_hpke_ctx_set_psk(p->recipient, psk, sizeof(psk), psk_id, sizeof(psk_id) - 1, NULL));
    }
    if (mode == CONFAI_HPKE_MODE_AUTH || mode == CONFAI_HPKE_MODE_AUTH_PSK) {
        uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
        size_t pk_len = sizeof(pk);
        OK(confai_hpke_key_generate(&p->sender_key, suite.kem_id, NULL));
        OK(confai_hpke_ctx_set_sender_key(p->sender, p->sender_key, NULL));
        OK(confai_hpke_key_public(p->sender_key, pk, &pk_len, NULL));
        OK(confai_hpke_ctx_set_sender_public(p->recipient, pk, pk_len, NULL));
    }
    assert_int_equal(confai_hpke_ctx_mode(p->sender), mode);
    assert_int_equal(confai_hpke_ctx_mode(p->recipient), mode);

    uint8_t pk_r[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pk_r_len = sizeof(pk_r);
    OK(confai_hpke_key_public(p->recipient_key, pk_r, &pk_r_len, NULL));
    p->enc_len = sizeof(p->enc);
    OK(confai_hpke_sender_setup(p->sender, p->enc, &p->enc_len, pk_r, pk_r_len, info,
                                sizeof(info), NULL));
    OK(confai_hpke_recipient_setup(p->recipient, p->recipient_key, p->enc, p->enc_len,
                                   info, sizeof(info), NULL));
}

static void pair_free(pair *p)
{
    confai_hpke_ctx_free(p->sender);
    confai_hpke_ctx_free(p->recipient);
    confai_hpke_key_free(p->recipient_key);
    confai_hpke_key_free(p->sender_key);
}

/* Seals `message` with the sender and returns the ciphertext length. */
static size_t seal_message(pair *p, uint8_t *ct, size_t cap)
{
    size_t ct_len = cap;
    OK(confai_hpke_seal(p->sender, ct, &ct_len, aad, sizeof(aad), message, sizeof(message), NULL));
    assert_int_equal(ct_len, sizeof(message) + CONFAI_HPKE_TAG_SIZE);
    return ct_len;
}

static void exports_agree(pair *p)
{
    uint8_t a[64], b[64];
    OK(confai_hpke_export(p->sender, a, sizeof(a), exp_label, sizeof(exp_label), NULL));
    OK(confai_hpke_export(p->recipient, b, sizeof(b), exp_label, sizeof(exp_label), NULL));
    assert_memory_equal(a, b, sizeof(a));
}

static void round_trip_every_suite(void **state)
{
    (void)state;
    size_t suites = 0;
    for (size_t k = 0; k < COUNT(kems); k++)
        for (size_t d = 0; d < COUNT(kdfs); d++)
            for (size_t a = 0; a < COUNT(aeads); a++) {
                confai_hpke_suite suite = { kems[k], kdfs[d], aeads[a] };
                OK(confai_hpke_suite_check(&suite, NULL));
                pair p;
                pair_setup(&p, suite, CONFAI_HPKE_MODE_BASE);
                exports_agree(&p);
                if (suite.aead_id != CONFAI_HPKE_AEAD_EXPORT_ONLY) {
                    /* several messages, including an empty one */
                    for (int i = 0; i < 3; i++) {
                        uint8_t ct[256], pt[256];
                        size_t ct_len = sizeof(ct), pt_len = sizeof(pt);
                        size_t n = i == 1 ? 0 : sizeof(message);
                        OK(confai_hpke_seal(p.sender, ct, &ct_len, aad, sizeof(aad), message, n, NULL));
                        OK(confai_hpke_open(p.recipient, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL));
                        assert_int_equal(pt_len, n);
                        assert_memory_equal(pt, message, n);
                    }
                }
                pair_free(&p);
                suites++;
            }
    assert_int_equal(suites, COUNT(kems) * COUNT(kdfs) * COUNT(aeads));
    printf("round trips in %zu suites (backend %s)\n", suites, confai_hpke_backend());
}

static void round_trip_every_mode(void **state)
{
    (void)state;
    const uint16_t mode_kems[] = { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KEM_P256_SHA256 };
    for (size_t k = 0; k < COUNT(mode_kems); k++)
        for (uint8_t mode = 0; mode <= 3; mode++) {
            confai_hpke_suite suite = { mode_kems[k], CONFAI_HPKE_KDF_HKDF_SHA256,
                                        CONFAI_HPKE_AEAD_AES_256_GCM };
            pair p;
            pair_setup(&p, suite, mode);
            uint8_t ct[256], pt[256];
            size_t ct_len = seal_message(&p, ct, sizeof(ct)), pt_len = sizeof(pt);
            OK(confai_hpke_open(p.recipient, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL));
            assert_memory_equal(pt, message, sizeof(message));
            exports_agree(&p);
            pair_free(&p);
        }
}

static void single_shot_round_trip(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    confai_hpke_key *key = NULL;
    OK(confai_hpke_key_generate(&key, suite.kem_id, NULL));
    uint8_t pk[32], enc[32], ct[128], pt[128];
    size_t pk_len = sizeof(pk), enc_len = sizeof(enc), ct_len = sizeof(ct), pt_len = sizeof(pt);
    OK(confai_hpke_key_public(key, pk, &pk_len, NULL));
    OK(confai_hpke_seal_once(&suite, enc, &enc_len, ct, &ct_len, pk, pk_len, info,
                             sizeof(info), aad, sizeof(aad), message, sizeof(message), NULL));
    OK(confai_hpke_open_once(&suite, pt, &pt_len, key, enc, enc_len, info, sizeof(info),
                             aad, sizeof(aad), ct, ct_len, NULL));
    assert_memory_equal(pt, message, sizeof(message));

    /* the ciphertext room is checked before any work, and reported */
    size_t small = 4;
    enc_len = sizeof(enc);
    assert_int_equal(confai_hpke_seal_once(&suite, enc, &enc_len, ct, &small, pk, pk_len,
                                           NULL, 0, NULL, 0, message, sizeof(message), NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(small, sizeof(message) + CONFAI_HPKE_TAG_SIZE);
    confai_hpke_key_free(key);
}

/* After a failed open, the output holds no plaintext. */
static void assert_no_plaintext(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        assert_true(buf[i] == 0xAA || buf[i] == 0x00);
}

static void tampered_ciphertext_is_rejected(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    pair p;
    pair_setup(&p, suite, CONFAI_HPKE_MODE_BASE);
    uint8_t ct[256], pt[256];
    size_t ct_len = seal_message(&p, ct, sizeof(ct));
    for (size_t i = 0; i < ct_len; i += 7) {
        ct[i] ^= 0x01;
        size_t pt_len = sizeof(pt);
        memset(pt, 0xAA, sizeof(pt));
        confai_error err;
        assert_int_equal(confai_hpke_open(p.recipient, pt, &pt_len, aad, sizeof(aad), ct,
                                          ct_len, &err),
                         CONFAI_E_DECRYPT);
        assert_int_equal(err.status, CONFAI_E_DECRYPT);
        assert_true(strlen(err.message) > 0);
        assert_no_plaintext(pt, sizeof(pt));
        ct[i] ^= 0x01;
    }
    /* a failure does not advance the sequence: the intact message still opens */
    size_t pt_len = sizeof(pt);
    OK(confai_hpke_open(p.recipient, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL));
    pair_free(&p);
}

static void wrong_aad_or_wrong_key_is_rejected(void **state)
{
    (void)state;
    confai_hpke_suite suite = { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256,
                                CONFAI_HPKE_AEAD_CHACHA20_POLY1305 };
    pair p;
    pair_setup(&p, suite, CONFAI_HPKE_MODE_BASE);
    uint8_t ct[256], pt[256];
    size_t ct_len = seal_message(&p, ct, sizeof(ct)), pt_len = sizeof(pt);
    assert_int_equal(confai_hpke_open(p.recipient, pt, &pt_len, NULL, 0, ct, ct_len, NULL),
                     CONFAI_E_DECRYPT);

    /* another recipient key decapsulates to another secret */
    confai_hpke_key *other = NULL;
    confai_hpke_ctx *wrong = NULL;
    OK(confai_hpke_key_generate(&other, suite.kem_id, NULL));
    OK(confai_hpke_ctx_new(&wrong, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
    OK(confai_hpke_recipient_setup(wrong, other, p.enc, p.enc_len, info, sizeof(info), NULL));
    pt_len = sizeof(pt);
    assert_int_equal(confai_hpke_open(wrong, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL),
                     CONFAI_E_DECRYPT);
    confai_hpke_ctx_free(wrong);

    /* other info: another key schedule */
    OK(confai_hpke_ctx_new(&wrong, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
    OK(confai_hpke_recipient_setup(wrong, p.recipient_key, p.enc, p.enc_len, NULL, 0, NULL));
    pt_len = sizeof(pt);
    assert_int_equal(confai_hpke_open(wrong, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL),
                     CONFAI_E_DECRYPT);
    confai_hpke_ctx_free(wrong);
    confai_hpke_key_free(other);
    pair_free(&p);
}

static void mismatched_psk_or_sender_is_rejected(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    pair p;
    pair_setup(&p, suite, CONFAI_HPKE_MODE_AUTH_PSK);
    uint8_t ct[256], pt[256];
    size_t ct_len = seal_message(&p, ct, sizeof(ct)), pt_len;

    uint8_t other_psk[32];
    memset(other_psk, 'z', sizeof(other_psk));
    uint8_t pk_s[32];
    size_t pk_s_len = sizeof(pk_s);
    OK(confai_hpke_key_public(p.sender_key, pk_s, &pk_s_len, NULL));

    confai_hpke_ctx *r = NULL;
    OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
    OK(confai_hpke_ctx_set_psk(r, other_psk, sizeof(other_psk), psk_id, sizeof(psk_id) - 1, NULL));
    OK(confai_hpke_ctx_set_sender_public(r, pk_s, pk_s_len, NULL));
    OK(confai_hpke_recipient_setup(r, p.recipient_key, p.enc, p.enc_len, info, sizeof(info), NULL));
    pt_len = sizeof(pt);
    assert_int_equal(confai_hpke_open(r, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL),
                     CONFAI_E_DECRYPT);
    confai_hpke_ctx_free(r);

    /* right PSK, but another sender's public key */
    confai_hpke_key *impostor = NULL;
    OK(confai_hpke_key_generate(&impostor, suite.kem_id, NULL));
    pk_s_len = sizeof(pk_s);
    OK(confai_hpke_key_public(impostor, pk_s, &pk_s_len, NULL));
    OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
    OK(confai_hpke_ctx_set_psk(r, psk, sizeof(psk), psk_id, sizeof(psk_id) - 1, NULL));
    OK(confai_hpke_ctx_set_sender_public(r, pk_s, pk_s_len, NULL));
    OK(confai_hpke_recipient_setup(r, p.recipient_key, p.enc, p.enc_len, info, sizeof(info), NULL));
    pt_len = sizeof(pt);
    assert_int_equal(confai_hpke_open(r, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL),
                     CONFAI_E_DECRYPT);
    confai_hpke_ctx_free(r);
    confai_hpke_key_free(impostor);
    pair_free(&p);
}

static void unknown_suite_ids_are_unsupported(void **state)
{
    (void)state;
    const confai_hpke_suite bad[] = {
        { 0x0099, CONFAI_HPKE_KDF_HKDF_SHA256, CONFAI_HPKE_AEAD_AES_128_GCM },
        { CONFAI_HPKE_KEM_X25519_SHA256, 0x0099, CONFAI_HPKE_AEAD_AES_128_GCM },
        { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256, 0x0099 },
        { 0, 0, 0 },
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        confai_hpke_ctx *ctx = (confai_hpke_ctx *)&ctx; /* must be reset to NULL */
        confai_error err;
        assert_int_equal(confai_hpke_suite_check(&bad[i], &err), CONFAI_E_UNSUPPORTED);
        if (i < 3)
            assert_non_null(strstr(err.message, "0x0099"));
        assert_int_equal(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_SENDER, &bad[i], NULL),
                         CONFAI_E_UNSUPPORTED);
        assert_null(ctx);
        assert_int_equal(confai_hpke_suite_sizes(&bad[i], NULL, NULL, NULL, NULL, NULL),
                         CONFAI_E_UNSUPPORTED);
    }
    confai_hpke_key *key = NULL;
    assert_int_equal(confai_hpke_key_generate(&key, 0x0099, NULL), CONFAI_E_UNSUPPORTED);
    assert_null(key);
}

static void suite_sizes_are_reported(void **state)
{
    (void)state;
    confai_hpke_suite suite = { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256,
                                CONFAI_HPKE_AEAD_EXPORT_ONLY };
    size_t enc, pk, sk, tag;
    OK(confai_hpke_suite_sizes(&suite, &enc, &pk, &sk, &tag, NULL));
    assert_int_equal(enc, 65);
    assert_int_equal(pk, 65);
    assert_int_equal(sk, 32);
    assert_int_equal(tag, 0);
    suite = confai_hpke_suite_default();
    OK(confai_hpke_suite_sizes(&suite, &enc, NULL, NULL, &tag, NULL));
    assert_int_equal(enc, 32);
    assert_int_equal(tag, 16);
}

static void bad_key_and_enc_lengths_are_rejected(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    confai_hpke_key *key = NULL;
    confai_hpke_ctx *s = NULL, *r = NULL;
    OK(confai_hpke_key_generate(&key, suite.kem_id, NULL));
    OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &suite, NULL));
    OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
    uint8_t pk[33] = { 9 }, enc[64];
    size_t enc_len = sizeof(enc);
    assert_int_equal(confai_hpke_sender_setup(s, enc, &enc_len, pk, 31, NULL, 0, NULL),
                     CONFAI_E_BAD_KEY);
    assert_int_equal(confai_hpke_sender_setup(s, enc, &enc_len, pk, 33, NULL, 0, NULL),
                     CONFAI_E_BAD_KEY);
    assert_int_equal(confai_hpke_recipient_setup(r, key, enc, 31, NULL, 0, NULL),
                     CONFAI_E_BAD_ENCAPSULATION);
    assert_int_equal(confai_hpke_recipient_setup(r, key, enc, 0, NULL, 0, NULL),
                     CONFAI_E_BAD_ENCAPSULATION);
    /* enc buffer too small: the size needed is reported */
    enc_len = 8;
    uint8_t good_pk[32];
    size_t good_pk_len = sizeof(good_pk);
    OK(confai_hpke_key_public(key, good_pk, &good_pk_len, NULL));
    assert_int_equal(confai_hpke_sender_setup(s, enc, &enc_len, good_pk, good_pk_len, NULL, 0, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(enc_len, 32);
    /* public key buffer too small */
    size_t small = 4;
    assert_int_equal(confai_hpke_key_public(key, good_pk, &small, NULL), CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(small, 32);
    confai_hpke_ctx_free(s);
    confai_hpke_ctx_free(r);
    confai_hpke_key_free(key);
}

static void invalid_points_are_rejected(void **state)
{
    (void)state;
    /* X25519: the zero point gives an all-zero shared secret (RFC 9180 7.1.4) */
    confai_hpke_suite x = confai_hpke_suite_default();
    uint8_t zero[32] = { 0 }, enc[133];
    size_t enc_len = sizeof(enc);
    confai_hpke_ctx *s = NULL, *r = NULL;
    confai_hpke_key *key = NULL;
    OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &x, NULL));
    assert_int_equal(confai_hpke_sender_setup(s, enc, &enc_len, zero, 32, NULL, 0, NULL),
                     CONFAI_E_BAD_KEY);
    OK(confai_hpke_key_generate(&key, x.kem_id, NULL));
    OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &x, NULL));
    assert_int_equal(confai_hpke_recipient_setup(r, key, zero, 32, NULL, 0, NULL),
                     CONFAI_E_BAD_ENCAPSULATION);
    confai_hpke_ctx_free(s);
    confai_hpke_ctx_free(r);
    confai_hpke_key_free(key);

    /* P-256: a point that is not on the curve, and a compressed encoding */
    confai_hpke_suite p = { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256,
                            CONFAI_HPKE_AEAD_AES_128_GCM };
    uint8_t bad_point[65];
    memset(bad_point, 0x11, sizeof(bad_point));
    bad_point[0] = 0x04;
    OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &p, NULL));
    enc_len = sizeof(enc);
    assert_int_equal(confai_hpke_sender_setup(s, enc, &enc_len, bad_point, 65, NULL, 0, NULL),
                     CONFAI_E_BAD_KEY);
    OK(confai_hpke_key_generate(&key, p.kem_id, NULL));
    OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &p, NULL));
    assert_int_equal(confai_hpke_recipient_setup(r, key, bad_point, 65, NULL, 0, NULL),
                     CONFAI_E_BAD_ENCAPSULATION);
    bad_point[0] = 0x02;
    confai_hpke_ctx_free(r);
    OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &p, NULL));
    assert_int_equal(confai_hpke_recipient_setup(r, key, bad_point, 65, NULL, 0, NULL),
                     CONFAI_E_BAD_ENCAPSULATION);
    confai_hpke_ctx_free(s);
    confai_hpke_ctx_free(r);
    confai_hpke_key_free(key);
}

static void hybrid_point_encodings_are_rejected(void **state)
{
    (void)state;
    /* OpenSSL alone would accept 0x06/0x07 (hybrid) encodings; RFC 9180
     * uses uncompressed points only, and both backends must agree. */
    confai_hpke_suite suite = { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256,
                                CONFAI_HPKE_AEAD_AES_128_GCM };
    confai_hpke_key *key = NULL;
    OK(confai_hpke_key_generate(&key, suite.kem_id, NULL));
    uint8_t pk[65], enc[65];
    size_t pk_len = sizeof(pk);
    OK(confai_hpke_key_public(key, pk, &pk_len, NULL));
    for (uint8_t prefix = 0x06; prefix <= 0x07; prefix++) {
        uint8_t hybrid[65];
        memcpy(hybrid, pk, sizeof(hybrid));
        hybrid[0] = prefix;
        confai_hpke_ctx *s = NULL, *r = NULL;
        size_t enc_len = sizeof(enc);
        OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &suite, NULL));
        OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
        assert_int_equal(confai_hpke_sender_setup(s, enc, &enc_len, hybrid, 65, NULL, 0, NULL),
                         CONFAI_E_BAD_KEY);
        assert_int_equal(confai_hpke_ctx_set_sender_public(r, hybrid, 65, NULL), CONFAI_E_BAD_KEY);
        assert_int_equal(confai_hpke_recipient_setup(r, key, hybrid, 65, NULL, 0, NULL),
                         CONFAI_E_BAD_ENCAPSULATION);
        confai_hpke_ctx_free(s);
        confai_hpke_ctx_free(r);
    }
    confai_hpke_key_free(key);
}

static void empty_messages_interleave_with_others(void **state)
{
    (void)state;
    /* OSSL_HPKE refuses empty messages; the openssl backend then hands the
     * context to the own code at the same sequence number. Every order of
     * empty and non-empty messages must still line up. */
    const size_t lengths[] = { 0, 5, 0, 0, 17, 0, 3 };
    for (uint8_t mode = 0; mode <= 3; mode++) {
        confai_hpke_suite suite = { CONFAI_HPKE_KEM_P256_SHA256, CONFAI_HPKE_KDF_HKDF_SHA384,
                                    CONFAI_HPKE_AEAD_CHACHA20_POLY1305 };
        pair p;
        pair_setup(&p, suite, mode);
        uint8_t before[32], after[32];
        OK(confai_hpke_export(p.sender, before, sizeof(before), NULL, 0, NULL));
        for (size_t i = 0; i < COUNT(lengths); i++) {
            uint8_t ct[64], pt[64];
            size_t ct_len = sizeof(ct), pt_len = sizeof(pt);
            OK(confai_hpke_seal(p.sender, ct, &ct_len, aad, i, message, lengths[i], NULL));
            assert_int_equal(ct_len, lengths[i] + CONFAI_HPKE_TAG_SIZE);
            OK(confai_hpke_open(p.recipient, pt, &pt_len, aad, i, ct, ct_len, NULL));
            assert_int_equal(pt_len, lengths[i]);
            assert_memory_equal(pt, message, lengths[i]);
        }
        /* the exporter is unchanged by the hand-over */
        OK(confai_hpke_export(p.recipient, after, sizeof(after), NULL, 0, NULL));
        assert_memory_equal(before, after, sizeof(before));
        pair_free(&p);
    }
}

static void sequence_exhaustion_is_reported(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    pair p;
    pair_setup(&p, suite, CONFAI_HPKE_MODE_BASE);
    uint8_t ct[256], pt[256];
    size_t ct_len = seal_message(&p, ct, sizeof(ct)), pt_len = sizeof(pt);

    /* a sender's counter cannot be moved: that would reuse nonces */
    assert_int_equal(hpke_test_set_seq(p.sender, UINT64_MAX, NULL), CONFAI_E_STATE);
    OK(hpke_test_set_seq(p.recipient, UINT64_MAX - 1, NULL));
    /* the second to last number still works (here: a tag failure, since
     * the message was sealed as number 0) */
    assert_int_equal(confai_hpke_open(p.recipient, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL),
                     CONFAI_E_DECRYPT);
    OK(hpke_test_set_seq(p.recipient, UINT64_MAX, NULL));
    pt_len = sizeof(pt);
    confai_error err;
    assert_int_equal(confai_hpke_open(p.recipient, pt, &pt_len, aad, sizeof(aad), ct, ct_len, &err),
                     CONFAI_E_SEQUENCE_EXHAUSTED);
    assert_int_equal(err.status, CONFAI_E_SEQUENCE_EXHAUSTED);
    /* going back to 0 opens the message again: the counter is the nonce */
    OK(hpke_test_set_seq(p.recipient, 0, NULL));
    pt_len = sizeof(pt);
    OK(confai_hpke_open(p.recipient, pt, &pt_len, aad, sizeof(aad), ct, ct_len, NULL));
    pair_free(&p);
}

static void null_and_empty_arguments_are_rejected(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    confai_hpke_ctx *ctx = NULL;
    confai_error err;
    assert_int_equal(confai_hpke_ctx_new(NULL, CONFAI_HPKE_ROLE_SENDER, &suite, &err),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(err.status, CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_SENDER, NULL, NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_ctx_new(&ctx, (confai_hpke_role)7, &suite, NULL),
                     CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_suite_check(NULL, NULL), CONFAI_E_ARGUMENT);

    uint8_t buf[64];
    size_t len = sizeof(buf);
    assert_int_equal(confai_hpke_seal(NULL, buf, &len, NULL, 0, buf, 1, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_open(NULL, buf, &len, NULL, 0, buf, 17, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_export(NULL, buf, 8, NULL, 0, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_sender_setup(NULL, buf, &len, buf, 32, NULL, 0, NULL),
                     CONFAI_E_ARGUMENT);

    pair p;
    pair_setup(&p, suite, CONFAI_HPKE_MODE_BASE);
    /* NULL data with a non-zero length */
    len = sizeof(buf);
    assert_int_equal(confai_hpke_seal(p.sender, buf, &len, NULL, 0, NULL, 5, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_seal(p.sender, buf, &len, NULL, 3, buf, 5, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_seal(p.sender, buf, NULL, NULL, 0, buf, 5, NULL), CONFAI_E_ARGUMENT);
    /* output too small: needed size reported, nothing sealed (sequence kept) */
    len = 10;
    assert_int_equal(confai_hpke_seal(p.sender, buf, &len, NULL, 0, buf, 5, NULL),
                     CONFAI_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 5 + CONFAI_HPKE_TAG_SIZE);
    /* shorter than a tag */
    len = sizeof(buf);
    assert_int_equal(confai_hpke_open(p.recipient, buf, &len, NULL, 0, buf, 15, NULL),
                     CONFAI_E_TRUNCATED);
    assert_int_equal(confai_hpke_open(p.recipient, buf, &len, NULL, 0, NULL, 0, NULL),
                     CONFAI_E_TRUNCATED);
    /* export: empty output, too long, context too long */
    assert_int_equal(confai_hpke_export(p.sender, buf, 0, NULL, 0, NULL), CONFAI_E_ARGUMENT);
    assert_int_equal(confai_hpke_export(p.sender, NULL, 8, NULL, 0, NULL), CONFAI_E_ARGUMENT);
    uint8_t big[255 * 32 + 1];
    assert_int_equal(confai_hpke_export(p.sender, big, sizeof(big), NULL, 0, NULL), CONFAI_E_ARGUMENT);
    OK(confai_hpke_export(p.sender, big, sizeof(big) - 1, NULL, 0, NULL));
    assert_int_equal(confai_hpke_export(p.sender, buf, 8, big, CONFAI_HPKE_MAX_PARAM_SIZE + 1, NULL),
                     CONFAI_E_ARGUMENT);
    pair_free(&p);

    /* _free(NULL) is a no-op everywhere */
    confai_hpke_ctx_free(NULL);
    confai_hpke_key_free(NULL);
}

static void calls_out_of_order_are_state_errors(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    confai_hpke_ctx *s = NULL, *r = NULL;
    OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &suite, NULL));
    OK(confai_hpke_ctx_new(&r, CONFAI_HPKE_ROLE_RECIPIENT, &suite, NULL));
    uint8_t buf[64], pk[32];
    size_t len = sizeof(buf), pk_len = sizeof(pk);
    /* seal/open/export before setup */
    assert_int_equal(confai_hpke_seal(s, buf, &len, NULL, 0, buf, 1, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_hpke_open(r, buf, &len, NULL, 0, buf, 17, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_hpke_export(s, buf, 8, NULL, 0, NULL), CONFAI_E_STATE);
    /* role mix-ups */
    confai_hpke_key *key = NULL;
    OK(confai_hpke_key_generate(&key, suite.kem_id, NULL));
    OK(confai_hpke_key_public(key, pk, &pk_len, NULL));
    assert_int_equal(confai_hpke_recipient_setup(s, key, pk, 32, NULL, 0, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_hpke_sender_setup(r, buf, &len, pk, 32, NULL, 0, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_hpke_ctx_set_sender_key(r, key, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_hpke_ctx_set_sender_public(s, pk, 32, NULL), CONFAI_E_STATE);
    /* setup twice, and mode inputs after setup */
    len = sizeof(buf);
    OK(confai_hpke_sender_setup(s, buf, &len, pk, 32, NULL, 0, NULL));
    len = sizeof(buf);
    assert_int_equal(confai_hpke_sender_setup(s, buf, &len, pk, 32, NULL, 0, NULL), CONFAI_E_STATE);
    assert_int_equal(confai_hpke_ctx_set_psk(s, psk, sizeof(psk), psk_id, 3, NULL), CONFAI_E_STATE);
    assert_int_equal(hpke_test_set_ikm_e(s, psk, sizeof(psk), NULL), CONFAI_E_STATE);
    /* a sender cannot open */
    len = sizeof(buf);
    assert_int_equal(confai_hpke_open(s, buf, &len, NULL, 0, buf, 20, NULL), CONFAI_E_STATE);
    confai_hpke_ctx_free(s);
    confai_hpke_ctx_free(r);
    confai_hpke_key_free(key);
}

static void export_only_suite_cannot_seal(void **state)
{
    (void)state;
    confai_hpke_suite suite = { CONFAI_HPKE_KEM_X25519_SHA256, CONFAI_HPKE_KDF_HKDF_SHA256,
                                CONFAI_HPKE_AEAD_EXPORT_ONLY };
    pair p;
    pair_setup(&p, suite, CONFAI_HPKE_MODE_BASE);
    uint8_t buf[64];
    size_t len = sizeof(buf);
    assert_int_equal(confai_hpke_seal(p.sender, buf, &len, NULL, 0, buf, 4, NULL), CONFAI_E_EXPORT_ONLY);
    assert_int_equal(confai_hpke_open(p.recipient, buf, &len, NULL, 0, buf, 20, NULL),
                     CONFAI_E_EXPORT_ONLY);
    exports_agree(&p);
    pair_free(&p);
}

static void bad_psk_inputs_are_rejected(void **state)
{
    (void)state;
    confai_hpke_suite suite = confai_hpke_suite_default();
    confai_hpke_ctx *s = NULL;
    OK(confai_hpke_ctx_new(&s, CONFAI_HPKE_ROLE_SENDER, &suite, NULL));
    uint8_t long_psk[CONFAI_HPKE_MAX_PARAM_SIZE + 1];
    memset(long_psk, 1, sizeof(long_psk));
    const uint8_t id_with_zero[] = { 'a', 0, 'b' };
    assert_int_equal(confai_hpke_ctx_set_psk(s, psk, 31, psk_id, 3, NULL), CONFAI_E_BAD_PSK);
    assert_int_equal(confai_hpke_ctx_set_psk(s, long_psk, sizeof(long_psk), psk_id, 3, NULL),
                     CONFAI_E_BAD_PSK);
    assert_int_equal(confai_hpke_ctx_set_psk(s, psk, sizeof(psk), NULL, 0, NULL), CONFAI_E_BAD_PSK);
    assert_int_equal(confai_hpke_ctx_set_psk(s, psk, sizeof(psk), psk_id, 0, NULL), CONFAI_E_BAD_PSK);
    assert_int_equal(confai_hpke_ctx_set_psk(s, NULL, 0, psk_id, 3, NULL), CONFAI_E_BAD_PSK);
    assert_int_equal(confai_hpke_ctx_set_psk(s, psk, sizeof(psk), id_with_zero, 3, NULL),
                     CONFAI_E_BAD_PSK);
    assert_int_equal(confai_hpke_ctx_set_psk(s, psk, sizeof(psk), long_psk, sizeof(long_psk), NULL),
                     CONFAI_E_BAD_PSK);
    assert_int_equal(confai_hpke_ctx_mode(s), CONFAI_HPKE_MODE_BASE);
    /* setting twice replaces */
    OK(confai_hpke_ctx_set_psk(s, psk, sizeof(psk), psk_id, 3, NULL));
    OK(confai_hpke_ctx_set_psk(s, long_psk, 40, psk_id, 2, NULL));
    assert_int_equal(confai_hpke_ctx_mode(s), CONFAI_HPKE_MODE_PSK);
    /* a sender key of another KEM */
    confai_hpke_key *p256 = NULL;
    OK(confai_hpke_key_generate(&p256, CONFAI_HPKE_KEM_P256_SHA256, NULL));
    assert_int_equal(confai_hpke_ctx_set_sender_key(s, p256, NULL), CONFAI_E_ARGUMENT);
    confai_hpke_key_free(p256);
    confai_hpke_ctx_free(s);
}

static void keys_import_export_and_derive(void **state)
{
    (void)state;
    for (size_t k = 0; k < COUNT(kems); k++) {
        confai_hpke_key *a = NULL, *b = NULL;
        uint8_t sk[CONFAI_HPKE_MAX_PRIVATE_KEY_SIZE], pk_a[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE],
            pk_b[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
        size_t sk_len = sizeof(sk), pk_a_len = sizeof(pk_a), pk_b_len = sizeof(pk_b);
        OK(confai_hpke_key_generate(&a, kems[k], NULL));
        assert_int_equal(confai_hpke_key_kem(a), kems[k]);
        OK(confai_hpke_key_private(a, sk, &sk_len, NULL));
        OK(confai_hpke_key_import(&b, kems[k], sk, sk_len, NULL));
        OK(confai_hpke_key_public(a, pk_a, &pk_a_len, NULL));
        OK(confai_hpke_key_public(b, pk_b, &pk_b_len, NULL));
        assert_int_equal(pk_a_len, pk_b_len);
        assert_memory_equal(pk_a, pk_b, pk_a_len);
        confai_hpke_key_free(b);
        b = NULL;
        /* wrong private key lengths */
        assert_int_equal(confai_hpke_key_import(&b, kems[k], sk, sk_len - 1, NULL), CONFAI_E_BAD_KEY);
        assert_null(b);
        confai_hpke_key_free(a);

        /* derivation is deterministic and needs enough ikm */
        uint8_t ikm[CONFAI_HPKE_MAX_PARAM_SIZE];
        memset(ikm, 0x42, sizeof(ikm));
        OK(confai_hpke_key_derive(&a, kems[k], ikm, sizeof(ikm), NULL));
        OK(confai_hpke_key_derive(&b, kems[k], ikm, sizeof(ikm), NULL));
        pk_a_len = pk_b_len = sizeof(pk_a);
        OK(confai_hpke_key_public(a, pk_a, &pk_a_len, NULL));
        OK(confai_hpke_key_public(b, pk_b, &pk_b_len, NULL));
        assert_memory_equal(pk_a, pk_b, pk_a_len);
        confai_hpke_key_free(a);
        confai_hpke_key_free(b);
        a = NULL;
        assert_int_equal(confai_hpke_key_derive(&a, kems[k], ikm, 16, NULL), CONFAI_E_ARGUMENT);
        assert_int_equal(confai_hpke_key_derive(&a, kems[k], ikm, sizeof(ikm) + 1, NULL),
                         CONFAI_E_ARGUMENT);
        assert_int_equal(confai_hpke_key_derive(&a, kems[k], NULL, 32, NULL), CONFAI_E_ARGUMENT);
        assert_null(a);
    }
}

static void x_curve_private_keys_serialize_clamped(void **state)
{
    (void)state;
    /* RFC 9180 section 7.1.2: SerializePrivateKey clamps X25519/X448 keys */
    uint8_t raw[56], out[56];
    memset(raw, 0xFF, sizeof(raw));
    confai_hpke_key *key = NULL;
    size_t out_len = sizeof(out);
    OK(confai_hpke_key_import(&key, CONFAI_HPKE_KEM_X25519_SHA256, raw, 32, NULL));
    OK(confai_hpke_key_private(key, out, &out_len, NULL));
    assert_int_equal(out_len, 32);
    assert_int_equal(out[0], 0xF8);
    assert_int_equal(out[31], 0x7F);
    confai_hpke_key_free(key);
    key = NULL;
    out_len = sizeof(out);
    memset(raw, 0x00, sizeof(raw));
    raw[1] = 0x11;
    OK(confai_hpke_key_import(&key, CONFAI_HPKE_KEM_X448_SHA512, raw, 56, NULL));
    OK(confai_hpke_key_private(key, out, &out_len, NULL));
    assert_int_equal(out_len, 56);
    assert_int_equal(out[55], 0x80);
    assert_int_equal(out[1], 0x11);
    confai_hpke_key_free(key);
}

static void nist_scalars_out_of_range_are_rejected(void **state)
{
    (void)state;
    confai_hpke_key *key = NULL;
    uint8_t zero[32] = { 0 }, ones[32];
    memset(ones, 0xFF, sizeof(ones)); /* larger than the P-256 group order */
    assert_int_equal(confai_hpke_key_import(&key, CONFAI_HPKE_KEM_P256_SHA256, zero, 32, NULL),
                     CONFAI_E_BAD_KEY);
    assert_int_equal(confai_hpke_key_import(&key, CONFAI_HPKE_KEM_P256_SHA256, ones, 32, NULL),
                     CONFAI_E_BAD_KEY);
    assert_null(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_every_suite),
        cmocka_unit_test(round_trip_every_mode),
        cmocka_unit_test(single_shot_round_trip),
        cmocka_unit_test(tampered_ciphertext_is_rejected),
        cmocka_unit_test(wrong_aad_or_wrong_key_is_rejected),
        cmocka_unit_test(mismatched_psk_or_sender_is_rejected),
        cmocka_unit_test(unknown_suite_ids_are_unsupported),
        cmocka_unit_test(suite_sizes_are_reported),
        cmocka_unit_test(bad_key_and_enc_lengths_are_rejected),
        cmocka_unit_test(invalid_points_are_rejected),
        cmocka_unit_test(hybrid_point_encodings_are_rejected),
        cmocka_unit_test(empty_messages_interleave_with_others),
        cmocka_unit_test(sequence_exhaustion_is_reported),
        cmocka_unit_test(null_and_empty_arguments_are_rejected),
        cmocka_unit_test(calls_out_of_order_are_state_errors),
        cmocka_unit_test(export_only_suite_cannot_seal),
        cmocka_unit_test(bad_psk_inputs_are_rejected),
        cmocka_unit_test(keys_import_export_and_derive),
        cmocka_unit_test(x_curve_private_keys_serialize_clamped),
        cmocka_unit_test(nist_scalars_out_of_range_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
