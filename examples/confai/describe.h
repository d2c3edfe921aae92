/*
 * Decoded evidence and key configurations as JSON objects (describe.c), for
 * inspect and pin. Each returns a new object (release with cJSON_Delete) or
 * NULL.
 */
#ifndef CONFAI_CLI_DESCRIBE_H
#define CONFAI_CLI_DESCRIBE_H

#include "cli.h"

/*
 * The library's description of evidence of a kind (confai_evidence_describe)
 * as a cJSON object. NULL with *err set when it does not decode (the
 * parser's status) or memory ran out (CONFAI_E_NO_MEMORY).
 */
cJSON *describe_evidence(confai_evidence_kind kind, const uint8_t *bytes, size_t len,
                         confai_error *err);

/* A key configuration: id, KEM, public key, algorithm pairs, client suite. */
cJSON *describe_key_config(const confai_key_config *config);

#endif /* CONFAI_CLI_DESCRIBE_H */
