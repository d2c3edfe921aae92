/* Names and descriptions of status codes. */
#include <confai/confai.h>

/*
 * Both switches have no default: with -Werror=switch a new status code that
 * lacks a name or a message does not build.
 */
const char *confai_status_str(confai_status status)
{
    switch (status) {
    case CONFAI_OK: return "success";
    case CONFAI_E_ARGUMENT: return "invalid argument";
    case CONFAI_E_BUFFER_TOO_SMALL: return "output buffer too small";
    case CONFAI_E_UNSUPPORTED: return "unsupported algorithm or feature";
    case CONFAI_E_STATE: return "call not valid in the object's current state";
    case CONFAI_E_NO_MEMORY: return "out of memory";
    case CONFAI_E_INTERNAL: return "internal error in an underlying library";
    case CONFAI_E_MALFORMED: return "malformed input";
    case CONFAI_E_TRUNCATED: return "input truncated";
    case CONFAI_E_TRAILING_DATA: return "unexpected data after the end of the input";
    case CONFAI_E_LIMIT: return "input exceeds a configured or protocol limit";
    case CONFAI_E_BAD_KEY: return "invalid key";
    case CONFAI_E_BAD_ENCAPSULATION: return "invalid encapsulated key";
    case CONFAI_E_DECRYPT: return "authentication failed: ciphertext or tag altered, or wrong key";
    case CONFAI_E_SEQUENCE_EXHAUSTED: return "message sequence number exhausted";
    case CONFAI_E_EXPORT_ONLY: return "the export-only AEAD cannot seal or open";
    case CONFAI_E_BAD_PSK: return "invalid pre-shared key or key id";
    case CONFAI_E_KEY_ID_UNKNOWN: return "key id or cipher suite not offered by this key configuration";
    case CONFAI_E_STREAM_TRUNCATED: return "stream ended before its final chunk: truncated";
    case CONFAI_E_STREAM_TRAILING: return "data after the final chunk of the stream";
    case CONFAI_E_CHUNK_REPLAYED: return "a chunk of the stream was repeated";
    case CONFAI_E_CHUNK_REORDERED: return "chunks of the stream arrived out of order or one was dropped";
    case CONFAI_E_BAD_SIGNATURE: return "evidence signature does not verify";
    case CONFAI_E_CERT_CHAIN: return "certificate chain is broken or malformed";
    case CONFAI_E_UNKNOWN_ROOT: return "certificate chain does not end in a pinned root";
    case CONFAI_E_CERT_EXPIRED: return "a certificate is not valid at the verification time";
    case CONFAI_E_CERT_REVOKED: return "a certificate has been revoked";
    case CONFAI_E_TCB_MISMATCH: return "the endorsement key does not match the reported TCB, chip or product";
    case CONFAI_E_BINDING: return "the evidence does not commit to this key configuration";
    case CONFAI_E_NONCE_MISMATCH: return "the evidence answers another nonce";
    case CONFAI_E_EVIDENCE_EXPIRED: return "the evidence has expired";
    case CONFAI_E_COLLATERAL: return "verification collateral is missing, stale or does not match";
    case CONFAI_E_TOKEN_ALGORITHM: return "the token's signature algorithm is not accepted (none, HMAC or unknown)";
    case CONFAI_E_TOKEN_KEY: return "no pinned key fits the token (unknown kid, or a key of another type or curve)";
    case CONFAI_E_TOKEN_EXPIRED: return "the token is expired, not yet valid or issued in the future";
    case CONFAI_E_TOKEN_CLAIM: return "a token header or claim is not accepted (issuer, audience, critical header, result)";
    case CONFAI_E_TOKEN_DETACHED: return "a detached token is missing or does not match its digest";
    case CONFAI_E_GPU_DUPLICATE: return "one GPU is listed more than once in the evidence";
    case CONFAI_E_POLICY_INVALID: return "the policy document is invalid";
    case CONFAI_E_POLICY_PLATFORM: return "the policy does not accept this platform or product";
    case CONFAI_E_POLICY_MEASUREMENT: return "the policy does not accept this measurement";
    case CONFAI_E_POLICY_TCB: return "the TCB is below the policy minimum";
    case CONFAI_E_POLICY_DEBUG: return "the guest allows debugging, which the policy forbids";
    case CONFAI_E_POLICY_VMPL: return "the policy does not accept this VMPL";
    case CONFAI_E_POLICY_GUEST: return "the guest policy has a setting the policy forbids";
    case CONFAI_E_POLICY_IDENTITY: return "host data, guest identity or SVN not accepted by the policy";
    case CONFAI_E_POLICY_CHIP: return "the chip is not in the policy allowlist";
    case CONFAI_E_POLICY_FIRMWARE: return "the firmware is older than the policy minimum";
    case CONFAI_E_POLICY_MANIFEST: return "the policy does not accept this deployment manifest";
    case CONFAI_E_POLICY_COLLATERAL: return "the verification collateral is older than the policy accepts, or CRLs it requires are absent";
    case CONFAI_E_POLICY_GPU_COUNT: return "the number of GPUs is outside what the policy accepts";
    case CONFAI_E_POLICY_GPU_VERSION: return "the policy does not accept this GPU driver or VBIOS version";
    case CONFAI_E_POLICY_TOKEN: return "required tokens are missing or come from an issuer the policy does not pin";
    case CONFAI_E_NETWORK: return "network failure: the service could not be reached or the connection broke";
    case CONFAI_E_TIMEOUT: return "the operation timed out";
    case CONFAI_E_TLS: return "TLS failure: certificate, CA or public-key pin not accepted";
    case CONFAI_E_HTTP_STATUS: return "the service answered with an unexpected HTTP status";
    case CONFAI_E_NOT_SEALED: return "the service answered without sealing the response";
    case CONFAI_E_CANCELLED: return "cancelled by the application";
    case CONFAI_E_TSM_UNAVAILABLE: return "no attestation interface: neither a configfs-tsm report root nor /dev/sev-guest (is this a confidential VM with a TSM-capable kernel?)";
    case CONFAI_E_TSM_PROVIDER: return "the configfs-tsm provider is not the platform asked for";
    case CONFAI_E_TSM_RACE: return "another writer kept changing the configfs-tsm report entry; retries exhausted";
    case CONFAI_E_TSM_REFUSED: return "the kernel refused the attestation request (inblob or privilege level)";
    case CONFAI_E_SEV_GUEST: return "the /dev/sev-guest report request failed";
    case CONFAI_E_ENDORSEMENT_UNAVAILABLE: return "no endorsement: the report carried no certificates and the key distribution service could not be reached";
    case CONFAI_E_ENDORSEMENT_NOT_FOUND: return "the key distribution service has no certificate or collateral for this chip, TCB or FMSPC";
    case CONFAI_E_COLLATERAL_EXPIRED: return "the platform collateral has expired and no fresher copy could be fetched";
    case CONFAI_E_NVML_UNAVAILABLE: return "NVIDIA management library (libnvidia-ml.so.1) missing or failed to initialise";
    case CONFAI_E_GPU_CC_OFF: return "confidential-computing mode is off on the GPUs";
    case CONFAI_E_GPU_NONCE: return "a GPU answered another nonce than the one asked";
    }
    return "unknown status code";
}

