/*
 * The TDX part of a verdict (tdx_verdict.c): the verdict hooks of
 * tdx_platform (platform.h). state is the verdict's tdx_verified.
 */
#ifndef CONFAI_ATTEST_VERDICT_TDX_H
#define CONFAI_ATTEST_VERDICT_TDX_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

/*
 * Root and its warning; drops the quote's borrowed pointers (QE auth data,
 * PCK chain text), which point into the bundle. Returns the end of the PCK
 * chain's and the collateral's validity.
 */
int64_t tdx_verdict_fill(confai_verdict *v, void *state, const char *root_subject);

/* MRTD, 48 bytes. */
const uint8_t *tdx_verdict_measurement(const void *state, size_t *len);

/*
 * Adds the TDX members (measurement = MRTD, RTMRs, TD and module identity,
 * TCB statuses with advisory ids, collateral) to a verdict's JSON object.
 * Returns 0 when cJSON ran out of memory.
 */
int tdx_verdict_json_add(cJSON *root, const void *state);

#endif /* CONFAI_ATTEST_VERDICT_TDX_H */
