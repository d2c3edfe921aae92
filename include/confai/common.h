/*
 * libconfai: the version, status codes, error detail and memory that every
 * layer uses.
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 *
 * Conventions, true for every function unless its comment says otherwise:
 * - Functions return a confai_status; CONFAI_OK is 0.
 * - Arguments come in this order: the handle the call works on, then the
 *   outputs, then the inputs, then the confai_error. A length always comes
 *   right after its pointer.
 * - The last argument is an optional caller-owned confai_error (may be NULL)
 *   that receives the status and a human-readable message on failure. The
 *   library keeps no global or thread-local error state.
 * - Output buffers are (ptr, *len) pairs: on input *len is the capacity, on
 *   success it is the number of bytes written. When the capacity is too small
 *   the call fails with CONFAI_E_BUFFER_TOO_SMALL, sets *len to the size
 *   needed and writes nothing.
 * - Outputs whose size is fixed (uint8_t report_data[64]) or chosen by the
 *   caller (confai_hpke_export's secret_len) take no *len: the size shows in
 *   the prototype or is an input right after the pointer.
 * - Reading a stream (confai_stream_read) also takes (ptr, *len): *len is
 *   the capacity on input and the number of bytes read on return, which may
 *   be fewer than the capacity; 0 with CONFAI_OK means the end.
 * - Memory the library allocates for the caller comes back as a (T **ptr,
 *   size_t *len) pair and is released with confai_free(). Handles are
 *   released with their own _free(); passing NULL to any _free() is a no-op.
 * - On failure no output is produced: no partial plaintext, no half-made
 *   handle (handle outputs are set to NULL).
 *
 * Threads: the library has no global mutable state. Immutable objects (keys)
 * may be shared between threads; objects that change (HPKE contexts) need
 * exclusive access while a call runs.
 */
#ifndef CONFAI_COMMON_H
#define CONFAI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <confai/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define CONFAI_API
#elif defined(__GNUC__) || defined(__clang__)
#  define CONFAI_API __attribute__((visibility("default")))
#else
#  define CONFAI_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define CONFAI_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#else
#  define CONFAI_WARN_UNUSED_RESULT
#endif


/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

/* The library's version as "MAJOR.MINOR.PATCH"; static storage. */
CONFAI_API const char *confai_version(void);

/* The library's version as CONFAI_VERSION_NUMBER encodes it. */
CONFAI_API uint32_t confai_version_number(void);

/* ------------------------------------------------------------------------ */
/* Status codes and error detail                                            */
/* ------------------------------------------------------------------------ */

/*
 * Values are grouped by hundreds (see confai_status_group) and are never
 * renumbered or reused.
 */
