/*
 * Fuzz target: KeyConfig and application/ohttp-keys parsing on arbitrary
 * bytes.
 *
 * Input: the bytes, given to confai_key_config_parse and to
 * confai_key_config_parse_list. Checked beyond "no crash, no out-of-bounds
 * access": a single config that parses serializes back to exactly the
 * input; its suite is one this build supports and the config offers; the
 * config chosen from a list serializes to one of the list's entries; a
 * failed parse leaves no handle.
 */
#include <string.h>

#include <confai/confai.h>

#include "fuzz.h"

static void check_config(const confai_key_config *c)
{
    confai_hpke_suite s = confai_key_config_suite(c);
    FUZZ_CHECK(s.kem_id == confai_key_config_kem(c));
    FUZZ_CHECK(confai_hpke_suite_check(&s, NULL) == CONFAI_OK);
    FUZZ_CHECK(s.aead_id != CONFAI_HPKE_AEAD_EXPORT_ONLY);
    uint8_t pk[CONFAI_HPKE_MAX_PUBLIC_KEY_SIZE];
    size_t pk_len = sizeof(pk), npk = 0;
    FUZZ_CHECK(confai_key_config_public_key(c, pk, &pk_len, NULL) == CONFAI_OK);
    FUZZ_CHECK(confai_hpke_suite_sizes(&s, NULL, &npk, NULL, NULL, NULL) == CONFAI_OK);
    FUZZ_CHECK(pk_len == npk);
}

/* The serialization of c, in a fresh block; release with free(). */
static uint8_t *serialize(const confai_key_config *c, size_t *len)
{
    *len = 0;
    FUZZ_CHECK(confai_key_config_serialize(c, NULL, len, NULL) == CONFAI_E_BUFFER_TOO_SMALL);
    uint8_t *out = fuzz_alloc(*len);
    FUZZ_CHECK(confai_key_config_serialize(c, out, len, NULL) == CONFAI_OK);
    return out;
}

/* 1 when (bytes, len) is one of the entries of the list. */
static int is_entry(const uint8_t *list, size_t list_len, const uint8_t *bytes, size_t len)
{
    while (list_len >= 2) {
        size_t n = (size_t)list[0] << 8 | list[1];
        if (n > list_len - 2)
            return 0;
        if (n == len && memcmp(list + 2, bytes, len) == 0)
            return 1;
        list += 2 + n;
        list_len -= 2 + n;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = fuzz_alloc(size);
    if (size > 0)
        memcpy(copy, data, size);

    confai_key_config *c = (confai_key_config *)copy;
    confai_status st = confai_key_config_parse(&c, copy, size, NULL);
    if (st == CONFAI_OK) {
        check_config(c);
        size_t len;
        uint8_t *again = serialize(c, &len);
        FUZZ_CHECK(len == size && memcmp(again, copy, size) == 0);
        free(again);
    } else {
        FUZZ_CHECK(c == NULL);
    }
    confai_key_config_free(c);

    c = (confai_key_config *)copy;
    st = confai_key_config_parse_list(&c, copy, size, NULL);
    if (st == CONFAI_OK) {
        check_config(c);
        size_t len;
        uint8_t *entry = serialize(c, &len);
        FUZZ_CHECK(is_entry(copy, size, entry, len));
        free(entry);
    } else {
        FUZZ_CHECK(c == NULL);
    }
    confai_key_config_free(c);
    free(copy);
    return 0;
}
