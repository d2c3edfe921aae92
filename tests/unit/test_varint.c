/*
 * src/seal/varint.c: QUIC variable-length integers (RFC 9000 section 16),
 * with the sample encodings of RFC 9000 appendix A.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "seal/varint.h"

typedef struct sample {
    uint8_t bytes[8];
    size_t len;
    uint64_t value;
    int minimal;
} sample;

/* RFC 9000 appendix A.1, plus each boundary of the four sizes. */
static const sample samples[] = {
    { { 0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c }, 8, 151288809941952652u, 1 },
    { { 0x9d, 0x7f, 0x3e, 0x7d }, 4, 494878333, 1 },
    { { 0x7b, 0xbd }, 2, 15293, 1 },
    { { 0x25 }, 1, 37, 1 },
    { { 0x40, 0x25 }, 2, 37, 0 }, /* the non-minimal example */
    { { 0x00 }, 1, 0, 1 },
    { { 0x3f }, 1, 63, 1 },
    { { 0x40, 0x40 }, 2, 64, 1 },
    { { 0x7f, 0xff }, 2, 16383, 1 },
    { { 0x80, 0x00, 0x40, 0x00 }, 4, 16384, 1 },
    { { 0xbf, 0xff, 0xff, 0xff }, 4, 1073741823, 1 },
    { { 0xc0, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00 }, 8, 1073741824, 1 },
    { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 8, CONFAI_VARINT_MAX, 1 },
    { { 0xc0, 0, 0, 0, 0, 0, 0, 0 }, 8, 0, 0 },
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void decodes_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(samples); i++) {
        uint64_t v = 0;
        size_t used = 0;
        assert_int_equal(confai_varint_decode(&v, &used, samples[i].bytes, samples[i].len),
                         CONFAI_OK);
        assert_int_equal(used, samples[i].len);
        assert_true(v == samples[i].value);
        assert_int_equal(confai_varint_size_of_first(samples[i].bytes[0]), samples[i].len);
    }
}

static void encodes_samples_minimally(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(samples); i++) {
        if (!samples[i].minimal)
            continue;
        uint8_t out[8];
        assert_int_equal(confai_varint_size(samples[i].value), samples[i].len);
        assert_int_equal(confai_varint_encode(out, sizeof(out), samples[i].value),
                         samples[i].len);
        assert_memory_equal(out, samples[i].bytes, samples[i].len);
    }
}

static void decode_ignores_following_bytes(void **state)
{
    (void)state;
    const uint8_t in[] = { 0x7b, 0xbd, 0xff, 0xff };
    uint64_t v;
    size_t used;
    assert_int_equal(confai_varint_decode(&v, &used, in, sizeof(in)), CONFAI_OK);
    assert_int_equal(used, 2);
    assert_int_equal(v, 15293);
}

static void truncated_at_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(samples); i++)
        for (size_t len = 0; len < samples[i].len; len++) {
            uint64_t v = 12345;
            size_t used = 6789;
            assert_int_equal(confai_varint_decode(&v, &used, samples[i].bytes, len),
                             CONFAI_E_TRUNCATED);
            assert_true(v == 12345 && used == 6789); /* nothing set */
        }
}

static void rejects_too_large_and_small_buffers(void **state)
{
    (void)state;
    uint8_t out[8] = { 0 };
    assert_int_equal(confai_varint_size(CONFAI_VARINT_MAX + 1), 0);
    assert_int_equal(confai_varint_size(UINT64_MAX), 0);
    assert_int_equal(confai_varint_encode(out, sizeof(out), CONFAI_VARINT_MAX + 1), 0);
    /* too small a buffer writes nothing */
    assert_int_equal(confai_varint_encode(out, 3, 16384), 0);
    assert_int_equal(out[0], 0);
    assert_int_equal(confai_varint_encode(out, 0, 0), 0);
    assert_int_equal(confai_varint_encode(out, 4, 16384), 4);
}

static void round_trips_around_boundaries(void **state)
{
    (void)state;
    const uint64_t edges[] = { 0, 63, 64, 16383, 16384, 1073741823, 1073741824,
                               CONFAI_VARINT_MAX };
    for (size_t i = 0; i < COUNT(edges); i++)
        for (int d = -2; d <= 2; d++) {
            uint64_t v = edges[i] + (uint64_t)(int64_t)d;
            if ((d < 0 && v > edges[i]) || v > CONFAI_VARINT_MAX)
                continue;
            uint8_t out[8];
            size_t n = confai_varint_encode(out, sizeof(out), v);
            assert_true(n > 0);
            uint64_t back;
            size_t used;
            assert_int_equal(confai_varint_decode(&back, &used, out, n), CONFAI_OK);
            assert_int_equal(used, n);
            assert_true(back == v);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_samples),
        cmocka_unit_test(encodes_samples_minimally),
        cmocka_unit_test(decode_ignores_following_bytes),
        cmocka_unit_test(truncated_at_every_prefix),
        cmocka_unit_test(rejects_too_large_and_small_buffers),
        cmocka_unit_test(round_trips_around_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
