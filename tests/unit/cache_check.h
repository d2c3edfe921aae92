/*
 * "A cache never changes a result": the public-path tests verify each
 * bundle once without a cache, then call cache_check_same to verify it again
 * twice with a cache shared by the whole test file (the first call may fill
 * it, the second may hit), expecting the same status, message and verdict.
 */
#ifndef CONFAI_TESTS_CACHE_CHECK_H
#define CONFAI_TESTS_CACHE_CHECK_H

#include <string.h>

#include <confai/confai.h>

static inline char *cache_check_json(const confai_verdict *v)
{
    char *text = NULL;
    assert_int_equal(confai_verdict_json(v, &text, NULL, NULL), CONFAI_OK);
    return text;
}

/* want/want_err/want_verdict: the result without a cache (verdict NULL on failure). */
static inline void cache_check_same(confai_verify_cache *cache, const confai_policy *p,
                                    confai_verify_options o, const uint8_t nonce[32],
                                    const char *json, confai_status want,
                                    const confai_error *want_err,
                                    const confai_verdict *want_verdict)
{
    o.cache = cache;
    for (int round = 0; round < 2; round++) {
        confai_error e = { 0 };
        confai_verdict *w = (confai_verdict *)1;
        confai_status got = confai_attestation_verify(&w, p, &o, nonce, json, strlen(json), &e);
        if (got != want || strcmp(e.message, want_err->message) != 0)
            fail_msg("without cache: %s (%s); with: %s (%s)", confai_status_name(want),
                     want_err->message, confai_status_name(got), e.message);
        if (want != CONFAI_OK) {
            assert_null(w);
            continue;
        }
        char *a = cache_check_json(want_verdict), *b = cache_check_json(w);
        assert_string_equal(a, b);
        confai_free(a);
        confai_free(b);
        confai_verdict_free(w);
    }
}

#endif /* CONFAI_TESTS_CACHE_CHECK_H */
