/*
 * Fuzz target: HPKE recipient setup and open on arbitrary bytes.
 *
 * Input (missing bytes read as zero; a field is cut short at the end):
 *   u8   suite selector (fuzz_suites in fuzz_hpke.h)
 *   u8   flags: bit 0 gives open a plaintext buffer one byte too small
 *   u8   enc length: 0 for the suite's Nenc, else this value minus one
 *   u8   info length
 *   u8   aad length (the same aad for every message)
 *   enc, info, aad
 *   up to 4 times: u16 ciphertext length (big-endian), ciphertext
 *
 * The recipient key is the fixed key of the suite's KEM (fuzz_hpke.h), so the
 * seeds, sealed to that key, also reach the success path. Checked beyond "no
 * crash, no out-of-bounds access": a failed open leaves no plaintext in the
 * buffer (fuzz_check_no_plaintext); a successful open writes exactly the
 * ciphertext length minus the tag; confai_hpke_open_once agrees with
 * setup + open on the first message.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_hpke.h"

#define MAX_MESSAGES 4

/* Opens with a plaintext buffer of exactly cap bytes and checks the output
 * rules. On success *pt (release with free) holds the plaintext. */
static confai_status open_checked(confai_hpke_ctx *ctx, uint8_t **pt,
                                  size_t *pt_len, size_t cap,
                                  const uint8_t *aad, size_t aad_len,
                                  const uint8_t *ct, size_t ct_len,
                                  size_t tag_size)
{
    uint8_t *out = fuzz_alloc(cap);
    memset(out, FUZZ_SENTINEL, cap);
    size_t out_len = cap;
    confai_status st =
        confai_hpke_open(ctx, out, &out_len, aad, aad_len, ct, ct_len, NULL);

    if (st == CONFAI_OK) {
        FUZZ_CHECK(tag_size > 0); /* export-only never opens */
        FUZZ_CHECK(ct_len >= tag_size);
        FUZZ_CHECK(out_len == ct_len - tag_size);
        FUZZ_CHECK(out_len <= cap);
        *pt = out;
        *pt_len = out_len;
    } else {
        fuzz_check_no_plaintext(out, cap);
        free(out);
        *pt = NULL;
        *pt_len = 0;
    }
    return st;
}

/* confai_hpke_open_once on the same message must agree with the context. */
static void check_open_once(const confai_hpke_suite *suite,
                            const confai_hpke_key *key, const uint8_t *enc,
                            size_t enc_len, const uint8_t *info,
                            size_t info_len, const uint8_t *aad,
                            size_t aad_len, const uint8_t *ct, size_t ct_len,
                            confai_status ctx_status, const uint8_t *ctx_pt,
                            size_t ctx_pt_len)
{
    uint8_t *pt = fuzz_alloc(ct_len);
    memset(pt, FUZZ_SENTINEL, ct_len);
    size_t pt_len = ct_len;
    confai_status st = confai_hpke_open_once(suite, pt, &pt_len, key, enc,
                                             enc_len, info, info_len, aad,
                                             aad_len, ct, ct_len, NULL);

    FUZZ_CHECK((st == CONFAI_OK) == (ctx_status == CONFAI_OK));
    if (st == CONFAI_OK) {
        FUZZ_CHECK(pt_len == ctx_pt_len);
        FUZZ_CHECK(pt_len == 0 || memcmp(pt, ctx_pt, pt_len) == 0);
    } else {
        fuzz_check_no_plaintext(pt, ct_len);
    }
    free(pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = { data, size };
    const confai_hpke_suite *suite = fuzz_suite(fuzz_u8(&r));
    uint8_t flags = fuzz_u8(&r);
    uint8_t enc_selector = fuzz_u8(&r);
    size_t info_want = fuzz_u8(&r);
    size_t aad_want = fuzz_u8(&r);

    size_t enc_size, tag_size;
    if (!fuzz_suite_sizes(suite, &enc_size, NULL, &tag_size))
        return 0; /* not in this build */
    const confai_hpke_key *key = fuzz_fixed_key(suite->kem_id,
                                                FUZZ_KEY_RECIPIENT);
    FUZZ_CHECK(key != NULL);

    size_t enc_len, info_len, aad_len;
    uint8_t *enc = fuzz_take(
        &r, enc_selector == 0 ? enc_size : (size_t)enc_selector - 1, &enc_len);
    uint8_t *info = fuzz_take(&r, info_want, &info_len);
    uint8_t *aad = fuzz_take(&r, aad_want, &aad_len);

    confai_hpke_ctx *ctx = NULL;
    FUZZ_CHECK(confai_hpke_ctx_new(&ctx, CONFAI_HPKE_ROLE_RECIPIENT, suite,
                                   NULL) == CONFAI_OK);
    /* A failed setup leaves a context on which open must fail cleanly. */
    confai_status setup = confai_hpke_recipient_setup(ctx, key, enc, enc_len,
                                                      info, info_len, NULL);
    if (enc_len != enc_size)
        FUZZ_CHECK(setup != CONFAI_OK);

    int small_buffer = flags & 1;
    for (int i = 0; i < MAX_MESSAGES && r.left > 0; i++) {
        size_t ct_len;
        uint8_t *ct = fuzz_take(&r, fuzz_u16(&r), &ct_len);
        size_t cap = ct_len;
        if (small_buffer)
            cap = ct_len > tag_size ? ct_len - tag_size - 1 : 0;

        uint8_t *pt;
        size_t pt_len;
        confai_status st = open_checked(ctx, &pt, &pt_len, cap, aad, aad_len,
                                        ct, ct_len, tag_size);
        if (setup != CONFAI_OK)
            FUZZ_CHECK(st != CONFAI_OK);
        if (i == 0 && !small_buffer)
            check_open_once(suite, key, enc, enc_len, info, info_len, aad,
                            aad_len, ct, ct_len, st, pt, pt_len);
        free(pt);
        free(ct);
    }

    confai_hpke_ctx_free(ctx);
    free(enc);
    free(info);
    free(aad);
    return 0;
}
