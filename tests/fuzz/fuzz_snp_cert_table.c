/*
 * Fuzz target: the SEV-SNP extended report's certificate table
 * (src/server/snp_cert_table.c), as a host hands it to the guest.
 *
 * Input: the table bytes, any length.
 *
 * Checked beyond "no crash, no out-of-bounds access": every failure is one
 * of the documented statuses with a message and leaves the result zeroed;
 * parse and extent agree; every certificate lies inside the input, after the
 * entries and within the extent; writing what parsed and parsing that again
 * gives the same certificates.
 */
#include <string.h>

#include "fuzz.h"

#include "core/memory.h"
#include "server/snp_cert_table.h"

static int documented(confai_status s)
{
    return s == CONFAI_OK || s == CONFAI_E_TRUNCATED || s == CONFAI_E_MALFORMED;
}

static void check_inside(const uint8_t *cert, size_t len, const uint8_t *data, size_t used)
{
    if (cert == NULL) {
        FUZZ_CHECK(len == 0);
        return;
    }
    FUZZ_CHECK(len > 0);
    FUZZ_CHECK(cert >= data + SNP_CERT_ENTRY_SIZE && cert + len <= data + used);
}

static void same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    FUZZ_CHECK(alen == blen);
    FUZZ_CHECK((a == NULL) == (b == NULL));
    if (a != NULL)
        FUZZ_CHECK(memcmp(a, b, alen) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so that reads past the input are seen */
    uint8_t *bytes = fuzz_alloc(size);
    if (size > 0)
        memcpy(bytes, data, size);

    snp_cert_table t;
    confai_error err = { 0 };
    confai_status st = snp_cert_table_parse(&t, bytes, size, &err);
    FUZZ_CHECK(documented(st));
    size_t used = 0;
    confai_status ext = snp_cert_table_extent(&used, bytes, size, NULL);
    FUZZ_CHECK(ext == st);
    if (st != CONFAI_OK) {
        static const snp_cert_table zero;
        FUZZ_CHECK(err.message[0] != '\0');
        FUZZ_CHECK(memcmp(&t, &zero, sizeof(t)) == 0);
        FUZZ_CHECK(used == 0);
        free(bytes);
        return 0;
    }
    FUZZ_CHECK(used >= SNP_CERT_ENTRY_SIZE && used <= size);
    check_inside(t.vcek, t.vcek_len, bytes, used);
    check_inside(t.vlek, t.vlek_len, bytes, used);
    check_inside(t.ask, t.ask_len, bytes, used);
    check_inside(t.ark, t.ark_len, bytes, used);

    uint8_t *out = NULL;
    size_t out_len = 0;
    confai_status w = snp_cert_table_write(&out, &out_len, &t, NULL);
    if (t.vcek == NULL && t.vlek == NULL && t.ask == NULL && t.ark == NULL) {
        FUZZ_CHECK(w == CONFAI_E_ARGUMENT);
    } else {
        FUZZ_CHECK(w == CONFAI_OK);
        snp_cert_table again;
        FUZZ_CHECK(snp_cert_table_parse(&again, out, out_len, NULL) == CONFAI_OK);
        same(again.vcek, again.vcek_len, t.vcek, t.vcek_len);
        same(again.vlek, again.vlek_len, t.vlek, t.vlek_len);
        same(again.ask, again.ask_len, t.ask, t.ask_len);
        same(again.ark, again.ark_len, t.ark, t.ark_len);
        confai_free_secret(out, out_len);
    }
    free(bytes);
    return 0;
}
