/*
 * Fuzz target: whatever is sealed must open to the same bytes, in every mode.
 *
 * Input (missing bytes read as zero; a field is cut short at the end):
 *   u8   suite selector (fuzz_suites in fuzz_hpke.h)
 *   u8   flags: bit 0 PSK mode, bit 1 auth mode, bit 2 first open a
 *        corrupted copy of each ciphertext (must fail and change nothing)
 *   u8   info length
 *   u8   export length (0: no export; info is the exporter context, so
 *        an info longer than CONFAI_HPKE_MAX_PARAM_SIZE must be refused)
 *   the recipient's ikm for DeriveKeyPair (the KEM's Nsk bytes), info
 *   up to 8 times: u8 aad length, u16 plaintext length (big-endian), aad,
 *   plaintext
 *
 * Any mismatch or unexpected failure abort()s. In base mode the first message
 * also goes through confai_hpke_seal_once / confai_hpke_open_once.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_hpke.h"

#define MAX_MESSAGES 8

static const uint8_t psk[] = "fixed fuzzing psk, 32 bytes long"; /* +NUL */
static const uint8_t psk_id[] = "fuzz-psk-id";

/* Seals with ciphertext and plaintext buffers of exactly the right size and
 * checks that the message opens to pt; with corrupt, a damaged copy must be
 * rejected first without output and without using up the sequence number. */
static void roundtrip_message(confai_hpke_ctx *sender,
                              confai_hpke_ctx *recipient, size_t tag_size,
                              int corrupt, const uint8_t *aad, size_t aad_len,
                              const uint8_t *pt, size_t pt_len)
{
    size_t ct_len = pt_len + tag_size;
    uint8_t *ct = fuzz_alloc(ct_len);
    confai_status st = confai_hpke_seal(sender, ct, &ct_len, aad, aad_len, pt,
                                        pt_len, NULL);
    if (tag_size == 0) { /* export-only */
        FUZZ_CHECK(st != CONFAI_OK);
        free(ct);
        return;
    }
    FUZZ_CHECK(st == CONFAI_OK);
    FUZZ_CHECK(ct_len == pt_len + tag_size);

    uint8_t *out = fuzz_alloc(pt_len);
    size_t out_len = pt_len;
    if (corrupt) {
        uint8_t *bad = fuzz_alloc(ct_len);
        memcpy(bad, ct, ct_len);
        bad[(pt_len * 7 + aad_len) % ct_len] ^= (uint8_t)(1u << (pt_len % 8));
        memset(out, FUZZ_SENTINEL, pt_len);
        st = confai_hpke_open(recipient, out, &out_len, aad, aad_len, bad,
                              ct_len, NULL);
        FUZZ_CHECK(st != CONFAI_OK);
        fuzz_check_no_plaintext(out, pt_len);
        free(bad);
        out_len = pt_len;
    }

    st = confai_hpke_open(recipient, out, &out_len, aad, aad_len, ct, ct_len,
                          NULL);
    FUZZ_CHECK(st == CONFAI_OK);
    FUZZ_CHECK(out_len == pt_len);
    FUZZ_CHECK(pt_len == 0 || memcmp(out, pt, pt_len) == 0);
    free(out);
    free(ct);
}

