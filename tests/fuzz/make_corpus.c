/*
 * Writes the seed corpus of the HPKE fuzz targets. Run once by hand when a
 * target's input layout changes, then commit the files:
 *
 *   build/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
 *
 * hpke_open seeds are real messages sealed to the fixed recipient key
 * (fuzz_hpke.h), so the fuzzer starts from the success path; a few variants
 * (wrong enc size, small buffer, damaged tag) start it on the failure paths.
 * Ephemeral keys are random, so every run writes different bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_hpke.h"

typedef struct seed {
    uint8_t bytes[2048];
    size_t len;
} seed;

static void put(seed *s, const void *p, size_t n)
{
    FUZZ_CHECK(s->len + n <= sizeof(s->bytes));
    memcpy(s->bytes + s->len, p, n);
    s->len += n;
}

static void put_u8(seed *s, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(s, &b, 1);
}

static void put_u16(seed *s, size_t v)
{
    put_u8(s, (unsigned)(v >> 8));
    put_u8(s, (unsigned)v);
}

static int write_seed(const char *dir, const char *target, const char *name,
                      const seed *s)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(s->bytes, 1, s->len, f) != s->len) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    printf("%s (%zu bytes)\n", path, s->len);
    return fclose(f) == 0 ? 0 : -1;
}

static const char *kem_name(uint16_t id)
{
    switch (id) {
    case CONFAI_HPKE_KEM_P256_SHA256: return "p256";
    case CONFAI_HPKE_KEM_P384_SHA384: return "p384";
    case CONFAI_HPKE_KEM_P521_SHA512: return "p521";
    case CONFAI_HPKE_KEM_X25519_SHA256: return "x25519";
    case CONFAI_HPKE_KEM_X448_SHA512: return "x448";
    }
    return "kem";
}

static const char *aead_name(uint16_t id)
{
    switch (id) {
    case CONFAI_HPKE_AEAD_AES_128_GCM: return "aes128gcm";
    case CONFAI_HPKE_AEAD_AES_256_GCM: return "aes256gcm";
    case CONFAI_HPKE_AEAD_CHACHA20_POLY1305: return "chacha20poly1305";
    case CONFAI_HPKE_AEAD_EXPORT_ONLY: return "exportonly";
    }
    return "aead";
}

enum variant { VALID, WRONG_ENC_SIZE, SMALL_BUFFER, DAMAGED_TAG };

/* A hpke_open seed: two messages sealed to the fixed recipient key. */
static void open_seed(seed *s, uint8_t index, enum variant v)
{
    const confai_hpke_suite *suite = &fuzz_suites[index];
    static const uint8_t info[] = "seed info";
    static const uint8_t aad[] = "seed aad";
    static const char *messages[] = {
        "hello",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
    };
    size_t enc_size, tag_size;
    FUZZ_CHECK(fuzz_suite_sizes(suite, &enc_size, NULL, &tag_size));
    const confai_hpke_key *key = fuzz_fixed_key(suite->kem_id,
                                                FUZZ_KEY_RECIPIENT);
    FUZZ_CHECK(key != NULL);
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pk_len = sizeof(pk);
    FUZZ_CHECK(confai_hpke_key_public(key, pk, &pk_len, NULL) == CONFAI_OK);

    confai_hpke_ctx *ctx = NULL;
    uint8_t enc[CONFAI_HPKE_MAX_ENC_SIZE];
    size_t enc_len = sizeof(enc);
    FUZZ_CHECK(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_SENDER, suite,
                                   NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_hpke_sender_setup(ctx, enc, &enc_len, pk, pk_len, info,
                                        sizeof(info) - 1, NULL) == CONFAI_OK);

    s->len = 0;
    put_u8(s, index);
    put_u8(s, v == SMALL_BUFFER ? 1 : 0);
    /* WRONG_ENC_SIZE: announce one byte less than Nenc */
    put_u8(s, v == WRONG_ENC_SIZE ? (unsigned)enc_len : 0);
    put_u8(s, sizeof(info) - 1);
    put_u8(s, sizeof(aad) - 1);
    put(s, enc, v == WRONG_ENC_SIZE ? enc_len - 1 : enc_len);
    put(s, info, sizeof(info) - 1);
    put(s, aad, sizeof(aad) - 1);
    for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
        uint8_t ct[256];
        size_t ct_len = sizeof(ct);
        size_t pt_len = strlen(messages[i]);
        if (tag_size == 0) { /* export-only: nothing to seal, random bytes */
            ct_len = pt_len + 16;
            memset(ct, 0x42, ct_len);
        } else {
            FUZZ_CHECK(confai_hpke_seal(ctx, ct, &ct_len, aad,
                                        sizeof(aad) - 1,
                                        (const uint8_t *)messages[i], pt_len,
                                        NULL) == CONFAI_OK);
        }
        if (v == DAMAGED_TAG)
            ct[ct_len - 1] ^= 0x01;
        put_u16(s, ct_len);
        put(s, ct, ct_len);
    }
    confai_hpke_ctx_free(ctx);
}

