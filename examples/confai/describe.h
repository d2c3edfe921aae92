/*
 * Decoded evidence as JSON objects (describe.c), for inspect, verify and
 * pin. Each returns a new object (release with cJSON_Delete) or NULL when
 * memory ran out.
 */
#ifndef CONFAI_CLI_DESCRIBE_H
#define CONFAI_CLI_DESCRIBE_H

#include "attest/gpu/nvgpu.h"
#include "attest/policy/policy.h"
#include "attest/snp/snp.h"
#include "attest/tdx/tdx.h"

#include "cli.h"

cJSON *describe_snp_report(const snp_report *report);
cJSON *describe_tdx_quote(const tdx_quote *quote);
cJSON *describe_spdm(const spdm_evidence *evidence);
cJSON *describe_key_config(const confai_key_config *config);
/* Subject, issuer, validity and SPKI SHA-256 of a DER certificate. */
cJSON *describe_cert(const uint8_t *der, size_t len);

#endif /* CONFAI_CLI_DESCRIBE_H */
