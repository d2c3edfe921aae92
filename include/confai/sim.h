/*
 * libconfai: Simulated platforms for development, demos and tests.
 *
 * Part of the public API; include <confai/confai.h>, or this header alone.
 * The conventions every function follows are in confai/common.h.
 */
#ifndef CONFAI_SIM_H
#define CONFAI_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <confai/common.h>
#include <confai/attest.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Gateway side: a simulated SEV-SNP platform                               */
/* ------------------------------------------------------------------------ */

/*
 * For the server half when no TEE is at hand (development, CI, the demo): a
 * simulated AMD SEV-SNP platform made with OpenSSL, an ARK -> ASK -> VCEK
 * hierarchy whose certificates say "simulated" in their names, that signs
 * real-format attestation reports. Clients verify its evidence with the
 * production code; they trust it only through a policy that pins its ARK
 * as a custom root (confai_sim_snp_policy_json), and every verdict then
 * says the root is not AMD's. Never use it where confidentiality matters.
 * Immutable once made: may be shared between threads.
 */
typedef struct confai_sim_snp confai_sim_snp;

/* Size of an SEV-SNP launch measurement. */
#define CONFAI_SNP_MEASUREMENT_SIZE 48
CONFAI_API size_t confai_snp_measurement_size(void);

/*
 * Creates the platform: from saved keys (saved_keys, the text
 * confai_sim_snp_save_keys wrote) or, when saved_keys is NULL, fresh keys
 * (RSA-4096 and P-384: this takes a few seconds). Certificates are issued
 * valid from a day before `now` (seconds since 1970; 0 = the current time);
 * the ARK key alone fixes what a policy pins, so a platform restored from
 * the same keys is trusted by the same policy. measurement is the launch
 * measurement its reports carry. On failure *sim is NULL.
 * Errors: CONFAI_E_BAD_KEY (saved keys unreadable or of the wrong kind),
 * CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_new(confai_sim_snp **sim, const char *saved_keys,
                   size_t saved_keys_len, const uint8_t measurement[48],
                   int64_t now, confai_error *err);

/* Releases the platform and wipes its keys. NULL is a no-op. */
CONFAI_API void confai_sim_snp_free(confai_sim_snp *sim);

/*
 * Writes the platform's private keys as PEM text (sensitive: store it like
 * any private key): *text (NUL-terminated, release with confai_free) and
 * *text_len. Errors: CONFAI_E_ARGUMENT, CONFAI_E_NO_MEMORY.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_save_keys(const confai_sim_snp *sim, char **text,
                         size_t *text_len, confai_error *err);

/*
 * Writes a policy (doc/policy.md) that accepts exactly this platform: its
 * ARK as the custom root, its product, measurement and TCB, a guest with
 * debugging off; the manifest digest SHA-256(manifest) and the given
 * max_age (seconds, 1 to 31536000). *json as for confai_sim_snp_save_keys.
 * On failure *json is NULL. Errors: CONFAI_E_ARGUMENT (NULL, max_age out of
 * range), CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL.
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_policy_json(const confai_sim_snp *sim, char **json,
                           size_t *json_len, const uint8_t *manifest,
                           size_t manifest_len, int64_t max_age,
                           confai_error *err);

/*
 * Answers an attestation request: signs a report whose report data is
 * confai_binding_report_data(nonce, key_config, manifest, not_after) and
 * writes the evidence bundle (doc/protocol.md) with the report and the
 * VCEK, ASK, ARK chain. key_config is one KeyConfig as serialized; not_after
 * is an RFC 3339 string as for confai_binding_report_data. *json as for
 * confai_sim_snp_save_keys. On failure *json is NULL. Thread-safe.
 * Errors: CONFAI_E_ARGUMENT (NULL, empty key_config, not_after not of the
 * binding's form), CONFAI_E_LIMIT (key_config longer than 65535 bytes),
 * CONFAI_E_NO_MEMORY, CONFAI_E_INTERNAL (signing failed).
 */
CONFAI_WARN_UNUSED_RESULT CONFAI_API confai_status
confai_sim_snp_bundle(const confai_sim_snp *sim, char **json, size_t *json_len,
                      const uint8_t nonce[32], const uint8_t *key_config,
                      size_t key_config_len, const uint8_t *manifest,
                      size_t manifest_len, const char *not_after,
                      confai_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CONFAI_SIM_H */