/* A hpke_roundtrip seed: mode flags, ikm, info and three messages. */
static void roundtrip_seed(seed *s, uint8_t index, uint8_t flags)
{
    size_t sk_size;
    FUZZ_CHECK(fuzz_suite_sizes(&fuzz_suites[index], NULL, &sk_size, NULL));
    static const uint8_t info[] = "roundtrip info";
    s->len = 0;
    put_u8(s, index);
    put_u8(s, flags);
    put_u8(s, sizeof(info) - 1);
    put_u8(s, 32); /* export length */
    for (size_t i = 0; i < sk_size; i++)
        put_u8(s, (unsigned)(index * 17 + i * 5 + 1));
    put(s, info, sizeof(info) - 1);
    static const size_t lengths[][2] = { { 0, 0 }, { 3, 40 }, { 0, 300 } };
    for (size_t m = 0; m < 3; m++) {
        put_u8(s, (unsigned)lengths[m][0]);
        put_u16(s, lengths[m][1]);
        for (size_t i = 0; i < lengths[m][0] + lengths[m][1]; i++)
            put_u8(s, (unsigned)(m * 50 + i));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    static const char *variants[] = { "valid", "short-enc", "small-buffer",
                                      "bad-tag" };
    seed s;
    char name[128];
    int failed = 0;

    for (uint8_t i = 0; i < FUZZ_SUITE_COUNT; i++) {
        const confai_hpke_suite *suite = &fuzz_suites[i];
        if (!fuzz_suite_sizes(suite, NULL, NULL, NULL)) {
            printf("suite %u not supported by this build, skipped\n", i);
            continue;
        }
        /* the variants for the default suite, one valid seed for the rest */
        int n_variants = i == 0 ? 4 : 1;
        for (int v = 0; v < n_variants; v++) {
            open_seed(&s, i, (enum variant)v);
            snprintf(name, sizeof(name), "%02u-%s-%s-%s", i,
                     kem_name(suite->kem_id), aead_name(suite->aead_id),
                     variants[v]);
            failed |= write_seed(dir, "hpke_open", name, &s);
        }
        /* one mode per suite, cycling; every mode and flag for the default */
        for (uint8_t flags = (uint8_t)(i % 4); flags < 8;
             flags = (uint8_t)(flags + (i == 0 ? 1 : 8))) {
            roundtrip_seed(&s, i, flags);
            snprintf(name, sizeof(name), "%02u-%s-%s-mode%u%s", i,
                     kem_name(suite->kem_id), aead_name(suite->aead_id),
                     flags & 3, flags & 4 ? "-corrupt" : "");
            failed |= write_seed(dir, "hpke_roundtrip", name, &s);
        }
    }
    return failed ? 1 : 0;
}
