/*
 * Writes the seed corpus of the OHTTP fuzz targets (key_config,
 * ohttp_stream, ohttp_roundtrip). Run once by hand when a target's input
 * layout changes, then commit the files:
 *
 *   build/tests/fuzz/fuzz_make_corpus_ohttp tests/fuzz/corpus
 *
 * ohttp_stream seeds are real streams for the fixed configuration and the
 * fixed-ephemeral client of fuzz_ohttp.h, so the fuzzer starts from the
 * success path; a few variants start it on the failure paths. Request
 * streams use random ephemeral keys, so every run writes different bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_ohttp.h"

typedef struct seed {
    uint8_t bytes[4096];
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

static void put_hex(seed *s, const char *hex)
{
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        FUZZ_CHECK(sscanf(hex, "%2x", &v) == 1);
        put_u8(s, v);
    }
}

static void write_seed(const char *dir, const char *target, const char *name, const seed *s)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(s->bytes, 1, s->len, f) != s->len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s (does the folder exist?)\n", path);
        exit(1);
    }
}

/* --- key_config ------------------------------------------------------------ */

static const char rfc9458_config[] =
    "01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003";
static const char chunked_config[] =
    "010020668eb21aace159803974a4c67f08b4152d29bed10735fd08f98ccdd6fe09570800080001000100010003";

static void key_config_seeds(const char *dir)
{
    seed s = { .len = 0 };
    put_hex(&s, rfc9458_config);
    write_seed(dir, "key_config", "rfc9458-appendix-a", &s);

    s.len = 0;
    put_hex(&s, "002e");
    put_hex(&s, rfc9458_config);
    put_hex(&s, "002e");
    put_hex(&s, chunked_config);
    write_seed(dir, "key_config", "list-of-two", &s);

    /* a list whose first entry has an unknown KEM, then a P-256 gateway */
    const confai_key_config *p256 = fuzz_ohttp_gateway_config(3);
    uint8_t cfg[256];
    size_t len = sizeof(cfg);
    FUZZ_CHECK(p256 != NULL && confai_key_config_serialize(p256, cfg, &len, NULL) == CONFAI_OK);
    s.len = 0;
    put_hex(&s, "0009" "07" "0999" "1122" "0004" "00010001");
    put_u8(&s, (unsigned)(len >> 8));
    put_u8(&s, (unsigned)len);
    put(&s, cfg, len);
    write_seed(dir, "key_config", "list-unknown-kem-then-p256", &s);

    s.len = 0;
    put_hex(&s, rfc9458_config);
    s.bytes[3 + 32 + 1] = 6; /* an algorithm list of 6 bytes */
    write_seed(dir, "key_config", "odd-algorithm-list", &s);
}

/* --- ohttp_stream ---------------------------------------------------------- */

static void ignore(void *user, const uint8_t *pt, size_t len, int is_final)
{
    (void)user;
    (void)pt;
    (void)len;
    (void)is_final;
}

static const uint8_t text[] = "data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\n";

typedef confai_status (*seal_fn)(void *h, uint8_t *out, size_t *out_len, const uint8_t *pt,
                                 size_t pt_len, confai_error *err);

static void seal_into(seed *s, void *h, seal_fn chunk, seal_fn final, int chunks,
                      size_t final_len)
{
    uint8_t out[256];
    for (int i = 0; i < chunks; i++) {
        size_t len = sizeof(out);
        FUZZ_CHECK(chunk(h, out, &len, text + i, 7 + (size_t)i * 5, NULL) == CONFAI_OK);
        put(s, out, len);
    }
    size_t len = sizeof(out);
    FUZZ_CHECK(final(h, out, &len, text, final_len, NULL) == CONFAI_OK);
    put(s, out, len);
}

static confai_status c_chunk(void *h, uint8_t *o, size_t *ol, const uint8_t *p, size_t pl,
                             confai_error *e)
{
    return confai_ohttp_client_seal_chunk(h, o, ol, p, pl, e);
}
static confai_status c_final(void *h, uint8_t *o, size_t *ol, const uint8_t *p, size_t pl,
                             confai_error *e)
{
    return confai_ohttp_client_seal_final_chunk(h, o, ol, p, pl, e);
}
static confai_status g_chunk(void *h, uint8_t *o, size_t *ol, const uint8_t *p, size_t pl,
                             confai_error *e)
{
    return confai_ohttp_gateway_seal_chunk(h, o, ol, p, pl, e);
}
static confai_status g_final(void *h, uint8_t *o, size_t *ol, const uint8_t *p, size_t pl,
                             confai_error *e)
{
    return confai_ohttp_gateway_seal_final_chunk(h, o, ol, p, pl, e);
}

