/*
 * The evidence bundle (doc/protocol.md, "Evidence bundle"): the JSON a
 * service returns from POST /v1/attestation, parsed strictly into decoded
 * bytes; server/bundle_write.c writes it.
 *
 * The parser knows the shapes of every platform section the protocol
 * defines (sev-snp and tdx CPUs, nvidia-spdm GPUs, remote-verifier tokens)
 * so that a bundle is either well formed or rejected here; whether this
 * build can *verify* a section is the attestation layer's decision.
 */
#ifndef CONFAI_ATTEST_BUNDLE_H
#define CONFAI_ATTEST_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <confai/confai.h>

#include "core/rfc3339.h"

#define BUNDLE_VERSION 1
#define BUNDLE_NONCE_SIZE 32
#define BUNDLE_MAX_KEY_CONFIG 65535 /* its length is a u16 in the transcript */
#define BUNDLE_MAX_CERT 16384       /* one DER certificate */
#define BUNDLE_MAX_SNP_CERTS 3      /* VCEK/VLEK, ASK/ASVK, ARK */
#define BUNDLE_MAX_GPU_CERTS 8
#define BUNDLE_MAX_GPUS 16
#define BUNDLE_MAX_TOKENS 8
#define BUNDLE_MAX_QUOTE 65536
#define BUNDLE_MAX_GPU_EVIDENCE 65536

/* Decoded bytes; data is NULL when len is 0. */
typedef struct bundle_blob {
    uint8_t *data;
    size_t len;
} bundle_blob;

typedef enum bundle_cpu_type {
    BUNDLE_CPU_SEV_SNP = 1,
    BUNDLE_CPU_TDX = 2,
} bundle_cpu_type;

/* Intel collateral a TDX section may carry, by member name (all optional). */
typedef enum bundle_tdx_collateral {
    BUNDLE_TDX_TCB_INFO = 0,
    BUNDLE_TDX_TCB_INFO_ISSUER_CHAIN,
    BUNDLE_TDX_QE_IDENTITY,
    BUNDLE_TDX_QE_IDENTITY_ISSUER_CHAIN,
    BUNDLE_TDX_PCK_CRL,
    BUNDLE_TDX_PCK_CRL_ISSUER_CHAIN,
    BUNDLE_TDX_ROOT_CA_CRL,
    BUNDLE_TDX_COLLATERAL_COUNT
} bundle_tdx_collateral;

/* The member name of a collateral item ("tcb_info", ...). */
const char *bundle_tdx_collateral_name(bundle_tdx_collateral which);

typedef struct bundle_cpu {
    bundle_cpu_type type;
    /* sev-snp */
    bundle_blob report;                        /* exactly 1184 bytes */
    bundle_blob certs[BUNDLE_MAX_SNP_CERTS];   /* leaf first */
    size_t cert_count;
    /* tdx */
    bundle_blob quote;
    bundle_blob collateral[BUNDLE_TDX_COLLATERAL_COUNT];
} bundle_cpu;

typedef struct bundle_gpu {
    bundle_blob evidence;                      /* SPDM measurement response */
    bundle_blob certs[BUNDLE_MAX_GPU_CERTS];   /* device chain, leaf first */
    size_t cert_count;
} bundle_gpu;

/* The type of a token: a compact JWS, or NVIDIA NRAS's JSON response. */
#define BUNDLE_TOKEN_JWT 0
#define BUNDLE_TOKEN_NRAS 1

/* A token from a remote verifier: a compact JWS ("jwt") or an NRAS response ("nras"). */
typedef struct bundle_token {
    int kind;                                  /* BUNDLE_TOKEN_* */
    char *token;
} bundle_token;

typedef struct bundle {
    uint32_t version;
    uint8_t nonce[BUNDLE_NONCE_SIZE];
    bundle_blob key_config;                    /* one RFC 9458 KeyConfig */
    bundle_blob manifest;                      /* may be empty */
    char not_after[RFC3339_LEN + 1];           /* the exact string */
    int64_t not_after_time;                    /* the same, in seconds */
    bundle_cpu cpu;
    bundle_gpu *gpus;
    size_t gpu_count;
    bundle_token *tokens;
    size_t token_count;
} bundle;

/*
 * Parses an evidence bundle of len bytes. strict: unknown members are
 * rejected (otherwise ignored); duplicates are always rejected. On failure
 * *b holds nothing (bundle_clear is still safe). Errors, each with a message
 * naming the member: CONFAI_E_MALFORMED, CONFAI_E_TRAILING_DATA,
 * CONFAI_E_LIMIT, CONFAI_E_UNSUPPORTED (another bundle version, an unknown
 * cpu/gpu/token type), CONFAI_E_NO_MEMORY.
 */
confai_status bundle_parse(bundle *b, const char *json, size_t len, int strict,
                           confai_error *err);

/* Releases what a bundle holds (wiping it) and zeroes it. */
void bundle_clear(bundle *b);

#endif /* CONFAI_ATTEST_BUNDLE_H */
