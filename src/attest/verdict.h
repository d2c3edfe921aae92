/*
 * Verdicts: the immutable result of a successful verification behind
 * confai_verdict (getters in verdict.c, JSON in verdict_json.c), and the
 * list of checks that attestation.c and the policy checks fill as they pass.
 * What a verdict holds of its CPU platform's evidence is that platform's
 * verified state, read through its operations table (platform.h).
 */
#ifndef CONFAI_ATTEST_VERDICT_H
#define CONFAI_ATTEST_VERDICT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "attest/check.h"
#include "core/rfc3339.h"

#define VERDICT_MAX_CHECKS 192 /* 16 GPUs of 8 checks, 8 tokens, the CPU platform */
#define VERDICT_WARNING_SIZE 384

/* Names of checks (static strings), in the order they ran. */
typedef struct verdict_checks {
    const char *passed[VERDICT_MAX_CHECKS];
    size_t passed_count;
    const char *waived[VERDICT_MAX_CHECKS]; /* relaxed by the policy ("*", allow_*) */
    size_t waived_count;
} verdict_checks;

/* Records a check as passed (waived = 0) or waived by the policy (1). */
void verdict_note(verdict_checks *checks, attest_check check, int waived);

struct attest_platform_ops;

struct confai_verdict {
    /* References beyond the first, so that a zeroed verdict has one owner. */
    atomic_uint extra_refs;
    const struct attest_platform_ops *platform; /* the CPU platform (platform.h) */
    const char *product;           /* static: "milan", ...; NULL: none */
    confai_root_kind root_kind;
    uint8_t root_spki_sha256[32];  /* of the CPU evidence's root */
    char root_warning[VERDICT_WARNING_SIZE]; /* custom roots only */
    confai_key_config *key_config; /* owned reference */
    struct verdict_gpus *gpus;     /* gpu/gpu_verdict.c, or NULL */
    struct verdict_tokens *tokens; /* token/token_verdict.c, or NULL */
    uint8_t key_config_digest[32];
    uint8_t manifest_digest[32];
    uint8_t nonce[32];
    char not_after_text[RFC3339_LEN + 1];
    int64_t not_after, verified_at, expiry;
    verdict_checks checks;
    /* The platform's verified state (platform->state_size bytes), a copy
       without pointers into the bundle. */
    max_align_t evidence[];
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
                                      validity; 0: none; verdict_new sets it
                                      from the platform's evidence */
    const verdict_checks *checks;
} verdict_common_input;

/* A verified bundle's verdict, before GPUs and tokens are attached. */
typedef struct verdict_input {
    const struct attest_platform_ops *platform;
    const void *evidence;          /* the platform's verified state; copied */
    const char *root_subject;      /* custom root's subject, or NULL */
    verdict_common_input common;
} verdict_input;

/*
 * Makes a verdict: copies the evidence, lets the platform fill product and
 * root (platform->verdict_fill), then the binding digests, the times, the
 * expiry (the lease the service offers, cut to the age the policy tolerates
 * and to the end of the evidence's validity) and the checks. It takes
 * ownership of *key_config (set to NULL) whether or not it succeeds.
 * Errors: CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
confai_status verdict_new(confai_verdict **verdict, confai_key_config **key_config,
                          const verdict_input *in, confai_error *err);

/*
 * Writes the loud warning of a custom root for a platform verdict_fill:
 * "NOT an <vendor> root: ... no proof of real <hardware>." naming subject
 * (or "unnamed") and v->root_spki_sha256.
 */
void verdict_write_root_warning(confai_verdict *v, const char *vendor, const char *hardware,
                                const char *subject);

#endif /* CONFAI_ATTEST_VERDICT_H */
