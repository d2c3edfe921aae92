/*
 * RFC 9180 known-answer tests: every entry of the shared test-vectors.json
 * (appendix A, all modes and suites) through the public HPKE API, with the
 * test hook that fixes the sender's ephemeral key.
 *
 * Per vector: DeriveKeyPair(ikmR/ikmS/ikmE) gives the listed keys; a sender
 * reproduces enc, every ciphertext (sealed in order) and every export; a
 * recipient opens every ciphertext and reproduces every export. Every
 * vector runs; each failing one is reported on stderr (its first mismatch,
 * with the vector's index and suite) and the test then fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "crypto/hpke_test.h"
#include "test_util.h"

#define VECTOR_FILE "hpke/test-vectors.json"
#define VECTOR_COUNT 128 /* entries in RFC 9180's test-vectors.json */

/* Exit status that makes meson report a skipped test. */
#define EXIT_SKIP 77

typedef struct tally {
    size_t run;
    size_t failed;
    size_t encryptions;
    size_t exports;
} tally;

/* A byte string decoded from a hex member of a vector. */
typedef struct bytes {
    uint8_t *data;
    size_t len;
} bytes;

/* What a failure message says about the current vector. */
typedef struct where {
    size_t index;
    int mode;
    confai_hpke_suite suite;
} where;

static void report(const where *w, const char *fmt, ...) CMOCKA_PRINTF_ATTRIBUTE(2, 3);

static void report(const where *w, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL vector %zu (mode %d, kem 0x%04x, kdf 0x%04x, aead 0x%04x): ",
            w->index, w->mode, w->suite.kem_id, w->suite.kdf_id, w->suite.aead_id);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The hex member `name` of obj, decoded; aborts the test if it is malformed. */
static bytes hex_member(const cJSON *obj, const char *name)
{
    const char *hex = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
    if (hex == NULL)
        fail_msg("vector member \"%s\" is missing or not a string", name);
    bytes b = { NULL, 0 };
    b.data = test_hex_decode(hex, &b.len);
    if (b.data == NULL)
        fail_msg("vector member \"%s\" is not valid hex", name);
    return b;
}

static int int_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!cJSON_IsNumber(item))
        fail_msg("vector member \"%s\" is missing or not a number", name);
    return item->valueint;
}