/* The single-shot API over the same suite and key (base mode). */
static void roundtrip_once(const confai_hpke_suite *suite,
                           const confai_hpke_key *key, const uint8_t *pk,
                           size_t pk_len, size_t enc_size, size_t tag_size,
                           const uint8_t *info, size_t info_len,
                           const uint8_t *aad, size_t aad_len,
                           const uint8_t *pt, size_t pt_len)
{
    uint8_t *enc = fuzz_alloc(enc_size);
    size_t enc_len = enc_size;
    size_t ct_len = pt_len + tag_size;
    uint8_t *ct = fuzz_alloc(ct_len);
    confai_status st = confai_hpke_seal_once(suite, enc, &enc_len, ct, &ct_len,
                                             pk, pk_len, info, info_len, aad,
                                             aad_len, pt, pt_len, NULL);
    if (tag_size == 0) {
        FUZZ_CHECK(st != CONFAI_OK);
    } else {
        FUZZ_CHECK(st == CONFAI_OK);
        FUZZ_CHECK(enc_len == enc_size && ct_len == pt_len + tag_size);
        uint8_t *out = fuzz_alloc(pt_len);
        size_t out_len = pt_len;
        st = confai_hpke_open_once(suite, out, &out_len, key, enc, enc_len,
                                   info, info_len, aad, aad_len, ct, ct_len,
                                   NULL);
        FUZZ_CHECK(st == CONFAI_OK);
        FUZZ_CHECK(out_len == pt_len);
        FUZZ_CHECK(pt_len == 0 || memcmp(out, pt, pt_len) == 0);
        free(out);
    }
    free(ct);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = { data, size };
    const confai_hpke_suite *suite = fuzz_suite(fuzz_u8(&r));
    uint8_t flags = fuzz_u8(&r);
    size_t info_want = fuzz_u8(&r);
    size_t export_len = fuzz_u8(&r);
    int use_psk = flags & 1, use_auth = flags & 2, corrupt = flags & 4;

    size_t enc_size, sk_size, tag_size;
    if (!fuzz_suite_sizes(suite, &enc_size, &sk_size, &tag_size))
        return 0; /* not in this build */

    size_t ikm_len, info_len;
    uint8_t *ikm = fuzz_take(&r, sk_size, &ikm_len);
    uint8_t *info = fuzz_take(&r, info_want, &info_len);
    confai_hpke_key *key = NULL;
    confai_status st = confai_hpke_key_derive(&key, suite->kem_id, ikm,
                                              ikm_len, NULL);
    free(ikm);
    if (ikm_len < sk_size) {
        FUZZ_CHECK(st != CONFAI_OK && key == NULL);
        free(info);
        return 0;
    }
    FUZZ_CHECK(st == CONFAI_OK);
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pk_len = sizeof(pk);
    FUZZ_CHECK(confai_hpke_key_public(key, pk, &pk_len, NULL) == CONFAI_OK);

    confai_hpke_ctx *sender = NULL, *recipient = NULL;
    FUZZ_CHECK(confai_hpke_ctx_new(&sender, CONFAI_HPKE_ROLE_SENDER, suite,
                                   NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_hpke_ctx_new(&recipient, CONFAI_HPKE_ROLE_RECIPIENT,
                                   suite, NULL) == CONFAI_OK);
    if (use_psk) {
        FUZZ_CHECK(confai_hpke_ctx_set_psk(sender, psk, sizeof(psk) - 1, psk_id,
                                           sizeof(psk_id) - 1,
                                           NULL) == CONFAI_OK);
        FUZZ_CHECK(confai_hpke_ctx_set_psk(recipient, psk, sizeof(psk) - 1,
                                           psk_id, sizeof(psk_id) - 1,
                                           NULL) == CONFAI_OK);
    }
    if (use_auth) {
        const confai_hpke_key *skey =
            fuzz_fixed_key(suite->kem_id, FUZZ_KEY_SENDER);
        FUZZ_CHECK(skey != NULL);
        uint8_t spk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
        size_t spk_len = sizeof(spk);
        FUZZ_CHECK(confai_hpke_key_public(skey, spk, &spk_len, NULL) ==
                   CONFAI_OK);
        FUZZ_CHECK(confai_hpke_ctx_set_sender_key(sender, skey, NULL) ==
                   CONFAI_OK);
        FUZZ_CHECK(confai_hpke_ctx_set_sender_public(recipient, spk, spk_len,
                                                     NULL) == CONFAI_OK);
    }
    uint8_t mode = (uint8_t)((use_psk ? CONFAI_HPKE_MODE_PSK : 0) |
                             (use_auth ? CONFAI_HPKE_MODE_AUTH : 0));
    FUZZ_CHECK(confai_hpke_ctx_mode(sender) == mode);
    FUZZ_CHECK(confai_hpke_ctx_mode(recipient) == mode);

    uint8_t *enc = fuzz_alloc(enc_size);
    size_t enc_len = enc_size;
    FUZZ_CHECK(confai_hpke_sender_setup(sender, enc, &enc_len, pk, pk_len,
                                        info, info_len, NULL) == CONFAI_OK);
    FUZZ_CHECK(enc_len == enc_size);
    FUZZ_CHECK(confai_hpke_recipient_setup(recipient, key, enc, enc_len, info,
                                           info_len, NULL) == CONFAI_OK);

    for (int i = 0; i < MAX_MESSAGES && r.left > 0; i++) {
        size_t aad_want = fuzz_u8(&r);
        size_t pt_want = fuzz_u16(&r);
        size_t aad_len, pt_len;
        uint8_t *aad = fuzz_take(&r, aad_want, &aad_len);
        uint8_t *pt = fuzz_take(&r, pt_want, &pt_len);
        roundtrip_message(sender, recipient, tag_size, corrupt, aad, aad_len,
                          pt, pt_len);
        if (i == 0 && mode == CONFAI_HPKE_MODE_BASE)
            roundtrip_once(suite, key, pk, pk_len, enc_size, tag_size, info,
                           info_len, aad, aad_len, pt, pt_len);
        free(aad);
        free(pt);
    }

    if (export_len > 0) { /* info doubles as the exporter context */
        uint8_t a[255], b[255];
        confai_status sa = confai_hpke_export(sender, a, export_len, info,
                                              info_len, NULL);
        confai_status sb = confai_hpke_export(recipient, b, export_len, info,
                                              info_len, NULL);
        if (info_len > CONFAI_HPKE_MAX_PARAM_SIZE) {
            FUZZ_CHECK(sa != CONFAI_OK && sb != CONFAI_OK);
        } else {
            FUZZ_CHECK(sa == CONFAI_OK && sb == CONFAI_OK);
            FUZZ_CHECK(memcmp(a, b, export_len) == 0);
        }
    }

    free(enc);
    free(info);
    confai_hpke_ctx_free(sender);
    confai_hpke_ctx_free(recipient);
    confai_hpke_key_free(key);
    return 0;
}
