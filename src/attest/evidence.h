/*
 * Raw evidence (confai_evidence_*): verified in evidence.c with the
 * platform verifiers and policy checks of confai_attestation_verify, and
 * described as JSON in evidence_json.c.
 */
#ifndef CONFAI_ATTEST_EVIDENCE_H
#define CONFAI_ATTEST_EVIDENCE_H

#include <cJSON.h>

#include <confai/confai.h>

#include "attest/gpu/nvgpu.h"
#include "attest/snp/snp.h"
#include "attest/tdx/tdx.h"
#include "attest/verdict.h"

struct confai_evidence_verdict {
    const char *platform;          /* static: "sev-snp", "tdx", "nvidia-gpu" */
    confai_root_kind root_kind;
    char root_warning[VERDICT_WARNING_SIZE]; /* custom roots only */
    int64_t verified_at;
    verdict_checks checks;
    char *json;                    /* confai_evidence_verdict_json, made once */
    size_t json_len;
};

/*
 * What a platform verifier proved, as the members of out (a JSON object):
 * root, the verifier's findings and the decoded evidence. 0 when memory
 * ran out.
 */
int evidence_json_snp(cJSON *out, const snp_verified *v, const char *warning);
int evidence_json_tdx(cJSON *out, const tdx_verified *v, const char *warning);
int evidence_json_gpu(cJSON *out, const nvgpu_verified *v, const char *warning);

/* o as compact JSON text the caller releases with confai_free. */
confai_status evidence_json_text(char **json, size_t *json_len, const cJSON *o,
                                 confai_error *err);

#endif /* CONFAI_ATTEST_EVIDENCE_H */
