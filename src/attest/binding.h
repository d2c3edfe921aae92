/*
 * Key binding (doc/protocol.md, "Key binding"): the transcript that ties a
 * CPU report and GPU evidence to one nonce, one OHTTP key configuration,
 * one manifest and one lease:
 *
 *   T = "confai/v1 binding"                      17 bytes, no NUL
 *       || u16(len nonce)       || nonce
 *       || u16(len key_config)  || key_config    the KeyConfig bytes
 *       || SHA-256(manifest)                     32 bytes
 *       || u16(len not_after)   || not_after     the exact RFC 3339 string
 *
 * u16 is big-endian. report_data = SHA-512(T); each GPU nonce = SHA-256(T).
 */
#ifndef CONFAI_ATTEST_BINDING_H
#define CONFAI_ATTEST_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#define BINDING_LABEL "confai/v1 binding"
#define BINDING_LABEL_LEN (sizeof(BINDING_LABEL) - 1)
#define BINDING_REPORT_DATA_SIZE 64
#define BINDING_GPU_NONCE_SIZE 32

/* What the transcript commits to; every length must fit a u16. */
typedef struct binding_inputs {
    const uint8_t *nonce;
    size_t nonce_len;
    const uint8_t *key_config;
    size_t key_config_len;
    const uint8_t *manifest;
    size_t manifest_len;
    const char *not_after;
    size_t not_after_len;
} binding_inputs;

/* The size of T for these inputs. */
size_t binding_transcript_size(const binding_inputs *in);

/*
 * Writes T into out (binding_transcript_size bytes). Errors: CONFAI_E_LIMIT
 * (a length over 65535), CONFAI_E_INTERNAL (hashing failed).
 */
confai_status binding_transcript(uint8_t *out, const binding_inputs *in, confai_error *err);

/* SHA-512(T): the report data of a CPU report. */
confai_status binding_report_data(uint8_t out[BINDING_REPORT_DATA_SIZE],
                                  const binding_inputs *in, confai_error *err);

/* SHA-256(T): the SPDM nonce of each GPU. */
confai_status binding_gpu_nonce(uint8_t out[BINDING_GPU_NONCE_SIZE],
                                const binding_inputs *in, confai_error *err);

/*
 * Checks a report's 64-byte report data against SHA-512(T) in constant time.
 * Errors: CONFAI_E_BINDING, and those of binding_report_data.
 */
confai_status binding_check_report_data(const uint8_t report_data[BINDING_REPORT_DATA_SIZE],
                                        const binding_inputs *in, confai_error *err);

#endif /* CONFAI_ATTEST_BINDING_H */
