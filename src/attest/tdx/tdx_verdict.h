/*
 * Verdicts of TDX evidence (tdx_verdict.c): construction and the TDX part
 * of the verdict JSON. The getters in verdict.c read the same verdict.
 */
#ifndef CONFAI_ATTEST_VERDICT_TDX_H
#define CONFAI_ATTEST_VERDICT_TDX_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "attest/tdx/tdx.h"
#include "attest/verdict.h"

/* What a verified TDX bundle contributes to its verdict. */
typedef struct verdict_tdx_input {
    const tdx_verified *tdx;
    const char *root_subject;      /* custom root's subject, or NULL */
    verdict_common_input common;
} verdict_tdx_input;

/*
 * Makes a verdict with platform "tdx"; it takes ownership of *key_config
 * (set to NULL) whether or not it succeeds. The quote's borrowed pointers
 * (QE auth data, PCK chain text) are not kept. Errors: CONFAI_E_NO_MEMORY,
 * CONFAI_E_INTERNAL.
 */
confai_status verdict_new_tdx(confai_verdict **verdict, confai_key_config **key_config,
                              const verdict_tdx_input *in, confai_error *err);

/*
 * Adds the TDX members (measurement = MRTD, RTMRs, TD and module identity,
 * TCB statuses with advisory ids, collateral) to a verdict's JSON object.
 * Returns 0 when cJSON ran out of memory.
 */
int verdict_json_add_tdx(cJSON *root, const confai_verdict *verdict);

#endif /* CONFAI_ATTEST_VERDICT_TDX_H */