static void bytes_free(bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

static void hex_print(const char *label, const uint8_t *p, size_t len)
{
    fprintf(stderr, "    %s (%zu bytes): ", label, len);
    for (size_t i = 0; i < len; i++)
        fprintf(stderr, "%02x", p[i]);
    fputc('\n', stderr);
}

/* 1 when a call succeeded; otherwise reports it and returns 0. */
static int ok(const where *w, confai_status status, const confai_error *err,
              const char *what)
{
    if (status == CONFAI_OK)
        return 1;
    report(w, "%s: %s (%s)", what, confai_status_name(status), err->message);
    return 0;
}

/* 1 when got equals want; otherwise reports both and returns 0. */
static int same(const where *w, const uint8_t *got, size_t got_len,
                const bytes *want, const char *what)
{
    if (got_len == want->len && memcmp(got, want->data, got_len) == 0)
        return 1;
    report(w, "%s differs", what);
    hex_print("got ", got, got_len);
    hex_print("want", want->data, want->len);
    return 0;
}

/*
 * SerializePrivateKey of a vector's sk. The vectors list X25519/X448 private
 * keys as DeriveKeyPair's raw bytes, but RFC 9180 section 7.1.2 says
 * SerializePrivateKey MUST clamp its output (RFC 7748 decodeScalar), so that
 * is what the library must give.
 */
static void serialized_private_key(uint16_t kem_id, bytes *sk)
{
    if (kem_id == CONFAI_HPKE_KEM_X25519_SHA256 && sk->len == 32) {
        sk->data[0] &= 248;
        sk->data[31] &= 127;
        sk->data[31] |= 64;
    } else if (kem_id == CONFAI_HPKE_KEM_X448_SHA512 && sk->len == 56) {
        sk->data[0] &= 252;
        sk->data[55] |= 128;
    }
}

/* DeriveKeyPair(ikm) must give the vector's serialized pk and sk. */
static int derive_matches(const where *w, confai_hpke_key **key, const cJSON *v,
                          const char *ikm_name, const char *pk_name,
                          const char *sk_name)
{
    confai_error err;
    bytes ikm = hex_member(v, ikm_name), pk = hex_member(v, pk_name),
          sk = hex_member(v, sk_name);
    uint8_t buf[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t len = 0;
    char what[64];
    int good = 0;

    serialized_private_key(w->suite.kem_id, &sk);
    snprintf(what, sizeof(what), "DeriveKeyPair(%s)", ikm_name);
    if (!ok(w, confai_hpke_key_derive(key, w->suite.kem_id, ikm.data, ikm.len, &err),
            &err, what))
        goto out;
    len = sizeof(buf);
    if (!ok(w, confai_hpke_key_public(*key, buf, &len, &err), &err, "key_public")
        || !same(w, buf, len, &pk, pk_name))
        goto out;
    len = sizeof(buf);
    if (!ok(w, confai_hpke_key_private(*key, buf, &len, &err), &err, "key_private")
        || !same(w, buf, len, &sk, sk_name))
        goto out;
    good = 1;
out:
    bytes_free(&ikm);
    bytes_free(&pk);
    bytes_free(&sk);
    return good;
}

/* Sets the PSK (psk modes) and, for auth modes, the sender's identity. */
static int set_mode_inputs(const where *w, confai_hpke_ctx *ctx, const cJSON *v,
                           const confai_hpke_key *sender_key)
{
    confai_error err;
    int good = 1;
    if (w->mode == CONFAI_HPKE_MODE_PSK || w->mode == CONFAI_HPKE_MODE_AUTH_PSK) {
        bytes psk = hex_member(v, "psk"), psk_id = hex_member(v, "psk_id");
        good = ok(w, confai_hpke_ctx_set_psk(ctx, psk.data, psk.len, psk_id.data,
                                             psk_id.len, &err),
                  &err, "set_psk");
        bytes_free(&psk);
        bytes_free(&psk_id);
    }
    if (good && (w->mode == CONFAI_HPKE_MODE_AUTH || w->mode == CONFAI_HPKE_MODE_AUTH_PSK)) {
        if (sender_key != NULL) {
            good = ok(w, confai_hpke_ctx_set_sender_key(ctx, sender_key, &err), &err,
                      "set_sender_key");
        } else {
            bytes pk_s = hex_member(v, "pkSm");
            good = ok(w, confai_hpke_ctx_set_sender_public(ctx, pk_s.data, pk_s.len, &err),
                      &err, "set_sender_public");
            bytes_free(&pk_s);
        }
    }
    if (good && confai_hpke_ctx_mode(ctx) != w->mode) {
        report(w, "context runs in mode %d", confai_hpke_ctx_mode(ctx));
        good = 0;
    }
    return good;
}

/* Every entry of "exports" from one context. */
static int check_exports(const where *w, confai_hpke_ctx *ctx, const cJSON *v,
                         const char *role, size_t *count)
{
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(v, "exports")) {
        confai_error err;
        bytes context = hex_member(e, "exporter_context");
        bytes want = hex_member(e, "exported_value");
        size_t len = (size_t)int_member(e, "L");
        uint8_t *out = malloc(len);
        char what[64];
        assert_non_null(out);
        snprintf(what, sizeof(what), "%s export %zu", role, i);
        int good = ok(w, confai_hpke_export(ctx, out, len, context.data, context.len, &err),
                      &err, what)
                   && same(w, out, len, &want, what);
        free(out);
        bytes_free(&context);
        bytes_free(&want);
        if (!good)
            return 0;
        (*count)++;
        i++;
    }
    return 1;
}

/* Sender: enc, then every encryption in order, then the exports. */
static int check_sender(const where *w, const cJSON *v, const uint8_t *pk_r,
                        size_t pk_r_len, const confai_hpke_key *sender_key,
                        tally *t)
{
    confai_error err;
    confai_hpke_ctx *ctx = NULL;
    bytes ikm_e = hex_member(v, "ikmE"), info = hex_member(v, "info"),
          enc = hex_member(v, "enc");
    uint8_t enc_out[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len = sizeof(enc_out), i = 0;
    const cJSON *e;
    int good = 0;

    if (!ok(w, confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_SENDER, &w->suite, &err), &err,
            "sender ctx_new")
        || !set_mode_inputs(w, ctx, v, sender_key)
        || !ok(w, hpke_test_set_ikm_e(ctx, ikm_e.data, ikm_e.len, &err), &err,
               "set_ikm_e")
        || !ok(w, confai_hpke_sender_setup(ctx, enc_out, &enc_len, pk_r, pk_r_len,
                                           info.data, info.len, &err),
               &err, "sender_setup")
        || !same(w, enc_out, enc_len, &enc, "enc"))
        goto out;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(v, "encryptions")) {
        bytes aad = hex_member(e, "aad"), pt = hex_member(e, "pt"), ct = hex_member(e, "ct");
        size_t ct_len = pt.len + CONFAI_HPKE_TAG_SIZE;
        uint8_t *ct_out = malloc(ct_len);
        char what[64];
        assert_non_null(ct_out);
        snprintf(what, sizeof(what), "seal %zu", i);
        int sealed = ok(w, confai_hpke_seal(ctx, ct_out, &ct_len, aad.data, aad.len,
                                            pt.data, pt.len, &err),
                        &err, what)
                     && same(w, ct_out, ct_len, &ct, what);
        free(ct_out);
        bytes_free(&aad);
        bytes_free(&pt);
        bytes_free(&ct);
        if (!sealed)
            goto out;
        t->encryptions++;
        i++;
    }
    good = check_exports(w, ctx, v, "sender", &t->exports);
out:
    confai_hpke_ctx_free(ctx);
    bytes_free(&ikm_e);
    bytes_free(&info);
    bytes_free(&enc);
    return good;
}

