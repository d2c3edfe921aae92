/*
 * Verdicts: the immutable result of a successful verification behind
 * confai_verdict (getters in verdict.c, JSON in verdict_json.c), and the
 * list of checks that attestation.c and the policy checks fill as they pass.
 */
#ifndef CONFAI_ATTEST_VERDICT_H
#define CONFAI_ATTEST_VERDICT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "attest/snp/snp.h"
#include "attest/tdx/tdx.h"
#include "core/rfc3339.h"

#define VERDICT_MAX_CHECKS 48
#define VERDICT_WARNING_SIZE 384

/* Names of checks (static strings), in the order they ran. */
typedef struct verdict_checks {
    const char *passed[VERDICT_MAX_CHECKS];
    size_t passed_count;
    const char *waived[VERDICT_MAX_CHECKS]; /* relaxed by the policy ("*", allow_*) */
    size_t waived_count;
} verdict_checks;

/* Records a check as passed (waived = 0) or waived by the policy (1). */
void verdict_note(verdict_checks *checks, const char *name, int waived);

struct confai_verdict {
    /* References beyond the first, so that a zeroed verdict has one owner. */
    atomic_uint extra_refs;
    const char *platform;          /* static: "sev-snp", "tdx" */
    const char *product;           /* static: "milan", ... */
    snp_verified snp;              /* the verified report and its root */
    int is_tdx;                    /* platform "tdx": tdx holds the quote, snp is zero */
    tdx_verified tdx;              /* tdx_verdict.c; borrowed pointers cleared */
    confai_root_kind root_kind;
    char root_warning[VERDICT_WARNING_SIZE]; /* custom roots only */
    confai_key_config *key_config; /* owned reference */
    struct verdict_gpus *gpus;     /* GPUs and tokens (gpu_verdict.c), or NULL */
    uint8_t key_config_digest[32];
    uint8_t manifest_digest[32];
    uint8_t nonce[32];
    char not_after_text[RFC3339_LEN + 1];
    int64_t not_after, verified_at, expiry;
    verdict_checks checks;
};

/* What every platform's verdict holds besides its evidence. */
typedef struct verdict_common_input {
    const uint8_t *key_config;     /* the bound KeyConfig bytes */
    size_t key_config_len;
    const uint8_t *manifest_digest;
    const uint8_t *nonce;
    const char *not_after_text;
    int64_t not_after, verified_at, max_age;
    int64_t evidence_not_after;    /* end of the chain's (and collateral's)
                                      validity; 0: none; the platform's
                                      constructor sets it from its evidence */
    const verdict_checks *checks;
} verdict_common_input;

/*
 * Fills the binding digests, the times, the expiry (the lease the service
 * offers, cut to the age the policy tolerates and to the end of the
 * evidence's validity) and the checks. Errors: CONFAI_E_INTERNAL.
 */
confai_status verdict_fill_common(confai_verdict *v, const verdict_common_input *in,
                                  confai_error *err);

/* What a verified SEV-SNP bundle contributes to its verdict. */
typedef struct verdict_snp_input {
    const snp_verified *snp;
    const char *root_subject;      /* custom root's subject, or NULL */
    verdict_common_input common;
} verdict_snp_input;

/*
 * Makes a verdict; it takes ownership of *key_config (set to NULL) whether
 * or not it succeeds. Errors: CONFAI_E_NO_MEMORY.
 */
confai_status verdict_new_snp(confai_verdict **verdict, confai_key_config **key_config,
                              const verdict_snp_input *in, confai_error *err);

#endif /* CONFAI_ATTEST_VERDICT_H */