const char *confai_status_name(confai_status status)
{
    switch (status) {
    case CONFAI_OK: return "CONFAI_OK";
    case CONFAI_E_ARGUMENT: return "CONFAI_E_ARGUMENT";
    case CONFAI_E_BUFFER_TOO_SMALL: return "CONFAI_E_BUFFER_TOO_SMALL";
    case CONFAI_E_UNSUPPORTED: return "CONFAI_E_UNSUPPORTED";
    case CONFAI_E_STATE: return "CONFAI_E_STATE";
    case CONFAI_E_NO_MEMORY: return "CONFAI_E_NO_MEMORY";
    case CONFAI_E_INTERNAL: return "CONFAI_E_INTERNAL";
    case CONFAI_E_MALFORMED: return "CONFAI_E_MALFORMED";
    case CONFAI_E_TRUNCATED: return "CONFAI_E_TRUNCATED";
    case CONFAI_E_TRAILING_DATA: return "CONFAI_E_TRAILING_DATA";
    case CONFAI_E_LIMIT: return "CONFAI_E_LIMIT";
    case CONFAI_E_BAD_KEY: return "CONFAI_E_BAD_KEY";
    case CONFAI_E_BAD_ENCAPSULATION: return "CONFAI_E_BAD_ENCAPSULATION";
    case CONFAI_E_DECRYPT: return "CONFAI_E_DECRYPT";
    case CONFAI_E_SEQUENCE_EXHAUSTED: return "CONFAI_E_SEQUENCE_EXHAUSTED";
    case CONFAI_E_EXPORT_ONLY: return "CONFAI_E_EXPORT_ONLY";
    case CONFAI_E_BAD_PSK: return "CONFAI_E_BAD_PSK";
    case CONFAI_E_KEY_ID_UNKNOWN: return "CONFAI_E_KEY_ID_UNKNOWN";
    case CONFAI_E_STREAM_TRUNCATED: return "CONFAI_E_STREAM_TRUNCATED";
    case CONFAI_E_STREAM_TRAILING: return "CONFAI_E_STREAM_TRAILING";
    case CONFAI_E_CHUNK_REPLAYED: return "CONFAI_E_CHUNK_REPLAYED";
    case CONFAI_E_CHUNK_REORDERED: return "CONFAI_E_CHUNK_REORDERED";
    case CONFAI_E_BAD_SIGNATURE: return "CONFAI_E_BAD_SIGNATURE";
    case CONFAI_E_CERT_CHAIN: return "CONFAI_E_CERT_CHAIN";
    case CONFAI_E_UNKNOWN_ROOT: return "CONFAI_E_UNKNOWN_ROOT";
    case CONFAI_E_CERT_EXPIRED: return "CONFAI_E_CERT_EXPIRED";
    case CONFAI_E_CERT_REVOKED: return "CONFAI_E_CERT_REVOKED";
    case CONFAI_E_TCB_MISMATCH: return "CONFAI_E_TCB_MISMATCH";
    case CONFAI_E_BINDING: return "CONFAI_E_BINDING";
    case CONFAI_E_NONCE_MISMATCH: return "CONFAI_E_NONCE_MISMATCH";
    case CONFAI_E_EVIDENCE_EXPIRED: return "CONFAI_E_EVIDENCE_EXPIRED";
    case CONFAI_E_COLLATERAL: return "CONFAI_E_COLLATERAL";
    case CONFAI_E_TOKEN_ALGORITHM: return "CONFAI_E_TOKEN_ALGORITHM";
    case CONFAI_E_TOKEN_KEY: return "CONFAI_E_TOKEN_KEY";
    case CONFAI_E_TOKEN_EXPIRED: return "CONFAI_E_TOKEN_EXPIRED";
    case CONFAI_E_TOKEN_CLAIM: return "CONFAI_E_TOKEN_CLAIM";
    case CONFAI_E_TOKEN_DETACHED: return "CONFAI_E_TOKEN_DETACHED";
    case CONFAI_E_GPU_DUPLICATE: return "CONFAI_E_GPU_DUPLICATE";
    case CONFAI_E_POLICY_INVALID: return "CONFAI_E_POLICY_INVALID";
    case CONFAI_E_POLICY_PLATFORM: return "CONFAI_E_POLICY_PLATFORM";
    case CONFAI_E_POLICY_MEASUREMENT: return "CONFAI_E_POLICY_MEASUREMENT";
    case CONFAI_E_POLICY_TCB: return "CONFAI_E_POLICY_TCB";
    case CONFAI_E_POLICY_DEBUG: return "CONFAI_E_POLICY_DEBUG";
    case CONFAI_E_POLICY_VMPL: return "CONFAI_E_POLICY_VMPL";
    case CONFAI_E_POLICY_GUEST: return "CONFAI_E_POLICY_GUEST";
    case CONFAI_E_POLICY_IDENTITY: return "CONFAI_E_POLICY_IDENTITY";
    case CONFAI_E_POLICY_CHIP: return "CONFAI_E_POLICY_CHIP";
    case CONFAI_E_POLICY_FIRMWARE: return "CONFAI_E_POLICY_FIRMWARE";
    case CONFAI_E_POLICY_MANIFEST: return "CONFAI_E_POLICY_MANIFEST";
    case CONFAI_E_POLICY_COLLATERAL: return "CONFAI_E_POLICY_COLLATERAL";
    case CONFAI_E_POLICY_GPU_COUNT: return "CONFAI_E_POLICY_GPU_COUNT";
    case CONFAI_E_POLICY_GPU_VERSION: return "CONFAI_E_POLICY_GPU_VERSION";
    case CONFAI_E_POLICY_TOKEN: return "CONFAI_E_POLICY_TOKEN";
    case CONFAI_E_NETWORK: return "CONFAI_E_NETWORK";
    case CONFAI_E_TIMEOUT: return "CONFAI_E_TIMEOUT";
    case CONFAI_E_TLS: return "CONFAI_E_TLS";
    case CONFAI_E_HTTP_STATUS: return "CONFAI_E_HTTP_STATUS";
    case CONFAI_E_NOT_SEALED: return "CONFAI_E_NOT_SEALED";
    case CONFAI_E_CANCELLED: return "CONFAI_E_CANCELLED";
    case CONFAI_E_TSM_UNAVAILABLE: return "CONFAI_E_TSM_UNAVAILABLE";
    case CONFAI_E_TSM_PROVIDER: return "CONFAI_E_TSM_PROVIDER";
    case CONFAI_E_TSM_RACE: return "CONFAI_E_TSM_RACE";
    case CONFAI_E_TSM_REFUSED: return "CONFAI_E_TSM_REFUSED";
    case CONFAI_E_SEV_GUEST: return "CONFAI_E_SEV_GUEST";
    case CONFAI_E_ENDORSEMENT_UNAVAILABLE: return "CONFAI_E_ENDORSEMENT_UNAVAILABLE";
    case CONFAI_E_ENDORSEMENT_NOT_FOUND: return "CONFAI_E_ENDORSEMENT_NOT_FOUND";
    case CONFAI_E_COLLATERAL_EXPIRED: return "CONFAI_E_COLLATERAL_EXPIRED";
    case CONFAI_E_NVML_UNAVAILABLE: return "CONFAI_E_NVML_UNAVAILABLE";
    case CONFAI_E_GPU_CC_OFF: return "CONFAI_E_GPU_CC_OFF";
    case CONFAI_E_GPU_NONCE: return "CONFAI_E_GPU_NONCE";
    }
    return "CONFAI_E_UNKNOWN";
}

confai_status_group confai_status_group_of(confai_status status)
{
    int value = (int)status;
    if (value == CONFAI_OK)
        return CONFAI_GROUP_OK;
    /* Values outside the groups never look like success. */
    if (value < 100 || value >= (CONFAI_GROUP_PLATFORM + 1) * 100)
        return CONFAI_GROUP_RESOURCE;
    return (confai_status_group)(value / 100);
}
