/*
 * The CPU platforms of confai_attestation_verify behind one operations
 * table. attestation.c runs the one sequence of doc/protocol.md
 * ("Verification") and asks the bundle's platform for what differs: how its
 * evidence verifies, where its report data is, its policy section, and what
 * its verdict shows. verdict.c and verdict_json.c read a verdict's platform
 * part through the same table.
 *
 * One implementation per platform, in its folder: snp/snp_attestation.c
 * (with snp/snp_verdict.c), tdx/tdx_attestation.c (with tdx/tdx_verdict.c).
 * A new platform is a new folder and one entry in attestation.c's list.
 */
#ifndef CONFAI_ATTEST_PLATFORM_H
#define CONFAI_ATTEST_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include <confai/confai.h>

#include "attest/attestation.h"
#include "attest/bundle.h"
#include "attest/verdict.h"

/*
 * The platform's verified state (snp_verified, tdx_verified) is passed as
 * void *: attestation.c allocates state_size zeroed bytes for verify, and
 * verdict_new copies them into the verdict, where the verdict hooks read it.
 */
typedef struct attest_platform_ops {
    const char *name;              /* the verdict's platform: "sev-snp", "tdx" */
    bundle_cpu_type cpu_type;      /* the bundle's cpu.type it verifies */
    unsigned policy_platform;      /* POLICY_PLATFORM_*: the policy must list it */
    size_t state_size;             /* bytes of its verified state */
    int names_product;             /* the verdict's JSON has a "product" */

    /* --- verification, in the order attestation.c calls it --------------- */

    /*
     * The bundle's CPU evidence against the policy's trust at
     * opt->verify_time, its checks recorded. Errors: the verifier's.
     */
    confai_status (*verify)(void *state, const confai_policy *policy,
                            const attestation_options *opt, const bundle *b,
                            verdict_checks *checks, confai_error *err);
    /* The 64 bytes of report data the verified evidence carries. */
    const uint8_t *(*report_data)(const void *state);
    /*
     * The policy's section of this platform, each check recorded as passed
     * or waived. Errors: CONFAI_E_POLICY_*, the first that fails.
     */
    confai_status (*policy_check)(const confai_policy *policy, const void *state,
                                  int64_t verify_time, verdict_checks *checks,
                                  confai_error *err);
    /* The subject of the policy's custom root the evidence chains to, or NULL. */
    const char *(*root_subject)(const confai_policy *policy, const void *state);

    /* --- the verdict: state is the verdict's own copy ------------------- */

    /*
     * Sets v->product, v->root_kind, v->root_spki_sha256 and, for a custom
     * root, v->root_warning; drops pointers into the bundle. Returns the end
     * of the evidence's validity (0: none).
     */
    int64_t (*verdict_fill)(confai_verdict *v, void *state, const char *root_subject);
    /* The measurement (SEV-SNP: MEASUREMENT; TDX: MRTD) and its size. */
    const uint8_t *(*measurement)(const void *state, size_t *len);
    /* confai_verdict_tcb and _tcb_component; NULL: the platform has none. */
    uint64_t (*tcb)(const void *state, confai_tcb_kind kind);
    int (*tcb_component)(const void *state, confai_tcb_kind kind,
                         confai_tcb_component component);
    /* Adds the platform's members to the verdict's JSON; 0 when out of memory. */
    int (*json_add)(cJSON *root, const void *state);
} attest_platform_ops;

extern const attest_platform_ops snp_platform; /* snp/snp_attestation.c */
extern const attest_platform_ops tdx_platform; /* tdx/tdx_attestation.c */

/* The platform that verifies a bundle's cpu.type, or NULL. */
const attest_platform_ops *attest_platform_of(bundle_cpu_type type);

/* The verdict's copy of its platform's verified state. */
static inline const void *verdict_evidence(const confai_verdict *v)
{
    return v->evidence;
}

#endif /* CONFAI_ATTEST_PLATFORM_H */