/* Recipient: decapsulate enc, open every ciphertext in order, exports. */
static int check_recipient(const where *w, const cJSON *v,
                           const confai_hpke_key *key)
{
    confai_error err;
    confai_hpke_ctx *ctx = NULL;
    bytes info = hex_member(v, "info"), enc = hex_member(v, "enc");
    const cJSON *e;
    size_t i = 0;
    int good = 0;

    if (!ok(w, confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, &w->suite, &err),
            &err, "recipient ctx_new")
        || !set_mode_inputs(w, ctx, v, NULL)
        || !ok(w, confai_hpke_recipient_setup(ctx, key, enc.data, enc.len, info.data,
                                              info.len, &err),
               &err, "recipient_setup"))
        goto out;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(v, "encryptions")) {
        bytes aad = hex_member(e, "aad"), pt = hex_member(e, "pt"), ct = hex_member(e, "ct");
        size_t pt_len = pt.len;
        uint8_t *pt_out = malloc(pt_len + 1);
        char what[64];
        assert_non_null(pt_out);
        snprintf(what, sizeof(what), "open %zu", i);
        int opened = ok(w, confai_hpke_open(ctx, pt_out, &pt_len, aad.data, aad.len,
                                            ct.data, ct.len, &err),
                        &err, what)
                     && same(w, pt_out, pt_len, &pt, what);
        free(pt_out);
        bytes_free(&aad);
        bytes_free(&pt);
        bytes_free(&ct);
        if (!opened)
            goto out;
        i++;
    }
    /* the sender counted the entries; the recipient must match them too */
    size_t exports = 0;
    good = check_exports(w, ctx, v, "recipient", &exports);
out:
    confai_hpke_ctx_free(ctx);
    bytes_free(&info);
    bytes_free(&enc);
    return good;
}

/* One vector end to end; 1 when everything matched. */
static int run_vector(const where *w, const cJSON *v, tally *t)
{
    confai_hpke_key *recipient = NULL, *sender = NULL, *ephemeral = NULL;
    int auth = w->mode == CONFAI_HPKE_MODE_AUTH || w->mode == CONFAI_HPKE_MODE_AUTH_PSK;
    bytes pk_r = hex_member(v, "pkRm");
    int good = 0;

    if (!derive_matches(w, &recipient, v, "ikmR", "pkRm", "skRm")
        || !derive_matches(w, &ephemeral, v, "ikmE", "pkEm", "skEm")
        || (auth && !derive_matches(w, &sender, v, "ikmS", "pkSm", "skSm")))
        goto out;
    if (!check_sender(w, v, pk_r.data, pk_r.len, sender, t)
        || !check_recipient(w, v, recipient))
        goto out;
    good = 1;
out:
    confai_hpke_key_free(recipient);
    confai_hpke_key_free(sender);
    confai_hpke_key_free(ephemeral);
    bytes_free(&pk_r);
    return good;
}

static where where_of(const cJSON *v, size_t index)
{
    where w;
    w.index = index;
    w.mode = int_member(v, "mode");
    w.suite.kem_id = (uint16_t)int_member(v, "kem_id");
    w.suite.kdf_id = (uint16_t)int_member(v, "kdf_id");
    w.suite.aead_id = (uint16_t)int_member(v, "aead_id");
    return w;
}

static void every_rfc9180_vector_matches(void **state)
{
    const cJSON *vectors = *state;
    const cJSON *v;
    tally t = { 0, 0, 0, 0 };
    size_t index = 0, unsupported = 0;

    cJSON_ArrayForEach(v, vectors) {
        where w = where_of(v, index++);
        if (confai_hpke_suite_check(&w.suite, NULL) != CONFAI_OK) {
            unsupported++;
            continue;
        }
        t.run++;
        if (!run_vector(&w, v, &t))
            t.failed++;
    }
    printf("HPKE vectors (backend %s): %zu run, %zu failed, %zu encryptions, %zu exports",
           confai_hpke_backend(), t.run, t.failed, t.encryptions, t.exports);
    if (unsupported > 0)
        printf(", %zu with unsupported suites", unsupported);
    printf("\n");
    fflush(stdout);

    assert_int_equal(t.failed, 0);
    /* Both backends support every suite in the file: nothing may be left out. */
    assert_int_equal(index, VECTOR_COUNT);
    assert_int_equal(t.run, VECTOR_COUNT);
    assert_true(t.encryptions > 0 && t.exports > 0);
}

