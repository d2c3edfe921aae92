/*
 * Fuzz target: NVIDIA SPDM 1.1 GET_MEASUREMENTS request + MEASUREMENTS
 * response evidence (src/attest/spdm.c), then the GPU verifier's entry and
 * the reference-measurement comparison on what parsed.
 *
 * Input: the evidence bytes, any length. The seeds (corpus/spdm) are
 * synthetic evidence written by test_spdm with CONFAI_SPDM_SEED_DIR.
 *
 * Checked beyond "no crash, no out-of-bounds access": every failure is one
 * of the documented statuses with a message; parsed evidence accounts for
 * every input byte (signed part, 96-byte signature, the one quirk byte);
 * blocks are in increasing index order with values inside their limit;
 * opaque fields lie inside the opaque data and fill it; decoded text is
 * printable; nvgpu_verify fails with the parse status when parsing fails and
 * on the chain (none given) otherwise; the comparison either accepts or names
 * a measurement.
 */
#include <string.h>

#include "fuzz.h"

#include "attest/gpu/nvgpu.h"

static int documented(confai_status s)
{
    switch (s) {
    case CONFAI_OK:
    case CONFAI_E_TRUNCATED:
    case CONFAI_E_TRAILING_DATA:
    case CONFAI_E_UNSUPPORTED:
    case CONFAI_E_MALFORMED:
    case CONFAI_E_LIMIT:
        return 1;
    default:
        return 0;
    }
}

static int printable(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
            return 0;
    return 1;
}

static void check_parsed(const spdm_evidence *ev, size_t size)
{
    size_t extra = (ev->quirks & SPDM_QUIRK_TRAILING_ZERO) ? 1 : 0;
    FUZZ_CHECK(ev->signed_len + SPDM_P384_SIGNATURE_SIZE + extra == size);
    FUZZ_CHECK(ev->version == SPDM_VERSION_1_1);
    FUZZ_CHECK(ev->block_count > 0);
    unsigned prev = 0;
    for (size_t i = 0; i < ev->block_count; i++) {
        FUZZ_CHECK(ev->blocks[i].index > prev && ev->blocks[i].index != 0xFF);
        FUZZ_CHECK(ev->blocks[i].value_len <= SPDM_MAX_VALUE_SIZE);
        prev = ev->blocks[i].index;
        FUZZ_CHECK(spdm_evidence_block(ev, ev->blocks[i].index) == &ev->blocks[i]);
    }
    size_t covered = 0;
    for (size_t i = 0; i < ev->opaque_field_count; i++) {
        const spdm_opaque_field *f = &ev->opaque_fields[i];
        FUZZ_CHECK((size_t)f->offset + f->len <= ev->opaque_len);
        FUZZ_CHECK(f->offset == covered + 4);
        covered = (size_t)f->offset + f->len;
        size_t len;
        FUZZ_CHECK(spdm_evidence_opaque(ev, f->type, &len) == ev->opaque + f->offset);
        FUZZ_CHECK(len == f->len);
    }
    FUZZ_CHECK(covered == ev->opaque_len);
    FUZZ_CHECK(printable(ev->driver_version) && printable(ev->vbios_version));
    FUZZ_CHECK(printable(ev->chip_sku) && printable(ev->project) && printable(ev->project_sku));
    FUZZ_CHECK(ev->vbios_version[0] == '\0' || strlen(ev->vbios_version) == 14);
}

static const char zero48[] =
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so that reads past the input are seen */
    uint8_t *bytes = fuzz_alloc(size);
    if (size > 0)
        memcpy(bytes, data, size);
    spdm_evidence *ev = (spdm_evidence *)(void *)fuzz_alloc(sizeof(*ev));
    nvgpu_verified *v = (nvgpu_verified *)(void *)fuzz_alloc(sizeof(*v));

    confai_error perr = { 0 };
    confai_status ps = spdm_evidence_parse(ev, bytes, size, &perr);
    FUZZ_CHECK(documented(ps));
    FUZZ_CHECK(ps == CONFAI_OK || perr.message[0] != '\0');
    if (ps == CONFAI_OK) {
        check_parsed(ev, size);
        const char *const values[] = { zero48 };
        const nvgpu_reference refs[] = { { 0, values, 1 }, { 1, values, 1 }, { 8, values, 1 } };
        confai_error merr = { 0 };
        confai_status ms = nvgpu_measurements_check(ev, refs, 3, &merr);
        FUZZ_CHECK(ms == CONFAI_OK || ms == CONFAI_E_POLICY_MEASUREMENT);
        FUZZ_CHECK(ms == CONFAI_OK || strstr(merr.message, "GPU measurement index") != NULL);
    }

    uint8_t nonce[SPDM_NONCE_SIZE] = { 0 };
    const uint8_t *certs[1] = { NULL };
    size_t lens[1] = { 0 };
    confai_error verr = { 0 };
    confai_status vs = nvgpu_verify(v, NULL, bytes, size, certs, lens, 0, nonce, 0, &verr);
    FUZZ_CHECK(vs == (ps == CONFAI_OK ? CONFAI_E_CERT_CHAIN : ps));
    FUZZ_CHECK(verr.message[0] != '\0');

    free(v);
    free(ev);
    free(bytes);
    return 0;
}
