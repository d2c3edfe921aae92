/*
 * The public simulated SEV-SNP platform (confai_sim_snp_*, in snp_sim_api.c) on
 * top of the internal simulator (snp_sim.h). Only the tests need this header:
 * it lets them make a platform with smaller RSA keys, which is much faster
 * than the RSA-4096 of confai_sim_snp_new.
 */
#ifndef CONFAI_SIM_SNP_SIM_API_H
#define CONFAI_SIM_SNP_SIM_API_H

#include <confai/confai.h>

/* The organization (O) of every certificate: it shows in root warnings. */
#define SIM_SNP_ORGANIZATION "confai simulated platform (not AMD)"

/* The first line of the text confai_sim_snp_save_keys writes. */
#define SIM_SNP_KEYS_HEADER "confai simulated SEV-SNP platform keys v1"

/*
 * As confai_sim_snp_new with fresh keys, with RSA keys of rsa_bits (2048,
 * 3072 or 4096) for the ARK, ASK and ASVK.
 */
confai_status sim_snp_new_generated(confai_sim_snp **sim, unsigned rsa_bits,
                                    const uint8_t measurement[48], int64_t now,
                                    confai_error *err);

/*
 * A report of the platform's launch measurement with the given report data,
 * signed by its VCEK, and the chain (VCEK, ASK, ARK; DER, borrowed from the
 * sim). For evidence sources (server/evidence_source.c).
 * Errors: CONFAI_E_ARGUMENT, CONFAI_E_INTERNAL.
 */
confai_status sim_snp_report(const confai_sim_snp *sim, uint8_t report[1184],
                             const uint8_t report_data[64], const uint8_t *certs[3],
                             size_t cert_lens[3], confai_error *err);

#endif /* CONFAI_SIM_SNP_SIM_API_H */