typedef enum confai_status {
    CONFAI_OK = 0,

    /* 1xx: the caller passed something the function cannot use. */
    CONFAI_E_ARGUMENT = 100,         /* invalid argument (NULL, bad length) */
    CONFAI_E_BUFFER_TOO_SMALL = 101, /* output capacity too small; *len set */
    CONFAI_E_UNSUPPORTED = 102,      /* unknown or unsupported algorithm id */
    CONFAI_E_STATE = 103,            /* call not valid in the object's state */

    /* 2xx: resources and internal failures. */
    CONFAI_E_NO_MEMORY = 200,
    CONFAI_E_INTERNAL = 201, /* an underlying library failed unexpectedly */

    /* 3xx: input bytes that do not parse. */
    CONFAI_E_MALFORMED = 300,
    CONFAI_E_TRUNCATED = 301,
    CONFAI_E_TRAILING_DATA = 302,
    CONFAI_E_LIMIT = 303, /* larger than a configured or protocol maximum */

    /* 4xx: cryptographic rejections. */
    CONFAI_E_BAD_KEY = 400,            /* key bytes invalid for the KEM */
    CONFAI_E_BAD_ENCAPSULATION = 401,  /* enc has the wrong size or is invalid */
    CONFAI_E_DECRYPT = 402,            /* authentication tag mismatch */
    CONFAI_E_SEQUENCE_EXHAUSTED = 403, /* no more messages in this context */
    CONFAI_E_EXPORT_ONLY = 404,        /* seal/open with the export-only AEAD */
    CONFAI_E_BAD_PSK = 405,            /* PSK and PSK id inconsistent or short */
    CONFAI_E_KEY_ID_UNKNOWN = 406,     /* OHTTP key id or suite not offered */
    CONFAI_E_STREAM_TRUNCATED = 410,   /* stream ended without its final chunk */
    CONFAI_E_STREAM_TRAILING = 411,    /* bytes after the final chunk */
    CONFAI_E_CHUNK_REPLAYED = 412,     /* a chunk that was already delivered */
    CONFAI_E_CHUNK_REORDERED = 413,    /* a chunk from later in the stream */

    /* 5xx: attestation evidence rejected (it does not prove what it claims). */
    CONFAI_E_BAD_SIGNATURE = 500,      /* report or quote signature invalid */
    CONFAI_E_CERT_CHAIN = 501,         /* certificate chain broken or malformed */
    CONFAI_E_UNKNOWN_ROOT = 502,       /* chain ends in a root nobody pinned */
    CONFAI_E_CERT_EXPIRED = 503,       /* a certificate is not valid at that time */
    CONFAI_E_CERT_REVOKED = 504,       /* a certificate is on a supplied CRL */
    CONFAI_E_TCB_MISMATCH = 505,       /* endorsement key's TCB/chip/product differ */
    CONFAI_E_BINDING = 506,            /* report data does not commit to this key */
    CONFAI_E_NONCE_MISMATCH = 507,     /* evidence answers another nonce */
    CONFAI_E_EVIDENCE_EXPIRED = 508,   /* evidence past its not_after or max age */
    CONFAI_E_COLLATERAL = 509,         /* collateral missing, stale or mismatched */
    CONFAI_E_TOKEN_ALGORITHM = 510,    /* token alg none, HMAC or not accepted */
    CONFAI_E_TOKEN_KEY = 511,          /* no pinned key fits the token (kid, kty, crv) */
    CONFAI_E_TOKEN_EXPIRED = 512,      /* token exp, nbf or iat outside the skew */
    CONFAI_E_TOKEN_CLAIM = 513,        /* token header or claim not acceptable */
    CONFAI_E_TOKEN_DETACHED = 514,     /* detached token missing or digest differs */
    CONFAI_E_GPU_DUPLICATE = 515,      /* one GPU's evidence listed more than once */

    /* 6xx: evidence verified, but the policy does not accept it. */
    CONFAI_E_POLICY_INVALID = 600,     /* the policy document itself is invalid */
    CONFAI_E_POLICY_PLATFORM = 601,    /* platform or product not accepted */
    CONFAI_E_POLICY_MEASUREMENT = 602, /* measurement not in the accepted set */
    CONFAI_E_POLICY_TCB = 603,         /* TCB below the policy's minimum */
    CONFAI_E_POLICY_DEBUG = 604,       /* guest allows debugging */
    CONFAI_E_POLICY_VMPL = 605,        /* report from a VMPL the policy rejects */
    CONFAI_E_POLICY_GUEST = 606,       /* guest policy bits (migration, SMT, ...) */
    CONFAI_E_POLICY_IDENTITY = 607,    /* host data, ID/author key, guest SVN */
    CONFAI_E_POLICY_CHIP = 608,        /* chip id not in the allowlist */
    CONFAI_E_POLICY_FIRMWARE = 609,    /* firmware build/version below minimum */
    CONFAI_E_POLICY_MANIFEST = 610,    /* manifest digest not accepted */
    CONFAI_E_POLICY_COLLATERAL = 611,  /* TDX collateral too old, or CRLs required but absent */
    CONFAI_E_POLICY_GPU_COUNT = 620,   /* number of GPUs outside the policy's range */
    CONFAI_E_POLICY_GPU_VERSION = 621, /* GPU driver or VBIOS version not accepted */
    CONFAI_E_POLICY_TOKEN = 622,       /* tokens missing, or from an issuer not pinned */

    /* 7xx: the transport to the service failed (client layer). */
    CONFAI_E_NETWORK = 700,            /* connect, DNS, reset: no usable answer */
    CONFAI_E_TIMEOUT = 701,            /* a configured timeout expired */
    CONFAI_E_TLS = 702,                /* TLS handshake, CA or public-key pin failed */
    CONFAI_E_HTTP_STATUS = 703,        /* the service answered an unexpected HTTP status */
    CONFAI_E_NOT_SEALED = 704,         /* an answer that should be sealed was not */
    CONFAI_E_CANCELLED = 705,          /* the application cancelled the call */

    /* 8xx: the server's platform could not produce evidence (server layer). */
    CONFAI_E_TSM_UNAVAILABLE = 800,    /* no configfs-tsm report root and no /dev/sev-guest */
    CONFAI_E_TSM_PROVIDER = 801,       /* configfs-tsm's provider is another platform */
    CONFAI_E_TSM_RACE = 802,           /* a concurrent writer kept changing the report entry */
    CONFAI_E_TSM_REFUSED = 803,        /* the kernel refused the request (inblob, privlevel) */
    CONFAI_E_SEV_GUEST = 804,          /* the /dev/sev-guest request failed (firmware error) */
    CONFAI_E_ENDORSEMENT_UNAVAILABLE = 805, /* no certificates in the report, KDS/PCS unreachable */
    CONFAI_E_ENDORSEMENT_NOT_FOUND = 806,   /* KDS/PCS has nothing for this chip, TCB or FMSPC */
    CONFAI_E_COLLATERAL_EXPIRED = 807, /* PCS collateral past its nextUpdate, no fresher copy */
    CONFAI_E_NVML_UNAVAILABLE = 808,   /* libnvidia-ml missing, or it failed to initialise */
    CONFAI_E_GPU_CC_OFF = 809,         /* confidential-computing mode is off on the GPUs */
    CONFAI_E_GPU_NONCE = 810,          /* a GPU answered another nonce than the one asked */
} confai_status;

