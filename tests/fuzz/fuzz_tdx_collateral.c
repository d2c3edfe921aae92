/*
 * Fuzz target: Intel PCS collateral for TDX (TCB info v3, QE identity v2).
 *
 * Input: one byte choosing the document (even: TCB info, odd: QE identity),
 * then the JSON text.
 *
 * Checked beyond "no crash, no out-of-bounds access": every failure is one
 * of the documented statuses with a message and leaves the output NULL; a
 * document that parses has a signed span inside the input that starts with
 * '{' and ends with '}' (the exact bytes Intel signs), counts within their
 * limits, issueDate <= nextUpdate, and every status a known one.
 */
#include <string.h>

#include "fuzz.h"

#include "attest/tdx/tdx.h"

static int documented(confai_status s)
{
    return s == CONFAI_OK || s == CONFAI_E_COLLATERAL || s == CONFAI_E_LIMIT;
}

static void check_span(const char *span, size_t span_len, const char *text, size_t size)
{
    FUZZ_CHECK(span >= text && span_len >= 2 && span + span_len <= text + size);
    FUZZ_CHECK(span[0] == '{' && span[span_len - 1] == '}');
}

static void check_isv(const tdx_isv_level *levels, size_t n)
{
    FUZZ_CHECK(n >= 1 && n <= TDX_MAX_LEVELS);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(levels[i].status >= TDX_TCB_UP_TO_DATE && levels[i].status <= TDX_TCB_REVOKED);
        FUZZ_CHECK(levels[i].advisories.count <= TDX_MAX_ADVISORIES);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int qe = data[0] & 1;
    size--;
    char *text = (char *)fuzz_alloc(size);
    if (size > 0)
        memcpy(text, data + 1, size);
    confai_error err = { 0 };
    if (!qe) {
        tdx_tcb_info *info = (tdx_tcb_info *)1;
        confai_status st = tdx_tcb_info_parse(&info, text, size, &err);
        FUZZ_CHECK(documented(st));
        FUZZ_CHECK(st == CONFAI_OK ? info != NULL : info == NULL && err.message[0] != '\0');
        if (st == CONFAI_OK) {
            check_span(info->signed_span, info->signed_span_len, text, size);
            FUZZ_CHECK(info->issue_date <= info->next_update);
            FUZZ_CHECK(info->level_count >= 1 && info->level_count <= TDX_MAX_LEVELS);
            FUZZ_CHECK(info->module_id_count <= TDX_MAX_MODULE_IDS);
            for (size_t i = 0; i < info->level_count; i++)
                FUZZ_CHECK(info->levels[i].status >= TDX_TCB_UP_TO_DATE &&
                           info->levels[i].status <= TDX_TCB_REVOKED);
            for (size_t i = 0; i < info->module_id_count; i++)
                check_isv(info->module_ids[i].levels, info->module_ids[i].level_count);
        }
        tdx_tcb_info_free(info);
    } else {
        tdx_qe_identity *id = (tdx_qe_identity *)1;
        confai_status st = tdx_qe_identity_parse(&id, text, size, &err);
        FUZZ_CHECK(documented(st));
        FUZZ_CHECK(st == CONFAI_OK ? id != NULL : id == NULL && err.message[0] != '\0');
        if (st == CONFAI_OK) {
            check_span(id->signed_span, id->signed_span_len, text, size);
            FUZZ_CHECK(id->issue_date <= id->next_update);
            check_isv(id->levels, id->level_count);
        }
        tdx_qe_identity_free(id);
    }
    free(text);
    return 0;
}