static void stream_seeds(const char *dir)
{
    /* request streams: flags 0 (request reader), split seed */
    uint8_t header[CONFAI_OHTTP_MAX_REQUEST_HEADER_SIZE];
    size_t header_len;
    confai_ohttp_client *c = fuzz_ohttp_stream_client(header, &header_len, ignore, NULL);
    seed s = { .len = 0 };
    put_u8(&s, 0);
    put_u8(&s, 0);
    put(&s, header, header_len);
    seal_into(&s, c, c_chunk, c_final, 3, 4);
    write_seed(dir, "ohttp_stream", "request-3-chunks-bytewise", &s);
    s.bytes[1] = 7;
    write_seed(dir, "ohttp_stream", "request-3-chunks-split", &s);
    s.bytes[0] = 2 << 1; /* a 64-byte limit */
    write_seed(dir, "ohttp_stream", "request-3-chunks-limit-64", &s);
    s.bytes[0] = 0;
    s.len -= 3; /* cut into the final chunk */
    write_seed(dir, "ohttp_stream", "request-truncated", &s);

    /* response streams answer the fixed client's request */
    const confai_key_config *configs[] = { fuzz_ohttp_stream_config() };
    confai_ohttp_gateway *g = NULL;
    FUZZ_CHECK(confai_ohttp_gateway_new_chunked(&g, configs, 1, ignore, NULL, NULL)
               == CONFAI_OK);
    FUZZ_CHECK(confai_ohttp_gateway_feed_request(g, header, header_len, NULL) == CONFAI_OK);
    uint8_t nonce[64];
    size_t nonce_len = sizeof(nonce);
    FUZZ_CHECK(confai_ohttp_gateway_begin_response(g, nonce, &nonce_len, NULL) == CONFAI_OK);
    s.len = 0;
    put_u8(&s, 1);
    put_u8(&s, 0);
    put(&s, nonce, nonce_len);
    seal_into(&s, g, g_chunk, g_final, 4, 0);
    write_seed(dir, "ohttp_stream", "response-4-chunks-bytewise", &s);
    s.bytes[1] = 13;
    write_seed(dir, "ohttp_stream", "response-4-chunks-split", &s);
    put_u8(&s, 0x2a);
    write_seed(dir, "ohttp_stream", "response-trailing-byte", &s);
    s.bytes[0] = 1 | 1 << 1; /* a 16-byte limit */
    s.len--;
    write_seed(dir, "ohttp_stream", "response-limit-16", &s);
    confai_ohttp_gateway_free(g);
    confai_ohttp_client_free(c);
}

/* --- ohttp_roundtrip ------------------------------------------------------- */

static void roundtrip_seeds(const char *dir)
{
    static const char *names[] = { "x25519-aes256gcm", "x25519-aes128gcm", "x25519-chacha",
                                   "p256-aes128gcm", "p384-aes256gcm", "x448-chacha" };
    char name[128];
    for (unsigned i = 0; i < FUZZ_OHTTP_SUITE_COUNT; i++) {
        for (unsigned flags = 0; flags < 4; flags++) {
            if (i > 0 && flags > 1)
                continue; /* damage seeds for the first suite only */
            seed s = { .len = 0 };
            put_u8(&s, i);
            put_u8(&s, flags);
            put_u8(&s, 11 + i);
            put_u8(&s, 0);
            put_u8(&s, 40);
            put(&s, text, sizeof(text) - 1);
            snprintf(name, sizeof(name), "%02u-%s-%s%s", i, names[i],
                     flags & 1 ? "chunked" : "plain", flags & 2 ? "-damaged" : "");
            write_seed(dir, "ohttp_roundtrip", name, &s);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR (with key_config/, ohttp_stream/, "
                        "ohttp_roundtrip/ in it)\n", argv[0]);
        return 2;
    }
    key_config_seeds(argv[1]);
    stream_seeds(argv[1]);
    roundtrip_seeds(argv[1]);
    return 0;
}