/* Groups of status codes, so bindings can map them to exception classes. */
typedef enum confai_status_group {
    CONFAI_GROUP_OK = 0,
    CONFAI_GROUP_ARGUMENT = 1,
    CONFAI_GROUP_RESOURCE = 2,
    CONFAI_GROUP_PARSE = 3,
    CONFAI_GROUP_CRYPTO = 4,
    CONFAI_GROUP_ATTESTATION = 5,
    CONFAI_GROUP_POLICY = 6,
    CONFAI_GROUP_TRANSPORT = 7,
    CONFAI_GROUP_PLATFORM = 8,
} confai_status_group;

/* A short English description of a status; static storage, never NULL. */
CONFAI_API const char *confai_status_str(confai_status status);

/* The symbolic name of a status ("CONFAI_E_DECRYPT"); static, never NULL. */
CONFAI_API const char *confai_status_name(confai_status status);

/* The group a status belongs to. */
CONFAI_API confai_status_group confai_status_group_of(confai_status status);

#define CONFAI_ERROR_MESSAGE_SIZE 256

/*
 * Per-call error detail, owned by the caller. Pass a pointer as the last
 * argument of any call; on failure it holds the status and a NUL-terminated
 * message. Its layout is part of the ABI.
 */
typedef struct confai_error {
    confai_status status;
    char message[CONFAI_ERROR_MESSAGE_SIZE];
} confai_error;

/* sizeof(confai_error), for bindings that allocate it themselves. */
CONFAI_API size_t confai_error_size(void);

/* CONFAI_ERROR_MESSAGE_SIZE as a function. */
CONFAI_API size_t confai_error_message_size(void);

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Releases memory the library allocated for the caller. The bytes are wiped
 * before they are freed, so secrets never linger. NULL is a no-op.
 */
CONFAI_API void confai_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_COMMON_H */
