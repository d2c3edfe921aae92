/*
 * The SEV-SNP part of a verdict (snp_verdict.c): the verdict hooks of
 * snp_platform (platform.h). state is the verdict's snp_verified.
 */
#ifndef CONFAI_ATTEST_SNP_VERDICT_H
#define CONFAI_ATTEST_SNP_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

/* Product, root and its warning; returns the chain's end of validity. */
int64_t snp_verdict_fill(confai_verdict *v, void *state, const char *root_subject);

/* MEASUREMENT, 48 bytes. */
const uint8_t *snp_verdict_measurement(const void *state, size_t *len);

/* A TCB's raw TCB_VERSION; 0 for an unknown kind. */
uint64_t snp_verdict_tcb(const void *state, confai_tcb_kind kind);

/* One component of a TCB; -1 for an unknown kind or component, or FMC before Turin. */
int snp_verdict_tcb_component(const void *state, confai_tcb_kind kind,
                              confai_tcb_component component);

/*
 * Adds the report's members (measurement, host data, identities, guest
 * policy, TCBs, firmware, signing key, endorsement) to the verdict's JSON.
 * Returns 0 when cJSON ran out of memory.
 */
int snp_verdict_json_add(cJSON *root, const void *state);

#endif /* CONFAI_ATTEST_SNP_VERDICT_H */
