/* What the simulated SNP platform's files share (snp_sim.h is its interface). */
#ifndef CONFAI_SIM_SNP_SIM_INTERNAL_H
#define CONFAI_SIM_SNP_SIM_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sim/snp_sim.h"

struct snp_sim_keys {
    EVP_PKEY *key[SNP_SIM_ROLES];
};

/* The key of a role. */
EVP_PKEY *snp_sim_keys_get(const snp_sim_keys *keys, snp_sim_role role);

/*
 * Issues the certificate of a role from cfg: subject_key certified by
 * issuer_key, whose certificate is issuer (NULL for the self-signed ARK).
 */
confai_status snp_sim_issue_cert(X509 **out, snp_sim_role role, const snp_sim_config *cfg,
                                 EVP_PKEY *subject_key, X509 *issuer, EVP_PKEY *issuer_key,
                                 confai_error *err);

/* A CRL signed by the ARK (certificate ark, key ark_key). */
confai_status snp_sim_issue_crl(X509_CRL **out, X509 *ark, EVP_PKEY *ark_key,
                                const uint64_t *revoked, size_t revoked_count,
                                int64_t this_update, int64_t next_update, confai_error *err);

#endif /* CONFAI_SIM_SNP_SIM_INTERNAL_H */
