/*
 * Fuzz target: TDX quotes, parsed and verified.
 *
 * Input: one byte of parse flags (bit 0: TDX_PARSE_PADDED), then the quote.
 *
 * The bytes are parsed (tdx_quote_parse) and verified (tdx_verify) against
 * the built-in Intel pin only, without collateral, at a fixed time. The seeds
 * (corpus/tdx_quote, written by test_tdx_verify with CONFAI_TDX_SEED_DIR) are
 * synthetic quotes chained to a test root, which this trust does not know:
 * the verifier runs through parsing, the PEM chain and the anchor lookup.
 *
 * Checked beyond "no crash, no out-of-bounds access": every failure is one
 * of the documented statuses with a message; a quote that parses fits in the
 * input, its borrowed pointers lie inside it, and its signed part ends
 * before its signature data; tdx_verify fails with the parse status when
 * parsing fails.
 */
#include <string.h>

#include "fuzz.h"

#include "attest/tdx/tdx.h"

#define FUZZ_NOW INT64_C(1735689600) /* 2025-01-01 */

static tdx_trust *trust;

static void trust_free(void)
{
    tdx_trust_free(trust);
}

static int documented(confai_status s)
{
    switch (s) {
    case CONFAI_OK:
    case CONFAI_E_TRUNCATED:
    case CONFAI_E_TRAILING_DATA:
    case CONFAI_E_UNSUPPORTED:
    case CONFAI_E_MALFORMED:
    case CONFAI_E_LIMIT:
    case CONFAI_E_CERT_CHAIN:
    case CONFAI_E_UNKNOWN_ROOT:
    case CONFAI_E_CERT_EXPIRED:
    case CONFAI_E_BAD_SIGNATURE:
    case CONFAI_E_BINDING:
        return 1;
    default:
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (trust == NULL) {
        FUZZ_CHECK(tdx_trust_new(&trust, NULL) == CONFAI_OK);
        atexit(trust_free);
    }
    if (size == 0)
        return 0;
    uint32_t flags = data[0] & TDX_PARSE_PADDED;
    size--;
    uint8_t *bytes = fuzz_alloc(size);
    if (size > 0)
        memcpy(bytes, data + 1, size);

    tdx_quote q;
    confai_error perr = { 0 };
    confai_status ps = tdx_quote_parse(&q, bytes, size, flags, &perr);
    FUZZ_CHECK(documented(ps));
    FUZZ_CHECK(ps == CONFAI_OK || perr.message[0] != '\0');
    if (ps == CONFAI_OK) {
        FUZZ_CHECK(q.quote_len <= size);
        FUZZ_CHECK(q.signed_len < q.quote_len);
        FUZZ_CHECK(q.pck_chain >= bytes && q.pck_chain + q.pck_chain_len <= bytes + q.quote_len);
        FUZZ_CHECK(q.qe_auth_data == NULL || (q.qe_auth_data >= bytes &&
                   q.qe_auth_data + q.qe_auth_data_len <= bytes + q.quote_len));
        FUZZ_CHECK(flags != 0 || q.quote_len == size);
    }
    tdx_verified v;
    confai_error verr = { 0 };
    confai_status vs = tdx_verify(&v, trust, NULL, bytes, size, flags, NULL, FUZZ_NOW, &verr);
    FUZZ_CHECK(documented(vs));
    FUZZ_CHECK(vs == CONFAI_OK || verr.message[0] != '\0');
    if (ps != CONFAI_OK)
        FUZZ_CHECK(vs == ps);
    if (vs == CONFAI_OK)
        FUZZ_CHECK(v.root_kind == TDX_ROOT_VENDOR && v.collateral_missing);
    free(bytes);
    return 0;
}