/* Flipping one byte anywhere in a ciphertext (body or tag) fails to open. */
static void tampered_vector_ciphertext_fails(void **state)
{
    const cJSON *vectors = *state;
    const cJSON *v;
    size_t index = 0, tested = 0;

    cJSON_ArrayForEach(v, vectors) {
        where w = where_of(v, index++);
        const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v, "encryptions"), 0);
        /* one base-mode vector per AEAD with messages */
        if (w.mode != CONFAI_HPKE_MODE_BASE || first == NULL
            || w.suite.kem_id != CONFAI_HPKE_KEM_X25519_SHA256
            || w.suite.kdf_id != CONFAI_HPKE_KDF_HKDF_SHA256)
            continue;

        confai_hpke_key *key = NULL;
        confai_hpke_ctx *ctx = NULL;
        confai_error err;
        bytes ikm_r = hex_member(v, "ikmR"), info = hex_member(v, "info"),
              enc = hex_member(v, "enc"), aad = hex_member(first, "aad"),
              pt = hex_member(first, "pt"), ct = hex_member(first, "ct");
        uint8_t *out = malloc(pt.len + 1);
        assert_non_null(out);

        assert_int_equal(confai_hpke_key_derive(&key, w.suite.kem_id, ikm_r.data,
                                                ikm_r.len, NULL),
                         CONFAI_OK);
        assert_int_equal(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, &w.suite, NULL),
                         CONFAI_OK);
        assert_int_equal(confai_hpke_recipient_setup(ctx, key, enc.data, enc.len, info.data,
                                                     info.len, NULL),
                         CONFAI_OK);
        /* first byte, a middle byte, the last body byte, the last tag byte */
        size_t body = ct.len - CONFAI_HPKE_TAG_SIZE;
        size_t positions[] = { 0, body / 2, body - 1, ct.len - 1 };
        for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
            size_t out_len = pt.len;
            memset(out, 0xAA, pt.len + 1);
            ct.data[positions[i]] ^= 0x80;
            assert_int_equal(confai_hpke_open(ctx, out, &out_len, aad.data, aad.len,
                                              ct.data, ct.len, &err),
                             CONFAI_E_DECRYPT);
            assert_int_equal(err.status, CONFAI_E_DECRYPT);
            /* no unauthenticated plaintext: untouched or wiped */
            for (size_t j = 0; j < pt.len + 1; j++)
                assert_true(out[j] == 0xAA || out[j] == 0x00);
            ct.data[positions[i]] ^= 0x80;
        }
        /* failures did not use up sequence number 0: the intact ct opens */
        size_t out_len = pt.len;
        assert_int_equal(confai_hpke_open(ctx, out, &out_len, aad.data, aad.len, ct.data,
                                          ct.len, &err),
                         CONFAI_OK);
        assert_int_equal(out_len, pt.len);
        assert_memory_equal(out, pt.data, pt.len);

        confai_hpke_ctx_free(ctx);
        confai_hpke_key_free(key);
        free(out);
        bytes_free(&ikm_r);
        bytes_free(&info);
        bytes_free(&enc);
        bytes_free(&aad);
        bytes_free(&pt);
        bytes_free(&ct);
        tested++;
    }
    /* AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 */
    assert_int_equal(tested, 3);
}

int main(void)
{
    const char *dir = test_vectors_or_skip("HPKE RFC 9180 vectors");
    if (dir == NULL)
        return EXIT_SKIP;
    size_t len = 0;
    uint8_t *text = test_read_file(dir, VECTOR_FILE, &len);
    if (text == NULL) {
        fprintf(stderr, "FAIL: cannot read %s/%s\n", dir, VECTOR_FILE);
        return 1;
    }
    cJSON *vectors = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    if (!cJSON_IsArray(vectors)) {
        fprintf(stderr, "FAIL: %s/%s is not a JSON array\n", dir, VECTOR_FILE);
        cJSON_Delete(vectors);
        return 1;
    }

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(every_rfc9180_vector_matches, vectors),
        cmocka_unit_test_prestate(tampered_vector_ciphertext_fails, vectors),
    };
    int failed = cmocka_run_group_tests_name("hpke_vectors", tests, NULL, NULL);
    cJSON_Delete(vectors);
    return failed;
}
