/*
 * Writing evidence bundles (doc/protocol.md, "Evidence bundle"): the server
 * side of attest/bundle.c. bundle_write is the inverse of bundle_parse: any
 * bundle it is given comes out as JSON that parses back into the same
 * bundle in strict mode.
 */
#ifndef CONFAI_SERVER_BUNDLE_WRITE_H
#define CONFAI_SERVER_BUNDLE_WRITE_H

#include "attest/bundle.h"

/*
 * Writes b as compact JSON: *json (NUL-terminated, release with
 * confai_free) and *json_len. Only encodes; bundle_builder.c checks.
 * Errors: CONFAI_E_ARGUMENT (no CPU section), CONFAI_E_NO_MEMORY.
 */
confai_status bundle_write(char **json, size_t *json_len, const bundle *b, confai_error *err);

/* What the gateway side puts into an SEV-SNP bundle. */
typedef struct bundle_snp_parts {
    const uint8_t *nonce;                      /* BUNDLE_NONCE_SIZE bytes */
    const uint8_t *key_config;
    size_t key_config_len;
    const uint8_t *manifest;
    size_t manifest_len;
    const char *not_after;                     /* RFC 3339 profile */
    const uint8_t *report;
    size_t report_len;
    const uint8_t *const *certs;
    const size_t *cert_lens;
    size_t cert_count;
} bundle_snp_parts;

/*
 * Writes an SEV-SNP evidence bundle without GPUs or tokens, as bundle_write.
 * The parts are only encoded, not checked beyond what the format needs.
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
confai_status bundle_write_snp(char **json, size_t *json_len,
                               const bundle_snp_parts *parts, confai_error *err);

#endif /* CONFAI_SERVER_BUNDLE_WRITE_H */
